#!/bin/sh
# A client reading 1 KiB/s while the far side pushes: gatewayd holds only
# its watermarks' worth, so its RSS stays under 64 MiB and the far side can
# push little more than the socket buffers take. The test fixes its own
# sockets' buffers (the source's -B, the reader's); gatewayd's two grow at
# most to tcp_rmem's and tcp_wmem's maxima, which this machine says, and
# the source offers four times all of that (100 MiB at least).
. "$top_srcdir/tests/lib.sh"

rmax=$(awk '{ print $3 }' /proc/sys/net/ipv4/tcp_rmem)
wmax=$(awk '{ print $3 }' /proc/sys/net/ipv4/tcp_wmem)
# The kernel's share, gatewayd's watermarks (256 KiB each way, with a read
# past them) and the test's fixed buffers, with room to spare.
BOUND=$((rmax + wmax + 4 * 1024 * 1024))
N=$((4 * BOUND))
[ "$N" -ge $((100 * 1024 * 1024)) ] || N=$((100 * 1024 * 1024))
LIMIT_KB=$((64 * 1024))
start_server source source -n "$N" -B 65536 -S "$T/source.stats"
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
# More than the buffers' bound would mean gatewayd buffering.
[ "$sent" -lt "$BOUND" ] ||
    fail "the far side pushed $sent bytes to a 1 KiB/s reader (bound $BOUND)"
stop_gatewayd
ok "max RSS $max KiB, far side pushed $sent of $N bytes (bound $BOUND)," \
    "$(cat "$T/client.out")"
