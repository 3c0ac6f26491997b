#!/bin/sh
# The agent's deny list (ssm-data-channel.md 9.2), against an agent new
# enough to deny loopback (3.3.5068.0): a remote_host that is the target's
# own loopback goes through AWS-StartPortForwardingSession (no host) and
# works; a remote_host on the deny list is refused by the agent, and its
# text, with a hint, reaches the log and gatewayctl status.
. "$top_srcdir/tests/lib.sh"

start_server db echo
ssm_instance i-0ddddddddddddddd1 3.3.5068.0 Online '{}' \
    "{\"5432\": \"127.0.0.1:$db_PORT\"}" \
    "{\"localhost:5432\": \"127.0.0.1:$db_PORT\"}"
ssm_emu_start --knob pacing=false
set -- $(free_ports 3)
LO=$1 IMDS=$2 ECS=$3
ssm_conf
add_ssm_forward lo "127.0.0.1:$LO" i-0ddddddddddddddd1 5432 \
    remote_host=localhost
add_ssm_forward imds "127.0.0.1:$IMDS" i-0ddddddddddddddd1 80 \
    remote_host=169.254.169.254
add_ssm_forward ecs "127.0.0.1:$ECS" i-0ddddddddddddddd1 80 \
    remote_host=169.254.170.2
start_gatewayd

"$LOADCLIENT" -c "127.0.0.1:$LO" -m echo -W -n 1048576 -t 60 \
    >"$T/lo.out" || fail "lo: $(cat "$T/lo.out")"
in=$(sha_of "$T/lo.out" in)
[ -n "$in" ] && [ "$in" = "$(sha_of "$T/lo.out" out)" ] ||
    fail "lo: the echo differs"
log_has "session lo/1: starting (i-0ddddddddddddddd1, AWS-StartPortForwardingSession)" ||
    fail "localhost did not go through AWS-StartPortForwardingSession"
emu_admin GET /state >"$T/state.json" || fail "no awsemu state"
docs=$(jq -r '[.sessions.list[] | .document + " host=" +
    (.parameters.host // [] | join(","))] | unique | join(";")' "$T/state.json")
[ "$docs" = "AWS-StartPortForwardingSession host=" ] ||
    fail "awsemu saw \"$docs\""
ok "remote_host = localhost: 1 MiB echoed through AWS-StartPortForwardingSession"

for fw in imds:169.254.169.254 ecs:169.254.170.2; do
	name=${fw%%:*} addr=${fw#*:}
	eval port=\$$(echo "$name" | tr a-z A-Z)
	"$LOADCLIENT" -c "127.0.0.1:$port" -m refused -t 60 >"$T/$name.out" ||
	    fail "$name: not closed: $(cat "$T/$name.out")"
	want="Forwarding to IP address $addr is forbidden. (the address is on the agent's deny list"
	wait_for 30 "$name: the agent's text and the hint in the log" \
	    log_has "$want"
	err=$(status_get ".forwards[] | select(.name == \"$name\") | .last_error")
	case $err in
	*"$want"*) ;;
	*) fail "$name: status last_error is \"$err\"" ;;
	esac
	ok "$name: refused by the deny list, in the log and status: $err"
done
stop_gatewayd
