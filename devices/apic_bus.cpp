// The APIC bus: local APIC accesses by processor, interprocessor interrupts and the I/O APIC's
// messages by destination (SDM vol. 3A 10.6.2), INIT and STARTUP to the machine.
#include "devices/apic_bus.h"

#include <algorithm>

namespace devices {

ApicBus::ApicBus(Clock& clock, LocalApic& bsp, unsigned count) {
  apics_.push_back(&bsp);
  for (unsigned i = 1; i < count; ++i) {
    owned_.push_back(std::make_unique<LocalApic>(clock, static_cast<uint8_t>(i)));
    apics_.push_back(owned_.back().get());
  }

  // One processor: the local APIC keeps its own ICR (fixed IPIs to itself only).
  if (count < 2) return;
  for (unsigned i = 0; i < count; ++i)
    apics_[i]->onIcr = [this, i](uint32_t low, uint32_t high) { send(i, low, high); };
}

ApicBus::State ApicBus::state() const {
  State s;
  for (const LocalApic* a : apics_) s.apics.push_back(a->state());
  s.current = current_;
  s.ipis = ipis_;
  return s;
}

void ApicBus::setState(const State& s) {
  for (size_t k = 0; k < apics_.size() && k < s.apics.size(); ++k) apics_[k]->setState(s.apics[k]);
  current_ = s.current;
  ipis_ = s.ipis;
}

uint32_t ApicBus::mmioRead(uint32_t offset, unsigned size) {
  return apics_[current_]->mmioRead(offset, size);
}

void ApicBus::mmioWrite(uint32_t offset, uint32_t value, unsigned size) {
  apics_[current_]->mmioWrite(offset, value, size);
}

uint64_t ApicBus::deadline() const {
  uint64_t d = kNever;
  for (const LocalApic* a : apics_) d = std::min(d, a->deadline());
  return d;
}

void ApicBus::tick() {
  for (LocalApic* a : apics_) a->tick();
}

uint32_t ApicBus::targets(unsigned from, uint8_t dest, bool logical, unsigned shorthand) const {
  const uint32_t all = (1u << apics_.size()) - 1;
  switch (shorthand) {
    case 1:
      return 1u << from;
    case 2:
      return all;
    case 3:
      return all & ~(1u << from);
    default:
      break;
  }
  uint32_t to = 0;
  for (unsigned i = 0; i < apics_.size(); ++i) {
    bool hit = logical ? apics_[i]->logicalMatch(dest) : (dest == 0xFF || dest == apics_[i]->id());
    if (hit) to |= 1u << i;
  }
  return to;
}

void ApicBus::deliver(uint32_t to, unsigned mode, uint8_t vector, bool level) {
  if (to == 0) return;
  if (mode == 1) {
    // Lowest priority: the processor with the lowest task priority, the lowest number on a tie
    // (the choice among equals is the chipset's; this one is the same on every run).
    unsigned best = 32;
    for (unsigned i = 0; i < apics_.size(); ++i) {
      if (!(to & (1u << i))) continue;
      if (best == 32 || apics_[i]->taskPriority() < apics_[best]->taskPriority()) best = i;
    }
    to = 1u << best;
    mode = 0;
  }
  for (unsigned i = 0; i < apics_.size(); ++i) {
    if (!(to & (1u << i))) continue;
    if (mode == 0) {
      apics_[i]->accept(vector, level);
    } else if (mode == 5) {
      apics_[i]->init();
      if (onStart) onStart(i, 5, 0);
    } else if (mode == 6) {
      if (onStart) onStart(i, 6, vector);
    } else if (mode == 4) {
      apics_[i]->acceptNmi();
    }
    // SMI and ExtINT messages: not modelled (no processor here takes them).
  }
}

void ApicBus::send(unsigned from, uint32_t low, uint32_t high) {
  ++ipis_;
  const unsigned mode = (low >> 8) & 7;
  const bool levelTrigger = (low >> 15) & 1;
  // INIT level de-assert (mode 5, level trigger, level bit clear) only synchronises arbitration
  // IDs on P6 and later processors: no processor is reset (SDM vol. 3A 10.6.1).
  if (mode == 5 && levelTrigger && !((low >> 14) & 1)) return;
  uint32_t to = targets(from, static_cast<uint8_t>(high >> 24), (low >> 11) & 1, (low >> 18) & 3);
  deliver(to, mode, static_cast<uint8_t>(low & 0xFF), mode == 0 && levelTrigger);
}

void ApicBus::route(uint8_t dest, bool logical, unsigned mode, uint8_t vector, bool level) {
  deliver(targets(0, dest, logical, 0), mode, vector, level);
}

}  // namespace devices
