// Corner cases of the 80386 that an outside CPU test ROM found: POP SS and the old stack size,
// multi-write instructions that fault against paging with nothing written (no D bit either),
// ENTER's check of the final stack top and its frame pointer on a 16-bit stack, RCL/RCR's OF for
// counts above 1, and ARPL on a read-only segment. Frame layouts: [386PRM] 9.6 figure 9-5; #PF
// error codes: [386PRM] 9.8.14 (bit 0 present, bit 1 write, bit 2 user).
#include "tests/cpu/cpu_fixture.h"

namespace emu::test {
namespace {

class Corners : public CpuTest {
 protected:
  uint32_t pte(uint32_t page) { return bus.peek32(kPageTable + 4 * page); }
  void unmap(uint32_t page) { bus.poke32(kPageTable + 4 * page, 0); }
  static constexpr uint32_t kDirty = 0x40;  // PTE D bit ([386PRM] 5.2.4.4)
};

// ---- POP SS --------------------------------------------------------------------------------

TEST_F(Corners, PopSsMovesTheOldStacksPointer) {
  // 16-bit SS, ESP = 0x20000: `push dword 0x10` writes at SP = 0xFFFC (ESP = 0x2FFFC) and
  // `pop ss` loads the 32-bit data segment. The pop is made on the old (16-bit) stack, so SP
  // wraps back to 0 and ESP's high half stays: 0x20000 ([386PRM] POP: the operand is read and
  // the stack pointer incremented by the old stack's address size before SS changes).
  protectedMode({0x68, 0x10, 0x00, 0x00, 0x00, 0x17, 0xF4});  // push dword 0x10; pop ss; hlt
  ASSERT_TRUE(cpu.loadSegment(kSs, kData16));
  cpu.setReg(kEsp, 0x20000);
  steps(2);
  EXPECT_EQ(cpu.segment(kSs).selector, kData0);
  EXPECT_EQ(cpu.reg(kEsp), 0x20000u);
}

TEST_F(Corners, PopSsFromA32BitStackToA16BitOne) {
  // The other way: the old stack is 32-bit, so all of ESP moves by 4 (0x1FFFC -> 0x20000).
  protectedMode({0x68, 0x38, 0x00, 0x00, 0x00, 0x17, 0xF4});  // push dword 0x38; pop ss
  cpu.setReg(kEsp, 0x20000);
  steps(2);
  EXPECT_EQ(cpu.segment(kSs).selector, kData16);
  EXPECT_EQ(cpu.reg(kEsp), 0x20000u);
}

// ---- all-or-nothing writes against paging --------------------------------------------------

TEST_F(Corners, EnterFaultsOnTheFinalStackTop) {
  // ring 3, ESP = 0x3FF010, page 0x3FE missing: `enter 0x200, 0` would push EBP at 0x3FF00C
  // (present) and leave ESP = 0x3FEE0C (missing). The 386 checks the final stack top for
  // writing, so ENTER faults with CR2 = 0x3FEE0C, error 6 (not present, write, user), and
  // changes nothing: no register, no memory, no D bit on the page of the pushed EBP.
  protectedMode({0xC8, 0x00, 0x02, 0x00});
  pagingIdentity4M();
  ring3();
  unmap(0x3FE);
  cpu.setReg(kEsp, 0x3FF010);
  cpu.setReg(kEbp, 0x12345678);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kPf);
  EXPECT_EQ(cpu.cr2(), 0x3FEE0Cu);
  EXPECT_EQ(stack(0), 6u);
  EXPECT_EQ(stack(1), kCode);      // the faulting ENTER
  EXPECT_EQ(stack(4), 0x3FF010u);  // the user ESP, unchanged
  EXPECT_EQ(cpu.reg(kEbp), 0x12345678u);
  EXPECT_EQ(bus.peek32(0x3FF00C), 0u);
  EXPECT_EQ(pte(0x3FF) & kDirty, 0u);
}

TEST_F(Corners, EnterWithThePageBelowPresentSucceeds) {
  // The same ENTER with every page present: EBP pushed at 0x3FF00C, EBP = 0x3FF00C, ESP =
  // 0x3FF00C - 0x200 = 0x3FEE0C ([386PRM] ENTER with level 0).
  protectedMode({0xC8, 0x00, 0x02, 0x00, 0xF4});
  pagingIdentity4M();
  ring3();
  cpu.setReg(kEsp, 0x3FF010);
  cpu.setReg(kEbp, 0x12345678);
  steps(1);
  EXPECT_EQ(cpu.reg(kEsp), 0x3FEE0Cu);
  EXPECT_EQ(cpu.reg(kEbp), 0x3FF00Cu);
  EXPECT_EQ(bus.peek32(0x3FF00C), 0x12345678u);
}

TEST_F(Corners, CrossingWriteSetsNoDirtyBitWhenTheSecondPageFaults) {
  // mov [0x3FFFFE], eax with page 0x400 missing: #PF with CR2 = 0x400000 (the second page),
  // nothing stored, and page 0x3FF's PTE gets no D bit (its A bit may be set by the walk).
  protectedMode({0x89, 0x05, 0xFE, 0xFF, 0x3F, 0x00});
  pagingIdentity4M();  // 0x400000 and above: no page table
  cpu.setReg(kEax, 0xAABBCCDD);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kPf);
  EXPECT_EQ(cpu.cr2(), 0x400000u);
  EXPECT_EQ(stack(0), 2u);  // not present, write, supervisor
  EXPECT_EQ(bus.read(0x3FFFFE, 2), 0u);
  EXPECT_EQ(pte(0x3FF) & kDirty, 0u);
}

TEST_F(Corners, PushaFaultSetsNoDirtyBit) {
  // ring 3 PUSHAD with ESP = 0x3FF010: the frame 0x3FEFF0..0x3FF00F crosses into the missing
  // page 0x3FE. CR2 = the lowest address written (0x3FEFF0); the upper page is neither written
  // nor marked dirty.
  protectedMode({0x60});
  pagingIdentity4M();
  ring3();
  unmap(0x3FE);
  cpu.setReg(kEsp, 0x3FF010);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kPf);
  EXPECT_EQ(cpu.cr2(), 0x3FEFF0u);
  EXPECT_EQ(stack(0), 6u);
  EXPECT_EQ(pte(0x3FF) & kDirty, 0u);
}

TEST_F(Corners, FarCallFrameFaultSetsNoDirtyBit) {
  // ring 3 `call far kCode3:0x2000` with ESP = 0x3FF004: the 8-byte frame 0x3FEFFC..0x3FF003
  // crosses into the missing page 0x3FE: #PF, CR2 = 0x3FEFFC, nothing written, no D bit.
  protectedMode({0x9A, 0x00, 0x20, 0x00, 0x00, kCode3, 0x00});
  pagingIdentity4M();
  ring3();
  unmap(0x3FE);
  cpu.setReg(kEsp, 0x3FF004);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kPf);
  EXPECT_EQ(cpu.cr2(), 0x3FEFFCu);
  EXPECT_EQ(stack(0), 6u);
  EXPECT_EQ(stack(4), 0x3FF004u);
  EXPECT_EQ(bus.peek32(0x3FF000), 0u);
  EXPECT_EQ(pte(0x3FF) & kDirty, 0u);
}

TEST_F(Corners, InterruptFrameFaultSetsNoDirtyBit) {
  // ring 3 `int 0x40` through a DPL 3 gate whose ring-0 stack (ESP0 = 0x3FF008) leaves the
  // 20-byte frame 0x3FEFF4..0x3FF007 crossing into the missing page 0x3FE. The #PF that
  // delivery raises needs the same stack (its 24-byte frame with the error code faults at
  // 0x3FEFF0, the last CR2), then #DF, then a triple fault ([386PRM] 9.8.8); what matters here
  // is that the upper page was neither written nor dirtied by any of the three frames.
  protectedMode({0xCD, 0x40});
  gate(0x40, kStubs + 16 * 0x40, 0xE, 3);
  pagingIdentity4M();
  ring3();
  unmap(0x3FE);
  bus.poke32(kTss + 4, 0x3FF008);  // ESP0
  cpu.setReg(kEsp, 0x70000);
  RunResult r = cpu.run(10);
  EXPECT_EQ(r.reason, StopReason::kTripleFault);
  EXPECT_EQ(cpu.cr2(), 0x3FEFF0u);
  EXPECT_EQ(bus.peek32(0x3FF004), 0u);
  EXPECT_EQ(pte(0x3FF) & kDirty, 0u);
}

// ---- ENTER's frame pointer -------------------------------------------------------------------

TEST_F(Corners, O32EnterOnA16BitStackLoadsAllOfEbp) {
  // [386PRM] ENTER: "IF OperandSize = 16 THEN Push(BP) ELSE Push(EBP)", frame-ptr := eSP,
  // "IF OperandSize = 16 THEN BP := frame-ptr ELSE EBP := frame-ptr", then SP -= size on a
  // 16-bit stack. With SS 16-bit, ESP = 0x12340100: EBP (4 bytes) is pushed at SP = 0xFC,
  // EBP = ESP = 0x123400FC, SP = 0xFC - 8 = 0xF4 (ESP's high half kept).
  protectedMode({0xC8, 0x08, 0x00, 0x00, 0xF4});  // enter 8, 0
  ASSERT_TRUE(cpu.loadSegment(kSs, kData16));
  cpu.setReg(kEsp, 0x12340100);
  cpu.setReg(kEbp, 0xAABBCCDD);
  steps(1);
  EXPECT_EQ(bus.peek32(0xFC), 0xAABBCCDDu);
  EXPECT_EQ(cpu.reg(kEbp), 0x123400FCu);
  EXPECT_EQ(cpu.reg(kEsp), 0x123400F4u);
}

TEST_F(Corners, O16EnterOnA32BitStackLoadsBpOnly) {
  // The same pseudo-code with OperandSize = 16 on a 32-bit stack: BP (2 bytes) pushed at
  // 0x7FFFE, BP := 0xFFFE (EBP's high half kept), ESP = 0x7FFFE - 8 = 0x7FFF6.
  protectedMode({0x66, 0xC8, 0x08, 0x00, 0x00, 0xF4});  // o16 enter 8, 0
  cpu.setReg(kEsp, 0x80000);
  cpu.setReg(kEbp, 0xAABBCCDD);
  steps(1);
  EXPECT_EQ(bus.read(0x7FFFE, 2), 0xCCDDu);
  EXPECT_EQ(cpu.reg(kEbp), 0xAABBFFFEu);
  EXPECT_EQ(cpu.reg(kEsp), 0x7FFF6u);
}

// ---- RCL/RCR: the 80386's OF for counts above 1 ----------------------------------------------
// Expected values: test386.asm's EE reference (test386-EE-reference.txt, lines "C0 RCL B" and
// "C0 RCR B": `rcl al,7` / `rcr al,7` with CF = 1) and its POST E0 test (rotate386FlagsTest,
// checked on a real 386). RCL: OF = CF XOR result bit 7; RCR: OF = result bit 7 XOR bit 6.

struct RotateCase {
  uint8_t op;     // modrm: 0xD0 = rcl al, 0xD8 = rcr al (C0 /2, C0 /3)
  uint8_t count;  // imm8
  uint32_t al, cfIn, ofIn;
  uint32_t result, flags;  // AL, and CF|OF after
};

TEST_F(Corners, RclRcrOverflowAsThe386ComputesIt) {
  const RotateCase cases[] = {
      // EE reference, `stc; rcl al,7`:
      {0xD0, 7, 0x01, 1, 0, 0xC0, flag::kOf},              // PS 0844
      {0xD0, 7, 0x02, 1, 0, 0x40, flag::kCf | flag::kOf},  // PS 0845 (QEMU: OF = 0)
      {0xD0, 7, 0x7E, 1, 0, 0x5F, flag::kCf | flag::kOf},  // PS 0845
      {0xD0, 7, 0x7F, 1, 0, 0xDF, flag::kCf},              // PS 0045
      // EE reference, `stc; rcr al,7`:
      {0xD8, 7, 0x7E, 1, 0, 0xFA, flag::kCf},  // PS 0045 (QEMU: OF = 1)
      {0xD8, 7, 0x7F, 1, 0, 0xFE, flag::kCf},  // PS 0045
      {0xD8, 7, 0x80, 1, 0, 0x03, 0},          // PS 0044 (QEMU: OF = 1)
      // POST E0: byte counts of 9 rotate the value back whole but set CF and OF.
      {0xD8, 9, 0x00, 1, 1, 0x00, flag::kCf},
      {0xD8, 9, 0x40, 0, 0, 0x40, flag::kOf},
      {0xD8, 9, 0x40, 1, 1, 0x40, flag::kCf | flag::kOf},
      {0xD0, 9, 0x00, 1, 1, 0x00, flag::kCf | flag::kOf},
      {0xD0, 9, 0x80, 0, 0, 0x80, flag::kOf},
      {0xD0, 9, 0x80, 1, 1, 0x80, flag::kCf},
  };
  for (const RotateCase& t : cases) {
    flat32({0xC0, t.op, t.count, 0xF4});
    cpu.flushDecodedCode();  // the same address holds another instruction each time
    cpu.setReg(kEax, t.al);
    cpu.setEflags((t.cfIn ? flag::kCf : 0) | (t.ofIn ? flag::kOf : 0));
    steps(1);
    EXPECT_EQ(cpu.reg(kEax), t.result) << std::hex << int{t.op} << " " << t.al;
    EXPECT_EQ(cpu.eflags() & (flag::kCf | flag::kOf), t.flags)
        << std::hex << int{t.op} << " " << t.al << " " << int{t.count};
  }
}

TEST_F(Corners, RclRcrWordCountSeventeen) {
  // POST E0, word operands: a count of 17 brings the value back and sets CF and OF.
  const RotateCase cases[] = {
      {0xD0, 17, 0x8000, 0, 0, 0x8000, flag::kOf},
      {0xD0, 17, 0x8000, 1, 1, 0x8000, flag::kCf},
      {0xD8, 17, 0x4000, 0, 0, 0x4000, flag::kOf},
      {0xD8, 17, 0x0000, 1, 1, 0x0000, flag::kCf},
  };
  for (const RotateCase& t : cases) {
    flat32({0x66, 0xC1, t.op, t.count, 0xF4});
    cpu.flushDecodedCode();
    cpu.setReg(kEax, t.al);
    cpu.setEflags((t.cfIn ? flag::kCf : 0) | (t.ofIn ? flag::kOf : 0));
    steps(1);
    EXPECT_EQ(cpu.reg(kEax), t.result);
    EXPECT_EQ(cpu.eflags() & (flag::kCf | flag::kOf), t.flags) << std::hex << t.al;
  }
}

// ---- ARPL ------------------------------------------------------------------------------------

TEST_F(Corners, ArplWithoutChangeOnAReadOnlySegmentDoesNotFault) {
  // DS = a read-only data segment (access 0x90); [0x6000] = 0x0013 (RPL 3), CX = 1 (RPL 1):
  // no adjustment, so no write and no #GP; ZF = 0 ([386PRM] ARPL).
  protectedMode({0x63, 0x0D, 0x00, 0x60, 0x00, 0x00, 0xF4});  // arpl [0x6000], cx; hlt
  descriptor(0x40, 0, 0xFFFFF, 0x90, 0xC);
  cpu.setGdtr(DescriptorTable{kGdt, 0x47});
  ASSERT_TRUE(cpu.loadSegment(kDs, 0x40));
  bus.write(0x6000, 0x13, 2);
  cpu.setReg(kEcx, 1);
  cpu.setEflags(flag::kZf);
  runToHalt();
  EXPECT_EQ(stubVector(), -1);
  EXPECT_EQ(cpu.eflags() & flag::kZf, 0u);
  EXPECT_EQ(bus.read(0x6000, 2), 0x13u);
}

TEST_F(Corners, ArplThatMustWriteAReadOnlySegmentIsGp) {
  // [0x6000] = 0x0010 (RPL 0), CX = 3: the RPL must change, the segment is not writable:
  // #GP(0), memory and ZF unchanged.
  protectedMode({0x63, 0x0D, 0x00, 0x60, 0x00, 0x00, 0xF4});
  descriptor(0x40, 0, 0xFFFFF, 0x90, 0xC);
  cpu.setGdtr(DescriptorTable{kGdt, 0x47});
  ASSERT_TRUE(cpu.loadSegment(kDs, 0x40));
  bus.write(0x6000, 0x10, 2);
  cpu.setReg(kEcx, 3);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(stack(0), 0u);
  EXPECT_EQ(bus.read(0x6000, 2), 0x10u);
  EXPECT_EQ(stack(3) & flag::kZf, 0u);  // EFLAGS pushed: ZF as before (clear)
}

}  // namespace
}  // namespace emu::test
