/* A 64 KB ROM for --bios: the CPU starts at the reset vector F000:FFF0 (physical 0xFFFFFFF0,
 * CS base 0xFFFF0000), jumps into the ROM's copy below 1 MB, prints on the debug console and
 * exits through port 0xF4 with 0x55 (status 171). Exit 1 if the two copies differ. */
        .code16
        .globl start
start:
        mov     $0xF000, %ax
        mov     %ax, %ds
        cmpb    $0xEA, 0xFFF0           /* the far jump below, seen through the low copy */
        jne     bad
        mov     $msg, %si
        cld
1:      lodsb
        test    %al, %al
        jz      2f
        out     %al, $0xE9
        jmp     1b
2:      mov     $0x55, %al
        out     %al, $0xF4
3:      cli
        hlt
        jmp     3b
bad:
        mov     $1, %al
        out     %al, $0xF4
        jmp     3b
msg:    .asciz  "reset vector reached the user ROM\n"

        .org    0xFFF0
        ljmp    $0xF000, $start
        .org    0xFFFF
        .byte   0
