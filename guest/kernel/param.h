// Sizes and limits of the kernel's tables.
#ifndef GUEST_PARAM_H
#define GUEST_PARAM_H
#define NPROC 64          // most processes at once
#define NCPU 8            // most CPUs the kernel starts
#define KSTACKSIZE 4096   // one kernel stack per process
#define NOFILE 16         // open files per process
#define NFILE 100         // open files in the whole system
#define MAXARG 32         // most arguments to exec
#define MAXPATH 24        // longest archive name, with its NUL
#define CMDLINE 256       // longest kernel command line kept
#define APSTART 0x7000    // where the other CPUs start, in real mode (apstart.S)
#define HZ 100            // timer interrupts per second
#endif
