#!/bin/sh
# 200 concurrent connections on one ssm forward, each 1 MiB echoed with
# its own stream of bytes: one mux session carries them all (one
# StartSession), every echo is exact, and gatewayctl status shows the
# session with the streams it carried. With 4 KiB loopback buffers the
# echo takes minutes: the deadline is generous.
. "$top_srcdir/tests/lib.sh"

start_server echo echo
ssm_instance i-0123456789abcdef0 3.3.987.0 Online '{"Name": "web"}' \
    "{\"80\": \"127.0.0.1:$echo_PORT\"}"
ssm_emu_start --knob pacing=false
PORT=$(free_ports 1)
ssm_conf
add_ssm_forward many "127.0.0.1:$PORT" i-0123456789abcdef0 80
start_gatewayd

"$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -W -C 200 -n 1048576 -t 1200 \
    >"$T/client.out" || fail "loadclient: $(cat "$T/client.out")"
grep -q "200 conns, 200 ok, 0 failed" "$T/client.out" ||
    fail "$(cat "$T/client.out")"
ok "200 connections, 1 MiB each echoed"

fw='.forwards[] | select(.name == "many")'
[ "$(status_get "$fw | .sessions_started")" = 1 ] ||
    fail "$(status_get "$fw | .sessions_started") sessions, want 1"
[ "$(status_get "$fw | .sessions[0].streams_total")" = 200 ] ||
    fail "the session carried $(status_get "$fw | .sessions[0].streams_total") streams"
started=$(emu_admin GET /state | jq -r .sessions.started)
[ "$started" = 1 ] || fail "awsemu saw $started StartSession calls"
ok "one session, 200 streams"

gwctl status >"$T/status.out" || fail "gatewayctl status failed"
grep -E "^many/1 +i-0123456789abcdef0 +mux +3\.3\.987\.0 +open " \
    "$T/status.out" >/dev/null || fail "status: $(cat "$T/status.out")"
ok "gatewayctl status shows the session"
stop_gatewayd
