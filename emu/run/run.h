// One run of a guest, whatever looks at it: the command line, the SDL view and the C++ API are
// thin front ends over a Run (docs/architecture.md). A Run is built from one configuration (the
// machine's options, the limits, the symbol files, the COW bit) and owns the Machine, the one
// Tracer, the symbol tables, the user programs that name address spaces, and what the tracer
// learns of the guest (system-call names, getNumFreePages). It runs the machine to a stop
// condition and tells why it stopped; everything else it offers only looks.
//
// run.cpp defines:   Run (create, run, the stop conditions, probes, summary), loadGuestNames.
// until.cpp defines: Until::parse.
// watch.h declares what watch.cpp defines (InputIdle, StuckGuest).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "devices/console.h"
#include "emu/events/events.h"
#include "emu/machine/machine.h"
#include "emu/run/watch.h"
#include "emu/trace/filter.h"
#include "emu/trace/guest_info.h"
#include "emu/trace/programs.h"
#include "emu/trace/symbols.h"
#include "emu/trace/tracer.h"

namespace run {

// The PTE bit of copy-on-write pages unless told otherwise (xray86/event_kinds.h).
constexpr unsigned kDefaultCowBit = xray86::kDefaultCowBit;

struct Config {
  emu::MachineConfig machine;
  uint64_t maxInstructions = ~uint64_t{0};  // totals: a run never goes past them (--max-insns)
  uint64_t maxCycles = ~uint64_t{0};        // --max-cycles
  std::vector<std::string> symbolFiles;     // --symbols (the kernel ELF's are loaded always)
  unsigned cowBit = kDefaultCowBit;         // --cow-bit
};

// Where a run stops, besides the end of the guest and the limits. Text forms (Until::parse),
// the grammar of --view-at and the API's runUntil:
//   exit            the guest ends (or a limit is reached)
//   insn:N          the instruction count reaches N (a total)
//   cycle:N         the first instruction boundary at or after cycle N
//   pf:N            the Nth page fault from now has been resolved (its instruction completed)
//   symbol:NAME     before the first instruction of NAME runs (also an address: symbol:0x1000)
//   ret:NAME        when the first call of NAME returns to its caller
//   console:TEXT    the console prints TEXT (counting from now)
//   event:EXPR      the next event that matches EXPR (the --trace-filter language)
// and, for the view's keys, the next page fault (at its handler's first instruction), the next
// TLB flush and the next CR3 write.
struct Until {
  enum class Kind : uint8_t {
    kEnd,
    kInstructions,
    kCycles,
    kPageFaultDone,
    kAddress,
    kReturn,
    kConsole,
    kEvent,
    kNextFault,
    kNextFlush,
    kNextCr3,
  };
  Kind kind = Kind::kEnd;
  uint64_t n = 0;    // insn:N, cycle:N, pf:N
  std::string name;  // symbol:NAME, ret:NAME (empty when `address` is given directly)
  std::optional<uint32_t> address;  // kAddress, kReturn: resolved from `name` when not given
  std::string text;                 // console:TEXT, event:EXPR
  std::string source;               // as written, for messages ("pf:3")

  static Until end() { return {}; }
  static Until instructions(uint64_t total) { return make(Kind::kInstructions, total); }
  static Until cycles(uint64_t total) { return make(Kind::kCycles, total); }
  static Until at(uint32_t eip) {
    Until u = make(Kind::kAddress, 0);
    u.address = eip;
    return u;
  }
  static Until event(const std::string& expression) {
    Until u = make(Kind::kEvent, 0);
    u.text = expression;
    return u;
  }
  static Until console(const std::string& text) {
    Until u = make(Kind::kConsole, 0);
    u.text = text;
    return u;
  }
  static Until make(Kind kind, uint64_t n) {
    Until u;
    u.kind = kind;
    u.n = n;
    return u;
  }
  // Parses the text forms above; nullopt and a one-line `error` otherwise.
  static std::optional<Until> parse(const std::string& text, std::string& error);
};

// Why a run stopped.
enum class StopKind : uint8_t {
  kExited,            // the guest wrote the exit port
  kReset,             // the guest reset the machine
  kInstructionLimit,  // Config::maxInstructions
  kCycleLimit,        // Config::maxCycles
  kHalted,            // HLT with nothing left to wake it
  kTripleFault,
  kUnsupported,    // an instruction the CPU does not implement
  kReached,        // the Until condition
  kPaused,         // resume()'s totals (the condition is still armed)
  kRepeatedFault,  // stopOnRepeatedFaults
  kRequested,      // requestStop() from an observer, or the poll's answer (setPoll)
  kIdle,           // stopWhenIdle: the script is typed and the guest waits for more
  kStuck,          // stopWhenStuck: interrupts off and nothing happening (a panic's spin)
  kBreakpoint,     // setBreakpoints: the next instruction is at a breakpoint
};

struct Stop {
  StopKind kind = StopKind::kRequested;
  int status = 0;                      // the exit status of `xray86 run` for it (emu::exit_status)
  std::string message;                 // one line
  std::optional<trace::Record> event;  // the record an event condition or the repeat stop saw
  // The guest is over: no run can go further (a limit or a condition can be run past).
  bool ended() const {
    return kind == StopKind::kExited || kind == StopKind::kReset || kind == StopKind::kHalted ||
           kind == StopKind::kTripleFault || kind == StopKind::kUnsupported ||
           kind == StopKind::kStuck;
  }
  // The emulator's verdict of failure (a limit, a halt for good, a triple fault, an instruction
  // it lacks), as opposed to a guest's own exit or a condition reached.
  bool failed() const {
    return kind == StopKind::kInstructionLimit || kind == StopKind::kCycleLimit ||
           kind == StopKind::kHalted || kind == StopKind::kTripleFault ||
           kind == StopKind::kUnsupported || kind == StopKind::kStuck;
  }
};

// What names the guest: the symbols of the kernel ELF (a file, or the built-in guest's bytes in
// machine.files; a kernel without symbols is still a kernel) and of `symbolFiles`, and the user
// programs among those files and in the modules. False with a one-line `error` when a symbol
// file cannot be read.
bool loadGuestNames(const emu::MachineConfig& machine, const std::vector<std::string>& symbolFiles,
                    trace::SymbolTable& symbols, trace::Programs& programs, std::string& error);

// A snapshot of a run (docs/debug.md): the machine's, and what the run and its tracer know that a
// run from here would otherwise know differently (the counters, the faults not yet resolved,
// the address spaces and processes, the end, the idle and stuck tests, the console's last line).
struct Snapshot {
  std::shared_ptr<const emu::MachineSnapshot> machine;
  trace::Tracer::State tracer;
  trace::GuestInfo info;
  std::optional<Stop> end;
  uint64_t faults = 0;
  std::string consoleTail, line, lastLine;
  std::optional<InputIdleState> idle;
  std::optional<StuckGuestState> stuck;
  uint64_t pieceEnd = 0, activity = 0, waitingSince = 0;
  uint64_t instructions() const { return machine->instructions; }
  uint64_t cycles() const { return machine->cycles; }
};

class Run final : private emu::Observer, private devices::ByteSink {
 public:
  // Builds the machine and loads its images and the names; nullptr and a one-line `error` if
  // anything is bad. The console goes to config.machine.console (standard output when null).
  static std::unique_ptr<Run> create(const Config& config, std::string& error);
  ~Run() override;
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  // Runs until `until`, the end of the guest or a limit. An unknown symbol or a bad expression
  // in `until` is a one-line `error` (nullopt) before anything runs. Once the guest has ended,
  // every run returns that end again at once.
  std::optional<Stop> run(const Until& until, std::string& error);
  Stop run() {
    std::string ignored;
    return *run(Until::end(), ignored);
  }
  // The same in pieces (the view's window runs a few instructions a frame): arm() a condition,
  // which stays armed across resume() calls until it is reached or disarmed; resume() runs to
  // the armed condition (kReached, which disarms it), the end, a limit, or the totals given
  // (kPaused).
  bool arm(const Until& until, std::string& error);
  void disarm();
  bool armed() const { return armed_; }
  Stop resume(uint64_t maxInstructions = ~uint64_t{0}, uint64_t maxCycles = ~uint64_t{0});
  Stop step();  // one instruction (or one interrupt delivery)
  // From an observer or a sink, during a run: stop at the next instruction boundary
  // (StopKind::kRequested).
  void requestStop();
  bool running() const { return running_; }
  // Stop a run (kRepeatedFault) once one address space faulted `count` times in a row at the same
  // EIP and CR2; 0 turns it off.
  void stopOnRepeatedFaults(uint32_t count) { repeatLimit_ = count; }
  // The front end's look during a run (progress lines, signals), called from the events that
  // come often in a running guest (interrupts, HLT, every 16th port access) and between the
  // pieces a stuck test runs the machine in. A message it returns stops the run at the next
  // instruction boundary (StopKind::kRequested with that message). A null poll turns it off.
  // Looking never stops and restarts the machine, so it changes nothing in the run.
  using Poll = std::function<std::optional<std::string>()>;
  void setPoll(Poll poll) { poll_ = std::move(poll); }
  // Stop (kIdle, status 0) once the --input script is typed and read and the guest waits for
  // more (InputIdle). False when the console's input is not a script.
  bool stopWhenIdle();
  // Stop (kStuck) after `cycles` of guest time with interrupts off and no port I/O, interrupt
  // or console output (StuckGuest); 0 turns it off. Such a guest publishes no event, so the run
  // looks between pieces of a quarter of `cycles`: the first piece's end is the first point
  // where the run can differ from one without the test (the machine times scripted input by its
  // slices, which a piece's end cuts short).
  // Without stopWhenIdle, the same limit ends (kStuck) a run whose --input script is used up and
  // whose guest has waited for more for `cycles` (InputIdle): nothing runs, as in a deadlock.
  void stopWhenStuck(uint64_t cycles);
  uint64_t stuckCycles() const { return stuck_ ? stuck_->limit() : 0; }
  // Breakpoints (a debugger's): stop (kBreakpoint) before the instruction at any of these EIPs
  // runs, checked at every instruction boundary as symbol:NAME is, so the guest's memory, the
  // cycle count and the trace are those of a run without them. The instruction a run starts at
  // always runs first (resuming from a breakpoint leaves it). An empty list turns them off.
  void setBreakpoints(std::vector<uint32_t> eips);
  const std::vector<uint32_t>& breakpoints() const { return breakpoints_; }
  // Observers that look at every retired instruction (a debugger's watchpoints) ask for the
  // CPU's instruction events here; they cost the interpreter's slow path, never a change.
  void wantInstructionEvents(bool on) {
    observerWantsInstructions_ = on;
    updateInstructionEvents();
  }
  // The end of the guest, once it has ended.
  const std::optional<Stop>& end() const { return end_; }
  // Resolves what is still pending and finishes the tracer's sinks (the trace files' trailers).
  // A front end calls it once it will run no more; the Run's destructor does it otherwise.
  void finish();

  // -- What looks at the run. Observers see the CPU's and the MMU's events; the tracer's sinks
  // (Tracer::setSink) see its records. Neither may change the machine.
  emu::Machine& machine() { return *machine_; }
  const emu::Machine& machine() const { return *machine_; }
  trace::Tracer& tracer() { return *tracer_; }
  const trace::Tracer& tracer() const { return *tracer_; }
  bool attach(emu::Observer* observer);
  void detach(emu::Observer* observer);
  const trace::SymbolTable& symbols() const { return symbols_; }
  const trace::Programs& programs() const { return programs_; }
  const trace::GuestInfo& guestInfo() const { return info_; }
  unsigned cowBit() const { return config_.cowBit; }
  const Config& config() const { return config_; }

  uint64_t instructions() const;
  uint64_t cycles() const;
  // Physical memory through plain RAM frames only (never a device): nullopt for MMIO and holes,
  // with the first such address in `notRam` when it is given.
  std::optional<std::vector<uint8_t>> readPhysical(uint32_t pa, size_t size,
                                                   uint32_t* notRam = nullptr) const;
  // Linear memory through `cr3`'s tables as an access at that privilege would see it, without
  // side effects; nullopt where a page would fault.
  std::optional<std::vector<uint8_t>> readLinear(uint32_t cr3, uint32_t va, size_t size,
                                                 bool user) const;

  // A debugger's writes (gdb's M packet), the one way a front end changes the guest: bytes into
  // plain RAM frames only, physical or through `cr3`'s tables (a probe, as a supervisor read
  // sees the page: no A/D bit, no TLB fill, and read-only pages are written too). Decoded code
  // from those bytes is dropped. False, writing nothing, where a page would fault or is not RAM.
  bool writePhysical(uint32_t pa, const std::vector<uint8_t>& bytes);
  bool writeLinear(uint32_t cr3, uint32_t va, const std::vector<uint8_t>& bytes);

  // Snapshots (docs/debug.md), between runs: saveState takes one here (`previous`, one of this
  // run's, shares the RAM frames that did not change since); restoreState puts this run where a
  // snapshot of it, or of a run of the same configuration, was taken. The armed condition, the
  // breakpoints, the observers and the sinks stay as they are: what runs after a restore is the
  // run that came after the snapshot, seen by whoever looks now.
  std::shared_ptr<const Snapshot> saveState(const Snapshot* previous = nullptr) const;
  void restoreState(const Snapshot& s);

  // The run summary, one fact a line (--stats). `hostSeconds` < 0 leaves out the host speed.
  std::string summary(double hostSeconds) const;

 private:
  explicit Run(const Config& config);
  enum class Cause : uint8_t { kNone, kReached, kRepeat, kRequested, kPolled, kIdle, kBreakpoint };

  void reached(std::optional<trace::Record> event = std::nullopt);
  void enterCall();
  void updateInstructionEvents();
  Stop stopFor(const emu::Machine::Outcome& outcome);

  // emu::Observer: instruction boundaries, page faults, flushes and CR3 writes.
  void onInstruction(const emu::InstructionEvent& e) override;
  void onPageFault(const mmu::PageFault& e) override;
  void onTlbFlush(const mmu::TlbFlush& e) override;
  void onCr3Write(const mmu::Cr3Write& e) override;
  void onIo(const emu::IoEvent&) override;
  void onInterrupt(const emu::InterruptEvent&) override;
  void onHalt(const emu::HaltEvent& e) override;
  // From an event: the poll and the idle test, which stop the run by a request.
  void look();
  // Between two pieces of a run: the poll, the idle test, then the stuck test.
  std::optional<Stop> betweenPieces();
  Stop idleStop() const;
  // The records an event condition and the repeat stop test (a sink of the tracer's).
  void record(const trace::Record& r);
  struct Watch final : trace::Sink {
    explicit Watch(Run& run) : run_(run) {}
    void write(const trace::Record& r) override { run_.record(r); }
    void finish() override {}
    Run& run_;
  };
  // devices::ByteSink: the console, passed on to the configured one, tested for console:TEXT.
  void put(uint8_t byte) override;

  Config config_;
  std::unique_ptr<devices::ByteSink> stdoutConsole_;
  devices::ByteSink* console_ = nullptr;  // where the console goes
  std::unique_ptr<emu::Machine> machine_;
  trace::SymbolTable symbols_;
  trace::Programs programs_;
  trace::GuestInfo info_;
  std::unique_ptr<trace::Tracer> tracer_;
  Watch watch_{*this};
  bool finished_ = false;
  bool running_ = false;
  std::optional<Stop> end_;

  // The armed condition (kEnd when none).
  Until until_;
  bool armed_ = false;
  Cause cause_ = Cause::kNone;
  std::optional<trace::Record> stopEvent_;
  std::unique_ptr<trace::Filter> eventFilter_;
  uint32_t repeatLimit_ = 0;
  bool wantInstructions_ = false;           // the condition needs every retired instruction
  bool observerWantsInstructions_ = false;  // wantInstructionEvents
  std::vector<uint32_t> breakpoints_;       // sorted
  uint32_t target_ = 0;  // kAddress, kReturn: the function; pf:N: the faulting EIP
  uint32_t targetCr3_ = 0;
  uint32_t returnEip_ = 0, returnEsp_ = 0;  // ret:NAME: where the call returns to
  bool entered_ = false;                    // ret:NAME: the call has begun
  uint64_t faultsAtArm_ = 0, faults_ = 0;   // pf:N
  std::string consoleTail_;                 // console:TEXT: the last bytes printed

  // Looks during a run.
  Poll poll_;
  std::string pollMessage_;          // what the poll answered (Cause::kPolled)
  std::unique_ptr<InputIdle> idle_;  // with a scripted console: stopWhenIdle or stopWhenStuck
  bool exitWhenIdle_ = false;        // stopWhenIdle: idle_ ends the run with status 0
  uint64_t waitingSince_ = 0;        // the cycle idle_ began to see the guest wait (0: not now)
  bool watchInput();                 // idle_ made if the console's input is a script
  std::unique_ptr<StuckGuest> stuck_;
  uint64_t pieceEnd_ = 0;        // where the stuck test's piece ends (0: none begun)
  uint64_t activity_ = 0;        // port accesses, interrupts and console bytes (StuckGuest)
  std::string line_, lastLine_;  // the console line being printed, the last one not blank
};

}  // namespace run
