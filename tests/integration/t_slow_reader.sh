#!/bin/sh
# A client reading 1 KiB/s while the far side pushes 100 MiB: gatewayd
# holds only its watermarks' worth, so its RSS stays under 64 MiB and the
# far side can push little more than the socket buffers take.
. "$top_srcdir/tests/integration/lib.sh"

N=$((100 * 1024 * 1024))
LIMIT_KB=$((64 * 1024))
start_server source source -n "$N" -S "$T/source.stats"
PORT=$(free_ports 1)
write_conf
add_forward slow "127.0.0.1:$PORT" 127.0.0.1 "$source_PORT"
start_gatewayd

"$LOADCLIENT" -c "127.0.0.1:$PORT" -m recv -r 1024 -d 6 >"$T/client.out" \
    2>&1 &
CLIENT=$!
lib_track "$CLIENT"
max=0
i=0
while [ "$i" -lt 50 ] && kill -0 "$CLIENT" 2>/dev/null; do
	rss=$(rss_kb "$GW_PID")
	[ "$rss" -le "$max" ] || max=$rss
	sleep 0.1
	i=$((i + 1))
done
wait "$CLIENT" || fail "slow reader: $(cat "$T/client.out")"
sent=$(sed -n 's/^sent //p' "$T/source.stats")
[ "$max" -lt "$LIMIT_KB" ] || fail "gatewayd RSS reached $max KiB"
# Kernel socket buffers hold a few MiB; 100 MiB would mean buffering.
[ "$sent" -lt $((32 * 1024 * 1024)) ] ||
    fail "the far side pushed $sent bytes to a 1 KiB/s reader"
stop_gatewayd
ok "max RSS $max KiB, far side pushed $sent bytes, $(cat "$T/client.out")"
