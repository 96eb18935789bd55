// Open files: the system-wide table, and read/write for the console, archive
// files and pipes. Reads go through a kernel buffer and then copytouser, so
// that every write into user memory takes the COW path.
#include "types.h"
#include "param.h"
#include "mmu.h"
#include "spinlock.h"
#include "proc.h"
#include "file.h"
#include "defs.h"

struct {
  struct spinlock lock;
  struct file file[NFILE];
} ftable = {.lock = {0, "ftable", 0}};

// Allocate a file with one reference. Returns 0 if the table is full.
struct file *filealloc(void) {
  acquire(&ftable.lock);
  for (struct file *f = ftable.file; f < ftable.file + NFILE; f++) {
    if (f->ref == 0) {
      memset(f, 0, sizeof(*f));
      f->ref = 1;
      release(&ftable.lock);
      return f;
    }
  }
  release(&ftable.lock);
  return 0;
}

// Add a reference to f.
struct file *filedup(struct file *f) {
  acquire(&ftable.lock);
  if (f->ref < 1)
    panic("filedup");
  f->ref++;
  release(&ftable.lock);
  return f;
}

// Drop a reference to f; close it at zero.
void fileclose(struct file *f) {
  acquire(&ftable.lock);
  if (f->ref < 1)
    panic("fileclose");
  if (--f->ref > 0) {
    release(&ftable.lock);
    return;
  }
  struct file ff = *f;
  f->ref = 0;
  f->type = FD_NONE;
  release(&ftable.lock);
  if (ff.type == FD_PIPE)
    pipeclose(ff.pipe, ff.writable);
}

#define CHUNK 512

// Read up to n bytes from f into user address uaddr. The console and pipes
// return what is available (at most one chunk); archive files fill the request
// up to their end. Returns the count, or -1.
int fileread(struct file *f, uint uaddr, int n) {
  char buf[CHUNK];
  if (!f->readable || n < 0)
    return -1;
  if (f->type == FD_CONSOLE || f->type == FD_PIPE) {
    int m = n < CHUNK ? n : CHUNK;
    int got = f->type == FD_CONSOLE ? consoleread(buf, m) : piperead(f->pipe, buf, m);
    if (got > 0 && copytouser(uaddr, buf, got) < 0)
      return -1;
    return got;
  }
  if (f->type == FD_ARCHIVE) {
    int done = 0;
    while (done < n && f->off < f->size) {
      uint m = f->size - f->off;
      if (m > (uint)(n - done))
        m = n - done;
      if (m > CHUNK)
        m = CHUNK;
      memmove(buf, f->data + f->off, m);
      if (copytouser(uaddr + done, buf, m) < 0)
        return -1;
      f->off += m;
      done += m;
    }
    return done;
  }
  panic("fileread");
}

// Write n bytes from user address uaddr (already checked to lie inside the
// process) to f. Returns n, or -1.
int filewrite(struct file *f, uint uaddr, int n) {
  if (!f->writable || n < 0)
    return -1;
  if (f->type == FD_CONSOLE)
    return consolewrite((const char *)uaddr, n);
  if (f->type == FD_PIPE)
    return pipewrite(f->pipe, (const char *)uaddr, n);
  return -1;
}
