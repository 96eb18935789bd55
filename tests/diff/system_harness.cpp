// The system-instruction harness (see system.h).
//
// Unicorn reports an exception through its interrupt hook before QEMU delivers it, so its state is
// the faulting instruction's; our CPU delivers it through the IDT to a HLT stub, and the frame it
// pushed (error code, EIP, CS, EFLAGS, and ESP, SS from CPL 3) gives back the state at the fault.
//
// Unicorn's API has no call for the error code or a segment register's hidden base, limit and
// attributes, but a saved context is a copy of QEMU's CPUX86State. calibrate() finds where
// error_code and segs[] lie in it by running faults with known error codes and loading segments
// with known descriptors, so nothing depends on one build's structure layout; if the search
// fails, run() reports it instead of comparing less.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "emu/cpu/decode.h"
#include "tests/diff/system.h"

namespace emu::diff {
namespace {

constexpr int kUcCr[5] = {UC_X86_REG_CR0, UC_X86_REG_CR1, UC_X86_REG_CR2, UC_X86_REG_CR3,
                          UC_X86_REG_CR4};
using L = SystemLayout;

std::string hex(uint32_t v, int width = 8) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*X", width, v);
  return buf;
}

// The exceptions that push an error code ([386PRM] 9.9, table 9-7).
bool pushesErrorCode(int v) {
  return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

uint32_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Where Unicorn's two preludes lie (with paging off, then on): in the stubs' page, away from the
// stubs and the ring-0 stack; 8 bytes per control register and a JMP.
constexpr uint32_t kPrelude = L::kStubs + 0x800;
constexpr uint32_t kPreludeLen = 3 * 8 + 2;

// DR6 and DR7 as both CPUs hold them after reset ([386PRM] 12.2: reserved bits of DR6 read 1).
constexpr uint32_t kDr6 = 0xFFFF0FF0, kDr7 = 0x400;

}  // namespace

SystemHarness::SystemHarness(uint64_t seed)
    : seed_(seed),
      gen_(seed),
      bus_(L::kMemSize),
      mmu_(bus_),
      cpu_(bus_, mmu_),
      ucMem_(L::kMemSize),
      before_(L::kMemSize) {
  cpu_.setStopOnUnsupportedOpcode(false);
  cpu_.events().attach(this);
  buildImage();
  if (openUnicorn()) calibrate();
}

SystemHarness::~SystemHarness() {
  cpu_.events().detach(this);
  if (ucScratch_) uc_context_free(ucScratch_);
  if (ucFresh_) uc_context_free(ucFresh_);
  if (uc_) uc_close(uc_);
}

void SystemHarness::onException(const ExceptionEvent& e) {
  if (ourVector_ >= 0) return;  // the first one is the one Unicorn reports
  ourVector_ = e.vector;
  ourError_ = e.hasErrorCode ? e.errorCode : 0;
}

void SystemHarness::onInterrupt(uc_engine* uc, uint32_t intno, void* self) {
  static_cast<SystemHarness*>(self)->ucVector_ = static_cast<int>(intno);
  uc_emu_stop(uc);
}

bool SystemHarness::openUnicorn() {
  if (ucScratch_) uc_context_free(ucScratch_);
  if (ucFresh_) uc_context_free(ucFresh_);
  if (uc_) uc_close(uc_);
  ucScratch_ = ucFresh_ = nullptr;
  uc_ = nullptr;
  if (uc_open(UC_ARCH_X86, UC_MODE_32, &uc_) != UC_ERR_OK) {
    uc_ = nullptr;
    return false;
  }
  uc_ctl_set_cpu_model(uc_, UC_CPU_X86_PENTIUM2);
  uc_mem_map_ptr(uc_, 0, L::kMemSize, UC_PROT_ALL, ucMem_.data());
  uc_hook hook;
  uc_hook_add(uc_, &hook, UC_HOOK_INTR, reinterpret_cast<void*>(&SystemHarness::onInterrupt), this,
              1, 0);
  uc_context_alloc(uc_, &ucFresh_);
  uc_context_alloc(uc_, &ucScratch_);
  uc_context_save(uc_, ucFresh_);
  return true;
}

// GDT, LDT, IDT (32 interrupt gates to HLT stubs), two TSSs; data below 64 KB random.
void SystemHarness::buildImage() {
  uint8_t* m = bus_.data();
  std::memset(m, 0, L::kMemSize);
  Rng& rng = gen_.rng();
  for (uint32_t a = 0; a < 0x10000; a += 8) {
    uint64_t v = rng.next();
    std::memcpy(m + a, &v, 8);
  }
  for (const L::Desc& d : L::descriptors()) {
    // Accessed bits ([386PRM] 5.1.1: set when a selector for the descriptor is loaded into a
    // segment register) start clear on data descriptors, so MOV/POP/LxS show that they write the
    // bit back. Exclusion: QEMU sets it only in its data-segment load (MOV, POP, LxS), not when a
    // far JMP/CALL/RET or IRET loads CS, or a return to an outer level loads SS, where our CPU
    // (and the manual) sets it. So code descriptors and the ring-1..3 stack descriptors those
    // returns load start with the bit set, and cannot differ.
    L::Desc e = d;
    bool code = (d.access & 0x18) == 0x18;
    uint16_t sel = d.selector;
    if (code || sel == 0x20 || sel == 0x04 || sel == 0x78 || sel == 0x80 || sel == 0x98)
      e.access |= 1;
    uint64_t v = L::encode(e);
    uint32_t at = (d.selector & 4) ? L::kLdt + (d.selector & 0xFFF8) : L::kGdt + d.selector;
    std::memcpy(m + at, &v, 8);
  }
  for (unsigned v = 0; v < L::kVectors; ++v) {
    m[L::kStubs + 16 * v] = 0xF4;
    uint32_t off = L::kStubs + 16 * v;
    uint32_t lo = (off & 0xFFFF) | (0x08u << 16), hi = (off & 0xFFFF0000u) | 0x8E00;
    std::memcpy(m + L::kIdt + 8 * v, &lo, 4);
    std::memcpy(m + L::kIdt + 8 * v + 4, &hi, 4);
  }
  // TSS ([386PRM] 7.2 figure 7-1): ESP0 at 4, SS0 at 8; the I/O map base (at 66h) beyond the
  // limit, so CPL > IOPL denies every port ([386PRM] 8.3.2).
  for (uint32_t tss : {L::kTssA, L::kTssB}) {
    uint32_t esp0 = L::kStack0, ss0 = 0x10, iomap = 0x68u << 16;
    std::memcpy(m + tss + 4, &esp0, 4);
    std::memcpy(m + tss + 8, &ss0, 4);
    std::memcpy(m + tss + 0x64, &iomap, 4);
  }
  // Page tables ([386PRM] 5.2.4 figure 5-10): identity map of the 128 KB, user read/write except
  //   3000h        not present                      (#PF on any access)
  //   4000h        user, read-only                  (#PF on a CPL 3 write, or a CPL 0 one with WP)
  //   5000h        supervisor                       (#PF on a CPL 3 access)
  //   10000h       supervisor, read-only: the GDT, IDT, LDT and TSSs. Descriptor-table reads and
  //                accessed/busy-bit writes are supervisor accesses at every CPL ([386PRM] 6.4,
  //                SDM vol. 3 4.6.1), so they fault only with CR0.WP = 1.
  //   11000h       supervisor read/write: the handler stubs and the ring-0 stack
  uint32_t pde = L::kPageTable | 7;
  std::memcpy(m + L::kPageDir, &pde, 4);
  for (uint32_t page = 0; page < L::kMemSize / 0x1000; ++page) {
    uint32_t flags = 7;
    if (page == 3) flags = 6;
    if (page == 4) flags = 5;
    if (page == 5) flags = 3;
    if (page == 0x10) flags = 1;
    if (page == 0x11) flags = 3;
    uint32_t pte = page << 12 | flags;
    std::memcpy(m + L::kPageTable + 4 * page, &pte, 4);
  }
  // Unicorn's preludes (see setState): MOV CR4, CR3, CR0 from EAX, then a short jump.
  for (unsigned k = 0; k < 2; ++k) {
    uint8_t* p = m + kPrelude + 0x40 * k;
    const uint32_t values[3] = {0, k ? L::kPageDir : 0, k ? 0x80000011u : 0x11u};
    const uint8_t modrm[3] = {0xE0, 0xD8, 0xC0};
    for (unsigned j = 0; j < 3; ++j) {
      *p++ = 0xB8;
      std::memcpy(p, &values[j], 4);
      p += 4;
      *p++ = 0x0F;
      *p++ = 0x22;
      *p++ = modrm[j];
    }
    *p++ = 0xEB;
    *p++ = 0x00;
  }
  tables_.assign(m + L::kGdt, m + L::kTablesEnd);
  pageTables_.assign(m + L::kPageDir, m + L::kPagingEnd);
  std::memcpy(ucMem_.data(), m, L::kMemSize);
}

// Runs three faults with known error codes and one state with known segments on Unicorn and
// finds where a saved context holds them.
void SystemHarness::calibrate() {
  const size_t size = uc_context_size(uc_);
  // MOV ES, AX with selectors beyond the GDT's and the LDT's limits: #GP(selector & ~3).
  const uint16_t probes[3] = {0x0123, 0x0FF9, 0x01FE};
  const uint32_t errors[3] = {0x0120, 0x0FF8, 0x01FC};
  std::vector<std::vector<uint8_t>> blobs;
  std::vector<uint8_t> saveCode(ucMem_.begin() + L::kCode, ucMem_.begin() + L::kCode + 4);
  const uint8_t code[2] = {0x8E, 0xC0};
  std::memcpy(ucMem_.data() + L::kCode, code, 2);
  uc_ctl_remove_cache(uc_, L::kCode, L::kCode + L::kCodeSize);
  State s;
  s.eflags = 2;
  s.r[kEsp] = L::kStackHi;
  for (unsigned k = 0; k < 3; ++k) {
    s.r[kEax] = probes[k];
    setState(s, false);
    Outcome2 o = runUnicorn(2);
    if (o.o.vector != vec::kGp) break;
    uc_context_save(uc_, ucScratch_);
    // uc_context_size() is the whole allocation: a small header, then the copy of the CPU state.
    const uint8_t* raw = reinterpret_cast<const uint8_t*>(ucScratch_);
    blobs.emplace_back(raw, raw + size);
  }
  std::memcpy(ucMem_.data() + L::kCode, saveCode.data(), saveCode.size());
  uc_ctl_remove_cache(uc_, L::kCode, L::kCode + L::kCodeSize);
  if (blobs.size() == 3) {
    for (size_t off = 0; off + 4 <= blobs[0].size() && errorOffset_ < 0; off += 4) {
      bool all = true;
      for (unsigned k = 0; k < 3 && all; ++k) all = load32(&blobs[k][off]) == errors[k];
      if (all) errorOffset_ = static_cast<long>(off);
    }
  }
  // Segments: ES = 48h (base 1000h, limit FFFh), CS = 08h, SS = 10h, DS = 20h, FS = 78h,
  // GS = 04h (LDT); then find six records with those selectors, bases and limits.
  setState(s, false);
  const uint16_t sels[6] = {0x48, 0x08, 0x10, 0x20, 0x78, 0x04};
  for (int k : {0, 3, 4, 5}) {
    uint32_t v = sels[k];
    uc_reg_write(uc_, kUcSeg[k], &v);
  }
  uc_context_save(uc_, ucScratch_);
  const uint8_t* raw = reinterpret_cast<const uint8_t*>(ucScratch_);
  std::vector<uint8_t> blob(raw, raw + size);
  for (unsigned stride : {24u, 16u}) {
    for (size_t off = 0; off + 6 * stride <= blob.size() && segOffset_ < 0; off += 4) {
      bool all = true;
      for (unsigned k = 0; k < 6 && all; ++k) {
        const uint8_t* rec = &blob[off + k * stride];
        const L::Desc* d = L::find(sels[k]);
        uint64_t base = stride == 24 ? load64(rec + 8) : load32(rec + 4);
        uint32_t limit = load32(rec + (stride == 24 ? 16 : 8));
        all = load32(rec) == sels[k] && d && base == d->base && limit == d->limit;
      }
      if (all) {
        segOffset_ = static_cast<long>(off);
        segStride_ = stride;
      }
    }
    if (segOffset_ >= 0) break;
  }
  std::memcpy(ucMem_.data(), bus_.data(), L::kMemSize);  // undo the accessed bits it set
}

void SystemHarness::setState(const State& s, bool paging) {
  uc_context_restore(uc_, ucFresh_);
  // Unicorn 2.0.1's uc_reg_write stores CR0, CR3 and CR4 without QEMU's side effects (no TLB
  // flush, no mode flags), so Unicorn sets them by running MOV CRn: that flushes its TLB, whose
  // entries from the previous sequence would otherwise skip this one's permission checks.
  const uint32_t prelude = kPrelude + (paging ? 0x40 : 0);
  uc_emu_start(uc_, prelude, prelude + kPreludeLen, 0, 0);
  // Unicorn finds the translations to drop through the current page tables, so only now.
  uc_ctl_remove_cache(uc_, L::kGdt, L::kPagingEnd);
  for (int k = 0; k < 8; ++k) {
    cpu_.setReg(static_cast<Reg>(k), s.r[k]);
    uc_reg_write(uc_, kUcReg[k], &s.r[k]);
  }
  // Ours: protected mode, CS = 08h, the others 10h (the GDT's first two entries), tables loaded.
  cpu_.enterFlatProtectedMode(0x08, 0x10);
  // CR3 is written even when it does not change: that flushes both TLBs, whose entries from the
  // previous sequence would skip this one's accessed-bit updates.
  const uint32_t cr0 = paging ? 0x80000011u : 0x11u, cr3 = paging ? L::kPageDir : 0;
  cpu_.setCr3(cr3);
  cpu_.setCr0(cr0);  // PE and ET (and PG), as Unicorn's below
  cpu_.setCr4(0);
  cpu_.setCr2(0);
  cpu_.setGdtr(DescriptorTable{L::kGdt, L::kGdtLimit});
  cpu_.setIdtr(DescriptorTable{L::kIdt, static_cast<uint16_t>(8 * L::kVectors - 1)});
  const uint8_t* m = bus_.data();
  auto fromGdt = [&](uint16_t sel) {
    return Cpu::segmentFromDescriptor(sel, load32(m + L::kGdt + sel),
                                      load32(m + L::kGdt + sel + 4));
  };
  cpu_.setLdtr(fromGdt(L::kLdtr));
  cpu_.setTr(fromGdt(L::kTr));
  for (uint32_t& d : cpu_.dr_) d = 0;
  cpu_.dr_[6] = kDr6;
  cpu_.dr_[7] = kDr7;
  cpu_.setEflags(s.eflags);
  cpu_.setEip(L::kCode);
  // Unicorn: the same tables, then CS and the data segments loaded from the GDT.
  uint32_t zero = 0, dr6 = kDr6, dr7 = kDr7;
  uc_reg_write(uc_, UC_X86_REG_CR2, &zero);
  for (int k = 0; k < 4; ++k) uc_reg_write(uc_, UC_X86_REG_DR0 + k, &zero);
  uc_reg_write(uc_, UC_X86_REG_DR6, &dr6);
  uc_reg_write(uc_, UC_X86_REG_DR7, &dr7);
  uc_x86_mmr gdt{0, L::kGdt, L::kGdtLimit, 0}, idt{0, L::kIdt, 8 * L::kVectors - 1, 0};
  uc_reg_write(uc_, UC_X86_REG_GDTR, &gdt);
  uc_reg_write(uc_, UC_X86_REG_IDTR, &idt);
  uc_x86_mmr ldt{L::kLdtr, cpu_.ldtr().base, cpu_.ldtr().limit, load32(m + L::kGdt + L::kLdtr + 4)};
  uc_x86_mmr tr{L::kTr, cpu_.tr().base, cpu_.tr().limit, load32(m + L::kGdt + L::kTr + 4)};
  uc_reg_write(uc_, UC_X86_REG_LDTR, &ldt);
  uc_reg_write(uc_, UC_X86_REG_TR, &tr);
  for (int k = 0; k < 6; ++k) {
    uint32_t sel = k == kCs ? 0x08 : 0x10;
    uc_reg_write(uc_, kUcSeg[k], &sel);
  }
  uc_reg_write(uc_, UC_X86_REG_EFLAGS, &s.eflags);
}

SystemHarness::Outcome2 SystemHarness::runUnicorn(uint32_t stop) {
  Outcome2 r;
  Outcome& o = r.o;
  ucVector_ = -1;
  uc_err err = uc_emu_start(uc_, L::kCode, L::kCode + stop, 0,
                            0);  // a count would add a hook whose removal flushes every TB
  o = readUnicornOutcome(uc_, err, ucVector_);
  uc_x86_mmr mmr;
  uc_reg_read(uc_, UC_X86_REG_GDTR, &mmr);
  r.gdtBase = static_cast<uint32_t>(mmr.base);
  r.gdtLimit = mmr.limit;
  uc_reg_read(uc_, UC_X86_REG_IDTR, &mmr);
  r.idtBase = static_cast<uint32_t>(mmr.base);
  r.idtLimit = mmr.limit;
  uc_reg_read(uc_, UC_X86_REG_LDTR, &mmr);
  r.ldtr =
      Hidden{mmr.selector, static_cast<uint32_t>(mmr.base), mmr.limit,
             static_cast<uint8_t>(mmr.flags >> 8), static_cast<uint8_t>((mmr.flags >> 20) & 0xF)};
  uc_reg_read(uc_, UC_X86_REG_TR, &mmr);
  r.tr =
      Hidden{mmr.selector, static_cast<uint32_t>(mmr.base), mmr.limit,
             static_cast<uint8_t>(mmr.flags >> 8), static_cast<uint8_t>((mmr.flags >> 20) & 0xF)};
  for (int k : {0, 2, 3, 4}) uc_reg_read(uc_, kUcCr[k], &r.cr[k]);
  for (int k : {0, 1, 2, 3, 6, 7}) uc_reg_read(uc_, UC_X86_REG_DR0 + k, &r.dr[k]);
  if (errorOffset_ >= 0 || segOffset_ >= 0) {
    uc_context_save(uc_, ucScratch_);
    const uint8_t* raw = reinterpret_cast<const uint8_t*>(ucScratch_);
    if (errorOffset_ >= 0 && pushesErrorCode(o.vector)) r.error = load32(raw + errorOffset_);
    if (segOffset_ >= 0) {
      for (int k = 0; k < 6; ++k) {
        const uint8_t* rec = raw + segOffset_ + k * segStride_;
        uint32_t flags = load32(rec + (segStride_ == 24 ? 20 : 12));
        r.seg[k].selector = static_cast<uint16_t>(load32(rec));
        r.seg[k].base = static_cast<uint32_t>(segStride_ == 24 ? load64(rec + 8) : load32(rec + 4));
        r.seg[k].limit = load32(rec + (segStride_ == 24 ? 16 : 8));
        r.seg[k].access = static_cast<uint8_t>(flags >> 8);
        r.seg[k].flags = static_cast<uint8_t>((flags >> 20) & 0xF);
      }
    }
  }
  return r;
}

SystemHarness::Outcome2 SystemHarness::runOurs(uint32_t stop) {
  Outcome2 r;
  Outcome& o = r.o;
  ourVector_ = -1;
  ourError_ = 0;
  const uint32_t end = L::kCode + stop;
  for (unsigned k = 0; k < 2000; ++k) {
    uint32_t lin = cpu_.segment(kCs).base + cpu_.eip();
    if (lin == end || ourVector_ >= 0) break;
    RunResult res = cpu_.step();
    if (ourVector_ >= 0) break;
    if (res.reason != StopReason::kInstructionLimit) {
      o.problem = std::string("stopped: ") + stopReasonName(res.reason) + " " + cpu_.stopMessage();
      break;
    }
  }
  o.vector = ourVector_;
  r.error = ourError_;
  for (int k = 0; k < 8; ++k) o.state.r[k] = cpu_.reg(static_cast<Reg>(k));
  o.state.eip = cpu_.eip();
  o.state.eflags = cpu_.eflags();
  for (int k = 0; k < 6; ++k) {
    const Segment& s = cpu_.segment(static_cast<SegReg>(k));
    o.state.sel[k] = s.selector;
    r.seg[k] = Hidden{s.selector, s.base, s.limit, s.access, s.flags};
  }
  const Segment& ldt = cpu_.ldtr();
  const Segment& tr = cpu_.tr();
  r.ldtr = Hidden{ldt.selector, ldt.base, ldt.limit, ldt.access, ldt.flags};
  r.tr = Hidden{tr.selector, tr.base, tr.limit, tr.access, tr.flags};
  r.gdtBase = cpu_.gdtr().base;
  r.gdtLimit = cpu_.gdtr().limit;
  r.idtBase = cpu_.idtr().base;
  r.idtLimit = cpu_.idtr().limit;
  r.cr[0] = cpu_.cr0();
  r.cr[2] = cpu_.cr2();
  r.cr[3] = cpu_.cr3();
  r.cr[4] = cpu_.cr4();
  for (int k = 0; k < 8; ++k) r.dr[k] = cpu_.dr_[k];
  return r;
}

std::string SystemHarness::compare(const Sequence& seq, Outcome2& ours, const Outcome2& theirs) {
  (void)seq;
  std::ostringstream why;
  if (!theirs.o.problem.empty()) return "Unicorn " + theirs.o.problem;
  if (!ours.o.problem.empty()) return "our CPU " + ours.o.problem;
  if (ours.o.vector != theirs.o.vector)
    return "exception: ours " + std::to_string(ours.o.vector) + ", Unicorn " +
           std::to_string(theirs.o.vector);
  State got = ours.o.state;
  const State& want = theirs.o.state;
  if (ours.o.vector >= 0) {
    if (pushesErrorCode(ours.o.vector) && errorOffset_ >= 0 && ours.error != theirs.error)
      why << "error code " << hex(ours.error, 4) << " != " << hex(theirs.error, 4) << "; ";
    // Our CPU went on to deliver the exception. Read its frame ([386PRM] 9.6.1 figure 9-5) to
    // recover the state at the fault, and put back the memory the frame covered.
    // The step that faulted ran the delivery too: EIP is at the stub (the HLT has not run yet).
    uint32_t sp = got.r[kEsp];
    unsigned first = pushesErrorCode(ours.o.vector) ? 1 : 0;
    uint32_t frame[6] = {};
    for (unsigned k = 0; k < first + 5 && sp + 4 * k + 4 <= L::kMemSize; ++k)
      frame[k] = load32(&bus_.data()[sp + 4 * k]);
    bool outer = (frame[first + 1] & 3) != 0;
    unsigned slots = first + (outer ? 5 : 3);
    for (unsigned k = 0; k < 4 * slots && sp + k < L::kMemSize; ++k)
      bus_.data()[sp + k] = ucMem_[sp + k];
    got.eip = frame[first];
    got.sel[kCs] = static_cast<uint16_t>(frame[first + 1]);
    got.eflags = frame[first + 2];
    got.r[kEsp] = outer ? frame[first + 3] : sp + 4 * slots;
    if (outer) got.sel[kSs] = static_cast<uint16_t>(frame[first + 4]);
  }
  for (int k = 0; k < 8; ++k)
    if (got.r[k] != want.r[k])
      why << kRegName[k] << " " << hex(got.r[k]) << " != " << hex(want.r[k]) << "; ";
  if (got.eip != want.eip) why << "EIP " << hex(got.eip) << " != " << hex(want.eip) << "; ";
  if (got.eflags != want.eflags)
    why << "EFLAGS " << hex(got.eflags) << " != " << hex(want.eflags) << " (xor "
        << hex(got.eflags ^ want.eflags) << "); ";
  // Exclusion: after a RET or IRET to an outer level, QEMU leaves FS and GS alone when they hold
  // a null selector (its validate_seg skips them, for x86-64's sake), so a null selector with a
  // nonzero RPL survives there. The SDM's pseudo-code (RET, IRET: "FOR each of segment register
  // ES, FS, GS, and DS") and Bochs null all four, as our CPU does.
  for (int k : {kFs, kGs})
    if (got.sel[k] == 0 && want.sel[k] != 0 && (want.sel[k] & 0xFFFC) == 0)
      got.sel[k] = want.sel[k];
  for (int k = 0; k < 6; ++k)
    if (got.sel[k] != want.sel[k])
      why << kSegName[k] << " " << hex(got.sel[k], 4) << " != " << hex(want.sel[k], 4) << "; ";
  // Hidden parts: of usable segments only (a null selector's base and limit are not defined), and
  // of CS and SS only when no exception replaced them with the handler's.
  if (segOffset_ >= 0) {
    for (int k = 0; k < 6; ++k) {
      if ((k == kCs || k == kSs) && ours.o.vector >= 0) continue;
      const Hidden& a = ours.seg[k];
      const Hidden& b = theirs.seg[k];
      if ((a.selector & 0xFFFC) == 0 || a.selector != b.selector) continue;
      if (a.base != b.base || a.limit != b.limit || a.access != b.access || a.flags != b.flags)
        why << kSegName[k] << " hidden base/limit/access/flags " << hex(a.base) << "/"
            << hex(a.limit) << "/" << hex(a.access, 2) << "/" << hex(a.flags, 1)
            << " != " << hex(b.base) << "/" << hex(b.limit) << "/" << hex(b.access, 2) << "/"
            << hex(b.flags, 1) << "; ";
    }
  }
  auto sys = [&](const char* name, const Hidden& a, const Hidden& b) {
    if (a.selector != b.selector) {
      why << name << " " << hex(a.selector, 4) << " != " << hex(b.selector, 4) << "; ";
    } else if ((a.selector & 0xFFFC) &&
               (a.base != b.base || a.limit != b.limit || a.access != b.access)) {
      why << name << " base/limit/access " << hex(a.base) << "/" << hex(a.limit) << "/"
          << hex(a.access, 2) << " != " << hex(b.base) << "/" << hex(b.limit) << "/"
          << hex(b.access, 2) << "; ";
    }
  };
  // A #PF while setting a descriptor's accessed or busy bit (the read-only GDT page with
  // CR0.WP = 1): QEMU stores the descriptor's whole high dword (CR2 = descriptor + 4), we store its
  // access byte (CR2 = descriptor + 5); the manuals do not say which address the locked update
  // uses, so the two are equal here. QEMU's LTR also loads TR before its busy-bit store faults,
  // leaving the instruction half done (SDM vol. 3 6.5: a fault leaves the state as before the
  // instruction, as ours does), so TR is not compared after such a fault.
  const bool tableWriteFault = ours.o.vector == vec::kPf && (ours.cr[2] & ~0xFFFu) == L::kGdt;
  if (tableWriteFault && (ours.cr[2] ^ theirs.cr[2]) <= 3) ours.cr[2] = theirs.cr[2];
  if (tableWriteFault) ours.tr = theirs.tr;
  sys("LDTR", ours.ldtr, theirs.ldtr);
  // TR's cached type: QEMU's LTR caches the descriptor as read (available, type 9) and sets the
  // busy bit only in memory; ours caches it busy (type B). The cache's busy bit is not visible to
  // software (the GDT's bit, compared with memory, is), so it is not compared.
  Hidden ourTr = ours.tr, theirTr = theirs.tr;
  ourTr.access |= 2;
  theirTr.access |= 2;
  sys("TR", ourTr, theirTr);
  if (ours.gdtBase != theirs.gdtBase || ours.gdtLimit != theirs.gdtLimit)
    why << "GDTR " << hex(ours.gdtBase) << "/" << hex(ours.gdtLimit, 4)
        << " != " << hex(theirs.gdtBase) << "/" << hex(theirs.gdtLimit, 4) << "; ";
  if (ours.idtBase != theirs.idtBase || ours.idtLimit != theirs.idtLimit)
    why << "IDTR " << hex(ours.idtBase) << "/" << hex(ours.idtLimit, 4)
        << " != " << hex(theirs.idtBase) << "/" << hex(theirs.idtLimit, 4) << "; ";
  for (int k : {0, 2, 3, 4})
    if (ours.cr[k] != theirs.cr[k])
      why << "CR" << k << " " << hex(ours.cr[k]) << " != " << hex(theirs.cr[k]) << "; ";
  for (int k : {0, 1, 2, 3, 6, 7})
    if (ours.dr[k] != theirs.dr[k])
      why << "DR" << k << " " << hex(ours.dr[k]) << " != " << hex(theirs.dr[k]) << "; ";
  // Exclusion: Unicorn 2.0.1's page walk does not store the accessed and dirty bits it sets into
  // the memory the harness maps (they never appear there), so those two bits of the PDE and PTEs
  // are not compared; tests/mmu checks them against the manual ([386PRM] 5.2.4.4).
  for (uint32_t a = L::kPageDir; a < L::kPagingEnd; a += 4)
    if ((bus_.data()[a] ^ ucMem_[a]) & ~0x60u)
      continue;
    else
      bus_.data()[a] = ucMem_[a];
  if (std::memcmp(bus_.data(), ucMem_.data(), L::kMemSize) != 0) {
    why << "memory:";
    unsigned shown = 0;
    for (uint32_t a = 0; a < L::kMemSize && shown < 16; ++a) {
      if (bus_.data()[a] == ucMem_[a]) continue;
      why << " [" << hex(a, 5) << "] ours " << hex(bus_.data()[a], 2) << " Unicorn "
          << hex(ucMem_[a], 2) << " before " << hex(before_[a], 2) << ";";
      ++shown;
    }
  }
  return why.str();
}

std::string SystemHarness::runBoth(const Sequence& seq, const State& init, bool paging,
                                   uint32_t stop, Outcome2& ours, Outcome2& theirs) {
  setState(init, paging);
  theirs = runUnicorn(stop);
  ours = runOurs(stop);
  return compare(seq, ours, theirs);
}

std::string SystemHarness::reproducer(const Sequence& seq, const State& init, bool paging,
                                      const Outcome2& ours, const Outcome2& theirs,
                                      const std::string& why, uint64_t index) {
  std::ostringstream out;
  out << "MISMATCH in system mode" << (paging ? " (paging on)" : "") << ": " << why << "\n"
      << "  seed " << seed_ << ", sequence " << index << " (rerun: XRAY86_DIFF_SEED=" << seed_
      << ")\n";
  int culprit = -1;
  for (size_t j = 0; j < seq.insns.size(); ++j) {
    uint32_t stop =
        j + 1 < seq.insns.size() ? seq.insns[j + 1].offset : static_cast<uint32_t>(seq.code.size());
    std::memcpy(bus_.data(), before_.data(), L::kMemSize);
    std::memcpy(ucMem_.data(), before_.data(), L::kMemSize);
    cpu_.flushDecodedCode();
    uc_ctl_remove_cache(uc_, 0, L::kMemSize);
    Outcome2 o, t;
    if (!runBoth(seq, init, paging, stop, o, t).empty()) {
      culprit = static_cast<int>(j);
      break;
    }
    if (t.o.vector >= 0) break;
  }
  out << "  code (" << seq.code.size() << " bytes at " << hex(L::kCode) << "):\n";
  for (size_t j = 0; j < seq.insns.size(); ++j) {
    const Placed& p = seq.insns[j];
    std::string bytes;
    for (unsigned k = 0; k < p.len; ++k) bytes += hex(seq.code[p.offset + k], 2) + " ";
    out << (static_cast<int>(j) == culprit ? "  >> " : "     ") << hex(L::kCode + p.offset) << "  "
        << bytes << std::string(bytes.size() < 48 ? 48 - bytes.size() : 1, ' ')
        << disassemble(&seq.code[p.offset], p.len, true, L::kCode + p.offset)
        << (p.setup ? "   (setup)" : "") << "\n";
  }
  auto fmt = [](const State& s) {
    std::string t;
    for (int k = 0; k < 8; ++k) t += std::string(kRegName[k]) + "=" + hex(s.r[k]) + " ";
    t += "EIP=" + hex(s.eip) + " EFLAGS=" + hex(s.eflags);
    for (int k = 0; k < 6; ++k) t += std::string(" ") + kSegName[k] + "=" + hex(s.sel[k], 4);
    return t;
  };
  if (culprit >= 0) out << "  (>> marks the first instruction after which the two differ)\n";
  out << "  initial: " << fmt(init) << "\n"
      << "  ours:    " << fmt(ours.o.state)
      << (ours.o.vector >= 0
              ? " vector " + std::to_string(ours.o.vector) + " error " + hex(ours.error, 4)
              : "")
      << "\n"
      << "  Unicorn: " << fmt(theirs.o.state)
      << (theirs.o.vector >= 0
              ? " vector " + std::to_string(theirs.o.vector) + " error " + hex(theirs.error, 4)
              : "")
      << "\n";
  return out.str();
}

// Puts `code` at kCode in both memories and the pristine tables back; drops stale translations.
void SystemHarness::place(const std::vector<uint8_t>& code) {
  for (uint8_t* m : {bus_.data(), ucMem_.data()}) {
    std::memset(m + L::kCode, 0, L::kCodeSize);
    std::memcpy(m + L::kCode, code.data(), code.size());
    std::memcpy(m + L::kGdt, tables_.data(), tables_.size());
    std::memcpy(m + L::kPageDir, pageTables_.data(), pageTables_.size());
  }
  cpu_.invalidateCode(L::kCode,
                      L::kCodeSize);  // (flushDecodedCode clears megabytes: too slow per run)
  // Unicorn's stale translations are dropped in setState, once paging is in its known state.
  std::memcpy(before_.data(), ucMem_.data(), L::kMemSize);
}

Totals SystemHarness::run(uint64_t instructions, unsigned maxReports) {
  Totals t;
  if (!uc_ || !calibrated()) {
    ++t.mismatches;
    std::fprintf(
        stderr,
        "Unicorn failed to open or its context could not be calibrated (error code at %ld, "
        "segments at %ld)\n",
        errorOffset_, segOffset_);
    return t;
  }
  uint64_t index = 0;
  const bool trace = std::getenv("XRAY86_DIFF_TRACE") != nullptr;
  while (t.generated < instructions) {
    if (index && index % 100000 == 0 && !openUnicorn()) {  // see DiffHarness::run
      ++t.mismatches;
      std::fprintf(stderr, "Unicorn failed to reopen\n");
      return t;
    }
    Sequence seq = gen_.next(6);
    const bool paging = gen_.paging();
    if (trace) {
      std::fprintf(stderr, "sequence %llu:", static_cast<unsigned long long>(index));
      for (uint8_t b : seq.code) std::fprintf(stderr, " %02X", b);
      std::fprintf(stderr, "\n");
    }
    State init;
    for (int k = 0; k < 8; ++k) init.r[k] = gen_.randomRegister();
    init.r[kEsp] = L::kStackLo + 0x800 + 4 * gen_.rng().below(0x200);
    // IOPL 0 (the generator's model starts from it), no TF (a #DB after each instruction), no NT.
    init.eflags =
        (gen_.rng().u32() & (flag::kArith | flag::kIf | flag::kDf | flag::kAc | flag::kId)) |
        flag::kFixed;
    place(seq.code);
    Outcome2 ours, theirs;
    std::string why =
        runBoth(seq, init, paging, static_cast<uint32_t>(seq.code.size()), ours, theirs);
    ++t.sequences;
    for (const Placed& p : seq.insns) {
      if (theirs.o.vector >= 0 && L::kCode + p.offset > theirs.o.state.eip) break;
      ++t.executed;
      if (!p.setup) ++t.generated;
    }
    if (theirs.o.vector >= 0 && why.empty()) {
      ++t.exceptions;
      if (theirs.o.vector < 32) ++vectorCounts_[theirs.o.vector];
    }
    if (!why.empty()) {
      ++t.mismatches;
      if (t.mismatches <= maxReports)
        std::fprintf(stderr, "%s", reproducer(seq, init, paging, ours, theirs, why, index).c_str());
      else if (std::getenv("XRAY86_DIFF_ALL"))
        std::fprintf(stderr, "MISMATCH (sequence %llu): %s\n",
                     static_cast<unsigned long long>(index), why.c_str());
      std::memcpy(bus_.data(), before_.data(), L::kMemSize);
      std::memcpy(ucMem_.data(), before_.data(), L::kMemSize);
    }
    ++index;
  }
  return t;
}

bool SystemHarness::runOne(const std::vector<uint8_t>& code, const State& init, std::string& report,
                           State* oursOut, bool paging) {
  Sequence seq;
  seq.code = code;
  for (uint32_t off = 0; off < code.size();) {
    Insn insn;
    if (decodeInstruction(code.data() + off, static_cast<unsigned>(code.size() - off), true,
                          insn) != DecodeStatus::kOk)
      break;
    seq.insns.push_back(Placed{off, insn.len, false});
    off += insn.len;
  }
  place(code);
  Outcome2 ours, theirs;
  std::string why = runBoth(seq, init, paging, static_cast<uint32_t>(code.size()), ours, theirs);
  if (oursOut) *oursOut = ours.o.state;
  if (why.empty()) return true;
  report = reproducer(seq, init, paging, ours, theirs, why, 0);
  return false;
}

uint32_t SystemHarness::ourDword(uint32_t address) const {
  return address + 4 <= L::kMemSize ? load32(&const_cast<FlatRamBus&>(bus_).data()[address]) : 0;
}

}  // namespace emu::diff
