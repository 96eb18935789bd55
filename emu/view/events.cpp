// The events panel's records and columns.
#include "emu/view/events.h"

#include <fmt/core.h>

#include "emu/trace/filter.h"

namespace view {

uint32_t panelKindBits() {
  uint32_t bits = 0;
  std::string error;
  trace::parseKindList(kPanelKinds, bits, error);  // a constant list of known kinds
  return bits;
}

void EventLog::write(const trace::Record& r) {
  records_.push_front(r);
  if (records_.size() > kKept) records_.pop_back();
  ++written_;
}

// The same words formatText writes (emu/trace/format.cpp), column by column.
EventColumns eventColumns(const trace::Record& r, trace::Describer& d) {
  EventColumns c;
  c.cycle = fmt::format("{}", r.ctx.cycle);
  c.cr3 = fmt::format("{:08x}", r.ctx.cr3);
  c.eip = fmt::format("{:08x}", r.ctx.eip);
  c.function = d.symbol(r.ctx.eip, r.ctx.cr3);
  if (c.function.empty()) c.function = "-";
  c.instruction = d.disassemble(r).text;
  c.kind = trace::kindName(r.kind);
  c.fields = trace::eventText(r, d, false);
  return c;
}

}  // namespace view
