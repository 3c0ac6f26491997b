#!/bin/sh
# The throttle and failure knobs make Debian's AWS CLI retry (standard
# mode) and then succeed or fail as configured; the emulator's counters
# show every attempt.
. "$top_srcdir/tests/lib.sh"

emu_start
E="--endpoint-url $EMU_URL --output text"
OP=ssm:GetConnectionStatus
calls() {
	emu_state "s[\"ops\"][\"$OP\"][\"$1\"]"
}

# Two throttled answers, then a good one: the CLI's third attempt wins.
emu_admin POST /knobs '{"fail": [{"op": "ssm:GetConnectionStatus",
    "count": 2, "code": "ThrottlingException", "status": 400,
    "message": "Rate exceeded"}]}' >/dev/null || fail "fail knob"
s=$($AWS ssm get-connection-status $E --target i-0123456789abcdef0 \
    --query Status) || fail "CLI gave up before the third attempt"
expect_eq "status" "$s" notconnected
expect_eq "attempts" "$(calls calls)" 3
expect_eq "injected" "$(calls injected)" 2
expect_eq "ok" "$(calls ok)" 1
ok "two throttles, then success"

# A bucket that never refills: every attempt is throttled, the CLI stops
# after AWS_MAX_ATTEMPTS and reports ThrottlingException.
emu_admin POST /state/reset >/dev/null
emu_admin POST /knobs '{"fail": [], "throttle": [{"op": "ssm:*",
    "rate": 0, "burst": 0}]}' >/dev/null || fail "throttle knob"
expect_error ThrottlingException $AWS ssm get-connection-status $E \
    --target i-0123456789abcdef0
grep -q "reached max retries: 2" "$T/err" || fail "retries: $(cat "$T/err")"
expect_eq "attempts" "$(calls calls)" 3
expect_eq "throttled" "$(calls throttled)" 3
expect_eq "total throttled" "$(emu_state 's["throttled"]')" 3
expect_error ThrottlingException env AWS_MAX_ATTEMPTS=5 \
    $AWS ssm get-connection-status $E --target i-0123456789abcdef0
expect_eq "attempts with max 5" "$(calls calls)" 8
ok "throttled until the CLI gives up"

# The bucket only covers what it names: STS still answers.
$AWS sts get-caller-identity $E >/dev/null || fail "sts throttled too"

# A global bucket with a burst of 2 and no refill: two calls pass, the
# third is throttled.
emu_admin POST /state/reset >/dev/null
emu_admin POST /knobs '{"throttle": [{"op": "*", "rate": 0,
    "burst": 2}]}' >/dev/null || fail "throttle knob"
$AWS sts get-caller-identity $E >/dev/null || fail "first call"
$AWS ssm get-connection-status $E --target i-0 >/dev/null || fail "second"
expect_error Throttling env AWS_MAX_ATTEMPTS=1 $AWS sts get-caller-identity $E
ok "global bucket"

# A 500 with the server's code is retried as a transient error too.
emu_admin POST /state/reset >/dev/null
emu_admin POST /knobs '{"throttle": [], "fail": [{"op": "sts:*",
    "count": 1, "code": "InternalFailure", "status": 500}]}' >/dev/null ||
    fail "fail knob"
$AWS sts get-caller-identity $E >/dev/null || fail "CLI did not retry a 500"
expect_eq "sts attempts" \
    "$(emu_state 's["ops"]["sts:GetCallerIdentity"]["calls"]')" 2
ok "injected 500 retried"

# Bad knobs are refused whole, with the reason.
if emu_admin POST /knobs '{"delay_ms": 5, "throttle": 3}' >"$T/k"; then
	fail "bad knob accepted"
fi
grep -q "knob throttle: not an array" "$T/k" || fail "reason: $(cat "$T/k")"
expect_eq "delay untouched" "$(emu_admin GET /knobs | "$PY" -c \
    'import json,sys; print(json.load(sys.stdin)["delay_ms"])')" 0
ok "bad knobs refused"
emu_alive
emu_stop
