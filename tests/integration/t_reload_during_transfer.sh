#!/bin/sh
# A SIGHUP that changes one forward while 200 MiB run through another: the
# transfer completes intact on its untouched forward, the changed forward
# now reaches its new target. The client stops half-way, bytes in flight,
# until the reload is checked (-G): a fast machine would finish first.
. "$top_srcdir/tests/lib.sh"

N=$((200 * 1024 * 1024))
start_server one echo
start_server two echo
set -- $(free_ports 2)
A=$1 B=$2
write_conf
add_forward steady "127.0.0.1:$A" 127.0.0.1 "$one_PORT"
add_forward moving "127.0.0.1:$B" 127.0.0.1 "$one_PORT"
start_gatewayd

"$LOADCLIENT" -c "127.0.0.1:$A" -m echo -n "$N" -t 600 -R "$T/half" \
    -G "$T/go" >"$T/big.out" 2>&1 &
BIG=$!
lib_track "$BIG"
wait_for 120 "the transfer's first half" test -s "$T/half"

write_conf
add_forward steady "127.0.0.1:$A" 127.0.0.1 "$one_PORT"
add_forward moving "127.0.0.1:$B" 127.0.0.1 "$two_PORT"
reload_gatewayd
log_has "reload: 0 added, 0 removed, 1 changed, 1 unchanged" ||
    fail "reload did not change exactly one forward"
kill -0 "$BIG" || fail "the transfer ended before the reload was done"

"$LOADCLIENT" -c "127.0.0.1:$B" -m echo -n 1000 >"$T/small.out" ||
    fail "moving: $(cat "$T/small.out")"
wait_for 10 "the new target to see the conn" grep -q "echo conn 1: 1000 " \
    "$T/two.out"
touch "$T/go"

wait "$BIG" || fail "transfer: $(cat "$T/big.out")"
sent=$(sha_of "$T/big.out" out)
got=$(sha_of "$T/big.out" in)
[ -n "$sent" ] && [ "$sent" = "$got" ] || fail "hashes differ"
[ "$(status_get '.forwards[] | select(.name == "steady") | .total')" = 1 ] ||
    fail "steady forward was restarted"
stop_gatewayd
ok "200 MiB intact across a reload, sha256 $sent"
