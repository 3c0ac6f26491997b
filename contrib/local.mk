# contrib: demo config, systemd unit, the packaged config, completion
EXTRA_DIST += \
	contrib/deps.sh contrib/demo.sh contrib/test.sh \
	contrib/demo.conf contrib/demo-www/index.html \
	contrib/gatewayd.service contrib/gatewayd.conf

# The unit names /usr/sbin/gatewayd, as the Debian package installs it;
# make install writes it with this build's sbindir.
if INSTALL_UNIT
install-data-local: install-gatewayd-unit
uninstall-local: uninstall-gatewayd-unit
endif
.PHONY: install-gatewayd-unit uninstall-gatewayd-unit
install-gatewayd-unit:
	$(MKDIR_P) '$(DESTDIR)$(systemdsystemunitdir)'
	sed 's|/usr/sbin/gatewayd|$(sbindir)/gatewayd|g' \
	    $(srcdir)/contrib/gatewayd.service \
	    >'$(DESTDIR)$(systemdsystemunitdir)/gatewayd.service'
	chmod 644 '$(DESTDIR)$(systemdsystemunitdir)/gatewayd.service'
uninstall-gatewayd-unit:
	rm -f '$(DESTDIR)$(systemdsystemunitdir)/gatewayd.service'

# The unit's exposure score and settings; the packaged config checks.
INTEGRATION_TESTS += tests/integration/t_unit.sh

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
