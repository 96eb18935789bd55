// The one opcode table. Every implemented instruction is a row; the decoder, the handler table,
// the README's instruction list and the tests that iterate over opcodes are all generated from it.
//
// A row:  X(opcode, reg, name, form, width, costReg, costMem, facts, handler)
//   opcode  0x00-0xFF one byte; 0x100 + b for 0F b
//   reg     the ModR/M reg field selecting a group member, or -1 when the opcode is not a group
//   form    what follows the opcode (Form below), which fixes the instruction's length
//   width   B: byte operands; V: 16 or 32 bits by operand size (handlers see W = 1, 2 or 4)
//   costs   cost:: constants for the register and the memory form (mmu/cost_model.h)
//   facts   OpFact bits or-ed together (0 for none): block end, LOCK, operand restrictions
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

// What the decoder and the block builder know about a row beyond its operands.
enum OpFact : uint8_t {
  // A decoded block ends after it: an unconditional transfer of control (what follows is reached
  // only through another block entry), HLT, or an instruction that never completes.
  kEndsBlock = 1,
  // LOCK may prefix it (with a memory destination); LOCK anywhere else raises #UD ([386PRM]
  // 17.2.1 and LOCK). The list is the i686 one (Intel SDM vol. 2 LOCK), which our CPUID identity
  // claims: the 386's plus CMPXCHG, XADD, CMPXCHG8B, minus BT (which only reads its operand).
  kLockable = 2,
  // The ModR/M operand must be memory: the register form raises #UD (LEA, BOUND, LxS, far
  // JMP/CALL through memory, SGDT/SIDT/LGDT/LIDT, INVLPG, CMPXCHG8B).
  kMemOnly = 4,
  // The ModR/M mod field is ignored: always the register form ([386PRM] MOV CRn/DRn).
  kRegisterForm = 8,
};

// clang-format off
#define XRAY86_ALU_ROWS(X, base, reg, name, OP, LK)                                                \
  X(base + 0, -1, name, kM,   B, kAluReg, kAluMemReg, LK, (aluEG<OP, W>))                          \
  X(base + 1, -1, name, kM,   V, kAluReg, kAluMemReg, LK, (aluEG<OP, W>))                          \
  X(base + 2, -1, name, kM,   B, kAluReg, kAluRegMem, 0, (aluGE<OP, W>))                           \
  X(base + 3, -1, name, kM,   V, kAluReg, kAluRegMem, 0, (aluGE<OP, W>))                           \
  X(base + 4, -1, name, kIb,  B, kAluReg, kAluReg,    0, (aluAI<OP, W>))                           \
  X(base + 5, -1, name, kIv,  V, kAluReg, kAluReg,    0, (aluAI<OP, W>))                           \
  X(0x80, reg, name, kMIb,  B, kAluReg, kAluMemReg, LK, (aluEI<OP, W>))                            \
  X(0x81, reg, name, kMIv,  V, kAluReg, kAluMemReg, LK, (aluEI<OP, W>))                            \
  X(0x82, reg, name, kMIb,  B, kAluReg, kAluMemReg, LK, (aluEI<OP, W>))                            \
  X(0x83, reg, name, kMIbs, V, kAluReg, kAluMemReg, LK, (aluEI<OP, W>))

#define XRAY86_SHIFT_ROWS(X, reg, name, OP, CR, CM)                                                \
  X(0xC0, reg, name, kMIb, B, CR, CM, 0, (shiftE<OP, W, kCountImm>))                               \
  X(0xC1, reg, name, kMIb, V, CR, CM, 0, (shiftE<OP, W, kCountImm>))                               \
  X(0xD0, reg, name, kM,   B, CR, CM, 0, (shiftE<OP, W, kCountOne>))                               \
  X(0xD1, reg, name, kM,   V, CR, CM, 0, (shiftE<OP, W, kCountOne>))                               \
  X(0xD2, reg, name, kM,   B, CR, CM, 0, (shiftE<OP, W, kCountCl>))                                \
  X(0xD3, reg, name, kM,   V, CR, CM, 0, (shiftE<OP, W, kCountCl>))

#define XRAY86_OPCODES(X)                                                                          \
  XRAY86_ALU_ROWS(X, 0x00, 0, "add", kAdd, kLockable)                                              \
  XRAY86_ALU_ROWS(X, 0x08, 1, "or",  kOr, kLockable)                                               \
  XRAY86_ALU_ROWS(X, 0x10, 2, "adc", kAdc, kLockable)                                              \
  XRAY86_ALU_ROWS(X, 0x18, 3, "sbb", kSbb, kLockable)                                              \
  XRAY86_ALU_ROWS(X, 0x20, 4, "and", kAnd, kLockable)                                              \
  XRAY86_ALU_ROWS(X, 0x28, 5, "sub", kSub, kLockable)                                              \
  XRAY86_ALU_ROWS(X, 0x30, 6, "xor", kXor, kLockable)                                              \
  XRAY86_ALU_ROWS(X, 0x38, 7, "cmp", kCmp, 0)                                                      \
  X(0x06, -1, "push es", kNone, V, kPushSreg, kPushSreg, 0, (pushSreg<W, kEs>))                    \
  X(0x07, -1, "pop es",  kNone, V, kPopSreg, kPopSreg, 0, (popSreg<W, kEs>))                       \
  X(0x0E, -1, "push cs", kNone, V, kPushSreg, kPushSreg, 0, (pushSreg<W, kCs>))                    \
  X(0x16, -1, "push ss", kNone, V, kPushSreg, kPushSreg, 0, (pushSreg<W, kSs>))                    \
  X(0x17, -1, "pop ss",  kNone, V, kPopSreg, kPopSreg, 0, (popSreg<W, kSs>))                       \
  X(0x1E, -1, "push ds", kNone, V, kPushSreg, kPushSreg, 0, (pushSreg<W, kDs>))                    \
  X(0x1F, -1, "pop ds",  kNone, V, kPopSreg, kPopSreg, 0, (popSreg<W, kDs>))                       \
  X(0x27, -1, "daa", kNone, B, kBcd, kBcd, 0, (opDaa))                                             \
  X(0x2F, -1, "das", kNone, B, kBcd, kBcd, 0, (opDas))                                             \
  X(0x37, -1, "aaa", kNone, B, kBcd, kBcd, 0, (opAaa))                                             \
  X(0x3F, -1, "aas", kNone, B, kBcd, kBcd, 0, (opAas))                                             \
  X(0x40, -1, "inc", kNone, V, kIncReg, kIncReg, 0, (incReg<W, 0>))                                \
  X(0x41, -1, "inc", kNone, V, kIncReg, kIncReg, 0, (incReg<W, 1>))                                \
  X(0x42, -1, "inc", kNone, V, kIncReg, kIncReg, 0, (incReg<W, 2>))                                \
  X(0x43, -1, "inc", kNone, V, kIncReg, kIncReg, 0, (incReg<W, 3>))                                \
  X(0x44, -1, "inc", kNone, V, kIncReg, kIncReg, 0, (incReg<W, 4>))                                \
  X(0x45, -1, "inc", kNone, V, kIncReg, kIncReg, 0, (incReg<W, 5>))                                \
  X(0x46, -1, "inc", kNone, V, kIncReg, kIncReg, 0, (incReg<W, 6>))                                \
  X(0x47, -1, "inc", kNone, V, kIncReg, kIncReg, 0, (incReg<W, 7>))                                \
  X(0x48, -1, "dec", kNone, V, kIncReg, kIncReg, 0, (decReg<W, 0>))                                \
  X(0x49, -1, "dec", kNone, V, kIncReg, kIncReg, 0, (decReg<W, 1>))                                \
  X(0x4A, -1, "dec", kNone, V, kIncReg, kIncReg, 0, (decReg<W, 2>))                                \
  X(0x4B, -1, "dec", kNone, V, kIncReg, kIncReg, 0, (decReg<W, 3>))                                \
  X(0x4C, -1, "dec", kNone, V, kIncReg, kIncReg, 0, (decReg<W, 4>))                                \
  X(0x4D, -1, "dec", kNone, V, kIncReg, kIncReg, 0, (decReg<W, 5>))                                \
  X(0x4E, -1, "dec", kNone, V, kIncReg, kIncReg, 0, (decReg<W, 6>))                                \
  X(0x4F, -1, "dec", kNone, V, kIncReg, kIncReg, 0, (decReg<W, 7>))                                \
  X(0x50, -1, "push", kNone, V, kPush, kPush, 0, (pushReg<W, 0>))                                  \
  X(0x51, -1, "push", kNone, V, kPush, kPush, 0, (pushReg<W, 1>))                                  \
  X(0x52, -1, "push", kNone, V, kPush, kPush, 0, (pushReg<W, 2>))                                  \
  X(0x53, -1, "push", kNone, V, kPush, kPush, 0, (pushReg<W, 3>))                                  \
  X(0x54, -1, "push", kNone, V, kPush, kPush, 0, (pushReg<W, 4>))                                  \
  X(0x55, -1, "push", kNone, V, kPush, kPush, 0, (pushReg<W, 5>))                                  \
  X(0x56, -1, "push", kNone, V, kPush, kPush, 0, (pushReg<W, 6>))                                  \
  X(0x57, -1, "push", kNone, V, kPush, kPush, 0, (pushReg<W, 7>))                                  \
  X(0x58, -1, "pop", kNone, V, kPop, kPop, 0, (popReg<W, 0>))                                      \
  X(0x59, -1, "pop", kNone, V, kPop, kPop, 0, (popReg<W, 1>))                                      \
  X(0x5A, -1, "pop", kNone, V, kPop, kPop, 0, (popReg<W, 2>))                                      \
  X(0x5B, -1, "pop", kNone, V, kPop, kPop, 0, (popReg<W, 3>))                                      \
  X(0x5C, -1, "pop", kNone, V, kPop, kPop, 0, (popReg<W, 4>))                                      \
  X(0x5D, -1, "pop", kNone, V, kPop, kPop, 0, (popReg<W, 5>))                                      \
  X(0x5E, -1, "pop", kNone, V, kPop, kPop, 0, (popReg<W, 6>))                                      \
  X(0x5F, -1, "pop", kNone, V, kPop, kPop, 0, (popReg<W, 7>))                                      \
  X(0x60, -1, "pusha", kNone, V, kPusha, kPusha, 0, (opPusha<W>))                                  \
  X(0x61, -1, "popa",  kNone, V, kPopa, kPopa, 0, (opPopa<W>))                                     \
  X(0x62, -1, "bound", kM, V, kBound, kBound, kMemOnly, (opBound<W>))                              \
  X(0x63, -1, "arpl",  kM, V, kArpl, kArpl, 0, (opArpl))                                           \
  X(0x68, -1, "push", kIv,  V, kPush, kPush, 0, (pushImm<W>))                                      \
  X(0x69, -1, "imul", kMIv, V, kMulBase, kMulBase, 0, (imul3<W>))                                  \
  X(0x6A, -1, "push", kIbs, V, kPush, kPush, 0, (pushImm<W>))                                      \
  X(0x6B, -1, "imul", kMIbs, V, kMulBase, kMulBase, 0, (imul3<W>))                                 \
  X(0x6C, -1, "insb",  kNone, B, kIns, kIns, 0, (strIns<W>))                                       \
  X(0x6D, -1, "ins",   kNone, V, kIns, kIns, 0, (strIns<W>))                                       \
  X(0x6E, -1, "outsb", kNone, B, kOuts, kOuts, 0, (strOuts<W>))                                    \
  X(0x6F, -1, "outs",  kNone, V, kOuts, kOuts, 0, (strOuts<W>))                                    \
  X(0x70, -1, "jo",  kJb, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x0>))                            \
  X(0x71, -1, "jno", kJb, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x1>))                            \
  X(0x72, -1, "jb",  kJb, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x2>))                            \
  X(0x73, -1, "jae", kJb, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x3>))                            \
  X(0x74, -1, "je",  kJb, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x4>))                            \
  X(0x75, -1, "jne", kJb, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x5>))                            \
  X(0x76, -1, "jbe", kJb, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x6>))                            \
  X(0x77, -1, "ja",  kJb, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x7>))                            \
  X(0x78, -1, "js",  kJb, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x8>))                            \
  X(0x79, -1, "jns", kJb, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x9>))                            \
  X(0x7A, -1, "jp",  kJb, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0xA>))                            \
  X(0x7B, -1, "jnp", kJb, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0xB>))                            \
  X(0x7C, -1, "jl",  kJb, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0xC>))                            \
  X(0x7D, -1, "jge", kJb, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0xD>))                            \
  X(0x7E, -1, "jle", kJb, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0xE>))                            \
  X(0x7F, -1, "jg",  kJb, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0xF>))                            \
  X(0x84, -1, "test", kM, B, kAluReg, kCmpMem, 0, (testEG<W>))                                     \
  X(0x85, -1, "test", kM, V, kAluReg, kCmpMem, 0, (testEG<W>))                                     \
  X(0x86, -1, "xchg", kM, B, kXchgReg, kXchgMem, kLockable, (xchgEG<W>))                           \
  X(0x87, -1, "xchg", kM, V, kXchgReg, kXchgMem, kLockable, (xchgEG<W>))                           \
  X(0x88, -1, "mov", kM, B, kMovReg, kMovStore, 0, (movEG<W>))                                     \
  X(0x89, -1, "mov", kM, V, kMovReg, kMovStore, 0, (movEG<W>))                                     \
  X(0x8A, -1, "mov", kM, B, kMovReg, kMovLoad, 0, (movGE<W>))                                      \
  X(0x8B, -1, "mov", kM, V, kMovReg, kMovLoad, 0, (movGE<W>))                                      \
  X(0x8C, -1, "mov", kM, V, kMovReg, kMovStore, 0, (movESreg<W>))                                  \
  X(0x8D, -1, "lea", kM, V, kLea, kLea, kMemOnly, (opLea<W>))                                      \
  X(0x8E, -1, "mov", kM, V, kMovSreg, kMovSreg, 0, (movSregE))                                     \
  X(0x8F, 0, "pop", kM, V, kPop, kPopMem, 0, (popE<W>))                                            \
  X(0x90, -1, "nop", kNone, V, kNop, kNop, 0, (opNop))                                             \
  X(0x91, -1, "xchg", kNone, V, kXchgReg, kXchgReg, 0, (xchgAx<W, 1>))                             \
  X(0x92, -1, "xchg", kNone, V, kXchgReg, kXchgReg, 0, (xchgAx<W, 2>))                             \
  X(0x93, -1, "xchg", kNone, V, kXchgReg, kXchgReg, 0, (xchgAx<W, 3>))                             \
  X(0x94, -1, "xchg", kNone, V, kXchgReg, kXchgReg, 0, (xchgAx<W, 4>))                             \
  X(0x95, -1, "xchg", kNone, V, kXchgReg, kXchgReg, 0, (xchgAx<W, 5>))                             \
  X(0x96, -1, "xchg", kNone, V, kXchgReg, kXchgReg, 0, (xchgAx<W, 6>))                             \
  X(0x97, -1, "xchg", kNone, V, kXchgReg, kXchgReg, 0, (xchgAx<W, 7>))                             \
  X(0x98, -1, "cbw",  kNone, V, kConvert, kConvert, 0, (opCbw<W>))                                 \
  X(0x99, -1, "cwd",  kNone, V, kConvert, kConvert, 0, (opCwd<W>))                                 \
  X(0x9A, -1, "call far", kAp, V, kCallFar, kCallFar, kEndsBlock, (callFarImm<W>))                 \
  X(0x9B, -1, "wait", kNone, V, kNop, kNop, 0, (fpuWait))                                          \
  X(0x9C, -1, "pushf", kNone, V, kPushf, kPushf, 0, (opPushf<W>))                                  \
  X(0x9D, -1, "popf",  kNone, V, kPopf, kPopf, 0, (opPopf<W>))                                     \
  X(0x9E, -1, "sahf",  kNone, B, kFlagOp, kFlagOp, 0, (opSahf))                                    \
  X(0x9F, -1, "lahf",  kNone, B, kFlagOp, kFlagOp, 0, (opLahf))                                    \
  X(0xA0, -1, "mov", kMoffs, B, kMovLoad, kMovLoad, 0, (movAMoffs<W>))                             \
  X(0xA1, -1, "mov", kMoffs, V, kMovLoad, kMovLoad, 0, (movAMoffs<W>))                             \
  X(0xA2, -1, "mov", kMoffs, B, kMovStore, kMovStore, 0, (movMoffsA<W>))                           \
  X(0xA3, -1, "mov", kMoffs, V, kMovStore, kMovStore, 0, (movMoffsA<W>))                           \
  X(0xA4, -1, "movsb", kNone, B, kMovsb, kMovsb, 0, (strMovs<W>))                                  \
  X(0xA5, -1, "movs",  kNone, V, kMovsb, kMovsb, 0, (strMovs<W>))                                  \
  X(0xA6, -1, "cmpsb", kNone, B, kCmps, kCmps, 0, (strCmps<W>))                                    \
  X(0xA7, -1, "cmps",  kNone, V, kCmps, kCmps, 0, (strCmps<W>))                                    \
  X(0xA8, -1, "test", kIb, B, kAluReg, kAluReg, 0, (testAI<W>))                                    \
  X(0xA9, -1, "test", kIv, V, kAluReg, kAluReg, 0, (testAI<W>))                                    \
  X(0xAA, -1, "stosb", kNone, B, kStos, kStos, 0, (strStos<W>))                                    \
  X(0xAB, -1, "stos",  kNone, V, kStos, kStos, 0, (strStos<W>))                                    \
  X(0xAC, -1, "lodsb", kNone, B, kLods, kLods, 0, (strLods<W>))                                    \
  X(0xAD, -1, "lods",  kNone, V, kLods, kLods, 0, (strLods<W>))                                    \
  X(0xAE, -1, "scasb", kNone, B, kScas, kScas, 0, (strScas<W>))                                    \
  X(0xAF, -1, "scas",  kNone, V, kScas, kScas, 0, (strScas<W>))                                    \
  X(0xB0, -1, "mov", kIb, B, kMovReg, kMovReg, 0, (movRegImm<W, 0>))                               \
  X(0xB1, -1, "mov", kIb, B, kMovReg, kMovReg, 0, (movRegImm<W, 1>))                               \
  X(0xB2, -1, "mov", kIb, B, kMovReg, kMovReg, 0, (movRegImm<W, 2>))                               \
  X(0xB3, -1, "mov", kIb, B, kMovReg, kMovReg, 0, (movRegImm<W, 3>))                               \
  X(0xB4, -1, "mov", kIb, B, kMovReg, kMovReg, 0, (movRegImm<W, 4>))                               \
  X(0xB5, -1, "mov", kIb, B, kMovReg, kMovReg, 0, (movRegImm<W, 5>))                               \
  X(0xB6, -1, "mov", kIb, B, kMovReg, kMovReg, 0, (movRegImm<W, 6>))                               \
  X(0xB7, -1, "mov", kIb, B, kMovReg, kMovReg, 0, (movRegImm<W, 7>))                               \
  X(0xB8, -1, "mov", kIv, V, kMovReg, kMovReg, 0, (movRegImm<W, 0>))                               \
  X(0xB9, -1, "mov", kIv, V, kMovReg, kMovReg, 0, (movRegImm<W, 1>))                               \
  X(0xBA, -1, "mov", kIv, V, kMovReg, kMovReg, 0, (movRegImm<W, 2>))                               \
  X(0xBB, -1, "mov", kIv, V, kMovReg, kMovReg, 0, (movRegImm<W, 3>))                               \
  X(0xBC, -1, "mov", kIv, V, kMovReg, kMovReg, 0, (movRegImm<W, 4>))                               \
  X(0xBD, -1, "mov", kIv, V, kMovReg, kMovReg, 0, (movRegImm<W, 5>))                               \
  X(0xBE, -1, "mov", kIv, V, kMovReg, kMovReg, 0, (movRegImm<W, 6>))                               \
  X(0xBF, -1, "mov", kIv, V, kMovReg, kMovReg, 0, (movRegImm<W, 7>))                               \
  XRAY86_SHIFT_ROWS(X, 0, "rol", kRol, kShiftReg, kShiftMem)                                       \
  XRAY86_SHIFT_ROWS(X, 1, "ror", kRor, kShiftReg, kShiftMem)                                       \
  XRAY86_SHIFT_ROWS(X, 2, "rcl", kRcl, kRotateCarryReg, kRotateCarryMem)                           \
  XRAY86_SHIFT_ROWS(X, 3, "rcr", kRcr, kRotateCarryReg, kRotateCarryMem)                           \
  XRAY86_SHIFT_ROWS(X, 4, "shl", kShl, kShiftReg, kShiftMem)                                       \
  XRAY86_SHIFT_ROWS(X, 5, "shr", kShr, kShiftReg, kShiftMem)                                       \
  XRAY86_SHIFT_ROWS(X, 6, "sal", kShl, kShiftReg, kShiftMem)                                       \
  XRAY86_SHIFT_ROWS(X, 7, "sar", kSar, kShiftReg, kShiftMem)                                       \
  X(0xC2, -1, "ret", kIw, V, kRet, kRet, kEndsBlock, (opRet<W, true>))                             \
  X(0xC3, -1, "ret", kNone, V, kRet, kRet, kEndsBlock, (opRet<W, false>))                          \
  X(0xC4, -1, "les", kM, V, kLoadFarPtr, kLoadFarPtr, kMemOnly, (loadFarPtr<W, kEs>))              \
  X(0xC5, -1, "lds", kM, V, kLoadFarPtr, kLoadFarPtr, kMemOnly, (loadFarPtr<W, kDs>))              \
  X(0xC6, 0, "mov", kMIb, B, kMovReg, kMovStore, 0, (movEI<W>))                                    \
  X(0xC7, 0, "mov", kMIv, V, kMovReg, kMovStore, 0, (movEI<W>))                                    \
  X(0xC8, -1, "enter", kIwIb, V, kEnter, kEnter, 0, (opEnter<W>))                                  \
  X(0xC9, -1, "leave", kNone, V, kLeave, kLeave, 0, (opLeave<W>))                                  \
  X(0xCA, -1, "retf", kIw, V, kRetFar, kRetFar, kEndsBlock, (opRetf<W, true>))                     \
  X(0xCB, -1, "retf", kNone, V, kRetFar, kRetFar, kEndsBlock, (opRetf<W, false>))                  \
  X(0xCC, -1, "int3", kNone, V, 0, 0, kEndsBlock, (opInt3))                                        \
  X(0xCD, -1, "int", kIb, V, 0, 0, kEndsBlock, (opInt))                                            \
  X(0xCE, -1, "into", kNone, V, kInto, kInto, 0, (opInto))                                         \
  X(0xCF, -1, "iret", kNone, V, 0, 0, kEndsBlock, (opIret<W>))                                     \
  X(0xD4, -1, "aam", kIb, B, kAam, kAam, 0, (opAam))                                               \
  X(0xD5, -1, "aad", kIb, B, kAad, kAad, 0, (opAad))                                               \
  X(0xD6, -1, "salc", kNone, B, kNop, kNop, 0, (opSalc))                                           \
  X(0xD7, -1, "xlat", kNone, B, kXlat, kXlat, 0, (opXlat))                                         \
  X(0xD8, -1, "x87", kM, V, kFpu, kFpu, 0, (fpuEscape))                                          \
  X(0xD9, -1, "x87", kM, V, kFpu, kFpu, 0, (fpuEscape))                                          \
  X(0xDA, -1, "x87", kM, V, kFpu, kFpu, 0, (fpuEscape))                                          \
  X(0xDB, -1, "x87", kM, V, kFpu, kFpu, 0, (fpuEscape))                                          \
  X(0xDC, -1, "x87", kM, V, kFpu, kFpu, 0, (fpuEscape))                                          \
  X(0xDD, -1, "x87", kM, V, kFpu, kFpu, 0, (fpuEscape))                                          \
  X(0xDE, -1, "x87", kM, V, kFpu, kFpu, 0, (fpuEscape))                                          \
  X(0xDF, -1, "x87", kM, V, kFpu, kFpu, 0, (fpuEscape))                                          \
  X(0xE0, -1, "loopne", kJb, V, kLoop, kLoop, 0, (opLoop<1>))                                      \
  X(0xE1, -1, "loope",  kJb, V, kLoop, kLoop, 0, (opLoop<2>))                                      \
  X(0xE2, -1, "loop",   kJb, V, kLoop, kLoop, 0, (opLoop<0>))                                      \
  X(0xE3, -1, "jcxz",   kJb, V, kJcxz, kJcxz, 0, (opJcxz))                                         \
  X(0xE4, -1, "in",  kIb, B, kIn, kIn, 0, (inImm<W>))                                              \
  X(0xE5, -1, "in",  kIb, V, kIn, kIn, 0, (inImm<W>))                                              \
  X(0xE6, -1, "out", kIb, B, kOut, kOut, 0, (outImm<W>))                                           \
  X(0xE7, -1, "out", kIb, V, kOut, kOut, 0, (outImm<W>))                                           \
  X(0xE8, -1, "call", kJv, V, kCall, kCall, kEndsBlock, (callRel<W>))                              \
  X(0xE9, -1, "jmp",  kJv, V, kJmp, kJmp, kEndsBlock, (jmpRel))                                    \
  X(0xEA, -1, "jmp far", kAp, V, kJmpFar, kJmpFar, kEndsBlock, (jmpFarImm))                        \
  X(0xEB, -1, "jmp",  kJb, V, kJmp, kJmp, kEndsBlock, (jmpRel))                                    \
  X(0xEC, -1, "in",  kNone, B, kIn, kIn, 0, (inDx<W>))                                             \
  X(0xED, -1, "in",  kNone, V, kIn, kIn, 0, (inDx<W>))                                             \
  X(0xEE, -1, "out", kNone, B, kOut, kOut, 0, (outDx<W>))                                          \
  X(0xEF, -1, "out", kNone, V, kOut, kOut, 0, (outDx<W>))                                          \
  X(0xF4, -1, "hlt", kNone, V, kHlt, kHlt, kEndsBlock, (opHlt))                                    \
  X(0xF5, -1, "cmc", kNone, V, kFlagOp, kFlagOp, 0, (flagOp<0>))                                   \
  X(0xF6, 0, "test", kMIb, B, kAluReg, kCmpMem, 0, (testEI<W>))                                    \
  X(0xF6, 1, "test", kMIb, B, kAluReg, kCmpMem, 0, (testEI<W>))                                    \
  X(0xF6, 2, "not", kM, B, kAluReg, kNotNegMem, kLockable, (opNot<W>))                             \
  X(0xF6, 3, "neg", kM, B, kAluReg, kNotNegMem, kLockable, (opNeg<W>))                             \
  X(0xF6, 4, "mul", kM, B, 0, 0, 0, (opMul<W>))                                                    \
  X(0xF6, 5, "imul", kM, B, 0, 0, 0, (opImul1<W>))                                                 \
  X(0xF6, 6, "div", kM, B, 0, 0, 0, (opDiv<W>))                                                    \
  X(0xF6, 7, "idiv", kM, B, 0, 0, 0, (opIdiv<W>))                                                  \
  X(0xF7, 0, "test", kMIv, V, kAluReg, kCmpMem, 0, (testEI<W>))                                    \
  X(0xF7, 1, "test", kMIv, V, kAluReg, kCmpMem, 0, (testEI<W>))                                    \
  X(0xF7, 2, "not", kM, V, kAluReg, kNotNegMem, kLockable, (opNot<W>))                             \
  X(0xF7, 3, "neg", kM, V, kAluReg, kNotNegMem, kLockable, (opNeg<W>))                             \
  X(0xF7, 4, "mul", kM, V, 0, 0, 0, (opMul<W>))                                                    \
  X(0xF7, 5, "imul", kM, V, 0, 0, 0, (opImul1<W>))                                                 \
  X(0xF7, 6, "div", kM, V, 0, 0, 0, (opDiv<W>))                                                    \
  X(0xF7, 7, "idiv", kM, V, 0, 0, 0, (opIdiv<W>))                                                  \
  X(0xF8, -1, "clc", kNone, V, kFlagOp, kFlagOp, 0, (flagOp<1>))                                   \
  X(0xF9, -1, "stc", kNone, V, kFlagOp, kFlagOp, 0, (flagOp<2>))                                   \
  X(0xFA, -1, "cli", kNone, V, kCliSti, kCliSti, 0, (opCli))                                       \
  X(0xFB, -1, "sti", kNone, V, kCliSti, kCliSti, 0, (opSti))                                       \
  X(0xFC, -1, "cld", kNone, V, kFlagOp, kFlagOp, 0, (flagOp<3>))                                   \
  X(0xFD, -1, "std", kNone, V, kFlagOp, kFlagOp, 0, (flagOp<4>))                                   \
  X(0xFE, 0, "inc", kM, B, kIncReg, kIncMem, kLockable, (incE<W, false>))                          \
  X(0xFE, 1, "dec", kM, B, kIncReg, kIncMem, kLockable, (incE<W, true>))                           \
  X(0xFF, 0, "inc", kM, V, kIncReg, kIncMem, kLockable, (incE<W, false>))                          \
  X(0xFF, 1, "dec", kM, V, kIncReg, kIncMem, kLockable, (incE<W, true>))                           \
  X(0xFF, 2, "call", kM, V, kCall, kCallMem, kEndsBlock, (callE<W>))                               \
  X(0xFF, 3, "call far", kM, V, kCallFar, kCallFar, kEndsBlock | kMemOnly, (callFarE<W>))          \
  X(0xFF, 4, "jmp", kM, V, kJmp, kJmpMem, kEndsBlock, (jmpE<W>))                                   \
  X(0xFF, 5, "jmp far", kM, V, kJmpFar, kJmpFar, kEndsBlock | kMemOnly, (jmpFarE<W>))              \
  X(0xFF, 6, "push", kM, V, kPush, kPushMem, 0, (pushE<W>))                                        \
  X(0x100, 0, "sldt", kM, V, kSldt, kSldt, 0, (storeSysSel<W, 0>))                                 \
  X(0x100, 1, "str",  kM, V, kSldt, kSldt, 0, (storeSysSel<W, 1>))                                 \
  X(0x100, 2, "lldt", kM, V, kLldt, kLldt, 0, (opLldt))                                            \
  X(0x100, 3, "ltr",  kM, V, kLldt, kLldt, 0, (opLtr))                                             \
  X(0x100, 4, "verr", kM, V, kVerr, kVerr, 0, (opVer<false>))                                      \
  X(0x100, 5, "verw", kM, V, kVerr, kVerr, 0, (opVer<true>))                                       \
  X(0x101, 0, "sgdt", kM, V, kSgdt, kSgdt, kMemOnly, (storeDescTable<W, false>))                   \
  X(0x101, 1, "sidt", kM, V, kSgdt, kSgdt, kMemOnly, (storeDescTable<W, true>))                    \
  X(0x101, 2, "lgdt", kM, V, kLgdt, kLgdt, kMemOnly, (loadDescTable<W, false>))                    \
  X(0x101, 3, "lidt", kM, V, kLgdt, kLgdt, kMemOnly, (loadDescTable<W, true>))                     \
  X(0x101, 4, "smsw", kM, V, kSmsw, kSmsw, 0, (opSmsw<W>))                                         \
  X(0x101, 6, "lmsw", kM, V, kLmsw, kLmsw, 0, (opLmsw))                                            \
  X(0x101, 7, "invlpg", kM, V, cost::kInvlpg, cost::kInvlpg, kMemOnly, (opInvlpg))                 \
  X(0x102, -1, "lar", kM, V, kLar, kLar, 0, (opLarLsl<W, false>))                                  \
  X(0x103, -1, "lsl", kM, V, kLar, kLar, 0, (opLarLsl<W, true>))                                   \
  X(0x106, -1, "clts", kNone, V, kClts, kClts, 0, (opClts))                                        \
  X(0x108, -1, "invd", kNone, V, kWbinvd, kWbinvd, 0, (opWbinvd))                                  \
  X(0x109, -1, "wbinvd", kNone, V, kWbinvd, kWbinvd, 0, (opWbinvd))                                \
  X(0x10B, -1, "ud2", kNone, V, kUd, kUd, kEndsBlock, (opUd2))                                     \
  X(0x119, -1, "nop", kM, V, kNop, kNop, 0, (opNopModrm))                                          \
  X(0x11A, -1, "nop", kM, V, kNop, kNop, 0, (opNopModrm))                                          \
  X(0x11B, -1, "nop", kM, V, kNop, kNop, 0, (opNopModrm))                                          \
  X(0x11C, -1, "nop", kM, V, kNop, kNop, 0, (opNopModrm))                                          \
  X(0x11D, -1, "nop", kM, V, kNop, kNop, 0, (opNopModrm))                                          \
  X(0x11E, -1, "nop", kM, V, kNop, kNop, 0, (opNopModrm))                                          \
  X(0x11F, -1, "nop", kM, V, kNop, kNop, 0, (opNopModrm))                                          \
  X(0x120, -1, "mov", kM, V, kMovFromCr, kMovFromCr, kRegisterForm, (movFromCr))                   \
  X(0x121, -1, "mov", kM, V, kMovDr, kMovDr, kRegisterForm, (movFromDr))                           \
  X(0x122, -1, "mov", kM, V, 0, 0, kRegisterForm, (movToCr))                                       \
  X(0x123, -1, "mov", kM, V, kMovDr, kMovDr, kRegisterForm, (movToDr))                             \
  X(0x130, -1, "wrmsr", kNone, V, kMsr, kMsr, 0, (opWrmsr))                                        \
  X(0x131, -1, "rdtsc", kNone, V, kRdtsc, kRdtsc, 0, (opRdtsc))                                    \
  X(0x132, -1, "rdmsr", kNone, V, kMsr, kMsr, 0, (opRdmsr))                                        \
  X(0x133, -1, "rdpmc", kNone, V, kRdtsc, kRdtsc, 0, (opRdpmc))                                    \
  X(0x140, -1, "cmovo",  kM, V, kCmov, kMovLoad, 0, (cmov<W, 0x0>))                                \
  X(0x141, -1, "cmovno", kM, V, kCmov, kMovLoad, 0, (cmov<W, 0x1>))                                \
  X(0x142, -1, "cmovb",  kM, V, kCmov, kMovLoad, 0, (cmov<W, 0x2>))                                \
  X(0x143, -1, "cmovae", kM, V, kCmov, kMovLoad, 0, (cmov<W, 0x3>))                                \
  X(0x144, -1, "cmove",  kM, V, kCmov, kMovLoad, 0, (cmov<W, 0x4>))                                \
  X(0x145, -1, "cmovne", kM, V, kCmov, kMovLoad, 0, (cmov<W, 0x5>))                                \
  X(0x146, -1, "cmovbe", kM, V, kCmov, kMovLoad, 0, (cmov<W, 0x6>))                                \
  X(0x147, -1, "cmova",  kM, V, kCmov, kMovLoad, 0, (cmov<W, 0x7>))                                \
  X(0x148, -1, "cmovs",  kM, V, kCmov, kMovLoad, 0, (cmov<W, 0x8>))                                \
  X(0x149, -1, "cmovns", kM, V, kCmov, kMovLoad, 0, (cmov<W, 0x9>))                                \
  X(0x14A, -1, "cmovp",  kM, V, kCmov, kMovLoad, 0, (cmov<W, 0xA>))                                \
  X(0x14B, -1, "cmovnp", kM, V, kCmov, kMovLoad, 0, (cmov<W, 0xB>))                                \
  X(0x14C, -1, "cmovl",  kM, V, kCmov, kMovLoad, 0, (cmov<W, 0xC>))                                \
  X(0x14D, -1, "cmovge", kM, V, kCmov, kMovLoad, 0, (cmov<W, 0xD>))                                \
  X(0x14E, -1, "cmovle", kM, V, kCmov, kMovLoad, 0, (cmov<W, 0xE>))                                \
  X(0x14F, -1, "cmovg",  kM, V, kCmov, kMovLoad, 0, (cmov<W, 0xF>))                                \
  X(0x180, -1, "jo",  kJv, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x0>))                           \
  X(0x181, -1, "jno", kJv, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x1>))                           \
  X(0x182, -1, "jb",  kJv, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x2>))                           \
  X(0x183, -1, "jae", kJv, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x3>))                           \
  X(0x184, -1, "je",  kJv, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x4>))                           \
  X(0x185, -1, "jne", kJv, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x5>))                           \
  X(0x186, -1, "jbe", kJv, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x6>))                           \
  X(0x187, -1, "ja",  kJv, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x7>))                           \
  X(0x188, -1, "js",  kJv, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x8>))                           \
  X(0x189, -1, "jns", kJv, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0x9>))                           \
  X(0x18A, -1, "jp",  kJv, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0xA>))                           \
  X(0x18B, -1, "jnp", kJv, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0xB>))                           \
  X(0x18C, -1, "jl",  kJv, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0xC>))                           \
  X(0x18D, -1, "jge", kJv, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0xD>))                           \
  X(0x18E, -1, "jle", kJv, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0xE>))                           \
  X(0x18F, -1, "jg",  kJv, V, kJccNotTaken, kJccNotTaken, 0, (jcc<0xF>))                           \
  X(0x190, -1, "seto",  kM, B, kSetcc, kSetccMem, 0, (setcc<0x0>))                                 \
  X(0x191, -1, "setno", kM, B, kSetcc, kSetccMem, 0, (setcc<0x1>))                                 \
  X(0x192, -1, "setb",  kM, B, kSetcc, kSetccMem, 0, (setcc<0x2>))                                 \
  X(0x193, -1, "setae", kM, B, kSetcc, kSetccMem, 0, (setcc<0x3>))                                 \
  X(0x194, -1, "sete",  kM, B, kSetcc, kSetccMem, 0, (setcc<0x4>))                                 \
  X(0x195, -1, "setne", kM, B, kSetcc, kSetccMem, 0, (setcc<0x5>))                                 \
  X(0x196, -1, "setbe", kM, B, kSetcc, kSetccMem, 0, (setcc<0x6>))                                 \
  X(0x197, -1, "seta",  kM, B, kSetcc, kSetccMem, 0, (setcc<0x7>))                                 \
  X(0x198, -1, "sets",  kM, B, kSetcc, kSetccMem, 0, (setcc<0x8>))                                 \
  X(0x199, -1, "setns", kM, B, kSetcc, kSetccMem, 0, (setcc<0x9>))                                 \
  X(0x19A, -1, "setp",  kM, B, kSetcc, kSetccMem, 0, (setcc<0xA>))                                 \
  X(0x19B, -1, "setnp", kM, B, kSetcc, kSetccMem, 0, (setcc<0xB>))                                 \
  X(0x19C, -1, "setl",  kM, B, kSetcc, kSetccMem, 0, (setcc<0xC>))                                 \
  X(0x19D, -1, "setge", kM, B, kSetcc, kSetccMem, 0, (setcc<0xD>))                                 \
  X(0x19E, -1, "setle", kM, B, kSetcc, kSetccMem, 0, (setcc<0xE>))                                 \
  X(0x19F, -1, "setg",  kM, B, kSetcc, kSetccMem, 0, (setcc<0xF>))                                 \
  X(0x1A0, -1, "push fs", kNone, V, kPushSreg, kPushSreg, 0, (pushSreg<W, kFs>))                   \
  X(0x1A1, -1, "pop fs",  kNone, V, kPopSreg, kPopSreg, 0, (popSreg<W, kFs>))                      \
  X(0x1A2, -1, "cpuid", kNone, V, kCpuid, kCpuid, 0, (opCpuid))                                    \
  X(0x1A3, -1, "bt",  kM, V, kBt, kBtMem, 0, (btEG<W, 0>))                                         \
  X(0x1A4, -1, "shld", kMIb, V, kShld, kShldMem, 0, (shiftDouble<W, false, true>))                 \
  X(0x1A5, -1, "shld", kM, V, kShld, kShldMem, 0, (shiftDouble<W, false, false>))                  \
  X(0x1A8, -1, "push gs", kNone, V, kPushSreg, kPushSreg, 0, (pushSreg<W, kGs>))                   \
  X(0x1A9, -1, "pop gs",  kNone, V, kPopSreg, kPopSreg, 0, (popSreg<W, kGs>))                      \
  X(0x1AB, -1, "bts", kM, V, kBts, kBtsMem, kLockable, (btEG<W, 1>))                               \
  X(0x1AC, -1, "shrd", kMIb, V, kShld, kShldMem, 0, (shiftDouble<W, true, true>))                  \
  X(0x1AD, -1, "shrd", kM, V, kShld, kShldMem, 0, (shiftDouble<W, true, false>))                   \
  X(0x1AF, -1, "imul", kM, V, 0, 0, 0, (imul2<W>))                                                 \
  X(0x1B0, -1, "cmpxchg", kM, B, kCmpxchg, kCmpxchgMem, kLockable, (opCmpxchg<W>))                 \
  X(0x1B1, -1, "cmpxchg", kM, V, kCmpxchg, kCmpxchgMem, kLockable, (opCmpxchg<W>))                 \
  X(0x1B2, -1, "lss", kM, V, kLoadFarPtr, kLoadFarPtr, kMemOnly, (loadFarPtr<W, kSs>))             \
  X(0x1B3, -1, "btr", kM, V, kBts, kBtsMem, kLockable, (btEG<W, 2>))                               \
  X(0x1B4, -1, "lfs", kM, V, kLoadFarPtr, kLoadFarPtr, kMemOnly, (loadFarPtr<W, kFs>))             \
  X(0x1B5, -1, "lgs", kM, V, kLoadFarPtr, kLoadFarPtr, kMemOnly, (loadFarPtr<W, kGs>))             \
  X(0x1B6, -1, "movzx", kM, V, kMovzx, kMovzxMem, 0, (movx<W, 1, false>))                          \
  X(0x1B7, -1, "movzx", kM, V, kMovzx, kMovzxMem, 0, (movx<W, 2, false>))                          \
  X(0x1BA, 4, "bt",  kMIb, V, kBt, kBtMem, 0, (btEI<W, 0>))                                        \
  X(0x1BA, 5, "bts", kMIb, V, kBts, kBtsMem, kLockable, (btEI<W, 1>))                              \
  X(0x1BA, 6, "btr", kMIb, V, kBts, kBtsMem, kLockable, (btEI<W, 2>))                              \
  X(0x1BA, 7, "btc", kMIb, V, kBts, kBtsMem, kLockable, (btEI<W, 3>))                              \
  X(0x1BB, -1, "btc", kM, V, kBts, kBtsMem, kLockable, (btEG<W, 3>))                               \
  X(0x1BC, -1, "bsf", kM, V, kBsf, kBsf, 0, (bitScan<W, false>))                                   \
  X(0x1BD, -1, "bsr", kM, V, kBsf, kBsf, 0, (bitScan<W, true>))                                    \
  X(0x1BE, -1, "movsx", kM, V, kMovzx, kMovzxMem, 0, (movx<W, 1, true>))                           \
  X(0x1BF, -1, "movsx", kM, V, kMovzx, kMovzxMem, 0, (movx<W, 2, true>))                           \
  X(0x1C0, -1, "xadd", kM, B, kXadd, kXaddMem, kLockable, (opXadd<W>))                             \
  X(0x1C1, -1, "xadd", kM, V, kXadd, kXaddMem, kLockable, (opXadd<W>))                             \
  X(0x1C7, 1, "cmpxchg8b", kM, V, kCmpxchg8b, kCmpxchg8b, kLockable | kMemOnly, (opCmpxchg8b))     \
  X(0x1C8, -1, "bswap", kNone, V, kBswap, kBswap, 0, (opBswap<0>))                                 \
  X(0x1C9, -1, "bswap", kNone, V, kBswap, kBswap, 0, (opBswap<1>))                                 \
  X(0x1CA, -1, "bswap", kNone, V, kBswap, kBswap, 0, (opBswap<2>))                                 \
  X(0x1CB, -1, "bswap", kNone, V, kBswap, kBswap, 0, (opBswap<3>))                                 \
  X(0x1CC, -1, "bswap", kNone, V, kBswap, kBswap, 0, (opBswap<4>))                                 \
  X(0x1CD, -1, "bswap", kNone, V, kBswap, kBswap, 0, (opBswap<5>))                                 \
  X(0x1CE, -1, "bswap", kNone, V, kBswap, kBswap, 0, (opBswap<6>))                                 \
  X(0x1CF, -1, "bswap", kNone, V, kBswap, kBswap, 0, (opBswap<7>))
// clang-format on

// One row as data.
struct OpcodeRow {
  uint16_t opcode;
  int8_t reg;  // -1: not a group
  const char* name;
  Form form;
  Width width;
  uint8_t facts;  // OpFact bits
};

// Every row of XRAY86_OPCODES, in table order.
std::span<const OpcodeRow> opcodeRows();

}  // namespace emu
