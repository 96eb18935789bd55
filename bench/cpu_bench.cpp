// Guest instructions per second on the CPU interpreter (flat RAM, 32-bit protected mode, no
// paging). Reported as the `MIPS` counter (millions of guest instructions per host second).
//
//   build/release/bench/cpu_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "emu/cpu/cpu.h"
#include "emu/cpu/flat_bus.h"
#include "mmu/mmu.h"

extern const uint8_t kSieveImage[];
extern const size_t kSieveImage_size;

namespace {

constexpr uint32_t kCode = 0x100000;

struct Machine {
  emu::FlatRamBus bus{8u << 20};
  mmu::Mmu mmu{bus};
  emu::Cpu cpu{bus, mmu};
  Machine(const uint8_t* code, size_t n) {
    if (!bus.load(kCode, code, n)) std::abort();
    cpu.enterFlatProtectedMode();
  }
  // Runs from the entry point until the guest halts; returns instructions retired.
  uint64_t run(uint32_t ecx, uint32_t ebx) {
    cpu.setEip(kCode);
    cpu.setReg(emu::kEsp, 0x400000);
    cpu.setReg(emu::kEcx, ecx);
    cpu.setReg(emu::kEbx, ebx);
    // Data in a page whose MMU host-cache slot differs from the code's (see AluMemoryMix).
    cpu.setReg(emu::kEsi, 0x180000);
    cpu.setReg(emu::kEdi, 0x180800);
    emu::RunResult r = cpu.run(~uint64_t{0});
    if (r.reason != emu::StopReason::kHaltInterruptsOff) std::abort();
    return r.instructions;
  }
};

void report(benchmark::State& state, uint64_t instructions) {
  state.counters["MIPS"] =
      benchmark::Counter(static_cast<double>(instructions) / 1e6, benchmark::Counter::kIsRate);
}

// dec ecx; jnz -3; hlt  (ECX iterations of 2 instructions)
void DecJnzLoop(benchmark::State& state) {
  const uint8_t code[] = {0x49, 0x75, 0xFD, 0xF4};
  Machine m(code, sizeof code);
  uint64_t total = 0;
  for (auto _ : state) total += m.run(10'000'000, 0);
  report(state, total);
}
BENCHMARK(DecJnzLoop)->Unit(benchmark::kMillisecond);

// A load/ALU/store mix over one 4 KB page at 0x180000:
//   loop: mov eax,[esi]; add ebx,eax; xor eax,ebx; mov [edi],eax; add esi,4; add edi,4;
//         and esi,0x180FFF; and edi,0x180FFF; dec ecx; jnz loop; hlt
// (The data page is not 1 MB away from the code: the MMU's 256-slot host cache is indexed by
// linear page, so such pages would take turns in one slot and every access would go slow.)
void AluMemoryMix(benchmark::State& state) {
  const uint8_t code[] = {0x8B, 0x06, 0x01, 0xC3, 0x31, 0xD8, 0x89, 0x07, 0x83, 0xC6,
                          0x04, 0x83, 0xC7, 0x04, 0x81, 0xE6, 0xFF, 0x0F, 0x18, 0x00,
                          0x81, 0xE7, 0xFF, 0x0F, 0x18, 0x00, 0x49, 0x75, 0xE3, 0xF4};
  Machine m(code, sizeof code);
  uint64_t total = 0;
  for (auto _ : state) total += m.run(2'000'000, 0);
  report(state, total);
}
BENCHMARK(AluMemoryMix)->Unit(benchmark::kMillisecond);

// The demo guest: a sieve of Eratosthenes compiled with gcc -m32 -O2 (emu/cli/demo/sieve.c).
void Sieve(benchmark::State& state) {
  Machine m(kSieveImage, kSieveImage_size);
  uint64_t total = 0;
  for (auto _ : state) total += m.run(0, 5);
  report(state, total);
}
BENCHMARK(Sieve)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
