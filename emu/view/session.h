// A run under the view: the Machine, the recorder, the trace's tracer with the events panel's
// sink, the frame census, the address spaces and what the viewer has selected. It runs the
// machine in pieces (to a moment, for an instruction budget); stopping and continuing never
// changes the run, because Machine::run() continues exactly where it stopped and the view only
// reads state through probes.
//
// session.cpp defines: Layout, flagsText, Session (with addressSpaces).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emu/machine.h"
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

// A grid of square cells, `cols` wide, each holding `per` consecutive items (frames).
struct Grid {
  int x = 0, y = 0, cell = 1, cols = 32, rows = 32;
  uint32_t per = 1;
  Rect rect(uint32_t index) const {
    uint32_t c = index / per;
    return {x + static_cast<int>(c % cols) * cell, y + static_cast<int>(c / cols) * cell, cell, cell};
  }
  // The item under a point, or -1.
  long hit(int px, int py) const {
    if (px < x || py < y || px >= x + cols * cell || py >= y + rows * cell) return -1;
    return static_cast<long>(((py - y) / cell) * cols + (px - x) / cell) * per;
  }
};

// Where every panel goes in a window of w x h pixels (pure arithmetic, shared with the tests).
struct Layout {
  Layout(int w, int h, uint32_t frames, unsigned tlbSets, unsigned tlbWays, bool splitTlb);
  int w, h, pad, line, font;
  Rect status, space, legend, details, framesPanel, tlb, spaces, events;
  Grid pdes, ptes, frames;
};

// "P W U A D PS G COW" for the set bits of a paging entry ("-" when not present).
std::string flagsText(uint32_t word, unsigned cowBit, bool pde);

// What the person at the window chose.
struct Selection {
  std::optional<uint32_t> pinnedCr3;  // nullopt: follow the current CR3
  unsigned pde = 0, pte = 0;
  std::optional<uint32_t> frame;  // a frame picked in the frames grid
  bool help = false;
};

// An address space of the list the viewer chooses from: a CR3 seen, or a page directory the
// census found in RAM that was never loaded (a child fork() built that has not run yet).
struct AddressSpace {
  uint32_t cr3 = 0;   // page-directory base
  std::string name;   // the programs it ran (trace::GuestInfo), or the one it maps; may be ""
  bool current = false, live = false, loaded = false;
};

class Session {
 public:
  // `symbols` and `programs` (trace::loadGuestNames) name addresses and address spaces; the
  // session keeps references to them.
  Session(emu::Machine& machine, const trace::SymbolTable& symbols, const trace::Programs& programs,
          unsigned cowBit, uint64_t maxInstructions, uint64_t maxCycles);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  // False when the CPU's event bus had no room for the view's observers.
  bool attached() const { return attached_; }

  // Runs until `when` happens or the run ends; false and a one-line error for an unknown symbol.
  bool runTo(const When& when, std::string& error);
  // Runs up to `instructions` more (stopping early at the end of the run or an armed moment).
  void runFor(uint64_t instructions);
  // Arms a moment for runFor (the window's "run to next ..."); reached() says when it came.
  bool arm(const When& when, std::string& error) { return recorder_.arm(when, error); }
  void disarm() { recorder_.disarm(); }
  bool reached() const { return recorder_.reached(); }

  bool finished() const { return outcome_.has_value(); }
  const std::optional<emu::Machine::Outcome>& outcome() const { return outcome_; }

  // Re-reads what the panels show (the frame census).
  void refresh();
  // Selects the last page fault's page if it is in the shown space, else the first user page.
  void autoSelect();
  uint32_t shownCr3() const;

  emu::Machine& machine() { return machine_; }
  Recorder& recorder() { return recorder_; }
  const FrameCensus& census() const { return census_; }
  const trace::SymbolTable& symbols() const { return symbols_; }
  // The events panel: the trace's records (newest first), the words to draw them with, and the
  // tracer's run counters.
  const EventLog& events() const { return log_; }
  trace::Describer& describer() { return describer_; }
  const trace::RunCounters& traceCounters() const { return tracer_.counters(); }
  const trace::GuestInfo& guestInfo() const { return info_; }
  // The live address spaces first (in the order first seen), then those gone.
  std::vector<AddressSpace> addressSpaces() const;
  Selection& selection() { return selection_; }
  unsigned cowBit() const { return cowBit_; }

 private:
  emu::Machine::Outcome runPiece(uint64_t maxInstructions, uint64_t maxCycles);

  emu::Machine& machine_;
  const trace::SymbolTable& symbols_;
  const trace::Programs& programs_;
  unsigned cowBit_;
  uint64_t maxInstructions_, maxCycles_;
  Recorder recorder_;
  trace::GuestInfo info_;
  trace::Describer describer_;
  EventLog log_;
  trace::Tracer tracer_;
  bool attached_ = false;
  FrameCensus census_;
  Selection selection_;
  std::optional<emu::Machine::Outcome> outcome_;
};

}  // namespace view
