/*
 * Unit tests for aws_daemon.c's contexts of one's own: a user's keys
 * (aws_daemon_ctx_fixed) and a role assumed per user (aws_daemon_ctx_role)
 * against an in-process STS on 127.0.0.1: never shared, who they are
 * learnt (aws_daemon_identity) and learnt again after a new login, freed
 * on release or at stop.
 */

#include <sys/stat.h>

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
#include "aws_creds.h"
#include "aws_daemon.h"
#include "fakesrv.h"
#include "gatewayd.h"
#include "testloop.h"
#include "util.h"

/* STS: AssumeRole hands out ASIAROLE<n>; GetCallerIdentity names the
 * access key that signed it, as user/<key>. */
static void
sts_serve(struct fakesrv *srv, struct evhttp_request *req,
    const struct fakesrv_seen *seen, void *arg)
{
	unsigned	*issued = arg;
	const char	*k;
	char		 body[1024];
	size_t		 n;

	if (strstr(seen->body, "Action=AssumeRole&") != NULL) {
		fakesrv_reply_sts_creds(req, "AssumeRole", ++*issued);
		return;
	}
	if (strstr(seen->body, "Action=GetCallerIdentity") == NULL ||
	    seen->auth == NULL ||
	    (k = strstr(seen->auth, "Credential=")) == NULL) {
		fakesrv_reply(req, 400, "<ErrorResponse><Error><Code>"
		    "InvalidAction</Code></Error></ErrorResponse>", NULL);
		return;
	}
	k += strlen("Credential=");
	n = strcspn(k, "/");
	snprintf(body, sizeof body, "<GetCallerIdentityResponse>"
	    "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/%.*s"
	    "</Arn><UserId>AIDA</UserId><Account>123456789012</Account>"
	    "</GetCallerIdentityResult></GetCallerIdentityResponse>", (int)n,
	    k);
	fakesrv_reply(req, 200, body, NULL);
}

struct state {
	struct fakesrv	*srv;
	unsigned	 issued;
};

static int
setup(void **state)
{
	struct state	*st = calloc(1, sizeof *st);
	const char	*home;
	char		 dir[512];

	testloop_init();
	home = test_aws_env_reset();
	st->srv = fakesrv_new(gw_base, sts_serve, &st->issued);
	setenv("AWS_REGION", "eu-west-1", 1);
	setenv("AWS_ENDPOINT_URL_STS", fakesrv_url(st->srv), 1);
	snprintf(dir, sizeof dir, "%s/.aws", home);
	mkdir(dir, 0700);
	test_write_file(dir, "credentials", "[base]\naws_access_key_id = "
	    "AKIDBASE\naws_secret_access_key = base-secret\n");
	*state = st;
	return (0);
}

static int
teardown(void **state)
{
	struct state	*st = *state;

	aws_daemon_stop();
	fakesrv_free(st->srv);
	testloop_done();
	test_aws_env_cleanup();
	free(st);
	return (0);
}

struct who {
	struct aws_ctx	*ctx;
	const char	*want;
};

/* aws_daemon_identity() knows ctx's principal, and it is who->want. */
static int
who_known(void *arg)
{
	struct who	*w = arg;
	const char	*account, *principal;

	aws_daemon_identity(w->ctx, &account, &principal);
	return (principal != NULL && strcmp(principal, w->want) == 0);
}

static unsigned
calls(void)
{
	char	*cause = NULL;

	return (aws_client_calls(aws_daemon_client(&cause)));
}

static void
test_aws_daemon_fixed_identity(void **state)
{
	struct aws_ctx		*base, *fixed, *again;
	struct aws_creds	 c;
	struct who		 w;
	const char		*account, *principal;
	char			*cause = NULL;

	base = aws_daemon_ctx("base", NULL, NULL, &cause);
	if (base == NULL)
		fail_msg("%s", cause);
	memset(&c, 0, sizeof c);
	c.access_key_id = "AKIDALICE";
	c.secret_access_key = "a";
	c.expiration = (int64_t)(clock_wall_ms() / 1000) + 3600;
	fixed = aws_daemon_ctx_fixed(base, &c, "user alice");
	assert_non_null(fixed);
	assert_ptr_not_equal(fixed, base);
	/* never handed out to a forward asking for the same profile */
	again = aws_daemon_ctx("base", NULL, NULL, &cause);
	assert_ptr_equal(again, base);
	aws_daemon_ctx_release(again);

	/* asked once, in the background */
	aws_daemon_identity(fixed, &account, &principal);
	assert_null(principal);
	w.ctx = fixed;
	w.want = "arn:aws:iam::123456789012:user/AKIDALICE";
	assert_int_equal(testloop_run_until(who_known, &w, 15000), 1);
	aws_daemon_identity(fixed, &account, &principal);
	assert_string_equal(account, "123456789012");
	assert_int_equal(calls(), 0);		/* known: not asked again */

	/* a new login: asked again, the new principal */
	c.access_key_id = "AKIDALICE2";
	aws_ctx_set_creds(fixed, &c);
	aws_daemon_identity(fixed, &account, &principal);
	assert_int_equal(calls(), 1);
	w.want = "arn:aws:iam::123456789012:user/AKIDALICE2";
	assert_int_equal(testloop_run_until(who_known, &w, 15000), 1);

	/* the base context's own identity is another one */
	w.ctx = base;
	w.want = "arn:aws:iam::123456789012:user/AKIDBASE";
	assert_int_equal(testloop_run_until(who_known, &w, 15000), 1);
	aws_daemon_ctx_release(fixed);
	aws_daemon_ctx_release(base);
}

static void
test_aws_daemon_role_identity(void **state)
{
	struct state		*st = *state;
	struct aws_ctx		*base, *fixed, *role, *role2;
	struct aws_creds	 c;
	struct who		 w;
	char			*cause = NULL;

	base = aws_daemon_ctx("base", NULL, NULL, &cause);
	assert_non_null(base);
	role = aws_daemon_ctx_role(base, base, "arn:aws:iam::210987654321:"
	    "role/db", "alice", &cause);
	if (role == NULL)
		fail_msg("%s", cause);
	w.ctx = role;
	w.want = "arn:aws:iam::123456789012:user/ASIAROLE1";
	assert_int_equal(testloop_run_until(who_known, &w, 15000), 1);
	assert_int_equal(st->issued, 1);
	assert_int_equal(fakesrv_count_match(st->srv, "/", NULL), 2);

	/* refused: named, nothing registered, nothing asked */
	assert_null(aws_daemon_ctx_role(base, base, "arn:aws:iam::"
	    "210987654321:user/db", "alice", &cause));
	assert_non_null(strstr(cause, "is not a role ARN"));
	free(cause);
	assert_null(aws_daemon_ctx_role(base, base, "arn:aws:iam::"
	    "210987654321:role/db", "alice smith", &cause));
	assert_non_null(strstr(cause, "role session name \"alice smith\""));
	free(cause);
	assert_int_equal(calls(), 0);

	/* through a user's own keys; left for aws_daemon_stop to free,
	 * the role before the keys it is assumed with */
	memset(&c, 0, sizeof c);
	c.access_key_id = "AKIDBOB";
	c.secret_access_key = "b";
	fixed = aws_daemon_ctx_fixed(base, &c, "user bob");
	role2 = aws_daemon_ctx_role(base, fixed, "arn:aws:iam::210987654321:"
	    "role/db", "bob", &cause);
	assert_non_null(role2);
	w.ctx = role2;
	w.want = "arn:aws:iam::123456789012:user/ASIAROLE2";
	assert_int_equal(testloop_run_until(who_known, &w, 15000), 1);
	aws_daemon_ctx_release(role);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_aws_daemon_fixed_identity),
		T(test_aws_daemon_role_identity),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
