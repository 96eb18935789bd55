// One trace event as the tracer keeps it: where the machine was, the instruction, and the
// event's own fields. Sinks format records; the filter tests them; the run summary keeps the
// last few.
#pragma once

#include <cstdint>

#include "emu/events/events.h"
#include "mmu/events.h"
#include "xray86/event_kinds.h"

namespace trace {

// Event kinds and resolutions: the one list the C++ API uses too (include/xray86/event_kinds.h).
// --trace names the kinds (kindName); kResolve belongs to `pf`, kSysReturn to `sys`.
using Kind = xray86::EventKind;
using Resolution = xray86::Resolution;
constexpr unsigned kKindCount = xray86::kEventKinds;
// The trace's word: "pf", "resolve", "tlb", "miss", "cr3", "exc", "int", "sys", "io", "insn",
// "stale", "sysret", "halt".
constexpr const char* kindName(Kind k) {
  return xray86::traceKindName(k);
}
const char* resolutionName(Resolution r);

struct Record {
  Kind kind = Kind::kPageFault;
  emu::EventContext ctx;  // cycle, instructions retired, EIP, CPL, CR3
  bool code32 = true;     // the instruction is 32-bit code (Capstone mode)
  uint8_t length = 0;     // instruction bytes known (0: unreadable)
  uint8_t bytes[15] = {};
  // The process: the address space's id for its lifetime (0: none yet), the kernel's pid where
  // its process table could be read (-1: unknown), the address space it was forked from (0:
  // none known). Tracer::processes() says more.
  uint32_t asid = 0;
  int32_t pid = -1;
  uint32_t parent = 0;

  // pf, resolve: CR2. miss, stale: the linear address. tlb: the page INVLPG named.
  // io: the port or physical MMIO address. cr3: the new CR3.
  uint32_t address = 0;
  mmu::Access access = mmu::Access::kRead;
  uint32_t errorCode = 0;  // pf, resolve (the fault's), exc (when hasError)
  mmu::WalkTrace walk;     // pf, miss: the words the walk read
  uint32_t repeat = 0;     // pf: faults in a row at this EIP and CR2 (1: the first)
  bool faulted = false;    // miss: the walk ended in a fault

  // resolve
  Resolution resolution = Resolution::kUnresolved;
  uint32_t pteBefore = 0, pteAfter = 0;  // the leaf word (PTE, or PDE of a 4 MB page)
  uint32_t frameBefore = 0, frameAfter = 0;
  uint64_t faultCycle = 0;  // the fault this resolves
  uint32_t faultEip = 0;

  // tlb
  mmu::FlushKind flushKind = mmu::FlushKind::kCr3Write;
  uint32_t dropped = 0;
  unsigned tlbValid = 0;  // valid entries after the flush (for the occupancy counter)

  // cr3
  uint32_t oldCr3 = 0;

  // exc, int, sys, sysret (eax: the call number; value: its result), halt
  uint8_t vector = 0;
  bool hasError = false;
  bool external = false;
  uint32_t eax = 0;
  bool interruptsOn = false;  // halt: IF was set (an interrupt can wake it)

  // io, sysret
  uint32_t value = 0;
  uint8_t size = 0;
  bool write = false;
  bool mmio = false;
  bool assigned = true;

  // stale; missing-flush: wordAddr, cachedPte (the word the translation was made from) and
  // memoryPte (as the store left it)
  uint32_t wordAddr = 0, cachedPte = 0, memoryPte = 0, cachedFrame = 0;

  // missing-flush: address is the page (4 KB, or 4 MB when large); the store that changed the
  // word (cycle, EIP: the filter's `writer`); found at a return to CPL 3 (useAddress: where it
  // went) or at a use (useAddress: the address accessed, `access`); translations: how many
  // stale translations hang below the word
  uint64_t writeCycle = 0;
  uint32_t writeEip = 0;
  bool atReturn = false;
  bool large = false;
  uint32_t useAddress = 0;
  uint32_t translations = 0;
  uint8_t writerCpu = 0;  // the processor that stored the word (docs/smp.md); when it is not
                          // the event's own (ctx.cpu), the flush missing is a shootdown
};

}  // namespace trace
