# SPDX-License-Identifier: MIT
# The event channel ABI charts: ns/op of send, scan and unmask against the
# active ports, and memory per port, one line per ABI.  Input:
# evtchn-abi-{2l,3l,fifo}.csv from scripts/bench.sh (ports, send_ns,
# scan_ns, unmask_ns, hv_bytes_per_port, guest_bytes_per_port).
set terminal pngcairo size 1500,450 noenhanced
set datafile separator ","
set datafile columnheaders
set logscale x 2
set xtics ("1k" 1024, "4k" 4096, "32k" 32768, "131k" 131072, "262k" 262144)
set xrange [768:350000]
set grid xtics ytics
set key bottom right
set style data linespoints

f(abi) = outdir."/evtchn-abi-".abi.".csv"
c2l = "#3b6ea8"; c3l = "#d1803b"; cfifo = "#5a9e4b"

set output outdir."/evtchn-abi-ns.png"
set multiplot layout 1,3 title "event channel ABIs: cost per operation (ns, median), by active ports"
set yrange [0:*]
set ylabel "ns per op"
do for [op in "send scan unmask"] {
    col = op eq "send" ? 2 : op eq "scan" ? 3 : 4
    set title op eq "send" ? "send to a random port" : \
              op eq "scan" ? "guest scan for the next event" : \
              "unmask of a masked pending port"
    plot f("2l") using 1:col title "2-level" lc rgb c2l pt 7, \
         f("3l") using 1:col title "3-level" lc rgb c3l pt 5, \
         f("fifo") using 1:col title "FIFO" lc rgb cfifo pt 9
    unset ylabel
}
unset multiplot

set output outdir."/evtchn-abi-bytes.png"
set multiplot layout 1,2 title "event channel ABIs: memory per active port"
set key top right
set ylabel "bytes per port"
set title "hypervisor: channel buckets and groups + the ABI's own pages"
plot f("2l") using 1:5 title "2-level" lc rgb c2l pt 7, \
     f("3l") using 1:5 title "3-level" lc rgb c3l pt 5, \
     f("fifo") using 1:5 title "FIFO" lc rgb cfifo pt 9
unset ylabel
set logscale y 2
set yrange [*:*]
set title "guest: bitmaps + L2 (3-level), event array + control block (FIFO)"
plot f("2l") using 1:6 title "2-level (bitmaps in shared_info)" lc rgb c2l pt 7, \
     f("3l") using 1:6 title "3-level" lc rgb c3l pt 5, \
     f("fifo") using 1:6 title "FIFO" lc rgb cfifo pt 9
unset multiplot
