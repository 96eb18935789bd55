// cowcheck: one copy-on-write fork with a fixed script, typed at the shell
// and graded from outside (examples/grading/grade_xv6_test.cpp counts its
// faults per process). The same steps as the COW lab's check of that name:
//
//   before fork  the heap gets NPAGES pages, each written with its number;
//                BALLAST more pages, of which only the first is touched
//   parent      writes the last heap page at once (a TLB that still holds
//                the writable translation would let this reach the frame
//                the child shares), then waits
//   child       reads every heap page (the values from before fork), writes
//                the first CHILDPAGES, reads them back, checks that fork did
//                not copy the ballast, and exits
//   parent      after the child: reads every page (its own last page, the
//                rest from before fork), writes all NPAGES, reads them back,
//                and checks that every frame came back
//
// Prints "cowcheck: ok" when every check holds, one "cowcheck: FAIL ..." line
// otherwise.
#include "types.h"
#include "user.h"

#define PGSIZE 4096
#define NPAGES 8      // heap pages the check writes
#define CHILDPAGES 3  // of them, the pages the child writes
#define BALLAST 256   // pages nobody writes after fork

static int *page(char *heap, int i) { return (int *)(heap + i * PGSIZE); }

static void expect(const char *who, int i, int seen, int want) {
  if (seen == want)
    return;
  printf(1, "cowcheck: FAIL %s: heap page %d holds %d, not %d\n", who, i, seen, want);
  exit(1);
}

int main(void) {
  printf(1, "cowcheck: free pages at start %d\n", getNumFreePages());
  char *heap = sbrk(NPAGES * PGSIZE);
  char *ballast = sbrk(BALLAST * PGSIZE);
  if (heap == (char *)-1 || ballast == (char *)-1) {
    printf(1, "cowcheck: FAIL sbrk\n");
    exit(1);
  }
  for (int i = 0; i < NPAGES; i++)
    *page(heap, i) = 100 + i;
  ballast[0] = 1;
  int before = getNumFreePages();
  printf(1, "cowcheck: free pages before fork %d\n", before);

  int pid = fork();
  if (pid < 0) {
    printf(1, "cowcheck: FAIL fork\n");
    exit(1);
  }
  if (pid == 0) {
    int inchild = getNumFreePages();
    printf(1, "cowcheck: child: free pages %d, fork took %d\n", inchild, before - inchild);
    for (int i = 0; i < NPAGES; i++)
      expect("child before its writes", i, *page(heap, i), 100 + i);
    for (int i = 0; i < CHILDPAGES; i++)
      *page(heap, i) = 200 + i;
    for (int i = 0; i < NPAGES; i++)
      expect("child after its writes", i, *page(heap, i), i < CHILDPAGES ? 200 + i : 100 + i);
    if (before - inchild >= BALLAST) {
      printf(1, "cowcheck: FAIL child: fork took %d pages, the ballast is %d\n",
             before - inchild, BALLAST);
      exit(1);
    }
    printf(1, "cowcheck: child ok\n");
    exit(0);
  }

  *page(heap, NPAGES - 1) = 300 + NPAGES - 1;
  if (wait(0) != pid) {
    printf(1, "cowcheck: FAIL wait\n");
    exit(1);
  }
  for (int i = 0; i < NPAGES; i++)
    expect("parent after the child", i, *page(heap, i), i == NPAGES - 1 ? 300 + i : 100 + i);
  for (int i = 0; i < NPAGES; i++)
    *page(heap, i) = 300 + i;
  for (int i = 0; i < NPAGES; i++)
    expect("parent after its writes", i, *page(heap, i), 300 + i);
  int after = getNumFreePages();
  printf(1, "cowcheck: free pages before fork %d, after the child %d\n", before, after);
  if (after != before) {
    printf(1, "cowcheck: FAIL %d pages leaked\n", before - after);
    exit(1);
  }
  printf(1, "cowcheck: ok\n");
  exit(0);
}
