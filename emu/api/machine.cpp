// xray86::Machine over emu::Machine: an observer on the CPU's event bus records and counts every
// event, calls subscribers and stops runs (Cpu::requestStop) on the conditions a run asked for.
// Inspection goes through the MMU's probes and the bus's frame pointers, never through an
// access that could change the machine (no MMIO reads, no A/D bits, no TLB fills).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "emu/machine.h"
#include "emu/machine_cli.h"
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

Access toAccess(mmu::Access a) {
  switch (a) {
    case mmu::Access::kRead: return Access::kRead;
    case mmu::Access::kWrite: return Access::kWrite;
    case mmu::Access::kFetch: return Access::kFetch;
  }
  return Access::kRead;
}

// Why a requested stop happened (the CPU only knows that one was requested).
enum class Cause : uint8_t { kNone, kEvent, kAddress, kRepeat, kUser };

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

struct Machine::Impl final : emu::Observer {
  Options options;
  ConsoleSink console;
  std::unique_ptr<emu::Machine> m;
  Symbols symbols;

  std::vector<Event> recorded;
  bool recordMisses = false;
  Counters eventCounts;                     // what the observer counts (the MMU counts the rest)
  std::map<uint32_t, Counters> eventCountsBySpace;
  struct LastFault {
    uint32_t eip = 0, cr2 = 0, count = 0;
  };
  std::map<uint32_t, LastFault> lastFault;  // by page-directory base

  struct Subscription {
    int id;
    EventKind kind;
    Callback callback;
  };
  std::vector<Subscription> subscriptions;
  int nextId = 1;

  // The current run's stop conditions.
  std::optional<Filter> stopFilter;
  std::optional<Range> stopFilterEip;
  std::optional<uint32_t> stopEip;
  uint32_t repeatLimit = 0;
  Cause cause = Cause::kNone;
  std::optional<Event> lastEvent;
  bool running = false;
  std::exception_ptr callbackError;

  explicit Impl(const Options& o) : options(o), console(o.echoConsole) {}

  emu::Cpu& cpu() const { return m->cpu(); }

  void requestStop(Cause c) {
    if (cause == Cause::kNone) cause = c;
    cpu().requestStop();
  }

  Event start(EventKind kind) const {
    emu::EventContext ctx = m->cpu().events().context();
    Event e;
    e.kind = kind;
    e.cycle = ctx.cycle;
    e.instructions = ctx.instructions;
    e.eip = ctx.eip;
    e.cpl = ctx.cpl;
    e.cr3 = ctx.cr3;
    return e;
  }

  void count(Counters& c, const Event& e) {
    switch (e.kind) {
      case EventKind::kException:
        if (e.vector < c.exceptions.size()) ++c.exceptions[e.vector];
        break;
      case EventKind::kInterrupt:
        if (e.external) ++c.interrupts[e.vector];
        break;
      case EventKind::kSyscall: ++c.syscalls; break;
      case EventKind::kCr3Write: ++c.cr3Writes; break;
      case EventKind::kPageFault:
        if (e.repeat > 1) ++c.repeatFaults;
        break;
      default: break;
    }
  }

  void publish(Event& e) {
    if (e.kind == EventKind::kPageFault) {
      LastFault& last = lastFault[e.cr3 & ~0xFFFu];
      if (last.count > 0 && last.eip == e.eip && last.cr2 == e.address) {
        ++last.count;
      } else {
        last = LastFault{e.eip, e.address, 1};
      }
      e.repeat = last.count;
    }
    count(eventCounts, e);
    count(eventCountsBySpace[e.cr3 & ~0xFFFu], e);
    if (e.kind != EventKind::kTlbMiss || recordMisses) recorded.push_back(e);
    for (size_t i = 0; i < subscriptions.size(); ++i) {
      if (subscriptions[i].kind != e.kind) continue;
      // A copy: the callback may subscribe or unsubscribe (itself too), which moves the list.
      Callback callback = subscriptions[i].callback;
      try {
        callback(e);
      } catch (...) {
        // Unwinding through the CPU's run loop would leave an instruction half done: stop at the
        // next boundary and rethrow from run().
        if (!callbackError) callbackError = std::current_exception();
        requestStop(Cause::kUser);
      }
    }
    if (stopFilter && stopFilter->matches(e, stopFilterEip)) {
      lastEvent = e;
      requestStop(Cause::kEvent);
    }
    if (repeatLimit != 0 && e.kind == EventKind::kPageFault && e.repeat >= repeatLimit) {
      lastEvent = e;
      requestStop(Cause::kRepeat);
    }
  }

  // ---- emu::Observer ----
  void onException(const emu::ExceptionEvent& x) override {
    Event e = start(EventKind::kException);
    e.vector = x.vector;
    e.errorCode = x.hasErrorCode ? x.errorCode : 0;
    e.eip = x.eip;
    publish(e);
  }
  void onInterrupt(const emu::InterruptEvent& x) override {
    Event e = start(EventKind::kInterrupt);
    e.vector = x.vector;
    e.external = x.external;
    publish(e);
  }
  void onSyscall(const emu::SyscallEvent& x) override {
    Event e = start(EventKind::kSyscall);
    e.vector = x.vector;
    e.eax = x.eax;
    publish(e);
  }
  void onHalt(const emu::HaltEvent& x) override {
    Event e = start(EventKind::kHalt);
    e.eip = x.eip;
    publish(e);
  }
  void onInstruction(const emu::InstructionEvent&) override {
    // Asked for only by runTo(): the instruction retired and EIP holds the next one.
    if (stopEip && cpu().eip() == *stopEip) requestStop(Cause::kAddress);
  }
  void onTlbMiss(const mmu::TlbMiss& x) override {
    if (!recordMisses && !wants(EventKind::kTlbMiss)) return;
    Event e = start(EventKind::kTlbMiss);
    e.address = x.linear;
    e.access = toAccess(x.access);
    e.pdeAddr = x.walk.pdeAddr;
    e.pde = x.walk.pde;
    e.pteAddr = x.walk.pteAddr;
    e.pte = x.walk.pte;
    publish(e);
  }
  void onTlbFlush(const mmu::TlbFlush& x) override {
    Event e = start(EventKind::kTlbFlush);
    e.flushKind = static_cast<FlushKind>(x.kind);
    e.address = x.address;
    e.dropped = x.dropped;
    publish(e);
  }
  void onPageFault(const mmu::PageFault& x) override {
    Event e = start(EventKind::kPageFault);
    e.address = x.cr2;
    e.errorCode = x.errorCode;
    e.cr3 = x.cr3;
    e.access = toAccess(x.access);
    e.pdeAddr = x.walk.pdeAddr;
    e.pde = x.walk.pde;
    e.pteAddr = x.walk.pteAddr;
    e.pte = x.walk.pte;
    publish(e);
  }
  void onCr3Write(const mmu::Cr3Write& x) override {
    Event e = start(EventKind::kCr3Write);
    e.address = x.newCr3;
    e.oldCr3 = x.oldCr3;
    publish(e);
  }
  void onStaleTlbUse(const mmu::StaleTlbUse& x) override {
    Event e = start(EventKind::kStaleTlbUse);
    e.address = x.linear;
    e.access = toAccess(x.access);
    e.wordAddr = x.wordAddr;
    e.cachedPte = x.cachedPte;
    e.memoryPte = x.memoryPte;
    e.cachedFrame = x.cachedFrame;
    publish(e);
  }

  bool wants(EventKind k) const {
    if (stopFilter && (!stopFilter->kind || *stopFilter->kind == k)) return true;
    for (const Subscription& s : subscriptions) {
      if (s.kind == k) return true;
    }
    return false;
  }

  std::optional<Range> symbolRange(const Filter& f) const {
    if (f.symbol.empty()) return std::nullopt;
    auto s = symbols.find(f.symbol);
    if (!s) throw Error("unknown symbol " + f.symbol);
    return Range{s->start, s->end};
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
      throw;
    }
    running = false;
    stopFilter.reset();
    stopFilterEip.reset();
    if (stopEip) {
      stopEip.reset();
      cpu().events().setInstructionEvents(false);
    }
    if (callbackError) {
      std::exception_ptr e = callbackError;
      callbackError = nullptr;
      std::rethrow_exception(e);
    }
    using K = emu::Machine::Outcome::Kind;
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
  std::string tlb;
  if (app.get_option_no_throw("--tlb") == nullptr) app.add_option("--tlb", tlb, "TLB geometry SETSxWAYS");
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
  if (!tlb.empty()) {
    unsigned sets = 0, ways = 0;
    char x = 0, tail = 0;
    if (std::sscanf(tlb.c_str(), "%u%c%u%c", &sets, &x, &ways, &tail) != 3 || x != 'x') {
      throw Error("--tlb " + tlb + ": expected SETSxWAYS, e.g. 8x4");
    }
    o.tlbSets = sets;
    o.tlbWays = ways;
  }
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
  for (const std::string& f : options.symbols) I.symbols.load(f);
  if (!options.kernel.empty()) {
    try {
      I.symbols.load(options.kernel);
    } catch (const Error&) {
      // A kernel without a symbol table still runs; symbol lookups just find nothing in it.
    }
  }
  if (!I.m->cpu().events().attach(&I)) throw Error("the CPU's event bus has no room for another observer");
}

Machine::~Machine() {
  if (impl_ && impl_->m) impl_->m->cpu().events().detach(impl_.get());
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
  impl_->stopFilterEip = impl_->symbolRange(filter);
  impl_->stopFilter = filter;
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

uint64_t Machine::count(const Filter& filter) const {
  return events(filter).size();
}

std::vector<Event> Machine::events(const Filter& filter) const {
  const Impl& I = *impl_;
  if (filter.kind == EventKind::kTlbMiss && !I.recordMisses) {
    throw Error("TLB misses are not recorded: call recordTlbMisses(true) before the run");
  }
  std::optional<Range> eip = I.symbolRange(filter);
  std::vector<Event> out;
  for (const Event& e : I.recorded) {
    if (filter.matches(e, eip)) out.push_back(e);
  }
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
