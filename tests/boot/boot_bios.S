/* Boot sector exercising the built-in BIOS's services; sectors 1 and 2 hold "SECTOR1" and
 * "SECTOR2". The RTC is read before INT 16h waits for a key: a key from the host terminal may
 * arrive after any amount of guest time. Exits through port 0xF4 with 0x30 (status 97) when every check holds, else with
 * the number of the failed check:
 *   1 INT 13h AH=41 extensions not reported     2 INT 13h AH=02 (CHS 0/0/2, 2 sectors) failed
 *   3 CHS data wrong                             4 INT 13h AH=42 (LBA 2 to 9000:0000) failed
 *   5 extended-read data wrong                   6 INT 13h AH=08 geometry not 16 heads x 63
 *   7 E820 did not list 6 entries                8 E820 entry 3 is not usable RAM at 1 MB
 *   9 INT 12h base memory not 639 KB            10 INT 15h AX=2401 did not open A20
 *  11 INT 16h did not return 'x' from COM1      12 INT 1Ah AH=02 time is not 12:34:56
 *  13 INT 13h on a drive that does not exist did not fail */
        .code16
        .globl start
start:
        cli
        xor     %ax, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $0x7C00, %sp
        sti
        mov     %dl, drive

        mov     $1, %cl                 /* 1: extensions present */
        mov     $0x41, %ah
        mov     $0x55AA, %bx
        mov     drive, %dl
        push    %cx
        int     $0x13
        pop     %cx
        jc      fail
        cmp     $0xAA55, %bx
        jne     fail

        mov     $2, %cl                 /* 2-3: CHS read of sectors 2 and 3 (LBA 1, 2) */
        push    %cx
        mov     $0x0202, %ax
        mov     $0x0002, %cx            /* cylinder 0, sector 2 */
        xor     %dh, %dh
        mov     drive, %dl
        mov     $0x8000, %bx
        int     $0x13
        pop     %cx
        jc      fail
        mov     $3, %cl
        mov     $0x8000, %si
        mov     $s1, %di
        call    same7
        jne     fail
        mov     $0x8200, %si
        mov     $s2, %di
        call    same7
        jne     fail

        mov     $4, %cl                 /* 4-5: extended read of LBA 2 to 9000:0000 */
        push    %cx
        mov     $0x42, %ah
        mov     drive, %dl
        mov     $dap, %si
        int     $0x13
        pop     %cx
        jc      fail
        mov     $5, %cl
        push    %ds
        mov     $0x9000, %ax
        mov     %ax, %ds
        xor     %si, %si
        mov     $s2, %di
        call    same7
        pop     %ds
        jne     fail

        mov     $6, %cl                 /* 6: geometry */
        push    %cx
        mov     $0x08, %ah
        mov     drive, %dl
        int     $0x13
        mov     %cl, %al
        pop     %cx
        jc      fail
        cmp     $15, %dh
        jne     fail
        and     $0x3F, %al
        cmp     $63, %al
        jne     fail

        mov     $7, %cl                 /* 7-8: E820 */
        xor     %ebx, %ebx
        xor     %bp, %bp
        mov     $0x6000, %di
1:      mov     $0xE820, %eax
        mov     $0x534D4150, %edx
        push    %cx
        mov     $20, %ecx
        int     $0x15
        pop     %cx
        jc      fail
        inc     %bp
        add     $20, %di
        test    %ebx, %ebx
        jnz     1b
        cmp     $6, %bp
        jne     fail
        mov     $8, %cl
        cmpl    $0x100000, 0x6000 + 3*20
        jne     fail
        cmpl    $1, 0x6000 + 3*20 + 16
        jne     fail

        mov     $9, %cl                 /* 9: base memory */
        int     $0x12
        cmp     $639, %ax
        jne     fail

        mov     $10, %cl                /* 10: A20 through INT 15h, seen as no wrap at 1 MB */
        mov     $0x2401, %ax
        push    %cx
        int     $0x15
        pop     %cx
        jc      fail
        movb    $0x11, 0x500
        mov     $0xFFFF, %ax
        mov     %ax, %es
        movb    $0x22, %es:0x510
        xor     %ax, %ax
        mov     %ax, %es
        cmpb    $0x11, 0x500
        jne     fail

        mov     $12, %cl                /* 12: RTC time in BCD, before any wait for a key */
        push    %cx
        mov     $0x02, %ah
        int     $0x1A
        mov     %cx, %ax
        pop     %cx
        jc      fail
        cmp     $0x1234, %ax
        jne     fail
        cmp     $0x56, %dh
        jne     fail

        mov     $11, %cl                /* 11: a key from the COM1 script */
        xor     %ah, %ah
        int     $0x16
        cmp     $'x', %al
        jne     fail

        mov     $13, %cl                /* 13: the second hard disk is absent */
        push    %cx
        mov     $0x0201, %ax
        mov     $0x0001, %cx
        xor     %dh, %dh
        mov     $0x81, %dl
        mov     $0x8000, %bx
        int     $0x13
        pop     %cx
        jnc     fail

        mov     $0x30, %cl
fail:
        mov     %cl, %al
        out     %al, $0xF4
2:      cli
        hlt
        jmp     2b

/* ZF set when the 7 bytes at DS:SI equal those at 0:DI. */
same7:
        push    %cx
        push    %es
        xor     %cx, %cx
        mov     %cx, %es
        mov     $7, %cx
        cld
        repe cmpsb
        pop     %es
        pop     %cx
        ret

drive:  .byte   0
s1:     .ascii  "SECTOR1"
s2:     .ascii  "SECTOR2"
        .p2align 2
dap:    .byte   16, 0
        .word   1                       /* blocks */
        .word   0, 0x9000               /* buffer offset, segment */
        .quad   2                       /* LBA */

        .org    510
        .byte   0x55, 0xAA
        .ascii  "SECTOR1"
        .org    1024
        .ascii  "SECTOR2"
        .org    1536
