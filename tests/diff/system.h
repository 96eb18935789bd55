// The system-instruction differential test: our Cpu and Unicorn start in protected mode from the
// same GDT, LDT, IDT and TSS (code and data segments at DPL 0, 1, 2 and 3, 16- and 32-bit, some
// not present), and run random sequences of far transfers, IRET, segment loads, descriptor-table,
// control-register and privilege-checked instructions, at CPL 0 or (after a generated far RET or
// IRET) CPL 3. Registers, selectors and hidden segment parts, descriptor-table and control
// registers, all of memory (accessed and busy bits, stacks) and the exception with its error code
// must agree.
//
// system_generator.cpp defines:
//   SystemLayout, SystemGenerator (constructor, next).
// system_harness.cpp defines:
//   SystemHarness (constructor, run, runOne, the Unicorn calibration and the comparison).
#pragma once

#include <unicorn/unicorn.h>

#include <cstdint>
#include <string>
#include <vector>

#include "emu/cpu/cpu.h"
#include "emu/cpu/flat_bus.h"
#include "emu/events/events.h"
#include "mmu/mmu.h"
#include "tests/diff/generator.h"
#include "tests/diff/harness.h"

namespace emu::diff {

// Where the system tables live (linear = physical; paging stays off). Everything the generated
// code may write (data window, stacks) lies below 64 KB; the tables from 0x10000 are restored to
// their first image before every sequence, so each sequence starts from the same descriptors.
struct SystemLayout {
  static constexpr uint32_t kMemSize = 0x20000;
  static constexpr uint32_t kDataLo = 0x1000, kDataHi = 0x6000;    // far pointers, SGDT targets
  static constexpr uint32_t kStackLo = 0x7000, kStackHi = 0x9000;  // every ESP the generator sets
  static constexpr uint32_t kGdt = 0x10000;
  static constexpr uint32_t kIdt = 0x10100;
  static constexpr uint32_t kLdt = 0x10400;
  static constexpr uint32_t kTssA = 0x10500;  // the current task's TSS (TR = 0x28)
  static constexpr uint32_t kTssB = 0x10580;  // an available TSS for LTR
  static constexpr uint32_t kTablesEnd = 0x10600;
  static constexpr uint32_t kStubs = 0x11000;   // vector v's handler: HLT at kStubs + 16 * v
  static constexpr uint32_t kStack0 = 0x11F00;  // the TSS's ESP0 (ring-0 stack for exceptions)
  static constexpr uint32_t kCode = 0x12000;
  static constexpr uint32_t kCodeSize = 0x1000;
  // Half the sequences run with paging on: one page directory and one page table, identity
  // mapped, with a few pages that fault (see SystemHarness::buildImage); restored before every
  // sequence like the descriptor tables, so accessed and dirty bits start clear.
  static constexpr uint32_t kPageDir = 0x13000;
  static constexpr uint32_t kPageTable = 0x14000;
  static constexpr uint32_t kPagingEnd = 0x15000;
  static constexpr unsigned kVectors = 32;
  static constexpr uint16_t kGdtLimit = 0xAF;
  static constexpr uint16_t kLdtLimit = 0x17;
  static constexpr uint16_t kTr = 0x28, kLdtr = 0x38;

  // One descriptor of the GDT or LDT, with what the generator needs to predict a transfer.
  struct Desc {
    uint16_t selector;     // RPL 0; TI set for the LDT
    uint32_t base, limit;  // limit in bytes (as in the descriptor, G applied)
    uint8_t access;        // P DPL S type
    uint8_t flags;         // G D/B 0 AVL
  };
  static const std::vector<Desc>& descriptors();
  static const Desc* find(uint16_t selector);  // nullptr: null or beyond the table
  static uint64_t encode(const Desc& d);       // the 8 bytes ([386PRM] 5.1.1 figure 5-3)
};

class SystemGenerator {
 public:
  explicit SystemGenerator(uint64_t seed);
  // A sequence of up to maxInsns instructions under test (with their setups): optionally a far
  // RET or IRET to CPL 3 first, then system instructions; it ends early after an instruction
  // whose outcome would leave the code it was generated for (a failed transfer, a load of SS, a
  // transfer to 16-bit code).
  Sequence next(unsigned maxInsns);
  // Whether the last sequence was generated to run with paging on.
  bool paging() const { return paging_; }
  uint32_t randomRegister();
  Rng& rng() { return rng_; }

 private:
  Rng rng_;
  bool paging_ = false;
};

class SystemHarness : private Observer {
 public:
  explicit SystemHarness(uint64_t seed);
  ~SystemHarness() override;
  SystemHarness(const SystemHarness&) = delete;
  SystemHarness& operator=(const SystemHarness&) = delete;

  Totals run(uint64_t instructions, unsigned maxReports = 10);
  // One hand-written sequence from CPL 0 (regression tests): false and a reproducer on mismatch.
  bool runOne(const std::vector<uint8_t>& code, const State& init, std::string& report,
              State* ours = nullptr, bool paging = false);
  uint32_t ourDword(uint32_t address) const;
  // Whether the Unicorn calibration found its error code and segment caches (else those parts
  // are not compared, and run() counts that as a mismatch).
  bool calibrated() const { return errorOffset_ >= 0 && segOffset_ >= 0; }
  const Cpu& cpu() const { return cpu_; }
  // Sequences that ended in exception vector v (both agreeing), for the coverage line.
  const uint64_t* vectorCounts() const { return vectorCounts_; }

 private:
  struct Hidden {  // a segment register's hidden part, as both report it
    uint16_t selector = 0;
    uint32_t base = 0, limit = 0;
    uint8_t access = 0, flags = 0;
  };
  struct Outcome2 {
    Outcome o;
    uint32_t error = 0;  // error code, when the vector pushes one
    Hidden seg[6];
    Hidden ldtr, tr;
    uint32_t gdtBase = 0, gdtLimit = 0, idtBase = 0, idtLimit = 0;
    uint32_t cr[5] = {}, dr[8] = {};
  };

  uint64_t seed_;
  SystemGenerator gen_;
  FlatRamBus bus_;
  mmu::Mmu mmu_;
  Cpu cpu_;
  uc_engine* uc_ = nullptr;
  uc_context* ucFresh_ = nullptr;
  uc_context* ucScratch_ = nullptr;
  std::vector<uint8_t> ucMem_, before_, tables_, pageTables_;
  int ucVector_ = -1;
  int ourVector_ = -1;
  uint32_t ourError_ = 0;
  long errorOffset_ = -1;  // where CPUX86State.error_code lies in a saved Unicorn context
  long segOffset_ = -1;    // where segs[0] lies, and the stride of SegmentCache
  unsigned segStride_ = 0;
  uint64_t vectorCounts_[32] = {};

  void onException(const ExceptionEvent& e) override;
  static void onInterrupt(uc_engine* uc, uint32_t intno, void* self);
  bool openUnicorn();
  void calibrate();
  void buildImage();
  void setState(const State& s, bool paging);
  Outcome2 runUnicorn(uint32_t stop);
  Outcome2 runOurs(uint32_t stop);
  std::string compare(const Sequence& seq, Outcome2& ours, const Outcome2& theirs);
  std::string runBoth(const Sequence& seq, const State& init, bool paging, uint32_t stop,
                      Outcome2& ours, Outcome2& theirs);
  std::string reproducer(const Sequence& seq, const State& init, bool paging, const Outcome2& ours,
                         const Outcome2& theirs, const std::string& why, uint64_t index);
  void place(const std::vector<uint8_t>& code);
};

}  // namespace emu::diff
