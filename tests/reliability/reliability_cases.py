"""What no guest and no input may do to the host: hang it, crash it, or lose its output silently.
Each case gives the command line, the exit status it must end with and the exact one-line error
(or the message) it must print, with the reason for each number. Usage:
reliability_cases.py XRAY86 GROUP GUEST_KERNEL GUEST_ARCHIVE (one ctest per group)."""
import os
import subprocess
import sys
import tempfile

XRAY86, GROUP = sys.argv[1], sys.argv[2]
GUEST_KERNEL = sys.argv[3] if len(sys.argv) > 3 else ""
GUEST_ARCHIVE = sys.argv[4] if len(sys.argv) > 4 else ""
TMP = tempfile.mkdtemp(prefix="xray86-reliability-")
failures = []


def run(args, timeout=60):
    p = subprocess.run([XRAY86, *args], stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def check(name, args, status, stderr=None, stderr_has=(), stdout=None, timeout=60):
    """stderr: the exact standard error (one line for a usage error)."""
    try:
        got, out, err = run(args, timeout)
    except subprocess.TimeoutExpired:
        failures.append(f"{name}: still running after {timeout} s")
        return
    problems = []
    if got != status:
        problems.append(f"status {got}, expected {status}")
    if stderr is not None and err != stderr:
        problems.append(f"stderr {err!r}, expected {stderr!r}")
    for text in stderr_has:
        if text not in err:
            problems.append(f"stderr lacks {text!r}: {err[-400:]!r}")
    if stdout is not None and out != stdout:
        problems.append(f"stdout {out[-200:]!r}, expected {stdout!r}")
    if problems:
        failures.append(f"{name}: " + "; ".join(problems))
    else:
        print(f"ok {name}")


def write(name, data):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def boot_sector(code):
    """A 512-byte boot sector: `code` at 0000:7C00, the 55 AA signature at its end."""
    assert len(code) <= 510
    return code + bytes(510 - len(code)) + b"\x55\xaa"


def halt():
    # cli; mov al,0xff; out 0x21,al; sti; hlt; jmp $-1 (9 bytes): every IRQ masked at the
    # master 8259, then a halt with interrupts on. The PIT the firmware armed keeps expiring,
    # but no request reaches the CPU: status 6 (exit_status::kHalted). The slave's mask ff and
    # nothing in service are the firmware's (devices/firmware.cpp leaves the slave masked).
    masked = write("masked.img", boot_sector(bytes.fromhex("fab0ffe621fbf4ebfd")))
    reason = ("guest halted and no interrupt can wake it: every armed timer expired twice with "
              "no request reaching the CPU (8259 mask ff/ff, in service 00/00)")
    check("halt_masked_at_the_pic", ["run", "--disk", masked], 6, stderr_has=[reason])
    # The same with only --max-insns given: halted time retires no instruction, so the limit
    # alone would never end it; the halt detection does, before the limit.
    check("halt_masked_with_max_insns", ["run", "--disk", masked, "--max-insns", "1000000"], 6,
          stderr_has=[reason])
    # IRQ0 taken and never acknowledged: the handler at 0x7C19 is a lone IRET, so IRQ0 stays in
    # service at the master and blocks itself and every lower priority. Code: cli; xor ax,ax;
    # mov ds,ax; mov word [0x20],0x7C19; mov word [0x22],0; mov al,0xfe; out 0x21,al; sti;
    # hlt; jmp $-1; iret.
    code = bytes.fromhex("fa31c08ed8c7062000197cc70622000000b0fee621fbf4ebfdcf")
    no_eoi = write("no_eoi.img", boot_sector(code))
    check("halt_irq0_never_acknowledged", ["run", "--disk", no_eoi], 6,
          stderr_has=["guest halted and no interrupt can wake it: every armed timer expired "
                      "twice with no request reaching the CPU (8259 mask fe/ff, in service "
                      "01/00)"])
    # A halt the timer does wake is not final: the same loop with IRQ0 unmasked and the
    # firmware's handler (which sends EOI) runs until --max-insns (status 4): each wake-up
    # retires the HLT and the JMP.
    woken = write("woken.img", boot_sector(bytes.fromhex("fab0fee621fbf4ebfd")))
    check("halt_woken_by_the_timer", ["run", "--disk", woken, "--max-insns", "20000"], 4,
          stderr_has=["stopped after 20000 instructions (--max-insns)"])


def u32(v):
    return (v & 0xFFFFFFFF).to_bytes(4, "little")


def u16(v):
    return (v & 0xFFFF).to_bytes(2, "little")


MB_MAGIC = 0x1BADB002


def mb_header(flags, extra=b""):
    """A multiboot header (Multiboot 0.6.96 section 3.1.1): magic, flags, checksum."""
    return u32(MB_MAGIC) + u32(flags) + u32(-(MB_MAGIC + flags)) + extra


def elf(e_type=2, machine=3, phoff=52, phentsize=32, phnum=1, segments=None, body=b""):
    """An ELF32 i386 file (System V ABI): the 52-byte header, the program headers at `phoff`,
    then a multiboot header (flags 3) and `body`. segments: (type, offset, paddr, filesz,
    memsz) tuples; by default one PT_LOAD of the file's first 4 KB at 1 MB."""
    if segments is None:
        segments = [(1, 0, 0x100000, 0x1000, 0x1000)]
    hdr = (b"\x7fELF" + bytes([1, 1, 1]) + bytes(9) + u16(e_type) + u16(machine) + u32(1) +
           u32(0x100000) + u32(phoff) + u32(0) + u32(0) + u16(52) + u16(phentsize) +
           u16(phnum) + u16(40) + u16(0) + u16(0))
    ph = b"".join(u32(t) + u32(o) + u32(a) + u32(a) + u32(fs) + u32(ms) + u32(7) + u32(0x1000)
                  for (t, o, a, fs, ms) in segments)
    data = hdr + ph + mb_header(3) + body
    return data + bytes(max(0, 0x1000 - len(data)))


def kludge(header_addr, load_addr, load_end, bss_end, entry=0x100020, size=0x1000):
    """A multiboot kernel with the a.out kludge (flag 16): the header gives the load addresses."""
    data = mb_header(0x10003, u32(header_addr) + u32(load_addr) + u32(load_end) + u32(bss_end) +
                     u32(entry))
    return data + bytes(max(0, size - len(data)))


def catalogue():
    """Malformed input: each case a one-line error naming the problem, and status 2."""
    def bad(name, args, line):
        check(name, args, 2, stderr="xray86: " + line + "\n")

    def kernel(name, data):
        return write(name, data)

    # Kernels: the multiboot header, the ELF header and program headers, the a.out kludge.
    k = kernel("empty.elf", b"")
    bad("kernel_empty", ["run", "--kernel", k],
        f"kernel {k} has no multiboot header in its first 8 KB")
    k = kernel("checksum.elf", u32(MB_MAGIC) + u32(3) + u32(0) + bytes(64))
    bad("kernel_bad_checksum", ["run", "--kernel", k],
        f"kernel {k} has no multiboot header in its first 8 KB")
    k = kernel("late.elf", bytes(8192) + mb_header(3))
    bad("kernel_header_past_8k", ["run", "--kernel", k],
        f"kernel {k} has no multiboot header in its first 8 KB")
    k = kernel("video.elf", mb_header(8 | 3) + bytes(64))  # bit 3: not defined
    bad("kernel_unknown_flags", ["run", "--kernel", k],
        f"kernel {k} requires multiboot features we do not provide (flags 0xb)")
    k = kernel("notelf.elf", mb_header(3) + bytes(64))
    bad("kernel_not_elf", ["run", "--kernel", k],
        f"kernel {k} is not an ELF32 i386 executable and its multiboot header has no address "
        "fields (flag 16)")
    k = kernel("truncated.elf", elf()[:28] + mb_header(3))
    bad("kernel_elf_truncated_header", ["run", "--kernel", k],
        f"kernel {k} is not an ELF32 i386 executable and its multiboot header has no address "
        "fields (flag 16)")
    k = kernel("arm.elf", elf(machine=40))
    bad("kernel_elf_wrong_machine", ["run", "--kernel", k],
        f"kernel {k} is not an ELF32 i386 executable and its multiboot header has no address "
        "fields (flag 16)")
    k = kernel("reloc.elf", elf(e_type=1))
    bad("kernel_elf_relocatable", ["run", "--kernel", k],
        f"kernel {k} is an ELF file but not an executable (e_type 1)")
    k = kernel("phoff.elf", elf(phoff=0xFFFFFF00))
    bad("kernel_elf_phoff_outside", ["run", "--kernel", k],
        f"kernel {k} has program headers outside the file")
    k = kernel("phnum.elf", elf(phnum=0xFFFF))
    bad("kernel_elf_too_many_phdrs", ["run", "--kernel", k],
        f"kernel {k} has program headers outside the file")
    k = kernel("phentsize.elf", elf(phentsize=8))
    bad("kernel_elf_small_phentsize", ["run", "--kernel", k],
        f"kernel {k} has program headers outside the file")
    k = kernel("segfile.elf", elf(segments=[(1, 0, 0x100000, 0x80000000, 0x80000000)]))
    bad("kernel_elf_segment_past_eof", ["run", "--kernel", k],
        f"kernel {k} segment 0 lies outside the file")
    k = kernel("filesz.elf", elf(segments=[(1, 0, 0x100000, 0x1000, 0x10)]))
    bad("kernel_elf_filesz_above_memsz", ["run", "--kernel", k],
        f"kernel {k} segment 0 lies outside the file")
    k = kernel("noload.elf", elf(segments=[(4, 0, 0x100000, 0x10, 0x10)]))
    bad("kernel_elf_no_load_segment", ["run", "--kernel", k],
        f"kernel {k} has no loadable segments")
    k = kernel("huge.elf", elf(segments=[(1, 0, 0x100000, 0x1000, 0xFFFF0000)]))
    bad("kernel_elf_segment_beyond_ram", ["run", "--kernel", k],
        f"kernel {k} segment 0 at 0x100000 ends at 0x1000effff, beyond RAM (256 MB)")
    k = kernel("cut.elf", bytes(4) + mb_header(0x10003))
    bad("kludge_header_cut_off", ["run", "--kernel", k], f"kernel {k} multiboot header is cut off")
    k = kernel("loadaddr.elf", kludge(0x100000, 0x100010, 0, 0))
    bad("kludge_load_above_header", ["run", "--kernel", k],
        f"kernel {k} multiboot load_addr 0x100010 does not fit header_addr 0x100000")
    k = kernel("loadend.elf", kludge(0x100000, 0x100000, 0xFFFFF, 0))
    bad("kludge_load_end_below", ["run", "--kernel", k],
        f"kernel {k} multiboot load_end_addr is below load_addr")
    k = kernel("pasteof.elf", kludge(0x100000, 0x100000, 0x200000, 0))
    bad("kludge_load_past_eof", ["run", "--kernel", k],
        f"kernel {k} multiboot load range runs past the end of the file")
    k = kernel("bss.elf", kludge(0x100000, 0x100000, 0x100800, 0x100400))
    bad("kludge_bss_below_image", ["run", "--kernel", k],
        f"kernel {k} multiboot bss_end_addr is below the loaded image")
    bad("kernel_missing", ["run", "--kernel", TMP + "/nosuch.elf"],
        f"cannot open kernel {TMP}/nosuch.elf: No such file or directory")
    bad("kernel_directory", ["run", "--kernel", TMP], f"kernel {TMP} is not a regular file")
    # Disk images and ROMs.
    d = write("empty.img", b"")
    bad("disk_empty", ["run", "--disk", d], f"disk image {d} is 0 bytes, not a positive multiple of 512")
    d = write("odd.img", bytes(1000))
    bad("disk_odd_size", ["run", "--disk", d], f"disk image {d} is 1000 bytes, not a positive multiple of 512")
    bad("disk_directory", ["run", "--disk", TMP], f"cannot open disk image {TMP}: Is a directory")
    bad("disk_missing", ["run", "--disk", TMP + "/nosuch.img"],
        f"cannot open disk image {TMP}/nosuch.img: No such file or directory")
    d = write("ok.img", boot_sector(bytes.fromhex("f4")))
    bad("disk_three", ["run", "--disk", d, "--disk", d, "--disk", d],
        "at most two --disk images (primary master and slave)")
    r = write("empty.rom", b"")
    bad("rom_empty", ["run", "--bios", r], f"BIOS image {r} is 0 bytes; expected a multiple of 64 KB from 64 KB to 1 MB")
    r = write("big.rom", bytes(3 << 20))
    bad("rom_3mb", ["run", "--bios", r], f"BIOS image {r} is 3145728 bytes; expected a multiple of 64 KB from 64 KB to 1 MB")
    # Numbers: RAM, TLB geometry, the clock.
    bad("mem_1", ["run", "--mem", "1"], "--mem must be from 2 to 3072 MB")
    bad("mem_huge", ["run", "--mem", "99999999999999999999"], "error: Could not convert: --mem = 99999999999999999999 (see xray86 --help)")
    bad("mem_negative", ["run", "--mem", "-1"], "error: Could not convert: --mem = -1 (see xray86 --help)")
    bad("mem_word", ["run", "--mem", "lots"], "error: Could not convert: --mem = lots (see xray86 --help)")
    bad("tlb_wraps", ["run", "--tlb", "1x4294967297"],
        "error: --tlb 1x4294967297: expected SETSxWAYS, e.g. 8x4 (see xray86 --help)")
    bad("tlb_negative", ["run", "--tlb", "-1x4"],
        "error: --tlb -1x4: expected SETSxWAYS, e.g. 8x4 (see xray86 --help)")
    bad("tlb_no_ways", ["run", "--tlb", "8x"],
        "error: --tlb 8x: expected SETSxWAYS, e.g. 8x4 (see xray86 --help)")
    bad("tlb_not_power_of_two", ["run", "--tlb", "3x4"], "error: --tlb 3x4: sets must be a power of two from 1 to 4096 (see xray86 --help)")
    rtc = "expected seconds since 1970 or YYYY-MM-DD[THH:MM:SS]"
    bad("rtc_past_int64", ["run", "--rtc", "99999999999999999999"],
        f"--rtc 99999999999999999999: {rtc}")
    bad("rtc_past_9999", ["run", "--rtc", "253402300800"], f"--rtc 253402300800: {rtc}")
    bad("rtc_negative", ["run", "--rtc", "-5"], f"--rtc -5: {rtc}")
    bad("rtc_before_1970", ["run", "--rtc", "1969-12-31"], f"--rtc 1969-12-31: {rtc}")
    bad("rtc_month_13", ["run", "--rtc", "2024-13-01"], f"--rtc 2024-13-01: {rtc}")
    # Escapes in typed input.
    bad("input_unknown_escape", ["run", "--input", "ls\\q"], "input script: unknown escape \\q")
    bad("input_escape_newline", ["run", "--input", "ls\\\n"],
        "input script: unknown escape: a backslash then byte 0x0a")
    bad("input_short_hex", ["run", "--input", "\\x4"], "input script: \\x needs two hex digits")
    bad("input_trailing_backslash", ["run", "--input", "ls\\"], "input script ends with a lone backslash")
    # The filter language: depth and size limits, so no expression exhausts the stack.
    bad("filter_deep_parens", ["run", "--trace", "pf", "--trace-filter",
                               "(" * 20000 + "write" + ")" * 20000],
        "--trace-filter: column 65: nested deeper than 64 ('not' and '(')")
    bad("filter_deep_not", ["run", "--trace", "pf", "--trace-filter", "!" * 30000 + "write"],
        "--trace-filter: column 65: nested deeper than 64 ('not' and '(')")
    bad("filter_long_chain", ["run", "--trace", "pf", "--trace-filter",
                              " or ".join(["write"] * 5000)],
        "--trace-filter: column 18442: more than 4096 terms and operators")
    # Outputs that cannot be created, options that contradict each other.
    bad("trace_out_no_dir", ["run", "--trace", "pf", "--trace-out", TMP + "/no/such/t.txt"],
        f"--trace-out {TMP}/no/such/t.txt: cannot create: No such file or directory")
    bad("console_file_no_dir", ["run", "--console-file", TMP + "/no/such/c.txt"],
        f"cannot write console file {TMP}/no/such/c.txt: No such file or directory")
    bad("cpu_demo_with_disk", ["run", "--cpu-demo", "--disk", d],
        "error: --cpu-demo runs its own sieve on flat RAM; it boots no --kernel, --disk or "
        "--bios")
    bad("cpu_demo_with_kernel", ["run", "--cpu-demo", "--kernel", d],
        "error: --cpu-demo runs its own sieve on flat RAM; it boots no --kernel, --disk or "
        "--bios")
    bad("input_and_input_file", ["run", "--disk", d, "--input", "x", "--input-file", d],
        "--input and --input-file are exclusive")


def outputs():
    """No silent loss: a full device for the trace, the console file or standard output ends
    the run with status 14 (exit_status::kOutputFailed) and one line saying which."""
    d = write("hlt.img", boot_sector(bytes.fromhex("faf4")))  # cli; hlt: status 6 at once
    check("trace_out_full", ["run", "--disk", d, "--trace", "insn", "--trace-out", "/dev/full",
                             "--quiet"], 14,
          stderr_has=["xray86: error: --trace-out /dev/full: the trace could not be written in "
                      "full: No space left on device\n"])
    check("console_file_full", ["run", "--input", "free\\nfree\\n", "--console-file",
                                "/dev/full", "--quiet", "--exit-when-idle"], 14,
          stderr_has=["xray86: error: console file /dev/full: the console could not be written "
                      "in full: No space left on device\n"])


def sigkill():
    """Disk writes without --snapshot reach the image in sector order: disk_writer.S writes
    sectors 1-2047 with its pass number, pass after pass. Killed (SIGKILL) in its second pass or
    later, the image must read as sectors 1..k of pass p and k+1..2047 of pass p - 1, each sector
    whole: at worst the sector in flight is missing, none is torn or out of order."""
    import shutil
    import signal
    import time
    image = write("writer.img", b"")
    shutil.copyfile(GUEST_KERNEL, image)  # the built image (argument 3 for this group)

    def word(data, lba):
        return int.from_bytes(data[lba * 512:lba * 512 + 2], "little")

    p = subprocess.Popen([XRAY86, "run", "--disk", image, "--quiet"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        with open(image, "rb") as f:
            f.seek(512)
            if int.from_bytes(f.read(2), "little") >= 2:  # the second pass has begun
                break
        time.sleep(0.05)
    time.sleep(0.2)
    p.send_signal(signal.SIGKILL)
    p.wait()
    with open(image, "rb") as f:
        data = f.read()
    problems = []
    if len(data) != 1 << 20:
        problems.append(f"image is {len(data)} bytes")
    words = []
    for lba in range(1, 2048):
        sector = data[lba * 512:(lba + 1) * 512]
        w = word(data, lba)
        if sector != w.to_bytes(2, "little") * 256:
            problems.append(f"sector {lba} is torn")
        words.append(w)
    top = words[0]
    k = next((i for i, w in enumerate(words) if w != top), len(words))
    if top < 2:
        problems.append(f"killed in pass {top}: the run made no progress")
    if any(w != top - 1 for w in words[k:]):
        problems.append(f"sectors out of order: pass {top} up to sector {k}, then {set(words[k:])}")
    if problems:
        failures.append("sigkill: " + "; ".join(problems[:5]))
    else:
        print(f"ok sigkill: killed in pass {top} after sector {k}; every sector whole, in order")


def disk_refused():
    """A disk image the host refuses writes to (a full file system; here the file size limit,
    RLIMIT_FSIZE, of 64 KB, which makes every write at or past byte 65536 fail with EFBIG): the
    guest gets its ATA error, the run goes on to its end (--max-insns: status 4), and then says
    which image, which sector and why, in one line, and exits with status 14. disk_writer.S
    writes sectors 1-2047 in order, so sectors 1-127 hold pass 1 and 128 on are untouched: no
    sector half written."""
    import resource
    import shutil
    import signal
    image = write("refused.img", b"")
    shutil.copyfile(GUEST_KERNEL, image)  # the built writer image (argument 3 for this group)

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the first refusal kills xray86

    # A sector takes about 530 instructions (disk_writer.S: 256 OUTs, each with its LOOP, and
    # the command), so 500,000 reach past sector 128 and stop before the first pass ends.
    p = subprocess.run([XRAY86, "run", "--disk", image, "--quiet", "--max-insns", "500000"],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                       preexec_fn=limit)
    err = p.stderr.decode(errors="replace")
    problems = []
    if p.returncode != 14:
        problems.append(f"status {p.returncode}, expected 14")
    want = f"xray86: error: disk image {image}: writing sector 128 failed: File too large\n"
    if not err.endswith(want):
        problems.append(f"stderr ends {err[-200:]!r}, expected {want!r}")
    with open(image, "rb") as f:
        data = f.read()
    if len(data) != 1 << 20:
        problems.append(f"image is {len(data)} bytes")
    for lba in range(1, 2048):
        sector = data[lba * 512:(lba + 1) * 512]
        expected = b"\x01\x00" * 256 if lba < 128 else bytes(512)
        if sector != expected:
            problems.append(f"sector {lba} is {sector[:4].hex()}..., expected {expected[:4].hex()}...")
            break
    if problems:
        failures.append("disk_refused: " + "; ".join(problems))
    else:
        print("ok disk_refused: status 14, sector 128 named, sectors 1-127 written, none torn")


GROUPS = {"halt": halt, "catalogue": catalogue, "outputs": outputs, "sigkill": sigkill,
          "disk_refused": disk_refused}
GROUPS[GROUP]()
if failures:
    print("\n".join(failures))
    sys.exit(1)
