#!/usr/bin/env bash
# Boots the guest's raw disk image on Bochs (no multiboot loader there: the
# BIOS loads guest/boot/bootsect.S) and checks the COM1 console.
#
#   guest_bochs_test.sh DISK.IMG [--expect REGEX]...
#
# Bochs settings from shared/REFERENCES.md: Debian's build has no "nogui"
# display, so rfb with timeout=0; it starts in its debugger, so the command
# file holds "c"; the guest stops it through the shutdown port 0x8900 (Bochs
# then exits with status 1). The console is COM1 written to a file.
set -uo pipefail

disk=$1
shift
expects=()
while (($#)); do
  case "$1" in
    --expect) expects+=("$2"); shift 2 ;;
    *) echo "guest_bochs_test: unknown argument $1"; exit 2 ;;
  esac
done

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
size=$(stat -c %s "$disk")
cylinders=$((size / (16 * 63 * 512)))  # mkdisk pads to whole cylinders
cat >"$dir/bochsrc" <<RC
megs: 128
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=disk, path=$disk, mode=flat, cylinders=$cylinders, heads=16, spt=63
boot: disk
display_library: rfb, options="timeout=0"
clock: sync=none, time0=946684800
cpu: count=1, ips=50000000
com1: enabled=1, mode=file, dev=$dir/com1.txt
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
speaker: enabled=0
log: $dir/bochs.log
RC
echo c >"$dir/cmds"
(cd "$dir" && timeout 120 bochs -q -f bochsrc -rc cmds >"$dir/out.txt" 2>&1)
status=$?
echo "--- COM1 console (bochs exit status $status)"
tr -d '\r' <"$dir/com1.txt" 2>/dev/null | tee "$dir/console.txt"
echo "--- checks"
fail=0
if ! grep -q "Shutdown port: shutdown requested" "$dir/bochs.log"; then
  echo "FAILED: the guest did not stop Bochs through port 0x8900"
  tail -20 "$dir/bochs.log"
  fail=1
fi
for re in "${expects[@]}"; do
  if ! grep -Eqx -- "$re" "$dir/console.txt"; then
    echo "FAILED: no line matches: $re"
    fail=1
  fi
done
((fail)) || echo "all checks passed"
exit $fail
