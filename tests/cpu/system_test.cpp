// System instructions: descriptor tables, control registers and their costs, CPUID, RDTSC, MSRs,
// LTR/LLDT/LAR/LSL/VERR/VERW/ARPL, ports and the I/O permission bitmap, privilege checks.
#include <vector>

#include "tests/cpu/cpu_fixture.h"

namespace emu::test {
namespace {

using namespace flag;

class System : public CpuTest {};

TEST_F(System, LgdtSgdtRoundTrip) {
  flat32({0x0F, 0x01, 0x15, 0x00, 0x60, 0x00, 0x00,    // lgdt [0x6000]
          0x0F, 0x01, 0x0D, 0x10, 0x60, 0x00, 0x00});  // sidt [0x6010]
  bus.write(0x6000, 0x17, 2);
  bus.poke32(0x6002, 0x00012340);
  cpu.setIdtr(DescriptorTable{0xABCD0000, 0x7FF});
  steps(2);
  EXPECT_EQ(cpu.gdtr().base, 0x12340u);
  EXPECT_EQ(cpu.gdtr().limit, 0x17);
  EXPECT_EQ(bus.read(0x6010, 2), 0x7FFu);
  EXPECT_EQ(bus.peek32(0x6012), 0xABCD0000u);
}

TEST_F(System, MovCrAndCosts) {
  flat32({0x0F, 0x20, 0xC0,    // mov eax, cr0
          0x0F, 0x22, 0xDB,    // mov cr3, ebx
          0x0F, 0x22, 0xE1,    // mov cr4, ecx
          0x0F, 0x20, 0xDA});  // mov edx, cr3
  cpu.setReg(kEbx, 0x5000);
  cpu.setReg(kEcx, mmu::kCr4Pse);
  uint64_t c0 = cpu.cycles();
  steps(1);
  EXPECT_EQ(cpu.reg(kEax) & 0x11, 0x11u);  // PE and ET
  EXPECT_EQ(cpu.cycles() - c0, 6u);        // [386PRM] MOV r32, CRn: 6
  c0 = cpu.cycles();
  steps(1);
  EXPECT_EQ(cpu.cr3(), 0x5000u);
  EXPECT_EQ(cpu.cycles() - c0, 5u);  // [386PRM] MOV CR3, r32: 5
  steps(2);
  EXPECT_EQ(cpu.cr4(), mmu::kCr4Pse);
  EXPECT_EQ(cpu.reg(kEdx), 0x5000u);
}

TEST_F(System, ReservedCr4BitIsGp) {
  protectedMode({0x0F, 0x22, 0xE1});  // mov cr4, ecx
  cpu.setReg(kEcx, 1u << 5);          // PAE: not modelled
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(cpu.cr4(), 0u);
}

TEST_F(System, CpuidIdentity) {
  flat32({0x0F, 0xA2, 0x89, 0xC6, 0xB8, 0x01, 0x00, 0x00, 0x00, 0x0F, 0xA2});
  // cpuid; mov esi, eax; mov eax, 1; cpuid
  cpu.setReg(kEax, 0);
  steps(2);
  EXPECT_EQ(cpu.reg(kEsi), 1u);
  EXPECT_EQ(cpu.reg(kEbx), 0x756E6547u);  // "Genu"
  EXPECT_EQ(cpu.reg(kEdx), 0x49656E69u);  // "ineI"
  EXPECT_EQ(cpu.reg(kEcx), 0x6C65746Eu);  // "ntel"
  steps(2);
  EXPECT_EQ((cpu.reg(kEax) >> 8) & 0xF, 6u);        // family 6
  EXPECT_EQ(cpu.reg(kEdx) & (1u << 15), 1u << 15);  // CMOV
  EXPECT_EQ(cpu.reg(kEdx) & 1u, 1u);                // the x87 FPU
  EXPECT_EQ(cpu.reg(kEdx) & (1u << 23), 0u);        // no MMX
}

TEST_F(System, RdtscReturnsTheCycleCounter) {
  flat32({0x0F, 0x31});
  cpu.setCycles(0x123456789ull);
  steps(1);
  // The counter as it stood after RDTSC's own cost was charged (6 clocks, [P5] RDTSC).
  uint64_t tsc = (uint64_t{cpu.reg(kEdx)} << 32) | cpu.reg(kEax);
  EXPECT_EQ(tsc, 0x123456789ull + 6);
  EXPECT_EQ(cpu.cycles(), 0x123456789ull + 6);
}

TEST_F(System, MsrsAndUnknownMsrIsGp) {
  protectedMode({0x0F, 0x32, 0x89, 0xC6, 0xB9, 0x99, 0x00, 0x00, 0x00, 0x0F, 0x32});
  // rdmsr (ECX = 0x1B); mov esi, eax; mov ecx, 0x99; rdmsr
  cpu.setReg(kEcx, 0x1B);
  runToHalt();
  EXPECT_EQ(cpu.reg(kEsi), 0xFEE00900u);  // APIC at 0xFEE00000, enabled, bootstrap processor
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(stack(1), kCode + 9u);
}

TEST_F(System, LtrMarksBusyAndStrReadsIt) {
  protectedMode({0x66, 0xB8, 0x28, 0x00, 0x0F, 0x00, 0xD8, 0x0F, 0x00, 0xCB});
  // mov ax, 0x28; ltr ax; str bx
  cpu.setTr(Segment{});
  steps(3);
  EXPECT_EQ(cpu.tr().selector, kTssSel);
  EXPECT_EQ(cpu.tr().base, kTss);
  EXPECT_EQ(cpu.reg(kEbx) & 0xFFFF, kTssSel);
  EXPECT_EQ(bus.read(kGdt + kTssSel + 5, 1), 0x8Bu);  // type 9 -> 0xB (busy)
}

TEST_F(System, LarLslVerrVerw) {
  protectedMode({0x0F, 0x02, 0xC3,    // lar eax, bx
                 0x0F, 0x03, 0xCB,    // lsl ecx, bx
                 0x0F, 0x00, 0xE3,    // verr bx
                 0x0F, 0x00, 0xEE});  // verw si
  cpu.setReg(kEbx, kData0);
  cpu.setReg(kEsi, kCode0);
  steps(2);
  // Access byte (accessed by the load) and flags; limit bits 19:16 masked (Intel: undefined;
  // QEMU and Unicorn return them as 0).
  EXPECT_EQ(cpu.reg(kEax), 0x00C09300u);
  EXPECT_EQ(cpu.reg(kEcx), 0xFFFFFFFFu);  // page-granular limit 0xFFFFF
  EXPECT_EQ(arith() & kZf, kZf);
  steps(1);
  EXPECT_EQ(arith() & kZf, kZf);  // data is readable
  steps(1);
  EXPECT_EQ(arith() & kZf, 0u);  // code is never writable
}

TEST_F(System, ArplRaisesRpl) {
  flat32({0x63, 0xD8});  // arpl ax, bx
  cpu.setReg(kEax, 0x10);
  cpu.setReg(kEbx, 0x23);
  steps(1);
  EXPECT_EQ(cpu.reg(kEax), 0x13u);
  EXPECT_EQ(arith() & kZf, kZf);
}

TEST_F(System, LmswCannotClearPeAndCltsClearsTs) {
  flat32({0x0F, 0x01, 0xF0, 0x0F, 0x06});  // lmsw ax; clts
  cpu.setReg(kEax, 0x8);                   // TS set, PE clear
  steps(1);
  EXPECT_EQ(cpu.cr0() & 0x9, 0x9u);
  steps(1);
  EXPECT_EQ(cpu.cr0() & 0x8, 0u);
}

TEST_F(System, PortsFromRing0) {
  flat32({0xE6, 0x80, 0x66, 0xED});  // out 0x80, al; in ax, dx
  cpu.setReg(kEax, 0x5A);
  cpu.setReg(kEdx, 0x3F8);
  bus.setPortValue(0xBEEF);
  steps(2);
  ASSERT_EQ(bus.ioWrites().size(), 1u);
  EXPECT_EQ(bus.ioWrites()[0].port, 0x80);
  EXPECT_EQ(bus.ioWrites()[0].value, 0x5Au);
  EXPECT_EQ(cpu.reg(kEax) & 0xFFFF, 0xBEEFu);
}

TEST_F(System, Ring3PortAccessThroughBitmap) {
  // iret to ring 3 at 0x2000: out 0x80, al
  protectedMode({0x6A, 0x23, 0x68, 0x00, 0x70, 0x00, 0x00, 0x6A, 0x02, 0x6A, 0x1B, 0x68, 0x00, 0x20,
                 0x00, 0x00, 0xCF});
  place({0xE6, 0x80, 0xE6, 0x81}, 0x2000);  // out 0x80, al; out 0x81, al
  // A TSS with an I/O bitmap at 0x68: port 0x80 allowed, 0x81 denied.
  Segment tr = cpu.tr();
  tr.limit = 0x68 + 0x2000;
  cpu.setTr(tr);
  bus.write(kTss + 0x66, 0x68, 2);
  bus.write(kTss + 0x68 + 0x80 / 8, 0x02, 1);  // bit 1 of byte 16: port 0x81
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(stack(1), 0x2002u);  // the second OUT faulted
  ASSERT_EQ(bus.ioWrites().size(), 1u);
  EXPECT_EQ(bus.ioWrites()[0].port, 0x80);
}

TEST_F(System, CliAtRing3WithIopl0IsGp) {
  protectedMode({0x6A, 0x23, 0x68, 0x00, 0x70, 0x00, 0x00, 0x6A, 0x02, 0x6A, 0x1B, 0x68, 0x00, 0x20,
                 0x00, 0x00, 0xCF});
  place({0xFA}, 0x2000);  // cli
  runToHalt();
  EXPECT_EQ(stubVector(), vec::kGp);
  EXPECT_EQ(stack(1), 0x2000u);
}

TEST_F(System, InvlpgFlushesOnePage) {
  struct Flushes : Observer {
    int invlpg = 0;
    uint32_t page = 0;
    void onTlbFlush(const mmu::TlbFlush& f) override {
      if (f.kind == mmu::FlushKind::kInvlpg) {
        ++invlpg;
        page = f.address;
      }
    }
  } obs;
  flat32({0x0F, 0x01, 0x38});  // invlpg [eax]
  cpu.setReg(kEax, 0x12345678);
  cpu.events().attach(&obs);
  steps(1);
  cpu.events().detach(&obs);
  EXPECT_EQ(obs.invlpg, 1);
  EXPECT_EQ(obs.page, 0x12345000u);
}

TEST_F(System, ExceptionEventsReachObservers) {
  struct Recorder : Observer {
    int count = 0;
    uint8_t vector = 0;
    uint32_t error = 0;
    void onException(const ExceptionEvent& e) override {
      ++count;
      vector = e.vector;
      error = e.errorCode;
    }
  } rec;
  protectedMode({0x8E, 0xD8});  // mov ds, ax with a bad selector
  cpu.setReg(kEax, 0x48);
  cpu.events().attach(&rec);
  runToHalt();
  cpu.events().detach(&rec);
  EXPECT_EQ(rec.count, 1);
  EXPECT_EQ(rec.vector, vec::kGp);
  EXPECT_EQ(rec.error, 0x48u);
}

TEST_F(System, InstructionTraceEvents) {
  struct Trace : Observer {
    std::vector<uint32_t> eips;
    std::vector<uint8_t> first;
    void onInstruction(const InstructionEvent& e) override {
      eips.push_back(e.eip);
      first.push_back(e.bytes[0]);
    }
  } trace;
  flat32({0x90, 0x40, 0xF4});  // nop; inc eax; hlt
  cpu.events().attach(&trace);
  cpu.events().setInstructionEvents(true);
  cpu.run(10);
  cpu.events().detach(&trace);
  ASSERT_EQ(trace.eips.size(), 3u);
  EXPECT_EQ(trace.eips[1], kCode + 1u);
  EXPECT_EQ(trace.first[1], 0x40);
}

TEST_F(System, SelfModifyingCodeIsRedecoded) {
  // mov byte [kCode + 9], 0x40 (turns the NOP below into inc eax); nop; hlt
  flat32({0xC6, 0x05, 0x09, 0x10, 0x00, 0x00, 0x40, 0x90, 0x90, 0x90, 0xF4});
  cpu.setReg(kEax, 0);
  RunResult r = cpu.run(20);
  EXPECT_EQ(r.reason, StopReason::kHaltInterruptsOff);
  EXPECT_EQ(cpu.reg(kEax), 1u);
}

}  // namespace
}  // namespace emu::test
