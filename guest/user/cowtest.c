// cowtest: the copy-on-write lab's checks. Each prints one line, "ok NAME: ..."
// or "FAIL NAME: ...", with the numbers it measured. Every scenario is
// deterministic: a parent that measures waits for its child (or the child waits
// on a pipe), so the counts do not depend on when the timer switches processes.
// Exits 0 if every check passed, 1 otherwise.
#include "types.h"
#include "user.h"

#define PGSIZE 4096
#define NHEAP 16  // heap pages every scenario shares between parent and child
#define KWRITE 5  // how many of them the child writes in "child-faults"

static int failures, checks;
static char *heap;  // NHEAP pages, made private (written) before any fork

static void check(int ok, const char *name) {
  checks++;
  if (!ok)
    failures++;
  printf(1, "%s %s: ", ok ? "ok" : "FAIL", name);
}

// Fork; exits the test if fork fails (used where fork must work).
static int mustfork(void) {
  int pid = fork();
  if (pid < 0) {
    printf(1, "cowtest: fork failed\n");
    exit(1);
  }
  return pid;
}

// fork costs: copy-on-write fork allocates the child's page directory, page
// table and kernel stack, plus one copy of the stack page that parent or child
// writes first; eager fork copies every page. With layout=xv6 the child also
// gets its own copy of the kernel's page tables (kptables() of them, the same
// in every process): they are counted apart, since the lab is about user pages.
static void forkcost(void) {
  int p[2];
  char c = 0;
  pipe(p);
  int before = getNumFreePages();
  int pid = mustfork();
  if (pid == 0) {
    read(p[0], &c, 1);  // wait until the parent has measured
    exit(0);
  }
  int after = getNumFreePages();
  write(p[1], &c, 1);
  wait(0);
  close(p[0]);
  close(p[1]);
  int used = before - after;
  int kernel = kptables();
  check(used - kernel <= 4, "fork-cost");
  printf(1, "free pages %d -> %d: fork took %d pages for a process of %d pages", before, after,
         used, (int)sbrk(0) / PGSIZE);
  if (kernel)
    printf(1, ", %d of them kernel page tables", kernel);
  printf(1, "\n");
}

// Parent and child write the same page after fork and each sees only its own
// write. The parent writes right after fork returns, before any switch of
// process: with cow_flush=none its TLB still holds the old writable entry and
// the write lands in the frame it shares with the child.
static void isolation(void) {
  volatile char *x = heap;
  x[0] = 'A';
  int pid = mustfork();
  if (pid == 0) {
    char seen = x[0];
    x[0] = 'C';
    exit(seen == 'A' && x[0] == 'C' ? 0 : 1);
  }
  x[0] = 'B';
  int status;
  wait(&status);
  check(status == 0 && x[0] == 'B', "isolation");
  printf(1, "parent reads '%c', child saw the parent's value %s\n", x[0],
         status == 0 ? "unchanged" : "changed (or died)");
}

// A child that writes KWRITE of the NHEAP shared pages takes exactly KWRITE
// faults and KWRITE frames. Then the parent, sole owner again, writes all NHEAP
// pages: NHEAP faults (the pages are still read-only and COW) but no new frames.
static void childfaults(void) {
  volatile char *h = heap;
  int pid = mustfork();
  if (pid == 0) {
    int f0 = getNumPageFaults();  // after the call: the stack page is already written
    int free0 = getNumFreePages();
    for (int i = 0; i < KWRITE; i++)
      h[i * PGSIZE + 100] = i;
    int f1 = getNumPageFaults();
    int free1 = getNumFreePages();
    int ok = f1 - f0 == KWRITE && free0 - free1 == KWRITE;
    check(ok, "child-faults");
    printf(1, "child wrote %d of %d shared pages: %d faults, free pages %d -> %d\n", KWRITE, NHEAP,
           f1 - f0, free0, free1);
    exit(ok ? 0 : 1);
  }
  int status;
  wait(&status);
  checks++;  // the child printed its line; count its verdict here
  failures += status != 0;
  int f0 = getNumPageFaults();
  int free0 = getNumFreePages();
  for (int i = 0; i < NHEAP; i++)
    h[i * PGSIZE + 200] = i;
  int f1 = getNumPageFaults();
  int free1 = getNumFreePages();
  check(f1 - f0 == NHEAP && free1 == free0, "parent-faults");
  printf(1, "parent, sole owner again, wrote %d pages: %d faults, free pages %d -> %d\n", NHEAP,
         f1 - f0, free0, free1);
}

// The kernel's own writes into user memory honour COW (CR0.WP=1): a child's
// read() into a buffer it shares with its parent changes only the child's
// copy; the parent's wait() writes the status into a shared heap page.
static void kernelwrite(void) {
  char *buf = heap + 2 * PGSIZE;
  int *status = (int *)(heap + 3 * PGSIZE);
  strcpy(buf, "parent");
  *status = 12345;
  int p[2];
  pipe(p);
  write(p[1], "child!", 7);
  int pid = mustfork();
  if (pid == 0) {
    int f0 = getNumPageFaults();
    int n = read(p[0], buf, 7);  // the kernel writes into a COW page
    int f1 = getNumPageFaults();
    exit(n == 7 && strcmp(buf, "child!") == 0 && f1 - f0 == 1 ? 0 : 1);
  }
  int f0 = getNumPageFaults();
  int r = wait(status);  // and here, into another one
  int f1 = getNumPageFaults();
  close(p[0]);
  close(p[1]);
  check(r == pid && *status == 0 && strcmp(buf, "parent") == 0 && f1 - f0 == 1, "kernel-write");
  printf(1, "child's read() left the parent's buffer \"%s\"; wait() wrote status %d (%d fault)\n",
         buf, *status, f1 - f0);
}

// Read-only pages stay read-only after fork: a child writing its own code is killed.
static void readonly(void) {
  int pid = mustfork();
  if (pid == 0) {
    volatile char *code = (volatile char *)readonly;
    code[0] = code[0];
    exit(0);
  }
  int status;
  wait(&status);
  check(status == -1, "text-readonly");
  printf(1, "a child writing its code page %s\n", status == -1 ? "was killed" : "survived");
}

// Nested forks, writes and exits return every frame.
static void nest(int depth) {
  if (depth == 0)
    return;
  for (int i = 0; i < 2; i++) {
    int pid = mustfork();
    if (pid == 0) {
      heap[(depth + i) % NHEAP * PGSIZE] = depth;
      nest(depth - 1);
      exit(0);
    }
  }
  while (wait(0) >= 0)
    ;
}
static void nested(void) {
  int before = getNumFreePages();
  nest(4);
  int after = getNumFreePages();
  check(before == after, "nested-forks");
  printf(1, "30 processes forked, wrote and exited: free pages %d -> %d\n", before, after);
}

// A process using more than half of the free memory can still fork with COW
// (eager fork cannot copy it); when the child then writes every page it runs
// out of memory during a COW copy, and only the child is killed.
static void bigfork(void) {
  int free0 = getNumFreePages();
  int big = free0 / 10 * 6;
  char *mem = sbrk(big * PGSIZE);
  if (mem == (char *)-1) {
    printf(1, "cowtest: sbrk of %d pages failed\n", big);
    exit(1);
  }
  int pid = fork();
  if (pid == 0) {
    for (int i = 0; i < big; i++)
      mem[i * PGSIZE] = 1;
    exit(0);  // not reached: there are not enough frames for every copy
  }
  check(pid >= 0, "big-fork");
  printf(1, "fork of a process using %d of %d free pages %s\n", big, free0,
         pid >= 0 ? "worked" : "failed");
  if (pid > 0) {
    int status;
    wait(&status);
    int after = getNumFreePages();
    check(status == -1, "cow-oom");
    printf(1, "the child writing all %d pages %s, parent alive, free pages %d\n", big,
           status == -1 ? "was killed" : "was not killed", after);
  }
  sbrk(-big * PGSIZE);
  int free1 = getNumFreePages();
  check(free1 == free0, "big-free");
  printf(1, "after sbrk(-%d pages): free pages %d -> %d\n", big, free0, free1);
}

int main(void) {
  int start = getNumFreePages();
  heap = sbrk(NHEAP * PGSIZE);
  for (int i = 0; i < NHEAP; i++)
    heap[i * PGSIZE] = 0;
  printf(1, "cowtest: free pages at start %d\n", start);
  forkcost();
  isolation();
  childfaults();
  kernelwrite();
  readonly();
  nested();
  bigfork();
  sbrk(-NHEAP * PGSIZE);
  int end = getNumFreePages();
  check(end == start, "all-frames");
  printf(1, "free pages at start %d, at end %d\n", start, end);
  if (failures)
    printf(1, "cowtest: %d of %d checks FAILED\n", failures, checks);
  else
    printf(1, "cowtest: all %d checks ok\n", checks);
  exit(failures ? 1 : 0);
}
