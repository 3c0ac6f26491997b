/*
 * Contexts: a profile, a region and an endpoint override, and the settings
 * that come with them from the environment or the profile (max_attempts,
 * FIPS and dual-stack endpoints, endpoint URLs). A context without a
 * region asks instance metadata once, on its first call.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws.h"
#include "aws_chain.h"
#include "aws_creds.h"
#include "aws_endpoints.h"
#include "aws_imds.h"
#include "aws_int.h"
#include "aws_profile.h"
#include "aws_retry.h"
#include "log.h"
#include "xmalloc.h"

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

/* A context with base's settings and a provider of its own for src. */
static struct aws_ctx *
aws_ctx_own(struct aws_ctx *base, struct aws_chain_source *src)
{
	struct aws_ctx	*ctx;

	ctx = aws_ctx_make(base->client, base->profile, base->is_explicit,
	    base->region, base->endpoint_url);
	ctx->creds = aws_creds_provider_new(ctx->client, ctx->profile,
	    ctx->is_explicit, ctx->region, src);
	ctx->own_creds = 1;
	return (ctx);
}

struct aws_ctx *
aws_ctx_new_fixed(struct aws_ctx *base, const struct aws_creds *creds,
    const char *label)
{
	return (aws_ctx_own(base, aws_chain_fixed(creds, label)));
}

void
aws_ctx_set_creds(struct aws_ctx *fixed, const struct aws_creds *creds)
{
	if (!fixed->own_creds)
		fatalx("%s: not a context of fixed credentials", __func__);
	aws_creds_provider_set(fixed->creds, creds);
}

struct aws_ctx *
aws_ctx_new_role(struct aws_ctx *base, struct aws_ctx *via,
    const char *role_arn, const char *session_name, char **cause)
{
	if (!aws_chain_role_arn_ok(role_arn)) {
		xasprintf(cause, "role_arn \"%s\" is not a role ARN "
		    "(arn:aws:iam::ACCOUNT:role/NAME)", role_arn);
		return (NULL);
	}
	if (!aws_chain_session_name_ok(session_name)) {
		xasprintf(cause, "role session name \"%s\" is not 2 to 64 of "
		    "A-Z, a-z, 0-9 and _+=,.@-", session_name);
		return (NULL);
	}
	if (via->creds == NULL) {
		xasprintf(cause, "no credentials to assume %s with", role_arn);
		return (NULL);
	}
	return (aws_ctx_own(base, aws_chain_role(base->profile, role_arn,
	    session_name, via->creds)));
}

void
aws_ctx_free(struct aws_ctx *ctx)
{
	if (ctx == NULL)
		return;
	aws_call_cancel_ctx(ctx);
	if (ctx->own_creds)
		aws_creds_provider_free(ctx->creds);
	TAILQ_REMOVE(&ctx->client->ctxs, ctx, entry);
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
	aws_call_region_ready(ctx);
}

void
aws_ctx_region_fetch(struct aws_ctx *ctx)
{
	if (ctx->region_req == NULL)
		ctx->region_req = aws_imds_region(ctx->client->http,
		    &ctx->imds, aws_ctx_region_cb, ctx);
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

int
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
