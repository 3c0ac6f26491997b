#!/bin/sh
# gatewayctl policy: the least-privilege IAM policy of the running config,
# for instance, tag, ECS, managed-node and remote-host targets in two
# regions, a custom document, a profile that assumes a role and the
# on-demand connect rules, is exactly policy.expected (sorted, stable
# Sids); the notes (stderr) say what IAM cannot express. Named forwards
# give theirs alone, --account fills the ARNs, an unknown name is an
# error. No AWS is called.
. "$top_srcdir/tests/lib.sh"

aws_offline_env
cat >"$AWS_SHARED_CREDENTIALS_FILE" <<EOF2
[default]
aws_access_key_id = $EMU_AKID
aws_secret_access_key = $EMU_SECRET
EOF2
chmod 600 "$AWS_SHARED_CREDENTIALS_FILE"
cat >"$AWS_CONFIG_FILE" <<EOF2
[profile ops]
role_arn = arn:aws:iam::123456789012:role/gateway-ops
source_profile = default
EOF2
ECS=ecs:prod_4f1c0d9e2b7a4c6d8e0f1a2b3c4d5e6f_4f1c0d9e2b7a4c6d8e0f1a2b3c4d5e6f-2531612879
set -- $(free_ports 6)
write_conf "region = us-east-1" "connect_allow = uid:$(id -u)" \
    "connect_targets = i-0aa[0-9]* tag:Team=db* web" "connect_ports = 22"
conf_forward ssm web "127.0.0.1:$1" i-0123456789abcdef0 80
conf_forward ssm bastion "127.0.0.1:$2" tag:Name=bastion 22
conf_forward ssm db "127.0.0.1:$3" tag:Name=db-jump 5432 \
    remote_host=db.internal
conf_forward ssm task "127.0.0.1:$4" "$ECS" 8080 region=eu-west-1
conf_forward ssm onprem "127.0.0.1:$5" mi-0123456789abcdef0 22 \
    region=eu-west-1 document=Custom-PortDocument profile=ops
add_forward local "127.0.0.1:$6" 127.0.0.1 9
start_gatewayd

gwctl policy >"$T/policy.json" 2>"$T/notes" || fail "gatewayctl policy"
diff -u "$top_srcdir/tests/integration/policy.expected" "$T/policy.json" ||
    fail "the policy is not policy.expected"
ok "the policy of six forwards and the connect rules"
for note in "remote host (db.internal)" "region us-east-1 only" \
    "class is '*' in IAM" "profile ops assumes" "account: *" \
    '${aws:userid}'; do
	grep -q -F -- "$note" "$T/notes" || fail "no note: $note"
done
ok "notes: $(wc -l <"$T/notes") lines"
# The same twice: nothing depends on the order of calls.
gwctl policy 2>/dev/null | cmp -s - "$T/policy.json" ||
    fail "a second policy differs"
# It is valid JSON, and every Sid is unique.
jq -e '[.Statement[].Sid] | length == (unique | length)' \
    "$T/policy.json" >/dev/null || fail "Sids are not unique"

# One forward, one account: only its statements.
gwctl policy --account 123456789012 task >"$T/task.json" 2>/dev/null ||
    fail "policy task"
expect_eq "task's Sids" "$(jq -r '[.Statement[].Sid] | join(" ")' \
    "$T/task.json")" "StartSessionEuWest1 OwnSessionsEuWest1 OpenDataChannelEuWest1"
expect_eq "task's resources" "$(jq -r '.Statement[0].Resource | join(" ")' \
    "$T/task.json")" "arn:aws:ecs:eu-west-1:123456789012:task/prod/4f1c0d9e2b7a4c6d8e0f1a2b3c4d5e6f arn:aws:ssm:eu-west-1::document/AWS-StartPortForwardingSession"
ok "policy --account ... task"
# A tcp forward needs nothing from AWS.
gwctl policy local >"$T/local.json" 2>"$T/local.notes" || fail "policy local"
expect_eq "local's statements" "$(jq -c .Statement "$T/local.json")" "[]"
grep -q "nothing to allow" "$T/local.notes" || fail "local: $(cat "$T/local.notes")"
! gwctl policy nope >"$T/out" 2>&1 || fail "policy nope succeeded"
grep -q "no forward nope" "$T/out" || fail "policy nope: $(cat "$T/out")"
! gwctl policy --account 12 >"$T/out" 2>&1 || fail "--account 12 succeeded"
grep -q "not 12 digits" "$T/out" || fail "--account 12: $(cat "$T/out")"
ok "an unknown forward and a bad account are errors"
stop_gatewayd
