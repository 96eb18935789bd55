#!/usr/bin/env python3
"""`xray86 run --monitor`: the monitor commands on standard input, without gdb.

Usage: monitor_stdin.py XRAY86

The built-in kernel runs to `--until pf:1` (its first page fault resolved); there the monitor
reads `info pg $cr2`, `break pf` and `continue`, which stops at the second page fault, whose
record it prints as the plain run's trace has it; `info pg $cr2` shows that fault's COW PTE, and
`quit` ends the run with status 0. A second run whose standard input ends at the first stop goes
on to the end with the plain run's trace. Exits 1 with what differed.
"""
import os
import re
import subprocess
import sys
import tempfile

xray86 = sys.argv[1]
failures = []


def check(name, got, want):
    if got != want:
        failures.append(f"{name}: got {got!r}, want {want!r}")
    else:
        print(f"ok {name}: {got!r}")


with tempfile.TemporaryDirectory() as tmp:
    plain = os.path.join(tmp, "plain.txt")
    subprocess.run([xray86, "run", "--quiet", "--trace", "pf", "--trace-out", plain],
                   stdout=subprocess.DEVNULL, check=True, timeout=300)
    faults = [l for l in open(plain).read().splitlines() if " pf " in l]
    commands = "info pg $cr2\nbreak pf\ncontinue\ninfo pg $cr2\nquit\n"
    p = subprocess.run([xray86, "run", "--quiet", "--monitor", "--until", "pf:1"],
                       input=commands, capture_output=True, text=True, timeout=300)
    out = p.stdout.splitlines()
    print(p.stdout)
    check("status", p.returncode, 0)
    stops = [l for l in out if l.startswith("xray86: ")]
    # The PTE line `info pg` prints for a record's CR2: the page table is the record's PDE's
    # frame, the entry index CR2 bits 21..12.
    def pte_line(record, value, flags):
        cr2 = int(re.search(r"cr2=0x([0-9a-f]+)", record).group(1), 16)
        table = int(re.search(r"pde=0x([0-9a-f]+)", record).group(1), 16) & ~0xFFF
        index = (cr2 >> 12) & 0x3FF
        return f"  PTE[{index}] at {table + 4 * index:08x} = {value:08x}  {flags}"

    # The first stop: once the faulting one-byte `push eax` (the first pf record's EIP) has run
    # again and retired: one instruction after the resolve record, which is stamped during it
    # (both read from the plain trace).
    resolve = next(l for l in open(plain).read().splitlines() if " resolve " in l)
    done = int(resolve.split()[1]) + 1
    eip = int(faults[0].split()[6], 16) + 1
    check("first_stop", stops[0].startswith(f"xray86: reached --until pf:1 (eip {eip:08x}, "
                                             f"instruction {done}, cycle "), True)
    # The walk of the first fault's CR2 after the handler: the private copy (the resolve
    # record's PTE), now also dirty (0x40) from the push.
    copy = int(re.search(r"pte=0x([0-9a-f]+)", resolve).group(1), 16)
    check("first_pte", pte_line(faults[0], copy | 0x40, "P W U A D") in out, True)
    # The catchpoint: the second fault's record, as the plain run's trace wrote it.
    check("caught", stops[1], "xray86: caught " + faults[1])
    # Its walk: the other process's stack page, still COW, as the second pf record shows it.
    shared = int(re.search(r"pte=0x([0-9a-f]+)", faults[1]).group(1), 16)
    check("second_pte", pte_line(faults[1], shared, "P U A COW") in out, True)
    # `quit` ended the run there: nothing after it, not even the guest's console.
    check("quit", out[-1], "(xray86) quit")
    # Standard input at its end at the first stop: the run goes on to its end, the plain trace.
    traced = os.path.join(tmp, "monitor.txt")
    q = subprocess.run([xray86, "run", "--quiet", "--monitor", "--until", "pf:1", "--trace",
                        "pf", "--trace-out", traced], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, timeout=300)
    check("eof.status", q.returncode, 0)
    check("eof.trace_identical", open(traced).read() == open(plain).read(), True)

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("all checks passed")
