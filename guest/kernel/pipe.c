// Pipes: a 512-byte ring buffer between a reading and a writing file.
#include "types.h"
#include "param.h"
#include "mmu.h"
#include "spinlock.h"
#include "proc.h"
#include "file.h"
#include "defs.h"

#define PIPESIZE 512

struct pipe {
  struct spinlock lock;
  char data[PIPESIZE];
  uint nread;     // bytes read so far
  uint nwrite;    // bytes written so far
  int readopen;   // is the read end still open?
  int writeopen;  // is the write end still open?
};

// Make a pipe and its two files. Returns 0, or -1 if out of memory or files.
int pipealloc(struct file **f0, struct file **f1) {
  struct pipe *p = 0;
  *f0 = *f1 = 0;
  if ((*f0 = filealloc()) == 0 || (*f1 = filealloc()) == 0)
    goto bad;
  if ((p = (struct pipe *)kalloc()) == 0)
    goto bad;
  p->readopen = 1;
  p->writeopen = 1;
  p->nwrite = 0;
  p->nread = 0;
  initlock(&p->lock, "pipe");
  (*f0)->type = FD_PIPE;
  (*f0)->readable = 1;
  (*f0)->writable = 0;
  (*f0)->pipe = p;
  (*f1)->type = FD_PIPE;
  (*f1)->readable = 0;
  (*f1)->writable = 1;
  (*f1)->pipe = p;
  return 0;

bad:
  if (*f0)
    fileclose(*f0);
  if (*f1)
    fileclose(*f1);
  return -1;
}

void pipeclose(struct pipe *p, int writable) {
  acquire(&p->lock);
  if (writable) {
    p->writeopen = 0;
    wakeup(&p->nread);
  } else {
    p->readopen = 0;
    wakeup(&p->nwrite);
  }
  if (p->readopen == 0 && p->writeopen == 0) {
    release(&p->lock);
    kfree((char *)p);
  } else
    release(&p->lock);
}

// Write n bytes from src (user or kernel memory), waiting for room.
// Returns n, or -1 if the read end is closed or the writer was killed.
int pipewrite(struct pipe *p, const char *src, int n) {
  acquire(&p->lock);
  for (int i = 0; i < n; i++) {
    while (p->nwrite == p->nread + PIPESIZE) {
      if (p->readopen == 0 || myproc()->killed) {
        release(&p->lock);
        return -1;
      }
      wakeup(&p->nread);
      sleep(&p->nwrite, &p->lock);
    }
    p->data[p->nwrite++ % PIPESIZE] = src[i];
  }
  wakeup(&p->nread);
  release(&p->lock);
  return n;
}

// Read up to n bytes into the kernel buffer dst, waiting while the pipe is
// empty and a writer remains. Returns the count (0 at end of file), or -1.
int piperead(struct pipe *p, char *dst, int n) {
  acquire(&p->lock);
  while (p->nread == p->nwrite && p->writeopen) {
    if (myproc()->killed) {
      release(&p->lock);
      return -1;
    }
    sleep(&p->nread, &p->lock);
  }
  int i;
  for (i = 0; i < n && p->nread != p->nwrite; i++)
    dst[i] = p->data[p->nread++ % PIPESIZE];
  wakeup(&p->nwrite);
  release(&p->lock);
  return i;
}
