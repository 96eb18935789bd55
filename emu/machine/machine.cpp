// The PC machine. Physical address map:
//   0x00000000 - RAM end        RAM, except 0xA0000-0xB7FFF (nothing: reads all-ones) and
//                               0xB8000-0xBFFFF (CGA text memory)
//   0xFEC00000 - 0xFEC00FFF     I/O APIC
//   0xFEE00000 - 0xFEE00FFF     local APIC
//   4 GB - ROM size - 4 GB      a --bios ROM (read-only); its last 128 KB also below 1 MB
//   anything else               nothing: reads all-ones, writes dropped, counted for the summary
// With the A20 gate off, physical address bit 20 reads as 0 (the 8086 wrap-around).
#include "emu/machine/machine.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace emu {

namespace {
constexpr uint32_t kVgaHole = 0xA0000;
constexpr uint32_t kCgaBase = devices::Cga::kBase;
constexpr uint32_t kCgaEnd = devices::Cga::kBase + devices::Cga::kSize;
// The longest the CPU runs without the devices looking at the time: 1 ms of guest time.
constexpr uint64_t kMaxSlice = devices::kCpuHz / 1000;
}  // namespace

namespace {
// A decimal number of at most `max`, the whole of `text` from `pos` up to `stop` (or the end):
// digits only, no sign, and no wrap (sscanf's %u and strtoll take "4294967297" or saturate).
bool parseDecimal(const std::string& text, size_t& pos, char stop, uint64_t max, uint64_t& value) {
  size_t start = pos;
  value = 0;
  while (pos < text.size() && text[pos] != stop) {
    char c = text[pos];
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (max - digit) / 10) return false;
    value = value * 10 + digit;
    ++pos;
  }
  return pos > start;
}
}  // namespace

bool parseTlb(const std::string& text, mmu::TlbGeometry& geometry, std::string& error) {
  uint64_t sets = 0, ways = 0;
  size_t pos = 0;
  bool ok = parseDecimal(text, pos, 'x', 0xFFFFFFFFu, sets) && pos < text.size();
  if (ok) {
    ++pos;
    ok = parseDecimal(text, pos, '\0', 0xFFFFFFFFu, ways) && pos == text.size();
  }
  if (!ok) {
    error = "--tlb " + text + ": expected SETSxWAYS, e.g. 8x4";
    return false;
  }
  mmu::TlbGeometry parsed = geometry;
  parsed.sets = static_cast<unsigned>(sets);
  parsed.ways = static_cast<unsigned>(ways);
  std::string why;
  if (!parsed.validate(why)) {
    error = "--tlb " + text + ": " + why;
    return false;
  }
  geometry = parsed;
  return true;
}

bool parseRtc(const std::string& text, int64_t& seconds) {
  // Seconds from 1970 to the end of year 9999 at most: the CMOS clock adds the guest's run time
  // to them and turns them into a civil date, with room to spare in 64 bits.
  constexpr uint64_t kLast = 253402300799;  // 9999-12-31T23:59:59
  if (text.empty()) return false;
  size_t pos = 0;
  uint64_t v = 0;
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    if (!parseDecimal(text, pos, '\0', kLast, v)) return false;
    seconds = static_cast<int64_t>(v);
    return true;
  }
  int y, mo, d, h = 0, mi = 0, s = 0;
  char tail = 0;
  int n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &tail);
  if (!(n == 3 || n == 6) || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
      mi < 0 || mi > 59 || s < 0 || s > 59)
    return false;
  if (n == 3 && text.size() != 10) return false;
  // Days from 1970-01-01 by the same civil-date arithmetic the CMOS uses (in reverse).
  int yy = y - (mo <= 2);
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  int64_t yoe = yy - era * 400;
  int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  seconds = (era * 146097 + doe - 719468) * 86400 + h * 3600 + mi * 60 + s;
  return true;
}

Machine::Machine(const MachineConfig& config)
    : ram_(config.memMb << 20),
      stdoutSink_(config.console ? nullptr : new devices::FileSink(stdout)),
      console_(config.console ? config.console : stdoutSink_.get()),
      lapic_(clock_, 0),
      ioapic_(lapic_, 1),
      router_(pic_, ioapic_, lapic_),
      pit_(clock_, router_),
      com1_(clock_, router_, 4, console_, nullptr),
      ata_(router_, 14),
      kbc_(router_),
      cmos_(clock_, config.rtc, config.memMb << 20),
      cga_(clock_),
      debug_(console_),
      fwcfg_(static_cast<uint16_t>(config.cpus), uint64_t{config.memMb} << 20, config.cmdline),
      apics_(clock_, lapic_, config.cpus) {
  router_.attach(ports_);
  pic_.attach(ports_);
  pit_.attach(ports_);
  com1_.attach(ports_, 0x3F8);
  ata_.attach(ports_);
  kbc_.attach(ports_);
  cmos_.attach(ports_);
  cga_.attach(ports_);
  debug_.attach(ports_);
  fwcfg_.attach(ports_);
  mmio_.map(devices::IoApic::kBase, 0x1000, &ioapic_);
  mmio_.map(devices::LocalApic::kBase, 0x1000, &apics_);
  kbc_.onA20 = [this](bool on) { setA20(on); };
  kbc_.onReset = [this] { resetRequested_ = true; };
  for (unsigned k = 0; k < config.cpus; ++k) {
    mmus_.push_back(std::make_unique<mmu::Mmu>(*this, config.tlb));
    mmu::Mmu& m = *mmus_.back();
    m.setLabFlushRule(config.labFlushRule);
    if (config.cpus > 1) m.joinPeers(mmuPeers_, k);
    if (k == 0) {
      cpus_.push_back(std::make_unique<Cpu>(*this, m));
    } else {
      cpus_.push_back(std::make_unique<Cpu>(*this, m, cpus_[0]->events(), k));
    }
    Cpu& c = *cpus_.back();
    c.setStopOnUnsupportedOpcode(config.stopOnUnsupported);
    if (config.cpus > 1) c.setHaltSkipsTime(false);
    if (k > 0) router_.addApic(apics_.apic(k));
    waitingForStartup_.push_back(k > 0);
    turns_.push_back(0);
  }
  // An NMI a local APIC accepts (an IPI, the I/O APIC, LINT1) goes to its processor's NMI pin;
  // a processor waiting for STARTUP takes none (SDM vol. 3A 8.4: it answers only INIT and
  // STARTUP), and INIT clears a pending one (Cpu::reset).
  for (unsigned k = 0; k < config.cpus; ++k) {
    apics_.apic(k).onNmi = [this, k] {
      if (!waitingForStartup_[k]) cpus_[k]->raiseNmi();
    };
  }
  mmu_ = mmus_[0].get();
  cpu_ = cpus_[0].get();
  cur_ = cpu_;
  curMmu_ = mmu_;
  if (config.cpus > 1) {
    ioapic_.route = [this](uint8_t dest, bool logical, unsigned mode, uint8_t vector, bool level) {
      apics_.route(dest, logical, mode, vector, level);
    };
    apics_.onStart = [this](unsigned k, unsigned mode, uint8_t vector) {
      startProcessor(k, mode, vector);
    };
  }
  schedule_ = ScheduleRandom(config.scheduleSeed);
  quantum_ = config.smpQuantum;
}

Machine::~Machine() = default;

bool Machine::raiseNmi() {
  if (cmos_.nmiDisabled()) return false;
  bool delivered = false;
  for (unsigned k = 0; k < apics_.count(); ++k) delivered = apics_.apic(k).lint1() || delivered;
  updateIntr();  // a LINT1 programmed as a fixed vector
  return delivered;
}

std::unique_ptr<Machine> Machine::create(const MachineConfig& config, std::string& error) {
  if (config.memMb < 2 || uint64_t{config.memMb} << 20 > devices::kMaxRamBytes) {
    error = "--mem must be from 2 to " + std::to_string(devices::kMaxRamBytes >> 20) + " MB";
    return nullptr;
  }
  if (config.kernel.empty() && config.disks.empty() && config.bios.empty()) {
    error = "nothing to boot: give --kernel ELF, --disk IMAGE or --bios ROM";
    return nullptr;
  }
  if (config.disks.size() > 2) {
    error = "at most two --disk images (primary master and slave)";
    return nullptr;
  }
  if (config.input && !config.inputFile.empty()) {
    error = "--input and --input-file are exclusive";
    return nullptr;
  }
  if (config.rtc < 0 || config.rtc > 253402300799) {  // parseRtc's range: 1970 to 9999
    error = "--rtc " + std::to_string(config.rtc) + ": outside 1970-01-01 to 9999-12-31";
    return nullptr;
  }
  if (config.cpus < 1 || config.cpus > kMaxCpus) {
    error = "--smp " + std::to_string(config.cpus) + ": from 1 to " + std::to_string(kMaxCpus) +
            " processors";
    return nullptr;
  }
  if (config.smpQuantum < 1 || config.smpQuantum > kMaxSmpQuantum) {
    error = "--smp-quantum " + std::to_string(config.smpQuantum) + ": from 1 to " +
            std::to_string(kMaxSmpQuantum) + " instructions";
    return nullptr;
  }
  std::string why;
  if (!config.tlb.validate(why)) {
    error = "--tlb " + std::to_string(config.tlb.sets) + "x" + std::to_string(config.tlb.ways) +
            ": " + why;
    return nullptr;
  }
  std::unique_ptr<Machine> m;
  try {
    m.reset(new Machine(config));
  } catch (const std::exception& e) {  // the host refused the RAM (devices::Ram)
    error = e.what();
    return nullptr;
  }
  if (!m->load(config, error)) return nullptr;
  return m;
}

bool Machine::load(const MachineConfig& config, std::string& error) {
  // Console input: a script, a file, or the host terminal.
  // A script is typed a line at a time (devices::ScriptSource): the next line when the guest
  // waits for input (script_pacing.cpp).
  if (config.input || !config.inputFile.empty()) {
    std::string script;
    if (config.input) {
      if (!devices::unescape(*config.input, script, error)) return false;
    } else {
      std::vector<uint8_t> bytes;
      if (!devices::readFile(config.inputFile, "input file", bytes, error)) return false;
      script.assign(bytes.begin(), bytes.end());
    }
    auto source = std::make_unique<devices::ScriptSource>(script, true);
    script_ = source.get();
    input_ = std::move(source);
  } else if (config.terminalKeyboard) {
    keyboardTerminal_ = std::make_unique<devices::TerminalSource>();
  } else {
    input_ = std::make_unique<devices::TerminalSource>();
  }
  com1_.setInput(input_.get());
  if (!config.keys.empty()) {
    std::string keys;
    if (!devices::unescape(config.keys, keys, error)) return false;
    for (char ch : keys) {
      if (devices::scanCodesFor(ch).empty()) {
        error = std::string("--keys: no key types the character 0x") +
                "0123456789abcdef"[(ch >> 4) & 15] + "0123456789abcdef"[ch & 15];
        return false;
      }
    }
    kbc_.type(keys);
  }
  displayText_ = config.displayText;

  for (size_t i = 0; i < config.disks.size(); ++i) {
    auto disk = devices::Disk::open(config.disks[i], config.snapshot, error);
    if (!disk) return false;
    ata_.setDisk(static_cast<unsigned>(i), std::move(disk));
  }

  devices::BootState state;
  if (!config.bios.empty()) {
    if (!config.kernel.empty()) {
      error = "--bios and --kernel are exclusive: a user ROM boots by itself";
      return false;
    }
    if (!devices::loadUserBios(config.bios, ram_, userRom_, error)) return false;
    state.mode = devices::BootState::Mode::kResetVector;
    state.a20 = true;  // as QEMU starts: the reset vector at 0xFFFFFFF0 has address bit 20 set
  } else {
    devices::installFirmware(ram_, ata_.disk(0), ata_.disk(1), cpuCount());
    devices::programChipsAsBios(ports_, lapic_);
    if (!config.kernel.empty()) {
      devices::MultibootOptions mb{config.kernel, config.cmdline, config.modules, config.files};
      if (!devices::loadMultiboot(ram_, mb, state, error)) return false;
    } else {
      if (!config.modules.empty() || !config.cmdline.empty()) {
        error = "--module and --cmdline need --kernel";
        return false;
      }
      if (!devices::loadBootSector(*ata_.disk(0), ram_, state, error)) return false;
    }
  }

  Cpu& c = *cpu_;
  c.reset();
  setA20(state.a20);
  switch (state.mode) {
    case devices::BootState::Mode::kResetVector:
      break;
    case devices::BootState::Mode::kReal:
      c.setSegmentReal(kCs, state.cs);
      c.setSegmentReal(kDs, state.ds);
      c.setSegmentReal(kEs, state.es);
      c.setSegmentReal(kSs, state.ss);
      c.setSegmentReal(kFs, 0);
      c.setSegmentReal(kGs, 0);
      c.setEip(state.eip);
      c.setEflags(state.eflags);
      break;
    case devices::BootState::Mode::kProtected32:
      c.enterFlatProtectedMode();
      c.setEip(state.eip);
      c.setEflags(state.eflags);
      break;
  }
  const uint32_t regs[] = {state.eax, state.ecx, state.edx, state.ebx,
                           state.esp, state.ebp, state.esi, state.edi};
  if (state.mode != devices::BootState::Mode::kResetVector) {
    for (unsigned r = 0; r < 8; ++r) c.setReg(static_cast<Reg>(r), regs[r]);
    // A PC BIOS initialises the x87 during POST (FNINIT: all empty, exceptions masked); the
    // power-on state (CW 0040h, every register valid) would make a first FLD overflow the stack.
    c.fpu().init();
  }
  c.flushDecodedCode();
  return true;
}

void Machine::setA20(bool on) {
  uint32_t mask = on ? ~0u : ~(1u << 20);
  if (mask == a20Mask_) return;
  a20Mask_ = mask;
  for (auto& m : mmus_) m->flushHostCache();  // frame() now answers differently above 1 MB
}

void Machine::noteUnassigned(uint32_t pa) {
  if (unassignedMemory_++ == 0) firstUnassigned_ = pa;
}

uint8_t* Machine::frame(uint32_t pa) {
  pa &= a20Mask_;
  uint32_t base = pa & ~mmu::kPageMask;
  if (base >= kVgaHole && base < 0x100000) {
    if (base >= kCgaBase && base < kCgaEnd) return cga_.memory() + (base - kCgaBase);
    if (base < kCgaBase) return nullptr;
  }
  return ram_.at(base, mmu::kPageSize);
}

uint32_t Machine::read(uint32_t pa, unsigned size) {
  pa &= a20Mask_;
  if (uint8_t* f = frame(pa)) {
    const uint8_t* p = f + (pa & mmu::kPageMask);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
    return v;
  }
  uint32_t offset;
  if (devices::MmioDevice* d = mmio_.find(pa, offset)) {
    sync();
    uint32_t v = d->mmioRead(offset, size);
    updateIntr();
    if (cpu_ && cpu_->events().active())
      cpu_->events().io(IoEvent{pa, v, static_cast<uint8_t>(size), false, true, true});
    return v;
  }
  if (!userRom_.empty() && pa >= 0u - static_cast<uint32_t>(userRom_.size())) {
    uint32_t off = pa - (0u - static_cast<uint32_t>(userRom_.size()));
    uint32_t v = 0;
    for (unsigned i = 0; i < size && off + i < userRom_.size(); ++i)
      v |= static_cast<uint32_t>(userRom_[off + i]) << (8 * i);
    return v;
  }
  noteUnassigned(pa);
  if (cpu_ && cpu_->events().active()) {
    cpu_->events().io(
        IoEvent{pa, devices::allOnes(size), static_cast<uint8_t>(size), false, true, false});
  }
  return devices::allOnes(size);
}

void Machine::write(uint32_t pa, uint32_t value, unsigned size) {
  pa &= a20Mask_;
  if (uint8_t* f = frame(pa)) {
    uint8_t* p = f + (pa & mmu::kPageMask);
    for (unsigned i = 0; i < size; ++i) p[i] = static_cast<uint8_t>(value >> (8 * i));
    // The other processors' decoded code from this frame (docs/smp.md).
    if (cpus_.size() > 1) [[unlikely]] {
      for (const auto& c : cpus_)
        if (c.get() != cur_) c->storedByOther(pa, size);
    }
    return;
  }
  uint32_t offset;
  if (devices::MmioDevice* d = mmio_.find(pa, offset)) {
    sync();
    d->mmioWrite(offset, value, size);
    updateIntr();
    if (cpu_ && cpu_->events().active())
      cpu_->events().io(IoEvent{pa, value, static_cast<uint8_t>(size), true, true, true});
    checkSlice();
    return;
  }
  if (!userRom_.empty() && pa >= 0u - static_cast<uint32_t>(userRom_.size())) return;  // ROM
  noteUnassigned(pa);
  if (cpu_ && cpu_->events().active())
    cpu_->events().io(IoEvent{pa, value, static_cast<uint8_t>(size), true, true, false});
}

uint32_t Machine::ioRead(uint16_t port, unsigned size) {
  sync();
  uint64_t missed = ports_.unassignedReads();
  uint32_t v = ports_.read(port, size);
  updateIntr();
  if (cpu_->events().active()) {
    cpu_->events().io(IoEvent{port, v, static_cast<uint8_t>(size), false, false,
                              ports_.unassignedReads() == missed});
  }
  return v;
}

void Machine::ioWrite(uint16_t port, uint32_t value, unsigned size) {
  sync();
  uint64_t missed = ports_.unassignedWrites();
  if (port == 0xF0) {
    ignne_ = true;  // clears the FERR# latch on IRQ 13 and lets waiting x87 instructions go on
    router_.setIrq(13, false);
  } else {
    ports_.write(port, value, size);
  }
  updateIntr();
  if (cpu_->events().active()) {
    cpu_->events().io(IoEvent{port, value, static_cast<uint8_t>(size), true, false,
                              ports_.unassignedWrites() == missed});
  }
  checkSlice();
}

// FERR# from the x87 (an unmasked error while CR0.NE is clear) is IRQ 13, the PC/AT's wiring of
// the coprocessor error (SDM vol. 1 D.2.1); it drops when the error is cleared, and IGNNE# with
// it.
void Machine::fpuError(bool asserted) {
  if (!asserted) ignne_ = false;
  router_.setIrq(13, asserted);
  updateIntr();
}

uint8_t Machine::interruptAcknowledge() {
  sync();
  uint8_t v =
      cpus_.size() == 1 ? router_.acknowledge() : router_.acknowledge(apics_.apic(current_));
  updateIntr();
  return v;
}

uint64_t Machine::nextDeadline() const {
  uint64_t d = std::min({pit_.deadline(), apics_.deadline(), com1_.deadline()});
  // A script's next line is looked at every slice (kMaxSlice) anyway.
  // The terminal typing on the keyboard is looked at every millisecond of guest time.
  if (keyboardTerminal_) d = std::min(d, cycles() + devices::kCpuHz / 1000);
  return d;
}

void Machine::tickDevices() {
  sync();
  pit_.tick();
  apics_.tick();
  com1_.tick();
  paceScript();
  if (keyboardTerminal_) {
    for (int ch; (ch = keyboardTerminal_->next(cycles())) >= 0;)
      kbc_.type(std::string(1, static_cast<char>(ch)));
  }
  updateIntr();
}

Machine::Outcome Machine::run(uint64_t maxInstructions, uint64_t maxCycles, uint64_t stopCycles) {
  Outcome r = cpus_.size() == 1 ? runSlices(maxInstructions, maxCycles, stopCycles)
                                : runTurns(maxInstructions, std::min(maxCycles, stopCycles));
  noteUntypedLines(r);
  if (displayText_) drawScreen(true);
  return r;
}

// Whether the CPU, halted with interrupts on, can never leave the halt. While it sleeps nothing
// changes the masks, priorities or in-service bits of the 8259s and APICs (only the CPU writes
// them), so the timers armed now are all that can still raise a request, besides input. Once
// every timer armed at the start of the halt has expired, and then every timer armed after that
// round has expired too, with no request reaching INTR, no later expiry can do better: each
// finds the controllers as the last one left them. Input may still come (a script line held
// back, a standard input not at its end, with COM1's receive interrupt on; the terminal's
// keyboard until its end) and keeps the halt open.
bool Machine::haltIsFinal() {
  auto horizon = [this] {
    uint64_t h = cycles();
    for (uint64_t d : {pit_.deadline(), apics_.deadline(), com1_.deadline()})
      if (d != devices::kNever && d > h) h = d;
    return h;
  };
  // COM1's input raises a request only with its receive interrupt enabled.
  bool inputMayCome = (com1_.receiveInterruptEnabled() &&
                       ((script_ && script_->waiting()) || (input_ && !input_->ended()))) ||
                      (keyboardTerminal_ && !keyboardTerminal_->ended());
  bool intr = false;
  for (unsigned k = 0; k < cpus_.size(); ++k)
    intr = intr || (cpus_.size() == 1 ? router_.intr() : router_.intr(apics_.apic(k)));
  if (intr || inputMayCome) {
    haltInstructions_ = ~uint64_t{0};
    return false;
  }
  if (instructions() != haltInstructions_) {  // a new halt: something ran since the last
    haltInstructions_ = instructions();
    haltRounds_ = 0;
    haltHorizon_ = horizon();
    return false;
  }
  if (cycles() < haltHorizon_) return false;
  if (++haltRounds_ < 2) {
    haltHorizon_ = horizon();
    return false;
  }
  return true;
}

std::string Machine::haltReason() {
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "guest halted and no interrupt can wake it: every armed timer expired twice "
                "with no request reaching the CPU (8259 mask %02x/%02x, in service %02x/%02x)",
                pic_.master().imr(), pic_.slave().imr(), pic_.master().isr(), pic_.slave().isr());
  return buf;
}

// The CPU runs in slices up to the next device deadline (at most kMaxSlice), after each of which
// the devices look at the time and a script may be typed. A run that stops inside a slice (an
// instruction count, a cycle count that is no slice's end, a request) leaves it open: the devices
// do not look, and the next run goes on with the same slice, so where runs stop never changes
// when the devices look, nor the run.
Machine::Outcome Machine::runSlices(uint64_t maxInstructions, uint64_t maxCycles,
                                    uint64_t stopCycles) {
  using Kind = Outcome::Kind;
  Cpu& c = *cpu_;
  for (;;) {
    if (auto s = debug_.exitStatus()) return {Kind::kGuestExit, *s, debug_.exitReason()};
    if (resetRequested_)
      return {Kind::kGuestReset, exit_status::kOk, "guest reset the machine (8042 or port 0x92)"};
    if (c.instructions() >= maxInstructions) {
      return {Kind::kInstructionLimit, exit_status::kLimit,
              "stopped after " + std::to_string(c.instructions()) + " instructions (--max-insns)"};
    }
    if (c.cycles() >= std::min(maxCycles, stopCycles)) {
      return {Kind::kCycleLimit, exit_status::kLimit,
              "stopped after " + std::to_string(c.cycles()) + " cycles (--max-cycles)"};
    }
    if (!sliceOpen_) {
      sliceDevice_ = nextDeadline();
      sliceDue_ = std::min({sliceDevice_, maxCycles, c.cycles() + kMaxSlice});
      sliceCut_ = false;
    }
    sliceOpen_ = true;
    sliceEnd_ = sliceDue_;
    RunResult r = c.run(maxInstructions - c.instructions(), std::min(sliceDue_, stopCycles));
    sliceEnd_ = ~uint64_t{0};
    // Stopped inside the slice: the slice stays open for the next run.
    bool inside =
        !sliceCut_ && c.cycles() < sliceDue_ &&
        (r.reason == StopReason::kInstructionLimit || r.reason == StopReason::kStopRequested ||
         ((r.reason == StopReason::kCycleDeadline || r.reason == StopReason::kHalt) &&
          c.cycles() >= stopCycles));
    if (inside) {
      if (r.reason == StopReason::kStopRequested)
        return {Kind::kStopped, exit_status::kOk, "stopped on request"};
      continue;  // the limit: said at the top of the loop
    }
    sliceOpen_ = false;
    tickDevices();
    if (displayText_) drawScreen(false);
    switch (r.reason) {
      case StopReason::kHaltInterruptsOff:
        if (debug_.exitStatus()) continue;
        return {Kind::kHalted, exit_status::kHalted, "guest halted with interrupts disabled"};
      case StopReason::kHalt:
        if (releaseAtIdleHalt()) continue;  // the guest waits for the next line
        // Asleep with nothing that could ever wake it: no timer armed, no input to come.
        if (sliceDevice_ == devices::kNever && !router_.intr()) {
          return {Kind::kHalted, exit_status::kHalted,
                  "guest halted with no interrupt source armed"};
        }
        if (haltIsFinal()) return {Kind::kHalted, exit_status::kHalted, haltReason()};
        continue;
      case StopReason::kTripleFault:
        return {Kind::kTripleFault, exit_status::kTripleFault, "triple fault: " + c.stopMessage()};
      case StopReason::kUnsupportedOpcode:
        return {Kind::kUnsupported, exit_status::kUnsupported,
                "unsupported instruction: " + c.stopMessage()};
      case StopReason::kStopRequested:
        return {Kind::kStopped, exit_status::kOk, "stopped on request"};
      default:
        continue;
    }
  }
}

std::string Machine::summary() const {
  char buf[200];
  std::snprintf(buf, sizeof buf, "%llu instructions, %llu cycles (%.3f s at 33 MHz)",
                static_cast<unsigned long long>(instructions()),
                static_cast<unsigned long long>(cycles()),
                static_cast<double>(cycles()) / devices::kCpuHz);
  std::string s = buf;
  if (cpus_.size() > 1) {
    s += "; " + std::to_string(cpus_.size()) + " processors:";
    for (unsigned k = 0; k < cpus_.size(); ++k) {
      s += (k ? ", " : " ") + std::to_string(cpus_[k]->instructions());
      if (waitingForStartup_[k]) s += " (never started)";
    }
  }
  if (unassignedMemory_) {
    std::snprintf(buf, sizeof buf, "; %llu accesses to unassigned memory (first at 0x%08x)",
                  static_cast<unsigned long long>(unassignedMemory_), firstUnassigned_);
    s += buf;
  }
  if (uint64_t n = ports_.unassignedReads() + ports_.unassignedWrites()) {
    std::snprintf(buf, sizeof buf, "; %llu accesses to unassigned ports (first 0x%04x)",
                  static_cast<unsigned long long>(n), ports_.firstUnassigned());
    s += buf;
  }
  // The flush checker's finding, shown whenever there is one (mmu/flush_check.h).
  const mmu::MmuStats st = mmuStats();
  if (st.missingFlushes != 0) {
    std::snprintf(buf, sizeof buf,
                  "; %llu missing TLB flushes, %llu uses of stale translations (--trace "
                  "missing-flush)",
                  static_cast<unsigned long long>(st.missingFlushes),
                  static_cast<unsigned long long>(st.missingFlushUses));
    s += buf;
  }
  return s;
}

}  // namespace emu
