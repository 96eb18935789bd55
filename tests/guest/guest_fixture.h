// Helpers shared by the guest suites: the built-in guest's options, what cowfork prints, the
// kernel's free list read through the API, and one boot of the same guest on qemu-system-i386
// with its interrupt log (-d int) parsed into page faults.
//
// Paths come from the build (tests/guest/CMakeLists.txt): GUEST_KERNEL, GUEST_ARCHIVE,
// GUEST_USER_DIR (the user programs with their symbols).
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "xray86/xray86.h"

namespace guest {

// The kernel's memory layout (guest/kernel/memlayout.h, mmu.h) and system calls (syscall.h).
constexpr uint32_t kKernBase = 0x80000000;
constexpr uint32_t kPgSize = 4096;
constexpr uint32_t kPteCow = 0x200;  // PTE_COW: the first software-available bit (mmu.h)
constexpr uint32_t kSysFork = 1, kSysExit = 2, kSysWait = 3;

// The built-in guest booted by multiboot with `cmdline`, the symbols of the kernel and of the
// programs named (so "eip in main" means that program's main).
inline xray86::Options options(const std::string& cmdline,
                               const std::vector<std::string>& programs = {}) {
  xray86::Options o;
  o.kernel = GUEST_KERNEL;
  o.modules = {GUEST_ARCHIVE};
  o.cmdline = cmdline;
  for (const std::string& p : programs) o.symbols.push_back(std::string(GUEST_USER_DIR) + "/_" + p);
  // Every scenario here ends well within 200 million instructions (cowtest needs about 40).
  o.maxInstructions = 200'000'000;
  return o;
}

// What cowfork printed.
struct CowforkReport {
  int pages = 0;  // the process's size in pages at fork (text, data, guard, stack, heap)
  uint32_t heapStart = 0, heapEnd = 0;
  int freeBefore = 0;        // free frames just before fork
  int freeAtChildExit = -1;  // ... as the child saw them after its writes
  int freeAfter = -1;        // ... after the parent reaped the child
  char childSaw = 0;         // what the child read in the first heap page
};

inline CowforkReport parseCowfork(const std::string& console) {
  CowforkReport r;
  std::smatch m;
  std::regex first(
      "cowfork: ([0-9]+) pages, heap 0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+), free pages ([0-9]+)");
  if (std::regex_search(console, m, first)) {
    r.pages = std::stoi(m[1]);
    r.heapStart = static_cast<uint32_t>(std::stoul(m[2], nullptr, 16));
    r.heapEnd = static_cast<uint32_t>(std::stoul(m[3], nullptr, 16));
    r.freeBefore = std::stoi(m[4]);
  }
  std::regex saw("cowfork: child saw '(.)' in the first heap page");
  if (std::regex_search(console, m, saw)) r.childSaw = m.str(1)[0];
  std::regex last(
      "free pages ([0-9]+) before fork, (-?[0-9]+) at the child's exit, ([0-9]+) after");
  if (std::regex_search(console, m, last)) {
    r.freeAtChildExit = std::stoi(m[2]);
    r.freeAfter = std::stoi(m[3]);
  }
  return r;
}

// getNumFreePages() computed from outside: the length of kalloc.c's kmem.freelist, read through
// the API with no side effect. kmem starts with a struct spinlock {uint locked; char *name;
// struct cpu *cpu;} (12 bytes), then `struct run *freelist`; each free frame's first word links
// to the next.
inline int freeFrames(const xray86::Machine& m) {
  auto kmem = m.symbols().find("kmem");
  if (!kmem) return -1;
  uint32_t next = m.readPhysical32(kmem->start - kKernBase + 12);
  int n = 0;
  while (next != 0 && n < (1 << 20)) {
    next = m.readPhysical32(next - kKernBase);
    ++n;
  }
  return n;
}

// An address space is named by the CR3 it runs under. The parent's is the one that called fork;
// the child's is the first other one seen at CPL 3 after that call (its first fault or call).
struct ForkSpaces {
  uint32_t parent = 0, child = 0;
};
inline ForkSpaces forkSpaces(const xray86::Machine& m) {
  ForkSpaces s;
  uint64_t forkAt = 0;
  for (const xray86::Event& e :
       m.events(xray86::Filter::of(xray86::EventKind::kSyscall).atCpl(3))) {
    if (e.eax == kSysFork) {
      s.parent = e.cr3 & ~0xFFFu;
      forkAt = e.instructions;
      break;
    }
  }
  if (s.parent == 0) return s;
  for (const xray86::Event& e : m.events(xray86::Filter().atCpl(3))) {
    if (e.instructions > forkAt && (e.cr3 & ~0xFFFu) != s.parent) {
      s.child = e.cr3 & ~0xFFFu;
      break;
    }
  }
  return s;
}

// ---- QEMU
// ----------------------------------------------------------------------------------------

struct QemuFault {
  uint32_t errorCode = 0, cpl = 0, eip = 0, cr2 = 0, cr3 = 0;
};
struct QemuRun {
  int exitCode = -1;  // QEMU's exit status: 0 for status 0, else ((status << 1) | 1) & 0xFF
  std::string console;
  std::vector<QemuFault> faults;
  std::string error;  // set when QEMU could not be run
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Boots the built-in guest on qemu-system-i386 as REFERENCES.md describes, with -d int.
inline QemuRun runQemu(const std::string& cmdline, const std::string& tag) {
  QemuRun r;
  std::string dir = std::string(QEMU_WORK_DIR);
  std::string log = dir + "/" + tag + ".int.log", out = dir + "/" + tag + ".console";
  std::remove(log.c_str());
  std::remove(out.c_str());
  // -icount: QEMU's virtual clock follows the instructions it runs instead of the host clock, so
  // where the timer interrupts a scenario does not depend on how busy the host is. Without it a
  // loaded host lets a tick land inside cow_trap=off's fork, the child runs first, and QEMU logs
  // a second fault (the child's) before init's kill panics the kernel.
  std::string cmd =
      "timeout 120 qemu-system-i386 -machine pc -accel tcg -m 256 -display none -monitor none"
      " -icount shift=0,align=off,sleep=off"
      " -serial file:" +
      out +
      " -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot"
      " -kernel " GUEST_KERNEL " -initrd " GUEST_ARCHIVE " -append '" +
      cmdline + "' -d int -D " + log + " </dev/null >/dev/null 2>&1";
  int status = std::system(cmd.c_str());
  if (status == -1 || !WIFEXITED(status)) {
    r.error = "could not run: " + cmd;
    return r;
  }
  r.exitCode = WEXITSTATUS(status);
  r.console = slurp(out);
  r.console.erase(std::remove(r.console.begin(), r.console.end(), '\r'), r.console.end());
  // "   12: v=0e e=0007 i=0 cpl=3 IP=001b:00001234 pc=00001234 SP=... CR2=00002000", then the
  // register dump, whose "CR0=... CR2=... CR3=..." line gives the address space.
  std::istringstream in(slurp(log));
  std::string line;
  QemuFault* open = nullptr;
  std::regex head(
      " v=0e e=([0-9a-f]+) i=[01] cpl=([0-3]) IP=[0-9a-f]+:[0-9a-f]+ pc=([0-9a-f]+) .* "
      "CR2=([0-9a-f]+)");
  std::regex cr3(" CR3=([0-9a-f]+)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (line.find(" v=") != std::string::npos) open = nullptr;
    if (line.find(" v=0e ") != std::string::npos && std::regex_search(line, m, head)) {
      QemuFault f;
      f.errorCode = static_cast<uint32_t>(std::stoul(m[1], nullptr, 16));
      f.cpl = static_cast<uint32_t>(std::stoul(m[2]));
      f.eip = static_cast<uint32_t>(std::stoul(m[3], nullptr, 16));
      f.cr2 = static_cast<uint32_t>(std::stoul(m[4], nullptr, 16));
      r.faults.push_back(f);
      open = &r.faults.back();
    } else if (open != nullptr && line.rfind("CR0=", 0) == 0 && std::regex_search(line, m, cr3)) {
      open->cr3 = static_cast<uint32_t>(std::stoul(m[1], nullptr, 16));
      open = nullptr;
    }
  }
  return r;
}

inline size_t qemuFaultsIn(const QemuRun& q, uint32_t first, uint32_t last) {
  size_t n = 0;
  for (const QemuFault& f : q.faults) n += f.cr2 >= first && f.cr2 < last;
  return n;
}

}  // namespace guest
