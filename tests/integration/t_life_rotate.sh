#!/bin/sh
# The service's periodic WebSocket rotation, on a compressed clock: the
# issue's "10 minutes, rotated every 10 s" (60 rotations) becomes 30 s
# rotated every 500 ms. 50 connections read a stream each (at 40 KB/s, so
# that back-pressure holds data in every layer across the rotations) on
# one mux session: every byte matches, no connection is broken, the
# session resumed at each rotation, and gatewayd's RSS after the first
# fifth stays within 8 MiB of what it was then (buffers are bounded:
# what grows past that is a leak; 8 MiB covers the allocator's arenas
# and the ASan quarantine settling).
. "$top_srcdir/tests/integration/life_lib.sh"

SECS=30
emu_start
start_server src source -n 1073741824 -s 3
emu_admin POST /world "{\"instances\": [$(life_instance "$INST_A" \
    "$src_PORT")]}" >/dev/null
emu_admin POST /knobs '{"pacing": false, "resend": "all",
    "rotate_ms": 500}' >/dev/null
PORT=$(free_ports 1)
life_conf
ssm_forward rot "$PORT" "$INST_A" "$src_PORT" warm=yes
start_gatewayd
life_wait_open rot 1

"$LOADCLIENT" -c "127.0.0.1:$PORT" -m recv -C 50 -s 3 -r 40000 \
    -d "$SECS" -t $((SECS + 60)) >"$T/recv.out" 2>"$T/recv.err" &
pid=$!
sleep $((SECS / 5))
rss0=$(rss_kb "$GW_PID")
wait "$pid" || fail "a connection broke: $(head -5 "$T/recv.err")"
rss1=$(rss_kb "$GW_PID")
cat "$T/recv.out"
grep -q "50 conns, 50 ok, 0 failed" "$T/recv.out" || fail "not 50 ok"

# A rotation comes 500 ms after the WebSocket attached, and a resume
# takes up to 200 ms of back-off: at least one a second.
resumes=$(fwd_get rot '.sessions[0].resumes')
[ "$resumes" -ge "$SECS" ] ||
    fail "$resumes resumes in ${SECS}s, want one a second at least"
[ "$(emu_state "s['ops']['ssm:StartSession']['ok']")" = 1 ] ||
    fail "more than one session"
[ "$rss1" -le $((rss0 + 8192)) ] ||
    fail "RSS grew from $rss0 KiB to $rss1 KiB"
ok "50 streams for ${SECS}s through $resumes rotations; RSS $rss0 ->" \
    "$rss1 KiB"
stop_gatewayd
