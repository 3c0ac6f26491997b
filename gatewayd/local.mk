# daemon core: listener, conn, gateway, control, gatewayd, gatewayctl
libgatewayd_a_SOURCES += \
	%reldir%/conn.c \
	%reldir%/control.c %reldir%/control.h \
	%reldir%/gateway.c %reldir%/gateway.h \
	%reldir%/listener.c %reldir%/listener.h
