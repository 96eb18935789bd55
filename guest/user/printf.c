// printf for user programs: %d %u %x %p %s %c %%, written in one write()
// per call (up to a buffer's worth) so that lines from two processes do not mix.
#include <stdarg.h>
#include "types.h"
#include "user.h"

struct out {
  int fd;
  int n;
  char buf[256];
};

static void flush(struct out *o) {
  if (o->n > 0)
    write(o->fd, o->buf, o->n);
  o->n = 0;
}

static void putc(struct out *o, char c) {
  if (o->n == sizeof(o->buf))
    flush(o);
  o->buf[o->n++] = c;
}

static void printint(struct out *o, int xx, int base, int sgn) {
  static const char digits[] = "0123456789ABCDEF";
  char buf[16];
  int neg = sgn && xx < 0;
  uint x = neg ? -(uint)xx : (uint)xx;
  int i = 0;
  do
    buf[i++] = digits[x % base];
  while ((x /= base) != 0);
  if (neg)
    buf[i++] = '-';
  while (--i >= 0)
    putc(o, buf[i]);
}

void printf(int fd, const char *fmt, ...) {
  struct out o;
  o.fd = fd;
  o.n = 0;
  va_list ap;
  va_start(ap, fmt);
  for (int i = 0; fmt[i]; i++) {
    char c = fmt[i];
    if (c != '%') {
      putc(&o, c);
      continue;
    }
    c = fmt[++i];
    if (c == 0)
      break;
    if (c == 'd')
      printint(&o, va_arg(ap, int), 10, 1);
    else if (c == 'u')
      printint(&o, va_arg(ap, int), 10, 0);
    else if (c == 'x' || c == 'p')
      printint(&o, va_arg(ap, int), 16, 0);
    else if (c == 's') {
      const char *s = va_arg(ap, const char *);
      for (s = s ? s : "(null)"; *s; s++)
        putc(&o, *s);
    } else if (c == 'c')
      putc(&o, va_arg(ap, int));
    else {
      putc(&o, '%');
      if (c != '%')
        putc(&o, c);
    }
  }
  va_end(ap);
  flush(&o);
}
