/* A multiboot kernel for the tracer's address spaces (tests/trace/spaces_test.cpp): one user
 * process forks four children, one at a time, and every child gets the same page directory
 * frame, freed by the child before it. The tracer must see five address spaces, not two.
 *
 * Physical layout (identity-mapped 0-4 MB through KPT, supervisor only):
 *   0x300000 the parent's page directory   0x301000 its user page table
 *   0x302000 KPT, shared by both directories for 0-4 MB
 *   0x310000 the child's page directory    0x311000 its user page table (the same frames for
 *                                           every child)
 *   0x320000 the parent's stack page       0x321000 the child's (a copy of the parent's)
 * User addresses (PDE 1): 0x400000 the user code (the page `user_code` below, read-only),
 * 0x401000 the stack page (the word at 0x401000 counts the forks left), 0x402000 never mapped.
 *
 * System calls, INT 0x40 with the number in EAX, dispatched through `syscalls` (xv6's table of
 * function pointers, so the trace names them): 1 fork, 2 exit, 3 wait. fork builds the child's
 * directory afresh and returns its pid (2, 3, 4, 5); wait runs the child until it ends and
 * returns its pid; exit ends the child (or, from the parent, the machine: port 0xF4, value 0,
 * status 1). A child's fault is a kill: the kernel ends it and returns to the parent's wait.
 *
 * The user program:
 *   forks left = 4
 *   loop: pid = fork()                    the child returns 0 through wait's switch, not fork's
 *         if pid == 0: if forks left > 2: write 0x402000 (not present: killed, children 1, 2)
 *                      exit()             (children 3, 4)
 *         wait(); if --forks left: loop
 *   exit()
 * Children 1 and 2 fault at the same EIP on the same address: each fault is the first of its
 * address space (repeat=1), never a repeat of the other's.
 *
 * Built twice: with -DPTABLE the kernel keeps an xv6-style process table `ptable` (struct proc
 * with pgdir at 4, state 12, pid 16, parent 20, name 108; a stride of 128 bytes after an 8-byte
 * lock, unlike either xv6), which the tracer reads for pids and names; without it the tracer has
 * only the system calls to go by. */
#include "../boot/pc.inc"
        .set    MB_MAGIC, 0x1BADB002
        .set    MB_FLAGS, 0x00000003
        .set    PD_P, 0x300000
        .set    PT_P, 0x301000
        .set    KPT, 0x302000
        .set    PD_C, 0x310000
        .set    PT_C, 0x311000
        .set    STACK_P, 0x320000
        .set    STACK_C, 0x321000
        .set    KSTACK_TOP, 0x330000
        .set    UCODE_SEL, 0x1B
        .set    UDATA_SEL, 0x23
        .set    TSS_SEL, 0x28
        .set    PROC_STRIDE, 128
        .text
        .globl  start
        .p2align 2
mb_header:
        .long   MB_MAGIC
        .long   MB_FLAGS
        .long   -(MB_MAGIC + MB_FLAGS)

start:
        mov     $KSTACK_TOP, %esp
        /* The TSS descriptor's base, then the tables. */
        mov     $tss, %eax
        mov     %ax, gdt + TSS_SEL + 2
        shr     $16, %eax
        mov     %al, gdt + TSS_SEL + 4
        mov     %ah, gdt + TSS_SEL + 7
        lgdt    gdt_desc
        ljmp    $0x08, $reload
reload:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $TSS_SEL, %ax
        ltr     %ax
        IDT_GATE 14, pf_handler
        /* INT 0x40: a trap gate user mode may call (DPL 3, type 0xF). */
        mov     $syscall_entry, %eax
        mov     %ax, idt + 0x40 * 8
        movw    $0x08, idt + 0x40 * 8 + 2
        movw    $0xEF00, idt + 0x40 * 8 + 4
        shr     $16, %eax
        mov     %ax, idt + 0x40 * 8 + 6
        lidt    idt_desc
        /* KPT: 0-4 MB identity, present and writable, supervisor. */
        cld
        mov     $KPT, %edi
        mov     $0x003, %eax
        mov     $1024, %ecx
1:      stosl
        add     $0x1000, %eax
        loop    1b
        /* The parent: its directory, user page table and stack. */
        mov     $PD_P, %edi
        mov     $PT_P, %ebx
        mov     $STACK_P, %edx
        call    build_space
        movl    $1, ptable_pid0
        movl    $4, ptable_state0           /* RUNNING */
        mov     $PD_P, %eax
        mov     %eax, %cr3
        mov     %cr0, %eax
        or      $0x80010000, %eax           /* PG, WP */
        mov     %eax, %cr0
        movl    $0, current
        push    $UDATA_SEL
        push    $0x402000
        push    $0x002
        push    $UCODE_SEL
        push    $0x400000
        mov     $UDATA_SEL, %ax
        mov     %ax, %ds
        mov     %ax, %es
        iret

/* build_space: EDI the page directory, EBX its user page table, EDX its stack frame. Zeroes
 * both, maps 0-4 MB through KPT and the user pages through the table. Clobbers EAX, ECX, EDI. */
build_space:
        push    %edi
        xor     %eax, %eax
        mov     $1024, %ecx
        rep stosl
        pop     %edi
        movl    $KPT + 3, (%edi)
        lea     7(%ebx), %eax
        mov     %eax, 4(%edi)
        mov     %ebx, %edi
        xor     %eax, %eax
        mov     $1024, %ecx
        rep stosl
        mov     $user_code + 5, %eax        /* P U, read-only */
        mov     %eax, (%ebx)
        lea     7(%edx), %eax               /* P W U */
        mov     %eax, 4(%ebx)
        ret

/* INT 0x40 from user mode: the frame is EIP, CS, EFLAGS, ESP, SS at KSTACK_TOP - 20. */
syscall_entry:
        push    %eax
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        pop     %eax
        call    *syscalls(, %eax, 4)
        mov     $UDATA_SEL, %dx
        mov     %dx, %ds
        mov     %dx, %es
        iret

        .type   sys_fork, @function
sys_fork:
        mov     $PD_C, %edi
        mov     $PT_C, %ebx
        mov     $STACK_C, %edx
        call    build_space
        mov     $STACK_P, %esi
        mov     $STACK_C, %edi
        mov     $1024, %ecx
        rep movsl
        /* The child resumes where the parent's INT returns, with EAX 0. */
        mov     KSTACK_TOP - 20, %eax       /* the frame's EIP */
        mov     %eax, child_eip
        mov     KSTACK_TOP - 8, %eax        /* ... and user ESP */
        mov     %eax, child_esp
        mov     nextpid, %eax
        incl    nextpid
        mov     %eax, ptable_pid1
        movl    $3, ptable_state1           /* RUNNABLE */
        movl    $PD_C, ptable_pgdir1
        ret
        .size   sys_fork, . - sys_fork

        .type   sys_wait, @function
sys_wait:
        /* Keep where the parent returns to, then run the child from its saved context. */
        mov     KSTACK_TOP - 20, %eax
        mov     %eax, parent_eip
        mov     KSTACK_TOP - 8, %eax
        mov     %eax, parent_esp
        movl    $1, current
        movl    $4, ptable_state1           /* RUNNING */
        movl    $3, ptable_state0           /* the parent waits */
        mov     $PD_C, %eax
        mov     %eax, %cr3
        mov     child_eip, %ebx
        mov     child_esp, %ecx
        xor     %eax, %eax
        jmp     to_user
        .size   sys_wait, . - sys_wait

        .type   sys_exit, @function
sys_exit:
        cmpl    $0, current
        jne     end_child
        mov     $0, %al
        out     %al, $0xF4
        hlt
        .size   sys_exit, . - sys_exit

/* The child is over (exit, or a fault): free its slot and return from the parent's wait with
 * the child's pid. */
end_child:
        mov     ptable_pid1, %edx
        movl    $0, ptable_pid1
        movl    $0, ptable_state1           /* UNUSED */
        movl    $4, ptable_state0
        movl    $0, current
        mov     $PD_P, %eax
        mov     %eax, %cr3
        mov     parent_eip, %ebx
        mov     parent_esp, %ecx
        mov     %edx, %eax
/* IRET to user mode at EBX with ESP ECX and EAX as it is, on a fresh kernel stack. */
to_user:
        mov     $KSTACK_TOP, %esp
        push    $UDATA_SEL
        push    %ecx
        push    $0x002
        push    $UCODE_SEL
        push    %ebx
        mov     $UDATA_SEL, %dx
        mov     %dx, %ds
        mov     %dx, %es
        iret

/* #PF: only a child faults (its write to 0x402000): the kernel kills it. */
pf_handler:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        cmpl    $1, current
        je      end_child
        mov     $9, %al
        out     %al, $0xF4
        hlt

/* The user program, mapped at 0x400000 (position-independent: relative jumps only). */
        .p2align 12
user_code:
        movl    $4, 0x401000                /* forks left */
1:      mov     $1, %eax
        int     $0x40                       /* fork */
        test    %eax, %eax
        jz      2f
        mov     $3, %eax
        int     $0x40                       /* wait */
        decl    0x401000
        jnz     1b
        mov     $2, %eax
        int     $0x40                       /* exit */
2:      cmpl    $2, 0x401000
        jbe     3f
        movl    $1, 0x402000                /* not present: the kernel kills the child */
3:      mov     $2, %eax
        int     $0x40                       /* exit */
        .p2align 12

        .data
        .p2align 3
gdt:
        .quad   0
        .quad   0x00CF9A000000FFFF          /* 0x08: code, 4 GB, 32-bit */
        .quad   0x00CF92000000FFFF          /* 0x10: data, 4 GB */
        .quad   0x00CFFA000000FFFF          /* 0x18: user code, DPL 3 */
        .quad   0x00CFF2000000FFFF          /* 0x20: user data, DPL 3 */
        .quad   0x0000890000000067          /* 0x28: the TSS, 104 bytes (base set at start) */
gdt_desc:
        .word   6 * 8 - 1
        .long   gdt
        .p2align 3
idt:
        .fill   0x41 * 8, 1, 0
idt_desc:
        .word   0x41 * 8 - 1
        .long   idt
tss:
        .long   0, KSTACK_TOP, 0x10         /* link, ESP0, SS0 */
        .fill   23, 4, 0
        .globl  syscalls
        .type   syscalls, @object
syscalls:
        .long   0, sys_fork, sys_exit, sys_wait
        .size   syscalls, . - syscalls
current:
        .long   0                           /* 0: the parent runs, 1: the child */
nextpid:
        .long   2
parent_eip:
        .long   0
parent_esp:
        .long   0
child_eip:
        .long   0
child_esp:
        .long   0
/* struct proc slots: pgdir 4, state 12, pid 16, parent 20, name 108; 128 bytes apart. */
        .p2align 2
#ifdef PTABLE
        .globl  ptable
        .type   ptable, @object
ptable:
#endif
        .long   0, 0                        /* the lock */
proc0:
        .long   0, PD_P, 0
ptable_state0:
        .long   0
ptable_pid0:
        .long   0
        .long   0                           /* parent */
        .fill   108 - 24, 1, 0
        .ascii  "init"
        .fill   PROC_STRIDE - 112, 1, 0
        .long   0
ptable_pgdir1:
        .long   0
        .long   0
ptable_state1:
        .long   0
ptable_pid1:
        .long   0
        .long   proc0                       /* parent */
        .fill   108 - 24, 1, 0
        .ascii  "child"
        .fill   PROC_STRIDE - 113, 1, 0
#ifdef PTABLE
        .size   ptable, . - ptable
#endif
