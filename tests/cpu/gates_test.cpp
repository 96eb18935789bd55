// Call gates: far CALL and JMP through 386 and 286 call gates, the privilege change with the
// stack from the TSS and the parameter copy, the far RET back to the outer level, and every check
// with its exception and error code ([386PRM] CALL, JMP, RET; 6.3.4).
#include "tests/cpu/cpu_fixture.h"

namespace emu::test {
namespace {

class Gates : public CpuTest {
 protected:
  // Beyond the fixture's GDT (0x08-0x38):
  static constexpr uint16_t kGate386 = 0x40;     // DPL 3, to kCode0:kHandler, 2 dword parameters
  static constexpr uint16_t kGate286 = 0x48;     // DPL 3, to kCode0:kHandler16, 1 word parameter
  static constexpr uint16_t kCode1 = 0x50;       // ring-1 code, 32-bit
  static constexpr uint16_t kData1 = 0x58;       // ring-1 data, 32-bit
  static constexpr uint16_t kGateRing1 = 0x60;   // DPL 3, to kCode1:kHandler1, no parameters
  static constexpr uint16_t kGateDpl0 = 0x68;    // DPL 0, to kCode0:kHandler
  static constexpr uint16_t kGateAbsent = 0x70;  // DPL 3, not present
  static constexpr uint32_t kHandler = 0x1200, kHandler16 = 0x1280, kHandler1 = 0x1300;
  static constexpr uint32_t kUserStack = 0x7000;
  static constexpr uint32_t kRing1Stack = 0xA0000;

  // A call gate descriptor ([386PRM] 6.3.4.1 figure 6-8): type 0xC 386, 0x4 286.
  void callGate(uint16_t sel, uint16_t target, uint32_t offset, uint8_t type, uint8_t dpl,
                uint8_t params, bool present = true) {
    bus.poke32(kGdt + sel, (offset & 0xFFFF) | (uint32_t{target} << 16));
    bus.poke32(kGdt + sel + 4, (offset & 0xFFFF0000u) | (present ? 0x8000u : 0) |
                                   (uint32_t{dpl} << 13) | (uint32_t{type} << 8) | params);
  }

  // Ring-3 code at kCode (user stack kUserStack) with the gates above; ring 1 takes its stack
  // from the TSS's SS1:ESP1 = kData1:kRing1Stack.
  void setUp(std::initializer_list<uint8_t> code) {
    protectedMode(code);
    cpu.setGdtr(DescriptorTable{kGdt, 0x7F});
    callGate(kGate386, kCode0, kHandler, 0xC, 3, 2);
    callGate(kGate286, kCode0, kHandler16, 0x4, 3, 1);
    descriptor(kCode1, 0, 0xFFFFF, 0xBA, 0xC);  // accessed bit clear: the tests look at it
    descriptor(kData1, 0, 0xFFFFF, 0xB2, 0xC);
    callGate(kGateRing1, kCode1 | 1, kHandler1, 0xC, 3, 0);
    callGate(kGateDpl0, kCode0, kHandler, 0xC, 0, 0);
    callGate(kGateAbsent, kCode0, kHandler, 0xC, 3, 0, false);
    bus.poke32(kTss + 0x0C, kRing1Stack);  // ESP1
    bus.poke32(kTss + 0x10, kData1 | 1);   // SS1
    place({0xF4}, kHandler);
    place({0xF4}, kHandler16);
    place({0xF4}, kHandler1);
    ring3();
    cpu.setReg(kEsp, kUserStack);
  }
  uint16_t word(uint32_t at) { return static_cast<uint16_t>(bus.read(at, 2)); }
};

// CALL through a 386 call gate from ring 3 to ring 0 ([386PRM] CALL: MORE-PRIVILEGE): SS:ESP
// from the TSS (SS0:ESP0), then old SS, old ESP, the gate's 2 parameters in their order on the
// caller's stack, CS, EIP, a dword each: 6 dwords below kRing0Stack.
TEST_F(Gates, CallGate386CopiesParametersToTheInnerStack) {
  setUp({0x68, 0x11, 0x11, 0x11, 0x11,                // push 0x11111111
         0x68, 0x22, 0x22, 0x22, 0x22,                // push 0x22222222
         0x9A, 0x00, 0x00, 0x00, 0x00, 0x43, 0x00});  // call far 0x43:0 (the gate, RPL 3)
  runToHalt();
  EXPECT_EQ(cpu.eip(), kHandler + 1);
  EXPECT_EQ(cpu.cpl(), 0);
  EXPECT_EQ(cpu.segment(kCs).selector, kCode0);  // RPL = the new CPL
  EXPECT_EQ(cpu.segment(kSs).selector, kData0);
  EXPECT_EQ(cpu.reg(kEsp), kRing0Stack - 24);
  EXPECT_EQ(stack(0), kCode + 17);      // the return EIP, after the 7-byte CALL
  EXPECT_EQ(stack(1), kCode3);          // the caller's CS
  EXPECT_EQ(stack(2), 0x22222222u);     // the parameter at the caller's ESP
  EXPECT_EQ(stack(3), 0x11111111u);     // and the one above it
  EXPECT_EQ(stack(4), kUserStack - 8);  // the caller's ESP after its two pushes
  EXPECT_EQ(stack(5), kData3);          // the caller's SS
}

// RET 8 to the outer level ([386PRM] RET: RETURN-OUTER-LEVEL): CS:EIP, then SS:ESP from above
// the 8 parameter bytes, ESP += 8 on the outer stack; DS, loaded with a ring-0 selector by the
// handler, is not valid at ring 3 and becomes null; ES (ring 3 data) stays.
TEST_F(Gates, FarRetImm16ReturnsOutwardAndNullsDataSegments) {
  setUp({0x68, 0x11, 0x11, 0x11, 0x11, 0x68, 0x22, 0x22, 0x22, 0x22,  // push; push
         0x9A, 0x00, 0x00, 0x00, 0x00, 0x43, 0x00,                    // call far 0x43:0
         0xF4});                  // hlt at CPL 3: #GP(0), which shows the ring-3 state
  place({0x66, 0xB8, 0x10, 0x00,  // mov ax, 0x10
         0x8E, 0xD8,              // mov ds, ax
         0xCA, 0x08, 0x00},       // retf 8
        kHandler);
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(stack(0), 0u);          // error code
  EXPECT_EQ(stack(1), kCode + 17);  // the HLT after the CALL
  EXPECT_EQ(stack(2), kCode3);
  EXPECT_EQ(stack(4), kUserStack);  // ESP: kUserStack - 8 + the 8 parameter bytes
  EXPECT_EQ(stack(5), kData3);
  EXPECT_EQ(cpu.segment(kDs).selector, 0);  // nulled by the RET
  EXPECT_EQ(cpu.segment(kEs).selector, kData3);
}

// A 286 call gate: 16-bit offset, stack slots of a word, 1 word parameter ([386PRM] CALL:
// CallGateSize = 16): SS, SP, the parameter, CS, IP: 10 bytes below kRing0Stack.
TEST_F(Gates, CallGate286PushesWords) {
  setUp({0x66, 0x6A, 0x55,                            // push word 0x55
         0x9A, 0x00, 0x00, 0x00, 0x00, 0x4B, 0x00});  // call far 0x4B:0
  runToHalt();
  EXPECT_EQ(cpu.eip(), kHandler16 + 1);
  EXPECT_EQ(cpu.cpl(), 0);
  uint32_t sp = cpu.reg(kEsp);
  EXPECT_EQ(sp, kRing0Stack - 10);
  EXPECT_EQ(word(sp + 0), kCode + 10);  // IP after the CALL
  EXPECT_EQ(word(sp + 2), kCode3);
  EXPECT_EQ(word(sp + 4), 0x55);                       // the word parameter
  EXPECT_EQ(word(sp + 6), (kUserStack - 2) & 0xFFFF);  // SP after the push
  EXPECT_EQ(word(sp + 8), kData3);
}

// The 286 gate's RET: o16 RETF 2 pops IP, CS, skips the word parameter, then SP and SS.
TEST_F(Gates, CallGate286RoundTrip) {
  setUp({0x66, 0x6A, 0x55, 0x9A, 0x00, 0x00, 0x00, 0x00, 0x4B, 0x00, 0xF4});
  place({0x66, 0xCA, 0x02, 0x00}, kHandler16);  // o16 retf 2
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);  // the HLT at ring 3
  EXPECT_EQ(stack(1), kCode + 10);
  EXPECT_EQ(stack(4), kUserStack);  // SP - 2 + 2
  EXPECT_EQ(cpu.segment(kSs).selector, kData0);
}

// A gate to ring 1 with no parameters: the ring-1 stack from SS1:ESP1; the A bit of the code
// descriptor is set as CS loads ([386PRM] 6.3.1.1).
TEST_F(Gates, CallGateToRing1UsesSs1Esp1) {
  setUp({0x9A, 0x00, 0x00, 0x00, 0x00, 0x63, 0x00});  // call far 0x63:0
  runToHalt(10);
  EXPECT_EQ(cpu.cpl(), 0);  // the HLT at ring 1 faulted into the ring-0 #GP stub
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(stack(1), kHandler1);             // the HLT at ring 1
  EXPECT_EQ(stack(2), uint32_t{kCode1 | 1});  // CS RPL 1
  EXPECT_EQ(stack(4), kRing1Stack - 16);      // ring-1 ESP after SS, ESP, CS, EIP
  EXPECT_EQ(stack(5), uint32_t{kData1 | 1});
  EXPECT_EQ(bus.peek32(kRing1Stack - 4), kData3);      // the ring-3 SS
  EXPECT_EQ(bus.peek32(kRing1Stack - 8), kUserStack);  // ring-3 ESP
  EXPECT_EQ(bus.peek32(kRing1Stack - 12), kCode3);
  EXPECT_EQ(bus.peek32(kRing1Stack - 16), kCode + 7);
  EXPECT_EQ((bus.peek32(kGdt + kCode1 + 4) >> 8) & 0xFF, 0xBBu);  // accessed
}

// JMP through a call gate at CPL 0 to a DPL 0 segment: CS:EIP from the gate, no stack change
// ([386PRM] JMP: CALL-GATE).
TEST_F(Gates, JmpThroughCallGateKeepsTheStack) {
  protectedMode({0xEA, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00});  // jmp far 0x40:0
  cpu.setGdtr(DescriptorTable{kGdt, 0x7F});
  callGate(kGate386, kCode0, kHandler, 0xC, 3, 2);
  place({0xF4}, kHandler);
  runToHalt();
  EXPECT_EQ(cpu.eip(), kHandler + 1);
  EXPECT_EQ(cpu.segment(kCs).selector, kCode0);
  EXPECT_EQ(cpu.reg(kEsp), kStack);
}

// The checks, each from ring 3 with its exception and error code; a fault changes nothing, so
// the ring-0 stub's frame holds the CALL's own EIP and the untouched ring-3 ESP.
struct GateFault {
  const char* name;
  uint16_t target;  // the selector the far CALL/JMP names
  bool jmp;
  uint16_t ss1;  // SS1 in the TSS (kData1|1 normally)
  uint32_t esp1;
  uint8_t vector;
  uint32_t error;
};
class GateFaults : public Gates, public ::testing::WithParamInterface<GateFault> {};

TEST_P(GateFaults, RaiseTheManualsException) {
  const GateFault& f = GetParam();
  uint8_t op = f.jmp ? 0xEA : 0x9A;
  setUp({op, 0x00, 0x00, 0x00, 0x00, static_cast<uint8_t>(f.target),
         static_cast<uint8_t>(f.target >> 8)});
  bus.poke32(kTss + 0x0C, f.esp1);
  bus.poke32(kTss + 0x10, f.ss1);
  descriptor(0x78, 0, 0xFFFFF, 0x3A, 0xC);         // ring-1 code, not present
  callGate(0x38, 0x78 | 1, kHandler1, 0xC, 3, 0);  // (replaces kData16) a gate to it
  descriptor(0x30, 0, 0xFFFFF, 0x32, 0xC);         // (replaces kCode16) ring-1 data, absent
  runToHalt(10);
  EXPECT_EQ(stubVector(), f.vector) << f.name;
  EXPECT_EQ(stack(0), f.error) << f.name;
  EXPECT_EQ(stack(1), kCode) << f.name;  // the faulting CALL/JMP
  EXPECT_EQ(stack(2), kCode3) << f.name;
  EXPECT_EQ(stack(4), kUserStack) << f.name;
  EXPECT_EQ(bus.peek32(kRing1Stack - 4), 0u) << f.name;  // nothing written on the ring-1 stack
}

// [386PRM] CALL and JMP pseudo-code: gate DPL < CPL: #GP(gate); gate not present: #NP(gate);
// target not present: #NP(code); JMP to a more privileged non-conforming segment: #GP(code);
// bad SS in the TSS: #TS(SS selector), a null one #TS(0); SS not present: #SS(SS selector); no
// room on the new stack: #SS(SS selector).
INSTANTIATE_TEST_SUITE_P(
    CallGates, GateFaults,
    ::testing::Values(GateFault{"gate DPL 0", 0x6B, false, 0x59, 0xA0000, vec::kGp, 0x68},
                      GateFault{"gate absent", 0x73, false, 0x59, 0xA0000, vec::kNp, 0x70},
                      GateFault{"code absent", 0x3B, false, 0x59, 0xA0000, vec::kNp, 0x78},
                      GateFault{"jmp inward", 0x43, true, 0x59, 0xA0000, vec::kGp, 0x08},
                      GateFault{"SS1 DPL 0", 0x63, false, 0x11, 0xA0000, vec::kTs, 0x10},
                      GateFault{"SS1 RPL 0", 0x63, false, 0x58, 0xA0000, vec::kTs, 0x58},
                      GateFault{"SS1 null", 0x63, false, 0x00, 0xA0000, vec::kTs, 0},
                      GateFault{"SS1 code", 0x63, false, 0x51, 0xA0000, vec::kTs, 0x50},
                      GateFault{"SS1 absent", 0x63, false, 0x31, 0xA0000, vec::kSs, 0x30},
                      GateFault{"no room", 0x63, false, 0x59, 8, vec::kSs, 0x58}),
    [](const ::testing::TestParamInfo<GateFault>& i) { return std::to_string(i.index); });

// All or nothing: the ring-1 stack's page is not present. #PF (supervisor write, not present:
// error 2) with CR2 the lowest byte of the 16-byte frame; no register, stack byte or accessed
// bit changed ([386PRM] 9.8.14; the frame is checked before anything is written).
TEST_F(Gates, CallGateNewStackPageFaultChangesNothing) {
  setUp({0x9A, 0x00, 0x00, 0x00, 0x00, 0x63, 0x00});
  pagingIdentity4M();
  bus.poke32(kPageTable + 4 * (kRing1Stack >> 12) - 4, 0);  // the page below kRing1Stack: absent
  runToHalt(10);
  EXPECT_EQ(stubVector(), vec::kPf);
  EXPECT_EQ(stack(0), 2u);
  EXPECT_EQ(cpu.cr2(), kRing1Stack - 16);
  EXPECT_EQ(stack(1), kCode);
  EXPECT_EQ(stack(4), kUserStack);
  EXPECT_EQ((bus.peek32(kGdt + kCode1 + 4) >> 8) & 0xFF, 0xBAu);  // still not accessed
}

}  // namespace
}  // namespace emu::test
