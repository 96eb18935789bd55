// Interrupt and exception vectors.
#ifndef GUEST_TRAPS_H
#define GUEST_TRAPS_H
// Processor exceptions (80386 PRM 9.8)
#define T_DIVIDE 0
#define T_DEBUG 1
#define T_NMI 2
#define T_BRKPT 3
#define T_OFLOW 4
#define T_BOUND 5
#define T_ILLOP 6
#define T_DEVICE 7
#define T_DBLFLT 8
#define T_TSS 10
#define T_SEGNP 11
#define T_STACK 12
#define T_GPFLT 13
#define T_PGFLT 14
#define T_FPERR 16
#define T_ALIGN 17

#define T_SYSCALL 64  // system calls: int $0x40

#define T_IRQ0 32  // IRQ n arrives at vector 32+n (8259s remapped, or I/O APIC)
#define IRQ_TIMER 0  // the 8254 on IRQ 0, or with layout=xv6 the local APIC's timer
#define IRQ_COM1 4
#define IRQ_SPURIOUS 7         // the master 8259's spurious IRQ
#define IRQ_LAPIC_SPURIOUS 31  // layout=xv6: the local APIC's spurious vector
#endif
