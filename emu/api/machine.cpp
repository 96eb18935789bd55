// xray86::Machine over run::Run (emu/run/run.h): the Run owns the machine, the one tracer, the
// names and the stop conditions; this file turns its records into Events, keeps them for
// count() and events(), calls subscribers, and maps its Stops to the API's. It is one of the
// Run's front ends, beside the command line and the view.
// Inspection goes through the MMU's probes and the bus's frame pointers, never through an
// access that could change the machine (no MMIO reads, no A/D bits, no TLB fills).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <exception>

#include "emu/cli/machine_cli.h"
#include "emu/run/run.h"
#include "emu/trace/filter.h"
#include "xray86/xray86.h"

namespace xray86 {

namespace {

// The guest's console, kept for console() and optionally echoed.
class ConsoleSink final : public devices::ByteSink {
 public:
  explicit ConsoleSink(bool echo) : echo_(echo) {}
  void put(uint8_t byte) override {
    text += static_cast<char>(byte);
    if (echo_) {
      std::fputc(byte, stdout);
      if (byte == '\n') std::fflush(stdout);
    }
  }
  std::string text;

 private:
  bool echo_;
};

constexpr uint32_t bit(EventKind k) {
  return 1u << static_cast<unsigned>(k);
}
// What the API keeps and delivers: every kind but instructions, port/MMIO accesses and TLB
// misses (those only when asked: they are many).
constexpr uint32_t kKeptKinds = ((1u << kEventKinds) - 1) & ~bit(EventKind::kInsn) &
                                ~bit(EventKind::kIo) & ~bit(EventKind::kTlbMiss);

Access toAccess(mmu::Access a) {
  switch (a) {
    case mmu::Access::kRead:
      return Access::kRead;
    case mmu::Access::kWrite:
      return Access::kWrite;
    case mmu::Access::kFetch:
      return Access::kFetch;
  }
  return Access::kRead;
}

FlushKind toFlushKind(mmu::FlushKind k) {
  switch (k) {
    case mmu::FlushKind::kCr3Write:
      return FlushKind::kCr3Write;
    case mmu::FlushKind::kInvlpg:
      return FlushKind::kInvlpg;
    case mmu::FlushKind::kCr0:
      return FlushKind::kCr0;
    case mmu::FlushKind::kCr4:
      return FlushKind::kCr4;
  }
  return FlushKind::kCr3Write;
}

Event toEvent(const trace::Record& r) {
  Event e;
  e.kind = r.kind;
  e.cycle = r.ctx.cycle;
  e.instructions = r.ctx.instructions;
  e.cpu = r.ctx.cpu;
  e.eip = r.ctx.eip;
  e.cpl = r.ctx.cpl;
  e.cr3 = r.ctx.cr3;
  e.address = r.address;
  e.errorCode = r.errorCode;
  e.access = toAccess(r.access);
  e.vector = r.vector;
  e.external = r.external;
  e.flushKind = toFlushKind(r.flushKind);
  e.dropped = r.dropped;
  e.oldCr3 = r.oldCr3;
  e.eax = r.eax;
  e.value = r.kind == EventKind::kSysReturn ? r.value : 0;
  e.pdeAddr = r.walk.pdeAddr;
  e.pde = r.walk.pde;
  e.pteAddr = r.walk.pteAddr;
  e.pte = r.walk.pte;
  e.cachedPte = r.cachedPte;
  e.memoryPte = r.memoryPte;
  e.cachedFrame = r.cachedFrame;
  e.wordAddr = r.wordAddr;
  e.writeCycle = r.writeCycle;
  e.writeEip = r.writeEip;
  e.atReturn = r.atReturn;
  e.useAddress = r.useAddress;
  e.writerCpu = r.writerCpu;
  e.repeat = r.repeat;
  e.resolution = r.resolution;
  e.pteBefore = r.pteBefore;
  e.pteAfter = r.pteAfter;
  e.frameBefore = r.frameBefore;
  e.frameAfter = r.frameAfter;
  e.faultCycle = r.faultCycle;
  e.asid = r.asid;
  e.pid = r.pid;
  e.parent = r.parent;
  return e;
}

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
  // The reports are the tracer's (addEventCounts: per process too); the uses only the MMU sees.
  c.missingFlushUses += s.missingFlushUses;
}

// The tracer's own counts (exceptions, interrupts, system calls, CR3 writes, repeats, stale uses,
// missing flushes, how faults ended), for the whole run or one address space.
void addEventCounts(Counters& c, const trace::EventCounters& t) {
  for (size_t v = 0; v < c.exceptions.size(); ++v) c.exceptions[v] += t.exceptions[v];
  for (size_t v = 0; v < 256; ++v) {
    c.interrupts[v] += t.interrupts[v];
    c.softwareInterrupts[v] += t.softwareInts[v];
  }
  c.syscalls += t.syscalls;
  c.cr3Writes += t.cr3Writes;
  c.repeatFaults += t.repeatFaults;
  c.staleUses += t.staleUses;            // the `stale` events (the MMU's staleUses counts the same)
  c.missingFlushes += t.missingFlushes;  // the `missing-flush` events (as the MMU's count)
  for (size_t i = 0; i < c.resolutions.size(); ++i) c.resolutions[i] += t.resolutions[i];
}

}  // namespace

struct Machine::Impl final : trace::Sink {
  Options options;
  ConsoleSink console;
  std::unique_ptr<run::Run> run;
  Symbols symbols;

  std::vector<trace::Record> recorded;
  bool recordMisses = false;

  struct Subscription {
    int id;
    EventKind kind;
    Callback callback;
  };
  std::vector<Subscription> subscriptions;
  int nextId = 1;

  run::Until optionsUntil;  // Options::until, parsed: where run() ends

  std::optional<Event> lastEvent;
  bool userStop = false;
  std::exception_ptr callbackError;

  explicit Impl(const Options& o) : options(o), console(o.echoConsole) {}

  emu::Machine& machine() const { return run->machine(); }
  const emu::Cpu& cpu() const { return run->machine().cpu(); }

  // The kinds this sink takes from the run's tracer: what is kept, misses when recorded or
  // subscribed to.
  void updateKinds() {
    uint32_t kinds = kKeptKinds;
    bool misses = recordMisses;
    for (const Subscription& s : subscriptions) misses |= s.kind == EventKind::kTlbMiss;
    if (misses) kinds |= bit(EventKind::kTlbMiss);
    run->tracer().setSink(this, kinds);
  }

  // ---- trace::Sink: every record the tracer makes that this API delivers ----
  void write(const trace::Record& r) override {
    if (r.kind != EventKind::kTlbMiss || recordMisses) recorded.push_back(r);
    std::optional<Event> event;
    for (size_t i = 0; i < subscriptions.size(); ++i) {
      if (subscriptions[i].kind != r.kind) continue;
      if (!event) event = toEvent(r);
      // A copy: the callback may subscribe or unsubscribe (itself too), which moves the list.
      Callback callback = subscriptions[i].callback;
      try {
        callback(*event);
      } catch (...) {
        // Unwinding through the CPU's run loop would leave an instruction half done: stop at the
        // next boundary and rethrow from the run.
        if (!callbackError) callbackError = std::current_exception();
        userStop = true;
        run->requestStop();
      }
    }
  }
  void finish() override {}

  // The filter's expression parsed against this machine's symbols (nullptr: match everything).
  std::unique_ptr<trace::Filter> parse(const Filter& f) const {
    if (f.text().find_first_not_of(" \t\n") == std::string::npos) return nullptr;
    std::string error;
    std::unique_ptr<trace::Filter> p = trace::Filter::parse(f.text(), run->symbols(), error);
    if (!p) throw Error("filter \"" + f.text() + "\": " + withoutOption(error));
    return p;
  }
  // "--trace-filter: column N: why" names the option; here the expression is the argument.
  static std::string withoutOption(std::string error) {
    const std::string prefix = "--trace-filter: ";
    if (error.rfind(prefix, 0) == 0) error.erase(0, prefix.size());
    return error;
  }

  void checkCpu(unsigned cpu) const {
    if (cpu >= run->machine().cpuCount()) {
      throw Error("cpu " + std::to_string(cpu) + ": the machine has " +
                  std::to_string(run->machine().cpuCount()) + " processor" +
                  (run->machine().cpuCount() == 1 ? "" : "s"));
    }
  }

  void checkIdle(const char* what) const {
    if (run->running())
      throw Error(std::string(what) + " from inside a callback: a run is in progress");
  }

  // One run to `until` (further capped by the Options limits), its Stop in the API's words.
  Stop go(const run::Until& until) {
    userStop = false;
    std::string error;
    std::optional<run::Stop> s = run->run(until, error);
    if (!s) {
      if (until.kind == run::Until::Kind::kEvent) {
        // The Run names the condition ("event:EXPR: column N: why"); here it is the filter.
        const std::string condition = "event:" + until.text + ": ";
        if (error.rfind(condition, 0) == 0) error.erase(0, condition.size());
        throw Error("filter \"" + until.text + "\": " + error);
      }
      throw Error(error);
    }
    if (callbackError) {
      std::exception_ptr e = callbackError;
      callbackError = nullptr;
      std::rethrow_exception(e);
    }
    if (s->event) lastEvent = toEvent(*s->event);
    using K = run::StopKind;
    switch (s->kind) {
      case K::kExited:
        return Stop{StopKind::kExited, s->status, s->message};
      case K::kReset:
        return Stop{StopKind::kReset, s->status, s->message};
      case K::kInstructionLimit:
        return Stop{StopKind::kInstructionLimit, s->status, s->message};
      case K::kCycleLimit:
        return Stop{StopKind::kCycleLimit, s->status, s->message};
      case K::kHalted:
        return Stop{StopKind::kHalted, s->status, s->message};
      case K::kTripleFault:
        return Stop{StopKind::kTripleFault, s->status, s->message};
      case K::kUnsupported:
        return Stop{StopKind::kUnsupported, s->status, s->message};
      case K::kRepeatedFault:
        return Stop{StopKind::kRepeatedFault, 0, s->message};
      case K::kReached:
      case K::kPaused:
        break;
      case K::kRequested:
        return Stop{StopKind::kRequested, 0, "stopped by Machine::stop()"};
      // The API turns neither watch on (Run::stopWhenIdle, Run::stopWhenStuck).
      case K::kIdle:
        return Stop{StopKind::kRequested, 0, s->message};
      case K::kStuck:
        return Stop{StopKind::kHalted, s->status, s->message};
      // The API sets no breakpoints (Run::setBreakpoints is the debugger's).
      case K::kBreakpoint:
        return Stop{StopKind::kAddress, 0, s->message};
    }
    switch (until.kind) {
      // A budget of instructions or cycles used up: a limit of this run, in the machine's words.
      case run::Until::Kind::kInstructions:
        return Stop{StopKind::kInstructionLimit, emu::exit_status::kLimit, s->message};
      case run::Until::Kind::kCycles:
        return Stop{StopKind::kCycleLimit, emu::exit_status::kLimit, s->message};
      case run::Until::Kind::kEvent:
        return Stop{StopKind::kEvent, 0,
                    std::string("stopped on a ") + eventKindName(lastEvent->kind) + " event"};
      case run::Until::Kind::kPageFaultDone:  // Options::until "pf:N"
        return Stop{StopKind::kEvent, 0, s->message};
      case run::Until::Kind::kAddress:
        return Stop{StopKind::kAddress, 0, "EIP reached the address"};
      case run::Until::Kind::kReturn:  // Options::until "ret:NAME"
        return Stop{StopKind::kAddress, 0, s->message};
      case run::Until::Kind::kConsole:
        return Stop{StopKind::kConsole, 0, "the console printed \"" + until.text + "\""};
      default:
        return Stop{StopKind::kRequested, 0, s->message};
    }
  }
};

// ---- Options -----------------------------------------------------------------------------------

Options Options::fromArgs(const std::vector<std::string>& args) {
  CLI::App app{"xray86 run"};
  emu::MachineCli cli;
  emu::addMachineOptions(app, cli);
  uint64_t maxInstructions = Options{}.maxInstructions;
  if (app.get_option_no_throw("--max-insns") == nullptr) {
    app.add_option("-n,--max-instructions,--max-insns", maxInstructions,
                   "Stop after this many instructions");
  }
  std::vector<std::string> symbolFiles;
  if (app.get_option_no_throw("--symbols") == nullptr)
    app.add_option("--symbols", symbolFiles, "ELF symbol files");
  unsigned cowBit = Options{}.cowBit;
  app.add_option("--cow-bit", cowBit, "The PTE bit of copy-on-write pages")
      ->check(CLI::Range(0u, 11u));
  std::string until;
  app.add_option("--until", until, "Where run() ends (xray86 run --until)");
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
  o.cowBit = cowBit;
  o.until = until;
  o.labFlushRule = c.labFlushRule;
  o.cpus = c.cpus;
  o.smpQuantum = c.smpQuantum;
  o.scheduleSeed = c.scheduleSeed;
  return o;
}

// ---- Machine -----------------------------------------------------------------------------------

Machine::Machine(const Options& options) : impl_(std::make_unique<Impl>(options)) {
  Impl& I = *impl_;
  run::Config c;
  emu::MachineConfig& m = c.machine;
  m.memMb = options.memMb;
  m.kernel = options.kernel;
  m.cmdline = options.cmdline;
  m.modules = options.modules;
  m.disks = options.disks;
  m.snapshot = options.snapshot;
  m.bios = options.bios;
  // No script and no file: an empty script, never the host terminal (a test has no one typing).
  m.input = options.input
                ? options.input
                : (options.inputFile.empty() ? std::optional<std::string>("") : std::nullopt);
  m.inputFile = options.inputFile;
  m.keys = options.keys;
  m.rtc = options.rtc;
  m.console = &I.console;
  m.tlb = mmu::TlbGeometry{options.tlbSets, options.tlbWays, options.splitTlb};
  m.labFlushRule = options.labFlushRule;
  if (options.cpus < 1 || options.cpus > emu::kMaxCpus)
    throw Error("cpus " + std::to_string(options.cpus) + ": expected 1 to " +
                std::to_string(emu::kMaxCpus));
  if (options.smpQuantum < 1 || options.smpQuantum > emu::kMaxSmpQuantum)
    throw Error("smpQuantum " + std::to_string(options.smpQuantum) + ": expected 1 to " +
                std::to_string(emu::kMaxSmpQuantum));
  m.cpus = options.cpus;
  m.smpQuantum = options.smpQuantum;
  m.scheduleSeed = options.scheduleSeed;
  c.maxInstructions = options.maxInstructions;
  c.maxCycles = options.maxCycles;
  c.symbolFiles = options.symbols;
  c.cowBit = options.cowBit;
  if (options.maxInstructions == 0) throw Error("maxInstructions must be at least 1");
  std::string error;
  if (!options.until.empty()) {
    std::optional<run::Until> u = run::Until::parse(options.until, error);
    if (!u) throw Error("until " + error);
    I.optionsUntil = *u;
  }
  I.run = run::Run::create(c, error);
  if (!I.run) throw Error(error);
  // The API's Symbols: the run's own table (loaded once, the same names as a trace's).
  *I.symbols.table_ = I.run->symbols();
  I.updateKinds();
}

Machine::~Machine() {
  if (impl_ && impl_->run) impl_->run->tracer().setSink(impl_.get(), 0);
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
  if (impl_->optionsUntil.kind == run::Until::Kind::kEvent) impl_->lastEvent.reset();
  return impl_->go(impl_->optionsUntil);
}

Stop Machine::runInstructions(uint64_t count) {
  impl_->checkIdle("runInstructions()");
  uint64_t now = instructions();
  return impl_->go(
      run::Until::instructions(count > ~uint64_t{0} - now ? ~uint64_t{0} : now + count));
}

Stop Machine::runCycles(uint64_t count) {
  impl_->checkIdle("runCycles()");
  uint64_t now = cycles();
  return impl_->go(run::Until::cycles(count > ~uint64_t{0} - now ? ~uint64_t{0} : now + count));
}

Stop Machine::runUntil(EventKind kind) {
  return runUntil(Filter::of(kind));
}

Stop Machine::runUntil(const Filter& filter) {
  impl_->checkIdle("runUntil()");
  impl_->lastEvent.reset();
  return impl_->go(run::Until::event(filter.text()));
}

Stop Machine::runTo(uint32_t eip) {
  impl_->checkIdle("runTo()");
  return impl_->go(run::Until::at(eip));
}

Stop Machine::runTo(const std::string& symbol) {
  auto s = impl_->run->symbols().find(symbol);
  if (!s) throw Error("unknown symbol " + symbol);
  return runTo(s->start);
}

Stop Machine::runUntilConsole(const std::string& text) {
  impl_->checkIdle("runUntilConsole()");
  if (text.empty()) throw Error("runUntilConsole: empty text");
  return impl_->go(run::Until::console(text));
}

Stop Machine::step() {
  return runInstructions(1);
}

void Machine::stop() {
  if (!impl_->run->running()) return;
  impl_->userStop = true;
  impl_->run->requestStop();
}

void Machine::stopOnRepeatedFaults(uint32_t count) {
  impl_->run->stopOnRepeatedFaults(count);
}

const std::optional<Event>& Machine::lastEvent() const {
  return impl_->lastEvent;
}

// ---- Inspection --------------------------------------------------------------------------------

Registers Machine::registers() const {
  return registers(impl_->machine().currentCpu());
}

unsigned Machine::cpuCount() const {
  return impl_->machine().cpuCount();
}

unsigned Machine::currentCpu() const {
  return impl_->machine().currentCpu();
}

Registers Machine::registers(unsigned cpu) const {
  impl_->checkCpu(cpu);
  const emu::Cpu& c = impl_->machine().cpu(cpu);
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

uint64_t Machine::cycles() const {
  return impl_->run->cycles();
}
uint64_t Machine::instructions() const {
  return impl_->run->instructions();
}
std::string Machine::console() const {
  return impl_->console.text;
}

std::vector<uint8_t> Machine::readPhysical(uint32_t pa, size_t size) const {
  if (size > (uint64_t{1} << 32) - pa) throw Error("physical read past 4 GB");
  uint32_t notRam = 0;
  std::optional<std::vector<uint8_t>> bytes = impl_->run->readPhysical(pa, size, &notRam);
  if (!bytes) {
    char msg[80];
    std::snprintf(msg, sizeof msg, "physical address 0x%08x is not RAM", notRam);
    throw Error(msg);
  }
  return *bytes;
}

uint32_t Machine::readPhysical32(uint32_t pa) const {
  std::vector<uint8_t> b = readPhysical(pa, 4);
  return b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
}

std::optional<std::vector<uint8_t>> Machine::readVirtual(uint32_t cr3, uint32_t va, size_t size,
                                                         bool user) const {
  return impl_->run->readLinear(cr3, va, size, user);
}

std::optional<uint32_t> Machine::readVirtual32(uint32_t cr3, uint32_t va, bool user) const {
  auto b = readVirtual(cr3, va, 4, user);
  if (!b) return std::nullopt;
  return (*b)[0] | ((*b)[1] << 8) | ((*b)[2] << 16) | (static_cast<uint32_t>((*b)[3]) << 24);
}

PageEntries Machine::pageEntries(uint32_t cr3, uint32_t va) const {
  mmu::WalkResult w = impl_->machine().mmu().probeTables(cr3, va, mmu::Access::kRead, false);
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
  mmu::MappingCursor cursor = impl_->machine().mmu().mappings(cr3);
  while (auto m = cursor.next()) {
    out.push_back(Mapping{m->linear, m->physical, m->size, m->user, m->writable, m->global,
                          m->accessed, m->dirty, m->pdeAddr, m->pde, m->pteAddr, m->pte});
  }
  return out;
}

std::vector<TlbEntry> Machine::tlb(bool instruction) const {
  return tlbOf(impl_->machine().currentCpu(), instruction);
}

std::vector<TlbEntry> Machine::tlbOf(unsigned cpu, bool instruction) const {
  impl_->checkCpu(cpu);
  const mmu::Tlb& t = impl_->machine().mmu(cpu).tlb(instruction);
  std::vector<TlbEntry> out;
  for (unsigned s = 0; s < t.sets(); ++s) {
    for (unsigned w = 0; w < t.ways(); ++w) {
      const mmu::TlbEntry& e = t.at(s, w);
      if (!e.valid) continue;
      out.push_back(TlbEntry{s, w, e.pageBase, e.frame, e.size(), e.user, e.writable, e.global,
                             e.dirty, e.stale, e.large ? e.walk.pde : e.walk.pte});
    }
  }
  return out;
}

const Symbols& Machine::symbols() const {
  return impl_->symbols;
}
std::string Machine::programName(uint32_t cr3) const {
  return impl_->run->guestInfo().spaceName(cr3);
}
std::string Machine::syscallName(uint32_t number) const {
  return impl_->run->guestInfo().syscallName(number);
}
std::vector<Process> Machine::processes() const {
  std::vector<Process> out;
  for (const trace::Process& p : impl_->run->tracer().processes()) {
    out.push_back(Process{p.asid, p.pageDirectory, p.parent, p.execFrom, p.pid, p.name,
                          p.firstCycle, p.ended});
  }
  return out;
}

// ---- Counting ----------------------------------------------------------------------------------

Counters Machine::counters() const {
  const Impl& I = *impl_;
  Counters c;
  addEventCounts(c, I.run->tracer().counters());
  addMmuStats(c, I.machine().mmuStats());  // every processor's MMU
  c.instructions = I.run->instructions();
  c.cycles = I.run->cycles();
  c.unassignedMemory = I.machine().unassignedMemory();
  c.unassignedPorts =
      I.machine().ports().unassignedReads() + I.machine().ports().unassignedWrites();
  return c;
}

std::map<uint32_t, Counters> Machine::countersByAddressSpace() const {
  const Impl& I = *impl_;
  std::map<uint32_t, Counters> out;
  for (const auto& [cr3, t] : I.run->tracer().counters().bySpace) addEventCounts(out[cr3], t);
  for (unsigned k = 0; k < I.machine().cpuCount(); ++k) {
    for (const auto& [cr3, s] : I.machine().mmu(k).statsByAddressSpace()) addMmuStats(out[cr3], s);
  }
  return out;
}

std::map<uint32_t, Counters> Machine::countersByProcess() const {
  std::map<uint32_t, Counters> out;
  for (const trace::Process& p : impl_->run->tracer().processes()) {
    Counters& c = out[p.asid];
    addEventCounts(c, p.counters);
    for (size_t i = 0; i < 8; ++i) {
      c.pageFaultsByClass[i] = p.counters.pageFaults[i];
      c.pageFaults += p.counters.pageFaults[i];
    }
  }
  return out;
}

namespace {
// The records `f` selects (all of them when it is null).
template <typename Visit>
void forEachMatch(const std::vector<trace::Record>& records, const trace::Filter* f, bool misses,
                  Visit visit) {
  if (f && !misses && f->kinds() == bit(trace::Kind::kTlbMiss)) {
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
  forEachMatch(impl_->recorded, f.get(), impl_->recordMisses,
               [&](const trace::Record& r) { out.push_back(toEvent(r)); });
  return out;
}

void Machine::recordTlbMisses(bool on) {
  impl_->recordMisses = on;
  impl_->updateKinds();
}

int Machine::subscribe(EventKind kind, Callback callback) {
  if (!callback) throw Error("subscribe: empty callback");
  int id = impl_->nextId++;
  impl_->subscriptions.push_back(Impl::Subscription{id, kind, std::move(callback)});
  impl_->updateKinds();
  return id;
}

void Machine::unsubscribe(int id) {
  auto& s = impl_->subscriptions;
  s.erase(
      std::remove_if(s.begin(), s.end(), [id](const Impl::Subscription& x) { return x.id == id; }),
      s.end());
  impl_->updateKinds();
}

}  // namespace xray86
