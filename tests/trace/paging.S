/* A multiboot kernel for the trace's golden tests: it turns paging on and makes each kind of
 * event the trace reports happen once, at fixed physical addresses, then exits through port
 * 0xF4 with value 0 (status 1). A failed check exits with its number instead.
 *
 * Physical layout (identity-mapped 0-4 MB through pt0, 4 MB pages at linear 0x400000 through pt1):
 *   0x300000 page directory   0x301000 pt0   0x302000 pt1
 *   0x310000... frames the fault handler hands out, in order (next_free)
 *   0x320000 frame B: a copy-on-write page (pattern 0x11111111)
 *   0x321000 frame D: a copy-on-write page whose sole owner we are (AVL bit 10 set)
 *   0x322000, 0x323000 frames E, F: the stale-TLB test
 *
 * The events, in order (what the golden trace shows):
 *   boot       mov cr3 (nothing to drop), cr0 (PG and WP turned on: a full flush)
 *   test 1     write 0x400000, not present -> handler maps 0x310000, invlpg -> "mapped"
 *   test 2     write 0x401004, present, COW -> handler copies B to 0x311000, invlpg -> "copied"
 *   test 3     write 0x402000, COW + sole owner -> handler sets W, invlpg -> "made writable"
 *   test 4     read 0x403000 (TLB holds E), PTE changed to F without a flush, read again: a
 *              stale use; invlpg drops the one entry; the read after it walks again
 *   test 5     write 0x404000, not present; the handler ignores the first two faults, so
 *              the same instruction faults on the same address three times (repeat 1, 2, 3)
 */
#include "../boot/pc.inc"
        .set    MB_MAGIC, 0x1BADB002
        .set    MB_FLAGS, 0x00000003
        .set    PD, 0x300000
        .set    PT0, 0x301000
        .set    PT1, 0x302000
        .set    PTE_COW, 0x200
        .set    PTE_SOLE, 0x400
        .text
        .globl  start
        .p2align 2
mb_header:
        .long   MB_MAGIC
        .long   MB_FLAGS
        .long   -(MB_MAGIC + MB_FLAGS)

start:
        mov     $stack_top, %esp
        lgdt    gdt_desc
        ljmp    $0x08, $reload
reload:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        IDT_GATE 14, pf_handler
        lidt    idt_desc
        call    setup_paging
        call    test_not_present
        call    test_cow_copy
        call    test_make_writable
        call    test_stale
        call    test_repeat
        mov     $0, %al
        out     %al, $0xF4
        hlt

setup_paging:
        cld
        mov     $PD, %edi
        xor     %eax, %eax
        mov     $3 * 1024, %ecx
        rep stosl
        mov     $PT0, %edi
        mov     $0x003, %eax                /* P W */
        mov     $1024, %ecx
1:      stosl
        add     $0x1000, %eax
        loop    1b
        movl    $PT0 + 3, PD
        movl    $PT1 + 3, PD + 4
        movl    $0x320000 + PTE_COW + 1, PT1 + 1 * 4
        movl    $0x321000 + PTE_SOLE + PTE_COW + 1, PT1 + 2 * 4
        movl    $0x322000 + 3, PT1 + 3 * 4
        movl    $0x11111111, 0x320000
        mov     $PD, %eax
        mov     %eax, %cr3
        mov     %cr0, %eax
        or      $0x80010000, %eax           /* PG, WP: supervisor writes honour R/W */
        mov     %eax, %cr0
        ret

test_not_present:
        movl    $0xAAAA0001, 0x400000
        ret

test_cow_copy:
        movl    $0xBBBB0002, 0x401004
        mov     $2, %al
        cmpl    $0x11111111, 0x401000       /* the copy kept the old contents */
        jne     fail
        cmpl    $0x00000000, 0x320004       /* ... and the original frame was not written */
        jne     fail
        ret

test_make_writable:
        movl    $3, 0x402000
        ret

test_stale:
        mov     0x403000, %eax
        movl    $0x323000 + 3, PT1 + 3 * 4
        mov     0x403000, %eax
        invlpg  0x403000
        mov     0x403000, %eax
        ret

test_repeat:
        movl    $5, 0x404000
        ret

fail:
        out     %al, $0xF4
        hlt

/* #PF: CR2 is in pt1's range. Not present: map the next free frame (test 5: only on the third
 * fault). Present with COW: copy to the next free frame, or when we are the sole owner just make
 * it writable. Then INVLPG the page and return to the faulting instruction. */
pf_handler:
        pusha
        mov     %cr2, %eax
        mov     %eax, %ebx
        shr     $12, %ebx
        and     $0x3FF, %ebx
        lea     PT1(,%ebx,4), %ebp
        mov     (%ebp), %edx
        test    $1, %edx
        jnz     protection
        cmp     $4, %ebx
        jne     map
        incl    repeat_count
        cmpl    $3, repeat_count
        jb      done
map:
        mov     next_free, %ecx
        addl    $0x1000, next_free
        or      $3, %ecx
        mov     %ecx, (%ebp)
        jmp     flush
protection:
        mov     $9, %al
        test    $PTE_COW, %edx
        jz      fail
        test    $PTE_SOLE, %edx
        jz      copy
        and     $~(PTE_COW + PTE_SOLE), %edx
        or      $2, %edx
        mov     %edx, (%ebp)
        jmp     flush
copy:
        mov     next_free, %edi
        addl    $0x1000, next_free
        mov     %edi, %ecx
        mov     %edx, %esi
        and     $0xFFFFF000, %esi
        push    %ecx
        mov     $1024, %ecx
        rep movsl
        pop     %ecx
        or      $3, %ecx
        mov     %ecx, (%ebp)
flush:
        mov     %cr2, %eax
        invlpg  (%eax)
done:
        popa
        add     $4, %esp                    /* the error code */
        iret

        .data
        .p2align 3
gdt:
        .quad   0
        .quad   0x00CF9A000000FFFF          /* 0x08: code, 4 GB, 32-bit */
        .quad   0x00CF92000000FFFF          /* 0x10: data, 4 GB */
gdt_desc:
        .word   3 * 8 - 1
        .long   gdt
        .p2align 3
idt:
        .fill   15 * 8, 1, 0
idt_desc:
        .word   15 * 8 - 1
        .long   idt
next_free:
        .long   0x310000
repeat_count:
        .long   0
        .bss
        .p2align 4
        .space  4096
stack_top:
