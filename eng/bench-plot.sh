#!/usr/bin/env bash
# Draws the growth curves from the tables eng/bench.sh's load and circuit-memory benchmarks wrote: p50/p95 interaction
# latency by concurrent users (one instance, two behind HAProxy) and an instance's live heap by open circuits.
#   eng/bench-plot.sh <folder with load.tsv and/or memory.tsv>    -> <folder>/scaling.png
set -euo pipefail
folder=${1:?usage: eng/bench-plot.sh <folder>}
[ -f "$folder/load.tsv" ] || [ -f "$folder/load-protocol.tsv" ] || [ -f "$folder/memory.tsv" ] || { echo "bench-plot: no load.tsv, load-protocol.tsv or memory.tsv in $folder" >&2; exit 0; }
command -v gnuplot >/dev/null || { echo "bench-plot: gnuplot is missing (eng/prerequisites.sh bench)" >&2; exit 1; }
cd "$folder"
for table in load load-protocol; do
  [ -f "$table.tsv" ] && awk '!/^#/ && $1 == 1' "$table.tsv" > "$table-1.dat" && awk '!/^#/ && $1 == 2' "$table.tsv" > "$table-2.dat"
done
if [ -f memory.tsv ]; then
  for page in $(awk '!/^#/ { print $1 }' memory.tsv | sort -u); do awk -v p="$page" '$1 == p' memory.tsv > "memory-$page.dat"; done
fi
{
  echo 'set terminal pngcairo size 1400,560 font "DejaVu Sans,11"'
  echo 'set output "scaling.png"'
  echo 'set multiplot layout 1,2'
  echo 'set grid; set key top left'
  if [ -f load.tsv ] || [ -f load-protocol.tsv ]; then
    echo 'set title "Interaction latency by concurrent users (2 cores, load generator included)"'
    echo 'set xlabel "concurrent users"; set ylabel "milliseconds (log)"; set xrange [0:105]; set yrange [*:*]; set logscale y'
    plots=()
    if [ -f load-protocol.tsv ]; then
      plots+=('"load-protocol-1.dat" using 2:4 with linespoints lw 2 pt 7 title "p95, one instance (Blazor protocol)"'
        '"load-protocol-2.dat" using 2:4 with linespoints lw 2 pt 5 title "p95, two instances (Blazor protocol)"'
        '"load-protocol-1.dat" using 2:3 with linespoints dt 2 pt 7 title "p50, one instance (Blazor protocol)"'
        '"load-protocol-2.dat" using 2:3 with linespoints dt 2 pt 5 title "p50, two instances (Blazor protocol)"')
    fi
    if [ -f load.tsv ]; then
      plots+=('"load-1.dat" using 2:4 with linespoints dt 3 pt 6 lc "gray50" title "p95, one instance (Chromium)"'
        '"load-2.dat" using 2:4 with linespoints dt 3 pt 4 lc "gray30" title "p95, two instances (Chromium)"')
    fi
    (IFS=,; echo "plot ${plots[*]}")
    echo 'unset logscale y'
  fi
  if [ -f memory.tsv ]; then
    echo 'set title "One instance: live managed heap above no circuits, by idle circuits (after full GC)"'
    echo 'set xlabel "open circuits"; set ylabel "MB"; set xrange [0:205]; set yrange [0:*]'
    printf 'plot x*300/1024 with lines dt 3 lc "gray40" title "goal: 300 KB per circuit"'
    for f in memory-*.dat; do
      name=${f#memory-}; name=${name%.dat}; name=${name//_/ }
      # No circuit (the baseline) is the first point of each curve.
      printf ', "< (echo 0 0; awk '"'"'{ print $2, $3 - $4 }'"'"' %s)" using 1:($2/1048576) with linespoints lw 2 title "%s"' "$f" "$name"
    done
    echo
  fi
  echo 'unset multiplot'
} > scaling.gp
gnuplot scaling.gp
echo "bench-plot: $folder/scaling.png"
