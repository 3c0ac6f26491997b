#!/bin/sh
# gatewayd's AWS client against awsemu: whoami through every credential
# source the chain knows (environment, shared files, assume role, web
# identity, SSO with a token refresh, credential_process, container,
# IMDS), errors as one line, and fifty StartSessions at once under an
# emulator throttle, all succeeding within the client's API budget.
. "$top_srcdir/tests/lib.sh"

AWSC=$top_builddir/tests/tools/awsc
cat >"$T/world.json" <<'EOF2'
{
  "instances": [{"id": "i-0123456789abcdef0", "tags": {"Role": "bastion"}},
                {"id": "i-0aaaaaaaaaaaaaaa1", "tags": {"Role": "bastion"}},
                {"id": "i-0bbbbbbbbbbbbbbb2", "tags": {"Role": "web"}}],
  "web_identity": [{"token": "eyJ.test-web-token.sig",
      "role_arn": "arn:aws:iam::123456789012:role/web"}],
  "sso": [{"access_token": "sso-access-1", "client_id": "cid",
      "client_secret": "csecret", "refresh_token": "refresh-1",
      "user": "carol",
      "roles": [{"account_id": "111122223333", "role_name": "ReadOnly"}]}],
  "container": {"path": "/v2/credentials/task", "authorization": "c-tok"}
}
EOF2
emu_start --world "$T/world.json"
who() {
	"$AWSC" "$@" whoami 2>"$T/err" || fail "whoami $*: $(cat "$T/err")"
}

# Environment keys: awsemu's default user.
ALICE=arn:aws:iam::123456789012:user/alice@example.com
expect_eq "env" "$(who)" "123456789012 $ALICE environment"
ok "environment"

# The shared credentials file, named explicitly: environment skipped.
cat >"$AWS_SHARED_CREDENTIALS_FILE" <<EOF2
[emu]
aws_access_key_id = $EMU_AKID
aws_secret_access_key = $EMU_SECRET
EOF2
chmod 600 "$AWS_SHARED_CREDENTIALS_FILE"
expect_eq "file" "$(AWS_ACCESS_KEY_ID=AKIDNOTKNOWN who -p emu)" \
    "123456789012 $ALICE shared-credentials-file"
ok "shared credentials file"

# Assume role from the file's keys; web identity (unsigned).
printf 'eyJ.test-web-token.sig' >"$T/web-token"
cat >"$AWS_CONFIG_FILE" <<EOF2
[profile ops]
role_arn = arn:aws:iam::123456789012:role/ops
source_profile = emu
role_session_name = gw-ops
[profile pod]
role_arn = arn:aws:iam::123456789012:role/web
web_identity_token_file = $T/web-token
role_session_name = pod
[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = ReadOnly
[sso-session corp]
sso_start_url = https://corp.awsapps.example/start
sso_region = us-east-1
[profile proc]
credential_process = printf '{"Version": 1, "AccessKeyId": "$EMU_AKID", "SecretAccessKey": "$EMU_SECRET"}'
[profile broken]
credential_process = echo not json
EOF2
expect_eq "assume role" "$(who -p ops | cut -d' ' -f2-)" \
    "arn:aws:sts::123456789012:assumed-role/ops/gw-ops assume-role"
expect_eq "web identity" "$(who -p pod | cut -d' ' -f2-)" \
    "arn:aws:sts::123456789012:assumed-role/web/pod web-identity"
ok "assume role and web identity"

# SSO: a token near its end is refreshed through OIDC, the cache rewritten.
mkdir -p "$HOME/.aws/sso/cache"
cache=$HOME/.aws/sso/cache/$(printf corp | sha1sum | cut -d' ' -f1).json
"$PY" - "$cache" <<'EOF2'
import json, sys, time
t = lambda s: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + s))
json.dump({"startUrl": "https://corp.awsapps.example/start",
    "region": "us-east-1", "accessToken": "sso-access-1",
    "expiresAt": t(300), "clientId": "cid", "clientSecret": "csecret",
    "registrationExpiresAt": t(86400), "refreshToken": "refresh-1"},
    open(sys.argv[1], "w"))
EOF2
r=$(who -p dev)
case $r in "111122223333 arn:aws:sts::111122223333:assumed-role/"*ReadOnly*"/carol sso") ;;
*) fail "sso: $r" ;; esac
grep -q '"refreshToken":"refresh-1"' "$cache" && fail "cache not rewritten"
grep -q '"clientSecret":"csecret"' "$cache" || fail "registration lost"
ok "sso with token refresh"

# credential_process, good and bad.
expect_eq "process" "$(who -p proc | cut -d' ' -f3)" process
"$AWSC" -p broken whoami 2>"$T/err" && fail "broken process accepted"
grep -q "profile broken: credential_process: output is not a JSON object" \
    "$T/err" || fail "process error: $(cat "$T/err")"
ok "credential_process"

# Container and IMDS, with no keys anywhere.
rm -f "$AWS_CONFIG_FILE" "$AWS_SHARED_CREDENTIALS_FILE"
(
	no_keys
	export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$EMU_HTTP/v2/credentials/task
	export AWS_CONTAINER_AUTHORIZATION_TOKEN=c-tok
	expect_eq "container" "$(who | cut -d' ' -f3)" container
)
(
	no_keys
	export AWS_EC2_METADATA_DISABLED=false
	export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$EMU_HTTP
	expect_eq "imds" "$(who | cut -d' ' -f2-)" \
	    "arn:aws:sts::123456789012:assumed-role/gatewayd-instance/i-0123456789abcdef0 instance-metadata"
)
ok "container and imds"

# Nothing anywhere: one line saying what was tried.
( no_keys; "$AWSC" whoami 2>"$T/err" ) && fail "credentials from nowhere"
grep -q "^unable to locate credentials: environment: AWS_ACCESS_KEY_ID not set; " \
    "$T/err" || fail "unable to locate: $(cat "$T/err")"

# A key the service does not know: one line with the AWS code.
AWS_ACCESS_KEY_ID=AKIDNOTKNOWN "$AWSC" whoami 2>"$T/err" &&
    fail "unknown key accepted"
grep -q "^GetCallerIdentity: InvalidClientTokenId: " "$T/err" ||
    fail "unknown key: $(cat "$T/err")"
ok "errors are one line"

# Paging through DescribeInstanceInformation with a tag filter.
ids=$("$AWSC" describe tag:Role=bastion | sort | tr '\n' ' ')
expect_eq "describe" "$ids" "i-0123456789abcdef0 i-0aaaaaaaaaaaaaaa1 "
ok "describe by tag"

# Fifty forwards start at once; the service throttles StartSession at 10
# a second after a burst of 5. The client's budget (20/s, burst 10) and
# standard retries get every one through.
emu_admin POST /state/reset >/dev/null
emu_admin POST /knobs '{"throttle": [{"op": "ssm:StartSession",
    "rate": 10, "burst": 5}]}' >/dev/null || fail "throttle knob"
AWS_MAX_ATTEMPTS=10 "$AWSC" -R 20 -B 10 start 50 i-0123456789abcdef0 \
    >"$T/out" 2>"$T/err" || fail "start: $(cat "$T/err")"
expect_eq "sessions" "$(cat "$T/out")" "ok 50/50"
calls=$(emu_state 's["ops"]["ssm:StartSession"]["calls"]')
throttled=$(emu_state 's["ops"]["ssm:StartSession"]["throttled"]')
okc=$(emu_state 's["ops"]["ssm:StartSession"]["ok"]')
expect_eq "started" "$okc" 50
[ "$throttled" -gt 0 ] || fail "the throttle never bit"
expect_eq "calls" "$calls" $((okc + throttled))
echo "startsessions: 50 ok, $calls attempts, $throttled throttled"
ok "fifty forwards under a throttle"

# With the budget well under the service's rate (a fresh bucket), the
# default three attempts are plenty and (next to) nothing is throttled.
emu_admin POST /knobs '{"throttle": []}' >/dev/null
emu_admin POST /knobs '{"throttle": [{"op": "ssm:StartSession",
    "rate": 10, "burst": 5}]}' >/dev/null || fail "throttle knob"
emu_admin POST /state/reset >/dev/null
sleep 1
"$AWSC" -R 6 -B 4 start 50 i-0123456789abcdef0 >"$T/out" 2>"$T/err" ||
    fail "start: $(cat "$T/err")"
expect_eq "sessions" "$(cat "$T/out")" "ok 50/50"
# (a request or two may still meet the bucket when a busy machine delays
# some and not others on the way; the client's own budget cannot see that)
thr=$(emu_state 's["ops"]["ssm:StartSession"]["throttled"]')
[ "$thr" -le 2 ] || fail "$thr throttled within the budget"
ok "fifty forwards within the budget, $thr throttled"
emu_alive
emu_stop
