# The session pool's policy (issue 5: tunnels that never die and scale):
# striping, make before break, release, admission. pool.c is pure; its
# unit test drives it with tables and a fake clock. The t_life_*.sh
# scripts run gatewayd's ssm forwarder against awsemu's faults.
libgatewayd_a_SOURCES += %reldir%/pool.c %reldir%/ssm_pool.h
UNIT_TESTS += tests/unit/test_ssm_pool
tests_unit_test_ssm_pool_SOURCES = tests/unit/test_ssm_pool.c
tests_unit_test_ssm_pool_LDADD = $(TEST_LIBS)
INTEGRATION_TESTS += tests/integration/t_life_drops.sh \
	tests/integration/t_life_mbb.sh tests/integration/t_life_replace.sh \
	tests/integration/t_life_rotate.sh tests/integration/t_life_stripe.sh \
	tests/integration/t_life_admission.sh \
	tests/integration/t_life_halfclose.sh tests/integration/t_life_spread.sh \
	tests/integration/t_life_banner.sh tests/integration/t_life_abort.sh \
	tests/integration/t_life_maxconns.sh tests/integration/t_life_stall.sh
EXTRA_DIST += tests/integration/life_lib.sh tests/integration/life_tool.py \
	tests/integration/end_tool.py
