/*
 * Unit tests for version.c: gatewayd's comparison of AgentVersion, the
 * agent's comparison of ClientVersion, and every gate at the edges the
 * specs name (ssm-data-channel.md §5.7, ssm-port-mux.md §2 and §6).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ssm_version.h"

#define MALFORMED	99	/* ssm_version_cmp refuses the pair */

static int
sign(int v)
{
	return (v < 0 ? -1 : v > 0);
}

static void
test_ssm_version_gatewayd_rule(void **state)
{
	static const struct {
		const char	*a, *b;
		int		 cmp;
	} cases[] = {
		{ "3.0.196.1", "3.0.196.0", 1 },
		{ "3.0.196.0", "3.0.196.0", 0 },
		{ "3.0.195.9", "3.0.196.0", -1 },
		/* The plugin says "not greater" (part counts differ). */
		{ "3.2.1", "3.0.196.0", 1 },
		{ "3.1", "3.1.0.0", 0 },
		{ "1.1.70", "1.1.70.0", 0 },	/* the agent says less */
		{ "3.1.1511.0", "3.1.1446.0", 1 },
		{ "3.10.0.0", "3.9.999.0", 1 },
		{ "18446744073709551615", "18446744073709551614", 1 },
		{ "", "3.0.196.0", MALFORMED },
		{ "3..1", "3.0.196.0", MALFORMED },
		{ "3.1.", "3.0.196.0", MALFORMED },
		{ ".3", "3.0.196.0", MALFORMED },
		{ "v3.1", "3.0.196.0", MALFORMED },
		{ "3.1a", "3.0.196.0", MALFORMED },
		{ "3.-1", "3.0.196.0", MALFORMED },
		{ "+3", "3.0.196.0", MALFORMED },
		{ " 3", "3.0.196.0", MALFORMED },
		{ "3.1.1511.0-beta", "3.0.196.0", MALFORMED },
		{ "18446744073709551616", "3.0.196.0", MALFORMED },
		{ "3.0.196.0", "x", MALFORMED },
	};
	size_t	i;
	int	cmp, rv;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rv = ssm_version_cmp(cases[i].a, cases[i].b, &cmp);
		if (cases[i].cmp == MALFORMED) {
			assert_int_equal(rv, -1);
			assert_int_equal(ssm_version_gt(cases[i].a,
			    cases[i].b), 0);
			continue;
		}
		assert_int_equal(rv, 0);
		if (sign(cmp) != cases[i].cmp)
			fail_msg("%s vs %s: %d", cases[i].a, cases[i].b, cmp);
		assert_int_equal(ssm_version_gt(cases[i].a, cases[i].b),
		    cases[i].cmp > 0);
	}
}

static void
test_ssm_version_agent_rule(void **state)
{
	static const struct {
		const char	*a, *b;
		int		 cmp;
	} cases[] = {
		/* Strict mode: trailing zero parts count. */
		{ "1.1.70.0", "1.1.70", 1 },
		{ "1.1.70", "1.1.70", 0 },
		{ "1.2.331", "1.2.331.0", -1 },
		{ "1.2.677.0", "1.2.331.0", 1 },
		{ "1.10", "1.9", 1 },
		/* Letters sort above digits: free-form strings look new. */
		{ "gatewayd/0.1", "1", 1 },
		{ "gatewayd/0.1", "1.2.331.0", 1 },
		{ "v1.2.677.0", "1.2.331.0", 1 },
		/* ... unless they start with 0, '-' or '.', or are empty. */
		{ "0.9", "1.1.70", -1 },
		{ "-gatewayd", "1.1.70", -1 },
		{ "-1", "1.1.70", -1 },
		{ ".1", "1.1.70", -1 },
		{ "", "1.1.70", -1 },
		{ "", "", 0 },
		{ "1.a", "1.b", -1 },
		{ "01.1.70", "1.1.70", 0 },	/* not semver: parts as ints */
		/* Both semver: prereleases sort below their release. */
		{ "1.0.0-gatewayd", "1.1.70", -1 },
		{ "1.1.70-rc.1", "1.1.70", -1 },
		{ "1.1.70+build.5", "1.1.70", 0 },
		{ "1.0.0-alpha", "1.0.0-alpha.1", -1 },
		{ "1.0.0-alpha.1", "1.0.0-alpha.beta", -1 },
		{ "1.0.0-alpha.beta", "1.0.0-beta", -1 },
		{ "1.0.0-beta", "1.0.0-beta.2", -1 },
		{ "1.0.0-beta.2", "1.0.0-beta.11", -1 },
		{ "1.0.0-beta.11", "1.0.0-rc.1", -1 },
		{ "1.0.0-rc.1", "1.0.0", -1 },
		/* One side not semver: part by part, text where not ints. */
		{ "1.2.677-gatewayd", "1.2.331.0", 1 },
		{ "1.1.70-rc.1", "1.1.70.0", 1 },
	};
	size_t	i;
	int	cmp;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cmp = ssm_version_agent_cmp(cases[i].a, cases[i].b);
		if (sign(cmp) != cases[i].cmp)
			fail_msg("%s vs %s: %d", cases[i].a, cases[i].b, cmp);
		cmp = ssm_version_agent_cmp(cases[i].b, cases[i].a);
		assert_int_equal(sign(cmp), -cases[i].cmp);
	}
}

static void
test_ssm_version_is_semver(void **state)
{
	static const struct {
		const char	*s;
		int		 yes;
	} cases[] = {
		{ "1.2.3", 1 }, { "1.2.3-rc.1+b.5", 1 }, { "1.2.3+001", 1 },
		{ "0.0.0", 1 }, { "1.2.3-0a", 1 },
		{ "1.2", 0 }, { "1.2.3.4", 0 }, { "01.2.3", 0 },
		{ "1.2.3-01", 0 }, { "1.2.3-", 0 }, { "1.2.3+", 0 },
		{ "1.2.3-a..b", 0 }, { "1.2.3-a_b", 0 }, { "v1.2.3", 0 },
		{ "", 0 }, { "99999999999999999999.0.0", 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (ssm_version_is_semver(cases[i].s) != cases[i].yes)
			fail_msg("%s", cases[i].s);
	}
}

/* gatewayd's decisions from AgentVersion (§5.7, §5.8). */
static void
test_ssm_version_client_gates(void **state)
{
	static const struct {
		const char	*agent;
		int		 port;
		int		 mux, terminate;
	} cases[] = {
		{ "3.0.196.0", 1, 0, 1 },
		{ "3.0.196.1", 1, 1, 1 },
		{ "3.0.222.0", 1, 1, 1 },
		{ "3.3.987.0", 1, 1, 1 },
		{ "3.3.987.0", 0, 0, 1 },	/* not LocalPortForwarding */
		{ "3.1", 1, 1, 1 },		/* padded, not "count differs" */
		{ "2.3.1569.0", 1, 0, 1 },
		{ "2.3.722.0", 1, 0, 0 },
		{ "2.3.756.0", 1, 0, 1 },
		{ "2.3.700.0", 1, 0, 0 },
		{ "", 1, 0, 0 },
		{ "3.3.987.0-beta", 1, 0, 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(ssm_version_use_mux(cases[i].agent,
		    cases[i].port), cases[i].mux);
		assert_int_equal(ssm_version_has_terminate_flag(
		    cases[i].agent), cases[i].terminate);
	}
}

/* When gatewayd must send NOPs (ssm-port-mux.md §2.4 and §6). */
static void
test_ssm_version_client_keepalive(void **state)
{
	static const struct {
		const char	*agent, *client;
		int		 nop;
	} cases[] = {
		{ "3.0.222.0", "1.2.677.0", 1 },
		{ "3.1.1446.0", "1.2.677.0", 1 },	/* harmless there */
		{ "3.1.1476.0", "1.2.677.0", 1 },
		{ "3.1.1511.0", "1.2.677.0", 1 },
		{ "3.1.1575.0", "1.2.677.0", 0 },
		{ "3.3.987.0", "1.2.677.0", 0 },
		{ "3.3.987.0", "1.2.331.0", 1 },
		{ "3.3.987.0", "1.2.331.1", 0 },
		{ "3.3.987.0", "1.2.331", 1 },		/* shorter is smaller */
		{ "3.3.987.0", "gatewayd/0.1", 0 },
		{ "3.3.987.0", "0.9", 1 },
		{ "3.3.987.0", "", 1 },
		{ "garbage", "1.2.677.0", 1 },		/* gate not met */
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (ssm_version_client_keepalive(cases[i].agent,
		    cases[i].client) != cases[i].nop)
			fail_msg("agent %s client %s", cases[i].agent,
			    cases[i].client);
	}
}

/* What an agent decides from ClientVersion (for the emulator). */
static void
test_ssm_version_agent_gates(void **state)
{
	static const struct {
		const char	*agent;
		int		 port;
		const char	*client;
		int		 mux, keepalive;
	} cases[] = {
		{ "3.3.987.0", 1, "1.2.677.0", 1, 0 },
		{ "3.3.987.0", 1, "1.1.70", 1, 1 },
		{ "3.3.987.0", 1, "1.1.70.0", 1, 1 },
		{ "3.3.987.0", 1, "1.1.69.0", 0, 1 },
		{ "3.3.987.0", 1, "1.0.0-gatewayd", 0, 1 },
		{ "3.3.987.0", 1, "gatewayd/0.1", 1, 0 },
		{ "3.3.987.0", 1, "v1.2.677.0", 1, 0 },
		{ "3.3.987.0", 1, "", 0, 1 },
		{ "3.3.987.0", 1, "0.9", 0, 1 },
		{ "3.3.987.0", 1, "-1", 0, 1 },
		{ "3.3.987.0", 1, ".1", 0, 1 },
		{ "3.3.987.0", 0, "1.2.677.0", 0, 0 },
		{ "3.1.1575.0", 1, "1.2.331.0", 1, 1 },
		{ "3.1.1575.0", 1, "1.2.331.1", 1, 0 },
		{ "3.1.1511.0", 1, "1.2.677.0", 1, 1 },
		{ "3.1.1476.0", 1, "1.2.677.0", 1, 1 },
		{ "3.1.1446.0", 1, "1.2.677.0", 1, 0 },
		{ "3.1.1446.0", 1, "1.0.0.0", 0, 0 },
		{ "3.0.222.0", 1, "1.2.677.0", 1, 1 },
		{ "3.0.196.0", 1, "1.2.677.0", 0, 0 },
		{ "2.3.1569.0", 1, "1.2.677.0", 0, 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (ssm_version_agent_mux(cases[i].agent, cases[i].port,
		    cases[i].client) != cases[i].mux ||
		    ssm_version_agent_keepalive(cases[i].agent,
		    cases[i].client) != cases[i].keepalive)
			fail_msg("agent %s client %s", cases[i].agent,
			    cases[i].client);
	}
}

/*
 * The default ClientVersion meets every gate the agent has (§5.7) and is
 * at least the service's minimum supported client, 1.2.764.0 (§3.2).
 */
static void
test_ssm_version_default_client(void **state)
{
	int	cmp;

	assert_int_equal(ssm_version_cmp(SSM_VERSION_CLIENT_DEFAULT,
	    "0.0.0.0", &cmp), 0);
	assert_int_equal(ssm_version_cmp(SSM_VERSION_CLIENT_DEFAULT,
	    "1.2.764.0", &cmp), 0);
	assert_true(cmp >= 0);
	assert_true(ssm_version_agent_cmp(SSM_VERSION_CLIENT_DEFAULT,
	    SSM_VERSION_CLIENT_MUX) >= 0);
	assert_true(ssm_version_agent_cmp(SSM_VERSION_CLIENT_DEFAULT,
	    SSM_VERSION_CLIENT_KEEPALIVE) > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssm_version_gatewayd_rule),
		cmocka_unit_test(test_ssm_version_agent_rule),
		cmocka_unit_test(test_ssm_version_is_semver),
		cmocka_unit_test(test_ssm_version_client_gates),
		cmocka_unit_test(test_ssm_version_client_keepalive),
		cmocka_unit_test(test_ssm_version_agent_gates),
		cmocka_unit_test(test_ssm_version_default_client),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
