/* A multiboot kernel that counts local APIC timer interrupts for a fixed number of cycles.
 *
 * The timer is periodic, divide by 1, initial count 100000: with one count per CPU cycle it
 * interrupts every P = 100000 cycles, the k-th time at t0 + k*P, where t0 is the cycle of the
 * store to the initial-count register. The kernel reads the time stamp counter (the cycle
 * counter) just before that store, then spins reading it until 10.5*P = 1050000 cycles have
 * passed; interrupts are taken at the first instruction boundary after each expiry. In the
 * window [t0, t0 + 10.5P] the expiries are k = 1..10, so the count is exactly 10 whatever
 * each instruction costs (as long as the store follows the read within P/2 cycles and one
 * handler runs in less than P). It exits through port 0xF4 with the count: status 21. */
#include "pc.inc"
        .set    LAPIC, 0xFEE00000
        MULTIBOOT_HEADER
start:
        mov     $stack_top, %esp
        FLAT_SEGMENTS
        IDT_GATE 32, tick
        lidt    idtdesc
        /* Mask the 8259s: only the APIC timer interrupts. */
        mov     $0xFF, %al
        out     %al, $0x21
        out     %al, $0xA1
        movl    $0x1FF, LAPIC + 0xF0       /* SVR: enable, spurious vector 0xFF */
        movl    $0x10000, LAPIC + 0x350    /* LINT0 masked */
        movl    $0x0B, LAPIC + 0x3E0       /* divide by 1 */
        movl    $0x20020, LAPIC + 0x320    /* periodic, vector 32 */
        rdtsc
        mov     %eax, t0
        movl    $100000, LAPIC + 0x380     /* initial count: starts the timer */
        sti
2:      rdtsc
        sub     t0, %eax
        cmp     $1050000, %eax
        jb      2b
        cli
        mov     count, %eax
        out     %al, $0xF4
3:      hlt
        jmp     3b

tick:
        incl    count
        movl    $0, LAPIC + 0xB0           /* EOI */
        iret

        .data
        .p2align 3
        FLAT_GDT_IDT
count:  .long   0
t0:     .long   0
        .bss
        .p2align 4
idt:    .space  256*8
        .space  4096
stack_top:
