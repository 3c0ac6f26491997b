#!/bin/sh
# Half-close through a mux session: a client sends a request and shuts
# its side at once (printf req | nc -N); the target answers 300 ms later
# and closes. smux cannot carry the client's half-close, so the stream's
# FIN waits for the target's (half_close_timeout): the whole reply
# arrives. With half_close_timeout = 0 the FIN goes at once and the reply
# is lost, which shows the test can fail. A target that never ends is cut
# after the timeout, with a reason in the log.
. "$top_srcdir/tests/integration/life_lib.sh"

emu_start
"$PY" "$LIFE_TOOL" reqserver "$T/srv.port" >"$T/srv.log" 2>&1 &
lib_track $!
start_server echo echo
wait_for 20 "the target" test -s "$T/srv.port"
SRV=$(cat "$T/srv.port")
emu_admin POST /world "{\"instances\": [{\"id\": \"$INST_A\",
    \"agent_version\": \"3.3.987.0\",
    \"ports\": {\"$SRV\": \"127.0.0.1:$SRV\",
    \"$echo_PORT\": \"127.0.0.1:$echo_PORT\"}}]}" >/dev/null
set -- $(free_ports 3)
life_conf
conf_forward ssm held "127.0.0.1:$1" "$INST_A" "$SRV" warm=yes
conf_forward ssm cut "127.0.0.1:$2" "$INST_A" "$SRV" warm=yes \
    half_close_timeout=0
conf_forward ssm echo "127.0.0.1:$3" "$INST_A" "$echo_PORT" warm=yes \
    half_close_timeout=2s
start_gatewayd
life_wait_open held 1
life_wait_open cut 1
life_wait_open echo 1

for n in 100 200000; do
	"$PY" "$LIFE_TOOL" req "$1" "$n" || fail "the reply of $n bytes was lost"
done
if "$PY" "$LIFE_TOOL" req "$2" 100 2>/dev/null; then
	fail "half_close_timeout = 0 delivered the late reply"
fi
ok "a late reply arrives after the client's EOF; without the wait it is lost"

# An echo target never ends by itself: the stream is cut after 2 s.
printf 'x' | "$PY" -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
s.sendall(b"x")
s.shutdown(socket.SHUT_WR)
t = time.monotonic()
got = s.recv(10)
while s.recv(10):
    pass
sys.exit(0 if got == b"x" and time.monotonic() - t < 10 else 1)
' "$3" || fail "the echo half-close"
wait_for 10 "the half-close timeout" log_has "half_close_timeout"
ok "a target that never ends is cut after half_close_timeout"
stop_gatewayd
