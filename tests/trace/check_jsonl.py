"""Checks a JSON-lines trace of tests/trace/paging.S against the schema in docs/trace.md."""
import json
import sys

COMMON = {"cycle": int, "insns": int, "cpl": int, "cr3": int, "asid": int, "parent": int,
          "eip": int, "bytes": str, "asm": str, "kind": str}
BY_KIND = {
    "pf": ["cr2", "error", "error_text", "access", "pde", "pde_flags", "repeat"],
    "resolve": ["cr2", "fault_cycle", "fault_eip", "resolution", "pte_before", "pte", "frame"],
    "tlb": ["flush", "dropped", "valid"],
    "stale": ["addr", "access", "word_addr", "tlb_pte", "memory_pte", "frame"],
}

events = [json.loads(line) for line in open(sys.argv[1])]
for e in events:
    for key, typ in COMMON.items():
        assert isinstance(e.get(key), typ), f"{key} missing or not {typ.__name__}: {e}"
    assert e["kind"] in BY_KIND, f"unexpected kind: {e}"
    for key in BY_KIND[e["kind"]]:
        assert key in e, f"{e['kind']} without {key}: {e}"
    if e["kind"] == "pf":
        assert e["error_text"].count("|") == 2, e
    # paging.S has one address space, loaded once before any of these events, no process table
    # (no pid) and no fork (no parent).
    assert "pid" in e and e["pid"] is None, e
    assert (e["asid"], e["parent"]) == (1, 0), e
# paging.S: 5 test faults on 0x400000, 0x401004, 0x402000 and 0x404000 three times (the handler
# ignores the first two), each resolved once (4 resolutions), one stale use at 0x403000.
kinds = [e["kind"] for e in events]
assert kinds.count("pf") == 6, kinds
assert kinds.count("resolve") == 4, kinds
assert kinds.count("stale") == 1, kinds
resolutions = [e["resolution"] for e in events if e["kind"] == "resolve"]
assert resolutions == ["mapped", "copied", "made-writable", "mapped"], resolutions
copy = [e for e in events if e["kind"] == "resolve"][1]
assert (copy["frame_before"], copy["frame"]) == (0x320000, 0x311000), copy
assert [e["repeat"] for e in events if e["kind"] == "pf"][-3:] == [1, 2, 3]
