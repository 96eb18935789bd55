// The flush checker's shadow of every translation used since its flush (see flush_check.h).
#include "mmu/flush_check.h"

#include <algorithm>

namespace mmu {

namespace {

using B = PagingBits;

// The bits of a paging word that make a translation: frame, P, R/W, U/S, and PS in a PDE. Not A,
// D, G or the cache bits (the same rule as the stale-TLB detector's, mmu.cpp).
constexpr uint32_t kPdeMatters = B::kFrame | B::kPresent | B::kWritable | B::kUser | B::kPageSize;
constexpr uint32_t kPteMatters = B::kFrame | B::kPresent | B::kWritable | B::kUser;

}  // namespace

FlushCheck::Entry* FlushCheck::find(uint32_t space, uint32_t linear) {
  for (uint32_t s : {space, kGlobalSpace}) {
    auto it = byPage_.find(key(s, linear & ~kPageMask, false));
    if (it == byPage_.end()) it = byPage_.find(key(s, linear & ~kLargePageMask, true));
    if (it != byPage_.end()) return &entries_[it->second];
  }
  return nullptr;
}

void FlushCheck::filled(uint32_t space, const Translation& t, bool global) {
  const uint32_t s = global ? kGlobalSpace : space;
  auto it = byPage_.find(key(s, t.pageBase, t.large));
  if (it != byPage_.end()) {
    const Entry& e = entries_[it->second];
    // A stale entry stays: an unbounded TLB would still serve it. A fresh one made from the
    // same words is the same translation.
    if (e.stale || (e.pdeAddr == t.walk.pdeAddr && (t.large || e.pteAddr == t.walk.pteAddr))) {
      return;
    }
    remove(it->second);
  }
  insert(s, t.pageBase, t.large, t.walk);
}

void FlushCheck::faultWalk(uint32_t space, uint32_t linear, const WalkTrace& walk, bool global) {
  if (!labRule_) return;
  const uint32_t s = global ? kGlobalSpace : space;
  const uint32_t base = linear & ~(walk.large ? kLargePageMask : kPageMask);
  if (byPage_.count(key(s, base, walk.large)) == 0) insert(s, base, walk.large, walk);
}

void FlushCheck::insert(uint32_t space, uint32_t pageBase, bool large, const WalkTrace& w) {
  uint32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = static_cast<uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  Entry& e = entries_[id];
  e = Entry{};
  e.live = true;
  e.large = large;
  e.space = space;
  e.pageBase = pageBase;
  e.pdeAddr = w.pdeAddr;
  e.pde = w.pde;
  e.pteAddr = w.pteAddr;
  e.pte = w.pte;
  byPage_[key(space, pageBase, large)] = id;
  std::vector<uint32_t>& list = bySpace_[space];
  e.spaceSlot = static_cast<uint32_t>(list.size());
  list.push_back(id);
  addRef(w.pdeAddr, id * 2, entries_[id].pdeSlot);
  if (!large) addRef(w.pteAddr, id * 2 + 1, entries_[id].pteSlot);
}

void FlushCheck::addRef(uint32_t word, uint32_t ref, uint32_t& slot) {
  std::vector<uint32_t>& list = byWord_[word];
  if (list.empty() && frameRefs_[word >> 12]++ == 0) watcher_.watchShadowFrame(word >> 12);
  slot = static_cast<uint32_t>(list.size());
  list.push_back(ref);
}

void FlushCheck::dropRef(uint32_t word, uint32_t slot) {
  auto it = byWord_.find(word);
  std::vector<uint32_t>& list = it->second;
  const uint32_t moved = list.back();
  list[slot] = moved;
  list.pop_back();
  if (slot < list.size()) {
    Entry& m = entries_[moved / 2];
    (moved & 1 ? m.pteSlot : m.pdeSlot) = slot;
  }
  if (!list.empty()) return;
  byWord_.erase(it);
  auto f = frameRefs_.find(word >> 12);
  if (--f->second == 0) {
    frameRefs_.erase(f);
    watcher_.unwatchShadowFrame(word >> 12);
  }
}

void FlushCheck::remove(uint32_t id) {
  Entry& e = entries_[id];
  if (e.stale) unstale(e);
  byPage_.erase(key(e.space, e.pageBase, e.large));
  auto s = bySpace_.find(e.space);
  std::vector<uint32_t>& list = s->second;
  const uint32_t moved = list.back();
  list[e.spaceSlot] = moved;
  list.pop_back();
  if (e.spaceSlot < list.size()) entries_[moved].spaceSlot = e.spaceSlot;
  if (list.empty()) bySpace_.erase(s);
  dropRef(e.pdeAddr, e.pdeSlot);
  if (!e.large) dropRef(e.pteAddr, e.pteSlot);
  e.live = false;
  free_.push_back(id);
}

void FlushCheck::unstale(Entry& e) {
  e.stale = false;
  --staleEntries_;
  auto it = open_.find(recordKey(e.space, e.staleWord));
  if (--it->second.entries != 0) return;
  if (it->second.reported != kNone) records_[it->second.reported].open = false;
  open_.erase(it);
}

void FlushCheck::changedWord(uint32_t space, uint32_t word, uint32_t now, uint64_t cycle,
                             uint32_t eip, unsigned writer) {
  // Removing entries edits the list, so walk a copy of it.
  const std::vector<uint32_t> refs = byWord_.at(word);
  for (uint32_t ref : refs) {
    Entry& e = entries_[ref / 2];
    if (!e.live) continue;
    const bool pte = (ref & 1) != 0;
    const uint32_t cached = pte ? e.pte : e.pde;
    const bool differs = ((cached ^ now) & (pte ? kPteMatters : kPdeMatters)) != 0;
    if (e.space != space && e.space != kGlobalSpace) {
      if (differs) remove(ref / 2);  // its address space is loaded again before it runs
      continue;
    }
    if (!differs) {
      if (e.stale && e.staleWord == word) unstale(e);  // the word is back as it was
      continue;
    }
    const uint64_t rk = recordKey(e.space, word);
    if (e.stale) {
      // Changed again before anyone looked: the record says what the word is now.
      auto o = open_.find(rk);
      if (e.staleWord == word && o->second.reported == kNone) o->second.what.after = now;
      continue;
    }
    auto [it, opened] = open_.try_emplace(rk);
    Open& o = it->second;
    if (opened) {
      o.what.space = e.space;
      o.what.page = e.pageBase;
      o.what.large = e.large;
      o.what.wordAddr = word;
      o.what.before = cached;
      o.what.after = now;
      o.what.writeCycle = cycle;
      o.what.writeEip = eip;
      o.what.writer = static_cast<uint8_t>(writer);
      o.what.holder = static_cast<uint8_t>(processor_);
      unreported_.push_back(rk);
    }
    ++o.entries;
    e.stale = true;
    e.staleWord = word;
    ++staleEntries_;
    watcher_.dropHostPage(e.pageBase, e.size());
  }
}

const MissingFlush& FlushCheck::report(Open& o) {
  o.what.translations = o.entries;
  o.reported = static_cast<uint32_t>(records_.size());
  records_.push_back(Record{o.what, 0, true});
  return records_.back().what;
}

bool FlushCheck::used(uint32_t space, uint32_t linear, Access access,
                      const MissingFlush*& reported) {
  reported = nullptr;
  const Entry* e = find(space, linear);
  if (e == nullptr || !e->stale) return false;
  ++uses_;
  Open& o = open_.at(recordKey(e->space, e->staleWord));
  if (o.reported == kNone) {
    o.what.atReturn = false;
    o.what.linear = linear;
    o.what.access = access;
    reported = &report(o);
  }
  ++records_[o.reported].uses;
  return true;
}

std::vector<MissingFlush> FlushCheck::returnedToUser(uint32_t space, uint32_t eip) {
  std::vector<MissingFlush> out;
  size_t kept = 0;
  for (uint64_t rk : unreported_) {
    auto it = open_.find(rk);
    if (it == open_.end() || it->second.reported != kNone) continue;  // closed or reported
    const uint32_t s = static_cast<uint32_t>(rk >> 32);
    if (s != space && s != kGlobalSpace) {
      unreported_[kept++] = rk;
      continue;
    }
    it->second.what.atReturn = true;
    it->second.what.linear = eip;
    it->second.what.access = Access::kFetch;
    out.push_back(report(it->second));
  }
  unreported_.resize(kept);
  return out;
}

void FlushCheck::reload(uint32_t space) {
  auto it = bySpace_.find(space);
  if (it == bySpace_.end()) return;
  const std::vector<uint32_t> ids = it->second;
  for (uint32_t id : ids) remove(id);
}

void FlushCheck::invlpg(uint32_t space, uint32_t linear) {
  for (uint32_t s : {space, kGlobalSpace}) {
    for (bool large : {false, true}) {
      auto it = byPage_.find(key(s, linear & ~(large ? kLargePageMask : kPageMask), large));
      if (it != byPage_.end()) remove(it->second);
    }
  }
}

void FlushCheck::flushAll() {
  for (const auto& [pfn, words] : frameRefs_) watcher_.unwatchShadowFrame(pfn);
  for (const auto& [rk, o] : open_) {
    if (o.reported != kNone) records_[o.reported].open = false;
  }
  entries_.clear();
  free_.clear();
  byPage_.clear();
  byWord_.clear();
  bySpace_.clear();
  frameRefs_.clear();
  open_.clear();
  unreported_.clear();
  staleEntries_ = 0;
}

}  // namespace mmu
