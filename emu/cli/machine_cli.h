// The PC options of `xray86 run` and what they do: parse into a MachineConfig, build the
// Machine, run it, print the summary and turn the outcome into the process exit status.
//
// machine_cli.cpp defines: MachineCli, addMachineOptions, runMachineCli.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "emu/machine/machine.h"

namespace emu {

struct MachineCli {
  MachineConfig config;
  std::string rtc;                  // --rtc as given
  uint64_t maxInstructions = ~uint64_t{0};
  uint64_t maxCycles = ~uint64_t{0};
  bool quiet = false;               // --quiet: no summary line on standard error
  std::string consoleFile;          // --console-file: COM1 and port 0xE9 output go here
  // Exit with the value the guest wrote to port 0xF4 rather than QEMU's (v<<1)|1: for the
  // built-in guest, whose programs' statuses are ours to define (0 is success).
  bool guestExitValue = false;
  bool hasImage() const { return !config.kernel.empty() || !config.disks.empty() || !config.bios.empty(); }
};

// Adds --kernel, --cmdline, --module, --disk, --snapshot, --bios, --mem, --input, --input-file,
// --keys, --display, --console-file, --rtc, --max-cycles and --quiet to `run` (which has its own instruction
// limit, -n/--max-instructions/--max-insns, copied into maxInstructions by the caller).
void addMachineOptions(CLI::App& run, MachineCli& cli);

// What `xray86 run` adds around a run (the trace, emu/trace/): attach() after the machine is
// built (false and a one-line error: status 2), finish() once it stopped, with its outcome.
class RunHooks {
 public:
  virtual ~RunHooks() = default;
  virtual bool attach(Machine& m, std::string& error) = 0;
  virtual void finish(Machine& m, const Machine::Outcome& outcome) = 0;
};

// Exit status (emu::exit_status in machine.h): the guest's (exit port), 0 for a guest reset,
// distinct even statuses for a reached limit, a halt with interrupts off, a triple fault and an
// unsupported instruction, 2 for bad options or images (before the machine starts).
int runMachineCli(MachineCli& cli, RunHooks* hooks = nullptr);

}  // namespace emu
