// TLB geometry and the replacement policy (mmu/tlb.h): 4 KB entries in set page % sets; the lowest
// invalid way first, then per-set round-robin (first in, first out) independent of hits.
#include <gtest/gtest.h>

#include "tests/mmu/flat_ram.h"

namespace {

using namespace mmutest;
using mmu::Access;

// Maps linear pages 0x400..0x4FF to frames 0x1000.. (identity plus 12 MB) and turns paging on.
void setUpSpace(FlatRam& ram, mmu::Mmu& mmu) {
  Space space{ram, 0x10000, 0x11000};
  for (uint32_t i = 0; i < 0x100; ++i) {
    space.map(0x400000 + i * 0x1000, 0x800000 + i * 0x1000, P | W | U);
  }
  mmu.writeCr3(0x10000);
  mmu.writeCr0(mmu::kCr0Pe | mmu::kCr0Pg);
}

uint32_t page(uint32_t i) {
  return 0x400000 + i * 0x1000;
}

TEST(TlbGeometry, TheThirtyThirdPageEvictsTheFirstInItsSet) {
  FlatRam ram;
  mmu::Mmu mmu(ram);  // default: 8 sets x 4 ways
  setUpSpace(ram, mmu);
  uint32_t phys;
  // Pages 0..31 fill every way of every set: page i goes to set i % 8 (page numbers 0x400 + i,
  // and 0x400 % 8 = 0), way i / 8.
  for (uint32_t i = 0; i < 32; ++i)
    ASSERT_FALSE(mmu.translate(page(i), Access::kRead, false, phys));
  EXPECT_EQ(mmu.tlb().validCount(), 32u);
  EXPECT_EQ(mmu.tlb().at(0, 0).pageBase, page(0));
  EXPECT_EQ(mmu.tlb().at(0, 3).pageBase, page(24));
  EXPECT_EQ(mmu.stats().evictions, 0u);
  // Hits on page 0 change nothing in the policy.
  ASSERT_FALSE(mmu.translate(page(0), Access::kRead, false, phys));
  ASSERT_NE(mmu.hostRead(page(0), false), nullptr);
  // Page 32 goes to set 0, which is full: the round-robin pointer (0) picks way 0, page 0, the
  // first in, even though it was just used.
  ASSERT_FALSE(mmu.translate(page(32), Access::kRead, false, phys));
  EXPECT_EQ(mmu.stats().evictions, 1u);
  EXPECT_EQ(mmu.tlb().at(0, 0).pageBase, page(32));
  EXPECT_EQ(mmu.tlb().nextVictim(0), 1u);
  EXPECT_EQ(mmu.hostRead(page(0), false), nullptr);  // the evicted page's host shortcut is gone
  EXPECT_EQ(mmu.tlb().validCount(), 32u);
  // Page 0 again: a miss that evicts way 1 (page 8).
  ASSERT_FALSE(mmu.translate(page(0), Access::kRead, false, phys));
  EXPECT_EQ(mmu.tlb().at(0, 1).pageBase, page(0));
  EXPECT_EQ(mmu.stats().tlbMisses, 34u);
  EXPECT_EQ(mmu.stats().tlbHits, 2u);
}

TEST(TlbGeometry, ScriptedSequenceMatchesAHandCount) {
  FlatRam ram;
  mmu::Mmu mmu(ram, mmu::TlbGeometry{2, 2, false});
  setUpSpace(ram, mmu);
  // Pages (index i, set i % 2), with the hand-simulated state of each set as [way0 way1] ptr:
  //   0  set0 miss -> [0 -]         2  set0 miss -> [0 2] ptr 0
  //   0  set0 hit                   4  set0 miss, evict way0 (0) -> [4 2] ptr 1
  //   0  set0 miss, evict way1 (2) -> [4 0] ptr 0 (an LRU policy would have hit here)
  //   1  set1 miss -> [1 -]         3  set1 miss -> [1 3] ptr 0
  //   3  set1 hit                   1  set1 hit
  //   5  set1 miss, evict way0 (1) -> [5 3] ptr 1
  //   3  set1 hit                   4  set0 hit
  //   2  set0 miss, evict way0 (4) -> [2 0] ptr 1
  //   0  set0 hit
  // Hits: 0, 3, 1, 3, 4, 0 = 6. Misses: 0, 2, 4, 0, 1, 3, 5, 2 = 8.
  const uint32_t script[] = {0, 2, 0, 4, 0, 1, 3, 3, 1, 5, 3, 4, 2, 0};
  uint32_t phys;
  for (uint32_t i : script) {
    ASSERT_FALSE(mmu.translate(page(i) + 0x10, Access::kRead, false, phys));
    ASSERT_EQ(phys, 0x800000 + i * 0x1000 + 0x10);
  }
  EXPECT_EQ(mmu.stats().tlbHits, 6u);
  EXPECT_EQ(mmu.stats().tlbMisses, 8u);
  EXPECT_EQ(mmu.stats().evictions, 4u);
  EXPECT_EQ(mmu.tlb().at(0, 0).pageBase, page(2));
  EXPECT_EQ(mmu.tlb().at(0, 1).pageBase, page(0));
  EXPECT_EQ(mmu.tlb().at(1, 0).pageBase, page(5));
  EXPECT_EQ(mmu.tlb().at(1, 1).pageBase, page(3));
}

// The same script served by the host cache where it can: the counts must not change, because the
// host cache only answers what the model TLB would answer as a hit.
TEST(TlbGeometry, HostCacheHitsCountLikeModelHits) {
  FlatRam ram;
  mmu::Mmu mmu(ram, mmu::TlbGeometry{2, 2, false});
  setUpSpace(ram, mmu);
  const uint32_t script[] = {0, 2, 0, 4, 0, 1, 3, 3, 1, 5, 3, 4, 2, 0};
  uint32_t phys;
  for (uint32_t i : script) {
    if (uint8_t* host = mmu.hostRead(page(i) + 0x10, false)) {
      ASSERT_EQ(host, ram.data() + 0x800000 + i * 0x1000 + 0x10);
      continue;
    }
    ASSERT_FALSE(mmu.translate(page(i) + 0x10, Access::kRead, false, phys));
  }
  EXPECT_EQ(mmu.stats().tlbHits, 6u);
  EXPECT_EQ(mmu.stats().tlbMisses, 8u);
}

TEST(TlbGeometry, SplitInstructionAndDataTlbs) {
  FlatRam ram;
  mmu::Mmu mmu(ram, mmu::TlbGeometry{8, 4, true});
  setUpSpace(ram, mmu);
  uint32_t phys;
  ASSERT_FALSE(mmu.translate(page(1), Access::kFetch, true, phys));
  EXPECT_EQ(mmu.tlb(true).validCount(), 1u);
  EXPECT_EQ(mmu.tlb(false).validCount(), 0u);
  EXPECT_NE(mmu.hostFetch(page(1), true), nullptr);
  EXPECT_EQ(mmu.hostRead(page(1), true), nullptr);  // the data TLB does not hold it
  ASSERT_FALSE(mmu.translate(page(1), Access::kRead, true, phys));
  EXPECT_EQ(mmu.stats().tlbMisses, 2u);
  EXPECT_EQ(mmu.tlb(false).validCount(), 1u);
  EXPECT_NE(mmu.hostRead(page(1), true), nullptr);
  // INVLPG and a CR3 load flush both.
  mmu.invlpg(page(1));
  EXPECT_EQ(mmu.stats().flushDropped[static_cast<size_t>(mmu::FlushKind::kInvlpg)], 2u);
  EXPECT_EQ(mmu.hostFetch(page(1), true), nullptr);
  ASSERT_FALSE(mmu.translate(page(2), Access::kFetch, true, phys));
  ASSERT_FALSE(mmu.translate(page(3), Access::kWrite, true, phys));
  mmu.writeCr3(0x10000);
  EXPECT_EQ(mmu.stats().flushDropped[static_cast<size_t>(mmu::FlushKind::kCr3Write)], 2u);
}

}  // namespace
