/*
 * One session of an ssm forward: its states from resolving the instance
 * to its end, the data channel under it (ssm-data-channel.md 7.6), and the
 * bytes between its streams and that channel.
 *
 * The data channel (chan.c) owns the wire: sequence numbers, acks,
 * resends, reconnects. This file pulls our smux frames (or basic bytes)
 * into the channel whenever ssm_chan_room() allows, feeds the agent's
 * bytes to smux and hands each stream's data to stream.c, and refuses
 * the agent's data while the session holds too much for its clients.
 * Sessions end for their own reasons (channel callbacks) or ours
 * (ssm_session_terminate), and a session's end closes its conns with the
 * reason. Which sessions to start and end is the pool's (pool_drv.c).
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "bus.h"
#include "config.h"
#include "conn.h"
#include "forward.h"
#include "log.h"
#include "ssm_chan.h"
#include "ssm_pool.h"
#include "ssm_session.h"
#include "ssm_session_int.h"
#include "ssm_smux.h"
#include "util.h"
#include "xmalloc.h"

static const char *ssm_session_state_names[] = {
	"resolving", "starting", "open", "draining", "finishing", "closing",
	"dead"
};

const char *const ssm_session_mode_names[] = { "basic", "mux", "stream" };
struct evbuffer *
ssm_session_evbuffer(void)
{
	struct evbuffer	*b;

	if ((b = evbuffer_new()) == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	return (b);
}

/* Move s to state; states only move forward. */
static void
ssm_session_set_state(struct ssm_session *s, enum ssm_session_state state)
{
	if (state == s->state)
		return;
	if (state < s->state)
		fatalx("session %s: bad state change %s -> %s", s->name,
		    ssm_session_state_names[s->state],
		    ssm_session_state_names[state]);
	log_debug("session %s: %s -> %s", s->name,
	    ssm_session_state_names[s->state], ssm_session_state_names[state]);
	s->state = state;
}

int
ssm_session_is_starting(struct ssm_session *s)
{
	return (s->state == SSM_SESSION_RESOLVING ||
	    s->state == SSM_SESSION_STARTING);
}

/* The handshake is done and nobody ended s: its bytes flow. */
int
ssm_session_is_open(struct ssm_session *s)
{
	return (s->state >= SSM_SESSION_OPEN && s->state < SSM_SESSION_CLOSING);
}

/* An open session that takes new conns: mux, or basic without a conn. */
int
ssm_session_takes(struct ssm_session *s)
{
	if (!ssm_session_is_open(s) || s->state == SSM_SESSION_FINISHING)
		return (0);
	return (s->mode == SSM_CHAN_MODE_MUX || s->nstreams == 0);
}

/*
 * Say on the bus what became of s at now: detail is what happened
 * (resuming, resumed) or why it ended.
 */
static void
ssm_session_publish(struct ssm_session *s, enum bus_type type,
    const char *detail, uint64_t now)
{
	struct bus_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.session.forward = s->pool->fw->name;
	ev.session.name = s->name;
	ev.session.instance = s->target;
	ev.session.session_id = s->session_id;
	if (ssm_session_is_open(s)) {
		ev.session.mode = ssm_session_mode_names[s->mode];
		ev.session.agent_version = s->agent_version != NULL ?
		    s->agent_version : "";
	}
	if (type == BUS_SESSION_ENDED)
		ev.session.reason = detail;
	else
		ev.session.detail = detail;
	ev.session.age_ms = now - s->started;
	bus_publish(&ev);
}

/*
 * Log a line about s: the sentence, and in JSON the forward, the Session
 * Manager session id (once the handshake said it), gatewayd's name for
 * the session, the instance, what happened (event) and why (reason,
 * may be NULL).
 */
static void __attribute__((format(printf, 5, 6)))
ssm_session_log(struct ssm_session *s, enum log_level level,
    const char *event, const char *reason, const char *fmt, ...)
{
	va_list			 ap;
	char			*msg;
	struct log_field	 f[] = {
		LOG_STR("forward", s->pool->fw->name),
		LOG_STR("session", s->session_id),
		LOG_STR("session_name", s->name),
		LOG_STR("instance", s->target),
		LOG_STR("mode", s->opened != 0 ?
		    ssm_session_mode_names[s->mode] : NULL),
		LOG_STR("event", event),
		LOG_STR("reason", reason),
	};

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	log_fields(level, f, LOG_NFIELDS(f), "%s", msg);
	free(msg);
}

/* Set s->last_error and the forward's, and log it. */
void
ssm_session_set_error(struct ssm_session *s, const char *error)
{
	struct forward	*fw = s->pool->fw;
	char		*msg;

	free(s->last_error);
	s->last_error = xstrdup(error);
	xasprintf(&msg, "session %s: %s", s->name, error);
	forward_keep_error(fw, msg);
	ssm_session_log(s, LOG_LEVEL_WARN, "error", error, "forward %s: %s",
	    fw->name, msg);
	free(msg);
}

/* What s is doing, for a conn that waited too long. */
const char *
ssm_session_doing(struct ssm_session *s)
{
	if (s->state == SSM_SESSION_RESOLVING)
		return ("finding the instance");
	switch (s->chan != NULL ? ssm_chan_get_state(s->chan) :
	    SSM_CHAN_CLOSED) {
	case SSM_CHAN_STARTING:
		return ("StartSession in flight");
	case SSM_CHAN_CONNECTING:
		return ("connecting the WebSocket");
	case SSM_CHAN_HANDSHAKING:
		return ("waiting for the agent's handshake");
	case SSM_CHAN_RESUMING:
		return ("reconnecting");
	default:
		return (ssm_session_state_names[s->state]);
	}
}
/* Close every conn of s: why (a reset for each) and reason. */
static void
ssm_session_close_streams(struct ssm_session *s, enum conn_end why,
    const char *reason)
{
	struct ssm_stream	*st;

	while ((st = RB_MIN(ssm_session_streams, &s->streams)) != NULL) {
		ssm_stream_unlink(st);
		conn_close(st->c, why, "%s", reason);
	}
}

/* The session holds less now: let the agent's data in again. */
void
ssm_session_check_held(struct ssm_session *s)
{
	if (s->refusing && s->held <= s->pool->p.session_high / 2 &&
	    ssm_session_is_open(s)) {
		s->refusing = 0;
		ssm_chan_ready(s->chan);
	}
}
/* The stream table, for smux events. */
static struct ssm_stream *
ssm_session_find(struct ssm_session *s, uint32_t sid)
{
	struct ssm_stream	key;

	key.sid = sid;
	return (RB_FIND(ssm_session_streams, &s->streams, &key));
}

/* An smux event from the agent's bytes. */
static void
ssm_session_smux_cb(struct smux *smux, const struct smux_event *ev,
    void *arg)
{
	struct ssm_session	*s = arg;
	struct ssm_stream	*st;

	switch (ev->type) {
	case SMUX_EV_DATA:
		if ((st = ssm_session_find(s, ev->sid)) != NULL)
			ssm_stream_deliver(st, ev->data, ev->len);
		break;
	case SMUX_EV_FIN:
		if ((st = ssm_session_find(s, ev->sid)) != NULL)
			ssm_stream_remote_fin(st);
		break;
	case SMUX_EV_REFUSED:
		log_warnx("session %s: the agent opened stream %" PRIu32
		    "; refused", s->name, ev->sid);
		break;
	case SMUX_EV_OPEN:
	case SMUX_EV_NOP:
		break;
	}
}

/* Pull our bytes into the channel while it has room; resume clients. */
void
ssm_session_pump(struct ssm_session *s)
{
	struct ssm_stream	*st;
	size_t			 room, n;
	struct evbuffer		*from;

	if (!ssm_session_is_open(s))
		return;
	from = s->mode == SSM_CHAN_MODE_MUX ? s->wire : s->out;
	while ((room = ssm_chan_room(s->chan)) != 0) {
		if (s->mode == SSM_CHAN_MODE_MUX &&
		    evbuffer_get_length(s->wire) == 0 &&
		    smux_output(s->smux, s->wire, room) == 0)
			break;
		if (evbuffer_get_length(from) == 0)
			break;
		if ((n = ssm_chan_send(s->chan, from)) == 0)
			break;
		s->to_agent += n;
	}
	if (s->npaused != 0) {
		RB_FOREACH(st, ssm_session_streams, &s->streams) {
			if (!(st->flags & SSM_STREAM_PAUSED) ||
			    ssm_stream_pending(st) > CONN_LOW_WATERMARK)
				continue;
			st->flags &= ~SSM_STREAM_PAUSED;
			s->npaused--;
			conn_resume(st->c);
		}
	}
	if (s->state == SSM_SESSION_FINISHING &&
	    evbuffer_get_length(s->out) == 0)
		ssm_session_terminate(s, "its connection closed");
}
static void	ssm_session_renew_cb(evutil_socket_t, short, void *);

/* Wake at s->renew_at: the tick is too coarse for short durations. */
static void
ssm_session_renew_timer(struct ssm_session *s)
{
	uint64_t	now = clock_now_ms(), ms;
	struct timeval	tv;

	ms = s->renew_at > now ? s->renew_at - now : 0;
	tv = util_ms_tv(ms);
	if (s->renew_ev == NULL &&
	    (s->renew_ev = evtimer_new(gw_base, ssm_session_renew_cb, s)) ==
	    NULL)
		fatalx("session %s: cannot make a timer", s->name);
	evtimer_add(s->renew_ev, &tv);
}

static void
ssm_session_renew_cb(evutil_socket_t fd, short events, void *arg)
{
	struct ssm_session	*s = arg;
	struct ssm_session_pool	*pool = s->pool;
	uint64_t		 now = clock_now_ms();

	if (s->state != SSM_SESSION_OPEN)
		return;
	if (now < s->renew_at) {	/* a fake clock, or an early wake */
		ssm_session_renew_timer(s);
		return;
	}
	ssm_session_renew(s, now);
	ssm_session_reap(pool);
	ssm_session_start_needed(pool);
}

/* The handshake is done: take the waiting conns the mode allows. */
static void
ssm_session_open_cb(struct ssm_chan *chan, const struct ssm_chan_info *info,
    void *arg)
{
	struct ssm_session	*s = arg;
	struct ssm_session_pool	*pool = s->pool;
	struct ssm_stream	*st;
	struct ssm_pool_view	 v;
	size_t			 share;

	if (s->state != SSM_SESSION_STARTING)
		return;
	ssm_session_set_state(s, SSM_SESSION_OPEN);
	pool->fails_in_a_row = 0;
	s->opened = s->last_nop = clock_now_ms();
	s->idle_since = s->rate_at = s->opened;
	s->renew_at = ssm_pool_renew_at(&pool->p.policy, s->started);
	if (s->renew_at != 0)
		ssm_session_renew_timer(s);
	s->mode = info->mode;
	s->keepalive = info->keepalive;
	free(s->agent_version);
	s->agent_version = xstrdup(info->agent_version != NULL ?
	    info->agent_version : "");
	free(s->session_id);
	s->session_id = info->session_id != NULL ?
	    xstrdup(info->session_id) : NULL;
	ssm_session_log(s, LOG_LEVEL_INFO, "open", NULL, "session %s: open "
	    "to %s, %s mode, agent %s%s (%s)", s->name, s->target,
	    ssm_session_mode_names[s->mode], s->agent_version,
	    s->keepalive ? ", keep-alive" : "",
	    s->session_id != NULL ? s->session_id : "?");
	if (info->customer_message != NULL && *info->customer_message != '\0')
		log_info("session %s: %s", s->name, info->customer_message);
	ssm_session_publish(s, BUS_SESSION_OPENED, NULL, clock_now_ms());
	pool->warm_delay = 0;

	if (s->mode == SSM_CHAN_MODE_MUX) {
		pool->hint = SSM_HINT_MUX;
		s->smux = smux_new(SMUX_CLIENT, ssm_session_smux_cb, s);
		while ((st = TAILQ_FIRST(&pool->waiting)) != NULL)
			ssm_stream_attach(s, st);
		ssm_session_view(pool, &v);
		share = ssm_pool_spread_share(&pool->p.policy, &v);
		while (share-- > 0 &&
		    (st = TAILQ_FIRST(&pool->spread)) != NULL)
			ssm_stream_attach(s, st);
	} else {
		pool->hint = SSM_HINT_BASIC;
		if ((st = TAILQ_FIRST(&pool->waiting)) != NULL)
			ssm_stream_attach(s, st);
		else if (!pool->p.warm || ssm_session_spares(pool) > 1)
			ssm_session_terminate(s, "no connection waits for it");
		/* Else it is the spare that warm keeps for the next conn. */
	}
	ssm_session_reap(pool);
	ssm_session_start_needed(pool);
	ssm_session_pump(s);
}

/* The agent's bytes, in order: 0 taken, -1 not now (unacknowledged). */
static int
ssm_session_data_cb(struct ssm_chan *chan, const uint8_t *buf, size_t len,
    void *arg)
{
	struct ssm_session	*s = arg;
	struct ssm_stream	*st;
	char			*cause, *reason;

	if (!ssm_session_is_open(s))
		return (0);	/* we are ending it: nobody to give them to */
	if (s->held >= s->pool->p.session_high) {
		if (!s->refusing)
			log_debug("session %s: %zu bytes held, refusing the "
			    "agent's data", s->name, s->held);
		s->refusing = 1;
		return (-1);
	}
	if (s->mode != SSM_CHAN_MODE_MUX) {
		if ((st = RB_MIN(ssm_session_streams, &s->streams)) == NULL) {
			s->refusing = 1;	/* a spare: not yet */
			return (-1);
		}
		ssm_stream_deliver(st, buf, len);
		return (0);
	}
	if (smux_input(s->smux, buf, len, &cause) == -1) {
		xasprintf(&reason, "smux: %s", cause);
		ssm_session_set_error(s, reason);
		ssm_session_close_streams(s, CONN_END_LOST, reason);
		ssm_session_terminate(s, reason);
		free(reason);
		free(cause);
	}
	return (0);
}

/* The channel has room again. */
static void
ssm_session_writable_cb(struct ssm_chan *chan, void *arg)
{
	ssm_session_pump(arg);
}

/* Resumes, pauses and the agent's flags. */
static void
ssm_session_event_cb(struct ssm_chan *chan, enum ssm_chan_event ev,
    const char *detail, void *arg)
{
	struct ssm_session	*s = arg;

	if (detail == NULL)
		detail = "";
	switch (ev) {
	case SSM_CHAN_EV_RESUMING:
		ssm_session_log(s, LOG_LEVEL_INFO, "resuming", detail,
		    "session %s: reconnecting: %s", s->name, detail);
		ssm_session_publish(s, BUS_SESSION_RESUMING, detail,
		    clock_now_ms());
		break;
	case SSM_CHAN_EV_RESUMED:
		ssm_session_log(s, LOG_LEVEL_INFO, "resumed", detail,
		    "session %s: reconnected %s", s->name, detail);
		ssm_session_publish(s, BUS_SESSION_RESUMED, detail,
		    clock_now_ms());
		break;
	case SSM_CHAN_EV_PAUSED:
	case SSM_CHAN_EV_UNPAUSED:
		log_debug("session %s: publication %s", s->name,
		    ev == SSM_CHAN_EV_PAUSED ? "paused" : "resumed");
		break;
	case SSM_CHAN_EV_FLAG:
		if (strcmp(detail, "ConnectToPortError") == 0 &&
		    s->mode == SSM_CHAN_MODE_MUX) {
			log_info("session %s: the agent could not connect to "
			    "the target (ConnectToPortError)", s->name);
			s->refusals++;
		} else
			log_info("session %s: flag %s from the agent",
			    s->name, detail);
		break;
	}
}

/* The channel is over: close what rode on it. */
static void
ssm_session_closed_cb(struct ssm_chan *chan, const char *reason,
    const char *code, void *arg)
{
	ssm_session_end(arg, reason != NULL ? reason : "ended");
}

static const struct ssm_chan_cb ssm_session_chan_cb = {
	.open = ssm_session_open_cb,
	.data = ssm_session_data_cb,
	.writable = ssm_session_writable_cb,
	.event = ssm_session_event_cb,
	.closed = ssm_session_closed_cb,
};

/*
 * The Reason of a shared pool's new session, naming the local user of
 * the conn that waits for it first, when known: CloudTrail then says
 * who asked even though the daemon's identity pays. NULL: the pool's
 * own (a user's pool names its user already; a warm start has nobody).
 */
static char *
ssm_session_reason(struct ssm_session_pool *pool)
{
	struct ssm_stream	*st = TAILQ_FIRST(&pool->waiting);
	char			*reason;
	const char		*base = pool->p.chan.reason;

	if (pool->p.user != NULL || st == NULL || st->c->client.user[0] ==
	    '\0' || base == NULL)
		return (NULL);
	/* A user name is shorter than 64 (conn.h): the end of base goes. */
	xasprintf(&reason, "%.*s for %s", SSM_SESSION_MAX_REASON - 5 -
	    (int)strlen(st->c->client.user), base, st->c->client.user);
	return (reason);
}

/* The instance is known: StartSession. */
static void
ssm_session_start_chan(struct ssm_session *s)
{
	struct ssm_chan_params	 cp = s->pool->p.chan;
	char			*reason;

	ssm_session_set_state(s, SSM_SESSION_STARTING);
	cp.name = s->name;
	cp.target = s->target;
	reason = ssm_session_reason(s->pool);
	if (reason != NULL)
		cp.reason = reason;
	ssm_pool_target_hold(s->target);
	free(s->pool->last_instance);
	s->pool->last_instance = xstrdup(s->target);
	ssm_session_log(s, LOG_LEVEL_INFO, "starting", NULL, "session %s: "
	    "starting (%s, %s)", s->name, s->target, cp.document);
	ssm_session_publish(s, BUS_SESSION_STARTING, NULL,
	    clock_now_ms());
	s->chan = ssm_chan_start(&cp, &ssm_session_chan_cb, s);
	free(reason);
}

/* Make a session: resolve its target, then start it. */
void
ssm_session_new(struct ssm_session_pool *pool, enum ssm_pool_start why)
{
	const struct ssm_session_resolver	*r = pool->p.resolver;
	struct ssm_session			*s;

	s = xcalloc(1, sizeof *s);
	s->pool = pool;
	xasprintf(&s->name, "%s/%" PRIu64, pool->p.name != NULL ?
	    pool->p.name : pool->fw->name, ++pool->next_id);
	s->state = SSM_SESSION_RESOLVING;
	s->started = clock_now_ms();
	s->wire = ssm_session_evbuffer();
	s->out = ssm_session_evbuffer();
	RB_INIT(&s->streams);
	TAILQ_INSERT_TAIL(&pool->sessions, s, entry);
	pool->started++;
	if (why == SSM_POOL_START_SATURATED) {
		log_info("session %s: every session of %s runs near its "
		    "ceiling; opening another", s->name, pool->fw->name);
		ssm_session_publish(s, BUS_SESSION_STRIPING, NULL,
		    clock_now_ms());
	} else if (why == SSM_POOL_START_STALLED)
		log_info("session %s: a client that does not read holds up "
		    "every session of %s; opening another", s->name,
		    pool->fw->name);
	else
		log_debug("session %s: new (%s)", s->name,
		    ssm_pool_start_name(why));
	if (r == NULL) {
		s->target = xstrdup(pool->p.chan.target);
		ssm_session_start_chan(s);
		return;
	}
	log_debug("session %s: finding the instance for %s", s->name,
	    pool->p.chan.target);
	/* It may answer at once, and a failure then ends s. */
	s->resolving = r->start(s, r->arg);
}
void
ssm_session_resolved(struct ssm_session *s, const char *target,
    const char *error)
{
	char	*msg;

	s->resolving = NULL;
	if (s->state != SSM_SESSION_RESOLVING)
		return;
	if (target == NULL) {
		ssm_session_end(s, error != NULL ? error : "no instance");
		return;
	}
	if (ssm_session_capped(s->pool, target, &msg)) {
		ssm_session_end(s, msg);
		free(msg);
		return;
	}
	s->target = xstrdup(target);
	ssm_session_start_chan(s);
}

const char *
ssm_session_get_name(struct ssm_session *s)
{
	return (s->name);
}

struct aws_ctx *
ssm_session_get_aws(struct ssm_session *s)
{
	return (s->pool->p.chan.aws);
}

struct aws_ctx *
ssm_session_conn_aws(struct conn *c)
{
	struct ssm_stream	*st = c->fwd_data;

	return (st != NULL ? st->pool->p.chan.aws : NULL);
}

static void
ssm_session_free(struct ssm_session *s)
{
	if (s->resolving != NULL && s->pool->p.resolver->cancel != NULL)
		s->pool->p.resolver->cancel(s->resolving);
	if (s->target != NULL)
		ssm_pool_target_release(s->target);
	if (s->renew_ev != NULL)
		event_free(s->renew_ev);
	ssm_chan_free(s->chan);
	smux_free(s->smux);
	evbuffer_free(s->wire);
	evbuffer_free(s->out);
	free(s->name);
	free(s->target);
	free(s->session_id);
	free(s->agent_version);
	free(s->last_error);
	free(s);
}

/* End s ourselves: the channel says goodbye and the closed callback
 * follows. */
void
ssm_session_terminate(struct ssm_session *s, const char *reason)
{
	if (s->state >= SSM_SESSION_CLOSING)
		return;
	log_debug("session %s: ending: %s", s->name, reason);
	ssm_session_set_state(s, SSM_SESSION_CLOSING);
	if (s->chan != NULL)
		ssm_chan_terminate(s->chan, reason);
}

/* Basic: the conn of s is gone; s ends once what it sent is out. */
void
ssm_session_finish(struct ssm_session *s)
{
	if (ssm_session_is_open(s))
		ssm_session_set_state(s, SSM_SESSION_FINISHING);
}
/* s is over (reason): close its conns, forget it, start what is needed. */
void
ssm_session_end(struct ssm_session *s, const char *reason)
{
	struct ssm_session_pool	*pool = s->pool;
	int			 was_open = s->opened != 0;
	int			 by_us = s->state == SSM_SESSION_CLOSING;

	if (s->state == SSM_SESSION_DEAD)
		return;
	if (by_us)
		ssm_session_log(s, LOG_LEVEL_INFO, "ended", reason,
		    "session %s: ended: %s", s->name, reason);
	else {
		if (!was_open) {
			pool->failed++;
			pool->fails_in_a_row++;
			pool->failed_at = clock_now_ms();
		}
		ssm_session_set_error(s, reason);
	}
	ssm_session_set_state(s, SSM_SESSION_DEAD);
	ssm_session_publish(s, BUS_SESSION_ENDED, reason, clock_now_ms());
	TAILQ_REMOVE(&pool->sessions, s, entry);
	ssm_session_close_streams(s, CONN_END_LOST, reason);
	if (!was_open)
		ssm_session_fail_waiting(pool, reason);
	/* Starts not asked for by a waiting conn back off after failures. */
	if (!by_us && (pool->p.warm || !was_open)) {
		if (!was_open)
			pool->warm_delay = pool->warm_delay == 0 ? 1000 :
			    pool->warm_delay * 2;
		else
			pool->warm_delay = 1000;
		if (pool->warm_delay > SSM_SESSION_WARM_BACKOFF_MAX)
			pool->warm_delay = SSM_SESSION_WARM_BACKOFF_MAX;
		pool->warm_at = clock_now_ms() + pool->warm_delay;
	}
	ssm_session_free(s);
	ssm_session_start_needed(pool);
}

/*
 * Drop s with its pool, at once: close its conns with reason and free it
 * (freeing its channel still ends the session with AWS).
 */
void
ssm_session_drop(struct ssm_session *s, enum conn_end why,
    const char *reason)
{
	TAILQ_REMOVE(&s->pool->sessions, s, entry);
	ssm_session_set_state(s, SSM_SESSION_DEAD);
	ssm_session_close_streams(s, why, reason);
	ssm_session_free(s);
}
/* s is due for renewal: a replacement takes new conns, s drains. */
void
ssm_session_renew(struct ssm_session *s, uint64_t now)
{
	char	age[32];

	s->replaced = now;
	ssm_session_set_state(s, SSM_SESSION_DRAINING);
	s->pool->replacements++;
	util_fmt_duration(now - s->started, age, sizeof age);
	log_info("session %s: replacing it before its end (age %s, %zu "
	    "streams left to drain)", s->name, age, s->nstreams);
	ssm_session_publish(s, BUS_SESSION_REPLACING, NULL, now);
}
/* Measure the rate and backlog of s for the policy. */
void
ssm_session_measure(struct ssm_session *s, uint64_t now)
{
	struct ssm_session_pool	*pool = s->pool;
	uint64_t		 dt = now - s->rate_at, to, from;

	if (s->mode == SSM_CHAN_MODE_MUX &&
	    ssm_chan_get_state(s->chan) == SSM_CHAN_OPEN &&
	    evbuffer_get_length(s->wire) + smux_pending(s->smux) != 0 &&
	    ssm_chan_room(s->chan) == 0)
		s->backlog++;
	else
		s->backlog = 0;
	if (dt < SSM_SESSION_TICK / 2)
		return;
	to = s->to_agent - s->rate_to;
	from = s->from_agent - s->rate_from;
	s->rate = (to > from ? to : from) * 1000 / dt;
	s->rate_at = now;
	s->rate_to = s->to_agent;
	s->rate_from = s->from_agent;
	pool->ceiling = ssm_pool_ceiling(pool->ceiling, s->rate);
}
/* Copy what the channel reports up to the session's object. */
static void
ssm_session_lift(cJSON *o, const cJSON *from, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(from, key);

	if (v != NULL)
		cJSON_AddItemToObject(o, key, cJSON_Duplicate(v, 1));
}

cJSON *
ssm_session_status(struct ssm_session *s)
{
	cJSON			*o, *ch;
	uint64_t		 now = clock_now_ms();
	enum ssm_session_state	 state = s->state;

	/* Open to gatewayctl until we end it; "draining" says the rest. */
	if (ssm_session_is_open(s))
		state = SSM_SESSION_OPEN;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddStringToObject(o, "state", ssm_session_state_names[state]);
	if (s->pool->p.user != NULL)
		cJSON_AddStringToObject(o, "user", s->pool->p.user);
	if (s->target != NULL)
		cJSON_AddStringToObject(o, "instance", s->target);
	if (s->session_id != NULL)
		cJSON_AddStringToObject(o, "session_id", s->session_id);
	if (s->opened != 0) {
		cJSON_AddStringToObject(o, "agent_version", s->agent_version);
		cJSON_AddStringToObject(o, "mode",
		    ssm_session_mode_names[s->mode]);
	}
	cJSON_AddNumberToObject(o, "age_ms", (double)(now - s->started));
	cJSON_AddNumberToObject(o, "streams", (double)s->nstreams);
	cJSON_AddNumberToObject(o, "streams_total", (double)s->total_streams);
	cJSON_AddNumberToObject(o, "bytes_to_agent", (double)s->to_agent);
	cJSON_AddNumberToObject(o, "bytes_from_agent", (double)s->from_agent);
	cJSON_AddNumberToObject(o, "held", (double)s->held);
	cJSON_AddBoolToObject(o, "refusing", s->refusing);
	cJSON_AddNumberToObject(o, "refused", (double)s->refused);
	cJSON_AddNumberToObject(o, "rate", (double)s->rate);
	cJSON_AddBoolToObject(o, "draining", s->replaced != 0);
	if (s->renew_at != 0 && s->replaced == 0)
		cJSON_AddNumberToObject(o, "renew_in_ms", s->renew_at > now ?
		    (double)(s->renew_at - now) : 0);
	if (s->last_error != NULL)
		cJSON_AddStringToObject(o, "last_error", s->last_error);
	else
		cJSON_AddNullToObject(o, "last_error");
	if (s->chan != NULL) {
		ch = cJSON_AddObjectToObject(o, "channel");
		ssm_chan_status(s->chan, ch);
		ssm_session_lift(o, ch, "resends");
		ssm_session_lift(o, ch, "resumes");
		ssm_session_lift(o, ch, "client_version");
	}
	return (o);
}
