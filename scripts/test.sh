#!/usr/bin/env bash
# Installs what is missing, builds everything (host, guest, tests) and runs every test. Then the
# memory-safety checks (docs/reliability.md, "Sanitizers" and "Fuzzing"), in the fuzz preset's
# build (clang++ with AddressSanitizer + UndefinedBehaviorSanitizer, one sanitizer build for
# both): the CPU's unit tests and the reliability cases (halts, malformed input, outputs, disk
# errors, SIGKILL), where a guest or an input meets host memory, and each libFuzzer target for a
# few seconds from its seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default
ctest --preset default
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target fuzzers xray86 cpu_tests reliability_images
build/fuzz/tests/cpu/cpu_tests --gtest_brief=1
ctest --test-dir build/fuzz -j2 --output-on-failure -R '^reliability\.'
ctest --preset fuzz
