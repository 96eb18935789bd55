// The flush checker (mmu/flush_check.h): an unbounded shadow of the translations used since
// their flush, per address space. A store that changes one, followed by a use of it or a return
// to CPL 3 with no flush between, is one missing flush, reported once; flushes empty the shadow
// as an unbounded TLB's would, and a switch to another address space empties nothing.
#include <gtest/gtest.h>

#include <ostream>

#include "tests/mmu/flat_ram.h"

namespace mmu {
// How Google Test prints a parameter ("GetParam() = 8x4" in --gtest_list_tests and failures):
// found by argument-dependent lookup, so in the type's namespace. Without it Google Test dumps
// the struct's bytes, its padding after `split` included, which nothing initialises.
void PrintTo(const TlbGeometry& g, std::ostream* out) {
  *out << g.sets << "x" << g.ways << (g.split ? " split" : "");
}
}  // namespace mmu

namespace {

using namespace mmutest;
using mmu::Access;

constexpr uint32_t kDir = 0x10000;    // the first address space's page directory
constexpr uint32_t kTable = 0x11000;  // its page table for 0x400000-0x7FFFFF
constexpr uint32_t kDir2 = 0x20000;   // a second address space

class FlushCheck : public ::testing::TestWithParam<mmu::TlbGeometry> {
 protected:
  void SetUp() override {
    mmu.setObserver(&rec);
    mmu.setCycleCounter(&cycles);
    mmu.setInstructionPointer(&eip);
    space.map(0x400000, 0x200000, P | W | U);
    space.map(0x401000, 0x201000, P | W | U);
    space.map(0x402000, 0x202000, P | W | U);
    space2.map(0x400000, 0x300000, P | W | U);
    mmu.writeCr3(kDir);
    mmu.writeCr0(mmu::kCr0Pe | mmu::kCr0Pg | mmu::kCr0Wp);
  }
  // A guest store of a whole word, made by the instruction at `at`, the way the CPU reports it.
  void store(uint32_t pa, uint32_t value, uint32_t at = 0x80101234) {
    eip = at;
    ram.setWord(pa, value);
    mmu.notePhysWrite(pa, 4);
  }
  bool use(uint32_t linear, Access a = Access::kRead) {
    uint32_t phys;
    return !mmu.translate(linear, a, true, phys);
  }
  uint32_t pte(uint32_t linear) const { return space.pteAddr(linear); }

  FlatRam ram;
  Space space{ram, kDir, kTable};
  Space space2{ram, kDir2, 0x21000};
  mmu::Mmu mmu{ram, GetParam()};
  Recorder rec;
  uint64_t cycles = 1000;
  uint32_t eip = 0;
};

// copyuvm without its flush: the parent's PTE loses R/W; the next use of the page reports the
// store (cycle, EIP, the word before and after, the page) once; later uses are only counted.
TEST_P(FlushCheck, ChangedPteUsedAgainIsReportedOnceWithItsUses) {
  ASSERT_TRUE(use(0x400000, Access::kWrite));
  cycles = 5000;
  store(pte(0x400000), 0x200000 | P | U | A | D, 0x80104abc);
  EXPECT_TRUE(rec.missing.empty());  // a store alone is no missing flush
  use(0x400010);
  use(0x400020);
  use(0x400ffc);
  ASSERT_EQ(rec.missing.size(), 1u);
  const mmu::MissingFlush& m = rec.missing[0];
  EXPECT_EQ(m.space, kDir);
  EXPECT_EQ(m.page, 0x400000u);
  EXPECT_FALSE(m.large);
  EXPECT_EQ(m.wordAddr, pte(0x400000));
  EXPECT_EQ(m.before, 0x200000u | P | W | U);  // as the walk read it, before it set A and D
  EXPECT_EQ(m.after, 0x200000u | P | U | A | D);
  EXPECT_EQ(m.writeCycle, 5000u);
  EXPECT_EQ(m.writeEip, 0x80104abcu);
  EXPECT_FALSE(m.atReturn);
  EXPECT_EQ(m.linear, 0x400010u);
  EXPECT_EQ(m.access, Access::kRead);
  EXPECT_EQ(m.translations, 1u);
  EXPECT_EQ(mmu.stats().missingFlushes, 1u);
  EXPECT_EQ(mmu.stats().missingFlushUses, 3u);  // the three uses after the store
  ASSERT_EQ(mmu.flushCheck().records().size(), 1u);
  EXPECT_EQ(mmu.flushCheck().records()[0].uses, 3u);
  EXPECT_TRUE(mmu.flushCheck().records()[0].open);
  // Another page of the same table is not stale.
  use(0x401000);
  EXPECT_EQ(mmu.stats().missingFlushUses, 3u);
}

TEST_P(FlushCheck, ReturnToUserReportsWhatNoUseHasYet) {
  ASSERT_TRUE(use(0x400000));
  ASSERT_TRUE(use(0x401000));
  store(pte(0x400000), 0x200000 | P | U);
  store(pte(0x401000), 0x201000 | P | U);
  mmu.returnedToUser(0x1234);
  ASSERT_EQ(rec.missing.size(), 2u);
  EXPECT_TRUE(rec.missing[0].atReturn);
  EXPECT_EQ(rec.missing[0].linear, 0x1234u);
  EXPECT_EQ(rec.missing[0].page, 0x400000u);
  EXPECT_EQ(rec.missing[1].page, 0x401000u);
  // Each once: neither another return nor a use reports them again; the use is counted.
  mmu.returnedToUser(0x1234);
  use(0x400000);
  EXPECT_EQ(rec.missing.size(), 2u);
  EXPECT_EQ(mmu.stats().missingFlushes, 2u);
  EXPECT_EQ(mmu.stats().missingFlushUses, 1u);
}

TEST_P(FlushCheck, InvlpgOfThePageClearsIt) {
  ASSERT_TRUE(use(0x400000));
  ASSERT_TRUE(use(0x401000));
  store(pte(0x400000), 0x200000 | P | U);
  store(pte(0x401000), 0x201000 | P | U);
  mmu.invlpg(0x400abc);
  use(0x400000);
  EXPECT_TRUE(rec.missing.empty());
  mmu.returnedToUser(0);
  ASSERT_EQ(rec.missing.size(), 1u);  // the page INVLPG did not name
  EXPECT_EQ(rec.missing[0].page, 0x401000u);
}

TEST_P(FlushCheck, ReloadOfCr3ClearsNonGlobalOnly) {
  mmu.writeCr4(mmu::kCr4Pge);
  space.map(0x402000, 0x202000, P | W | U | G);
  ASSERT_TRUE(use(0x400000));
  ASSERT_TRUE(use(0x402000));
  store(pte(0x400000), 0x200000 | P | U);
  store(pte(0x402000), 0x202000 | P | U | G);
  mmu.writeCr3(kDir);  // the fix the lab asks for: reload the current page directory
  mmu.returnedToUser(0);
  ASSERT_EQ(rec.missing.size(), 1u);
  EXPECT_EQ(rec.missing[0].page, 0x402000u);  // the global page survives MOV to CR3
  EXPECT_EQ(rec.missing[0].space, mmu::FlushCheck::kGlobalSpace);
}

TEST_P(FlushCheck, TogglingPgeClearsGlobalToo) {
  mmu.writeCr4(mmu::kCr4Pge);
  space.map(0x402000, 0x202000, P | W | U | G);
  ASSERT_TRUE(use(0x402000));
  store(pte(0x402000), 0x202000 | P | U | G);
  mmu.writeCr4(0);
  mmu.writeCr4(mmu::kCr4Pge);
  use(0x402000);
  mmu.returnedToUser(0);
  EXPECT_TRUE(rec.missing.empty());
  EXPECT_EQ(mmu.flushCheck().shadowSize(), 1u);  // the use after the toggle
}

// A switch to another page directory empties nothing: the change made while the first address
// space was current is reported when it runs again, whatever the timer did in between.
TEST_P(FlushCheck, SwitchingAwayAndBackDoesNotHideTheChange) {
  ASSERT_TRUE(use(0x400000, Access::kWrite));
  store(pte(0x400000), 0x200000 | P | U);
  mmu.writeCr3(kDir2);                         // a context switch
  ASSERT_TRUE(use(0x400000, Access::kWrite));  // the other address space's own page
  mmu.returnedToUser(0x100);
  EXPECT_TRUE(rec.missing.empty());  // not this address space's change
  mmu.writeCr3(kDir);                // and back: on hardware this flushed, by luck
  mmu.returnedToUser(0x200);
  ASSERT_EQ(rec.missing.size(), 1u);
  EXPECT_EQ(rec.missing[0].space, kDir);
  EXPECT_EQ(rec.missing[0].linear, 0x200u);
}

// A store into the tables of an address space that is not current drops its translations: the
// MOV to CR3 that loads it again flushes them on any interleaving.
TEST_P(FlushCheck, ChangeToANonCurrentSpaceIsNotAMissingFlush) {
  mmu.writeCr3(kDir2);
  ASSERT_TRUE(use(0x400000));
  mmu.writeCr3(kDir);
  store(space2.pteAddr(0x400000), 0x300000 | P | U);
  mmu.writeCr3(kDir2);
  use(0x400000);
  mmu.returnedToUser(0);
  EXPECT_TRUE(rec.missing.empty());
}

TEST_P(FlushCheck, AccessedAndDirtyOnlyChangesAreNotReported) {
  ASSERT_TRUE(use(0x400000));
  store(pte(0x400000), 0x200000 | P | W | U | A | D);
  store(space.pdeAddr(0x400000), kTable | P | W | U | A);
  use(0x400000);
  mmu.returnedToUser(0);
  EXPECT_TRUE(rec.missing.empty());
  EXPECT_EQ(mmu.stats().missingFlushUses, 0u);
}

TEST_P(FlushCheck, PutBackBeforeAnyUseIsNotReported) {
  ASSERT_TRUE(use(0x400000));
  const uint32_t before = ram.word(pte(0x400000));
  store(pte(0x400000), 0x205000 | P | W | U);
  store(pte(0x400000), before);
  use(0x400000);
  mmu.returnedToUser(0);
  EXPECT_TRUE(rec.missing.empty());
}

// A PDE above shadowed translations: one record for the word, however many pages hang below.
TEST_P(FlushCheck, PdeChangeIsOneRecordForEveryPageBelowIt) {
  ASSERT_TRUE(use(0x400000));
  ASSERT_TRUE(use(0x401000));
  ASSERT_TRUE(use(0x402000));
  store(space.pdeAddr(0x400000), kTable | P | W);  // U/S cleared in the PDE
  mmu.returnedToUser(0);
  ASSERT_EQ(rec.missing.size(), 1u);
  EXPECT_EQ(rec.missing[0].wordAddr, space.pdeAddr(0x400000));
  EXPECT_EQ(rec.missing[0].translations, 3u);
  EXPECT_EQ(rec.missing[0].after, kTable | P | W);
}

TEST_P(FlushCheck, LargePagesAreShadowedAndFlushedByAnyAddressInThem) {
  mmu.writeCr4(mmu::kCr4Pse);
  space.mapLarge(0x800000, 0x800000, P | W | U);
  ASSERT_TRUE(use(0x9ff000));
  store(space.pdeAddr(0x800000), 0xc00000 | P | W | U | PS);  // another 4 MB frame
  use(0x800004, Access::kWrite);
  ASSERT_EQ(rec.missing.size(), 1u);
  EXPECT_TRUE(rec.missing[0].large);
  EXPECT_EQ(rec.missing[0].page, 0x800000u);
  EXPECT_EQ(rec.missing[0].access, Access::kWrite);
  mmu.invlpg(0xabc000);  // inside the 4 MB page
  use(0x800004);
  EXPECT_EQ(mmu.stats().missingFlushUses, 1u);
  EXPECT_FALSE(mmu.flushCheck().records()[0].open);
}

// SDM vol. 3A 4.10.4.1: a #PF drops the faulting page's entries, so a handler that fixes the
// PTE and returns without a flush is correct; under the lab's rule it is reported.
TEST_P(FlushCheck, FaultHandlerFixWithoutFlushIsFineUnlessTheLabRuleIsOn) {
  for (bool lab : {false, true}) {
    SCOPED_TRACE(lab ? "lab rule" : "hardware rule");
    mmu.setLabFlushRule(lab);
    store(pte(0x401000), 0x201000 | P | U);  // read-only, shared copy-on-write
    mmu.writeCr3(kDir);
    ASSERT_FALSE(use(0x401000, Access::kWrite));             // the COW fault
    store(pte(0x401000), 0x209000 | P | W | U, 0x80105000);  // the handler's copy, no flush
    ASSERT_TRUE(use(0x401000, Access::kWrite));              // the retry
    EXPECT_EQ(rec.missing.size(), lab ? 1u : 0u);
    if (lab) {
      EXPECT_EQ(rec.missing[0].writeEip, 0x80105000u);
      EXPECT_EQ(rec.missing[0].before, 0x201000u | P | U);
    }
    rec.missing.clear();
    mmu.writeCr3(kDir);
    store(pte(0x401000), 0x201000 | P | W | U);
  }
}

TEST_P(FlushCheck, TheCpusStoresIntoShadowedTablesAreWatched) {
  ASSERT_TRUE(use(0x400000));
  EXPECT_TRUE(mmu.watched(kTable >> 12) & mmu::Mmu::kWatchFlushCheck);
  EXPECT_TRUE(mmu.watched(kDir >> 12) & mmu::Mmu::kWatchFlushCheck);
  mmu.writeCr3(kDir);
  EXPECT_FALSE(mmu.watched(kTable >> 12) & mmu::Mmu::kWatchFlushCheck);
  EXPECT_EQ(mmu.flushCheck().shadowSize(), 0u);
}

// The same answers whatever the TLB holds: one entry, the 80386's 32, or 256.
INSTANTIATE_TEST_SUITE_P(Geometries, FlushCheck,
                         ::testing::Values(mmu::TlbGeometry{1, 1}, mmu::TlbGeometry{8, 4},
                                           mmu::TlbGeometry{64, 4}),
                         [](const auto& p) {
                           return std::to_string(p.param.sets) + "x" + std::to_string(p.param.ways);
                         });

}  // namespace
