#!/bin/sh
# Striping: awsemu paces each session as the agent does (1024-byte
# messages at a fixed interval: its ceiling, reported in /_emu/state;
# 2 ms here rather than the agent's 1 ms, half the CPU for the same
# ratio, so that a loaded CI machine does not starve the pacer). 4 bulk
# downloads of 8 MiB through a forward with max_sessions = 4, each
# started once the pool has opened the session the previous one
# saturated: four sessions, and all four downloads move at once for 3 s
# at least. Meanwhile an interactive request/response stream lands on a
# session carrying a bulk download, and its 50 round trips are done while
# the downloads still run: it is not queued behind them. The rates are
# printed; their goals (4 sessions at least 3.5 times one, round trips
# well under a millisecond of overhead) are the benchmark's (tests/bench,
# scenarios 3 and 4), not a test's: a loaded machine moves less without
# gatewayd doing worse.
. "$top_srcdir/tests/integration/life_lib.sh"

SIZE=$((8 * 1024 * 1024))
emu_start
life_server "$SIZE" 5
emu_admin POST /world "{\"instances\": [$(life_instance "$INST_A" \
    "$SRV")]}" >/dev/null
# The sanitizer build's emulator paces at 2.5 ms: it cannot keep four
# sessions at 2 ms on two loaded cores (3.48x measured there).
PACE=2000
life_sanitized && PACE=2500
emu_admin POST /knobs "{\"pacing\": true, \"pace_us\": $PACE}" >/dev/null
ceiling=$(emu_state "s['data_channel']['pacing']['ceiling_bytes_per_sec']")
[ "$ceiling" -gt 0 ] || fail "awsemu reports no pacing ceiling"

PORT=$(free_ports 1)
life_conf
conf_forward ssm stripe "127.0.0.1:$PORT" "$INST_A" "$SRV" warm=yes \
    max_sessions=4
start_gatewayd
life_wait_open stripe 1

cat >"$T/wait.sh" <<EOW
#!/bin/sh
# Wait (20 s at most) until the forward has \$1 open sessions.
n=0
while [ "\$n" -lt 200 ]; do
	c=\$("$GATEWAYCTL" -s "$GW_CONTROL" status --json | jq '[.forwards[] |
	    select(.name == "stripe") | .sessions[] |
	    select(.state == "open")] | length')
	[ "\$c" -ge "\$1" ] && exit 0
	sleep 0.1
	n=\$((n + 1))
done
exit 1
EOW
"$PY" "$LIFE_TOOL" stripe "$PORT" 4 "$SIZE" 5 50 sh "$T/wait.sh" \
    >"$T/stripe.out" 2>"$T/stripe.err" ||
    fail "stripe: $(cat "$T/stripe.out" "$T/stripe.err")"
cat "$T/stripe.out"
r=$(cat "$T/stripe.out")
agg=$(echo "$r" | jq .aggregate)
rtt=$(echo "$r" | jq .rtt_median_ms)
win=$(echo "$r" | jq .window_s)
echo "$r" | jq -e '.window_s >= 3' >/dev/null ||
    fail "the four downloads overlapped for ${win}s only"
opened=$(fwd_get stripe '.sessions_started')
[ "$opened" -eq 4 ] || fail "$opened sessions started, want 4"
echo "$r" | jq -e '.all_moved' >/dev/null ||
    fail "not every download moved while all four ran"
echo "$r" | jq -e '.rtt_during' >/dev/null ||
    fail "the interactive round trips ended after a bulk download did"
ok "4 downloads on $opened sessions: $agg B/s = $(echo "$agg $ceiling" |
    awk '{ printf "%.2f", $1 / $2 }') x the ceiling ($ceiling B/s) over" \
    "${win}s; round trip median $rtt ms"
stop_gatewayd
