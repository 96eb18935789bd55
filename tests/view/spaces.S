/* A multiboot kernel that lays out its address spaces the way MIT xv6 does: every page directory
 * has its own copies of the kernel's page tables (setupkvm), the PDEs have U/S set and the kernel
 * PTEs do not. It runs at CPL 0 only; the user parts are tables it fills in, which is all the
 * view's frame census reads. It exits through port 0xF4 with value 0 (status 1).
 *
 * Each directory D gets (setupkvm): D+0x1000 the table of PDE 0 (identity 0-4 MB, P W), D+0x2000
 * the table of PDE 0x200 (linear 0x80000000 -> physical 0-4 MB, P W), and PDE 0x201 a 4 MB page
 * (linear 0x80400000 -> physical 4-8 MB, P W PS). The PDEs of tables are P W U.
 *
 *   0x200000  K: the kernel's own directory (no user part), loaded first
 *   0x210000  X: a process that exits: user table 0x213000 maps frame 0x243000 at 0x400000;
 *             its four frames are then filled with junk (0x01 bytes, as xv6's kfree does)
 *   0x220000  P: the parent: user table 0x223000 maps frames 0x240000-0x242000 at linear
 *             0x400000-0x402000 (P W U); PDE 2 is a table (0x224000) holding one supervisor page,
 *             frame 0x244000 at linear 0x800000 (a guard page alone in its table)
 *   0x230000  C: the child fork() builds: setupkvm, a copy of the guard's table at 0x234000, and
 *             user table 0x233000 sharing P's frames copy-on-write (W cleared, bit 9 set in both)
 *
 * The order: K, then X (loaded, written, freed), then P (loaded, its pages written, the 4 MB page
 * read), then `fork` builds C and returns in P; then C is loaded (P waits, no longer in CR3)
 * and `child_runs` is called. The CPU sets accessed and dirty bits in whichever copy of a
 * kernel table it walks, so the copies differ in those bits only.
 */
#include "../boot/pc.inc"
        .set    K, 0x200000
        .set    X, 0x210000
        .set    P, 0x220000
        .set    C, 0x230000
        .set    PTE_P, 0x001
        .set    PTE_W, 0x002
        .set    PTE_U, 0x004
        .set    PTE_PS, 0x080
        .set    PTE_COW, 0x200

        MULTIBOOT_HEADER
start:
        mov     $stack_top, %esp
        lgdt    gdt_desc
        ljmp    $0x08, $reload
reload:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        cld
        mov     $K, %edi
        call    setupkvm
        mov     %cr4, %eax
        or      $0x10, %eax                 /* PSE: 4 MB pages */
        mov     %eax, %cr4
        mov     $K, %eax
        mov     %eax, %cr3
        mov     %cr0, %eax
        or      $0x80000000, %eax           /* PG (WP clear: the kernel writes any page) */
        mov     %eax, %cr0

        /* X: a process that runs and exits. */
        mov     $X, %edi
        call    setupkvm
        mov     $X, %edi
        mov     $X + 0x3000, %esi
        mov     $0x243000, %eax
        mov     $1, %ecx
        call    userpages
        mov     $X, %eax
        mov     %eax, %cr3
        movl    $0x58585858, 0x400000
        mov     $K, %eax
        mov     %eax, %cr3
        mov     $X, %edi                    /* freevm: the tables, then the directory */
        mov     $4 * 1024, %ecx
        mov     $0x01010101, %eax
        rep stosl

        /* P: the parent. */
        mov     $P, %edi
        call    setupkvm
        mov     $P, %edi
        mov     $P + 0x3000, %esi
        mov     $0x240000, %eax
        mov     $3, %ecx
        call    userpages
        mov     $P + 0x4000, %edi           /* the guard page's table */
        call    zero
        movl    $0x244000 + PTE_P + PTE_W, P + 0x4000
        movl    $P + 0x4000 + PTE_P + PTE_W + PTE_U, P + 2 * 4
        mov     $P, %eax
        mov     %eax, %cr3
        movl    $0x50505050, 0x400000
        movl    $0x50505050, 0x401000
        movl    $0x50505050, 0x402000
        mov     0x80400000, %eax            /* the 4 MB page: its PDE accessed in P only */
        call    fork

        /* The child runs; the parent waits. */
        mov     $C, %eax
        mov     %eax, %cr3
        mov     0x400000, %eax
        call    child_runs
        mov     $0, %al
        out     %al, $0xF4
        hlt

/* setupkvm: the directory at %edi and its two kernel tables (at +0x1000, +0x2000), as above. */
setupkvm:
        push    %edi
        mov     %edi, %ebx
        call    zero
        lea     0x1000(%ebx), %edi
        call    identity
        lea     0x2000(%ebx), %edi
        call    identity
        lea     0x1000 + PTE_P + PTE_W + PTE_U(%ebx), %eax
        mov     %eax, (%ebx)
        lea     0x2000 + PTE_P + PTE_W + PTE_U(%ebx), %eax
        mov     %eax, 0x200 * 4(%ebx)
        movl    $0x400000 + PTE_P + PTE_W + PTE_PS, 0x201 * 4(%ebx)
        pop     %edi
        ret

/* userpages: in the directory at %edi, PDE 1 -> the table at %esi, whose first %ecx entries map
 * the frames from %eax on (P W U). */
userpages:
        push    %eax
        push    %ecx
        lea     PTE_P + PTE_W + PTE_U(%esi), %edx
        mov     %edx, 4(%edi)
        mov     %esi, %edi
        call    zero
        pop     %ecx
        pop     %eax
        or      $PTE_P + PTE_W + PTE_U, %eax
1:      mov     %eax, (%esi)
        add     $4, %esi
        add     $0x1000, %eax
        loop    1b
        ret

/* zero: the frame at %edi. */
zero:
        push    %edi
        xor     %eax, %eax
        mov     $1024, %ecx
        rep stosl
        pop     %edi
        ret

/* identity: the table at %edi maps physical 0-4 MB, P W. */
identity:
        mov     $PTE_P + PTE_W, %eax
        mov     $1024, %ecx
1:      stosl
        add     $0x1000, %eax
        loop    1b
        ret

/* fork: builds C from P (the current space) and returns in P. */
        .globl  fork
        .type   fork, @function
fork:
        mov     $C, %edi
        call    setupkvm
        mov     $P + 0x4000, %esi           /* the guard's table, copied as it is */
        mov     $C + 0x4000, %edi
        mov     $1024, %ecx
        rep movsl
        movl    $C + 0x4000 + PTE_P + PTE_W + PTE_U, C + 2 * 4
        mov     $C + 0x3000, %edi           /* copyuvm, copy-on-write */
        call    zero
        xor     %ebx, %ebx
1:      mov     P + 0x3000(,%ebx,4), %eax
        test    $PTE_P, %eax
        jz      2f
        and     $~PTE_W, %eax
        or      $PTE_COW, %eax
        mov     %eax, P + 0x3000(,%ebx,4)
        mov     %eax, C + 0x3000(,%ebx,4)
2:      inc     %ebx
        cmp     $1024, %ebx
        jb      1b
        movl    $C + 0x3000 + PTE_P + PTE_W + PTE_U, C + 1 * 4
        mov     %cr3, %eax                  /* the parent's PTEs changed: flush */
        mov     %eax, %cr3
        ret
        .size   fork, . - fork

        .globl  child_runs
        .type   child_runs, @function
child_runs:
        ret
        .size   child_runs, . - child_runs

        .data
        .p2align 3
gdt:
        .quad   0
        .quad   0x00CF9A000000FFFF          /* 0x08: code, 4 GB, 32-bit */
        .quad   0x00CF92000000FFFF          /* 0x10: data, 4 GB */
gdt_desc:
        .word   3 * 8 - 1
        .long   gdt
        .bss
        .p2align 4
        .space  4096
stack_top:
