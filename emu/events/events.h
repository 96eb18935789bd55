// The CPU's events and the bus that fans them (and the MMU's) out to observers.
//
// Observers are for looking, never for changing state: trace sinks, statistics, the view, tests.
// With no observer attached the CPU pays one predictable branch per event site; the MMU is given
// no observer at all, so its events cost it the same.
//
// events.cpp defines:
//   EventBus::attach, EventBus::detach and the fan-out of every event.
#pragma once

#include <cstdint>

#include "mmu/events.h"

namespace mmu {
class Mmu;
}

namespace emu {

// An exception raised by the CPU (fault, trap or abort), before it is delivered.
struct ExceptionEvent {
  uint8_t vector;
  bool hasErrorCode;
  uint32_t errorCode;
  uint32_t eip;  // the instruction the exception belongs to (the faulting one, for faults)
};

// An interrupt taken: external (INTR) or software (INT n, INT3, INTO).
struct InterruptEvent {
  uint8_t vector;
  bool external;
};

// INT n executed at CPL 3: a system call in every kernel this emulator is meant for.
struct SyscallEvent {
  uint8_t vector;
  uint32_t eax;
};

// One instruction retired (it completed, or it trapped after completing).
struct InstructionEvent {
  uint32_t eip;  // where it started
  uint16_t cs;   // CS and CPL it ran with (an IRET or far transfer changes them)
  uint8_t cpl;
  uint8_t length;
  uint8_t bytes[15];  // its encoding, `length` bytes
};

// A port (IN/OUT) or MMIO access, published by the machine that routes it; `assigned` is false
// when nothing answered (reads all-ones, writes dropped).
struct IoEvent {
  uint32_t address;  // port number, or physical address for MMIO
  uint32_t value;    // read or written
  uint8_t size;
  bool write;
  bool mmio;
  bool assigned;
};

// IRET or far RET to an outer privilege level (the kernel going back to user mode), published
// once the return is complete: the context's CPL is the new one.
struct ReturnEvent {
  uint32_t eip;     // where execution continues
  uint32_t eax;     // a system call's result, in every kernel this emulator is meant for
  uint8_t fromCpl;  // the level the return was made at
  uint8_t cpl;      // the new privilege level (the event context's CPL already)
};

// HLT executed.
struct HaltEvent {
  uint32_t eip;
  bool interruptsEnabled;
};

// Where the machine was when an event happened; observers read it from EventBus::context().
struct EventContext {
  uint64_t cycle = 0;
  uint64_t instructions = 0;  // retired so far
  uint32_t eip = 0;           // the current instruction
  uint8_t cpl = 0;
  uint32_t cr3 = 0;
  uint32_t csBase = 0;  // CS's base: the instruction's linear address is csBase + eip
  bool code32 = false;  // 32-bit code (protected mode with CS.D set), else 16-bit
  uint8_t cpu = 0;      // the processor (its number, which is its local APIC ID; docs/smp.md)
};

class Observer : public mmu::MmuObserver {
 public:
  virtual void onException(const ExceptionEvent&) {}
  virtual void onInterrupt(const InterruptEvent&) {}
  virtual void onSyscall(const SyscallEvent&) {}
  virtual void onInstruction(const InstructionEvent&) {}
  virtual void onReturn(const ReturnEvent&) {}
  virtual void onHalt(const HaltEvent&) {}
  virtual void onIo(const IoEvent&) {}
};

// Whoever can say what the context is right now (the CPU).
class ContextSource {
 public:
  virtual ~ContextSource() = default;
  virtual EventContext eventContext() const = 0;
};

class EventBus final : public mmu::MmuObserver {
 public:
  static constexpr unsigned kMaxObservers = 8;

  // The CPU binds itself and its MMU once; the MMU gets this bus as its observer only while at
  // least one observer is attached.
  void bind(const ContextSource* source, mmu::Mmu* mmu);
  // Several processors share one bus (docs/smp.md): each adds its MMU, and the machine selects
  // the processor that runs, whose context stamps the events and whose MMU tools look through.
  void addMmu(mmu::Mmu* mmu);
  void select(const ContextSource* source, const mmu::Mmu* mmu) {
    source_ = source;
    current_ = mmu;
  }
  // The MMU of the processor selected (nullptr before any is bound).
  const mmu::Mmu* mmu() const { return current_; }

  // Returns false when kMaxObservers are already attached.
  bool attach(Observer* observer);
  void detach(Observer* observer);

  bool active() const { return count_ != 0; }
  // Also counts observers that want every retired instruction (a trace), which costs more.
  void setInstructionEvents(bool on) { instructionEvents_ = on; }
  bool instructionEvents() const { return instructionEvents_ && count_ != 0; }

  EventContext context() const;

  void exception(const ExceptionEvent& e);
  void interrupt(const InterruptEvent& e);
  void syscall(const SyscallEvent& e);
  void instruction(const InstructionEvent& e);
  void outerReturn(const ReturnEvent& e);
  void halt(const HaltEvent& e);
  void io(const IoEvent& e);

  void onTlbMiss(const mmu::TlbMiss& e) override;
  void onTlbFlush(const mmu::TlbFlush& e) override;
  void onPageFault(const mmu::PageFault& e) override;
  void onCr3Write(const mmu::Cr3Write& e) override;
  void onStaleTlbUse(const mmu::StaleTlbUse& e) override;
  void onMissingFlush(const mmu::MissingFlush& e) override;

 private:
  Observer* observers_[kMaxObservers] = {};
  unsigned count_ = 0;
  bool instructionEvents_ = false;
  const ContextSource* source_ = nullptr;
  static constexpr unsigned kMaxMmus = 8;
  mmu::Mmu* mmus_[kMaxMmus] = {};
  unsigned mmuCount_ = 0;
  const mmu::Mmu* current_ = nullptr;
};

}  // namespace emu
