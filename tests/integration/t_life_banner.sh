#!/bin/sh
# A server that speaks first (an SSH or MySQL banner) to a client that
# sends nothing: the stream's SYN must go when the conn is placed, not
# with the client's first bytes, or the banner never comes. Three conns
# through a warm mux forward with max_sessions 2, none of them sending a
# byte: the first on the warm session, the second on the session the
# pool opens for it (spreading), the third once both are busy. Each gets
# the banner whole (a generous deadline, never a timing bound).
. "$top_srcdir/tests/integration/life_lib.sh"

BANNER="SSH-2.0-gatewayd_banner_test"
emu_start
"$PY" "$LIFE_TOOL" banner "$T/srv.port" "$BANNER" >"$T/srv.log" 2>&1 &
lib_track $!
wait_for 20 "the target" test -s "$T/srv.port"
SRV=$(cat "$T/srv.port")
emu_admin POST /world "{\"instances\": [$(life_instance "$INST_A" \
    "$SRV")]}" >/dev/null

PORT=$(free_ports 1)
life_conf
conf_forward ssm banner "127.0.0.1:$PORT" "$INST_A" "$SRV" warm=yes \
    max_sessions=2 half_close_timeout=0
start_gatewayd
life_wait_open banner 1

# listen N: conn N reads the banner (30 s at most), sends nothing, and
# holds the conn until $T/stop exists; $T/got.N has what it read.
listen() {
	"$PY" - "$PORT" "$T/got.$1" "$T/stop" "${#BANNER}" <<'EOP' \
	    >"$T/client.$1.log" 2>&1 &
import os, socket, sys, time
port, out, stop, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], \
    int(sys.argv[4]) + 2
s = socket.create_connection(("127.0.0.1", port), timeout=30)
got = b""
while len(got) < n:
    b = s.recv(n - len(got))
    if not b:
        break
    got += b
with open(out + ".tmp", "wb") as f:
    f.write(got)
os.rename(out + ".tmp", out)
deadline = time.monotonic() + 60
while not os.path.exists(stop) and time.monotonic() < deadline:
    time.sleep(0.1)
EOP
	lib_track $!
}

got_banner() {
	test -s "$T/got.$1" && [ "$(cat "$T/got.$1")" = "$(printf \
	    '%s\r\n' "$BANNER")" ]
}

for i in 1 2 3; do
	listen $i
	wait_for 30 "conn $i gets the banner without sending" got_banner $i
	[ "$i" -lt 2 ] || life_wait_open banner 2
done
placed=$(fwd_get banner '[.sessions[] | select(.state == "open") |
    .streams] | sort | map(tostring) | join(" ")')
[ "$placed" = "1 2" ] || fail "streams per session '$placed', want '1 2'"
touch "$T/stop"
ok "3 silent clients got the server's banner: on the warm session, on" \
    "the one opened for the second, and beside them"
stop_gatewayd
