#!/bin/sh
# One data channel through awsemu's fault knobs: 50 MiB each way while
# messages both ways are lost, duplicated, reordered and delayed, and the
# agent's data has corrupted digests; every byte arrives exact and in
# order, and each fault really happened.
. "$top_srcdir/tests/integration/chan_lib.sh"

emu_start
chan_world
chan_pump '{"pacing": false, "resend": "all", "seed": 7, "faults": [
    {"dir": "both", "what": "all", "loss": 0.03, "dup": 0.03,
     "reorder": 0.03, "delay": 0.03, "delay_ms": 30},
    {"dir": "out", "what": "data", "corrupt": 0.02}]}' -m 50 -s 900
for k in in_lost out_lost in_duplicated out_duplicated in_reordered \
    out_reordered in_delayed out_delayed out_corrupted; do
	n=$(emu_agent_sum "$k")
	[ "$n" != 0 ] || fail "awsemu counted no $k"
done
grep -q "payload digest mismatch" "$T/pump.err" ||
    fail "chan_pump logged no corrupted message"
ok "50 MiB each way exact through loss ($(emu_agent_sum in_lost) in," \
    "$(emu_agent_sum out_lost) out), dup, reorder, delay and" \
    "$(emu_agent_sum out_corrupted) corrupted digests"
emu_alive
emu_stop
