#!/bin/sh
# One bad forward does not take the others down. At start, a forward
# whose port is taken and one whose CA bundle is missing are marked
# failed, with their reasons in gatewayctl status and each reason logged
# once, while a good forward serves; freeing the port lets the retry
# bring that forward up. With exit_on_forward_failure = yes the same
# config ends gatewayd with status 1 and leaves no control socket.
. "$top_srcdir/tests/lib.sh"

aws_offline_env

start_server echo echo
set -- $(free_ports 3)
GOOD=$1 TAKEN=$2 CA=$3

# hold_port: someone else listens on $TAKEN.
hold_port() {
	"$LOADSERVER" -l "127.0.0.1:$TAKEN" -m echo -P "$T/taken.port" \
	    >"$T/taken.out" 2>&1 &
	HOLDER=$!
	lib_track "$HOLDER"
	wait_for 10 "the port holder" test -s "$T/taken.port"
}
# forward_is NAME STATE: status --json says so.
forward_is() {
	[ "$(status_get ".forwards[] | select(.name == \"$1\") | .state")" = \
	    "$2" ]
}
error_of() {
	status_get ".forwards[] | select(.name == \"$1\") | .last_error"
}
# configure [GATEWAY KEYS]
configure() {
	write_conf "ca_bundle = $T/missing.pem" "$@"
	conf_forward tcp good "127.0.0.1:$GOOD" 127.0.0.1 "$echo_PORT"
	conf_forward tcp taken "127.0.0.1:$TAKEN" 127.0.0.1 "$echo_PORT"
	conf_forward ssm ca "127.0.0.1:$CA" i-0123456789abcdef0 5432 \
	    region=us-east-1 endpoint_url=https://127.0.0.1:9
}

hold_port
configure
start_gatewayd
"$LOADCLIENT" -c "127.0.0.1:$GOOD" -m echo -n 65536 >"$T/good.out" ||
    fail "the good forward: $(cat "$T/good.out")"
forward_is good up || fail "good: $(error_of good)"
forward_is taken failed || fail "taken is not failed"
error_of taken | grep -q "Address already in use" ||
    fail "taken: \"$(error_of taken)\""
forward_is ca failed || fail "ca is not failed"
error_of ca | grep -q "ca bundle $T/missing.pem: No such file or directory" ||
    fail "ca: \"$(error_of ca)\""
rc=0
gwctl status >"$T/table.out" || rc=$?
[ "$rc" -eq 1 ] || fail "status with failed forwards exited $rc, not 1"
grep -q "^taken .* failed .*Address already in use" "$T/table.out" ||
    fail "the table: $(cat "$T/table.out")"

# Retried while the port is held: still one line for each reason.
wait_for 10 "a retry of taken" log_has "forward taken: trying again"
wait_for 10 "a retry of ca" log_has "forward ca: trying again"
[ "$(grep -c "forward taken: .*Address already in use" "$GW_LOG")" -eq 1 ] ||
    fail "the bind error is not logged once: $(cat "$GW_LOG")"
[ "$(grep -c "missing.pem" "$GW_LOG")" -eq 1 ] ||
    fail "the CA error is not logged once: $(cat "$GW_LOG")"

kill "$HOLDER"
wait "$HOLDER" || true
wait_for 20 "taken up after the port was freed" forward_is taken up
"$LOADCLIENT" -c "127.0.0.1:$TAKEN" -m echo -n 65536 >"$T/taken.out" ||
    fail "taken, once up: $(cat "$T/taken.out")"
[ "$(error_of taken)" = null ] || fail "taken still says $(error_of taken)"
stop_gatewayd
[ ! -e "$GW_CONTROL" ] || fail "control socket left behind"
ok "good served, taken and ca failed with reasons, taken came up"

# The strict way: the first failure ends the start.
hold_port
configure "exit_on_forward_failure = yes"
: >"$GW_LOG"
rc=0
"$GATEWAYD" -f "$GW_CONF" >>"$GW_LOG" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "exit_on_forward_failure: exit $rc, not 1"
[ ! -e "$GW_CONTROL" ] || fail "exit_on_forward_failure: control socket left"
[ "$(grep -c "Address already in use" "$GW_LOG")" -eq 1 ] ||
    fail "exit_on_forward_failure: $(cat "$GW_LOG")"
grep -q "not started" "$GW_LOG" || fail "no \"not started\": $(cat "$GW_LOG")"
ok "exit_on_forward_failure: exit 1, no control socket"
