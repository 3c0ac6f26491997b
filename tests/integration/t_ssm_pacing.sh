#!/bin/sh
# With pacing on (the real agent's: one 1024-byte message per interval),
# one connection takes the agent's bytes exactly: the target sends 16 MiB
# and closes, every byte arrives in order through thousands of small
# messages and their acks, and the agent's pace held (the download took
# no less than the ceiling allows). The rate against the ceiling is
# printed: the goal that gatewayd does not slow the agent below its pace
# is the benchmark's (tests/bench scenario 2, at least 97%), not a
# test's, since a loaded machine slows the emulator and the client as
# well. Time awsemu's own pacer lost to its loop (pacing.late_us) is
# printed with it.
. "$top_srcdir/tests/lib.sh"

MIB=${GW_SSM_PACING_MIB:-16}
bytes=$((MIB * 1048576))
start_server src source -n "$bytes"
ssm_instance i-0123456789abcdef0 3.3.987.0 Online '{"Name": "web"}' \
    "{\"80\": \"127.0.0.1:$src_PORT\"}"
ssm_emu_start --knob pacing=true
PORT=$(free_ports 1)
ssm_conf
add_ssm_forward paced "127.0.0.1:$PORT" i-0123456789abcdef0 80
start_gatewayd

ceiling=$(emu_admin GET /state | jq -r .data_channel.pacing.ceiling_bytes_per_sec)
[ "${ceiling:-0}" -gt 0 ] || fail "awsemu reports no pacing ceiling"
late0=$(emu_admin GET /state | jq -r .data_channel.pacing.late_us)
"$LOADCLIENT" -c "127.0.0.1:$PORT" -m recv -n "$bytes" -t 600 \
    >"$T/client.out" || fail "loadclient: $(cat "$T/client.out")"
span=$(sed -n 's/.*span \([0-9]*\) ms.*/\1/p' "$T/client.out")
[ "${span:-0}" -gt 0 ] || fail "no span: $(cat "$T/client.out")"
late1=$(emu_admin GET /state | jq -r .data_channel.pacing.late_us)
late=$(( (${late1%.*} - ${late0%.*}) / 1000 ))
echo "awsemu's pacer lost $late ms of the ${span} ms span to its own loop"
# The agent's pace held: no faster than the ceiling (a tenth of slack for
# the pacer's catch-up), however fast the machine.
[ "$span" -ge $((bytes * 900 / ceiling)) ] ||
    fail "$bytes bytes in $span ms: faster than the ceiling $ceiling B/s"
# rate / ceiling in percent, in integers: bytes * 1000 * 100 / span / ceiling
pct=$((bytes * 1000 / span * 100 / ceiling))
echo "received $bytes bytes in $span ms: $((bytes * 1000 / span)) B/s," \
    "ceiling $ceiling B/s ($pct%)"
ok "$MIB MiB exact through a paced agent, at $pct% of its ceiling"
stop_gatewayd
