// Whole programs: real-mode code and interrupts, and the real -> protected mode switch of a boot
// sector, assembled at build time (programs/*.S) and loaded from the build directory.
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/cpu/cpu_fixture.h"

extern const uint8_t kSieveImage[];
extern const size_t kSieveImage_size;

namespace emu::test {
namespace {

std::vector<uint8_t> readProgram(const std::string& name) {
  std::ifstream f(std::string(XRAY86_CPU_PROGRAMS) + "/" + name, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

class Programs : public CpuTest {};

TEST_F(Programs, PowerOnState) {
  cpu.reset();
  EXPECT_EQ(cpu.segment(kCs).selector, 0xF000);
  EXPECT_EQ(cpu.segment(kCs).base, 0xFFFF0000u);  // [386PRM] 10.1: first fetch at 0xFFFFFFF0
  EXPECT_EQ(cpu.eip(), 0xFFF0u);
  EXPECT_EQ(cpu.eflags(), 2u);
  EXPECT_FALSE(cpu.protectedMode());
  EXPECT_EQ(cpu.cr0() & 1, 0u);
}

TEST_F(Programs, RealToProtectedModeSwitch) {
  std::vector<uint8_t> image = readProgram("real_to_protected.bin");
  ASSERT_GT(image.size(), 32u);
  ASSERT_TRUE(bus.load(0x7C00, image.data(), image.size()));
  for (SegReg s : {kEs, kCs, kSs, kDs, kFs, kGs}) cpu.setSegmentReal(s, 0);
  cpu.setEip(0x7C00);
  runToHalt();
  EXPECT_TRUE(cpu.protectedMode());
  EXPECT_EQ(cpu.segment(kCs).selector, 0x08);
  EXPECT_TRUE(cpu.segment(kCs).big());
  EXPECT_EQ(cpu.segment(kSs).selector, 0x10);
  EXPECT_EQ(cpu.cpl(), 0);
  EXPECT_EQ(cpu.reg(kEbx), 0x12345678u);
  EXPECT_EQ(cpu.reg(kEdx) & 0xFFFF, 0x1234u);  // the 16-bit push/pop before the switch
  EXPECT_EQ(cpu.reg(kEcx) & 1, 1u);            // CR0.PE read back
  EXPECT_EQ(cpu.reg(kEsp), 0x9000u);
  EXPECT_EQ(cpu.gdtr().limit, 23);
  // The loader's descriptors were marked accessed in memory ([386PRM] 6.3.1.1).
  uint32_t gdtBase = cpu.gdtr().base;
  EXPECT_NE(bus.read(gdtBase + 0x10 + 5, 1) & 1, 0u);
}

TEST_F(Programs, RealModeInterruptThroughIvt) {
  real16({0xCD, 0x21, 0xF4});               // int 0x21; hlt
  bus.poke32(0x21 * 4, 0x00002000);         // IVT[0x21] = 0000:2000
  place({0xB8, 0x55, 0x00, 0xCF}, 0x2000);  // mov ax, 0x55; iret
  runToHalt();
  EXPECT_EQ(cpu.reg(kEax) & 0xFFFF, 0x55u);
  EXPECT_EQ(cpu.eip(), kCode + 3u);            // IRET came back after INT, then HLT
  EXPECT_EQ(cpu.reg(kEsp) & 0xFFFF, 0x8000u);  // FLAGS, CS, IP popped again
}

TEST_F(Programs, RealModeSegmentArithmetic) {
  // mov ax, 0x2000; mov ds, ax; mov word [0x10], 0xBEEF; hlt
  real16({0xB8, 0x00, 0x20, 0x8E, 0xD8, 0xC7, 0x06, 0x10, 0x00, 0xEF, 0xBE, 0xF4});
  runToHalt();
  EXPECT_EQ(bus.read(0x20010, 2), 0xBEEFu);  // DS * 16 + 0x10
  EXPECT_EQ(cpu.segment(kDs).base, 0x20000u);
}

TEST_F(Programs, RealModeFarCallAndReturn) {
  // call far 0x0200:0x0010; hlt        target (linear 0x2010): mov bx, 7; retf
  real16({0x9A, 0x10, 0x00, 0x00, 0x02, 0xF4});
  place({0xBB, 0x07, 0x00, 0xCB}, 0x2010);
  runToHalt();
  EXPECT_EQ(cpu.reg(kEbx) & 0xFFFF, 7u);
  EXPECT_EQ(cpu.eip(), kCode + 6u);
  EXPECT_EQ(cpu.reg(kEsp) & 0xFFFF, 0x8000u);
}

// The demo guest (emu/cli/demo/sieve.c, gcc -m32 -O2): pi(100000) = 9592 primes, and the same run
// twice gives the same instruction and cycle counts (time is the cycle counter only).
TEST_F(Programs, DemoSieveCountsPrimesDeterministically) {
  uint64_t counts[2][2];
  for (int k = 0; k < 2; ++k) {
    FlatRamBus ram(8u << 20);
    mmu::Mmu m(ram);
    Cpu c(ram, m);
    ASSERT_TRUE(ram.load(0x100000, kSieveImage, kSieveImage_size));
    c.enterFlatProtectedMode();
    c.setEip(0x100000);
    c.setReg(kEsp, 0x400000);
    c.setReg(kEbx, 1);
    RunResult r = c.run(100'000'000);
    ASSERT_EQ(r.reason, StopReason::kHaltInterruptsOff);
    EXPECT_EQ(c.reg(kEax), 9592u);
    counts[k][0] = c.instructions();
    counts[k][1] = c.cycles();
  }
  EXPECT_EQ(counts[0][0], counts[1][0]);
  EXPECT_EQ(counts[0][1], counts[1][1]);
}

}  // namespace
}  // namespace emu::test
