// System call dispatch and argument fetching. Arguments sit on the user stack
// (the cdecl convention of the stubs in usys.S); the number is in %eax.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "mmu.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "syscall.h"
#include "x86.h"

// Fetch the int at user address addr. Returns 0, or -1 if outside the process.
int fetchint(uint addr, int *ip) {
  struct proc *p = myproc();
  if (addr >= p->sz || addr + 4 > p->sz || addr + 4 < addr)
    return -1;
  *ip = *(int *)addr;
  return 0;
}

// Point *pp at the NUL-terminated string at user address addr (the process's
// memory is mapped while it is in the kernel). Returns its length, or -1.
int fetchstr(uint addr, char **pp) {
  struct proc *p = myproc();
  if (addr >= p->sz)
    return -1;
  *pp = (char *)addr;
  for (char *s = *pp; s < (char *)p->sz; s++)
    if (*s == 0)
      return s - *pp;
  return -1;
}

// The n-th 32-bit argument.
int argint(int n, int *ip) { return fetchint(myproc()->tf->esp + 4 + 4 * n, ip); }

// The n-th argument as a pointer to a block of size bytes inside the process.
int argptr(int n, char **pp, int size) {
  int i;
  struct proc *p = myproc();
  if (argint(n, &i) < 0)
    return -1;
  if (size < 0 || (uint)i >= p->sz || (uint)size > p->sz - (uint)i)
    return -1;
  *pp = (char *)i;
  return 0;
}

// The n-th argument as a string. Returns its length, or -1.
int argstr(int n, char **pp) {
  int addr;
  if (argint(n, &addr) < 0)
    return -1;
  return fetchstr(addr, pp);
}

extern int sys_fork(void);
extern int sys_exit(void);
extern int sys_wait(void);
extern int sys_pipe(void);
extern int sys_read(void);
extern int sys_kill(void);
extern int sys_exec(void);
extern int sys_getpid(void);
extern int sys_sbrk(void);
extern int sys_sleep(void);
extern int sys_uptime(void);
extern int sys_open(void);
extern int sys_write(void);
extern int sys_close(void);
extern int sys_dup(void);
extern int sys_getNumFreePages(void);
extern int sys_getNumPageFaults(void);
extern int sys_fsize(void);
extern int sys_kptables(void);

static int (*syscalls[])(void) = {
    [SYS_fork] = sys_fork,
    [SYS_exit] = sys_exit,
    [SYS_wait] = sys_wait,
    [SYS_pipe] = sys_pipe,
    [SYS_read] = sys_read,
    [SYS_kill] = sys_kill,
    [SYS_exec] = sys_exec,
    [SYS_getpid] = sys_getpid,
    [SYS_sbrk] = sys_sbrk,
    [SYS_sleep] = sys_sleep,
    [SYS_uptime] = sys_uptime,
    [SYS_open] = sys_open,
    [SYS_write] = sys_write,
    [SYS_close] = sys_close,
    [SYS_dup] = sys_dup,
    [SYS_getNumFreePages] = sys_getNumFreePages,
    [SYS_getNumPageFaults] = sys_getNumPageFaults,
    [SYS_fsize] = sys_fsize,
    [SYS_kptables] = sys_kptables,
};

void syscall(void) {
  struct proc *p = myproc();
  uint num = p->tf->eax;
  if (num > 0 && num < NELEM(syscalls) && syscalls[num]) {
    p->tf->eax = syscalls[num]();
  } else {
    cprintf("%d %s: unknown sys call %d\n", p->pid, p->name, num);
    p->tf->eax = -1;
  }
}
