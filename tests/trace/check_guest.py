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
    # A return closes the last open call of its address space, with the same number.
    open_calls = {}
    for r in records:
        if r["kind"] == "sys":
            open_calls[r["cr3"]] = r
        elif r["kind"] == "sysret":
            call = open_calls.pop(r["cr3"], None)
            assert call is not None and call["eax"] == r["eax"], r
            assert call["cycle"] < r["cycle"]
    # The calls that do not come back: exit, and exec when it succeeds (it returns into the new
    # program). The shell runs `free` (1 exec, 1 exit) and then exits itself (1 exit).
    returned = sum(1 for r in records if r["kind"] == "sysret")
    gone = [r["name"] for r in calls if r["name"] in ("exit", "exec")]
    assert len(calls) - returned == 3 == len(gone), (len(calls), returned, gone)
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
