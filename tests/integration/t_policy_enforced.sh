#!/bin/sh
# The policy gatewayctl policy prints is enough, and all of it is needed.
# awsemu enforces it (tests/awsemu/emu_iam.c) on the key gatewayd signs
# with: an instance forward, a tag forward, a remote-host forward, a
# resume after the service drops the WebSocket and an on-demand gatewayctl
# connect all work. Then, for each statement in turn, the same with that
# statement alone removed: something fails, and gatewayd's log names an
# action of the missing statement in AWS's "is not authorized to perform".
. "$top_srcdir/tests/lib.sh"

INST=i-0123456789abcdef0 BAST=i-0fedcba9876543210
start_server echo echo
ssm_instance "$INST" 3.3.987.0 Online '{"Name": "web"}' \
    "{\"80\": \"127.0.0.1:$echo_PORT\"}" \
    "{\"db.internal:5432\": \"127.0.0.1:$echo_PORT\"}"
ssm_instance "$BAST" 3.3.987.0 Online '{"Name": "bastion"}' \
    "{\"22\": \"127.0.0.1:$echo_PORT\"}"
ssm_emu_start --knob pacing=false
# The key gatewayd signs with; its policy comes later.
KEY=AKIAPOLICYTEST000001 SECRET=policy/test+secret/000000000000000000
export AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET
set -- $(free_ports 3)
INST_PORT=$1 TAG_PORT=$2 REMOTE_PORT=$3
ssm_conf "region = us-east-1" "endpoint_url = $EMU_URL" \
    "connect_allow = uid:$(id -u)" "connect_targets = $INST" \
    "connect_ports = 80" "drain_timeout = 2s"
add_ssm_forward inst "127.0.0.1:$INST_PORT" "$INST" 80
add_ssm_forward tag "127.0.0.1:$TAG_PORT" tag:Name=bastion 22
add_ssm_forward remote "127.0.0.1:$REMOTE_PORT" "$INST" 5432 \
    remote_host=db.internal

# use_policy FILE: the world again, with gatewayd's key under FILE.
use_policy() {
	jq --slurpfile p "$1" --arg k "$KEY" --arg s "$SECRET" \
	    '. + {keys: [{access_key_id: $k, secret_access_key: $s,
	    user: "gw-user", policy: $p[0]}]}' "$SSM_WORLD" >"$T/world-p.json"
	emu_admin POST /world "$(cat "$T/world-p.json")" >/dev/null ||
	    fail "awsemu refused the world with $1"
}

# try NAME COMMAND...: COMMAND in the background until it exits or
# gatewayd logs a denial (it may retry, resume or fall back for a long
# while after one); true if it exited 0 and nothing was denied.
try() {
	name=$1
	shift
	"$@" >"$T/$name.out" 2>&1 &
	pid=$!
	n=0
	while kill -0 "$pid" 2>/dev/null && [ $n -lt 600 ] &&
	    ! grep -q "not authorized" "$GW_LOG"; do
		sleep 0.1
		n=$((n + 1))
	done
	kill "$pid" 2>/dev/null || true
	rc=0
	wait "$pid" || rc=$?
	[ $rc -eq 0 ] && ! grep -q "not authorized" "$GW_LOG"
}

# echo_via PORT [BYTES]: there and back through a forward.
echo_via() {
	"$LOADCLIENT" -c "127.0.0.1:$1" -m echo -W -n "${2:-65536}" -t 60
}

resumes() {
	emu_state "sum(x['resumes'] for x in s['sessions']['list'])"
}

# resume: the service drops the WebSocket once, 30 messages in; the
# echo goes on through a ResumeSession.
resume() {
	before=$(resumes)
	emu_admin POST /knobs '{"drop_after": 30, "drop_count": 1,
	    "drop_mode": "bye"}' >/dev/null || fail "drop knobs"
	rc=0
	try resume echo_via "$INST_PORT" 1048576 || rc=1
	emu_admin POST /knobs '{"drop_after": 0}' >/dev/null
	[ $rc -eq 0 ] && [ "$(resumes)" -gt "$before" ]
}

# on_demand: a line there and back through gatewayctl connect.
on_demand() {
	"$PY" -c '
import subprocess, sys
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE,
    stdout=subprocess.PIPE)
p.stdin.write(b"ping\n")
p.stdin.flush()
ok = p.stdout.readline() == b"ping\n"
p.stdin.close()
p.kill()
p.wait()
sys.exit(0 if ok else 1)' "$GATEWAYCTL" -s "$GW_CONTROL" connect "$INST" 80
}

# scenarios: each in turn; FAILED says the first that failed, if one did.
scenarios() {
	FAILED=
	try inst echo_via "$INST_PORT" || { FAILED=inst; return; }
	try tag echo_via "$TAG_PORT" || { FAILED=tag; return; }
	try remote echo_via "$REMOTE_PORT" || { FAILED=remote; return; }
	resume || { FAILED=resume; return; }
	try connect on_demand || { FAILED=connect; return; }
}

# The policy, from the config gatewayd runs (no AWS call needed).
start_gatewayd
gwctl policy --account 123456789012 >"$T/policy.json" 2>/dev/null ||
    fail "gatewayctl policy"
stop_gatewayd
NST=$(jq '.Statement | length' "$T/policy.json")
[ "$NST" -ge 5 ] || fail "only $NST statements: $(cat "$T/policy.json")"

use_policy "$T/policy.json"
start_gatewayd
scenarios
[ -z "$FAILED" ] || fail "with the whole policy, $FAILED failed: $(cat \
    "$T/$FAILED.out")"
grep -q "not authorized" "$GW_LOG" && fail "a denial with the whole policy"
stop_gatewayd
ok "with the whole policy ($NST statements): instance, tag, remote host, resume, connect"

i=0
while [ $i -lt "$NST" ]; do
	sid=$(jq -r ".Statement[$i].Sid" "$T/policy.json")
	jq "del(.Statement[$i])" "$T/policy.json" >"$T/less.json"
	use_policy "$T/less.json"
	: >"$GW_LOG"
	start_gatewayd
	scenarios
	[ -n "$FAILED" ] || fail "without $sid, everything worked"
	found=
	for action in $(jq -r ".Statement[$i].Action[]" "$T/policy.json"); do
		grep -q "not authorized to perform: $action on" "$GW_LOG" &&
		    found=$action
	done
	[ -n "$found" ] || fail "without $sid, $FAILED failed and the log names none of its actions"
	stop_gatewayd
	ok "without $sid: $FAILED fails, the log names $found"
	i=$((i + 1))
done
emu_stop
ok "awsemu exits cleanly"
