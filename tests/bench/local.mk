# benchmarks (make bench, make bench-smoke)
#
# tests/bench/bench.py runs the scenarios of the benchmark issue against
# awsemu on loopback and writes tests/bench/report.md, CSV files and
# gnuplot PNGs into the build tree. `make bench` is the full run (minutes);
# `make bench-smoke` the seconds-long one make check runs through
# t_bench_smoke.sh, which checks the structure of what it wrote, never a
# speed. SMP_BIN=/path/to/session-manager-plugin adds the official client.
# make bench-reference also copies the run into tests/bench/reference/.

# The load tools: blocking bulk and latency client, many-connection
# holder, the far-side server. Built for make check (bench-smoke uses
# them).
BENCH_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/tools
BENCH_TOOLS = tests/bench/bench_server tests/bench/bench_client \
	tests/bench/bench_hold
check_PROGRAMS += $(BENCH_TOOLS)
tests_bench_bench_server_SOURCES = %reldir%/bench_server.c \
	tests/tools/tool.c tests/tools/tool.h
tests_bench_bench_server_LDADD = $(TOOLS_LIBS)
tests_bench_bench_server_CPPFLAGS = $(BENCH_CPPFLAGS)
tests_bench_bench_client_SOURCES = %reldir%/bench_client.c \
	tests/tools/tool.c tests/tools/tool.h
tests_bench_bench_client_LDADD = $(TOOLS_LIBS) -lpthread
tests_bench_bench_client_CPPFLAGS = $(BENCH_CPPFLAGS)
tests_bench_bench_hold_SOURCES = %reldir%/bench_hold.c \
	tests/tools/tool.c tests/tools/tool.h
tests_bench_bench_hold_LDADD = $(TOOLS_LIBS)
tests_bench_bench_hold_CPPFLAGS = $(BENCH_CPPFLAGS)

BENCH_PY = /usr/bin/python3
BENCH_RUN = $(BENCH_PY) $(abs_top_srcdir)/tests/bench/bench.py \
	--top-srcdir '$(abs_top_srcdir)' --top-builddir '$(abs_top_builddir)'

INTEGRATION_TESTS += %reldir%/t_bench_smoke.sh
EXTRA_DIST += %reldir%/bench.py

# One WebSocket's throughput over loopback, and the data channel's (a
# benchmark each, not a test).
noinst_PROGRAMS += tests/bench/bench_ws tests/bench/bench_chan
tests_bench_bench_ws_SOURCES = %reldir%/bench_ws.c
tests_bench_bench_ws_LDADD = $(GWTEST_LIBS)
tests_bench_bench_chan_SOURCES = %reldir%/bench_chan.c
tests_bench_bench_chan_LDADD = $(GW_LIBS)

bench: all $(BENCH_TOOLS)
	$(BENCH_RUN) --out '$(abs_top_builddir)/tests/bench' $(BENCH_FLAGS)

# The reference run kept in the source tree: make bench, then its report
# and data copied over tests/bench/reference/ (README there is written by
# hand: it says what the run was made from).
BENCH_REF = $(abs_top_srcdir)/tests/bench/reference
bench-reference: bench
	rm -rf '$(BENCH_REF)/data'
	mkdir -p '$(BENCH_REF)/data'
	cp tests/bench/report.md '$(BENCH_REF)/report.md'
	cp tests/bench/data/*.csv tests/bench/data/*.gp \
	    tests/bench/data/*.png '$(BENCH_REF)/data/'

bench-smoke: all $(BENCH_TOOLS)
	$(BENCH_RUN) --smoke --out '$(abs_top_builddir)/tests/bench/smoke' \
	    $(BENCH_FLAGS)

clean-local: clean-local-bench
clean-local-bench:
	rm -rf tests/bench/report.md tests/bench/smoke tests/bench/data
.PHONY: bench bench-reference bench-smoke clean-local-bench
