// The local APIC (Intel SDM vol. 3A chapter 10), used with layout=xv6 or
// several CPUs (useapic) as xv6-public uses it: its timer drives the
// scheduler instead of the 8254, and it delivers what the I/O APIC routes
// instead of the 8259s. Each CPU has its own at the same address, the MP
// specification's default, which the kernel maps to itself. The bootstrap
// processor starts the others with INIT and STARTUP IPIs.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "defs.h"
#include "traps.h"
#include "x86.h"

// Registers: 32 bits each, 16 bytes apart; the index is the byte offset / 4.
#define ID (0x020 / 4)     // local APIC ID
#define VER (0x030 / 4)    // version; bits 23-16: the highest LVT entry
#define TPR (0x080 / 4)    // task priority
#define EOI (0x0B0 / 4)    // end of interrupt
#define SVR (0x0F0 / 4)    // spurious-interrupt vector
#define ENABLE 0x00000100  //   bit 8: the APIC is software-enabled
#define ESR (0x280 / 4)    // error status
#define ICRLO (0x300 / 4)  // interrupt command, low word: writing it sends the IPI
#define INIT 0x00000500    //   delivery mode INIT
#define STARTUP 0x00000600 //   delivery mode STARTUP (SIPI); vector = start page
#define ASSERT 0x00004000  //   level assert (INIT)
#define LEVEL 0x00008000   //   level-triggered (INIT)
#define ICRHI (0x310 / 4)  // interrupt command, high word: bits 31-24 the destination
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
int useapic;  // are the local and I/O APICs in use (layout=xv6 or several CPUs)?

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

// This CPU's local APIC ID (bits 31-24 of the ID register).
int lapicid(void) { return lapic[ID] >> 24; }

// Wait about us microseconds. Nothing here needs it exact: the MP
// specification's waits only give an INIT or STARTUP time to take effect, and
// an emulator acts on them at once.
static void microdelay(int us) {
  for (volatile int i = 0; i < us * 100; i++)
    ;
}

// Start the application processor with local APIC ID apicid at physical addr
// (page-aligned, below 1 MB) in real mode: INIT, then STARTUP twice (Intel MP
// specification B.4, "universal start-up algorithm"). The warm-reset vector
// at 40:67 and CMOS shutdown code 0x0A serve a processor that takes INIT as a
// reset through the BIOS (spec B.4.1): it jumps to addr too.
void lapicstartap(uchar apicid, uint addr) {
  outb(0x70, 0x0F);  // CMOS offset 0xF: shutdown code
  outb(0x71, 0x0A);  // 0x0A: jump through the warm-reset vector
  ushort *wrv = (ushort *)P2V((0x40 << 4) | 0x67);
  wrv[0] = 0;
  wrv[1] = addr >> 4;

  lapicw(ICRHI, apicid << 24);
  lapicw(ICRLO, INIT | LEVEL | ASSERT);
  microdelay(200);
  lapicw(ICRLO, INIT | LEVEL);
  microdelay(100);  // the specification asks for 10 ms; no emulator needs it
  for (int i = 0; i < 2; i++) {
    lapicw(ICRHI, apicid << 24);
    lapicw(ICRLO, STARTUP | (addr >> 12));
    microdelay(200);
  }
}
