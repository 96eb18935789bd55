// The tracer's address spaces (asids) on tests/trace/spaces.S: a parent forks four children one
// at a time, each in the same page-directory frame as the child before it. Children 1 and 2 are
// killed by a fault at the same EIP on the same address, children 3 and 4 call exit. The numbers
// below come from the program in spaces.S (its comment walks through it).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "devices/console.h"
#include "emu/run/run.h"
#include "emu/trace/summary.h"

namespace {

constexpr uint32_t kParentDirectory = 0x300000, kChildDirectory = 0x310000;  // spaces.S
constexpr uint32_t kUserFault = 0x402000;  // the address children 1 and 2 write

struct Collect final : trace::Sink {
  std::vector<trace::Record> records;
  void write(const trace::Record& r) override { records.push_back(r); }
  void finish() override {}
};

constexpr uint32_t bit(trace::Kind k) {
  return 1u << static_cast<unsigned>(k);
}

struct Traced {
  std::unique_ptr<run::Run> run;
  Collect sink;
  run::Stop stop;
};

// Runs `kernel` to its end with every pf, sys and cr3 record collected.
std::unique_ptr<Traced> traced(const char* kernel) {
  auto t = std::make_unique<Traced>();
  run::Config c;
  c.machine.kernel = kernel;
  c.maxInstructions = 1'000'000;  // the program takes a few hundred
  devices::StringSink console;
  c.machine.console = &console;
  std::string error;
  t->run = run::Run::create(c, error);
  EXPECT_TRUE(t->run) << error;
  if (!t->run) return t;
  t->run->tracer().setSink(&t->sink, bit(trace::Kind::kPageFault) | bit(trace::Kind::kResolve) |
                                         bit(trace::Kind::kSyscall) | bit(trace::Kind::kSysReturn) |
                                         bit(trace::Kind::kCr3Write));
  t->stop = t->run->run();
  t->run->finish();
  return t;
}

// Both kernels: five address spaces, the parent's and one per child, the children all in the
// same directory frame and all children of the parent.
void expectFiveSpaces(const Traced& t) {
  ASSERT_EQ(t.stop.kind, run::StopKind::kExited) << t.stop.message;
  const std::vector<trace::Process>& ps = t.run->tracer().processes();
  ASSERT_EQ(ps.size(), 5u);
  EXPECT_EQ(ps[0].pageDirectory, kParentDirectory);
  EXPECT_EQ(ps[0].parent, 0u);  // made at boot, by no fork
  for (uint32_t i = 1; i < 5; ++i) {
    EXPECT_EQ(ps[i].asid, i + 1);
    EXPECT_EQ(ps[i].pageDirectory, kChildDirectory) << i;
    EXPECT_EQ(ps[i].parent, 1u) << i;
    EXPECT_EQ(ps[i].execFrom, 0u) << i;
    EXPECT_TRUE(ps[i].ended) << i;  // each replaced by the next, the last one exited
  }
  EXPECT_TRUE(ps[0].ended);  // the parent made the exit call that ends the machine

  // fork's results: 2, 3, 4, 5 in the parent (spaces.S's pids), 0 in each child, each in its own
  // address space: the child's comes back through wait's switch, not fork's return.
  std::vector<std::pair<uint32_t, int32_t>> forks;
  for (const trace::Record& r : t.sink.records) {
    if (r.kind == trace::Kind::kSysReturn && r.eax == 1) {
      forks.emplace_back(r.asid, static_cast<int32_t>(r.value));
    }
  }
  std::vector<std::pair<uint32_t, int32_t>> want = {{1, 2}, {2, 0}, {1, 3}, {3, 0},
                                                    {1, 4}, {4, 0}, {1, 5}, {5, 0}};
  EXPECT_EQ(forks, want);

  // Children 1 and 2 fault at the same EIP on the same address: each the first of its own
  // address space, killed (its instruction never completed), and no repeat anywhere.
  std::vector<uint32_t> faultSpaces, repeats, killedSpaces;
  for (const trace::Record& r : t.sink.records) {
    if (r.kind == trace::Kind::kPageFault) {
      EXPECT_EQ(r.address, kUserFault);
      faultSpaces.push_back(r.asid);
      repeats.push_back(r.repeat);
    }
    if (r.kind == trace::Kind::kResolve) {
      EXPECT_EQ(r.resolution, trace::Resolution::kKilled);
      killedSpaces.push_back(r.asid);
    }
  }
  EXPECT_EQ(faultSpaces, (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(repeats, (std::vector<uint32_t>{1, 1}));
  EXPECT_EQ(killedSpaces, (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(t.run->tracer().counters().repeatFaults, 0u);

  // Per process: one fault each in asids 2 and 3, none elsewhere; the run's total is their sum.
  for (const trace::Process& p : ps) {
    uint64_t faults = p.counters.exceptions[14];
    EXPECT_EQ(faults, p.asid == 2 || p.asid == 3 ? 1u : 0u) << p.asid;
    EXPECT_EQ(p.counters.resolutions[static_cast<unsigned>(trace::Resolution::kKilled)], faults);
  }
  EXPECT_EQ(t.run->tracer().counters().exceptions[14], 2u);
  // The parent's system calls: 4 forks, 4 waits, 1 exit; each child: fork's return is not a
  // call, children 3 and 4 call exit.
  EXPECT_EQ(ps[0].counters.syscalls, 9u);
  EXPECT_EQ(ps[1].counters.syscalls, 0u);
  EXPECT_EQ(ps[3].counters.syscalls, 1u);
}

// No process table: the kernel's system calls and the children's first returns say it all.
// Child 2 and child 3 come in a directory their killed predecessor left with the same page
// tables, so each is known at its first return to user mode (fork's, with EAX 0); child 4
// follows an exit call.
TEST(Spaces, ReusedDirectoriesAreNewAddressSpaces) {
  auto t = traced(SPACES_ELF);
  ASSERT_TRUE(t->run);
  expectFiveSpaces(*t);
  for (const trace::Process& p : t->run->tracer().processes()) {
    EXPECT_EQ(p.pid, -1) << p.asid;  // nothing names pids
    EXPECT_EQ(p.name, "") << p.asid;
  }
}

// With the process table: pids and names from it (init is pid 1, the children 2 to 5), each
// child known at the CR3 load that first shows it, and every record carries its pid.
TEST(Spaces, PidsAndNamesFromTheProcessTable) {
  auto t = traced(SPACES_PTABLE_ELF);
  ASSERT_TRUE(t->run);
  expectFiveSpaces(*t);
  const std::vector<trace::Process>& ps = t->run->tracer().processes();
  ASSERT_EQ(ps.size(), 5u);
  EXPECT_EQ(ps[0].pid, 1);
  EXPECT_EQ(ps[0].name, "init");
  for (uint32_t i = 1; i < 5; ++i) {
    EXPECT_EQ(ps[i].pid, static_cast<int32_t>(i + 1));
    EXPECT_EQ(ps[i].name, "child");
  }
  for (const trace::Record& r : t->sink.records) {
    if (r.asid == 0) continue;  // before paging
    EXPECT_EQ(r.pid, ps[r.asid - 1].pid);
    EXPECT_EQ(r.parent, ps[r.asid - 1].parent);
  }
  // The CR3 load of each child is a record of the child's own address space.
  std::vector<uint32_t> loads;
  for (const trace::Record& r : t->sink.records) {
    if (r.kind == trace::Kind::kCr3Write && r.address == kChildDirectory) loads.push_back(r.asid);
  }
  EXPECT_EQ(loads, (std::vector<uint32_t>{2, 3, 4, 5}));
}

// The summary lists the processes, the ones with faults first.
TEST(Spaces, TheSummaryListsProcesses) {
  auto t = traced(SPACES_PTABLE_ELF);
  ASSERT_TRUE(t->run);
  std::string s = t->run->summary(-1);
  EXPECT_NE(s.find("  processes              5 address spaces:\n"
                   "    asid 2 pid 2 child, child of asid 1: 1 faults (killed 1)\n"
                   "    asid 3 pid 3 child, child of asid 1: 1 faults (killed 1)\n"
                   "    asid 1 pid 1 init: 0 faults\n"),
            std::string::npos)
      << s;
}

// A process line names, after how its faults ended, what went wrong in it: repeats, stale uses
// and the flush checker's missing flushes, each only when there are some.
TEST(Spaces, AProcessLineCountsRepeatsStaleUsesAndMissingFlushes) {
  trace::Process p;
  p.asid = 8;
  p.pid = 3;
  p.name = "cowcheck";
  p.parent = 6;
  p.counters.exceptions[14] = 9;
  p.counters.resolutions[static_cast<size_t>(trace::Resolution::kCopied)] = 2;
  p.counters.resolutions[static_cast<size_t>(trace::Resolution::kMadeWritable)] = 7;
  EXPECT_EQ(trace::processText(p),
            "asid 8 pid 3 cowcheck, child of asid 6: 9 faults (copied 2, made-writable 7)");
  p.counters.repeatFaults = 1;
  p.counters.staleUses = 2;
  p.counters.missingFlushes = 11;
  EXPECT_EQ(trace::processText(p),
            "asid 8 pid 3 cowcheck, child of asid 6: 9 faults (copied 2, made-writable 7, 1 "
            "repeated, 2 stale uses, 11 missing flushes)");
}

// The filter's words for processes.
TEST(Spaces, FilterByProcess) {
  auto t = traced(SPACES_PTABLE_ELF);
  ASSERT_TRUE(t->run);
  auto count = [&](const std::string& text) {
    std::string error;
    std::unique_ptr<trace::Filter> f = trace::Filter::parse(text, t->run->symbols(), error);
    EXPECT_TRUE(f) << error;
    size_t n = 0;
    for (const trace::Record& r : t->sink.records) n += f && f->matches(r);
    return n;
  };
  // The parent's calls: 4 forks, 4 waits, 1 exit, and 8 returns (exit does not return).
  EXPECT_EQ(count("kind=sys and asid 1"), 17u);
  EXPECT_EQ(count("kind=sys and pid 1"), 17u);
  // Each child: fork's return (0); children 3 and 4 (asids 4, 5) call exit.
  EXPECT_EQ(count("kind=sys and child of 1"), 6u);
  EXPECT_EQ(count("kind=sys and parent=1"), 6u);
  EXPECT_EQ(count("kind=fault and pid 3"), 1u);
  EXPECT_EQ(count("kind=fault and asid >= 4"), 0u);
  std::string error;
  EXPECT_FALSE(trace::Filter::parse("child 1", t->run->symbols(), error));
  EXPECT_NE(error.find("expected 'of' after 'child'"), std::string::npos) << error;
}

}  // namespace
