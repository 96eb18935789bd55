// The differential harness (see harness.h): our Cpu and Unicorn (QEMU's TCG, Unicorn 2.0) run the
// same bytes from the same registers, flags and memory; registers, EIP, EFLAGS, segment
// selectors, the exception raised and all of memory must agree afterwards.
#include "tests/diff/harness.h"

#include <capstone/capstone.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "emu/cpu/decode.h"

namespace emu::diff {

const int kUcReg[8] = {UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX,
                       UC_X86_REG_ESP, UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI};
const int kUcSeg[6] = {UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS,
                       UC_X86_REG_DS, UC_X86_REG_FS, UC_X86_REG_GS};
const char* const kRegName[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
const char* const kSegName[6] = {"ES", "CS", "SS", "DS", "FS", "GS"};

Outcome readUnicornOutcome(uc_engine* uc, uc_err err, int vector) {
  Outcome o;
  for (int k = 0; k < 8; ++k) uc_reg_read(uc, kUcReg[k], &o.state.r[k]);
  uc_reg_read(uc, UC_X86_REG_EIP, &o.state.eip);
  uc_reg_read(uc, UC_X86_REG_EFLAGS, &o.state.eflags);
  for (int k = 0; k < 6; ++k) {
    uint32_t v = 0;
    uc_reg_read(uc, kUcSeg[k], &v);
    o.state.sel[k] = static_cast<uint16_t>(v);
  }
  o.vector = vector;
  if (err == UC_ERR_INSN_INVALID) {
    o.vector = vec::kUd;
  } else if (err != UC_ERR_OK) {
    o.problem = std::string("uc_emu_start: ") + uc_strerror(err);
  }
  return o;
}

namespace {
constexpr uint16_t kRealData = 0x1000;  // 16-bit mode: DS = ES = SS = FS = GS

std::string hex(uint32_t v, int width = 8) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*X", width, v);
  return buf;
}

std::string formatState(const State& s) {
  std::string out;
  for (int k = 0; k < 8; ++k) out += std::string(kRegName[k]) + "=" + hex(s.r[k]) + " ";
  out += "EIP=" + hex(s.eip) + " EFLAGS=" + hex(s.eflags);
  for (int k = 0; k < 6; ++k) out += std::string(" ") + kSegName[k] + "=" + hex(s.sel[k], 4);
  return out;
}

// The exceptions that push an error code ([386PRM] 9.9, table 9-7).
bool pushesErrorCode(int v) {
  return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

}  // namespace

std::string disassemble(const uint8_t* bytes, size_t n, bool code32, uint64_t address,
                        size_t* length) {
  static csh handles[2] = {0, 0};
  static bool opened[2] = {false, false};
  int m = code32 ? 1 : 0;
  if (!opened[m]) {
    if (cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &handles[m]) != CS_ERR_OK)
      return "<capstone failed>";
    opened[m] = true;
  }
  cs_insn* insn = nullptr;
  size_t count = cs_disasm(handles[m], bytes, n, address, 1, &insn);
  if (count == 0) {
    if (length) *length = 0;
    return "<invalid>";
  }
  std::string text =
      std::string(insn[0].mnemonic) + (insn[0].op_str[0] ? " " : "") + insn[0].op_str;
  if (length) *length = insn[0].size;
  cs_free(insn, count);
  return text;
}

DiffHarness::DiffHarness(bool code32, uint64_t seed)
    : layout_(Layout::forMode(code32)),
      seed_(seed),
      gen_(seed, layout_),
      bus_(layout_.memSize),
      mmu_(bus_),
      cpu_(bus_, mmu_),
      ucMem_(layout_.memSize),
      before_(layout_.memSize) {
  cpu_.setStopOnUnsupportedOpcode(false);  // an opcode we lack is #UD, as QEMU's is
  buildImage();
  openUnicorn();
}

bool DiffHarness::openUnicorn() {
  if (ucFresh_) uc_context_free(ucFresh_);
  if (uc_) uc_close(uc_);
  ucFresh_ = nullptr;
  uc_ = nullptr;
  if (uc_open(UC_ARCH_X86, layout_.code32 ? UC_MODE_32 : UC_MODE_16, &uc_) != UC_ERR_OK) {
    uc_ = nullptr;
    return false;
  }
  // Unicorn's CPU model: a Pentium II, the i686 class our CPUID reports.
  uc_ctl_set_cpu_model(uc_, UC_CPU_X86_PENTIUM2);
  uc_mem_map_ptr(uc_, 0, layout_.memSize, UC_PROT_ALL, ucMem_.data());
  uc_hook hook;
  uc_hook_add(uc_, &hook, UC_HOOK_INTR, reinterpret_cast<void*>(&DiffHarness::onInterrupt), this, 1,
              0);
  // QEMU remembers the last exception to turn a second contributory one into #DF ([386PRM] 9.8.8);
  // Unicorn's hook skips the delivery that would forget it, so every run starts from the CPU
  // state saved here instead.
  uc_context_alloc(uc_, &ucFresh_);
  uc_context_save(uc_, ucFresh_);
  return true;
}

DiffHarness::~DiffHarness() {
  if (ucFresh_) uc_context_free(ucFresh_);
  if (uc_) uc_close(uc_);
}

void DiffHarness::onInterrupt(uc_engine* uc, uint32_t intno, void* self) {
  static_cast<DiffHarness*>(self)->ucVector_ = static_cast<int>(intno);
  uc_emu_stop(uc);
}

// Memory image shared by both: random data, and for our CPU the descriptor tables and one HLT
// stub per vector (Unicorn reports exceptions through its hook instead, so it never uses them).
void DiffHarness::buildImage() {
  uint8_t* m = bus_.data();
  std::memset(m, 0, layout_.memSize);
  Rng& rng = gen_.rng();
  for (uint32_t a = layout_.dataBase;
       a + 8 <= layout_.dataBase + 0x10000 && a + 8 <= layout_.memSize; a += 8) {
    uint64_t v = rng.next();
    std::memcpy(m + a, &v, 8);
  }
  for (unsigned v = 0; v < Layout::kVectors; ++v) m[layout_.stubs + 16 * v] = 0xF4;
  if (layout_.code32) {
    // GDT: null, 0x08 flat 32-bit code, 0x10 flat data ([386PRM] 5.1.1 figure 5-3).
    auto descriptor = [&](uint32_t sel, uint8_t access) {
      uint32_t lo = 0x0000FFFF, hi = 0x00CF0000u | (uint32_t{access} << 8);
      std::memcpy(m + layout_.gdt + sel, &lo, 4);
      std::memcpy(m + layout_.gdt + sel + 4, &hi, 4);
    };
    descriptor(0x08, 0x9B);
    descriptor(0x10, 0x93);
    // IDT: 32 interrupt gates to the stubs ([386PRM] 9.5 figure 9-3).
    for (unsigned v = 0; v < Layout::kVectors; ++v) {
      uint32_t off = layout_.stubs + 16 * v;
      uint32_t lo = (off & 0xFFFF) | (0x08u << 16), hi = (off & 0xFFFF0000u) | 0x8E00;
      std::memcpy(m + layout_.idt + 8 * v, &lo, 4);
      std::memcpy(m + layout_.idt + 8 * v + 4, &hi, 4);
    }
    cpu_.enterFlatProtectedMode();
    cpu_.setGdtr(DescriptorTable{layout_.gdt, 0x17});
    cpu_.setIdtr(DescriptorTable{layout_.idt, static_cast<uint16_t>(8 * Layout::kVectors - 1)});
  } else {
    // IVT: vector v -> 0000:stub ([386PRM] 14.1.4).
    for (unsigned v = 0; v < Layout::kVectors; ++v) {
      uint32_t entry = layout_.stubs + 16 * v;
      std::memcpy(m + 4 * v, &entry, 4);
    }
  }
  std::memcpy(ucMem_.data(), m, layout_.memSize);
}

void DiffHarness::setState(const State& s) {
  uc_context_restore(uc_, ucFresh_);
  for (int k = 0; k < 8; ++k) {
    cpu_.setReg(static_cast<Reg>(k), s.r[k]);
    uc_reg_write(uc_, kUcReg[k], &s.r[k]);
  }
  cpu_.setEflags(s.eflags);
  uc_reg_write(uc_, UC_X86_REG_EFLAGS, &s.eflags);
  if (layout_.code32) {
    // Unicorn's UC_MODE_32 starts with flat 4 GB segments whose selectors are 0; ours match it.
    for (int k = 0; k < 6; ++k) {
      Segment seg;
      seg.selector = 0;
      seg.base = 0;
      seg.limit = 0xFFFFFFFF;
      seg.access = k == kCs ? 0x9B : 0x93;
      seg.flags = 0xC;
      cpu_.setSegment(static_cast<SegReg>(k), seg);
    }
  } else {
    for (int k = 0; k < 6; ++k) {
      uint32_t sel = k == kCs ? 0 : kRealData;
      cpu_.setSegmentReal(static_cast<SegReg>(k), static_cast<uint16_t>(sel));
      uc_reg_write(uc_, kUcSeg[k], &sel);
    }
  }
  cpu_.setEip(layout_.code);
}

State DiffHarness::ourState() const {
  State s;
  for (int k = 0; k < 8; ++k) s.r[k] = cpu_.reg(static_cast<Reg>(k));
  s.eip = cpu_.eip();
  s.eflags = cpu_.eflags();
  for (int k = 0; k < 6; ++k) s.sel[k] = cpu_.segment(static_cast<SegReg>(k)).selector;
  return s;
}

Outcome DiffHarness::runUnicorn(uint32_t stop) {
  ucVector_ = -1;
  uc_err err = uc_emu_start(uc_, layout_.code, layout_.code + stop, 0, 0);
  return readUnicornOutcome(uc_, err, ucVector_);
}

Outcome DiffHarness::runOurs(uint32_t stop) {
  Outcome o;
  const uint32_t end = layout_.code + stop;
  for (unsigned k = 0; k < 100000; ++k) {
    uint32_t lin = cpu_.segment(kCs).base + cpu_.eip();
    if (lin == end) break;
    if (lin >= layout_.stubs && lin < layout_.stubs + 16 * Layout::kVectors &&
        (lin - layout_.stubs) % 16 == 0) {
      o.vector = static_cast<int>((lin - layout_.stubs) / 16);
      break;
    }
    RunResult r = cpu_.step();
    // A step that faults goes on into the handler: our stubs are HLTs, so the CPU stops one byte
    // into the stub of the vector it delivered.
    uint32_t at = cpu_.segment(kCs).base + cpu_.eip() - 1;
    if (r.reason == StopReason::kHaltInterruptsOff && at >= layout_.stubs &&
        at < layout_.stubs + 16 * Layout::kVectors && (at - layout_.stubs) % 16 == 0) {
      o.vector = static_cast<int>((at - layout_.stubs) / 16);
      break;
    }
    if (r.reason != StopReason::kInstructionLimit) {
      o.problem = std::string("stopped: ") + stopReasonName(r.reason) + " " + cpu_.stopMessage();
      break;
    }
  }
  o.state = ourState();
  return o;
}

std::string DiffHarness::compare(const Sequence& seq, const Outcome& ours, const Outcome& theirs,
                                 uint32_t flagMask) {
  std::ostringstream why;
  if (!theirs.problem.empty()) return "Unicorn " + theirs.problem;
  if (!ours.problem.empty()) return "our CPU " + ours.problem;
  if (ours.vector != theirs.vector)
    return "exception: ours " + std::to_string(ours.vector) + ", Unicorn " +
           std::to_string(theirs.vector);
  State got = ours.state;
  State want = theirs.state;
  if (ours.vector >= 0) {
    // INT n, INT3, INTO are traps: the frame holds the next instruction's address. Unicorn 2.0.1
    // reports some (INT 6 for one) at the instruction's own address; read it as the next.
    for (const Placed& p : seq.insns) {
      if (layout_.code + p.offset != want.eip) continue;
      unsigned k = 0;
      while (k < p.len &&
             (seq.code[p.offset + k] == 0x66 || seq.code[p.offset + k] == 0x67 ||
              seq.code[p.offset + k] == 0xF0 || seq.code[p.offset + k] == 0xF2 ||
              seq.code[p.offset + k] == 0xF3 || (seq.code[p.offset + k] & 0xE7) == 0x26 ||
              seq.code[p.offset + k] == 0x64 || seq.code[p.offset + k] == 0x65))
        ++k;
      uint8_t opcode = k < p.len ? seq.code[p.offset + k] : 0;
      if (opcode == 0xCC || opcode == 0xCD || opcode == 0xCE) want.eip += p.len;
    }
    // Our CPU delivered the exception: read the frame it pushed ([386PRM] 9.6.1 / 14.1.4) and
    // compare it with Unicorn's state at the hook, then put back the memory the frame covered.
    const unsigned slot = layout_.code32 ? 4 : 2;
    const unsigned slots = 3 + (layout_.code32 && pushesErrorCode(ours.vector) ? 1 : 0);
    const uint32_t ssBase = cpu_.segment(kSs).base;
    const uint32_t spMask = layout_.code32 ? 0xFFFFFFFFu : 0xFFFFu;
    const uint32_t sp = got.r[kEsp];
    uint32_t values[4] = {};
    bool readable = true;
    for (unsigned k = 0; k < slots * slot; ++k) {
      uint32_t a = ssBase + ((sp + k) & spMask);
      if (a >= layout_.memSize) {
        readable = false;
        continue;
      }
      values[k / slot] |= uint32_t{bus_.data()[a]} << (8 * (k % slot));
      bus_.data()[a] = ucMem_[a];
    }
    const unsigned first = slots - 3;  // the error code, if any, is below EIP
    if (readable) {
      if (values[first] != want.eip)
        why << "pushed EIP " << hex(values[first]) << " != " << hex(want.eip) << "; ";
      if ((values[first + 1] & 0xFFFF) != want.sel[kCs])
        why << "pushed CS " << hex(values[first + 1]) << " != " << hex(want.sel[kCs]) << "; ";
      uint32_t wantFlags = want.eflags & (layout_.code32 ? 0xFFFFFFFFu : 0xFFFFu);
      if ((values[first + 2] ^ wantFlags) & ~flagMask)
        why << "pushed EFLAGS " << hex(values[first + 2]) << " != " << hex(wantFlags) << "; ";
    }
    got.eip = want.eip;
    got.eflags = want.eflags;
    got.r[kEsp] = (sp & ~spMask) | ((sp + slots * slot) & spMask);
    for (int k = 0; k < 6; ++k) got.sel[k] = want.sel[k];
  }
  for (int k = 0; k < 8; ++k)
    if (got.r[k] != want.r[k])
      why << kRegName[k] << " " << hex(got.r[k]) << " != " << hex(want.r[k]) << "; ";
  if (got.eip != want.eip) why << "EIP " << hex(got.eip) << " != " << hex(want.eip) << "; ";
  if ((got.eflags ^ want.eflags) & ~flagMask)
    why << "EFLAGS " << hex(got.eflags) << " != " << hex(want.eflags) << " (xor "
        << hex(got.eflags ^ want.eflags) << "); ";
  for (int k = 0; k < 6; ++k)
    if (got.sel[k] != want.sel[k])
      why << kSegName[k] << " " << hex(got.sel[k], 4) << " != " << hex(want.sel[k], 4) << "; ";
  if (std::memcmp(bus_.data(), ucMem_.data(), layout_.memSize) != 0) {
    why << "memory:";
    unsigned shown = 0;
    for (uint32_t a = 0; a < layout_.memSize && shown < 16; ++a) {
      if (bus_.data()[a] == ucMem_[a]) continue;
      why << " [" << hex(a, 5) << "] ours " << hex(bus_.data()[a], 2) << " Unicorn "
          << hex(ucMem_[a], 2) << " before " << hex(before_[a], 2) << ";";
      ++shown;
    }
  }
  return why.str();
}

std::string DiffHarness::runBoth(const Sequence& seq, const State& init, uint32_t stop,
                                 Outcome& ours, Outcome& theirs) {
  setState(init);
  theirs = runUnicorn(stop);
  ours = runOurs(stop);
  return compare(seq, ours, theirs, stop == seq.code.size() ? seq.flagMask : 0);
}

std::string DiffHarness::reproducer(const Sequence& seq, const State& init, const Outcome& ours,
                                    const Outcome& theirs, const std::string& why, uint64_t index) {
  std::ostringstream out;
  out << "MISMATCH in " << (layout_.code32 ? "32" : "16") << "-bit mode: " << why << "\n"
      << "  seed " << seed_ << ", sequence " << index << " (rerun: XRAY86_DIFF_SEED=" << seed_
      << ")\n";
  // Find the first instruction after which the states differ by replaying prefixes.
  int culprit = -1;
  for (size_t j = 0; j < seq.insns.size(); ++j) {
    uint32_t stop =
        j + 1 < seq.insns.size() ? seq.insns[j + 1].offset : static_cast<uint32_t>(seq.code.size());
    std::memcpy(bus_.data(), before_.data(), layout_.memSize);
    std::memcpy(ucMem_.data(), before_.data(), layout_.memSize);
    cpu_.flushDecodedCode();
    uc_ctl_remove_cache(uc_, 0, layout_.memSize);
    Outcome o, t;
    if (!runBoth(seq, init, stop, o, t).empty()) {
      culprit = static_cast<int>(j);
      break;
    }
    if (t.vector >= 0) break;
  }
  out << "  code (" << seq.code.size() << " bytes at " << hex(layout_.code) << "):\n";
  for (size_t j = 0; j < seq.insns.size(); ++j) {
    const Placed& p = seq.insns[j];
    std::string bytes;
    for (unsigned k = 0; k < p.len; ++k) bytes += hex(seq.code[p.offset + k], 2) + " ";
    out << (static_cast<int>(j) == culprit ? "  >> " : "     ") << hex(layout_.code + p.offset)
        << "  " << bytes << std::string(bytes.size() < 48 ? 48 - bytes.size() : 1, ' ')
        << disassemble(&seq.code[p.offset], p.len, layout_.code32, layout_.code + p.offset)
        << (p.setup ? "   (setup)" : "") << "\n";
  }
  if (culprit >= 0) out << "  (>> marks the first instruction after which the two differ)\n";
  out << "  initial: " << formatState(init) << "\n"
      << "  ours:    " << formatState(ours.state)
      << (ours.vector >= 0 ? " vector " + std::to_string(ours.vector) : "") << "\n"
      << "  Unicorn: " << formatState(theirs.state)
      << (theirs.vector >= 0 ? " vector " + std::to_string(theirs.vector) : "") << "\n";
  return out.str();
}

Totals DiffHarness::run(uint64_t instructions, unsigned maxReports) {
  Totals t;
  if (!uc_) {
    ++t.mismatches;
    std::fprintf(stderr, "Unicorn failed to open\n");
    return t;
  }
  uint64_t index = 0;
  const bool trace = std::getenv("XRAY86_DIFF_TRACE") != nullptr;
  while (t.generated < instructions) {
    // After about a million runs Unicorn 2.0.1 starts reporting faults at the start of their
    // translation block instead of the faulting instruction; a fresh engine every 100,000
    // sequences keeps it exact (memory is ours, so nothing is lost).
    if (index && index % 100000 == 0 && !openUnicorn()) {
      ++t.mismatches;
      std::fprintf(stderr, "Unicorn failed to reopen\n");
      return t;
    }
    Sequence seq = gen_.next(8);
    if (trace) {
      std::fprintf(stderr, "sequence %llu:", static_cast<unsigned long long>(index));
      for (uint8_t b : seq.code) std::fprintf(stderr, " %02X", b);
      std::fprintf(stderr, "\n");
    }
    State init;
    for (int k = 0; k < 8; ++k) init.r[k] = gen_.randomRegister();
    init.r[kEsp] = (layout_.code32 ? 0 : init.r[kEsp] & 0xFFFF0000u) | layout_.stackLo;
    init.eflags = gen_.randomFlags();
    // Place the code in both memories (the rest of the code area zeroed) and drop stale
    // translations of the previous sequence.
    std::memset(bus_.data() + layout_.code, 0, layout_.codeSize);
    std::memcpy(bus_.data() + layout_.code, seq.code.data(), seq.code.size());
    std::memcpy(ucMem_.data() + layout_.code, bus_.data() + layout_.code, layout_.codeSize);
    cpu_.invalidateCode(layout_.code, layout_.codeSize);
    uc_ctl_remove_cache(uc_, layout_.code, layout_.code + layout_.codeSize);
    std::memcpy(before_.data(), ucMem_.data(), layout_.memSize);

    Outcome ours, theirs;
    std::string why = runBoth(seq, init, static_cast<uint32_t>(seq.code.size()), ours, theirs);
    ++t.sequences;
    // Instructions that ran: all of them, or up to the one that raised the exception.
    for (const Placed& p : seq.insns) {
      if (theirs.vector >= 0 && layout_.code + p.offset > theirs.state.eip) break;
      ++t.executed;
      if (!p.setup) ++t.generated;
    }
    if (theirs.vector >= 0 && why.empty()) ++t.exceptions;
    if (!why.empty()) {
      ++t.mismatches;
      if (t.mismatches <= maxReports)
        std::fprintf(stderr, "%s", reproducer(seq, init, ours, theirs, why, index).c_str());
      // Continue from the memory both had before this sequence.
      std::memcpy(bus_.data(), before_.data(), layout_.memSize);
      std::memcpy(ucMem_.data(), before_.data(), layout_.memSize);
      cpu_.flushDecodedCode();
      uc_ctl_remove_cache(uc_, 0, layout_.memSize);
    }
    ++index;
  }
  return t;
}

uint32_t DiffHarness::ourDword(uint32_t address) const {
  uint32_t v = 0;
  for (unsigned k = 0; k < 4; ++k)
    if (address + k < layout_.memSize)
      v |= uint32_t{const_cast<FlatRamBus&>(bus_).data()[address + k]} << (8 * k);
  return v;
}

bool DiffHarness::runOne(const std::vector<uint8_t>& code, const State& init, std::string& report,
                         State* oursOut) {
  Sequence seq;
  seq.code = code;
  // Instruction boundaries from our decoder, for the reproducer.
  for (uint32_t off = 0; off < code.size();) {
    Insn insn;
    if (decodeInstruction(code.data() + off, static_cast<unsigned>(code.size() - off),
                          layout_.code32, insn) != DecodeStatus::kOk)
      break;
    seq.insns.push_back(Placed{off, insn.len, false});
    off += insn.len;
  }
  std::memset(bus_.data() + layout_.code, 0, layout_.codeSize);
  std::memcpy(bus_.data() + layout_.code, code.data(), code.size());
  std::memcpy(ucMem_.data() + layout_.code, bus_.data() + layout_.code, layout_.codeSize);
  cpu_.invalidateCode(layout_.code, layout_.codeSize);
  uc_ctl_remove_cache(uc_, layout_.code, layout_.code + layout_.codeSize);
  std::memcpy(before_.data(), ucMem_.data(), layout_.memSize);
  Outcome ours, theirs;
  std::string why = runBoth(seq, init, static_cast<uint32_t>(code.size()), ours, theirs);
  if (oursOut) *oursOut = ours.state;
  if (why.empty()) return true;
  report = reproducer(seq, init, ours, theirs, why, 0);
  return false;
}

}  // namespace emu::diff
