#!/bin/sh
# What a client sees when Session Manager cannot reach the target: the
# target refuses (mux: the conn closes with the ConnectToPortError reason;
# basic: the session ends with the agent's text), the agent is offline
# (StartSession: TargetNotConnected), a tag matches no Online instance.
# Each reason is in the log, in the conn's close line and in gatewayctl
# status's last error; the forward keeps serving afterwards.
. "$top_srcdir/tests/lib.sh"

start_server echo echo
# Nothing listens on $CLOSED: the agent's dial is refused.
closed_port
CLOSED=$CLOSED_PORT
ssm_instance i-0123456789abcdef0 3.3.987.0 Online '{"Name": "new"}' \
    "{\"80\": \"127.0.0.1:$CLOSED\", \"81\": \"127.0.0.1:$echo_PORT\"}"
ssm_instance i-0fedcba9876543210 3.0.161.0 Online '{"Name": "old"}' \
    "{\"80\": \"127.0.0.1:$CLOSED\"}"
ssm_instance i-00000000000000001 3.3.987.0 ConnectionLost \
    '{"Name": "gone"}' "{\"80\": \"127.0.0.1:$echo_PORT\"}"
ssm_emu_start --knob pacing=false
# Ports for gatewayd once awsemu has bound its own.
set -- $(free_ports 5)
MUX=$1 BASIC=$2 OFF=$3 TAG=$4 OK=$5
ssm_conf
add_ssm_forward mux "127.0.0.1:$MUX" i-0123456789abcdef0 80
add_ssm_forward basic "127.0.0.1:$BASIC" i-0fedcba9876543210 80
add_ssm_forward offline "127.0.0.1:$OFF" i-00000000000000001 80
add_ssm_forward tag "127.0.0.1:$TAG" tag:Name=nothing 80
add_ssm_forward ok "127.0.0.1:$OK" i-0123456789abcdef0 81
start_gatewayd

# last_error NAME: the forward's last error in gatewayctl status.
last_error() {
	status_get ".forwards[] | select(.name == \"$1\") | .last_error"
}

# closed_with NAME PORT TEXT: a client is closed with nothing received,
# and TEXT is the reason in the log and in status.
closed_with() {
	"$LOADCLIENT" -c "127.0.0.1:$2" -m refused -t 60 >"$T/$1.out" ||
	    fail "$1: the client was not closed: $(cat "$T/$1.out")"
	wait_for 30 "$1's reason in the log" log_has "$3"
	grep "conn [0-9]* ($1 " "$GW_LOG" | grep -q -F -- "$3" ||
	    fail "$1: no conn close line says \"$3\""
	wait_for 30 "$1's reason in status" sh -c \
	    "'$GATEWAYCTL' -s '$GW_CONTROL' status --json |
	    jq -r '.forwards[] | select(.name == \"$1\") | .last_error' |
	    grep -q -F -- '$3'"
	ok "$1: $(last_error "$1")"
}

closed_with mux "$MUX" \
    "target refused the connection (ConnectToPortError)"
# The session outlives the refused stream, and counts it.
status_get '.forwards[] | select(.name == "mux") | .sessions[0].state' |
    grep -qx open || fail "mux: the session did not stay open"
[ "$(status_get '.forwards[] | select(.name == "mux") |
    .sessions[0].refused')" -ge 1 ] || fail "mux: no refused stream counted"

closed_with basic "$BASIC" "connection refused"
closed_with offline "$OFF" "StartSession: TargetNotConnected"
closed_with tag "$TAG" \
    "tag:Name=nothing matched no Online instance in us-east-1"

# The mux session that refused one stream still carries others.
"$LOADCLIENT" -c "127.0.0.1:$OK" -m echo -W -n 1048576 -t 60 \
    >"$T/ok.out" || fail "after the errors: $(cat "$T/ok.out")"
ok "a good target on the same instance still serves"
stop_gatewayd
