// sh: a small shell. Runs programs from the archive with arguments; ';'
// separates commands on a line. Prints a program's exit status if not 0.
#include "types.h"
#include "user.h"

#define MAXWORDS 16

// Run the command in s (words separated by spaces), then wait for it.
static void runcmd(char *s) {
  char *argv[MAXWORDS + 1];
  int argc = 0;
  while (*s) {
    while (*s == ' ' || *s == '\t')
      *s++ = 0;
    if (*s == 0)
      break;
    if (argc == MAXWORDS) {
      printf(2, "sh: too many words\n");
      return;
    }
    argv[argc++] = s;
    while (*s && *s != ' ' && *s != '\t')
      s++;
  }
  argv[argc] = 0;
  if (argc == 0)
    return;
  if (strcmp(argv[0], "exit") == 0)
    exit(argc > 1 ? atoi(argv[1]) : 0);
  int pid = fork();
  if (pid < 0) {
    printf(2, "sh: fork failed\n");
    return;
  }
  if (pid == 0) {
    exec(argv[0], argv);
    printf(2, "sh: cannot run %s\n", argv[0]);
    exit(127);
  }
  int status;
  if (wait(&status) >= 0 && status != 0)
    printf(2, "sh: %s: exit status %d\n", argv[0], status);
}

int main(void) {
  static char buf[200];
  for (;;) {
    printf(2, "$ ");
    gets(buf, sizeof(buf));
    if (buf[0] == 0)
      exit(0);  // end of input
    char *cmd = buf;
    for (char *s = buf;; s++) {
      if (*s == ';' || *s == '\n' || *s == '\r' || *s == 0) {
        int last = *s != ';';
        *s = 0;
        runcmd(cmd);
        if (last)
          break;
        cmd = s + 1;
      }
    }
  }
}
