// What the view shows, computed without SDL: how a paging entry is classified, which frames the
// address spaces seen map (and how many times), the moments a run stops at, and the observer
// that notes the CR3s seen and the last page fault and asks the CPU to stop. Symbols are the
// trace's (trace::SymbolTable); the events panel's records too (events.h).
//
// Everything here reads the machine through side-effect-free probes (the MMU's mapping cursor,
// mmu::readPagingWord with peek=true, Mmu::probe, Mmu::tlb()), so drawing can never change the
// run.
//
// model.cpp defines: classifyPte, classifyPde, FrameCensus (with mappersOf), Recorder.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emu/events/events.h"
#include "emu/trace/symbols.h"
#include "mmu/mmu.h"

namespace view {

// What a grid cell shows. The order is the legend's.
enum class CellState : uint8_t {
  kNotPresent,
  kKernelRead,   // present, supervisor only, read-only
  kKernelWrite,  // present, supervisor only, writable
  kUserRead,     // present, user, read-only (and not COW)
  kUserWrite,    // present, user, writable
  kCow,          // present with the COW bit
  kLarge,        // a PDE that maps 4 MB
};
constexpr unsigned kCellStates = 7;
const char* cellStateName(CellState s);

// A PTE (or the leaf of a walk) by its own bits; `pdeBits` adds the PDE's U/S and R/W, which
// combine with the PTE's (SDM vol. 3A 4.6).
CellState classifyPte(uint32_t pte, uint32_t pdeBits, unsigned cowBit);
// A PDE by its own bits: not present, 4 MB page (with CR4.PSE), or a table (user or kernel).
CellState classifyPde(uint32_t pde, bool pse, unsigned cowBit);

// A present entry that maps a frame: a PTE, or a 4 MB PDE (`large`), of address space `cr3`.
struct FrameMapper {
  uint32_t cr3 = 0;     // page-directory base
  uint32_t linear = 0;  // the page's linear address
  uint32_t entry = 0;   // the PTE (or PDE) word
  uint32_t pde = 0;     // the PDE above it (its U/S and R/W combine with the PTE's)
  bool user = false;    // U/S set in PDE and PTE: one of the frame's user mappers
  bool large = false;
  bool kernelHalf = false;  // a mapping of the kernel part, the same in every address space
};

// What a frame holds for the paging structures of the live address spaces.
enum class TableRole : uint8_t {
  kNone,
  kUserTable,    // a page table of a space's user part
  kKernelTable,  // a page table of the kernel part (one shared, or a per-process copy)
  kDirectory,    // a page directory
};

// The census's totals: what the frames grid colours, counted.
struct CensusTotals {
  uint32_t spaces = 0;        // live address spaces (page directories)
  uint32_t kernelTables = 0;  // frames holding kernel-part page tables
  uint32_t userTables = 0;    // frames holding user-part page tables
  uint32_t userFrames = 0;    // frames that at least one present user PTE maps
  uint32_t sharedFrames = 0;  // of those, frames mapped by two or more user PTEs
  uint32_t kernelOnly = 0;    // frames only the kernel part maps (no user PTE, no table)
};

// The frames the address spaces map: how many present user PTEs map each frame (the sharing a
// COW kernel's reference counts track), which frames only the kernel maps, and which hold page
// directories and tables.
//
// The kernel part: the current directory's present PDEs whose tables map pages, none of them
// with U/S (or a supervisor 4 MB page). Kernels map it in every address space, either through
// the same tables (the built-in guest) or through a copy of them per process (MIT xv6's
// setupkvm); the census recognises it in either form: a PDE holds the kernel part's entry when
// it is the same word, or points to a table whose 1024 words are the same, accessed and dirty
// bits aside (the CPU sets them in whichever copy it walked).
//
// The address spaces are the CR3 values seen plus every frame of RAM that holds a page directory
// with the kernel part (a child built by fork() that has not run yet). A directory is alive while
// it holds the kernel part at more than half of its indexes (a process may have a table of
// supervisor pages of its own, a guard page's, where another has none); one whose frame was
// freed (filled with junk) or reused holds none of it, and is left out.
class FrameCensus {
 public:
  void take(mmu::PhysMemory& mem, const mmu::Mmu& mmu, const std::vector<uint32_t>& cr3s,
            uint32_t ramBytes);
  uint32_t frames() const { return static_cast<uint32_t>(userMappers_.size()); }
  uint16_t userMappers(uint32_t pfn) const { return pfn < frames() ? userMappers_[pfn] : 0; }
  bool kernelMapped(uint32_t pfn) const { return pfn < frames() && kernel_[pfn]; }
  bool pageTable(uint32_t pfn) const { return role(pfn) != TableRole::kNone; }
  TableRole role(uint32_t pfn) const { return pfn < frames() ? role_[pfn] : TableRole::kNone; }
  const CensusTotals& totals() const { return totals_; }
  uint32_t highestUsed() const { return highest_; }  // highest frame anything maps, +1
  // The frames in use by the address spaces' user halves: [usedFirst, usedEnd) spans every frame
  // a user PTE maps and every page directory and page table of a live space with a user half
  // (its kernel part's tables too when they are its own copies, not shared). Empty (0, 0)
  // before paging or with no user page.
  uint32_t usedFirst() const { return usedFirst_; }
  uint32_t usedEnd() const { return usedEnd_; }
  // The live spaces: the current one first, then the CR3s seen (in order), then those found in
  // RAM (in frame order).
  const std::vector<uint32_t>& liveSpaces() const { return live_; }
  bool live(uint32_t cr3) const;
  // Every present entry of the live spaces that maps frame `pfn` (live spaces in order; the
  // kernel part once, from the current space), read from RAM as take() left it.
  std::vector<FrameMapper> mappersOf(mmu::PhysMemory& mem, uint32_t pfn) const;

 private:
  using PdeSet = std::vector<bool>;  // 1024 flags, one a directory entry
  std::vector<uint16_t> userMappers_;
  std::vector<uint8_t> kernel_;
  std::vector<TableRole> role_;
  std::vector<uint32_t> live_;
  std::vector<PdeSet> kernelPart_;  // per live space: the indexes holding the kernel part
  CensusTotals totals_;
  bool pse_ = false;
  uint32_t highest_ = 0, usedFirst_ = 0, usedEnd_ = 0;
};

// The observer the view keeps beside the run: the CR3s seen (in the order first seen), the page
// faults counted, the last one. (Stopping at a moment is the Run's: run::Until.)
class Recorder final : public emu::Observer {
 public:
  explicit Recorder(const mmu::Mmu& mmu);

  const std::vector<uint32_t>& cr3s() const { return cr3s_; }
  uint64_t pageFaults() const { return pageFaults_; }
  // The last page fault (its CR2), for the view's selection.
  std::optional<uint32_t> lastFaultAddress() const { return lastFault_; }
  std::optional<uint32_t> lastFaultCr3() const { return lastFaultCr3_; }

  void onPageFault(const mmu::PageFault& e) override;
  void onCr3Write(const mmu::Cr3Write& e) override;

 private:
  void noteCr3(uint32_t cr3);

  std::vector<uint32_t> cr3s_;
  uint64_t pageFaults_ = 0;
  std::optional<uint32_t> lastFault_, lastFaultCr3_;
};

}  // namespace view
