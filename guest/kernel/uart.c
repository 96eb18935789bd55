// The 16550 UART on COM1 (NS16550A datasheet): the console's wire. Output is
// polled; input raises IRQ 4.
#include "types.h"
#include "param.h"
#include "mmu.h"
#include "proc.h"
#include "defs.h"
#include "traps.h"
#include "x86.h"

#define COM1 0x3F8
// Register offsets from COM1
#define UART_DATA 0  // receive / transmit holding (DLL when LCR.DLAB=1)
#define UART_IER 1   // interrupt enable (DLM when LCR.DLAB=1)
#define UART_FCR 2   // FIFO control
#define UART_LCR 3   // line control; bit 7 is DLAB
#define UART_MCR 4   // modem control; bit 3 (OUT2) gates the IRQ line on a PC
#define UART_LSR 5   // line status: bit 0 data ready, bit 5 transmit holding empty

static int uart;  // is there a UART?

// Program 9600 baud, 8 data bits, no parity, one stop bit; no FIFO.
static void uartsetup(void) {
  outb(COM1 + UART_FCR, 0);
  outb(COM1 + UART_LCR, 0x80);  // DLAB: the next two are the divisor
  outb(COM1 + UART_DATA, 115200 / 9600);
  outb(COM1 + UART_IER, 0);
  outb(COM1 + UART_LCR, 0x03);  // 8N1, DLAB off
  outb(COM1 + UART_MCR, 0x08);  // OUT2 so the interrupt reaches the interrupt controller
  outb(COM1 + UART_IER, 0x00);
  // A line status of 0xFF means nothing answers at this port.
  uart = inb(COM1 + UART_LSR) != 0xFF;
}

// Early setup, before interrupts: output only.
void uartearly(void) { uartsetup(); }

// Enable the receive interrupt.
void uartinit(void) {
  if (!uart)
    return;
  outb(COM1 + UART_IER, 0x01);  // interrupt when a byte arrives
  // Read the interrupt identification to clear a stale transmit interrupt; a
  // byte that arrived before now stays in the receive register for consoleintr.
  inb(COM1 + 2);
  if (useapic)
    ioapicenable(IRQ_COM1, cpus[0].apicid);
  else
    picenable(IRQ_COM1);
}

// Send one byte, waiting (boundedly) for the transmitter.
void uartputc(int c) {
  if (!uart)
    return;
  for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & 0x20); i++)
    ;
  outb(COM1 + UART_DATA, c);
}

// Wait (boundedly) until the transmitter has sent every byte (LSR bit 6, TEMT),
// so that nothing is lost when the machine powers off right after.
void uartflush(void) {
  if (!uart)
    return;
  for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & 0x40); i++)
    ;
}

// Return the next received byte, or -1 if none.
int uartgetc(void) {
  if (!uart)
    return -1;
  if (!(inb(COM1 + UART_LSR) & 0x01))
    return -1;
  return inb(COM1 + UART_DATA);
}
