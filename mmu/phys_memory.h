// The physical address space as the MMU (and, through emu::CpuBus, the CPU) sees it.
#pragma once

#include <cstdint>

namespace mmu {

constexpr uint32_t kPageSize = 4096;
constexpr uint32_t kPageMask = kPageSize - 1;

class PhysMemory {
 public:
  virtual ~PhysMemory() = default;

  // Host pointer to the first byte of the 4 KB frame holding `pa`, or nullptr when that frame is
  // not plain RAM (MMIO, unassigned, a device window). Stable for the life of the machine, so the
  // MMU may cache it; the owner calls Mmu::flushHostCache() if the mapping ever changes (A20).
  virtual uint8_t* frame(uint32_t pa) = 0;

  // Slow-path access of 1, 2 or 4 bytes that does not cross a 4 KB boundary. Reads of nothing
  // return all-ones; writes to nothing are dropped.
  virtual uint32_t read(uint32_t pa, unsigned size) = 0;
  virtual void write(uint32_t pa, uint32_t value, unsigned size) = 0;
};

}  // namespace mmu
