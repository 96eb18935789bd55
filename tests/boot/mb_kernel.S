/* A multiboot kernel that checks what the loader gave it and exits through port 0xF4:
 *   value 0x2A (status 85) when everything holds, else the number of the failed check:
 *   1 EAX != 0x2BADB002, 2 info flags lack mem/cmdline/mods/mmap, 3 mem_lower != 639,
 *   4 mem_upper != (256 MB - 1 MB) / 1 KB = 261120, 5 command line arguments (after the file
 *   name) are not "xray86-test 42", 6 not one module, 7 module does not start with "MODULE",
 *   8 CR0.PG set or PE clear, 9 first mmap entry is not 20 bytes of usable memory at 0. */
        .set    MB_MAGIC, 0x1BADB002
        .set    MB_FLAGS, 0x00000003       /* page-align modules, memory information */
        .text
        .globl  start
        .p2align 2
mb_header:
        .long   MB_MAGIC
        .long   MB_FLAGS
        .long   -(MB_MAGIC + MB_FLAGS)
start:
        mov     $stack_top, %esp
        mov     $1, %cl
        cmp     $0x2BADB002, %eax
        jne     fail
        mov     $2, %cl
        mov     (%ebx), %eax
        and     $0x4D, %eax                /* bits 0, 2, 3, 6 */
        cmp     $0x4D, %eax
        jne     fail
        mov     $3, %cl
        cmpl    $639, 4(%ebx)
        jne     fail
        mov     $4, %cl
        cmpl    $261120, 8(%ebx)
        jne     fail
        /* Command line: skip the kernel's file name and one space. */
        mov     $5, %cl
        mov     16(%ebx), %esi
1:      lodsb
        test    %al, %al
        jz      fail
        cmp     $' ', %al
        jne     1b
        mov     $args, %edi
        push    %ecx
        mov     $15, %ecx                  /* "xray86-test 42" and its NUL */
        repe cmpsb
        pop     %ecx
        jne     fail
        mov     $6, %cl
        cmpl    $1, 20(%ebx)
        jne     fail
        mov     $7, %cl
        mov     24(%ebx), %eax
        mov     (%eax), %esi               /* mod_start */
        mov     $modmagic, %edi
        push    %ecx
        mov     $6, %ecx
        repe cmpsb
        pop     %ecx
        jne     fail
        mov     $8, %cl
        mov     %cr0, %eax
        test    $0x80000000, %eax
        jnz     fail
        test    $1, %eax
        jz      fail
        mov     $9, %cl
        mov     48(%ebx), %eax
        cmpl    $20, (%eax)
        jne     fail
        cmpl    $0, 4(%eax)
        jne     fail
        cmpl    $1, 20(%eax)
        jne     fail
        mov     $okmsg, %esi
2:      lodsb
        test    %al, %al
        jz      3f
        mov     $0x3F8, %dx
        out     %al, %dx
        jmp     2b
3:      mov     $0x2A, %cl
fail:
        mov     %cl, %al
        out     %al, $0xF4
4:      cli
        hlt
        jmp     4b

        .data
args:     .asciz "xray86-test 42"
modmagic: .ascii "MODULE"
okmsg:    .asciz "multiboot information checked\n"
        .bss
        .p2align 4
        .space  4096
stack_top:
