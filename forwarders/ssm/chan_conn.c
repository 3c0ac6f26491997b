/*
 * The data channel's ways out (ssm-data-channel.md §2, §3, §8): the
 * StartSession, ResumeSession and TerminateSession calls, the StreamUrl
 * checks, the WebSocket with its OpenDataChannel frame (signed upgrade
 * optional), and losing it: the first open retried as it is, then
 * ResumeSession with a jittered back-off inside a time budget.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "aws_ssm.h"
#include "log.h"
#include "ssm_chan_int.h"
#include "ssm_handshake.h"
#include "xmalloc.h"

static void	chan_ws_open_cb(struct ws *, void *);
static void	chan_ws_message_cb(struct ws *, enum ws_type, const uint8_t *,
		    size_t, void *);
static void	chan_ws_close_cb(struct ws *, uint16_t, const char *, int,
		    void *);
static void	chan_ws_error_cb(struct ws *, enum ws_error, const char *,
		    void *);
static void	chan_ws_drained_cb(struct ws *, void *);
static void	chan_ws_read_done_cb(struct ws *, void *);
static void	chan_connect(struct ssm_chan *);

static const struct ws_cb chan_ws_cb = {
	.open = chan_ws_open_cb,
	.message = chan_ws_message_cb,
	.close = chan_ws_close_cb,
	.error = chan_ws_error_cb,
	.drained = chan_ws_drained_cb,
	.read_done = chan_ws_read_done_cb,
};

/*
 * API calls.
 */

static void	chan_call_cb(const struct aws_response *, void *);

struct ssm_chan_call *
ssm_chan_call(struct ssm_chan *c, int kind, const char *op, char *body,
    int flags)
{
	struct ssm_chan_call	*call = xcalloc(1, sizeof *call);

	call->chan = c;
	call->kind = kind;
	call->aws = c->p.aws;
	call->ops = c->ops;
	call->call = c->ops->call_json(c->p.aws, "ssm", "AmazonSSM", op, body,
	    flags, call, chan_call_cb, call);
	return (call);
}

/* TerminateSession for a chan that does not wait for the answer. */
static void
chan_terminate_detached(const struct ssm_chan_ops *ops, struct aws_ctx *aws,
    const char *id)
{
	struct ssm_chan_call	*call = xcalloc(1, sizeof *call);

	call->kind = SSM_CHAN_CALL_TERMINATE;
	call->ops = ops;
	call->call = ops->call_json(aws, "ssm", "AmazonSSM",
	    "TerminateSession", aws_ssm_encode_session_id(id), 0, call,
	    chan_call_cb, call);
}

void
ssm_chan_terminate_api(struct ssm_chan *c, int wait)
{
	if (c->session_id == NULL || c->api_sent)
		return;
	c->api_sent = 1;
	log_debug("chan %s: TerminateSession", c->name);
	if (wait)
		c->term_call = ssm_chan_call(c, SSM_CHAN_CALL_TERMINATE,
		    "TerminateSession",
		    aws_ssm_encode_session_id(c->session_id), 0);
	else
		chan_terminate_detached(c->ops, c->p.aws, c->session_id);
}

/* 1 if host is the host of a configured endpoint. */
static int
chan_is_endpoint_host(struct ssm_chan *c, const char *host)
{
	size_t	i;

	for (i = 0; i < SSM_CHAN_NENDPOINTS; i++) {
		if (c->p.endpoint_hosts[i] != NULL &&
		    strcasecmp(c->p.endpoint_hosts[i], host) == 0)
			return (1);
	}
	return (0);
}

/*
 * StartSession's URL: wss:// (or ws:// if allowed), an AWS ssmmessages
 * host or a configured endpoint's.
 */
static int
chan_check_url(struct ssm_chan *c, const char *url, char **cause)
{
	struct ws_url	u;
	int		rv = -1;

	if (ws_http_url_parse(url, 0, &u, cause) != 0)
		return (-1);
	if (!u.tls && !c->p.allow_plain_ws)
		xasprintf(cause, "StreamUrl is not wss://");
	else if (!ssm_chan_host_ok(u.host,
	    c->p.allow_plain_ws || c->p.allow_loopback) &&
	    !chan_is_endpoint_host(c, u.host))
		xasprintf(cause, "StreamUrl host %s is not an ssmmessages "
		    "endpoint of AWS or the configured endpoint", u.host);
	else
		rv = 0;
	ws_http_url_clear(&u);
	return (rv);
}

static void
chan_start_done(struct ssm_chan *c, const struct aws_response *resp)
{
	struct aws_ssm_session	 s;
	char			*cause = NULL, *reason;

	if (!resp->ok) {
		ssm_chan_fail(c, resp->error, resp->code, 0);
		return;
	}
	if (aws_ssm_decode_session(resp->body, resp->body_len, 0, &s,
	    &cause) != 0) {
		xasprintf(&reason, "StartSession: %s", cause);
		ssm_chan_fail(c, reason, NULL, 0);
		free(reason);
		free(cause);
		return;
	}
	c->session_id = xstrdup(s.session_id);
	c->token = xstrdup(s.token_value);
	c->url = xstrdup(s.stream_url);
	aws_ssm_session_clear(&s);
	log_info("chan %s: session %s started on %s", c->name, c->session_id,
	    c->p.target);
	if (c->state == SSM_CHAN_CLOSING) {
		ssm_chan_defer(c);	/* terminated meanwhile */
		return;
	}
	if (chan_check_url(c, c->url, &cause) != 0) {
		xasprintf(&reason, "StartSession: %s", cause);
		ssm_chan_fail(c, reason, NULL, 1);
		free(reason);
		free(cause);
		return;
	}
	ssm_chan_set_state(c, SSM_CHAN_CONNECTING);
	chan_connect(c);
}

static void	chan_retry_later(struct ssm_chan *);

/*
 * ResumeSession says the session is over. Why the data channel was lost
 * in the first place (a refused upgrade, a close 1008) is what the user
 * needs to know: say both.
 */
static void
chan_resume_ended(struct ssm_chan *c, const char *error, const char *code)
{
	char	*reason;

	if (c->last_error == NULL) {
		ssm_chan_fail(c, error, code, 0);
		return;
	}
	xasprintf(&reason, "%s, after losing the data channel: %s", error,
	    c->last_error);
	ssm_chan_fail(c, reason, code, 0);
	free(reason);
}

static void
chan_resume_done(struct ssm_chan *c, const struct aws_response *resp)
{
	struct aws_ssm_session	 s;
	char			*cause = NULL, *reason;

	if (!resp->ok) {
		if (resp->code != NULL &&
		    strcmp(resp->code, "DoesNotExistException") == 0) {
			chan_resume_ended(c, resp->error, resp->code);
			return;
		}
		free(c->last_error);
		c->last_error = xstrdup(resp->error);
		log_info("chan %s: %s", c->name, resp->error);
		chan_retry_later(c);
		return;
	}
	if (aws_ssm_decode_session(resp->body, resp->body_len, 1, &s,
	    &cause) != 0) {
		xasprintf(&reason, "ResumeSession: %s", cause);
		if (strcmp(cause, "session ended") == 0)
			chan_resume_ended(c, reason, NULL);
		else {
			free(c->last_error);
			c->last_error = xstrdup(reason);
			chan_retry_later(c);
		}
		free(reason);
		free(cause);
		return;
	}
	freezero_str(c->token);
	c->token = xstrdup(s.token_value);
	if (s.stream_url != NULL && strcmp(s.stream_url, c->url) != 0) {
		if (chan_check_url(c, s.stream_url, &cause) != 0) {
			aws_ssm_session_clear(&s);
			xasprintf(&reason, "ResumeSession: %s", cause);
			ssm_chan_fail(c, reason, NULL, 1);
			free(reason);
			free(cause);
			return;
		}
		freezero_str(c->url);
		c->url = xstrdup(s.stream_url);
		c->new_url = 1;
	}
	aws_ssm_session_clear(&s);
	chan_connect(c);
}

static void
chan_terminate_done(struct ssm_chan *c, const struct aws_response *resp)
{
	if (!resp->ok)
		log_warnx("chan %s: %s", c->name, resp->error);
	c->api_done = 1;
	ssm_chan_defer(c);
}

/* An API call's answer: for its chan if it still has one. */
static void
chan_call_cb(const struct aws_response *resp, void *arg)
{
	struct ssm_chan_call	*call = arg;
	struct ssm_chan		*c = call->chan;
	struct aws_ssm_session	 s;
	char			*cause = NULL;

	if (c == NULL) {
		/* A session started for a chan since freed: end it. */
		if (call->kind == SSM_CHAN_CALL_START && resp->ok &&
		    aws_ssm_decode_session(resp->body, resp->body_len, 0, &s,
		    &cause) == 0) {
			chan_terminate_detached(call->ops, call->aws,
			    s.session_id);
			aws_ssm_session_clear(&s);
		}
		free(cause);
		return;
	}
	ssm_chan_enter(c);
	switch (call->kind) {
	case SSM_CHAN_CALL_START:
		c->start_call = NULL;
		chan_start_done(c, resp);
		break;
	case SSM_CHAN_CALL_RESUME:
		c->resume_call = NULL;
		chan_resume_done(c, resp);
		break;
	case SSM_CHAN_CALL_TERMINATE:
		c->term_call = NULL;
		chan_terminate_done(c, resp);
		break;
	}
	ssm_chan_leave(c);
}

/*
 * The WebSocket.
 */

static void
chan_ws_open_with(struct ssm_chan *c, const struct aws_creds *creds)
{
	struct ws_options	 opts;
	struct aws_sigv4_result	 res;
	char			*cause = NULL, *why;
	time_t			 when;

	memset(&opts, 0, sizeof opts);
	memset(&res, 0, sizeof res);
	opts.flags = c->p.allow_plain_ws ? WS_ALLOW_PLAIN : 0;
	opts.ping_interval_ms = c->p.ping_interval;
	opts.pong_timeout_ms = c->p.pong_timeout;
	opts.tls = c->p.tls;
	opts.dns = c->p.dns;
	opts.proxy = c->p.proxy;
	if (creds != NULL) {
		when = (time_t)((clock_wall_ms() +
		    aws_client_skew(aws_ctx_client(c->p.aws))) / 1000);
		if (ssm_chan_sign_upgrade(c->url, aws_ctx_region(c->p.aws),
		    creds, when, &res, &cause) != 0) {
			xasprintf(&why, "signing the upgrade: %s", cause);
			ssm_chan_lost(c, why);
			free(why);
			free(cause);
			return;
		}
		opts.headers = (const struct ws_header *)res.add;
		opts.nheaders = res.nadd;
	}
	c->ws = c->ops->ws_open(c->base, c->url, &opts, &chan_ws_cb, c,
	    &cause);
	aws_sigv4_result_free(&res);
	if (c->ws == NULL) {
		ssm_chan_lost(c, cause);
		free(cause);
	}
}

static void
chan_creds_cb(const struct aws_creds *creds, const char *error, void *arg)
{
	struct ssm_chan	*c = arg;
	char		*why;

	c->creds_wait = NULL;
	ssm_chan_enter(c);
	if (creds == NULL) {
		xasprintf(&why, "credentials to sign the upgrade: %s", error);
		ssm_chan_lost(c, why);
		free(why);
	} else
		chan_ws_open_with(c, creds);
	ssm_chan_leave(c);
}

/* Open a WebSocket to the current URL (signed if asked). */
static void
chan_connect(struct ssm_chan *c)
{
	struct ws_url	 u;
	char		*cause = NULL;

	if (ws_http_url_parse(c->url, 0, &u, &cause) == 0) {
		log_debug("chan %s: connecting to %s", c->name, u.host);
		ws_http_url_clear(&u);
	}
	free(cause);
	if (!c->p.sign_upgrade || ssm_chan_url_presigned(c->url)) {
		chan_ws_open_with(c, NULL);
		return;
	}
	c->creds_wait = c->ops->creds_get(c->p.aws, chan_creds_cb, c);
	if (c->creds_wait == NULL)
		ssm_chan_lost(c, "no credentials to sign the upgrade with");
}

/* Close and forget the WebSocket. */
void
ssm_chan_ws_drop(struct ssm_chan *c, int graceful)
{
	if (c->creds_wait != NULL) {
		c->ops->creds_cancel(c->creds_wait);
		c->creds_wait = NULL;
	}
	if (c->ws == NULL)
		return;
	ssm_chan_hold_end(c);	/* a close needs its answer read */
	ssm_chan_refuse_end(c);
	c->hold_streak = 0;
	c->hold_skip = 0;
	c->hold_took = 0;
	c->turn_msgs = 0;
	c->nacks_held = 0;	/* unsent: the agent resends */
	c->acks_due = 0;
	if (graceful && c->ws_up)
		c->ops->ws_close(c->ws, 1000, "");
	else {
		c->ops->ws_free(c->ws);
		c->ws = NULL;
	}
	c->ws_up = 0;
}

int
ssm_chan_ws_send(struct ssm_chan *c, enum ws_type type, const void *buf,
    size_t len)
{
	if (!c->ws_up)
		return (-1);
	if (c->ops->ws_send(c->ws, type, buf, len) == 0)
		return (0);
	/* Not from here: this may be inside an ssm_chan_* call. */
	c->ws_up = 0;
	if (c->lost_why == NULL)
		c->lost_why = xstrdup("sending on the WebSocket failed");
	ssm_chan_defer(c);
	return (-1);
}

/* Send everything unacked again, oldest first (after a reconnect). */
static void
chan_send_open_frame(struct ssm_chan *c)
{
	struct ssm_open_data_channel	 odc;
	struct evbuffer			*b;
	uint8_t				 uuid[UUID_LEN];
	char				 request_id[UUID_STR_LEN];
	char				 client_id[UUID_STR_LEN];
	size_t				 len;
	uint8_t				*p;

	util_uuid_v4(uuid);
	util_uuid_format(uuid, request_id);
	util_uuid_format(c->client_id, client_id);
	odc.schema_version = SSM_HANDSHAKE_SCHEMA_VERSION;
	odc.request_id = request_id;
	odc.token = c->token;
	odc.client_id = client_id;
	odc.client_version = (char *)c->p.client_version;
	if ((b = evbuffer_new()) == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	ssm_handshake_open_write(&odc, b);
	len = evbuffer_get_length(b);
	p = evbuffer_pullup(b, -1);
	c->ws_up = 1;
	ssm_chan_ws_send(c, WS_TEXT, p, len);
	explicit_bzero(p, len);		/* the token */
	evbuffer_free(b);
}

static void
chan_ws_open_cb(struct ws *ws, void *arg)
{
	struct ssm_chan	*c = arg;
	uint64_t	 now = clock_now_ms();
	char		 detail[64], took[16];

	ssm_chan_enter(c);
	if (c->state == SSM_CHAN_CLOSING || c->state == SSM_CHAN_CLOSED) {
		c->ops->ws_close(ws, 1000, "");
		goto out;
	}
	c->ws_up_at = c->last_rx = now;
	c->ws_heard = 0;
	chan_send_open_frame(c);
	if (!c->ever_open) {
		c->ever_open = 1;
		c->hs_deadline = now + c->p.handshake_timeout;
	}
	ssm_chan_set_state(c, c->hs_done ? SSM_CHAN_OPEN :
	    SSM_CHAN_HANDSHAKING);
	if (c->resume_started != 0) {
		util_fmt_duration(now - c->resume_started, took, sizeof took);
		snprintf(detail, sizeof detail, "after %s%s", took,
		    c->new_url ? ", new url" : "");
		log_info("chan %s: resumed %s", c->name, detail);
		c->resumes++;
		c->outage_started = c->resume_started;
		c->resume_started = 0;
		c->new_url = 0;
		if (ssm_chan_event(c, SSM_CHAN_EV_RESUMED, detail) != 0)
			goto out;
	}
	ssm_chan_resend_all(c);
	ssm_chan_flush(c);
	ssm_chan_wake_writer(c);
out:
	ssm_chan_leave(c);
}

static void
chan_ws_message_cb(struct ws *ws, enum ws_type type, const uint8_t *data,
    size_t len, void *arg)
{
	struct ssm_chan	*c = arg;

	ssm_chan_enter(c);
	if (type == WS_TEXT)
		log_debug("chan %s: text message of %zu bytes ignored", c->name,
		    len);
	else if (c->ws_up)
		ssm_chan_input(c, data, len);
	ssm_chan_leave(c);
}

static void
chan_ws_read_done_cb(struct ws *ws, void *arg)
{
	struct ssm_chan	*c = arg;

	ssm_chan_enter(c);
	if (c->ws_up)
		ssm_chan_read_done(c);
	ssm_chan_leave(c);
}

static void
chan_ws_close_cb(struct ws *ws, uint16_t code, const char *reason, int clean,
    void *arg)
{
	struct ssm_chan	*c = arg;
	char		*why;

	ssm_chan_enter(c);
	xasprintf(&why, "WebSocket closed (%u%s%s)", code,
	    *reason != '\0' ? " " : "", reason);
	ssm_chan_lost(c, why);
	free(why);
	ssm_chan_leave(c);
}

static void
chan_ws_error_cb(struct ws *ws, enum ws_error error, const char *cause,
    void *arg)
{
	struct ssm_chan	*c = arg;
	char		*why;

	ssm_chan_enter(c);
	xasprintf(&why, "WebSocket: %s", cause);
	ssm_chan_lost(c, why);
	free(why);
	ssm_chan_leave(c);
}

static void
chan_ws_drained_cb(struct ws *ws, void *arg)
{
	struct ssm_chan	*c = arg;

	ssm_chan_enter(c);
	if (c->out.count != 0 && c->tick_at == 0)
		c->tick_at = clock_now_ms();
	ssm_chan_leave(c);
}

/*
 * Losing the WebSocket and getting it back (§8).
 */

/* The next attempt after a back-off, or the end if the budget is spent. */
static void
chan_retry_later(struct ssm_chan *c)
{
	uint64_t	 now = clock_now_ms(), delay;
	char		*reason, budget[16];

	delay = ssm_chan_backoff(c->attempt++);
	if (now + delay - c->resume_started > c->p.resume_budget) {
		util_fmt_duration(c->p.resume_budget, budget, sizeof budget);
		xasprintf(&reason, "no data channel within %s: %s", budget,
		    c->last_error != NULL ? c->last_error : "unknown");
		ssm_chan_fail(c, reason, NULL, 1);
		free(reason);
		return;
	}
	c->retry_at = now + delay;
}

void
ssm_chan_lost(struct ssm_chan *c, const char *why)
{
	ssm_chan_ws_drop(c, 0);
	free(c->last_error);
	c->last_error = xstrdup(why);
	switch (c->state) {
	case SSM_CHAN_CLOSED:
		return;
	case SSM_CHAN_CLOSING:
		ssm_chan_defer(c);
		return;
	case SSM_CHAN_STARTING:
		fatalx("chan %s: a WebSocket before StartSession", c->name);
	case SSM_CHAN_CONNECTING:
		if (c->resume_started == 0)
			c->resume_started = clock_now_ms();
		log_info("chan %s: %s", c->name, why);
		if (++c->first_failures <= SSM_CHAN_FIRST_RETRIES) {
			c->retry_resume = 0;
			chan_retry_later(c);
			return;
		}
		ssm_chan_set_state(c, SSM_CHAN_RESUMING);
		break;
	case SSM_CHAN_HANDSHAKING:
	case SSM_CHAN_OPEN:
		log_info("chan %s: %s; resuming", c->name, why);
		/*
		 * A WebSocket that said nothing and did not last was refused
		 * after its upgrade (close 1008): the same outage, so the
		 * back-off and the budget go on rather than start over.
		 */
		if (c->outage_started != 0 && !c->ws_heard &&
		    clock_now_ms() - c->ws_up_at < SSM_CHAN_PROVEN)
			c->resume_started = c->outage_started;
		else {
			c->resume_started = clock_now_ms();
			c->attempt = 0;
		}
		ssm_chan_set_state(c, SSM_CHAN_RESUMING);
		break;
	case SSM_CHAN_RESUMING:
		/* A refused upgrade says why (an expired cell, a bad
		 * signature): worth a line; the next try resumes afresh. */
		log_info("chan %s: %s; resuming again", c->name, why);
		c->retry_resume = 1;
		chan_retry_later(c);
		return;
	}
	c->retry_resume = 1;
	if (ssm_chan_event(c, SSM_CHAN_EV_RESUMING, why) != 0)
		return;
	chan_retry_later(c);
}

void
ssm_chan_retry(struct ssm_chan *c)
{
	c->retry_at = 0;
	if (!c->retry_resume) {
		chan_connect(c);
		return;
	}
	log_debug("chan %s: ResumeSession", c->name);
	c->resume_call = ssm_chan_call(c, SSM_CHAN_CALL_RESUME, "ResumeSession",
	    aws_ssm_encode_session_id(c->session_id), 0);
}
