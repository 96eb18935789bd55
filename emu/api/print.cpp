// The API's enums and a Stop written by name, for Google Test's messages ("Which is:
// StopKind::kHalted" rather than a byte dump) and for anyone's logs. The names are the C++
// enumerators, qualified by their type, so a failure reads like the line of the test that failed;
// a value outside the enum prints as its number ("StopKind(200)").
#include <ostream>

#include "xray86/xray86.h"

namespace xray86 {

namespace {

std::ostream& unknown(std::ostream& out, const char* type, unsigned value) {
  return out << type << '(' << value << ')';
}

}  // namespace

std::ostream& operator<<(std::ostream& out, StopKind kind) {
  switch (kind) {
#define XRAY86_CASE(name) \
  case StopKind::name:    \
    return out << "StopKind::" #name;
    XRAY86_CASE(kExited)
    XRAY86_CASE(kReset)
    XRAY86_CASE(kInstructionLimit)
    XRAY86_CASE(kCycleLimit)
    XRAY86_CASE(kEvent)
    XRAY86_CASE(kAddress)
    XRAY86_CASE(kRepeatedFault)
    XRAY86_CASE(kRequested)
    XRAY86_CASE(kHalted)
    XRAY86_CASE(kTripleFault)
    XRAY86_CASE(kUnsupported)
    XRAY86_CASE(kConsole)
#undef XRAY86_CASE
  }
  return unknown(out, "StopKind", static_cast<unsigned>(kind));
}

std::ostream& operator<<(std::ostream& out, EventKind kind) {
  switch (kind) {
#define XRAY86_CASE(name, traceWord, filterWord) \
  case EventKind::k##name:                       \
    return out << "EventKind::k" #name;
    XRAY86_EVENT_KINDS(XRAY86_CASE)
#undef XRAY86_CASE
  }
  return unknown(out, "EventKind", static_cast<unsigned>(kind));
}

std::ostream& operator<<(std::ostream& out, Resolution resolution) {
  switch (resolution) {
#define XRAY86_CASE(name) \
  case Resolution::name:  \
    return out << "Resolution::" #name;
    XRAY86_CASE(kCopied)
    XRAY86_CASE(kMadeWritable)
    XRAY86_CASE(kMapped)
    XRAY86_CASE(kUnchanged)
    XRAY86_CASE(kKilled)
    XRAY86_CASE(kUnresolved)
#undef XRAY86_CASE
  }
  return unknown(out, "Resolution", static_cast<unsigned>(resolution));
}

std::ostream& operator<<(std::ostream& out, Access access) {
  switch (access) {
    case Access::kRead:
      return out << "Access::kRead";
    case Access::kWrite:
      return out << "Access::kWrite";
    case Access::kFetch:
      return out << "Access::kFetch";
  }
  return unknown(out, "Access", static_cast<unsigned>(access));
}

std::ostream& operator<<(std::ostream& out, FlushKind kind) {
  switch (kind) {
    case FlushKind::kCr3Write:
      return out << "FlushKind::kCr3Write";
    case FlushKind::kInvlpg:
      return out << "FlushKind::kInvlpg";
    case FlushKind::kCr0:
      return out << "FlushKind::kCr0";
    case FlushKind::kCr4:
      return out << "FlushKind::kCr4";
  }
  return unknown(out, "FlushKind", static_cast<unsigned>(kind));
}

std::ostream& operator<<(std::ostream& out, const Stop& stop) {
  out << stop.kind << " (status " << stop.status << ")";
  if (!stop.message.empty()) out << ": " << stop.message;
  return out;
}

}  // namespace xray86
