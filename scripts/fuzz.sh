#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make fuzz`: runs every libFuzzer target of the fuzz preset for
# FUZZ_SECONDS (default 60) each, starting from its seed corpus; new inputs
# go to build/fuzz/corpus/<target>/ (copy the interesting ones into the
# target's regression corpus by hand).
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${FUZZ_SECONDS:-60}
tests=$(ctest --test-dir build/fuzz -N -L fuzz-smoke | sed -n 's/.*Test *#[0-9]*: fuzz\.smoke\.//p')
[ -n "$tests" ] || { echo "fuzz: no fuzz targets built"; exit 1; }
for t in $tests; do
  seeds=$(ctest --test-dir build/fuzz -N -V -R "^fuzz\.smoke\.$t\$" | sed -n 's/.* Test command: //p' | awk '{print $NF}')
  mkdir -p "build/fuzz/corpus/$t"
  echo "=== $t for ${secs}s (seeds: $seeds)"
  "build/fuzz/bin/$t" -max_total_time="$secs" -max_len=4096 "build/fuzz/corpus/$t" "$seeds"
done
