/* A multiboot kernel that panics the way xv6 does: it prints "panic: test" on COM1 and spins
 * in a loop with interrupts off, never halting and never touching a port again. xray86 ends such
 * a run after --stuck-after seconds of guest time (status 12) and quotes the last line. */
#include "pc.inc"
        MULTIBOOT_HEADER
start:
        mov     $message, %esi
1:      lodsb
        test    %al, %al
        jz      spin
        call    putc
        jmp     1b
spin:
        cli
        jmp     spin

        COM1_PUTC

message:
        .asciz  "panic: test\n"
