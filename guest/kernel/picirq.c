// The two 8259A interrupt controllers (8259A datasheet): remap IRQ 0-15 to
// vectors 32-47 and unmask only the lines the kernel uses.
#include "types.h"
#include "defs.h"
#include "traps.h"
#include "x86.h"

#define IO_PIC1 0x20  // master: command at 0x20, data (mask) at 0x21
#define IO_PIC2 0xA0  // slave: command at 0xA0, data at 0xA1
#define IRQ_SLAVE 2   // the slave is wired to the master's IRQ 2

static ushort irqmask = 0xFFFF & ~(1 << IRQ_SLAVE);

static void picsetmask(ushort mask) {
  irqmask = mask;
  outb(IO_PIC1 + 1, mask);
  outb(IO_PIC2 + 1, mask >> 8);
}

void picenable(int irq) { picsetmask(irqmask & ~(1 << irq)); }

void picinit(void) {
  outb(IO_PIC1 + 1, 0xFF);  // mask everything while programming
  outb(IO_PIC2 + 1, 0xFF);
  // ICW1: edge triggered, cascade, ICW4 follows
  outb(IO_PIC1, 0x11);
  outb(IO_PIC2, 0x11);
  // ICW2: vector offsets
  outb(IO_PIC1 + 1, T_IRQ0);
  outb(IO_PIC2 + 1, T_IRQ0 + 8);
  // ICW3: master has a slave on IRQ 2; the slave's cascade identity is 2
  outb(IO_PIC1 + 1, 1 << IRQ_SLAVE);
  outb(IO_PIC2 + 1, IRQ_SLAVE);
  // ICW4: 8086 mode, normal (not automatic) end of interrupt
  outb(IO_PIC1 + 1, 0x01);
  outb(IO_PIC2 + 1, 0x01);
  picsetmask(irqmask);
}

// layout=xv6: mask every line; the I/O APIC and local APIC take over.
void picdisable(void) {
  outb(IO_PIC1 + 1, 0xFF);
  outb(IO_PIC2 + 1, 0xFF);
}

// Non-specific end of interrupt, to the slave too for IRQ 8-15.
void piceoi(int irq) {
  if (irq >= 8)
    outb(IO_PIC2, 0x20);
  outb(IO_PIC1, 0x20);
}
