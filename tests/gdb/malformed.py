#!/usr/bin/env python3
"""Malformed packets on the socket never crash or hang `xray86 run --gdb PORT -S`.

Usage: malformed.py XRAY86

Sends line noise, bad checksums, a packet cut short, a packet longer than the stub takes,
binary junk and packets with bad arguments, each followed by a good `?` whose answer must come
back; a Ctrl-C (0x03) stops a running guest; then 3000 packets mutated from valid ones (a seeded
generator) must each be answered, and `?` and `g` still answered right; a detach, and gdb
attaches again to the running guest; then `k` ends the run, which must exit with status 0 within
the timeout.
"""
import random
import socket
import subprocess
import sys
import time

xray86 = sys.argv[1]
failures = []


def frame(data: bytes) -> bytes:
    return b"$" + data + b"#" + b"%02x" % (sum(data) & 0xFF)


pending = b""


def read_packet(s) -> bytes:
    """The next packet's data (acks skipped); raises on a timeout."""
    global pending
    while True:
        start = pending.find(b"$")
        end = pending.find(b"#", start + 1)
        if start >= 0 and end >= 0 and len(pending) >= end + 3:
            data = pending[start + 1:end]
            pending = pending[end + 3:]
            return data
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        pending += chunk


def answer(s) -> bytes:
    """The reply to a packet, past the console output (O packets) a monitor command sends
    before its OK."""
    reply = read_packet(s)
    while reply.startswith(b"O") and reply != b"OK":
        reply = read_packet(s)
    return reply


with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
# `run=compute 16` runs for seconds (1.57 G instructions), so the guest is still running when the
# Ctrl-C below comes 0.5 s after `c`; the default demo can end before it.
server = subprocess.Popen([xray86, "run", "--gdb", str(port), "-S", "--quiet",
                           "--cmdline", "run=compute 16"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
server.stderr.readline()  # "xray86: gdb can attach ..."
s = socket.create_connection(("127.0.0.1", port), timeout=20)
rng = random.Random(15)
cases = {
    "noise": b"hello world\r\n",
    "bad_checksum": b"$g#00",
    "checksum_not_hex": b"$g#zz",
    "cut_short_then_good": b"$qSupp",  # the rest never comes: the next "$" starts over
    "too_long": b"$" + b"a" * 20000,
    "binary": bytes(rng.randrange(256) for _ in range(3000)).replace(b"$", b"").replace(b"\x03", b""),
    "bad_memory": frame(b"mzzzz,4"),
    "huge_read": frame(b"m0,ffffffff"),
    "bad_register": frame(b"p9999"),
    "bad_write": frame(b"M0,4:zz"),
    "bad_breakpoint": frame(b"Z0"),
    "bad_monitor": frame(b"qRcmd,zz"),
    "unknown": frame(b"vFooBar"),
}
for name, junk in cases.items():
    s.sendall(junk)
    s.sendall(frame(b"?"))
    try:
        # Replies to the junk packets come first (E01, empty, ...), then the stop reply.
        reply = read_packet(s)
        while not reply.startswith(b"S05"):
            reply = read_packet(s)
        print(f"ok {name}")
    except (socket.timeout, EOFError) as e:
        failures.append(f"{name}: no answer to ? after it ({e})")
        break
# Ctrl-C: `c` runs the guest; a 0x03 byte stops it, and the stop reply says SIGINT (T02).
s.sendall(frame(b"c"))
time.sleep(0.5)
s.sendall(b"\x03")
try:
    reply = read_packet(s)
    if not reply.startswith(b"T02"):
        failures.append(f"ctrl_c: stop reply {reply!r}, want T02...")
    else:
        print("ok ctrl_c")
except (socket.timeout, EOFError) as e:
    failures.append(f"ctrl_c: no stop reply ({e})")
# Fuzzing: packets mutated from valid ones (seeded, so every run sends the same bytes), each
# with a right checksum so that it reaches the stub's handler, which must answer each with
# exactly one packet. Packets that would run, reverse, detach or end the guest (c C s S b k D
# v..., and } which escapes the next byte) and Q (no-ack mode) are left out: the guest stays
# stopped where Ctrl-C left it.
seeds = [b"g", b"p8", b"p2a", b"P0=01000000", b"m100000,10", b"m0,4", b"M200000,2:9090",
         b"Z0,100000,1", b"z0,100000,1", b"Z1,100010,1", b"Z2,80000000,4", b"z2,80000000,4",
         b"qSupported:multiprocess+;swbreak+", b"qXfer:features:read:target.xml:0,fff",
         b"qC", b"qAttached", b"qfThreadInfo", b"?", b"Hg0", b"T1"]
for text in [b"info tlb", b"info pg 0x1000", b"info pg 0 0x80100000", b"info mem",
             b"phys 0 16", b"info frames 3", b"info faults", b"break", b"help", b"trace off"]:
    seeds.append(b"qRcmd," + text.hex().encode())
fuzz = random.Random(1515)
alphabet = b"0123456789abcdefABCDEFxyz,:;=.-+ qQmMgGpPZz}*\x00\xff"
sent = 0
for n in range(3000):
    data = bytearray(fuzz.choice(seeds))
    for _ in range(fuzz.randint(1, 4)):
        op = fuzz.randrange(5)
        at = fuzz.randrange(len(data) + 1)
        if op == 0 and data:
            data[min(at, len(data) - 1)] = fuzz.choice(alphabet)
        elif op == 1:
            data.insert(at, fuzz.choice(alphabet))
        elif op == 2 and len(data) > 1:
            del data[min(at, len(data) - 1)]
        elif op == 3:
            data = data[:at]
        else:
            data += bytes(fuzz.choice(alphabet) for _ in range(fuzz.randint(1, 40)))
    # No "$", "#" or 0x03 inside, and no "}" (escape) or "*" (run length) at the end, where
    # they would take the "#" that ends the packet: each packet is one whole packet.
    data = bytes(data).replace(b"$", b"").replace(b"#", b"").replace(b"\x03", b"").rstrip(b"}*")
    if not data or data[:1] in b"cCsSbkDvQ}":  # "}d" is an escaped "D", a detach
        continue
    s.sendall(frame(data))
    sent += 1
    try:
        answer(s)
    except (socket.timeout, EOFError) as e:
        failures.append(f"fuzz: no answer to packet {n} {data!r} ({e})")
        break
# Still answering, stopped where it was: `?` gives the Ctrl-C stop again, `g` all registers
# (the target description's 16 general and segment registers of 4 bytes, 8 x87 registers of
# 10 bytes, 8 x87 control registers of 4, and CR0, CR2, CR3, CR4: 192 bytes, 384 hex digits).
try:
    s.sendall(frame(b"?"))
    reply = answer(s)
    if not reply.startswith(b"T02"):
        failures.append(f"fuzz: ? answered {reply!r} after the fuzzing, want T02...")
    s.sendall(frame(b"g"))
    reply = answer(s)
    if len(reply) != 384:
        failures.append(f"fuzz: g answered {len(reply)} hex digits, want 384")
    elif not failures:
        print(f"ok fuzz: {sent} mutated packets answered, then ? and g")
except (socket.timeout, EOFError) as e:
    failures.append(f"fuzz: no answer after the fuzzing ({e})")
# Detach, then attach again while the guest runs (compute 16 has seconds left): the new
# connection finds the guest stopped where it is (S05) and reads its registers.
s.sendall(frame(b"D"))
try:
    reply = answer(s)
    s.close()
    if reply != b"OK":
        failures.append(f"detach: answered {reply!r}, want OK")
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    pending = b""
    s.sendall(frame(b"?"))
    reply = answer(s)
    s.sendall(frame(b"g"))
    regs = answer(s)
    if not reply.startswith(b"S05") or len(regs) != 384:
        failures.append(f"attach again: ? answered {reply!r}, g {len(regs)} hex digits")
    else:
        print("ok attach_again: stopped where it was, 384 hex digits of registers")
except (socket.timeout, EOFError, OSError) as e:
    failures.append(f"attach again: {e}")
s.sendall(frame(b"k"))
s.close()
try:
    status = server.wait(timeout=60)
    if status != 0:
        failures.append(f"exit status {status}")
except subprocess.TimeoutExpired:
    server.kill()
    failures.append("xray86 did not end after k")
if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("all malformed packets answered; the run ended at k")
