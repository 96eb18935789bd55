// First MMU tests: identity with paging off, the miss/hit path, A/D commits, faults, the host
// cache, frame watching, the stale-TLB detector and flush events. The expected cycle numbers come
// from mmu/cost_model.h: miss 9, A/D write-back 2 each (MOV CR3, INVLPG and #PF delivery are
// charged by the CPU, not here).
#include <gtest/gtest.h>

#include <string>

#include "tests/mmu/flat_ram.h"

namespace {

using namespace mmutest;
using mmu::Access;

class MmuBasic : public ::testing::Test {
 protected:
  void SetUp() override {
    mmu.setCycleCounter(&cycles);
    mmu.setObserver(&rec);
  }
  // Page directory at 0x10000, first page table at 0x11000; 0x400000 -> 0x200000 (P|W|U).
  void enablePaging() {
    space.map(0x400000, 0x200000, P | W | U);
    mmu.writeCr3(0x10000);
    mmu.writeCr0(mmu::kCr0Pe | mmu::kCr0Pg);
    cycles = 0;
    rec = Recorder{};
  }
  std::optional<mmu::Fault> tr(uint32_t linear, Access a, bool user, uint32_t& phys) {
    return mmu.translate(linear, a, user, phys);
  }

  FlatRam ram;
  Space space{ram, 0x10000, 0x11000};
  mmu::Mmu mmu{ram};
  uint64_t cycles = 0;
  Recorder rec;
};

TEST_F(MmuBasic, PagingOffIsIdentityAndNotCountedAsTlbUse) {
  uint32_t phys = 0;
  ASSERT_FALSE(tr(0x1234, Access::kRead, false, phys));
  EXPECT_EQ(phys, 0x1234u);
  EXPECT_EQ(mmu.hostRead(0x1238, false), ram.data() + 0x1238);
  EXPECT_EQ(mmu.hostWrite(0x1238, false), ram.data() + 0x1238);
  EXPECT_EQ(mmu.hostFetch(0x1FFF, false), ram.data() + 0x1FFF);
  EXPECT_EQ(mmu.hostRead(0x1238, true), nullptr);  // the user table was not filled
  // Beyond RAM (16 MB): translated, but never a host pointer.
  ASSERT_FALSE(tr(0x2000000, Access::kWrite, false, phys));
  EXPECT_EQ(phys, 0x2000000u);
  EXPECT_EQ(mmu.hostWrite(0x2000000, false), nullptr);
  EXPECT_EQ(mmu.stats().tlbHits, 0u);
  EXPECT_EQ(mmu.stats().tlbMisses, 0u);
  EXPECT_EQ(cycles, 0u);
}

TEST_F(MmuBasic, MissWalksSetsAccessedAndFills) {
  enablePaging();
  uint32_t phys = 0;
  ASSERT_FALSE(tr(0x400123, Access::kRead, true, phys));
  EXPECT_EQ(phys, 0x200123u);
  EXPECT_EQ(ram.word(0x10004), 0x11000u | P | W | U | A);   // PDE for dir index 1
  EXPECT_EQ(ram.word(0x11000), 0x200000u | P | W | U | A);  // PTE 0: A, no D on a read
  EXPECT_EQ(cycles, 9u + 2 + 2);                            // miss + two A write-backs
  ASSERT_EQ(rec.misses.size(), 1u);
  EXPECT_EQ(rec.misses[0].walk.pdeAddr, 0x10004u);
  EXPECT_EQ(rec.misses[0].walk.pde, 0x11000u | P | W | U);  // as read, before the A write
  EXPECT_EQ(rec.misses[0].walk.pteAddr, 0x11000u);
  EXPECT_EQ(rec.misses[0].walk.pte, 0x200000u | P | W | U);
  EXPECT_FALSE(rec.misses[0].faulted);
  // Page 0x400 goes to set 0x400 % 8 = 0, the first invalid way 0.
  const mmu::TlbEntry& e = mmu.tlb().at(0, 0);
  EXPECT_TRUE(e.valid);
  EXPECT_EQ(e.pageBase, 0x400000u);
  EXPECT_EQ(e.frame, 0x200000u);
  EXPECT_TRUE(e.user);
  EXPECT_TRUE(e.writable);
  EXPECT_FALSE(e.dirty);
  EXPECT_EQ(e.walk.pte, 0x200000u | P | W | U | A);  // what the entry holds, after the fill

  ASSERT_FALSE(tr(0x400FFF, Access::kRead, true, phys));
  EXPECT_EQ(phys, 0x200FFFu);
  EXPECT_EQ(cycles, 13u);  // a hit costs 0
  EXPECT_EQ(mmu.hostRead(0x400456, true), ram.data() + 0x200456);
  EXPECT_EQ(mmu.hostFetch(0x400456, true), ram.data() + 0x200456);  // unified TLB
  EXPECT_EQ(mmu.hostWrite(0x400456, true), nullptr);                // clean: D must be set first
  EXPECT_EQ(mmu.hostFrame(0x400456, Access::kFetch, true), 0x200u);
  EXPECT_EQ(mmu.hostFrame(0x400456, Access::kWrite, true), mmu::Mmu::kNoFrame);
  EXPECT_EQ(mmu.hostFrame(0x401000, Access::kRead, true), mmu::Mmu::kNoFrame);
  const mmu::MmuStats s = mmu.stats();
  EXPECT_EQ(s.tlbMisses, 1u);
  EXPECT_EQ(s.walks, 1u);
  EXPECT_EQ(s.tlbHits, 3u);  // one translate() hit, two host hits
  EXPECT_EQ(mmu.statsByAddressSpace().at(0x10000).tlbHits, 3u);
}

TEST_F(MmuBasic, WriteOnCleanEntryWalksAgainAndSetsDirty) {
  enablePaging();
  uint32_t phys = 0;
  ASSERT_FALSE(tr(0x400000, Access::kRead, true, phys));
  ASSERT_FALSE(tr(0x400010, Access::kWrite, true, phys));
  EXPECT_EQ(phys, 0x200010u);
  EXPECT_EQ(ram.word(0x11000), 0x200000u | P | W | U | A | D);
  EXPECT_EQ(ram.word(0x10004), 0x11000u | P | W | U | A);  // D never in a PDE that is not a leaf
  EXPECT_EQ(cycles, 13u + 9 + 2);                          // re-walk + the D write-back
  EXPECT_EQ(mmu.stats().tlbHits, 1u);
  EXPECT_EQ(mmu.stats().tlbMisses, 1u);
  EXPECT_EQ(mmu.stats().walks, 2u);
  EXPECT_EQ(mmu.hostWrite(0x400020, true), ram.data() + 0x200020);
  EXPECT_EQ(mmu.tlb().validCount(), 1u);
}

TEST_F(MmuBasic, NotPresentFaultChangesNothing) {
  enablePaging();
  uint32_t phys = 0xDEAD;
  auto f = tr(0x800005, Access::kWrite, true, phys);  // PDE 2 is not present
  ASSERT_TRUE(f);
  EXPECT_EQ(f->linear, 0x800005u);
  EXPECT_EQ(f->errorCode, 6u);  // P=0, W=1, U=1
  EXPECT_EQ(phys, 0xDEADu);
  EXPECT_EQ(cycles, 9u);  // the walk; delivery is the CPU's
  EXPECT_EQ(mmu.tlb().validCount(), 0u);
  ASSERT_EQ(rec.faults.size(), 1u);
  EXPECT_EQ(rec.faults[0].cr2, 0x800005u);
  EXPECT_EQ(rec.faults[0].cr3, 0x10000u);
  EXPECT_EQ(rec.faults[0].errorCode, 6u);
  EXPECT_EQ(mmu.stats().pageFaults[6], 1u);

  // PTE not present: the PDE is present, yet its A bit stays clear (a fault sets no bit).
  ram.setWord(0x11004, 0);
  f = tr(0x401000, Access::kRead, false, phys);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->errorCode, 0u);
  EXPECT_EQ(ram.word(0x10004), 0x11000u | P | W | U);
  EXPECT_EQ(mmu.stats().pageFaultTotal(), 2u);
}

TEST_F(MmuBasic, PageTableFramesAreWatchedAndNeverWrittenThroughTheHostCache) {
  enablePaging();
  space.map(0x401000, 0x11000, P | W | U | D);  // the page table itself, mapped at 0x401000
  uint32_t phys = 0;
  ASSERT_FALSE(tr(0x401000, Access::kWrite, false, phys));
  EXPECT_EQ(phys, 0x11000u);
  // Watched for the TLB entry and for the flush checker's shadow of the same translation.
  constexpr uint8_t kBoth = mmu::Mmu::kWatchPageTable | mmu::Mmu::kWatchFlushCheck;
  EXPECT_EQ(mmu.watched(0x10), kBoth);
  EXPECT_EQ(mmu.watched(0x11), kBoth);
  EXPECT_EQ(mmu.watched(0x200), 0u);
  EXPECT_EQ(mmu.hostWrite(0x401000, false), nullptr);
  EXPECT_EQ(mmu.hostRead(0x401000, false), ram.data() + 0x11000);
  // The CPU watching code in a frame drops write shortcuts into it.
  ASSERT_FALSE(tr(0x400000, Access::kWrite, false, phys));
  ASSERT_NE(mmu.hostWrite(0x400000, false), nullptr);
  mmu.watchFrame(0x200, mmu::Mmu::kWatchCode);
  EXPECT_EQ(mmu.hostWrite(0x400000, false), nullptr);
  // A full flush (a reload of CR3 empties the shadow too) unwatches the page-table frames but
  // leaves the CPU's reason alone.
  mmu.writeCr3(0x10000);
  EXPECT_EQ(mmu.watched(0x10), 0u);
  EXPECT_EQ(mmu.watched(0x200), mmu::Mmu::kWatchCode);
}

TEST_F(MmuBasic, StaleEntryIsUsedAndReportedUntilInvlpg) {
  enablePaging();
  uint32_t phys = 0;
  ASSERT_FALSE(tr(0x400000, Access::kRead, true, phys));
  // The guest points the PTE at another frame without flushing.
  ram.setWord(0x11000, 0x300000u | P | W | U);
  mmu.notePhysWrite(0x11000, 4);
  EXPECT_EQ(mmu.hostRead(0x400000, true), nullptr);  // every use now goes through translate()
  ASSERT_FALSE(tr(0x400008, Access::kRead, true, phys));
  EXPECT_EQ(phys, 0x200008u);  // the old frame, as the hardware would
  ASSERT_EQ(rec.stale.size(), 1u);
  EXPECT_EQ(rec.stale[0].linear, 0x400008u);
  EXPECT_EQ(rec.stale[0].wordAddr, 0x11000u);
  EXPECT_EQ(rec.stale[0].cachedPte, 0x200000u | P | W | U | A);
  EXPECT_EQ(rec.stale[0].memoryPte, 0x300000u | P | W | U);
  EXPECT_EQ(rec.stale[0].cachedFrame, 0x200000u);
  ASSERT_FALSE(tr(0x400008, Access::kRead, true, phys));
  EXPECT_EQ(rec.stale.size(), 1u);       // published once per change
  EXPECT_EQ(mmu.stats().staleUses, 1u);  // and counted once: the first use after the change
  mmu.invlpg(0x400ABC);
  ASSERT_EQ(rec.flushes.size(), 1u);
  EXPECT_EQ(rec.flushes[0].kind, mmu::FlushKind::kInvlpg);
  EXPECT_EQ(rec.flushes[0].address, 0x400000u);
  EXPECT_EQ(rec.flushes[0].dropped, 1u);
  ASSERT_FALSE(tr(0x400008, Access::kRead, true, phys));
  EXPECT_EQ(phys, 0x300008u);
  EXPECT_EQ(rec.stale.size(), 1u);
  EXPECT_EQ(mmu.stats().staleUses, 1u);
}

TEST_F(MmuBasic, AccessedDirtyOnlyStoresDoNotMakeEntriesStale) {
  enablePaging();
  uint32_t phys = 0;
  ASSERT_FALSE(tr(0x400000, Access::kRead, true, phys));
  ram.setWord(0x11000, 0x200000u | P | W | U | D);  // A cleared, D set: neither matters
  mmu.notePhysWrite(0x11000, 4);
  EXPECT_EQ(mmu.hostRead(0x400000, true), ram.data() + 0x200000);
  EXPECT_FALSE(mmu.tlb().at(0, 0).stale);
}

TEST_F(MmuBasic, Cr3WriteFlushesAndPublishes) {
  enablePaging();
  space.map(0x401000, 0x201000, P | W | U);
  uint32_t phys = 0;
  ASSERT_FALSE(tr(0x400000, Access::kRead, false, phys));
  ASSERT_FALSE(tr(0x401000, Access::kRead, false, phys));
  mmu.writeCr3(0x10000);
  EXPECT_EQ(cycles, 2 * (9u + 2 + 2) - 2);  // the second walk finds the PDE's A already set
  ASSERT_EQ(rec.cr3Writes.size(), 1u);
  EXPECT_EQ(rec.cr3Writes[0].oldCr3, 0x10000u);
  EXPECT_EQ(rec.cr3Writes[0].newCr3, 0x10000u);
  ASSERT_EQ(rec.flushes.size(), 1u);
  EXPECT_EQ(rec.flushes[0].kind, mmu::FlushKind::kCr3Write);
  EXPECT_EQ(rec.flushes[0].dropped, 2u);
  EXPECT_EQ(mmu.tlb().validCount(), 0u);
  EXPECT_EQ(mmu.hostRead(0x400000, false), nullptr);
  EXPECT_EQ(mmu.stats().flushDropped[static_cast<size_t>(mmu::FlushKind::kCr3Write)], 2u);
}

TEST(MmuGeometry, RejectsBadGeometryWithAClearError) {
  std::string error;
  EXPECT_TRUE((mmu::TlbGeometry{}.validate(error)));
  EXPECT_TRUE((mmu::TlbGeometry{4096, 64, true}.validate(error)));
  EXPECT_TRUE((mmu::TlbGeometry{1, 1, false}.validate(error)));
  EXPECT_EQ(error, "");
  EXPECT_FALSE((mmu::TlbGeometry{6, 4, false}.validate(error)));
  EXPECT_EQ(error, "sets must be a power of two from 1 to 4096");
  EXPECT_FALSE((mmu::TlbGeometry{8192, 4, false}.validate(error)));
  EXPECT_EQ(error, "sets must be a power of two from 1 to 4096");
  EXPECT_FALSE((mmu::TlbGeometry{8, 0, false}.validate(error)));
  EXPECT_EQ(error, "ways must be 1 to 64");
  EXPECT_FALSE((mmu::TlbGeometry{8, 65, false}.validate(error)));
  EXPECT_EQ(error, "ways must be 1 to 64");
}

// Errors are values at the boundary; a geometry that skipped validate() is the caller's bug, and
// the constructor stops with the reason instead of building a TLB it would index outside of.
TEST(MmuGeometryDeathTest, UncheckedBadGeometryStopsWithTheReason) {
  FlatRam ram(1 << 20);
  EXPECT_DEATH(mmu::Mmu(ram, mmu::TlbGeometry{6, 4, false}),
               "mmu: TLB geometry 6x4: sets must be a power of two from 1 to 4096");
}

// One way to write a paging word, the trace's and the view's: the set bits by name, low first.
TEST(PagingWords, FlagsNameTheSetBits) {
  EXPECT_EQ(mmu::flagsText(0, 9), "-");
  EXPECT_EQ(mmu::flagsText(0x00200000, 9), "-");  // frame bits only
  EXPECT_EQ(mmu::flagsText(0x00200007, 9), "P W U");
  EXPECT_EQ(mmu::flagsText(0x00200025, 9), "P U A");
  EXPECT_EQ(mmu::flagsText(0x00200225, 9), "P U A COW");
  EXPECT_EQ(mmu::flagsText(0x00200225, 32), "P U A");  // no COW bit
  EXPECT_EQ(mmu::flagsText(0x000001FF, 9), "P W U PWT PCD A D PS G");
  EXPECT_EQ(mmu::flagsText(0x00000206, 9), "W U COW");  // not present: the bits still named
  EXPECT_EQ(mmu::flagsText(0x00000400, 10), "COW");
}

}  // namespace
