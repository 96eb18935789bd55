/* A multiboot kernel in C that computes with float and double, compiled with gcc -m32 (whose
 * default target, i686, does floating point on the x87: FLD/FSTP, FSQRT, FDIV, FUCOMIP and
 * FCMOV for comparisons, FNSTCW/FLDCW/FISTP for casts to integers). It prints what it computes
 * on COM1 and exits through port 0xF4 with 0x2A (status 85) when every check holds, else with
 * the number of failed checks. The expected bit patterns are the correctly rounded IEEE values
 * (sources in each check). */
#include <stdint.h>

__asm__(
    ".section .text.boot, \"ax\"\n"
    ".globl start\n"
    ".p2align 2\n"
    "mb_header: .long 0x1BADB002, 0, -0x1BADB002\n"
    "start:\n"
    "  mov $stack_top, %esp\n"
    "  mov %cr0, %eax\n"
    "  and $~0x4, %eax\n" /* EM clear: the FPU is there */
    "  or $0x22, %eax\n"  /* MP and NE: errors as #MF */
    "  mov %eax, %cr0\n"
    "  fninit\n"
    "  call main\n"
    "  mov $0xF4, %dx\n"
    "  out %al, %dx\n"
    "1: hlt\n"
    "  jmp 1b\n"
    ".bss\n"
    ".p2align 4\n"
    "  .skip 16384\n"
    "stack_top:\n"
    ".text\n");

static void outb(uint16_t port, uint8_t v) {
  __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static void putc_(char c) {
  while (!(inb(0x3FD) & 0x20)) {
  }
  outb(0x3F8, (uint8_t)c);
}
static void puts_(const char* s) {
  while (*s) putc_(*s++);
}

/* x as decimal with `digits` digits after the point, truncated: digits come from (int) casts. */
static void putDouble(double x, int digits) {
  if (x < 0) {
    putc_('-');
    x = -x;
  }
  long long whole = (long long)x;
  char buf[24];
  int n = 0;
  do {
    buf[n++] = (char)('0' + whole % 10);
    whole /= 10;
  } while (whole > 0);
  while (n > 0) putc_(buf[--n]);
  putc_('.');
  x -= (double)(long long)x;
  for (int k = 0; k < digits; ++k) {
    x *= 10;
    int d = (int)x;
    putc_((char)('0' + d));
    x -= d;
  }
}

static uint64_t bitsOf(double d) {
  union {
    double d;
    uint64_t u;
  } v = {d};
  return v.u;
}
static uint32_t bitsOfFloat(float f) {
  union {
    float f;
    uint32_t u;
  } v = {f};
  return v.u;
}

static int failures;
static void check(const char* what, int ok) {
  puts_(what);
  puts_(ok ? " ok\n" : " FAILED\n");
  if (!ok) ++failures;
}

/* Opaque to the optimiser, so the arithmetic happens at run time. */
static double opaque(double x) {
  __asm__ volatile("" : "+m"(x));
  return x;
}

static double taylorSin(double x) {
  double term = x, sum = x;
  for (int k = 1; k < 12; ++k) {
    term = -term * x * x / ((2 * k) * (2 * k + 1));
    sum += term;
  }
  return sum;
}

static double hostSin(double x) {
  double r;
  __asm__("fsin" : "=t"(r) : "0"(x));
  return r;
}

int main(void) {
  double two = opaque(2.0), one = opaque(1.0), three = opaque(3.0);
  /* sqrt(2) = 1.6A09E667F3BCC908B2F...h: to 53 bits 3FF6A09E667F3BCDh (FSQRT in extended, then
   * stored as a double). */
  double r2 = __builtin_sqrt(two);
  puts_("sqrt(2) = ");
  putDouble(r2, 15);
  check("", bitsOf(r2) == 0x3FF6A09E667F3BCDull);
  /* 1/3 = 0.5555...h x 2^-1: 3FD5555555555555h. */
  double third = one / three;
  check("1/3 bits", bitsOf(third) == 0x3FD5555555555555ull);
  /* float: 1/3 to 24 bits = 3EAAAAABh. */
  volatile float f = (float)one / (float)three;
  check("1/3f bits", bitsOfFloat(f) == 0x3EAAAAABu);
  /* pi (FLDPI) as a double: 400921FB54442D18h; printed by hand. */
  double pi;
  __asm__("fldpi" : "=t"(pi));
  puts_("pi = ");
  putDouble(pi, 15);
  check("", bitsOf(pi) == 0x400921FB54442D18ull);
  /* e = sum of 1/k!, with the precision control at 53 bits (FLDCW 027Fh), so each step rounds
   * as IEEE double arithmetic does: 4005BF0A8B14576Ah, what the same loop gives in SSE2 double
   * arithmetic on the host (the nearest double to e, 4005BF0A8B145769h, needs extended steps). */
  static const uint16_t kDoublePrecision = 0x027F, kExtended = 0x037F;
  __asm__ volatile("fldcw %0" : : "m"(kDoublePrecision));
  volatile double e = 0, term = 1;
  for (int k = 1; k < 22; ++k) {
    e += term;
    term /= k;
  }
  __asm__ volatile("fldcw %0" : : "m"(kExtended));
  puts_("e = ");
  putDouble(e, 15);
  check("", bitsOf(e) == 0x4005BF0A8B14576Aull);
  /* sin(0.5): FSIN and the Taylor series agree to within 2^-52. */
  double half = opaque(0.5), s1 = hostSin(half), s2 = taylorSin(half);
  double diff = s1 > s2 ? s1 - s2 : s2 - s1;
  puts_("sin(0.5) = ");
  putDouble(s1, 12);
  check("", diff < 2.3e-16 && s1 > 0.4794255386 && s1 < 0.4794255387);
  /* Comparisons (FUCOMIP) and a conditional move or branch on them. */
  double a = opaque(-7.25), b = opaque(1e300);
  double lo = a < b ? a : b, hi = a > b ? a : b;
  check("min/max", lo == -7.25 && hi == 1e300 && !(lo != lo));
  /* Integer conversions: FILD/FISTP of 64-bit values, truncation toward zero. */
  long long big = (long long)opaque(-9007199254740993.0); /* rounds to ...992 as a double */
  check("(long long)", big == -9007199254740992ll);
  int t = (int)opaque(-2.75);
  check("(int)-2.75", t == -2);
  /* Overflow to infinity when stored as a double (1e600 fits the extended range), and the NaN
   * of inf - inf, masked as after FNINIT. */
  volatile double inf = opaque(1e300) * opaque(1e300);
  volatile double nan = inf - inf;
  check("inf/nan", bitsOf(inf) == 0x7FF0000000000000ull && nan != nan);
  puts_(failures ? "fpu: FAILED\n" : "fpu: all checks ok\n");
  return failures ? failures : 0x2A;
}
