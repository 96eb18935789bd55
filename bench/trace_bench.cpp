// What tracing costs: the built-in guest's forkstorm (a fault-heavy fork/write/exit loop) run on a
// bare machine (no observer), as `xray86 run` runs it without --trace (the tracer attached only to
// count, resolve faults and name address spaces by program), and with `--trace pf,tlb` written as
// text to /dev/null. Issue targets: tracing off costs nothing measurable; the traced run costs at
// most 1.5x the untraced one. Compare the medians:
//   build/release/bench/trace_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>

#include "devices/console.h"
#include "emu/machine/machine.h"
#include "emu/trace/filter.h"
#include "emu/trace/format.h"
#include "emu/trace/guest_info.h"
#include "emu/trace/programs.h"
#include "emu/trace/symbols.h"
#include "emu/trace/trace_cli.h"
#include "emu/trace/tracer.h"

namespace {

// Swallows the guest's console.
class DropSink : public devices::ByteSink {
 public:
  void put(uint8_t) override {}
};

enum class Mode { kBare, kCounting, kTraced };

void forkstorm(benchmark::State& state, Mode mode) {
  bool traced = mode == Mode::kTraced;
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
    // What `xray86 run` loads: the kernel's symbols, and the archive's programs to name spaces.
    trace::SymbolTable symbols;
    trace::Programs programs;
    if (mode != Mode::kBare && (!trace::loadGuestNames(config, {}, symbols, programs, error) || programs.empty())) {
      state.SkipWithError(error.empty() ? "no programs in the guest's archive" : error.c_str());
      return;
    }
    trace::GuestInfo info;
    trace::Describer describer(symbols, 9);  // PTE_COW, guest/kernel/mmu.h
    auto out = std::make_shared<trace::FileOut>(std::fopen("/dev/null", "wb"), true);
    std::unique_ptr<trace::Sink> sink;
    std::unique_ptr<trace::Tracer> tracer;
    describer.setGuestInfo(&info);
    if (mode != Mode::kBare) {
      uint32_t kinds = 0;
      if (traced) {
        sink = trace::makeTextSink(out, describer, false);
        trace::parseKindList("pf,tlb", kinds, error);  // exactly what --trace pf,tlb selects
      }
      tracer = std::make_unique<trace::Tracer>(m->cpu().events(), m->mmu(), *m, kinds, nullptr, sink.get());
      tracer->learn(&info, &symbols, &programs);
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

void BM_ForkstormBare(benchmark::State& state) { forkstorm(state, Mode::kBare); }
void BM_ForkstormUntraced(benchmark::State& state) { forkstorm(state, Mode::kCounting); }
void BM_ForkstormTracePfTlb(benchmark::State& state) { forkstorm(state, Mode::kTraced); }
BENCHMARK(BM_ForkstormBare)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ForkstormUntraced)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ForkstormTracePfTlb)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
