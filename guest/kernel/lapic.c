// The local APIC (Intel SDM vol. 3A chapter 10), used with layout=xv6 as
// xv6-public uses it: its timer drives the scheduler instead of the 8254, and
// it delivers what the I/O APIC routes instead of the 8259s. One CPU: no
// inter-processor interrupts and no MP table; the registers are at the MP
// specification's default address, which the device space maps to itself.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "defs.h"
#include "traps.h"

// Registers: 32 bits each, 16 bytes apart; the index is the byte offset / 4.
#define ID (0x020 / 4)     // local APIC ID
#define VER (0x030 / 4)    // version; bits 23-16: the highest LVT entry
#define TPR (0x080 / 4)    // task priority
#define EOI (0x0B0 / 4)    // end of interrupt
#define SVR (0x0F0 / 4)    // spurious-interrupt vector
#define ENABLE 0x00000100  //   bit 8: the APIC is software-enabled
#define ESR (0x280 / 4)    // error status
#define TIMER (0x320 / 4)  // local vector table: timer
#define PERIODIC 0x00020000  // bit 17: periodic, not one-shot
#define MASKED 0x00010000    // bit 16, in every LVT entry: no interrupt
#define PCINT (0x340 / 4)  // LVT: performance counters
#define LINT0 (0x350 / 4)  // LVT: local interrupt 0 (the 8259s' virtual wire)
#define LINT1 (0x360 / 4)  // LVT: local interrupt 1 (NMI)
#define ERROR (0x370 / 4)  // LVT: APIC errors
#define TICR (0x380 / 4)   // timer initial count
#define TDCR (0x3E0 / 4)   // timer divide configuration
#define DIVIDE_1 0x0000000B  //   divide the clock by 1

// xv6-public's initial count. The period is this many APIC clocks: on xray86
// one per CPU cycle (10 M cycles, about 0.3 s at 33 MHz); on QEMU, whose APIC
// clock runs at 1 GHz, 10 ms.
#define TIMER_COUNT 10000000

static volatile uint *lapic = (volatile uint *)LAPIC;

static void lapicw(int index, uint value) {
  lapic[index] = value;
  (void)lapic[ID];  // a read after the write: the write has reached the APIC
}

// Enable the local APIC, start its timer (periodic, vector T_IRQ0 + IRQ_TIMER)
// and cut the 8259s off: LINT0 and LINT1 masked.
void lapicinit(void) {
  lapicw(SVR, ENABLE | (T_IRQ0 + IRQ_LAPIC_SPURIOUS));
  lapicw(TDCR, DIVIDE_1);
  lapicw(TIMER, PERIODIC | (T_IRQ0 + IRQ_TIMER));
  lapicw(TICR, TIMER_COUNT);
  lapicw(LINT0, MASKED);
  lapicw(LINT1, MASKED);
  if (((lapic[VER] >> 16) & 0xFF) >= 4)
    lapicw(PCINT, MASKED);  // exists from the fifth LVT entry on
  lapicw(ERROR, MASKED);
  lapicw(ESR, 0);  // the write latches the errors so far; the second clears them
  lapicw(ESR, 0);
  lapicw(EOI, 0);  // nothing the firmware left stays in service
  lapicw(TPR, 0);  // accept interrupts of every priority
}

// Acknowledge the interrupt being handled (not for the spurious vector).
void lapiceoi(void) { lapicw(EOI, 0); }
