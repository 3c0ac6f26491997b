#!/bin/sh
# What gatewayd's session lifecycle (issue 5) is tested against, each
# asserted by its effect with the strict client: WebSockets rotated every
# T ms and resumed, API call counters with their times and per-second
# maxima, a muted peer (no acks, no pongs), an instance replaced under
# the same tag (TargetNotConnected for the old one, the new one Online in
# DescribeInstanceInformation), and credentials that expire (creds_ttl)
# for ResumeSession. The maximum session duration and the idle timeout
# are checked by "dcc ends" in t_agent_faults.sh.
. "$top_srcdir/tests/lib.sh"

emu_start
E="--endpoint-url $EMU_URL --output text"
dcc life

ids=$($AWS ssm describe-instance-information $E \
    --filters Key=tag:Name,Values=bastion \
    --query 'InstanceInformationList[].[InstanceId,PingStatus]') ||
    fail "describe"
expect_eq "tag:Name=bastion" "$(echo $ids)" \
    "i-0000000000000000a ConnectionLost i-0000000000000000c Online"
ok "DescribeInstanceInformation: the old instance ConnectionLost," \
    "the new one Online"

sid=$(emu_state "[x['id'] for x in s['sessions']['list'] \
    if x['target'] == 'i-0000000000000000c'][0]")
emu_admin POST /knobs '{"resume_ended": "ok"}' >/dev/null
emu_short_creds 1
i=0
while AWS_ACCESS_KEY_ID=$akid AWS_SECRET_ACCESS_KEY=$secret \
    AWS_SESSION_TOKEN=$token AWS_MAX_ATTEMPTS=1 \
    $AWS ssm resume-session $E --session-id "$sid" >/dev/null 2>"$T/err"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "credentials never expired"
	sleep 0.2
done
grep -q "(ExpiredTokenException)" "$T/err" || fail "$(cat "$T/err")"
ok "creds_ttl 1: ResumeSession with expired credentials: ExpiredTokenException"
emu_alive
emu_stop
