/*
 * Fuzz the WebSocket code through its real driver over an in-memory
 * bufferevent pair. The first byte picks what the rest is:
 *   '0' (mod 3 == 0): the server's answer to our client's upgrade, then
 *       whatever follows; "@ACCEPT@" is replaced by the right
 *       Sec-WebSocket-Accept so that inputs can get past the check;
 *   '1': the frame stream after a valid 101;
 *   '2': what a client sends our server: the request, then frames.
 * Messages are echoed back to exercise sending. Everything is freed.
 */

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "fuzz.h"
#include "log.h"
#include "ws.h"
#include "ws_http.h"
#include "ws_server.h"
#include "xmalloc.h"

#define FUZZ_WS_ROUNDS	64

static void
fuzz_ws_message_cb(struct ws *ws, enum ws_type type, const uint8_t *data,
    size_t len, void *arg)
{
	if (type == WS_TEXT)
		ws_send_text(ws, data, len);
	else
		ws_send_binary(ws, data, len);
	if (len == 5 && memcmp(data, "close", 5) == 0)
		ws_close(ws, 1000, "asked to");
}

static void
fuzz_ws_request_cb(struct ws *ws, const struct ws_http_msg *req, void *arg)
{
	if (strstr(req->target, "reject") != NULL)
		ws_server_reject(ws, 403, "no");
	else
		ws_server_accept(ws, NULL, 0);
}

static const struct ws_cb fuzz_ws_cb = {
	NULL, fuzz_ws_message_cb, NULL, NULL, NULL, fuzz_ws_request_cb, NULL
};

/* Copy data to out with every "@ACCEPT@" replaced by accept. */
static void
fuzz_ws_substitute(struct evbuffer *out, const uint8_t *data, size_t len,
    const char *accept)
{
	static const char	 mark[] = "@ACCEPT@";
	size_t			 i, start = 0, m = sizeof mark - 1;

	for (i = 0; i + m <= len; i++) {
		if (memcmp(data + i, mark, m) != 0)
			continue;
		evbuffer_add(out, data + start, i - start);
		evbuffer_add(out, accept, strlen(accept));
		start = i + m;
		i += m - 1;
	}
	evbuffer_add(out, data + start, len - start);
}

/* The key our client put in its request, now in the peer's input. */
static void
fuzz_ws_accept_for(struct evbuffer *in, char accept[WS_HTTP_ACCEPT_LEN + 1])
{
	struct evbuffer_ptr	 end;
	struct ws_http_msg	 m;
	const char		*key;
	char			*cause;

	strlcpy(accept, "none", WS_HTTP_ACCEPT_LEN + 1);
	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos == -1)
		return;
	if (ws_http_parse_request((char *)evbuffer_pullup(in, end.pos + 4),
	    end.pos + 4, &m, &cause) != 0) {
		free(cause);
		return;
	}
	if ((key = ws_http_get(&m, "Sec-WebSocket-Key")) != NULL)
		ws_http_accept(key, accept);
	ws_http_msg_clear(&m);
	evbuffer_drain(in, end.pos + 4);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static int		 ready;
	struct event_base	*base;
	struct bufferevent	*pair[2];
	struct ws		*ws;
	struct ws_options	 o;
	struct evbuffer		*peer_out;
	char			 accept[WS_HTTP_ACCEPT_LEN + 1], *cause;
	int			 mode, i;

	if (len < 1)
		return (0);
	if (!ready) {
		log_init("fuzz_ws", getenv("FUZZ_DEBUG") != NULL ?
		    LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
		ready = 1;
	}
	mode = data[0] % 3;
	data++;
	len--;

	base = event_base_new();
	bufferevent_pair_new(base, BEV_OPT_CLOSE_ON_FREE |
	    BEV_OPT_DEFER_CALLBACKS, pair);
	bufferevent_enable(pair[1], EV_READ | EV_WRITE);
	memset(&o, 0, sizeof o);
	o.flags = WS_ALLOW_PLAIN;
	o.max_message = 64 * 1024;
	o.max_head = 4096;
	peer_out = bufferevent_get_output(pair[1]);
	if (mode == 2) {
		ws = ws_server_new_bev(base, pair[0], &o, &fuzz_ws_cb, NULL);
		evbuffer_add(peer_out, data, len);
	} else {
		cause = NULL;
		ws = ws_client_new_bev(base, pair[0],
		    "ws://fuzz.test/v1/data-channel/x?cell-number=a+b/c==", &o,
		    &fuzz_ws_cb, NULL, &cause);
		if (ws == NULL)
			abort();
		event_base_loop(base, EVLOOP_NONBLOCK);
		fuzz_ws_accept_for(bufferevent_get_input(pair[1]), accept);
		if (mode == 1) {
			evbuffer_add_printf(peer_out, "HTTP/1.1 101 Switching "
			    "Protocols\r\nUpgrade: websocket\r\nConnection: "
			    "Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
			    accept);
			evbuffer_add(peer_out, data, len);
		} else
			fuzz_ws_substitute(peer_out, data, len, accept);
	}
	for (i = 0; i < FUZZ_WS_ROUNDS; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		evbuffer_drain(bufferevent_get_input(pair[1]),
		    evbuffer_get_length(bufferevent_get_input(pair[1])));
	}
	ws_free(ws);
	bufferevent_free(pair[1]);
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_free(base);
	return (0);
}
