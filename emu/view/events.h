// The events panel's model: the trace's own records. This sink sits on the run's one tracer
// (which follows each page fault to its resolution) and keeps the last records of the panel's
// kinds; the panel draws columns of the trace's text line for each.
//
// events.cpp defines: panelKindBits, EventLog, eventColumns.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "emu/trace/format.h"
#include "emu/trace/record.h"

namespace view {

// What the panel shows, in --trace words: page faults and their resolutions, TLB flushes, CR3
// writes, stale TLB uses, exceptions other than #PF. `--trace` with the same list writes the
// same lines.
constexpr const char* kPanelKinds = "pf,tlb,cr3,stale,missing-flush,exc";
// kPanelKinds as trace::Tracer's kind bits.
uint32_t panelKindBits();

class EventLog final : public trace::Sink {
 public:
  static constexpr size_t kKept = 200;

  void write(const trace::Record& r) override;
  void finish() override {}

  const std::deque<trace::Record>& records() const { return records_; }  // newest first
  uint64_t written() const { return written_; }

 private:
  std::deque<trace::Record> records_;
  uint64_t written_ = 0;
};

// The columns of a record's trace text line (trace::formatText) the panel draws, each made of
// the same words in the same order: cycle, CR3, EIP, function (or "-"), instruction, kind, and
// the event's fields. The panel leaves out the retired-instruction count, CPL and bytes.
struct EventColumns {
  std::string cycle, cr3, eip, function, instruction, kind, fields;
};
EventColumns eventColumns(const trace::Record& r, trace::Describer& d);

}  // namespace view
