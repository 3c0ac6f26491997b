#!/bin/sh
# Make before break: awsemu ends every session after 3 s (the maximum
# session duration, compressed from the account's 20 min or more), and
# the forward knows it (max_session_duration = 3s). A client connects
# every 300 ms (a tenth of it) for 18 s (six durations): no connection is
# refused or broken, each replacement opens before the old session's end,
# no session reaches its end with a stream on it, and the replacements
# number one per 2.7 s (the duration less its tenth of lead).
. "$top_srcdir/tests/integration/life_lib.sh"

emu_start
start_server echo echo
emu_admin POST /world "{\"instances\": [$(life_instance "$INST_A" \
    "$echo_PORT")]}" >/dev/null
emu_admin POST /knobs '{"max_session_ms": 3000}' >/dev/null
PORT=$(free_ports 1)
life_conf
ssm_forward mbb "$PORT" "$INST_A" "$echo_PORT" warm=yes \
    max_session_duration=3s
start_gatewayd
life_wait_open mbb 1

t0=$(date +%s%N)
n=0
while :; do
	now=$(date +%s%N)
	[ $(( (now - t0) / 1000000 )) -lt 18000 ] || break
	n=$((n + 1))
	"$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -n 4096 -s "$n" -W \
	    -t 10 >"$T/c.out" 2>"$T/c.err" ||
	    fail "connection $n failed: $(cat "$T/c.err" "$T/c.out")"
	sleep 0.3
done
elapsed=$(( ($(date +%s%N) - t0) / 1000000 ))
ok "$n connections in ${elapsed} ms, none refused or broken"

repl=$(fwd_get mbb .replacements)
want=$((elapsed / 2700))
[ "$repl" -ge $((want - 1)) ] && [ "$repl" -le $((want + 1)) ] ||
    fail "$repl replacements in $elapsed ms, want $want (+-1)"
ok "$repl replacements (one per 2.7 s: $want)"
if log_has "maximum session duration"; then
	grep "maximum session duration" "$GW_LOG" | head -3
	fail "a session reached its maximum duration"
fi
log_has "replacing it before its end" || fail "no replacement logged"
stop_gatewayd
