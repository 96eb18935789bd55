// Virtual-8086 mode: entering by IRET from CPL 0 and by a task switch, 8086 addressing at CPL 3,
// the IOPL-sensitive instructions, the interrupt frame out to ring 0, I/O through the bitmap and
// paging of the V86 address space ([386PRM] chapter 15).
#include "tests/cpu/cpu_fixture.h"

namespace emu::test {
namespace {

class V86 : public CpuTest {
 protected:
  // The 8086 program's segments: code at 0800:0010 (linear 0x8010), stack 0900:0100, data
  // 0A00, 0B00, 0C00, 0D00 (ES DS FS GS are told apart by their selectors).
  static constexpr uint16_t kV86Cs = 0x0800, kV86Ss = 0x0900, kV86Ds = 0x0A00, kV86Es = 0x0B00,
                            kV86Fs = 0x0C00, kV86Gs = 0x0D00;
  static constexpr uint32_t kV86Ip = 0x10, kV86Sp = 0x100;
  static constexpr uint32_t kHandler = 0x1200;

  // Ring 0 IRETs into the 8086 program `code` with EFLAGS = VM | IOPL `iopl` | bit 1 from a frame
  // of EIP CS EFLAGS ESP SS ES DS FS GS ([386PRM] 15.3.3 figure 15-3).
  void enter(std::initializer_list<uint8_t> code, unsigned iopl = 0) {
    protectedMode({0xCF});  // iret
    uint32_t frame[9] = {kV86Ip, kV86Cs, flag::kVm | (iopl << 12) | 0x2,
                         kV86Sp, kV86Ss, kV86Es,
                         kV86Ds, kV86Fs, kV86Gs};
    for (unsigned k = 0; k < 9; ++k) bus.poke32(kStack - 36 + 4 * k, frame[k]);
    cpu.setReg(kEsp, kStack - 36);
    place(code, kV86Cs * 16 + kV86Ip);
  }
};

// The IRET lands in V86 mode at CPL 3 with 8086 segments; `mov ax,[0x10]` reads DS*16 + 0x10;
// HLT is privileged (#GP(0)) and the exception leaves through the ring-0 interrupt gate with
// GS FS DS ES SS ESP EFLAGS CS EIP and the error code on the ring-0 stack, DS ES FS GS nulled
// and VM clear ([386PRM] 15.3.1 figure 15-2).
TEST_F(V86, IretEntersAndAnExceptionLeaves) {
  enter({0xA1, 0x10, 0x00,  // mov ax, [0x10]
         0xF4});            // hlt
  bus.write(kV86Ds * 16 + 0x10, 0xBEEF, 2);
  steps(2);
  EXPECT_TRUE(cpu.v86Mode());
  EXPECT_EQ(cpu.cpl(), 3);
  EXPECT_EQ(cpu.segment(kCs).base, kV86Cs * 16u);
  EXPECT_EQ(cpu.segment(kCs).limit, 0xFFFFu);
  EXPECT_EQ(cpu.segment(kSs).base, kV86Ss * 16u);
  EXPECT_EQ(cpu.segment(kGs).base, kV86Gs * 16u);
  EXPECT_EQ(cpu.reg(kEsp), kV86Sp);
  EXPECT_EQ(cpu.eip(), kV86Ip + 3);
  EXPECT_EQ(cpu.reg(kEax) & 0xFFFF, 0xBEEFu);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_FALSE(cpu.v86Mode());
  EXPECT_EQ(cpu.cpl(), 0);
  EXPECT_EQ(cpu.reg(kEsp), kRing0Stack - 40);
  const uint32_t expect[10] = {0,      kV86Ip + 3, kV86Cs, flag::kVm | 0x2, kV86Sp,
                               kV86Ss, kV86Es,     kV86Ds, kV86Fs,          kV86Gs};
  for (unsigned k = 0; k < 10; ++k) EXPECT_EQ(stack(k), expect[k]) << "frame dword " << k;
  for (SegReg s : {kEs, kDs, kFs, kGs}) EXPECT_EQ(cpu.segment(s).selector, 0) << int(s);
}

// Below IOPL 3, CLI STI PUSHF POPF INT n and IRET are #GP(0) in V86 mode, at the instruction
// ([386PRM] 15.2.7.1).
class V86Sensitive : public V86, public ::testing::WithParamInterface<std::vector<uint8_t>> {};
TEST_P(V86Sensitive, IsGpBelowIopl3) {
  enter({});
  std::vector<uint8_t> code = GetParam();
  bus.load(kV86Cs * 16 + kV86Ip, code.data(), code.size());
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(stack(0), 0u);
  EXPECT_EQ(stack(1), kV86Ip);
  EXPECT_EQ(stack(3), flag::kVm | 0x2);
  EXPECT_EQ(stack(4), kV86Sp);
}
INSTANTIATE_TEST_SUITE_P(Instructions, V86Sensitive,
                         ::testing::Values(std::vector<uint8_t>{0xFA},        // cli
                                           std::vector<uint8_t>{0xFB},        // sti
                                           std::vector<uint8_t>{0x9C},        // pushf
                                           std::vector<uint8_t>{0x9D},        // popf
                                           std::vector<uint8_t>{0xCD, 0x21},  // int 0x21
                                           std::vector<uint8_t>{0xCF}));      // iret

// At IOPL 3 they run: CLI clears IF, PUSHF pushes FLAGS (IOPL 3, bit 1: 0x3002), INT 0x21 goes
// through a DPL 3 interrupt gate to ring 0 with the V86 frame (9 dwords, no error code), and the
// handler's 32-bit IRET at CPL 0 returns to V86 mode with the segments from the frame.
TEST_F(V86, Iopl3InterruptAndIretRoundTrip) {
  enter({0xFA,        // cli
         0x9C,        // pushf
         0x58,        // pop ax
         0xCD, 0x21,  // int 0x21
         0xF4},       // hlt
        3);
  gate(0x21, kHandler, 0xE, 3);
  place({0xCF}, kHandler);  // iret
  steps(5);                 // iret, cli, pushf, pop, int
  EXPECT_EQ(cpu.eip(), kHandler);
  EXPECT_EQ(cpu.reg(kEax) & 0xFFFF, 0x3002u);
  EXPECT_EQ(cpu.reg(kEsp), kRing0Stack - 36);
  const uint32_t expect[9] = {
      kV86Ip + 5, kV86Cs, flag::kVm | 0x3002, kV86Sp, kV86Ss, kV86Es, kV86Ds, kV86Fs, kV86Gs};
  for (unsigned k = 0; k < 9; ++k) EXPECT_EQ(stack(k), expect[k]) << "frame dword " << k;
  EXPECT_EQ(cpu.segment(kDs).selector, 0);
  steps(1);  // the handler's IRET
  EXPECT_TRUE(cpu.v86Mode());
  EXPECT_EQ(cpu.eip(), kV86Ip + 5);
  EXPECT_EQ(cpu.segment(kDs).selector, kV86Ds);
  EXPECT_EQ(cpu.segment(kDs).base, kV86Ds * 16u);
  EXPECT_EQ(cpu.reg(kEsp), kV86Sp);
}

// INT3 is not IOPL-sensitive: at IOPL 0 it goes through a DPL 3 gate ([386PRM] 15.2.7.1 names
// INT n only).
TEST_F(V86, Int3IsNotIoplSensitive) {
  enter({0xCC});  // int3
  gate(vec::kBp, kStubs + 16 * vec::kBp, 0xE, 3);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kBp);
  EXPECT_EQ(stack(0), kV86Ip + 1);
  EXPECT_EQ(stack(2), flag::kVm | 0x2);
}

// A gate whose handler is not a ring-0 non-conforming segment: #GP(its selector) ([386PRM] INT:
// INTERRUPT-FROM-V86-MODE).
TEST_F(V86, HandlerMustBeRing0) {
  enter({0xCC});
  gate(vec::kBp, kHandler, 0xE, 3, kCode3);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(stack(0), uint32_t{kCode3 & 0xFFFC});
  EXPECT_EQ(stack(1), kV86Ip);
}

// I/O in V86 mode consults the TSS's bitmap even at IOPL 3 ([386PRM] 15.2.8.1): port 0x80's bit
// clear, 0x81's set.
TEST_F(V86, IoUsesTheBitmapWhateverIopl) {
  enter({0xE4, 0x80,   // in al, 0x80
         0xE4, 0x81},  // in al, 0x81
        3);
  descriptor(kTssSel, kTss, 0x68 + 0x20, 0x8B, 0);
  Segment tr = cpu.tr();
  tr.limit = 0x68 + 0x20;  // a bitmap for ports 0-255 and the byte after it
  cpu.setTr(tr);
  for (uint32_t k = 0; k < 0x20; ++k) bus.write(kTss + 0x68 + k, 0xFF, 1);
  bus.write(kTss + 0x68 + 0x80 / 8, 0xFE, 1);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(stack(1), kV86Ip + 2);
  ASSERT_EQ(bus.ioReads().size(), 1u);
  EXPECT_EQ(bus.ioReads()[0], 0x80);
}

// Paging applies to the V86 address space with CPL 3's user rights: ES's page remapped reads the
// other frame; DS's page made supervisor-only faults with a user read error code (P|U = 5) and
// CR2 the linear address ([386PRM] 15.2.4).
TEST_F(V86, PagingTranslatesUserAccesses) {
  enter({0x26, 0xA1, 0x00, 0x00,    // mov ax, es:[0]
         0x8B, 0x1E, 0x10, 0x00});  // mov bx, [0x10]
  pagingIdentity4M();
  bus.poke32(kPageTable + 4 * (kV86Es * 16 >> 12), 0x300000 | 7);
  bus.write(0x300000, 0x4321, 2);
  bus.poke32(kPageTable + 4 * (kV86Ds * 16 >> 12), (kV86Ds * 16) | 3);
  runToHalt();
  EXPECT_EQ(cpu.reg(kEax) & 0xFFFF, 0x4321u);
  EXPECT_EQ(stubVector(), vec::kPf);
  EXPECT_EQ(stack(0), 5u);
  EXPECT_EQ(cpu.cr2(), kV86Ds * 16u + 0x10);
  EXPECT_EQ(stack(1), kV86Ip + 4);
}

// An offset beyond 64 KB (a 32-bit address) is outside the segment: #GP(0) ([386PRM] 15.1.3).
TEST_F(V86, OffsetBeyond64KIsGp) {
  enter({0x66, 0x67, 0xA1, 0x00, 0x00, 0x01, 0x00});  // mov eax, [dword 0x10000]
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(stack(0), 0u);
  EXPECT_EQ(stack(1), kV86Ip);
}

// The protected-mode-only instructions are #UD in V86 mode ([386PRM] 15.2.6).
TEST_F(V86, SldtIsUd) {
  enter({0x0F, 0x00, 0xC0});  // sldt ax
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kUd);
  EXPECT_EQ(stack(0), kV86Ip);
}

// A task switch to a TSS whose EFLAGS has VM set enters V86 mode ([386PRM] 15.3.3); its exceptions
// take the ring-0 stack from that TSS's SS0:ESP0.
TEST_F(V86, TaskSwitchEntersV86) {
  protectedMode({0xEA, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00});  // jmp far 0x40:0
  cpu.setGdtr(DescriptorTable{kGdt, 0x47});
  descriptor(kTssSel, kTss, 0x67, 0x8B, 0x0);
  constexpr uint32_t kTssB = 0x5000, kStackB = 0x98000;
  descriptor(0x40, kTssB, 0x67, 0x89, 0x0);
  bus.poke32(kTssB + 0x04, kStackB);  // ESP0
  bus.poke32(kTssB + 0x08, kData0);   // SS0
  bus.poke32(kTssB + 0x20, kV86Ip);
  bus.poke32(kTssB + 0x24, flag::kVm | 0x2);
  bus.poke32(kTssB + 0x38, kV86Sp);
  const uint32_t sel[6] = {kV86Es, kV86Cs, kV86Ss, kV86Ds, kV86Fs, kV86Gs};
  for (unsigned s = 0; s < 6; ++s) bus.poke32(kTssB + 0x48 + 4 * s, sel[s]);
  place({0xF4}, kV86Cs * 16 + kV86Ip);  // hlt
  steps(1);
  EXPECT_TRUE(cpu.v86Mode());
  EXPECT_EQ(cpu.cpl(), 3);
  EXPECT_EQ(cpu.segment(kCs).base, kV86Cs * 16u);
  EXPECT_EQ(cpu.segment(kFs).base, kV86Fs * 16u);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(cpu.reg(kEsp), kStackB - 40);
  EXPECT_EQ(stack(1), kV86Ip);
  EXPECT_EQ(stack(9), kV86Gs);
}

}  // namespace
}  // namespace emu::test
