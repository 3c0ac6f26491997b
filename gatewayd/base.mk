# The base every module uses: logging, allocation, clock, small helpers
# and the event bus.
libgatewayd_a_SOURCES += \
	%reldir%/gatewayd.h \
	%reldir%/bus.c %reldir%/bus.h \
	%reldir%/log.c %reldir%/log.h \
	%reldir%/util.c %reldir%/util.h \
	%reldir%/xmalloc.c %reldir%/xmalloc.h \
	forwarders/forwarder.h \
	config/config.h

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
