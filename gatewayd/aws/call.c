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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <event2/event.h>

#include "aws.h"
#include "aws_creds.h"
#include "aws_endpoints.h"
#include "aws_error.h"
#include "aws_http.h"
#include "aws_int.h"
#include "aws_retry.h"
#include "aws_sts.h"
#include "bus.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

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
	uint64_t			 started_ms;	/* for the bus */
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
	call->started_ms = clock_now_ms();
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

void
aws_call_cancel_ctx(struct aws_ctx *ctx)
{
	struct aws_call	*call, *next;

	for (call = TAILQ_FIRST(&ctx->client->calls); call != NULL;
	    call = next) {
		next = TAILQ_NEXT(call, entry);
		if (call->ctx == ctx)
			aws_call_cancel(call);
	}
}

void
aws_call_region_ready(struct aws_ctx *ctx)
{
	struct aws_call	*call, *next;

	for (call = TAILQ_FIRST(&ctx->client->calls); call != NULL;
	    call = next) {
		next = TAILQ_NEXT(call, entry);
		if (call->ctx == ctx && call->state == AWS_CALL_REGION)
			aws_call_step(call);
	}
}

/* Say on the bus how an attempt (status: its answer's) or the call went. */
static void
aws_call_publish(struct aws_call *call, enum bus_type type, int status)
{
	struct bus_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.api.service = call->service;
	ev.api.operation = call->operation;
	ev.api.region = call->region != NULL ? call->region :
	    call->ctx->region;
	ev.api.status = status;
	ev.api.attempt = call->attempts;
	ev.api.error = call->error;
	ev.api.duration_ms = clock_now_ms() - call->started_ms;
	bus_publish(&ev);
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
	aws_call_publish(call, resp.ok ? BUS_API_MADE : BUS_API_FAILED,
	    resp.status);
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

/*
 * The headers of an attempt before signing: the protocol's, then every
 * one of the call's own. The caller frees the array, not the strings.
 */
static struct aws_header *
aws_call_headers(struct aws_call *call, size_t *n)
{
	struct aws_header	*h;
	size_t			 nh = 0, i;

	h = xreallocarray(NULL, 2 + call->nheaders, sizeof *h);
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
	for (i = 0; i < call->nheaders; i++)
		h[nh++] = call->headers[i];
	*n = nh;
	return (h);
}

static void	aws_call_http_cb(const struct aws_http_response *, void *);

static void
aws_call_send(struct aws_call *call)
{
	struct aws_sigv4_request	 sr;
	struct aws_sigv4_result		 res;
	struct aws_http_request		 hr;
	struct aws_header		*h;
	size_t				 nh, i;
	const struct aws_creds		*creds;
	char				*url, *cause = NULL;
	int64_t				 now_ms;

	h = aws_call_headers(call, &nh);
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
			free(h);
			free(url);
			aws_call_finish(call, "cannot sign: %s", cause);
			free(cause);
			return;
		}
		h = xreallocarray(h, nh + res.nadd, sizeof *h);
		for (i = 0; i < res.nadd; i++)
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
	free(h);
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
			aws_ctx_region_fetch(ctx);
			return;		/* aws_call_region_ready steps us */
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
	if (cls == AWS_RETRY_THROTTLE)
		aws_call_publish(call, BUS_API_THROTTLED, hr->status);
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
