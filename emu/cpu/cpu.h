// The i386 CPU interpreter: registers, segmentation, exceptions and interrupts, the decoded-
// instruction cache and the run loop. Memory goes through mmu::Mmu; ports, physical slow-path
// accesses and interrupt acknowledge through emu::CpuBus. Core is what instruction handlers see;
// Cpu adds the run loop and the decoded-block cache and is what everyone else sees.
//
// cpu.cpp defines:
//   stopReasonName, describeOpcode, opUnsupported; Core: the state helpers (updateAttention,
//   refreshMode, setEflags, setSegmentReal, setCr0/3/4, deriveChecks, registerDump,
//   unsupportedStop) and the linear-address memory paths; Cpu: construction, reset, the
//   register/segment accessors, run (servicePending, runBlock, stepSlow), fetch and decode,
//   the decoded-block cache and its invalidation, eventContext.
// segments.cpp defines:
//   Core: descriptor reads, segment loads with their checks, far JMP/CALL/RET, IRET, LTR/LLDT,
//   I/O permission checks; the LAR/LSL/VERR/VERW and LLDT/LTR helpers exec_system.h declares.
// interrupts.cpp defines:
//   Core: exception and interrupt delivery through the IVT or IDT, deliverFault (#DF and the
//   triple fault), softwareInterrupt, the NMI.
// gates.cpp defines:
//   Core: far JMP/CALL to a system descriptor (call gates, task gates, TSSs).
// task.cpp defines:
//   Core: the hardware task switch (JMP, CALL, INT, IRET with NT) and task gates.
// v86.cpp defines:
//   Core: virtual-8086 mode: IRET into it, its segment loads, the interrupt frame out of it.
// decode.cpp defines the decoder (decode.h); exec_*.h, included by decode.cpp, define the
// instruction handlers, system.cpp the MOV CR/DR, CPUID, RDTSC and MSR ones (exec_system.h),
// fpu.cpp the x87's (fpu.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emu/cpu/bus.h"
#include "emu/cpu/fpu.h"
#include "emu/events/events.h"
#include "mmu/mmu.h"
#include "mmu/zeroed_array.h"

namespace emu {

enum Reg : uint8_t { kEax, kEcx, kEdx, kEbx, kEsp, kEbp, kEsi, kEdi };
enum SegReg : uint8_t { kEs, kCs, kSs, kDs, kFs, kGs };

// EFLAGS bits (Intel SDM vol. 1 3.4.3; [386PRM] 2.3.4).
namespace flag {
constexpr uint32_t kCf = 1u << 0;
constexpr uint32_t kPf = 1u << 2;
constexpr uint32_t kAf = 1u << 4;
constexpr uint32_t kZf = 1u << 6;
constexpr uint32_t kSf = 1u << 7;
constexpr uint32_t kTf = 1u << 8;
constexpr uint32_t kIf = 1u << 9;
constexpr uint32_t kDf = 1u << 10;
constexpr uint32_t kOf = 1u << 11;
constexpr uint32_t kIopl = 3u << 12;
constexpr uint32_t kNt = 1u << 14;
constexpr uint32_t kRf = 1u << 16;
constexpr uint32_t kVm = 1u << 17;
constexpr uint32_t kAc = 1u << 18;
constexpr uint32_t kId = 1u << 21;
constexpr uint32_t kArith = kCf | kPf | kAf | kZf | kSf | kOf;
// Bits POPF and IRET within a mode may change; VM changes only by an IRET from CPL 0, a task
// switch or an interrupt out of virtual-8086 mode; bit 1 reads 1.
constexpr uint32_t kWritable = kArith | kTf | kIf | kDf | kIopl | kNt | kRf | kAc | kId;
constexpr uint32_t kFixed = 1u << 1;
}  // namespace flag

// Exception vectors ([386PRM] 9.8).
namespace vec {
constexpr uint8_t kDe = 0, kDb = 1, kNmi = 2, kBp = 3, kOf = 4, kBr = 5, kUd = 6, kNm = 7, kDf = 8,
                  kTs = 10, kNp = 11, kSs = 12, kGp = 13, kPf = 14;
}

// A segment register's visible selector and hidden descriptor cache ([386PRM] 5.1.4).
//
//   access (descriptor byte 5):  7 P | 6-5 DPL | 4 S | 3-0 type
//     data (type bit 3 = 0): bit 2 expand-down, bit 1 writable, bit 0 accessed
//     code (type bit 3 = 1): bit 2 conforming,  bit 1 readable, bit 0 accessed
//   flags (descriptor byte 6, high nibble): 3 G | 2 D/B | 1 0 | 0 AVL
struct Segment {
  uint16_t selector = 0;
  uint32_t base = 0;
  uint32_t limit = 0xFFFF;  // in bytes, granularity already applied
  uint8_t access = 0x93;    // present, DPL 0, read/write data, accessed
  uint8_t flags = 0;
  // Derived by Cpu::setSegment: valid offsets are lo..hi, and whether reads/writes are allowed.
  uint32_t lo = 0, hi = 0xFFFF;
  bool readable = true, writable = true;

  bool present() const { return (access & 0x80) != 0; }
  uint8_t dpl() const { return (access >> 5) & 3; }
  bool big() const { return (flags & 0x4) != 0; }  // D/B
  bool code() const { return (access & 0x18) == 0x18; }
};

struct DescriptorTable {
  uint32_t base = 0;
  uint16_t limit = 0xFFFF;
};

enum class StopReason : uint8_t {
  kInstructionLimit,   // ran the number of instructions asked for
  kCycleDeadline,      // reached the cycle deadline
  kHalt,               // HLT with IF=1: waiting for INTR (time skipped to the deadline, if any)
  kHaltInterruptsOff,  // HLT with IF=0: nothing can wake it but NMI or reset
  kTripleFault,        // shutdown; stopMessage() holds a register dump
  kUnsupportedOpcode,  // x87/MMX/SSE or an unassigned opcode; stopMessage() names it
  kStopRequested,      // requestStop() was called (by an observer, e.g. the view)
};
const char* stopReasonName(StopReason reason);

struct RunResult {
  StopReason reason;
  uint64_t instructions;  // retired during this call
};

// A decoded instruction: what the handler needs, nothing more (32 bytes).
struct Core;
struct Insn;
using Handler = bool (*)(Core&, const Insn&);  // false: a fault is pending (Core::fault)

struct Insn {
  Handler fn;
  uint32_t disp;  // memory operand displacement
  uint32_t imm;   // first immediate (sign- or zero-extended as the opcode says)
  uint16_t imm2;  // far pointer selector, ENTER nesting level
  uint16_t op;    // opcode: 0x000-0x0FF one byte, 0x100-0x1FF after 0F
  uint8_t len;
  uint8_t modrm;
  uint8_t base;   // register or kNoReg
  uint8_t index;  // register or kNoReg
  uint8_t scale;  // shift count 0-3
  uint8_t seg;    // effective segment of the memory operand
  uint8_t pfx;    // kPfx* bits
  uint8_t cost;   // base cycles from the cost table

  static constexpr uint8_t kNoReg = 8;
  static constexpr uint8_t kPfxOp32 = 1, kPfxAddr32 = 2, kPfxRep = 4, kPfxRepne = 8, kPfxLock = 16,
                           kPfxSegOverride = 32;
  bool mem() const { return modrm < 0xC0; }
  unsigned reg() const { return (modrm >> 3) & 7; }
  unsigned rm() const { return modrm & 7; }
  bool op32() const { return (pfx & kPfxOp32) != 0; }
  bool addr32() const { return (pfx & kPfxAddr32) != 0; }
};

// The processor's state as a snapshot holds it (docs/debug.md): registers, descriptor caches, the
// x87, the counters, the pending fault and the boundary flags. Not the wiring, the decoded code,
// the configuration or a debugger's watches (Core below).
struct CoreState {
  uint32_t r_[9] = {};  // EAX..EDI and a zero for absent address components
  uint32_t eip_ = 0;
  uint32_t flags_ = flag::kFixed;  // CF PF AF ZF SF OF valid only while lazyOp_ is kLazyNone
  // Lazy arithmetic flags: the last flag-setting instruction leaves its operands, result and
  // kind here instead of computing CF PF AF ZF SF OF; a reader computes them (lazyArith, the
  // same functions the instruction would have called, so every bit is what it was eagerly).
  // lazyOp_ = kind << 2 | width index (0: byte, 1: word, 2: dword). Every reader of those six
  // bits goes through eflagsNow(), eflagsValue(), materializeFlags() or exec_common.h's
  // carryFlag() and conditionNow(); the other bits of flags_ are always exact.
  static constexpr uint8_t kLazyNone = 0, kLazyAdd = 1, kLazyAdc = 2, kLazySub = 3, kLazySbb = 4,
                           kLazyInc = 5, kLazyDec = 6, kLazySzp = 7;
  uint8_t lazyOp_ = kLazyNone;
  // Operands, result and the extra input: the carry in (ADC, SBB), the CF an INC or DEC keeps,
  // or the bits besides SF ZF PF (kLazySzp: CF and OF of a shift or multiply, 0 for logic).
  uint32_t lazyA_ = 0, lazyB_ = 0, lazyR_ = 0, lazyX_ = 0;
  uint32_t lazyArith() const;  // cpu.cpp: CF PF AF ZF SF OF of the pending record
  void materializeFlags() {
    if (lazyOp_ != kLazyNone) {
      flags_ = (flags_ & ~flag::kArith) | lazyArith();
      lazyOp_ = kLazyNone;
    }
  }
  uint32_t eflagsNow() {
    materializeFlags();
    return flags_;
  }
  uint32_t eflagsValue() const {
    return lazyOp_ == kLazyNone ? flags_ : (flags_ & ~flag::kArith) | lazyArith();
  }
  Segment seg_[6];
  Segment ldtr_, tr_;
  DescriptorTable gdtr_, idtr_;
  uint32_t cr2_ = 0;
  uint32_t dr_[8] = {};
  uint8_t debugExec_ = 0;  // DRn armed for execution (bit n)
  uint8_t debugData_ = 0;  // DRn armed for data (bit n)
  uint8_t dbHits_ = 0;     // data breakpoints the running instruction met (B0-B3)
  uint8_t cpl_ = 0;
  bool pe_ = false;           // CR0.PE
  bool codeBig_ = false;      // CS.D in protected mode
  bool stackBig_ = false;     // SS.B
  uint32_t ipMask_ = 0xFFFF;  // EIP wraps at 64 KB in 16-bit code
  uint64_t cycles_ = 0;
  uint64_t icount_ = 0;
  uint64_t tscOffset_ = 0;  // RDTSC = cycles + offset (WRMSR 0x10 moves the offset only)
  uint32_t sysenterCs_ = 0, sysenterEsp_ = 0, sysenterEip_ = 0;
  uint32_t apicBase_ = 0xFEE00900;  // IA32_APIC_BASE: enabled, bootstrap processor
  uint64_t perfCtr_[2] = {};        // PerfCtr0/1 (MSRs 0xC1/0xC2): stored, never counting
  uint32_t perfEvtSel_[2] = {};     // PerfEvtSel0/1 (MSRs 0x186/0x187): stored only
  uint64_t userEntries_ = 0;        // returns to CPL 3 (IRET or far RET to an outer level)
  Fpu fpu_;                         // the x87 (fpu.h, fpu.cpp)
  // The instruction executing now: exceptions and events report it.
  uint32_t curEip_ = 0;

  // A pending exception (faults are values: handlers return false after setting it).
  uint8_t faultVector_ = 0;
  bool faultHasError_ = false;
  uint32_t faultError_ = 0;

  // Instruction boundary work: nonzero when an interrupt may be taken, TF is set, an interrupt
  // shadow is active or the CPU must leave the run loop. One test per instruction.
  uint32_t attention_ = 0;
  bool intrLine_ = false;
  bool halted_ = false;
  uint8_t shadow_ = 0;       // STI / MOV SS / POP SS: interrupts held off for one instruction
  bool nmiPending_ = false;  // raiseNmi() until the NMI is taken
  bool nmiBlocked_ = false;  // from taking an NMI until the next IRET ([386PRM] 9.6.1)
  bool stopRequested_ = false;
  bool shutdown_ = false;  // after a triple fault, until reset() or setEip()
  StopReason stopReason_ = StopReason::kInstructionLimit;
  std::string stopMessage_;
  uint32_t fetchPage = 1;  // Core::fetchLin_ when the snapshot was taken (1: none)
};

// What an instruction handler works on: the architectural state, the pending fault, the flags an
// instruction raises for the run loop (attention_), and the operations instructions are built
// from (memory through pages, descriptor loads, far transfers, interrupt delivery). Handlers
// (exec_*.h, system.cpp) get a Core&; the run loop, the decoded-block cache and the public
// interface are Cpu's, out of their reach. Cpu is the only Core, and keeps it private.
struct Core : CoreState {
  struct MemRef {  // a translated (or host-mapped) memory operand, for read-modify-write
    uint8_t* host = nullptr;
    uint32_t pa0 = 0, pa1 = 0;  // slow path: physical address of the first byte, of the 2nd page
    uint32_t linear = 0;
    unsigned split = 0;  // bytes in the first page when the access crosses one, else 0
  };

  Core(CpuBus& bus, mmu::Mmu& mmu, EventBus* sharedEvents);
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  CpuBus& bus_;
  mmu::Mmu& mmu_;

  // Debug registers ([386PRM] 12.2; DR4/DR5 alias DR6/DR7):
  //   DR0-DR3  the linear addresses of four breakpoints
  //   DR6      bits 0-3 B0-B3: that breakpoint's condition was met; bit 14 BS: single step
  //   DR7      bits 2n, 2n+1: L and G enables of DRn; bits 16+4n-17+4n R/W (00 execute,
  //            01 write, 11 read or write, 10 undefined: never met); bits 18+4n-19+4n LEN
  //            (00 one byte, 01 two, 11 four; the address is aligned to it, an execute
  //            breakpoint has LEN 00)
  // An execute breakpoint faults before the instruction (EIP on it) unless EFLAGS.RF is set;
  // a data breakpoint traps after the instruction that touched it (EIP after it). Both are
  // #DB, vector 1. The checks cost nothing while DR7 arms none: armed execute breakpoints put
  // the CPU on its one-instruction path (kAttDebug), armed data breakpoints keep their pages out
  // of the MMU's host shortcuts (Mmu::setSlowDataPages), so that every access to those pages
  // comes through readLinear / prepareWrite, where noteData compares it.
  static constexpr uint32_t kAttDebug = 128;
  // A debugger's data watches (gdb's rwatch and awatch), on the same path but never seen by the
  // guest: a hit only notes the watch (Cpu::takeWatchHit).
  struct DataWatch {
    uint32_t address = 0, length = 0;
    bool writesOnly = false;  // reads are not reported (an access watch reports both)
    bool readsOnly = false;   // writes are not reported (a read watch)
  };
  std::vector<DataWatch> dataWatches_;
  bool dataChecks_ = false;  // debugData_ or dataWatches_: noteData has work
  std::optional<uint32_t> watchHit_;
  std::vector<uint32_t> slowPages_;  // what the MMU was last told (updateDebug)
  void updateDebug();  // after DR7 or the watches change: the masks, the MMU's slow pages
  void noteData(uint32_t linear, unsigned size, bool read, bool write);
  uint8_t executeBreakpoint(uint32_t linear) const;  // B0-B3 of the armed ones at `linear`
  uint8_t processor_ = 0;      // this processor's number and initial APIC ID (docs/smp.md)
  bool haltSkipsTime_ = true;  // HLT moves the cycle counter to the run's deadline

  bool stopOnUnsupported_ = false;  // #UD by default, as hardware

  // Fetch: the linear page EIP is in (its host mapping is Cpu's fetchHost_); invalid after every
  // control transfer, mode change and TLB flush, so EIP is re-translated at each block entry.
  static constexpr uint32_t kNoPage = 1;  // never page aligned
  uint32_t fetchLin_ = kNoPage;

  // Frames holding decoded code, which stores must check. Per 4 KB frame: 0 never held code,
  // 1 watched, 2 dropped (still listed by the cache); and the byte range [lo, hi) its cached
  // instructions cover (lo | hi << 16), so a store to data sharing a page with code keeps it.
  // Both are zero-filled lazily (mmu/zeroed_array.h); a frame's range is meaningful only while
  // it is watched (codeFrame_ 1), and is reset when it becomes watched.
  mmu::ZeroedArray<uint8_t> codeFrame_;
  mmu::ZeroedArray<uint32_t> codeRange_;

  EventBus ownEvents_;
  EventBus& events_;  // ownEvents_, or the bus the processors of a machine share

  // ---- cpu.cpp: state helpers ----
  bool user() const { return cpl_ == 3; }
  bool v86() const { return (flags_ & flag::kVm) != 0; }
  // Segment registers load as in real mode (base = selector * 16): real and virtual-8086 mode.
  bool realSegments() const { return !pe_ || v86(); }
  void updateAttention();
  void branch(uint32_t target) {
    eip_ = target;
    fetchLin_ = kNoPage;
  }
  // Leave the current decoded block after this instruction (translation or mode changed, or
  // its code was written).
  static constexpr uint32_t kAttEndBlock = 64;
  void endBlock() { attention_ |= kAttEndBlock; }
  void refreshMode();              // after CR0 / CS changes: pe_, codeBig_, cpl_, fetch page
  void setEflags(uint32_t value);  // every writable bit; bit 1 reads 1
  void setSegmentReal(SegReg s, uint16_t selector);
  uint32_t cr0() const { return mmu_.cr0(); }
  uint32_t cr3() const { return mmu_.cr3(); }
  uint32_t cr4() const { return mmu_.cr4(); }
  void setCr0(uint32_t value);
  void setCr3(uint32_t value);
  void setCr4(uint32_t value);
  static void deriveChecks(Segment& s);
  // A segment register holding `selector` with nothing usable behind it (base 0, limit 0, no
  // access rights): any access through it is #GP(0). What a null selector loads, what a return
  // outward leaves in a data register the outer level may not use, and what a task switch holds
  // before it loads the descriptors.
  static Segment unusableSegment(uint16_t selector) {
    Segment n;
    n.selector = selector;
    n.base = 0;
    n.limit = 0;
    n.access = 0;
    n.flags = 0;
    deriveChecks(n);
    return n;
  }
  std::string registerDump() const;
  void unsupportedStop(const Insn& insn);

  bool fault(uint8_t vector) {
    faultVector_ = vector;
    faultHasError_ = false;
    faultError_ = 0;
    return false;
  }
  bool fault(uint8_t vector, uint32_t error) {
    faultVector_ = vector;
    faultHasError_ = true;
    faultError_ = error;
    return false;
  }
  bool gp(uint32_t error) { return fault(vec::kGp, error); }
  bool ud() { return fault(vec::kUd); }
  bool pageFault(const mmu::Fault& f) {
    cr2_ = f.linear;
    return fault(vec::kPf, f.errorCode);
  }
  // Segment-relative checks: #GP(0), or #SS(0) for SS.
  bool segFault(unsigned s) { return fault(s == kSs ? vec::kSs : vec::kGp, 0); }

  // ---- cpu.cpp: linear-address accesses (no segmentation) ----
  // `user`: CPL 3 access (descriptor tables and TSS are always supervisor). Sizes 1, 2, 4.
  bool readLinear(uint32_t linear, unsigned size, uint32_t& value, bool user);
  bool writeLinear(uint32_t linear, unsigned size, uint32_t value, bool user);
  // Checks [linear, linear+size) for writing with no side effect, page by page from the lowest;
  // the first page that would fault raises its #PF (CR2 = the lowest address on that page).
  bool checkWritable(uint32_t linear, unsigned size, bool user);
  // Translate [linear, linear+size) for writing without storing: every page is checked first
  // (checkWritable), then each is translated (A/D bits), so a fault changes no D bit.
  bool probeWrite(uint32_t linear, unsigned size, bool user);
  // `read`: the instruction also reads the operand (read-modify-write), for data breakpoints.
  bool prepareWrite(uint32_t linear, unsigned size, MemRef& ref, bool user, bool read = true);
  uint32_t loadRef(const MemRef& ref, unsigned size);
  void storeRef(const MemRef& ref, unsigned size, uint32_t value);
  void slowStore(uint32_t pa, unsigned size, uint32_t value);
  // A store reached decoded code in frame `pfn`: the cache drops it (Cpu).
  virtual void dropCodeFrame(uint32_t pfn) = 0;

  // ---- segments.cpp ----
  bool readDescriptor(uint16_t selector, uint32_t& lo, uint32_t& hi);
  bool loadSegmentChecked(unsigned s, uint16_t selector);
  static Segment segmentFromDescriptor(uint16_t selector, uint32_t lo, uint32_t hi);
  bool setAccessedBit(uint16_t selector, uint32_t hi);
  bool farJump(uint16_t selector, uint32_t offset);
  bool farCall(uint16_t selector, uint32_t offset, bool op32);
  bool farReturn(bool op32, uint16_t popExtra);
  void returnedOutward(uint32_t ip, uint8_t fromCpl);
  bool interruptReturn(bool op32);
  bool ioAllowed(uint16_t port, unsigned size);
  void loadCsProtected(uint16_t selector, const Segment& desc, uint8_t newCpl);
  void nullInvalidDataSegments();
  // Loads SS (its accessed bit set) and the stack pointer: ESP for a 32-bit stack, SP for a
  // 16-bit one (ESP's upper half kept), after a stack switch to another privilege level.
  void loadStack(Segment ss, uint32_t sp);

  // ---- interrupts.cpp ----
  enum class IntKind : uint8_t { kException, kSoftware, kExternal };
  void deliverFault();
  bool deliver(uint8_t vector, IntKind kind, bool hasError, uint32_t error);
  bool softwareInterrupt(uint8_t vector);  // INT n / INT3 / INTO
  void tripleFault();
  bool deliverReal(uint8_t vector);
  bool readTssStack(uint8_t cpl, uint16_t& ss, uint32_t& esp, uint32_t ext);
  bool takeNmi();

  // ---- gates.cpp ----
  bool farTransferSystem(uint16_t selector, uint32_t lo, uint32_t hi, bool call);
  bool callGate(uint16_t gateSel, uint32_t lo, uint32_t hi, bool call);

  // ---- task.cpp ----
  // What starts a task switch: JMP, CALL, IRET with NT=1, INT n/INT3/INTO through a task gate,
  // an exception or external interrupt through one.
  enum class TaskSource : uint8_t { kJmp, kCall, kIret, kInt, kEvent };
  bool taskGate(uint16_t tssSel, TaskSource source, uint32_t ext, bool hasError, uint32_t error);
  bool taskSwitch(uint16_t tssSel, uint32_t lo, uint32_t hi, TaskSource source, uint32_t ext,
                  bool hasError = false, uint32_t error = 0);
  bool taskReturn();
  bool loadTaskSegments(const uint16_t* sel);
  bool faultInNewTask(TaskSource source);

  // ---- v86.cpp ----
  bool iretToV86(uint32_t ip, uint32_t cs, uint32_t fl, uint32_t sp);
  void loadV86Segments(const uint16_t* sel);  // ES CS SS DS FS GS
  bool iretInV86(bool op32);

 protected:
  ~Core() = default;
};

class Cpu final : public ContextSource, private Core {
 public:
  static constexpr uint64_t kNoDeadline = ~uint64_t{0};

  Cpu(CpuBus& bus, mmu::Mmu& mmu);
  // Processor `processor` of a machine with several (docs/smp.md): its events go to the bus the
  // processors share (the machine selects the one running), CPUID and IA32_APIC_BASE report its
  // number as its APIC ID, and only processor 0 is the bootstrap processor.
  Cpu(CpuBus& bus, mmu::Mmu& mmu, EventBus& sharedEvents, unsigned processor);
  ~Cpu() override;
  Cpu(const Cpu&) = delete;
  Cpu& operator=(const Cpu&) = delete;

  // Power-on state ([386PRM] 10.1): real mode, CS:IP = F000:FFF0 with CS base 0xFFFF0000,
  // EFLAGS = 2, DX = 0x0300 | model, CR0 = 0x10; counters are not reset.
  void reset();

  // ---- Registers and state (tests, loaders, tools) -----------------------------------------
  uint32_t reg(Reg r) const { return r_[r]; }
  void setReg(Reg r, uint32_t value) { r_[r] = value; }
  uint32_t eip() const { return eip_; }
  void setEip(uint32_t value);  // also leaves the HLT state
  uint32_t eflags() const { return eflagsValue(); }
  using Core::setEflags;  // every writable bit; bit 1 reads 1
  const Segment& segment(SegReg s) const { return seg_[s]; }
  // Loads the hidden cache directly (as a descriptor load would) and derives the checks; for CS
  // also the CPL (the selector's RPL) and the code size.
  void setSegment(SegReg s, const Segment& value);
  // Real-mode style: selector, base = selector * 16; limit and attributes kept.
  using Core::setSegmentReal;
  // Protected mode: load through the GDT/LDT with every check a MOV to Sreg makes. Returns false
  // (changing nothing) when that load would fault.
  bool loadSegment(SegReg s, uint16_t selector);
  // The hidden cache a descriptor (lo, hi: its two dwords) loads, checks derived; no checks made.
  using Core::segmentFromDescriptor;
  // Flat 32-bit protected mode as the Multiboot spec leaves it (3.2): CR0.PE, CS a 4 GB code
  // segment (selector `cs`), the others a 4 GB data segment (selector `ds`), CPL 0, IF=0.
  void enterFlatProtectedMode(uint16_t cs = 0x08, uint16_t ds = 0x10);

  DescriptorTable gdtr() const { return gdtr_; }
  DescriptorTable idtr() const { return idtr_; }
  void setGdtr(DescriptorTable t) { gdtr_ = t; }
  void setIdtr(DescriptorTable t) { idtr_ = t; }
  const Segment& ldtr() const { return ldtr_; }
  const Segment& tr() const { return tr_; }
  void setLdtr(const Segment& s) { ldtr_ = s; }
  void setTr(const Segment& s) { tr_ = s; }

  using Core::cr0;
  uint32_t cr2() const { return cr2_; }
  using Core::cr3;
  using Core::cr4;
  // CR0, CR3 and CR4 go through the MMU, which flushes what hardware flushes.
  using Core::setCr0;
  void setCr2(uint32_t value) { cr2_ = value; }
  using Core::DataWatch;
  using Core::setCr3;
  using Core::setCr4;
  // DR0-DR7 (Core: the breakpoints they arm).
  uint32_t dr(unsigned n) const { return dr_[n & 7]; }
  void setDr(unsigned n, uint32_t value) {
    dr_[n & 7] = value;
    updateDebug();
  }
  // A debugger's read (readsOnly) and access watches on linear addresses: the instruction that
  // touches one retires as usual, with no #DB, no DR6 bit and no change to the run (the TLB's
  // hit count aside); takeWatchHit() then gives the watched address, once. False, changing
  // nothing, when the watches need more pages than the MMU's slow list has room for.
  bool setDataWatches(const std::vector<DataWatch>& watches);
  std::optional<uint32_t> takeWatchHit() {
    std::optional<uint32_t> h = watchHit_;
    watchHit_.reset();
    return h;
  }
  uint8_t cpl() const { return cpl_; }
  bool protectedMode() const { return pe_; }

  // The x87 state (fpu.h): tests and tools read and set it directly.
  Fpu& fpu() { return fpu_; }
  const Fpu& fpu() const { return fpu_; }

  uint64_t cycles() const { return cycles_; }
  void setCycles(uint64_t value) { cycles_ = value; }
  uint64_t instructions() const { return icount_; }
  // Returns to CPL 3 (IRET or far RET to an outer level): whether the guest has run user code.
  uint64_t userEntries() const { return userEntries_; }

  // Snapshots (docs/debug.md): the state above. setState drops the decoded code (which is not
  // state) and re-arms the debug registers; the MMU's own state is restored by the caller, after
  // dropDecodedCode and before setState.
  using State = CoreState;
  State state() const {
    State s = *this;
    s.fetchPage = fetchLin_;
    return s;
  }
  void setState(const State& s);

  // ---- Running ------------------------------------------------------------------------------
  // The interrupt controller's INTR line. When it is high and IF=1, the CPU acknowledges
  // (bus.interruptAcknowledge()) and takes the interrupt at the next instruction boundary.
  void setIntr(bool level);
  // The NMI pin (an edge): taken at the next instruction boundary through vector 2 whatever IF
  // says, then further NMIs are held (one stays pending) until an IRET ([386PRM] 9.6.1).
  void raiseNmi();
  bool nmiPending() const { return nmiPending_; }
  bool nmiBlocked() const { return nmiBlocked_; }
  // EFLAGS.VM: virtual-8086 mode (entered by an IRET from CPL 0 or a task switch).
  bool v86Mode() const { return v86(); }
  bool halted() const { return halted_; }
  // Whether an interrupt would be taken now (INTR high with IF=1, or an NMI not blocked): a
  // halted CPU wakes.
  bool interruptible() const {
    return (intrLine_ && (flags_ & flag::kIf) != 0) || (nmiPending_ && !nmiBlocked_);
  }
  unsigned processor() const { return processor_; }
  // With several processors, a HLT ends the run without moving the cycle counter to the deadline:
  // the machine keeps the processors' counters in step itself (docs/smp.md).
  void setHaltSkipsTime(bool on) { haltSkipsTime_ = on; }
  // Ends the current run() at the next instruction boundary with reason kCycleDeadline. The bus
  // calls it from an I/O access when a device's next event moved earlier than the deadline run()
  // was given (a timer reprogrammed mid-slice), or when the guest asked to exit.
  void endSlice() {
    // A stop requestStop() asked for in the same slice keeps its reason.
    if (!(stopRequested_ && stopReason_ == StopReason::kStopRequested))
      stopReason_ = StopReason::kCycleDeadline;
    stopRequested_ = true;
    updateAttention();
  }

  // Runs until `maxInstructions` retired, the cycle counter reaches `cycleDeadline`, or a stop.
  RunResult run(uint64_t maxInstructions, uint64_t cycleDeadline = kNoDeadline);
  RunResult step() { return run(1); }
  // Makes run() return kStopRequested at the next instruction boundary. For observers that
  // stop a run at an event (the view's "run to the next page fault"); changes no guest state.
  void requestStop();
  // Why the last run stopped beyond the limits: the unsupported opcode, or the triple-fault dump.
  const std::string& stopMessage() const { return stopMessage_; }
  using Core::registerDump;

  // An opcode the CPU does not implement raises #UD in the guest, as on hardware (a guest may
  // probe with a #UD handler). When true, the run stops there instead (kUnsupportedOpcode, with
  // stopMessage() naming it) before the #UD is delivered.
  void setStopOnUnsupportedOpcode(bool on) { stopOnUnsupported_ = on; }

  EventBus& events() { return events_; }
  EventContext eventContext() const override;

  // Someone other than the CPU (DMA) wrote physical memory: drop decoded code from it.
  void invalidateCode(uint32_t pa, uint32_t size);
  void flushDecodedCode();
  // Another processor stored `size` bytes at `pa` (through the bus): drop the decoded code the
  // store overwrote, as this processor's own stores do.
  void storedByOther(uint32_t pa, unsigned size) {
    if (codeFrame_[pa >> 12] == 1) [[unlikely]]
      codeStored(pa, size);
  }

 private:
  // Decoded blocks: straight-line runs of instructions inside one page, ending after an
  // unconditional control transfer. Direct mapped, keyed by the host address of the first byte
  // (the physical address, RAM being stable) and the code size; dropped when their bytes are
  // written. EIP is re-translated through the TLB at every block entry.
  static constexpr unsigned kBlockBits = 12;
  static constexpr unsigned kMaxBlockInsns = 32;
  struct Block {
    uintptr_t key;   // host address << 1 | code32; 0: empty
    uint32_t bytes;  // length in bytes
    uint32_t count;  // instructions
    Insn insns[kMaxBlockInsns];
  };
  mmu::ZeroedArray<Block> blocks_;    // key 0: empty; zeroed lazily (mmu/zeroed_array.h)
  std::vector<uint32_t> codeFrames_;  // the frames marked in codeFrame_
  uint8_t* fetchHost_ = nullptr;      // the host mapping of Core::fetchLin_'s page

  // What servicePending decided: nothing to do, work done (look again), or the run ends.
  enum class Pending : uint8_t { kNone, kServiced, kStop };

  // cpu.cpp
  void dropCodeFrame(uint32_t pfn) override;
  bool fetchBytes(uint32_t linear, uint8_t* out, unsigned count);
  // The same bytes read through Mmu::probe: no side effect at all (for the trace event).
  bool peekBytes(uint32_t linear, uint8_t* out, unsigned count) const;
  bool decodeAt(uint32_t linear, Insn& out, bool& cacheable);
  Block* buildBlock(uint32_t linear, uint8_t* host, uintptr_t key, size_t slot);
  Pending servicePending(uint64_t end, uint64_t cycleDeadline, StopReason& reason);
  void runBlock(uint64_t end, uint64_t cycleDeadline);
  bool stepSlow(bool trace);
  void codeStored(uint32_t pa, unsigned size);
  void executeOne(const Insn& insn);
  void dataBreakpointTrap();
  void instructionFaulted();
};

// What an instruction's first bytes mean, for errors and reports: "x87 escape D9 /0".
std::string describeOpcode(uint16_t op, uint8_t modrm);

}  // namespace emu
