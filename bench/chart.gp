# chart.gp: bench/results.png from bench/results.tsv (bench/report.mjs):
# the headline ratios mod_ssr / Node per framework, one panel each.
#   gnuplot -e "data='bench/results.tsv'; out='bench/results.png'" bench/chart.gp
# (make bench-chart).  Needs gnuplot with the pngcairo terminal (gnuplot-nox).
if (!exists("data")) data = 'bench/results.tsv'
if (!exists("out")) out = 'bench/results.png'

set terminal pngcairo size 1200,820 font 'DejaVu Sans,11' noenhanced
set output out
set datafile separator "\t"
set datafile missing "NaN"
set style fill solid 0.85 border -1
set boxwidth 0.6
set grid ytics lc rgb '#dddddd'
set xtics nomirror scale 0
set ytics nomirror
set border 3
unset key
set offsets 0.5, 0.5, 0, 0
set yrange [0:*]


set multiplot layout 2,2 title "mod_ssr / Node (Vite SSR template server), per framework: medians, make bench-node" font 'DejaVu Sans,13'

set title "Rendered page, req/s (above 1x: mod_ssr faster)"
plot data skip 1 using 0:2:xtic(1) with boxes lc rgb '#4e79a7', \
     '' skip 1 using 0:2:(sprintf("%.2fx", $2)) with labels offset 0,0.7, \
     1 with lines dt 2 lc rgb '#444444'

set title "Cached page (mod_cache) req/s vs Node's rendered page"
plot data skip 1 using 0:3:xtic(1) with boxes lc rgb '#59a14f', \
     '' skip 1 using 0:3:(sprintf("%.1fx", $3)) with labels offset 0,0.7, \
     1 with lines dt 2 lc rgb '#444444'

set title "Rendered page, CPU ms per request (above 1x: mod_ssr costlier)"
plot data skip 1 using 0:4:xtic(1) with boxes lc rgb '#e15759', \
     '' skip 1 using 0:4:(sprintf("%.1fx", $4)) with labels offset 0,0.7, \
     1 with lines dt 2 lc rgb '#444444'

set title "RSS after the page load (above 1x: mod_ssr larger)"
plot data skip 1 using 0:5:xtic(1) with boxes lc rgb '#f28e2b', \
     '' skip 1 using 0:5:(sprintf("%.2fx", $5)) with labels offset 0,0.7, \
     1 with lines dt 2 lc rgb '#444444'

unset multiplot
