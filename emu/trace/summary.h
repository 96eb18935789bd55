// The run summary: what a run did, one fact a line, from the CPU's totals, the MMU's counters and
// the tracer's (--stats; always at the end of a failing run).
//
// summary.cpp defines: formatSummary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "emu/trace/guest_info.h"
#include "emu/trace/tracer.h"
#include "mmu/mmu.h"

namespace trace {

// What the summary reports beyond the CPU and MMU counters (the PC's unassigned accesses).
struct MachineExtras {
  uint64_t unassignedPorts = 0, unassignedMemory = 0;
  int firstPort = -1;
  uint32_t firstMemory = 0;
  // With several processors (docs/smp.md): each one's MMU, instructions and turns. The summary
  // then counts the TLB, flushes and faults of all of them, and adds a line for each.
  std::vector<const mmu::Mmu*> processors;
  std::vector<uint64_t> processorInstructions, processorTurns;
};

// The run summary, one fact a line. `hostSeconds` < 0 leaves out the host speed. `counters` (may
// be null) are the tracer's; `info` (may be null) names address spaces by the programs they ran;
// `processes` (may be null) are the tracer's address spaces, listed by their faults.
std::string formatSummary(uint64_t instructions, uint64_t cycles, const mmu::Mmu& mmu,
                          const RunCounters* counters, const MachineExtras& extras,
                          double hostSeconds, const GuestInfo* info = nullptr,
                          const std::vector<Process>* processes = nullptr);

// One line of the summary's processes: "asid 5 pid 4 cowtest, child of asid 3: 12 faults (copied
// 10, mapped 2)".
std::string processText(const Process& p);

}  // namespace trace
