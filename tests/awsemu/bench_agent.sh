#!/bin/sh
# bench_agent.sh: how fast awsemu's agent moves bytes (a benchmark, not a
# test: it prints figures and judges nothing). Run from a build tree:
#
#   top_srcdir=SRC top_builddir=BUILD sh SRC/tests/awsemu/bench_agent.sh [MIB]
#
# Pacing off: MIB (100) each way at once through one stream, mux and basic
# mode. Pacing on (the defaults): 8 MiB down one stream, with its rate as a
# share of the ceiling GET /_emu/state reports.
. "$top_srcdir/tests/lib.sh"

mib=${1:-100}
emu_start
dcc bench down mux 8
dcc bench down basic 8
dcc bench echo mux "$mib"
dcc bench echo basic "$mib"
emu_alive
emu_stop
