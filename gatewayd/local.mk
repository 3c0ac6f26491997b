# gatewayd/: the base every module uses, the version, and the daemon core.

# The base every module uses: logging, allocation, clock, small helpers
# and the event bus.
libgatewayd_a_SOURCES += \
	%reldir%/bus.c %reldir%/bus.h \
	%reldir%/log.c %reldir%/log.h \
	%reldir%/metrics.h %reldir%/metrics_expo.c \
	%reldir%/util.c %reldir%/util.h \
	%reldir%/xmalloc.c %reldir%/xmalloc.h

# The version string: configure's (AC_INIT), and git describe's where the
# source is a checkout. gatewayd/git_version.h is made in the build tree at
# every make and replaced only when it changes; make dist writes the string
# to .tarball-version, which a build from the tarball reads.
libgatewayd_a_SOURCES += %reldir%/version.c
nodist_libgatewayd_a_SOURCES = %reldir%/git_version.h
BUILT_SOURCES += %reldir%/git_version.h
CLEANFILES += %reldir%/git_version.h
EXTRA_DIST += %reldir%/version.sh

%reldir%/git_version.h: gatewayd-version-force
	@$(MKDIR_P) $(@D)
	@v=`$(SHELL) $(srcdir)/gatewayd/version.sh $(srcdir) '$(PACKAGE_VERSION)'` && \
	printf '#define GATEWAYD_GIT_VERSION "%s"\n' "$$v" >$@.tmp && \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

.PHONY: gatewayd-version-force
gatewayd-version-force:

dist-hook: gatewayd-dist-version
.PHONY: gatewayd-dist-version
gatewayd-dist-version:
	$(SHELL) $(srcdir)/gatewayd/version.sh $(srcdir) '$(PACKAGE_VERSION)' \
	    >$(distdir)/.tarball-version

# daemon core: listener, conn, gateway, control, gatewayd, gatewayctl, and
# the AWS client the daemon shares between its forwards (with whoami).
# gatewayd.h is the core's view of itself (forwarders never include it).
libgatewayd_a_SOURCES += \
	%reldir%/gatewayd.h \
	%reldir%/aws_daemon.c %reldir%/aws_daemon.h \
	%reldir%/conn.c %reldir%/conn.h \
	%reldir%/connect.c %reldir%/connect.h \
	%reldir%/forward.h \
	%reldir%/control.c %reldir%/control.h \
	%reldir%/control_path.c %reldir%/control_status.c \
	%reldir%/gateway.c %reldir%/gateway.h \
	%reldir%/identity.c %reldir%/identity.h \
	%reldir%/ondemand.c %reldir%/ondemand.h \
	%reldir%/policy.c %reldir%/policy.h \
	%reldir%/listener.c %reldir%/listener.h \
	%reldir%/metrics.c %reldir%/metrics_http.c \
	%reldir%/sockread.c %reldir%/sockread.h

# The audit records: the bus subscriber and its sink (docs/audit.md).
libgatewayd_a_SOURCES += \
	%reldir%/audit.c %reldir%/audit.h \
	%reldir%/audit_sink.c %reldir%/audit_int.h

# Who owns a loopback TCP client (sock_diag): sessions per local user.
libgatewayd_a_SOURCES += %reldir%/peeruid.c %reldir%/peeruid.h

sbin_PROGRAMS += gatewayd/gatewayd
gatewayd_gatewayd_SOURCES = %reldir%/gatewayd.c \
	%reldir%/stdio_conn.c %reldir%/stdio_conn.h \
	%reldir%/sdnotify.c %reldir%/sdnotify.h \
	%reldir%/privdrop.c %reldir%/privdrop.h
gatewayd_gatewayd_LDADD = $(GW_LIBS)

bin_PROGRAMS += gatewayd/gatewayctl
gatewayd_gatewayctl_SOURCES = %reldir%/gatewayctl.c \
	%reldir%/gatewayctl.h %reldir%/gatewayctl_print.c \
	%reldir%/gatewayctl_policy.c %reldir%/gatewayctl_login.c
gatewayd_gatewayctl_LDADD = $(GW_LIBS)
# A ProxyCommand starts it for every login: load only the libraries it
# calls (libcurl, libxml2 and their dozens of dependencies it does not).
gatewayd_gatewayctl_LDFLAGS = $(AM_LDFLAGS) -Wl,--as-needed
