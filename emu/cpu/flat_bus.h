// A CpuBus over flat RAM, for CPU tests, benchmarks, the differential tests and the `xray86 run`
// demo: RAM from physical 0 up to its size (everything above reads all-ones), a log of port
// writes, and a queue of interrupt vectors for INTA. Not a PC: no devices, no A20 gate.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <vector>

#include "emu/cpu/bus.h"

namespace emu {

class FlatRamBus final : public CpuBus {
 public:
  explicit FlatRamBus(uint32_t bytes) : ram_((bytes + mmu::kPageMask) & ~mmu::kPageMask, 0) {}

  uint8_t* frame(uint32_t pa) override {
    uint32_t base = pa & ~mmu::kPageMask;
    return base < ram_.size() ? ram_.data() + base : nullptr;
  }
  uint32_t read(uint32_t pa, unsigned size) override {
    uint32_t v = 0;
    for (unsigned k = 0; k < size; ++k) {
      uint64_t a = uint64_t{pa} + k;
      uint32_t b = a < ram_.size() ? ram_[a] : 0xFF;
      v |= b << (8 * k);
    }
    return v;
  }
  void write(uint32_t pa, uint32_t value, unsigned size) override {
    for (unsigned k = 0; k < size; ++k) {
      uint64_t a = uint64_t{pa} + k;
      if (a < ram_.size()) ram_[a] = static_cast<uint8_t>(value >> (8 * k));
    }
  }

  struct PortWrite {
    uint16_t port;
    uint32_t value;
    unsigned size;
  };
  uint32_t ioRead(uint16_t port, unsigned size) override {
    ioReads_.push_back(port);
    return portValue_ & (size == 1 ? 0xFFu : size == 2 ? 0xFFFFu : 0xFFFFFFFFu);
  }
  void ioWrite(uint16_t port, uint32_t value, unsigned size) override {
    ioWrites_.push_back(PortWrite{port, value, size});
  }
  uint8_t interruptAcknowledge() override {
    if (pending_.empty()) return 0xFF;  // spurious: a real 8259 answers IRQ 7's vector
    uint8_t v = pending_.front();
    pending_.pop_front();
    return v;
  }

  // ---- for tests and loaders ----
  size_t size() const { return ram_.size(); }
  uint8_t* data() { return ram_.data(); }
  // Copies bytes into RAM; false when they do not fit.
  bool load(uint32_t pa, const void* bytes, size_t n) {
    if (uint64_t{pa} + n > ram_.size()) return false;
    if (n != 0) std::memcpy(ram_.data() + pa, bytes, n);
    return true;
  }
  uint32_t peek32(uint32_t pa) { return read(pa, 4); }
  void poke32(uint32_t pa, uint32_t v) { write(pa, v, 4); }
  void queueInterrupt(uint8_t vector) { pending_.push_back(vector); }
  void setPortValue(uint32_t v) { portValue_ = v; }  // what every IN returns
  const std::vector<PortWrite>& ioWrites() const { return ioWrites_; }
  const std::vector<uint16_t>& ioReads() const { return ioReads_; }

 private:
  std::vector<uint8_t> ram_;
  std::deque<uint8_t> pending_;
  std::vector<PortWrite> ioWrites_;
  std::vector<uint16_t> ioReads_;
  uint32_t portValue_ = 0xFFFFFFFF;
};

}  // namespace emu
