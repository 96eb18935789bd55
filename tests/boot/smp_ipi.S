/* Two processors: the bootstrap processor starts the other with INIT and STARTUP, the two
 * exchange fixed IPIs, and a PTE changed on one processor is still used through the other's TLB
 * until that one flushes (each processor has its own TLB).
 *
 * Checks, in order; the first that fails ends the run with its number through port 0xF4 (status
 * 2n+1), all passing end it with 0x10 (status 33):
 *   1 the bootstrap processor's local APIC ID is 0; 2 its CPUID.1 says APIC (EDX bit 9) and
 *   initial APIC ID 0 (EBX bits 31-24); 3 the second processor starts (within a bounded spin);
 *   4 its local APIC ID and 5 its CPUID initial APIC ID are 1; 6 three IPIs to it are taken
 *   and 7 three answered; 8 it runs with IF=1 from its HLT loop (the IPIs woke it);
 *   9 the bootstrap processor reads page X through frame A, 10 after changing X's PTE to frame B
 *   and INVLPG it reads B; 11 the second processor, which read X through A before the change,
 *   still reads A (no flush on it), 12 and reads B after its own INVLPG.
 * The second processor's use of X after the change, without its own flush, is a missing
 * shootdown for the flush checker (docs/smp.md). */
#include "pc.inc"
#include "smp.inc"
        .set    X, 0x405000             /* page X: PDE 1, PTE 5 */

        MULTIBOOT_HEADER
start:
        mov     $stack_top, %esp
        FLAT_SEGMENTS
        IDT_GATE 0x41, bsp_ipi
        IDT_GATE 0xFF, spurious
        lidt    idtdesc
        mov     $0xFF, %al              /* the 8259s masked: only APIC interrupts */
        out     %al, $0x21
        out     %al, $0xA1
        movl    $0x1FF, LAPIC + 0xF0    /* SVR: enabled, spurious vector 0xFF */

        mov     $1, %bl
        mov     LAPIC + 0x20, %eax
        shr     $24, %eax
        cmp     $0, %eax
        jne     fail
        mov     $1, %eax
        cpuid
        mov     %ebx, %esi
        mov     $2, %bl
        test    $(1 << 9), %edx
        jz      fail
        shr     $24, %esi
        jnz     fail

        START_AP 1
        mov     $3, %bl
        mov     $1000000, %ecx
2:      cmpl    $0, ap_ready
        jne     3f
        loop    2b
        jmp     fail
3:      mov     $4, %bl
        cmpl    $1, ap_lapic_id
        jne     fail
        mov     $5, %bl
        cmpl    $1, ap_cpuid_id
        jne     fail

        /* Three IPIs, each answered before the next. */
        sti
        mov     $1, %esi
4:      SEND_IPI 1, 0x40
        mov     $1000000, %ecx
5:      cmp     %esi, bsp_ipis
        je      6f
        loop    5b
        mov     $7, %bl
        jmp     fail
6:      inc     %esi
        cmp     $4, %esi
        jne     4b
        mov     $6, %bl
        cmpl    $3, ap_ipis
        jne     fail
        mov     $8, %bl
        cmpl    $0, ap_woke
        je      fail

        /* Paging on both processors: PDE 0 and PDE 0x3FB identity 4 MB pages (the kernel, the
         * APICs), PDE 1 a page table whose entry 5 maps X to frame A. */
        movl    $0x83, pgdir
        movl    $(0xFEC00000 | 0x83), pgdir + 0x3FB * 4
        mov     $pt1, %eax
        or      $3, %eax
        mov     %eax, pgdir + 4
        mov     $page_a, %eax
        or      $3, %eax
        mov     %eax, pt1 + 5 * 4
        movl    $0xAAAA, page_a
        movl    $0xBBBB, page_b
        mov     %cr4, %eax
        or      $0x10, %eax             /* PSE */
        mov     %eax, %cr4
        mov     $pgdir, %eax
        mov     %eax, %cr3
        mov     %cr0, %eax
        or      $0x80000000, %eax
        mov     %eax, %cr0
        movl    $1, ap_command          /* the second processor: paging on, read X */
        SEND_IPI 1, 0x40
        mov     $1000000, %ecx
7:      cmpl    $1, ap_done
        je      8f
        loop    7b
        mov     $11, %bl
        jmp     fail
8:      mov     $9, %bl
        cmpl    $0xAAAA, X
        jne     fail
        mov     $page_b, %eax           /* X -> frame B, flushed here only */
        or      $3, %eax
        mov     %eax, pt1 + 5 * 4
        invlpg  X
        mov     $10, %bl
        cmpl    $0xBBBB, X
        jne     fail
        movl    $2, ap_command          /* the second processor: read X, flush, read again */
        SEND_IPI 1, 0x40
        mov     $1000000, %ecx
9:      cmpl    $2, ap_done
        je      10f
        loop    9b
        mov     $11, %bl
        jmp     fail
10:     mov     $11, %bl
        cmpl    $0xAAAA, ap_read_stale
        jne     fail
        mov     $12, %bl
        cmpl    $0xBBBB, ap_read_flushed
        jne     fail
        mov     $'o', %al
        out     %al, $0xE9
        mov     $'k', %al
        out     %al, $0xE9
        mov     $'\n', %al
        out     %al, $0xE9
        mov     $0x10, %al
        out     %al, $0xF4
fail:   mov     %bl, %al
        out     %al, $0xF4
11:     hlt
        jmp     11b

bsp_ipi:
        incl    bsp_ipis
        movl    $0, LAPIC + 0xB0        /* EOI */
        iret
spurious:
        iret

/* ---- the second processor ---- */
ap_entry32:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $ap_stack_top, %esp
        lidt    idtdesc
        movl    $0x1FF, LAPIC + 0xF0
        mov     LAPIC + 0x20, %eax
        shr     $24, %eax
        mov     %eax, ap_lapic_id
        mov     $1, %eax
        cpuid
        shr     $24, %ebx
        mov     %ebx, ap_cpuid_id
        IDT_GATE 0x40, ap_ipi
        movl    $1, ap_ready
        sti
12:     hlt
        movl    $1, ap_woke
        jmp     12b

ap_ipi:
        incl    ap_ipis
        cmpl    $1, ap_command
        je      13f
        cmpl    $2, ap_command
        je      14f
        SEND_IPI 0, 0x41                /* answer */
        jmp     15f
13:     mov     %cr4, %eax              /* paging on, with the same page directory */
        or      $0x10, %eax
        mov     %eax, %cr4
        mov     $pgdir, %eax
        mov     %eax, %cr3
        mov     %cr0, %eax
        or      $0x80000000, %eax
        mov     %eax, %cr0
        mov     X, %eax                 /* X through frame A: in this TLB now */
        movl    $0, ap_command
        movl    $1, ap_done
        jmp     15f
14:     mov     X, %eax                 /* no flush here yet: the stale entry */
        mov     %eax, ap_read_stale
        invlpg  X
        mov     X, %eax
        mov     %eax, ap_read_flushed
        movl    $0, ap_command
        movl    $2, ap_done
15:     movl    $0, LAPIC + 0xB0        /* EOI */
        iret

        AP_TRAMPOLINE

        .data
        SMP_GDT
idtdesc:
        .word   256*8 - 1
        .long   idt
ap_ready:       .long 0
ap_lapic_id:    .long 0xFF
ap_cpuid_id:    .long 0xFF
ap_ipis:        .long 0
ap_woke:        .long 0
bsp_ipis:       .long 0
ap_command:     .long 0
ap_done:        .long 0
ap_read_stale:  .long 0
ap_read_flushed: .long 0
        .bss
        .p2align 12
pgdir:  .space  4096
pt1:    .space  4096
page_a: .space  4096
page_b: .space  4096
idt:    .space  256*8
        .p2align 4
        .space  4096
stack_top:
        .space  4096
ap_stack_top:
