#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make fuzz`: runs every libFuzzer target of the fuzz preset for
# FUZZ_SECONDS (default 60) each, one after the other, starting from its
# seed corpus and with its dictionary; new inputs go to
# build/fuzz/corpus/<target>/ (copy the interesting ones into the target's
# regression corpus by hand).  `make fuzz-campaign` runs them all at once.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${FUZZ_SECONDS:-60}
list=build/fuzz/fuzzers.list
[ -s "$list" ] || { echo "fuzz: no fuzz targets built ($list)"; exit 1; }
while read -r t seeds dict; do
  dict_arg=()
  [ "$dict" != "-" ] && dict_arg=(-dict="$dict")
  mkdir -p "build/fuzz/corpus/$t"
  echo "=== $t for ${secs}s (seeds: $seeds)"
  "build/fuzz/bin/$t" -max_total_time="$secs" -max_len=4096 "${dict_arg[@]}" \
    "build/fuzz/corpus/$t" "$seeds" </dev/null
done <"$list"
