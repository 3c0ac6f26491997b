#!/bin/sh
# The credential vendors, with clients that are not ours: the AWS CLI
# finds credentials in IMDS (v2, then v1 when v2 is off) and at the
# container endpoint, assumes roles through STS (signed, and with a web
# identity token, unsigned) and signs with what it got; the credentials
# expire when the knob says; botocore reads SSO role credentials and
# refreshes the SSO token.
. "$top_srcdir/tests/lib.sh"

cat >"$T/world.json" <<'EOF'
{
  "instances": [{"id": "i-0123456789abcdef0"}],
  "web_identity": [{"token": "eyJ.test-web-token.sig",
      "role_arn": "arn:aws:iam::123456789012:role/web"}],
  "sso": [{"access_token": "sso-access-1", "client_id": "cid",
      "client_secret": "csecret", "refresh_token": "refresh-1",
      "user": "carol",
      "roles": [{"account_id": "111122223333", "role_name": "ReadOnly"}]}],
  "container": {"path": "/v2/credentials/task", "authorization": "c-tok"}
}
EOF
emu_start --world "$T/world.json"
E="--endpoint-url $EMU_URL --output text"
op() {
	emu_state "s[\"ops\"].get(\"$1\", {}).get(\"$2\", 0)"
}

# IMDSv2: token, role, credentials; the CLI signs with them.
(
	no_keys
	export AWS_EC2_METADATA_DISABLED=false
	export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$EMU_HTTP/
	arn=$($AWS sts get-caller-identity $E --query Arn) || fail "imds v2"
	expect_eq "imds caller" "$arn" \
	    arn:aws:sts::123456789012:assumed-role/gatewayd-instance/i-0123456789abcdef0
	[ "$(op imds:PutToken ok)" -ge 1 ] || fail "no IMDSv2 token taken"
	emu_admin POST /knobs '{"imds_v2": false}' >/dev/null
	v1=$(op imds:Get ok)
	arn=$($AWS sts get-caller-identity $E --query Arn) || fail "imds v1"
	[ "$(op imds:PutToken errors)" -ge 1 ] || fail "v2 was not refused"
	[ "$(op imds:Get ok)" -gt "$v1" ] || fail "no v1 fallback"
	emu_admin POST /knobs '{"imds_v1": false}' >/dev/null
	if $AWS sts get-caller-identity $E >/dev/null 2>"$T/err"; then
		fail "credentials with IMDS v1 and v2 off"
	fi
	emu_admin POST /knobs '{"imds_v1": true, "imds_v2": true}' >/dev/null
)
ok "imds v2, v1 fallback, both off"

# Container credentials, with the Authorization header checked.
(
	no_keys
	export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$EMU_HTTP/v2/credentials/task
	export AWS_CONTAINER_AUTHORIZATION_TOKEN=c-tok
	arn=$($AWS sts get-caller-identity $E --query Arn) || fail "container"
	expect_eq "container caller" "$arn" \
	    arn:aws:sts::123456789012:assumed-role/gatewayd-task/emu-task
	export AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong
	if $AWS sts get-caller-identity $E >/dev/null 2>&1; then
		fail "container credentials with a wrong token"
	fi
	[ "$(op container:GetCredentials errors)" -ge 1 ] ||
	    fail "wrong token not refused"
)
ok "container credentials"

# AssumeRole, then the role's credentials sign calls; the session id
# carries the role session name.
$AWS sts assume-role $E --role-arn arn:aws:iam::123456789012:role/ops \
    --role-session-name bob --duration-seconds 900 \
    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' \
    >"$T/role" || fail "assume-role"
read -r akid secret token <"$T/role"
case $akid in ASIA????????????????) ;; *) fail "role key $akid" ;; esac
[ ${#token} -gt 300 ] || fail "short session token"
arn=$(AWS_ACCESS_KEY_ID=$akid AWS_SECRET_ACCESS_KEY=$secret \
    AWS_SESSION_TOKEN=$token $AWS sts get-caller-identity $E --query Arn) ||
    fail "role caller"
expect_eq "role caller" "$arn" arn:aws:sts::123456789012:assumed-role/ops/bob
sid=$(AWS_ACCESS_KEY_ID=$akid AWS_SECRET_ACCESS_KEY=$secret \
    AWS_SESSION_TOKEN=$token "$PY" - "$EMU_URL" <<'EOF'
import sys, botocore.session
c = botocore.session.get_session().create_client("ssm",
    endpoint_url=sys.argv[1])
print(c.start_session(Target="i-0123456789abcdef0",
    DocumentName="AWS-StartPortForwardingSession")["SessionId"])
EOF
) || fail "start-session with role credentials"
case $sid in bob-*) ;; *) fail "session id $sid" ;; esac
expect_error InvalidClientTokenId env AWS_ACCESS_KEY_ID="$akid" \
    AWS_SECRET_ACCESS_KEY="$secret" AWS_SESSION_TOKEN=not-the-token \
    $AWS sts get-caller-identity $E
expect_error UnrecognizedClientException env AWS_ACCESS_KEY_ID="$akid" \
    AWS_SECRET_ACCESS_KEY="$secret" \
    $AWS ssm get-connection-status $E --target i-0
ok "assume-role"

# Issued credentials expire when the knob says.
emu_short_creds 1
i=0
while AWS_ACCESS_KEY_ID=$akid AWS_SECRET_ACCESS_KEY=$secret \
    AWS_SESSION_TOKEN=$token AWS_MAX_ATTEMPTS=1 \
    $AWS ssm get-connection-status $E --target i-0 >/dev/null 2>"$T/err"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "credentials never expired"
	sleep 0.2
done
grep -q "(ExpiredTokenException)" "$T/err" || fail "$(cat "$T/err")"
emu_admin POST /knobs '{"creds_ttl": 0}' >/dev/null
ok "credentials expire"

# AssumeRoleWithWebIdentity: unsigned; the token must be the registered one.
r=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
    $AWS sts assume-role-with-web-identity $E \
    --role-arn arn:aws:iam::123456789012:role/web \
    --role-session-name pod --web-identity-token eyJ.test-web-token.sig \
    --query 'AssumedRoleUser.Arn') || fail "web identity"
expect_eq "web identity user" "$r" \
    arn:aws:sts::123456789012:assumed-role/web/pod
expect_error InvalidIdentityToken env -u AWS_ACCESS_KEY_ID \
    $AWS sts assume-role-with-web-identity $E \
    --role-arn arn:aws:iam::123456789012:role/web \
    --role-session-name pod --web-identity-token eyJ.forged.sig
ok "assume-role-with-web-identity"

# SSO portal and OIDC through botocore's clients.
"$PY" - "http://127.0.0.1:$EMU_HTTP" <<'EOF' || fail "sso"
import sys, time, botocore.session
from botocore.exceptions import ClientError
s = botocore.session.get_session()
sso = s.create_client("sso", region_name="us-east-1",
    endpoint_url=sys.argv[1])
oidc = s.create_client("sso-oidc", region_name="us-east-1",
    endpoint_url=sys.argv[1])
def code(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return "success"
rc = sso.get_role_credentials(roleName="ReadOnly", accountId="111122223333",
    accessToken="sso-access-1")["roleCredentials"]
assert rc["accessKeyId"].startswith("ASIA")
assert rc["expiration"] > time.time() * 1000
assert code(sso.get_role_credentials, roleName="Admin",
    accountId="111122223333", accessToken="sso-access-1") == \
    "ForbiddenException"
assert code(sso.get_role_credentials, roleName="ReadOnly",
    accountId="111122223333", accessToken="nope") == "UnauthorizedException"
t = oidc.create_token(clientId="cid", clientSecret="csecret",
    grantType="refresh_token", refreshToken="refresh-1")
assert t["expiresIn"] > 0 and t["refreshToken"] != "refresh-1"
assert code(oidc.create_token, clientId="cid", clientSecret="csecret",
    grantType="refresh_token", refreshToken="refresh-1") == \
    "InvalidGrantException"
assert code(oidc.create_token, clientId="cid", clientSecret="bad",
    grantType="refresh_token", refreshToken="x") == "InvalidClientException"
sso.get_role_credentials(roleName="ReadOnly", accountId="111122223333",
    accessToken=t["accessToken"])
EOF
ok "sso portal and oidc"
emu_alive
emu_stop
