// The view's run driver and layout.
#include "emu/view/session.h"

#include <algorithm>

namespace view {

using mmu::PagingBits;

Layout::Layout(int width, int height, uint32_t firstFrame, uint32_t frameCount, unsigned tlbSets,
               unsigned tlbWays, bool splitTlb)
    : w(width), h(height) {
  (void)tlbWays;
  pad = std::max(4, w / 200);
  line = std::clamp(h / 52, 10, 40);
  font = std::max(8, line * 4 / 5);
  status = {0, 0, w, 2 * line + pad};
  int top = status.h + pad;
  // Events: the whole width at the bottom (a trace line is long), about a quarter of the height.
  int eventLines = std::max(5, (h - top) * 26 / 100 / line);
  events = {pad, h - pad - eventLines * line, w - 2 * pad, eventLines * line};
  int bottom = events.y - pad;  // the panels above end here
  int leftW = w * 52 / 100;
  // Address space: two 32x32 grids side by side, a title line above each; the legend (2 lines)
  // and at least 8 lines of details below.
  int side = std::min((leftW - 3 * pad) / 2, bottom - top - 11 * line - 2 * pad);
  int cell = std::max(2, side / 32);
  space = {0, top, leftW, line + 32 * cell};
  pdes = {pad, top + line, cell, 32, 32, 1};
  ptes = {2 * pad + 32 * cell, top + line, cell, 32, 32, 1};
  legend = {pad, space.y + space.h + pad, leftW - 2 * pad, 2 * line};
  details = {pad, legend.y + legend.h + pad, leftW - 2 * pad,
             std::max(line, bottom - (legend.y + legend.h + pad))};

  // Right: frames, the TLB, the address spaces.
  int rx = leftW + pad, rw = w - rx - pad;
  int tlbH = line * (static_cast<int>(tlbSets) + 1);
  if (splitTlb) tlbH *= 2;
  int spacesH = line * 5;
  int framesH = std::max(4 * line, bottom - top - tlbH - spacesH - 2 * pad);
  framesPanel = {rx, top, rw, framesH};
  // Frames: the largest cell (then the fewest frames per cell) that fits under the title and
  // above the legend; a row holds a power of two of cells, at least 16 (64 KB of RAM), so that
  // columns line up with addresses. Up to 32 pixels a cell: big enough to click.
  // Each row's first frame number is written left of the grid: 5 hex digits and a space of the
  // monospaced font (DejaVu Sans Mono advances 0.6 em).
  frameLabelW = font * 6 * 6 / 10;
  int gx = rx + frameLabelW, gw = rw - frameLabelW;
  int gridH = framesH - 2 * line;
  uint32_t n = std::max<uint32_t>(frameCount, 1);
  frames = {gx, top + line, 1, 1, 1, 1, firstFrame, firstFrame + frameCount};
  bool placed = false;
  for (uint32_t per = 1; per <= 64 && !placed; per *= 2) {
    uint32_t cells = (n + per - 1) / per;
    for (int c = 32; c >= 1 && !placed; --c) {
      int cols = 16;
      while (cols * 2 * c <= gw) cols *= 2;
      int rows = static_cast<int>((cells + cols - 1) / cols);
      if (rows * c <= gridH && cols * c <= gw) {
        frames = {gx, top + line, c, cols, rows, per, firstFrame, firstFrame + frameCount};
        placed = true;
      }
    }
  }
  framesLegendY = frames.y + std::max(frames.rows * frames.cell, line) + 2;
  tlb = {rx, top + framesH + pad, rw, tlbH};
  spaces = {rx, tlb.y + tlb.h + pad, rw, std::max(line, bottom - (tlb.y + tlb.h + pad))};
}

Session::Session(run::Run& run)
    : run_(run),
      machine_(run.machine()),
      symbols_(run.symbols()),
      programs_(run.programs()),
      cowBit_(run.cowBit()),
      recorder_(run.machine().mmu()),
      describer_(symbols_, cowBit_) {
  // The run's tracer names each address space by the program it maps, at every CR3 write; the
  // panel sees every record of its kinds, whatever --trace and --trace-filter select.
  describer_.setGuestInfo(&run.guestInfo());
  describer_.setPrograms(&run.programs());
  run_.tracer().setSink(&log_, panelKindBits());
  run_.attach(&recorder_);
}

Session::~Session() {
  run_.detach(&recorder_);
  run_.tracer().setSink(&log_, 0);
}

void Session::note(const run::Stop& stop) {
  using K = run::StopKind;
  if (stop.kind == K::kReached) reached_ = true;
  if (stop.kind == K::kReached || stop.kind == K::kPaused || stop.kind == K::kRequested ||
      stop.kind == K::kRepeatedFault) {
    return;
  }
  outcome_ = stop;
  // A limit ends the view's run too: the faults still pending get their resolution (killed,
  // unresolved) now, for the panel, as at the guest's end; the sinks finish when the view ends.
  run_.tracer().settle();
}

bool Session::runTo(const run::Until& until, std::string& error) {
  if (finished()) return true;
  std::optional<run::Stop> stop = run_.run(until, error);
  if (!stop) return false;
  note(*stop);
  return true;
}

void Session::runFor(uint64_t instructions) {
  if (finished()) return;
  uint64_t now = run_.instructions();
  uint64_t end = instructions > ~uint64_t{0} - now ? ~uint64_t{0} : now + instructions;
  note(run_.resume(end));
}

bool Session::arm(const run::Until& until, std::string& error) {
  reached_ = false;
  return run_.arm(until, error);
}

void Session::disarm() {
  reached_ = false;
  run_.disarm();
}

uint32_t Session::shownCr3() const {
  return selection_.pinnedCr3 ? *selection_.pinnedCr3 : (machine_.mmu().cr3() & ~mmu::kPageMask);
}

std::optional<uint32_t> Session::selectedPageFrame() const {
  uint32_t linear = (selection_.pde << 22) | (selection_.pte << 12);
  mmu::WalkResult w = machine_.mmu().probeTables(shownCr3(), linear, mmu::Access::kRead, false);
  if (!w.translation) return std::nullopt;
  return w.translation->physical(linear) >> 12;
}

void Session::stepFrame(bool forward) {
  uint32_t n = census_.frames();
  if (n == 0) return;
  std::optional<uint32_t> from = selection_.frame ? selection_.frame : selectedPageFrame();
  uint32_t at = from && *from < n ? *from : (forward ? n - 1 : 0);
  for (uint32_t k = 1; k <= n; ++k) {
    uint32_t f = forward ? (at + k) % n : (at + n - k % n) % n;
    if (census_.userMappers(f) > 0 || census_.pageTable(f)) {
      selection_.frame = f;
      return;
    }
  }
}

void Session::refresh() {
  census_.take(machine_, machine_.mmu(), recorder_.cr3s(), machine_.ram().size());
}

void Session::autoSelect() {
  uint32_t cr3 = shownCr3();
  if (recorder_.lastFaultAddress() && recorder_.lastFaultCr3() == cr3) {
    selection_.pde = *recorder_.lastFaultAddress() >> 22;
    selection_.pte = (*recorder_.lastFaultAddress() >> 12) & 1023;
    return;
  }
  for (unsigned i = 0; i < 1024; ++i) {
    uint32_t pde = mmu::readPagingWord(machine_, cr3 + 4 * i, true);
    if (!(pde & PagingBits::kPresent) || !(pde & PagingBits::kUser)) continue;
    selection_.pde = i;
    selection_.pte = 0;
    if (pde & PagingBits::kPageSize) return;
    for (unsigned j = 0; j < 1024; ++j) {
      if (mmu::readPagingWord(machine_, (pde & PagingBits::kFrame) + 4 * j, true) &
          PagingBits::kPresent) {
        selection_.pte = j;
        return;
      }
    }
    return;
  }
}

}  // namespace view

namespace view {

std::vector<AddressSpace> Session::addressSpaces() const {
  uint32_t cur = machine_.mmu().cr3() & ~mmu::kPageMask;
  const trace::Tracer& tracer = run_.tracer();
  std::vector<AddressSpace> live, gone, fresh;
  for (const trace::Process& p : tracer.processes()) {
    AddressSpace a;
    a.cr3 = p.pageDirectory;
    a.name = p.name.empty() ? guestInfo().spaceName(p.pageDirectory) : p.name;
    a.asid = p.asid;
    a.pid = p.pid;
    a.parent = p.parent;
    a.loaded = true;
    // Alive while the tracer has not seen it end and its directory still holds the kernel part
    // (xv6 frees a directory with kfree, which fills it with junk; the census sees that first).
    // The one in CR3 is alive whatever the tracer has seen (a process running its exit).
    bool behind = tracer.asidOf(p.pageDirectory) == p.asid;
    a.current = behind && a.cr3 == cur;
    a.live = a.current || (behind && !p.ended && census_.live(p.pageDirectory));
    (a.live ? live : gone).push_back(a);
  }
  // A live directory no process holds: built by fork and not loaded yet, perhaps in the frame of
  // a process that ended.
  for (uint32_t c : census_.liveSpaces()) {
    uint32_t asid = tracer.asidOf(c);
    if (asid == 0 || (tracer.processes()[asid - 1].ended && c != cur))
      fresh.push_back({c, spaceName(c), c == cur, true, false});
  }
  // The newest first: the processes that just ended (an exec's old space, a reaped child).
  std::reverse(gone.begin(), gone.end());
  std::vector<AddressSpace> out = std::move(live);
  out.insert(out.end(), fresh.begin(), fresh.end());
  out.insert(out.end(), gone.begin(), gone.end());
  return out;
}

std::string Session::spaceName(uint32_t cr3) const {
  std::string name = guestInfo().spaceName(cr3);
  // Never loaded, so the tracer has not named it: the same trace::Programs names it now.
  if (name.empty()) name = programs_.identify(machine_.mmu(), machine_, cr3 & ~mmu::kPageMask);
  return name;
}

}  // namespace view
