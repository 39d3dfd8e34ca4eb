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
val() { # val BENCH FIELD: a number from BENCH's JSON line
  grep "\"bench\":\"$1\"" "$out/results.json" | sed -E "s/.*\"$2\":([0-9.]+).*/\1/"
}
# The struct evtchn layout comparison (issue 7): ns/op of each operation and
# bytes per port at three port counts, one row per layout.
if grep -q '"bench":"evtchn.layout\.' "$out/results.json"; then
  {
    echo "layout,send_2l_ns,send_3l_ns,lookup_ns,bytes_per_port_1k,bytes_per_port_32k,bytes_per_port_131k"
    for l in $(sed -n -E 's/.*"bench":"evtchn\.layout\.([a-z0-9]+)\.lookup".*/\1/p' "$out/results.json"); do
      b=evtchn.layout.$l
      echo "$l,$(val "$b.send.2l" ns_per_op),$(val "$b.send.3l" ns_per_op),$(val "$b.lookup" ns_per_op),$(val "$b.lookup" bytes_per_port_1k),$(val "$b.lookup" bytes_per_port_32k),$(val "$b.lookup" bytes_per_port_131k)"
    done
  } >"$out/evtchn-layout.csv"
  gnuplot -e "datafile='$out/evtchn-layout.csv'; outdir='$out'" scripts/bench-layout.gp
fi
# The three event channel ABIs (issue 12): per ABI, one row per port count
# with ns/op of send, scan and unmask and the bytes per port.
if grep -q '"bench":"evtchn.abi\.' "$out/results.json"; then
  for abi in 2l 3l fifo; do
    {
      echo "ports,send_ns,scan_ns,unmask_ns,hv_bytes_per_port,guest_bytes_per_port"
      for n in $(sed -n -E "s/.*\"bench\":\"evtchn\.abi\.send\.$abi\.([0-9]+k)\".*/\1/p" "$out/results.json"); do
        b=evtchn.abi
        echo "$(val "$b.send.$abi.$n" ports),$(val "$b.send.$abi.$n" ns_per_op),$(val "$b.scan.$abi.$n" ns_per_op),$(val "$b.unmask.$abi.$n" ns_per_op),$(val "$b.send.$abi.$n" hv_bytes_per_port),$(val "$b.send.$abi.$n" guest_bytes_per_port)"
      done
    } >"$out/evtchn-abi-$abi.csv"
  done
  gnuplot -e "outdir='$out'" scripts/bench-abi.gp
fi
echo "bench: wrote $out/results.json, results.csv and PNG charts (one per area, the evtchn layouts and ABIs)"
