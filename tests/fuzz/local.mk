# Fuzz harnesses: with --enable-fuzzing they link libFuzzer's main; otherwise
# a plain driver that replays the files it is given, so make check runs the
# saved corpora through every harness (replay.sh, in the top Makefile.am).
if FUZZING
FUZZ_DRIVER =
else
FUZZ_DRIVER = tests/fuzz/libfuzzdriver.a
check_LIBRARIES += tests/fuzz/libfuzzdriver.a
tests_fuzz_libfuzzdriver_a_SOURCES = tests/fuzz/driver.c
endif
FUZZ_LIBS = $(FUZZ_DRIVER) $(GW_LIBS)
EXTRA_DIST += tests/fuzz/fuzz.h

# The control protocol: request lines from a client, through control.c.
FUZZERS += tests/fuzz/fuzz_control
tests_fuzz_fuzz_control_SOURCES = tests/fuzz/fuzz_control.c
tests_fuzz_fuzz_control_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_control_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
EXTRA_DIST += tests/fuzz/corpus/control

FUZZERS += tests/fuzz/fuzz_ws
tests_fuzz_fuzz_ws_SOURCES = tests/fuzz/fuzz_ws.c
tests_fuzz_fuzz_ws_LDADD = $(FUZZ_DRIVER) $(GWTEST_LIBS)
# FUZZ_LDFLAGS (libFuzzer's main) is not in AM_LDFLAGS; name it here.
tests_fuzz_fuzz_ws_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
EXTRA_DIST += tests/fuzz/corpus/ws tests/fuzz/gen_ws_corpus.py

FUZZERS += tests/fuzz/fuzz_sigv4
tests_fuzz_fuzz_sigv4_SOURCES = tests/fuzz/fuzz_sigv4.c
tests_fuzz_fuzz_sigv4_LDADD = $(FUZZ_DRIVER) $(GWTEST_LIBS)
tests_fuzz_fuzz_sigv4_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
EXTRA_DIST += tests/fuzz/corpus/sigv4

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
	tests/fuzz/corpus/sts_xml

FUZZERS += tests/fuzz/fuzz_config
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_config_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
EXTRA_DIST += tests/fuzz/corpus/config

# Session Manager's codecs; corpora in tests/fuzz/corpus/{ssm_msg,handshake,
# smux} (made from the shared vectors by tests/fuzz/mkcorpus_ssm.py).
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

# The corpus of awsemu's registry fuzzer (tests/awsemu/fuzz_emu_registry.c).
EXTRA_DIST += tests/fuzz/corpus/emu_registry

# The SOCKS5 parser as the socks forwarder drives it; seeds from
# tests/fuzz/mkcorpus_socks.py.
FUZZERS += tests/fuzz/fuzz_socks
tests_fuzz_fuzz_socks_SOURCES = tests/fuzz/fuzz_socks.c
tests_fuzz_fuzz_socks_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_socks_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
EXTRA_DIST += tests/fuzz/mkcorpus_socks.py tests/fuzz/corpus/socks
