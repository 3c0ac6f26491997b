/*
 * The AWS pieces a running gatewayd shares: one client made on first use
 * from the [gateway] keys, contexts shared by forwards with the same
 * profile, region and endpoint, the TLS context and proxy for Session
 * Manager WebSockets, and the control socket's whoami command, which shows
 * the identity and credential expiry of every profile in use.
 *
 * Each context also learns who its credentials are (GetCallerIdentity,
 * once, and again after they were fetched anew), for the audit records
 * of the conns it carries; nothing waits for that answer.
 *
 * This is the daemon's glue around the AWS library (gatewayd/aws/), which
 * knows neither the config in force nor the control socket.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "aws.h"
#include "aws_creds.h"
#include "aws_daemon.h"
#include "aws_http.h"
#include "aws_sts.h"
#include "config.h"
#include "control.h"
#include "gatewayd.h"
#include "log.h"
#include "tls.h"
#include "util.h"
#include "xmalloc.h"

/* How long stopping waits for AWS calls in flight (ms). */
#define AWS_DAEMON_SETTLE	2000

/*
 * One shared context and how many forwards (or whoami calls) hold it;
 * and who its credentials are (aws_daemon_identity).
 */
struct aws_daemon_ctx {
	char				*profile;	/* NULL: the chain's */
	char				*region;
	char				*endpoint_url;
	char				*label;		/* fixed, role: never
							   shared */
	struct aws_ctx			*ctx;
	unsigned			 refs;
	char				*account;	/* NULL: not known */
	char				*principal;
	unsigned			 id_fetches;	/* the credentials
							   it was asked for */
	int				 id_asked;
	struct aws_call			*id_call;
	TAILQ_ENTRY(aws_daemon_ctx)	 entry;
};
TAILQ_HEAD(aws_daemon_ctxs, aws_daemon_ctx);

struct aws_daemon_whoami;

/* One profile (and region) a whoami request asks about. */
struct aws_daemon_item {
	struct aws_daemon_whoami	*job;
	struct aws_ctx			*ctx;
	struct aws_sts_whoami_req	*req;
	cJSON				*obj;	/* in job->list */
};

/* A whoami request waiting for its answers. */
struct aws_daemon_whoami {
	struct control_req		*req;
	cJSON				*reply;
	cJSON				*list;
	struct aws_daemon_item		*items;
	size_t				 nitems;
	size_t				 pending;
	TAILQ_ENTRY(aws_daemon_whoami)	 entry;
};
TAILQ_HEAD(aws_daemon_whoamis, aws_daemon_whoami);

static struct aws_options	 aws_daemon_opts;
static char			*aws_daemon_ca_bundle;
static struct aws_client	*aws_daemon_cl;
static struct tls_client	*aws_daemon_tc;
static struct aws_daemon_ctxs	 aws_daemon_ctxs =
    TAILQ_HEAD_INITIALIZER(aws_daemon_ctxs);
static struct aws_daemon_whoamis aws_daemon_whoamis =
    TAILQ_HEAD_INITIALIZER(aws_daemon_whoamis);

static void	aws_daemon_cmd_whoami(struct control_req *, const cJSON *);

/* 1 if a and b are both NULL or equal strings. */
static int
aws_daemon_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

void
aws_daemon_configure(const struct gw_config *conf)
{
	struct aws_options	o;

	memset(&o, 0, sizeof o);
	o.api_rate = conf->api_rate;
	o.api_burst = conf->api_burst;
	o.max_attempts = conf->max_attempts;
	o.connect_timeout = conf->api_connect_timeout;
	o.call_timeout = conf->api_timeout;
	o.credential_process_timeout = conf->credential_process_timeout;
	if (aws_daemon_cl != NULL &&
	    (o.api_rate != aws_daemon_opts.api_rate ||
	    o.api_burst != aws_daemon_opts.api_burst ||
	    o.max_attempts != aws_daemon_opts.max_attempts ||
	    o.connect_timeout != aws_daemon_opts.connect_timeout ||
	    o.call_timeout != aws_daemon_opts.call_timeout ||
	    o.credential_process_timeout !=
	    aws_daemon_opts.credential_process_timeout ||
	    !aws_daemon_same(conf->ca_bundle, aws_daemon_ca_bundle)))
		log_warnx("aws: changed [gateway] AWS settings take effect at "
		    "the next start");
	else {
		free(aws_daemon_ca_bundle);
		aws_daemon_ca_bundle = conf->ca_bundle != NULL ?
		    xstrdup(conf->ca_bundle) : NULL;
		o.ca_bundle = aws_daemon_ca_bundle;
		aws_daemon_opts = o;
	}
	control_register("whoami", aws_daemon_cmd_whoami);
}

void
aws_daemon_reload(void)
{
	char	*cause;

	if (aws_daemon_cl == NULL)
		return;
	if (aws_client_reload(aws_daemon_cl, &cause) == -1) {
		log_warnx("aws: %s", cause);
		free(cause);
	}
}

struct aws_client *
aws_daemon_client(char **cause)
{
	if (aws_daemon_cl == NULL)
		aws_daemon_cl = aws_client_new(gw_base, &aws_daemon_opts, cause);
	return (aws_daemon_cl);
}

struct aws_ctx *
aws_daemon_ctx(const char *profile, const char *region,
    const char *endpoint_url, char **cause)
{
	struct aws_daemon_ctx	*dc;
	struct aws_client	*cl;
	struct aws_ctx		*ctx;

	TAILQ_FOREACH(dc, &aws_daemon_ctxs, entry) {
		if (dc->label == NULL &&
		    aws_daemon_same(dc->profile, profile) &&
		    aws_daemon_same(dc->region, region) &&
		    aws_daemon_same(dc->endpoint_url, endpoint_url)) {
			dc->refs++;
			return (dc->ctx);
		}
	}
	if ((cl = aws_daemon_client(cause)) == NULL)
		return (NULL);
	if ((ctx = aws_ctx_new(cl, profile, region, endpoint_url,
	    cause)) == NULL)
		return (NULL);
	dc = xcalloc(1, sizeof *dc);
	dc->profile = profile != NULL ? xstrdup(profile) : NULL;
	dc->region = region != NULL ? xstrdup(region) : NULL;
	dc->endpoint_url = endpoint_url != NULL ? xstrdup(endpoint_url) : NULL;
	dc->ctx = ctx;
	dc->refs = 1;
	TAILQ_INSERT_TAIL(&aws_daemon_ctxs, dc, entry);
	return (ctx);
}

/* Register a context of one's own made from base's. */
static struct aws_ctx *
aws_daemon_ctx_own(struct aws_ctx *base, struct aws_ctx *ctx, char *label)
{
	struct aws_daemon_ctx	*dc, *bdc;

	TAILQ_FOREACH(bdc, &aws_daemon_ctxs, entry) {
		if (bdc->ctx == base)
			break;
	}
	dc = xcalloc(1, sizeof *dc);
	if (bdc != NULL) {
		dc->profile = bdc->profile != NULL ? xstrdup(bdc->profile) :
		    NULL;
		dc->region = bdc->region != NULL ? xstrdup(bdc->region) : NULL;
		dc->endpoint_url = bdc->endpoint_url != NULL ?
		    xstrdup(bdc->endpoint_url) : NULL;
	}
	dc->label = label;
	dc->ctx = ctx;
	dc->refs = 1;
	TAILQ_INSERT_TAIL(&aws_daemon_ctxs, dc, entry);
	return (ctx);
}

struct aws_ctx *
aws_daemon_ctx_fixed(struct aws_ctx *base, const struct aws_creds *creds,
    const char *label)
{
	return (aws_daemon_ctx_own(base, aws_ctx_new_fixed(base, creds,
	    label), xstrdup(label)));
}

struct aws_ctx *
aws_daemon_ctx_role(struct aws_ctx *base, struct aws_ctx *via,
    const char *role_arn, const char *session_name, char **cause)
{
	struct aws_ctx	*ctx;
	char		*label;

	if ((ctx = aws_ctx_new_role(base, via, role_arn, session_name,
	    cause)) == NULL)
		return (NULL);
	xasprintf(&label, "role %s as %s", role_arn, session_name);
	return (aws_daemon_ctx_own(base, ctx, label));
}

/* What dc's credentials are called in messages. */
static const char *
aws_daemon_ctx_name(struct aws_daemon_ctx *dc)
{
	if (dc->label != NULL)
		return (dc->label);
	return (dc->profile != NULL ? dc->profile : "(default)");
}

static void
aws_daemon_ctx_free(struct aws_daemon_ctx *dc)
{
	TAILQ_REMOVE(&aws_daemon_ctxs, dc, entry);
	aws_call_cancel(dc->id_call);
	free(dc->account);
	free(dc->principal);
	aws_ctx_free(dc->ctx);
	free(dc->profile);
	free(dc->region);
	free(dc->endpoint_url);
	free(dc->label);
	free(dc);
}

void
aws_daemon_ctx_release(struct aws_ctx *ctx)
{
	struct aws_daemon_ctx	*dc;

	if (ctx == NULL)
		return;
	TAILQ_FOREACH(dc, &aws_daemon_ctxs, entry) {
		if (dc->ctx == ctx) {
			if (--dc->refs == 0)
				aws_daemon_ctx_free(dc);
			return;
		}
	}
	fatalx("%s: unknown context", __func__);
}

/* GetCallerIdentity answered (or failed) for dc. */
static void
aws_daemon_identity_cb(const struct aws_sts_result *r, const char *error,
    void *arg)
{
	struct aws_daemon_ctx		*dc = arg;
	struct aws_creds_provider	*p = aws_ctx_creds(dc->ctx);

	dc->id_call = NULL;
	/* The credentials the call was signed with: fetched by now. */
	dc->id_fetches = p != NULL ? aws_creds_fetches(p) : 0;
	if (r == NULL) {
		log_warnx("aws: %s%s: who the credentials are is not known, "
		    "for the audit records: %s", dc->label == NULL ?
		    "profile " : "", aws_daemon_ctx_name(dc), error);
		return;
	}
	free(dc->account);
	free(dc->principal);
	dc->account = r->account != NULL ? xstrdup(r->account) : NULL;
	dc->principal = r->arn != NULL ? xstrdup(r->arn) : NULL;
	log_debug("aws: %s%s: credentials of %s", dc->label == NULL ?
	    "profile " : "", aws_daemon_ctx_name(dc), dc->principal != NULL ?
	    dc->principal : "?");
}

void
aws_daemon_identity(struct aws_ctx *ctx, const char **account,
    const char **principal)
{
	struct aws_daemon_ctx		*dc;
	struct aws_creds_provider	*p;

	*account = *principal = NULL;
	TAILQ_FOREACH(dc, &aws_daemon_ctxs, entry) {
		if (dc->ctx == ctx)
			break;
	}
	if (dc == NULL)
		return;
	*account = dc->account;
	*principal = dc->principal;
	/* Asked once, and again once the credentials were fetched anew. */
	p = aws_ctx_creds(ctx);
	if (dc->id_call != NULL || (dc->id_asked && (p == NULL ||
	    aws_creds_fetches(p) == dc->id_fetches)))
		return;
	dc->id_asked = 1;
	dc->id_call = aws_sts_get_caller_identity(ctx, aws_daemon_identity_cb,
	    dc);
}

struct tls_client *
aws_daemon_tls(char **cause)
{
	struct aws_client	*cl;

	if (aws_daemon_tc != NULL)
		return (aws_daemon_tc);
	if ((cl = aws_daemon_client(cause)) == NULL)
		return (NULL);
	aws_daemon_tc = tls_client_new(aws_client_ca_bundle(cl), 0, cause);
	return (aws_daemon_tc);
}

const char *
aws_daemon_proxy(const char *url)
{
	const char	*p, *host, *end;
	char		*scheme, *h;
	const char	*proxy;

	if (aws_daemon_cl == NULL || (p = strstr(url, "://")) == NULL)
		return (NULL);
	scheme = xstrndup(url, p - url);
	host = p + 3;
	if (*host == '[')
		end = host + strcspn(host, "]") + 1;
	else
		end = host + strcspn(host, ":/?#");
	h = xstrndup(host, end - host);
	proxy = aws_http_proxy_for(aws_client_http(aws_daemon_cl), scheme, h);
	free(scheme);
	free(h);
	return (proxy);
}

/*
 * Free a whoami job no longer on the list: cancel what is still running,
 * release its contexts.
 */
static void
aws_daemon_whoami_free(struct aws_daemon_whoami *job)
{
	size_t	i;

	for (i = 0; i < job->nitems; i++) {
		if (job->items[i].req != NULL)
			aws_sts_whoami_cancel(job->items[i].req);
		aws_daemon_ctx_release(job->items[i].ctx);
	}
	free(job->items);
	cJSON_Delete(job->reply);
	free(job);
}

/*
 * Let calls in flight finish before the client goes, AWS_DAEMON_SETTLE ms
 * at most: stopped forwards' TerminateSession calls, so that their
 * sessions end at AWS rather than lingering until a timeout.
 */
static void
aws_daemon_settle(void)
{
	struct timeval	tv = { 0, 20 * 1000 };
	uint64_t	deadline = clock_now_ms() + AWS_DAEMON_SETTLE;

	while (aws_daemon_cl != NULL && aws_client_calls(aws_daemon_cl) != 0 &&
	    clock_now_ms() < deadline) {
		event_base_loopexit(gw_base, &tv);
		event_base_dispatch(gw_base);
	}
}

void
aws_daemon_stop(void)
{
	struct aws_daemon_whoami	*job;
	struct aws_daemon_ctx		*dc;

	while ((job = TAILQ_FIRST(&aws_daemon_whoamis)) != NULL) {
		TAILQ_REMOVE(&aws_daemon_whoamis, job, entry);
		control_reply_error(job->req, "gatewayd is stopping");
		aws_daemon_whoami_free(job);
	}
	/* Who the credentials are matters no more. */
	TAILQ_FOREACH(dc, &aws_daemon_ctxs, entry) {
		aws_call_cancel(dc->id_call);
		dc->id_call = NULL;
	}
	aws_daemon_settle();
	/*
	 * Forwards have released theirs by now; drop what is left, newest
	 * first: a role's context goes before the one it assumes it with.
	 */
	while ((dc = TAILQ_LAST(&aws_daemon_ctxs, aws_daemon_ctxs)) != NULL)
		aws_daemon_ctx_free(dc);
	tls_client_free(aws_daemon_tc);
	aws_daemon_tc = NULL;
	aws_client_free(aws_daemon_cl);
	aws_daemon_cl = NULL;
	free(aws_daemon_ca_bundle);
	aws_daemon_ca_bundle = NULL;
}

static void
aws_daemon_whoami_free_cb(evutil_socket_t fd, short events, void *arg)
{
	aws_daemon_whoami_free(arg);
}

/*
 * Answer a job whose identities are all in, and free it once the call
 * whose callback we may be in has returned (its context goes with it).
 */
static void
aws_daemon_whoami_done(struct aws_daemon_whoami *job)
{
	const struct timeval	zero = { 0, 0 };

	TAILQ_REMOVE(&aws_daemon_whoamis, job, entry);
	control_reply(job->req, job->reply);
	job->reply = NULL;
	event_base_once(gw_base, -1, EV_TIMEOUT, aws_daemon_whoami_free_cb,
	    job, &zero);
}

/* One identity has answered (or failed). */
static void
aws_daemon_whoami_cb(const struct aws_sts_whoami *who, const char *error,
    void *arg)
{
	struct aws_daemon_item		*item = arg;
	struct aws_daemon_whoami	*job = item->job;
	char				 when[32];
	struct tm			 tm;
	time_t				 t;

	item->req = NULL;
	if (aws_ctx_region(item->ctx) != NULL &&
	    cJSON_IsNull(cJSON_GetObjectItem(item->obj, "region")))
		cJSON_ReplaceItemInObject(item->obj, "region",
		    cJSON_CreateString(aws_ctx_region(item->ctx)));
	if (who != NULL && who->profile != NULL &&
	    cJSON_IsNull(cJSON_GetObjectItem(item->obj, "profile")))
		cJSON_ReplaceItemInObject(item->obj, "profile",
		    cJSON_CreateString(who->profile));
	if (who == NULL) {
		cJSON_AddStringToObject(item->obj, "error", error);
	} else {
		cJSON_AddStringToObject(item->obj, "account", who->account);
		cJSON_AddStringToObject(item->obj, "arn", who->arn);
		cJSON_AddStringToObject(item->obj, "user_id", who->user_id);
		cJSON_AddStringToObject(item->obj, "source", who->source);
		if (who->expiration != 0) {
			t = (time_t)who->expiration;
			gmtime_r(&t, &tm);
			strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
			cJSON_AddStringToObject(item->obj, "expiration", when);
			cJSON_AddNumberToObject(item->obj, "expires_in",
			    (double)(who->expiration -
			    (int64_t)(clock_wall_ms() / 1000)));
		} else
			cJSON_AddNullToObject(item->obj, "expiration");
	}
	if (--job->pending == 0)
		aws_daemon_whoami_done(job);
}

/* Add the forward's name to the item for (profile, region), or a new item. */
static void
aws_daemon_whoami_add(struct aws_daemon_whoami *job, const char *profile,
    const char *region, const char *forward)
{
	struct aws_daemon_item	*item;
	cJSON			*obj, *fws, *p, *r;
	size_t			 i;

	for (i = 0; i < job->nitems; i++) {
		obj = job->items[i].obj;
		p = cJSON_GetObjectItem(obj, "profile");
		r = cJSON_GetObjectItem(obj, "region");
		if (aws_daemon_same(cJSON_IsString(p) ? p->valuestring : NULL,
		    profile) && aws_daemon_same(cJSON_IsString(r) ?
		    r->valuestring : NULL, region))
			break;
	}
	if (i == job->nitems) {
		job->items = xreallocarray(job->items, job->nitems + 1,
		    sizeof *job->items);
		item = &job->items[job->nitems++];
		memset(item, 0, sizeof *item);
		item->job = job;
		item->obj = obj = cJSON_CreateObject();
		if (profile != NULL)
			cJSON_AddStringToObject(obj, "profile", profile);
		else
			cJSON_AddNullToObject(obj, "profile");
		if (region != NULL)
			cJSON_AddStringToObject(obj, "region", region);
		else
			cJSON_AddNullToObject(obj, "region");
		cJSON_AddArrayToObject(obj, "forwards");
		cJSON_AddItemToArray(job->list, obj);
	}
	fws = cJSON_GetObjectItem(job->items[i].obj, "forwards");
	if (forward != NULL)
		cJSON_AddItemToArray(fws, cJSON_CreateString(forward));
}

/*
 * whoami [profile]: for every profile in use (the [gateway] one and each
 * AWS forward's, with its region), or only the one asked for, resolve the
 * credentials and call GetCallerIdentity; answer when all have answered.
 */
static void
aws_daemon_cmd_whoami(struct control_req *req, const cJSON *json)
{
	struct aws_daemon_whoami	*job;
	struct aws_daemon_item		*item;
	const struct fwd_config		*fc;
	const cJSON			*want;
	const char			*profile = NULL, *region = NULL;
	char				*cause;
	size_t				 i;

	want = cJSON_GetObjectItem(json, "profile");
	if (want != NULL && !cJSON_IsNull(want) && (!cJSON_IsString(want) ||
	    *want->valuestring == '\0')) {
		control_reply_error(req, "profile: a profile name is needed");
		return;
	}
	job = xcalloc(1, sizeof *job);
	job->req = req;
	job->reply = cJSON_CreateObject();
	job->list = cJSON_AddArrayToObject(job->reply, "identities");
	TAILQ_INSERT_TAIL(&aws_daemon_whoamis, job, entry);
	if (gw_conf != NULL) {
		profile = gw_conf->profile;
		region = gw_conf->region;
	}
	if (cJSON_IsString(want))
		aws_daemon_whoami_add(job, want->valuestring, region, NULL);
	else {
		aws_daemon_whoami_add(job, profile, region, NULL);
		for (fc = gw_conf != NULL ? TAILQ_FIRST(&gw_conf->forwards) :
		    NULL; fc != NULL; fc = TAILQ_NEXT(fc, entry)) {
			if (strcmp(fc->forwarder, "tcp") != 0)
				aws_daemon_whoami_add(job, fc->profile,
				    fc->region, fc->name);
		}
	}
	job->pending = job->nitems;
	for (i = 0; i < job->nitems; i++) {
		item = &job->items[i];
		profile = cJSON_GetStringValue(cJSON_GetObjectItem(item->obj,
		    "profile"));
		region = cJSON_GetStringValue(cJSON_GetObjectItem(item->obj,
		    "region"));
		item->ctx = aws_daemon_ctx(profile, region, NULL, &cause);
		if (item->ctx == NULL) {
			cJSON_AddStringToObject(item->obj, "error", cause);
			free(cause);
			job->pending--;
			continue;
		}
		item->req = aws_sts_whoami(item->ctx, aws_daemon_whoami_cb,
		    item);
	}
	if (job->pending == 0)
		aws_daemon_whoami_done(job);
}
