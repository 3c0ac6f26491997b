#!/bin/sh
# Remote-host forwarding through a tag: target. The tag matches two Online
# instances and one that is not: target_pick = error (the default) closes
# the conn with both listed; target_pick = first picks one and the bytes
# reach db.internal:5432 (AWS-StartPortForwardingSessionToRemoteHost)
# through it, exactly.
. "$top_srcdir/tests/lib.sh"

start_server db echo
hosts="{\"db.internal:5432\": \"127.0.0.1:$db_PORT\"}"
ssm_instance i-0aaaaaaaaaaaaaaa1 3.3.987.0 Online '{"Name": "bastion"}' \
    '{}' "$hosts"
ssm_instance i-0aaaaaaaaaaaaaaa2 3.3.987.0 Online '{"Name": "bastion"}' \
    '{}' "$hosts"
ssm_instance i-0aaaaaaaaaaaaaaa0 3.3.987.0 ConnectionLost \
    '{"Name": "bastion"}' '{}' "$hosts"
ssm_emu_start --knob pacing=false
set -- $(free_ports 2)
ANY=$1 FIRST=$2
ssm_conf
add_ssm_forward any "127.0.0.1:$ANY" tag:Name=bastion 5432 \
    remote_host=db.internal
add_ssm_forward first "127.0.0.1:$FIRST" tag:Name=bastion 5432 \
    remote_host=db.internal target_pick=first
start_gatewayd

"$LOADCLIENT" -c "127.0.0.1:$ANY" -m refused -t 60 >"$T/any.out" ||
    fail "any: not closed: $(cat "$T/any.out")"
want="tag:Name=bastion matched 2 Online instances in us-east-1 (i-0aaaaaaaaaaaaaaa1, i-0aaaaaaaaaaaaaaa2); target_pick says which to use"
wait_for 30 "the ambiguous tag in the log" log_has "$want"
ok "two matches: $want"

"$LOADCLIENT" -c "127.0.0.1:$FIRST" -m echo -W -n 10485760 -t 120 \
    >"$T/first.out" || fail "first: $(cat "$T/first.out")"
in=$(sha_of "$T/first.out" in)
[ -n "$in" ] && [ "$in" = "$(sha_of "$T/first.out" out)" ] ||
    fail "first: the echo differs"
fw='.forwards[] | select(.name == "first")'
[ "$(status_get "$fw | .sessions[0].instance")" = i-0aaaaaaaaaaaaaaa1 ] ||
    fail "first picked $(status_get "$fw | .sessions[0].instance")"
log_has "session first/1: starting (i-0aaaaaaaaaaaaaaa1, AWS-StartPortForwardingSessionToRemoteHost)" ||
    fail "not the remote-host document"
[ "$(wc -l <"$T/db.out")" -ge 1 ] || fail "db.internal saw no connection"
ok "10 MiB echoed by db.internal:5432 through i-0aaaaaaaaaaaaaaa1"
stop_gatewayd
