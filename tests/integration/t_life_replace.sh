#!/bin/sh
# Instance replacement under a tag: the forward's target is
# tag:Name=bastion. A live connection rides on instance A; A goes offline
# (its agent leaves: awsemu ends its sessions) and B, with the same tag,
# comes online. The live connection is closed with a reason that says the
# agent left (the log line), and new connections succeed through B well
# within the resolution delay: the next session asked
# DescribeInstanceInformation again rather than reusing A's id.
. "$top_srcdir/tests/integration/life_lib.sh"

emu_start
start_server echo echo
emu_admin POST /world "{\"instances\": [$(life_instance "$INST_A" \
    "$echo_PORT")]}" >/dev/null
PORT=$(free_ports 1)
life_conf
conf_forward ssm rep "127.0.0.1:$PORT" tag:Name=bastion "$echo_PORT" warm=yes
start_gatewayd
life_wait_open rep 1
[ "$(fwd_get rep '.sessions[0].instance')" = "$INST_A" ] ||
    fail "the first session is not on $INST_A"

# A connection that holds for long on A.
"$LOADCLIENT" -c "127.0.0.1:$PORT" -m hold -C 2 -d 60 -R "$T/ready" -x \
    -t 90 >"$T/hold.out" 2>"$T/hold.err" &
hold_pid=$!
wait_for 20 "the held connections" test -s "$T/ready"
describes=$(emu_state "s['ops'].get('ssm:DescribeInstanceInformation',
    {}).get('ok', 0)")

emu_admin POST /target "{\"id\": \"$INST_A\", \"ping\": \"ConnectionLost\"}" \
    >/dev/null
emu_admin POST /target "{\"add\": $(life_instance "$INST_B" \
    "$echo_PORT")}" >/dev/null
t0=$(date +%s%N)

# The live connections end, with a reason naming the agent's departure.
wait "$hold_pid" || fail "the held connections: $(cat "$T/hold.err")"
wait_for 10 "the close reason in the log" log_has \
    "The agent on target $INST_A is no longer connected"
grep "conn .*rep.*no longer connected" "$GW_LOG" | head -2
[ "$(grep -c "conn .*rep.*no longer connected" "$GW_LOG")" -ge 2 ] ||
    fail "the live connections were not closed with the agent's reason"

# New connections succeed through B, within 10 s (a warm restart backs
# off 1 s; a waiting connection starts a session at once).
n=0
until "$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -n 65536 -W -t 10 \
    >"$T/new.out" 2>"$T/new.err"; do
	n=$((n + 1))
	[ "$n" -lt 20 ] || fail "no new connection got through"
	sleep 0.5
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 10000 ] || fail "the first new connection took $ms ms"
life_wait_open rep 1
inst=$(fwd_get rep '[.sessions[] | select(.state == "open")][0].instance')
[ "$inst" = "$INST_B" ] || fail "the new session is on $inst, not $INST_B"
d2=$(emu_state "s['ops']['ssm:DescribeInstanceInformation']['ok']")
[ "$d2" -gt "$describes" ] || fail "the tag was not resolved again"
ok "live connections closed with the agent's reason; new ones through" \
    "$INST_B after $ms ms ($n retries)"
stop_gatewayd
