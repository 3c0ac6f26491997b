# The transport under the forwarders: TLS contexts and the WebSocket
# client (the server sides are the tests', in tests/lib). ws.c is the
# object, client.c its way to the upgrade, io.c its frames once open;
# frame.c and http.c are pure codecs.
libgatewayd_a_SOURCES += \
	%reldir%/tls.c %reldir%/tls.h %reldir%/tls_int.h \
	%reldir%/ws.c %reldir%/ws.h %reldir%/ws_int.h \
	%reldir%/client.c %reldir%/io.c \
	%reldir%/frame.c %reldir%/ws_frame.h \
	%reldir%/http.c %reldir%/ws_http.h
