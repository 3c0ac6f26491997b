# benchmarks (make bench, make bench-smoke)
