#!/bin/sh
# 100 MiB each way through a tcp forward: what comes back is what was sent
# (SHA-256), and the far side received every byte of it.
. "$top_srcdir/tests/lib.sh"

N=$((100 * 1024 * 1024))
echo_forward bulk

"$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -n "$N" -t 300 >"$T/client.out" \
    || fail "loadclient: $(cat "$T/client.out")"
sent=$(sha_of "$T/client.out" out)
got=$(sha_of "$T/client.out" in)
[ -n "$sent" ] && [ "$sent" = "$got" ] || fail "hashes differ: $sent $got"
wait_for 10 "the echo server's line" grep -q "echo conn 1: $N " \
    "$T/echo.out"
far=$(sed -n 's/^echo conn 1: [0-9]* //p' "$T/echo.out")
[ "$far" = "$sent" ] || fail "far side received $far, client sent $sent"
wait_for 10 "the close line" log_has "104.9 MB in, 104.9 MB out"
stop_gatewayd
ok "100 MiB each way, sha256 $sent"
