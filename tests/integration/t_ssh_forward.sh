#!/bin/sh
# OpenSSH through a configured ssm forward: a real sshd behind an
# emulated instance's port 22, ssh and scp to the forward's fixed local
# port. A command runs and 20 MiB go each way by scp with equal sha256;
# the three connections are three streams of one session, each a dial of
# the sshd by awsemu's agent.
. "$top_srcdir/tests/integration/ssh_lib.sh"

INST=i-0123456789abcdef0
emu_start --knob pacing=false
ssh_start
emu_admin POST /world "{\"instances\": [$(ssh_instance "$INST")]}" \
    >/dev/null
LP=$(free_ports 1)
ssm_conf
add_ssm_forward ssh "127.0.0.1:$LP" "$INST" 22
start_gatewayd

ssh_exchange "forward" 127.0.0.1 -o "Port=$LP"
grep -q "Accepted publickey for $SSH_USER from 127.0.0.1" "$T/sshd.log" ||
    fail "sshd logged no login"
expect_eq "StartSession calls" \
    "$(emu_state "s['ops']['ssm:StartSession']['ok']")" 1
expect_eq "the agent's dials of the sshd" "$(emu_agent_sum dials)" 3
ok "ssh -p $LP ran a command; scp moved $SSH_SIZE bytes each way, sha256" \
    "equal; 3 dials on one session"
stop_gatewayd
