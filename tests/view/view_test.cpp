// The view, checked on the built-in guest's cowtest: which colour the cells of a copy-on-write
// page and of its frame have after fork and after the first fault, the PNGs the command line
// writes, the events panel's lines against the trace's, the address spaces' names, and the real
// window under Xvfb driven by scripted keys.
//
// Nothing here is an address copied from a run: the COW page and its frame come from the MMU
// (its mapping cursor and the recorded CR2), and every pixel position from view::layoutFor.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "devices/console.h"
#include "emu/machine/machine.h"
#include "emu/run/run.h"
#include "emu/view/render.h"
#include "emu/view/session.h"
#include "png_read.h"

namespace {

using view::CellState;

constexpr int kW = 1280, kH = 800;  // --view-size's default

class Discard : public devices::ByteSink {
 public:
  void put(uint8_t) override {}
};

emu::MachineConfig cowtestConfig(Discard& console) {
  emu::MachineConfig cfg;
  cfg.kernel = GUEST_KERNEL;
  cfg.modules = {GUEST_ARCHIVE};
  cfg.cmdline = "run=cowtest";
  cfg.input = "";
  cfg.console = &console;
  return cfg;
}

// The run `xray86 run --view*` makes: the kernel's symbols and the archive's programs loaded,
// the one tracer counting and naming the guest (and feeding the events panel).
std::unique_ptr<run::Run> cowtest(Discard& console) {
  std::string error;
  run::Config config;
  config.machine = cowtestConfig(console);
  auto r = run::Run::create(config, error);
  EXPECT_TRUE(r) << error;
  if (r) {
    EXPECT_FALSE(r->symbols().empty());
    EXPECT_FALSE(r->programs().empty());
  }
  return r;
}

uint32_t rgb(view::Rgb c) {
  return static_cast<uint32_t>(c.r) << 16 | c.g << 8 | c.b;
}

uint32_t centre(const std::vector<uint32_t>& px, const view::Rect& r) {
  return px[static_cast<size_t>(r.y + r.h / 2) * kW + r.x + r.w / 2];
}

void runTo(view::Session& s, const std::string& when) {
  std::string error;
  std::optional<run::Until> w = run::Until::parse(when, error);
  ASSERT_TRUE(w) << error;
  ASSERT_TRUE(s.runTo(*w, error)) << error;
  ASSERT_FALSE(s.finished()) << when << " came after the end of the run";
  s.refresh();
  s.autoSelect();
}

int run(const std::string& args) {
  std::string cmd = std::string(XRAY86_BIN) + " run --kernel " + GUEST_KERNEL + " --module " +
                    GUEST_ARCHIVE + " --cmdline run=cowtest --quiet " + args + " > " + OUT_DIR +
                    "/console.txt";
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// cowtest exits 0, and the kernel powers off by ACPI (port 0x604): xray86 exits 0
// (docs/platform.md, "Exit status").
constexpr int kCowtestPassed = 0;

TEST(ViewPictures, CowPageAndItsFrameAcrossTheFirstFaultAfterFork) {
  Discard console;
  auto r = cowtest(console);
  ASSERT_TRUE(r);
  emu::Machine* m = &r->machine();
  std::string error;
  view::Session s(*r);

  // Just after the parent's fork() returned: every private user page is COW in both processes.
  runTo(s, "ret:fork");
  uint32_t parent = m->mmu().cr3() & ~mmu::kPageMask;
  std::map<uint32_t, uint32_t> cow;  // linear page -> frame, of the parent's COW pages
  mmu::MappingCursor cursor = m->mmu().mappings(parent);
  while (auto mp = cursor.next()) {
    if (mp->user && mp->size == mmu::kPageSize && (mp->pte >> run::kDefaultCowBit) & 1)
      cow[mp->linear] = mp->physical;
  }
  ASSERT_FALSE(cow.empty());
  std::vector<uint32_t> before;
  ASSERT_TRUE(view::renderOffscreen(s, {"at ret:fork", ""}, kW, kH, before, error)) << error;
  view::Layout l1 = view::layoutFor(s, kW, kH);
  unsigned selectedPde = s.selection().pde;
  uint32_t markedBefore = 0;  // the frame of the selected page: outlined, so not checked below
  if (auto w = m->mmu().probeTables(parent, selectedPde << 22 | s.selection().pte << 12,
                                    mmu::Access::kRead, false);
      w.translation) {
    markedBefore = w.translation->frame;
  }
  auto census1 = s.census();

  // After the first page fault from here is resolved (its instruction completed).
  runTo(s, "pf:1");
  ASSERT_TRUE(s.recorder().lastFaultAddress());
  uint32_t page = *s.recorder().lastFaultAddress() & ~mmu::kPageMask;
  ASSERT_EQ(cow.count(page), 1u) << "the first fault after fork is a write to a COW page";
  uint32_t oldFrame = cow[page];
  std::vector<uint32_t> after;
  ASSERT_TRUE(view::renderOffscreen(s, {"at pf:1", ""}, kW, kH, after, error)) << error;
  view::Layout l2 = view::layoutFor(s, kW, kH);
  uint32_t cr3 = m->mmu().cr3() & ~mmu::kPageMask;
  mmu::WalkResult now = m->mmu().probeTables(cr3, page, mmu::Access::kWrite, true);
  ASSERT_TRUE(now.translation) << "the page is writable for the user now";
  uint32_t newFrame = now.translation->frame;
  ASSERT_NE(newFrame, oldFrame) << "COW copied the page (the frame had two mappers)";

  // The page's PTE cell: COW colour in the parent after fork, writable colour after the fault
  // (in the faulting process, which the view shows: it is current and the fault is selected).
  ASSERT_EQ(page >> 22, selectedPde) << "the picture after fork shows the page's table";
  unsigned pte = (page >> 12) & 1023;
  EXPECT_EQ(centre(before, l1.ptes.rect(pte)), rgb(view::cellColour(CellState::kCow)));
  EXPECT_EQ(s.selection().pde, page >> 22);
  EXPECT_EQ(s.selection().pte, pte);
  EXPECT_EQ(centre(after, l2.ptes.rect(pte)), rgb(view::cellColour(CellState::kUserWrite)));

  // The old frame's sharing count: 2 (parent and child) after fork, 1 once the faulting process
  // has its own copy; the census counts it and the frames grid colours it.
  uint32_t f = oldFrame >> 12;
  EXPECT_EQ(census1.userMappers(f), 2);
  EXPECT_EQ(s.census().userMappers(f), 1);
  EXPECT_EQ(s.census().userMappers(newFrame >> 12), 1);
  ASSERT_NE(markedBefore, oldFrame);
  EXPECT_EQ(centre(before, l1.frames.rect(f)), rgb(view::frameColour(2, false, false)));
  EXPECT_EQ(centre(after, l2.frames.rect(f)), rgb(view::frameColour(1, false, false)));

  // The command line draws the same two pictures, pixel for pixel, as PNG files.
  std::string b = std::string(OUT_DIR) + "/after-fork.png",
              c = std::string(OUT_DIR) + "/after-fault.png";
  std::remove(b.c_str());
  std::remove(c.c_str());
  ASSERT_EQ(run("--view-png " + b + " --view-at ret:fork --view-png " + c + " --view-at pf:1"),
            kCowtestPassed);
  viewtest::Image ib, ic;
  ASSERT_TRUE(viewtest::readPng(b, ib, error)) << error;
  ASSERT_TRUE(viewtest::readPng(c, ic, error)) << error;
  EXPECT_EQ(ib.w, kW);
  EXPECT_EQ(ib.h, kH);
  EXPECT_TRUE(ib.px == before) << "after-fork.png differs from the in-process picture";
  EXPECT_TRUE(ic.px == after) << "after-fault.png differs from the in-process picture";
}

// The frames grid shows the frames in use (what user PTEs map, plus the live spaces' page
// directories and tables), not all of RAM, in cells big enough to click; every cell has the
// colour of its census count; a click on a cell picks that frame, whose details list the two
// address spaces (named by program) that share it after fork; z shows all of RAM again.
TEST(ViewFrames, ZoomedToTheFramesInUse) {
  Discard console;
  auto r = cowtest(console);
  ASSERT_TRUE(r);
  emu::Machine* m = &r->machine();
  std::string error;
  view::Session s(*r);
  runTo(s, "ret:fork");
  const view::FrameCensus& c = s.census();
  view::FrameRange range = view::framesShown(s);
  EXPECT_FALSE(range.all);
  EXPECT_EQ(range.first % 32, 0u) << "rows start at a multiple of 32 frames";
  uint32_t end = range.first + range.count;
  uint32_t shared = 0, sharedCount = 0;
  for (uint32_t f = 0; f < c.frames(); ++f) {
    if (c.userMappers(f) == 0) continue;
    EXPECT_GE(f, range.first);
    EXPECT_LT(f, end);
    if (c.userMappers(f) == 2 && sharedCount++ == 0) shared = f;
  }
  ASSERT_GT(sharedCount, 0u) << "fork shared the parent's frames";
  unsigned cowtests = 0;
  for (uint32_t dir : c.liveSpaces()) {
    if (s.spaceName(dir) != "cowtest") continue;  // the kernel's own directory has no user half
    ++cowtests;
    EXPECT_GE(dir >> 12, range.first) << "the user spaces' page directories are in the range";
    EXPECT_LT(dir >> 12, end);
  }
  EXPECT_EQ(cowtests, 2u) << "the parent and the child fork() built";
  EXPECT_LT(range.count, c.frames() / 4) << "cowtest's frames are a small part of 64 MB";

  std::vector<uint32_t> px;
  ASSERT_TRUE(view::renderOffscreen(s, {"at ret:fork", ""}, kW, kH, px, error)) << error;
  view::Layout l = view::layoutFor(s, kW, kH);
  EXPECT_EQ(l.frames.first, range.first);
  EXPECT_EQ(l.frames.end, end);
  EXPECT_EQ(l.frames.per, 1u);
  EXPECT_GE(l.frames.cell, 8) << "cells big enough to see and to click";
  std::optional<uint32_t> marked =
      s.selectedPageFrame();  // outlined: its centre is still its colour
  for (uint32_t f = range.first; f < end; ++f) {
    EXPECT_EQ(centre(px, l.frames.rect(f)),
              rgb(view::frameColour(c.userMappers(f), c.kernelMapped(f), c.pageTable(f))))
        << "frame " << f << (marked == f ? " (marked)" : "");
  }
  view::Rect cell = l.frames.rect(shared);
  EXPECT_EQ(l.frames.hit(cell.x + cell.w / 2, cell.y + cell.h / 2), static_cast<long>(shared));
  EXPECT_EQ(l.frames.hit(l.frames.x - 1, l.frames.y), -1);

  // The shared frame's mappers: the parent (current) and the child fork() built, at the same
  // linear address, both cowtest, both COW.
  uint32_t parent = m->mmu().cr3() & ~mmu::kPageMask;
  std::vector<view::FrameMapper> user;
  for (const view::FrameMapper& mp : s.frameMappers(shared)) {
    if (mp.user) user.push_back(mp);
  }
  ASSERT_EQ(user.size(), 2u);
  EXPECT_EQ(user[0].cr3, parent) << "the current space is listed first";
  EXPECT_NE(user[1].cr3, parent);
  EXPECT_EQ(user[0].linear, user[1].linear);
  for (const view::FrameMapper& mp : user) {
    EXPECT_EQ(s.spaceName(mp.cr3), "cowtest");
    EXPECT_EQ(view::classifyPte(mp.entry, mp.pde, run::kDefaultCowBit), CellState::kCow);
    // The details' words for the entry: present, user, not writable (no "W"), COW.
    std::string flags = mmu::flagsText(mp.entry, run::kDefaultCowBit);
    EXPECT_EQ(flags.rfind("P U ", 0), 0u) << flags;
    EXPECT_NE(flags.find(" COW"), std::string::npos) << flags;
  }

  // z: all of RAM, from frame 0, in smaller cells.
  s.selection().allFrames = true;
  view::FrameRange all = view::framesShown(s);
  EXPECT_TRUE(all.all);
  EXPECT_EQ(all.first, 0u);
  EXPECT_EQ(all.count, c.frames());
  view::Layout la = view::layoutFor(s, kW, kH);
  EXPECT_EQ(la.frames.first, 0u);
  EXPECT_GE(static_cast<uint64_t>(la.frames.cols) * la.frames.rows * la.frames.per, c.frames());
  EXPECT_LT(la.frames.cell, l.frames.cell);
}

// The events panel holds the trace's own records and draws their words: at a moment after the
// first copy-on-write fault, its lines (oldest first) are the last lines `--trace` with the
// panel's kinds writes before that moment, byte for byte; and every column it draws is a piece
// of that line, in the line's order.
TEST(ViewEvents, PanelLinesAreTheTracesTextLines) {
  Discard console;
  auto r = cowtest(console);
  ASSERT_TRUE(r);
  emu::Machine* m = &r->machine();
  view::Session s(*r);
  runTo(s, "ret:fork");
  runTo(s, "pf:2");
  uint64_t now = m->cpu().cycles();
  std::vector<std::string> panel;  // oldest first
  bool copied = false;
  for (const trace::Record& rec : s.events().records()) {
    std::string line = trace::formatText(rec, s.describer(), false);
    panel.insert(panel.begin(), line);
    copied |= rec.kind == trace::Kind::kResolve && rec.resolution == trace::Resolution::kCopied;
    view::EventColumns c = view::eventColumns(rec, s.describer());
    size_t at = 0;
    for (const std::string* piece :
         {&c.cycle, &c.cr3, &c.eip, &c.function, &c.instruction, &c.kind, &c.fields}) {
      size_t found = line.find(*piece, at);
      ASSERT_NE(found, std::string::npos) << "'" << *piece << "' is not in order in: " << line;
      at = found + piece->size();
    }
  }
  ASSERT_FALSE(panel.empty());
  EXPECT_TRUE(copied) << "a COW fault's resolution, copied A -> B, is among the panel's lines";

  // The same run traced from the command line; its lines up to the moment.
  std::string out = std::string(OUT_DIR) + "/panel-trace.txt";
  std::remove(out.c_str());
  ASSERT_EQ(run(std::string("--trace ") + view::kPanelKinds + " --trace-out " + out),
            kCowtestPassed);
  std::ifstream in(out);
  std::vector<std::string> fromTrace;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;  // the column header
    if (std::stoull(line) <= now) fromTrace.push_back(line);
  }
  ASSERT_GE(fromTrace.size(), panel.size());
  EXPECT_EQ(panel.size(), std::min<size_t>(fromTrace.size(), view::EventLog::kKept));
  std::vector<std::string> last(fromTrace.end() - static_cast<long>(panel.size()), fromTrace.end());
  EXPECT_EQ(panel, last);

  // --trace under the view: the same file, byte for byte, while pictures are drawn (drawing
  // never changes the run, and the trace session runs beside the view's tracer).
  std::string viewed = std::string(OUT_DIR) + "/panel-trace-viewed.txt";
  std::remove(viewed.c_str());
  ASSERT_EQ(run("--view-png " + std::string(OUT_DIR) + "/panel.png --view-at pf:1 --trace " +
                view::kPanelKinds + " --trace-out " + viewed),
            kCowtestPassed);
  auto slurp = [](const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  };
  std::string plain = slurp(out);
  EXPECT_FALSE(plain.empty());
  EXPECT_TRUE(plain == slurp(viewed)) << out << " and " << viewed << " differ";
}

// --trace insn under the view: stopping at a moment (here a cycle) and going on must not turn
// off the instruction events the trace session asked for. 100,000 instructions (the limit) give
// 100,000 insn lines after the header, the same as without the view.
TEST(ViewEvents, InstructionTraceGoesOnAfterAMoment) {
  constexpr int kLimitReached = 4;  // emu::exit_status: the instruction limit (docs/trace.md)
  std::string plain = std::string(OUT_DIR) + "/insn-plain.txt",
              viewed = std::string(OUT_DIR) + "/insn-viewed.txt";
  ASSERT_EQ(run("--max-insns 100000 --trace insn --trace-out " + plain), kLimitReached);
  ASSERT_EQ(run("--max-insns 100000 --view-png " + std::string(OUT_DIR) +
                "/insn.png --view-at cycle:200000" + " --trace insn --trace-out " + viewed),
            kLimitReached);
  auto lines = [](const std::string& path) {
    std::ifstream f(path);
    std::vector<std::string> v;
    for (std::string line; std::getline(f, line);) v.push_back(line);
    return v;
  };
  std::vector<std::string> a = lines(plain), b = lines(viewed);
  EXPECT_EQ(a.size(), 100001u);
  EXPECT_TRUE(a == b) << plain << " and " << viewed << " differ";
}

// Address spaces are named by the program whose code they map (trace::Programs through the
// tracer's trace::GuestInfo): right after fork() returned in cowtest, the current space and the
// child's, built but never loaded into CR3, both map cowtest.
TEST(ViewSpaces, NamedByTheProgramTheyMap) {
  Discard console;
  auto r = cowtest(console);
  ASSERT_TRUE(r);
  emu::Machine* m = &r->machine();
  view::Session s(*r);
  runTo(s, "ret:fork");
  uint32_t cr3 = m->mmu().cr3() & ~mmu::kPageMask;
  const view::AddressSpace* current = nullptr;
  const view::AddressSpace* child = nullptr;
  std::vector<view::AddressSpace> spaces = s.addressSpaces();
  for (const view::AddressSpace& a : spaces) {
    if (a.current) current = &a;
    if (a.live && !a.loaded) child = &a;
  }
  ASSERT_TRUE(current);
  EXPECT_EQ(current->cr3, cr3);
  EXPECT_EQ(current->name, "cowtest");
  EXPECT_EQ(current->name, s.guestInfo().spaceName(cr3));
  ASSERT_TRUE(child) << "fork() built the child's page directory; it has not run yet";
  EXPECT_EQ(child->name, "cowtest");
  EXPECT_NE(child->cr3, cr3);
  // Live spaces come first.
  bool gone = false;
  for (const view::AddressSpace& a : spaces) {
    EXPECT_FALSE(gone && a.live) << "a live space after a gone one";
    gone |= !a.live;
  }
}

// The list is the tracer's processes (trace::Process), one row each with its page directory,
// asid, the kernel's pid, name and parent: the live ones first by asid, then a directory fork()
// built that never ran, then the gone ones, newest first. At cowtest's third fork's return:
// asid 1 is the boot page directory (entrypgdir, 0x108000: left for kpgdir), 2 the kernel's own
// (kpgdir: no pid, no program), 3 init (pid 1), 4 cowtest (init's exec: pid 1 still, in CR3),
// 5 and 6 the first two checks' children (pids 2 and 3, forked from asid 4, exited and reaped:
// the second reused the first one's directory 0x3fe5000), and the third child's directory
// 0x3fe4000, built by fork and not yet loaded: no asid yet. The directories and pids are this
// run's (`--trace cr3,sys`); the kernel allocates frames from the top of its 64 MB.
TEST(ViewSpaces, LiveProcessesFirstThenTheGoneNewestFirst) {
  Discard console;
  auto r = cowtest(console);
  ASSERT_TRUE(r);
  view::Session s(*r);
  for (int i = 0; i < 3; ++i) runTo(s, "ret:fork");
  std::vector<std::string> rows;
  for (const view::AddressSpace& a : s.addressSpaces()) {
    rows.push_back(view::spaceRow(a, a.live && a.cr3 == s.shownCr3()));
  }
  EXPECT_EQ(rows, (std::vector<std::string>{
                      "  003ff000 #2 -",
                      "> 03ffd000 #4 pid 1 cowtest *",
                      "  03fe4000 cowtest new",
                      "  03fe5000 #6 pid 3 cowtest ^4 gone",
                      "  03fe5000 #5 pid 2 cowtest ^4 gone",
                      "  03ffe000 #3 pid 1 init gone",
                      "  00108000 #1 - gone",
                  }));
  // The same as the tracer's processes.
  std::vector<view::AddressSpace> list = s.addressSpaces();
  const std::vector<trace::Process>& ps = r->tracer().processes();
  for (const view::AddressSpace& a : list) {
    if (a.asid == 0) continue;
    const trace::Process& p = ps[a.asid - 1];
    EXPECT_EQ(a.cr3, p.pageDirectory) << a.asid;
    EXPECT_EQ(a.pid, p.pid) << a.asid;
    EXPECT_EQ(a.parent, p.parent) << a.asid;
  }
}

TEST(ViewPictures, BadMomentsAreOneLineErrors) {
  // Status 2: bad usage, before the machine runs (emu/cli/machine_cli.h).
  EXPECT_EQ(run("--view-png /dev/null --view-at pf:0"), 2);
  EXPECT_EQ(run("--view-png /dev/null --view-at symbol:no_such_function"), 2);
  EXPECT_EQ(run("--view-png /dev/null --view-at sometime"), 2);
  EXPECT_EQ(run("--view-png /dev/null --view-size 10x10"), 2);
}

TEST(ViewWindow, StepsToTheFirstPageFaultUnderXvfbWithScriptedKeys) {
  ASSERT_EQ(std::system("command -v xvfb-run > /dev/null"), 0)
      << "xvfb-run is missing: install xvfb (scripts/setup.sh); the window test needs an X server";
  std::string shot = std::string(OUT_DIR) + "/window.png";
  std::remove(shot.c_str());
  // f: run to the next page fault; ]: pick the next frame in use after the faulting page's;
  // p: screenshot; q: quit (the run is cut short: status 0).
  std::string cmd = std::string("xvfb-run -a -s '-screen 0 1280x1024x24' ") + XRAY86_BIN +
                    " run --kernel " + GUEST_KERNEL + " --module " + GUEST_ARCHIVE +
                    " --cmdline run=cowtest --quiet --view" + " --view-keys 'f ] p q' --view-png " +
                    shot + " > " + OUT_DIR + "/window-console.txt 2>&1";
  int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << cmd << " (see window-console.txt)";
  viewtest::Image img;
  std::string error;
  ASSERT_TRUE(viewtest::readPng(shot, img, error)) << error;
  ASSERT_EQ(img.w, kW);
  ASSERT_EQ(img.h, kH);

  // The same moment in process: the first page fault, stopped at its handler's first instruction.
  Discard console;
  auto r = cowtest(console);
  ASSERT_TRUE(r);
  emu::Machine* m = &r->machine();
  view::Session s(*r);
  ASSERT_TRUE(s.arm(run::Until::make(run::Until::Kind::kNextFault, 0), error));
  while (!s.reached() && !s.finished()) s.runFor(1'000'000);
  ASSERT_TRUE(s.reached());
  s.refresh();
  s.autoSelect();
  uint32_t cr2 = *s.recorder().lastFaultAddress();
  uint32_t cr3 = m->mmu().cr3() & ~mmu::kPageMask;
  mmu::WalkResult w = m->mmu().probeTables(cr3, cr2, mmu::Access::kRead, true);
  uint32_t leaf = w.walk.pteAddr ? w.walk.pte : 0;
  CellState expected = view::classifyPte(leaf, w.walk.pde, run::kDefaultCowBit);
  view::Layout l = view::layoutFor(s, kW, kH);
  view::Rect cell = l.ptes.rect((cr2 >> 12) & 1023);
  EXPECT_EQ(img.at(cell.x + cell.w / 2, cell.y + cell.h / 2), rgb(view::cellColour(expected)))
      << "the faulting page's cell, state " << view::cellStateName(expected);
  EXPECT_NE(expected, CellState::kNotPresent)
      << "cowtest's first fault is a write to a present page";

  // The frame ] picked is outlined in white (kSelect, render.cpp) at its cell's top-left corner.
  s.stepFrame(true);
  ASSERT_TRUE(s.selection().frame);
  ASSERT_TRUE(l.frames.shows(*s.selection().frame)) << "the next frame in use is in the grid";
  view::Rect picked = l.frames.rect(*s.selection().frame);
  EXPECT_EQ(img.at(picked.x, picked.y), 0xFFFFFFu);
  EXPECT_EQ(img.at(picked.x + picked.w / 2, picked.y + picked.h / 2),
            rgb(view::frameColour(s.census().userMappers(*s.selection().frame),
                                  s.census().kernelMapped(*s.selection().frame),
                                  s.census().pageTable(*s.selection().frame))));
}

}  // namespace

namespace {

// Entry classes from the bits alone (SDM vol. 3A 4.3: P bit 0, R/W bit 1, U/S bit 2, PS bit 7;
// the COW bit is the guest's bit 9). U/S and R/W combine with the PDE's (SDM 4.6).
TEST(ViewModel, ClassifiesEntriesByTheirBits) {
  using view::classifyPde;
  using view::classifyPte;
  constexpr uint32_t kPdeUserWrite = 0x007;
  EXPECT_EQ(classifyPte(0x00001006, kPdeUserWrite, 9), CellState::kNotPresent);  // P clear
  EXPECT_EQ(classifyPte(0x00001001, kPdeUserWrite, 9), CellState::kKernelRead);
  EXPECT_EQ(classifyPte(0x00001003, kPdeUserWrite, 9), CellState::kKernelWrite);
  EXPECT_EQ(classifyPte(0x00001005, kPdeUserWrite, 9), CellState::kUserRead);
  EXPECT_EQ(classifyPte(0x00001007, kPdeUserWrite, 9), CellState::kUserWrite);
  EXPECT_EQ(classifyPte(0x00001007, 0x005, 9), CellState::kUserRead);     // the PDE is read-only
  EXPECT_EQ(classifyPte(0x00001007, 0x003, 9), CellState::kKernelWrite);  // the PDE is supervisor
  EXPECT_EQ(classifyPte(0x00001205, kPdeUserWrite, 9), CellState::kCow);
  EXPECT_EQ(classifyPte(0x00001205, kPdeUserWrite, 10), CellState::kUserRead);  // --cow-bit 10
  EXPECT_EQ(classifyPde(0x00400087, true, 9), CellState::kLarge);
  EXPECT_EQ(classifyPde(0x00400087, false, 9), CellState::kUserWrite);  // PS ignored without PSE
}

// The details panel names an entry's bits with the trace's words (mmu::flagsText): a PDE or PTE
// reads the same in the window, in a picture and in a --trace line.
TEST(ViewModel, FlagWordsAreTheTraces) {
  trace::SymbolTable none;
  trace::Describer d(none, run::kDefaultCowBit);
  for (uint32_t word : {0x00000000u, 0x00001007u, 0x00001025u, 0x00001205u, 0x00001065u,
                        0x00400087u, 0x00400187u, 0x00000206u, 0x0000001Fu}) {
    EXPECT_EQ(mmu::flagsText(word, run::kDefaultCowBit), d.pagingFlags(word)) << word;
  }
  EXPECT_EQ(mmu::flagsText(0x00001205u, run::kDefaultCowBit), "P U COW");
  EXPECT_EQ(mmu::flagsText(0x00001000u, run::kDefaultCowBit), "-");
}

// --view-at's moments are the run's stop conditions (run::Until).
TEST(ViewModel, ParsesMoments) {
  std::string error;
  std::optional<run::Until> w = run::Until::parse("pf:3", error);
  ASSERT_TRUE(w) << error;
  EXPECT_EQ(w->kind, run::Until::Kind::kPageFaultDone);
  EXPECT_EQ(w->n, 3u);
  ASSERT_TRUE(w = run::Until::parse("cycle:1000", error));
  EXPECT_EQ(w->kind, run::Until::Kind::kCycles);
  EXPECT_EQ(w->n, 1000u);
  ASSERT_TRUE(w = run::Until::parse("ret:fork", error));
  EXPECT_EQ(w->kind, run::Until::Kind::kReturn);
  EXPECT_EQ(w->name, "fork");
  ASSERT_TRUE(w = run::Until::parse("symbol:0x80102f00", error));
  EXPECT_EQ(w->kind, run::Until::Kind::kAddress);
  EXPECT_EQ(w->address, 0x80102f00u);
  ASSERT_TRUE(w = run::Until::parse("console:$ ", error));
  EXPECT_EQ(w->kind, run::Until::Kind::kConsole);
  EXPECT_EQ(w->text, "$ ");
  ASSERT_TRUE(w = run::Until::parse("exit", error));
  EXPECT_EQ(w->kind, run::Until::Kind::kEnd);
  EXPECT_FALSE(run::Until::parse("pf:x", error));
  EXPECT_FALSE(run::Until::parse("pf:0", error));
  EXPECT_FALSE(run::Until::parse("symbol:", error));
  EXPECT_FALSE(run::Until::parse("cycle:99999999999999999999", error));
  EXPECT_EQ(
      error,
      "cycle:99999999999999999999: expected exit, insn:N, cycle:N, pf:N (N >= 1), symbol:NAME, "
      "ret:NAME, console:TEXT or event:EXPR");
}

// Every cell a grid draws is the one a click on it selects.
TEST(ViewLayout, GridCellsAndHitsAgree) {
  view::Layout l(kW, kH, 0, 16384, 8, 4, false);
  for (uint32_t i : {0u, 1u, 31u, 32u, 555u, 1023u}) {
    view::Rect r = l.ptes.rect(i);
    EXPECT_EQ(l.ptes.hit(r.x + r.w / 2, r.y + r.h / 2), static_cast<long>(i));
    r = l.pdes.rect(i);
    EXPECT_EQ(l.pdes.hit(r.x, r.y), static_cast<long>(i));
  }
  view::Rect last = l.frames.rect(16383);
  EXPECT_LE(last.y + last.h, l.framesPanel.y + l.framesPanel.h)
      << "all 16384 frames fit in the panel";
  EXPECT_LE(l.pdes.x + 32 * l.pdes.cell, l.ptes.x) << "the two grids do not overlap";
  // The events band spans the width under every other panel.
  EXPECT_GE(l.events.w, kW * 9 / 10);
  for (const view::Rect* r : {&l.space, &l.legend, &l.details, &l.framesPanel, &l.tlb, &l.spaces}) {
    EXPECT_LE(r->y + r->h, l.events.y);
  }
  EXPECT_LE(l.framesPanel.y + l.framesPanel.h, l.tlb.y);
  EXPECT_LE(l.tlb.y + l.tlb.h, l.spaces.y);
}

// --view-size 8192x8192 (the largest) with the 64 frames the built-in kernel's pictures show:
// lines are 40 pixels (8192 / 52, clamped to 40) and the grid is one row of 64 cells of 32
// pixels (the largest cell; 64 x 32 = 2048 pixels fit the right half's width). The first row's
// frame number needs a whole line left of the grid, and the legend must start below it, inside
// the panel. Before, the legend sat 2 pixels under the 32-pixel row and the number was left out.
TEST(ViewLayout, OneRowOfFramesStillHasItsNumber) {
  view::Layout l(8192, 8192, 0x3fc0, 64, 8, 4, false);
  EXPECT_EQ(l.line, 40);
  EXPECT_EQ(l.frames.rows, 1);
  EXPECT_EQ(l.frames.cell, 32);
  EXPECT_EQ(l.framesLegendY, l.frames.y + 40 + 2);
  EXPECT_LE(l.framesLegendY + l.line, l.framesPanel.y + l.framesPanel.h + l.pad);
  // The default size: the grid is taller than a line, the legend right under it as before.
  view::Layout d(kW, kH, 0x3fc0, 64, 8, 4, false);
  EXPECT_GT(d.frames.rows * d.frames.cell, d.line);
  EXPECT_EQ(d.framesLegendY, d.frames.y + d.frames.rows * d.frames.cell + 2);
}

}  // namespace
