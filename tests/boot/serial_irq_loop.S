/* A multiboot kernel whose console is interrupt-driven and whose idle is a loop, as in MIT's xv6
 * (no HLT anywhere): it enables COM1's receive interrupt (IER bit 0) through the 8259 (IRQ 4,
 * vector 0x24), prints "> ", and drops to a ring-3 loop that spins forever. The interrupt
 * handler echoes every received byte, prints "> " after a first newline, and after the second
 * exits through port 0xF4 with the number of bytes received. A scripted --input reaches it only
 * through the machine's rule for looping kernels (user mode entered, receive interrupt on, 1 s of
 * guest time without a CR3 load or serial output): with "ab\ncde\n" the console reads
 * "> ab\n> cde\n" and the status is 7 (xray86 exits with (7 << 1) | 1 = 15).
 * Segments ([386PRM] 5.1, 6.3): 0x08 ring-0 code, 0x10 ring-0 data, 0x1B ring-3 code, 0x23
 * ring-3 data, 0x28 the TSS whose SS0:ESP0 the interrupt from ring 3 switches to. */
#include "pc.inc"
        .set    COM1, 0x3F8
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
        IDT_GATE 0x24, serial
        lidt    idtdesc
        PIC_INIT 0xEF, 0xFF             /* only IRQ 4 open */
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

/* IRQ 4: take every received byte. */
serial:
        push    %eax
        push    %edx
        mov     $0x10, %ax
        mov     %ax, %ds
2:      mov     $COM1 + 5, %dx
        in      %dx, %al
        test    $0x01, %al
        jz      3f
        mov     $COM1, %dx
        in      %dx, %al
        incl    received
        call    putc
        cmp     $'\n', %al
        jne     2b
        incl    lines
        cmpl    $2, lines
        je      4f
        call    prompt
        jmp     2b
3:      mov     $0x20, %al              /* EOI */
        out     %al, $0x20
        mov     $0x23, %ax
        mov     %ax, %ds
        pop     %edx
        pop     %eax
        iret
4:      mov     received, %al
        out     %al, $0xF4
        cli
        hlt

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
received:
        .long   0
lines:
        .long   0
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
