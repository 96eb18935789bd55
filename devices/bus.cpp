// The I/O port table and the MMIO window list.
#include "devices/bus.h"

#include <stdexcept>

namespace devices {

PortBus::PortBus() {
  devices_.push_back(nullptr);
}

void PortBus::map(uint16_t first, unsigned count, PortDevice* device) {
  if (count == 0 || first + count > 65536u) throw std::logic_error("PortBus::map: bad port range");
  for (unsigned p = first; p < first + count; ++p) {
    if (slot_[p] != 0) throw std::logic_error("PortBus::map: port already taken");
  }
  size_t index = 0;
  for (size_t i = 1; i < devices_.size(); ++i) {
    if (devices_[i] == device) index = i;
  }
  if (index == 0) {
    if (devices_.size() >= 256) throw std::logic_error("PortBus::map: too many devices");
    devices_.push_back(device);
    index = devices_.size() - 1;
  }
  for (unsigned p = first; p < first + count; ++p) slot_[p] = static_cast<uint8_t>(index);
}

void PortBus::noteUnassigned(uint16_t port, bool write) {
  (write ? unassignedWrites_ : unassignedReads_)++;
  if (firstUnassigned_ < 0) firstUnassigned_ = port;
}

uint32_t PortBus::readByte(uint16_t port) {
  PortDevice* d = at(port);
  if (!d) {
    noteUnassigned(port, false);
    return 0xFF;
  }
  return d->ioRead(port, 1) & 0xFF;
}

void PortBus::writeByte(uint16_t port, uint8_t value) {
  PortDevice* d = at(port);
  if (!d) {
    noteUnassigned(port, true);
    return;
  }
  d->ioWrite(port, value, 1);
}

uint32_t PortBus::read(uint16_t port, unsigned size) {
  PortDevice* d = at(port);
  if (d && size <= d->width(port)) return d->ioRead(port, size) & allOnes(size);
  if (size == 1) return readByte(port);
  uint32_t value = 0;
  for (unsigned i = 0; i < size; ++i) value |= readByte(static_cast<uint16_t>(port + i)) << (8 * i);
  return value;
}

void PortBus::write(uint16_t port, uint32_t value, unsigned size) {
  PortDevice* d = at(port);
  if (d && size <= d->width(port)) {
    d->ioWrite(port, value & allOnes(size), size);
    return;
  }
  if (size == 1) {
    writeByte(port, static_cast<uint8_t>(value));
    return;
  }
  for (unsigned i = 0; i < size; ++i) {
    writeByte(static_cast<uint16_t>(port + i), static_cast<uint8_t>(value >> (8 * i)));
  }
}

void MmioMap::map(uint32_t base, uint32_t size, MmioDevice* device) {
  uint64_t end = uint64_t{base} + size;
  for (const Window& w : windows_) {
    if (base < uint64_t{w.base} + w.size && w.base < end)
      throw std::logic_error("MmioMap::map: overlap");
  }
  windows_.push_back({base, size, device});
}

MmioDevice* MmioMap::find(uint32_t pa, uint32_t& offset) const {
  for (const Window& w : windows_) {
    if (pa - w.base < w.size) {
      offset = pa - w.base;
      return w.device;
    }
  }
  return nullptr;
}

}  // namespace devices
