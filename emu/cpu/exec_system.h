// System instruction handlers: interrupt flag, ports, descriptor tables, control and debug
// registers, TLB and cache control, CPUID, RDTSC, MSRs.
#pragma once

#include "emu/cpu/exec_common.h"

namespace emu {

// In protected mode CLI/STI need CPL <= IOPL ([386PRM] CLI); no VME/PVI.
inline bool iflagAllowed(const Cpu& c) {
  return !c.pe_ || c.cpl_ <= ((c.flags_ >> 12) & 3);
}

inline bool opCli(Cpu& c, const Insn&) {
  if (!iflagAllowed(c)) return c.gp(0);
  c.setEflags(c.flags_ & ~flag::kIf);
  return true;
}

// STI: interrupts are recognised only after the next instruction ([386PRM] STI).
inline bool opSti(Cpu& c, const Insn&) {
  if (!iflagAllowed(c)) return c.gp(0);
  if (!(c.flags_ & flag::kIf)) c.shadow_ = 1;
  c.setEflags(c.flags_ | flag::kIf);
  return true;
}

template <unsigned W>
bool inImm(Cpu& c, const Insn& i) {
  uint16_t port = static_cast<uint16_t>(i.imm & 0xFF);
  if (!c.ioAllowed(port, W)) return false;
  setReg<W>(c, kEax, c.bus_.ioRead(port, W));
  return true;
}
template <unsigned W>
bool outImm(Cpu& c, const Insn& i) {
  uint16_t port = static_cast<uint16_t>(i.imm & 0xFF);
  if (!c.ioAllowed(port, W)) return false;
  c.bus_.ioWrite(port, getReg<W>(c, kEax), W);
  return true;
}
template <unsigned W>
bool inDx(Cpu& c, const Insn&) {
  uint16_t port = static_cast<uint16_t>(c.r_[kEdx]);
  if (!c.ioAllowed(port, W)) return false;
  setReg<W>(c, kEax, c.bus_.ioRead(port, W));
  return true;
}
template <unsigned W>
bool outDx(Cpu& c, const Insn&) {
  uint16_t port = static_cast<uint16_t>(c.r_[kEdx]);
  if (!c.ioAllowed(port, W)) return false;
  c.bus_.ioWrite(port, getReg<W>(c, kEax), W);
  return true;
}

// Privileged instructions: #GP(0) unless CPL 0 (always allowed in real mode).
inline bool privileged(const Cpu& c) {
  return !c.pe_ || c.cpl_ == 0;
}

// LGDT/LIDT m16&32: with a 16-bit operand only 24 bits of the base are loaded ([386PRM] LGDT).
template <unsigned W, bool IDT>
bool loadDescTable(Cpu& c, const Insn& i) {
  if (!i.mem()) return c.ud();
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
bool storeDescTable(Cpu& c, const Insn& i) {
  if (!i.mem()) return c.ud();
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
bool storeSysSel(Cpu& c, const Insn& i) {
  if (!c.pe_) return c.ud();
  uint32_t sel = WHICH == 0 ? c.ldtr_.selector : c.tr_.selector;
  if (!i.mem()) {
    setReg<W>(c, i.rm(), sel);
    return true;
  }
  return writeMem<2>(c, i.seg, effectiveAddress(c, i), sel);
}

bool lldt(Cpu& c, uint16_t sel);
bool ltr(Cpu& c, uint16_t sel);
bool verify(Cpu& c, uint16_t sel, bool write);
bool larLsl(Cpu& c, uint16_t sel, bool lsl, uint32_t& out);

inline bool opLldt(Cpu& c, const Insn& i) {
  if (!c.pe_) return c.ud();
  if (c.cpl_ != 0) return c.gp(0);
  uint32_t sel;
  if (!readE<2>(c, i, sel)) return false;
  return lldt(c, static_cast<uint16_t>(sel));
}
inline bool opLtr(Cpu& c, const Insn& i) {
  if (!c.pe_) return c.ud();
  if (c.cpl_ != 0) return c.gp(0);
  uint32_t sel;
  if (!readE<2>(c, i, sel)) return false;
  return ltr(c, static_cast<uint16_t>(sel));
}
template <bool WRITE>
bool opVer(Cpu& c, const Insn& i) {
  if (!c.pe_) return c.ud();
  uint32_t sel;
  if (!readE<2>(c, i, sel)) return false;
  return verify(c, static_cast<uint16_t>(sel), WRITE);
}
template <unsigned W, bool LSL>
bool opLarLsl(Cpu& c, const Insn& i) {
  if (!c.pe_) return c.ud();
  uint32_t sel, out = 0;
  if (!readE<2>(c, i, sel)) return false;
  if (!larLsl(c, static_cast<uint16_t>(sel), LSL, out)) return false;
  if (c.flags_ & flag::kZf) setReg<W>(c, i.reg(), out);
  return true;
}

// ARPL r/m16, r16: raise the RPL of the destination to the source's (protected mode only).
inline bool opArpl(Cpu& c, const Insn& i) {
  if (!c.pe_) return c.ud();
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
  Cpu::MemRef ref;
  if (!rmwMem<2>(c, i.seg, effectiveAddress(c, i), ref)) return false;
  uint32_t out;
  adjust(refLoad<2>(c, ref), out);
  refStore<2>(c, ref, out);
  return true;
}

template <unsigned W>
bool opSmsw(Cpu& c, const Insn& i) {
  uint32_t v = c.cr0();
  if (!i.mem()) {
    setReg<W>(c, i.rm(), v);  // a 32-bit register gets all of CR0 (undefined high half on the 386)
    return true;
  }
  return writeMem<2>(c, i.seg, effectiveAddress(c, i), v);
}

// LMSW: loads PE MP EM TS; cannot clear PE ([386PRM] LMSW).
inline bool opLmsw(Cpu& c, const Insn& i) {
  if (!privileged(c)) return c.gp(0);
  uint32_t v;
  if (!readE<2>(c, i, v)) return false;
  uint32_t cr0 = c.cr0();
  uint32_t n = (cr0 & ~0xEu) | (v & 0xF) | (cr0 & 1);
  c.setCr0(n);
  return true;
}

inline bool opClts(Cpu& c, const Insn&) {
  if (!privileged(c)) return c.gp(0);
  c.setCr0(c.cr0() & ~0x8u);
  return true;
}

inline bool opInvlpg(Cpu& c, const Insn& i) {
  if (!i.mem()) return c.ud();
  if (!privileged(c)) return c.gp(0);
  c.mmu_.invlpg(c.seg_[i.seg].base + effectiveAddress(c, i));
  c.fetchLin_ = Cpu::kNoPage;
  c.endBlock();
  return true;
}

inline bool opWbinvd(Cpu& c, const Insn&) {
  if (!privileged(c)) return c.gp(0);
  return true;  // no caches are modelled
}

inline bool opUd2(Cpu& c, const Insn&) {
  return c.ud();
}

bool movToCr(Cpu& c, const Insn& i);
bool movFromCr(Cpu& c, const Insn& i);
bool movToDr(Cpu& c, const Insn& i);
bool movFromDr(Cpu& c, const Insn& i);
bool opCpuid(Cpu& c, const Insn& i);
bool opRdtsc(Cpu& c, const Insn& i);
bool opRdmsr(Cpu& c, const Insn& i);
bool opWrmsr(Cpu& c, const Insn& i);

}  // namespace emu
