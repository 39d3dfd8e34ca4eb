#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make fuzz-campaign`: every libFuzzer target of the fuzz preset at once,
# on all cores, for FUZZ_SECONDS of wall time, then one line per target.
#
#   FUZZ_SECONDS  wall time of the campaign (default 3600)
#   FUZZ_TARGETS  the targets to run (default: every one built)
#   FUZZ_JOBS     cores to use (default: all); each target gets an equal
#                 share, in libFuzzer's fork mode so that a finding does not
#                 end its target's run
#   FUZZ_BUILD    the fuzz build to run (default build/fuzz; another
#                 build of the fuzz preset, e.g. cmake --preset fuzz -B DIR,
#                 keeps a long campaign apart from rebuilds)
#   FUZZ_LEDGER   a file each target's line is also appended to, with the
#                 date and the commit fuzzed (default <FUZZ_CORPUS>/ledger.tsv):
#                 campaigns on one commit add up there (e.g. the CPU-hours a
#                 target ran clean on the final code)
#   FUZZ_CORPUS   where the campaign's corpora live (default
#                 build/fuzz/campaign): <dir>/corpus/<target> grows across
#                 campaigns (new inputs are merged into it, keeping only
#                 those that add coverage); <dir>/findings/<target> keeps
#                 each crash, leak or timeout with a .replay file holding the
#                 command that replays it; <dir>/logs/<target>.log the run
#
# The committed corpora are read, never written: fuzz/<lib>/corpus (seeds
# and regressions, which CI replays) and, where it exists,
# fuzz/campaign/<target> (what earlier campaigns reached, kept so that the
# next one starts there; not replayed by CI).  Copy what is worth keeping
# into them by hand, a finding's input first.
set -uo pipefail
cd "$(dirname "$0")/.."

secs=${FUZZ_SECONDS:-3600}
jobs=${FUZZ_JOBS:-$(nproc)}
build=${FUZZ_BUILD:-build/fuzz}
dir=${FUZZ_CORPUS:-$build/campaign}
list=$build/fuzzers.list
ledger=${FUZZ_LEDGER:-$dir/ledger.tsv}
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- 2>/dev/null || commit="$commit+dirty"
bin=$build/bin

[ -s "$list" ] || { echo "fuzz-campaign: no fuzz targets built ($list)"; exit 1; }
if [ -n "${FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
  for t in "${targets[@]}"; do
    grep -q "^$t " "$list" || { echo "fuzz-campaign: no target $t in $list"; exit 2; }
  done
else
  mapfile -t targets < <(awk '{print $1}' "$list")
fi
n=${#targets[@]}
share=$(( jobs / n ))
[ "$share" -ge 1 ] || share=1
mkdir -p "$dir/corpus" "$dir/findings" "$dir/logs"
echo "fuzz-campaign: ${n} targets for ${secs}s on ${jobs} cores (${share} worker(s) each) in $dir"

pids=()
for t in "${targets[@]}"; do
  read -r _ seeds dict < <(grep "^$t " "$list")
  dict_arg=()
  [ "$dict" != "-" ] && dict_arg=(-dict="$dict")
  mkdir -p "$dir/corpus/$t" "$dir/findings/$t"
  earlier=()
  [ -d "fuzz/campaign/$t" ] && earlier=("fuzz/campaign/$t")
  (
    TIMEFORMAT='%U %S'
    time "$bin/$t" -fork="$share" -ignore_crashes=1 -ignore_timeouts=1 \
      -ignore_ooms=1 -max_total_time="$secs" -max_len=4096 -timeout=30 \
      -rss_limit_mb=4096 -artifact_prefix="$dir/findings/$t/" \
      "${dict_arg[@]}" "$dir/corpus/$t" "$seeds" "${earlier[@]}" \
      >"$dir/logs/$t.log" 2>&1
  ) 2>"$dir/logs/$t.cpu" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

printf '%-22s %12s %8s %8s %8s %9s %9s\n' target executions cov ft corpus findings cpu-s
total_findings=0
for t in "${targets[@]}"; do
  read -r _ seeds _ < <(grep "^$t " "$list")
  # Keep only the inputs that add coverage (libFuzzer's merge), then
  # replace the target's campaign corpus with them.
  merged="$dir/corpus/$t.merging"
  rm -rf "$merged" && mkdir -p "$merged"
  if "$bin/$t" -merge=1 "$merged" "$dir/corpus/$t" >"$dir/logs/$t.merge.log" 2>&1; then
    rm -rf "$dir/corpus/$t" && mv "$merged" "$dir/corpus/$t"
  else
    rm -rf "$merged"
  fi
  # Fork mode's status lines: "#<executions>: cov: C ft: F corp: N ...".
  stat=$(grep -E '^#[0-9]+: cov: ' "$dir/logs/$t.log" | tail -n 1)
  execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$stat")
  cov=$(sed -E 's/.* cov: ([0-9]+).*/\1/' <<<"$stat")
  ft=$(sed -E 's/.* ft: ([0-9]+).*/\1/' <<<"$stat")
  corpus=$(find "$dir/corpus/$t" -type f | wc -l)
  found=0
  for f in "$dir/findings/$t"/*; do
    [ -f "$f" ] || continue
    # A slow unit is not a finding: libFuzzer keeps any input that took
    # over 10 s of wall time, which on a loaded or paused machine says
    # nothing about the input (-timeout catches the real hangs).
    case "$f" in *.replay|*/slow-unit-*) continue ;; esac
    found=$((found + 1))
    echo "$bin/$t $f" >"$f.replay"
  done
  total_findings=$((total_findings + found))
  cpu=$(awk '{printf "%.0f", $1 + $2}' "$dir/logs/$t.cpu" 2>/dev/null)
  printf '%-22s %12s %8s %8s %8s %9s %9s\n' "$t" "${execs:-?}" "${cov:-?}" \
    "${ft:-?}" "$corpus" "$found" "${cpu:-?}"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$commit" "$t" \
    "${execs:-?}" "${cov:-?}" "$found" "${cpu:-?}" >>"$ledger"
done
if [ "$total_findings" -gt 0 ]; then
  echo "fuzz-campaign: $total_findings finding(s); replay each with the command in its .replay file"
  exit 1
fi
