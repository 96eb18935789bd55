// Motorola MC146818 real-time clock and CMOS RAM (index 0x70, data 0x71).
//
// cmos.cpp defines: Cmos, civilFromEpoch.
#pragma once

#include <cstdint>

#include "devices/bus.h"
#include "devices/clock.h"

namespace devices {

struct CivilTime {
  int year, month, day, hour, minute, second, weekday;  // weekday 1 = Sunday (MC146818)
};
// Broken-down UTC time of `seconds` since 1970-01-01 00:00:00.
CivilTime civilFromEpoch(int64_t seconds);

// What a snapshot of the chip holds: every register and deadline, none of its wiring.
struct CmosState {
  int64_t offset_ = 0;  // seconds added by guest writes to the time registers
  uint8_t ram_[128] = {};
  unsigned index_ = 0;
  bool nmiOff_ = false;
};

class Cmos : public PortDevice, private CmosState {
 public:
  // Snapshots (docs/debug.md): the state above, without the wiring.
  using State = CmosState;
  const State& state() const { return *this; }
  void setState(const State& s) { static_cast<State&>(*this) = s; }

  // The clock reads `epoch` (seconds since 1970, UTC) at cycle 0 and advances with the cycle
  // counter. `ramBytes` fills the memory-size bytes.
  Cmos(Clock& clock, int64_t epoch, uint32_t ramBytes);
  void attach(PortBus& bus);  // 0x70-0x71

  uint32_t ioRead(uint16_t port, unsigned size) override;
  void ioWrite(uint16_t port, uint32_t value, unsigned size) override;

  uint8_t ram(unsigned index) const { return ram_[index & 0x7F]; }
  void setRam(unsigned index, uint8_t value) { ram_[index & 0x7F] = value; }
  int64_t seconds() const;  // the current time, seconds since 1970
  bool nmiDisabled() const { return nmiOff_; }

 private:
  uint8_t encode(int value) const;  // BCD or binary as status B says
  int decode(uint8_t value) const;
  uint8_t readTime(unsigned index) const;
  void writeTime(unsigned index, uint8_t value);

  Clock& clock_;
  int64_t epoch_;
};

}  // namespace devices
