// xray86::Machine over emu::Machine. The trace's Tracer (emu/trace/tracer.h) turns the CPU's and
// MMU's events into records and follows each page fault to its resolution; this file is its
// sink: it keeps every record, calls subscribers, and stops runs (Cpu::requestStop) on the
// conditions a run asked for, testing them with the trace's own filter. It also observes the
// event bus itself, for what the tracer does not record: the counters per address space, TLB
// misses (only when asked: they are many) and the instruction boundaries of runTo().
// Inspection goes through the MMU's probes and the bus's frame pointers, never through an
// access that could change the machine (no MMIO reads, no A/D bits, no TLB fills).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "emu/machine/machine.h"
#include "emu/cli/machine_cli.h"
#include "emu/trace/filter.h"
#include "emu/trace/guest_info.h"
#include "emu/trace/programs.h"
#include "emu/trace/symbols.h"
#include "emu/trace/trace_cli.h"
#include "emu/trace/tracer.h"
#include "xray86/xray86.h"

namespace xray86 {

namespace {

// The guest's console, kept for console() and optionally echoed.
class ConsoleSink final : public devices::ByteSink {
 public:
  explicit ConsoleSink(bool echo) : echo_(echo) {}
  void put(uint8_t byte) override {
    text += static_cast<char>(byte);
    if (afterByte) afterByte();
    if (echo_) {
      std::fputc(byte, stdout);
      if (byte == '\n') std::fflush(stdout);
    }
  }
  std::string text;
  std::function<void()> afterByte;  // runUntilConsole's check

 private:
  bool echo_;
};

// The built-in guest's copy-on-write bit (guest/kernel/mmu.h: PTE_COW 0x200); the tracer keeps it
// for its words, which the API does not print.
constexpr unsigned kCowBit = 9;

constexpr uint32_t bit(trace::Kind k) { return 1u << static_cast<unsigned>(k); }
// What the tracer hands over: every kind but instructions, port/MMIO accesses and TLB misses
// (this file records misses itself, and only when asked).
constexpr uint32_t kTracedKinds = ((1u << trace::kKindCount) - 1) & ~bit(trace::Kind::kInsn) &
                                  ~bit(trace::Kind::kIo) & ~bit(trace::Kind::kMiss);

Access toAccess(mmu::Access a) {
  switch (a) {
    case mmu::Access::kRead: return Access::kRead;
    case mmu::Access::kWrite: return Access::kWrite;
    case mmu::Access::kFetch: return Access::kFetch;
  }
  return Access::kRead;
}

std::optional<EventKind> toEventKind(trace::Kind k) {
  using K = trace::Kind;
  switch (k) {
    case K::kPageFault: return EventKind::kPageFault;
    case K::kResolve: return EventKind::kResolve;
    case K::kFlush: return EventKind::kTlbFlush;
    case K::kMiss: return EventKind::kTlbMiss;
    case K::kCr3: return EventKind::kCr3Write;
    case K::kException: return EventKind::kException;
    case K::kInterrupt: return EventKind::kInterrupt;
    case K::kSyscall: return EventKind::kSyscall;
    case K::kStale: return EventKind::kStaleTlbUse;
    case K::kSysReturn: return EventKind::kSysReturn;
    case K::kHalt: return EventKind::kHalt;
    case K::kIo:
    case K::kInsn: break;
  }
  return std::nullopt;
}

Event toEvent(const trace::Record& r) {
  Event e;
  e.kind = toEventKind(r.kind).value_or(EventKind::kHalt);
  e.cycle = r.ctx.cycle;
  e.instructions = r.ctx.instructions;
  e.eip = r.ctx.eip;
  e.cpl = r.ctx.cpl;
  e.cr3 = r.ctx.cr3;
  e.address = r.address;
  e.errorCode = r.errorCode;
  e.access = toAccess(r.access);
  e.vector = r.vector;
  e.external = r.external;
  e.flushKind = static_cast<FlushKind>(r.flushKind);
  e.dropped = r.dropped;
  e.oldCr3 = r.oldCr3;
  e.eax = r.eax;
  e.value = r.kind == trace::Kind::kSysReturn ? r.value : 0;
  e.pdeAddr = r.walk.pdeAddr;
  e.pde = r.walk.pde;
  e.pteAddr = r.walk.pteAddr;
  e.pte = r.walk.pte;
  e.cachedPte = r.cachedPte;
  e.memoryPte = r.memoryPte;
  e.cachedFrame = r.cachedFrame;
  e.wordAddr = r.wordAddr;
  e.repeat = r.repeat;
  e.resolution = static_cast<Resolution>(r.resolution);
  e.pteBefore = r.pteBefore;
  e.pteAfter = r.pteAfter;
  e.frameBefore = r.frameBefore;
  e.frameAfter = r.frameAfter;
  e.faultCycle = r.faultCycle;
  return e;
}

// Why a requested stop happened (the CPU only knows that one was requested).
enum class Cause : uint8_t { kNone, kEvent, kAddress, kRepeat, kUser, kConsole };

void addMmuStats(Counters& c, const mmu::MmuStats& s) {
  c.tlbHits += s.tlbHits;
  c.tlbMisses += s.tlbMisses;
  c.walks += s.walks;
  c.evictions += s.evictions;
  for (size_t i = 0; i < 4; ++i) {
    c.flushes[i] += s.flushes[i];
    c.flushDropped[i] += s.flushDropped[i];
  }
  for (size_t i = 0; i < 8; ++i) c.pageFaultsByClass[i] += s.pageFaults[i];
  c.pageFaults += s.pageFaultTotal();
  c.reservedFaults += s.reservedFaults;
  c.staleUses += s.staleUses;
}

}  // namespace

struct Machine::Impl final : emu::Observer, trace::Sink {
  Options options;
  ConsoleSink console;
  std::unique_ptr<emu::Machine> m;
  Symbols symbols;
  trace::Programs programs;  // name address spaces (trace::GuestInfo)
  trace::GuestInfo info;
  std::unique_ptr<trace::Tracer> tracer;
  bool tracerAttached = false, finished = false;

  std::vector<trace::Record> recorded;
  bool recordMisses = false;
  Counters eventCounts;                     // what is counted here (the MMU counts the rest)
  std::map<uint32_t, Counters> eventCountsBySpace;

  struct Subscription {
    int id;
    EventKind kind;
    Callback callback;
  };
  std::vector<Subscription> subscriptions;
  int nextId = 1;

  // The current run's stop conditions.
  std::unique_ptr<trace::Filter> stopFilter;
  uint32_t stopKinds = 0;  // stopFilter->kinds(), asked on every TLB miss
  std::optional<uint32_t> stopEip;
  uint32_t repeatLimit = 0;
  Cause cause = Cause::kNone;
  std::optional<Event> lastEvent;
  bool running = false;
  std::exception_ptr callbackError;

  explicit Impl(const Options& o) : options(o), console(o.echoConsole) {
    console.afterByte = [this] {
      if (!stopText || console.text.size() < stopTextFrom + stopText->size()) return;
      if (console.text.compare(console.text.size() - stopText->size(), stopText->size(), *stopText) == 0) {
        requestStop(Cause::kConsole);
      }
    };
  }
  std::optional<std::string> stopText;  // runUntilConsole
  size_t stopTextFrom = 0;

  emu::Cpu& cpu() const { return m->cpu(); }

  void requestStop(Cause c) {
    if (cause == Cause::kNone) cause = c;
    cpu().requestStop();
  }

  Counters& space(uint32_t cr3) { return eventCountsBySpace[cr3 & ~0xFFFu]; }

  // ---- trace::Sink: every record the tracer makes, and the misses made here ----
  void write(const trace::Record& r) override {
    if (r.kind == trace::Kind::kPageFault && r.repeat > 1) {
      ++eventCounts.repeatFaults;
      ++space(r.ctx.cr3).repeatFaults;
    }
    if (r.kind == trace::Kind::kResolve) {
      auto how = static_cast<size_t>(r.resolution);
      if (how < eventCounts.resolutions.size()) {
        ++eventCounts.resolutions[how];
        ++space(r.ctx.cr3).resolutions[how];
      }
    }
    if (r.kind != trace::Kind::kMiss || recordMisses) recorded.push_back(r);
    std::optional<EventKind> kind = toEventKind(r.kind);
    if (!kind) return;
    std::optional<Event> event;
    for (size_t i = 0; i < subscriptions.size(); ++i) {
      if (subscriptions[i].kind != *kind) continue;
      if (!event) event = toEvent(r);
      // A copy: the callback may subscribe or unsubscribe (itself too), which moves the list.
      Callback callback = subscriptions[i].callback;
      try {
        callback(*event);
      } catch (...) {
        // Unwinding through the CPU's run loop would leave an instruction half done: stop at the
        // next boundary and rethrow from run().
        if (!callbackError) callbackError = std::current_exception();
        requestStop(Cause::kUser);
      }
    }
    if (stopFilter && stopFilter->matches(r)) {
      lastEvent = toEvent(r);
      requestStop(Cause::kEvent);
    }
    if (repeatLimit != 0 && r.kind == trace::Kind::kPageFault && r.repeat >= repeatLimit) {
      lastEvent = toEvent(r);
      requestStop(Cause::kRepeat);
    }
  }
  void finish() override {}

  // The guest has ended for good: resolve the faults still pending, as a trace does at its end.
  void finishTrace() {
    if (finished || !tracerAttached) return;
    finished = true;
    running = true;  // a callback called from here may not start a run either
    tracer->finish();
    running = false;
  }

  // ---- emu::Observer: counters, misses, runTo ----
  void onException(const emu::ExceptionEvent& x) override {
    emu::EventContext ctx = cpu().events().context();
    if (x.vector < eventCounts.exceptions.size()) {
      ++eventCounts.exceptions[x.vector];
      ++space(ctx.cr3).exceptions[x.vector];
    }
  }
  void onInterrupt(const emu::InterruptEvent& x) override {
    Counters& here = space(cpu().events().context().cr3);
    if (!x.external) {
      ++eventCounts.softwareInterrupts[x.vector];
      ++here.softwareInterrupts[x.vector];
      return;
    }
    ++eventCounts.interrupts[x.vector];
    ++here.interrupts[x.vector];
  }
  void onSyscall(const emu::SyscallEvent&) override {
    ++eventCounts.syscalls;
    ++space(cpu().events().context().cr3).syscalls;
  }
  void onCr3Write(const mmu::Cr3Write&) override {
    ++eventCounts.cr3Writes;
    ++space(cpu().events().context().cr3).cr3Writes;
  }
  void onInstruction(const emu::InstructionEvent&) override {
    // Asked for only by runTo(): the instruction retired and EIP holds the next one.
    if (stopEip && cpu().eip() == *stopEip) requestStop(Cause::kAddress);
  }
  void onTlbMiss(const mmu::TlbMiss& x) override {
    if (!recordMisses && !wants(trace::Kind::kMiss)) return;
    // The tracer's record of a miss (its instruction bytes left out: nothing here prints them).
    trace::Record r;
    r.kind = trace::Kind::kMiss;
    r.ctx = cpu().events().context();
    r.address = x.linear;
    r.access = x.access;
    r.walk = x.walk;
    r.faulted = x.faulted;
    write(r);
  }

  bool wants(trace::Kind k) const {
    if (stopFilter && (stopKinds & bit(k))) return true;
    std::optional<EventKind> kind = toEventKind(k);
    for (const Subscription& s : subscriptions) {
      if (kind && s.kind == *kind) return true;
    }
    return false;
  }

  // The filter's expression parsed against this machine's symbols (nullptr: match everything).
  std::unique_ptr<trace::Filter> parse(const Filter& f) const {
    if (f.text().find_first_not_of(" \t\n") == std::string::npos) return nullptr;
    std::string error;
    std::unique_ptr<trace::Filter> p = trace::Filter::parse(f.text(), symbols.table(), error);
    if (!p) {
      // "--trace-filter: column N: why" names the option; here the expression is the argument.
      const std::string prefix = "--trace-filter: ";
      if (error.rfind(prefix, 0) == 0) error.erase(0, prefix.size());
      throw Error("filter \"" + f.text() + "\": " + error);
    }
    return p;
  }

  // One run to the given totals (further capped by the Options limits).
  Stop run(uint64_t maxInstructions, uint64_t maxCycles) {
    maxInstructions = std::min(maxInstructions, options.maxInstructions);
    maxCycles = std::min(maxCycles, options.maxCycles);
    cause = Cause::kNone;
    running = true;
    emu::Machine::Outcome o;
    try {
      o = m->run(maxInstructions, maxCycles);
    } catch (...) {
      running = false;
      stopFilter.reset();
      stopText.reset();
      throw;
    }
    running = false;
    using K = emu::Machine::Outcome::Kind;
    if (o.kind != K::kStopped && o.kind != K::kInstructionLimit && o.kind != K::kCycleLimit) finishTrace();
    stopFilter.reset();
    std::optional<std::string> text = std::move(stopText);
    stopText.reset();
    if (stopEip) {
      stopEip.reset();
      cpu().events().setInstructionEvents(false);
    }
    if (callbackError) {
      std::exception_ptr e = callbackError;
      callbackError = nullptr;
      std::rethrow_exception(e);
    }
    switch (o.kind) {
      case K::kGuestExit: return Stop{StopKind::kExited, o.status, o.message};
      case K::kGuestReset: return Stop{StopKind::kReset, o.status, o.message};
      case K::kInstructionLimit: return Stop{StopKind::kInstructionLimit, o.status, o.message};
      case K::kCycleLimit: return Stop{StopKind::kCycleLimit, o.status, o.message};
      case K::kHalted: return Stop{StopKind::kHalted, o.status, o.message};
      case K::kTripleFault: return Stop{StopKind::kTripleFault, o.status, o.message};
      case K::kUnsupported: return Stop{StopKind::kUnsupported, o.status, o.message};
      case K::kStopped: break;
    }
    switch (cause) {
      case Cause::kEvent: return Stop{StopKind::kEvent, 0, std::string("stopped on a ") + eventKindName(lastEvent->kind) + " event"};
      case Cause::kAddress: return Stop{StopKind::kAddress, 0, "EIP reached the address"};
      case Cause::kConsole: return Stop{StopKind::kConsole, 0, "the console printed \"" + text.value_or("") + "\""};
      case Cause::kRepeat:
        return Stop{StopKind::kRepeatedFault, 0,
                    "the same page fault " + std::to_string(lastEvent->repeat) + " times in a row"};
      case Cause::kUser:
      case Cause::kNone: break;
    }
    return Stop{StopKind::kRequested, 0, "stopped by Machine::stop()"};
  }

  void checkIdle(const char* what) const {
    if (running) throw Error(std::string(what) + " from inside a callback: a run is in progress");
  }
};

// ---- Options -----------------------------------------------------------------------------------

Options Options::fromArgs(const std::vector<std::string>& args) {
  CLI::App app{"xray86 run"};
  emu::MachineCli cli;
  emu::addMachineOptions(app, cli);
  uint64_t maxInstructions = Options{}.maxInstructions;
  if (app.get_option_no_throw("--max-insns") == nullptr) {
    app.add_option("-n,--max-instructions,--max-insns", maxInstructions, "Stop after this many instructions");
  }
  std::vector<std::string> symbolFiles;
  if (app.get_option_no_throw("--symbols") == nullptr) app.add_option("--symbols", symbolFiles, "ELF symbol files");
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them last first
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    throw Error(std::string("bad options: ") + e.what());
  }
  Options o;
  const emu::MachineConfig& c = cli.config;
  o.kernel = c.kernel;
  o.cmdline = c.cmdline;
  o.modules = c.modules;
  o.disks = c.disks;
  o.snapshot = true;  // --snapshot or not, the API never writes a disk image
  o.bios = c.bios;
  o.memMb = c.memMb;
  o.input = c.input;
  o.inputFile = c.inputFile;
  o.keys = c.keys;
  if (!cli.rtc.empty() && !emu::parseRtc(cli.rtc, o.rtc)) {
    throw Error("--rtc " + cli.rtc + ": expected seconds since 1970 or YYYY-MM-DD[THH:MM:SS]");
  }
  o.maxInstructions = maxInstructions;
  o.maxCycles = cli.maxCycles;
  o.tlbSets = c.tlb.sets;
  o.tlbWays = c.tlb.ways;
  o.splitTlb = c.tlb.split;
  o.symbols = symbolFiles;
  return o;
}

// ---- Machine -----------------------------------------------------------------------------------

Machine::Machine(const Options& options) : impl_(std::make_unique<Impl>(options)) {
  Impl& I = *impl_;
  emu::MachineConfig c;
  c.memMb = options.memMb;
  c.kernel = options.kernel;
  c.cmdline = options.cmdline;
  c.modules = options.modules;
  c.disks = options.disks;
  c.snapshot = options.snapshot;
  c.bios = options.bios;
  // No script and no file: an empty script, never the host terminal (a test has no one typing).
  c.input = options.input ? options.input : (options.inputFile.empty() ? std::optional<std::string>("") : std::nullopt);
  c.inputFile = options.inputFile;
  c.keys = options.keys;
  c.rtc = options.rtc;
  c.console = &I.console;
  c.tlb = mmu::TlbGeometry{options.tlbSets, options.tlbWays, options.splitTlb};
  if (options.maxInstructions == 0) throw Error("maxInstructions must be at least 1");
  std::string error;
  try {
    I.m = emu::Machine::create(c, error);
  } catch (const std::exception& e) {
    throw Error(e.what());
  }
  if (!I.m) throw Error(error);
  // The kernel's symbols first, then the others, as `xray86 run` loads them.
  if (!options.kernel.empty()) {
    try {
      I.symbols.load(options.kernel);
    } catch (const Error&) {
      // A kernel without a symbol table still runs; symbol lookups just find nothing in it.
    }
  }
  for (const std::string& f : options.symbols) I.symbols.load(f);
  // The tracer first: a miss that resolves a fault gives the resolution before the miss.
  I.tracer = std::make_unique<trace::Tracer>(I.cpu().events(), I.m->mmu(), *I.m, kTracedKinds, nullptr, &I);
  trace::loadPrograms(c, options.symbols, I.programs);
  I.tracer->learn(&I.info, &I.symbols.table(), &I.programs);
  if (!I.tracer->attach()) throw Error("the CPU's event bus has no room for another observer");
  I.tracerAttached = true;
  if (!I.m->cpu().events().attach(&I)) {
    I.tracer->detach();
    throw Error("the CPU's event bus has no room for another observer");
  }
}

Machine::~Machine() {
  if (impl_ && impl_->m) {
    impl_->m->cpu().events().detach(impl_.get());
    if (impl_->tracerAttached) impl_->tracer->detach();
  }
}

std::unique_ptr<Machine> Machine::create(const Options& options, std::string& error) {
  try {
    return std::make_unique<Machine>(options);
  } catch (const std::exception& e) {
    error = e.what();
    return nullptr;
  }
}

Stop Machine::run() {
  impl_->checkIdle("run()");
  return impl_->run(~uint64_t{0}, ~uint64_t{0});
}

Stop Machine::runInstructions(uint64_t count) {
  impl_->checkIdle("runInstructions()");
  uint64_t now = instructions();
  return impl_->run(count > ~uint64_t{0} - now ? ~uint64_t{0} : now + count, ~uint64_t{0});
}

Stop Machine::runCycles(uint64_t count) {
  impl_->checkIdle("runCycles()");
  uint64_t now = cycles();
  return impl_->run(~uint64_t{0}, count > ~uint64_t{0} - now ? ~uint64_t{0} : now + count);
}

Stop Machine::runUntil(EventKind kind) { return runUntil(Filter::of(kind)); }

Stop Machine::runUntil(const Filter& filter) {
  impl_->checkIdle("runUntil()");
  impl_->stopFilter = impl_->parse(filter);
  if (!impl_->stopFilter) impl_->stopFilter = impl_->parse(Filter("kind=all"));
  impl_->stopKinds = impl_->stopFilter->kinds();
  impl_->lastEvent.reset();
  return impl_->run(~uint64_t{0}, ~uint64_t{0});
}

Stop Machine::runTo(uint32_t eip) {
  impl_->checkIdle("runTo()");
  impl_->stopEip = eip;
  impl_->cpu().events().setInstructionEvents(true);
  return impl_->run(~uint64_t{0}, ~uint64_t{0});
}

Stop Machine::runTo(const std::string& symbol) {
  auto s = impl_->symbols.find(symbol);
  if (!s) throw Error("unknown symbol " + symbol);
  return runTo(s->start);
}

Stop Machine::runUntilConsole(const std::string& text) {
  impl_->checkIdle("runUntilConsole()");
  if (text.empty()) throw Error("runUntilConsole: empty text");
  impl_->stopText = text;
  impl_->stopTextFrom = impl_->console.text.size();
  return impl_->run(~uint64_t{0}, ~uint64_t{0});
}

Stop Machine::step() { return runInstructions(1); }

void Machine::stop() {
  if (impl_->running) impl_->requestStop(Cause::kUser);
}

void Machine::stopOnRepeatedFaults(uint32_t count) { impl_->repeatLimit = count; }

const std::optional<Event>& Machine::lastEvent() const { return impl_->lastEvent; }

// ---- Inspection --------------------------------------------------------------------------------

Registers Machine::registers() const {
  const emu::Cpu& c = impl_->cpu();
  Registers r{};
  r.eax = c.reg(emu::kEax);
  r.ecx = c.reg(emu::kEcx);
  r.edx = c.reg(emu::kEdx);
  r.ebx = c.reg(emu::kEbx);
  r.esp = c.reg(emu::kEsp);
  r.ebp = c.reg(emu::kEbp);
  r.esi = c.reg(emu::kEsi);
  r.edi = c.reg(emu::kEdi);
  r.eip = c.eip();
  r.eflags = c.eflags();
  r.cs = c.segment(emu::kCs).selector;
  r.ss = c.segment(emu::kSs).selector;
  r.ds = c.segment(emu::kDs).selector;
  r.es = c.segment(emu::kEs).selector;
  r.fs = c.segment(emu::kFs).selector;
  r.gs = c.segment(emu::kGs).selector;
  r.cr0 = c.cr0();
  r.cr2 = c.cr2();
  r.cr3 = c.cr3();
  r.cr4 = c.cr4();
  r.cpl = c.cpl();
  return r;
}

uint64_t Machine::cycles() const { return impl_->cpu().cycles(); }
uint64_t Machine::instructions() const { return impl_->cpu().instructions(); }
std::string Machine::console() const { return impl_->console.text; }

std::vector<uint8_t> Machine::readPhysical(uint32_t pa, size_t size) const {
  if (size > (uint64_t{1} << 32) - pa) throw Error("physical read past 4 GB");
  std::vector<uint8_t> out;
  out.reserve(size);
  while (out.size() < size) {
    uint32_t at = pa + static_cast<uint32_t>(out.size());
    // frame(): plain memory behind the page, or nullptr for MMIO and holes (never read those:
    // a device read has side effects).
    const uint8_t* f = impl_->m->frame(at);
    if (f == nullptr) {
      char msg[80];
      std::snprintf(msg, sizeof msg, "physical address 0x%08x is not RAM", at);
      throw Error(msg);
    }
    uint32_t off = at & mmu::kPageMask;
    size_t n = std::min<size_t>(mmu::kPageSize - off, size - out.size());
    out.insert(out.end(), f + off, f + off + n);
  }
  return out;
}

uint32_t Machine::readPhysical32(uint32_t pa) const {
  std::vector<uint8_t> b = readPhysical(pa, 4);
  return b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
}

std::optional<std::vector<uint8_t>> Machine::readVirtual(uint32_t cr3, uint32_t va, size_t size, bool user) const {
  if (size > (uint64_t{1} << 32) - va) return std::nullopt;
  std::vector<uint8_t> out;
  out.reserve(size);
  while (out.size() < size) {
    uint32_t at = va + static_cast<uint32_t>(out.size());
    mmu::ProbeResult p = impl_->m->mmu().probe(cr3, at, mmu::Access::kRead, user);
    if (p.fault) return std::nullopt;
    const uint8_t* f = impl_->m->frame(p.physical);
    if (f == nullptr) return std::nullopt;
    uint32_t off = p.physical & mmu::kPageMask;
    size_t n = std::min<size_t>(mmu::kPageSize - off, size - out.size());
    out.insert(out.end(), f + off, f + off + n);
  }
  return out;
}

std::optional<uint32_t> Machine::readVirtual32(uint32_t cr3, uint32_t va, bool user) const {
  auto b = readVirtual(cr3, va, 4, user);
  if (!b) return std::nullopt;
  return (*b)[0] | ((*b)[1] << 8) | ((*b)[2] << 16) | (static_cast<uint32_t>((*b)[3]) << 24);
}

PageEntries Machine::pageEntries(uint32_t cr3, uint32_t va) const {
  mmu::WalkResult w = impl_->m->mmu().probeTables(cr3, va, mmu::Access::kRead, false);
  PageEntries p;
  p.pdeAddr = w.walk.pdeAddr;
  p.pde = w.walk.pde;
  p.pteAddr = w.walk.pteAddr;
  p.pte = w.walk.pte;
  p.large = w.walk.large;
  if (w.translation) {
    p.present = true;
    p.physical = w.translation->physical(va);
    p.user = w.translation->user;
    p.writable = w.translation->writable;
  }
  return p;
}

std::vector<Mapping> Machine::mappings(uint32_t cr3) const {
  std::vector<Mapping> out;
  mmu::MappingCursor cursor = impl_->m->mmu().mappings(cr3);
  while (auto m = cursor.next()) {
    out.push_back(Mapping{m->linear, m->physical, m->size, m->user, m->writable, m->global,
                          m->accessed, m->dirty, m->pdeAddr, m->pde, m->pteAddr, m->pte});
  }
  return out;
}

std::vector<TlbEntry> Machine::tlb(bool instruction) const {
  const mmu::Tlb& t = impl_->m->mmu().tlb(instruction);
  std::vector<TlbEntry> out;
  for (unsigned s = 0; s < t.sets(); ++s) {
    for (unsigned w = 0; w < t.ways(); ++w) {
      const mmu::TlbEntry& e = t.at(s, w);
      if (!e.valid) continue;
      out.push_back(TlbEntry{s, w, e.pageBase, e.frame, e.size(), e.user, e.writable, e.global, e.dirty,
                             e.stale, e.large ? e.walk.pde : e.walk.pte});
    }
  }
  return out;
}

const Symbols& Machine::symbols() const { return impl_->symbols; }
std::string Machine::programName(uint32_t cr3) const { return impl_->info.spaceName(cr3); }
std::string Machine::syscallName(uint32_t number) const { return impl_->info.syscallName(number); }

// ---- Counting ----------------------------------------------------------------------------------

Counters Machine::counters() const {
  const Impl& I = *impl_;
  Counters c = I.eventCounts;
  addMmuStats(c, I.m->mmu().stats());
  c.instructions = I.cpu().instructions();
  c.cycles = I.cpu().cycles();
  c.unassignedMemory = I.m->unassignedMemory();
  c.unassignedPorts = I.m->ports().unassignedReads() + I.m->ports().unassignedWrites();
  return c;
}

std::map<uint32_t, Counters> Machine::countersByAddressSpace() const {
  const Impl& I = *impl_;
  std::map<uint32_t, Counters> out = I.eventCountsBySpace;
  for (const auto& [cr3, s] : I.m->mmu().statsByAddressSpace()) addMmuStats(out[cr3], s);
  return out;
}

namespace {
// The records `f` selects (all of them when it is null).
template <typename Visit>
void forEachMatch(const std::vector<trace::Record>& records, const trace::Filter* f, bool misses, Visit visit) {
  if (f && !misses && f->kinds() == bit(trace::Kind::kMiss)) {
    throw Error("TLB misses are not recorded: call recordTlbMisses(true) before the run");
  }
  for (const trace::Record& r : records) {
    if (!f || f->matches(r)) visit(r);
  }
}
}  // namespace

uint64_t Machine::count(const Filter& filter) const {
  std::unique_ptr<trace::Filter> f = impl_->parse(filter);
  uint64_t n = 0;
  forEachMatch(impl_->recorded, f.get(), impl_->recordMisses, [&](const trace::Record&) { ++n; });
  return n;
}

std::vector<Event> Machine::events(const Filter& filter) const {
  std::unique_ptr<trace::Filter> f = impl_->parse(filter);
  std::vector<Event> out;
  forEachMatch(impl_->recorded, f.get(), impl_->recordMisses, [&](const trace::Record& r) { out.push_back(toEvent(r)); });
  return out;
}

void Machine::recordTlbMisses(bool on) { impl_->recordMisses = on; }

int Machine::subscribe(EventKind kind, Callback callback) {
  if (!callback) throw Error("subscribe: empty callback");
  int id = impl_->nextId++;
  impl_->subscriptions.push_back(Impl::Subscription{id, kind, std::move(callback)});
  return id;
}

void Machine::unsubscribe(int id) {
  auto& s = impl_->subscriptions;
  s.erase(std::remove_if(s.begin(), s.end(), [id](const Impl::Subscription& x) { return x.id == id; }), s.end());
}

}  // namespace xray86
