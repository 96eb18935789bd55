// Shared pieces of the instruction handlers: register and memory operands, effective addresses,
// the stack, and the arithmetic flags. Header-only so the handlers inline them.
#pragma once

#include <cstdint>
#include <cstring>

#include "emu/cpu/cpu.h"
#include "mmu/cost_model.h"

// Helpers on the hot path are forced inline: a call per flag computation costs more than it.
#define XRAY86_HOT inline __attribute__((always_inline))

namespace emu {

template <unsigned W>
constexpr uint32_t kMask = W == 1   ? 0xFFu
                           : W == 2 ? 0xFFFFu
                                    : 0xFFFFFFFFu;
template <unsigned W>
constexpr uint32_t kSign = 1u << (W * 8 - 1);

template <unsigned W>
XRAY86_HOT uint32_t load(const uint8_t* p) {
  if constexpr (W == 1) {
    return *p;
  } else if constexpr (W == 2) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
  } else {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
}

template <unsigned W>
XRAY86_HOT void store(uint8_t* p, uint32_t v) {
  if constexpr (W == 1) {
    *p = static_cast<uint8_t>(v);
  } else if constexpr (W == 2) {
    uint16_t x = static_cast<uint16_t>(v);
    std::memcpy(p, &x, 2);
  } else {
    std::memcpy(p, &v, 4);
  }
}

template <unsigned W>
XRAY86_HOT uint32_t sext(uint32_t v) {
  if constexpr (W == 1) return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(v)));
  if constexpr (W == 2) return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(v)));
  return v;
}

// ---- registers --------------------------------------------------------------------------------
// Byte registers: AL CL DL BL are the low bytes of EAX..EBX, AH CH DH BH their second bytes.
template <unsigned W>
XRAY86_HOT uint32_t getReg(const Core& c, unsigned r) {
  if constexpr (W == 1) return r < 4 ? c.r_[r] & 0xFF : (c.r_[r - 4] >> 8) & 0xFF;
  if constexpr (W == 2) return c.r_[r] & 0xFFFF;
  return c.r_[r];
}

template <unsigned W>
XRAY86_HOT void setReg(Core& c, unsigned r, uint32_t v) {
  if constexpr (W == 1) {
    if (r < 4)
      c.r_[r] = (c.r_[r] & ~0xFFu) | (v & 0xFF);
    else
      c.r_[r - 4] = (c.r_[r - 4] & ~0xFF00u) | ((v & 0xFF) << 8);
  } else if constexpr (W == 2) {
    c.r_[r] = (c.r_[r] & ~0xFFFFu) | (v & 0xFFFF);
  } else {
    c.r_[r] = v;
  }
}

// The effective address of the ModR/M memory operand. Absent base/index read r_[8], always 0.
XRAY86_HOT uint32_t effectiveAddress(const Core& c, const Insn& i) {
  uint32_t a = i.disp + c.r_[i.base] + (c.r_[i.index] << i.scale);
  return i.addr32() ? a : (a & 0xFFFF);
}

// ---- memory through a segment ---------------------------------------------------------------
// Segment limit and type checks ([386PRM] 6.3.1): offsets lo..hi are valid; #GP(0), #SS(0) for SS.
template <unsigned W>
XRAY86_HOT bool segOk(const Segment& s, uint32_t off) {
  return uint64_t{off - s.lo} + (W - 1) <= uint64_t{s.hi - s.lo};
}

template <unsigned W>
XRAY86_HOT bool readMem(Core& c, unsigned s, uint32_t off, uint32_t& v) {
  const Segment& sg = c.seg_[s];
  if (!sg.readable || !segOk<W>(sg, off)) [[unlikely]]
    return c.segFault(s);
  uint32_t lin = sg.base + off;
  if ((lin & mmu::kPageMask) <= mmu::kPageSize - W) [[likely]] {
    if (uint8_t* p = c.mmu_.hostRead(lin, c.user())) [[likely]] {
      v = load<W>(p);
      return true;
    }
  }
  return c.readLinear(lin, W, v, c.user());
}

template <unsigned W>
XRAY86_HOT bool writeMem(Core& c, unsigned s, uint32_t off, uint32_t v) {
  const Segment& sg = c.seg_[s];
  if (!sg.writable || !segOk<W>(sg, off)) [[unlikely]]
    return c.segFault(s);
  uint32_t lin = sg.base + off;
  if ((lin & mmu::kPageMask) <= mmu::kPageSize - W) [[likely]] {
    if (uint8_t* p = c.mmu_.hostWrite(lin, c.user())) [[likely]] {
      store<W>(p, v);
      return true;
    }
  }
  return c.writeLinear(lin, W, v, c.user());
}

// Read-modify-write: translate for writing first, so the load, the computation and the store
// happen only when the store cannot fault.
template <unsigned W>
XRAY86_HOT bool rmwMem(Core& c, unsigned s, uint32_t off, Core::MemRef& ref) {
  const Segment& sg = c.seg_[s];
  if (!sg.writable || !segOk<W>(sg, off)) [[unlikely]]
    return c.segFault(s);
  uint32_t lin = sg.base + off;
  if ((lin & mmu::kPageMask) <= mmu::kPageSize - W) [[likely]] {
    if (uint8_t* p = c.mmu_.hostWrite(lin, c.user())) [[likely]] {
      ref.host = p;
      return true;
    }
  }
  return c.prepareWrite(lin, W, ref, c.user());
}

template <unsigned W>
XRAY86_HOT uint32_t refLoad(Core& c, const Core::MemRef& ref) {
  return ref.host != nullptr ? load<W>(ref.host) : c.loadRef(ref, W);
}
template <unsigned W>
XRAY86_HOT void refStore(Core& c, const Core::MemRef& ref, uint32_t v) {
  if (ref.host != nullptr)
    store<W>(ref.host, v);
  else
    c.storeRef(ref, W, v);
}

// Checks a segment range of `size` bytes for writing without storing (stack frames).
inline bool segRangeOk(const Segment& s, uint32_t off, uint32_t size) {
  return uint64_t{off - s.lo} + (size - 1) <= uint64_t{s.hi - s.lo};
}

// ---- ModR/M operands ---------------------------------------------------------------------------
template <unsigned W>
XRAY86_HOT bool readE(Core& c, const Insn& i, uint32_t& v) {
  if (!i.mem()) {
    v = getReg<W>(c, i.rm());
    return true;
  }
  return readMem<W>(c, i.seg, effectiveAddress(c, i), v);
}

template <unsigned W>
XRAY86_HOT bool writeE(Core& c, const Insn& i, uint32_t v) {
  if (!i.mem()) {
    setReg<W>(c, i.rm(), v);
    return true;
  }
  return writeMem<W>(c, i.seg, effectiveAddress(c, i), v);
}

// ---- stack ------------------------------------------------------------------------------------
// SS.B selects ESP or SP ([386PRM] 6.3.1.3); a 16-bit stack wraps within 64 KB.
inline uint32_t stackPtr(const Core& c) {
  return c.stackBig_ ? c.r_[kEsp] : (c.r_[kEsp] & 0xFFFF);
}
inline uint32_t stackAdd(const Core& c, uint32_t sp, int32_t delta) {
  uint32_t n = sp + static_cast<uint32_t>(delta);
  return c.stackBig_ ? n : (n & 0xFFFF);
}
inline void setStackPtr(Core& c, uint32_t sp) {
  if (c.stackBig_)
    c.r_[kEsp] = sp;
  else
    c.r_[kEsp] = (c.r_[kEsp] & 0xFFFF0000u) | (sp & 0xFFFF);
}

template <unsigned W>
XRAY86_HOT bool push(Core& c, uint32_t v) {
  uint32_t sp = stackAdd(c, stackPtr(c), -static_cast<int32_t>(W));
  if (!writeMem<W>(c, kSs, sp, v)) return false;
  setStackPtr(c, sp);
  return true;
}

// Reads the value `offset` bytes above the stack pointer without popping it.
template <unsigned W>
XRAY86_HOT bool peek(Core& c, uint32_t offset, uint32_t& v) {
  return readMem<W>(c, kSs, stackAdd(c, stackPtr(c), static_cast<int32_t>(offset)), v);
}

template <unsigned W>
XRAY86_HOT bool pop(Core& c, uint32_t& v) {
  if (!peek<W>(c, 0, v)) return false;
  setStackPtr(c, stackAdd(c, stackPtr(c), W));
  return true;
}

// ---- flags -------------------------------------------------------------------------------------
struct ParityTable {
  uint8_t pf[256];
  constexpr ParityTable() : pf() {
    for (unsigned v = 0; v < 256; ++v) {
      unsigned bits = 0;
      for (unsigned b = 0; b < 8; ++b) bits += (v >> b) & 1;
      pf[v] = (bits & 1) ? 0 : flag::kPf;  // PF: even number of set bits in the low byte
    }
  }
};
inline constexpr ParityTable kParity{};

// SF, ZF and PF of a W-byte result.
template <unsigned W>
XRAY86_HOT uint32_t szp(uint32_t r) {
  r &= kMask<W>;
  return kParity.pf[r & 0xFF] | (r == 0 ? flag::kZf : 0) | ((r >> (W * 8 - 8)) & flag::kSf);
}

XRAY86_HOT void setArith(Core& c, uint32_t f) {
  c.flags_ = (c.flags_ & ~flag::kArith) | f;
  c.lazyOp_ = Core::kLazyNone;
}

// Lazy flags (Core::lazyOp_): the instruction records what the flags come from.
template <unsigned W>
constexpr uint8_t lazyCode(uint8_t kind) {
  return static_cast<uint8_t>(kind << 2 | (W == 1 ? 0 : W == 2 ? 1 : 2));
}
template <uint8_t KIND, unsigned W>
XRAY86_HOT void setLazy(Core& c, uint32_t a, uint32_t b, uint32_t r, uint32_t x) {
  c.lazyOp_ = lazyCode<W>(KIND);
  c.lazyA_ = a;
  c.lazyB_ = b;
  c.lazyR_ = r;
  c.lazyX_ = x;
}

template <unsigned W>
XRAY86_HOT uint32_t flagsAdd(uint32_t a, uint32_t b, uint32_t cin) {
  uint64_t sum = uint64_t{a & kMask<W>} + (b & kMask<W>)+cin;
  uint32_t r = static_cast<uint32_t>(sum) & kMask<W>;
  uint32_t f = szp<W>(r) | ((a ^ b ^ r) & flag::kAf);
  if ((sum >> (W * 8)) & 1) f |= flag::kCf;
  if (((a ^ r) & (b ^ r)) & kSign<W>) f |= flag::kOf;
  return f;
}

template <unsigned W>
XRAY86_HOT uint32_t flagsSub(uint32_t a, uint32_t b, uint32_t cin) {
  a &= kMask<W>;
  b &= kMask<W>;
  uint32_t r = (a - b - cin) & kMask<W>;
  uint32_t f = szp<W>(r) | ((a ^ b ^ r) & flag::kAf);
  if (uint64_t{a} < uint64_t{b} + cin) f |= flag::kCf;
  if (((a ^ b) & (a ^ r)) & kSign<W>) f |= flag::kOf;
  return f;
}

// Logic ops: CF = OF = 0; AF is undefined and cleared, as Unicorn (QEMU's CC_OP_LOGIC) does.
template <unsigned W>
XRAY86_HOT uint32_t flagsLogic(uint32_t r) {
  return szp<W>(r);
}

// Jcc/SETcc/CMOVcc condition ([386PRM] appendix D): low bit negates.
XRAY86_HOT bool condition(uint32_t f, unsigned cc) {
  bool t;
  switch (cc >> 1) {
    case 0:
      t = f & flag::kOf;
      break;
    case 1:
      t = f & flag::kCf;
      break;
    case 2:
      t = f & flag::kZf;
      break;
    case 3:
      t = f & (flag::kCf | flag::kZf);
      break;
    case 4:
      t = f & flag::kSf;
      break;
    case 5:
      t = f & flag::kPf;
      break;
    case 6:
      t = ((f >> 7) ^ (f >> 11)) & 1;
      break;  // SF != OF
    default:
      t = (((f >> 7) ^ (f >> 11)) & 1) || (f & flag::kZf);
      break;
  }
  return t != ((cc & 1) != 0);
}

// CF now (0 or 1), without computing the other flags of a pending record.
XRAY86_HOT uint32_t carryFlag(const Core& c) {
  if (c.lazyOp_ == Core::kLazyNone) return c.flags_ & flag::kCf;
  unsigned wi = c.lazyOp_ & 3;
  uint64_t m = wi == 0 ? 0xFF : wi == 1 ? 0xFFFF : 0xFFFFFFFFu;
  uint64_t a = c.lazyA_ & m, b = c.lazyB_ & m;
  switch (c.lazyOp_ >> 2) {
    case Core::kLazyAdd:
      return a + b > m ? 1 : 0;
    case Core::kLazyAdc:
      return a + b + c.lazyX_ > m ? 1 : 0;
    case Core::kLazySub:
      return a < b ? 1 : 0;
    case Core::kLazySbb:
      return a < b + c.lazyX_ ? 1 : 0;
    default:  // INC, DEC: the CF kept; SZP: the CF given
      return c.lazyX_ & flag::kCf;
  }
}

// The Jcc/SETcc/CMOVcc condition `cc` on the current flags. After a SUB or CMP (the usual case
// before a branch) and after a logic op, shift or multiply it is computed from the record
// without building EFLAGS; otherwise the flags are materialised first.
XRAY86_HOT bool conditionNow(Core& c, unsigned cc) {
  unsigned kind = c.lazyOp_ >> 2;
  if (kind == Core::kLazySub || kind == Core::kLazySzp) {
    unsigned bits = 8u << (c.lazyOp_ & 3);
    uint32_t m = bits == 32 ? 0xFFFFFFFFu : (1u << bits) - 1;
    uint32_t sign = 1u << (bits - 1);
    bool t;
    if (kind == Core::kLazySub) {
      uint32_t a = c.lazyA_ & m, b = c.lazyB_ & m, r = (a - b) & m;
      // a and b moved to the top of a 32-bit word compare as the W-bit signed values would.
      int32_t sa = static_cast<int32_t>(a << (32 - bits)),
              sb = static_cast<int32_t>(b << (32 - bits));
      switch (cc >> 1) {
        case 0:
          t = ((a ^ b) & (a ^ r) & sign) != 0;  // OF
          break;
        case 1:
          t = a < b;  // CF
          break;
        case 2:
          t = r == 0;  // ZF
          break;
        case 3:
          t = a <= b;  // CF or ZF
          break;
        case 4:
          t = (r & sign) != 0;  // SF
          break;
        case 5:
          t = kParity.pf[r & 0xFF] != 0;  // PF
          break;
        case 6:
          t = sa < sb;  // SF != OF
          break;
        default:
          t = sa <= sb;  // SF != OF or ZF
          break;
      }
    } else {
      uint32_t r = c.lazyR_ & m, x = c.lazyX_;
      bool sf = (r & sign) != 0, of = (x & flag::kOf) != 0, zf = r == 0;
      switch (cc >> 1) {
        case 0:
          t = of;
          break;
        case 1:
          t = (x & flag::kCf) != 0;
          break;
        case 2:
          t = zf;
          break;
        case 3:
          t = (x & flag::kCf) != 0 || zf;
          break;
        case 4:
          t = sf;
          break;
        case 5:
          t = kParity.pf[r & 0xFF] != 0;
          break;
        case 6:
          t = sf != of;
          break;
        default:
          t = sf != of || zf;
          break;
      }
    }
    return t != ((cc & 1) != 0);
  }
  c.materializeFlags();
  return condition(c.flags_, cc);
}

// Operand-size helpers for control transfers: the new EIP wraps to 16 bits with a 16-bit operand.
inline uint32_t nextIp(const Insn& i, uint32_t target) {
  return i.op32() ? target : (target & 0xFFFF);
}

// A near branch target must lie within CS ([386PRM] JMP: #GP(0) beyond the limit).
inline bool nearBranch(Core& c, uint32_t target) {
  const Segment& cs = c.seg_[kCs];
  if (target > cs.limit) [[unlikely]]
    return c.gp(0);
  c.branch(target);
  return true;
}

}  // namespace emu
