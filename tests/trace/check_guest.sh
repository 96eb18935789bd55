#!/bin/sh
# Trace tests on the built-in guest (`xray86 run` with no image): what the tracer learns from the
# kernel's symbols and the programs of its archive. The name of the test is $1.
# Environment: XRAY86 (the binary), SRC (this folder), OUT (scratch).
set -u
fail() { echo "FAIL: $*"; exit 1; }

case "$1" in
syscalls)
  # `free` makes one getNumFreePages call and prints its result: the trace's sysret for that
  # call must carry the same number the guest printed.
  "$XRAY86" run --quiet --input 'free\nexit\n' --trace sys --trace-format jsonl --trace-out "$OUT/sys.jsonl" \
    > "$OUT/sys.console" || fail "run failed"
  python3 "$SRC/check_guest.py" syscalls "$OUT/sys.jsonl" "$OUT/sys.console" || fail "system calls"
  ;;
perfetto)
  # Two `free` calls around a fork storm: two "free frames" counter samples, the numbers `free`
  # printed; tracks named by the programs that ran in them.
  "$XRAY86" run --quiet --input 'free\nforkstorm 2 2\nfree\nexit\n' --trace sys,pf --trace-format perfetto \
    --trace-out "$OUT/guest.json" > "$OUT/guest.console" || fail "run failed"
  python3 "$SRC/check_guest.py" perfetto "$OUT/guest.json" "$OUT/guest.console" || fail "Perfetto"
  ;;
summary)
  # The demo's run summary names address spaces by program. cowtest makes by far the most
  # faults (its big-fork check copies hundreds of pages), so its space is listed first; the
  # correct kernel repeats no fault; cowtest's text-readonly and cow-oom checks each have a child
  # killed on a write fault: 2 killed.
  "$XRAY86" run --quiet --stats > /dev/null 2> "$OUT/summary.txt" || fail "run failed"
  first=$(grep -m1 '^    in cr3 ' "$OUT/summary.txt")
  case "$first" in *"(cowtest)") ;; *) fail "first address space not cowtest's: $first" ;; esac
  grep -q '^    in cr3 .*(forkstorm)$' "$OUT/summary.txt" || fail "no forkstorm address space"
  grep -q '^  repeat faults  *0$' "$OUT/summary.txt" || fail "repeat faults under the correct kernel"
  grep -q '^  fault resolutions .* killed 2$' "$OUT/summary.txt" || fail "expected 2 killed"
  ;;
killed)
  # writetext writes its own code page: the correct kernel kills it. The fault's resolution is
  # "killed", and the text line says so without the freed tables' words.
  "$XRAY86" run --quiet --input 'writetext\nexit\n' --trace pf --trace-out "$OUT/killed.txt" > /dev/null || fail "run failed"
  n=$(grep -c ' resolve .* killed (the instruction never completed)$' "$OUT/killed.txt")
  [ "$n" -eq 1 ] || fail "$n killed resolutions, expected 1"
  ;;
stale)
  # One definition of a stale use: without its flush after fork the kernel uses stale entries;
  # the summary's count is the number of `stale` lines, and more than none.
  "$XRAY86" run --quiet --cmdline 'cow_flush=none run=cowtest' --trace stale --trace-out "$OUT/stale.txt" \
    --stats > "$OUT/stale.console" 2> "$OUT/stale.summary"
  grep -q '^FAIL isolation' "$OUT/stale.console" || fail "cowtest should fail its isolation check"
  n=$(grep -c ' stale   ' "$OUT/stale.txt")
  [ "$n" -gt 0 ] || fail "no stale line"
  grep -q "^  stale TLB uses  *$n\$" "$OUT/stale.summary" || fail "summary disagrees with $n stale lines"
  ;;
stats_determinism)
  # Four processes (their host memory laid out differently: address-space randomisation, and a
  # different malloc padding) run the same scenario: every counter of the summary is the same;
  # only the host speed line may differ. (A decoded-block cache indexed by host addresses once
  # made the TLB hit count differ by a few in about half the runs.)
  for i in 1 2 3 4; do
    MALLOC_TOP_PAD_=$((i * 151552)) "$XRAY86" run --quiet --input 'cowfork 8 3 1\nexit\n' --stats \
      > /dev/null 2> "$OUT/stats$i.txt" || fail "run $i failed"
    grep -v '^  host speed ' "$OUT/stats$i.txt" > "$OUT/stats$i.cmp"
  done
  grep -q '^  TLB .* hits' "$OUT/stats1.cmp" || fail "no TLB line"
  for i in 2 3 4; do
    diff "$OUT/stats1.cmp" "$OUT/stats$i.cmp" || fail "runs 1 and $i counted differently"
  done
  # And the trace of the default demo, byte for byte.
  for i in 1 2; do
    MALLOC_TOP_PAD_=$((i * 151552)) "$XRAY86" run --quiet --trace pf,tlb,cr3,sys --trace-format jsonl \
      --trace-out "$OUT/demo$i.jsonl" > /dev/null || fail "demo run $i failed"
  done
  cmp "$OUT/demo1.jsonl" "$OUT/demo2.jsonl" || fail "two runs of the demo gave different traces"
  ;;
exact_run)
  # Speed work must not change a run: two long runs (the default demo, 19.4 million
  # instructions: cowtest's forks and copies, free, forkstorm 8 4; and forkstorm 300 8, 19.7
  # million instructions of REP MOVSD page copies, faults and CR3 loads) give the summary lines
  # and the trace (every page fault, TLB miss and flush, CR3 write, system call and interrupt:
  # kinds, cycles, instruction counts, addresses) that they gave before the interpreter's fast
  # paths were changed. The expected values (exact_run.expected) were recorded with this same
  # function from a build whose interpreter checks the cycle deadline before every instruction
  # (so timer interrupts land where the one-instruction-at-a-time path puts them); a change that
  # alters the guest or the trace's format must regenerate them from a build whose CPU is
  # unchanged. They were last regenerated when the guest kernel learned to start several CPUs
  # (this CPU and its interpreter unchanged); the TLB hit counts since, when building a decoded
  # block stopped counting a TLB hit of its own (the instruction fetches count theirs as before;
  # the trace and every other line unchanged).
  fingerprint() {  # NAME ARGS...: the run's summary lines and its trace's SHA-256
    name=$1
    shift
    "$XRAY86" run --quiet --stats --trace pf,tlb,cr3,sys,int --trace-format jsonl \
      --trace-out "$OUT/exact_$name.jsonl" "$@" > /dev/null 2> "$OUT/exact_$name.summary" \
      || fail "run $name failed"
    grep -E '^  (instructions|cycles|TLB|TLB flushes|page faults|stale TLB uses|repeat faults|fault resolutions|exceptions|interrupts|system calls) ' \
      "$OUT/exact_$name.summary" | sed "s/^/$name:/"
    echo "$name: trace sha256 $(sha256sum < "$OUT/exact_$name.jsonl" | cut -d' ' -f1)"
    rm -f "$OUT/exact_$name.jsonl"
  }
  { fingerprint demo; fingerprint forkstorm --cmdline 'run=forkstorm 300 8'; } > "$OUT/exact_run.txt"
  diff "$SRC/exact_run.expected" "$OUT/exact_run.txt" || fail "the runs differ from before (diff above)"
  ;;
same_with_insn)
  # Tracing every instruction sends the run through the one-instruction-at-a-time path; timer
  # interrupts must still land on the same instructions, so the page faults (cycle, instruction
  # count, address, resolution) are the same lines with and without `insn` in the trace. 4
  # million instructions reach the first of cowtest's forks and its 44 faults.
  "$XRAY86" run --quiet --max-insns 4000000 --trace pf --trace-out "$OUT/plain.txt" > /dev/null 2>&1
  "$XRAY86" run --quiet --max-insns 4000000 --trace pf,insn --trace-filter 'kind=pf or kind=resolve' \
    --trace-out "$OUT/stepped.txt" > /dev/null 2>&1
  n=$(grep -c ' pf  ' "$OUT/plain.txt")
  [ "$n" -eq 44 ] || fail "$n page faults in the first 4 million instructions, expected 44"
  cmp "$OUT/plain.txt" "$OUT/stepped.txt" || fail "tracing instructions moved the page faults"
  ;;
*) fail "unknown test $1" ;;
esac
exit 0
