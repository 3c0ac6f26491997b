# contrib: demo config, systemd unit, completion
EXTRA_DIST += \
	contrib/deps.sh contrib/demo.sh contrib/test.sh \
	contrib/demo.conf contrib/demo-www/index.html \
	contrib/gatewayd.service

# -V and -h of both programs, and the version they report.
INTEGRATION_TESTS += tests/integration/t_version.sh

# The notify protocol (Type=notify, the watchdog): notifysock plays
# systemd's end of the socket.
check_PROGRAMS += tests/tools/notifysock
tests_tools_notifysock_SOURCES = tests/tools/notifysock.c
INTEGRATION_TESTS += tests/integration/t_notify.sh

# Shell completion, each file named after its command; gatewayctl's
# completes forward names with gatewayctl status --names.
dist_bashcompletion_DATA = \
	contrib/completion/bash/gatewayd contrib/completion/bash/gatewayctl
dist_zshcompletion_DATA = \
	contrib/completion/zsh/_gatewayd contrib/completion/zsh/_gatewayctl
INTEGRATION_TESTS += tests/integration/t_completion.sh
