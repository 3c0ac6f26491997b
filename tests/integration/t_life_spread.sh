#!/bin/sh
# Spreading: four conns arrive at the same moment on a warm forward (one
# open session) and each pulls a stream. Streams cannot move between
# sessions, so the pool must place them on arrival. With max_sessions 4
# they end up one per session (four sessions, one stream each); with
# max_sessions 1 on the one session, and no other session is started;
# with max_sessions 4 but max_sessions_per_target 2, two sessions of two
# streams (the conns that found no session to spread to take the least
# loaded). Placement is what is asserted, read from gatewayctl status,
# never timing.
. "$top_srcdir/tests/integration/life_lib.sh"

INST_C=i-0aaaabbbbccccdddd
SIZE=$((64 * 1024 * 1024))
emu_start
life_server "$SIZE" 7
emu_admin POST /world "{\"instances\": [$(life_instance "$INST_A" "$SRV"),
    $(life_instance "$INST_B" "$SRV"), $(life_instance "$INST_C" \
    "$SRV")]}" >/dev/null
# Paced, so that the downloads are still running while we look.
emu_admin POST /knobs '{"pacing": true, "pace_us": 2000}' >/dev/null

# conns PORT N TAG: N conns at once to PORT, each asks for the download
# and reads its first KiB; they hold (reading nothing more) until
# $T/TAG.stop exists (60 s at most). $T/TAG.ok says all N got bytes.
conns() {
	"$PY" - "$1" "$2" "$T/$3" <<'EOP' >"$T/$3.log" 2>&1 &
import os, socket, sys, time
port, n, base = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = [socket.create_connection(("127.0.0.1", port), timeout=30)
         for _ in range(n)]
for s in socks:
    s.sendall(b"D")
for i, s in enumerate(socks):
    got = 0
    while got < 1024:
        b = s.recv(1024 - got)
        if not b:
            sys.exit("conn %d: closed after %d bytes" % (i, got))
        got += len(b)
open(base + ".ok", "w").close()
deadline = time.monotonic() + 60
while not os.path.exists(base + ".stop") and time.monotonic() < deadline:
    time.sleep(0.1)
EOP
	lib_track $!
}

# placed NAME: the forward's open sessions' stream counts, sorted.
placed() {
	fwd_get "$1" '[.sessions[] | select(.state == "open") | .streams] |
	    sort | map(tostring) | join(" ")'
}

has_placement() {
	[ "$(placed "$1")" = "$2" ] && [ "$(fwd_get "$1" .spreading)" = 0 ]
}

set -- $(free_ports 3)
P1=$1 P2=$2 P3=$3
life_conf
conf_forward ssm spread "127.0.0.1:$P1" "$INST_A" "$SRV" warm=yes \
    max_sessions=4 half_close_timeout=0
conf_forward ssm single "127.0.0.1:$P2" "$INST_B" "$SRV" warm=yes \
    max_sessions=1 half_close_timeout=0
start_gatewayd
life_wait_open spread 1
life_wait_open single 1

conns "$P1" 4 spread
conns "$P2" 4 single
wait_for 30 "4 conns through spread got bytes" test -e "$T/spread.ok"
wait_for 30 "4 conns through single got bytes" test -e "$T/single.ok"
wait_for 30 "spread: one stream on each of 4 sessions" \
    has_placement spread "1 1 1 1"
started=$(fwd_get spread .sessions_started)
[ "$started" -eq 4 ] || fail "spread: $started sessions started, want 4"
has_placement single "4" ||
    fail "single: streams per session '$(placed single)', want '4'"
started=$(fwd_get single .sessions_started)
[ "$started" -eq 1 ] || fail "single: $started sessions started, want 1"
touch "$T/spread.stop" "$T/single.stop"
ok "4 conns at once: one per session with max_sessions 4, all on the" \
    "one with max_sessions 1"
stop_gatewayd

# The per-target cap bounds spreading: 2 sessions of 2 streams.
life_conf "max_sessions_per_target = 2"
conf_forward ssm capped "127.0.0.1:$P3" "$INST_C" "$SRV" warm=yes \
    max_sessions=4 half_close_timeout=0
start_gatewayd
life_wait_open capped 1
conns "$P3" 4 capped
wait_for 30 "4 conns through capped got bytes" test -e "$T/capped.ok"
wait_for 30 "capped: two streams on each of 2 sessions" \
    has_placement capped "2 2"
started=$(fwd_get capped .sessions_started)
[ "$started" -eq 2 ] || fail "capped: $started sessions started, want 2"
touch "$T/capped.stop"
ok "max_sessions_per_target 2: 4 conns at once on 2 sessions, 2 each"
stop_gatewayd
