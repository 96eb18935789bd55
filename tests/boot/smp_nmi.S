/* NMIs through the local APICs: an ICR with delivery mode NMI (SDM vol. 3A 10.6.1, mode 100b,
 * the vector ignored) reaches the destination processor's NMI input whatever its IF says, wakes
 * it from HLT, and a second NMI that arrives while the handler runs waits until its IRET
 * ([386PRM] 9.6.1; SDM vol. 3A 6.7.1).
 *
 * Checks, in order; the first that fails ends the run with its number through port 0xF4 (status
 * 2n+1), all passing end it with 0x10 (status 33):
 *   1 an NMI to self (ICR shorthand "self") is taken by the bootstrap processor with IF=0;
 *   2 the second processor starts (within a bounded spin);
 *   3 an NMI IPI reaches the second processor, asleep in HLT with IF=0;
 *   4 a second NMI IPI, sent while its NMI handler runs, is not taken inside the handler;
 *   5 it is taken after the handler's IRET (two NMIs in all);
 *   6 the second processor's handler ran with IF=0 both times (an NMI clears IF as an
 *     interrupt gate does). */
#include "pc.inc"
#include "smp.inc"

        MULTIBOOT_HEADER
start:
        mov     $stack_top, %esp
        FLAT_SEGMENTS
        cli
        IDT_GATE 2, bsp_nmi
        lidt    idtdesc
        mov     $0xFF, %al              /* the 8259s masked */
        out     %al, $0x21
        out     %al, $0xA1
        movl    $0x1FF, LAPIC + 0xF0    /* SVR: enabled, spurious vector 0xFF */

        mov     $1, %bl
        movl    $0, ICR_HI
        movl    $0x40400, ICR_LO        /* NMI, shorthand self */
        nop                             /* taken at the next instruction boundary */
        cmpl    $1, bsp_nmis
        jne     fail

        START_AP 1
        mov     $2, %bl
        mov     $1000000, %ecx
2:      cmpl    $0, ap_ready
        jne     3f
        loop    2b
        jmp     fail

3:      mov     $3, %bl                 /* the first NMI: the handler announces itself */
        SEND_IPI 1, 0x400
        mov     $1000000, %ecx
4:      cmpl    $0, ap_in_handler
        jne     5f
        loop    4b
        jmp     fail
5:      SEND_IPI 1, 0x400               /* the second, while the first handler spins */
        movl    $1, second_sent
        mov     $4, %bl
        mov     $1000000, %ecx
6:      cmpl    $0, ap_seen_inside
        jne     7f
        loop    6b
        jmp     fail
7:      cmpl    $1, ap_seen_inside      /* the handler still counted one NMI before its IRET */
        jne     fail
        mov     $5, %bl
        mov     $1000000, %ecx
8:      cmpl    $2, ap_nmis
        je      9f
        loop    8b
        jmp     fail
9:      mov     $6, %bl
        cmpl    $0, ap_if_seen
        jne     fail

        mov     $0x10, %al
        out     %al, $0xF4
fail:   mov     %bl, %al
        out     %al, $0xF4
10:     hlt
        jmp     10b

bsp_nmi:
        incl    bsp_nmis
        iret

/* ---- the second processor: asleep with interrupts off, woken by NMIs only ---- */
ap_entry32:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $ap_stack_top, %esp
        lidt    idtdesc
        movl    $0x1FF, LAPIC + 0xF0
        IDT_GATE 2, ap_nmi              /* the shared IDT: the bootstrap processor is done with it */
        movl    $1, ap_ready
11:     hlt
        jmp     11b

ap_nmi:
        incl    ap_nmis
        pushf
        pop     %eax
        and     $0x200, %eax
        or      %eax, ap_if_seen
        cmpl    $1, ap_nmis
        jne     13f
        movl    $1, ap_in_handler       /* the first NMI: wait for the second to be sent */
        mov     $1000000, %ecx
12:     cmpl    $0, second_sent
        jne     14f
        loop    12b
14:     mov     $1000, %ecx             /* time for it to arrive, if it were taken here */
15:     loop    15b
        mov     ap_nmis, %eax
        mov     %eax, ap_seen_inside
13:     iret

        AP_TRAMPOLINE

        .data
        SMP_GDT
idtdesc:
        .word   256*8 - 1
        .long   idt
bsp_nmis:       .long 0
ap_ready:       .long 0
ap_nmis:        .long 0
ap_in_handler:  .long 0
second_sent:    .long 0
ap_seen_inside: .long 0
ap_if_seen:     .long 0
        .bss
        .p2align 12
idt:    .space  256*8
        .p2align 4
        .space  4096
stack_top:
        .space  4096
ap_stack_top:
