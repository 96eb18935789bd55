// The set-associative TLB model (see tlb.h for placement and replacement).
#include "mmu/tlb.h"

#include <cstddef>

namespace mmu {

Tlb::Tlb(unsigned sets, unsigned ways)
    : sets_(sets), ways_(ways), entries_(std::size_t{sets} * ways), next_(sets, 0) {}

const TlbEntry* Tlb::lookup(uint32_t linear) const {
  const uint32_t page = linear & ~0xFFFu;
  const TlbEntry* set = &entries_[smallSet(linear) * ways_];
  for (unsigned w = 0; w < ways_; ++w) {
    if (set[w].valid && !set[w].large && set[w].pageBase == page) return &set[w];
  }
  const uint32_t large = linear & ~((4u << 20) - 1);
  set = &entries_[largeSet(linear) * ways_];
  for (unsigned w = 0; w < ways_; ++w) {
    if (set[w].valid && set[w].large && set[w].pageBase == large) return &set[w];
  }
  return nullptr;
}

unsigned Tlb::victim(unsigned set) {
  for (unsigned w = 0; w < ways_; ++w) {
    if (!at(set, w).valid) return w;
  }
  const unsigned w = next_[set];
  next_[set] = (w + 1) % ways_;
  return w;
}

unsigned Tlb::validCount() const {
  unsigned n = 0;
  for (const TlbEntry& e : entries_) n += e.valid ? 1 : 0;
  return n;
}

}  // namespace mmu
