#!/bin/sh
# gatewayctl against a running gatewayd: events follow connections, down
# stops a forward and up restarts it, errors exit non-zero with a message.
. "$top_srcdir/tests/lib.sh"

echo_forward web

gwctl events --json >"$T/events.out" 2>&1 &
EV=$!
lib_track "$EV"
wait_for 10 "the events follower" grep -q "control client [0-9]*: events$" \
    "$GW_LOG"
"$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -n 1000 >/dev/null ||
    fail "echo through web"
wait_for 10 "the close event" grep -q '"event":"close"' "$T/events.out"
grep -q '"event":"open".*"forward":"web"' "$T/events.out" ||
    fail "no open event: $(cat "$T/events.out")"
grep -q '"reason":"client closed"' "$T/events.out" || fail "close reason"

gwctl down web || fail "down web"
[ "$(status_get '.forwards[0].state')" = down ] || fail "state not down"
if "$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -n 10 -t 5 >/dev/null 2>&1
then
	fail "a downed forward still serves"
fi
gwctl up web || fail "up web"
"$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -n 1000 >/dev/null ||
    fail "web after up"

if gwctl down nosuch 2>"$T/err.out"; then
	fail "down of an unknown forward succeeded"
fi
grep -q 'no forward "nosuch"' "$T/err.out" || fail "$(cat "$T/err.out")"
gwctl reload || fail "reload of an unchanged file"
wait_for 5 "the reload" log_has "reload: 0 added, 0 removed, 0 changed, 1 unchanged"
stop_gatewayd
ok "events, down/up, errors, reload"
