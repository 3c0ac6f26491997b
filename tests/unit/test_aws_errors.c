/*
 * Unit tests for error.c: code normalisation (every example in the specs),
 * the JSON error parser and the code tables the retry layer uses.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws_error.h"

static void
test_aws_errors_normalize_spec_examples(void **state)
{
	static const char *cases[][2] = {
		/* aws-conventions.md 5.3 */
		{ "com.amazonaws.ssm#InvalidInstanceId", "InvalidInstanceId" },
		{ "ValidationException:http://internal.amazon.com/coral/"
		    "com.amazon.coral.validate/", "ValidationException" },
		/* the ':' cut comes first: a '#' in the URL must not win */
		{ "ValidationException:http://internal.amazon.com/x#frag",
		    "ValidationException" },
		{ "com.amazon.coral#AccessDeniedException:http://x/#y",
		    "AccessDeniedException" },
		/* ssm-data-channel.md 2.2 */
		{ "TargetNotConnected", "TargetNotConnected" },
		{ "a#b#ThrottlingException", "ThrottlingException" },
		{ "", "" },
		{ "#", "" },
		{ ":x", "" },
		{ " ExpiredTokenException ", "ExpiredTokenException" },
	};
	size_t	 i;
	char	*got;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		got = aws_error_normalize_code(cases[i][0]);
		assert_string_equal(got, cases[i][1]);
		free(got);
	}
}

static void
test_aws_errors_parse_json_bodies(void **state)
{
	static const struct {
		long		 status;
		const char	*body;
		const char	*header;
		const char	*code;
		const char	*message;
		int		 unparsed;
	} cases[] = {
		{ 400, "{\"__type\":\"TargetNotConnected\",\"Message\":"
		    "\"i-0123456789abcdef0 is not connected.\"}", NULL,
		    "TargetNotConnected",
		    "i-0123456789abcdef0 is not connected.", 0 },
		{ 400, "{\"__type\":\"com.amazonaws.ssm#InvalidFilterKey\","
		    "\"message\":\"bad key\"}", NULL, "InvalidFilterKey",
		    "bad key", 0 },
		/* message wins over Message when both are there */
		{ 400, "{\"__type\":\"X\",\"message\":\"a\",\"Message\":\"b\"}",
		    NULL, "X", "a", 0 },
		/* some services use code */
		{ 400, "{\"code\":\"ValidationException:http://a/#b\"}", NULL,
		    "ValidationException", "", 0 },
		/* no code in the body: the header, trimmed the same way */
		{ 400, "{\"message\":\"Rate exceeded\"}",
		    "ThrottlingException:http://internal.amazon.com/",
		    "ThrottlingException", "Rate exceeded", 0 },
		/* the body wins over the header */
		{ 400, "{\"__type\":\"A\"}", "B", "A", "", 0 },
		/* neither: the status as text */
		{ 403, "{}", NULL, "403", "", 0 },
		/* not JSON: transport class, raw text as the message */
		{ 502, "<html><body>Bad Gateway</body></html>", NULL, "502",
		    "<html><body>Bad Gateway</body></html>", 1 },
		{ 503, "", NULL, "503", "", 1 },
		{ 500, "", "InternalServerError", "InternalServerError", "", 1 },
		/* JSON but not an object */
		{ 400, "[1,2]", NULL, "400", "[1,2]", 1 },
		{ 400, "\"x\"", NULL, "400", "\"x\"", 1 },
		/* a code of the wrong type is ignored */
		{ 400, "{\"__type\":5,\"Message\":\"m\"}", "H", "H", "m", 0 },
		/* control characters never reach a log line */
		{ 400, "{\"__type\":\"X\",\"message\":\"two\\nlines\\r\\n\"}",
		    NULL, "X", "two lines", 0 },
	};
	struct aws_error	 err;
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		aws_error_parse_json(cases[i].status, cases[i].body,
		    strlen(cases[i].body), cases[i].header, &err);
		assert_string_equal(err.code, cases[i].code);
		assert_string_equal(err.message, cases[i].message);
		assert_int_equal(err.unparsed, cases[i].unparsed);
		aws_error_clear(&err);
	}
}

static void
test_aws_errors_message_is_bounded(void **state)
{
	struct aws_error	 err;
	char			*body;
	size_t			 len = 100000;

	body = malloc(len);
	assert_non_null(body);
	memset(body, 'x', len);
	aws_error_parse_json(500, body, len, NULL, &err);
	assert_int_equal(err.unparsed, 1);
	assert_true(strlen(err.message) <= AWS_ERROR_MESSAGE_MAX);
	assert_string_equal(err.message + strlen(err.message) - 3, "...");
	aws_error_clear(&err);
	free(body);
}

static void
test_aws_errors_tables(void **state)
{
	static const struct {
		const char	*code;
		int		 throttling, transient, skew, expired;
	} cases[] = {
		{ "ThrottlingException", 1, 0, 0, 0 },
		{ "Throttling", 1, 0, 0, 0 },
		{ "TooManyRequestsException", 1, 0, 0, 0 },
		{ "RequestLimitExceeded", 1, 0, 0, 0 },
		{ "EC2ThrottledException", 1, 0, 0, 0 },
		{ "PriorRequestNotComplete", 1, 1, 0, 0 },
		{ "RequestTimeout", 0, 1, 0, 0 },
		{ "RequestTimeoutException", 0, 1, 0, 0 },
		{ "IDPCommunicationError", 0, 1, 0, 0 },
		{ "RequestTimeTooSkewed", 0, 0, 1, 0 },
		{ "InvalidSignatureException", 0, 0, 1, 0 },
		{ "SignatureDoesNotMatch", 0, 0, 1, 0 },
		{ "AuthFailure", 0, 0, 1, 0 },
		{ "ExpiredToken", 0, 0, 0, 1 },
		{ "ExpiredTokenException", 0, 0, 0, 1 },
		{ "AccessDeniedException", 0, 0, 0, 0 },
		{ "TargetNotConnected", 0, 0, 0, 0 },
		{ "throttlingexception", 0, 0, 0, 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(aws_error_is_throttling(cases[i].code),
		    cases[i].throttling);
		assert_int_equal(aws_error_is_transient(cases[i].code),
		    cases[i].transient);
		assert_int_equal(aws_error_is_clock_skew(cases[i].code),
		    cases[i].skew);
		assert_int_equal(aws_error_is_expired_token(cases[i].code),
		    cases[i].expired);
	}
	assert_int_equal(aws_error_is_throttling(NULL), 0);
}

static void
test_aws_errors_one_line(void **state)
{
	char	*s;

	s = aws_error_one_line("  a\t\tb  ", 8, 100);
	assert_string_equal(s, "a b");
	free(s);
	s = aws_error_one_line("abcdefghij", 10, 6);
	assert_string_equal(s, "abc...");
	free(s);
	s = aws_error_one_line("", 0, 6);
	assert_string_equal(s, "");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aws_errors_normalize_spec_examples),
		cmocka_unit_test(test_aws_errors_parse_json_bodies),
		cmocka_unit_test(test_aws_errors_message_is_bounded),
		cmocka_unit_test(test_aws_errors_tables),
		cmocka_unit_test(test_aws_errors_one_line),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
