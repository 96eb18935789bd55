// Virtual-8086 mode ([386PRM] chapter 15): EFLAGS.VM=1 in protected mode runs 8086 code at CPL 3
// with real-mode segments (base = selector * 16, 64 KB limits) through paging as user accesses.
// It is entered by an IRET from CPL 0 whose EFLAGS image has VM set (here) or by a task switch
// to a TSS whose EFLAGS has it (task.cpp); it is left by an interrupt or exception, through a
// 386 or 286 interrupt/trap gate to a ring-0 handler (interrupts.cpp pushes GS FS DS ES before
// the usual frame and nulls them) or through a task gate. CLI, STI, PUSHF, POPF, INT n and IRET
// are IOPL-sensitive: #GP(0) below IOPL 3 ([386PRM] 15.2.7.1); IN, OUT, INS and OUTS consult the
// TSS's I/O permission bitmap whatever IOPL is (segments.cpp ioAllowed). No VME.
#include "emu/cpu/cpu.h"
#include "emu/cpu/exec_common.h"

namespace emu {

// The six segment registers (ES CS SS DS FS GS) as 8086 segments: present, writable, DPL 3,
// 64 KB, 16-bit; CPL 3 ([386PRM] 15.1.2).
void Core::loadV86Segments(const uint16_t* sel) {
  for (unsigned s = 0; s < 6; ++s) {
    Segment v;
    v.selector = sel[s];
    v.base = uint32_t{sel[s]} << 4;
    v.limit = 0xFFFF;
    v.access = 0xF3;
    v.flags = 0;
    deriveChecks(v);
    seg_[s] = v;
  }
  cpl_ = 3;
  refreshMode();
}

// A 32-bit IRET at CPL 0 popped EIP, CS and an EFLAGS image with VM set (from SS:sp): the rest of
// the frame is ESP, SS, ES, DS, FS, GS, a dword each ([386PRM] IRET: STACK-RETURN-TO-V86).
bool Core::iretToV86(uint32_t ip, uint32_t cs, uint32_t fl, uint32_t sp) {
  uint32_t v[6];  // ESP SS ES DS FS GS
  for (unsigned k = 0; k < 6; ++k)
    if (!readMem<4>(*this, kSs, stackAdd(*this, sp, static_cast<int32_t>(12 + 4 * k)), v[k]))
      return false;
  if (ip > 0xFFFF) return gp(0);  // beyond the 64 KB code segment it returns to
  uint8_t fromCpl = cpl_;
  setEflags(fl);  // at CPL 0 every flag may change, VM included
  uint16_t sel[6] = {static_cast<uint16_t>(v[2]), static_cast<uint16_t>(cs),
                     static_cast<uint16_t>(v[1]), static_cast<uint16_t>(v[3]),
                     static_cast<uint16_t>(v[4]), static_cast<uint16_t>(v[5])};
  loadV86Segments(sel);
  r_[kEsp] = v[0];
  branch(ip);
  cycles_ += cost::kIretOuter;
  returnedOutward(ip, fromCpl);
  return true;
}

// IRET inside virtual-8086 mode: with IOPL 3 an 8086 IRET (IP, CS, FLAGS popped; IOPL and VM
// stay), else #GP(0) to the ring-0 monitor ([386PRM] IRET, 15.2.7.1).
bool Core::iretInV86(bool op32) {
  if (((flags_ >> 12) & 3) != 3) return gp(0);
  unsigned w = op32 ? 4 : 2;
  uint32_t sp = stackPtr(*this);
  uint32_t ip, cs, fl;
  auto rd = [&](uint32_t off, uint32_t& out) {
    uint32_t at = stackAdd(*this, sp, static_cast<int32_t>(off));
    return w == 4 ? readMem<4>(*this, kSs, at, out) : readMem<2>(*this, kSs, at, out);
  };
  if (!rd(0, ip) || !rd(w, cs) || !rd(2 * w, fl)) return false;
  if (!op32) ip &= 0xFFFF;
  if (ip > seg_[kCs].limit) return gp(0);
  uint32_t mask = flag::kWritable & ~(flag::kRf | flag::kIopl);
  if (w == 2) mask &= 0xFFFF;
  setSegmentReal(kCs, static_cast<uint16_t>(cs));
  setStackPtr(*this, stackAdd(*this, sp, static_cast<int32_t>(3 * w)));
  setEflags((eflagsNow() & ~mask) | (fl & mask));
  branch(ip);
  cycles_ += cost::kIretReal;
  return true;
}

}  // namespace emu
