/* A multiboot kernel that reads COM1 by polling, as a firmware service or a simple monitor does:
 * interrupts stay off, the UART's receive interrupt is never enabled and the CPU never halts.
 * It prints "> ", then polls the line status register (LSR bit 0, data ready) for each byte,
 * echoes it, and after two lines exits through port 0xF4 with the number of bytes it read.
 * A scripted --input is typed a line at a time; the machine sees this kernel wait for the next
 * line by its repeated empty polls. With "ab\ncde\n" the console reads "> ab\n> cde\n" and the
 * status is 7 (xray86 exits with (7 << 1) | 1 = 15). */
#include "pc.inc"
        .set    COM1, 0x3F8
        MULTIBOOT_HEADER
start:
        xor     %ebx, %ebx              /* bytes read */
        xor     %esi, %esi              /* lines read */
prompt:
        mov     $'>', %al
        call    putc
        mov     $' ', %al
        call    putc
next:
        mov     $COM1 + 5, %dx          /* LSR */
1:      in      %dx, %al
        test    $0x01, %al
        jz      1b
        mov     $COM1, %dx
        in      %dx, %al
        inc     %ebx
        call    putc
        cmp     $'\n', %al
        jne     next
        inc     %esi
        cmp     $2, %esi
        jne     prompt
        mov     %bl, %al
        out     %al, $0xF4
        cli
        hlt

        COM1_PUTC
