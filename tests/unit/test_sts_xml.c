/*
 * Unit tests for sts_xml.c: STS answers (good, error, garbage), the query
 * encoding and ARN accounts.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws_error.h"
#include "aws_sts.h"

#define NS	"xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\""

static const char assume_role[] =
    "<AssumeRoleResponse " NS ">\n"
    "  <AssumeRoleResult>\n"
    "    <SourceIdentity>alice</SourceIdentity>\n"
    "    <AssumedRoleUser>\n"
    "      <Arn>arn:aws:sts::123456789012:assumed-role/demo/s1</Arn>\n"
    "      <AssumedRoleId>ARO123EXAMPLE123:s1</AssumedRoleId>\n"
    "    </AssumedRoleUser>\n"
    "    <Credentials>\n"
    "      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>\n"
    "      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
    "</SecretAccessKey>\n"
    "      <SessionToken>\n  AQoDYXdzEPT//////////wEXAMPLE\n</SessionToken>\n"
    "      <Expiration>2019-11-09T13:34:41.123Z</Expiration>\n"
    "    </Credentials>\n"
    "    <PackedPolicySize>6</PackedPolicySize>\n"
    "  </AssumeRoleResult>\n"
    "  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7"
    "</RequestId></ResponseMetadata>\n"
    "</AssumeRoleResponse>\n";

static const char web_identity[] =
    "<?xml version=\"1.0\"?>"
    "<AssumeRoleWithWebIdentityResponse " NS ">"
    "<AssumeRoleWithWebIdentityResult>"
    "<SubjectFromWebIdentityToken>amzn1.account.X</SubjectFromWebIdentityToken>"
    "<Audience>client.5498841531868486423.1548@apps.example.com</Audience>"
    "<AssumedRoleUser><Arn>arn:aws:sts::210987654321:assumed-role/FedRole/app1"
    "</Arn><AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId>"
    "</AssumedRoleUser>"
    "<Credentials><SessionToken>tok</SessionToken>"
    "<SecretAccessKey>sec</SecretAccessKey>"
    "<Expiration>2014-10-24T23:00:23Z</Expiration>"
    "<AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId></Credentials>"
    "<Unknown><Nested/></Unknown>"
    "<Provider>www.amazon.com</Provider>"
    "</AssumeRoleWithWebIdentityResult>"
    "</AssumeRoleWithWebIdentityResponse>";

static const char caller_identity[] =
    "<GetCallerIdentityResponse " NS ">"
    "<GetCallerIdentityResult>"
    "<Arn>arn:aws:iam::123456789012:user/Alice</Arn>"
    "<UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>"
    "<Account>123456789012</Account>"
    "</GetCallerIdentityResult>"
    "<ResponseMetadata><RequestId>01234567-89ab</RequestId>"
    "</ResponseMetadata></GetCallerIdentityResponse>";

static void
test_sts_xml_good_responses(void **state)
{
	struct aws_sts_result	 r;
	char			*cause = NULL;

	assert_int_equal(aws_sts_xml_parse("AssumeRole", assume_role,
	    strlen(assume_role), &r, &cause), 0);
	assert_string_equal(r.access_key_id, "ASIAIOSFODNN7EXAMPLE");
	assert_string_equal(r.secret_access_key,
	    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
	assert_string_equal(r.session_token, "AQoDYXdzEPT//////////wEXAMPLE");
	assert_int_equal(r.expiration, 1573306481);
	assert_string_equal(r.arn, "arn:aws:sts::123456789012:assumed-role/"
	    "demo/s1");
	assert_string_equal(r.account, "123456789012");
	assert_string_equal(r.user_id, "ARO123EXAMPLE123:s1");
	assert_string_equal(r.request_id,
	    "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
	aws_sts_result_clear(&r);

	assert_int_equal(aws_sts_xml_parse("AssumeRoleWithWebIdentity",
	    web_identity, strlen(web_identity), &r, &cause), 0);
	assert_string_equal(r.access_key_id, "ASgeIAIOSFODNN7EXAMPLE");
	assert_string_equal(r.session_token, "tok");
	assert_int_equal(r.expiration, 1414191623);
	assert_string_equal(r.account, "210987654321");
	assert_null(r.request_id);
	aws_sts_result_clear(&r);

	assert_int_equal(aws_sts_xml_parse("GetCallerIdentity",
	    caller_identity, strlen(caller_identity), &r, &cause), 0);
	assert_string_equal(r.account, "123456789012");
	assert_string_equal(r.arn, "arn:aws:iam::123456789012:user/Alice");
	assert_string_equal(r.user_id, "AIDACKCEVSQ6C2EXAMPLE");
	assert_null(r.access_key_id);
	aws_sts_result_clear(&r);
}

static void
test_sts_xml_error_responses(void **state)
{
	static const struct {
		long		 status;
		const char	*body;
		const char	*code, *message;
		int		 rv;
	} cases[] = {
		{ 403, "<ErrorResponse " NS "><Error><Type>Sender</Type>"
		    "<Code>AccessDenied</Code><Message>User: arn:aws:iam::1:"
		    "user/x is not authorized</Message></Error>"
		    "<RequestId>r1</RequestId></ErrorResponse>",
		    "AccessDenied", "User: arn:aws:iam::1:user/x is not "
		    "authorized", 0 },
		{ 400, "<ErrorResponse><Error><Code>ExpiredToken</Code>"
		    "</Error></ErrorResponse>", "ExpiredToken", "", 0 },
		{ 400, "<ErrorResponse><Error><Code>Throttling</Code><Message>"
		    "Rate\nexceeded</Message></Error></ErrorResponse>",
		    "Throttling", "Rate exceeded", 0 },
		{ 503, "<html>down</html>", "503", "<html>down</html>", -1 },
		{ 500, "", "500", "", -1 },
		{ 400, "<ErrorResponse><Error></Error></ErrorResponse>", "400",
		    "<ErrorResponse><Error></Error></ErrorResponse>", -1 },
		{ 400, "{\"__type\":\"X\"}", "X", "", -1 },
	};
	struct aws_error	err;
	size_t			i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(aws_sts_xml_error(cases[i].status,
		    cases[i].body, strlen(cases[i].body), &err), cases[i].rv);
		assert_string_equal(err.code, cases[i].code);
		assert_string_equal(err.message, cases[i].message);
		assert_int_equal(err.unparsed, cases[i].rv != 0);
		aws_error_clear(&err);
	}
}

static void
test_sts_xml_garbage(void **state)
{
	static const struct {
		const char	*op, *body, *cause;
	} cases[] = {
		{ "AssumeRole", "", "response is not XML" },
		{ "AssumeRole", "not xml at all", "response is not XML" },
		{ "AssumeRole", "<AssumeRoleResponse>", "response is not XML" },
		{ "AssumeRole", "<Other/>", "response is not AssumeRoleResponse" },
		{ "AssumeRole", "<AssumeRoleResponse/>",
		    "no AssumeRoleResult in the response" },
		{ "AssumeRole", "<AssumeRoleResponse><AssumeRoleResult/>"
		    "</AssumeRoleResponse>", "no Credentials in the response" },
		{ "AssumeRole", "<AssumeRoleResponse><AssumeRoleResult>"
		    "<Credentials><AccessKeyId>A</AccessKeyId>"
		    "<SessionToken>T</SessionToken></Credentials>"
		    "</AssumeRoleResult></AssumeRoleResponse>",
		    "no Credentials/SecretAccessKey in the response" },
		{ "AssumeRole", "<AssumeRoleResponse><AssumeRoleResult>"
		    "<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>"
		    "S</SecretAccessKey><SessionToken>T</SessionToken>"
		    "<Expiration>tomorrow</Expiration></Credentials>"
		    "</AssumeRoleResult></AssumeRoleResponse>",
		    "Credentials/Expiration is not a time" },
		{ "GetCallerIdentity", "<GetCallerIdentityResponse>"
		    "<GetCallerIdentityResult><Arn>a</Arn></GetCallerIdentityResult>"
		    "</GetCallerIdentityResponse>",
		    "no Account in the response" },
		/* no DTD, so no entity expansion of any kind */
		{ "GetCallerIdentity", "<!DOCTYPE x [<!ENTITY a \"aaaa\">]>"
		    "<GetCallerIdentityResponse/>", "response is not XML" },
	};
	struct aws_sts_result	 r;
	char			*cause;
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = NULL;
		assert_int_equal(aws_sts_xml_parse(cases[i].op, cases[i].body,
		    strlen(cases[i].body), &r, &cause), -1);
		assert_string_equal(cause, cases[i].cause);
		assert_null(r.access_key_id);
		free(cause);
	}
}

static void
test_sts_xml_query_encoding(void **state)
{
	char	*body = NULL;

	aws_sts_query_add(&body, "Action", "AssumeRole");
	aws_sts_query_add(&body, "Version", "2011-06-15");
	aws_sts_query_add(&body, "RoleArn", "arn:aws:iam::1:role/a b+c");
	aws_sts_query_add(&body, "RoleSessionName", "x~y_z.-@=,");
	assert_string_equal(body, "Action=AssumeRole&Version=2011-06-15&"
	    "RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b%2Bc&"
	    "RoleSessionName=x~y_z.-%40%3D%2C");
	free(body);
}

static void
test_sts_xml_arn_account(void **state)
{
	static const char *cases[][2] = {
		{ "arn:aws:sts::123456789012:assumed-role/r/s", "123456789012" },
		{ "arn:aws-cn:iam::111122223333:user/x", "111122223333" },
		{ "arn:aws:iam:::user/x", NULL },
		{ "not-an-arn", NULL },
		{ "arn:aws:iam::1", NULL },
	};
	size_t	 i;
	char	*a;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		a = aws_sts_arn_account(cases[i][0]);
		if (cases[i][1] == NULL)
			assert_null(a);
		else
			assert_string_equal(a, cases[i][1]);
		free(a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sts_xml_good_responses),
		cmocka_unit_test(test_sts_xml_error_responses),
		cmocka_unit_test(test_sts_xml_garbage),
		cmocka_unit_test(test_sts_xml_query_encoding),
		cmocka_unit_test(test_sts_xml_arn_account),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
