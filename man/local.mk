# Manual pages. gatewayd.conf(5) is made at build time from its template
# and the key table (man/conf_keys.c), so every key is in it with its
# default; t_man.sh lints all three with mandoc and checks them against
# the programs' usage and the table.
dist_man8_MANS = %reldir%/gatewayd.8 %reldir%/gatewayctl.8
nodist_man5_MANS = %reldir%/gatewayd.conf.5
EXTRA_DIST += %reldir%/gatewayd.conf.5.in
CLEANFILES += %reldir%/gatewayd.conf.5

noinst_PROGRAMS += %reldir%/gatewayd-conf-man
man_gatewayd_conf_man_SOURCES = %reldir%/conf_keys.c
man_gatewayd_conf_man_LDADD = $(GW_LIBS)

%reldir%/gatewayd.conf.5: $(srcdir)/%reldir%/gatewayd.conf.5.in \
    %reldir%/gatewayd-conf-man$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	./%reldir%/gatewayd-conf-man $(srcdir)/%reldir%/gatewayd.conf.5.in \
	    >$@.tmp && mv -f $@.tmp $@

INTEGRATION_TESTS += %reldir%/t_man.sh
