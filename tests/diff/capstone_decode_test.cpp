// The decoder against Capstone (an independent x86 decoder): for every opcode we implement, our
// instruction length equals Capstone's, over random byte strings and over every table row with
// random prefixes, ModR/M, SIB, displacement and immediates; where the table has no row, running
// the bytes raises #UD.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>

#include "emu/cpu/cpu.h"
#include "emu/cpu/decode.h"
#include "emu/cpu/flat_bus.h"
#include "emu/cpu/opcodes.h"
#include "mmu/mmu.h"
#include "tests/diff/generator.h"
#include "tests/diff/harness.h"
#include "tests/diff/options.h"

namespace emu::diff {
namespace {

std::string bytesText(const uint8_t* p, size_t n) {
  std::string s;
  char buf[4];
  for (size_t k = 0; k < n; ++k) {
    std::snprintf(buf, sizeof buf, "%02X ", p[k]);
    s += buf;
  }
  return s;
}

// Rows whose register form (mod = 3) the table accepts for its length but Intel defines only
// with a memory operand: Capstone rejects those bytes, our handler raises #UD when it runs.
bool memoryOnlyRow(const Insn& insn) {
  switch (insn.op) {
    case 0x62:
    case 0x8D:
    case 0xC4:
    case 0xC5:
    case 0x1B2:
    case 0x1B4:
    case 0x1B5:
    case 0x1C7:
      return true;
    case 0x101:
      return insn.reg() <= 3 || insn.reg() == 7;  // SGDT SIDT LGDT LIDT INVLPG
    case 0xFF:
      return insn.reg() == 3 || insn.reg() == 5;  // far CALL/JMP through memory
    default:
      return false;
  }
}

// Compares our length with Capstone's for one byte string; "" when they agree or our decoder has
// no row for it (the #UD test below covers those).
std::string check(const uint8_t* p, bool code32) {
  Insn insn;
  if (decodeInstruction(p, 16, code32, insn) != DecodeStatus::kOk) return "";
  if (insn.fn == &opUnsupported || insn.fn == &opTooLong) return "";
  if (!insn.mem() && memoryOnlyRow(insn)) return "";
  // Also #UD when run, so Capstone's rejecting them says nothing about our length: a misplaced
  // LOCK ([386PRM] 17.2.1), and MOV to/from segment register 6 or 7, which do not exist.
  if ((insn.pfx & Insn::kPfxLock) && !(insn.mem() && lockable(insn.op, insn.reg()))) return "";
  if ((insn.op == 0x8C || insn.op == 0x8E) && insn.reg() >= 6) return "";
  size_t len = 0;
  std::string text = disassemble(p, 16, code32, 0x1000, &len);
  if (len == insn.len) return "";
  // The reserved NOPs 0F 19-0F 1F take any ModR/M (SDM vol. 2 table A-3, "NOP Ev"); Capstone
  // knows only some reg fields of them and rejects the rest (length 0): nothing to compare.
  if (insn.op >= 0x119 && insn.op <= 0x11F && len == 0) return "";
  // x87 encodings a P6 leaves undefined raise #UD when run (fpuValid); Capstone rejects them
  // and some of the register-form aliases (FSTP1, FCOM2, FXCH4, FFREEP ...) hardware executes.
  if (insn.op >= 0xD8 && insn.op <= 0xDF && len == 0 &&
      (!insn.mem() || !fpuValid(static_cast<uint8_t>(insn.op), insn.modrm)))
    return "";
  return (code32 ? "32-bit " : "16-bit ") + bytesText(p, insn.len > len ? insn.len : len) +
         ": ours " + std::to_string(insn.len) + " bytes, Capstone " + std::to_string(len) + " (" +
         text + ")";
}

// Random bytes: most strings start with prefixes or an opcode we implement.
TEST(CapstoneDecode, RandomBytesHaveCapstonesLength) {
  Rng rng(options().seed);
  unsigned mismatches = 0, compared = 0;
  for (unsigned n = 0; n < 200000; ++n) {
    uint8_t b[16];
    for (uint8_t& x : b) x = static_cast<uint8_t>(rng.u32());
    bool code32 = n & 1;
    std::string why = check(b, code32);
    Insn insn;
    if (decodeInstruction(b, 16, code32, insn) == DecodeStatus::kOk && insn.fn != &opUnsupported)
      ++compared;
    if (!why.empty() && ++mismatches <= 20) ADD_FAILURE() << why;
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_GT(compared, 100000u);  // most random strings decode to an implemented opcode
}

// Every table row, many times, with random prefixes and operand bytes.
TEST(CapstoneDecode, EveryRowWithRandomOperandsHasCapstonesLength) {
  Rng rng(options().seed + 1);
  static constexpr uint8_t kPrefixes[] = {0x66, 0x67, 0x26, 0x2E, 0x36, 0x3E,
                                          0x64, 0x65, 0xF0, 0xF2, 0xF3};
  unsigned mismatches = 0;
  for (const OpcodeRow& row : opcodeRows()) {
    for (unsigned n = 0; n < 400; ++n) {
      uint8_t b[20];
      for (uint8_t& x : b) x = static_cast<uint8_t>(rng.u32());
      unsigned k = 0, prefixes = rng.below(4);
      for (unsigned j = 0; j < prefixes; ++j) {
        uint8_t p = kPrefixes[rng.below(sizeof kPrefixes)];
        // F2/F3 before 0F xx select SSE forms on later CPUs (and Capstone); keep them off. Capstone
        // 4 also reads them as HLE/MPX prefixes on MOV moffs (rejecting the bytes) and on CALL/JMP
        // rel (dropping a 66), where the 386 ignores them.
        if ((p == 0xF2 || p == 0xF3) &&
            (row.opcode >= 0x100 || (row.opcode >= 0xA0 && row.opcode <= 0xA3) ||
             row.form == Form::kJv || row.form == Form::kJb))
          p = 0x66;
        b[k++] = p;
      }
      if (row.opcode >= 0x100) b[k++] = 0x0F;
      b[k++] = static_cast<uint8_t>(row.opcode);
      if (row.reg >= 0) b[k] = static_cast<uint8_t>((b[k] & 0xC7) | row.reg << 3);
      bool code32 = n & 1;
      std::string why = check(b, code32);
      if (!why.empty() && ++mismatches <= 20) ADD_FAILURE() << row.name << ": " << why;
    }
  }
  EXPECT_EQ(mismatches, 0u);
}

// Every one- and two-byte opcode (and group member) the table lacks raises #UD when run: our CPU
// in real mode with IVT vector 6 pointing at a HLT ([386PRM] 14.1.4).
TEST(CapstoneDecode, OpcodesWithoutARowRaiseUd) {
  static const std::set<unsigned> kPrefixOrEscape = {0x0F, 0x26, 0x2E, 0x36, 0x3E, 0x64,
                                                     0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3};
  FlatRamBus bus(1u << 20);
  mmu::Mmu mmu(bus);
  Cpu cpu(bus, mmu);
  cpu.setStopOnUnsupportedOpcode(false);
  bus.poke32(4 * vec::kUd, 0x0500);
  bus.write(0x500, 0xF4, 1);
  unsigned checked = 0;
  for (unsigned op = 0; op < 0x200; ++op) {
    if (op < 0x100 && kPrefixOrEscape.count(op)) continue;
    for (unsigned reg = 0; reg < 8; ++reg) {
      if (isImplemented(static_cast<uint16_t>(op), reg)) continue;
      uint8_t code[8] = {};
      unsigned n = 0;
      if (op >= 0x100) code[n++] = 0x0F;
      code[n++] = static_cast<uint8_t>(op);
      code[n++] = static_cast<uint8_t>(0xC0 | reg << 3);  // register form, reg field selects
      bus.load(0x1000, code, sizeof code);
      cpu.flushDecodedCode();
      for (SegReg s : {kEs, kCs, kSs, kDs, kFs, kGs}) cpu.setSegmentReal(s, 0);
      cpu.setEip(0x1000);
      cpu.setReg(kEsp, 0x8000);
      cpu.run(1);
      EXPECT_TRUE(cpu.eip() == 0x500 || cpu.eip() == 0x501)
          << "opcode " << std::hex << op << " /" << reg << ": EIP " << cpu.eip();
      ++checked;
    }
  }
  EXPECT_GT(checked, 100u);
}

}  // namespace
}  // namespace emu::diff
