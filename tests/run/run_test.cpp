// run::Run, the one run under every front end: its stop conditions stop where they say, stopping
// and going on never changes the run, and the one tracer feeds every sink the same records.
// The guest is the built-in teaching kernel; the numbers come from runs of the same kernel in
// one piece, so each test compares the Run against itself, not against numbers copied in.
#include "emu/run/run.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "devices/console.h"
#include "devices/firmware.h"

namespace {

std::unique_ptr<run::Run> guest(const std::string& cmdline, devices::ByteSink* console,
                                std::string input = "") {
  run::Config c;
  c.machine.kernel = GUEST_KERNEL;
  c.machine.modules = {GUEST_ARCHIVE};
  c.machine.cmdline = cmdline;
  c.machine.input = input;
  c.machine.console = console;
  std::string error;
  std::unique_ptr<run::Run> r = run::Run::create(c, error);
  EXPECT_TRUE(r) << error;
  return r;
}

run::Stop runUntil(run::Run& r, const std::string& text) {
  std::string error;
  std::optional<run::Until> u = run::Until::parse(text, error);
  EXPECT_TRUE(u) << error;
  std::optional<run::Stop> s = r.run(*u, error);
  EXPECT_TRUE(s) << error;
  return s ? *s : run::Stop{};
}

// Collects the records a tracer hands a sink.
struct Collect final : trace::Sink {
  std::vector<trace::Record> records;
  void write(const trace::Record& r) override { records.push_back(r); }
  void finish() override {}
};

constexpr uint32_t bit(trace::Kind k) {
  return 1u << static_cast<unsigned>(k);
}

// forkstorm 20 4: 20 rounds of fork, the child writes 4 pages and exits (docs/lab.md).
constexpr const char* kForkstorm = "run=forkstorm 20 4";

TEST(Run, StoppingInPiecesIsTheSameRun) {
  devices::StringSink wholeConsole, piecesConsole;
  auto whole = guest(kForkstorm, &wholeConsole);
  auto pieces = guest(kForkstorm, &piecesConsole);
  ASSERT_TRUE(whole && pieces);
  run::Stop a = whole->run();
  ASSERT_EQ(a.kind, run::StopKind::kExited) << a.message;

  // The same run stopped at every kind of condition on the way, then in budgets of 77,777
  // instructions to the end.
  for (const char* at : {"symbol:copyuvm", "ret:copyuvm", "pf:3", "cycle:40000000", "insn:2500000",
                         "event:kind=resolve and copied", "console:forkstorm"}) {
    run::Stop s = runUntil(*pieces, at);
    ASSERT_EQ(s.kind, run::StopKind::kReached) << at << ": " << s.message;
  }
  run::Stop b;
  do {
    b = pieces->resume(pieces->instructions() + 77'777);
  } while (b.kind == run::StopKind::kPaused);
  ASSERT_EQ(b.kind, run::StopKind::kExited) << b.message;

  EXPECT_EQ(pieces->instructions(), whole->instructions());
  EXPECT_EQ(pieces->cycles(), whole->cycles());
  EXPECT_EQ(piecesConsole.text, wholeConsole.text);
  EXPECT_EQ(pieces->machine().mmu().stats().pageFaultTotal(),
            whole->machine().mmu().stats().pageFaultTotal());
  EXPECT_EQ(pieces->tracer().counters().resolutions, whole->tracer().counters().resolutions);
  EXPECT_EQ(pieces->machine().mmu().stats().tlbMisses, whole->machine().mmu().stats().tlbMisses);
  // The summary, but for its TLB hit count: the interpreter's slow path (taken while a condition
  // watches every instruction) looks instruction fetches up in the TLB per instruction, the
  // decoded-block path per block, so hits count host lookups, not the guest's accesses.
  auto withoutHits = [](std::string summary) {
    size_t at = summary.find("  TLB    ");
    return at == std::string::npos ? summary : summary.erase(at, summary.find('\n', at) - at);
  };
  EXPECT_EQ(withoutHits(pieces->summary(-1)), withoutHits(whole->summary(-1)));
  // Once the guest has ended, every run returns that end at once.
  run::Stop again = pieces->run();
  EXPECT_EQ(again.kind, run::StopKind::kExited);
  EXPECT_EQ(pieces->instructions(), whole->instructions());
}

TEST(Run, ConditionsStopWhereTheySay) {
  devices::StringSink console;
  auto r = guest(kForkstorm, &console);
  ASSERT_TRUE(r);
  const emu::Cpu& cpu = r->machine().cpu();
  auto copyuvm = r->symbols().find("copyuvm");
  ASSERT_TRUE(copyuvm);

  // symbol: before the function's first instruction runs.
  ASSERT_EQ(runUntil(*r, "symbol:copyuvm").kind, run::StopKind::kReached);
  EXPECT_EQ(cpu.eip(), copyuvm->start);
  // ret: the instruction after the call, back in the caller (fork), with the call's frame gone.
  uint32_t esp = cpu.reg(emu::kEsp);
  ASSERT_EQ(runUntil(*r, "ret:copyuvm").kind, run::StopKind::kReached);
  EXPECT_EQ(r->symbols().lookup(cpu.eip())->name, "fork");
  EXPECT_EQ(cpu.reg(emu::kEsp), esp + 4);

  // pf:N: the Nth page fault from now has been resolved (its instruction completed).
  uint64_t faults = r->machine().mmu().stats().pageFaultTotal();
  auto resolved = [&] {
    uint64_t n = 0;
    for (uint64_t c : r->tracer().counters().resolutions) n += c;
    return n;
  };
  uint64_t resolvedBefore = resolved();
  ASSERT_EQ(runUntil(*r, "pf:2").kind, run::StopKind::kReached);
  EXPECT_EQ(r->machine().mmu().stats().pageFaultTotal(), faults + 2);
  EXPECT_EQ(resolved(), resolvedBefore + 2);

  // insn:N and cycle:N are totals: exactly N instructions; the first boundary at or after N.
  uint64_t n = r->instructions() + 12'345;
  ASSERT_EQ(runUntil(*r, "insn:" + std::to_string(n)).kind, run::StopKind::kReached);
  EXPECT_EQ(r->instructions(), n);
  uint64_t c = r->cycles() + 54'321;
  ASSERT_EQ(runUntil(*r, "cycle:" + std::to_string(c)).kind, run::StopKind::kReached);
  EXPECT_GE(r->cycles(), c);

  // event: the record that matched comes with the stop.
  run::Stop s = runUntil(*r, "event:kind=fault and user and write");
  ASSERT_EQ(s.kind, run::StopKind::kReached);
  ASSERT_TRUE(s.event);
  EXPECT_EQ(s.event->kind, trace::Kind::kPageFault);
  EXPECT_EQ(s.event->errorCode & 6u, 6u);  // W and U of the #PF error code

  // console: the text has just been printed, and nothing after it.
  ASSERT_EQ(runUntil(*r, "console:parent faults").kind, run::StopKind::kReached);
  EXPECT_EQ(console.text.substr(console.text.size() - 13), "parent faults");
}

TEST(Run, BadConditionsAreOneLineErrorsBeforeAnythingRuns) {
  auto r = guest(kForkstorm, nullptr);
  ASSERT_TRUE(r);
  std::string error;
  EXPECT_FALSE(r->run(*run::Until::parse("symbol:no_such_function", error), error));
  EXPECT_EQ(error, "symbol:no_such_function: no symbol no_such_function");
  EXPECT_FALSE(r->run(*run::Until::parse("event:kind=nonsense", error), error));
  EXPECT_EQ(error.rfind("event:kind=nonsense: column 6: unknown kind 'nonsense'", 0), 0u) << error;
  EXPECT_FALSE(run::Until::parse("sometime", error));
  EXPECT_EQ(r->instructions(), 0u);
}

// cow_fix=keepro never makes the page writable: the child faults at the same EIP and CR2 again
// and again, and the repeat stop names the tenth.
TEST(Run, RepeatedFaultsStopTheRun) {
  auto r = guest("cow_fix=keepro run=cowtest", nullptr);
  ASSERT_TRUE(r);
  r->stopOnRepeatedFaults(10);
  run::Stop s = r->run();
  ASSERT_EQ(s.kind, run::StopKind::kRepeatedFault) << s.message;
  ASSERT_TRUE(s.event);
  EXPECT_EQ(s.event->kind, trace::Kind::kPageFault);
  EXPECT_EQ(s.event->repeat, 10u);
  EXPECT_EQ(s.message, "the same page fault 10 times in a row");
}

// Sinks of the one tracer: each gets the records of its kinds that its filter matches, and
// the tracer's counters agree with what the sinks saw.
TEST(Run, EverySinkSeesTheSameRecords) {
  auto r = guest(kForkstorm, nullptr);
  ASSERT_TRUE(r);
  Collect all, resolves;
  std::string error;
  std::unique_ptr<trace::Filter> f = trace::Filter::parse("kind=resolve", r->symbols(), error);
  ASSERT_TRUE(f) << error;
  uint32_t pf = bit(trace::Kind::kPageFault) | bit(trace::Kind::kResolve);
  r->tracer().setSink(&all, pf);
  r->tracer().setSink(&resolves, pf, f.get());
  ASSERT_EQ(r->run().kind, run::StopKind::kExited);
  r->finish();

  uint64_t faults = 0, resolutions = 0;
  for (const trace::Record& rec : all.records) {
    faults += rec.kind == trace::Kind::kPageFault;
    resolutions += rec.kind == trace::Kind::kResolve;
  }
  EXPECT_EQ(faults, r->machine().mmu().stats().pageFaultTotal());
  uint64_t counted = 0;
  for (uint64_t c : r->tracer().counters().resolutions) counted += c;
  EXPECT_EQ(resolutions, counted);
  EXPECT_EQ(faults, 120u);  // 20 rounds x (4 heap pages + child stack + parent stack)
  EXPECT_EQ(resolves.records.size(), resolutions);
}

}  // namespace

namespace {

// User programs all link at 0: a user address is named by the program its address space runs,
// never by another program's symbols. With init's and sh's ELFs given first (--symbols), the
// run's table names address 0x5 of every program after init; forktest's system calls must still
// read as forktest's own stubs.
TEST(Run, UserCodeIsNamedByTheProgramItsSpaceRuns) {
  run::Config c;
  c.machine.kernel = GUEST_KERNEL;
  c.machine.modules = {GUEST_ARCHIVE};
  c.machine.cmdline = "run=forktest";
  c.machine.input = "";
  c.symbolFiles = {GUEST_USER "/_init", GUEST_USER "/_sh", GUEST_USER "/_forktest"};
  devices::StringSink console;
  c.machine.console = &console;
  std::string error;
  std::unique_ptr<run::Run> r = run::Run::create(c, error);
  ASSERT_TRUE(r) << error;
  Collect calls;
  r->tracer().setSink(&calls, bit(trace::Kind::kSyscall));
  ASSERT_EQ(r->run().kind, run::StopKind::kExited);
  trace::Describer d(r->symbols(), r->cowBit());
  d.setGuestInfo(&r->guestInfo());
  d.setPrograms(&r->programs());
  const trace::SymbolTable* forktest = r->programs().symbols("forktest");
  ASSERT_TRUE(forktest);
  uint64_t named = 0, differs = 0;
  for (const trace::Record& rec : calls.records) {
    if (rec.ctx.cpl != 3 ||
        r->guestInfo().spaceName(rec.ctx.cr3).find("forktest") == std::string::npos) {
      continue;
    }
    std::string own = forktest->describe(rec.ctx.eip);
    EXPECT_EQ(d.symbol(rec.ctx.eip, rec.ctx.cr3), own) << std::hex << rec.ctx.eip;
    named += !own.empty();
    differs += own != r->symbols().describe(rec.ctx.eip);
  }
  EXPECT_GT(named, 0u);
  EXPECT_GT(differs, 0u);  // the run's table alone would have used init's names
}

}  // namespace

namespace {

std::vector<uint8_t> readAll(const std::string& path) {
  std::vector<uint8_t> bytes;
  std::string error;
  EXPECT_TRUE(devices::readFile(path, "test file", bytes, error)) << error;
  return bytes;
}

// The naming rule alone: a space known to run forktest names its user addresses from
// forktest's symbols; a space running no known program gets no user program's name (init's,
// which the run's table holds first, would be a guess); kernel addresses keep the run's names.
TEST(Run, AUserAddressIsNamedOnlyByItsOwnProgram) {
  trace::SymbolTable all;
  trace::Programs programs;
  std::string error;
  for (const char* name : {"/_init", "/_forktest"}) {
    std::vector<uint8_t> elf = readAll(std::string(GUEST_USER) + name);
    ASSERT_TRUE(all.loadBytes(elf, name, error)) << error;
    ASSERT_TRUE(programs.add(elf, name));
  }
  ASSERT_TRUE(all.loadFile(GUEST_KERNEL, error)) << error;
  const trace::SymbolTable* forktest = programs.symbols("forktest");
  ASSERT_TRUE(forktest);
  std::optional<trace::SymbolTable::Symbol> exit = forktest->find("exit");
  ASSERT_TRUE(exit);
  ASSERT_NE(all.describe(exit->start), "exit");  // init's table answers first in the run's

  trace::GuestInfo info;
  info.spaceNames[0x1000] = {"sh", "forktest"};  // exec'd: the last program is the one running
  info.spaceNames[0x2000] = {};
  trace::Describer d(all, run::kDefaultCowBit);
  d.setGuestInfo(&info);
  d.setPrograms(&programs);
  EXPECT_EQ(d.symbol(exit->start, 0x1000), "exit");
  EXPECT_EQ(d.symbol(exit->start + 5, 0x1000 | 0x18), "exit+0x5");  // CR3's low bits ignored
  EXPECT_EQ(d.symbol(exit->start, 0x2000), "");
  EXPECT_EQ(d.symbol(exit->start, 0x3000), "");
  auto copyuvm = all.find("copyuvm");
  ASSERT_TRUE(copyuvm);
  EXPECT_EQ(d.symbol(copyuvm->start + 2, 0x1000), "copyuvm+0x2");
  EXPECT_EQ(d.symbol(copyuvm->start + 2, 0x2000), "copyuvm+0x2");
}

}  // namespace

namespace {

// Breakpoints (the debugger's): a run stops before the instruction at a breakpoint runs, every
// time it comes there; resuming runs that instruction first. Compared with symbol: on a second
// run of the same kernel, which stops at the same place (both check EIP at each boundary).
TEST(Run, BreakpointsStopBeforeTheirInstruction) {
  devices::StringSink consoleA, consoleB;
  auto a = guest(kForkstorm, &consoleA);
  auto b = guest(kForkstorm, &consoleB);
  ASSERT_TRUE(a && b);
  std::optional<trace::SymbolTable::Symbol> handler = a->symbols().find("handlePageFault");
  ASSERT_TRUE(handler);
  a->setBreakpoints({handler->start});
  run::Stop first = a->run();
  EXPECT_EQ(first.kind, run::StopKind::kBreakpoint);
  EXPECT_EQ(a->machine().cpu().eip(), handler->start);
  run::Stop reached = runUntil(*b, "symbol:handlePageFault");
  EXPECT_EQ(reached.kind, run::StopKind::kReached);
  EXPECT_EQ(a->instructions(), b->instructions());
  EXPECT_EQ(a->cycles(), b->cycles());
  // The next fault's handler: another stop at the same EIP, later.
  run::Stop second = a->run();
  EXPECT_EQ(second.kind, run::StopKind::kBreakpoint);
  EXPECT_EQ(a->machine().cpu().eip(), handler->start);
  EXPECT_GT(a->instructions(), b->instructions());
  // No breakpoints: the run goes to its end.
  a->setBreakpoints({});
  EXPECT_TRUE(a->run().ended());
}

// The debugger's writes: bytes through the current tables land in the frame a probe reads back,
// and a write where a page would fault writes nothing.
TEST(Run, WriteLinearWritesWhatReadLinearReads) {
  devices::StringSink console;
  auto r = guest(kForkstorm, &console);
  ASSERT_TRUE(r);
  runUntil(*r, "symbol:handlePageFault");
  uint32_t cr3 = r->machine().mmu().cr3();
  uint32_t esp = r->machine().cpu().reg(emu::kEsp);
  std::optional<std::vector<uint8_t>> before = r->readLinear(cr3, esp, 4, false);
  ASSERT_TRUE(before);
  std::vector<uint8_t> bytes{0x12, 0x34, 0x56, 0x78};
  EXPECT_TRUE(r->writeLinear(cr3, esp, bytes));
  EXPECT_EQ(r->readLinear(cr3, esp, 4, false), bytes);
  EXPECT_TRUE(r->writeLinear(cr3, esp, *before));
  // 0xFFFFF000 is not mapped by the built-in kernel (its kernel half ends at 0x84000000).
  EXPECT_FALSE(r->readLinear(cr3, 0xFFFFF000u, 4, false));
  EXPECT_FALSE(r->writeLinear(cr3, 0xFFFFF000u, bytes));
}

}  // namespace
