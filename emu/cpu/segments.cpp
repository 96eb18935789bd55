// Segmentation: descriptor reads, segment register loads and their checks ([386PRM] chapter 6),
// far JMP/CALL/RET and IRET, LAR/LSL/VERR/VERW, LLDT/LTR, the I/O permission bitmap. Far
// transfers through gates and to TSSs continue in gates.cpp and task.cpp, virtual-8086 mode's
// IRET in v86.cpp.
#include "emu/cpu/cpu.h"
#include "emu/cpu/exec_common.h"
#include "emu/cpu/exec_system.h"

namespace emu {

namespace {
// Descriptor layout ([386PRM] 5.1.1):
//   lo: limit 15..0 | base 15..0 << 16
//   hi: base 23..16 | access << 8 | limit 19..16 << 16 | flags << 20 | base 31..24 << 24
constexpr uint32_t sel_index(uint16_t sel) {
  return sel & 0xFFF8u;
}
constexpr uint32_t sel_err(uint16_t sel) {
  return sel & 0xFFFCu;
}
}  // namespace

Segment Core::segmentFromDescriptor(uint16_t selector, uint32_t lo, uint32_t hi) {
  Segment s;
  s.selector = selector;
  s.base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u);
  uint32_t limit = (lo & 0xFFFF) | (hi & 0xF0000);
  s.flags = static_cast<uint8_t>((hi >> 20) & 0xF);
  s.limit = (s.flags & 0x8) ? (limit << 12) | 0xFFF : limit;
  s.access = static_cast<uint8_t>(hi >> 8);
  deriveChecks(s);
  return s;
}

// Reads the 8-byte descriptor `selector` names, from the GDT or the LDT. #GP(selector) when it
// lies beyond the table's limit.
bool Core::readDescriptor(uint16_t selector, uint32_t& lo, uint32_t& hi) {
  uint32_t base, limit;
  if (selector & 4) {
    if ((ldtr_.selector & 0xFFFC) == 0 || !ldtr_.present()) return gp(sel_err(selector));
    base = ldtr_.base;
    limit = ldtr_.limit;
  } else {
    base = gdtr_.base;
    limit = gdtr_.limit;
  }
  if ((selector | 7u) > limit) return gp(sel_err(selector));
  uint32_t addr = base + sel_index(selector);
  return readLinear(addr, 4, lo, false) && readLinear(addr + 4, 4, hi, false);
}

// Sets the accessed bit in memory when a segment descriptor is loaded ([386PRM] 6.3.1.1).
bool Core::setAccessedBit(uint16_t selector, uint32_t hi) {
  if (hi & 0x100) return true;
  uint32_t base = (selector & 4) ? ldtr_.base : gdtr_.base;
  return writeLinear(base + sel_index(selector) + 5, 1, ((hi >> 8) & 0xFF) | 1, false);
}

bool Core::loadSegmentChecked(unsigned s, uint16_t selector) {
  if (realSegments()) {
    setSegmentReal(static_cast<SegReg>(s), selector);
    return true;
  }
  uint8_t rpl = selector & 3;
  if (s == kSs) {
    if ((selector & 0xFFFC) == 0) return gp(0);
    if (rpl != cpl_) return gp(sel_err(selector));
    uint32_t lo, hi;
    if (!readDescriptor(selector, lo, hi)) return false;
    Segment d = segmentFromDescriptor(selector, lo, hi);
    if ((d.access & 0x1A) != 0x12 || d.dpl() != cpl_) return gp(sel_err(selector));
    if (!d.present()) return fault(vec::kSs, sel_err(selector));
    if (!setAccessedBit(selector, hi)) return false;
    d.access |= 1;
    seg_[kSs] = d;
    stackBig_ = d.big();
    return true;
  }
  if ((selector & 0xFFFC) == 0) {
    // A null selector loads an unusable segment: any access through it is #GP(0).
    seg_[s] = unusableSegment(selector);
    return true;
  }
  uint32_t lo, hi;
  if (!readDescriptor(selector, lo, hi)) return false;
  Segment d = segmentFromDescriptor(selector, lo, hi);
  bool data = (d.access & 0x18) == 0x10;
  bool code = (d.access & 0x18) == 0x18;
  if (!data && !(code && (d.access & 0x2))) return gp(sel_err(selector));
  if (data || !(d.access & 0x4)) {  // data and non-conforming code: RPL and CPL <= DPL
    if (rpl > d.dpl() || cpl_ > d.dpl()) return gp(sel_err(selector));
  }
  if (!d.present()) return fault(vec::kNp, sel_err(selector));
  if (!setAccessedBit(selector, hi)) return false;
  d.access |= 1;
  seg_[s] = d;
  return true;
}

void Core::loadStack(Segment ss, uint32_t sp) {
  ss.access |= 1;
  seg_[kSs] = ss;
  stackBig_ = ss.big();
  setStackPtr(*this, sp);
}

void Core::loadCsProtected(uint16_t selector, const Segment& desc, uint8_t newCpl) {
  Segment cs = desc;
  cs.selector = static_cast<uint16_t>((selector & 0xFFFC) | newCpl);
  cs.access |= 1;
  deriveChecks(cs);
  seg_[kCs] = cs;
  cpl_ = newCpl;
  refreshMode();
}

// After a return to an outer level, data segment registers the new level may not use become
// null ([386PRM] RET, IRET). That includes a null selector with a nonzero RPL (its cached DPL is
// 0): it reads 0 afterwards, as on QEMU and Bochs; a null selector cached as usable (from real
// mode) becomes unusable.
void Core::nullInvalidDataSegments() {
  for (unsigned s : {kEs, kDs, kFs, kGs}) {
    const Segment& d = seg_[s];
    bool conformingCode = (d.access & 0x1C) == 0x1C;
    if (!conformingCode && d.dpl() < cpl_) seg_[s] = unusableSegment(0);
  }
}

namespace {
// Reads the descriptor a far JMP/CALL names. `system`: a system descriptor (a gate or a TSS),
// which gates.cpp takes from there.
bool readFarTarget(Core& c, uint16_t sel, uint32_t& lo, uint32_t& hi, bool& system) {
  if ((sel & 0xFFFC) == 0) return c.gp(0);
  if (!c.readDescriptor(sel, lo, hi)) return false;
  system = (hi & 0x1000) == 0;
  return true;
}

// Checks a far JMP/CALL target code segment ([386PRM] JMP): returns the descriptor.
bool checkFarTarget(Core& c, uint16_t sel, uint32_t lo, uint32_t hi, Segment& d) {
  d = Core::segmentFromDescriptor(sel, lo, hi);
  if (!d.code()) return c.gp(sel_err(sel));
  if (d.access & 0x4) {
    if (d.dpl() > c.cpl_) return c.gp(sel_err(sel));
  } else {
    if ((sel & 3) > c.cpl_ || d.dpl() != c.cpl_) return c.gp(sel_err(sel));
  }
  if (!d.present()) return c.fault(vec::kNp, sel_err(sel));
  return true;
}
}  // namespace

bool Core::farJump(uint16_t selector, uint32_t offset) {
  if (realSegments()) {
    setSegmentReal(kCs, selector);
    branch(offset);
    return true;
  }
  Segment d;
  uint32_t lo, hi;
  bool system;
  if (!readFarTarget(*this, selector, lo, hi, system)) return false;
  if (system) return farTransferSystem(selector, lo, hi, false);
  if (!checkFarTarget(*this, selector, lo, hi, d)) return false;
  if (offset > d.limit) return gp(0);
  if (!setAccessedBit(selector, hi)) return false;
  loadCsProtected(selector, d, cpl_);
  branch(offset);
  if (pe_) cycles_ += cost::kJmpFarPm - cost::kJmpFar;
  return true;
}

bool Core::farCall(uint16_t selector, uint32_t offset, bool op32) {
  bool pm = !realSegments();
  uint32_t lo = 0, hi = 0;
  if (pm && (selector & 0xFFFC) != 0) {
    // A gate or a TSS: its own checks and stack (gates.cpp, task.cpp).
    if (!readDescriptor(selector, lo, hi)) return false;
    if (!(hi & 0x1000)) return farTransferSystem(selector, lo, hi, true);
  }
  unsigned w = op32 ? 4 : 2;
  uint32_t sp = stackPtr(*this);
  uint32_t low = stackAdd(*this, sp, -static_cast<int32_t>(2 * w));
  const Segment& ss = seg_[kSs];
  if (!ss.writable || !segRangeOk(ss, low, 2 * w)) return segFault(kSs);
  Segment d;
  if (pm) {
    if ((selector & 0xFFFC) == 0) return gp(0);
    if (!checkFarTarget(*this, selector, lo, hi, d)) return false;
    if (offset > d.limit) return gp(0);
  }
  if (!probeWrite(ss.base + low, 2 * w, user())) return false;
  if (pm && !setAccessedBit(selector, hi)) return false;
  uint32_t retCs = seg_[kCs].selector, retIp = eip_;
  if (!writeLinear(ss.base + stackAdd(*this, sp, -static_cast<int32_t>(w)), w, retCs, user()) ||
      !writeLinear(ss.base + low, w, retIp, user()))
    return false;
  setStackPtr(*this, low);
  if (pm) {
    loadCsProtected(selector, d, cpl_);
    cycles_ += cost::kCallFarPm - cost::kCallFar;
  } else {
    setSegmentReal(kCs, selector);
  }
  branch(op32 ? offset : (offset & 0xFFFF));
  return true;
}

// Checks the code segment a RET/IRET returns to ([386PRM] RET): the selector's RPL is the new CPL.
static bool checkReturnTarget(Core& c, uint16_t sel, Segment& d, uint32_t& hi) {
  if ((sel & 0xFFFC) == 0) return c.gp(0);
  uint8_t rpl = sel & 3;
  if (rpl < c.cpl_) return c.gp(sel_err(sel));
  uint32_t lo;
  if (!c.readDescriptor(sel, lo, hi)) return false;
  d = Core::segmentFromDescriptor(sel, lo, hi);
  if (!d.code()) return c.gp(sel_err(sel));
  if (d.access & 0x4) {
    if (d.dpl() > rpl) return c.gp(sel_err(sel));
  } else {
    if (d.dpl() != rpl) return c.gp(sel_err(sel));
  }
  if (!d.present()) return c.fault(vec::kNp, sel_err(sel));
  return true;
}

// Checks the stack segment of a return to an outer level.
static bool checkOuterStack(Core& c, uint16_t ssSel, uint8_t rpl, Segment& ss) {
  if ((ssSel & 0xFFFC) == 0) return c.gp(0);
  if ((ssSel & 3) != rpl) return c.gp(sel_err(ssSel));
  uint32_t lo, hi;
  if (!c.readDescriptor(ssSel, lo, hi)) return false;
  ss = Core::segmentFromDescriptor(ssSel, lo, hi);
  if ((ss.access & 0x1A) != 0x12 || ss.dpl() != rpl) return c.gp(sel_err(ssSel));
  if (!ss.present()) return c.fault(vec::kSs, sel_err(ssSel));
  return c.setAccessedBit(ssSel, hi);
}

// A far RET or IRET to an outer level has completed: count an entry to user mode and tell the
// observers (the tracer closes system calls and settles page faults there).
void Core::returnedOutward(uint32_t ip, uint8_t fromCpl) {
  if (cpl_ == 3) {
    ++userEntries_;
    mmu_.returnedToUser(ip);
  }
  if (events_.active()) events_.outerReturn(ReturnEvent{ip, r_[kEax], fromCpl, cpl_});
}

bool Core::farReturn(bool op32, uint16_t popExtra) {
  unsigned w = op32 ? 4 : 2;
  uint32_t ip, sel;
  bool ipOk = w == 4 ? readMem<4>(*this, kSs, stackPtr(*this), ip)
                     : readMem<2>(*this, kSs, stackPtr(*this), ip);
  if (!ipOk) return false;
  if (!readMem<2>(*this, kSs, stackAdd(*this, stackPtr(*this), static_cast<int32_t>(w)), sel))
    return false;
  if (!op32) ip &= 0xFFFF;
  if (realSegments()) {
    setSegmentReal(kCs, static_cast<uint16_t>(sel));
    setStackPtr(*this, stackAdd(*this, stackPtr(*this), static_cast<int32_t>(2 * w + popExtra)));
    branch(ip);
    return true;
  }
  Segment d;
  uint32_t hi;
  if (!checkReturnTarget(*this, static_cast<uint16_t>(sel), d, hi)) return false;
  uint8_t rpl = sel & 3;
  if (ip > d.limit) return gp(0);
  if (rpl == cpl_) {
    if (!setAccessedBit(static_cast<uint16_t>(sel), hi)) return false;
    loadCsProtected(static_cast<uint16_t>(sel), d, rpl);
    setStackPtr(*this, stackAdd(*this, stackPtr(*this), static_cast<int32_t>(2 * w + popExtra)));
    branch(ip);
    cycles_ += cost::kRetFarPm - cost::kRetFar;
    return true;
  }
  // Return to an outer level: ESP and SS follow the parameters.
  uint32_t base = stackAdd(*this, stackPtr(*this), static_cast<int32_t>(2 * w + popExtra));
  uint32_t newSp, newSs;
  if (w == 4) {
    if (!readMem<4>(*this, kSs, base, newSp)) return false;
  } else if (!readMem<2>(*this, kSs, base, newSp)) {
    return false;
  }
  if (!readMem<2>(*this, kSs, stackAdd(*this, base, static_cast<int32_t>(w)), newSs)) return false;
  Segment ss;
  if (!checkOuterStack(*this, static_cast<uint16_t>(newSs), rpl, ss)) return false;
  if (!setAccessedBit(static_cast<uint16_t>(sel), hi)) return false;
  uint8_t fromCpl = cpl_;
  loadCsProtected(static_cast<uint16_t>(sel), d, rpl);
  loadStack(ss, (op32 ? newSp : (newSp & 0xFFFF)) + popExtra);  // SP wraps on a 16-bit stack
  nullInvalidDataSegments();
  branch(ip);
  cycles_ += cost::kRetFarOuter - cost::kRetFar;
  returnedOutward(ip, fromCpl);
  return true;
}

bool Core::interruptReturn(bool op32) {
  if (v86()) return iretInV86(op32);  // IOPL-sensitive there (v86.cpp)
  // NT=1: back to the task in the back link, nothing popped (task.cpp; [386PRM] IRET).
  if (pe_ && (flags_ & flag::kNt)) return taskReturn();
  unsigned w = op32 ? 4 : 2;
  uint32_t sp = stackPtr(*this);
  uint32_t ip, sel, fl;
  auto rd = [&](uint32_t off, uint32_t& v) {
    uint32_t at = stackAdd(*this, sp, static_cast<int32_t>(off));
    return w == 4 ? readMem<4>(*this, kSs, at, v) : readMem<2>(*this, kSs, at, v);
  };
  if (!rd(0, ip) || !rd(w, sel) || !rd(2 * w, fl)) return false;
  sel &= 0xFFFF;
  if (!pe_) {
    // Real mode: every flag may change; a 16-bit IRET keeps the upper half.
    uint32_t mask = flag::kWritable & ~flag::kRf;
    if (w == 2) mask &= 0xFFFF;
    setSegmentReal(kCs, static_cast<uint16_t>(sel));
    setStackPtr(*this, stackAdd(*this, sp, static_cast<int32_t>(3 * w)));
    setEflags((eflagsNow() & ~mask) | (fl & mask));
    branch(op32 ? ip : (ip & 0xFFFF));
    cycles_ += cost::kIretReal;
    return true;
  }
  // A 32-bit IRET from CPL 0 whose EFLAGS image has VM set returns to virtual-8086 mode.
  if (op32 && cpl_ == 0 && (fl & flag::kVm)) return iretToV86(ip, sel, fl, sp);
  if (!op32) ip &= 0xFFFF;
  Segment d;
  uint32_t hi;
  if (!checkReturnTarget(*this, static_cast<uint16_t>(sel), d, hi)) return false;
  uint8_t rpl = sel & 3;
  if (ip > d.limit) return gp(0);
  // EFLAGS the old level may change ([386PRM] IRET).
  unsigned iopl = (flags_ >> 12) & 3;
  uint32_t mask = flag::kWritable;
  if (cpl_ != 0) mask &= ~flag::kIopl;
  if (cpl_ > iopl) mask &= ~flag::kIf;
  if (w == 2) mask &= 0xFFFF;
  uint32_t newFlags = (eflagsNow() & ~mask) | (fl & mask);
  if (rpl == cpl_) {
    if (!setAccessedBit(static_cast<uint16_t>(sel), hi)) return false;
    loadCsProtected(static_cast<uint16_t>(sel), d, rpl);
    setStackPtr(*this, stackAdd(*this, sp, static_cast<int32_t>(3 * w)));
    setEflags(newFlags);
    branch(ip);
    cycles_ += cost::kIretSame;
    return true;
  }
  uint32_t newSp, newSs;
  if (!rd(3 * w, newSp) || !rd(4 * w, newSs)) return false;
  Segment ss;
  if (!checkOuterStack(*this, static_cast<uint16_t>(newSs), rpl, ss)) return false;
  if (!setAccessedBit(static_cast<uint16_t>(sel), hi)) return false;
  uint8_t fromCpl = cpl_;
  loadCsProtected(static_cast<uint16_t>(sel), d, rpl);
  loadStack(ss, op32 ? newSp : (newSp & 0xFFFF));
  setEflags(newFlags);
  nullInvalidDataSegments();
  branch(ip);
  cycles_ += cost::kIretOuter;
  returnedOutward(ip, fromCpl);
  return true;
}

// I/O permission ([386PRM] 8.3): CPL <= IOPL, else every bit for the port range in the TSS's I/O
// bitmap must be clear. A bitmap beyond the TSS limit denies everything.
// In virtual-8086 mode the bitmap decides whatever IOPL is ([386PRM] 15.2.8.1).
bool Core::ioAllowed(uint16_t port, unsigned size) {
  if (!pe_) return true;
  if (!v86() && cpl_ <= ((flags_ >> 12) & 3)) return true;
  unsigned type = tr_.access & 0x1F;
  if ((type != 0x09 && type != 0x0B) || tr_.limit < 0x67) return gp(0);
  uint32_t mapBase;
  if (!readLinear(tr_.base + 0x66, 2, mapBase, false)) return false;
  uint32_t at = mapBase + port / 8;
  if (at + 1 > tr_.limit) return gp(0);
  uint32_t bits;
  if (!readLinear(tr_.base + at, 2, bits, false)) return false;
  uint32_t mask = ((1u << size) - 1) << (port & 7);
  if (bits & mask) return gp(0);
  return true;
}

// ---- LLDT, LTR, VERR/VERW, LAR/LSL ---------------------------------------------------------

bool lldt(Core& c, uint16_t sel) {
  if ((sel & 0xFFFC) == 0) {
    c.ldtr_ = Segment{};
    c.ldtr_.selector = sel;
    c.ldtr_.access = 0;
    c.ldtr_.limit = 0;
    return true;
  }
  if (sel & 4) return c.gp(sel_err(sel));
  uint32_t lo, hi;
  if (!c.readDescriptor(sel, lo, hi)) return false;
  Segment d = Core::segmentFromDescriptor(sel, lo, hi);
  if ((d.access & 0x1F) != 0x02) return c.gp(sel_err(sel));
  if (!d.present()) return c.fault(vec::kNp, sel_err(sel));
  c.ldtr_ = d;
  return true;
}

// LTR marks the TSS busy in the GDT ([386PRM] LTR).
bool ltr(Core& c, uint16_t sel) {
  if ((sel & 0xFFFC) == 0) return c.gp(0);
  if (sel & 4) return c.gp(sel_err(sel));
  uint32_t lo, hi;
  if (!c.readDescriptor(sel, lo, hi)) return false;
  Segment d = Core::segmentFromDescriptor(sel, lo, hi);
  unsigned type = d.access & 0x1F;
  if (type != 0x01 && type != 0x09) return c.gp(sel_err(sel));
  if (!d.present()) return c.fault(vec::kNp, sel_err(sel));
  if (!c.writeLinear(c.gdtr_.base + sel_index(sel) + 5, 1, d.access | 0x2, false)) return false;
  d.access |= 0x2;
  c.tr_ = d;
  return true;
}

namespace {
// Reads a descriptor for LAR/LSL/VERR/VERW, which set ZF=0 instead of faulting on a bad selector.
// Returns 0 not found, 1 found, -1 fault (page fault reading the table).
int probeDescriptor(Core& c, uint16_t sel, uint32_t& lo, uint32_t& hi) {
  if ((sel & 0xFFFC) == 0) return 0;
  uint32_t base, limit;
  if (sel & 4) {
    if ((c.ldtr_.selector & 0xFFFC) == 0 || !c.ldtr_.present()) return 0;
    base = c.ldtr_.base;
    limit = c.ldtr_.limit;
  } else {
    base = c.gdtr_.base;
    limit = c.gdtr_.limit;
  }
  if ((sel | 7u) > limit) return 0;
  if (!c.readLinear(base + sel_index(sel), 4, lo, false)) return -1;
  if (!c.readLinear(base + sel_index(sel) + 4, 4, hi, false)) return -1;
  return 1;
}

// Privilege rule shared by LAR/LSL/VERR/VERW: conforming code is always visible, anything else
// needs DPL >= CPL and DPL >= RPL.
bool visible(const Core& c, uint16_t sel, uint8_t access) {
  bool conformingCode = (access & 0x1C) == 0x1C;
  uint8_t dpl = (access >> 5) & 3;
  return conformingCode || (dpl >= c.cpl_ && dpl >= (sel & 3));
}
}  // namespace

bool verify(Core& c, uint16_t sel, bool write) {
  uint32_t lo = 0, hi = 0;
  int found = probeDescriptor(c, sel, lo, hi);
  if (found < 0) return false;
  bool ok = false;
  if (found) {
    uint8_t access = static_cast<uint8_t>(hi >> 8);
    bool data = (access & 0x18) == 0x10, code = (access & 0x18) == 0x18;
    if (write)
      ok = data && (access & 2);
    else
      ok = data || (code && (access & 2));
    ok = ok && visible(c, sel, access);
  }
  c.materializeFlags();
  c.flags_ = ok ? (c.flags_ | flag::kZf) : (c.flags_ & ~flag::kZf);
  return true;
}

bool larLsl(Core& c, uint16_t sel, bool lsl, uint32_t& out) {
  uint32_t lo = 0, hi = 0;
  int found = probeDescriptor(c, sel, lo, hi);
  if (found < 0) return false;
  bool ok = false;
  if (found) {
    uint8_t access = static_cast<uint8_t>(hi >> 8);
    if (access & 0x10) {
      ok = true;
    } else {
      unsigned type = access & 0xF;
      // System types LAR accepts: TSS (1 3 9 B), LDT (2), call gates (4 C), task gate (5);
      // LSL only those with a limit (TSS, LDT).
      ok = lsl ? (type == 1 || type == 2 || type == 3 || type == 9 || type == 0xB)
               : (type == 1 || type == 2 || type == 3 || type == 4 || type == 5 || type == 9 ||
                  type == 0xB || type == 0xC);
    }
    ok = ok && visible(c, sel, access);
    if (ok) {
      if (lsl) {
        Segment d = Core::segmentFromDescriptor(sel, lo, hi);
        out = d.limit;
      } else {
        out = hi & 0x00F0FF00u;
      }
    }
  }
  c.materializeFlags();
  c.flags_ = ok ? (c.flags_ | flag::kZf) : (c.flags_ & ~flag::kZf);
  return true;
}

}  // namespace emu
