// Arithmetic, logic, shifts, bit operations, multiply/divide and BCD adjustment handlers.
// Flags follow [386PRM] chapter 17; where Intel leaves a flag undefined we produce what Unicorn
// (QEMU's x86 flag helpers) produces, and say so at the handler.
#pragma once

#include <cstdint>

#include "emu/cpu/exec_common.h"

namespace emu {

enum AluOp : uint8_t { kAdd, kOr, kAdc, kSbb, kAnd, kSub, kXor, kCmp };

// Computes `a OP b`, sets the flags, returns the result (CMP returns a: nothing is written).
// The flags are left lazy (Core::lazyOp_): flagsAdd/flagsSub/flagsLogic of the same inputs.
template <AluOp OP, unsigned W>
XRAY86_HOT uint32_t alu(Core& c, uint32_t a, uint32_t b) {
  uint32_t r;
  switch (OP) {
    case kAdd:
      r = a + b;
      setLazy<Core::kLazyAdd, W>(c, a, b, r, 0);
      break;
    case kAdc: {
      uint32_t cf = carryFlag(c);
      r = a + b + cf;
      setLazy<Core::kLazyAdc, W>(c, a, b, r, cf);
      break;
    }
    case kSub:
      r = a - b;
      setLazy<Core::kLazySub, W>(c, a, b, r, 0);
      break;
    case kSbb: {
      uint32_t cf = carryFlag(c);
      r = a - b - cf;
      setLazy<Core::kLazySbb, W>(c, a, b, r, cf);
      break;
    }
    case kCmp:
      setLazy<Core::kLazySub, W>(c, a, b, a - b, 0);
      return a;
    case kAnd:
      r = a & b;
      setLazy<Core::kLazySzp, W>(c, 0, 0, r, 0);
      break;
    case kOr:
      r = a | b;
      setLazy<Core::kLazySzp, W>(c, 0, 0, r, 0);
      break;
    default:
      r = a ^ b;
      setLazy<Core::kLazySzp, W>(c, 0, 0, r, 0);
      break;
  }
  return r & kMask<W>;
}

// OP r/m, reg
template <AluOp OP, unsigned W>
bool aluEG(Core& c, const Insn& i) {
  uint32_t src = getReg<W>(c, i.reg());
  if (!i.mem()) {
    uint32_t r = alu<OP, W>(c, getReg<W>(c, i.rm()), src);
    if constexpr (OP != kCmp) setReg<W>(c, i.rm(), r);
    return true;
  }
  uint32_t off = effectiveAddress(c, i);
  if constexpr (OP == kCmp) {
    uint32_t d;
    if (!readMem<W>(c, i.seg, off, d)) return false;
    alu<OP, W>(c, d, src);
  } else {
    Core::MemRef ref;
    if (!rmwMem<W>(c, i.seg, off, ref)) return false;
    refStore<W>(c, ref, alu<OP, W>(c, refLoad<W>(c, ref), src));
  }
  return true;
}

// OP reg, r/m
template <AluOp OP, unsigned W>
bool aluGE(Core& c, const Insn& i) {
  uint32_t src;
  if (!readE<W>(c, i, src)) return false;
  uint32_t r = alu<OP, W>(c, getReg<W>(c, i.reg()), src);
  if constexpr (OP != kCmp) setReg<W>(c, i.reg(), r);
  return true;
}

// OP AL/AX/EAX, imm
template <AluOp OP, unsigned W>
bool aluAI(Core& c, const Insn& i) {
  uint32_t r = alu<OP, W>(c, getReg<W>(c, kEax), i.imm);
  if constexpr (OP != kCmp) setReg<W>(c, kEax, r);
  return true;
}

// OP r/m, imm (group 1: 80, 81, 82, 83)
template <AluOp OP, unsigned W>
bool aluEI(Core& c, const Insn& i) {
  if (!i.mem()) {
    uint32_t r = alu<OP, W>(c, getReg<W>(c, i.rm()), i.imm);
    if constexpr (OP != kCmp) setReg<W>(c, i.rm(), r);
    return true;
  }
  uint32_t off = effectiveAddress(c, i);
  if constexpr (OP == kCmp) {
    uint32_t d;
    if (!readMem<W>(c, i.seg, off, d)) return false;
    alu<OP, W>(c, d, i.imm);
  } else {
    Core::MemRef ref;
    if (!rmwMem<W>(c, i.seg, off, ref)) return false;
    refStore<W>(c, ref, alu<OP, W>(c, refLoad<W>(c, ref), i.imm));
  }
  return true;
}

template <unsigned W>
bool testEG(Core& c, const Insn& i) {
  uint32_t v;
  if (!readE<W>(c, i, v)) return false;
  setLazy<Core::kLazySzp, W>(c, 0, 0, v & getReg<W>(c, i.reg()), 0);
  return true;
}
template <unsigned W>
bool testEI(Core& c, const Insn& i) {
  uint32_t v;
  if (!readE<W>(c, i, v)) return false;
  setLazy<Core::kLazySzp, W>(c, 0, 0, v & i.imm, 0);
  return true;
}
template <unsigned W>
bool testAI(Core& c, const Insn& i) {
  setLazy<Core::kLazySzp, W>(c, 0, 0, getReg<W>(c, kEax) & i.imm, 0);
  return true;
}

// INC/DEC leave CF alone ([386PRM] INC).
template <unsigned W, bool DEC>
XRAY86_HOT uint32_t incDec(Core& c, uint32_t a) {
  uint32_t r = (DEC ? a - 1 : a + 1) & kMask<W>;
  setLazy<DEC ? Core::kLazyDec : Core::kLazyInc, W>(c, a, 1, r, carryFlag(c));
  return r;
}
template <unsigned W, unsigned R>
bool incReg(Core& c, const Insn&) {
  setReg<W>(c, R, incDec<W, false>(c, getReg<W>(c, R)));
  return true;
}
template <unsigned W, unsigned R>
bool decReg(Core& c, const Insn&) {
  setReg<W>(c, R, incDec<W, true>(c, getReg<W>(c, R)));
  return true;
}
template <unsigned W, bool DEC>
bool incE(Core& c, const Insn& i) {
  if (!i.mem()) {
    setReg<W>(c, i.rm(), incDec<W, DEC>(c, getReg<W>(c, i.rm())));
    return true;
  }
  Core::MemRef ref;
  if (!rmwMem<W>(c, i.seg, effectiveAddress(c, i), ref)) return false;
  refStore<W>(c, ref, incDec<W, DEC>(c, refLoad<W>(c, ref)));
  return true;
}

// NOT changes no flags; NEG is 0 - x (CF = x != 0).
template <unsigned W>
bool opNot(Core& c, const Insn& i) {
  if (!i.mem()) {
    setReg<W>(c, i.rm(), ~getReg<W>(c, i.rm()));
    return true;
  }
  Core::MemRef ref;
  if (!rmwMem<W>(c, i.seg, effectiveAddress(c, i), ref)) return false;
  refStore<W>(c, ref, ~refLoad<W>(c, ref));
  return true;
}
template <unsigned W>
bool opNeg(Core& c, const Insn& i) {
  if (!i.mem()) {
    uint32_t v = getReg<W>(c, i.rm());
    setLazy<Core::kLazySub, W>(c, 0, v, 0 - v, 0);
    setReg<W>(c, i.rm(), 0 - v);
    return true;
  }
  Core::MemRef ref;
  if (!rmwMem<W>(c, i.seg, effectiveAddress(c, i), ref)) return false;
  uint32_t v = refLoad<W>(c, ref);
  setLazy<Core::kLazySub, W>(c, 0, v, 0 - v, 0);
  refStore<W>(c, ref, 0 - v);
  return true;
}

// ---- multiply and divide ----------------------------------------------------------------------
// [386PRM] MUL: early-out multiply, max(ceil(log2|m|), 3) + 6 clocks, 9 when m = 0.
inline uint32_t mulCost(uint32_t m, bool mem) {
  uint32_t n = 0;
  if (m == 0) {
    n = cost::kMulZero;
  } else {
    unsigned bits = 32 - static_cast<unsigned>(__builtin_clz(m));  // ceil(log2 m) <= bits
    unsigned lg = (m & (m - 1)) == 0 ? bits - 1 : bits;
    n = (lg < 3 ? 3 : lg) + cost::kMulBase;
  }
  return n + (mem ? cost::kMulMemExtra : 0);
}

// MUL/IMUL: CF = OF = the high half is significant; SF ZF PF from the low half and AF = 0, as
// Unicorn (QEMU's CC_OP_MUL) computes them (Intel: undefined): a lazy SZP record of the low half.
template <unsigned W>
bool opMul(Core& c, const Insn& i) {
  uint32_t m;
  if (!readE<W>(c, i, m)) return false;
  uint64_t p = uint64_t{getReg<W>(c, kEax)} * m;
  uint32_t lo = static_cast<uint32_t>(p) & kMask<W>;
  uint32_t hi = static_cast<uint32_t>(p >> (W * 8)) & kMask<W>;
  if constexpr (W == 1) {
    setReg<2>(c, kEax, static_cast<uint32_t>(p));
  } else {
    setReg<W>(c, kEax, lo);
    setReg<W>(c, kEdx, hi);
  }
  setLazy<Core::kLazySzp, W>(c, 0, 0, lo, hi != 0 ? flag::kCf | flag::kOf : 0);
  c.cycles_ += mulCost(m, i.mem());
  return true;
}

template <unsigned W>
bool opImul1(Core& c, const Insn& i) {
  uint32_t m;
  if (!readE<W>(c, i, m)) return false;
  int64_t p =
      int64_t{static_cast<int32_t>(sext<W>(getReg<W>(c, kEax)))} * static_cast<int32_t>(sext<W>(m));
  uint32_t lo = static_cast<uint32_t>(p) & kMask<W>;
  uint32_t hi = static_cast<uint32_t>(static_cast<uint64_t>(p) >> (W * 8)) & kMask<W>;
  if constexpr (W == 1) {
    setReg<2>(c, kEax, static_cast<uint32_t>(p));
  } else {
    setReg<W>(c, kEax, lo);
    setReg<W>(c, kEdx, hi);
  }
  bool overflow = static_cast<int64_t>(static_cast<int32_t>(sext<W>(lo))) != p;
  setLazy<Core::kLazySzp, W>(c, 0, 0, lo, overflow ? flag::kCf | flag::kOf : 0);
  c.cycles_ += mulCost(m, i.mem());
  return true;
}

template <unsigned W>
inline void imulInto(Core& c, const Insn& i, uint32_t a, uint32_t b) {
  int64_t p = int64_t{static_cast<int32_t>(sext<W>(a))} * static_cast<int32_t>(sext<W>(b));
  uint32_t lo = static_cast<uint32_t>(p) & kMask<W>;
  setReg<W>(c, i.reg(), lo);
  bool overflow = static_cast<int64_t>(static_cast<int32_t>(sext<W>(lo))) != p;
  setLazy<Core::kLazySzp, W>(c, 0, 0, lo, overflow ? flag::kCf | flag::kOf : 0);
  c.cycles_ += mulCost(b, i.mem());
}

// IMUL reg, r/m
template <unsigned W>
bool imul2(Core& c, const Insn& i) {
  uint32_t m;
  if (!readE<W>(c, i, m)) return false;
  imulInto<W>(c, i, getReg<W>(c, i.reg()), m);
  return true;
}
// IMUL reg, r/m, imm
template <unsigned W>
bool imul3(Core& c, const Insn& i) {
  uint32_t m;
  if (!readE<W>(c, i, m)) return false;
  imulInto<W>(c, i, m, i.imm);
  return true;
}

// DIV/IDIV: #DE on a zero divisor or a quotient that does not fit; flags unchanged (undefined in
// Intel's manual; Unicorn leaves them).
template <unsigned W>
bool opDiv(Core& c, const Insn& i) {
  uint32_t d;
  if (!readE<W>(c, i, d)) return false;
  if (d == 0) return c.fault(vec::kDe);
  uint64_t n =
      W == 1 ? getReg<2>(c, kEax) : (uint64_t{getReg<W>(c, kEdx)} << (W * 8)) | getReg<W>(c, kEax);
  uint64_t q = n / d;
  if (q > kMask<W>) return c.fault(vec::kDe);
  uint32_t rem = static_cast<uint32_t>(n % d);
  if constexpr (W == 1) {
    setReg<2>(c, kEax, (rem << 8) | static_cast<uint32_t>(q));
  } else {
    setReg<W>(c, kEax, static_cast<uint32_t>(q));
    setReg<W>(c, kEdx, rem);
  }
  uint32_t clocks = W == 1 ? cost::kDiv8 : W == 2 ? cost::kDiv16 : cost::kDiv32;
  c.cycles_ += clocks + (i.mem() ? cost::kDivMemExtra : 0);
  return true;
}

template <unsigned W>
bool opIdiv(Core& c, const Insn& i) {
  uint32_t d;
  if (!readE<W>(c, i, d)) return false;
  int64_t dv = static_cast<int32_t>(sext<W>(d));
  if (dv == 0) return c.fault(vec::kDe);
  int64_t n;
  if constexpr (W == 1)
    n = static_cast<int16_t>(getReg<2>(c, kEax));
  else if constexpr (W == 2)
    n = static_cast<int32_t>((getReg<2>(c, kEdx) << 16) | getReg<2>(c, kEax));
  else
    n = static_cast<int64_t>((uint64_t{c.r_[kEdx]} << 32) | c.r_[kEax]);
  // EDX:EAX = 2^63 divided by -1 would overflow the host division (and trap): the quotient does
  // not fit in 32 bits anyway, so it is #DE like any other overflow.
  if (dv == -1 && n == INT64_MIN) return c.fault(vec::kDe);
  int64_t q = n / dv;
  int64_t rem = n % dv;
  int64_t lim = int64_t{1} << (W * 8 - 1);
  if (q >= lim || q < -lim) return c.fault(vec::kDe);
  if constexpr (W == 1) {
    setReg<2>(c, kEax,
              ((static_cast<uint32_t>(rem) & 0xFF) << 8) | (static_cast<uint32_t>(q) & 0xFF));
  } else {
    setReg<W>(c, kEax, static_cast<uint32_t>(q));
    setReg<W>(c, kEdx, static_cast<uint32_t>(rem));
  }
  uint32_t clocks = W == 1 ? cost::kIdiv8 : W == 2 ? cost::kIdiv16 : cost::kIdiv32;
  c.cycles_ += clocks + (i.mem() ? cost::kDivMemExtra : 0);
  return true;
}

// ---- shifts and rotates -----------------------------------------------------------------------
enum ShiftOp : uint8_t { kRol, kRor, kRcl, kRcr, kShl, kShr, kSar };
enum CountSrc : uint8_t { kCountOne, kCountCl, kCountImm };

// Shifts `a` by `count` (already masked to 5 bits, nonzero) and updates flags. Undefined flags
// follow Unicorn (QEMU): AF = 0 for shifts, OF computed for every count from the last step.
template <ShiftOp OP, unsigned W>
inline uint32_t shiftValue(Core& c, uint32_t a, unsigned count) {
  constexpr unsigned bits = W * 8;
  a &= kMask<W>;
  uint32_t r;
  switch (OP) {
    case kShl: {
      uint64_t pre = uint64_t{a} << (count - 1);  // the value before the last step
      r = static_cast<uint32_t>(pre << 1) & kMask<W>;
      uint32_t cf = static_cast<uint32_t>(pre >> (bits - 1)) & 1;
      uint32_t of = ((static_cast<uint32_t>(pre) ^ r) & kSign<W>) ? flag::kOf : 0;
      setLazy<Core::kLazySzp, W>(c, 0, 0, r, cf | of);
      return r;
    }
    case kShr: {
      uint32_t pre = static_cast<uint32_t>(uint64_t{a} >> (count - 1));
      r = pre >> 1;
      uint32_t of = ((pre ^ r) & kSign<W>) ? flag::kOf : 0;
      setLazy<Core::kLazySzp, W>(c, 0, 0, r, (pre & 1) | of);
      return r;
    }
    case kSar: {
      int32_t s = static_cast<int32_t>(sext<W>(a));
      uint32_t pre = static_cast<uint32_t>(s >> (count - 1));
      r = static_cast<uint32_t>(s >> count) & kMask<W>;
      uint32_t of = ((pre ^ r) & kSign<W>) ? flag::kOf : 0;
      setLazy<Core::kLazySzp, W>(c, 0, 0, r, (pre & 1) | of);
      return r;
    }
    case kRol: {
      uint32_t f = c.eflagsNow();
      unsigned n = count % bits;
      r = n == 0 ? a : ((a << n) | (a >> (bits - n))) & kMask<W>;
      uint32_t cf = r & 1;
      uint32_t of = (((r >> (bits - 1)) & 1) ^ cf) ? flag::kOf : 0;
      c.flags_ = (f & ~(flag::kCf | flag::kOf)) | cf | of;
      return r;
    }
    case kRor: {
      uint32_t f = c.eflagsNow();
      unsigned n = count % bits;
      r = n == 0 ? a : ((a >> n) | (a << (bits - n))) & kMask<W>;
      uint32_t cf = (r >> (bits - 1)) & 1;
      uint32_t of = (cf ^ ((r >> (bits - 2)) & 1)) ? flag::kOf : 0;
      c.flags_ = (f & ~(flag::kCf | flag::kOf)) | cf | of;
      return r;
    }
    // RCL/RCR: OF for counts above 1 is what the 80386 computes (Intel leaves it undefined; QEMU
    // differs): RCL sets OF = CF XOR the result's top bit, RCR OF = the XOR of the result's two
    // top bits, for every count, as for a count of 1. The 386 also updates CF and OF when an
    // 8- or 16-bit rotate count is a nonzero multiple of 9 or 17 (the value comes back whole,
    // CF = the old CF). Source: test386.asm (github.com/barotto/test386.asm), whose POST E0 test
    // was checked on a real 386 (rotate386FlagsTest) and whose EE reference lists
    // `stc; rcl al,7` and `stc; rcr al,7` results; Bochs (cpu/shift*.cc) computes the same.
    case kRcl: {
      uint32_t f = c.eflagsNow();
      unsigned n = W == 4 ? count : count % (bits + 1);
      if (n == 0) {
        uint32_t cf = f & flag::kCf;
        uint32_t of = (((a >> (bits - 1)) & 1) ^ cf) ? flag::kOf : 0;
        c.flags_ = (f & ~flag::kOf) | of;
        return a;
      }
      uint64_t cin = f & flag::kCf;
      uint64_t wide = (cin << bits) | a;  // bits+1 wide: CF above the operand
      uint64_t rot = ((wide << n) | (wide >> (bits + 1 - n))) & ((uint64_t{1} << (bits + 1)) - 1);
      r = static_cast<uint32_t>(rot) & kMask<W>;
      uint32_t cf = static_cast<uint32_t>(rot >> bits) & 1;
      uint32_t of = (((r >> (bits - 1)) & 1) ^ cf) ? flag::kOf : 0;
      c.flags_ = (f & ~(flag::kCf | flag::kOf)) | cf | of;
      return r;
    }
    default: {  // kRcr
      uint32_t f = c.eflagsNow();
      unsigned n = W == 4 ? count : count % (bits + 1);
      if (n == 0) {
        uint32_t of = (((a >> (bits - 1)) ^ (a >> (bits - 2))) & 1) ? flag::kOf : 0;
        c.flags_ = (f & ~flag::kOf) | of;
        return a;
      }
      uint64_t cin = f & flag::kCf;
      uint64_t wide = (cin << bits) | a;
      uint64_t rot = ((wide >> n) | (wide << (bits + 1 - n))) & ((uint64_t{1} << (bits + 1)) - 1);
      r = static_cast<uint32_t>(rot) & kMask<W>;
      uint32_t cf = static_cast<uint32_t>(rot >> bits) & 1;
      uint32_t of = (((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1) ? flag::kOf : 0;
      c.flags_ = (f & ~(flag::kCf | flag::kOf)) | cf | of;
      return r;
    }
  }
}

template <ShiftOp OP, unsigned W, CountSrc N>
bool shiftE(Core& c, const Insn& i) {
  unsigned count = (N == kCountOne ? 1u : N == kCountCl ? c.r_[kEcx] : i.imm) & 0x1F;
  if (!i.mem()) {
    if (count == 0) return true;  // no flags change with a zero count
    setReg<W>(c, i.rm(), shiftValue<OP, W>(c, getReg<W>(c, i.rm()), count));
    return true;
  }
  Core::MemRef ref;
  if (!rmwMem<W>(c, i.seg, effectiveAddress(c, i), ref)) return false;
  if (count == 0) return true;
  refStore<W>(c, ref, shiftValue<OP, W>(c, refLoad<W>(c, ref), count));
  return true;
}

// SHLD/SHRD. Counts above the operand size (16-bit) give what Unicorn gives: the operand is
// shifted as dest:src:dest (QEMU's concatenation); Intel leaves the result undefined.
template <unsigned W, bool RIGHT>
inline uint32_t shiftDoubleValue(Core& c, uint32_t d, uint32_t s, unsigned count) {
  uint64_t wide;
  uint32_t r, pre;
  if constexpr (W == 2) {
    wide = (uint64_t{d} << 32) | (uint64_t{s} << 16) | d;
  } else {
    wide = RIGHT ? (uint64_t{s} << 32) | d : (uint64_t{d} << 32) | s;
  }
  if constexpr (RIGHT) {
    r = static_cast<uint32_t>(wide >> count) & kMask<W>;
    pre = static_cast<uint32_t>(wide >> (count - 1));
    uint32_t of = ((pre ^ r) & kSign<W>) ? flag::kOf : 0;
    setLazy<Core::kLazySzp, W>(c, 0, 0, r, (pre & 1) | of);
  } else {
    r = static_cast<uint32_t>((wide << count) >> 32) & kMask<W>;
    pre = static_cast<uint32_t>((wide << (count - 1)) >> 32);
    uint32_t cf = (pre >> (W * 8 - 1)) & 1;
    uint32_t of = ((pre ^ r) & kSign<W>) ? flag::kOf : 0;
    setLazy<Core::kLazySzp, W>(c, 0, 0, r, cf | of);
  }
  return r;
}

template <unsigned W, bool RIGHT, bool IMM>
bool shiftDouble(Core& c, const Insn& i) {
  unsigned count = (IMM ? i.imm : c.r_[kEcx]) & 0x1F;
  uint32_t s = getReg<W>(c, i.reg());
  if (!i.mem()) {
    if (count == 0) return true;
    setReg<W>(c, i.rm(), shiftDoubleValue<W, RIGHT>(c, getReg<W>(c, i.rm()), s, count));
    return true;
  }
  Core::MemRef ref;
  if (!rmwMem<W>(c, i.seg, effectiveAddress(c, i), ref)) return false;
  if (count == 0) return true;
  refStore<W>(c, ref, shiftDoubleValue<W, RIGHT>(c, refLoad<W>(c, ref), s, count));
  return true;
}

// ---- bit test and scan ------------------------------------------------------------------------
// BT/BTS/BTR/BTC: CF = the bit; ZF unchanged. OF SF AF PF are undefined; Unicorn's values depend
// on the instruction before, so we leave them unchanged and the differential test masks them.
template <unsigned W, unsigned OP>  // 0 BT, 1 BTS, 2 BTR, 3 BTC
inline uint32_t bitOp(Core& c, uint32_t v, unsigned bit) {
  uint32_t m = 1u << bit;
  c.materializeFlags();
  c.flags_ = (c.flags_ & ~flag::kCf) | ((v & m) ? flag::kCf : 0);
  return OP == 1 ? v | m : OP == 2 ? v & ~m : OP == 3 ? v ^ m : v;
}

template <unsigned W, unsigned OP>
inline bool bitMem(Core& c, const Insn& i, uint32_t off, unsigned bit) {
  if constexpr (OP == 0) {
    uint32_t v;
    if (!readMem<W>(c, i.seg, off, v)) return false;
    bitOp<W, OP>(c, v, bit);
  } else {
    Core::MemRef ref;
    if (!rmwMem<W>(c, i.seg, off, ref)) return false;
    refStore<W>(c, ref, bitOp<W, OP>(c, refLoad<W>(c, ref), bit));
  }
  return true;
}

// BT r/m, reg: with memory the bit offset is signed and may reach outside the operand
// ([386PRM] BT: the address moves by (offset >> 3) rounded to the operand size).
template <unsigned W, unsigned OP>
bool btEG(Core& c, const Insn& i) {
  uint32_t off = getReg<W>(c, i.reg());
  if (!i.mem()) {
    uint32_t r = bitOp<W, OP>(c, getReg<W>(c, i.rm()), off & (W * 8 - 1));
    if constexpr (OP != 0) setReg<W>(c, i.rm(), r);
    return true;
  }
  int32_t sbit = static_cast<int32_t>(sext<W>(off));
  int32_t unit = sbit >> (W == 2 ? 4 : 5);  // floor division by the operand's bit count
  uint32_t ea = effectiveAddress(c, i) + static_cast<uint32_t>(unit * static_cast<int32_t>(W));
  if (!i.addr32()) ea &= 0xFFFF;
  return bitMem<W, OP>(c, i, ea, static_cast<unsigned>(sbit) & (W * 8 - 1));
}

template <unsigned W, unsigned OP>
bool btEI(Core& c, const Insn& i) {
  unsigned bit = i.imm & (W * 8 - 1);
  if (!i.mem()) {
    uint32_t r = bitOp<W, OP>(c, getReg<W>(c, i.rm()), bit);
    if constexpr (OP != 0) setReg<W>(c, i.rm(), r);
    return true;
  }
  return bitMem<W, OP>(c, i, effectiveAddress(c, i), bit);
}

// BSF/BSR: ZF = source is zero, destination unchanged then. The other flags are undefined;
// Unicorn computes them as a logic op on the source (CF = OF = AF = 0, SF PF from it).
template <unsigned W, bool REVERSE>
bool bitScan(Core& c, const Insn& i) {
  uint32_t v;
  if (!readE<W>(c, i, v)) return false;
  v &= kMask<W>;
  setArith(c, flagsLogic<W>(v));
  if (v != 0) {
    unsigned idx = REVERSE ? 31 - static_cast<unsigned>(__builtin_clz(v))
                           : static_cast<unsigned>(__builtin_ctz(v));
    setReg<W>(c, i.reg(), idx);
    c.cycles_ += cost::kBsfPerBit * (REVERSE ? 31 - idx : idx);
  }
  return true;
}

// ---- exchange-and-arithmetic (486 instructions gcc emits for i686) -----------------------------
template <unsigned W>
bool opXadd(Core& c, const Insn& i) {
  uint32_t s = getReg<W>(c, i.reg());
  if (!i.mem()) {
    uint32_t d = getReg<W>(c, i.rm());
    uint32_t r = alu<kAdd, W>(c, d, s);
    setReg<W>(c, i.reg(), d);
    setReg<W>(c, i.rm(), r);
    return true;
  }
  Core::MemRef ref;
  if (!rmwMem<W>(c, i.seg, effectiveAddress(c, i), ref)) return false;
  uint32_t d = refLoad<W>(c, ref);
  uint32_t r = alu<kAdd, W>(c, d, s);
  refStore<W>(c, ref, r);
  setReg<W>(c, i.reg(), d);
  return true;
}

// CMPXCHG: the memory form always writes (the old value back when unequal), as the 486 does.
template <unsigned W>
bool opCmpxchg(Core& c, const Insn& i) {
  uint32_t acc = getReg<W>(c, kEax);
  if (!i.mem()) {
    uint32_t d = getReg<W>(c, i.rm());
    alu<kCmp, W>(c, acc, d);
    if (conditionNow(c, 4))
      setReg<W>(c, i.rm(), getReg<W>(c, i.reg()));
    else
      setReg<W>(c, kEax, d);
    return true;
  }
  Core::MemRef ref;
  if (!rmwMem<W>(c, i.seg, effectiveAddress(c, i), ref)) return false;
  uint32_t d = refLoad<W>(c, ref);
  alu<kCmp, W>(c, acc, d);
  if (conditionNow(c, 4)) {
    refStore<W>(c, ref, getReg<W>(c, i.reg()));
  } else {
    refStore<W>(c, ref, d);
    setReg<W>(c, kEax, d);
  }
  return true;
}

// CMPXCHG8B m64 (0F C7 /1): compares EDX:EAX with m64; ZF only.
inline bool opCmpxchg8b(Core& c, const Insn& i) {
  uint32_t off = effectiveAddress(c, i);
  Core::MemRef lo, hi;
  // Both halves are translated for writing before anything is stored.
  if (!rmwMem<4>(c, i.seg, off, lo)) return false;
  if (!rmwMem<4>(c, i.seg, i.addr32() ? off + 4 : ((off + 4) & 0xFFFF), hi)) return false;
  uint32_t vlo = refLoad<4>(c, lo), vhi = refLoad<4>(c, hi);
  if (vlo == c.r_[kEax] && vhi == c.r_[kEdx]) {
    refStore<4>(c, lo, c.r_[kEbx]);
    refStore<4>(c, hi, c.r_[kEcx]);
    c.materializeFlags();
    c.flags_ |= flag::kZf;
  } else {
    refStore<4>(c, lo, vlo);
    refStore<4>(c, hi, vhi);
    c.r_[kEax] = vlo;
    c.r_[kEdx] = vhi;
    c.materializeFlags();
    c.flags_ &= ~flag::kZf;
  }
  return true;
}

// ---- BCD adjustment ---------------------------------------------------------------------------
// DAA/DAS as Unicorn (QEMU's helper_daa/das) compute them: OF = 0, CF/AF/SF/ZF/PF as below.
// The high-digit test looks at AL before the low-digit adjustment (old AL > 99H, SDM vol. 2 DAA);
// [386PRM]'s "AL > 9FH" after it differs for AL = 9AH-9FH and FAH-FFH with AF set.
inline bool opDaa(Core& c, const Insn&) {
  uint32_t al = c.r_[kEax] & 0xFF, old = al, f = 0;
  uint32_t fl = c.eflagsNow();
  bool cf = fl & flag::kCf, af = fl & flag::kAf;
  if ((al & 0x0F) > 9 || af) {
    al = (al + 6) & 0xFF;
    f |= flag::kAf;
  }
  if (old > 0x99 || cf) {
    al = (al + 0x60) & 0xFF;
    f |= flag::kCf;
  }
  setReg<1>(c, kEax, al);
  setArith(c, f | szp<1>(al));
  return true;
}

inline bool opDas(Core& c, const Insn&) {
  uint32_t al = c.r_[kEax] & 0xFF, al1 = al, f = 0;
  uint32_t fl = c.eflagsNow();
  bool cf = fl & flag::kCf, af = fl & flag::kAf;
  if ((al & 0x0F) > 9 || af) {
    f |= flag::kAf;
    if (al < 6 || cf) f |= flag::kCf;
    al = (al - 6) & 0xFF;
  }
  if (al1 > 0x99 || cf) {
    al = (al - 0x60) & 0xFF;
    f |= flag::kCf;
  }
  setReg<1>(c, kEax, al);
  setArith(c, f | szp<1>(al));
  return true;
}

// AAA/AAS: only CF and AF change (OF SF ZF PF undefined; Unicorn leaves them).
inline bool opAaa(Core& c, const Insn&) {
  uint32_t al = c.r_[kEax] & 0xFF, ah = (c.r_[kEax] >> 8) & 0xFF;
  bool carry = al > 0xF9;
  c.materializeFlags();
  if ((al & 0x0F) > 9 || (c.flags_ & flag::kAf)) {
    al = (al + 6) & 0x0F;
    ah = (ah + 1 + carry) & 0xFF;
    c.flags_ |= flag::kCf | flag::kAf;
  } else {
    c.flags_ &= ~(flag::kCf | flag::kAf);
    al &= 0x0F;
  }
  setReg<2>(c, kEax, (ah << 8) | al);
  return true;
}

inline bool opAas(Core& c, const Insn&) {
  uint32_t al = c.r_[kEax] & 0xFF, ah = (c.r_[kEax] >> 8) & 0xFF;
  bool borrow = al < 6;
  c.materializeFlags();
  if ((al & 0x0F) > 9 || (c.flags_ & flag::kAf)) {
    al = (al - 6) & 0x0F;
    ah = (ah - 1 - borrow) & 0xFF;
    c.flags_ |= flag::kCf | flag::kAf;
  } else {
    c.flags_ &= ~(flag::kCf | flag::kAf);
    al &= 0x0F;
  }
  setReg<2>(c, kEax, (ah << 8) | al);
  return true;
}

// AAM/AAD imm8: SF ZF PF from AL; CF OF AF undefined, cleared as Unicorn does. AAM 0 is #DE.
inline bool opAam(Core& c, const Insn& i) {
  uint32_t base = i.imm & 0xFF;
  if (base == 0) return c.fault(vec::kDe);
  uint32_t al = c.r_[kEax] & 0xFF;
  uint32_t q = al / base, r = al % base;
  setReg<2>(c, kEax, (q << 8) | r);
  setArith(c, szp<1>(r));
  return true;
}

inline bool opAad(Core& c, const Insn& i) {
  uint32_t al = c.r_[kEax] & 0xFF, ah = (c.r_[kEax] >> 8) & 0xFF;
  al = (ah * (i.imm & 0xFF) + al) & 0xFF;
  setReg<2>(c, kEax, al);
  setArith(c, szp<1>(al));
  return true;
}

}  // namespace emu
