// Interrupt routing between the ISA devices, the 8259 pair, the I/O APIC and the local APIC.
#include "devices/interrupts.h"

namespace devices {

unsigned isaToIoApicPin(unsigned irq) {
  return irq == 0 ? 2 : irq;
}

InterruptRouter::InterruptRouter(PicPair& pic, IoApic& ioapic, LocalApic& lapic)
    : pic_(pic), ioapic_(ioapic), lapic_(lapic) {
  lapic_.onLevelEoi = [this](uint8_t vector) { ioapic_.eoi(vector); };
}

void InterruptRouter::attach(PortBus& bus) {
  bus.map(0x22, 2, this);
}

void InterruptRouter::setIrq(unsigned irq, bool level) {
  if (irq >= 16) return;
  pic_.setIrq(irq, level);
  ioapic_.setInput(isaToIoApicPin(irq), level);
}

bool InterruptRouter::intr() const {
  return intr(lapic_);
}

uint8_t InterruptRouter::acknowledge() {
  return acknowledge(lapic_);
}

bool InterruptRouter::intr(const LocalApic& lapic) const {
  if (lapic.pendingVector() >= 0) return true;
  // Virtual wire mode (MP spec 3.6.2.2): the 8259 reaches INTR only through LINT0.
  return lapic.picPassThrough() && pic_.intOutput();
}

uint8_t InterruptRouter::acknowledge(LocalApic& lapic) {
  if (lapic.pendingVector() >= 0) return lapic.acknowledge();
  // With LINT0 masked the 8259 is not connected: an INTA that finds nothing in the local APIC
  // gets its spurious vector.
  if (!lapic.picPassThrough()) return lapic.acknowledge();
  return pic_.acknowledge();
}

void InterruptRouter::addApic(LocalApic& lapic) {
  lapic.onLevelEoi = [this](uint8_t vector) { ioapic_.eoi(vector); };
}

uint32_t InterruptRouter::ioRead(uint16_t port, unsigned) {
  if (port == 0x22) return imcrSelect_;
  return imcrSelect_ == 0x70 ? imcr_ : 0xFF;
}

void InterruptRouter::ioWrite(uint16_t port, uint32_t value, unsigned) {
  // IMCR (MP spec 3.6.2.1): write 0x70 to 0x22 to select it, then bit 0 to 0x23. Our MP table
  // declares virtual wire mode (IMCRP clear), where the 8259 is wired to LINT0 either way; the
  // register is kept so that kernels which write it anyway read back what they wrote.
  if (port == 0x22) {
    imcrSelect_ = static_cast<uint8_t>(value);
  } else if (imcrSelect_ == 0x70) {
    imcr_ = value & 1;
  }
}

}  // namespace devices
