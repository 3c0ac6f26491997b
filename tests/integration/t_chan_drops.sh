#!/bin/sh
# One data channel survives awsemu dropping its WebSocket 20 times (TCP
# resets) in a 50 MiB each way transfer, then 5 more closes with a close
# frame: each time ResumeSession, a new OpenDataChannel, no handshake,
# resend of everything unacked; the bytes arrive exact.
. "$top_srcdir/tests/integration/chan_lib.sh"

emu_start
chan_world
chan_pump '{"pacing": false, "resend": "all", "drop_after": 2000,
    "drop_count": 20, "drop_mode": "reset"}' -m 50 -s 900 -r 20
expect_eq "drops" "$(emu_agent_sum drops)" 20
expect_eq "ResumeSession calls" \
    "$(emu_state "s['ops']['ssm:ResumeSession']['ok']")" 20
chan_pump '{"drop_after": 500, "drop_count": 5, "drop_mode": "bye"}' \
    -m 5 -s 600 -r 5
expect_eq "drops" "$(emu_agent_sum drops)" 25
emu_alive
emu_stop
