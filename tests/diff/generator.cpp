// The random instruction generator (see generator.h). Instruction formats follow [386PRM] 17.2:
// prefixes, opcode, ModR/M, SIB, displacement, immediate.
#include "tests/diff/generator.h"

#include <algorithm>
#include <array>

#include "emu/cpu/cpu.h"
#include "emu/cpu/decode.h"

namespace emu::diff {

// ---- Rng ----------------------------------------------------------------------------------------

namespace {
uint64_t splitmix(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}
}  // namespace

Rng::Rng(uint64_t seed) {
  for (uint64_t& s : s_) s = splitmix(seed);
}

uint64_t Rng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

// ---- Layout -------------------------------------------------------------------------------------

Layout Layout::forMode(bool code32) {
  Layout l{};
  l.code32 = code32;
  l.memSize = 0x20000;
  l.dataLo = 0x1000;
  l.dataHi = 0xF000;
  l.stackLo = 0x7000;
  l.stackHi = 0x9000;
  if (code32) {
    // Flat segments: data offsets are linear addresses; system tables and code above 64 KB, out of
    // reach of every generated memory operand (16-bit addressing included).
    l.dataBase = 0;
    l.gdt = 0x10000;
    l.idt = 0x10100;
    l.stubs = 0x11000;
    l.code = 0x12000;
  } else {
    // Real mode: the IVT at 0, stubs and code below 0x1000 (CS = 0), data segments = 0x1000.
    // A CS: override reaches linear [dataLo, dataHi), which holds neither.
    l.dataBase = 0x10000;
    l.gdt = 0;
    l.idt = 0;
    l.stubs = 0x400;
    l.code = 0x600;
  }
  l.codeSize = code32 ? 0x1000 : 0xA00;
  return l;
}

// ---- Generator ----------------------------------------------------------------------------------

namespace {

bool hasModrm(Form f) {
  return f == Form::kM || f == Form::kMIb || f == Form::kMIbs || f == Form::kMIv;
}

// What the sandbox cannot run the same way on both emulators: I/O (no devices), far transfers
// and descriptor-table or control-register instructions (Unicorn's flat mode has no GDT/IDT and
// its own CR0/CPUID/TSC), HLT (stops Unicorn).
bool skipped(uint16_t op, int reg, bool code32) {
  switch (op) {
    case 0x6C:
    case 0x6D:
    case 0x6E:
    case 0x6F:  // INS/OUTS
    case 0xE4:
    case 0xE5:
    case 0xE6:
    case 0xE7:  // IN/OUT imm
    case 0xEC:
    case 0xED:
    case 0xEE:
    case 0xEF:  // IN/OUT DX
    case 0x9A:
    case 0xEA:
    case 0xCA:
    case 0xCB:
    case 0xCF:  // far CALL/JMP/RET, IRET
    case 0xF4:  // HLT
    case 0x101:
    case 0x106:
    case 0x108:
    case 0x109:  // descriptor tables, CLTS, caches
    case 0x120:
    case 0x121:
    case 0x122:
    case 0x123:  // MOV CR/DR
    case 0x130:
    case 0x131:
    case 0x132:
    case 0x1A2:  // MSRs, RDTSC, CPUID
      return true;
    // RDPMC: QEMU 5.0 (Unicorn 2.0.1) raises #UD, having no counters; we read the P6's two
    // (#GP(0) for another ECX). Covered by tests/cpu/model_test.cpp.
    case 0x133:
      return true;
    case 0xFF:
      return reg == 3 || reg == 5;  // far indirect CALL/JMP
    // x87: the harness compares no FPU state, and the pointers FNSTENV stores are QEMU's own.
    // tests/cpu/fpu_test.cpp compares each instruction with the host's x87 instead.
    case 0xD8:
    case 0xD9:
    case 0xDA:
    case 0xDB:
    case 0xDC:
    case 0xDD:
    case 0xDE:
    case 0xDF:
      return true;
    // TEST r/m, imm under its undocumented alias /1: Intel and AMD hardware run it as TEST (as
    // we do), QEMU raises #UD. Covered by tests/cpu instead.
    case 0xF6:
    case 0xF7:
      return reg == 1;
    // Segment loads need a GDT in protected mode; 0F 00, LAR, LSL are real-mode #UD tests only.
    case 0x07:
    case 0x17:
    case 0x1F:
    case 0x1A1:
    case 0x1A9:
    case 0x8E:
    case 0xC4:
    case 0xC5:
    case 0x1B2:
    case 0x1B4:
    case 0x1B5:
    case 0x100:
    case 0x102:
    case 0x103:
      return code32;
    default:
      return false;
  }
}

// Loads a data segment register: in 16-bit mode the last instruction of its sequence.
bool loadsSegment(uint16_t op) {
  switch (op) {
    case 0x07:
    case 0x17:
    case 0x1F:
    case 0x1A1:
    case 0x1A9:
    case 0x8E:
    case 0xC4:
    case 0xC5:
    case 0x1B2:
    case 0x1B4:
    case 0x1B5:
      return true;
    default:
      return false;
  }
}

// Uses the stack (so ESP is set into the stack window first).
bool usesStack(uint16_t op, int reg) {
  if (op >= 0x50 && op <= 0x61) return true;
  switch (op) {
    case 0x06:
    case 0x07:
    case 0x0E:
    case 0x16:
    case 0x17:
    case 0x1E:
    case 0x1F:
    case 0x68:
    case 0x6A:
    case 0x8F:
    case 0x9C:
    case 0x9D:
    case 0xC2:
    case 0xC3:
    case 0xC8:
    case 0xC9:
    case 0xE8:
    case 0x1A0:
    case 0x1A1:
    case 0x1A8:
    case 0x1A9:
      return true;
    case 0xFF:
      return reg == 2 || reg == 6;
    default:
      return false;
  }
}

// May raise an exception (delivery pushes a frame, so ESP is set into the stack window).
bool mayFault(uint16_t op, int reg, bool code32) {
  switch (op) {
    case 0x62:
    case 0xCC:
    case 0xCD:
    case 0xCE:
    case 0xD4:
    case 0x10B:
    case 0x8C:
    case 0x8E:
    case 0x1C7:
    case 0x8D:
    case 0xC4:
    case 0xC5:
    case 0x1B2:
    case 0x1B4:
    case 0x1B5:
    case 0x100:
    case 0x102:
    case 0x103:
      return true;
    case 0x63:
      return !code32;  // ARPL: #UD in real mode
    case 0xF6:
    case 0xF7:
      return reg >= 6;
    default:
      return false;
  }
}

// Only a memory operand is meaningful (the register form raises #UD).
bool memoryOnly(uint16_t op) {
  switch (op) {
    case 0x62:
    case 0x8D:
    case 0xC4:
    case 0xC5:
    case 0x1B2:
    case 0x1B4:
    case 0x1B5:
    case 0x1C7:
      return true;
    default:
      return false;
  }
}

bool isString(uint16_t op) {
  return op >= 0xA4 && op <= 0xAF && op != 0xA8 && op != 0xA9;
}

// Relative transfers whose displacement the generator sets to skip k filler bytes.
bool isRelative(uint16_t op) {
  return (op >= 0x70 && op <= 0x7F) || (op >= 0x180 && op <= 0x18F) || (op >= 0xE0 && op <= 0xE3) ||
         op == 0xE8 || op == 0xE9 || op == 0xEB;
}

bool isControl(uint16_t op, int reg) {
  return isRelative(op) || op == 0xC2 || op == 0xC3 || (op == 0xFF && (reg == 2 || reg == 4));
}

// BT/BTS/BTR/BTC with a register bit offset: the offset register moves the memory operand.
bool bitOffsetInRegister(uint16_t op) {
  return op == 0x1A3 || op == 0x1AB || op == 0x1B3 || op == 0x1BB;
}

// The modular inverse of an odd number mod 2^32 (Newton's iteration).
uint32_t inverseOdd(uint32_t a) {
  uint32_t x = a;  // correct to 3 bits
  for (int k = 0; k < 5; ++k) x *= 2 - a * x;
  return x;
}

// Register values the next instruction needs.
struct Wants {
  bool set[8] = {};
  uint32_t val[8] = {};
  bool want(unsigned r, uint32_t v) {
    if (set[r]) return val[r] == v;
    set[r] = true;
    val[r] = v;
    return true;
  }
};

void put16(std::vector<uint8_t>& b, uint32_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>& b, uint32_t v) {
  put16(b, v);
  put16(b, v >> 16);
}

}  // namespace

uint32_t undefinedFlags(uint16_t op, int reg) {
  constexpr uint32_t kOf = 0x800, kSf = 0x80, kAf = 0x10, kPf = 0x4;
  switch (op) {
    // BT/BTS/BTR/BTC: CF is the bit, ZF unaffected, OF SF AF PF undefined (SDM vol. 2 BT). QEMU
    // keeps them when the flags are already computed, else re-derives them from the previous
    // arithmetic instruction's operands as if it had been a SAR (translate.c, "Delay all CC
    // updates"): which one depends on the translation block. We keep them.
    case 0x1A3:
    case 0x1AB:
    case 0x1B3:
    case 0x1BB:
      return kOf | kSf | kAf | kPf;
    case 0x1BA:
      return reg >= 4 ? kOf | kSf | kAf | kPf : 0;
    // CMPXCHG8B: only ZF changes (SDM vol. 2: CF PF AF SF OF unaffected), as we do. QEMU 5.0
    // (Unicorn 2.0.1) computes EFLAGS in its helper from a lazy-flags state it did not bring up
    // to date first, so all of EFLAGS comes out as garbage (high bits included): not compared
    // here; tests/cpu checks ZF and the others.
    case 0x1C7:
      return 0xFFFFFFFF;
    // LOOPE/LOOPNE leave EFLAGS alone (SDM vol. 2 LOOPcc), as we do. Unicorn 2.0.1 sometimes
    // comes out of them with EFLAGS replaced by a stale lazy-flags operand (EFLAGS = EDX after
    // MUL; LOOPE). tests/cpu checks them.
    case 0xE0:
    case 0xE1:
      return 0xFFFFFFFF;
    // RCL/RCR (group 2 /2 /3): OF for counts above 1 is undefined (SDM vol. 2 RCL); we compute
    // the 80386's (docs/cpu.md), QEMU another. A count of 1 (D0/D1) is defined and compared.
    case 0xC0:
    case 0xC1:
    case 0xD2:
    case 0xD3:
      return reg == 2 || reg == 3 ? kOf : 0;
    default:
      return 0;
  }
}

Generator::Generator(uint64_t seed, const Layout& layout) : rng_(seed), layout_(layout) {
  for (const OpcodeRow& row : opcodeRows())
    if (!skipped(row.opcode, row.reg, layout.code32)) rows_.push_back(Candidate{&row});
}

uint32_t Generator::randomRegister() {
  // Mostly uniform, sometimes the edge values that flag logic turns on.
  static constexpr uint32_t kEdges[] = {0,          1,          0x7F,       0x80,
                                        0xFF,       0x7FFF,     0x8000,     0xFFFF,
                                        0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFF80};
  if (rng_.chance(15)) return kEdges[rng_.below(sizeof kEdges / sizeof kEdges[0])];
  return rng_.u32();
}

uint32_t Generator::randomFlags() {
  // Arithmetic flags, DF and IF at random; TF stays clear (a single-step trap would end the run).
  constexpr uint32_t kRandom =
      0x0001 | 0x0004 | 0x0010 | 0x0040 | 0x0080 | 0x0200 | 0x0400 | 0x0800;
  return (rng_.u32() & kRandom) | 0x2;
}

Sequence Generator::next(unsigned maxInsns) {
  Sequence seq;
  unsigned want = 1 + rng_.below(maxInsns);
  while (seq.generated < want) {
    const OpcodeRow& row = *rows_[rng_.below(static_cast<uint32_t>(rows_.size()))].row;
    bool terminal = false;
    if (!emit(row, seq, terminal)) continue;
    if (terminal) break;
  }
  return seq;
}

bool Generator::emit(const OpcodeRow& row, Sequence& seq, bool& terminal) {
  const bool c32 = layout_.code32;
  const uint16_t op = row.opcode;
  const bool control = isControl(op, row.reg);

  // ---- prefixes ([386PRM] 17.2.1) ----
  bool opToggle = !(control && c32) && rng_.chance(25);  // a 16-bit EIP would leave the code
  if (op >= 0x1C8 && op <= 0x1CF) opToggle = !c32;       // BSWAP of a 16-bit register is undefined
  bool addrToggle = rng_.chance(15);
  const bool o32 = c32 != opToggle;
  const bool a32 = c32 != addrToggle;
  std::vector<uint8_t> pfx;
  if (opToggle) pfx.push_back(0x66);
  if (addrToggle) pfx.push_back(0x67);
  if (rng_.chance(20)) {
    // CS: is read-only in protected mode; QEMU does not check segment rights on accesses.
    static constexpr uint8_t kSeg[] = {0x26, 0x36, 0x3E, 0x64, 0x65, 0x2E};
    pfx.push_back(kSeg[rng_.below(c32 ? 5 : 6)]);
  }
  // LOCK: only where it is valid (a read-modify-write memory destination). Intel raises #UD
  // elsewhere, as we do (tests/diff/regression_test.cpp); QEMU ignores most misplaced LOCKs and
  // Unicorn 2.0.1 aborts in its code generator on some (LOCK BTR EBP, EBP).
  // Nor on NEG: Unicorn 2.0.1's locked NEG takes its flags from the operand instead of the result
  // (LOCK NEG dword [m] = 1 gives EFLAGS 0x13 where plain NEG gives 0x97).
  bool lock = lockable(op, row.reg < 0 ? 0 : static_cast<unsigned>(row.reg)) &&
              !((op == 0xF6 || op == 0xF7) && row.reg == 3) && rng_.chance(10);
  bool rep = false;
  if (isString(op)) {
    if (rng_.chance(60)) {
      rep = true;
      pfx.push_back(rng_.chance(30) ? 0xF2 : 0xF3);
    }
  } else if (rng_.chance(1) && op != 0x1BC && op != 0x1BD) {
    // (Not on BSF/BSR: Unicorn runs F3 0F BC/BD as TZCNT/LZCNT even with the Pentium II model.)
    pfx.push_back(rng_.chance(50) ? 0xF2 : 0xF3);
  }
  for (size_t k = pfx.size(); k > 1; --k)
    std::swap(pfx[k - 1], pfx[rng_.below(static_cast<uint32_t>(k))]);

  Wants w;
  const uint32_t amask = a32 ? 0xFFFFFFFFu : 0xFFFFu;
  // A value for an address register: `low` in the bits the address size uses, random above.
  auto addressValue = [&](uint32_t low) {
    return a32 ? low : ((rng_.u32() & 0xFFFF0000u) | (low & 0xFFFF));
  };
  auto window = [&]() {
    return layout_.dataLo + 0x400 + rng_.below(layout_.dataHi - layout_.dataLo - 0x800);
  };
  auto stackValue = [&]() {
    uint32_t sp = layout_.stackLo + rng_.below(layout_.stackHi - layout_.stackLo);
    return c32 ? sp : ((rng_.u32() & 0xFFFF0000u) | sp);
  };

  bool stack = usesStack(op, row.reg) || mayFault(op, row.reg, c32) || lock;
  if (stack) w.want(kEsp, stackValue());

  // ---- opcode and ModR/M ----
  if (lock) pfx.insert(pfx.begin() + rng_.below(static_cast<uint32_t>(pfx.size() + 1)), 0xF0);
  std::vector<uint8_t> b(pfx);
  if (op >= 0x100) b.push_back(0x0F);
  b.push_back(static_cast<uint8_t>(op));

  bool memory = false;
  std::vector<uint8_t> addressing;  // ModR/M, SIB, displacement: reused by a planting setup
  if (hasModrm(row.form)) {
    unsigned regf = row.reg >= 0 ? static_cast<unsigned>(row.reg) : rng_.below(8);
    if (memoryOnly(op) || lock)
      memory = rng_.chance(92);
    else
      memory = rng_.chance(50);
    if (lock && !memory) return false;
    unsigned rm = rng_.below(8);
    if (!memory) {
      addressing.push_back(static_cast<uint8_t>(0xC0 | regf << 3 | rm));
    } else {
      unsigned mod = rng_.below(3);
      if (bitOffsetInRegister(op)) {
        // Bit offset in [-2048, 2048) bits: the operand moves at most 256 bytes.
        uint32_t off = static_cast<uint32_t>(static_cast<int32_t>(rng_.below(4096)) - 2048);
        if (!o32) off = (rng_.u32() & 0xFFFF0000u) | (off & 0xFFFF);
        if (!w.want(regf, off)) return false;
      }
      int base = -1, index = -1;
      unsigned scale = 0, dispSize = 0;
      bool absolute = false;
      uint8_t sib = 0;
      bool hasSib = false;
      if (a32) {
        if (rm == 4) {
          hasSib = true;
          sib = static_cast<uint8_t>(rng_.below(256));
          unsigned sb = sib & 7, si = (sib >> 3) & 7;
          scale = sib >> 6;
          if (si != 4) index = static_cast<int>(si);
          if (sb == 5 && mod == 0)
            dispSize = 4;
          else
            base = static_cast<int>(sb);
        } else if (rm == 5 && mod == 0) {
          dispSize = 4;
          absolute = true;
        } else {
          base = static_cast<int>(rm);
        }
        if (mod == 1) dispSize = 1;
        if (mod == 2) dispSize = 4;
      } else {
        static constexpr int kBase16[8] = {kEbx, kEbx, kEbp, kEbp, -1, -1, kEbp, kEbx};
        static constexpr int kIndex16[8] = {kEsi, kEdi, kEsi, kEdi, kEsi, kEdi, -1, -1};
        if (rm == 6 && mod == 0) {
          dispSize = 2;
          absolute = true;
        } else {
          base = kBase16[rm];
          index = kIndex16[rm];
        }
        if (mod == 1) dispSize = 1;
        if (mod == 2) dispSize = 2;
      }
      uint32_t target = window();
      uint32_t disp = 0;
      if (absolute) {
        disp = target;
      } else if (dispSize == 1) {
        disp = static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(rng_.below(256))));
      } else if (dispSize == 2) {
        disp = rng_.below(0x10000);
      } else if (dispSize == 4) {
        disp = rng_.chance(50)
                   ? rng_.u32()
                   : static_cast<uint32_t>(static_cast<int32_t>(rng_.below(0x400)) - 0x200);
      }
      if (absolute && !a32 && base < 0 && index < 0) disp &= 0xFFFF;
      if (op != 0x8D && !absolute) {
        // Solve base + index * 2^scale + disp = target (mod 2^address size) for the free
        // registers; LEA computes without accessing, so its registers stay random.
        const uint32_t mul = 1u << scale;
        if (base >= 0 && base == index) {
          if (w.set[base]) {
            target = (w.val[base] * (1 + mul) + disp) & amask;
          } else {
            uint32_t c = 1 + mul, v;
            if (c & 1) {
              v = (target - disp) * inverseOdd(c);
            } else {  // [r + r]: 2r = target - disp needs an even difference
              target += (target - disp) & 1;
              v = ((target - disp) >> 1) | (rng_.chance(50) ? 0x80000000u : 0);
            }
            w.want(static_cast<unsigned>(base), v);
          }
        } else {
          bool baseFree = base >= 0 && !w.set[base];
          bool indexFree = index >= 0 && !w.set[index];
          if (baseFree && indexFree) {
            w.want(static_cast<unsigned>(index), rng_.chance(50) ? rng_.u32() : rng_.below(0x100));
            indexFree = false;
          }
          uint32_t known = disp;
          if (base >= 0 && !baseFree) known += w.val[base];
          if (index >= 0 && !indexFree) known += w.val[index] * mul;
          if (baseFree) {
            w.want(static_cast<unsigned>(base), addressValue(target - known));
          } else if (indexFree) {
            uint32_t diff = (target - known) & amask;
            target -= diff & (mul - 1);
            diff -= diff & (mul - 1);
            uint32_t v = diff >> scale;
            if (scale && a32) v |= (rng_.u32() << (32 - scale));
            w.want(static_cast<unsigned>(index), addressValue(v));
          } else {
            target = (known)&amask;
          }
        }
        uint32_t ea = 0;
        if (base >= 0) ea += w.val[base];
        if (index >= 0) ea += w.val[index] << scale;
        ea = (ea + disp) & amask;
        if (ea < layout_.dataLo + 0x100 || ea >= layout_.dataHi - 0x100) return false;
      }
      addressing.push_back(static_cast<uint8_t>(mod << 6 | regf << 3 | rm));
      if (hasSib) addressing.push_back(sib);
      if (dispSize == 1) addressing.push_back(static_cast<uint8_t>(disp));
      if (dispSize == 2) put16(addressing, disp);
      if (dispSize == 4) put32(addressing, disp);
    }
    b.insert(b.end(), addressing.begin(), addressing.end());
  }

  // ---- per-instruction register needs ----
  if (isString(op)) {
    if (!w.want(kEsi, addressValue(window())) || !w.want(kEdi, addressValue(window())))
      return false;
    uint32_t count = rep ? rng_.below(9) : rng_.u32();
    if (!w.want(kEcx, a32 ? count : ((rng_.u32() & 0xFFFF0000u) | (count & 0xFFFF)))) return false;
  }
  if (op == 0xD7 && !w.want(kEbx, addressValue(window()))) return false;        // XLAT: [EBX + AL]
  if ((op == 0xC8 || op == 0xC9) && !w.want(kEbp, stackValue())) return false;  // ENTER, LEAVE
  // ENTER whose operand size differs from the stack size: we load the frame pointer register by
  // the operand size ([386PRM] ENTER: o32 -> EBP := ESP, o16 -> BP := SP; docs/cpu.md), QEMU by
  // the stack size (BP on a 16-bit stack, EBP on a 32-bit one). With the high halves of ESP and
  // EBP zero the two agree; tests/cpu/corner_test.cpp checks the cases where they do not.
  if (op == 0xC8 && c32 != o32) {
    w.val[kEsp] &= 0xFFFF;
    w.val[kEbp] &= 0xFFFF;
  }

  // ---- immediates ----
  unsigned filler = 0;
  const uint32_t ivSize = o32 ? 4 : 2;
  auto immediate = [&](unsigned size, uint32_t v) {
    if (size == 1)
      b.push_back(static_cast<uint8_t>(v));
    else if (size == 2)
      put16(b, v);
    else
      put32(b, v);
  };
  if (isRelative(op)) filler = rng_.below(5);
  switch (row.form) {
    case Form::kNone:
    case Form::kM:
      break;
    case Form::kMIb:
    case Form::kMIbs:
    case Form::kIb:
    case Form::kIbs:
      if (op == 0xCD) {
        // INT n: a vector with a stub, and not one whose exception pushes an error code (INT n
        // never does, so the harness could not tell the frame layouts apart from the vector).
        uint32_t v;
        do v = rng_.below(Layout::kVectors);
        while (v == 8 || (v >= 10 && v <= 14) || v == 17);
        immediate(1, v);
      } else {
        immediate(1, rng_.u32());
      }
      break;
    case Form::kMIv:
    case Form::kIv:
      immediate(ivSize, randomRegister());
      break;
    case Form::kIw:
      immediate(2, rng_.below(0x80));
      break;  // RET imm16
    case Form::kIwIb:
      immediate(2, rng_.below(0x200));
      immediate(1, rng_.u32());
      break;  // ENTER
    case Form::kJb:
      immediate(1, filler);
      break;
    case Form::kJv:
      immediate(ivSize, filler);
      break;
    case Form::kAp:
      return false;
    case Form::kMoffs: {
      uint32_t t = window();
      immediate(a32 ? 4 : 2, t);
      break;
    }
  }
  if (b.size() > 15) return false;  // keep to legal lengths; too-long forms are decoder tests

  // Where this instruction will sit: after its setups.
  std::vector<std::vector<uint8_t>> setups;
  // MOV r32, imm32 for every wanted register, in random order.
  std::array<unsigned, 8> order{0, 1, 2, 3, 4, 5, 6, 7};
  for (unsigned k = 8; k > 1; --k) std::swap(order[k - 1], order[rng_.below(k)]);
  for (unsigned r : order) {
    if (!w.set[r]) continue;
    std::vector<uint8_t> s;
    if (!c32) s.push_back(0x66);
    s.push_back(static_cast<uint8_t>(0xB8 + r));
    put32(s, w.val[r]);
    setups.push_back(s);
  }
  auto pushImmediate = [&](bool size32, uint32_t v) {
    std::vector<uint8_t> s;
    if (size32 != c32) s.push_back(0x66);
    s.push_back(0x68);
    if (size32)
      put32(s, v);
    else
      put16(s, v);
    setups.push_back(s);
  };
  uint32_t codeSoFar = static_cast<uint32_t>(seq.code.size());
  for (auto& s : setups) codeSoFar += static_cast<uint32_t>(s.size());
  // Setups that follow depend on the instruction's address, which depends on their own size;
  // both are fixed-size, so count them first.
  bool ret = op == 0xC2 || op == 0xC3;
  bool indirect = op == 0xFF && (row.reg == 2 || row.reg == 4);
  if (op == 0x9D) {  // POPF: a sanitized image (no TF, RF, VM), IOPL/NT/AC/ID at random
    uint32_t f = randomFlags() | (rng_.u32() & (0x3000 | 0x4000 | 0x40000 | 0x200000));
    pushImmediate(o32, f);
  } else if (ret) {
    unsigned pushSize = (o32 != c32 ? 1 : 0) + 1 + (o32 ? 4 : 2);
    uint32_t target =
        layout_.code + codeSoFar + pushSize + static_cast<uint32_t>(b.size()) + filler;
    filler = rng_.below(5);
    target += filler;
    pushImmediate(o32, target);
  } else if (indirect) {
    filler = rng_.below(5);
    if (!memory) {
      unsigned r = addressing[0] & 7;
      // The register was possibly wanted for nothing else (mod 3 names no address registers).
      uint32_t target = layout_.code + codeSoFar + (w.set[r] ? 0 : (c32 ? 5 : 6)) +
                        static_cast<uint32_t>(b.size()) + filler;
      if (w.set[r]) return false;
      uint32_t v = o32 ? target : ((rng_.u32() & 0xFFFF0000u) | target);
      std::vector<uint8_t> s;
      if (!c32) s.push_back(0x66);
      s.push_back(static_cast<uint8_t>(0xB8 + r));
      put32(s, v);
      setups.push_back(s);
    } else {
      // MOV [same operand], target: the same prefixes (segment, address size) and addressing.
      std::vector<uint8_t> s;
      for (uint8_t p : pfx)
        if (p != 0xF0 && p != 0xF2 && p != 0xF3) s.push_back(p);
      s.push_back(0xC7);
      s.insert(s.end(), addressing.begin(), addressing.end());
      s[s.size() - addressing.size()] &= 0xC7;  // reg field 0: MOV r/m, imm
      uint32_t len = static_cast<uint32_t>(s.size() + (o32 ? 4 : 2));
      uint32_t target = layout_.code + codeSoFar + len + static_cast<uint32_t>(b.size()) + filler;
      if (o32)
        put32(s, target);
      else
        put16(s, target);
      setups.push_back(s);
    }
  }
  for (auto& s : setups) {
    seq.insns.push_back(
        Placed{static_cast<uint32_t>(seq.code.size()), static_cast<uint8_t>(s.size()), true});
    seq.code.insert(seq.code.end(), s.begin(), s.end());
  }
  seq.insns.push_back(
      Placed{static_cast<uint32_t>(seq.code.size()), static_cast<uint8_t>(b.size()), false});
  seq.code.insert(seq.code.end(), b.begin(), b.end());
  seq.code.insert(seq.code.end(), filler, 0x90);
  ++seq.generated;
  seq.flagMask = undefinedFlags(op, row.reg);
  terminal = (!c32 && loadsSegment(op)) || seq.flagMask != 0;
  if (seq.code.size() > layout_.codeSize - 64) terminal = true;
  return true;
}

}  // namespace emu::diff
