#!/bin/sh
# With pacing on (the real agent's: one 1024-byte message per interval),
# one connection moves the agent's bytes at no less than 90% of the
# ceiling awsemu reports: gatewayd's acks, window and session layer do not
# slow the agent below its own pace. The target sends 16 MiB and closes;
# the client measures from the first byte received to the last (16 s at the
# agent's default ceiling of 1 MB/s); the assertion is on the ratio. Time
# awsemu's own pacer lost to a busy loop or a loaded machine (it reports
# it as pacing.late_us) is the emulator's, not gatewayd's: it is taken out
# of the span, and printed.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/ssm_lib.sh"

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
[ "$late" -lt "$((span / 2))" ] ||
    fail "awsemu's pacer was late ${late} ms of ${span} ms: too loaded to say"
echo "awsemu's pacer lost $late ms of the ${span} ms span to its own loop"
span=$((span - late))
# rate / ceiling in percent, in integers: bytes * 1000 * 100 / span / ceiling
pct=$((bytes * 1000 / span * 100 / ceiling))
echo "received $bytes bytes in $span ms: $((bytes * 1000 / span)) B/s," \
    "ceiling $ceiling B/s ($pct%)"
[ "$pct" -ge 90 ] || fail "$pct% of the pacing ceiling, want at least 90%"
ok "one connection at $pct% of the pacing ceiling"
stop_gatewayd
