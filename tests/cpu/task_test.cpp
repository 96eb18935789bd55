// Hardware task switches: JMP and CALL to a TSS, INT and exceptions through a task gate, IRET
// with NT=1, the busy bits, the back link, CR3 and the LDT from the new TSS, CR0.TS, the T bit,
// 286 TSSs, and #TS/#NP/#GP with their error codes ([386PRM] chapter 7; SDM vol. 3A 7.3).
#include "tests/cpu/cpu_fixture.h"

namespace emu::test {
namespace {

class Tasks : public CpuTest {
 protected:
  static constexpr uint16_t kTssB = 0x40;       // a 386 TSS at kTssBBase
  static constexpr uint16_t kTaskGateB = 0x48;  // a task gate to kTssB, DPL 3
  static constexpr uint16_t kTss286 = 0x50;     // a 286 TSS at kTss286Base
  static constexpr uint16_t kExecOnly =
      0x58;                               // execute-only code: no data segment register takes it
  static constexpr uint16_t kLdt = 0x60;  // an LDT at kLdtBase, one data segment (0x0C)
  static constexpr uint32_t kTssBBase = 0x5000, kTss286Base = 0x5800, kLdtBase = 0x6800;
  static constexpr uint32_t kTaskBCode = 0x1300, kTaskBStack = 0x6000;

  // The fixture's machine with task A current (TSS at kTss, selector kTssSel, busy as LTR leaves
  // it) and task B ready in a 386 TSS: EIP kTaskBCode, EFLAGS 0x3 (CF), EAX..EDI 0xB0000000 + r
  // (ESP kTaskBStack), flat ring-0 segments, FS from the LDT.
  void setUp(std::initializer_list<uint8_t> code) {
    protectedMode(code);
    cpu.setGdtr(DescriptorTable{kGdt, 0x7F});
    descriptor(kTssSel, kTss, 0x67, 0x8B, 0x0);
    descriptor(kTssB, kTssBBase, 0x67, 0x89, 0x0);
    bus.poke32(kGdt + kTaskGateB, uint32_t{kTssB} << 16);
    bus.poke32(kGdt + kTaskGateB + 4, 0xE500);  // present, DPL 3, task gate
    descriptor(kTss286, kTss286Base, 0x2B, 0x81, 0x0);
    descriptor(kExecOnly, 0, 0xFFFFF, 0x98, 0xC);
    descriptor(kLdt, kLdtBase, 0x0F, 0x82, 0x0);
    bus.poke32(kLdtBase + 8, 0x0000FFFF);  // LDT entry 1: base 0x100000, 4 GB data
    bus.poke32(kLdtBase + 12, 0x00CF9210);
    uint32_t b = kTssBBase;
    bus.poke32(b + 0x20, kTaskBCode);
    bus.poke32(b + 0x24, 0x3);
    for (unsigned r = 0; r < 8; ++r) bus.poke32(b + 0x28 + 4 * r, 0xB0000000u + r);
    bus.poke32(b + 0x38, kTaskBStack);                            // ESP
    for (unsigned s : {0x48u, 0x54u}) bus.poke32(b + s, kData0);  // ES, DS
    bus.poke32(b + 0x4C, kCode0);
    bus.poke32(b + 0x50, kData0);
    bus.poke32(b + 0x58, 0x0C);  // FS: LDT entry 1
    bus.poke32(b + 0x5C, 0);     // GS null
    bus.poke32(b + 0x60, kLdt);
    place({0xF4}, kTaskBCode);
    for (unsigned r = 0; r < 8; ++r)
      if (r != kEsp) cpu.setReg(static_cast<Reg>(r), 0xA0000000u + r);
  }
  uint8_t access(uint16_t sel) { return static_cast<uint8_t>(bus.read(kGdt + sel + 5, 1)); }
  uint16_t word(uint32_t at) { return static_cast<uint16_t>(bus.read(at, 2)); }
};

// JMP to an available 386 TSS ([386PRM] 7.5): the old state saved in the old TSS, its busy bit
// cleared; the new task's registers, segments and LDT loaded, its TSS busy, no back link, NT
// clear; CR0.TS set; DR7's local enables (L0, bit 0) cleared, the global ones (G0, bit 1) kept.
TEST_F(Tasks, JmpToTssSwitchesTasks) {
  setUp({0xEA, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00});  // jmp far 0x40:0
  cpu.setDr(7, 0x403);
  runToHalt();
  EXPECT_EQ(cpu.eip(), kTaskBCode + 1);
  EXPECT_EQ(cpu.reg(kEax), 0xB0000000u);
  EXPECT_EQ(cpu.reg(kEdi), 0xB0000007u);
  EXPECT_EQ(cpu.reg(kEsp), kTaskBStack);
  EXPECT_EQ(cpu.eflags(), 0x3u);
  EXPECT_EQ(cpu.tr().selector, kTssB);
  EXPECT_EQ(cpu.tr().base, kTssBBase);
  EXPECT_EQ(access(kTssB), 0x8B);    // busy
  EXPECT_EQ(access(kTssSel), 0x89);  // available again
  EXPECT_EQ(word(kTssBBase), 0);     // no back link for a JMP
  EXPECT_EQ(cpu.cr0() & 0x8, 0x8u);  // CR0.TS
  EXPECT_EQ(cpu.dr(7), 0x402u);
  EXPECT_EQ(cpu.ldtr().selector, kLdt);
  EXPECT_EQ(cpu.segment(kFs).selector, 0x0C);
  EXPECT_EQ(cpu.segment(kFs).base, 0x100000u);
  EXPECT_EQ(cpu.segment(kGs).selector, 0);
  // Task A's state in its TSS: EIP after the 7-byte JMP, EFLAGS, registers, selectors.
  EXPECT_EQ(bus.peek32(kTss + 0x20), kCode + 7);
  EXPECT_EQ(bus.peek32(kTss + 0x24), 0x2u);
  EXPECT_EQ(bus.peek32(kTss + 0x28), 0xA0000000u);  // EAX
  EXPECT_EQ(bus.peek32(kTss + 0x38), kStack);       // ESP
  EXPECT_EQ(bus.peek32(kTss + 0x44), 0xA0000007u);  // EDI
  EXPECT_EQ(word(kTss + 0x4C), kCode0);
  EXPECT_EQ(word(kTss + 0x50), kData0);
}

// CALL to a TSS nests ([386PRM] 7.6): the new TSS's back link is the old TR, NT set, both tasks
// busy; the IRET in the new task (NT=1) returns to the old one, whose TSS supplies the state, and
// leaves the called task available, its saved EFLAGS without NT.
TEST_F(Tasks, CallToTssNestsAndIretReturns) {
  setUp({0x9A, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00,  // call far 0x40:0
         0xF4});                                    // hlt
  place({0xCF}, kTaskBCode);                        // iret
  steps(1);
  EXPECT_EQ(cpu.eip(), kTaskBCode);
  EXPECT_EQ(cpu.eflags(), 0x3u | flag::kNt);
  EXPECT_EQ(word(kTssBBase), kTssSel);  // back link
  EXPECT_EQ(access(kTssB), 0x8B);
  EXPECT_EQ(access(kTssSel), 0x8B);  // still busy: it is nested
  runToHalt();
  EXPECT_EQ(cpu.eip(), kCode + 8);
  EXPECT_EQ(cpu.tr().selector, kTssSel);
  EXPECT_EQ(cpu.reg(kEax), 0xA0000000u);
  EXPECT_EQ(cpu.reg(kEsp), kStack);
  EXPECT_EQ(cpu.eflags(), 0x2u);
  EXPECT_EQ(access(kTssB), 0x89);
  EXPECT_EQ(access(kTssSel), 0x8B);
  EXPECT_EQ(bus.peek32(kTssBBase + 0x20), kTaskBCode + 1);  // after B's IRET
  EXPECT_EQ(bus.peek32(kTssBBase + 0x24), 0x3u);            // NT cleared in the image
}

// INT n through a task gate in the IDT ([386PRM] INT: TASK-GATE): a nested switch, the return
// EIP saved in the old TSS is the next instruction.
TEST_F(Tasks, IntThroughTaskGate) {
  setUp({0xCD, 0x40,  // int 0x40
         0xF4});
  bus.poke32(kIdt + 0x40 * 8, uint32_t{kTssB} << 16);
  bus.poke32(kIdt + 0x40 * 8 + 4, 0x8500);  // present, DPL 0, task gate
  place({0xCF}, kTaskBCode);
  steps(1);
  EXPECT_EQ(cpu.tr().selector, kTssB);
  EXPECT_EQ(word(kTssBBase), kTssSel);
  EXPECT_EQ(bus.peek32(kTss + 0x20), kCode + 2);
  runToHalt();
  EXPECT_EQ(cpu.eip(), kCode + 3);
  EXPECT_EQ(cpu.tr().selector, kTssSel);
}

// An exception with an error code through a task gate: the faulting instruction's EIP is saved,
// and the error code is pushed on the new task's stack ([386PRM] INT: TASK-GATE, 9.6.2).
TEST_F(Tasks, ExceptionThroughTaskGatePushesErrorCode) {
  setUp({0x66, 0xB8, 0xF8, 0x07,  // mov ax, 0x7F8
         0x8E, 0xD8});            // mov ds, ax: beyond the GDT, #GP(0x7F8)
  bus.poke32(kIdt + vec::kGp * 8, uint32_t{kTssB} << 16);
  bus.poke32(kIdt + vec::kGp * 8 + 4, 0x8500);
  runToHalt();
  EXPECT_EQ(cpu.eip(), kTaskBCode + 1);
  EXPECT_EQ(cpu.reg(kEsp), kTaskBStack - 4);
  EXPECT_EQ(bus.peek32(kTaskBStack - 4), 0x7F8u);
  EXPECT_EQ(bus.peek32(kTss + 0x20), kCode + 4);  // the MOV DS that faulted
  EXPECT_EQ(word(kTssBBase), kTssSel);
  EXPECT_EQ(cpu.eflags() & flag::kNt, flag::kNt);
}

// With paging on, a 386 TSS brings its CR3; the load flushes the TLB as a MOV CR3 does, and the
// trace sees it as a CR3 write and a kCr3Write flush ([386PRM] 7.5 step 4; 5.2.5).
TEST_F(Tasks, SwitchLoadsCr3AndFlushesTheTlb) {
  struct Flushes : Observer {
    int cr3Flushes = 0, cr3Writes = 0;
    void onTlbFlush(const mmu::TlbFlush& f) override {
      if (f.kind == mmu::FlushKind::kCr3Write) ++cr3Flushes;
    }
    void onCr3Write(const mmu::Cr3Write&) override { ++cr3Writes; }
  } seen;
  setUp({0xEA, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00});
  pagingIdentity4M();
  constexpr uint32_t kDirB = 0x12000;  // a second page directory with the same page table
  bus.poke32(kDirB, kPageTable | 7);
  bus.poke32(kTssBBase + 0x1C, kDirB);
  cpu.events().attach(&seen);
  runToHalt();
  cpu.events().detach(&seen);
  EXPECT_EQ(cpu.cr3(), kDirB);
  EXPECT_EQ(seen.cr3Writes, 1);
  EXPECT_EQ(seen.cr3Flushes, 1);
  EXPECT_EQ(cpu.eip(), kTaskBCode + 1);
}

// A 286 TSS ([386PRM] 13.5): 16-bit IP, FLAGS and registers; the registers' upper halves read
// 0xFFFF (as QEMU and Bochs load them); FS and GS, which it lacks, null.
TEST_F(Tasks, JmpTo286Tss) {
  setUp({0xEA, 0x00, 0x00, 0x00, 0x00, 0x50, 0x00});  // jmp far 0x50:0
  uint32_t c = kTss286Base;
  bus.write(c + 0x0E, kTaskBCode, 2);  // IP
  bus.write(c + 0x10, 0x0001, 2);      // FLAGS: CF
  for (unsigned r = 0; r < 8; ++r) bus.write(c + 0x12 + 2 * r, 0x1230 + r, 2);
  bus.write(c + 0x22, kData0, 2);  // ES
  bus.write(c + 0x24, kCode0, 2);  // CS
  bus.write(c + 0x26, kData0, 2);  // SS
  bus.write(c + 0x28, kData0, 2);  // DS
  bus.write(c + 0x2A, 0, 2);       // LDT
  runToHalt();
  EXPECT_EQ(cpu.eip(), kTaskBCode + 1);
  EXPECT_EQ(cpu.reg(kEax), 0xFFFF1230u);
  EXPECT_EQ(cpu.reg(kEdi), 0xFFFF1237u);
  EXPECT_EQ(cpu.eflags(), 0x3u);
  EXPECT_EQ(cpu.tr().selector, kTss286);
  EXPECT_EQ(access(kTss286), 0x83);  // a busy 286 TSS
  EXPECT_EQ(cpu.segment(kFs).selector, 0);
  EXPECT_EQ(cpu.ldtr().selector, 0);
}

// The T bit of the new TSS: #DB after the switch, before the new task's first instruction, with
// DR6.BT (bit 15) set ([386PRM] 7.2, 12.3.1.5).
TEST_F(Tasks, TBitTrapsInTheNewTask) {
  setUp({0xEA, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00});
  bus.write(kTssBBase + 0x64, 1, 2);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kDb);
  EXPECT_EQ(stack(0), kTaskBCode);  // the new task's EIP, not yet executed
  EXPECT_EQ(stack(1), kCode0);
  EXPECT_EQ(cpu.reg(kEsp), kTaskBStack - 12);
  EXPECT_EQ(cpu.dr(6) & 0x8000, 0x8000u);
  EXPECT_EQ(cpu.tr().selector, kTssB);
}

// A bad segment in the new task is found after the commit point: #TS(selector) is raised in the
// new task, with its EIP and on its stack ([386PRM] 7.5; SDM vol. 3A table 7-1).
TEST_F(Tasks, BadSegmentInNewTaskFaultsThere) {
  setUp({0xEA, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00});
  bus.poke32(kTssBBase + 0x54, kExecOnly);  // DS: execute-only code
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kTs);
  EXPECT_EQ(stack(0), kExecOnly);
  EXPECT_EQ(stack(1), kTaskBCode);
  EXPECT_EQ(cpu.reg(kEsp), kTaskBStack - 16);
  EXPECT_EQ(cpu.tr().selector, kTssB);
  EXPECT_EQ(access(kTssSel), 0x89);
}

// Faults before the commit point: nothing changes, the old task takes the exception at the
// instruction that tried to switch.
struct TaskFault {
  const char* name;
  uint16_t target;
  uint8_t tssAccess;  // task B's descriptor access byte
  uint32_t tssLimit;
  bool ring3;
  uint8_t vector;
  uint32_t error;
};
class TaskFaults : public Tasks, public ::testing::WithParamInterface<TaskFault> {};

// [386PRM] JMP: TASK-STATE-SEGMENT and TASK-GATE, 7.5: a busy TSS: #GP(TSS); DPL < CPL: #GP(TSS);
// not present: #NP(TSS); a limit below 103: #TS(TSS); through the task gate to a busy TSS:
// #GP(TSS).
TEST_P(TaskFaults, LeaveTheOldTaskUnchanged) {
  const TaskFault& f = GetParam();
  setUp({0xEA, 0x00, 0x00, 0x00, 0x00, static_cast<uint8_t>(f.target), 0x00});
  descriptor(kTssB, kTssBBase, f.tssLimit, f.tssAccess, 0x0);
  if (f.ring3) {
    ring3();
    cpu.setReg(kEsp, 0x7000);
  }
  runToHalt(10);
  EXPECT_EQ(stubVector(), f.vector) << f.name;
  EXPECT_EQ(stack(0), f.error) << f.name;
  EXPECT_EQ(stack(1), kCode) << f.name;
  EXPECT_EQ(cpu.tr().selector, kTssSel) << f.name;
  EXPECT_EQ(access(kTssSel), 0x8B) << f.name;
  EXPECT_EQ(bus.peek32(kTss + 0x20), 0u) << f.name;  // nothing saved
}

INSTANTIATE_TEST_SUITE_P(
    Switches, TaskFaults,
    ::testing::Values(TaskFault{"busy", 0x28, 0x89, 0x67, false, vec::kGp, 0x28},
                      TaskFault{"DPL 0 from ring 3", 0x43, 0x89, 0x67, true, vec::kGp, 0x40},
                      TaskFault{"not present", 0x40, 0x09, 0x67, false, vec::kNp, 0x40},
                      TaskFault{"limit 0x66", 0x40, 0x89, 0x66, false, vec::kTs, 0x40},
                      TaskFault{"gate to busy", 0x48, 0x8B, 0x67, false, vec::kGp, 0x40}),
    [](const ::testing::TestParamInfo<TaskFault>& i) { return std::to_string(i.index); });

// IRET with NT=1 whose back link names an available TSS: #TS(back link) ([386PRM] IRET:
// TASK-RETURN).
TEST_F(Tasks, IretToAnAvailableTssIsTs) {
  setUp({0xCF});  // iret
  cpu.setEflags(0x2 | flag::kNt);
  bus.write(kTss, kTssB, 2);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kTs);
  EXPECT_EQ(stack(0), kTssB);
  EXPECT_EQ(stack(1), kCode);
  EXPECT_EQ(cpu.tr().selector, kTssSel);
}

}  // namespace
}  // namespace emu::test
