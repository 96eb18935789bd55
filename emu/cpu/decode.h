// The decoder: instruction bytes -> Insn, driven by the opcode table (emu/cpu/opcodes.h).
//
// decode.cpp defines:
//   decodeInstruction, isImplemented, lockable, endsBlock, rowFor, opTooLong.
// cpu.cpp defines:
//   opUnsupported (it stops the run).
#pragma once

#include <cstdint>

#include "emu/cpu/cpu.h"
#include "emu/cpu/opcodes.h"

namespace emu {

enum class DecodeStatus : uint8_t {
  kOk,        // `out` is complete (possibly an instruction that raises #UD or #GP when run)
  kNeedMore,  // the instruction continues past `avail` bytes
};

// Decodes one instruction from `p` (at most `avail` bytes readable). `code32`: the code segment's
// D bit (default operand and address size 32). Never reads past `avail`.
DecodeStatus decodeInstruction(const uint8_t* p, unsigned avail, bool code32, Insn& out);

// Whether the table implements `op` (0x000-0x1FF) with ModR/M reg field `reg`.
bool isImplemented(uint16_t op, unsigned reg);

// Whether LOCK may prefix `op` with ModR/M reg field `reg` (given a memory destination); LOCK on
// anything else raises #UD. The table's kLockable column.
bool lockable(unsigned op, unsigned reg);

// Whether a decoded block ends after `insn`: the table's kEndsBlock column, and every opcode the
// table has no row for.
bool endsBlock(const Insn& insn);

// The table row for an opcode (nullptr if none).
const OpcodeRow* rowFor(uint16_t op, unsigned reg);

// Handlers for decoded instructions that the table has no row for.
bool opUnsupported(Core& c, const Insn& i);
bool opTooLong(Core& c, const Insn& i);

}  // namespace emu
