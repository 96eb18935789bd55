#!/usr/bin/env bash
# Installs the Debian 12 packages xray86 builds, runs and tests with; installs only what is missing.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ gcc-multilib binutils pkg-config python3 clang-format
  # libraries
  libcapstone-dev libsdl2-dev libsdl2-ttf-dev fonts-dejavu-core zlib1g-dev libfmt-dev libcli11-dev
  # the fuzz preset: clang++, whose -fsanitize=fuzzer links libFuzzer from libclang-rt-14-dev
  # (Debian's libfuzzer-14-dev is the same library for linking by hand; nothing here needs it)
  clang libclang-rt-14-dev
  # tests, benchmarks and their oracles
  libgtest-dev libgmock-dev libbenchmark-dev libunicorn-dev qemu-system-x86 gdb
  bochs bochsbios vgabios xvfb xauth
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
