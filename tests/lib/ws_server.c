/*
 * The server's way to an open WebSocket: TLS on the accepted socket if
 * asked, read the upgrade request (bounded, under the upgrade timer),
 * refuse a malformed one by ourselves, and hand a good one to the caller,
 * who accepts it with a 101 or rejects it with a status and a body. Used
 * by the emulator and the tests (the daemon is only ever a client);
 * gatewayd's ws.c does the rest through ws_server_ops.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/util.h>

#include "log.h"
#include "tls_server.h"
#include "ws_int.h"
#include "ws_server.h"
#include "xmalloc.h"

static void	ws_server_read(struct ws *);
static void	ws_server_tls_done(struct ws *);
static void	ws_server_cleanup(struct ws *);

static const struct ws_ops ws_server_ops = {
	.wslay_init = wslay_event_context_server_init,
	.mask = 0,
	.start = NULL,
	.read = ws_server_read,
	.tls_done = ws_server_tls_done,
	.cleanup = ws_server_cleanup,
};

/* Name a server WebSocket after its peer's address. */
static void
ws_server_name(struct ws *ws, int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof ss;
	char			 host[64];
	const void		*a;
	unsigned		 port;

	if (fd == -1 || getpeername(fd, (struct sockaddr *)&ss, &len) != 0 ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)) {
		xasprintf(&ws->name, "server %llu", (unsigned long long)ws->id);
		return;
	}
	if (ss.ss_family == AF_INET6) {
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	} else {
		a = &((struct sockaddr_in *)&ss)->sin_addr;
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	if (evutil_inet_ntop(ss.ss_family, a, host, sizeof host) == NULL)
		strlcpy(host, "?", sizeof host);
	xasprintf(&ws->name, ss.ss_family == AF_INET6 ? "client [%s]:%u" :
	    "client %s:%u", host, port);
}

struct ws *
ws_server_new(struct event_base *base, int fd, struct tls_server *tls,
    const struct ws_options *opts, const struct ws_cb *cb, void *arg,
    char **cause)
{
	struct ws		*ws;
	struct bufferevent	*bev;
	SSL			*ssl = NULL;
	int			 one = 1;

	if (tls != NULL && (ssl = tls_server_ssl_new(tls, cause)) == NULL) {
		close(fd);
		return (NULL);
	}
	evutil_make_socket_nonblocking(fd);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	ws = ws_new(base, &ws_server_ops, opts, cb, arg);
	ws_server_name(ws, fd);
	if (ssl == NULL) {
		bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
		if (bev == NULL)
			fatalx("ws: out of memory");
		ws_set_state(ws, WS_UPGRADE);
		ws_timer_start(ws, ws->opts.upgrade_timeout_ms);
	} else {
		bev = bufferevent_openssl_socket_new(base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
		if (bev == NULL)
			fatalx("ws: cannot make TLS bufferevent");
		ws_set_state(ws, WS_TLS);
		ws_timer_start(ws, ws->opts.tls_timeout_ms);
	}
	ws_attach(ws, bev);
	return (ws);
}

struct ws *
ws_server_new_bev(struct event_base *base, struct bufferevent *bev,
    const struct ws_options *opts, const struct ws_cb *cb, void *arg)
{
	struct ws	*ws;

	ws = ws_new(base, &ws_server_ops, opts, cb, arg);
	ws_server_name(ws, bufferevent_getfd(bev));
	ws_set_state(ws, WS_UPGRADE);
	ws_timer_start(ws, ws->opts.upgrade_timeout_ms);
	ws_attach(ws, bev);
	return (ws);
}

static void
ws_server_tls_done(struct ws *ws)
{
	ws_set_state(ws, WS_UPGRADE);
	ws_timer_start(ws, ws->opts.upgrade_timeout_ms);
}

/* Refuse a request we cannot take, whoever the caller is. */
static void
ws_server_refuse(struct ws *ws, int status, const char *cause)
{
	struct ws_header	 h = { "Sec-WebSocket-Version", "13" };
	char			*body;

	xasprintf(&body, "%s\n", cause);
	ws_http_write_response(bufferevent_get_output(ws->bev), status, &h,
	    status == 426 ? 1 : 0, body);
	free(body);
	bufferevent_disable(ws->bev, EV_READ);
	ws_end_error(ws, WS_ERR_HANDSHAKE, "%s: refused upgrade with HTTP %d: "
	    "%s", ws->name, status, cause);
}

/* Bytes of the upgrade request arrived. */
static void
ws_server_read(struct ws *ws)
{
	char	*cause;
	int	 r, status;

	if ((r = ws_read_head(ws, &ws->req, ws_http_parse_request,
	    &cause)) == 0)
		return;
	if (r < 0 || ws_http_check_request(&ws->req, &status, &cause) != 0) {
		ws_server_refuse(ws, r < 0 ? 400 : status, cause);
		free(cause);
		return;
	}
	/* Nothing more is read until the caller answers. */
	bufferevent_disable(ws->bev, EV_READ);
	ws_set_state(ws, WS_REQUEST);
	if (ws->cb.request != NULL)
		ws->cb.request(ws, &ws->req, ws->arg);
	else
		ws_server_accept(ws, NULL, 0);
}

int
ws_server_accept(struct ws *ws, const struct ws_header *extra, size_t n)
{
	struct ws_header	*h;
	char			 accept[WS_HTTP_ACCEPT_LEN + 1], *cause;
	size_t			 i;

	if (ws->state != WS_REQUEST || ws->freeing)
		return (-1);
	for (i = 0; i < n; i++) {
		if (ws_http_check_header(&extra[i], &cause) != 0) {
			log_warnx("ws %llu: %s", (unsigned long long)ws->id,
			    cause);
			free(cause);
			return (-1);
		}
	}
	ws_http_accept(ws_http_get(&ws->req, "Sec-WebSocket-Key"), accept);
	h = xcalloc(n + 3, sizeof *h);
	h[0].name = "Upgrade";
	h[0].value = "websocket";
	h[1].name = "Connection";
	h[1].value = "Upgrade";
	h[2].name = "Sec-WebSocket-Accept";
	h[2].value = accept;
	if (n > 0)
		memcpy(h + 3, extra, n * sizeof *h);
	ws_http_write_response(bufferevent_get_output(ws->bev), 101, h, n + 3,
	    NULL);
	free(h);
	ws_http_msg_clear(&ws->req);
	ws_io_open(ws);
	if (!ws->paused)
		bufferevent_enable(ws->bev, EV_READ);
	ws_kick(ws);	/* frames may have come right behind the request */
	return (0);
}

int
ws_server_reject(struct ws *ws, int status, const char *body)
{
	if (ws->state != WS_REQUEST || ws->freeing || status < 200 ||
	    status > 599)
		return (-1);
	ws_http_write_response(bufferevent_get_output(ws->bev), status, NULL,
	    0, body != NULL ? body : "");
	ws_http_msg_clear(&ws->req);
	ws_end_error(ws, WS_ERR_HTTP, "%s: upgrade rejected with HTTP %d",
	    ws->name, status);
	return (0);
}

static void
ws_server_cleanup(struct ws *ws)
{
	ws_http_msg_clear(&ws->req);
}
