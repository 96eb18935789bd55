#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target: make_seeds.py OUTDIR GUEST_KERNEL GUEST_BOOTSECT.

Each target gets a few inputs in its own format (fuzz/*_fuzz.cpp says what that is) that reach
its deeper paths: real instructions, real kernels, boot sectors that use the BIOS and the ATA
controller, filters from docs/trace.md, gdb's own packets. Code is written in assembly and
assembled with binutils' `as --32`, which the guest's build already needs.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

out_dir, guest_kernel, guest_bootsect = sys.argv[1:4]
shutil.rmtree(out_dir, ignore_errors=True)  # the seeds of this version of the script, no others


def assemble(text, bits):
    """The raw bytes of `text` (GNU as syntax) assembled as .code16 or .code32 at address 0."""
    with tempfile.TemporaryDirectory() as tmp:
        src, obj, raw = (os.path.join(tmp, n) for n in ("a.s", "a.o", "a.bin"))
        with open(src, "w") as f:
            f.write(f".code{bits}\n{text}\n")
        subprocess.run(["as", "--32", "-o", obj, src], check=True)
        subprocess.run(["objcopy", "-O", "binary", "-j", ".text", obj, raw], check=True)
        with open(raw, "rb") as f:
            return f.read()


def write(target, name, data):
    d = os.path.join(out_dir, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


# ---- decode: a mode byte (bit 0: 32-bit code), then one instruction ----
for i, (bits, text) in enumerate([
    (32, "movl %ebx, %eax"),
    (32, "movl 0x12345678(%eax,%ecx,4), %eax"),
    (16, "movw -2(%bp), %ax"),
    (32, "movl %cr0, %eax"),
    (32, "rep movsl"),
    (32, "lock cmpxchgl %ecx, (%edx)"),
    (16, "ljmp $0x0000, $0x7c00"),
    (32, "movw $0x1234, 0x1000"),
    (32, "lgdt 0x1000"),
    (32, "int $0x80"),
    (32, "enter $16, $1"),
    (32, "fld1"),
    (32, "imull $1000, 8(%esp,%esi,2), %edx"),
    (16, "addr32 movl %fs:(%eax), %eax"),
]):
    write("decode", f"insn{i:02}", bytes([bits == 32]) + assemble(text, bits))
write("decode", "prefixes16", bytes([1]) + b"\x26" * 16 + b"\x90")  # longer than 15 bytes: #GP

# ---- block: a mode byte, EAX..EDI, then code at 0x1000 ----
regs = struct.pack("<8I", 1, 2, 3, 0x2000, 0x8000, 0x7000, 0x3000, 0x4000)
for i, (mode, bits, text) in enumerate([
    (1, 32, "movl $5, %ecx\n1: decl %ecx\njnz 1b\nhlt"),
    (1, 32, "pushl %eax\npushl %ebx\npopl %ecx\naddl %ecx, %edx\nsbbl $7, %edx\nshldl $3, %edx, %eax\nhlt"),
    (1, 32, "cld\nmovl $16, %ecx\nrep stosb\nrepne scasb\nbsfl %eax, %ebx\nhlt"),
    (0, 16, "movw $0xb800, %ax\nmovw %ax, %es\nmovb $0x41, %es:0\nint $0x10\nhlt"),
    (0, 16, "cli\nlgdt 0x1800\nmovl %cr0, %eax\norb $1, %al\nmovl %eax, %cr0\nljmp $8, $0x1020"),
    (3, 32, "nop\nnop\nxchgl %eax, %ebx\nhlt"),  # TF: the one-instruction path
    (5, 32, "sti\nnop\nnop\nhlt"),  # IF with an interrupt queued
    (9, 32, "fldz\nhlt"),  # stop on an unsupported opcode
    (1, 32, "divl %ecx\naam\ndaa\ncpuid\nrdtsc\nhlt"),
]):
    write("block", f"code{i:02}", bytes([mode]) + regs + assemble(text, bits))


# ---- multiboot and the whole machine: kernels ----
def kludge(code, header_addr=0x100000, load_end=0, bss_end=0, entry=None, flags=0x10000):
    """A multiboot kernel with the a.out kludge (Multiboot 0.6.96, 3.1.1) loading at 1 MB."""
    magic = 0x1BADB002
    hdr = struct.pack("<8I", magic, flags, (-(magic + flags)) & 0xFFFFFFFF, header_addr, 0x100000,
                      load_end, bss_end, 0x100020 if entry is None else entry)
    return hdr + code


def elf_kernel(code, paddr=0x100000, phnum=1, phoff=52, phentsize=32, filesz=None, memsz=None):
    """An ELF32 i386 executable with one PT_LOAD segment and a multiboot header (no kludge)."""
    magic, flags = 0x1BADB002, 0x3
    mb = struct.pack("<3I", magic, flags, (-(magic + flags)) & 0xFFFFFFFF)
    body = mb + code
    off = 52 + 32
    ident = b"\x7fELF\x01\x01\x01" + b"\x00" * 9
    ehdr = ident + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, paddr, phoff, 0, 0, 52, phentsize, phnum,
                               40, 0, 0)
    size = len(body)
    phdr = struct.pack("<8I", 1, off, paddr, paddr, size if filesz is None else filesz,
                       size if memsz is None else memsz, 5, 0x1000)
    return ehdr + phdr + body


halt = assemble("hlt", 32)
write("multiboot", "guest_kernel.elf", read(guest_kernel))
write("multiboot", "kludge", kludge(halt))
write("multiboot", "kludge_bss", kludge(halt, bss_end=0x180000))
write("multiboot", "kludge_load_end", kludge(halt * 64, load_end=0x100030))
write("multiboot", "elf", elf_kernel(halt))
write("multiboot", "elf_bss", elf_kernel(halt, memsz=0x10000))
write("multiboot", "elf_two_headers", elf_kernel(halt, phnum=2))
write("multiboot", "elf_low", elf_kernel(halt, paddr=0x8000))

machine_code = [
    # The exit port (isa-debug-exit at 0xF4): status (1 << 1) | 1.
    "movb $1, %al\noutb %al, $0xf4\n1: jmp 1b",
    # Port 0xE9 output, then HLT with interrupts off (status 6 at once).
    "movb $0x68, %al\noutb %al, $0xe9\nmovb $0x0a, %al\noutb %al, $0xe9\nhlt",
    # The 9-byte halt nothing wakes: the 8259 masks IRQ 0, then sti; hlt.
    "movb $0xff, %al\noutb %al, $0x21\nsti\nhlt\njmp .-1",
    # An IDT of 256 gates to one handler that sends EOI; the PIT ticks; sti; hlt in a loop.
    """
        movl $0x200000 - 0x800, %edi
        movl $256, %ecx
        leal handler, %eax
    1:  movw %ax, (%edi)
        movw $0x08, 2(%edi)
        movw $0x8e00, 4(%edi)
        shrl $16, %eax
        movw %ax, 6(%edi)
        leal handler, %eax
        addl $8, %edi
        loop 1b
        lidt idtr
        movb $0x34, %al
        outb %al, $0x43
        movb $0x00, %al
        outb %al, $0x40
        movb $0x10, %al
        outb %al, $0x40
        movb $0xfe, %al
        outb %al, $0x21
        sti
    2:  hlt
        incl %ebx
        cmpl $20, %ebx
        jb 2b
        movb $0, %al
        outb %al, $0xf4
    handler:
        pushl %eax
        movb $0x20, %al
        outb %al, $0x20
        popl %eax
        iret
    idtr:
        .word 0x7ff
        .long 0x200000 - 0x800
    """,
    # Paging on with a 4 MB identity page (CR4.PSE), then a page fault with no IDT: triple fault.
    """
        movl $0x1000, %edi
        movl $0x83, (%edi)
        movl %cr4, %eax
        orl $0x10, %eax
        movl %eax, %cr4
        movl %edi, %cr3
        movl %cr0, %eax
        orl $0x80000000, %eax
        movl %eax, %cr0
        movl 0x800000, %eax
    """,
    # The local APIC timer, one-shot, and its MMIO registers.
    """
        movl $0xfee00000, %esi
        movl $0x1ff, 0xf0(%esi)
        movl $0x0b, 0x3e0(%esi)
        movl $0x20, 0x320(%esi)
        movl $1000, 0x380(%esi)
        movl 0x390(%esi), %eax
        movl 0x30(%esi), %ebx
        movl $0xfec00000, %edi
        movl $0x10, (%edi)
        movl 0x10(%edi), %ecx
        hlt
    """,
    # CMOS, fw_cfg, the keyboard controller, COM1 and the ATA status.
    """
        movb $0x0a, %al
        outb %al, $0x70
        inb $0x71, %al
        movw $0x0000, %ax
        movw $0x510, %dx
        outw %ax, %dx
        movw $0x511, %dx
        inb %dx, %al
        inb $0x64, %al
        movw $0x3fd, %dx
        inb %dx, %al
        movw $0x1f7, %dx
        inb %dx, %al
        movb $0xfe, %al
        outb %al, $0x64
    """,
]
for i, text in enumerate(machine_code):
    code = assemble(text.replace("leal handler", "leal 0x100020 + handler")
                    .replace("lidt idtr", "lidt 0x100020 + idtr"), 32)
    write("machine", f"code{i:02}", code)
    write("multiboot", f"machine{i:02}", kludge(code))

# ---- elf_symbols ----
def symbol_elf(symbols):
    """ELF32 with .symtab and .strtab only (as fuzz_support.cpp's symbolElf)."""
    strtab = b"\0"
    offsets = []
    for name, _, _ in symbols:
        offsets.append(len(strtab))
        strtab += name.encode() + b"\0"
    symtab_at = 52 + 3 * 40
    symtab = b"\0" * 16 + b"".join(
        struct.pack("<IIIBBH", o, v, s, 0x12, 0, 1) for o, (_, v, s) in zip(offsets, symbols))
    strtab_at = symtab_at + len(symtab)
    ehdr = b"\x7fELF\x01\x01\x01" + b"\0" * 9 + struct.pack(
        "<HHIIIIIHHHHHH", 2, 3, 1, 0, 0, 52, 0, 52, 0, 0, 40, 3, 0)
    shdrs = b"\0" * 40 + struct.pack("<10I", 0, 2, 0, 0, symtab_at, len(symtab), 2, 0, 4, 16) + \
        struct.pack("<10I", 0, 3, 0, 0, strtab_at, len(strtab), 0, 0, 1, 0)
    return ehdr + shdrs + symtab + strtab


write("elf_symbols", "guest_kernel.elf", read(guest_kernel))
write("elf_symbols", "two", symbol_elf([("main", 0x1000, 0x40), ("counter", 0x2000, 4)]))
write("elf_symbols", "labels", symbol_elf([("start", 0x100000, 0), ("loop", 0x100010, 0),
                                           ("end", 0xfffffff0, 0x100)]))

# ---- boot_sector: disk images, sector 0 booted at 0000:7C00 ----
boot_code = [
    # BIOS teletype output, then the exit port.
    """
        movw $0x0e41, %ax
        int $0x10
        movb $1, %al
        outb %al, $0xf4
    """,
    # INT 13h: read sector 1 to 0x8000 (CHS), then jump to it.
    """
        movw $0x0201, %ax
        movw $0x0002, %cx
        movb $0x00, %dh
        movw $0x8000, %bx
        int $0x13
        jmp 0x8000 - 0x7c00
    """,
    # ATA PIO: read sector 1, write it to sector 2 (LBA28 on the master).
    """
        movw $0x1f6, %dx
        movb $0xe0, %al
        outb %al, %dx
        movw $0x1f2, %dx
        movb $1, %al
        outb %al, %dx
        movw $0x1f3, %dx
        movb $1, %al
        outb %al, %dx
        movw $0x1f7, %dx
        movb $0x20, %al
        outb %al, %dx
    1:  inb %dx, %al
        testb $0x08, %al
        jz 1b
        movw $0x1f0, %dx
        movw $256, %cx
        movw $0x8000, %di
        cld
        rep insw
        movw $0x1f3, %dx
        movb $2, %al
        outb %al, %dx
        movw $0x1f2, %dx
        movb $1, %al
        outb %al, %dx
        movw $0x1f7, %dx
        movb $0x30, %al
        outb %al, %dx
        movw $0x1f0, %dx
        movw $256, %cx
        movw $0x8000, %si
        rep outsw
        hlt
    """,
    # Into protected mode with a GDT in the sector.
    """
        cli
        lgdt 0x7c00 + gdtr
        movl %cr0, %eax
        orb $1, %al
        movl %eax, %cr0
        ljmp $8, $0x7c00 + pm
    .code32
    pm: movw $0x10, %ax
        movw %ax, %ds
        movl $0xb8000, %edi
        movl $0x07410741, (%edi)
        hlt
    .p2align 3
    gdt: .quad 0, 0x00cf9a000000ffff, 0x00cf92000000ffff
    gdtr: .word 23
          .long 0x7c00 + gdt
    """,
]
for i, text in enumerate(boot_code):
    code = assemble(text, 16)
    sector = code.ljust(510, b"\0") + b"\x55\xaa"
    write("boot_sector", f"boot{i:02}", sector + bytes(range(256)) * 2 + b"\xf4" * 512)
bootsect = read(guest_bootsect)
write("boot_sector", "guest_bootsect", bootsect.ljust(512, b"\0") + b"\0" * 1024)

# ---- filter: the filter text, a zero byte, then the bytes of the records ----
record_bytes = bytes(range(1, 64))
for i, text in enumerate([
    "kind=pf,tlb and cpl=3 and cycle in 0..200000000",
    "eip in main",
    "child of 6",
    "kind=resolve and killed",
    "insns = 19 or insns = 21 or insns = 66",
    "writer in cowfault",
    "not (kind != fault || user) && write",
    "!(!(cr2 >= 0x1000)) and addr < 0xffffffff and vector = 14 or repeat > 2",
    "pid 3 or asid 2 or parent 1 or eax = 7",
    "kind=sys,sysret,exc,int,halt,io,insn,miss,stale,missing-flush,cr3 and copied",
    "(" * 64 + "cpl=0" + ")" * 64,
]):
    write("filter", f"filter{i:02}", text.encode() + b"\0" + record_bytes)

# ---- input_escapes ----
for i, text in enumerate([b"usertests\\n", b"echo hi\\r\\n\\t\\\\", b"\\e[0m\\x41\\x7f", b"\\q",
                          b"\\x4", b"\\xg0", b"ls\\n" * 8]):
    write("input_escapes", f"text{i:02}", text)


# ---- ports: operations (fuzz/ports_fuzz.cpp) ----
def out(port, value, size=1):
    return bytes([{1: 0, 2: 4, 4: 8}[size]]) + struct.pack("<HI", port, value)


def inp(port, size=1):
    return bytes([1 | {1: 0, 2: 4, 4: 8}[size]]) + struct.pack("<H", port)


def run(cycles):
    return bytes([2]) + struct.pack("<H", cycles // 16)


def mmio_write(offset, value, ioapic=False):
    return bytes([3 | (0x10 if ioapic else 0)]) + struct.pack("<HI", offset, value)


def mmio_read(offset, ioapic=False):
    return bytes([3 | 0x20 | (0x10 if ioapic else 0)]) + struct.pack("<H", offset)


port_seeds = {
    # The 8259s initialised as a kernel does, the PIT at 100 Hz, time run, EOIs.
    "pic_pit": out(0x20, 0x11) + out(0x21, 0x20) + out(0x21, 4) + out(0x21, 1) + out(0x21, 0xfe) +
    out(0x43, 0x34) + out(0x40, 0x9b) + out(0x40, 0x2e) + run(400000) + inp(0x20) + out(0x20, 0x20) +
    out(0x43, 0x00) + inp(0x40) + inp(0x40) + out(0x20, 0x0b) + inp(0x20),
    # COM1: 8N1 at 115200, interrupts on, bytes out, status read.
    "uart": out(0x3fb, 0x80) + out(0x3f8, 1) + out(0x3f9, 0) + out(0x3fb, 3) + out(0x3f9, 0x0f) +
    out(0x3fc, 0x0b) + out(0x3f8, 0x41) + run(20000) + inp(0x3fd) + inp(0x3fa) + inp(0x3f8),
    # ATA: IDENTIFY on the master (no disk), status, the control register.
    "ata": out(0x1f6, 0xa0) + out(0x1f7, 0xec) + inp(0x1f7) + inp(0x1f0, 2) + out(0x3f6, 4) +
    out(0x3f6, 0) + inp(0x3f6),
    # CMOS time and NVRAM, the 8042, fw_cfg's signature.
    "cmos_kbc_fwcfg": out(0x70, 0x00) + inp(0x71) + out(0x70, 0x0b) + out(0x71, 0x06) + inp(0x71) +
    out(0x64, 0x20) + inp(0x60) + out(0x64, 0x60) + out(0x60, 0x47) + out(0x64, 0xd1) +
    out(0x60, 0x03) + out(0x510, 0, 2) + inp(0x511) + inp(0x511) + inp(0x511) + inp(0x511),
    # The local APIC timer and the I/O APIC's redirection table.
    "apics": mmio_write(0xf0, 0x1ff) + mmio_write(0x3e0, 0xb) + mmio_write(0x320, 0x20030) +
    mmio_write(0x380, 5000) + run(100000) + mmio_read(0x390) + mmio_write(0xb0, 0) +
    mmio_write(0, 0x10, True) + mmio_write(0x10, 0x20, True) + mmio_read(0x10, True) +
    mmio_write(0x300, 0x000c4500) + mmio_read(0x300),
    # The debug ports: E9 output, a POST code, the exit port; the A20 gate at 0x92.
    "debug_a20": out(0xe9, 0x41) + out(0x80, 0x55) + inp(0x92) + out(0x92, 2) + out(0xf4, 1),
}
for name, ops in port_seeds.items():
    write("ports", name, ops)


# ---- gdb_packet: the byte stream gdb sends ----
def packet(data):
    body = data.replace(b"}", b"}]").replace(b"#", b"}\x03").replace(b"$", b"}\x04") \
        .replace(b"*", b"}\x0a")
    return b"$" + body + b"#%02x" % (sum(body) & 0xff)


gdb_seeds = {
    "handshake": b"+" + packet(b"qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386") +
    b"+" + packet(b"QStartNoAckMode") + packet(b"?") + packet(b"g"),
    "memory": packet(b"m100000,40") + packet(b"M100000,4:deadbeef") + packet(b"X100000,2:\x03}") +
    packet(b"Z0,10001c,1") + packet(b"z0,10001c,1"),
    "run": packet(b"vCont?") + packet(b"vCont;s:1") + packet(b"c") + b"\x03" + packet(b"bs") +
    packet(b"qRcmd,696e666f20746c62"),
    "noise": b"-+junk$g#00$m0,4#fd\x03$qXfer:features:read:target.xml:0,ffb#",
    "cut": b"$" + b"a" * 100,
}
for name, data in gdb_seeds.items():
    write("gdb_packet", name, data)
