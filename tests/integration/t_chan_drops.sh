#!/bin/sh
# One data channel survives awsemu dropping its WebSocket 20 times (TCP
# resets) in a 50 MiB each way transfer, then 5 more closes with a close
# frame: each time ResumeSession, a new OpenDataChannel, no handshake,
# resend of everything unacked; the bytes arrive exact. awsemu counts the
# drops it made; every WebSocket the agent lost, those and any the client
# gave up on itself (on a starved machine, 20 s without an ack is a dead
# peer to the chan), was resumed.
. "$top_srcdir/tests/integration/chan_lib.sh"

emu_start
chan_world
chan_pump '{"pacing": false, "resend": "all", "drop_after": 2000,
    "drop_count": 20, "drop_mode": "reset"}' -m 50 -s 900 -r 20
expect_eq "drops made" "$(emu_state "s['data_channel']['dropped']")" 20
expect_eq "ResumeSession calls" \
    "$(emu_state "s['ops']['ssm:ResumeSession']['ok']")" \
    "$(emu_agent_sum drops)"
chan_pump '{"drop_after": 500, "drop_count": 5, "drop_mode": "bye"}' \
    -m 5 -s 600 -r 5
expect_eq "drops made" "$(emu_state "s['data_channel']['dropped']")" 25
expect_eq "ResumeSession calls" \
    "$(emu_state "s['ops']['ssm:ResumeSession']['ok']")" \
    "$(emu_agent_sum drops)"
emu_alive
emu_stop
