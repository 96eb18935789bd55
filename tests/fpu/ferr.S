/* A multiboot kernel that takes an x87 error the PC/AT way: CR0.NE clear, zero-divide unmasked.
 * FDIV by zero raises ZE; the FWAIT after it freezes until IRQ 13 (FERR#, through the 8259 at
 * vector 0x2D) is taken; the handler counts it, clears the error (FNCLEX), writes port F0h and
 * sends EOI to both 8259s, and returns to the FWAIT, which now goes on. The kernel exits through
 * port 0xF4 with 0x10 for each time the handler ran, plus the status word's ZE bit (4) it saw:
 * one run, 0x14, status (0x14 << 1) | 1 = 41. */
#include "../boot/pc.inc"
        MULTIBOOT_HEADER
start:
        mov     $stack_top, %esp
        FLAT_SEGMENTS
        IDT_GATE 0x2D, irq13
        lidt    idtdesc
        PIC_INIT 0xFB, 0xDF             /* IRQ 2 (the slave) and IRQ 13 open */
        mov     %cr0, %eax
        and     $~0x26, %eax            /* NE, EM, MP clear */
        mov     %eax, %cr0
        fninit
        fldcw   cw                      /* 037Bh: zero-divide unmasked */
        fldz
        fld1
        fdiv    %st(1), %st             /* ZE: FERR#, IRQ 13 */
        sti
        fwait                           /* frozen until the interrupt, then again */
        cli
        mov     result, %al
        out     %al, $0xF4
2:      hlt
        jmp     2b

irq13:
        push    %eax
        addb    $0x10, result
        fnstsw  %ax
        and     $0x04, %al
        or      %al, result
        fnclex
        xor     %al, %al
        out     %al, $0xF0              /* clear the FERR# latch */
        mov     $0x20, %al
        out     %al, $0xA0
        out     %al, $0x20
        pop     %eax
        iret

        .data
        .p2align 3
        FLAT_GDT_IDT
cw:     .word   0x037B
result: .byte   0
        .bss
        .p2align 4
idt:    .space  256*8
        .space  4096
stack_top:
