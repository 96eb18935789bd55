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
  bool kernelHalf = false;  // a mapping of the kernel half, the same in every address space
};

// The frames the address spaces map: how many present user PTEs map each frame (the sharing a
// COW kernel's reference counts track), which frames only the kernel maps, and which hold page
// tables. The address spaces are the CR3 values seen plus every frame of RAM that holds a page
// directory with the current one's kernel half (a child built by fork() that has not run yet).
// A directory that no longer shares that kernel half is taken to be gone (freed) and left out.
class FrameCensus {
 public:
  void take(mmu::PhysMemory& mem, const mmu::Mmu& mmu, const std::vector<uint32_t>& cr3s,
            uint32_t ramBytes);
  uint32_t frames() const { return static_cast<uint32_t>(userMappers_.size()); }
  uint16_t userMappers(uint32_t pfn) const { return pfn < frames() ? userMappers_[pfn] : 0; }
  bool kernelMapped(uint32_t pfn) const { return pfn < frames() && kernel_[pfn]; }
  bool pageTable(uint32_t pfn) const { return pfn < frames() && table_[pfn]; }
  uint32_t highestUsed() const { return highest_; }  // highest frame anything maps, +1
  // The frames in use by the address spaces' user halves: [usedFirst, usedEnd) spans every frame
  // a user PTE maps and every page directory and page table of a live space (but not the kernel
  // half's tables). Empty (0, 0) before paging or with no user page.
  uint32_t usedFirst() const { return usedFirst_; }
  uint32_t usedEnd() const { return usedEnd_; }
  const std::vector<uint32_t>& liveSpaces() const { return live_; }
  // Every present entry of the live spaces that maps frame `pfn` (live spaces in order; the
  // kernel half once, from the current space), read from RAM as take() left it.
  std::vector<FrameMapper> mappersOf(mmu::PhysMemory& mem, uint32_t pfn) const;

 private:
  std::vector<uint16_t> userMappers_;
  std::vector<uint8_t> kernel_, table_;
  std::vector<uint32_t> live_;
  std::vector<bool> kernelPde_;  // the kernel half: PDE indexes of the current directory
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
