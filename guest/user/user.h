// What user programs can call: the system calls (usys.S) and ulib.
#ifndef GUEST_USER_H
#define GUEST_USER_H
#include "types.h"

// system calls
int fork(void);
int exit(int status) __attribute__((noreturn));
int wait(int *status);
int pipe(int *fds);
int write(int fd, const void *buf, int n);
int read(int fd, void *buf, int n);
int close(int fd);
int kill(int pid);
int exec(const char *path, char **argv);
int open(const char *path, int mode);
int dup(int fd);
int getpid(void);
char *sbrk(int n);
int sleep(int ticks);
int uptime(void);
int getNumFreePages(void);   // free frames in the kernel's kmem.freelist
int getNumPageFaults(void);  // page faults resolved for this process
int fsize(int fd);           // size of an open archive file
int kptables(void);          // page tables of this process's own kernel half (layout=xv6)

// ulib.c
char *strcpy(char *dst, const char *src);
void *memmove(void *dst, const void *src, int n);
void *memcpy(void *dst, const void *src, uint n);
char *strchr(const char *s, char c);
int strcmp(const char *p, const char *q);
int memcmp(const void *a, const void *b, uint n);
uint strlen(const char *s);
void *memset(void *dst, int c, uint n);
char *gets(char *buf, int max);
int atoi(const char *s);

// printf.c
void printf(int fd, const char *fmt, ...);

// umalloc.c
void *malloc(uint n);
void free(void *p);
#endif
