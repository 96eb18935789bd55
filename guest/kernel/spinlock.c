// Spin locks: XCHG takes the lock word atomically on every CPU, and pushcli
// keeps interrupts off on the holder's CPU so that an interrupt handler cannot
// spin on a lock its own CPU holds.
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
  lk->cpu = 0;
}

// Spin until the lock is ours. The memory clobber of xchg and the barrier
// keep the compiler from moving the critical section's loads and stores
// above it (an x86 does not reorder them across a locked instruction).
void acquire(struct spinlock *lk) {
  pushcli();
  if (holding(lk))
    panic(lk->name);
  while (xchg(&lk->locked, 1) != 0)
    ;
  __sync_synchronize();
  lk->cpu = mycpu();
}

void release(struct spinlock *lk) {
  if (!holding(lk))
    panic("release");
  lk->cpu = 0;
  __sync_synchronize();
  asm volatile("movl $0, %0" : "+m"(lk->locked) : :);
  popcli();
}

// Does this CPU hold the lock? Interrupts must be off (as they are in
// acquire, release and sched), so that the answer stays true.
int holding(struct spinlock *lk) { return lk->locked && lk->cpu == mycpu(); }

// pushcli/popcli are cli/sti that nest: interrupts come back on only after
// the last popcli, and only if they were on before the first pushcli.
void pushcli(void) {
  uint eflags = readeflags();
  cli();
  struct cpu *c = mycpu();
  if (c->ncli == 0)
    c->intena = eflags & FL_IF;
  c->ncli += 1;
}

void popcli(void) {
  if (readeflags() & FL_IF)
    panic("popcli - interruptible");
  struct cpu *c = mycpu();
  if (--c->ncli < 0)
    panic("popcli");
  if (c->ncli == 0 && c->intena)
    sti();
}
