#!/bin/sh
# SIGTERM drains: accepting stops, live connections may finish within the
# drain timeout, and what outlives it is closed with a logged reason.
. "$top_srcdir/tests/lib.sh"

start_server echo echo
PORT=$(free_ports 1)

# 1. Connections that finish in time complete their work: they hold until
# the drain has started (go1), however long the machine takes to get there.
write_conf "drain_timeout = 60s"
add_forward d "127.0.0.1:$PORT" 127.0.0.1 "$echo_PORT"
start_gatewayd
"$LOADCLIENT" -c "127.0.0.1:$PORT" -m hold -C 2 -G "$T/go1" -R "$T/ready1" \
    >"$T/hold1.out" 2>&1 &
HOLD=$!
lib_track "$HOLD"
wait_for 10 "conns held" test -s "$T/ready1"
kill -TERM "$GW_PID"
wait_for 20 "the drain to start" log_has "shutdown: waiting for 2 connections"
"$LOADCLIENT" -c "127.0.0.1:$PORT" -m refused -t 5 >/dev/null ||
    fail "gatewayd still accepts while draining"
touch "$T/go1"
wait "$HOLD" || fail "held conns: $(cat "$T/hold1.out")"
lib_wait_gone "$GW_PID" 100 || fail "gatewayd did not exit after the drain"
wait "$GW_PID" || fail "gatewayd exited with status $?"

# 2. Connections that outlive the drain timeout are closed.
mv "$GW_LOG" "$T/first.log"
write_conf "drain_timeout = 1s"
add_forward d "127.0.0.1:$PORT" 127.0.0.1 "$echo_PORT"
start_gatewayd
"$LOADCLIENT" -c "127.0.0.1:$PORT" -m hold -x -C 2 -d 60 -R "$T/ready2" \
    >"$T/hold2.out" 2>&1 &
HOLD=$!
lib_track "$HOLD"
wait_for 10 "conns held" test -s "$T/ready2"
stop_gatewayd
wait "$HOLD" || fail "held conns were not closed: $(cat "$T/hold2.out")"
log_has ": shutdown: drain timeout (1s)" || fail "no reason logged"
ok "drained in time; closed after the timeout"
