# awsemu: the AWS emulator for tests, benchmarks and the demo. Built, not
# installed. Its modules go into libawsemu.a so that unit tests can link
# them without main().
noinst_LIBRARIES += tests/awsemu/libawsemu.a
tests_awsemu_libawsemu_a_SOURCES = \
	%reldir%/emu.h \
	%reldir%/emu_admin.c \
	%reldir%/emu_auth.c \
	%reldir%/emu_http.c \
	%reldir%/emu_kms.c \
	%reldir%/emu_knobs.c \
	%reldir%/emu_registry.c \
	%reldir%/emu_session.c \
	%reldir%/emu_ssm.c \
	%reldir%/emu_ssm_describe.c \
	%reldir%/emu_sts.c \
	%reldir%/emu_vend.c \
	%reldir%/emu_ws.c
EMU_LIBS = tests/awsemu/libawsemu.a $(GW_LIBS)

# The program and its integration tests join noinst_PROGRAMS and
# INTEGRATION_TESTS once the signer (and its aws_sigv4_verify) is in the
# tree.
EXTRA_DIST += %reldir%/awsemu.c %reldir%/lib.sh %reldir%/mkca.sh \
	%reldir%/garbage.py %reldir%/js/package.json \
	%reldir%/js/package-lock.json %reldir%/js/sdk_check.mjs \
	%reldir%/t_cli.sh %reldir%/t_throttle.sh %reldir%/t_garbage.sh \
	%reldir%/t_sdk_js.sh %reldir%/t_creds.sh

UNIT_TESTS += tests/awsemu/test_emu_registry
tests_awsemu_test_emu_registry_SOURCES = %reldir%/test_emu_registry.c
tests_awsemu_test_emu_registry_LDADD = $(EMU_LIBS) $(CMOCKA_LIBS)

FUZZERS += tests/awsemu/fuzz_emu_registry
tests_awsemu_fuzz_emu_registry_SOURCES = %reldir%/fuzz_emu_registry.c
tests_awsemu_fuzz_emu_registry_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/fuzz
tests_awsemu_fuzz_emu_registry_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_awsemu_fuzz_emu_registry_LDADD = $(FUZZ_DRIVER) $(EMU_LIBS)
EXTRA_DIST += tests/fuzz/corpus/emu_registry
