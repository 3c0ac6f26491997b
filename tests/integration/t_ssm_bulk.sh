#!/bin/sh
# 100 MiB each way through one connection over Session Manager, pacing off:
# the echo comes back with the same SHA-256, in mux mode (agent 3.3) and in
# basic mode (agent 3.0.161, before mux: one session for the connection).
# GW_SSM_BULK_MIB changes the size (by hand; make check uses 100). With
# 4 KiB loopback buffers each mode takes minutes: the deadline is generous.
. "$top_srcdir/tests/lib.sh"

MIB=${GW_SSM_BULK_MIB:-100}
start_server echo echo
ssm_instance i-0123456789abcdef0 3.3.987.0 Online '{"Name": "new"}' \
    "{\"80\": \"127.0.0.1:$echo_PORT\"}"
ssm_instance i-0fedcba9876543210 3.0.161.0 Online '{"Name": "old"}' \
    "{\"80\": \"127.0.0.1:$echo_PORT\"}"
ssm_emu_start --knob pacing=false
set -- $(free_ports 2)
MUX_PORT=$1 BASIC_PORT=$2
ssm_conf
add_ssm_forward mux "127.0.0.1:$MUX_PORT" i-0123456789abcdef0 80
add_ssm_forward basic "127.0.0.1:$BASIC_PORT" i-0fedcba9876543210 80
start_gatewayd

for name in mux basic; do
	eval port=\$$(echo "$name" | tr a-z A-Z)_PORT
	"$LOADCLIENT" -c "127.0.0.1:$port" -m echo -W \
	    -n $((MIB * 1048576)) -t 1200 >"$T/$name.out" ||
	    fail "$name: $(cat "$T/$name.out")"
	in=$(sha_of "$T/$name.out" in)
	out=$(sha_of "$T/$name.out" out)
	[ -n "$in" ] && [ "$in" = "$out" ] ||
	    fail "$name: sent $out, echoed $in"
	ssm_wait_status ".forwards[] | select(.name == \"$name\") |
	    .sessions_started == 1"
	ok "$name: $MIB MiB each way, sha256 $in"
done
# The mode each session ran, from the handshake.
log_has "session mux/1: open to i-0123456789abcdef0, mux mode" ||
    fail "the mux forward did not run mux mode"
log_has "session basic/1: open to i-0fedcba9876543210, basic mode" ||
    fail "the basic forward did not run basic mode"
stop_gatewayd
