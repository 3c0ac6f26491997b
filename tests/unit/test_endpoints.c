/*
 * Unit tests for endpoints.c: every case of
 * shared/testdata/endpoints/endpoint-vectors.json as its own test, then
 * the override precedence, the names of the override settings, region
 * validation and partitions, and the errors.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "aws_endpoints.h"
#include "testdata.h"
#include "xmalloc.h"

static unsigned	t_pass, t_total;

/* One vector: params in, url (and signing scope) or error out. */
static void
test_endpoints_vector(void **state)
{
	const cJSON			*c = *state, *params, *expect, *auth;
	struct aws_endpoint_params	 p;
	struct aws_endpoint		 ep;
	const char			*want_url, *want_err;
	char				*cause = NULL;
	int				 rv;

	params = cJSON_GetObjectItem(c, "params");
	expect = cJSON_GetObjectItem(c, "expect");
	memset(&p, 0, sizeof p);
	p.service = cJSON_GetStringValue(cJSON_GetObjectItem(c, "service"));
	p.region = cJSON_GetStringValue(cJSON_GetObjectItem(params, "Region"));
	p.use_fips = cJSON_IsTrue(cJSON_GetObjectItem(params, "UseFIPS"));
	p.use_dualstack = cJSON_IsTrue(cJSON_GetObjectItem(params,
	    "UseDualStack"));
	p.sts_global = cJSON_IsTrue(cJSON_GetObjectItem(params,
	    "UseGlobalEndpoint"));
	p.explicit_url = cJSON_GetStringValue(cJSON_GetObjectItem(params,
	    "Endpoint"));
	want_url = cJSON_GetStringValue(cJSON_GetObjectItem(expect, "url"));
	want_err = cJSON_GetStringValue(cJSON_GetObjectItem(expect, "error"));

	rv = aws_endpoint_resolve(&p, &ep, &cause);
	if (want_err != NULL) {
		assert_int_equal(rv, -1);
		if (strstr(cause, want_err) == NULL)
			fail_msg("want \"%s\", got \"%s\"", want_err, cause);
		free(cause);
		t_pass++;
		return;
	}
	if (rv != 0)
		fail_msg("%s %s: %s", p.service, p.region, cause);
	assert_non_null(want_url);
	assert_string_equal(ep.url, want_url);
	assert_string_equal(ep.source, p.explicit_url != NULL ?
	    "gatewayd.conf" : "rules");
	auth = cJSON_GetArrayItem(cJSON_GetObjectItem(expect, "auth_schemes"),
	    0);
	if (auth != NULL) {
		assert_string_equal(ep.signing_region, cJSON_GetStringValue(
		    cJSON_GetObjectItem(auth, "signingRegion")));
		assert_string_equal(ep.signing_name, cJSON_GetStringValue(
		    cJSON_GetObjectItem(auth, "signingName")));
	} else
		assert_string_equal(ep.signing_region, p.region);
	aws_endpoint_free(&ep);
	t_pass++;
}

/* Each level of the chain wins over those below it. */
static void
test_endpoints_override_precedence(void **state)
{
	static const struct {
		const char	*urls[5];
		int		 ignore;
		const char	*url;
		const char	*source;
	} t[] = {
		{ { "http://a", "http://b", "http://c", "http://d",
		    "http://e" }, 0, "http://a", "gatewayd.conf" },
		{ { NULL, "http://b", "http://c", "http://d", "http://e" }, 0,
		    "http://b", "AWS_ENDPOINT_URL_SSO_OIDC" },
		{ { "", "", "http://c", "http://d", "http://e" }, 0,
		    "http://c", "AWS_ENDPOINT_URL" },
		{ { NULL, NULL, NULL, "http://d", "http://e" }, 0, "http://d",
		    "services section" },
		{ { NULL, NULL, NULL, NULL, "http://e/base/" }, 0,
		    "http://e/base/", "profile endpoint_url" },
		{ { NULL, "http://b", "http://c", "http://d", "http://e" }, 1,
		    "https://oidc.eu-west-1.amazonaws.com", "rules" },
		{ { "https://A:8443/x", "http://b", NULL, NULL, NULL }, 1,
		    "https://A:8443/x", "gatewayd.conf" },
		{ { NULL, NULL, NULL, NULL, NULL }, 0,
		    "https://oidc.eu-west-1.amazonaws.com", "rules" },
	};
	struct aws_endpoint_params	p;
	struct aws_endpoint		ep;
	size_t				i;
	char				*cause;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(&p, 0, sizeof p);
		p.service = "sso-oidc";
		p.region = "eu-west-1";
		p.explicit_url = t[i].urls[0];
		p.env_service_url = t[i].urls[1];
		p.env_url = t[i].urls[2];
		p.services_url = t[i].urls[3];
		p.profile_url = t[i].urls[4];
		p.ignore_configured = t[i].ignore;
		assert_int_equal(aws_endpoint_resolve(&p, &ep, &cause), 0);
		assert_string_equal(ep.url, t[i].url);
		assert_string_equal(ep.source, t[i].source);
		/* An override keeps the signing scope of the rules. */
		assert_string_equal(ep.signing_region, "eu-west-1");
		assert_string_equal(ep.signing_name, "awsssooidc");
		aws_endpoint_free(&ep);
	}
}

/* Errors name what is wrong and where the setting came from. */
static void
test_endpoints_errors_table(void **state)
{
	static const struct {
		const char	*service;
		const char	*region;
		int		 fips, dualstack;
		const char	*env_url;
		const char	*cause;
	} t[] = {
		{ "ssm", "us-east-1", 1, 0, "http://127.0.0.1:4566",
		    "Invalid Configuration: FIPS and custom endpoint are not "
		    "supported (endpoint_url from AWS_ENDPOINT_URL)" },
		{ "kms", "us-east-1", 0, 1, "http://127.0.0.1:4566",
		    "Invalid Configuration: Dualstack and custom endpoint are "
		    "not supported" },
		{ "s3", "us-east-1", 0, 0, NULL, "unknown service \"s3\"" },
		{ NULL, "us-east-1", 0, 0, NULL, "unknown service" },
		{ "ssm", NULL, 0, 0, NULL, "ssm: no region" },
		{ "ssm", "", 0, 0, NULL, "ssm: no region" },
		{ "ssm", "eu west 1", 0, 0, NULL,
		    "invalid region \"eu west 1\"" },
		{ "ssm", "-eu-west-1", 0, 0, NULL, "invalid region" },
		{ "ssm", "eu-west-1-", 0, 0, NULL, "invalid region" },
		{ "ssm", "eu.west.1", 0, 0, NULL, "invalid region" },
		{ "ssm", "eu-west-1\n", 0, 0, NULL,
		    "invalid region \"eu-west-1?\"" },
		{ "ssm", "eu-west-1", 0, 0, "ftp://h/",
		    "endpoint_url from AWS_ENDPOINT_URL is not an http or "
		    "https" },
		{ "ssm", "eu-west-1", 0, 0, "localhost:4566", "not an http" },
		{ "ssm", "eu-west-1", 0, 0, "ws://127.0.0.1/", "not an http" },
		{ "ssm", "eu-west-1", 0, 0, "http:///x", "no host" },
		{ "ssm", "eu-west-1", 0, 0, "http://u:p@h/",
		    "user information" },
		{ "ssm", "eu-west-1", 0, 0, "http://h /", "not an http" },
	};
	struct aws_endpoint_params	p;
	struct aws_endpoint		ep;
	size_t				i;
	char				*cause;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(&p, 0, sizeof p);
		p.service = t[i].service;
		p.region = t[i].region;
		p.use_fips = t[i].fips;
		p.use_dualstack = t[i].dualstack;
		p.env_url = t[i].env_url;
		cause = NULL;
		assert_int_equal(aws_endpoint_resolve(&p, &ep, &cause), -1);
		assert_non_null(cause);
		if (strstr(cause, t[i].cause) == NULL)
			fail_msg("case %zu: want \"%s\", got \"%s\"", i,
			    t[i].cause, cause);
		assert_null(ep.url);
		free(cause);
	}
}

/* Partitions by name, by pattern, and the fall-back to aws. */
static void
test_endpoints_partition_table(void **state)
{
	static const struct {
		const char	*service;
		const char	*region;
		int		 fips, dualstack;
		const char	*url;
		const char	*partition;
		int		 known;
	} t[] = {
		{ "ssm", "us-iso-east-1", 0, 0,
		    "https://ssm.us-iso-east-1.c2s.ic.gov", "aws-iso", 1 },
		{ "ssm", "us-isob-east-1", 0, 0,
		    "https://ssm.us-isob-east-1.sc2s.sgov.gov", "aws-iso-b",
		    1 },
		{ "kms", "eu-isoe-west-1", 1, 0,
		    "https://kms-fips.eu-isoe-west-1.cloud.adc-e.uk",
		    "aws-iso-e", 1 },
		{ "ssm", "us-isof-south-1", 0, 1,
		    "https://ssm.us-isof-south-1.api.aws.hci.ic.gov",
		    "aws-iso-f", 1 },
		{ "sts", "eusc-de-east-1", 0, 0,
		    "https://sts.eusc-de-east-1.amazonaws.eu", "aws-eusc", 1 },
		{ "ssm", "ap-southeast-9", 0, 0,
		    "https://ssm.ap-southeast-9.amazonaws.com", "aws", 0 },
		{ "ssm", "us-gov-north-2", 1, 0,
		    "https://ssm.us-gov-north-2.amazonaws.com", "aws-us-gov",
		    0 },
		{ "ssm", "cn-south-7", 0, 0,
		    "https://ssm.cn-south-7.amazonaws.com.cn", "aws-cn", 0 },
		{ "ssm", "xx-nowhere-1", 0, 0,
		    "https://ssm.xx-nowhere-1.amazonaws.com", "aws", 0 },
		{ "ssm", "useast1", 0, 0, "https://ssm.useast1.amazonaws.com",
		    "aws", 0 },
		{ "ssmmessages", "eu-west-1", 0, 0,
		    "https://ssmmessages.eu-west-1.amazonaws.com", "aws", 1 },
		{ "ssmmessages", "us-east-1", 1, 0,
		    "https://ssmmessages-fips.us-east-1.amazonaws.com", "aws",
		    1 },
		{ "ssmmessages", "us-gov-west-1", 1, 0,
		    "https://ssmmessages.us-gov-west-1.amazonaws.com",
		    "aws-us-gov", 1 },
		{ "ecs", "us-gov-west-1", 1, 0,
		    "https://ecs-fips.us-gov-west-1.amazonaws.com",
		    "aws-us-gov", 1 },
		{ "ecs", "cn-north-1", 0, 1,
		    "https://ecs.cn-north-1.api.amazonwebservices.com.cn",
		    "aws-cn", 1 },
		{ "sts", "aws-global", 0, 0, "https://sts.amazonaws.com", "aws",
		    1 },
		{ "sts", "aws-global", 1, 0,
		    "https://sts-fips.aws-global.amazonaws.com", "aws", 1 },
	};
	struct aws_endpoint_params	p;
	struct aws_endpoint		ep;
	size_t				i;
	char				*cause;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(&p, 0, sizeof p);
		p.service = t[i].service;
		p.region = t[i].region;
		p.use_fips = t[i].fips;
		p.use_dualstack = t[i].dualstack;
		if (aws_endpoint_resolve(&p, &ep, &cause) != 0)
			fail_msg("case %zu: %s", i, cause);
		if (strcmp(ep.url, t[i].url) != 0)
			fail_msg("case %zu: want %s, got %s", i, t[i].url,
			    ep.url);
		assert_string_equal(ep.partition, t[i].partition);
		assert_int_equal(ep.known_region, t[i].known);
		aws_endpoint_free(&ep);
	}
}

/* Legacy global STS: only the old regions, only without FIPS, and a
 * custom endpoint still wins. */
static void
test_endpoints_sts_global(void **state)
{
	struct aws_endpoint_params	p;
	struct aws_endpoint		ep;
	char				*cause;

	memset(&p, 0, sizeof p);
	p.service = "sts";
	p.region = "us-west-2";
	p.sts_global = 1;
	assert_int_equal(aws_endpoint_resolve(&p, &ep, &cause), 0);
	assert_string_equal(ep.url, "https://sts.amazonaws.com");
	assert_string_equal(ep.signing_region, "us-east-1");
	aws_endpoint_free(&ep);

	p.use_dualstack = 1;
	assert_int_equal(aws_endpoint_resolve(&p, &ep, &cause), 0);
	assert_string_equal(ep.url, "https://sts.us-west-2.api.aws");
	assert_string_equal(ep.signing_region, "us-west-2");
	aws_endpoint_free(&ep);

	p.use_dualstack = 0;
	p.region = "cn-north-1";
	assert_int_equal(aws_endpoint_resolve(&p, &ep, &cause), 0);
	assert_string_equal(ep.url, "https://sts.cn-north-1.amazonaws.com.cn");
	aws_endpoint_free(&ep);

	p.region = "eu-west-1";
	p.profile_url = "http://127.0.0.1:4566";
	assert_int_equal(aws_endpoint_resolve(&p, &ep, &cause), 0);
	assert_string_equal(ep.url, "http://127.0.0.1:4566");
	assert_string_equal(ep.signing_region, "eu-west-1");
	aws_endpoint_free(&ep);

	/* Without the legacy mode a regional endpoint, as everywhere. */
	p.profile_url = NULL;
	p.sts_global = 0;
	assert_int_equal(aws_endpoint_resolve(&p, &ep, &cause), 0);
	assert_string_equal(ep.url, "https://sts.eu-west-1.amazonaws.com");
	aws_endpoint_free(&ep);
}

/* ssmmessages overrides may be WebSocket URLs; others may not. */
static void
test_endpoints_ssmmessages_ws_override(void **state)
{
	struct aws_endpoint_params	p;
	struct aws_endpoint		ep;
	char				*cause;

	memset(&p, 0, sizeof p);
	p.service = "ssmmessages";
	p.region = "us-east-1";
	p.env_service_url = "ws://127.0.0.1:8080";
	assert_int_equal(aws_endpoint_resolve(&p, &ep, &cause), 0);
	assert_string_equal(ep.url, "ws://127.0.0.1:8080");
	assert_string_equal(ep.source, "AWS_ENDPOINT_URL_SSMMESSAGES");
	assert_string_equal(ep.signing_name, "ssmmessages");
	aws_endpoint_free(&ep);
}

static void
test_endpoints_setting_names(void **state)
{
	static const struct {
		const char	*service;
		const char	*env;
		const char	*key;
	} t[] = {
		{ "ssm", "AWS_ENDPOINT_URL_SSM", "ssm" },
		{ "kms", "AWS_ENDPOINT_URL_KMS", "kms" },
		{ "sts", "AWS_ENDPOINT_URL_STS", "sts" },
		{ "ec2", "AWS_ENDPOINT_URL_EC2", "ec2" },
		{ "sso", "AWS_ENDPOINT_URL_SSO", "sso" },
		{ "sso-oidc", "AWS_ENDPOINT_URL_SSO_OIDC", "sso_oidc" },
		{ "ssmmessages", "AWS_ENDPOINT_URL_SSMMESSAGES",
		    "ssmmessages" },
		{ "SSO OIDC", "AWS_ENDPOINT_URL_SSO_OIDC", "sso_oidc" },
	};
	size_t	i;
	char	out[64], small[8];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		aws_endpoint_env_name(t[i].service, out, sizeof out);
		assert_string_equal(out, t[i].env);
		aws_endpoint_services_key(t[i].service, out, sizeof out);
		assert_string_equal(out, t[i].key);
	}
	/* Truncated, but terminated. */
	aws_endpoint_env_name("ssmmessages", small, sizeof small);
	assert_string_equal(small, "AWS_END");
	aws_endpoint_services_key("ssmmessages", small, sizeof small);
	assert_string_equal(small, "ssmmess");
}

static void
test_endpoints_region_is_valid_table(void **state)
{
	static const struct {
		const char	*region;
		int		 ok;
	} t[] = {
		{ "us-east-1", 1 }, { "a", 1 }, { "US-EAST-1", 1 },
		{ "aws-global", 1 }, { "", 0 }, { "-a", 0 }, { "a-", 0 },
		{ "a_b", 0 }, { "a.b", 0 }, { "a b", 0 },
		{ "abcdefghijklmnopqrstuvwxyz0123456789"
		    "abcdefghijklmnopqrstuvwxyz0", 1 },
		{ "abcdefghijklmnopqrstuvwxyz0123456789"
		    "abcdefghijklmnopqrstuvwxyz01", 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		assert_int_equal(aws_endpoint_region_is_valid(t[i].region),
		    t[i].ok);
	assert_int_equal(aws_endpoint_region_is_valid(NULL), 0);
}

/*
 * How a name fits the partitions: named, named but for its digits (a
 * newer region), only a pattern, or none; config checks build on it.
 */
static void
test_endpoints_region_fit_table(void **state)
{
	static const struct {
		const char		*region;
		enum aws_region_fit	 fit;
	} t[] = {
		{ "eu-west-1", AWS_REGION_KNOWN },
		{ "aws-global", AWS_REGION_KNOWN },
		{ "us-gov-west-1", AWS_REGION_KNOWN },
		{ "eu-west-4", AWS_REGION_FAMILY },
		{ "ap-southeast-12", AWS_REGION_FAMILY },
		{ "us-isob-east-2", AWS_REGION_FAMILY },
		{ "eu-wset-1", AWS_REGION_PATTERN },
		{ "ap-newland-1", AWS_REGION_PATTERN },
		{ "us-gov-wset-1", AWS_REGION_PATTERN },
		{ "moon-base-1", AWS_REGION_NONE },
		{ "EU-WEST-1", AWS_REGION_NONE },
		{ "eu-west", AWS_REGION_NONE },
		{ "useast1", AWS_REGION_NONE },
	};
	const char	*names[128];
	size_t		 i, n;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (aws_endpoint_region_fit(t[i].region) != t[i].fit)
			fail_msg("%s: fit %d, want %d", t[i].region,
			    aws_endpoint_region_fit(t[i].region), t[i].fit);
	}
	n = aws_endpoint_region_names(names, 128);
	assert_true(n > 40 && n < 128);
	for (i = 0; i < n; i++)
		assert_int_equal(aws_endpoint_region_fit(names[i]),
		    AWS_REGION_KNOWN);
	assert_int_equal(aws_endpoint_region_names(names, 3), 3);
}

int
main(void)
{
	const struct CMUnitTest	 unit[] = {
		cmocka_unit_test(test_endpoints_override_precedence),
		cmocka_unit_test(test_endpoints_errors_table),
		cmocka_unit_test(test_endpoints_partition_table),
		cmocka_unit_test(test_endpoints_sts_global),
		cmocka_unit_test(test_endpoints_ssmmessages_ws_override),
		cmocka_unit_test(test_endpoints_setting_names),
		cmocka_unit_test(test_endpoints_region_is_valid_table),
		cmocka_unit_test(test_endpoints_region_fit_table),
	};
	struct CMUnitTest	*tests;
	cJSON			*vectors, *cases, *c;
	size_t			 i = 0;
	int			 failed;

	failed = cmocka_run_group_tests_name("endpoints", unit, NULL, NULL);
	vectors = testdata_json("endpoints/endpoint-vectors.json");
	if (vectors == NULL)
		return (1);
	cases = cJSON_GetObjectItem(vectors, "cases");
	t_total = cJSON_GetArraySize(cases);
	tests = xcalloc(t_total + 1, sizeof *tests);
	cJSON_ArrayForEach(c, cases) {
		xasprintf((char **)&tests[i].name,
		    "test_endpoints_vector: %s %s%s%s%s%s",
		    cJSON_GetStringValue(cJSON_GetObjectItem(c, "service")),
		    cJSON_GetStringValue(cJSON_GetObjectItem(
		    cJSON_GetObjectItem(c, "params"), "Region")),
		    cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(c,
		    "params"), "UseFIPS")) ? " fips" : "",
		    cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(c,
		    "params"), "UseDualStack")) ? " dualstack" : "",
		    cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(c,
		    "params"), "UseGlobalEndpoint")) ? " global" : "",
		    cJSON_GetObjectItem(cJSON_GetObjectItem(c, "params"),
		    "Endpoint") != NULL ? " custom" : "");
		tests[i].test_func = test_endpoints_vector;
		tests[i++].initial_state = c;
	}
	failed += _cmocka_run_group_tests("endpoint_vectors", tests, t_total,
	    NULL, NULL);
	printf("endpoints: %u/%u vectors\n", t_pass, t_total);
	if (t_total < 184) {
		printf("endpoints: expected 184 vectors\n");
		failed++;
	}
	for (i = 0; i < t_total; i++)
		free((char *)tests[i].name);
	free(tests);
	cJSON_Delete(vectors);
	return (failed != 0);
}
