// A mutual-exclusion lock. Holding it means interrupts are off on this CPU, so
// no other code runs on it, and the lock word keeps the other CPUs out.
#ifndef GUEST_SPINLOCK_H
#define GUEST_SPINLOCK_H
struct spinlock {
  uint locked;
  char *name;
  struct cpu *cpu;  // the CPU holding the lock
};
#endif
