/*
 * ws.h: WebSocket client (RFC 6455) on libevent bufferevents, plain or
 * TLS. The client connects to a ws:// or wss:// URL used byte for byte
 * (asynchronous DNS, optional HTTP CONNECT proxy, TLS, the upgrade, each
 * step under a timer). The server side, which takes an accepted socket,
 * is the tests' (tests/lib/ws_server.h). Both then carry binary and text
 * messages with wslay doing the framing, answer pings, send their own,
 * detect a dead peer and close cleanly.
 *
 * Callbacks are never called from inside a ws_* call: only from the event
 * loop. Exactly one of close and error ends every WebSocket (unless
 * ws_free, or a test's ws_abort, comes first); after it, nothing more is
 * called, no sends are accepted, and the socket is closed. ws_free may be
 * called from any callback, including those of the WebSocket being freed.
 */
#ifndef WS_H
#define WS_H

#include <stddef.h>
#include <stdint.h>

#include "ws_http.h"

struct bufferevent;
struct event_base;
struct evbuffer;
struct evdns_base;
struct tls_client;
struct ws;

enum ws_type {
	WS_BINARY,
	WS_TEXT,
};

/* Why a WebSocket failed (the error callback's kind). */
enum ws_error {
	WS_ERR_DNS,		/* the host name did not resolve */
	WS_ERR_CONNECT,		/* TCP connect failed (refused...) */
	WS_ERR_PROXY,		/* the proxy refused or botched CONNECT */
	WS_ERR_TLS,		/* TLS handshake or certificate failed */
	WS_ERR_HTTP,		/* a non-101 answer (ws_get_http_status),
				   or a server that refused the upgrade */
	WS_ERR_HANDSHAKE,	/* a 101 that breaks RFC 6455, or a head too
				   big or malformed */
	WS_ERR_TIMEOUT,		/* connect, TLS or upgrade too slow */
	WS_ERR_PROTOCOL,	/* a bad frame; a close frame was sent */
	WS_ERR_TOO_BIG,		/* message over max_message; 1009 sent */
	WS_ERR_DEAD,		/* nothing heard within pong_timeout */
	WS_ERR_EOF,		/* connection ended, no close frame */
	WS_ERR_IO,		/* a socket or TLS error after the upgrade */
};

struct ws_cb {
	/* Client: the upgrade succeeded; send the first frame now. */
	void	(*open)(struct ws *, void *arg);
	/*
	 * One whole message (fragments already joined). data is valid until
	 * the callback returns; len may be 0.
	 */
	void	(*message)(struct ws *, enum ws_type, const uint8_t *data,
		    size_t len, void *arg);
	/*
	 * The close handshake ended. code and reason are the peer's (1005
	 * and "" if its close frame had none); clean is 0 when we gave up
	 * waiting for its close frame (code is then 1006).
	 */
	void	(*close)(struct ws *, uint16_t code, const char *reason,
		    int clean, void *arg);
	/* It failed; cause is for the log (it never holds the query). */
	void	(*error)(struct ws *, enum ws_error, const char *cause,
		    void *arg);
	/*
	 * Optional: the queued output fell to low_watermark or below after
	 * having been above it. Resume sending.
	 */
	void	(*drained)(struct ws *, void *arg);
	/*
	 * Server only (ws_server.h): a well-formed upgrade request arrived.
	 * Answer it, now or later, with ws_server_accept or
	 * ws_server_reject (the upgrade timer runs until then). req is
	 * valid until the answer.
	 */
	void	(*request)(struct ws *, const struct ws_http_msg *req,
		    void *arg);
	/*
	 * Optional: the messages of one read are all delivered. A read takes
	 * what has come (up to a bound), so answers to them, an ack each
	 * say, can wait for this and leave together.
	 */
	void	(*read_done)(struct ws *, void *arg);
};

/* ws_options.flags */
#define WS_ALLOW_PLAIN	0x1	/* accept ws:// (tests, emulator) */
#define WS_NO_PING	0x2	/* send no pings; no dead-peer deadline */

/* Options for a new WebSocket. Zero means the default. */
struct ws_options {
	int			 flags;
	uint32_t		 connect_timeout_ms;	/* DNS+TCP+proxy 10 s */
	uint32_t		 tls_timeout_ms;	/* 10 s */
	uint32_t		 upgrade_timeout_ms;	/* 10 s */
	uint32_t		 close_timeout_ms;	/* 5 s */
	uint32_t		 ping_interval_ms;	/* 54 s */
	uint32_t		 pong_timeout_ms;	/* 60 s */
	size_t			 max_message;		/* 1 MiB */
	size_t			 max_head;		/* HTTP head 16 KiB */
	size_t			 low_watermark;		/* 64 KiB */
	size_t			 max_queue;		/* 64 MiB, hard */

	/* Client. */
	struct tls_client	*tls;		/* wss:// needs it */
	struct evdns_base	*dns;		/* NULL: IP literals */
	const char		*proxy;		/* http://[u:p@]host:port */
	const struct ws_header	*headers;	/* extra upgrade headers */
	size_t			 nheaders;
};

/* Defaults, for those who print or compare them. */
#define WS_CONNECT_TIMEOUT_MS	10000
#define WS_TLS_TIMEOUT_MS	10000
#define WS_UPGRADE_TIMEOUT_MS	10000
#define WS_CLOSE_TIMEOUT_MS	5000
#define WS_PING_INTERVAL_MS	54000
#define WS_PONG_TIMEOUT_MS	60000
#define WS_MAX_MESSAGE		(1024 * 1024)
#define WS_MAX_HEAD		(16 * 1024)
#define WS_LOW_WATERMARK	(64 * 1024)
#define WS_MAX_QUEUE		(64 * 1024 * 1024)
#define WS_PING_DATA		"keepalive"

/*
 * Connect to url (ws:// needs WS_ALLOW_PLAIN). The path and query are
 * sent exactly as given. Return the WebSocket, connecting, or NULL and
 * set *cause if url or the options are unusable. opts and what it points
 * to are copied.
 */
struct ws	*ws_client_new(struct event_base *, const char *url,
		    const struct ws_options *, const struct ws_cb *, void *arg,
		    char **cause);
/*
 * The same over a transport that is already connected (and already TLS
 * if it needs to be): bev is taken over and freed with the WebSocket.
 * The upgrade starts at once. Used by tests and fuzzers, and by callers
 * that bring their own transport.
 */
struct ws	*ws_client_new_bev(struct event_base *, struct bufferevent *,
		    const char *url, const struct ws_options *,
		    const struct ws_cb *, void *arg, char **cause);

/*
 * Queue one message. The bytes are copied (ws_send_buffer moves them out
 * of buf, which it empties). Writes never block: watch ws_get_queued()
 * and the drained callback. Return 0, or -1 if the WebSocket is not open
 * (not yet, closing, or ended) or the message would take the queue past
 * max_queue, a hard bound that back-pressure should never let it reach.
 */
int		 ws_send_binary(struct ws *, const void *, size_t);
int		 ws_send_text(struct ws *, const void *, size_t);
int		 ws_send_buffer(struct ws *, enum ws_type,
		    struct evbuffer *buf);
/* Bytes queued and not yet handed to the kernel. */
size_t		 ws_get_queued(struct ws *);
/*
 * Bytes received and not yet read as frames: in our input buffer, in
 * TLS's, and in the kernel's (one ioctl). For a reader that waits to
 * read many messages at once (ws_pause) and wants to know what came.
 */
size_t		 ws_get_pending(struct ws *);
/* The last read stopped at its bound, with more to read (io.c). */
int		 ws_read_was_cut(struct ws *);

/*
 * Start the close handshake with code and reason (up to 123 bytes): the
 * close callback follows when the peer answers or close_timeout_ms
 * passes. Before the WebSocket is open it simply fails with WS_ERR_EOF.
 * Calling it again does nothing.
 */
void		 ws_close(struct ws *, uint16_t code, const char *reason);

/* Stop reading (back-pressure to the peer) and start again. While paused
 * the dead-peer deadline is not enforced. */
void		 ws_pause(struct ws *);
void		 ws_resume(struct ws *);

/* Free the WebSocket: at once, or, inside one of its callbacks, as soon as
 * that returns. No callback is called after this. NULL is fine. */
void		 ws_free(struct ws *);

struct ws_stats {
	uint64_t	msgs_in;
	uint64_t	msgs_out;
	uint64_t	bytes_in;	/* message payload bytes */
	uint64_t	bytes_out;
	uint64_t	pings_sent;
	uint64_t	pongs_received;
	uint64_t	pings_received;
};

int		 ws_is_open(struct ws *);
/* The status of the upgrade answer (client), or 0 if none came. */
int		 ws_get_http_status(struct ws *);
void		 ws_get_stats(struct ws *, struct ws_stats *);

#endif /* WS_H */
