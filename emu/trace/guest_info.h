// What the tracer learns about the guest while it runs, for the words of a trace and the run
// summary: the names of its system calls (read from the kernel's `syscalls` table, xv6's name,
// through its symbols), which call is the lab's getNumFreePages, and the programs each address
// space has run (trace::Programs).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace trace {

struct GuestInfo {
  std::map<uint32_t, std::string> syscallNames;  // call number -> "fork" (sys_fork without "sys_")
  std::optional<uint32_t> freePagesCall;         // the number of getNumFreePages
  // By page-directory base (CR3 & ~0xFFF): the programs seen running there, in order (a
  // directory freed by one process may be reused by the next).
  std::map<uint32_t, std::vector<std::string>> spaceNames;

  std::string syscallName(uint32_t number) const {
    auto it = syscallNames.find(number);
    return it == syscallNames.end() ? std::string() : it->second;
  }
  // "sh, cowtest", or "" when no program was recognised there.
  std::string spaceName(uint32_t cr3) const {
    auto it = spaceNames.find(cr3 & ~0xFFFu);
    if (it == spaceNames.end()) return {};
    std::string s;
    for (const std::string& n : it->second) s += (s.empty() ? "" : ", ") + n;
    return s;
  }
};

}  // namespace trace
