/*
 * smux version 1 for Session Manager port sessions (ssm-port-mux.md): a
 * streaming frame parser that hands PSH data on as it arrives (so only a
 * partial header is ever kept), the table of streams keyed by id, and a
 * pulled, fair output queue. The data channel (chan.c) decides when bytes
 * may flow and how many; the forwarder decides when to open, close and
 * pause streams, and when to send keep-alive NOPs.
 *
 * Output order: the rest of a frame cut at the previous pull comes first,
 * then one waiting NOP, then control frames (SYN, FIN) one by one, then
 * PSH frames taken round-robin, one frame per stream per turn. A stream's
 * SYN goes to the control queue when it opens, before it can have data;
 * its FIN goes there only after its last PSH frame has been cut, so both
 * keep their place relative to the stream's data.
 */

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <event2/buffer.h>

#include "log.h"
#include "ssm_smux.h"
#include "xmalloc.h"

#define SMUX_STREAM_CLOSED	0x1	/* smux_close(): FIN after the data */
#define SMUX_STREAM_REMOTE_FIN	0x2	/* the peer closed it */
#define SMUX_STREAM_ACTIVE	0x4	/* on the round-robin list */

struct smux_stream {
	uint32_t			 sid;
	int				 flags;
	struct evbuffer			*pending;	/* not yet framed */
	RB_ENTRY(smux_stream)		 entry;
	TAILQ_ENTRY(smux_stream)	 active_entry;
};
RB_HEAD(smux_streams, smux_stream);
/* libbsd's RB_GENERATE_STATIC needs a __unused it does not define. */
RB_PROTOTYPE(smux_streams, smux_stream, entry, smux_stream_cmp);
TAILQ_HEAD(smux_active, smux_stream);

struct smux {
	enum smux_role		 role;
	void			(*cb)(struct smux *, const struct smux_event *,
				    void *);
	void			*arg;

	struct smux_streams	 streams;
	size_t			 nstreams;
	uint64_t		 next_id;	/* last id we opened */

	/* Input: a partial header, or the rest of a PSH frame's data. */
	uint8_t			 hdr[SMUX_HEADER_LEN];
	size_t			 hdrlen;
	size_t			 body_left;
	uint32_t		 body_sid;
	uint64_t		 in_off;	/* bytes read so far */

	/* Output. */
	struct evbuffer		*cur;		/* the frame being written */
	struct evbuffer		*ctl;		/* whole SYN/FIN frames */
	int			 nop;		/* a NOP waits */
	struct smux_active	 active;	/* streams with data */
	size_t			 pending;	/* data in every stream */
	size_t			 quantum;

	char			*failure;
	struct smux_stats	 stats;
};

static int
smux_stream_cmp(struct smux_stream *a, struct smux_stream *b)
{
	return (a->sid < b->sid ? -1 : a->sid > b->sid);
}
RB_GENERATE(smux_streams, smux_stream, entry, smux_stream_cmp);

static struct evbuffer *
smux_evbuffer_new(void)
{
	struct evbuffer	*b;

	if ((b = evbuffer_new()) == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	return (b);
}

struct smux *
smux_new(enum smux_role role,
    void (*cb)(struct smux *, const struct smux_event *, void *), void *arg)
{
	struct smux	*s;

	s = xcalloc(1, sizeof *s);
	s->role = role;
	s->cb = cb;
	s->arg = arg;
	RB_INIT(&s->streams);
	TAILQ_INIT(&s->active);
	/* The client's counter starts at 1 and adds 2 before use: 3, 5... */
	s->next_id = role == SMUX_CLIENT ? 1 : 0;
	s->cur = smux_evbuffer_new();
	s->ctl = smux_evbuffer_new();
	s->quantum = SMUX_QUANTUM;
	return (s);
}

static struct smux_stream *
smux_find(struct smux *s, uint32_t sid)
{
	struct smux_stream	key;

	key.sid = sid;
	return (RB_FIND(smux_streams, &s->streams, &key));
}

/* Forget a stream and whatever it still had queued. */
static void
smux_stream_free(struct smux *s, struct smux_stream *st)
{
	if (st->flags & SMUX_STREAM_ACTIVE)
		TAILQ_REMOVE(&s->active, st, active_entry);
	s->pending -= evbuffer_get_length(st->pending);
	RB_REMOVE(smux_streams, &s->streams, st);
	s->nstreams--;
	evbuffer_free(st->pending);
	free(st);
}

void
smux_free(struct smux *s)
{
	struct smux_stream	*st;

	if (s == NULL)
		return;
	while ((st = RB_MIN(smux_streams, &s->streams)) != NULL)
		smux_stream_free(s, st);
	evbuffer_free(s->cur);
	evbuffer_free(s->ctl);
	free(s->failure);
	free(s);
}

static void
smux_header(uint8_t hdr[SMUX_HEADER_LEN], uint8_t cmd, uint16_t len,
    uint32_t sid)
{
	hdr[0] = SMUX_VERSION;
	hdr[1] = cmd;
	hdr[2] = len & 0xff;
	hdr[3] = len >> 8;
	hdr[4] = sid & 0xff;
	hdr[5] = (sid >> 8) & 0xff;
	hdr[6] = (sid >> 16) & 0xff;
	hdr[7] = sid >> 24;
}

/* Queue a SYN or FIN (length 0 on this path). */
static void
smux_queue_control(struct smux *s, uint8_t cmd, uint32_t sid)
{
	uint8_t	hdr[SMUX_HEADER_LEN];

	smux_header(hdr, cmd, 0, sid);
	evbuffer_add(s->ctl, hdr, sizeof hdr);
}

static struct smux_stream *
smux_stream_new(struct smux *s, uint32_t sid)
{
	struct smux_stream	*st;

	st = xcalloc(1, sizeof *st);
	st->sid = sid;
	st->pending = smux_evbuffer_new();
	RB_INSERT(smux_streams, &s->streams, st);
	s->nstreams++;
	return (st);
}

uint32_t
smux_open(struct smux *s)
{
	uint64_t	id = s->next_id;

	if (s->failure != NULL || s->nstreams >= SMUX_MAX_STREAMS)
		return (0);
	/* Skip ids the peer took (it should not); ids are never reused. */
	do {
		id += 2;
		if (id > UINT32_MAX)
			return (0);	/* used up: the session must go */
	} while (smux_find(s, (uint32_t)id) != NULL);
	s->next_id = id;
	smux_stream_new(s, (uint32_t)id);
	smux_queue_control(s, SMUX_CMD_SYN, (uint32_t)id);
	return ((uint32_t)id);
}

/* The stream sid if it is open for writing by us. */
static struct smux_stream *
smux_writable(struct smux *s, uint32_t sid)
{
	struct smux_stream	*st;

	if ((st = smux_find(s, sid)) == NULL ||
	    (st->flags & SMUX_STREAM_CLOSED))
		return (NULL);
	return (st);
}

/* n bytes were queued on st: count them and give st its turns. */
static void
smux_queued(struct smux *s, struct smux_stream *st, size_t n)
{
	s->pending += n;
	if ((st->flags & SMUX_STREAM_ACTIVE) ||
	    evbuffer_get_length(st->pending) == 0)
		return;
	st->flags |= SMUX_STREAM_ACTIVE;
	TAILQ_INSERT_TAIL(&s->active, st, active_entry);
}

int
smux_write(struct smux *s, uint32_t sid, const void *buf, size_t len)
{
	struct smux_stream	*st;

	if ((st = smux_writable(s, sid)) == NULL)
		return (-1);
	evbuffer_add(st->pending, buf, len);
	smux_queued(s, st, len);
	return (0);
}

int
smux_write_buffer(struct smux *s, uint32_t sid, struct evbuffer *in,
    size_t len)
{
	struct smux_stream	*st;
	int			 n;

	if ((st = smux_writable(s, sid)) == NULL)
		return (-1);
	n = evbuffer_remove_buffer(in, st->pending, len);
	smux_queued(s, st, n > 0 ? (size_t)n : 0);
	return (0);
}

int
smux_close(struct smux *s, uint32_t sid)
{
	struct smux_stream	*st;

	if ((st = smux_writable(s, sid)) == NULL)
		return (-1);
	st->flags |= SMUX_STREAM_CLOSED;
	if (evbuffer_get_length(st->pending) == 0) {
		smux_queue_control(s, SMUX_CMD_FIN, sid);
		smux_stream_free(s, st);
	}
	return (0);
}

int
smux_abort(struct smux *s, uint32_t sid)
{
	struct smux_stream	*st;

	if ((st = smux_writable(s, sid)) == NULL)
		return (-1);
	s->pending -= evbuffer_get_length(st->pending);
	evbuffer_drain(st->pending, evbuffer_get_length(st->pending));
	return (smux_close(s, sid));
}

void
smux_nop(struct smux *s)
{
	s->nop = 1;
}

/*
 * Input.
 */

static void
smux_emit(struct smux *s, enum smux_event_type type, uint32_t sid,
    const uint8_t *data, size_t len)
{
	struct smux_event	ev;

	ev.type = type;
	ev.sid = sid;
	ev.data = data;
	ev.len = len;
	if (s->cb != NULL)
		s->cb(s, &ev, s->arg);
}

static int smux_fail(struct smux *, char **, uint64_t, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* Fail the session for a protocol error in the frame at offset off. */
static int
smux_fail(struct smux *s, char **cause, uint64_t off, const char *fmt, ...)
{
	va_list	 ap;
	char	*what;

	va_start(ap, fmt);
	xvasprintf(&what, fmt, ap);
	va_end(ap);
	xasprintf(&s->failure, "smux frame at byte %" PRIu64 ": %s", off,
	    what);
	free(what);
	*cause = xstrdup(s->failure);
	return (-1);
}

/* The peer opened sid. */
static int
smux_input_syn(struct smux *s, uint32_t sid, char **cause)
{
	if (smux_find(s, sid) != NULL)
		return (0);	/* a repeated SYN is ignored */
	if (s->role == SMUX_SERVER && s->nstreams < SMUX_MAX_STREAMS) {
		smux_stream_new(s, sid);
		smux_emit(s, SMUX_EV_OPEN, sid, NULL, 0);
		return (0);
	}
	/* The agent should never open a stream: say no (§5). */
	if (evbuffer_get_length(s->ctl) >= SMUX_MAX_CONTROL)
		return (smux_fail(s, cause, s->in_off - SMUX_HEADER_LEN,
		    "SYN for stream %" PRIu32 " after %" PRIu64 " refused "
		    "streams not yet sent", sid, s->stats.refused));
	s->stats.refused++;
	smux_queue_control(s, SMUX_CMD_FIN, sid);
	smux_emit(s, SMUX_EV_REFUSED, sid, NULL, 0);
	return (0);
}

/* The peer closed sid: tell the caller once, unless we closed it. */
static void
smux_input_fin(struct smux *s, uint32_t sid)
{
	struct smux_stream	*st;

	if ((st = smux_find(s, sid)) == NULL ||
	    (st->flags & (SMUX_STREAM_CLOSED | SMUX_STREAM_REMOTE_FIN)))
		return;
	st->flags |= SMUX_STREAM_REMOTE_FIN;
	smux_emit(s, SMUX_EV_FIN, sid, NULL, 0);
}

/* PSH data for sid: pass it on if the stream still wants it. */
static void
smux_input_data(struct smux *s, uint32_t sid, const uint8_t *buf, size_t len)
{
	struct smux_stream	*st;

	if ((st = smux_find(s, sid)) == NULL ||
	    (st->flags & (SMUX_STREAM_CLOSED | SMUX_STREAM_REMOTE_FIN))) {
		s->stats.dropped_in += len;
		return;
	}
	smux_emit(s, SMUX_EV_DATA, sid, buf, len);
}

/* A whole header is in s->hdr: act on it. */
static int
smux_input_frame(struct smux *s, char **cause)
{
	uint64_t	off = s->in_off - SMUX_HEADER_LEN;
	uint8_t		cmd = s->hdr[1];
	uint16_t	len = s->hdr[2] | s->hdr[3] << 8;
	uint32_t	sid;

	sid = (uint32_t)s->hdr[4] | (uint32_t)s->hdr[5] << 8 |
	    (uint32_t)s->hdr[6] << 16 | (uint32_t)s->hdr[7] << 24;
	s->stats.frames_in++;
	if (s->hdr[0] != SMUX_VERSION)
		return (smux_fail(s, cause, off, "version %u is not 1",
		    s->hdr[0]));
	switch (cmd) {
	case SMUX_CMD_SYN:
		return (smux_input_syn(s, sid, cause));
	case SMUX_CMD_FIN:
		smux_input_fin(s, sid);
		return (0);
	case SMUX_CMD_PSH:
		s->body_left = len;
		s->body_sid = sid;
		return (0);
	case SMUX_CMD_NOP:
		smux_emit(s, SMUX_EV_NOP, sid, NULL, 0);
		return (0);
	case SMUX_CMD_UPD:
		return (smux_fail(s, cause, off, "window update (UPD) in a "
		    "version 1 session"));
	default:
		return (smux_fail(s, cause, off, "unknown command %u", cmd));
	}
}

int
smux_input(struct smux *s, const uint8_t *buf, size_t len, char **cause)
{
	size_t	n;

	if (s->failure != NULL) {
		xasprintf(cause, "%s (earlier)", s->failure);
		return (-1);
	}
	s->stats.bytes_in += len;
	while (len > 0) {
		if (s->body_left > 0) {
			n = len < s->body_left ? len : s->body_left;
			s->body_left -= n;
			s->in_off += n;
			smux_input_data(s, s->body_sid, buf, n);
			buf += n;
			len -= n;
			continue;
		}
		n = SMUX_HEADER_LEN - s->hdrlen;
		if (n > len)
			n = len;
		memcpy(s->hdr + s->hdrlen, buf, n);
		s->hdrlen += n;
		s->in_off += n;
		buf += n;
		len -= n;
		if (s->hdrlen < SMUX_HEADER_LEN)
			break;
		s->hdrlen = 0;
		if (smux_input_frame(s, cause) != 0)
			return (-1);
	}
	return (0);
}

/*
 * Output.
 */

/*
 * Cut the next PSH frame of the stream at the head of the round-robin list
 * into s->cur; budget is what the current pull has left.
 */
static void
smux_output_stream(struct smux *s, size_t budget)
{
	struct smux_stream	*st = TAILQ_FIRST(&s->active);
	uint8_t			 hdr[SMUX_HEADER_LEN];
	size_t			 n;
	uint32_t		 sid = st->sid;

	n = evbuffer_get_length(st->pending);
	if (n > s->quantum)
		n = s->quantum;
	/* Fit the frame into this pull unless only a header scrap is left. */
	if (budget > SMUX_HEADER_LEN && n > budget - SMUX_HEADER_LEN)
		n = budget - SMUX_HEADER_LEN;
	smux_header(hdr, SMUX_CMD_PSH, (uint16_t)n, sid);
	evbuffer_add(s->cur, hdr, sizeof hdr);
	evbuffer_remove_buffer(st->pending, s->cur, n);
	s->pending -= n;
	s->stats.frames_out++;

	TAILQ_REMOVE(&s->active, st, active_entry);
	st->flags &= ~SMUX_STREAM_ACTIVE;
	if (evbuffer_get_length(st->pending) > 0)
		smux_queued(s, st, 0);	/* back of the queue */
	else if (st->flags & SMUX_STREAM_CLOSED) {
		smux_queue_control(s, SMUX_CMD_FIN, sid);
		smux_stream_free(s, st);
	}
}

/* Put the next frame into s->cur; 0 if there is nothing to send. */
static int
smux_output_next(struct smux *s, size_t budget)
{
	uint8_t	hdr[SMUX_HEADER_LEN];

	if (s->nop) {
		s->nop = 0;
		smux_header(hdr, SMUX_CMD_NOP, 0, 0);
		evbuffer_add(s->cur, hdr, sizeof hdr);
	} else if (evbuffer_get_length(s->ctl) > 0)
		evbuffer_remove_buffer(s->ctl, s->cur, SMUX_HEADER_LEN);
	else if (!TAILQ_EMPTY(&s->active)) {
		smux_output_stream(s, budget);
		return (1);
	} else
		return (0);
	s->stats.frames_out++;
	return (1);
}

size_t
smux_output(struct smux *s, struct evbuffer *out, size_t max)
{
	size_t	done = 0, n;

	while (done < max) {
		if (evbuffer_get_length(s->cur) == 0 &&
		    !smux_output_next(s, max - done))
			break;
		n = evbuffer_get_length(s->cur);
		if (n > max - done)
			n = max - done;
		evbuffer_remove_buffer(s->cur, out, n);
		done += n;
	}
	s->stats.bytes_out += done;
	return (done);
}

size_t
smux_pending(struct smux *s)
{
	return (s->pending + evbuffer_get_length(s->cur) +
	    evbuffer_get_length(s->ctl) + (s->nop ? SMUX_HEADER_LEN : 0));
}

size_t
smux_stream_pending(struct smux *s, uint32_t sid)
{
	struct smux_stream	*st;

	if ((st = smux_find(s, sid)) == NULL)
		return (0);
	return (evbuffer_get_length(st->pending));
}

int
smux_has_stream(struct smux *s, uint32_t sid)
{
	return (smux_find(s, sid) != NULL);
}

size_t
smux_stream_count(struct smux *s)
{
	return (s->nstreams);
}

const char *
smux_get_failure(struct smux *s)
{
	return (s->failure);
}

const struct smux_stats *
smux_get_stats(struct smux *s)
{
	return (&s->stats);
}

void
smux_set_quantum(struct smux *s, size_t quantum)
{
	if (quantum < 1)
		quantum = 1;
	if (quantum > SMUX_MAX_FRAME)
		quantum = SMUX_MAX_FRAME;
	s->quantum = quantum;
}
