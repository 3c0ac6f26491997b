# Session Manager: messages, smux, data channel, sessions, forwarder

# The pure codecs: agent messages and their payloads, the handshake JSON,
# smux, and the version gates.
libgatewayd_a_SOURCES += \
	%reldir%/json.c %reldir%/ssm_json.h \
	%reldir%/msg.c %reldir%/ssm_msg.h \
	%reldir%/handshake.c %reldir%/ssm_handshake.h \
	%reldir%/smux.c %reldir%/ssm_smux.h \
	%reldir%/version.c %reldir%/ssm_version.h

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

# Fuzz harnesses; corpora in tests/fuzz/corpus/{ssm_msg,handshake,smux}
# (made from the shared vectors by tests/fuzz/mkcorpus_ssm.py).
FUZZERS += tests/fuzz/fuzz_ssm_msg tests/fuzz/fuzz_handshake \
	tests/fuzz/fuzz_smux
tests_fuzz_fuzz_ssm_msg_SOURCES = tests/fuzz/fuzz_ssm_msg.c
tests_fuzz_fuzz_ssm_msg_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_ssm_msg_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_handshake_SOURCES = tests/fuzz/fuzz_handshake.c
tests_fuzz_fuzz_handshake_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_handshake_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_smux_SOURCES = tests/fuzz/fuzz_smux.c
tests_fuzz_fuzz_smux_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_smux_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
EXTRA_DIST += tests/fuzz/mkcorpus_ssm.py tests/fuzz/corpus/ssm_msg \
	tests/fuzz/corpus/handshake tests/fuzz/corpus/smux

# The independent check: the npm ssm-session decoder reads what our encoder
# writes (node and npm needed; npm ci fetches the pinned package).
check_PROGRAMS += tests/js/ssm_msg_samples
tests_js_ssm_msg_samples_SOURCES = tests/js/ssm_msg_samples.c
tests_js_ssm_msg_samples_LDADD = $(GW_LIBS)
INTEGRATION_TESTS += tests/js/t_ssm_session.sh
EXTRA_DIST += tests/js/package.json tests/js/package-lock.json \
	tests/js/check-ssm-session.js
CLEANFILES += tests/js/npm-ci.log
# What the check installed into a separate build tree (never the sources).
clean-local: clean-local-ssm-js
clean-local-ssm-js:
	test "$(abs_builddir)" = "$(abs_srcdir)" || rm -rf \
	    tests/js/node_modules tests/js/package.json \
	    tests/js/package-lock.json
.PHONY: clean-local-ssm-js

# Sessions and the ssm forwarder: the pool of sessions behind a forward
# (mux streams, basic sessions, back-pressure) and the forwarder itself
# (targets, tag resolution, StartSession parameters). test_ssm_session
# runs the pool, session and stream against a fake data channel linked
# instead of chan.o.
libgatewayd_a_SOURCES += \
	%reldir%/pool_drv.c %reldir%/session.c %reldir%/stream.c \
	%reldir%/ssm_session.h %reldir%/ssm_session_int.h \
	%reldir%/fwd_ssm.c
UNIT_TESTS += tests/unit/test_ssm_session
tests_unit_test_ssm_session_SOURCES = tests/unit/test_ssm_session.c \
	tests/unit/fake_chan.c tests/unit/fake_chan.h
tests_unit_test_ssm_session_LDADD = $(CORE_TEST_LIBS)
# End to end against awsemu's agent (t_ssm_*.sh, ssm_lib.sh).
EXTRA_DIST += tests/integration/ssm_lib.sh
INTEGRATION_TESTS += \
	tests/integration/t_ssm_bulk.sh tests/integration/t_ssm_many.sh \
	tests/integration/t_ssm_errors.sh tests/integration/t_ssm_remote_host.sh \
	tests/integration/t_ssm_faults.sh tests/integration/t_ssm_oneshot.sh \
	tests/integration/t_ssm_pacing.sh tests/integration/t_ssm_denylist.sh \
	tests/integration/t_ssm_service2026.sh
# Reloads with ssm forwards running (unchanged forwards keep going).
INTEGRATION_TESTS += tests/integration/t_reload_ssm.sh
# The offline demo's emulated instance (contrib/demo.sh, demo.conf).
EXTRA_DIST += contrib/demo-world.json

# The data channel (chan): the driver, what it receives, the pure
# reliability core; unit tests against a fake transport and a fake clock.
libgatewayd_a_SOURCES += \
	%reldir%/chan.c %reldir%/chan_conn.c %reldir%/chan_send.c \
	%reldir%/chan_recv.c %reldir%/chan_rel.c \
	%reldir%/ssm_chan.h %reldir%/ssm_chan_int.h
UNIT_TESTS += tests/unit/test_ssm_chan tests/unit/test_ssm_upgrade
tests_unit_test_ssm_chan_SOURCES = tests/unit/test_ssm_chan.c $(SSM_TESTVEC)
tests_unit_test_ssm_chan_LDADD = $(TEST_LIBS)
# The signed upgrade against the official signer's vectors.
tests_unit_test_ssm_upgrade_SOURCES = tests/unit/test_ssm_upgrade.c \
	$(SSM_TESTVEC)
tests_unit_test_ssm_upgrade_LDADD = $(TEST_LIBS)
noinst_PROGRAMS += tests/bench/bench_chan
tests_bench_bench_chan_SOURCES = tests/bench/bench_chan.c
tests_bench_bench_chan_LDADD = $(GW_LIBS)
# Against awsemu: chan_pump moves bytes both ways through one chan.
check_PROGRAMS += tests/integration/chan_pump
tests_integration_chan_pump_SOURCES = tests/integration/chan_pump.c
tests_integration_chan_pump_LDADD = $(GW_LIBS)
INTEGRATION_TESTS += tests/integration/t_chan_faults.sh \
	tests/integration/t_chan_drops.sh
EXTRA_DIST += tests/integration/chan_lib.sh
# The chan's driver under a script of fuzzed events; seeds from
# tests/fuzz/mkcorpus_chan.py.
FUZZERS += tests/fuzz/fuzz_chan
tests_fuzz_fuzz_chan_SOURCES = tests/fuzz/fuzz_chan.c
tests_fuzz_fuzz_chan_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_chan_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
EXTRA_DIST += tests/fuzz/mkcorpus_chan.py tests/fuzz/corpus/chan

# The URLs from outside: StreamUrl (split, host, presigned, signed), proxy.
FUZZERS += tests/fuzz/fuzz_url
tests_fuzz_fuzz_url_SOURCES = tests/fuzz/fuzz_url.c
tests_fuzz_fuzz_url_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_url_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
EXTRA_DIST += tests/fuzz/corpus/url
