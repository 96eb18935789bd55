// Finding the processes of one copy-on-write fork in a finished run, for graders built on
// xray86's C++ API: the program typed at an xv6 shell forks once; which process is the parent,
// which the child, where is the heap it got from sbrk, and which page faults belong to whom and
// to which moment (before or after the child's exit). Processes are xray86's (Machine::
// processes(): an asid per address space for its lifetime, its parent, the kernel's pid), so a
// page directory that one process frees and the next reuses never mixes the two.
#pragma once

#include <xray86/xray86.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace grading {

// The system call that the kernel's `syscalls` table names `name` ("fork", "sbrk", "wait"), -1
// when the run has not learnt it (xray86 reads the table through the kernel's symbols: give the
// kernel ELF in Options::symbols when booting from a disk).
inline int syscallNumber(const xray86::Machine& m, const std::string& name) {
  for (uint32_t n = 0; n < 64; ++n) {
    if (m.syscallName(n) == name) return static_cast<int>(n);
  }
  return -1;
}

inline std::string hex(uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%x", v);
  return text;
}

// One fork of the program the shell started: every field is 0 (found false) when the run holds
// no such fork.
struct CowFork {
  bool found = false;
  std::string why;          // when not found: what was missing
  uint32_t parent = 0;      // the program's process (asid): the one the shell's exec made
  uint32_t child = 0;       // the process its first fork made (its parent is `parent`)
  uint64_t forkAt = 0;      // instructions retired at the fork system call
  uint64_t waitDoneAt = 0;  // ... at the parent's return from wait() (the child has exited)
  uint32_t heapStart = 0;   // what the program's first sbrk returned: its heap's first byte
  std::string heap;         // "cr2 in START..START+heapBytes", for filters

  // Filters for the faults of one side, in the language of `xray86 run --trace-filter`:
  // `what` is a kind and its classes ("kind=resolve and copied"), restricted to the heap pages
  // and to the child, or to the parent's time after the fork (or after the child's exit).
  std::string inChild(const std::string& what) const {
    return what + " and asid=" + std::to_string(child) + " and " + heap;
  }
  std::string inParent(const std::string& what, bool afterTheChild = false) const {
    return what + " and asid=" + std::to_string(parent) +
           " and insns >= " + std::to_string(afterTheChild ? waitDoneAt : forkAt) + " and " + heap;
  }
  // "the parent (asid 5, pid 4, cowcheck)", "the child (...)" once found, else "asid 1 (pid 1,
  // init)".
  std::string who(const xray86::Machine& m, uint32_t asid) const {
    std::string details = "asid " + std::to_string(asid);
    std::vector<xray86::Process> ps = m.processes();
    if (asid >= 1 && asid <= ps.size()) {
      const xray86::Process& p = ps[asid - 1];
      if (p.pid >= 0) details += ", pid " + std::to_string(p.pid);
      if (!p.name.empty()) details += ", " + p.name;
    }
    if (found && asid == parent) return "the parent (" + details + ")";
    if (found && asid == child) return "the child (" + details + ")";
    size_t comma = details.find(", ");
    return comma == std::string::npos
               ? details
               : details.substr(0, comma) + " (" + details.substr(comma + 2) + ")";
  }
};

// The program's fork in a run of an xv6 shell that was typed one program: the program is the
// last process an exec made (the shell's child running it: the shell itself execs nothing), the
// child the first process forked from it. `heapBytes`: how much the program's first sbrk asked
// for.
inline CowFork findCowFork(const xray86::Machine& m, uint32_t heapBytes) {
  CowFork f;
  int fork = syscallNumber(m, "fork"), sbrk = syscallNumber(m, "sbrk"),
      wait = syscallNumber(m, "wait");
  if (fork < 0 || sbrk < 0 || wait < 0) {
    f.why = "the kernel's system-call table is not known (no kernel symbols?)";
    return f;
  }
  std::vector<xray86::Process> ps = m.processes();
  for (const xray86::Process& p : ps) {
    if (p.execFrom != 0) f.parent = p.asid;
  }
  for (const xray86::Process& p : ps) {
    if (f.parent != 0 && p.parent == f.parent) {
      f.child = p.asid;
      break;
    }
  }
  if (f.parent == 0 || f.child == 0) {
    f.why = f.parent == 0 ? "no program started by exec" : "the program never forked";
    return f;
  }
  const std::string mine = " and asid=" + std::to_string(f.parent);
  for (const xray86::Event& e : m.events("kind=syscall and eax=" + std::to_string(fork) + mine)) {
    f.forkAt = e.instructions;
    break;
  }
  for (const xray86::Event& e : m.events("kind=sysret and eax=" + std::to_string(sbrk) + mine +
                                         " and insns < " + std::to_string(f.forkAt))) {
    f.heapStart = e.value;  // the first sbrk of the program
    break;
  }
  for (const xray86::Event& e : m.events("kind=sysret and eax=" + std::to_string(wait) + mine +
                                         " and insns > " + std::to_string(f.forkAt))) {
    f.waitDoneAt = e.instructions;
    break;
  }
  if (f.forkAt == 0 || f.heapStart == 0 || f.waitDoneAt == 0) {
    f.why = f.forkAt == 0      ? "no fork system call in the program"
            : f.heapStart == 0 ? "no sbrk before the fork"
                               : "the parent never returned from wait()";
    return f;
  }
  f.heap = "cr2 in " + hex(f.heapStart) + ".." + hex(f.heapStart + heapBytes);
  f.found = true;
  return f;
}

}  // namespace grading
