// The view's model: entry classes, the frame census, stop moments, the recorder.
#include "emu/view/model.h"

#include <algorithm>

namespace view {

using mmu::PagingBits;

const char* cellStateName(CellState s) {
  switch (s) {
    case CellState::kNotPresent:
      return "not present";
    case CellState::kKernelRead:
      return "kernel read-only";
    case CellState::kKernelWrite:
      return "kernel writable";
    case CellState::kUserRead:
      return "user read-only";
    case CellState::kUserWrite:
      return "user writable";
    case CellState::kCow:
      return "copy-on-write";
    case CellState::kLarge:
      return "4 MB page";
  }
  return "?";
}

CellState classifyPte(uint32_t pte, uint32_t pdeBits, unsigned cowBit) {
  if (!(pte & PagingBits::kPresent)) return CellState::kNotPresent;
  if (cowBit < 32 && (pte >> cowBit) & 1) return CellState::kCow;
  // U/S and R/W combine: the stricter of PDE and PTE wins (SDM vol. 3A 4.6).
  bool user = (pte & pdeBits & PagingBits::kUser) != 0;
  bool writable = (pte & pdeBits & PagingBits::kWritable) != 0;
  if (user) return writable ? CellState::kUserWrite : CellState::kUserRead;
  return writable ? CellState::kKernelWrite : CellState::kKernelRead;
}

CellState classifyPde(uint32_t pde, bool pse, unsigned cowBit) {
  if (!(pde & PagingBits::kPresent)) return CellState::kNotPresent;
  if (pse && (pde & PagingBits::kPageSize)) return CellState::kLarge;
  return classifyPte(pde, PagingBits::kUser | PagingBits::kWritable, cowBit);
}

// ---- FrameCensus ----

namespace {
// The present mappings of the space under `cr3`, as the MMU walks them (no side effects).
mmu::MappingCursor mappingsOf(mmu::PhysMemory& mem, uint32_t cr3, bool pse) {
  return mmu::MappingCursor(mem, cr3, mmu::PagingControl{false, pse});
}
// Entry `index` of the directory at `dir`, read by probe (0, not present, outside RAM).
uint32_t pdeOf(mmu::PhysMemory& mem, uint32_t dir, unsigned index) {
  return mmu::readPagingWord(mem, (dir & PagingBits::kFrame) + 4 * index, true);
}
}  // namespace

void FrameCensus::take(mmu::PhysMemory& mem, const mmu::Mmu& mmu, const std::vector<uint32_t>& cr3s,
                       uint32_t ramBytes) {
  uint32_t n = ramBytes >> 12;
  userMappers_.assign(n, 0);
  kernel_.assign(n, 0);
  table_.assign(n, 0);
  live_.clear();
  kernelPde_.assign(1024, false);
  highest_ = usedFirst_ = usedEnd_ = 0;
  if (!(mmu.cr0() & mmu::kCr0Pg)) return;
  bool pse = (mmu.cr4() & mmu::kCr4Pse) != 0;
  pse_ = pse;
  uint32_t usedLo = ~0u, usedHi = 0;
  auto used = [&](uint32_t pfn) {
    if (pfn >= n) return;
    usedLo = std::min(usedLo, pfn);
    usedHi = std::max(usedHi, pfn + 1);
  };
  auto mark = [&](std::vector<uint8_t>& v, uint32_t pfn) {
    if (pfn < n) {
      v[pfn] = 1;
      highest_ = std::max(highest_, pfn + 1);
    }
  };
  uint32_t cur = mmu.cr3() & ~mmu::kPageMask;
  if (mem.frame(cur) == nullptr) return;  // a directory outside RAM: nothing to count
  std::vector<uint32_t> curDir(1024);
  for (unsigned i = 0; i < 1024; ++i) curDir[i] = pdeOf(mem, cur, i);
  // The kernel half: the current directory's present PDEs that map no user page (a supervisor
  // 4 MB page, or a table without a user PTE). Kernels share it in every address space; xv6-style
  // kernels set U/S in every PDE, so the PDE's own bit cannot tell.
  std::vector<bool> userPde(1024, false);
  for (mmu::MappingCursor c = mappingsOf(mem, cur, pse);
       std::optional<mmu::Mapping> m = c.next();) {
    if (!m->user) continue;
    userPde[m->linear >> 22] = true;
    c.skipTable();  // one user page settles it
  }
  unsigned probe = 1024;
  for (unsigned i = 0; i < 1024; ++i) {
    kernelPde_[i] = (curDir[i] & PagingBits::kPresent) && !userPde[i];
    if (kernelPde_[i] && probe == 1024) probe = i;
  }
  std::vector<uint32_t> spaces{cur};
  auto known = [&](uint32_t c) {
    return std::find(spaces.begin(), spaces.end(), c) != spaces.end();
  };
  for (uint32_t c : cr3s) {
    c &= ~mmu::kPageMask;
    if (!known(c)) spaces.push_back(c);
  }
  // Directories not loaded into CR3 yet (a child fork() has just built) are found by their
  // kernel half: a frame whose first kernel PDE is the current directory's is a candidate, and
  // the full comparison below decides. A freed directory (junk-filled) does not match.
  if (probe < 1024) {
    for (uint32_t pfn = 0; pfn < n; ++pfn) {
      if (pdeOf(mem, pfn << 12, probe) == curDir[probe] && !known(pfn << 12)) {
        spaces.push_back(pfn << 12);
      }
    }
  }
  for (uint32_t space : spaces) {
    bool current = space == cur;
    if (!current) {
      // Alive only while it holds the current kernel half, PDE for PDE (and some of it at all).
      bool same = probe < 1024;
      for (unsigned i = 0; i < 1024 && same; ++i) {
        if (kernelPde_[i]) same = pdeOf(mem, space, i) == curDir[i];
      }
      if (!same) continue;
    }
    live_.push_back(space);
    mark(table_, space >> 12);
    // Its page tables; the shared kernel half's are counted once, in the current space.
    bool userHalf = false;  // the kernel's own directory (no user half) is not in the used range
    for (unsigned i = 0; i < 1024; ++i) {
      uint32_t pde = pdeOf(mem, space, i);
      if (!(pde & PagingBits::kPresent)) continue;
      if (kernelPde_[i] && !current) continue;
      userHalf |= !kernelPde_[i];
      if (pse && (pde & PagingBits::kPageSize)) continue;  // a 4 MB page: no table
      mark(table_, pde >> 12);
      if (!kernelPde_[i]) used(pde >> 12);
    }
    // Its pages: user mappers per frame, and the frames only the kernel maps.
    for (mmu::MappingCursor c = mappingsOf(mem, space, pse);
         std::optional<mmu::Mapping> m = c.next();) {
      if (kernelPde_[m->linear >> 22] && !current) {
        c.skipTable();  // the shared kernel half: counted once, in the current space
        continue;
      }
      uint32_t first = m->physical >> 12;
      uint32_t end = first + m->size / mmu::kPageSize;
      for (uint32_t f = first; f < end && f < n; ++f) {
        if (m->user) {
          if (userMappers_[f] < 0xFFFF) ++userMappers_[f];
          highest_ = std::max(highest_, f + 1);
          used(f);
        } else if (current || m->size == mmu::kLargePageSize) {
          mark(kernel_, f);
        }
      }
    }
    if (userHalf) used(space >> 12);
  }
  if (usedHi > 0) {
    usedFirst_ = usedLo;
    usedEnd_ = usedHi;
  }
}

std::vector<FrameMapper> FrameCensus::mappersOf(mmu::PhysMemory& mem, uint32_t pfn) const {
  std::vector<FrameMapper> out;
  for (size_t k = 0; k < live_.size(); ++k) {
    uint32_t space = live_[k];
    bool current = k == 0;  // take() lists the current space first
    for (mmu::MappingCursor c = mappingsOf(mem, space, pse_);
         std::optional<mmu::Mapping> m = c.next();) {
      bool kernelHalf = kernelPde_[m->linear >> 22];
      if (kernelHalf && !current) {
        c.skipTable();  // the shared kernel half: listed once, from the current space
        continue;
      }
      uint32_t first = m->physical >> 12;
      if (pfn < first || pfn - first >= m->size / mmu::kPageSize) continue;
      bool large = m->size == mmu::kLargePageSize;
      uint32_t linear = m->linear + ((pfn - first) << 12);
      out.push_back({space, linear, large ? m->pde : m->pte, m->pde, m->user, large, kernelHalf});
    }
  }
  return out;
}

// ---- Recorder ----

Recorder::Recorder(const mmu::Mmu& mmu) {
  if (mmu.cr0() & mmu::kCr0Pg) noteCr3(mmu.cr3());  // CR3 means nothing before paging is on
}

void Recorder::noteCr3(uint32_t cr3) {
  cr3 &= ~mmu::kPageMask;
  if (std::find(cr3s_.begin(), cr3s_.end(), cr3) == cr3s_.end()) cr3s_.push_back(cr3);
}

void Recorder::onPageFault(const mmu::PageFault& e) {
  ++pageFaults_;
  lastFault_ = e.cr2;
  lastFaultCr3_ = e.cr3 & ~mmu::kPageMask;
}

void Recorder::onCr3Write(const mmu::Cr3Write& e) {
  noteCr3(e.newCr3);
}

}  // namespace view
