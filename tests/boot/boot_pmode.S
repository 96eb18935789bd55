/* Boot sector, then a data sector: shows that the A20 gate starts closed (real-mode addresses
 * wrap at 1 MB), opens it through the 8042 as xv6's bootasm.S does, enters 32-bit protected
 * mode, reads sector 1 by ATA PIO (command 0x20, rep insl) and checks it, prints on COM1 and
 * exits through port 0xF4 with 0x10 (status 33). Failures exit with a distinct value:
 * 2 A20 did not wrap when closed, 3 still wraps after opening, 4 ATA error, 5 wrong data. */
        .code16
        .globl start
start:
        cli
        xor     %ax, %ax
        mov     %ax, %ds
        mov     %ax, %ss
        mov     $0x7C00, %sp
        /* A20 closed: FFFF:0510 is physical 0x100500, which wraps to 0x000500. */
        movb    $0x11, 0x500
        mov     $0xFFFF, %ax
        mov     %ax, %es
        movb    $0x22, %es:0x510
        cmpb    $0x22, 0x500
        mov     $2, %al
        jne     fail16
        /* Open it: wait for the input buffer, 0xD1 to 0x64, wait, 0xDF to 0x60. */
1:      in      $0x64, %al
        test    $0x02, %al
        jnz     1b
        mov     $0xD1, %al
        out     %al, $0x64
2:      in      $0x64, %al
        test    $0x02, %al
        jnz     2b
        mov     $0xDF, %al
        out     %al, $0x60
        movb    $0x33, %es:0x510
        cmpb    $0x22, 0x500
        mov     $3, %al
        jne     fail16
        lgdt    gdtdesc
        mov     %cr0, %eax
        or      $1, %eax
        mov     %eax, %cr0
        ljmp    $0x08, $pm32
fail16:
        out     %al, $0xF4
3:      hlt
        jmp     3b

        .code32
pm32:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $0x7C00, %esp
        /* LBA 1, one sector, master: device register 0xE0. */
        mov     $0x1F7, %dx
4:      in      %dx, %al
        test    $0x80, %al
        jnz     4b
        mov     $0x1F2, %dx
        mov     $1, %al
        out     %al, %dx
        inc     %dx
        out     %al, %dx            /* 0x1F3 = 1 */
        inc     %dx
        xor     %al, %al
        out     %al, %dx
        inc     %dx
        out     %al, %dx
        inc     %dx
        mov     $0xE0, %al
        out     %al, %dx
        inc     %dx
        mov     $0x20, %al
        out     %al, %dx            /* READ SECTORS */
5:      in      %dx, %al
        test    $0x80, %al
        jnz     5b
        test    $0x01, %al
        jnz     ata_error
        mov     $0x10000, %edi
        mov     $128, %ecx
        mov     $0x1F0, %dx
        cld
        rep insl
        /* The sector starts with "XRAY86 SECTOR 1". */
        mov     $0x10000, %esi
        mov     $expect, %edi
        mov     $15, %ecx
        repe cmpsb
        jne     bad_data
        mov     $okmsg, %esi
6:      lodsb
        test    %al, %al
        jz      7f
        mov     $0x3F8, %dx
        out     %al, %dx
        jmp     6b
7:      mov     $0x10, %al
        out     %al, $0xF4
8:      hlt
        jmp     8b
ata_error:
        mov     $4, %al
        out     %al, $0xF4
        jmp     8b
bad_data:
        mov     $5, %al
        out     %al, $0xF4
        jmp     8b

expect: .ascii  "XRAY86 SECTOR 1"
okmsg:  .asciz  "protected mode, A20 open, sector 1 read\n"

        .p2align 3
gdt:    .quad   0
        .quad   0x00CF9A000000FFFF  /* code: base 0, 4 GB, 32-bit, DPL 0 */
        .quad   0x00CF92000000FFFF  /* data */
gdtdesc:
        .word   gdtdesc - gdt - 1
        .long   gdt

        .org    510
        .byte   0x55, 0xAA
        /* sector 1 */
        .ascii  "XRAY86 SECTOR 1"
        .org    1024
