// xray86's C++ API: build a PC from the options of `xray86 run`, run it to an exit, a limit, an
// event or a symbol, look at its registers, memory, page tables and TLB without disturbing it,
// and count what paging did. Made for Google Test suites that assert exact fault counts
// (docs/api.md has a complete example).
//
// This header needs only the standard library. Link the CMake target xray86::xray86 (in the
// build tree, or from an install through find_package(xray86)).
//
// Errors: every call that can fail throws xray86::Error with a one-line message a test can print
// (Machine::create returns it as a value instead). Nothing a guest does and no bad option crashes
// the caller: a guest that triple-faults or runs away ends its run with a Stop that says so.
//
// Events, their filters and the symbols come from the trace (emu/trace/): a Filter is an
// expression in --trace-filter's language, evaluated by the trace's own filter on the trace's own
// records, so `count(EXPR)` and the lines of `xray86 run --trace ... --trace-filter EXPR` agree.
//
// emu/api/machine.cpp defines: Machine, Options::fromArgs.
// emu/api/filter.cpp defines:  Filter (its builders), stopKindName.
// emu/api/symbols.cpp defines: Symbols (over the trace's ELF32 symbol tables).
// emu/api/print.cpp defines:   operator<< for the enums and Stop (their names, for Google Test).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "xray86/event_kinds.h"

namespace trace {
class SymbolTable;
}

namespace xray86 {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---- Options: what `xray86 run` takes (docs/platform.md) ----------------------------------------

struct Options {
  std::string kernel;                 // --kernel: a multiboot ELF
  std::string cmdline;                // --cmdline
  std::vector<std::string> modules;   // --module "FILE [ARGS]"
  std::vector<std::string> disks;     // --disk: master, then slave
  bool snapshot = true;               // disk writes stay in memory (the API's default; --snapshot)
  std::string bios;                   // --bios: a ROM image instead of the built-in firmware
  uint32_t memMb = 256;               // --mem
  std::optional<std::string> input;   // --input: typed into COM1 (C escapes); none: no input at all
  std::string inputFile;              // --input-file
  std::string keys;                   // --keys: typed on the PS/2 keyboard
  int64_t rtc = 946684800;            // --rtc: seconds since 1970 at cycle 0
  unsigned tlbSets = 8, tlbWays = 4;  // --tlb SETSxWAYS: the 80386's 32 entries by default
  bool splitTlb = false;              // separate instruction and data TLBs of that geometry
  uint64_t maxInstructions = 2'000'000'000;  // -n/--max-insns: Machine::run() stops here (total)
  uint64_t maxCycles = ~uint64_t{0};         // --max-cycles (total)
  std::vector<std::string> symbols;  // --symbols: ELF files naming addresses (the kernel's always)
  unsigned cowBit =
      kDefaultCowBit;  // --cow-bit: the PTE bit of copy-on-write pages (PTE_COW 0x200)
  // --until: where run() ends besides the guest's end and the limits, in the command line's words
  // ("console:$ ", "event:kind=fault and cpl=3", "symbol:copyuvm", "pf:3", "insn:N"); empty: the
  // guest's end. So `xray86 run --disk xv6.img --disk fs.img --input 'cowcheck\n' --until
  // 'console:$ '` and run() on fromArgs of the same words are the same run.
  std::string until;
  bool echoConsole = false;  // also copy the guest's console to standard output
  // --lab-flush-rule: the flush checker also reports a page-fault handler that fixes a PTE
  // without INVLPG or a CR3 reload (the lab's rule; the #PF itself already drops the page).
  bool labFlushRule = false;
  // --smp, --smp-quantum, --schedule-seed: processors (1 to 8) run in turns of 1 to smpQuantum
  // instructions (1 to 100000) whose order and lengths come from scheduleSeed (docs/smp.md).
  unsigned cpus = 1;
  unsigned smpQuantum = 50;
  uint64_t scheduleSeed = 0;

  // The same options as the command line, e.g. {"--kernel", "k.elf", "--cmdline", "run=cowtest"}.
  // Throws Error with the parser's message on an unknown option or a bad value.
  static Options fromArgs(const std::vector<std::string>& args);
};

// ---- Events ------------------------------------------------------------------------------------

enum class Access : uint8_t { kRead, kWrite, kFetch };
enum class FlushKind : uint8_t { kCr3Write, kInvlpg, kCr0, kCr4 };

// EventKind, eventKindName and Resolution: xray86/event_kinds.h, the list the trace uses too.
// The API delivers every kind but kIo and kInsn (those are `xray86 run --trace` only).

// The #PF error code (Intel SDM vol. 3A 4.7).
struct ErrorCode {
  static constexpr uint32_t kPresent = 1;  // 0: not present, 1: protection violation
  static constexpr uint32_t kWrite = 2;
  static constexpr uint32_t kUser = 4;  // the access was made at CPL 3
  static constexpr uint32_t kReserved = 8;
};

struct Event {
  EventKind kind = EventKind::kPageFault;
  // Where the machine was.
  uint64_t cycle = 0;
  uint64_t instructions = 0;  // retired before this event
  uint8_t cpu = 0;            // the processor it happened on (0 with one; docs/smp.md)
  uint32_t eip = 0;           // the instruction it belongs to
  uint8_t cpl = 0;
  uint32_t cr3 = 0;  // the address space (CR3 as loaded)
  // The event's fields (which ones are set: see EventKind).
  uint32_t address = 0;
  uint32_t errorCode = 0;  // page faults, exceptions with an error code
  Access access = Access::kRead;
  uint8_t vector = 0;     // exceptions, interrupts, system calls
  bool external = false;  // interrupts: from the interrupt controller (else INT n, INT3, INTO)
  FlushKind flushKind = FlushKind::kCr3Write;
  uint32_t dropped = 0;  // TLB entries a flush dropped
  uint32_t oldCr3 = 0;
  uint32_t eax = 0;    // system calls and their returns: the call number
  uint32_t value = 0;  // system call returns: the result (EAX)
  uint32_t pdeAddr = 0, pde = 0, pteAddr = 0, pte = 0;  // page faults, misses: the walk
  uint32_t cachedPte = 0, memoryPte = 0, cachedFrame = 0, wordAddr = 0;  // stale uses
  // Missing flushes: address is the page, wordAddr the PDE or PTE the store changed from
  // cachedPte to memoryPte; the store's cycle and EIP; found at a return to CPL 3 (useAddress:
  // where it returned) or at a use (useAddress, access).
  uint64_t writeCycle = 0;
  uint32_t writeEip = 0;
  bool atReturn = false;
  uint32_t useAddress = 0;
  uint8_t writerCpu = 0;  // missing flushes: the processor whose store it was (not `cpu`: a
                          // missing shootdown, docs/smp.md)
  uint32_t repeat = 0;    // page faults: faults in a row at this EIP and CR2 in this space (1: new)
  // Resolutions: address, errorCode and access are the fault's; eip and cpl its instruction's.
  Resolution resolution = Resolution::kUnresolved;
  uint32_t pteBefore = 0, pteAfter = 0;  // the leaf word (PTE, or PDE of a 4 MB page)
  uint32_t frameBefore = 0, frameAfter = 0;
  uint64_t faultCycle = 0;  // the fault's cycle
  // The process (Machine::processes()): the address space's id for its lifetime (0: none yet),
  // the kernel's pid (-1: unknown), the asid it was forked from (0: none known).
  uint32_t asid = 0;
  int32_t pid = -1;
  uint32_t parent = 0;
};

// [first, last): the half-open ranges of --trace-filter's `in A..B`.
struct Range {
  uint32_t first = 0, last = 0;
  bool contains(uint32_t v) const { return v >= first && v < last; }
};

// Which events to count: an expression in --trace-filter's language (docs/trace.md), e.g.
//   "kind=fault and protection and write and user and cr2 in 0x4000..0xc000"
//   "kind=tlb and eip in copyuvm"        (symbols from the kernel and Options::symbols)
// An empty expression matches every event. The text is parsed where it is used (count, events,
// runUntil): a bad one throws Error with the parser's one-line message naming the column.
// Note `kind=pf` is, as in `--trace pf`, a fault *and* its resolution: `kind=fault` is the fault.
//
// The builders below write the same language, each adding "and TEST":
//   Filter::pageFaults().cowClass().atCpl(3).inCr2(a, b)
//     == "kind=fault and protection and write and cpl=3 and cr2 in 0xA..0xB"
class Filter {
 public:
  Filter() = default;
  // Implicit, so that a string is a filter: m.count("kind=tlb and eip in copyuvm").
  Filter(std::string expression) : text_(std::move(expression)) {}
  Filter(const char* expression) : text_(expression) {}

  static Filter of(EventKind kind);                                 // "kind=WORD" (eventKindName)
  static Filter pageFaults() { return of(EventKind::kPageFault); }  // "kind=fault"
  Filter& where(const std::string& expression);                     // and (expression)
  Filter& cowClass() { return where("protection and write"); }      // a write to a present page
  Filter& userMode(bool user) { return where(user ? "user" : "kernel"); }  // the error code's U/S
  Filter& inCr2(uint32_t first, uint32_t last) { return range("cr2", first, last); }
  Filter& inEip(uint32_t first, uint32_t last) { return range("eip", first, last); }
  Filter& inSymbol(const std::string& name) { return where("eip in " + name); }
  Filter& atCpl(uint8_t level) { return where("cpl=" + std::to_string(level)); }
  Filter& inSpace(uint32_t cr3);  // cr3=0x... (the page-directory base)
  Filter& withVector(uint8_t vector) { return where("vector=" + std::to_string(vector)); }

  const std::string& text() const { return text_; }

 private:
  Filter& range(const char* field, uint32_t first, uint32_t last);
  std::string text_;
};

// ---- What inspection returns -------------------------------------------------------------------

struct Registers {
  uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
  uint32_t eip, eflags;
  uint16_t cs, ss, ds, es, fs, gs;
  uint32_t cr0, cr2, cr3, cr4;
  uint8_t cpl;
};

// The statistics of the run summary (`xray86 run --stats`), for the whole run or one address space.
struct Counters {
  uint64_t instructions = 0, cycles = 0;  // whole run only (0 per address space)
  uint64_t tlbHits = 0, tlbMisses = 0, walks = 0, evictions = 0;
  std::array<uint64_t, 4> flushes{};            // by FlushKind
  std::array<uint64_t, 4> flushDropped{};       // entries dropped, by FlushKind
  std::array<uint64_t, 8> pageFaultsByClass{};  // by error code & 7 (P | W | U)
  uint64_t pageFaults = 0;
  uint64_t reservedFaults = 0;
  uint64_t repeatFaults = 0;  // faults repeating the previous one at the same EIP and CR2
  uint64_t staleUses = 0;
  uint64_t missingFlushes = 0;             // the flush checker's reports (EventKind::kMissingFlush)
  uint64_t missingFlushUses = 0;           // uses of translations it holds stale (not by process)
  std::array<uint64_t, 6> resolutions{};   // how page faults ended, by Resolution
  std::array<uint64_t, 32> exceptions{};   // by vector (#PF too)
  std::array<uint64_t, 256> interrupts{};  // external, by vector
  std::array<uint64_t, 256> softwareInterrupts{};  // INT n (any CPL), by vector
  uint64_t syscalls = 0;
  uint64_t cr3Writes = 0;
  uint64_t unassignedMemory = 0, unassignedPorts = 0;  // whole run only
};

// One address space for its lifetime: a process. A page directory freed by one process and
// reused by the next is a new address space (docs/trace.md, "Processes").
struct Process {
  uint32_t asid = 0;        // 1, 2, ... in the order the address spaces appeared
  uint32_t cr3 = 0;         // its page directory (CR3 & ~0xFFF)
  uint32_t parent = 0;      // the asid current in the fork that made it (0: none known)
  uint32_t execFrom = 0;    // the asid whose exec made it (0: not made by exec)
  int32_t pid = -1;         // the kernel's pid, where its symbols name `ptable` (-1: unknown)
  std::string name;         // the kernel's name for it, else the program it runs ("": unknown)
  uint64_t firstCycle = 0;  // when it appeared (its first CR3 load)
  bool ended = false;       // it exited, exec'd, or its directory serves another now
};

// The PDE and PTE behind a linear address under some CR3, read without side effects.
struct PageEntries {
  uint32_t pdeAddr = 0, pde = 0;
  uint32_t pteAddr = 0, pte = 0;  // 0 when the PDE is not present or maps 4 MB
  bool large = false;
  bool present = false;                 // the whole walk found a page
  uint32_t physical = 0;                // when present
  bool user = false, writable = false;  // combined over PDE and PTE, when present
};

struct Mapping {
  uint32_t linear = 0, physical = 0, size = 0;  // size: 4 KB or 4 MB
  bool user = false, writable = false, global = false, accessed = false, dirty = false;
  uint32_t pdeAddr = 0, pde = 0, pteAddr = 0, pte = 0;
};

struct TlbEntry {
  unsigned set = 0, way = 0;
  uint32_t linear = 0, physical = 0, size = 0;
  bool user = false, writable = false, global = false, dirty = false, stale = false;
  uint32_t pte = 0;  // the leaf word the entry was filled from
};

// Why a run ended.
enum class StopKind : uint8_t {
  kExited,            // the guest wrote the exit port (status holds what `xray86 run` returns)
  kReset,             // the guest reset the machine
  kInstructionLimit,  // the run's instruction budget (or Options::maxInstructions) is used up
  kCycleLimit,
  kEvent,          // runUntil: the event arrived (Machine::lastEvent())
  kAddress,        // runTo: EIP reached the address or symbol
  kRepeatedFault,  // the repeat detector (stopOnRepeatedFaults)
  kRequested,      // a callback called Machine::stop()
  kHalted,         // HLT with nothing left to wake it
  kTripleFault,
  kUnsupported,  // an instruction the CPU does not implement
  kConsole,      // runUntilConsole: the console printed the text
};
const char* stopKindName(StopKind kind);

struct Stop {
  StopKind kind;
  int status = 0;       // `xray86 run`'s exit status for this stop ((guest << 1) | 1 on kExited)
  std::string message;  // one line
  bool exited() const { return kind == StopKind::kExited; }
};

// Names for messages: Google Test prints these values through them ("Which is:
// StopKind::kHalted", not a byte dump). An enum prints as its qualified enumerator
// ("Resolution::kMadeWritable", a value outside the enum as "Resolution(9)"); a Stop as
// "StopKind::kExited (status 1): MESSAGE". Include <ostream> to use them.
std::ostream& operator<<(std::ostream& out, StopKind kind);
std::ostream& operator<<(std::ostream& out, EventKind kind);
std::ostream& operator<<(std::ostream& out, Resolution resolution);
std::ostream& operator<<(std::ostream& out, Access access);
std::ostream& operator<<(std::ostream& out, FlushKind kind);
std::ostream& operator<<(std::ostream& out, const Stop& stop);

// ELF32 symbols, for `runTo("copyuvm")`, filters by symbol and naming addresses: the trace's
// symbol tables (trace::SymbolTable), so names mean the same in the API and in a trace.
class Symbols {
 public:
  struct Symbol {
    uint32_t start = 0, end = 0;  // [start, end)
    std::string name;
  };
  Symbols();
  ~Symbols();
  Symbols(Symbols&&) noexcept;
  Symbols& operator=(Symbols&&) noexcept;

  // Adds the function and object symbols of an ELF32 file; Error when it cannot. Where two files
  // cover the same addresses (user programs all link at 0) the file loaded first wins.
  void load(const std::string& path);
  std::optional<Symbol> find(const std::string& name) const;
  std::optional<Symbol> lookup(uint32_t address) const;  // the symbol covering `address`
  std::string describe(uint32_t address) const;          // "name+0x1c", or "" when none covers it
  size_t size() const;

  const trace::SymbolTable& table() const { return *table_; }  // for the library itself

 private:
  friend class Machine;  // a machine's Symbols are its run's table
  std::unique_ptr<trace::SymbolTable> table_;
};

// ---- The machine -------------------------------------------------------------------------------

class Machine {
 public:
  // Builds the PC and loads its images; Error with a one-line message if any is bad.
  explicit Machine(const Options& options);
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;
  // The same, with the error as a value: nullptr and `error` set.
  static std::unique_ptr<Machine> create(const Options& options, std::string& error);

  // -- Running. Every run also stops at the Options limits and when the guest stops. A run from
  // inside a callback throws Error.
  Stop run();  // until the guest exits (or a limit), or Options::until holds (then kConsole, ...)
  Stop runInstructions(uint64_t count);   // at most `count` more instructions
  Stop runCycles(uint64_t count);         // at most `count` more cycles
  Stop runUntil(EventKind kind);          // until the next event of that kind
  Stop runUntil(const Filter& filter);    // until the next event that matches
  Stop runTo(uint32_t eip);               // until EIP is `eip` (before it executes)
  Stop runTo(const std::string& symbol);  // until EIP is the symbol's first byte
  // Until the console (COM1 and port 0xE9) prints `text`, counting only what is printed from now
  // on: "$ " for a shell's prompt, for kernels that never power off (MIT's xv6).
  Stop runUntilConsole(const std::string& text);
  Stop step();  // one instruction (or one interrupt delivery)
  // From inside a callback: end the current run at the next instruction boundary (kRequested).
  void stop();
  // The repeat detector: a run stops (kRepeatedFault) once one address space faulted `count`
  // times in a row at the same EIP and CR2. 0 turns it off (the default).
  void stopOnRepeatedFaults(uint32_t count);
  // The event a runUntil() or the repeat detector stopped on.
  const std::optional<Event>& lastEvent() const;

  // -- Inspection: none of these changes the machine. With several processors (Options::cpus),
  // registers(), tlb() and readVirtual's TLB are the processor that ran last; registers(cpu)
  // and tlbOf(cpu) select one (0 to cpuCount() - 1, Error otherwise), and its page tables are
  // those of registers(cpu).cr3 (pageEntries, mappings).
  Registers registers() const;
  unsigned cpuCount() const;
  unsigned currentCpu() const;  // the processor that runs now, or ran last
  Registers registers(unsigned cpu) const;
  std::vector<TlbEntry> tlbOf(unsigned cpu, bool instruction = false) const;
  uint64_t cycles() const;
  uint64_t instructions() const;
  std::string console() const;  // COM1 and port 0xE9 output so far
  // Physical memory (RAM and CGA text memory only; Error elsewhere, as on MMIO).
  std::vector<uint8_t> readPhysical(uint32_t pa, size_t size) const;
  uint32_t readPhysical32(uint32_t pa) const;
  // Virtual memory through `cr3` as an access of that privilege would see it (for the current
  // CR3 through the TLB, stale entries included). nullopt when some page would fault.
  std::optional<std::vector<uint8_t>> readVirtual(uint32_t cr3, uint32_t va, size_t size,
                                                  bool user = false) const;
  std::optional<uint32_t> readVirtual32(uint32_t cr3, uint32_t va, bool user = false) const;
  PageEntries pageEntries(uint32_t cr3, uint32_t va) const;
  std::vector<Mapping> mappings(uint32_t cr3) const;          // the present ones, in linear order
  std::vector<TlbEntry> tlb(bool instruction = false) const;  // valid entries
  const Symbols& symbols() const;
  // The programs seen running in the address space `cr3` (CR3 & ~0xFFF), in order, e.g.
  // "sh, cowtest": an address space maps a program's code (the user programs among
  // Options::symbols and the ELF files of the modules, such as the built-in guest's archive);
  // a freed page directory may serve another process later. "" when none was recognised.
  std::string programName(uint32_t cr3) const;
  // The name of system call `number` from the kernel's `syscalls` table ("fork" for sys_fork),
  // known once the guest made its first system call; "" when unknown.
  std::string syscallName(uint32_t number) const;
  // Every address space seen so far, in asid order (processes()[asid - 1]).
  std::vector<Process> processes() const;

  // -- Counting, since the machine was built. Faults still pending when the guest ends (exits,
  // resets, halts for good, triple-faults) get their resolution then, as at the end of a trace.
  Counters counters() const;
  std::map<uint32_t, Counters> countersByAddressSpace() const;  // by CR3 & ~0xFFF
  // By asid: the events of each process (exceptions, page faults by class, how they ended,
  // repeats, stale uses, missing flushes, interrupts, system calls, CR3 loads; no TLB statistics
  // nor missingFlushUses, which the MMU keeps by page directory).
  std::map<uint32_t, Counters> countersByProcess() const;
  uint64_t count(const Filter& filter) const;
  std::vector<Event> events(const Filter& filter) const;
  // TLB misses are counted always but recorded (for count/events) only after this; a filter
  // that can match nothing but misses throws Error until then.
  void recordTlbMisses(bool on);

  // -- Subscribing: `callback` sees every event of `kind` as it happens. Returns an id.
  using Callback = std::function<void(const Event&)>;
  int subscribe(EventKind kind, Callback callback);
  void unsubscribe(int id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xray86
