// forktest: fork until fork fails (the process table or memory is full),
// then reap every child; the free frames must come back to where they were.
#include "types.h"
#include "user.h"

#define MAXKIDS 1000

int main(void) {
  int before = getNumFreePages();
  int n;
  for (n = 0; n < MAXKIDS; n++) {
    int pid = fork();
    if (pid < 0)
      break;
    if (pid == 0) {
      sleep(1);  // stay alive until the parent has stopped forking
      exit(0);
    }
  }
  if (n == MAXKIDS) {
    printf(1, "forktest: FAIL fork never failed after %d children\n", n);
    exit(1);
  }
  int reaped = 0;
  while (wait(0) >= 0)
    reaped++;
  int after = getNumFreePages();
  printf(1, "forktest: %d children forked, %d reaped, free pages %d -> %d\n", n, reaped, before, after);
  if (reaped != n || after != before) {
    printf(1, "forktest: FAIL\n");
    exit(1);
  }
  printf(1, "forktest: ok\n");
  exit(0);
}
