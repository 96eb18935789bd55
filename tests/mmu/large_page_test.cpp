// 4 MB pages (CR4.PSE=1, PDE.PS=1; Intel SDM vol. 3A 4.3, table 4-4): one PDE read per walk,
// A and D in the PDE, RSVD faults for bits 21:13, one TLB entry per 4 MB, INVLPG anywhere in it.
#include <gtest/gtest.h>

#include "tests/mmu/flat_ram.h"

namespace {

using namespace mmutest;
using mmu::Access;

class LargePages : public ::testing::Test {
 protected:
  void SetUp() override {
    mmu.setCycleCounter(&cycles);
    mmu.setObserver(&rec);
    // 0x80000000 -> physical 0x00400000 (dir index 0x200), kernel read/write.
    space.mapLarge(0x80000000, 0x00400000, P | W);
    mmu.writeCr3(0x10000);
    mmu.writeCr4(mmu::kCr4Pse);
    mmu.writeCr0(mmu::kCr0Pe | mmu::kCr0Pg | mmu::kCr0Wp);
    cycles = 0;
    ram.reads = ram.writes = 0;
    rec = Recorder{};
  }
  static constexpr uint32_t kPde = 0x10000 + 0x200 * 4;

  FlatRam ram;  // 16 MB
  Space space{ram, 0x10000, 0x11000};
  mmu::Mmu mmu{ram};
  uint64_t cycles = 0;
  Recorder rec;
};

TEST_F(LargePages, OneWordWalkAndAccessedDirtyInThePde) {
  uint32_t phys = 0;
  ASSERT_FALSE(mmu.translate(0x80123456, Access::kRead, false, phys));
  EXPECT_EQ(phys, 0x00523456u);
  EXPECT_EQ(ram.reads, 1u);  // the PDE only
  EXPECT_EQ(ram.word(kPde), 0x00400000u | P | W | PS | A);
  EXPECT_EQ(cycles, 9u + 2);  // miss + one A write-back
  ASSERT_EQ(rec.misses.size(), 1u);
  EXPECT_TRUE(rec.misses[0].walk.large);
  EXPECT_EQ(rec.misses[0].walk.pteAddr, 0u);
  // The entry lives in set (0x80000000 >> 22) % 8 = 0x200 % 8 = 0.
  const mmu::TlbEntry& e = mmu.tlb().at(0, 0);
  EXPECT_TRUE(e.valid && e.large);
  EXPECT_EQ(e.pageBase, 0x80000000u);
  EXPECT_EQ(e.frame, 0x00400000u);

  // Anywhere else in the 4 MB page: a hit on the same entry.
  ASSERT_FALSE(mmu.translate(0x803FFFFC, Access::kRead, false, phys));
  EXPECT_EQ(phys, 0x007FFFFCu);
  EXPECT_EQ(mmu.stats().tlbMisses, 1u);
  EXPECT_EQ(mmu.stats().tlbHits, 1u);
  EXPECT_EQ(mmu.hostRead(0x803FF000, false), ram.data() + 0x7FF000);

  // A write: the clean entry walks again and D goes into the PDE (the leaf).
  ASSERT_FALSE(mmu.translate(0x80000010, Access::kWrite, false, phys));
  EXPECT_EQ(ram.word(kPde), 0x00400000u | P | W | PS | A | D);
  EXPECT_EQ(cycles, 11u + 9 + 2);
  EXPECT_EQ(mmu.hostWrite(0x80000010, false), ram.data() + 0x400010);
  EXPECT_EQ(mmu.tlb().validCount(), 1u);
}

TEST_F(LargePages, ReservedBitsFaultWithRsvdAndChangeNothing) {
  ram.setWord(kPde, 0x00400000u | P | W | U | PS | (1u << 13));
  uint32_t phys = 0;
  auto f = mmu.translate(0x80000000, Access::kRead, false, phys);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->errorCode, 1u | 8u);  // P=1, RSVD
  f = mmu.translate(0x80000000, Access::kWrite, true, phys);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->errorCode, 1u | 2u | 4u | 8u);  // P, W, U, RSVD
  EXPECT_EQ(ram.word(kPde), 0x00400000u | P | W | U | PS | (1u << 13));
  EXPECT_EQ(mmu.tlb().validCount(), 0u);
  EXPECT_EQ(mmu.stats().reservedFaults, 2u);
  EXPECT_EQ(mmu.stats().pageFaults[1], 1u);  // classes are error code & 7
  EXPECT_EQ(mmu.stats().pageFaults[7], 1u);
  // Bit 21 too; bit 12 (PAT on later processors) is not reserved here.
  ram.setWord(kPde, 0x00400000u | P | W | PS | (1u << 21));
  EXPECT_TRUE(mmu.translate(0x80000000, Access::kRead, false, phys));
  ram.setWord(kPde, 0x00400000u | P | W | PS | (1u << 12));
  EXPECT_FALSE(mmu.translate(0x80000000, Access::kRead, false, phys));
}

TEST_F(LargePages, WithoutPsePsIsIgnored) {
  mmu.writeCr4(0);
  // The PDE now points at a "page table" at 0x400000; put a PTE there for index 0x123.
  ram.setWord(0x00400000 + 0x123 * 4, 0x00009000u | P);
  uint32_t phys = 0;
  ASSERT_FALSE(mmu.translate(0x80123456, Access::kRead, false, phys));
  EXPECT_EQ(phys, 0x00009456u);
  EXPECT_FALSE(mmu.tlb().at(0x123 % 8, 0).large);
}

TEST_F(LargePages, InvlpgAnywhereInTheLargePageDropsIt) {
  uint32_t phys = 0;
  ASSERT_FALSE(mmu.translate(0x80000000, Access::kRead, false, phys));
  ASSERT_NE(mmu.hostRead(0x80000000, false), nullptr);
  mmu.invlpg(0x80345678);
  ASSERT_EQ(rec.flushes.size(), 1u);
  EXPECT_EQ(rec.flushes[0].dropped, 1u);
  EXPECT_EQ(rec.flushes[0].address, 0x80345000u);
  EXPECT_EQ(mmu.tlb().validCount(), 0u);
  EXPECT_EQ(mmu.hostRead(0x80000000, false), nullptr);  // its host shortcuts went with it
}

TEST_F(LargePages, CurrentKernelAndUserPermissionsOfALargePage) {
  uint32_t phys = 0;
  auto f = mmu.translate(0x80000000, Access::kRead, true, phys);  // U/S=0 in the PDE
  ASSERT_TRUE(f);
  EXPECT_EQ(f->errorCode, 1u | 4u);
  ram.setWord(kPde, 0x00400000u | P | U | PS);  // user, read-only
  EXPECT_FALSE(mmu.translate(0x80000000, Access::kRead, true, phys));
  f = mmu.translate(0x80000000, Access::kWrite, false, phys);  // CR0.WP=1: kernel honours R/W
  ASSERT_TRUE(f);
  EXPECT_EQ(f->errorCode, 1u | 2u);
}

TEST_F(LargePages, StaleLargeEntryAfterThePdeChanges) {
  uint32_t phys = 0;
  ASSERT_FALSE(mmu.translate(0x80000000, Access::kRead, false, phys));
  ram.setWord(kPde, 0x00800000u | P | W | PS);  // a different 4 MB frame, no flush
  mmu.notePhysWrite(kPde, 4);
  ASSERT_FALSE(mmu.translate(0x80000004, Access::kRead, false, phys));
  EXPECT_EQ(phys, 0x00400004u);
  ASSERT_EQ(rec.stale.size(), 1u);
  EXPECT_EQ(rec.stale[0].wordAddr, kPde);
  EXPECT_EQ(rec.stale[0].memoryPte, 0x00800000u | P | W | PS);
  EXPECT_EQ(rec.stale[0].cachedFrame, 0x00400000u);
}

}  // namespace
