# shared test helpers, config cases, integration tests
EXTRA_DIST += tests/fuzz/fuzz.h

# Unit tests of the core: loopback sockets, a loop run until a condition
# holds or a deadline passes (tests/unit/testloop.c).
check_LIBRARIES += tests/unit/libtestloop.a
tests_unit_libtestloop_a_SOURCES = tests/unit/testloop.c tests/unit/testloop.h
CORE_TEST_LIBS = tests/unit/libtestloop.a $(TEST_LIBS)

UNIT_TESTS += tests/unit/test_conn tests/unit/test_tcp \
	tests/unit/test_listener tests/unit/test_control \
	tests/unit/test_gateway
tests_unit_test_conn_SOURCES = tests/unit/test_conn.c
tests_unit_test_conn_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_tcp_SOURCES = tests/unit/test_tcp.c
tests_unit_test_tcp_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_listener_SOURCES = tests/unit/test_listener.c
tests_unit_test_listener_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_control_SOURCES = tests/unit/test_control.c
tests_unit_test_control_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_gateway_SOURCES = tests/unit/test_gateway.c
tests_unit_test_gateway_LDADD = $(CORE_TEST_LIBS)
