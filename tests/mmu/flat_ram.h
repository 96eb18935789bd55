// Flat RAM for the MMU tests, plus helpers that build page tables in it and record MMU events.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "mmu/mmu.h"

namespace mmutest {

// RAM from physical address 0 to `size`; anything above is "nothing" (reads all-ones, writes
// dropped, no host frame), so tests can also check the not-RAM paths.
class FlatRam : public mmu::PhysMemory {
 public:
  explicit FlatRam(uint32_t size = 16u << 20) : bytes_(size, 0) {}

  uint8_t* frame(uint32_t pa) override {
    if (pa >= bytes_.size()) return nullptr;
    return bytes_.data() + (pa & ~mmu::kPageMask);
  }
  uint32_t read(uint32_t pa, unsigned size) override {
    ++reads;
    if (uint64_t{pa} + size > bytes_.size())
      return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    uint32_t v = 0;
    std::memcpy(&v, bytes_.data() + pa, size);
    return v;
  }
  void write(uint32_t pa, uint32_t value, unsigned size) override {
    ++writes;
    if (uint64_t{pa} + size > bytes_.size()) return;
    std::memcpy(bytes_.data() + pa, &value, size);
  }

  uint32_t word(uint32_t pa) const {
    uint32_t v;
    std::memcpy(&v, bytes_.data() + pa, 4);
    return v;
  }
  void setWord(uint32_t pa, uint32_t v) { std::memcpy(bytes_.data() + pa, &v, 4); }
  uint8_t* data() { return bytes_.data(); }

  unsigned reads = 0, writes = 0;

 private:
  std::vector<uint8_t> bytes_;
};

// Paging-entry bits, spelled out for the tests.
constexpr uint32_t P = 1, W = 2, U = 4, A = 0x20, D = 0x40, PS = 0x80, G = 0x100;

// An address space: a page directory at `dir`; page tables are taken from `nextTable` upward.
struct Space {
  FlatRam& ram;
  uint32_t dir;
  uint32_t nextTable;

  uint32_t pdeAddr(uint32_t linear) const { return dir + ((linear >> 22) << 2); }
  uint32_t pteAddr(uint32_t linear) const {
    return (ram.word(pdeAddr(linear)) & 0xFFFFF000u) + (((linear >> 12) & 0x3FF) << 2);
  }
  // Map one 4 KB page, creating its page table (PDE flags `pdeFlags`) if there is none.
  void map(uint32_t linear, uint32_t phys, uint32_t pteFlags, uint32_t pdeFlags = P | W | U) {
    const uint32_t pa = pdeAddr(linear);
    if (!(ram.word(pa) & P)) {
      ram.setWord(pa, nextTable | pdeFlags);
      nextTable += 0x1000;
    }
    ram.setWord(pteAddr(linear), (phys & 0xFFFFF000u) | pteFlags);
  }
  void mapLarge(uint32_t linear, uint32_t phys, uint32_t flags) {
    ram.setWord(pdeAddr(linear), (phys & 0xFFC00000u) | flags | PS);
  }
};

// Records every event.
struct Recorder : mmu::MmuObserver {
  std::vector<mmu::TlbMiss> misses;
  std::vector<mmu::TlbFlush> flushes;
  std::vector<mmu::PageFault> faults;
  std::vector<mmu::Cr3Write> cr3Writes;
  std::vector<mmu::StaleTlbUse> stale;
  std::vector<mmu::MissingFlush> missing;
  void onTlbMiss(const mmu::TlbMiss& e) override { misses.push_back(e); }
  void onTlbFlush(const mmu::TlbFlush& e) override { flushes.push_back(e); }
  void onPageFault(const mmu::PageFault& e) override { faults.push_back(e); }
  void onCr3Write(const mmu::Cr3Write& e) override { cr3Writes.push_back(e); }
  void onStaleTlbUse(const mmu::StaleTlbUse& e) override { stale.push_back(e); }
  void onMissingFlush(const mmu::MissingFlush& e) override { missing.push_back(e); }
};

}  // namespace mmutest
