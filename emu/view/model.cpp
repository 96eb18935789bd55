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
constexpr uint32_t kAccessedDirty = PagingBits::kAccessed | PagingBits::kDirty;

// The present mappings of the space under `cr3`, as the MMU walks them (no side effects).
mmu::MappingCursor mappingsOf(mmu::PhysMemory& mem, uint32_t cr3, bool pse) {
  return mmu::MappingCursor(mem, cr3, mmu::PagingControl{false, pse});
}
// Entry `index` of the directory at `dir`, read by probe (0, not present, outside RAM).
uint32_t pdeOf(mmu::PhysMemory& mem, uint32_t dir, unsigned index) {
  return mmu::readPagingWord(mem, (dir & PagingBits::kFrame) + 4 * index, true);
}
bool isTable(uint32_t pde, bool pse) {
  return (pde & PagingBits::kPresent) && !(pse && (pde & PagingBits::kPageSize));
}

// The kernel part of the current directory, and the test whether a PDE of another directory
// holds it: the same word, or a table whose words are the same (a per-process copy); accessed
// and dirty bits aside in both.
class KernelPart {
 public:
  KernelPart(mmu::PhysMemory& mem, uint32_t cur, bool pse) : mem_(mem), pse_(pse) {
    for (unsigned i = 0; i < 1024; ++i) dir_[i] = pdeOf(mem, cur, i);
    // Which PDEs map pages, and which of those map a user page. xv6-style kernels set U/S in
    // every PDE, so the PDE's own bit cannot tell; the PTEs under it do.
    std::vector<bool> maps(1024, false), user(1024, false);
    for (mmu::MappingCursor c = mappingsOf(mem, cur, pse);
         std::optional<mmu::Mapping> m = c.next();) {
      maps[m->linear >> 22] = true;
      if (!m->user) continue;
      user[m->linear >> 22] = true;
      c.skipTable();  // one user page settles it
    }
    part_.assign(1024, false);
    for (unsigned i = 0; i < 1024; ++i) {
      part_[i] = maps[i] && !user[i];
      if (!part_[i]) continue;
      if (first_ == 1024) first_ = i;
      last_ = i;
    }
  }
  const std::vector<bool>& indexes() const { return part_; }
  bool empty() const { return first_ == 1024; }
  unsigned first() const { return first_; }
  unsigned last() const { return last_; }
  uint32_t entry(unsigned i) const { return dir_[i]; }

  // Whether `pde` (entry `i` of some directory) holds the kernel part's entry `i`.
  bool holds(unsigned i, uint32_t pde) {
    uint32_t mine = dir_[i];
    if (((pde ^ mine) & ~kAccessedDirty) == 0) return true;
    if (!isTable(pde, pse_) || !isTable(mine, pse_)) return false;
    if (((pde ^ mine) & ~PagingBits::kFrame & ~kAccessedDirty) != 0) return false;  // flags
    uint64_t key = uint64_t{i} << 32 | (pde & PagingBits::kFrame);
    auto it = copies_.find(key);
    if (it != copies_.end()) return it->second;
    bool same = sameTable(mine & PagingBits::kFrame, pde & PagingBits::kFrame);
    copies_.emplace(key, same);
    return same;
  }

 private:
  bool sameTable(uint32_t a, uint32_t b) {
    const uint8_t* pa = mem_.frame(a);
    const uint8_t* pb = mem_.frame(b);
    if (pa == nullptr || pb == nullptr) return false;
    for (unsigned j = 0; j < 1024; ++j) {
      uint32_t wa, wb;
      std::memcpy(&wa, pa + 4 * j, 4);
      std::memcpy(&wb, pb + 4 * j, 4);
      if (((wa ^ wb) & ~kAccessedDirty) != 0) return false;
    }
    return true;
  }

  mmu::PhysMemory& mem_;
  bool pse_;
  uint32_t dir_[1024];
  std::vector<bool> part_;
  unsigned first_ = 1024, last_ = 0;
  std::map<uint64_t, bool> copies_;  // (index, table frame) -> the same table as ours
};

}  // namespace

bool FrameCensus::live(uint32_t cr3) const {
  return std::find(live_.begin(), live_.end(), cr3 & ~mmu::kPageMask) != live_.end();
}

void FrameCensus::take(mmu::PhysMemory& mem, const mmu::Mmu& mmu, const std::vector<uint32_t>& cr3s,
                       uint32_t ramBytes) {
  uint32_t n = ramBytes >> 12;
  userMappers_.assign(n, 0);
  kernel_.assign(n, 0);
  role_.assign(n, TableRole::kNone);
  live_.clear();
  kernelPart_.clear();
  totals_ = {};
  highest_ = usedFirst_ = usedEnd_ = 0;
  if (!(mmu.cr0() & mmu::kCr0Pg)) return;
  bool pse = (mmu.cr4() & mmu::kCr4Pse) != 0;
  pse_ = pse;
  uint32_t cur = mmu.cr3() & ~mmu::kPageMask;
  if (mem.frame(cur) == nullptr) return;  // a directory outside RAM: nothing to count
  KernelPart kernel(mem, cur, pse);

  std::vector<uint32_t> spaces;
  std::vector<bool> listed(n, false);  // by frame
  std::vector<uint32_t> outside;       // directories seen outside RAM
  auto add = [&](uint32_t c) {
    c &= ~mmu::kPageMask;
    if ((c >> 12) < n) {
      if (listed[c >> 12]) return;
      listed[c >> 12] = true;
    } else {
      if (std::find(outside.begin(), outside.end(), c) != outside.end()) return;
      outside.push_back(c);
    }
    spaces.push_back(c);
  };
  add(cur);
  for (uint32_t c : cr3s) add(c);
  // Directories not loaded into CR3 yet (a child fork() has just built) are found by the kernel
  // part: a frame whose entry at the kernel part's first or last index holds it is a candidate,
  // and the full comparison below decides.
  if (!kernel.empty()) {
    for (uint32_t pfn = 0; pfn < n; ++pfn) {
      uint32_t dir = pfn << 12;
      if (listed[pfn]) continue;
      for (unsigned probe : {kernel.first(), kernel.last()}) {
        uint32_t pde = pdeOf(mem, dir, probe);
        if ((pde & PagingBits::kPresent) && kernel.holds(probe, pde)) {
          spaces.push_back(dir);
          break;
        }
      }
    }
  }
  // Which spaces are alive, and where each holds the kernel part.
  for (uint32_t space : spaces) {
    PdeSet part(1024, false);
    if (space == cur) {
      part = kernel.indexes();
    } else {
      // Alive while it holds the kernel part at most of its indexes: a process may map pages
      // of its own where the current one has a table of supervisor pages only (a guard page
      // alone in its table), and a directory being built or torn down holds part of it. A
      // freed frame (filled with junk, or reused) holds none of it.
      if (mem.frame(space) == nullptr) continue;
      unsigned held = 0, all = 0;
      for (unsigned i = 0; i < 1024; ++i) {
        if (!kernel.indexes()[i]) continue;
        ++all;
        if (kernel.holds(i, pdeOf(mem, space, i))) {
          part[i] = true;
          ++held;
        }
      }
      if (held == 0 || 2 * held <= all) continue;
    }
    live_.push_back(space);
    kernelPart_.push_back(std::move(part));
  }

  uint32_t usedLo = ~0u, usedHi = 0;
  auto used = [&](uint32_t pfn) {
    if (pfn >= n) return;
    usedLo = std::min(usedLo, pfn);
    usedHi = std::max(usedHi, pfn + 1);
  };
  auto mark = [&](uint32_t pfn, TableRole r) {
    if (pfn >= n) return;
    role_[pfn] = std::max(role_[pfn], r);  // a directory, then a kernel table, then a user one
    highest_ = std::max(highest_, pfn + 1);
  };
  // A kernel part's table is the space's own copy when another live space holds that entry in a
  // different frame; shared tables (the built-in guest's, or a lone space's) are nobody's own.
  auto ownCopy = [&](size_t k, unsigned i, uint32_t table) {
    for (size_t o = 0; o < live_.size(); ++o) {
      if (o == k || !kernelPart_[o][i]) continue;
      if ((pdeOf(mem, live_[o], i) & PagingBits::kFrame) != table) return true;
    }
    return false;
  };
  for (size_t k = 0; k < live_.size(); ++k) {
    uint32_t space = live_[k];
    bool current = space == cur;
    const PdeSet& part = kernelPart_[k];
    mark(space >> 12, TableRole::kDirectory);
    // Its page tables.
    bool userHalf = false;  // the kernel's own directory (no user half) is not in the used range
    std::vector<uint32_t> ownKernelTables;
    for (unsigned i = 0; i < 1024; ++i) {
      uint32_t pde = pdeOf(mem, space, i);
      if (!(pde & PagingBits::kPresent)) continue;
      userHalf |= !part[i];
      if (!isTable(pde, pse)) continue;  // a 4 MB page: no table
      uint32_t table = pde & PagingBits::kFrame;
      if (part[i]) {
        mark(table >> 12, TableRole::kKernelTable);
        if (ownCopy(k, i, table)) ownKernelTables.push_back(table >> 12);
      } else {
        mark(table >> 12, TableRole::kUserTable);
        used(table >> 12);
      }
    }
    if (userHalf) {
      used(space >> 12);
      for (uint32_t t : ownKernelTables) used(t);
    }
    // Its pages: user mappers per frame, and the frames only the kernel maps. The kernel part
    // maps the same pages in every space: counted once, in the current space.
    for (mmu::MappingCursor c = mappingsOf(mem, space, pse);
         std::optional<mmu::Mapping> m = c.next();) {
      if (part[m->linear >> 22] && !current) {
        c.skipTable();
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
          kernel_[f] = 1;
          highest_ = std::max(highest_, f + 1);
        }
      }
    }
  }
  if (usedHi > 0) {
    usedFirst_ = usedLo;
    usedEnd_ = usedHi;
  }
  totals_.spaces = static_cast<uint32_t>(live_.size());
  for (uint32_t f = 0; f < n; ++f) {
    if (role_[f] == TableRole::kKernelTable) ++totals_.kernelTables;
    if (role_[f] == TableRole::kUserTable) ++totals_.userTables;
    if (userMappers_[f] >= 1) ++totals_.userFrames;
    if (userMappers_[f] >= 2) ++totals_.sharedFrames;
    if (kernel_[f] && userMappers_[f] == 0 && role_[f] == TableRole::kNone) ++totals_.kernelOnly;
  }
}

std::vector<FrameMapper> FrameCensus::mappersOf(mmu::PhysMemory& mem, uint32_t pfn) const {
  std::vector<FrameMapper> out;
  for (size_t k = 0; k < live_.size(); ++k) {
    uint32_t space = live_[k];
    bool current = k == 0;  // take() lists the current space first
    const PdeSet& part = kernelPart_[k];
    for (mmu::MappingCursor c = mappingsOf(mem, space, pse_);
         std::optional<mmu::Mapping> m = c.next();) {
      bool kernelHalf = part[m->linear >> 22];
      if (kernelHalf && !current) {
        c.skipTable();  // the kernel part: listed once, from the current space
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
