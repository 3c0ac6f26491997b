# TLS contexts and the WebSocket client and server
libgatewayd_a_SOURCES += \
	%reldir%/tls.c %reldir%/tls.h \
	%reldir%/ws_http.c %reldir%/ws_http.h

UNIT_TESTS += tests/unit/test_ws_http
tests_unit_test_ws_http_SOURCES = tests/unit/test_ws_http.c
tests_unit_test_ws_http_LDADD = $(TEST_LIBS)
