/*
 * The sessions behind one ssm forward: which session a client connection
 * goes to, and the bytes between its socket and the session's data
 * channel (ssm-data-channel.md 7.6, ssm-port-mux.md 7-9).
 *
 * A pool holds a list of sessions (each with a state, streams and an age)
 * and the conns waiting for one to open. Mux sessions carry every conn as
 * an smux stream; basic sessions carry one conn each, as raw bytes. The
 * mode comes from the handshake; the pool remembers it (its hint) so that
 * once a target has shown itself basic, each new conn starts its own
 * session at once.
 *
 * The data channel (chan.c) owns the wire: sequence numbers, acks,
 * resends, reconnects. This file pulls our smux frames (or basic bytes)
 * into the channel whenever ssm_chan_room() allows, feeds the agent's
 * bytes to smux and hands each stream's data to its conn, and applies
 * back-pressure both ways. Sessions end for their own reasons (channel
 * callbacks) or ours (ssm_session_terminate), and a session's end closes
 * its conns with the reason.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "config.h"
#include "gatewayd.h"
#include "log.h"
#include "ssm_chan.h"
#include "ssm_pool.h"
#include "ssm_session.h"
#include "ssm_smux.h"
#include "util.h"
#include "xmalloc.h"

/* What the agent's refusal of a new stream closes the conn with. */
#define SSM_SESSION_REFUSED \
	"target refused the connection (ConnectToPortError)"

#define SSM_STREAM_WAITING	0x01	/* on pool->waiting */
#define SSM_STREAM_GOT_DATA	0x02	/* the agent sent it bytes */
#define SSM_STREAM_REMOTE_FIN	0x04	/* the agent closed it */
#define SSM_STREAM_PAUSED	0x08	/* we paused its client */
#define SSM_STREAM_RESET	0x10	/* drop what it queued */
#define SSM_STREAM_LOCAL_EOF	0x20	/* the client shut its side */
#define SSM_STREAM_SPREAD	0x40	/* on pool->spread */

/* One conn's attachment: waiting, a stream of a mux session, or the one
 * conn of a basic session (sid 0). */
struct ssm_stream {
	struct conn			*c;
	struct ssm_session_pool		*pool;
	struct ssm_session		*s;	/* NULL while waiting */
	uint32_t			 sid;
	int				 flags;
	struct evbuffer			*hold;	/* for c, not yet taken */
	uint64_t			 since;	/* waiting since, or since the
						   hold last moved */
	uint64_t			 eof_at; /* the client's EOF */
	uint64_t			 seen_out; /* c->bytes_out at the
						   last tick */
	RB_ENTRY(ssm_stream)		 entry;	/* in s->streams */
	TAILQ_ENTRY(ssm_stream)		 wentry; /* in pool->waiting */
};
RB_HEAD(ssm_session_streams, ssm_stream);
TAILQ_HEAD(ssm_waiting, ssm_stream);

struct ssm_session {
	struct ssm_session_pool		*pool;
	char				*name;	/* "db/3" */
	enum ssm_session_state		 state;
	struct ssm_chan			*chan;
	void				*resolving;	/* resolver handle */
	char				*target;	/* the instance */
	char				*session_id;
	char				*agent_version;
	enum ssm_chan_mode		 mode;
	int				 keepalive;
	int				 by_us;		/* we ended it */
	int				 refusing;	/* data said -1 */
	int				 finish;	/* basic: ending */
	int				 draining;	/* replaced: takes no
							   new conns */
	int				 holds_target;	/* counted per target */

	struct smux			*smux;		/* mux */
	struct evbuffer			*wire;		/* mux: frames not
							   yet taken */
	struct evbuffer			*out;		/* basic: to send */
	struct ssm_session_streams	 streams;
	size_t				 nstreams;
	size_t				 npaused;
	size_t				 held;		/* in every hold */
	unsigned			 refusals;	/* flags awaiting FIN */

	uint64_t			 started;
	uint64_t			 opened;
	uint64_t			 last_nop;
	uint64_t			 to_agent;
	uint64_t			 from_agent;
	uint64_t			 total_streams;
	uint64_t			 refused;
	char				*last_error;

	/* What the pool's policy reads (ssm_pool.h). */
	uint64_t			 renew_at;	/* make before break */
	struct event			*renew_ev;	/* fires at renew_at */
	uint64_t			 idle_since;	/* no stream since */
	uint64_t			 rate;		/* bytes/s */
	unsigned			 backlog;	/* ticks in a row */
	uint64_t			 rate_at;	/* last measured */
	uint64_t			 rate_to;	/* to_agent then */
	uint64_t			 rate_from;	/* from_agent then */
	TAILQ_ENTRY(ssm_session)	 entry;
};
TAILQ_HEAD(ssm_sessions, ssm_session);

enum ssm_session_hint {
	SSM_HINT_UNKNOWN,
	SSM_HINT_MUX,
	SSM_HINT_BASIC,
};

struct ssm_session_pool {
	struct forward			*fw;
	struct ssm_session_params	 p;
	struct ssm_sessions		 sessions;
	struct ssm_waiting		 waiting;
	size_t				 nwaiting;
	struct ssm_waiting		 spread;	/* waiting to spread */
	size_t				 nspread;
	enum ssm_session_hint		 hint;
	struct event			*tick;
	struct evbuffer			*scratch;
	uint64_t			 next_id;
	uint64_t			 warm_at;	/* no start but for
							   waiting conns before */
	unsigned			 warm_delay;
	uint64_t			 started;
	uint64_t			 failed;
	uint64_t			 replacements;
	uint64_t			 released;
	uint64_t			 ceiling;	/* bytes/s, most seen */
	struct ssm_pool_load		*loads;		/* scratch, by session */
	struct ssm_session		**lsess;
	size_t				 nloads;
	char				*last_instance;	/* for tag: targets */
};

static const char *ssm_session_state_names[] = {
	"resolving", "starting", "open", "closing", "dead"
};

static const char *ssm_session_mode_names[] = { "basic", "mux", "stream" };

static int
ssm_stream_cmp(struct ssm_stream *a, struct ssm_stream *b)
{
	return (a->sid < b->sid ? -1 : a->sid > b->sid);
}
/* libbsd's RB_GENERATE_STATIC needs a __unused it does not define. */
RB_PROTOTYPE(ssm_session_streams, ssm_stream, entry, ssm_stream_cmp);
RB_GENERATE(ssm_session_streams, ssm_stream, entry, ssm_stream_cmp);

static void	ssm_session_new(struct ssm_session_pool *,
		    enum ssm_pool_start);
static void	ssm_session_end(struct ssm_session *, const char *);
static void	ssm_session_terminate(struct ssm_session *, const char *);
static void	ssm_session_pump(struct ssm_session *);
static void	ssm_session_start_needed(struct ssm_session_pool *);
static size_t	ssm_session_spares(struct ssm_session_pool *);
static void	ssm_session_view(struct ssm_session_pool *,
		    struct ssm_pool_view *);
static void	ssm_session_reap(struct ssm_session_pool *);
static void	ssm_session_tick_half_closed(struct ssm_session *, uint64_t);

static struct evbuffer *
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

static int
ssm_session_is_starting(struct ssm_session *s)
{
	return (s->state == SSM_SESSION_RESOLVING ||
	    s->state == SSM_SESSION_STARTING);
}

/* An open session that takes new conns: mux, or basic without a conn. */
static int
ssm_session_takes(struct ssm_session *s)
{
	if (s->state != SSM_SESSION_OPEN || s->finish)
		return (0);
	return (s->mode == SSM_CHAN_MODE_MUX || s->nstreams == 0);
}

/* Tell gatewayctl events followers about s; key names detail. */
static void
ssm_session_publish(struct ssm_session *s, const char *what,
    const char *key, const char *detail)
{
	cJSON	*ev;

	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "event", what);
	cJSON_AddStringToObject(ev, "forward", s->pool->fw->name);
	cJSON_AddStringToObject(ev, "session", s->name);
	if (s->target != NULL)
		cJSON_AddStringToObject(ev, "instance", s->target);
	if (s->session_id != NULL)
		cJSON_AddStringToObject(ev, "session_id", s->session_id);
	if (s->state == SSM_SESSION_OPEN) {
		cJSON_AddStringToObject(ev, "mode",
		    ssm_session_mode_names[s->mode]);
		cJSON_AddStringToObject(ev, "agent_version",
		    s->agent_version != NULL ? s->agent_version : "");
	}
	if (detail != NULL)
		cJSON_AddStringToObject(ev, key, detail);
	control_event(ev);
}

/* Set s->last_error (and the forward's, which logs it). */
static void
ssm_session_set_error(struct ssm_session *s, const char *error)
{
	free(s->last_error);
	s->last_error = xstrdup(error);
	forward_set_error(s->pool->fw, "session %s: %s", s->name, error);
}

/* What s is doing, for a conn that waited too long. */
static const char *
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

/*
 * Streams.
 */

/* Bytes st's client sent that the channel has not taken. */
static size_t
ssm_stream_pending(struct ssm_stream *st)
{
	struct ssm_session	*s = st->s;

	if (s->mode == SSM_CHAN_MODE_MUX)
		return (smux_stream_pending(s->smux, st->sid));
	return (evbuffer_get_length(s->out));
}

/* "i-0abc:5432" or "i-0abc:db.internal:5432", for the conn's log line. */
static void
ssm_stream_set_target(struct ssm_stream *st, const char *target)
{
	const struct fwd_config	*fc = st->c->fw->conf;

	free(st->c->target_str);
	if (fc->remote_host != NULL)
		xasprintf(&st->c->target_str, "%s:%s:%u", target,
		    fc->remote_host, fc->remote_port);
	else
		xasprintf(&st->c->target_str, "%s:%u", target,
		    fc->remote_port);
}

/* Put st on s: a new smux stream, or the one conn of a basic session. */
static void
ssm_stream_attach(struct ssm_session *s, struct ssm_stream *st)
{
	struct conn	*c = st->c;
	uint32_t	 sid = 0;

	if (s->mode == SSM_CHAN_MODE_MUX &&
	    (sid = smux_open(s->smux)) == 0) {
		conn_close(c, CONN_END_REFUSED, "session %s cannot open "
		    "another stream", s->name);
		return;
	}
	st->sid = sid;
	st->s = s;
	st->flags &= ~(SSM_STREAM_WAITING | SSM_STREAM_SPREAD);
	RB_INSERT(ssm_session_streams, &s->streams, st);
	s->nstreams++;
	s->total_streams++;
	ssm_stream_set_target(st, s->target);
	log_debug("session %s: conn %" PRIu64 " on stream %" PRIu32, s->name,
	    c->id, sid);
	if (s->refusing && s->mode != SSM_CHAN_MODE_MUX) {
		s->refusing = 0;
		ssm_chan_ready(s->chan);
	}
	conn_ready(c);
	/* The SYN goes now: a client that only reads sends nothing. */
	if (s->mode == SSM_CHAN_MODE_MUX)
		ssm_session_pump(s);
}

/* Take st off its session (not its client: the caller closes that). */
static void
ssm_stream_unlink(struct ssm_stream *st)
{
	struct ssm_session	*s = st->s;

	RB_REMOVE(ssm_session_streams, &s->streams, st);
	if (--s->nstreams == 0)
		s->idle_since = clock_now_ms();
	s->held -= evbuffer_get_length(st->hold);
	evbuffer_drain(st->hold, evbuffer_get_length(st->hold));
	if (st->flags & SSM_STREAM_PAUSED)
		s->npaused--;
	st->flags &= ~SSM_STREAM_PAUSED;
	st->s = NULL;
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
static void
ssm_session_check_held(struct ssm_session *s)
{
	if (s->refusing && s->held <= s->pool->p.session_high / 2 &&
	    s->state == SSM_SESSION_OPEN) {
		s->refusing = 0;
		ssm_chan_ready(s->chan);
	}
}

/* Bytes from the agent for st: to its client, or held while it is full. */
static void
ssm_stream_deliver(struct ssm_stream *st, const uint8_t *data, size_t len)
{
	struct ssm_session	*s = st->s;

	st->flags |= SSM_STREAM_GOT_DATA;
	s->from_agent += len;
	if (evbuffer_get_length(st->hold) != 0 ||
	    conn_is_output_full(st->c)) {
		if (evbuffer_get_length(st->hold) == 0)
			st->since = clock_now_ms();
		evbuffer_add(st->hold, data, len);
		s->held += len;
		return;
	}
	conn_write_data(st->c, data, len);
}

/* The agent closed st: the target refused it, or closed after its data. */
static void
ssm_stream_remote_fin(struct ssm_stream *st)
{
	struct ssm_session	*s = st->s;

	st->flags |= SSM_STREAM_REMOTE_FIN;
	/*
	 * The flag names no stream (ssm-port-mux.md 7.4): it goes to the
	 * first stream that ends without any data after it.
	 */
	if (!(st->flags & SSM_STREAM_GOT_DATA) && s->refusals > 0) {
		s->refusals--;
		s->refused++;
		ssm_session_set_error(s, SSM_SESSION_REFUSED);
		conn_close(st->c, CONN_END_REFUSED, "%s", SSM_SESSION_REFUSED);
		return;
	}
	if (evbuffer_get_length(st->hold) == 0)
		conn_eof(st->c);
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

/*
 * Sessions.
 */

/* Pull our bytes into the channel while it has room; resume clients. */
static void
ssm_session_pump(struct ssm_session *s)
{
	struct ssm_stream	*st;
	size_t			 room, n;
	struct evbuffer		*from;

	if (s->state != SSM_SESSION_OPEN)
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
	if (s->finish && evbuffer_get_length(s->out) == 0)
		ssm_session_terminate(s, "its connection closed");
}

static void	ssm_session_renew(struct ssm_session *, uint64_t);
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

	if (s->state != SSM_SESSION_OPEN || s->draining || s->finish)
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
	log_info("session %s: open to %s, %s mode, agent %s%s (%s)", s->name,
	    s->target, ssm_session_mode_names[s->mode], s->agent_version,
	    s->keepalive ? ", keep-alive" : "",
	    s->session_id != NULL ? s->session_id : "?");
	if (info->customer_message != NULL && *info->customer_message != '\0')
		log_info("session %s: %s", s->name, info->customer_message);
	ssm_session_publish(s, "session_open", NULL, NULL);
	pool->warm_delay = 0;

	if (s->mode == SSM_CHAN_MODE_MUX) {
		pool->hint = SSM_HINT_MUX;
		s->smux = smux_new(SMUX_CLIENT, ssm_session_smux_cb, s);
		while ((st = TAILQ_FIRST(&pool->waiting)) != NULL) {
			TAILQ_REMOVE(&pool->waiting, st, wentry);
			pool->nwaiting--;
			ssm_stream_attach(s, st);
		}
		ssm_session_view(pool, &v);
		share = ssm_pool_spread_share(&pool->p.policy, &v);
		while (share-- > 0 &&
		    (st = TAILQ_FIRST(&pool->spread)) != NULL) {
			TAILQ_REMOVE(&pool->spread, st, wentry);
			pool->nspread--;
			ssm_stream_attach(s, st);
		}
	} else {
		pool->hint = SSM_HINT_BASIC;
		if ((st = TAILQ_FIRST(&pool->waiting)) != NULL) {
			TAILQ_REMOVE(&pool->waiting, st, wentry);
			pool->nwaiting--;
			ssm_stream_attach(s, st);
		} else if (!pool->p.warm || ssm_session_spares(pool) > 1)
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

	if (s->state != SSM_SESSION_OPEN)
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
	const char		*what = NULL;

	if (detail == NULL)
		detail = "";
	switch (ev) {
	case SSM_CHAN_EV_RESUMING:
		log_info("session %s: reconnecting: %s", s->name, detail);
		what = "session_resuming";
		break;
	case SSM_CHAN_EV_RESUMED:
		log_info("session %s: reconnected %s", s->name, detail);
		what = "session_resumed";
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
	if (what != NULL)
		ssm_session_publish(s, what, "detail", detail);
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

/* The instance is known: StartSession. */
static void
ssm_session_start_chan(struct ssm_session *s)
{
	struct ssm_chan_params	 cp = s->pool->p.chan;

	ssm_session_set_state(s, SSM_SESSION_STARTING);
	cp.name = s->name;
	cp.target = s->target;
	ssm_pool_target_hold(s->target);
	s->holds_target = 1;
	free(s->pool->last_instance);
	s->pool->last_instance = xstrdup(s->target);
	log_info("session %s: starting (%s, %s)", s->name, s->target,
	    cp.document);
	ssm_session_publish(s, "session_starting", NULL, NULL);
	s->chan = ssm_chan_start(&cp, &ssm_session_chan_cb, s);
}

/* Make a session: resolve its target, then start it. */
static void
ssm_session_new(struct ssm_session_pool *pool, enum ssm_pool_start why)
{
	const struct ssm_session_resolver	*r = pool->p.resolver;
	struct ssm_session			*s;

	s = xcalloc(1, sizeof *s);
	s->pool = pool;
	xasprintf(&s->name, "%s/%" PRIu64, pool->fw->name, ++pool->next_id);
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
		ssm_session_publish(s, "session_striping", NULL, NULL);
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

/* 1 and *msg if target has as many sessions as the cap allows. */
static int
ssm_session_capped(struct ssm_session_pool *pool, const char *target,
    char **msg)
{
	unsigned	cap = pool->p.policy.max_per_target;
	int		n = ssm_pool_target_count(target);

	if (cap == 0 || n < 0 || (unsigned)n < cap)
		return (0);
	xasprintf(msg, "%s has %d sessions open, the most "
	    "max_sessions_per_target allows", target, n);
	return (1);
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

static void
ssm_session_free(struct ssm_session *s)
{
	if (s->resolving != NULL && s->pool->p.resolver->cancel != NULL)
		s->pool->p.resolver->cancel(s->resolving);
	if (s->holds_target)
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
static void
ssm_session_terminate(struct ssm_session *s, const char *reason)
{
	if (s->state >= SSM_SESSION_CLOSING)
		return;
	log_debug("session %s: ending: %s", s->name, reason);
	s->by_us = 1;
	ssm_session_set_state(s, SSM_SESSION_CLOSING);
	if (s->chan != NULL)
		ssm_chan_terminate(s->chan, reason);
}

/* Close the waiting conns that no starting session can serve now. */
static void
ssm_session_fail_waiting(struct ssm_session_pool *pool, const char *reason)
{
	struct ssm_session	*s;
	size_t			 starting = 0;

	struct ssm_stream	*st;

	TAILQ_FOREACH(s, &pool->sessions, entry) {
		if (ssm_session_is_starting(s))
			starting++;
	}
	/* A replaced mux session still open takes them rather. */
	TAILQ_FOREACH(s, &pool->sessions, entry) {
		if (starting != 0 || !s->draining ||
		    s->state != SSM_SESSION_OPEN ||
		    s->mode != SSM_CHAN_MODE_MUX)
			continue;
		while ((st = TAILQ_FIRST(&pool->waiting)) != NULL) {
			TAILQ_REMOVE(&pool->waiting, st, wentry);
			pool->nwaiting--;
			ssm_stream_attach(s, st);
		}
		return;
	}
	/* A mux (or unknown) start serves every waiting conn. */
	if (pool->hint != SSM_HINT_BASIC && starting != 0)
		return;
	while (pool->nwaiting > starting)
		conn_close(TAILQ_FIRST(&pool->waiting)->c, CONN_END_REFUSED,
		    "%s", reason);
}

/* s is over (reason): close its conns, forget it, start what is needed. */
static void
ssm_session_end(struct ssm_session *s, const char *reason)
{
	struct ssm_session_pool	*pool = s->pool;
	int			 was_open = s->opened != 0;

	if (s->state == SSM_SESSION_DEAD)
		return;
	if (s->by_us)
		log_info("session %s: ended: %s", s->name, reason);
	else {
		if (!was_open)
			pool->failed++;
		ssm_session_set_error(s, reason);
	}
	ssm_session_set_state(s, SSM_SESSION_DEAD);
	ssm_session_publish(s, "session_ended", "reason", reason);
	TAILQ_REMOVE(&pool->sessions, s, entry);
	ssm_session_close_streams(s, CONN_END_LOST, reason);
	if (!was_open)
		ssm_session_fail_waiting(pool, reason);
	/* Starts not asked for by a waiting conn back off after failures. */
	if (!s->by_us && (pool->p.warm || !was_open)) {
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
 * The pool's policy (pool.c) reads the sessions' loads.
 */

static enum ssm_pool_state
ssm_session_pool_state(struct ssm_session *s)
{
	switch (s->state) {
	case SSM_SESSION_RESOLVING:
	case SSM_SESSION_STARTING:
		return (SSM_POOL_STARTING);
	case SSM_SESSION_OPEN:
		if (s->finish)
			return (SSM_POOL_CLOSING);
		return (s->draining ? SSM_POOL_DRAINING : SSM_POOL_OPEN);
	default:
		return (SSM_POOL_CLOSING);
	}
}

/* Fill pool->loads (and pool->lsess) for every session; return n. */
static size_t
ssm_session_loads(struct ssm_session_pool *pool)
{
	struct ssm_session	*s;
	struct ssm_pool_load	*l;
	size_t			 n = 0;

	TAILQ_FOREACH(s, &pool->sessions, entry)
		n++;
	if (n > pool->nloads) {
		pool->loads = xreallocarray(pool->loads, n,
		    sizeof *pool->loads);
		pool->lsess = xreallocarray(pool->lsess, n,
		    sizeof *pool->lsess);
		pool->nloads = n;
	}
	n = 0;
	TAILQ_FOREACH(s, &pool->sessions, entry) {
		l = &pool->loads[n];
		memset(l, 0, sizeof *l);
		l->state = ssm_session_pool_state(s);
		l->mux = s->mode == SSM_CHAN_MODE_MUX;
		l->streams = s->nstreams;
		l->rate = s->rate;
		l->backlog = s->backlog;
		/* Refusing the agent for clients that do not read. */
		l->stalled = s->mode == SSM_CHAN_MODE_MUX && s->refusing &&
		    s->nstreams != 0;
		l->idle_since = s->nstreams == 0 ? s->idle_since : 0;
		pool->lsess[n++] = s;
	}
	return (n);
}

/* The pool as the policy sees it (loads in pool->loads). */
static void
ssm_session_view(struct ssm_session_pool *pool, struct ssm_pool_view *v)
{
	const char	*target;

	target = pool->p.resolver == NULL ? pool->p.chan.target :
	    pool->last_instance;
	memset(v, 0, sizeof *v);
	v->n = ssm_session_loads(pool);
	v->loads = pool->loads;
	v->waiting = pool->nwaiting;
	v->basic = pool->hint == SSM_HINT_BASIC;
	v->warm_due = pool->p.warm && clock_now_ms() >= pool->warm_at;
	v->ceiling = pool->ceiling;
	v->target_sessions = ssm_pool_target_count(target);
	v->spreading = pool->nspread;
	v->may_start = clock_now_ms() >= pool->warm_at;
}

/*
 * Put conns waiting to spread on the least loaded open session: those
 * that waited SSM_POOL_SPREAD_WAIT, or all when no session is on its way
 * for them. One that no session takes waits as any other.
 */
static void
ssm_session_place_spread(struct ssm_session_pool *pool, int all)
{
	struct ssm_stream	*st, *st1;
	struct ssm_session	*s;
	uint64_t		 now = clock_now_ms();
	size_t			 n;
	int			 k;

	TAILQ_FOREACH_SAFE(st, &pool->spread, wentry, st1) {
		if (!all && now - st->since < SSM_POOL_SPREAD_WAIT)
			continue;
		TAILQ_REMOVE(&pool->spread, st, wentry);
		pool->nspread--;
		n = ssm_session_loads(pool);
		if ((k = ssm_pool_choose(pool->loads, n, pool->ceiling,
		    0)) != -1) {
			s = pool->lsess[k];
			log_debug("forward %s: conn %" PRIu64 " takes session "
			    "%s, no other opened for it", pool->fw->name,
			    st->c->id, s->name);
			ssm_stream_attach(s, st);
			continue;
		}
		st->flags &= ~SSM_STREAM_SPREAD;
		st->flags |= SSM_STREAM_WAITING;
		TAILQ_INSERT_TAIL(&pool->waiting, st, wentry);
		pool->nwaiting++;
	}
}

/*
 * Start what the pool lacks, as the policy says. A start may fail at once
 * (the resolver answers in the call), which closes waiting conns or
 * pushes the next start back, so the policy is asked again each time.
 */
static void
ssm_session_start_needed(struct ssm_session_pool *pool)
{
	struct ssm_pool_view	 v;
	enum ssm_pool_start	 why;
	const char		*why_not, *target;
	uint64_t		 now = clock_now_ms();
	char			*msg;
	size_t			 i, starting;

	target = pool->p.resolver == NULL ? pool->p.chan.target :
	    pool->last_instance;
	for (i = 0; i < 4 + pool->nspread; i++) {
		ssm_session_view(pool, &v);
		why = ssm_pool_want_start(&pool->p.policy, &v, &why_not);
		if (why == SSM_POOL_START_NONE) {
			if (why_not == NULL || pool->nwaiting == 0 ||
			    !ssm_session_capped(pool, target, &msg))
				break;
			ssm_session_fail_waiting(pool, msg);
			free(msg);
			break;
		}
		if (why != SSM_POOL_START_WAITING && now < pool->warm_at)
			break;
		ssm_session_new(pool, why);
	}
	/* Conns waiting to spread with no session on its way: place them. */
	if (pool->nspread != 0) {
		ssm_session_view(pool, &v);
		for (i = 0, starting = 0; i < v.n; i++)
			starting += v.loads[i].state == SSM_POOL_STARTING;
		if (starting == 0)
			ssm_session_place_spread(pool, 1);
	}
}

/* s is due for renewal: a replacement takes new conns, s drains. */
static void
ssm_session_renew(struct ssm_session *s, uint64_t now)
{
	char	age[32];

	s->draining = 1;
	s->pool->replacements++;
	util_fmt_duration(now - s->started, age, sizeof age);
	log_info("session %s: replacing it before its end (age %s, %zu "
	    "streams left to drain)", s->name, age, s->nstreams);
	ssm_session_publish(s, "session_replacing", "age", age);
}

/* End the sessions the policy no longer wants. */
static void
ssm_session_reap(struct ssm_session_pool *pool)
{
	struct ssm_session	*s;
	size_t			 i, n = ssm_session_loads(pool);
	uint64_t		 now = clock_now_ms();
	int			 replaced = 0;
	char			 dur[32], *why;

	for (i = 0; i < n; i++) {
		if (pool->loads[i].state == SSM_POOL_OPEN &&
		    pool->loads[i].mux)
			replaced = 1;
	}
	for (i = 0; i < n; i++) {
		s = pool->lsess[i];
		switch (ssm_pool_want_end(&pool->p.policy, &pool->loads[i],
		    now, replaced)) {
		case SSM_POOL_END_NONE:
			break;
		case SSM_POOL_END_DRAINED:
			ssm_session_terminate(s, "replaced, and its last "
			    "stream ended");
			break;
		case SSM_POOL_END_RELEASE:
			pool->released++;
			util_fmt_duration(now - s->idle_since, dur,
			    sizeof dur);
			xasprintf(&why, "released: no client for %s", dur);
			log_info("session %s: %s", s->name, why);
			ssm_session_terminate(s, why);
			free(why);
			break;
		}
	}
}

/* Open basic sessions without a conn. */
static size_t
ssm_session_spares(struct ssm_session_pool *pool)
{
	struct ssm_session	*s;
	size_t			 n = 0;

	TAILQ_FOREACH(s, &pool->sessions, entry) {
		if (s->mode != SSM_CHAN_MODE_MUX && ssm_session_takes(s))
			n++;
	}
	return (n);
}

/*
 * The pool.
 */

static void
ssm_session_tick_cb(evutil_socket_t fd, short events, void *arg)
{
	ssm_session_tick(arg);
}

struct ssm_session_pool *
ssm_session_pool_new(struct forward *fw,
    const struct ssm_session_params *params)
{
	struct ssm_session_pool	*pool;
	struct timeval		 tv;

	pool = xcalloc(1, sizeof *pool);
	pool->fw = fw;
	pool->p = *params;
	if (pool->p.wait_timeout == 0)
		pool->p.wait_timeout = SSM_SESSION_WAIT_TIMEOUT;
	if (pool->p.stall_timeout == 0)
		pool->p.stall_timeout = SSM_SESSION_STALL_TIMEOUT;
	if (pool->p.keepalive == 0)
		pool->p.keepalive = SSM_SESSION_KEEPALIVE;
	if (pool->p.stream_high == 0)
		pool->p.stream_high = SSM_SESSION_STREAM_HIGH;
	if (pool->p.session_high == 0)
		pool->p.session_high = SSM_SESSION_HIGH;
	TAILQ_INIT(&pool->sessions);
	TAILQ_INIT(&pool->waiting);
	TAILQ_INIT(&pool->spread);
	pool->scratch = ssm_session_evbuffer();
	pool->tick = event_new(gw_base, -1, EV_PERSIST, ssm_session_tick_cb,
	    pool);
	if (pool->tick == NULL)
		fatalx("forward %s: cannot make a timer", fw->name);
	tv = util_ms_tv(SSM_SESSION_TICK);
	evtimer_add(pool->tick, &tv);
	ssm_session_start_needed(pool);
	return (pool);
}

void
ssm_session_pool_free(struct ssm_session_pool *pool)
{
	struct ssm_session	*s;
	struct ssm_stream	*st;

	if (pool == NULL)
		return;
	while ((st = TAILQ_FIRST(&pool->waiting)) != NULL)
		conn_close(st->c, CONN_END_STOPPED, "forward stopped");
	while ((st = TAILQ_FIRST(&pool->spread)) != NULL)
		conn_close(st->c, CONN_END_STOPPED, "forward stopped");
	while ((s = TAILQ_FIRST(&pool->sessions)) != NULL) {
		TAILQ_REMOVE(&pool->sessions, s, entry);
		s->state = SSM_SESSION_DEAD;
		ssm_session_close_streams(s, CONN_END_STOPPED,
		    "forward stopped");
		ssm_session_free(s);
	}
	event_free(pool->tick);
	evbuffer_free(pool->scratch);
	free(pool->loads);
	free(pool->lsess);
	free(pool->last_instance);
	free(pool);
}

/* Close waiting conns whose wait ran out. */
static void
ssm_session_tick_waiting(struct ssm_session_pool *pool, uint64_t now)
{
	struct ssm_stream	*st, *st1;
	struct ssm_session	*s;
	const char		*doing = "no session is starting";
	char			 dur[32];

	TAILQ_FOREACH(s, &pool->sessions, entry) {
		if (ssm_session_is_starting(s)) {
			doing = ssm_session_doing(s);
			break;
		}
	}
	util_fmt_duration(pool->p.wait_timeout, dur, sizeof dur);
	TAILQ_FOREACH_SAFE(st, &pool->waiting, wentry, st1) {
		if (now - st->since >= pool->p.wait_timeout)
			conn_close(st->c, CONN_END_REFUSED, "no session after "
			    "%s (%s)", dur, doing);
	}
}

/*
 * Reset the streams that hold s up. smux v1 has no per-stream window
 * (ssm-port-mux.md 8): once s holds session_high bytes that clients have
 * not taken, the agent's data is refused for every stream of s, not only
 * for the client that does not read. So while s refuses, a stream whose
 * client has taken nothing for stall_timeout is reset, the one holding
 * the most first, until s takes data again (the others resume within
 * stall_timeout and a tick). A client that stops reading without holding
 * the session up is left alone, as TCP would leave it: what it holds
 * counts toward session_high.
 */
static void
ssm_session_tick_stalled(struct ssm_session *s, uint64_t now)
{
	struct ssm_stream	*st, *worst;
	char			 dur[32], held[32];

	/* A client that took bytes since the last tick is reading. */
	RB_FOREACH(st, ssm_session_streams, &s->streams) {
		if (st->c->bytes_out != st->seen_out) {
			st->seen_out = st->c->bytes_out;
			st->since = now;
		}
	}
	util_fmt_duration(s->pool->p.stall_timeout, dur, sizeof dur);
	while (s->refusing && s->state == SSM_SESSION_OPEN &&
	    s->held > s->pool->p.session_high / 2) {
		worst = NULL;
		RB_FOREACH(st, ssm_session_streams, &s->streams) {
			if (evbuffer_get_length(st->hold) == 0 ||
			    now - st->since < s->pool->p.stall_timeout)
				continue;
			if (worst == NULL || evbuffer_get_length(st->hold) >
			    evbuffer_get_length(worst->hold))
				worst = st;
		}
		if (worst == NULL)
			break;
		util_fmt_bytes(evbuffer_get_length(worst->hold), held,
		    sizeof held);
		log_warnx("session %s: conn %" PRIu64 " read nothing for %s "
		    "with %s waiting, holding up the session; resetting its "
		    "stream", s->name, worst->c->id, dur, held);
		worst->flags |= SSM_STREAM_RESET;
		conn_close(worst->c, CONN_END_STALLED, "client read nothing "
		    "for %s while it held up the session (stall_timeout); "
		    "stream reset", dur);
	}
}

/* Measure the rate and backlog of s for the policy. */
static void
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

void
ssm_session_tick(struct ssm_session_pool *pool)
{
	struct ssm_session	*s, *s1;
	uint64_t		 now = clock_now_ms();

	ssm_session_tick_waiting(pool, now);
	ssm_session_place_spread(pool, 0);
	TAILQ_FOREACH_SAFE(s, &pool->sessions, entry, s1) {
		if (s->state != SSM_SESSION_OPEN)
			continue;
		ssm_session_tick_stalled(s, now);
		if (pool->p.half_close != 0)
			ssm_session_tick_half_closed(s, now);
		ssm_session_measure(s, now);
		if (!s->draining && !s->finish && s->renew_at != 0 &&
		    now >= s->renew_at)
			ssm_session_renew(s, now);
		/* A tick early rather than late: at least every 10 s. */
		if (s->mode == SSM_CHAN_MODE_MUX && s->keepalive &&
		    now - s->last_nop + SSM_SESSION_TICK > pool->p.keepalive) {
			s->last_nop = now;
			smux_nop(s->smux);
			ssm_session_pump(s);
		}
	}
	ssm_session_reap(pool);
	ssm_session_start_needed(pool);
}

/*
 * The forwarder's calls.
 */

void
ssm_session_attach(struct ssm_session_pool *pool, struct conn *c)
{
	struct ssm_stream	*st;
	struct ssm_session	*best = NULL;
	struct ssm_pool_view	 v;
	size_t			 i, n;
	int			 starting = 0, k;

	st = xcalloc(1, sizeof *st);
	st->c = c;
	st->pool = pool;
	st->hold = ssm_session_evbuffer();
	c->fwd_data = st;
	ssm_stream_set_target(st, pool->p.chan.target);

	/* Arrived with others: wait for a session of its own? */
	if (pool->hint == SSM_HINT_MUX) {
		ssm_session_view(pool, &v);
		if (ssm_pool_spread(&pool->p.policy, &v)) {
			st->flags |= SSM_STREAM_SPREAD;
			st->since = clock_now_ms();
			TAILQ_INSERT_TAIL(&pool->spread, st, wentry);
			pool->nspread++;
			log_debug("forward %s: conn %" PRIu64 " waits for a "
			    "session to spread to", pool->fw->name, c->id);
			ssm_session_start_needed(pool);
			return;
		}
	}

	/* The least loaded; a replaced one only if nothing starts. */
	n = ssm_session_loads(pool);
	for (i = 0; i < n; i++)
		starting |= pool->loads[i].state == SSM_POOL_STARTING;
	if ((k = ssm_pool_choose(pool->loads, n, pool->ceiling,
	    !starting)) != -1)
		best = pool->lsess[k];
	if (best != NULL) {
		ssm_stream_attach(best, st);
		if (best->mode != SSM_CHAN_MODE_MUX)
			ssm_session_start_needed(pool);	/* a new spare */
		return;
	}
	st->flags |= SSM_STREAM_WAITING;
	st->since = clock_now_ms();
	TAILQ_INSERT_TAIL(&pool->waiting, st, wentry);
	pool->nwaiting++;
	log_debug("forward %s: conn %" PRIu64 " waits for a session",
	    pool->fw->name, c->id);
	ssm_session_start_needed(pool);
}

void
ssm_session_send(struct conn *c, struct evbuffer *in)
{
	struct ssm_stream	*st = c->fwd_data;
	struct ssm_session	*s = st->s;
	size_t			 len = evbuffer_get_length(in);

	if (s == NULL || s->state != SSM_SESSION_OPEN || s->finish) {
		conn_close(c, CONN_END_LOST, "session %s is ending",
		    s != NULL ? s->name : "?");
		return;
	}
	/*
	 * The target ended the stream both ways (no half-close, ssm-port-
	 * mux.md 7.4): what the client sends now has nowhere to go. Once the
	 * target's last bytes and its EOF have reached the client, that is
	 * the conn's clean end; until then they still flow.
	 */
	if (st->flags & SSM_STREAM_REMOTE_FIN) {
		evbuffer_drain(in, len);
		if (evbuffer_get_length(st->hold) == 0 &&
		    conn_output_len(c) == 0)
			conn_close(c, CONN_END_DONE, "remote closed");
		return;
	}
	if (s->mode == SSM_CHAN_MODE_MUX) {
		if (smux_write_buffer(s->smux, st->sid, in, len) == -1) {
			conn_close(c, CONN_END_RESET, "stream %" PRIu32
			    " is closed", st->sid);
			return;
		}
	} else
		evbuffer_remove_buffer(in, s->out, len);
	ssm_session_pump(s);
	if (!(st->flags & SSM_STREAM_PAUSED) && st->s != NULL &&
	    ssm_stream_pending(st) >= s->pool->p.stream_high) {
		st->flags |= SSM_STREAM_PAUSED;
		s->npaused++;
		conn_pause(c);
	}
}

/*
 * The client shut its side. Neither smux nor basic mode can carry a
 * half-close (ssm-port-mux.md 7.4): FIN ends the stream both ways. In mux
 * mode, with half_close set, the FIN waits for the target's own end (the
 * agent's FIN) or half_close ms (2 s by default), so that the reply to a request the client
 * sent before shutting its side ("printf req | nc -N") still arrives;
 * else the conn ends here. What the client sent goes out first either way.
 */
void
ssm_session_eof(struct conn *c)
{
	struct ssm_stream	*st = c->fwd_data;

	/* After the agent's FIN: the conn ends, cleanly, once the target's
	 * last bytes and EOF have reached the client (conn.c). */
	if (st != NULL && (st->flags & SSM_STREAM_REMOTE_FIN))
		return;
	if (st != NULL && st->s != NULL && st->pool->p.half_close != 0 &&
	    st->s->mode == SSM_CHAN_MODE_MUX) {
		st->flags |= SSM_STREAM_LOCAL_EOF;
		st->eof_at = clock_now_ms();
		log_debug("session %s: conn %" PRIu64 " half-closed; stream %"
		    PRIu32 " waits for the target's end", st->s->name, c->id,
		    st->sid);
		return;
	}
	conn_close(c, CONN_END_CLIENT, "client closed");
}

/* Close the half-closed conns of s whose target did not end in time. */
static void
ssm_session_tick_half_closed(struct ssm_session *s, uint64_t now)
{
	struct ssm_stream	*st, *st1;
	char			 dur[32];

	util_fmt_duration(s->pool->p.half_close, dur, sizeof dur);
	RB_FOREACH_SAFE(st, ssm_session_streams, &s->streams, st1) {
		if ((st->flags & SSM_STREAM_LOCAL_EOF) &&
		    now - st->eof_at >= s->pool->p.half_close)
			conn_close(st->c, CONN_END_CLIENT, "the target did not "
			    "end the stream within %s of the client's EOF "
			    "(half_close_timeout)", dur);
	}
}

/* The client's output drained: give it what was held for it. */
void
ssm_session_drain(struct conn *c)
{
	struct ssm_stream	*st = c->fwd_data;
	struct ssm_session	*s = st->s;
	struct evbuffer		*tmp = st->pool->scratch;
	size_t			 n;

	if (s == NULL || evbuffer_get_length(st->hold) == 0)
		return;
	n = evbuffer_get_length(st->hold);
	if (n > CONN_HIGH_WATERMARK)
		n = CONN_HIGH_WATERMARK;
	evbuffer_remove_buffer(st->hold, tmp, n);
	s->held -= n;
	st->since = clock_now_ms();
	conn_write(c, tmp);
	ssm_session_check_held(s);
	if (evbuffer_get_length(st->hold) == 0 &&
	    (st->flags & SSM_STREAM_REMOTE_FIN))
		conn_eof(c);
}

void
ssm_session_detach(struct conn *c)
{
	struct ssm_stream	*st = c->fwd_data;
	struct ssm_session	*s;

	if (st == NULL)
		return;
	c->fwd_data = NULL;
	if (st->flags & SSM_STREAM_WAITING) {
		TAILQ_REMOVE(&st->pool->waiting, st, wentry);
		st->pool->nwaiting--;
	} else if (st->flags & SSM_STREAM_SPREAD) {
		TAILQ_REMOVE(&st->pool->spread, st, wentry);
		st->pool->nspread--;
	} else if ((s = st->s) != NULL) {
		ssm_stream_unlink(st);
		if (s->mode == SSM_CHAN_MODE_MUX) {
			if (st->flags & SSM_STREAM_RESET)
				smux_abort(s->smux, st->sid);
			else
				smux_close(s->smux, st->sid);
		} else {
			if (st->flags & SSM_STREAM_RESET)
				evbuffer_drain(s->out,
				    evbuffer_get_length(s->out));
			s->finish = 1;
		}
		ssm_session_pump(s);
		ssm_session_check_held(s);
		if (s->draining && s->nstreams == 0)
			ssm_session_reap(st->pool);
	}
	evbuffer_free(st->hold);
	free(st);
}

/*
 * Status.
 */

/* Copy what the channel reports up to the session's object. */
static void
ssm_session_lift(cJSON *o, const cJSON *from, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(from, key);

	if (v != NULL)
		cJSON_AddItemToObject(o, key, cJSON_Duplicate(v, 1));
}

static cJSON *
ssm_session_status(struct ssm_session *s)
{
	cJSON		*o, *ch;
	uint64_t	 now = clock_now_ms();

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddStringToObject(o, "state", ssm_session_state_names[s->state]);
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
	cJSON_AddBoolToObject(o, "draining", s->draining);
	if (s->renew_at != 0 && !s->draining)
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

void
ssm_session_pool_status(struct ssm_session_pool *pool, cJSON *obj)
{
	struct ssm_session	*s;
	cJSON			*arr;

	arr = cJSON_AddArrayToObject(obj, "sessions");
	TAILQ_FOREACH(s, &pool->sessions, entry)
		cJSON_AddItemToArray(arr, ssm_session_status(s));
	cJSON_AddNumberToObject(obj, "waiting", (double)pool->nwaiting);
	cJSON_AddNumberToObject(obj, "spreading", (double)pool->nspread);
	cJSON_AddNumberToObject(obj, "sessions_started",
	    (double)pool->started);
	cJSON_AddNumberToObject(obj, "sessions_failed", (double)pool->failed);
	cJSON_AddNumberToObject(obj, "replacements",
	    (double)pool->replacements);
	cJSON_AddNumberToObject(obj, "released", (double)pool->released);
	cJSON_AddNumberToObject(obj, "max_sessions",
	    (double)(pool->p.policy.max_sessions != 0 ?
	    pool->p.policy.max_sessions : 1));
	cJSON_AddNumberToObject(obj, "ceiling", (double)pool->ceiling);
}

size_t
ssm_session_pool_stop(struct ssm_session_pool *pool, const char *reason)
{
	struct ssm_session	*s, *s1;
	struct ssm_stream	*st;

	pool->p.warm = 0;
	while ((st = TAILQ_FIRST(&pool->waiting)) != NULL)
		conn_close(st->c, CONN_END_STOPPED, "%s", reason);
	TAILQ_FOREACH_SAFE(s, &pool->sessions, entry, s1) {
		if (s->state == SSM_SESSION_RESOLVING) {
			s->by_us = 1;
			ssm_session_end(s, reason);
			continue;
		}
		ssm_session_close_streams(s, CONN_END_STOPPED, reason);
		ssm_session_terminate(s, reason);
	}
	return (ssm_session_pool_count(pool));
}

size_t
ssm_session_pool_count(struct ssm_session_pool *pool)
{
	struct ssm_session	*s;
	size_t			 n = 0;

	TAILQ_FOREACH(s, &pool->sessions, entry)
		n++;
	return (n);
}

size_t
ssm_session_pool_waiting(struct ssm_session_pool *pool)
{
	return (pool->nwaiting);
}
