// forkstorm N [PAGES]: N rounds of fork, the child writes PAGES pages of a
// shared heap (one copy-on-write fault each) and exits, the parent waits.
// A fault-heavy workload for benchmarks; prints the faults it caused.
#include "types.h"
#include "user.h"

#define PGSIZE 4096

int main(int argc, char *argv[]) {
  int rounds = argc > 1 ? atoi(argv[1]) : 100;
  int pages = argc > 2 ? atoi(argv[2]) : 8;
  if (rounds < 0 || pages < 0 || pages > 1024) {
    printf(1, "usage: forkstorm [ROUNDS] [PAGES <= 1024]\n");
    exit(1);
  }
  char *heap = sbrk(pages * PGSIZE);
  if (heap == (char *)-1) {
    printf(1, "forkstorm: sbrk failed\n");
    exit(1);
  }
  for (int i = 0; i < pages; i++)
    heap[i * PGSIZE] = 1;
  int before = getNumFreePages();
  uint childfaults = 0;
  for (int r = 0; r < rounds; r++) {
    int pid = fork();
    if (pid < 0) {
      printf(1, "forkstorm: fork failed in round %d\n", r);
      exit(1);
    }
    if (pid == 0) {
      int f0 = getNumPageFaults();
      for (int i = 0; i < pages; i++)
        heap[i * PGSIZE] = 2;
      exit(getNumPageFaults() - f0);
    }
    int status;
    if (wait(&status) != pid || status < 0) {
      printf(1, "forkstorm: child %d failed\n", pid);
      exit(1);
    }
    childfaults += status;
  }
  int after = getNumFreePages();
  printf(1, "forkstorm: %d rounds, %d pages each: child faults %d, parent faults %d, free pages %d -> %d\n",
         rounds, pages, childfaults, getNumPageFaults(), before, after);
  exit(0);
}
