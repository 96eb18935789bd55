// Open files: the console, archive files and pipes.
#ifndef GUEST_FILE_H
#define GUEST_FILE_H
struct file {
  enum { FD_NONE, FD_CONSOLE, FD_ARCHIVE, FD_PIPE } type;
  int ref;
  char readable;
  char writable;
  struct pipe *pipe;
  const char *data;  // FD_ARCHIVE: the file's bytes inside the archive
  uint size;
  uint off;
};
#endif
