#!/bin/sh
# awsemu's fault knobs and session ends, checked by the strict client:
# seeded loss, duplication, reordering, delay and corruption both ways
# with the agent's front-only resends and with resend-all, the
# WebSocket dropped after N messages, rotated, or gone silent, and every
# way a session ends (idle, maximum duration, deny list, handshake
# timeout, admin end, target offline) with its channel_closed text.
. "$top_srcdir/tests/lib.sh"

emu_start
dcc faults front
dcc faults all
dcc drops
dcc ends
dcc inbox_drop
emu_alive
emu_stop
