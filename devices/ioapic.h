// Intel 82093AA I/O APIC at 0xFEC00000: IOREGSEL at +0x00, IOWIN at +0x10, 24 inputs.
//
// ioapic.cpp defines: IoApic.
#pragma once

#include <cstdint>
#include <functional>

#include "devices/bus.h"
#include "devices/lapic.h"

namespace devices {

// What a snapshot of the chip holds: every register and deadline, none of its wiring.
struct IoApicState {
  static constexpr unsigned kPins = 24;
  uint32_t select_ = 0;
  uint64_t redir_[kPins];
  bool input_[kPins] = {};
};

class IoApic : public MmioDevice, private IoApicState {
 public:
  // Snapshots (docs/debug.md): the state above, without the wiring.
  using State = IoApicState;
  const State& state() const { return *this; }
  void setState(const State& s) { static_cast<State&>(*this) = s; }

  static constexpr uint32_t kBase = 0xFEC00000;
  static constexpr unsigned kPins = IoApicState::kPins;

  IoApic(LocalApic& lapic, uint8_t id);

  uint32_t mmioRead(uint32_t offset, unsigned size) override;
  void mmioWrite(uint32_t offset, uint32_t value, unsigned size) override;

  // Input pin `pin` is now asserted or not (inputs are taken as already active-high).
  void setInput(unsigned pin, bool asserted);
  // The local APIC retired level-triggered `vector`: clear remote IRR and resend if still high.
  void eoi(uint8_t vector);

  uint64_t redirection(unsigned pin) const { return redir_[pin]; }

  // With several processors, where a fixed or lowest-priority interrupt goes: called with the
  // entry's destination (bits 63-56), destination mode (true: logical), delivery mode, vector and
  // trigger (the APIC bus, devices/apic_bus.h). Unset: to the one local APIC given at
  // construction, whatever the destination says.
  std::function<void(uint8_t dest, bool logical, unsigned mode, uint8_t vector, bool level)> route;
  uint8_t id() const { return static_cast<uint8_t>(id_ >> 24); }

 private:
  void deliver(unsigned pin);

  LocalApic& lapic_;
  uint32_t id_;
};

}  // namespace devices
