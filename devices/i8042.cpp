// The 8042 as PC firmware and kernels use it (IBM PC AT Technical Reference, "Keyboard
// controller"). Status register (0x64 read):
//   bit 0 OBF output buffer full   bit 1 IBF input buffer full (always clear: we consume writes
//   at once)   bit 2 system flag (set after self-test)   bit 3 last write was a command
//   bit 4 keyboard not inhibited   bits 5-7 aux, timeout, parity (clear)
// Command byte: bit 0 keyboard IRQ1, bit 2 system flag, bit 4 keyboard disabled, bit 6
// translate to set 1. Output port: bit 0 CPU not in reset, bit 1 A20 gate.
// Commands handled: 0x20-0x3F read RAM (0x20 the command byte), 0x60-0x7F write it, 0xA7/0xA8
// aux disable/enable, 0xA9 aux test, 0xAA self test (0x55), 0xAB interface test (0), 0xAD/0xAE
// keyboard disable/enable, 0xC0 input port, 0xD0/0xD1 read/write output port, 0xD2 write
// keyboard output buffer, 0xDD/0xDF A20 off/on, 0xF0-0xFF pulse output port (bit 0 = reset).
#include "devices/i8042.h"

namespace devices {

namespace {
// Set 1 make codes indexed by ASCII for the unshifted and shifted layers of a US keyboard.
struct Key {
  char plain, shifted;
  uint8_t code;
};
constexpr Key kKeys[] = {
    {'1', '!', 0x02},   {'2', '@', 0x03},   {'3', '#', 0x04},   {'4', '$', 0x05},
    {'5', '%', 0x06},   {'6', '^', 0x07},   {'7', '&', 0x08},   {'8', '*', 0x09},
    {'9', '(', 0x0A},   {'0', ')', 0x0B},   {'-', '_', 0x0C},   {'=', '+', 0x0D},
    {'\b', '\b', 0x0E}, {'\t', '\t', 0x0F}, {'q', 'Q', 0x10},   {'w', 'W', 0x11},
    {'e', 'E', 0x12},   {'r', 'R', 0x13},   {'t', 'T', 0x14},   {'y', 'Y', 0x15},
    {'u', 'U', 0x16},   {'i', 'I', 0x17},   {'o', 'O', 0x18},   {'p', 'P', 0x19},
    {'[', '{', 0x1A},   {']', '}', 0x1B},   {'\n', '\n', 0x1C}, {'a', 'A', 0x1E},
    {'s', 'S', 0x1F},   {'d', 'D', 0x20},   {'f', 'F', 0x21},   {'g', 'G', 0x22},
    {'h', 'H', 0x23},   {'j', 'J', 0x24},   {'k', 'K', 0x25},   {'l', 'L', 0x26},
    {';', ':', 0x27},   {'\'', '"', 0x28},  {'`', '~', 0x29},   {'\\', '|', 0x2B},
    {'z', 'Z', 0x2C},   {'x', 'X', 0x2D},   {'c', 'C', 0x2E},   {'v', 'V', 0x2F},
    {'b', 'B', 0x30},   {'n', 'N', 0x31},   {'m', 'M', 0x32},   {',', '<', 0x33},
    {'.', '>', 0x34},   {'/', '?', 0x35},   {' ', ' ', 0x39},   {'\x1b', '\x1b', 0x01},
};
constexpr uint8_t kLeftShift = 0x2A;
constexpr uint8_t kBreak = 0x80;  // set 1: break code = make code | 0x80
}  // namespace

std::vector<uint8_t> scanCodesFor(char c) {
  if (c == '\r') c = '\n';
  if (c == '\x7f') c = '\b';  // terminals send DEL for the backspace key
  for (const Key& k : kKeys) {
    if (k.plain == c) return {k.code, static_cast<uint8_t>(k.code | kBreak)};
    if (k.shifted == c) {
      return {kLeftShift, k.code, static_cast<uint8_t>(k.code | kBreak),
              static_cast<uint8_t>(kLeftShift | kBreak)};
    }
  }
  return {};
}

Kbc8042::Kbc8042(IrqSink& irq) : irq_(irq) {}

void Kbc8042::attach(PortBus& bus) {
  bus.map(0x60, 1, this);
  bus.map(0x64, 1, this);
  bus.map(0x92, 1, this);
}

void Kbc8042::type(const std::string& text) {
  for (char c : text) {
    for (uint8_t code : scanCodesFor(c)) keys_.push_back(code);
  }
  update();
}

void Kbc8042::pushScanCode(uint8_t code) {
  keys_.push_back(code);
  update();
}

void Kbc8042::respond(uint8_t byte) {
  replies_.push_back(byte);
  update();
}

void Kbc8042::update() {
  bool level = outputFull() && (commandByte_ & 0x01);
  if (level != irqLevel_) {
    irqLevel_ = level;
    irq_.setIrq(1, level);
  }
}

void Kbc8042::setOutputPort(uint8_t value) {
  bool oldA20 = outputPort_ & 0x02;
  outputPort_ = value;
  if (bool(value & 0x02) != oldA20 && onA20) onA20(value & 0x02);
  if (!(value & 0x01) && onReset) onReset();
}

void Kbc8042::keyboardCommand(uint8_t byte) {
  if (pendingKeyboard_) {
    // The parameter of 0xED (LEDs), 0xF0 (scan code set) or 0xF3 (typematic rate).
    uint8_t command = pendingKeyboard_;
    pendingKeyboard_ = 0;
    if (command == 0xF0 && byte == 0) {
      respond(0xFA);
      respond(0x02);  // current set: 2 (translated to set 1 by the controller)
      return;
    }
    respond(0xFA);
    return;
  }
  switch (byte) {
    case 0xED:
    case 0xF0:
    case 0xF3:
      pendingKeyboard_ = byte;
      respond(0xFA);
      break;
    case 0xEE:
      respond(0xEE);
      break;    // echo
    case 0xF2:  // identify: an MF2 keyboard with translation
      respond(0xFA);
      respond(0xAB);
      respond(0x41);
      break;
    case 0xF4:
      keyboardEnabled_ = true;
      respond(0xFA);
      break;
    case 0xF5:
      keyboardEnabled_ = false;
      respond(0xFA);
      break;
    case 0xFF:  // reset and self-test passed
      keys_.clear();
      respond(0xFA);
      respond(0xAA);
      break;
    default:
      respond(0xFA);
      break;  // 0xF6 defaults and the typematic/make-break commands
  }
}

uint32_t Kbc8042::ioRead(uint16_t port, unsigned) {
  if (port == 0x92) return port92_ | (a20() ? 0x02 : 0);
  if (port == 0x64) {
    return (outputFull() ? 0x01 : 0) | (commandByte_ & 0x04) | (lastWasCommand_ ? 0x08 : 0) | 0x10;
  }
  uint8_t v = 0;
  if (!replies_.empty()) {
    v = replies_.front();
    replies_.pop_front();
  } else if (!keys_.empty() && !(commandByte_ & 0x10)) {
    v = keys_.front();
    keys_.pop_front();
  }
  // IRQ1 is a level that follows OBF: lower it, then raise it again for the next byte so the
  // edge-triggered PIC sees one edge per byte.
  if (irqLevel_) {
    irqLevel_ = false;
    irq_.setIrq(1, false);
  }
  update();
  return v;
}

void Kbc8042::ioWrite(uint16_t port, uint32_t value, unsigned) {
  uint8_t v = static_cast<uint8_t>(value);
  if (port == 0x92) {
    // PS/2 system control port A: bit 1 fast A20, bit 0 fast reset (on a rising edge).
    bool reset = (v & 0x01) && !(port92_ & 0x01);
    port92_ = v & ~0x02;
    setOutputPort(static_cast<uint8_t>((outputPort_ & ~0x02) | (v & 0x02)));
    if (reset && onReset) onReset();
    return;
  }
  if (port == 0x60) {
    lastWasCommand_ = false;
    uint8_t command = pendingCommand_;
    pendingCommand_ = 0;
    if (command >= 0x60 && command < 0x80) {
      if (command == 0x60) commandByte_ = v;
      update();
    } else if (command == 0xD1) {
      setOutputPort(v);
    } else if (command == 0xD2) {
      respond(v);
    } else if (command == 0xD3 || command == 0xD4) {
      // Aux output buffer / write to the mouse: there is no mouse; the byte is dropped.
    } else {
      keyboardCommand(v);
    }
    return;
  }
  lastWasCommand_ = true;
  if (v >= 0x20 && v < 0x40) {
    respond(v == 0x20 ? commandByte_ : 0);
    return;
  }
  if ((v >= 0x60 && v < 0x80) || v == 0xD1 || v == 0xD2 || v == 0xD3 || v == 0xD4) {
    pendingCommand_ = v;
    return;
  }
  switch (v) {
    case 0xA7:
      commandByte_ |= 0x20;
      break;  // aux disable
    case 0xA8:
      commandByte_ &= ~0x20;
      break;  // aux enable
    case 0xA9:
      respond(0x00);
      break;    // aux interface test passed
    case 0xAA:  // self test
      commandByte_ |= 0x04;
      respond(0x55);
      break;
    case 0xAB:
      respond(0x00);
      break;  // keyboard interface test passed
    case 0xAD:
      commandByte_ |= 0x10;
      update();
      break;
    case 0xAE:
      commandByte_ &= ~0x10;
      update();
      break;
    case 0xC0:
      respond(0x80);
      break;  // input port: keyboard not inhibited
    case 0xD0:
      respond(outputPort_);
      break;
    case 0xDD:
      setOutputPort(outputPort_ & ~0x02);
      break;
    case 0xDF:
      setOutputPort(outputPort_ | 0x02);
      break;
    default:
      // 0xF0-0xFF: pulse output port bits 0-3 low for 6 us where the command's bit is 0;
      // 0xFE pulses bit 0, the CPU reset line.
      if (v >= 0xF0 && !(v & 0x01) && onReset) onReset();
      break;
  }
}

}  // namespace devices
