// The console: output to the UART and the CGA text screen, line-edited input
// from the UART, cprintf, panic and power-off.
#include <stdarg.h>
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "mmu.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "x86.h"

void uartearly(void);

static struct spinlock conslock;
static int panicked;

// CGA text mode: 80x25 cells of (attribute << 8 | character) at 0xB8000; the
// cursor position is CRTC registers 14 and 15 behind ports 0x3D4/0x3D5.
#define CRTPORT 0x3D4
#define CGA_COLS 80
#define CGA_ROWS 25
static ushort *crt = (ushort *)P2V(0xB8000);
static int crtpos;

static void cgaputc(int c) {
  if (c == '\n')
    crtpos += CGA_COLS - crtpos % CGA_COLS;
  else if (c == '\b') {
    if (crtpos > 0)
      crt[--crtpos] = ' ' | 0x0700;
  } else
    crt[crtpos++] = (c & 0xff) | 0x0700;  // light grey on black
  if (crtpos >= CGA_ROWS * CGA_COLS) {  // scroll up one line
    memmove(crt, crt + CGA_COLS, sizeof(crt[0]) * (CGA_ROWS - 1) * CGA_COLS);
    crtpos -= CGA_COLS;
    memset(crt + crtpos, 0, sizeof(crt[0]) * (CGA_ROWS * CGA_COLS - crtpos));
  }
  outb(CRTPORT, 14);
  outb(CRTPORT + 1, crtpos >> 8);
  outb(CRTPORT, 15);
  outb(CRTPORT + 1, crtpos);
}

#define BACKSPACE 0x100
static void consputc(int c) {
  if (c == BACKSPACE) {
    uartputc('\b');
    uartputc(' ');
    uartputc('\b');
    cgaputc('\b');
    return;
  }
  uartputc(c);
  cgaputc(c);
}

void consoleinit(void) {
  initlock(&conslock, "console");
  uartearly();
  memset(crt, 0, sizeof(crt[0]) * CGA_ROWS * CGA_COLS);
}

static void printint(int xx, int base, int sign) {
  static const char digits[] = "0123456789abcdef";
  char buf[16];
  uint x = (sign && xx < 0) ? -(uint)xx : (uint)xx;
  int i = 0;
  do
    buf[i++] = digits[x % base];
  while ((x /= base) != 0);
  if (sign && xx < 0)
    buf[i++] = '-';
  while (--i >= 0)
    consputc(buf[i]);
}

// Print to the console: %d %u %x %p %s %c %%.
void cprintf(const char *fmt, ...) {
  va_list ap;
  int locking = !panicked;
  if (locking)
    acquire(&conslock);
  va_start(ap, fmt);
  for (int i = 0; fmt[i]; i++) {
    int c = fmt[i] & 0xff;
    if (c != '%') {
      consputc(c);
      continue;
    }
    c = fmt[++i] & 0xff;
    if (c == 0)
      break;
    switch (c) {
    case 'd': printint(va_arg(ap, int), 10, 1); break;
    case 'u': printint(va_arg(ap, int), 10, 0); break;
    case 'x':
    case 'p': printint(va_arg(ap, int), 16, 0); break;
    case 'c': consputc(va_arg(ap, int)); break;
    case 's': {
      const char *s = va_arg(ap, const char *);
      for (s = s ? s : "(null)"; *s; s++)
        consputc(*s);
      break;
    }
    case '%': consputc('%'); break;
    default: consputc('%'); consputc(c); break;
    }
  }
  va_end(ap);
  if (locking)
    release(&conslock);
}

// The RTC's seconds register (CMOS 0x00), through index port 0x70.
static uchar rtcseconds(void) {
  outb(0x70, 0x00);
  return inb(0x71);
}

// Stop the machine, so that the emulator exits with status as QEMU does:
// status 0 is an ACPI soft-off (SLP_EN with sleep type 0 written to the
// PM1a control register, port 0x604 on QEMU's PIIX4; QEMU exits 0), any
// other status goes to the isa-debug-exit port 0xF4 (QEMU exits with
// (status << 1) | 1). QEMU acts on the soft-off in its main loop while this
// CPU runs on, so wait there (until the RTC's seconds have changed twice:
// 1 to 2 s) before the next way. Bochs's shutdown port 0x8900 stops on the
// string "Shutdown", and a machine with none of them just halts.
void poweroff(int status) {
  cli();
  uartflush();
  if (status == 0) {
    outw(0x604, 0x2000);
    uchar s = rtcseconds();
    for (int changes = 0; changes < 2;) {
      uchar t = rtcseconds();
      if (t != s) {
        s = t;
        changes++;
      }
    }
  }
  outb(0xF4, status & 0xff);
  for (const char *s = "Shutdown"; *s; s++)
    outb(0x8900, *s);
  for (;;)
    hlt();
}

// A kernel bug: say so and power off with status 0x7e (QEMU exits with 253).
void panic(const char *s) {
  cli();
  panicked = 1;
  cprintf("panic: %s\n", s);
  poweroff(0x7e);
}

// Line-edited input: consoleintr fills buf, consoleread takes whole lines.
#define INPUT_BUF 128
static struct {
  char buf[INPUT_BUF];
  uint r;  // read index
  uint w;  // write index: end of the last complete line
  uint e;  // edit index
} input;

#define C(x) ((x) - '@')  // control-x

// The UART interrupt: take every byte that arrived.
void consoleintr(void) {
  int c, dump = 0;
  acquire(&conslock);
  while ((c = uartgetc()) >= 0) {
    switch (c) {
    case C('P'): dump = 1; break;  // list processes
    case C('U'):  // kill the line
      while (input.e != input.w && input.buf[(input.e - 1) % INPUT_BUF] != '\n') {
        input.e--;
        consputc(BACKSPACE);
      }
      break;
    case C('H'):
    case 0x7f:  // backspace
      if (input.e != input.w) {
        input.e--;
        consputc(BACKSPACE);
      }
      break;
    default:
      if (c != 0 && input.e - input.r < INPUT_BUF) {
        c = (c == '\r') ? '\n' : c;
        input.buf[input.e++ % INPUT_BUF] = c;
        consputc(c);
        if (c == '\n' || c == C('D') || input.e == input.r + INPUT_BUF) {
          input.w = input.e;
          wakeup(&input.r);
        }
      }
      break;
    }
  }
  release(&conslock);
  if (dump)
    procdump();
}

// Read up to n bytes of typed input into the kernel buffer dst; one line at most.
// Returns the count, 0 at end of input (control-D), -1 if the process was killed.
int consoleread(char *dst, int n) {
  int target = n;
  acquire(&conslock);
  while (n > 0) {
    while (input.r == input.w) {
      if (myproc()->killed) {
        release(&conslock);
        return -1;
      }
      sleep(&input.r, &conslock);
    }
    int c = input.buf[input.r++ % INPUT_BUF];
    if (c == C('D')) {
      if (n < target)
        input.r--;  // keep it for the next read, which then returns 0
      break;
    }
    *dst++ = c;
    --n;
    if (c == '\n')
      break;
  }
  release(&conslock);
  return target - n;
}

// Write n bytes from the kernel buffer src.
int consolewrite(const char *src, int n) {
  acquire(&conslock);
  for (int i = 0; i < n; i++)
    consputc(src[i] & 0xff);
  release(&conslock);
  return n;
}
