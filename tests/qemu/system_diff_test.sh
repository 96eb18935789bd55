#!/usr/bin/env bash
# Runs one multiboot kernel on qemu-system-i386 and on xray86 and needs the same COM1 output and
# the same exit status on both, and that status to be the one given (the kernel's port 0xF4 value
# v gives (v << 1) | 1 on both machines).
#
#   system_diff_test.sh XRAY86 ELF STATUS
set -uo pipefail
xray86=$1 elf=$2 want=$3
qlog=$(mktemp)
xlog=$(mktemp)
trap 'rm -f "$qlog" "$xlog"' EXIT
timeout 60 qemu-system-i386 -machine pc -accel tcg -m 256 -display none -serial stdio \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot -monitor none -kernel "$elf" \
  </dev/null | tr -d '\r' >"$qlog"
qstatus=${PIPESTATUS[0]}
timeout 60 "$xray86" run --kernel "$elf" --quiet </dev/null >"$xlog"
xstatus=$?
echo "--- QEMU (exit status $qstatus)"
cat "$qlog"
fail=0
if ! diff -u --label qemu --label xray86 "$qlog" "$xlog"; then
  echo "FAILED: the outputs of QEMU and xray86 differ (diff above)"
  fail=1
fi
if [[ $qstatus != "$want" || $xstatus != "$want" ]]; then
  echo "FAILED: exit status $qstatus on QEMU, $xstatus on xray86, want $want"
  fail=1
fi
if [[ ! -s $qlog ]]; then
  echo "FAILED: no output"
  fail=1
fi
((fail)) || echo "identical on QEMU and xray86"
exit $fail
