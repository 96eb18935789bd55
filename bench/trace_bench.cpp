// What tracing costs: the built-in guest's forkstorm (a fault-heavy fork/write/exit loop) run
// untraced, and with `--trace pf,tlb` written as text to /dev/null. Issue target: the traced run
// costs at most 1.5x the untraced one. Compare the two medians:
//   build/release/bench/trace_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>

#include "devices/console.h"
#include "emu/machine.h"
#include "emu/trace/filter.h"
#include "emu/trace/format.h"
#include "emu/trace/symbols.h"
#include "emu/trace/tracer.h"

namespace {

// Swallows the guest's console.
class DropSink : public devices::ByteSink {
 public:
  void put(uint8_t) override {}
};

void forkstorm(benchmark::State& state, bool traced) {
  DropSink console;
  uint64_t instructions = 0;
  for (auto _ : state) {
    emu::MachineConfig config;
    config.kernel = XRAY86_GUEST_KERNEL;
    config.modules = {XRAY86_GUEST_ARCHIVE};
    config.cmdline = "run=forkstorm 500 8";  // 500 rounds of fork, child writes 8 pages, exit
    config.input = "";
    config.console = &console;
    std::string error;
    std::unique_ptr<emu::Machine> m = emu::Machine::create(config, error);
    if (!m) {
      state.SkipWithError(error.c_str());
      return;
    }
    trace::SymbolTable symbols;  // as `xray86 run --kernel` loads them, for symbol+offset
    if (traced && !symbols.loadFile(XRAY86_GUEST_KERNEL, error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    trace::Describer describer(symbols, 9);  // PTE_COW, guest/kernel/mmu.h
    auto out = std::make_shared<trace::FileOut>(std::fopen("/dev/null", "wb"), true);
    std::unique_ptr<trace::Sink> sink;
    std::unique_ptr<trace::Tracer> tracer;
    if (traced) {
      sink = trace::makeTextSink(out, describer, false);
      uint32_t kinds = 0;
      trace::parseKindList("pf,tlb", kinds, error);  // exactly what --trace pf,tlb selects
      tracer = std::make_unique<trace::Tracer>(m->cpu(), m->mmu(), *m, kinds, nullptr, sink.get(), 9);
      tracer->attach();
    }
    emu::Machine::Outcome r = m->run(~uint64_t{0}, ~uint64_t{0});
    if (tracer) tracer->finish();
    if (r.kind != emu::Machine::Outcome::Kind::kGuestExit) {
      state.SkipWithError(r.message.c_str());
      return;
    }
    instructions += m->cpu().instructions();
  }
  state.counters["guest_MIPS"] =
      benchmark::Counter(static_cast<double>(instructions) / 1e6, benchmark::Counter::kIsRate);
}

void BM_ForkstormUntraced(benchmark::State& state) { forkstorm(state, false); }
void BM_ForkstormTracePfTlb(benchmark::State& state) { forkstorm(state, true); }
BENCHMARK(BM_ForkstormUntraced)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ForkstormTracePfTlb)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
