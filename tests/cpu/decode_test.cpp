// The decoder against the opcode table: every row decodes to the length its form implies, in
// 16- and 32-bit code, with and without a memory operand; opcodes with no row stop the run as
// unsupported; the README lists every implemented mnemonic.
#include "emu/cpu/decode.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "emu/cpu/opcodes.h"
#include "tests/cpu/cpu_fixture.h"

namespace emu::test {
namespace {

// Immediate bytes a form adds after the ModR/M part ([386PRM] 17.2).
unsigned immediateBytes(Form f, bool o32, bool a32) {
  switch (f) {
    case Form::kMIb:
    case Form::kMIbs:
    case Form::kIb:
    case Form::kIbs:
    case Form::kJb:
      return 1;
    case Form::kMIv:
    case Form::kIv:
    case Form::kJv:
      return o32 ? 4 : 2;
    case Form::kIw:
      return 2;
    case Form::kIwIb:
      return 3;
    case Form::kAp:
      return o32 ? 6 : 4;
    case Form::kMoffs:
      return a32 ? 4 : 2;
    default:
      return 0;
  }
}
bool modrm(Form f) {
  return f == Form::kM || f == Form::kMIb || f == Form::kMIbs || f == Form::kMIv;
}

TEST(Decode, EveryRowHasTheLengthItsFormImplies) {
  ASSERT_GT(opcodeRows().size(), 300u);
  for (const OpcodeRow& row : opcodeRows()) {
    for (bool code32 : {false, true}) {
      for (bool memory : {false, true}) {
        if (memory && !modrm(row.form)) continue;
        uint8_t bytes[16] = {};
        unsigned n = 0;
        if (row.opcode >= 0x100) bytes[n++] = 0x0F;
        bytes[n++] = static_cast<uint8_t>(row.opcode);
        unsigned reg = row.reg < 0 ? 1 : static_cast<unsigned>(row.reg);
        unsigned expected = n;
        if (modrm(row.form)) {
          // register form: mod 3; memory form: [disp32] (32-bit) / [disp16] (16-bit)
          bool crdr = row.opcode >= 0x120 && row.opcode <= 0x123;
          bytes[n++] = static_cast<uint8_t>((memory && !crdr ? 0x00 : 0xC0) | (reg << 3) |
                                            (memory && !crdr ? (code32 ? 5 : 6) : 0));
          expected = n + (memory && !crdr ? (code32 ? 4 : 2) : 0);
        }
        expected += immediateBytes(row.form, code32, code32);
        Insn insn;
        ASSERT_EQ(decodeInstruction(bytes, 16, code32, insn), DecodeStatus::kOk);
        EXPECT_EQ(insn.len, expected) << row.name << " opcode " << std::hex << row.opcode
                                      << " code32 " << code32 << " memory " << memory;
        EXPECT_NE(insn.fn, &opUnsupported) << row.name;
      }
    }
  }
}

TEST(Decode, PrefixesCountTowardTheLength) {
  // 66 67 F3 2E + A5 (rep movsw with cs: override, 16-bit addressing) in 32-bit code
  const uint8_t bytes[] = {0x66, 0x67, 0xF3, 0x2E, 0xA5};
  Insn insn;
  ASSERT_EQ(decodeInstruction(bytes, sizeof bytes, true, insn), DecodeStatus::kOk);
  EXPECT_EQ(insn.len, 5);
  EXPECT_FALSE(insn.op32());
  EXPECT_FALSE(insn.addr32());
  EXPECT_EQ(insn.seg, kCs);
  EXPECT_TRUE(insn.pfx & Insn::kPfxRep);
}

TEST(Decode, SibAndBpDefaultToStackSegment) {
  const uint8_t bytes[] = {0x8B, 0x44, 0x24, 0x08};  // mov eax, [esp+8]
  Insn insn;
  ASSERT_EQ(decodeInstruction(bytes, sizeof bytes, true, insn), DecodeStatus::kOk);
  EXPECT_EQ(insn.len, 4);
  EXPECT_EQ(insn.seg, kSs);
  EXPECT_EQ(insn.base, kEsp);
  EXPECT_EQ(insn.index, Insn::kNoReg);
  EXPECT_EQ(insn.disp, 8u);
}

TEST(Decode, TruncatedInstructionAsksForMore) {
  const uint8_t bytes[] = {0xB8, 0x01, 0x02};  // mov eax, imm32 cut short
  Insn insn;
  EXPECT_EQ(decodeInstruction(bytes, sizeof bytes, true, insn), DecodeStatus::kNeedMore);
}

TEST(Decode, MoreThanFifteenBytesIsGp) {
  uint8_t bytes[20];
  for (auto& b : bytes) b = 0x66;
  Insn insn;
  ASSERT_EQ(decodeInstruction(bytes, sizeof bytes, true, insn), DecodeStatus::kOk);
  EXPECT_EQ(insn.fn, &opTooLong);
}

TEST(Decode, UnimplementedOpcodesAreUnsupported) {
  for (unsigned op : {0x10Fu, 0x118u, 0x128u, 0x16Fu, 0x1D4u, 0x1AEu}) {
    uint8_t bytes[16] = {};
    unsigned n = 0;
    if (op >= 0x100) bytes[n++] = 0x0F;
    bytes[n++] = static_cast<uint8_t>(op);
    bytes[n] = 0xC0;
    Insn insn;
    ASSERT_EQ(decodeInstruction(bytes, 16, true, insn), DecodeStatus::kOk);
    EXPECT_EQ(insn.fn, &opUnsupported) << std::hex << op;
    EXPECT_FALSE(isImplemented(static_cast<uint16_t>(op), 0));
  }
}

TEST(Decode, ReadmeListsEveryImplementedMnemonic) {
  std::ifstream f(std::string(XRAY86_SOURCE_DIR) + "/README.md");
  std::stringstream text;
  text << f.rdbuf();
  std::string readme = text.str();
  ASSERT_FALSE(readme.empty());
  std::set<std::string> missing;
  for (const OpcodeRow& row : opcodeRows()) {
    std::string name = row.name;
    if (readme.find("`" + name + "`") == std::string::npos) missing.insert(name);
  }
  std::string list;
  for (const auto& m : missing) list += m + " ";
  EXPECT_TRUE(missing.empty()) << "README.md does not list: " << list;
}

}  // namespace
}  // namespace emu::test
