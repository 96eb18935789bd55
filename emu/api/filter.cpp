// Filters as text in --trace-filter's language (emu/trace/filter.h parses and evaluates them; the
// builders here only write it), and the names of event and stop kinds.
#include <cctype>
#include <cstdio>

#include "xray86/xray86.h"

namespace xray86 {

namespace {

// True when `text` has a top-level-looking "or" (the word or "||"): it needs parentheses before
// another test is and-ed to it. Parentheses that are not needed change nothing.
bool hasOr(const std::string& text) {
  if (text.find("||") != std::string::npos) return true;
  auto word = [&](size_t i) {
    return i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) ||
                               text[i] == '_' || text[i] == '-' || text[i] == '.');
  };
  for (size_t at = text.find("or"); at != std::string::npos; at = text.find("or", at + 1)) {
    if ((at == 0 || !word(at - 1)) && !word(at + 2)) return true;
  }
  return false;
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

}  // namespace

const char* stopKindName(StopKind kind) {
  switch (kind) {
    case StopKind::kExited:
      return "guest exited";
    case StopKind::kReset:
      return "guest reset";
    case StopKind::kInstructionLimit:
      return "instruction limit";
    case StopKind::kCycleLimit:
      return "cycle limit";
    case StopKind::kEvent:
      return "event";
    case StopKind::kAddress:
      return "address reached";
    case StopKind::kRepeatedFault:
      return "repeated page fault";
    case StopKind::kRequested:
      return "stop requested";
    case StopKind::kHalted:
      return "halted";
    case StopKind::kTripleFault:
      return "triple fault";
    case StopKind::kUnsupported:
      return "unsupported instruction";
    case StopKind::kConsole:
      return "console text";
  }
  return "?";
}

Filter Filter::of(EventKind kind) {
  return Filter(std::string("kind=") + eventKindName(kind));
}

Filter& Filter::where(const std::string& expression) {
  if (expression.empty()) return *this;
  if (text_.empty()) {
    text_ = expression;
    return *this;
  }
  std::string left = hasOr(text_) ? "(" + text_ + ")" : text_;
  std::string right = hasOr(expression) ? "(" + expression + ")" : expression;
  text_ = left + " and " + right;
  return *this;
}

Filter& Filter::range(const char* field, uint32_t first, uint32_t last) {
  return where(std::string(field) + " in " + hex(first) + ".." + hex(last));
}

Filter& Filter::inSpace(uint32_t cr3) {
  return where("cr3=" + hex(cr3 & ~0xFFFu));
}

}  // namespace xray86
