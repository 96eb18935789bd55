// String instructions with and without REP, both directions, 16-bit addressing, ports, and
// their cycle costs ([386PRM] REP MOVS 5 + 4n, REP STOS 5 + 5n).
#include <cstring>

#include "tests/cpu/cpu_fixture.h"

namespace emu::test {
namespace {

using namespace flag;

class Strings : public CpuTest {};

TEST_F(Strings, RepMovsdCopiesAndCosts) {
  flat32({0xF3, 0xA5});  // rep movsd
  for (uint32_t k = 0; k < 8; ++k) bus.poke32(0x6000 + 4 * k, 0x1000 + k);
  cpu.setReg(kEsi, 0x6000);
  cpu.setReg(kEdi, 0x7000);
  cpu.setReg(kEcx, 8);
  uint64_t c0 = cpu.cycles();
  steps(1);
  for (uint32_t k = 0; k < 8; ++k) EXPECT_EQ(bus.peek32(0x7000 + 4 * k), 0x1000 + k);
  EXPECT_EQ(cpu.reg(kEcx), 0u);
  EXPECT_EQ(cpu.reg(kEsi), 0x6020u);
  EXPECT_EQ(cpu.reg(kEdi), 0x7020u);
  EXPECT_EQ(cpu.cycles() - c0, 5u + 4 * 8);
}

TEST_F(Strings, OverlappingForwardCopyReplicates) {
  flat32({0xF3, 0xA4});  // rep movsb with EDI = ESI + 1: the first byte spreads
  bus.write(0x6000, 0xAB, 1);
  cpu.setReg(kEsi, 0x6000);
  cpu.setReg(kEdi, 0x6001);
  cpu.setReg(kEcx, 16);
  steps(1);
  for (uint32_t k = 0; k <= 16; ++k) EXPECT_EQ(bus.read(0x6000 + k, 1), 0xABu) << k;
}

TEST_F(Strings, RepStosBackwards) {
  flat32({0xFD, 0xF3, 0xAB});  // std; rep stosd
  cpu.setReg(kEax, 0x55AA55AA);
  cpu.setReg(kEdi, 0x700C);
  cpu.setReg(kEcx, 4);
  steps(2);
  for (uint32_t a = 0x7000; a <= 0x700C; a += 4) EXPECT_EQ(bus.peek32(a), 0x55AA55AAu);
  EXPECT_EQ(cpu.reg(kEdi), 0x6FFCu);
}

TEST_F(Strings, RepeCmpsStopsAtDifference) {
  flat32({0xF3, 0xA6});  // repe cmpsb
  std::memcpy(bus.data() + 0x6000, "abcdef", 6);
  std::memcpy(bus.data() + 0x7000, "abcxef", 6);
  cpu.setReg(kEsi, 0x6000);
  cpu.setReg(kEdi, 0x7000);
  cpu.setReg(kEcx, 6);
  steps(1);
  EXPECT_EQ(cpu.reg(kEcx), 2u);  // stopped after comparing the 4th byte
  EXPECT_EQ(cpu.reg(kEsi), 0x6004u);
  EXPECT_EQ(arith() & kZf, 0u);
  EXPECT_EQ(arith() & kCf, kCf);  // 'd' < 'x'
}

TEST_F(Strings, RepneScasFindsByte) {
  flat32({0xF2, 0xAE});  // repne scasb
  std::memcpy(bus.data() + 0x7000, "hello\0", 6);
  cpu.setReg(kEax, 0);
  cpu.setReg(kEdi, 0x7000);
  cpu.setReg(kEcx, 0xFFFFFFFF);
  steps(1);
  EXPECT_EQ(cpu.reg(kEdi), 0x7006u);  // one past the NUL
  EXPECT_EQ(cpu.reg(kEcx), 0xFFFFFFFFu - 6);
  EXPECT_EQ(arith() & kZf, kZf);
}

TEST_F(Strings, LodsAndZeroCount) {
  flat32({0xAD, 0xF3, 0xA4});  // lodsd; rep movsb with ECX = 0
  bus.poke32(0x6000, 0xDEADBEEF);
  cpu.setReg(kEsi, 0x6000);
  cpu.setReg(kEcx, 0);
  cpu.setReg(kEdi, 0x7000);
  steps(2);
  EXPECT_EQ(cpu.reg(kEax), 0xDEADBEEFu);
  EXPECT_EQ(cpu.reg(kEsi), 0x6004u);
  EXPECT_EQ(cpu.reg(kEdi), 0x7000u);  // nothing moved
}

TEST_F(Strings, SixteenBitAddressingUsesSiDiCx) {
  flat32({0x67, 0xF3, 0xA4});  // rep movsb with CX/SI/DI
  bus.write(0x6000, 0x77, 1);
  cpu.setReg(kEsi, 0xFFFF6000);  // only SI = 0x6000 counts
  cpu.setReg(kEdi, 0xFFFF7000);
  cpu.setReg(kEcx, 0xFFFF0001);
  steps(1);
  EXPECT_EQ(bus.read(0x7000, 1), 0x77u);
  EXPECT_EQ(cpu.reg(kEcx), 0xFFFF0000u);
  EXPECT_EQ(cpu.reg(kEsi), 0xFFFF6001u);
}

TEST_F(Strings, InsAndOutsUsePorts) {
  flat32({0xF3, 0x6D, 0xF3, 0x6E});  // rep insd; rep outsb
  bus.setPortValue(0x12345678);
  cpu.setReg(kEdx, 0x1F0);
  cpu.setReg(kEdi, 0x7000);
  cpu.setReg(kEcx, 2);
  steps(1);
  EXPECT_EQ(bus.peek32(0x7000), 0x12345678u);
  EXPECT_EQ(bus.peek32(0x7004), 0x12345678u);
  EXPECT_EQ(bus.ioReads().size(), 2u);
  cpu.setReg(kEsi, 0x7000);
  cpu.setReg(kEcx, 3);
  steps(1);
  ASSERT_EQ(bus.ioWrites().size(), 3u);
  EXPECT_EQ(bus.ioWrites()[0].value, 0x78u);
  EXPECT_EQ(bus.ioWrites()[2].value, 0x34u);
  EXPECT_EQ(bus.ioWrites()[2].port, 0x1F0);
}

TEST_F(Strings, LongRepYieldsAndResumes) {
  flat32({0xF3, 0xAA, 0xF4});  // rep stosb over 100000 bytes; hlt
  cpu.setReg(kEax, 0x33);
  cpu.setReg(kEdi, 0x100000);
  cpu.setReg(kEcx, 100000);
  RunResult r = cpu.run(1000);
  EXPECT_EQ(r.reason, StopReason::kHaltInterruptsOff);
  EXPECT_EQ(cpu.reg(kEcx), 0u);
  EXPECT_EQ(bus.read(0x100000 + 99999, 1), 0x33u);
  EXPECT_EQ(bus.read(0x100000 + 100000, 1), 0u);
}

// REP MOVSD over three pages whose translations are not in the TLB: each page is translated by
// its first element (a walk, the TLB filled) and the rest of it copied as one run. Every count is
// what the element-by-element loop gives ([386PRM] REP MOVS 5 + 4n; mmu/cost_model.h):
//   cycles: 5 + 4 * 3072 for the instruction, and per page of source and of destination one walk
//     (kTlbMiss 9) and one PTE write-back (A for a read, A and D at once for a write; the PDE's A
//     is set in advance): 6 * (9 + 2) = 66;
//   TLB misses: 6, one per page; TLB hits: a read and a write per element but those 6 first
//     accesses (2 * 3072 - 6 = 6138), plus the fetch's 1 (the host pointer at block entry;
//     building the block at the REP MOVSD, which starts no block yet, takes its frame from that
//     host pointer and counts no hit of its own).
TEST_F(Strings, RepMovsdAcrossUntranslatedPagesCountsEveryElement) {
  constexpr uint32_t kDir = 0x10000, kTable = 0x11000;
  bus.poke32(kDir, kTable | 0x27);  // present, writable, user, accessed
  for (uint32_t page = 0; page < 0x40; ++page) {
    uint32_t accessed = page == kCode >> 12 ? 0x20 : 0;  // the code's page: A already set
    bus.poke32(kTable + 4 * page, (page << 12) | 0x7 | accessed);
  }
  flat32({0x90, 0xF3, 0xA5});  // nop; rep movsd
  for (uint32_t k = 0; k < 3072; ++k) bus.poke32(0x20000 + 4 * k, 0x5000000 + k);
  cpu.setCr3(kDir);
  cpu.setCr0(cpu.cr0() | mmu::kCr0Pg);
  steps(1);  // the nop: the code page is in the TLB
  cpu.setReg(kEsi, 0x20000);
  cpu.setReg(kEdi, 0x30000);
  cpu.setReg(kEcx, 3072);
  uint64_t c0 = cpu.cycles();
  mmu::MmuStats s0 = mmu.stats();
  steps(1);
  mmu::MmuStats s1 = mmu.stats();
  for (uint32_t k = 0; k < 3072; ++k) ASSERT_EQ(bus.peek32(0x30000 + 4 * k), 0x5000000 + k) << k;
  EXPECT_EQ(cpu.reg(kEcx), 0u);
  EXPECT_EQ(cpu.reg(kEsi), 0x23000u);
  EXPECT_EQ(cpu.reg(kEdi), 0x33000u);
  EXPECT_EQ(cpu.cycles() - c0, 5u + 4 * 3072 + 6 * (9 + 2));
  EXPECT_EQ(s1.tlbMisses - s0.tlbMisses, 6u);
  EXPECT_EQ(s1.tlbHits - s0.tlbHits, 2u * 3072 - 6 + 1);
  EXPECT_EQ(bus.peek32(kTable + 4 * 0x30) & 0x60, 0x60u);  // destination PTE: A and D
  EXPECT_EQ(bus.peek32(kTable + 4 * 0x20) & 0x60, 0x20u);  // source PTE: A only
}

}  // namespace
}  // namespace emu::test
