# daemon core: listener, conn, gateway, control, gatewayd, gatewayctl, and
# the AWS client the daemon shares between its forwards (with whoami)
libgatewayd_a_SOURCES += \
	%reldir%/aws_daemon.c %reldir%/aws_daemon.h \
	%reldir%/conn.c %reldir%/conn.h \
	%reldir%/forward.h \
	%reldir%/control.c %reldir%/control.h \
	%reldir%/gateway.c %reldir%/gateway.h \
	%reldir%/listener.c %reldir%/listener.h \
	%reldir%/sockread.c %reldir%/sockread.h

sbin_PROGRAMS += gatewayd/gatewayd
gatewayd_gatewayd_SOURCES = %reldir%/gatewayd.c \
	%reldir%/sdnotify.c %reldir%/sdnotify.h \
	%reldir%/privdrop.c %reldir%/privdrop.h
gatewayd_gatewayd_LDADD = $(GW_LIBS)

bin_PROGRAMS += gatewayd/gatewayctl
gatewayd_gatewayctl_SOURCES = %reldir%/gatewayctl.c
gatewayd_gatewayctl_LDADD = $(GW_LIBS)

# The control protocol: request lines from a client, through control.c.
FUZZERS += tests/fuzz/fuzz_control
tests_fuzz_fuzz_control_SOURCES = tests/fuzz/fuzz_control.c
tests_fuzz_fuzz_control_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_control_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
EXTRA_DIST += tests/fuzz/corpus/control
