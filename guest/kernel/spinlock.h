// A mutual-exclusion lock. One CPU: holding it means interrupts are off.
#ifndef GUEST_SPINLOCK_H
#define GUEST_SPINLOCK_H
struct spinlock {
  uint locked;
  char *name;
};
#endif
