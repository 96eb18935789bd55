/*
 * xray86's built-in PC BIOS: the real-mode services a boot sector may call, implemented with
 * IN/OUT to the emulated chips. Assembled as 16-bit code at offset 0 of segment F000 (linked
 * with -Ttext 0) and loaded at 0xF0000-0xFFFFF. There is no POST: the host side (firmware.cpp)
 * fills the interrupt vector table from the handler table below, writes the BIOS data area, the
 * MP tables and the data block at F000:E000, and programs the 8259s and the 8254 itself.
 *
 * Services:
 *   INT 10h  AH=00 set mode (clears the screen), 02 set cursor, 03 get cursor, 0E teletype
 *            (also copied to the debug console port 0xE9), 0F get mode
 *   INT 11h  equipment word          INT 12h  base memory size in KB
 *   INT 13h  AH=00 reset, 01 status, 02/03 CHS read/write, 08 parameters, 15 type,
 *            41 extensions check, 42/43 extended read/write (disk address packet), 48 params
 *   INT 15h  E820 memory map, E801, 88 extended memory, 2400-2403 A20 gate
 *   INT 16h  AH=00/10 read key, 01/11 peek key, 02 shift flags (8042 scan codes, then COM1)
 *   INT 19h  boot from the first disk again          INT 1Ah  AH=00 ticks, 02 time, 04 date
 *   IRQ 0    tick count at 0040:006C; IRQs 1-15 are acknowledged at the 8259s
 */
        .code16
        .text
        .globl _start
_start:

/* ---- data block the host fills (F000:E000), see firmware.cpp ------------------------------ */
        .set E820_COUNT,  0xE000        /* word: number of entries */
        .set E820_TABLE,  0xE010        /* 20-byte entries */
        .set EXT_KB,      0xE0C0        /* word: INT 15h AH=88 */
        .set E801_AX,     0xE0C2        /* word: KB between 1 MB and 16 MB */
        .set E801_BX,     0xE0C4        /* word: 64 KB blocks above 16 MB */
        .set DISK_COUNT,  0xE0C6        /* byte */
        .set DISK_CYLS,   0xE0C8        /* word per disk */
        .set DISK_SECTS,  0xE0D0        /* dword per disk */

        .set BDA_CURSOR,  0x50          /* in segment 0x40: column, row of page 0 */
        .set BDA_TICKS,   0x6C
        .set BDA_MIDNIGHT,0x70
        .set BDA_DISKSTAT,0x74
        .set BDA_SHIFT,   0x17
        .set EBDA_KEY,    0x40          /* in the EBDA: buffered key word and its flag */
        .set EBDA_KEYFLAG,0x42

/* ---- the default handler: return ------------------------------------------------------------ */
iret_stub:
        iret

/* ---- IRQ handlers ---------------------------------------------------------------------------- */
irq0:
        push    %ds
        push    %ax
        mov     $0x40, %ax
        mov     %ax, %ds
        addl    $1, BDA_TICKS
        cmpl    $0x1800B0, BDA_TICKS    /* ticks per day at 18.2 Hz */
        jb      1f
        movl    $0, BDA_TICKS
        movb    $1, BDA_MIDNIGHT
1:      mov     $0x20, %al
        out     %al, $0x20
        pop     %ax
        pop     %ds
        iret

irq_master:                             /* IRQ 1-7: acknowledge and ignore */
        push    %ax
        mov     $0x20, %al
        out     %al, $0x20
        pop     %ax
        iret

irq_slave:                              /* IRQ 8-15 */
        push    %ax
        mov     $0x20, %al
        out     %al, $0xA0
        out     %al, $0x20
        pop     %ax
        iret

/* ---- INT 10h: video -------------------------------------------------------------------------- */
int10:
        sti
        cmp     $0x0E, %ah
        je      tty
        cmp     $0x02, %ah
        je      setcursor
        cmp     $0x03, %ah
        je      getcursor
        cmp     $0x0F, %ah
        je      getmode
        cmp     $0x00, %ah
        je      setmode
        iret

getmode:
        mov     $0x5003, %ax            /* 80 columns, mode 3 */
        xor     %bh, %bh
        iret

getcursor:
        push    %ds
        push    %ax
        mov     $0x40, %ax
        mov     %ax, %ds
        mov     BDA_CURSOR, %dx         /* DL column, DH row */
        mov     $0x0607, %cx
        pop     %ax
        pop     %ds
        iret

setcursor:
        push    %ds
        push    %ax
        mov     $0x40, %ax
        mov     %ax, %ds
        mov     %dx, BDA_CURSOR
        call    update_crtc
        pop     %ax
        pop     %ds
        iret

setmode:
        push    %ds
        push    %es
        push    %ax
        push    %cx
        push    %di
        mov     $0xB800, %ax
        mov     %ax, %es
        xor     %di, %di
        mov     $0x0720, %ax
        mov     $2000, %cx
        cld
        rep stosw
        mov     $0x40, %ax
        mov     %ax, %ds
        movw    $0, BDA_CURSOR
        call    update_crtc
        pop     %di
        pop     %cx
        pop     %ax
        pop     %es
        pop     %ds
        iret

/* Teletype output of AL at the cursor: CR, LF, BS and BEL are controls; scroll at the bottom. */
tty:
        push    %ds
        push    %es
        push    %ax
        push    %bx
        push    %cx
        push    %dx
        push    %si
        push    %di
        out     %al, $0xE9              /* mirror to the debug console */
        mov     $0x40, %bx
        mov     %bx, %ds
        mov     $0xB800, %bx
        mov     %bx, %es
        mov     BDA_CURSOR, %dx         /* DL column, DH row */
        cmp     $0x0D, %al
        je      tty_cr
        cmp     $0x0A, %al
        je      tty_lf
        cmp     $0x08, %al
        je      tty_bs
        cmp     $0x07, %al
        je      tty_done
        /* cell offset = (row * 80 + column) * 2 */
        push    %ax
        mov     %dh, %al
        mov     $80, %bl
        mul     %bl
        xor     %bh, %bh
        mov     %dl, %bl
        add     %bx, %ax
        shl     $1, %ax
        mov     %ax, %di
        pop     %ax
        mov     $0x07, %ah
        mov     %ax, %es:(%di)
        inc     %dl
        cmp     $80, %dl
        jb      tty_done
        xor     %dl, %dl
        jmp     tty_lf
tty_cr:
        xor     %dl, %dl
        jmp     tty_done
tty_bs:
        test    %dl, %dl
        jz      tty_done
        dec     %dl
        jmp     tty_done
tty_lf:
        inc     %dh
        cmp     $25, %dh
        jb      tty_done
        mov     $24, %dh
        /* scroll up one line: copy rows 1-24 to 0-23, blank row 24 */
        push    %ds
        push    %es
        pop     %ds
        mov     $160, %si
        xor     %di, %di
        mov     $(24 * 80), %cx
        cld
        rep movsw
        mov     $0x0720, %ax
        mov     $80, %cx
        rep stosw
        pop     %ds
tty_done:
        mov     %dx, BDA_CURSOR
        call    update_crtc
        pop     %di
        pop     %si
        pop     %dx
        pop     %cx
        pop     %bx
        pop     %ax
        pop     %es
        pop     %ds
        iret

/* CRTC registers 14/15 <- row * 80 + column from the BDA (DS = 0x40). */
update_crtc:
        push    %ax
        push    %bx
        push    %dx
        mov     BDA_CURSOR, %bx
        mov     %bh, %al
        mov     $80, %dl
        mul     %dl
        xor     %bh, %bh
        add     %ax, %bx
        mov     $0x3D4, %dx
        mov     $14, %al
        out     %al, %dx
        inc     %dx
        mov     %bh, %al
        out     %al, %dx
        dec     %dx
        mov     $15, %al
        out     %al, %dx
        inc     %dx
        mov     %bl, %al
        out     %al, %dx
        pop     %dx
        pop     %bx
        pop     %ax
        ret

/* ---- INT 11h, 12h ---------------------------------------------------------------------------- */
int11:
        push    %ds
        mov     $0x40, %ax
        mov     %ax, %ds
        mov     0x10, %ax
        pop     %ds
        iret

int12:
        push    %ds
        mov     $0x40, %ax
        mov     %ax, %ds
        mov     0x13, %ax
        pop     %ds
        iret

/* ---- IRET with the carry flag as the result (CF is bit 0 of the saved FLAGS at SP+4) ---------- */
iret_cf_clear:
        push    %bp
        mov     %sp, %bp
        andw    $0xFFFE, 6(%bp)
        pop     %bp
        iret
iret_cf_set:
        push    %bp
        mov     %sp, %bp
        orw     $1, 6(%bp)
        pop     %bp
        iret

/* ---- ATA PIO, one sector ---------------------------------------------------------------------
 * In: EAX = LBA, BL = unit (0 master, 1 slave), ES:DI = buffer, BH = 0 read / 1 write.
 * Out: CF clear on success; ES:DI advanced by 512 (normalized). Clobbers DX, CX.            */
ata_sector:
        push    %eax
        mov     $0x1F7, %dx
1:      in      %dx, %al                /* wait while BSY */
        test    $0x80, %al
        jnz     1b
        pop     %eax
        push    %eax
        mov     $0x1F6, %dx
        shr     $24, %eax
        and     $0x0F, %al
        or      $0xE0, %al
        test    %bl, %bl
        jz      2f
        or      $0x10, %al
2:      out     %al, %dx
        mov     $0x3F6, %dx             /* nIEN: the BIOS polls */
        mov     $0x02, %al
        out     %al, %dx
        pop     %eax
        push    %eax
        mov     $0x1F2, %dx
        push    %ax
        mov     $1, %al
        out     %al, %dx
        pop     %ax
        inc     %dx                     /* 0x1F3: LBA 7-0 */
        out     %al, %dx
        inc     %dx
        shr     $8, %eax
        out     %al, %dx                /* 0x1F4: LBA 15-8 */
        inc     %dx
        shr     $8, %eax
        out     %al, %dx                /* 0x1F5: LBA 23-16 */
        mov     $0x1F7, %dx
        mov     $0x20, %al
        test    %bh, %bh
        jz      3f
        mov     $0x30, %al
3:      out     %al, %dx
4:      in      %dx, %al                /* wait for DRQ or ERR */
        test    $0x80, %al
        jnz     4b
        test    $0x01, %al
        jnz     ata_fail
        test    $0x08, %al
        jz      ata_fail
        mov     $256, %cx
        mov     $0x1F0, %dx
        cld
        test    %bh, %bh
        jnz     5f
        rep insw
        jmp     6f
5:      push    %ds                     /* write: DS:SI = ES:DI */
        push    %si
        push    %es
        pop     %ds
        mov     %di, %si
        rep outsw
        mov     %si, %di
        pop     %si
        pop     %ds
        mov     $0x1F7, %dx
7:      in      %dx, %al
        test    $0x80, %al
        jnz     7b
        test    $0x01, %al
        jnz     ata_fail
6:      /* normalize ES:DI so the next sector never wraps the segment */
        mov     %di, %ax
        shr     $4, %ax
        mov     %es, %dx
        add     %ax, %dx
        mov     %dx, %es
        and     $0x0F, %di
        call    ata_irq_on
        pop     %eax
        clc
        ret
ata_fail:
        call    ata_irq_on
        pop     %eax
        stc
        ret
/* Leave nIEN clear, as a kernel that takes IRQ 14 without writing 0x3F6 expects. */
ata_irq_on:
        push    %ax
        push    %dx
        mov     $0x3F6, %dx
        xor     %al, %al
        out     %al, %dx
        pop     %dx
        pop     %ax
        ret

/* ---- INT 13h: disk --------------------------------------------------------------------------- */
int13:
        sti
        push    %ds
        push    %ax
        mov     $0x40, %ax
        mov     %ax, %ds
        pop     %ax
        cmp     $0x00, %ah
        je      d_ok_noret
        cmp     $0x01, %ah
        je      d_status
        /* every other function names a drive: 0x80 master, 0x81 slave */
        push    %ax
        mov     %dl, %al
        sub     $0x80, %al
        jb      d_nodrive_pop
        cs      cmpb DISK_COUNT, %al
        jae     d_nodrive_pop
        pop     %ax
        cmp     $0x02, %ah
        je      d_chs
        cmp     $0x03, %ah
        je      d_chs
        cmp     $0x08, %ah
        je      d_params
        cmp     $0x15, %ah
        je      d_type
        cmp     $0x41, %ah
        je      d_extcheck
        cmp     $0x42, %ah
        je      d_ext
        cmp     $0x43, %ah
        je      d_ext
        cmp     $0x48, %ah
        je      d_extparams
        mov     $0x01, %ah              /* invalid function */
        jmp     d_fail
d_nodrive_pop:
        pop     %ax
        mov     $0x01, %ah
        jmp     d_fail

d_status:
        mov     BDA_DISKSTAT, %ah
        xor     %al, %al
        pop     %ds
        jmp     iret_cf_clear

d_ok_noret:
        movb    $0, BDA_DISKSTAT
        xor     %ah, %ah
        pop     %ds
        jmp     iret_cf_clear

d_fail:
        mov     %ah, BDA_DISKSTAT
        pop     %ds
        jmp     iret_cf_set

/* AH=02/03: AL sectors from C (CH + CL bits 7-6), H (DH), S (CL bits 5-0) to/from ES:BX.
 * LBA = (C * 16 + H) * 63 + S - 1, the geometry the ATA disk reports. */
d_chs:
        push    %ebx
        push    %ecx
        push    %edx
        push    %di
        push    %es
        push    %si
        mov     %ax, %si                /* SI: AH function, AL count */
        mov     %bx, %di
        /* cylinder in AX */
        mov     %cl, %al
        shr     $6, %al
        mov     %al, %ah
        mov     %ch, %al
        movzx   %ax, %eax
        shl     $4, %eax                /* * 16 heads */
        push    %dx
        movzx   %dh, %edx
        add     %edx, %eax
        imul    $63, %eax, %eax
        movzx   %cl, %edx
        and     $0x3F, %dl
        jz      d_chs_bad_pop
        dec     %edx
        add     %edx, %eax
        pop     %dx
        mov     %dl, %bl
        sub     $0x80, %bl
        xor     %bh, %bh
        mov     %si, %cx
        cmp     $0x0300, %cx
        jb      1f
        mov     $1, %bh
1:      xor     %ch, %ch                /* CX = count */
        test    %cx, %cx
        jz      d_chs_done
2:      push    %cx
        call    ata_sector
        pop     %cx
        jc      d_chs_err
        inc     %eax
        loop    2b
d_chs_done:
        mov     %si, %ax
        pop     %si
        pop     %es
        pop     %di
        pop     %edx
        pop     %ecx
        pop     %ebx
        xor     %ah, %ah                /* AL stays the count transferred */
        movb    $0, BDA_DISKSTAT
        pop     %ds
        jmp     iret_cf_clear
d_chs_bad_pop:
        pop     %dx
d_chs_err:
        pop     %si
        pop     %es
        pop     %di
        pop     %edx
        pop     %ecx
        pop     %ebx
        mov     $0x0400, %ax            /* sector not found, nothing transferred */
        jmp     d_fail

/* AH=08: CH/CL maximum cylinder and sector, DH maximum head, DL number of drives. */
d_params:
        push    %bx
        push    %si
        xor     %bh, %bh
        mov     %dl, %bl
        sub     $0x80, %bl
        shl     $1, %bx
        cs      mov DISK_CYLS(%bx), %ax
        dec     %ax                     /* maximum cylinder number */
        mov     %al, %ch
        mov     %ah, %cl
        shl     $6, %cl
        or      $63, %cl
        mov     $15, %dh
        cs      mov DISK_COUNT, %dl
        pop     %si
        pop     %bx
        xor     %ax, %ax
        xor     %bl, %bl
        movb    $0, BDA_DISKSTAT
        pop     %ds
        jmp     iret_cf_clear

/* AH=15: AH=3 (fixed disk), CX:DX sectors. */
d_type:
        push    %bx
        xor     %bh, %bh
        mov     %dl, %bl
        sub     $0x80, %bl
        shl     $2, %bx
        cs      mov DISK_SECTS(%bx), %dx
        cs      mov DISK_SECTS+2(%bx), %cx
        pop     %bx
        mov     $0x03, %ah
        pop     %ds
        jmp     iret_cf_clear

/* AH=41: BX 55AA -> AA55, AH = version 2.1 (0x21), CX bit 0 = packet functions. */
d_extcheck:
        cmp     $0x55AA, %bx
        jne     1f
        mov     $0xAA55, %bx
        mov     $0x21, %ah
        mov     $0x0001, %cx
        pop     %ds
        jmp     iret_cf_clear
1:      mov     $0x01, %ah
        jmp     d_fail

/* AH=42/43: disk address packet at DS:SI: size, 0, count (word), offset, segment, LBA (qword). */
d_ext:
        pop     %ds                     /* the caller's DS addresses the packet */
        push    %ds
        push    %eax
        push    %ebx
        push    %ecx
        push    %edx
        push    %di
        push    %es
        mov     %ah, %bh
        sub     $0x42, %bh              /* 0 read, 1 write */
        mov     %dl, %bl
        sub     $0x80, %bl
        mov     2(%si), %cx
        mov     4(%si), %di
        mov     6(%si), %ax
        mov     %ax, %es
        mov     8(%si), %eax
        cmpl    $0, 12(%si)
        jne     3f
        test    %cx, %cx
        jz      2f
1:      push    %cx
        call    ata_sector
        pop     %cx
        jc      3f
        inc     %eax
        loop    1b
2:      pop     %es
        pop     %di
        pop     %edx
        pop     %ecx
        pop     %ebx
        pop     %eax
        xor     %ah, %ah
        pop     %ds
        jmp     iret_cf_clear
3:      sub     %cx, 2(%si)             /* report how many blocks were transferred */
        pop     %es
        pop     %di
        pop     %edx
        pop     %ecx
        pop     %ebx
        pop     %eax
        pop     %ds
        mov     $0x04, %ah
        jmp     iret_cf_set

/* AH=48: result buffer at DS:SI (size 26): flags, C/H/S, total sectors, bytes per sector. */
d_extparams:
        pop     %ds
        push    %ax
        push    %bx
        push    %es
        push    %di
        movw    $26, (%si)
        movw    $0x0002, 2(%si)         /* CHS information valid */
        xor     %bh, %bh
        mov     %dl, %bl
        sub     $0x80, %bl
        push    %bx
        shl     $1, %bx
        cs      mov DISK_CYLS(%bx), %ax
        mov     %ax, 4(%si)
        movw    $0, 6(%si)
        movl    $16, 8(%si)
        movl    $63, 12(%si)
        pop     %bx
        shl     $2, %bx
        cs      mov DISK_SECTS(%bx), %ax
        mov     %ax, 16(%si)
        cs      mov DISK_SECTS+2(%bx), %ax
        mov     %ax, 18(%si)
        movl    $0, 20(%si)
        movw    $512, 24(%si)
        pop     %di
        pop     %es
        pop     %bx
        pop     %ax
        xor     %ah, %ah
        jmp     iret_cf_clear

/* ---- INT 15h: system services ---------------------------------------------------------------- */
int15:
        cmp     $0xE820, %eax
        je      e820
        cmp     $0xE801, %ax
        je      e801
        cmp     $0x88, %ah
        je      ext88
        cmp     $0x2400, %ax
        je      a20off
        cmp     $0x2401, %ax
        je      a20on
        cmp     $0x2402, %ax
        je      a20status
        cmp     $0x2403, %ax
        je      a20support
        mov     $0x86, %ah              /* function not supported */
        jmp     iret_cf_set

/* E820: EBX = continuation (entry index), ES:DI = buffer, ECX >= 20, EDX = 'SMAP'. */
e820:
        cmp     $0x534D4150, %edx
        jne     e820_fail
        cmp     $20, %ecx
        jb      e820_fail
        cs      cmpw E820_COUNT, %bx
        jae     e820_fail
        push    %ds
        push    %si
        push    %di
        push    %cx
        push    %cs
        pop     %ds
        imul    $20, %bx, %si
        add     $E820_TABLE, %si
        mov     $20, %cx
        cld
        rep movsb
        pop     %cx
        pop     %di
        pop     %si
        pop     %ds
        inc     %ebx
        cs      cmpw E820_COUNT, %bx
        jb      1f
        xor     %ebx, %ebx              /* that was the last entry */
1:      mov     $0x534D4150, %eax
        mov     $20, %ecx
        jmp     iret_cf_clear
e820_fail:
        mov     $0x86, %ah
        jmp     iret_cf_set

e801:
        cs      mov E801_AX, %ax
        cs      mov E801_BX, %bx
        mov     %ax, %cx
        mov     %bx, %dx
        jmp     iret_cf_clear

ext88:
        cs      mov EXT_KB, %ax
        jmp     iret_cf_clear

a20off:
        in      $0x92, %al
        and     $0xFD, %al
        out     %al, $0x92
        xor     %ah, %ah
        jmp     iret_cf_clear
a20on:
        in      $0x92, %al
        or      $0x02, %al
        and     $0xFE, %al              /* never the fast reset bit */
        out     %al, $0x92
        xor     %ah, %ah
        jmp     iret_cf_clear
a20status:
        in      $0x92, %al
        shr     $1, %al
        and     $1, %al
        xor     %ah, %ah
        jmp     iret_cf_clear
a20support:
        mov     $0x0003, %bx            /* keyboard controller and port 0x92 */
        xor     %ah, %ah
        jmp     iret_cf_clear

/* ---- INT 16h: keyboard ----------------------------------------------------------------------- */
/* poll_key: if no key is buffered, take one from the 8042 (scan code set 1) or else from COM1.
 * DS = EBDA. Clobbers AX, BX, DX. */
poll_key:
        cmpb    $0, EBDA_KEYFLAG
        jne     9f
        in      $0x64, %al
        test    $0x01, %al
        jz      5f
        in      $0x60, %al
        push    %ds
        push    %ax
        mov     $0x40, %ax
        mov     %ax, %ds
        pop     %ax
        cmp     $0x2A, %al              /* shift make/break updates BDA 0x417 bit 1 */
        je      1f
        cmp     $0xAA, %al
        je      2f
        test    $0x80, %al
        jnz     3f                      /* other break codes */
        cmp     $0x3A, %al
        jae     3f
        xor     %bh, %bh
        mov     %al, %bl
        mov     %al, %ah                /* AH = scan code */
        testb   $0x02, BDA_SHIFT
        jnz     4f
        cs      mov keymap(%bx), %al
        jmp     6f
4:      cs      mov keymap_shift(%bx), %al
6:      pop     %ds
        mov     %ax, EBDA_KEY
        movb    $1, EBDA_KEYFLAG
        ret
1:      orb     $0x02, BDA_SHIFT
        jmp     3f
2:      andb    $0xFD, BDA_SHIFT
3:      pop     %ds
        ret
5:      mov     $0x3FD, %dx             /* COM1 LSR: data ready? */
        in      %dx, %al
        cmp     $0xFF, %al
        je      9f
        test    $0x01, %al
        jz      9f
        mov     $0x3F8, %dx
        in      %dx, %al
        xor     %ah, %ah
        cmp     $0x0A, %al              /* a newline from a script is the Enter key */
        jne     7f
        mov     $0x1C0D, %ax
7:      mov     %ax, EBDA_KEY
        movb    $1, EBDA_KEYFLAG
9:      ret

int16:
        push    %ds
        push    %bx
        push    %dx
        push    %ax
        mov     $0x40, %ax
        mov     %ax, %ds
        mov     0x0E, %ax               /* EBDA segment */
        mov     %ax, %ds
        pop     %ax
        mov     %ah, %bl
        and     $0xEF, %bl              /* 10h/11h/12h are the enhanced forms of 00/01/02 */
        cmp     $0x00, %bl
        je      k_read
        cmp     $0x01, %bl
        je      k_peek
        cmp     $0x02, %bl
        je      k_shift
        pop     %dx
        pop     %bx
        pop     %ds
        iret
k_read:
        sti
1:      call    poll_key
        cmpb    $0, EBDA_KEYFLAG
        jne     2f
        hlt                             /* wait for the next interrupt, then poll again */
        jmp     1b
2:      mov     EBDA_KEY, %ax
        movb    $0, EBDA_KEYFLAG
        pop     %dx
        pop     %bx
        pop     %ds
        iret
k_peek:
        call    poll_key
        mov     EBDA_KEY, %ax
        cmpb    $0, EBDA_KEYFLAG
        pop     %dx
        pop     %bx
        pop     %ds
        /* ZF is the result: set the saved FLAGS' ZF (bit 6) from the comparison */
        push    %bp
        mov     %sp, %bp
        jne     3f
        orw     $0x40, 6(%bp)
        pop     %bp
        iret
3:      andw    $0xFFBF, 6(%bp)
        pop     %bp
        iret
k_shift:
        push    %ds
        mov     $0x40, %bx
        mov     %bx, %ds
        mov     BDA_SHIFT, %al
        pop     %ds
        pop     %dx
        pop     %bx
        pop     %ds
        iret

/* Scan code set 1 (0x00-0x39) to ASCII, US layout. */
keymap:
        .byte 0, 27
        .ascii "1234567890-="
        .byte 8, 9
        .ascii "qwertyuiop[]"
        .byte 13, 0
        .ascii "asdfghjkl;'`"
        .byte 0
        .ascii "\\zxcvbnm,./"
        .byte 0, '*', 0, ' '
keymap_shift:
        .byte 0, 27
        .ascii "!@#$%^&*()_+"
        .byte 8, 9
        .ascii "QWERTYUIOP{}"
        .byte 13, 0
        .ascii "ASDFGHJKL:\"~"
        .byte 0
        .ascii "|ZXCVBNM<>?"
        .byte 0, '*', 0, ' '

/* ---- INT 19h: boot the first disk again ----------------------------------------------------- */
int19:
        xor     %ax, %ax
        mov     %ax, %es
        mov     $0x7C00, %di
        xor     %eax, %eax
        xor     %bx, %bx
        call    ata_sector
        jc      1f
        xor     %ax, %ax
        mov     %ax, %ds
        mov     %ax, %ss
        mov     $0x7C00, %sp
        mov     $0x80, %dl
        ljmp    $0, $0x7C00
1:      cli
        hlt
        jmp     1b

/* ---- INT 1Ah: time --------------------------------------------------------------------------- */
int1a:
        push    %ds
        push    %bx
        mov     $0x40, %bx
        mov     %bx, %ds
        pop     %bx
        cmp     $0x00, %ah
        je      t_ticks
        cmp     $0x02, %ah
        je      t_time
        cmp     $0x04, %ah
        je      t_date
        pop     %ds
        jmp     iret_cf_set
t_ticks:
        mov     BDA_TICKS, %dx
        mov     BDA_TICKS+2, %cx
        mov     BDA_MIDNIGHT, %al
        movb    $0, BDA_MIDNIGHT
        pop     %ds
        jmp     iret_cf_clear
t_time:                                 /* CH hours, CL minutes, DH seconds (BCD) */
        mov     $0x04, %al
        call    cmos
        mov     %al, %ch
        mov     $0x02, %al
        call    cmos
        mov     %al, %cl
        mov     $0x00, %al
        call    cmos
        mov     %al, %dh
        xor     %dl, %dl
        pop     %ds
        jmp     iret_cf_clear
t_date:                                 /* CH century, CL year, DH month, DL day (BCD) */
        mov     $0x32, %al
        call    cmos
        mov     %al, %ch
        mov     $0x09, %al
        call    cmos
        mov     %al, %cl
        mov     $0x08, %al
        call    cmos
        mov     %al, %dh
        mov     $0x07, %al
        call    cmos
        mov     %al, %dl
        pop     %ds
        jmp     iret_cf_clear
cmos:
        out     %al, $0x70
        in      $0x71, %al
        ret

/* ---- reset vector target: there is no POST to run again ------------------------------------- */
reset:
        cli
        mov     $reset_msg, %si
1:      cs      lodsb
        test    %al, %al
        jz      2f
        out     %al, $0xE9
        jmp     1b
2:      hlt
        jmp     2b
reset_msg:
        .asciz  "xray86 BIOS: the CPU was reset; halting\n"

code_end:

/* ---- handler table the host copies into the IVT (F000:FE00): "xIVT", count, entries of
 *      vector (byte), 0, offset (word) ---------------------------------------------------------- */
        .org    0xFE00
ivt_table:
        .ascii  "xIVT"
        .word   (ivt_end - ivt_entries) / 4
        .word   iret_stub               /* the default for every other vector */
ivt_entries:
        .byte 0x08, 0
        .word irq0
        .byte 0x09, 0
        .word irq_master
        .byte 0x0A, 0
        .word irq_master
        .byte 0x0B, 0
        .word irq_master
        .byte 0x0C, 0
        .word irq_master
        .byte 0x0D, 0
        .word irq_master
        .byte 0x0E, 0
        .word irq_master
        .byte 0x0F, 0
        .word irq_master
        .byte 0x10, 0
        .word int10
        .byte 0x11, 0
        .word int11
        .byte 0x12, 0
        .word int12
        .byte 0x13, 0
        .word int13
        .byte 0x15, 0
        .word int15
        .byte 0x16, 0
        .word int16
        .byte 0x19, 0
        .word int19
        .byte 0x1A, 0
        .word int1a
        .byte 0x70, 0
        .word irq_slave
        .byte 0x71, 0
        .word irq_slave
        .byte 0x72, 0
        .word irq_slave
        .byte 0x73, 0
        .word irq_slave
        .byte 0x74, 0
        .word irq_slave
        .byte 0x75, 0
        .word irq_slave
        .byte 0x76, 0
        .word irq_slave
        .byte 0x77, 0
        .word irq_slave
ivt_end:

/* ---- reset vector (F000:FFF0) ----------------------------------------------------------------- */
        .org    0xFFF0
        ljmp    $0xF000, $reset
        .ascii  "11/25/26"
        .byte   0
        .byte   0xFC                    /* model byte: AT */
        .byte   0
