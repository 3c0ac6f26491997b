/*
 * EC2 instance metadata: a token (IMDSv2) then the GET, with the v1
 * fallback rules, one short timeout, never a proxy. Used for IMDS
 * credentials (creds.c) and the region of last resort (ctx.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "aws_http.h"
#include "aws_imds.h"
#include "aws_profile.h"
#include "log.h"
#include "xmalloc.h"

enum aws_imds_state {
	AWS_IMDS_TOKEN,
	AWS_IMDS_GET,
};

struct aws_imds_req {
	struct aws_http			*http;
	struct aws_imds_config		 cfg;
	char				*path;
	enum aws_imds_state		 state;
	char				*token;
	int				 token_retried;
	unsigned			 attempts;
	struct aws_http_req		*hreq;
	aws_imds_cb			 cb;
	void				*arg;
	/* region lookups chain two GETs through an inner request */
	struct aws_imds_req		*inner;
	int				 region_step;
};

static void	aws_imds_send(struct aws_imds_req *);

static const char *
aws_imds_setting(const struct aws_profiles *set, const char *profile,
    const char *env, const char *key)
{
	const char	*v;

	if ((v = getenv(env)) != NULL && *v != '\0')
		return (v);
	return (key != NULL ? aws_profile_get(set, profile, key) : NULL);
}

void
aws_imds_config_load(struct aws_imds_config *cfg,
    const struct aws_profiles *set, const char *profile)
{
	const char	*v;
	size_t		 len;
	long		 n;

	memset(cfg, 0, sizeof *cfg);
	cfg->disabled = aws_profile_bool(aws_imds_setting(set, profile,
	    "AWS_EC2_METADATA_DISABLED", NULL)) == 1;
	cfg->v1_disabled = aws_profile_bool(aws_imds_setting(set, profile,
	    "AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled")) == 1;
	v = aws_imds_setting(set, profile, "AWS_EC2_METADATA_SERVICE_ENDPOINT",
	    "ec2_metadata_service_endpoint");
	if (v == NULL) {
		v = aws_imds_setting(set, profile,
		    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
		    "ec2_metadata_service_endpoint_mode");
		v = (v != NULL && strcasecmp(v, "IPv6") == 0) ?
		    AWS_IMDS_ENDPOINT_V6 : AWS_IMDS_ENDPOINT_V4;
	}
	len = strlen(v);
	while (len > 0 && v[len - 1] == '/')
		len--;
	cfg->endpoint = xstrndup(v, len);
	cfg->timeout = AWS_IMDS_TIMEOUT;
	v = aws_imds_setting(set, profile, "AWS_METADATA_SERVICE_TIMEOUT",
	    "metadata_service_timeout");
	if (v != NULL && (n = strtol(v, NULL, 10)) > 0 && n <= 60)
		cfg->timeout = (unsigned)n * 1000;
	cfg->attempts = 1;
	v = aws_imds_setting(set, profile, "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
	    "metadata_service_num_attempts");
	if (v != NULL && (n = strtol(v, NULL, 10)) > 0 && n <= 10)
		cfg->attempts = (unsigned)n;
}

void
aws_imds_config_clear(struct aws_imds_config *cfg)
{
	free(cfg->endpoint);
	memset(cfg, 0, sizeof *cfg);
}

static void
aws_imds_free(struct aws_imds_req *r)
{
	aws_http_cancel(r->hreq);
	aws_imds_cancel(r->inner);
	free(r->cfg.endpoint);
	free(r->path);
	freezero_str(r->token);
	free(r);
}

void
aws_imds_cancel(struct aws_imds_req *r)
{
	if (r != NULL)
		aws_imds_free(r);
}

static void
aws_imds_fail(struct aws_imds_req *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
aws_imds_fail(struct aws_imds_req *r, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *line;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(&line, "instance metadata %s: %s", r->cfg.endpoint, msg);
	r->cb(NULL, 0, line, r->arg);
	free(line);
	free(msg);
	aws_imds_free(r);
}

static void
aws_imds_http_cb(const struct aws_http_response *hr, void *arg)
{
	struct aws_imds_req	*r = arg;
	int			 unavailable;

	r->hreq = NULL;
	if (r->state == AWS_IMDS_TOKEN) {
		if (hr->error == AWS_HTTP_OK && hr->status == 200 &&
		    hr->body_len > 0) {
			r->token = xstrndup(hr->body, strcspn(hr->body,
			    "\r\n"));
			r->state = AWS_IMDS_GET;
			aws_imds_send(r);
			return;
		}
		unavailable = hr->error == AWS_HTTP_ERR_TIMEOUT ||
		    (hr->error == AWS_HTTP_OK && (hr->status == 403 ||
		    hr->status == 404 || hr->status == 405));
		if (hr->error != AWS_HTTP_OK && !unavailable) {
			aws_imds_fail(r, "no answer (%s)", hr->error_text);
			return;
		}
		if (!unavailable) {
			aws_imds_fail(r, "token request refused (HTTP %ld)",
			    hr->status);
			return;
		}
		if (r->cfg.v1_disabled) {
			aws_imds_fail(r, "IMDSv2 is not available and IMDSv1 "
			    "is disabled");
			return;
		}
		log_debug("imds: no token (%s); falling back to IMDSv1",
		    hr->error != AWS_HTTP_OK ? hr->error_text : "refused");
		r->state = AWS_IMDS_GET;
		aws_imds_send(r);
		return;
	}
	if (hr->error == AWS_HTTP_OK && hr->status == 200) {
		r->cb(hr->body, hr->body_len, NULL, r->arg);
		aws_imds_free(r);
		return;
	}
	if (hr->error == AWS_HTTP_OK && hr->status == 401 && r->token != NULL &&
	    !r->token_retried) {
		r->token_retried = 1;	/* the token expired: a new one */
		freezero_str(r->token);
		r->token = NULL;
		r->state = AWS_IMDS_TOKEN;
		aws_imds_send(r);
		return;
	}
	if ((hr->error != AWS_HTTP_OK || hr->status >= 500) &&
	    ++r->attempts < r->cfg.attempts) {
		aws_imds_send(r);
		return;
	}
	if (hr->error != AWS_HTTP_OK)
		aws_imds_fail(r, "no answer (%s)", hr->error_text);
	else
		aws_imds_fail(r, "%s: HTTP %ld", r->path, hr->status);
}

static void
aws_imds_send(struct aws_imds_req *r)
{
	struct aws_http_request	 hr;
	struct aws_header	 h[1];
	char			*url;

	memset(&hr, 0, sizeof hr);
	hr.connect_timeout = r->cfg.timeout;
	hr.timeout = r->cfg.timeout;
	hr.max_body = 64 * 1024;
	hr.flags = AWS_HTTP_NO_PROXY;
	hr.headers = h;
	if (r->state == AWS_IMDS_TOKEN) {
		xasprintf(&url, "%s/latest/api/token", r->cfg.endpoint);
		hr.method = "PUT";
		h[0].name = "X-aws-ec2-metadata-token-ttl-seconds";
		h[0].value = AWS_IMDS_TOKEN_TTL;
		hr.nheaders = 1;
	} else {
		xasprintf(&url, "%s%s", r->cfg.endpoint, r->path);
		hr.method = "GET";
		if (r->token != NULL) {
			h[0].name = "X-aws-ec2-metadata-token";
			h[0].value = r->token;
			hr.nheaders = 1;
		}
	}
	hr.url = url;
	r->hreq = aws_http_start(r->http, &hr, aws_imds_http_cb, r);
	free(url);
}

struct aws_imds_req *
aws_imds_get(struct aws_http *http, const struct aws_imds_config *cfg,
    const char *path, aws_imds_cb cb, void *arg)
{
	struct aws_imds_req	*r;

	r = xcalloc(1, sizeof *r);
	r->http = http;
	r->cfg = *cfg;
	r->cfg.endpoint = xstrdup(cfg->endpoint);
	r->path = xstrdup(path);
	r->cb = cb;
	r->arg = arg;
	r->state = AWS_IMDS_TOKEN;
	aws_imds_send(r);
	return (r);
}

char *
aws_imds_region_parse(const char *body, size_t len, int az)
{
	cJSON		*doc;
	const cJSON	*region;
	char		*found = NULL;

	if (az)		/* eu-west-1a */
		return (len > 1 ? xstrndup(body, len - 1) : NULL);
	doc = cJSON_ParseWithLength(body, len);
	region = cJSON_GetObjectItemCaseSensitive(doc, "region");
	if (cJSON_IsString(region) && *region->valuestring != '\0')
		found = xstrdup(region->valuestring);
	cJSON_Delete(doc);
	return (found);
}

/* The region lookup: identity document, then the availability zone. */
static void
aws_imds_region_cb(const char *body, size_t len, const char *error,
    void *arg)
{
	struct aws_imds_req	*r = arg;
	char			*found = NULL;

	r->inner = NULL;
	if (body != NULL)
		found = aws_imds_region_parse(body, len, r->region_step != 0);
	if (found != NULL) {
		r->cb(found, strlen(found), NULL, r->arg);
		free(found);
		aws_imds_free(r);
		return;
	}
	if (r->region_step++ == 0) {
		r->inner = aws_imds_get(r->http, &r->cfg,
		    "/latest/meta-data/placement/availability-zone",
		    aws_imds_region_cb, r);
		return;
	}
	r->cb(NULL, 0, error != NULL ? error : "instance metadata: no region",
	    r->arg);
	aws_imds_free(r);
}

struct aws_imds_req *
aws_imds_region(struct aws_http *http, const struct aws_imds_config *cfg,
    aws_imds_cb cb, void *arg)
{
	struct aws_imds_req	*r;

	r = xcalloc(1, sizeof *r);
	r->http = http;
	r->cfg = *cfg;
	r->cfg.endpoint = xstrdup(cfg->endpoint);
	r->cb = cb;
	r->arg = arg;
	r->inner = aws_imds_get(http, cfg,
	    "/latest/dynamic/instance-identity/document", aws_imds_region_cb,
	    r);
	return (r);
}
