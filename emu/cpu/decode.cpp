// The decoder and the handler table, both generated from XRAY86_OPCODES (emu/cpu/opcodes.h).
// Prefixes, ModR/M, SIB and displacement forms follow [386PRM] 17.2.
#include "emu/cpu/decode.h"

#include <array>

#include "emu/cpu/exec_alu.h"
#include "emu/cpu/exec_control.h"
#include "emu/cpu/exec_data.h"
#include "emu/cpu/exec_string.h"
#include "emu/cpu/exec_system.h"

namespace emu {
namespace {

using namespace cost;

struct RowDef {
  OpcodeRow row;
  uint8_t costReg, costMem;
  Handler fn[3];  // W = 1 (or the byte form), 2, 4
};

// A handler for each operand size; byte rows use W = 1 in all three.
#define XRAY86_HANDLER(width, w, h)                                              \
  +[](Cpu& c, const Insn& i) -> bool {                                           \
    [[maybe_unused]] constexpr unsigned W = Width::width == Width::B ? 1u : (w); \
    return h(c, i);                                                              \
  }
#define XRAY86_ROW(op, reg, name, form, width, costReg, costMem, h)                    \
  RowDef{                                                                              \
      OpcodeRow{static_cast<uint16_t>(op), static_cast<int8_t>(reg), name, Form::form, \
                Width::width},                                                         \
      static_cast<uint8_t>(costReg),                                                   \
      static_cast<uint8_t>(costMem),                                                   \
      {XRAY86_HANDLER(width, 1u, h), XRAY86_HANDLER(width, 2u, h), XRAY86_HANDLER(width, 4u, h)}},

const RowDef kRowDefs[] = {XRAY86_OPCODES(XRAY86_ROW)};
#undef XRAY86_ROW
#undef XRAY86_HANDLER

constexpr size_t kRowCount = sizeof(kRowDefs) / sizeof(kRowDefs[0]);

struct Tables {
  // Index into kRowDefs + 1 (0: none); groups by reg field.
  uint16_t plain[512] = {};
  uint16_t group[512][8] = {};
  bool isGroup[512] = {};
  OpcodeRow rows[kRowCount];
  Tables() {
    for (size_t k = 0; k < kRowCount; ++k) {
      const OpcodeRow& r = kRowDefs[k].row;
      rows[k] = r;
      if (r.reg < 0) {
        plain[r.opcode] = static_cast<uint16_t>(k + 1);
      } else {
        isGroup[r.opcode] = true;
        group[r.opcode][r.reg] = static_cast<uint16_t>(k + 1);
      }
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

bool hasModrm(Form f) {
  return f == Form::kM || f == Form::kMIb || f == Form::kMIbs || f == Form::kMIv;
}

bool opLockUd(Cpu& c, const Insn&) {
  return c.ud();
}

}  // namespace

std::span<const OpcodeRow> opcodeRows() {
  return {tables().rows, kRowCount};
}

const OpcodeRow* rowFor(uint16_t op, unsigned reg) {
  const Tables& t = tables();
  if (op >= 512) return nullptr;
  uint16_t k = t.isGroup[op] ? t.group[op][reg & 7] : t.plain[op];
  return k ? &t.rows[k - 1] : nullptr;
}

bool isImplemented(uint16_t op, unsigned reg) {
  return rowFor(op, reg) != nullptr;
}

// LOCK is allowed only on the read-modify-write instructions below, and only with a memory
// destination; anywhere else it raises #UD ([386PRM] 17.2.1 and LOCK: "An undefined-opcode
// exception will be generated if the LOCK prefix is used with any instruction not listed"). The
// list is the i686 one (Intel SDM vol. 2 LOCK), which our CPUID identity claims: the 386's plus
// CMPXCHG, XADD, CMPXCHG8B, minus BT (which only reads its operand).
bool lockable(unsigned op, unsigned reg) {
  if (op < 0x40 && (op & 7) < 2 && (op >> 3) != 7) return true;  // ALU r/m, reg (not CMP)
  switch (op) {
    case 0x80:
    case 0x81:
    case 0x82:
    case 0x83:
      return reg != 7;  // ALU r/m, imm (not CMP)
    case 0x86:
    case 0x87:
      return true;  // XCHG
    case 0xF6:
    case 0xF7:
      return reg == 2 || reg == 3;  // NOT, NEG
    case 0xFE:
    case 0xFF:
      return reg <= 1;  // INC, DEC
    case 0x1AB:
    case 0x1B3:
    case 0x1BB:
      return true;  // BTS, BTR, BTC r/m, reg
    case 0x1BA:
      return reg >= 5;  // BTS, BTR, BTC r/m, imm
    case 0x1B0:
    case 0x1B1:
    case 0x1C0:
    case 0x1C1:
      return true;  // CMPXCHG, XADD
    case 0x1C7:
      return reg == 1;  // CMPXCHG8B
    default:
      return false;
  }
}

DecodeStatus decodeInstruction(const uint8_t* p, unsigned avail, bool code32, Insn& out) {
  const Tables& t = tables();
  unsigned n = 0;
  uint8_t pfx = code32 ? (Insn::kPfxOp32 | Insn::kPfxAddr32) : 0;
  uint8_t seg = 0xFF;
  unsigned op;
  // Prefixes ([386PRM] 17.2.1). At most 14 of them fit in the 15-byte limit.
  for (;;) {
    if (n >= avail) return DecodeStatus::kNeedMore;
    if (n >= 15) {
      out = Insn{};
      out.fn = opTooLong;
      out.len = 15;
      return DecodeStatus::kOk;
    }
    uint8_t b = p[n++];
    switch (b) {
      case 0x26:
        seg = kEs;
        continue;
      case 0x2E:
        seg = kCs;
        continue;
      case 0x36:
        seg = kSs;
        continue;
      case 0x3E:
        seg = kDs;
        continue;
      case 0x64:
        seg = kFs;
        continue;
      case 0x65:
        seg = kGs;
        continue;
      case 0x66:  // the other operand size (repeating it changes nothing)
        if (code32)
          pfx &= static_cast<uint8_t>(~Insn::kPfxOp32);
        else
          pfx |= Insn::kPfxOp32;
        continue;
      case 0x67:
        if (code32)
          pfx &= static_cast<uint8_t>(~Insn::kPfxAddr32);
        else
          pfx |= Insn::kPfxAddr32;
        continue;
      case 0xF0:
        pfx |= Insn::kPfxLock;
        continue;
      case 0xF2:
        pfx = static_cast<uint8_t>((pfx & ~Insn::kPfxRep) | Insn::kPfxRepne);
        continue;
      case 0xF3:
        pfx = static_cast<uint8_t>((pfx & ~Insn::kPfxRepne) | Insn::kPfxRep);
        continue;
      default:
        break;
    }
    op = b;
    break;
  }
  if (op == 0x0F) {
    if (n >= avail) return DecodeStatus::kNeedMore;
    op = 0x100 | p[n++];
  }
  out = Insn{};
  out.op = static_cast<uint16_t>(op);
  out.base = Insn::kNoReg;
  out.index = Insn::kNoReg;
  out.modrm = 0xC0;

  uint16_t rowIndex = t.plain[op];
  bool wantModrm;
  Form form = Form::kNone;
  if (t.isGroup[op] || rowIndex == 0) {
    // Groups pick the row by ModR/M reg; unknown opcodes still take a ModR/M byte when their
    // neighbours do (x87 D8-DF, most of 0F), which only matters for naming them.
    wantModrm = t.isGroup[op] || (op >= 0xD8 && op <= 0xDF) || op >= 0x100;
  } else {
    form = kRowDefs[rowIndex - 1].row.form;
    wantModrm = hasModrm(form);
  }

  bool a32 = pfx & Insn::kPfxAddr32;
  uint8_t defaultSeg = kDs;
  if (wantModrm) {
    if (n >= avail) return DecodeStatus::kNeedMore;
    uint8_t m = p[n++];
    // MOV to/from CRn/DRn always use the register form, whatever mod says ([386PRM] MOV CR).
    if (op >= 0x120 && op <= 0x123) m |= 0xC0;
    out.modrm = m;
    unsigned mod = m >> 6, rm = m & 7;
    if (mod != 3) {
      unsigned dispSize = 0;
      if (a32) {
        if (rm == 4) {
          if (n >= avail) return DecodeStatus::kNeedMore;
          uint8_t sib = p[n++];
          unsigned base = sib & 7, index = (sib >> 3) & 7;
          out.scale = sib >> 6;
          if (index != 4) out.index = static_cast<uint8_t>(index);
          if (base == 5 && mod == 0) {
            dispSize = 4;
          } else {
            out.base = static_cast<uint8_t>(base);
            if (base == kEsp || base == kEbp) defaultSeg = kSs;
          }
        } else if (rm == 5 && mod == 0) {
          dispSize = 4;
        } else {
          out.base = static_cast<uint8_t>(rm);
          if (rm == kEbp) defaultSeg = kSs;
        }
        if (mod == 1) dispSize = 1;
        if (mod == 2) dispSize = 4;
      } else {
        static constexpr uint8_t kBase16[8] = {kEbx,         kEbx,         kEbp, kEbp,
                                               Insn::kNoReg, Insn::kNoReg, kEbp, kEbx};
        static constexpr uint8_t kIndex16[8] = {kEsi, kEdi, kEsi,         kEdi,
                                                kEsi, kEdi, Insn::kNoReg, Insn::kNoReg};
        if (rm == 6 && mod == 0) {
          dispSize = 2;
        } else {
          out.base = kBase16[rm];
          out.index = kIndex16[rm];
          if (rm == 2 || rm == 3 || rm == 6) defaultSeg = kSs;
        }
        if (mod == 1) dispSize = 1;
        if (mod == 2) dispSize = 2;
      }
      if (n + dispSize > avail) return DecodeStatus::kNeedMore;
      if (dispSize == 1) {
        out.disp = static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(p[n])));
      } else if (dispSize == 2) {
        out.disp = static_cast<uint32_t>(
            static_cast<int32_t>(static_cast<int16_t>(p[n] | (p[n + 1] << 8))));
        if (!a32) out.disp &= 0xFFFF;
      } else if (dispSize == 4) {
        out.disp = static_cast<uint32_t>(p[n]) | (static_cast<uint32_t>(p[n + 1]) << 8) |
                   (static_cast<uint32_t>(p[n + 2]) << 16) |
                   (static_cast<uint32_t>(p[n + 3]) << 24);
      }
      n += dispSize;
    }
    if (t.isGroup[op]) rowIndex = t.group[op][(m >> 3) & 7];
  }
  out.seg = seg != 0xFF ? seg : defaultSeg;
  if (seg != 0xFF) pfx |= Insn::kPfxSegOverride;
  out.pfx = pfx;

  if (rowIndex == 0) {
    out.fn = opUnsupported;
    out.len = static_cast<uint8_t>(n > 15 ? 15 : n);
    out.cost = cost::kUd;
    return DecodeStatus::kOk;
  }
  const RowDef& row = kRowDefs[rowIndex - 1];
  form = row.row.form;
  bool o32 = pfx & Insn::kPfxOp32;

  auto imm = [&](unsigned size, bool sx, uint32_t& v) -> bool {
    if (n + size > avail) return false;
    if (size == 1) {
      v = sx ? static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(p[n]))) : p[n];
    } else if (size == 2) {
      uint32_t w = p[n] | (p[n + 1] << 8);
      v = sx ? static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(w))) : w;
    } else {
      v = static_cast<uint32_t>(p[n]) | (static_cast<uint32_t>(p[n + 1]) << 8) |
          (static_cast<uint32_t>(p[n + 2]) << 16) | (static_cast<uint32_t>(p[n + 3]) << 24);
    }
    n += size;
    return true;
  };
  uint32_t v2 = 0;
  bool ok = true;
  switch (form) {
    case Form::kNone:
    case Form::kM:
      break;
    case Form::kMIb:
    case Form::kIb:
      ok = imm(1, false, out.imm);
      break;
    case Form::kMIbs:
    case Form::kIbs:
    case Form::kJb:
      ok = imm(1, true, out.imm);
      break;
    case Form::kMIv:
    case Form::kIv:
      ok = imm(o32 ? 4 : 2, false, out.imm);
      break;
    case Form::kJv:
      ok = imm(o32 ? 4 : 2, true, out.imm);
      break;
    case Form::kIw:
      ok = imm(2, false, out.imm);
      break;
    case Form::kIwIb:
      ok = imm(2, false, out.imm) && imm(1, false, v2);
      out.imm2 = static_cast<uint16_t>(v2);
      break;
    case Form::kAp:
      ok = imm(o32 ? 4 : 2, false, out.imm) && imm(2, false, v2);
      out.imm2 = static_cast<uint16_t>(v2);
      break;
    case Form::kMoffs:
      ok = imm(a32 ? 4 : 2, false, out.disp);
      break;
  }
  if (!ok) return DecodeStatus::kNeedMore;
  if (n > 15) {
    out.fn = opTooLong;
    out.len = 15;
    return DecodeStatus::kOk;
  }
  out.len = static_cast<uint8_t>(n);
  out.fn = row.fn[row.row.width == Width::B ? 0 : (o32 ? 2 : 1)];
  if ((pfx & Insn::kPfxLock) && (!out.mem() || !lockable(op, out.reg()))) out.fn = opLockUd;
  out.cost = out.mem() && hasModrm(form) ? row.costMem : row.costReg;
  return DecodeStatus::kOk;
}

// An instruction longer than 15 bytes: #GP(0) ([386PRM] 17.2).
bool opTooLong(Cpu& c, const Insn&) {
  return c.gp(0);
}

}  // namespace emu
