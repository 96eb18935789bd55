// The MMU: control registers, translation through the TLB model, flushes, the host cache, frame
// watching and the stale-TLB detector (see mmu.h and docs/mmu.md).
#include "mmu/mmu.h"

#include <cstdio>
#include <cstdlib>

#include "mmu/cost_model.h"

namespace mmu {

namespace {

using B = PagingBits;

// The bits of a paging word that change a translation (frame, P, R/W, U/S, PS); not A, D, G or
// the cache-control bits. A store that changes only those leaves the TLB entry correct.
constexpr uint32_t kPdeMatters = B::kFrame | B::kPresent | B::kWritable | B::kUser | B::kPageSize;
constexpr uint32_t kPteMatters = B::kFrame | B::kPresent | B::kWritable | B::kUser;

// The constructor's precondition (see Mmu::Mmu in mmu.h): a geometry that fails validate() would
// index outside the TLB, so it stops here, before any entry exists.
unsigned checkedSets(const TlbGeometry& g) {
  std::string error;
  if (!g.validate(error)) {
    std::fprintf(stderr, "mmu: TLB geometry %ux%u: %s\n", g.sets, g.ways, error.c_str());
    std::abort();
  }
  return g.sets;
}

bool overlaps(uint32_t word, uint32_t pa, unsigned size) {
  return uint64_t{pa} < uint64_t{word} + 4 && uint64_t{word} < uint64_t{pa} + size;
}

}  // namespace

bool TlbGeometry::validate(std::string& error) const {
  if (sets == 0 || sets > 4096 || (sets & (sets - 1)) != 0) {
    error = "sets must be a power of two from 1 to 4096";
    return false;
  }
  if (ways == 0 || ways > 64) {
    error = "ways must be 1 to 64";
    return false;
  }
  return true;
}

Mmu::Mmu(PhysMemory& mem, TlbGeometry geometry)
    : mem_(mem),
      geometry_(geometry),
      split_(geometry.split),
      dtlb_(checkedSets(geometry), geometry.ways),
      itlb_(geometry.split ? geometry.sets : 1, geometry.split ? geometry.ways : 1) {
  current_ = &perSpace_[0];
  clearHost();
}

void Mmu::setCycleCounter(uint64_t* cycles) {
  cycles_ = cycles != nullptr ? cycles : &ownCycles_;
}
void Mmu::setInstructionPointer(const uint32_t* eip) {
  eip_ = eip != nullptr ? eip : &noEip_;
}
void Mmu::setObserver(MmuObserver* observer) {
  observer_ = observer;
}

uint32_t Mmu::cr0() const {
  return cr0_;
}
uint32_t Mmu::cr3() const {
  return cr3_;
}
uint32_t Mmu::cr4() const {
  return cr4_;
}

// Host hits are counted with one increment on the hot path and added to the stats here, before
// anything that changes which address space they belong to (or whether paging is on at all: with
// CR0.PG=0 there is no TLB and host hits are not TLB hits).
void Mmu::foldHostHits() {
  if (hostHits_ != 0 && paging()) count(&MmuStats::tlbHits, hostHits_);
  hostHits_ = 0;
}

void Mmu::countFlush(FlushKind kind, uint32_t dropped) {
  const auto k = static_cast<size_t>(kind);
  ++run_.flushes[k];
  ++current_->flushes[k];
  run_.flushDropped[k] += dropped;
  current_->flushDropped[k] += dropped;
}

// Changing CR0.PG or CR0.WP changes every translation (or whether there are any), so the whole
// TLB goes (SDM vol. 3A 4.10.4.1).
void Mmu::writeCr0(uint32_t value) {
  const uint32_t changed = cr0_ ^ value;
  foldHostHits();
  cr0_ = value;
  if (changed & (kCr0Pg | kCr0Wp)) {
    check_.flushAll();
    const unsigned dropped = flushAll();
    countFlush(FlushKind::kCr0, dropped);
    if (observer_) observer_->onTlbFlush({FlushKind::kCr0, 0, dropped});
  }
}

// MOV to CR3 drops every entry except global ones under CR4.PGE=1 (SDM vol. 3A 4.10.4.1).
void Mmu::writeCr3(uint32_t value) {
  foldHostHits();
  const uint32_t old = cr3_;
  cr3_ = value;
  // The flush checker keeps each address space's translations across switches; a reload of the
  // current page directory is the flush a kernel makes on purpose (flush_check.h).
  if (((old ^ value) & B::kFrame) == 0) check_.reload(space());
  const bool keepGlobal = (cr4_ & kCr4Pge) != 0;
  unsigned dropped = 0;
  for (Tlb* t : {&dtlb_, &itlb_}) {
    if (t == &itlb_ && !split_) break;
    for (unsigned i = 0; i < t->capacity(); ++i) {
      TlbEntry& e = t->at(i);
      if (e.valid && !(keepGlobal && e.global)) {
        dropEntry(e);
        ++dropped;
      }
    }
  }
  sweepWatches();
  countFlush(FlushKind::kCr3Write, dropped);
  if (observer_) {
    observer_->onCr3Write({old, value});
    observer_->onTlbFlush({FlushKind::kCr3Write, 0, dropped});
  }
  current_ = &perSpace_[value & B::kFrame];
}

// Changing CR4.PSE or CR4.PGE drops everything (SDM vol. 3A 4.10.4.1).
void Mmu::writeCr4(uint32_t value) {
  const uint32_t changed = cr4_ ^ value;
  cr4_ = value;
  if (changed & (kCr4Pse | kCr4Pge)) {
    foldHostHits();
    check_.flushAll();
    const unsigned dropped = flushAll();
    countFlush(FlushKind::kCr4, dropped);
    if (observer_) observer_->onTlbFlush({FlushKind::kCr4, 0, dropped});
  }
}

// INVLPG drops the entries for the page holding `linear`, global or not, 4 MB entries covering it
// included, in every way and in both TLBs (SDM vol. 3A INVLPG; 4.10.4.1).
void Mmu::invlpg(uint32_t linear) {
  check_.invlpg(space(), linear);
  unsigned dropped = dropPage(dtlb_, linear);
  if (split_) dropped += dropPage(itlb_, linear);
  countFlush(FlushKind::kInvlpg, dropped);
  if (observer_) observer_->onTlbFlush({FlushKind::kInvlpg, linear & ~kPageMask, dropped});
}

unsigned Mmu::dropPage(Tlb& tlb, uint32_t linear) {
  unsigned dropped = 0;
  while (TlbEntry* e = tlb.lookup(linear)) {  // at most one 4 KB and one 4 MB entry
    dropEntry(*e);
    ++dropped;
  }
  return dropped;
}

unsigned Mmu::flushAll() {
  unsigned dropped = 0;
  for (Tlb* t : {&dtlb_, &itlb_}) {
    if (t == &itlb_ && !split_) break;
    for (unsigned i = 0; i < t->capacity(); ++i) {
      TlbEntry& e = t->at(i);
      if (!e.valid) continue;
      unwatchWord(e.walk.pdeAddr);
      if (!e.large) unwatchWord(e.walk.pteAddr);
      e = TlbEntry{};
      ++dropped;
    }
  }
  clearHost();
  sweepWatches();
  return dropped;
}

void Mmu::dropEntry(TlbEntry& e) {
  unwatchWord(e.walk.pdeAddr);
  if (!e.large) unwatchWord(e.walk.pteAddr);
  dropHostRange(e.pageBase, e.size());
  e = TlbEntry{};
}

// A #PF: counted and published (its delivery is charged by the CPU). SDM vol. 3A 4.10.4.1: a page
// fault invalidates the TLB entries for the faulting page, so the handler's fix is seen on the
// retry; nothing else changes (no fill, no accessed/dirty bit).
Fault Mmu::raise(uint32_t linear, Access access, uint32_t errorCode, const WalkTrace& walk) {
  ++run_.pageFaults[errorCode & 7];
  ++current_->pageFaults[errorCode & 7];
  if (errorCode & ErrorCode::kReserved) count(&MmuStats::reservedFaults);
  dropPage(dtlb_, linear);
  if (split_) dropPage(itlb_, linear);
  check_.pageFault(space(), linear);
  if (observer_) observer_->onPageFault({linear, errorCode, cr3_, access, walk});
  return {linear, errorCode};
}

// Write back the accessed/dirty bits a successful walk asked for, as the processor's own locked
// read-modify-writes (SDM vol. 3A 4.8). They bypass notePhysWrite: A/D changes never make an entry
// stale.
void Mmu::commit(const Translation& t) {
  if (t.pdeNew != t.walk.pde) {
    mem_.write(t.walk.pdeAddr, t.pdeNew, 4);
    charge(cost::kAdWriteBack);
  }
  if (!t.large && t.pteNew != t.walk.pte) {
    mem_.write(t.walk.pteAddr, t.pteNew, 4);
    charge(cost::kAdWriteBack);
  }
}

// A walk ended in a fault: under the lab's flush rule the checker keeps what a protection fault's
// walk found (flush_check.h), then the fault is raised.
Fault Mmu::raiseWalked(uint32_t linear, Access access, const WalkResult& r) {
  if ((r.errorCode & ErrorCode::kPresent) && !(r.errorCode & ErrorCode::kReserved)) {
    const uint32_t leaf = r.walk.large ? r.walk.pde : r.walk.pte;
    check_.faultWalk(space(), linear, r.walk, (leaf & B::kGlobal) && (cr4_ & kCr4Pge));
  }
  return raise(linear, access, r.errorCode, r.walk);
}

// Every translation the TLB takes, the flush checker's shadow takes too.
TlbEntry& Mmu::fill(Tlb& tlb, const Translation& t) {
  check_.filled(space(), t, t.global && (cr4_ & kCr4Pge));
  const unsigned set = t.large ? tlb.largeSet(t.pageBase) : tlb.smallSet(t.pageBase);
  TlbEntry& e = tlb.at(set, tlb.victim(set));
  if (e.valid) {
    dropEntry(e);
    count(&MmuStats::evictions);
  }
  e.valid = true;
  e.large = t.large;
  e.pageBase = t.pageBase;
  e.frame = t.frame;
  e.user = t.user;
  e.writable = t.writable;
  e.global = t.global;
  e.dirty = t.dirty;
  e.walk = t.walk;
  e.walk.pde = t.pdeNew;
  if (!t.large) e.walk.pte = t.pteNew;
  watchWord(e.walk.pdeAddr);
  if (!e.large) watchWord(e.walk.pteAddr);
  return e;
}

// A stale use is the first use of a stale entry after each change of the word behind it: what
// the StaleTlbUse event reports, the trace's `stale` records and every count of them.
void Mmu::noteStaleUse(TlbEntry& e, uint32_t linear, Access access) {
  if (e.stalePublished) return;
  e.stalePublished = true;
  count(&MmuStats::staleUses);
  if (observer_) {
    observer_->onStaleTlbUse({linear, access, e.staleWordAddr, e.staleCached,
                              readPagingWord(mem_, e.staleWordAddr, true), e.frame});
  }
}

std::optional<Fault> Mmu::translate(uint32_t linear, Access access, bool user, uint32_t& phys) {
  if (!paging()) {
    phys = linear;
    fillHost(nullptr, nullptr, linear, user);
    return std::nullopt;
  }
  if (check_.anyStale()) checkUse(linear, access);
  Tlb& tlb = tlbFor(access);
  const PagingControl ctl = control();
  TlbEntry* e = tlb.lookup(linear);
  if (e != nullptr) {
    count(&MmuStats::tlbHits);
    if (!accessAllowed(e->user, e->writable, access, user, ctl.wp)) {
      if (e->stale) noteStaleUse(*e, linear, access);  // the stale permissions decided
      const WalkTrace walk = e->walk;
      return raise(linear, access, ErrorCode::kPresent | accessErrorBits(access, user), walk);
    }
    if (access != Access::kWrite || e->dirty) {
      if (e->stale) noteStaleUse(*e, linear, access);
    } else {
      // A write through an entry filled without D: the processor walks again to set D in the
      // leaf (SDM vol. 3A 4.8), and the walk checks the tables as they are now.
      count(&MmuStats::walks);
      charge(cost::kTlbMiss);
      const WalkResult r = walk(mem_, cr3_, linear, access, user, ctl);
      if (!r.translation) return raiseWalked(linear, access, r);
      commit(*r.translation);
      dropEntry(*e);
      e = &fill(tlb, *r.translation);
    }
  } else {
    count(&MmuStats::tlbMisses);
    count(&MmuStats::walks);
    charge(cost::kTlbMiss);
    const WalkResult r = walk(mem_, cr3_, linear, access, user, ctl);
    if (observer_) observer_->onTlbMiss({linear, access, user, r.walk, !r.translation});
    if (!r.translation) return raiseWalked(linear, access, r);
    commit(*r.translation);
    e = &fill(tlb, *r.translation);
  }
  phys = e->frame | (linear & (e->size() - 1));
  if (!e->stale && !check_.staleAt(space(), linear)) fillHost(&tlb, e, linear, user);
  return std::nullopt;
}

// Make host shortcuts for the page of `linear` at privilege `user`, for every kind of access the
// entry `e` of `tlb` (both nullptr: paging is off) serves without a side effect: reads and fetches
// from the TLB they are looked up in, writes only when D is already set. Never a write shortcut
// into a watched frame, never one into something that is not plain RAM.
void Mmu::fillHost(const Tlb* tlb, const TlbEntry* e, uint32_t linear, bool user) {
  const uint32_t physPage =
      e == nullptr ? (linear & ~kPageMask) : (e->frame | (linear & (e->size() - 1) & ~kPageMask));
  uint8_t* base = mem_.frame(physPage);
  if (base == nullptr) return;
  const uint32_t pfn = physPage >> 12;
  const unsigned slot = (linear >> 12) & (kHostSlots - 1);
  const unsigned u = user ? 1 : 0;
  const bool wp = (cr0_ & kCr0Wp) != 0;
  const bool inD = !split_ || tlb != &itlb_;
  const bool inI = !split_ || tlb == &itlb_;
  auto put = [&](unsigned table) { host_[table + u][slot] = {linear & ~kPageMask, pfn, base}; };
  bool slowData = false;
  for (unsigned k = 0; k < slowCount_; ++k) slowData |= slowPages_[k] == (linear & ~kPageMask);
  if (slowData) {
    if (inI && (e == nullptr || accessAllowed(e->user, e->writable, Access::kFetch, user, wp))) {
      put(kHostFetch);
    }
    return;
  }
  if (inD && (e == nullptr || accessAllowed(e->user, e->writable, Access::kRead, user, wp))) {
    put(kHostRead);
  }
  if (inI && (e == nullptr || accessAllowed(e->user, e->writable, Access::kFetch, user, wp))) {
    put(kHostFetch);
  }
  if (inD && !watchedByAny(pfn) &&
      (e == nullptr ||
       (e->dirty && accessAllowed(e->user, e->writable, Access::kWrite, user, wp)))) {
    put(kHostWrite);
  }
}

void Mmu::dropHostRange(uint32_t base, uint32_t size) {
  if (size == kPageSize) {
    const unsigned slot = (base >> 12) & (kHostSlots - 1);
    for (auto& table : host_) {
      if (table[slot].tag == base) table[slot].tag = kNoTag;
    }
    return;
  }
  for (auto& table : host_) {
    for (HostEntry& h : table) {
      if (h.tag != kNoTag && h.tag - base < size) h.tag = kNoTag;
    }
  }
}

void Mmu::clearHost() {
  for (auto& table : host_) table.fill(HostEntry{});
}

void Mmu::flushHostCache() {
  clearHost();
}

void Mmu::setSlowDataPages(const std::vector<uint32_t>& pages) {
  slowCount_ = 0;
  for (uint32_t p : pages) {
    if (slowCount_ < kMaxSlowPages) slowPages_[slowCount_++] = p & ~kPageMask;
  }
  // Shortcuts made before: dropped, to be made again (or not) by the next translate().
  clearHost();
}

// Page-table frames are reference-counted by the paging words of valid entries in them. A frame
// whose count drops to 0 stays watched until the next sweep (a CR3 load or a full flush), so a
// miss-heavy run does not unwatch and re-watch the page directory on every eviction. Watching a
// frame longer than needed only sends more stores through the slow path; it never hides one.
void Mmu::watchWord(uint32_t pa) {
  const uint32_t pfn = (pa >> 12) & 0xFFFFF;
  uint32_t& refs = ptRefs_[pfn];
  if ((refs & ~kListed) == 0) {
    if (!(refs & kListed)) {
      refs |= kListed;
      ptFrames_.push_back(pfn);
    }
    if (!(watch_[pfn] & kWatchPageTable)) watchFrame(pfn, kWatchPageTable);
  }
  ++refs;
}

void Mmu::unwatchWord(uint32_t pa) {
  uint32_t& refs = ptRefs_[(pa >> 12) & 0xFFFFF];
  if ((refs & ~kListed) > 0) --refs;
}

void Mmu::sweepWatches() {
  size_t kept = 0;
  for (uint32_t pfn : ptFrames_) {
    if ((ptRefs_[pfn] & ~kListed) == 0) {
      unwatchFrame(pfn, kWatchPageTable);
      ptRefs_[pfn] = 0;
    } else {
      ptFrames_[kept++] = pfn;
    }
  }
  ptFrames_.resize(kept);
}

void Mmu::watchFrame(uint32_t pfn, uint8_t reason) {
  pfn &= 0xFFFFF;
  const bool was = watch_[pfn] != 0;
  watch_[pfn] |= reason;
  if (was) return;
  if (peers_ == nullptr) {
    dropHostWrites(pfn);
  } else if (peers_->watchers_[pfn]++ == 0) {
    for (Mmu* m : peers_->members_) m->dropHostWrites(pfn);
  }
}

void Mmu::dropHostWrites(uint32_t pfn) {
  for (unsigned u = 0; u < 2; ++u) {
    for (HostEntry& h : host_[kHostWrite + u]) {
      if (h.tag != kNoTag && h.pfn == pfn) h.tag = kNoTag;
    }
  }
}

void Mmu::unwatchFrame(uint32_t pfn, uint8_t reason) {
  uint8_t& w = watch_[pfn & 0xFFFFF];
  if (w == 0) return;
  w &= ~reason;
  if (w == 0 && peers_ != nullptr) --peers_->watchers_[pfn & 0xFFFFF];
}

Mmu::State Mmu::state() const {
  State s;
  s.dtlb = dtlb_;
  s.itlb = itlb_;
  s.cr0 = cr0_;
  s.cr3 = cr3_;
  s.cr4 = cr4_;
  s.hostHits = hostHits_;
  s.run = run_;
  s.perSpace = perSpace_;
  for (uint32_t pfn : ptFrames_) s.ptFrames.emplace_back(pfn, ptRefs_[pfn]);
  s.check = check_.state();
  for (const auto& table : host_) {
    for (const HostEntry& h : table) s.host.emplace_back(h.tag, h.pfn);
  }
  return s;
}

void Mmu::setState(const State& s) {
  // The watches of now go, those of the snapshot come back: every listed page-table frame is
  // watched (with a count of 0 too, until the next sweep), and each frame behind the checker's
  // shadow.
  for (uint32_t pfn : ptFrames_) {
    unwatchFrame(pfn, kWatchPageTable);
    ptRefs_[pfn] = 0;
  }
  for (uint32_t pfn : check_.frames()) unwatchFrame(pfn, kWatchFlushCheck);
  dtlb_ = s.dtlb;
  itlb_ = s.itlb;
  cr0_ = s.cr0;
  cr3_ = s.cr3;
  cr4_ = s.cr4;
  hostHits_ = s.hostHits;
  run_ = s.run;
  perSpace_ = s.perSpace;
  current_ = &perSpace_[cr3_ & PagingBits::kFrame];
  ptFrames_.clear();
  for (const auto& [pfn, refs] : s.ptFrames) {
    ptFrames_.push_back(pfn);
    ptRefs_[pfn] = refs;
    watchFrame(pfn, kWatchPageTable);
  }
  check_.setState(s.check);
  for (uint32_t pfn : check_.frames()) watchFrame(pfn, kWatchFlushCheck);
  clearHost();
  // The shortcuts of then, but none for data on a slow page and no write into a watched frame.
  for (unsigned t = 0; t < host_.size(); ++t) {
    for (unsigned k = 0; k < kHostSlots && t * kHostSlots + k < s.host.size(); ++k) {
      const auto& [tag, pfn] = s.host[t * kHostSlots + k];
      if (tag == kNoTag) continue;
      bool data = t < kHostFetch;
      bool slow = false;
      for (unsigned i = 0; i < slowCount_; ++i) slow |= slowPages_[i] == tag;
      if ((data && slow) || (t >= kHostWrite && t < kHostFetch && watchedByAny(pfn))) continue;
      if (uint8_t* base = mem_.frame(pfn << 12)) host_[t][k] = {tag, pfn, base};
    }
  }
}

void Mmu::joinPeers(MmuPeers& peers, unsigned processor) {
  peers_ = &peers;
  processor_ = processor;
  peers.members_.push_back(this);
  check_.setProcessor(processor);
}

uint8_t Mmu::watched(uint32_t pfn) const {
  return watch_[pfn & 0xFFFFF];
}

// The stale-TLB detector. A store to a frame holding paging words of valid entries: compare each
// such word with what the entry was filled from; if a bit that matters differs, the entry is
// stale until a flush drops it (or the word changes back). Its host shortcuts go, so every use
// comes through translate() and is counted.
void Mmu::notePhysWrite(uint32_t pa, unsigned size) {
  noteWrite(pa, size, *cycles_, *eip_, processor_);
  // Other processors watching the frame see the store too (MmuPeers).
  const uint32_t pfn = (pa >> 12) & 0xFFFFF;
  if (peers_ != nullptr && peers_->watchers_[pfn] > (watch_[pfn] != 0 ? 1 : 0)) {
    for (Mmu* m : peers_->members_) {
      if (m != this && m->watch_[pfn] != 0) m->noteWrite(pa, size, *cycles_, *eip_, processor_);
    }
  }
}

void Mmu::noteWrite(uint32_t pa, unsigned size, uint64_t cycle, uint32_t eip, unsigned writer) {
  const uint8_t reasons = watch_[(pa >> 12) & 0xFFFFF];
  if (reasons & kWatchFlushCheck) {
    check_.stored(space(), pa, size, cycle, eip, writer,
                  [this](uint32_t word) { return readPagingWord(mem_, word, true); });
  }
  if (!(reasons & kWatchPageTable)) return;
  for (Tlb* t : {&dtlb_, &itlb_}) {
    if (t == &itlb_ && !split_) break;
    for (unsigned i = 0; i < t->capacity(); ++i) {
      TlbEntry& e = t->at(i);
      if (!e.valid) continue;
      checkWord(e, e.walk.pdeAddr, e.walk.pde, kPdeMatters, pa, size);
      if (!e.large) checkWord(e, e.walk.pteAddr, e.walk.pte, kPteMatters, pa, size);
    }
  }
}

void Mmu::checkWord(TlbEntry& e, uint32_t wordAddr, uint32_t cached, uint32_t mask, uint32_t pa,
                    unsigned size) {
  if (!overlaps(wordAddr, pa, size)) return;
  const uint32_t now = readPagingWord(mem_, wordAddr, true);
  if (((now ^ cached) & mask) == 0) {
    if (e.stale && e.staleWordAddr == wordAddr) e.stale = false;  // changed back
    return;
  }
  if (!e.stale || e.staleWordAddr != wordAddr || e.staleSeen != now) {
    e.stale = true;
    e.stalePublished = false;  // a new change: publish again on the next use
    e.staleWordAddr = wordAddr;
    e.staleCached = cached;
    e.staleSeen = now;
  }
  dropHostRange(e.pageBase, e.size());
}

// ---- The flush checker's reports ------------------------------------------------------------

void Mmu::checkUse(uint32_t linear, Access access) {
  const MissingFlush* report = nullptr;
  if (!check_.used(space(), linear, access, report)) return;
  count(&MmuStats::missingFlushUses);
  if (report != nullptr) publish(*report);
}

void Mmu::returnedToUser(uint32_t eip) {
  if (!paging() || !check_.anyStale()) return;
  for (const MissingFlush& m : check_.returnedToUser(space(), eip)) publish(m);
}

void Mmu::publish(const MissingFlush& m) {
  count(&MmuStats::missingFlushes);
  if (observer_) observer_->onMissingFlush(m);
}

// ---- Tools --------------------------------------------------------------------------------------

WalkResult Mmu::probeTables(uint32_t cr3, uint32_t linear, Access access, bool user) const {
  return walk(mem_, cr3, linear, access, user, control(), true);
}

ProbeResult Mmu::probe(uint32_t cr3, uint32_t linear, Access access, bool user) const {
  ProbeResult p;
  const bool current = cr3 == cr3_;
  if (current && !paging()) {
    p.paging = false;
    p.physical = linear;
    return p;
  }
  if (current) {
    const Tlb& tlb = tlbFor(access);
    const TlbEntry* e = tlb.lookup(linear);
    if (e != nullptr) {
      p.walk = e->walk;
      if (!accessAllowed(e->user, e->writable, access, user, control().wp)) {
        p.fromTlb = true;
        p.stale = e->stale;
        p.fault = Fault{linear, ErrorCode::kPresent | accessErrorBits(access, user)};
        return p;
      }
      if (!(access == Access::kWrite && !e->dirty)) {  // else the access would walk again
        p.fromTlb = true;
        p.stale = e->stale;
        Translation& t = p.translation;
        t.pageBase = e->pageBase;
        t.frame = e->frame;
        t.large = e->large;
        t.user = e->user;
        t.writable = e->writable;
        t.global = e->global;
        t.dirty = e->dirty;
        t.walk = e->walk;
        t.pdeNew = e->walk.pde;
        t.pteNew = e->walk.pte;
        p.physical = t.physical(linear);
        return p;
      }
    }
  }
  const WalkResult r = probeTables(cr3, linear, access, user);
  p.walk = r.walk;
  if (!r.translation) {
    p.fault = Fault{linear, r.errorCode};
    return p;
  }
  p.translation = *r.translation;
  p.physical = r.translation->physical(linear);
  return p;
}

const Tlb& Mmu::tlb(bool instruction) const {
  return instruction && split_ ? itlb_ : dtlb_;
}

MmuStats Mmu::stats() const {
  MmuStats s = run_;
  if (paging()) s.tlbHits += hostHits_;
  return s;
}

std::map<uint32_t, MmuStats> Mmu::statsByAddressSpace() const {
  std::map<uint32_t, MmuStats> m = perSpace_;
  if (paging()) m[cr3_ & B::kFrame].tlbHits += hostHits_;
  return m;
}

}  // namespace mmu
