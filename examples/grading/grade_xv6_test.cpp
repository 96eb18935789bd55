// A teaching assistant's grader for the copy-on-write fork lab on MIT's x86 xv6 (xv6-public),
// built on xray86's C++ API. It boots a student's disk images, types the course's `cowcheck` at
// the shell, runs until the shell prompts again, and checks what the kernel did, process by
// process, not only what cowcheck printed:
//
//   XV6_IMG      the student's xv6.img (boot block and kernel)                    (required)
//   XV6_FS       the student's fs.img, with the course's cowcheck      (optional: a second disk)
//   XV6_KERNEL   the student's kernel ELF, for its symbols (the system-call table, names in
//                messages)                                                        (required)
//   COW_BIT      the PTE bit the submission marks COW pages with     (optional, default 9: 0x200)
//   XV6_PROGRAM  what to type at the shell                          (optional, default cowcheck)
//
// cowcheck (the course's program; xray86's own kernel has one too, guest/user/cowcheck.c) grows
// its heap by N = 8 pages and writes each, forks; the parent writes page N-1 at once and waits;
// the child writes the first K = 3 pages and exits; the parent then writes all N pages. It prints
// "cowcheck: ok" when what it reads back is right. What a correct COW fork does with that:
//
//   the child     K faults in the heap, each one copied: the parent still maps every page
//   the parent    page N-1 at once: copied (the child still maps it); after the child's exit
//                 the other N-1 pages: made writable, no copy (each frame has one owner again)
//   both          no page fault repeated (a handler that leaves the PTE read-only faults
//                 forever at the same place), no missing TLB flush: no PTE changed under a
//                 translation the process used since its last flush and then used again, or
//                 returned to user mode with (a fork or a handler without its lcr3), whatever
//                 the TLB's size; no stale TLB entry used
//
// Build it against an installed xray86 (README.md), then: XV6_IMG=... XV6_FS=... XV6_KERNEL=...
// ctest --test-dir grading-build -R Xv6Cow --output-on-failure.
#include <gtest/gtest.h>
#include <xray86/xray86.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cow_fork.h"

namespace {

constexpr uint32_t kPage = 4096;
constexpr uint64_t kHeapPages = 8;     // cowcheck's N
constexpr uint64_t kChildPages = 3;    // cowcheck's K
constexpr uint32_t kRepeatLimit = 10;  // a fault this many times in a row: the handler loops

std::string env(const char* name, const char* otherwise = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : otherwise;
}

// The command line a TA would type to watch the same run:
//   xray86 run --disk xv6.img --disk fs.img --symbols kernel --input 'cowcheck\n' ...
std::vector<std::string> commandLine() {
  std::vector<std::string> args = {"--disk", env("XV6_IMG")};
  if (!env("XV6_FS").empty()) args.insert(args.end(), {"--disk", env("XV6_FS")});
  args.insert(args.end(), {"--symbols", env("XV6_KERNEL"), "--cow-bit", env("COW_BIT", "9"),
                           "--input", env("XV6_PROGRAM", "cowcheck") + "\n",
                           // Every run() ends at the shell's next prompt.
                           "--until", "console:$ ", "--max-insns", "1000000000"});
  return args;
}

// One run for the whole suite: boot to the shell, type the program, run to the next prompt.
struct Graded {
  std::unique_ptr<xray86::Machine> m;
  xray86::Stop stop{xray86::StopKind::kRequested};
  bool prompted = false;  // the shell's first prompt came
  std::string problem;    // why there is nothing to grade
  grading::CowFork fork;
};

const Graded& graded() {
  static Graded g = [] {
    Graded r;
    if (env("XV6_IMG").empty() || env("XV6_KERNEL").empty()) {
      r.problem = "set XV6_IMG, XV6_FS and XV6_KERNEL to the student's xv6.img, fs.img, kernel";
      return r;
    }
    try {
      r.m = std::make_unique<xray86::Machine>(xray86::Options::fromArgs(commandLine()));
    } catch (const xray86::Error& e) {
      r.problem = e.what();
      return r;
    }
    r.m->stopOnRepeatedFaults(kRepeatLimit);
    r.stop = r.m->run();  // the first prompt
    r.prompted = r.stop.kind == xray86::StopKind::kConsole;
    if (r.prompted) r.stop = r.m->run();  // the program ran
    r.fork = grading::findCowFork(*r.m, kHeapPages * kPage);
    return r;
  }();
  return g;
}

// Fails the test unless the run came back to the prompt; names the repeated fault when the
// repeat detector ended it.
void expectBackAtThePrompt(const Graded& g) {
  ASSERT_TRUE(g.m) << g.problem;
  const xray86::Machine& m = *g.m;
  if (g.stop.kind == xray86::StopKind::kRepeatedFault && m.lastEvent()) {
    const xray86::Event& e = *m.lastEvent();
    std::string where = m.symbols().describe(e.eip);
    FAIL() << "repeated page fault: the same fault " << e.repeat << " times in a row at eip "
           << grading::hex(e.eip) << (where.empty() ? "" : " (" + where + ")") << ", cr2 "
           << grading::hex(e.address) << ", error " << e.errorCode << ", cr3 "
           << grading::hex(e.cr3 & ~0xFFFu) << ", in " << g.fork.who(m, e.asid)
           << (g.prompted ? "" : ", before the shell's first prompt")
           << ": the handler returns without making the page writable\n"
           << m.console();
  }
  ASSERT_EQ(g.stop.kind, xray86::StopKind::kConsole) << g.stop << "\n" << m.console();
}

// The flush checker's first report in process `asid`, in words: which PTE changed, where, and
// what came before any flush: a use of the stale translation or a return to user mode.
std::string missingFlush(const Graded& g, uint32_t asid) {
  const xray86::Machine& m = *g.m;
  std::vector<xray86::Event> found =
      m.events("kind=missing-flush and asid=" + std::to_string(asid));
  if (found.empty()) return "";
  const xray86::Event& e = found.front();
  std::string writer = m.symbols().describe(e.writeEip);
  std::string user = m.symbols().describe(e.eip);
  return "missing TLB flush in " + g.fork.who(m, asid) + ": page " + grading::hex(e.address) +
         "'s entry changed from " + grading::hex(e.cachedPte) + " to " + grading::hex(e.memoryPte) +
         " at eip " + grading::hex(e.writeEip) + (writer.empty() ? "" : " (" + writer + ")") +
         ", and no INVLPG or CR3 load came before " +
         (e.atReturn
              ? "the return to user mode (eip " + grading::hex(e.useAddress) + ")"
              : "its use at eip " + grading::hex(e.eip) + (user.empty() ? "" : " (" + user + ")")) +
         "; " + std::to_string(found.size()) + " such pages in all";
}

}  // namespace

TEST(Xv6Cow, CowcheckPrintsOk) {
  const Graded& g = graded();
  ASSERT_NO_FATAL_FAILURE(expectBackAtThePrompt(g));
  EXPECT_NE(g.m->console().find("cowcheck: ok"), std::string::npos) << g.m->console();
}

TEST(Xv6Cow, ChildCopiesExactlyThePagesItWrites) {
  const Graded& g = graded();
  ASSERT_NO_FATAL_FAILURE(expectBackAtThePrompt(g));
  ASSERT_TRUE(g.fork.found) << g.fork.why << "\n" << g.m->console();
  const xray86::Machine& m = *g.m;
  EXPECT_EQ(m.count(g.fork.inChild("kind=fault and protection and write and user")), kChildPages);
  EXPECT_EQ(m.count(g.fork.inChild("kind=resolve and copied")), kChildPages);
}

TEST(Xv6Cow, ParentCopiesOnlyWhileTheChildLives) {
  const Graded& g = graded();
  ASSERT_NO_FATAL_FAILURE(expectBackAtThePrompt(g));
  ASSERT_TRUE(g.fork.found) << g.fork.why << "\n" << g.m->console();
  const xray86::Machine& m = *g.m;
  // Page N-1, written at once, is shared with the child still: one copy. Every heap fault
  // happens once: N in all.
  EXPECT_EQ(m.count(g.fork.inParent("kind=resolve and copied")), 1u);
  EXPECT_EQ(m.count(g.fork.inParent("kind=fault")), kHeapPages);
  // After the child's exit the other N-1 pages have one owner again: made writable, no copy.
  EXPECT_EQ(m.count(g.fork.inParent("kind=resolve and made-writable", true)), kHeapPages - 1);
  EXPECT_EQ(m.count(g.fork.inParent("kind=resolve and copied", true)), 0u);
}

// Per process, whatever the TLB holds: no fault repeated, no PTE changed under a translation
// used again (or returned to) without a flush (the flush checker, docs/mmu.md), and no stale
// TLB entry used.
TEST(Xv6Cow, NoRepeatedFaultAndNoMissingFlush) {
  const Graded& g = graded();
  ASSERT_NO_FATAL_FAILURE(expectBackAtThePrompt(g));
  ASSERT_TRUE(g.fork.found) << g.fork.why << "\n" << g.m->console();
  const xray86::Machine& m = *g.m;
  std::map<uint32_t, xray86::Counters> byProcess = m.countersByProcess();
  for (uint32_t asid : {g.fork.parent, g.fork.child}) {
    const xray86::Counters& c = byProcess[asid];
    EXPECT_EQ(c.repeatFaults, 0u) << "repeated page faults in " << g.fork.who(m, asid);
    EXPECT_EQ(c.missingFlushes, 0u) << missingFlush(g, asid);
    EXPECT_EQ(c.staleUses, 0u) << "stale TLB entries used in " << g.fork.who(m, asid);
  }
}
