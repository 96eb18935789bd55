// The 8254 programmable interval timer (8254 datasheet): channel 0 on IRQ 0
// ticks HZ times a second and drives the round-robin scheduler. With
// layout=xv6 or several CPUs each CPU's local APIC timer does instead (lapic.c).
#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "defs.h"
#include "traps.h"
#include "x86.h"

#define PIT_CH0 0x40
#define PIT_MODE 0x43
#define PIT_FREQ 1193182  // input clock in Hz

uint ticks;
struct spinlock tickslock;

void timerinit(void) {
  initlock(&tickslock, "time");
  if (useapic)
    return;  // lapicinit started each CPU's local APIC timer
  uint divisor = (PIT_FREQ + HZ / 2) / HZ;
  // Channel 0, low byte then high byte, mode 2 (rate generator), binary.
  outb(PIT_MODE, 0x34);
  outb(PIT_CH0, divisor & 0xff);
  outb(PIT_CH0, divisor >> 8);
  picenable(IRQ_TIMER);
}
