/*
 * The I/O of an open WebSocket, its frames in and out: wslay glue (bytes
 * in from the bufferevent, control frames out, our own joining of
 * fragments into a bounded buffer with single-frame messages passed on
 * without a copy), keep-alive pings and the dead-peer deadline, and the
 * writing of data frames into large output chains. ws.c owns the object
 * and its API; frame.c writes one data frame's head and masks it.
 */

#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include <openssl/err.h>

#include "log.h"
#include "util.h"
#include "ws_frame.h"
#include "ws_int.h"
#include "xmalloc.h"

/*
 * The least size of an output chain we fill with frames: libevent adds
 * its header and rounds up to a power of two, so this makes 64 KiB
 * allocations (below glibc's mmap threshold, unlike 64 KiB exactly).
 */
#define WS_OUT_CHAIN	(60 * 1024)

/*
 * Bytes of TLS records we read ourselves in one turn at most (below):
 * enough for everything a paced agent sends between two reads, bounded so
 * that a fast peer cannot keep the loop from the others.
 */
#define WS_READ_TURN	(256 * 1024)

/* Remember to call drained once the output has gone past the mark. */
void
ws_io_note_queued(struct ws *ws)
{
	if (!ws->above_low && ws_get_queued(ws) > ws->opts.low_watermark)
		ws->above_low = 1;
}

/* Hand whatever wslay has queued to the bufferevent. */
void
ws_io_flush(struct ws *ws)
{
	if (ws->wslay == NULL || ws->in_recv || ws->bev == NULL)
		return;
	if (wslay_event_send(ws->wslay) != 0)
		fatalx("ws %llu: wslay send failed",
		    (unsigned long long)ws->id);
	ws_io_note_queued(ws);
}

/* Send a ping with the keep-alive payload; arm the dead-peer deadline. */
void
ws_io_ping_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws		*ws = arg;
	struct wslay_event_msg	 m;
	struct timeval		 tv;

	if (ws->state != WS_OPEN)
		return;
	m.opcode = WSLAY_PING;
	m.msg = (const uint8_t *)WS_PING_DATA;
	m.msg_length = strlen(WS_PING_DATA);
	if (wslay_event_queue_msg(ws->wslay, &m) != 0)
		return;
	ws->stats.pings_sent++;
	ws_io_flush(ws);
	if (!ws->pong_armed && !ws->paused) {
		ws->ping_rx_frames = ws->rx_frames;
		ws->pong_armed = 1;
		tv = util_ms_tv(ws->opts.pong_timeout_ms);
		evtimer_add(ws->pong, &tv);
	}
}

/* The deadline after a ping: has anything at all come in since? */
void
ws_io_pong_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws	*ws = arg;

	ws->pong_armed = 0;
	if (ws->state != WS_OPEN || ws->paused ||
	    ws->rx_frames != ws->ping_rx_frames)
		return;
	ws_enter(ws);
	ws_fail(ws, WS_ERR_DEAD, "%s: peer dead: nothing received within "
	    "%ums of a ping", ws->name, ws->opts.pong_timeout_ms);
	ws_leave(ws);
}

/*
 * Decrypt the next TLS record straight into buf, once the bufferevent's
 * input is empty. libevent's OpenSSL bufferevent decrypts one record per
 * loop turn (then stops, as SSL_pending() is 0 between records), so a
 * turn used to be an epoll_wait, two reads and one agent message. Read
 * here, a turn takes every record that has come (up to WS_READ_TURN), its
 * messages are handled together and their acks leave in one write.
 *
 * With read-ahead (ws_io_open) OpenSSL reads as much as the socket has in
 * one read(), and may then hold whole records the kernel no longer
 * signals: libevent, which stops at SSL_pending() == 0, would wait for the
 * socket forever with them unread. This reader stops only when TLS wants
 * the socket (its buffer holds no whole record) or at the bound, and then
 * comes back from ws_kick() for what is left. A paused reader stops
 * earlier; ws_resume() kicks too.
 */
static ssize_t
ws_tls_recv(struct ws *ws, uint8_t *buf, size_t len)
{
	int	n, err;

	if (ws->rd_ssl == NULL || ws->rd_end != 0)
		return (-1);
	if (ws->rd_turn >= WS_READ_TURN) {
		if (SSL_has_pending(ws->rd_ssl))
			ws_kick(ws);
		return (-1);
	}
	if (len > INT_MAX)
		len = INT_MAX;
	ERR_clear_error();
	errno = 0;
	if ((n = SSL_read(ws->rd_ssl, buf, (int)len)) > 0) {
		ws->rd_turn += (size_t)n;
		return (n);
	}
	err = SSL_get_error(ws->rd_ssl, n);
	if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
		/* Kept now: later calls may clear errno and the queue. */
		ws->rd_end = err;
		ws->rd_errno = errno;
		ws->rd_err = ERR_peek_error();
	}
	return (-1);
}

/*
 * Our own read met the end of the transport or a TLS error: tell it as
 * the bufferevent would have (once), after the messages read before it.
 */
static void
ws_tls_end(struct ws *ws)
{
	short	what = BEV_EVENT_READING;

	if (ws->rd_err != 0 && ERR_GET_LIB(ws->rd_err) == ERR_LIB_SYS) {
		/* OpenSSL 3 queues a failed read(2) as its own error. */
		ws->rd_errno = ERR_GET_REASON(ws->rd_err);
		ws->rd_err = 0;
	}
	if (ws->rd_end == SSL_ERROR_ZERO_RETURN || (ws->rd_errno == 0 &&
	    ws->rd_err == 0))
		what |= BEV_EVENT_EOF;
	else
		what |= BEV_EVENT_ERROR;
	ws->rd_end = -1;
	errno = ws->rd_errno;
	ws_transport_lost(ws, what);
}

/* The last read stopped at its bound (WS_READ_TURN), not at the socket. */
int
ws_read_was_cut(struct ws *ws)
{
	return (ws->rd_turn >= WS_READ_TURN);
}

/* wslay wants bytes: give what the bufferevent has, never block. */
static ssize_t
ws_wslay_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    int flags, void *arg)
{
	struct ws	*ws = arg;
	int		 n;

	if (ws->freeing || ws->paused || ws->bev == NULL ||
	    ws->state >= WS_ENDING) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return (-1);
	}
	n = evbuffer_remove(bufferevent_get_input(ws->bev), buf, len);
	if (n <= 0 && (n = ws_tls_recv(ws, buf, len)) <= 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return (-1);
	}
	return (n);
}

/* wslay has frame bytes: append them to the output; this never blocks. */
static ssize_t
ws_wslay_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *arg)
{
	struct ws	*ws = arg;

	if (!ws->mute && ws->bev != NULL) {
		if (evbuffer_add(bufferevent_get_output(ws->bev), data,
		    len) != 0)
			fatalx("ws %llu: out of memory",
			    (unsigned long long)ws->id);
		ws->out_room = 0;	/* it may have made a small chain */
	}
	return ((ssize_t)len);
}

/* Mask keys come from a pool refilled with one call to the CSPRNG. */
static void
ws_mask_key(struct ws *ws, uint8_t *buf, size_t len)
{
	if (ws->mask_off + len > sizeof ws->mask) {
		util_random(ws->mask, sizeof ws->mask);
		ws->mask_off = 0;
	}
	memcpy(buf, ws->mask + ws->mask_off, len);
	ws->mask_off += len;
}

static int
ws_wslay_genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    void *arg)
{
	ws_mask_key(arg, buf, len);
	return (0);
}

/* A frame starts: enforce the message bound before any byte is kept. */
static void
ws_wslay_frame_start(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_start_arg *a, void *arg)
{
	struct ws	*ws = arg;
	static const char reason[] = "message too big";

	ws->rx_frames++;
	ws->in_ctrl = wslay_is_ctrl_frame(a->opcode);
	if (ws->in_ctrl || ws->too_big)
		return;
	if (a->opcode != WSLAY_CONTINUATION_FRAME) {
		ws->msg_opcode = a->opcode;
		ws->msg_len = 0;
	}
	ws->frame_len = a->payload_length;
	ws->frame_fin = a->fin;
	if (a->payload_length > ws->opts.max_message - ws->msg_len) {
		ws->too_big = 1;
		ws->too_big_len = ws->msg_len + a->payload_length;
		wslay_event_queue_close(ctx, WSLAY_CODE_MESSAGE_TOO_BIG,
		    (const uint8_t *)reason, sizeof reason - 1);
		wslay_event_shutdown_read(ctx);
		return;
	}
	ws->msg_len += a->payload_length;
}

/*
 * Payload bytes of a data frame. A message that is one frame and arrived
 * in one piece is passed on from wslay's buffer without a copy.
 */
static void
ws_wslay_frame_chunk(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_chunk_arg *a, void *arg)
{
	struct ws	*ws = arg;

	if (ws->in_ctrl || ws->too_big || ws->freeing || a->data_length == 0)
		return;
	if (ws->frame_fin && ws->msg_len == ws->frame_len &&
	    a->data_length == ws->frame_len &&
	    evbuffer_get_length(ws->msgbuf) == 0) {
		ws->direct = a->data;
		ws->direct_len = a->data_length;
		return;
	}
	if (evbuffer_add(ws->msgbuf, a->data, a->data_length) != 0)
		fatalx("ws %llu: out of memory", (unsigned long long)ws->id);
}

/* Pass one whole data message to the user. */
static void
ws_deliver(struct ws *ws)
{
	const uint8_t	*data;
	size_t		 len;
	enum ws_type	 type;

	if (ws->direct != NULL) {
		data = ws->direct;
		len = ws->direct_len;
	} else {
		len = evbuffer_get_length(ws->msgbuf);
		data = len > 0 ? evbuffer_pullup(ws->msgbuf, -1) :
		    (const uint8_t *)"";
	}
	type = ws->msg_opcode == WSLAY_TEXT_FRAME ? WS_TEXT : WS_BINARY;
	ws->stats.msgs_in++;
	ws->stats.bytes_in += len;
	if (ws->cb.message != NULL && !ws->freeing && ws->state < WS_ENDING)
		ws->cb.message(ws, type, data, len, ws->arg);
	if (ws->direct == NULL)
		evbuffer_drain(ws->msgbuf, len);
	ws->direct = NULL;
	ws->msg_len = 0;
}

/* A whole message: control frames are noted, data passed on. */
static void
ws_wslay_msg(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *a, void *arg)
{
	struct ws	*ws = arg;
	size_t		 n;

	switch (a->opcode) {
	case WSLAY_CONNECTION_CLOSE:
		ws->close_received = 1;
		ws->peer_code = a->status_code != 0 ? a->status_code :
		    WSLAY_CODE_NO_STATUS_RCVD;
		n = a->msg_length > 2 ? a->msg_length - 2 : 0;
		if (n >= sizeof ws->peer_reason)
			n = sizeof ws->peer_reason - 1;
		if (n > 0)
			memcpy(ws->peer_reason, a->msg + 2, n);
		ws->peer_reason[n] = '\0';
		break;
	case WSLAY_PING:
		ws->stats.pings_received++;	/* wslay queued the pong */
		break;
	case WSLAY_PONG:
		ws->stats.pongs_received++;
		break;
	case WSLAY_TEXT_FRAME:
	case WSLAY_BINARY_FRAME:
		if (!ws->too_big)
			ws_deliver(ws);
		break;
	}
}

/* Feed the input to wslay, then act on what it found. */
void
ws_io_read(struct ws *ws)
{
	uint64_t	msgs = ws->stats.msgs_in;
	int		r;

	if (ws->paused || ws->wslay == NULL || ws->freeing)
		return;
	ws->in_recv = 1;
	ws->rd_turn = 0;
	r = wslay_event_recv(ws->wslay);
	ws->in_recv = 0;
	if (ws->freeing || ws->state >= WS_ENDING)
		return;
	if (ws->stats.msgs_in != msgs && ws->cb.read_done != NULL) {
		ws->cb.read_done(ws, ws->arg);
		if (ws->freeing || ws->state >= WS_ENDING)
			return;
	}
	if (ws->rd_lazy && !ws->paused) {	/* ws_resume: no new pause */
		ws->rd_lazy = 0;
		bufferevent_enable(ws->bev, EV_READ);
	}
	if (ws->rd_end > 0 && r == 0 && !ws->too_big && !ws->close_received) {
		ws_io_flush(ws);
		ws_tls_end(ws);
		return;
	}
	if (r == WSLAY_ERR_NOMEM)
		fatalx("ws %llu: out of memory", (unsigned long long)ws->id);
	ws_io_flush(ws);
	if (ws_get_queued(ws) > ws->opts.max_queue) {
		/* Say, a flood of pings from a peer that reads no pongs. */
		ws_fail(ws, WS_ERR_IO, "%s: peer is not reading: %zu bytes "
		    "queued", ws->name, ws_get_queued(ws));
	} else if (ws->too_big) {
		ws_end_error(ws, WS_ERR_TOO_BIG, "%s: message of %llu bytes or "
		    "more is over the limit of %zu; closed with 1009", ws->name,
		    (unsigned long long)ws->too_big_len, ws->opts.max_message);
	} else if (r != 0 || (!wslay_event_get_read_enabled(ws->wslay) &&
	    !ws->close_received && !ws->paused)) {
		ws_end_error(ws, WS_ERR_PROTOCOL, "%s: protocol error from "
		    "peer; closed with %u", ws->name,
		    wslay_event_get_status_code_sent(ws->wslay));
	} else if (ws->close_received)
		ws_end_close(ws);
}

/* Start the framing: the upgrade is done. */
void
ws_io_open(struct ws *ws)
{
	struct wslay_event_callbacks	cbs = {
		ws_wslay_recv, ws_wslay_send, ws_wslay_genmask,
		ws_wslay_frame_start, ws_wslay_frame_chunk, NULL, ws_wslay_msg
	};
	struct timeval			tv;

	if (ws->ops->wslay_init(&ws->wslay, &cbs, ws) != 0)
		fatalx("ws %llu: out of memory", (unsigned long long)ws->id);
	/* We join fragments ourselves, with our bound. */
	wslay_event_config_set_no_buffering(ws->wslay, 1);
	wslay_event_config_set_max_recv_msg_length(ws->wslay, UINT64_MAX);
	evtimer_del(ws->timer);
	ws_set_state(ws, WS_OPEN);
	bufferevent_setwatermark(ws->bev, EV_WRITE, ws->opts.low_watermark, 0);
	/*
	 * From here on we read the TLS records (ws_tls_recv), so OpenSSL may
	 * read ahead: one read() for all that has come, not two per record.
	 */
	if ((ws->rd_ssl = bufferevent_openssl_get_ssl(ws->bev)) != NULL) {
		if (bufferevent_get_underlying(ws->bev) == NULL)
			SSL_set_read_ahead(ws->rd_ssl, 1);
		else
			ws->rd_ssl = NULL;
	}
	if (!(ws->opts.flags & WS_NO_PING)) {
		tv = util_ms_tv(ws->opts.ping_interval_ms);
		event_add(ws->ping, &tv);
	}
}

/*
 * Contiguous room for need bytes at the end of the output. Chains are
 * made at least WS_OUT_CHAIN long and filled message after message: TLS
 * then writes whole records, and small chains do not churn the allocator.
 * ws->out_room is our guess of the room left in the last chain; a wrong
 * guess costs an allocation, never correctness.
 */
static uint8_t *
ws_out_reserve(struct ws *ws, struct evbuffer *out, size_t need,
    struct evbuffer_iovec *v)
{
	size_t	want = need;

	if (evbuffer_get_length(out) == 0)
		ws->out_room = 0;
	if (need > ws->out_room && want < WS_OUT_CHAIN)
		want = WS_OUT_CHAIN;
	if (evbuffer_reserve_space(out, want, v, 1) != 1)
		fatalx("ws: out of memory");
	return (v->iov_base);
}

/* Commit used bytes of what ws_out_reserve gave. */
static void
ws_out_commit(struct ws *ws, struct evbuffer *out, struct evbuffer_iovec *v,
    size_t used)
{
	ws->out_room = v->iov_len - used;
	v->iov_len = used;
	if (evbuffer_commit_space(out, v, 1) != 0)
		fatalx("ws: cannot commit output");
}

/*
 * Start a data message of len bytes: reserve room for it, write its head
 * (wslay's queue is always empty here: its bytes go out as soon as they
 * are queued) and fill key if the payload is to be masked. Return where
 * the payload goes, or NULL if nothing may be sent.
 */
uint8_t *
ws_io_begin(struct ws *ws, enum ws_type type, size_t len, uint8_t *key,
    struct evbuffer_iovec *v, size_t *hl)
{
	uint8_t	*p;

	if (ws->state != WS_OPEN || ws->freeing || ws->bev == NULL ||
	    ws_get_queued(ws) + len > ws->opts.max_queue)
		return (NULL);
	ws->stats.msgs_out++;
	ws->stats.bytes_out += len;
	if (ws->ops->mask)
		ws_mask_key(ws, key, 4);
	p = ws_out_reserve(ws, bufferevent_get_output(ws->bev),
	    WS_FRAME_MAX_HEAD + len, v);
	*hl = ws_frame_head(p, type == WS_TEXT ? WSLAY_TEXT_FRAME :
	    WSLAY_BINARY_FRAME, len, ws->ops->mask ? key : NULL);
	return (p + *hl);
}

/* Finish a message of len payload bytes (or drop it if muted). */
void
ws_io_end(struct ws *ws, struct evbuffer_iovec *v, size_t used)
{
	ws_out_commit(ws, bufferevent_get_output(ws->bev), v,
	    ws->mute ? 0 : used);
	ws_io_note_queued(ws);
}
