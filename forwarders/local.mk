# forwarder registry and the tcp forwarder
libgatewayd_a_SOURCES += \
	%reldir%/forwarder.h \
	%reldir%/forwarder.c \
	%reldir%/tcp.c
