// The tracer's processes: each address space gets an id (asid) for its lifetime, a parent, the
// asid it was exec'd from, and where the kernel's symbols name its process table, the kernel's
// pid and name.
//
// A CR3 load shows a page directory. It is the address space last seen there unless the frame
// now serves another one:
//   - the process there made the exit system call (its directory is freed after it stops);
//   - the kernel's process table (xv6's `ptable`, read through side-effect-free probes) gives
//     that directory to another pid;
//   - a user PDE that was present names another page-table frame (the directory was rebuilt;
//     a live process's user PDEs only ever gain tables);
//   - the process that runs in it is in exec, which loads the directory it built.
// A new address space loaded while a fork is in progress is that fork's child: the process
// table's parent pointer says whose, or else the oldest fork whose child has not appeared. The
// child's first return to user mode, at the instruction after the parent's `int`, is its fork's
// `sysret` (result 0): it comes back through the scheduler, never through the call's own return.
// Everything the tracer follows per address space (the open system call, the last fault for the
// repeat count, pending faults, counters) belongs to the asid, so a freed directory reused by
// the next process starts clean.
#include <algorithm>
#include <cstring>

#include "emu/trace/tracer.h"

namespace trace {

namespace {
constexpr uint32_t kFrameMask = mmu::PagingBits::kFrame;
constexpr uint32_t kUserPdes = 512;  // user addresses below 0x80000000 (xv6's KERNBASE)

// struct proc, as MIT's xv6-public (proc.h) and this project's guest (guest/kernel/proc.h) both
// lay it out: sz 0, pgdir 4, kstack 8, state 12, pid 16, parent 20, ..., name[16] 108.
constexpr uint32_t kProcPgdir = 4, kProcState = 12, kProcPid = 16, kProcParent = 20;
constexpr uint32_t kProcName = 108, kProcNameSize = 16;
constexpr uint32_t kProcMin = kProcName + kProcNameSize;  // bytes the fields above need
// enum procstate { UNUSED, EMBRYO, SLEEPING, RUNNABLE, RUNNING, ZOMBIE }: a slot in use.
constexpr uint32_t kEmbryo = 1, kZombie = 5;

uint32_t word(const std::vector<uint8_t>& b, uint32_t at) {
  uint32_t w;
  std::memcpy(&w, b.data() + at, 4);
  return w;
}
}  // namespace

uint32_t Tracer::asidOf(uint32_t cr3) const {
  auto it = liveSpaces_.find(cr3 & kFrameMask);
  return it == liveSpaces_.end() ? 0 : it->second;
}

void Tracer::stamp(Record& r) const {
  r.asid = asidOf(r.ctx.cr3);
  if (r.asid == 0) return;
  const Process& p = processes_[r.asid - 1];
  r.pid = p.pid;
  r.parent = p.parent;
}

std::string Tracer::callName(uint32_t number) const {
  return info_ == nullptr ? std::string() : info_->syscallName(number);
}

bool Tracer::readKernel(uint32_t va, void* out, uint32_t size) const {
  uint8_t* to = static_cast<uint8_t*>(out);
  while (size > 0) {
    mmu::WalkResult w = currentMmu().probeTables(currentMmu().cr3(), va, mmu::Access::kRead, false);
    if (!w.translation) return false;
    uint32_t pa = w.translation->physical(va);
    uint8_t* f = mem_.frame(pa);  // plain RAM only
    if (f == nullptr) return false;
    uint32_t room = mmu::kPageSize - (pa & mmu::kPageMask);
    uint32_t take = std::min(room, size);
    std::memcpy(to, f + (pa & mmu::kPageMask), take);
    to += take;
    va += take;
    size -= take;
  }
  return true;
}

// The slot of the kernel's process table whose pgdir is `pd` (a kernel virtual address: the
// table's own high bits give the kernel's base), found by its pgdir field and checked by its
// state and pid, so the table's stride (which differs between kernels) need not be known.
std::optional<Tracer::KernelProc> Tracer::kernelProc(uint32_t pd) {
  if (symbols_ == nullptr) return std::nullopt;
  std::optional<SymbolTable::Symbol> table = symbols_->find("ptable");
  if (!table || table->end <= table->start || table->end - table->start > 0x40000) {
    return std::nullopt;
  }
  procTable_ = true;
  uint32_t size = table->end - table->start;
  procBuffer_.resize(size);
  if (!readKernel(table->start, procBuffer_.data(), size)) return std::nullopt;
  const std::vector<uint8_t>& b = procBuffer_;
  const uint32_t kernelBase = table->start & 0xF0000000u;
  const uint32_t want = kernelBase + pd;
  for (uint32_t at = kProcPgdir; at + kProcMin - kProcPgdir <= size; at += 4) {
    if (word(b, at) != want) continue;
    uint32_t slot = at - kProcPgdir;
    uint32_t state = word(b, slot + kProcState);
    int32_t pid = static_cast<int32_t>(word(b, slot + kProcPid));
    if (state < kEmbryo || state > kZombie || pid <= 0) continue;
    KernelProc p;
    p.pid = pid;
    const char* name = reinterpret_cast<const char*>(b.data() + slot + kProcName);
    p.name.assign(name, strnlen(name, kProcNameSize));
    uint32_t parent = word(b, slot + kProcParent);
    if (parent >= table->start && parent - table->start + kProcMin <= size) {
      int32_t ppid = static_cast<int32_t>(word(b, parent - table->start + kProcPid));
      if (ppid > 0) p.parentPid = ppid;
    }
    return p;
  }
  return std::nullopt;
}

bool Tracer::rebuilt(uint32_t pd, SpaceState& s) {
  const uint8_t* f = mem_.frame(pd);
  if (f == nullptr) return false;
  bool changed = false;
  if (s.userTables.empty()) s.userTables.assign(kUserPdes, 0);
  for (uint32_t i = 0; i < kUserPdes; ++i) {
    uint32_t pde;
    std::memcpy(&pde, f + 4 * i, 4);
    if (!(pde & mmu::PagingBits::kPresent)) continue;
    uint32_t table = (pde & mmu::PagingBits::kPageSize) ? (pde & mmu::PagingBits::kLargeFrame) | 1
                                                        : (pde & kFrameMask);
    if (s.userTables[i] != 0 && s.userTables[i] != table) changed = true;
    s.userTables[i] = table;
  }
  return changed;
}

uint32_t Tracer::newSpace(uint32_t pd, uint32_t parent, uint32_t execFrom, const KernelProc* kp) {
  auto live = liveSpaces_.find(pd);
  if (live != liveSpaces_.end()) endSpace(live->second);
  Process p;
  p.asid = static_cast<uint32_t>(processes_.size() + 1);
  p.pageDirectory = pd;
  p.parent = parent;
  p.execFrom = execFrom;
  p.firstCycle = events_.context().cycle;
  if (kp != nullptr) {
    p.pid = kp->pid;
    p.name = kp->name;
  }
  processes_.push_back(p);
  spaces_.emplace_back();
  rebuilt(pd, spaces_.back());  // the tables it starts with
  liveSpaces_[pd] = p.asid;
  return p.asid;
}

// The address space is over: its page directory serves another now (or will). Its pending
// faults never completed.
void Tracer::endSpace(uint32_t asid) {
  Process& p = processes_[asid - 1];
  p.ended = true;
  auto live = liveSpaces_.find(p.pageDirectory);
  if (live != liveSpaces_.end() && live->second == asid) liveSpaces_.erase(live);
  emu::EventContext ctx = events_.context();
  for (size_t i = 0; i < pending_.size();) {
    if (pending_[i].fault.asid == asid) {
      resolve(i, ctx, false, true);
    } else {
      ++i;
    }
  }
  forks_.erase(std::remove_if(forks_.begin(), forks_.end(),
                              [asid](const Fork& f) { return f.parent == asid; }),
               forks_.end());
}

void Tracer::leftUser(const emu::EventContext& ctx) {
  if (ctx.cpl != 3) return;
  if (uint32_t asid = asidOf(ctx.cr3)) state(asid).lastUserEip = ctx.eip;
}

// Without the kernel's process table, a directory freed by a killed process (no exit call) and
// rebuilt with the same tables looks like the same address space until its new process returns
// to user mode: at the instruction after a fork's INT whose child has not appeared, with EAX 0,
// where this address space did not last leave user mode and with no call of its own open there.
uint32_t Tracer::forkChildIn(uint32_t asid, const emu::ReturnEvent& e) {
  if (procTable_) return 0;  // the process table said whose the directory is at its load
  SpaceState& s = state(asid);
  if (!s.enteredUser || e.eax != 0 || s.lastUserEip == e.eip) return 0;
  if (s.call && s.call->returnEip == e.eip) return 0;
  auto f = std::find_if(forks_.begin(), forks_.end(),
                        [&](const Fork& k) { return k.call.returnEip == e.eip; });
  if (f == forks_.end()) return 0;
  Fork fork = *f;
  forks_.erase(f);
  uint32_t child = newSpace(processes_[asid - 1].pageDirectory, fork.parent, 0, nullptr);
  state(child).forkReturn = fork.call;
  return child;
}

void Tracer::loaded(uint32_t cr3, uint32_t fromCr3) {
  const uint32_t pd = cr3 & kFrameMask;
  const uint32_t from = asidOf(fromCr3);
  std::optional<KernelProc> kp = kernelProc(pd);
  uint32_t asid = asidOf(pd);
  bool fresh = asid == 0 || processes_[asid - 1].ended;
  if (!fresh && kp) {
    Process& p = processes_[asid - 1];
    if (p.pid >= 0 && p.pid != kp->pid) fresh = true;
  }
  if (!fresh && (!kp || processes_[asid - 1].pid < 0) && rebuilt(pd, state(asid))) fresh = true;

  // exec: the running process loads a directory it built. The process table says so (the same
  // pid in another directory: also the kernel's own exec of the first program, which is no
  // system call); without it, an exec call is open and no live process has the directory.
  if (from != 0 && pd != (fromCr3 & kFrameMask)) {
    SpaceState& f = state(from);
    const Process& old = processes_[from - 1];
    bool execCall = f.call && callName(f.call->number) == "exec";
    bool exec = kp ? old.pid >= 0 && kp->pid == old.pid : execCall && fresh;
    if (exec) {
      std::optional<OpenCall> call = execCall ? f.call : std::nullopt;
      f.call.reset();
      uint32_t parent = old.parent;
      int32_t pid = old.pid;
      endSpace(from);
      uint32_t n = newSpace(pd, parent, from, kp ? &*kp : nullptr);
      if (!kp) processes_[n - 1].pid = pid;
      if (call) {
        state(n).call = call;  // exec returns where the new program starts
        state(n).callAnyEip = true;
      }
      nameSpace(cr3);
      return;
    }
  }

  if (fresh) {
    // A fork's child, when a fork is in progress: the process table names the parent; else the
    // oldest fork whose child has not appeared.
    uint32_t parent = 0;
    std::optional<OpenCall> forkCall;
    auto claim = forks_.end();
    if (kp && kp->parentPid > 0) {
      for (uint32_t i = static_cast<uint32_t>(processes_.size()); i-- > 0;) {
        if (processes_[i].pid == kp->parentPid && !processes_[i].ended) {
          parent = i + 1;
          break;
        }
      }
      claim = std::find_if(forks_.begin(), forks_.end(),
                           [parent](const Fork& f) { return f.parent == parent; });
    } else if (!kp && !forks_.empty()) {
      claim = forks_.begin();
      parent = claim->parent;
    }
    if (claim != forks_.end()) {
      forkCall = claim->call;
      forks_.erase(claim);
    }
    asid = newSpace(pd, parent, 0, kp ? &*kp : nullptr);
    state(asid).forkReturn = forkCall;
  } else if (kp) {
    Process& p = processes_[asid - 1];
    p.pid = kp->pid;
    p.name = kp->name;
  }
  nameSpace(cr3);
}

}  // namespace trace
