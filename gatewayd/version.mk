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
