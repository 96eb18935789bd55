// Exceptions and interrupts through the IDT: vectors, error codes, the pushed frame, CR2, #DF and
// the triple fault, the ring 3 -> ring 0 stack switch, IF/STI shadow, HLT, TF, unsupported
// opcodes, and faults that leave no partial side effects. Frame layouts: [386PRM] 9.6 figure 9-5.
#include <string>

#include "tests/cpu/cpu_fixture.h"

namespace emu::test {
namespace {

using Exceptions = CpuTest;

TEST_F(Exceptions, DivideErrorPushesFaultingInstruction) {
  protectedMode({0xF7, 0xF3});  // div ebx
  cpu.setReg(kEbx, 0);
  cpu.setReg(kEax, 1234);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kDe);
  EXPECT_EQ(cpu.reg(kEsp), kStack - 12);  // EIP, CS, EFLAGS; #DE has no error code
  EXPECT_EQ(stack(0), kCode);             // a fault: the return address is the instruction
  EXPECT_EQ(stack(1), kCode0);
  EXPECT_EQ(cpu.reg(kEax), 1234u);
}

TEST_F(Exceptions, IdivOverflowIsDivideError) {
  protectedMode({0xF7, 0xF9});  // idiv ecx: EDX:EAX = -2^63, ECX = -1: quotient 2^63 overflows
  cpu.setReg(kEdx, 0x80000000);
  cpu.setReg(kEax, 0);
  cpu.setReg(kEcx, 0xFFFFFFFF);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kDe);
  EXPECT_EQ(cpu.reg(kEdx), 0x80000000u);
  EXPECT_EQ(cpu.reg(kEax), 0u);
}

TEST_F(Exceptions, GeneralProtectionErrorCodeNamesTheSelector) {
  protectedMode({0x8E, 0xD8});  // mov ds, ax
  cpu.setReg(kEax, 0x48);       // beyond the GDT limit (0x3F)
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(stack(0), 0x48u);  // error code: the selector index, TI=0, EXT=0
  EXPECT_EQ(stack(1), kCode);
  EXPECT_EQ(cpu.segment(kDs).selector, kData0);  // unchanged
}

TEST_F(Exceptions, NotPresentSegment) {
  protectedMode({0x8E, 0xD8});              // mov ds, ax
  descriptor(0x40, 0, 0xFFFFF, 0x12, 0xC);  // data, P = 0
  cpu.setGdtr(DescriptorTable{kGdt, 0x4F});
  cpu.setReg(kEax, 0x40);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kNp);
  EXPECT_EQ(stack(0), 0x40u);
}

TEST_F(Exceptions, PageFaultSetsCr2AndErrorCode) {
  protectedMode({0xA1, 0x00, 0x00, 0x80, 0x00});  // mov eax, [0x800000]
  pagingIdentity4M();
  cpu.setReg(kEax, 7);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kPf);
  EXPECT_EQ(cpu.cr2(), 0x800000u);
  EXPECT_EQ(stack(0), 0u);  // not present, read, supervisor ([386PRM] 9.8.14)
  EXPECT_EQ(stack(1), kCode);
  EXPECT_EQ(cpu.reg(kEax), 7u);
}

TEST_F(Exceptions, PageFaultOnWriteFromUser) {
  // A CPL 3 write to a supervisor-only page: error code P | W | U = 7.
  protectedMode({0xC7, 0x05, 0x00, 0x50, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00});
  // mov dword [0x5000], 1
  pagingIdentity4M();
  bus.poke32(0x11000 + 4 * 5, 0x5000 | 3);  // page 5: present, writable, supervisor
  ring3();
  cpu.setReg(kEsp, 0x70000);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kPf);
  EXPECT_EQ(cpu.cr2(), 0x5000u);
  EXPECT_EQ(stack(0), 7u);
  EXPECT_EQ(cpu.cpl(), 0);
  EXPECT_EQ(cpu.reg(kEsp), kRing0Stack - 24);  // SS, ESP, EFLAGS, CS, EIP, error code
  EXPECT_EQ(stack(4), 0x70000u);               // the user ESP
  EXPECT_EQ(stack(5), kData3);                 // the user SS
  EXPECT_EQ(bus.peek32(0x5000), 0u);
}

TEST_F(Exceptions, WriteAcrossIntoMissingPageStoresNothing) {
  protectedMode({0x89, 0x05, 0xFE, 0xFF, 0x3F, 0x00});  // mov [0x3FFFFE], eax
  pagingIdentity4M();
  cpu.setReg(kEax, 0xAABBCCDD);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kPf);
  EXPECT_EQ(cpu.cr2(), 0x400000u);       // the second page is the one missing
  EXPECT_EQ(stack(0), 2u);               // not present, write, supervisor
  EXPECT_EQ(bus.read(0x3FFFFE, 2), 0u);  // the first page was not written
}

TEST_F(Exceptions, FaultDuringDeliveryBecomesDoubleFault) {
  protectedMode({0xF7, 0xF3});  // div ebx with EBX = 0: #DE
  cpu.setReg(kEbx, 0);
  bus.poke32(kIdt + 4, bus.peek32(kIdt + 4) & ~0x8000u);  // gate 0 not present: #NP
  runToHalt();
  // #DE then #NP are both contributory: #DF with error code 0 ([386PRM] 9.8.8).
  EXPECT_EQ(stubVector(), vec::kDf);
  EXPECT_EQ(stack(0), 0u);
}

TEST_F(Exceptions, DeliverySetsTheHandlerCodeDescriptorsAccessedBit) {
  protectedMode({0xF7, 0xF3});  // div ebx with EBX = 0: #DE through a gate to kCode0
  cpu.setReg(kEbx, 0);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kDe);
  EXPECT_EQ(bus.read(kGdt + kCode0 + 5, 1), 0x9Bu);  // was 0x9A ([386PRM] 6.3.1.1)
}

TEST_F(Exceptions, AccessedBitWriteThatFaultsIsAFaultDuringDelivery) {
  // The GDT's page is read-only and CR0.WP = 1: setting kCode0's accessed bit while delivering
  // #DE is a supervisor write to it, so #PF (SDM vol. 3A 4.6.1), delivered through a gate whose
  // code descriptor is already marked accessed.
  protectedMode({0xF7, 0xF3});
  cpu.setReg(kEbx, 0);
  descriptor(0x40, 0, 0xFFFFF, 0x9B, 0xC);
  cpu.setGdtr(DescriptorTable{kGdt, 0x47});
  gate(vec::kPf, kStubs + 16 * vec::kPf, 0xE, 0, 0x40);
  pagingIdentity4M();
  bus.poke32(0x11000, 0x000 | 1);  // page 0 (the GDT): present, read-only, supervisor
  cpu.setCr0(cpu.cr0() | mmu::kCr0Wp);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kPf);
  EXPECT_EQ(cpu.cr2(), kGdt + kCode0 + 5);
  EXPECT_EQ(stack(0), 3u);                // present, write, supervisor
  EXPECT_EQ(stack(1), kCode);             // the DIV: #DE was not delivered
  EXPECT_EQ(cpu.reg(kEsp), kStack - 16);  // one frame, the #PF's
  EXPECT_EQ(bus.read(kGdt + kCode0 + 5, 1), 0x9Au);
}

TEST_F(Exceptions, MissingKernelStackOnEntryFromRing3IsATripleFault) {
  // INT 0x40 from ring 3 switches to SS0:ESP0, here in a page that is not mapped: #PF while
  // delivering. The #PF and then the #DF go through the same TSS stack and fault too: #PF then
  // #PF is a double fault, and a fault while delivering #DF shuts down ([386PRM] 9.8.8).
  protectedMode({0xCD, 0x40});  // int 0x40
  gate(0x40, kStubs + 16 * 0x40, 0xE, 3);
  pagingIdentity4M();
  ring3();
  cpu.setReg(kEsp, 0x70000);
  bus.poke32(kTss + 4, 0x800000);  // ESP0 beyond the 4 MB mapped
  RunResult r = cpu.run(10);
  EXPECT_EQ(r.reason, StopReason::kTripleFault);
  EXPECT_EQ(cpu.cr2(), 0x800000u - 24);  // the #DF frame: SS, ESP, EFLAGS, CS, EIP, error code
  EXPECT_EQ(cpu.cpl(), 3);               // no register changed: still at the user's INT
  EXPECT_EQ(cpu.reg(kEsp), 0x70000u);
  EXPECT_EQ(cpu.eip(), kCode);
}

TEST_F(Exceptions, BenignThenFaultIsDeliveredSerially) {
  protectedMode({0xCC});  // int3
  gate(3, kStubs + 48, 0xE, 3);
  bus.poke32(kIdt + 3 * 8 + 4, bus.peek32(kIdt + 3 * 8 + 4) & ~0x8000u);  // not present
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kNp);
  EXPECT_EQ(stack(0), 3u * 8 + 2);  // IDT bit set, EXT clear: INT3 is the program's own
}

TEST_F(Exceptions, TripleFaultStopsWithDump) {
  protectedMode({0xF7, 0xF3});
  cpu.setReg(kEbx, 0);
  cpu.setIdtr(DescriptorTable{kIdt, 0});  // every vector is beyond the limit
  RunResult r = cpu.run(10);
  EXPECT_EQ(r.reason, StopReason::kTripleFault);
  EXPECT_NE(cpu.stopMessage().find("triple fault"), std::string::npos);
  EXPECT_NE(cpu.stopMessage().find("EIP="), std::string::npos);
  // Shutdown persists: the CPU does nothing more until it is reset.
  r = cpu.run(10);
  EXPECT_EQ(r.reason, StopReason::kTripleFault);
  EXPECT_EQ(r.instructions, 0u);
}

// Ring 3 -> INT 0x40 (DPL 3 gate) -> ring 0 on the TSS stack -> IRET -> ring 3 again.
TEST_F(Exceptions, SyscallFromRing3SwitchesStacksAndIretReturns) {
  // Ring 0: build an IRET frame to ring 3 at 0x1100 and IRET.
  protectedMode({0x6A, 0x23,                    // push 0x23         (SS)
                 0x68, 0x00, 0x70, 0x00, 0x00,  // push 0x7000       (ESP)
                 0x68, 0x02, 0x00, 0x00, 0x00,  // push 0x2          (EFLAGS)
                 0x6A, 0x1B,                    // push 0x1B         (CS)
                 0x68, 0x00, 0x11, 0x00, 0x00,  // push 0x1100       (EIP)
                 0xCF});                        // iret
  place({0xB8, 0x2A, 0x00, 0x00, 0x00,          // mov eax, 42
         0xCD, 0x40,                            // int 0x40
         0xF4},                                 // hlt: privileged at CPL 3 -> #GP(0)
        0x1100);
  gate(0x40, 0x1200, 0xF, 3);  // trap gate, DPL 3
  place({0x83, 0xC0, 0x01,     // add eax, 1
         0xCF},                // iret
        0x1200);
  cpu.setReg(kEax, 0);
  runToHalt();
  // The HLT at CPL 3 faulted: #GP(0), pushed on the ring-0 stack with the ring-3 SS:ESP.
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(cpu.reg(kEax), 43u);  // the handler ran at ring 0 and returned
  EXPECT_EQ(stack(0), 0u);
  EXPECT_EQ(stack(1), 0x1107u);  // the HLT
  EXPECT_EQ(stack(2), kCode3);
  EXPECT_EQ(stack(4), 0x7000u);  // ring-3 ESP back where the IRET frame put it
  EXPECT_EQ(stack(5), kData3);
  EXPECT_EQ(cpu.reg(kEsp), kRing0Stack - 24);
}

// [386PRM] chapter 17: INT n in protected mode 59 clocks at the same level, 99 to an inner
// level; IRET 38 to the same level, 82 to an outer one; HLT 5; PUSH imm 2; IRET is charged only
// its transfer cost.
TEST_F(Exceptions, InterruptAndIretCosts) {
  protectedMode({0xCD, 0x40, 0xF4});  // int 0x40; hlt
  gate(0x40, 0x1200, 0xE, 0);
  place({0xCF}, 0x1200);  // iret
  uint64_t c0 = cpu.cycles();
  runToHalt();
  EXPECT_EQ(cpu.eip(), kCode + 3u);
  EXPECT_EQ(cpu.cycles() - c0, 59u + 38u + 5u);
}

TEST_F(Exceptions, PrivilegeChangeCosts) {
  // Ring 0 IRETs to ring 3 (82), which does INT 0x40 (99) into a handler that HLTs (5).
  protectedMode({0x6A, 0x23, 0x68, 0x00, 0x70, 0x00, 0x00, 0x6A, 0x02, 0x6A, 0x1B, 0x68, 0x00, 0x11,
                 0x00, 0x00, 0xCF});
  place({0xCD, 0x40}, 0x1100);
  gate(0x40, kStubs + 16 * 0x40, 0xE, 3);
  uint64_t c0 = cpu.cycles();
  runToHalt();
  EXPECT_EQ(stubVector(), 0x40);
  EXPECT_EQ(cpu.cycles() - c0, 5 * 2u + 82u + 99u + 5u);  // five PUSHes of 2 clocks each
}

TEST_F(Exceptions, SyscallEventCarriesEax) {
  struct Recorder : Observer {
    int syscalls = 0;
    uint32_t eax = 0;
    void onSyscall(const SyscallEvent& e) override {
      ++syscalls;
      eax = e.eax;
    }
  } rec;
  protectedMode({0x6A, 0x23, 0x68, 0x00, 0x70, 0x00, 0x00, 0x6A, 0x02, 0x6A, 0x1B, 0x68, 0x00, 0x11,
                 0x00, 0x00, 0xCF});
  place({0xB8, 0x07, 0x00, 0x00, 0x00, 0xCD, 0x40}, 0x1100);  // mov eax, 7; int 0x40
  gate(0x40, kStubs + 16 * 0x40, 0xE, 3);
  cpu.events().attach(&rec);
  runToHalt();
  cpu.events().detach(&rec);
  EXPECT_EQ(stubVector(), 0x40);
  EXPECT_EQ(rec.syscalls, 1);
  EXPECT_EQ(rec.eax, 7u);
}

TEST_F(Exceptions, IntToDplZeroGateFromRing3IsGp) {
  protectedMode({0x6A, 0x23, 0x68, 0x00, 0x70, 0x00, 0x00, 0x6A, 0x02, 0x6A, 0x1B, 0x68, 0x00, 0x11,
                 0x00, 0x00, 0xCF});
  place({0xCD, 0x30}, 0x1100);  // int 0x30: its gate has DPL 0
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(stack(0), 0x30u * 8 + 2);
  EXPECT_EQ(stack(1), 0x1100u);
}

TEST_F(Exceptions, StiHoldsInterruptsForOneInstruction) {
  protectedMode({0xFB, 0x90, 0x90, 0xF4});  // sti; nop; nop; hlt
  bus.queueInterrupt(0x20);
  cpu.setIntr(true);
  runToHalt();
  EXPECT_EQ(stubVector(), 0x20);
  EXPECT_EQ(stack(0), kCode + 2u);  // taken after the NOP that follows STI
}

TEST_F(Exceptions, HltWaitsForInterrupt) {
  protectedMode({0xFB, 0xF4, 0x90});  // sti; hlt; nop
  RunResult r = cpu.run(100, 5000);
  EXPECT_EQ(r.reason, StopReason::kHalt);
  EXPECT_EQ(cpu.cycles(), 5000u);  // a halted CPU skips to the deadline
  bus.queueInterrupt(0x21);
  cpu.setIntr(true);
  runToHalt();
  EXPECT_EQ(stubVector(), 0x21);
  EXPECT_EQ(stack(0), kCode + 2u);  // returns after the HLT
}

TEST_F(Exceptions, InterruptsIgnoredWhileIfClear) {
  protectedMode({0x90, 0x90, 0xF4});
  bus.queueInterrupt(0x20);
  cpu.setIntr(true);
  runToHalt();
  EXPECT_EQ(cpu.eip(), kCode + 3u);  // the program's own HLT
}

TEST_F(Exceptions, TrapFlagSingleSteps) {
  protectedMode({0x90, 0x90});
  cpu.setEflags(cpu.eflags() | flag::kTf);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kDb);
  EXPECT_EQ(stack(0), kCode + 1u);  // a trap: after the first NOP
  EXPECT_EQ(cpu.eflags() & flag::kTf, 0u);
  EXPECT_NE(stack(2) & flag::kTf, 0u);  // TF was set in the pushed EFLAGS
}

TEST_F(Exceptions, UndefinedX87StopsTheRunAndIsNamedWhenAsked) {
  protectedMode({0xD9, 0xD1});  // undefined on a P6 (SDM vol. 2 table A-10)
  cpu.setStopOnUnsupportedOpcode(true);
  RunResult r = cpu.run(10);
  EXPECT_EQ(r.reason, StopReason::kUnsupportedOpcode);
  EXPECT_EQ(r.instructions, 0u);
  EXPECT_NE(cpu.stopMessage().find("x87"), std::string::npos) << cpu.stopMessage();
  EXPECT_NE(cpu.stopMessage().find("D9"), std::string::npos) << cpu.stopMessage();
}

TEST_F(Exceptions, SseRaisesUdByDefault) {
  protectedMode({0x0F, 0x28, 0xC1});  // movaps xmm0, xmm1
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kUd);
  EXPECT_EQ(stack(0), kCode);
  EXPECT_NE(cpu.stopMessage().find("SSE"), std::string::npos) << cpu.stopMessage();
}

TEST_F(Exceptions, Ud2RaisesUd) {
  protectedMode({0x0F, 0x0B});
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kUd);
}

TEST_F(Exceptions, PushFaultKeepsEsp) {
  protectedMode({0x50});  // push eax with the stack page missing
  pagingIdentity4M();
  cpu.setReg(kEsp, 0x800004);
  cpu.setReg(kEax, 0x55);
  RunResult r = cpu.run(1);
  (void)r;
  // Delivery itself needs a stack: the #PF is delivered on the same (missing) stack, so it
  // faults again: #PF then #PF is a double fault, whose delivery faults too -> triple fault.
  EXPECT_EQ(r.reason, StopReason::kTripleFault);
  EXPECT_EQ(cpu.reg(kEsp), 0x800004u);  // the faulting PUSH changed nothing
}

TEST_F(Exceptions, PushaFaultWritesNothing) {
  protectedMode({0x60});  // pusha at CPL 3, its frame crossing into a missing page below
  pagingIdentity4M();
  ring3();
  bus.poke32(0x11000 + 4 * 0x3FE, 0);  // page 0x3FE000 not present
  cpu.setReg(kEsp, 0x3FF010);          // frame 0x3FEFF0..0x3FF00F
  cpu.setReg(kEax, 0xA);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kPf);
  EXPECT_EQ(cpu.cr2(), 0x3FEFF0u);
  EXPECT_EQ(stack(0), 6u);         // not present, write, user
  EXPECT_EQ(stack(4), 0x3FF010u);  // the user ESP, unchanged
  for (uint32_t a = 0x3FF000; a < 0x3FF010; a += 4) EXPECT_EQ(bus.peek32(a), 0u) << a;
}

TEST_F(Exceptions, RepMovsFaultKeepsProgress) {
  protectedMode({0xF3, 0xA5});  // rep movsd
  pagingIdentity4M();
  bus.poke32(0x11000 + 4 * 0x201, 0);  // destination page 0x201000 missing
  cpu.setReg(kEsi, 0x100000);
  cpu.setReg(kEdi, 0x200FF8);
  cpu.setReg(kEcx, 4);
  bus.poke32(0x100000, 0x11111111);
  bus.poke32(0x100004, 0x22222222);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kPf);
  EXPECT_EQ(cpu.cr2(), 0x201000u);
  EXPECT_EQ(cpu.reg(kEcx), 2u);  // two dwords copied, the third faulted
  EXPECT_EQ(cpu.reg(kEdi), 0x201000u);
  EXPECT_EQ(bus.peek32(0x200FF8), 0x11111111u);
  EXPECT_EQ(bus.peek32(0x200FFC), 0x22222222u);
  EXPECT_EQ(stack(1), kCode);  // restartable: EIP at the REP MOVS
}

}  // namespace
}  // namespace emu::test

namespace emu::test {
namespace {

// Random bytes as code, in 32- and 16-bit protected mode and in real mode: whatever they do
// (fault, triple fault, write over the IDT, jump off the end of RAM), each run must come back with
// a stop reason and the CPU must stay consistent. Seeded, so a failure reproduces.
class RandomCode : public Exceptions {};

TEST_F(RandomCode, NeverCrashesTheEmulator) {
  uint32_t seed = 12345;
  auto next = [&] {
    seed = seed * 1103515245u + 12345u;
    return static_cast<uint8_t>(seed >> 16);
  };
  unsigned stops[8] = {};
  for (int round = 0; round < 300; ++round) {
    int mode = round % 3;
    if (mode == 2) {
      cpu.reset();
      real16({});
    } else {
      protectedMode({});
      if (mode == 1) {
        Segment cs16 = cpu.segment(kCs);
        cs16.selector = kCode16;
        cs16.flags = 0;
        cs16.limit = 0xFFFF;
        cpu.setSegment(kCs, cs16);
      }
    }
    for (uint32_t k = 0; k < 256; ++k) bus.write(kCode + k, next(), 1);
    for (unsigned r = 0; r < 8; ++r)
      if (r != kEsp) cpu.setReg(static_cast<Reg>(r), uint32_t{next()} << (8 * (r % 4)));
    cpu.setStopOnUnsupportedOpcode(round % 2 == 0);
    cpu.setEip(kCode);
    RunResult rr = cpu.run(500, cpu.cycles() + 100000);
    ++stops[static_cast<unsigned>(rr.reason)];
    EXPECT_LE(rr.instructions, 500u);
  }
  // Random code mostly faults or stops; the counts only show the runs were not all the same.
  unsigned kinds = 0;
  for (unsigned s : stops) kinds += s != 0;
  EXPECT_GE(kinds, 2u);
}

}  // namespace
}  // namespace emu::test
