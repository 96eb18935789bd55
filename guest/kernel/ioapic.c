// The I/O APIC (Intel 82093AA datasheet), used with layout=xv6 as xv6-public
// uses it: it sends the ISA interrupts the kernel wants (COM1's) to the local
// APIC as vector T_IRQ0 + irq. On the PC (xray86 and QEMU) ISA IRQ n is its
// input n, except IRQ 0, which the kernel does not use here.
#include "types.h"
#include "memlayout.h"
#include "defs.h"
#include "traps.h"

// Registers, reached by writing the index to IOREGSEL and reading or writing IOWIN.
#define REG_VER 0x01    // version; bits 23-16: the highest redirection entry
#define REG_TABLE 0x10  // redirection entry n: low word at 0x10 + 2n, high word at 0x11 + 2n
// Low word: bits 7-0 vector, 10-8 delivery mode (0 fixed), 11 destination mode (0
// physical), 13 polarity (0 active high), 15 trigger (0 edge), 16 mask.
// High word: bits 31-24 the destination APIC ID.
#define INT_MASKED 0x00010000

struct ioapic {
  uint reg;  // IOREGSEL, at +0x00
  uint pad[3];
  uint data;  // IOWIN, at +0x10
};

static volatile struct ioapic *ioapic = (volatile struct ioapic *)IOAPIC;

static uint ioapicread(int reg) {
  ioapic->reg = reg;
  return ioapic->data;
}

static void ioapicwrite(int reg, uint data) {
  ioapic->reg = reg;
  ioapic->data = data;
}

// Mask every input; each keeps the vector T_IRQ0 + its number for ioapicenable.
void ioapicinit(void) {
  int maxintr = (ioapicread(REG_VER) >> 16) & 0xFF;
  for (int i = 0; i <= maxintr; i++) {
    ioapicwrite(REG_TABLE + 2 * i, INT_MASKED | (T_IRQ0 + i));
    ioapicwrite(REG_TABLE + 2 * i + 1, 0);
  }
}

// Route ISA IRQ irq to vector T_IRQ0 + irq on the CPU whose local APIC ID is
// apicid: fixed delivery, edge-triggered, active high, unmasked.
void ioapicenable(int irq, int apicid) {
  ioapicwrite(REG_TABLE + 2 * irq, T_IRQ0 + irq);
  ioapicwrite(REG_TABLE + 2 * irq + 1, apicid << 24);
}
