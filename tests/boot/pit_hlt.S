/* A multiboot kernel that sleeps in HLT between timer interrupts from a short 8254 period, to
 * show that a timer programmed in the middle of one of the machine's slices (at most 1 ms of
 * guest time) still interrupts on time.
 *
 * Channel 0 in mode 2 with count 1000 rises every 1000 PIT ticks; the 8259 (ICW2 0x20) routes
 * IRQ 0 to vector 32 (the firmware's virtual wire mode passes it through LINT0). The kernel
 * reads the time stamp counter (the cycle counter) t0 before writing the count, records at
 * physical 0x500 how long the first interrupt took to arrive, HLTs until 20 interrupts
 * arrived, and exits through port 0xF4 with the total elapsed cycles divided by 27,000.
 *
 * The count loads on the first PIT tick after the write and OUT rises every 1000 ticks after
 * that: the first edge comes 1000 to 1001 ticks after the write, 27,657 to 27,685 cycles
 * (1 tick = 33e6 / 1193182 = 27.66 cycles); the write and the interrupt delivery add a few
 * hundred cycles, so the first interrupt arrives 27,600-28,500 cycles after t0: 0x500 holds a
 * value that divided by 5,000 gives 5. The kernel starts with the machine's first slice, which
 * ends 33,000 cycles in (1 ms); an interrupt held back to the slice's end would give 6. The
 * 20th edge comes 20,000 ticks (553,142 cycles) after the first tick, so the total divided by
 * 27,000 is 20 (status 41). */
#include "pc.inc"
        MULTIBOOT_HEADER
start:
        mov     $stack_top, %esp
        FLAT_SEGMENTS
        IDT_GATE 32, tick
        lidt    idtdesc
        PIC_INIT 0xFE, 0xFF             /* only IRQ 0 open */
        mov     $0x34, %al              /* channel 0, LSB then MSB, mode 2 */
        out     %al, $0x43
        rdtsc
        mov     %eax, t0
        mov     $1000 & 0xFF, %al
        out     %al, $0x40
        mov     $1000 >> 8, %al
        out     %al, $0x40
        sti
2:      hlt
        cmpl    $20, count
        jb      2b
        cli
        rdtsc
        sub     t0, %eax
        xor     %edx, %edx
        mov     $27000, %ecx
        div     %ecx
        out     %al, $0xF4
3:      hlt
        jmp     3b

tick:
        push    %eax
        cmpl    $0, count
        jne     1f
        rdtsc
        sub     t0, %eax
        mov     %eax, 0x500             /* cycles until the first interrupt */
1:      incl    count
        mov     $0x20, %al
        out     %al, $0x20
        pop     %eax
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
