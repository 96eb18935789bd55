// The flush checker: a missing TLB flush found whatever the TLB's size and whatever the timer
// does (docs/mmu.md, "The flush checker").
//
// Beside the architectural TLB, whose small size and flushes decide what the guest really sees,
// the checker keeps an unbounded shadow: every translation used since the last flush that
// covers it, per address space (page-directory base), 4 KB and 4 MB, global ones (G with
// CR4.PGE=1) in one space of their own that every address space sees. It is filled on every
// successful walk, so it holds what a TLB of unlimited size would hold, and emptied exactly as
// the guest's own flushes would empty it:
//
//   INVLPG             the page, in the current address space and among the global entries
//   MOV to CR3, same   (a reload of the current page directory) every non-global entry of the
//   page directory     current address space
//   CR0.PG/WP, CR4.PSE/PGE changed   everything
//   #PF                the faulting page (SDM vol. 3A 4.10.4.1; see `labRule` below)
//
// A MOV to CR3 that switches to another page directory empties nothing here. On hardware it
// drops every non-global entry, but a kernel whose correctness rests on it rests on timing: the
// switch happens only when a timer tick chose to run someone else between the change and the
// return. The shadow keeps each address space's translations across switches, as a TLB tagged
// by address space would, so the answer is the same for every interleaving.
//
// A store into a paging word behind shadowed translations (every frame holding one is watched,
// so stores reach Mmu::notePhysWrite) that changes frame, P, R/W, U/S or PS (not A, D, G or
// the cache bits):
//   - in the current address space, or for a global entry: the translation is stale; a record
//     opens (the store's cycle and EIP, the word before and after, the page), one per address
//     space and word, however many translations hang below the word;
//   - in another address space: the entries are dropped; that address space cannot run again
//     before a MOV to CR3 loads it, which flushes on any interleaving.
// A record is reported (a MissingFlush event, once) at the first use of one of its stale
// translations or at the next return to CPL 3 in its address space, whichever comes first; each
// use of a stale translation is counted (uses), reported or not. A flush that drops its last
// translation before either closes it unreported: the kernel flushed in time. A store that puts
// the word back as it was closes it too.
//
// labRule: the lab handouts ask the page-fault handler to flush after it fixes a PTE, though the
// #PF already dropped that page's entries (SDM vol. 3A 4.10.4.1 and 4.10.4.3: software may skip
// the flush; at worst one spurious fault follows). With labRule a #PF drops nothing from the
// shadow and a protection fault's walk fills it, so a handler that fixes the PTE without INVLPG
// or a CR3 reload is reported like any other missing flush.
//
// Defined in flush_check.cpp: FlushCheck.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "mmu/events.h"
#include "mmu/page_walk.h"

namespace mmu {

// What a snapshot of the checker holds (docs/debug.md): the shadow, its indexes and records.
struct FlushCheckState {
  // One missing flush: an open or closed record.
  struct Record {
    MissingFlush what;  // as published
    uint64_t uses = 0;  // uses of its stale translations (before or after it was reported)
    bool open = true;   // some of its translations are still stale in the shadow
  };

  static constexpr uint32_t kNone = ~0u;
  struct Entry {
    bool live = false;
    bool large = false;
    bool stale = false;
    uint32_t space = 0;
    uint32_t pageBase = 0;
    uint32_t pdeAddr = 0, pde = 0;
    uint32_t pteAddr = 0, pte = 0;                     // unused for a 4 MB page
    uint32_t pdeSlot = 0, pteSlot = 0, spaceSlot = 0;  // positions in the index lists
    uint32_t staleWord = 0;                            // when stale: the word whose record it is
    uint32_t size() const { return large ? kLargePageSize : kPageSize; }
  };
  // A record not closed yet; `reported` indexes records_ once it is reported.
  struct Open {
    MissingFlush what;
    uint32_t entries = 0;
    uint32_t reported = kNone;
  };

  bool labRule_ = false;
  unsigned processor_ = 0;
  std::vector<Entry> entries_;
  std::vector<uint32_t> free_;
  std::unordered_map<uint64_t, uint32_t> byPage_;                // key -> entry
  std::unordered_map<uint32_t, std::vector<uint32_t>> byWord_;   // word -> entry * 2 + (PTE)
  std::unordered_map<uint32_t, std::vector<uint32_t>> bySpace_;  // space -> entries
  std::unordered_map<uint32_t, uint32_t> frameRefs_;             // frame -> words of byWord_ in it
  std::unordered_map<uint64_t, Open> open_;                      // by recordKey
  std::vector<uint64_t> unreported_;  // keys of open_ maybe not reported yet
  std::vector<Record> records_;       // reported
  size_t staleEntries_ = 0;
  uint64_t uses_ = 0;
};

class FlushCheck : private FlushCheckState {
 public:
  using Record = FlushCheckState::Record;
  // Snapshots (docs/debug.md). setState leaves the frames watched to the owner (frames()).
  using State = FlushCheckState;
  const State& state() const { return *this; }
  void setState(const State& s) { static_cast<State&>(*this) = s; }
  // The frames holding paging words behind the shadow (each watched through the Watcher).
  std::vector<uint32_t> frames() const {
    std::vector<uint32_t> out;
    for (const auto& [pfn, refs] : frameRefs_) out.push_back(pfn);
    return out;
  }
  // Page-directory base of the space that holds global entries (never a page base).
  static constexpr uint32_t kGlobalSpace = 1;

  // Watching: the checker asks its owner to watch (and later unwatch) each frame that holds a
  // paging word behind a shadowed translation.
  class Watcher {
   public:
    virtual ~Watcher() = default;
    virtual void watchShadowFrame(uint32_t pfn) = 0;
    virtual void unwatchShadowFrame(uint32_t pfn) = 0;
    virtual void dropHostPage(uint32_t pageBase, uint32_t size) = 0;
  };

  explicit FlushCheck(Watcher& watcher) : watcher_(watcher) {}

  void setLabRule(bool on) { labRule_ = on; }
  // The processor whose translations this checker shadows (MissingFlush::holder).
  void setProcessor(unsigned processor) { processor_ = processor; }
  bool labRule() const { return labRule_; }

  // ---- hooks (called by Mmu) -------------------------------------------------------------------

  // A successful walk in `space`; `global`: G in the leaf with CR4.PGE=1.
  void filled(uint32_t space, const Translation& t, bool global);
  // A walk that ended in a protection fault (the leaf is present): filled under labRule only.
  void faultWalk(uint32_t space, uint32_t linear, const WalkTrace& walk, bool global);
  // Whether some translation is stale: when not, a use costs this one test.
  bool anyStale() const { return staleEntries_ != 0; }
  // A use of `linear` in `space`: false when no stale translation serves it. Otherwise the use
  // is counted, and `report` is set when this use reports its record (once), else nullptr.
  bool used(uint32_t space, uint32_t linear, Access access, const MissingFlush*& report);
  // Whether the translation that serves `linear` in `space` is stale (no host shortcut for it).
  bool staleAt(uint32_t space, uint32_t linear) {
    if (staleEntries_ == 0) return false;
    const Entry* e = find(space, linear);
    return e != nullptr && e->stale;
  }
  // The CPU returned to CPL 3 in `space` at `eip`: the records to publish (each once).
  std::vector<MissingFlush> returnedToUser(uint32_t space, uint32_t eip);
  // A store of `size` bytes at `pa` reached a watched frame; `now(word)` reads a paging word.
  // `cycle` and `eip` say where the store was made.
  // `writer`: the processor that made the store (another one than the checker's: a record of it
  // is a missing shootdown).
  template <typename ReadWord>
  void stored(uint32_t space, uint32_t pa, unsigned size, uint64_t cycle, uint32_t eip,
              unsigned writer, ReadWord now) {
    const uint32_t first = pa & ~3u;
    const uint32_t last = (pa + size - 1) & ~3u;
    for (uint32_t w = first;; w += 4) {
      auto it = byWord_.find(w);
      if (it != byWord_.end()) changedWord(space, w, now(w), cycle, eip, writer);
      if (w == last) break;
    }
  }
  bool watchesFrame(uint32_t pfn) const { return frameRefs_.count(pfn) != 0; }

  // Flushes.
  void reload(uint32_t space);                   // MOV to CR3 of the current page directory
  void invlpg(uint32_t space, uint32_t linear);  // also a #PF's drop
  void pageFault(uint32_t space, uint32_t linear) {
    if (!labRule_) invlpg(space, linear);
  }
  void flushAll();

  // ---- tools -----------------------------------------------------------------------------------

  // Every reported record, in the order reported.
  const std::vector<Record>& records() const { return records_; }
  uint64_t missingFlushes() const { return records_.size(); }
  uint64_t staleUses() const { return uses_; }
  // Translations held, and how many of them are stale (for tests).
  size_t shadowSize() const { return entries_.size() - free_.size(); }
  size_t staleEntries() const { return staleEntries_; }

 private:
  static uint64_t key(uint32_t space, uint32_t pageBase, bool large) {
    return (uint64_t{space} << 32) | pageBase | (large ? 1u : 0u);
  }
  static uint64_t recordKey(uint32_t space, uint32_t word) {
    return (uint64_t{space} << 32) | word;
  }

  Entry* find(uint32_t space, uint32_t linear);
  void insert(uint32_t space, uint32_t pageBase, bool large, const WalkTrace& w);
  void remove(uint32_t id);
  void addRef(uint32_t word, uint32_t ref, uint32_t& slot);
  void dropRef(uint32_t word, uint32_t slot);
  void changedWord(uint32_t space, uint32_t word, uint32_t now, uint64_t cycle, uint32_t eip,
                   unsigned writer);
  void unstale(Entry& e);
  const MissingFlush& report(Open& o);

  Watcher& watcher_;
};

}  // namespace mmu
