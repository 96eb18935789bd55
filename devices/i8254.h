// Intel 8254 programmable interval timer (0x40-0x43) and the PC's port 0x61 (speaker gate,
// timer 2 output, refresh toggle). Channel 0's output drives IRQ0.
//
// i8254.cpp defines: Pit8254.
#pragma once

#include <cstdint>

#include "devices/bus.h"
#include "devices/clock.h"

namespace devices {

constexpr uint64_t kPitHz = 1'193'182;  // the PC's 14.31818 MHz crystal divided by 12

// What a snapshot of the chip holds: every register and deadline, none of its wiring.
struct Pit8254State {
  struct Channel {
    unsigned mode = 0;    // 0-5
    unsigned access = 3;  // 1: LSB only, 2: MSB only, 3: LSB then MSB
    bool bcd = false;
    uint32_t reload = 0;    // N, with 0 meaning 65536
    bool armed = false;     // a count was written (and, in modes 1/5, the gate triggered)
    uint64_t loadTick = 0;  // PIT tick at which the count was loaded into the counter
    bool writeMsbNext = false, readMsbNext = false;
    uint8_t pendingLsb = 0;
    bool latched = false;
    uint16_t latch = 0;
    bool statusLatched = false;
    uint8_t status = 0;
    bool gate = true;
    uint64_t frozen = 0;  // elapsed ticks kept while the gate is low (mode 0)
  };
  Channel ch_[3];
  uint64_t nextIrqTick_ = UINT64_MAX;
  uint64_t irqs_ = 0;
  uint8_t port61_ = 0;
};

class Pit8254 : public PortDevice, public Timed, private Pit8254State {
 public:
  // Snapshots (docs/debug.md): the state above, without the wiring.
  using State = Pit8254State;
  const State& state() const { return *this; }
  void setState(const State& s) { static_cast<State&>(*this) = s; }

  Pit8254(Clock& clock, IrqSink& irq);
  void attach(PortBus& bus);  // 0x40-0x43, 0x61

  uint32_t ioRead(uint16_t port, unsigned size) override;
  void ioWrite(uint16_t port, uint32_t value, unsigned size) override;
  uint64_t deadline() const override;  // the next rising edge of channel 0's OUT
  void tick() override;                // raise IRQ0 for an edge that is due

  // For tests and the view: the counting element and OUT of channel `c` now.
  uint16_t count(unsigned c) const;
  bool out(unsigned c) const;
  uint64_t irqCount() const { return irqs_; }

 private:
  uint64_t now() const { return cyclesToTicks(clock_.now(), kPitHz); }
  uint16_t countAt(const Channel& ch, uint64_t t) const;
  bool outAt(const Channel& ch, uint64_t t) const;
  uint64_t nextEdgeAfter(const Channel& ch, uint64_t t) const;  // first rising edge tick > t
  void load(Channel& ch, uint32_t value);
  void setGate(Channel& ch, bool gate);
  uint8_t readCounter(Channel& ch);

  Clock& clock_;
  IrqSink& irq_;
};

}  // namespace devices
