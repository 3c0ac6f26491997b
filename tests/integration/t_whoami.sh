#!/bin/sh
# gatewayctl whoami: the identity and credential expiry of each profile in
# use, through the daemon, against awsemu: the default chain (environment
# keys), an assumed role with an expiry, a credential_process with none.
# A credential_process that hangs gives a clear error after the timeout,
# and while it hangs the daemon keeps serving: a tcp forward echoes and
# gatewayctl status answers.
. "$top_srcdir/tests/lib.sh"

emu_start
cat >"$AWS_SHARED_CREDENTIALS_FILE" <<EOF2
[emu]
aws_access_key_id = $EMU_AKID
aws_secret_access_key = $EMU_SECRET
EOF2
chmod 600 "$AWS_SHARED_CREDENTIALS_FILE"
cat >"$AWS_CONFIG_FILE" <<EOF2
[profile ops]
role_arn = arn:aws:iam::123456789012:role/ops
source_profile = emu
role_session_name = gw-ops
[profile proc]
credential_process = printf '{"Version": 1, "AccessKeyId": "$EMU_AKID", "SecretAccessKey": "$EMU_SECRET"}'
[profile hang]
credential_process = sleep 600
[profile garbage]
credential_process = echo not json
EOF2

start_server echo echo
PORT=$(free_ports 1)
write_conf "credential_process_timeout = 10s"
add_forward web "127.0.0.1:$PORT" 127.0.0.1 "$echo_PORT"
start_gatewayd

# The default chain: the environment's keys.
gwctl whoami --json >"$T/who.json" || fail "whoami failed"
[ "$(jq -r '.identities | length' "$T/who.json")" = 1 ] ||
    fail "whoami: one identity expected: $(cat "$T/who.json")"
[ "$(jq -r '.identities[0].arn' "$T/who.json")" = \
    "arn:aws:iam::123456789012:user/alice@example.com" ] ||
    fail "default chain: $(cat "$T/who.json")"
[ "$(jq -r '.identities[0].source' "$T/who.json")" = environment ] ||
    fail "default chain source: $(cat "$T/who.json")"
ok "whoami: the environment's identity"

# An assumed role: its ARN, and an expiry in the future.
gwctl whoami --profile ops --json >"$T/ops.json" || fail "whoami ops"
[ "$(jq -r '.identities[0].arn' "$T/ops.json")" = \
    "arn:aws:sts::123456789012:assumed-role/ops/gw-ops" ] ||
    fail "ops: $(cat "$T/ops.json")"
left=$(jq -r '.identities[0].expires_in' "$T/ops.json")
[ "$left" -gt 60 ] || fail "ops: expires_in $left"
gwctl whoami --profile ops >"$T/ops.txt"
grep -q '^PROFILE  *REGION  *ACCOUNT' "$T/ops.txt" || fail "no table header"
grep -q 'assumed-role/ops/gw-ops' "$T/ops.txt" || fail "table: $(cat "$T/ops.txt")"
ok "whoami: an assumed role and its expiry ($left s left)"

# A credential_process without an expiry never expires.
gwctl whoami --profile proc --json >"$T/proc.json" || fail "whoami proc"
[ "$(jq -r '.identities[0].expiration' "$T/proc.json")" = null ] ||
    fail "proc: $(cat "$T/proc.json")"
[ "$(jq -r '.identities[0].source' "$T/proc.json")" = \
    process ] || fail "proc source: $(cat "$T/proc.json")"
ok "whoami: credential_process, no expiry"

# Garbage from the process: one clear line, and exit status 1.
rc=0
gwctl whoami --profile garbage --json >"$T/garbage.json" || rc=$?
[ "$rc" -eq 1 ] || fail "whoami with failing credentials exited $rc, not 1"
jq -r '.identities[0].error' "$T/garbage.json" | grep -q 'credential_process' ||
    fail "garbage: $(cat "$T/garbage.json")"
ok "whoami: garbage from credential_process is a clear error, exit 1"

# A process that hangs: the daemon keeps serving meanwhile.
gwctl whoami --profile hang --json >"$T/hang.json" &
who_pid=$!
sleep 0.5
kill -0 "$who_pid" 2>/dev/null || fail "whoami hang answered at once"
"$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -n 65536 \
    >"$T/echo.out" 2>&1 || fail "echo through the tcp forward failed: $(cat "$T/echo.out")"
gwctl status >/dev/null || fail "status did not answer while a process hung"
kill -0 "$who_pid" 2>/dev/null || fail "whoami hang ended too soon"
rc=0
wait "$who_pid" || rc=$?
[ "$rc" -eq 1 ] || fail "whoami hang exited $rc, not 1"
err=$(jq -r '.identities[0].error' "$T/hang.json")
echo "$err" | grep -q 'timed out\|timeout' || fail "hang: $err"
ok "whoami: a hanging credential_process times out ($err); the loop kept serving"

stop_gatewayd
