// The APIC bus of a machine with several processors (Intel SDM vol. 3A 10.6, MP spec 1.4 B.4):
// every processor's local APIC answers at 0xFEE00000, the one of the processor that makes the
// access; interprocessor interrupts (the ICR) and the I/O APIC's messages reach the local APICs
// their destination names; INIT and STARTUP go to the machine, which starts the processor.
//
//   ICR low word: bits 7-0 vector, 10-8 delivery mode (0 fixed, 1 lowest priority, 4 NMI,
//   5 INIT, 6 STARTUP), 11 destination mode (1 logical), 14 level (assert), 15 trigger (1 level),
//   19-18 shorthand (0 none, 1 self, 2 all including self, 3 all excluding self);
//   ICR high word: bits 31-24 destination (physical: an APIC ID, 0xFF all; logical: a mask).
//
// apic_bus.cpp defines: ApicBus.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "devices/bus.h"
#include "devices/clock.h"
#include "devices/lapic.h"

namespace devices {

class ApicBus : public MmioDevice, public Timed {
 public:
  // Processor 0's local APIC is `bsp`; the bus makes the others, APIC IDs 1 .. count-1.
  ApicBus(Clock& clock, LocalApic& bsp, unsigned count);

  unsigned count() const { return static_cast<unsigned>(apics_.size()); }
  LocalApic& apic(unsigned processor) { return *apics_[processor]; }
  const LocalApic& apic(unsigned processor) const { return *apics_[processor]; }
  // The processor whose accesses reach 0xFEE00000 now.
  void select(unsigned processor) { current_ = processor; }

  uint32_t mmioRead(uint32_t offset, unsigned size) override;
  void mmioWrite(uint32_t offset, uint32_t value, unsigned size) override;
  uint64_t deadline() const override;  // the earliest timer of any local APIC
  void tick() override;

  // An ICR write of processor `from`'s local APIC.
  void send(unsigned from, uint32_t low, uint32_t high);
  // An I/O APIC redirection entry's message.
  void route(uint8_t dest, bool logical, unsigned mode, uint8_t vector, bool level);

  // INIT (mode 5) or STARTUP (mode 6, with its vector) for a processor: the machine resets it
  // or starts it (a STARTUP reaches only a processor waiting for one).
  std::function<void(unsigned processor, unsigned mode, uint8_t vector)> onStart;

  // Interprocessor interrupts sent (any mode), for the run summary.
  uint64_t ipisSent() const { return ipis_; }

  // Snapshots (docs/debug.md): every local APIC's registers and which one is selected.
  struct State {
    std::vector<LocalApic::State> apics;
    unsigned current = 0;
    uint64_t ipis = 0;
  };
  State state() const;
  void setState(const State& s);

 private:
  // The processors a destination names, one bit each.
  uint32_t targets(unsigned from, uint8_t dest, bool logical, unsigned shorthand) const;
  void deliver(uint32_t to, unsigned mode, uint8_t vector, bool level);

  std::vector<LocalApic*> apics_;
  std::vector<std::unique_ptr<LocalApic>> owned_;
  unsigned current_ = 0;
  uint64_t ipis_ = 0;
};

}  // namespace devices
