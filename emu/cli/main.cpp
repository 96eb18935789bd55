// xray86: the command-line front end.
//
//   xray86 run            boots the built-in teaching kernel (guest/) and runs its COW demo:
//                         cowtest, then free / forkstorm / free, typed into its shell; from a
//                         terminal, its shell to type into (--demo: the demo there too).
//   xray86 run --kernel ELF | --disk IMG | --bios ROM   boots a user's image (docs/platform.md).
//   xray86 run --cpu-demo runs the sieve on the bare CPU over flat RAM and prints the registers.
#include <fmt/core.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emu/cli/run_command.h"
#include "emu/cli/trace_output.h"
#include "emu/cli/usage_hints.h"
#include "emu/cpu/cpu.h"
#include "emu/cpu/flat_bus.h"
#include "emu/cpu/opcodes.h"
#include "emu/machine/builtin_guest.h"
#include "emu/trace/summary.h"
#include "emu/trace/tracer.h"
#include "mmu/mmu.h"

extern const uint8_t kSieveImage[];
extern const size_t kSieveImage_size;

namespace {

constexpr uint32_t kLoadAddress = 0x100000;  // demo.ld links the guest here
constexpr uint32_t kStackTop = 0x400000;
constexpr uint32_t kRamBytes = 8u << 20;

int runDemo(uint32_t rounds, uint64_t maxInstructions, const cli::TraceCli& traceOptions) {
  emu::FlatRamBus bus(kRamBytes);
  mmu::Mmu mmu(bus);
  emu::Cpu cpu(bus, mmu);
  if (!bus.load(kLoadAddress, kSieveImage, kSieveImage_size)) {
    fmt::print(stderr, "xray86: error: demo image does not fit in RAM\n");
    return emu::exit_status::kCheckFailed;
  }
  // The state a Multiboot loader leaves: flat 32-bit protected mode, CPL 0, interrupts off.
  cpu.enterFlatProtectedMode();
  cpu.setEip(kLoadAddress);
  cpu.setReg(emu::kEsp, kStackTop);
  cpu.setReg(emu::kEbx, rounds);

  // The bare CPU has no Run (no PC, no guest to name): a tracer of its own, the same output.
  std::string error;
  trace::SymbolTable noSymbols;
  cli::TraceOutput out;
  trace::Tracer tracer(cpu.events(), mmu, bus);
  if (!out.open(traceOptions, noSymbols, nullptr, nullptr, run::kDefaultCowBit, error)) {
    fmt::print(stderr, "xray86: {}\n", error);
    return emu::exit_status::kBadUsage;
  }
  out.attach(tracer);
  if (!tracer.attach()) {
    fmt::print(stderr, "xray86: the CPU's event bus has no room for another observer\n");
    return emu::exit_status::kBadUsage;
  }
  cpu.events().setInstructionEvents(tracer.wanted(trace::Kind::kInsn));
  auto hostStart = std::chrono::steady_clock::now();
  emu::RunResult r = cpu.run(maxInstructions);
  double host = std::chrono::duration<double>(std::chrono::steady_clock::now() - hostStart).count();
  bool ok = r.reason == emu::StopReason::kHaltInterruptsOff && cpu.reg(emu::kEax) == 9592;
  tracer.finish();
  tracer.detach();
  out.report(
      tracer, !ok,
      trace::formatSummary(cpu.instructions(), cpu.cycles(), mmu, &tracer.counters(), {}, host));
  fmt::print("xray86 run: built-in demo guest (sieve of Eratosthenes below 100000, {} round{})\n",
             rounds, rounds == 1 ? "" : "s");
  fmt::print("stopped:      {}\n", emu::stopReasonName(r.reason));
  if (r.reason == emu::StopReason::kHaltInterruptsOff) {
    fmt::print("result:       {} primes (EAX)\n", cpu.reg(emu::kEax));
  }
  if (!cpu.stopMessage().empty()) fmt::print("{}\n", cpu.stopMessage());
  fmt::print("instructions: {}\n", cpu.instructions());
  fmt::print("cycles:       {} (80386 clock counts, mmu/cost_model.h)\n", cpu.cycles());
  fmt::print("registers:\n{}", cpu.registerDump());
  return ok ? emu::exit_status::kOk : emu::exit_status::kCheckFailed;
}

// Prints the implemented instructions, generated from the opcode table (emu/cpu/opcodes.h), as the
// Markdown table README.md carries: one row per mnemonic with its opcodes.
int listInstructions() {
  std::vector<std::string> names;
  std::map<std::string, std::string> opcodes;
  for (const emu::OpcodeRow& row : emu::opcodeRows()) {
    std::string op = row.opcode >= 0x100 ? fmt::format("0F {:02X}", row.opcode & 0xFF)
                                         : fmt::format("{:02X}", row.opcode);
    if (row.reg >= 0) op += fmt::format(" /{}", row.reg);
    auto it = opcodes.find(row.name);
    if (it == opcodes.end()) {
      names.push_back(row.name);
      opcodes[row.name] = op;
    } else {
      it->second += ", " + op;
    }
  }
  fmt::print("| instruction | opcodes |\n|---|---|\n");
  for (const std::string& n : names) fmt::print("| `{}` | {} |\n", n, opcodes[n]);
  return 0;
}

// With no image, `run` boots the embedded teaching kernel with its archive. The shell is the
// only program (run= must end the command line: it takes the rest), so a --cmdline the user
// gives selects the lab variant in front of it; without --input (or --interactive, which is
// the default from a terminal when no --cmdline is given) the COW demo is typed in.
void useBuiltinGuest(emu::MachineConfig& config, bool interactive) {
  const emu::BuiltinGuest& guest = emu::builtinGuest();
  config.kernel = emu::kBuiltinKernelName;
  config.modules = {emu::kBuiltinArchiveName};
  config.files[emu::kBuiltinKernelName] = guest.kernel;
  config.files[emu::kBuiltinArchiveName] = guest.archive;
  if (config.cmdline.find("run=") == std::string::npos) {
    config.cmdline += config.cmdline.empty() ? "run=sh" : " run=sh";
    if (!config.input && config.inputFile.empty() && !interactive) {
      config.input = emu::builtinDemoScript();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xray86: an i386 PC emulator for learning and teaching virtual memory"};
  app.require_subcommand(1);
  CLI::App* run = app.add_subcommand(
      "run",
      "Run a guest. With no image: the built-in teaching kernel and its copy-on-write "
      "fork demonstration (--cmdline picks a lab variant, e.g. --cmdline cow_flush=none).");
  bool cpuDemo = false;
  run->add_flag("--cpu-demo", cpuDemo,
                "Run the sieve demo on the bare CPU over flat RAM instead, and print the "
                "registers. Example: --cpu-demo");
  uint32_t rounds = 1;
  uint64_t limit = 2'000'000'000;
  run->add_option(
         "-r,--rounds", rounds,
         "How many times the demo runs its sieve (default 1). Example: --cpu-demo --rounds 10")
      ->check(CLI::Range(1u, 1000u));
  run->add_option(
         "-n,--max-instructions,--max-insns", limit,
         "Stop after this many instructions (exit status 4). Example: --max-insns 100000000")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  cli::RunOptions options;
  emu::addMachineOptions(*run, options.pc);   // --kernel, --disk, --bios, ... (docs/platform.md)
  view::addViewOptions(*run, options.view);   // --view, --view-png, --view-at (docs/view.md)
  cli::addTraceOptions(*run, options.trace);  // --trace and friends, --symbols, --stats
  cli::addRunOptions(*run, options);          // --until, --exit-when-idle, --stuck-after
  run->add_option(
         "--cow-bit", options.cowBit,
         "The PTE bit the guest marks copy-on-write pages with (default 9: PTE_COW 0x200); "
         "names COW in the trace and colours it in the view. Example: --cow-bit 11")
      ->check(CLI::Range(0u, 11u));
  CLI::App* list = app.add_subcommand(
      "instructions", "List the implemented instructions and their opcodes (Markdown)");
  bool interactive = false;
  run->add_flag("--interactive", interactive,
                "The built-in kernel's shell, typed into from the terminal (no demo script); "
                "the default from a terminal when neither --input nor --cmdline is given. "
                "Example: --interactive --cmdline cow_flush=none");
  bool demo = false;
  run->add_flag("--demo", demo,
                "Type the copy-on-write demo into the built-in kernel's shell, also from a "
                "terminal (the default when standard input is not one). Example: --demo");
  // QEMU's options and misspelt ones: an answer that names the right option.
  if (argc > 1 && std::string(argv[1]) == "run") {
    if (std::optional<std::string> hint = cli::usageHint(*run, {argv + 2, argv + argc})) {
      std::fprintf(stderr, "xray86: error: %s\n", hint->c_str());
      return emu::exit_status::kBadUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (what.empty()) what = "bad usage";
    std::fprintf(stderr, "xray86: error: %s (see xray86 --help)\n", what.c_str());
    return emu::exit_status::kBadUsage;
  }
  try {
    if (run->parsed() && cpuDemo) {
      if (options.view.enabled()) {
        std::fprintf(stderr, "xray86: --view and --view-png draw a PC run; --cpu-demo has none\n");
        return emu::exit_status::kBadUsage;
      }
      if (options.pc.hasImage()) {
        std::fprintf(stderr,
                     "xray86: error: --cpu-demo runs its own sieve on flat RAM; it boots no "
                     "--kernel, --disk or --bios\n");
        return emu::exit_status::kBadUsage;
      }
      return runDemo(rounds, limit, options.trace);
    }
    if (run->parsed()) {
      emu::MachineCli& pc = options.pc;
      if (run->count("--max-instructions")) pc.maxInstructions = limit;
      if (!pc.hasImage()) {
        std::string error;
        if (!emu::checkBuiltinCmdline(pc.config.cmdline, error)) {
          std::fprintf(stderr, "xray86: error: %s\n", error.c_str());
          return emu::exit_status::kBadUsage;
        }
        bool scripted = pc.config.input || !pc.config.inputFile.empty();
        if (interactive && scripted) {
          std::fprintf(stderr,
                       "xray86: error: --interactive types from the terminal; "
                       "--input and --input-file type a script\n");
          return emu::exit_status::kBadUsage;
        }
        if (demo &&
            (scripted || interactive || pc.config.cmdline.find("run=") != std::string::npos)) {
          std::fprintf(stderr,
                       "xray86: error: --demo types the demo into the shell; it goes with no "
                       "--input, --input-file, --interactive or run=\n");
          return emu::exit_status::kBadUsage;
        }
        if (options.explore != 0 && interactive) {
          std::fprintf(stderr,
                       "xray86: error: --explore types the same input into every run; "
                       "--interactive types from the terminal\n");
          return emu::exit_status::kBadUsage;
        }
        // A person at a terminal who asked for nothing gets the shell to type into (with
        // --explore, the demo: its replay lines then ask for it).
        if (!demo && !scripted && run->count("--cmdline") == 0) {
          if (options.explore != 0) {
            options.replayExtra.push_back("--demo");
          } else if (isatty(STDIN_FILENO)) {
            interactive = true;
          }
        }
        useBuiltinGuest(pc.config, interactive);
      } else if (interactive) {
        std::fprintf(stderr,
                     "xray86: error: --interactive is for the built-in kernel; a "
                     "--kernel or --disk guest reads the terminal without it\n");
        return emu::exit_status::kBadUsage;
      } else if (demo) {
        std::fprintf(stderr,
                     "xray86: error: --demo is the built-in kernel's demo; give no "
                     "--kernel, --disk or --bios\n");
        return emu::exit_status::kBadUsage;
      }
      options.program = argv[0];
      options.args.assign(argv + 2, argv + argc);
      return cli::runCommand(options);
    }
    if (list->parsed()) return listInstructions();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xray86: error: %s\n", e.what());
    return emu::exit_status::kCheckFailed;
  }
  return 0;
}
