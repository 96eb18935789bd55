#!/usr/bin/env python3
"""Debian's gdb against `xray86 run --gdb PORT -S` on the built-in kernel, in batch mode.

Usage: gdb_session.py XRAY86 KERNEL_ELF

The plain run (`xray86 run --trace pf`) gives the first page fault: CR2, the faulting EIP and
its PTE before and after the handler (its pf and resolve records). Under gdb the same run must
show the same: a catchpoint on the fault (`monitor break pf`) stops at the #PF vector with that
CR2; `reverse-stepi` goes back to the faulting user instruction; `break handlePageFault`,
`monitor info pg $cr2` shows the PTE the trace shows; a watchpoint on that PTE stops at the
handler's store of the new PTE; reverse-continue from there, and again from after the handler
returned with a new watchpoint, lands on that store; after `detach` the run ends as it would
have, with a trace byte for byte the plain run's. Exits 1 with what differed.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

xray86, kernel = sys.argv[1], sys.argv[2]
trap_c = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../guest/kernel/trap.c")
wakeup_line = next(i for i, l in enumerate(open(trap_c), 1) if "wakeup(&ticks);" in l)
failures = []


def check(name, got, want):
    if got != want:
        failures.append(f"{name}: got {got!r}, want {want!r}")
    else:
        print(f"ok {name}: {got!r}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


with tempfile.TemporaryDirectory() as tmp:
    plain, traced = os.path.join(tmp, "plain.txt"), os.path.join(tmp, "gdb.txt")
    subprocess.run([xray86, "run", "--quiet", "--trace", "pf", "--trace-out", plain],
                   stdout=subprocess.DEVNULL, check=True, timeout=300)
    lines = open(plain).read().splitlines()
    fault = next(l for l in lines if " pf " in l)
    resolve = next(l for l in lines if " resolve " in l)
    cr2 = int(re.search(r"cr2=(0x[0-9a-f]+)", fault).group(1), 16)
    eip = int(fault.split()[6], 16)
    pte_before = int(re.search(r"pte=(0x[0-9a-f]+)", fault).group(1), 16)
    pte_after = int(re.search(r"pte=(0x[0-9a-f]+)", resolve).group(1), 16)
    # The built-in kernel's first page fault is the first write to its stack of the child
    # (pid 2) of the shell's first fork, which the scheduler runs before the shell: `push eax`
    # at main+0x1e8 (user EIP 0x1e8) writes 0x3f5c, a COW page (PTE 0x03ff8225: P U A and
    # PTE_COW 0x200), which the handler copies to a new frame (PTE 0x03ff5027: P W U A), as the
    # trace's pf and resolve records of the plain run say. The test reads them from the plain
    # run's trace and checks they are these.
    check("trace.first_fault", (cr2, eip, pte_before, pte_after),
          (0x3F5C, 0x1E8, 0x03FF8225, 0x03FF5027))

    port = free_port()
    script = os.path.join(tmp, "session.gdb")
    with open(script, "w") as f:
        f.write(f"""set pagination off
set confirm off
file {kernel}
target remote :{port}
printf "START eip=%#x\\n", $eip
monitor break pf
continue
printf "CAUGHT eip=%#x cr2=%#x cs=%#x\\n", $eip, $cr2, $cs
reverse-stepi
printf "REVERSED eip=%#x cs=%#x\\n", $eip, $cs
monitor delete
stepi
printf "FORWARD eip=%#x\\n", $eip
break handlePageFault
continue
printf "HANDLER eip=%#x cr2=%#x\\n", $eip, $cr2
monitor info pg $cr2
monitor phys 0x3ff600c 4
monitor info frames 0x3ff8
monitor info mem
monitor info faults
set $pde = *(unsigned *)(0x80000000 + ($cr3 & ~0xfff) + (($cr2 >> 22) * 4))
set $pte = (unsigned *)(0x80000000 + ($pde & ~0xfff) + ((($cr2 >> 12) & 0x3ff) * 4))
printf "PTE at=%#x value=%#x\\n", $pte, *$pte
watch -l *$pte
continue
printf "WATCHED value=%#x eip=%#x\\n", *$pte, $pc
info symbol $pc
reverse-continue
printf "REVWATCH value=%#x eip=%#x\\n", *$pte, $pc
stepi
printf "REWRITTEN value=%#x eip=%#x\\n", *$pte, $pc
delete
finish
printf "LATER eip=%#x\\n", $pc
watch -l *$pte
reverse-continue
printf "WRITER value=%#x eip=%#x\\n", *$pte, $pc
delete
rwatch ticks
continue
printf "RWATCH ticks=%d\\n", ticks
info line *$pc
delete
monitor info tlb
detach
""")
    server = subprocess.Popen(
        [xray86, "run", "--gdb", str(port), "-S", "--quiet", "--trace", "pf", "--trace-out",
         traced], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # Wait for the listening socket (the first line on standard error says so).
    ready = server.stderr.readline()
    check("server.listening", ready.strip(),
          f"xray86: gdb can attach: target remote :{port} (waiting for it)")
    try:
        # gdb writes the monitor's output on standard error: both, in order.
        out = subprocess.run(["gdb", "-batch", "-nx", "-x", script], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, timeout=300).stdout
        status = server.wait(timeout=300)
    except subprocess.TimeoutExpired:
        server.kill()
        print("FAIL: gdb or xray86 did not finish in 300 s")
        sys.exit(1)
    print(out)

    def field(tag, name):
        m = re.search(rf"^{tag} .*\b{name}=(0x[0-9a-f]+|0)\b", out, re.M)
        return int(m.group(1), 16) if m else None

    # -S: stopped before the first instruction, at the multiboot entry (the ELF's e_entry).
    check("start.eip", field("START", "eip"), 0x10000C)
    # The catchpoint stops at the first instruction of the #PF vector, in the kernel (CS 0x08),
    # with CR2 the trace's.
    vector14 = int(subprocess.run(["nm", kernel], capture_output=True, text=True).stdout
                   .split(" T vector14")[0].split("\n")[-1], 16)
    check("caught.eip", field("CAUGHT", "eip"), vector14)
    check("caught.cr2", field("CAUGHT", "cr2"), cr2)
    check("caught.cs", field("CAUGHT", "cs"), 0x08)
    # One instruction back: the faulting user instruction, not yet run (user CS 0x1b).
    check("reversed.eip", field("REVERSED", "eip"), eip)
    check("reversed.cs", field("REVERSED", "cs"), 0x1B)
    # And forward again: it faults again, the same way, into the vector.
    check("forward.eip", field("FORWARD", "eip"), vector14)
    handler = int(subprocess.run(["nm", kernel], capture_output=True, text=True).stdout
                  .split(" T handlePageFault")[0].split("\n")[-1], 16)
    check("handler.eip", field("HANDLER", "eip"), handler)
    check("handler.cr2", field("HANDLER", "cr2"), cr2)
    # info pg: the PTE word as the trace's pf record shows it, with its COW bit named.
    check("info_pg.pte", bool(re.search(rf"PTE\[3\] at [0-9a-f]{{8}} = {pte_before:08x}  P U A COW",
                                        out)), True)
    check("pte.value", field("PTE", "value"), pte_before)
    # The same word read physically at the PTE's address that info pg printed, little-endian.
    check("phys", "03ff600c: 25 82 ff 03" in out, True)
    # The frame behind 0x3000 is shared by the shell and the child its fork made: two user
    # mappings, both COW; the shell's has no A bit (copyuvm cleared it and the shell has not
    # run since), and the kernel's own mapping of all RAM (the kernel half, at 0x80000000 + the
    # frame) is there too. Both address spaces map the shell's code, so both are named sh.
    check("info_frames", [l.strip() for l in out.splitlines() if l.startswith(("frame 03ff8",
                                                                                "  CR3 "))],
          ["frame 03ff8 (physical 03ff8000): 2 user mappings",
           "CR3 03ff7000 (sh): 00003000 entry 03ff8225 P U A COW",
           "CR3 03ff7000 (sh): 83ff8000 entry 03ff8063 P W A D (kernel half)",
           "CR3 03ffd000 (sh): 00003000 entry 03ff8205 P U COW"])
    # info mem: the faulting page is a user read-only COW page of the shell.
    check("info_mem", "00003000-00004000 00001000 ur- cow" in out, True)
    # info faults: the fault being handled, as the trace wrote it.
    check("info_faults", "cr2=0x00003f5c protection|write|user pde=0x03ff6027 [P W U A] "
          "pte=0x03ff8225 [P U A COW] repeat=1" in out, True)
    # The watchpoint stops after the handler's store of the new PTE: the resolve record's.
    check("watched.value", field("WATCHED", "value"), pte_after)
    check("watched.where", bool(re.search(r"^handlePageFault \+ \d+ in section \.text", out,
                                          re.M)), True)
    # reverse-continue from just after the store crosses it backward: the watchpoint stops
    # before the store (the PTE as the pf record shows it), and one stepi writes it again and
    # comes back where the watchpoint had stopped.
    watched_eip = field("WATCHED", "eip")
    check("revwatch.value", field("REVWATCH", "value"), pte_before)
    check("rewritten.value", field("REWRITTEN", "value"), pte_after)
    check("rewritten.eip", field("REWRITTEN", "eip"), watched_eip)
    # Later (handlePageFault has returned), a new watchpoint on the PTE and reverse-continue:
    # the last write before here is that store, and it lands on it again.
    check("later.left_handler", field("LATER", "eip") != watched_eip, True)
    check("writer.value", field("WRITER", "value"), pte_before)
    check("writer.eip", field("WRITER", "eip"), field("REVWATCH", "eip"))
    # A read watchpoint (Z3, the CPU's data watch): the next read of `ticks` is the timer
    # interrupt's `ticks++` in trap(), and gdb stops after it, on the next line: the kernel
    # source's `wakeup(&ticks);` (its line number read from guest/kernel/trap.c).
    check("rwatch.kind", bool(re.search(r"^Hardware read watchpoint \d+: ticks\n\nValue = \d+",
                                        out, re.M)), True)
    check("rwatch.where", bool(re.search(rf'^Line {wakeup_line} of "\./guest/kernel/trap\.c"',
                                         out, re.M)), True)
    check("info_tlb", bool(re.search(r"^TLB: 8 sets x 4 ways, \d+ valid", out, re.M)), True)
    check("detached", "[Inferior 1 (Remote target) detached]" in out, True)
    # Detached: the run went on to its end (the shell's exit, status 0) with the plain trace.
    check("run.status", status, 0)
    check("trace.identical", open(traced).read() == open(plain).read(), True)

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("all checks passed")
