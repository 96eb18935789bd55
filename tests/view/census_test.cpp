// The frame census and the address-space list on address spaces laid out as MIT xv6 lays them
// out: every page directory holds its own copies of the kernel's page tables (tests/view/spaces.S,
// whose comment gives the physical layout every number below comes from).
//
// At `ret:fork` the parent P is current, the child C has been built but never loaded (found in
// RAM by its copy of the kernel part), the kernel's own directory K is alive, and X (loaded once,
// then freed: its frames filled with junk) is gone. At `symbol:child_runs` C is current and P
// waits: both are alive, and every count is the same.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "devices/console.h"
#include "emu/run/run.h"
#include "emu/view/session.h"

namespace {

using view::TableRole;

class Discard : public devices::ByteSink {
 public:
  void put(uint8_t) override {}
};

// spaces.S's page directories.
constexpr uint32_t kK = 0x200000, kX = 0x210000, kP = 0x220000, kC = 0x230000;

std::unique_ptr<run::Run> spaces(Discard& console) {
  std::string error;
  run::Config config;
  config.machine.kernel = SPACES_KERNEL;
  config.machine.input = "";
  config.machine.console = &console;
  auto r = run::Run::create(config, error);
  EXPECT_TRUE(r) << error;
  return r;
}

void runTo(view::Session& s, const std::string& when) {
  std::string error;
  std::optional<run::Until> w = run::Until::parse(when, error);
  ASSERT_TRUE(w) << error;
  ASSERT_TRUE(s.runTo(*w, error)) << error;
  ASSERT_FALSE(s.finished()) << when << " came after the end of the run";
  s.refresh();
}

const view::AddressSpace* find(const std::vector<view::AddressSpace>& list, uint32_t cr3) {
  for (const view::AddressSpace& a : list) {
    if (a.cr3 == cr3) return &a;
  }
  return nullptr;
}

// The census is the same whichever of P and C is current (spaces.S's layout):
void expectCensus(const view::FrameCensus& c) {
  const view::CensusTotals& t = c.totals();
  // K, P and C; X's directory holds junk.
  EXPECT_EQ(t.spaces, 3u);
  // Two tables from setupkvm in each of K, P and C (0x201, 0x202, 0x221, 0x222, 0x231, 0x232),
  // and the guard page's table in P and its copy in C (0x224, 0x234): supervisor pages only.
  EXPECT_EQ(t.kernelTables, 8u);
  // P's user table 0x223 and C's 0x233.
  EXPECT_EQ(t.userTables, 2u);
  // 0x240-0x242, each mapped by P and by C (copy-on-write): all three shared.
  EXPECT_EQ(t.userFrames, 3u);
  EXPECT_EQ(t.sharedFrames, 3u);
  // The kernel part maps frames 0-0x3ff (PDEs 0 and 0x200) and 0x400-0x7ff (the 4 MB page):
  // 2048 frames, less the 3 directories, 10 tables and 3 user frames among them.
  EXPECT_EQ(t.kernelOnly, 2048u - 3 - 10 - 3);

  EXPECT_EQ(c.role(kK >> 12), TableRole::kDirectory);
  EXPECT_EQ(c.role(kP >> 12), TableRole::kDirectory);
  EXPECT_EQ(c.role(kC >> 12), TableRole::kDirectory);
  EXPECT_EQ(c.role(0x221), TableRole::kKernelTable);
  EXPECT_EQ(c.role(0x231), TableRole::kKernelTable);
  EXPECT_EQ(c.role(0x223), TableRole::kUserTable);
  EXPECT_EQ(c.role(0x233), TableRole::kUserTable);
  for (uint32_t f = 0x210; f < 0x214; ++f) EXPECT_EQ(c.role(f), TableRole::kNone) << f;
  for (uint32_t f = 0x240; f < 0x243; ++f) EXPECT_EQ(c.userMappers(f), 2u) << f;
  EXPECT_EQ(c.userMappers(0x243), 0u);  // X's page: X is gone
  EXPECT_EQ(c.userMappers(0x244), 0u);  // the guard page: supervisor only
  EXPECT_TRUE(c.kernelMapped(0x244));
  // In use: P's directory 0x220 (the lowest) up to the last shared frame 0x242; P's and C's
  // copies of the kernel tables are theirs, K's directory and tables (no user part) are not.
  EXPECT_EQ(c.usedFirst(), 0x220u);
  EXPECT_EQ(c.usedEnd(), 0x243u);
}

TEST(CensusOnPerProcessKernelTables, ChildFoundWhenForkReturns) {
  Discard console;
  auto r = spaces(console);
  ASSERT_TRUE(r);
  emu::Machine& m = r->machine();
  view::Session s(*r);
  runTo(s, "ret:fork");
  ASSERT_EQ(m.mmu().cr3() & ~mmu::kPageMask, kP);

  // The copies of the kernel tables differ in the bits the CPU sets: P's table of PDE 0 has
  // the accessed bit of the kernel's code page 0x100000, C's fresh copy has not.
  uint32_t inP = mmu::readPagingWord(m, kP + 0x1000 + 0x100 * 4, true);
  uint32_t inC = mmu::readPagingWord(m, kC + 0x1000 + 0x100 * 4, true);
  EXPECT_NE(inP, inC);
  EXPECT_EQ(inP & ~mmu::PagingBits::kAccessed & ~mmu::PagingBits::kDirty, inC);

  std::vector<view::AddressSpace> list = s.addressSpaces();
  ASSERT_EQ(list.size(), 4u);
  // Live ones first, in the order first seen (K, P), then C found in RAM; then X, gone.
  EXPECT_EQ(list[0].cr3, kK);
  EXPECT_EQ(list[1].cr3, kP);
  EXPECT_EQ(list[2].cr3, kC);
  EXPECT_EQ(list[3].cr3, kX);
  EXPECT_TRUE(list[0].live && list[0].loaded && !list[0].current);
  EXPECT_TRUE(list[1].live && list[1].loaded && list[1].current);
  EXPECT_TRUE(list[2].live && !list[2].loaded) << "fork() built C; it has not run yet";
  EXPECT_TRUE(!list[3].live && list[3].loaded) << "X's directory was filled with junk";
  // The tracer's processes, in the order loaded: K 1, X 2, P 3; C has none until it is loaded.
  // spaces.S runs at CPL 0 with no process table and no fork system call: no pid, no parent.
  EXPECT_EQ(list[0].asid, 1u);
  EXPECT_EQ(list[1].asid, 3u);
  EXPECT_EQ(list[2].asid, 0u);
  EXPECT_EQ(list[3].asid, 2u);
  for (const view::AddressSpace& a : list) {
    EXPECT_EQ(a.pid, -1) << a.cr3;
    EXPECT_EQ(a.parent, 0u) << a.cr3;
  }
  expectCensus(s.census());

  // Who maps a shared frame: P and C at 0x400000, copy-on-write, read-only; and the kernel
  // part twice (0x00240000 through PDE 0, 0x80240000 through PDE 0x200), from P alone.
  std::vector<view::FrameMapper> mappers = s.frameMappers(0x240);
  ASSERT_EQ(mappers.size(), 4u);
  unsigned kernel = 0;
  std::vector<uint32_t> users;
  for (const view::FrameMapper& f : mappers) {
    if (f.kernelHalf) {
      ++kernel;
      EXPECT_EQ(f.cr3, kP);
      EXPECT_TRUE(f.linear == 0x00240000 || f.linear == 0x80240000) << std::hex << f.linear;
      continue;
    }
    users.push_back(f.cr3);
    EXPECT_TRUE(f.user);
    EXPECT_EQ(f.linear, 0x400000u);
    EXPECT_EQ(f.entry & (mmu::PagingBits::kWritable | 0x200), 0x200u) << std::hex << f.entry;
  }
  EXPECT_EQ(kernel, 2u);
  EXPECT_EQ(users, (std::vector<uint32_t>{kP, kC}));

  // C's directory overwritten (as a kernel frees it): C is gone, and P's frames are P's alone.
  for (uint32_t a = kC; a < kC + 4096; a += 4) m.write(a, 0x01010101, 4);
  s.refresh();
  EXPECT_FALSE(s.census().live(kC));
  EXPECT_EQ(s.census().totals().spaces, 2u);
  EXPECT_EQ(s.census().totals().sharedFrames, 0u);
  EXPECT_EQ(s.census().totals().userFrames, 3u);
}

TEST(CensusOnPerProcessKernelTables, ParentWaitingIsStillAlive) {
  Discard console;
  auto r = spaces(console);
  ASSERT_TRUE(r);
  view::Session s(*r);
  runTo(s, "symbol:child_runs");
  ASSERT_EQ(r->machine().mmu().cr3() & ~mmu::kPageMask, kC);
  std::vector<view::AddressSpace> list = s.addressSpaces();
  const view::AddressSpace* parent = find(list, kP);
  const view::AddressSpace* child = find(list, kC);
  const view::AddressSpace* kernel = find(list, kK);
  const view::AddressSpace* gone = find(list, kX);
  ASSERT_TRUE(parent && child && kernel && gone);
  EXPECT_TRUE(parent->live && !parent->current) << "P waits: alive, not in CR3";
  EXPECT_TRUE(child->live && child->current && child->loaded);
  EXPECT_TRUE(kernel->live);
  EXPECT_FALSE(gone->live);
  expectCensus(s.census());
}

}  // namespace
