// The 15-byte instruction limit: an instruction longer than 15 bytes raises #GP(0) ([386PRM]
// 17.2), on every path that decodes: the decoded-block fast path, the careful single-instruction
// path (after STI, under TF, with the host fetch cache cold), and across a page boundary. The
// instructions are N segment prefixes (26) and a NOP (90): N + 1 bytes.
#include <vector>

#include "tests/cpu/cpu_fixture.h"

namespace emu::test {
namespace {

class LengthLimit : public CpuTest, public ::testing::WithParamInterface<unsigned> {
 protected:
  // Protected mode with `lead` bytes, then N prefixes and a NOP, then HLT, at `at`.
  // Returns the address of the long instruction.
  uint32_t program(std::vector<uint8_t> lead, unsigned prefixes, uint32_t at = kCode) {
    protectedMode({});
    std::vector<uint8_t> code = lead;
    code.insert(code.end(), prefixes, 0x26);
    code.push_back(0x90);
    code.push_back(0xF4);
    bus.load(at, code.data(), code.size());
    cpu.setEip(at);
    return at + static_cast<uint32_t>(lead.size());
  }
  // Runs to a HLT and checks the outcome: for N + 1 > 15 bytes a #GP(0) at the instruction
  // (the vector 13 stub, error code 0 and the pushed EIP = the instruction's), otherwise the NOP
  // ran and the program's HLT stopped it.
  void expectOutcome(unsigned prefixes, uint32_t insn) {
    RunResult r = cpu.run(1000);
    if (prefixes + 1 > 15) {
      // The interrupt gate clears IF: the stub's HLT stops the run with interrupts off.
      ASSERT_EQ(r.reason, StopReason::kHaltInterruptsOff) << stopReasonName(r.reason);
      ASSERT_EQ(stubVector(), 13) << cpu.registerDump();
      EXPECT_EQ(stack(0), 0u);    // error code 0
      EXPECT_EQ(stack(1), insn);  // a fault: EIP of the instruction itself
      EXPECT_EQ(stack(2), kCode0);
    } else {
      // The program's own HLT, with IF as the program left it (set after STI).
      ASSERT_TRUE(r.reason == StopReason::kHalt || r.reason == StopReason::kHaltInterruptsOff)
          << stopReasonName(r.reason);
      EXPECT_EQ(stubVector(), -1);
      EXPECT_EQ(cpu.eip(), insn + prefixes + 2);  // after the NOP and the HLT
    }
  }
};

// The fast path: the block decoder reads the page's bytes directly.
TEST_P(LengthLimit, FastPath) {
  unsigned n = GetParam();
  uint32_t insn = program({}, n);
  expectOutcome(n, insn);
}

// After STI the next instruction runs on the careful path (the interrupt shadow).
TEST_P(LengthLimit, AfterSti) {
  unsigned n = GetParam();
  uint32_t insn = program({0xFB}, n);
  expectOutcome(n, insn);
}

// Single-step runs every instruction on the careful path; the #GP handler's interrupt gate
// clears TF, so the stub's HLT stops the run.
TEST_P(LengthLimit, SingleStep) {
  unsigned n = GetParam();
  uint32_t insn = program({}, n);
  cpu.setEflags(cpu.eflags() | flag::kTf);
  RunResult r = cpu.run(1000);
  if (n + 1 > 15) {
    ASSERT_EQ(r.reason, StopReason::kHaltInterruptsOff);
    EXPECT_EQ(stubVector(), 13);
    EXPECT_EQ(stack(0), 0u);
    EXPECT_EQ(stack(1), insn);
  } else {
    // The NOP retires and single-steps into #DB (vector 1) with EIP after it.
    ASSERT_EQ(r.reason, StopReason::kHaltInterruptsOff);
    EXPECT_EQ(stubVector(), 1);
    EXPECT_EQ(stack(0), insn + n + 1);
  }
}

// The instruction starts 8 bytes before a page boundary: the decoder sees the first page's
// bytes, then the careful path fetches the rest from the next page (at most 15 bytes in all).
TEST_P(LengthLimit, AcrossAPage) {
  unsigned n = GetParam();
  uint32_t insn = program({}, n, 0x1FF8);
  expectOutcome(n, insn);
}

// With paging on and the TLB cold, the first fetch misses the host cache: the careful path reads
// the bytes through the page walk into its 15-byte buffer.
TEST_P(LengthLimit, ColdTlbAfterSti) {
  unsigned n = GetParam();
  uint32_t insn = program({0xFB}, n, 0x5000);
  constexpr uint32_t pd = 0x10000, pt = 0x11000;
  for (uint32_t i = 0; i < 1024; ++i) bus.poke32(pt + 4 * i, (i << 12) | 3);
  bus.poke32(pd, pt | 3);
  cpu.setCr3(pd);
  cpu.setCr0(cpu.cr0() | mmu::kCr0Pg);
  expectOutcome(n, insn);
}

// 14 prefixes + NOP = 15 bytes, the longest legal instruction; 15, 16 and 17 prefixes are
// 16, 17 and 18 bytes.
INSTANTIATE_TEST_SUITE_P(Prefixes, LengthLimit, ::testing::Values(14u, 15u, 16u, 17u));

}  // namespace
}  // namespace emu::test
