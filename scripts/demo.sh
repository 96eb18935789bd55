#!/usr/bin/env bash
# Installs what is missing, builds xray86, and runs its main job.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default --target xray86
exec build/default/emu/xray86 run "$@"
