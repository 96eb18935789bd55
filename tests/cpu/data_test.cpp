// Data movement: MOV forms and addressing, the stack, flags transfers, conversions, CMOVcc/SETcc,
// ENTER/LEAVE. Expected values follow the instruction definitions in [386PRM] chapter 17.
#include "tests/cpu/cpu_fixture.h"

namespace emu::test {
namespace {

using namespace flag;

class Data : public CpuTest {};

TEST_F(Data, ScaledIndexAddressing) {
  flat32({0x89, 0x44, 0xB3, 0x08,    // mov [ebx+esi*4+8], eax
          0x8B, 0x4C, 0xB3, 0x08});  // mov ecx, [ebx+esi*4+8]
  cpu.setReg(kEbx, 0x5000);
  cpu.setReg(kEsi, 3);
  cpu.setReg(kEax, 0xCAFEBABE);
  steps(2);
  EXPECT_EQ(bus.peek32(0x5000 + 12 + 8), 0xCAFEBABEu);
  EXPECT_EQ(cpu.reg(kEcx), 0xCAFEBABEu);
}

TEST_F(Data, MoffsForms) {
  flat32({0xA3, 0x00, 0x60, 0x00, 0x00,    // mov [0x6000], eax
          0xA0, 0x01, 0x60, 0x00, 0x00});  // mov al, [0x6001]
  cpu.setReg(kEax, 0x11223344);
  steps(1);
  EXPECT_EQ(bus.peek32(0x6000), 0x11223344u);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0x11223333u);
}

TEST_F(Data, SixteenBitAddressingWithPrefix) {
  flat32({0x67, 0x8D, 0x40, 0x05});  // lea eax, [bx+si+5]
  cpu.setReg(kEbx, 0x1234FFF0);
  cpu.setReg(kEsi, 0x20);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0x0015u);  // (0xFFF0 + 0x20 + 5) mod 64 KB
}

TEST_F(Data, MovzxMovsx) {
  flat32({0x0F, 0xB6, 0xC3, 0x0F, 0xBF, 0xCB});  // movzx eax, bl; movsx ecx, bx
  cpu.setReg(kEbx, 0x1234F080);
  steps(2);
  EXPECT_EQ(cpu.reg(kEax), 0x80u);
  EXPECT_EQ(cpu.reg(kEcx), 0xFFFFF080u);
}

TEST_F(Data, PushaPopaFrame) {
  flat32({0x60, 0x61});  // pusha; popa
  for (unsigned r = 0; r < 8; ++r)
    if (r != kEsp) cpu.setReg(static_cast<Reg>(r), 0x100 + r);
  steps(1);
  EXPECT_EQ(cpu.reg(kEsp), kStack - 32);
  // [386PRM] PUSHA: EAX ECX EDX EBX (original) ESP EBP ESI EDI, EDI at the lowest address.
  EXPECT_EQ(bus.peek32(kStack - 4), 0x100u);
  EXPECT_EQ(bus.peek32(kStack - 20), kStack);
  EXPECT_EQ(bus.peek32(kStack - 32), 0x107u);
  for (unsigned r = 0; r < 8; ++r)
    if (r != kEsp) cpu.setReg(static_cast<Reg>(r), 0);
  steps(1);
  EXPECT_EQ(cpu.reg(kEsp), kStack);
  EXPECT_EQ(cpu.reg(kEax), 0x100u);
  EXPECT_EQ(cpu.reg(kEdi), 0x107u);
}

TEST_F(Data, PushEspPushesOldValueAndPopEspWins) {
  flat32({0x54, 0x5C});  // push esp; pop esp
  steps(1);
  EXPECT_EQ(bus.peek32(kStack - 4), kStack);
  steps(1);
  EXPECT_EQ(cpu.reg(kEsp), kStack);
}

TEST_F(Data, PushImmediateSignExtends) {
  flat32({0x6A, 0xFE, 0x66, 0x6A, 0x7F});  // push -2; push word 0x7F
  steps(2);
  EXPECT_EQ(bus.peek32(kStack - 4), 0xFFFFFFFEu);
  EXPECT_EQ(bus.read(kStack - 6, 2), 0x7Fu);
  EXPECT_EQ(cpu.reg(kEsp), kStack - 6);
}

TEST_F(Data, PushfPopf) {
  flat32({0x9C, 0x9D});  // pushf; popf
  cpu.setEflags(kCf | kZf | kDf);
  steps(1);
  EXPECT_EQ(bus.peek32(kStack - 4), kCf | kZf | kDf | kFixed);
  bus.poke32(kStack - 4, kOf | kSf | 0xFFC00000u);  // reserved high bits are ignored
  steps(1);
  EXPECT_EQ(cpu.eflags(), kOf | kSf | kFixed);
}

TEST_F(Data, LahfSahf) {
  flat32({0x9F, 0x9E});  // lahf; sahf
  cpu.setEflags(kCf | kPf | kSf);
  steps(1);
  EXPECT_EQ((cpu.reg(kEax) >> 8) & 0xFF, kCf | kPf | kSf | 2);  // bit 1 reads 1
  cpu.setReg(kEax, (kZf | kAf) << 8);
  steps(1);
  EXPECT_EQ(arith(), kZf | kAf);
}

TEST_F(Data, Conversions) {
  flat32({0x66, 0x98, 0x98, 0x99});  // cbw; cwde; cdq
  cpu.setReg(kEax, 0x12340080);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0x1234FF80u);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0xFFFFFF80u);
  steps(1);
  EXPECT_EQ(cpu.reg(kEdx), 0xFFFFFFFFu);
}

TEST_F(Data, XchgBswapXlat) {
  flat32({0x87, 0xD8, 0x0F, 0xC8, 0xD7});  // xchg eax, ebx; bswap eax; xlat
  cpu.setReg(kEax, 1);
  cpu.setReg(kEbx, 0x06000002);
  steps(2);
  EXPECT_EQ(cpu.reg(kEbx), 1u);
  EXPECT_EQ(cpu.reg(kEax), 0x02000006u);
  cpu.setReg(kEbx, 0x7000);
  bus.write(0x7006, 0x5A, 1);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0x0200005Au);  // AL = [EBX + AL]
}

TEST_F(Data, CmovAndSetcc) {
  flat32({0x0F, 0x44, 0xC3, 0x0F, 0x45, 0xCB, 0x0F, 0x94, 0xC2, 0x0F, 0x9C, 0xC6});
  // cmove eax, ebx; cmovne ecx, ebx; sete dl; setl dh
  cpu.setEflags(kZf | kSf);  // ZF=1, SF != OF: "less"
  cpu.setReg(kEbx, 77);
  cpu.setReg(kEcx, 5);
  cpu.setReg(kEdx, 0xFFFF0000);
  steps(4);
  EXPECT_EQ(cpu.reg(kEax), 77u);
  EXPECT_EQ(cpu.reg(kEcx), 5u);
  EXPECT_EQ(cpu.reg(kEdx), 0xFFFF0101u);
}

TEST_F(Data, EnterLeave) {
  flat32({0x55, 0xC8, 0x10, 0x00, 0x01, 0xC9});  // push ebp; enter 16, 1; leave
  cpu.setReg(kEbp, 0xABCD);
  steps(2);
  // ENTER 16,1: push EBP, push the new frame pointer, EBP = frame, ESP -= 16.
  uint32_t frame = kStack - 8;
  EXPECT_EQ(cpu.reg(kEbp), frame);
  EXPECT_EQ(bus.peek32(frame), 0xABCDu);
  EXPECT_EQ(bus.peek32(frame - 4), frame);
  EXPECT_EQ(cpu.reg(kEsp), frame - 4 - 16);
  steps(1);
  EXPECT_EQ(cpu.reg(kEbp), 0xABCDu);
  EXPECT_EQ(cpu.reg(kEsp), kStack - 4);
}

TEST_F(Data, SegmentRegisterMovesInRealMode) {
  real16({0xB8, 0x34, 0x12, 0x8E, 0xC0, 0x8C, 0xC3, 0x06, 0x1F});
  // mov ax, 0x1234; mov es, ax; mov bx, es; push es; pop ds
  steps(5);
  EXPECT_EQ(cpu.segment(kEs).base, 0x12340u);
  EXPECT_EQ(cpu.reg(kEbx) & 0xFFFF, 0x1234u);
  EXPECT_EQ(cpu.segment(kDs).selector, 0x1234);
  EXPECT_EQ(cpu.reg(kEsp) & 0xFFFF, 0x8000u);
}

TEST_F(Data, PopToMemoryUsesIncrementedEsp) {
  flat32({0x8F, 0x44, 0x24, 0x00});  // pop dword [esp]
  cpu.setReg(kEsp, kStack - 8);
  bus.poke32(kStack - 8, 0x99);
  steps(1);
  // [386PRM] POP: ESP is incremented before the destination address is computed.
  EXPECT_EQ(bus.peek32(kStack - 4), 0x99u);
  EXPECT_EQ(cpu.reg(kEsp), kStack - 4);
}

TEST_F(Data, BoundRaisesBr) {
  protectedMode({0x62, 0x03});  // bound eax, [ebx]
  bus.poke32(0x6000, 10);
  bus.poke32(0x6004, 20);
  cpu.setReg(kEbx, 0x6000);
  cpu.setReg(kEax, 21);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kBr);
  EXPECT_EQ(stack(0), kCode);
}

}  // namespace
}  // namespace emu::test
