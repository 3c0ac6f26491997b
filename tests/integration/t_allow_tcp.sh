#!/bin/sh
# An allow list on a TCP forward: a client from 127.0.0.2 is refused with
# one log line; one from 127.0.0.1 gets through.
. "$top_srcdir/tests/lib.sh"

echo_forward guarded "allow=127.0.0.1/32"

"$LOADCLIENT" -c "127.0.0.1:$PORT" -b 127.0.0.2:0 -m refused -t 10 \
    >"$T/out.out" || fail "outsider: $(cat "$T/out.out")"
wait_for 5 "the refusal line" log_has \
    "forward guarded: refused 127.0.0.2: address not in allow list"
"$LOADCLIENT" -c "127.0.0.1:$PORT" -b 127.0.0.1:0 -m echo -n 10000 \
    >"$T/in.out" || fail "insider: $(cat "$T/in.out")"
[ "$(status_get '.forwards[0].total')" = 1 ] || fail "total is not 1"
stop_gatewayd
ok "127.0.0.2 refused, 127.0.0.1 served"
