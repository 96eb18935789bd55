// Snapshots of a run (Run::saveState, restoreState; docs/debug.md): a run restored to a snapshot
// goes on exactly as the run after the snapshot went, byte for byte in its trace, its console,
// its summary and its registers, on the same machine or on another of the same configuration,
// with one processor or two. Each test compares the run against itself: no number is copied in.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "devices/console.h"
#include "emu/run/run.h"
#include "emu/trace/format.h"

namespace {

constexpr uint32_t bit(trace::Kind k) {
  return 1u << static_cast<unsigned>(k);
}

// Every kind of record but the per-instruction and per-access ones, which the summary counts.
constexpr uint32_t kKinds =
    bit(trace::Kind::kPageFault) | bit(trace::Kind::kTlbFlush) | bit(trace::Kind::kTlbMiss) |
    bit(trace::Kind::kCr3Write) | bit(trace::Kind::kStaleTlbUse) | bit(trace::Kind::kMissingFlush) |
    bit(trace::Kind::kException) | bit(trace::Kind::kInterrupt) | bit(trace::Kind::kSyscall) |
    bit(trace::Kind::kHalt) | bit(trace::Kind::kResolve) | bit(trace::Kind::kSysReturn);

// The records as JSON lines, each with every field of the record.
struct Lines final : trace::Sink {
  explicit Lines(run::Run& r) : describer(r.symbols(), r.cowBit()) {
    describer.setGuestInfo(&r.guestInfo());
    describer.setPrograms(&r.programs());
  }
  void write(const trace::Record& r) override { text += trace::formatJson(r, describer) + "\n"; }
  void finish() override {}
  trace::Describer describer;
  std::string text;
};

std::unique_ptr<run::Run> guest(const std::string& cmdline, unsigned cpus,
                                devices::ByteSink* console) {
  run::Config c;
  c.machine.kernel = GUEST_KERNEL;
  c.machine.modules = {GUEST_ARCHIVE};
  c.machine.cmdline = cmdline;
  c.machine.console = console;
  c.machine.cpus = cpus;
  std::string error;
  std::unique_ptr<run::Run> r = run::Run::create(c, error);
  EXPECT_TRUE(r) << error;
  return r;
}

// What a stretch of a run shows: its records, its console, the summary and every processor's
// registers at its end.
struct Stretch {
  std::string trace, console, summary, registers;
};

std::string registers(run::Run& r) {
  std::string out;
  emu::Machine& m = r.machine();
  for (unsigned k = 0; k < m.cpuCount(); ++k) {
    emu::Cpu& c = m.cpu(k);
    out += std::to_string(c.instructions()) + " " + std::to_string(c.cycles()) + " " +
           std::to_string(c.eip()) + " " + std::to_string(c.eflags()) + " " +
           std::to_string(c.cr2()) + " " + std::to_string(c.cr3());
    for (unsigned i = 0; i < 8; ++i) out += " " + std::to_string(c.reg(static_cast<emu::Reg>(i)));
    out += "\n";
  }
  return out;
}

Stretch runTo(run::Run& r, devices::StringSink& console, uint64_t instructions) {
  Lines lines(r);
  r.tracer().setSink(&lines, kKinds);
  size_t from = console.text.size();
  std::string error;
  std::optional<run::Stop> s = r.run(run::Until::instructions(instructions), error);
  EXPECT_TRUE(s) << error;
  r.tracer().setSink(&lines, 0);
  return {lines.text, console.text.substr(from), r.summary(-1), registers(r)};
}

void expectSame(const Stretch& a, const Stretch& b) {
  EXPECT_EQ(a.trace, b.trace);
  EXPECT_EQ(a.console, b.console);
  EXPECT_EQ(a.summary, b.summary);
  EXPECT_EQ(a.registers, b.registers);
}

// forkstorm 20 4: 20 rounds of fork, each child writing 4 pages (docs/lab.md): a page fault,
// a copy and a flush every few thousand instructions.
constexpr const char* kForkstorm = "run=forkstorm 20 4";

// Runs N instructions, snapshots, runs M more (the first stretch), restores, runs the M again
// (the second) and compares; then restores the same snapshot into a second machine built from
// the same configuration and compares its stretch too.
void restoreGivesTheSameRun(unsigned cpus, uint64_t n, uint64_t m) {
  devices::StringSink console, otherConsole;
  auto r = guest(kForkstorm, cpus, &console);
  auto other = guest(kForkstorm, cpus, &otherConsole);
  ASSERT_TRUE(r && other);
  std::string error;
  ASSERT_TRUE(r->run(run::Until::instructions(n), error)) << error;
  std::shared_ptr<const run::Snapshot> snap = r->saveState();
  ASSERT_EQ(snap->instructions(), n);
  // Two processors may overshoot by what is left of a turn: the snapshot is where it stopped.
  Stretch first = runTo(*r, console, n + m);
  EXPECT_GT(first.trace.size(), 1000u);  // the stretch did page faults and flushes
  EXPECT_NE(first.trace.find("\"resolve\""), std::string::npos);

  r->restoreState(*snap);
  EXPECT_EQ(r->instructions(), n);
  Stretch second = runTo(*r, console, n + m);
  expectSame(first, second);

  other->restoreState(*snap);
  Stretch third = runTo(*other, otherConsole, n + m);
  expectSame(first, third);

  // And the run goes on to its end the same way from either.
  run::Stop a = r->run();
  run::Stop b = other->run();
  EXPECT_EQ(a.kind, run::StopKind::kExited) << a.message;
  EXPECT_EQ(b.kind, a.kind);
  EXPECT_EQ(r->summary(-1), other->summary(-1));
}

TEST(Snapshot, RestoreGivesTheSameRunOneProcessor) {
  restoreGivesTheSameRun(1, 3'000'000, 3'000'000);
}

TEST(Snapshot, RestoreGivesTheSameRunTwoProcessors) {
  restoreGivesTheSameRun(2, 3'000'000, 3'000'000);
}

// A snapshot taken after another shares the RAM frames that did not change, and a chain of
// restores, each to an earlier snapshot, lands each time where that snapshot was taken.
TEST(Snapshot, LaterSnapshotsShareUnchangedFrames) {
  devices::StringSink console;
  auto r = guest(kForkstorm, 1, &console);
  ASSERT_TRUE(r);
  std::string error;
  std::vector<std::shared_ptr<const run::Snapshot>> snaps;
  std::vector<std::string> at;
  for (uint64_t n = 1'000'000; n <= 4'000'000; n += 1'000'000) {
    ASSERT_TRUE(r->run(run::Until::instructions(n), error)) << error;
    snaps.push_back(r->saveState(snaps.empty() ? nullptr : snaps.back().get()));
    at.push_back(registers(*r) + r->summary(-1));
  }
  // The first snapshot copied every frame the guest had touched; the later ones far fewer.
  EXPECT_GT(snaps[0]->machine->ram.copied, 4 * snaps[3]->machine->ram.copied);
  for (size_t i = snaps.size(); i-- > 0;) {
    r->restoreState(*snaps[i]);
    EXPECT_EQ(registers(*r) + r->summary(-1), at[i]) << "snapshot " << i;
  }
}

}  // namespace
