// NS16550A UART (COM1 at 0x3F8 on IRQ4, COM2 at 0x2F8 on IRQ3).
//
// uart16550.cpp defines: Uart16550.
#pragma once

#include <cstdint>
#include <deque>

#include "devices/bus.h"
#include "devices/clock.h"
#include "devices/console.h"

namespace devices {

// What a snapshot of the chip holds: every register and deadline, none of its wiring.
struct Uart16550State {
  std::deque<uint8_t> rx_;
  uint8_t ier_ = 0, lcr_ = 0, mcr_ = 0, scr_ = 0, dll_ = 0, dlm_ = 0, fcr_ = 0;
  bool overrun_ = false;
  bool threPending_ = false;  // THR-empty interrupt waiting to be seen in IIR
  bool irqLevel_ = false;
  uint64_t lastTransmit_ = 0;
  uint32_t emptyPolls_ = 0;
};

class Uart16550 : public PortDevice, public Timed, private Uart16550State {
 public:
  // Snapshots (docs/debug.md): the state above, without the wiring.
  using State = Uart16550State;
  const State& state() const { return *this; }
  void setState(const State& s) { static_cast<State&>(*this) = s; }

  // `output` receives every transmitted byte; `input` (may be nullptr) supplies received bytes.
  Uart16550(Clock& clock, IrqSink& irq, unsigned irqLine, ByteSink* output, ByteSource* input);
  void attach(PortBus& bus, uint16_t base);  // 8 ports

  uint32_t ioRead(uint16_t port, unsigned size) override;
  void ioWrite(uint16_t port, uint32_t value, unsigned size) override;
  // Input arrives between instructions: tick() pulls waiting bytes into the receiver. With a
  // terminal source it asks again every millisecond of guest time.
  uint64_t deadline() const override;
  void tick() override;

  void setInput(ByteSource* input) { input_ = input; }
  ByteSource* input() const { return input_; }
  // Received bytes the guest has not read yet.
  size_t unread() const { return rx_.size(); }
  uint16_t divisor() const { return static_cast<uint16_t>(dll_ | dlm_ << 8); }
  uint8_t lcr() const { return lcr_; }
  bool interruptAsserted() const { return irqLevel_; }
  // The cycle of the last byte transmitted (0: none yet).
  uint64_t lastTransmit() const { return lastTransmit_; }
  // Reads of LSR that found no received byte, since the last byte transmitted or received: a
  // guest polling for input reads it over and over without writing anything in between.
  uint32_t emptyPolls() const { return emptyPolls_; }
  // The receive interrupt is enabled (an interrupt-driven console waits for input that way).
  bool receiveInterruptEnabled() const { return ier_ & 0x01; }

 private:
  uint8_t iir() const;  // the highest-priority interrupt identification
  void receive();       // fill the receiver from the source
  void update();        // recompute the IRQ line
  size_t capacity() const { return (fcr_ & 1) ? 16 : 1; }

  Clock& clock_;
  IrqSink& irq_;
  unsigned line_;
  ByteSink* output_;
  ByteSource* input_;
  uint16_t base_ = 0;
};

}  // namespace devices
