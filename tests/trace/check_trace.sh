#!/bin/sh
# One trace test (the name is $1) on tests/trace/paging.S, a kernel whose comment lists the
# events it makes: mapped 0x400000 -> 0x310000, copied 0x320000 -> 0x311000, made writable,
# one stale use then invlpg dropping 1 entry, a fault repeated 3 times. It exits through port
# 0xF4 with 0, so xray86 exits with QEMU's (0<<1)|1 = 1.
# Environment: XRAY86 (the binary), KERNEL (paging.elf), SRC (this folder), OUT (scratch).
set -u
run() { "$XRAY86" run --kernel "$KERNEL" --quiet "$@"; }
fail() { echo "FAIL: $*"; exit 1; }

case "$1" in
golden)
  # The text trace of page faults, flushes and stale uses, byte for byte (colour is off when
  # the output is not a terminal).
  run --trace pf,tlb,stale --trace-out "$OUT/golden.txt"; st=$?
  [ $st -eq 1 ] || fail "exit status $st, expected 1 (the kernel's checks passed)"
  diff -u "$SRC/paging.golden" "$OUT/golden.txt" || fail "trace differs from paging.golden"
  ;;
determinism)
  # The same image and options twice give the same bytes, for every kind of event.
  run --trace all --trace-out "$OUT/a.txt"; run --trace all --trace-out "$OUT/b.txt"
  [ -s "$OUT/a.txt" ] || fail "empty trace"
  cmp "$OUT/a.txt" "$OUT/b.txt" || fail "two runs gave different traces"
  run --trace all --trace-format jsonl --trace-out "$OUT/a.jsonl"
  run --trace all --trace-format jsonl --trace-out "$OUT/b.jsonl"
  cmp "$OUT/a.jsonl" "$OUT/b.jsonl" || fail "two runs gave different JSONL traces"
  ;;
jsonl)
  run --trace pf,tlb,stale --trace-format jsonl --trace-out "$OUT/t.jsonl"
  python3 "$SRC/check_jsonl.py" "$OUT/t.jsonl" || fail "JSONL does not follow docs/trace.md"
  ;;
perfetto)
  run --trace pf,tlb,stale,cr3 --trace-format perfetto --trace-out "$OUT/t.json"
  python3 "$SRC/check_perfetto.py" "$OUT/t.json" || fail "Perfetto file is not as docs/trace.md says"
  ;;
bad_options)
  # Each bad option: exit status 2 and exactly one line on standard error.
  expect2() {
    err=$(run "$@" 2>&1 >/dev/null); st=$?
    [ $st -eq 2 ] || fail "'$*': status $st, expected 2"
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "'$*': not one line: $err"
  }
  expect2 --trace bogus
  expect2 --trace pf --trace-filter 'cr2=zz'
  expect2 --trace pf --trace-format xml
  expect2 --trace pf --trace-out /nonexistent/dir/trace.txt
  expect2 --trace pf --symbols /nonexistent.elf
  expect2 --tlb 3x4
  expect2 --tlb 8by4
  expect2 --tlb 8x0
  ;;
tlb_geometry)
  # --tlb sets the TLB's size: the flushes' "valid=" (entries left) never exceeds it. With the
  # default 8x4 paging.S reaches 10 valid entries (paging.golden); with 1x1 at most 1, with 2x2
  # at most 4; the kernel's own checks pass either way (status 1).
  for g in 1x1:1 2x2:4 8x4:10; do
    geometry=${g%:*} want=${g#*:}
    run --tlb "$geometry" --trace tlb --trace-out "$OUT/tlb-$geometry.txt"; st=$?
    [ $st -eq 1 ] || fail "--tlb $geometry: exit status $st"
    max=$(grep -o 'valid=[0-9]*' "$OUT/tlb-$geometry.txt" | cut -d= -f2 | sort -n | tail -1)
    [ "$max" = "$want" ] || fail "--tlb $geometry: at most $max valid entries, expected $want"
  done
  ;;
*) fail "unknown test $1" ;;
esac
exit 0
