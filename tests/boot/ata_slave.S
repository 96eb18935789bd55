/* A multiboot kernel that reads sector 0 of the ATA slave the way xv6's ide.c finds it: select
 * drive 1 (0xF0 to 0x1F6) and wait up to 1000 reads of the status port for a non-zero value.
 * Without a slave it exits through port 0xF4 with 0 (status 1); with one it reads LBA 0 by PIO
 * (command 0x20) and exits with the sector's first byte (status (byte << 1) | 1). */
#include "pc.inc"
        MULTIBOOT_HEADER
start:
        mov     $0x1F6, %dx
        mov     $0xF0, %al              /* LBA, drive 1 */
        out     %al, %dx
        mov     $0x1F7, %dx
        mov     $1000, %ecx
1:      in      %dx, %al
        test    %al, %al
        jnz     present
        loop    1b
        xor     %al, %al
        jmp     done
present:
2:      in      %dx, %al                /* wait for BSY clear and DRDY set */
        and     $0xC0, %al
        cmp     $0x40, %al
        jne     2b
        mov     $0x1F2, %dx
        mov     $1, %al                 /* one sector */
        out     %al, %dx
        xor     %al, %al
        inc     %dx                     /* 0x1F3-0x1F5: LBA 0 */
        out     %al, %dx
        inc     %dx
        out     %al, %dx
        inc     %dx
        out     %al, %dx
        inc     %dx                     /* 0x1F6 */
        mov     $0xF0, %al
        out     %al, %dx
        inc     %dx                     /* 0x1F7: READ SECTORS */
        mov     $0x20, %al
        out     %al, %dx
3:      in      %dx, %al                /* wait for DRQ with BSY clear */
        and     $0x88, %al
        cmp     $0x08, %al
        jne     3b
        mov     $0x1F0, %dx
        in      %dx, %ax                /* the first word; AL is byte 0 */
done:
        out     %al, $0xF4
        cli
        hlt
