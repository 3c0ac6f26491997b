# the AWS client: HTTP, credentials, service calls
libgatewayd_a_SOURCES += \
	%reldir%/aws_error.h %reldir%/error.c \
	%reldir%/aws_profile.h %reldir%/profile.c \
	%reldir%/aws_time.h %reldir%/time.c \
	%reldir%/aws_http.h %reldir%/http.c \
	%reldir%/aws_sts.h %reldir%/sts_xml.c \
	%reldir%/aws_retry.h %reldir%/retry.c \
	%reldir%/aws_process.h %reldir%/process.c \
	%reldir%/aws.h %reldir%/aws_int.h %reldir%/client.c %reldir%/ctx.c \
	%reldir%/call.c \
	%reldir%/aws_chain.h %reldir%/chain.c \
	%reldir%/aws_creds.h %reldir%/creds_int.h %reldir%/creds.c \
	%reldir%/creds_doc.c %reldir%/creds_fetch.c %reldir%/creds_remote.c \
	%reldir%/aws_imds.h %reldir%/imds.c \
	%reldir%/aws_sso.h %reldir%/sso.c \
	%reldir%/sts.c \
	%reldir%/aws_ssm.h %reldir%/ssm.c

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

FUZZERS += tests/fuzz/fuzz_aws_error
tests_fuzz_fuzz_aws_error_SOURCES = tests/fuzz/fuzz_aws_error.c
tests_fuzz_fuzz_aws_error_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_aws_error_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

FUZZERS += tests/fuzz/fuzz_profile
tests_fuzz_fuzz_profile_SOURCES = tests/fuzz/fuzz_profile.c
tests_fuzz_fuzz_profile_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_profile_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

FUZZERS += tests/fuzz/fuzz_sts_xml
tests_fuzz_fuzz_sts_xml_SOURCES = tests/fuzz/fuzz_sts_xml.c
tests_fuzz_fuzz_sts_xml_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_sts_xml_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

FUZZERS += tests/fuzz/fuzz_ssm_json
tests_fuzz_fuzz_ssm_json_SOURCES = tests/fuzz/fuzz_ssm_json.c
tests_fuzz_fuzz_ssm_json_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_ssm_json_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

# The credential documents: process, container, IMDS and SSO JSON, times.
FUZZERS += tests/fuzz/fuzz_creds
tests_fuzz_fuzz_creds_SOURCES = tests/fuzz/fuzz_creds.c
tests_fuzz_fuzz_creds_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_creds_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

EXTRA_DIST += tests/fuzz/corpus/aws_error tests/fuzz/corpus/profile \
	tests/fuzz/corpus/creds \
	tests/fuzz/corpus/ssm_json \
	tests/fuzz/corpus/sts_xml \
	tests/aws/profile-config tests/aws/profile-credentials

# gatewayd's client against awsemu, driven by a small test program.
check_PROGRAMS += tests/tools/awsc
tests_tools_awsc_SOURCES = tests/tools/awsc.c
tests_tools_awsc_LDADD = $(GW_LIBS)
INTEGRATION_TESTS += tests/aws/t_aws_client.sh
