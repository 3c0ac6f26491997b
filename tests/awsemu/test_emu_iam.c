/*
 * Unit tests for awsemu's IAM evaluator (emu_iam.c): wildcards,
 * ${aws:userid}, the condition keys gatewayd's policy uses, explicit Deny
 * over Allow, AWS's denial messages, and the policies it refuses to load.
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

#include "emu.h"
#include "emu_iam.h"

struct emu	emu;

/* The shape gatewayctl policy gives (tests/integration/policy.expected). */
static const char emu_test_policy[] =
    "{\"Version\": \"2012-10-17\", \"Statement\": ["
    "{\"Sid\": \"StartSessionUsEast1\", \"Effect\": \"Allow\","
    " \"Action\": [\"ssm:StartSession\"],"
    " \"Resource\": [\"arn:aws:ec2:us-east-1:*:instance/i-0123456789abcdef0\","
    "  \"arn:aws:ssm:us-east-1::document/AWS-StartPortForwardingSession\"],"
    " \"Condition\": {\"BoolIfExists\":"
    "  {\"ssm:SessionDocumentAccessCheck\": \"true\"}}},"
    "{\"Sid\": \"StartSessionTagNameUsEast1\", \"Effect\": \"Allow\","
    " \"Action\": \"ssm:StartSession\","
    " \"Resource\": \"arn:aws:ec2:us-east-1:*:instance/*\","
    " \"Condition\": {\"StringEquals\": {\"ssm:resourceTag/Name\":"
    "  [\"bastion\", \"db\"]}, \"BoolIfExists\":"
    "  {\"ssm:SessionDocumentAccessCheck\": \"true\"}}},"
    "{\"Sid\": \"DescribeInstancesUsEast1\", \"Effect\": \"Allow\","
    " \"Action\": [\"ssm:DescribeInstanceInformation\"], \"Resource\": \"*\","
    " \"Condition\": {\"StringEquals\": {\"aws:RequestedRegion\":"
    "  \"us-east-1\"}}},"
    "{\"Sid\": \"OwnSessionsUsEast1\", \"Effect\": \"Allow\","
    " \"Action\": [\"ssm:ResumeSession\", \"ssm:TerminateSession\"],"
    " \"Resource\": [\"arn:aws:ssm:us-east-1:*:session/${aws:userid}-*\"]}"
    "]}";

static cJSON *
emu_test_parse(const char *text)
{
	cJSON	*p = cJSON_Parse(text);
	char	*cause = NULL;

	assert_non_null(p);
	if (emu_iam_check_policy(p, &cause) != 0)
		fail_msg("policy refused: %s", cause);
	return (p);
}

static enum emu_iam_decision
emu_test_eval(const cJSON *p, const char *action, const char *resource,
    const struct emu_tag *tags, size_t ntags, const char *doc_check)
{
	struct emu_iam_req	req;

	memset(&req, 0, sizeof req);
	req.action = action;
	req.resource = resource;
	req.userid = "alice";
	req.region = "us-east-1";
	req.doc_check = doc_check;
	req.tags = tags;
	req.ntags = ntags;
	return (emu_iam_eval(p, &req));
}

static void
test_emu_iam_wildcards(void **state)
{
	assert_true(emu_iam_match("arn:aws:ec2:*:*:instance/i-0a?c",
	    "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc", 0));
	assert_false(emu_iam_match("arn:aws:ec2:*:*:instance/i-0a?c",
	    "arn:aws:ec2:us-east-1:123456789012:instance/i-0abcd", 0));
	assert_true(emu_iam_match("*", "", 0));
	assert_true(emu_iam_match("a*b*c", "aXbYbZc", 0));
	assert_false(emu_iam_match("a*b*c", "aXbYbZ", 0));
	/* Actions ignore case; resources do not. */
	assert_true(emu_iam_match("ssm:startsession", "ssm:StartSession", 1));
	assert_false(emu_iam_match("arn:aws:ec2:*:*:instance/I-*",
	    "arn:aws:ec2:r:a:instance/i-1", 0));
}

static void
test_emu_iam_resources_and_conditions(void **state)
{
	cJSON			*p = emu_test_parse(emu_test_policy);
	const struct emu_tag	 bastion = { "Name", "bastion" };
	const struct emu_tag	 other = { "Name", "web" };
	const struct emu_tag	 lower = { "name", "bastion" };
	const char		*inst =
	    "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0";
	const char		*inst2 =
	    "arn:aws:ec2:us-east-1:123456789012:instance/i-0fedcba987654321f";

	assert_int_equal(emu_test_eval(p, "ssm:StartSession", inst, NULL, 0,
	    "true"), EMU_IAM_ALLOW);
	assert_int_equal(emu_test_eval(p, "ssm:StartSession", inst2, NULL, 0,
	    "true"), EMU_IAM_IMPLICIT_DENY);
	/* The tag statement: the instance's tag, exactly, key and value. */
	assert_int_equal(emu_test_eval(p, "ssm:StartSession", inst2,
	    &bastion, 1, "true"), EMU_IAM_ALLOW);
	assert_int_equal(emu_test_eval(p, "ssm:StartSession", inst2, &other,
	    1, "true"), EMU_IAM_IMPLICIT_DENY);
	assert_int_equal(emu_test_eval(p, "ssm:StartSession", inst2, &lower,
	    1, "true"), EMU_IAM_IMPLICIT_DENY);
	/* The document check: an unnamed document fails it; no key passes. */
	assert_int_equal(emu_test_eval(p, "ssm:StartSession",
	    "arn:aws:ssm:us-east-1::document/AWS-StartPortForwardingSession",
	    NULL, 0, "false"), EMU_IAM_IMPLICIT_DENY);
	assert_int_equal(emu_test_eval(p, "ssm:StartSession",
	    "arn:aws:ssm:us-east-1::document/AWS-StartPortForwardingSession",
	    NULL, 0, NULL), EMU_IAM_ALLOW);
	assert_int_equal(emu_test_eval(p, "ssm:StartSession",
	    "arn:aws:ssm:us-east-1::document/AWS-StartSSHSession", NULL, 0,
	    "true"), EMU_IAM_IMPLICIT_DENY);
	/* Another action on an allowed resource. */
	assert_int_equal(emu_test_eval(p, "ssm:SendCommand", inst, NULL, 0,
	    "true"), EMU_IAM_IMPLICIT_DENY);
	/* ${aws:userid}: one's own sessions only. */
	assert_int_equal(emu_test_eval(p, "ssm:ResumeSession",
	    "arn:aws:ssm:us-east-1:123456789012:session/alice-0123456789abcdef0",
	    NULL, 0, NULL), EMU_IAM_ALLOW);
	assert_int_equal(emu_test_eval(p, "ssm:TerminateSession",
	    "arn:aws:ssm:us-east-1:123456789012:session/bob-0123456789abcdef0",
	    NULL, 0, NULL), EMU_IAM_IMPLICIT_DENY);
	assert_int_equal(emu_test_eval(p, "ssm:ResumeSession",
	    "arn:aws:ssm:eu-west-1:123456789012:session/alice-0123456789abcdef0",
	    NULL, 0, NULL), EMU_IAM_IMPLICIT_DENY);
	/* aws:RequestedRegion. */
	assert_int_equal(emu_test_eval(p, "ssm:DescribeInstanceInformation",
	    "*", NULL, 0, NULL), EMU_IAM_ALLOW);
	cJSON_Delete(p);
}

static void
test_emu_iam_deny_wins(void **state)
{
	cJSON	*p = emu_test_parse("{\"Statement\": ["
	    "{\"Effect\": \"Allow\", \"Action\": \"ssm:*\", \"Resource\": \"*\"},"
	    "{\"Effect\": \"Deny\", \"Action\": \"ssm:StartSession\","
	    " \"Resource\": \"arn:aws:ec2:*:*:instance/*\","
	    " \"Condition\": {\"StringNotEquals\": {\"ssm:resourceTag/Env\":"
	    "  \"dev\"}}}]}");
	const struct emu_tag	dev = { "Env", "dev" };
	const struct emu_tag	prod = { "Env", "prod" };
	const char		*inst = "arn:aws:ec2:r:a:instance/i-1";

	assert_int_equal(emu_test_eval(p, "ssm:StartSession", inst, &dev, 1,
	    NULL), EMU_IAM_ALLOW);
	assert_int_equal(emu_test_eval(p, "ssm:StartSession", inst, &prod, 1,
	    NULL), EMU_IAM_EXPLICIT_DENY);
	/* A Not operator holds when the key is missing. */
	assert_int_equal(emu_test_eval(p, "ssm:StartSession", inst, NULL, 0,
	    NULL), EMU_IAM_EXPLICIT_DENY);
	assert_int_equal(emu_test_eval(p, "ssm:ResumeSession", inst, &prod, 1,
	    NULL), EMU_IAM_ALLOW);
	cJSON_Delete(p);
}

static void
test_emu_iam_messages(void **state)
{
	struct emu_cred		c;
	struct emu_iam_req	req;
	char			*why = NULL;

	memset(&c, 0, sizeof c);
	c.arn = "arn:aws:iam::123456789012:user/alice";
	memset(&req, 0, sizeof req);
	req.action = "ssm:StartSession";
	req.resource = "arn:aws:ec2:us-east-1:123456789012:instance/i-1";
	/* No policy: anything goes (the keys of every other test). */
	assert_int_equal(emu_iam_decide(&c, &req, &why), 0);
	c.policy = emu_test_parse("{\"Statement\": {\"Effect\": \"Deny\","
	    " \"Action\": \"ssm:TerminateSession\", \"Resource\": \"*\"}}");
	assert_int_equal(emu_iam_decide(&c, &req, &why), -1);
	assert_string_equal(why, "User: arn:aws:iam::123456789012:user/alice "
	    "is not authorized to perform: ssm:StartSession on resource: "
	    "arn:aws:ec2:us-east-1:123456789012:instance/i-1 because no "
	    "identity-based policy allows the ssm:StartSession action");
	free(why);
	why = NULL;
	req.action = "ssm:TerminateSession";
	assert_int_equal(emu_iam_decide(&c, &req, &why), -1);
	assert_non_null(strstr(why, "with an explicit deny"));
	free(why);
	cJSON_Delete(c.policy);
}

static void
test_emu_iam_refuses_what_it_cannot_evaluate(void **state)
{
	static const struct {
		const char	*policy;
		const char	*cause;
	} bad[] = {
		{ "[]", "not an object" },
		{ "{\"Statement\": 1}", "Statement: an object or a list" },
		{ "{\"Statement\": [{\"Effect\": \"Maybe\", \"Action\": \"*\","
		  " \"Resource\": \"*\"}]}", "Effect" },
		{ "{\"Statement\": [{\"Effect\": \"Allow\", \"NotAction\": "
		  "\"*\", \"Resource\": \"*\"}]}", "NotAction: not supported" },
		{ "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": [],"
		  " \"Resource\": \"*\"}]}", "Action and Resource" },
		{ "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\","
		  " \"Resource\": \"*\", \"Condition\": {\"IpAddress\": "
		  "{\"aws:SourceIp\": \"10.0.0.0/8\"}}}]}", "IpAddress" },
		{ "{\"Statment\": []}", "Statment: not a policy element" },
	};
	cJSON	*p;
	char	*cause;
	size_t	 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		p = cJSON_Parse(bad[i].policy);
		assert_non_null(p);
		assert_int_equal(emu_iam_check_policy(p, &cause), -1);
		if (strstr(cause, bad[i].cause) == NULL)
			fail_msg("%s: got \"%s\", want \"%s\"", bad[i].policy,
			    cause, bad[i].cause);
		free(cause);
		cJSON_Delete(p);
	}
}

/* The world file carries a key's policy, and refuses a bad one. */
static void
test_emu_iam_world_keys(void **state)
{
	static const char good[] = "{\"keys\": [{\"access_key_id\": \"AKIAP\","
	    " \"secret_access_key\": \"s\", \"policy\": {\"Statement\": []}}]}";
	static const char bad[] = "{\"keys\": [{\"access_key_id\": \"AKIAP\","
	    " \"secret_access_key\": \"s\", \"policy\": {\"Statement\": "
	    "[{\"Effect\": \"Allow\"}]}}]}";
	struct emu_registry	*reg;
	char			*cause = NULL;

	reg = emu_registry_parse(good, strlen(good), "w.json", &cause);
	assert_non_null(reg);
	assert_non_null(reg->keys[1].policy);
	assert_null(reg->keys[0].policy);
	emu_registry_free(reg);
	assert_null(emu_registry_parse(bad, strlen(bad), "w.json", &cause));
	assert_non_null(strstr(cause, "w.json: keys[0].policy: "));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emu_iam_wildcards),
		cmocka_unit_test(test_emu_iam_resources_and_conditions),
		cmocka_unit_test(test_emu_iam_deny_wins),
		cmocka_unit_test(test_emu_iam_messages),
		cmocka_unit_test(test_emu_iam_refuses_what_it_cannot_evaluate),
		cmocka_unit_test(test_emu_iam_world_keys),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
