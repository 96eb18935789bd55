#!/usr/bin/env bash
# Installs what is missing, builds xray86, and runs its main job.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default --target xray86
# With no arguments, the demo whether standard input is a terminal or not (from a terminal
# `xray86 run` alone gives the shell to type into); arguments go to `xray86 run` as they are.
if (($# == 0)); then
  exec build/default/emu/xray86 run --demo
fi
exec build/default/emu/xray86 run "$@"
