// The kernel command line: key=value words that select the lab's variants.
// run= takes the rest of the line (a program and its arguments).
#include "types.h"
#include "param.h"
#include "defs.h"

struct options opt;

static int wordis(const char *w, int len, const char *s) {
  return strlen(s) == len && strncmp(w, s, len) == 0;
}

// Set one option from the word "key=value" (w, len); say so if it is unknown.
static void setoption(const char *w, int len) {
  int eq = 0;
  while (eq < len && w[eq] != '=')
    eq++;
  if (eq == len)
    return;  // not key=value (QEMU puts the kernel's file name first)
  const char *v = w + eq + 1;
  int vlen = len - eq - 1;
  if (wordis(w, eq, "fork") && wordis(v, vlen, "cow"))
    opt.fork_eager = 0;
  else if (wordis(w, eq, "fork") && wordis(v, vlen, "eager"))
    opt.fork_eager = 1;
  else if (wordis(w, eq, "cow_trap") && (wordis(v, vlen, "on") || wordis(v, vlen, "off")))
    opt.cow_trap_off = wordis(v, vlen, "off");
  else if (wordis(w, eq, "cow_fault") && (wordis(v, vlen, "cow") || wordis(v, vlen, "naive")))
    opt.cow_fault_naive = wordis(v, vlen, "naive");
  else if (wordis(w, eq, "cow_mark") && (wordis(v, vlen, "writable") || wordis(v, vlen, "all")))
    opt.cow_mark_all = wordis(v, vlen, "all");
  else if (wordis(w, eq, "cow_fix") && (wordis(v, vlen, "on") || wordis(v, vlen, "keepro")))
    opt.cow_fix_keepro = wordis(v, vlen, "keepro");
  else if (wordis(w, eq, "cow_flush") && wordis(v, vlen, "lcr3"))
    opt.cow_flush = COW_FLUSH_LCR3;
  else if (wordis(w, eq, "cow_flush") && wordis(v, vlen, "invlpg"))
    opt.cow_flush = COW_FLUSH_INVLPG;
  else if (wordis(w, eq, "cow_flush") && wordis(v, vlen, "none"))
    opt.cow_flush = COW_FLUSH_NONE;
  else if (wordis(w, eq, "cow_lock") && (wordis(v, vlen, "on") || wordis(v, vlen, "off")))
    opt.cow_lock_off = wordis(v, vlen, "off");
  else if (wordis(w, eq, "layout") && (wordis(v, vlen, "shared") || wordis(v, vlen, "xv6")))
    opt.layout_xv6 = wordis(v, vlen, "xv6");
  else if (wordis(w, eq, "mem") && vlen > 0) {
    uint mb = 0;
    for (int i = 0; i < vlen && mb < 100000; i++) {
      if (v[i] < '0' || v[i] > '9') {
        mb = 0;
        break;
      }
      mb = mb * 10 + (v[i] - '0');
    }
    if (mb == 0)
      cprintf("options: ignoring bad %s\n", w);
    opt.mem = mb;
  } else {
    char word[CMDLINE];
    safestrcpy(word, w, len + 1 < CMDLINE ? len + 1 : CMDLINE);
    cprintf("options: ignoring unknown %s\n", word);
  }
}

void parseoptions(const char *cmdline) {
  const char *s = cmdline;
  while (*s) {
    while (*s == ' ')
      s++;
    if (strncmp(s, "run=", 4) == 0) {
      safestrcpy(opt.run, s + 4, sizeof(opt.run));
      return;
    }
    const char *w = s;
    while (*s && *s != ' ')
      s++;
    if (s > w)
      setoption(w, s - w);
  }
}

void printoptions(void) {
  static const char *flush[] = {"lcr3", "invlpg", "none"};
  cprintf("options: fork=%s cow_trap=%s cow_fault=%s cow_mark=%s cow_fix=%s cow_flush=%s",
          opt.fork_eager ? "eager" : "cow", opt.cow_trap_off ? "off" : "on",
          opt.cow_fault_naive ? "naive" : "cow", opt.cow_mark_all ? "all" : "writable",
          opt.cow_fix_keepro ? "keepro" : "on", flush[opt.cow_flush]);
  // cow_lock=on and the shared layout, the defaults, are not named, so the
  // boot line is what it always was.
  if (opt.cow_lock_off)
    cprintf(" cow_lock=off");
  cprintf(opt.layout_xv6 ? " layout=xv6\n" : "\n");
  if (opt.run[0])
    cprintf("run: %s\n", opt.run);
}
