// Every kernel function used outside its own file, grouped under the file that defines it.
#ifndef GUEST_DEFS_H
#define GUEST_DEFS_H
#include "types.h"
#include "param.h"

struct context;
struct file;
struct pipe;
struct proc;
struct spinlock;
struct trapframe;
struct archive_entry;

// archive.c
void archiveinit(uint start, uint end);
const struct archive_entry *archivelookup(const char *name);
const char *archivedata(const struct archive_entry *e);

// console.c
void consoleinit(void);
void consoleintr(void);
void cprintf(const char *fmt, ...);
void panic(const char *s) __attribute__((noreturn));
int consoleread(char *dst, int n);
int consolewrite(const char *src, int n);
void poweroff(int status) __attribute__((noreturn));

// exec.c
int exec(const char *path, char **argv);

// file.c
struct file *filealloc(void);
void fileclose(struct file *f);
struct file *filedup(struct file *f);
int fileread(struct file *f, uint uaddr, int n);
int filewrite(struct file *f, uint uaddr, int n);

// ioapic.c
void ioapicinit(void);
void ioapicenable(int irq, int apicid);

// kalloc.c
void kinit1(void *vstart, void *vend);
void kinit2(void *vstart, void *vend);
char *kalloc(void);
void kfree(char *v);
void incref(uint pa);
uint getrefcount(uint pa);
int getNumFreePages(void);
extern uint phystop;

// lapic.c
extern int useapic;
void lapicinit(void);
void lapiceoi(void);
int lapicid(void);
void lapicstartap(uchar apicid, uint addr);

// mp.c
int mpinit(int *imcr);
void mpimcr(void);

// options.c
enum { COW_FLUSH_LCR3, COW_FLUSH_INVLPG, COW_FLUSH_NONE };
struct options {
  int fork_eager;       // fork=eager: copy every page at fork
  int cow_trap_off;     // cow_trap=off: no COW handling in the page-fault trap
  int cow_fault_naive;  // cow_fault=naive: any write fault on a present page is COW
  int cow_mark_all;     // cow_mark=all: read-only pages are marked COW too
  int cow_fix_keepro;   // cow_fix=keepro: the handler forgets to make the page writable
  int cow_flush;        // cow_flush=lcr3|invlpg|none
  int cow_lock_off;     // cow_lock=off: reference counts updated without kmem.lock
  int layout_xv6;       // layout=xv6: per-process kernel page tables, LAPIC and IOAPIC
  uint mem;             // mem=MB: cap on usable memory, 0 if not given
  char run[CMDLINE];    // run=PROGRAM ARGS, or empty for the shell
};
extern struct options opt;
void parseoptions(const char *cmdline);
void printoptions(void);

// picirq.c
void picinit(void);
void picenable(int irq);
void picdisable(void);
void piceoi(int irq);

// pipe.c
int pipealloc(struct file **f0, struct file **f1);
void pipeclose(struct pipe *p, int writable);
int piperead(struct pipe *p, char *dst, int n);
int pipewrite(struct pipe *p, const char *src, int n);

// proc.c
void userinit(void);
int fork(void);
void exit(int status) __attribute__((noreturn));
int wait(uint statusaddr);
int kill(int pid);
int growproc(int n);
void scheduler(void) __attribute__((noreturn));
void sched(void);
void yield(void);
void sleep(void *chan, struct spinlock *lk);
void wakeup(void *chan);
struct proc *myproc(void);
struct cpu *mycpu(void);
int cpuid(void);
void procdump(void);

// spinlock.c
void initlock(struct spinlock *lk, char *name);
void acquire(struct spinlock *lk);
void release(struct spinlock *lk);
int holding(struct spinlock *lk);
void pushcli(void);
void popcli(void);

// string.c
void *memset(void *dst, int c, uint n);
void *memmove(void *dst, const void *src, uint n);
void *memcpy(void *dst, const void *src, uint n);
int memcmp(const void *a, const void *b, uint n);
int strncmp(const char *p, const char *q, uint n);
char *safestrcpy(char *s, const char *t, int n);
int strlen(const char *s);

// swtch.S
void swtch(struct context **old, struct context *new);

// syscall.c
int argint(int n, int *ip);
int argptr(int n, char **pp, int size);
int argstr(int n, char **pp);
int fetchint(uint addr, int *ip);
int fetchstr(uint addr, char **pp);
void syscall(void);

// timer.c
void timerinit(void);
extern uint ticks;
extern struct spinlock tickslock;

// trap.c
void tvinit(void);
void idtinit(void);
int killproc(struct proc *p, struct trapframe *tf, uint va);

// uart.c
void uartinit(void);
void uartputc(int c);
void uartflush(void);
int uartgetc(void);

// usercopy.S: copy n bytes to user address dst through the current page table,
// so CR0.WP makes a COW page fault; returns 0, or -1 if a fault could not be resolved.
int usercopy(uint dst, const void *src, uint n);
extern char usercopy_begin[], usercopy_end[], usercopy_fault[];

// vm.c
extern pde_t *kpgdir;
void seginit(void);
void kvmalloc(void);
pde_t *setupkvm(void);
int kptables(pde_t *pgdir);
pte_t *walkpgdir(pde_t *pgdir, const void *va, int alloc);
int mappages(pde_t *pgdir, void *va, uint size, uint pa, int perm);
int allocuvm(pde_t *pgdir, uint oldsz, uint newsz, int perm);
int deallocuvm(pde_t *pgdir, uint oldsz, uint newsz);
int loaduvm(pde_t *pgdir, char *addr, const char *src, uint sz);
void freevm(pde_t *pgdir);
pde_t *copyuvm(pde_t *pgdir, uint sz);
int handlePageFault(struct trapframe *tf);
void clearpteu(pde_t *pgdir, char *uva);
int copyout(pde_t *pgdir, uint va, const void *p, uint len);
int copytouser(uint va, const void *src, uint n);
void switchuvm(struct proc *p);
void switchkvm(void);

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))
#endif
