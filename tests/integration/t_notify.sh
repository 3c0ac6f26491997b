#!/bin/sh
# gatewayd speaks sd_notify(3) itself, in every build: READY=1 once the
# listeners take connections, WATCHDOG=1 from the event loop at half of
# WATCHDOG_USEC (only for its own WATCHDOG_PID), RELOADING=1 with
# MONOTONIC_USEC then READY=1 around a reload (a refused one too), and
# STOPPING=1 at SIGTERM. notifysock plays systemd's end of the socket.
. "$top_srcdir/tests/lib.sh"

NOTIFYSOCK=$top_builddir/tests/tools/notifysock
OUT=$T/notify.out

# start_notify SOCKET: a fresh listener writing to $OUT.
start_notify() {
	: >"$OUT"
	"$NOTIFYSOCK" "$1" >>"$OUT" 2>"$T/notifysock.log" &
	lib_track $!
	case $1 in
	@*)	sleep 0.2 ;;
	*)	wait_for 10 "the notify socket" test -S "$1" ;;
	esac
}

# count PATTERN: datagrams so far that match the extended regex.
count() {
	grep -c -E "$1" "$OUT" || true
}

# after N PATTERN: a datagram after the first N lines matches. (Not $n:
# wait_for uses that name.)
after() {
	tail -n +"$(($1 + 1))" "$OUT" | grep -q -E "$2"
}

start_server echo echo
PORT=$(free_ports 1)
write_conf
add_forward web "127.0.0.1:$PORT" 127.0.0.1 "$echo_PORT"

# 1. A path socket, a watchdog meant for gatewayd (no WATCHDOG_PID).
start_notify "$T/notify.sock"
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 \
    "$GATEWAYD" -d -f "$GW_CONF" >>"$GW_LOG" 2>&1 &
GW_PID=$!
lib_track "$GW_PID"
wait_for 20 "READY=1" grep -q "^READY=1" "$OUT"
# No retry: the listener must be up when READY=1 is sent.
"$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -n 1000 >"$T/client.out" 2>&1 ||
    fail "READY=1 came before the listener took connections"
head -n 1 "$OUT" | grep -q -x "$(printf 'READY=1\tSTATUS=1 of 1 forward up')" ||
    fail "the first datagram is not READY=1 with a STATUS: $(head -n 1 "$OUT")"
ok "READY=1 first, with the listener up: $(head -n 1 "$OUT" | tr '\t' ' ')"

sleep 1.2
w1=$(count "^WATCHDOG=1$")
[ "$w1" -ge 3 ] || fail "$w1 watchdog pings in 1.2s at a 200ms period"
sleep 0.6
w2=$(count "^WATCHDOG=1$")
[ "$w2" -gt "$w1" ] || fail "the watchdog pings stopped ($w1, then $w2)"
ok "WATCHDOG=1 keeps coming: $w1, then $w2"

mark=$(wc -l <"$OUT")
kill -HUP "$GW_PID"
wait_for 10 "READY=1 after SIGHUP" after "$mark" "^READY=1"
tail -n +"$((mark + 1))" "$OUT" | grep -v "^WATCHDOG=1$" >"$T/reload.out"
sed -n 1p "$T/reload.out" |
    grep -q -E "^RELOADING=1	MONOTONIC_USEC=[1-9][0-9]*$" ||
    fail "SIGHUP: no RELOADING=1 with MONOTONIC_USEC first: $(cat "$T/reload.out")"
sed -n 2p "$T/reload.out" | grep -q "^READY=1	STATUS=" ||
    fail "SIGHUP: no READY=1 after RELOADING=1: $(cat "$T/reload.out")"
ok "SIGHUP: $(tr '\t\n' '  ' <"$T/reload.out")"

# A refused reload: the old config runs, and gatewayd is ready again.
echo "no_such_key = 1" >>"$GW_CONF"
mark=$(wc -l <"$OUT")
kill -HUP "$GW_PID"
wait_for 10 "READY=1 after a refused reload" after "$mark" "^READY=1"
after "$mark" "^RELOADING=1" || fail "refused reload: no RELOADING=1"
ok "a refused reload: RELOADING=1, then READY=1 again"

mark=$(wc -l <"$OUT")
stop_gatewayd
after "$mark" "^STOPPING=1" || fail "no STOPPING=1 at SIGTERM"
ok "SIGTERM: STOPPING=1, exit 0"

# 2. An abstract socket; a watchdog meant for another process.
write_conf
add_forward web "127.0.0.1:$PORT" 127.0.0.1 "$echo_PORT"
sock="@gatewayd-notify-test-$$"
start_notify "$sock"
NOTIFY_SOCKET=$sock WATCHDOG_USEC=200000 WATCHDOG_PID=1 \
    "$GATEWAYD" -d -f "$GW_CONF" >>"$GW_LOG" 2>&1 &
GW_PID=$!
lib_track "$GW_PID"
wait_for 20 "READY=1 on an abstract socket" grep -q "^READY=1" "$OUT"
sleep 0.6
[ "$(count "^WATCHDOG=1$")" -eq 0 ] ||
    fail "watchdog pings for WATCHDOG_PID=1"
stop_gatewayd
grep -q "^STOPPING=1" "$OUT" || fail "abstract: no STOPPING=1"
ok "abstract socket: READY=1 and STOPPING=1; no pings for another pid"
