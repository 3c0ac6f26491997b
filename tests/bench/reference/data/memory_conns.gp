set terminal pngcairo size 900,560 font ',10'
set output '/tmp/b3/tests/bench/data/memory_conns.png'
set datafile separator ','
set key top left
set grid
set title 'gatewayd RSS against idle client connections (100 forwards)'
set xlabel 'connections held'
set ylabel 'RSS MiB'
set yrange [0:*]
plot 'memory_conns.csv' using (stringcolumn(1) eq 'tcp forward' ? $2 : NaN):($3/1024) with linespoints title 'tcp forward', \
  'memory_conns.csv' using (stringcolumn(1) eq 'ssm mux' ? $2 : NaN):($3/1024) with linespoints title 'ssm mux'
