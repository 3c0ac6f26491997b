#!/bin/sh
# awsemu's agent in mux mode, checked by the strict client: its ack rules
# (duplicates acked again, messages ahead acked and stored, unacknowledged
# output resent unchanged), streams echoed and closed, dials one at a time
# in SYN order, ConnectToPortError before the refused stream's FIN,
# resuming after a reset and a close 1000 "Bye" without a new handshake,
# malformed frames, publication pauses and a consumer that is not ready.
. "$top_srcdir/tests/lib.sh"

emu_start
dcc acks
dcc mux
dcc resume
dcc malformed
dcc pause
dcc not_ready
emu_alive
emu_stop
