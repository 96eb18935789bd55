// `xray86 run` on the PC: one run::Run from the options, the trace output on its tracer, the
// view or a plain run to the end (or to --until), then the summary and the exit status
// (emu::exit_status).
//
// run_command.cpp defines: RunOptions, addRunOptions, runCommand.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "emu/cli/machine_cli.h"
#include "emu/cli/trace_output.h"
#include "emu/gdb/stub.h"
#include "emu/run/run.h"
#include "emu/view/view_cli.h"

namespace cli {

// --explore K: at most this many seeds in one command.
constexpr uint64_t kMaxExplore = 1000;

struct RunOptions {
  emu::MachineCli pc;                     // --kernel, --disk, ... (docs/platform.md)
  TraceCli trace;                         // --trace, --symbols, --stats (docs/trace.md)
  view::ViewCli view;                     // --view, --view-png, --view-at (docs/view.md)
  unsigned cowBit = run::kDefaultCowBit;  // --cow-bit: the trace's words and the view's colours
  std::string until;                      // --until COND (run::Until's text forms)
  bool exitWhenIdle = false;              // --exit-when-idle
  double stuckSeconds = 30;  // --stuck-after: guest seconds with interrupts off and no I/O
  gdb::Options gdb;          // --gdb PORT, -s, -S (docs/debug.md)
  bool monitor = false;      // --monitor: gdb's monitor commands on standard input
  uint64_t explore = 0;      // --explore K: K seeds from --schedule-seed (docs/smp.md)
  // For --explore's replay lines: the program's name and `run`'s arguments as given, and what
  // the replay must add to be the same run (--demo, --input '').
  std::string program = "xray86";
  std::vector<std::string> args;
  std::vector<std::string> replayExtra;
};

// Adds --until, --exit-when-idle, --stuck-after, --explore and the debugger's --gdb, -s, -S,
// --monitor.
void addRunOptions(CLI::App& run, RunOptions& options);

// Runs and returns the process exit status: the Stop's (emu/machine/exit_status.h), whichever
// way the guest was booted, or 128 + the signal's number when a signal ended the run.
int runCommand(RunOptions& options);

}  // namespace cli
