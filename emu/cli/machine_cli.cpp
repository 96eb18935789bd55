// The PC options of `xray86 run`.
#include "emu/cli/machine_cli.h"

namespace emu {

void addMachineOptions(CLI::App& run, MachineCli& cli) {
  MachineConfig& c = cli.config;
  run.add_option("--kernel", c.kernel,
                 "Multiboot kernel (ELF32, or a.out kludge) to boot. Example: --kernel "
                 "build/default/guest/kernel.elf");
  run.add_option("--cmdline", c.cmdline,
                 "The kernel's command line (multiboot); for the built-in guest, a lab variant. "
                 "Example: --cmdline 'cow_flush=none run=cowtest'");
  run.add_option("--module", c.modules,
                 "Multiboot module \"FILE [ARGS]\" (repeatable). Example: --module "
                 "build/default/guest/archive.img");
  run.add_option("--disk", c.disks,
                 "Raw disk image: the first is the ATA master and the boot disk, the second the "
                 "slave. Example: --disk xv6.img --disk fs.img");
  run.add_option_function<std::string>(
      "--disk-slave",
      [&c](const std::string& path) {
        if (c.disks.size() >= 2) {
          throw CLI::ValidationError("--disk-slave", "two --disk images are given already");
        }
        if (c.disks.empty()) c.disks.push_back("");  // no master
        c.disks.push_back(path);
      },
      "Raw disk image as the ATA slave, with or without a master (QEMU's -drive index=1). "
      "Example: --kernel kernel --disk-slave fs.img");
  run.add_flag(
      "--snapshot", c.snapshot,
      "Keep disk writes in memory; image files stay untouched. Example: --disk xv6.img --snapshot");
  run.add_option("--bios", c.bios,
                 "Boot this ROM image from the reset vector instead of the built-in firmware. "
                 "Example: --bios rom.bin");
  run.add_option("--mem", c.memMb, "RAM in MB, 2 or more. Example: --mem 64")
      ->capture_default_str();
  run.add_option("--input", c.input,
                 "Script typed into COM1 a line at a time, each when the guest waits for input (C "
                 "escapes: \\n \\r \\t \\\\ \\xHH). Example: --input 'free\\nexit\\n'");
  run.add_option(
      "--input-file", c.inputFile,
      "File typed into COM1, a line at a time like --input. Example: --input-file commands.txt");
  run.add_option(
      "--keys", c.keys,
      "Typed on the PS/2 keyboard (scan code set 1; C escapes). Example: --keys 'dir\\r'");
  run.add_option_function<std::string>(
      "--display",
      [&c](const std::string& v) {
        if (v != "text" && v != "none")
          throw CLI::ValidationError("--display", "expected text or none");
        c.displayText = v == "text";
      },
      "text: mirror the CGA screen to the terminal; none (default). Example: --display text");
  run.add_option_function<std::string>(
      "--terminal",
      [&c](const std::string& v) {
        if (v != "serial" && v != "keyboard")
          throw CLI::ValidationError("--terminal", "expected serial or keyboard");
        c.terminalKeyboard = v == "keyboard";
      },
      "Where keys typed in the terminal go without --input: serial (COM1, default) or keyboard "
      "(8042). Example: --terminal keyboard");
  run.add_option("--console-file", cli.consoleFile,
                 "Write COM1 and port 0xE9 output to this file instead of standard output. "
                 "Example: --console-file run.log");
  run.add_option("--rtc", cli.rtc,
                 "CMOS clock at start: seconds since 1970 or YYYY-MM-DD[THH:MM:SS] (default "
                 "2000-01-01). Example: --rtc 2026-11-25T18:00:00");
  run.add_option("--max-cycles", cli.maxCycles,
                 "Stop after this many cycles (33 MHz nominal; exit status 4). Example: "
                 "--max-cycles 330000000 (10 s of guest time)");
  run.add_option_function<std::string>(
      "--tlb",
      [&c](const std::string& v) {
        std::string error;
        if (!parseTlb(v, c.tlb, error)) throw CLI::ValidationError(error);
      },
      "TLB geometry SETSxWAYS (default 8x4, the 80386's 32 entries). Example: --tlb 1x1 makes "
      "every "
      "page switch a miss");
  run.add_flag("--split-tlb", c.tlb.split,
               "Separate instruction and data TLBs, each of the --tlb geometry. Example: --tlb 4x2 "
               "--split-tlb");
  run.add_flag("--lab-flush-rule", c.labFlushRule,
               "The flush checker also reports a page-fault handler that fixes a PTE and returns "
               "without INVLPG or a CR3 reload (the lab's rule; the hardware's #PF already drops "
               "that page). Example: --lab-flush-rule");
  run.add_flag("--stop-on-unsupported", c.stopOnUnsupported,
               "Stop the run (exit status 10) at an instruction this CPU does not implement, "
               "naming it, instead of raising #UD in the guest. Example: --stop-on-unsupported");
  // A decimal count from `lo` to `hi`, or a one-line error naming the option.
  auto count = [](const char* name, uint64_t lo, uint64_t hi, uint64_t& out) {
    return [name, lo, hi, &out](const std::string& v) {
      uint64_t x = 0;
      bool ok = !v.empty() && v.size() <= 20;
      for (char ch : v) {
        if (ch < '0' || ch > '9' || x > (~uint64_t{0} - (ch - '0')) / 10) {
          ok = false;
          break;
        }
        x = x * 10 + static_cast<uint64_t>(ch - '0');
      }
      if (!ok || x < lo || x > hi) {
        throw CLI::ValidationError(std::string(name) + " " + v + ": expected a number from " +
                                   std::to_string(lo) + " to " + std::to_string(hi));
      }
      out = x;
    };
  };
  run.add_option_function<std::string>(
         "--smp",
         [&c, &cli, f = count("--smp", 1, kMaxCpus, cli.cpus)](const std::string& v) {
           f(v);
           c.cpus = static_cast<unsigned>(cli.cpus);
         },
         "Processors, 1 to 8, run in turns (docs/smp.md). Example: --smp 2")
      ->default_str("1");
  run.add_option_function<std::string>(
         "--smp-quantum",
         [&c, &cli,
          f = count("--smp-quantum", 1, kMaxSmpQuantum, cli.quantum)](const std::string& v) {
           f(v);
           c.smpQuantum = static_cast<unsigned>(cli.quantum);
         },
         "With --smp: each turn runs 1 to this many instructions, drawn from the schedule's "
         "seed. Example: --smp 2 --smp-quantum 10")
      ->default_str("50");
  run.add_option_function<std::string>(
         "--schedule-seed", count("--schedule-seed", 0, ~uint64_t{0}, c.scheduleSeed),
         "With --smp: the seed of the order and lengths of the turns; the same seed gives the "
         "same run byte for byte. Example: --smp 2 --schedule-seed 7")
      ->default_str("0");
  run.add_flag("--quiet", cli.quiet, "No summary line at the end. Example: --quiet");
}

}  // namespace emu
