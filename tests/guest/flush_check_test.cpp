// The flush checker (mmu/flush_check.h) on the built-in guest: the correct kernel leaves nothing
// to report; cow_flush=none is reported in copyuvm (and, under the lab's rule, in the page-fault
// handler) with the same count whatever the TLB's geometry.
//
// The scenario is `cowfork 8 3` (guest/user/cowfork.c; the counts of tests/guest/cow_test.cpp):
// the parent maps 8 heap pages, writes them, calls sbrk(0) (growproc reloads CR3: the shadow of
// its address space is empty again), prints, writes heap[0], forks. Since that reload it has
// written two pages: its stack page (just below the heap) and heap[0]. copyuvm takes R/W away
// from both (it changes all writable pages, but the others were not used since the reload) and,
// with cow_flush=none, returns to the parent without a flush: two missing flushes, found at the
// fork's return to user mode. The text page is read-only, so copyuvm leaves it alone.
#include "tests/guest/guest_fixture.h"

using xray86::EventKind;
using xray86::Machine;
using xray86::StopKind;

namespace {

struct Geometry {
  unsigned sets, ways;
};
constexpr Geometry kGeometries[] = {{1, 1}, {8, 4}, {64, 4}};

xray86::Options cowfork(const std::string& variant, Geometry g, bool labRule = false) {
  xray86::Options o = guest::options(variant + " run=cowfork 8 3", {"cowfork"});
  o.tlbSets = g.sets;
  o.tlbWays = g.ways;
  o.labFlushRule = labRule;
  return o;
}

}  // namespace

// The default kernel reloads CR3 after copyuvm and after the handler's fix; cow_flush=invlpg
// flushes each page. Neither leaves a stale translation to report, on cowtest or usertests, even
// under the lab's stricter rule.
TEST(FlushCheck, CorrectKernelReportsNothing) {
  for (const char* cmd : {"run=cowtest", "cow_flush=invlpg run=cowtest", "run=usertests"}) {
    for (bool lab : {false, true}) {
      SCOPED_TRACE(std::string(cmd) + (lab ? " lab rule" : ""));
      xray86::Options o = guest::options(cmd);
      o.labFlushRule = lab;
      Machine m(o);
      const xray86::Stop stop = m.run();
      ASSERT_EQ(stop.kind, StopKind::kExited) << stop.message;
      EXPECT_EQ(m.counters().missingFlushes, 0u);
      EXPECT_EQ(m.counters().missingFlushUses, 0u);
    }
  }
}

// cow_flush=none: the parent's two pages (see the top of this file), written by copyuvm, found at
// the fork's return, under every TLB geometry.
TEST(FlushCheck, CowFlushNoneIsReportedInCopyuvmWhateverTheTlb) {
  for (Geometry g : kGeometries) {
    SCOPED_TRACE(std::to_string(g.sets) + "x" + std::to_string(g.ways));
    Machine m(cowfork("cow_flush=none", g));
    const xray86::Stop stop = m.run();
    ASSERT_EQ(stop.kind, StopKind::kExited) << stop.message;
    const guest::CowforkReport report = guest::parseCowfork(m.console());
    ASSERT_NE(report.heapStart, 0u) << m.console();
    EXPECT_EQ(m.counters().missingFlushes, 2u);
    EXPECT_EQ(m.count("kind=missing-flush and writer in copyuvm"), 2u);
    const auto found = m.events("kind=missing-flush");
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].address, report.heapStart - guest::kPgSize);  // the stack page
    EXPECT_EQ(found[1].address, report.heapStart);                   // heap[0]
    for (const xray86::Event& e : found) {
      EXPECT_TRUE(e.atReturn);  // the fork's return to the parent, before any use
      EXPECT_EQ(e.cpl, 3u);
      EXPECT_EQ(e.cr3, found[0].cr3);
      EXPECT_EQ(e.useAddress, found[0].useAddress);
      EXPECT_EQ(e.cachedPte & 0x203u, 0x003u);  // P W, no COW: what the parent used
      EXPECT_EQ(e.memoryPte & 0x203u, 0x201u);  // P COW, no W: what copyuvm left
    }
  }
}

// Under the lab's rule the handler's fix counts too: the child's three heap writes and its first
// stack write each fault, and the handler stores the new PTE and returns with no flush (the #PF
// already dropped that page, so hardware needs none; the handout asks for one). 2 + 4, under
// every TLB geometry.
TEST(FlushCheck, LabRuleAlsoReportsTheHandler) {
  for (Geometry g : kGeometries) {
    SCOPED_TRACE(std::to_string(g.sets) + "x" + std::to_string(g.ways));
    Machine m(cowfork("cow_flush=none", g, true));
    ASSERT_EQ(m.run().kind, StopKind::kExited);
    EXPECT_EQ(m.counters().missingFlushes, 6u);
    EXPECT_EQ(m.count("kind=missing-flush and writer in copyuvm"), 2u);
    EXPECT_EQ(m.count("kind=missing-flush and writer in handlePageFault"), 4u);
  }
}
