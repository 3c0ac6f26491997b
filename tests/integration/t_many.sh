#!/bin/sh
# 500 concurrent connections, each echoing 1 MiB, every byte compared.
. "$top_srcdir/tests/lib.sh"

echo_forward many

"$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -C 500 -n 1048576 -t 300 \
    >"$T/client.out" || fail "loadclient: $(cat "$T/client.out")"
grep -q "500 ok, 0 failed" "$T/client.out" || fail "$(cat "$T/client.out")"
wait_for 20 "all conns closed" sh -c \
    "[ \"\$($GATEWAYCTL -s $GW_CONTROL status --json | \
    jq '.forwards[0].live')\" = 0 ]"
[ "$(status_get '.forwards[0].total')" = 500 ] || fail "total is not 500"
[ "$(status_get '.forwards[0].bytes_in')" = $((500 * 1048576)) ] ||
    fail "bytes_in is not 500 MiB"
stop_gatewayd
ok "$(cat "$T/client.out")"
