// A CPU on flat RAM for the CPU tests: 16 MB, no paging unless a test turns it on.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "emu/cpu.h"
#include "emu/flat_bus.h"
#include "mmu/mmu.h"

namespace emu::test {

class CpuTest : public ::testing::Test {
 protected:
  static constexpr uint32_t kCode = 0x1000;    // where test code is placed
  static constexpr uint32_t kStack = 0x80000;  // initial ESP
  FlatRamBus bus{16u << 20};
  mmu::Mmu mmu{bus};
  Cpu cpu{bus, mmu};

  // Flat 32-bit protected mode at CPL 0, code at kCode, ESP = kStack.
  void flat32(std::initializer_list<uint8_t> code) {
    cpu.enterFlatProtectedMode();
    place(code);
    cpu.setEip(kCode);
    cpu.setReg(kEsp, kStack);
  }
  // Real mode with CS = DS = ES = SS = 0, code at kCode, SP = 0x8000.
  void real16(std::initializer_list<uint8_t> code) {
    place(code);
    for (SegReg s : {kEs, kCs, kSs, kDs, kFs, kGs}) cpu.setSegmentReal(s, 0);
    cpu.setEip(kCode);
    cpu.setReg(kEsp, 0x8000);
  }
  void place(std::initializer_list<uint8_t> code, uint32_t at = kCode) {
    std::vector<uint8_t> v(code);
    bus.load(at, v.data(), v.size());
  }
  // Runs n instructions and expects them all to retire with no stop.
  void steps(uint64_t n) {
    RunResult r = cpu.run(n);
    ASSERT_EQ(r.reason, StopReason::kInstructionLimit) << cpu.stopMessage();
    ASSERT_EQ(r.instructions, n);
  }
  uint32_t arith() const { return cpu.eflags() & flag::kArith; }
};

}  // namespace emu::test
