# shared test helpers, config cases, integration tests
EXTRA_DIST += tests/fuzz/fuzz.h

# Test tools: C clients and servers on libevent that hash every byte.
TOOLS_LIBS = $(LIBEVENT_LIBS) $(OPENSSL_LIBS) $(LIBBSD_LIBS)
check_PROGRAMS += tests/tools/loadserver tests/tools/loadclient \
	tests/tools/freeport
tests_tools_loadserver_SOURCES = tests/tools/loadserver.c \
	tests/tools/tool.c tests/tools/tool.h
tests_tools_loadserver_LDADD = $(TOOLS_LIBS)
tests_tools_loadclient_SOURCES = tests/tools/loadclient.c \
	tests/tools/tool.c tests/tools/tool.h
tests_tools_loadclient_LDADD = $(TOOLS_LIBS)
tests_tools_freeport_SOURCES = tests/tools/freeport.c \
	tests/tools/tool.c tests/tools/tool.h
tests_tools_freeport_LDADD = $(TOOLS_LIBS)

# Unit tests of the core: loopback sockets, a loop run until a condition
# holds or a deadline passes (tests/unit/testloop.c, on cmocka).
if HAVE_CMOCKA
check_LIBRARIES += tests/unit/libtestloop.a
endif
tests_unit_libtestloop_a_SOURCES = tests/unit/testloop.c tests/unit/testloop.h
CORE_TEST_LIBS = tests/unit/libtestloop.a $(TEST_LIBS)

UNIT_TESTS += tests/unit/test_conn tests/unit/test_tcp \
	tests/unit/test_listener tests/unit/test_control \
	tests/unit/test_gateway tests/unit/test_sockread
tests_unit_test_conn_SOURCES = tests/unit/test_conn.c
tests_unit_test_conn_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_tcp_SOURCES = tests/unit/test_tcp.c
tests_unit_test_tcp_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_sockread_SOURCES = tests/unit/test_sockread.c
tests_unit_test_sockread_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_listener_SOURCES = tests/unit/test_listener.c
tests_unit_test_listener_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_control_SOURCES = tests/unit/test_control.c
tests_unit_test_control_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_gateway_SOURCES = tests/unit/test_gateway.c
tests_unit_test_gateway_LDADD = $(CORE_TEST_LIBS)

# Integration: gatewayd, the tools and real sockets on loopback.
INTEGRATION_TESTS += \
	tests/integration/t_bulk.sh \
	tests/integration/t_many.sh \
	tests/integration/t_halfclose.sh \
	tests/integration/t_reload_during_transfer.sh \
	tests/integration/t_reload_broken.sh \
	tests/integration/t_slow_reader.sh \
	tests/integration/t_allow_tcp.sh \
	tests/integration/t_allow_unix.sh \
	tests/integration/t_oneshot.sh \
	tests/integration/t_oneshot_options.sh \
	tests/integration/t_forward_failure.sh \
	tests/integration/t_privdrop.sh \
	tests/integration/t_control_group.sh \
	tests/integration/t_status.sh \
	tests/integration/t_drain.sh \
	tests/integration/t_control.sh \
	tests/integration/t_control_flood.sh \
	tests/integration/t_refused.sh \
	tests/integration/t_contrib.sh \
	tests/integration/t_whoami.sh \
	tests/integration/t_ca_bundle.sh
EXTRA_DIST += tests/lib.sh tests/integration/ctl_clients.py
