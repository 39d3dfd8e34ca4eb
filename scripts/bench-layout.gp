# SPDX-License-Identifier: MIT
# The struct evtchn layout charts: ns/op per operation and bytes per port,
# clustered by layout.  Input: evtchn-layout.csv from scripts/bench.sh.
set terminal pngcairo size 900,500 noenhanced
set datafile separator ","
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.7 border -1
set boxwidth 0.9
set grid ytics
set key below horizontal
set datafile columnheaders
set yrange [0:*]

set output outdir."/evtchn-layout-ns.png"
set title "struct evtchn layouts: cost per operation (ns, median)"
set ylabel "ns per op"
plot datafile using 2:xtic(1) title "send, 2-level, 4k ports" lc rgb "#3b6ea8", \
     '' using 3 title "send, 3-level, 131k ports" lc rgb "#d1803b", \
     '' using 4 title "port lookup, 131k ports, random" lc rgb "#5a9e4b"

set output outdir."/evtchn-layout-bytes.png"
set title "struct evtchn layouts: channel memory per port (buckets + groups)"
set ylabel "bytes per port"
plot datafile using 5:xtic(1) title "1k ports" lc rgb "#3b6ea8", \
     '' using 6 title "32k ports" lc rgb "#d1803b", \
     '' using 7 title "131k ports" lc rgb "#5a9e4b"
