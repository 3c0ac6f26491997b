#!/bin/sh
# Debian's AWS CLI (a client that is not ours) gets well-formed answers
# from awsemu over HTTPS with the test CA: SSM, STS, KMS; botocore starts
# a session that the CLI then resumes and terminates; wrong secrets and
# unknown keys are refused the way AWS refuses them.
. "$top_srcdir/tests/lib.sh"

cat >"$T/world.json" <<'EOF'
{
  "instances": [
    {"id": "i-0123456789abcdef0", "tags": {"Name": "bastion", "env": "prod"}},
    {"id": "i-0123456789abcdef1", "tags": {"Name": "bastion"},
     "ping": "ConnectionLost"},
    {"id": "i-01234567", "tags": {"Name": "web"}},
    {"id": "mi-0123456789abcdef0", "tags": {"Name": "onprem"}},
    {"id": "i-0000000000000000a"}, {"id": "i-0000000000000000b"},
    {"id": "i-0000000000000000c"}
  ],
  "ecs": [{"target": "ecs:prod_4f1c0d9e2b7a4c6d8e0f1a2b3c4d5e6f_4f1c0d9e2b7a4c6d8e0f1a2b3c4d5e6f-2531612879"}]
}
EOF
emu_start --world "$T/world.json"
E="--endpoint-url $EMU_URL --output json"

# DescribeInstanceInformation: everything, by tag, by ping status; the
# CLI follows NextToken when pages hold 5.
n=$($AWS ssm describe-instance-information $E \
    --query 'length(InstanceInformationList)') || fail "describe"
expect_eq "all instances" "$n" 7
ids=$($AWS ssm describe-instance-information $E --output text \
    --filters Key=tag:Name,Values=bastion \
    --query 'InstanceInformationList[].InstanceId') || fail "by tag"
expect_eq "tag:Name=bastion" "$ids" \
    "$(printf 'i-0123456789abcdef0\ti-0123456789abcdef1')"
ids=$($AWS ssm describe-instance-information $E --output text \
    --filters Key=PingStatus,Values=ConnectionLost \
    --query 'InstanceInformationList[].InstanceId') || fail "by ping"
expect_eq "PingStatus=ConnectionLost" "$ids" i-0123456789abcdef1
ids=$($AWS ssm describe-instance-information $E --output text \
    --filters Key=tag-key,Values=env \
    --query 'InstanceInformationList[].InstanceId') || fail "by tag-key"
expect_eq "tag-key=env" "$ids" i-0123456789abcdef0
ids=$($AWS ssm describe-instance-information $E --output text \
    --filters Key=InstanceIds,Values=i-01234567,mi-0123456789abcdef0 \
    --query 'InstanceInformationList[].[InstanceId,ResourceType]') ||
    fail "by id"
expect_eq "InstanceIds" "$ids" "$(printf '%s\t%s\n%s\t%s' i-01234567 \
    EC2Instance mi-0123456789abcdef0 ManagedInstance)"
emu_admin POST /state/reset >/dev/null
n=$($AWS ssm describe-instance-information $E --max-items 100 \
    --page-size 5 --query 'length(InstanceInformationList)') ||
    fail "paged describe"
expect_eq "paged instances" "$n" 7
expect_eq "pages fetched" \
    "$(emu_state 's["ops"]["ssm:DescribeInstanceInformation"]["ok"]')" 2
expect_error InvalidFilterKey $AWS ssm describe-instance-information $E \
    --filters Key=tag:Name,Values=bastion Key=PingStatus,Values=Online
expect_error InvalidInstanceInformationFilterValue \
    $AWS ssm describe-instance-information $E \
    --filters Key=PingStatus,Values=Up
ok "ssm describe-instance-information"

# GetConnectionStatus.
s=$($AWS ssm get-connection-status $E --target i-0123456789abcdef0 \
    --query Status --output text) || fail "connection status"
expect_eq "online status" "$s" connected
s=$($AWS ssm get-connection-status $E --target i-0123456789abcdef1 \
    --query Status --output text) || fail "connection status"
expect_eq "offline status" "$s" notconnected
ok "ssm get-connection-status"

# STS GetCallerIdentity.
arn=$($AWS sts get-caller-identity $E --query Arn --output text) ||
    fail "get-caller-identity"
expect_eq "caller" "$arn" \
    "arn:aws:iam::123456789012:user/alice@example.com"
ok "sts get-caller-identity"

# KMS GenerateDataKey of 64 bytes, and Decrypt gives the same bytes back.
$AWS kms generate-data-key $E --key-id alias/gatewayd --number-of-bytes 64 \
    --encryption-context purpose=test >"$T/dk.json" || fail "generate"
"$PY" - "$T/dk.json" "$T/blob" "$T/plain" <<'EOF' || fail "data key shape"
import base64, json, sys
d = json.load(open(sys.argv[1]))
plain = base64.b64decode(d["Plaintext"])
assert len(plain) == 64, len(plain)
assert d["KeyId"].startswith("arn:aws:kms:us-east-1:123456789012:key/")
open(sys.argv[2], "wb").write(base64.b64decode(d["CiphertextBlob"]))
open(sys.argv[3], "w").write(d["Plaintext"])
EOF
back=$($AWS kms decrypt $E --ciphertext-blob "fileb://$T/blob" \
    --encryption-context purpose=test --query Plaintext --output text) ||
    fail "decrypt"
expect_eq "decrypted key" "$back" "$(cat "$T/plain")"
expect_error InvalidCiphertextException $AWS kms decrypt $E \
    --ciphertext-blob "fileb://$T/blob" --encryption-context purpose=other
expect_error NotFoundException $AWS kms generate-data-key $E \
    --key-id alias/nope --key-spec AES_256
ok "kms generate-data-key and decrypt"

# StartSession through botocore; then the CLI resumes and terminates it.
"$PY" - "$EMU_URL" >"$T/session.json" <<'EOF' || fail "botocore start"
import json, sys, botocore.session
c = botocore.session.get_session().create_client("ssm",
    endpoint_url=sys.argv[1])
ecs = c.start_session(Target="ecs:prod_4f1c0d9e2b7a4c6d8e0f1a2b3c4d5e6f_"
    "4f1c0d9e2b7a4c6d8e0f1a2b3c4d5e6f-2531612879",
    DocumentName="AWS-StartPortForwardingSession")
c.terminate_session(SessionId=ecs["SessionId"])
r = c.start_session(Target="i-0123456789abcdef0",
    DocumentName="AWS-StartPortForwardingSession",
    Parameters={"portNumber": ["22"], "localPortNumber": ["2222"]},
    Reason="t_cli")
print(json.dumps(r))
EOF
sid=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["SessionId"])' \
    "$T/session.json")
# The service's shape for the calling user: <user name>-<17 hex>.
case $sid in
alice@example.com-?????????????????) ;;
*) fail "session id $sid" ;;
esac
r=$($AWS ssm resume-session $E --session-id "$sid") || fail "resume"
echo "$r" | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
assert r["SessionId"] == sys.argv[1]
assert len(r["TokenValue"]) > 300
assert r["StreamUrl"].startswith("wss://127.0.0.1:")
assert "/v1/data-channel/" + sys.argv[1] + "?role=publish_subscribe" \
    "&cell-number=" in r["StreamUrl"]
' "$sid" || fail "resume answer: $r"
t=$($AWS ssm terminate-session $E --session-id "$sid" --query SessionId \
    --output text) || fail "terminate"
expect_eq "terminated" "$t" "$sid"
t=$($AWS ssm terminate-session $E --session-id "$sid" --query SessionId \
    --output text) || fail "terminate twice"
expect_eq "terminated again" "$t" "$sid"
expect_error DoesNotExistException $AWS ssm resume-session $E \
    --session-id "$sid"
expect_eq "session states" \
    "$(emu_state '[x["state"] for x in s["sessions"]["list"]]')" \
    "['terminated', 'terminated']"
ok "ssm resume-session and terminate-session"

# Refusals: a wrong secret, an unknown key, a denied action.
expect_error InvalidSignatureException env AWS_SECRET_ACCESS_KEY=wrong \
    $AWS ssm get-connection-status $E --target i-0123456789abcdef0
expect_error SignatureDoesNotMatch env AWS_SECRET_ACCESS_KEY=wrong \
    $AWS sts get-caller-identity $E
expect_error UnrecognizedClientException \
    env AWS_ACCESS_KEY_ID=AKIAUNKNOWN000000000 $AWS kms generate-data-key $E \
    --key-id alias/gatewayd --key-spec AES_128
expect_error InvalidClientTokenId \
    env AWS_ACCESS_KEY_ID=AKIAUNKNOWN000000000 $AWS sts get-caller-identity $E
emu_admin POST /knobs "{\"deny\": [{\"key\": \"$EMU_AKID\",
    \"action\": \"ssm:TerminateSession\"}]}" >/dev/null || fail "deny knob"
expect_error AccessDeniedException $AWS ssm terminate-session $E \
    --session-id "$sid"
grep -q "not authorized to perform: ssm:TerminateSession" "$T/err" ||
    fail "deny message: $(cat "$T/err")"
ok "refusals"

emu_alive
emu_stop
