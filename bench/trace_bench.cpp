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
#include "emu/run/run.h"
#include "emu/trace/filter.h"
#include "emu/trace/format.h"

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
    emu::Machine* m = nullptr;
    emu::Machine::Outcome::Kind end;
    std::string message;
    std::unique_ptr<emu::Machine> bare;
    std::unique_ptr<run::Run> r;
    if (mode == Mode::kBare) {
      bare = emu::Machine::create(config, error);
      if (!bare) {
        state.SkipWithError(error.c_str());
        return;
      }
      emu::Machine::Outcome o = bare->run(~uint64_t{0}, ~uint64_t{0});
      end = o.kind;
      message = o.message;
      m = bare.get();
    } else {
      // What `xray86 run` builds: the Run (the kernel's symbols, the archive's programs to name
      // address spaces, the one tracer), with --trace pf,tlb's text sink when traced.
      run::Config rc;
      rc.machine = config;
      r = run::Run::create(rc, error);
      if (!r || r->programs().empty()) {
        state.SkipWithError(error.empty() ? "no programs in the guest's archive" : error.c_str());
        return;
      }
      trace::Describer describer(r->symbols(), r->cowBit());
      describer.setGuestInfo(&r->guestInfo());
      auto out = std::make_shared<trace::FileOut>(std::fopen("/dev/null", "wb"), true);
      std::unique_ptr<trace::Sink> sink;
      if (traced) {
        uint32_t kinds = 0;
        sink = trace::makeTextSink(out, describer, false);
        trace::parseKindList("pf,tlb", kinds, error);  // exactly what --trace pf,tlb selects
        r->tracer().setSink(sink.get(), kinds);
      }
      run::Stop stop = r->run();
      r->finish();
      if (sink) r->tracer().setSink(sink.get(), 0);
      end = stop.kind == run::StopKind::kExited ? emu::Machine::Outcome::Kind::kGuestExit
                                                : emu::Machine::Outcome::Kind::kStopped;
      message = stop.message;
      m = &r->machine();
    }
    if (end != emu::Machine::Outcome::Kind::kGuestExit) {
      state.SkipWithError(message.c_str());
      return;
    }
    instructions += m->cpu().instructions();
  }
  state.counters["guest_MIPS"] =
      benchmark::Counter(static_cast<double>(instructions) / 1e6, benchmark::Counter::kIsRate);
}

void BM_ForkstormBare(benchmark::State& state) {
  forkstorm(state, Mode::kBare);
}
void BM_ForkstormUntraced(benchmark::State& state) {
  forkstorm(state, Mode::kCounting);
}
void BM_ForkstormTracePfTlb(benchmark::State& state) {
  forkstorm(state, Mode::kTraced);
}
BENCHMARK(BM_ForkstormBare)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ForkstormUntraced)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ForkstormTracePfTlb)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
