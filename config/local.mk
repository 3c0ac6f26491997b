# gatewayd.conf parsing and the key table
libgatewayd_a_SOURCES += \
	%reldir%/config.c \
	%reldir%/config_addr.c \
	%reldir%/config_int.h \
	%reldir%/config_print.c \
	%reldir%/config_spec.c \
	%reldir%/config_table.c \
	%reldir%/config_value.c

UNIT_TESTS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_LDADD = $(TEST_LIBS)

# The example file is made from the key table; test_config fails when the
# checked-in copy differs from what the table makes.
noinst_PROGRAMS += config/gatewayd-conf-example
config_gatewayd_conf_example_SOURCES = config/config_example.c
config_gatewayd_conf_example_LDADD = $(GW_LIBS)
EXTRA_DIST += contrib/gatewayd.conf.example

.PHONY: update-example
update-example: config/gatewayd-conf-example
	./config/gatewayd-conf-example >$(srcdir)/contrib/gatewayd.conf.example

FUZZERS += tests/fuzz/fuzz_config
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_config_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
EXTRA_DIST += tests/fuzz/corpus/config


# tests/conf/CASE/: gatewayd.conf and the exact gatewayd -n output or error.
# The case directories are listed one by one (found in srcdir): naming
# tests/conf itself would also ship the build tree's tests/conf/run.log.
INTEGRATION_TESTS += tests/conf/run.sh
EXTRA_DIST += $(patsubst $(srcdir)/%/,%,$(wildcard $(srcdir)/tests/conf/*/))
