// The tracer: an emu::Observer that turns CPU, MMU and device events into records, follows each
// page fault to its resolution, counts what the run summary reports, keeps the last 32 events
// for a failing run, and hands the selected, filtered records to a sink.
//
// tracer.cpp defines: Tracer, RunCounters.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
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
  std::array<uint64_t, 256> interrupts{};    // external, by vector
  std::array<uint64_t, 256> softwareInts{};  // INT n (any CPL), by vector
  uint64_t syscalls = 0;
  uint64_t cr3Writes = 0;
  uint64_t repeatFaults = 0;  // faults that repeated the previous one at the same EIP and CR2
  std::array<uint64_t, xray86::kResolutions> resolutions{};  // by Resolution
};
struct RunCounters : EventCounters {
  uint64_t staleUses = 0;       // published stale uses (first use after each change)
  uint64_t missingFlushes = 0;  // the flush checker's reports
  uint64_t unassignedPorts = 0, unassignedMmio = 0;
  // By page-directory base (CR3 & ~0xFFF), counted where the event happened; a resolution counts
  // in the address space of its record.
  std::map<uint32_t, EventCounters> bySpace;
};

class Tracer final : public emu::Observer {
 public:
  static constexpr unsigned kRecent = 32;

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

  Record start(Kind kind);          // context, instruction bytes
  void readInstruction(Record& r);  // bytes at CS:EIP through a side-effect-free probe
  void emit(const Record& r);       // ring, filter, sink
  void userActivity(const emu::EventContext& ctx);
  EventCounters& countersOf(uint32_t cr3) { return counters_.bySpace[cr3 & ~0xFFFu]; }
  // How the fault ended, from the tables now; `killed`: its instruction was abandoned.
  void resolve(size_t index, const emu::EventContext& ctx, bool runEnded, bool killed = false);
  void readSyscallTable();
  void nameSpace(uint32_t cr3);

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
  RunCounters counters_;
  std::array<Record, kRecent> ring_;
  uint64_t ringCount_ = 0;
  std::vector<Pending> pending_;
  std::map<uint32_t, LastFault> lastFault_;  // by page-directory base
  std::map<uint32_t, OpenCall> openCalls_;  // system calls not yet returned, by page-directory base
  GuestInfo* info_ = nullptr;
  const SymbolTable* symbols_ = nullptr;
  const Programs* programs_ = nullptr;
  bool syscallTableRead_ = false;
};

}  // namespace trace
