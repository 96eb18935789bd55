/* Boot sector for the SIGKILL test: writes sectors 1 to 2047 of the master disk in order, each
 * filled with the pass number (a 16-bit word, 256 times), by ATA PIO (WRITE SECTORS, 0x30, one
 * sector per command, LBA28), and starts the next pass with the number one higher, forever.
 * Interrupts stay off: the drive's IRQ 14 is never taken, the status register is polled. */
        .code16
        .globl start
start:
        cli
        xor     %ax, %ax
        mov     %ax, %ds
        mov     %ax, %ss
        mov     $0x7C00, %sp
        mov     $1, %bp                 /* the pass */
pass:
        mov     $1, %bx                 /* the sector's LBA */
sector:
        mov     $0x1F6, %dx
        mov     $0xE0, %al              /* LBA mode, master, LBA bits 24-27 = 0 */
        out     %al, %dx
        mov     $0x1F2, %dx
        mov     $1, %al                 /* one sector */
        out     %al, %dx
        mov     $0x1F3, %dx
        mov     %bl, %al                /* LBA bits 0-7 */
        out     %al, %dx
        mov     $0x1F4, %dx
        mov     %bh, %al                /* LBA bits 8-15 */
        out     %al, %dx
        mov     $0x1F5, %dx
        xor     %al, %al                /* LBA bits 16-23 */
        out     %al, %dx
        mov     $0x1F7, %dx
        mov     $0x30, %al              /* WRITE SECTORS */
        out     %al, %dx
1:      in      %dx, %al
        test    $0x08, %al              /* DRQ: the drive wants the data */
        jz      1b
        mov     $0x1F0, %dx
        mov     $256, %cx
        mov     %bp, %ax
2:      out     %ax, %dx
        loop    2b
        mov     $0x1F7, %dx
3:      in      %dx, %al
        test    $0x80, %al              /* BSY: the write is not done */
        jnz     3b
        inc     %bx
        cmp     $2048, %bx
        jb      sector
        inc     %bp
        jmp     pass
        .org    510
        .byte   0x55, 0xAA
