#!/usr/bin/env bash
# run_fuzzer.sh FUZZER SECONDS WORKDIR CORPUS... : runs a libFuzzer target for SECONDS from the
# given corpora (read only; new inputs go to WORKDIR/new, a crash to WORKDIR/crash-*), then says
# how many inputs it ran. Exits non-zero on a crash, a sanitizer report, a hang (a single input
# longer than 10 s) or an input that needs more than 2 GB.
set -euo pipefail
fuzzer=$1 seconds=$2 work=$3
shift 3
rm -rf "$work"
mkdir -p "$work/new"
corpora=()
for c in "$@"; do
  if [[ -d $c ]]; then corpora+=("$c"); fi
done
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/new" "${corpora[@]}" >"$work/log" 2>&1 || {
  tail -n 60 "$work/log"
  echo "$(basename "$fuzzer"): FAILED; the input is in $work (crash-*, timeout-*, oom-*)"
  exit 1
}
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
echo "$(basename "$fuzzer"): ${runs:-?} inputs in ${seconds} s, no crash, no sanitizer report, no hang"
