#!/bin/sh
# A 50 MiB echo through Session Manager while awsemu loses, duplicates,
# reorders and delays messages both ways and corrupts the digest of some
# of the agent's data messages: the client still gets the exact bytes,
# and awsemu's counters show that every kind of fault happened. With
# pacing off the agent is held to 1000 unacknowledged messages (pacing
# holds the real one) and resends every overdue message: resending only the
# oldest, as the real agent does, recovers one loss per backed-off timeout
# and did not finish 30 MiB in 5 minutes at these rates. The client keeps
# at most 512 KiB unechoed (-w), less than the echo server holds before it
# stops reading: the agent then never finds its target full for good.
# (Without it, with 4 KiB loopback buffers, the agent's handler blocked on
# a full target while its window of 1000 waited for acks it queues behind
# that handler, and the echo server waited for the agent: a deadlock of
# the agent's, not gatewayd's, that ended in gatewayd's 5 minute give-up.)
# GW_SSM_FAULTS_MIB changes the size (by hand; make check uses 50).
. "$top_srcdir/tests/lib.sh"

MIB=${GW_SSM_FAULTS_MIB:-50}
start_server echo echo
ssm_instance i-0123456789abcdef0 3.3.987.0 Online '{"Name": "web"}' \
    "{\"80\": \"127.0.0.1:$echo_PORT\"}"
ssm_emu_start --knob pacing=false --knob seed=11 \
    --knob window=1000 --knob resend=all
PORT=$(free_ports 1)
ssm_conf
add_ssm_forward faults "127.0.0.1:$PORT" i-0123456789abcdef0 80
start_gatewayd

emu_admin POST /knobs '{"faults": [{"dir": "both", "what": "all",
    "loss": 0.01, "dup": 0.01, "reorder": 0.01, "delay": 0.01,
    "delay_ms": 30}, {"dir": "out", "what": "data", "corrupt": 0.005}]}' \
    >/dev/null
"$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -W -n $((MIB * 1048576)) \
    -w 524288 -t 900 >"$T/client.out" ||
    fail "loadclient: $(cat "$T/client.out")"
in=$(sha_of "$T/client.out" in)
[ -n "$in" ] && [ "$in" = "$(sha_of "$T/client.out" out)" ] ||
    fail "the echo differs"
emu_admin GET /state >"$T/state.json"
for k in in_lost out_lost in_duplicated out_duplicated in_reordered \
    out_reordered in_delayed out_delayed out_corrupted; do
	n=$(jq "[.sessions.list[].agent.$k // 0] | add" "$T/state.json")
	[ "${n:-0}" -gt 0 ] || fail "awsemu injected no $k"
	printf '%s %s, ' "$k" "$n"
done
echo
ok "$MIB MiB each way, sha256 $in, through every fault"
stop_gatewayd
