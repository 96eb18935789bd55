// The Run: the machine, the one tracer, the names, and the stop conditions.
//
// Stopping never changes a run: a condition asks the CPU to stop at the next instruction
// boundary (Cpu::requestStop), and Machine::run continues exactly where it stopped. Conditions
// that look at every retired instruction (symbol:, ret:, the end of pf:N) turn the CPU's
// instruction events on only while they wait, since those take the interpreter's slow path.
#include "emu/run/run.h"

#include <algorithm>
#include <cstdio>

#include "devices/firmware.h"
#include "emu/trace/summary.h"

namespace run {

namespace {

constexpr uint32_t bit(trace::Kind k) {
  return 1u << static_cast<unsigned>(k);
}
// An event condition sees every record but retired instructions and port/MMIO accesses, as the
// API's events do (xray86/event_kinds.h).
constexpr uint32_t kWatchable =
    ((1u << trace::kKindCount) - 1) & ~bit(trace::Kind::kInsn) & ~bit(trace::Kind::kIo);

// The programs of the modules: the built-in guest's archive, or an xv6-style ELF module.
void loadModulePrograms(const emu::MachineConfig& config, trace::Programs& programs) {
  for (const std::string& module : config.modules) {
    std::string path = module.substr(0, module.find(' '));
    auto inMemory = config.files.find(path);
    std::vector<uint8_t> bytes;
    std::span<const uint8_t> image;
    std::string ignored;  // the machine reports a module it cannot read
    if (inMemory != config.files.end()) {
      image = inMemory->second;
    } else if (devices::readFile(path, "module", bytes, ignored)) {
      image = bytes;
    }
    if (programs.addArchive(image) == 0) programs.add(image, path);
  }
}

}  // namespace

bool loadGuestNames(const emu::MachineConfig& machine, const std::vector<std::string>& symbolFiles,
                    trace::SymbolTable& symbols, trace::Programs& programs, std::string& error) {
  if (!machine.kernel.empty()) {
    std::string ignored;  // a kernel without symbols is still a kernel
    auto inMemory = machine.files.find(machine.kernel);
    if (inMemory != machine.files.end()) {
      symbols.loadBytes(inMemory->second, machine.kernel, ignored);
    } else {
      symbols.loadFile(machine.kernel, ignored);
    }
  }
  // Each symbol file is read once: its symbols, and the program it may be.
  for (const std::string& path : symbolFiles) {
    std::vector<uint8_t> bytes;
    if (!devices::readFile(path, "symbol file", bytes, error) ||
        !symbols.loadBytes(bytes, path, error)) {
      error = "--symbols: " + error;
      return false;
    }
    programs.add(bytes, path);
  }
  loadModulePrograms(machine, programs);
  return true;
}

// ---- building ----------------------------------------------------------------------------------

Run::Run(const Config& config) : config_(config) {}

std::unique_ptr<Run> Run::create(const Config& config, std::string& error) {
  // Bits 12 and up of a PTE are the frame number: a COW mark lives in the flags, 0 to 11.
  if (config.cowBit > 11) {
    error = "--cow-bit " + std::to_string(config.cowBit) + ": a PTE's flag bits are 0 to 11";
    return nullptr;
  }
  if (config.maxInstructions == 0) {
    error = "--max-insns: at least 1";
    return nullptr;
  }
  const emu::MachineConfig& m = config.machine;
  if (!m.disks.empty() && m.disks[0].empty() && m.kernel.empty() && m.bios.empty()) {
    error = "no master disk to boot from: a slave disk alone needs --kernel";
    return nullptr;
  }
  std::unique_ptr<Run> r(new Run(config));
  if (config.machine.console == nullptr) {
    r->stdoutConsole_ = std::make_unique<devices::FileSink>(stdout);
  }
  r->console_ = config.machine.console ? config.machine.console : r->stdoutConsole_.get();
  emu::MachineConfig machine = config.machine;
  machine.console = r.get();  // through put(): console:TEXT conditions see it
  r->machine_ = emu::Machine::create(machine, error);
  if (!r->machine_) return nullptr;
  if (!loadGuestNames(config.machine, config.symbolFiles, r->symbols_, r->programs_, error)) {
    return nullptr;
  }
  emu::EventBus& bus = r->machine_->cpu().events();
  r->tracer_ = std::make_unique<trace::Tracer>(bus, r->machine_->mmu(), *r->machine_);
  r->tracer_->learn(&r->info_, &r->symbols_, &r->programs_);
  // The tracer is the first observer: a TLB miss that resolves a page fault gives the
  // resolution before any other observer sees the miss.
  if (!r->tracer_->attach() || !bus.attach(r.get())) {
    error = "the CPU's event bus has no room for another observer";
    return nullptr;
  }
  return r;
}

Run::~Run() {
  if (!machine_) return;
  finish();
  machine_->cpu().events().detach(this);
  if (tracer_) tracer_->detach();
}

void Run::finish() {
  if (finished_ || !tracer_) return;
  finished_ = true;
  tracer_->finish();
}

bool Run::attach(emu::Observer* observer) {
  return machine_->cpu().events().attach(observer);
}
void Run::detach(emu::Observer* observer) {
  machine_->cpu().events().detach(observer);
}

uint64_t Run::instructions() const {
  return machine_->instructions();
}
uint64_t Run::cycles() const {
  return machine_->cycles();
}

// ---- running -----------------------------------------------------------------------------------

std::optional<Stop> Run::run(const Until& until, std::string& error) {
  if (running_) {
    error = "a run is already in progress";
    return std::nullopt;
  }
  if (!arm(until, error)) return std::nullopt;
  Stop stop = resume();
  disarm();
  return stop;
}

Stop Run::resume(uint64_t maxInstructions, uint64_t maxCycles) {
  if (end_) return *end_;
  running_ = true;
  cause_ = Cause::kNone;
  stopEvent_.reset();
  maxInstructions = std::min(maxInstructions, config_.maxInstructions);
  maxCycles = std::min(maxCycles, config_.maxCycles);
  if (armed_ && until_.kind == Until::Kind::kInstructions) {
    maxInstructions = std::min(maxInstructions, until_.n);
  }
  if (armed_ && until_.kind == Until::Kind::kCycles) maxCycles = std::min(maxCycles, until_.n);
  Stop stop;
  for (;;) {
    updateInstructionEvents();
    // The stuck test's pieces: each from the end of the one before, whichever runs they take
    // (a piece ends the machine's slice; a run's own limits do not: Machine::run).
    uint64_t piece = stuck_ ? stuck_->limit() / 4 + 1 : 0;
    if (piece != 0 && pieceEnd_ == 0) {
      pieceEnd_ =
          machine_->cycles() < ~uint64_t{0} - piece ? machine_->cycles() + piece : ~uint64_t{0};
    }
    uint64_t pieceEnd = piece != 0 ? pieceEnd_ : ~uint64_t{0};
    emu::Machine::Outcome o = machine_->run(maxInstructions, pieceEnd, maxCycles);
    using K = emu::Machine::Outcome::Kind;
    // Stopped to turn instruction events on (the Nth fault of pf:N): run on.
    if (o.kind == K::kStopped && cause_ == Cause::kNone) continue;
    // The end of a piece: look, then run on.
    if (o.kind == K::kCycleLimit && piece != 0 && machine_->cycles() >= pieceEnd_ &&
        machine_->cycles() < maxCycles) {
      pieceEnd_ = 0;
      if (std::optional<Stop> s = betweenPieces()) {
        stop = *s;
        break;
      }
      continue;
    }
    bool budget =
        (o.kind == K::kInstructionLimit && machine_->instructions() < config_.maxInstructions) ||
        (o.kind == K::kCycleLimit && machine_->cycles() < config_.maxCycles);
    if (budget) {
      bool met =
          armed_ &&
          ((until_.kind == Until::Kind::kInstructions && machine_->instructions() >= until_.n) ||
           (until_.kind == Until::Kind::kCycles && machine_->cycles() >= until_.n));
      // The machine's own words for a count reached ("stopped after N instructions").
      stop =
          Stop{met ? StopKind::kReached : StopKind::kPaused, emu::exit_status::kOk, o.message, {}};
    } else if (o.kind == K::kStopped) {
      switch (cause_) {
        case Cause::kReached:
          stop = Stop{StopKind::kReached, emu::exit_status::kOk, "reached " + until_.source,
                      stopEvent_};
          break;
        case Cause::kRepeat:
          stop = Stop{StopKind::kRepeatedFault, emu::exit_status::kOk,
                      "the same page fault " + std::to_string(stopEvent_ ? stopEvent_->repeat : 0) +
                          " times in a row",
                      stopEvent_};
          break;
        case Cause::kPolled:
          stop = Stop{StopKind::kRequested, emu::exit_status::kOk, pollMessage_, {}};
          break;
        case Cause::kIdle:
          stop = idleStop();
          break;
        case Cause::kBreakpoint: {
          char text[40];
          std::snprintf(text, sizeof text, "breakpoint at 0x%08x", machine_->cpu().eip());
          stop = Stop{StopKind::kBreakpoint, emu::exit_status::kOk, text, {}};
          break;
        }
        case Cause::kRequested:
        case Cause::kNone:
          stop = Stop{StopKind::kRequested, emu::exit_status::kOk, "stopped on request", {}};
          break;
      }
    } else {
      stop = stopFor(o);
    }
    break;
  }
  if (stop.kind == StopKind::kReached || stop.ended()) disarm();
  if (stop.ended()) {
    end_ = stop;
    // The guest is over: the faults still pending get their resolution (killed, unresolved)
    // now, for whoever looks at the counters; the sinks stay open until finish().
    tracer_->settle();
  }
  running_ = false;
  return stop;
}

bool Run::watchInput() {
  if (!idle_) idle_ = std::make_unique<InputIdle>(*machine_);
  if (!idle_->scripted()) idle_.reset();
  return idle_ != nullptr;
}

bool Run::stopWhenIdle() {
  exitWhenIdle_ = watchInput();
  return exitWhenIdle_;
}

void Run::stopWhenStuck(uint64_t cycles) {
  stuck_.reset(cycles ? new StuckGuest(*machine_, cycles) : nullptr);
  pieceEnd_ = 0;
  waitingSince_ = 0;
  if (stuck_) watchInput();
}

Stop Run::idleStop() const {
  return Stop{StopKind::kIdle,
              emu::exit_status::kOk,
              "the guest waits for input and --input is used up (--exit-when-idle)",
              {}};
}

void Run::onIo(const emu::IoEvent&) {
  if ((++activity_ & 15) == 0) look();
}

void Run::onInterrupt(const emu::InterruptEvent& e) {
  ++activity_;
  if (idle_ && e.external) idle_->interrupt();
  look();
}

void Run::onHalt(const emu::HaltEvent& e) {
  if (e.interruptsEnabled) look();
}

void Run::look() {
  if (!running_ || cause_ != Cause::kNone) return;
  if (poll_) {
    if (std::optional<std::string> message = poll_()) {
      cause_ = Cause::kPolled;
      pollMessage_ = *message;
      machine_->cpu().requestStop();
      return;
    }
  }
  if (exitWhenIdle_ && idle_->idle()) {
    cause_ = Cause::kIdle;
    machine_->cpu().requestStop();
  }
}

std::optional<Stop> Run::betweenPieces() {
  if (poll_) {
    if (std::optional<std::string> message = poll_()) {
      return Stop{StopKind::kRequested, emu::exit_status::kOk, *message, {}};
    }
  }
  if (exitWhenIdle_ && idle_->idle()) return idleStop();
  if (!stuck_) return std::nullopt;
  std::string message;
  if (stuck_->stuck(activity_)) {
    message = "the guest spins with interrupts off, no I/O and no interrupt";
  } else if (idle_ && !exitWhenIdle_) {
    // Waiting for input that will not come, as long as a panic's spin would take to be called
    // stuck: every process asleep (a deadlock), or a command that wants more input.
    const uint64_t now = machine_->cycles();
    if (!idle_->idle()) {
      waitingSince_ = 0;
    } else if (waitingSince_ == 0) {
      waitingSince_ = now;
    } else if (now - waitingSince_ >= stuck_->limit()) {
      char text[160];
      std::snprintf(text, sizeof text,
                    "the guest has waited for input for %.0f s of guest time and --input is used "
                    "up: nothing runs (a deadlock, or a command waiting for more input)",
                    static_cast<double>(now - waitingSince_) / devices::kCpuHz);
      message = text;
    }
  }
  if (message.empty()) return std::nullopt;
  if (!lastLine_.empty()) message += "; its last line: " + lastLine_;
  return Stop{StopKind::kStuck, emu::exit_status::kStuck, message, {}};
}

Stop Run::step() {
  std::string ignored;
  uint64_t now = instructions();
  return *run(Until::instructions(now == ~uint64_t{0} ? now : now + 1), ignored);
}

Stop Run::stopFor(const emu::Machine::Outcome& o) {
  using K = emu::Machine::Outcome::Kind;
  StopKind kind = StopKind::kRequested;
  switch (o.kind) {
    case K::kGuestExit:
      kind = StopKind::kExited;
      break;
    case K::kGuestReset:
      kind = StopKind::kReset;
      break;
    case K::kInstructionLimit:
      kind = StopKind::kInstructionLimit;
      break;
    case K::kCycleLimit:
      kind = StopKind::kCycleLimit;
      break;
    case K::kHalted:
      kind = StopKind::kHalted;
      break;
    case K::kTripleFault:
      kind = StopKind::kTripleFault;
      break;
    case K::kUnsupported:
      kind = StopKind::kUnsupported;
      break;
    case K::kStopped:
      kind = StopKind::kRequested;
      break;
  }
  std::string message = o.message;
  // A kernel that halts for good usually said why first (xv6: "panic: ...").
  if (kind == StopKind::kHalted && !lastLine_.empty()) message += "; its last line: " + lastLine_;
  return Stop{kind, o.status, message, {}};
}

void Run::requestStop() {
  if (!running_) return;
  if (cause_ == Cause::kNone) cause_ = Cause::kRequested;
  machine_->cpu().requestStop();
}

void Run::reached(std::optional<trace::Record> event) {
  if (cause_ != Cause::kNone) return;
  cause_ = Cause::kReached;
  stopEvent_ = std::move(event);
  wantInstructions_ = false;
  machine_->cpu().requestStop();
}

void Run::updateInstructionEvents() {
  machine_->cpu().events().setInstructionEvents(tracer_->wanted(trace::Kind::kInsn) ||
                                                wantInstructions_ || observerWantsInstructions_ ||
                                                !breakpoints_.empty());
}

// ---- the conditions ----------------------------------------------------------------------------

bool Run::arm(const Until& until, std::string& error) {
  disarm();
  until_ = until;
  if (until_.source.empty()) {
    switch (until.kind) {
      case Until::Kind::kEnd:
        until_.source = "exit";
        break;
      case Until::Kind::kInstructions:
        until_.source = "insn:" + std::to_string(until.n);
        break;
      case Until::Kind::kCycles:
        until_.source = "cycle:" + std::to_string(until.n);
        break;
      case Until::Kind::kPageFaultDone:
        until_.source = "pf:" + std::to_string(until.n);
        break;
      case Until::Kind::kAddress:
      case Until::Kind::kReturn: {
        char hex[16];
        std::snprintf(hex, sizeof hex, "0x%x", until.address.value_or(0));
        until_.source = std::string(until.kind == Until::Kind::kAddress ? "symbol:" : "ret:") +
                        (until.name.empty() ? hex : until.name);
        break;
      }
      case Until::Kind::kConsole:
        until_.source = "console:" + until.text;
        break;
      case Until::Kind::kEvent:
        until_.source = "event:" + until.text;
        break;
      case Until::Kind::kNextFault:
        until_.source = "the next page fault";
        break;
      case Until::Kind::kNextFlush:
        until_.source = "the next TLB flush";
        break;
      case Until::Kind::kNextCr3:
        until_.source = "the next CR3 write";
        break;
    }
  }
  entered_ = wantInstructions_ = false;
  faultsAtArm_ = faults_;
  consoleTail_.clear();
  emu::Cpu& cpu = machine_->cpu();
  uint32_t watch = repeatLimit_ ? bit(trace::Kind::kPageFault) : 0;
  switch (until.kind) {
    case Until::Kind::kAddress:
    case Until::Kind::kReturn:
      if (!until.address) {
        std::optional<trace::SymbolTable::Symbol> s = symbols_.find(until.name);
        if (!s) {
          error = until_.source + ": no symbol " + until.name +
                  (symbols_.empty() ? " (no symbols: boot a --kernel ELF or give --symbols)" : "");
          return false;
        }
        until_.address = s->start;
      }
      target_ = *until_.address;
      wantInstructions_ = true;
      // Already at the function's first instruction: that call is the one.
      if (until.kind == Until::Kind::kReturn && cpu.eip() == target_) enterCall();
      break;
    case Until::Kind::kConsole:
      if (until.text.empty()) {
        error = "console: needs the text to wait for";
        return false;
      }
      break;
    case Until::Kind::kEvent: {
      std::string text = until.text;
      if (text.find_first_not_of(" \t\n") == std::string::npos) text = "kind=all";
      eventFilter_ = trace::Filter::parse(text, symbols_, error);
      if (!eventFilter_) {
        // The parser names --trace-filter; here the expression belongs to the condition.
        const std::string option = "--trace-filter: ";
        if (error.rfind(option, 0) == 0) error.erase(0, option.size());
        error = until_.source + ": " + error;
        return false;
      }
      watch |= eventFilter_->kinds() & kWatchable;
      break;
    }
    default:
      break;
  }
  armed_ = true;
  if (watch) tracer_->setSink(&watch_, watch);
  return true;
}

void Run::disarm() {
  armed_ = wantInstructions_ = entered_ = false;
  until_ = Until::end();
  eventFilter_.reset();
  tracer_->setSink(&watch_, repeatLimit_ ? bit(trace::Kind::kPageFault) : 0);
  updateInstructionEvents();
}

// ret:NAME: the call's return address is at [ESP], read with a probe (no side effect).
void Run::enterCall() {
  const emu::Cpu& cpu = machine_->cpu();
  const mmu::Mmu& m = machine_->mmu();
  uint32_t esp = cpu.reg(emu::kEsp);
  mmu::ProbeResult p = m.probe(m.cr3(), esp, mmu::Access::kRead, cpu.cpl() == 3);
  if (p.fault || (p.physical & mmu::kPageMask) > mmu::kPageSize - 4) return;
  entered_ = true;
  returnEip_ = mmu::readPagingWord(*machine_, p.physical, true);
  returnEsp_ = esp + 4;
  targetCr3_ = m.cr3() & ~mmu::kPageMask;
}

void Run::setBreakpoints(std::vector<uint32_t> eips) {
  std::sort(eips.begin(), eips.end());
  eips.erase(std::unique(eips.begin(), eips.end()), eips.end());
  breakpoints_ = std::move(eips);
  updateInstructionEvents();
}

void Run::onInstruction(const emu::InstructionEvent& e) {
  const emu::Cpu& cpu = machine_->cpu();
  if (!breakpoints_.empty() && running_ && cause_ == Cause::kNone &&
      std::binary_search(breakpoints_.begin(), breakpoints_.end(), cpu.eip())) {
    cause_ = Cause::kBreakpoint;
    machine_->cpu().requestStop();
    return;
  }
  if (!armed_ || cause_ != Cause::kNone) return;
  uint32_t cr3 = machine_->mmu().cr3() & ~mmu::kPageMask;
  switch (until_.kind) {
    case Until::Kind::kPageFaultDone:
      if (wantInstructions_ && e.eip == target_ && cr3 == targetCr3_) reached();
      break;
    case Until::Kind::kAddress:
      if (cpu.eip() == target_) reached();
      break;
    case Until::Kind::kReturn:
      if (!entered_ && cpu.eip() == target_) {
        enterCall();
      } else if (entered_ && cpu.eip() == returnEip_ && cpu.reg(emu::kEsp) == returnEsp_ &&
                 cr3 == targetCr3_) {
        reached();
      }
      break;
    default:
      break;
  }
}

void Run::onPageFault(const mmu::PageFault& e) {
  ++faults_;
  if (!armed_ || cause_ != Cause::kNone) return;
  if (until_.kind == Until::Kind::kNextFault) {
    reached();
  } else if (until_.kind == Until::Kind::kPageFaultDone) {
    uint64_t seen = faults_ - faultsAtArm_;
    if (seen == until_.n) {
      // Wait for the faulting instruction to complete: every retired instruction from here on.
      target_ = machine_->cpu().events().context().eip;
      targetCr3_ = e.cr3 & ~mmu::kPageMask;
      wantInstructions_ = true;
      machine_->cpu().requestStop();  // run() turns instruction events on and runs on
    } else if (seen > until_.n) {
      reached();  // the Nth fault never completed (its process was killed): stop at this one
    }
  }
}

void Run::onTlbFlush(const mmu::TlbFlush&) {
  if (armed_ && until_.kind == Until::Kind::kNextFlush) reached();
}

void Run::onCr3Write(const mmu::Cr3Write&) {
  if (armed_ && until_.kind == Until::Kind::kNextCr3) reached();
}

void Run::record(const trace::Record& r) {
  if (repeatLimit_ != 0 && r.kind == trace::Kind::kPageFault && r.repeat >= repeatLimit_ &&
      cause_ == Cause::kNone && running_) {
    cause_ = Cause::kRepeat;
    stopEvent_ = r;
    machine_->cpu().requestStop();
    return;
  }
  if (armed_ && until_.kind == Until::Kind::kEvent && eventFilter_ && eventFilter_->matches(r)) {
    reached(r);
  }
}

void Run::put(uint8_t byte) {
  console_->put(byte);
  ++activity_;
  if (byte == '\n') {
    size_t end = line_.find_last_not_of(" \r\t");
    if (end != std::string::npos) lastLine_ = line_.substr(0, end + 1);
    line_.clear();
  } else if (line_.size() < 200) {
    line_ += static_cast<char>(byte);
  }
  if (!armed_ || until_.kind != Until::Kind::kConsole || cause_ != Cause::kNone) return;
  consoleTail_ += static_cast<char>(byte);
  if (consoleTail_.size() > until_.text.size()) consoleTail_.erase(0, 1);
  if (consoleTail_ == until_.text) reached();
}

// ---- looking -----------------------------------------------------------------------------------

std::optional<std::vector<uint8_t>> Run::readPhysical(uint32_t pa, size_t size,
                                                      uint32_t* notRam) const {
  if (size > (uint64_t{1} << 32) - pa) return std::nullopt;
  std::vector<uint8_t> out;
  out.reserve(size);
  while (out.size() < size) {
    uint32_t at = pa + static_cast<uint32_t>(out.size());
    // frame(): plain memory behind the page, or nullptr for MMIO and holes (a device read has
    // side effects: never read those).
    const uint8_t* f = machine_->frame(at);
    if (f == nullptr) {
      if (notRam != nullptr) *notRam = at;
      return std::nullopt;
    }
    uint32_t off = at & mmu::kPageMask;
    size_t n = std::min<size_t>(mmu::kPageSize - off, size - out.size());
    out.insert(out.end(), f + off, f + off + n);
  }
  return out;
}

std::optional<std::vector<uint8_t>> Run::readLinear(uint32_t cr3, uint32_t va, size_t size,
                                                    bool user) const {
  if (size > (uint64_t{1} << 32) - va) return std::nullopt;
  std::vector<uint8_t> out;
  out.reserve(size);
  while (out.size() < size) {
    uint32_t at = va + static_cast<uint32_t>(out.size());
    mmu::ProbeResult p = machine_->mmu().probe(cr3, at, mmu::Access::kRead, user);
    if (p.fault) return std::nullopt;
    const uint8_t* f = machine_->frame(p.physical);
    if (f == nullptr) return std::nullopt;
    uint32_t off = p.physical & mmu::kPageMask;
    size_t n = std::min<size_t>(mmu::kPageSize - off, size - out.size());
    out.insert(out.end(), f + off, f + off + n);
  }
  return out;
}

bool Run::writePhysical(uint32_t pa, const std::vector<uint8_t>& bytes) {
  if (bytes.size() > (uint64_t{1} << 32) - pa) return false;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (machine_->frame(pa + static_cast<uint32_t>(i)) == nullptr) return false;
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    uint32_t at = pa + static_cast<uint32_t>(i);
    machine_->frame(at)[at & mmu::kPageMask] = bytes[i];
  }
  if (!bytes.empty()) {
    machine_->cpu().invalidateCode(pa, static_cast<uint32_t>(bytes.size()));
  }
  return true;
}

bool Run::writeLinear(uint32_t cr3, uint32_t va, const std::vector<uint8_t>& bytes) {
  if (bytes.size() > (uint64_t{1} << 32) - va) return false;
  // Every page first: nothing is written unless all of it can be.
  std::vector<uint32_t> physical(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) {
    uint32_t at = va + static_cast<uint32_t>(i);
    mmu::ProbeResult p = machine_->mmu().probe(cr3, at, mmu::Access::kRead, false);
    if (p.fault || machine_->frame(p.physical) == nullptr) return false;
    physical[i] = p.physical;
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (!writePhysical(physical[i], {bytes[i]})) return false;
  }
  return true;
}

std::shared_ptr<const Snapshot> Run::saveState(const Snapshot* previous) const {
  auto s = std::make_shared<Snapshot>();
  s->machine = machine_->saveState(previous != nullptr ? previous->machine.get() : nullptr);
  s->tracer = tracer_->state();
  s->info = info_;
  s->end = end_;
  s->faults = faults_;
  s->consoleTail = consoleTail_;
  s->line = line_;
  s->lastLine = lastLine_;
  if (idle_) s->idle = idle_->state();
  if (stuck_) s->stuck = stuck_->state();
  s->pieceEnd = pieceEnd_;
  s->activity = activity_;
  s->waitingSince = waitingSince_;
  return s;
}

void Run::restoreState(const Snapshot& s) {
  machine_->restoreState(*s.machine);
  tracer_->setState(s.tracer);
  info_ = s.info;
  end_ = s.end;
  faults_ = s.faults;
  consoleTail_ = s.consoleTail;
  line_ = s.line;
  lastLine_ = s.lastLine;
  if (idle_ && s.idle) idle_->setState(*s.idle);
  if (stuck_ && s.stuck) stuck_->setState(*s.stuck);
  pieceEnd_ = s.pieceEnd;
  activity_ = s.activity;
  waitingSince_ = s.waitingSince;
  updateInstructionEvents();
}

std::string Run::summary(double hostSeconds) const {
  const emu::Machine& m = *machine_;
  trace::MachineExtras x;
  x.unassignedPorts = machine_->ports().unassignedReads() + machine_->ports().unassignedWrites();
  x.firstPort = machine_->ports().firstUnassigned();
  x.unassignedMemory = m.unassignedMemory();
  x.firstMemory = m.firstUnassignedMemory();
  if (m.cpuCount() > 1) {
    for (unsigned k = 0; k < m.cpuCount(); ++k) {
      x.processors.push_back(&m.mmu(k));
      x.processorInstructions.push_back(m.cpu(k).instructions());
      x.processorTurns.push_back(m.turns(k));
    }
  }
  return trace::formatSummary(instructions(), cycles(), machine_->mmu(), &tracer_->counters(), x,
                              hostSeconds, &info_, &tracer_->processes());
}

}  // namespace run
