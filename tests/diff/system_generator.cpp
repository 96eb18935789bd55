// The system-instruction generator (see system.h). Instruction encodings follow [386PRM] chapter
// 17; the privilege rules the generator predicts (to know whether execution goes on at the next
// byte) follow [386PRM] chapter 6 and the JMP, CALL, RET and IRET pages.
#include <algorithm>

#include "tests/diff/system.h"

namespace emu::diff {

// ---- The descriptor tables ----------------------------------------------------------------------

namespace {
constexpr uint8_t kCodeEr = 0x9A, kDataRw = 0x92;  // present, execute/read code; read/write data
constexpr uint8_t kG32 = 0xC, kB16 = 0x0;          // G and D/B; byte granular, 16-bit
}  // namespace

// Selector map (GDT at SystemLayout::kGdt; TI = 1 for the LDT). DPL is in access bits 6..5.
const std::vector<SystemLayout::Desc>& SystemLayout::descriptors() {
  static const std::vector<Desc> table = {
      {0x08, 0, 0xFFFFFFFF, kCodeEr | 1, kG32},              // ring-0 code (initial CS)
      {0x10, 0, 0xFFFFFFFF, kDataRw | 1, kG32},              // ring-0 data (initial SS, DS...)
      {0x18, 0, 0xFFFFFFFF, kCodeEr | 0x60, kG32},           // ring-3 code
      {0x20, 0, 0xFFFFFFFF, kDataRw | 0x60, kG32},           // ring-3 data
      {0x28, kTssA, 0x67, 0x8B, 0},                          // 32-bit TSS, busy (TR)
      {0x30, kTssB, 0x67, 0x89, 0},                          // 32-bit TSS, available
      {0x38, kLdt, kLdtLimit, 0x82, 0},                      // LDT
      {0x40, 0x10000, 0xFFFF, kCodeEr, kB16},                // ring-0 16-bit code
      {0x48, 0x1000, 0x0FFF, kDataRw, kB16},                 // ring-0 16-bit data, 4 KB
      {0x50, 0, 0xFFFFFFFF, (kDataRw | 0x60) & 0x7F, kG32},  // ring-3 data, not present
      {0x58, 0, 0xFFFFFFFF, kCodeEr | 0x04, kG32},           // ring-0 conforming code
      {0x60, 0, 0xFFFFFFFF, 0x90, kG32},                     // ring-0 read-only data
      {0x68, 0, 0xFFFFFFFF, 0x98, kG32},                     // ring-0 execute-only code
      {0x70, 0, 0xFFFFFFFF, (kCodeEr | 0x60) & 0x7F, kG32},  // ring-3 code, not present
      {0x78, 0, 0xFFFFFFFF, kDataRw | 0x20, kG32},           // ring-1 data
      {0x80, 0, 0x0FFF, kDataRw | 0x60 | 0x04, 0x4},         // ring-3 expand-down data, B = 1
      {0x88, kCode, 0x08, 0xEC, 0},                          // 32-bit call gate, DPL 3 (LAR only)
      {0x90, 0, 0xFFFFFFFF, kCodeEr | 0x60 | 0x04, kG32},    // ring-3 conforming code
      {0x98, 0, 0xFFFFFFFF, kDataRw | 0x40, kG32},           // ring-2 data
      {0xA0, 0, 0xFFFFFFFF, kDataRw & 0x7F, kG32},           // ring-0 data, not present
      {0xA8, 0, 0xFFFFFFFF, kCodeEr | 0x20, kG32},           // ring-1 code
      {0x04, 0, 0xFFFFFFFF, kDataRw | 0x60, kG32},           // LDT: ring-3 data
      {0x0C, 0, 0xFFFFFFFF, kCodeEr | 0x60, kG32},           // LDT: ring-3 code
      {0x14, 0, 0xFFFFFFFF, kDataRw & 0x7F, kG32},           // LDT: ring-0 data, not present
  };
  return table;
}

const SystemLayout::Desc* SystemLayout::find(uint16_t selector) {
  for (const Desc& d : descriptors())
    if (d.selector == (selector & 0xFFFC)) return &d;
  return nullptr;
}

uint64_t SystemLayout::encode(const Desc& d) {
  if ((d.access & 0x1F) == 0x0C) {
    // Call gate ([386PRM] 6.3.4.1 figure 6-5): offset 15..0, selector, count 0, type,
    // offset 31..16; `base` holds the offset and `limit` the selector here.
    uint32_t lo = (d.base & 0xFFFF) | (d.limit << 16);
    uint32_t hi = (d.base & 0xFFFF0000u) | (uint32_t{d.access} << 8);
    return (uint64_t{hi} << 32) | lo;
  }
  uint32_t limit = d.limit;
  if (d.flags & 0x8) limit >>= 12;
  uint32_t lo = (limit & 0xFFFF) | (d.base << 16);
  uint32_t hi = ((d.base >> 16) & 0xFF) | (uint32_t{d.access} << 8) | (limit & 0xF0000) |
                (uint32_t{d.flags} << 20) | (d.base & 0xFF000000u);
  return (uint64_t{hi} << 32) | lo;
}

// ---- The generator ------------------------------------------------------------------------------

namespace {

// The model of the machine the generator keeps while it writes a sequence.
struct Model {
  bool paging = false;  // CR0.PG with SystemLayout's page tables (CR0 and CR3 writes keep them)
  uint8_t cpl = 0;
  uint8_t iopl = 0;
  bool end = false;  // the next instruction may not run where the generator thinks
};

class Writer {
 public:
  Writer(Sequence& seq, Rng& rng) : seq_(seq), rng_(rng) {}
  uint32_t here() const { return SystemLayout::kCode + static_cast<uint32_t>(seq_.code.size()); }
  void insn(std::initializer_list<uint8_t> bytes, bool setup) {
    start();
    add(bytes);
    finish(setup);
  }
  void start() { at_ = static_cast<uint32_t>(seq_.code.size()); }
  void add(std::initializer_list<uint8_t> bytes) { seq_.code.insert(seq_.code.end(), bytes); }
  void add8(uint8_t v) { seq_.code.push_back(v); }
  void add16(uint32_t v) { add({static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)}); }
  void add32(uint32_t v) {
    add16(v & 0xFFFF);
    add16(v >> 16);
  }
  void finish(bool setup) {
    seq_.insns.push_back(Placed{at_, static_cast<uint8_t>(seq_.code.size() - at_), setup});
    if (!setup) ++seq_.generated;
  }
  // Setups: MOV r32, imm32; PUSH imm32; MOV dword/word SS:[addr], imm (SS is flat at every CPL
  // the generator reaches, so these never depend on the data segment registers under test).
  void movImm(unsigned reg, uint32_t v) {
    start();
    add8(static_cast<uint8_t>(0xB8 + reg));
    add32(v);
    finish(true);
  }
  void pushImm(uint32_t v) {
    start();
    add8(0x68);
    add32(v);
    finish(true);
  }
  void store32(uint32_t addr, uint32_t v) {
    start();
    add({0x36, 0xC7, 0x05});
    add32(addr);
    add32(v);
    finish(true);
  }
  void store16(uint32_t addr, uint16_t v) {
    start();
    add({0x66, 0x36, 0xC7, 0x05});
    add32(addr);
    add16(v);
    finish(true);
  }
  // A far pointer (offset, selector) at addr, for LDS and indirect JMP/CALL.
  void farPointer(uint32_t addr, uint32_t off, uint16_t sel, bool op16) {
    if (op16) {
      store16(addr, static_cast<uint16_t>(off));
      store16(addr + 2, sel);
    } else {
      store32(addr, off);
      store16(addr + 4, sel);
    }
  }

 private:
  Sequence& seq_;
  Rng& rng_;
  uint32_t at_ = 0;
};

// A selector to load: mostly one from the tables with a random RPL, sometimes null, beyond a
// table's limit, or an LDT selector.
uint16_t randomSelector(Rng& rng) {
  const auto& t = SystemLayout::descriptors();
  uint32_t pick = rng.below(100);
  uint16_t rpl = static_cast<uint16_t>(rng.below(4));
  if (pick < 8) return rpl;                                                       // null
  if (pick < 13) return static_cast<uint16_t>((0xB0 + 8 * rng.below(64)) | rpl);  // beyond the GDT
  if (pick < 16)
    return static_cast<uint16_t>((0x18 + 8 * rng.below(16)) | 4 | rpl);  // beyond the LDT
  if (pick < 18) return static_cast<uint16_t>(rng.u32());                // anything
  return static_cast<uint16_t>(t[rng.below(static_cast<uint32_t>(t.size()))].selector | rpl);
}

// A selector for a data segment register at CPL `cpl`: half the time one that loads.
uint16_t dataSelector(Rng& rng, uint8_t cpl) {
  if (rng.chance(35)) return randomSelector(rng);
  static const uint16_t ring3[] = {0x23, 0x07, 0x83, 0x1B, 0x93};
  static const uint16_t ring0[] = {0x10, 0x48, 0x60, 0x08, 0x58, 0x23, 0x79, 0x9A};
  return cpl == 3 ? ring3[rng.below(5)] : ring0[rng.below(8)];
}

bool isCode(const SystemLayout::Desc& d) {
  return (d.access & 0x18) == 0x18;
}
unsigned dpl(const SystemLayout::Desc& d) {
  return (d.access >> 5) & 3;
}
bool present(const SystemLayout::Desc& d) {
  return (d.access & 0x80) != 0;
}

// A code selector for a far transfer: mostly the code segments, with a random RPL.
// Never the call gate (88h) or a TSS (28h, 30h): our CPU models neither call gates nor task
// switches and raises #GP(selector) for a transfer to one (emu/cpu/segments.cpp), where QEMU
// follows the gate or switches tasks; LAR, LSL, VERR, VERW and segment loads still name them.
uint16_t codeSelector(Rng& rng) {
  static const uint16_t code[] = {0x08, 0x18, 0x40, 0x58, 0x68, 0x70, 0x90, 0xA8, 0x0C};
  if (rng.chance(20)) {
    uint16_t sel = randomSelector(rng);
    if ((sel & 0xFFFC) != 0x88 && (sel & 0xFFFC) != 0x28 && (sel & 0xFFFC) != 0x30) return sel;
  }
  return static_cast<uint16_t>(code[rng.below(9)] | rng.below(4));
}

// The offset of the linear address `target` in the segment `sel` names (0 when unknown).
uint32_t offsetIn(uint16_t sel, uint32_t target) {
  const SystemLayout::Desc* d = SystemLayout::find(sel);
  return d ? target - d->base : target;
}

// Whether a far JMP/CALL to `sel` succeeds at `cpl` ([386PRM] JMP, CALL: code segment, present;
// non-conforming: RPL <= CPL and DPL = CPL; conforming: DPL <= CPL), and whether it is 32-bit.
bool farTargetOk(uint16_t sel, uint8_t cpl, bool& code32) {
  const SystemLayout::Desc* d = SystemLayout::find(sel);
  if (!d || (sel & 4) != (d->selector & 4) || !isCode(*d) || !present(*d)) return false;
  code32 = (d->flags & 0x4) != 0;
  if (d->access & 0x4) return dpl(*d) <= cpl;
  return (sel & 3) <= cpl && dpl(*d) == cpl;
}

// Whether a RET/IRET to `sel` succeeds from `cpl` (RPL >= CPL; non-conforming DPL = RPL,
// conforming DPL <= RPL) and, for an outer level, with stack `ss` (RPL = DPL = new CPL, writable).
bool returnTargetOk(uint16_t sel, uint16_t ss, uint8_t cpl, bool& code32) {
  const SystemLayout::Desc* d = SystemLayout::find(sel);
  if (!d || (sel & 4) != (d->selector & 4) || !isCode(*d) || !present(*d)) return false;
  uint8_t rpl = sel & 3;
  if (rpl < cpl) return false;
  code32 = (d->flags & 0x4) != 0;
  if ((d->access & 0x4) ? dpl(*d) > rpl : dpl(*d) != rpl) return false;
  if (rpl == cpl) return true;
  const SystemLayout::Desc* s = SystemLayout::find(ss);
  if (!s || (ss & 4) != (s->selector & 4) || (ss & 3) != rpl) return false;
  return (s->access & 0x1A) == 0x12 && dpl(*s) == rpl && present(*s) && (s->flags & 0x4) &&
         s->limit == 0xFFFFFFFF;
}

// A stack selector for a return to an outer level. Never a not-present segment: the SDM's RET
// and IRET pseudo-code ("IF stack segment not present THEN #SS(SS selector)"), the 80286 manual
// (table 7-4: SF) and Bochs raise #SS, as our CPU does; QEMU raises #NP. (The SDM's exception
// lists say #NP, so the case is left to tests/cpu.)
uint16_t returnStack(Rng& rng, uint16_t wanted) {
  uint16_t ss = rng.chance(80) ? wanted : randomSelector(rng);
  const SystemLayout::Desc* d = SystemLayout::find(ss);
  if (d && (ss & 4) == (d->selector & 4) && !(d->access & 0x80)) return wanted;
  return ss;
}

// A data-window address for a memory operand of `size` bytes.
uint32_t dataAddress(Rng& rng, unsigned size) {
  return SystemLayout::kDataLo +
         (rng.below(SystemLayout::kDataHi - SystemLayout::kDataLo - size) & ~1u);
}

// EFLAGS for POPF/IRET: arithmetic flags, IF, DF, IOPL, AC and ID at random; never TF (a #DB
// after every instruction), NT (IRET would switch tasks, which our CPU does not model: it raises
// #GP(0) where QEMU switches) or VM.
uint32_t randomEflags(Rng& rng) {
  uint32_t v =
      rng.u32() & (flag::kArith | flag::kIf | flag::kDf | flag::kIopl | flag::kAc | flag::kId);
  return v | flag::kFixed;
}

// A general register other than ESP, for operands.
unsigned anyReg(Rng& rng) {
  unsigned r = rng.below(7);
  return r >= kEsp ? r + 1 : r;
}

// Emits one instruction under test (with its setups). Returns false when the sequence must end.
void emitOne(Writer& w, Rng& rng, Model& m) {
  const uint8_t cpl = m.cpl;
  switch (rng.below(24)) {
    case 0:
    case 1: {  // MOV Sreg, r16 (8E /r); Sreg 1 (CS) is #UD
      unsigned r = anyReg(rng);
      static const uint8_t sregs[] = {0, 2, 3, 4, 5, 3, 0, 1};
      uint8_t s = sregs[rng.below(8)];
      w.movImm(r, (rng.u32() & 0xFFFF0000u) | dataSelector(rng, cpl));
      w.insn({static_cast<uint8_t>(0x8E), static_cast<uint8_t>(0xC0 | s << 3 | r)}, false);
      if (s == 1 || s == 2) m.end = true;  // a new SS may not be flat; CS: #UD
      break;
    }
    case 2: {  // POP ES/SS/DS/FS/GS
      w.pushImm((rng.u32() & 0xFFFF0000u) | dataSelector(rng, cpl));
      switch (rng.below(5)) {
        case 0:
          w.insn({0x07}, false);
          break;
        case 1:
          w.insn({0x17}, false);
          m.end = true;
          break;
        case 2:
          w.insn({0x1F}, false);
          break;
        case 3:
          w.insn({0x0F, 0xA1}, false);
          break;
        default:
          w.insn({0x0F, 0xA9}, false);
          break;
      }
      break;
    }
    case 3: {  // LDS/LES/LFS/LGS/LSS r32, m16:32 (and m16:16 with 66)
      bool op16 = rng.chance(20);
      uint32_t addr = dataAddress(rng, 6);
      w.farPointer(addr, rng.u32(), dataSelector(rng, cpl), op16);
      unsigned r = anyReg(rng);
      w.start();
      if (op16) w.add8(0x66);
      w.add8(0x36);
      switch (rng.below(5)) {
        case 0:
          w.add8(0xC5);
          break;
        case 1:
          w.add8(0xC4);
          break;
        case 2:
          w.add({0x0F, 0xB4});
          break;
        case 3:
          w.add({0x0F, 0xB5});
          break;
        default:
          w.add({0x0F, 0xB2});
          m.end = true;
          break;
      }
      w.add8(static_cast<uint8_t>(0x05 | r << 3));
      w.add32(addr);
      w.finish(false);
      break;
    }
    case 4:
    case 5:
    case 6: {  // far JMP/CALL, direct or through memory
      uint16_t sel = codeSelector(rng);
      bool call = rng.chance(50), indirect = rng.chance(35);
      bool code32 = true;
      bool ok = farTargetOk(sel, cpl, code32);
      // A 16-bit operand (66) only toward 16-bit code, where the offset fits.
      bool op16 = !code32 && rng.chance(70);
      uint32_t len = indirect ? 7 : 7;    // 36 FF /r disp32 = 7; EA/9A ptr16:32 = 7
      if (op16) len += indirect ? 1 : 0;  // 66 + (EA ptr16:16 = 5) = 6 ... computed below
      uint32_t addr = dataAddress(rng, 6);
      uint32_t target = 0;
      // The target is the next instruction, so a transfer that succeeds falls through.
      if (indirect) {
        uint32_t n = op16 ? 8 : 7;
        // The far pointer's setups come first; the target depends on where the JMP ends.
        uint32_t setupLen = op16 ? 2 * 10 : 11 + 10;
        target = w.here() + setupLen + n;
        w.farPointer(addr, offsetIn(sel, target), sel, op16);
        w.start();
        if (op16) w.add8(0x66);
        w.add({0x36, 0xFF, static_cast<uint8_t>(call ? 0x1D : 0x2D)});
        w.add32(addr);
        w.finish(false);
      } else {
        uint32_t n = op16 ? 6 : 7;
        target = w.here() + n;
        w.start();
        if (op16) w.add8(0x66);
        w.add8(call ? 0x9A : 0xEA);
        if (op16)
          w.add16(offsetIn(sel, target));
        else
          w.add32(offsetIn(sel, target));
        w.add16(sel);
        w.finish(false);
      }
      (void)len;
      if (!ok || !code32 || w.here() != target) m.end = true;
      break;
    }
    case 7:
    case 8:
    case 9: {  // far RET (and RET imm16), same level or outer
      bool outer = cpl == 0 && rng.chance(60);
      uint16_t cs = outer ? static_cast<uint16_t>(rng.chance(75) ? 0x1B : codeSelector(rng))
                          : codeSelector(rng);
      if (outer && rng.chance(70) && (cs & 3) == 0) cs |= 3;
      uint16_t ss = returnStack(
          rng, (cs & 3) == 3 ? (rng.chance(80) ? 0x23 : 0x07) : ((cs & 3) == 1 ? 0x79 : 0x9A));
      uint16_t imm = rng.chance(30) ? static_cast<uint16_t>(4 * rng.below(4)) : 0;
      bool code32 = true;
      bool ok = returnTargetOk(cs, ss, cpl, code32);
      bool toOuter = (cs & 3) > cpl;
      uint32_t newEsp = SystemLayout::kStackLo + 0x400 + 4 * rng.below(0x300);
      // Frame: [ESP, SS after imm bytes] when returning outward; then CS, EIP.
      unsigned pushes = 2 + (toOuter ? 2 + imm / 4 : 0);
      uint32_t target = w.here() + 5 * pushes + (imm ? 3 : 1);
      if (toOuter) {
        w.pushImm(ss);
        w.pushImm(newEsp);
        for (unsigned k = 0; k < imm / 4; ++k) w.pushImm(rng.u32());
      }
      w.pushImm(cs | (rng.u32() & 0xFFFF0000u));
      w.pushImm(offsetIn(cs, target));
      w.start();
      if (imm) {
        w.add8(0xCA);
        w.add16(imm);
      } else {
        w.add8(0xCB);
      }
      w.finish(false);
      if (!ok || !code32)
        m.end = true;
      else
        m.cpl = cs & 3;
      if (m.cpl != 0 && m.cpl != 3) m.end = true;  // rings 1 and 2: one transfer, then stop
      break;
    }
    case 10:
    case 11: {  // IRET, same level or outer (NT is never set: see randomEflags)
      bool outer = cpl == 0 && rng.chance(60);
      uint16_t cs = outer ? static_cast<uint16_t>(0x1B) : codeSelector(rng);
      if (rng.chance(15)) cs = codeSelector(rng);
      uint16_t ss = returnStack(rng, (cs & 3) == 3 ? 0x23 : 0x10);
      uint32_t flags = randomEflags(rng);
      bool code32 = true;
      bool ok = returnTargetOk(cs, ss, cpl, code32);
      bool toOuter = (cs & 3) > cpl;
      uint32_t newEsp = SystemLayout::kStackLo + 0x400 + 4 * rng.below(0x300);
      unsigned pushes = 3 + (toOuter ? 2 : 0);
      uint32_t target = w.here() + 5 * pushes + 1;
      if (toOuter) {
        w.pushImm(ss);
        w.pushImm(newEsp);
      }
      w.pushImm(flags);
      w.pushImm(cs);
      w.pushImm(offsetIn(cs, target));
      w.insn({0xCF}, false);
      if (!ok || !code32) {
        m.end = true;
      } else {
        // [386PRM] IRET: IOPL changes only at CPL 0 (the old level).
        if (cpl == 0) m.iopl = static_cast<uint8_t>((flags >> 12) & 3);
        m.cpl = cs & 3;
        if (m.cpl != 0 && m.cpl != 3) m.end = true;
      }
      break;
    }
    case 12: {  // LAR / LSL r32, r/m16
      unsigned src = anyReg(rng), dst = anyReg(rng);
      w.movImm(src, (rng.u32() & 0xFFFF0000u) | randomSelector(rng));
      w.start();
      if (rng.chance(25)) w.add8(0x66);
      w.add({0x0F, static_cast<uint8_t>(rng.chance(50) ? 0x02 : 0x03),
             static_cast<uint8_t>(0xC0 | dst << 3 | src)});
      w.finish(false);
      break;
    }
    case 13: {  // VERR / VERW r16
      unsigned src = anyReg(rng);
      w.movImm(src, randomSelector(rng));
      w.insn({0x0F, 0x00, static_cast<uint8_t>(0xC0 | (rng.chance(50) ? 4 : 5) << 3 | src)}, false);
      break;
    }
    case 14: {  // SLDT / STR / SMSW to a register or memory; SGDT / SIDT to memory
      unsigned kind = rng.below(5);
      bool mem = kind >= 3 || rng.chance(40);
      uint8_t op = kind == 0 ? 0x00 : kind == 1 ? 0x00 : 0x01;
      uint8_t reg = kind == 0 ? 0 : kind == 1 ? 1 : kind == 2 ? 4 : kind == 3 ? 0 : 1;
      w.start();
      // SMSW r32 leaves bits 31..16 undefined (SDM vol. 2 SMSW): QEMU keeps them, we write
      // CR0's; so the register form of SMSW is generated with a 16-bit operand only.
      if (rng.chance(20) || (kind == 2 && !mem)) w.add8(0x66);
      if (mem) {
        // Exclusion: SGDT/SIDT's 6 bytes never cross a page. QEMU stores the limit, then faults
        // on the base's page, leaving the limit written; we translate both pages first and store
        // nothing (DESIGN.md: no partial side effects); the manuals do not order the two stores.
        uint32_t addr = dataAddress(rng, 6);
        if ((addr & 0xFFF) > 0xFFA) addr -= 8;
        w.add({0x36, 0x0F, op, static_cast<uint8_t>(0x05 | reg << 3)});
        w.add32(addr);
      } else {
        w.add({0x0F, op, static_cast<uint8_t>(0xC0 | reg << 3 | anyReg(rng))});
      }
      w.finish(false);
      break;
    }
    case 15: {  // LGDT / LIDT: the same tables (a smaller GDT limit sometimes); #GP(0) at CPL 3
      bool idt = rng.chance(40);
      uint32_t addr = dataAddress(rng, 6);
      uint16_t limit = idt ? static_cast<uint16_t>(8 * SystemLayout::kVectors - 1)
                           : static_cast<uint16_t>(rng.chance(70) ? SystemLayout::kGdtLimit
                                                                  : 0x3F + 8 * rng.below(10));
      w.store16(addr, limit);
      w.store32(addr + 2, idt ? SystemLayout::kIdt : SystemLayout::kGdt);
      w.insn({0x36, 0x0F, 0x01, static_cast<uint8_t>(idt ? 0x1D : 0x15), static_cast<uint8_t>(addr),
              static_cast<uint8_t>(addr >> 8), 0, 0},
             false);
      if (cpl) m.end = true;
      break;
    }
    case 16: {  // LLDT / LTR r16
      unsigned src = anyReg(rng);
      bool ltr = rng.chance(50);
      uint16_t sel = rng.chance(60) ? static_cast<uint16_t>((ltr ? (rng.chance(70) ? 0x30 : 0x28)
                                                                 : (rng.chance(70) ? 0x38 : 0)) |
                                                            rng.below(4))
                                    : randomSelector(rng);
      // LTR with a null selector: the SDM (LTR: "IF SRC is a NULL selector THEN #GP(0)") and our
      // CPU fault; QEMU loads an unusable TR instead. Excluded at CPL 0 (at CPL 3 both #GP(0)).
      if (ltr && cpl == 0 && (sel & 0xFFFC) == 0) sel = 0x30;
      w.movImm(src, sel);
      w.insn({0x0F, 0x00, static_cast<uint8_t>(0xC0 | (ltr ? 3 : 2) << 3 | src)}, false);
      break;
    }
    case 17:
      w.insn({0x0F, 0x06}, false);
      break;    // CLTS
    case 18: {  // MOV r32, CRn / MOV CRn, r32 (0, 2, 3, 4)
      static const uint8_t crs[] = {0, 2, 3, 4};
      uint8_t cr = crs[rng.below(4)];
      unsigned r = anyReg(rng);
      if (rng.chance(50)) {
        w.insn({0x0F, 0x20, static_cast<uint8_t>(0xC0 | cr << 3 | r)}, false);
      } else {
        uint32_t v;
        switch (cr) {
          // CR0: PE kept and PG off (no page tables here); MP, EM, TS, NE, WP, AM at random.
          case 0:
            v = 0x11 | (rng.u32() & 0x0005002E) | (m.paging ? 0x80000000u : 0);
            break;
          case 2:
            v = rng.u32();
            break;
          // CR3: under paging the same page directory (PWT/PCD at random), else anything.
          case 3:
            v = m.paging ? SystemLayout::kPageDir | (rng.u32() & 0x18) : rng.u32() & 0xFFFFF018;
            break;
          // CR4: TSD, DE, PSE, PGE. Excluded: VME, PVI, MCE, PCE (and PAE), which QEMU's Pentium
          // II accepts; our CPU does not model them and raises #GP(0) for them by design
          // (emu/cpu/system.cpp, kCr4Writable). Reserved bits (11 and up): Unicorn 2.0.1 loads them
          // where the SDM (MOV CR, "#GP(0) if an attempt is made to write 1 to any reserved bit
          // in CR4") and our CPU raise #GP(0).
          default:
            v = rng.u32() & 0x9C;
            break;
        }
        w.movImm(r, v);
        w.insn({0x0F, 0x22, static_cast<uint8_t>(0xC0 | cr << 3 | r)}, false);
      }
      if (cpl) m.end = true;
      break;
    }
    case 19: {  // MOV r32, DRn / MOV DRn, r32 (DR0-DR3 written; DR6, DR7 only read)
      unsigned r = anyReg(rng);
      if (rng.chance(50)) {
        static const uint8_t drs[] = {0, 1, 2, 3, 6, 7};
        w.insn({0x0F, 0x21, static_cast<uint8_t>(0xC0 | drs[rng.below(6)] << 3 | r)}, false);
      } else {
        w.movImm(r, rng.u32());
        w.insn({0x0F, 0x23, static_cast<uint8_t>(0xC0 | rng.below(4) << 3 | r)}, false);
      }
      if (cpl) m.end = true;
      break;
    }
    case 20: {  // LMSW r16
      unsigned r = anyReg(rng);
      w.movImm(r, rng.u32());
      w.insn({0x0F, 0x01, static_cast<uint8_t>(0xF0 | r)}, false);
      if (cpl) m.end = true;
      break;
    }
    case 21: {  // POPF (and PUSHF after it)
      uint32_t flags = randomEflags(rng);
      w.pushImm(flags);
      w.insn({0x9D}, false);
      if (cpl == 0) m.iopl = static_cast<uint8_t>((flags >> 12) & 3);  // [386PRM] POPF
      w.insn({0x9C}, false);
      break;
    }
    case 22: {  // CLI / STI: #GP(0) when CPL > IOPL
      w.insn({static_cast<uint8_t>(rng.chance(50) ? 0xFA : 0xFB)}, false);
      if (cpl > m.iopl) m.end = true;
      break;
    }
    default:  // PUSHF
      // IN/OUT's I/O privilege check (#GP(0) when CPL > IOPL and the TSS bitmap denies the port,
      // [386PRM] 8.3) is not generated: Unicorn 2.0.1 removes it from its translator ("allow all
      // I/O instructions"), so it would perform the access. tests/cpu covers it.
      w.insn({0x9C}, false);
      break;
  }
}

}  // namespace

SystemGenerator::SystemGenerator(uint64_t seed) : rng_(seed) {}

uint32_t SystemGenerator::randomRegister() {
  return rng_.u32();
}

Sequence SystemGenerator::next(unsigned maxInsns) {
  Sequence seq;
  Writer w(seq, rng_);
  Model m;
  m.paging = paging_ = rng_.chance(50);
  // Half the sequences go to CPL 3 first (a far RET or IRET, themselves under test), some with the
  // data segment registers loaded for ring 3 beforehand (the others become null on the way out).
  if (rng_.chance(50)) {
    if (rng_.chance(60)) {
      static const uint8_t movs[] = {0xD8, 0xC0, 0xE0, 0xE8};  // MOV DS/ES/FS/GS, AX
      w.movImm(kEax, 0x23);
      for (uint8_t modrm : movs)
        if (rng_.chance(75)) w.insn({0x8E, modrm}, true);
    }
    uint32_t esp = SystemLayout::kStackLo + 0x400 + 4 * rng_.below(0x300);
    bool iret = rng_.chance(50);
    uint32_t flags = randomEflags(rng_);
    uint32_t target = w.here() + 5 * (iret ? 5 : 4) + 1;
    w.pushImm(0x23);
    w.pushImm(esp);
    if (iret) w.pushImm(flags);
    w.pushImm(0x1B);
    w.pushImm(target);
    w.insn({static_cast<uint8_t>(iret ? 0xCF : 0xCB)}, false);
    m.cpl = 3;
    if (iret)
      m.iopl = static_cast<uint8_t>((flags >> 12) & 3);
    else
      m.iopl = 0;  // the initial EFLAGS have IOPL 0 (SystemHarness::run)
  }
  while (seq.generated < maxInsns && !m.end) emitOne(w, rng_, m);
  return seq;
}

}  // namespace emu::diff
