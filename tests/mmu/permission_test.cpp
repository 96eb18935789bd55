// The full permission table of i386 paging (Intel SDM vol. 3A 4.6 and 4.7; 80386 PRM 6.4.1.3):
// PDE U/S x PDE R/W x PTE U/S x PTE R/W x CPL (0 or 3) x CR0.WP x access (read, write, fetch),
// 2^6 x 3 = 192 cases, each checked on a fresh walk (TLB miss) and on a TLB hit, with the exact
// error code, and with the accessed/dirty bits after each.
#include <gtest/gtest.h>

#include "tests/mmu/flat_ram.h"

namespace {

using namespace mmutest;
using mmu::Access;

struct Case {
  bool pdeUser, pdeWrite, pteUser, pteWrite, cpl3, wp;
  Access access;
};

// The rule, written from the manual's table rather than from the MMU's code:
//  - CPL 3 needs U/S=1 in the PDE and in the PTE for every access;
//  - a CPL 3 write needs R/W=1 in both; a CPL 0 write needs R/W=1 in both only when CR0.WP=1;
//  - fetches are reads (no NX on the i386).
// On a fault the error code is P=1 (the page is present) | W/R | U/S.
std::optional<uint32_t> expectedFault(const Case& c) {
  const bool write = c.access == Access::kWrite;
  const uint32_t code = 1u | (write ? 2u : 0u) | (c.cpl3 ? 4u : 0u);
  if (c.cpl3 && !(c.pdeUser && c.pteUser)) return code;
  if (write && (c.cpl3 || c.wp) && !(c.pdeWrite && c.pteWrite)) return code;
  return std::nullopt;
}

std::vector<Case> allCases() {
  std::vector<Case> cases;
  for (unsigned bits = 0; bits < 64; ++bits) {
    for (Access a : {Access::kRead, Access::kWrite, Access::kFetch}) {
      cases.push_back({(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0,
                       (bits & 16) != 0, (bits & 32) != 0, a});
    }
  }
  return cases;
}

constexpr uint32_t kDir = 0x1000, kTable = 0x2000, kFrame = 0x5000, kLinear = 0x00403000;

struct Machine {
  FlatRam ram{1u << 20};
  mmu::Mmu mmu{ram};
  uint64_t cycles = 0;
  explicit Machine(const Case& c) {
    mmu.setCycleCounter(&cycles);
    ram.setWord(kDir + (kLinear >> 22) * 4,
                kTable | P | (c.pdeWrite ? W : 0) | (c.pdeUser ? U : 0));
    ram.setWord(kTable + ((kLinear >> 12) & 0x3FF) * 4,
                kFrame | P | (c.pteWrite ? W : 0) | (c.pteUser ? U : 0));
    mmu.writeCr3(kDir);
    mmu.writeCr0(mmu::kCr0Pe | mmu::kCr0Pg | (c.wp ? mmu::kCr0Wp : 0));
  }
};

std::string describe(const Case& c) {
  static const char* names[] = {"read", "write", "fetch"};
  return std::string("PDE U/S=") + (c.pdeUser ? "1" : "0") + " R/W=" + (c.pdeWrite ? "1" : "0") +
         " PTE U/S=" + (c.pteUser ? "1" : "0") + " R/W=" + (c.pteWrite ? "1" : "0") +
         " CPL=" + (c.cpl3 ? "3" : "0") + " WP=" + (c.wp ? "1" : "0") + " " +
         names[static_cast<int>(c.access)];
}

TEST(MmuPermissions, FullTableOnAWalk) {
  unsigned faults = 0;
  for (const Case& c : allCases()) {
    SCOPED_TRACE(describe(c));
    Machine m(c);
    const uint32_t pdeBefore = m.ram.word(kDir + 4), pteBefore = m.ram.word(kTable + 12);
    uint32_t phys = 0;
    const auto f = m.mmu.translate(kLinear + 0x10, c.access, c.cpl3, phys);
    const auto want = expectedFault(c);
    ASSERT_EQ(f.has_value(), want.has_value());
    if (f) {
      ++faults;
      EXPECT_EQ(f->errorCode, *want);
      EXPECT_EQ(f->linear, kLinear + 0x10);
      // A fault sets no bit and fills nothing.
      EXPECT_EQ(m.ram.word(kDir + 4), pdeBefore);
      EXPECT_EQ(m.ram.word(kTable + 12), pteBefore);
      EXPECT_EQ(m.mmu.tlb().validCount(), 0u);
    } else {
      EXPECT_EQ(phys, kFrame + 0x10);
      // A in both entries; D only in the PTE and only on a write.
      EXPECT_EQ(m.ram.word(kDir + 4), pdeBefore | A);
      EXPECT_EQ(m.ram.word(kTable + 12), pteBefore | A | (c.access == Access::kWrite ? D : 0));
      EXPECT_EQ(m.mmu.tlb().validCount(), 1u);
    }
  }
  // Hand count of faults: CPL 3 reads and fetches fault unless both U/S are 1: 12 of the 16
  // U/S,R/W combinations, x 2 (WP) x 2 (read, fetch) = 48; CPL 3 writes fault unless all four bits
  // are 1: 15 x 2 (WP) = 30; CPL 0 reads/fetches never; CPL 0 writes only with WP=1 and not both
  // R/W: 12. Total 90 of 192.
  EXPECT_EQ(faults, 90u);
}

// The same table through the TLB: the entry is filled by a CPL 0 read (always allowed), then the
// case's access must be judged from the entry's combined permissions, with the same answer.
TEST(MmuPermissions, FullTableOnATlbHit) {
  for (const Case& c : allCases()) {
    SCOPED_TRACE(describe(c));
    Machine m(c);
    uint32_t phys = 0;
    ASSERT_FALSE(m.mmu.translate(kLinear, Access::kRead, false, phys));
    const uint32_t pdeBefore = m.ram.word(kDir + 4), pteBefore = m.ram.word(kTable + 12);
    const uint64_t walksBefore = m.mmu.stats().walks;
    const auto f = m.mmu.translate(kLinear + 0x20, c.access, c.cpl3, phys);
    const auto want = expectedFault(c);
    ASSERT_EQ(f.has_value(), want.has_value());
    EXPECT_EQ(m.mmu.stats().tlbHits, 1u);
    if (f) {
      EXPECT_EQ(f->errorCode, *want);
      EXPECT_EQ(m.ram.word(kTable + 12), pteBefore);
      EXPECT_EQ(m.mmu.stats().walks, walksBefore);  // judged from the entry alone
      // SDM vol. 3A 4.10.4.1: the fault invalidates the entry for the faulting page.
      EXPECT_EQ(m.mmu.tlb().validCount(), 0u);
      EXPECT_EQ(m.mmu.stats().pageFaults[*want], 1u);
    } else {
      EXPECT_EQ(phys, kFrame + 0x20);
      EXPECT_EQ(m.ram.word(kDir + 4), pdeBefore);
      // The clean entry: a write walks again and sets D; other accesses touch nothing.
      const bool write = c.access == Access::kWrite;
      EXPECT_EQ(m.ram.word(kTable + 12), pteBefore | (write ? D : 0));
      EXPECT_EQ(m.mmu.stats().walks, walksBefore + (write ? 1 : 0));
    }
  }
}

// The fast path must agree with the table: after a successful translate(), a host pointer exists
// exactly for the kinds of access that are allowed at that privilege (writes only once D is set).
TEST(MmuPermissions, HostCacheAgreesWithTheTable) {
  for (const Case& c : allCases()) {
    if (expectedFault(c)) continue;
    SCOPED_TRACE(describe(c));
    Machine m(c);
    uint32_t phys = 0;
    ASSERT_FALSE(m.mmu.translate(kLinear, c.access, c.cpl3, phys));
    Case asWrite = c;
    asWrite.access = Access::kWrite;
    const bool dirty = c.access == Access::kWrite;
    EXPECT_NE(m.mmu.hostRead(kLinear, c.cpl3), nullptr);
    EXPECT_NE(m.mmu.hostFetch(kLinear, c.cpl3), nullptr);
    EXPECT_EQ(m.mmu.hostWrite(kLinear, c.cpl3) != nullptr, dirty && !expectedFault(asWrite));
    EXPECT_EQ(m.mmu.hostRead(kLinear, !c.cpl3), nullptr);  // the other privilege: not filled
  }
}

}  // namespace
