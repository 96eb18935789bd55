// The kinds of event a run reports, how a page fault ends, and the default COW bit: one list for
// the trace
// (emu/trace/record.h uses these very types), the run and the C++ API (xray86.h). Needs only
// <cstdint>.
#pragma once

#include <cstdint>

namespace xray86 {

// X(enumerator, the trace's word for it, the filter language's word for this kind alone).
// The trace's word names the record in a text or JSON trace; `--trace pf` selects a page fault
// and its resolution, `--trace sys` a system call and its return (docs/trace.md).
#define XRAY86_EVENT_KINDS(X)                                                                   \
  X(PageFault, "pf", "fault")      /* #PF raised by the MMU (before delivery): address = CR2 */ \
  X(TlbFlush, "tlb", "tlb")        /* a flush: flushKind, address = the INVLPG page, dropped */ \
  X(TlbMiss, "miss", "miss")       /* a TLB miss and its walk: address = linear */              \
  X(Cr3Write, "cr3", "cr3")        /* MOV to CR3: address = new CR3, oldCr3 */                  \
  X(StaleTlbUse, "stale", "stale") /* a TLB entry used after its PTE changed, before a flush */ \
  X(MissingFlush, "missing-flush", "missing-flush") /* the flush checker: a changed PTE whose   \
                          translation was used, or returned to CPL 3 with, before any flush */  \
  X(Exception, "exc", "exc")       /* an exception other than #PF, before delivery */           \
  X(Interrupt, "int", "int")       /* an external interrupt taken */                            \
  X(Syscall, "sys", "syscall")     /* INT n from CPL 3: vector, eax (the call number) */        \
  X(Halt, "halt", "halt")          /* HLT */                                                    \
  X(Resolve, "resolve", "resolve") /* how a page fault ended, once its instruction ran again */ \
  X(SysReturn, "sysret", "sysret") /* the return to user mode after a system call */            \
  X(Io, "io", "io")                /* a port or MMIO access (the trace only) */                 \
  X(Insn, "insn", "insn")          /* an instruction retired (the trace only) */

enum class EventKind : uint8_t {
#define XRAY86_ENUMERATOR(name, traceWord, filterWord) k##name,
  XRAY86_EVENT_KINDS(XRAY86_ENUMERATOR)
#undef XRAY86_ENUMERATOR
};

#define XRAY86_COUNT(name, traceWord, filterWord) +1
constexpr unsigned kEventKinds = 0 XRAY86_EVENT_KINDS(XRAY86_COUNT);
#undef XRAY86_COUNT

// The trace's word for a kind: "pf", "tlb", "miss", "cr3", "stale", "missing-flush", "exc", "int",
// "sys", "halt", "resolve", "sysret", "io", "insn".
constexpr const char* traceKindName(EventKind kind) {
  constexpr const char* kNames[] = {
#define XRAY86_NAME(name, traceWord, filterWord) traceWord,
      XRAY86_EVENT_KINDS(XRAY86_NAME)
#undef XRAY86_NAME
  };
  return kNames[static_cast<unsigned>(kind)];
}

// The filter language's word for one kind alone: "fault", "tlb", "miss", "cr3", "stale",
// "missing-flush", "exc", "int", "syscall", "halt", "resolve", "sysret", "io", "insn".
constexpr const char* eventKindName(EventKind kind) {
  constexpr const char* kNames[] = {
#define XRAY86_NAME(name, traceWord, filterWord) filterWord,
      XRAY86_EVENT_KINDS(XRAY86_NAME)
#undef XRAY86_NAME
  };
  return kNames[static_cast<unsigned>(kind)];
}

// How a page fault ended (the trace's `resolve` words).
enum class Resolution : uint8_t {
  kCopied,        // the page now maps another frame (a copy-on-write copy)
  kMadeWritable,  // same frame, write permission added
  kMapped,        // the page was not present and now is
  kUnchanged,     // the access now succeeds with the same mapping
  kKilled,        // the instruction never completed: its address space went on without it
  kUnresolved,    // the run ended first
};
constexpr unsigned kResolutions = 6;

// The PTE bit a guest marks copy-on-write pages with unless told otherwise (--cow-bit,
// Options::cowBit): the built-in guest's PTE_COW 0x200 (guest/kernel/mmu.h), bit 9, one of the
// three bits the 80386 leaves to software (Intel SDM vol. 3A 4.3). The one default.
constexpr unsigned kDefaultCowBit = 9;

}  // namespace xray86
