# Session Manager: messages, smux, data channel, sessions, forwarder

# The pure codecs: agent messages and their payloads, the handshake JSON,
# smux, and the version gates.
libgatewayd_a_SOURCES += \
	%reldir%/version.c %reldir%/ssm_version.h

UNIT_TESTS += tests/unit/test_ssm_version
tests_unit_test_ssm_version_SOURCES = tests/unit/test_ssm_version.c
tests_unit_test_ssm_version_LDADD = $(TEST_LIBS)
