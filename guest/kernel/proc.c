// Processes: the process table, fork, exit, wait, kill, sleep and wakeup,
// and the round-robin scheduler.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "mmu.h"
#include "spinlock.h"
#include "proc.h"
#include "file.h"
#include "defs.h"
#include "x86.h"

struct cpu cpus[NCPU];
int ncpu = 1;  // until main has read the MP table and mapped the local APIC

struct {
  struct spinlock lock;
  struct proc proc[NPROC];
} ptable = {.lock = {0, "ptable", 0}};

static struct proc *initproc;
static int nextpid = 1;
extern void trapret(void);
static void forkret(void);

// The CPU this code runs on, found by its local APIC's ID. With one CPU
// (before the MP table is read, or when it lists one) it is cpus[0] and the
// local APIC is not touched: the shared layout does not map it then. Must be
// called with interrupts off, else the process could move to another CPU
// between the read and the use.
struct cpu *mycpu(void) {
  if (ncpu == 1)
    return &cpus[0];
  if (readeflags() & FL_IF)
    panic("mycpu called with interrupts enabled");
  int apicid = lapicid();
  for (int i = 0; i < ncpu; i++)
    if (cpus[i].apicid == apicid)
      return &cpus[i];
  panic("unknown apicid");
}

// The index of this CPU in cpus[].
int cpuid(void) { return mycpu() - cpus; }

// The running process, or 0 in the scheduler.
struct proc *myproc(void) {
  pushcli();
  struct proc *p = mycpu()->proc;
  popcli();
  return p;
}

// Find an UNUSED slot, make it EMBRYO and give it a kernel stack laid out so
// that its first swtch() runs forkret, which returns to trapret.
// Returns 0 if the table is full or memory is out.
static struct proc *allocproc(void) {
  struct proc *p;
  acquire(&ptable.lock);
  for (p = ptable.proc; p < &ptable.proc[NPROC]; p++)
    if (p->state == UNUSED)
      goto found;
  release(&ptable.lock);
  return 0;

found:
  p->state = EMBRYO;
  p->pid = nextpid++;
  release(&ptable.lock);

  if ((p->kstack = kalloc()) == 0) {
    p->state = UNUSED;
    return 0;
  }
  char *sp = p->kstack + KSTACKSIZE;
  sp -= sizeof *p->tf;
  p->tf = (struct trapframe *)sp;
  sp -= 4;
  *(uint *)sp = (uint)trapret;
  sp -= sizeof *p->context;
  p->context = (struct context *)sp;
  memset(p->context, 0, sizeof *p->context);
  p->context->eip = (uint)forkret;
  p->killed = 0;
  p->xstate = 0;
  p->pagefaults = 0;
  p->lastfaulteip = p->lastfaultaddr = p->repeats = 0;
  return p;
}

// Set up the first process. It starts in forkret, which opens the console and
// execs init (or the run= program).
void userinit(void) {
  struct proc *p = allocproc();
  if (p == 0)
    panic("userinit");
  initproc = p;
  if ((p->pgdir = setupkvm()) == 0)
    panic("userinit: out of memory");
  p->sz = 0;
  memset(p->tf, 0, sizeof(*p->tf));
  p->tf->cs = (SEG_UCODE << 3) | DPL_USER;
  p->tf->ds = (SEG_UDATA << 3) | DPL_USER;
  p->tf->es = p->tf->ds;
  p->tf->ss = p->tf->ds;
  p->tf->eflags = FL_IF;
  safestrcpy(p->name, "init", sizeof(p->name));
  acquire(&ptable.lock);
  p->state = RUNNABLE;
  release(&ptable.lock);
}

// Open the console as file descriptors 0, 1 and 2 of the first process and
// exec its program: init, or the run= command line split at spaces.
static void startfirst(void) {
  static char words[CMDLINE];
  char *argv[MAXARG + 1];
  int argc = 0;
  struct proc *p = myproc();
  for (int fd = 0; fd < 3; fd++) {
    struct file *f = filealloc();
    if (f == 0)
      panic("startfirst: no file");
    f->type = FD_CONSOLE;
    f->readable = f->writable = 1;
    p->ofile[fd] = f;
  }
  safestrcpy(words, opt.run[0] ? opt.run : "init", sizeof(words));
  for (char *s = words; *s && argc < MAXARG;) {
    while (*s == ' ')
      *s++ = 0;
    if (*s == 0)
      break;
    argv[argc++] = s;
    while (*s && *s != ' ')
      s++;
  }
  argv[argc] = 0;
  if (argc == 0 || exec(argv[0], argv) < 0) {
    cprintf("cannot exec %s\n", argc ? argv[0] : "(nothing)");
    poweroff(0x7d);
  }
}

// A new process's first scheduling lands here, still holding ptable.lock
// from the scheduler; it returns to trapret and so to user mode.
static void forkret(void) {
  static int first = 1;
  release(&ptable.lock);
  if (first) {
    first = 0;
    startfirst();
  }
}

// Grow (n > 0) or shrink the current process's memory by n bytes.
// Returns 0, or -1 if out of memory or out of address space.
int growproc(int n) {
  struct proc *p = myproc();
  uint sz = p->sz;
  if (n > 0) {
    if ((uint)n >= KERNBASE - sz || (sz = allocuvm(p->pgdir, sz, sz + n, PTE_W)) == 0)
      return -1;
  } else if (n < 0) {
    uint shrink = 0u - (uint)n;  // -n without overflow for n = INT_MIN
    if (shrink > sz)
      return -1;
    sz = deallocuvm(p->pgdir, sz, sz - shrink);
  }
  p->sz = sz;
  switchuvm(p);  // reloads CR3: no stale translation of a freed page survives
  return 0;
}

// Create a child that copies the current process (copyuvm: by copy-on-write,
// or eagerly with fork=eager). Returns the child's pid to the parent, 0 to the
// child, -1 if there is no free slot or not enough memory.
int fork(void) {
  struct proc *curproc = myproc();
  struct proc *np = allocproc();
  if (np == 0)
    return -1;
  if ((np->pgdir = copyuvm(curproc->pgdir, curproc->sz)) == 0) {
    kfree(np->kstack);
    np->kstack = 0;
    acquire(&ptable.lock);
    np->state = UNUSED;
    release(&ptable.lock);
    return -1;
  }
  np->sz = curproc->sz;
  np->parent = curproc;
  *np->tf = *curproc->tf;
  np->tf->eax = 0;  // fork returns 0 in the child
  for (int i = 0; i < NOFILE; i++)
    if (curproc->ofile[i])
      np->ofile[i] = filedup(curproc->ofile[i]);
  safestrcpy(np->name, curproc->name, sizeof(curproc->name));
  int pid = np->pid;
  acquire(&ptable.lock);
  np->state = RUNNABLE;
  release(&ptable.lock);
  return pid;
}

// Wake every process sleeping on chan. The caller holds ptable.lock.
static void wakeup1(void *chan) {
  for (struct proc *p = ptable.proc; p < &ptable.proc[NPROC]; p++)
    if (p->state == SLEEPING && p->chan == chan)
      p->state = RUNNABLE;
}

// End the current process with status: it stays a ZOMBIE until its parent's
// wait(). Children go to initproc. When initproc itself ends, the machine
// powers off with its status under run=, and panics otherwise.
void exit(int status) {
  struct proc *curproc = myproc();
  if (curproc == initproc) {
    if (opt.run[0]) {
      cprintf("run: exit %d\n", status);
      poweroff(status);
    }
    panic("init exiting");
  }
  for (int fd = 0; fd < NOFILE; fd++) {
    if (curproc->ofile[fd]) {
      fileclose(curproc->ofile[fd]);
      curproc->ofile[fd] = 0;
    }
  }
  acquire(&ptable.lock);
  wakeup1(curproc->parent);
  for (struct proc *p = ptable.proc; p < &ptable.proc[NPROC]; p++) {
    if (p->parent == curproc) {
      p->parent = initproc;
      if (p->state == ZOMBIE)
        wakeup1(initproc);
    }
  }
  curproc->xstate = status;
  curproc->state = ZOMBIE;
  sched();
  panic("zombie exit");
}

// Wait for a child to exit; write its status to user address statusaddr
// unless it is 0. Returns the child's pid, or -1 if there are no children,
// the caller was killed, or the status could not be written.
int wait(uint statusaddr) {
  struct proc *curproc = myproc();
  acquire(&ptable.lock);
  for (;;) {
    int havekids = 0;
    for (struct proc *p = ptable.proc; p < &ptable.proc[NPROC]; p++) {
      if (p->parent != curproc)
        continue;
      havekids = 1;
      if (p->state == ZOMBIE) {
        int pid = p->pid;
        int status = p->xstate;
        kfree(p->kstack);
        p->kstack = 0;
        freevm(p->pgdir);
        p->pgdir = 0;
        p->pid = 0;
        p->parent = 0;
        p->name[0] = 0;
        p->killed = 0;
        p->state = UNUSED;
        release(&ptable.lock);
        // Written after the lock is released: the write may fault on a COW page.
        if (statusaddr && copytouser(statusaddr, &status, sizeof(status)) < 0)
          return -1;
        return pid;
      }
    }
    if (!havekids || curproc->killed) {
      release(&ptable.lock);
      return -1;
    }
    sleep(curproc, &ptable.lock);
  }
}

// The scheduler, one per CPU: run each RUNNABLE process in turn, round
// robin, forever. With nothing to run, wait for an interrupt with interrupts
// on: the CPU's own timer tick, at the latest, makes it look again.
void scheduler(void) {
  struct cpu *c = mycpu();
  c->proc = 0;
  for (;;) {
    sti();
    int ran = 0;
    acquire(&ptable.lock);
    for (struct proc *p = ptable.proc; p < &ptable.proc[NPROC]; p++) {
      if (p->state != RUNNABLE)
        continue;
      ran = 1;
      c->proc = p;
      switchuvm(p);
      p->state = RUNNING;
      swtch(&c->scheduler, p->context);
      switchkvm();
      c->proc = 0;
    }
    release(&ptable.lock);
    if (!ran)
      hlt();
  }
}

// Switch to the scheduler. The caller holds ptable.lock (and nothing else)
// and has changed the process's state.
void sched(void) {
  struct proc *p = myproc();
  if (!holding(&ptable.lock))
    panic("sched ptable.lock");
  if (mycpu()->ncli != 1)
    panic("sched locks");
  if (p->state == RUNNING)
    panic("sched running");
  if (readeflags() & FL_IF)
    panic("sched interruptible");
  int intena = mycpu()->intena;
  swtch(&p->context, mycpu()->scheduler);
  mycpu()->intena = intena;
}

// Give up the CPU for one scheduling round.
void yield(void) {
  acquire(&ptable.lock);
  myproc()->state = RUNNABLE;
  sched();
  release(&ptable.lock);
}

// Release lk and sleep on chan; take lk again when woken.
void sleep(void *chan, struct spinlock *lk) {
  struct proc *p = myproc();
  if (p == 0)
    panic("sleep");
  if (lk != &ptable.lock) {
    acquire(&ptable.lock);
    release(lk);
  }
  p->chan = chan;
  p->state = SLEEPING;
  sched();
  p->chan = 0;
  if (lk != &ptable.lock) {
    release(&ptable.lock);
    acquire(lk);
  }
}

// Wake every process sleeping on chan.
void wakeup(void *chan) {
  acquire(&ptable.lock);
  wakeup1(chan);
  release(&ptable.lock);
}

// Mark process pid killed; it exits when it next returns to user mode.
// Returns 0, or -1 if there is no such process.
int kill(int pid) {
  acquire(&ptable.lock);
  for (struct proc *p = ptable.proc; p < &ptable.proc[NPROC]; p++) {
    if (p->pid == pid && p->state != UNUSED) {
      p->killed = 1;
      if (p->state == SLEEPING)
        p->state = RUNNABLE;
      release(&ptable.lock);
      return 0;
    }
  }
  release(&ptable.lock);
  return -1;
}

// Print the process table on the console (control-P).
void procdump(void) {
  static const char *states[] = {"unused", "embryo", "sleep ", "runble", "run   ", "zombie"};
  for (struct proc *p = ptable.proc; p < &ptable.proc[NPROC]; p++)
    if (p->state != UNUSED)
      cprintf("%d %s %s sz %d faults %d\n", p->pid, states[p->state], p->name, p->sz,
              p->pagefaults);
}
