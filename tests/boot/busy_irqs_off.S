/* A kernel that is busy with interrupts off for a long time after it reads a line, then silent
 * for a while, as MIT's xv6 is when wait() frees a 100 MB child under the process table's lock
 * (usertests' sbrk test: seconds of guest time with no interrupt, no CR3 load and no output, and
 * no output soon after either). Like serial_irq_loop.S it idles in a ring-3 loop with COM1's
 * receive interrupt on (IRQ 4, vector 0x24), and the 8254 ticks at 100 Hz (IRQ 0, vector 0x20:
 * count 11932 of 1.193182 MHz). On the first newline the receive handler, still with interrupts
 * off, spins for 10 s of guest time (330,000,000 cycles by RDTSC: longer than the idle test's
 * 1 s and than the 7.5 s between a run's pieces) and returns; 10 ticks (0.1 s) later the timer
 * handler prints "done\n> ". With --input 'x\n' --exit-when-idle the console must read
 * "> x\ndone\n> ": the guest is not waiting while it spins, nor just after. */
#include "pc.inc"
        .set    COM1, 0x3F8
        .set    BUSY, 330000000
        MULTIBOOT_HEADER
start:
        mov     $stack_top, %esp
        /* TSS descriptor base = tss (limit 0x67, type 9: available 32-bit TSS, DPL 0). */
        mov     $tss, %eax
        mov     %ax, gdt + 0x28 + 2
        shr     $16, %eax
        mov     %al, gdt + 0x28 + 4
        mov     %ah, gdt + 0x28 + 7
        FLAT_SEGMENTS
        movl    $stack_top, tss + 4     /* ESP0 */
        movl    $0x10, tss + 8          /* SS0 */
        mov     $0x28, %ax
        ltr     %ax
        IDT_GATE 0x20, tick
        IDT_GATE 0x24, serial
        lidt    idtdesc
        PIC_INIT 0xEE, 0xFF             /* IRQ 0 and 4 open */
        mov     $0x34, %al              /* PIT channel 0, LSB then MSB, mode 2 */
        out     %al, $0x43
        mov     $11932 & 0xFF, %al
        out     %al, $0x40
        mov     $11932 >> 8, %al
        out     %al, $0x40
        /* COM1: interrupt when a byte arrives; OUT2 gates the IRQ line on a PC. */
        mov     $COM1 + 4, %dx
        mov     $0x0B, %al
        out     %al, %dx
        mov     $COM1 + 1, %dx
        mov     $0x01, %al
        out     %al, %dx
        call    prompt
        /* To ring 3 with interrupts on: SS, ESP, EFLAGS (IF), CS, EIP. */
        push    $0x23
        push    $user_stack_top
        push    $0x202
        push    $0x1B
        push    $user
        iret
user:
        jmp     user

/* IRQ 0: the end of interrupt; after a spin, "done" on the 10th tick. */
tick:
        push    %eax
        push    %edx
        mov     $0x10, %ax
        mov     %ax, %ds
        cmpl    $0, after
        je      5f
        decl    after
        jnz     5f
        mov     $'d', %al
        call    putc
        mov     $'o', %al
        call    putc
        mov     $'n', %al
        call    putc
        mov     $'e', %al
        call    putc
        mov     $'\n', %al
        call    putc
        call    prompt
5:      mov     $0x20, %al              /* EOI */
        out     %al, $0x20
        mov     $0x23, %ax
        mov     %ax, %ds
        pop     %edx
        pop     %eax
        iret

/* IRQ 4: echo every received byte; after a newline, spin with interrupts off. */
serial:
        push    %eax
        push    %edx
        push    %ecx
        mov     $0x10, %ax
        mov     %ax, %ds
2:      mov     $COM1 + 5, %dx
        in      %dx, %al
        test    $0x01, %al
        jz      3f
        mov     $COM1, %dx
        in      %dx, %al
        call    putc
        cmp     $'\n', %al
        jne     2b
        rdtsc
        mov     %eax, %ecx
4:      rdtsc
        sub     %ecx, %eax
        cmp     $BUSY, %eax
        jb      4b
        movl    $10, after
        jmp     2b
3:      mov     $0x20, %al              /* EOI */
        out     %al, $0x20
        mov     $0x23, %ax
        mov     %ax, %ds
        pop     %ecx
        pop     %edx
        pop     %eax
        iret

prompt:
        mov     $'>', %al
        call    putc
        mov     $' ', %al
        jmp     putc

        COM1_PUTC

        .data
        .p2align 3
gdt:
        .quad   0
        .quad   0x00CF9A000000FFFF      /* 0x08: code, base 0, 4 GB, DPL 0 */
        .quad   0x00CF92000000FFFF      /* 0x10: data, DPL 0 */
        .quad   0x00CFFA000000FFFF      /* 0x18: code, DPL 3 */
        .quad   0x00CFF2000000FFFF      /* 0x20: data, DPL 3 */
        .quad   0x0000890000000067      /* 0x28: TSS, base filled in at start */
gdtdesc:
        .word   gdtdesc - gdt - 1
        .long   gdt
idtdesc:
        .word   256*8 - 1
        .long   idt
after:
        .long   0                       /* ticks left until "done" (0: none due) */
        .bss
        .p2align 3
idt:
        .space  256*8
tss:
        .space  0x68
        .space  4096
stack_top:
        .space  4096
user_stack_top:
