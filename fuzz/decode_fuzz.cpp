// Random bytes -> the instruction decoder. The first byte picks the code size (bit 0: 32-bit); the
// rest are the instruction bytes. Checks, besides ASan and UBSan: a decoded instruction is 1 to
// 15 bytes long and inside the bytes given; every shorter prefix of it asks for more; decoding
// exactly its bytes gives the same instruction.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "emu/cpu/decode.h"

namespace {

bool same(const emu::Insn& a, const emu::Insn& b) {
  return a.fn == b.fn && a.disp == b.disp && a.imm == b.imm && a.imm2 == b.imm2 && a.op == b.op &&
         a.len == b.len && a.modrm == b.modrm && a.base == b.base && a.index == b.index &&
         a.scale == b.scale && a.seg == b.seg && a.pfx == b.pfx && a.cost == b.cost;
}

[[noreturn]] void fail(const char* what, unsigned len) {
  std::fprintf(stderr, "decode_fuzz: %s (instruction length %u)\n", what, len);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  bool code32 = data[0] & 1;
  const uint8_t* p = data + 1;
  unsigned avail = static_cast<unsigned>(size - 1 > 64 ? 64 : size - 1);
  emu::Insn insn;
  if (emu::decodeInstruction(p, avail, code32, insn) != emu::DecodeStatus::kOk) return 0;
  if (insn.len < 1 || insn.len > 15 || insn.len > avail) fail("length out of range", insn.len);
  (void)emu::endsBlock(insn);
  (void)emu::rowFor(insn.op, insn.reg());
  (void)emu::isImplemented(insn.op, insn.reg());
  // An instruction of more than 15 bytes is cut at 15 (#GP or #UD): its bytes run on past len,
  // so only the others must decode the same from exactly their own bytes.
  if (insn.fn == emu::opTooLong || (insn.fn == emu::opUnsupported && insn.len == 15)) return 0;
  for (unsigned k = 0; k < insn.len; ++k) {
    emu::Insn part;
    if (emu::decodeInstruction(p, k, code32, part) != emu::DecodeStatus::kNeedMore)
      fail("a prefix of the instruction decoded on its own", insn.len);
  }
  emu::Insn exact;
  if (emu::decodeInstruction(p, insn.len, code32, exact) != emu::DecodeStatus::kOk ||
      !same(exact, insn))
    fail("the instruction's own bytes decode differently", insn.len);
  return 0;
}
