// free: print the number of free frames, getNumFreePages().
#include "types.h"
#include "user.h"

int main(void) {
  int n = getNumFreePages();
  printf(1, "free pages: %d (%d KB)\n", n, n * 4);
  exit(0);
}
