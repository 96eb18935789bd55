// Finding the processes of one copy-on-write fork in a finished run, for graders built on
// xray86's C++ API: the program typed at an xv6 shell forks once; which address space is the
// parent, which the child, where is the heap it got from sbrk, and which page faults belong to
// whom and to which moment (before or after the child's exit).
//
// TODO: switch to the API's process identity (asid, pid, parent: Machine::processes(),
// countersByProcess()) once it is in the API; until then processes are told apart by their
// address spaces (CR3) and the order of their system calls, as below.
#pragma once

#include <xray86/xray86.h>

#include <cstdint>
#include <cstdio>
#include <string>

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
  uint32_t parent = 0;      // the program's address space (CR3 & ~0xFFF) when it forked
  uint32_t child = 0;       // the child's: the first other space at CPL 3 after the fork
  uint64_t forkAt = 0;      // instructions retired at the fork system call
  uint64_t waitDoneAt = 0;  // ... at the parent's return from wait() (the child has exited)
  uint32_t heapStart = 0;   // what the program's first sbrk returned: its heap's first byte
  std::string heap;         // "cr2 in START..START+heapBytes", for filters

  // Filters for the faults of one side, in the language of `xray86 run --trace-filter`:
  // `what` is a kind and its classes ("kind=resolve and copied"), restricted to the heap pages
  // and to the child's life or the parent's time after the fork.
  std::string inChild(const std::string& what) const {
    return what + " and cr3=" + hex(child) + " and insns >= " + std::to_string(forkAt) + " and " +
           heap;
  }
  std::string inParent(const std::string& what, bool afterTheChild = false) const {
    return what + " and cr3=" + hex(parent) +
           " and insns >= " + std::to_string(afterTheChild ? waitDoneAt : forkAt) + " and " + heap;
  }
};

// The program's fork in a run of an xv6 shell that was typed one program: the first fork after
// the last exec (the shell's child became the program; exec gave it a fresh page directory, so
// its address space from then on is the program's). `heapBytes`: how much the program's first
// sbrk asked for.
inline CowFork findCowFork(const xray86::Machine& m, uint32_t heapBytes) {
  CowFork f;
  int fork = syscallNumber(m, "fork"), sbrk = syscallNumber(m, "sbrk"),
      wait = syscallNumber(m, "wait"), exec = syscallNumber(m, "exec");
  if (fork < 0 || sbrk < 0 || wait < 0 || exec < 0) {
    f.why = "the kernel's system-call table is not known (no kernel symbols?)";
    return f;
  }
  auto execs = m.events("kind=syscall and cpl=3 and eax=" + std::to_string(exec));
  uint64_t execAt = execs.empty() ? 0 : execs.back().instructions;
  for (const xray86::Event& e : m.events("kind=syscall and cpl=3 and eax=" + std::to_string(fork) +
                                         " and insns > " + std::to_string(execAt))) {
    f.parent = e.cr3 & ~0xFFFu;
    f.forkAt = e.instructions;
    break;
  }
  if (execs.empty() || f.parent == 0) {
    f.why = "no fork in a program the shell started";
    return f;
  }
  for (const xray86::Event& e :
       m.events("kind=sysret and eax=" + std::to_string(sbrk) + " and cr3=" + hex(f.parent) +
                " and insns in " + std::to_string(execAt) + ".." + std::to_string(f.forkAt))) {
    f.heapStart = e.value;  // the first sbrk of the program
    break;
  }
  for (const xray86::Event& e : m.events("cpl=3 and insns > " + std::to_string(f.forkAt))) {
    if ((e.cr3 & ~0xFFFu) != f.parent) {
      f.child = e.cr3 & ~0xFFFu;
      break;
    }
  }
  for (const xray86::Event& e :
       m.events("kind=sysret and eax=" + std::to_string(wait) + " and cr3=" + hex(f.parent) +
                " and insns > " + std::to_string(f.forkAt))) {
    f.waitDoneAt = e.instructions;
    break;
  }
  if (f.heapStart == 0 || f.child == 0 || f.waitDoneAt == 0) {
    f.why = f.heapStart == 0 ? "no sbrk before the fork"
            : f.child == 0   ? "the child never ran in user mode"
                             : "the parent never returned from wait()";
    return f;
  }
  f.heap = "cr2 in " + hex(f.heapStart) + ".." + hex(f.heapStart + heapBytes);
  f.found = true;
  return f;
}

}  // namespace grading
