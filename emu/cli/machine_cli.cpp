// `xray86 run` for the PC machine.
#include "emu/cli/machine_cli.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace emu {

void addMachineOptions(CLI::App& run, MachineCli& cli) {
  MachineConfig& c = cli.config;
  run.add_option("--kernel", c.kernel, "Multiboot kernel (ELF32, or a.out kludge) to boot. Example: --kernel build/default/guest/kernel.elf");
  run.add_option("--cmdline", c.cmdline, "The kernel's command line (multiboot); for the built-in guest, a lab variant. Example: --cmdline 'cow_flush=none run=cowtest'");
  run.add_option("--module", c.modules, "Multiboot module \"FILE [ARGS]\" (repeatable). Example: --module build/default/guest/archive.img");
  run.add_option("--disk", c.disks, "Raw disk image: the first is the ATA master and the boot disk, the second the slave. Example: --disk xv6.img --disk fs.img");
  run.add_flag("--snapshot", c.snapshot, "Keep disk writes in memory; image files stay untouched. Example: --disk xv6.img --snapshot");
  run.add_option("--bios", c.bios, "Boot this ROM image from the reset vector instead of the built-in firmware. Example: --bios rom.bin");
  run.add_option("--mem", c.memMb, "RAM in MB, 2 or more. Example: --mem 64")->capture_default_str();
  run.add_option("--input", c.input, "Script typed into COM1 a line at a time, each when the guest waits for input (C escapes: \\n \\r \\t \\\\ \\xHH). Example: --input 'free\\nexit\\n'");
  run.add_option("--input-file", c.inputFile, "File typed into COM1, a line at a time like --input. Example: --input-file commands.txt");
  run.add_option("--keys", c.keys, "Typed on the PS/2 keyboard (scan code set 1; C escapes). Example: --keys 'dir\\r'");
  run.add_option_function<std::string>(
         "--display",
         [&c](const std::string& v) {
           if (v != "text" && v != "none") throw CLI::ValidationError("--display", "expected text or none");
           c.displayText = v == "text";
         },
         "text: mirror the CGA screen to the terminal; none (default). Example: --display text");
  run.add_option_function<std::string>(
         "--terminal",
         [&c](const std::string& v) {
           if (v != "serial" && v != "keyboard") throw CLI::ValidationError("--terminal", "expected serial or keyboard");
           c.terminalKeyboard = v == "keyboard";
         },
         "Where keys typed in the terminal go without --input: serial (COM1, default) or keyboard (8042). Example: --terminal keyboard");
  run.add_option("--console-file", cli.consoleFile, "Write COM1 and port 0xE9 output to this file instead of standard output. Example: --console-file run.log");
  run.add_option("--rtc", cli.rtc, "CMOS clock at start: seconds since 1970 or YYYY-MM-DD[THH:MM:SS] (default 2000-01-01). Example: --rtc 2026-11-25T18:00:00");
  run.add_option("--max-cycles", cli.maxCycles, "Stop after this many cycles (33 MHz nominal; exit status 4). Example: --max-cycles 330000000 (10 s of guest time)");
  run.add_option_function<std::string>(
         "--tlb",
         [&c](const std::string& v) {
           std::string error;
           if (!parseTlb(v, c.tlb, error)) throw CLI::ValidationError(error);
         },
         "TLB geometry SETSxWAYS (default 8x4, the 80386's 32 entries). Example: --tlb 1x1 makes every "
         "page switch a miss");
  run.add_flag("--split-tlb", c.tlb.split, "Separate instruction and data TLBs, each of the --tlb geometry. Example: --tlb 4x2 --split-tlb");
  run.add_flag("--quiet", cli.quiet, "No summary line at the end. Example: --quiet");
}

int runMachineCli(MachineCli& cli, RunHooks* hooks) {
  if (!cli.rtc.empty() && !parseRtc(cli.rtc, cli.config.rtc)) {
    std::fprintf(stderr, "xray86: --rtc %s: expected seconds since 1970 or YYYY-MM-DD[THH:MM:SS]\n", cli.rtc.c_str());
    return exit_status::kBadUsage;
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, std::fclose);
  std::unique_ptr<devices::FileSink> sink;
  if (!cli.consoleFile.empty()) {
    file.reset(std::fopen(cli.consoleFile.c_str(), "wb"));
    if (!file) {
      std::fprintf(stderr, "xray86: cannot write console file %s: %s\n", cli.consoleFile.c_str(), std::strerror(errno));
      return 2;
    }
    sink = std::make_unique<devices::FileSink>(file.get());
    cli.config.console = sink.get();
  }
  std::string error;
  std::unique_ptr<Machine> m = Machine::create(cli.config, error);
  if (!m) {
    std::fprintf(stderr, "xray86: %s\n", error.c_str());
    return exit_status::kBadUsage;
  }
  if (hooks && !hooks->attach(*m, error)) {
    std::fprintf(stderr, "xray86: %s\n", error.c_str());
    return exit_status::kBadUsage;
  }
  Machine::Outcome r = m->run(cli.maxInstructions, cli.maxCycles);
  if (hooks) hooks->finish(*m, r);
  std::fflush(stdout);
  using Kind = Machine::Outcome::Kind;
  bool abnormal = r.kind == Kind::kHalted || r.kind == Kind::kTripleFault || r.kind == Kind::kUnsupported;
  if (!cli.quiet || abnormal) {
    std::fprintf(stderr, "xray86: %s; %s\n", r.message.c_str(), m->summary().c_str());
  }
  if (cli.guestExitValue && r.kind == Kind::kGuestExit && (r.status & 1)) return r.status >> 1;
  return r.status;
}

}  // namespace emu
