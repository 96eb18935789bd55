/* Two processors add 1 to two shared counters 3000 times each: one with a plain load, add and
 * store (a race: an update is lost when the other processor stores between this one's load and
 * store), one with LOCK XADD (atomic). The bootstrap processor prints both counters in hex on
 * port 0xE9, "racy 00001234 locked 00001770", and exits through port 0xF4 with 0x10 (status 33)
 * when the locked counter is 6000, else 1 (status 3). How many racy updates are lost depends
 * only on the interleaving: on xray86, on --schedule-seed (docs/smp.md). */
#include "pc.inc"
#include "smp.inc"
        .set    N, 3000

        MULTIBOOT_HEADER
start:
        mov     $stack_top, %esp
        FLAT_SEGMENTS
        movl    $0x1FF, LAPIC + 0xF0
        START_AP 1
2:      cmpl    $0, ap_ready
        je      2b
        movl    $1, go
        call    count
3:      cmpl    $0, ap_finished
        je      3b
        mov     $racy_text, %esi
        call    puts
        mov     racy, %eax
        call    puthex
        mov     $locked_text, %esi
        call    puts
        mov     locked, %eax
        call    puthex
        mov     $'\n', %al
        out     %al, $0xE9
        cmpl    $(2 * N), locked
        jne     4f
        mov     $0x10, %al
        out     %al, $0xF4
4:      mov     $1, %al
        out     %al, $0xF4
5:      hlt
        jmp     5b

/* N times: racy += 1 (load, add, store) and locked += 1 (LOCK XADD). */
count:
        mov     $N, %ecx
6:      mov     racy, %eax
        add     $1, %eax
        mov     %eax, racy
        mov     $1, %edx
        lock xadd %edx, locked
        loop    6b
        ret

/* puts: the zero-ended string at ESI on port 0xE9. puthex: EAX as 8 hex digits. */
puts:   lodsb
        test    %al, %al
        jz      7f
        out     %al, $0xE9
        jmp     puts
7:      ret
puthex: mov     %eax, %edx
        mov     $8, %ecx
8:      rol     $4, %edx
        mov     %edx, %eax
        and     $0xF, %eax
        mov     hexdigits(%eax), %al
        out     %al, $0xE9
        loop    8b
        ret

ap_entry32:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $ap_stack_top, %esp
        movl    $1, ap_ready
9:      cmpl    $0, go
        je      9b
        call    count
        movl    $1, ap_finished
10:     cli
        hlt
        jmp     10b

        AP_TRAMPOLINE

        .data
        SMP_GDT
hexdigits:      .ascii "0123456789abcdef"
racy_text:      .asciz "racy "
locked_text:    .asciz " locked "
ap_ready:       .long 0
go:             .long 0
ap_finished:    .long 0
racy:           .long 0
locked:         .long 0
        .bss
        .p2align 4
        .space  4096
stack_top:
        .space  4096
ap_stack_top:
