// A teaching assistant's COW-lab grader, built on xray86's C++ API. It boots the student's kernel
// on xray86 and checks what the kernel did, not only what it printed:
//
//   XRAY86_STUDENT_KERNEL   the student's kernel.elf (multiboot, with its symbol table)
//   XRAY86_STUDENT_ARCHIVE  the archive of user programs it boots with (the course's cowtest and
//                           cowfork, built against the student's user library)
//
// Build it against an installed xray86 (README.md), then: XRAY86_STUDENT_KERNEL=... ctest.
#include <gtest/gtest.h>
#include <xray86/xray86.h>

#include <cstdlib>
#include <regex>
#include <string>

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// A machine booting the student's kernel with `cmdline`; fails the test if it cannot be built.
std::unique_ptr<xray86::Machine> boot(const std::string& cmdline) {
  xray86::Options o;
  o.kernel = env("XRAY86_STUDENT_KERNEL");
  o.modules = {env("XRAY86_STUDENT_ARCHIVE")};
  o.cmdline = cmdline;
  o.maxInstructions = 500'000'000;  // a correct kernel needs a tenth of that; a loop ends here
  if (o.kernel.empty() || o.modules[0].empty()) {
    ADD_FAILURE() << "set XRAY86_STUDENT_KERNEL and XRAY86_STUDENT_ARCHIVE";
    return nullptr;
  }
  std::string error;
  auto m = xray86::Machine::create(o, error);
  EXPECT_NE(m, nullptr) << error;
  return m;
}

int number(const std::string& text, const std::string& pattern, int group = 1) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(pattern))) return -1;
  return std::stoi(m[group]);
}

}  // namespace

// cowtest passes, and every frame it used is back on the free list at the end.
TEST(StudentCow, CowtestPassesAndFreesEveryFrame) {
  auto m = boot("run=cowtest");
  ASSERT_TRUE(m);
  xray86::Stop s = m->run();
  ASSERT_EQ(s.kind, xray86::StopKind::kExited) << s.message << "\n" << m->console();
  EXPECT_EQ(s.status, 0) << "cowtest did not exit 0:\n" << m->console();  // ACPI poweroff
  std::string out = m->console();
  EXPECT_NE(number(out, "cowtest: all ([0-9]+) checks ok"), -1) << out;
  int start = number(out, "free pages at start ([0-9]+), at end ([0-9]+)", 1);
  int end = number(out, "free pages at start ([0-9]+), at end ([0-9]+)", 2);
  EXPECT_EQ(start, end) << "frames leaked";
  // What the kernel did: no fault repeated (a PTE left read-only), no stale TLB entry used (a
  // missing flush), and exactly the two kernel-mode COW faults of the kernel-write check (a
  // read() and a wait() storing into shared pages; a kernel without CR0.WP shows none). Filters
  // are the language of `xray86 run --trace-filter` (docs/trace.md).
  xray86::Counters c = m->counters();
  EXPECT_EQ(c.repeatFaults, 0u);
  EXPECT_EQ(c.staleUses, 0u);
  EXPECT_EQ(m->count("kind=fault and protection and write and kernel and cr2 < 0x80000000"), 2u);
  // Exactly two user-mode faults never complete: the two children cowtest expects killed, the
  // one writing its read-only code page (check text-readonly) and the one that runs out of
  // memory in a copy (cow-oom). Every other fault's instruction ran again and went on.
  EXPECT_EQ(m->count("kind=resolve and user and killed"), 2u);
  EXPECT_EQ(m->count("kind=resolve and unresolved"), 0u);
}

// One fork of 8 heap pages where the child writes 3: exactly 3 COW faults in the heap, one per
// process on its stack page, and the child costs its page directory, one page table, its kernel
// stack, one stack copy and the 3 heap copies: 7 frames, not 8 heap pages.
TEST(StudentCow, ForkCopiesOnlyWhatIsWritten) {
  auto m = boot("run=cowfork 8 3");
  ASSERT_TRUE(m);
  xray86::Stop s = m->run();
  ASSERT_EQ(s.kind, xray86::StopKind::kExited) << s.message << "\n" << m->console();
  std::string out = m->console();
  std::smatch h;
  ASSERT_TRUE(std::regex_search(out, h, std::regex("heap 0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)")))
      << out;
  uint32_t first = static_cast<uint32_t>(std::stoul(h[1], nullptr, 16));
  uint32_t last = static_cast<uint32_t>(std::stoul(h[2], nullptr, 16));
  EXPECT_EQ(
      m->count(xray86::Filter("kind=fault and protection and write and user").inCr2(first, last)),
      3u);
  // Each copied: the parent still shares every heap page while the child writes.
  EXPECT_EQ(m->count(xray86::Filter("kind=resolve and copied").inCr2(first, last)), 3u);
  EXPECT_EQ(m->counters().pageFaults, 5u);
  int before = number(out, "free pages ([0-9]+) before fork");
  int atExit = number(out, "(-?[0-9]+) at the child's exit");
  int after = number(out, "([0-9]+) after");
  EXPECT_EQ(before - atExit, 7);
  EXPECT_EQ(after, before);
}
