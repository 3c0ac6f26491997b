# SigV4 signing and endpoint resolution
libgatewayd_a_SOURCES += \
	%reldir%/aws_sigv4.h %reldir%/sigv4_int.h %reldir%/sigv4.c \
	%reldir%/sigv4_canon.c \
	%reldir%/aws_endpoints.h %reldir%/endpoints.c

UNIT_TESTS += tests/unit/test_sigv4
tests_unit_test_sigv4_SOURCES = tests/unit/test_sigv4.c \
	tests/unit/testdata.c tests/unit/testdata.h
tests_unit_test_sigv4_LDADD = tests/lib/libgwtest.a $(TEST_LIBS)

UNIT_TESTS += tests/unit/test_endpoints
tests_unit_test_endpoints_SOURCES = tests/unit/test_endpoints.c \
	tests/unit/testdata.c tests/unit/testdata.h
tests_unit_test_endpoints_LDADD = $(TEST_LIBS)

FUZZERS += tests/fuzz/fuzz_sigv4
tests_fuzz_fuzz_sigv4_SOURCES = tests/fuzz/fuzz_sigv4.c
tests_fuzz_fuzz_sigv4_LDADD = $(FUZZ_DRIVER) $(GWTEST_LIBS)
tests_fuzz_fuzz_sigv4_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
EXTRA_DIST += tests/fuzz/corpus/sigv4

# The botocore cross-check: sigv4_gen signs random requests, the script
# has Debian's python3-botocore sign them again.
check_PROGRAMS += tests/tools/sigv4_gen
tests_tools_sigv4_gen_SOURCES = tests/tools/sigv4_gen.c
tests_tools_sigv4_gen_LDADD = $(GWTEST_LIBS)
INTEGRATION_TESTS += tests/integration/t_sigv4_botocore.sh
EXTRA_DIST += tests/integration/sigv4_botocore.py
