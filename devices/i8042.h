// Intel 8042 keyboard controller (data 0x60, status/command 0x64, IRQ1) with the keyboard
// behind it, the A20 gate on its output port, and the PS/2 "fast A20" port 0x92.
//
// i8042.cpp defines: Kbc8042, scanCodesFor.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "devices/bus.h"

namespace devices {

// Scan code set 1 make and break codes that type the ASCII character `c` on a US keyboard
// (with left shift around it for shifted characters). Empty if the character has no key.
std::vector<uint8_t> scanCodesFor(char c);

// What a snapshot of the chip holds: every register and deadline, none of its wiring.
struct Kbc8042State {
  std::deque<uint8_t> replies_;  // controller and keyboard replies
  std::deque<uint8_t> keys_;     // scan codes waiting
  uint8_t commandByte_ = 0x45;   // IRQ1 enabled, system flag, translation on
  uint8_t outputPort_ = 0x01;    // bit 0 CPU running; bit 1 A20 gate, off as on an AT at power-on
  uint8_t pendingCommand_ = 0;   // a controller command waiting for its data byte
  uint8_t pendingKeyboard_ = 0;  // a keyboard command waiting for its parameter
  uint8_t port92_ = 0;
  bool lastWasCommand_ = false;
  bool irqLevel_ = false;
  bool keyboardEnabled_ = true;
};

class Kbc8042 : public PortDevice, private Kbc8042State {
 public:
  // Snapshots (docs/debug.md): the state above, without the wiring.
  using State = Kbc8042State;
  const State& state() const { return *this; }
  void setState(const State& s) { static_cast<State&>(*this) = s; }

  explicit Kbc8042(IrqSink& irq);
  void attach(PortBus& bus);  // 0x60, 0x64, 0x92

  uint32_t ioRead(uint16_t port, unsigned size) override;
  void ioWrite(uint16_t port, uint32_t value, unsigned size) override;

  // Called when the A20 gate changes (output port bit 1, or port 0x92 bit 1) and when the guest
  // asks for a CPU reset (command 0xFE, output port bit 0 low, port 0x92 bit 0).
  std::function<void(bool)> onA20;
  std::function<void()> onReset;

  // Scripted typing: queue the scan codes for `text`.
  void type(const std::string& text);
  void pushScanCode(uint8_t code);
  bool a20() const { return outputPort_ & 0x02; }
  uint8_t commandByte() const { return commandByte_; }

 private:
  void respond(uint8_t byte);  // a controller reply: jumps ahead of queued key codes
  void keyboardCommand(uint8_t byte);
  void setOutputPort(uint8_t value);
  void update();
  bool outputFull() const {
    return !replies_.empty() || (!keys_.empty() && !(commandByte_ & 0x10));
  }

  IrqSink& irq_;
};

}  // namespace devices
