// The gdb stub: packets, running and stopping the Run, reverse execution by replay.
#include "emu/gdb/stub.h"

#include <algorithm>
#include <cstdio>

#include "emu/gdb/registers.h"
#include "emu/gdb/session.h"

namespace gdb {

namespace {

constexpr uint32_t bit(trace::Kind k) {
  return 1u << static_cast<unsigned>(k);
}

// A replay's console: the first run has already printed all of it.
struct NullSink final : devices::ByteSink {
  void put(uint8_t) override {}
};
NullSink nullSink;

std::string hex32(uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "%x", v);
  return text;
}

// "addr,len" (and what follows) of m, M and Z packets.
bool parseAddressLength(const std::string& text, uint32_t& address, uint32_t& length) {
  size_t comma = text.find(',');
  if (comma == std::string::npos) return false;
  size_t end = text.find_first_of(",:;", comma + 1);
  std::optional<uint64_t> a = parseHexNumber(text.substr(0, comma));
  std::optional<uint64_t> n = parseHexNumber(
      text.substr(comma + 1, end == std::string::npos ? std::string::npos : end - comma - 1));
  if (!a || !n || *a > 0xFFFFFFFFu || *n > 0xFFFFFFFFu) return false;
  address = static_cast<uint32_t>(*a);
  length = static_cast<uint32_t>(*n);
  return true;
}

// The replay stands where the run gdb looked at stood: the counts and every register a replay
// that went another way would show first.
bool samePlace(run::Run& a, run::Run& b) {
  emu::Cpu& x = a.machine().cpu();
  emu::Cpu& y = b.machine().cpu();
  if (x.instructions() != y.instructions() || x.cycles() != y.cycles() || x.eip() != y.eip() ||
      x.eflags() != y.eflags() || x.cr3() != y.cr3() || x.cr2() != y.cr2()) {
    return false;
  }
  for (unsigned r = 0; r < 8; ++r) {
    if (x.reg(static_cast<emu::Reg>(r)) != y.reg(static_cast<emu::Reg>(r))) return false;
  }
  for (unsigned s = 0; s < 6; ++s) {
    auto seg = static_cast<emu::SegReg>(s);
    if (x.segment(seg).selector != y.segment(seg).selector) return false;
  }
  return true;
}

}  // namespace

// ---- the session
// ---------------------------------------------------------------------------------

Stub::Stub(run::Run& main, Connection* connection, const run::Run::Poll& poll)
    : main_(main), conn_(connection), poll_(poll) {
  describer_ = std::make_unique<trace::Describer>(main.symbols(), main.cowBit());
  describer_->setGuestInfo(&main.guestInfo());
  describer_->setPrograms(&main.programs());
  useRun(&main_);
}

bool Stub::say(const std::string& text) {
  if (conn_ != nullptr) return conn_->console(text);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  return true;
}

Stub::~Stub() {
  useRun(nullptr);
  main_.setPoll(poll_);
}

void Stub::useRun(run::Run* r) {
  if (attached_ != nullptr) {
    attached_->setBreakpoints({});
    attached_->wantInstructionEvents(false);
    attached_->machine().cpu().setDataWatches({});
    attached_->detach(this);
    attached_->tracer().setSink(this, 0);
    attached_->setPoll(attached_ == &main_ ? poll_ : nullptr);
  }
  attached_ = r;
  if (r == nullptr) return;
  r->attach(this);
  resetWatches();
  updateSink();
  install();
}

std::vector<emu::Cpu::DataWatch> Stub::cpuWatches(const std::vector<DataWatch>& watches) {
  std::vector<emu::Cpu::DataWatch> out;
  for (const DataWatch& d : watches) {
    emu::Cpu::DataWatch w;
    w.address = d.address;
    w.length = d.length;
    w.readsOnly = !d.access;
    out.push_back(w);
  }
  return out;
}

void Stub::install() {
  if (attached_ == nullptr) return;
  std::vector<uint32_t> all = softBreaks_;
  all.insert(all.end(), hardBreaks_.begin(), hardBreaks_.end());
  attached_->setBreakpoints(all);
  // The breakpoint packet checked that they fit.
  (void)attached_->machine().cpu().setDataWatches(cpuWatches(dataWatches_));
  attached_->machine().cpu().takeWatchHit();
  attached_->wantInstructionEvents(!watches_.empty() || !dataWatches_.empty());
}

uint32_t Stub::sinkKinds() const {
  uint32_t k = bit(trace::Kind::kPageFault) | bit(trace::Kind::kResolve) | traceKinds_;
  for (const Catchpoint& c : catches_) {
    switch (c.kind) {
      case Catch::kPageFault:
        break;
      case Catch::kMissingFlush:
        k |= bit(trace::Kind::kMissingFlush);
        break;
      case Catch::kStale:
        k |= bit(trace::Kind::kStaleTlbUse);
        break;
      case Catch::kSyscall:
        k |= bit(trace::Kind::kSyscall);
        break;
      case Catch::kCr3:
        k |= bit(trace::Kind::kCr3Write);
        break;
    }
  }
  return k;
}

void Stub::updateSink() {
  if (attached_ != nullptr) attached_->tracer().setSink(this, sinkKinds());
}

std::optional<run::Stop> Stub::session(bool stopped) {
  if (!stopped) lastStop_ = "S05";  // gdb came to a running guest: it stops where it is
  for (;;) {
    std::optional<Frame> f = conn_->next();
    if (!f) {
      if (!conn_->fill(-1)) return std::nullopt;  // gdb went away: the run goes on without it
      continue;
    }
    if (f->kind != Frame::Kind::kPacket) continue;  // a Ctrl-C while stopped: nothing to stop
    bool resume = false, step = false, reverse = false, leave = false, kill = false;
    std::string reply = handle(f->payload, resume, step, reverse, leave, kill);
    if (kill) {
      if (!reply.empty()) conn_->send(reply);  // vKill is answered, k is not
      return run::Stop{run::StopKind::kRequested, emu::exit_status::kOk, "killed by gdb", {}};
    }
    if (resume) reply = reverse ? this->reverse(step) : this->resume(step);
    if (!conn_->send(reply)) return std::nullopt;
    if (noAckNext_) {
      conn_->setNoAck(true);
      noAckNext_ = false;
    }
    if (leave) return std::nullopt;
    if (ended_) return ended_;
  }
}

std::string Stub::handle(const std::string& p, bool& resume, bool& step, bool& reverse, bool& leave,
                         bool& kill) {
  if (p.empty()) return "";
  switch (p[0]) {
    case '?':
      return lastStop_;
    case 'g':
      return readRegisters();
    case 'G':
      return writeRegisters(p.substr(1));
    case 'p': {
      std::optional<uint64_t> n = parseHexNumber(p.substr(1));
      if (!n || *n >= kRegisterCount) return "E01";
      std::vector<uint8_t> b = readRegister(current().machine().cpu(), static_cast<unsigned>(*n));
      return toHex(b.data(), b.size());
    }
    case 'P': {
      size_t eq = p.find('=');
      std::optional<uint64_t> n = parseHexNumber(p.substr(1, eq == std::string::npos ? 0 : eq - 1));
      std::optional<std::vector<uint8_t>> b =
          eq == std::string::npos ? std::nullopt : fromHex(p.substr(eq + 1));
      bool changed = false;
      if (!n || !b || *n >= kRegisterCount ||
          !writeRegister(current().machine().cpu(), static_cast<unsigned>(*n), *b, changed)) {
        return "E01";
      }
      changed_ |= changed;
      return "OK";
    }
    case 'm':
      return readMemory(p.substr(1));
    case 'M':
      return writeMemory(p.substr(1));
    case 'Z':
    case 'z':
      return breakpoint(p);
    case 'c':
    case 's':
    case 'C':
    case 'S': {
      // c [addr], C sig [;addr]: a signal means nothing to a bare machine; an address moves EIP.
      std::string rest = p.substr(1);
      if (p[0] == 'C' || p[0] == 'S') {
        size_t semi = rest.find(';');
        rest = semi == std::string::npos ? "" : rest.substr(semi + 1);
      }
      if (!rest.empty()) {
        std::optional<uint64_t> a = parseHexNumber(rest);
        if (!a || *a > 0xFFFFFFFFu) return "E01";
        if (*a != current().machine().cpu().eip()) {
          current().machine().cpu().setEip(static_cast<uint32_t>(*a));
          changed_ = true;
        }
      }
      resume = true;
      step = p[0] == 's' || p[0] == 'S';
      return "";
    }
    case 'b':
      if (p == "bs" || p == "bc") {
        resume = reverse = true;
        step = p == "bs";
        return "";
      }
      return "";
    case 'D':
      leave = true;
      return "OK";
    case 'k':
      kill = true;
      return "";
    case 'H':
    case 'T':
      return "OK";
    case 'v':
      if (p == "vCont?") return "vCont;c;C;s;S";
      if (p.rfind("vCont;", 0) == 0) {
        // The first action is the one for our single thread: s/S steps, c/C continues.
        char action = p.size() > 6 ? p[6] : 'c';
        if (action != 'c' && action != 'C' && action != 's' && action != 'S') return "E01";
        resume = true;
        step = action == 's' || action == 'S';
        return "";
      }
      if (p.rfind("vKill", 0) == 0) {
        kill = true;
        return "OK";
      }
      return "";
    case 'q':
      if (p.rfind("qSupported", 0) == 0) {
        return "PacketSize=" + hex32(static_cast<uint32_t>(kMaxPacket)) +
               ";qXfer:features:read+;QStartNoAckMode+;vContSupported+;swbreak+;hwbreak+;"
               "ReverseStep+;ReverseContinue+";
      }
      if (p.rfind("qXfer:features:read:", 0) == 0) return features(p.substr(20));
      if (p.rfind("qRcmd,", 0) == 0) return command(p.substr(6));
      if (p == "qAttached") return "1";
      if (p == "qC") return "QC1";
      if (p == "qfThreadInfo") return "m1";
      if (p == "qsThreadInfo") return "l";
      if (p.rfind("qSymbol", 0) == 0) return "OK";
      return "";
    case 'Q':
      if (p == "QStartNoAckMode") {
        noAckNext_ = true;  // after this reply: nothing is acknowledged from then on
        return "OK";
      }
      return "";
    default:
      return "";
  }
}

std::string Stub::readRegisters() {
  std::string out;
  emu::Cpu& cpu = current().machine().cpu();
  for (unsigned n = 0; n < kRegisterCount; ++n) {
    std::vector<uint8_t> b = readRegister(cpu, n);
    out += toHex(b.data(), b.size());
  }
  return out;
}

std::string Stub::writeRegisters(const std::string& hex) {
  std::optional<std::vector<uint8_t>> b = fromHex(hex);
  size_t total = 0;
  for (unsigned n = 0; n < kRegisterCount; ++n) total += registerSize(n);
  if (!b || b->size() != total) return "E01";
  // Every register must be writable before any is written.
  emu::Cpu& cpu = current().machine().cpu();
  size_t at = 0;
  std::vector<std::vector<uint8_t>> values;
  for (unsigned n = 0; n < kRegisterCount; ++n) {
    values.emplace_back(b->begin() + static_cast<long>(at),
                        b->begin() + static_cast<long>(at + registerSize(n)));
    at += registerSize(n);
    bool writable = n < 10 || (n >= 16 && n < 32) || values.back() == readRegister(cpu, n);
    if (!writable) return "E01";
  }
  for (unsigned n = 0; n < kRegisterCount; ++n) {
    bool changed = false;
    if (!writeRegister(cpu, n, values[n], changed)) return "E01";
    changed_ |= changed;
  }
  return "OK";
}

std::string Stub::readMemory(const std::string& args) {
  uint32_t address = 0, length = 0;
  if (!parseAddressLength(args, address, length)) return "E01";
  length = std::min<uint32_t>(length, kMaxPacket / 2);
  run::Run& r = current();
  uint32_t cr3 = r.machine().mmu().cr3();
  // As far as the pages are mapped: gdb takes a short read.
  std::string out;
  for (uint32_t i = 0; i < length; ++i) {
    if (address + i < address) break;  // wrapped
    std::optional<std::vector<uint8_t>> b = r.readLinear(cr3, address + i, 1, false);
    if (!b) break;
    out += toHex(b->data(), 1);
  }
  return out.empty() && length > 0 ? "E14" : out;
}

std::string Stub::writeMemory(const std::string& args) {
  uint32_t address = 0, length = 0;
  size_t colon = args.find(':');
  if (colon == std::string::npos || !parseAddressLength(args.substr(0, colon), address, length)) {
    return "E01";
  }
  std::optional<std::vector<uint8_t>> b = fromHex(args.substr(colon + 1));
  if (!b || b->size() != length) return "E01";
  run::Run& r = current();
  if (!r.writeLinear(r.machine().mmu().cr3(), address, *b)) return "E14";
  if (length > 0) changed_ = true;
  return "OK";
}

std::string Stub::breakpoint(const std::string& p) {
  // Z type,addr,kind / z type,addr,kind
  if (p.size() < 4 || p[2] != ',') return "E01";
  bool insert = p[0] == 'Z';
  uint32_t address = 0, length = 0;
  if (!parseAddressLength(p.substr(3), address, length)) return "E01";
  switch (p[1]) {
    case '0':
    case '1': {
      std::vector<uint32_t>& list = p[1] == '0' ? softBreaks_ : hardBreaks_;
      auto it = std::find(list.begin(), list.end(), address);
      if (insert && it == list.end()) list.push_back(address);
      if (!insert && it != list.end()) list.erase(it);
      install();
      return "OK";
    }
    case '2': {
      // Write watchpoints: the bytes compared after every instruction. Reads (Z3, Z4) would
      // need the CPU to say what each instruction read; they are not offered.
      if (length == 0 || length > 64) return "E01";
      run::Run& r = current();
      uint32_t cr3 = r.machine().mmu().cr3() & ~0xFFFu;
      auto it = std::find_if(watches_.begin(), watches_.end(), [&](const Watchpoint& w) {
        return w.address == address && w.length == length;
      });
      if (insert && it == watches_.end()) {
        Watchpoint w;
        w.address = address;
        w.length = length;
        w.cr3 = cr3;
        w.last = r.readLinear(r.machine().mmu().cr3(), address, length, false);
        watches_.push_back(w);
      }
      if (!insert && it != watches_.end()) watches_.erase(it);
      install();
      return "OK";
    }
    case '3':
    case '4': {
      // Read and access watches: the CPU looks at every access to the pages they cover.
      if (length == 0 || length > 64) return "E01";
      bool access = p[1] == '4';
      auto it = std::find_if(dataWatches_.begin(), dataWatches_.end(), [&](const DataWatch& d) {
        return d.address == address && d.length == length && d.access == access;
      });
      if (insert && it == dataWatches_.end()) {
        std::vector<DataWatch> more = dataWatches_;
        more.push_back(DataWatch{address, length, access});
        // Too many pages for the MMU's list: gdb falls back to software watching or says so.
        if (!current().machine().cpu().setDataWatches(cpuWatches(more))) return "E01";
        dataWatches_ = std::move(more);
      }
      if (!insert && it != dataWatches_.end()) dataWatches_.erase(it);
      install();
      return "OK";
    }
    default:
      return "";
  }
}

std::string Stub::features(const std::string& args) const {
  // target.xml:offset,length
  size_t colon = args.find(':');
  if (colon == std::string::npos || args.substr(0, colon) != "target.xml") return "E00";
  uint32_t offset = 0, length = 0;
  if (!parseAddressLength(args.substr(colon + 1), offset, length)) return "E01";
  const std::string& xml = targetXml();
  if (offset >= xml.size()) return "l";
  std::string piece = xml.substr(offset, std::min<size_t>(length, kMaxPacket - 16));
  return (offset + piece.size() >= xml.size() ? "l" : "m") + piece;
}

std::string Stub::command(const std::string& hex) {
  std::optional<std::vector<uint8_t>> b = fromHex(hex);
  if (!b) return "E01";
  std::string out = monitor(std::string(b->begin(), b->end()));
  if (!out.empty() && out.back() != '\n') out += '\n';
  if (!say(out)) return "E01";
  return "OK";
}

// ---- watchpoints and catchpoints ----------------------------------------------------------------

void Stub::resetWatches() {
  if (attached_ == nullptr) return;
  for (Watchpoint& w : watches_) {
    w.last = attached_->readLinear(w.cr3, w.address, w.length, false);
  }
}

void Stub::onInstruction(const emu::InstructionEvent& e) {
  if (attached_ == nullptr) return;
  if (!dataWatches_.empty()) {
    if (std::optional<uint32_t> a = attached_->machine().cpu().takeWatchHit()) {
      if (why_ == Why::kNone) {
        why_ = Why::kWatch;
        watchHit_ = *a;
        watchEip_ = e.eip;
        watchKind_ = '3';
        for (const DataWatch& d : dataWatches_) {
          if (*a == d.address && d.access) watchKind_ = '4';
        }
        attached_->requestStop();
      }
    }
  }
  if (watches_.empty()) return;
  for (Watchpoint& w : watches_) {
    std::optional<std::vector<uint8_t>> now =
        attached_->readLinear(w.cr3, w.address, w.length, false);
    if (now == w.last) continue;
    w.last = std::move(now);
    if (why_ == Why::kNone) {
      why_ = Why::kWatch;
      watchHit_ = w.address;
      watchEip_ = e.eip;
      watchKind_ = '2';
      attached_->requestStop();
    }
  }
}

void Stub::write(const trace::Record& r) {
  if (searching_) {
    // A replay looking for reverse-continue's stop: the first run has shown all of this.
  } else if (r.kind == trace::Kind::kPageFault || r.kind == trace::Kind::kResolve) {
    faults_.push_back(r);
    if (faults_.size() > 32) faults_.pop_front();
  }
  if (attached_ == &main_ && !searching_ && ((traceKinds_ >> static_cast<unsigned>(r.kind)) & 1)) {
    say(trace::formatText(r, *describer_, false) + "\n");
  }
  if (why_ != Why::kNone || attached_ == nullptr) return;
  for (const Catchpoint& c : catches_) {
    bool hit = false;
    switch (c.kind) {
      case Catch::kPageFault:
        hit = r.kind == trace::Kind::kPageFault;
        break;
      case Catch::kMissingFlush:
        hit = r.kind == trace::Kind::kMissingFlush;
        break;
      case Catch::kStale:
        hit = r.kind == trace::Kind::kStaleTlbUse;
        break;
      case Catch::kSyscall:
        hit =
            r.kind == trace::Kind::kSyscall && attached_->guestInfo().syscallName(r.eax) == c.name;
        break;
      case Catch::kCr3:
        hit = r.kind == trace::Kind::kCr3Write;
        break;
    }
    if (hit) {
      why_ = Why::kCatch;
      caught_ = r;
      attached_->requestStop();
      return;
    }
  }
}

// ---- running
// -------------------------------------------------------------------------------------

std::string Stub::stopReply(const run::Stop& s) {
  bool over = s.ended() || s.kind == run::StopKind::kInstructionLimit ||
              s.kind == run::StopKind::kCycleLimit || !pollMessage_.empty();
  if (over) {
    ended_ = s;
    if (!pollMessage_.empty()) ended_->message = pollMessage_;
    say("xray86: " + ended_->message + "\n");
    char text[8];
    std::snprintf(text, sizeof text, "W%02x", static_cast<unsigned>(s.status) & 0xFF);
    return text;
  }
  uint32_t eip = current().machine().cpu().eip();
  std::string reply;
  switch (why_) {
    case Why::kInterrupt:
      reply = "T02thread:1;";
      break;
    case Why::kWatch:
      reply = std::string("T05") +
              (watchKind_ == '3'   ? "rwatch:"
               : watchKind_ == '4' ? "awatch:"
                                   : "watch:") +
              hex32(watchHit_) + ";thread:1;";
      break;
    case Why::kCatch:
      if (caught_) say("xray86: " + trace::formatText(*caught_, *describer_, false) + "\n");
      reply = "T05thread:1;";
      break;
    default:
      if (s.kind == run::StopKind::kBreakpoint) {
        bool soft = std::find(softBreaks_.begin(), softBreaks_.end(), eip) != softBreaks_.end();
        reply = std::string("T05") + (soft ? "swbreak:;" : "hwbreak:;") + "thread:1;";
      } else {
        reply = "T05thread:1;";
      }
  }
  lastStop_ = reply;
  return reply;
}

std::string Stub::resume(bool step) {
  why_ = Why::kNone;
  caught_.reset();
  install();
  for (;;) {
    run::Run& r = current();
    r.setPoll([this]() -> std::optional<std::string> {
      if (replay_ == nullptr && poll_) {
        if (std::optional<std::string> m = poll_()) {
          pollMessage_ = *m;
          return m;
        }
      }
      if (conn_ == nullptr) return std::nullopt;
      conn_->fill(0);
      if (conn_->takeInterrupt() || conn_->closed()) {
        why_ = Why::kInterrupt;
        return std::string("interrupted by gdb");
      }
      return std::nullopt;
    });
    std::string error;
    run::Stop s;
    if (replay_) {
      // Forward in the replay, never past where the first run stands.
      uint64_t target = main_.instructions();
      s = step ? r.step() : *r.run(run::Until::instructions(target), error);
      if (r.instructions() >= target && why_ == Why::kNone &&
          s.kind != run::StopKind::kBreakpoint) {
        // Back where the first run stands: it takes over (the same state, by determinism).
        useRun(nullptr);
        replay_.reset();
        useRun(&main_);
        if (step) return stopReply(s);
        continue;
      }
    } else if (step || reverseRefusal()) {
      s = step ? r.step() : r.run();
    } else {
      // Forward on the main run, a snapshot at every multiple of the interval on the way (a stop
      // there changes nothing in the run: docs/debug.md, "What a breakpoint changes").
      for (;;) {
        uint64_t next = (r.instructions() / snapshotEvery_ + 1) * snapshotEvery_;
        std::optional<run::Stop> piece = r.run(run::Until::instructions(next), error);
        if (!piece) {
          s = r.run();
          break;
        }
        s = *piece;
        if (s.kind != run::StopKind::kReached || why_ != Why::kNone || r.instructions() != next)
          break;
        takeSnapshot();
      }
    }
    return stopReply(s);
  }
}

std::optional<std::string> Stub::reverseRefusal() const {
  if (changed_) {
    return "gdb has written the machine's memory or registers: a replay from the start would "
           "not see it";
  }
  const emu::MachineConfig& m = main_.config().machine;
  if (!m.disks.empty() && !m.snapshot) {
    return "the guest writes its disk: reverse execution needs --snapshot (the same disk on "
           "every replay)";
  }
  if (m.terminalKeyboard || m.inputFile == "-") {
    return "the input comes from a terminal, which a replay cannot type again";
  }
  return std::nullopt;
}

void Stub::takeSnapshot() {
  snaps_.push_back(main_.saveState(snaps_.empty() ? nullptr : snaps_.back().get()));
  size_t bytes = 0;
  for (const auto& s : snaps_) bytes += s->machine->ownBytes();
  if (bytes <= kSnapshotBytes || snaps_.size() < 2) return;
  // Thinned: every other one from the oldest goes (the last stays), the interval doubles. The
  // RAM frames a dropped one shares with the one after it stay with that one.
  std::vector<std::shared_ptr<const run::Snapshot>> kept;
  for (size_t i = 0; i < snaps_.size(); ++i) {
    if (i % 2 == 1 || i + 1 == snaps_.size()) kept.push_back(snaps_[i]);
  }
  snaps_ = std::move(kept);
  snapshotEvery_ *= 2;
}

const run::Snapshot* Stub::snapshotBefore(uint64_t instructions, uint64_t cycles) const {
  const run::Snapshot* best = nullptr;
  for (const auto& s : snaps_) {
    bool before = s->instructions() < instructions ||
                  (s->instructions() == instructions && s->cycles() < cycles);
    if (before && (best == nullptr || s->instructions() > best->instructions())) best = s.get();
  }
  return best;
}

run::Run::Poll Stub::replayPoll() {
  return [this]() -> std::optional<std::string> {
    if (conn_ == nullptr) return std::nullopt;
    conn_->fill(0);
    if (conn_->takeInterrupt() || conn_->closed()) {
      interrupted_ = true;
      return std::string("interrupted by gdb");
    }
    return std::nullopt;
  };
}

std::unique_ptr<run::Run> Stub::replayTo(uint64_t instructions, std::string& error) {
  run::Config config = main_.config();
  config.machine.console = &nullSink;
  std::unique_ptr<run::Run> r = run::Run::create(config, error);
  if (!r) return nullptr;
  r->stopWhenStuck(main_.stuckCycles());  // the same pieces as the first run
  // A snapshot at the count itself is the first boundary with it (taken at a count).
  if (const run::Snapshot* s = snapshotBefore(instructions + 1, 0)) r->restoreState(*s);
  if (r->instructions() < instructions) {
    r->setPoll(replayPoll());
    std::optional<run::Stop> s = r->run(run::Until::instructions(instructions), error);
    r->setPoll(nullptr);
    if (!s) return nullptr;
    if (interrupted_) {
      error = "interrupted by gdb";
      return nullptr;
    }
  }
  return r;
}

std::string Stub::reverse(bool step) {
  if (!step) return reverseContinue();
  if (std::optional<std::string> why = reverseRefusal()) {
    say("xray86: " + *why + "\n");
    return "E01";
  }
  // The boundary before (N instructions, C cycles): the first boundary with N instructions
  // when that one is earlier (an exception or interrupt was delivered since: the faulting
  // instruction itself), else the first with N - 1. An instruction count is a position the
  // interpreter stops at exactly on either of its paths.
  std::string error;
  uint64_t n = current().instructions(), c = current().cycles();
  std::unique_ptr<run::Run> r = replayTo(n, error);
  if (r && r->cycles() >= c) r = n > 0 ? replayTo(n - 1, error) : nullptr;
  if (!r && error.empty()) return lastStop_ = "T05replaylog:begin;thread:1;";
  if (!r) {
    say("xray86: " + error + "\n");
    return "E01";
  }
  useRun(nullptr);
  replay_ = std::move(r);
  useRun(replay_.get());
  why_ = Why::kNone;
  return lastStop_ = "T05thread:1;";
}

std::optional<uint64_t> Stub::replayStops(run::Run& r, Position target, uint64_t upTo,
                                          std::string& error, bool atTarget) {
  uint64_t stops = 0;
  for (;;) {
    why_ = Why::kNone;
    caught_.reset();
    std::optional<run::Stop> s;
    // The first boundary with the target's instruction count, then the boundaries after it
    // with the same count (exceptions and interrupts delivered) up to the target's cycle.
    if (r.instructions() < target.instructions) {
      s = r.run(run::Until::instructions(target.instructions), error);
    } else if (r.instructions() == target.instructions && r.cycles() < target.cycles) {
      s = r.run(run::Until::cycles(target.cycles), error);
    } else {
      return stops;
    }
    if (!s) return std::nullopt;
    if (interrupted_) {
      error = "interrupted by gdb";
      return std::nullopt;
    }
    bool before = r.instructions() < target.instructions ||
                  (r.instructions() == target.instructions && r.cycles() < target.cycles);
    bool here = r.instructions() == target.instructions && r.cycles() == target.cycles;
    bool hit = why_ == Why::kWatch || why_ == Why::kCatch || s->kind == run::StopKind::kBreakpoint;
    // Going backward from just after a write crosses it: a watchpoint that stopped here is the
    // stop before here (it lands before the instruction that wrote).
    if (hit && (before || (here && (atTarget || why_ == Why::kWatch)))) {
      if (++stops == upTo) return stops;
      continue;
    }
    if (s->ended()) {
      error = "the replay ended (" + s->message + ") before it came back here";
      return std::nullopt;
    }
  }
}

std::string Stub::reverseContinue() {
  if (std::optional<std::string> why = reverseRefusal()) {
    say("xray86: " + *why + "\n");
    return "E01";
  }
  // The last stop before here, searched backward one stretch at a time: from the last snapshot
  // before here up to here, then from the one before it up to that snapshot, and so on to the
  // start, each a replay with the same stops counted (the stops cut the machine's slices where the
  // first run's did not, so the first replay must also come back to exactly this point: it is
  // the check that it went the same way). The stop found is then landed on by a replay to its
  // position.
  run::Run& from = current();
  Position here{from.instructions(), from.cycles()};
  std::string error;
  interrupted_ = false;
  Position end = here;
  bool first = true, found = false, failed = false;
  Why lastWhy = Why::kNone;
  uint32_t lastEip = 0, lastWatch = 0;
  char lastKind = '2';
  std::optional<trace::Record> lastCaught;
  Position last;
  for (;;) {
    const run::Snapshot* start = snapshotBefore(end.instructions, end.cycles);
    std::unique_ptr<run::Run> search = replayTo(0, error);
    if (!search) {
      failed = true;
      break;
    }
    if (start != nullptr) search->restoreState(*start);
    useRun(nullptr);
    searching_ = true;
    useRun(search.get());
    search->setPoll(replayPoll());
    bool counted = false;
    for (;;) {
      std::optional<uint64_t> one = replayStops(*search, end, 1, error, !first);
      if (!one) break;
      if (*one == 0) {
        counted = true;
        break;
      }
      found = true;
      lastWhy = why_;
      lastEip = watchEip_;
      lastWatch = watchHit_;
      lastKind = watchKind_;
      lastCaught = caught_;
      last = Position{search->instructions(), search->cycles()};
    }
    bool same = !first || (counted && samePlace(*search, from));
    search->setPoll(nullptr);
    useRun(nullptr);
    search.reset();
    if (!counted || !same) {
      if (counted && !same) {
        error =
            "the replay did not come back to this point (the stops cut the machine's time "
            "slices differently: docs/debug.md)";
      }
      failed = true;
      break;
    }
    if (found || start == nullptr) break;
    end = Position{start->instructions(), start->cycles()};
    first = false;
  }
  searching_ = false;
  if (failed) {
    useRun(&current());
    if (interrupted_) {
      interrupted_ = false;
      why_ = Why::kInterrupt;
      return lastStop_ = "T02thread:1;";
    }
    say("xray86: " + error + "\n");
    return "E01";
  }
  // Landing. A watchpoint going backward lands before the instruction that wrote: the boundary
  // with one instruction fewer, when that is where the writer starts (no interrupt between).
  std::unique_ptr<run::Run> r;
  run::Stop stop;
  stop.kind = run::StopKind::kRequested;
  if (!found) {
    r = replayTo(0, error);
  } else if (lastWhy == Why::kWatch && last.instructions > 0) {
    r = replayTo(last.instructions - 1, error);
    if (r && r->machine().cpu().eip() != lastEip) r = replayTo(last.instructions, error);
  } else {
    r = replayTo(last.instructions, error);
    if (r && r->cycles() < last.cycles && !r->run(run::Until::cycles(last.cycles), error)) {
      r.reset();
    }
    if (r && (r->instructions() != last.instructions || r->cycles() != last.cycles)) {
      error = "the replay went astray";
      r.reset();
    }
  }
  if (!r) {
    useRun(&current());
    if (interrupted_) {
      interrupted_ = false;
      why_ = Why::kInterrupt;
      return lastStop_ = "T02thread:1;";
    }
    say("xray86: " + (error.empty() ? std::string("the replay went astray") : error) + "\n");
    return "E01";
  }
  useRun(nullptr);
  replay_ = std::move(r);
  useRun(replay_.get());
  if (!found) {
    why_ = Why::kNone;
    return lastStop_ = "T05replaylog:begin;thread:1;";
  }
  why_ = lastWhy;
  if (lastWhy == Why::kWatch) {
    watchHit_ = lastWatch;
    watchKind_ = lastKind;
  } else if (lastWhy == Why::kCatch) {
    caught_ = lastCaught;
  } else {
    stop.kind = run::StopKind::kBreakpoint;
  }
  return stopReply(stop);
}

// ---- serving
// ---------------------------------------------------------------------------------------

std::optional<run::Stop> monitorStdin(run::Run& r, const run::Until& until,
                                      const run::Run::Poll& poll, std::string& error) {
  Stub stub(r, nullptr, poll);
  return stub.monitorSession(until, stdin, error);
}

bool serve(run::Run& r, const Options& options, const run::Run::Poll& poll,
           std::optional<run::Stop>& stop, std::string& error) {
  Listener listener;
  if (!listener.open(options.port, error)) return false;
  std::fprintf(stderr, "xray86: gdb can attach: target remote :%u%s\n", options.port,
               options.waitForDebugger ? " (waiting for it)" : "");
  int fd = -1;
  if (options.waitForDebugger) {
    fd = listener.accept(-1);
    if (fd < 0) {
      error = "--gdb: no connection";
      return false;
    }
  }
  bool stopped = options.waitForDebugger;
  for (;;) {
    if (fd < 0) {
      // The guest runs until gdb comes (looked for at each of the run's looks), or ends.
      bool attached = false;
      r.setPoll([&]() -> std::optional<std::string> {
        if (poll) {
          if (std::optional<std::string> m = poll()) return m;
        }
        fd = listener.accept(0);
        if (fd >= 0) {
          attached = true;
          return std::string("gdb attached");
        }
        return std::nullopt;
      });
      run::Stop s = r.run();
      r.setPoll(poll);
      if (!attached) {
        stop = s;
        return true;
      }
    }
    Connection connection(fd);
    Stub stub(r, &connection, poll);
    stop = stub.session(stopped);
    if (stop) return true;
    // gdb detached or went away with the guest running: it may attach again, as to QEMU.
    fd = -1;
    stopped = false;
  }
}

}  // namespace gdb
