#!/bin/sh
# Make before break: awsemu ends every session after 6 s (the maximum
# session duration, compressed from the account's 20 min or more), and
# the forward knows it (max_session_duration = 6s). A client connects
# every 300 ms for 24 s (four durations): no connection is refused or
# broken, every session is replaced before its end, none reaches its end
# with a stream on it. The replacement starts a tenth of the duration
# before the end (600 ms), time enough for a loaded machine to open a
# session; how often replacements come is the machine's (once per 5.4 s
# with fast starts), so the test counts that each was made, not when.
. "$top_srcdir/tests/integration/life_lib.sh"

emu_start
start_server echo echo
emu_admin POST /world "{\"instances\": [$(life_instance "$INST_A" \
    "$echo_PORT")]}" >/dev/null
emu_admin POST /knobs '{"max_session_ms": 6000}' >/dev/null
PORT=$(free_ports 1)
life_conf
# The echo target ends a stream only at the client's EOF: no half-close
# wait (it would keep each stream 2 s on a draining session).
conf_forward ssm mbb "127.0.0.1:$PORT" "$INST_A" "$echo_PORT" warm=yes \
    max_session_duration=6s half_close_timeout=0
start_gatewayd
life_wait_open mbb 1

t0=$(date +%s%N)
n=0
while :; do
	now=$(date +%s%N)
	[ $(( (now - t0) / 1000000 )) -lt 24000 ] || break
	n=$((n + 1))
	"$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -n 4096 -s "$n" -W \
	    -t 10 >"$T/c.out" 2>"$T/c.err" ||
	    fail "connection $n failed: $(cat "$T/c.err" "$T/c.out")"
	sleep 0.3
done
elapsed=$(( ($(date +%s%N) - t0) / 1000000 ))
ok "$n connections in ${elapsed} ms, none refused or broken"

# Every session but the last was replaced before its end (none died with
# a stream on it): four durations make three replacements at least.
repl=$(fwd_get mbb .replacements)
started=$(fwd_get mbb .sessions_started)
[ "$repl" -ge 3 ] || fail "$repl replacements in $elapsed ms, want 3"
[ "$repl" -ge $((started - 2)) ] && [ "$repl" -le "$started" ] ||
    fail "$repl replacements for $started sessions started"
ok "$repl replacements, $started sessions (one per 5.4 s would be" \
    "$((elapsed / 5400)))"
if grep -E "conn [0-9]+ .*maximum session duration" "$GW_LOG"; then
	fail "a connection was closed by the maximum session duration"
fi
log_has "replacing it before its end" || fail "no replacement logged"
stop_gatewayd
