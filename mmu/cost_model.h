// The cost model: how many cycles each thing the machine does adds to the cycle counter.
// One table for the whole emulator, so that a run's cycle count can be explained line by line.
//
// Sources:
//   [386PRM] Intel 80386 Programmer's Reference Manual (1986), chapter 17 (clock counts).
//   [P5]     Pentium Processor Family Developer's Manual vol. 3 (INVLPG, 25 clocks).
//   A TLB fill reads the PDE and the PTE, two bus cycles of 2 clocks plus overhead; PCem and
//   86Box charge 9 cycles per fill, which we follow.
#pragma once

#include <cstdint>

namespace cost {

// ---- MMU (mmu/) ---------------------------------------------------------------------------------
// Mmu charges the translation costs (hit, miss, A/D write-back). kPageFault, kMovCr3 and kInvlpg
// are instruction and delivery costs: the CPU charges them (see mmu/mmu.h), so nothing counts
// twice.
constexpr uint32_t kTlbHit = 0;       // served from the TLB
constexpr uint32_t kTlbMiss = 9;      // two page-table reads (PCem/86Box)
constexpr uint32_t kAdWriteBack = 2;  // each accessed/dirty bit written back to a PDE or PTE
constexpr uint32_t kPageFault = 99;  // #PF delivery on top of the walk ([386PRM] INT, priv. change)
constexpr uint32_t kMovCr3 = 5;      // [386PRM] MOV CR3,r32
constexpr uint32_t kInvlpg = 25;     // [P5] INVLPG

// ---- CPU (emu/) ---------------------------------------------------------------------------------
// The CPU's instruction costs, from [386PRM] chapter 17 (protected-mode column where the two
// differ; "m", the next instruction's components, is not modelled). An Insn gets the register or
// the memory form's cost when it is decoded; handlers add what depends on values (taken branches,
// repeat counts, early-out multiply, privilege changes).
constexpr uint32_t kAluReg = 2;     // ADD r,r (and every register-only ALU op)
constexpr uint32_t kAluRegMem = 6;  // ADD r,m: memory source
constexpr uint32_t kAluMemReg = 7;  // ADD m,r: memory destination (read-modify-write)
constexpr uint32_t kCmpMem = 5;     // CMP/TEST with memory: no write-back
constexpr uint32_t kMovReg = 2;     // MOV r,r / MOV r,imm
constexpr uint32_t kMovLoad = 4;    // MOV r,m
constexpr uint32_t kMovStore = 2;   // MOV m,r
constexpr uint32_t kMovSreg = 2;    // MOV Sreg,r in real mode (18 in protected mode: kMovSregPm)
constexpr uint32_t kMovSregPm = 18;
constexpr uint32_t kMovzx = 3;  // MOVZX/MOVSX r,r (6 with memory)
constexpr uint32_t kMovzxMem = 6;
constexpr uint32_t kLea = 2;
constexpr uint32_t kXchgReg = 3;  // XCHG r,r
constexpr uint32_t kXchgMem = 5;  // XCHG r,m
constexpr uint32_t kPush = 2;     // PUSH r / imm
constexpr uint32_t kPushMem = 5;  // PUSH m
constexpr uint32_t kPop = 4;      // POP r
constexpr uint32_t kPopMem = 5;   // POP m
constexpr uint32_t kPushSreg = 2;
constexpr uint32_t kPopSreg = 7;  // real mode (21 in protected mode: kPopSregPm)
constexpr uint32_t kPopSregPm = 21;
constexpr uint32_t kPusha = 18;
constexpr uint32_t kPopa = 24;
constexpr uint32_t kPushf = 4;
constexpr uint32_t kPopf = 5;
constexpr uint32_t kFlagOp = 2;  // CLC/STC/CMC/CLD/STD, LAHF/SAHF 2/3
constexpr uint32_t kCliSti = 3;
constexpr uint32_t kConvert = 3;   // CBW/CWDE 3, CWD/CDQ 2
constexpr uint32_t kShiftReg = 3;  // SHL r,imm / r,CL
constexpr uint32_t kShiftMem = 7;
constexpr uint32_t kRotateCarryReg = 9;  // RCL/RCR r
constexpr uint32_t kRotateCarryMem = 10;
constexpr uint32_t kShld = 3;  // SHLD/SHRD r (7 with memory)
constexpr uint32_t kShldMem = 7;
constexpr uint32_t kIncReg = 2;
constexpr uint32_t kIncMem = 6;
constexpr uint32_t kNotNegMem = 6;
constexpr uint32_t kMulBase = 6;  // MUL/IMUL: max(ceil(log2|m|), 3) + 6 (9 when m = 0)
constexpr uint32_t kMulZero = 9;
constexpr uint32_t kMulMemExtra = 3;                         // 12-41 with a memory operand
constexpr uint32_t kDiv8 = 14, kDiv16 = 22, kDiv32 = 38;     // DIV r (memory: +3)
constexpr uint32_t kIdiv8 = 19, kIdiv16 = 27, kIdiv32 = 43;  // IDIV r
constexpr uint32_t kDivMemExtra = 3;                         // DIV/IDIV m: 17/25/41, 22/30/46
constexpr uint32_t kBcd = 4;                                 // DAA/DAS 4, AAA/AAS 4, AAD 19, AAM 17
constexpr uint32_t kAad = 19, kAam = 17;
constexpr uint32_t kBt = 3, kBtMem = 12;    // BT r / m,r
constexpr uint32_t kBts = 6, kBtsMem = 13;  // BTS/BTR/BTC r / m
constexpr uint32_t kBsf = 10;               // BSF/BSR 10+3n; we charge the base
constexpr uint32_t kBsfPerBit = 1;          // ... and one clock per bit scanned past (not 3n)
constexpr uint32_t kSetcc = 4, kSetccMem = 5;
constexpr uint32_t kCmov = 2;                      // not on the 386: as a MOV r,r / MOV r,m
constexpr uint32_t kBswap = 1;                     // 486
constexpr uint32_t kXadd = 3, kXaddMem = 4;        // 486
constexpr uint32_t kCmpxchg = 6, kCmpxchgMem = 7;  // 486
constexpr uint32_t kCmpxchg8b = 10;                // Pentium
constexpr uint32_t kJccNotTaken = 3;               // Jcc rel
constexpr uint32_t kJccTaken = 7;
constexpr uint32_t kJmp = 7;  // JMP rel / r (10 with memory)
constexpr uint32_t kJmpMem = 10;
constexpr uint32_t kJmpFar = 12;    // JMP ptr16:32 real mode (27 protected)
constexpr uint32_t kJmpFarPm = 27;  // JMP ptr16:32 in protected mode
constexpr uint32_t kCall = 7;       // CALL rel / r (10 with memory)
constexpr uint32_t kCallMem = 10;
constexpr uint32_t kCallFar = 17;      // CALL ptr16:32 real mode (34 protected)
constexpr uint32_t kCallFarPm = 34;    // CALL ptr16:32 in protected mode
constexpr uint32_t kRet = 10;          // RET / RET imm
constexpr uint32_t kRetFar = 18;       // RETF (32 protected, 69 to an outer level)
constexpr uint32_t kRetFarPm = 32;     // RETF in protected mode, same level
constexpr uint32_t kRetFarOuter = 69;  // RETF to an outer level
constexpr uint32_t kLoop = 11;         // LOOP/LOOPE/LOOPNE
constexpr uint32_t kJcxz = 9;
constexpr uint32_t kEnter = 10;        // ENTER imm,0 (12 for level 1, 15+4(n-1) above)
constexpr uint32_t kEnterLevel1 = 12;  // ENTER imm,1
constexpr uint32_t kEnterNested = 15;  // ENTER imm,n for n > 1: 15 + 4(n-1)
constexpr uint32_t kEnterPerLevel = 4;
constexpr uint32_t kLeave = 4;
constexpr uint32_t kBound = 10;
constexpr uint32_t kXlat = 5;
constexpr uint32_t kNop = 3;
constexpr uint32_t kHlt = 5;
constexpr uint32_t kIntSamePrivilege = 59;    // INT n / exception, protected mode, same level
constexpr uint32_t kIntPrivilegeChange = 99;  // to an inner level through the TSS
constexpr uint32_t kIntReal = 37;             // real mode INT n
constexpr uint32_t kInto = 3;                 // INTO not taken
constexpr uint32_t kIretSame = 38;            // IRET to the same level (22 in real mode)
constexpr uint32_t kIretOuter = 82;           // IRET to an outer level
constexpr uint32_t kIretReal = 22;
// Gates, task switches and virtual-8086 mode ([386PRM] chapter 17, CALL, JMP, INT, IRET).
constexpr uint32_t kCallGate = 52;       // CALL through a call gate, same level
constexpr uint32_t kCallGateInner = 86;  // ... to an inner level (+ 4 per parameter)
constexpr uint32_t kCallGateParam = 4;   // each parameter copied
constexpr uint32_t kJmpGate = 45;        // JMP through a call gate
// A task switch costs about 300 clocks on the 386, a little more or less by path (through a gate,
// to a 286 TSS): one figure for all of them.
constexpr uint32_t kTaskSwitch = 300;
constexpr uint32_t kIntFromV86 = 119;  // INT n / exception out of virtual-8086 mode to ring 0

constexpr uint32_t kMovsb = 7;  // MOVS (REP: 5 + 4n)
constexpr uint32_t kRepBase = 5;
constexpr uint32_t kRepMovsPer = 4;
constexpr uint32_t kStos = 4;  // STOS (REP: 5 + 5n)
constexpr uint32_t kRepStosPer = 5;
constexpr uint32_t kLods = 5;  // LODS (REP: 5 + 6n)
constexpr uint32_t kRepLodsPer = 6;
constexpr uint32_t kCmps = 10;  // CMPS (REP: 5 + 9n)
constexpr uint32_t kRepCmpsPer = 9;
constexpr uint32_t kScas = 7;  // SCAS (REP: 5 + 8n)
constexpr uint32_t kRepScasPer = 8;
constexpr uint32_t kIn = 12;  // IN (protected mode, CPL <= IOPL: 6; 26 through the bitmap)
constexpr uint32_t kOut = 10;
constexpr uint32_t kIns = 15;   // INS (REP: 13 + 6n)
constexpr uint32_t kOuts = 14;  // OUTS (REP: 12 + 5n)
constexpr uint32_t kRepIoPer = 6;
constexpr uint32_t kMovCr0 = 10;    // MOV CR0,r
constexpr uint32_t kMovCr2 = 4;     // MOV CR2,r (MOV CR3: kMovCr3 in the MMU section)
constexpr uint32_t kMovFromCr = 6;  // MOV r,CRn
constexpr uint32_t kMovDr = 22;     // MOV DRn (22, 14 for DR6/7; we charge 22)
constexpr uint32_t kLgdt = 11;      // LGDT/LIDT
constexpr uint32_t kSgdt = 9;       // SGDT/SIDT
constexpr uint32_t kLldt = 20;      // LLDT/LTR (23)
constexpr uint32_t kSldt = 2;       // SLDT/STR r
constexpr uint32_t kLmsw = 10;
constexpr uint32_t kSmsw = 2;
constexpr uint32_t kClts = 5;
constexpr uint32_t kLar = 15;  // LAR/LSL ~ 15-16, VERR/VERW 10-11
constexpr uint32_t kVerr = 10;
constexpr uint32_t kArpl = 20;
constexpr uint32_t kLoadFarPtr = 7;  // LDS/LES/LFS/LGS/LSS (22 protected)
constexpr uint32_t kWbinvd = 4;      // 486
constexpr uint32_t kCpuid = 14;      // Pentium
constexpr uint32_t kRdtsc = 6;       // Pentium
constexpr uint32_t kMsr = 20;        // Pentium RDMSR 20-24, WRMSR 30-45
constexpr uint32_t kUd = 2;
// x87 escapes (D8-DF): one cost for all, the 80387's FADD/FSUB/FMUL (23-29 clocks; FDIV 88,
// FSQRT 122, transcendentals 100-600 are not told apart; Intel 387 DX data sheet, table 6-3).
constexpr uint32_t kFpu = 23;

}  // namespace cost
