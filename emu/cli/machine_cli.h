// The PC options of `xray86 run`, parsed into a MachineConfig (the command line and the API's
// Options::fromArgs share them).
//
// machine_cli.cpp defines: MachineCli, addMachineOptions.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "emu/machine/machine.h"

namespace emu {

struct MachineCli {
  MachineConfig config;
  std::string rtc;  // --rtc as given
  uint64_t maxInstructions = ~uint64_t{0};
  uint64_t maxCycles = ~uint64_t{0};
  bool quiet = false;               // --quiet: no summary line on standard error
  std::string consoleFile;          // --console-file: COM1 and port 0xE9 output go here
  uint64_t cpus = 1, quantum = 50;  // --smp, --smp-quantum as parsed (also in config)
  bool hasImage() const {
    return !config.kernel.empty() || !config.disks.empty() || !config.bios.empty();
  }
};

// Adds --kernel, --cmdline, --module, --disk, --disk-slave, --snapshot, --bios, --mem, --input,
// --input-file, --keys, --display, --terminal, --console-file, --rtc, --max-cycles, --tlb,
// --split-tlb, --smp, --smp-quantum, --schedule-seed and --quiet to `run` (which has its own
// instruction limit, -n/--max-instructions/--max-insns, copied into maxInstructions by the caller).
void addMachineOptions(CLI::App& run, MachineCli& cli);

}  // namespace emu
