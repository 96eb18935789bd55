// The view's model: entry classes, the frame census, stop moments, the recorder.
#include "emu/view/model.h"

#include <algorithm>
#include <cstring>

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
// The 1024 words of the table at `pa`, read straight from RAM (no device is ever touched), or
// false when that frame is not RAM.
bool readTable(mmu::PhysMemory& mem, uint32_t pa, uint32_t (&words)[1024]) {
  uint8_t* f = mem.frame(pa & ~mmu::kPageMask);
  if (f == nullptr) return false;
  std::memcpy(words, f, sizeof words);
  return true;
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
  uint32_t cur = mmu.cr3() & ~mmu::kPageMask;
  static uint32_t curDir[1024], dir[1024], table[1024];
  if (!readTable(mem, cur, curDir)) return;
  auto mark = [&](std::vector<uint8_t>& v, uint32_t pfn) {
    if (pfn < n) {
      v[pfn] = 1;
      highest_ = std::max(highest_, pfn + 1);
    }
  };
  // The kernel half: the current directory's present PDEs that map no user page (a supervisor
  // 4 MB page, or a table without a user PTE). Kernels share it in every address space; xv6-style
  // kernels set U/S in every PDE, so the PDE's own bit cannot tell.
  std::vector<bool>& kernelPde = kernelPde_;
  unsigned probe = 1024;
  for (unsigned i = 0; i < 1024; ++i) {
    uint32_t pde = curDir[i];
    if (!(pde & PagingBits::kPresent)) continue;
    bool user = false;
    if (pse && (pde & PagingBits::kPageSize)) {
      user = (pde & PagingBits::kUser) != 0;
    } else if ((pde & PagingBits::kUser) && readTable(mem, pde & PagingBits::kFrame, table)) {
      for (uint32_t pte : table) {
        if ((pte & PagingBits::kPresent) && (pte & PagingBits::kUser)) {
          user = true;
          break;
        }
      }
    }
    kernelPde[i] = !user;
    if (!user && probe == 1024) probe = i;
  }
  std::vector<uint32_t> spaces{cur};
  for (uint32_t c : cr3s) {
    c &= ~mmu::kPageMask;
    if (std::find(spaces.begin(), spaces.end(), c) == spaces.end()) spaces.push_back(c);
  }
  // Directories not loaded into CR3 yet (a child fork() has just built) are found by their
  // kernel half: a frame whose first kernel PDE is the current directory's is a candidate, and
  // the full comparison below decides. A freed directory (junk-filled) does not match.
  if (probe < 1024) {
    for (uint32_t pfn = 0; pfn < n; ++pfn) {
      uint8_t* f = mem.frame(pfn << 12);
      if (f == nullptr) continue;
      uint32_t word;
      std::memcpy(&word, f + 4 * probe, 4);
      if (word == curDir[probe] &&
          std::find(spaces.begin(), spaces.end(), pfn << 12) == spaces.end()) {
        spaces.push_back(pfn << 12);
      }
    }
  }
  for (uint32_t space : spaces) {
    if (!readTable(mem, space, dir)) continue;
    bool current = space == cur;
    if (!current) {
      // Alive only while it holds the current kernel half, PDE for PDE (and some of it at all).
      bool same = probe < 1024;
      for (unsigned i = 0; i < 1024 && same; ++i) {
        if (kernelPde[i]) same = dir[i] == curDir[i];
      }
      if (!same) continue;
    }
    live_.push_back(space);
    mark(table_, space >> 12);
    bool userHalf = false;  // the kernel's own directory (no user half) is not in the used range
    for (unsigned i = 0; i < 1024; ++i) {
      uint32_t pde = dir[i];
      if (!(pde & PagingBits::kPresent)) continue;
      if (kernelPde[i] && !current) continue;  // the shared kernel half: counted once, below
      bool userPde = (pde & PagingBits::kUser) != 0;
      userHalf |= !kernelPde[i];
      if (pse && (pde & PagingBits::kPageSize)) {
        uint32_t base = (pde & PagingBits::kLargeFrame) >> 12;
        for (uint32_t f = base; f < base + 1024 && f < n; ++f) {
          if (userPde) {
            if (userMappers_[f] < 0xFFFF) ++userMappers_[f];
            highest_ = std::max(highest_, f + 1);
            used(f);
          } else {
            mark(kernel_, f);
          }
        }
        continue;
      }
      mark(table_, pde >> 12);
      if (!kernelPde[i]) used(pde >> 12);
      if (!readTable(mem, pde & PagingBits::kFrame, table)) continue;
      for (unsigned j = 0; j < 1024; ++j) {
        uint32_t pte = table[j];
        if (!(pte & PagingBits::kPresent)) continue;
        uint32_t pfn = pte >> 12;
        if (pfn >= n) continue;
        if (userPde && (pte & PagingBits::kUser)) {
          if (userMappers_[pfn] < 0xFFFF) ++userMappers_[pfn];
          highest_ = std::max(highest_, pfn + 1);
          used(pfn);
        } else if (current) {
          mark(kernel_, pfn);
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
  static uint32_t dir[1024], table[1024];
  for (size_t k = 0; k < live_.size(); ++k) {
    uint32_t space = live_[k];
    bool current = k == 0;  // take() lists the current space first
    if (!readTable(mem, space, dir)) continue;
    for (unsigned i = 0; i < 1024; ++i) {
      uint32_t pde = dir[i];
      if (!(pde & PagingBits::kPresent)) continue;
      if (kernelPde_[i] && !current) continue;  // the shared kernel half: listed once
      bool userPde = (pde & PagingBits::kUser) != 0;
      if (pse_ && (pde & PagingBits::kPageSize)) {
        uint32_t base = (pde & PagingBits::kLargeFrame) >> 12;
        if (pfn >= base && pfn < base + 1024) {
          out.push_back(
              {space, (i << 22) | ((pfn - base) << 12), pde, pde, userPde, true, kernelPde_[i]});
        }
        continue;
      }
      if (!readTable(mem, pde & PagingBits::kFrame, table)) continue;
      for (unsigned j = 0; j < 1024; ++j) {
        uint32_t pte = table[j];
        if (!(pte & PagingBits::kPresent) || (pte >> 12) != pfn) continue;
        out.push_back({space, (i << 22) | (j << 12), pte, pde, userPde && (pte & PagingBits::kUser),
                       false, static_cast<bool>(kernelPde_[i])});
      }
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
