// Locks for one CPU: holding a lock means interrupts are off, so no other
// code can run on the CPU; the locked flag catches a lock taken twice.
#include "types.h"
#include "param.h"
#include "mmu.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "x86.h"

void initlock(struct spinlock *lk, char *name) {
  lk->name = name;
  lk->locked = 0;
}

void acquire(struct spinlock *lk) {
  pushcli();
  if (holding(lk))
    panic(lk->name);
  lk->locked = 1;
}

void release(struct spinlock *lk) {
  if (!holding(lk))
    panic("release");
  lk->locked = 0;
  popcli();
}

int holding(struct spinlock *lk) {
  pushcli();
  int r = lk->locked;
  popcli();
  return r;
}

// pushcli/popcli are cli/sti that nest: interrupts come back on only after
// the last popcli, and only if they were on before the first pushcli.
void pushcli(void) {
  uint eflags = readeflags();
  cli();
  if (cpu0.ncli == 0)
    cpu0.intena = eflags & FL_IF;
  cpu0.ncli += 1;
}

void popcli(void) {
  if (readeflags() & FL_IF)
    panic("popcli - interruptible");
  if (--cpu0.ncli < 0)
    panic("popcli");
  if (cpu0.ncli == 0 && cpu0.intena)
    sti();
}
