// The MMU: control registers, the page walk, the architectural TLB, page faults and their events.
//
// CONTRACT WITH THE CPU (emu/): the signatures in the "CPU-facing" block below are what emu::Cpu
// calls. They may gain members but must not change shape without changing the CPU in the same
// commit.
//
// Costs (mmu/cost_model.h). The MMU charges what translation costs, to the counter given to
// setCycleCounter():
//   translate(): a TLB miss kTlbMiss (the walk) + kAdWriteBack per accessed/dirty word written;
//                a write on a TLB entry filled without D walks again: kTlbMiss + kAdWriteBack;
//                a walk that ends in #PF still costs kTlbMiss;
//   hits (translate() or hostRead/hostWrite/hostFetch): kTlbHit (0).
// Instruction and delivery costs are the CPU's, charged by emu/ from the same table: MOV CR3
// (kMovCr3), INVLPG (kInvlpg) and the delivery of the #PF (kPageFault / the INT costs). The MMU
// never charges those, so nothing is counted twice.
//
// Defined in mmu.cpp: TlbGeometry::validate, Mmu (everything not defined inline below).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mmu/events.h"
#include "mmu/flush_check.h"
#include "mmu/page_walk.h"
#include "mmu/phys_memory.h"
#include "mmu/tlb.h"
#include "mmu/zeroed_array.h"

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

  // The one check of what the model can hold: sets a power of two from 1 to 4096 (the set index
  // is a mask of the page number), ways 1 to 64. False and a one-line reason otherwise, e.g.
  // "sets must be a power of two from 1 to 4096"; callers add what the geometry came from.
  bool validate(std::string& error) const;
};

// Counters (Mmu::stats). Every translation that reaches the TLB is a hit or a miss; every miss,
// and every write on an entry filled without D, is a walk.
struct MmuStats {
  uint64_t tlbHits = 0;
  uint64_t tlbMisses = 0;
  uint64_t walks = 0;
  uint64_t evictions = 0;                  // valid entries replaced by a fill
  std::array<uint64_t, 4> flushes{};       // by FlushKind
  std::array<uint64_t, 4> flushDropped{};  // valid entries dropped, by FlushKind
  std::array<uint64_t, 8> pageFaults{};    // by error code & 7: P | W/R | U/S
  uint64_t reservedFaults = 0;             // of which RSVD was set
  uint64_t staleUses = 0;         // first uses of a stale entry after each change (StaleTlbUse)
  uint64_t missingFlushes = 0;    // the flush checker's reports (MissingFlush events)
  uint64_t missingFlushUses = 0;  // uses of a translation the checker holds stale

  uint64_t pageFaultTotal() const {
    uint64_t n = 0;
    for (uint64_t f : pageFaults) n += f;
    return n;
  }
  // Adds another processor's counts (the machine's totals, docs/smp.md).
  MmuStats& operator+=(const MmuStats& o) {
    tlbHits += o.tlbHits;
    tlbMisses += o.tlbMisses;
    walks += o.walks;
    evictions += o.evictions;
    for (size_t i = 0; i < flushes.size(); ++i) {
      flushes[i] += o.flushes[i];
      flushDropped[i] += o.flushDropped[i];
    }
    for (size_t i = 0; i < pageFaults.size(); ++i) pageFaults[i] += o.pageFaults[i];
    reservedFaults += o.reservedFaults;
    staleUses += o.staleUses;
    missingFlushes += o.missingFlushes;
    missingFlushUses += o.missingFlushUses;
    return *this;
  }
};

class Mmu;

// The MMUs of one machine's processors (docs/smp.md). They share physical memory, so a frame that
// one of them watches must be written through the slow path by all of them: each MMU keeps its
// own reasons for watching a frame, and the group counts the members that watch it. No member
// keeps a host write shortcut into a frame any member watches, and a slow-path store into such a
// frame reaches every member that watches it (notePhysWrite), which is how one processor's store
// into a paging word makes another processor's TLB entry stale, or opens a missing shootdown in
// its flush checker.
class MmuPeers {
 public:
  MmuPeers() = default;
  MmuPeers(const MmuPeers&) = delete;
  MmuPeers& operator=(const MmuPeers&) = delete;
  const std::vector<Mmu*>& members() const { return members_; }

 private:
  friend class Mmu;
  std::vector<Mmu*> members_;
  ZeroedArray<uint8_t> watchers_{size_t{1} << 20};  // members watching each frame
};

// The answer of Mmu::probe().
struct ProbeResult {
  std::optional<Fault> fault;  // the fault a real access would raise, or nothing
  uint32_t physical = 0;       // on success
  Translation translation;     // on success: frame, permissions, the words it came from
  WalkTrace walk;              // what was read (or what the TLB entry came from)
  bool paging = true;          // false: CR0.PG=0 and linear == physical
  bool fromTlb = false;        // answered by a TLB entry
  bool stale = false;          // ... which is stale
};

class Mmu final : private FlushCheck::Watcher {
 public:
  // `geometry` must pass TlbGeometry::validate(): errors are values, reported by whoever took the
  // geometry from a user (Machine::create, parseTlb). Passing one that fails is a bug in the
  // caller, and the constructor stops the process with a message rather than build a bad TLB.
  explicit Mmu(PhysMemory& mem, TlbGeometry geometry = {});
  Mmu(const Mmu&) = delete;
  Mmu& operator=(const Mmu&) = delete;

  // ---- CPU-facing ------------------------------------------------------------------------------

  // Where address-translation costs (TLB miss, A/D write-back) are charged; the CPU's counter.
  void setCycleCounter(uint64_t* cycles);
  // The EIP of the instruction being executed (the CPU's), which the flush checker records with
  // each store into a paging word; nullptr: none (0).
  void setInstructionPointer(const uint32_t* eip);
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
  // valid up to the end of the 4 KB page. With CR0.PG=0 linear addresses are physical. With
  // paging on, each non-null return counts one TLB hit.
  uint8_t* hostRead(uint32_t linear, bool user);
  uint8_t* hostWrite(uint32_t linear, bool user);
  uint8_t* hostFetch(uint32_t linear, bool user);

  // Slow path: translate one access that does not cross a page. On success sets `phys`, commits
  // the A/D bits and fills the TLB (charging their cost). On failure sets no bit and fills
  // nothing (it drops the TLB entries for that page, as a #PF does: SDM vol. 3A 4.10.4.1),
  // publishes PageFault and returns the fault; the CPU writes CR2 and delivers #PF.
  [[nodiscard]] std::optional<Fault> translate(uint32_t linear, Access access, bool user,
                                               uint32_t& phys);

  // The CPU calls this after every store it made through the slow path (the hot path never
  // touches watched frames), so the stale-TLB detector sees writes to page-table words.
  void notePhysWrite(uint32_t pa, unsigned size);

  // The CPU returned to CPL 3 (IRET or far RET to an outer level) at `eip`: the flush checker
  // reports the stale translations of this address space that no use has reported yet.
  void returnedToUser(uint32_t eip);

  // Frames whose writes someone must see. The CPU watches frames it holds decoded code from
  // (kWatchCode) and stops watching when it drops them; the MMU watches frames holding the
  // page-table words of valid TLB entries. hostWrite() never returns a pointer into a watched
  // frame, so every store to one goes through translate() + notePhysWrite().
  static constexpr uint8_t kWatchCode = 1;
  static constexpr uint8_t kWatchPageTable = 2;
  static constexpr uint8_t kWatchFlushCheck = 4;  // paging words behind the checker's shadow
  void watchFrame(uint32_t pfn, uint8_t reason);
  void unwatchFrame(uint32_t pfn, uint8_t reason);
  uint8_t watched(uint32_t pfn) const;

  // The owner of PhysMemory changed what frame() returns (the A20 gate): drop cached host pointers.
  void flushHostCache();

  // Linear pages (4 KB bases) whose data accesses must come through translate(): the CPU's data
  // breakpoints and a debugger's read watches look at each access to them there. No host
  // shortcut for reading or writing them is made while they are listed (fetches keep theirs);
  // the TLB, its statistics and the cycles are those of the host path, which counts a TLB hit
  // for each access as translate() does. An empty list gives the shortcuts back.
  static constexpr unsigned kMaxSlowPages = 16;
  void setSlowDataPages(const std::vector<uint32_t>& pages);

  // Joins the processors of a machine (MmuPeers), before the first access; `processor` is this
  // MMU's processor number, which the flush checker's reports carry.
  void joinPeers(MmuPeers& peers, unsigned processor);
  unsigned processor() const { return processor_; }

  // Snapshots (docs/debug.md): the control registers, the TLBs with their round-robin pointers and
  // stale marks, the statistics, the page-table frames watched with their counts, the flush
  // checker's shadow, the host shortcuts. Not the frames the CPU watches for decoded code (its
  // own) or the slow data pages (set by the CPU's debug registers and a debugger's watches).
  struct State {
    Tlb dtlb{1, 1}, itlb{1, 1};
    uint32_t cr0 = 0, cr3 = 0, cr4 = 0;
    uint64_t hostHits = 0;
    MmuStats run;
    std::map<uint32_t, MmuStats> perSpace;
    std::vector<std::pair<uint32_t, uint32_t>> ptFrames;  // frame, ptRefs_
    FlushCheck::State check;
    // The host shortcuts, as (linear page, frame) per slot: which accesses take the slow path
    // next decides some counts (the TLB hits of a fetch that keeps its page), so they come back
    // too, their host pointers made again from the frames.
    std::vector<std::pair<uint32_t, uint32_t>> host;
  };
  State state() const;
  // Into a machine of the same geometry; the CPU's decoded code must be dropped first.
  void setState(const State& s);

  // ---- Tools (trace, view, gdb stub, tests): see the rest of this header ------------------------

  // What a real access would get, with no side effect (no A/D bit, TLB entry, stat, event, CR2 or
  // cycle). For the current CR3 the answer comes from the TLB when it holds the page (stale or
  // not), exactly as the next access would see it; otherwise, and for any other CR3, from a walk
  // of the tables under `cr3` with the current CR0.WP and CR4.PSE.
  ProbeResult probe(uint32_t cr3, uint32_t linear, Access access, bool user) const;
  // The walk alone (ignores the TLB and CR0.PG).
  WalkResult probeTables(uint32_t cr3, uint32_t linear, Access access, bool user) const;
  // The present mappings of the address space under `cr3`, in linear order.
  MappingCursor mappings(uint32_t cr3) const { return MappingCursor(mem_, cr3, control()); }

  // The flush checker (mmu/flush_check.h): its rule and its records.
  void setLabFlushRule(bool on) { check_.setLabRule(on); }
  const FlushCheck& flushCheck() const { return check_; }

  // The TLB contents. With split TLBs, instruction=true selects the instruction TLB.
  const Tlb& tlb(bool instruction = false) const;
  const TlbGeometry& geometry() const { return geometry_; }

  // Counters for the whole run, and per address space (keyed by the page-directory base,
  // CR3 & 0xFFFFF000; flushes count against the address space that was current before them).
  MmuStats stats() const;
  std::map<uint32_t, MmuStats> statsByAddressSpace() const;

  // The physical frame number behind the host shortcut for `linear`, or kNoFrame when there is
  // none. Not an access: counts no hit. (The CPU can learn which frame it decoded code from
  // without a translate() that would count one.)
  static constexpr uint32_t kNoFrame = ~0u;
  uint32_t hostFrame(uint32_t linear, Access access, bool user) const {
    const unsigned table = (access == Access::kRead    ? kHostRead
                            : access == Access::kWrite ? kHostWrite
                                                       : kHostFetch) +
                           (user ? 1 : 0);
    const HostEntry& h = host_[table][(linear >> 12) & (kHostSlots - 1)];
    return h.tag == (linear & ~kPageMask) ? h.pfn : kNoFrame;
  }

  // `n` more accesses that hostRead/hostWrite would have answered (a string instruction that copies
  // a run of elements with the pointers of one call each): counted as that many TLB hits, exactly
  // as n calls would count them.
  void countHostHits(uint64_t n) { hostHits_ += n; }

  // ---- Host cache (inline hot path) ------------------------------------------------------------
  static constexpr unsigned kHostSlots = 256;  // per table, direct-mapped on the linear page
 private:
  // A host-side shortcut for one (linear page, access kind, privilege). It only ever holds a page
  // that a valid, non-stale model TLB entry allows for that kind and privilege (with D already set
  // for writes); it is dropped whenever that entry is evicted, flushed or goes stale.
  struct HostEntry {
    uint32_t tag = kNoTag;  // linear page base, or kNoTag
    uint32_t pfn = 0;       // physical frame number
    uint8_t* base = nullptr;
  };
  static constexpr uint32_t kNoTag = 1;  // never a page base

  enum HostTable : unsigned { kHostRead = 0, kHostWrite = 2, kHostFetch = 4 };  // + user

  uint8_t* hostLookup(unsigned table, uint32_t linear) {
    const HostEntry& h = host_[table][(linear >> 12) & (kHostSlots - 1)];
    if (h.tag != (linear & ~kPageMask)) return nullptr;
    ++hostHits_;  // a TLB hit (cost::kTlbHit is 0); folded into the stats by foldHostHits()
    return h.base + (linear & kPageMask);
  }

  void watchShadowFrame(uint32_t pfn) override { watchFrame(pfn, kWatchFlushCheck); }
  void unwatchShadowFrame(uint32_t pfn) override { unwatchFrame(pfn, kWatchFlushCheck); }
  void dropHostPage(uint32_t pageBase, uint32_t size) override { dropHostRange(pageBase, size); }
  uint32_t space() const { return cr3_ & PagingBits::kFrame; }
  void checkUse(uint32_t linear, Access access);
  void publish(const MissingFlush& m);

  PagingControl control() const { return {(cr0_ & kCr0Wp) != 0, (cr4_ & kCr4Pse) != 0}; }
  bool paging() const { return (cr0_ & kCr0Pg) != 0; }
  Tlb& tlbFor(Access access) { return access == Access::kFetch && split_ ? itlb_ : dtlb_; }
  const Tlb& tlbFor(Access access) const {
    return access == Access::kFetch && split_ ? itlb_ : dtlb_;
  }
  void charge(uint32_t n) { *cycles_ += n; }
  void foldHostHits();
  template <typename F>
  void count(F field, uint64_t n = 1) {
    run_.*field += n;
    current_->*field += n;
  }
  void countFlush(FlushKind kind, uint32_t dropped);
  Fault raise(uint32_t linear, Access access, uint32_t errorCode, const WalkTrace& walk);
  Fault raiseWalked(uint32_t linear, Access access, const WalkResult& r);
  void commit(const Translation& t);
  TlbEntry& fill(Tlb& tlb, const Translation& t);
  void dropEntry(TlbEntry& e);
  unsigned dropPage(Tlb& tlb, uint32_t linear);
  unsigned flushAll();
  void noteStaleUse(TlbEntry& e, uint32_t linear, Access access);
  void fillHost(const Tlb* tlb, const TlbEntry* e, uint32_t linear, bool user);
  void dropHostRange(uint32_t base, uint32_t size);
  void clearHost();
  void watchWord(uint32_t pa);
  void unwatchWord(uint32_t pa);
  void sweepWatches();
  void checkWord(TlbEntry& e, uint32_t wordAddr, uint32_t cached, uint32_t mask, uint32_t pa,
                 unsigned size);
  void dropHostWrites(uint32_t pfn);
  bool watchedByAny(uint32_t pfn) const {
    return peers_ != nullptr ? peers_->watchers_[pfn] != 0 : watch_[pfn] != 0;
  }
  // A store of `size` bytes at `pa`, made by `writer` at its `cycle` and `eip`.
  void noteWrite(uint32_t pa, unsigned size, uint64_t cycle, uint32_t eip, unsigned writer);

  PhysMemory& mem_;
  TlbGeometry geometry_;
  bool split_;
  Tlb dtlb_, itlb_;  // itlb_ is used only when split_
  uint32_t cr0_ = 0, cr3_ = 0, cr4_ = 0;
  uint64_t ownCycles_ = 0;
  uint64_t* cycles_ = &ownCycles_;
  uint32_t noEip_ = 0;
  const uint32_t* eip_ = &noEip_;
  MmuObserver* observer_ = nullptr;
  uint64_t hostHits_ = 0;
  MmuStats run_;
  std::map<uint32_t, MmuStats> perSpace_;
  MmuStats* current_;
  ZeroedArray<uint8_t> watch_{size_t{1} << 20};  // reasons per physical frame (1M frames)
  // Per frame: the paging words of valid TLB entries in it, and kListed while the frame is in
  // ptFrames_ (a count of 0 there: watched until the next sweepWatches()). A flat table and a
  // list instead of a hash map: every fill and every drop of an entry counts two words.
  static constexpr uint32_t kListed = 0x80000000u;
  ZeroedArray<uint32_t> ptRefs_{size_t{1} << 20};
  std::vector<uint32_t> ptFrames_;
  std::array<std::array<HostEntry, kHostSlots>, 6> host_;
  std::array<uint32_t, kMaxSlowPages> slowPages_{};  // setSlowDataPages
  unsigned slowCount_ = 0;
  FlushCheck check_{*this};
  MmuPeers* peers_ = nullptr;
  unsigned processor_ = 0;
};

inline uint8_t* Mmu::hostRead(uint32_t linear, bool user) {
  return hostLookup(kHostRead + (user ? 1 : 0), linear);
}
inline uint8_t* Mmu::hostWrite(uint32_t linear, bool user) {
  return hostLookup(kHostWrite + (user ? 1 : 0), linear);
}
inline uint8_t* Mmu::hostFetch(uint32_t linear, bool user) {
  return hostLookup(kHostFetch + (user ? 1 : 0), linear);
}

}  // namespace mmu
