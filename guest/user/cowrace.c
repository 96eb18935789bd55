// cowrace [ROUNDS] [PAGES]: the lab's reference-count race, given every
// chance to happen. Each round the parent writes PAGES heap pages and forks
// two children that wait for the same clock tick and then write every page
// at the same time, one on each CPU. Each write is a copy-on-write fault: the
// kernel reads the shared frame's count, copies the page and drops the count
// by one (kfree). With the count under kmem.lock the two drops both land; with
// cow_lock=off two CPUs can read the same count and store the same result,
// and the frame is never freed. After the children have exited the parent
// checks that every frame came back (free pages as before the fork) and that
// every page holds what its owner wrote. Stops at the first round with
// damage: exit 1, or 0 after ROUNDS clean rounds. On one CPU the kernel runs
// with interrupts off, so the race cannot happen there.
//
// The two updates collide only if both CPUs are inside the few instructions
// between the load and the store of the same count at once. The children
// write the pages in the same order, and between two pages each spins for a
// pseudo-random while (up to about one fault's time), so that the distance
// between the two CPUs keeps changing and passes through every small value.
#include "types.h"
#include "user.h"

#define PGSIZE 4096
#define NCHILD 2

static char *heap;
static int pages;

// Write value v into the first word of every page (a fault each, if shared).
// With seed non-zero, spin for a pseudo-random number of steps (a linear
// congruential generator's high bits) before each page.
static void fill(uint v, uint seed) {
  for (int i = 0; i < pages; i++) {
    if (seed) {
      seed = seed * 1103515245 + 12345;
      for (volatile uint k = (seed >> 16) % 512; k > 0; k--)
        ;
    }
    *(uint *)(heap + i * PGSIZE) = v + i;
  }
}

// How many pages do not hold what fill(v) wrote?
static int check(uint v) {
  int bad = 0;
  for (int i = 0; i < pages; i++)
    if (*(uint *)(heap + i * PGSIZE) != v + i)
      bad++;
  return bad;
}

int main(int argc, char *argv[]) {
  int rounds = argc > 1 ? atoi(argv[1]) : 50;
  pages = argc > 2 ? atoi(argv[2]) : 64;
  if (rounds <= 0 || pages <= 0 || pages > 1024) {
    printf(1, "usage: cowrace [ROUNDS] [PAGES <= 1024]\n");
    exit(2);
  }
  heap = sbrk(pages * PGSIZE);
  if (heap == (char *)-1) {
    printf(1, "cowrace: sbrk failed\n");
    exit(2);
  }
  for (int r = 0; r < rounds; r++) {
    uint mine = 0x10000000 + (r << 12);
    fill(mine, 0);
    int before = getNumFreePages();
    // The children start writing at the second tick from now: by then each
    // is running on its own CPU (an idle CPU looks for work at its next tick).
    int start = uptime() + 2;
    int pids[NCHILD];
    for (int c = 0; c < NCHILD; c++) {
      pids[c] = fork();
      if (pids[c] < 0) {
        printf(1, "cowrace: fork failed in round %d\n", r);
        exit(2);
      }
      if (pids[c] == 0) {
        uint theirs = 0x20000000 + (c << 24) + (r << 12);
        while (uptime() < start)
          ;
        fill(theirs, theirs);
        exit(check(theirs));
      }
    }
    int childbad = 0;
    for (int c = 0; c < NCHILD; c++) {
      int status;
      if (wait(&status) < 0) {
        printf(1, "cowrace: wait failed in round %d\n", r);
        exit(2);
      }
      childbad += status;
    }
    int after = getNumFreePages();
    int parentbad = check(mine);
    if (after != before || childbad || parentbad) {
      printf(1, "cowrace: round %d: free pages %d -> %d: %d frames lost; ", r, before, after,
             before - after);
      printf(1, "%d pages of the children and %d of the parent hold another's data\n", childbad,
             parentbad);
      printf(1, "cowrace: FAIL after %d rounds\n", r + 1);
      exit(1);
    }
  }
  printf(1, "cowrace: %d rounds of %d pages written by %d children at once: ", rounds, pages,
         NCHILD);
  printf(1, "every frame came back, no page changed\n");
  printf(1, "cowrace: ok\n");
  exit(0);
}
