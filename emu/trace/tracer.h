// The tracer: an emu::Observer that turns CPU, MMU and device events into records, follows each
// page fault to its resolution, counts what the run summary reports, keeps the last 32 events
// for a failing run, and hands the selected, filtered records to a sink.
//
// tracer.cpp defines: Tracer, RunCounters; processes.cpp defines the Tracer's address-space
// lifetimes (asids), their parents and the kernel's pids.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emu/events/events.h"
#include "emu/trace/filter.h"
#include "emu/trace/format.h"
#include "emu/trace/guest_info.h"
#include "emu/trace/programs.h"
#include "emu/trace/record.h"
#include "mmu/mmu.h"

namespace trace {

// What the tracer counts itself (the MMU counts hits, misses, flushes and faults), for the whole
// run and for each address space.
struct EventCounters {
  std::array<uint64_t, 256> exceptions{};    // by vector (#PF too)
  std::array<uint64_t, 8> pageFaults{};      // by error code & 7: P | W/R | U/S
  std::array<uint64_t, 256> interrupts{};    // external, by vector
  std::array<uint64_t, 256> softwareInts{};  // INT n (any CPL), by vector
  uint64_t syscalls = 0;
  uint64_t cr3Writes = 0;
  uint64_t repeatFaults = 0;  // faults that repeated the previous one at the same EIP and CR2
  // Uses of a stale TLB entry: the first use after each change of the word behind it (the
  // `stale` records; the MMU's staleUses counts the same).
  uint64_t staleUses = 0;
  // The flush checker's reports (`missing-flush` records; the MMU's missingFlushes counts the
  // same), in the address space current at the use or the return to user mode that found them.
  uint64_t missingFlushes = 0;
  std::array<uint64_t, xray86::kResolutions> resolutions{};  // by Resolution
};
struct RunCounters : EventCounters {
  uint64_t unassignedPorts = 0, unassignedMmio = 0;
  // By page-directory base (CR3 & ~0xFFF), counted where the event happened; a resolution counts
  // in the address space of its record. By process: Tracer::processes().
  std::map<uint32_t, EventCounters> bySpace;
};

// One address space for its lifetime: a process, from the CR3 load that first showed its page
// directory to the end of the run or the load that showed the directory's frame serving another
// (docs/trace.md, "Processes").
struct Process {
  uint32_t asid = 0;           // 1, 2, ... in the order the address spaces appeared
  uint32_t pageDirectory = 0;  // CR3 & ~0xFFF
  uint32_t parent = 0;         // the asid current in the fork that made it (0: none known)
  uint32_t execFrom = 0;       // the asid whose exec made it (0: not made by exec)
  int32_t pid = -1;            // the kernel's pid, from its process table (-1: unknown)
  std::string name;            // the kernel's name for it, else the program it runs ("" unknown)
  uint64_t firstCycle = 0;     // when it appeared
  bool ended = false;          // its directory was freed or serves another address space now
  EventCounters counters;      // what happened in it (RunCounters for the whole run)
};

// What a snapshot of the run holds of the tracer (docs/debug.md): its counters, the recent
// records, the faults not yet resolved, the address spaces, processes and forks it follows.
struct TracerState {
  static constexpr unsigned kRecent = 32;
  struct Pending {
    Record fault;
    uint32_t leafBefore;  // PTE (or 4 MB PDE) the fault saw
  };
  struct OpenCall {
    uint32_t number = 0, returnEip = 0;
    uint8_t vector = 0;
  };
  struct LastFault {
    uint32_t eip = 0, cr2 = 0, count = 0;
  };
  // What the tracer follows in each address space, by asid (beside processes_).
  struct SpaceState {
    LastFault lastFault;
    std::optional<OpenCall> call;  // the system call not yet returned
    bool callAnyEip = false;       // an exec's call: it returns wherever the new program starts
    bool enteredUser = false;      // has returned to user mode
    uint32_t lastUserEip = 0;      // where user mode last entered the kernel (trap or call)
    std::optional<OpenCall> forkReturn;  // a fork's child: its first return to user mode
    std::vector<uint32_t> userTables;    // the page-table frames of its user PDEs (0: none)
  };
  // A fork whose child has not appeared yet.
  struct Fork {
    uint32_t parent;
    OpenCall call;
  };
  // The kernel's process table entry for a page directory (read through probes).
  struct KernelProc {
    int32_t pid = -1;
    int32_t parentPid = -1;
    std::string name;
  };

  RunCounters counters_;
  std::array<Record, kRecent> ring_;
  uint64_t ringCount_ = 0;
  std::vector<Pending> pending_;
  std::vector<Process> processes_;           // by asid - 1
  std::vector<SpaceState> spaces_;           // by asid - 1
  std::map<uint32_t, uint32_t> liveSpaces_;  // page-directory base -> its asid now
  std::vector<Fork> forks_;                  // forks whose child has not appeared, oldest first
  std::vector<uint8_t> procBuffer_;          // the kernel's process table, as last read
  bool procTable_ = false;                   // the kernel's symbols name its process table
  bool syscallTableRead_ = false;
};

class Tracer final : public emu::Observer, private TracerState {
 public:
  static constexpr unsigned kRecent = TracerState::kRecent;
  // Snapshots (docs/debug.md): the state above; the sinks, filters and symbols stay.
  using State = TracerState;
  const State& state() const { return *this; }
  void setState(const State& s) { static_cast<State&>(*this) = s; }

  // The tracer observes `events` (whose context says where the machine is) and reads
  // instruction bytes and page tables through the MMU's side-effect-free probes and `mem`'s
  // frames. Records go to the sinks added with setSink().
  Tracer(emu::EventBus& events, const mmu::Mmu& mmu, mmu::PhysMemory& mem);

  // What to learn about the guest while it runs (all optional, none owned): system call names
  // from the kernel's `syscalls` table in `symbols`, and program names for address spaces from
  // `programs`, written into `info` (which a Describer may show).
  void learn(GuestInfo* info, const SymbolTable* symbols, const Programs* programs);

  // Attach to the CPU's event bus. Instruction events (`insn`) are the bus owner's to ask for
  // (emu::EventBus::setInstructionEvents) when wanted(Kind::kInsn).
  bool attach();
  void detach();
  // The run is over: resolve what is still pending, finish the sinks (once).
  void finish();
  // The run is over: resolve what is still pending (as finish() does) but leave the sinks open;
  // finish() later resolves nothing more. For an observer that wants the last resolutions now.
  void settle();
  // Adds a sink that gets every record of `kinds` (a bit per Kind) that `filter` (may be null)
  // matches; the same sink again changes its kinds and filter, and kinds 0 removes it. Records
  // made before a sink is added are not replayed. Sinks are written in the order added.
  void setSink(Sink* sink, uint32_t kinds, const Filter* filter = nullptr);
  // The kinds the last kRecent events are kept of (recent()); by default pf, tlb, cr3, exc, int,
  // sys and stale.
  void setRecentKinds(uint32_t kinds) { ringKinds_ = kinds; }
  // Whether some sink takes records of kind `k`.
  bool wanted(Kind k) const { return (kinds_ >> static_cast<unsigned>(k)) & 1; }

  const RunCounters& counters() const { return counters_; }
  // Every address space seen so far, by asid (processes()[asid - 1]).
  const std::vector<Process>& processes() const { return processes_; }
  // The address space now behind the page directory `cr3` (0 when none was seen there).
  uint32_t asidOf(uint32_t cr3) const;
  // Counts one event for the whole run and for the address space it happened in: `add` is given
  // the run's counters, then the page directory's and the process's (`asid`: its own; 0: the one
  // behind `cr3` now). The one place counters grow.
  template <typename F>
  void count(uint32_t cr3, F add, uint32_t asid = 0) {
    add(static_cast<EventCounters&>(counters_));
    add(counters_.bySpace[cr3 & ~0xFFFu]);
    if (asid == 0) asid = asidOf(cr3);
    if (asid != 0) add(processes_[asid - 1].counters);
  }
  // The last kRecent events (of the traced kinds, or of pf, tlb, cr3, exc, int, sys and stale
  // when nothing is traced), oldest first.
  std::vector<Record> recent() const;

  void onException(const emu::ExceptionEvent& e) override;
  void onInterrupt(const emu::InterruptEvent& e) override;
  void onSyscall(const emu::SyscallEvent& e) override;
  void onReturn(const emu::ReturnEvent& e) override;
  void onHalt(const emu::HaltEvent& e) override;
  void onInstruction(const emu::InstructionEvent& e) override;
  void onIo(const emu::IoEvent& e) override;
  void onTlbMiss(const mmu::TlbMiss& e) override;
  void onTlbFlush(const mmu::TlbFlush& e) override;
  void onPageFault(const mmu::PageFault& e) override;
  void onCr3Write(const mmu::Cr3Write& e) override;
  void onStaleTlbUse(const mmu::StaleTlbUse& e) override;
  void onMissingFlush(const mmu::MissingFlush& e) override;

 private:
  Record start(Kind kind);          // context, instruction bytes
  void readInstruction(Record& r);  // bytes at CS:EIP through a side-effect-free probe
  void emit(const Record& r);       // ring, filter, sink
  void userActivity(const emu::EventContext& ctx);
  // Address spaces (processes.cpp).
  void loaded(uint32_t cr3, uint32_t fromCr3);  // a CR3 load: the same address space or a new one
  uint32_t newSpace(uint32_t pd, uint32_t parent, uint32_t execFrom, const KernelProc* proc);
  void endSpace(uint32_t asid);
  bool rebuilt(uint32_t pd, SpaceState& s);  // a user PDE of `pd` now names another table
  std::optional<KernelProc> kernelProc(uint32_t pd);
  bool readKernel(uint32_t va, void* out, uint32_t size) const;
  void stamp(Record& r) const;  // asid, pid, parent from the record's CR3
  SpaceState& state(uint32_t asid) { return spaces_[asid - 1]; }
  std::string callName(uint32_t number) const;
  void sysReturn(const emu::EventContext& ctx, const emu::ReturnEvent& e, const OpenCall& call);
  void leftUser(const emu::EventContext& ctx);  // user mode entered the kernel at ctx.eip
  // A return to user mode in `asid` that is a fork child's first (in a directory reused without
  // a sign the tracer saw): the new asid, or 0.
  uint32_t forkChildIn(uint32_t asid, const emu::ReturnEvent& e);
  // How the fault ended, from the tables now; `killed`: its instruction was abandoned.
  void resolve(size_t index, const emu::EventContext& ctx, bool runEnded, bool killed = false);
  void readSyscallTable();
  void nameSpace(uint32_t cr3);

  // The MMU of the processor whose event is being traced (docs/smp.md), else the one given.
  const mmu::Mmu& currentMmu() const { return events_.mmu() != nullptr ? *events_.mmu() : mmu_; }

  emu::EventBus& events_;
  const mmu::Mmu& mmu_;
  mmu::PhysMemory& mem_;
  struct SinkSlot {
    Sink* sink;
    uint32_t kinds;
    const Filter* filter;
  };
  std::vector<SinkSlot> sinks_;
  uint32_t kinds_ = 0;  // the union of the sinks' kinds
  uint32_t ringKinds_;
  bool attached_ = false, finished_ = false;
  GuestInfo* info_ = nullptr;
  const SymbolTable* symbols_ = nullptr;
  const Programs* programs_ = nullptr;
};

}  // namespace trace
