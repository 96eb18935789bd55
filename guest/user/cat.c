// cat: copy archive files (or standard input) to standard output.
#include "types.h"
#include "user.h"

static char buf[512];

static int copy(int fd) {
  int n;
  while ((n = read(fd, buf, sizeof(buf))) > 0)
    if (write(1, buf, n) != n)
      return -1;
  return n;
}

int main(int argc, char *argv[]) {
  if (argc < 2)
    exit(copy(0) < 0);
  for (int i = 1; i < argc; i++) {
    int fd = open(argv[i], 0);
    if (fd < 0) {
      printf(2, "cat: cannot open %s\n", argv[i]);
      exit(1);
    }
    if (copy(fd) < 0) {
      printf(2, "cat: read error\n");
      exit(1);
    }
    close(fd);
  }
  exit(0);
}
