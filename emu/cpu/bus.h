// The bus the CPU declares: physical memory (via mmu::PhysMemory), I/O ports and the interrupt
// controller's acknowledge cycle. emu::Machine implements it for the PC; CPU tests implement it
// over flat RAM.
#pragma once

#include <cstdint>

#include "mmu/phys_memory.h"

namespace emu {

class CpuBus : public mmu::PhysMemory {
 public:
  // IN/OUT of 1, 2 or 4 bytes. Unassigned ports read as all-ones.
  virtual uint32_t ioRead(uint16_t port, unsigned size) = 0;
  virtual void ioWrite(uint16_t port, uint32_t value, unsigned size) = 0;

  // INTA: the vector of the highest-priority pending interrupt, which the controller now marks
  // in service. Called only while the CPU's INTR line is asserted (Cpu::setIntr) and IF=1.
  virtual uint8_t interruptAcknowledge() = 0;

  // FERR#: the x87 has an unmasked error pending while CR0.NE is clear (true), or no longer
  // (false). A PC routes it to IRQ 13. fpuErrorIgnored is IGNNE#: when it is active (on a PC,
  // after a write to port F0h), waiting x87 instructions go on despite the error instead of
  // freezing until an interrupt. Buses without the PC's wiring keep the defaults.
  virtual void fpuError(bool asserted) { (void)asserted; }
  virtual bool fpuErrorIgnored() { return false; }
};

}  // namespace emu
