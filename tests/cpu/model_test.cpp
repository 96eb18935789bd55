// The model the CPU claims and how it behaves: CPUID (SDM vol. 2A CPUID, table 3-11), the MSRs
// that exist and #GP(0) for the others (SDM vol. 2B RDMSR/WRMSR), RDPMC, NOPL, SALC, and #UD for
// opcodes the model lacks (docs/cpu.md, "The model").
#include "tests/cpu/cpu_fixture.h"

namespace emu::test {
namespace {

class Model : public CpuTest {};

TEST_F(Model, CpuidNamesAFamily6ProcessorWithItsFpu) {
  protectedMode({0x31, 0xC0, 0x0F, 0xA2, 0x89, 0xC6, 0xB8, 0x01, 0x00, 0x00, 0x00, 0x0F, 0xA2});
  // xor eax,eax; cpuid; mov esi,eax; mov eax,1; cpuid
  steps(3);
  EXPECT_EQ(cpu.reg(kEsi), 1u);           // highest leaf
  EXPECT_EQ(cpu.reg(kEbx), 0x756E6547u);  // "Genu"
  EXPECT_EQ(cpu.reg(kEdx), 0x49656E69u);  // "ineI"
  EXPECT_EQ(cpu.reg(kEcx), 0x6C65746Eu);  // "ntel"
  steps(2);
  EXPECT_EQ(cpu.reg(kEax), 0x633u);  // family 6, model 3, stepping 3
  // EDX: FPU(0) PSE(3) TSC(4) MSR(5) CX8(8) APIC(9) PGE(13) CMOV(15); MMX(23), SSE(25) absent.
  EXPECT_EQ(cpu.reg(kEdx), 0x1u | 0x8u | 0x10u | 0x20u | 0x100u | 0x200u | 0x2000u | 0x8000u);
  EXPECT_EQ(cpu.reg(kEcx), 0u);
  EXPECT_EQ(cpu.reg(kEbx), 0u);  // initial APIC ID 0 (bits 31-24): the one processor
}

TEST_F(Model, OpcodesOfAbsentFeaturesRaiseUd) {
  // CPUID.1:EDX.MMX = 0: EMMS (0F 77) is #UD, not a stop; so are the x87 encodings a P6 leaves
  // undefined (D9 D1, SDM vol. 2 table A-10) and SSE3's FISTTP (DB /1).
  for (std::initializer_list<uint8_t> code :
       {std::initializer_list<uint8_t>{0x0F, 0x77}, std::initializer_list<uint8_t>{0xD9, 0xD1},
        std::initializer_list<uint8_t>{0xDB, 0x08}}) {
    protectedMode(code);
    cpu.flushDecodedCode();
    runToHalt();
    EXPECT_EQ(stubVector(), vec::kUd);
    EXPECT_EQ(stack(0), kCode);  // the faulting instruction
  }
}

TEST_F(Model, MissingMsrIsGp) {
  // ECX = 0x8B (IA32_BIOS_SIGN_ID, not modelled): RDMSR and WRMSR raise #GP(0).
  for (uint8_t op : {0x32, 0x30}) {
    protectedMode({0xB9, 0x8B, 0x00, 0x00, 0x00, 0x0F, op});
    cpu.flushDecodedCode();
    runToHalt();
    EXPECT_EQ(stubVector(), vec::kGp) << int{op};
    EXPECT_EQ(stack(0), 0u);
    EXPECT_EQ(stack(1), kCode + 5);
  }
}

TEST_F(Model, PerformanceCountersHoldWhatWasWritten) {
  // WRMSR PerfCtr0 (0xC1) = 0x80000000: the P6 sign-extends the low 32 bits to 40 (SDM vol. 3B,
  // "P6 family performance counters"), so RDPMC 0 gives EDX:EAX = 0xFF:80000000, and RDMSR the
  // same. PerfEvtSel0 (0x186) is stored as written.
  protectedMode({0xB9, 0xC1, 0x00, 0x00, 0x00,  // mov ecx, 0xC1
                 0xB8, 0x00, 0x00, 0x00, 0x80,  // mov eax, 0x80000000
                 0x31, 0xD2,                    // xor edx, edx
                 0x0F, 0x30,                    // wrmsr
                 0x31, 0xC9,                    // xor ecx, ecx
                 0x0F, 0x33,                    // rdpmc
                 0x89, 0xC6, 0x89, 0xD7,        // mov esi, eax; mov edi, edx
                 0xB9, 0x86, 0x01, 0x00, 0x00,  // mov ecx, 0x186
                 0xB8, 0x79, 0x00, 0x43, 0x00,  // mov eax, 0x430079
                 0x0F, 0x30, 0x31, 0xC0,        // wrmsr; xor eax, eax
                 0x0F, 0x32});                  // rdmsr
  steps(13);
  EXPECT_EQ(cpu.reg(kEsi), 0x80000000u);
  EXPECT_EQ(cpu.reg(kEdi), 0xFFu);
  EXPECT_EQ(cpu.reg(kEax), 0x430079u);
  EXPECT_EQ(cpu.reg(kEdx), 0u);
}

TEST_F(Model, RdpmcOfAMissingCounterIsGp) {
  protectedMode({0xB9, 0x02, 0x00, 0x00, 0x00, 0x0F, 0x33});  // mov ecx, 2; rdpmc
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);  // the P6 has counters 0 and 1 only (SDM vol. 2B RDPMC)
  EXPECT_EQ(stack(0), 0u);
}

TEST_F(Model, NoplDecodesItsOperandButNeverTouchesIt) {
  // 0F 1F 44 00 00 (nopl [eax+eax*1+0]) with EAX = 0xFFFFFFF0, and the 9-byte form 66 0F 1F 84
  // 00 00 00 00 00 (nopw [eax+eax*1+0]), then 0F 19 C0 (a reserved NOP): no access, no fault,
  // EIP moves by the lengths 5 + 9 + 3 (SDM vol. 2 NOP, table 4-12).
  protectedMode({0x0F, 0x1F, 0x44, 0x00, 0x00, 0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00,
                 0x0F, 0x19, 0xC0});
  cpu.setReg(kEax, 0xFFFFFFF0);
  steps(3);
  EXPECT_EQ(cpu.eip(), kCode + 17);
  EXPECT_EQ(cpu.reg(kEax), 0xFFFFFFF0u);
}

TEST_F(Model, SalcCopiesCarryIntoAl) {
  // stc; salc; mov bl, al; clc; salc: AL = FF with CF = 1, 00 with CF = 0; flags unchanged.
  protectedMode({0xF9, 0xD6, 0x88, 0xC3, 0xF8, 0xD6});
  cpu.setReg(kEax, 0x12345678);
  steps(2);
  EXPECT_EQ(cpu.reg(kEax), 0x123456FFu);
  EXPECT_EQ(cpu.eflags() & flag::kCf, flag::kCf);
  steps(3);
  EXPECT_EQ(cpu.reg(kEax), 0x12345600u);
  EXPECT_EQ(cpu.reg(kEbx) & 0xFF, 0xFFu);
  EXPECT_EQ(cpu.eflags() & flag::kCf, 0u);
}

}  // namespace
}  // namespace emu::test
