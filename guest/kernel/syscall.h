// System call numbers, shared by the kernel (syscall.c) and the user stubs (usys.S).
#ifndef GUEST_SYSCALL_H
#define GUEST_SYSCALL_H
#define SYS_fork 1
#define SYS_exit 2
#define SYS_wait 3
#define SYS_pipe 4
#define SYS_read 5
#define SYS_kill 6
#define SYS_exec 7
#define SYS_getpid 8
#define SYS_sbrk 9
#define SYS_sleep 10
#define SYS_uptime 11
#define SYS_open 12
#define SYS_write 13
#define SYS_close 14
#define SYS_dup 15
#define SYS_getNumFreePages 16
#define SYS_getNumPageFaults 17
#define SYS_fsize 18
#define SYS_kptables 19
#endif
