#!/bin/sh
# smux keep-alive by the agent's rule (ssm-port-mux.md 6), on a scaled
# clock (NOP every 100 ms, check every 400 ms): on for 3.0.222.0 and
# 3.1.1511.0, off for 3.1.1446.0, off for 3.3.987.0 unless the client
# says 1.2.331.0 (an old client on purpose: the case turns awsemu's
# min_client_version off for it). Where on, NOPs arrive and silence ends
# the session.
. "$top_srcdir/tests/lib.sh"

emu_start
dcc keepalive 3.0.222.0 1.2.764.0 on
dcc keepalive 3.1.1511.0 1.2.764.0 on
dcc keepalive 3.1.1446.0 1.2.764.0 off
dcc keepalive 3.3.987.0 1.2.764.0 off
dcc keepalive 3.3.987.0 1.2.331.0 on
emu_alive
emu_stop
