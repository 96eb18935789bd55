// The NMI line: taken through vector 2 whatever IF says, at the next instruction boundary; further
// NMIs held until an IRET; it wakes a HLT with IF=0 ([386PRM] 9.6.1, 9.9).
#include "tests/cpu/cpu_fixture.h"

namespace emu::test {
namespace {

class Nmi : public CpuTest {
 protected:
  static constexpr uint32_t kHandler = 0x1200;
  // Protected mode, IF=0, vector 2 an interrupt gate to: inc ebx; nop; iret.
  void setUp(std::initializer_list<uint8_t> code) {
    protectedMode(code);
    gate(vec::kNmi, kHandler, 0xE, 0);
    place({0x43, 0x90, 0xCF}, kHandler);
    cpu.setReg(kEbx, 0);
  }
};

// IF=0 does not hold the NMI off: it is taken before the first instruction, whose EIP is pushed.
TEST_F(Nmi, TakenWithInterruptsDisabled) {
  setUp({0x90, 0x90, 0xF4});
  ASSERT_EQ(cpu.eflags() & flag::kIf, 0u);
  cpu.raiseNmi();
  steps(1);  // the NMI is delivered, then the handler's INC
  EXPECT_EQ(cpu.eip(), kHandler + 1);
  EXPECT_EQ(cpu.reg(kEbx), 1u);
  EXPECT_EQ(stack(0), kCode);
  EXPECT_EQ(stack(1), kCode0);
  EXPECT_TRUE(cpu.nmiBlocked());
}

// A second NMI while the handler runs waits for its IRET, then is taken at once.
TEST_F(Nmi, HeldUntilIret) {
  setUp({0x90, 0x90, 0xF4});
  cpu.raiseNmi();
  steps(1);  // into the handler, INC
  cpu.raiseNmi();
  steps(1);  // NOP: still the first NMI's handler
  EXPECT_EQ(cpu.eip(), kHandler + 2);
  EXPECT_EQ(cpu.reg(kEbx), 1u);
  // IRET: back at the first NOP, where the held NMI is taken at once (at the boundary after the
  // IRET, as INTR would be): its frame returns to that NOP.
  steps(1);
  EXPECT_EQ(cpu.eip(), kHandler);
  EXPECT_EQ(stack(0), kCode);
  EXPECT_EQ(cpu.reg(kEbx), 1u);
  EXPECT_TRUE(cpu.nmiBlocked());
  steps(1);
  EXPECT_EQ(cpu.reg(kEbx), 2u);
}

// HLT with IF=0 stops the run; an NMI wakes it and the handler returns after the HLT.
TEST_F(Nmi, WakesHaltWithInterruptsDisabled) {
  setUp({0xF4, 0xF4});
  runToHalt();
  EXPECT_EQ(cpu.eip(), kCode + 1);
  cpu.raiseNmi();
  runToHalt();
  EXPECT_EQ(cpu.reg(kEbx), 1u);
  EXPECT_EQ(cpu.eip(), kCode + 2);
}

// In real mode the NMI goes through IVT entry 2 ([386PRM] 14.1.4).
TEST_F(Nmi, RealModeUsesIvtEntry2) {
  real16({0x90, 0xF4});
  bus.poke32(2 * 4, 0x0500);   // IVT entry 2: 0000:0500
  place({0x43, 0xCF}, 0x500);  // inc bx; iret
  cpu.setReg(kEbx, 0);
  cpu.raiseNmi();
  runToHalt();
  EXPECT_EQ(cpu.reg(kEbx), 1u);
  EXPECT_EQ(cpu.eip(), kCode + 2);
}

}  // namespace
}  // namespace emu::test
