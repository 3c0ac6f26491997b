/*
 * The credential sources behind an endpoint: STS (assume-role, nested on
 * the fetch of its source, and web identity), IAM Identity Center (sso.c
 * does the work), the container endpoint and instance metadata.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "aws.h"
#include "aws_chain.h"
#include "aws_creds.h"
#include "aws_error.h"
#include "aws_http.h"
#include "aws_imds.h"
#include "aws_sso.h"
#include "aws_sts.h"
#include "creds_int.h"
#include "util.h"
#include "xmalloc.h"

#define AWS_CONTAINER_TIMEOUT		2000		/* ms */
#define AWS_CONTAINER_ATTEMPTS		3
#define AWS_CONTAINER_SLEEP		1000		/* ms between */
#define AWS_IMDS_CREDS_PATH		"/latest/meta-data/iam/security-credentials/"

static void
aws_creds_sts_cb(const struct aws_sts_result *r, const char *error, void *arg)
{
	struct aws_creds_fetch	*f = arg;
	struct aws_creds	 c;

	f->call = NULL;
	if (r == NULL) {
		aws_creds_fetch_fail(f, "profile %s: %s", f->src->profile,
		    error);
		return;
	}
	memset(&c, 0, sizeof c);
	c.access_key_id = r->access_key_id;
	c.secret_access_key = r->secret_access_key;
	c.session_token = r->session_token;
	c.expiration = r->expiration;
	c.account_id = r->account;
	c.provider = (char *)f->src->name;
	aws_creds_fetch_done(f, &c, NULL);
}

static char *
aws_creds_session_name(const struct aws_chain_source *s)
{
	char	*name;

	if (s->session_name != NULL)
		return (xstrdup(s->session_name));
	xasprintf(&name, "gatewayd-%lld", (long long)aws_creds_now());
	return (name);
}

static void
aws_creds_inner_cb(void *arg, const struct aws_creds *c, const char *error)
{
	struct aws_creds_fetch		*f = arg;
	struct aws_sts_assume_role	 ar;
	char				*name;

	f->inner = NULL;
	if (c == NULL) {
		aws_creds_fetch_done(f, NULL, error);
		return;
	}
	name = aws_creds_session_name(f->src);
	memset(&ar, 0, sizeof ar);
	ar.role_arn = f->src->role_arn;
	ar.session_name = name;
	ar.external_id = f->src->external_id;
	ar.duration = f->src->duration;
	f->call = aws_sts_assume_role(f->ctx, &ar, c, aws_creds_sts_cb, f);
	free(name);
}

void
aws_creds_fetch_assume_role(struct aws_creds_fetch *f)
{
	/* Fresh source credentials for every assume. */
	f->inner = aws_creds_fetch_start(f->client, f->ctx, f->src->inner,
	    aws_creds_inner_cb, f);
}

void
aws_creds_fetch_web_identity(struct aws_creds_fetch *f)
{
	char	*token, *cause = NULL, *name;

	/* Read on every refresh: the platform rotates it. */
	token = aws_creds_read_file(f->src->token_file, "web identity token",
	    &cause);
	if (token == NULL) {
		f->error = cause;
		aws_creds_fetch_later(f, 0);
		return;
	}
	name = aws_creds_session_name(f->src);
	f->call = aws_sts_assume_role_web_identity(f->ctx, f->src->role_arn,
	    name, token, aws_creds_sts_cb, f);
	freezero_str(token);
	free(name);
}

static void
aws_creds_sso_cb(const struct aws_creds *c, const char *error, void *arg)
{
	struct aws_creds_fetch	*f = arg;

	f->sso = NULL;
	aws_creds_fetch_done(f, c, error);
}

void
aws_creds_fetch_sso(struct aws_creds_fetch *f)
{
	f->sso = aws_sso_fetch(f->ctx, &f->src->sso, aws_creds_sso_cb, f);
}

static void
aws_creds_container_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	aws_creds_fetch_container(arg);
}

static void
aws_creds_container_cb(const struct aws_http_response *hr, void *arg)
{
	struct aws_creds_fetch	*f = arg;
	struct aws_error	 err;
	struct timeval		 tv = util_ms_tv(AWS_CONTAINER_SLEEP);

	f->hreq = NULL;
	if (hr->error != AWS_HTTP_OK || hr->status >= 500) {
		if (++f->attempts < AWS_CONTAINER_ATTEMPTS) {
			f->ev = evtimer_new(aws_client_base(f->client),
			    aws_creds_container_retry_cb, f);
			evtimer_add(f->ev, &tv);
			return;
		}
	}
	if (hr->error != AWS_HTTP_OK) {
		aws_creds_fetch_fail(f, "container credentials %s: %s",
		    f->src->url, hr->error_text);
		return;
	}
	if (hr->status != 200) {
		aws_error_parse_json(hr->status, hr->body, hr->body_len, NULL,
		    &err);
		aws_creds_fetch_fail(f, "container credentials %s: HTTP %ld: "
		    "%s%s%s", f->src->url, hr->status, err.code,
		    *err.message != '\0' ? ": " : "", err.message);
		aws_error_clear(&err);
		return;
	}
	aws_creds_fetch_json(f, AWS_CREDS_DOC_CONTAINER, hr->body,
	    hr->body_len, "container", "");
}

void
aws_creds_fetch_container(struct aws_creds_fetch *f)
{
	struct aws_http_request	 r;
	struct aws_header	 h[2];
	char			*token = NULL, *cause = NULL;

	if (f->ev != NULL) {
		event_free(f->ev);
		f->ev = NULL;
	}
	memset(&r, 0, sizeof r);
	h[0].name = "Accept";
	h[0].value = "application/json";
	r.nheaders = 1;
	if (f->src->auth_file != NULL) {
		/* Read on every request: the platform rotates it. */
		token = aws_creds_read_file(f->src->auth_file,
		    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", &cause);
		if (token == NULL) {
			aws_creds_fetch_fail(f, "%s", cause);
			free(cause);
			return;
		}
	} else if (f->src->auth_token != NULL)
		token = xstrdup(f->src->auth_token);
	if (token != NULL && strpbrk(token, "\r\n") != NULL) {
		freezero_str(token);
		aws_creds_fetch_fail(f, "container authorization token "
		    "contains a line break");
		return;
	}
	if (token != NULL) {
		h[1].name = "Authorization";
		h[1].value = token;
		r.nheaders = 2;
	}
	r.method = "GET";
	r.url = f->src->url;
	r.headers = h;
	r.connect_timeout = AWS_CONTAINER_TIMEOUT;
	r.timeout = AWS_CONTAINER_TIMEOUT;
	r.max_body = AWS_CREDS_FILE_MAX;
	r.flags = AWS_HTTP_NO_PROXY;
	f->hreq = aws_http_start(aws_client_http(f->client), &r,
	    aws_creds_container_cb, f);
	if (token != NULL)
		freezero_str(token);
}

static void
aws_creds_imds_creds_cb(const char *body, size_t len, const char *error,
    void *arg)
{
	struct aws_creds_fetch	*f = arg;

	f->imds = NULL;
	if (body == NULL) {
		aws_creds_fetch_fail(f, "%s", error);
		return;
	}
	aws_creds_fetch_json(f, AWS_CREDS_DOC_IMDS, body, len,
	    "instance-metadata", "");
}

static void
aws_creds_imds_role_cb(const char *body, size_t len, const char *error,
    void *arg)
{
	struct aws_creds_fetch	*f = arg;
	char			*path;
	size_t			 n;

	f->imds = NULL;
	if (body == NULL) {
		aws_creds_fetch_fail(f, "%s", error);
		return;
	}
	n = strcspn(body, "\r\n");
	if (n == 0 || memchr(body, '/', n) != NULL) {
		aws_creds_fetch_fail(f, "instance metadata: no IAM role is "
		    "attached to this instance");
		return;
	}
	xasprintf(&path, "%s%.*s", AWS_IMDS_CREDS_PATH, (int)n, body);
	f->imds = aws_imds_get(aws_client_http(f->client), &f->src->imds,
	    path, aws_creds_imds_creds_cb, f);
	free(path);
}


void
aws_creds_fetch_imds(struct aws_creds_fetch *f)
{
	f->imds = aws_imds_get(aws_client_http(f->client), &f->src->imds,
	    AWS_IMDS_CREDS_PATH, aws_creds_imds_role_cb, f);
}
