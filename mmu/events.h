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

class MmuObserver {
 public:
  virtual ~MmuObserver() = default;
  virtual void onTlbMiss(const TlbMiss&) {}
  virtual void onTlbFlush(const TlbFlush&) {}
  virtual void onPageFault(const PageFault&) {}
  virtual void onCr3Write(const Cr3Write&) {}
  virtual void onStaleTlbUse(const StaleTlbUse&) {}
};

}  // namespace mmu
