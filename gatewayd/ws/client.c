/*
 * The client's way to an open WebSocket, one step at a time, each under a
 * timer: resolve the host (or the proxy) with evdns, connect to each
 * address in turn, ask an HTTP proxy to CONNECT if there is one, start
 * TLS with SNI and host name checks, send the upgrade and check the 101.
 * From there ws.c takes over. The URL's path and query are never decoded
 * or rebuilt, and never logged: presigned URLs carry signatures there.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "log.h"
#include "tls.h"
#include "ws_int.h"
#include "xmalloc.h"

/* The most of a refusal's body that goes into the cause. */
#define WS_CLIENT_BODY_MAX	512

static void	ws_client_connect_next(struct ws *);
static void	ws_client_start_transport(struct ws *);
static void	ws_client_send_upgrade(struct ws *);

/* Copy the caller's extra headers, checking each. */
static int
ws_client_copy_headers(struct ws *ws, const struct ws_options *opts,
    char **cause)
{
	size_t	i;

	if (opts->nheaders == 0)
		return (0);
	ws->headers = xcalloc(opts->nheaders, sizeof *ws->headers);
	for (i = 0; i < opts->nheaders; i++) {
		if (ws_http_check_header(&opts->headers[i], cause) != 0)
			return (-1);
		ws->headers[i].name = xstrdup(opts->headers[i].name);
		ws->headers[i].value = xstrdup(opts->headers[i].value);
		ws->nheaders++;
	}
	return (0);
}

/*
 * The part of a new client common to both ways of making one; *opts is
 * pointed at empty options if it is NULL.
 */
static struct ws *
ws_client_setup(struct event_base *base, const char *url,
    const struct ws_options **optsp, const struct ws_cb *cb, void *arg,
    char **cause)
{
	static const struct ws_options	 none;
	const struct ws_options		*opts;
	struct ws			*ws;
	char				*path;

	if (*optsp == NULL)
		*optsp = &none;
	opts = *optsp;
	ws = ws_new(base, &ws_client_ops, opts, cb, arg);
	if (ws_http_url_parse(url, 0, &ws->url, cause) != 0)
		goto fail;
	if (!ws->url.tls && !(ws->opts.flags & WS_ALLOW_PLAIN)) {
		xasprintf(cause, "ws:// (no TLS) is for tests only; use "
		    "wss://");
		goto fail;
	}
	if (ws_client_copy_headers(ws, opts, cause) != 0)
		goto fail;
	/* The name for logs stops before the query. */
	path = xstrndup(ws->url.target, strcspn(ws->url.target, "?"));
	xasprintf(&ws->name, "%s%s", ws->url.authority, path);
	free(path);
	return (ws);

fail:
	ws_free(ws);
	return (NULL);
}

/* Check what connecting needs: the proxy URL, TLS, a way to resolve. */
static int
ws_client_prepare(struct ws *ws, const struct ws_options *opts,
    char **cause)
{
	const char		*host;
	struct evutil_addrinfo	 hints, *res;

	if (opts->proxy != NULL) {
		if (ws_http_url_parse(opts->proxy, 1, &ws->proxy_url,
		    cause) != 0)
			return (-1);
		ws->use_proxy = 1;
	}
	if (ws->url.tls) {
		if (opts->tls == NULL) {
			xasprintf(cause, "wss:// needs a TLS context");
			return (-1);
		}
		ws->ssl = tls_client_ssl_new(opts->tls, ws->url.host, cause);
		if (ws->ssl == NULL)
			return (-1);
	}
	host = ws->use_proxy ? ws->proxy_url.host : ws->url.host;
	ws->dns = opts->dns;
	if (ws->dns != NULL)
		return (0);
	memset(&hints, 0, sizeof hints);
	hints.ai_flags = EVUTIL_AI_NUMERICHOST;
	if (evutil_getaddrinfo(host, NULL, &hints, &res) != 0) {
		xasprintf(cause, "host %s is a name but no resolver was given",
		    host);
		return (-1);
	}
	evutil_freeaddrinfo(res);
	return (0);
}

struct ws *
ws_client_new(struct event_base *base, const char *url,
    const struct ws_options *opts, const struct ws_cb *cb, void *arg,
    char **cause)
{
	struct ws	*ws;

	if ((ws = ws_client_setup(base, url, &opts, cb, arg, cause)) == NULL)
		return (NULL);
	if (ws_client_prepare(ws, opts, cause) != 0) {
		ws_free(ws);
		return (NULL);
	}
	ws_kick(ws);	/* no callback may run before we return */
	return (ws);
}

struct ws *
ws_client_new_bev(struct event_base *base, struct bufferevent *bev,
    const char *url, const struct ws_options *opts, const struct ws_cb *cb,
    void *arg, char **cause)
{
	struct ws	*ws;

	if ((ws = ws_client_setup(base, url, &opts, cb, arg, cause)) == NULL) {
		bufferevent_free(bev);
		return (NULL);
	}
	ws_attach(ws, bev);
	ws_client_send_upgrade(ws);
	return (ws);
}

/* Keep the addresses DNS gave, in its order. */
static void
ws_client_take_addrs(struct ws *ws, struct evutil_addrinfo *res)
{
	struct evutil_addrinfo	*ai;

	for (ai = res; ai != NULL && ws->naddrs < WS_MAX_ADDRS;
	    ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof ws->addrs[0])
			continue;
		memcpy(&ws->addrs[ws->naddrs], ai->ai_addr, ai->ai_addrlen);
		ws->addrlens[ws->naddrs] = ai->ai_addrlen;
		ws->naddrs++;
	}
}

static void
ws_client_dns_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct ws	*ws = arg;

	/* A cancelled lookup's object may be gone: touch nothing. */
	if (result == EVUTIL_EAI_CANCEL) {
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	ws_enter(ws);
	ws->dnsreq = NULL;
	if (result != 0)
		ws_fail(ws, WS_ERR_DNS, "%s: cannot resolve %s: %s", ws->name,
		    ws->use_proxy ? ws->proxy_url.host : ws->url.host,
		    evutil_gai_strerror(result));
	else {
		ws_client_take_addrs(ws, res);
		evutil_freeaddrinfo(res);
		ws_client_connect_next(ws);
	}
	ws_leave(ws);
}

/* Step one (from the kick event): resolve the host or the proxy. */
static void
ws_client_start(struct ws *ws)
{
	struct evutil_addrinfo		 hints, *res;
	struct evdns_getaddrinfo_request *req;
	struct ws_url			*u;
	char				 port[8];
	int				 r;

	u = ws->use_proxy ? &ws->proxy_url : &ws->url;
	snprintf(port, sizeof port, "%u", u->port);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	ws_timer_start(ws, ws->opts.connect_timeout_ms);
	if (ws->dns == NULL) {
		hints.ai_flags = EVUTIL_AI_NUMERICHOST;
		r = evutil_getaddrinfo(u->host, port, &hints, &res);
		ws_client_dns_cb(r, r == 0 ? res : NULL, ws);
		return;
	}
	req = evdns_getaddrinfo(ws->dns, u->host, port, &hints,
	    ws_client_dns_cb, ws);
	/* NULL: the callback already ran (numeric or cached host). */
	if (req != NULL && ws->state == WS_RESOLVING && !ws->freeing)
		ws->dnsreq = req;
}

/* Put each address in words for the log. */
static void
ws_client_addr_str(const struct sockaddr_storage *ss, char *buf,
    size_t len)
{
	const void	*a;
	char		 host[64];
	unsigned	 port;

	if (ss->ss_family == AF_INET6) {
		a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	} else {
		a = &((const struct sockaddr_in *)ss)->sin_addr;
		port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	}
	if (evutil_inet_ntop(ss->ss_family, a, host, sizeof host) == NULL)
		strlcpy(host, "?", sizeof host);
	snprintf(buf, len, ss->ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
	    host, port);
}

/* Drop the socket being connected, if any. */
static void
ws_client_close_socket(struct ws *ws)
{
	if (ws->connev != NULL) {
		event_free(ws->connev);
		ws->connev = NULL;
	}
	if (ws->fd != -1) {
		close(ws->fd);
		ws->fd = -1;
	}
}

/* Record why the current address failed and close its socket. */
static void
ws_client_addr_failed(struct ws *ws, int error)
{
	char	addr[96];

	ws_client_addr_str(&ws->addrs[ws->nextaddr - 1], addr, sizeof addr);
	free(ws->connerr);
	xasprintf(&ws->connerr, "%s: %s", addr, strerror(error));
	log_debug("ws %llu: connect to %s failed: %s",
	    (unsigned long long)ws->id, addr, strerror(error));
	ws_client_close_socket(ws);
}

/* The socket is connected: go on to the proxy, TLS or the upgrade. */
static void
ws_client_connected(struct ws *ws)
{
	struct bufferevent	*bev;
	int			 one = 1;
	char			*hostport;

	if (ws->connev != NULL) {
		event_free(ws->connev);
		ws->connev = NULL;
	}
	setsockopt(ws->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (!ws->use_proxy) {
		ws_client_start_transport(ws);
		return;
	}
	/* The fd stays ours: it moves to the TLS bufferevent afterwards. */
	if ((bev = bufferevent_socket_new(ws->base, ws->fd, 0)) == NULL)
		fatalx("ws: out of memory");
	ws_set_state(ws, WS_PROXY);
	ws_attach(ws, bev);
	xasprintf(&hostport, "%s%s%s:%u", strchr(ws->url.host, ':') ? "[" :
	    "", ws->url.host, strchr(ws->url.host, ':') ? "]" : "",
	    ws->url.port);
	ws_http_write_connect(bufferevent_get_output(bev), hostport,
	    ws->proxy_url.user, ws->proxy_url.pass);
	free(hostport);
}

/* A non-blocking connect finished. */
static void
ws_client_connect_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws	*ws = arg;
	int		 error = 0;
	socklen_t	 len = sizeof error;

	ws_enter(ws);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
		error = errno;
	if (error != 0) {
		ws_client_addr_failed(ws, error);
		ws_client_connect_next(ws);
	} else
		ws_client_connected(ws);
	ws_leave(ws);
}

/* Try the next address, or fail with the last one's reason. */
static void
ws_client_connect_next(struct ws *ws)
{
	struct sockaddr	*sa;
	int		 fd;

	ws_set_state(ws, WS_CONNECTING);
	while (ws->nextaddr < ws->naddrs) {
		sa = (struct sockaddr *)&ws->addrs[ws->nextaddr];
		fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		ws->nextaddr++;
		if (fd == -1) {
			ws_client_addr_failed(ws, errno);
			continue;
		}
		ws->fd = fd;
		if (connect(fd, sa, ws->addrlens[ws->nextaddr - 1]) == 0) {
			ws_client_connected(ws);
			return;
		}
		if (errno == EINPROGRESS) {
			ws->connev = event_new(ws->base, fd, EV_WRITE,
			    ws_client_connect_cb, ws);
			if (ws->connev == NULL)
				fatalx("ws: out of memory");
			event_add(ws->connev, NULL);
			return;
		}
		ws_client_addr_failed(ws, errno);
	}
	ws_fail(ws, WS_ERR_CONNECT, "%s: cannot connect%s%s: %s", ws->name,
	    ws->use_proxy ? " to proxy " : "", ws->use_proxy ?
	    ws->proxy_url.authority : "", ws->connerr != NULL ? ws->connerr :
	    "no usable address");
}

/* TCP (and proxy) done: start TLS, or go straight to the upgrade. */
static void
ws_client_start_transport(struct ws *ws)
{
	struct bufferevent	*bev;

	if (!ws->url.tls) {
		bev = bufferevent_socket_new(ws->base, ws->fd,
		    BEV_OPT_CLOSE_ON_FREE);
		if (bev == NULL)
			fatalx("ws: out of memory");
		ws->fd = -1;
		ws_attach(ws, bev);
		ws_client_send_upgrade(ws);
		return;
	}
	bev = bufferevent_openssl_socket_new(ws->base, ws->fd, ws->ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		fatalx("ws: cannot make TLS bufferevent");
	ws->fd = -1;
	ws->ssl = NULL;
	ws_set_state(ws, WS_TLS);
	ws_timer_start(ws, ws->opts.tls_timeout_ms);
	ws_attach(ws, bev);
}

static void
ws_client_tls_done(struct ws *ws)
{
	SSL	*ssl = bufferevent_openssl_get_ssl(ws->bev);

	log_debug("ws %llu: %s: %s %s", (unsigned long long)ws->id, ws->name,
	    SSL_get_version(ssl), SSL_get_cipher_name(ssl));
	ws_client_send_upgrade(ws);
}

/* Send the upgrade request; the answer must come in time. */
static void
ws_client_send_upgrade(struct ws *ws)
{
	ws_http_make_key(ws->key);
	ws_http_write_request(bufferevent_get_output(ws->bev), ws->url.target,
	    ws->url.authority, ws->key, ws->headers, ws->nheaders);
	ws_set_state(ws, WS_UPGRADE);
	ws_timer_start(ws, ws->opts.upgrade_timeout_ms);
}

/* The proxy answered CONNECT: on 2xx, hand the socket to TLS. */
static void
ws_client_read_proxy(struct ws *ws)
{
	struct ws_http_msg	 m;
	char			*cause;
	int			 r, status;

	if ((r = ws_read_head(ws, &m, ws_http_parse_response, &cause)) == 0)
		return;
	if (r < 0) {
		ws_fail(ws, WS_ERR_PROXY, "%s: proxy %s: %s", ws->name,
		    ws->proxy_url.authority, cause);
		free(cause);
		return;
	}
	status = m.status;
	ws_http_msg_clear(&m);
	if (status < 200 || status > 299) {
		ws_fail(ws, WS_ERR_PROXY, "%s: proxy %s refused CONNECT with "
		    "HTTP %d", ws->name, ws->proxy_url.authority, status);
		return;
	}
	if (evbuffer_get_length(bufferevent_get_input(ws->bev)) != 0) {
		ws_fail(ws, WS_ERR_PROXY, "%s: proxy %s sent bytes after its "
		    "answer", ws->name, ws->proxy_url.authority);
		return;
	}
	ws->fd = bufferevent_getfd(ws->bev);
	/* Made without BEV_OPT_CLOSE_ON_FREE: the fd stays open. */
	bufferevent_free(ws->bev);
	ws->bev = NULL;
	ws_client_start_transport(ws);
}

/* Keep printable ASCII of untrusted text for a log line. */
static void
ws_client_printable(char *s)
{
	for (; *s != '\0'; s++) {
		if ((u_char)*s < 0x20 || (u_char)*s > 0x7e)
			*s = '?';
	}
}

/*
 * A non-101 answer: wait (under the upgrade timer) for up to
 * WS_CLIENT_BODY_MAX bytes of the body it announced, then fail with the
 * status and the start of the body, which usually says why.
 */
static void
ws_client_refused(struct ws *ws, int now)
{
	struct evbuffer	*in = bufferevent_get_input(ws->bev);
	size_t		 have = evbuffer_get_length(in);
	char		 body[WS_CLIENT_BODY_MAX + 1];

	if (!now && have < ws->body_want)
		return;
	if (have > WS_CLIENT_BODY_MAX)
		have = WS_CLIENT_BODY_MAX;
	evbuffer_copyout(in, body, have);
	body[have] = '\0';
	ws_client_printable(body);
	ws_fail(ws, WS_ERR_HTTP, "%s: upgrade refused: HTTP %d %s%s%s",
	    ws->name, ws->http_status, ws->http_reason, have > 0 ? ": " : "",
	    body);
}

/* Note the status of an answer and how much of its body to wait for. */
static void
ws_client_note_status(struct ws *ws, const struct ws_http_msg *m)
{
	const char	*cl;
	char		*ep;
	unsigned long	 n;

	ws->http_status = m->status;
	strlcpy(ws->http_reason, m->reason, sizeof ws->http_reason);
	ws_client_printable(ws->http_reason);
	ws->body_want = 0;
	if ((cl = ws_http_get(m, "Content-Length")) != NULL) {
		n = strtoul(cl, &ep, 10);
		if (*cl != '\0' && *ep == '\0')
			ws->body_want = n < WS_CLIENT_BODY_MAX ? n :
			    WS_CLIENT_BODY_MAX;
	}
}

/* Bytes arrived during the proxy or upgrade steps. */
static void
ws_client_read(struct ws *ws)
{
	struct ws_http_msg	 m;
	char			*cause;
	int			 r;

	if (ws->state == WS_PROXY) {
		ws_client_read_proxy(ws);
		return;
	}
	if (ws->http_status != 0) {
		ws_client_refused(ws, ws->peer_eof ||
		    !evtimer_pending(ws->timer, NULL));
		return;
	}
	if ((r = ws_read_head(ws, &m, ws_http_parse_response, &cause)) == 0)
		return;
	if (r < 0) {
		ws_fail(ws, WS_ERR_HANDSHAKE, "%s: %s", ws->name, cause);
		free(cause);
		return;
	}
	ws_client_note_status(ws, &m);
	if (m.status != 101) {
		ws_http_msg_clear(&m);
		ws_client_refused(ws, 0);
		return;
	}
	r = ws_http_check_response(&m, ws->key, &cause);
	ws_http_msg_clear(&m);
	if (r != 0) {
		ws_fail(ws, WS_ERR_HANDSHAKE, "%s: bad upgrade answer: %s",
		    ws->name, cause);
		free(cause);
		return;
	}
	ws_io_open(ws);
	if (ws->cb.open != NULL)
		ws->cb.open(ws, ws->arg);
	/* Frames may have come in with the 101. */
	if (!ws->freeing && (ws->state == WS_OPEN ||
	    ws->state == WS_CLOSING) &&
	    evbuffer_get_length(bufferevent_get_input(ws->bev)) > 0)
		ws_io_read(ws);
}

/* Release what only the connect path holds. */
static void
ws_client_cleanup(struct ws *ws)
{
	struct evdns_getaddrinfo_request	*req = ws->dnsreq;

	if (req != NULL) {
		ws->dnsreq = NULL;
		evdns_getaddrinfo_cancel(req);
	}
	ws_client_close_socket(ws);
	if (ws->ssl != NULL) {
		SSL_free(ws->ssl);
		ws->ssl = NULL;
	}
	free(ws->connerr);
	ws->connerr = NULL;
}

const struct ws_ops ws_client_ops = {
	.wslay_init = wslay_event_context_client_init,
	.mask = 1,
	.start = ws_client_start,
	.read = ws_client_read,
	.tls_done = ws_client_tls_done,
	.cleanup = ws_client_cleanup,
};
