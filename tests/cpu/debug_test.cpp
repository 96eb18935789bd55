// Debug registers: DR0-DR3 breakpoints armed by DR7, DR6's status bits and #DB ([386PRM] 12),
// a guest's own debugger (programs/debug_registers.S), and a host debugger's data watches, which
// the guest never sees.
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/cpu/cpu_fixture.h"

namespace emu::test {
namespace {

using DebugRegisters = CpuTest;

TEST_F(DebugRegisters, GuestDebuggerProgram) {
  std::ifstream f(std::string(XRAY86_CPU_PROGRAMS) + "/debug_registers.bin", std::ios::binary);
  std::vector<uint8_t> image{std::istreambuf_iterator<char>(f), {}};
  ASSERT_GT(image.size(), 64u);
  protectedMode({0xF4});
  ASSERT_TRUE(bus.load(0x7C00, image.data(), image.size()));
  cpu.setEip(0x7C00);
  runToHalt();
  // The program's table at 0x7C08: the labels' addresses, as the assembler placed them.
  uint32_t target = bus.peek32(0x7C08), afterWrite = bus.peek32(0x7C0C),
           afterRead = bus.peek32(0x7C10), count = bus.peek32(0x7C14), word = bus.peek32(0x7C18);
  // Three #DB, no more: the execute breakpoint before `target` (B0, EIP on it: a fault), the
  // write breakpoint after the store (B1, EIP after it: a trap), the read/write breakpoint after
  // the read of its second byte (B2); the read of the write breakpoint's dword and the read of
  // the byte past the 2-byte one met nothing.
  EXPECT_EQ(bus.peek32(0x7E00), 3u);
  EXPECT_EQ(bus.peek32(0x7E04), 0x1u);
  EXPECT_EQ(bus.peek32(0x7E08), target);
  EXPECT_EQ(bus.peek32(0x7E0C), 0x2u);
  EXPECT_EQ(bus.peek32(0x7E10), afterWrite);
  EXPECT_EQ(bus.peek32(0x7E14), 0x4u);
  EXPECT_EQ(bus.peek32(0x7E18), afterRead);
  // RF let the instruction at `target` run once after its #DB; the trapped store happened.
  EXPECT_EQ(bus.peek32(count), 1u);
  EXPECT_EQ(bus.read(word + 2, 1), 0x5Au);
  EXPECT_EQ(cpu.dr(7), 0u);
}

TEST_F(DebugRegisters, MovDrAtCpl3IsGeneralProtection) {
  protectedMode({0x0F, 0x21, 0xF8, 0xF4});  // mov eax, dr7; hlt
  ring3();
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(stack(0), 0u);     // error code 0
  EXPECT_EQ(stack(1), kCode);  // the MOV, not run
}

TEST_F(DebugRegisters, DataBreakpointOnAPageTheTlbHolds) {
  // mov eax, [0x6000]; mov [0x6004], eax; mov [0x6001], al; hlt -- under paging, after the read
  // has put the page in the TLB: the store is still seen (the page has no host shortcut).
  protectedMode({0xA1, 0x00, 0x60, 0x00, 0x00, 0xA3, 0x04, 0x60, 0x00, 0x00, 0xA2, 0x01, 0x60, 0x00,
                 0x00, 0xF4});
  pagingIdentity4M();
  cpu.setDr(1, 0x6000);
  cpu.setDr(7, 0x00D00004);  // L1, R/W1 01 write, LEN1 11: 0x6000-0x6003
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kDb);
  EXPECT_EQ(stack(0), kCode + 15);  // after the third instruction: a trap
  EXPECT_EQ(cpu.dr(6) & 0x400F, 0x2u);
  // The three, then the #DB stub's HLT: the first #DB came after the third (the read and the
  // store to 0x6004 met nothing).
  EXPECT_EQ(cpu.instructions(), 4u);
}

TEST_F(DebugRegisters, SingleStepAndDataBreakpointInOneDebugException) {
  // mov [0x6000], eax; hlt with TF set: one #DB with BS and B0.
  protectedMode({0xA3, 0x00, 0x60, 0x00, 0x00, 0xF4});
  cpu.setDr(0, 0x6000);
  cpu.setDr(7, 0x000D0001);  // L0, R/W0 01 write, LEN0 11: 0x6000-0x6003
  cpu.setEflags(cpu.eflags() | flag::kTf);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kDb);
  EXPECT_EQ(stack(0), kCode + 5);
  EXPECT_EQ(cpu.dr(6) & 0x400F, 0x4001u);
}

TEST_F(DebugRegisters, HostWatchIsNotSeenByTheGuest) {
  // mov eax, [0x6000]; mov [0x6000], eax; hlt with a debugger's read watch on 0x6000.
  protectedMode({0xA1, 0x00, 0x60, 0x00, 0x00, 0xA3, 0x00, 0x60, 0x00, 0x00, 0xF4});
  Cpu::DataWatch w;
  w.address = 0x6000;
  w.length = 4;
  w.readsOnly = true;
  ASSERT_TRUE(cpu.setDataWatches({w}));
  steps(1);
  EXPECT_EQ(cpu.takeWatchHit(), std::optional<uint32_t>(0x6000));
  EXPECT_EQ(cpu.takeWatchHit(), std::nullopt);  // given once
  steps(1);
  EXPECT_EQ(cpu.takeWatchHit(), std::nullopt);  // a write: not a read watch's
  runToHalt();
  EXPECT_EQ(cpu.eip(), kCode + 11);   // the program's own HLT: no #DB
  EXPECT_EQ(cpu.dr(6), 0xFFFF0FF0u);  // DR6 as reset left it
  // Seventeen pages are more than the MMU's slow list holds (4 kept for DR0-DR3).
  std::vector<Cpu::DataWatch> many(13, w);
  EXPECT_FALSE(cpu.setDataWatches(many));
}

}  // namespace
}  // namespace emu::test
