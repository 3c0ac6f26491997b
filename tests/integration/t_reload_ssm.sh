#!/bin/sh
# Reloads with ssm forwards running. A forward whose config is unchanged
# moves to the new config and the old one is freed: nothing of the old one
# may stay in use. Three ssm forwards (warm to an instance, on demand to a
# tag: target, on demand to a remote_host) and a tcp forward; echo through
# each, then reload with the config unchanged (twice) and with only the
# tcp forward changed, and after each reload end every session (so that
# new StartSessions follow, warm at once, the others on the next conn) and
# drop every WebSocket (so that the sessions resume); then change a
# [gateway] key the ssm forwards read at start, which restarts them. Every
# byte must come back, and every StartSession awsemu saw must carry the
# forward's Target, Document and Parameters. The sanitizer build of make
# check runs this too: a use of the freed config is a failure there.
. "$top_srcdir/tests/lib.sh"

I1=i-0aaaaaaaaaaaaaaa1
I2=i-0aaaaaaaaaaaaaaa2
start_server web echo
start_server db echo
start_server other echo
ssm_instance $I1 3.3.987.0 Online '{"Name": "one"}' \
    "{\"80\": \"127.0.0.1:$web_PORT\"}"
ssm_instance $I2 3.3.987.0 Online '{"Name": "two"}' \
    "{\"80\": \"127.0.0.1:$web_PORT\"}" \
    "{\"db.internal:5432\": \"127.0.0.1:$db_PORT\"}"
ssm_emu_start --knob pacing=false
set -- $(free_ports 4)
WARM=$1 LAZY=$2 REMOTE=$3 OTHER=$4

# conf PORT_OF_THE_TCP_FORWARD: the same three ssm forwards each time.
conf() {
	if [ -n "${GW_KEYS:-}" ]; then
		ssm_conf "$GW_KEYS"
	else
		ssm_conf
	fi
	add_ssm_forward warm "127.0.0.1:$WARM" $I1 80 warm=yes
	add_ssm_forward lazy "127.0.0.1:$LAZY" tag:Name=one 80
	add_ssm_forward remote "127.0.0.1:$REMOTE" $I2 5432 \
	    remote_host=db.internal
	add_forward other "127.0.0.1:$OTHER" 127.0.0.1 "$1"
}

# echo_through NAME PORT BYTES: an exact echo through one forward.
echo_through() {
	"$LOADCLIENT" -c "127.0.0.1:$2" -m echo -W -n "$3" -t 60 \
	    >"$T/$1.out" 2>&1 || fail "$1: $(cat "$T/$1.out")"
	in=$(sha_of "$T/$1.out" in)
	[ -n "$in" ] && [ "$in" = "$(sha_of "$T/$1.out" out)" ] ||
	    fail "$1: the echo differs"
}

# round WHAT: bytes through every forward.
round() {
	echo_through warm "$WARM" 300000
	echo_through lazy "$LAZY" 200000
	echo_through remote "$REMOTE" 100000
	echo_through other "$OTHER" 1000
	ok "$1: every byte through warm, lazy, remote and other"
}

# open_sessions: how many sessions awsemu has active.
open_sessions() {
	emu_admin GET /state | jq '.sessions.active'
}

# end_all ACTION: ACTION every live session, wait until the warm forward
# has a fresh one open (ended: a new StartSession; reset: a resume).
end_all() {
	before=$(emu_admin GET /state | jq '.sessions.started')
	emu_admin POST /session "{\"id\": \"*\", \"action\": \"$1\"}" \
	    >/dev/null
	if [ "$1" = end ]; then
		wait_for 30 "the warm forward to start a new session" sh -c \
		    "[ \$(curl -sf '$EMU_ADMIN/state' | \
		    jq '.sessions.started') -gt $before ]"
	fi
	ssm_wait_status '.forwards[] | select(.name == "warm") |
	    .sessions | map(select(.state == "open")) | length >= 1'
}

conf "$other_PORT"
start_gatewayd
# ssm_conf allows plain WebSockets: said once at start, as a warning.
[ "$(grep -c "warn: $GW_CONF: \[gateway\]: allow_plain_websocket = yes" \
    "$GW_LOG")" = 1 ] || fail "no single warning of allow_plain_websocket"
ssm_wait_status '.forwards[] | select(.name == "warm") |
    .sessions | map(select(.state == "open")) | length >= 1'
round "before any reload"

reload_gatewayd
log_has "reload: 0 added, 0 removed, 0 changed, 4 unchanged" ||
    fail "the first reload did not keep all four forwards"
round "after an unchanged reload"
end_all end
round "sessions ended after the first reload"

reload_gatewayd
end_all reset
round "WebSockets dropped after a second unchanged reload"

start_server other2 echo
conf "$other2_PORT"
reload_gatewayd
log_has "reload: 0 added, 0 removed, 1 changed, 3 unchanged" ||
    fail "the third reload did not change only the tcp forward"
end_all end
round "sessions ended after a reload that changed the tcp forward"
wait_for 10 "the new tcp target to see a conn" test -s "$T/other2.out"

# A [gateway] key the ssm forwards took at start: they start again.
GW_KEYS="max_sessions_per_target = 8"
conf "$other2_PORT"
reload_gatewayd
log_has "reload: 0 added, 0 removed, 3 changed, 1 unchanged" ||
    fail "max_sessions_per_target did not restart the three ssm forwards"
ssm_wait_status '.forwards[] | select(.name == "warm") |
    .sessions | map(select(.state == "open")) | length >= 1'
round "after a reload that changed max_sessions_per_target"

# Every StartSession, before and after the reloads, as the config says.
emu_admin GET /state >"$T/state.json"
n=$(jq '.sessions.list | length' "$T/state.json")
[ "$n" -ge 9 ] || fail "only $n sessions started"
bad=$(jq -c --arg warm "$WARM" --arg lazy "$LAZY" --arg remote "$REMOTE" \
    --arg i1 $I1 --arg i2 $I2 '.sessions.list[] |
    select(((.target == $i1 and
	.document == "AWS-StartPortForwardingSession" and
	.parameters.portNumber == ["80"] and
	(.parameters.localPortNumber == [$warm] or
	 .parameters.localPortNumber == [$lazy]) and
	.parameters.host == null) or
    (.target == $i2 and
	.document == "AWS-StartPortForwardingSessionToRemoteHost" and
	.parameters == {"portNumber": ["5432"],
	    "localPortNumber": [$remote], "host": ["db.internal"]})) | not) |
    {target, document, parameters}' "$T/state.json")
[ -z "$bad" ] || fail "StartSessions not as configured: $bad"
for p in "$WARM" "$LAZY" "$REMOTE"; do
	k=$(jq --arg p "$p" '[.sessions.list[] |
	    select(.parameters.localPortNumber == [$p])] | length' \
	    "$T/state.json")
	[ "$k" -ge 3 ] || fail "forward on port $p started $k sessions, not 3+"
done
ok "$n StartSessions, each with its forward's Target, Document, Parameters"
stop_gatewayd
