// System calls about processes, time and memory.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "mmu.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "x86.h"

int sys_fork(void) { return fork(); }

int sys_exit(void) {
  int status;
  if (argint(0, &status) < 0)
    status = -1;
  exit(status);
}

// wait(int *status): status may be 0.
int sys_wait(void) {
  int addr;
  if (argint(0, &addr) < 0)
    return -1;
  return wait(addr);
}

int sys_kill(void) {
  int pid;
  if (argint(0, &pid) < 0)
    return -1;
  return kill(pid);
}

int sys_getpid(void) { return myproc()->pid; }

// sbrk(n): grow memory by n bytes (shrink if negative); returns the old end.
int sys_sbrk(void) {
  int n;
  if (argint(0, &n) < 0)
    return -1;
  int addr = myproc()->sz;
  if (growproc(n) < 0)
    return -1;
  return addr;
}

// sleep(n): wait n timer ticks.
int sys_sleep(void) {
  int n;
  if (argint(0, &n) < 0)
    return -1;
  acquire(&tickslock);
  uint ticks0 = ticks;
  while (ticks - ticks0 < (uint)n) {
    if (myproc()->killed) {
      release(&tickslock);
      return -1;
    }
    sleep(&ticks, &tickslock);
  }
  release(&tickslock);
  return 0;
}

// Timer ticks since boot.
int sys_uptime(void) {
  acquire(&tickslock);
  uint t = ticks;
  release(&tickslock);
  return t;
}

// The lab's first exercise: the number of free frames (kalloc.c walks kmem.freelist).
int sys_getNumFreePages(void) { return getNumFreePages(); }

// Page faults handlePageFault has resolved for the calling process.
int sys_getNumPageFaults(void) { return myproc()->pagefaults; }

// Page-table pages of the calling process's kernel half that are its own (vm.c's
// kptables): 0 in the shared layout, so tests can subtract them from fork's cost.
int sys_kptables(void) { return kptables(myproc()->pgdir); }
