// Runs one generated sequence on our Cpu (over a FlatRamBus) and on Unicorn from the same state
// and memory, and reports every difference with a reproducer.
//
// harness.cpp defines:
//   State, Outcome, DiffHarness (constructor, runSequences, the comparison and the reproducer),
//   disassemble (Capstone, for reproducers and the decoder check).
#pragma once

#include <unicorn/unicorn.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "emu/cpu/cpu.h"
#include "emu/cpu/flat_bus.h"
#include "mmu/mmu.h"
#include "tests/diff/generator.h"

namespace emu::diff {

struct State {
  uint32_t r[8] = {};
  uint32_t eip = 0;
  uint32_t eflags = 0;
  uint16_t sel[6] = {};
};

// What one emulator did with a sequence.
struct Outcome {
  State state;
  int vector = -1;      // the exception or interrupt raised, -1 if none
  std::string problem;  // a stop that is neither the end nor an exception
};

// Unicorn's register numbers in State's order (EAX..EDI; ES, CS, SS, DS, FS, GS) and their
// names for reports (harness.cpp).
extern const int kUcReg[8];
extern const int kUcSeg[6];
extern const char* const kRegName[8];
extern const char* const kSegName[6];

// What a uc_emu_start that returned `err` left: registers, EIP, EFLAGS, selectors, and `vector`
// (what the interrupt hook saw); an invalid instruction is #UD, any other error a problem.
Outcome readUnicornOutcome(uc_engine* uc, uc_err err, int vector);

struct Totals {
  uint64_t sequences = 0;
  uint64_t generated = 0;   // instructions under test
  uint64_t executed = 0;    // including setups
  uint64_t exceptions = 0;  // sequences that ended in an exception on both
  uint64_t mismatches = 0;
};

// Capstone's text for one instruction ("<invalid>" when it rejects the bytes).
std::string disassemble(const uint8_t* bytes, size_t n, bool code32, uint64_t address,
                        size_t* length = nullptr);

class DiffHarness {
 public:
  DiffHarness(bool code32, uint64_t seed);
  ~DiffHarness();
  DiffHarness(const DiffHarness&) = delete;
  DiffHarness& operator=(const DiffHarness&) = delete;

  // Generates and runs sequences until `instructions` generated instructions have run. Prints a
  // reproducer for each of the first `maxReports` mismatches.
  Totals run(uint64_t instructions, unsigned maxReports = 10);

  // Runs one hand-written sequence (regression tests): false and a reproducer on mismatch. `ours`
  // receives our CPU's final state.
  bool runOne(const std::vector<uint8_t>& code, const State& init, std::string& report,
              State* ours = nullptr);
  // Our CPU's memory after a run (linear = physical here), little-endian.
  uint32_t ourDword(uint32_t address) const;

  const Layout& layout() const { return layout_; }

 private:
  Layout layout_;
  uint64_t seed_;
  Generator gen_;
  FlatRamBus bus_;
  mmu::Mmu mmu_;
  Cpu cpu_;
  uc_engine* uc_ = nullptr;
  uc_context* ucFresh_ = nullptr;  // Unicorn's CPU as opened, restored before every run
  std::vector<uint8_t> ucMem_;
  std::vector<uint8_t> before_;  // memory at the start of the current sequence
  int ucVector_ = -1;

  static void onInterrupt(uc_engine* uc, uint32_t intno, void* self);
  // Opens (or reopens) the Unicorn engine over ucMem_.
  bool openUnicorn();

  void buildImage();
  void setState(const State& s);
  Outcome runUnicorn(uint32_t stop);
  Outcome runOurs(uint32_t stop);
  State ourState() const;
  // Compares; returns "" when equal. Repairs our memory where the exception frame went.
  std::string compare(const Sequence& seq, const Outcome& ours, const Outcome& theirs,
                      uint32_t flagMask);
  std::string reproducer(const Sequence& seq, const State& init, const Outcome& ours,
                         const Outcome& theirs, const std::string& why, uint64_t index);
  // Runs `seq` from `init` and the current memory on both, up to code offset `stop`.
  std::string runBoth(const Sequence& seq, const State& init, uint32_t stop, Outcome& ours,
                      Outcome& theirs);
};

}  // namespace emu::diff
