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
    # The first stop: once the faulting `push eax` at user EIP 0x121 (one byte) has run again and
    # retired: one instruction after the resolve record, which is stamped during it (instruction
    # 3194536 in the plain trace, read here).
    resolve = next(l for l in open(plain).read().splitlines() if " resolve " in l)
    done = int(resolve.split()[1]) + 1
    check("first_stop", stops[0].startswith("xray86: reached --until pf:1 (eip 00000122, "
                                             f"instruction {done}, cycle "), True)
    # The walk of CR2 0x3f50 after the handler: the private copy (PTE 0x03ff5027, the resolve
    # record's), now also dirty from the push: 0x03ff5067.
    check("first_pte", "  PTE[3] at 03ffb00c = 03ff5067  P W U A D" in out, True)
    # The catchpoint: the second fault's record, as the plain run's trace wrote it.
    check("caught", stops[1], "xray86: caught " + faults[1])
    # Its walk: the child's stack page 0x3f5c, still COW.
    check("second_pte", "  PTE[3] at 03ff600c = 03ff8225  P U A COW" in out, True)
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
