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
  run.add_flag("--quiet", cli.quiet, "No summary line at the end. Example: --quiet");
}

}  // namespace emu
