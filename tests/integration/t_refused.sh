#!/bin/sh
# A target that refuses: the client is closed at once, the reason is in
# the log line and in gatewayctl status as the forward's last error.
. "$top_srcdir/tests/lib.sh"

set -- $(free_ports 2)
write_conf
add_forward nowhere "127.0.0.1:$1" 127.0.0.1 "$2"
start_gatewayd
"$LOADCLIENT" -c "127.0.0.1:$1" -m refused -t 10 >/dev/null ||
    fail "the client was not closed"
wait_for 5 "the close line" log_has \
    "-> 127.0.0.1:$2): 0 B in, 0 B out, "
log_has "connect to 127.0.0.1:$2: Connection refused" || fail "no reason"
[ "$(status_get '.forwards[0].last_error')" = \
    "connect to 127.0.0.1:$2: Connection refused" ] || fail "last_error"
stop_gatewayd
ok "refused target reported"
