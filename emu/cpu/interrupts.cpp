// Exception and interrupt delivery ([386PRM] chapter 9): the real-mode IVT, protected-mode IDT
// interrupt and trap gates, the ring 3 -> ring 0 stack switch through the TSS, the frame out of
// virtual-8086 mode, task gates (task.cpp switches), #DF and the triple fault, the NMI.
#include "emu/cpu/cpu.h"
#include "emu/cpu/exec_common.h"

namespace emu {

namespace {
// Exception classes for the double-fault rule ([386PRM] 9.8.8, SDM vol. 3A 6.15 table 6-5).
enum class Class { kBenign, kContributory, kPageFault };
Class classOf(uint8_t v) {
  if (v == vec::kDe || v == vec::kTs || v == vec::kNp || v == vec::kSs || v == vec::kGp)
    return Class::kContributory;
  if (v == vec::kPf) return Class::kPageFault;
  return Class::kBenign;
}
bool becomesDoubleFault(uint8_t first, uint8_t second) {
  Class a = classOf(first), b = classOf(second);
  if (a == Class::kContributory && b == Class::kContributory) return true;
  if (a == Class::kPageFault && b != Class::kBenign) return true;
  return false;
}
}  // namespace

void Core::tripleFault() {
  stopRequested_ = true;
  shutdown_ = true;
  stopReason_ = StopReason::kTripleFault;
  stopMessage_ = "triple fault (shutdown)\n" + registerDump();
  halted_ = false;
  updateAttention();
}

// Delivers the pending fault (faultVector_, faultHasError_, faultError_) as an exception raised
// by the current instruction (EIP already points where the handler should return: the faulting
// instruction for faults, the next one for traps). The one place a fault is delivered: a fault
// while delivering turns into #DF by the class rule, a fault while delivering #DF into a triple
// fault ([386PRM] 9.8.8); other combinations are delivered one after the other.
void Core::deliverFault() {
  uint8_t v = faultVector_;
  bool he = faultHasError_;
  uint32_t ec = faultError_;
  for (unsigned depth = 0;; ++depth) {
    if (events_.active()) events_.exception(ExceptionEvent{v, he, ec, curEip_});
    if (deliver(v, IntKind::kException, he, ec)) return;
    uint8_t second = faultVector_;
    if (v == vec::kDf || depth > 4) {
      tripleFault();
      return;
    }
    if (becomesDoubleFault(v, second)) {
      v = vec::kDf;
      he = true;
      ec = 0;
    } else {
      v = second;
      he = faultHasError_;
      ec = faultError_;
    }
  }
}

// INT n, INT3, INTO: the gate's DPL must admit the current CPL. EIP is the next instruction.
bool Core::softwareInterrupt(uint8_t vector) {
  if (events_.active()) {
    events_.interrupt(InterruptEvent{vector, false});
    if (pe_ && cpl_ == 3) events_.syscall(SyscallEvent{vector, r_[kEax]});
  }
  return deliver(vector, IntKind::kSoftware, false, 0);
}

// The NMI ([386PRM] 9.6.1): vector 2 whatever IF says, taken as an external event; from then on
// further NMIs wait (one stays pending) until an IRET.
bool Core::takeNmi() {
  nmiPending_ = false;
  nmiBlocked_ = true;
  updateAttention();
  if (events_.active()) events_.interrupt(InterruptEvent{vec::kNmi, true});
  return deliver(vec::kNmi, IntKind::kExternal, false, 0);
}

// Real mode: the IVT holds IP:CS pairs; FLAGS, CS and IP are pushed ([386PRM] 14.1.4).
bool Core::deliverReal(uint8_t vector) {
  if (vector * 4u + 3 > idtr_.limit) return gp(vector * 8u + 2);
  uint32_t entry;
  if (!readLinear(idtr_.base + vector * 4u, 4, entry, false)) return false;
  uint32_t sp = stackPtr(*this);
  const Segment& ss = seg_[kSs];
  uint32_t low = stackAdd(*this, sp, -6);
  if (!ss.writable || (low < sp && !segRangeOk(ss, low, 6))) return segFault(kSs);
  if (low < sp && !probeWrite(ss.base + low, 6, false)) return false;
  if (!push<2>(*this, eflagsNow()) || !push<2>(*this, seg_[kCs].selector) || !push<2>(*this, eip_))
    return false;
  setSegmentReal(kCs, static_cast<uint16_t>(entry >> 16));
  branch(entry & 0xFFFF);
  setEflags(eflagsNow() & ~(flag::kIf | flag::kTf | flag::kAc | flag::kRf));
  cycles_ += cost::kIntReal;
  return true;
}

// SS:ESP for privilege level `cpl` from the current TSS ([386PRM] 7.1.2 figure 7-1).
bool Core::readTssStack(uint8_t cpl, uint16_t& ss, uint32_t& esp, uint32_t ext) {
  unsigned type = tr_.access & 0x1F;
  uint32_t tsErr = (tr_.selector & 0xFFFC) + ext;
  bool tss32 = type == 0x09 || type == 0x0B;
  bool tss16 = type == 0x01 || type == 0x03;
  if (!tss32 && !tss16) return fault(vec::kTs, tsErr);
  uint32_t spOff = tss32 ? 4 + 8u * cpl : 2 + 4u * cpl;
  uint32_t ssOff = tss32 ? 8 + 8u * cpl : 4 + 4u * cpl;
  if (ssOff + 1 > tr_.limit) return fault(vec::kTs, tsErr);
  uint32_t v, s;
  if (!readLinear(tr_.base + spOff, tss32 ? 4 : 2, v, false)) return false;
  if (!readLinear(tr_.base + ssOff, 2, s, false)) return false;
  esp = v;
  ss = static_cast<uint16_t>(s);
  return true;
}

// Delivers one interrupt or exception. Every check, accessed-bit write and stack write is made
// (and may fault) before any register changes, so a failed delivery leaves the registers as they
// were and the caller (deliverFault) applies the double-fault rule.
bool Core::deliver(uint8_t vector, IntKind kind, bool hasError, uint32_t error) {
  halted_ = false;
  if (!pe_) {
    if (!deliverReal(vector)) return false;
    updateAttention();
    return true;
  }
  uint32_t ext = kind == IntKind::kSoftware ? 0 : 1;  // EXT: not caused by the program itself
  uint32_t idtErr = vector * 8u + 2 + ext;
  if (vector * 8u + 7 > idtr_.limit) return gp(idtErr);
  uint32_t lo, hi;
  uint32_t gateAddr = idtr_.base + vector * 8u;
  if (!readLinear(gateAddr, 4, lo, false) || !readLinear(gateAddr + 4, 4, hi, false)) return false;
  // Gate layout ([386PRM] 9.5): lo = selector << 16 | offset 15..0;
  // hi = offset 31..16 << 16 | P DPL 0 type << 8.
  uint8_t access = static_cast<uint8_t>(hi >> 8);
  unsigned type = access & 0x1F;
  bool gate32 = false, trapGate = false, taskGateType = false;
  switch (type) {
    case 0x05:
      taskGateType = true;
      break;
    case 0x06:
      gate32 = false;
      trapGate = false;
      break;
    case 0x07:
      gate32 = false;
      trapGate = true;
      break;
    case 0x0E:
      gate32 = true;
      trapGate = false;
      break;
    case 0x0F:
      gate32 = true;
      trapGate = true;
      break;
    default:
      return gp(idtErr);
  }
  if (kind == IntKind::kSoftware && ((access >> 5) & 3) < cpl_) return gp(vector * 8u + 2);
  if (!(access & 0x80)) return fault(vec::kNp, idtErr);
  uint16_t sel = static_cast<uint16_t>(lo >> 16);
  if (taskGateType) {
    TaskSource source = kind == IntKind::kSoftware ? TaskSource::kInt : TaskSource::kEvent;
    return taskGate(sel, source, ext, hasError, error);
  }
  uint32_t offset = (lo & 0xFFFF) | (gate32 ? (hi & 0xFFFF0000u) : 0);
  if ((sel & 0xFFFC) == 0) return gp(ext);
  uint32_t dlo, dhi;
  if (!readDescriptor(sel, dlo, dhi)) {
    if (faultVector_ == vec::kGp) faultError_ |= ext;
    return false;
  }
  Segment cs = segmentFromDescriptor(sel, dlo, dhi);
  if (!cs.code() || cs.dpl() > cpl_) return gp((sel & 0xFFFCu) + ext);
  // Out of virtual-8086 mode only to a non-conforming ring-0 handler ([386PRM] 15.3.1).
  bool fromV86 = v86();
  if (fromV86 && (cs.dpl() != 0 || (cs.access & 0x4))) return gp((sel & 0xFFFCu) + ext);
  if (!cs.present()) return fault(vec::kNp, (sel & 0xFFFCu) + ext);
  uint8_t newCpl = (cs.access & 0x4) ? cpl_ : cs.dpl();
  if (offset > cs.limit) return gp(ext);
  unsigned w = gate32 ? 4 : 2;
  uint32_t oldFlags = eflagsNow();
  uint32_t oldCs = seg_[kCs].selector;
  uint32_t retIp = eip_;

  if (newCpl < cpl_) {
    // Inner level: switch to SS:ESP for newCpl from the TSS, push the old SS:ESP there.
    uint16_t ssSel;
    uint32_t esp;
    if (!readTssStack(newCpl, ssSel, esp, ext)) return false;
    if ((ssSel & 0xFFFC) == 0) return fault(vec::kTs, ext);
    if ((ssSel & 3) != newCpl) return fault(vec::kTs, (ssSel & 0xFFFCu) + ext);
    uint32_t slo, shi;
    if (!readDescriptor(ssSel, slo, shi)) {
      if (faultVector_ == vec::kGp) return fault(vec::kTs, (ssSel & 0xFFFCu) + ext);
      return false;
    }
    Segment ss = segmentFromDescriptor(ssSel, slo, shi);
    if ((ss.access & 0x1A) != 0x12 || ss.dpl() != newCpl)
      return fault(vec::kTs, (ssSel & 0xFFFCu) + ext);
    if (!ss.present()) return fault(vec::kSs, (ssSel & 0xFFFCu) + ext);
    // From virtual-8086 mode GS, FS, DS and ES go first ([386PRM] 15.3.1 figure 15-2).
    uint32_t extra = fromV86 ? 4 : 0;
    uint32_t count = extra + 5 + (hasError ? 1 : 0);
    uint32_t top = ss.big() ? esp : (esp & 0xFFFF);
    uint32_t low = ss.big() ? top - count * w : ((top - count * w) & 0xFFFF);
    if (!segRangeOk(ss, low, count * w) || low > top)
      return fault(vec::kSs, (ssSel & 0xFFFCu) + ext);
    bool user = false;  // the new stack is a supervisor stack (newCpl < 3)
    if (!probeWrite(ss.base + low, count * w, user)) return false;
    // The descriptors' accessed bits are written as SS and CS are loaded ([386PRM] 6.3.1.1),
    // before the frame: a write that faults (a read-only table page with CR0.WP) is a fault
    // during delivery like any other, and leaves the new stack unwritten.
    if (!setAccessedBit(ssSel, shi) || !setAccessedBit(sel, dhi)) return false;
    uint32_t values[10] = {seg_[kGs].selector,
                           seg_[kFs].selector,
                           seg_[kDs].selector,
                           seg_[kEs].selector,
                           seg_[kSs].selector,
                           r_[kEsp],
                           oldFlags,
                           oldCs,
                           retIp,
                           error};
    const uint32_t* frame = values + 4 - extra;
    // Stores the probe above proved possible; one failing anyway (the frame overwrote a page
    // table it lies in) is still a fault during delivery, with no register changed.
    for (uint32_t k = 0; k < count; ++k)
      if (!writeLinear(ss.base + top - (k + 1) * w, w, frame[k], user)) return false;
    loadStack(ss, low);
    if (fromV86) {
      // The handler runs with null data segments; IRET reloads them from the frame.
      for (unsigned s : {kEs, kDs, kFs, kGs}) seg_[s] = unusableSegment(0);
    }
    cycles_ += fromV86 ? cost::kIntFromV86 : cost::kIntPrivilegeChange;
  } else {
    uint32_t count = 3 + (hasError ? 1 : 0);
    uint32_t sp = stackPtr(*this);
    uint32_t low = stackAdd(*this, sp, -static_cast<int32_t>(count * w));
    const Segment& ss = seg_[kSs];
    if (!ss.writable || !segRangeOk(ss, low, count * w) || low > sp) return fault(vec::kSs, ext);
    if (!probeWrite(ss.base + low, count * w, cpl_ == 3)) return false;
    if (!setAccessedBit(sel, dhi)) return false;
    uint32_t values[4] = {oldFlags, oldCs, retIp, error};
    for (uint32_t k = 0; k < count; ++k) {
      uint32_t at = ss.base + stackAdd(*this, sp, -static_cast<int32_t>((k + 1) * w));
      if (!writeLinear(at, w, values[k], cpl_ == 3)) return false;
    }
    setStackPtr(*this, low);
    cycles_ += cost::kIntSamePrivilege;
  }
  loadCsProtected(sel, cs, newCpl);
  branch(offset);
  uint32_t clear = flag::kTf | flag::kNt | flag::kRf | flag::kVm;
  if (!trapGate) clear |= flag::kIf;
  setEflags(eflagsNow() & ~clear);
  return true;
}

}  // namespace emu
