#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make test`: build and run every suite of every preset, then one summary.
#   dev   gcc debug: unit + scenario tests, Valgrind memcheck of the unit tests
#   xsm-dummy, xsm-flask  gcc debug built with one XSM provider each (hooks
#         called directly, no ops table): unit + scenario tests
#   directmap  gcc debug over the full direct map with libmm's own slab
#         xmalloc (an embedder's configuration): unit + scenario tests
#   release  gcc -O2 -DNDEBUG with the slab xmalloc: unit + scenario tests
#   asan  clang ASan+UBSan: unit + scenario tests
#   boot  the x86-64 kernel booted under QEMU (in-kernel test runner)
#   fuzz  clang libFuzzer: short smokes and replays of the regression corpora
set -uo pipefail
cd "$(dirname "$0")/.."

presets=(dev xsm-dummy xsm-flask directmap release asan boot)
ls fuzz/*/CMakeLists.txt >/dev/null 2>&1 && presets+=(fuzz)
[ -n "${HVCORE_PRESETS:-}" ] && read -r -a presets <<<"$HVCORE_PRESETS"

total_pass=0
total_fail=0
failed_presets=()
start=$(date +%s)
for p in "${presets[@]}"; do
  echo "=== preset $p: configure and build"
  if ! cmake --preset "$p" >/dev/null; then
    failed_presets+=("$p(configure)"); total_fail=$((total_fail + 1)); continue
  fi
  if ! cmake --build --preset "$p"; then
    failed_presets+=("$p(build)"); total_fail=$((total_fail + 1)); continue
  fi
  echo "=== preset $p: test"
  log=$(mktemp)
  ctest --preset "$p" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  summary=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1)
  if [ -z "$summary" ]; then
    rm -f "$log"
    failed_presets+=("$p(no tests)"); total_fail=$((total_fail + 1)); continue
  fi
  nfail=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$summary")
  nall=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$summary")
  # ctest counts a skipped test as passed (and a disabled one not at all)
  # and lists both under "The following tests did not run:".  A test that
  # did not run checked nothing, so here it counts as failed.
  read -r nskip ndis < <(awk '/^The following tests did not run:/ { on = 1; next }
      on && /^[[:space:]]+[0-9]+ - .*\(Skipped\)$/ { s++; next }
      on && /^[[:space:]]+[0-9]+ - / { d++; next }
      { on = 0 }
      END { print s + 0, d + 0 }' "$log")
  rm -f "$log"
  total_pass=$((total_pass + nall - nfail - nskip))
  total_fail=$((total_fail + nfail + nskip + ndis))
  [ "$rc" -ne 0 ] && [ "$nfail" -eq 0 ] && { failed_presets+=("$p(rc=$rc)"); total_fail=$((total_fail + 1)); }
  [ "$nfail" -ne 0 ] && failed_presets+=("$p")
  [ $((nskip + ndis)) -ne 0 ] && failed_presets+=("$p($((nskip + ndis)) did not run)")
done
end=$(date +%s)
echo
echo "make test: presets ${presets[*]} in $((end - start)) s"
[ ${#failed_presets[@]} -gt 0 ] && echo "failed: ${failed_presets[*]}"
echo "${total_pass} passed, ${total_fail} failed"
[ "$total_fail" -eq 0 ]
