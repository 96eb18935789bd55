// System calls about files: the console, archive files and pipes.
#include "types.h"
#include "param.h"
#include "mmu.h"
#include "spinlock.h"
#include "proc.h"
#include "file.h"
#include "archive.h"
#include "defs.h"

// The n-th argument as a file descriptor: sets *pfd and *pf. Returns 0 or -1.
static int argfd(int n, int *pfd, struct file **pf) {
  int fd;
  struct file *f;
  if (argint(n, &fd) < 0)
    return -1;
  if (fd < 0 || fd >= NOFILE || (f = myproc()->ofile[fd]) == 0)
    return -1;
  if (pfd)
    *pfd = fd;
  if (pf)
    *pf = f;
  return 0;
}

// Give f the lowest free descriptor of the current process. Returns it, or -1.
static int fdalloc(struct file *f) {
  struct proc *p = myproc();
  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd] == 0) {
      p->ofile[fd] = f;
      return fd;
    }
  }
  return -1;
}

int sys_dup(void) {
  struct file *f;
  if (argfd(0, 0, &f) < 0)
    return -1;
  int fd = fdalloc(f);
  if (fd < 0)
    return -1;
  filedup(f);
  return fd;
}

// read(fd, buf, n)
int sys_read(void) {
  struct file *f;
  int n;
  char *p;
  if (argfd(0, 0, &f) < 0 || argint(2, &n) < 0 || argptr(1, &p, n) < 0)
    return -1;
  return fileread(f, (uint)p, n);
}

// write(fd, buf, n)
int sys_write(void) {
  struct file *f;
  int n;
  char *p;
  if (argfd(0, 0, &f) < 0 || argint(2, &n) < 0 || argptr(1, &p, n) < 0)
    return -1;
  return filewrite(f, (uint)p, n);
}

int sys_close(void) {
  int fd;
  struct file *f;
  if (argfd(0, &fd, &f) < 0)
    return -1;
  myproc()->ofile[fd] = 0;
  fileclose(f);
  return 0;
}

// open(path, mode): "console", or a file of the archive (read-only: mode 0).
int sys_open(void) {
  char *path;
  int mode;
  if (argstr(0, &path) < 0 || argint(1, &mode) < 0)
    return -1;
  const struct archive_entry *e = 0;
  int console = strncmp(path, "console", 8) == 0;
  if (!console) {
    if (mode != 0 || (e = archivelookup(path)) == 0)
      return -1;
  }
  struct file *f = filealloc();
  if (f == 0)
    return -1;
  int fd = fdalloc(f);
  if (fd < 0) {
    fileclose(f);
    return -1;
  }
  if (console) {
    f->type = FD_CONSOLE;
    f->readable = 1;
    f->writable = 1;
  } else {
    f->type = FD_ARCHIVE;
    f->readable = 1;
    f->data = archivedata(e);
    f->size = e->size;
    f->off = 0;
  }
  return fd;
}

// fsize(fd): the size of an archive file, -1 for anything else.
int sys_fsize(void) {
  struct file *f;
  if (argfd(0, 0, &f) < 0 || f->type != FD_ARCHIVE)
    return -1;
  return f->size;
}

// exec(path, argv): argv is a 0-terminated array of string pointers.
int sys_exec(void) {
  char *path, *argv[MAXARG + 1];
  int uargv, uarg;
  if (argstr(0, &path) < 0 || argint(1, &uargv) < 0)
    return -1;
  for (int i = 0;; i++) {
    if (i > MAXARG)
      return -1;
    if (fetchint(uargv + 4 * i, &uarg) < 0)
      return -1;
    if (uarg == 0) {
      argv[i] = 0;
      break;
    }
    if (fetchstr(uarg, &argv[i]) < 0)
      return -1;
  }
  return exec(path, argv);
}

// pipe(int fds[2])
int sys_pipe(void) {
  int *fds;
  struct file *rf, *wf;
  if (argptr(0, (char **)&fds, 2 * sizeof(fds[0])) < 0)
    return -1;
  if (pipealloc(&rf, &wf) < 0)
    return -1;
  int fd[2];
  fd[0] = fdalloc(rf);
  fd[1] = fd[0] < 0 ? -1 : fdalloc(wf);
  if (fd[1] < 0 || copytouser((uint)fds, fd, sizeof(fd)) < 0) {
    struct proc *p = myproc();
    if (fd[0] >= 0)
      p->ofile[fd[0]] = 0;
    if (fd[1] >= 0)
      p->ofile[fd[1]] = 0;
    fileclose(rf);
    fileclose(wf);
    return -1;
  }
  return 0;
}
