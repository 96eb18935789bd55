// Decode and execute one block on a sandbox: a bare CPU on 1 MB of flat RAM (emu/cpu/flat_bus.h),
// no devices. The input is
//   byte 0        mode: bit 0 32-bit flat protected mode (else real mode), bit 1 TF set (the
//                 careful one-instruction path), bit 2 IF set with an interrupt queued, bit 3
//                 stop on an unsupported opcode
//   bytes 1-32    EAX..EDI
//   the rest      code, placed at 0x1000 (and again at 0x2000, where a jump may land)
// and the CPU runs one block (32 instructions at most, the decoded-block limit) or 100,000
// cycles, whichever comes first.
#include <cstdint>

#include "emu/cpu/cpu.h"
#include "emu/cpu/flat_bus.h"
#include "fuzz/fuzz_support.h"
#include "mmu/mmu.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr uint32_t kCode = 0x1000, kCopy = 0x2000;
  fuzz::Reader in(data, size);
  uint8_t mode = in.byte();
  uint32_t regs[8];
  for (uint32_t& r : regs) r = in.take(4);
  emu::FlatRamBus bus(1u << 20);
  mmu::Mmu mmu(bus);
  emu::Cpu cpu(bus, mmu);
  size_t codeBytes = in.left() > 0x1000 ? 0x1000 : in.left();
  bus.load(kCode, in.here(), codeBytes);
  bus.load(kCopy, in.here(), codeBytes);
  if (mode & 1) {
    cpu.enterFlatProtectedMode();
  } else {
    for (emu::SegReg s : {emu::kEs, emu::kCs, emu::kSs, emu::kDs, emu::kFs, emu::kGs})
      cpu.setSegmentReal(s, 0);
  }
  for (unsigned r = 0; r < 8; ++r) cpu.setReg(static_cast<emu::Reg>(r), regs[r]);
  cpu.setEip(kCode);
  uint32_t flags = emu::flag::kFixed;
  if (mode & 2) flags |= emu::flag::kTf;
  if (mode & 4) {
    flags |= emu::flag::kIf;
    bus.queueInterrupt(0x20);
    cpu.setIntr(true);
  }
  cpu.setEflags(flags);
  cpu.setStopOnUnsupportedOpcode(mode & 8);
  cpu.run(32, 100000);
  return 0;
}
