// Regression tests for the CPU bugs the differential run found: each runs the reduced sequence on
// both emulators (they must agree) and asserts the value the manual gives. LOCK's #UD is checked
// on our CPU alone, since QEMU does not model it.
#include <gtest/gtest.h>

#include "emu/cpu/cpu.h"
#include "emu/cpu/flat_bus.h"
#include "mmu/mmu.h"
#include "tests/diff/harness.h"
#include "tests/diff/system.h"

namespace emu::diff {
namespace {

constexpr uint32_t kCf = 0x1, kAf = 0x10;

State base32() {
  State s;
  s.eflags = 0x2;
  s.r[kEsp] = 0x8000;
  return s;
}

// DAA with AL = FFh, AF = 1, CF = 0. SDM vol. 2 DAA: the low digit adds 6 (AL = 05h, AF = 1);
// old AL = FFh > 99h adds 60h (AL = 65h) and sets CF. [386PRM]'s "AL > 9FH" test on the adjusted
// AL (05h) would leave AL = 05h, CF = 0.
TEST(DiffRegression, DaaTestsTheHighDigitBeforeTheLowAdjustment) {
  DiffHarness h(true, 1);
  State init = base32();
  init.r[kEax] = 0xFF;
  init.eflags = 0x2 | kAf;
  std::string report;
  State ours;
  EXPECT_TRUE(h.runOne({0x27}, init, report, &ours)) << report;
  EXPECT_EQ(ours.r[kEax], 0x65u);
  EXPECT_EQ(ours.eflags & (kCf | kAf), kCf | kAf);
}

// ENTER 8, 0 with a 32-bit operand on a 16-bit stack (real mode): EBP is pushed as a dword
// (SP 7000h -> 6FFCh) and the frame pointer is loaded. We load all of EBP from ESP ([386PRM]
// ENTER: "ELSE EBP := frame-ptr" for OperandSize 32), QEMU only BP (the SDM's "ELSE BP <-
// FrameTemp" for StackSize 16); with EBP's and ESP's high halves zero both give EBP = 6FFCh,
// SP = 6FFCh - 8 = 6FF4h. tests/cpu/corner_test.cpp checks a nonzero high half.
TEST(DiffRegression, EnterO32OnA16BitStackAgreesWhenTheHighHalvesAreZero) {
  DiffHarness h(false, 1);
  State init;
  init.eflags = 0x2;
  init.r[kEsp] = 0x00007000;
  init.r[kEbp] = 0x00001111;
  std::string report;
  State ours;
  EXPECT_TRUE(h.runOne({0x66, 0xC8, 0x08, 0x00, 0x00}, init, report, &ours)) << report;
  EXPECT_EQ(ours.r[kEbp], 0x00006FFCu);
  EXPECT_EQ(ours.r[kEsp], 0x00006FF4u);
}

// ENTER 0, 4 with EBP = 8008h just above ESP = 8000h: the old frames [EBP-4], [EBP-8], [EBP-12]
// overlap the new frame. Each is read just before it is pushed (SDM vol. 2 ENTER's loop), so the
// third copy, [7FFCh], reads the EBP (8008h) that the first push stored there.
//   7FFC: 8008 (old EBP)   7FF8: [8004]   7FF4: [8000]   7FF0: [7FFC] = 8008   7FEC: 7FFC (frame)
TEST(DiffRegression, EnterReadsEachOuterFrameJustBeforePushingIt) {
  DiffHarness h(true, 1);
  State init = base32();
  init.r[kEbp] = 0x8008;
  std::string report;
  State ours;
  EXPECT_TRUE(h.runOne({0xC8, 0x00, 0x00, 0x04}, init, report, &ours)) << report;
  EXPECT_EQ(h.ourDword(0x7FFC), 0x8008u);
  EXPECT_EQ(h.ourDword(0x7FF0), 0x8008u);
  EXPECT_EQ(h.ourDword(0x7FEC), 0x7FFCu);
  EXPECT_EQ(ours.r[kEbp], 0x7FFCu);
  EXPECT_EQ(ours.r[kEsp], 0x7FECu);
}

// PUSH ES with a 32-bit operand: the dword slot holds the selector zero-extended, as QEMU
// writes it (SDM vol. 2 PUSH allows this or a 16-bit store). MOV EAX, -1; PUSH EAX; POP EAX
// first leaves all-ones in the slot, so a 16-bit store would show FFFFh in the high half.
TEST(DiffRegression, PushSegmentRegisterZeroExtendsTheSlot) {
  DiffHarness h(true, 1);
  State init = base32();
  std::string report;
  EXPECT_TRUE(h.runOne({0xB8, 0xFF, 0xFF, 0xFF, 0xFF, 0x50, 0x58, 0x06}, init, report)) << report;
  EXPECT_EQ(h.ourDword(0x7FFC), 0u);  // ES's selector is 0 in the flat sandbox
}

// Real mode: a store through a CS: override works (after reset CS's access rights are "present,
// R/W, accessed", SDM vol. 3 table 9-1). MOV BYTE CS:[2000h], 5Ah with CS = 0 stores at 2000h.
TEST(DiffRegression, RealModeStoresThroughCsOverride) {
  DiffHarness h(false, 1);
  State init;
  init.eflags = 0x2;
  init.r[kEsp] = 0x7000;
  std::string report;
  EXPECT_TRUE(h.runOne({0x2E, 0xC6, 0x06, 0x00, 0x20, 0x5A}, init, report)) << report;
  EXPECT_EQ(h.ourDword(0x2000) & 0xFF, 0x5Au);
}

// LOCK ([386PRM] 17.2.1, LOCK; SDM vol. 2 LOCK for the i686 list): #UD unless it prefixes ADD/
// ADC/AND/BTS/BTR/BTC/DEC/INC/NEG/NOT/OR/SBB/SUB/XCHG/XOR/CMPXCHG/XADD/CMPXCHG8B with a memory
// destination. Real mode, IVT vector 6 -> 0000:0500, a HLT.
TEST(DiffRegression, LockOutsideReadModifyWriteMemoryRaisesUd) {
  struct Case {
    std::vector<uint8_t> code;
    bool ud;
  } cases[] = {
      {{0xF0, 0x01, 0x07}, false},        // lock add [bx], ax
      {{0xF0, 0x87, 0x07}, false},        // lock xchg [bx], ax
      {{0xF0, 0x0F, 0xAB, 0x07}, false},  // lock bts [bx], ax
      {{0xF0, 0x89, 0x07}, true},         // lock mov [bx], ax: not in the list
      {{0xF0, 0x01, 0xC3}, true},         // lock add bx, ax: register destination
      {{0xF0, 0x39, 0x07}, true},         // lock cmp [bx], ax: CMP only reads
      {{0xF0, 0x90}, true},               // lock nop
      {{0xF0, 0x0F, 0xA3, 0x07}, true},   // lock bt [bx], ax: BT only reads (not in the i686 list)
  };
  for (const Case& c : cases) {
    FlatRamBus bus(1u << 20);
    mmu::Mmu mmu(bus);
    Cpu cpu(bus, mmu);
    cpu.setStopOnUnsupportedOpcode(false);
    bus.poke32(4 * vec::kUd, 0x0500);  // IVT entry 6: 0000:0500 ([386PRM] 14.1.4)
    bus.write(0x500, 0xF4, 1);
    bus.load(0x1000, c.code.data(), c.code.size());
    for (SegReg s : {kEs, kCs, kSs, kDs, kFs, kGs}) cpu.setSegmentReal(s, 0);
    cpu.setEip(0x1000);
    cpu.setReg(kEsp, 0x8000);
    cpu.setReg(kEbx, 0x3000);
    cpu.run(1);  // a faulting instruction goes on into its handler: EIP at or past the HLT
    bool atUdStub = cpu.eip() == 0x500 || cpu.eip() == 0x501;
    EXPECT_EQ(atUdStub, c.ud) << "code starting " << std::hex << int(c.code[1]) << " eip "
                              << cpu.eip();
    if (!c.ud) {
      EXPECT_EQ(cpu.eip(), 0x1000u + c.code.size());
    }
  }
}

// A far RET from CPL 0 to CPL 3 with ES holding a null selector whose RPL is 1: ES reads 0
// afterwards. [386PRM] RET: segment registers not valid at the new level become null; a null
// selector's cached DPL is 0 < 3 (Bochs' validate_seg_reg and QEMU agree). Our CPU kept 0001h.
TEST(DiffRegression, ReturnToOuterLevelNullsANullSelectorWithRpl) {
  SystemHarness h(1);
  ASSERT_TRUE(h.calibrated());
  State init;
  init.eflags = 0x2;
  init.r[kEsp] = 0x8000;
  // mov eax, 1; mov es, ax; push 23h (SS); push 7800h (ESP); push 1Bh (CS); push 1201Ch; retf
  // (1201Ch = SystemLayout::kCode + 28, the byte after the RETF).
  std::vector<uint8_t> code = {0xB8, 0x01, 0x00, 0x00, 0x00, 0x8E, 0xC0, 0x68, 0x23, 0x00,
                               0x00, 0x00, 0x68, 0x00, 0x78, 0x00, 0x00, 0x68, 0x1B, 0x00,
                               0x00, 0x00, 0x68, 0x1C, 0x20, 0x01, 0x00, 0xCB};
  std::string report;
  State ours;
  EXPECT_TRUE(h.runOne(code, init, report, &ours)) << report;
  EXPECT_EQ(ours.sel[kEs], 0u);
  EXPECT_EQ(ours.sel[kCs], 0x1Bu);
  EXPECT_EQ(ours.r[kEsp], 0x7800u);
}

}  // namespace
}  // namespace emu::diff
