// A CPU on flat RAM for the CPU tests: 16 MB, no paging unless a test turns it on.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "emu/cpu/cpu.h"
#include "emu/cpu/flat_bus.h"
#include "mmu/mmu.h"

namespace emu::test {

class CpuTest : public ::testing::Test {
 protected:
  static constexpr uint32_t kCode = 0x1000;    // where test code is placed
  static constexpr uint32_t kStack = 0x80000;  // initial ESP
  FlatRamBus bus{16u << 20};
  mmu::Mmu mmu{bus};
  Cpu cpu{bus, mmu};

  // Flat 32-bit protected mode at CPL 0, code at kCode, ESP = kStack.
  void flat32(std::initializer_list<uint8_t> code) {
    cpu.enterFlatProtectedMode();
    place(code);
    cpu.setEip(kCode);
    cpu.setReg(kEsp, kStack);
  }
  // Real mode with CS = DS = ES = SS = 0, code at kCode, SP = 0x8000.
  void real16(std::initializer_list<uint8_t> code) {
    place(code);
    for (SegReg s : {kEs, kCs, kSs, kDs, kFs, kGs}) cpu.setSegmentReal(s, 0);
    cpu.setEip(kCode);
    cpu.setReg(kEsp, 0x8000);
  }
  void place(std::initializer_list<uint8_t> code, uint32_t at = kCode) {
    std::vector<uint8_t> v(code);
    bus.load(at, v.data(), v.size());
  }
  // Runs n instructions and expects them all to retire with no stop.
  void steps(uint64_t n) {
    RunResult r = cpu.run(n);
    ASSERT_EQ(r.reason, StopReason::kInstructionLimit) << cpu.stopMessage();
    ASSERT_EQ(r.instructions, n);
  }
  uint32_t arith() const { return cpu.eflags() & flag::kArith; }

  // ---- protected-mode scaffolding: GDT, IDT with a HLT stub per vector, TSS ----
  static constexpr uint32_t kGdt = 0x500;
  static constexpr uint32_t kIdt = 0x2000;
  static constexpr uint32_t kStubs = 0x3000;  // vector v's handler: kStubs + 16 * v, a HLT
  static constexpr uint32_t kTss = 0x4000;
  static constexpr uint32_t kRing0Stack = 0x90000;
  static constexpr uint16_t kCode0 = 0x08, kData0 = 0x10, kCode3 = 0x1B, kData3 = 0x23,
                            kTssSel = 0x28, kCode16 = 0x30, kData16 = 0x38;

  // A segment descriptor ([386PRM] 5.1.1 figure 5-3).
  void descriptor(uint16_t sel, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
    uint32_t lo = (limit & 0xFFFF) | (base << 16);
    uint32_t hi = ((base >> 16) & 0xFF) | (uint32_t{access} << 8) | (limit & 0xF0000) |
                  (uint32_t{flags} << 20) | (base & 0xFF000000u);
    bus.poke32(kGdt + (sel & ~7u), lo);
    bus.poke32(kGdt + (sel & ~7u) + 4, hi);
  }
  // An IDT gate ([386PRM] 9.5 figure 9-3): type 0xE interrupt gate, 0xF trap gate.
  void gate(uint8_t v, uint32_t offset, uint8_t type, uint8_t dpl, uint16_t sel = kCode0) {
    bus.poke32(kIdt + v * 8u, (offset & 0xFFFF) | (uint32_t{sel} << 16));
    bus.poke32(kIdt + v * 8u + 4,
               (offset & 0xFFFF0000u) | 0x8000 | (uint32_t{dpl} << 13) | (uint32_t{type} << 8));
  }
  // Flat ring-0 protected mode with a real GDT, an IDT of interrupt gates to HLT stubs and a TSS
  // whose SS0:ESP0 is kData0:kRing0Stack.
  void protectedMode(std::initializer_list<uint8_t> code) {
    flat32(code);
    descriptor(kCode0, 0, 0xFFFFF, 0x9A, 0xC);
    descriptor(kData0, 0, 0xFFFFF, 0x92, 0xC);
    descriptor(kCode3, 0, 0xFFFFF, 0xFA, 0xC);
    descriptor(kData3, 0, 0xFFFFF, 0xF2, 0xC);
    descriptor(kTssSel, kTss, 0x67, 0x89, 0x0);
    descriptor(kCode16, 0, 0xFFFF, 0x9A, 0x0);
    descriptor(kData16, 0, 0xFFFF, 0x92, 0x0);
    cpu.setGdtr(DescriptorTable{kGdt, 0x3F});
    for (unsigned v = 0; v < 256; ++v) {
      gate(static_cast<uint8_t>(v), kStubs + 16 * v, 0xE, 0);
      bus.write(kStubs + 16 * v, 0xF4, 1);
    }
    cpu.setIdtr(DescriptorTable{kIdt, 0x7FF});
    bus.poke32(kTss + 4, kRing0Stack);  // ESP0
    bus.poke32(kTss + 8, kData0);       // SS0
    bus.write(kTss + 0x66, 0x68, 2);    // I/O map base beyond the limit: CPL 3 IN/OUT -> #GP
    ASSERT_TRUE(cpu.loadSegment(kSs, kData0));
    ASSERT_TRUE(cpu.loadSegment(kDs, kData0));
    ASSERT_TRUE(cpu.loadSegment(kEs, kData0));
    Segment tr;
    tr.selector = kTssSel;
    tr.base = kTss;
    tr.limit = 0x67;
    tr.access = 0x8B;
    cpu.setTr(tr);
  }
  // Switches the loaded segments to the flat ring-3 ones (CPL 3); an exception's frame then goes
  // to the ring-0 stack (kRing0Stack).
  void ring3() {
    Segment cs3 = cpu.segment(kCs);
    cs3.selector = kCode3;
    cs3.access = 0xFA;
    Segment ds3 = cpu.segment(kDs);
    ds3.selector = kData3;
    ds3.access = 0xF2;
    cpu.setSegment(kCs, cs3);
    cpu.setSegment(kDs, ds3);
    cpu.setSegment(kEs, ds3);
    cpu.setSegment(kSs, ds3);
  }
  // ---- paging scaffolding: 0-4 MB identity-mapped with 4 KB pages ----
  static constexpr uint32_t kPageDir = 0x10000, kPageTable = 0x11000;
  // Identity-maps 0-4 MB with 4 KB pages (user, writable, A and D clear) and turns paging on.
  void pagingIdentity4M() {
    for (uint32_t i = 0; i < 1024; ++i) bus.poke32(kPageTable + 4 * i, (i << 12) | 7);
    bus.poke32(kPageDir, kPageTable | 7);
    cpu.setCr3(kPageDir);
    cpu.setCr0(cpu.cr0() | mmu::kCr0Pg);
  }
  // Runs until the CPU halts (a handler stub or the program's HLT); expects that stop.
  void runToHalt(uint64_t limit = 1000) {
    RunResult r = cpu.run(limit);
    ASSERT_EQ(r.reason, StopReason::kHaltInterruptsOff) << stopReasonName(r.reason) << "\n"
                                                        << cpu.registerDump();
  }
  // The vector whose HLT stub the CPU stopped in.
  int stubVector() const {
    uint32_t eip = cpu.eip() - 1;
    if (eip < kStubs || eip >= kStubs + 16 * 256 || (eip - kStubs) % 16) return -1;
    return static_cast<int>((eip - kStubs) / 16);
  }
  uint32_t stack(unsigned k) { return bus.peek32(cpu.reg(kEsp) + 4 * k); }
};

}  // namespace emu::test
