// The stale-TLB detector on the whole machine running the teaching kernel's copy-on-write test
// (guest/user/cowtest.c). With cow_flush=none the kernel's fork takes write permission from the
// parent's PTEs without flushing, and the parent writes through its stale writable entries: the
// detector must publish StaleTlbUse for exactly that. With a correct flush (CR3 reload or INVLPG)
// it must publish nothing.
#include <gtest/gtest.h>

#include "emu/machine/machine.h"

namespace {

struct Seen : emu::Observer {
  std::vector<mmu::StaleTlbUse> stale;
  void onStaleTlbUse(const mmu::StaleTlbUse& e) override { stale.push_back(e); }
};

struct CowRun {
  int status = -1;
  std::string console;
  std::vector<mmu::StaleTlbUse> stale;
  mmu::MmuStats stats;
};

CowRun cowtest(const std::string& flush) {
  devices::StringSink out;
  emu::MachineConfig c;
  c.kernel = GUEST_KERNEL;
  c.modules = {GUEST_ARCHIVE};
  c.cmdline = "cow_flush=" + flush + " run=cowtest";
  c.console = &out;
  std::string error;
  auto m = emu::Machine::create(c, error);
  CowRun r;
  EXPECT_NE(m, nullptr) << error;
  if (!m) return r;
  Seen seen;
  m->cpu().events().attach(&seen);
  r.status = m->run(300'000'000, ~uint64_t{0}).status;
  r.console = out.text;
  r.stale = seen.stale;
  r.stats = m->mmu().stats();
  return r;
}

constexpr uint32_t kPteW = 2;

TEST(GuestStaleTlb, ForkWithoutFlushIsReportedAtTheParentsWrite) {
  const CowRun r = cowtest("none");
  EXPECT_EQ(r.status, 3) << r.console;  // cowtest's isolation check fails (QEMU: exit 3 too)
  ASSERT_FALSE(r.stale.empty()) << r.console;
  EXPECT_EQ(r.stats.staleUses, r.stale.size());  // each stale use is one StaleTlbUse event
  // The first report: the parent's first use of its stack page after fork, the RET of fork's user
  // stub reading the return address (docs/trace.md's `stale` line), through an entry that still
  // says writable, to the frame the PTE still names, whose R/W bit fork cleared.
  const mmu::StaleTlbUse& e = r.stale[0];
  EXPECT_EQ(e.access, mmu::Access::kRead);
  EXPECT_LT(e.linear, 0x80000000u);  // a user address (KERNBASE is 0x80000000)
  EXPECT_NE(e.cachedPte & kPteW, 0u);
  EXPECT_EQ(e.memoryPte & kPteW, 0u);
  EXPECT_EQ(e.memoryPte & 0xFFFFF000u, e.cachedFrame);
}

TEST(GuestStaleTlb, CorrectFlushesReportNothing) {
  for (const char* flush : {"lcr3", "invlpg"}) {
    SCOPED_TRACE(flush);
    const CowRun r = cowtest(flush);
    EXPECT_NE(r.console.find("cowtest: all 11 checks ok"), std::string::npos) << r.console;
    EXPECT_TRUE(r.stale.empty());
    EXPECT_EQ(r.stats.staleUses, 0u);
    EXPECT_GT(r.stats.pageFaultTotal(), 0u);  // the copy-on-write faults happened
  }
}

}  // namespace
