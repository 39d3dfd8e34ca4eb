#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make bench`: every benchmark from the release build in one run, written as
# JSON lines and CSV under build/release/bench-results/.
#   HVBENCH_ARGS   extra hvbench arguments (e.g. "--filter mm. --repeat 9")
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset release >/dev/null
cmake --build --preset release --target hvbench >/dev/null
out=build/release/bench-results
mkdir -p "$out"
# shellcheck disable=SC2086
build/release/bin/hvbench --json ${HVBENCH_ARGS:-} | tee "$out/results.json"
{
  echo "bench,ns_per_op,ops,min_ns,max_ns"
  sed -E 's/^\{"bench":"([^"]*)","ns_per_op":([^,]*),"ops":([^,]*),.*"min_ns":([^,]*),"max_ns":([^,]*),.*/\1,\2,\3,\4,\5/' \
    "$out/results.json"
} >"$out/results.csv"
echo "bench: wrote $out/results.json and $out/results.csv"
