# contrib: demo config, systemd unit, completion
EXTRA_DIST += \
	contrib/deps.sh contrib/demo.sh contrib/test.sh \
	contrib/demo.conf contrib/demo-www/index.html \
	contrib/gatewayd.service

# -V and -h of both programs, and the version they report.
INTEGRATION_TESTS += tests/integration/t_version.sh
