# contrib: demo config, systemd unit, the packaged config, completion
EXTRA_DIST += \
	contrib/deps.sh contrib/demo.sh contrib/test.sh \
	contrib/demo.conf contrib/demo-www/index.html \
	contrib/gatewayd.service contrib/gatewayd.conf
# The example file config/ makes from the key table (make update-example).
EXTRA_DIST += contrib/gatewayd.conf.example
# The offline demo's emulated instance (demo.sh, demo.conf).
EXTRA_DIST += contrib/demo-world.json
# logrotate for the audit file (the Debian package installs it).
EXTRA_DIST += contrib/gatewayd.logrotate

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

# Shell completion, each file named after its command; gatewayctl's
# completes forward names with gatewayctl status --names.
dist_bashcompletion_DATA = \
	contrib/completion/bash/gatewayd contrib/completion/bash/gatewayctl
dist_zshcompletion_DATA = \
	contrib/completion/zsh/_gatewayd contrib/completion/zsh/_gatewayctl

# The Terraform module of the AWS side (contrib/terraform/README.md),
# checked by tests/integration/t_terraform_fmt.sh.
EXTRA_DIST += contrib/terraform/README.md contrib/terraform/versions.tf \
	contrib/terraform/variables.tf contrib/terraform/main.tf \
	contrib/terraform/logging.tf contrib/terraform/policy.tf \
	contrib/terraform/users.tf contrib/terraform/outputs.tf \
	contrib/terraform/examples/jumpbox/main.tf \
	contrib/terraform/tests/module.tftest.hcl
