// A run under the view: the run::Run, the recorder, the run's tracer tapped for the events
// panel, the frame census, the address spaces and what the viewer has selected. It runs in
// pieces (to a moment, for an instruction budget); stopping and continuing never changes the
// run, because the Run continues exactly where it stopped and the view only reads state through
// probes.
//
// session.cpp defines: Layout, Session (with addressSpaces, spaceName).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emu/machine/machine.h"
#include "emu/run/run.h"
#include "emu/trace/format.h"
#include "emu/trace/guest_info.h"
#include "emu/trace/programs.h"
#include "emu/trace/symbols.h"
#include "emu/trace/tracer.h"
#include "emu/view/events.h"
#include "emu/view/model.h"

namespace view {

struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
  bool contains(int px, int py) const { return px >= x && px < x + w && py >= y && py < y + h; }
};

// A grid of square cells, `cols` wide, each holding `per` consecutive items (frames), the first
// cell holding item `first`; items from `end` on are not in the grid.
struct Grid {
  int x = 0, y = 0, cell = 1, cols = 32, rows = 32;
  uint32_t per = 1, first = 0, end = 1024;
  Rect rect(uint32_t index) const {
    uint32_t c = (index - first) / per;
    return {x + static_cast<int>(c % cols) * cell, y + static_cast<int>(c / cols) * cell, cell,
            cell};
  }
  bool shows(uint32_t index) const { return index >= first && index < end; }
  // The item under a point, or -1.
  long hit(int px, int py) const {
    if (px < x || py < y || px >= x + cols * cell || py >= y + rows * cell) return -1;
    uint32_t i = first + static_cast<uint32_t>(((py - y) / cell) * cols + (px - x) / cell) * per;
    return i < end ? static_cast<long>(i) : -1;
  }
};

// Where every panel goes in a window of w x h pixels (pure arithmetic, shared with the tests).
// The frames grid shows `frameCount` frames from `firstFrame` (a multiple of 32), in rows of a
// power of two of cells (at least 16), with the largest cells that fit.
struct Layout {
  Layout(int w, int h, uint32_t firstFrame, uint32_t frameCount, unsigned tlbSets, unsigned tlbWays,
         bool splitTlb);
  int w, h, pad, line, font;
  int frameLabelW = 0;  // the frame numbers left of the frames grid
  // The frames legend's top: under the grid, and at least a text line below the grid's top, so
  // that the first row's frame number has room when the grid is one row of cells smaller than a
  // line (a wide window: 64 frames in one row of 32-pixel cells, 40-pixel lines).
  int framesLegendY = 0;
  Rect status, space, legend, details, framesPanel, tlb, spaces, events;
  Grid pdes, ptes, frames;
};

// What the person at the window chose.
struct Selection {
  std::optional<uint32_t> pinnedCr3;  // nullopt: follow the current CR3
  unsigned pde = 0, pte = 0;
  std::optional<uint32_t> frame;  // a frame picked in the frames grid (its number)
  bool allFrames = false;         // the frames grid: all of RAM, not the range in use
  bool help = false;
};

// An address space of the list the viewer chooses from: a process of the run's tracer (an
// address space for its lifetime, trace::Process), or a page directory the census found in RAM
// that was never loaded (a child fork() built that has not run yet).
struct AddressSpace {
  uint32_t cr3 = 0;  // page-directory base
  std::string name;  // the kernel's name for the process, else the programs it ran or maps; ""
  bool current = false, live = false, loaded = false;
  uint32_t asid = 0;    // the tracer's process (0: never loaded, so not one yet)
  int32_t pid = -1;     // the kernel's pid (-1: unknown)
  uint32_t parent = 0;  // the asid it was forked from (0: none known)
};

class Session {
 public:
  // The events panel follows the run's one tracer (a sink of its kinds), and the run's symbols,
  // programs and address-space names name things here. The session keeps a reference to `run`.
  explicit Session(run::Run& run);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs until `until` happens or the run ends; false and a one-line error for an unknown symbol
  // or a bad expression.
  bool runTo(const run::Until& until, std::string& error);
  // Runs up to `instructions` more (stopping early at the end of the run or an armed moment).
  void runFor(uint64_t instructions);
  // Arms a moment for runFor (the window's "run to next ..."); reached() says when it came.
  bool arm(const run::Until& until, std::string& error);
  void disarm();
  bool reached() const { return reached_; }

  // The run is over (the guest ended, or a limit): how.
  bool finished() const { return outcome_.has_value(); }
  const std::optional<run::Stop>& outcome() const { return outcome_; }

  // Re-reads what the panels show (the frame census).
  void refresh();
  // Selects the last page fault's page if it is in the shown space, else the first user page.
  void autoSelect();
  uint32_t shownCr3() const;
  // The frame the selected page maps (a probe of the shown space), if it is present.
  std::optional<uint32_t> selectedPageFrame() const;
  // Picks the next (`forward`) or previous frame in use (a user mapper or a page table) after
  // the picked frame, or the selected page's; wraps around.
  void stepFrame(bool forward);

  emu::Machine& machine() { return machine_; }
  Recorder& recorder() { return recorder_; }
  const FrameCensus& census() const { return census_; }
  const trace::SymbolTable& symbols() const { return symbols_; }
  // The events panel: the trace's records (newest first), the words to draw them with, and the
  // tracer's run counters.
  const EventLog& events() const { return log_; }
  trace::Describer& describer() { return describer_; }
  const trace::RunCounters& traceCounters() const { return run_.tracer().counters(); }
  const trace::GuestInfo& guestInfo() const { return run_.guestInfo(); }
  // The programs an address space ran (the tracer's names), or for one never loaded into CR3
  // the program it maps; "" when neither is known.
  std::string spaceName(uint32_t cr3) const;
  // Every present PTE (or 4 MB PDE) of the live address spaces that maps frame `pfn`.
  std::vector<FrameMapper> frameMappers(uint32_t pfn) { return census_.mappersOf(machine_, pfn); }
  // The live processes first (by asid), then the directories never loaded (in the census's
  // order), then the processes gone, the newest (highest asid) first.
  std::vector<AddressSpace> addressSpaces() const;
  Selection& selection() { return selection_; }
  unsigned cowBit() const { return cowBit_; }

 private:
  void note(const run::Stop& stop);

  run::Run& run_;
  emu::Machine& machine_;
  const trace::SymbolTable& symbols_;
  const trace::Programs& programs_;
  unsigned cowBit_;
  Recorder recorder_;
  trace::Describer describer_;
  EventLog log_;
  FrameCensus census_;
  Selection selection_;
  bool reached_ = false;
  std::optional<run::Stop> outcome_;
};

}  // namespace view
