// The tracer. Page-fault resolution: a fault stays pending until the CPU is seen past it:
//   - its instruction walks the tables for the same page again and succeeds (the fault dropped
//     the TLB entry, Intel SDM vol. 3A 4.10.4.1, so the retry always misses unless something
//     refilled it): the walk shows the PTE afterwards;
//   - for a user-mode fault, the kernel's return to user mode in that address space (IRET to an
//     outer level): back to the faulting EIP with the tables now allowing the access, it is
//     resolved there; back to the faulting EIP with the access still refused, it will fault again
//     (a repeat); anywhere else, the instruction was abandoned: the process was killed and what
//     runs there now is another (a freed page directory reused);
//   - the same EIP faulting on the same CR2 again is a repeat, not a resolution; another fault of
//     the same address space at the same CPL settles it (its instruction got past it);
//   - at the end of the run whatever is left is resolved from the tables as they are: an access
//     that would still fault is a kill when the address space had been left, else unresolved.
// The PTE afterwards decides the words: another frame is a copy, the same frame with write
// permission added is "made writable", a not-present page now present is "mapped".
//
// System calls: INT n from CPL 3 opens a call in its address space, the return to user mode at
// the instruction after it closes it with EAX as the result (sysret). The call numbers are named
// from the kernel's `syscalls` table of function pointers (xv6's) when the symbols have it.
#include "emu/trace/tracer.h"

#include <algorithm>
#include <cstring>

namespace trace {

namespace {
constexpr uint32_t kFrameMask = mmu::PagingBits::kFrame;
constexpr uint8_t kPageFaultVector = 14;  // #PF
constexpr uint32_t bit(Kind k) {
  return 1u << static_cast<unsigned>(k);
}
constexpr uint32_t kDefaultRing =
    bit(Kind::kPageFault) | bit(Kind::kResolve) | bit(Kind::kTlbFlush) | bit(Kind::kCr3Write) |
    bit(Kind::kException) | bit(Kind::kInterrupt) | bit(Kind::kSyscall) | bit(Kind::kStaleTlbUse) |
    bit(Kind::kMissingFlush);

uint32_t leafOf(const mmu::WalkTrace& w) {
  return w.large || w.pteAddr == 0 ? w.pde : w.pte;
}
uint32_t frameOf(const mmu::WalkTrace& w) {
  uint32_t leaf = leafOf(w);
  if (!(leaf & mmu::PagingBits::kPresent)) return 0;
  return w.large ? (leaf & mmu::PagingBits::kLargeFrame) : (leaf & kFrameMask);
}
}  // namespace

Tracer::Tracer(emu::EventBus& events, const mmu::Mmu& mmu, mmu::PhysMemory& mem)
    : events_(events), mmu_(mmu), mem_(mem), ringKinds_(kDefaultRing) {}

void Tracer::setSink(Sink* sink, uint32_t kinds, const Filter* filter) {
  auto slot = std::find_if(sinks_.begin(), sinks_.end(),
                           [sink](const SinkSlot& s) { return s.sink == sink; });
  if (kinds == 0) {
    if (slot != sinks_.end()) sinks_.erase(slot);
  } else if (slot != sinks_.end()) {
    slot->kinds = kinds;
    slot->filter = filter;
  } else {
    sinks_.push_back(SinkSlot{sink, kinds, filter});
  }
  kinds_ = 0;
  for (const SinkSlot& s : sinks_) kinds_ |= s.kinds;
}

void Tracer::learn(GuestInfo* info, const SymbolTable* symbols, const Programs* programs) {
  info_ = info;
  symbols_ = symbols;
  programs_ = programs;
}

bool Tracer::attach() {
  if (!events_.attach(this)) return false;
  attached_ = true;
  return true;
}

void Tracer::detach() {
  if (!attached_) return;
  events_.detach(this);
  attached_ = false;
}

void Tracer::finish() {
  settle();
  if (finished_) return;
  finished_ = true;
  for (const SinkSlot& s : sinks_) s.sink->finish();
}

void Tracer::settle() {
  emu::EventContext ctx = events_.context();
  while (!pending_.empty()) resolve(0, ctx, true);
  nameSpace(currentMmu().cr3());
}

std::vector<Record> Tracer::recent() const {
  std::vector<Record> out;
  uint64_t n = ringCount_ < kRecent ? ringCount_ : kRecent;
  for (uint64_t i = ringCount_ - n; i < ringCount_; ++i) out.push_back(ring_[i % kRecent]);
  return out;
}

Record Tracer::start(Kind kind) {
  Record r;
  r.kind = kind;
  r.ctx = events_.context();
  readInstruction(r);
  stamp(r);
  return r;
}

void Tracer::readInstruction(Record& r) {
  r.code32 = r.ctx.code32;
  uint32_t linear = r.ctx.csBase + r.ctx.eip;
  unsigned n = 0;
  while (n < 15) {
    uint32_t at = linear + n;
    // As the kernel: right after an IRET to user mode the context is CPL 3 but the instruction
    // is still the kernel's. A probe for display needs no privilege check.
    mmu::ProbeResult p = currentMmu().probe(currentMmu().cr3(), at, mmu::Access::kFetch, false);
    if (p.fault) break;
    uint8_t* f = mem_.frame(p.physical);  // plain RAM only: reading a device could change it
    if (f == nullptr) break;
    unsigned room = mmu::kPageSize - (p.physical & mmu::kPageMask);
    unsigned take = room < 15 - n ? room : 15 - n;
    std::memcpy(r.bytes + n, f + (p.physical & mmu::kPageMask), take);
    n += take;
  }
  r.length = static_cast<uint8_t>(n);
}

void Tracer::emit(const Record& r) {
  if ((ringKinds_ >> static_cast<unsigned>(r.kind)) & 1) ring_[ringCount_++ % kRecent] = r;
  uint32_t b = bit(r.kind);
  if (!(kinds_ & b)) return;
  for (const SinkSlot& s : sinks_) {
    if ((s.kinds & b) && (!s.filter || s.filter->matches(r))) s.sink->write(r);
  }
}

void Tracer::userActivity(const emu::EventContext& ctx) {
  if (ctx.cpl != 3) return;
  for (const SinkSlot& s : sinks_) s.sink->userActivity(ctx);
}

// Resolve pending_[index] from the tables as they are now (see the top of this file).
void Tracer::resolve(size_t index, const emu::EventContext& ctx, bool runEnded, bool killed) {
  Pending p = pending_[index];
  pending_.erase(pending_.begin() + static_cast<long>(index));
  const Record& f = p.fault;
  Record r;
  r.kind = Kind::kResolve;
  r.ctx = ctx;
  if (runEnded) r.ctx = f.ctx;  // name the faulting instruction, not wherever the run stopped
  r.ctx.cycle = ctx.cycle;
  r.ctx.instructions = ctx.instructions;
  r.code32 = f.code32;
  r.length = f.length;
  std::memcpy(r.bytes, f.bytes, sizeof r.bytes);
  if (!runEnded) {
    r.ctx.eip = f.ctx.eip;
    r.ctx.cpl = f.ctx.cpl;
  }
  r.address = f.address;
  r.access = f.access;
  r.errorCode =
      f.errorCode;  // so that a filter's error-code classes select a fault's resolution too
  r.faultCycle = f.ctx.cycle;
  r.faultEip = f.ctx.eip;
  r.pteBefore = p.leafBefore;
  r.frameBefore = frameOf(f.walk);
  mmu::WalkResult w = currentMmu().probeTables(f.ctx.cr3, f.address, f.access, f.ctx.cpl == 3);
  r.pteAfter = leafOf(w.walk);
  r.frameAfter = frameOf(w.walk);
  if (killed) {
    r.resolution = Resolution::kKilled;
  } else if (!w.translation) {
    // Still faulting: the instruction never completed. At the end of the run that is a kill
    // when the address space had been left for good; in the address space still current it
    // was simply cut short.
    bool current = (currentMmu().cr3() & kFrameMask) == (f.ctx.cr3 & kFrameMask);
    r.resolution = runEnded && current ? Resolution::kUnresolved : Resolution::kKilled;
  } else if (!(p.leafBefore & mmu::PagingBits::kPresent)) {
    r.resolution = Resolution::kMapped;
  } else if (r.frameAfter != r.frameBefore) {
    r.resolution = Resolution::kCopied;
  } else if ((r.pteAfter & mmu::PagingBits::kWritable) &&
             !(p.leafBefore & mmu::PagingBits::kWritable)) {
    r.resolution = Resolution::kMadeWritable;
  } else {
    r.resolution = Resolution::kUnchanged;
  }
  r.asid = f.asid;
  r.pid = f.pid;
  r.parent = f.parent;
  count(
      r.ctx.cr3, [&](EventCounters& c) { ++c.resolutions[static_cast<unsigned>(r.resolution)]; },
      r.asid);
  // The instruction got past its fault, or was abandoned: a later fault there is a new one, not
  // a repeat.
  if (r.resolution != Resolution::kUnresolved && r.asid != 0) {
    LastFault& last = state(r.asid).lastFault;
    if (last.eip == f.ctx.eip && last.cr2 == f.address) last.count = 0;
  }
  emit(r);
}

// ---- events
// --------------------------------------------------------------------------------------

void Tracer::onPageFault(const mmu::PageFault& e) {
  Record r = start(Kind::kPageFault);
  r.address = e.cr2;
  r.errorCode = e.errorCode;
  r.access = e.access;
  r.walk = e.walk;
  r.tlbValid = currentMmu().tlb().validCount();
  count(
      e.cr3, [&](EventCounters& c) { ++c.pageFaults[e.errorCode & 7]; }, r.asid);
  leftUser(r.ctx);
  // A pending fault of this address space at the same EIP and CR2 repeats; any other pending
  // fault of this address space at the same CPL is settled: its instruction got past it.
  bool repeat = false;
  for (size_t i = 0; i < pending_.size();) {
    const Record& f = pending_[i].fault;
    if (f.asid != r.asid || f.ctx.cpl != r.ctx.cpl) {
      ++i;
    } else if (f.ctx.eip == r.ctx.eip && f.address == e.cr2) {
      repeat = true;
      pending_.erase(pending_.begin() + static_cast<long>(i));
    } else {
      resolve(i, r.ctx, false);
    }
  }
  LastFault scratch;  // a fault before any address space was seen (paging off: none is)
  LastFault& last = r.asid != 0 ? state(r.asid).lastFault : scratch;
  if (repeat || (last.eip == r.ctx.eip && last.cr2 == e.cr2 && last.count > 0)) {
    ++last.count;
  } else {
    last = {r.ctx.eip, e.cr2, 1};
  }
  r.repeat = last.count;
  if (r.repeat > 1)
    count(
        r.ctx.cr3, [](EventCounters& c) { ++c.repeatFaults; }, r.asid);
  pending_.push_back({r, leafOf(e.walk)});
  if (pending_.size() > 64) resolve(0, r.ctx, false);  // bounded: a guest that never retries
  emit(r);
}

void Tracer::onTlbMiss(const mmu::TlbMiss& e) {
  emu::EventContext ctx = events_.context();
  if (!e.faulted) {
    uint32_t asid = asidOf(ctx.cr3);
    for (size_t i = 0; i < pending_.size(); ++i) {
      const Record& f = pending_[i].fault;
      if (f.ctx.eip == ctx.eip && f.asid == asid && f.ctx.cpl == ctx.cpl &&
          ((f.address ^ e.linear) & kFrameMask) == 0) {
        resolve(i, ctx, false);
        break;
      }
    }
  }
  userActivity(ctx);
  if (!wanted(Kind::kTlbMiss)) return;
  Record r = start(Kind::kTlbMiss);
  r.address = e.linear;
  r.access = e.access;
  r.walk = e.walk;
  r.faulted = e.faulted;
  emit(r);
}

void Tracer::onTlbFlush(const mmu::TlbFlush& e) {
  Record r = start(Kind::kTlbFlush);
  r.flushKind = e.kind;
  r.address = e.address;
  r.dropped = e.dropped;
  r.tlbValid = currentMmu().tlb().validCount();
  emit(r);
}

void Tracer::onCr3Write(const mmu::Cr3Write& e) {
  loaded(e.newCr3, e.oldCr3);
  count(e.newCr3, [](EventCounters& c) { ++c.cr3Writes; });
  Record r = start(Kind::kCr3Write);
  r.oldCr3 = e.oldCr3;
  r.address = e.newCr3;
  emit(r);
}

void Tracer::onStaleTlbUse(const mmu::StaleTlbUse& e) {
  count(events_.context().cr3, [](EventCounters& c) { ++c.staleUses; });
  Record r = start(Kind::kStaleTlbUse);
  r.address = e.linear;
  r.access = e.access;
  r.wordAddr = e.wordAddr;
  r.cachedPte = e.cachedPte;
  r.memoryPte = e.memoryPte;
  r.cachedFrame = e.cachedFrame;
  userActivity(r.ctx);
  emit(r);
}

void Tracer::onMissingFlush(const mmu::MissingFlush& e) {
  count(events_.context().cr3, [](EventCounters& c) { ++c.missingFlushes; });
  Record r = start(Kind::kMissingFlush);
  r.address = e.page;
  r.large = e.large;
  r.access = e.access;
  r.wordAddr = e.wordAddr;
  r.cachedPte = e.before;
  r.memoryPte = e.after;
  r.writeCycle = e.writeCycle;
  r.writeEip = e.writeEip;
  r.writerCpu = e.writer;
  r.atReturn = e.atReturn;
  r.useAddress = e.linear;
  r.translations = e.translations;
  emit(r);
}

void Tracer::onException(const emu::ExceptionEvent& e) {
  count(events_.context().cr3, [&](EventCounters& c) { ++c.exceptions[e.vector]; });
  leftUser(events_.context());
  if (e.vector == kPageFaultVector) return;  // the page fault event said it all
  Record r = start(Kind::kException);
  r.ctx.eip = e.eip;
  r.vector = e.vector;
  r.hasError = e.hasErrorCode;
  r.errorCode = e.errorCode;
  emit(r);
}

void Tracer::onInterrupt(const emu::InterruptEvent& e) {
  if (!e.external) {
    count(events_.context().cr3, [&](EventCounters& c) { ++c.softwareInts[e.vector]; });
    leftUser(events_.context());
    return;  // INT n: a system call (sys) when made from user mode
  }
  count(events_.context().cr3, [&](EventCounters& c) { ++c.interrupts[e.vector]; });
  leftUser(events_.context());
  Record r = start(Kind::kInterrupt);
  r.vector = e.vector;
  r.external = true;
  userActivity(r.ctx);
  emit(r);
}

void Tracer::onSyscall(const emu::SyscallEvent& e) {
  count(events_.context().cr3, [](EventCounters& c) { ++c.syscalls; });
  if (!syscallTableRead_) readSyscallTable();
  Record r = start(Kind::kSyscall);
  r.vector = e.vector;
  r.eax = e.eax;
  leftUser(r.ctx);
  if (r.asid != 0) {
    // INT imm8 is two bytes: the call returns to the instruction after it.
    OpenCall call{e.eax, r.ctx.eip + 2, e.vector};
    SpaceState& s = state(r.asid);
    s.call = call;
    s.callAnyEip = false;
    std::string name = callName(e.eax);
    if (name == "fork") {
      forks_.push_back({r.asid, call});
      if (forks_.size() > 64) forks_.erase(forks_.begin());  // bounded: children never seen
    } else if (name == "exit") {
      // The process ends here; its page directory is freed after it stops running, and whatever
      // loads that frame next is a new address space.
      processes_[r.asid - 1].ended = true;
    }
  }
  emit(r);
}

void Tracer::onReturn(const emu::ReturnEvent& e) {
  emu::EventContext ctx = events_.context();  // CPL is the new one; EIP the IRET's
  uint32_t asid = asidOf(ctx.cr3);
  if (asid != 0 && e.cpl == 3) {
    if (uint32_t child = forkChildIn(asid, e)) asid = child;
    SpaceState& s = state(asid);
    if (s.call && (s.call->returnEip == e.eip || s.callAnyEip)) {
      OpenCall call = *s.call;
      s.call.reset();
      s.callAnyEip = false;
      sysReturn(ctx, e, call);
    } else if (!s.enteredUser && s.forkReturn && s.forkReturn->returnEip == e.eip) {
      // A fork's child comes back to user mode through the scheduler, not the system-call path:
      // its fork returns here (0, the child's result).
      sysReturn(ctx, e, *s.forkReturn);
    }
    s.forkReturn.reset();
    s.enteredUser = true;
  }
  for (size_t i = 0; i < pending_.size();) {
    const Record& f = pending_[i].fault;
    if (f.asid != asid || f.ctx.cpl != e.cpl) {
      ++i;
    } else if (f.ctx.eip != e.eip) {
      resolve(i, ctx, false, true);
    } else if (currentMmu()
                   .probeTables(f.ctx.cr3, f.address, f.access, f.ctx.cpl == 3)
                   .translation) {
      resolve(i, ctx, false);
    } else {
      ++i;  // back to an access that will fault again
    }
  }
  userActivity(ctx);
}

void Tracer::sysReturn(const emu::EventContext& ctx, const emu::ReturnEvent& e,
                       const OpenCall& call) {
  Record r;
  r.kind = Kind::kSysReturn;
  r.ctx = ctx;
  r.ctx.cpl = e.fromCpl;  // the IRET ran in the kernel: read its bytes as the kernel
  readInstruction(r);
  stamp(r);
  r.vector = call.vector;
  r.eax = call.number;
  r.value = e.eax;
  // A failed fork made no child: forget it.
  if (callName(call.number) == "fork" && static_cast<int32_t>(e.eax) < 0) {
    for (size_t i = forks_.size(); i-- > 0;) {
      if (forks_[i].parent == r.asid) {
        forks_.erase(forks_.begin() + static_cast<long>(i));
        break;
      }
    }
  }
  emit(r);
}

void Tracer::onHalt(const emu::HaltEvent& e) {
  if (!wanted(Kind::kHalt)) return;
  Record r = start(Kind::kHalt);
  r.interruptsOn = e.interruptsEnabled;
  emit(r);
}

// xv6's `static int (*syscalls[])(void)`: entry N points at the function of call N.
void Tracer::readSyscallTable() {
  syscallTableRead_ = true;
  if (info_ == nullptr || symbols_ == nullptr) return;
  std::optional<SymbolTable::Symbol> table = symbols_->find("syscalls");
  if (!table || table->end <= table->start) return;
  uint32_t entries = (table->end - table->start) / 4;
  for (uint32_t n = 0; n < entries && n < 1024; ++n) {
    mmu::ProbeResult p =
        currentMmu().probe(currentMmu().cr3(), table->start + 4 * n, mmu::Access::kRead, false);
    uint8_t* f = p.fault ? nullptr : mem_.frame(p.physical);
    if (f == nullptr || (p.physical & mmu::kPageMask) > mmu::kPageSize - 4) continue;
    uint32_t target;
    std::memcpy(&target, f + (p.physical & mmu::kPageMask), 4);
    const SymbolTable::Symbol* fn = target ? symbols_->lookup(target) : nullptr;
    if (fn == nullptr || fn->start != target) continue;
    std::string name = fn->name.rfind("sys_", 0) == 0 ? fn->name.substr(4) : fn->name;
    if (name == "getNumFreePages") info_->freePagesCall = n;
    info_->syscallNames[n] = name;
  }
}

// Names the address space `cr3` by the program it maps, appending to what ran there before;
// the process there takes that name unless the kernel's process table gave it one.
void Tracer::nameSpace(uint32_t cr3) {
  if (info_ == nullptr || programs_ == nullptr || programs_->empty()) return;
  std::string name = programs_->identify(currentMmu(), mem_, cr3);
  if (name.empty()) return;
  std::vector<std::string>& seen = info_->spaceNames[cr3 & kFrameMask];
  if (seen.empty() || seen.back() != name) seen.push_back(name);
  uint32_t asid = asidOf(cr3);
  if (asid != 0 && processes_[asid - 1].pid < 0) processes_[asid - 1].name = name;
}

void Tracer::onInstruction(const emu::InstructionEvent& e) {
  Record r;
  r.kind = Kind::kInsn;
  r.ctx = events_.context();
  r.ctx.eip = e.eip;
  r.ctx.cpl = e.cpl;
  r.code32 = r.ctx.code32;
  r.length = e.length;
  std::memcpy(r.bytes, e.bytes, e.length);
  stamp(r);
  emit(r);
}

void Tracer::onIo(const emu::IoEvent& e) {
  if (!e.assigned) ++(e.mmio ? counters_.unassignedMmio : counters_.unassignedPorts);
  if (!wanted(Kind::kIo)) return;
  Record r = start(Kind::kIo);
  r.address = e.address;
  r.value = e.value;
  r.size = e.size;
  r.write = e.write;
  r.mmio = e.mmio;
  r.assigned = e.assigned;
  emit(r);
}

}  // namespace trace
