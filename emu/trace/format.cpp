// Record formatting and the trace sinks. Everything here is a function of the record alone (and
// the symbol table), so the same run gives byte-identical traces; host time never appears.
#include "emu/trace/format.h"

#include <capstone/capstone.h>
#include <fmt/core.h>

#include "devices/clock.h"
#include "mmu/mmu.h"

namespace trace {

namespace {

const char* kColourReset = "\x1b[0m";
const char* kindColour(Kind k) {
  switch (k) {
    case Kind::kPageFault:
      return "\x1b[1;31m";
    case Kind::kResolve:
      return "\x1b[32m";
    case Kind::kTlbFlush:
      return "\x1b[33m";
    case Kind::kStaleTlbUse:
    case Kind::kMissingFlush:
      return "\x1b[1;35m";
    case Kind::kCr3Write:
      return "\x1b[36m";
    case Kind::kException:
      return "\x1b[31m";
    case Kind::kSyscall:
      return "\x1b[34m";
    case Kind::kSysReturn:
      return "\x1b[34m";
    default:
      return "";
  }
}

std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += fmt::format("\\u{:04x}", u);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string jsonFlags(const std::string& names) {
  // "P W U" -> ["P","W","U"]; "-" -> [].
  std::string out = "[";
  if (names != "-") {
    size_t start = 0;
    bool first = true;
    for (;;) {
      size_t sp = names.find(' ', start);
      out += (first ? "" : ",") +
             jsonString(names.substr(start, sp == std::string::npos ? sp : sp - start));
      first = false;
      if (sp == std::string::npos) break;
      start = sp + 1;
    }
  }
  return out + "]";
}

// Microseconds since cycle 0 at the nominal clock, with nanosecond digits, from integers only.
std::string timestamp(uint64_t cycle) {
  // Whole seconds first, so cycle * 10^9 cannot overflow.
  uint64_t n = cycle / devices::kCpuHz * 1'000'000'000u +
               cycle % devices::kCpuHz * 1'000'000'000u / devices::kCpuHz;
  return fmt::format("{}.{:03}", n / 1000, n % 1000);
}

}  // namespace

// ---- Describer ---------------------------------------------------------------------------------

std::string Describer::symbol(uint32_t address, uint32_t cr3) const {
  constexpr uint32_t kUserTop = 0x80000000u;  // xv6's KERNBASE, as trace::Programs takes it
  if (address >= kUserTop || programs_ == nullptr) return symbols_.describe(address);
  if (info_ != nullptr) {
    auto seen = info_->spaceNames.find(cr3 & ~0xFFFu);
    if (seen != info_->spaceNames.end() && !seen->second.empty()) {
      if (const SymbolTable* own = programs_->symbols(seen->second.back())) {
        return own->describe(address);
      }
    }
  }
  // No program known to run here: the run's tables, unless what they hold at this address is
  // some user program's name (which would be a guess).
  const SymbolTable::Symbol* s = symbols_.lookup(address);
  if (s != nullptr && programs_->names(*s)) return {};
  return symbols_.describe(address);
}

Describer::Describer(const SymbolTable& symbols, unsigned cowBit)
    : symbols_(symbols), cowBit_(cowBit) {
  csh h;
  if (cs_open(CS_ARCH_X86, CS_MODE_32, &h) == CS_ERR_OK) {
    cs32_ = h;
    ok32_ = true;
  }
  if (cs_open(CS_ARCH_X86, CS_MODE_16, &h) == CS_ERR_OK) {
    cs16_ = h;
    ok16_ = true;
  }
}

Describer::~Describer() {
  csh h;
  if (ok32_) {
    h = cs32_;
    cs_close(&h);
  }
  if (ok16_) {
    h = cs16_;
    cs_close(&h);
  }
}

const Describer::Decoded& Describer::disassemble(const Record& r) {
  static const Decoded unknown{"?", 0};
  if (r.length == 0) return unknown;
  std::string key(reinterpret_cast<const char*>(r.bytes), r.length);
  key += static_cast<char>(r.code32);
  key.append(reinterpret_cast<const char*>(&r.ctx.eip), 4);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  if (cache_.size() > 65536) cache_.clear();  // bounded; contents do not affect the output
  Decoded d{"(bad)", r.length};
  bool ok = r.code32 ? ok32_ : ok16_;
  if (ok) {
    cs_insn* insn = nullptr;
    size_t n = cs_disasm(r.code32 ? cs32_ : cs16_, r.bytes, r.length, r.ctx.eip, 1, &insn);
    if (n > 0) {
      d.text = insn[0].mnemonic;
      if (insn[0].op_str[0] != '\0') d.text += std::string(" ") + insn[0].op_str;
      d.size = insn[0].size;
      cs_free(insn, n);
    }
  }
  return cache_.emplace(std::move(key), std::move(d)).first->second;
}

std::string Describer::instructionBytes(const Record& r, const char* sep) {
  unsigned n = disassemble(r).size;
  if (n > r.length) n = r.length;
  std::string s;
  for (unsigned i = 0; i < n; ++i) s += fmt::format("{}{:02x}", i ? sep : "", r.bytes[i]);
  return s;
}

std::string Describer::pagingFlags(uint32_t word) const {
  return mmu::flagsText(word, cowBit_);
}

// ---- words
// ---------------------------------------------------------------------------------------

std::string errorCodeText(uint32_t e) {
  std::string s = (e & mmu::ErrorCode::kPresent) ? "protection" : "not-present";
  s += (e & mmu::ErrorCode::kWrite) ? "|write" : "|read";
  s += (e & mmu::ErrorCode::kUser) ? "|user" : "|kernel";
  if (e & mmu::ErrorCode::kReserved) s += "|reserved";
  return s;
}

const char* flushKindText(mmu::FlushKind k) {
  switch (k) {
    case mmu::FlushKind::kCr3Write:
      return "mov cr3";
    case mmu::FlushKind::kInvlpg:
      return "invlpg";
    case mmu::FlushKind::kCr0:
      return "cr0";
    case mmu::FlushKind::kCr4:
      return "cr4";
  }
  return "?";
}

std::string vectorName(uint8_t v) {
  static const char* names[] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF",
                                "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "15",  "#MF", "#AC"};
  if (v < sizeof names / sizeof names[0]) return names[v];
  return fmt::format("0x{:02x}", v);
}

const char* accessText(mmu::Access a) {
  switch (a) {
    case mmu::Access::kRead:
      return "read";
    case mmu::Access::kWrite:
      return "write";
    case mmu::Access::kFetch:
      return "fetch";
  }
  return "?";
}

std::string eventText(const Record& r, Describer& d, bool colour) {
  auto word = [&](uint32_t w) { return fmt::format("0x{:08x} [{}]", w, d.pagingFlags(w)); };
  switch (r.kind) {
    case Kind::kPageFault: {
      std::string s = fmt::format("cr2=0x{:08x} {} pde={}", r.address, errorCodeText(r.errorCode),
                                  word(r.walk.pde));
      if (!r.walk.large && r.walk.pteAddr != 0) s += " pte=" + word(r.walk.pte);
      s += fmt::format(" repeat={}", r.repeat);
      if (r.repeat > 1) s += colour ? "\x1b[1;31m REPEATED\x1b[0m" : " REPEATED";
      return s;
    }
    case Kind::kResolve: {
      // A killed process's tables may be freed and reused by now: their words mean nothing.
      if (r.resolution == Resolution::kKilled) {
        return fmt::format(
            "cr2=0x{:08x} fault@{} eip=0x{:08x} killed (the instruction never completed)",
            r.address, r.faultCycle, r.faultEip);
      }
      std::string s =
          fmt::format("cr2=0x{:08x} fault@{} eip=0x{:08x} pte={} {}", r.address, r.faultCycle,
                      r.faultEip, word(r.pteAfter), resolutionName(r.resolution));
      if (r.resolution == Resolution::kCopied)
        s += fmt::format(" 0x{:08x} \u2192 0x{:08x}", r.frameBefore, r.frameAfter);
      if (r.resolution == Resolution::kMapped) s += fmt::format(" \u2192 0x{:08x}", r.frameAfter);
      return s;
    }
    case Kind::kTlbFlush: {
      std::string s = flushKindText(r.flushKind);
      if (r.flushKind == mmu::FlushKind::kInvlpg) s += fmt::format(" 0x{:08x}", r.address);
      return s + fmt::format(" dropped={} valid={}", r.dropped, r.tlbValid);
    }
    case Kind::kTlbMiss: {
      std::string s =
          fmt::format("addr=0x{:08x} {} pde={}", r.address, accessText(r.access), word(r.walk.pde));
      if (!r.walk.large && r.walk.pteAddr != 0) s += " pte=" + word(r.walk.pte);
      if (r.faulted) s += " fault";
      return s;
    }
    case Kind::kCr3Write:
      return fmt::format("0x{:08x} \u2192 0x{:08x}", r.oldCr3, r.address);
    case Kind::kException:
      return r.hasError ? fmt::format("{} error=0x{:x}", vectorName(r.vector), r.errorCode)
                        : vectorName(r.vector);
    case Kind::kInterrupt:
      return fmt::format("vector=0x{:02x}", r.vector);
    case Kind::kSyscall: {
      std::string name = d.syscallName(r.eax);
      return fmt::format("int 0x{:02x} eax={}{}", r.vector, r.eax, name.empty() ? "" : " " + name);
    }
    case Kind::kSysReturn: {
      std::string name = d.syscallName(r.eax);
      return fmt::format("eax={}{} result={}", r.eax, name.empty() ? "" : " " + name,
                         static_cast<int32_t>(r.value));
    }
    case Kind::kHalt:
      return r.interruptsOn ? "interrupts on" : "interrupts off";
    case Kind::kIo:
      return fmt::format("{} {} 0x{:0{}x} size={} value=0x{:0{}x}{}", r.mmio ? "mmio" : "port",
                         r.write ? "write" : "read", r.address, r.mmio ? 8 : 4, r.size, r.value,
                         r.size * 2, r.assigned ? "" : " unassigned");
    case Kind::kInsn:
      return "";
    case Kind::kStaleTlbUse:
      return fmt::format("addr=0x{:08x} {} word@0x{:08x} tlb={} memory={} frame=0x{:08x}",
                         r.address, accessText(r.access), r.wordAddr, word(r.cachedPte),
                         word(r.memoryPte), r.cachedFrame);
    case Kind::kMissingFlush: {
      std::string writer = d.symbol(r.writeEip, r.ctx.cr3);
      std::string s = fmt::format(
          "page=0x{:08x}{} word@0x{:08x} {} -> {} written cycle={} eip=0x{:08x}{}", r.address,
          r.large ? " (4 MB)" : "", r.wordAddr, word(r.cachedPte), word(r.memoryPte), r.writeCycle,
          r.writeEip, writer.empty() ? "" : " " + writer);
      if (r.translations > 1) s += fmt::format(" translations={}", r.translations);
      if (r.writerCpu != r.ctx.cpu) s += fmt::format(" shootdown: written by cpu {}", r.writerCpu);
      if (r.atReturn) return s + fmt::format("; at return to 0x{:08x}", r.useAddress);
      return s + fmt::format("; at {} 0x{:08x}", accessText(r.access), r.useAddress);
    }
  }
  return "";
}

std::string textHeader(unsigned processors) {
  if (processors > 1) {
    return fmt::format(
        "#{:>11} {:>10} {:>3} {:>3} {:<8} {:>4} {:>4} {:<8} {:<24} {:<20} {:<32} {:<7} {}", "cycle",
        "insns", "cpu", "cpl", "cr3", "asid", "pid", "eip", "function", "bytes", "instruction",
        "event", "fields");
  }
  return fmt::format("#{:>11} {:>10} {:>3} {:<8} {:>4} {:>4} {:<8} {:<24} {:<20} {:<32} {:<7} {}",
                     "cycle", "insns", "cpl", "cr3", "asid", "pid", "eip", "function", "bytes",
                     "instruction", "event", "fields");
}

std::string formatText(const Record& r, Describer& d, bool colour) {
  std::string sym = d.symbol(r.ctx.eip, r.ctx.cr3);
  if (sym.empty()) sym = "-";
  std::string kind = kindName(r.kind);
  if (colour && *kindColour(r.kind))
    kind = fmt::format("{}{:<7}{}", kindColour(r.kind), kind, kColourReset);
  else
    kind = fmt::format("{:<7}", kind);
  std::string asid = r.asid != 0 ? fmt::format("{}", r.asid) : "-";
  std::string pid = r.pid >= 0 ? fmt::format("{}", r.pid) : "-";
  std::string cpu = d.processors() > 1 ? fmt::format(" {:>3}", r.ctx.cpu) : std::string();
  std::string line = fmt::format(
      "{:>12} {:>10}{} {:>3} {:08x} {:>4} {:>4} {:08x} {:<24} {:<20} {:<32} {} {}", r.ctx.cycle,
      r.ctx.instructions, cpu, r.ctx.cpl, r.ctx.cr3, asid, pid, r.ctx.eip, sym,
      d.instructionBytes(r, " "), d.disassemble(r).text, kind, eventText(r, d, colour));
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

std::string formatJson(const Record& r, Describer& d) {
  std::string sym = d.symbol(r.ctx.eip, r.ctx.cr3);
  std::string s = fmt::format(
      "{{\"cycle\":{},\"insns\":{},{}\"cpl\":{},\"cr3\":{},\"asid\":{},\"pid\":{},\"parent\":{},"
      "\"eip\":{},\"sym\":{},\"bytes\":\"{}\",\"asm\":{},\"kind\":\"{}\"",
      r.ctx.cycle, r.ctx.instructions,
      d.processors() > 1 ? fmt::format("\"cpu\":{},", r.ctx.cpu) : std::string(), r.ctx.cpl,
      r.ctx.cr3, r.asid, r.pid >= 0 ? fmt::format("{}", r.pid) : "null", r.parent, r.ctx.eip,
      sym.empty() ? "null" : jsonString(sym), d.instructionBytes(r, ""),
      jsonString(d.disassemble(r).text), kindName(r.kind));
  auto word = [&](const char* name, uint32_t w) {
    return fmt::format(",\"{}\":{},\"{}_flags\":{}", name, w, name, jsonFlags(d.pagingFlags(w)));
  };
  switch (r.kind) {
    case Kind::kPageFault:
      s += fmt::format(",\"cr2\":{},\"error\":{},\"error_text\":\"{}\",\"access\":\"{}\"",
                       r.address, r.errorCode, errorCodeText(r.errorCode), accessText(r.access));
      s += word("pde", r.walk.pde);
      if (!r.walk.large && r.walk.pteAddr != 0) s += word("pte", r.walk.pte);
      s += fmt::format(",\"repeat\":{}", r.repeat);
      break;
    case Kind::kResolve:
      s += fmt::format(",\"cr2\":{},\"fault_cycle\":{},\"fault_eip\":{},\"resolution\":\"{}\"",
                       r.address, r.faultCycle, r.faultEip, resolutionName(r.resolution));
      s += word("pte_before", r.pteBefore) + word("pte", r.pteAfter);
      s += fmt::format(",\"frame_before\":{},\"frame\":{}", r.frameBefore, r.frameAfter);
      break;
    case Kind::kTlbFlush:
      s += fmt::format(",\"flush\":\"{}\",\"dropped\":{},\"valid\":{}", flushKindText(r.flushKind),
                       r.dropped, r.tlbValid);
      if (r.flushKind == mmu::FlushKind::kInvlpg) s += fmt::format(",\"addr\":{}", r.address);
      break;
    case Kind::kTlbMiss:
      s += fmt::format(",\"addr\":{},\"access\":\"{}\",\"fault\":{}", r.address,
                       accessText(r.access), r.faulted);
      s += word("pde", r.walk.pde);
      if (!r.walk.large && r.walk.pteAddr != 0) s += word("pte", r.walk.pte);
      break;
    case Kind::kCr3Write:
      s += fmt::format(",\"old\":{},\"new\":{}", r.oldCr3, r.address);
      break;
    case Kind::kException:
      s += fmt::format(",\"vector\":{},\"name\":\"{}\"", r.vector, vectorName(r.vector));
      if (r.hasError) s += fmt::format(",\"error\":{}", r.errorCode);
      break;
    case Kind::kInterrupt:
      s += fmt::format(",\"vector\":{}", r.vector);
      break;
    case Kind::kSyscall:
    case Kind::kSysReturn: {
      s += fmt::format(",\"vector\":{},\"eax\":{}", r.vector, r.eax);
      std::string name = d.syscallName(r.eax);
      if (!name.empty()) s += ",\"name\":" + jsonString(name);
      if (r.kind == Kind::kSysReturn)
        s += fmt::format(",\"result\":{}", static_cast<int32_t>(r.value));
      break;
    }
    case Kind::kHalt:
      s += fmt::format(",\"interrupts\":{}", r.interruptsOn);
      break;
    case Kind::kIo:
      s += fmt::format(
          ",\"space\":\"{}\",\"write\":{},\"addr\":{},\"size\":{},\"value\":{},\"assigned\":{}",
          r.mmio ? "mmio" : "port", r.write, r.address, r.size, r.value, r.assigned);
      break;
    case Kind::kInsn:
      break;
    case Kind::kStaleTlbUse:
      s += fmt::format(",\"addr\":{},\"access\":\"{}\",\"word_addr\":{}", r.address,
                       accessText(r.access), r.wordAddr);
      s += word("tlb_pte", r.cachedPte) + word("memory_pte", r.memoryPte);
      s += fmt::format(",\"frame\":{}", r.cachedFrame);
      break;
    case Kind::kMissingFlush: {
      std::string writer = d.symbol(r.writeEip, r.ctx.cr3);
      s +=
          fmt::format(",\"page\":{},\"large\":{},\"word_addr\":{}", r.address, r.large, r.wordAddr);
      s += word("before", r.cachedPte) + word("after", r.memoryPte);
      s += fmt::format(",\"write_cycle\":{},\"write_eip\":{},\"writer\":{}", r.writeCycle,
                       r.writeEip, writer.empty() ? "null" : jsonString(writer));
      if (d.processors() > 1) s += fmt::format(",\"writer_cpu\":{}", r.writerCpu);
      s += fmt::format(",\"translations\":{},\"found\":\"{}\",\"found_addr\":{}", r.translations,
                       r.atReturn ? "return" : accessText(r.access), r.useAddress);
      break;
    }
  }
  return s + "}";
}

// ---- sinks
// ---------------------------------------------------------------------------------------

FileOut::FileOut(std::FILE* f, bool owned) : f_(f), owned_(owned) {}
FileOut::~FileOut() {
  if (owned_)
    std::fclose(f_);
  else
    std::fflush(f_);
}

namespace {

class TextSink final : public Sink {
 public:
  TextSink(std::shared_ptr<FileOut> out, Describer& d, bool colour)
      : out_(std::move(out)), d_(d), colour_(colour) {
    std::fprintf(out_->get(), "%s\n", textHeader(d_.processors()).c_str());
  }
  void write(const Record& r) override {
    std::string line = formatText(r, d_, colour_);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out_->get());
  }
  void finish() override { std::fflush(out_->get()); }

 private:
  std::shared_ptr<FileOut> out_;
  Describer& d_;
  bool colour_;
};

class JsonlSink final : public Sink {
 public:
  JsonlSink(std::shared_ptr<FileOut> out, Describer& d) : out_(std::move(out)), d_(d) {}
  void write(const Record& r) override {
    std::string line = formatJson(r, d_);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out_->get());
  }
  void finish() override { std::fflush(out_->get()); }

 private:
  std::shared_ptr<FileOut> out_;
  Describer& d_;
};

// Chrome trace-event format ("Trace Event Format", the JSON Object form): one process, a thread
// (track) per address space named by its page-directory base; instants for events, B/E slices for
// system calls, C counters for TLB occupancy. ts is in microseconds of guest time (33 MHz).
class PerfettoSink final : public Sink {
 public:
  PerfettoSink(std::shared_ptr<FileOut> out, Describer& d) : out_(std::move(out)), d_(d) {
    emit(
        "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"xray86 "
        "guest\"}}");
  }
  void write(const Record& r) override {
    uint32_t tid = track(r.ctx.cr3);
    std::string ts = timestamp(r.ctx.cycle);
    if (r.kind == Kind::kSyscall) {
      closeSlice(tid, ts);
      std::string name = d_.syscallName(r.eax);
      emit(fmt::format(
          "{{\"name\":{},\"cat\":\"sys\",\"ph\":\"B\",\"ts\":{},\"pid\":1,\"tid\":{},\"args\":{}}}",
          jsonString("syscall " + (name.empty() ? fmt::format("{}", r.eax) : name)), ts, tid,
          formatJson(r, d_)));
      open_[tid] = true;
      lastTs_ = ts;
      return;
    }
    if (r.kind == Kind::kSysReturn) {
      // The slice ends where the kernel returns; getNumFreePages' result is a free-frame count.
      closeSlice(tid, ts, formatJson(r, d_));
      const GuestInfo* info = d_.guestInfo();
      if (info && info->freePagesCall && *info->freePagesCall == r.eax) {
        emit(
            fmt::format("{{\"name\":\"free "
                        "frames\",\"ph\":\"C\",\"ts\":{},\"pid\":1,\"args\":{{\"free\":{}}}}}",
                        ts, static_cast<int32_t>(r.value)));
      }
      lastTs_ = ts;
      return;
    }
    if (r.ctx.cpl == 3) closeSlice(tid, ts);
    std::string name = kindName(r.kind);
    if (r.kind == Kind::kPageFault) name = "pf " + errorCodeText(r.errorCode);
    if (r.kind == Kind::kResolve) name = std::string("resolve ") + resolutionName(r.resolution);
    if (r.kind == Kind::kTlbFlush) name = std::string("flush ") + flushKindText(r.flushKind);
    emit(
        fmt::format("{{\"name\":{},\"cat\":\"{}\",\"ph\":\"i\",\"s\":\"t\",\"ts\":{},\"pid\":1,"
                    "\"tid\":{},\"args\":{}}}",
                    jsonString(name), kindName(r.kind), ts, tid, formatJson(r, d_)));
    if (r.kind == Kind::kTlbFlush || r.kind == Kind::kPageFault) {
      emit(fmt::format(
          "{{\"name\":\"TLB entries\",\"ph\":\"C\",\"ts\":{},\"pid\":1,\"args\":{{\"valid\":{}}}}}",
          ts, r.tlbValid));
    }
    lastTs_ = ts;
  }
  void userActivity(const emu::EventContext& ctx) override {
    uint32_t tid = ctx.cr3 >> 12;
    auto it = open_.find(tid);
    if (it != open_.end() && it->second) closeSlice(tid, timestamp(ctx.cycle));
  }
  void finish() override {
    for (auto& [tid, open] : open_) {
      if (open) closeSlice(tid, lastTs_);
    }
    // Tracks are named last, when the programs each address space ran are known.
    const GuestInfo* info = d_.guestInfo();
    for (const auto& [tid, cr3] : tracks_) {
      std::string name =
          cr3 == 0 ? std::string("no paging (cr3 0)") : fmt::format("cr3 0x{:08x}", cr3);
      std::string programs = info ? info->spaceName(cr3) : std::string();
      if (!programs.empty()) name += " (" + programs + ")";
      emit(fmt::format(
          "{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":{},\"args\":{{\"name\":{}}}}}",
          tid, jsonString(name)));
    }
    std::fprintf(out_->get(), "\n]}\n");
    std::fflush(out_->get());
  }

 private:
  uint32_t track(uint32_t cr3) {
    uint32_t tid = cr3 >> 12;
    tracks_.emplace(tid, cr3 & ~0xFFFu);
    return tid;
  }
  void closeSlice(uint32_t tid, const std::string& ts, const std::string& args = {}) {
    auto it = open_.find(tid);
    if (it == open_.end() || !it->second) return;
    it->second = false;
    if (args.empty())
      emit(fmt::format("{{\"ph\":\"E\",\"ts\":{},\"pid\":1,\"tid\":{}}}", ts, tid));
    else
      emit(fmt::format("{{\"ph\":\"E\",\"ts\":{},\"pid\":1,\"tid\":{},\"args\":{}}}", ts, tid,
                       args));
  }
  void emit(const std::string& event) {
    std::fputs(first_ ? "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n" : ",\n", out_->get());
    first_ = false;
    std::fwrite(event.data(), 1, event.size(), out_->get());
  }

  std::shared_ptr<FileOut> out_;
  Describer& d_;
  bool first_ = true;
  std::map<uint32_t, bool> open_;
  std::map<uint32_t, uint32_t> tracks_;  // tid -> page-directory base
  std::string lastTs_ = "0.000";
};

}  // namespace

std::unique_ptr<Sink> makeTextSink(std::shared_ptr<FileOut> out, Describer& d, bool colour) {
  return std::make_unique<TextSink>(std::move(out), d, colour);
}
std::unique_ptr<Sink> makeJsonlSink(std::shared_ptr<FileOut> out, Describer& d) {
  return std::make_unique<JsonlSink>(std::move(out), d);
}
std::unique_ptr<Sink> makePerfettoSink(std::shared_ptr<FileOut> out, Describer& d) {
  return std::make_unique<PerfettoSink>(std::move(out), d);
}

}  // namespace trace
