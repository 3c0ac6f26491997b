/*
 * The WebSocket object both sides share: its states and timers, the
 * bufferevent callbacks, the API (send, close, pause), the one report
 * that ends every WebSocket, and freeing that is safe from inside
 * callbacks. A side's ws_ops gets it to open: client.c a client to its
 * 101, tests/lib/ws_server.c a server to its answer; io.c moves the
 * frames once it is open; http.c and frame.c are the codecs.
 */

#include <sys/types.h>
#include <sys/ioctl.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include "log.h"
#include "tls.h"
#include "util.h"
#include "ws_frame.h"
#include "ws_int.h"
#include "xmalloc.h"

/* Bytes per read and write system call on a busy connection. */
#define WS_IO_CHUNK	(128 * 1024)

static uint64_t	ws_next_id = 1;

static const char *ws_state_names[] = {
	"resolving", "connecting", "proxy", "tls", "upgrade", "request",
	"open", "closing", "ending", "done",
};

static void	ws_report(struct ws *);
static void	ws_set_error(struct ws *, enum ws_error, const char *,
		    va_list) __attribute__((format(printf, 3, 0)));

const char *
ws_step_name(enum ws_state state)
{
	switch (state) {
	case WS_RESOLVING:
	case WS_CONNECTING:
	case WS_PROXY:
		return ("connect");
	case WS_TLS:
		return ("TLS handshake");
	case WS_UPGRADE:
	case WS_REQUEST:
		return ("upgrade");
	default:
		return ("close");
	}
}

void
ws_set_state(struct ws *ws, enum ws_state state)
{
	if (state == ws->state)
		return;
	if (state < ws->state)
		fatalx("ws %llu: %s -> %s is backwards",
		    (unsigned long long)ws->id, ws_state_names[ws->state],
		    ws_state_names[state]);
	log_debug("ws %llu: %s -> %s", (unsigned long long)ws->id,
	    ws_state_names[ws->state], ws_state_names[state]);
	ws->state = state;
}

/* Release everything that carries bytes: socket, TLS, DNS, framing. */
void
ws_drop_transport(struct ws *ws)
{
	ws->ops->cleanup(ws);
	if (ws->bev != NULL) {
		bufferevent_free(ws->bev);
		ws->bev = NULL;
	}
	evtimer_del(ws->timer);
	event_del(ws->ping);
	evtimer_del(ws->pong);
	event_del(ws->kick);
}

/* Free the object itself; nothing may be on the stack that uses it. */
static void
ws_destroy(struct ws *ws)
{
	size_t	i;

	ws_drop_transport(ws);
	if (ws->wslay != NULL)
		wslay_event_context_free(ws->wslay);
	evbuffer_free(ws->msgbuf);
	event_free(ws->timer);
	event_free(ws->ping);
	event_free(ws->pong);
	event_free(ws->kick);
	for (i = 0; i < ws->nheaders; i++) {
		free((char *)ws->headers[i].name);
		freezero_str((char *)ws->headers[i].value);
	}
	free(ws->headers);
	ws_http_url_clear(&ws->url);
	ws_http_url_clear(&ws->proxy_url);
	free(ws->name);
	free(ws->end_cause);
	free(ws);
}

void
ws_enter(struct ws *ws)
{
	ws->depth++;
}

/* Leave one of our callbacks; the last one out frees a freed object. */
void
ws_leave(struct ws *ws)
{
	if (--ws->depth == 0 && ws->freeing)
		ws_destroy(ws);
}

void
ws_timer_start(struct ws *ws, uint32_t ms)
{
	struct timeval	tv;

	tv = util_ms_tv(ms);
	evtimer_add(ws->timer, &tv);
}

/* Record the outcome that ws_report will pass on. */
static void
ws_set_error(struct ws *ws, enum ws_error err, const char *fmt, va_list ap)
{
	free(ws->end_cause);
	xvasprintf(&ws->end_cause, fmt, ap);
	ws->end_is_error = 1;
	ws->end_err = err;
}

/* Record a close outcome; the reason is in ws->peer_reason. */
static void
ws_set_close(struct ws *ws, uint16_t code, int clean)
{
	ws->end_is_error = 0;
	ws->end_code = code;
	ws->end_clean = clean;
	if (!clean)
		ws->peer_reason[0] = '\0';
}

/* Fail at once: drop the transport and report. */
void
ws_fail(struct ws *ws, enum ws_error err, const char *fmt, ...)
{
	va_list	ap;

	if (ws->state == WS_DONE || ws->freeing)
		return;
	va_start(ap, fmt);
	ws_set_error(ws, err, fmt, ap);
	va_end(ap);
	ws_report(ws);
}

/*
 * The outcome is known but bytes (a close frame, a refusal) are still to
 * be written: report once they are, or when the close timeout says the
 * peer will not take them.
 */
static void
ws_ending(struct ws *ws)
{
	ws_set_state(ws, WS_ENDING);
	event_del(ws->ping);
	evtimer_del(ws->pong);
	if (ws->bev == NULL ||
	    evbuffer_get_length(bufferevent_get_output(ws->bev)) == 0) {
		ws_timer_start(ws, 0);
		return;
	}
	bufferevent_setwatermark(ws->bev, EV_WRITE, 0, 0);
	ws_timer_start(ws, ws->opts.close_timeout_ms);
}

void
ws_end_error(struct ws *ws, enum ws_error err, const char *fmt, ...)
{
	va_list	ap;

	if (ws->state >= WS_ENDING || ws->freeing)
		return;
	va_start(ap, fmt);
	ws_set_error(ws, err, fmt, ap);
	va_end(ap);
	ws_ending(ws);
}

/* End with the peer's close code once our bytes are out. */
void
ws_end_close(struct ws *ws)
{
	if (ws->state >= WS_ENDING || ws->freeing)
		return;
	ws_set_close(ws, ws->peer_code, 1);
	ws_ending(ws);
}

/* The one report that ends a WebSocket. */
static void
ws_report(struct ws *ws)
{
	SSL	*ssl;

	if (ws->state == WS_DONE || ws->freeing)
		return;
	/* A finished TLS session says goodbye; a failed one just goes. */
	if (ws->bev != NULL && !ws->end_is_error &&
	    (ssl = bufferevent_openssl_get_ssl(ws->bev)) != NULL)
		SSL_shutdown(ssl);
	ws_drop_transport(ws);
	ws_set_state(ws, WS_DONE);
	if (ws->end_is_error) {
		log_debug("ws %llu: %s", (unsigned long long)ws->id,
		    ws->end_cause);
		if (ws->cb.error != NULL)
			ws->cb.error(ws, ws->end_err, ws->end_cause, ws->arg);
	} else {
		log_debug("ws %llu: %s: closed %u%s",
		    (unsigned long long)ws->id, ws->name, ws->end_code,
		    ws->end_clean ? "" : " (unclean)");
		if (ws->cb.close != NULL)
			ws->cb.close(ws, ws->end_code, ws->peer_reason,
			    ws->end_clean, ws->arg);
	}
}

/* A step's deadline passed. */
static void
ws_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws	*ws = arg;

	ws_enter(ws);
	switch (ws->state) {
	case WS_CLOSING:
		ws_set_close(ws, WSLAY_CODE_ABNORMAL_CLOSURE, 0);
		ws_report(ws);
		break;
	case WS_ENDING:
		ws_report(ws);
		break;
	case WS_UPGRADE:
		/* Only a client has an answer's status: a short refusal. */
		if (ws->http_status != 0) {
			ws->ops->read(ws);
			break;
		}
		/* FALLTHROUGH */
	default:
		ws_fail(ws, WS_ERR_TIMEOUT, "%s: %s timed out after %ums",
		    ws->name, ws_step_name(ws->state), ws->state == WS_TLS ?
		    ws->opts.tls_timeout_ms : ws->state >= WS_UPGRADE ?
		    ws->opts.upgrade_timeout_ms : ws->opts.connect_timeout_ms);
		break;
	}
	ws_leave(ws);
}

/*
 * Read one HTTP head (up to the blank line, at most max_head bytes) from
 * the input and parse it. Return 1 with m filled, 0 if more bytes are
 * needed, or -1 with *cause.
 */
int
ws_read_head(struct ws *ws, struct ws_http_msg *m,
    int (*parse)(const char *, size_t, struct ws_http_msg *, char **),
    char **cause)
{
	struct evbuffer		*in = bufferevent_get_input(ws->bev);
	struct evbuffer_ptr	 start, end;
	size_t			 len = evbuffer_get_length(in), hlen;
	const char		*p;
	int			 r;

	if (evbuffer_ptr_set(in, &start, ws->head_scan, EVBUFFER_PTR_SET) != 0)
		evbuffer_ptr_set(in, &start, 0, EVBUFFER_PTR_SET);
	end = evbuffer_search(in, "\r\n\r\n", 4, &start);
	if (end.pos == -1) {
		if (len > ws->opts.max_head) {
			xasprintf(cause, "HTTP head longer than %zu bytes",
			    ws->opts.max_head);
			return (-1);
		}
		/* Next time, search only where the end could now be. */
		ws->head_scan = len > 3 ? len - 3 : 0;
		return (0);
	}
	hlen = (size_t)end.pos + 4;
	if (hlen > ws->opts.max_head) {
		xasprintf(cause, "HTTP head longer than %zu bytes",
		    ws->opts.max_head);
		return (-1);
	}
	p = (const char *)evbuffer_pullup(in, hlen);
	r = parse(p, hlen, m, cause);
	evbuffer_drain(in, hlen);
	ws->head_scan = 0;
	return (r == 0 ? 1 : -1);
}

/* The input grew, or a deferred look at it was asked for. */
static void
ws_dispatch_read(struct ws *ws)
{
	switch (ws->state) {
	case WS_PROXY:
	case WS_UPGRADE:
		ws->ops->read(ws);
		break;
	case WS_OPEN:
	case WS_CLOSING:
		ws_io_read(ws);
		break;
	case WS_ENDING:
		evbuffer_drain(bufferevent_get_input(ws->bev),
		    evbuffer_get_length(bufferevent_get_input(ws->bev)));
		break;
	default:
		break;
	}
}

static void
ws_read_cb(struct bufferevent *bev, void *arg)
{
	struct ws	*ws = arg;

	ws_enter(ws);
	ws_dispatch_read(ws);
	ws_leave(ws);
}

/* Output fell to the write low watermark. */
static void
ws_write_cb(struct bufferevent *bev, void *arg)
{
	struct ws	*ws = arg;

	ws_enter(ws);
	if (ws->state == WS_ENDING) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			ws_report(ws);
	} else if (ws->state == WS_OPEN && ws->above_low &&
	    ws_get_queued(ws) <= ws->opts.low_watermark) {
		ws->above_low = 0;
		if (ws->cb.drained != NULL)
			ws->cb.drained(ws, ws->arg);
	}
	ws_leave(ws);
}

/* Why the transport failed, in words: TLS reasons, else errno. */
static char *
ws_transport_error(struct ws *ws, short what)
{
	unsigned long	 errs[8];
	size_t		 n = 0;
	SSL		*ssl;
	int		 error = EVUTIL_SOCKET_ERROR();

	if (what & BEV_EVENT_EOF)
		return (xstrdup("connection closed by peer"));
	ssl = bufferevent_openssl_get_ssl(ws->bev);
	if (ws->rd_err != 0)	/* our own read's (io.c) */
		return (tls_error_string(ssl, &ws->rd_err, 1));
	while (n < sizeof errs / sizeof errs[0] &&
	    (errs[n] = bufferevent_get_openssl_error(ws->bev)) != 0)
		n++;
	if (ssl != NULL && (n > 0 || ws->state == WS_TLS))
		return (tls_error_string(ssl, errs, n));
	return (xstrdup(error != 0 ? strerror(error) : "connection lost"));
}

/* The transport ended or failed. */
static void
ws_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct ws	*ws = arg;
	char		*why;

	ws_enter(ws);
	if (what & BEV_EVENT_CONNECTED) {
		if (ws->state == WS_TLS)
			ws->ops->tls_done(ws);
		ws_leave(ws);
		return;
	}
	why = ws_transport_error(ws, what);
	switch (ws->state) {
	case WS_PROXY:
		ws_fail(ws, WS_ERR_PROXY, "%s: proxy: %s", ws->name, why);
		break;
	case WS_TLS:
		ws_fail(ws, WS_ERR_TLS, "%s: TLS handshake failed: %s",
		    ws->name, why);
		break;
	case WS_UPGRADE:
		if (ws->http_status != 0) {	/* a client's refusal */
			ws->peer_eof = 1;
			ws->ops->read(ws);
			break;
		}
		/* FALLTHROUGH */
	case WS_REQUEST:
	case WS_OPEN:
		if (ws->state == WS_OPEN)
			ws_io_read(ws);	/* a close frame, maybe */
		if (ws->state == WS_ENDING)
			ws_report(ws);
		else if (ws->close_received) {
			ws_set_close(ws, ws->peer_code, 1);
			ws_report(ws);
		} else
			ws_fail(ws, (what & BEV_EVENT_EOF) ? WS_ERR_EOF :
			    WS_ERR_IO, "%s: %s without a close frame%s%s",
			    ws->name, ws->state == WS_OPEN ? "lost" :
			    "lost during the upgrade", (what & BEV_EVENT_EOF) ?
			    "" : ": ", (what & BEV_EVENT_EOF) ? "" : why);
		break;
	case WS_CLOSING:
		ws_io_read(ws);
		if (ws->state == WS_CLOSING)
			ws_set_close(ws, ws->close_received ? ws->peer_code :
			    WSLAY_CODE_ABNORMAL_CLOSURE, ws->close_received);
		ws_report(ws);
		break;
	default:
		ws_report(ws);
		break;
	}
	free(why);
	ws_leave(ws);
}

/* Our own TLS reader (io.c) met the end: as if the bufferevent had. */
void
ws_transport_lost(struct ws *ws, short what)
{
	ws_event_cb(ws->bev, what, ws);
}

/* Deferred work: start a client, or look at input again. */
static void
ws_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws	*ws = arg;

	ws_enter(ws);
	if (ws->state == WS_RESOLVING && ws->ops->start != NULL &&
	    !ws->started) {
		ws->started = 1;
		ws->ops->start(ws);
	} else if (ws->bev != NULL)
		ws_dispatch_read(ws);
	ws_leave(ws);
}

/* Schedule ws_kick_cb. */
void
ws_kick(struct ws *ws)
{
	event_active(ws->kick, EV_TIMEOUT, 0);
}

void
ws_attach(struct ws *ws, struct bufferevent *bev)
{
	ws->bev = bev;
	bufferevent_setcb(bev, ws_read_cb, ws_write_cb, ws_event_cb, ws);
	bufferevent_set_max_single_read(bev, WS_IO_CHUNK);
	bufferevent_set_max_single_write(bev, WS_IO_CHUNK);
	if (bufferevent_openssl_get_ssl(bev) != NULL)
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	bufferevent_enable(bev, ws->paused ? EV_WRITE : EV_READ | EV_WRITE);
}

struct ws *
ws_new(struct event_base *base, const struct ws_ops *ops,
    const struct ws_options *opts, const struct ws_cb *cb, void *arg)
{
	struct ws	*ws;

	ws = xcalloc(1, sizeof *ws);
	ws->id = ws_next_id++;
	ws->base = base;
	ws->ops = ops;
	ws->fd = -1;
	ws->cb = *cb;
	ws->arg = arg;
	ws->mask_off = sizeof ws->mask;
	if (opts != NULL)
		ws->opts = *opts;
	ws->opts.headers = NULL;	/* the client keeps its own copies */
	ws->opts.nheaders = 0;
	ws->opts.proxy = NULL;
	ws->opts.tls = NULL;
#define WS_DEFAULT(f, v) do { if (ws->opts.f == 0) ws->opts.f = (v); } while (0)
	WS_DEFAULT(connect_timeout_ms, WS_CONNECT_TIMEOUT_MS);
	WS_DEFAULT(tls_timeout_ms, WS_TLS_TIMEOUT_MS);
	WS_DEFAULT(upgrade_timeout_ms, WS_UPGRADE_TIMEOUT_MS);
	WS_DEFAULT(close_timeout_ms, WS_CLOSE_TIMEOUT_MS);
	WS_DEFAULT(ping_interval_ms, WS_PING_INTERVAL_MS);
	WS_DEFAULT(pong_timeout_ms, WS_PONG_TIMEOUT_MS);
	WS_DEFAULT(max_message, WS_MAX_MESSAGE);
	WS_DEFAULT(max_head, WS_MAX_HEAD);
	WS_DEFAULT(low_watermark, WS_LOW_WATERMARK);
	WS_DEFAULT(max_queue, WS_MAX_QUEUE);
#undef WS_DEFAULT
	if ((ws->msgbuf = evbuffer_new()) == NULL ||
	    (ws->timer = evtimer_new(base, ws_timer_cb, ws)) == NULL ||
	    (ws->ping = event_new(base, -1, EV_PERSIST, ws_io_ping_cb,
	    ws)) == NULL ||
	    (ws->pong = evtimer_new(base, ws_io_pong_cb, ws)) == NULL ||
	    (ws->kick = evtimer_new(base, ws_kick_cb, ws)) == NULL)
		fatalx("ws: out of memory");
	return (ws);
}

/* Send one message of contiguous bytes. */
static int
ws_send(struct ws *ws, enum ws_type type, const void *data, size_t len)
{
	struct evbuffer_iovec	 v;
	uint8_t			 key[4], *p;
	size_t			 hl;

	if ((p = ws_io_begin(ws, type, len, key, &v, &hl)) == NULL)
		return (-1);
	if (ws->ops->mask)
		ws_frame_mask(p, data, len, key, 0);
	else
		memcpy(p, data, len);
	ws_io_end(ws, &v, hl + len);
	return (0);
}

int
ws_send_binary(struct ws *ws, const void *data, size_t len)
{
	return (ws_send(ws, WS_BINARY, data, len));
}

int
ws_send_text(struct ws *ws, const void *data, size_t len)
{
	return (ws_send(ws, WS_TEXT, data, len));
}

int
ws_send_buffer(struct ws *ws, enum ws_type type, struct evbuffer *buf)
{
	struct evbuffer_iovec	 v, in[16];
	uint8_t			 key[4], *p;
	size_t			 len, off, hl, n;
	int			 nv, i;

	len = evbuffer_get_length(buf);
	if ((p = ws_io_begin(ws, type, len, key, &v, &hl)) == NULL)
		return (-1);
	/* Copy (and mask) straight from buf's chains into the output. */
	for (off = 0; off < len; off += n) {
		nv = evbuffer_peek(buf, -1, NULL, in, 16);
		for (i = 0, n = 0; i < nv && i < 16; i++) {
			if (ws->ops->mask)
				ws_frame_mask(p + off + n, in[i].iov_base,
				    in[i].iov_len, key, off + n);
			else
				memcpy(p + off + n, in[i].iov_base,
				    in[i].iov_len);
			n += in[i].iov_len;
		}
		evbuffer_drain(buf, n);
	}
	ws_io_end(ws, &v, hl + len);
	return (0);
}

size_t
ws_get_queued(struct ws *ws)
{
	size_t	n = 0;

	if (ws->bev != NULL)
		n += evbuffer_get_length(bufferevent_get_output(ws->bev));
	if (ws->wslay != NULL)
		n += wslay_event_get_queued_msg_length(ws->wslay);
	return (n);
}

size_t
ws_get_pending(struct ws *ws)
{
	SSL	*ssl;
	size_t	 n = 0;
	int	 fd, kernel;

	if (ws->bev == NULL)
		return (0);
	n = evbuffer_get_length(bufferevent_get_input(ws->bev));
	if ((ssl = bufferevent_openssl_get_ssl(ws->bev)) != NULL)
		n += (size_t)SSL_pending(ssl);
	if ((fd = bufferevent_getfd(ws->bev)) != -1 &&
	    ioctl(fd, FIONREAD, &kernel) == 0 && kernel > 0)
		n += (size_t)kernel;
	return (n);
}

void
ws_close(struct ws *ws, uint16_t code, const char *reason)
{
	size_t	len = reason != NULL ? strlen(reason) : 0;

	if (ws->freeing || ws->state >= WS_CLOSING)
		return;
	if (ws->state != WS_OPEN) {
		ws_drop_transport(ws);
		ws_end_error(ws, WS_ERR_EOF, "%s: closed by us before the "
		    "upgrade finished", ws->name);
		return;
	}
	if (len > 123)
		len = 123;	/* a control frame holds 125 bytes */
	if (wslay_event_queue_close(ws->wslay, code, (const uint8_t *)reason,
	    len) != 0) {
		ws_drop_transport(ws);
		ws_end_error(ws, WS_ERR_PROTOCOL, "%s: cannot send close %u",
		    ws->name, code);
		return;
	}
	ws_set_state(ws, WS_CLOSING);
	event_del(ws->ping);
	evtimer_del(ws->pong);
	ws_timer_start(ws, ws->opts.close_timeout_ms);
	ws_io_flush(ws);
}

void
ws_pause(struct ws *ws)
{
	ws->paused = 1;
	ws->rd_lazy = 0;
	if (ws->bev != NULL)
		bufferevent_disable(ws->bev, EV_READ);
}

void
ws_resume(struct ws *ws)
{
	if (!ws->paused)
		return;
	ws->paused = 0;
	ws->pong_armed = 0;	/* we were not listening: start afresh */
	evtimer_del(ws->pong);
	if (ws->bev != NULL && ws->state < WS_ENDING &&
	    ws->state != WS_REQUEST) {
		/*
		 * An open WebSocket reads what waits first, and watches the
		 * socket again only if that read did not pause it anew (io.c):
		 * a paced session's holds follow one another, and each would
		 * otherwise cost two epoll_ctl calls for nothing.
		 */
		if (ws->state == WS_OPEN)
			ws->rd_lazy = 1;
		else
			bufferevent_enable(ws->bev, EV_READ);
		ws_kick(ws);	/* bytes may be waiting already */
	}
}

void
ws_free(struct ws *ws)
{
	if (ws == NULL || ws->freeing)
		return;
	ws->freeing = 1;
	if (ws->depth > 0) {
		/* Inside our callbacks: go quiet now, free on the way out. */
		ws_drop_transport(ws);
		if (ws->wslay != NULL)
			wslay_event_shutdown_read(ws->wslay);
		return;
	}
	ws_destroy(ws);
}

int
ws_is_open(struct ws *ws)
{
	return (ws->state == WS_OPEN && !ws->freeing);
}

int
ws_get_http_status(struct ws *ws)
{
	return (ws->http_status);
}

void
ws_get_stats(struct ws *ws, struct ws_stats *st)
{
	*st = ws->stats;
}
