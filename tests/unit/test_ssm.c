/*
 * Unit tests for ssm.c: the JSON bodies both ways, and
 * DescribeInstanceInformation against a fake SSM that pages it. The
 * session calls are the data channel's, tested in test_ssm_chan.c.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/http.h>

#include "aws.h"
#include "aws_ssm.h"
#include "fakesrv.h"
#include "util.h"

static void
test_ssm_encode_bodies(void **state)
{
	const char		*host[] = { "db.example.internal" };
	const char		*port[] = { "5432" };
	const char		*local[] = { "15432" };
	const struct aws_ssm_param params[] = {
		{ "host", host, 1 }, { "portNumber", port, 1 },
		{ "localPortNumber", local, 1 },
	};
	struct aws_ssm_start	 s = { "i-0123456789abcdef0",
	    "AWS-StartPortForwardingSessionToRemoteHost", params, 3,
	    "gatewayd db" };
	const char		*tags[] = { "bastion", "jump" };
	struct aws_ssm_filter	 f = { "tag:Role", tags, 2 };
	char			*b;

	b = aws_ssm_encode_start_session(&s);
	assert_string_equal(b, "{\"Target\":\"i-0123456789abcdef0\","
	    "\"DocumentName\":\"AWS-StartPortForwardingSessionToRemoteHost\","
	    "\"Parameters\":{\"host\":[\"db.example.internal\"],"
	    "\"portNumber\":[\"5432\"],\"localPortNumber\":[\"15432\"]},"
	    "\"Reason\":\"gatewayd db\"}");
	free(b);
	s.nparams = 0;
	s.reason = NULL;
	b = aws_ssm_encode_start_session(&s);
	assert_string_equal(b, "{\"Target\":\"i-0123456789abcdef0\","
	    "\"DocumentName\":\"AWS-StartPortForwardingSessionToRemoteHost\"}");
	free(b);
	b = aws_ssm_encode_describe(&f, 1, 50, NULL);
	assert_string_equal(b, "{\"Filters\":[{\"Key\":\"tag:Role\","
	    "\"Values\":[\"bastion\",\"jump\"]}],\"MaxResults\":50}");
	free(b);
	b = aws_ssm_encode_describe(NULL, 0, 0, "tok");
	assert_string_equal(b, "{\"NextToken\":\"tok\"}");
	free(b);
	b = aws_ssm_encode_session_id("alice-0123");
	assert_string_equal(b, "{\"SessionId\":\"alice-0123\"}");
	free(b);
}

static void
test_ssm_decode_answers(void **state)
{
	static const struct {
		const char	*body;
		int		 resume, rv;
		const char	*cause;
	} cases[] = {
		{ "{\"SessionId\":\"a-1\",\"TokenValue\":\"T+/=\",\"StreamUrl\":"
		    "\"wss://ssmmessages.eu-west-1.amazonaws.com/v1/data-channel/"
		    "a-1?role=publish_subscribe\",\"Extra\":1}", 0, 0, NULL },
		{ "{\"SessionId\":\"a-1\",\"TokenValue\":\"T\"}", 1, 0, NULL },
		{ "{\"SessionId\":\"a-1\",\"TokenValue\":\"\"}", 1, -1,
		    "session ended" },
		{ "{\"SessionId\":\"a-1\",\"TokenValue\":null}", 1, -1,
		    "session ended" },
		{ "{\"SessionId\":\"a-1\",\"TokenValue\":\"T\"}", 0, -1,
		    "SessionId, TokenValue and StreamUrl are required" },
		{ "[]", 0, -1, "the answer is not a JSON object" },
		{ "", 0, -1, "the answer is not a JSON object" },
	};
	struct aws_ssm_session	 s;
	struct aws_ssm_instances l = { 0 };
	char			*cause, *next;
	const char		*page = "{\"InstanceInformationList\":["
	    "{\"InstanceId\":\"i-1\",\"PingStatus\":\"Online\",\"AgentVersion\":"
	    "\"3.3.987.0\",\"LastPingDateTime\":1.700000000123E9},"
	    "{\"PingStatus\":\"Online\"},\"junk\","
	    "{\"InstanceId\":\"i-2\",\"PingStatus\":\"ConnectionLost\"}],"
	    "\"NextToken\":\"n2\"}";
	int			 connected;
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = NULL;
		assert_int_equal(aws_ssm_decode_session(cases[i].body,
		    strlen(cases[i].body), cases[i].resume, &s, &cause),
		    cases[i].rv);
		if (cases[i].rv == 0) {
			assert_string_equal(s.session_id, "a-1");
			aws_ssm_session_clear(&s);
		} else {
			assert_string_equal(cause, cases[i].cause);
			free(cause);
		}
	}
	assert_int_equal(aws_ssm_decode_describe(page, strlen(page), &l, &next,
	    &cause), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].agent_version, "3.3.987.0");
	assert_true(l.v[0].last_ping > 1700000000.0);
	assert_string_equal(l.v[1].ping_status, "ConnectionLost");
	assert_string_equal(next, "n2");
	free(next);
	aws_ssm_instances_clear(&l);
	assert_int_equal(aws_ssm_decode_connection_status(
	    "{\"Target\":\"i-1\",\"Status\":\"notconnected\"}", 42, &connected,
	    &cause), 0);
	assert_int_equal(connected, 0);
}

/* The fake SSM: three pages of instances. */
static void
serve(struct fakesrv *srv, struct evhttp_request *req,
    const struct fakesrv_seen *seen, void *arg)
{
	const char	*t = seen->target != NULL ? seen->target : "";

	if (strcmp(t, "AmazonSSM.DescribeInstanceInformation") == 0) {
		if (strstr(seen->body, "\"NextToken\":\"p3\"") != NULL)
			fakesrv_reply(req, 200, "{\"InstanceInformationList\":"
			    "[{\"InstanceId\":\"i-5\"}]}", NULL);
		else if (strstr(seen->body, "\"NextToken\":\"p2\"") != NULL)
			fakesrv_reply(req, 200, "{\"InstanceInformationList\":"
			    "[{\"InstanceId\":\"i-3\"},{\"InstanceId\":\"i-4\"}],"
			    "\"NextToken\":\"p3\"}", NULL);
		else if (strstr(seen->body, "tag:Role") != NULL)
			fakesrv_reply(req, 200, "{\"InstanceInformationList\":"
			    "[{\"InstanceId\":\"i-1\"},{\"InstanceId\":\"i-2\"}],"
			    "\"NextToken\":\"p2\"}", NULL);
		else
			fakesrv_reply(req, 400, "{\"__type\":\"InvalidFilterKey\","
			    "\"message\":\"bad\"}", NULL);
	} else
		fakesrv_reply(req, 400, "{\"__type\":\"UnknownOperation\"}",
		    NULL);
}

struct out {
	int	 done;
	char	*what;
	char	*error;
	char	*code;
};

static int
out_done(void *arg)
{
	return (((struct out *)arg)->done != 0);
}

static void
out_set(struct out *o, const char *what, const char *error, const char *code)
{
	o->done++;
	o->what = what != NULL ? strdup(what) : NULL;
	o->error = error != NULL ? strdup(error) : NULL;
	o->code = code != NULL ? strdup(code) : NULL;
}

static void
out_clear(struct out *o)
{
	free(o->what);
	free(o->error);
	free(o->code);
	memset(o, 0, sizeof *o);
}

static void
describe_cb(const struct aws_ssm_instances *l, const char *error,
    const char *code, void *arg)
{
	char	ids[256] = "";
	size_t	i;

	for (i = 0; l != NULL && i < l->n; i++) {
		strlcat(ids, l->v[i].instance_id, sizeof ids);
		strlcat(ids, " ", sizeof ids);
	}
	out_set(arg, l != NULL ? ids : NULL, error, code);
}

static void
test_ssm_calls(void **state)
{
	struct event_base	*base = event_base_new();
	struct fakesrv		*srv = fakesrv_new(base, serve, NULL);
	struct aws_client	*client;
	struct aws_ctx		*ctx;
	struct out		 o = { 0 };
	char			*cause = NULL;
	const char		*role[] = { "bastion" };
	struct aws_ssm_filter	 f = { "tag:Role", role, 1 };

	test_aws_env_reset();
	setenv("AWS_ACCESS_KEY_ID", "AKIDSSM", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
	setenv("AWS_REGION", "eu-west-1", 1);
	client = aws_client_new(base, NULL, &cause);
	ctx = aws_ctx_new(client, NULL, NULL, fakesrv_url(srv), &cause);
	assert_non_null(ctx);

	aws_ssm_describe_instances(ctx, &f, 1, 2, describe_cb, &o);
	assert_int_equal(run_until(base, out_done, &o, 10000), 0);
	assert_null(o.error);
	assert_string_equal(o.what, "i-1 i-2 i-3 i-4 i-5 ");
	assert_int_equal(fakesrv_count(srv), 3);
	assert_non_null(strstr(fakesrv_get(srv, 0)->body, "\"MaxResults\":2"));
	out_clear(&o);

	aws_ssm_describe_instances(ctx, NULL, 0, 0, describe_cb, &o);
	assert_int_equal(run_until(base, out_done, &o, 10000), 0);
	assert_string_equal(o.error, "DescribeInstanceInformation: "
	    "InvalidFilterKey: bad");
	assert_string_equal(o.code, "InvalidFilterKey");
	out_clear(&o);

	aws_client_free(client);
	fakesrv_free(srv);
	event_base_free(base);
	test_aws_env_cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssm_encode_bodies),
		cmocka_unit_test(test_ssm_decode_answers),
		cmocka_unit_test(test_ssm_calls),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
