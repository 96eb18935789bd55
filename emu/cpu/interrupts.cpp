// Exception and interrupt delivery ([386PRM] chapter 9): the real-mode IVT, protected-mode IDT
// interrupt and trap gates, the ring 3 -> ring 0 stack switch through the TSS, #DF and the
// triple fault.
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

void Cpu::tripleFault() {
  stopRequested_ = true;
  shutdown_ = true;
  stopReason_ = StopReason::kTripleFault;
  stopMessage_ = "triple fault (shutdown)\n" + registerDump();
  halted_ = false;
  updateAttention();
}

// Delivers `vector` as an exception raised by the current instruction (EIP already points where
// the handler should return: the faulting instruction for faults, the next one for traps).
// A fault while delivering turns into #DF by the class rule, a fault while delivering #DF into a
// triple fault; other combinations are delivered one after the other.
void Cpu::raiseException(uint8_t vector, bool hasError, uint32_t error) {
  uint8_t v = vector;
  bool he = hasError;
  uint32_t ec = error;
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
bool Cpu::softwareInterrupt(uint8_t vector) {
  if (events_.active()) {
    events_.interrupt(InterruptEvent{vector, false});
    if (pe_ && cpl_ == 3) events_.syscall(SyscallEvent{vector, r_[kEax]});
  }
  return deliver(vector, IntKind::kSoftware, false, 0);
}

// Real mode: the IVT holds IP:CS pairs; FLAGS, CS and IP are pushed ([386PRM] 14.1.4).
bool Cpu::deliverReal(uint8_t vector) {
  if (vector * 4u + 3 > idtr_.limit) return gp(vector * 8u + 2);
  uint32_t entry;
  if (!readLinear(idtr_.base + vector * 4u, 4, entry, false)) return false;
  uint32_t sp = stackPtr(*this);
  const Segment& ss = seg_[kSs];
  uint32_t low = stackAdd(*this, sp, -6);
  if (!ss.writable || (low < sp && !segRangeOk(ss, low, 6))) return segFault(kSs);
  if (low < sp && !probeWrite(ss.base + low, 6, false)) return false;
  if (!push<2>(*this, flags_) || !push<2>(*this, seg_[kCs].selector) || !push<2>(*this, eip_))
    return false;
  setSegmentReal(kCs, static_cast<uint16_t>(entry >> 16));
  branch(entry & 0xFFFF);
  setEflags(flags_ & ~(flag::kIf | flag::kTf | flag::kAc | flag::kRf));
  cycles_ += cost::kIntReal;
  return true;
}

// SS:ESP for privilege level `cpl` from the current TSS ([386PRM] 7.1.2 figure 7-1).
bool Cpu::readTssStack(uint8_t cpl, uint16_t& ss, uint32_t& esp, uint32_t ext) {
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

// Delivers one interrupt or exception. Every check and every stack write is made (and may fault)
// before any register changes, so a failed delivery leaves the state as it was.
bool Cpu::deliver(uint8_t vector, IntKind kind, bool hasError, uint32_t error) {
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
  bool gate32, trapGate;
  switch (type) {
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
      return gp(idtErr);  // task gates (0x05) are not modelled
  }
  if (kind == IntKind::kSoftware && ((access >> 5) & 3) < cpl_) return gp(vector * 8u + 2);
  if (!(access & 0x80)) return fault(vec::kNp, idtErr);
  uint16_t sel = static_cast<uint16_t>(lo >> 16);
  uint32_t offset = (lo & 0xFFFF) | (gate32 ? (hi & 0xFFFF0000u) : 0);
  if ((sel & 0xFFFC) == 0) return gp(ext);
  uint32_t dlo, dhi;
  if (!readDescriptor(sel, dlo, dhi)) {
    if (faultVector_ == vec::kGp) faultError_ |= ext;
    return false;
  }
  Segment cs = segmentFromDescriptor(sel, dlo, dhi);
  if (!cs.code() || cs.dpl() > cpl_) return gp((sel & 0xFFFCu) + ext);
  if (!cs.present()) return fault(vec::kNp, (sel & 0xFFFCu) + ext);
  uint8_t newCpl = (cs.access & 0x4) ? cpl_ : cs.dpl();
  if (offset > cs.limit) return gp(ext);
  unsigned w = gate32 ? 4 : 2;
  uint32_t oldFlags = flags_;
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
    uint32_t count = 5 + (hasError ? 1 : 0);
    uint32_t top = ss.big() ? esp : (esp & 0xFFFF);
    uint32_t low = ss.big() ? top - count * w : ((top - count * w) & 0xFFFF);
    if (!segRangeOk(ss, low, count * w) || low > top)
      return fault(vec::kSs, (ssSel & 0xFFFCu) + ext);
    bool user = false;  // the new stack is a supervisor stack (newCpl < 3)
    if (!probeWrite(ss.base + low, count * w, user)) return false;
    uint32_t values[6] = {seg_[kSs].selector, r_[kEsp], oldFlags, oldCs, retIp, error};
    for (uint32_t k = 0; k < count; ++k)
      writeLinear(ss.base + top - (k + 1) * w, w, values[k], user);
    if (!(shi & 0x100))
      writeLinear(((ssSel & 4) ? ldtr_.base : gdtr_.base) + (ssSel & 0xFFF8u) + 5, 1,
                  ((shi >> 8) & 0xFF) | 1, false);
    ss.access |= 1;
    ss.selector = ssSel;
    seg_[kSs] = ss;
    stackBig_ = ss.big();
    if (ss.big())
      r_[kEsp] = low;
    else
      r_[kEsp] = (r_[kEsp] & 0xFFFF0000u) | low;
    cycles_ += cost::kIntPrivilegeChange;
  } else {
    uint32_t count = 3 + (hasError ? 1 : 0);
    uint32_t sp = stackPtr(*this);
    uint32_t low = stackAdd(*this, sp, -static_cast<int32_t>(count * w));
    const Segment& ss = seg_[kSs];
    if (!ss.writable || !segRangeOk(ss, low, count * w) || low > sp) return fault(vec::kSs, ext);
    if (!probeWrite(ss.base + low, count * w, cpl_ == 3)) return false;
    uint32_t values[4] = {oldFlags, oldCs, retIp, error};
    for (uint32_t k = 0; k < count; ++k)
      writeLinear(ss.base + stackAdd(*this, sp, -static_cast<int32_t>((k + 1) * w)), w, values[k],
                  cpl_ == 3);
    setStackPtr(*this, low);
    cycles_ += cost::kIntSamePrivilege;
  }
  if (!(dhi & 0x100))
    writeLinear(((sel & 4) ? ldtr_.base : gdtr_.base) + (sel & 0xFFF8u) + 5, 1,
                ((dhi >> 8) & 0xFF) | 1, false);
  loadCsProtected(sel, cs, newCpl);
  branch(offset);
  uint32_t clear = flag::kTf | flag::kNt | flag::kRf | flag::kVm;
  if (!trapGate) clear |= flag::kIf;
  setEflags(flags_ & ~clear);
  return true;
}

}  // namespace emu
