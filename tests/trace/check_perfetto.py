"""Checks the Perfetto (Chrome trace-event JSON) file of tests/trace/paging.S."""
import json
import sys

doc = json.load(open(sys.argv[1]))
events = doc["traceEvents"]
for e in events:
    assert "ph" in e and "pid" in e and "name" in e, e
    if e["ph"] in ("i", "C", "B", "E"):
        assert isinstance(e["ts"], (int, float)), e
# paging.S runs in one address space (CR3 0x300000): one named track for it.
tracks = [e for e in events if e["ph"] == "M" and e["name"] == "thread_name"]
assert [t["args"]["name"] for t in tracks] == ["cr3 0x00300000"], tracks
instants = [e for e in events if e["ph"] == "i"]
assert sum(1 for e in instants if e["args"]["kind"] == "pf") == 6, instants
assert any(e["ph"] == "C" and e["name"] == "TLB entries" for e in events)
# Guest time only: ts never goes backwards.
ts = [e["ts"] for e in events if "ts" in e]
assert ts == sorted(ts), "timestamps go backwards"
