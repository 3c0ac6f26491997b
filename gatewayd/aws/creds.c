/*
 * Credentials: the providers the chain (chain.c) picks, fetched on the
 * event loop, cached per profile and refreshed in the background before
 * they expire. Callers get one frozen snapshot at a time; secrets are
 * wiped when replaced and never logged.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "aws.h"
#include "aws_chain.h"
#include "aws_creds.h"
#include "aws_error.h"
#include "aws_http.h"
#include "aws_imds.h"
#include "aws_process.h"
#include "aws_profile.h"
#include "aws_sso.h"
#include "aws_sts.h"
#include "aws_time.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define AWS_CREDS_FILE_MAX		(64 * 1024)	/* token files */
#define AWS_CREDS_RETRY_MIN		60		/* s, after a failed */
#define AWS_CREDS_RETRY_MAX		300		/* refresh */
#define AWS_CONTAINER_TIMEOUT		2000		/* ms */
#define AWS_CONTAINER_ATTEMPTS		3
#define AWS_CONTAINER_SLEEP		1000		/* ms between */
#define AWS_IMDS_CREDS_PATH		"/latest/meta-data/iam/security-credentials/"

struct aws_creds_cache {
	TAILQ_HEAD(, aws_creds_provider)	list;
};

struct aws_creds_fetch;
typedef void (*aws_creds_fetch_cb)(void *, const struct aws_creds *,
	    const char *);

/* One fetch from one source; assume-role nests the fetch of its source. */
struct aws_creds_fetch {
	struct aws_creds_provider	*p;
	struct aws_chain_source		*src;
	aws_creds_fetch_cb		 cb;
	void				*arg;

	struct aws_creds_fetch		*inner;
	struct aws_call			*call;
	struct aws_process		*proc;
	struct aws_imds_req		*imds;
	struct aws_http_req		*hreq;
	struct aws_sso_fetch		*sso;
	struct event			*ev;
	struct aws_creds		 got;
	char				*error;
	unsigned			 attempts;
};

struct aws_creds_wait {
	struct aws_creds_provider	*p;
	aws_creds_cb			 cb;
	void				*arg;
	struct event			*ev;	/* cached: deliver from the loop */
	int				 queued;
	TAILQ_ENTRY(aws_creds_wait)	 entry;
};

struct aws_creds_provider {
	struct aws_client		*client;
	char				*profile;
	int				 is_explicit;
	char				*region;
	struct aws_chain_source		*src;
	char				*tried;
	struct aws_ctx			*ctx;	/* for STS and SSO calls */

	struct aws_creds		 cur;
	int				 have;
	int64_t				 fetched;
	struct aws_creds_fetch		*fetch;
	struct event			*timer;	/* background refresh */
	unsigned			 nfetches;

	TAILQ_HEAD(, aws_creds_wait)	 waiters;
	TAILQ_ENTRY(aws_creds_provider)	 entry;
};

struct aws_creds_cache *aws_client_creds_cache(struct aws_client *);

static struct aws_creds_fetch *aws_creds_fetch_start(struct aws_creds_provider *,
		    struct aws_chain_source *, aws_creds_fetch_cb, void *);
static void	aws_creds_fetch_cancel(struct aws_creds_fetch *);

void
aws_creds_copy(struct aws_creds *dst, const struct aws_creds *src)
{
	memset(dst, 0, sizeof *dst);
	if (src->access_key_id != NULL)
		dst->access_key_id = xstrdup(src->access_key_id);
	if (src->secret_access_key != NULL)
		dst->secret_access_key = xstrdup(src->secret_access_key);
	if (src->session_token != NULL)
		dst->session_token = xstrdup(src->session_token);
	dst->expiration = src->expiration;
	if (src->account_id != NULL)
		dst->account_id = xstrdup(src->account_id);
	if (src->provider != NULL)
		dst->provider = xstrdup(src->provider);
}

void
aws_creds_clear(struct aws_creds *c)
{
	free(c->access_key_id);
	freezero_str(c->secret_access_key);
	freezero_str(c->session_token);
	free(c->account_id);
	free(c->provider);
	memset(c, 0, sizeof *c);
}

int64_t
aws_creds_refresh_at(int64_t fetched, int64_t expiration)
{
	int64_t	window, life = expiration - fetched;

	if (life <= 0)
		return (fetched);
	window = life / 2;
	if (window > AWS_CREDS_REFRESH_WINDOW)
		window = AWS_CREDS_REFRESH_WINDOW;
	return (expiration - window);
}

const char *
aws_creds_region(const struct aws_profiles *set, const char *profile,
    const char *explicit_region, const char **source)
{
	const char	*v;

	if (explicit_region != NULL && *explicit_region != '\0') {
		*source = "gatewayd.conf";
		return (explicit_region);
	}
	if ((v = getenv("AWS_REGION")) != NULL && *v != '\0') {
		*source = "AWS_REGION";
		return (v);
	}
	if ((v = getenv("AWS_DEFAULT_REGION")) != NULL && *v != '\0') {
		*source = "AWS_DEFAULT_REGION";
		return (v);
	}
	if ((v = aws_profile_get(set, profile, "region")) != NULL &&
	    *v != '\0') {
		*source = "profile";
		return (v);
	}
	*source = NULL;
	return (NULL);
}

static int64_t
aws_creds_now(void)
{
	return ((int64_t)(clock_wall_ms() / 1000));
}

/*
 * Still fine to sign with? Not within AWS_CREDS_MIN_LIFE of expiry, or a
 * quarter of the lifetime for credentials that live less than that.
 */
static int
aws_creds_usable(const struct aws_creds *c, int64_t fetched, int64_t now)
{
	int64_t	margin = AWS_CREDS_MIN_LIFE;

	if (c->expiration == 0)
		return (1);
	if ((c->expiration - fetched) / 4 < margin)
		margin = (c->expiration - fetched) / 4;
	return (c->expiration - now > margin);
}

/* Read a small file (a token), trimmed. NULL and *cause on failure. */
static char *
aws_creds_read_file(const char *path, const char *what, char **cause)
{
	char	*buf;
	ssize_t	 n;
	size_t	 a, b;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s %s: %s", what, path, strerror(errno));
		return (NULL);
	}
	buf = xmalloc(AWS_CREDS_FILE_MAX + 1);
	n = read(fd, buf, AWS_CREDS_FILE_MAX + 1);
	close(fd);
	if (n < 0 || n > AWS_CREDS_FILE_MAX) {
		xasprintf(cause, "%s %s: unreadable or larger than %d bytes",
		    what, path, AWS_CREDS_FILE_MAX);
		free(buf);
		return (NULL);
	}
	buf[n] = '\0';
	a = strspn(buf, " \t\r\n");
	b = (size_t)n;
	while (b > a && strchr(" \t\r\n", buf[b - 1]) != NULL)
		b--;
	if (b == a) {
		xasprintf(cause, "%s %s is empty", what, path);
		free(buf);
		return (NULL);
	}
	memmove(buf, buf + a, b - a);
	buf[b - a] = '\0';
	return (buf);
}

/* How a JSON credentials document names its members. */
struct aws_creds_shape {
	const char	*what;		/* for messages */
	const char	*token;		/* "SessionToken" or "Token" */
	int		 need_token;
	int		 need_expiration;
	int		 version;	/* credential_process: Version 1 */
	int		 code;		/* IMDS: Code must be Success */
};

static const struct aws_creds_shape aws_creds_shapes[] = {
	[AWS_CREDS_DOC_PROCESS] = {
		"credential_process", "SessionToken", 0, 0, 1, 0
	},
	[AWS_CREDS_DOC_CONTAINER] = {
		"container credentials", "Token", 1, 1, 0, 0
	},
	[AWS_CREDS_DOC_IMDS] = {
		"instance metadata credentials", "Token", 1, 1, 0, 1
	},
};

static const char *
aws_creds_json_str(const cJSON *obj, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return (cJSON_IsString(v) && *v->valuestring != '\0' ?
	    v->valuestring : NULL);
}

int
aws_creds_parse_doc(enum aws_creds_doc doc, const char *body, size_t len,
    const char *provider, struct aws_creds *out, char **cause)
{
	const struct aws_creds_shape	*shape = &aws_creds_shapes[doc];
	cJSON				*j;
	const cJSON			*ver;
	const char			*akid, *secret, *token, *exp, *acct;
	const char			*code;
	int				 rv = -1;

	memset(out, 0, sizeof *out);
	if ((j = cJSON_ParseWithLength(body, len)) == NULL ||
	    !cJSON_IsObject(j)) {
		xasprintf(cause, "%s: output is not a JSON object", shape->what);
		goto out;
	}
	ver = cJSON_GetObjectItemCaseSensitive(j, "Version");
	if (shape->version && (!cJSON_IsNumber(ver) || ver->valuedouble != 1)) {
		xasprintf(cause, "%s: Version must be the number 1",
		    shape->what);
		goto out;
	}
	code = aws_creds_json_str(j, "Code");
	if (shape->code && (code == NULL || strcmp(code, "Success") != 0)) {
		xasprintf(cause, "%s: Code is %s%s%s", shape->what,
		    code != NULL ? code : "missing",
		    aws_creds_json_str(j, "Message") != NULL ? ": " : "",
		    aws_creds_json_str(j, "Message") != NULL ?
		    aws_creds_json_str(j, "Message") : "");
		goto out;
	}
	akid = aws_creds_json_str(j, "AccessKeyId");
	secret = aws_creds_json_str(j, "SecretAccessKey");
	token = aws_creds_json_str(j, shape->token);
	exp = aws_creds_json_str(j, "Expiration");
	acct = aws_creds_json_str(j, "AccountId");
	if (akid == NULL || secret == NULL ||
	    (shape->need_token && token == NULL) ||
	    (shape->need_expiration && exp == NULL)) {
		xasprintf(cause, "%s: AccessKeyId, SecretAccessKey%s%s%s are "
		    "required", shape->what, shape->need_token ? ", " : "",
		    shape->need_token ? shape->token : "",
		    shape->need_expiration ? " and Expiration" : "");
		goto out;
	}
	if (exp != NULL && aws_time_parse(exp, &out->expiration) != 0) {
		xasprintf(cause, "%s: Expiration is not an ISO 8601 time",
		    shape->what);
		goto out;
	}
	out->access_key_id = xstrdup(akid);
	out->secret_access_key = xstrdup(secret);
	if (token != NULL)
		out->session_token = xstrdup(token);
	if (acct != NULL)
		out->account_id = xstrdup(acct);
	out->provider = xstrdup(provider);
	rv = 0;
out:
	cJSON_Delete(j);	/* holds secrets; cJSON cannot wipe them */
	return (rv);
}

static void
aws_creds_fetch_free(struct aws_creds_fetch *f)
{
	aws_creds_fetch_cancel(f->inner);
	aws_call_cancel(f->call);
	aws_process_cancel(f->proc);
	aws_imds_cancel(f->imds);
	aws_http_cancel(f->hreq);
	aws_sso_cancel(f->sso);
	if (f->ev != NULL)
		event_free(f->ev);
	aws_creds_clear(&f->got);
	free(f->error);
	free(f);
}

static void
aws_creds_fetch_cancel(struct aws_creds_fetch *f)
{
	if (f != NULL)
		aws_creds_fetch_free(f);
}

/* The outcome: the callback, then the fetch is gone. */
static void
aws_creds_fetch_done(struct aws_creds_fetch *f, const struct aws_creds *c,
    const char *error)
{
	f->cb(f->arg, c, error);
	aws_creds_fetch_free(f);
}

static void
aws_creds_fetch_fail(struct aws_creds_fetch *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void	aws_creds_fetch_later(struct aws_creds_fetch *, unsigned);

/* Fail from the loop: never inside aws_creds_fetch_start(). */
static void
aws_creds_fetch_fail(struct aws_creds_fetch *f, const char *fmt, ...)
{
	va_list	 ap;

	free(f->error);
	va_start(ap, fmt);
	xvasprintf(&f->error, fmt, ap);
	va_end(ap);
	aws_creds_fetch_later(f, 0);
}

/* Deliver f->got or f->error from the loop (sources that need no I/O). */
static void
aws_creds_fetch_later_cb(evutil_socket_t fd, short what, void *arg)
{
	struct aws_creds_fetch	*f = arg;

	if (f->error != NULL)
		aws_creds_fetch_done(f, NULL, f->error);
	else
		aws_creds_fetch_done(f, &f->got, NULL);
}

static void
aws_creds_fetch_later(struct aws_creds_fetch *f, unsigned ms)
{
	struct timeval	tv = util_ms_tv(ms);

	if (f->ev != NULL)
		event_free(f->ev);
	f->ev = evtimer_new(aws_client_base(f->p->client),
	    aws_creds_fetch_later_cb, f);
	evtimer_add(f->ev, &tv);
}

/* Finish the fetch with a JSON credentials document, or its fault. */
static void
aws_creds_fetch_json(struct aws_creds_fetch *f, enum aws_creds_doc doc,
    const char *body, size_t len, const char *provider, const char *prefix)
{
	struct aws_creds	 c;
	char			*cause = NULL;

	if (aws_creds_parse_doc(doc, body, len, provider, &c, &cause) != 0) {
		aws_creds_fetch_fail(f, "%s%s", prefix, cause);
		free(cause);
		return;
	}
	aws_creds_fetch_done(f, &c, NULL);
	aws_creds_clear(&c);
}

static void
aws_creds_fetch_env(struct aws_creds_fetch *f)
{
	const char	*akid, *secret, *token, *exp, *acct;

	/* Read again on every fetch: a wrapper may rotate them. */
	akid = getenv("AWS_ACCESS_KEY_ID");
	secret = getenv("AWS_SECRET_ACCESS_KEY");
	if ((token = getenv("AWS_SESSION_TOKEN")) == NULL || *token == '\0')
		token = getenv("AWS_SECURITY_TOKEN");
	exp = getenv("AWS_CREDENTIAL_EXPIRATION");
	acct = getenv("AWS_ACCOUNT_ID");
	if (akid == NULL || *akid == '\0' || secret == NULL || *secret == '\0')
		xasprintf(&f->error, "environment: AWS_ACCESS_KEY_ID and "
		    "AWS_SECRET_ACCESS_KEY are no longer both set");
	else if (exp != NULL && *exp != '\0' &&
	    aws_time_parse(exp, &f->got.expiration) != 0)
		xasprintf(&f->error, "environment: AWS_CREDENTIAL_EXPIRATION "
		    "is not an ISO 8601 time");
	else {
		f->got.access_key_id = xstrdup(akid);
		f->got.secret_access_key = xstrdup(secret);
		if (token != NULL && *token != '\0')
			f->got.session_token = xstrdup(token);
		if (acct != NULL && *acct != '\0')
			f->got.account_id = xstrdup(acct);
		f->got.provider = xstrdup("environment");
	}
	aws_creds_fetch_later(f, 0);
}

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
	f->call = aws_sts_assume_role(f->p->ctx, &ar, c, aws_creds_sts_cb, f);
	free(name);
}

static void
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
	f->call = aws_sts_assume_role_web_identity(f->p->ctx, f->src->role_arn,
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

static void
aws_creds_process_cb(const char *out, size_t len, const char *error,
    void *arg)
{
	struct aws_creds_fetch	*f = arg;
	char			*prefix;

	f->proc = NULL;
	if (out == NULL) {
		aws_creds_fetch_fail(f, "profile %s: credential_process %s",
		    f->src->profile, error);
		return;
	}
	xasprintf(&prefix, "profile %s: ", f->src->profile);
	aws_creds_fetch_json(f, AWS_CREDS_DOC_PROCESS, out, len, "process",
	    prefix);
	free(prefix);
}

static void
aws_creds_fetch_process(struct aws_creds_fetch *f)
{
	const struct aws_options	*o = aws_client_options(f->p->client);
	char				*name;

	xasprintf(&name, "profile %s: credential_process", f->src->profile);
	f->proc = aws_process_run(aws_client_base(f->p->client),
	    f->src->command, o->credential_process_timeout != 0 ?
	    o->credential_process_timeout : AWS_PROCESS_TIMEOUT, name,
	    aws_creds_process_cb, f);
	free(name);
}

static void	aws_creds_fetch_container(struct aws_creds_fetch *);

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
			f->ev = evtimer_new(aws_client_base(f->p->client),
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

static void
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
	f->hreq = aws_http_start(aws_client_http(f->p->client), &r,
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
	f->imds = aws_imds_get(aws_client_http(f->p->client), &f->src->imds,
	    path, aws_creds_imds_creds_cb, f);
	free(path);
}

static struct aws_creds_fetch *
aws_creds_fetch_start(struct aws_creds_provider *p,
    struct aws_chain_source *src, aws_creds_fetch_cb cb, void *arg)
{
	struct aws_creds_fetch	*f;

	f = xcalloc(1, sizeof *f);
	f->p = p;
	f->src = src;
	f->cb = cb;
	f->arg = arg;
	switch (src->kind) {
	case AWS_CHAIN_ENV:
		aws_creds_fetch_env(f);
		break;
	case AWS_CHAIN_STATIC:
		aws_creds_copy(&f->got, &src->keys);
		aws_creds_fetch_later(f, 0);
		break;
	case AWS_CHAIN_ASSUME_ROLE:
		/* Fresh source credentials for every assume. */
		f->inner = aws_creds_fetch_start(p, src->inner,
		    aws_creds_inner_cb, f);
		break;
	case AWS_CHAIN_WEB_IDENTITY:
		aws_creds_fetch_web_identity(f);
		break;
	case AWS_CHAIN_SSO:
		f->sso = aws_sso_fetch(p->ctx, &src->sso, aws_creds_sso_cb, f);
		break;
	case AWS_CHAIN_PROCESS:
		aws_creds_fetch_process(f);
		break;
	case AWS_CHAIN_CONTAINER:
		aws_creds_fetch_container(f);
		break;
	case AWS_CHAIN_IMDS:
		f->imds = aws_imds_get(aws_client_http(p->client), &src->imds,
		    AWS_IMDS_CREDS_PATH, aws_creds_imds_role_cb, f);
		break;
	}
	return (f);
}

struct aws_creds_cache *
aws_creds_cache_new(void)
{
	struct aws_creds_cache	*cache;

	cache = xcalloc(1, sizeof *cache);
	TAILQ_INIT(&cache->list);
	return (cache);
}

static void
aws_creds_wait_free(struct aws_creds_wait *w)
{
	if (w->queued)
		TAILQ_REMOVE(&w->p->waiters, w, entry);
	if (w->ev != NULL)
		event_free(w->ev);
	free(w);
}

static void
aws_creds_provider_free(struct aws_creds_provider *p)
{
	struct aws_creds_wait	*w;

	while ((w = TAILQ_FIRST(&p->waiters)) != NULL)
		aws_creds_wait_free(w);
	aws_creds_fetch_cancel(p->fetch);
	event_free(p->timer);
	aws_ctx_free(p->ctx);
	aws_creds_clear(&p->cur);
	aws_chain_free(p->src);
	free(p->tried);
	free(p->profile);
	free(p->region);
	free(p);
}

void
aws_creds_cache_free(struct aws_creds_cache *cache)
{
	struct aws_creds_provider	*p;

	if (cache == NULL)
		return;
	while ((p = TAILQ_FIRST(&cache->list)) != NULL) {
		TAILQ_REMOVE(&cache->list, p, entry);
		aws_creds_provider_free(p);
	}
	free(cache);
}

static void	aws_creds_refresh(struct aws_creds_provider *);

static void
aws_creds_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct aws_creds_provider	*p = arg;

	log_debug("profile %s: refreshing %s credentials ahead of expiry",
	    p->profile, p->src->name);
	aws_creds_refresh(p);
}

static void
aws_creds_schedule(struct aws_creds_provider *p, int64_t in_s)
{
	struct timeval	tv;

	if (in_s < 1)
		in_s = 1;
	tv.tv_sec = (time_t)in_s;
	tv.tv_usec = 0;
	evtimer_add(p->timer, &tv);
}

/* Hand the current credentials (or error) to everyone waiting. */
static void
aws_creds_deliver(struct aws_creds_provider *p, const char *error)
{
	struct aws_creds_wait	*w;
	struct aws_creds	 snap;

	/* A copy: a callback may start a refresh that replaces p->cur. */
	aws_creds_copy(&snap, &p->cur);
	while ((w = TAILQ_FIRST(&p->waiters)) != NULL) {
		TAILQ_REMOVE(&p->waiters, w, entry);
		w->queued = 0;
		w->cb(error == NULL ? &snap : NULL, error, w->arg);
		aws_creds_wait_free(w);
	}
	aws_creds_clear(&snap);
}

static void
aws_creds_fetched_cb(void *arg, const struct aws_creds *c, const char *error)
{
	struct aws_creds_provider	*p = arg;
	int64_t				 now = aws_creds_now(), next;
	char				 when[32];

	p->fetch = NULL;
	if (c != NULL) {
		aws_creds_clear(&p->cur);
		aws_creds_copy(&p->cur, c);
		if (p->cur.provider == NULL)
			p->cur.provider = xstrdup(p->src->name);
		p->have = 1;
		p->fetched = now;
		p->nfetches++;
		evtimer_del(p->timer);
		if (c->expiration != 0)
			aws_creds_schedule(p, aws_creds_refresh_at(now,
			    c->expiration) - now);
		log_debug("profile %s: %s credentials fetched", p->profile,
		    p->src->name);
		aws_creds_deliver(p, NULL);
		return;
	}
	if (p->have && aws_creds_usable(&p->cur, p->fetched, now)) {
		/* Static stability: keep what works, try again later. */
		aws_time_format(p->cur.expiration, when, sizeof when);
		next = (int64_t)util_random_range(AWS_CREDS_RETRY_MIN,
		    AWS_CREDS_RETRY_MAX + 1);
		if (p->cur.expiration != 0 &&
		    next > (p->cur.expiration - now) / 2)
			next = (p->cur.expiration - now) / 2;
		log_warnx("profile %s: credential refresh failed: %s; keeping "
		    "the current credentials (valid until %s), next try in "
		    "%llds", p->profile, error, when, (long long)next);
		aws_creds_schedule(p, next);
		aws_creds_deliver(p, NULL);
		return;
	}
	log_debug("profile %s: credentials: %s", p->profile, error);
	if (p->src->kind == AWS_CHAIN_IMDS && !p->have) {
		/* IMDS was the last resort: say what came before it. */
		char	*line;

		xasprintf(&line, "unable to locate credentials: %s; %s",
		    p->tried, error);
		aws_creds_deliver(p, line);
		free(line);
		return;
	}
	aws_creds_deliver(p, error);
}

static void
aws_creds_refresh(struct aws_creds_provider *p)
{
	if (p->fetch != NULL)
		return;		/* one at a time: the waiters join it */
	p->fetch = aws_creds_fetch_start(p, p->src, aws_creds_fetched_cb, p);
}

static void
aws_creds_cached_cb(evutil_socket_t fd, short what, void *arg)
{
	struct aws_creds_wait		*w = arg;
	struct aws_creds_provider	*p = w->p;
	struct aws_creds		 snap;

	if (!p->have || !aws_creds_usable(&p->cur, p->fetched,
	    aws_creds_now())) {
		/* Went stale meanwhile: wait for a fetch like the rest. */
		event_free(w->ev);
		w->ev = NULL;
		TAILQ_INSERT_TAIL(&p->waiters, w, entry);
		w->queued = 1;
		aws_creds_refresh(p);
		return;
	}
	aws_creds_copy(&snap, &p->cur);
	w->cb(&snap, NULL, w->arg);
	aws_creds_clear(&snap);
	aws_creds_wait_free(w);
}

struct aws_creds_wait *
aws_creds_get(struct aws_creds_provider *p, int force, aws_creds_cb cb,
    void *arg)
{
	struct aws_creds_wait	*w;
	struct timeval		 tv = { 0, 0 };

	w = xcalloc(1, sizeof *w);
	w->p = p;
	w->cb = cb;
	w->arg = arg;
	if (!force && p->have && aws_creds_usable(&p->cur, p->fetched,
	    aws_creds_now())) {
		w->ev = evtimer_new(aws_client_base(p->client),
		    aws_creds_cached_cb, w);
		evtimer_add(w->ev, &tv);
		return (w);
	}
	TAILQ_INSERT_TAIL(&p->waiters, w, entry);
	w->queued = 1;
	aws_creds_refresh(p);
	return (w);
}

void
aws_creds_cancel(struct aws_creds_wait *w)
{
	if (w != NULL)
		aws_creds_wait_free(w);
}

int64_t
aws_creds_expiration(struct aws_creds_provider *p)
{
	return (p->have ? p->cur.expiration : 0);
}

unsigned
aws_creds_fetches(struct aws_creds_provider *p)
{
	return (p->nfetches);
}

const char *
aws_creds_provider_source(struct aws_creds_provider *p)
{
	return (p->src->name);
}

const char *
aws_creds_provider_tried(struct aws_creds_provider *p)
{
	return (p->tried);
}

static int
aws_creds_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

struct aws_creds_provider *
aws_creds_provider_get(struct aws_client *c, const char *profile,
    int is_explicit, const char *region, char **cause)
{
	struct aws_creds_cache		*cache = aws_client_creds_cache(c);
	struct aws_creds_provider	*p;
	struct aws_chain_source		*src;
	char				*tried;

	TAILQ_FOREACH(p, &cache->list, entry) {
		if (strcmp(p->profile, profile) == 0 &&
		    p->is_explicit == is_explicit &&
		    aws_creds_same(p->region, region))
			return (p);
	}
	src = aws_chain_resolve(aws_client_profiles(c), profile, is_explicit,
	    &tried, cause);
	if (src == NULL) {
		free(tried);
		return (NULL);
	}
	p = xcalloc(1, sizeof *p);
	p->client = c;
	p->profile = xstrdup(profile);
	p->is_explicit = is_explicit;
	if (region != NULL)
		p->region = xstrdup(region);
	p->src = src;
	p->tried = tried;
	/* Without a region STS means its global endpoint. */
	p->ctx = aws_ctx_new_bare(c, profile, region != NULL ? region :
	    "aws-global");
	p->timer = evtimer_new(aws_client_base(c), aws_creds_timer_cb, p);
	TAILQ_INIT(&p->waiters);
	TAILQ_INSERT_TAIL(&cache->list, p, entry);
	log_debug("profile %s: credentials from %s", profile, src->name);
	return (p);
}
