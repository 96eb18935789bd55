// Random instruction sequences for the differential tests: every row of the opcode table
// (emu/cpu/opcodes.h) that can run in a sandbox, with random prefixes, ModR/M, SIB, displacements
// and immediates. Memory operands are kept inside a data window by "setup" instructions (MOV reg,
// imm32) placed before each generated instruction that give its base and index registers values
// whose sum lands there; the stack pointer, string pointers and counts are set the same way.
//
// generator.cpp defines:
//   Rng, Layout::forMode, Generator (constructor, next, rowsCovered).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "emu/cpu/opcodes.h"

namespace emu::diff {

// xoshiro256** (Blackman and Vigna): fast, and the same stream on every host for a seed.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  uint32_t u32() { return static_cast<uint32_t>(next() >> 32); }
  // Uniform in [0, n) for n > 0.
  uint32_t below(uint32_t n) { return static_cast<uint32_t>((next() >> 32) * n >> 32); }
  bool chance(unsigned percent) { return below(100) < percent; }

 private:
  uint64_t s_[4];
};

// Where things live in the sandbox, for one code size. Offsets of data are relative to the data
// segments' base (DS = ES = SS = FS = GS); CS has base 0 in both modes.
struct Layout {
  bool code32;
  uint32_t memSize;   // RAM from 0, the same in both emulators
  uint32_t dataBase;  // linear base of the data segments
  uint32_t dataLo;    // generated memory operands lie in [dataLo, dataHi) of the data segment
  uint32_t dataHi;
  uint32_t stackLo;  // the stack pointer is set inside [stackLo, stackHi)
  uint32_t stackHi;
  uint32_t gdt;    // 32-bit only: the GDT our CPU's IDT gates name (Unicorn ignores it)
  uint32_t idt;    // 32-bit: IDT; 16-bit: IVT at 0
  uint32_t stubs;  // the handler of vector v is a HLT at stubs + 16 * v (v < kVectors)
  uint32_t code;   // first instruction of every sequence
  uint32_t codeSize;
  static constexpr unsigned kVectors = 32;

  static Layout forMode(bool code32);
};

// One instruction of a sequence, as placed in memory.
struct Placed {
  uint32_t offset;  // from Layout::code
  uint8_t len;
  bool setup;  // a MOV/PUSH the generator added to control an address, not under test
};

struct Sequence {
  std::vector<uint8_t> code;  // bytes from Layout::code; execution ends at code.size()
  std::vector<Placed> insns;  // in address order (fillers skipped by jumps are not listed)
  unsigned generated = 0;     // instructions under test (setups excluded)
  // EFLAGS bits the last instruction leaves undefined in a way the two cannot agree on (see
  // undefinedFlags in generator.cpp); not compared.
  uint32_t flagMask = 0;
};

// The EFLAGS bits an instruction leaves undefined (Intel SDM vol. 2) where QEMU's value depends
// on the instructions translated before it, so no CPU can match it; 0 for everything else.
uint32_t undefinedFlags(uint16_t op, int reg);

class Generator {
 public:
  Generator(uint64_t seed, const Layout& layout);

  // A sequence of 1..maxInsns generated instructions with their setups. A sequence ends early
  // after an instruction that loads a segment register (16-bit mode), which would move the data
  // window.
  Sequence next(unsigned maxInsns);

  // Initial register and flag values for a sequence.
  uint32_t randomRegister();
  uint32_t randomFlags();
  Rng& rng() { return rng_; }

  // The table rows the generator draws from, for coverage reports.
  size_t rowsCovered() const { return rows_.size(); }

 private:
  struct Candidate {
    const OpcodeRow* row;
  };
  Rng rng_;
  Layout layout_;
  std::vector<Candidate> rows_;

  bool emit(const OpcodeRow& row, Sequence& seq, bool& terminal);
};

}  // namespace emu::diff
