// The few string and memory functions the kernel needs.
#include "types.h"
#include "x86.h"

void *memset(void *dst, int c, uint n) {
  if ((uint)dst % 4 == 0 && n % 4 == 0) {
    c &= 0xFF;
    stosl(dst, (c << 24) | (c << 16) | (c << 8) | c, n / 4);
  } else
    stosb(dst, c, n);
  return dst;
}

int memcmp(const void *a, const void *b, uint n) {
  const uchar *s1 = a, *s2 = b;
  for (; n > 0; n--, s1++, s2++)
    if (*s1 != *s2)
      return *s1 - *s2;
  return 0;
}

// Copy n bytes, correctly when the ranges overlap.
void *memmove(void *dst, const void *src, uint n) {
  const char *s = src;
  char *d = dst;
  if (s < d && s + n > d) {
    s += n;
    d += n;
    while (n-- > 0)
      *--d = *--s;
  } else if (((uint)s | (uint)d | n) % 4 == 0) {
    uint words = n / 4;
    asm volatile("cld; rep movsl" : "+S"(s), "+D"(d), "+c"(words) : : "memory");
  } else {
    while (n-- > 0)
      *d++ = *s++;
  }
  return dst;
}

// gcc may emit calls to memcpy for structure copies.
void *memcpy(void *dst, const void *src, uint n) { return memmove(dst, src, n); }

int strncmp(const char *p, const char *q, uint n) {
  while (n > 0 && *p && *p == *q)
    n--, p++, q++;
  if (n == 0)
    return 0;
  return (uchar)*p - (uchar)*q;
}

// Copy at most n-1 characters and always NUL-terminate.
char *safestrcpy(char *s, const char *t, int n) {
  char *os = s;
  if (n <= 0)
    return os;
  while (--n > 0 && (*s++ = *t++) != 0)
    ;
  *s = 0;
  return os;
}

int strlen(const char *s) {
  int n = 0;
  while (s[n])
    n++;
  return n;
}
