/*
 * One Session Manager session and its data channel (ssm-data-channel.md
 * §2-§8): the object, its states, its loop and the ways a session ends.
 * The API calls and the WebSocket are chan_conn.c's, the send path
 * chan_send.c's, what arrives chan_recv.c's; the rings, the RTT
 * arithmetic and the acks are chan_rel.c's.
 *
 * Every deadline is a time in clock_now_ms() and ssm_chan_run() acts on
 * whatever is due, from one timer armed for the nearest deadline and one
 * deferred event for work that must not run inside an ssm_chan_* call.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "aws_ssm.h"
#include "log.h"
#include "metrics.h"
#include "ssm_chan_int.h"
#include "ssm_version.h"
#include "util.h"
#include "xmalloc.h"

/*
 * The real transport.
 */

static struct event_base *
chan_real_base(struct aws_ctx *aws)
{
	return (aws_client_base(aws_ctx_client(aws)));
}

static struct aws_creds_wait *
chan_real_creds_get(struct aws_ctx *aws, aws_creds_cb cb, void *arg)
{
	struct aws_creds_provider	*p = aws_ctx_creds(aws);

	if (p == NULL)
		return (NULL);
	return (aws_creds_get(p, 0, cb, arg));
}

static int
chan_real_ws_send(struct ws *ws, enum ws_type type, const void *buf,
    size_t len)
{
	if (type == WS_TEXT)
		return (ws_send_text(ws, buf, len));
	return (ws_send_binary(ws, buf, len));
}

static const struct ssm_chan_ops chan_real_ops = {
	.base = chan_real_base,
	.call_json = aws_call_json,
	.call_cancel = aws_call_cancel,
	.creds_get = chan_real_creds_get,
	.creds_cancel = aws_creds_cancel,
	.ws_open = ws_client_new,
	.ws_send = chan_real_ws_send,
	.ws_queued = ws_get_queued,
	.ws_close = ws_close,
	.ws_free = ws_free,
	.ws_pause = ws_pause,
	.ws_resume = ws_resume,
	.ws_pending = ws_get_pending,
	.ws_read_cut = ws_read_was_cut,
};

static const struct ssm_chan_ops *chan_ops = &chan_real_ops;

void
ssm_chan_set_ops(const struct ssm_chan_ops *ops)
{
	chan_ops = ops != NULL ? ops : &chan_real_ops;
}

/*
 * States, callbacks into the loop, the timer.
 */

static const char *
chan_state_name(enum ssm_chan_state state)
{
	static const char	*names[] = { "starting", "connecting",
	    "handshaking", "open", "resuming", "closing", "closed" };

	return (names[state]);
}

void
ssm_chan_set_state(struct ssm_chan *c, enum ssm_chan_state state)
{
	if (c->state == state)
		return;
	if (c->state == SSM_CHAN_CLOSED)
		fatalx("chan %s: closed -> %s", c->name,
		    chan_state_name(state));
	log_debug("chan %s: %s -> %s", c->name, chan_state_name(c->state),
	    chan_state_name(state));
	c->state = state;
}

void
ssm_chan_defer(struct ssm_chan *c)
{
	event_active(c->defer, EV_TIMEOUT, 0);
}

/* A way in from the loop: keep the chan until the way out. */
void
ssm_chan_enter(struct ssm_chan *c)
{
	c->depth++;
}

static void	chan_destroy(struct ssm_chan *);

void
ssm_chan_leave(struct ssm_chan *c)
{
	if (--c->depth != 0)
		return;
	if (c->freed)
		chan_destroy(c);
	else
		ssm_chan_rearm(c);
}

int
ssm_chan_event(struct ssm_chan *c, enum ssm_chan_event ev,
    const char *detail)
{
	if (c->state != SSM_CHAN_CLOSED && c->cb.event != NULL)
		c->cb.event(c, ev, detail, c->arg);
	return (c->freed || c->state == SSM_CHAN_CLOSED ? -1 : 0);
}

/* The nearest of a and b, ignoring zeros. */
static uint64_t
chan_nearest(uint64_t a, uint64_t b)
{
	if (a == 0 || (b != 0 && b < a))
		return (b);
	return (a);
}

/* The handshake deadline counts (chan_run_due acts on it). */
static int
chan_hs_pending(struct ssm_chan *c)
{
	return (c->hs_deadline != 0 && !c->hs_done &&
	    c->state != SSM_CHAN_CLOSING && c->state != SSM_CHAN_CLOSED);
}

/*
 * The nearest deadline, 0 if none: exactly those chan_run_due moves on
 * once due, or the timer would fire again at once, forever.
 */
uint64_t
ssm_chan_next_deadline(struct ssm_chan *c)
{
	uint64_t	next;

	if (c->state == SSM_CHAN_CLOSED)
		return (0);
	next = chan_nearest(c->tick_at, c->retry_at);
	if (c->state == SSM_CHAN_CLOSING)
		next = chan_nearest(next, c->close_deadline);
	if (chan_hs_pending(c))
		next = chan_nearest(next, c->hs_deadline);
	next = chan_nearest(next, c->hold_until);
	next = chan_nearest(next, c->acks_due);
	if (c->p.pacing_us != 0 && c->ws_up && !c->paused &&
	    c->out.unsent < c->out.next)
		next = chan_nearest(next, (c->pace_next + 999) / 1000);
	return (next);
}

void
ssm_chan_rearm(struct ssm_chan *c)
{
	struct timeval	tv;
	uint64_t	next = ssm_chan_next_deadline(c), now;

	if (next == 0) {
		evtimer_del(c->timer);
		return;
	}
	now = clock_now_ms();
	next = next > now ? next - now : 0;
	tv = util_ms_tv(next);
	evtimer_add(c->timer, &tv);
}

/*
 * Parameters.
 */

static void
chan_copy_params(struct ssm_chan *c, const struct ssm_chan_params *p)
{
	struct aws_ssm_param	*v;
	const char		**values;
	size_t			 i, j;

	c->p = *p;
	c->p.name = xstrdup(p->name != NULL ? p->name : "chan");
	c->p.target = xstrdup(p->target);
	c->p.document = xstrdup(p->document);
	c->p.reason = p->reason != NULL ? xstrdup(p->reason) : NULL;
	c->p.client_version = xstrdup(p->client_version != NULL ?
	    p->client_version : SSM_VERSION_CLIENT_DEFAULT);
	c->p.proxy = p->proxy != NULL ? xstrdup(p->proxy) : NULL;
	for (i = 0; i < SSM_CHAN_NENDPOINTS; i++)
		c->p.endpoint_hosts[i] = p->endpoint_hosts[i] != NULL ?
		    xstrdup(p->endpoint_hosts[i]) : NULL;
	v = xcalloc(p->nparams + 1, sizeof *v);
	for (i = 0; i < p->nparams; i++) {
		v[i].key = xstrdup(p->params[i].key);
		values = xcalloc(p->params[i].nvalues + 1, sizeof *values);
		for (j = 0; j < p->params[i].nvalues; j++)
			values[j] = xstrdup(p->params[i].values[j]);
		v[i].values = values;
		v[i].nvalues = p->params[i].nvalues;
	}
	c->p.params = v;
#define CHAN_DEFAULT(f, d) do {						\
	if (c->p.f == 0)						\
		c->p.f = (d);						\
} while (0)
	CHAN_DEFAULT(max_unacked, SSM_CHAN_MAX_UNACKED);
	CHAN_DEFAULT(max_out_of_order, SSM_CHAN_MAX_OUT_OF_ORDER);
	CHAN_DEFAULT(max_out_of_order_bytes, SSM_CHAN_MAX_OUT_OF_ORDER_BYTES);
	CHAN_DEFAULT(resend_per_tick, SSM_CHAN_RESEND_PER_TICK);
	CHAN_DEFAULT(handshake_timeout, SSM_CHAN_HANDSHAKE_TIMEOUT);
	CHAN_DEFAULT(give_up, SSM_CHAN_GIVE_UP);
	CHAN_DEFAULT(resume_budget, SSM_CHAN_RESUME_BUDGET);
	CHAN_DEFAULT(ack_timeout, SSM_CHAN_ACK_TIMEOUT);
#undef CHAN_DEFAULT
}

static void
chan_free_params(struct ssm_chan *c)
{
	size_t	i, j;

	for (i = 0; i < c->p.nparams; i++) {
		for (j = 0; j < c->p.params[i].nvalues; j++)
			free((char *)c->p.params[i].values[j]);
		free(c->p.params[i].values);
		free((char *)c->p.params[i].key);
	}
	free((void *)c->p.params);
	free((char *)c->p.name);
	free((char *)c->p.target);
	free((char *)c->p.document);
	free((char *)c->p.reason);
	free((char *)c->p.client_version);
	free((char *)c->p.proxy);
	for (i = 0; i < SSM_CHAN_NENDPOINTS; i++)
		free((char *)c->p.endpoint_hosts[i]);
}

/*
 * Ending.
 */

void
ssm_chan_closed(struct ssm_chan *c, const char *reason, const char *code)
{
	if (c->state == SSM_CHAN_CLOSED)
		return;
	ssm_chan_set_state(c, SSM_CHAN_CLOSED);
	if (c->close_reason == NULL)
		c->close_reason = xstrdup(reason);
	if (code != NULL && c->close_code == NULL)
		c->close_code = xstrdup(code);
	if (c->resume_call != NULL) {
		c->ops->call_cancel(c->resume_call->call);
		c->resume_call = NULL;
	}
	ssm_chan_ws_drop(c, 1);
	c->retry_at = c->tick_at = c->close_deadline = c->hs_deadline = 0;
	c->closed_pending = 1;
	ssm_chan_defer(c);
}

void
ssm_chan_fail(struct ssm_chan *c, const char *reason, const char *code,
    int api)
{
	if (c->state == SSM_CHAN_CLOSED)
		return;
	log_warnx("chan %s: %s", c->name, reason);
	if (api)
		ssm_chan_terminate_api(c, 0);
	ssm_chan_closed(c, reason, code);
}

/*
 * Send the TerminateSession flag and wait for its ack. The ring keeps
 * SSM_CHAN_RESERVE slots that only the chan fills, so there is room; if
 * there were not, return -1: the API call alone ends the session.
 */
static int
chan_close_flag(struct ssm_chan *c, uint64_t now)
{
	uint8_t	payload[4];

	if (ssm_chan_outq_space(&c->out) == 0) {
		log_warnx("chan %s: no room for the TerminateSession flag",
		    c->name);
		return (-1);
	}
	ssm_msg_flag_payload(SSM_FLAG_TERMINATE_SESSION, payload);
	c->flag_seq = ssm_chan_push(c, SSM_PAYLOAD_FLAG, payload,
	    sizeof payload);
	ssm_chan_flush(c);
	c->close = SSM_CHAN_CLOSE_FLAG;
	c->close_deadline = now + SSM_CHAN_DRAIN;
	return (0);
}

/* One step of §7.4's procedure, as far as it can go now. */
static void
chan_close_step(struct ssm_chan *c, uint64_t now)
{
	switch (c->close) {
	case SSM_CHAN_CLOSE_DRAIN:
		if (c->ws_up && c->out.ndata != 0 && now < c->close_deadline)
			return;
		c->close = SSM_CHAN_CLOSE_API;
		if (c->ws_up && c->hs_done && c->terminate_flag &&
		    chan_close_flag(c, now) == 0)
			return;
		/* FALLTHROUGH */
	case SSM_CHAN_CLOSE_FLAG:
		if (c->close == SSM_CHAN_CLOSE_FLAG && !c->flag_done &&
		    c->ws_up && now < c->close_deadline)
			return;
		c->close = SSM_CHAN_CLOSE_API;
		/* FALLTHROUGH */
	case SSM_CHAN_CLOSE_API:
		if (c->start_call != NULL) {
			c->close_deadline = 0;	/* no session id yet */
			return;
		}
		ssm_chan_terminate_api(c, 1);
		c->close = SSM_CHAN_CLOSE_API_WAIT;
		c->close_deadline = now + SSM_CHAN_API_WAIT;
		/* FALLTHROUGH */
	case SSM_CHAN_CLOSE_API_WAIT:
		if (c->term_call != NULL && now < c->close_deadline)
			return;
		c->close = SSM_CHAN_CLOSE_DONE;
		/* FALLTHROUGH */
	case SSM_CHAN_CLOSE_DONE:
		ssm_chan_closed(c, "terminated", NULL);
		break;
	}
}

void
ssm_chan_terminate(struct ssm_chan *c, const char *reason)
{
	enum ssm_chan_state	state = c->state;

	if (state == SSM_CHAN_CLOSING || state == SSM_CHAN_CLOSED)
		return;
	log_info("chan %s: terminating: %s", c->name,
	    reason != NULL ? reason : "no reason");
	c->close_reason = xstrdup(reason != NULL ? reason : "terminated");
	ssm_chan_set_state(c, SSM_CHAN_CLOSING);
	c->retry_at = 0;
	if (c->resume_call != NULL) {
		c->ops->call_cancel(c->resume_call->call);
		c->resume_call = NULL;
	}
	if (state == SSM_CHAN_OPEN) {
		c->close = SSM_CHAN_CLOSE_DRAIN;
		c->close_deadline = clock_now_ms() + SSM_CHAN_DRAIN;
	} else
		c->close = SSM_CHAN_CLOSE_API;
	ssm_chan_defer(c);
}

/*
 * The loop.
 */

/* What is due, in order; stop as soon as a callback freed the chan. */
static void
chan_run_due(struct ssm_chan *c)
{
	uint64_t	 now = clock_now_ms();
	char		*why;

	if ((why = c->lost_why) != NULL) {
		c->lost_why = NULL;
		ssm_chan_lost(c, why);
		free(why);
		if (c->freed)
			return;
	}
	if (chan_hs_pending(c) && now >= c->hs_deadline) {
		xasprintf(&why, "handshake timed out after %us",
		    c->p.handshake_timeout / 1000);
		ssm_chan_fail(c, why, NULL, 1);
		free(why);
	}
	if (c->hold_until != 0 && now + SSM_CHAN_HOLD_SLACK >= c->hold_until)
		ssm_chan_hold_end(c);
	if (c->acks_due != 0 && now >= c->acks_due) {
		c->hold_skip = 0;	/* less came than it seemed */
		ssm_chan_flush_acks(c);
	}
	if (c->retry_at != 0 && now >= c->retry_at) {
		ssm_chan_retry(c);
		if (c->freed)
			return;
	}
	if (c->state == SSM_CHAN_CLOSING)
		chan_close_step(c, now);
	if (c->ready_pending && c->state != SSM_CHAN_CLOSED) {
		c->ready_pending = 0;
		ssm_chan_deliver(c);
		if (c->freed)
			return;
	}
	if (c->tick_at != 0 && now >= c->tick_at) {
		ssm_chan_tick(c, now);
		if (c->freed)
			return;
	}
	ssm_chan_flush(c);
	if (c->writable_pending) {
		c->writable_pending = 0;
		if (c->want_writable && ssm_chan_room(c) != 0) {
			c->want_writable = 0;
			if (c->cb.writable != NULL)
				c->cb.writable(c, c->arg);
			if (c->freed)
				return;
		}
	}
	if (c->closed_pending) {
		c->closed_pending = 0;
		log_info("chan %s: closed: %s", c->name, c->close_reason);
		if (c->cb.closed != NULL)
			c->cb.closed(c, c->close_reason, c->close_code, c->arg);
	}
}

void
ssm_chan_run(struct ssm_chan *c)
{
	ssm_chan_enter(c);
	chan_run_due(c);
	ssm_chan_leave(c);
}

static void
chan_event_cb(evutil_socket_t fd, short events, void *arg)
{
	ssm_chan_run(arg);
}

/*
 * The object.
 */

uint64_t	ssm_chan_resends_total;
uint64_t	ssm_chan_ooo_drops_total;

static uint64_t
chan_resends_total(void)
{
	return (ssm_chan_resends_total);
}

static uint64_t
chan_ooo_drops_total(void)
{
	return (ssm_chan_ooo_drops_total);
}

static struct metrics_hist_family *
chan_rtt_family(void)
{
	return (metrics_register_histogram("gatewayd_ssm_round_trip_seconds",
	    "seconds", "data channel round trips: a message sent to its "
	    "acknowledgement, every session", NULL, metrics_latency_bounds,
	    metrics_nlatency_bounds));
}

/* Every chan's counters, once per process (repeats are ignored). */
static void
chan_metrics_register(void)
{
	metrics_register_counter("gatewayd_ssm_resends", "data channel "
	    "messages sent again, unacknowledged in time or after a "
	    "reconnect", chan_resends_total);
	metrics_register_counter("gatewayd_ssm_out_of_order_drops", "data "
	    "channel messages that came too far ahead to be held (the agent "
	    "sends them again)", chan_ooo_drops_total);
	chan_rtt_family();
}

void
ssm_chan_metrics_rtt(double ms)
{
	metrics_observe(chan_rtt_family(), NULL, ms / 1000.0);
}

struct ssm_chan *
ssm_chan_start(const struct ssm_chan_params *params,
    const struct ssm_chan_cb *cb, void *arg)
{
	struct ssm_chan		*c = xcalloc(1, sizeof *c);
	struct aws_ssm_start	 start;

	if (params->target == NULL || params->document == NULL)
		fatalx("%s: no target or document", __func__);
	chan_copy_params(c, params);
	c->name = xstrdup(c->p.name);
	c->cb = *cb;
	c->arg = arg;
	c->ops = chan_ops;
	c->base = c->ops->base(c->p.aws);
	c->timer = evtimer_new(c->base, chan_event_cb, c);
	c->defer = event_new(c->base, -1, 0, chan_event_cb, c);
	if (c->timer == NULL || c->defer == NULL)
		fatalx("%s: event_new failed", __func__);
	c->started_at = clock_now_ms();
	util_uuid_v4(c->client_id);
	ssm_chan_outq_init(&c->out, 2 * (size_t)c->p.max_unacked +
	    2 * SSM_CHAN_RESERVE);
	ssm_chan_inq_init(&c->in, c->p.max_out_of_order,
	    c->p.max_out_of_order_bytes);
	ssm_chan_rtt_init(&c->rtt);
	ssm_chan_rtt_init(&c->agent_rtt);
	c->flag_seq = -1;
	c->state = SSM_CHAN_STARTING;
	chan_metrics_register();

	memset(&start, 0, sizeof start);
	start.target = c->p.target;
	start.document = c->p.document;
	start.params = c->p.params;
	start.nparams = c->p.nparams;
	start.reason = c->p.reason;
	log_debug("chan %s: StartSession %s %s", c->name, start.target,
	    start.document);
	c->start_call = ssm_chan_call(c, SSM_CHAN_CALL_START, "StartSession",
	    aws_ssm_encode_start_session(&start), AWS_CALL_NOT_IDEMPOTENT);
	return (c);
}

void
ssm_chan_ready(struct ssm_chan *c)
{
	if (c->state == SSM_CHAN_CLOSED)
		return;
	c->ready_pending = 1;
	ssm_chan_defer(c);
}

static void
chan_destroy(struct ssm_chan *c)
{
	event_free(c->timer);
	event_free(c->defer);
	ssm_chan_outq_clear(&c->out);
	ssm_chan_inq_clear(&c->in);
	chan_free_params(c);
	free(c->name);
	free(c->session_id);
	freezero_str(c->token);
	freezero_str(c->url);
	free(c->agent_version);
	cJSON_Delete(c->properties);
	free(c->customer_message);
	free(c->lost_why);
	free(c->last_error);
	free(c->close_reason);
	free(c->close_code);
	free(c);
}

void
ssm_chan_free(struct ssm_chan *c)
{
	if (c == NULL || c->freed)
		return;
	c->freed = 1;
	if (c->state != SSM_CHAN_CLOSED)
		ssm_chan_terminate_api(c, 0);
	if (c->start_call != NULL)
		c->start_call->chan = NULL;	/* it ends the session */
	if (c->term_call != NULL)
		c->term_call->chan = NULL;
	if (c->resume_call != NULL)
		c->ops->call_cancel(c->resume_call->call);
	ssm_chan_ws_drop(c, 0);
	if (c->depth == 0)
		chan_destroy(c);
}

enum ssm_chan_state
ssm_chan_get_state(struct ssm_chan *c)
{
	return (c->state);
}

const char *
ssm_chan_get_session_id(struct ssm_chan *c)
{
	return (c->session_id);
}

void
ssm_chan_get_stats(struct ssm_chan *c, struct ssm_chan_stats *st)
{
	memset(st, 0, sizeof *st);
	st->next_seq = c->out.next;
	st->expected = c->in.expected;
	st->unacked = c->out.count;
	st->stored = c->in.count;
	st->resends = c->resends;
	st->resumes = c->resumes;
	st->acks_out = c->acks_out;
	st->dropped = c->dropped;
	st->holds = c->holds;
	st->coalesces = c->coalesces;
	st->holding = c->hold_until != 0;
	st->paused = c->paused;
	st->paused_ms = ssm_chan_paused_now(c, clock_now_ms());
	st->rtt = c->rtt;
}

void
ssm_chan_status(struct ssm_chan *c, struct cJSON *obj)
{
	static const char	*modes[] = { "basic", "mux", "stream" };

	cJSON_AddStringToObject(obj, "name", c->name);
	if (c->session_id != NULL)
		cJSON_AddStringToObject(obj, "session_id", c->session_id);
	cJSON_AddStringToObject(obj, "target", c->p.target);
	cJSON_AddStringToObject(obj, "state", chan_state_name(c->state));
	if (c->agent_version != NULL) {
		cJSON_AddStringToObject(obj, "agent_version",
		    c->agent_version);
		cJSON_AddStringToObject(obj, "mode", modes[c->mode]);
	}
	/* What the service and the agent see of us (3.2, 5.7). */
	cJSON_AddStringToObject(obj, "client_version", c->p.client_version);
	cJSON_AddBoolToObject(obj, "signed_upgrade", c->p.sign_upgrade);
	cJSON_AddNumberToObject(obj, "age_ms",
	    (double)(clock_now_ms() - c->started_at));
	cJSON_AddNumberToObject(obj, "bytes_in", (double)c->bytes_in);
	cJSON_AddNumberToObject(obj, "bytes_out", (double)c->bytes_out);
	cJSON_AddNumberToObject(obj, "messages_in", (double)c->msgs_in);
	cJSON_AddNumberToObject(obj, "messages_out", (double)c->msgs_out);
	cJSON_AddNumberToObject(obj, "unacked", (double)c->out.count);
	cJSON_AddNumberToObject(obj, "resends", (double)c->resends);
	cJSON_AddNumberToObject(obj, "resumes", (double)c->resumes);
	cJSON_AddNumberToObject(obj, "srtt_ms", c->rtt.srtt);
	cJSON_AddNumberToObject(obj, "rto_ms", c->rtt.rto);
	/* Receive batching (chan_recv.c): holds so far, the last one's. */
	cJSON_AddNumberToObject(obj, "holds", (double)c->holds);
	cJSON_AddNumberToObject(obj, "coalesces", (double)c->coalesces);
	cJSON_AddNumberToObject(obj, "hold_ms", (double)c->hold_last_took);
	cJSON_AddNumberToObject(obj, "agent_rto_ms", c->agent_rtt.rto);
	cJSON_AddBoolToObject(obj, "paused", c->paused);
	if (c->last_error != NULL)
		cJSON_AddStringToObject(obj, "last_error", c->last_error);
	if (c->close_reason != NULL)
		cJSON_AddStringToObject(obj, "closed", c->close_reason);
}
