// Events the MMU publishes, and the observer interface that receives them. emu::Observer extends
// this with the CPU's events; emu::EventBus stamps each with the CPU context (cycle, EIP, ...).
#pragma once

#include <cstdint>

namespace mmu {

enum class Access : uint8_t { kRead = 0, kWrite = 1, kFetch = 2 };

enum class FlushKind : uint8_t {
  kCr3Write,  // MOV to CR3: every non-global entry
  kInvlpg,    // INVLPG: the entries of one page, 4 MB entries included
  kCr0,       // CR0.PG or CR0.WP changed: everything
  kCr4,       // CR4.PSE or CR4.PGE changed: everything
};

// One step of a page walk, as read from memory (for the TlbMiss event and probes).
struct WalkTrace {
  uint32_t pdeAddr = 0, pde = 0;
  uint32_t pteAddr = 0, pte = 0;  // 0 when the walk stopped at the PDE (not present, or 4 MB)
  bool large = false;             // the PDE mapped a 4 MB page
};

struct TlbMiss {
  uint32_t linear;
  Access access;
  bool user;
  WalkTrace walk;
  bool faulted;  // the walk ended in a page fault
};

struct TlbFlush {
  FlushKind kind;
  uint32_t address;  // the page for kInvlpg, else 0
  uint32_t dropped;  // valid entries dropped
};

struct PageFault {
  uint32_t cr2;        // the faulting linear address
  uint32_t errorCode;  // ErrorCode bits
  uint32_t cr3;
  Access access;
  WalkTrace walk;
};

struct Cr3Write {
  uint32_t oldCr3, newCr3;
};

// A TLB entry was used after the page-table word behind it changed in memory and before any
// flush dropped it: the guest relies on a stale translation. When the word that changed is the
// PDE (wordAddr is in the page directory), cachedPte and memoryPte hold PDE values.
struct StaleTlbUse {
  uint32_t linear;  // the page that was accessed
  Access access;
  uint32_t wordAddr;     // physical address of the PDE or PTE that changed
  uint32_t cachedPte;    // what the TLB entry was filled from
  uint32_t memoryPte;    // what memory holds now
  uint32_t cachedFrame;  // the physical frame the TLB still uses
};

// A missing TLB flush, found by the flush checker (mmu/flush_check.h): a store changed a paging
// word behind a translation used since the last flush that covers it, and that translation was
// used again, or the CPU returned to CPL 3 in its address space, before any such flush. The
// event's context is the use or the return; the store is described here.
struct MissingFlush {
  uint32_t space = 0;  // page-directory base of the translation (1: a global entry)
  uint32_t page = 0;   // linear base of the translation (4 KB, or 4 MB when large)
  bool large = false;
  uint32_t wordAddr = 0;  // physical address of the PDE or PTE the store changed
  uint32_t before = 0;    // the word the translation was made from
  uint32_t after = 0;     // the word as the store left it
  uint64_t writeCycle = 0;
  uint32_t writeEip = 0;  // the instruction that stored it
  bool atReturn = false;  // found at a return to CPL 3 (else at a use)
  uint32_t linear = 0;    // the use: the address accessed; at a return: the EIP returned to
  Access access = Access::kRead;
  uint32_t translations = 0;  // stale translations below the word when found
  // Processors (docs/smp.md): the one whose translation went stale, and the one that stored the
  // word. When they differ, the flush missing is a shootdown: the holder had to flush (at the
  // writer's request, an IPI) before using the translation again.
  uint8_t holder = 0;
  uint8_t writer = 0;
};

class MmuObserver {
 public:
  virtual ~MmuObserver() = default;
  virtual void onTlbMiss(const TlbMiss&) {}
  virtual void onTlbFlush(const TlbFlush&) {}
  virtual void onPageFault(const PageFault&) {}
  virtual void onCr3Write(const Cr3Write&) {}
  virtual void onStaleTlbUse(const StaleTlbUse&) {}
  virtual void onMissingFlush(const MissingFlush&) {}
};

}  // namespace mmu
