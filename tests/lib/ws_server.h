/*
 * ws_server.h: the server side of a WebSocket, for the emulator and the
 * tests; the daemon is only ever a client and does not link it. Once
 * accepted, a server WebSocket is driven with ws.h like any other:
 * callbacks (request is called here), sending, closing, freeing.
 */
#ifndef WS_SERVER_H
#define WS_SERVER_H

#include <stddef.h>

#include "ws.h"

struct bufferevent;
struct event_base;
struct tls_server;

/*
 * Serve an accepted socket: TLS with tls if not NULL, then read the
 * upgrade request and pass it to cb->request. fd is taken over.
 */
struct ws	*ws_server_new(struct event_base *, int fd,
		    struct tls_server *, const struct ws_options *,
		    const struct ws_cb *, void *arg, char **cause);
/* The same over a connected bufferevent, which is taken over. */
struct ws	*ws_server_new_bev(struct event_base *, struct bufferevent *,
		    const struct ws_options *, const struct ws_cb *,
		    void *arg);
/*
 * Answer the request: 101 with the given extra headers (the WebSocket is
 * open when this returns; there is no open callback on the server side),
 * or status with a plain text body, after which the error callback
 * reports WS_ERR_HTTP once the answer is written. Return 0, or -1 if
 * there is no request waiting or a header is bad.
 */
int		 ws_server_accept(struct ws *, const struct ws_header *,
		    size_t nheaders);
int		 ws_server_reject(struct ws *, int status, const char *body);

#endif /* WS_SERVER_H */
