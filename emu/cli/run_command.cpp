// `xray86 run` on the PC.
#include "emu/cli/run_command.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>

#include "emu/cli/console_out.h"
#include "emu/cli/explore.h"
#include "emu/cli/output_file.h"

namespace cli {

namespace {

// SIGINT and SIGTERM end the run at the run's next look (Run::setPoll), so that the trace files
// are complete and the summary is printed. The handler only notes the signal and puts back the
// action there was before (the default, or the terminal source's, which restores the terminal
// and dies): a second Ctrl-C ends the process at once.
volatile std::sig_atomic_t caughtSignal = 0;
using SignalAction = struct sigaction;
SignalAction previousInt{};
SignalAction previousTerm{};

extern "C" void noteSignal(int signal) {
  caughtSignal = signal;
  sigaction(signal, signal == SIGINT ? &previousInt : &previousTerm, nullptr);
}

void catchSignals() {
  SignalAction action{};
  action.sa_handler = noteSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &previousInt);
  sigaction(SIGTERM, &action, &previousTerm);
}

// What a caught SIGINT or SIGTERM ends the run with (at its next look), or nothing.
std::optional<std::string> signalStop() {
  if (int s = caughtSignal)
    return std::string("interrupted by ") + (s == SIGINT ? "SIGINT" : "SIGTERM");
  return std::nullopt;
}

// The run of the options' machine, printing to `console`, with the idle and stuck tests the
// options ask for; nullptr and `error` when it cannot be made.
std::unique_ptr<run::Run> createRun(const RunOptions& o, const emu::MachineConfig& machine,
                                    devices::ByteSink* console, std::string& error) {
  run::Config config;
  config.machine = machine;
  config.machine.console = console;
  config.maxInstructions = o.pc.maxInstructions;
  config.maxCycles = o.pc.maxCycles;
  config.symbolFiles = o.trace.symbols;
  config.cowBit = o.cowBit;
  std::unique_ptr<run::Run> r = run::Run::create(config, error);
  if (!r) return nullptr;
  if (o.exitWhenIdle && !r->stopWhenIdle()) {
    error = "--exit-when-idle: no script on COM1";
    return nullptr;
  }
  r->stopWhenStuck(static_cast<uint64_t>(o.stuckSeconds * devices::kCpuHz));
  return r;
}

}  // namespace

void addRunOptions(CLI::App& run, RunOptions& o) {
  run.add_option("--until", o.until,
                 "End the run with status 0 when this happens: exit, insn:N, cycle:N, pf:N, "
                 "symbol:NAME, ret:NAME, console:TEXT or event:EXPR (docs/trace.md). Example: "
                 "--until 'console:ALL TESTS PASSED'");
  run.add_flag("--exit-when-idle", o.exitWhenIdle,
               "End the run with status 0 once the --input script is typed and the guest waits "
               "for more. Example: --input 'usertests\\n' --exit-when-idle");
  run.add_option("--stuck-after", o.stuckSeconds,
                 "End the run (status 12) after this many seconds of guest time with interrupts "
                 "off and no I/O, as a kernel spins after a panic, or waiting for input once the "
                 "--input script is used up (a deadlock); 0: never (default 30). "
                 "Example: --stuck-after 5")
      ->check(CLI::Range(0.0, 1e6));
  run.add_option("--gdb", o.gdb.port,
                 "Let gdb attach on this TCP port of 127.0.0.1 (in gdb: target remote :PORT); "
                 "the guest runs until it does (docs/debug.md). Example: --gdb 1234")
      ->check(CLI::Range(1, 65535));
  run.add_flag_callback(
      "-s", [&o] { o.gdb.port = 1234; }, "QEMU's spelling of --gdb 1234. Example: -s -S");
  run.add_flag("-S", o.gdb.waitForDebugger,
               "With --gdb or -s: wait for gdb before the first instruction. Example: -s -S");
  run.add_flag("--monitor", o.monitor,
               "Read the debugger's monitor commands (info tlb, info pg, break pf, ...) from "
               "standard input at each stop: --until, a catchpoint, the end (docs/debug.md). "
               "Example: --monitor --until pf:1 < commands.txt");
  run.add_option_function<std::string>(
      "--explore",
      [&o](const std::string& v) {
        uint64_t k = 0;
        bool ok =
            !v.empty() && v.size() <= 5 && v.find_first_not_of("0123456789") == std::string::npos;
        if (ok) k = std::stoull(v);
        if (!ok || k < 1 || k > kMaxExplore) {
          throw CLI::ValidationError("--explore " + v + ": expected a number of seeds from 1 to " +
                                     std::to_string(kMaxExplore));
        }
        o.explore = k;
      },
      "With --smp 2 or more: run the guest once for each of this many schedule seeds (from "
      "--schedule-seed on) and report which end differently, each with the command that replays "
      "it (docs/smp.md; exit status 16 when they differ). Example: --smp 2 --explore 20");
}

namespace {

// --explore K: K whole runs of the same configuration, seeds S to S+K-1, each console kept in
// memory; then the report on standard output. The exit status: the runs' own when every seed
// ends the same way, exit_status::kOutcomesDiffer when they do not.
int explore(RunOptions& o, const run::Until& until) {
  emu::MachineCli& pc = o.pc;
  auto fail = [](const std::string& error) {
    std::fprintf(stderr, "xray86: %s\n", error.c_str());
    return emu::exit_status::kBadUsage;
  };
  const uint64_t first = pc.config.scheduleSeed;
  if (o.explore - 1 > ~uint64_t{0} - first) {
    return fail("--explore " + std::to_string(o.explore) + " from --schedule-seed " +
                std::to_string(first) + " runs past the largest seed, 2^64-1");
  }
  Progress progress(!pc.quiet && isatty(fileno(stderr)));
  catchSignals();
  std::vector<ExploreRun> runs;
  for (uint64_t i = 0; i < o.explore; ++i) {
    devices::StringSink console;
    emu::MachineConfig machine = pc.config;
    machine.scheduleSeed = first + i;
    std::string error;
    std::unique_ptr<run::Run> r = createRun(o, machine, &console, error);
    if (!r) return fail(error);
    r->setPoll([&]() -> std::optional<std::string> {
      if (std::optional<std::string> m = signalStop()) return m;
      progress.update(*r);
      return std::nullopt;
    });
    std::optional<run::Stop> s = r->run(until, error);
    if (!s) return fail("--until " + error);
    r->finish();
    if (caughtSignal != 0 && s->kind == run::StopKind::kRequested) {
      progress.clear();
      std::fprintf(stderr, "xray86: --explore %s at seed %llu; %llu of %llu seeds run\n",
                   s->message.c_str(), static_cast<unsigned long long>(first + i),
                   static_cast<unsigned long long>(i), static_cast<unsigned long long>(o.explore));
      return 128 + caughtSignal;
    }
    ExploreRun x;
    x.seed = first + i;
    x.status = s->status;
    x.message = s->kind == run::StopKind::kReached ? "reached --until " + o.until : s->message;
    if (s->kind == run::StopKind::kExited && (s->status & 1))
      x.message += "; guest exit value " + std::to_string(s->status >> 1);
    x.console = console.text;
    const emu::Machine& m = r->machine();
    const mmu::MmuStats st = m.mmuStats();
    x.missingFlushes = st.missingFlushes;
    x.staleUses = r->tracer().counters().staleUses;
    for (unsigned k = 0; k < m.cpuCount(); ++k) {
      for (const auto& rec : m.mmu(k).flushCheck().records())
        if (rec.what.writer != rec.what.holder) ++x.shootdowns;
    }
    x.instructions = r->instructions();
    x.pageFaults = st.pageFaultTotal();
    x.flushes = st.flushes[0] + st.flushes[1] + st.flushes[2] + st.flushes[3];
    runs.push_back(std::move(x));
  }
  progress.clear();
  std::vector<Outcome> outcomes = groupOutcomes(runs);
  std::string header = "xray86 explore: --smp " + std::to_string(pc.config.cpus) +
                       ", --smp-quantum " + std::to_string(pc.config.smpQuantum) +
                       ", --schedule-seed " + std::to_string(first) + " to " +
                       std::to_string(first + o.explore - 1);
  std::string report = formatExplore(runs, outcomes, header, [&](uint64_t seed) {
    return replayCommand(o.program, o.args, o.replayExtra, seed);
  });
  std::fwrite(report.data(), 1, report.size(), stdout);
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "xray86: error: standard output could not be written in full%s%s\n",
                 errno ? ": " : "", errno ? std::strerror(errno) : "");
    return emu::exit_status::kOutputFailed;
  }
  return outcomes.size() == 1 ? runs[0].status : emu::exit_status::kOutcomesDiffer;
}

}  // namespace

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
  run::Until until;
  if (!o.until.empty()) {
    std::optional<run::Until> u = run::Until::parse(o.until, error);
    if (!u) return fail("--until " + error);
    if (o.view.enabled()) return fail("--until ends a plain run; the view's is --view-at");
    until = *u;
  }
  if (o.gdb.waitForDebugger && o.gdb.port == 0)
    return fail("-S waits for gdb: give --gdb PORT or -s");
  if (o.gdb.port != 0 && o.view.enabled()) return fail("--gdb and --view: one front end at a time");
  if (o.gdb.port != 0 && !o.until.empty()) {
    return fail("--until ends a plain run; under gdb, break where you want to stop");
  }
  if (o.monitor && (o.gdb.port != 0 || o.view.enabled())) {
    return fail("--monitor: one front end at a time (not with --gdb or --view)");
  }
  if (o.monitor && (pc.config.inputFile == "-" || pc.config.terminalKeyboard)) {
    return fail("--monitor reads standard input: the guest's input cannot come from it too");
  }
  if (o.exitWhenIdle && !pc.config.input && pc.config.inputFile.empty()) {
    return fail("--exit-when-idle needs a script to use up: --input or --input-file");
  }
  if (o.explore != 0) {
    if (pc.config.cpus < 2) {
      return fail("--explore varies the turns of several processors: give --smp 2 or more");
    }
    const char* other = o.gdb.port != 0           ? "--gdb"
                        : o.view.enabled()        ? "--view and --view-png"
                        : o.monitor               ? "--monitor"
                        : !o.trace.kinds.empty()  ? "--trace"
                        : o.trace.stats           ? "--stats"
                        : !pc.consoleFile.empty() ? "--console-file"
                                                  : nullptr;
    if (other != nullptr) {
      return fail(std::string("--explore runs many seeds and reports how they end; give ") + other +
                  " to the replay line of one seed");
    }
    if (pc.config.inputFile == "-" || pc.config.terminalKeyboard) {
      return fail(
          "--explore types the same input into every run: give a script (--input or "
          "--input-file FILE), not the terminal");
    }
    // No script: every run gets an empty one (never the terminal), and so does its replay.
    if (!pc.config.input && pc.config.inputFile.empty()) {
      pc.config.input = "";
      o.replayExtra.push_back("--input");
      o.replayExtra.push_back("");
    }
    return explore(o, until);
  }
  Progress progress(!pc.quiet && !o.view.enabled() && isatty(fileno(stderr)));
  // The console: a file, or standard output; standard error when a machine-readable trace
  // takes standard output (it must stay parseable); whole lines under a text trace.
  bool traceToStdout = !o.trace.kinds.empty() && (o.trace.out.empty() || o.trace.out == "-");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, std::fclose);
  std::shared_ptr<int> consoleError;  // why the console file's first write failed
  std::FILE* consoleStream = stdout;
  if (!pc.consoleFile.empty()) {
    file.reset(openOutput(pc.consoleFile, consoleError));
    if (!file) {
      return fail("cannot write console file " + pc.consoleFile + ": " + std::strerror(errno));
    }
    consoleStream = file.get();
  } else if (traceToStdout && o.trace.format != "text") {
    consoleStream = stderr;
  }
  ConsoleOut console(consoleStream,
                     traceToStdout && o.trace.format == "text" && consoleStream == stdout,
                     &progress);
  std::unique_ptr<run::Run> r = createRun(o, pc.config, &console, error);
  if (!r) return fail(error);
  TraceOutput out;
  out.setProcessors(r->machine().cpuCount());
  if (!out.open(o.trace, r->symbols(), &r->guestInfo(), &r->programs(), o.cowBit, error))
    return fail(error);
  out.attach(r->tracer());
  catchSignals();
  // The run's look (and the debugger's): signals, the progress line, whole console lines.
  run::Run::Poll look = [&]() -> std::optional<std::string> {
    if (std::optional<std::string> m = signalStop()) return m;
    progress.update(*r);
    console.push();
    return std::nullopt;
  };
  r->setPoll(look);
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
    std::optional<run::Stop> s;
    // The debugger first: it returns the stop that ended the run under it, or nothing when gdb
    // went away with the guest still running, which then runs on to its end.
    if (o.gdb.port != 0) {
      if (!gdb::serve(*r, o.gdb, look, s, error)) return fail(error);
    }
    if (o.monitor) {
      // The monitor stops at --until (and then at its catchpoints); when its input ends, the
      // run goes on to its end.
      s = gdb::monitorStdin(*r, until, look, error);
      if (!s && !error.empty()) return fail("--until " + error);
      console.flush();
      if (!s) until = run::Until::end();
    }
    if (!s) s = r->run(until, error);
    if (!s) return fail("--until " + error);
    stop = *s;
  }
  double host = std::chrono::duration<double>(std::chrono::steady_clock::now() - hostStart).count();
  progress.clear();
  console.flush();
  r->finish();
  out.report(r->tracer(), stop.failed(), r->summary(host));
  // No silent loss: an output that could not be written in full ends the run with its own
  // status (exit_status::kOutputFailed), said in one line after the run's own.
  std::string lost = out.writeError();
  if (lost.empty() && file) {
    errno = 0;
    if (std::fflush(file.get()) != 0 || std::ferror(file.get())) {
      int why = *consoleError ? *consoleError : errno;
      lost = "console file " + pc.consoleFile + ": the console could not be written in full" +
             (why ? std::string(": ") + std::strerror(why) : std::string());
    }
  }
  // A disk image the host refused a write to (the guest saw an ATA error): its first refusal.
  for (unsigned unit = 0; unit < 2 && lost.empty(); ++unit) {
    if (const devices::Disk* disk = r->machine().ata().disk(unit)) lost = disk->writeError();
  }
  errno = 0;
  if (lost.empty() && (std::fflush(stdout) != 0 || std::ferror(stdout))) {
    lost = std::string("standard output could not be written in full") +
           (errno ? std::string(": ") + std::strerror(errno) : std::string());
  }
  auto finish = [&](int status) {
    if (lost.empty()) return status;
    std::fprintf(stderr, "xray86: error: %s\n", lost.c_str());
    return emu::exit_status::kOutputFailed;
  };
  if (caughtSignal != 0 && stop.kind == run::StopKind::kRequested) {
    // Interrupted: what the run did so far, even without --stats.
    if (!o.trace.stats) {
      std::string summary = r->summary(host);
      std::fwrite(summary.data(), 1, summary.size(), stderr);
    }
    std::fprintf(stderr, "xray86: %s; %s\n", stop.message.c_str(), r->machine().summary().c_str());
    return finish(128 + caughtSignal);
  }
  if (viewClosed) {
    if (!pc.quiet) {
      std::fprintf(stderr, "xray86: view closed at cycle %llu; %s\n",
                   static_cast<unsigned long long>(r->cycles()), r->machine().summary().c_str());
    }
    return finish(emu::exit_status::kOk);
  }
  // The guest's own exit value, and the status it becomes (emu/machine/exit_status.h).
  if (stop.kind == run::StopKind::kExited) {
    if (stop.status & 1) stop.message += "; guest exit value " + std::to_string(stop.status >> 1);
    stop.message +=
        (stop.status & 1 ? ", exit status " : "; exit status ") + std::to_string(stop.status);
  }
  // A count reached is in the machine's words ("stopped after N instructions"): say it as asked.
  if (stop.kind == run::StopKind::kReached) stop.message = "reached --until " + o.until;
  bool abnormal = stop.kind == run::StopKind::kHalted || stop.kind == run::StopKind::kTripleFault ||
                  stop.kind == run::StopKind::kUnsupported || stop.kind == run::StopKind::kStuck;
  if (!pc.quiet || abnormal) {
    std::fprintf(stderr, "xray86: %s; %s\n", stop.message.c_str(), r->machine().summary().c_str());
  }
  return finish(stop.status);
}

}  // namespace cli
