#!/bin/sh
# GET /_emu/calls says who signed each call: the access key and the
# principal of every API call (also of refused ones: the key they were
# signed with, no principal) and of every data-channel upgrade, with the
# session it was about, AssumeRole's RoleSessionName and StartSession's
# Reason; an assumed role's SessionIds start with its RoleSessionName;
# never a secret or a token; the last 512 only, oldest first; POST
# /_emu/state/reset forgets them.
. "$top_srcdir/tests/lib.sh"

cat >"$T/world.json" <<'EOF'
{
  "instances": [{"id": "i-0123456789abcdef0"}],
  "keys": [{"access_key_id": "AKIAEMUTESTCALLS0001",
      "secret_access_key": "calls/test+secret/000000000000000000000",
      "user": "bob"}]
}
EOF
emu_start --world "$T/world.json"
E="--endpoint-url $EMU_URL --output text"
BOB_AKID=AKIAEMUTESTCALLS0001
BOB_SECRET=calls/test+secret/000000000000000000000

# calls [JQ ARGS] JQ: jq -r on GET /_emu/calls.
calls() {
	emu_admin GET /calls >"$T/calls.json" || fail "GET /_emu/calls"
	jq -r "$@" "$T/calls.json" || fail "calls: $*"
}

expect_eq "no calls yet" "$(calls length)" 0

# A user key assumes a role as "alice"; the role's credentials start a
# session with a Reason and open its data channel.
AWS_ACCESS_KEY_ID=$BOB_AKID AWS_SECRET_ACCESS_KEY=$BOB_SECRET \
    $AWS sts assume-role $E --role-arn arn:aws:iam::123456789012:role/Jump \
    --role-session-name alice \
    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' \
    >"$T/role" || fail "assume-role"
read -r akid secret token <"$T/role"
expect_eq "AssumeRole" "$(calls '.[-1] | [.seq, .op, .access_key_id,
    .caller, .status, .role_session_name, .session_id] | @tsv')" \
    "$(printf '1\tsts:AssumeRole\t%s\t%s\t200\talice\t' "$BOB_AKID" \
    arn:aws:iam::123456789012:user/bob)"
ok "AssumeRole: the signing key, its user, the RoleSessionName"

sid=$(AWS_ACCESS_KEY_ID=$akid AWS_SECRET_ACCESS_KEY=$secret \
    AWS_SESSION_TOKEN=$token "$PY" - "$EMU_URL" <<'EOF'
import sys, botocore.session
c = botocore.session.get_session().create_client("ssm",
    endpoint_url=sys.argv[1])
print(c.start_session(Target="i-0123456789abcdef0",
    Reason="gatewayd db for alice",
    DocumentName="AWS-StartPortForwardingSession")["SessionId"])
EOF
) || fail "start-session with the role's credentials"
echo "$sid" | grep -Eq '^alice-[0-9a-f]{17}$' ||
    fail "session id of role session alice: $sid"
expect_eq "StartSession" "$(calls '[.[] | select(.op == "ssm:StartSession")]
    | .[-1] | [.access_key_id, .caller, .status, .session_id, .reason]
    | @tsv')" "$(printf '%s\t%s\t200\t%s\t%s' "$akid" \
    arn:aws:sts::123456789012:assumed-role/Jump/alice "$sid" \
    "gatewayd db for alice")"
ok "StartSession: the role's key and principal, session $sid, the Reason"

AWS_ACCESS_KEY_ID=$akid AWS_SECRET_ACCESS_KEY=$secret \
    AWS_SESSION_TOKEN=$token $AWS ssm terminate-session $E \
    --session-id "$sid" >/dev/null || fail "terminate-session"
expect_eq "TerminateSession" "$(calls '.[-1] | [.op, .access_key_id,
    .session_id] | @tsv')" "$(printf 'ssm:TerminateSession\t%s\t%s' \
    "$akid" "$sid")"
ok "TerminateSession: the session it names"

# The strict client, with the role's credentials: its StartSession and
# its signed upgrade name the same key and session.
(export AWS_ACCESS_KEY_ID="$akid" AWS_SECRET_ACCESS_KEY="$secret" \
    AWS_SESSION_TOKEN="$token"; dcc handshake) || exit 1
dsid=$(calls '[.[] | select(.op == "ssmmessages:OpenDataChannel" and
    .status == 101)] | .[0].session_id')
echo "$dsid" | grep -Eq '^alice-[0-9a-f]{17}$' ||
    fail "data channel of session $dsid"
expect_eq "upgrade" "$(calls --arg s "$dsid" '.[] | select(.session_id == $s)
    | [.op, .access_key_id, .caller] | @tsv' | sort -u)" \
    "$(printf '%s\t%s\t%s\n%s\t%s\t%s' ssm:StartSession "$akid" \
    arn:aws:sts::123456789012:assumed-role/Jump/alice \
    ssmmessages:OpenDataChannel "$akid" \
    arn:aws:sts::123456789012:assumed-role/Jump/alice | sort)"
ok "OpenDataChannel: the upgrade's key and principal, its session"

# A wrong secret: the key it claims, no principal, the error status; an
# unsigned upgrade: no key.
if AWS_ACCESS_KEY_ID=$BOB_AKID AWS_SECRET_ACCESS_KEY=wrong AWS_MAX_ATTEMPTS=1 \
    $AWS ssm get-connection-status $E --target i-0 >/dev/null 2>&1; then
	fail "a wrong secret was taken"
fi
expect_eq "refused" "$(calls '.[-1] | [.op, .access_key_id, .caller,
    .status] | @tsv')" "$(printf 'ssm:GetConnectionStatus\t%s\t\t400' \
    "$BOB_AKID")"
curl -s --max-time 30 -o /dev/null -H "Connection: Upgrade" \
    -H "Upgrade: websocket" -H "Sec-WebSocket-Version: 13" \
    -H "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" \
    "http://127.0.0.1:$(emu_port ws)/v1/data-channel/$sid?role=publish_subscribe" ||
    fail "unsigned upgrade"
expect_eq "unsigned upgrade" "$(calls '.[-1] | [.op, .access_key_id,
    .status, .session_id] | @tsv')" \
    "$(printf 'ssmmessages:OpenDataChannel\t\t403\t%s' "$sid")"
ok "refused calls: the key they were signed with, no principal"

for s in "$BOB_SECRET" "$secret" "$token"; do
	if grep -qF -- "$s" "$T/calls.json"; then
		fail "a secret or token in GET /_emu/calls"
	fi
done
ok "no secret or token in the record"

# 600 more calls: the last 512 are kept, oldest first.
"$PY" - "$EMU_HTTP" <<'EOF' || fail "600 calls"
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
for i in range(600):
    c.request("POST", "/", body="{}", headers={
        "X-Amz-Target": "AmazonSSM.GetConnectionStatus",
        "Content-Type": "application/x-amz-json-1.1"})
    r = c.getresponse()
    r.read()
    assert r.status == 400, r.status
EOF
expect_eq "kept" "$(calls '[length, .[-1].seq - .[0].seq,
    ([.[].seq] == ([.[].seq] | sort))] | @tsv')" "$(printf '512\t511\ttrue')"
expect_eq "unsigned" "$(calls '.[-1] | [.op, .access_key_id, .status]
    | @tsv')" "$(printf 'ssm:GetConnectionStatus\t\t400')"
emu_admin POST /state/reset >/dev/null
expect_eq "after reset" "$(calls length)" 0
ok "the last 512 calls, oldest first; reset forgets them"
emu_stop
