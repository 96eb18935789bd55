// The copy-on-write lab's claims on the built-in guest, one test each, with exact counts.
//
// Most scenarios run `cowfork N K [P]` (guest/user/cowfork.c): a process whose heap has N
// present, private pages forks; the child writes K of them, the parent P right after fork. Every
// number below is derived from that scenario and the kernel (guest/kernel/vm.c, proc.c):
//   - exec and sbrk map every page eagerly, so nothing faults before fork;
//   - fork allocates the child's page directory (kernel entries are shared page tables), one
//     page table for its user space (under 4 MB) and its kernel stack: 3 frames;
//   - after fork each process's first write to its stack page faults once: the first writer
//     gets a copy (reference count 2), the second makes the original writable (count 1);
//   - a heap page written after fork by only one process is copied once on that fault.
#include "tests/guest/guest_fixture.h"

using xray86::EventKind;
using xray86::Filter;
using xray86::FlushKind;
using xray86::Machine;
using xray86::StopKind;

namespace {

constexpr int kN = 8;                // heap pages
constexpr int kK = 3;                // of which the child writes
constexpr uint32_t kForkFrames = 3;  // page directory, user page table, kernel stack

std::string cowfork(const std::string& variant, int n, int k, int p = 0) {
  std::string cmd = "run=cowfork " + std::to_string(n) + " " + std::to_string(k);
  if (p) cmd += " " + std::to_string(p);
  return variant.empty() ? cmd : variant + " " + cmd;
}

struct CowforkRun {
  std::unique_ptr<Machine> m;
  xray86::Stop stop{StopKind::kHalted};
  guest::CowforkReport report;
  guest::ForkSpaces spaces;
  xray86::Range heap;
};

CowforkRun runCowfork(const std::string& variant, int n, int k, int p = 0) {
  CowforkRun r;
  r.m = std::make_unique<Machine>(guest::options(cowfork(variant, n, k, p), {"cowfork"}));
  r.stop = r.m->run();
  r.report = guest::parseCowfork(r.m->console());
  r.spaces = guest::forkSpaces(*r.m);
  r.heap = xray86::Range{r.report.heapStart, r.report.heapEnd};
  return r;
}

uint64_t totalDropped(const xray86::Counters& c) {
  uint64_t n = 0;
  for (uint64_t d : c.flushDropped) n += d;
  return n;
}

}  // namespace

// COW fork of N heap pages, the child writes K: exactly K copy-on-write faults in the heap range
// in the child's address space; free frames drop by the page tables, the kernel stack and the
// copied pages, not by N; after the child exits they are back where they were.
TEST(CowLab, ChildWritingKOfNPagesTakesKFaults) {
  CowforkRun r = runCowfork("", kN, kK);
  ASSERT_EQ(r.stop.kind, StopKind::kExited) << r.stop.message << "\n" << r.m->console();
  EXPECT_EQ(r.stop.status, 0);  // cowfork exits 0: the kernel's ACPI poweroff
  ASSERT_EQ(r.heap.last - r.heap.first, kN * guest::kPgSize) << r.m->console();
  ASSERT_NE(r.spaces.child, 0u);
  ASSERT_NE(r.spaces.child, r.spaces.parent);
  const Machine& m = *r.m;

  // The copy-on-write class: a user write to a present page (error code 7), in the heap.
  Filter heapCow =
      Filter("kind=fault and protection and write and user").inCr2(r.heap.first, r.heap.last);
  EXPECT_EQ(m.count(Filter(heapCow).inSpace(r.spaces.child)), uint64_t{kK});
  EXPECT_EQ(m.count(Filter(heapCow).inSpace(r.spaces.parent)), 0u);  // P = 0
  // Each fault is on a different page, the first K in order, and none repeats.
  auto faults = m.events(Filter(heapCow).inSpace(r.spaces.child));
  for (int i = 0; i < static_cast<int>(faults.size()); ++i) {
    EXPECT_EQ(faults[i].address, r.heap.first + i * guest::kPgSize);
    EXPECT_EQ(faults[i].repeat, 1u);
  }
  // The whole run: the K heap faults and one stack fault per process; nothing faults before fork.
  xray86::Counters c = m.counters();
  EXPECT_EQ(c.pageFaults, uint64_t{kK} + 2);
  EXPECT_EQ(c.pageFaultsByClass[7], uint64_t{kK} + 2);  // all P | W | U
  auto spaces = m.countersByAddressSpace();
  EXPECT_EQ(spaces[r.spaces.child].pageFaults, uint64_t{kK} + 1);
  EXPECT_EQ(spaces[r.spaces.parent].pageFaults, 1u);
  // How each fault ended: the K heap faults and the first stack fault are copies (the page had
  // two references); the second process to write its stack page finds one reference left and
  // gets it made writable. None was killed or left unresolved.
  EXPECT_EQ(m.count(Filter("kind=resolve and copied").inCr2(r.heap.first, r.heap.last)),
            uint64_t{kK});
  EXPECT_EQ(m.count("kind=resolve and copied"), uint64_t{kK} + 1);
  EXPECT_EQ(m.count("kind=resolve and made-writable"), 1u);
  EXPECT_EQ(m.count("kind=resolve"), uint64_t{kK} + 2);
  EXPECT_EQ(c.resolutions[static_cast<size_t>(xray86::Resolution::kCopied)], uint64_t{kK} + 1);
  EXPECT_EQ(c.resolutions[static_cast<size_t>(xray86::Resolution::kMadeWritable)], 1u);
  EXPECT_EQ(spaces[r.spaces.child].resolutions[static_cast<size_t>(xray86::Resolution::kCopied)] +
                spaces[r.spaces.child]
                    .resolutions[static_cast<size_t>(xray86::Resolution::kMadeWritable)],
            uint64_t{kK} + 1);
  // System calls are INT 0x40 from user mode (guest/kernel/traps.h); the kernel itself makes none.
  EXPECT_EQ(c.softwareInterrupts[0x40], c.syscalls);

  // Frames, as the guest counted them: at the child's exit the 3 fork frames, one stack copy and
  // the K heap copies are in use; N does not appear.
  EXPECT_EQ(r.report.freeBefore - r.report.freeAtChildExit, static_cast<int>(kForkFrames) + 1 + kK);
  // After the parent reaped the child: the child's frames are back, and the parent's stack copy
  // is paid for by the original stack frame the child alone held.
  EXPECT_EQ(r.report.freeAfter, r.report.freeBefore);
  // And as the API reads the kernel's free list after the run: the same number.
  EXPECT_EQ(guest::freeFrames(m), r.report.freeAfter);
}

// fork=eager: no COW faults; the child costs the 3 fork frames plus a copy of every page of the
// process; fork spends more cycles than under COW.
TEST(CowLab, EagerForkCopiesEveryPageAndTakesNoFaults) {
  CowforkRun eager = runCowfork("fork=eager", kN, kK);
  ASSERT_EQ(eager.stop.kind, StopKind::kExited) << eager.stop.message << "\n" << eager.m->console();
  EXPECT_EQ(eager.m->counters().pageFaults, 0u);
  // `pages` is the process size at fork (text, data, guard, stack and the N heap pages): copyuvm
  // copies each present page below sz.
  EXPECT_EQ(eager.report.freeBefore - eager.report.freeAtChildExit,
            static_cast<int>(kForkFrames) + eager.report.pages);
  EXPECT_EQ(eager.report.freeAfter, eager.report.freeBefore);
  EXPECT_EQ(eager.report.childSaw, 'A');

  // Cycles of the parent's fork system call, from its INT to its return to user mode in the
  // parent's address space (the kernel runs with interrupts off, so nothing else runs between):
  // under eager fork every copied page moves 4096 bytes, at least one clock per byte (REP MOVSD:
  // 4 clocks per dword, [386PRM] chapter 17), on top of what COW's fork does per page.
  CowforkRun cow = runCowfork("", kN, kK);
  auto forkCycles = [](const Machine& m) {
    auto calls = m.events(Filter::of(EventKind::kSyscall).atCpl(3));
    for (const xray86::Event& call : calls) {
      if (call.eax != guest::kSysFork) continue;
      for (const xray86::Event& ret : m.events(Filter::of(EventKind::kSysReturn))) {
        if (ret.cycle > call.cycle && ret.eax == guest::kSysFork &&
            (ret.cr3 & ~0xFFFu) == (call.cr3 & ~0xFFFu))
          return ret.cycle - call.cycle;
      }
    }
    return uint64_t{0};
  };
  uint64_t eagerCycles = forkCycles(*eager.m), cowCycles = forkCycles(*cow.m);
  ASSERT_GT(cowCycles, 0u);
  EXPECT_GT(eagerCycles, cowCycles + uint64_t{guest::kPgSize} * eager.report.pages)
      << "eager " << eagerCycles << ", cow " << cowCycles;
}

// cow_trap=off: the kernel boots, but init's first write after forking the shell faults with no
// handler to resolve it; init is killed, and its exit panics the kernel before a shell starts.
TEST(CowLab, WithoutTheTrapHandlerNoShellStarts) {
  Machine m(guest::options("cow_trap=off"));
  xray86::Stop s = m.run();
  ASSERT_EQ(s.kind, StopKind::kExited) << s.message << "\n" << m.console();
  EXPECT_EQ(s.status, 253);  // panic: poweroff(0x7E), (0x7E << 1 | 1) & 0xFF
  std::string console = m.console();
  EXPECT_TRUE(std::regex_search(
      console, std::regex("pid 1 init: trap 14 err 7 eip 0x[0-9a-f]+ addr 0x[0-9a-f]+--kill proc")))
      << console;
  EXPECT_NE(console.find("panic: init exiting"), std::string::npos) << console;
  EXPECT_EQ(console.find("$ "), std::string::npos) << console;  // no shell prompt
  // Exactly one page fault in the whole run: init's write to its COW stack page (error 7).
  EXPECT_EQ(m.counters().pageFaults, 1u);
  auto pf = m.events(Filter::pageFaults());
  ASSERT_EQ(pf.size(), 1u);
  EXPECT_EQ(pf[0].errorCode, 7u);
  EXPECT_EQ(pf[0].cpl, 3);
  // The trace's view of it: the write never completed. init's exit panics in init's own kernel
  // context, so the machine powers off with the fault pending in the address space still loaded,
  // which the trace calls "unresolved" (docs/trace.md).
  EXPECT_EQ(m.count("kind=resolve and unresolved and protection and write and user"), 1u);
  EXPECT_EQ(m.count("kind=resolve"), 1u);
}

// writetext writes its own (read-only, not COW) code page: the correct kernel kills it (one
// fault); cow_fault=naive treats the write as COW and it survives (one fault, resolved: the page
// has one reference, so it is made writable and the write completes).
TEST(CowLab, NaiveFaultHandlerLetsWritetextSurvive) {
  Machine good(guest::options("run=writetext", {"writetext"}));
  xray86::Stop s = good.run();
  ASSERT_EQ(s.kind, StopKind::kExited) << s.message;
  EXPECT_EQ(s.status, 255);  // killed: exit -1
  EXPECT_EQ(good.counters().pageFaults, 1u);
  // The write never completed. writetext runs as pid 1, whose death powers the machine off while
  // its address space is still loaded: the trace calls a fault left so "unresolved" (a "killed"
  // needs another address space to run after it, docs/trace.md).
  EXPECT_EQ(good.count("kind=resolve and unresolved and protection and write and user"), 1u);
  EXPECT_EQ(good.count("kind=resolve and not unresolved"), 0u);

  Machine naive(guest::options("cow_fault=naive run=writetext", {"writetext"}));
  s = naive.run();
  ASSERT_EQ(s.kind, StopKind::kExited) << s.message;
  EXPECT_EQ(s.status, 0) << naive.console();  // writetext exits 0: ACPI poweroff
  EXPECT_NE(naive.console().find("survived: its code page is writable now"), std::string::npos);
  auto scribble = naive.symbols().find("scribble");
  ASSERT_TRUE(scribble);
  uint32_t code = scribble->start & ~0xFFFu;
  ASSERT_EQ(naive.count(Filter::pageFaults()), 1u);
  EXPECT_EQ(naive.count(Filter::pageFaults().cowClass().inCr2(code, code + guest::kPgSize)), 1u);
  // One reference to the code page: the naive handler makes it writable in place.
  EXPECT_EQ(
      naive.count(Filter("kind=resolve and made-writable").inCr2(code, code + guest::kPgSize)), 1u);
}

// cow_mark=all marks read-only pages COW at fork: a child writing its code page gets a private
// writable copy and survives. Faults: each process's stack page, and the child's code page.
TEST(CowLab, MarkAllLetsAForkedWritetextSurvive) {
  Machine good(guest::options("run=writetext fork", {"writetext"}));
  xray86::Stop s = good.run();
  ASSERT_EQ(s.kind, StopKind::kExited) << s.message;
  EXPECT_EQ(s.status, 3) << good.console();  // the child was killed: writetext exits 1

  Machine all(guest::options("cow_mark=all run=writetext fork", {"writetext"}));
  s = all.run();
  ASSERT_EQ(s.kind, StopKind::kExited) << s.message;
  EXPECT_EQ(s.status, 0) << all.console();
  EXPECT_NE(all.console().find("writetext: child survived (status 0)"), std::string::npos)
      << all.console();
  auto scribble = all.symbols().find("scribble");
  ASSERT_TRUE(scribble);
  uint32_t code = scribble->start & ~0xFFFu;
  EXPECT_EQ(all.counters().pageFaults, 3u);
  guest::ForkSpaces sp = guest::forkSpaces(all);
  EXPECT_EQ(
      all.count(
          Filter::pageFaults().cowClass().inCr2(code, code + guest::kPgSize).inSpace(sp.child)),
      1u);
}

// cow_fix=keepro: the handler copies but leaves the PTE read-only and COW, so the same
// instruction faults on the same address again and again: the parent on its stack page (its
// first write after fork), the child on the first heap page. The API's repeat detector stops the
// run at the Nth fault in a row of one address space; left alone, the kernel's own limit (10000
// in a row, repeatedfault in trap.c) kills the process. Which of the two loops the timer runs
// when is scheduling; what each address space does is not.
TEST(CowLab, KeepReadOnlyRepeatsTheSameFault) {
  constexpr uint32_t kLimit = 50;
  Machine m(guest::options(cowfork("cow_fix=keepro", kN, kK), {"cowfork"}));
  m.stopOnRepeatedFaults(kLimit);
  xray86::Stop s = m.run();
  ASSERT_EQ(s.kind, StopKind::kRepeatedFault) << s.message << "\n" << m.console();
  ASSERT_TRUE(m.lastEvent());
  const xray86::Event last = *m.lastEvent();
  EXPECT_EQ(last.repeat, kLimit);
  // Every fault of that address space so far is that one, numbered 1 to N.
  auto mine = m.events(Filter::pageFaults().inSpace(last.cr3));
  ASSERT_EQ(mine.size(), kLimit);
  for (uint32_t i = 0; i < kLimit; ++i) {
    EXPECT_EQ(mine[i].eip, last.eip);
    EXPECT_EQ(mine[i].address, last.address);
    EXPECT_EQ(mine[i].errorCode, 7u);
    EXPECT_EQ(mine[i].repeat, i + 1);
  }
  // In each address space the faults repeat one another: all but each space's first.
  auto spaces = m.countersByAddressSpace();
  uint64_t faults = 0, firsts = 0;
  for (const auto& [cr3, c] : spaces) {
    faults += c.pageFaults;
    firsts += c.pageFaults != 0;
    EXPECT_EQ(c.repeatFaults, c.pageFaults == 0 ? 0 : c.pageFaults - 1) << std::hex << cr3;
  }
  EXPECT_EQ(m.counters().repeatFaults, faults - firsts);

  // On to the end: the kernel kills a looping process when a fault repeats the previous one for
  // the 10000th time (repeatedfault in trap.c), that is at its 10001st fault; when the parent
  // (pid 1, the program itself) dies the machine powers off with status -1. The parent's faults
  // are on its stack page, the page below the heap: exactly 1 + 10000.
  m.stopOnRepeatedFaults(0);
  s = m.run();
  ASSERT_EQ(s.kind, StopKind::kExited) << s.message;
  EXPECT_EQ(s.status, 255);
  EXPECT_NE(m.console().find("pid 1 cowfork: the same page fault 10000 times in a row"),
            std::string::npos);
  guest::CowforkReport r = guest::parseCowfork(m.console());
  ASSERT_NE(r.heapStart, 0u);
  EXPECT_EQ(m.count(Filter::pageFaults().inCr2(r.heapStart - guest::kPgSize, r.heapStart)), 10001u);
  // All but the first repeat the one before.
  EXPECT_EQ(
      m.count(Filter("kind=fault and repeat > 1").inCr2(r.heapStart - guest::kPgSize, r.heapStart)),
      10000u);
}

// cow_flush=none: fork write-protects the parent's PTEs but leaves its TLB entries. The parent's
// writes after fork go through its stale writable entries (the detector reports the first use of
// each: an entry that allows writes while the PTE in memory is read-only and COW), take no fault,
// and land in the frames the child shares: the child sees the parent's value, or dies when the
// parent's stack writes change its saved return addresses. With lcr3 nothing is stale and every
// check passes.
TEST(CowLab, NoFlushAfterForkUsesAStaleEntryAndBreaksIsolation) {
  Machine none(guest::options("cow_flush=none run=cowtest", {"cowtest"}));
  xray86::Stop s = none.run();
  ASSERT_EQ(s.kind, StopKind::kExited) << s.message;
  EXPECT_EQ(s.status, 3);  // cowtest exits 1: a check failed
  EXPECT_NE(
      none.console().find("FAIL isolation: parent reads 'B', child saw the parent's value changed"),
      std::string::npos)
      << none.console();
  auto stale = none.events("kind=stale");
  ASSERT_FALSE(stale.empty());
  // One definition of a stale use everywhere: each `stale` event is one, and the counters, the
  // run summary and the per-process counts say the same number.
  EXPECT_EQ(none.counters().staleUses, stale.size());
  uint64_t byProcess = 0;
  for (const auto& [asid, c] : none.countersByProcess()) byProcess += c.staleUses;
  EXPECT_EQ(byProcess, stale.size());
  // The parent's first use of a page after fork (the stack, read by the RET of fork's user stub,
  // or a write) goes through an entry that still allows writes while the PTE in memory is
  // read-only and COW. A stale entry is reported at its first use only: the writes that follow
  // through the same entry land in the frame the child shares.
  bool staleCowUse = false;
  for (const auto& e : stale) {
    staleCowUse |= (e.cachedPte & 2) != 0 && (e.memoryPte & 2) == 0 &&
                   (e.memoryPte & guest::kPteCow) != 0 && e.cpl == 3;
  }
  EXPECT_TRUE(staleCowUse);

  Machine lcr3(guest::options("run=cowtest", {"cowtest"}));
  s = lcr3.run();
  ASSERT_EQ(s.kind, StopKind::kExited) << s.message;
  EXPECT_EQ(s.status, 0);  // cowtest passes and exits 0
  EXPECT_NE(lcr3.console().find("ok isolation"), std::string::npos);
  EXPECT_EQ(lcr3.counters().staleUses, 0u);
  EXPECT_EQ(lcr3.count(Filter::of(EventKind::kStaleTlbUse)), 0u);
}

// cow_flush=invlpg: one INVLPG per page fork write-protects instead of one CR3 reload. The
// results are the same as lcr3's (faults: child K heap + stack, parent P heap + stack; the same
// frames), and the flushes in copyuvm drop fewer TLB entries.
TEST(CowLab, InvlpgFlushesGiveTheSameResultsAsLcr3WithFewerEntriesDropped) {
  CowforkRun lcr3 = runCowfork("", kN, kK, 1);
  CowforkRun inv = runCowfork("cow_flush=invlpg", kN, kK, 1);
  ASSERT_EQ(lcr3.stop.kind, StopKind::kExited);
  ASSERT_EQ(inv.stop.kind, StopKind::kExited) << inv.stop.message << "\n" << inv.m->console();
  for (const CowforkRun* r : {&lcr3, &inv}) {
    EXPECT_EQ(r->m->counters().pageFaults, uint64_t{kK} + 1 + 1 + 1);
    EXPECT_EQ(r->report.childSaw, 'A');
    EXPECT_EQ(r->report.freeBefore - r->report.freeAtChildExit,
              static_cast<int>(kForkFrames) + 1 + kK);
    EXPECT_EQ(r->report.freeAfter, r->report.freeBefore);
  }
  EXPECT_EQ(inv.report.freeBefore, lcr3.report.freeBefore);
  // copyuvm's flushes: one CR3 reload under lcr3; under invlpg one INVLPG per page it made COW
  // (the writable pages: data, stack and the N heap pages; text stays read-only and unmarked).
  Filter inCopyuvm = "kind=tlb and eip in copyuvm";
  auto l = lcr3.m->events(inCopyuvm);
  auto i = inv.m->events(inCopyuvm);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].flushKind, FlushKind::kCr3Write);
  ASSERT_GT(i.size(), size_t{kN});
  uint64_t droppedL = 0, droppedI = 0;
  for (const auto& e : l) droppedL += e.dropped;
  for (const auto& e : i) {
    EXPECT_EQ(e.flushKind, FlushKind::kInvlpg);
    droppedI += e.dropped;
  }
  EXPECT_LT(droppedI, droppedL);
  EXPECT_LT(totalDropped(inv.m->counters()), totalDropped(lcr3.m->counters()));
}

// Kernel copyout into a COW page: with CR0.WP=1 the kernel's own write to a user COW page faults
// at CPL 0 (error code 3: present, write, supervisor) and the handler resolves it. cowtest's
// kernel-write check makes exactly two: the child's read() into a shared heap buffer, and the
// parent's wait() storing the status into another shared heap page. (Everywhere else cowtest's
// kernel writes land on pages the process already wrote from user mode.)
TEST(CowLab, KernelCopyoutFaultsAtCpl0AndIsResolved) {
  Machine m(guest::options("run=cowtest", {"cowtest"}));
  xray86::Stop s = m.run();
  ASSERT_EQ(s.kind, StopKind::kExited) << s.message;
  EXPECT_EQ(s.status, 0) << m.console();  // all checks ok: exit 0, ACPI poweroff
  EXPECT_NE(m.console().find("ok kernel-write"), std::string::npos);
  auto k = m.events("kind=fault and cpl=0 and cr2 < 0x80000000");  // below KERNBASE: a user address
  ASSERT_EQ(k.size(), 2u);
  // Both are writes to a present page by the kernel (error code 3), and both were resolved.
  EXPECT_EQ(m.count("kind=fault and protection and write and kernel and cr2 < 0x80000000"), 2u);
  EXPECT_EQ(m.count("kind=resolve and kernel and cr2 < 0x80000000 and not (killed or unresolved)"),
            2u);
  for (const auto& e : k) {
    EXPECT_EQ(e.errorCode, 3u);
    EXPECT_GE(e.eip, guest::kKernBase);  // a kernel instruction ...
    EXPECT_EQ(e.repeat, 1u);             // ... that completed after the handler (no repeat)
    EXPECT_EQ(e.pte & guest::kPteCow, guest::kPteCow);
  }
  EXPECT_NE(k[0].cr3 & ~0xFFFu, k[1].cr3 & ~0xFFFu);  // child, then parent
}

// Determinism: the same scenario twice gives identical counters, console and event trace (a
// hash over every recorded event, TLB misses included).
TEST(CowLab, SameScenarioTwiceIsIdentical) {
  auto once = [](uint64_t& hash, xray86::Counters& c, std::string& console) {
    Machine m(guest::options(cowfork("", kN, kK, 1), {"cowfork"}));
    m.recordTlbMisses(true);
    m.run();
    c = m.counters();
    console = m.console();
    hash = 1469598103934665603ull;  // FNV-1a, 64-bit
    auto mix = [&](uint64_t v) {
      for (int i = 0; i < 8; ++i) {
        hash ^= (v >> (8 * i)) & 0xFF;
        hash *= 1099511628211ull;
      }
    };
    for (const xray86::Event& e : m.events(Filter())) {
      mix(static_cast<uint64_t>(e.kind));
      mix(e.cycle);
      mix(e.instructions);
      mix(e.eip | uint64_t{e.cr3} << 32);
      mix(e.address | uint64_t{e.errorCode} << 32);
      mix(e.pde | uint64_t{e.pte} << 32);
      mix(e.vector | uint64_t{e.dropped} << 8 | uint64_t{e.eax} << 32);
    }
  };
  uint64_t h1, h2;
  xray86::Counters c1, c2;
  std::string t1, t2;
  once(h1, c1, t1);
  once(h2, c2, t2);
  EXPECT_EQ(h1, h2);
  EXPECT_EQ(t1, t2);
  EXPECT_EQ(c1.instructions, c2.instructions);
  EXPECT_EQ(c1.cycles, c2.cycles);
  EXPECT_EQ(c1.tlbHits, c2.tlbHits);
  EXPECT_EQ(c1.tlbMisses, c2.tlbMisses);
  EXPECT_EQ(c1.pageFaults, c2.pageFaults);
  EXPECT_EQ(c1.flushes, c2.flushes);
  EXPECT_EQ(c1.flushDropped, c2.flushDropped);
  EXPECT_EQ(c1.interrupts, c2.interrupts);
  EXPECT_EQ(c1.syscalls, c2.syscalls);
}
