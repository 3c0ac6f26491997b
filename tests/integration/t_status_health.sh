#!/bin/sh
# gatewayctl status tells the truth about ssm forwards, and says it in its
# exit status: 0 while every forward is up; a forward whose session starts
# all fail (awsemu fails StartSession) is "failed", and once a start gets
# through after that "degraded": 1 either way; a forward taken down, 1;
# brought up again, 0; no daemon to ask, 2. The table has the REGION and
# PROFILE columns. The text close line names the session and stream
# awsemu issued; an events follower gets the close events of the conns
# open at SIGTERM, with their session ids, before the daemon goes.
. "$top_srcdir/tests/lib.sh"

INST=i-0123456789abcdef0
ssm_echo_emu "$INST"
set -- $(free_ports 2)
WEB=$1 BAD=$2
ssm_conf "drain_timeout = 1s"
add_ssm_forward web "127.0.0.1:$WEB" "$INST" 22
add_ssm_forward bad "127.0.0.1:$BAD" "$INST" 22
start_gatewayd

# status_rc [ARGS]: gatewayctl status's exit status.
status_rc() {
	sr_rc=0
	gwctl status "$@" >"$T/status.out" 2>&1 || sr_rc=$?
	echo "$sr_rc"
}

# follower_hears: a probe conn through web, and the follower has an event.
follower_hears() {
	"$LOADCLIENT" -c "127.0.0.1:$WEB" -m echo -W -n 10 >/dev/null 2>&1 &&
	    grep -q '"event":"open"' "$T/events.out"
}

# state_is NAME STATE: forward NAME's state in status --json.
state_is() {
	[ "$(fwd_get "$1" .state)" = "$2" ]
}

"$LOADCLIENT" -c "127.0.0.1:$WEB" -m echo -W -n 1000 >"$T/web.out" 2>&1 ||
    fail "echo through web: $(cat "$T/web.out")"
expect_eq "status exit, all up" "$(status_rc)" 0
expect_eq "status --json exit, all up" "$(status_rc --json)" 0
gwctl status >"$T/table.out"
grep -q "^FORWARD  *LISTEN  *FORWARDER  *TARGET  *REGION  *PROFILE  *STATE " \
    "$T/table.out" || fail "table header: $(head -n 1 "$T/table.out")"
grep -q "^web  *127.0.0.1:$WEB  *ssm  *$INST:22  *us-east-1  *default  *up " \
    "$T/table.out" || fail "web's row: $(cat "$T/table.out")"
expect_eq "region in --json" "$(fwd_get web .region)" us-east-1
expect_eq "profile in --json" "$(fwd_get web .profile)" default
ok "all up: exit 0; region and profile in the table and --json"

# The close line names the session awsemu issued, and the stream.
sid=$(emu_state "s['sessions']['list'][0]['id']")
wait_for 10 "web's close line" grep -q \
    "(web 127.0.0.1:[0-9]* -> $INST:22 session $sid stream [0-9]*): " "$GW_LOG"
grep "(web .* session $sid" "$GW_LOG" | grep -q " info: conn " ||
    fail "the close line is not at info: $(grep "session $sid" "$GW_LOG")"
ok "the close line names session $sid and its stream"

# Every StartSession fails: bad's first conn is refused, bad is failed.
emu_admin POST /knobs '{"fail": [{"op": "ssm:StartSession", "count": 1000,
    "code": "AccessDeniedException", "status": 400,
    "message": "not allowed"}]}' >/dev/null || fail "the fail knob"
"$LOADCLIENT" -c "127.0.0.1:$BAD" -m echo -W -n 10 -t 30 >"$T/bad.out" 2>&1 &&
    fail "a conn got through a forward whose StartSession fails"
wait_for 30 "bad failed" state_is bad failed
expect_eq "status exit, bad failed" "$(status_rc)" 1
expect_eq "status --json exit, bad failed" "$(status_rc --json)" 1
expect_eq "status --names exit, bad failed" "$(status_rc --names)" 1
gwctl status >"$T/table.out" || true
grep -q "^bad .* failed .*not allowed" "$T/table.out" ||
    fail "bad's row: $(cat "$T/table.out")"
state_is web up || fail "web is $(fwd_get web .state), not up"
ok "StartSession fails: bad is failed, exit 1"

# A start gets through again: bad is degraded (a recent failure) and
# serves.
emu_admin POST /knobs '{"fail": []}' >/dev/null || fail "clearing the knob"
"$LOADCLIENT" -c "127.0.0.1:$BAD" -m echo -W -n 1000 >"$T/bad.out" 2>&1 ||
    fail "echo through bad once StartSession works: $(cat "$T/bad.out")"
state_is bad degraded || fail "bad is $(fwd_get bad .state), not degraded"
expect_eq "status exit, bad degraded" "$(status_rc)" 1
ok "a start gets through after failures: bad is degraded, exit 1"

# Down is not up; up again starts afresh.
gwctl down bad >/dev/null || fail "gatewayctl down bad"
state_is bad down || fail "bad is $(fwd_get bad .state), not down"
expect_eq "status exit, bad down" "$(status_rc)" 1
gwctl up bad >/dev/null || fail "gatewayctl up bad"
wait_for 10 "bad up" state_is bad up
expect_eq "status exit, bad up again" "$(status_rc)" 0
ok "down: exit 1; up again: exit 0"

# An events follower, and two conns held open through web at SIGTERM: the
# drain (1 s) closes them, and the follower hears of both, with their
# sessions, before the daemon exits.
# The follower follows once it hears of a probe conn; the probes end
# before the conns to watch open.
"$GATEWAYCTL" -s "$GW_CONTROL" events --json >"$T/events.out" 2>&1 &
FOLLOWER=$!
lib_track "$FOLLOWER"
wait_for 30 "the follower to hear a probe" follower_hears
wait_for 30 "the probes to end" sh -c "[ \$('$GATEWAYCTL' -s '$GW_CONTROL' \
    status --json | jq '.forwards[0].live') = 0 ]"
"$LOADCLIENT" -c "127.0.0.1:$WEB" -m hold -C 2 -d 60 -R "$T/ready" \
    >"$T/hold.out" 2>&1 &
lib_track $!
wait_for 20 "2 conns held" test -s "$T/ready"
expect_eq "conns live at SIGTERM" "$(fwd_get web .live)" 2
stop_gatewayd
wait_for 10 "the follower to end" sh -c "! kill -0 $FOLLOWER"
jq -e -s '[.[] | select(.event == "close" and .forward == "web" and
    (.reason | startswith("shutdown")))] | length == 2 and
    all(.session_id != null and .stream > 0 and .instance != null)' \
    "$T/events.out" >/dev/null ||
    fail "the follower's close events: $(cat "$T/events.out")"
sid=$(jq -r -s '[.[] | select(.event == "close")][-1].session_id' \
    "$T/events.out")
emu_state "'$sid' in [x['id'] for x in s['sessions']['list']]" |
    grep -q True || fail "session $sid is not one awsemu issued"
ok "the follower got both close events of the shutdown, session $sid"

expect_eq "status exit, no daemon" "$(status_rc)" 2
ok "no daemon: exit 2"
