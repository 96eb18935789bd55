// ALU instructions: results and every arithmetic flag. Expected flags are worked out from the
// definitions in [386PRM] chapter 17 (ADD: OF = signed overflow, AF = carry out of bit 3, PF =
// even parity of the low byte); undefined flags as Unicorn produces them (see exec_alu.h).
#include "tests/cpu/cpu_fixture.h"

namespace emu::test {
namespace {

using namespace flag;

class Alu : public CpuTest {};

TEST_F(Alu, AddSignedOverflow) {
  flat32({0x01, 0xD8});  // add eax, ebx
  cpu.setReg(kEax, 0x7FFFFFFF);
  cpu.setReg(kEbx, 1);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0x80000000u);
  // 0x7FFFFFFF + 1: sign flips (OF, SF), bit 3 carries (AF), low byte 0x00 has even parity (PF).
  EXPECT_EQ(arith(), kOf | kSf | kAf | kPf);
}

TEST_F(Alu, SubBorrow) {
  flat32({0x29, 0xD8});  // sub eax, ebx
  cpu.setReg(kEax, 0);
  cpu.setReg(kEbx, 1);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0xFFFFFFFFu);
  // 0 - 1: borrow (CF), borrow from bit 4 (AF), 0xFF has 8 bits set (PF), negative (SF).
  EXPECT_EQ(arith(), kCf | kAf | kPf | kSf);
}

TEST_F(Alu, AddByteKeepsUpperBits) {
  flat32({0x04, 0xFF});  // add al, 0xFF
  cpu.setReg(kEax, 0x12345601);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0x12345600u);
  // 1 + 0xFF = 0x100: CF, ZF, AF (carry from bit 3), PF (zero byte); no signed overflow.
  EXPECT_EQ(arith(), kCf | kZf | kAf | kPf);
}

TEST_F(Alu, AdcSbbUseCarry) {
  flat32({0xF9, 0x11, 0xD8, 0xF9, 0x19, 0xD1});  // stc; adc eax, ebx; stc; sbb ecx, edx
  cpu.setReg(kEax, 0xFFFFFFFF);
  cpu.setReg(kEbx, 0);
  cpu.setReg(kEcx, 5);
  cpu.setReg(kEdx, 5);
  steps(2);
  EXPECT_EQ(cpu.reg(kEax), 0u);  // 0xFFFFFFFF + 0 + 1
  EXPECT_EQ(arith(), kCf | kZf | kAf | kPf);
  steps(2);
  EXPECT_EQ(cpu.reg(kEcx), 0xFFFFFFFFu);  // 5 - 5 - 1
  EXPECT_EQ(arith(), kCf | kAf | kPf | kSf);
}

TEST_F(Alu, LogicClearsCarryAndOverflow) {
  flat32({0xF9, 0x21, 0xD8});  // stc; and eax, ebx
  cpu.setReg(kEax, 0xF0F0F0F0);
  cpu.setReg(kEbx, 0x8000000F);
  steps(2);
  EXPECT_EQ(cpu.reg(kEax), 0x80000000u);
  EXPECT_EQ(arith(), kSf | kPf);  // CF OF cleared, AF cleared (Unicorn), low byte 0 -> PF
}

TEST_F(Alu, CmpWritesNothing) {
  flat32({0x39, 0xD8});  // cmp eax, ebx
  cpu.setReg(kEax, 3);
  cpu.setReg(kEbx, 5);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 3u);
  // 3 - 5 = 0xFFFFFFFE: CF, SF, AF (3 - 5 borrows from bit 4); 0xFE has 7 bits -> odd, no PF.
  EXPECT_EQ(arith(), kCf | kSf | kAf);
}

TEST_F(Alu, IncKeepsCarry) {
  flat32({0xF9, 0x40});  // stc; inc eax
  cpu.setReg(kEax, 0x7FFFFFFF);
  steps(2);
  EXPECT_EQ(cpu.reg(kEax), 0x80000000u);
  EXPECT_EQ(arith(), kCf | kOf | kSf | kAf | kPf);
}

TEST_F(Alu, NegSetsCarryUnlessZero) {
  flat32({0xF7, 0xD8, 0xF7, 0xDB});  // neg eax; neg ebx
  cpu.setReg(kEax, 1);
  cpu.setReg(kEbx, 0);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0xFFFFFFFFu);
  EXPECT_EQ(arith(), kCf | kAf | kPf | kSf);
  steps(1);
  EXPECT_EQ(arith(), kZf | kPf);
}

TEST_F(Alu, MulWideResultAndCost) {
  flat32({0xF7, 0xE3});  // mul ebx
  cpu.setReg(kEax, 0x80000000);
  cpu.setReg(kEbx, 4);
  uint64_t c0 = cpu.cycles();
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0u);
  EXPECT_EQ(cpu.reg(kEdx), 2u);
  // CF = OF = high half nonzero; ZF PF from the low half (as Unicorn).
  EXPECT_EQ(arith(), kCf | kOf | kZf | kPf);
  // [386PRM] early-out multiply: max(ceil(log2 4), 3) + 6 = 9 clocks.
  EXPECT_EQ(cpu.cycles() - c0, 9u);
}

TEST_F(Alu, ImulTwoAndThreeOperands) {
  flat32({0x0F, 0xAF, 0xC3, 0x6B, 0xCB, 0xFD});  // imul eax, ebx; imul ecx, ebx, -3
  cpu.setReg(kEax, 0x10000);
  cpu.setReg(kEbx, 0x10000);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0u);  // 2^32 truncated: overflow
  EXPECT_EQ(arith() & (kCf | kOf), kCf | kOf);
  cpu.setReg(kEbx, 7);
  steps(1);
  EXPECT_EQ(cpu.reg(kEcx), static_cast<uint32_t>(-21));
  EXPECT_EQ(arith() & (kCf | kOf), 0u);
}

TEST_F(Alu, DivAndIdiv) {
  flat32({0xF7, 0xF3, 0xF7, 0xF9});  // div ebx; idiv ecx
  cpu.setReg(kEdx, 1);
  cpu.setReg(kEax, 5);  // EDX:EAX = 0x100000005
  cpu.setReg(kEbx, 0x10);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0x10000000u);
  EXPECT_EQ(cpu.reg(kEdx), 5u);
  cpu.setReg(kEdx, 0xFFFFFFFF);
  cpu.setReg(kEax, static_cast<uint32_t>(-7));
  cpu.setReg(kEcx, 2);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), static_cast<uint32_t>(-3));  // truncates toward zero
  EXPECT_EQ(cpu.reg(kEdx), static_cast<uint32_t>(-1));  // remainder has the dividend's sign
}

TEST_F(Alu, ShiftsSetCarryAndOverflow) {
  flat32({0xD1, 0xE0, 0xD1, 0xE8, 0xD1, 0xFB, 0xC1, 0xE1, 0x04});
  // shl eax,1; shr eax,1; sar ebx,1; shl ecx,4
  cpu.setReg(kEax, 0xC0000001);
  cpu.setReg(kEbx, 0x80000001);
  cpu.setReg(kEcx, 0x1F000000);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0x80000002u);
  // CF = old bit 31 (1); OF = CF xor new bit 31 = 0; AF = 0 (Unicorn); SF; 0x02 odd -> no PF.
  EXPECT_EQ(arith(), kCf | kSf);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0x40000001u);
  // SHR by 1: OF = old bit 31 (1), CF = old bit 0 (0); 0x01 odd parity.
  EXPECT_EQ(arith(), kOf);
  steps(1);
  EXPECT_EQ(cpu.reg(kEbx), 0xC0000000u);
  EXPECT_EQ(arith(), kCf | kSf | kPf);
  steps(1);
  EXPECT_EQ(cpu.reg(kEcx), 0xF0000000u);
  // CF = last bit out (bit 28 of 0x1F000000 = 1); OF from the last step: bit 31 of the value
  // before it (0xF8000000 << 0 ... = 1) xor result bit 31 (1) = 0.
  EXPECT_EQ(arith(), kCf | kSf | kPf);
}

TEST_F(Alu, RotatesThroughCarry) {
  flat32({0xF9, 0xD1, 0xD0, 0xD1, 0xD8, 0xD1, 0xC0});  // stc; rcl eax,1; rcr eax,1; rol eax,1
  cpu.setReg(kEax, 0x80000000);
  steps(2);
  EXPECT_EQ(cpu.reg(kEax), 1u);                 // carry in at bit 0, bit 31 out to CF
  EXPECT_EQ(arith() & (kCf | kOf), kCf | kOf);  // OF = old bit 31 xor new bit 31
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0x80000000u);
  EXPECT_EQ(arith() & kCf, kCf);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 1u);
  EXPECT_EQ(arith() & (kCf | kOf), kCf | kOf);
}

TEST_F(Alu, ShldShrd) {
  flat32({0x0F, 0xA4, 0xD8, 0x08, 0x0F, 0xAC, 0xD1, 0x04});
  // shld eax, ebx, 8; shrd ecx, edx, 4
  cpu.setReg(kEax, 0x11223344);
  cpu.setReg(kEbx, 0xAABBCCDD);
  cpu.setReg(kEcx, 0x12345678);
  cpu.setReg(kEdx, 0x0000000F);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0x223344AAu);
  steps(1);
  EXPECT_EQ(cpu.reg(kEcx), 0xF1234567u);
  EXPECT_EQ(arith() & kCf, kCf);  // last bit shifted out: bit 3 of 0x12345678 = 1
}

TEST_F(Alu, BitTestAndScan) {
  flat32({0x0F, 0xAB, 0xD8, 0x0F, 0xBC, 0xC8, 0x0F, 0xBD, 0xD0});
  // bts eax, ebx; bsf ecx, eax; bsr edx, eax
  cpu.setReg(kEax, 0x00000100);
  cpu.setReg(kEbx, 35);  // bit 35 mod 32 = 3
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0x00000108u);
  EXPECT_EQ(arith() & kCf, 0u);
  steps(2);
  EXPECT_EQ(cpu.reg(kEcx), 3u);
  EXPECT_EQ(cpu.reg(kEdx), 8u);
  EXPECT_EQ(arith() & kZf, 0u);
}

TEST_F(Alu, BcdAdjust) {
  flat32({0x04, 0x38, 0x27});  // add al, 0x38; daa   (0x49 + 0x38 = 0x81 -> 87 BCD)
  cpu.setReg(kEax, 0x49);
  steps(2);
  EXPECT_EQ(cpu.reg(kEax) & 0xFF, 0x87u);
  EXPECT_EQ(arith() & (kCf | kAf), kAf);
}

TEST_F(Alu, AamDividesAndFaultsOnZero) {
  flat32({0xD4, 0x0A});  // aam 10
  cpu.setReg(kEax, 75);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax) & 0xFFFF, 0x0705u);
}

TEST_F(Alu, SixteenBitOperandPrefix) {
  flat32({0x66, 0x05, 0xFF, 0x7F});  // add ax, 0x7FFF
  cpu.setReg(kEax, 0xABCD0001);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0xABCD8000u);
  EXPECT_EQ(arith(), kOf | kSf | kAf | kPf);
}

TEST_F(Alu, XaddAndCmpxchg) {
  flat32({0x0F, 0xC1, 0xD8, 0x0F, 0xB1, 0xD1});  // xadd eax, ebx; cmpxchg ecx, edx
  cpu.setReg(kEax, 10);
  cpu.setReg(kEbx, 5);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 15u);
  EXPECT_EQ(cpu.reg(kEbx), 10u);
  cpu.setReg(kEax, 7);
  cpu.setReg(kEcx, 7);
  cpu.setReg(kEdx, 99);
  steps(1);
  EXPECT_EQ(cpu.reg(kEcx), 99u);
  EXPECT_EQ(arith() & kZf, kZf);
}

}  // namespace
}  // namespace emu::test
