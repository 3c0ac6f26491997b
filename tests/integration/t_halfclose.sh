#!/bin/sh
# Half-close: the client sends 1 MiB and shuts its write side; the far
# side sees EOF (the sink replies only then) and the reply still reaches
# the client. Then the other way: the far side finishes first.
. "$top_srcdir/tests/lib.sh"

start_server sink sink
start_server source source -n 65536
set -- $(free_ports 2)
write_conf
add_forward up "127.0.0.1:$1" 127.0.0.1 "$sink_PORT"
add_forward down "127.0.0.1:$2" 127.0.0.1 "$source_PORT"
start_gatewayd

"$LOADCLIENT" -c "127.0.0.1:$1" -m send -n 1048576 >"$T/send.out" ||
    fail "send: $(cat "$T/send.out")"
wait_for 10 "the close line" log_has ": client closed"
# The source sends 64 KiB then its EOF; the client reads it all, sees EOF.
"$LOADCLIENT" -c "127.0.0.1:$2" -m recv -n 65536 >"$T/recv.out" ||
    fail "recv: $(cat "$T/recv.out")"
wait_for 10 "the close line" log_has ": remote closed"
stop_gatewayd
ok "reply after the client's EOF; EOF after the far side's bytes"
