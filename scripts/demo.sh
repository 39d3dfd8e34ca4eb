#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make demo`: the simulator doing real work, then the x86-64 target booted
# under QEMU running the same core in-kernel.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "=== building the simulator (preset dev)"
cmake --preset dev >/dev/null
cmake --build --preset dev --target hvsim >/dev/null

echo
echo "=== hvsim world: a simulated host with pCPU threads and domains"
build/dev/bin/hvsim world --cpus 4 --guests 3 --vcpus 2

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
