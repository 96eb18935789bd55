// System instruction handlers: interrupt flag, ports, descriptor tables, control and debug
// registers, TLB and cache control, CPUID, RDTSC, MSRs. Most are inline here; the others:
//
// segments.cpp defines:
//   lldt, ltr, verify, larLsl.
// system.cpp defines:
//   movToCr, movFromCr, movToDr, movFromDr, opCpuid, opRdtsc, opRdmsr, opWrmsr, opRdpmc.
#pragma once

#include "emu/cpu/exec_common.h"

namespace emu {

// In protected mode CLI/STI need CPL <= IOPL ([386PRM] CLI); no VME/PVI.
inline bool iflagAllowed(const Core& c) {
  return !c.pe_ || c.cpl_ <= ((c.flags_ >> 12) & 3);
}

inline bool opCli(Core& c, const Insn&) {
  if (!iflagAllowed(c)) return c.gp(0);
  c.setEflags(c.eflagsNow() & ~flag::kIf);
  return true;
}

// STI: interrupts are recognised only after the next instruction ([386PRM] STI).
inline bool opSti(Core& c, const Insn&) {
  if (!iflagAllowed(c)) return c.gp(0);
  if (!(c.flags_ & flag::kIf)) c.shadow_ = 1;
  c.setEflags(c.eflagsNow() | flag::kIf);
  return true;
}

template <unsigned W>
bool inImm(Core& c, const Insn& i) {
  uint16_t port = static_cast<uint16_t>(i.imm & 0xFF);
  if (!c.ioAllowed(port, W)) return false;
  setReg<W>(c, kEax, c.bus_.ioRead(port, W));
  return true;
}
template <unsigned W>
bool outImm(Core& c, const Insn& i) {
  uint16_t port = static_cast<uint16_t>(i.imm & 0xFF);
  if (!c.ioAllowed(port, W)) return false;
  c.bus_.ioWrite(port, getReg<W>(c, kEax), W);
  return true;
}
template <unsigned W>
bool inDx(Core& c, const Insn&) {
  uint16_t port = static_cast<uint16_t>(c.r_[kEdx]);
  if (!c.ioAllowed(port, W)) return false;
  setReg<W>(c, kEax, c.bus_.ioRead(port, W));
  return true;
}
template <unsigned W>
bool outDx(Core& c, const Insn&) {
  uint16_t port = static_cast<uint16_t>(c.r_[kEdx]);
  if (!c.ioAllowed(port, W)) return false;
  c.bus_.ioWrite(port, getReg<W>(c, kEax), W);
  return true;
}

// Privileged instructions: #GP(0) unless CPL 0 (always allowed in real mode).
inline bool privileged(const Core& c) {
  return !c.pe_ || c.cpl_ == 0;
}

// LGDT/LIDT m16&32: with a 16-bit operand only 24 bits of the base are loaded ([386PRM] LGDT).
template <unsigned W, bool IDT>
bool loadDescTable(Core& c, const Insn& i) {
  if (!privileged(c)) return c.gp(0);
  uint32_t off = effectiveAddress(c, i), limit, base;
  if (!readMem<2>(c, i.seg, off, limit)) return false;
  if (!readMem<4>(c, i.seg, i.addr32() ? off + 2 : ((off + 2) & 0xFFFF), base)) return false;
  if (W == 2) base &= 0x00FFFFFF;
  DescriptorTable t{base, static_cast<uint16_t>(limit)};
  if (IDT)
    c.idtr_ = t;
  else
    c.gdtr_ = t;
  return true;
}

// SGDT/SIDT m: limit and base; with a 16-bit operand only 24 bits of the base are stored (the
// high byte 0), as Unicorn does ([386PRM] SGDT leaves that byte undefined).
template <unsigned W, bool IDT>
bool storeDescTable(Core& c, const Insn& i) {
  DescriptorTable t = IDT ? c.idtr_ : c.gdtr_;
  if (W == 2) t.base &= 0x00FFFFFF;
  uint32_t off = effectiveAddress(c, i);
  uint32_t off2 = i.addr32() ? off + 2 : ((off + 2) & 0xFFFF);
  const Segment& s = c.seg_[i.seg];
  if (!s.writable || !segOk<2>(s, off) || !segOk<4>(s, off2)) return c.segFault(i.seg);
  if (!c.probeWrite(s.base + off, 6, c.user())) return false;
  if (!writeMem<2>(c, i.seg, off, t.limit)) return false;
  return writeMem<4>(c, i.seg, off2, t.base);
}

// SLDT / STR r/m16 (protected mode only)
template <unsigned W, unsigned WHICH>
bool storeSysSel(Core& c, const Insn& i) {
  if (c.realSegments()) return c.ud();  // real and virtual-8086 mode
  uint32_t sel = WHICH == 0 ? c.ldtr_.selector : c.tr_.selector;
  if (!i.mem()) {
    setReg<W>(c, i.rm(), sel);
    return true;
  }
  return writeMem<2>(c, i.seg, effectiveAddress(c, i), sel);
}

bool lldt(Core& c, uint16_t sel);
bool ltr(Core& c, uint16_t sel);
bool verify(Core& c, uint16_t sel, bool write);
bool larLsl(Core& c, uint16_t sel, bool lsl, uint32_t& out);

inline bool opLldt(Core& c, const Insn& i) {
  if (c.realSegments()) return c.ud();  // real and virtual-8086 mode
  if (c.cpl_ != 0) return c.gp(0);
  uint32_t sel;
  if (!readE<2>(c, i, sel)) return false;
  return lldt(c, static_cast<uint16_t>(sel));
}
inline bool opLtr(Core& c, const Insn& i) {
  if (c.realSegments()) return c.ud();  // real and virtual-8086 mode
  if (c.cpl_ != 0) return c.gp(0);
  uint32_t sel;
  if (!readE<2>(c, i, sel)) return false;
  return ltr(c, static_cast<uint16_t>(sel));
}
template <bool WRITE>
bool opVer(Core& c, const Insn& i) {
  if (c.realSegments()) return c.ud();  // real and virtual-8086 mode
  uint32_t sel;
  if (!readE<2>(c, i, sel)) return false;
  return verify(c, static_cast<uint16_t>(sel), WRITE);
}
template <unsigned W, bool LSL>
bool opLarLsl(Core& c, const Insn& i) {
  if (c.realSegments()) return c.ud();  // real and virtual-8086 mode
  uint32_t sel, out = 0;
  if (!readE<2>(c, i, sel)) return false;
  if (!larLsl(c, static_cast<uint16_t>(sel), LSL, out)) return false;
  if (c.eflagsNow() & flag::kZf) setReg<W>(c, i.reg(), out);
  return true;
}

// ARPL r/m16, r16: raise the RPL of the destination to the source's (protected mode only).
inline bool opArpl(Core& c, const Insn& i) {
  if (c.realSegments()) return c.ud();  // real and virtual-8086 mode
  c.materializeFlags();
  uint32_t src = getReg<2>(c, i.reg());
  auto adjust = [&](uint32_t d, uint32_t& out) {
    if ((d & 3) < (src & 3)) {
      out = (d & ~3u) | (src & 3);
      c.flags_ |= flag::kZf;
      return true;
    }
    c.flags_ &= ~flag::kZf;
    out = d;
    return false;
  };
  if (!i.mem()) {
    uint32_t out;
    if (adjust(getReg<2>(c, i.rm()), out)) setReg<2>(c, i.rm(), out);
    return true;
  }
  // The operand is read, and written only when the RPL changes: on a read-only segment or page
  // an ARPL that changes nothing does not fault (the 80386 makes no write cycle then).
  uint32_t off = effectiveAddress(c, i), d, out;
  if (!readMem<2>(c, i.seg, off, d)) return false;
  uint32_t zf = c.flags_ & flag::kZf;
  if (adjust(d, out) && !writeMem<2>(c, i.seg, off, out)) {
    c.flags_ = (c.flags_ & ~flag::kZf) | zf;  // the faulting instruction changes no flag
    return false;
  }
  return true;
}

template <unsigned W>
bool opSmsw(Core& c, const Insn& i) {
  uint32_t v = c.cr0();
  if (!i.mem()) {
    setReg<W>(c, i.rm(), v);  // a 32-bit register gets all of CR0 (undefined high half on the 386)
    return true;
  }
  return writeMem<2>(c, i.seg, effectiveAddress(c, i), v);
}

// LMSW: loads PE MP EM TS; cannot clear PE ([386PRM] LMSW).
inline bool opLmsw(Core& c, const Insn& i) {
  if (!privileged(c)) return c.gp(0);
  uint32_t v;
  if (!readE<2>(c, i, v)) return false;
  uint32_t cr0 = c.cr0();
  uint32_t n = (cr0 & ~0xEu) | (v & 0xF) | (cr0 & 1);
  c.setCr0(n);
  return true;
}

inline bool opClts(Core& c, const Insn&) {
  if (!privileged(c)) return c.gp(0);
  c.setCr0(c.cr0() & ~0x8u);
  return true;
}

inline bool opInvlpg(Core& c, const Insn& i) {
  if (!privileged(c)) return c.gp(0);
  c.mmu_.invlpg(c.seg_[i.seg].base + effectiveAddress(c, i));
  c.fetchLin_ = Core::kNoPage;
  c.endBlock();
  return true;
}

inline bool opWbinvd(Core& c, const Insn&) {
  if (!privileged(c)) return c.gp(0);
  return true;  // no caches are modelled
}

inline bool opUd2(Core& c, const Insn&) {
  return c.ud();
}

bool movToCr(Core& c, const Insn& i);
bool movFromCr(Core& c, const Insn& i);
bool movToDr(Core& c, const Insn& i);
bool movFromDr(Core& c, const Insn& i);
bool opCpuid(Core& c, const Insn& i);
bool opRdtsc(Core& c, const Insn& i);
bool opRdmsr(Core& c, const Insn& i);
bool opRdpmc(Core& c, const Insn& i);
bool opWrmsr(Core& c, const Insn& i);

}  // namespace emu
