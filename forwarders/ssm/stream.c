/*
 * One client connection's attachment to an ssm forward (ssm-port-mux.md
 * 7-9): waiting for a session, a stream of a mux session, or the one conn
 * of a basic session. Its bytes to the session, the agent's bytes to its
 * client (held while the client is full), its EOF and half-close, its
 * reset when it holds its session up, and its end.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "config.h"
#include "conn.h"
#include "forward.h"
#include "log.h"
#include "metrics.h"
#include "ssm_chan.h"
#include "ssm_pool.h"
#include "ssm_session.h"
#include "ssm_session_int.h"
#include "ssm_smux.h"
#include "util.h"
#include "xmalloc.h"

/* What the agent's refusal of a new stream closes the conn with. */
#define SSM_SESSION_REFUSED \
	"target refused the connection (ConnectToPortError)"
static int
ssm_stream_cmp(struct ssm_stream *a, struct ssm_stream *b)
{
	return (a->sid < b->sid ? -1 : a->sid > b->sid);
}RB_GENERATE(ssm_session_streams, ssm_stream, entry, ssm_stream_cmp);
/* Bytes st's client sent that the channel has not taken. */
size_t
ssm_stream_pending(struct ssm_stream *st)
{
	struct ssm_session	*s = st->s;

	if (s->mode == SSM_CHAN_MODE_MUX)
		return (smux_stream_pending(s->smux, st->sid));
	return (evbuffer_get_length(s->out));
}

/* "i-0abc:5432" or "i-0abc:db.internal:5432", for the conn's log line. */
void
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

/* The pool's queue that flag (SSM_STREAM_WAITING or _SPREAD) names. */
static struct ssm_waiting *
ssm_stream_queue(struct ssm_session_pool *pool, int flag, size_t **n)
{
	if (flag == SSM_STREAM_SPREAD) {
		*n = &pool->nspread;
		return (&pool->spread);
	}
	*n = &pool->nwaiting;
	return (&pool->waiting);
}

void
ssm_stream_enqueue(struct ssm_stream *st, int flag)
{
	struct ssm_waiting	*q;
	size_t			*n;

	ssm_stream_dequeue(st);
	q = ssm_stream_queue(st->pool, flag, &n);
	TAILQ_INSERT_TAIL(q, st, wentry);
	(*n)++;
	st->flags |= flag;
}

void
ssm_stream_dequeue(struct ssm_stream *st)
{
	struct ssm_waiting	*q;
	size_t			*n;
	int			 flag;

	flag = st->flags & (SSM_STREAM_WAITING | SSM_STREAM_SPREAD);
	if (flag == 0)
		return;
	q = ssm_stream_queue(st->pool, flag, &n);
	TAILQ_REMOVE(q, st, wentry);
	(*n)--;
	st->flags &= ~flag;
}

/*
 * Put st on s: a new smux stream, or the one conn of a basic session. It
 * leaves the queue it waited on first, so that a refusal here (which
 * closes its conn) finds it on none.
 */
void
ssm_stream_attach(struct ssm_session *s, struct ssm_stream *st)
{
	struct conn	*c = st->c;
	uint32_t	 sid = 0;

	ssm_stream_dequeue(st);
	if (s->mode == SSM_CHAN_MODE_MUX &&
	    (sid = smux_open(s->smux)) == 0) {
		conn_close(c, CONN_END_REFUSED, "session %s cannot open "
		    "another stream", s->name);
		return;
	}
	st->sid = sid;
	st->s = s;
	RB_INSERT(ssm_session_streams, &s->streams, st);
	s->nstreams++;
	s->total_streams++;
	ssm_stream_set_target(st, s->target);
	/* From the client's accept: the wait for a session included. */
	metrics_observe(metrics_register_histogram(
	    "gatewayd_ssm_stream_open_seconds", "seconds", "from a client's "
	    "accept to its stream on a session", "forward",
	    metrics_latency_bounds, metrics_nlatency_bounds),
	    metrics_forward_label(st->pool->fw),
	    (clock_now_ms() - c->started_ms) / 1000.0);
	conn_set_far(c, s->target, s->session_id, sid,
	    ssm_session_mode_names[s->mode]);
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
void
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
/* Bytes from the agent for st: to its client, or held while it is full. */
void
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
void
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
void
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
	while (s->refusing && ssm_session_is_open(s) &&
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
void
ssm_session_send(struct conn *c, struct evbuffer *in)
{
	struct ssm_stream	*st = c->fwd_data;
	struct ssm_session	*s = st->s;
	size_t			 len = evbuffer_get_length(in);

	if (s == NULL || !ssm_session_is_open(s) ||
	    s->state == SSM_SESSION_FINISHING) {
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
 * agent's FIN) or half_close ms (2 s by default), so that the reply to a
 * request the client sent before shutting its side ("printf req | nc -N")
 * still arrives; else the conn ends here. What the client sent goes out
 * first either way.
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

/*
 * Close the half-closed conns of s whose target has not ended its side
 * within half_close of the client's EOF. That is the ordinary end of most
 * conns (the target keeps its side open until the client goes), so the
 * reason says plainly what happened: the client closed, and its end was
 * passed on after the wait.
 */
void
ssm_session_tick_half_closed(struct ssm_session *s, uint64_t now)
{
	struct ssm_stream	*st, *st1;
	char			 dur[32];

	util_fmt_duration(s->pool->p.half_close, dur, sizeof dur);
	RB_FOREACH_SAFE(st, ssm_session_streams, &s->streams, st1) {
		if ((st->flags & SSM_STREAM_LOCAL_EOF) &&
		    now - st->eof_at >= s->pool->p.half_close)
			conn_close(st->c, CONN_END_CLIENT, "client closed; "
			    "the target's end was awaited for %s "
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
	ssm_stream_dequeue(st);
	if ((s = st->s) != NULL) {
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
			ssm_session_finish(s);
		}
		ssm_session_pump(s);
		ssm_session_check_held(s);
		if (s->replaced != 0 && s->nstreams == 0)
			ssm_session_reap(st->pool);
	}
	evbuffer_free(st->hold);
	free(st);
}
