// Processes: their saved registers and their table entry.
#ifndef GUEST_PROC_H
#define GUEST_PROC_H

// The callee-saved registers swtch() keeps on a kernel stack. The stack
// pointer is the context's own address; eip is the return address swtch pushed.
struct context {
  uint edi;
  uint esi;
  uint ebx;
  uint ebp;
  uint eip;
};

enum procstate { UNUSED, EMBRYO, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

struct proc {
  uint sz;                     // bytes of user memory (text, data, guard, stack, heap)
  pde_t *pgdir;                // page directory
  char *kstack;                // bottom of the kernel stack
  enum procstate state;
  int pid;
  struct proc *parent;
  struct trapframe *tf;        // the trap frame of the current syscall or trap
  struct context *context;     // swtch() here to run the process
  void *chan;                  // if SLEEPING, what it waits for
  int killed;                  // if non-zero, exit at the next return to user mode
  int xstate;                  // exit status, for wait()
  struct file *ofile[NOFILE];  // open files
  char name[16];               // for the kill message and debugging
  uint pagefaults;             // page faults resolved by handlePageFault since exec
  uint lastfaulteip;           // the last page fault and how often it repeated
  uint lastfaultaddr;          //   in a row, for repeatedfault (trap.c) to stop
  uint repeats;                //   a fault that repeats forever (cow_fix=keepro)
};

// Per-CPU state. cpus[0] is the bootstrap processor; the others are the
// application processors the MP table lists, started by startothers (main.c).
struct cpu {
  uchar apicid;               // the local APIC's ID
  struct context *scheduler;  // swtch() here to enter the scheduler
  struct taskstate ts;        // esp0 for traps from ring 3
  struct segdesc gdt[NSEGS];
  volatile uint started;      // has the CPU reached its scheduler?
  int ncli;                   // depth of pushcli nesting
  int intena;                 // were interrupts enabled before the first pushcli?
  struct proc *proc;          // running process or 0
};
extern struct cpu cpus[NCPU];
extern int ncpu;
#endif
