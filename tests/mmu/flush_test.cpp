// Flushes (Intel SDM vol. 3A 4.10.4.1): MOV to CR3 drops every entry except global ones when
// CR4.PGE=1; INVLPG drops one page, global or not; changing CR0.PG/WP or CR4.PSE/PGE drops all.
// Each publishes TlbFlush with the number of valid entries dropped.
#include <gtest/gtest.h>

#include "tests/mmu/flat_ram.h"

namespace {

using namespace mmutest;
using mmu::Access;
using mmu::FlushKind;

class Flushes : public ::testing::Test {
 protected:
  void SetUp() override {
    mmu.setCycleCounter(&cycles);
    mmu.setObserver(&rec);
    space.map(0x400000, 0x200000, P | W);      // set 0
    space.map(0x401000, 0x201000, P | W);      // set 1
    space.map(0x402000, 0x202000, P | W | G);  // set 2, global
    mmu.writeCr3(0x10000);
    mmu.writeCr0(mmu::kCr0Pe | mmu::kCr0Pg);
    rec = Recorder{};
    cycles = 0;
  }
  void touchAll() {
    uint32_t phys;
    for (uint32_t p = 0x400000; p < 0x403000; p += 0x1000) {
      ASSERT_FALSE(mmu.translate(p, Access::kRead, false, phys));
    }
  }
  uint64_t flushes(FlushKind k) { return mmu.stats().flushes[static_cast<size_t>(k)]; }
  uint64_t dropped(FlushKind k) { return mmu.stats().flushDropped[static_cast<size_t>(k)]; }

  FlatRam ram;
  Space space{ram, 0x10000, 0x11000};
  mmu::Mmu mmu{ram};
  uint64_t cycles = 0;
  Recorder rec;
};

TEST_F(Flushes, Cr3ReloadDropsEverythingWithoutPge) {
  touchAll();
  mmu.writeCr3(0x10000);
  ASSERT_EQ(rec.flushes.size(), 1u);
  EXPECT_EQ(rec.flushes[0].dropped, 3u);  // the G bit means nothing with CR4.PGE=0
  EXPECT_EQ(mmu.tlb().validCount(), 0u);
}

TEST_F(Flushes, GlobalEntriesSurviveCr3ReloadUnderPge) {
  touchAll();
  mmu.writeCr4(mmu::kCr4Pge);  // changing PGE drops everything
  ASSERT_EQ(rec.flushes.size(), 1u);
  EXPECT_EQ(rec.flushes[0].kind, FlushKind::kCr4);
  EXPECT_EQ(rec.flushes[0].dropped, 3u);
  touchAll();
  EXPECT_EQ(mmu.stats().tlbMisses, 6u);
  mmu.writeCr3(0x10000);
  ASSERT_EQ(rec.flushes.size(), 2u);
  EXPECT_EQ(rec.flushes[1].kind, FlushKind::kCr3Write);
  EXPECT_EQ(rec.flushes[1].dropped, 2u);  // the two non-global entries
  EXPECT_EQ(mmu.tlb().validCount(), 1u);
  touchAll();  // the global page hits; the other two miss again
  EXPECT_EQ(mmu.stats().tlbMisses, 8u);
  EXPECT_EQ(mmu.stats().tlbHits, 1u);
  // INVLPG drops a global entry too.
  mmu.invlpg(0x402FFF);
  EXPECT_EQ(rec.flushes.back().dropped, 1u);
  EXPECT_EQ(rec.flushes.back().kind, FlushKind::kInvlpg);
  EXPECT_EQ(mmu.tlb().validCount(), 2u);
  // Totals by kind: CR4 1 flush / 3 dropped; CR3 2 / 2 (SetUp's load dropped 0); INVLPG 1 / 1.
  EXPECT_EQ(flushes(FlushKind::kCr4), 1u);
  EXPECT_EQ(dropped(FlushKind::kCr4), 3u);
  EXPECT_EQ(flushes(FlushKind::kCr3Write), 2u);
  EXPECT_EQ(dropped(FlushKind::kCr3Write), 2u);
  EXPECT_EQ(flushes(FlushKind::kInvlpg), 1u);
  EXPECT_EQ(dropped(FlushKind::kInvlpg), 1u);
}

TEST_F(Flushes, InvlpgDropsOnlyItsPage) {
  touchAll();
  mmu.invlpg(0x401234);
  EXPECT_EQ(rec.flushes.back().dropped, 1u);
  EXPECT_EQ(mmu.tlb().validCount(), 2u);
  EXPECT_FALSE(mmu.tlb().at(1, 0).valid);
  mmu.invlpg(0x500000);  // nothing cached there: still a flush, dropping 0
  EXPECT_EQ(rec.flushes.back().dropped, 0u);
  EXPECT_EQ(cycles, 3 * (9u + 2 + 2) - 2 * 2);  // the PDE's A is written once; INVLPG is the CPU's
}

TEST_F(Flushes, Cr0AndCr4ChangesThatMatterDropAll) {
  touchAll();
  mmu.writeCr0(mmu::kCr0Pe | mmu::kCr0Pg | mmu::kCr0Wp);
  ASSERT_EQ(rec.flushes.size(), 1u);
  EXPECT_EQ(rec.flushes[0].kind, FlushKind::kCr0);
  EXPECT_EQ(rec.flushes[0].dropped, 3u);
  touchAll();
  mmu.writeCr0(mmu::kCr0Pe | mmu::kCr0Pg | mmu::kCr0Wp | 0x20);  // CR0.NE: no flush
  mmu.writeCr4(1u << 9);                                         // CR4.OSFXSR: no flush
  EXPECT_EQ(rec.flushes.size(), 1u);
  mmu.writeCr4((1u << 9) | mmu::kCr4Pse);
  ASSERT_EQ(rec.flushes.size(), 2u);
  EXPECT_EQ(rec.flushes[1].kind, FlushKind::kCr4);
  EXPECT_EQ(rec.flushes[1].dropped, 3u);
  touchAll();
  mmu.writeCr0(mmu::kCr0Pe);  // paging off
  EXPECT_EQ(rec.flushes.back().dropped, 3u);
  uint32_t phys;
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, false, phys));
  EXPECT_EQ(phys, 0x400000u);
}

TEST_F(Flushes, StatsPerAddressSpace) {
  // A second address space at 0x20000 mapping 0x400000 -> 0x300000.
  Space other{ram, 0x20000, 0x21000};
  other.map(0x400000, 0x300000, P | W);
  touchAll();  // 3 misses in space 0x10000
  uint32_t phys;
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, false, phys));  // a hit there
  mmu.writeCr3(0x20000);
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, false, phys));
  EXPECT_EQ(phys, 0x300000u);
  EXPECT_EQ(mmu.hostRead(0x400000, false), ram.data() + 0x300000);   // a host hit in 0x20000
  EXPECT_TRUE(mmu.translate(0x401000, Access::kRead, false, phys));  // not mapped there
  const auto by = mmu.statsByAddressSpace();
  const mmu::MmuStats& a = by.at(0x10000);
  const mmu::MmuStats& b = by.at(0x20000);
  EXPECT_EQ(a.tlbMisses, 3u);
  EXPECT_EQ(a.tlbHits, 1u);
  EXPECT_EQ(a.flushes[static_cast<size_t>(FlushKind::kCr3Write)], 1u);  // counted to the old space
  EXPECT_EQ(a.flushDropped[static_cast<size_t>(FlushKind::kCr3Write)], 3u);
  EXPECT_EQ(b.tlbMisses, 2u);
  EXPECT_EQ(b.tlbHits, 1u);
  EXPECT_EQ(b.pageFaults[0], 1u);  // supervisor read, not present
  EXPECT_EQ(mmu.stats().tlbMisses, 5u);
  EXPECT_EQ(mmu.stats().tlbHits, 2u);
  ASSERT_EQ(rec.cr3Writes.size(), 1u);
  EXPECT_EQ(rec.cr3Writes[0].oldCr3, 0x10000u);
  EXPECT_EQ(rec.cr3Writes[0].newCr3, 0x20000u);
}

}  // namespace
