// The trace options of `xray86 run` and the session that wires them to a run: symbols, filter,
// sink, tracer; then the run summary (--stats, and always when the run fails) with the last 32
// events of a failing run.
//
// trace_cli.cpp defines: TraceCli, addTraceOptions, loadGuestNames, loadPrograms, TraceSession, formatSummary.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "emu/cli/machine_cli.h"
#include "emu/trace/filter.h"
#include "emu/trace/format.h"
#include "emu/trace/symbols.h"
#include "emu/trace/tracer.h"

namespace trace {

// The built-in guest's copy-on-write bit (guest/kernel/mmu.h: PTE_COW 0x200).
constexpr unsigned kDefaultCowBit = 9;

struct TraceCli {
  std::string kinds;                 // --trace LIST
  std::string out;                   // --trace-out F ("" or "-": standard output)
  std::string format = "text";       // --trace-format
  std::string filter;                // --trace-filter EXPR
  std::vector<std::string> symbols;  // --symbols ELF ...
  unsigned cowBit = kDefaultCowBit;  // --cow-bit N
  bool stats = false;                // --stats
};

// Adds --trace, --trace-out, --trace-format, --trace-filter, --symbols, --stats, and --cow-bit unless
// `run` has it already (the view's).
void addTraceOptions(CLI::App& run, TraceCli& cli);

// What names the guest in a trace (and in the view): the symbols of the --kernel ELF (a file, or
// the built-in guest's bytes in config.files; a kernel without symbols is still a kernel) and of
// `symbolFiles` (--symbols), and the user programs among those files and in the modules. False
// with a one-line `error` when a --symbols file cannot be read.
bool loadGuestNames(const emu::MachineConfig& config, const std::vector<std::string>& symbolFiles,
                    SymbolTable& symbols, Programs& programs, std::string& error);
// The program half of that alone, for a caller that loads the symbols itself (the API): the user
// programs among `symbolFiles` and in the modules.
void loadPrograms(const emu::MachineConfig& config, const std::vector<std::string>& symbolFiles, Programs& programs);

// What the summary reports beyond the CPU and MMU counters (the PC's unassigned accesses).
struct MachineExtras {
  uint64_t unassignedPorts = 0, unassignedMemory = 0;
  int firstPort = -1;
  uint32_t firstMemory = 0;
};

class TraceSession final : public emu::RunHooks {
 public:
  // `config`: the machine being booted; its --kernel ELF's symbols (a file, or the built-in
  // guest's bytes in config.files) are loaded automatically.
  TraceSession(const TraceCli& cli, const emu::MachineConfig& config);
  ~TraceSession() override;

  // emu::RunHooks, for the PC machine.
  bool attach(emu::Machine& m, std::string& error) override;
  void finish(emu::Machine& m, const emu::Machine::Outcome& outcome) override;

  // The same for any CPU (the flat-RAM demo): start before running, stop after.
  bool start(emu::Cpu& cpu, mmu::Mmu& mmu, mmu::PhysMemory& mem, std::string& error);
  void stop(emu::Cpu& cpu, mmu::Mmu& mmu, bool failed, const MachineExtras& extras);

  // What the session runs and names the guest with, for an observer that follows the same run
  // (the view): the tracer (null before attach/start; its tap() sees every record), the names
  // it loaded, and the address-space names the tracer learns.
  Tracer* tracer() { return tracer_.get(); }
  const SymbolTable& symbols() const { return symbols_; }
  const Programs& programs() const { return programs_; }
  const GuestInfo& guestInfo() const { return info_; }

 private:
  TraceCli cli_;
  emu::MachineConfig config_;
  SymbolTable symbols_;
  Programs programs_;
  GuestInfo info_;
  std::unique_ptr<Filter> filter_;
  std::unique_ptr<Describer> describer_;
  std::shared_ptr<FileOut> out_;
  std::unique_ptr<Sink> sink_;
  std::unique_ptr<Tracer> tracer_;
  std::chrono::steady_clock::time_point hostStart_;
};

// The run summary, one fact a line. `hostSeconds` < 0 leaves out the host speed. `info` (may be
// null) names address spaces by the programs they ran.
std::string formatSummary(const emu::Cpu& cpu, const mmu::Mmu& mmu, const RunCounters* counters,
                          const MachineExtras& extras, double hostSeconds, const GuestInfo* info = nullptr);

}  // namespace trace
