// Time for devices: the CPU's cycle counter at a nominal clock, never the host clock.
//
// clock.h defines everything inline: Clock, kCpuHz, kNever, cyclesToTicks, ticksToCycles.
#pragma once

#include <cstdint>

namespace devices {

// The nominal CPU clock of the 386 profile. Every device converts cycles to its own time base
// through this constant, so the same run gives the same timer interrupts on any host.
constexpr uint64_t kCpuHz = 33'000'000;

// "No deadline": a device with nothing scheduled returns this from deadline().
constexpr uint64_t kNever = UINT64_MAX;

// The current time in CPU cycles. The Machine attaches it to the CPU's counter; tests own it.
class Clock {
 public:
  Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;

  uint64_t now() const { return *source_; }
  // Follow an external counter (the CPU's); nullptr goes back to the clock's own value.
  void attach(const uint64_t* source) { source_ = source ? source : &own_; }
  // Set the clock's own value (tests, or before a CPU exists).
  void set(uint64_t cycles) { own_ = cycles; }
  void advance(uint64_t cycles) { own_ += cycles; }

 private:
  uint64_t own_ = 0;
  const uint64_t* source_ = &own_;
};

__extension__ typedef unsigned __int128 Wide;

// Whole ticks of a `hz` clock elapsed after `cycles` CPU cycles: floor(cycles * hz / kCpuHz).
inline uint64_t cyclesToTicks(uint64_t cycles, uint64_t hz) {
  return static_cast<uint64_t>(static_cast<Wide>(cycles) * hz / kCpuHz);
}

// The first CPU cycle at which `ticks` ticks of a `hz` clock have elapsed:
// ceil(ticks * kCpuHz / hz), the inverse of cyclesToTicks.
inline uint64_t ticksToCycles(uint64_t ticks, uint64_t hz) {
  Wide c = (static_cast<Wide>(ticks) * kCpuHz + hz - 1) / hz;
  return c > static_cast<Wide>(kNever - 1) ? kNever - 1 : static_cast<uint64_t>(c);
}

}  // namespace devices
