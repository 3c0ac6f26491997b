#!/bin/sh
# gatewayd -L with AWS targets, no config file: an instance id, and a tag
# with a remote host (AWS-StartPortForwardingSessionToRemoteHost). The
# endpoint comes from AWS_ENDPOINT_URL (awsemu on loopback, which may hand
# out loopback StreamUrls); the bytes come back exact and gatewayctl, on
# the per-user socket, shows both sessions.
. "$top_srcdir/tests/lib.sh"

start_server echo echo
start_server db echo
ssm_instance i-0123456789abcdef0 3.3.987.0 Online '{"Name": "bastion"}' \
    "{\"80\": \"127.0.0.1:$echo_PORT\"}" \
    "{\"db.internal:5432\": \"127.0.0.1:$db_PORT\"}"
ssm_emu_start --knob pacing=false
set -- $(free_ports 2)
P1=$1 P2=$2
XDG_RUNTIME_DIR=$T
export XDG_RUNTIME_DIR
GW_CONTROL=$T/gatewayd.sock
start_gatewayd -L "127.0.0.1:$P1:i-0123456789abcdef0:80" \
    -L "$P2:tag:Name=bastion:db.internal:5432"

for p in "$P1" "$P2"; do
	"$LOADCLIENT" -c "127.0.0.1:$p" -m echo -W -n 4194304 -t 120 \
	    >"$T/c$p.out" || fail "port $p: $(cat "$T/c$p.out")"
	in=$(sha_of "$T/c$p.out" in)
	[ -n "$in" ] && [ "$in" = "$(sha_of "$T/c$p.out" out)" ] ||
	    fail "port $p: the echo differs"
done
[ "$(wc -l <"$T/db.out")" -ge 1 ] || fail "db.internal saw no connection"
log_has "AWS-StartPortForwardingSessionToRemoteHost" ||
    fail "the tag forward did not use the remote-host document"
ok "-L to an instance and to a remote host through a tag: 4 MiB each"

"$GATEWAYCTL" status >"$T/status.out" || fail "gatewayctl status failed"
grep -E "^L1/1 +i-0123456789abcdef0 +mux " "$T/status.out" >/dev/null &&
    grep -E "^L2/1 +i-0123456789abcdef0 +mux " "$T/status.out" >/dev/null ||
    fail "status: $(cat "$T/status.out")"
ok "gatewayctl status shows both sessions"
stop_gatewayd
