#!/bin/sh
# Issue 9's bar: with gatewayd's defaults, against awsemu's defaults (the
# service of 2026: signed upgrades required, a new cell-number on every
# ResumeSession with the old one refused, only the newest token, SessionIds
# with the caller's '@', ClientVersion 1.2.764.0 at least) and the
# WebSocket closed every thousand messages: 20 MiB down and
# 5 MiB up exact, and 8 mixed connections at once; through a config file
# and through gatewayd -L.
. "$top_srcdir/tests/lib.sh"

DOWN=$((20 * 1048576)) UP=$((5 * 1048576))
start_server src source -n "$DOWN"
start_server echo echo
ssm_instance i-0123456789abcdef0 3.3.987.0 Online '{"Name": "web"}' \
    "{\"80\": \"127.0.0.1:$echo_PORT\", \"81\": \"127.0.0.1:$src_PORT\"}"
# The agent as it is: paced at 1 KiB a millisecond and resending only its
# oldest unacknowledged message. Every 1000 messages the service closes
# the WebSocket (drop_after, 1000 "Bye", as it does hourly): gatewayd
# resumes with a new cell each time. (A TCP reset loses what was in
# flight, and a front-only agent resends that at ten messages a second:
# t_life_drops covers resets; a reset every second would measure only
# that.)
ssm_emu_start --knob drop_after=1000 --knob drop_mode=bye
emu_admin GET /knobs >"$T/knobs.json" || fail "no knobs"
[ "$(jq -r '.upgrade_auth + " " + .resume + " " + .min_client_version' \
    "$T/knobs.json")" = "required new_url 1.2.764.0" ] ||
    fail "awsemu is not the service of 2026: $(cat "$T/knobs.json")"

# run NAME ECHO_PORT SOURCE_PORT: the transfers through one gatewayd.
run() {
	"$LOADCLIENT" -c "127.0.0.1:$3" -m recv -n "$DOWN" -t 300 \
	    >"$T/$1-down.out" || fail "$1 down: $(cat "$T/$1-down.out")"
	want=$(awk '/^source conn/ { s = $5 } END { print s }' "$T/src.out")
	got=$(sha_of "$T/$1-down.out" in)
	grep -q "received $DOWN," "$T/$1-down.out" && [ -n "$got" ] &&
	    [ "$got" = "$want" ] ||
	    fail "$1 down: $(cat "$T/$1-down.out"), the source sent $want"
	"$LOADCLIENT" -c "127.0.0.1:$2" -m echo -W -n "$UP" -t 300 \
	    >"$T/$1-up.out" || fail "$1 up: $(cat "$T/$1-up.out")"
	in=$(sha_of "$T/$1-up.out" in)
	[ -n "$in" ] && [ "$in" = "$(sha_of "$T/$1-up.out" out)" ] ||
	    fail "$1 up: the echo differs"
	"$LOADCLIENT" -c "127.0.0.1:$2" -m echo -W -C 8 -n 262144 -t 300 \
	    >"$T/$1-mixed.out" || fail "$1 mixed: $(cat "$T/$1-mixed.out")"
	grep -q "8 conns, 8 ok, 0 failed" "$T/$1-mixed.out" ||
	    fail "$1 mixed: $(cat "$T/$1-mixed.out")"
	ok "$1: 20 MiB down and 5 MiB up exact, 8 connections at once"
}

# check NAME: what awsemu and gatewayd say about the run.
check() {
	emu_admin GET /state >"$T/$1-state.json" || fail "no state"
	signed=$(jq '.data_channel.upgrades.signed' "$T/$1-state.json")
	refused=$(jq '.data_channel.upgrades.refused' "$T/$1-state.json")
	resumes=$(jq '[.sessions.list[].resumes] | add' "$T/$1-state.json")
	[ "$refused" = 0 ] || fail "$1: $refused upgrades refused"
	[ "$resumes" -ge 5 ] || fail "$1: only $resumes resumes"
	[ "$signed" -gt "$resumes" ] ||
	    fail "$1: $signed signed upgrades for $resumes resumes"
	jq -e '[.sessions.list[].id | test("^alice@example\\.com-[0-9a-f]{17}$")] | all' \
	    "$T/$1-state.json" >/dev/null || fail "$1: session ids"
	log_has ", new url" ||
	    fail "$1: no resume to a new StreamUrl in the log"
	status_get '.forwards[].sessions[].client_version' |
	    grep -qx 1.2.764.0 || fail "$1: status shows no client_version"
	ok "$1: $signed signed upgrades, $resumes resumes to new cells, none refused"
}

set -- $(free_ports 2)
ssm_conf
add_ssm_forward echo "127.0.0.1:$1" tag:Name=web 80
add_ssm_forward src "127.0.0.1:$2" i-0123456789abcdef0 81
start_gatewayd
run conf "$1" "$2"
check conf
stop_gatewayd

# awsemu's counters go on: the second check counts both runs.
: >"$T/gatewayd.log"
set -- $(free_ports 2)
XDG_RUNTIME_DIR=$T
export XDG_RUNTIME_DIR
GW_CONTROL=$T/gatewayd.sock
start_gatewayd -L "127.0.0.1:$1:tag:Name=web:localhost:80" \
    -L "$2:i-0123456789abcdef0:81"
run L "$1" "$2"
check L
stop_gatewayd
