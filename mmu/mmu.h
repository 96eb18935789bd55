// The MMU: control registers, the page walk, the architectural TLB, page faults and their events.
//
// CONTRACT WITH THE CPU (emu/): the signatures in the "CPU-facing" block below are what emu::Cpu
// calls. They may gain members but must not change shape without changing the CPU in the same commit.
#pragma once

#include <cstdint>
#include <optional>

#include "mmu/events.h"
#include "mmu/phys_memory.h"

namespace mmu {

// Control-register bits the MMU reads (Intel SDM vol. 3A 2.5).
constexpr uint32_t kCr0Pe = 1u << 0;   // protection enable
constexpr uint32_t kCr0Wp = 1u << 16;  // write protect: supervisor writes honour R/W
constexpr uint32_t kCr0Pg = 1u << 31;  // paging
constexpr uint32_t kCr4Pse = 1u << 4;  // 4 MB pages
constexpr uint32_t kCr4Pge = 1u << 7;  // global pages

// #PF error code (Intel SDM vol. 3A 4.7).
struct ErrorCode {
  static constexpr uint32_t kPresent = 1;   // 0: not present, 1: protection violation
  static constexpr uint32_t kWrite = 2;     // the access was a write
  static constexpr uint32_t kUser = 4;      // the access was made at CPL 3
  static constexpr uint32_t kReserved = 8;  // a reserved bit was set in a paging entry
};

// A page fault to deliver: the CPU writes `linear` to CR2 and pushes `errorCode`.
struct Fault {
  uint32_t linear;
  uint32_t errorCode;
};

struct TlbGeometry {
  unsigned sets = 8;  // the 80386: 32 entries, 8 sets x 4 ways
  unsigned ways = 4;
  bool split = false;  // separate instruction and data TLBs of this geometry each
};

class Mmu {
 public:
  explicit Mmu(PhysMemory& mem, TlbGeometry geometry = {});

  // ---- CPU-facing ------------------------------------------------------------------------------

  // Where address-translation costs (TLB miss, A/D write-back) are charged; the CPU's counter.
  void setCycleCounter(uint64_t* cycles);
  void setObserver(MmuObserver* observer);  // nullptr: no events (one branch each)

  uint32_t cr0() const;
  uint32_t cr3() const;
  uint32_t cr4() const;
  // MOV to CR0/CR3/CR4: store the value and flush what the hardware flushes, publishing TlbFlush
  // (and Cr3Write). The CPU has already checked the value is legal.
  void writeCr0(uint32_t value);
  void writeCr3(uint32_t value);
  void writeCr4(uint32_t value);
  void invlpg(uint32_t linear);

  // Hot path. A host pointer to the byte at `linear` when the access is certain to succeed with
  // no side effect beyond a TLB hit (entry present, permission allowed, dirty already set for a
  // write, frame plain RAM and not watched); nullptr means "take translate()". The pointer is
  // valid up to the end of the 4 KB page. With CR0.PG=0 linear addresses are physical.
  uint8_t* hostRead(uint32_t linear, bool user);
  uint8_t* hostWrite(uint32_t linear, bool user);
  uint8_t* hostFetch(uint32_t linear, bool user);

  // Slow path: translate one access that does not cross a page. On success sets `phys`, commits
  // the A/D bits and fills the TLB (charging their cost). On failure changes nothing, publishes
  // PageFault and returns the fault; the CPU writes CR2 and delivers #PF.
  [[nodiscard]] std::optional<Fault> translate(uint32_t linear, Access access, bool user,
                                               uint32_t& phys);

  // The CPU calls this after every store it made through the slow path (the hot path never
  // touches watched frames), so the stale-TLB detector sees writes to page-table words.
  void notePhysWrite(uint32_t pa, unsigned size);

  // Frames whose writes someone must see. The CPU watches frames it holds decoded code from
  // (kWatchCode) and stops watching when it drops them; the MMU watches frames holding the
  // page-table words of valid TLB entries. hostWrite() never returns a pointer into a watched
  // frame, so every store to one goes through translate() + notePhysWrite().
  static constexpr uint8_t kWatchCode = 1;
  static constexpr uint8_t kWatchPageTable = 2;
  void watchFrame(uint32_t pfn, uint8_t reason);
  void unwatchFrame(uint32_t pfn, uint8_t reason);
  uint8_t watched(uint32_t pfn) const;

  // The owner of PhysMemory changed what frame() returns (the A20 gate): drop cached host pointers.
  void flushHostCache();

  // ---- Tools (trace, view, gdb stub, tests): see the rest of this header ------------------------
};

}  // namespace mmu
