/*
 * The agent's port plugin (ssm-data-channel.md 7, 9.2-9.4; ssm-port-mux.md
 * 6, 7.4, 9): what happens to the client's Output payloads once the
 * handshake is done, and where the agent's Output comes from.
 *
 *  basic	one target connection, dialled right after the handshake
 *		(client data is not acknowledged until it is up), again
 *		lazily after DisconnectToPort or the target's EOF; a failed
 *		dial ends the session with the dial error
 *  stream	the same, but the target's EOF ends the session
 *  mux		an smux server: each SYN dials the target, one dial at a
 *		time in order; a failed dial sends ConnectToPortError, then
 *		the stream's FIN with a later sequence number; keep-alive
 *		NOPs and the 30 s check where the agent's version says so
 *
 * Output leaves through one pump per session, at most chunk bytes per
 * message. With pacing (the default) it is a rate: at most one message
 * per pace_us, a late timer catching up by a few messages, so the ceiling
 * is exactly chunk / pace_us (1024 bytes per ms: 1 024 000 bytes/s) per
 * session. Without pacing it sends while the WebSocket's queue is below
 * its mark. Targets are read only while their data has somewhere to go;
 * the client is no longer read (no acks) while the targets' write
 * buffers are over their marks.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "emu_agent.h"
#include "log.h"
#include "ssm_smux.h"
#include "xmalloc.h"

#define EMU_PORT_READ_HIGH	(256 * 1024)	/* target input kept */
#define EMU_PORT_IO_MAX		(256 * 1024)	/* one read or write */
#define EMU_PORT_WRITE_LOW	(256 * 1024)	/* target output: drained */
#define EMU_PORT_WRITE_HIGH	(1024 * 1024)	/* basic: stop the client */
#define EMU_PORT_MUX_BUDGET	(4 * 1024 * 1024) /* smux MaxReceiveBuffer */
#define EMU_PORT_STREAM_ROOM	(64 * 1024)	/* queued in smux per stream */
#define EMU_PORT_DIAL_MS	10000
#define EMU_PORT_BURST		64	/* messages per pump run */
#define EMU_PORT_CATCH_UP	4	/* late pacing timer: messages */

enum emu_stream_state {
	EMU_STREAM_QUEUED,	/* waiting for its dial */
	EMU_STREAM_DIALING,
	EMU_STREAM_OPEN,
	EMU_STREAM_CLOSING,	/* client FIN: flush to the target, close */
};

struct emu_port;

struct emu_stream {
	uint32_t		 sid;
	struct emu_port		*p;
	enum emu_stream_state	 state;
	struct bufferevent	*bev;
	struct evbuffer		*pending;	/* client data before the dial */
	int			 fin;		/* client FIN while dialling */
	int			 stalled;
	RB_ENTRY(emu_stream)	 entry;
	TAILQ_ENTRY(emu_stream)	 dialq;
	TAILQ_ENTRY(emu_stream)	 stallq;
};
RB_HEAD(emu_stream_tree, emu_stream);
TAILQ_HEAD(emu_stream_list, emu_stream);

struct emu_port {
	struct emu_agent	*a;

	/* The one dial in flight. */
	struct bufferevent	*dial_bev;
	struct event		*dial_timer;
	void			(*dial_done)(struct emu_port *,
				    struct bufferevent *, const char *);
	int			 dialing;
	char			*dial_error;

	/* basic and stream */
	struct bufferevent	*target;
	struct evbuffer		*tail;		/* a closed target's last data */
	int			 connected;	/* the first dial is done */
	int			 target_gone;	/* stream mode: end when sent */
	int			 write_blocked;

	/* mux */
	struct smux		*smux;
	int			 smux_failed;
	int			 in_smux;
	struct emu_stream_tree	 streams;
	struct emu_stream_list	 waiting;	/* for a dial, in order */
	struct emu_stream_list	 stalled;	/* input left in the target */
	struct emu_stream	*dial_stream;
	size_t			 nstreams;
	uint64_t		 inbound;	/* client bytes not yet written */
	int			 inbound_blocked;
	struct event		*nop;
	struct event		*check;
	uint64_t		 frames_seen;

	/* The pump. */
	struct event		*pump;
	uint64_t		 next_us;
	uint64_t		 due_us;	/* when the kicked pump should run */
	struct evbuffer		*out;
};

/*
 * Pacing time the emulator itself lost: a pump that ran later than it was
 * due (beyond the catch-up slack) because awsemu's loop was busy or the
 * machine loaded, while nothing but pacing held the agent back. A test
 * that compares a client's rate with the ceiling takes this time out: it
 * is the emulator's, not the client's.
 */
static uint64_t	emu_port_late_us;

static int
emu_stream_cmp(struct emu_stream *a, struct emu_stream *b)
{
	return (a->sid < b->sid ? -1 : a->sid > b->sid);
}
RB_PROTOTYPE(emu_stream_tree, emu_stream, entry, emu_stream_cmp);
RB_GENERATE(emu_stream_tree, emu_stream, entry, emu_stream_cmp);

static void	emu_port_dial_next(struct emu_port *);

uint64_t
emu_port_late(void)
{
	return (emu_port_late_us);
}

double
emu_port_ceiling(void)
{
	if (!emu.knobs.pacing)
		return (0);
	return ((double)emu.knobs.chunk * 1e6 / emu.knobs.pace_us);
}

/* --------------------------------------------------------------- dials */

static void
emu_port_dial_fail(struct emu_port *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Report a failed dial from the loop, never from inside the caller. */
static void
emu_port_dial_fail(struct emu_port *p, const char *fmt, ...)
{
	va_list	ap;

	free(p->dial_error);
	va_start(ap, fmt);
	xvasprintf(&p->dial_error, fmt, ap);
	va_end(ap);
	emu_timer_add_ms(p->dial_timer, 0);
}

static void
emu_port_dial_end(struct emu_port *p, struct bufferevent *bev)
{
	char	*err = p->dial_error;

	p->dialing = 0;
	p->dial_bev = NULL;
	p->dial_error = NULL;
	if (bev == NULL)
		p->a->st.dial_failures++;
	p->dial_done(p, bev, err);
	free(err);
}

static void
emu_port_dial_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct emu_port	*p = arg;
	char		 err[128];
	int		 e = EVUTIL_SOCKET_ERROR();

	if (what & BEV_EVENT_CONNECTED) {
		bufferevent_set_timeouts(bev, NULL, NULL);
		emu_port_dial_end(p, bev);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		strlcpy(err, "i/o timeout", sizeof err);
	else {
		strlcpy(err, evutil_socket_error_to_string(e), sizeof err);
		err[0] = tolower((u_char)err[0]);
	}
	bufferevent_free(bev);
	p->dial_bev = NULL;
	free(p->dial_error);
	xasprintf(&p->dial_error, "dial tcp %s: connect: %s",
	    p->a->plan.dial_name, err);
	emu_port_dial_end(p, NULL);
}

/* Connect to the target's loopback stand-in. */
static void
emu_port_dial_go(struct emu_port *p)
{
	struct emu_plan		*plan = &p->a->plan;
	struct sockaddr_storage	 ss;
	struct timeval		 tv = { EMU_PORT_DIAL_MS / 1000, 0 };
	char			 addr[128];
	int			 sslen = sizeof ss;

	if (emu.knobs.refuse != 0) {
		if (emu.knobs.refuse > 0)
			emu.knobs.refuse--;
		emu_port_dial_fail(p, "dial tcp %s: connect: connection "
		    "refused", plan->dial_name);
		return;
	}
	if (plan->dial == NULL) {
		emu_port_dial_fail(p, "dial tcp %s: connect: connection "
		    "refused", plan->dial_name);
		return;
	}
	if (strncmp(plan->dial, "localhost:", 10) == 0)
		snprintf(addr, sizeof addr, "127.0.0.1:%s", plan->dial + 10);
	else
		strlcpy(addr, plan->dial, sizeof addr);
	memset(&ss, 0, sizeof ss);
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss,
	    &sslen) != 0) {
		emu_port_dial_fail(p, "dial tcp %s: bad address %s",
		    plan->dial_name, plan->dial);
		return;
	}
	p->dial_bev = bufferevent_socket_new(emu.base, -1,
	    BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(p->dial_bev, NULL, NULL, emu_port_dial_event_cb, p);
	bufferevent_set_timeouts(p->dial_bev, NULL, &tv);
	if (bufferevent_socket_connect(p->dial_bev, (struct sockaddr *)&ss,
	    sslen) != 0) {
		bufferevent_free(p->dial_bev);
		p->dial_bev = NULL;
		emu_port_dial_fail(p, "dial tcp %s: connect: %s",
		    plan->dial_name, strerror(errno));
	}
}

static void
emu_port_dial_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct emu_port	*p = arg;

	if (p->dial_error != NULL)
		emu_port_dial_end(p, NULL);
	else
		emu_port_dial_go(p);
}

/* Dial the target (after dial_delay_ms); done reports, always later. */
static void
emu_port_dial(struct emu_port *p, void (*done)(struct emu_port *,
    struct bufferevent *, const char *))
{
	p->a->st.dials++;
	p->dialing = 1;
	p->dial_done = done;
	if (emu.knobs.dial_delay_ms > 0)
		emu_timer_add_ms(p->dial_timer, emu.knobs.dial_delay_ms);
	else
		emu_port_dial_go(p);
}

/*
 * Read a target only while its input is below the mark. libevent 2.1
 * runs the read callback again and again while an enabled bufferevent's
 * input sits at its high watermark, so a target whose data cannot leave
 * (the window is full, the client reads nothing) is switched off here
 * rather than left suspended by the watermark, and switched on once the
 * pump has taken from it.
 */
static void
emu_port_read_mark(struct bufferevent *bev)
{
	if (evbuffer_get_length(bufferevent_get_input(bev)) >=
	    EMU_PORT_READ_HIGH)
		bufferevent_disable(bev, EV_READ);
	else if (!(bufferevent_get_enabled(bev) & EV_READ))
		bufferevent_enable(bev, EV_READ);
}

/* Reads and writes of up to 256 KiB at a time, not libevent's 16 KiB. */
void
emu_port_io_max(struct bufferevent *bev)
{
	bufferevent_set_max_single_read(bev, EMU_PORT_IO_MAX);
	bufferevent_set_max_single_write(bev, EMU_PORT_IO_MAX);
}

/* A connected target socket: bounded reads, a drain mark on writes. */
static void
emu_port_setup(struct bufferevent *bev, bufferevent_data_cb r,
    bufferevent_data_cb w, bufferevent_event_cb e, void *arg)
{
	int	one = 1, fd = bufferevent_getfd(bev);

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	bufferevent_setcb(bev, r, w, e, arg);
	bufferevent_setwatermark(bev, EV_READ, 0, EMU_PORT_READ_HIGH);
	emu_port_io_max(bev);
	bufferevent_setwatermark(bev, EV_WRITE, EMU_PORT_WRITE_LOW, 0);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* ------------------------------------------------------ basic and stream */

static void
emu_port_basic_read_cb(struct bufferevent *bev, void *arg)
{
	struct emu_port	*p = arg;

	p->a->st.wakeups++;
	emu_port_read_mark(bev);
	emu_port_kick(p->a);
}

static void
emu_port_basic_write_cb(struct bufferevent *bev, void *arg)
{
	struct emu_port	*p = arg;

	p->a->st.wakeups++;
	if (p->write_blocked) {
		p->write_blocked = 0;
		emu_agent_set_blocked(p->a, 0);
	}
}

/*
 * Close the target; its unsent data goes out first (unless discard).
 * What the client sent and it did not take is lost with it.
 */
static void
emu_port_basic_close(struct emu_port *p, int discard)
{
	if (p->target == NULL)
		return;
	if (!discard)
		evbuffer_add_buffer(p->tail, bufferevent_get_input(p->target));
	bufferevent_free(p->target);
	p->target = NULL;
	if (p->write_blocked) {
		p->write_blocked = 0;
		emu_agent_set_blocked(p->a, 0);
	}
}

static void
emu_port_basic_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct emu_port	*p = arg;

	log_debug("session %s: target closed (%s)", p->a->id,
	    what & BEV_EVENT_EOF ? "eof" : "error");
	emu_port_basic_close(p, 0);
	if (p->a->mode == EMU_MODE_STREAM)
		p->target_gone = 1;
	emu_port_kick(p->a);
}

static void
emu_port_basic_dialed(struct emu_port *p, struct bufferevent *bev,
    const char *err)
{
	char	*text;

	if (bev == NULL) {
		xasprintf(&text, "Unable to connect to specified port: %s",
		    err);
		emu_agent_end(p->a, text, 1);
		free(text);
		return;
	}
	p->target = bev;
	p->connected = 1;
	emu_port_setup(bev, emu_port_basic_read_cb, emu_port_basic_write_cb,
	    emu_port_basic_event_cb, p);
	emu_agent_set_blocked(p->a, 0);
}

static enum emu_in_result
emu_port_basic_output(struct emu_port *p, const struct ssm_msg *m)
{
	struct evbuffer	*out;

	if (!p->connected)
		return (EMU_IN_NOT_READY);	/* the first dial is not done */
	if (p->target == NULL) {
		if (!p->dialing)
			emu_port_dial(p, emu_port_basic_dialed);
		return (EMU_IN_BLOCKED);
	}
	out = bufferevent_get_output(p->target);
	evbuffer_add(out, m->payload, m->payload_len);
	p->a->st.bytes_in += m->payload_len;
	if (evbuffer_get_length(out) > EMU_PORT_WRITE_HIGH) {
		p->write_blocked = 1;
		emu_agent_set_blocked(p->a, 1);
	}
	return (EMU_IN_DONE);
}

/* ------------------------------------------------------------------ mux */

static void
emu_port_budget_cb(struct evbuffer *b, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct emu_port	*p = arg;

	p->inbound += info->n_added;
	p->inbound -= info->n_deleted;
}

static void
emu_port_budget_check(struct emu_port *p)
{
	if (p->inbound > EMU_PORT_MUX_BUDGET && !p->inbound_blocked) {
		p->inbound_blocked = 1;
		emu_agent_set_blocked(p->a, 1);
	} else if (p->inbound <= EMU_PORT_MUX_BUDGET / 2 &&
	    p->inbound_blocked) {
		p->inbound_blocked = 0;
		emu_agent_set_blocked(p->a, 0);
	}
}

/* Stop counting buf toward the budget (it is being freed). */
static void
emu_port_budget_drop(struct emu_port *p, struct evbuffer *buf)
{
	p->inbound -= evbuffer_get_length(buf);
	evbuffer_remove_cb(buf, emu_port_budget_cb, p);
}

static void
emu_stream_free(struct emu_stream *st)
{
	struct emu_port	*p = st->p;

	RB_REMOVE(emu_stream_tree, &p->streams, st);
	p->nstreams--;
	if (st->state == EMU_STREAM_QUEUED)
		TAILQ_REMOVE(&p->waiting, st, dialq);
	if (st->stalled)
		TAILQ_REMOVE(&p->stalled, st, stallq);
	if (p->dial_stream == st)
		p->dial_stream = NULL;
	emu_port_budget_drop(p, st->pending);
	evbuffer_free(st->pending);
	if (st->bev != NULL) {
		emu_port_budget_drop(p, bufferevent_get_output(st->bev));
		bufferevent_free(st->bev);
	}
	free(st);
}

/* Move what a target sent into its smux stream, within the stream's room. */
static void
emu_stream_pull(struct emu_stream *st)
{
	struct emu_port	*p = st->p;
	struct evbuffer	*in = bufferevent_get_input(st->bev);
	size_t		 queued, len = evbuffer_get_length(in);

	queued = smux_stream_pending(p->smux, st->sid);
	if (queued < EMU_PORT_STREAM_ROOM && len > 0)
		smux_write_buffer(p->smux, st->sid, in,
		    EMU_PORT_STREAM_ROOM - queued < len ?
		    EMU_PORT_STREAM_ROOM - queued : len);
	if (st->state == EMU_STREAM_OPEN)
		emu_port_read_mark(st->bev);
	if (evbuffer_get_length(in) > 0 && !st->stalled) {
		st->stalled = 1;
		TAILQ_INSERT_TAIL(&p->stalled, st, stallq);
	} else if (evbuffer_get_length(in) == 0 && st->stalled) {
		st->stalled = 0;
		TAILQ_REMOVE(&p->stalled, st, stallq);
	}
}

static void
emu_stream_read_cb(struct bufferevent *bev, void *arg)
{
	struct emu_stream	*st = arg;

	st->p->a->st.wakeups++;
	emu_stream_pull(st);
	emu_port_kick(st->p->a);
}

static void
emu_stream_write_cb(struct bufferevent *bev, void *arg)
{
	struct emu_stream	*st = arg;
	struct emu_port		*p = st->p;

	p->a->st.wakeups++;
	if (st->state == EMU_STREAM_CLOSING &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
		smux_close(p->smux, st->sid);
		emu_stream_free(st);
		emu_port_kick(p->a);
	}
	emu_port_budget_check(p);
}

/* The target closed: what it sent goes out, then the stream's FIN. */
static void
emu_stream_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct emu_stream	*st = arg;
	struct emu_port		*p = st->p;
	struct evbuffer		*in = bufferevent_get_input(bev);

	smux_write_buffer(p->smux, st->sid, in, evbuffer_get_length(in));
	smux_close(p->smux, st->sid);
	emu_stream_free(st);
	emu_port_kick(p->a);
	emu_port_budget_check(p);
}

/* The client closed its side: flush to the target, then close. */
static void
emu_stream_closing(struct emu_stream *st)
{
	struct emu_port	*p = st->p;

	if (evbuffer_get_length(bufferevent_get_output(st->bev)) == 0) {
		smux_close(p->smux, st->sid);
		emu_stream_free(st);
		emu_port_kick(p->a);
		return;
	}
	st->state = EMU_STREAM_CLOSING;
	bufferevent_setwatermark(st->bev, EV_WRITE, 0, 0);
	bufferevent_disable(st->bev, EV_READ);
}

static void
emu_stream_dialed(struct emu_port *p, struct bufferevent *bev,
    const char *err)
{
	struct emu_stream	*st = p->dial_stream;

	p->dial_stream = NULL;
	if (st == NULL) {
		if (bev != NULL)
			bufferevent_free(bev);
	} else if (bev == NULL) {
		/* The flag takes its number now; the FIN comes later. */
		log_debug("session %s: stream %u: %s", p->a->id, st->sid, err);
		p->a->st.streams_refused++;
		emu_agent_send_flag(p->a, SSM_FLAG_CONNECT_TO_PORT_ERROR);
		smux_close(p->smux, st->sid);
		emu_stream_free(st);
	} else {
		st->bev = bev;
		st->state = EMU_STREAM_OPEN;
		evbuffer_add_cb(bufferevent_get_output(bev), emu_port_budget_cb,
		    p);
		evbuffer_add_buffer(bufferevent_get_output(bev), st->pending);
		emu_port_setup(bev, emu_stream_read_cb, emu_stream_write_cb,
		    emu_stream_event_cb, st);
		if (st->fin)
			emu_stream_closing(st);
	}
	emu_port_dial_next(p);
	emu_port_kick(p->a);
	emu_port_budget_check(p);
}

/* The accept loop: one dial at a time, in the order of the SYNs. */
static void
emu_port_dial_next(struct emu_port *p)
{
	struct emu_stream	*st;

	if (p->dialing || (st = TAILQ_FIRST(&p->waiting)) == NULL)
		return;
	TAILQ_REMOVE(&p->waiting, st, dialq);
	st->state = EMU_STREAM_DIALING;
	p->dial_stream = st;
	emu_port_dial(p, emu_stream_dialed);
}

static void
emu_port_smux_open(struct emu_port *p, uint32_t sid)
{
	struct emu_stream	*st;

	st = xcalloc(1, sizeof *st);
	st->sid = sid;
	st->p = p;
	st->state = EMU_STREAM_QUEUED;
	st->pending = evbuffer_new();
	evbuffer_add_cb(st->pending, emu_port_budget_cb, p);
	RB_INSERT(emu_stream_tree, &p->streams, st);
	TAILQ_INSERT_TAIL(&p->waiting, st, dialq);
	p->nstreams++;
	p->a->st.streams_opened++;
	emu_port_dial_next(p);
}

static void
emu_port_smux_cb(struct smux *s, const struct smux_event *ev, void *arg)
{
	struct emu_port		*p = arg;
	struct emu_stream	 find, *st;

	if (ev->type == SMUX_EV_OPEN) {
		emu_port_smux_open(p, ev->sid);
		return;
	}
	if (ev->type == SMUX_EV_NOP) {
		p->a->st.nops_in++;
		return;
	}
	find.sid = ev->sid;
	if ((st = RB_FIND(emu_stream_tree, &p->streams, &find)) == NULL)
		return;
	if (ev->type == SMUX_EV_DATA) {
		if (st->state == EMU_STREAM_OPEN)
			bufferevent_write(st->bev, ev->data, ev->len);
		else if (st->state != EMU_STREAM_CLOSING)
			evbuffer_add(st->pending, ev->data, ev->len);
	} else if (ev->type == SMUX_EV_FIN) {
		if (st->state == EMU_STREAM_QUEUED) {
			smux_close(p->smux, st->sid);
			emu_stream_free(st);
		} else if (st->state == EMU_STREAM_DIALING)
			st->fin = 1;
		else if (st->state == EMU_STREAM_OPEN)
			emu_stream_closing(st);
	}
}

static enum emu_in_result
emu_port_mux_output(struct emu_port *p, const struct ssm_msg *m)
{
	char	*cause = NULL;

	p->a->st.bytes_in += m->payload_len;
	if (p->smux_failed)
		return (EMU_IN_DONE);	/* its accept loop is gone */
	p->in_smux = 1;
	if (smux_input(p->smux, m->payload, m->payload_len, &cause) != 0) {
		log_warnx("session %s: %s; mux data is no longer read",
		    p->a->id, cause);
		free(cause);
		p->smux_failed = 1;
	}
	p->in_smux = 0;
	emu_port_kick(p->a);
	emu_port_budget_check(p);
	return (EMU_IN_DONE);
}

static void
emu_port_nop_cb(evutil_socket_t fd, short events, void *arg)
{
	struct emu_port	*p = arg;

	smux_nop(p->smux);
	p->a->st.nops_out++;
	emu_port_kick(p->a);
}

/* Every 30 s: nothing from the client since the last check ends it. */
static void
emu_port_check_cb(evutil_socket_t fd, short events, void *arg)
{
	struct emu_port	*p = arg;
	uint64_t	 frames = smux_get_stats(p->smux)->frames_in;
	char		*text;

	if (frames == p->frames_seen && !p->a->blocked) {
		xasprintf(&text, "smux keep-alive: nothing from the client in "
		    "%d ms", emu.knobs.keepalive_timeout_ms);
		emu_agent_end(p->a, text, 1);
		free(text);
		return;
	}
	p->frames_seen = frames;
}

/* ------------------------------------------------------------ the pump */

/* Up to max bytes of the agent's Output into p->out. */
static size_t
emu_port_take(struct emu_port *p, size_t max)
{
	struct evbuffer	*from;
	int		 n;

	if (p->smux != NULL)
		return (smux_output(p->smux, p->out, max));
	from = p->tail;
	if (evbuffer_get_length(from) == 0 && p->target != NULL)
		from = bufferevent_get_input(p->target);
	n = evbuffer_remove_buffer(from, p->out, max);
	if (p->target != NULL && from != p->tail)
		emu_port_read_mark(p->target);
	return (n > 0 ? (size_t)n : 0);
}

/* Refill smux from targets that had more than their streams could take. */
static void
emu_port_refill(struct emu_port *p)
{
	struct emu_stream	*st, *next;

	TAILQ_FOREACH_SAFE(st, &p->stalled, stallq, next)
		emu_stream_pull(st);
}

static void
emu_port_pump_cb(evutil_socket_t fd, short events, void *arg)
{
	struct emu_port		*p = arg;
	struct emu_agent	*a = p->a;
	uint64_t		 now = 0, slack;
	size_t			 len;
	u_int			 n = 0;

	slack = (uint64_t)EMU_PORT_CATCH_UP * emu.knobs.pace_us;
	a->st.wakeups++;
	if (emu.knobs.pacing && p->due_us != 0) {
		now = emu_now_us();
		if (now > p->due_us + slack)
			emu_port_late_us += now - p->due_us - slack;
		p->due_us = 0;
	}
	while (emu_agent_can_send(a)) {
		if (emu.knobs.pacing && (now = emu_now_us()) < p->next_us) {
			emu_port_kick(a);
			return;
		}
		if ((len = emu_port_take(p, emu.knobs.chunk)) == 0) {
			emu_port_refill(p);
			if ((len = emu_port_take(p, emu.knobs.chunk)) == 0)
				break;
		}
		emu_agent_send_buffer(a, SSM_PAYLOAD_OUTPUT, p->out, len);
		if (a->port != p)
			return;		/* the session ended meanwhile */
		if (emu.knobs.pacing) {
			if (p->next_us + slack < now)
				p->next_us = now - slack;
			p->next_us += emu.knobs.pace_us;
		}
		if (++n >= EMU_PORT_BURST) {
			emu_port_kick(a);
			return;
		}
	}
	emu_port_refill(p);
	if (p->target_gone && p->target == NULL &&
	    evbuffer_get_length(p->tail) == 0)
		emu_agent_end(a, "", 1);
}

void
emu_port_kick(struct emu_agent *a)
{
	struct emu_port	*p = a->port;
	uint64_t	 now, wait = 0;
	struct timeval	 tv;

	if (p == NULL || evtimer_pending(p->pump, NULL) ||
	    !emu_agent_can_send(a))
		return;
	if (emu.knobs.pacing) {
		if ((now = emu_now_us()) < p->next_us)
			wait = p->next_us - now;
		p->due_us = now + wait;
	}
	if (wait == 0) {
		/* From the loop, without arming a timer (a syscall). */
		event_active(p->pump, EV_TIMEOUT, 1);
		return;
	}
	tv.tv_sec = wait / 1000000;
	tv.tv_usec = wait % 1000000;
	evtimer_add(p->pump, &tv);
}

/* ------------------------------------------------------------- the API */

void
emu_port_start(struct emu_agent *a)
{
	struct emu_port	*p;

	if (a->plan.fail != NULL) {
		emu_agent_end(a, a->plan.fail, 1);
		return;
	}
	p = xcalloc(1, sizeof *p);
	p->a = a;
	a->port = p;
	p->dial_timer = evtimer_new(emu.base, emu_port_dial_timer_cb, p);
	p->pump = evtimer_new(emu.base, emu_port_pump_cb, p);
	p->out = evbuffer_new();
	p->tail = evbuffer_new();
	RB_INIT(&p->streams);
	TAILQ_INIT(&p->waiting);
	TAILQ_INIT(&p->stalled);
	if (a->mode != EMU_MODE_MUX) {
		emu_port_dial(p, emu_port_basic_dialed);
		return;
	}
	p->smux = smux_new(SMUX_SERVER, emu_port_smux_cb, p);
	smux_set_quantum(p->smux, SMUX_MAX_FRAME);
	if (a->keepalive) {
		p->nop = event_new(emu.base, -1, EV_PERSIST, emu_port_nop_cb,
		    p);
		p->check = event_new(emu.base, -1, EV_PERSIST,
		    emu_port_check_cb, p);
		emu_timer_add_ms(p->nop, emu.knobs.keepalive_ms);
		emu_timer_add_ms(p->check, emu.knobs.keepalive_timeout_ms);
	}
}

enum emu_in_result
emu_port_input(struct emu_agent *a, const struct ssm_msg *m)
{
	struct emu_port	*p = a->port;
	uint32_t	 flag;

	if (p == NULL)
		return (EMU_IN_NOT_READY);
	if (m->payload_type == SSM_PAYLOAD_OUTPUT)
		return (p->smux != NULL ? emu_port_mux_output(p, m) :
		    emu_port_basic_output(p, m));
	if (ssm_msg_flag_parse(m->payload, m->payload_len, &flag, NULL) != 0)
		return (EMU_IN_DONE);
	log_debug("session %s: flag %s", a->id, ssm_msg_flag_name(flag));
	switch (flag) {
	case SSM_FLAG_DISCONNECT_TO_PORT:
		if (p->smux == NULL)
			emu_port_basic_close(p, 1);
		break;
	case SSM_FLAG_TERMINATE_SESSION:
		if (a->terminate_flag)
			emu_agent_end(a, "", 1);
		else
			log_info("session %s: agent %s ignores the "
			    "TerminateSession flag", a->id, a->agent_version);
		break;
	}
	return (EMU_IN_DONE);
}

void
emu_port_stop(struct emu_agent *a)
{
	struct emu_port		*p = a->port;
	struct emu_stream	*st;

	if (p == NULL)
		return;
	a->port = NULL;
	while ((st = RB_ROOT(&p->streams)) != NULL)
		emu_stream_free(st);
	if (p->smux != NULL)
		smux_free(p->smux);
	if (p->target != NULL)
		bufferevent_free(p->target);
	if (p->dial_bev != NULL)
		bufferevent_free(p->dial_bev);
	if (p->nop != NULL)
		event_free(p->nop);
	if (p->check != NULL)
		event_free(p->check);
	event_free(p->dial_timer);
	event_free(p->pump);
	evbuffer_free(p->out);
	evbuffer_free(p->tail);
	free(p->dial_error);
	free(p);
}

void
emu_port_to_json(const struct emu_agent *a, cJSON *o)
{
	const struct emu_port	*p = a->port;

	if (p == NULL)
		return;
	cJSON_AddNumberToObject(o, "streams_open", (double)p->nstreams);
	cJSON_AddBoolToObject(o, "target_connected", p->target != NULL);
	cJSON_AddBoolToObject(o, "blocked", a->blocked);
	cJSON_AddNumberToObject(o, "inbound_queued", (double)p->inbound);
	if (p->smux != NULL)
		cJSON_AddBoolToObject(o, "smux_failed", p->smux_failed);
}
