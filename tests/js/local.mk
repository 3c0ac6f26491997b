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
