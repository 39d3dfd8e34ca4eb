#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs fuzz/oss-fuzz/build.sh the way OSS-Fuzz and ClusterFuzzLite run it,
# but outside their container: their environment variables for a libFuzzer
# ASan build, a scratch $SRC/$WORK/$OUT, and this tree as the source.  Then
# every fuzzer it produced runs over its seed corpus (unzipped from $OUT,
# as the services do) with its dictionary.  Fails if the build fails, if a
# target of build/fuzzers.list is missing any of its files in $OUT, or if
# any fuzzer fails on its seeds.  A ctest of the fuzz preset runs this, so
# the integration cannot rot.
set -euo pipefail
tree=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/hvcore-oss-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/src" "$scratch/work" "$scratch/out"

export SRC=$scratch/src WORK=$scratch/work OUT=$scratch/out
export CC=clang CXX=clang++
export SANITIZER=address FUZZING_ENGINE=libfuzzer ARCHITECTURE=x86_64
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
export CXXFLAGS=$CFLAGS
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export HVCORE_SRC=$tree

(cd "$tree" && "$tree/fuzz/oss-fuzz/build.sh") >"$scratch/build.log" 2>&1 || {
  tail -n 40 "$scratch/build.log"; echo "oss-fuzz: build.sh failed"; exit 1; }

n=0
while read -r t _ dict; do
  for f in "$OUT/$t" "$OUT/${t}_seed_corpus.zip" "$OUT/$t.options"; do
    [ -s "$f" ] || { echo "oss-fuzz: $t: $(basename "$f") missing"; exit 1; }
  done
  dict_arg=()
  if [ "$dict" != "-" ]; then
    [ -s "$OUT/$t.dict" ] || { echo "oss-fuzz: $t: $t.dict missing"; exit 1; }
    dict_arg=(-dict="$OUT/$t.dict")
  fi
  seeds=$scratch/seeds/$t
  mkdir -p "$seeds"
  (cd "$seeds" && cmake -E tar xf "$OUT/${t}_seed_corpus.zip")
  nseeds=$(find "$seeds" -type f | wc -l)
  [ "$nseeds" -gt 0 ] || { echo "oss-fuzz: $t: empty seed corpus"; exit 1; }
  if ! "$OUT/$t" -runs=0 "${dict_arg[@]}" "$seeds" >"$scratch/$t.log" 2>&1; then
    tail -n 30 "$scratch/$t.log"; echo "oss-fuzz: $t failed on its seeds"; exit 1
  fi
  echo "oss-fuzz: $t: $nseeds seeds ran"
  n=$((n + 1))
done <"$WORK/hvcore-build/fuzzers.list"
[ "$n" -gt 0 ] || { echo "oss-fuzz: no fuzzers listed"; exit 1; }
echo "oss-fuzz: $n fuzzers built and ran their seeds"
