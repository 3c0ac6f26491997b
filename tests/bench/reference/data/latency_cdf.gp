set terminal pngcairo size 900,560 font ',10'
set output '/tmp/b3/tests/bench/data/latency_cdf.png'
set datafile separator ','
set key top left
set grid
set title 'connect() to first echoed byte: distribution'
set xlabel 'microseconds (log)'
set logscale x
set ylabel 'fraction of connections'
set yrange [0:1]
set key bottom right
plot 'latency_cdf.csv' using 2:1 with lines lw 2 title 'direct', \
  'latency_cdf.csv' using 3:1 with lines lw 2 title 'tcp', \
  'latency_cdf.csv' using 4:1 with lines lw 2 title 'mux'
