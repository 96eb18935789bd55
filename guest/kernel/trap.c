// Traps: the interrupt descriptor table and the C side of every interrupt,
// exception and system call.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "mmu.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "traps.h"
#include "x86.h"

static struct gatedesc idt[256];
extern uint vectors[];  // vectors.S

// Fill the IDT, which every CPU loads. Every gate is an interrupt gate, the
// system call's too: the kernel runs with interrupts off (no preemption inside
// the kernel; the other CPUs are kept out by spin locks) and turns them on
// only in the scheduler's idle loop and in user mode.
void tvinit(void) {
  for (int i = 0; i < 256; i++)
    SETGATE(idt[i], 0, SEG_KCODE << 3, vectors[i], 0);
  SETGATE(idt[T_SYSCALL], 0, SEG_KCODE << 3, vectors[T_SYSCALL], DPL_USER);
}

void idtinit(void) { lidt(idt, sizeof(idt)); }

static int fromuser(struct trapframe *tf) { return (tf->cs & 3) == DPL_USER; }

// Kill process p for trap tf, saying so on the console; va is the faulting
// address (CR2). p exits instead of returning to user mode; a system call that
// was writing into its memory returns first. Returns -1, a handler's result for
// a fault it did not resolve.
int killproc(struct proc *p, struct trapframe *tf, uint va) {
  cprintf("pid %d %s: trap %d err %d eip 0x%x addr 0x%x--kill proc\n", p->pid, p->name,
          tf->trapno, tf->err, tf->eip, va);
  p->killed = 1;
  return -1;
}

// A fault repeated this many times in a row at the same eip and address is
// stopped, so that cow_fix=keepro's endless loop ends in a kill, not a hang.
#define FAULT_REPEAT_LIMIT 10000

// Note a page fault of p at va. Returns 1, after saying so, if it is the same
// fault (eip and address) as the previous ones FAULT_REPEAT_LIMIT times in a row
// with no system call between them; 0 otherwise.
static int repeatedfault(struct proc *p, struct trapframe *tf, uint va) {
  if (tf->eip != p->lastfaulteip || va != p->lastfaultaddr) {
    p->lastfaulteip = tf->eip;
    p->lastfaultaddr = va;
    p->repeats = 0;
    return 0;
  }
  if (++p->repeats < FAULT_REPEAT_LIMIT)
    return 0;
  cprintf("pid %d %s: the same page fault %d times in a row\n", p->pid, p->name,
          FAULT_REPEAT_LIMIT);
  return 1;
}

// A page fault. In user mode the handler resolves it or kills the process. In
// kernel mode it may be the kernel writing into a COW user page (usercopy): the
// same handler resolves it, or on failure usercopy returns -1. Any other kernel
// fault is a kernel bug. A fault the handler keeps "resolving" without effect
// kills the process rather than run forever.
static void pagefault(struct trapframe *tf) {
  struct proc *p = myproc();
  uint va = rcr2();
  if (p == 0) {
    cprintf("page fault with no process: err %d eip 0x%x addr 0x%x\n", tf->err, tf->eip, va);
    panic("trap");
  }
  int incopy = tf->eip >= (uint)usercopy_begin && tf->eip < (uint)usercopy_end;
  if (!fromuser(tf) && !incopy) {
    cprintf("kernel page fault: err %d eip 0x%x addr 0x%x\n", tf->err, tf->eip, va);
    panic("trap");
  }
  int ok;
  if (opt.cow_trap_off)
    ok = killproc(p, tf, va);  // the lab's starting point: no handler, every fault kills
  else if (repeatedfault(p, tf, va))
    ok = killproc(p, tf, va);
  else
    ok = handlePageFault(tf);
  if (ok < 0 && incopy)
    tf->eip = (uint)usercopy_fault;
}

// End of interrupt for IRQ irq: to the local APIC if it is in use, else to the 8259s.
static void irqeoi(int irq) {
  if (useapic)
    lapiceoi();
  else
    piceoi(irq);
}

void trap(struct trapframe *tf) {
  struct proc *p = myproc();
  if (tf->trapno == T_SYSCALL) {
    if (p->killed)
      exit(-1);
    p->tf = tf;
    p->repeats = 0;
    syscall();
    if (p->killed)
      exit(-1);
    return;
  }

  switch (tf->trapno) {
  case T_IRQ0 + IRQ_TIMER:
    // Every CPU's timer preempts what runs there; the clock counts CPU 0's.
    if (cpuid() == 0) {
      acquire(&tickslock);
      ticks++;
      wakeup(&ticks);
      release(&tickslock);
    }
    irqeoi(IRQ_TIMER);
    break;
  case T_IRQ0 + IRQ_COM1:
    consoleintr();
    irqeoi(IRQ_COM1);
    break;
  case T_IRQ0 + IRQ_LAPIC_SPURIOUS:
    break;  // nothing went in service, so no end-of-interrupt (SDM vol. 3A 10.9)
  case T_IRQ0 + IRQ_SPURIOUS:
    break;  // the master 8259's spurious IRQ 7: no end-of-interrupt is due
  case T_IRQ0 + IRQ_SPURIOUS + 8:
    piceoi(0);  // the slave's spurious IRQ 15: only the master saw a real IRQ 2
    break;
  case T_PGFLT:
    pagefault(tf);
    break;
  default:
    if (p == 0 || !fromuser(tf)) {
      cprintf("unexpected trap %d from cpl %d: err %d eip 0x%x cr2 0x%x\n", tf->trapno,
              tf->cs & 3, tf->err, tf->eip, rcr2());
      panic("trap");
    }
    killproc(p, tf, rcr2());
  }

  // Only traps from user mode end in exit or yield: inside the kernel (a
  // usercopy fault) the system call finishes first and checks p->killed itself.
  if (p && fromuser(tf)) {
    if (p->killed)
      exit(-1);
    if (p->state == RUNNING && tf->trapno == T_IRQ0 + IRQ_TIMER)
      yield();
    if (p->killed)
      exit(-1);
  }
}
