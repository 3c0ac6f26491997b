/*
 * Unit tests for identity.c's login request: what is taken (keys, an
 * optional token, expirations as Unix seconds or ISO 8601, the default
 * lifetime), and that every bad request is refused with a message that
 * names the member and never carries a value.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "aws_creds.h"
#include "identity.h"

#define NOW		1800000000	/* 2027-01-15T08:00:00Z */
#define AKID		"AKIAEMUDEFAULT000001"
#define SECRET		"emu/default+secret/0000000000000000000000"
#define KEYS		"\"access_key_id\": \"" AKID "\", " \
			"\"secret_access_key\": \"" SECRET "\""

/* Parse text; return what identity_parse_login said, with c and exp. */
static int
parse(const char *text, struct aws_creds *c, int64_t *exp, char **cause)
{
	cJSON	*req;
	int	 rc;

	req = cJSON_Parse(text);
	assert_non_null(req);
	*cause = NULL;
	rc = identity_parse_login(req, NOW, c, exp, cause);
	cJSON_Delete(req);
	return (rc);
}

/* text is refused with a message containing want, and no secret. */
static void
refused(const char *text, const char *want)
{
	struct aws_creds	c;
	int64_t			exp;
	char			*cause;

	assert_int_equal(parse(text, &c, &exp, &cause), -1);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("%s: \"%s\", want \"%s\"", text, cause, want);
	assert_null(strstr(cause, SECRET));
	assert_null(strstr(cause, "TOKENVALUE"));
	free(cause);
	aws_creds_clear(&c);
}

static void
test_identity_keys_without_expiration(void **state)
{
	struct aws_creds	c;
	int64_t			exp;
	char			*cause;

	assert_int_equal(parse("{" KEYS "}", &c, &exp, &cause), 0);
	assert_string_equal(c.access_key_id, AKID);
	assert_string_equal(c.secret_access_key, SECRET);
	assert_null(c.session_token);
	assert_int_equal(c.expiration, 0);
	assert_int_equal(exp, NOW + IDENTITY_MAX_LIFE);
	aws_creds_clear(&c);
}

static void
test_identity_token_and_expirations(void **state)
{
	struct aws_creds	c;
	int64_t			exp;
	char			*cause;

	assert_int_equal(parse("{" KEYS ", \"session_token\": \"abc+/=\", "
	    "\"expiration\": 1800003600}", &c, &exp, &cause), 0);
	assert_string_equal(c.session_token, "abc+/=");
	assert_int_equal(exp, NOW + 3600);
	assert_int_equal(c.expiration, NOW + 3600);
	aws_creds_clear(&c);

	assert_int_equal(parse("{" KEYS ", \"expiration\": "
	    "\"2027-01-15T09:00:00Z\"}", &c, &exp, &cause), 0);
	assert_int_equal(exp, NOW + 3600);
	aws_creds_clear(&c);

	/* null members are as good as absent. */
	assert_int_equal(parse("{" KEYS ", \"session_token\": null, "
	    "\"expiration\": null}", &c, &exp, &cause), 0);
	assert_null(c.session_token);
	assert_int_equal(exp, NOW + IDENTITY_MAX_LIFE);
	aws_creds_clear(&c);
}

static void
test_identity_missing_and_wrong_types(void **state)
{
	refused("{}", "\"access_key_id\" is missing");
	refused("{\"access_key_id\": \"" AKID "\"}",
	    "\"secret_access_key\" is missing");
	refused("{\"access_key_id\": 1, \"secret_access_key\": \"x\"}",
	    "\"access_key_id\" is not a string");
	refused("{\"access_key_id\": \"" AKID "\", \"secret_access_key\": "
	    "{}}", "\"secret_access_key\" is not a string");
	refused("{" KEYS ", \"session_token\": 5}",
	    "\"session_token\" is not a string");
	refused("{\"access_key_id\": \"\", \"secret_access_key\": \"x\"}",
	    "\"access_key_id\" is empty");
}

static void
test_identity_bad_strings(void **state)
{
	char	text[16384];
	char	big[IDENTITY_MAX_TOKEN + 2];

	refused("{\"access_key_id\": \"AKIA-1\", \"secret_access_key\": "
	    "\"x\"}", "\"access_key_id\" has a character other than");
	refused("{\"access_key_id\": \"" AKID "\", \"secret_access_key\": "
	    "\"" SECRET " \"}", "\"secret_access_key\" has a character");
	refused("{" KEYS ", \"session_token\": \"TOKENVALUE\\u0001\"}",
	    "\"session_token\" has a character other than printable ASCII");
	memset(big, 'A', sizeof big - 1);
	big[IDENTITY_MAX_KEY_ID + 1] = '\0';
	snprintf(text, sizeof text, "{\"access_key_id\": \"%s\", "
	    "\"secret_access_key\": \"x\"}", big);
	refused(text, "\"access_key_id\" is longer than 128 bytes");
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	snprintf(text, sizeof text, "{" KEYS ", \"session_token\": \"%s\"}",
	    big);
	refused(text, "\"session_token\" is longer than 8192 bytes");
}

static void
test_identity_bad_expirations(void **state)
{
	refused("{" KEYS ", \"expiration\": 1799999999}", "expired already");
	refused("{" KEYS ", \"expiration\": 1800000000}", "expired already");
	refused("{" KEYS ", \"expiration\": \"2020-01-01T00:00:00Z\"}",
	    "expired already");
	refused("{" KEYS ", \"expiration\": \"soon\"}",
	    "\"expiration\" is not a time");
	refused("{" KEYS ", \"expiration\": \"2027-02-30T00:00:00Z\"}",
	    "\"expiration\" is not a time");
	refused("{" KEYS ", \"expiration\": 1800003600.5}",
	    "\"expiration\" is not a time");
	refused("{" KEYS ", \"expiration\": -1}",
	    "\"expiration\" is not a time");
	refused("{" KEYS ", \"expiration\": 1e300}",
	    "\"expiration\" is not a time");
	refused("{" KEYS ", \"expiration\": [1]}",
	    "\"expiration\" is not a time");
	refused("{" KEYS ", \"expiration\": false}",
	    "\"expiration\" is not a time");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity_keys_without_expiration),
		cmocka_unit_test(test_identity_token_and_expirations),
		cmocka_unit_test(test_identity_missing_and_wrong_types),
		cmocka_unit_test(test_identity_bad_strings),
		cmocka_unit_test(test_identity_bad_expirations),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
