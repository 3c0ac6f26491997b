/*
 * The request layer: every AWS API call goes through aws_call_start().
 *
 * A call moves through: region known (maybe from IMDS) -> endpoint
 * resolved -> a token from the gateway-wide budget -> a credential
 * snapshot -> signed and sent -> classified. A failure that standard mode
 * retries waits a jittered backoff and goes round again (budget, fresh
 * snapshot, new signature); ExpiredToken forces one credential refresh;
 * a clock-skew error with a Date far off sets the skew and retries once.
 * Everything the caller sees is one response with one error line.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <event2/event.h>

#include "aws.h"
#include "aws_creds.h"
#include "aws_endpoints.h"
#include "aws_error.h"
#include "aws_http.h"
#include "aws_imds.h"
#include "aws_profile.h"
#include "aws_retry.h"
#include "aws_sts.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

struct aws_quota_entry {
	char				*url;
	struct aws_retry_quota		 q;
	TAILQ_ENTRY(aws_quota_entry)	 entry;
};

struct aws_client {
	struct event_base		*base;
	struct aws_options		 opts;
	char				*ca_bundle;
	char				*config_file;
	char				*credentials_file;
	struct aws_http			*http;
	struct aws_budget		*budget;
	struct aws_profiles		*profiles;
	struct aws_creds_cache		*creds;
	int64_t				 skew_ms;
	unsigned			 ncalls;
	TAILQ_HEAD(, aws_quota_entry)	 quotas;
	TAILQ_HEAD(, aws_call)		 calls;
	TAILQ_HEAD(, aws_ctx)		 ctxs;
};

struct aws_ctx {
	struct aws_client		*client;
	char				*profile;
	int				 is_explicit;
	char				*region;
	char				*endpoint_url;
	unsigned			 max_attempts;
	struct aws_creds_provider	*creds;
	struct aws_imds_config		 imds;
	struct aws_imds_req		*region_req;	/* IMDS, in flight */
	char				*region_error;
	TAILQ_ENTRY(aws_ctx)		 entry;
};

enum aws_call_state {
	AWS_CALL_REGION,	/* waiting for the ctx's region */
	AWS_CALL_BUDGET,
	AWS_CALL_CREDS,
	AWS_CALL_SENT,
	AWS_CALL_BACKOFF,
	AWS_CALL_DONE,
};

struct aws_call {
	struct aws_client		*client;
	struct aws_ctx			*ctx;
	enum aws_call_state		 state;
	aws_call_cb			 cb;
	void				*arg;

	char				*service;
	char				*operation;
	enum aws_protocol		 proto;
	char				*target;
	char				*method;
	char				*path;
	char				*body;
	size_t				 body_len;
	struct aws_header		*headers;
	size_t				 nheaders;
	int				 flags;
	struct aws_creds		 fixed;		/* flags & fixed creds */
	int				 has_fixed;
	char				*region;
	void				*owned;

	struct aws_endpoint		 ep;
	int				 has_ep;
	struct aws_retry_quota		*quota;
	unsigned			 attempts;
	unsigned			 max_attempts;
	unsigned			 last_cost;
	int				 force_refresh;
	int				 refreshed;	/* ExpiredToken retry used */
	int				 skew_fixed;

	struct aws_budget_wait		 bw;
	struct aws_creds_wait		*cw;
	struct aws_creds		 snap;
	struct aws_http_req		*hreq;
	struct event			*timer;

	/* The outcome, for the callback. */
	char				*error;
	struct aws_error		 err;

	TAILQ_ENTRY(aws_call)		 entry;
};

static void	aws_call_step(struct aws_call *);
static void	aws_call_finish(struct aws_call *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* A setting: the environment variable, else the profile key. */
static const char *
aws_setting(struct aws_ctx *ctx, const char *env, const char *key)
{
	const char	*v;

	if (env != NULL && (v = getenv(env)) != NULL && *v != '\0')
		return (v);
	return (aws_profile_get(ctx->client->profiles, ctx->profile, key));
}

static int
aws_setting_bool(struct aws_ctx *ctx, const char *env, const char *key)
{
	return (aws_profile_bool(aws_setting(ctx, env, key)) == 1);
}

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
	return (c);
}

void
aws_client_free(struct aws_client *c)
{
	struct aws_quota_entry	*qe;

	if (c == NULL)
		return;
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

/* The creds cache lives in the client but belongs to creds.c. */
struct aws_creds_cache *aws_client_creds_cache(struct aws_client *);
struct aws_creds_cache *
aws_client_creds_cache(struct aws_client *c)
{
	return (c->creds);
}

static struct aws_retry_quota *
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

static unsigned
aws_ctx_max_attempts(struct aws_ctx *ctx)
{
	const char	*v;
	char		*end;
	unsigned long	 n;

	if (ctx->client->opts.max_attempts != 0)
		n = ctx->client->opts.max_attempts;
	else if ((v = aws_setting(ctx, "AWS_MAX_ATTEMPTS", "max_attempts")) !=
	    NULL) {
		n = strtoul(v, &end, 10);
		if (*end != '\0' || n == 0) {
			log_warnx("profile %s: max_attempts \"%s\" is not a "
			    "positive number; using %d", ctx->profile, v,
			    AWS_RETRY_ATTEMPTS);
			n = AWS_RETRY_ATTEMPTS;
		}
	} else
		n = AWS_RETRY_ATTEMPTS;
	if (n > AWS_RETRY_MAX_ATTEMPTS)
		n = AWS_RETRY_MAX_ATTEMPTS;
	return ((unsigned)n);
}

static struct aws_ctx *
aws_ctx_make(struct aws_client *c, const char *profile, int is_explicit,
    const char *region, const char *endpoint_url)
{
	struct aws_ctx	*ctx;
	const char	*source;

	ctx = xcalloc(1, sizeof *ctx);
	ctx->client = c;
	ctx->profile = xstrdup(profile);
	ctx->is_explicit = is_explicit;
	region = aws_creds_region(c->profiles, profile, region, &source);
	if (region != NULL)
		ctx->region = xstrdup(region);
	if (endpoint_url != NULL && *endpoint_url != '\0')
		ctx->endpoint_url = xstrdup(endpoint_url);
	ctx->max_attempts = aws_ctx_max_attempts(ctx);
	aws_imds_config_load(&ctx->imds, c->profiles, profile);
	TAILQ_INSERT_TAIL(&c->ctxs, ctx, entry);
	return (ctx);
}

struct aws_ctx *
aws_ctx_new(struct aws_client *c, const char *profile, const char *region,
    const char *endpoint_url, char **cause)
{
	struct aws_ctx	*ctx;
	const char	*name;
	int		 is_explicit;

	name = aws_profile_select(profile, &is_explicit);
	if (is_explicit && !aws_profile_exists(c->profiles, name)) {
		xasprintf(cause, "profile %s not found in %s or %s", name,
		    c->profiles->config_path, c->profiles->credentials_path);
		return (NULL);
	}
	if (region != NULL && *region != '\0' &&
	    !aws_endpoint_region_is_valid(region)) {
		xasprintf(cause, "region \"%s\" is not valid", region);
		return (NULL);
	}
	ctx = aws_ctx_make(c, name, is_explicit, region, endpoint_url);
	if (ctx->region == NULL && ctx->imds.disabled) {
		xasprintf(cause, "no region: set region in gatewayd.conf, "
		    "AWS_REGION or profile %s", name);
		aws_ctx_free(ctx);
		return (NULL);
	}
	if (ctx->region != NULL && !aws_endpoint_region_is_valid(ctx->region)) {
		xasprintf(cause, "region \"%s\" is not valid", ctx->region);
		aws_ctx_free(ctx);
		return (NULL);
	}
	ctx->creds = aws_creds_provider_get(c, name, is_explicit, ctx->region,
	    cause);
	if (ctx->creds == NULL) {
		aws_ctx_free(ctx);
		return (NULL);
	}
	return (ctx);
}

struct aws_ctx *
aws_ctx_new_bare(struct aws_client *c, const char *profile,
    const char *region)
{
	return (aws_ctx_make(c, profile, 1, region, NULL));
}

void
aws_ctx_free(struct aws_ctx *ctx)
{
	struct aws_client	*c;
	struct aws_call		*call, *next;

	if (ctx == NULL)
		return;
	c = ctx->client;
	for (call = TAILQ_FIRST(&c->calls); call != NULL; call = next) {
		next = TAILQ_NEXT(call, entry);
		if (call->ctx == ctx)
			aws_call_cancel(call);
	}
	TAILQ_REMOVE(&c->ctxs, ctx, entry);
	aws_imds_cancel(ctx->region_req);
	aws_imds_config_clear(&ctx->imds);
	free(ctx->profile);
	free(ctx->region);
	free(ctx->endpoint_url);
	free(ctx->region_error);
	free(ctx);
}

const char *
aws_ctx_region(struct aws_ctx *ctx)
{
	return (ctx->region);
}

const char *
aws_ctx_profile(struct aws_ctx *ctx)
{
	return (ctx->profile);
}

struct aws_client *
aws_ctx_client(struct aws_ctx *ctx)
{
	return (ctx->client);
}

struct aws_creds_provider *
aws_ctx_creds(struct aws_ctx *ctx)
{
	return (ctx->creds);
}

/* Wake the calls of ctx that wait for its region. */
static void
aws_ctx_region_cb(const char *body, size_t len, const char *error, void *arg)
{
	struct aws_ctx	*ctx = arg;
	struct aws_call	*call, *next;

	ctx->region_req = NULL;
	if (body != NULL && aws_endpoint_region_is_valid(body)) {
		ctx->region = xstrdup(body);
		log_info("profile %s: region %s from instance metadata",
		    ctx->profile, ctx->region);
	} else {
		free(ctx->region_error);
		xasprintf(&ctx->region_error, "no region: not in gatewayd.conf, "
		    "AWS_REGION, AWS_DEFAULT_REGION or profile %s, and "
		    "instance metadata: %s", ctx->profile, error != NULL ?
		    error : "no valid region");
	}
	for (call = TAILQ_FIRST(&ctx->client->calls); call != NULL;
	    call = next) {
		next = TAILQ_NEXT(call, entry);
		if (call->ctx == ctx && call->state == AWS_CALL_REGION)
			aws_call_step(call);
	}
}

/* The endpoint key of a service in [services] sections: sso_oidc. */
static void
aws_service_key(const char *service, char *out, size_t len)
{
	size_t	i;

	for (i = 0; service[i] != '\0' && i + 1 < len; i++)
		out[i] = (service[i] == '-' || service[i] == ' ') ? '_' :
		    tolower((unsigned char)service[i]);
	out[i] = '\0';
}

static int
aws_ctx_endpoint(struct aws_ctx *ctx, const char *service, const char *region,
    struct aws_endpoint *ep, char **cause)
{
	struct aws_endpoint_params	 p;
	const char			*services, *v;
	char				 env[64], key[64];

	memset(&p, 0, sizeof p);
	p.service = service;
	p.region = region;
	p.use_fips = aws_setting_bool(ctx, "AWS_USE_FIPS_ENDPOINT",
	    "use_fips_endpoint");
	p.use_dualstack = aws_setting_bool(ctx, "AWS_USE_DUALSTACK_ENDPOINT",
	    "use_dualstack_endpoint");
	v = aws_setting(ctx, "AWS_STS_REGIONAL_ENDPOINTS",
	    "sts_regional_endpoints");
	p.sts_global = (v != NULL && strcasecmp(v, "legacy") == 0);
	if (ctx->endpoint_url != NULL && (strcmp(service, "ssm") == 0 ||
	    strcmp(service, "kms") == 0 || strcmp(service, "ec2") == 0))
		p.explicit_url = ctx->endpoint_url;
	aws_endpoint_env_name(service, env, sizeof env);
	if ((v = getenv(env)) != NULL && *v != '\0')
		p.env_service_url = v;
	if ((v = getenv("AWS_ENDPOINT_URL")) != NULL && *v != '\0')
		p.env_url = v;
	services = aws_profile_get(ctx->client->profiles, ctx->profile,
	    "services");
	if (services != NULL) {
		aws_service_key(service, key, sizeof key);
		p.services_url = aws_profile_services_get(ctx->client->profiles,
		    services, key, "endpoint_url");
	}
	p.profile_url = aws_profile_get(ctx->client->profiles, ctx->profile,
	    "endpoint_url");
	p.ignore_configured = aws_setting_bool(ctx,
	    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	    "ignore_configured_endpoint_urls");
	return (aws_endpoint_resolve(&p, ep, cause));
}

char *
aws_ctx_endpoint_host(struct aws_ctx *ctx, const char *service)
{
	struct aws_endpoint	 ep;
	const char		*host, *end;
	char			*cause, *out = NULL;

	/* Only the host matters: any valid region resolves an override. */
	if (aws_ctx_endpoint(ctx, service, ctx->region != NULL ? ctx->region :
	    "us-east-1", &ep, &cause) != 0) {
		free(cause);
		return (NULL);
	}
	if (strcmp(ep.source, "rules") != 0 &&
	    (host = strstr(ep.url, "://")) != NULL) {
		host += 3;
		if (host[strcspn(host, "@/?#")] == '@')	/* user@ */
			host += strcspn(host, "@") + 1;
		if (*host == '[') {
			host++;
			end = host + strcspn(host, "]");
		} else
			end = host + strcspn(host, ":/?#");
		if (end > host)
			out = xstrndup(host, end - host);
	}
	aws_endpoint_free(&ep);
	return (out);
}

static void
aws_call_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	aws_call_step(arg);
}

static void
aws_call_arm(struct aws_call *call, uint64_t ms)
{
	struct timeval	tv;

	tv = util_ms_tv(ms);
	evtimer_add(call->timer, &tv);
}

struct aws_call *
aws_call_start(struct aws_ctx *ctx, const struct aws_request *r,
    aws_call_cb cb, void *arg)
{
	struct aws_client	*c = ctx->client;
	struct aws_call		*call;
	size_t			 i;

	call = xcalloc(1, sizeof *call);
	call->client = c;
	call->ctx = ctx;
	call->cb = cb;
	call->arg = arg;
	call->service = xstrdup(r->service);
	call->operation = xstrdup(r->operation);
	call->proto = r->proto;
	call->target = r->target != NULL ? xstrdup(r->target) : NULL;
	call->method = xstrdup(r->method != NULL ? r->method : "POST");
	call->path = xstrdup(r->path != NULL ? r->path : "/");
	call->body = xmalloc(r->body_len + 1);
	if (r->body_len > 0)
		memcpy(call->body, r->body, r->body_len);
	call->body[r->body_len] = '\0';
	call->body_len = r->body_len;
	if (r->nheaders > 0) {
		call->headers = xcalloc(r->nheaders, sizeof *call->headers);
		for (i = 0; i < r->nheaders; i++) {
			call->headers[i].name = xstrdup(r->headers[i].name);
			call->headers[i].value = xstrdup(r->headers[i].value);
		}
		call->nheaders = r->nheaders;
	}
	call->flags = r->flags;
	if (r->creds != NULL) {
		aws_creds_copy(&call->fixed, r->creds);
		call->has_fixed = 1;
	}
	if (r->region != NULL)
		call->region = xstrdup(r->region);
	call->owned = r->owned;
	call->max_attempts = ctx->max_attempts;
	call->timer = evtimer_new(c->base, aws_call_timer_cb, call);
	call->state = AWS_CALL_REGION;
	TAILQ_INSERT_TAIL(&c->calls, call, entry);
	c->ncalls++;
	aws_call_arm(call, 0);		/* never call back from in here */
	return (call);
}

struct aws_call *
aws_call_json(struct aws_ctx *ctx, const char *service, const char *prefix,
    const char *operation, char *body, int flags, void *owned,
    aws_call_cb cb, void *arg)
{
	struct aws_request	 req;
	struct aws_call		*call;
	char			*target;

	xasprintf(&target, "%s.%s", prefix, operation);
	memset(&req, 0, sizeof req);
	req.service = service;
	req.operation = operation;
	req.proto = AWS_PROTO_JSON;
	req.target = target;
	req.body = body;
	req.body_len = strlen(body);
	req.flags = flags;
	req.owned = owned;
	call = aws_call_start(ctx, &req, cb, arg);
	freezero_str(body);
	free(target);
	return (call);
}

static void
aws_call_free(struct aws_call *call)
{
	struct aws_client	*c = call->client;
	size_t			 i;

	TAILQ_REMOVE(&c->calls, call, entry);
	c->ncalls--;
	aws_budget_cancel(&call->bw);
	aws_creds_cancel(call->cw);
	aws_http_cancel(call->hreq);
	event_free(call->timer);
	if (call->has_ep)
		aws_endpoint_free(&call->ep);
	aws_creds_clear(&call->snap);
	aws_creds_clear(&call->fixed);
	for (i = 0; i < call->nheaders; i++) {
		free((char *)call->headers[i].name);
		freezero_str((char *)call->headers[i].value);
	}
	free(call->headers);
	freezero_str(call->body);
	free(call->service);
	free(call->operation);
	free(call->target);
	free(call->method);
	free(call->path);
	free(call->region);
	free(call->owned);
	free(call->error);
	aws_error_clear(&call->err);
	free(call);
}

void
aws_call_cancel(struct aws_call *call)
{
	if (call != NULL)
		aws_call_free(call);
}

/* Report the outcome (from the loop) and free the call. */
static void
aws_call_done(struct aws_call *call, const struct aws_http_response *hr)
{
	struct aws_response	 resp;

	memset(&resp, 0, sizeof resp);
	resp.ok = (call->error == NULL);
	resp.attempts = call->attempts;
	resp.body = "";
	if (hr != NULL) {
		resp.status = hr->status;
		resp.body = hr->body;
		resp.body_len = hr->body_len;
		resp.request_id = hr->request_id;
	}
	if (!resp.ok) {
		resp.error = call->error;
		resp.code = call->err.code;
		resp.message = call->err.message;
		resp.transport = (call->err.code == NULL || call->err.unparsed);
		if (resp.request_id != NULL)
			log_info("aws: %s (request id %s)", call->error,
			    resp.request_id);
	}
	call->state = AWS_CALL_DONE;
	call->cb(&resp, call->arg);
	aws_call_free(call);
}

/* Fail without an HTTP answer: configuration, credentials, budget. */
static void
aws_call_finish(struct aws_call *call, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(&call->error, "%s: %s", call->operation, msg);
	free(msg);
	aws_call_done(call, NULL);
}

static void
aws_call_budget_cb(void *arg)
{
	struct aws_call	*call = arg;

	call->state = AWS_CALL_CREDS;
	aws_call_step(call);
}

static void
aws_call_creds_cb(const struct aws_creds *creds, const char *error, void *arg)
{
	struct aws_call	*call = arg;

	call->cw = NULL;
	if (creds == NULL) {
		aws_call_finish(call, "%s", error);
		return;
	}
	aws_creds_clear(&call->snap);
	aws_creds_copy(&call->snap, creds);
	call->state = AWS_CALL_SENT;
	aws_call_step(call);
}

/* The URL of this request on the endpoint. */
static char *
aws_call_url(struct aws_call *call)
{
	const char	*base = call->ep.url;
	size_t		 len = strlen(base);
	char		*url;

	while (len > 0 && base[len - 1] == '/')
		len--;
	if (call->proto == AWS_PROTO_REST)
		xasprintf(&url, "%.*s%s", (int)len, base, call->path);
	else
		xasprintf(&url, "%.*s/", (int)len, base);
	return (url);
}

static void	aws_call_http_cb(const struct aws_http_response *, void *);

static void
aws_call_send(struct aws_call *call)
{
	struct aws_sigv4_request	 sr;
	struct aws_sigv4_result		 res;
	struct aws_http_request		 hr;
	struct aws_header		 h[16];
	size_t				 nh = 0, i;
	const struct aws_creds		*creds;
	char				*url, *cause = NULL;
	int64_t				 now_ms;

	if (call->proto == AWS_PROTO_JSON) {
		h[nh].name = "Content-Type";
		h[nh++].value = "application/x-amz-json-1.1";
		h[nh].name = "X-Amz-Target";
		h[nh++].value = call->target;
	} else if (call->proto == AWS_PROTO_QUERY) {
		h[nh].name = "Content-Type";
		h[nh++].value = "application/x-www-form-urlencoded; "
		    "charset=utf-8";
	} else if (call->body_len > 0) {
		h[nh].name = "Content-Type";
		h[nh++].value = "application/json";
	}
	for (i = 0; i < call->nheaders && nh < 8; i++)
		h[nh++] = call->headers[i];

	memset(&res, 0, sizeof res);
	url = aws_call_url(call);
	if (!(call->flags & AWS_CALL_UNSIGNED)) {
		creds = call->has_fixed ? &call->fixed : &call->snap;
		memset(&sr, 0, sizeof sr);
		sr.method = call->method;
		sr.url = url;
		sr.headers = h;
		sr.nheaders = nh;
		sr.body = call->body;
		sr.body_len = call->body_len;
		sr.region = call->ep.signing_region;
		sr.service = call->ep.signing_name;
		now_ms = (int64_t)clock_wall_ms() + call->client->skew_ms;
		sr.when = (time_t)(now_ms / 1000);
		if (aws_sigv4_sign(&sr, creds, &res, &cause) != 0) {
			free(url);
			aws_call_finish(call, "cannot sign: %s", cause);
			free(cause);
			return;
		}
		for (i = 0; i < res.nadd && nh < sizeof h / sizeof h[0]; i++)
			h[nh++] = res.add[i];
	}
	memset(&hr, 0, sizeof hr);
	hr.method = call->method;
	hr.url = url;
	hr.headers = h;
	hr.nheaders = nh;
	hr.body = call->body;
	hr.body_len = call->body_len;
	hr.connect_timeout = call->client->opts.connect_timeout;
	hr.timeout = call->client->opts.call_timeout != 0 ?
	    call->client->opts.call_timeout : AWS_CALL_TIMEOUT;
	call->attempts++;
	log_debug("aws: %s: attempt %u/%u to %s", call->operation,
	    call->attempts, call->max_attempts, call->ep.url);
	call->hreq = aws_http_start(call->client->http, &hr, aws_call_http_cb,
	    call);
	aws_sigv4_result_free(&res);
	free(url);
}

/* Move the call on from its state. */
static void
aws_call_step(struct aws_call *call)
{
	struct aws_ctx	*ctx = call->ctx;
	char		*cause = NULL;
	const char	*region;

	switch (call->state) {
	case AWS_CALL_REGION:
		region = call->region != NULL ? call->region : ctx->region;
		if (region == NULL && ctx->region_error != NULL) {
			aws_call_finish(call, "%s", ctx->region_error);
			return;
		}
		if (region == NULL) {
			if (ctx->region_req == NULL)
				ctx->region_req = aws_imds_region(
				    ctx->client->http, &ctx->imds,
				    aws_ctx_region_cb, ctx);
			return;		/* aws_ctx_region_cb steps us */
		}
		if (aws_ctx_endpoint(ctx, call->service, region, &call->ep,
		    &cause) != 0) {
			aws_call_finish(call, "endpoint: %s", cause);
			free(cause);
			return;
		}
		call->has_ep = 1;
		call->quota = aws_client_quota_find(call->client, call->ep.url);
		call->state = AWS_CALL_BUDGET;
		/* FALLTHROUGH */
	case AWS_CALL_BUDGET:
	case AWS_CALL_BACKOFF:
		call->state = AWS_CALL_BUDGET;
		if (!aws_budget_take(call->client->budget, &call->bw,
		    aws_call_budget_cb, call))
			return;
		call->state = AWS_CALL_CREDS;
		/* FALLTHROUGH */
	case AWS_CALL_CREDS:
		if (!(call->flags & AWS_CALL_UNSIGNED) && !call->has_fixed) {
			if (ctx->creds == NULL) {
				aws_call_finish(call, "no credentials for "
				    "profile %s", ctx->profile);
				return;
			}
			call->cw = aws_creds_get(ctx->creds,
			    call->force_refresh, aws_call_creds_cb, call);
			call->force_refresh = 0;
			return;
		}
		call->state = AWS_CALL_SENT;
		/* FALLTHROUGH */
	case AWS_CALL_SENT:
		aws_call_send(call);
		break;
	case AWS_CALL_DONE:
		break;
	}
}

static enum aws_retry_transport
aws_call_transport(enum aws_http_error e)
{
	switch (e) {
	case AWS_HTTP_OK:
		return (AWS_RETRY_T_NONE);
	case AWS_HTTP_ERR_CONNECT:
	case AWS_HTTP_ERR_IO:
		return (AWS_RETRY_T_CONNECT);
	case AWS_HTTP_ERR_TIMEOUT:
		return (AWS_RETRY_T_TIMEOUT);
	default:
		return (AWS_RETRY_T_FINAL);
	}
}

/*
 * A clock-skew error: learn the offset from Date. Return 1 if it is far
 * enough off to be worth one more attempt signed with the fixed clock.
 */
static int
aws_call_fix_skew(struct aws_call *call, const char *date)
{
	time_t	t;
	int64_t	offset;

	if (call->skew_fixed || date == NULL ||
	    (t = curl_getdate(date, NULL)) == -1)
		return (0);
	offset = (int64_t)t * 1000 - (int64_t)clock_wall_ms();
	/* Already signing with (about) that offset: the skew is not it. */
	if (offset - call->client->skew_ms < AWS_RETRY_SKEW_MS &&
	    offset - call->client->skew_ms > -AWS_RETRY_SKEW_MS)
		return (0);
	call->skew_fixed = 1;
	call->client->skew_ms = offset;
	log_warnx("aws: %s: the clock is %+lld s off the service's; signing "
	    "with the service's time", call->operation,
	    (long long)(offset / 1000));
	return (1);
}

/* May this non-idempotent call be sent again after this failure? */
static int
aws_call_may_repeat(struct aws_call *call, const struct aws_http_response *hr,
    enum aws_retry_class cls)
{
	if (!(call->flags & AWS_CALL_NOT_IDEMPOTENT))
		return (1);
	if (hr->error != AWS_HTTP_OK)
		return (!hr->sent);
	return (hr->status >= 500 || cls == AWS_RETRY_THROTTLE);
}

/* Set call->err and call->error from a failed attempt. */
static void
aws_call_describe(struct aws_call *call, const struct aws_http_response *hr)
{
	aws_error_clear(&call->err);
	free(call->error);
	call->error = NULL;
	if (hr->error != AWS_HTTP_OK) {
		xasprintf(&call->error, "%s: %s", call->operation,
		    hr->error_text);
		return;
	}
	if (call->proto == AWS_PROTO_QUERY)
		aws_sts_xml_error(hr->status, hr->body, hr->body_len,
		    &call->err);
	else
		aws_error_parse_json(hr->status, hr->body, hr->body_len,
		    hr->error_type, &call->err);
	if (call->err.unparsed)
		xasprintf(&call->error, "%s: HTTP %ld: %s", call->operation,
		    hr->status, *call->err.message != '\0' ?
		    call->err.message : "empty response");
	else if (*call->err.message != '\0')
		xasprintf(&call->error, "%s: %s: %s", call->operation,
		    call->err.code, call->err.message);
	else
		xasprintf(&call->error, "%s: %s", call->operation,
		    call->err.code);
}

/* Decide whether to go round again; 1 if a retry is scheduled. */
static int
aws_call_retry(struct aws_call *call, const struct aws_http_response *hr)
{
	enum aws_retry_class	 cls;
	const char		*code = NULL;
	unsigned		 cost;
	uint64_t		 ms;

	if (hr->error == AWS_HTTP_OK && !call->err.unparsed)
		code = call->err.code;
	if (code != NULL && aws_error_is_expired_token(code) &&
	    !call->refreshed && !call->has_fixed &&
	    !(call->flags & AWS_CALL_UNSIGNED) && call->ctx->creds != NULL) {
		call->refreshed = 1;
		call->force_refresh = 1;
		log_info("aws: %s: %s; refreshing credentials once",
		    call->operation, code);
		call->state = AWS_CALL_BUDGET;
		aws_call_step(call);
		return (1);
	}
	if (code != NULL && aws_error_is_clock_skew(code) &&
	    aws_call_fix_skew(call, hr->date)) {
		call->state = AWS_CALL_BUDGET;
		aws_call_step(call);
		return (1);
	}
	cls = aws_retry_classify(aws_call_transport(hr->error), hr->status,
	    code);
	if (cls == AWS_RETRY_NONE || call->attempts >= call->max_attempts ||
	    !aws_call_may_repeat(call, hr, cls))
		return (0);
	if ((cost = aws_retry_quota_acquire(call->quota,
	    cls == AWS_RETRY_TIMEOUT)) == 0) {
		log_info("aws: %s: retry quota of %s exhausted",
		    call->operation, call->ep.url);
		return (0);
	}
	call->last_cost = cost;
	ms = aws_retry_backoff_random(call->attempts,
	    call->client->opts.backoff_base != 0 ?
	    call->client->opts.backoff_base : AWS_RETRY_BASE_MS);
	log_debug("aws: %s: attempt %u failed (%s); retrying in %llu ms",
	    call->operation, call->attempts, call->error,
	    (unsigned long long)ms);
	call->state = AWS_CALL_BACKOFF;
	aws_call_arm(call, ms);
	return (1);
}

/*
 * A 2xx answer of the JSON protocols is a JSON object (or empty, which
 * the caller judges). Anything else came from something that is not AWS (a
 * proxy's or a captive portal's HTML page, a wrong endpoint_url): fail
 * the call with what came, status, Content-Type and the first bytes,
 * rather than leave the caller to say only "not a JSON object". Bytes of
 * what looks like JSON are not shown: a StartSession answer cut short
 * holds the session token. Return -1 with call->error set if so.
 */
static int
aws_call_not_json(struct aws_call *call, const struct aws_http_response *hr)
{
	const char	*p = hr->body;
	size_t		 n = hr->body_len;
	char		*type, *bytes;
	cJSON		*j;

	if (call->proto == AWS_PROTO_QUERY)
		return (0);
	while (n > 0 && isspace((unsigned char)*p)) {
		p++;
		n--;
	}
	if (n == 0)
		return (0);
	if ((j = cJSON_ParseWithLength(p, n)) != NULL) {
		n = cJSON_IsObject(j) ? 0 : n;
		cJSON_Delete(j);
		if (n == 0)
			return (0);
	}
	aws_error_clear(&call->err);
	call->err.unparsed = 1;
	call->err.message = xstrdup("");
	free(call->error);
	type = hr->content_type != NULL ? aws_error_excerpt(hr->content_type,
	    strlen(hr->content_type), 64) : xstrdup("none");
	if (*p == '{' || *p == '[')
		xasprintf(&call->error, "%s: HTTP %ld, Content-Type %s: the "
		    "answer is not a JSON object (%zu bytes of malformed or "
		    "cut JSON)", call->operation, hr->status, type, n);
	else {
		bytes = aws_error_excerpt(p, n, 64);
		xasprintf(&call->error, "%s: HTTP %ld, Content-Type %s: the "
		    "answer is not JSON, it begins \"%s\" (not AWS: a proxy "
		    "or a wrong endpoint?)", call->operation, hr->status,
		    type, bytes);
		free(bytes);
	}
	free(type);
	return (-1);
}

static void
aws_call_http_cb(const struct aws_http_response *hr, void *arg)
{
	struct aws_call	*call = arg;

	call->hreq = NULL;
	if (hr->error == AWS_HTTP_OK && hr->status >= 200 && hr->status < 300) {
		aws_retry_quota_release(call->quota, call->last_cost);
		free(call->error);
		call->error = NULL;
		aws_error_clear(&call->err);
		aws_call_not_json(call, hr);
		aws_call_done(call, hr);
		return;
	}
	aws_call_describe(call, hr);
	if (aws_call_retry(call, hr))
		return;
	if (call->attempts > 1) {
		char	*more;

		xasprintf(&more, "%s (after %u attempts)", call->error,
		    call->attempts);
		free(call->error);
		call->error = more;
	}
	aws_call_done(call, hr);
}
