# awsemu: the AWS emulator for tests, benchmarks and the demo. Built, not
# installed. Its modules go into libawsemu.a so that unit tests can link
# them without main().
noinst_LIBRARIES += tests/awsemu/libawsemu.a
tests_awsemu_libawsemu_a_SOURCES = \
	%reldir%/emu.h \
	%reldir%/emu_admin.c \
	%reldir%/emu_agent.c %reldir%/emu_agent.h \
	%reldir%/emu_agent_hooks.c \
	%reldir%/emu_agent_hs.c \
	%reldir%/emu_auth.c \
	%reldir%/emu_calls.c \
	%reldir%/emu_dc.c \
	%reldir%/emu_fault.c \
	%reldir%/emu_http.c \
	%reldir%/emu_iam.c %reldir%/emu_iam.h \
	%reldir%/emu_kms.c \
	%reldir%/emu_knobs.c \
	%reldir%/emu_plan.c \
	%reldir%/emu_port.c \
	%reldir%/emu_registry.c \
	%reldir%/emu_session.c \
	%reldir%/emu_ssm.c \
	%reldir%/emu_ssm_describe.c \
	%reldir%/emu_sts.c \
	%reldir%/emu_vend.c \
	%reldir%/emu_ws.c
EMU_LIBS = tests/awsemu/libawsemu.a $(GWTEST_LIBS)

noinst_PROGRAMS += tests/awsemu/awsemu
tests_awsemu_awsemu_SOURCES = %reldir%/awsemu.c
tests_awsemu_awsemu_LDADD = $(EMU_LIBS)

# Integration tests: Debian's awscli and python3-botocore, node and npm
# (t_sdk_js.sh runs npm ci into the build directory), openssl (mkca.sh).
INTEGRATION_TESTS += \
	%reldir%/t_garbage.sh \
	%reldir%/t_cli.sh \
	%reldir%/t_throttle.sh \
	%reldir%/t_creds.sh \
	%reldir%/t_calls.sh \
	%reldir%/t_sdk_js.sh \
	%reldir%/t_agent_handshake.sh \
	%reldir%/t_agent_mux.sh \
	%reldir%/t_agent_basic.sh \
	%reldir%/t_agent_keepalive.sh \
	%reldir%/t_agent_faults.sh \
	%reldir%/t_agent_idle.sh \
	%reldir%/t_agent_life.sh \
	%reldir%/t_agent_upgrade.sh
EXTRA_DIST += %reldir%/README.md %reldir%/mkca.sh \
	%reldir%/garbage.py %reldir%/bench_agent.sh \
	%reldir%/js/package.json %reldir%/js/package-lock.json \
	%reldir%/js/sdk_check.mjs

UNIT_TESTS += tests/awsemu/test_emu_registry tests/awsemu/test_emu_upgrade \
	tests/awsemu/test_emu_iam
tests_awsemu_test_emu_iam_SOURCES = %reldir%/test_emu_iam.c
tests_awsemu_test_emu_iam_LDADD = $(EMU_LIBS) $(CMOCKA_LIBS)
tests_awsemu_test_emu_registry_SOURCES = %reldir%/test_emu_registry.c
tests_awsemu_test_emu_registry_LDADD = $(EMU_LIBS) $(CMOCKA_LIBS)
# The upgrade vectors through the check awsemu makes of every upgrade.
tests_awsemu_test_emu_upgrade_SOURCES = %reldir%/test_emu_upgrade.c \
	tests/unit/testdata.c tests/unit/testdata.h
tests_awsemu_test_emu_upgrade_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/tests/unit
tests_awsemu_test_emu_upgrade_LDADD = tests/lib/libgwtest.a $(TEST_LIBS)

FUZZERS += tests/awsemu/fuzz_emu_registry
tests_awsemu_fuzz_emu_registry_SOURCES = %reldir%/fuzz_emu_registry.c
tests_awsemu_fuzz_emu_registry_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/fuzz
tests_awsemu_fuzz_emu_registry_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_awsemu_fuzz_emu_registry_LDADD = $(FUZZ_DRIVER) $(EMU_LIBS)
# Its corpus: tests/fuzz/corpus/emu_registry (tests/fuzz/local.mk).
# What t_sdk_js.sh installed into a separate build tree (never the sources).
clean-local: clean-local-awsemu-js
clean-local-awsemu-js:
	test "$(abs_builddir)" = "$(abs_srcdir)" || rm -rf tests/awsemu/js
.PHONY: clean-local-awsemu-js

# The strict data-channel client that checks the agent side (t_agent_*).
check_PROGRAMS += tests/awsemu/dcclient
tests_awsemu_dcclient_SOURCES = %reldir%/dcclient.c %reldir%/dcclient.h \
	%reldir%/dcclient_env.c %reldir%/dcclient_cases.c \
	%reldir%/dcclient_bench.c
tests_awsemu_dcclient_LDADD = $(GWTEST_LIBS)
