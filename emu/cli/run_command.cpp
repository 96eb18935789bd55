// `xray86 run` on the PC.
#include "emu/cli/run_command.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>

namespace cli {

int exitStatus(const run::Stop& stop, bool guestExitValue) {
  if (guestExitValue && stop.kind == run::StopKind::kExited && (stop.status & 1)) {
    return stop.status >> 1;
  }
  return stop.status;
}

int runCommand(RunOptions& o) {
  emu::MachineCli& pc = o.pc;
  auto fail = [](const std::string& error) {
    std::fprintf(stderr, "xray86: %s\n", error.c_str());
    return emu::exit_status::kBadUsage;
  };
  std::string error;
  if (!view::checkViewOptions(o.view, error)) return fail(error);
  if (!pc.rtc.empty() && !emu::parseRtc(pc.rtc, pc.config.rtc)) {
    return fail("--rtc " + pc.rtc + ": expected seconds since 1970 or YYYY-MM-DD[THH:MM:SS]");
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, std::fclose);
  std::unique_ptr<devices::FileSink> console;
  if (!pc.consoleFile.empty()) {
    file.reset(std::fopen(pc.consoleFile.c_str(), "wb"));
    if (!file) {
      return fail("cannot write console file " + pc.consoleFile + ": " + std::strerror(errno));
    }
    console = std::make_unique<devices::FileSink>(file.get());
    pc.config.console = console.get();
  }
  run::Config config;
  config.machine = pc.config;
  config.maxInstructions = pc.maxInstructions;
  config.maxCycles = pc.maxCycles;
  config.symbolFiles = o.trace.symbols;
  config.cowBit = o.cowBit;
  std::unique_ptr<run::Run> r = run::Run::create(config, error);
  if (!r) return fail(error);
  TraceOutput out;
  if (!out.open(o.trace, r->symbols(), &r->guestInfo(), o.cowBit, error)) return fail(error);
  out.attach(r->tracer());
  auto hostStart = std::chrono::steady_clock::now();

  run::Stop stop;
  bool viewClosed = false;
  if (o.view.enabled()) {
    std::optional<run::Stop> s = view::runView(*r, o.view, pc.quiet, error);
    if (!s) return fail(error);
    viewClosed = !s->ended() && s->kind != run::StopKind::kInstructionLimit &&
                 s->kind != run::StopKind::kCycleLimit;
    stop = *s;
  } else {
    stop = r->run();
  }
  double host = std::chrono::duration<double>(std::chrono::steady_clock::now() - hostStart).count();
  r->finish();
  out.report(r->tracer(), stop.failed(), r->summary(host));
  std::fflush(stdout);
  if (viewClosed) {
    if (!pc.quiet) {
      std::fprintf(stderr, "xray86: view closed at cycle %llu; %s\n",
                   static_cast<unsigned long long>(r->cycles()), r->machine().summary().c_str());
    }
    return emu::exit_status::kOk;
  }
  bool abnormal = stop.kind == run::StopKind::kHalted || stop.kind == run::StopKind::kTripleFault ||
                  stop.kind == run::StopKind::kUnsupported;
  if (!pc.quiet || abnormal) {
    std::fprintf(stderr, "xray86: %s; %s\n", stop.message.c_str(), r->machine().summary().c_str());
  }
  return exitStatus(stop, pc.guestExitValue);
}

}  // namespace cli
