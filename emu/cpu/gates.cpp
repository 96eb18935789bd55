// Far JMP and CALL to a system descriptor ([386PRM] CALL, JMP; 6.3.4): through a call gate
// (386 or 286) to the same or, for CALL, an inner privilege level with the stack from the TSS
// and the gate's parameters copied; to a TSS or through a task gate (task.cpp switches tasks).
// The far RET back to an outer level is segments.cpp's farReturn.
//
// Call gate ([386PRM] 6.3.4.1 figure 6-8):
//   lo: offset 15..0 | code selector << 16
//   hi: param count (bits 4..0) | P DPL 0 type << 8 | offset 31..16 << 16 (386 gate only)
//   type 0x4: 286 gate (16-bit offset and stack words), 0xC: 386 gate (32-bit)
#include "emu/cpu/cpu.h"
#include "emu/cpu/exec_common.h"

namespace emu {

namespace {
constexpr uint32_t sel_err(uint16_t sel) {
  return sel & 0xFFFCu;
}
}  // namespace

// The selector of a far JMP/CALL named a system descriptor (lo, hi already read).
bool Core::farTransferSystem(uint16_t selector, uint32_t lo, uint32_t hi, bool call) {
  uint8_t access = static_cast<uint8_t>(hi >> 8);
  uint8_t dpl = (access >> 5) & 3, rpl = selector & 3;
  switch (access & 0x1F) {
    case 0x04:
    case 0x0C:
      return callGate(selector, lo, hi, call);
    case 0x05:  // task gate ([386PRM] JMP: TASK-GATE)
      if (dpl < cpl_ || dpl < rpl) return gp(sel_err(selector));
      if (!(access & 0x80)) return fault(vec::kNp, sel_err(selector));
      return taskGate(static_cast<uint16_t>(lo >> 16), call ? TaskSource::kCall : TaskSource::kJmp,
                      0, false, 0);
    case 0x01:
    case 0x09:  // an available TSS ([386PRM] JMP: TASK-STATE-SEGMENT)
      if (dpl < cpl_ || dpl < rpl) return gp(sel_err(selector));
      if (!(access & 0x80)) return fault(vec::kNp, sel_err(selector));
      return taskSwitch(selector, lo, hi, call ? TaskSource::kCall : TaskSource::kJmp, 0);
    default:  // a busy TSS, an LDT, an interrupt or trap gate, a reserved type
      return gp(sel_err(selector));
  }
}

// CALL or JMP through a call gate ([386PRM] CALL: CALL-GATE, MORE-PRIVILEGE, SAME-PRIVILEGE).
// Every check, the parameter reads, the new stack's pages and the accessed bits come before any
// register or stack changes: a fault leaves everything as it was.
bool Core::callGate(uint16_t gateSel, uint32_t lo, uint32_t hi, bool call) {
  uint8_t access = static_cast<uint8_t>(hi >> 8);
  uint8_t dpl = (access >> 5) & 3;
  if (dpl < cpl_ || dpl < (gateSel & 3)) return gp(sel_err(gateSel));
  if (!(access & 0x80)) return fault(vec::kNp, sel_err(gateSel));
  bool gate32 = (access & 0x08) != 0;
  unsigned w = gate32 ? 4 : 2;
  uint16_t sel = static_cast<uint16_t>(lo >> 16);
  uint32_t offset = (lo & 0xFFFF) | (gate32 ? (hi & 0xFFFF0000u) : 0);
  unsigned params = hi & 0x1F;
  if ((sel & 0xFFFC) == 0) return gp(0);
  uint32_t clo, chi;
  if (!readDescriptor(sel, clo, chi)) return false;  // #GP(code selector) beyond the table
  Segment cs = segmentFromDescriptor(sel, clo, chi);
  bool conforming = (cs.access & 0x4) != 0;
  if (!cs.code() || cs.dpl() > cpl_) return gp(sel_err(sel));
  // JMP never changes privilege: a non-conforming target must be at CPL ([386PRM] JMP).
  if (!call && !conforming && cs.dpl() != cpl_) return gp(sel_err(sel));
  if (!cs.present()) return fault(vec::kNp, sel_err(sel));

  if (!call) {
    if (offset > cs.limit) return gp(0);
    if (!setAccessedBit(sel, chi)) return false;
    loadCsProtected(sel, cs, cpl_);
    branch(offset);
    cycles_ += cost::kJmpGate - cost::kJmpFar;
    return true;
  }

  uint32_t retCs = seg_[kCs].selector, retIp = eip_;
  if (conforming || cs.dpl() == cpl_) {
    // SAME-PRIVILEGE: CS:EIP pushed on the current stack, the gate's size.
    uint32_t sp = stackPtr(*this);
    uint32_t low = stackAdd(*this, sp, -static_cast<int32_t>(2 * w));
    const Segment& ss = seg_[kSs];
    if (!ss.writable || !segRangeOk(ss, low, 2 * w)) return segFault(kSs);
    if (offset > cs.limit) return gp(0);
    if (!probeWrite(ss.base + low, 2 * w, user())) return false;
    if (!setAccessedBit(sel, chi)) return false;
    if (!writeLinear(ss.base + stackAdd(*this, sp, -static_cast<int32_t>(w)), w, retCs, user()) ||
        !writeLinear(ss.base + low, w, retIp, user()))
      return false;
    setStackPtr(*this, low);
    loadCsProtected(sel, cs, cpl_);
    branch(offset);
    cycles_ += cost::kCallGate - cost::kCallFar;
    return true;
  }

  // MORE-PRIVILEGE: SS:ESP for the target level from the TSS; a bad one is #TS.
  uint8_t newCpl = cs.dpl();
  uint16_t ssSel;
  uint32_t esp;
  if (!readTssStack(newCpl, ssSel, esp, 0)) return false;
  if ((ssSel & 0xFFFC) == 0) return fault(vec::kTs, 0);
  uint32_t slo, shi;
  if (!readDescriptor(ssSel, slo, shi)) {
    if (faultVector_ == vec::kGp) return fault(vec::kTs, sel_err(ssSel));
    return false;
  }
  Segment ss = segmentFromDescriptor(ssSel, slo, shi);
  if ((ssSel & 3) != newCpl || ss.dpl() != newCpl || (ss.access & 0x1A) != 0x12)
    return fault(vec::kTs, sel_err(ssSel));
  if (!ss.present()) return fault(vec::kSs, sel_err(ssSel));
  // The new stack holds the old SS:ESP, the parameters and CS:EIP, each a slot of the gate's size.
  uint32_t frame = (4 + params) * w;
  uint32_t top = ss.big() ? esp : (esp & 0xFFFF);
  uint32_t low = ss.big() ? top - frame : ((top - frame) & 0xFFFF);
  if (low > top || !segRangeOk(ss, low, frame)) return fault(vec::kSs, sel_err(ssSel));
  if (offset > cs.limit) return gp(0);
  // The parameters, read from the caller's stack at the caller's privilege before anything moves.
  uint32_t values[4 + 31];
  values[0] = seg_[kSs].selector;
  values[1] = r_[kEsp];
  uint32_t sp = stackPtr(*this);
  for (unsigned k = 0; k < params; ++k) {
    // Parameter k+1 from the top of the caller's stack is the one pushed first: it goes highest.
    uint32_t at = stackAdd(*this, sp, static_cast<int32_t>((params - 1 - k) * w));
    bool ok = w == 4 ? readMem<4>(*this, kSs, at, values[2 + k])
                     : readMem<2>(*this, kSs, at, values[2 + k]);
    if (!ok) return false;
  }
  values[2 + params] = retCs;
  values[3 + params] = retIp;
  if (!probeWrite(ss.base + low, frame, false)) return false;
  if (!setAccessedBit(ssSel, shi) || !setAccessedBit(sel, chi)) return false;
  for (unsigned k = 0; k < 4 + params; ++k)
    if (!writeLinear(ss.base + top - (k + 1) * w, w, values[k], false)) return false;
  loadStack(ss, low);
  loadCsProtected(sel, cs, newCpl);
  branch(offset);
  cycles_ += cost::kCallGateInner + cost::kCallGateParam * params - cost::kCallFar;
  return true;
}

}  // namespace emu
