/*
 * Fault knobs: a WebSocket that goes mute, or drops its connection with
 * a reset. They reach into the object (ws_int.h) rather than being part
 * of it, so that the daemon carries none of them.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#include "log.h"
#include "ws_fault.h"
#include "ws_int.h"

void
ws_set_mute(struct ws *ws, int on)
{
	ws->mute = on;
}

void
ws_abort(struct ws *ws)
{
	struct linger	 lg = { 1, 0 };
	SSL		*ssl;
	int		 fd;

	if (ws->freeing || ws->state == WS_DONE)
		return;
	if (ws->bev != NULL && (fd = bufferevent_getfd(ws->bev)) != -1) {
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		if ((ssl = bufferevent_openssl_get_ssl(ws->bev)) != NULL)
			SSL_set_quiet_shutdown(ssl, 1);
	}
	if (ws->fd != -1)
		setsockopt(ws->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	ws_drop_transport(ws);
	ws_set_state(ws, WS_DONE);
	log_debug("ws %llu: %s: aborted", (unsigned long long)ws->id,
	    ws->name);
}
