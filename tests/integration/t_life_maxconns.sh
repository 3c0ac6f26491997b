#!/bin/sh
# max_conns counts what the user can see (issue 10, finding 6). Through a
# mux session with half_close_timeout, a stream whose client has sent EOF
# waits for the target's end; an echo target never ends. 200 rapid short
# connections (send a byte, read it back, close) against max_conns = 4:
# none may be refused, since each client had finished before the next
# came (a conn that only waits after its client's EOF gives its slot up
# to a new client). Four clients that stay connected still fill the
# forward: a fifth is refused.
. "$top_srcdir/tests/integration/life_lib.sh"

END_TOOL=$top_srcdir/tests/integration/end_tool.py
emu_start
start_server echo echo
emu_admin POST /world "{\"instances\": [$(life_instance "$INST_A" \
    "$echo_PORT")]}" >/dev/null
PORT=$(free_ports 1)
life_conf
conf_forward ssm mc "127.0.0.1:$PORT" "$INST_A" "$echo_PORT" warm=yes \
    max_conns=4 half_close_timeout=60s
start_gatewayd
life_wait_open mc 1

"$PY" "$END_TOOL" many "$PORT" 200 >"$T/many.out" ||
    fail "rapid conns: $(cat "$T/many.out")"
refused=$(grep -c "max_conns reached" "$GW_LOG" || true)
[ "$refused" = 0 ] || fail "$refused rapid conns refused by max_conns"
ok "200 rapid conns, none refused: $(cat "$T/many.out")"

"$LOADCLIENT" -c "127.0.0.1:$PORT" -m hold -C 4 -d 30 -R "$T/ready" \
    -t 60 >"$T/hold.out" 2>&1 &
HOLD=$!
lib_track "$HOLD"
wait_for 30 "four held conns" test -s "$T/ready"
"$LOADCLIENT" -c "127.0.0.1:$PORT" -m refused -t 10 >"$T/refused.out" \
    2>&1 || fail "a fifth live conn was not refused: $(cat "$T/refused.out")"
wait_for 10 "the refusal's log line" log_has "max_conns reached"
ok "four live conns fill max_conns = 4"
kill "$HOLD" 2>/dev/null || true
stop_gatewayd
