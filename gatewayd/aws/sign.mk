# SigV4 signing and endpoint resolution
libgatewayd_a_SOURCES += \
	%reldir%/aws_sigv4.h %reldir%/sigv4_int.h %reldir%/sigv4.c \
	%reldir%/sigv4_canon.c %reldir%/sigv4_verify.c

UNIT_TESTS += tests/unit/test_sigv4
tests_unit_test_sigv4_SOURCES = tests/unit/test_sigv4.c
tests_unit_test_sigv4_LDADD = $(TEST_LIBS)
