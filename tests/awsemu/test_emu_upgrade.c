/*
 * The other side of testdata/ssm/upgrade-signing.json: the signatures the
 * official client's signer put on data-channel upgrades verify with the
 * check awsemu makes of every upgrade (aws_sigv4_check() with
 * SIGV4_FORM_QUERY, ssm-data-channel.md 3.2), at the vector's time with
 * its credentials: the request line as the client sends it (the URL's
 * path and query verbatim), its headers plus Host as the URL writes it.
 * And the check is not a rubber stamp: one byte changed in the request
 * target or in the signature, a '+' sent as %2B (or the other way
 * round), or the query read as API calls read it, and it fails.
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
#include "sigv4_verify.h"
#include "testdata.h"
#include "ws_http.h"
#include "xmalloc.h"

/* One vector as a received upgrade. */
struct upgrade {
	const char		*name;
	struct aws_creds	 creds;
	const char		*region;
	time_t			 when;
	char			*target;	/* path?query, as sent */
	struct aws_header	 h[4];		/* Host and what was added */
	size_t			 nh;
	struct ws_url		 url;
};

static const char *
t_str(const cJSON *obj, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return (cJSON_IsString(v) ? v->valuestring : NULL);
}

static const struct aws_creds *
lookup_cb(const char *akid, void *arg)
{
	const struct aws_creds	*c = arg;

	return (strcmp(akid, c->access_key_id) == 0 ? c : NULL);
}

static void
upgrade_load(const cJSON *e, struct upgrade *u)
{
	const cJSON	*h;
	const char	*t = t_str(e, "time");
	char		 date[17], *cause = NULL;

	memset(u, 0, sizeof *u);
	u->name = t_str(e, "name");
	u->creds.access_key_id = (char *)t_str(e, "access_key_id");
	u->creds.secret_access_key = (char *)t_str(e, "secret_access_key");
	u->creds.session_token = (char *)t_str(e, "session_token");
	u->region = t_str(e, "region");
	assert_non_null(t);
	/* "2026-11-30T12:34:56Z" in the X-Amz-Date form. */
	snprintf(date, sizeof date, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", t, t + 5,
	    t + 8, t + 11, t + 14, t + 17);
	assert_int_equal(aws_sigv4_parse_amz_date(date, &u->when), 0);
	if (ws_http_url_parse(t_str(e, "url"), 0, &u->url, &cause) != 0)
		fail_msg("%s: %s", u->name, cause);
	u->target = xstrdup(u->url.target);
	u->h[u->nh].name = "Host";
	u->h[u->nh++].value = u->url.authority;
	cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(e,
	    "headers")) {
		assert_true(u->nh < sizeof u->h / sizeof u->h[0]);
		u->h[u->nh].name = h->string;
		u->h[u->nh++].value = h->valuestring;
	}
}

static void
upgrade_clear(struct upgrade *u)
{
	free(u->target);
	ws_http_url_clear(&u->url);
}

/* Check u as awsemu checks an upgrade (flags as given); the verdict's fault. */
static enum aws_sigv4_fault
upgrade_check(const struct upgrade *u, const char *target, int flags)
{
	struct aws_sigv4_verdict	v;
	enum aws_sigv4_fault		fault;
	int				rv;

	rv = aws_sigv4_check("GET", target, u->h, u->nh, "", 0, "https",
	    lookup_cb, (void *)&u->creds, u->when, flags, &v);
	fault = v.fault;
	assert_int_equal(rv == 0, fault == AWS_SIGV4_OK);
	if (rv == 0) {
		/* What awsemu checks next: the scope is the session's. */
		assert_string_equal(v.service, "ssmmessages");
		assert_string_equal(v.region, u->region);
		assert_string_equal(v.access_key_id, u->creds.access_key_id);
		assert_false(v.presigned);
	}
	aws_sigv4_verdict_free(&v);
	return (fault);
}

/* The target with its first raw '+' in the query as %2B, or the first
 * %2B as a raw '+'; NULL if it has neither. */
static char *
swap_plus(const char *target)
{
	const char	*q = strchr(target, '?'), *p;
	char		*out;

	if (q == NULL)
		return (NULL);
	if ((p = strchr(q, '+')) != NULL) {
		xasprintf(&out, "%.*s%%2B%s", (int)(p - target), target, p + 1);
		return (out);
	}
	if ((p = strstr(q, "%2B")) != NULL) {
		xasprintf(&out, "%.*s+%s", (int)(p - target), target, p + 3);
		return (out);
	}
	return (NULL);
}

static void
test_vectors_verify(void **state)
{
	cJSON		*all, *e;
	struct upgrade	 u;
	size_t		 n = 0;

	all = testdata_json("ssm/upgrade-signing.json");
	assert_non_null(all);
	assert_true(cJSON_GetArraySize(all) >= 7);
	cJSON_ArrayForEach(e, all) {
		upgrade_load(e, &u);
		print_message("entry %s\n", u.name);
		assert_int_equal(upgrade_check(&u, u.target, SIGV4_FORM_QUERY),
		    AWS_SIGV4_OK);
		upgrade_clear(&u);
		n++;
	}
	print_message("%zu upgrade vectors verified\n", n);
	cJSON_Delete(all);
}

/* The last byte of s made another. */
static void
change_last(char *s)
{
	size_t	len = strlen(s);

	assert_true(len > 0);
	s[len - 1] = s[len - 1] == 'a' ? 'b' : 'a';
}

static void
test_vectors_changed_fail(void **state)
{
	cJSON		*all, *e;
	struct upgrade	 u;
	const char	*q;
	char		*t, *sig;
	size_t		 i, nplus = 0;

	all = testdata_json("ssm/upgrade-signing.json");
	assert_non_null(all);
	cJSON_ArrayForEach(e, all) {
		upgrade_load(e, &u);
		print_message("entry %s\n", u.name);

		/* One byte of the request target. */
		t = xstrdup(u.target);
		change_last(t);
		assert_int_equal(upgrade_check(&u, t, SIGV4_FORM_QUERY),
		    AWS_SIGV4_MISMATCH);
		free(t);

		/* A plus sent as the other of '+' and %2B. */
		if ((t = swap_plus(u.target)) != NULL) {
			assert_int_equal(upgrade_check(&u, t,
			    SIGV4_FORM_QUERY), AWS_SIGV4_MISMATCH);
			free(t);
			nplus++;
		}

		/* The query read as API calls read it: a raw '+' is %2B. */
		q = strchr(u.target, '?');
		if (q != NULL && strchr(q, '+') != NULL)
			assert_int_equal(upgrade_check(&u, u.target, 0),
			    AWS_SIGV4_MISMATCH);

		/* One hex digit of the signature. */
		for (i = 0; i < u.nh; i++) {
			if (strcmp(u.h[i].name, "Authorization") != 0)
				continue;
			sig = xstrdup(u.h[i].value);
			change_last(sig);
			u.h[i].value = sig;
			assert_int_equal(upgrade_check(&u, u.target,
			    SIGV4_FORM_QUERY), AWS_SIGV4_MISMATCH);
			free(sig);
		}
		upgrade_clear(&u);
	}
	/* Raw '+' and %2B entries both exist: the rule is pinned down. */
	assert_true(nplus >= 4);
	cJSON_Delete(all);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_verify),
		cmocka_unit_test(test_vectors_changed_fail),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
