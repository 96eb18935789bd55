/* Boot sector: print a line through the BIOS's INT 10h teletype and exit through QEMU's
 * isa-debug-exit port 0xF4 with value 0x21 (emulator exit status (0x21 << 1) | 1 = 67).
 * Also checks what the BIOS promises at entry: DL = 0x80 (else exit value 1). */
        .code16
        .globl start
start:
        cli
        xor     %ax, %ax
        mov     %ax, %ds
        mov     %ax, %ss
        mov     $0x7C00, %sp
        cmp     $0x80, %dl
        jne     bad_drive
        mov     $msg, %si
        cld
1:      lodsb
        test    %al, %al
        jz      2f
        mov     $0x0E, %ah
        mov     $0, %bx
        int     $0x10
        jmp     1b
2:      mov     $0x21, %al
        out     %al, $0xF4
3:      hlt
        jmp     3b
bad_drive:
        mov     $1, %al
        out     %al, $0xF4
        jmp     3b
msg:
        .asciz  "Hello from INT 10h\r\n"
        .org    510
        .byte   0x55, 0xAA
