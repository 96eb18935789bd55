// Tools API: probe() answers like a real access without side effects; mappings() lists an address
// space; cycle charges follow mmu/cost_model.h.
#include <gtest/gtest.h>

#include <cstring>

#include "tests/mmu/flat_ram.h"

namespace {

using namespace mmutest;
using mmu::Access;

class Tools : public ::testing::Test {
 protected:
  void SetUp() override {
    mmu.setCycleCounter(&cycles);
    mmu.setObserver(&rec);
    space.map(0x400000, 0x200000, P | W | U);
    space.map(0x401000, 0x201000, P | U);            // user read-only
    space.map(0x403000, 0x203000, P | W);            // kernel only
    space.map(0x7FFFF000, 0x204000, P | W | U | G);  // last page of dir index 0x1FF
    space.mapLarge(0x80000000, 0x00400000, P | W | G);
    mmu.writeCr3(0x10000);
    mmu.writeCr4(mmu::kCr4Pse);
    mmu.writeCr0(mmu::kCr0Pe | mmu::kCr0Pg | mmu::kCr0Wp);
    cycles = 0;
    rec = Recorder{};
  }
  FlatRam ram;
  Space space{ram, 0x10000, 0x11000};
  mmu::Mmu mmu{ram};
  uint64_t cycles = 0;
  Recorder rec;
};

TEST_F(Tools, ProbeHasNoSideEffectsAndAgreesWithTranslate) {
  struct Q {
    uint32_t linear;
    Access access;
    bool user;
  };
  const Q queries[] = {
      {0x400010, Access::kRead, true},    {0x400010, Access::kWrite, true},
      {0x401010, Access::kWrite, true},   {0x401010, Access::kFetch, true},
      {0x403000, Access::kRead, true},    {0x403000, Access::kWrite, false},
      {0x402000, Access::kRead, false},   {0x900000, Access::kWrite, true},
      {0x80123456, Access::kRead, false}, {0x80123456, Access::kRead, true},
  };
  std::vector<uint8_t> before(ram.data(), ram.data() + 0x40000);  // directory and tables
  for (const Q& q : queries) {
    const mmu::ProbeResult p = mmu.probe(0x10000, q.linear, q.access, q.user);
    EXPECT_FALSE(p.fromTlb);
  }
  EXPECT_EQ(std::memcmp(before.data(), ram.data(), before.size()), 0);
  EXPECT_EQ(mmu.tlb().validCount(), 0u);
  EXPECT_EQ(cycles, 0u);
  EXPECT_EQ(mmu.stats().walks, 0u);
  EXPECT_TRUE(rec.misses.empty() && rec.faults.empty());
  EXPECT_EQ(ram.writes, 0u);

  for (const Q& q : queries) {
    SCOPED_TRACE(q.linear);
    const mmu::ProbeResult p = mmu.probe(0x10000, q.linear, q.access, q.user);
    uint32_t phys = 0;
    const auto f = mmu.translate(q.linear, q.access, q.user, phys);
    ASSERT_EQ(f.has_value(), p.fault.has_value());
    if (f) {
      EXPECT_EQ(f->errorCode, p.fault->errorCode);
    } else {
      EXPECT_EQ(phys, p.physical);
      // Now the TLB holds it, and the probe answers from there.
      const mmu::ProbeResult again = mmu.probe(0x10000, q.linear, Access::kRead, q.user);
      EXPECT_TRUE(again.fromTlb);
      EXPECT_EQ(again.physical, phys);
    }
  }
}

TEST_F(Tools, ProbeSeesTheStaleEntryTheNextAccessWouldUse) {
  uint32_t phys;
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, true, phys));
  ram.setWord(0x11000, 0x300000u | P | W | U);
  mmu.notePhysWrite(0x11000, 4);
  const mmu::ProbeResult now = mmu.probe(0x10000, 0x400004, Access::kRead, true);
  EXPECT_TRUE(now.fromTlb);
  EXPECT_TRUE(now.stale);
  EXPECT_EQ(now.physical, 0x200004u);
  const mmu::WalkResult tables = mmu.probeTables(0x10000, 0x400004, Access::kRead, true);
  ASSERT_TRUE(tables.translation);
  EXPECT_EQ(tables.translation->physical(0x400004), 0x300004u);
  EXPECT_TRUE(rec.stale.empty());  // probing is not a use
  EXPECT_EQ(mmu.stats().staleUses, 0u);
  // Another address space is walked, whatever the TLB holds.
  Space other{ram, 0x20000, 0x21000};
  other.map(0x400000, 0x500000, P | U);
  const mmu::ProbeResult there = mmu.probe(0x20000, 0x400004, Access::kRead, true);
  EXPECT_FALSE(there.fromTlb);
  EXPECT_EQ(there.physical, 0x500004u);
  // With paging off, the current address space is the physical one.
  mmu.writeCr0(mmu::kCr0Pe);
  const mmu::ProbeResult off = mmu.probe(0x10000, 0x400004, Access::kWrite, true);
  EXPECT_FALSE(off.paging);
  EXPECT_EQ(off.physical, 0x400004u);
}

TEST_F(Tools, MappingsListsPresentPagesInOrder) {
  auto cursor = mmu.mappings(0x10000);
  std::vector<mmu::Mapping> all;
  while (auto m = cursor.next()) all.push_back(*m);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].linear, 0x400000u);
  EXPECT_EQ(all[0].physical, 0x200000u);
  EXPECT_TRUE(all[0].user && all[0].writable);
  EXPECT_EQ(all[0].pteAddr, 0x11000u);
  EXPECT_EQ(all[1].linear, 0x401000u);
  EXPECT_FALSE(all[1].writable);
  EXPECT_EQ(all[2].linear, 0x403000u);
  EXPECT_FALSE(all[2].user);
  EXPECT_EQ(all[3].linear, 0x7FFFF000u);
  EXPECT_TRUE(all[3].global);
  EXPECT_EQ(all[4].linear, 0x80000000u);
  EXPECT_EQ(all[4].size, 4u << 20);
  EXPECT_EQ(all[4].physical, 0x400000u);
  EXPECT_EQ(all[4].pteAddr, 0u);
  EXPECT_EQ(ram.writes, 0u);
}

// Every charge of mmu/cost_model.h, one at a time.
TEST_F(Tools, CycleCharges) {
  uint32_t phys;
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, false, phys));
  EXPECT_EQ(cycles, 13u);  // miss 9 + A in the PDE 2 + A in the PTE 2
  ASSERT_FALSE(mmu.translate(0x400000, Access::kRead, false, phys));
  EXPECT_EQ(cycles, 13u);  // hit 0
  ASSERT_FALSE(mmu.translate(0x401000, Access::kRead, false, phys));
  EXPECT_EQ(cycles, 13u + 11);  // miss 9 + A in the PTE 2 (the PDE's A is already set)
  ASSERT_FALSE(mmu.translate(0x400000, Access::kWrite, false, phys));
  EXPECT_EQ(cycles, 24u + 11);  // the clean entry walks again: 9 + D 2
  auto f = mmu.translate(0x900000, Access::kRead, false, phys);
  ASSERT_TRUE(f);
  EXPECT_EQ(cycles, 35u + 9);  // the walk (the #PF delivery is charged by the CPU)
  f = mmu.translate(0x401000, Access::kWrite, true, phys);
  ASSERT_TRUE(f);
  EXPECT_EQ(cycles, 44u);  // the TLB said no: no walk
  // Instruction costs (MOV CRn, INVLPG) are the CPU's, charged from the same table by emu/.
  mmu.writeCr3(0x10000);
  mmu.invlpg(0);
  mmu.writeCr0(mmu::kCr0Pe);
  mmu.writeCr4(0);
  EXPECT_EQ(cycles, 44u);
}

}  // namespace
