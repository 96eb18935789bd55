// usertests: tests of the kernel's system calls. Each test prints
// "usertests: NAME ok" or "usertests: NAME FAIL: why"; the last line is
// "ALL TESTS PASSED" or "SOME TESTS FAILED". Several tests expect a child to be
// killed, so kill messages on the console are part of a passing run.
#include "types.h"
#include "user.h"

#define PGSIZE 4096
#define KERNBASE 0x80000000

static int failed;

static void result(const char *name, int ok, const char *why) {
  if (ok)
    printf(1, "usertests: %s ok\n", name);
  else {
    printf(1, "usertests: %s FAIL: %s\n", name, why);
    failed = 1;
  }
}

// Run f in a child; return the child's exit status (-1 if it was killed).
static int inchild(void (*f)(void)) {
  int pid = fork();
  if (pid < 0)
    return -1000;
  if (pid == 0) {
    f();
    exit(0);
  }
  int status;
  if (wait(&status) != pid)
    return -1001;
  return status;
}

static void exitwait(void) {
  int pids[10], ok = 1;
  for (int i = 0; i < 10; i++) {
    pids[i] = fork();
    if (pids[i] < 0) {
      result("exitwait", 0, "fork failed");
      return;
    }
    if (pids[i] == 0)
      exit(i + 1);
  }
  for (int n = 0; n < 10; n++) {
    int status, pid = wait(&status);
    int found = 0;
    for (int i = 0; i < 10; i++)
      if (pids[i] == pid && status == i + 1)
        found = 1;
    ok &= found;
  }
  ok &= wait(0) == -1;  // no children left
  result("exitwait", ok, "wrong pid or status");
}

static void getpidtest(void) {
  int me = getpid();
  int p[2];
  pipe(p);
  int pid = fork();
  if (pid == 0) {
    int child = getpid();
    write(p[1], &child, sizeof(child));
    exit(0);
  }
  int child = 0;
  read(p[0], &child, sizeof(child));
  wait(0);
  close(p[0]);
  close(p[1]);
  result("getpid", child == pid && child != me && me > 0, "pids do not match");
}

static void sbrktest(void) {
  int free0 = getNumFreePages();
  char *old = sbrk(0);
  char *a = sbrk(10 * PGSIZE);
  int ok = a == old && sbrk(0) == old + 10 * PGSIZE;
  for (int i = 0; i < 10 * PGSIZE; i += PGSIZE)
    ok &= a[i] == 0;  // new memory is zeroed
  for (int i = 0; i < 10 * PGSIZE; i++)
    a[i] = i;
  ok &= getNumFreePages() == free0 - 10;
  ok &= sbrk(-10 * PGSIZE) == old + 10 * PGSIZE && sbrk(0) == old;
  ok &= getNumFreePages() == free0;
  ok &= sbrk(0x7fffffff) == (char *)-1;  // more than the address space
  ok &= sbrk(-(int)(uint)old - 1) == (char *)-1;  // below zero
  result("sbrk", ok, "sizes or free pages wrong");
}

static void sbrkfreed(void) { *(volatile char *)(sbrk(0) + 100) = 1; }
static void sbrkfreedtest(void) {
  char *a = sbrk(PGSIZE);
  a[0] = 1;
  sbrk(-PGSIZE);
  result("sbrk-freed", inchild(sbrkfreed) == -1, "memory above sbrk(0) was writable");
}

static void exectest(void) {
  char *argv[] = {"echo", "usertests:", "exec", "ok", 0};
  int pid = fork();
  if (pid == 0) {
    exec("echo", argv);
    exit(99);
  }
  int status;
  wait(&status);
  char *none[] = {"nosuchprogram", 0};
  int bad = exec("nosuchprogram", none);
  char *readme[] = {"README", 0};
  int notelf = exec("README", readme);
  if (status != 0 || bad != -1 || notelf != -1)
    result("exec", 0, "exec of echo failed or a bad exec returned");
}

static void pipetest(void) {
  int p[2];
  if (pipe(p) < 0) {
    result("pipe", 0, "pipe failed");
    return;
  }
  int pid = fork();
  if (pid == 0) {
    close(p[0]);
    char buf[100];
    for (int k = 0; k < 50; k++) {
      for (int i = 0; i < 100; i++)
        buf[i] = (k * 100 + i) & 0xff;
      if (write(p[1], buf, 100) != 100)
        exit(1);
    }
    exit(0);
  }
  close(p[1]);
  int total = 0, ok = 1, n;
  char buf[300];
  while ((n = read(p[0], buf, sizeof(buf))) > 0) {
    for (int i = 0; i < n; i++)
      ok &= (uchar)buf[i] == ((total + i) & 0xff);
    total += n;
  }
  close(p[0]);
  int status;
  wait(&status);
  result("pipe", ok && total == 5000 && status == 0, "wrong bytes through the pipe");
}

static void spin(void) {
  for (;;)
    ;
}
static void killtest(void) {
  int pid = fork();
  if (pid == 0)
    spin();
  sleep(2);
  int k = kill(pid);
  int status;
  int w = wait(&status);
  result("kill", k == 0 && w == pid && status == -1 && kill(pid) == -1, "kill did not end the child");
}

static void sleeptest(void) {
  int t0 = uptime();
  sleep(3);
  int t1 = uptime();
  result("sleep", t1 - t0 >= 3, "uptime did not advance");
}

static void filetest(void) {
  char buf[64];
  int fd = open("README", 0);
  int size = fsize(fd);
  int n = read(fd, buf, 6);
  int rest = 0, m;
  while ((m = read(fd, buf + 6, sizeof(buf) - 6)) > 0)
    rest += m;
  int ok = fd >= 3 && size > 6 && n == 6 && memcmp(buf, "xray86", 6) == 0 && n + rest == size;
  ok &= close(fd) == 0 && close(fd) == -1 && read(fd, buf, 1) == -1;
  ok &= open("nosuchfile", 0) == -1 && open("README", 1) == -1;
  int d = dup(1);
  ok &= d >= 3 && write(d, "", 0) == 0 && close(d) == 0;
  result("files", ok, "open/read/close/dup misbehaved");
}

static void badptrtest(void) {
  int p[2];
  pipe(p);
  write(p[1], "abcd", 4);
  int ok = read(p[0], (char *)KERNBASE, 4) == -1;          // kernel memory
  ok &= read(p[0], sbrk(0), 4) == -1;                      // beyond the process
  ok &= write(1, (char *)0xFFFFF000, 16) == -1;
  ok &= write(1, sbrk(0) - 2, 16) == -1;                   // runs past the end
  ok &= wait((int *)KERNBASE) == -1;                       // no children anyway
  close(p[0]);
  close(p[1]);
  result("bad-pointers", ok, "a bad pointer was accepted");
}

static int readpipe[2];
static void readintotext(void) { read(readpipe[0], (char *)readintotext, 4); }
static void readtexttest(void) {
  pipe(readpipe);
  write(readpipe[1], "abcd", 4);
  int status = inchild(readintotext);
  close(readpipe[0]);
  close(readpipe[1]);
  result("read-into-text", status == -1, "the kernel wrote into a read-only page");
}

static void guardpage(void) {
  char local;
  uint guard = ((uint)&local & ~(PGSIZE - 1)) - PGSIZE;
  *(volatile char *)(guard + 16) = 1;
}
static void kernelread(void) { (void)*(volatile int *)(KERNBASE + 0x100000); }
// CLI at CPL 3 with IOPL 0 raises #GP(0) (Intel SDM vol. 2, CLI): the kernel kills the process.
static void privileged(void) { __asm__ volatile("cli"); }
static void memtest(void) {
  result("guard-page", inchild(guardpage) == -1, "the guard page was writable");
  result("kernel-memory", inchild(kernelread) == -1, "user code read kernel memory");
  result("privileged", inchild(privileged) == -1, "user code turned interrupts off");
}

// malloc and free: blocks keep their contents, and freed memory is reused
// (a second round of the same allocations does not grow the process).
static void malloctest(void) {
  enum { N = 200 };
  static char *blocks[N];
  int ok = 1;
  for (int round = 0; round < 2; round++) {
    char *top = sbrk(0);
    for (int i = 0; i < N; i++) {
      uint size = 100 + i * 37;
      if ((blocks[i] = malloc(size)) == 0) {
        result("malloc", 0, "malloc returned 0");
        return;
      }
      memset(blocks[i], i, size);
    }
    for (int i = 0; i < N; i++)
      for (uint j = 0; j < 100 + i * 37u; j += 50)
        ok &= blocks[i][j] == (char)i;
    for (int i = 0; i < N; i += 2)  // free in two interleaved passes to exercise merging
      free(blocks[i]);
    for (int i = 1; i < N; i += 2)
      free(blocks[i]);
    if (round == 1)
      ok &= sbrk(0) == top;
  }
  result("malloc", ok, "contents lost or freed memory not reused");
}

int main(void) {
  printf(1, "usertests starting\n");
  exitwait();
  getpidtest();
  sbrktest();
  sbrkfreedtest();
  exectest();
  pipetest();
  killtest();
  sleeptest();
  filetest();
  badptrtest();
  readtexttest();
  memtest();
  malloctest();
  printf(1, failed ? "SOME TESTS FAILED\n" : "ALL TESTS PASSED\n");
  exit(failed);
}
