// Data movement handlers: MOV and friends, the stack, flags transfers, conversions.
#pragma once

#include "emu/cpu/exec_common.h"

namespace emu {

template <unsigned W>
bool movEG(Core& c, const Insn& i) {
  return writeE<W>(c, i, getReg<W>(c, i.reg()));
}
template <unsigned W>
bool movGE(Core& c, const Insn& i) {
  uint32_t v;
  if (!readE<W>(c, i, v)) return false;
  setReg<W>(c, i.reg(), v);
  return true;
}
template <unsigned W>
bool movEI(Core& c, const Insn& i) {
  return writeE<W>(c, i, i.imm);
}
template <unsigned W, unsigned R>
bool movRegImm(Core& c, const Insn& i) {
  setReg<W>(c, R, i.imm);
  return true;
}
template <unsigned W>
bool movAMoffs(Core& c, const Insn& i) {
  uint32_t v;
  if (!readMem<W>(c, i.seg, i.disp, v)) return false;
  setReg<W>(c, kEax, v);
  return true;
}
template <unsigned W>
bool movMoffsA(Core& c, const Insn& i) {
  return writeMem<W>(c, i.seg, i.disp, getReg<W>(c, kEax));
}

// MOV r/m16, Sreg: a register destination with a 32-bit operand gets the selector zero-extended
// (Pentium and later; the 386 left the upper half undefined); memory is always 16 bits.
template <unsigned W>
bool movESreg(Core& c, const Insn& i) {
  if (i.reg() > 5) return c.ud();
  uint32_t sel = c.seg_[i.reg()].selector;
  if (!i.mem()) {
    setReg<W>(c, i.rm(), sel);
    return true;
  }
  return writeMem<2>(c, i.seg, effectiveAddress(c, i), sel);
}

// MOV Sreg, r/m16. CS is #UD; loading SS holds interrupts off for one instruction.
inline bool movSregE(Core& c, const Insn& i) {
  unsigned s = i.reg();
  if (s > 5 || s == kCs) return c.ud();
  uint32_t sel;
  if (!readE<2>(c, i, sel)) return false;
  if (!c.loadSegmentChecked(s, static_cast<uint16_t>(sel))) return false;
  if (s == kSs) c.shadow_ = 1;
  if (c.pe_) c.cycles_ += cost::kMovSregPm - cost::kMovSreg;
  c.updateAttention();
  return true;
}

template <unsigned W>
bool opLea(Core& c, const Insn& i) {
  setReg<W>(c, i.reg(), effectiveAddress(c, i));
  return true;
}

// XCHG with memory is locked on hardware; here it is one read-modify-write.
template <unsigned W>
bool xchgEG(Core& c, const Insn& i) {
  uint32_t g = getReg<W>(c, i.reg());
  if (!i.mem()) {
    setReg<W>(c, i.reg(), getReg<W>(c, i.rm()));
    setReg<W>(c, i.rm(), g);
    return true;
  }
  Core::MemRef ref;
  if (!rmwMem<W>(c, i.seg, effectiveAddress(c, i), ref)) return false;
  uint32_t m = refLoad<W>(c, ref);
  refStore<W>(c, ref, g);
  setReg<W>(c, i.reg(), m);
  return true;
}
template <unsigned W, unsigned R>
bool xchgAx(Core& c, const Insn&) {
  uint32_t a = getReg<W>(c, kEax);
  setReg<W>(c, kEax, getReg<W>(c, R));
  setReg<W>(c, R, a);
  return true;
}

inline bool opNop(Core&, const Insn&) {
  return true;
}

// NOP r/m (0F 1F /0, "NOPL", and the reserved-NOP opcodes 0F 19-0F 1E of the P6 family, SDM vol.
// 2 NOP and table A-3): a ModR/M operand that is decoded but never accessed, so it cannot fault.
inline bool opNopModrm(Core&, const Insn&) {
  return true;
}

// SALC (D6): AL = CF ? FFh : 00h, flags unchanged. Undocumented in the 386 manual but present on
// every Intel processor (SDM vol. 2 table A-2 lists D6 as reserved; Bochs and QEMU execute it).
inline bool opSalc(Core& c, const Insn&) {
  setReg<1>(c, kEax, carryFlag(c) ? 0xFF : 0x00);
  return true;
}

// ---- stack ------------------------------------------------------------------------------------
template <unsigned W, unsigned R>
bool pushReg(Core& c, const Insn&) {
  return push<W>(c, getReg<W>(c, R));  // PUSH ESP pushes the value before the push
}
template <unsigned W, unsigned R>
bool popReg(Core& c, const Insn&) {
  uint32_t v;
  if (!pop<W>(c, v)) return false;
  setReg<W>(c, R, v);  // POP ESP: the popped value wins over the increment
  return true;
}
template <unsigned W>
bool pushImm(Core& c, const Insn& i) {
  return push<W>(c, i.imm);
}
template <unsigned W>
bool pushE(Core& c, const Insn& i) {
  uint32_t v;
  if (!readE<W>(c, i, v)) return false;
  return push<W>(c, v);
}

// POP r/m: the effective address is computed with ESP already incremented ([386PRM] POP).
template <unsigned W>
bool popE(Core& c, const Insn& i) {
  uint32_t v;
  if (!peek<W>(c, 0, v)) return false;
  if (!i.mem()) {
    setStackPtr(c, stackAdd(c, stackPtr(c), W));
    setReg<W>(c, i.rm(), v);
    return true;
  }
  uint32_t oldEsp = c.r_[kEsp];
  setStackPtr(c, stackAdd(c, stackPtr(c), W));
  uint32_t off = effectiveAddress(c, i);
  if (!writeMem<W>(c, i.seg, off, v)) {
    c.r_[kEsp] = oldEsp;
    return false;
  }
  return true;
}

// PUSH Sreg: with a 32-bit operand the selector is pushed zero-extended. (Intel allows either
// that or a 16-bit store into the dword slot; Unicorn zero-extends, so we do.)
template <unsigned W, unsigned S>
bool pushSreg(Core& c, const Insn&) {
  return push<W>(c, c.seg_[S].selector);
}

// POP SS moves the stack pointer by the size of the stack it popped from: the old SS's B bit
// decides between ESP and SP, not the new one's ([386PRM] POP: the pop happens before the load).
template <unsigned W, unsigned S>
bool popSreg(Core& c, const Insn&) {
  uint32_t v;
  if (!peek<W>(c, 0, v)) return false;
  uint32_t sp = stackAdd(c, stackPtr(c), W);
  bool oldBig = c.stackBig_;
  if (!c.loadSegmentChecked(S, static_cast<uint16_t>(v))) return false;
  c.r_[kEsp] = oldBig ? sp : ((c.r_[kEsp] & 0xFFFF0000u) | sp);
  if (S == kSs) c.shadow_ = 1;
  if (c.pe_) c.cycles_ += cost::kPopSregPm - cost::kPopSreg;
  c.updateAttention();
  return true;
}

// PUSHA/POPA: the whole frame is checked before anything is written or loaded.
template <unsigned W>
bool opPusha(Core& c, const Insn&) {
  uint32_t sp0 = stackPtr(c);
  uint32_t low = stackAdd(c, sp0, -static_cast<int32_t>(8 * W));
  const Segment& ss = c.seg_[kSs];
  if (!ss.writable || !segRangeOk(ss, low, 8 * W) || low > sp0) {
    // A 16-bit stack that would wrap is checked piecewise by the pushes below.
    if (!ss.writable || c.stackBig_) return c.segFault(kSs);
  }
  if (!c.probeWrite(ss.base + low, 8 * W, c.user())) return false;
  uint32_t temp = getReg<W>(c, kEsp);
  uint32_t sp = sp0;
  for (unsigned r = 0; r < 8; ++r) {
    sp = stackAdd(c, sp, -static_cast<int32_t>(W));
    if (!writeMem<W>(c, kSs, sp, r == kEsp ? temp : getReg<W>(c, r))) return false;
  }
  setStackPtr(c, sp);
  return true;
}

template <unsigned W>
bool opPopa(Core& c, const Insn&) {
  uint32_t v[8];
  for (unsigned k = 0; k < 8; ++k)
    if (!peek<W>(c, k * W, v[k])) return false;
  for (unsigned k = 0; k < 8; ++k)
    if (7 - k != kEsp) setReg<W>(c, 7 - k, v[k]);
  setStackPtr(c, stackAdd(c, stackPtr(c), 8 * W));
  return true;
}

// In virtual-8086 mode PUSHF and POPF need IOPL 3, else #GP(0) ([386PRM] 15.2.7.1).
inline bool v86Sensitive(const Core& c) {
  return c.v86() && ((c.flags_ >> 12) & 3) != 3;
}

// PUSHF: VM and RF are pushed as 0 ([386PRM] PUSHF).
template <unsigned W>
bool opPushf(Core& c, const Insn&) {
  if (v86Sensitive(c)) return c.gp(0);
  return push<W>(c, c.eflagsNow() & ~(flag::kVm | flag::kRf));
}

// Which EFLAGS bits a POPF/IRET at the current privilege may change ([386PRM] POPF): IOPL only
// at CPL 0, IF only when CPL <= IOPL.
inline uint32_t popfMask(const Core& c) {
  uint32_t mask = flag::kWritable & ~flag::kRf;
  if (c.pe_) {
    unsigned iopl = (c.flags_ >> 12) & 3;
    if (c.cpl_ != 0) mask &= ~flag::kIopl;
    if (c.cpl_ > iopl) mask &= ~flag::kIf;
  }
  return mask;
}

template <unsigned W>
bool opPopf(Core& c, const Insn&) {
  if (v86Sensitive(c)) return c.gp(0);
  uint32_t v;
  if (!pop<W>(c, v)) return false;
  uint32_t mask = popfMask(c);
  if constexpr (W == 2) mask &= 0xFFFF;
  c.setEflags((c.eflagsNow() & ~mask) | (v & mask));
  return true;
}

inline bool opSahf(Core& c, const Insn&) {
  constexpr uint32_t m = flag::kSf | flag::kZf | flag::kAf | flag::kPf | flag::kCf;
  c.materializeFlags();
  c.flags_ = (c.flags_ & ~m) | ((c.r_[kEax] >> 8) & m);
  return true;
}
inline bool opLahf(Core& c, const Insn&) {
  setReg<1>(c, 4, (c.eflagsNow() & 0xD5) | 0x02);  // AH = SF ZF 0 AF 0 PF 1 CF
  return true;
}

// CLC STC CMC CLD STD
template <unsigned K>
bool flagOp(Core& c, const Insn&) {
  c.materializeFlags();
  if constexpr (K == 0) c.flags_ ^= flag::kCf;
  if constexpr (K == 1) c.flags_ &= ~flag::kCf;
  if constexpr (K == 2) c.flags_ |= flag::kCf;
  if constexpr (K == 3) c.flags_ &= ~flag::kDf;
  if constexpr (K == 4) c.flags_ |= flag::kDf;
  return true;
}

// CBW/CWDE and CWD/CDQ
template <unsigned W>
bool opCbw(Core& c, const Insn&) {
  if constexpr (W == 2)
    setReg<2>(c, kEax, sext<1>(c.r_[kEax]));
  else
    c.r_[kEax] = sext<2>(c.r_[kEax]);
  return true;
}
template <unsigned W>
bool opCwd(Core& c, const Insn&) {
  setReg<W>(c, kEdx, (getReg<W>(c, kEax) & kSign<W>) ? 0xFFFFFFFFu : 0);
  return true;
}

template <unsigned R>
bool opBswap(Core& c, const Insn&) {
  c.r_[R] = __builtin_bswap32(c.r_[R]);
  return true;
}

// CMOVcc: the source is read (and may fault) whether or not the condition holds; a 32-bit
// register destination is written only when it holds.
template <unsigned W, unsigned CC>
bool cmov(Core& c, const Insn& i) {
  uint32_t v;
  if (!readE<W>(c, i, v)) return false;
  if (conditionNow(c, CC)) setReg<W>(c, i.reg(), v);
  return true;
}

template <unsigned CC>
bool setcc(Core& c, const Insn& i) {
  return writeE<1>(c, i, conditionNow(c, CC) ? 1 : 0);
}

// MOVZX/MOVSX reg, r/m8 or r/m16
template <unsigned W, unsigned SRC, bool SIGNED>
bool movx(Core& c, const Insn& i) {
  uint32_t v;
  if (!readE<SRC>(c, i, v)) return false;
  setReg<W>(c, i.reg(), SIGNED ? sext<SRC>(v) : v);
  return true;
}

// XLAT: AL = [seg:EBX + AL]
inline bool opXlat(Core& c, const Insn& i) {
  uint32_t off = c.r_[kEbx] + (c.r_[kEax] & 0xFF);
  if (!i.addr32()) off &= 0xFFFF;
  uint32_t v;
  if (!readMem<1>(c, i.seg, off, v)) return false;
  setReg<1>(c, kEax, v);
  return true;
}

// BOUND reg, m16&16 / m32&32: #BR when the index is outside [lower, upper].
template <unsigned W>
bool opBound(Core& c, const Insn& i) {
  uint32_t off = effectiveAddress(c, i), lo, hi;
  if (!readMem<W>(c, i.seg, off, lo)) return false;
  if (!readMem<W>(c, i.seg, i.addr32() ? off + W : ((off + W) & 0xFFFF), hi)) return false;
  int32_t v = static_cast<int32_t>(sext<W>(getReg<W>(c, i.reg())));
  if (v < static_cast<int32_t>(sext<W>(lo)) || v > static_cast<int32_t>(sext<W>(hi)))
    return c.fault(vec::kBr);
  return true;
}

// ENTER imm16, imm8 ([386PRM] ENTER): the frame pointer chain is copied for nesting levels > 0.
// Everything is read and the whole frame checked before anything is written.
template <unsigned W>
bool opEnter(Core& c, const Insn& i) {
  unsigned level = i.imm2 & 31;
  uint32_t size = i.imm & 0xFFFF;
  uint32_t sp = stackPtr(c);
  uint32_t frameTemp = stackAdd(c, sp, -static_cast<int32_t>(W));
  uint32_t bp = c.stackBig_ ? c.r_[kEbp] : (c.r_[kEbp] & 0xFFFF);
  uint32_t copied[32];
  for (unsigned k = 1; k < level; ++k) {
    bp = stackAdd(c, bp, -static_cast<int32_t>(W));
    if (!readMem<W>(c, kSs, bp, copied[k])) return false;
  }
  uint32_t words = 1 + (level > 0 ? level : 0);
  uint32_t lowest = stackAdd(c, sp, -static_cast<int32_t>(W * words));
  uint32_t finalSp = stackAdd(c, lowest, -static_cast<int32_t>(size));
  const Segment& ss = c.seg_[kSs];
  if (!ss.writable || !segRangeOk(ss, lowest, W * words) || !segOk<W>(ss, finalSp))
    return c.segFault(kSs);
  // The 386 ends ENTER by checking that the final stack top can be written (an operand-sized
  // write access to SS:eSP that stores nothing, as Bochs models it): with the page below the
  // frame missing, ENTER faults with CR2 = that lowest address and changes nothing. Both ranges
  // are checked before either is committed, so the fault leaves no D bit behind.
  if (!c.checkWritable(ss.base + lowest, W * words, c.user()) ||
      !c.checkWritable(ss.base + finalSp, W, c.user()))
    return false;
  if (!c.probeWrite(ss.base + lowest, W * words, c.user()) ||
      !c.probeWrite(ss.base + finalSp, W, c.user()))
    return false;
  // frame-ptr is all of ESP after the first push on either stack size ([386PRM] ENTER: frame-ptr
  // := eSP; Bochs pushes and loads that 32-bit value): on a 16-bit stack its high half is ESP's.
  uint32_t framePtr = c.stackBig_ ? frameTemp : ((c.r_[kEsp] & 0xFFFF0000u) | frameTemp);
  uint32_t p = sp;
  p = stackAdd(c, p, -static_cast<int32_t>(W));
  if (!writeMem<W>(c, kSs, p, getReg<W>(c, kEbp))) return false;
  // Each frame pointer is read just before it is pushed (SDM vol. 2 ENTER: "Push([EBP - i*4])"
  // in one loop), so when the old frames overlap the new one a copy can see an earlier push. The
  // first pass above only proved every read and write can be made.
  bp = c.stackBig_ ? c.r_[kEbp] : (c.r_[kEbp] & 0xFFFF);
  for (unsigned k = 1; k < level; ++k) {
    bp = stackAdd(c, bp, -static_cast<int32_t>(W));
    if (!readMem<W>(c, kSs, bp, copied[k])) return false;
    p = stackAdd(c, p, -static_cast<int32_t>(W));
    if (!writeMem<W>(c, kSs, p, copied[k])) return false;
  }
  if (level > 0) {
    p = stackAdd(c, p, -static_cast<int32_t>(W));
    if (!writeMem<W>(c, kSs, p, framePtr)) return false;
  }
  // The frame pointer register takes the operand size ([386PRM] ENTER: "IF OperandSize = 16
  // THEN BP := frame-ptr ELSE EBP := frame-ptr", frame-ptr := eSP after pushing the old frame
  // pointer; Bochs's ENTER32 does the same). So an o32 ENTER on a 16-bit stack loads all of EBP
  // from ESP, whose high half the 16-bit pushes left alone; an o16 ENTER loads only BP. (QEMU
  // picks the register's width from the stack size instead; docs/cpu.md.)
  setReg<W>(c, kEbp, framePtr);
  setStackPtr(c, finalSp);
  if (level == 1) c.cycles_ += cost::kEnterLevel1 - cost::kEnter;
  if (level > 1)
    c.cycles_ += cost::kEnterNested + cost::kEnterPerLevel * (level - 1) - cost::kEnter;
  return true;
}

// LEAVE: ESP = EBP, then POP EBP.
template <unsigned W>
bool opLeave(Core& c, const Insn&) {
  uint32_t bp = c.stackBig_ ? c.r_[kEbp] : (c.r_[kEbp] & 0xFFFF);
  uint32_t v;
  if (!readMem<W>(c, kSs, bp, v)) return false;
  setStackPtr(c, stackAdd(c, bp, W));
  setReg<W>(c, kEbp, v);
  return true;
}

// LDS/LES/LFS/LGS/LSS reg, m16:16 / m16:32
template <unsigned W, unsigned S>
bool loadFarPtr(Core& c, const Insn& i) {
  uint32_t off = effectiveAddress(c, i), v, sel;
  if (!readMem<W>(c, i.seg, off, v)) return false;
  if (!readMem<2>(c, i.seg, i.addr32() ? off + W : ((off + W) & 0xFFFF), sel)) return false;
  if (!c.loadSegmentChecked(S, static_cast<uint16_t>(sel))) return false;
  setReg<W>(c, i.reg(), v);
  if (S == kSs) {
    c.shadow_ = 1;
    c.updateAttention();
  }
  return true;
}

}  // namespace emu
