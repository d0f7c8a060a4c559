# SPDX-License-Identifier: GPL-2.0
#
# Draws build/bench/results.png from the data files mbox-bench --out wrote.
#
#   gnuplot -e "dir='build/bench'" tools/testing/bench/plot.gp

if (!exists("dir")) dir = "build/bench"
info = system("cat '" . dir . "/plot.info' 2>/dev/null")

set terminal pngcairo size 1800,1250 font "sans,10"
set output dir . "/results.png"
set datafile missing "NaN"

set multiplot layout 2,2 title "mbox-bench: " . info . "\nOne run in an emulated (QEMU TCG) guest, which distorts mechanisms unevenly: compare only within this chart" font "sans,12"

set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside right top vertical
set grid ytics
set xtics rotate by -35 left nomirror
set logscale y
set format y "%g"
set lmargin 12
set bmargin 9

set title "Round trip (ping-pong), median, microseconds - lower is better"
set ylabel "µs (log scale)"
plot dir . "/rtt.dat" using 2:xtic(1) title "64 B, two CPUs", \
     '' using 4 title "4 KiB, two CPUs", \
     '' using 6 title "64 B, one CPU"

set title "One-way streaming throughput - higher is better"
set ylabel "messages/s (log scale)"
plot dir . "/throughput.dat" using 2:xtic(1) title "64 B", \
     '' using 4 title "4 KiB"

set title "Senders into one mailbox (64 B) - total received per second"
set style data linespoints
unset xtics
set xtics nomirror
set logscale x 2
unset logscale y
set yrange [0:*]
set ylabel "messages/s"
set xlabel "senders (each its own process)"
set key inside center right opaque box
plot dir . "/scaling.dat" using 1:2 title "bounded" lw 2 pt 7, \
     '' using 1:3 title "unbounded" lw 2 pt 5
unset xlabel
unset logscale x
set logscale y
set autoscale y

set title "Create + destroy, pairs per second - higher is better"
set style data histograms
set xtics rotate by -35 left nomirror
set ylabel "pairs/s (log scale)"
set key off
plot dir . "/lifecycle.dat" using 2:xtic(1) title "create + destroy" lc rgb "#4477aa"

unset multiplot
