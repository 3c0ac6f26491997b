/*
 * Unit tests for the request layer (client.c, ctx.c, call.c), against a
 * fake service on 127.0.0.1 that checks every signature: retries (attempt
 * counts, the quota, timeouts), StartSession's non-idempotent rule,
 * ExpiredToken, clock skew, the one-line errors, cancellation and the API
 * budget under many concurrent calls.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/http.h>

#include "aws.h"
#include "aws_creds.h"
#include "bus.h"
#include "fakesrv.h"
#include "util.h"

#define AKID	"AKIDTESTAWSLAYER"
#define SECRET	"test-secret-for-the-request-layer"
#define NTEST_HEADERS	12	/* X-Test-0 ... X-Test-11: more than 8 */

/* What the fake service does with request number i (the last repeats). */
struct step {
	int		 status;
	const char	*body;
	const char	*header;	/* one extra "Name: value", or NULL */
	int		 hang;
};

struct env {
	struct event_base	*base;
	struct fakesrv		*srv;
	struct aws_client	*client;
	struct aws_ctx		*ctx;
	const struct step	*steps;
	size_t			 nsteps;
	size_t			 first;		/* index of the script's start */
	int			 throttle_once;	/* a third of bodies, once */
	unsigned		 bad_sigs;
	unsigned		 test_headers;	/* X-Test-N: vN seen, last */
};

struct result {
	int	 done;
	int	 ok;
	char	*error;
	char	*code;
	int	 transport;
	unsigned attempts;
};

static const struct step throttle = { .status = 400, .body =
    "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}" };
static const struct step ok = { .status = 200, .body = "{}" };

/* The X-Test-N headers of req that came with their value vN. */
static unsigned
count_test_headers(struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	const char		*v;
	char			 name[32], want[32];
	unsigned		 i, n = 0;

	for (i = 0; i < NTEST_HEADERS; i++) {
		snprintf(name, sizeof name, "X-Test-%u", i);
		snprintf(want, sizeof want, "v%u", i);
		if ((v = evhttp_find_header(h, name)) != NULL &&
		    strcmp(v, want) == 0)
			n++;
	}
	return (n);
}

static void
serve(struct fakesrv *srv, struct evhttp_request *req,
    const struct fakesrv_seen *seen, void *arg)
{
	struct env		*e = arg;
	const struct step	*s;
	size_t			 i = fakesrv_count(srv) - 1 - e->first;

	if (fakesrv_verify(req, seen, AKID, SECRET) != NULL)
		e->bad_sigs++;
	e->test_headers = count_test_headers(req);
	if (e->throttle_once) {
		size_t	j, before = 0;

		for (j = 0; j + 1 < fakesrv_count(srv); j++)
			before += strcmp(fakesrv_get(srv, j)->body,
			    seen->body) == 0;
		s = (before == 0 && atoi(seen->body + 5) % 3 == 2) ?
		    &throttle : &ok;
		fakesrv_reply(req, s->status, s->body, NULL);
		return;
	}
	s = &e->steps[i < e->nsteps ? i : e->nsteps - 1];
	if (s->hang)
		fakesrv_hang(srv, req);
	else
		fakesrv_reply(req, s->status, s->body, s->header, NULL);
}

static int
setup(void **state)
{
	struct env		*e = calloc(1, sizeof *e);
	struct aws_options	 o;
	char			*cause = NULL;

	test_aws_env_reset();
	setenv("AWS_ACCESS_KEY_ID", AKID, 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	setenv("AWS_REGION", "eu-west-1", 1);
	e->base = event_base_new();
	e->srv = fakesrv_new(e->base, serve, e);
	memset(&o, 0, sizeof o);
	o.backoff_base = 20;
	o.call_timeout = 500;
	o.api_rate = 1000;
	o.api_burst = 1000;
	e->client = aws_client_new(e->base, &o, &cause);
	assert_non_null(e->client);
	e->ctx = aws_ctx_new(e->client, NULL, NULL, fakesrv_url(e->srv),
	    &cause);
	if (e->ctx == NULL)
		fail_msg("ctx: %s", cause);
	*state = e;
	return (0);
}

static int
teardown(void **state)
{
	struct env	*e = *state;

	aws_client_free(e->client);
	fakesrv_free(e->srv);
	event_base_free(e->base);
	test_aws_env_cleanup();
	free(e);
	return (0);
}

static void
result_cb(const struct aws_response *r, void *arg)
{
	struct result	*res = arg;

	res->done++;
	res->ok = r->ok;
	res->error = r->error != NULL ? strdup(r->error) : NULL;
	res->code = r->code != NULL ? strdup(r->code) : NULL;
	res->transport = r->transport;
	res->attempts = r->attempts;
}

static void
result_clear(struct result *res)
{
	free(res->error);
	free(res->code);
	memset(res, 0, sizeof *res);
}

static int
is_done(void *arg)
{
	return (((struct result *)arg)->done != 0);
}

/* Run one SSM call to completion against the script. */
static void
call(struct env *e, const char *op, const struct step *steps, size_t n,
    struct result *res)
{
	memset(res, 0, sizeof *res);
	e->steps = steps;
	e->nsteps = n;
	e->first = fakesrv_count(e->srv);
	aws_call_json(e->ctx, "ssm", "AmazonSSM", op, strdup("{}"),
	    strcmp(op, "StartSession") == 0 ? AWS_CALL_NOT_IDEMPOTENT : 0,
	    NULL, result_cb, res);
	assert_int_equal(res->done, 0);
	assert_int_equal(run_until(e->base, is_done, res, 20000), 0);
	assert_int_equal(res->done, 1);
}

static void
test_aws_retries_throttling_then_succeeds(void **state)
{
	struct env		*e = *state;
	struct result		 res;
	const struct step	 steps[] = { throttle, throttle, ok };

	call(e, "DescribeInstanceInformation", steps, 3, &res);
	assert_true(res.ok);
	assert_int_equal(res.attempts, 3);
	assert_int_equal(fakesrv_count(e->srv), 3);
	assert_int_equal(e->bad_sigs, 0);	/* each attempt signed well */
	assert_string_equal(fakesrv_get(e->srv, 2)->target,
	    "AmazonSSM.DescribeInstanceInformation");
	/* two retries took 5 each; the success gave back the last one */
	assert_int_equal(aws_client_quota(e->client, fakesrv_url(e->srv)),
	    495);
	result_clear(&res);
}

static void
test_aws_gives_up_after_max_attempts(void **state)
{
	struct env	*e = *state;
	struct result	 res;

	call(e, "DescribeInstanceInformation", &throttle, 1, &res);
	assert_false(res.ok);
	assert_int_equal(res.attempts, 3);
	assert_string_equal(res.code, "ThrottlingException");
	assert_string_equal(res.error, "DescribeInstanceInformation: "
	    "ThrottlingException: Rate exceeded (after 3 attempts)");
	assert_int_equal(aws_client_quota(e->client, fakesrv_url(e->srv)),
	    490);
	result_clear(&res);
}

/*
 * A 200 that is not a JSON object did not come from AWS (a proxy's login
 * page, a wrong endpoint_url): the call fails, saying what came, its
 * status, Content-Type and first bytes, made printable and cut. Bytes of
 * what looks like JSON are not shown: they may hold a session token.
 */
static void
test_aws_non_json_answer_says_what_came(void **state)
{
	static const struct {
		struct step	 step;
		const char	*error;
	} cases[] = {
		{ { .status = 200, .body = "<!DOCTYPE html>\n<html>\r\n"
		    "\t<head><title>Proxy\x01 sign-in \xc3\xa9t\xc3\xa9"
		    "</title></head><body>Please sign in to continue</body>"
		    "</html>", .header = "Content-Type: text/html; "
		    "charset=utf-8" },
		    "StartSession: HTTP 200, Content-Type text/html; "
		    "charset=utf-8: the answer is not JSON, it begins "
		    "\"<!DOCTYPE html> <html> <head><title>Proxy sign-in "
		    "??t?\?</titl...\" (not AWS: a proxy or a wrong "
		    "endpoint?)" },
		{ { .status = 200, .body = "OK",
		    .header = "Content-Type: text/plain" },
		    "StartSession: HTTP 200, Content-Type text/plain: the "
		    "answer is "
		    "not JSON, it begins \"OK\" (not AWS: a proxy or a wrong "
		    "endpoint?)" },
		{ { .status = 200, .body = "{\"SessionId\":\"s-1\","
		    "\"TokenValue\":\"SECRET-TOKEN",
		    .header = "Content-Type: application/x-amz-json-1.1" },
		    "StartSession: HTTP 200, Content-Type "
		    "application/x-amz-json-1.1: the answer is not a JSON "
		    "object (45 bytes of malformed or cut JSON)" },
		{ { .status = 200, .body = "[1, 2]",
		    .header = "Content-Type: application/json" },
		    "StartSession: HTTP 200, Content-Type application/json: "
		    "the answer is not a JSON object (6 bytes of malformed or "
		    "cut JSON)" },
	};
	struct env	*e = *state;
	struct result	 res;
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		call(e, "StartSession", &cases[i].step, 1, &res);
		if (res.ok)
			fail_msg("case %zu: a non-JSON 200 was taken as an "
			    "answer", i);
		assert_string_equal(res.error, cases[i].error);
		assert_null(strstr(res.error, "SECRET"));
		assert_int_equal(res.transport, 1);
		assert_int_equal(res.attempts, 1);
		result_clear(&res);
	}
	/* A JSON object, however spaced, is an answer. */
	{
		const struct step	 spaced = { .status = 200,
		    .body = " \n{\"SessionId\": \"s-1\"}\n" };

		call(e, "StartSession", &spaced, 1, &res);
		assert_true(res.ok);
		result_clear(&res);
	}
}

/* Start a GetConnectionStatus carrying headers h[0..n-1]; run it out. */
static void
call_with_headers(struct env *e, const struct aws_header *h, size_t n,
    struct result *res)
{
	struct aws_request	req;

	memset(&req, 0, sizeof req);
	req.service = "ssm";
	req.operation = "GetConnectionStatus";
	req.proto = AWS_PROTO_JSON;
	req.target = "AmazonSSM.GetConnectionStatus";
	req.body = "{}";
	req.body_len = 2;
	req.headers = h;
	req.nheaders = n;
	memset(res, 0, sizeof *res);
	e->steps = &ok;
	e->nsteps = 1;
	e->first = fakesrv_count(e->srv);
	aws_call_start(e->ctx, &req, result_cb, res);
	assert_int_equal(run_until(e->base, is_done, res, 20000), 0);
}

/*
 * A call's headers are all sent and signed, however many it has; more
 * than the signer takes fail the call before anything is sent.
 */
static void
test_aws_sends_every_header(void **state)
{
	struct env		*e = *state;
	struct aws_header	 h[300];
	char			 names[NTEST_HEADERS][32];
	char			 values[NTEST_HEADERS][32];
	struct result		 res;
	size_t			 i;

	for (i = 0; i < NTEST_HEADERS; i++) {
		snprintf(names[i], sizeof names[i], "X-Test-%zu", i);
		snprintf(values[i], sizeof values[i], "v%zu", i);
		h[i].name = names[i];
		h[i].value = values[i];
	}
	call_with_headers(e, h, NTEST_HEADERS, &res);
	assert_true(res.ok);
	assert_int_equal(fakesrv_count(e->srv), 1);
	assert_int_equal(e->test_headers, NTEST_HEADERS);
	assert_int_equal(e->bad_sigs, 0);
	assert_non_null(strstr(fakesrv_get(e->srv, 0)->auth, "x-test-11;"));
	result_clear(&res);

	for (i = NTEST_HEADERS; i < 300; i++) {
		h[i].name = "X-Many";
		h[i].value = "m";
	}
	call_with_headers(e, h, 300, &res);
	assert_false(res.ok);
	assert_non_null(strstr(res.error, "GetConnectionStatus: cannot sign: "));
	assert_non_null(strstr(res.error, "is more than 256"));
	assert_int_equal(fakesrv_count(e->srv), 1);	/* nothing more sent */
	result_clear(&res);
}

static void
test_aws_final_errors_are_one_line(void **state)
{
	static const struct {
		struct step	 step;
		const char	*error;
		int		 transport;
		unsigned	 attempts;
	} cases[] = {
		{ { .status = 400, .body = "{\"__type\":\"AccessDeniedException\",\"Message\":"
		    "\"User x is not authorized to perform: ssm:StartSession\"}" },
		    "StartSession: AccessDeniedException: User x is not "
		    "authorized to perform: ssm:StartSession", 0, 1 },
		{ { .status = 400, .body = "{\"__type\":\"com.amazonaws.ssm#TargetNotConnected\","
		    "\"Message\":\"i-0123 is not connected.\"}" },
		    "StartSession: TargetNotConnected: i-0123 is not "
		    "connected.", 0, 1 },
		{ { .status = 400, .body = "{}",
		    .header = "x-amzn-ErrorType: InvalidDocument:http://x" },
		    "StartSession: InvalidDocument", 0, 1 },
		/* not JSON: transport class, and 5xx is retried */
		{ { .status = 502, .body = "<html>bad gateway</html>" },
		    "StartSession: HTTP 502: <html>bad gateway</html> "
		    "(after 3 attempts)", 1, 3 },
		{ { .status = 404, .body = "" }, "StartSession: HTTP 404: empty response", 1, 1 },
	};
	struct env	*e = *state;
	struct result	 res;
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		call(e, "StartSession", &cases[i].step, 1, &res);
		assert_false(res.ok);
		assert_string_equal(res.error, cases[i].error);
		assert_int_equal(res.transport, cases[i].transport);
		assert_int_equal(res.attempts, cases[i].attempts);
		result_clear(&res);
	}
}

static void
test_aws_start_session_not_repeated_after_send(void **state)
{
	struct env		*e = *state;
	struct result		 res;
	const struct step	 hang = { .hang = 1 };
	const struct step	 unavailable[] = { { .status = 503, .body = "{\"__type\":"
	    "\"ServiceUnavailable\"}" }, ok };

	/* a read timeout after the request went out: report, do not repeat */
	call(e, "StartSession", &hang, 1, &res);
	assert_false(res.ok);
	assert_true(res.transport);
	assert_int_equal(res.attempts, 1);
	assert_int_equal(fakesrv_count(e->srv), 1);
	result_clear(&res);
	/* an idempotent call is retried after timeouts, at 10 a retry */
	call(e, "DescribeInstanceInformation", &hang, 1, &res);
	assert_int_equal(res.attempts, 3);
	assert_int_equal(fakesrv_count(e->srv), 4);
	assert_int_equal(aws_client_quota(e->client, fakesrv_url(e->srv)),
	    480);
	result_clear(&res);
	/* 5xx: StartSession is retried (the service did not act) */
	call(e, "StartSession", unavailable, 2, &res);
	assert_true(res.ok);
	assert_int_equal(res.attempts, 2);
	result_clear(&res);
}

static void
test_aws_connect_refused_is_retried(void **state)
{
	struct env	*e = *state;
	struct result	 res;
	struct fakesrv	*gone;
	struct aws_ctx	*ctx;
	char		*cause = NULL, url[64];

	gone = fakesrv_new(e->base, serve, e);
	snprintf(url, sizeof url, "%s", fakesrv_url(gone));
	fakesrv_free(gone);
	ctx = aws_ctx_new(e->client, NULL, NULL, url, &cause);
	memset(&res, 0, sizeof res);
	aws_call_json(ctx, "ssm", "AmazonSSM", "StartSession", strdup("{}"),
	    AWS_CALL_NOT_IDEMPOTENT, NULL, result_cb, &res);
	assert_int_equal(run_until(e->base, is_done, &res, 20000), 0);
	/* nothing was sent: even StartSession may go again */
	assert_int_equal(res.attempts, 3);
	assert_true(res.transport);
	assert_non_null(strstr(res.error, "StartSession: "));
	assert_non_null(strstr(res.error, "(after 3 attempts)"));
	result_clear(&res);
	aws_ctx_free(ctx);
}

static void
test_aws_quota_runs_out(void **state)
{
	struct env		*e = *state;
	struct result		 res;
	const struct step	 fail = { .status = 500, .body = "{\"__type\":"
	    "\"InternalServerError\"}" };
	unsigned		 i;

	/* each failing call spends two retries of 5: 50 calls drain 500 */
	for (i = 0; i < 50; i++) {
		call(e, "GetConnectionStatus", &fail, 1, &res);
		assert_int_equal(res.attempts, 3);
		result_clear(&res);
	}
	assert_int_equal(aws_client_quota(e->client, fakesrv_url(e->srv)), 0);
	call(e, "GetConnectionStatus", &fail, 1, &res);
	assert_int_equal(res.attempts, 1);	/* no retry left */
	result_clear(&res);
	/* successes refill it one token at a time */
	call(e, "GetConnectionStatus", &ok, 1, &res);
	assert_int_equal(aws_client_quota(e->client, fakesrv_url(e->srv)), 1);
	result_clear(&res);
}

static void
test_aws_expired_token_refreshes_once(void **state)
{
	struct env		*e = *state;
	struct result		 res;
	const struct step	 expired = { .status = 400, .body = "{\"__type\":"
	    "\"ExpiredTokenException\",\"message\":\"expired\"}" };
	const struct step	 steps[] = { expired, ok };
	struct aws_creds_provider *p = aws_ctx_creds(e->ctx);

	call(e, "DescribeInstanceInformation", steps, 2, &res);
	assert_true(res.ok);
	assert_int_equal(res.attempts, 2);
	/* the first fetch, then the forced one */
	assert_int_equal(aws_creds_fetches(p), 2);
	result_clear(&res);
	/* twice in a row: refreshed once, then final */
	call(e, "DescribeInstanceInformation", &expired, 1, &res);
	assert_false(res.ok);
	assert_string_equal(res.code, "ExpiredTokenException");
	assert_int_equal(aws_creds_fetches(p), 3);
	result_clear(&res);
}

static void
test_aws_clock_skew_is_learnt(void **state)
{
	struct env		*e = *state;
	struct result		 res;
	char			 date[64], header[80];
	struct step		 steps[2] = { { .status = 400, .body = "{\"__type\":"
	    "\"InvalidSignatureException\",\"message\":\"Signature expired\"}" },
	    ok };
	time_t			 later = time(NULL) + 600;
	struct tm		 tm;

	gmtime_r(&later, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(header, sizeof header, "Date: %s", date);
	steps[0].header = header;
	call(e, "DescribeInstanceInformation", steps, 2, &res);
	assert_true(res.ok);
	assert_int_equal(res.attempts, 2);
	assert_true(aws_client_skew(e->client) > 590000);
	assert_true(aws_client_skew(e->client) < 610000);
	result_clear(&res);
	/* the same error once the skew is known: final, no retry */
	call(e, "DescribeInstanceInformation", &steps[0], 1, &res);
	assert_false(res.ok);
	assert_int_equal(res.attempts, 1);
	result_clear(&res);
}

static void
test_aws_cancel_never_calls_back(void **state)
{
	struct env		*e = *state;
	struct result		 res;
	struct aws_call		*c;
	const struct step	 hang = { .hang = 1 };

	memset(&res, 0, sizeof res);
	e->steps = &hang;
	e->nsteps = 1;
	c = aws_call_json(e->ctx, "ssm", "AmazonSSM", "TerminateSession",
	    strdup("{}"), 0, NULL, result_cb, &res);
	run_for(e->base, 100);
	assert_int_equal(aws_client_calls(e->client), 1);
	aws_call_cancel(c);
	assert_int_equal(aws_client_calls(e->client), 0);
	run_for(e->base, 700);
	assert_int_equal(res.done, 0);
}

struct many {
	struct result	 res[50];
	unsigned	 n;
};

static int
many_done(void *arg)
{
	struct many	*m = arg;
	unsigned	 i, n = 0;

	for (i = 0; i < m->n; i++)
		n += m->res[i].done;
	return (n == m->n);
}

static void
test_aws_budget_bounds_concurrent_calls(void **state)
{
	struct env		*e = *state;
	struct aws_options	 o;
	struct aws_client	*client;
	struct aws_ctx		*ctx;
	struct many		*m = calloc(1, sizeof *m);
	char			*cause = NULL;
	const unsigned		 rate = 20, burst = 5;
	uint64_t		 t0, t;
	unsigned		 i, attempts = 0;
	char			 body[32];

	/* 50 forwards start at once; the service throttles a third */
	memset(&o, 0, sizeof o);
	o.api_rate = rate;
	o.api_burst = burst;
	o.backoff_base = 50;
	client = aws_client_new(e->base, &o, &cause);
	ctx = aws_ctx_new(client, NULL, NULL, fakesrv_url(e->srv), &cause);
	e->throttle_once = 1;
	m->n = 50;
	t0 = clock_now_ms();
	for (i = 0; i < m->n; i++) {
		snprintf(body, sizeof body, "{\"n\":%u}", i);
		aws_call_json(ctx, "ssm", "AmazonSSM", "StartSession",
		    strdup(body), AWS_CALL_NOT_IDEMPOTENT, NULL, result_cb,
		    &m->res[i]);
	}
	assert_int_equal(run_until(e->base, many_done, m, 60000), 0);
	for (i = 0; i < m->n; i++) {
		assert_true(m->res[i].ok);	/* all of them, in the end */
		attempts += m->res[i].attempts;
		result_clear(&m->res[i]);
	}
	assert_int_equal(fakesrv_count(e->srv), attempts);
	assert_int_equal(attempts, m->n + 16);	/* n % 3 == 2, retried once */
	/* the k-th request to arrive, retries included, arrived no sooner
	 * than the bucket allows */
	for (i = 0; i < attempts; i++) {
		t = fakesrv_get(e->srv, i)->at_ms - t0;
		assert_true((double)(i + 1) <= burst +
		    (double)rate * (double)t / 1000.0 + 1.0);
	}
	assert_int_equal(e->bad_sigs, 0);
	aws_client_free(client);
	free(m);
}

static void
test_aws_ca_bundle_from_environment_and_profile(void **state)
{
	struct env	*e = *state;
	struct fakesrv	*tls;
	struct aws_client *client;
	struct aws_ctx	*ctx;
	struct result	 res;
	char		 ca[512], cfg[1024], *cause = NULL;
	int		 round;

	snprintf(ca, sizeof ca, "%s/ca.pem", getenv("HOME"));
	tls = fakesrv_new_tls(e->base, serve, e, ca);
	e->steps = &ok;
	e->nsteps = 1;
	e->first = 0;
	e->throttle_once = 0;
	for (round = 0; round < 3; round++) {
		unsetenv("AWS_CA_BUNDLE");
		unsetenv("AWS_CONFIG_FILE");
		if (round == 0)
			setenv("AWS_CA_BUNDLE", ca, 1);
		else if (round == 1) {
			snprintf(cfg, sizeof cfg, "[default]\nca_bundle = %s\n",
			    ca);
			setenv("AWS_CONFIG_FILE", test_write_file(getenv("HOME"),
			    "config", cfg), 1);
		}
		client = aws_client_new(e->base, NULL, &cause);
		ctx = aws_ctx_new(client, NULL, NULL, fakesrv_url(tls), &cause);
		memset(&res, 0, sizeof res);
		aws_call_json(ctx, "ssm", "AmazonSSM", "GetConnectionStatus",
		    strdup("{}"), 0, NULL, result_cb, &res);
		assert_int_equal(run_until(e->base, is_done, &res, 20000), 0);
		if (round < 2)
			assert_true(res.ok);
		else {
			/* no bundle: the system store refuses it, no retry */
			assert_false(res.ok);
			assert_true(res.transport);
			assert_int_equal(res.attempts, 1);
		}
		result_clear(&res);
		aws_client_free(client);
	}
	assert_int_equal(fakesrv_count(tls), 2);
	fakesrv_free(tls);
}

/* What the bus said about calls. */
struct bus_seen {
	enum bus_type	 type[8];
	unsigned	 attempt[8];
	int		 status[8];
	size_t		 n;
};

static void
bus_seen_cb(const struct bus_event *ev, void *arg)
{
	struct bus_seen	*seen = arg;

	assert_true(seen->n < 8);
	assert_string_equal(ev->api.service, "ssm");
	assert_string_equal(ev->api.operation, "DescribeInstanceInformation");
	assert_string_equal(ev->api.region, "eu-west-1");
	seen->type[seen->n] = ev->type;
	seen->attempt[seen->n] = ev->api.attempt;
	seen->status[seen->n] = ev->api.status;
	seen->n++;
}

/* Each throttled attempt and the end of each call are published. */
static void
test_aws_calls_are_on_the_bus(void **state)
{
	struct env		*e = *state;
	struct result		 res;
	struct bus_seen		 seen;
	struct bus_sub		*sub;
	const struct step	 steps[] = { throttle, ok };

	memset(&seen, 0, sizeof seen);
	sub = bus_subscribe(BUS_API, bus_seen_cb, &seen);
	call(e, "DescribeInstanceInformation", steps, 2, &res);
	result_clear(&res);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.type[0], BUS_API_THROTTLED);
	assert_int_equal(seen.attempt[0], 1);
	assert_int_equal(seen.status[0], 400);
	assert_int_equal(seen.type[1], BUS_API_MADE);
	assert_int_equal(seen.attempt[1], 2);
	assert_int_equal(seen.status[1], 200);
	call(e, "DescribeInstanceInformation", &throttle, 1, &res);
	result_clear(&res);
	assert_int_equal(seen.n, 2 + 3 + 1);
	assert_int_equal(seen.type[4], BUS_API_THROTTLED);
	assert_int_equal(seen.type[5], BUS_API_FAILED);
	assert_int_equal(seen.attempt[5], 3);
	bus_unsubscribe(sub);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_aws_retries_throttling_then_succeeds),
		T(test_aws_gives_up_after_max_attempts),
		T(test_aws_final_errors_are_one_line),
		T(test_aws_sends_every_header),
		T(test_aws_non_json_answer_says_what_came),
		T(test_aws_start_session_not_repeated_after_send),
		T(test_aws_connect_refused_is_retried),
		T(test_aws_quota_runs_out),
		T(test_aws_expired_token_refreshes_once),
		T(test_aws_clock_skew_is_learnt),
		T(test_aws_cancel_never_calls_back),
		T(test_aws_budget_bounds_concurrent_calls),
		T(test_aws_ca_bundle_from_environment_and_profile),
		T(test_aws_calls_are_on_the_bus),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
