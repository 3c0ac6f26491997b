#!/bin/sh
# An agent that cannot send (its window full of unacknowledged messages,
# or a client that reads nothing) waits on acks and room without polling:
# its wake-ups in GET /_emu/state stay at the resend ticks while blocked,
# and the data flows again once acknowledged or read.
. "$top_srcdir/tests/lib.sh"

emu_start
dcc idle
emu_alive
emu_stop
