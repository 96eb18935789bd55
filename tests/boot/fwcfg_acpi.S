/* A multiboot kernel linked at 0x8000, below 64 KB as real-mode test suites load theirs, that
 * reads what QEMU-compatible firmware interfaces tell a guest and exits through port 0xF4:
 *   value 0x2A (status 85) and the line "fw_cfg and ACPI checked" when everything holds, else
 *   the number of the failed check:
 *   1 fw_cfg key 0x0000 is not "QEMU"; 2 key 0x0005 (CPU count) is not 1; 3 key 0x0003 (RAM
 *   size, 64-bit) is not 256 MB; 4 no "RSD PTR " on a 16-byte boundary in 0xE0000-0xFFFFF;
 *   5 the RSDP's 20 bytes do not sum to 0; 6 the RSDT's signature or checksum is wrong; 7 a
 *   table the RSDT lists has a bad checksum; 8 no FADT, or its PM1a control block is not 0x604
 *   (the PIIX4's, where both machines power off); 9 the DSDT's checksum is wrong; 10 no MADT;
 *   11 the MADT does not list exactly 1 enabled processor; 12 no I/O APIC at 0xFEC00000;
 *   13 no override of ISA IRQ 0 to GSI 2.
 * The same numbers hold on QEMU (qemu-system-i386 -m 256 -kernel), whose firmware writes
 * different tables at different addresses: the guest searches as an OS does. */
#include "pc.inc"

        MULTIBOOT_HEADER
start:
        mov     $stack_top, %esp
        /* fw_cfg: 16-bit key to 0x510, bytes from 0x511. */
        mov     $1, %cl
        xor     %eax, %eax
        call    select
        mov     $4, %edx
        call    readn
        cmp     $0x554D4551, %eax          /* "QEMU" little-endian */
        jne     fail
        mov     $2, %cl
        mov     $5, %eax
        call    select
        mov     $2, %edx
        call    readn
        cmp     $1, %eax
        jne     fail
        mov     $3, %cl
        mov     $3, %eax
        call    select
        mov     $4, %edx
        call    readn
        cmp     $0x10000000, %eax
        jne     fail
        mov     $4, %edx
        call    readn
        test    %eax, %eax
        jne     fail

        /* The RSDP: "RSD PTR " at a 16-byte boundary in the BIOS area. */
        mov     $4, %cl
        mov     $0xE0000, %esi
1:      cmpl    $0x20445352, (%esi)        /* "RSD " */
        jne     2f
        cmpl    $0x20525450, 4(%esi)       /* "PTR " */
        je      3f
2:      add     $16, %esi
        cmp     $0x100000, %esi
        jb      1b
        jmp     fail
3:      mov     $5, %cl
        mov     $20, %edx
        call    sum
        jnz     fail
        /* The RSDT and every table it lists. */
        mov     $6, %cl
        mov     16(%esi), %esi
        cmpl    $0x54445352, (%esi)        /* "RSDT" */
        jne     fail
        mov     4(%esi), %edx
        call    sum
        jnz     fail
        mov     4(%esi), %ebx
        sub     $36, %ebx
        shr     $2, %ebx                   /* number of entries */
        lea     36(%esi), %edi
        movl    $0, fadt
        movl    $0, madt
4:      test    %ebx, %ebx
        jz      6f
        mov     $7, %cl
        mov     (%edi), %esi
        mov     4(%esi), %edx
        call    sum
        jnz     fail
        cmpl    $0x50434146, (%esi)        /* "FACP" */
        jne     5f
        mov     %esi, fadt
5:      cmpl    $0x43495041, (%esi)        /* "APIC" */
        jne     7f
        mov     %esi, madt
7:      add     $4, %edi
        dec     %ebx
        jmp     4b
6:      mov     $8, %cl
        mov     fadt, %esi
        test    %esi, %esi
        jz      fail
        cmpl    $0x604, 64(%esi)           /* PM1a_CNT_BLK */
        jne     fail
        mov     $9, %cl
        mov     40(%esi), %esi             /* DSDT */
        cmpl    $0x54445344, (%esi)        /* "DSDT" */
        jne     fail
        mov     4(%esi), %edx
        call    sum
        jnz     fail

        /* The MADT's entries from offset 44: type, length, ... */
        mov     $10, %cl
        mov     madt, %esi
        test    %esi, %esi
        jz      fail
        mov     %esi, %edi
        add     4(%esi), %edi              /* end */
        add     $44, %esi
        xor     %ebx, %ebx                 /* enabled processors */
        xor     %ebp, %ebp                 /* bit 0: I/O APIC seen, bit 1: IRQ 0 -> GSI 2 */
8:      cmp     %edi, %esi
        jae     9f
        movzbl  (%esi), %eax
        cmp     $0, %al
        jne     10f
        testb   $1, 4(%esi)
        jz      12f
        inc     %ebx
        jmp     12f
10:     cmp     $1, %al
        jne     11f
        cmpl    $0xFEC00000, 4(%esi)
        jne     12f
        or      $1, %ebp
        jmp     12f
11:     cmp     $2, %al
        jne     12f
        cmpb    $0, 3(%esi)                /* source IRQ 0 */
        jne     12f
        cmpl    $2, 4(%esi)                /* GSI 2 */
        jne     12f
        or      $2, %ebp
12:     movzbl  1(%esi), %eax
        test    %eax, %eax
        jz      9f
        add     %eax, %esi
        jmp     8b
9:      mov     $11, %cl
        cmp     $1, %ebx
        jne     fail
        mov     $12, %cl
        test    $1, %ebp
        jz      fail
        mov     $13, %cl
        test    $2, %ebp
        jz      fail

        mov     $msg, %esi
1:      lodsb
        test    %al, %al
        jz      2f
        call    putc
        jmp     1b
2:      mov     $0x2A, %cl
fail:
        mov     %cl, %al
        out     %al, $0xF4
        hlt
        jmp     fail

/* select: key in %ax to the selector port. */
select:
        mov     $0x510, %dx
        out     %ax, %dx
        ret
/* readn: %edx (1-4) bytes from the data port, little-endian, into %eax. Clobbers %ebx, %ecx
 * (keeps %cl). */
readn:
        push    %ecx
        push    %edx
        mov     %edx, %ebx
        xor     %ecx, %ecx                 /* shift */
        xor     %eax, %eax
        push    %eax
1:      mov     $0x511, %dx
        in      %dx, %al
        movzbl  %al, %eax
        shl     %cl, %eax
        or      %eax, (%esp)
        add     $8, %ecx
        dec     %ebx
        jnz     1b
        pop     %eax
        pop     %edx
        pop     %ecx
        ret
/* sum: ZF set when the %edx bytes at %esi add up to 0 (mod 256). Keeps %esi, %cl. */
sum:
        push    %esi
        xor     %ah, %ah
1:      add     (%esi), %ah
        inc     %esi
        dec     %edx
        jnz     1b
        pop     %esi
        test    %ah, %ah
        ret

        COM1_PUTC

        .data
msg:    .asciz  "fw_cfg and ACPI checked\n"
fadt:   .long   0
madt:   .long   0
        .bss
        .space  4096
stack_top:
