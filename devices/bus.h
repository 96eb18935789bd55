// The PC's two buses as devices see them: the I/O port space (one table of 65536 ports) and the
// memory-mapped I/O windows (LAPIC, IOAPIC). Also the interfaces devices implement.
//
// bus.cpp defines: PortBus, MmioMap.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace devices {

// A device on the I/O port bus.
class PortDevice {
 public:
  virtual ~PortDevice() = default;
  // Called with `size` no larger than width(port). Reads return the value in the low bits.
  virtual uint32_t ioRead(uint16_t port, unsigned size) = 0;
  virtual void ioWrite(uint16_t port, uint32_t value, unsigned size) = 0;
  // The widest access the device decodes at `port` itself. Wider accesses are split by the bus
  // into byte accesses of consecutive ports, as the ISA bus does for 8-bit devices.
  virtual unsigned width(uint16_t /*port*/) const { return 1; }
};

// A device in the physical address space outside RAM.
class MmioDevice {
 public:
  virtual ~MmioDevice() = default;
  // `offset` is from the window's base; accesses do not cross a 4 KB page.
  virtual uint32_t mmioRead(uint32_t offset, unsigned size) = 0;
  virtual void mmioWrite(uint32_t offset, uint32_t value, unsigned size) = 0;
};

// An ISA interrupt request input (IRQ 0-15), driven by a device. Levels, not pulses: a device
// says when its line goes up and down; the controllers detect edges themselves.
class IrqSink {
 public:
  virtual ~IrqSink() = default;
  virtual void setIrq(unsigned irq, bool level) = 0;
};

// A device that keeps time: deadline() is the cycle of its next event (kNever if none);
// tick() processes every event due at the clock's current time.
class Timed {
 public:
  virtual ~Timed() = default;
  virtual uint64_t deadline() const = 0;
  virtual void tick() = 0;
};

// All-ones of an access size: what an unassigned port or address reads as.
constexpr uint32_t allOnes(unsigned size) {
  return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

class PortBus {
 public:
  PortBus();
  // Give ports [first, first+count) to `device`. Throws std::logic_error on overlap (a wiring bug).
  void map(uint16_t first, unsigned count, PortDevice* device);
  PortDevice* at(uint16_t port) const { return devices_[slot_[port]]; }

  uint32_t read(uint16_t port, unsigned size);
  void write(uint16_t port, uint32_t value, unsigned size);

  // Accesses that reached no device (the run summary reports them).
  uint64_t unassignedReads() const { return unassignedReads_; }
  uint64_t unassignedWrites() const { return unassignedWrites_; }
  // The first unassigned port touched, or -1.
  int firstUnassigned() const { return firstUnassigned_; }
  // Snapshots (docs/debug.md): the counts above.
  struct State {
    uint64_t reads = 0, writes = 0;
    int first = -1;
  };
  State state() const { return {unassignedReads_, unassignedWrites_, firstUnassigned_}; }
  void setState(const State& s) {
    unassignedReads_ = s.reads;
    unassignedWrites_ = s.writes;
    firstUnassigned_ = s.first;
  }

 private:
  uint32_t readByte(uint16_t port);
  void writeByte(uint16_t port, uint8_t value);
  void noteUnassigned(uint16_t port, bool write);

  std::vector<PortDevice*> devices_;   // slot 0 is "nothing"
  std::array<uint8_t, 65536> slot_{};  // port -> index into devices_
  uint64_t unassignedReads_ = 0;
  uint64_t unassignedWrites_ = 0;
  int firstUnassigned_ = -1;
};

class MmioMap {
 public:
  // Map [base, base+size) to `device`. Throws std::logic_error on overlap.
  void map(uint32_t base, uint32_t size, MmioDevice* device);
  // The device holding `pa` and the offset into its window, or nullptr.
  MmioDevice* find(uint32_t pa, uint32_t& offset) const;

 private:
  struct Window {
    uint32_t base;
    uint32_t size;
    MmioDevice* device;
  };
  std::vector<Window> windows_;
};

}  // namespace devices
