// How interrupt requests reach the CPU on this PC: each ISA IRQ goes to both the 8259 pair and
// the I/O APIC (ISA IRQ0 on I/O APIC pin 2, the others on the pin of their number, as the MP
// table says); the 8259's INT reaches INTR through the local APIC's LINT0 (virtual wire); the
// local APIC's own interrupts come first. Also the IMCR (ports 0x22/0x23).
//
// interrupts.cpp defines: InterruptRouter, isaToIoApicPin.
#pragma once

#include <cstdint>

#include "devices/bus.h"
#include "devices/i8259.h"
#include "devices/ioapic.h"
#include "devices/lapic.h"

namespace devices {

unsigned isaToIoApicPin(unsigned irq);

// What a snapshot of the chip holds: every register and deadline, none of its wiring.
struct InterruptRouterState {
  uint8_t imcrSelect_ = 0, imcr_ = 0;
};

class InterruptRouter : public IrqSink, public PortDevice, private InterruptRouterState {
 public:
  // Snapshots (docs/debug.md): the state above, without the wiring.
  using State = InterruptRouterState;
  const State& state() const { return *this; }
  void setState(const State& s) { static_cast<State&>(*this) = s; }

  InterruptRouter(PicPair& pic, IoApic& ioapic, LocalApic& lapic);
  void attach(PortBus& bus);  // IMCR 0x22-0x23

  void setIrq(unsigned irq, bool level) override;
  // The CPU's INTR input: an APIC vector above the priority, or the 8259 through LINT0.
  bool intr() const;
  // INTA: the local APIC's vector if it has one, else the 8259's.
  uint8_t acknowledge();
  // The same for any processor's local APIC (docs/smp.md): the 8259 reaches a processor only
  // through its LINT0 (the firmware programs the bootstrap processor's; the others' stay masked).
  bool intr(const LocalApic& lapic) const;
  uint8_t acknowledge(LocalApic& lapic);
  // Another processor's local APIC: its EOIs of level-triggered vectors reach the I/O APIC.
  void addApic(LocalApic& lapic);

  uint32_t ioRead(uint16_t port, unsigned size) override;
  void ioWrite(uint16_t port, uint32_t value, unsigned size) override;
  bool imcrApicMode() const { return imcr_ & 1; }

 private:
  PicPair& pic_;
  IoApic& ioapic_;
  LocalApic& lapic_;
};

}  // namespace devices
