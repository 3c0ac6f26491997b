# Unit tests (cmocka), with the helpers they share.

# The base: util, log, bus.
UNIT_TESTS += tests/unit/test_util
tests_unit_test_util_SOURCES = tests/unit/test_util.c
tests_unit_test_util_LDADD = $(TEST_LIBS)
# The rate limiter's summaries (stderr to a file, read back).
UNIT_TESTS += tests/unit/test_log
tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_LDADD = $(TEST_LIBS)

UNIT_TESTS += tests/unit/test_bus
tests_unit_test_bus_SOURCES = tests/unit/test_bus.c
tests_unit_test_bus_LDADD = $(TEST_LIBS)
# The metrics exposition: both formats, escaping, histograms, registry.
UNIT_TESTS += tests/unit/test_metrics
tests_unit_test_metrics_SOURCES = tests/unit/test_metrics.c
tests_unit_test_metrics_LDADD = $(TEST_LIBS)

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
# gatewayctl login's request, as identity.c reads it.
UNIT_TESTS += tests/unit/test_identity
tests_unit_test_identity_SOURCES = tests/unit/test_identity.c
tests_unit_test_identity_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_gateway_SOURCES = tests/unit/test_gateway.c
tests_unit_test_gateway_LDADD = $(CORE_TEST_LIBS)
# The owner of a loopback TCP client (sock_diag).
UNIT_TESTS += tests/unit/test_peeruid
tests_unit_test_peeruid_SOURCES = tests/unit/test_peeruid.c
tests_unit_test_peeruid_LDADD = $(TEST_LIBS)

# The transport: WebSocket and TLS.
UNIT_TESTS += tests/unit/test_ws_http
tests_unit_test_ws_http_SOURCES = tests/unit/test_ws_http.c
tests_unit_test_ws_http_LDADD = $(TEST_LIBS)

UNIT_TESTS += tests/unit/test_tls
tests_unit_test_tls_SOURCES = tests/unit/test_tls.c
tests_unit_test_tls_LDADD = tests/lib/libgwtest.a $(TEST_LIBS)

UNIT_TESTS += tests/unit/test_ws
tests_unit_test_ws_SOURCES = tests/unit/test_ws.c
tests_unit_test_ws_LDADD = tests/lib/libgwtest.a $(TEST_LIBS)

# The AWS client: signing and endpoints.
UNIT_TESTS += tests/unit/test_sigv4
tests_unit_test_sigv4_SOURCES = tests/unit/test_sigv4.c \
	tests/unit/testdata.c tests/unit/testdata.h
tests_unit_test_sigv4_LDADD = tests/lib/libgwtest.a $(TEST_LIBS)

UNIT_TESTS += tests/unit/test_endpoints
tests_unit_test_endpoints_SOURCES = tests/unit/test_endpoints.c \
	tests/unit/testdata.c tests/unit/testdata.h
tests_unit_test_endpoints_LDADD = $(TEST_LIBS)

# The AWS client: HTTP, credentials, service calls.
UNIT_TESTS += tests/unit/test_aws_errors
tests_unit_test_aws_errors_SOURCES = tests/unit/test_aws_errors.c
tests_unit_test_aws_errors_LDADD = $(TEST_LIBS)

UNIT_TESTS += tests/unit/test_profile
tests_unit_test_profile_SOURCES = tests/unit/test_profile.c
tests_unit_test_profile_LDADD = $(TEST_LIBS)

# In-process fake servers the AWS client's tests share.
check_LIBRARIES += tests/unit/libfakesrv.a
tests_unit_libfakesrv_a_SOURCES = tests/unit/fakesrv.c tests/unit/fakesrv.h
FAKESRV_LIBS = tests/unit/libfakesrv.a tests/lib/libgwtest.a $(TEST_LIBS)

UNIT_TESTS += tests/unit/test_http
tests_unit_test_http_SOURCES = tests/unit/test_http.c
tests_unit_test_http_LDADD = $(FAKESRV_LIBS)

UNIT_TESTS += tests/unit/test_aws_time
tests_unit_test_aws_time_SOURCES = tests/unit/test_aws_time.c
tests_unit_test_aws_time_LDADD = $(TEST_LIBS)

UNIT_TESTS += tests/unit/test_aws
tests_unit_test_aws_SOURCES = tests/unit/test_aws.c
tests_unit_test_aws_LDADD = $(FAKESRV_LIBS)

UNIT_TESTS += tests/unit/test_creds
tests_unit_test_creds_SOURCES = tests/unit/test_creds.c
tests_unit_test_creds_LDADD = $(FAKESRV_LIBS)
# The daemon's contexts of a user's keys or role, on gw_base.
UNIT_TESTS += tests/unit/test_aws_daemon
tests_unit_test_aws_daemon_SOURCES = tests/unit/test_aws_daemon.c
tests_unit_test_aws_daemon_LDADD = tests/unit/libtestloop.a $(FAKESRV_LIBS)

UNIT_TESTS += tests/unit/test_retry
tests_unit_test_retry_SOURCES = tests/unit/test_retry.c
tests_unit_test_retry_LDADD = $(FAKESRV_LIBS)

UNIT_TESTS += tests/unit/test_process
tests_unit_test_process_SOURCES = tests/unit/test_process.c
tests_unit_test_process_LDADD = $(FAKESRV_LIBS)

UNIT_TESTS += tests/unit/test_ssm
tests_unit_test_ssm_SOURCES = tests/unit/test_ssm.c
tests_unit_test_ssm_LDADD = $(FAKESRV_LIBS)

UNIT_TESTS += tests/unit/test_sts_xml
tests_unit_test_sts_xml_SOURCES = tests/unit/test_sts_xml.c
tests_unit_test_sts_xml_LDADD = $(TEST_LIBS)

# gatewayd.conf.
UNIT_TESTS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_LDADD = $(TEST_LIBS)

# Session Manager: the pure codecs against the shared vectors.
UNIT_TESTS += tests/unit/test_ssm_msg tests/unit/test_ssm_handshake \
	tests/unit/test_smux tests/unit/test_ssm_version
SSM_TESTVEC = tests/unit/testvec.c tests/unit/testvec.h \
	tests/unit/testdata.c tests/unit/testdata.h
tests_unit_test_ssm_msg_SOURCES = tests/unit/test_ssm_msg.c $(SSM_TESTVEC)
tests_unit_test_ssm_msg_LDADD = $(TEST_LIBS)
tests_unit_test_ssm_handshake_SOURCES = tests/unit/test_ssm_handshake.c \
	$(SSM_TESTVEC)
tests_unit_test_ssm_handshake_LDADD = $(TEST_LIBS)
tests_unit_test_smux_SOURCES = tests/unit/test_smux.c $(SSM_TESTVEC)
tests_unit_test_smux_LDADD = $(TEST_LIBS)
tests_unit_test_ssm_version_SOURCES = tests/unit/test_ssm_version.c
tests_unit_test_ssm_version_LDADD = $(TEST_LIBS)

# The session pool's policy (pool.c, pure), driven with tables and a fake
# clock.
UNIT_TESTS += tests/unit/test_ssm_pool
tests_unit_test_ssm_pool_SOURCES = tests/unit/test_ssm_pool.c
tests_unit_test_ssm_pool_LDADD = $(TEST_LIBS)

# test_ssm_session runs the pool, session and stream against a fake data
# channel linked instead of chan.o.
UNIT_TESTS += tests/unit/test_ssm_session
tests_unit_test_ssm_session_SOURCES = tests/unit/test_ssm_session.c \
	tests/unit/fake_chan.c tests/unit/fake_chan.h
tests_unit_test_ssm_session_LDADD = $(CORE_TEST_LIBS)

# The data channel against a fake transport and a fake clock.
UNIT_TESTS += tests/unit/test_ssm_chan tests/unit/test_ssm_upgrade
tests_unit_test_ssm_chan_SOURCES = tests/unit/test_ssm_chan.c $(SSM_TESTVEC)
tests_unit_test_ssm_chan_LDADD = $(TEST_LIBS)
# The signed upgrade against the official signer's vectors.
tests_unit_test_ssm_upgrade_SOURCES = tests/unit/test_ssm_upgrade.c \
	$(SSM_TESTVEC)
tests_unit_test_ssm_upgrade_LDADD = $(TEST_LIBS)

# SOCKS5: the wire codec and the routes (pure).
UNIT_TESTS += tests/unit/test_socks_proto
tests_unit_test_socks_proto_SOURCES = tests/unit/test_socks_proto.c
tests_unit_test_socks_proto_LDADD = $(TEST_LIBS)
UNIT_TESTS += tests/unit/test_socks_route
tests_unit_test_socks_route_SOURCES = tests/unit/test_socks_route.c
tests_unit_test_socks_route_LDADD = $(TEST_LIBS)
