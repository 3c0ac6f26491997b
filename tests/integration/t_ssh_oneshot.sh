#!/bin/sh
# OpenSSH with gatewayd -W as its ProxyCommand: no daemon, no config file,
# the credentials and the endpoint from the environment (as emu_start
# sets them, the usual chain). A real sshd behind an emulated instance's
# port 22: a login by instance id starts one session and runs a command;
# by tag, a login and scp of 20 MiB each way, checksums equal, a session
# each.
. "$top_srcdir/tests/integration/ssh_lib.sh"

INST=i-0123456789abcdef0
emu_start --knob pacing=false
ssh_start
emu_admin POST /world "{\"instances\": [$(ssh_instance "$INST" \
    '{"Name": "sshd-a"}')]}" >/dev/null

starts() {
	emu_state "s['ops'].get('ssm:StartSession', {}).get('ok', 0)"
}

ssh_login "gatewayd -W $INST" gwt -o "ProxyCommand=$GATEWAYD -W $INST:%p"
expect_eq "StartSession calls" "$(starts)" 1
ok "gatewayd -W $INST:22 as the ProxyCommand, no daemon: a login, one" \
    "session"
ssh_exchange "gatewayd -W tag:Name=sshd-a" gwt \
    -o "ProxyCommand=$GATEWAYD -W tag:Name=sshd-a:%p"
expect_eq "StartSession calls" "$(starts)" 4
ok "gatewayd -W tag:Name=sshd-a:22: a login and $SSH_SIZE bytes each way" \
    "by scp, a session each"
