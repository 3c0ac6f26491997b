# SOCKS5 (issue 12): the wire codec and the routes are pure, the
# forwarder hands each request's conn to the on-demand forward of its
# destination.
AM_CPPFLAGS += -I$(top_srcdir)/%reldir%
libgatewayd_a_SOURCES += \
	%reldir%/proto.c %reldir%/socks_proto.h \
	%reldir%/route.c %reldir%/socks_route.h \
	%reldir%/fwd_socks.c
EXTRA_DIST += docs/socks.md
