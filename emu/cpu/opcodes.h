// The one opcode table. Every implemented instruction is a row; the decoder, the handler table,
// the README's instruction list and the tests that iterate over opcodes are all generated from it.
//
// A row:  X(opcode, reg, name, form, width, costReg, costMem, handler)
//   opcode  0x00-0xFF one byte; 0x100 + b for 0F b
//   reg     the ModR/M reg field selecting a group member, or -1 when the opcode is not a group
//   form    what follows the opcode (Form below), which fixes the instruction's length
//   width   B: byte operands; V: 16 or 32 bits by operand size (handlers see W = 1, 2 or 4)
//   costs   cost:: constants for the register and the memory form (mmu/cost_model.h)
//   handler an expression naming the handler; W is the operand width in bytes
//
// decode.cpp defines:
//   opcodeRows(): the table as data (for tests and the README list).
#pragma once

#include <cstdint>
#include <span>

namespace emu {

enum class Form : uint8_t {
  kNone,   // nothing after the opcode
  kM,      // ModR/M (+ SIB + displacement)
  kMIb,    // ModR/M, imm8
  kMIbs,   // ModR/M, imm8 sign-extended
  kMIv,    // ModR/M, imm16/32
  kIb,     // imm8
  kIbs,    // imm8 sign-extended
  kIw,     // imm16
  kIv,     // imm16/32
  kIwIb,   // imm16, imm8 (ENTER)
  kJb,     // rel8
  kJv,     // rel16/32
  kAp,     // ptr16:16/32 (far JMP/CALL)
  kMoffs,  // offset16/32 by address size
};

enum class Width : uint8_t { B, V };

// clang-format off
#define XRAY86_ALU_ROWS(X, base, reg, name, OP)                                              \
  X(base + 0, -1, name, kM,   B, kAluReg, kAluMemReg, (aluEG<OP, W>))                          \
  X(base + 1, -1, name, kM,   V, kAluReg, kAluMemReg, (aluEG<OP, W>))                          \
  X(base + 2, -1, name, kM,   B, kAluReg, kAluRegMem, (aluGE<OP, W>))                          \
  X(base + 3, -1, name, kM,   V, kAluReg, kAluRegMem, (aluGE<OP, W>))                          \
  X(base + 4, -1, name, kIb,  B, kAluReg, kAluReg,    (aluAI<OP, W>))                          \
  X(base + 5, -1, name, kIv,  V, kAluReg, kAluReg,    (aluAI<OP, W>))                          \
  X(0x80, reg, name, kMIb,  B, kAluReg, kAluMemReg, (aluEI<OP, W>))                            \
  X(0x81, reg, name, kMIv,  V, kAluReg, kAluMemReg, (aluEI<OP, W>))                            \
  X(0x82, reg, name, kMIb,  B, kAluReg, kAluMemReg, (aluEI<OP, W>))                            \
  X(0x83, reg, name, kMIbs, V, kAluReg, kAluMemReg, (aluEI<OP, W>))

#define XRAY86_SHIFT_ROWS(X, reg, name, OP, CR, CM)                                          \
  X(0xC0, reg, name, kMIb, B, CR, CM, (shiftE<OP, W, kCountImm>))                              \
  X(0xC1, reg, name, kMIb, V, CR, CM, (shiftE<OP, W, kCountImm>))                              \
  X(0xD0, reg, name, kM,   B, CR, CM, (shiftE<OP, W, kCountOne>))                              \
  X(0xD1, reg, name, kM,   V, CR, CM, (shiftE<OP, W, kCountOne>))                              \
  X(0xD2, reg, name, kM,   B, CR, CM, (shiftE<OP, W, kCountCl>))                               \
  X(0xD3, reg, name, kM,   V, CR, CM, (shiftE<OP, W, kCountCl>))

#define XRAY86_OPCODES(X)                                                                      \
  XRAY86_ALU_ROWS(X, 0x00, 0, "add", kAdd)                                                     \
  XRAY86_ALU_ROWS(X, 0x08, 1, "or",  kOr)                                                      \
  XRAY86_ALU_ROWS(X, 0x10, 2, "adc", kAdc)                                                     \
  XRAY86_ALU_ROWS(X, 0x18, 3, "sbb", kSbb)                                                     \
  XRAY86_ALU_ROWS(X, 0x20, 4, "and", kAnd)                                                     \
  XRAY86_ALU_ROWS(X, 0x28, 5, "sub", kSub)                                                     \
  XRAY86_ALU_ROWS(X, 0x30, 6, "xor", kXor)                                                     \
  XRAY86_ALU_ROWS(X, 0x38, 7, "cmp", kCmp)                                                     \
  X(0x06, -1, "push es", kNone, V, kPushSreg, kPushSreg, (pushSreg<W, kEs>))                    \
  X(0x07, -1, "pop es",  kNone, V, kPopSreg, kPopSreg, (popSreg<W, kEs>))                       \
  X(0x0E, -1, "push cs", kNone, V, kPushSreg, kPushSreg, (pushSreg<W, kCs>))                    \
  X(0x16, -1, "push ss", kNone, V, kPushSreg, kPushSreg, (pushSreg<W, kSs>))                    \
  X(0x17, -1, "pop ss",  kNone, V, kPopSreg, kPopSreg, (popSreg<W, kSs>))                       \
  X(0x1E, -1, "push ds", kNone, V, kPushSreg, kPushSreg, (pushSreg<W, kDs>))                    \
  X(0x1F, -1, "pop ds",  kNone, V, kPopSreg, kPopSreg, (popSreg<W, kDs>))                       \
  X(0x27, -1, "daa", kNone, B, kBcd, kBcd, (opDaa))                                            \
  X(0x2F, -1, "das", kNone, B, kBcd, kBcd, (opDas))                                            \
  X(0x37, -1, "aaa", kNone, B, kBcd, kBcd, (opAaa))                                            \
  X(0x3F, -1, "aas", kNone, B, kBcd, kBcd, (opAas))                                            \
  X(0x40, -1, "inc", kNone, V, kIncReg, kIncReg, (incReg<W, 0>))                               \
  X(0x41, -1, "inc", kNone, V, kIncReg, kIncReg, (incReg<W, 1>))                               \
  X(0x42, -1, "inc", kNone, V, kIncReg, kIncReg, (incReg<W, 2>))                               \
  X(0x43, -1, "inc", kNone, V, kIncReg, kIncReg, (incReg<W, 3>))                               \
  X(0x44, -1, "inc", kNone, V, kIncReg, kIncReg, (incReg<W, 4>))                               \
  X(0x45, -1, "inc", kNone, V, kIncReg, kIncReg, (incReg<W, 5>))                               \
  X(0x46, -1, "inc", kNone, V, kIncReg, kIncReg, (incReg<W, 6>))                               \
  X(0x47, -1, "inc", kNone, V, kIncReg, kIncReg, (incReg<W, 7>))                               \
  X(0x48, -1, "dec", kNone, V, kIncReg, kIncReg, (decReg<W, 0>))                               \
  X(0x49, -1, "dec", kNone, V, kIncReg, kIncReg, (decReg<W, 1>))                               \
  X(0x4A, -1, "dec", kNone, V, kIncReg, kIncReg, (decReg<W, 2>))                               \
  X(0x4B, -1, "dec", kNone, V, kIncReg, kIncReg, (decReg<W, 3>))                               \
  X(0x4C, -1, "dec", kNone, V, kIncReg, kIncReg, (decReg<W, 4>))                               \
  X(0x4D, -1, "dec", kNone, V, kIncReg, kIncReg, (decReg<W, 5>))                               \
  X(0x4E, -1, "dec", kNone, V, kIncReg, kIncReg, (decReg<W, 6>))                               \
  X(0x4F, -1, "dec", kNone, V, kIncReg, kIncReg, (decReg<W, 7>))                               \
  X(0x50, -1, "push", kNone, V, kPush, kPush, (pushReg<W, 0>))                                 \
  X(0x51, -1, "push", kNone, V, kPush, kPush, (pushReg<W, 1>))                                 \
  X(0x52, -1, "push", kNone, V, kPush, kPush, (pushReg<W, 2>))                                 \
  X(0x53, -1, "push", kNone, V, kPush, kPush, (pushReg<W, 3>))                                 \
  X(0x54, -1, "push", kNone, V, kPush, kPush, (pushReg<W, 4>))                                 \
  X(0x55, -1, "push", kNone, V, kPush, kPush, (pushReg<W, 5>))                                 \
  X(0x56, -1, "push", kNone, V, kPush, kPush, (pushReg<W, 6>))                                 \
  X(0x57, -1, "push", kNone, V, kPush, kPush, (pushReg<W, 7>))                                 \
  X(0x58, -1, "pop", kNone, V, kPop, kPop, (popReg<W, 0>))                                     \
  X(0x59, -1, "pop", kNone, V, kPop, kPop, (popReg<W, 1>))                                     \
  X(0x5A, -1, "pop", kNone, V, kPop, kPop, (popReg<W, 2>))                                     \
  X(0x5B, -1, "pop", kNone, V, kPop, kPop, (popReg<W, 3>))                                     \
  X(0x5C, -1, "pop", kNone, V, kPop, kPop, (popReg<W, 4>))                                     \
  X(0x5D, -1, "pop", kNone, V, kPop, kPop, (popReg<W, 5>))                                     \
  X(0x5E, -1, "pop", kNone, V, kPop, kPop, (popReg<W, 6>))                                     \
  X(0x5F, -1, "pop", kNone, V, kPop, kPop, (popReg<W, 7>))                                     \
  X(0x60, -1, "pusha", kNone, V, kPusha, kPusha, (opPusha<W>))                                 \
  X(0x61, -1, "popa",  kNone, V, kPopa, kPopa, (opPopa<W>))                                    \
  X(0x62, -1, "bound", kM, V, kBound, kBound, (opBound<W>))                                    \
  X(0x63, -1, "arpl",  kM, V, kArpl, kArpl, (opArpl))                                          \
  X(0x68, -1, "push", kIv,  V, kPush, kPush, (pushImm<W>))                                     \
  X(0x69, -1, "imul", kMIv, V, kMulBase, kMulBase, (imul3<W>))                                 \
  X(0x6A, -1, "push", kIbs, V, kPush, kPush, (pushImm<W>))                                     \
  X(0x6B, -1, "imul", kMIbs, V, kMulBase, kMulBase, (imul3<W>))                                \
  X(0x6C, -1, "insb",  kNone, B, kIns, kIns, (strIns<W>))                                      \
  X(0x6D, -1, "ins",   kNone, V, kIns, kIns, (strIns<W>))                                      \
  X(0x6E, -1, "outsb", kNone, B, kOuts, kOuts, (strOuts<W>))                                   \
  X(0x6F, -1, "outs",  kNone, V, kOuts, kOuts, (strOuts<W>))                                   \
  X(0x70, -1, "jo",  kJb, V, kJccNotTaken, kJccNotTaken, (jcc<0x0>))                           \
  X(0x71, -1, "jno", kJb, V, kJccNotTaken, kJccNotTaken, (jcc<0x1>))                           \
  X(0x72, -1, "jb",  kJb, V, kJccNotTaken, kJccNotTaken, (jcc<0x2>))                           \
  X(0x73, -1, "jae", kJb, V, kJccNotTaken, kJccNotTaken, (jcc<0x3>))                           \
  X(0x74, -1, "je",  kJb, V, kJccNotTaken, kJccNotTaken, (jcc<0x4>))                           \
  X(0x75, -1, "jne", kJb, V, kJccNotTaken, kJccNotTaken, (jcc<0x5>))                           \
  X(0x76, -1, "jbe", kJb, V, kJccNotTaken, kJccNotTaken, (jcc<0x6>))                           \
  X(0x77, -1, "ja",  kJb, V, kJccNotTaken, kJccNotTaken, (jcc<0x7>))                           \
  X(0x78, -1, "js",  kJb, V, kJccNotTaken, kJccNotTaken, (jcc<0x8>))                           \
  X(0x79, -1, "jns", kJb, V, kJccNotTaken, kJccNotTaken, (jcc<0x9>))                           \
  X(0x7A, -1, "jp",  kJb, V, kJccNotTaken, kJccNotTaken, (jcc<0xA>))                           \
  X(0x7B, -1, "jnp", kJb, V, kJccNotTaken, kJccNotTaken, (jcc<0xB>))                           \
  X(0x7C, -1, "jl",  kJb, V, kJccNotTaken, kJccNotTaken, (jcc<0xC>))                           \
  X(0x7D, -1, "jge", kJb, V, kJccNotTaken, kJccNotTaken, (jcc<0xD>))                           \
  X(0x7E, -1, "jle", kJb, V, kJccNotTaken, kJccNotTaken, (jcc<0xE>))                           \
  X(0x7F, -1, "jg",  kJb, V, kJccNotTaken, kJccNotTaken, (jcc<0xF>))                           \
  X(0x84, -1, "test", kM, B, kAluReg, kCmpMem, (testEG<W>))                                    \
  X(0x85, -1, "test", kM, V, kAluReg, kCmpMem, (testEG<W>))                                    \
  X(0x86, -1, "xchg", kM, B, kXchgReg, kXchgMem, (xchgEG<W>))                                  \
  X(0x87, -1, "xchg", kM, V, kXchgReg, kXchgMem, (xchgEG<W>))                                  \
  X(0x88, -1, "mov", kM, B, kMovReg, kMovStore, (movEG<W>))                                    \
  X(0x89, -1, "mov", kM, V, kMovReg, kMovStore, (movEG<W>))                                    \
  X(0x8A, -1, "mov", kM, B, kMovReg, kMovLoad, (movGE<W>))                                     \
  X(0x8B, -1, "mov", kM, V, kMovReg, kMovLoad, (movGE<W>))                                     \
  X(0x8C, -1, "mov", kM, V, kMovReg, kMovStore, (movESreg<W>))                                 \
  X(0x8D, -1, "lea", kM, V, kLea, kLea, (opLea<W>))                                            \
  X(0x8E, -1, "mov", kM, V, kMovSreg, kMovSreg, (movSregE))                                    \
  X(0x8F, 0, "pop", kM, V, kPop, kPopMem, (popE<W>))                                           \
  X(0x90, -1, "nop", kNone, V, kNop, kNop, (opNop))                                            \
  X(0x91, -1, "xchg", kNone, V, kXchgReg, kXchgReg, (xchgAx<W, 1>))                            \
  X(0x92, -1, "xchg", kNone, V, kXchgReg, kXchgReg, (xchgAx<W, 2>))                            \
  X(0x93, -1, "xchg", kNone, V, kXchgReg, kXchgReg, (xchgAx<W, 3>))                            \
  X(0x94, -1, "xchg", kNone, V, kXchgReg, kXchgReg, (xchgAx<W, 4>))                            \
  X(0x95, -1, "xchg", kNone, V, kXchgReg, kXchgReg, (xchgAx<W, 5>))                            \
  X(0x96, -1, "xchg", kNone, V, kXchgReg, kXchgReg, (xchgAx<W, 6>))                            \
  X(0x97, -1, "xchg", kNone, V, kXchgReg, kXchgReg, (xchgAx<W, 7>))                            \
  X(0x98, -1, "cbw",  kNone, V, kConvert, kConvert, (opCbw<W>))                                \
  X(0x99, -1, "cwd",  kNone, V, kConvert, kConvert, (opCwd<W>))                                \
  X(0x9A, -1, "call far", kAp, V, kCallFar, kCallFar, (callFarImm<W>))                         \
  X(0x9B, -1, "wait", kNone, V, kNop, kNop, (opWait))                                          \
  X(0x9C, -1, "pushf", kNone, V, kPushf, kPushf, (opPushf<W>))                                 \
  X(0x9D, -1, "popf",  kNone, V, kPopf, kPopf, (opPopf<W>))                                    \
  X(0x9E, -1, "sahf",  kNone, B, kFlagOp, kFlagOp, (opSahf))                                   \
  X(0x9F, -1, "lahf",  kNone, B, kFlagOp, kFlagOp, (opLahf))                                   \
  X(0xA0, -1, "mov", kMoffs, B, kMovLoad, kMovLoad, (movAMoffs<W>))                            \
  X(0xA1, -1, "mov", kMoffs, V, kMovLoad, kMovLoad, (movAMoffs<W>))                            \
  X(0xA2, -1, "mov", kMoffs, B, kMovStore, kMovStore, (movMoffsA<W>))                          \
  X(0xA3, -1, "mov", kMoffs, V, kMovStore, kMovStore, (movMoffsA<W>))                          \
  X(0xA4, -1, "movsb", kNone, B, kMovsb, kMovsb, (strMovs<W>))                                 \
  X(0xA5, -1, "movs",  kNone, V, kMovsb, kMovsb, (strMovs<W>))                                 \
  X(0xA6, -1, "cmpsb", kNone, B, kCmps, kCmps, (strCmps<W>))                                   \
  X(0xA7, -1, "cmps",  kNone, V, kCmps, kCmps, (strCmps<W>))                                   \
  X(0xA8, -1, "test", kIb, B, kAluReg, kAluReg, (testAI<W>))                                   \
  X(0xA9, -1, "test", kIv, V, kAluReg, kAluReg, (testAI<W>))                                   \
  X(0xAA, -1, "stosb", kNone, B, kStos, kStos, (strStos<W>))                                   \
  X(0xAB, -1, "stos",  kNone, V, kStos, kStos, (strStos<W>))                                   \
  X(0xAC, -1, "lodsb", kNone, B, kLods, kLods, (strLods<W>))                                   \
  X(0xAD, -1, "lods",  kNone, V, kLods, kLods, (strLods<W>))                                   \
  X(0xAE, -1, "scasb", kNone, B, kScas, kScas, (strScas<W>))                                   \
  X(0xAF, -1, "scas",  kNone, V, kScas, kScas, (strScas<W>))                                   \
  X(0xB0, -1, "mov", kIb, B, kMovReg, kMovReg, (movRegImm<W, 0>))                              \
  X(0xB1, -1, "mov", kIb, B, kMovReg, kMovReg, (movRegImm<W, 1>))                              \
  X(0xB2, -1, "mov", kIb, B, kMovReg, kMovReg, (movRegImm<W, 2>))                              \
  X(0xB3, -1, "mov", kIb, B, kMovReg, kMovReg, (movRegImm<W, 3>))                              \
  X(0xB4, -1, "mov", kIb, B, kMovReg, kMovReg, (movRegImm<W, 4>))                              \
  X(0xB5, -1, "mov", kIb, B, kMovReg, kMovReg, (movRegImm<W, 5>))                              \
  X(0xB6, -1, "mov", kIb, B, kMovReg, kMovReg, (movRegImm<W, 6>))                              \
  X(0xB7, -1, "mov", kIb, B, kMovReg, kMovReg, (movRegImm<W, 7>))                              \
  X(0xB8, -1, "mov", kIv, V, kMovReg, kMovReg, (movRegImm<W, 0>))                              \
  X(0xB9, -1, "mov", kIv, V, kMovReg, kMovReg, (movRegImm<W, 1>))                              \
  X(0xBA, -1, "mov", kIv, V, kMovReg, kMovReg, (movRegImm<W, 2>))                              \
  X(0xBB, -1, "mov", kIv, V, kMovReg, kMovReg, (movRegImm<W, 3>))                              \
  X(0xBC, -1, "mov", kIv, V, kMovReg, kMovReg, (movRegImm<W, 4>))                              \
  X(0xBD, -1, "mov", kIv, V, kMovReg, kMovReg, (movRegImm<W, 5>))                              \
  X(0xBE, -1, "mov", kIv, V, kMovReg, kMovReg, (movRegImm<W, 6>))                              \
  X(0xBF, -1, "mov", kIv, V, kMovReg, kMovReg, (movRegImm<W, 7>))                              \
  XRAY86_SHIFT_ROWS(X, 0, "rol", kRol, kShiftReg, kShiftMem)                                   \
  XRAY86_SHIFT_ROWS(X, 1, "ror", kRor, kShiftReg, kShiftMem)                                   \
  XRAY86_SHIFT_ROWS(X, 2, "rcl", kRcl, kRotateCarryReg, kRotateCarryMem)                       \
  XRAY86_SHIFT_ROWS(X, 3, "rcr", kRcr, kRotateCarryReg, kRotateCarryMem)                       \
  XRAY86_SHIFT_ROWS(X, 4, "shl", kShl, kShiftReg, kShiftMem)                                   \
  XRAY86_SHIFT_ROWS(X, 5, "shr", kShr, kShiftReg, kShiftMem)                                   \
  XRAY86_SHIFT_ROWS(X, 6, "sal", kShl, kShiftReg, kShiftMem)                                   \
  XRAY86_SHIFT_ROWS(X, 7, "sar", kSar, kShiftReg, kShiftMem)                                   \
  X(0xC2, -1, "ret", kIw, V, kRet, kRet, (opRet<W, true>))                                     \
  X(0xC3, -1, "ret", kNone, V, kRet, kRet, (opRet<W, false>))                                  \
  X(0xC4, -1, "les", kM, V, kLoadFarPtr, kLoadFarPtr, (loadFarPtr<W, kEs>))                    \
  X(0xC5, -1, "lds", kM, V, kLoadFarPtr, kLoadFarPtr, (loadFarPtr<W, kDs>))                    \
  X(0xC6, 0, "mov", kMIb, B, kMovReg, kMovStore, (movEI<W>))                                   \
  X(0xC7, 0, "mov", kMIv, V, kMovReg, kMovStore, (movEI<W>))                                   \
  X(0xC8, -1, "enter", kIwIb, V, kEnter, kEnter, (opEnter<W>))                                 \
  X(0xC9, -1, "leave", kNone, V, kLeave, kLeave, (opLeave<W>))                                 \
  X(0xCA, -1, "retf", kIw, V, kRetFar, kRetFar, (opRetf<W, true>))                             \
  X(0xCB, -1, "retf", kNone, V, kRetFar, kRetFar, (opRetf<W, false>))                          \
  X(0xCC, -1, "int3", kNone, V, 0, 0, (opInt3))                                                \
  X(0xCD, -1, "int", kIb, V, 0, 0, (opInt))                                                    \
  X(0xCE, -1, "into", kNone, V, kInto, kInto, (opInto))                                        \
  X(0xCF, -1, "iret", kNone, V, 0, 0, (opIret<W>))                                             \
  X(0xD4, -1, "aam", kIb, B, kAam, kAam, (opAam))                                              \
  X(0xD5, -1, "aad", kIb, B, kAad, kAad, (opAad))                                              \
  X(0xD7, -1, "xlat", kNone, B, kXlat, kXlat, (opXlat))                                        \
  X(0xE0, -1, "loopne", kJb, V, kLoop, kLoop, (opLoop<1>))                                     \
  X(0xE1, -1, "loope",  kJb, V, kLoop, kLoop, (opLoop<2>))                                     \
  X(0xE2, -1, "loop",   kJb, V, kLoop, kLoop, (opLoop<0>))                                     \
  X(0xE3, -1, "jcxz",   kJb, V, kJcxz, kJcxz, (opJcxz))                                        \
  X(0xE4, -1, "in",  kIb, B, kIn, kIn, (inImm<W>))                                             \
  X(0xE5, -1, "in",  kIb, V, kIn, kIn, (inImm<W>))                                             \
  X(0xE6, -1, "out", kIb, B, kOut, kOut, (outImm<W>))                                          \
  X(0xE7, -1, "out", kIb, V, kOut, kOut, (outImm<W>))                                          \
  X(0xE8, -1, "call", kJv, V, kCall, kCall, (callRel<W>))                                      \
  X(0xE9, -1, "jmp",  kJv, V, kJmp, kJmp, (jmpRel))                                            \
  X(0xEA, -1, "jmp far", kAp, V, kJmpFar, kJmpFar, (jmpFarImm))                                \
  X(0xEB, -1, "jmp",  kJb, V, kJmp, kJmp, (jmpRel))                                            \
  X(0xEC, -1, "in",  kNone, B, kIn, kIn, (inDx<W>))                                            \
  X(0xED, -1, "in",  kNone, V, kIn, kIn, (inDx<W>))                                            \
  X(0xEE, -1, "out", kNone, B, kOut, kOut, (outDx<W>))                                         \
  X(0xEF, -1, "out", kNone, V, kOut, kOut, (outDx<W>))                                         \
  X(0xF4, -1, "hlt", kNone, V, kHlt, kHlt, (opHlt))                                            \
  X(0xF5, -1, "cmc", kNone, V, kFlagOp, kFlagOp, (flagOp<0>))                                  \
  X(0xF6, 0, "test", kMIb, B, kAluReg, kCmpMem, (testEI<W>))                                   \
  X(0xF6, 1, "test", kMIb, B, kAluReg, kCmpMem, (testEI<W>))                                   \
  X(0xF6, 2, "not", kM, B, kAluReg, kNotNegMem, (opNot<W>))                                    \
  X(0xF6, 3, "neg", kM, B, kAluReg, kNotNegMem, (opNeg<W>))                                    \
  X(0xF6, 4, "mul", kM, B, 0, 0, (opMul<W>))                                                   \
  X(0xF6, 5, "imul", kM, B, 0, 0, (opImul1<W>))                                                \
  X(0xF6, 6, "div", kM, B, 0, 0, (opDiv<W>))                                                   \
  X(0xF6, 7, "idiv", kM, B, 0, 0, (opIdiv<W>))                                                 \
  X(0xF7, 0, "test", kMIv, V, kAluReg, kCmpMem, (testEI<W>))                                   \
  X(0xF7, 1, "test", kMIv, V, kAluReg, kCmpMem, (testEI<W>))                                   \
  X(0xF7, 2, "not", kM, V, kAluReg, kNotNegMem, (opNot<W>))                                    \
  X(0xF7, 3, "neg", kM, V, kAluReg, kNotNegMem, (opNeg<W>))                                    \
  X(0xF7, 4, "mul", kM, V, 0, 0, (opMul<W>))                                                   \
  X(0xF7, 5, "imul", kM, V, 0, 0, (opImul1<W>))                                                \
  X(0xF7, 6, "div", kM, V, 0, 0, (opDiv<W>))                                                   \
  X(0xF7, 7, "idiv", kM, V, 0, 0, (opIdiv<W>))                                                 \
  X(0xF8, -1, "clc", kNone, V, kFlagOp, kFlagOp, (flagOp<1>))                                  \
  X(0xF9, -1, "stc", kNone, V, kFlagOp, kFlagOp, (flagOp<2>))                                  \
  X(0xFA, -1, "cli", kNone, V, kCliSti, kCliSti, (opCli))                                      \
  X(0xFB, -1, "sti", kNone, V, kCliSti, kCliSti, (opSti))                                      \
  X(0xFC, -1, "cld", kNone, V, kFlagOp, kFlagOp, (flagOp<3>))                                  \
  X(0xFD, -1, "std", kNone, V, kFlagOp, kFlagOp, (flagOp<4>))                                  \
  X(0xFE, 0, "inc", kM, B, kIncReg, kIncMem, (incE<W, false>))                                 \
  X(0xFE, 1, "dec", kM, B, kIncReg, kIncMem, (incE<W, true>))                                  \
  X(0xFF, 0, "inc", kM, V, kIncReg, kIncMem, (incE<W, false>))                                 \
  X(0xFF, 1, "dec", kM, V, kIncReg, kIncMem, (incE<W, true>))                                  \
  X(0xFF, 2, "call", kM, V, kCall, kCallMem, (callE<W>))                                       \
  X(0xFF, 3, "call far", kM, V, kCallFar, kCallFar, (callFarE<W>))                             \
  X(0xFF, 4, "jmp", kM, V, kJmp, kJmpMem, (jmpE<W>))                                           \
  X(0xFF, 5, "jmp far", kM, V, kJmpFar, kJmpFar, (jmpFarE<W>))                                 \
  X(0xFF, 6, "push", kM, V, kPush, kPushMem, (pushE<W>))                                       \
  X(0x100, 0, "sldt", kM, V, kSldt, kSldt, (storeSysSel<W, 0>))                                \
  X(0x100, 1, "str",  kM, V, kSldt, kSldt, (storeSysSel<W, 1>))                                \
  X(0x100, 2, "lldt", kM, V, kLldt, kLldt, (opLldt))                                           \
  X(0x100, 3, "ltr",  kM, V, kLldt, kLldt, (opLtr))                                            \
  X(0x100, 4, "verr", kM, V, kVerr, kVerr, (opVer<false>))                                     \
  X(0x100, 5, "verw", kM, V, kVerr, kVerr, (opVer<true>))                                      \
  X(0x101, 0, "sgdt", kM, V, kSgdt, kSgdt, (storeDescTable<W, false>))                         \
  X(0x101, 1, "sidt", kM, V, kSgdt, kSgdt, (storeDescTable<W, true>))                          \
  X(0x101, 2, "lgdt", kM, V, kLgdt, kLgdt, (loadDescTable<W, false>))                          \
  X(0x101, 3, "lidt", kM, V, kLgdt, kLgdt, (loadDescTable<W, true>))                           \
  X(0x101, 4, "smsw", kM, V, kSmsw, kSmsw, (opSmsw<W>))                                        \
  X(0x101, 6, "lmsw", kM, V, kLmsw, kLmsw, (opLmsw))                                           \
  X(0x101, 7, "invlpg", kM, V, cost::kInvlpg, cost::kInvlpg, (opInvlpg))                       \
  X(0x102, -1, "lar", kM, V, kLar, kLar, (opLarLsl<W, false>))                                 \
  X(0x103, -1, "lsl", kM, V, kLar, kLar, (opLarLsl<W, true>))                                  \
  X(0x106, -1, "clts", kNone, V, kClts, kClts, (opClts))                                       \
  X(0x108, -1, "invd", kNone, V, kWbinvd, kWbinvd, (opWbinvd))                                 \
  X(0x109, -1, "wbinvd", kNone, V, kWbinvd, kWbinvd, (opWbinvd))                               \
  X(0x10B, -1, "ud2", kNone, V, kUd, kUd, (opUd2))                                             \
  X(0x120, -1, "mov", kM, V, kMovFromCr, kMovFromCr, (movFromCr))                              \
  X(0x121, -1, "mov", kM, V, kMovDr, kMovDr, (movFromDr))                                      \
  X(0x122, -1, "mov", kM, V, 0, 0, (movToCr))                                                  \
  X(0x123, -1, "mov", kM, V, kMovDr, kMovDr, (movToDr))                                        \
  X(0x130, -1, "wrmsr", kNone, V, kMsr, kMsr, (opWrmsr))                                       \
  X(0x131, -1, "rdtsc", kNone, V, kRdtsc, kRdtsc, (opRdtsc))                                   \
  X(0x132, -1, "rdmsr", kNone, V, kMsr, kMsr, (opRdmsr))                                       \
  X(0x140, -1, "cmovo",  kM, V, kCmov, kMovLoad, (cmov<W, 0x0>))                               \
  X(0x141, -1, "cmovno", kM, V, kCmov, kMovLoad, (cmov<W, 0x1>))                               \
  X(0x142, -1, "cmovb",  kM, V, kCmov, kMovLoad, (cmov<W, 0x2>))                               \
  X(0x143, -1, "cmovae", kM, V, kCmov, kMovLoad, (cmov<W, 0x3>))                               \
  X(0x144, -1, "cmove",  kM, V, kCmov, kMovLoad, (cmov<W, 0x4>))                               \
  X(0x145, -1, "cmovne", kM, V, kCmov, kMovLoad, (cmov<W, 0x5>))                               \
  X(0x146, -1, "cmovbe", kM, V, kCmov, kMovLoad, (cmov<W, 0x6>))                               \
  X(0x147, -1, "cmova",  kM, V, kCmov, kMovLoad, (cmov<W, 0x7>))                               \
  X(0x148, -1, "cmovs",  kM, V, kCmov, kMovLoad, (cmov<W, 0x8>))                               \
  X(0x149, -1, "cmovns", kM, V, kCmov, kMovLoad, (cmov<W, 0x9>))                               \
  X(0x14A, -1, "cmovp",  kM, V, kCmov, kMovLoad, (cmov<W, 0xA>))                               \
  X(0x14B, -1, "cmovnp", kM, V, kCmov, kMovLoad, (cmov<W, 0xB>))                               \
  X(0x14C, -1, "cmovl",  kM, V, kCmov, kMovLoad, (cmov<W, 0xC>))                               \
  X(0x14D, -1, "cmovge", kM, V, kCmov, kMovLoad, (cmov<W, 0xD>))                               \
  X(0x14E, -1, "cmovle", kM, V, kCmov, kMovLoad, (cmov<W, 0xE>))                               \
  X(0x14F, -1, "cmovg",  kM, V, kCmov, kMovLoad, (cmov<W, 0xF>))                               \
  X(0x180, -1, "jo",  kJv, V, kJccNotTaken, kJccNotTaken, (jcc<0x0>))                          \
  X(0x181, -1, "jno", kJv, V, kJccNotTaken, kJccNotTaken, (jcc<0x1>))                          \
  X(0x182, -1, "jb",  kJv, V, kJccNotTaken, kJccNotTaken, (jcc<0x2>))                          \
  X(0x183, -1, "jae", kJv, V, kJccNotTaken, kJccNotTaken, (jcc<0x3>))                          \
  X(0x184, -1, "je",  kJv, V, kJccNotTaken, kJccNotTaken, (jcc<0x4>))                          \
  X(0x185, -1, "jne", kJv, V, kJccNotTaken, kJccNotTaken, (jcc<0x5>))                          \
  X(0x186, -1, "jbe", kJv, V, kJccNotTaken, kJccNotTaken, (jcc<0x6>))                          \
  X(0x187, -1, "ja",  kJv, V, kJccNotTaken, kJccNotTaken, (jcc<0x7>))                          \
  X(0x188, -1, "js",  kJv, V, kJccNotTaken, kJccNotTaken, (jcc<0x8>))                          \
  X(0x189, -1, "jns", kJv, V, kJccNotTaken, kJccNotTaken, (jcc<0x9>))                          \
  X(0x18A, -1, "jp",  kJv, V, kJccNotTaken, kJccNotTaken, (jcc<0xA>))                          \
  X(0x18B, -1, "jnp", kJv, V, kJccNotTaken, kJccNotTaken, (jcc<0xB>))                          \
  X(0x18C, -1, "jl",  kJv, V, kJccNotTaken, kJccNotTaken, (jcc<0xC>))                          \
  X(0x18D, -1, "jge", kJv, V, kJccNotTaken, kJccNotTaken, (jcc<0xD>))                          \
  X(0x18E, -1, "jle", kJv, V, kJccNotTaken, kJccNotTaken, (jcc<0xE>))                          \
  X(0x18F, -1, "jg",  kJv, V, kJccNotTaken, kJccNotTaken, (jcc<0xF>))                          \
  X(0x190, -1, "seto",  kM, B, kSetcc, kSetccMem, (setcc<0x0>))                                \
  X(0x191, -1, "setno", kM, B, kSetcc, kSetccMem, (setcc<0x1>))                                \
  X(0x192, -1, "setb",  kM, B, kSetcc, kSetccMem, (setcc<0x2>))                                \
  X(0x193, -1, "setae", kM, B, kSetcc, kSetccMem, (setcc<0x3>))                                \
  X(0x194, -1, "sete",  kM, B, kSetcc, kSetccMem, (setcc<0x4>))                                \
  X(0x195, -1, "setne", kM, B, kSetcc, kSetccMem, (setcc<0x5>))                                \
  X(0x196, -1, "setbe", kM, B, kSetcc, kSetccMem, (setcc<0x6>))                                \
  X(0x197, -1, "seta",  kM, B, kSetcc, kSetccMem, (setcc<0x7>))                                \
  X(0x198, -1, "sets",  kM, B, kSetcc, kSetccMem, (setcc<0x8>))                                \
  X(0x199, -1, "setns", kM, B, kSetcc, kSetccMem, (setcc<0x9>))                                \
  X(0x19A, -1, "setp",  kM, B, kSetcc, kSetccMem, (setcc<0xA>))                                \
  X(0x19B, -1, "setnp", kM, B, kSetcc, kSetccMem, (setcc<0xB>))                                \
  X(0x19C, -1, "setl",  kM, B, kSetcc, kSetccMem, (setcc<0xC>))                                \
  X(0x19D, -1, "setge", kM, B, kSetcc, kSetccMem, (setcc<0xD>))                                \
  X(0x19E, -1, "setle", kM, B, kSetcc, kSetccMem, (setcc<0xE>))                                \
  X(0x19F, -1, "setg",  kM, B, kSetcc, kSetccMem, (setcc<0xF>))                                \
  X(0x1A0, -1, "push fs", kNone, V, kPushSreg, kPushSreg, (pushSreg<W, kFs>))                  \
  X(0x1A1, -1, "pop fs",  kNone, V, kPopSreg, kPopSreg, (popSreg<W, kFs>))                     \
  X(0x1A2, -1, "cpuid", kNone, V, kCpuid, kCpuid, (opCpuid))                                   \
  X(0x1A3, -1, "bt",  kM, V, kBt, kBtMem, (btEG<W, 0>))                                        \
  X(0x1A4, -1, "shld", kMIb, V, kShld, kShldMem, (shiftDouble<W, false, true>))                \
  X(0x1A5, -1, "shld", kM, V, kShld, kShldMem, (shiftDouble<W, false, false>))                 \
  X(0x1A8, -1, "push gs", kNone, V, kPushSreg, kPushSreg, (pushSreg<W, kGs>))                  \
  X(0x1A9, -1, "pop gs",  kNone, V, kPopSreg, kPopSreg, (popSreg<W, kGs>))                     \
  X(0x1AB, -1, "bts", kM, V, kBts, kBtsMem, (btEG<W, 1>))                                      \
  X(0x1AC, -1, "shrd", kMIb, V, kShld, kShldMem, (shiftDouble<W, true, true>))                 \
  X(0x1AD, -1, "shrd", kM, V, kShld, kShldMem, (shiftDouble<W, true, false>))                  \
  X(0x1AF, -1, "imul", kM, V, 0, 0, (imul2<W>))                                                \
  X(0x1B0, -1, "cmpxchg", kM, B, kCmpxchg, kCmpxchgMem, (opCmpxchg<W>))                        \
  X(0x1B1, -1, "cmpxchg", kM, V, kCmpxchg, kCmpxchgMem, (opCmpxchg<W>))                        \
  X(0x1B2, -1, "lss", kM, V, kLoadFarPtr, kLoadFarPtr, (loadFarPtr<W, kSs>))                   \
  X(0x1B3, -1, "btr", kM, V, kBts, kBtsMem, (btEG<W, 2>))                                      \
  X(0x1B4, -1, "lfs", kM, V, kLoadFarPtr, kLoadFarPtr, (loadFarPtr<W, kFs>))                   \
  X(0x1B5, -1, "lgs", kM, V, kLoadFarPtr, kLoadFarPtr, (loadFarPtr<W, kGs>))                   \
  X(0x1B6, -1, "movzx", kM, V, kMovzx, kMovzxMem, (movx<W, 1, false>))                         \
  X(0x1B7, -1, "movzx", kM, V, kMovzx, kMovzxMem, (movx<W, 2, false>))                         \
  X(0x1BA, 4, "bt",  kMIb, V, kBt, kBtMem, (btEI<W, 0>))                                       \
  X(0x1BA, 5, "bts", kMIb, V, kBts, kBtsMem, (btEI<W, 1>))                                     \
  X(0x1BA, 6, "btr", kMIb, V, kBts, kBtsMem, (btEI<W, 2>))                                     \
  X(0x1BA, 7, "btc", kMIb, V, kBts, kBtsMem, (btEI<W, 3>))                                     \
  X(0x1BB, -1, "btc", kM, V, kBts, kBtsMem, (btEG<W, 3>))                                      \
  X(0x1BC, -1, "bsf", kM, V, kBsf, kBsf, (bitScan<W, false>))                                  \
  X(0x1BD, -1, "bsr", kM, V, kBsf, kBsf, (bitScan<W, true>))                                   \
  X(0x1BE, -1, "movsx", kM, V, kMovzx, kMovzxMem, (movx<W, 1, true>))                          \
  X(0x1BF, -1, "movsx", kM, V, kMovzx, kMovzxMem, (movx<W, 2, true>))                          \
  X(0x1C0, -1, "xadd", kM, B, kXadd, kXaddMem, (opXadd<W>))                                    \
  X(0x1C1, -1, "xadd", kM, V, kXadd, kXaddMem, (opXadd<W>))                                    \
  X(0x1C7, 1, "cmpxchg8b", kM, V, kCmpxchg8b, kCmpxchg8b, (opCmpxchg8b))                      \
  X(0x1C8, -1, "bswap", kNone, V, kBswap, kBswap, (opBswap<0>))                                \
  X(0x1C9, -1, "bswap", kNone, V, kBswap, kBswap, (opBswap<1>))                                \
  X(0x1CA, -1, "bswap", kNone, V, kBswap, kBswap, (opBswap<2>))                                \
  X(0x1CB, -1, "bswap", kNone, V, kBswap, kBswap, (opBswap<3>))                                \
  X(0x1CC, -1, "bswap", kNone, V, kBswap, kBswap, (opBswap<4>))                                \
  X(0x1CD, -1, "bswap", kNone, V, kBswap, kBswap, (opBswap<5>))                                \
  X(0x1CE, -1, "bswap", kNone, V, kBswap, kBswap, (opBswap<6>))                                \
  X(0x1CF, -1, "bswap", kNone, V, kBswap, kBswap, (opBswap<7>))
// clang-format on

// One row as data.
struct OpcodeRow {
  uint16_t opcode;
  int8_t reg;  // -1: not a group
  const char* name;
  Form form;
  Width width;
};

// Every row of XRAY86_OPCODES, in table order.
std::span<const OpcodeRow> opcodeRows();

}  // namespace emu
