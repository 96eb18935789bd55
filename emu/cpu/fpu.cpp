// The x87 FPU: the escape opcodes D8-DF and WAIT (fpu.h says what runs where).
#include "emu/cpu/fpu.h"

#include <array>
#include <cstring>
#include <utility>

#include "emu/cpu/cpu.h"
#include "emu/cpu/decode.h"
#include "emu/cpu/exec_common.h"

#if !defined(__x86_64__) && !defined(__i386__)
#error "the x87 model executes the guest's FPU instructions on the host's x87: x86 hosts only"
#endif

namespace emu {

namespace {

constexpr uint32_t kCr0Mp = 1u << 1, kCr0Em = 1u << 2, kCr0Ts = 1u << 3, kCr0Ne = 1u << 5;

// ---- the host's x87
// ------------------------------------------------------------------------------

// What FNSAVE stores and FRSTOR loads with a 32-bit operand size in protected (or 64-bit) mode:
// the 28-byte environment and ST(0)..ST(7) (SDM vol. 1 figure 8-9 and 8-10).
struct HostImage {
  uint32_t cw, sw, tw, fip, fcsFop, fdp, fds;
  uint8_t st[8][10];
};
static_assert(sizeof(HostImage) == 108);

// Register forms: FRSTOR the guest's state, run its two opcode bytes, read ZF PF CF (FCOMI) and
// FNSAVE it back (FNSAVE also leaves the host FPU initialised, as the ABI wants it between
// calls). `flags` bit 0 on entry is CF for the FCMOVcc the caller turned into FCMOVB; on return
// bits 0, 1, 2 are CF, PF, ZF. No waiting instruction runs while the host has an exception
// pending: the image's flags are clear when it is loaded, and FNSAVE does not wait.
template <unsigned B0, unsigned B1>
void hostRegister(HostImage& s, uint32_t& flags) {
  uint8_t z, p, cf;
  uint32_t cfIn = flags & 1;
  asm volatile(
      "frstor %[s]\n\t"
      "btl $0, %[cin]\n\t"
      ".byte %c[b0], %c[b1]\n\t"
      "setz %[z]\n\t"
      "setp %[p]\n\t"
      "setc %[c]\n\t"
      "fnsave %[s]"
      : [s] "+m"(s), [z] "=&q"(z), [p] "=&q"(p), [c] "=&q"(cf)
      : [cin] "r"(cfIn), [b0] "i"(B0), [b1] "i"(B1)
      : "cc", "memory", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");
  flags = cf | (p << 1) | (z << 2);
}

// Memory forms: the same with the operand in a host buffer, addressed as [rsi] (ModR/M mod 00,
// rm 110; [esi] on a 32-bit host).
template <unsigned B0, unsigned R>
void hostMemory(HostImage& s, uint8_t* buf) {
  asm volatile(
      "frstor %[s]\n\t"
      ".byte %c[b0], %c[m]\n\t"
      "fnsave %[s]"
      : [s] "+m"(s)
      : "S"(buf), [b0] "i"(B0), [m] "i"((R << 3) | 6)
      : "memory", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");
}

using HostRegisterFn = void (*)(HostImage&, uint32_t&);
using HostMemoryFn = void (*)(HostImage&, uint8_t*);

template <unsigned B0, unsigned... K>
constexpr std::array<HostRegisterFn, 64> registerRow(std::integer_sequence<unsigned, K...>) {
  return {&hostRegister<B0, 0xC0 + K>...};
}
template <unsigned B0, unsigned... K>
constexpr std::array<HostMemoryFn, 8> memoryRow(std::integer_sequence<unsigned, K...>) {
  return {&hostMemory<B0, K>...};
}
template <unsigned... B>
constexpr std::array<std::array<HostRegisterFn, 64>, 8> registerTable(
    std::integer_sequence<unsigned, B...>) {
  return {registerRow<0xD8 + B>(std::make_integer_sequence<unsigned, 64>{})...};
}
template <unsigned... B>
constexpr std::array<std::array<HostMemoryFn, 8>, 8> memoryTable(
    std::integer_sequence<unsigned, B...>) {
  return {memoryRow<0xD8 + B>(std::make_integer_sequence<unsigned, 8>{})...};
}
// Only the encodings fpuValid accepts (and not the ones done here in software) are ever called.
constexpr auto kHostRegister = registerTable(std::make_integer_sequence<unsigned, 8>{});
constexpr auto kHostMemory = memoryTable(std::make_integer_sequence<unsigned, 8>{});

// ---- tags and images -------------------------------------------------------------------------

uint16_t exponentOf(const uint8_t* r) {
  return static_cast<uint16_t>((r[8] | (r[9] << 8)) & 0x7FFF);
}
uint64_t significandOf(const uint8_t* r) {
  uint64_t m;
  std::memcpy(&m, r, 8);
  return m;
}

// A non-empty register's tag: 01 zero, 00 valid (a normal with its integer bit), 10 special
// (NaN, infinity, denormal, pseudo-denormal, unnormal). SDM vol. 1 8.1.7.
unsigned tagOf(const uint8_t* r) {
  uint16_t e = exponentOf(r);
  uint64_t m = significandOf(r);
  if (e == 0) return m == 0 ? 1 : 2;
  if (e == 0x7FFF) return 2;
  return (m >> 63) ? 0 : 2;
}

// The environment FSTENV/FSAVE store: 14 bytes (16-bit operand size) or 28, in the protected-mode
// or the real-mode layout (SDM vol. 1 figures 8-9 to 8-12; [386PRM] FSTENV). Reserved halves
// read FFFFh, as Intel's and AMD's processors and Bochs store them.
//
//   32-bit protected:  CW | SW | TW | FIP | FCS, FOP << 16 | FDP | FDS
//   32-bit real:       CW | SW | TW | FIP 15-0 | FOP, FIP 31-16 << 12 | FDP 15-0 | FDP 31-16 << 12
//   16-bit protected:  CW  SW  TW  FIP  FCS  FDP  FDS   (one word each)
//   16-bit real:       CW  SW  TW  FIP 15-0  FOP | FIP 19-16 << 12  FDP 15-0  FDP 19-16 << 12
unsigned storeEnvironment(const Fpu& f, uint8_t* out, bool op32, bool real) {
  uint16_t tw = f.tagWord();
  if (op32) {
    store<4>(out + 0, 0xFFFF0000u | f.cw);
    store<4>(out + 4, 0xFFFF0000u | f.sw);
    store<4>(out + 8, 0xFFFF0000u | tw);
    if (real) {
      store<4>(out + 12, 0xFFFF0000u | (f.fipLinear & 0xFFFF));
      store<4>(out + 16, ((f.fipLinear >> 16) << 12) | f.fop);
      store<4>(out + 20, 0xFFFF0000u | (f.fdpLinear & 0xFFFF));
      store<4>(out + 24, (f.fdpLinear >> 16) << 12);
    } else {
      store<4>(out + 12, f.fip);
      store<4>(out + 16, f.fcs | (uint32_t{f.fop} << 16));
      store<4>(out + 20, f.fdp);
      store<4>(out + 24, 0xFFFF0000u | f.fds);
    }
    return 28;
  }
  store<2>(out + 0, f.cw);
  store<2>(out + 2, f.sw);
  store<2>(out + 4, tw);
  if (real) {
    store<2>(out + 6, static_cast<uint16_t>(f.fipLinear));
    store<2>(out + 8, static_cast<uint16_t>(((f.fipLinear >> 16) & 0xF) << 12 | f.fop));
    store<2>(out + 10, static_cast<uint16_t>(f.fdpLinear));
    store<2>(out + 12, static_cast<uint16_t>(((f.fdpLinear >> 16) & 0xF) << 12));
  } else {
    store<2>(out + 6, static_cast<uint16_t>(f.fip));
    store<2>(out + 8, f.fcs);
    store<2>(out + 10, static_cast<uint16_t>(f.fdp));
    store<2>(out + 12, f.fds);
  }
  return 14;
}

// FLDCW's rule for the control word: bits 6 and 13-15 are not stored, bit 6 reads 1 (what the
// 486 and later keep; the host's FNSTCW after FLDCW FFFFh reads 1F7Fh).
uint16_t controlWord(uint16_t v) {
  return static_cast<uint16_t>((v & 0x1F3F) | 0x40);
}

unsigned loadEnvironment(Fpu& f, const uint8_t* in, bool op32, bool real) {
  uint16_t cw, sw, tw;
  if (op32) {
    cw = load<2>(in);
    sw = load<2>(in + 4);
    tw = load<2>(in + 8);
    if (real) {
      uint32_t d4 = load<4>(in + 16);
      f.fipLinear = load<2>(in + 12) | (((d4 >> 12) & 0xFFFF) << 16);
      f.fop = d4 & 0x7FF;
      f.fdpLinear = load<2>(in + 20) | (((load<4>(in + 24) >> 12) & 0xFFFF) << 16);
      f.fip = f.fipLinear;
      f.fdp = f.fdpLinear;
      f.fcs = f.fds = 0;
    } else {
      f.fip = load<4>(in + 12);
      uint32_t d4 = load<4>(in + 16);
      f.fcs = static_cast<uint16_t>(d4);
      f.fop = (d4 >> 16) & 0x7FF;
      f.fdp = load<4>(in + 20);
      f.fds = load<2>(in + 24);
      f.fipLinear = f.fip;
      f.fdpLinear = f.fdp;
    }
  } else {
    cw = load<2>(in);
    sw = load<2>(in + 2);
    tw = load<2>(in + 4);
    if (real) {
      uint16_t w4 = load<2>(in + 8);
      f.fipLinear = load<2>(in + 6) | (uint32_t{static_cast<uint16_t>(w4 >> 12)} << 16);
      f.fop = w4 & 0x7FF;
      f.fdpLinear =
          load<2>(in + 10) | (uint32_t{static_cast<uint16_t>(load<2>(in + 12) >> 12)} << 16);
      f.fip = f.fipLinear;
      f.fdp = f.fdpLinear;
      f.fcs = f.fds = 0;
    } else {
      f.fip = load<2>(in + 6);
      f.fcs = load<2>(in + 8);
      f.fdp = load<2>(in + 10);
      f.fds = load<2>(in + 12);
      f.fop = 0;
      f.fipLinear = f.fip;
      f.fdpLinear = f.fdp;
    }
  }
  f.cw = controlWord(cw);
  f.sw = sw;
  f.setTagWord(tw);
  f.updateSummary();
  return op32 ? 28 : 14;
}

// ---- guest memory operands ---------------------------------------------------------------------

// Reads `n` bytes at seg:off: the segment check covers the whole operand before any access.
bool readOperand(Core& c, unsigned s, uint32_t off, uint8_t* out, unsigned n) {
  const Segment& sg = c.seg_[s];
  if (!sg.readable || !segRangeOk(sg, off, n)) return c.segFault(s);
  uint32_t lin = sg.base + off;
  for (unsigned k = 0; k < n; k += 4) {
    unsigned m = n - k < 4 ? n - k : 4;
    uint32_t v;
    if (!c.readLinear(lin + k, m, v, c.user())) return false;
    std::memcpy(out + k, &v, m);
  }
  return true;
}

// Checks that `n` bytes at seg:off can be written (segment, then every page, lowest first) with
// no side effect but the translation; returns the linear address.
bool checkOperandWrite(Core& c, unsigned s, uint32_t off, unsigned n, uint32_t& lin) {
  const Segment& sg = c.seg_[s];
  if (!sg.writable || !segRangeOk(sg, off, n)) return c.segFault(s);
  lin = sg.base + off;
  return c.probeWrite(lin, n, c.user());
}

// Stores bytes checkOperandWrite accepted (the pages are translated: no fault can follow).
void writeOperand(Core& c, uint32_t lin, const uint8_t* p, unsigned n) {
  for (unsigned k = 0; k < n; k += 4) {
    unsigned m = n - k < 4 ? n - k : 4;
    uint32_t v = 0;
    std::memcpy(&v, p + k, m);
    (void)c.writeLinear(lin + k, m, v, c.user());
  }
}

bool realFormat(const Core& c) {
  return !c.pe_ || (c.flags_ & flag::kVm);
}

// ---- errors: #MF or FERR# ----------------------------------------------------------------------

// After the status or control word changed: with CR0.NE clear, FERR# follows the pending error
// (a PC turns it into IRQ 13); with NE set the error is reported as #MF instead.
void updateFerr(Core& c) {
  bool want = c.fpu_.pending() && !(c.cr0() & kCr0Ne);
  if (want != c.fpu_.ferr) {
    c.fpu_.ferr = want;
    c.bus_.fpuError(want);
  }
}

// A waiting instruction found an unmasked exception pending. With CR0.NE set: #MF, a fault on
// this instruction (SDM vol. 1 8.7). With NE clear, the MS-DOS-compatible way (SDM vol. 1 D.2.1):
// FERR# is already asserted (IRQ 13 on a PC); unless IGNNE# is active (port F0h was written),
// the processor freezes on this instruction until an interrupt comes, so the handler runs with
// its return address here, and the instruction runs again after it. The freeze is modelled as a
// HLT on this instruction. Returns true when the instruction may go on; else `result` is what
// the handler returns.
bool errorCheck(Core& c, bool& result) {
  if (!c.fpu_.pending()) return true;
  if (c.cr0() & kCr0Ne) {
    result = c.fault(kMfVector);
    return false;
  }
  updateFerr(c);
  if (c.bus_.fpuErrorIgnored()) return true;
  c.eip_ = c.curEip_;
  --c.icount_;
  c.halted_ = true;
  c.updateAttention();
  result = true;
  return false;
}

// ---- the instructions done here ---------------------------------------------------------------

// FNSTENV / FNSAVE: store the environment (and the registers), then mask every exception
// (FSTENV) or initialise (FSAVE).
bool storeState(Core& c, const Insn& i, bool save) {
  Fpu& f = c.fpu_;
  uint8_t buf[108];
  bool real = realFormat(c);
  unsigned n = storeEnvironment(f, buf, i.op32(), real);
  if (save) {
    for (unsigned k = 0; k < 8; ++k) std::memcpy(buf + n + 10 * k, f.reg[(f.top() + k) & 7], 10);
    n += 80;
  }
  uint32_t lin;
  if (!checkOperandWrite(c, i.seg, effectiveAddress(c, i), n, lin)) return false;
  writeOperand(c, lin, buf, n);
  if (save) {
    f.init();
  } else {
    f.cw |= Fpu::kExceptions;
  }
  f.updateSummary();
  updateFerr(c);
  return true;
}

// FLDENV / FRSTOR.
bool loadState(Core& c, const Insn& i, bool restore) {
  Fpu& f = c.fpu_;
  uint8_t buf[108];
  unsigned n = (i.op32() ? 28 : 14) + (restore ? 80 : 0);
  if (!readOperand(c, i.seg, effectiveAddress(c, i), buf, n)) return false;
  unsigned env = loadEnvironment(f, buf, i.op32(), realFormat(c));
  if (restore) {
    for (unsigned k = 0; k < 8; ++k) std::memcpy(f.reg[(f.top() + k) & 7], buf + env + 10 * k, 10);
  }
  updateFerr(c);
  return true;
}

bool storeWord(Core& c, const Insn& i, uint16_t v) {
  return writeMem<2>(c, i.seg, effectiveAddress(c, i), v);
}

// The memory operand of a computing instruction: its size and direction (SDM vol. 2 tables
// D8/DA/DC/DE are the arithmetic groups on m32real/m32int/m64real/m16int.
struct MemOperand {
  uint8_t size;
  bool store;
};
MemOperand memOperand(uint8_t op, unsigned reg) {
  switch (op) {
    case 0xD8:
    case 0xDA:
      return {4, false};
    case 0xDC:
      return {8, false};
    case 0xDE:
      return {2, false};
    case 0xD9:  // FLD / FST / FSTP m32real
      return {4, reg != 0};
    case 0xDB:  // FILD / FIST / FISTP m32int, FLD / FSTP m80real
      return {static_cast<uint8_t>(reg >= 5 ? 10 : 4), reg == 2 || reg == 3 || reg == 7};
    case 0xDD:  // FLD / FST / FSTP m64real
      return {8, reg != 0};
    default:  // DF: FILD / FIST / FISTP m16int, FBLD m80bcd, FILD m64int, FBSTP, FISTP m64int
      if (reg <= 3) return {2, reg != 0};
      if (reg == 4 || reg == 6) return {10, reg == 6};
      return {8, reg == 7};
  }
}

// FCMOVcc's condition (DA C0-DF: B E BE U; DB C0-DF: NB NE NBE NU), from EFLAGS.
bool fcmovCondition(uint32_t fl, uint8_t op, uint8_t modrm) {
  bool t;
  switch ((modrm >> 3) & 3) {
    case 0:
      t = fl & flag::kCf;
      break;
    case 1:
      t = fl & flag::kZf;
      break;
    case 2:
      t = fl & (flag::kCf | flag::kZf);
      break;
    default:
      t = fl & flag::kPf;
      break;
  }
  return op == 0xDA ? t : !t;
}

// A computing instruction: operands read (or the destination checked), pointers recorded, the
// instruction run on the host with the guest's state, the result stored.
bool compute(Core& c, const Insn& i) {
  Fpu& f = c.fpu_;
  const uint8_t op = static_cast<uint8_t>(i.op);
  const uint8_t modrm = i.modrm;
  uint8_t buf[10] = {};
  MemOperand mo{0, false};
  uint32_t off = 0, lin = 0;
  if (i.mem()) {
    mo = memOperand(op, i.reg());
    off = effectiveAddress(c, i);
    if (mo.store) {
      if (!checkOperandWrite(c, i.seg, off, mo.size, lin)) return false;
    } else if (!readOperand(c, i.seg, off, buf, mo.size)) {
      return false;
    }
  }
  // The last non-control instruction ([386PRM] 11.2.4; SDM vol. 1 8.1.8): its CS:EIP (prefixes
  // included), its opcode and, when it has one, its memory operand.
  f.fip = c.curEip_;
  f.fcs = c.seg_[kCs].selector;
  f.fipLinear = c.seg_[kCs].base + c.curEip_;
  f.fop = static_cast<uint16_t>(((op & 7) << 8) | modrm);
  if (i.mem()) {
    f.fdp = off;
    f.fds = c.seg_[i.seg].selector;
    f.fdpLinear = c.seg_[i.seg].base + off;
  }

  HostImage img{};
  img.cw = f.cw;
  img.sw = f.sw & 0x7F00u;  // C0-C3 and TOP; the flags are or-ed back after
  img.tw = f.tagWord();
  for (unsigned k = 0; k < 8; ++k) std::memcpy(img.st[k], f.reg[(f.top() + k) & 7], 10);
  uint32_t eflags = 0;
  bool fcmov = !i.mem() && (op == 0xDA || op == 0xDB) && modrm < 0xE0;
  if (i.mem()) {
    kHostMemory[op - 0xD8][i.reg()](img, buf);
  } else if (fcmov) {
    // Every FCMOVcc is FCMOVB with CF the condition.
    eflags = fcmovCondition(c.eflagsNow(), op, modrm) ? 1 : 0;
    kHostRegister[0xDA - 0xD8][modrm & 7](img, eflags);
  } else {
    kHostRegister[op - 0xD8][modrm - 0xC0](img, eflags);
  }

  uint16_t raised = static_cast<uint16_t>(img.sw & (Fpu::kExceptions | Fpu::kSf));
  f.sw = static_cast<uint16_t>((img.sw & 0x7F00u) | (f.sw & 0x7F) | raised);
  f.updateSummary();
  uint16_t empty = 0;
  for (unsigned k = 0; k < 8; ++k)
    if (((img.tw >> (2 * k)) & 3) == 3) empty |= static_cast<uint16_t>(1u << k);
  f.empty = empty;
  for (unsigned k = 0; k < 8; ++k) std::memcpy(f.reg[(f.top() + k) & 7], img.st[k], 10);

  uint16_t unmasked = raised & ~f.cw & Fpu::kExceptions;
  // A store happens unless an exception other than precision was raised and not masked (SDM
  // vol. 1 4.9.2 and 8.5: the destination in memory is left unchanged).
  if (mo.store && !(unmasked & ~Fpu::kPe)) writeOperand(c, lin, buf, mo.size);
  // FCOMI, FCOMIP, FUCOMI, FUCOMIP: ZF PF CF from the comparison, OF SF AF cleared (the host
  // sets them even when an unmasked invalid operation leaves the registers alone).
  if (!i.mem() && (op == 0xDB || op == 0xDF) && modrm >= 0xE8 && modrm < 0xF8) {
    uint32_t z = (eflags & 4) ? flag::kZf : 0, p = (eflags & 2) ? flag::kPf : 0,
             cf = (eflags & 1) ? flag::kCf : 0;
    setArith(c, z | p | cf);
  }
  updateFerr(c);
  return true;
}

}  // namespace

// ---- Fpu ---------------------------------------------------------------------------------------

void Fpu::reset() {
  *this = Fpu{};
}

void Fpu::init() {
  cw = 0x037F;
  sw = 0;
  empty = 0xFF;
  fip = fdp = fipLinear = fdpLinear = 0;
  fcs = fds = fop = 0;
}

uint16_t Fpu::tagWord() const {
  uint16_t tw = 0;
  for (unsigned k = 0; k < 8; ++k) {
    unsigned t = (empty >> k) & 1 ? 3 : tagOf(reg[k]);
    tw = static_cast<uint16_t>(tw | (t << (2 * k)));
  }
  return tw;
}

// Only "empty or not" is kept: a later FSTENV or FSAVE stores the tags of the contents, as the
// host's FNSAVE does after FRSTOR of any tag word.
void Fpu::setTagWord(uint16_t tw) {
  empty = 0;
  for (unsigned k = 0; k < 8; ++k)
    if (((tw >> (2 * k)) & 3) == 3) empty = static_cast<uint16_t>(empty | (1u << k));
}

void Fpu::updateSummary() {
  if (pending())
    sw |= kEs | kB;
  else
    sw &= static_cast<uint16_t>(~(kEs | kB));
}

bool fpuValid(uint8_t op, uint8_t m) {
  if (m < 0xC0) {
    unsigned reg = (m >> 3) & 7;
    switch (op) {
      case 0xD9:
        return reg != 1;  // FLD FST FSTP m32, FLDENV FLDCW FNSTENV FNSTCW
      case 0xDB:
        return reg != 1 && reg != 4 && reg != 6;  // /1 is SSE3's FISTTP
      case 0xDD:
        return reg != 1 && reg != 5;
      case 0xDF:
        return reg != 1;
      default:
        return true;
    }
  }
  switch (op) {
    case 0xD9:
      if (m >= 0xD1 && m <= 0xD7) return false;
      return m != 0xE2 && m != 0xE3 && m != 0xE6 && m != 0xE7 && m != 0xEF;
    case 0xDA:
      return m < 0xE0 || m == 0xE9;  // FCMOVcc, FUCOMPP
    case 0xDB:
      return m < 0xE5 || (m >= 0xE8 && m < 0xF8);  // FCMOVNcc, FNENI..FNSETPM, FUCOMI, FCOMI
    case 0xDD:
      return m < 0xF0;
    case 0xDE:
      return m < 0xD8 || m >= 0xE0 || m == 0xD9;
    case 0xDF:
      return m < 0xE1 || (m >= 0xE8 && m < 0xF8);
    default:  // D8, DC
      return true;
  }
}

// D8-DF. The checks come in the processor's order: CR0.EM or CR0.TS (#NM, so a kernel can switch
// FPU state lazily), an undefined encoding (#UD, or a stop with --stop-on-unsupported), then, for
// the waiting instructions, an error pending from an earlier one (#MF or FERR#).
bool fpuEscape(Core& c, const Insn& i) {
  if (c.cr0() & (kCr0Em | kCr0Ts)) return c.fault(vec::kNm);
  const uint8_t op = static_cast<uint8_t>(i.op);
  const uint8_t m = i.modrm;
  if (!fpuValid(op, m)) return opUnsupported(c, i);  // #UD, or the stop asked for
  Fpu& f = c.fpu_;
  // The non-waiting control instructions.
  if (i.mem()) {
    if (op == 0xD9 && i.reg() == 6) return storeState(c, i, false);  // FNSTENV
    if (op == 0xD9 && i.reg() == 7) return storeWord(c, i, f.cw);    // FNSTCW
    if (op == 0xDD && i.reg() == 6) return storeState(c, i, true);   // FNSAVE
    if (op == 0xDD && i.reg() == 7) return storeWord(c, i, f.sw);    // FNSTSW m16
  } else if (op == 0xDB && m >= 0xE0 && m <= 0xE4) {
    if (m == 0xE2) f.sw &= 0x7F00;  // FNCLEX: flags, SF, ES and B
    if (m == 0xE3) f.init();        // FNINIT
    // E0 FNENI, E1 FNDISI, E4 FNSETPM: the 8087's and 287's, no-ops from the 387 on.
    updateFerr(c);
    return true;
  } else if (op == 0xDF && m == 0xE0) {  // FNSTSW AX
    setReg<2>(c, kEax, f.sw);
    return true;
  }
  bool result;
  if (!errorCheck(c, result)) return result;
  if (i.mem()) {
    if (op == 0xD9 && i.reg() == 4) return loadState(c, i, false);  // FLDENV
    if (op == 0xDD && i.reg() == 4) return loadState(c, i, true);   // FRSTOR
    if (op == 0xD9 && i.reg() == 5) {                               // FLDCW
      uint32_t v;
      if (!readMem<2>(c, i.seg, effectiveAddress(c, i), v)) return false;
      f.cw = controlWord(static_cast<uint16_t>(v));
      f.updateSummary();
      updateFerr(c);
      return true;
    }
  }
  return compute(c, i);
}

// WAIT/FWAIT: #NM when CR0.MP and CR0.TS are both set ([386PRM] WAIT; EM does not matter), then
// a pending error is reported.
bool fpuWait(Core& c, const Insn&) {
  if ((c.cr0() & (kCr0Mp | kCr0Ts)) == (kCr0Mp | kCr0Ts)) return c.fault(vec::kNm);
  bool result;
  if (!errorCheck(c, result)) return result;
  return true;
}

}  // namespace emu
