/* A multiboot kernel that goes through a call gate, task switches and virtual-8086 mode, records
 * what each leaves (stack frames, selectors, flags, TSS fields, busy bits) and prints every
 * record as 8 hex digits on COM1, then exits with 0x10 through port 0xF4 (status 33). It makes
 * no check of its own: tests/qemu runs it on QEMU and on xray86 and needs the two outputs and
 * statuses to be identical (qemu.system_diff). Nothing recorded depends on the machine: no
 * multiboot register, no firmware address.
 *
 *   1 from ring 3, CALL through a 386 call gate (DPL 3, two dword parameters) to ring 0: the
 *     frame on the ring-0 stack (EIP, CS, the parameters, ESP, SS), ESP, SS and CS there; the
 *     far RET 8 back to ring 3: ESP and SS after it; INT 0x80 (a DPL 3 trap gate) back to ring 0:
 *     its frame;
 *   2 JMP to a TSS: TR and EFLAGS in the new task, the two TSS descriptors' access bytes (busy
 *     bits) in it and after the JMP back; CALL through a task gate: EFLAGS.NT and the back link
 *     in the called task, the busy bits, its IRET back: EFLAGS, busy bits, the back link and the
 *     EIP and EFLAGS saved in the called task's TSS;
 *   3 IRET into virtual-8086 mode, where INT 0x30 with IOPL 0 is #GP(0): the handler's frame
 *     (error code, EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS), the data selectors it finds
 *     (null), and EAX and EBX as the V86 code left them. */
#include "pc.inc"

        .set    V86_CODE, 0x7000        /* linear: CS 0x0700, IP 0 */

.macro REC reg
        mov     recp, %edi
        mov     \reg, (%edi)
        lea     4(%edi), %edi
        mov     %edi, recp
.endm

        MULTIBOOT_HEADER
start:
        cli
        xor     %eax, %eax              /* nothing of the loader's state is kept */
        xor     %ebx, %ebx
        mov     $stack0_top, %esp
        FLAT_SEGMENTS
        mov     %ax, %fs
        mov     %ax, %gs
        movl    $records, recp
        mov     $gdt + 0x28, %edi       /* the two TSS descriptors: available 386 TSSs */
        mov     $tss_main, %eax
        call    set_tss
        mov     $gdt + 0x30, %edi
        mov     $tss_b, %eax
        call    set_tss
        mov     $gdt + 0x38, %edi       /* 386 call gate, P DPL 3, two parameters, 0x08 */
        mov     $gate_target, %eax
        mov     $0xEC02, %edx
        call    set_gate
        mov     $idt + 13 * 8, %edi     /* #GP: interrupt gate, DPL 0 */
        mov     $gp_handler, %eax
        mov     $0x8E00, %edx
        call    set_gate
        mov     $idt + 0x80 * 8, %edi   /* INT 0x80: trap gate, DPL 3 */
        mov     $int80_handler, %eax
        mov     $0xEF00, %edx
        call    set_gate
        lidt    idtdesc
        mov     $0x28, %ax
        ltr     %ax

/* ---- 1: the call gate ---- */
        push    $0x23                   /* to ring 3: SS, ESP, EFLAGS, CS, EIP */
        push    $stack3_top
        push    $0x002
        push    $0x1B
        push    $ring3
        iret
ring3:  mov     $0x23, %ax
        mov     %ax, %ds
        mov     %ax, %es
        push    $0x11111111
        push    $0x22222222
        lcall   $0x3B, $0
        REC     %esp
        xor     %eax, %eax
        mov     %ss, %ax
        REC     %eax
        int     $0x80

gate_target:
        REC     %esp
        xor     %eax, %eax
        mov     %ss, %ax
        REC     %eax
        xor     %eax, %eax
        mov     %cs, %ax
        REC     %eax
        mov     $6, %ecx
        mov     %esp, %esi
2:      mov     (%esi), %eax
        REC     %eax
        lea     4(%esi), %esi
        loop    2b
        lret    $8

int80_handler:
        mov     $5, %ecx
        mov     %esp, %esi
3:      mov     (%esi), %eax
        REC     %eax
        lea     4(%esi), %esi
        loop    3b
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     $stack0_top, %esp

/* ---- 2: task switches ---- */
        mov     %cr3, %eax
        mov     %eax, tss_b + 0x1C
        ljmp    $0x30, $0
        xor     %eax, %eax              /* back from task B's JMP */
        str     %ax
        REC     %eax
        call    rec_busy
        lcall   $0x40, $0
        pushf                           /* back from task B's IRET */
        pop     %eax
        REC     %eax
        call    rec_busy
        movzwl  tss_b, %eax
        REC     %eax
        mov     tss_b + 0x20, %eax
        REC     %eax
        mov     tss_b + 0x24, %eax
        REC     %eax
        jmp     v86_test

task_b: xor     %eax, %eax
        str     %ax
        REC     %eax
        pushf
        pop     %eax
        REC     %eax
        call    rec_busy
        ljmp    $0x28, $0
        pushf                           /* called through the task gate */
        pop     %eax
        REC     %eax
        movzwl  tss_b, %eax
        REC     %eax
        call    rec_busy
        iret

rec_busy:
        movzbl  gdt + 0x2D, %eax
        REC     %eax
        movzbl  gdt + 0x35, %eax
        REC     %eax
        ret

/* ---- 3: virtual-8086 mode ---- */
v86_test:
        mov     $v86_code, %esi
        mov     $V86_CODE, %edi
        mov     $(v86_end - v86_code), %ecx
        rep movsb
        push    $0                      /* GS */
        push    $0                      /* FS */
        push    $0x0800                 /* DS */
        push    $0x0900                 /* ES */
        push    $0x0600                 /* SS */
        push    $0x0F00                 /* ESP */
        push    $0x20002                /* EFLAGS: VM, IOPL 0 */
        push    $(V86_CODE >> 4)        /* CS */
        push    $0                      /* EIP */
        iret

gp_handler:
        mov     %eax, %ebp
        mov     %ebx, %edx
        xor     %eax, %eax
        mov     %ds, %ax
        xor     %ebx, %ebx
        mov     %es, %bx
        xor     %ecx, %ecx
        mov     %fs, %cx
        xor     %esi, %esi
        mov     %gs, %si
        mov     $0x10, %di
        mov     %di, %ds
        mov     %di, %es
        REC     %eax
        REC     %ebx
        REC     %ecx
        REC     %esi
        REC     %ebp
        REC     %edx
        mov     $10, %ecx
        mov     %esp, %esi
4:      mov     (%esi), %eax
        REC     %eax
        lea     4(%esi), %esi
        loop    4b
        mov     $stack0_top, %esp

/* ---- the records, then the exit ---- */
        mov     $records, %esi
5:      cmp     recp, %esi
        je      7f
        mov     (%esi), %ebx
        mov     $8, %ecx
6:      rol     $4, %ebx
        mov     %ebx, %eax
        and     $0xF, %eax
        mov     hexdigits(%eax), %al
        call    putc
        loop    6b
        mov     $'\n', %al
        call    putc
        lea     4(%esi), %esi
        jmp     5b
7:      mov     $0x10, %al
        out     %al, $0xF4
8:      hlt
        jmp     8b

        COM1_PUTC

/* EDI: a GDT slot; EAX: a TSS's base. An available 386 TSS, limit 0x67. */
set_tss:
        mov     %eax, %ecx
        shl     $16, %ecx
        or      $0x67, %ecx
        mov     %ecx, (%edi)
        mov     %eax, %ecx
        shr     $16, %ecx
        and     $0xFF, %ecx
        or      $0x8900, %ecx
        and     $0xFF000000, %eax
        or      %eax, %ecx
        mov     %ecx, 4(%edi)
        ret

/* EDI: a gate's slot; EAX: the offset; EDX: the low word of its upper half (P, DPL, type,
 * parameter count). The code selector is 0x08. */
set_gate:
        mov     %eax, %ecx
        and     $0xFFFF, %ecx
        or      $0x00080000, %ecx
        mov     %ecx, (%edi)
        and     $0xFFFF0000, %eax
        or      %edx, %eax
        mov     %eax, 4(%edi)
        ret

v86_code:
        .code16
        mov     $0x1234, %ax
        mov     $0x5678, %bx
        int     $0x30
        hlt
        .code32
v86_end:

        .data
        .p2align 3
gdt:    .quad   0
        .quad   0x00CF9A000000FFFF      /* 0x08 code, DPL 0 */
        .quad   0x00CF92000000FFFF      /* 0x10 data, DPL 0 */
        .quad   0x00CFFA000000FFFF      /* 0x18 code, DPL 3 */
        .quad   0x00CFF2000000FFFF      /* 0x20 data, DPL 3 */
        .quad   0                       /* 0x28 TSS (main) */
        .quad   0                       /* 0x30 TSS (task B) */
        .quad   0                       /* 0x38 call gate */
        .quad   0x0000850000300000      /* 0x40 task gate to 0x30, DPL 0 */
gdt_end:
gdtdesc:
        .word   gdt_end - gdt - 1
        .long   gdt
idtdesc:
        .word   256 * 8 - 1
        .long   idt
hexdigits:
        .ascii  "0123456789ABCDEF"
        .p2align 2
tss_main:                               /* ESP0, SS0; no I/O bitmap (its base beyond the limit) */
        .long   0, stack0b_top, 0x10
        .fill   22, 4, 0
        .word   0, 0x68
tss_b:  .long   0, 0, 0, 0, 0, 0, 0
        .long   0                       /* CR3, set at run time */
        .long   task_b, 0x002           /* EIP, EFLAGS */
        .long   0, 0, 0, 0              /* EAX ECX EDX EBX */
        .long   stackb_top, 0, 0, 0     /* ESP EBP ESI EDI */
        .long   0x10, 0x08, 0x10, 0x10, 0x10, 0x10  /* ES CS SS DS FS GS */
        .long   0                       /* LDT */
        .word   0, 0x68
recp:   .long   0
        .bss
        .p2align 4
idt:    .space  256 * 8
records: .space 4096
        .space  4096
stack0_top:
        .space  4096
stack0b_top:
        .space  4096
stack3_top:
        .space  4096
stackb_top:
