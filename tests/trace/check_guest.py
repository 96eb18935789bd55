"""Checks traces of the built-in guest against what its programs printed (check_guest.sh)."""
import json
import re
import sys

what, trace, console = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
printed = [int(n) for n in re.findall(r"free pages: (\d+)", console)]

if what == "syscalls":
    records = [json.loads(line) for line in open(trace)]
    # Every call is named from the kernel's syscalls table.
    calls = [r for r in records if r["kind"] == "sys"]
    assert calls and all("name" in r for r in calls), calls[:3]
    # A return closes the last open call of its address space (asid), with the same number; two
    # returns have no call of their own there: a fork's child returns from its parent's fork
    # (result 0) on its first return to user mode, and a successful exec returns into the new
    # address space (the same pid) where the new program starts.
    open_calls = {}
    children = execs = 0
    for r in records:
        assert r["asid"] > 0, r
        if r["kind"] == "sys":
            open_calls[r["asid"]] = r
        elif r["kind"] == "sysret":
            call = open_calls.pop(r["asid"], None)
            if call is None and r["name"] == "fork":
                assert r["result"] == 0 and r["parent"] > 0, r
                children += 1
                continue
            if call is None and r["name"] == "exec":
                old = [a for a, c in open_calls.items() if c["name"] == "exec" and c["pid"] == r["pid"]]
                assert len(old) == 1, (r, open_calls)
                call = open_calls.pop(old[0])
                execs += 1
            assert call is not None and call["eax"] == r["eax"], r
            assert call["cycle"] < r["cycle"]
    # The shell forks once for `free` (a child that execs it); the calls that do not come back
    # are the exits: free's and the shell's.
    assert (children, execs) == (1, 1), (children, execs)
    returned = sum(1 for r in records if r["kind"] == "sysret") - children
    gone = [r["name"] for r in calls if r["name"] == "exit"]
    assert len(calls) - returned == 2 == len(gone), (len(calls), returned, gone)
    results = [r["result"] for r in records if r["kind"] == "sysret" and r["name"] == "getNumFreePages"]
    assert printed and results == printed, (results, printed)
elif what == "perfetto":
    events = json.load(open(trace))["traceEvents"]
    samples = [e["args"]["free"] for e in events if e["ph"] == "C" and e["name"] == "free frames"]
    # forkstorm also asks twice (before and after its storm): 4 samples, the 1st and 4th are the
    # ones `free` printed.
    assert len(samples) == 4 and [samples[0], samples[3]] == printed, (samples, printed)
    names = [e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"]
    for program in ("sh", "free", "forkstorm"):
        assert any(n.endswith("(" + program + ")") or ("(" + program + ",") in n or (", " + program) in n
                   for n in names), (program, names)
    # Slices: every B has its E on the same track, in order.
    depth = {}
    for e in events:
        if e["ph"] == "B":
            assert depth.get(e["tid"], 0) == 0, e
            depth[e["tid"]] = 1
        elif e["ph"] == "E":
            assert depth.get(e["tid"], 0) == 1, e
            depth[e["tid"]] = 0
else:
    raise SystemExit("unknown check " + what)
