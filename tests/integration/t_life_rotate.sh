#!/bin/sh
# The service's periodic WebSocket rotation, on a compressed clock: the
# issue's "10 minutes, rotated every 10 s" (60 rotations) becomes 30 s
# rotated every 500 ms. 50 connections read a stream each (at 40 KB/s, so
# that back-pressure holds data in every layer across the rotations) on
# one mux session: every byte matches, no connection is broken, the
# session resumed at each rotation awsemu made, and gatewayd's RSS after
# the first fifth grows by no more than its data path's bounds allow: on a loaded
# machine the slow readers let every bounded buffer fill to its mark
# after the first sample (the data channel's out-of-order store, 10000
# messages of up to 1 KiB + header; 50 client outputs at their 256 KiB
# high mark; the session's 4 MiB undelivered mark), and glibc keeps what
# was freed (M_TRIM_THRESHOLD is 64 MiB). A leak of more than about
# 0.6 MiB per rotation fails it; 8 MiB covers the allocator's arenas.
# How many rotations fit in 30 s is the machine's: each waits for the
# resume before it, and gatewayd sees awsemu's close only once it has
# read what the kernel holds ahead of it, which with 32 MiB loopback
# buffers is seconds of data at 2 MB/s. So the streams run for at least
# 30 s and until awsemu has rotated ten times (-G ends them cleanly).
# Under ASan every allocation carries a redzone and its size-class
# rounding, and freed memory waits in a 16 MiB quarantine (lib.sh sets
# it): the bounds double and the quarantine is added; LeakSanitizer at
# exit is that build's leak check.
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
conf_forward ssm rot "127.0.0.1:$PORT" "$INST_A" "$src_PORT" warm=yes
start_gatewayd
life_wait_open rot 1

rotations() { grep -c "rotated after" "$EMU_LOG" || true; }
rotated_ten() { [ "$(rotations)" -ge 10 ]; }
"$LOADCLIENT" -c "127.0.0.1:$PORT" -m recv -C 50 -s 3 -r 40000 \
    -G "$T/go" -t 400 >"$T/recv.out" 2>"$T/recv.err" &
pid=$!
sleep $((SECS / 5))
rss0=$(rss_kb "$GW_PID")
sleep $((SECS - SECS / 5))
wait_for 300 "awsemu's tenth rotation" rotated_ten
touch "$T/go"
wait "$pid" || fail "a connection broke: $(head -5 "$T/recv.err")"
rss1=$(rss_kb "$GW_PID")
cat "$T/recv.out"
grep -q "50 conns, 50 ok, 0 failed" "$T/recv.out" || fail "not 50 ok"

# A rotation comes 500 ms after the WebSocket attached: every one that
# awsemu made was resumed (the last may still be under way).
rotations=$(rotations)
resumes=$(fwd_get rot '.sessions[0].resumes')
[ "$resumes" -ge $((rotations - 1)) ] ||
    fail "$resumes resumes after $rotations rotations"
[ "$(emu_state "s['ops']['ssm:StartSession']['ok']")" = 1 ] ||
    fail "more than one session"
bounds_kb=$(( (10000 * 1144 + 50 * 262144 + 4194304) / 1024 ))
slack_kb=8192
if life_sanitized; then
	bounds_kb=$((bounds_kb * 2))
	slack_kb=$((slack_kb + 16384))
fi
[ "$rss1" -le $((rss0 + bounds_kb + slack_kb)) ] ||
    fail "RSS grew from $rss0 KiB to $rss1 KiB, more than the" \
	"buffers' bounds ($bounds_kb KiB) + $((slack_kb / 1024)) MiB"
ok "50 streams for ${SECS}s or more through $rotations rotations ($resumes" \
    "resumes); RSS $rss0 ->" \
    "$rss1 KiB"
stop_gatewayd
