// Hardware task switches ([386PRM] chapter 7; SDM vol. 3A 7.3): JMP or CALL to a TSS descriptor
// or through a task gate, INT n or an exception or interrupt through a task gate in the IDT, and
// IRET with NT=1 back to the task in the back link. 386 (32-bit) and 286 (16-bit) TSSs both.
//
// TSS fields, byte offsets ([386PRM] figure 7-1; the 286 TSS, [386PRM] 13.5):
//
//   field         386 TSS        286 TSS      field        386 TSS   286 TSS
//   back link     0x00           0x00         ES           0x48      0x22
//   ESP0 / SS0    0x04 / 0x08    0x02 / 0x04  CS           0x4C      0x24
//   ESP1 / SS1    0x0C / 0x10    0x06 / 0x08  SS           0x50      0x26
//   ESP2 / SS2    0x14 / 0x18    0x0A / 0x0C  DS           0x54      0x28
//   CR3           0x1C           -            FS / GS      0x58/5C   -
//   EIP           0x20           0x0E         LDT          0x60      0x2A
//   EFLAGS        0x24           0x10         T (bit 0)    0x64      -
//   EAX..EDI      0x28 + 4r      0x12 + 2r    I/O map base 0x66      -
//   smallest limit 0x67 (103)    0x2B (43)
//
// The switch has a commit point. Before it every check that names the new TSS (#GP, #NP, #TS
// with its selector) is made and every page the switch will touch (the old TSS's state area, the
// new TSS, the busy bytes in the GDT) is read or probed, so a fault there changes nothing. After
// it the old task's state is saved and the new one's loaded; a fault loading the new task's
// segments, an EIP beyond its CS, a failed push of an error code, or the T-bit trap is raised in
// the new task ([386PRM] 7.5; SDM vol. 3A 7.3 step 12).
#include "emu/cpu/cpu.h"
#include "emu/cpu/exec_common.h"

namespace emu {

namespace {
constexpr uint32_t sel_err(uint16_t sel) {
  return sel & 0xFFFCu;
}

struct TssLayout {
  uint32_t eip, eflags, regs, stride;
  uint32_t seg[6];  // ES CS SS DS FS GS; 0: not in this TSS
  uint32_t ldt;
  uint32_t limit;      // the smallest limit a TSS of this kind may have
  uint32_t saveFirst;  // the state a switch away writes: [saveFirst, saveEnd)
  uint32_t saveEnd;
};
constexpr TssLayout kTss32{0x20, 0x24, 0x28, 4,   {0x48, 0x4C, 0x50, 0x54, 0x58, 0x5C},
                           0x60, 0x67, 0x20, 0x60};
constexpr TssLayout kTss16{0x0E, 0x10, 0x12, 2,   {0x22, 0x24, 0x26, 0x28, 0, 0},
                           0x2A, 0x2B, 0x0E, 0x2A};

bool isTss(uint8_t access) {
  unsigned type = access & 0x1F;
  return type == 0x01 || type == 0x03 || type == 0x09 || type == 0x0B;
}
}  // namespace

// The TSS selector of a task gate (a JMP/CALL target or an IDT entry): in the GDT, within its
// limit, an available TSS, present ([386PRM] CALL/JMP/INT: TASK-GATE). `ext` is the IDT's EXT.
bool Core::taskGate(uint16_t tssSel, TaskSource source, uint32_t ext, bool hasError,
                    uint32_t error) {
  if ((tssSel & 4) || (tssSel | 7u) > gdtr_.limit) return gp(sel_err(tssSel) + ext);
  uint32_t lo, hi;
  uint32_t at = gdtr_.base + (tssSel & 0xFFF8u);
  if (!readLinear(at, 4, lo, false) || !readLinear(at + 4, 4, hi, false)) return false;
  unsigned type = (hi >> 8) & 0x1F;
  if (type != 0x01 && type != 0x09) return gp(sel_err(tssSel) + ext);
  if (!(hi & 0x8000)) return fault(vec::kNp, sel_err(tssSel) + ext);
  return taskSwitch(tssSel, lo, hi, source, ext, hasError, error);
}

// IRET with NT=1: the back link of the current TSS names a busy TSS in the GDT ([386PRM] IRET:
// TASK-RETURN); anything else is #TS (#NP when not present) with the back link.
bool Core::taskReturn() {
  uint32_t link;
  if (!readLinear(tr_.base, 2, link, false)) return false;
  uint16_t sel = static_cast<uint16_t>(link);
  if ((sel & 4) || (sel | 7u) > gdtr_.limit) return fault(vec::kTs, sel_err(sel));
  uint32_t lo, hi;
  uint32_t at = gdtr_.base + (sel & 0xFFF8u);
  if (!readLinear(at, 4, lo, false) || !readLinear(at + 4, 4, hi, false)) return false;
  unsigned type = (hi >> 8) & 0x1F;
  if (type != 0x03 && type != 0x0B) return fault(vec::kTs, sel_err(sel));
  if (!(hi & 0x8000)) return fault(vec::kNp, sel_err(sel));
  return taskSwitch(sel, lo, hi, TaskSource::kIret, 0);
}

// A fault raised after the commit point belongs to the new task: it is delivered with the new
// task's CS:EIP as the return address. The instruction that switched did complete, so it stays
// counted (the caller's instructionFaulted takes one off again).
bool Core::faultInNewTask(TaskSource source) {
  curEip_ = eip_;
  if (source != TaskSource::kEvent) ++icount_;
  return false;
}

// Switches to the task whose TSS descriptor (lo, hi) `tssSel` names; the caller has made the
// checks its path needs (DPL, type, present). Returns false with a fault pending.
bool Core::taskSwitch(uint16_t tssSel, uint32_t lo, uint32_t hi, TaskSource source, uint32_t ext,
                      bool hasError, uint32_t error) {
  Segment next = segmentFromDescriptor(tssSel, lo, hi);
  bool new32 = (next.access & 0x08) != 0;
  const TssLayout& nl = new32 ? kTss32 : kTss16;
  if (next.limit < nl.limit) return fault(vec::kTs, sel_err(tssSel) + ext);
  // The current task's TSS must hold the state about to be saved in it.
  if (!isTss(tr_.access)) return fault(vec::kTs, sel_err(tr_.selector) + ext);
  bool old32 = (tr_.access & 0x08) != 0;
  const TssLayout& ol = old32 ? kTss32 : kTss16;
  if (tr_.limit < ol.saveEnd - 1) return fault(vec::kTs, sel_err(tr_.selector) + ext);

  // Read the new task's state before anything is written.
  uint32_t v;
  uint32_t newEip, newFlags, regs[8], cr3 = 0, trap = 0;
  uint16_t sels[6] = {};
  uint16_t ldtSel;
  auto rd = [&](uint32_t off, unsigned size, uint32_t& out) {
    return readLinear(next.base + off, size, out, false);
  };
  unsigned nw = new32 ? 4 : 2;
  if (!rd(nl.eip, nw, newEip) || !rd(nl.eflags, nw, newFlags)) return false;
  for (unsigned r = 0; r < 8; ++r)
    if (!rd(nl.regs + nl.stride * r, nw, regs[r])) return false;
  for (unsigned s = 0; s < 6; ++s) {
    if (nl.seg[s] == 0) continue;
    if (!rd(nl.seg[s], 2, v)) return false;
    sels[s] = static_cast<uint16_t>(v);
  }
  if (!rd(nl.ldt, 2, v)) return false;
  ldtSel = static_cast<uint16_t>(v);
  if (new32) {
    if (!rd(0x1C, 4, cr3) || !rd(0x64, 2, trap)) return false;
  }

  bool nest =
      source == TaskSource::kCall || source == TaskSource::kInt || source == TaskSource::kEvent;
  bool leaveOld = source == TaskSource::kJmp || source == TaskSource::kIret;
  uint32_t oldBusy = gdtr_.base + (tr_.selector & 0xFFF8u) + 5;
  uint32_t newBusy = gdtr_.base + (tssSel & 0xFFF8u) + 5;
  // Every page the switch writes, checked before the first write.
  if (!probeWrite(tr_.base + ol.saveFirst, ol.saveEnd - ol.saveFirst, false)) return false;
  if (nest && !probeWrite(next.base, 2, false)) return false;
  if (leaveOld && !probeWrite(oldBusy, 1, false)) return false;
  if (source != TaskSource::kIret && !probeWrite(newBusy, 1, false)) return false;

  // ---- commit: save the old task ----
  uint32_t oldFlags = eflagsNow();
  if (source == TaskSource::kIret) oldFlags &= ~flag::kNt;
  if (leaveOld) {
    // The task left behind is no longer busy ([386PRM] 7.5 step 3).
    uint32_t b;
    if (!readLinear(oldBusy, 1, b, false) || !writeLinear(oldBusy, 1, b & ~2u, false)) return false;
  }
  unsigned ow = old32 ? 4 : 2;
  auto wr = [&](uint32_t off, unsigned size, uint32_t value) {
    return writeLinear(tr_.base + off, size, value, false);
  };
  if (!wr(ol.eip, ow, eip_) || !wr(ol.eflags, ow, oldFlags)) return false;
  for (unsigned r = 0; r < 8; ++r)
    if (!wr(ol.regs + ol.stride * r, ow, r_[r])) return false;
  for (unsigned s = 0; s < 6; ++s)
    if (ol.seg[s] != 0 && !wr(ol.seg[s], 2, seg_[s].selector)) return false;
  if (nest) {
    // The new task links back to this one and runs with NT set ([386PRM] 7.6).
    if (!writeLinear(next.base, 2, tr_.selector, false)) return false;
    newFlags |= flag::kNt;
  }
  if (source != TaskSource::kIret) {
    uint32_t b;
    if (!readLinear(newBusy, 1, b, false) || !writeLinear(newBusy, 1, b | 2u, false)) return false;
  }

  // ---- load the new task ----
  next.access |= 0x02;  // busy
  tr_ = next;
  setCr0(cr0() | 0x8);  // CR0.TS: the next ESC instruction traps, so the FPU state can be switched
  // A 386 TSS brings its page directory (a 286 TSS has none); the load flushes the TLB as MOV CR3
  // does ([386PRM] 7.5 step 4).
  if (new32 && (cr0() & mmu::kCr0Pg)) setCr3(cr3);
  // The local breakpoint enables (L0-L3, LE) belong to the task left ([386PRM] 12.2.2).
  dr_[7] &= ~0x155u;
  updateDebug();  // the breakpoints DR7 arms now
  if (new32) {
    for (unsigned r = 0; r < 8; ++r) r_[r] = regs[r];
    eip_ = newEip;
    setEflags(newFlags);
  } else {
    // A 286 TSS holds 16-bit registers; the upper halves read 0xFFFF, as on QEMU and Bochs.
    for (unsigned r = 0; r < 8; ++r) r_[r] = 0xFFFF0000u | (regs[r] & 0xFFFF);
    eip_ = newEip & 0xFFFF;
    setEflags((eflagsNow() & 0xFFFF0000u & ~flag::kVm) | (newFlags & 0xFFFF));
  }
  fetchLin_ = kNoPage;
  endBlock();
  cycles_ += cost::kTaskSwitch;
  if (source == TaskSource::kJmp) cycles_ -= cost::kJmpFar;
  if (source == TaskSource::kCall) cycles_ -= cost::kCallFar;

  // The LDT first: the segment selectors may name it.
  ldtr_ = unusableSegment(ldtSel);
  if ((ldtSel & 0xFFFC) != 0) {
    if ((ldtSel & 4) || (ldtSel | 7u) > gdtr_.limit) {
      fault(vec::kTs, sel_err(ldtSel));
      return faultInNewTask(source);
    }
    uint32_t llo, lhi;
    uint32_t at = gdtr_.base + (ldtSel & 0xFFF8u);
    if (!readLinear(at, 4, llo, false) || !readLinear(at + 4, 4, lhi, false))
      return faultInNewTask(source);
    Segment ldt = segmentFromDescriptor(ldtSel, llo, lhi);
    if ((ldt.access & 0x1F) != 0x02 || !ldt.present()) {
      fault(vec::kTs, sel_err(ldtSel));
      return faultInNewTask(source);
    }
    ldtr_ = ldt;
  }
  if (!loadTaskSegments(sels)) return faultInNewTask(source);
  if (eip_ > seg_[kCs].limit) {
    gp(0);
    return faultInNewTask(source);
  }
  if (hasError) {
    // The exception's error code goes on the new task's stack ([386PRM] INT: TASK-GATE).
    bool ok = new32 ? push<4>(*this, error) : push<2>(*this, error);
    if (!ok) return faultInNewTask(source);
  }
  if (new32 && (trap & 1)) {
    // The T bit: a debug trap before the new task's first instruction, DR6.BT ([386PRM] 12.3.1.5).
    dr_[6] |= 0x8000;
    fault(vec::kDb);
    return faultInNewTask(source);
  }
  return true;
}

// Loads the new task's segment registers from `sel` (ES CS SS DS FS GS): in virtual-8086 mode as
// 8086 segments; otherwise CS, then SS, then the data segments, each with the checks of
// [386PRM] 7.5 / SDM vol. 3A table 7-1 (#TS with the selector; not present: #NP, #SS for SS).
bool Core::loadTaskSegments(const uint16_t* sel) {
  if (v86()) {
    loadV86Segments(sel);
    return true;
  }
  uint8_t cpl = sel[kCs] & 3;
  for (unsigned s = 0; s < 6; ++s) seg_[s] = unusableSegment(sel[s]);
  cpl_ = cpl;  // the CPL is the new CS's RPL, even while its descriptor is being checked
  refreshMode();
  auto read = [&](uint16_t s, uint32_t& lo, uint32_t& hi) {
    if (readDescriptor(s, lo, hi)) return true;
    if (faultVector_ == vec::kGp) fault(vec::kTs, sel_err(s));
    return false;
  };
  uint32_t lo, hi;
  uint16_t c = sel[kCs];
  if ((c & 0xFFFC) == 0) return fault(vec::kTs, 0);
  if (!read(c, lo, hi)) return false;
  Segment cs = segmentFromDescriptor(c, lo, hi);
  if (!cs.code()) return fault(vec::kTs, sel_err(c));
  if ((cs.access & 0x4) ? cs.dpl() > cpl : cs.dpl() != cpl) return fault(vec::kTs, sel_err(c));
  if (!cs.present()) return fault(vec::kNp, sel_err(c));
  if (!setAccessedBit(c, hi)) return false;
  loadCsProtected(c, cs, cpl);

  uint16_t s = sel[kSs];
  if ((s & 0xFFFC) == 0) return fault(vec::kTs, 0);
  if (!read(s, lo, hi)) return false;
  Segment ss = segmentFromDescriptor(s, lo, hi);
  if ((s & 3) != cpl || ss.dpl() != cpl || (ss.access & 0x1A) != 0x12)
    return fault(vec::kTs, sel_err(s));
  if (!ss.present()) return fault(vec::kSs, sel_err(s));
  if (!setAccessedBit(s, hi)) return false;
  ss.access |= 1;
  seg_[kSs] = ss;
  stackBig_ = ss.big();

  for (unsigned r : {kEs, kDs, kFs, kGs}) {
    uint16_t d = sel[r];
    if ((d & 0xFFFC) == 0) continue;  // null: loaded as unusable, as MOV would
    if (!read(d, lo, hi)) return false;
    Segment ds = segmentFromDescriptor(d, lo, hi);
    bool data = (ds.access & 0x18) == 0x10;
    bool code = (ds.access & 0x18) == 0x18;
    if (!data && !(code && (ds.access & 0x2))) return fault(vec::kTs, sel_err(d));
    if ((data || !(ds.access & 0x4)) && (ds.dpl() < cpl || ds.dpl() < (d & 3)))
      return fault(vec::kTs, sel_err(d));
    if (!ds.present()) return fault(vec::kNp, sel_err(d));
    if (!setAccessedBit(d, hi)) return false;
    ds.access |= 1;
    seg_[r] = ds;
  }
  return true;
}

}  // namespace emu
