#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make bench`: every benchmark from the release build in one run, written as
# JSON lines and CSV under build/release/bench-results/, with PNG charts
# drawn by gnuplot (scripts/bench-plot.gp).
#   HVBENCH_ARGS   extra hvbench arguments (e.g. "--filter mm. --repeat 9")
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset release >/dev/null
cmake --build --preset release --target hvbench >/dev/null
out=build/release/bench-results
mkdir -p "$out"
# shellcheck disable=SC2086
build/release/bin/hvbench --json ${HVBENCH_ARGS:-} | tee "$out/results.json"

# One CSV row per result; the area is the name's first component.
{
  echo "area,bench,ns_per_op,ops,min_ns,max_ns"
  sed -E 's/^\{"bench":"([^".]*)([^"]*)","ns_per_op":([^,]*),"ops":([^,]*),.*"min_ns":([^,]*),"max_ns":([^,]*),.*/\1,\1\2,\3,\4,\5,\6/' \
    "$out/results.json"
} >"$out/results.csv"

# One chart per area: ns/op with the min-max range of the repetitions.
for area in $(tail -n +2 "$out/results.csv" | cut -d, -f1 | sort -u); do
  grep "^$area," "$out/results.csv" | cut -d, -f2- >"$out/$area.dat"
  gnuplot -e "datafile='$out/$area.dat'; outfile='$out/$area.png'; title='hvbench: $area'" \
    scripts/bench-plot.gp
done
echo "bench: wrote $out/results.json, results.csv and one PNG chart per area"
