#!/bin/sh
# gatewayctl status (table and --json) reflects live connections.
. "$top_srcdir/tests/lib.sh"

echo_forward db

"$LOADCLIENT" -c "127.0.0.1:$PORT" -m hold -C 3 -d 60 -R "$T/ready" \
    >"$T/hold.out" 2>&1 &
HOLD=$!
lib_track "$HOLD"
wait_for 10 "3 conns held" test -s "$T/ready"
[ "$(status_get '.forwards[0].live')" = 3 ] || fail "live is not 3"
[ "$(status_get '.forwards[0].total')" = 3 ] || fail "total is not 3"
[ "$(status_get '.forwards[0].conns | length')" = 3 ] || fail "3 conns"
[ "$(status_get '.forwards[0].bytes_in')" = 48 ] || fail "bytes_in"
[ "$(status_get '.forwards[0].conns[0].state')" = open ] || fail "state"
gwctl status >"$T/table.out"
head -n 1 "$T/table.out" | grep -q \
    "^FORWARD  *LISTEN  *FORWARDER  *TARGET  *REGION  *PROFILE  *STATE  *LIVE  *TOTAL  *IN  *OUT  *LAST ERROR$" ||
    fail "table header: $(head -n 1 "$T/table.out")"
grep -q "^db  *127.0.0.1:$PORT  *tcp  *127.0.0.1:$echo_PORT  *-  *-  *up  *3  *3 " \
    "$T/table.out" || fail "table row: $(cat "$T/table.out")"
kill -TERM "$HOLD"
wait_for 10 "live 0" sh -c \
    "[ \"\$($GATEWAYCTL -s $GW_CONTROL status --json | \
    jq '.forwards[0].live')\" = 0 ]"
stop_gatewayd
ok "status showed 3 live, then 0"
