// Google Benchmark of the MMU's hot and slow paths (built with XRAY86_BENCHMARKS):
//   build/release/mmu/mmu_bench
// HostReadHit: the inline host-cache hit the CPU takes on nearly every access.
// TranslateHit: translate() served by the model TLB. TranslateMiss: a walk with A/D already set.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "mmu/mmu.h"

namespace {

class Ram : public mmu::PhysMemory {
 public:
  Ram() : bytes_(8u << 20, 0) {}
  uint8_t* frame(uint32_t pa) override {
    return pa < bytes_.size() ? bytes_.data() + (pa & ~mmu::kPageMask) : nullptr;
  }
  uint32_t read(uint32_t pa, unsigned size) override {
    uint32_t v = 0;
    if (uint64_t{pa} + size <= bytes_.size()) std::memcpy(&v, bytes_.data() + pa, size);
    return v;
  }
  void write(uint32_t pa, uint32_t v, unsigned size) override {
    if (uint64_t{pa} + size <= bytes_.size()) std::memcpy(bytes_.data() + pa, &v, size);
  }

 private:
  std::vector<uint8_t> bytes_;
};

// 64 user pages at 0x400000 -> 0x200000.., page directory at 0x10000, table at 0x11000.
void setUp(Ram& ram, mmu::Mmu& mmu) {
  ram.write(0x10004, 0x11000 | 7, 4);
  for (uint32_t i = 0; i < 64; ++i) ram.write(0x11000 + i * 4, (0x200000 + i * 0x1000) | 0x67, 4);
  mmu.writeCr3(0x10000);
  mmu.writeCr0(mmu::kCr0Pe | mmu::kCr0Pg);
}

void HostReadHit(benchmark::State& state) {
  Ram ram;
  mmu::Mmu mmu(ram);
  setUp(ram, mmu);
  uint32_t phys;
  for (uint32_t i = 0; i < 16; ++i)
    (void)mmu.translate(0x400000 + i * 0x1000, mmu::Access::kRead, true, phys);
  uint32_t linear = 0x400000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(mmu.hostRead(linear, true));
    linear = 0x400000 + ((linear + 0x1004) & 0xFFFF);
  }
}
BENCHMARK(HostReadHit);

void TranslateHit(benchmark::State& state) {
  Ram ram;
  mmu::Mmu mmu(ram);
  setUp(ram, mmu);
  uint32_t phys;
  uint32_t linear = 0x400000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(mmu.translate(linear, mmu::Access::kRead, true, phys));
    linear = 0x400000 + ((linear + 0x1004) & 0xFFFF);  // 16 pages: all fit in the TLB
  }
}
BENCHMARK(TranslateHit);

void TranslateMiss(benchmark::State& state) {
  Ram ram;
  mmu::Mmu mmu(ram, mmu::TlbGeometry{1, 1, false});  // one entry: every new page misses
  setUp(ram, mmu);
  uint32_t phys;
  uint32_t linear = 0x400000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(mmu.translate(linear, mmu::Access::kRead, true, phys));
    linear = 0x400000 + ((linear + 0x1000) & 0x3F000);
  }
}
BENCHMARK(TranslateMiss);

}  // namespace

BENCHMARK_MAIN();
