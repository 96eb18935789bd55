// xray86: the command-line front end.
//
//   xray86 run            boots the built-in teaching kernel (guest/) and runs its COW demo:
//                         cowtest, then free / forkstorm / free, typed into its shell.
//   xray86 run --kernel ELF | --disk IMG | --bios ROM   boots a user's image (docs/platform.md).
//   xray86 run --cpu-demo runs the sieve on the bare CPU over flat RAM and prints the registers.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include "emu/machine/builtin_guest.h"
#include "emu/cpu/cpu.h"
#include "emu/cli/machine_cli.h"
#include "emu/cpu/flat_bus.h"
#include "emu/cpu/opcodes.h"
#include "emu/trace/trace_cli.h"
#include "emu/view/view_cli.h"
#include "mmu/mmu.h"

extern const uint8_t kSieveImage[];
extern const size_t kSieveImage_size;

namespace {

constexpr uint32_t kLoadAddress = 0x100000;  // demo.ld links the guest here
constexpr uint32_t kStackTop = 0x400000;
constexpr uint32_t kRamBytes = 8u << 20;

int runDemo(uint32_t rounds, uint64_t maxInstructions, trace::TraceSession& session) {
  emu::FlatRamBus bus(kRamBytes);
  mmu::Mmu mmu(bus);
  emu::Cpu cpu(bus, mmu);
  if (!bus.load(kLoadAddress, kSieveImage, kSieveImage_size)) {
    fmt::print(stderr, "xray86: error: demo image does not fit in RAM\n");
    return 1;
  }
  // The state a Multiboot loader leaves: flat 32-bit protected mode, CPL 0, interrupts off.
  cpu.enterFlatProtectedMode();
  cpu.setEip(kLoadAddress);
  cpu.setReg(emu::kEsp, kStackTop);
  cpu.setReg(emu::kEbx, rounds);

  std::string error;
  if (!session.start(cpu, mmu, bus, error)) {
    fmt::print(stderr, "xray86: {}\n", error);
    return emu::exit_status::kBadUsage;
  }
  emu::RunResult r = cpu.run(maxInstructions);
  bool ok = r.reason == emu::StopReason::kHaltInterruptsOff && cpu.reg(emu::kEax) == 9592;
  session.stop(cpu, mmu, !ok, {});
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
  return ok ? 0 : 1;
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
// gives selects the lab variant in front of it; without --input the COW demo is typed in.
void useBuiltinGuest(emu::MachineConfig& config) {
  const emu::BuiltinGuest& guest = emu::builtinGuest();
  config.kernel = emu::kBuiltinKernelName;
  config.modules = {emu::kBuiltinArchiveName};
  config.files[emu::kBuiltinKernelName] = guest.kernel;
  config.files[emu::kBuiltinArchiveName] = guest.archive;
  if (config.cmdline.find("run=") == std::string::npos) {
    config.cmdline += config.cmdline.empty() ? "run=sh" : " run=sh";
    if (!config.input && config.inputFile.empty()) config.input = emu::builtinDemoScript();
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xray86: an i386 PC emulator for learning and teaching virtual memory"};
  app.require_subcommand(1);
  CLI::App* run = app.add_subcommand(
      "run", "Run a guest. With no image: the built-in teaching kernel and its copy-on-write "
             "fork demonstration (--cmdline picks a lab variant, e.g. --cmdline cow_flush=none).");
  bool cpuDemo = false;
  run->add_flag("--cpu-demo", cpuDemo,
                "Run the sieve demo on the bare CPU over flat RAM instead, and print the registers. Example: --cpu-demo");
  uint32_t rounds = 1;
  uint64_t limit = 2'000'000'000;
  run->add_option("-r,--rounds", rounds, "How many times the demo runs its sieve (default 1). Example: --cpu-demo --rounds 10")
      ->check(CLI::Range(1u, 1000u));
  run->add_option("-n,--max-instructions,--max-insns", limit,
                  "Stop after this many instructions (exit status 4). Example: --max-insns 100000000")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  emu::MachineCli pc;  // --kernel, --disk, --bios and the rest: the PC (docs/platform.md)
  emu::addMachineOptions(*run, pc);
  view::ViewCli viewOptions;  // --view, --view-png, --view-at, --cow-bit (docs/view.md)
  view::addViewOptions(*run, viewOptions);
  trace::TraceCli traceOptions;  // --trace and friends, --symbols, --stats (docs/trace.md)
  trace::addTraceOptions(*run, traceOptions);  // --cow-bit is the view's: one option for both
  CLI::App* list = app.add_subcommand(
      "instructions", "List the implemented instructions and their opcodes (Markdown)");
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
    return 2;
  }
  try {
    traceOptions.cowBit = viewOptions.cowBit;
    if (run->parsed() && cpuDemo) {
      if (viewOptions.enabled()) {
        std::fprintf(stderr, "xray86: --view and --view-png draw a PC run; --cpu-demo has none\n");
        return 2;
      }
      trace::TraceSession session(traceOptions, {});
      return runDemo(rounds, limit, session);
    }
    if (run->parsed()) {
      if (run->count("--max-instructions")) pc.maxInstructions = limit;
      if (!pc.hasImage()) {
        useBuiltinGuest(pc.config);
        pc.guestExitValue = true;
      }
      if (viewOptions.enabled()) return view::runView(pc, viewOptions, traceOptions);
      trace::TraceSession session(traceOptions, pc.config);
      return emu::runMachineCli(pc, &session);
    }
    if (list->parsed()) return listInstructions();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xray86: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
