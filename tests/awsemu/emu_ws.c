/*
 * The data-channel listeners (ws and, with a certificate, wss): raw
 * accepted connections handed, as bufferevents (TLS already wrapped), to
 * the hook the data-channel side sets with emu_ws_set_accept(). Until one
 * is set, a connection gets "501 Not Implemented" and is closed. StreamUrl
 * points here (emu_session.c).
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "emu.h"
#include "log.h"
#include "xmalloc.h"

struct emu_ws_listener {
	struct evconnlistener	*lev;
	SSL_CTX			*ctx;
	int			 tls;
	int			 port;
};

static struct emu_ws_listener	*emu_ws_listeners[2];
static emu_ws_accept_cb		 emu_ws_accept;
static void			*emu_ws_accept_arg;

void
emu_ws_set_accept(emu_ws_accept_cb cb, void *arg)
{
	emu_ws_accept = cb;
	emu_ws_accept_arg = arg;
}

static void
emu_ws_close_cb(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		bufferevent_free(bev);
}

static void
emu_ws_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		bufferevent_free(bev);
}

/* No data channel yet: say so and close once written. */
static void
emu_ws_refuse(struct bufferevent *bev)
{
	static const char	 msg[] = "HTTP/1.1 501 Not Implemented\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n";
	struct timeval		 tv = { 10, 0 };

	bufferevent_setcb(bev, NULL, emu_ws_close_cb, emu_ws_event_cb, NULL);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_write(bev, msg, sizeof msg - 1);
	bufferevent_enable(bev, EV_WRITE);
}

static void
emu_ws_listener_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct emu_ws_listener	*l = arg;
	struct bufferevent	*bev;
	SSL			*ssl;

	evutil_make_socket_nonblocking(fd);
	if (l->tls) {
		if ((ssl = SSL_new(l->ctx)) == NULL) {
			log_warnx("wss: SSL_new failed");
			evutil_closesocket(fd);
			return;
		}
		bev = bufferevent_openssl_socket_new(emu.base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	} else
		bev = bufferevent_socket_new(emu.base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		log_warnx("%s: cannot make a bufferevent", l->tls ? "wss" :
		    "ws");
		evutil_closesocket(fd);
		return;
	}
	if (emu_ws_accept != NULL)
		emu_ws_accept(bev, l->tls, emu_ws_accept_arg);
	else
		emu_ws_refuse(bev);
}

int
emu_ws_listen(struct event_base *base, const char *addr, int port,
    SSL_CTX *ctx, char **cause)
{
	struct emu_ws_listener	*l;
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	int			 sslen;
	char			 text[128];

	snprintf(text, sizeof text, "%s port %d", addr, port);
	memset(&ss, 0, sizeof ss);
	if (evutil_inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sslen = sizeof *sin;
	} else if (evutil_inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sslen = sizeof *sin6;
	} else {
		xasprintf(cause, "%s: not an IP address", addr);
		return (-1);
	}
	l = xcalloc(1, sizeof *l);
	l->ctx = ctx;
	l->tls = ctx != NULL;
	l->lev = evconnlistener_new_bind(base, emu_ws_listener_cb, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 128,
	    (struct sockaddr *)&ss, sslen);
	if (l->lev == NULL) {
		xasprintf(cause, "%s %s: cannot listen", l->tls ? "wss" : "ws",
		    text);
		free(l);
		return (-1);
	}
	l->port = emu_socket_port(evconnlistener_get_fd(l->lev));
	emu_ws_listeners[l->tls] = l;
	log_info("listener %s: %s port %d", l->tls ? "wss" : "ws", addr,
	    l->port);
	return (0);
}

int
emu_ws_port(int tls)
{
	return (emu_ws_listeners[tls] != NULL ? emu_ws_listeners[tls]->port :
	    0);
}

void
emu_ws_free(void)
{
	size_t	i;

	for (i = 0; i < nitems(emu_ws_listeners); i++) {
		if (emu_ws_listeners[i] == NULL)
			continue;
		evconnlistener_free(emu_ws_listeners[i]->lev);
		free(emu_ws_listeners[i]);
		emu_ws_listeners[i] = NULL;
	}
}
