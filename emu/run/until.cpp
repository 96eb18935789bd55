// The text forms of a stop condition (run.h lists them).
#include <cstdlib>

#include "emu/run/run.h"

namespace run {

namespace {

bool number(const std::string& s, uint64_t& out) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  out = std::strtoull(s.c_str(), nullptr, 10);
  return true;
}

// "0x1000": an address given directly instead of a symbol's name.
std::optional<uint32_t> parseAddress(const std::string& s) {
  if (s.size() < 3 || s.size() > 10 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
    return std::nullopt;
  }
  if (s.find_first_not_of("0123456789abcdefABCDEF", 2) != std::string::npos) return std::nullopt;
  return static_cast<uint32_t>(std::strtoul(s.c_str() + 2, nullptr, 16));
}

}  // namespace

std::optional<Until> Until::parse(const std::string& text, std::string& error) {
  Until u;
  u.source = text;
  size_t colon = text.find(':');
  std::string head = text.substr(0, colon);
  std::string arg = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (text == "exit") return u;
  if (head == "insn" && number(arg, u.n)) {
    u.kind = Kind::kInstructions;
    return u;
  }
  if (head == "cycle" && number(arg, u.n)) {
    u.kind = Kind::kCycles;
    return u;
  }
  if (head == "pf" && number(arg, u.n) && u.n >= 1) {
    u.kind = Kind::kPageFaultDone;
    return u;
  }
  if ((head == "symbol" || head == "ret") && !arg.empty()) {
    u.kind = head == "symbol" ? Kind::kAddress : Kind::kReturn;
    u.address = parseAddress(arg);
    if (!u.address) u.name = arg;
    return u;
  }
  if (head == "console" && !arg.empty()) {
    u.kind = Kind::kConsole;
    u.text = arg;
    return u;
  }
  if (head == "event" && colon != std::string::npos) {
    u.kind = Kind::kEvent;
    u.text = arg;
    return u;
  }
  error = text +
          ": expected exit, insn:N, cycle:N, pf:N (N >= 1), symbol:NAME, ret:NAME, "
          "console:TEXT or event:EXPR";
  return std::nullopt;
}

}  // namespace run
