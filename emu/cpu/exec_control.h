// Control transfer handlers: jumps, calls, returns, loops, software interrupts, HLT.
// Far transfers and IRET live in segments.cpp (they load descriptors).
#pragma once

#include "emu/cpu/exec_common.h"

namespace emu {

template <unsigned CC>
bool jcc(Core& c, const Insn& i) {
  if (!conditionNow(c, CC)) return true;
  c.cycles_ += cost::kJccTaken - cost::kJccNotTaken;
  return nearBranch(c, nextIp(i, c.eip_ + i.imm));
}

inline bool jmpRel(Core& c, const Insn& i) {
  return nearBranch(c, nextIp(i, c.eip_ + i.imm));
}

template <unsigned W>
bool jmpE(Core& c, const Insn& i) {
  uint32_t t;
  if (!readE<W>(c, i, t)) return false;
  return nearBranch(c, t);
}

// CALL: the return address is pushed only once the target is known to be inside CS.
template <unsigned W>
inline bool callNear(Core& c, uint32_t target) {
  if (target > c.seg_[kCs].limit) return c.gp(0);
  if (!push<W>(c, c.eip_)) return false;
  c.branch(target);
  return true;
}

template <unsigned W>
bool callRel(Core& c, const Insn& i) {
  return callNear<W>(c, nextIp(i, c.eip_ + i.imm));
}

template <unsigned W>
bool callE(Core& c, const Insn& i) {
  uint32_t t;
  if (!readE<W>(c, i, t)) return false;
  return callNear<W>(c, t);
}

// RET / RET imm16
template <unsigned W, bool IMM>
bool opRet(Core& c, const Insn& i) {
  uint32_t t;
  if (!peek<W>(c, 0, t)) return false;
  if (t > c.seg_[kCs].limit) return c.gp(0);
  setStackPtr(c, stackAdd(c, stackPtr(c), W + (IMM ? (i.imm & 0xFFFF) : 0)));
  c.branch(t);
  return true;
}

// LOOP (K=0), LOOPNE (1), LOOPE (2): the count register is CX or ECX by address size.
template <unsigned K>
bool opLoop(Core& c, const Insn& i) {
  uint32_t cnt;
  if (i.addr32()) {
    cnt = --c.r_[kEcx];
  } else {
    cnt = (c.r_[kEcx] - 1) & 0xFFFF;
    setReg<2>(c, kEcx, cnt);
  }
  bool take = cnt != 0;
  if (K == 1) take = take && !(c.eflagsNow() & flag::kZf);
  if (K == 2) take = take && (c.eflagsNow() & flag::kZf);
  if (!take) return true;
  uint32_t target = nextIp(i, c.eip_ + i.imm);
  if (target > c.seg_[kCs].limit) {
    // Undo the count so the fault leaves no side effect.
    if (i.addr32())
      ++c.r_[kEcx];
    else
      setReg<2>(c, kEcx, cnt + 1);
    return c.gp(0);
  }
  c.branch(target);
  return true;
}

inline bool opJcxz(Core& c, const Insn& i) {
  uint32_t cnt = i.addr32() ? c.r_[kEcx] : (c.r_[kEcx] & 0xFFFF);
  if (cnt != 0) return true;
  return nearBranch(c, nextIp(i, c.eip_ + i.imm));
}

// INT n (not INT3 or INTO) is IOPL-sensitive in virtual-8086 mode ([386PRM] 15.2.7.1).
inline bool opInt(Core& c, const Insn& i) {
  if (c.v86() && ((c.flags_ >> 12) & 3) != 3) return c.gp(0);
  return c.softwareInterrupt(static_cast<uint8_t>(i.imm));
}
inline bool opInt3(Core& c, const Insn&) {
  return c.softwareInterrupt(vec::kBp);
}
inline bool opInto(Core& c, const Insn&) {
  if (!(c.eflagsNow() & flag::kOf)) return true;
  return c.softwareInterrupt(vec::kOf);
}

// An IRET that completes lets the next NMI in ([386PRM] 9.6.1).
template <unsigned W>
bool opIret(Core& c, const Insn&) {
  if (!c.interruptReturn(W == 4)) return false;
  if (c.nmiBlocked_) {
    c.nmiBlocked_ = false;
    c.updateAttention();
  }
  return true;
}

inline bool jmpFarImm(Core& c, const Insn& i) {
  return c.farJump(i.imm2, i.imm);
}

template <unsigned W>
bool callFarImm(Core& c, const Insn& i) {
  return c.farCall(i.imm2, i.imm, W == 4);
}

// JMP/CALL m16:16 or m16:32
template <unsigned W>
inline bool readFarPointer(Core& c, const Insn& i, uint32_t& off, uint32_t& sel) {
  uint32_t ea = effectiveAddress(c, i);
  if (!readMem<W>(c, i.seg, ea, off)) return false;
  return readMem<2>(c, i.seg, i.addr32() ? ea + W : ((ea + W) & 0xFFFF), sel);
}
template <unsigned W>
bool jmpFarE(Core& c, const Insn& i) {
  uint32_t off, sel;
  if (!readFarPointer<W>(c, i, off, sel)) return false;
  return c.farJump(static_cast<uint16_t>(sel), off);
}
template <unsigned W>
bool callFarE(Core& c, const Insn& i) {
  uint32_t off, sel;
  if (!readFarPointer<W>(c, i, off, sel)) return false;
  return c.farCall(static_cast<uint16_t>(sel), off, W == 4);
}

template <unsigned W, bool IMM>
bool opRetf(Core& c, const Insn& i) {
  return c.farReturn(W == 4, IMM ? static_cast<uint16_t>(i.imm) : 0);
}

// HLT: privileged; the run loop waits for INTR (or stops when IF=0).
inline bool opHlt(Core& c, const Insn&) {
  if (c.pe_ && c.cpl_ != 0) return c.gp(0);
  c.halted_ = true;
  if (c.events_.active()) c.events_.halt(HaltEvent{c.curEip_, (c.flags_ & flag::kIf) != 0});
  c.updateAttention();
  return true;
}

}  // namespace emu
