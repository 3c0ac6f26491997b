#!/bin/sh
# The control socket cannot be locked (issue 10, finding 4): clients that
# send nothing are closed after 5 s and make room for the owner before
# that; followers keep their slots; a full socket says so; and gatewayctl
# gives up on a silent or stuck gatewayd in time, naming the socket and
# the step that failed.
. "$top_srcdir/tests/lib.sh"

CLIENTS=$top_srcdir/tests/integration/ctl_clients.py

echo_forward web

# 80 idle clients, more than the socket takes: status still answers, and
# every idle client is gone within the deadline.
"$PY" "$CLIENTS" idle "$GW_CONTROL" 80 20 >"$T/idle.out" 2>&1 &
IDLE=$!
lib_track "$IDLE"
wait_for 10 "80 idle clients" grep -q "^connected 80" "$T/idle.out"
timeout 15 "$GATEWAYCTL" -s "$GW_CONTROL" status >"$T/status.out" 2>&1 ||
    fail "status beside 80 idle clients: $(cat "$T/status.out")"
grep -q "^web " "$T/status.out" || fail "status: $(cat "$T/status.out")"
wait "$IDLE" || fail "idle clients: $(cat "$T/idle.out")"
log_has ": closed: no request within 5s" || fail "no idle close logged"
log_has ": closed: idle, room for the owner" || fail "no eviction logged"

# Followers are not idle: they take every slot and keep it past the
# deadline; a newcomer is told why it is turned away.
"$PY" "$CLIENTS" follow "$GW_CONTROL" 80 "$T/follow.out" 7 \
    >"$T/held.out" 2>&1 &
FOLLOW=$!
lib_track "$FOLLOW"
wait_for 15 "80 followers" test -s "$T/follow.out"
grep -q "^followers 72 refused 8$" "$T/follow.out" ||
    fail "followers: $(cat "$T/follow.out")"
if timeout 15 "$GATEWAYCTL" -s "$GW_CONTROL" status >/dev/null \
    2>"$T/err.out"; then
	fail "status got in past 72 followers"
fi
want="gatewayd at $GW_CONTROL refused the connection: too many clients (72)"
grep -q -F "gatewayctl: $want" "$T/err.out" ||
    fail "refusal: $(cat "$T/err.out")"
wait "$FOLLOW" || fail "followers: $(cat "$T/held.out")"
gwctl status >/dev/null || fail "status once the followers left"

# A gatewayd that accepts and never answers, one that never accepts:
# gatewayctl ends, in time, and says which.
"$PY" "$CLIENTS" silent "$T/silent.sock" 2>"$T/silent.log" &
lib_track $!
"$PY" "$CLIENTS" stuck "$T/stuck.sock" 2>"$T/stuck.log" &
lib_track $!
wait_for 5 "the stand-ins" test -S "$T/silent.sock" -a -S "$T/stuck.sock"
if timeout 20 "$GATEWAYCTL" -s "$T/silent.sock" status 2>"$T/err.out"; then
	fail "status from a silent gatewayd"
fi
want="no answer from gatewayd at $T/silent.sock within 10s"
grep -q -F "gatewayctl: $want" "$T/err.out" ||
    fail "silent: $(cat "$T/err.out")"
if timeout 20 "$GATEWAYCTL" -s "$T/stuck.sock" -t 2 status 2>"$T/err.out"
then
	fail "status from a gatewayd that never accepts"
fi
want="gatewayd at $T/stuck.sock did not accept the connection within 2s"
grep -q -F "gatewayctl: $want" "$T/err.out" ||
    fail "stuck: $(cat "$T/err.out")"

stop_gatewayd
ok "idle clients closed, the owner gets in, refusals explained, timeouts"
