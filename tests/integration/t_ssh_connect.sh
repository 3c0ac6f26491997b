#!/bin/sh
# OpenSSH with gatewayctl connect as its ProxyCommand: no fixed port, a
# session started on demand and kept warm. A real sshd behind an emulated
# instance's port 22. Twenty logins one after another, then a command and
# 20 MiB each way by scp, all on the one session they started; the same
# through a tag and through a configured forward's name. A user not
# allowed, a target outside connect_targets and an unknown one each get
# exit 1 and a one-line reason, and the daemon serves the next login; so
# does an instance id that is not there (StartSession refuses it).
. "$top_srcdir/tests/integration/ssh_lib.sh"

INST=i-0123456789abcdef0
OUTSIDE=i-0fedcba9876543210
UNKNOWN=i-0123456789abcdeff
emu_start --knob pacing=false
ssh_start
emu_admin POST /world "{\"instances\": [$(ssh_instance "$INST" \
    '{"Name": "sshd-a"}'), $(ssh_instance "$OUTSIDE" '{"Name": "other"}')]}" \
    >/dev/null

# A user not allowed needs to reach the socket first: the operators'
# group (nobody's) may, as in t_control_group.sh; only root can run a
# client as nobody.
OTHER=
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 &&
    command -v setpriv >/dev/null; then
	OTHER=nobody
	mkdir -m 0750 "$T/run"
	chgrp "$(id -gn nobody)" "$T/run"
	GW_CONTROL=$T/run/control.sock
	set -- "control_group = $(id -gn nobody)" "control_mode = 0660"
else
	set --
fi
LP=$(free_ports 1)
ssm_conf "$@" "region = us-east-1" "endpoint_url = $EMU_URL" \
    "connect_allow = user:$SSH_USER" \
    "connect_targets = i-01* tag:Name=sshd-* sshfwd" "connect_ports = 22"
conf_forward ssm sshfwd "127.0.0.1:$LP" "$INST" 22
start_gatewayd

# via TARGET: the ProxyCommand option for ssh and scp.
via() {
	echo "ProxyCommand=$GATEWAYCTL -s $GW_CONTROL connect $1 %p"
}
starts() {
	emu_state "s['ops'].get('ssm:StartSession', {}).get('ok', 0)"
}

i=0
while [ "$i" -lt 20 ]; do
	i=$((i + 1))
	ssh_login "login $i via $INST" gwt -o "$(via "$INST")"
done
expect_eq "StartSession calls after 20 logins" "$(starts)" 1
ssh_exchange "connect $INST" gwt -o "$(via "$INST")"
expect_eq "StartSession calls after scp too" "$(starts)" 1
expect_eq "the agent's dials of the sshd" "$(emu_agent_sum dials)" 23
expect_eq "the on-demand forward in status" \
    "$(fwd_get "~$INST:22" .on_demand)" true
ok "20 logins and 20 MiB each way by scp through gatewayctl connect" \
    "$INST: one StartSession in all"

ssh_exchange "connect tag:Name=sshd-a" gwt -o "$(via tag:Name=sshd-a)"
before=$(fwd_get sshfwd .total)
ssh_login "connect sshfwd" gwt -o "$(via sshfwd)"
expect_eq "conns of forward sshfwd" "$(fwd_get sshfwd .total)" \
    $((before + 1))
ok "connect through a tag (a login and scp) and a configured forward's name"

# refused WHAT WANT TARGET [setpriv ARGS]: gatewayctl connect TARGET 22
# exits 1 with one line on stderr that names the target and says WANT;
# the next login still goes through.
refused() {
	rf_what=$1 rf_want=$2 rf_target=$3
	shift 3
	rc=0
	"$@" "$GATEWAYCTL" -s "$GW_CONTROL" connect "$rf_target" 22 \
	    </dev/null >"$T/refused.out" 2>"$T/refused.err" || rc=$?
	expect_eq "$rf_what: exit status" "$rc" 1
	expect_eq "$rf_what: lines on stderr" "$(wc -l <"$T/refused.err")" 1
	grep -q "^gatewayctl: connect $rf_target:22: .*$rf_want" \
	    "$T/refused.err" ||
	    fail "$rf_what: stderr '$(cat "$T/refused.err")', want" \
	    "'gatewayctl: connect $rf_target:22: ...$rf_want...'"
	[ ! -s "$T/refused.out" ] || fail "$rf_what: bytes on stdout"
	kill -0 "$GW_PID" || fail "$rf_what: gatewayd died"
	ssh_login "a login after $rf_what" gwt -o "$(via "$INST")"
	ok "$rf_what: $(cat "$T/refused.err")"
}
if [ -n "$OTHER" ]; then
	why="uid $(id -u nobody) (nobody) may not connect (connect_allow)"
	refused "a user not allowed" "connect: $why" "$INST" \
	    setpriv --reuid nobody --regid "$(id -g nobody)" --clear-groups
else
	echo "a user not allowed: not tried (needs root, setpriv and nobody)"
fi
refused "a target outside connect_targets" \
    "connect: target $OUTSIDE is not in connect_targets" "$OUTSIDE"
refused "an unknown target" 'connect: unknown target "nosuch"' nosuch
refused "an instance that is not there" "StartSession: TargetNotConnected" \
    "$UNKNOWN"
stop_gatewayd
