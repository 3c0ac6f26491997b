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

UNIT_TESTS += tests/unit/test_ws_http
tests_unit_test_ws_http_SOURCES = tests/unit/test_ws_http.c
tests_unit_test_ws_http_LDADD = $(TEST_LIBS)

UNIT_TESTS += tests/unit/test_tls
tests_unit_test_tls_SOURCES = tests/unit/test_tls.c
tests_unit_test_tls_LDADD = tests/lib/libgwtest.a $(TEST_LIBS)

UNIT_TESTS += tests/unit/test_ws
tests_unit_test_ws_SOURCES = tests/unit/test_ws.c
tests_unit_test_ws_LDADD = tests/lib/libgwtest.a $(TEST_LIBS)

FUZZERS += tests/fuzz/fuzz_ws
tests_fuzz_fuzz_ws_SOURCES = tests/fuzz/fuzz_ws.c
tests_fuzz_fuzz_ws_LDADD = $(FUZZ_DRIVER) $(GWTEST_LIBS)
# FUZZ_LDFLAGS (libFuzzer's main) is not in AM_LDFLAGS; name it here.
tests_fuzz_fuzz_ws_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
EXTRA_DIST += tests/fuzz/corpus/ws tests/fuzz/gen_ws_corpus.py

# One WebSocket's throughput over loopback (a benchmark, not a test).
noinst_PROGRAMS += tests/bench/bench_ws
tests_bench_bench_ws_SOURCES = tests/bench/bench_ws.c
tests_bench_bench_ws_LDADD = $(GWTEST_LIBS)
