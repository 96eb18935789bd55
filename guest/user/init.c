// init: the first process (unless run= names another). Starts the shell and
// restarts it when it exits; reaps the orphans handed to it meanwhile.
#include "types.h"
#include "user.h"

int main(void) {
  char *argv[] = {"sh", 0};
  for (;;) {
    printf(1, "init: starting sh\n");
    int pid = fork();
    if (pid < 0) {
      printf(1, "init: fork failed\n");
      exit(1);
    }
    if (pid == 0) {
      exec("sh", argv);
      printf(1, "init: exec sh failed\n");
      exit(1);
    }
    int wpid;
    while ((wpid = wait(0)) >= 0 && wpid != pid)
      ;  // an orphan
  }
}
