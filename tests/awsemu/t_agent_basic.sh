#!/bin/sh
# awsemu's agent in basic and stream mode, checked by the strict client:
# the dial right after the handshake (client data unacknowledged until it
# is up), lazy re-dials after DisconnectToPort and after the target
# closes, a refused first dial ending the session with the dial error,
# stream mode ending with the target, an empty port number, and agent
# 2.3.700.0 ignoring the TerminateSession flag.
. "$top_srcdir/tests/lib.sh"

emu_start
dcc basic 3.0.196.0
dcc basic 2.3.1569.0
dcc basic_refused
dcc stream
dcc old_terminate
emu_alive
emu_stop
