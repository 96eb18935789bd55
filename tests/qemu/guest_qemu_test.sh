#!/usr/bin/env bash
# Boots the guest on qemu-system-i386 once and checks its console and exit status.
#
#   guest_qemu_test.sh [--kernel ELF --archive IMG --append CMDLINE | --disk IMG]
#                      [--input TEXT] [--timeout SECONDS] --exit CODE
#                      [--expect REGEX]... [--expect-count REGEX N]... [--forbid REGEX]...
#                      [--page-faults N] [--smp N] [--xray86 RUNNER | --compare RUNNER]
#
# --exit is QEMU's exit code: the guest powers off by ACPI (port 0x604) when its
# status s is 0, and QEMU exits 0; otherwise through isa-debug-exit at 0xF4, and
# QEMU exits with ((s << 1) | 1) & 0xFF; a kernel panic writes 0x7E (253). --expect needs a console line matching the extended regex
# (anchored at both ends), --expect-count exactly N such lines, --forbid none.
# --input is fed to the guest's serial port (printf escapes allowed).
# --page-faults runs QEMU with -d int and needs exactly N page faults (v=0e) in its log.
# --smp N gives QEMU N processors, one per socket (-smp N,sockets=N): SeaBIOS's MP
# table lists one processor per socket, and QEMU 7.2's plain -smp N makes N cores of
# one socket, which the MP table shows as a single processor. With --xray86 or --compare, the
# runner gets --smp N too (N processors, schedule seed 0).
# --xray86 runs the multiboot guest on xray86 instead (RUNNER is guest_on_xray86)
# with the same checks; --compare runs it on both and also needs the two
# consoles and exit statuses to be identical, line for line.
set -uo pipefail

kernel="" archive="" append="" disk="" input="" timeout_s=60 want_exit="" want_pf=""
xray86="" compare="" smp=""
expects=() forbids=() counts=()
while (($#)); do
  case "$1" in
    --kernel) kernel=$2; shift 2 ;;
    --archive) archive=$2; shift 2 ;;
    --append) append=$2; shift 2 ;;
    --disk) disk=$2; shift 2 ;;
    --input) input=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --exit) want_exit=$2; shift 2 ;;
    --expect) expects+=("$2"); shift 2 ;;
    --expect-count) counts+=("$2" "$3"); shift 3 ;;
    --forbid) forbids+=("$2"); shift 2 ;;
    --page-faults) want_pf=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --xray86) xray86=$2; shift 2 ;;
    --compare) compare=$2; shift 2 ;;
    *) echo "guest_qemu_test: unknown argument $1"; exit 2 ;;
  esac
done
if [[ -z $want_exit ]]; then echo "guest_qemu_test: --exit is required"; exit 2; fi

qemu=(qemu-system-i386 -machine pc -accel tcg -m 256 -display none -serial stdio
      -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot -monitor none)
if [[ -n $smp ]]; then
  qemu+=(-smp "$smp,sockets=$smp")
fi
if [[ -n $disk ]]; then
  qemu+=(-drive "file=$disk,format=raw,if=ide,index=0,snapshot=on")
else
  qemu+=(-kernel "$kernel" -append "$append" -initrd "$archive")
fi

log=$(mktemp)
intlog=$(mktemp)
trap 'rm -f "$log" "$intlog"' EXIT
if [[ -n $want_pf ]]; then
  qemu+=(-d int -D "$intlog")
fi
# QEMU's serial console may turn \n into \r\n; strip the \r before matching.
xray86_args=("$kernel" "$archive" "$append")
if [[ -n $disk ]]; then
  xray86_args=(--disk "$disk")
fi
if [[ -n $smp ]]; then
  xray86_args=(--smp "$smp" "${xray86_args[@]}")
fi
if [[ -n $xray86 ]]; then
  runner=("$xray86" "${xray86_args[@]}")
  want_pf=""  # QEMU's interrupt log only
else
  runner=("${qemu[@]}")
fi
printf "$input" | timeout "$timeout_s" "${runner[@]}" 2>&1 | tr -d '\r' >"$log"
status=${PIPESTATUS[1]}

echo "--- console (${runner[*]})"
cat "$log"
echo "--- checks"
fail=0
if [[ -n $compare ]]; then
  xlog=$(mktemp)
  printf "$input" | timeout "$timeout_s" "$compare" "${xray86_args[@]}" 2>&1 | tr -d '\r' >"$xlog"
  xstatus=${PIPESTATUS[1]}
  if ! diff -u --label qemu --label xray86 "$log" "$xlog"; then
    echo "FAILED: the consoles of QEMU and xray86 differ (diff above)"
    fail=1
  fi
  if [[ $xstatus != "$status" ]]; then
    echo "FAILED: exit status $status on QEMU, $xstatus on xray86"
    fail=1
  fi
  rm -f "$xlog"
fi
if [[ $status == 124 ]]; then
  echo "FAILED: QEMU did not stop within ${timeout_s}s"
  fail=1
elif [[ $status != "$want_exit" ]]; then
  echo "FAILED: QEMU exit status $status, want $want_exit"
  fail=1
fi
for re in "${expects[@]}"; do
  if ! grep -Eqx -- "$re" "$log"; then
    echo "FAILED: no line matches: $re"
    fail=1
  fi
done
for ((i = 0; i < ${#counts[@]}; i += 2)); do
  n=$(grep -Ecx -- "${counts[i]}" "$log")
  if [[ $n != "${counts[i + 1]}" ]]; then
    echo "FAILED: $n lines match (want ${counts[i + 1]}): ${counts[i]}"
    fail=1
  fi
done
if [[ -n $want_pf ]]; then
  pf=$(grep -c ' v=0e ' "$intlog")
  echo "page faults in QEMU's interrupt log: $pf"
  if [[ $pf != "$want_pf" ]]; then
    echo "FAILED: $pf page faults, want $want_pf"
    fail=1
  fi
fi
for re in "${forbids[@]}"; do
  if grep -Eqx -- "$re" "$log"; then
    echo "FAILED: a line matches the forbidden: $re"
    fail=1
  fi
done
((fail)) || echo "all checks passed"
exit $fail
