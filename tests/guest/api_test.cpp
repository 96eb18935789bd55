// The API itself, on the built-in guest: options and errors, running to events, symbols and
// limits, single steps, and inspection that agrees with itself (a virtual read through the page
// tables equals the physical read of the frame the PTE names) and never changes the machine.
#include "tests/guest/guest_fixture.h"

using xray86::EventKind;
using xray86::Filter;
using xray86::Machine;
using xray86::StopKind;

TEST(Api, BadOptionsAreErrorsNotCrashes) {
  xray86::Options o;
  o.kernel = "/nonexistent/kernel.elf";
  std::string error;
  EXPECT_EQ(Machine::create(o, error), nullptr);
  EXPECT_NE(error.find("/nonexistent/kernel.elf"), std::string::npos) << error;
  EXPECT_THROW(Machine m(o), xray86::Error);

  xray86::Options none;  // nothing to boot
  EXPECT_EQ(Machine::create(none, error), nullptr);
  EXPECT_NE(error.find("nothing to boot"), std::string::npos) << error;

  xray86::Options mem = guest::options("run=free");
  mem.memMb = 1;  // below the machine's 2 MB minimum
  EXPECT_EQ(Machine::create(mem, error), nullptr);
  EXPECT_NE(error.find("--mem"), std::string::npos) << error;

  xray86::Options tlb = guest::options("run=free");
  tlb.tlbSets = 3;  // not a power of two
  EXPECT_EQ(Machine::create(tlb, error), nullptr);
  EXPECT_FALSE(error.empty());

  xray86::Options sym = guest::options("run=free");
  sym.symbols = {GUEST_ARCHIVE};  // not an ELF file
  EXPECT_EQ(Machine::create(sym, error), nullptr);
  EXPECT_NE(error.find("not an ELF file"), std::string::npos) << error;

  EXPECT_THROW(xray86::Options::fromArgs({"--no-such-option"}), xray86::Error);
  EXPECT_THROW(xray86::Options::fromArgs({"--tlb", "8by4"}), xray86::Error);
  EXPECT_THROW(xray86::Options::fromArgs({"--rtc", "yesterday"}), xray86::Error);
}

TEST(Api, OptionsFromTheCommandLine) {
  xray86::Options o = xray86::Options::fromArgs(
      {"--kernel", GUEST_KERNEL, "--module", GUEST_ARCHIVE, "--cmdline", "run=free", "--mem", "64",
       "--tlb", "16x2", "--max-insns", "123456", "--rtc", "2001-01-01"});
  EXPECT_EQ(o.kernel, GUEST_KERNEL);
  EXPECT_EQ(o.modules, std::vector<std::string>{GUEST_ARCHIVE});
  EXPECT_EQ(o.cmdline, "run=free");
  EXPECT_EQ(o.memMb, 64u);
  EXPECT_EQ(o.tlbSets, 16u);
  EXPECT_EQ(o.tlbWays, 2u);
  EXPECT_EQ(o.maxInstructions, 123456u);
  EXPECT_EQ(o.rtc, 978307200);  // 2001-01-01: 31 years of days (8 leap years) after 1970
  Machine m(o);
  EXPECT_EQ(m.tlb().size(), 0u);  // nothing translated yet
  xray86::Stop s = m.run();
  EXPECT_EQ(s.kind, StopKind::kInstructionLimit) << s.message;
  EXPECT_EQ(m.instructions(), 123456u);
}

TEST(Api, RunsToTheExitAndKeepsTheConsole) {
  Machine m(guest::options("run=free"));
  xray86::Stop s = m.run();
  ASSERT_EQ(s.kind, StopKind::kExited) << s.message << "\n" << m.console();
  EXPECT_EQ(s.status, 0);  // free exits 0: the kernel powers off by ACPI, status 0
  std::smatch match;
  std::string console = m.console();
  ASSERT_TRUE(std::regex_search(console, match, std::regex("free pages: ([0-9]+) ")));
  // The guest's getNumFreePages() and the API's walk of the same free list agree: after `free`
  // printed, nothing allocates or frees a frame before the power-off.
  EXPECT_EQ(guest::freeFrames(m), std::stoi(match[1]));
  // A stopped guest stays stopped.
  EXPECT_EQ(m.run().kind, StopKind::kExited);
}

TEST(Api, StepsAndInstructionAndCycleBudgets) {
  Machine m(guest::options("run=free"));
  xray86::Registers r0 = m.registers();
  EXPECT_EQ(r0.cr0 & 1, 1u);  // multiboot enters in protected mode
  EXPECT_EQ(r0.cpl, 0);
  xray86::Stop s = m.step();
  EXPECT_EQ(s.kind, StopKind::kInstructionLimit);
  EXPECT_EQ(m.instructions(), 1u);
  EXPECT_NE(m.registers().eip, r0.eip);
  m.runInstructions(999);
  EXPECT_EQ(m.instructions(), 1000u);
  uint64_t c = m.cycles();
  s = m.runCycles(5000);
  EXPECT_EQ(s.kind, StopKind::kCycleLimit);
  // The run stops at the first instruction boundary at or past the budget; no 80386 instruction
  // the kernel runs costs more than a few hundred clocks ([386PRM] chapter 17).
  EXPECT_GE(m.cycles(), c + 5000);
  EXPECT_LT(m.cycles(), c + 5000 + 500);
}

TEST(Api, RunUntilThePageFaultAndInspectIt) {
  // cowfork's first page fault: a process writes its stack page after fork (protection, write,
  // user: error code 7), whose PTE fork made read-only and COW.
  Machine m(guest::options("run=cowfork 4 1", {"cowfork"}));
  xray86::Stop s = m.runUntil(EventKind::kPageFault);
  ASSERT_EQ(s.kind, StopKind::kEvent) << s.message << "\n" << m.console();
  ASSERT_TRUE(m.lastEvent());
  const xray86::Event& pf = *m.lastEvent();
  EXPECT_EQ(pf.errorCode, 7u);
  EXPECT_EQ(pf.cpl, 3);
  xray86::Registers r = m.registers();
  EXPECT_EQ(r.cr2, pf.address);  // CR2 written before delivery
  EXPECT_EQ(r.cpl, 0);           // stopped in the kernel, at the handler's first instruction
  xray86::PageEntries pe = m.pageEntries(pf.cr3, pf.address);
  ASSERT_TRUE(pe.present);
  EXPECT_TRUE(pe.user);
  EXPECT_FALSE(pe.writable);
  EXPECT_EQ(pe.pte & guest::kPteCow, guest::kPteCow);
  EXPECT_EQ(pe.pte, pf.pte);  // the event's walk read the same word
  // The same bytes by virtual address (through the faulting space) and by physical address.
  uint32_t page = pf.address & ~0xFFFu;
  auto v = m.readVirtual(pf.cr3, page, 4096, true);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, m.readPhysical(pe.pte & ~0xFFFu, 4096));
  // The mapping list of that space holds the page, with the same PTE.
  bool found = false;
  for (const xray86::Mapping& mp : m.mappings(pf.cr3)) {
    if (mp.linear == page) {
      found = true;
      EXPECT_EQ(mp.pte, pe.pte);
      EXPECT_EQ(mp.physical, pe.pte & ~0xFFFu);
    }
  }
  EXPECT_TRUE(found);
  // A fault fills no TLB entry (SDM vol. 3A 4.10.2.3; docs/mmu.md): the page is not in the TLB.
  for (const xray86::TlbEntry& e : m.tlb()) EXPECT_NE(e.linear, page);
  // Inspection changed nothing: the same probe gives the same answer; MMIO is never read.
  EXPECT_EQ(m.pageEntries(pf.cr3, pf.address).pte, pe.pte);
  EXPECT_THROW(m.readPhysical(0xFEE00000, 4), xray86::Error);  // the local APIC: never read
}

TEST(Api, RunToASymbolAndSubscribe) {
  Machine m(guest::options("run=cowfork 4 1", {"cowfork"}));
  std::vector<xray86::Event> flushes;
  int id = m.subscribe(EventKind::kTlbFlush, [&](const xray86::Event& e) { flushes.push_back(e); });
  xray86::Stop s = m.runTo("copyuvm");
  ASSERT_EQ(s.kind, StopKind::kAddress) << s.message;
  auto copyuvm = m.symbols().find("copyuvm");
  ASSERT_TRUE(copyuvm);
  EXPECT_EQ(m.registers().eip, copyuvm->start);
  EXPECT_EQ(m.symbols().describe(m.registers().eip), "copyuvm");
  size_t before = flushes.size();
  EXPECT_GT(before, 0u);  // boot and exec loaded CR3 before fork
  EXPECT_EQ(before, m.count(Filter::of(EventKind::kTlbFlush)));
  m.unsubscribe(id);
  // A callback may unsubscribe itself and subscribe others while the run goes on.
  int once = 0, later = 0, self = 0;
  self = m.subscribe(EventKind::kSyscall, [&](const xray86::Event&) {
    ++once;
    m.unsubscribe(self);
    m.subscribe(EventKind::kSyscall, [&](const xray86::Event&) { ++later; });
  });
  m.run();
  EXPECT_EQ(flushes.size(), before);  // nothing after unsubscribe
  EXPECT_EQ(once, 1);
  EXPECT_GT(later, 0);
  EXPECT_THROW(m.runTo("no_such_function"), xray86::Error);
  EXPECT_THROW(m.count(Filter::pageFaults().inSymbol("no_such_function")), xray86::Error);
}

TEST(Api, CallbacksCanStopARunAndTheirExceptionsComeBack) {
  Machine m(guest::options("run=cowfork 4 1", {"cowfork"}));
  int syscalls = 0;
  m.subscribe(EventKind::kSyscall, [&](const xray86::Event&) {
    if (++syscalls == 3) m.stop();
  });
  xray86::Stop s = m.run();
  EXPECT_EQ(s.kind, StopKind::kRequested);
  EXPECT_EQ(syscalls, 3);
  EXPECT_THROW(m.subscribe(EventKind::kHalt, nullptr), xray86::Error);
  int thrower = m.subscribe(EventKind::kPageFault, [&](const xray86::Event&) {
    throw std::runtime_error("from a callback");
  });
  EXPECT_THROW(m.run(), std::runtime_error);
  m.unsubscribe(thrower);
  m.subscribe(EventKind::kSyscall, [&](const xray86::Event&) { m.run(); });
  EXPECT_THROW(m.run(), xray86::Error);  // no run inside a run
}

TEST(Api, TlbMissesAreRecordedOnlyOnRequest) {
  Machine m(guest::options("run=free"));
  EXPECT_THROW(m.count(Filter::of(EventKind::kTlbMiss)), xray86::Error);
  m.recordTlbMisses(true);
  m.run();
  // Every miss the MMU counted during the run was recorded (recording began before the run).
  EXPECT_EQ(m.count(Filter::of(EventKind::kTlbMiss)), m.counters().tlbMisses);
  EXPECT_GT(m.counters().tlbMisses, 0u);
}

// Filters are --trace-filter expressions evaluated by the trace's own filter on the trace's own
// records: the same expression gives the same count through the API as the lines
// `xray86 run --trace pf --trace-filter EXPR` writes. Bad expressions are one-line Errors.
TEST(Api, FilterCountsAreTheTracesLines) {
  // cowfork 8 3 (cow_test.cpp derives its faults): the child writes 3 heap pages, each one COW
  // fault (a user write to a present page: protection|write|user) resolved by a copy, because
  // the parent still maps every heap page. Under `kind=pf` each is a fault line and a resolve
  // line (the resolution carries its fault's error code and CR2): 3 + 3 = 6.
  const std::string cmdline = "run=cowfork 8 3";
  Machine m(guest::options(cmdline, {"cowfork"}));
  // Resolutions and system-call returns are events too: 5 faults (3 heap, one stack page per
  // process), each resolved once.
  int resolutions = 0;
  m.subscribe(EventKind::kResolve, [&](const xray86::Event& e) {
    ++resolutions;
    EXPECT_NE(e.resolution, xray86::Resolution::kUnresolved);
  });
  ASSERT_EQ(m.run().kind, StopKind::kExited) << m.console();
  EXPECT_EQ(resolutions, 5);
  EXPECT_EQ(m.count("kind=resolve"), 5u);
  // fork's returns: to the parent, run= makes cowfork pid 1, so its child is pid 2 (proc.c hands
  // out pids in order); the child leaves the kernel through forkret, not through the call it
  // never made, and its first return to user mode is its fork's return, 0.
  auto forks = m.events(Filter("kind=sysret").where("eax=" + std::to_string(guest::kSysFork)));
  ASSERT_EQ(forks.size(), 2u);
  EXPECT_EQ(forks[0].value, 2u);
  EXPECT_EQ(forks[0].kind, EventKind::kSysReturn);
  EXPECT_EQ(forks[1].value, 0u);
  EXPECT_EQ(forks[1].parent, forks[0].asid);
  guest::CowforkReport r = guest::parseCowfork(m.console());
  ASSERT_EQ(r.heapEnd - r.heapStart, 8 * guest::kPgSize) << m.console();
  char range[64];
  std::snprintf(range, sizeof range, "cr2 in 0x%x..0x%x", r.heapStart, r.heapEnd);
  const std::string heapCow = std::string("kind=pf and protection and write and user and ") + range;
  EXPECT_EQ(m.count(heapCow), 6u);
  EXPECT_EQ(m.count("kind=fault and protection and write and user and " + std::string(range)), 3u);
  EXPECT_EQ(m.count("kind=resolve and copied and " + std::string(range)), 3u);
  // The builders write the same language.
  Filter built = Filter::pageFaults().cowClass().userMode(true).inCr2(r.heapStart, r.heapEnd);
  EXPECT_EQ(built.text(), "kind=fault and protection and write and user and " + std::string(range));
  EXPECT_EQ(m.count(built), 3u);
  EXPECT_EQ(Filter("kind=tlb or kind=cr3").atCpl(0).text(), "(kind=tlb or kind=cr3) and cpl=0");

  // The same expression through the command line: a header line, then one line per record.
  std::string out = std::string(QEMU_WORK_DIR) + "/filter_cross_check.txt";
  std::remove(out.c_str());
  std::string cmd =
      std::string(XRAY86_BINARY) +
      " run --quiet --kernel " GUEST_KERNEL " --module " GUEST_ARCHIVE " --cmdline '" + cmdline +
      "' --trace pf --trace-filter '" + heapCow + "' --trace-out " + out + " >/dev/null 2>&1";
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << cmd;
  EXPECT_EQ(WEXITSTATUS(status), 0) << cmd;  // cowfork exits 0: ACPI poweroff, status 0
  std::istringstream lines(guest::slurp(out));
  std::string line;
  size_t faults = 0, resolves = 0, total = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;  // the column header
    ++total;
    faults += line.find(" pf ") != std::string::npos;
    resolves +=
        line.find(" resolve ") != std::string::npos && line.find(" copied ") != std::string::npos;
  }
  EXPECT_EQ(total, m.count(heapCow));
  EXPECT_EQ(faults, 3u);
  EXPECT_EQ(resolves, 3u);

  // A bad expression: the parser's message, with the expression and the column.
  try {
    m.count("kind=pf and wrte");
    ADD_FAILURE() << "no Error";
  } catch (const xray86::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(
                  "filter \"kind=pf and wrte\": column 13: unknown field 'wrte'", 0),
              0u)
        << e.what();
  }
  EXPECT_THROW(m.events("cr2 in 0x1000"), xray86::Error);
  // runUntil's message reads like count()'s: the filter, then the parser's column and reason.
  try {
    m.runUntil(Filter("kind=nonsense"));
    ADD_FAILURE() << "no Error";
  } catch (const xray86::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(
                  "filter \"kind=nonsense\": column 6: unknown kind 'nonsense'", 0),
              0u)
        << e.what();
  }
  // Symbols resolve through the machine's tables (the kernel's and Options::symbols).
  EXPECT_THROW(m.count("eip in no_such_function"), xray86::Error);
  // fork write-protects the parent's pages and reloads CR3 once in copyuvm (cow_flush=lcr3, the
  // default): one flush there.
  EXPECT_EQ(m.count("kind=tlb and eip in copyuvm"), 1u);
}

// runUntil takes the filter language too, misses included (recorded for it alone).
TEST(Api, RunUntilAnExpression) {
  Machine m(guest::options("run=cowfork 4 1", {"cowfork"}));
  // The first copy-on-write copy: the resolution of the first fault after fork (cow_test.cpp:
  // the first process to write its stack page gets a copy while the other still shares it).
  xray86::Stop s = m.runUntil("kind=resolve and copied");
  ASSERT_EQ(s.kind, StopKind::kEvent) << s.message;
  xray86::Event r = *m.lastEvent();
  EXPECT_EQ(r.kind, EventKind::kResolve);
  EXPECT_EQ(r.resolution, xray86::Resolution::kCopied);
  EXPECT_EQ(r.errorCode, 7u);  // the fault's: protection|write|user
  EXPECT_NE(r.frameAfter, r.frameBefore);
  // The page tables agree with the record: the page now maps the new frame, writable.
  xray86::PageEntries pe = m.pageEntries(r.cr3, r.address);
  ASSERT_TRUE(pe.present);
  EXPECT_EQ(pe.physical & ~0xFFFu, r.frameAfter);
  EXPECT_TRUE(pe.writable);
  EXPECT_EQ(m.count("kind=fault"), 1u);  // the run stopped at its first resolution
  // A TLB miss at CPL 3: recorded for this stop although recordTlbMisses is off.
  s = m.runUntil("kind=miss and cpl=3");
  ASSERT_EQ(s.kind, StopKind::kEvent) << s.message;
  EXPECT_EQ(m.lastEvent()->kind, EventKind::kTlbMiss);
  EXPECT_EQ(m.lastEvent()->cpl, 3);
  EXPECT_THROW(m.count("kind=miss"), xray86::Error);  // still not recorded for counting
}

// Symbols are the trace's tables (trace::SymbolTable): names, ranges and "name+0x4".
TEST(Api, SymbolsOnTheirOwn) {
  xray86::Symbols s;
  s.load(GUEST_KERNEL);
  auto copyuvm = s.find("copyuvm");
  ASSERT_TRUE(copyuvm);
  EXPECT_GE(copyuvm->start, guest::kKernBase);  // the kernel is linked above KERNBASE
  EXPECT_GT(copyuvm->end, copyuvm->start);
  auto at = s.lookup(copyuvm->start + 4);
  ASSERT_TRUE(at);
  EXPECT_EQ(at->name, "copyuvm");
  EXPECT_EQ(s.describe(copyuvm->start + 4), "copyuvm+0x4");
  EXPECT_FALSE(s.lookup(0));  // nothing in the kernel's file covers address 0
  EXPECT_THROW(s.load("/nonexistent.elf"), xray86::Error);
  xray86::Symbols moved(std::move(s));
  EXPECT_TRUE(moved.find("copyuvm"));
  EXPECT_EQ(s.size(), 0u);  // a moved-from Symbols is left empty and usable
  EXPECT_FALSE(s.find("copyuvm"));
}

// Address spaces are named by the program whose code they map, and system calls by the kernel's
// syscalls table. run=cowfork 8 3: the kernel starts cowfork directly (no shell); its child
// shares its code until it exits, so every space that faulted is cowfork's. guest/kernel/
// syscall.h numbers fork 1 and getNumFreePages 16.
TEST(Api, NamesOfProgramsAndSystemCalls) {
  Machine m(guest::options("run=cowfork 8 3"));
  ASSERT_EQ(m.run().kind, StopKind::kExited) << m.console();
  std::map<uint32_t, xray86::Counters> spaces = m.countersByAddressSpace();
  size_t faulted = 0;
  for (const auto& [cr3, c] : spaces) {
    if (c.pageFaults == 0) continue;
    ++faulted;
    EXPECT_EQ(m.programName(cr3), "cowfork") << std::hex << cr3;
  }
  EXPECT_EQ(faulted, 2u);  // the parent's space and the child's
  EXPECT_EQ(m.syscallName(1), "fork");
  EXPECT_EQ(m.syscallName(16), "getNumFreePages");
  EXPECT_EQ(m.syscallName(999), "");
  EXPECT_EQ(m.programName(0x12345000), "");
}

// Kernels that never power off are driven by their console: the built-in shell with a script
// prints "$ " when it waits, the script's first line runs `free` (one line "free pages: N"),
// and the run goes on to the exit after that.
TEST(Api, RunUntilTheConsolePrints) {
  xray86::Options o = guest::options("run=sh");
  o.input = "free\nexit\n";
  Machine m(o);
  xray86::Stop s = m.runUntilConsole("$ ");
  ASSERT_EQ(s.kind, StopKind::kConsole) << s.message << m.console();
  EXPECT_EQ(s.message, "the console printed \"$ \"");
  std::string atPrompt = m.console();
  EXPECT_EQ(atPrompt.substr(atPrompt.size() - 2), "$ ");
  EXPECT_EQ(atPrompt.find("free pages"), std::string::npos);  // nothing typed yet: paced input
  s = m.runUntilConsole("free pages: ");
  ASSERT_EQ(s.kind, StopKind::kConsole) << s.message;
  // Only what is printed after the call counts: asking for the prompt again finds the next one.
  s = m.runUntilConsole("$ ");
  ASSERT_EQ(s.kind, StopKind::kConsole);
  std::string after = m.console();
  EXPECT_EQ(after.substr(atPrompt.size()).find("free\nfree pages: "), 0u) << after;
  EXPECT_EQ(m.run().kind, StopKind::kExited);
  EXPECT_THROW(m.runUntilConsole(""), xray86::Error);
}

// Google Test prints the API's values by name (emu/api/print.cpp): a failed
// EXPECT_EQ(s.kind, StopKind::kExited) says "Which is: StopKind::kHalted", not "1-byte object
// <08>". PrintToString is what Google Test's messages use.
TEST(Api, EnumsPrintByName) {
  using testing::PrintToString;
  EXPECT_EQ(PrintToString(StopKind::kExited), "StopKind::kExited");
  EXPECT_EQ(PrintToString(StopKind::kInstructionLimit), "StopKind::kInstructionLimit");
  EXPECT_EQ(PrintToString(StopKind::kRepeatedFault), "StopKind::kRepeatedFault");
  EXPECT_EQ(PrintToString(StopKind::kConsole), "StopKind::kConsole");
  EXPECT_EQ(PrintToString(static_cast<StopKind>(200)), "StopKind(200)");
  EXPECT_EQ(PrintToString(EventKind::kPageFault), "EventKind::kPageFault");
  EXPECT_EQ(PrintToString(EventKind::kStaleTlbUse), "EventKind::kStaleTlbUse");
  EXPECT_EQ(PrintToString(EventKind::kSysReturn), "EventKind::kSysReturn");
  // Every kind of event_kinds.h's list has its name (the list makes the names), and the first
  // value past it does not.
  for (unsigned k = 0; k < xray86::kEventKinds; ++k) {
    std::string name = PrintToString(static_cast<EventKind>(k));
    EXPECT_EQ(name.rfind("EventKind::k", 0), 0u) << name;
  }
  EXPECT_EQ(PrintToString(static_cast<EventKind>(xray86::kEventKinds)),
            "EventKind(" + std::to_string(xray86::kEventKinds) + ")");
  EXPECT_EQ(PrintToString(xray86::Resolution::kCopied), "Resolution::kCopied");
  EXPECT_EQ(PrintToString(xray86::Resolution::kMadeWritable), "Resolution::kMadeWritable");
  EXPECT_EQ(PrintToString(xray86::Resolution::kUnresolved), "Resolution::kUnresolved");
  EXPECT_EQ(PrintToString(xray86::Access::kWrite), "Access::kWrite");
  EXPECT_EQ(PrintToString(xray86::Access::kFetch), "Access::kFetch");
  // Both kinds of CR3 write keep their type's name: a flush's and an event's.
  EXPECT_EQ(PrintToString(xray86::FlushKind::kCr3Write), "FlushKind::kCr3Write");
  EXPECT_EQ(PrintToString(xray86::FlushKind::kInvlpg), "FlushKind::kInvlpg");
  EXPECT_EQ(PrintToString(EventKind::kCr3Write), "EventKind::kCr3Write");
  // A Stop: its kind, the exit status and the message (free exits 0, and the kernel powers off
  // by ACPI for 0: status 0, docs/platform.md's table).
  Machine m(guest::options("run=free"));
  xray86::Stop s = m.run();
  std::ostringstream text;
  text << s;
  EXPECT_EQ(text.str(), "StopKind::kExited (status 0): " + s.message);
  EXPECT_FALSE(s.message.empty());
}

// The words of `xray86 run` make the same run through the API: a disk boot like MIT xv6's (two
// disks: the grading image, whose config sector starts the shell, as the first; the kernel reads
// only that one, and the built disk.img stands where xv6's fs.img goes), a program typed at the
// shell, the COW bit, and run() ending where --until ends the command. Same instructions, same
// faults and resolutions.
TEST(Api, OptionsForADiskBootFromTheCommandLine) {
  const std::vector<std::string> args = {
      "--disk",  GRADING_DISK,           "--disk",      GUEST_DISK,
      "--input", "cowcheck\\n",          "--cow-bit",   "9",
      "--until", "console:cowcheck: ok", "--max-insns", "400000000"};
  xray86::Options o = xray86::Options::fromArgs(args);
  EXPECT_EQ(o.disks, (std::vector<std::string>{GRADING_DISK, GUEST_DISK}));
  EXPECT_EQ(o.input, std::optional<std::string>("cowcheck\\n"));  // escapes: the machine's
  EXPECT_EQ(o.cowBit, 9u);
  EXPECT_EQ(o.until, "console:cowcheck: ok");
  EXPECT_TRUE(o.kernel.empty());
  Machine m(o);
  xray86::Stop s = m.run();
  ASSERT_EQ(s.kind, StopKind::kConsole) << s << "\n" << m.console();
  xray86::Counters c = m.counters();

  // The command with the same words, its summary (--stats) on standard error.
  std::string out = std::string(QEMU_WORK_DIR) + "/disk_boot_stats.txt";
  std::remove(out.c_str());
  std::string cmd = std::string(XRAY86_BINARY) + " run --stats --quiet";
  for (const std::string& a : args) cmd += " '" + a + "'";
  cmd += " >/dev/null 2>" + out;
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << cmd;
  EXPECT_EQ(WEXITSTATUS(status), 0) << cmd << "\n" << guest::slurp(out);  // --until: status 0
  std::string stats = guest::slurp(out);
  auto field = [&](const std::string& name) -> std::string {
    std::smatch match;
    if (!std::regex_search(stats, match, std::regex("\n  " + name + " +([^\n]*)"))) return "?";
    return match[1];
  };
  EXPECT_EQ(field("instructions"), std::to_string(c.instructions)) << stats;
  EXPECT_EQ(field("page faults").substr(0, field("page faults").find(',')),
            std::to_string(c.pageFaults))
      << stats;
  EXPECT_EQ(field("repeat faults"), std::to_string(c.repeatFaults)) << stats;
  std::string resolutions =
      "copied " + std::to_string(c.resolutions[static_cast<int>(xray86::Resolution::kCopied)]) +
      ", made-writable " +
      std::to_string(c.resolutions[static_cast<int>(xray86::Resolution::kMadeWritable)]);
  EXPECT_EQ(field("fault resolutions").rfind(resolutions, 0), 0u) << resolutions << "\n" << stats;
  // What it typed and what cowcheck printed, as the shell echoed them.
  EXPECT_NE(m.console().find("$ cowcheck\n"), std::string::npos) << m.console();
}

// Processes on the built-in guest, `run=cowfork 8 3`: the address spaces in the order they
// appear, with the kernel's pids and names read from its `ptable`:
//   asid 1  the boot page directory (entry.S), asid 2 kpgdir (the scheduler's): no process;
//   asid 3  pid 1 "init", the first process's directory from userinit;
//   asid 4  pid 1 again: forkret execs the run= program in the kernel (startfirst), a new
//           directory for the same pid, exec'd from asid 3 and named "cowfork" by exec;
//   asid 5  pid 2, cowfork's child, forked from asid 4.
// The child writes K=3 heap pages (3 copies) and its stack page, which the parent copied first
// (its write after fork returns: the parent's 1 copy), so the child owns it alone: made
// writable. The child's fork returns 0 in its own address space.
TEST(Api, ProcessesParentsAndPids) {
  Machine m(guest::options("run=cowfork 8 3"));
  ASSERT_EQ(m.run().kind, StopKind::kExited) << m.console();
  std::vector<xray86::Process> ps = m.processes();
  ASSERT_EQ(ps.size(), 5u);
  struct Want {
    int32_t pid;
    const char* name;
    uint32_t parent, execFrom;
  };
  const Want want[] = {{-1, "", 0, 0},
                       {-1, "", 0, 0},
                       {1, "init", 0, 0},
                       {1, "cowfork", 0, 3},
                       {2, "cowfork", 4, 0}};
  for (uint32_t i = 0; i < 5; ++i) {
    EXPECT_EQ(ps[i].asid, i + 1);
    EXPECT_EQ(ps[i].pid, want[i].pid) << i + 1;
    EXPECT_EQ(ps[i].name, want[i].name) << i + 1;
    EXPECT_EQ(ps[i].parent, want[i].parent) << i + 1;
    EXPECT_EQ(ps[i].execFrom, want[i].execFrom) << i + 1;
  }
  EXPECT_TRUE(ps[2].ended);  // replaced by exec
  std::map<uint32_t, xray86::Counters> byProcess = m.countersByProcess();
  auto copied = [&](uint32_t asid) {
    return byProcess[asid].resolutions[static_cast<size_t>(xray86::Resolution::kCopied)];
  };
  auto madeWritable = [&](uint32_t asid) {
    return byProcess[asid].resolutions[static_cast<size_t>(xray86::Resolution::kMadeWritable)];
  };
  EXPECT_EQ(byProcess[4].pageFaults, 1u);
  EXPECT_EQ(copied(4), 1u);
  EXPECT_EQ(byProcess[5].pageFaults, 4u);
  EXPECT_EQ(byProcess[5].pageFaultsByClass[7], 4u);  // protection|write|user
  EXPECT_EQ(copied(5), 3u);
  EXPECT_EQ(madeWritable(5), 1u);
  EXPECT_EQ(byProcess[5].repeatFaults, 0u);

  // fork's results: the child's pid in the parent, 0 in the child (its first return to user
  // mode, through the scheduler), each event in its own process.
  std::vector<xray86::Event> forks = m.events("kind=sysret and eax=1");
  ASSERT_EQ(forks.size(), 2u);
  EXPECT_EQ(forks[0].asid, 4u);
  EXPECT_EQ(forks[0].pid, 1);
  EXPECT_EQ(forks[0].value, 2u);
  EXPECT_EQ(forks[1].asid, 5u);
  EXPECT_EQ(forks[1].pid, 2);
  EXPECT_EQ(forks[1].parent, 4u);
  EXPECT_EQ(forks[1].value, 0u);
  // The filter's words: the child's faults.
  EXPECT_EQ(m.count("kind=fault and child of 4"), 4u);
  EXPECT_EQ(m.count("kind=fault and pid 2"), 4u);
}

// cowtest forks its children one scenario after another, and the kernel reuses freed page
// directories: every process is its own address space and no fault repeats. 40 address spaces:
// the two boot directories, init (pid 1), cowtest exec'd in its place (pid 1 again), and its 36
// descendants, pids 2 to 37 (proc.c hands out pids in order), once each.
TEST(Api, EveryCowtestProcessIsItsOwnAddressSpace) {
  Machine m(guest::options("run=cowtest"));
  ASSERT_EQ(m.run().kind, StopKind::kExited) << m.console();
  std::vector<xray86::Process> ps = m.processes();
  std::map<int32_t, int> spacesOfPid;
  for (const xray86::Process& p : ps) {
    if (p.pid > 0) ++spacesOfPid[p.pid];
    if (p.asid > 4) {
      EXPECT_EQ(p.name, "cowtest") << p.asid;
      EXPECT_NE(p.parent, 0u) << p.asid;
      EXPECT_LT(p.parent, p.asid);
    }
  }
  EXPECT_EQ(ps.size(), 40u);
  ASSERT_EQ(spacesOfPid.size(), 37u);
  EXPECT_EQ(spacesOfPid.begin()->first, 1);
  EXPECT_EQ(spacesOfPid[1], 2);  // init, then cowtest exec'd in its place
  EXPECT_EQ(spacesOfPid.rbegin()->first, static_cast<int32_t>(spacesOfPid.size()));
  for (const auto& [pid, n] : spacesOfPid) {
    if (pid != 1) {
      EXPECT_EQ(n, 1) << pid;
    }
  }
  EXPECT_EQ(m.counters().repeatFaults, 0u);
}
