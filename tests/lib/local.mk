# The test library: what the emulator, the tests, the fuzzers and the test
# tools share and the daemon must not carry: the SigV4 verifier, the
# WebSocket and TLS server sides, the WebSocket fault knobs, and a
# throwaway CA. It calls into libgatewayd.a, so it comes first on a link
# line (GWTEST_LIBS).
noinst_LIBRARIES += tests/lib/libgwtest.a
tests_lib_libgwtest_a_SOURCES = \
	%reldir%/sigv4_verify.c %reldir%/sigv4_verify.h \
	%reldir%/testca.c %reldir%/testca.h \
	%reldir%/tls_server.c %reldir%/tls_server.h \
	%reldir%/ws_fault.c %reldir%/ws_fault.h \
	%reldir%/ws_server.c %reldir%/ws_server.h
GWTEST_LIBS = tests/lib/libgwtest.a $(GW_LIBS)
