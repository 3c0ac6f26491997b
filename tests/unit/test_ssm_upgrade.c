/*
 * The data channel's signed WebSocket upgrade (ssm-data-channel.md 3.2)
 * against testdata/ssm/upgrade-signing.json, made by the official
 * client's own signer: every entry's canonical request, string to sign
 * and headers, byte for byte. And the other half of the rule: the
 * form-style query belongs to the upgrade only; the generic signer keeps
 * a '+' a plus.
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

#include "aws_sigv4.h"
#include "ssm_chan_int.h"
#include "testdata.h"
#include "xmalloc.h"

static const char *
t_str(const cJSON *obj, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return (cJSON_IsString(v) ? v->valuestring : NULL);
}

/* The value of header name among what the signer adds, or NULL. */
static const char *
added(const struct aws_sigv4_result *res, const char *name)
{
	size_t	i;

	for (i = 0; i < res->nadd; i++) {
		if (strcmp(res->add[i].name, name) == 0)
			return (res->add[i].value);
	}
	return (NULL);
}

static void
test_upgrade_vectors(void **state)
{
	cJSON			*all, *e, *want, *h;
	struct aws_creds	 creds;
	struct aws_sigv4_result	 res;
	time_t			 when;
	char			*cause = NULL, date[17];
	size_t			 n = 0, nwant;

	all = testdata_json("ssm/upgrade-signing.json");
	assert_non_null(all);
	assert_true(cJSON_GetArraySize(all) >= 7);
	cJSON_ArrayForEach(e, all) {
		print_message("entry %s\n", t_str(e, "name"));
		memset(&creds, 0, sizeof creds);
		creds.access_key_id = (char *)t_str(e, "access_key_id");
		creds.secret_access_key = (char *)t_str(e, "secret_access_key");
		creds.session_token = (char *)t_str(e, "session_token");
		/* "2026-11-30T12:34:56Z" as the signer's X-Amz-Date form. */
		snprintf(date, sizeof date, "%.4s%.2s%.2sT%.2s%.2s%.2sZ",
		    t_str(e, "time"), t_str(e, "time") + 5,
		    t_str(e, "time") + 8, t_str(e, "time") + 11,
		    t_str(e, "time") + 14, t_str(e, "time") + 17);
		assert_int_equal(aws_sigv4_parse_amz_date(date, &when), 0);
		assert_int_equal(ssm_chan_sign_upgrade(t_str(e, "url"),
		    t_str(e, "region"), &creds, when, &res, &cause), 0);
		assert_string_equal(res.canonical_request,
		    t_str(e, "canonical_request"));
		assert_string_equal(res.string_to_sign,
		    t_str(e, "string_to_sign"));
		want = cJSON_GetObjectItemCaseSensitive(e, "headers");
		nwant = 0;
		cJSON_ArrayForEach(h, want) {
			assert_non_null(added(&res, h->string));
			assert_string_equal(added(&res, h->string),
			    h->valuestring);
			nwant++;
		}
		/* Nothing more than the official client adds. */
		assert_int_equal(res.nadd, nwant);
		aws_sigv4_result_free(&res);
		n++;
	}
	print_message("%zu upgrade vectors reproduced\n", n);
	cJSON_Delete(all);
}

/*
 * The same URL through the generic signer (API calls): a raw '+' stays a
 * plus (%2B), and the default port is not part of Host. Only the upgrade
 * reads the query as a form.
 */
static void
test_generic_signer_keeps_plus(void **state)
{
	struct aws_sigv4_request	 r;
	struct aws_sigv4_result		 res;
	struct aws_creds		 creds;
	char				*cause = NULL;
	const char			*url = "https://ssmmessages-fips."
	    "us-gov-west-1.amazonaws.com:443/v1/data-channel/dave-1?"
	    "role=publish_subscribe&cell-number=a+b";

	memset(&creds, 0, sizeof creds);
	creds.access_key_id = "AKIDEXAMPLE";
	creds.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	memset(&r, 0, sizeof r);
	r.method = "GET";
	r.url = url;
	r.region = "us-gov-west-1";
	r.service = "ssmmessages";
	r.when = 1764506096;
	assert_int_equal(aws_sigv4_sign(&r, &creds, &res, &cause), 0);
	assert_non_null(strstr(res.canonical_request,
	    "\ncell-number=a%2Bb&role=publish_subscribe\n"));
	assert_non_null(strstr(res.canonical_request,
	    "\nhost:ssmmessages-fips.us-gov-west-1.amazonaws.com\n"));
	aws_sigv4_result_free(&res);

	r.form_query = 1;
	assert_int_equal(aws_sigv4_sign(&r, &creds, &res, &cause), 0);
	assert_non_null(strstr(res.canonical_request,
	    "\ncell-number=a%20b&role=publish_subscribe\n"));
	aws_sigv4_result_free(&res);
}

/*
 * Form-style edge cases, as Go's url.Query() reads them: a parameter with
 * a bad escape or a ';' is left out, a key's values keep their order, keys
 * sort by their decoded bytes, '%2B' stays a plus.
 */
static void
test_form_query_edges(void **state)
{
	static const struct {
		const char	*query;
		const char	*want;
	} t[] = {
		{ "a=1+2", "a=1%202" },
		{ "a=1%2B2", "a=1%2B2" },
		{ "b=2&a=1", "a=1&b=2" },
		{ "a=z&a=y", "a=z&a=y" },		/* order as given */
		{ "a=%zz&b=1", "b=1" },			/* bad escape: out */
		{ "a=1;c=2&b=1", "b=1" },		/* ';': out */
		{ "a&b=", "a=&b=" },
		{ "a+b=1", "a%20b=1" },
		{ "&&a=1&", "a=1" },
		{ "x=%2F/%3D=", "x=%2F%2F%3D%3D" },
	};
	struct aws_header	 h = { "host", "h" };
	char			*creq, *list, *cause, *want;
	size_t			 i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		assert_int_equal(aws_sigv4_canonical_request("GET", "/", 1,
		    t[i].query, strlen(t[i].query), NULL, &h, 1, "P",
		    SIGV4_FORM_QUERY, &creq, &list, &cause), 0);
		xasprintf(&want, "GET\n/\n%s\nhost:h\n\nhost\nP", t[i].want);
		assert_string_equal(creq, want);
		free(want);
		free(creq);
		free(list);
	}
}

/* A URL the WebSocket client could not open is not signed either. */
static void
test_upgrade_bad_url(void **state)
{
	struct aws_creds	 creds;
	struct aws_sigv4_result	 res;
	char			*cause = NULL;

	memset(&creds, 0, sizeof creds);
	creds.access_key_id = "AKIDEXAMPLE";
	creds.secret_access_key = "secret";
	assert_int_equal(ssm_chan_sign_upgrade("https://user@h/x?a=b",
	    "us-east-1", &creds, 1764506096, &res, &cause), -1);
	assert_non_null(cause);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upgrade_vectors),
		cmocka_unit_test(test_generic_signer_keeps_plus),
		cmocka_unit_test(test_form_query_edges),
		cmocka_unit_test(test_upgrade_bad_url),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
