// `monitor ...` in gdb (qRcmd): what xray86 knows of paging that gdb does not, read through the
// side-effect-free probes (the MMU's probe, mapping cursor and TLB; the view's frame census; the
// tracer's records).
#include <cstdio>
#include <sstream>

#include "emu/gdb/session.h"
#include "emu/trace/filter.h"
#include "emu/view/model.h"

namespace gdb {

namespace {

std::string format(const char* fmt, auto... args) {
  char text[256];
  std::snprintf(text, sizeof text, fmt, args...);
  return text;
}

// A number (0x... hex, or decimal), or a register as gdb names it ($cr2, $eax): gdb passes a
// monitor command's text as it is typed.
std::optional<uint32_t> number(const std::string& text, const emu::Cpu& cpu) {
  if (text.empty()) return std::nullopt;
  if (text[0] == '$') {
    static const char* kNames[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    for (unsigned i = 0; i < 8; ++i) {
      if (text.substr(1) == kNames[i]) return cpu.reg(static_cast<emu::Reg>(i));
    }
    if (text == "$eip" || text == "$pc") return cpu.eip();
    if (text == "$cr0") return cpu.cr0();
    if (text == "$cr2") return cpu.cr2();
    if (text == "$cr3") return cpu.cr3();
    if (text == "$cr4") return cpu.cr4();
    return std::nullopt;
  }
  size_t used = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &used, 0);  // 0x... hex, else decimal
  } catch (...) {
    return std::nullopt;
  }
  if (used != text.size() || v > 0xFFFFFFFFull) return std::nullopt;
  return static_cast<uint32_t>(v);
}

// "P W U A D" and the rest of a paging entry's flags, as the trace names them.
std::string flags(uint32_t e, unsigned cowBit) {
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (on) s += std::string(s.empty() ? "" : " ") + name;
  };
  add(e & mmu::PagingBits::kPresent, "P");
  add(e & mmu::PagingBits::kWritable, "W");
  add(e & mmu::PagingBits::kUser, "U");
  add(e & mmu::PagingBits::kAccessed, "A");
  add(e & mmu::PagingBits::kDirty, "D");
  add(e & mmu::PagingBits::kPageSize, "PS");
  add(e & mmu::PagingBits::kGlobal, "G");
  add((e >> cowBit) & 1, "COW");
  return s.empty() ? "-" : s;
}

const char* kHelp =
    "xray86 monitor commands:\n"
    "  info tlb                 the TLB: sets x ways, each valid entry, stale ones marked\n"
    "  info pg [CR3] ADDR       the walk of ADDR: PDE, PTE, flags, COW, frame\n"
    "  info mem                 mapped ranges of the current address space, with permissions\n"
    "  info frames PFN          every present entry that maps frame PFN\n"
    "  info faults              the last page faults and their resolutions\n"
    "  phys ADDR LEN            physical memory, in hex\n"
    "  trace KINDS | trace off  print these trace records (pf,tlb,...) while the guest runs\n"
    "  break pf | missing-flush | stale | cr3 | syscall NAME   stop at the next such event\n"
    "  break                    list them;  delete  removes them all\n";

}  // namespace

std::string Stub::monitor(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty() || words[0] == "help") return kHelp;
  std::vector<std::string> args(words.begin() + 1, words.end());
  if (words[0] == "info" && !args.empty()) {
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (args[0] == "tlb") return infoTlb();
    if (args[0] == "pg") return infoPg(rest);
    if (args[0] == "mem") return infoMem();
    if (args[0] == "frames") return infoFrames(rest);
    if (args[0] == "faults") return infoFaults();
  }
  if (words[0] == "phys") return phys(args);
  if (words[0] == "trace") return traceCommand(args);
  if (words[0] == "break") return breakCommand(args);
  if (words[0] == "delete" && args.empty()) {
    catches_.clear();
    updateSink();
    return "no catchpoints\n";
  }
  return "unknown monitor command: " + text + " (monitor help lists them)\n";
}

std::string Stub::infoTlb() {
  const mmu::Mmu& m = current().machine().mmu();
  std::string out;
  for (int i = 0; i < (m.geometry().split ? 2 : 1); ++i) {
    const mmu::Tlb& t = m.tlb(i == 1);
    out += format("%sTLB: %u sets x %u ways, %u valid\n",
                  m.geometry().split ? (i == 1 ? "instruction " : "data ") : "", t.sets(), t.ways(),
                  t.validCount());
    for (unsigned s = 0; s < t.sets(); ++s) {
      for (unsigned w = 0; w < t.ways(); ++w) {
        const mmu::TlbEntry& e = t.at(s, w);
        if (!e.valid) continue;
        out += format("  set %u way %u: %08x -> %08x %s%s%s%s%s%s\n", s, w, e.pageBase, e.frame,
                      e.user ? "user" : "kernel", e.writable ? " writable" : " read-only",
                      e.dirty ? " dirty" : "", e.global ? " global" : "", e.large ? " 4MB" : "",
                      e.stale ? " STALE" : "");
        if (e.stale) {
          out += format("      the word at %08x holds %08x; this entry has %08x\n", e.staleWordAddr,
                        e.staleSeen, e.staleCached);
        }
      }
    }
  }
  return out;
}

std::string Stub::infoPg(const std::vector<std::string>& args) {
  run::Run& r = current();
  const mmu::Mmu& m = r.machine().mmu();
  uint32_t cr3 = m.cr3();
  std::optional<uint32_t> address;
  if (args.size() == 1) {
    address = number(args[0], r.machine().cpu());
  } else if (args.size() == 2) {
    std::optional<uint32_t> c = number(args[0], r.machine().cpu());
    if (!c) return "info pg: CR3 " + args[0] + " is not a number\n";
    cr3 = *c;
    address = number(args[1], r.machine().cpu());
  }
  if (!address) return "usage: info pg [CR3] ADDR (numbers: 0x... or decimal)\n";
  unsigned cow = r.cowBit();
  mmu::WalkResult w = m.probeTables(cr3, *address, mmu::Access::kRead, false);
  std::string out = format("%08x in the address space of CR3 %08x", *address, cr3 & ~0xFFFu);
  std::string name = r.guestInfo().spaceName(cr3);
  out += name.empty() ? "\n" : " (" + name + ")\n";
  out += format("  PDE[%u] at %08x = %08x  %s\n", (*address >> 22) & 1023, w.walk.pdeAddr,
                w.walk.pde, flags(w.walk.pde, cow).c_str());
  if (w.walk.pteAddr != 0 || (w.walk.pde & mmu::PagingBits::kPresent && !w.walk.large)) {
    out += format("  PTE[%u] at %08x = %08x  %s\n", (*address >> 12) & 1023, w.walk.pteAddr,
                  w.walk.pte, flags(w.walk.pte, cow).c_str());
  }
  if (w.translation) {
    out += format("  -> physical %08x (frame %05x), %s, %s%s\n", w.translation->physical(*address),
                  w.translation->frame >> 12, w.translation->user ? "user" : "kernel",
                  w.translation->writable ? "writable" : "read-only",
                  (w.walk.pteAddr != 0 && (w.walk.pte >> cow) & 1) ? ", copy-on-write" : "");
  } else {
    out += format("  not mapped: an access would fault (error code %x)\n", w.errorCode);
  }
  // What the TLB holds for it, which is what the next access uses.
  if ((cr3 & ~0xFFFu) == (m.cr3() & ~0xFFFu)) {
    if (const mmu::TlbEntry* e = m.tlb().lookup(*address)) {
      out += format("  TLB: %08x -> %08x%s\n", e->pageBase, e->frame, e->stale ? " STALE" : "");
    } else {
      out += "  TLB: no entry\n";
    }
  }
  return out;
}

std::string Stub::infoMem() {
  run::Run& r = current();
  mmu::MappingCursor c = r.machine().mmu().mappings(r.machine().mmu().cr3());
  std::string out;
  std::optional<mmu::Mapping> run;  // the range being merged
  uint32_t end = 0;
  auto perms = [&](const mmu::Mapping& m) {
    std::string p = m.user ? "u" : "-";
    p += "r";
    p += m.writable ? "w" : "-";
    if (m.pteAddr != 0 && (m.pte >> r.cowBit()) & 1) p += " cow";
    return p;
  };
  auto flush = [&]() {
    if (run)
      out +=
          format("%08x-%08x %08x %s\n", run->linear, end, end - run->linear, perms(*run).c_str());
  };
  while (std::optional<mmu::Mapping> m = c.next()) {
    if (run && m->linear == end && perms(*m) == perms(*run)) {
      end = m->linear + m->size;
      continue;
    }
    flush();
    run = m;
    end = m->linear + m->size;
  }
  flush();
  return out.empty() ? "no mappings (paging off, or an empty directory)\n" : out;
}

std::string Stub::infoFrames(const std::vector<std::string>& args) {
  run::Run& r = current();
  std::optional<uint32_t> pfn =
      args.size() == 1 ? number(args[0], r.machine().cpu()) : std::nullopt;
  if (!pfn) return "usage: info frames PFN (a frame number: 0x... or decimal)\n";
  std::vector<uint32_t> cr3s{r.machine().mmu().cr3() & ~0xFFFu};
  for (const trace::Process& p : r.tracer().processes()) {
    if (!p.ended) cr3s.push_back(p.pageDirectory);
  }
  view::FrameCensus census;
  census.take(r.machine(), r.machine().mmu(), cr3s, r.config().machine.memMb << 20);
  std::string out = format("frame %05x (physical %08x): %u user mappings", *pfn, *pfn << 12,
                           census.userMappers(*pfn));
  if (census.pageTable(*pfn)) out += ", holds a page table or directory";
  out += "\n";
  for (const view::FrameMapper& m : census.mappersOf(r.machine(), *pfn)) {
    std::string name = r.guestInfo().spaceName(m.cr3);
    out += format("  CR3 %08x%s: %08x entry %08x %s%s\n", m.cr3,
                  name.empty() ? "" : (" (" + name + ")").c_str(), m.linear, m.entry,
                  flags(m.entry, r.cowBit()).c_str(), m.kernelHalf ? " (kernel half)" : "");
  }
  return out;
}

std::string Stub::infoFaults() {
  if (faults_.empty()) return "no page faults yet\n";
  std::string out;
  for (const trace::Record& f : faults_) out += trace::formatText(f, *describer_, false) + "\n";
  return out;
}

std::string Stub::phys(const std::vector<std::string>& args) {
  run::Run& r = current();
  std::optional<uint32_t> address =
      args.size() == 2 ? number(args[0], r.machine().cpu()) : std::nullopt;
  std::optional<uint32_t> length =
      args.size() == 2 ? number(args[1], r.machine().cpu()) : std::nullopt;
  if (!address || !length || *length > 4096) return "usage: phys ADDR LEN (LEN up to 4096)\n";
  uint32_t notRam = 0;
  std::optional<std::vector<uint8_t>> b = r.readPhysical(*address, *length, &notRam);
  if (!b) return format("phys: %08x is not RAM\n", notRam);
  std::string out;
  for (uint32_t i = 0; i < *length; i += 16) {
    out += format("%08x:", *address + i);
    for (uint32_t k = i; k < std::min(*length, i + 16); ++k) out += format(" %02x", (*b)[k]);
    out += "\n";
  }
  return out;
}

std::string Stub::traceCommand(const std::vector<std::string>& args) {
  if (args.size() != 1) return "usage: trace KINDS (pf,tlb,miss,cr3,...) | trace off\n";
  if (args[0] == "off") {
    traceKinds_ = 0;
    updateSink();
    return "trace off\n";
  }
  uint32_t kinds = 0;
  std::string error;
  if (!trace::parseKindList(args[0], kinds, error)) return "trace: " + error + "\n";
  traceKinds_ = kinds;
  updateSink();
  return "trace " + args[0] + ": the records are printed here while the guest runs\n";
}

std::string Stub::breakCommand(const std::vector<std::string>& args) {
  auto name = [](const Catchpoint& c) {
    switch (c.kind) {
      case Catch::kPageFault:
        return std::string("pf");
      case Catch::kMissingFlush:
        return std::string("missing-flush");
      case Catch::kStale:
        return std::string("stale");
      case Catch::kSyscall:
        return "syscall " + c.name;
      case Catch::kCr3:
        return std::string("cr3");
    }
    return std::string();
  };
  if (args.empty()) {
    if (catches_.empty()) return "no catchpoints\n";
    std::string out;
    for (const Catchpoint& c : catches_) out += "break " + name(c) + "\n";
    return out;
  }
  Catchpoint c{Catch::kPageFault, {}};
  if (args[0] == "pf" && args.size() == 1) {
    c.kind = Catch::kPageFault;
  } else if (args[0] == "missing-flush" && args.size() == 1) {
    c.kind = Catch::kMissingFlush;
  } else if (args[0] == "stale" && args.size() == 1) {
    c.kind = Catch::kStale;
  } else if (args[0] == "cr3" && args.size() == 1) {
    c.kind = Catch::kCr3;
  } else if (args[0] == "syscall" && args.size() == 2) {
    c.kind = Catch::kSyscall;
    c.name = args[1];
  } else {
    return "usage: break pf | missing-flush | stale | cr3 | syscall NAME\n";
  }
  catches_.push_back(c);
  updateSink();
  return "will stop at the next " + name(c) + " (monitor delete removes it)\n";
}

}  // namespace gdb

namespace gdb {

// ---- --monitor on standard input ---------------------------------------------------------------

namespace {

const char* kStdinHelp =
    "at a stop, besides the commands above:\n"
    "  regs                     the CPU's registers\n"
    "  stepi                    one instruction (or one interrupt delivery)\n"
    "  continue                 run to the next catchpoint or the end of the guest\n"
    "  quit                     end the run here\n";

}  // namespace

std::optional<run::Stop> Stub::monitorSession(const run::Until& until, std::FILE* in,
                                              std::string& error) {
  why_ = Why::kNone;
  caught_.reset();
  std::optional<run::Stop> s = main_.run(until, error);
  if (!s) return std::nullopt;
  for (;;) {
    // The console printed so far first (the front end's look pushes it out), then where and
    // why: the catchpoint's record, or the run's own words.
    if (poll_) (void)poll_();
    const emu::Cpu& cpu = main_.machine().cpu();
    std::string where = format(" (eip %08x, instruction %llu, cycle %llu)", cpu.eip(),
                               static_cast<unsigned long long>(cpu.instructions()),
                               static_cast<unsigned long long>(cpu.cycles()));
    if (why_ == Why::kCatch && caught_) {
      say("xray86: caught " + trace::formatText(*caught_, *describer_, false) + "\n");
      say("xray86: stopped" + where + "\n");
    } else {
      // The front end's poll ended it (a signal): no monitor, the run ends as it would.
      if (s->kind == run::StopKind::kRequested && why_ == Why::kNone) return s;
      // A count reached is in the machine's words ("stopped after N instructions"): say it
      // as asked.
      std::string what = s->kind == run::StopKind::kReached && !until.source.empty()
                             ? "reached --until " + until.source
                             : s->message;
      say("xray86: " + what + where + "\n");
    }
    bool go = false;
    while (!go) {
      char line[1024];
      if (std::fgets(line, sizeof line, in) == nullptr) {
        // The end of the commands: the run goes on, or is over, without the monitor.
        return s->ended() ? s : std::nullopt;
      }
      std::string text(line);
      size_t a = text.find_first_not_of(" \t\r\n");
      if (a == std::string::npos || text[a] == '#') continue;
      text = text.substr(a, text.find_last_not_of(" \t\r\n") + 1 - a);
      say("(xray86) " + text + "\n");
      if (text == "continue" || text == "c" || text == "stepi" || text == "si") {
        if (s->ended()) return s;  // nothing more to run
        why_ = Why::kNone;
        caught_.reset();
        s = text == "stepi" || text == "si" ? main_.step() : main_.run();
        go = true;
      } else if (text == "quit" || text == "q") {
        return run::Stop{
            run::StopKind::kRequested, emu::exit_status::kOk, "quit at the monitor", {}};
      } else if (text == "regs") {
        say(main_.machine().cpu().registerDump());
      } else {
        std::string out = monitor(text);
        if (text == "help") out += kStdinHelp;
        if (!out.empty() && out.back() != '\n') out += '\n';
        say(out);
      }
    }
  }
}

}  // namespace gdb
