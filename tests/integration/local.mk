# Integration: gatewayd, the tools and real sockets on loopback.
INTEGRATION_TESTS += \
	tests/integration/t_bulk.sh \
	tests/integration/t_many.sh \
	tests/integration/t_halfclose.sh \
	tests/integration/t_reload_during_transfer.sh \
	tests/integration/t_reload_broken.sh \
	tests/integration/t_slow_reader.sh \
	tests/integration/t_allow_tcp.sh \
	tests/integration/t_allow_unix.sh \
	tests/integration/t_oneshot.sh \
	tests/integration/t_oneshot_options.sh \
	tests/integration/t_forward_failure.sh \
	tests/integration/t_privdrop.sh \
	tests/integration/t_control_group.sh \
	tests/integration/t_status.sh \
	tests/integration/t_drain.sh \
	tests/integration/t_control.sh \
	tests/integration/t_connect.sh \
	tests/integration/t_control_flood.sh \
	tests/integration/t_refused.sh \
	tests/integration/t_contrib.sh \
	tests/integration/t_whoami.sh \
	tests/integration/t_login.sh \
	tests/integration/t_ca_bundle.sh
EXTRA_DIST += tests/integration/ctl_clients.py
# contrib/terraform: formatted (hclfmt, terraform fmt where installed),
# its shape, and its policy rules against gatewayctl policy's.
INTEGRATION_TESTS += tests/integration/t_terraform_fmt.sh
# gatewayctl policy, and the same policy enforced by awsemu.
INTEGRATION_TESTS += tests/integration/t_policy.sh \
	tests/integration/t_policy_enforced.sh
EXTRA_DIST += tests/integration/policy.expected

# The botocore cross-check: tests/tools/sigv4_gen signs random requests,
# the script has Debian's python3-botocore sign them again.
INTEGRATION_TESTS += tests/integration/t_sigv4_botocore.sh
EXTRA_DIST += tests/integration/sigv4_botocore.py

# End to end against awsemu's agent (t_ssm_*.sh).
INTEGRATION_TESTS += \
	tests/integration/t_ssm_bulk.sh tests/integration/t_ssm_many.sh \
	tests/integration/t_ssm_errors.sh tests/integration/t_ssm_remote_host.sh \
	tests/integration/t_ssm_faults.sh tests/integration/t_ssm_oneshot.sh \
	tests/integration/t_ssm_pacing.sh tests/integration/t_ssm_denylist.sh \
	tests/integration/t_ssm_service2026.sh
# Status that tells the truth, and lines with fields (issue 14).
INTEGRATION_TESTS += tests/integration/t_status_health.sh \
	tests/integration/t_log_json.sh
# Reloads with ssm forwards running (unchanged forwards keep going).
INTEGRATION_TESTS += tests/integration/t_reload_ssm.sh
# Audit records: a file, its reopen, a sink that does not read
# (t_audit.sh); the journal and syslog datagrams (t_audit_journal.sh);
# who the credentials are, late or never (t_audit_identity.sh).
INTEGRATION_TESTS += tests/integration/t_audit.sh \
	tests/integration/t_audit_journal.sh \
	tests/integration/t_audit_identity.sh

# The session pool (issue 5: tunnels that never die and scale): the
# t_life_*.sh scripts run gatewayd's ssm forwarder against awsemu's faults.
INTEGRATION_TESTS += tests/integration/t_life_drops.sh \
	tests/integration/t_life_mbb.sh tests/integration/t_life_replace.sh \
	tests/integration/t_life_rotate.sh tests/integration/t_life_stripe.sh \
	tests/integration/t_life_admission.sh \
	tests/integration/t_life_halfclose.sh tests/integration/t_life_spread.sh \
	tests/integration/t_life_banner.sh tests/integration/t_life_abort.sh \
	tests/integration/t_life_maxconns.sh tests/integration/t_life_stall.sh
EXTRA_DIST += tests/integration/life_lib.sh tests/integration/life_tool.py \
	tests/integration/end_tool.py

# The data channel against awsemu: chan_pump moves bytes both ways through
# one chan.
check_PROGRAMS += tests/integration/chan_pump
tests_integration_chan_pump_SOURCES = tests/integration/chan_pump.c
tests_integration_chan_pump_LDADD = $(GW_LIBS)
INTEGRATION_TESTS += tests/integration/t_chan_faults.sh \
	tests/integration/t_chan_drops.sh
EXTRA_DIST += tests/integration/chan_lib.sh

# The systemd unit's exposure score and settings; the packaged config
# checks.
INTEGRATION_TESTS += tests/integration/t_unit.sh

# The metrics endpoint: counters against the traffic, promtool, bad
# requests, reloads.
INTEGRATION_TESTS += tests/integration/t_metrics.sh

# -V and -h of both programs, and the version they report.
INTEGRATION_TESTS += tests/integration/t_version.sh

# The notify protocol (Type=notify, the watchdog), with
# tests/tools/notifysock playing systemd's end of the socket.
INTEGRATION_TESTS += tests/integration/t_notify.sh

# Shell completion (contrib/completion), gatewayctl's completing forward
# names with gatewayctl status --names.
INTEGRATION_TESTS += tests/integration/t_completion.sh

# OpenSSH through gatewayd (issue 12): a real sshd behind an emulated
# instance, ssh and scp as the clients (ssh_lib.sh).
INTEGRATION_TESTS += tests/integration/t_ssh_forward.sh \
	tests/integration/t_ssh_connect.sh tests/integration/t_ssh_oneshot.sh
EXTRA_DIST += tests/integration/ssh_lib.sh

# SOCKS5 (forwarders/socks): curl through it to awsemu's instances, and
# raw bytes that must be refused.
INTEGRATION_TESTS += tests/integration/t_socks.sh tests/integration/t_socks_bad.sh
EXTRA_DIST += tests/integration/socks_tool.py

# Per-person identity (issue 15): each local user's own credentials
# (t_identity_user.sh, which creates users: root only) and a role per
# user (t_identity_role.sh); identity_tool.py holds their connections.
INTEGRATION_TESTS += tests/integration/t_identity_user.sh \
	tests/integration/t_identity_role.sh
EXTRA_DIST += tests/integration/identity_tool.py
