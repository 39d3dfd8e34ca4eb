#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make demo`: the split driver on the simulator (hvsim demo: a privileged
# backend and three guests, once per event channel ABI: 2l, 3l, FIFO), then
# the x86-64 target booted under QEMU running the same frontend/backend
# exchange in-kernel, on each ABI too.
# Exits non-zero if any step fails or any check does not hold.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "=== building the simulator (preset dev)"
cmake --preset dev >/dev/null
cmake --build --preset dev --target hvsim >/dev/null

echo
echo "=== hvsim demo: split driver, backend domain 0 and 3 guests (README: The demo)"
build/dev/bin/hvsim demo --guests 3 --vcpus 2 --cpus 4 --requests 2000 --abi all

echo
echo "=== hvsim layout --json"
build/dev/bin/hvsim layout --json

echo
echo "=== building the x86-64 kernel (preset boot)"
cmake --preset boot >/dev/null
cmake --build --preset boot >/dev/null

echo
echo "=== booting it under QEMU (TCG); serial console follows"
boot/run-qemu.sh "$(cat build/boot/bin/kernel-path.txt)" --show
