#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# OSS-Fuzz / ClusterFuzzLite build of hvcore's fuzz targets.
#
# Builds every target listed by the fuzz CMake (build/fuzzers.list) with the
# services' compiler and flags ($CC, $CFLAGS) linked with their engine
# ($LIB_FUZZING_ENGINE), and puts into $OUT, for each target T:
#   T                    the fuzzer
#   T_seed_corpus.zip    its committed corpus (fuzz/<lib>/corpus)
#   T.dict               its dictionary
#   T.options            libFuzzer options (max_len)
# The hvcore tree is $HVCORE_SRC, or the current directory (the builder
# image's WORKDIR).  Nothing is downloaded.  fuzz/oss-fuzz/check.sh runs
# this outside any container with the services' variables set, as CI does.
src=${HVCORE_SRC:-$PWD}
build=$WORK/hvcore-build

flags=$CFLAGS
# Coverage for the fuzzer's map skips the simulator, the guests' side and
# the checkers (fuzz/coverage-ignorelist.txt), as in the fuzz preset.
case "$CFLAGS" in
  *-fsanitize=fuzzer*|*-fsanitize-coverage=*)
    flags="$flags -fsanitize-coverage-ignorelist=$src/fuzz/coverage-ignorelist.txt" ;;
esac

cmake -S "$src" -B "$build" -G "Unix Makefiles" \
  -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_C_COMPILER="$CC" \
  -DCMAKE_C_FLAGS="$flags" \
  -DHVCORE_HAL=sim \
  -DHVCORE_DIRECTMAP=full \
  -DHVCORE_XMALLOC_HOST=ON \
  -DHVCORE_FUZZ=ON \
  -DHVCORE_FUZZ_ENGINE="$LIB_FUZZING_ENGINE"
cmake --build "$build" -j"$(nproc)" --target hvcore_fuzzers

while read -r t corpus dict; do
  cp "$build/bin/$t" "$OUT/$t"
  rm -f "$OUT/${t}_seed_corpus.zip"
  (cd "$corpus" && find . -maxdepth 1 -type f ! -name README -printf '%P\n' |
     sort | xargs cmake -E tar cf "$OUT/${t}_seed_corpus.zip" --format=zip)
  [ "$dict" != "-" ] && cp "$dict" "$OUT/$t.dict"
  printf '[libfuzzer]\nmax_len = 4096\n' >"$OUT/$t.options"
done <"$build/fuzzers.list"
