# tests/conf/CASE/: gatewayd.conf and the exact gatewayd -n output or error.
# The case directories are listed one by one (found in srcdir): naming
# tests/conf itself would also ship the build tree's tests/conf/run.log.
INTEGRATION_TESTS += tests/conf/run.sh
EXTRA_DIST += $(patsubst $(srcdir)/%/,%,$(wildcard $(srcdir)/tests/conf/*/))
