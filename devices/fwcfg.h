// QEMU's firmware configuration device (fw_cfg), the I/O port interface of QEMU's
// docs/specs/fw_cfg.rst that x86 guests use: a 16-bit write-only selector at 0x510 and an 8-bit
// data port at 0x511. Writing the selector picks an item and resets the read offset to 0; each
// data read returns the item's next byte, and 0 past its end or for an item that does not exist.
// No DMA interface (the ID item says so), no writable items, no file directory (key 0x19 reads
// as a count of 0 files).
//
// Items (keys and encodings from QEMU's list of well-known selectors, little-endian numbers):
//   0x0000 signature  "QEMU"                  0x0001 ID          32-bit, bit 0: traditional
//   0x0003 RAM size   64-bit, bytes           0x0005 CPU count   16-bit
//   0x000F max CPUs   16-bit                  0x0014 command line size, 32-bit, with its NUL
//   0x0015 command line bytes and a NUL
//
// fwcfg.cpp defines: FwCfg.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "devices/bus.h"

namespace devices {

// What a snapshot of the chip holds: every register and deadline, none of its wiring.
struct FwCfgState {
  uint16_t selector_ = 0;
  uint32_t offset_ = 0;
};

class FwCfg : public PortDevice, private FwCfgState {
 public:
  // Snapshots (docs/debug.md): the state above, without the wiring.
  using State = FwCfgState;
  const State& state() const { return *this; }
  void setState(const State& s) { static_cast<State&>(*this) = s; }

  static constexpr uint16_t kSelectorPort = 0x510;
  static constexpr uint16_t kDataPort = 0x511;
  static constexpr uint16_t kSignature = 0x0000;
  static constexpr uint16_t kId = 0x0001;
  static constexpr uint16_t kRamSize = 0x0003;
  static constexpr uint16_t kNbCpus = 0x0005;
  static constexpr uint16_t kMaxCpus = 0x000F;
  static constexpr uint16_t kCmdlineSize = 0x0014;
  static constexpr uint16_t kCmdlineData = 0x0015;

  // `cpus` processors (the MP and ACPI tables list as many), `ramBytes` of RAM, and the kernel
  // command line (empty: the size item says 0 and the data item is empty, as QEMU without
  // -append leaves them).
  FwCfg(uint16_t cpus, uint64_t ramBytes, const std::string& cmdline);
  void attach(PortBus& bus);  // 0x510-0x511

  uint32_t ioRead(uint16_t port, unsigned size) override;
  void ioWrite(uint16_t port, uint32_t value, unsigned size) override;
  unsigned width(uint16_t port) const override { return port == kSelectorPort ? 2 : 1; }

  uint16_t selector() const { return selector_; }

 private:
  std::map<uint16_t, std::vector<uint8_t>> items_;
};

}  // namespace devices
