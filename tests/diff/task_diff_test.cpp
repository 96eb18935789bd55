// Call gates, task switches and virtual-8086 mode on our CPU and on Unicorn (QEMU's TCG): each
// program starts in real mode at 0000:7000 on both, enters protected mode (LGDT, LIDT, CR0.PE, a
// far jump, LTR), then transfers through a gate, switches tasks or enters V86 mode, and stops at a
// known linear address. Everything is compared there: registers, EIP, EFLAGS, selectors, TR,
// LDTR, CR0's PE/TS/PG, and the first 128 KB of memory (stacks, TSSs, busy bits, back links).
// Only paths that raise no exception run here: Unicorn reports an exception to its hook instead
// of delivering it (tests/cpu checks the faults, with their error codes).
#include <gtest/gtest.h>
#include <unicorn/unicorn.h>

#include <cstring>
#include <functional>
#include <initializer_list>
#include <vector>

#include "emu/cpu/cpu.h"
#include "emu/cpu/flat_bus.h"
#include "mmu/mmu.h"

namespace emu::diff {
namespace {

constexpr uint32_t kMem = 2u << 20;
constexpr uint32_t kGdt = 0x500, kIdt = 0x2000, kTssA = 0x4000, kTssB = 0x5000, kTssC = 0x5800,
                   kTssD = 0x5C00, kLdt = 0x6800, kBoot = 0x7000, kStart = 0x1000;
constexpr uint32_t kCompared = 0x20000;

struct Image {
  std::vector<uint8_t> m = std::vector<uint8_t>(kMem, 0);
  void put(uint32_t at, std::initializer_list<uint8_t> bytes) {
    for (uint8_t b : bytes) m[at++] = b;
  }
  void put16(uint32_t at, uint32_t v) { std::memcpy(&m[at], &v, 2); }
  void put32(uint32_t at, uint32_t v) { std::memcpy(&m[at], &v, 4); }
  // A segment descriptor; code and data ones come accessed, since QEMU sets the bit only on
  // data-segment loads ([386PRM] 5.1.1 and the system diff test's note).
  void desc(uint16_t sel, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
    if (access & 0x10) access |= 1;
    put32(kGdt + sel, (limit & 0xFFFF) | (base << 16));
    put32(kGdt + sel + 4, ((base >> 16) & 0xFF) | (uint32_t{access} << 8) | (limit & 0xF0000) |
                              (uint32_t{flags} << 20) | (base & 0xFF000000u));
  }
  void gate(uint16_t sel, uint16_t target, uint32_t offset, uint8_t type, uint8_t dpl,
            uint8_t params) {
    put32(kGdt + sel, (offset & 0xFFFF) | (uint32_t{target} << 16));
    put32(kGdt + sel + 4,
          (offset & 0xFFFF0000u) | 0x8000 | (uint32_t{dpl} << 13) | (uint32_t{type} << 8) | params);
  }
};

// The machine every program starts from: a GDT of flat ring-0 and ring-3 segments, TSS A (which
// the boot code loads into TR), TSS B (386), C (286), D (386, for V86 mode), a task gate to B,
// 386 and 286 call gates to ring 0, an LDT with one data segment; the boot code at kBoot, which
// ends with a jump to kStart in 32-bit ring 0 with ESP = 8000h.
Image baseImage() {
  Image im;
  im.desc(0x08, 0, 0xFFFFF, 0x9A, 0xC);
  im.desc(0x10, 0, 0xFFFFF, 0x92, 0xC);
  im.desc(0x18, 0, 0xFFFFF, 0xFA, 0xC);
  im.desc(0x20, 0, 0xFFFFF, 0xF2, 0xC);
  im.desc(0x28, kTssA, 0x67, 0x89, 0);
  im.desc(0x30, kTssB, 0x67, 0x89, 0);
  im.put32(kGdt + 0x38, 0x30u << 16);  // task gate to 0x30, DPL 0
  im.put32(kGdt + 0x3C, 0x8500);
  im.desc(0x40, kTssC, 0x2B, 0x81, 0);
  im.gate(0x48, 0x08, 0x1200, 0xC, 3, 2);
  im.gate(0x50, 0x08, 0x1280, 0x4, 3, 1);
  im.desc(0x58, kLdt, 0x0F, 0x82, 0);
  im.desc(0x60, kTssD, 0x67, 0x89, 0);
  im.put32(kLdt + 8, 0x0000FFFF);  // LDT 0x0C: data, base 100000h
  im.put32(kLdt + 12, 0x00CF9310);
  im.put32(kTssA + 4, 0x9000);  // ESP0
  im.put32(kTssA + 8, 0x10);    // SS0
  // Boot: cli; lgdt [7100h]; lidt [7108h]; mov eax, 11h; mov cr0, eax (PE, ET: no flag depends
  // on the CR0 each emulator resets to); jmp 08:7020h; segments; ESP; ltr 28h.
  im.put(kBoot, {0xFA, 0x66, 0x0F, 0x01, 0x16, 0x00, 0x71, 0x66, 0x0F, 0x01,
                 0x1E, 0x08, 0x71, 0x66, 0xB8, 0x11, 0x00, 0x00, 0x00, 0x0F,
                 0x22, 0xC0, 0x66, 0xEA, 0x20, 0x70, 0x00, 0x00, 0x08, 0x00});
  im.put(kBoot + 0x20,
         {0x66, 0xB8, 0x10, 0x00, 0x8E, 0xD8, 0x8E, 0xC0, 0x8E, 0xE0, 0x8E, 0xE8, 0x8E, 0xD0,
          0xBC, 0x00, 0x80, 0x00, 0x00, 0x66, 0xB8, 0x28, 0x00, 0x0F, 0x00, 0xD8, 0xE9});
  im.put32(kBoot + 0x3B, kStart - (kBoot + 0x3F));
  im.put16(0x7100, 0x67);
  im.put32(0x7102, kGdt);
  im.put16(0x7108, 0xFF);
  im.put32(0x710A, kIdt);
  return im;
}

// A 386 TSS's task: EIP, EFLAGS, ESP, the six selectors (ES CS SS DS FS GS), the LDT; the other
// registers 0xB0000000 + r.
void tss32(Image& im, uint32_t base, uint32_t eip, uint32_t eflags, uint32_t esp,
           std::initializer_list<uint16_t> sels, uint16_t ldt) {
  im.put32(base + 0x20, eip);
  im.put32(base + 0x24, eflags);
  for (unsigned r = 0; r < 8; ++r) im.put32(base + 0x28 + 4 * r, r == 4 ? esp : 0xB0000000u + r);
  unsigned k = 0;
  for (uint16_t s : sels) im.put32(base + 0x48 + 4 * k++, s);
  im.put32(base + 0x60, ldt);
}

struct Final {
  uint32_t r[8], eip, eflags, cr0;
  uint16_t sel[6], tr, ldtr;
  std::vector<uint8_t> mem;
};

Final runOurs(const Image& im, uint32_t stop, std::string& why) {
  FlatRamBus bus(kMem);
  bus.load(0, im.m.data(), kMem);
  mmu::Mmu mmu(bus);
  Cpu cpu(bus, mmu);
  for (SegReg s : {kEs, kCs, kSs, kDs, kFs, kGs}) cpu.setSegmentReal(s, 0);
  for (unsigned r = 0; r < 8; ++r) cpu.setReg(static_cast<Reg>(r), 0);  // DX: not the signature
  cpu.setEip(kBoot);
  struct Faults : Observer {
    int vector = -1;
    void onException(const ExceptionEvent& e) override {
      if (vector < 0) vector = e.vector;
    }
  } faults;
  cpu.events().attach(&faults);
  for (int k = 0; k < 10000 && cpu.segment(kCs).base + cpu.eip() != stop; ++k) {
    RunResult r = cpu.step();
    if (r.instructions != 1 || faults.vector >= 0) {
      why = "ours stopped: " + std::string(stopReasonName(r.reason)) + ", exception " +
            std::to_string(faults.vector) + "\n" + cpu.registerDump();
      break;
    }
  }
  cpu.events().detach(&faults);
  Final f;
  for (unsigned k = 0; k < 8; ++k) f.r[k] = cpu.reg(static_cast<Reg>(k));
  f.eip = cpu.eip();
  f.eflags = cpu.eflags();
  f.cr0 = cpu.cr0();
  for (unsigned s = 0; s < 6; ++s) f.sel[s] = cpu.segment(static_cast<SegReg>(s)).selector;
  f.tr = cpu.tr().selector;
  f.ldtr = cpu.ldtr().selector;
  f.mem.assign(bus.data(), bus.data() + kCompared);
  return f;
}

Final runUnicorn(Image im, uint32_t stop, std::string& why) {
  Final f{};
  uc_engine* uc = nullptr;
  if (uc_open(UC_ARCH_X86, UC_MODE_16, &uc) != UC_ERR_OK) {
    why = "uc_open failed";
    return f;
  }
  uc_ctl_set_cpu_model(uc, UC_CPU_X86_PENTIUM2);
  uc_mem_map_ptr(uc, 0, kMem, UC_PROT_ALL, im.m.data());
  int vector = -1;
  uc_hook hook;
  auto onIntr = [](uc_engine* u, uint32_t intno, void* v) {
    *static_cast<int*>(v) = static_cast<int>(intno);
    uc_emu_stop(u);
  };
  uc_hook_add(uc, &hook, UC_HOOK_INTR, reinterpret_cast<void*>(+onIntr), &vector, 1, 0);
  uint32_t zero = 0, ip = kBoot, fl = 2;
  for (int r :
       {UC_X86_REG_CS, UC_X86_REG_DS, UC_X86_REG_ES, UC_X86_REG_SS, UC_X86_REG_FS, UC_X86_REG_GS})
    uc_reg_write(uc, r, &zero);
  uc_reg_write(uc, UC_X86_REG_EIP, &ip);
  for (int r : {UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX, UC_X86_REG_ESP,
                UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI})
    uc_reg_write(uc, r, &zero);
  uc_reg_write(uc, UC_X86_REG_EFLAGS, &fl);
  uc_err err = uc_emu_start(uc, kBoot, stop, 0, 0);
  if (err != UC_ERR_OK || vector >= 0)
    why = "Unicorn stopped: " + std::string(uc_strerror(err)) + ", exception " +
          std::to_string(vector);
  if (!why.empty()) {
    uint32_t eip = 0, cs = 0;
    uc_reg_read(uc, UC_X86_REG_EIP, &eip);
    uc_reg_read(uc, UC_X86_REG_CS, &cs);
    why += " at " + std::to_string(cs) + ":" + std::to_string(eip);
  }
  const int regs[8] = {UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX,
                       UC_X86_REG_ESP, UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI};
  for (unsigned k = 0; k < 8; ++k) uc_reg_read(uc, regs[k], &f.r[k]);
  uc_reg_read(uc, UC_X86_REG_EIP, &f.eip);
  uc_reg_read(uc, UC_X86_REG_EFLAGS, &f.eflags);
  uc_reg_read(uc, UC_X86_REG_CR0, &f.cr0);
  const int segs[6] = {UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS,
                       UC_X86_REG_DS, UC_X86_REG_FS, UC_X86_REG_GS};
  for (unsigned s = 0; s < 6; ++s) {
    uint32_t v = 0;
    uc_reg_read(uc, segs[s], &v);
    f.sel[s] = static_cast<uint16_t>(v);
  }
  uc_x86_mmr mmr{};
  uc_reg_read(uc, UC_X86_REG_TR, &mmr);
  f.tr = mmr.selector;
  uc_reg_read(uc, UC_X86_REG_LDTR, &mmr);
  f.ldtr = mmr.selector;
  f.mem.assign(im.m.data(), im.m.data() + kCompared);
  uc_close(uc);
  return f;
}

// Runs the program on both and compares where they stop.
void compare(const Image& im, uint32_t stop) {
  std::string oursWhy, ucWhy;
  Final a = runOurs(im, stop, oursWhy);
  Final b = runUnicorn(im, stop, ucWhy);
  EXPECT_EQ(oursWhy, "");
  EXPECT_EQ(ucWhy, "");
  if (!oursWhy.empty() || !ucWhy.empty()) return;
  static const char* names[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
  for (unsigned k = 0; k < 8; ++k) EXPECT_EQ(a.r[k], b.r[k]) << names[k];
  EXPECT_EQ(a.eip, b.eip);
  EXPECT_EQ(a.eflags & ~flag::kRf, b.eflags & ~flag::kRf);
  EXPECT_EQ(a.cr0 & 0x8000000Fu, b.cr0 & 0x8000000Fu);
  for (unsigned s = 0; s < 6; ++s) EXPECT_EQ(a.sel[s], b.sel[s]) << "segment " << s;
  EXPECT_EQ(a.tr, b.tr);
  EXPECT_EQ(a.ldtr, b.ldtr);
  int shown = 0;
  for (uint32_t k = 0; k < kCompared; ++k) {
    if (a.mem[k] != b.mem[k] && shown++ < 8)
      ADD_FAILURE() << "memory " << std::hex << k << ": ours " << int(a.mem[k]) << ", Unicorn "
                    << int(b.mem[k]);
  }
}

// Ring 0 IRETs to ring 3 at 1100h (ESP C000h), which calls through the 386 gate 48h with two
// parameters; the ring-0 handler reads them and RETF 8 returns.
TEST(TaskDiff, CallGate386RoundTrip) {
  Image im = baseImage();
  im.put(kStart, {0x6A, 0x23, 0x68, 0x00, 0xC0, 0x00, 0x00, 0x6A, 0x02, 0x6A, 0x1B, 0x68, 0x00,
                  0x11, 0x00, 0x00, 0xCF});
  im.put(0x1100, {0x68, 0x11, 0x11, 0x11, 0x11, 0x68, 0x22, 0x22, 0x22, 0x22,
                  0x9A, 0x00, 0x00, 0x00, 0x00, 0x4B, 0x00, 0x89, 0xE3, 0xF4});
  im.put(0x1200, {0x8B, 0x44, 0x24, 0x08, 0x8B, 0x4C, 0x24, 0x0C, 0x8B, 0x54, 0x24, 0x10, 0xCA,
                  0x08, 0x00});
  compare(im, 0x1113);
}

// The same through the 286 gate 50h: one word parameter, RETF 2 with a 16-bit operand.
TEST(TaskDiff, CallGate286RoundTrip) {
  Image im = baseImage();
  im.put(kStart, {0x6A, 0x23, 0x68, 0x00, 0xC0, 0x00, 0x00, 0x6A, 0x02, 0x6A, 0x1B, 0x68, 0x00,
                  0x11, 0x00, 0x00, 0xCF});
  im.put(0x1100, {0x66, 0x6A, 0x55, 0x9A, 0x00, 0x00, 0x00, 0x00, 0x53, 0x00, 0xF4});
  im.put(0x1280, {0x66, 0x8B, 0x44, 0x24, 0x04, 0x66, 0xCA, 0x02, 0x00});
  compare(im, 0x110A);
}

// Task B: EIP 1300h, EFLAGS with CF, ESP 6000h, flat ring-0 segments, FS from the LDT.
Image withTaskB() {
  Image im = baseImage();
  tss32(im, kTssB, 0x1300, 0x3, 0x6000, {0x10, 0x08, 0x10, 0x10, 0x0C, 0x00}, 0x58);
  return im;
}

TEST(TaskDiff, JmpToTss) {
  Image im = withTaskB();
  im.put(kStart, {0xB8, 0xA0, 0x00, 0x00, 0x00, 0xEA, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00});
  compare(im, 0x1300);
}

TEST(TaskDiff, JmpThroughTaskGate) {
  Image im = withTaskB();
  im.put(kStart, {0xEA, 0x00, 0x00, 0x00, 0x00, 0x38, 0x00});
  compare(im, 0x1300);
}

// CALL nests (back link, NT); B's IRET returns to A after the CALL.
TEST(TaskDiff, CallToTssAndIretBack) {
  Image im = withTaskB();
  im.put(kStart, {0x9A, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00, 0xF4});
  // mov eax, 12345678h; iret. No arithmetic before the IRET: Unicorn 2.0.1 saves stale lazy
  // flags in the TSS there (after `inc eax` giving B0000001h it stores SF = 0).
  im.put(0x1300, {0xB8, 0x78, 0x56, 0x34, 0x12, 0xCF});
  compare(im, kStart + 7);
}

// No 286 TSS here: Unicorn 2.0.1 reads a 286 TSS's selectors at 22h + 4i (CS from 26h, the SS
// slot; SS from 2Ah, the LDT slot), where [386PRM] 13.5 (the 80286 TSS) puts them at
// 22h + 2i, so its switch raises #TS (seen with CS at 26h: it loads CS 08h and still fails on
// the LDT it reads at 2Ah). tests/cpu/task_test.cpp checks the 286 TSS.

// Ring 0 IRETs into V86 mode (CS 0900h, SS 0A00h, DS 0D00h), which reads [10h], pushes and pops.
TEST(TaskDiff, IretToV86) {
  Image im = baseImage();
  im.put(kStart,
         {0x68, 0x00, 0x0B, 0x00, 0x00, 0x68, 0x00, 0x0C, 0x00, 0x00, 0x68, 0x00, 0x0D, 0x00, 0x00,
          0x68, 0x00, 0x0E, 0x00, 0x00, 0x68, 0x00, 0x0A, 0x00, 0x00, 0x68, 0x00, 0x01, 0x00, 0x00,
          0x68, 0x02, 0x00, 0x02, 0x00, 0x68, 0x00, 0x09, 0x00, 0x00, 0x6A, 0x10, 0xCF});
  im.put(0x9010, {0xA1, 0x10, 0x00, 0x50, 0x5B, 0xF4});
  im.put16(0xD010, 0xBEEF);
  compare(im, 0x9015);
}

// A task switch into V86 mode: TSS D's EFLAGS has VM.
TEST(TaskDiff, TaskSwitchToV86) {
  Image im = baseImage();
  tss32(im, kTssD, 0x10, 0x20002, 0x100, {0x0E00, 0x0900, 0x0A00, 0x0D00, 0x0C00, 0x0B00}, 0);
  im.put(0x9010, {0xA1, 0x10, 0x00, 0x50, 0x5B, 0xF4});
  im.put16(0xD010, 0x1234);
  im.put(kStart, {0xEA, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00});
  compare(im, 0x9015);
}

}  // namespace
}  // namespace emu::diff
