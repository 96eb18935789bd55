// The stale-TLB detector: a store that changes a page-table word behind a valid TLB entry (frame,
// P, R/W, U/S, PS) marks it stale; the entry is still used, as on hardware, and its next use
// publishes StaleTlbUse. A flush clears it.
#include <gtest/gtest.h>

#include "tests/mmu/flat_ram.h"

namespace {

using namespace mmutest;
using mmu::Access;

class Stale : public ::testing::Test {
 protected:
  void SetUp() override {
    mmu.setObserver(&rec);
    space.map(0x400000, 0x200000, P | W | U);
    space.map(0x401000, 0x201000, P | W | U);
    mmu.writeCr3(0x10000);
    mmu.writeCr0(mmu::kCr0Pe | mmu::kCr0Pg | mmu::kCr0Wp);
  }
  // A guest store of a whole word, the way the CPU reports it.
  void store(uint32_t pa, uint32_t value) {
    ram.setWord(pa, value);
    mmu.notePhysWrite(pa, 4);
  }
  FlatRam ram;
  Space space{ram, 0x10000, 0x11000};
  mmu::Mmu mmu{ram};
  Recorder rec;
};

// The copy-on-write bug of the xv6 lab: fork takes write permission away from the parent's PTE
// and forgets to reload CR3. The parent's next write goes through the stale writable entry into
// the frame it now shares with the child.
TEST_F(Stale, CowWithoutFlushWritesThroughTheStaleEntry) {
  uint32_t phys;
  ASSERT_FALSE(mmu.translate(0x400000, Access::kWrite, true, phys));  // dirty, writable entry
  ASSERT_NE(mmu.hostWrite(0x400000, true), nullptr);
  store(0x11000, 0x200000u | P | U | A | D);  // R/W cleared
  EXPECT_EQ(mmu.hostWrite(0x400000, true), nullptr);
  EXPECT_EQ(mmu.hostRead(0x400000, true), nullptr);
  EXPECT_FALSE(mmu.translate(0x400004, Access::kWrite, true, phys));  // no fault: stale
  EXPECT_EQ(phys, 0x200004u);
  ASSERT_EQ(rec.stale.size(), 1u);
  EXPECT_EQ(rec.stale[0].access, Access::kWrite);
  EXPECT_EQ(rec.stale[0].cachedPte, 0x200000u | P | W | U | A | D);
  EXPECT_EQ(rec.stale[0].memoryPte, 0x200000u | P | U | A | D);
  // The fix: reload CR3. Now the write faults (P=1, W, U).
  mmu.writeCr3(0x10000);
  const auto f = mmu.translate(0x400004, Access::kWrite, true, phys);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->errorCode, 7u);
  EXPECT_EQ(rec.stale.size(), 1u);
  EXPECT_EQ(mmu.stats().staleUses, 1u);
}

TEST_F(Stale, PteEditWithInvlpgUsesTheNewFrameAndPublishesNothing) {
  uint32_t phys;
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, true, phys));
  store(0x11000, 0x300000u | P | W | U);
  mmu.invlpg(0x400000);
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, true, phys));
  EXPECT_EQ(phys, 0x300000u);
  EXPECT_TRUE(rec.stale.empty());
  EXPECT_EQ(mmu.stats().staleUses, 0u);
}

TEST_F(Stale, PdeEditMakesEveryEntryUnderItStale) {
  uint32_t phys;
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, true, phys));
  ASSERT_FALSE(mmu.translate(0x401000, Access::kRead, true, phys));
  store(0x10004, 0x11000u | P | W | A);                              // U/S cleared in the PDE
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, true, phys));  // still allowed: stale
  ASSERT_FALSE(mmu.translate(0x401000, Access::kRead, true, phys));
  ASSERT_EQ(rec.stale.size(), 2u);
  EXPECT_EQ(rec.stale[0].wordAddr, 0x10004u);
  EXPECT_EQ(rec.stale[1].wordAddr, 0x10004u);
  EXPECT_EQ(rec.stale[1].linear, 0x401000u);
}

TEST_F(Stale, EachNewChangeIsPublishedOnceAndChangingBackClearsIt) {
  uint32_t phys;
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, true, phys));
  store(0x11000, 0x300000u | P | W | U);
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, true, phys));
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, true, phys));
  EXPECT_EQ(rec.stale.size(), 1u);
  store(0x11000, 0x301000u | P | W | U);  // another change: published again
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, true, phys));
  EXPECT_EQ(rec.stale.size(), 2u);
  EXPECT_EQ(rec.stale[1].memoryPte, 0x301000u | P | W | U);
  store(0x11000, 0x200000u | P | W | U);  // back to what the entry holds (A aside): not stale
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, true, phys));
  EXPECT_EQ(phys, 0x200000u);
  EXPECT_EQ(rec.stale.size(), 2u);
  EXPECT_EQ(mmu.stats().staleUses, 2u);              // one per change, as published
  EXPECT_NE(mmu.hostRead(0x400000, true), nullptr);  // served by the host cache again
}

// A kernel that grants write permission (the COW fault handler) and forgets to flush: the stale
// read-only entry raises one more #PF, which invalidates it (SDM vol. 3A 4.10.4.1), and the retry
// sees the new PTE.
TEST_F(Stale, UpgradeWithoutFlushFaultsOnceThenWorks) {
  store(0x11000, 0x200000u | P | U);
  uint32_t phys;
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, true, phys));
  store(0x11000, 0x200000u | P | W | U | A);
  const auto f = mmu.translate(0x400000, Access::kWrite, true, phys);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->errorCode, 7u);
  EXPECT_EQ(rec.stale.size(), 1u);
  EXPECT_FALSE(mmu.translate(0x400000, Access::kWrite, true, phys));
  EXPECT_EQ(ram.word(0x11000), 0x200000u | P | W | U | A | D);
}

// A write through a stale entry filled by a read is not a stale use: the processor walks again to
// set D (SDM vol. 3A 4.8), so it uses the PTE as it is now.
TEST_F(Stale, WriteOnACleanStaleEntryWalksAgainAndUsesTheNewPte) {
  uint32_t phys;
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, true, phys));
  store(0x11000, 0x300000u | P | W | U);
  ASSERT_FALSE(mmu.translate(0x400000, Access::kWrite, true, phys));
  EXPECT_EQ(phys, 0x300000u);
  EXPECT_TRUE(rec.stale.empty());
  EXPECT_EQ(mmu.stats().staleUses, 0u);
  EXPECT_EQ(ram.word(0x11000), 0x300000u | P | W | U | A | D);
  EXPECT_FALSE(mmu.tlb().at(0, 0).stale);
}

TEST_F(Stale, StoresElsewhereInTheFrameAndUnwatchedFramesAreIgnored) {
  uint32_t phys;
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, true, phys));
  store(0x11008, 0x555000u | P);  // PTE 2: no entry behind it
  store(0x500000, 0x12345678);    // not a page-table frame
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, true, phys));
  EXPECT_TRUE(rec.stale.empty());
  // A 1-byte store into the middle of the PTE that changes its frame does count.
  ram.data()[0x11002] = 0x31;
  mmu.notePhysWrite(0x11002, 1);
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, true, phys));
  EXPECT_EQ(rec.stale.size(), 1u);
}

}  // namespace
