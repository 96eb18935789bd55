// The teaching kernel booted on the Machine, multiboot (with its archive as a module) and from
// a raw disk, checked against what its QEMU tests (tests/qemu/CMakeLists.txt) expect there.
#include <gtest/gtest.h>

#include "emu/machine/machine.h"

using emu::Machine;
using emu::MachineConfig;

namespace {
struct GuestRun {
  Machine::Outcome outcome;
  std::string console;
};

GuestRun boot(MachineConfig c, const std::string& input = "") {
  devices::StringSink out;
  c.console = &out;
  c.input = input;
  std::string error;
  auto m = Machine::create(c, error);
  EXPECT_NE(m, nullptr) << error;
  if (!m) return {{Machine::Outcome::Kind::kHalted, -1, error}, ""};
  // 300 million instructions: far more than any of these runs needs (usertests about 5 million).
  auto r = m->run(300'000'000, ~uint64_t{0});
  return {r, out.text};
}

GuestRun multiboot(const std::string& cmdline, const std::string& input = "") {
  MachineConfig c;
  c.kernel = GUEST_KERNEL;
  c.modules = {GUEST_ARCHIVE};
  c.cmdline = cmdline;
  return boot(c, input);
}

bool hasLine(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}
}  // namespace

TEST(GuestOnMachine, Usertests) {
  GuestRun r = multiboot("run=usertests");
  EXPECT_EQ(r.outcome.status, 0) << r.outcome.message << "\n" << r.console;  // QEMU: --exit 0
  EXPECT_TRUE(hasLine(r.console, "ALL TESTS PASSED")) << r.console;
}

TEST(GuestOnMachine, ShellReadsScriptedSerialInput) {
  GuestRun r = multiboot("run=sh", "echo hello guest; free\nexit 3\n");
  EXPECT_EQ(r.outcome.status, 7) << r.outcome.message;  // exit 3: (3 << 1) | 1
  EXPECT_NE(r.console.find("hello guest\n"), std::string::npos) << r.console;
  EXPECT_NE(r.console.find("run: exit 3\n"), std::string::npos) << r.console;
}

TEST(GuestOnMachine, StaleTlbWithoutFlushBreaksIsolation) {
  // cow_flush=none: the parent keeps writable TLB entries after fork (QEMU: exit 3).
  GuestRun r = multiboot("cow_flush=none run=cowtest");
  EXPECT_EQ(r.outcome.status, 3) << r.outcome.message;
  EXPECT_TRUE(
      hasLine(r.console,
              "FAIL isolation: parent reads 'B', child saw the parent's value changed (or died)"))
      << r.console;
}

TEST(GuestOnMachine, RawDiskBootThroughItsOwnBootSector) {
  MachineConfig c;
  c.disks = {GUEST_DISK};
  c.snapshot = true;
  GuestRun r = boot(c);
  EXPECT_EQ(r.outcome.status, 0) << r.outcome.message;  // QEMU: --exit 0
  EXPECT_TRUE(hasLine(r.console, "cowtest: all 11 checks ok")) << r.console;
  EXPECT_TRUE(hasLine(r.console, "run: exit 0")) << r.console;
}
