/*
 * One credential fetch from one source of the chain (chain.c), on the
 * event loop: the fetch object, the dispatch on the source's kind, and the
 * sources on this machine (the environment, static keys from the profile
 * files, credential_process). The sources behind an endpoint are in
 * creds_remote.c; the cache that keeps what a fetch got is creds.c.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "aws.h"
#include "aws_chain.h"
#include "aws_creds.h"
#include "aws_http.h"
#include "aws_imds.h"
#include "aws_process.h"
#include "aws_sso.h"
#include "aws_time.h"
#include "creds_int.h"
#include "util.h"
#include "xmalloc.h"

/* Read a small file (a token), trimmed. NULL and *cause on failure. */
char *
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

static void
aws_creds_fetch_free(struct aws_creds_fetch *f)
{
	aws_creds_fetch_cancel(f->inner);
	aws_creds_cancel(f->wait);
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

void
aws_creds_fetch_cancel(struct aws_creds_fetch *f)
{
	if (f != NULL)
		aws_creds_fetch_free(f);
}

/* The outcome: the callback, then the fetch is gone. */
void
aws_creds_fetch_done(struct aws_creds_fetch *f, const struct aws_creds *c,
    const char *error)
{
	f->cb(f->arg, c, error);
	aws_creds_fetch_free(f);
}

/* Fail from the loop: never inside aws_creds_fetch_start(). */
void
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

void
aws_creds_fetch_later(struct aws_creds_fetch *f, unsigned ms)
{
	struct timeval	tv = util_ms_tv(ms);

	if (f->ev != NULL)
		event_free(f->ev);
	f->ev = evtimer_new(aws_client_base(f->client),
	    aws_creds_fetch_later_cb, f);
	evtimer_add(f->ev, &tv);
}

/* Finish the fetch with a JSON credentials document, or its fault. */
void
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
	const struct aws_options	*o = aws_client_options(f->client);
	char				*name, *cause = NULL;

	xasprintf(&name, "profile %s: credential_process", f->src->profile);
	f->proc = aws_process_run(aws_client_base(f->client),
	    f->src->command, o->credential_process_timeout != 0 ?
	    o->credential_process_timeout : AWS_PROCESS_TIMEOUT, name,
	    aws_creds_process_cb, f, &cause);
	free(name);
	/* Out of descriptors, say: this fetch fails, the daemon goes on. */
	if (f->proc == NULL) {
		aws_creds_process_cb(NULL, 0, cause, f);
		free(cause);
	}
}

/* Keys handed in: good until AWS_CREDS_MIN_LIFE before they expire. */
static void
aws_creds_fetch_fixed(struct aws_creds_fetch *f)
{
	if (!aws_creds_fixed_ok(&f->src->keys, aws_creds_now()))
		xasprintf(&f->error, "credentials of %s expired",
		    f->src->label);
	else
		aws_creds_copy(&f->got, &f->src->keys);
	aws_creds_fetch_later(f, 0);
}

static void
aws_creds_provider_cb(const struct aws_creds *c, const char *error,
    void *arg)
{
	struct aws_creds_fetch	*f = arg;

	f->wait = NULL;
	aws_creds_fetch_done(f, c, error);
}

struct aws_creds_fetch *
aws_creds_fetch_start(struct aws_client *c, struct aws_ctx *ctx,
    struct aws_chain_source *src, aws_creds_fetch_cb cb, void *arg)
{
	struct aws_creds_fetch	*f;

	f = xcalloc(1, sizeof *f);
	f->client = c;
	f->ctx = ctx;
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
		aws_creds_fetch_assume_role(f);
		break;
	case AWS_CHAIN_WEB_IDENTITY:
		aws_creds_fetch_web_identity(f);
		break;
	case AWS_CHAIN_SSO:
		aws_creds_fetch_sso(f);
		break;
	case AWS_CHAIN_PROCESS:
		aws_creds_fetch_process(f);
		break;
	case AWS_CHAIN_CONTAINER:
		aws_creds_fetch_container(f);
		break;
	case AWS_CHAIN_IMDS:
		aws_creds_fetch_imds(f);
		break;
	case AWS_CHAIN_FIXED:
		aws_creds_fetch_fixed(f);
		break;
	case AWS_CHAIN_PROVIDER:
		/* Its cache: what it holds is reused, not fetched again. */
		f->wait = aws_creds_get(src->via, 0, aws_creds_provider_cb, f);
		break;
	}
	return (f);
}
