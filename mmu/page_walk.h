// The two-level i386 page walk as a pure function, and a cursor over the present mappings of an
// address space. Neither writes memory: the walk says which accessed/dirty bits it wants set, and
// Mmu::translate() commits them (with the TLB fill) only when the walk succeeded.
//
// Linear address (4 KB page)             Linear address (4 MB page, CR4.PSE=1 and PDE.PS=1)
//   31        22 21        12 11      0     31        22 21                      0
//  +------------+------------+---------+   +------------+-------------------------+
//  | dir index  | table index| offset  |   | dir index  |  offset                 |
//  +------------+------------+---------+   +------------+-------------------------+
//
// Paging-entry bits (Intel SDM vol. 3A 4.3, tables 4-4 to 4-6; 80386 PRM 5.2.4):
//   bit  0 P    present
//   bit  1 R/W  1: writes allowed (for CPL 3 always; for CPL 0-2 only when CR0.WP=1)
//   bit  2 U/S  1: CPL 3 may access
//   bit  3 PWT  page write-through  } caching only: not modelled, but named by flagsText()
//   bit  4 PCD  page cache disable  }
//   bit  5 A    accessed: set by the processor in every entry a successful walk used
//   bit  6 D    dirty: set by the processor in the leaf entry on a write
//   bit  7 PS   in a PDE with CR4.PSE=1: the PDE maps a 4 MB page itself
//   bit  8 G    in the leaf with CR4.PGE=1: the entry survives MOV to CR3
//   bits 11:9   AVL, free for the kernel (the built-in guest keeps PTE_COW in bit 9)
//   bits 21:13  of a 4 MB PDE: reserved, must be 0 (no PSE-36); set -> #PF with RSVD
//
// Defined in page_walk.cpp: walk(), readPagingWord(), flagsText(), MappingCursor.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mmu/events.h"
#include "mmu/phys_memory.h"

namespace mmu {

struct PagingBits {
  static constexpr uint32_t kPresent = 1u << 0;
  static constexpr uint32_t kWritable = 1u << 1;
  static constexpr uint32_t kUser = 1u << 2;
  static constexpr uint32_t kWriteThrough = 1u << 3;
  static constexpr uint32_t kCacheDisable = 1u << 4;
  static constexpr uint32_t kAccessed = 1u << 5;
  static constexpr uint32_t kDirty = 1u << 6;
  static constexpr uint32_t kPageSize = 1u << 7;
  static constexpr uint32_t kGlobal = 1u << 8;
  static constexpr uint32_t kFrame = 0xFFFFF000u;          // 4 KB frame / page-table address
  static constexpr uint32_t kLargeFrame = 0xFFC00000u;     // 4 MB frame
  static constexpr uint32_t kLargeReserved = 0x003FE000u;  // bits 21:13 of a 4 MB PDE
};

// The names of the set bits of a paging word, lowest bit first, separated by spaces: P W U PWT
// PCD A D PS G, then COW when bit `cowBit` is set (the kernel's copy-on-write mark; 32 or more:
// none); "-" when no named bit is set. Each bit is named alike in a PDE and a PTE (bit 7 is PS
// in either), so a word reads the same wherever it is shown: the trace's records and the view.
std::string flagsText(uint32_t word, unsigned cowBit);

constexpr uint32_t kLargePageSize = 4u << 20;
constexpr uint32_t kLargePageMask = kLargePageSize - 1;

// The control-register bits a walk depends on (besides CR3).
struct PagingControl {
  bool wp = false;   // CR0.WP
  bool pse = false;  // CR4.PSE
};

// A successful walk: what the TLB caches, plus the accessed/dirty writes the walk wants.
struct Translation {
  uint32_t pageBase = 0;  // linear base of the page (4 KB or 4 MB aligned)
  uint32_t frame = 0;     // physical base of the page (same alignment)
  bool large = false;     // a 4 MB page
  bool user = false;      // U/S=1 in every entry used (PDE and PTE)
  bool writable = false;  // R/W=1 in every entry used
  bool global = false;    // G in the leaf (honoured only with CR4.PGE=1)
  bool dirty = false;     // D in the leaf once the wanted writes are done
  WalkTrace walk;         // the words as read (before the accessed/dirty writes)
  uint32_t pdeNew = 0;    // PDE value to write back (== walk.pde when nothing to set)
  uint32_t pteNew = 0;    // PTE value to write back (== walk.pte when nothing to set)

  uint32_t physical(uint32_t linear) const {
    return frame | (linear & (large ? kLargePageMask : kPageMask));
  }
};

struct WalkResult {
  std::optional<Translation> translation;  // set on success
  uint32_t errorCode = 0;                  // ErrorCode bits, on failure
  WalkTrace walk;                          // what was read either way
};

// Is `access` by `user` allowed on a page with the combined permissions? (SDM vol. 3A 4.6)
// Reads and fetches need U/S=1 for CPL 3. Writes need R/W=1 for CPL 3, and for CPL 0-2 only when
// CR0.WP=1; a supervisor write to a read-only page is allowed when WP=0.
inline bool accessAllowed(bool pageUser, bool pageWritable, Access access, bool user, bool wp) {
  if (user && !pageUser) return false;
  if (access == Access::kWrite && !pageWritable && (user || wp)) return false;
  return true;
}

// The #PF error-code bits W/R and U/S for an access (SDM vol. 3A 4.7).
uint32_t accessErrorBits(Access access, bool user);

// Read one 32-bit paging word. With peek=true the read never reaches a device: a word outside
// plain RAM reads as 0 (not present), so probes stay free of side effects.
uint32_t readPagingWord(PhysMemory& mem, uint32_t pa, bool peek);

// Walk the tables under `cr3` for one access. Reads memory only.
WalkResult walk(PhysMemory& mem, uint32_t cr3, uint32_t linear, Access access, bool user,
                PagingControl ctl, bool peek = false);

// One present mapping: a 4 KB page or a 4 MB page.
struct Mapping {
  uint32_t linear = 0;
  uint32_t physical = 0;
  uint32_t size = 0;  // kPageSize or kLargePageSize
  bool user = false, writable = false, global = false, accessed = false, dirty = false;
  uint32_t pdeAddr = 0, pde = 0, pteAddr = 0, pte = 0;  // pteAddr/pte 0 for a 4 MB page
};

// Visits the present mappings of an address space in linear order, reading the tables with
// peek=true (no side effects). The tables are read lazily, so edits made while iterating show up.
class MappingCursor {
 public:
  MappingCursor(PhysMemory& mem, uint32_t cr3, PagingControl ctl);
  std::optional<Mapping> next();
  // Goes on after the page table the last 4 KB mapping came from: the next call starts at the
  // following directory entry (after a 4 MB mapping it does so already).
  void skipTable();

 private:
  PhysMemory& mem_;
  uint32_t cr3_;
  PagingControl ctl_;
  uint32_t dir_ = 0;    // next directory index (0..1024)
  uint32_t table_ = 0;  // next table index within dir_ (0..1024)
};

}  // namespace mmu
