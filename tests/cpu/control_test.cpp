// Control transfers: Jcc and their cycle costs, CALL/RET, LOOP, JCXZ, indirect and far jumps,
// 16-bit code segments. Costs from [386PRM] chapter 17 (Jcc 7 taken / 3 not taken).
#include "tests/cpu/cpu_fixture.h"

namespace emu::test {
namespace {

using namespace flag;

class Control : public CpuTest {};

TEST_F(Control, JccCosts) {
  flat32({0x74, 0x02, 0x90, 0x90, 0x74, 0x00});  // je +2 (not taken); nop; nop; je +0 (taken)
  uint64_t c0 = cpu.cycles();
  steps(1);
  EXPECT_EQ(cpu.eip(), kCode + 2u);
  EXPECT_EQ(cpu.cycles() - c0, 3u);
  steps(2);
  cpu.setEflags(kZf);
  c0 = cpu.cycles();
  steps(1);
  EXPECT_EQ(cpu.eip(), kCode + 6u);
  EXPECT_EQ(cpu.cycles() - c0, 7u);
}

TEST_F(Control, CallAndRet) {
  flat32({0xE8, 0x05, 0x00, 0x00, 0x00, 0xF4, 0, 0, 0, 0, 0xC2, 0x04, 0x00});
  // call +5 (to kCode+10); hlt; ...; ret 4
  steps(1);
  EXPECT_EQ(cpu.eip(), kCode + 10u);
  EXPECT_EQ(bus.peek32(kStack - 4), kCode + 5u);
  steps(1);
  EXPECT_EQ(cpu.eip(), kCode + 5u);
  EXPECT_EQ(cpu.reg(kEsp), kStack + 4);  // RET 4 released 4 more bytes
}

TEST_F(Control, LoopCountsDown) {
  flat32({0x40, 0xE2, 0xFD, 0xF4});  // l: inc eax; loop l; hlt
  cpu.setReg(kEcx, 5);
  RunResult r = cpu.run(100);
  EXPECT_EQ(r.reason, StopReason::kHaltInterruptsOff);
  EXPECT_EQ(cpu.reg(kEax), 5u);
  EXPECT_EQ(cpu.reg(kEcx), 0u);
  EXPECT_EQ(r.instructions, 11u);  // 5 x (inc, loop) + hlt
}

TEST_F(Control, LoopneStopsOnZero) {
  flat32({0x48, 0xE0, 0xFD, 0xF4});  // l: dec eax; loopne l; hlt
  cpu.setReg(kEax, 3);
  cpu.setReg(kEcx, 100);
  RunResult r = cpu.run(100);
  EXPECT_EQ(r.reason, StopReason::kHaltInterruptsOff);
  EXPECT_EQ(cpu.reg(kEax), 0u);
  EXPECT_EQ(cpu.reg(kEcx), 97u);
}

TEST_F(Control, Jcxz) {
  flat32({0xE3, 0x01, 0xF4, 0xF4});  // jecxz +1; hlt; hlt
  cpu.setReg(kEcx, 0);
  steps(1);
  EXPECT_EQ(cpu.eip(), kCode + 3u);
}

TEST_F(Control, IndirectJumpAndCall) {
  flat32({0xFF, 0xE0});  // jmp eax
  cpu.setReg(kEax, 0x2000);
  place({0xFF, 0x13}, 0x2000);  // call [ebx]
  cpu.setReg(kEbx, 0x6000);
  bus.poke32(0x6000, 0x3000);
  steps(2);
  EXPECT_EQ(cpu.eip(), 0x3000u);
  EXPECT_EQ(bus.peek32(kStack - 4), 0x2002u);
}

TEST_F(Control, NearJumpBeyondLimitIsGp) {
  protectedMode({0xE9, 0x00, 0x00, 0x10, 0x00});  // jmp +0x100000
  Segment cs = cpu.segment(kCs);
  cs.limit = 0xFFFFF;  // 1 MB code segment
  cs.flags = 0x4;
  cpu.setSegment(kCs, cs);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(stack(0), 0u);
  EXPECT_EQ(stack(1), kCode);
}

TEST_F(Control, FarJumpIntoSixteenBitSegment) {
  // jmp far kCode16:0x2000; there (16-bit code): mov ax, 0x1234; add ax, ax; hlt
  protectedMode({0xEA, 0x00, 0x20, 0x00, 0x00, 0x30, 0x00});
  place({0xB8, 0x34, 0x12, 0x01, 0xC0, 0xF4}, 0x2000);
  runToHalt();
  EXPECT_EQ(cpu.segment(kCs).selector, kCode16);
  EXPECT_FALSE(cpu.segment(kCs).big());
  EXPECT_EQ(cpu.reg(kEax) & 0xFFFF, 0x2468u);
  EXPECT_EQ(cpu.eip(), 0x2006u);
}

TEST_F(Control, FarCallAndRetfSameLevel) {
  protectedMode({0x9A, 0x00, 0x20, 0x00, 0x00, 0x08, 0x00, 0xF4});  // call far 0x08:0x2000; hlt
  place({0xCB}, 0x2000);                                            // retf
  runToHalt();
  EXPECT_EQ(cpu.eip(), kCode + 8u);
  EXPECT_EQ(cpu.reg(kEsp), kStack);
}

TEST_F(Control, RetfToRing3RestoresStack) {
  // push 0x23; push 0x7000; push 0x1B; push 0x2000; retf -> ring 3 at 0x2000 (hlt -> #GP)
  protectedMode(
      {0x6A, 0x23, 0x68, 0x00, 0x70, 0x00, 0x00, 0x6A, 0x1B, 0x68, 0x00, 0x20, 0x00, 0x00, 0xCB});
  place({0xF4}, 0x2000);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(stack(1), 0x2000u);
  EXPECT_EQ(stack(2), kCode3);
  EXPECT_EQ(stack(4), 0x7000u);
  EXPECT_EQ(stack(5), kData3);
}

TEST_F(Control, SixteenBitIpWraps) {
  real16({0xEB, 0xFE});  // jmp $ (a tight loop)
  RunResult r = cpu.run(1000);
  EXPECT_EQ(r.reason, StopReason::kInstructionLimit);
  EXPECT_EQ(cpu.eip(), kCode);
  EXPECT_EQ(cpu.instructions(), 1000u);
}

TEST_F(Control, CycleDeadlineStopsTheRun) {
  flat32({0xEB, 0xFE});  // jmp $: 7 cycles each
  RunResult r = cpu.run(1'000'000, 700);
  EXPECT_EQ(r.reason, StopReason::kCycleDeadline);
  EXPECT_EQ(cpu.cycles(), 700u);
  EXPECT_EQ(r.instructions, 100u);
}

}  // namespace
}  // namespace emu::test
