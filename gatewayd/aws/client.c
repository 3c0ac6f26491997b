/*
 * The AWS client: what every call of the daemon shares. The HTTP engine,
 * the API budget, the retry quota of each endpoint, the clock skew learnt
 * from the services, the shared config files and the credential cache.
 * Contexts (ctx.c) and calls (call.c) hang off it.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "aws_creds.h"
#include "aws_http.h"
#include "aws_int.h"
#include "aws_profile.h"
#include "aws_retry.h"
#include "xmalloc.h"

struct aws_quota_entry {
	char				*url;
	struct aws_retry_quota		 q;
	TAILQ_ENTRY(aws_quota_entry)	 entry;
};

/* Every client (one in gatewayd): aws_foreach_ctx walks them. */
static TAILQ_HEAD(, aws_client)	aws_clients =
    TAILQ_HEAD_INITIALIZER(aws_clients);

static char *
aws_client_opt(const char *given, const char *env)
{
	const char	*v = given;

	if ((v == NULL || *v == '\0') && env != NULL)
		v = getenv(env);
	return ((v != NULL && *v != '\0') ? xstrdup(v) : NULL);
}

struct aws_client *
aws_client_new(struct event_base *base, const struct aws_options *opts,
    char **cause)
{
	struct aws_client	*c;
	const char		*profile;
	int			 is_explicit;

	c = xcalloc(1, sizeof *c);
	c->base = base;
	if (opts != NULL)
		c->opts = *opts;
	c->config_file = aws_client_opt(c->opts.config_file, NULL);
	c->credentials_file = aws_client_opt(c->opts.credentials_file, NULL);
	c->opts.config_file = c->opts.credentials_file = c->opts.ca_bundle =
	    NULL;
	TAILQ_INIT(&c->quotas);
	TAILQ_INIT(&c->calls);
	TAILQ_INIT(&c->ctxs);
	c->profiles = aws_profile_load(c->config_file, c->credentials_file,
	    cause);
	if (c->profiles == NULL) {
		free(c->config_file);
		free(c->credentials_file);
		free(c);
		return (NULL);
	}
	/* One trust store for all HTTPS: the default profile's choice. */
	c->ca_bundle = aws_client_opt(opts != NULL ? opts->ca_bundle : NULL,
	    "AWS_CA_BUNDLE");
	if (c->ca_bundle == NULL) {
		profile = aws_profile_select(NULL, &is_explicit);
		c->ca_bundle = aws_client_opt(aws_profile_get(c->profiles,
		    profile, "ca_bundle"), NULL);
	}
	c->http = aws_http_new(base, c->ca_bundle);
	c->budget = aws_budget_new(base, c->opts.api_rate, c->opts.api_burst);
	c->creds = aws_creds_cache_new();
	TAILQ_INSERT_TAIL(&aws_clients, c, entry);
	return (c);
}

void
aws_foreach_ctx(void (*cb)(struct aws_ctx *, void *), void *arg)
{
	struct aws_client	*c;
	struct aws_ctx		*ctx;

	TAILQ_FOREACH(c, &aws_clients, entry) {
		TAILQ_FOREACH(ctx, &c->ctxs, entry) {
			/* A user's keys or role are not the profile's. */
			if (!ctx->own_creds)
				cb(ctx, arg);
		}
	}
}

void
aws_client_free(struct aws_client *c)
{
	struct aws_quota_entry	*qe;

	if (c == NULL)
		return;
	TAILQ_REMOVE(&aws_clients, c, entry);
	while (!TAILQ_EMPTY(&c->calls))
		aws_call_cancel(TAILQ_FIRST(&c->calls));
	/* Providers own contexts of their own: free them first. */
	aws_creds_cache_free(c->creds);
	while (!TAILQ_EMPTY(&c->ctxs))
		aws_ctx_free(TAILQ_FIRST(&c->ctxs));
	while ((qe = TAILQ_FIRST(&c->quotas)) != NULL) {
		TAILQ_REMOVE(&c->quotas, qe, entry);
		free(qe->url);
		free(qe);
	}
	aws_budget_free(c->budget);
	aws_http_free(c->http);
	aws_profile_free(c->profiles);
	free(c->ca_bundle);
	free(c->config_file);
	free(c->credentials_file);
	free(c);
}

int
aws_client_reload(struct aws_client *c, char **cause)
{
	struct aws_profiles	*p;

	p = aws_profile_load(c->config_file, c->credentials_file, cause);
	if (p == NULL)
		return (-1);
	/* Providers point at the old files: contexts must be made again. */
	aws_profile_free(c->profiles);
	c->profiles = p;
	aws_http_read_proxy_env(c->http);
	return (0);
}

struct event_base *
aws_client_base(struct aws_client *c)
{
	return (c->base);
}

struct aws_http *
aws_client_http(struct aws_client *c)
{
	return (c->http);
}

struct aws_profiles *
aws_client_profiles(struct aws_client *c)
{
	return (c->profiles);
}

const struct aws_options *
aws_client_options(struct aws_client *c)
{
	return (&c->opts);
}

const char *
aws_client_ca_bundle(struct aws_client *c)
{
	return (c->ca_bundle);
}

int64_t
aws_client_skew(struct aws_client *c)
{
	return (c->skew_ms);
}

unsigned
aws_client_calls(struct aws_client *c)
{
	return (c->ncalls);
}

struct aws_creds_cache *
aws_client_creds_cache(struct aws_client *c)
{
	return (c->creds);
}

struct aws_retry_quota *
aws_client_quota_find(struct aws_client *c, const char *url)
{
	struct aws_quota_entry	*qe;

	TAILQ_FOREACH(qe, &c->quotas, entry) {
		if (strcmp(qe->url, url) == 0)
			return (&qe->q);
	}
	qe = xcalloc(1, sizeof *qe);
	qe->url = xstrdup(url);
	aws_retry_quota_init(&qe->q);
	TAILQ_INSERT_TAIL(&c->quotas, qe, entry);
	return (&qe->q);
}

unsigned
aws_client_quota(struct aws_client *c, const char *url)
{
	return (aws_client_quota_find(c, url)->level);
}

