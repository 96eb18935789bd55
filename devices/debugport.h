// Ports emulators give guests for talking to the host: 0xE9 console (Bochs "port e9 hack"),
// 0xF4 exit (QEMU isa-debug-exit, iobase 0xF4, iosize 4), 0x8900 shutdown (Bochs), the ACPI
// PM1a control register at 0x604 where QEMU's PIIX4 power management has it (the soft-off that
// makes QEMU exit 0), and the POST code port 0x80 that firmware and kernels write for a short
// delay.
//
// debugport.cpp defines: DebugPorts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "devices/bus.h"
#include "devices/console.h"

namespace devices {

// What a snapshot of the chip holds: every register and deadline, none of its wiring.
struct DebugPortsState {
  std::optional<int> exit_;
  std::string reason_;
  std::string shutdown_;     // the last bytes written to 0x8900
  uint16_t pm1Control_ = 0;  // PM1a_CNT at 0x604 (ACPI 4.0, 4.8.3.2.1), SLP_EN not kept
  uint8_t post_ = 0;
};

class DebugPorts : public PortDevice, private DebugPortsState {
 public:
  // Snapshots (docs/debug.md): the state above, without the wiring.
  using State = DebugPortsState;
  const State& state() const { return *this; }
  void setState(const State& s) { static_cast<State&>(*this) = s; }

  explicit DebugPorts(ByteSink* console) : console_(console) {}
  void attach(PortBus& bus);  // 0x80, 0xE9, 0xF4-0xF7, 0x604-0x605, 0x8900

  uint32_t ioRead(uint16_t port, unsigned size) override;
  void ioWrite(uint16_t port, uint32_t value, unsigned size) override;
  unsigned width(uint16_t port) const override {
    if (port >= 0xF4 && port <= 0xF7) return 4;
    return port == 0x604 ? 2 : 1;
  }

  // Set once the guest asked to stop: the exit status for the emulator, and why.
  std::optional<int> exitStatus() const { return exit_; }
  const std::string& exitReason() const { return reason_; }
  uint8_t postCode() const { return post_; }

 private:
  ByteSink* console_;
};

}  // namespace devices
