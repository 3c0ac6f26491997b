set terminal pngcairo size 900,560 font ',10'
set output '/tmp/b3/tests/bench/data/throughput_sessions.png'
set datafile separator ','
set key top left
set grid
set title 'Aggregate throughput against concurrent connections (sessions)'
set xlabel 'concurrent bulk connections'
set ylabel 'MiB/s (log)'
set logscale y
set logscale x 2
set xrange [0.8:10]
plot 'throughput_sessions.csv' using (stringcolumn(1) eq 'tcp forward (unpaced)' ? $2 : NaN):3:4:5 with yerrorlines title 'tcp forward (unpaced)', \
  'throughput_sessions.csv' using (stringcolumn(1) eq 'ssm paced, max_sessions 1' ? $2 : NaN):3:4:5 with yerrorlines title 'ssm paced, max_sessions 1', \
  'throughput_sessions.csv' using (stringcolumn(1) eq 'ssm paced, max_sessions 8' ? $2 : NaN):3:4:5 with yerrorlines title 'ssm paced, max_sessions 8', \
  'throughput_sessions.csv' using (stringcolumn(1) eq 'pacing ceiling x connections' ? $2 : NaN):3:4:5 with yerrorlines title 'pacing ceiling x connections'
