// cowfork N K [P]: one copy-on-write fork whose page faults can be counted
// exactly (the API's suites in tests/guest derive their numbers from this).
// The process grows its heap by N pages and writes each one, so every page is
// present, private and writable; it writes the first heap page once more right
// before fork, so that page is in the TLB when fork returns. Then it forks. The
// parent writes the first P heap pages right after fork returns and then waits;
// the child reads the first heap page, writes the first K heap pages (one byte
// each, in order) and exits with getNumFreePages() as its status. Between fork
// and exit nothing else writes user memory except each process's stack page.
#include "types.h"
#include "user.h"

#define PGSIZE 4096

int main(int argc, char *argv[]) {
  int n = argc > 2 ? atoi(argv[1]) : -1;
  int k = argc > 2 ? atoi(argv[2]) : -1;
  int p = argc > 3 ? atoi(argv[3]) : 0;
  if (n < 1 || n > 1024 || k < 0 || k > n || p < 0 || p > n) {
    printf(1, "usage: cowfork N K [P]  (1 <= N <= 1024, K and P <= N)\n");
    exit(1);
  }
  volatile char *heap = sbrk(n * PGSIZE);
  if (heap == (char *)-1) {
    printf(1, "cowfork: sbrk failed\n");
    exit(1);
  }
  for (int i = 0; i < n; i++)
    heap[i * PGSIZE] = 'A';
  int size = (int)sbrk(0) / PGSIZE;
  int free0 = getNumFreePages();
  printf(1, "cowfork: %d pages, heap 0x%x-0x%x, free pages %d\n", size, (uint)heap,
         (uint)(heap + n * PGSIZE), free0);
  heap[0] = 'A';
  int pid = fork();
  if (pid < 0) {
    printf(1, "cowfork: fork failed\n");
    exit(1);
  }
  if (pid == 0) {
    char seen = heap[0];
    for (int i = 0; i < k; i++)
      heap[i * PGSIZE] = 'C';
    printf(1, "cowfork: child saw '%c' in the first heap page\n", seen);
    exit(getNumFreePages());
  }
  for (int i = 0; i < p; i++)
    heap[i * PGSIZE] = 'B';
  int status;
  wait(&status);
  int free2 = getNumFreePages();
  printf(1, "cowfork: child wrote %d, parent %d of %d heap pages; free pages %d before fork, %d at the child's exit, %d after\n",
         k, p, n, free0, status, free2);
  exit(0);
}
