// writetext: write into this program's own code page, which exec mapped
// read-only. The kernel must kill it ("trap 14 err 7"); it survives only under
// cow_fault=naive, which treats every write fault as copy-on-write.
// "writetext fork" does the write in a child after a fork, where cow_mark=all
// (read-only pages marked COW too) also lets it survive.
#include "types.h"
#include "user.h"

static void scribble(void) {
  volatile char *code = (volatile char *)scribble;
  printf(1, "writetext: pid %d writes its code at 0x%x\n", getpid(), (uint)code);
  char old = code[0];
  code[0] = old;  // a write fault: the page is present, read-only, not COW
  printf(1, "writetext: pid %d survived: its code page is writable now\n", getpid());
}

int main(int argc, char *argv[]) {
  if (argc > 1 && strcmp(argv[1], "fork") == 0) {
    int pid = fork();
    if (pid < 0) {
      printf(1, "writetext: fork failed\n");
      exit(1);
    }
    if (pid == 0) {
      scribble();
      exit(0);
    }
    int status;
    wait(&status);
    printf(1, "writetext: child %s (status %d)\n", status == 0 ? "survived" : "was killed", status);
    exit(status == 0 ? 0 : 1);
  }
  scribble();
  exit(0);
}
