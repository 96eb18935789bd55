// Debug and exit ports.
#include "devices/debugport.h"

namespace devices {

void DebugPorts::attach(PortBus& bus) {
  bus.map(0x80, 1, this);
  bus.map(0xE9, 1, this);
  bus.map(0xF4, 4, this);
  bus.map(0x604, 2, this);
  bus.map(0x8900, 1, this);
}

uint32_t DebugPorts::ioRead(uint16_t port, unsigned size) {
  if (port == 0xE9) return 0xE9;  // Bochs answers 0xE9 so guests can detect the hack
  if (port == 0x80) return post_;
  if (port == 0x604) return size == 1 ? pm1Control_ & 0xFF : pm1Control_;
  if (port == 0x605) return pm1Control_ >> 8;
  return allOnes(size);
}

void DebugPorts::ioWrite(uint16_t port, uint32_t value, unsigned size) {
  switch (port) {
    case 0x80:
      post_ = static_cast<uint8_t>(value);
      return;
    case 0xE9:
      if (console_) console_->put(static_cast<uint8_t>(value));
      return;
    case 0x604:
    case 0x605: {
      // PM1a_CNT (ACPI 4.0, table 4-16): bits 10-12 SLP_TYP, bit 13 SLP_EN (write-only). QEMU's
      // PIIX4 takes sleep type 0 to be soft-off (S5) and exits 0, whatever the firmware's
      // tables say; other sleep types are not modelled and are kept like any other bits.
      uint16_t v = port == 0x604 ? static_cast<uint16_t>(value)
                                 : static_cast<uint16_t>((pm1Control_ & 0xFF) | (value << 8));
      if (port == 0x604 && size == 1)
        v = static_cast<uint16_t>((pm1Control_ & 0xFF00) | (v & 0xFF));
      constexpr uint16_t kSleepEnable = 1u << 13;
      constexpr uint16_t kSleepType = 7u << 10;
      pm1Control_ = v & ~kSleepEnable;
      if ((v & kSleepEnable) && (v & kSleepType) == 0 && !exit_) {
        exit_ = 0;
        reason_ = "guest powered off (ACPI, port 0x604)";
      }
      return;
    }
    case 0x8900:
      // Bochs shuts down when the bytes "Shutdown" arrive in a row.
      shutdown_ += static_cast<char>(value);
      if (shutdown_.size() > 8) shutdown_.erase(0, shutdown_.size() - 8);
      if (shutdown_ == "Shutdown" && !exit_) {
        exit_ = 0;
        reason_ = "guest wrote Shutdown to port 0x8900";
      }
      return;
    default:
      // isa-debug-exit: QEMU exits with (value << 1) | 1; the host truncates it to 8 bits.
      if (!exit_) {
        exit_ = static_cast<int>(((value << 1) | 1) & 0xFF);
        reason_ = "guest wrote to the exit port 0xF4";
      }
      return;
  }
}

}  // namespace devices
