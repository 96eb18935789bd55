// The x87 FPU of the model (docs/cpu.md): the 387 instruction set as a 486 or P6 executes it,
// with the P6's FCMOVcc and FCOMI/FUCOMI(P), which CPUID's CMOV bit promises together with FPU.
//
// State ([386PRM] chapter 11 and 80387 manual, SDM vol. 1 8.1):
//
//   control word  15-13 0 | 12 X (infinity, ignored) | 11-10 RC | 9-8 PC | 7 0 | 6 1 |
//                 5 PM | 4 UM | 3 OM | 2 ZM | 1 DM | 0 IM       (exception masks)
//   status word   15 B | 14 C3 | 13-11 TOP | 10 C2 | 9 C1 | 8 C0 | 7 ES | 6 SF |
//                 5 PE | 4 UE | 3 OE | 2 ZE | 1 DE | 0 IE        (sticky exception flags)
//   tag word      2 bits per physical register R7..R0: 00 valid, 01 zero, 10 special, 11 empty
//   registers     R0-R7, 80 bits each (64-bit significand with its integer bit, 15-bit
//                 exponent, sign); ST(i) is R((TOP + i) mod 8)
//   pointers      the last non-control instruction's CS:EIP, its 11-bit opcode and its memory
//                 operand's selector:offset (FSTENV/FSAVE store them)
//
// The arithmetic itself runs on the host's x87 (the emulator needs an x86 host): for every
// instruction that computes, the guest's registers, control word (precision, rounding and
// exception masks), condition codes, TOP and empty tags are loaded into the host FPU with
// FRSTOR, the guest's own opcode bytes execute there (a memory operand through a host buffer),
// and FNSAVE reads the result back. So results, C0-C3, stack faults, masked responses and the
// unmasked responses (operands left alone, or the exponent-adjusted result of an unmasked
// overflow or underflow) are the host's x87 doing the same instruction. What the emulator does
// itself: decoding and the #NM/#UD/#MF checks, memory operands through segments and pages with
// their faults before any FPU state changes, the instruction and data pointers, the environment
// and save image formats, FNINIT/FNCLEX/FLDCW/FNSTCW/FNSTSW/FLDENV/FNSTENV/FRSTOR/FNSAVE, and
// the legacy FERR#/IRQ 13 path when CR0.NE is clear.
//
// fpu.cpp defines:
//   Fpu: reset, init, tagWord, setTagWord, pending; fpuEscape (D8-DF), fpuWait (9B WAIT),
//   fpuValid.
#pragma once

#include <cstdint>

namespace emu {

struct Core;
struct Insn;

// #MF, the x87 floating-point error ([386PRM] 9.8.16; vector 16).
constexpr uint8_t kMfVector = 16;

struct Fpu {
  // Status and control word bits.
  static constexpr uint16_t kIe = 1, kDe = 2, kZe = 4, kOe = 8, kUe = 16, kPe = 32, kSf = 64,
                            kEs = 128, kC0 = 1u << 8, kC1 = 1u << 9, kC2 = 1u << 10, kC3 = 1u << 14,
                            kB = 1u << 15;
  static constexpr uint16_t kExceptions = 0x3F;

  uint16_t cw = 0x0040;  // power-on values: SDM vol. 3A 9.1.1 table 9-1
  uint16_t sw = 0;
  uint16_t empty = 0;                     // bit k: physical register Rk is empty (tag 11)
  uint8_t reg[8][10] = {};                // physical registers R0-R7, little-endian 80-bit values
  uint32_t fip = 0, fdp = 0;              // offsets (EIP, the operand's effective address)
  uint32_t fipLinear = 0, fdpLinear = 0;  // the same as linear addresses (real-mode formats)
  uint16_t fcs = 0, fds = 0;              // selectors
  uint16_t fop = 0;                       // 11 bits: low 3 bits of the first opcode byte, ModR/M
  bool ferr = false;                      // FERR# asserted (CR0.NE clear and an error pending)

  unsigned top() const { return (sw >> 11) & 7; }
  // Power-on state: CW 0040h, SW 0, all tags "zero", registers +0, pointers 0.
  void reset();
  // FNINIT: CW 037Fh, SW 0, every register empty, pointers 0 ([386PRM] 17, FINIT).
  void init();
  // The tag word as FSTENV/FSAVE store it: empty from `empty`, the others from the contents.
  uint16_t tagWord() const;
  void setTagWord(uint16_t tw);
  // An unmasked exception flag is set: the next waiting instruction reports it (#MF or FERR#).
  bool pending() const { return (sw & ~cw & kExceptions) != 0; }
  // Sets ES and B from the flags and masks, as FLDCW, FLDENV, FRSTOR and the host FPU do.
  void updateSummary();
};

bool fpuEscape(Core& c, const Insn& i);  // D8-DF
bool fpuWait(Core& c, const Insn& i);    // 9B WAIT/FWAIT

// Whether the model executes the escape `op` (0xD8-0xDF) with ModR/M byte `modrm`; the others
// raise #UD, as on a P6 (SDM vol. 2 tables; the register-form aliases FSTP1, FCOM2,
// FCOMP3, FXCH4, FCOMP5, FFREEP, FXCH7, FSTP8 and FSTP9 execute as on Intel and AMD processors).
bool fpuValid(uint8_t op, uint8_t modrm);

}  // namespace emu
