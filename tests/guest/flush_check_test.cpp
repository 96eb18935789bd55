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
#include <map>

#include "tests/guest/guest_fixture.h"

using xray86::EventKind;
using xray86::Machine;
using xray86::StopKind;

namespace {

struct Geometry {
  unsigned sets, ways;
};
constexpr Geometry kGeometries[] = {{1, 1}, {8, 4}, {64, 4}};

// cowfork's two processes: the child is the one forked from a process running cowfork.
struct Cowfork {
  uint32_t parent = 0, child = 0;  // asids
};
Cowfork cowforkProcesses(const Machine& m) {
  std::vector<xray86::Process> ps = m.processes();
  for (const xray86::Process& p : ps) {
    if (p.parent != 0 && ps[p.parent - 1].name == "cowfork") return {p.parent, p.asid};
  }
  return {};
}

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
    // Counted where they were found: both in the parent (the fork's return is in its address
    // space), none in any other process or page directory.
    const Cowfork cf = cowforkProcesses(m);
    ASSERT_NE(cf.child, 0u);
    EXPECT_EQ(found[0].asid, cf.parent);
    for (const auto& [asid, c] : m.countersByProcess()) {
      EXPECT_EQ(c.missingFlushes, asid == cf.parent ? 2u : 0u) << "asid " << asid;
    }
    for (const auto& [cr3, c] : m.countersByAddressSpace()) {
      EXPECT_EQ(c.missingFlushes, cr3 == (found[0].cr3 & ~0xFFFu) ? 2u : 0u) << std::hex << cr3;
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
    // copyuvm's two in the parent, the handler's four in the child, which took those faults.
    const Cowfork cf = cowforkProcesses(m);
    ASSERT_NE(cf.child, 0u);
    std::map<uint32_t, xray86::Counters> byProcess = m.countersByProcess();
    EXPECT_EQ(byProcess[cf.parent].missingFlushes, 2u);
    EXPECT_EQ(byProcess[cf.child].missingFlushes, 4u);
    uint64_t all = 0;
    for (const auto& [asid, c] : byProcess) all += c.missingFlushes;
    EXPECT_EQ(all, 6u);
  }
}
