#!/bin/sh
# Who the credentials are never holds a session up. With awsemu's
# GetCallerIdentity answering only after 60 s, a connection through an
# ssm forward starts, moves its bytes and closes; its record has no
# account. Once the answer is in (the delay lifted for a new gatewayd),
# the records carry it. When the call fails, the failure is logged once,
# connections go on, and their records go without the identity.
. "$top_srcdir/tests/lib.sh"

INST=i-0123456789abcdef0
AUDIT=$T/audit.log
start_server echo echo
ssm_instance "$INST" 3.3.987.0 Online '{}' \
    "{\"80\": \"127.0.0.1:$echo_PORT\"}"
ssm_emu_start --knob pacing=false
PORT=$(free_ports 1)
ssm_conf "audit = $AUDIT"
add_ssm_forward mux "127.0.0.1:$PORT" "$INST" 80

echo_once() {
	"$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -n 1000 -W -t 60 \
	    >"$T/client.out" 2>&1 || fail "echo: $(cat "$T/client.out")"
}
closed() {
	[ "$(grep -c '"event":"closed"' "$AUDIT")" -ge "$1" ]
}
# last_has MEMBER: the last closed record has MEMBER.
last_has() {
	grep '"event":"closed"' "$AUDIT" | tail -1 | jq -e "has(\"$1\")"
}

emu_admin POST /knobs '{"delay": [{"op": "sts:GetCallerIdentity",
    "ms": 60000}]}' >/dev/null
start_gatewayd
echo_once
wait_for 10 "the closed record" closed 1
if last_has account >/dev/null; then
	fail "an account before STS answered"
fi
last_has session_id >/dev/null || fail "no session id"
identity_asked() {
	[ "$(emu_state "s['ops'].get('sts:GetCallerIdentity',
	    {}).get('calls', 0)")" -eq 1 ]
}
wait_for 10 "one GetCallerIdentity" identity_asked
stop_gatewayd
ok "a session starts and ends while GetCallerIdentity is unanswered"

emu_admin POST /knobs '{"delay": []}' >/dev/null
start_gatewayd
echo_once
wait_for 10 "the identity" log_has "credentials of arn:aws:iam::"
echo_once
wait_for 10 "the closed record" closed 3
expect_eq "account" "$(grep '"event":"closed"' "$AUDIT" | tail -1 |
    jq -r .account)" 123456789012
stop_gatewayd
ok "the identity once STS answered"

emu_admin POST /knobs '{"fail": [{"op": "sts:GetCallerIdentity",
    "count": 1, "code": "AccessDenied", "status": 403}]}' >/dev/null
start_gatewayd
echo_once
wait_for 10 "the failure" log_has "who the credentials are is not known"
echo_once
wait_for 10 "the closed record" closed 5
if last_has account >/dev/null; then
	fail "an account though GetCallerIdentity failed"
fi
stop_gatewayd
expect_eq "failure lines" \
    "$(grep -c "who the credentials are is not known" "$GW_LOG")" 1
ok "a failed GetCallerIdentity: logged once, connections go on"
