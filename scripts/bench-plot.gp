# SPDX-License-Identifier: MIT
# A bar chart of ns/op per benchmark with min-max error bars.
# Input (datafile): CSV rows "bench,ns_per_op,ops,min_ns,max_ns".
set terminal pngcairo size 1000,600 noenhanced
set output outfile
set datafile separator ","
set title title
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.6 border -1
set boxwidth 0.8
set ylabel "ns per op, log scale (median; bars: min to max)"
set logscale y
set yrange [*:*]
set xtics rotate by -35 scale 0
set grid ytics
set key off
plot datafile using 2:4:5:xtic(1) linecolor rgb "#3b6ea8"
