#!/bin/sh
# Started as root with user = nobody: once the listeners and the control
# socket are bound, gatewayd runs as nobody with CAP_NET_BIND_SERVICE
# alone, serves, and a reload still binds a new port below 1024. The
# control socket's directory is nobody's, so the socket goes at exit.
# Needs root (CI runs as root) and the nobody user; skipped otherwise.
. "$top_srcdir/tests/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
	echo "SKIP: needs root and a nobody user"
	exit 77
fi
NOBODY=$(id -u nobody)

# low_port: a port below 1024 that nothing listens on.
low_port() {
	python3 -c '
import socket
for p in range(1023, 900, -1):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p)
    break
'
}

mkdir -m 0700 "$T/run"
chown nobody "$T/run"
GW_CONTROL=$T/run/control.sock
start_server echo echo
PORT=$(free_ports 1)
write_conf "user = nobody"
conf_forward tcp high "127.0.0.1:$PORT" 127.0.0.1 "$echo_PORT"
start_gatewayd
status=/proc/$GW_PID/status
[ "$(awk '/^Uid:/ { print $2 $3 $4 $5 }' "$status")" = \
    "$NOBODY$NOBODY$NOBODY$NOBODY" ] ||
    fail "not running as nobody: $(grep '^Uid:' "$status")"
# CAP_NET_BIND_SERVICE is bit 10: 0x400, and nothing else.
for set in CapEff CapPrm; do
	[ "$(awk "/^$set:/ { print \$2 }" "$status")" = 0000000000000400 ] ||
	    fail "$set: $(grep "^$set:" "$status")"
done
for set in CapInh CapAmb; do
	[ "$(awk "/^$set:/ { print \$2 }" "$status")" = 0000000000000000 ] ||
	    fail "$set: $(grep "^$set:" "$status")"
done
log_has "running as uid $NOBODY" || fail "no line for the drop"
"$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -n 65536 >"$T/high.out" ||
    fail "after the drop: $(cat "$T/high.out")"

LOW=$(low_port)
[ -n "$LOW" ] || fail "no free port below 1024"
conf_forward tcp low "127.0.0.1:$LOW" 127.0.0.1 "$echo_PORT"
gwctl reload >"$T/reload.out" 2>&1 || fail "reload: $(cat "$T/reload.out")"
[ "$(status_get '.forwards[] | select(.name == "low") | .state')" = up ] ||
    fail "low port after reload: $(gwctl status)"
"$LOADCLIENT" -c "127.0.0.1:$LOW" -m echo -n 65536 >"$T/low.out" ||
    fail "the low port: $(cat "$T/low.out")"
stop_gatewayd
[ ! -e "$GW_CONTROL" ] || fail "control socket left behind"
! log_has "not writable" || fail "a warning about the control directory"
ok "ran as nobody with CAP_NET_BIND_SERVICE; reload bound port $LOW"
