// Intel 8259A programmable interrupt controllers: the PC's master (0x20/0x21, IRQ 0-7) and
// slave (0xA0/0xA1, IRQ 8-15) cascaded on the master's IR2.
//
// i8259.cpp defines: Pic8259 (one chip), PicPair (the two as the PC wires them).
#pragma once

#include <cstdint>
#include <optional>

#include "devices/bus.h"

namespace devices {

// One 8259A (datasheet: "8259A Programmable Interrupt Controller", Intel 1988).
class Pic8259 {
 public:
  // Input line `ir` (0-7) now at `level`. Edge mode latches IRR on a rising edge; level mode
  // (ICW1.LTIM) makes IRR follow the line.
  void setInput(unsigned ir, bool level);
  // A level-sensitive input whatever the mode: the master's cascade input, which must see the
  // slave's INT for as long as the slave holds it.
  void setLevelInput(unsigned ir, bool level);
  // The highest-priority request not masked and not blocked by an in-service one at equal or
  // higher priority: what drives INT.
  std::optional<unsigned> pending() const;
  bool intOutput() const { return pending().has_value(); }
  // The INTA sequence for input `ir` (from pending()): sets ISR (unless auto-EOI), clears the
  // edge latch. Returns the vector ICW2 base + ir.
  uint8_t acknowledge(unsigned ir);
  uint8_t spuriousVector() const { return static_cast<uint8_t>(vectorBase_ + 7); }

  uint8_t read(bool odd);
  void write(bool odd, uint8_t value);

  uint8_t irr() const { return irr_; }
  uint8_t isr() const { return isr_; }
  uint8_t imr() const { return imr_; }
  uint8_t vectorBase() const { return vectorBase_; }
  uint8_t cascadeInputs() const { return icw3_; }  // ICW3 as written (meaningful for a master)

 private:
  unsigned highestInService() const;  // 8 when none
  void eoi(unsigned ir);

  uint8_t irr_ = 0, isr_ = 0, imr_ = 0, lines_ = 0;
  uint8_t vectorBase_ = 0, icw3_ = 0;
  unsigned initStep_ = 0;  // 0: operating; 2, 3, 4: expecting that ICW next
  bool needIcw4_ = false, single_ = false, levelMode_ = false, autoEoi_ = false;
  bool rotateOnAutoEoi_ = false, readIsr_ = false, poll_ = false, specialMask_ = false;
  unsigned lowest_ = 7;  // the input with the lowest priority (rotation moves it)
};

// The PC pair: implements the ISA IRQ inputs and the four ports.
class PicPair : public PortDevice, public IrqSink {
 public:
  void attach(PortBus& bus);  // 0x20-0x21, 0xA0-0xA1

  void setIrq(unsigned irq, bool level) override;  // IRQ 0-15
  bool intOutput() const { return master_.intOutput(); }
  // The CPU's INTA: the vector to run. With nothing pending the master answers IRQ7's vector
  // (a spurious interrupt), as the datasheet describes for a request that went away.
  uint8_t acknowledge();

  uint32_t ioRead(uint16_t port, unsigned size) override;
  void ioWrite(uint16_t port, uint32_t value, unsigned size) override;

  Pic8259& master() { return master_; }
  // Snapshots (docs/debug.md): the two chips are plain values.
  struct State {
    Pic8259 master, slave;
  };
  State state() const { return {master_, slave_}; }
  void setState(const State& s) {
    master_ = s.master;
    slave_ = s.slave;
  }
  Pic8259& slave() { return slave_; }

 private:
  void cascade();  // carry the slave's INT to master IR2

  Pic8259 master_, slave_;
};

}  // namespace devices
