/*
 * Unit tests for http.c against in-process servers on 127.0.0.1: bodies
 * and the headers we keep, timeouts that do not stall the loop, bounded
 * bodies, cancellation, connection reuse and our own proxy rules.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "aws_http.h"
#include "fakesrv.h"
#include "util.h"

struct result {
	int			 done;
	enum aws_http_error	 error;
	int			 sent;
	long			 status;
	char			*body;
	char			*request_id;
	char			*error_type;
	char			*date;
	char			*error_text;
};

struct env {
	struct event_base	*base;
	struct fakesrv		*srv;
	struct aws_http		*http;
};

static void
result_cb(const struct aws_http_response *r, void *arg)
{
	struct result	*res = arg;

	res->done++;
	res->error = r->error;
	res->sent = r->sent;
	res->status = r->status;
	res->body = strdup(r->body);
	res->request_id = r->request_id ? strdup(r->request_id) : NULL;
	res->error_type = r->error_type ? strdup(r->error_type) : NULL;
	res->date = r->date ? strdup(r->date) : NULL;
	res->error_text = r->error_text ? strdup(r->error_text) : NULL;
}

static void
result_clear(struct result *res)
{
	free(res->body);
	free(res->request_id);
	free(res->error_type);
	free(res->date);
	free(res->error_text);
	memset(res, 0, sizeof *res);
}

static int
is_done(void *arg)
{
	return (((struct result *)arg)->done != 0);
}

/* The server: the path says what to do. */
static void
serve(struct fakesrv *srv, struct evhttp_request *req,
    const struct fakesrv_seen *seen, void *arg)
{
	const char	*expect;

	if (strcmp(seen->uri, "/hello") == 0)
		fakesrv_reply(req, 200, "hello", "x-amzn-RequestId: rid-1",
		    "X-Amzn-ErrorType: None", NULL);
	else if (strcmp(seen->uri, "/echo") == 0) {
		expect = evhttp_find_header(
		    evhttp_request_get_input_headers(req), "Expect");
		fakesrv_reply(req, expect != NULL ? 417 : 201, seen->body,
		    NULL);
	} else if (strcmp(seen->uri, "/big") == 0) {
		char *big = malloc(300001);

		memset(big, 'b', 300000);
		big[300000] = '\0';
		fakesrv_reply(req, 200, big, NULL);
		free(big);
	} else if (strcmp(seen->uri, "/hang") == 0)
		fakesrv_hang(srv, req);
	else if (strcmp(seen->uri, "/slow") == 0)
		fakesrv_reply_later(srv, req, 300, 200, "slow");
	else if (strncmp(seen->uri, "http://", 7) == 0)
		fakesrv_reply(req, 200, "via proxy", NULL);
	else
		fakesrv_reply(req, 404, "{\"message\":\"no\"}", NULL);
}

static int
setup(void **state)
{
	struct env	*e = calloc(1, sizeof *e);

	test_aws_env_reset();
	e->base = event_base_new();
	e->srv = fakesrv_new(e->base, serve, NULL);
	e->http = aws_http_new(e->base, NULL);
	*state = e;
	return (0);
}

static int
teardown(void **state)
{
	struct env	*e = *state;

	aws_http_free(e->http);
	fakesrv_free(e->srv);
	event_base_free(e->base);
	test_aws_env_cleanup();
	free(e);
	return (0);
}

static struct aws_http_req *
start(struct env *e, const char *method, const char *path, const char *body,
    unsigned timeout, struct result *res)
{
	struct aws_http_request	 r;
	char			 url[256];
	static const struct aws_header h[] = {
		{ "Content-Type", "text/plain" },
		{ "X-Amz-Target", "T.Op" },
	};

	snprintf(url, sizeof url, "%s%s", fakesrv_url(e->srv), path);
	memset(&r, 0, sizeof r);
	r.method = method;
	r.url = url;
	r.headers = h;
	r.nheaders = 2;
	r.body = body;
	r.body_len = body != NULL ? strlen(body) : 0;
	r.timeout = timeout;
	r.max_body = 100000;
	return (aws_http_start(e->http, &r, result_cb, res));
}

static void
test_http_get_keeps_headers_and_body(void **state)
{
	struct env	*e = *state;
	struct result	 res = { 0 };

	start(e, "GET", "/hello", NULL, 0, &res);
	assert_int_equal(res.done, 0);		/* never synchronous */
	assert_int_equal(run_until(e->base, is_done, &res, 5000), 0);
	assert_int_equal(res.error, AWS_HTTP_OK);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.body, "hello");
	assert_string_equal(res.request_id, "rid-1");
	assert_string_equal(res.error_type, "None");
	assert_non_null(res.date);		/* evhttp adds Date */
	assert_int_equal(res.sent, 1);
	assert_string_equal(fakesrv_get(e->srv, 0)->target, "T.Op");
	assert_int_equal(aws_http_pending(e->http), 0);
	result_clear(&res);
}

static void
test_http_post_sends_body_without_expect(void **state)
{
	struct env	*e = *state;
	struct result	 res = { 0 };
	char		*body;

	/* large enough that curl would otherwise ask for 100-continue */
	body = malloc(70001);
	memset(body, 'p', 70000);
	body[70000] = '\0';
	start(e, "POST", "/echo", body, 0, &res);
	assert_int_equal(run_until(e->base, is_done, &res, 5000), 0);
	assert_int_equal(res.status, 201);
	assert_string_equal(res.body, body);
	result_clear(&res);
	start(e, "PUT", "/echo", "", 0, &res);
	assert_int_equal(run_until(e->base, is_done, &res, 5000), 0);
	assert_int_equal(res.status, 201);
	assert_string_equal(fakesrv_get(e->srv, 1)->method, "PUT");
	result_clear(&res);
	free(body);
}

static void
test_http_body_is_bounded(void **state)
{
	struct env	*e = *state;
	struct result	 res = { 0 };

	start(e, "GET", "/big", NULL, 0, &res);
	assert_int_equal(run_until(e->base, is_done, &res, 5000), 0);
	assert_int_equal(res.error, AWS_HTTP_ERR_TOO_BIG);
	assert_non_null(strstr(res.error_text, "larger than 100000 bytes"));
	result_clear(&res);
}

static void
test_http_connect_refused_is_not_sent(void **state)
{
	struct env		*e = *state;
	struct result		 res = { 0 };
	struct aws_http_request	 r;
	struct fakesrv		*gone;
	char			 url[64];

	/* a port that was just ours and is now closed */
	gone = fakesrv_new(e->base, serve, NULL);
	snprintf(url, sizeof url, "%s/x", fakesrv_url(gone));
	fakesrv_free(gone);
	memset(&r, 0, sizeof r);
	r.method = "POST";
	r.url = url;
	aws_http_start(e->http, &r, result_cb, &res);
	assert_int_equal(run_until(e->base, is_done, &res, 5000), 0);
	assert_int_equal(res.error, AWS_HTTP_ERR_CONNECT);
	assert_int_equal(res.sent, 0);
	assert_non_null(res.error_text);
	result_clear(&res);

	r.url = "ftp://127.0.0.1/x";
	aws_http_start(e->http, &r, result_cb, &res);
	assert_int_equal(res.done, 0);
	assert_int_equal(run_until(e->base, is_done, &res, 5000), 0);
	assert_int_equal(res.error, AWS_HTTP_ERR_OTHER);
	result_clear(&res);
}

static int
both_done(void *arg)
{
	struct result	*res = arg;

	return (res[0].done && res[1].done);
}

static void
test_http_timeout_does_not_stall_the_loop(void **state)
{
	struct env	*e = *state;
	struct result	 res[2];
	uint64_t	 t0;

	memset(res, 0, sizeof res);
	t0 = clock_now_ms();
	start(e, "POST", "/hang", "{}", 800, &res[0]);
	start(e, "GET", "/slow", NULL, 0, &res[1]);
	assert_int_equal(run_until(e->base, both_done, res, 10000), 0);
	assert_int_equal(res[0].error, AWS_HTTP_ERR_TIMEOUT);
	assert_int_equal(res[0].sent, 1);	/* a retry could repeat it */
	/* the slow answer came while the other request hung */
	assert_int_equal(res[1].error, AWS_HTTP_OK);
	assert_string_equal(res[1].body, "slow");
	assert_true(clock_now_ms() - t0 >= 800);
	result_clear(&res[0]);
	result_clear(&res[1]);
}

static void
test_http_cancel_never_calls_back(void **state)
{
	struct env		*e = *state;
	struct result		 res[2];
	struct aws_http_req	*req;

	memset(res, 0, sizeof res);
	req = start(e, "GET", "/slow", NULL, 0, &res[0]);
	start(e, "GET", "/slow", NULL, 0, &res[1]);
	run_for(e->base, 50);
	aws_http_cancel(req);
	assert_int_equal(run_until(e->base, is_done, &res[1], 5000), 0);
	run_for(e->base, 400);
	assert_int_equal(res[0].done, 0);
	assert_int_equal(res[1].done, 1);
	assert_int_equal(aws_http_pending(e->http), 0);
	result_clear(&res[1]);
}

static void
test_http_connection_is_reused(void **state)
{
	struct env	*e = *state;
	struct result	 res = { 0 };

	start(e, "GET", "/hello", NULL, 0, &res);
	assert_int_equal(run_until(e->base, is_done, &res, 5000), 0);
	result_clear(&res);
	start(e, "GET", "/hello", NULL, 0, &res);
	assert_int_equal(run_until(e->base, is_done, &res, 5000), 0);
	result_clear(&res);
	assert_int_equal(fakesrv_count(e->srv), 2);
	assert_ptr_equal(fakesrv_get(e->srv, 0)->conn,
	    fakesrv_get(e->srv, 1)->conn);
}

/* The request must not reach the proxy (the server has seen 2 so far). */
static void
expect_direct(struct env *e, const struct aws_http_request *r)
{
	struct result	res = { 0 };

	aws_http_start(e->http, r, result_cb, &res);
	assert_int_equal(run_until(e->base, is_done, &res, 10000), 0);
	assert_int_not_equal(res.error, AWS_HTTP_OK);
	assert_int_equal(fakesrv_count(e->srv), 2);
	result_clear(&res);
}

static void
test_http_proxy_rules(void **state)
{
	struct env		*e = *state;
	struct result		 res = { 0 };
	struct aws_http_request	 r;

	/* upper case HTTP_PROXY counts (libcurl alone would ignore it) */
	setenv("HTTP_PROXY", fakesrv_url(e->srv), 1);
	aws_http_read_proxy_env(e->http);
	memset(&r, 0, sizeof r);
	r.method = "GET";
	r.url = "http://gatewayd-test.invalid/x";
	aws_http_start(e->http, &r, result_cb, &res);
	assert_int_equal(run_until(e->base, is_done, &res, 5000), 0);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.body, "via proxy");
	assert_string_equal(fakesrv_get(e->srv, 0)->uri,
	    "http://gatewayd-test.invalid/x");
	result_clear(&res);

	/* loopback is never proxied: the request arrives as a plain path */
	start(e, "GET", "/hello", NULL, 0, &res);
	assert_int_equal(run_until(e->base, is_done, &res, 5000), 0);
	assert_string_equal(fakesrv_get(e->srv, 1)->uri, "/hello");
	result_clear(&res);

	/* nor is a request that asks for no proxy (metadata) */
	r.flags = AWS_HTTP_NO_PROXY;
	expect_direct(e, &r);

	/* NO_PROXY names the host: direct, so it fails at DNS */
	r.flags = 0;
	setenv("no_proxy", ".invalid", 1);
	aws_http_read_proxy_env(e->http);
	expect_direct(e, &r);

	/* an https proxy does not apply to http URLs */
	unsetenv("HTTP_PROXY");
	unsetenv("no_proxy");
	setenv("https_proxy", fakesrv_url(e->srv), 1);
	aws_http_read_proxy_env(e->http);
	expect_direct(e, &r);
	unsetenv("https_proxy");
}

/* Which proxy a WebSocket to a host takes, by scheme and NO_PROXY. */
static void
test_http_proxy_for_websockets(void **state)
{
	static const struct {
		const char	*no_proxy;
		const char	*scheme, *host;
		int		 proxied;
	} cases[] = {
		{ NULL, "wss", "ssmmessages.eu-west-1.amazonaws.com", 1 },
		{ NULL, "https", "ssm.eu-west-1.amazonaws.com", 1 },
		{ NULL, "ws", "ssmmessages.eu-west-1.amazonaws.com", 0 },
		{ NULL, "wss", "127.0.0.1", 0 },
		{ NULL, "wss", "[::1]", 0 },
		{ NULL, "wss", "169.254.169.254", 0 },
		{ "amazonaws.com", "wss", "ssmmessages.x.amazonaws.com", 0 },
		{ ".amazonaws.com", "wss", "ssmmessages.x.amazonaws.com", 0 },
		{ "AMAZONAWS.com", "wss", "ssmmessages.x.amazonaws.com", 0 },
		{ "zonaws.com", "wss", "ssmmessages.x.amazonaws.com", 1 },
		{ "a.test, *", "wss", "ssmmessages.x.amazonaws.com", 0 },
		{ "a.test,b.test", "wss", "b.test", 0 },
		{ "a.test b.test", "wss", "c.test", 1 },
		{ "10.0.0.1", "wss", "10.0.0.1", 0 },
		{ "", "wss", "example.com", 1 },
	};
	struct env	*e = *state;
	const char	*proxy;
	size_t		 i;

	setenv("HTTPS_PROXY", "http://proxy.test:3128", 1);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cases[i].no_proxy != NULL)
			setenv("NO_PROXY", cases[i].no_proxy, 1);
		else
			unsetenv("NO_PROXY");
		aws_http_read_proxy_env(e->http);
		proxy = aws_http_proxy_for(e->http, cases[i].scheme,
		    cases[i].host);
		if (cases[i].proxied != (proxy != NULL))
			fail_msg("%s %s with NO_PROXY=%s: %s", cases[i].scheme,
			    cases[i].host, cases[i].no_proxy == NULL ? "(unset)" :
			    cases[i].no_proxy, proxy == NULL ? "direct" : proxy);
		if (proxy != NULL)
			assert_string_equal(proxy, "http://proxy.test:3128");
	}
	unsetenv("HTTPS_PROXY");
	unsetenv("NO_PROXY");
	aws_http_read_proxy_env(e->http);
}

static void
test_http_tls_is_verified(void **state)
{
	struct env		*e = *state;
	struct fakesrv		*tls;
	struct aws_http		*trusting;
	struct aws_http_request	 r;
	struct result		 res = { 0 };
	char			 ca[512], url[128];

	snprintf(ca, sizeof ca, "%s/ca.pem", getenv("HOME"));
	tls = fakesrv_new_tls(e->base, serve, NULL, ca);
	snprintf(url, sizeof url, "%s/hello", fakesrv_url(tls));
	memset(&r, 0, sizeof r);
	r.method = "GET";
	r.url = url;
	/* the system store does not know this certificate */
	aws_http_start(e->http, &r, result_cb, &res);
	assert_int_equal(run_until(e->base, is_done, &res, 10000), 0);
	assert_int_equal(res.error, AWS_HTTP_ERR_TLS_VERIFY);
	assert_int_equal(fakesrv_count(tls), 0);
	result_clear(&res);
	/* with it as the CA bundle the request goes through */
	trusting = aws_http_new(e->base, ca);
	aws_http_start(trusting, &r, result_cb, &res);
	assert_int_equal(run_until(e->base, is_done, &res, 10000), 0);
	assert_int_equal(res.error, AWS_HTTP_OK);
	assert_string_equal(res.body, "hello");
	result_clear(&res);
	/* a bundle that is not a certificate file fails closed */
	aws_http_free(trusting);
	trusting = aws_http_new(e->base, "/nonexistent/ca.pem");
	aws_http_start(trusting, &r, result_cb, &res);
	assert_int_equal(run_until(e->base, is_done, &res, 10000), 0);
	assert_int_not_equal(res.error, AWS_HTTP_OK);
	result_clear(&res);
	aws_http_free(trusting);
	fakesrv_free(tls);
}

static void
test_http_local_hosts(void **state)
{
	static const struct {
		const char	*host;
		int		 local;
	} cases[] = {
		{ "127.0.0.1", 1 }, { "127.1.2.3", 1 }, { "localhost", 1 },
		{ "[::1]", 1 }, { "169.254.169.254", 1 }, { "169.254.170.2", 1 },
		{ "169.254.170.23", 1 }, { "[fd00:ec2::254]", 1 },
		{ "[fd00:ec2::23]", 1 }, { "a.localhost", 1 },
		{ "127.0.0.1.example.com", 0 }, { "ssm.eu-west-1.amazonaws.com", 0 },
		{ "169.254.169.253", 0 }, { "10.0.0.1", 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(aws_http_is_local_host(cases[i].host),
		    cases[i].local);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_http_get_keeps_headers_and_body, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_http_post_sends_body_without_expect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_body_is_bounded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_http_connect_refused_is_not_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_http_timeout_does_not_stall_the_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_http_cancel_never_calls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_http_connection_is_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_proxy_rules,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_http_proxy_for_websockets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_tls_is_verified,
		    setup, teardown),
		cmocka_unit_test(test_http_local_hosts),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
