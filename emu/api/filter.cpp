// Filters over recorded events, and the names of event and stop kinds.
#include "xray86/xray86.h"

namespace xray86 {

const char* eventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kPageFault: return "pf";
    case EventKind::kTlbFlush: return "tlb";
    case EventKind::kTlbMiss: return "miss";
    case EventKind::kCr3Write: return "cr3";
    case EventKind::kStaleTlbUse: return "stale";
    case EventKind::kException: return "exc";
    case EventKind::kInterrupt: return "int";
    case EventKind::kSyscall: return "sys";
    case EventKind::kHalt: return "halt";
  }
  return "?";
}

const char* stopKindName(StopKind kind) {
  switch (kind) {
    case StopKind::kExited: return "guest exited";
    case StopKind::kReset: return "guest reset";
    case StopKind::kInstructionLimit: return "instruction limit";
    case StopKind::kCycleLimit: return "cycle limit";
    case StopKind::kEvent: return "event";
    case StopKind::kAddress: return "address reached";
    case StopKind::kRepeatedFault: return "repeated page fault";
    case StopKind::kRequested: return "stop requested";
    case StopKind::kHalted: return "halted";
    case StopKind::kTripleFault: return "triple fault";
    case StopKind::kUnsupported: return "unsupported instruction";
  }
  return "?";
}

Filter Filter::of(EventKind k) {
  Filter f;
  f.kind = k;
  return f;
}

bool Filter::matches(const Event& e, const std::optional<Range>& eipRange) const {
  if (kind && e.kind != *kind) return false;
  bool pf = e.kind == EventKind::kPageFault;
  // Error-code classes and CR2 exist only for page faults.
  if (present && (!pf || ((e.errorCode & ErrorCode::kPresent) != 0) != *present)) return false;
  if (write && (!pf || ((e.errorCode & ErrorCode::kWrite) != 0) != *write)) return false;
  if (user && (!pf || ((e.errorCode & ErrorCode::kUser) != 0) != *user)) return false;
  if (cr2 && (!pf || !cr2->contains(e.address))) return false;
  if (eip && !eip->contains(e.eip)) return false;
  if (!symbol.empty() && (!eipRange || !eipRange->contains(e.eip))) return false;
  if (cpl && e.cpl != *cpl) return false;
  if (cr3 && (e.cr3 & ~0xFFFu) != *cr3) return false;
  if (vector) {
    bool hasVector = e.kind == EventKind::kException || e.kind == EventKind::kInterrupt ||
                     e.kind == EventKind::kSyscall;
    if (!hasVector || e.vector != *vector) return false;
  }
  return true;
}

}  // namespace xray86
