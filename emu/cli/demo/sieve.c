/* The built-in demo guest: a sieve of Eratosthenes, compiled freestanding with gcc -m32 -O2 and
 * run on the CPU over flat RAM (32-bit protected mode, flat segments, no paging). It counts the
 * primes below kLimit, `rounds` times, and halts with the count in EAX.
 * Entry: _start, at the first byte of the image (demo.ld places .text.entry first). */

#define kLimit 100000

static unsigned char composite[kLimit];

unsigned sieve(void) {
  unsigned count = 0;
  for (unsigned i = 0; i < kLimit; ++i) composite[i] = 0;
  for (unsigned i = 2; i < kLimit; ++i) {
    if (composite[i]) continue;
    ++count;
    for (unsigned j = i * 2; j < kLimit; j += i) composite[j] = 1;
  }
  return count;
}

/* EBX holds the number of rounds (set by the host); the last count is returned in EAX. */
unsigned demo_main(unsigned rounds) {
  unsigned count = 0;
  for (unsigned r = 0; r < rounds; ++r) count = sieve();
  return count;
}

__asm__(
    ".section .text.entry,\"ax\"\n"
    ".globl _start\n"
    "_start:\n"
    "  push %ebx\n"
    "  call demo_main\n"
    "  add $4, %esp\n"
    "  hlt\n");
