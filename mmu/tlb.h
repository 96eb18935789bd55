// The architectural TLB: a set-associative cache of translations that the guest sees, because
// translations are served from it until the guest flushes them.
//
// Placement. A 4 KB entry lives in set (linear >> 12) % sets; a 4 MB entry in set
// (linear >> 22) % sets, so that one 4 MB entry covers the whole page and INVLPG of any address in
// it finds it. A lookup searches the 4 KB set, then the 4 MB set.
//
// Replacement (per set, independent of hits): the lowest-numbered invalid way if there is one,
// otherwise the way under the set's round-robin pointer, which then advances. Filling a cold set
// therefore uses ways 0, 1, 2, 3 in order and then evicts in first-in first-out order. Because
// hits never change replacement state, the host-side cache (Mmu::hostRead & co.) may serve hits
// without touching the model.
//
// Defined in tlb.cpp: Tlb.
#pragma once

#include <cstdint>
#include <vector>

#include "mmu/events.h"

namespace mmu {

struct TlbEntry {
  bool valid = false;
  bool large = false;     // maps 4 MB
  uint32_t pageBase = 0;  // linear base (4 KB or 4 MB aligned)
  uint32_t frame = 0;     // physical base
  bool user = false;      // combined U/S of the PDE and PTE
  bool writable = false;  // combined R/W
  bool global = false;    // G in the leaf
  bool dirty = false;     // D was set in the leaf when the entry was filled
  WalkTrace walk;         // where it came from: the words as they were after the fill's A/D writes

  // Stale-TLB detector state: a page-table word behind this entry changed in a way that matters.
  bool stale = false;
  bool stalePublished = false;  // StaleTlbUse already published for this change
  uint32_t staleWordAddr = 0;   // the word that changed
  uint32_t staleCached = 0;     // its value in the entry
  uint32_t staleSeen = 0;       // its value in memory when the change was noted

  uint32_t size() const { return large ? (4u << 20) : 4096u; }
  bool covers(uint32_t linear) const { return valid && linear - pageBase < size(); }
};

class Tlb {
 public:
  Tlb(unsigned sets, unsigned ways);  // sets: a power of two; ways >= 1 (checked by Mmu)

  unsigned sets() const { return sets_; }
  unsigned ways() const { return ways_; }
  unsigned capacity() const { return sets_ * ways_; }

  TlbEntry& at(unsigned set, unsigned way) { return entries_[set * ways_ + way]; }
  const TlbEntry& at(unsigned set, unsigned way) const { return entries_[set * ways_ + way]; }
  TlbEntry& at(unsigned index) { return entries_[index]; }
  const TlbEntry& at(unsigned index) const { return entries_[index]; }

  unsigned smallSet(uint32_t linear) const { return (linear >> 12) & (sets_ - 1); }
  unsigned largeSet(uint32_t linear) const { return (linear >> 22) & (sets_ - 1); }

  // The valid entry covering `linear` (4 KB set first, then 4 MB set), or nullptr.
  const TlbEntry* lookup(uint32_t linear) const;
  TlbEntry* lookup(uint32_t linear) {
    return const_cast<TlbEntry*>(static_cast<const Tlb*>(this)->lookup(linear));
  }

  // The way a new entry in `set` goes to, per the replacement policy above. Advances the set's
  // round-robin pointer when it picks a valid way.
  unsigned victim(unsigned set);

  // The round-robin pointer of a set (the way evicted next once the set is full).
  unsigned nextVictim(unsigned set) const { return next_[set]; }

  unsigned validCount() const;

 private:
  unsigned sets_, ways_;
  std::vector<TlbEntry> entries_;  // set-major: [set * ways + way]
  std::vector<unsigned> next_;     // round-robin pointer per set
};

}  // namespace mmu
