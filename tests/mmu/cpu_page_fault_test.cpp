// The MMU and the CPU together: a ring 0 #PF handler installed in the IDT maps the missing page and
// IRETs, and the faulting instruction then completes. One fault, CR2 and the error code as the
// manual says (Intel SDM vol. 3A 4.7, 6.15 "#PF"), nothing stored before the fault.
//
// Memory map (physical; linear = physical below 4 MB through an identity page table):
//   0x1000 GDT (null, 0x08 flat code, 0x10 flat data)   0x2000 IDT (vector 14: interrupt gate)
//   0x3000 page directory   0x4000 table for 0-4 MB (identity)   0xA000 table for 4-8 MB
//   0x5000 table for 8-12 MB (empty: the handler fills PTE 0)    0x6000 test code
//   0x6800 the #PF handler   0x7000 what the handler saw   0x9000 top of the stack
//   0x100000 the frame the handler maps at 0x800000   0x200000 the frame at 0x7FF000
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "emu/cpu/cpu.h"
#include "tests/mmu/flat_ram.h"

namespace {

using namespace mmutest;

class FlatBus : public emu::CpuBus {
 public:
  FlatBus() : ram_(4u << 20) {}
  uint8_t* frame(uint32_t pa) override { return ram_.frame(pa); }
  uint32_t read(uint32_t pa, unsigned size) override { return ram_.read(pa, size); }
  void write(uint32_t pa, uint32_t value, unsigned size) override { ram_.write(pa, value, size); }
  uint32_t ioRead(uint16_t, unsigned) override { return 0xFFFFFFFFu; }
  void ioWrite(uint16_t, uint32_t, unsigned) override {}
  uint8_t interruptAcknowledge() override { return 0; }
  FlatRam& ram() { return ram_; }

 private:
  FlatRam ram_;
};

struct Seen : emu::Observer {
  std::vector<mmu::PageFault> faults;
  std::vector<emu::EventContext> contexts;
  emu::EventBus* bus = nullptr;
  std::vector<mmu::StaleTlbUse> stale;
  std::vector<emu::EventContext> staleContexts;
  void onPageFault(const mmu::PageFault& e) override {
    faults.push_back(e);
    contexts.push_back(bus->context());
  }
  void onStaleTlbUse(const mmu::StaleTlbUse& e) override {
    stale.push_back(e);
    staleContexts.push_back(bus->context());
  }
};

class CpuPageFault : public ::testing::Test {
 protected:
  void SetUp() override {
    FlatRam& ram = bus.ram();
    // GDT: flat 4 GB code (type 0x9A) and data (0x92), 4 KB granularity, 32-bit (flags 0xC).
    ram.setWord(0x1008, 0x0000FFFF);
    ram.setWord(0x100C, 0x00CF9A00);
    ram.setWord(0x1010, 0x0000FFFF);
    ram.setWord(0x1014, 0x00CF9200);
    // IDT vector 14: 32-bit interrupt gate (P, DPL 0, type 0xE), selector 0x08, offset 0x6800.
    ram.setWord(0x2000 + 14 * 8, (0x08u << 16) | 0x6800);
    ram.setWord(0x2000 + 14 * 8 + 4, 0x00008E00);
    // Paging: identity 0-4 MB, one page at 0x7FF000 -> 0x200000, nothing at 0x800000 yet.
    ram.setWord(0x3000, 0x4000 | P | W);
    ram.setWord(0x3004, 0xA000 | P | W);
    ram.setWord(0x3008, 0x5000 | P | W);
    for (uint32_t i = 0; i < 1024; ++i) ram.setWord(0x4000 + i * 4, (i << 12) | P | W);
    ram.setWord(0xA000 + 0x3FF * 4, 0x200000 | P | W);
    // The handler: save CR2, the error code and the saved EIP, look at the bytes below the fault,
    // map 0x800000 -> 0x100000, count itself, return.
    const uint8_t handler[] = {
        0x0F, 0x20, 0xD0,                    // mov eax, cr2
        0xA3, 0x00, 0x70, 0x00, 0x00,        // mov [0x7000], eax
        0x58,                                // pop eax            (error code)
        0xA3, 0x04, 0x70, 0x00, 0x00,        // mov [0x7004], eax
        0x8B, 0x04, 0x24,                    // mov eax, [esp]     (saved EIP)
        0xA3, 0x10, 0x70, 0x00, 0x00,        // mov [0x7010], eax
        0x8B, 0x0D, 0xFC, 0xFF, 0x7F, 0x00,  // mov ecx, [0x7FFFFC]
        0x89, 0x0D, 0x0C, 0x70, 0x00, 0x00,  // mov [0x700C], ecx
        0xC7, 0x05, 0x00, 0x50, 0x00, 0x00,  // mov dword [0x5000], 0x00100003
        0x03, 0x00, 0x10, 0x00,              //   (PTE 0 of the 8 MB table: P|W)
        0xFF, 0x05, 0x08, 0x70, 0x00, 0x00,  // inc dword [0x7008]
        0xCF,                                // iret
    };
    std::memcpy(ram.data() + 0x6800, handler, sizeof handler);
    ram.setWord(0x200FFC, 0xAABBCCDD);

    mmu.setCycleCounter(nullptr);
    seen.bus = &cpu.events();
    cpu.events().attach(&seen);
    cpu.enterFlatProtectedMode(0x08, 0x10);
    cpu.setGdtr({0x1000, 0x17});
    cpu.setIdtr({0x2000, 0x7F});
    cpu.setReg(emu::kEsp, 0x9000);
    cpu.setCr3(0x3000);
    cpu.setCr0(cpu.cr0() | mmu::kCr0Pg);
  }
  void runCode(std::initializer_list<uint8_t> code) {
    std::memcpy(bus.ram().data() + 0x6000, code.begin(), code.size());
    cpu.setEip(0x6000);
    const emu::RunResult r = cpu.run(100);
    ASSERT_EQ(r.reason, emu::StopReason::kHaltInterruptsOff) << cpu.stopMessage();
  }

  FlatBus bus;
  mmu::Mmu mmu{bus};
  emu::Cpu cpu{bus, mmu};
  Seen seen;
};

TEST_F(CpuPageFault, HandlerMapsThePageAndTheStoreCompletes) {
  runCode({0xC7, 0x05, 0x00, 0x00, 0x80, 0x00, 0x78, 0x56, 0x34,
           0x12,    // mov dword [0x800000], 0x12345678
           0xF4});  // hlt
  FlatRam& ram = bus.ram();
  EXPECT_EQ(ram.word(0x7008), 1u);         // the handler ran once
  EXPECT_EQ(ram.word(0x7000), 0x800000u);  // CR2 as the handler read it
  EXPECT_EQ(cpu.cr2(), 0x800000u);
  EXPECT_EQ(ram.word(0x7004), 2u);             // P=0 (not present), W/R=1, U/S=0
  EXPECT_EQ(ram.word(0x7010), 0x6000u);        // the faulting instruction, restarted by IRET
  EXPECT_EQ(ram.word(0x100000), 0x12345678u);  // the store went to the new frame
  EXPECT_EQ(cpu.eip(), 0x600Bu);               // after the HLT (10-byte MOV + HLT)
  EXPECT_EQ(mmu.stats().pageFaultTotal(), 1u);
  EXPECT_EQ(mmu.stats().pageFaults[2], 1u);
  ASSERT_EQ(seen.faults.size(), 1u);
  EXPECT_EQ(seen.faults[0].cr2, 0x800000u);
  EXPECT_EQ(seen.faults[0].errorCode, 2u);
  EXPECT_EQ(seen.faults[0].cr3, 0x3000u);
  EXPECT_EQ(seen.faults[0].walk.pdeAddr, 0x3008u);
  EXPECT_EQ(seen.faults[0].walk.pteAddr, 0x5000u);
  EXPECT_EQ(seen.contexts[0].eip, 0x6000u);
  EXPECT_EQ(ram.word(0x5000), 0x100000u | P | W | A | D);  // the retry walked and set A and D
}

// A store that crosses from a mapped page into an unmapped one: the #PF comes before any byte is
// written (the handler sees the old bytes of the first page), then the retry stores all four.
TEST_F(CpuPageFault, CrossingStoreFaultsBeforeWritingAnything) {
  runCode({0xC7, 0x05, 0xFE, 0xFF, 0x7F, 0x00, 0x44, 0x33, 0x22,
           0x11,    // mov dword [0x7FFFFE], 0x11223344
           0xF4});  // hlt
  FlatRam& ram = bus.ram();
  EXPECT_EQ(ram.word(0x7008), 1u);
  EXPECT_EQ(ram.word(0x700C), 0xAABBCCDDu);  // at the fault, 0x7FFFFE..F still held 0xAA 0xBB
  EXPECT_EQ(ram.word(0x7000), 0x800000u);    // the first byte that could not be translated
  EXPECT_EQ(ram.word(0x7004), 2u);
  EXPECT_EQ(ram.word(0x7010), 0x6000u);
  EXPECT_EQ(ram.word(0x200FFC), 0x3344CCDDu);  // after the retry: bytes 44 33 at 0x200FFE
  EXPECT_EQ(ram.word(0x100000) & 0xFFFF, 0x1122u);
  EXPECT_EQ(mmu.stats().pageFaultTotal(), 1u);
}

// The stale-TLB detector end to end: the CPU's store to a PTE (through paging, into a watched
// page-table frame) reaches the MMU, the next load uses the old frame and is reported with the
// instruction that made it; after INVLPG the load sees the new frame.
TEST_F(CpuPageFault, KernelEditsAPteWithoutFlushAndReadsTheOldFrame) {
  FlatRam& ram = bus.ram();
  ram.setWord(0xA000, 0x200000 | P | W);  // 0x400000 -> 0x200000
  ram.setWord(0x200000, 0x11111111);
  ram.setWord(0x300000, 0x22222222);
  runCode({0xA1, 0x00, 0x00, 0x40, 0x00,        // 6000 mov eax, [0x400000]
           0xC7, 0x05, 0x00, 0xA0, 0x00, 0x00,  // 6005 mov dword [0xA000], 0x00300003
           0x03, 0x00, 0x30, 0x00, 0x8B, 0x1D, 0x00, 0x00, 0x40, 0x00,  // 600F mov ebx, [0x400000]
           0x0F, 0x01, 0x3D, 0x00, 0x00, 0x40, 0x00,                    // 6015 invlpg [0x400000]
           0x8B, 0x0D, 0x00, 0x00, 0x40, 0x00,                          // 601C mov ecx, [0x400000]
           0xF4});                                                      // 6022 hlt
  EXPECT_EQ(cpu.reg(emu::kEax), 0x11111111u);
  EXPECT_EQ(cpu.reg(emu::kEbx), 0x11111111u);  // stale: the TLB still maps the old frame
  EXPECT_EQ(cpu.reg(emu::kEcx), 0x22222222u);  // flushed: the new one
  ASSERT_EQ(seen.stale.size(), 1u);
  EXPECT_EQ(seen.stale[0].linear, 0x400000u);
  EXPECT_EQ(seen.stale[0].wordAddr, 0xA000u);
  EXPECT_EQ(seen.stale[0].cachedPte, 0x200000u | P | W | A);
  EXPECT_EQ(seen.stale[0].memoryPte, 0x300000u | P | W);
  EXPECT_EQ(seen.stale[0].cachedFrame, 0x200000u);
  EXPECT_EQ(seen.staleContexts[0].eip, 0x600Fu);
  EXPECT_EQ(mmu.stats().staleUses, 1u);
  EXPECT_EQ(mmu.stats().pageFaultTotal(), 0u);
}

}  // namespace
