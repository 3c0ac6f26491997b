/*
 * ws_int.h: what ws.c (the object: states, timers, close, free) and io.c
 * (frames, keep-alive) share with the side that gets a WebSocket to its
 * upgrade: client.c (connect and upgrade) in the daemon, and
 * tests/lib/ws_server.c (accept and answer) for the emulator and the
 * tests. Not for other use: ws.h is the contract.
 */
#ifndef WS_INT_H
#define WS_INT_H

#include <sys/socket.h>

#include <event2/util.h>
#include <openssl/ssl.h>
#include <wslay/wslay.h>

#include "ws.h"
#include "ws_http.h"

struct evbuffer_iovec;
struct evdns_getaddrinfo_request;
struct event;

/* States only move forward; ws_set_state() logs each step. */
enum ws_state {
	WS_RESOLVING,	/* client: DNS for the host or the proxy */
	WS_CONNECTING,	/* client: TCP connect, address by address */
	WS_PROXY,	/* client: CONNECT sent, waiting for the proxy */
	WS_TLS,		/* TLS handshake */
	WS_UPGRADE,	/* client: request sent; server: reading it */
	WS_REQUEST,	/* server: request handed over, no answer yet */
	WS_OPEN,	/* messages flow */
	WS_CLOSING,	/* our close frame is out; waiting for the peer's */
	WS_ENDING,	/* outcome known; writing the last bytes */
	WS_DONE,	/* outcome reported; transport gone */
};

#define WS_MAX_ADDRS	8
#define WS_MASK_POOL	256

/*
 * What one side does differently. ws.c calls these instead of asking
 * which side it is, so that a program links only the side it makes: the
 * daemon the client, the emulator both.
 */
struct ws_ops {
	/* wslay's context for this side (its masking and checks). */
	int	(*wslay_init)(wslay_event_context_ptr *,
		    const struct wslay_event_callbacks *, void *);
	int	 mask;		/* our data frames are masked (client) */
	/* From the first kick, in WS_RESOLVING; NULL if never there. */
	void	(*start)(struct ws *);
	/* Input before the WebSocket is open (WS_PROXY, WS_UPGRADE). */
	void	(*read)(struct ws *);
	/* The TLS handshake finished. */
	void	(*tls_done)(struct ws *);
	/* Drop what only this side holds; the transport is going. */
	void	(*cleanup)(struct ws *);
};

extern const struct ws_ops ws_client_ops;

struct ws {
	uint64_t		 id;
	enum ws_state		 state;
	const struct ws_ops	*ops;
	struct event_base	*base;
	struct ws_options	 opts;		/* defaults filled in */
	struct ws_cb		 cb;
	void			*arg;
	char			*name;		/* "host:port/path" */
	int			 depth;		/* in our callbacks */
	int			 freeing;

	struct bufferevent	*bev;
	struct event		*timer;		/* this step's deadline */
	struct event		*ping;		/* keep-alive */
	struct event		*pong;		/* dead-peer deadline */
	struct event		*kick;		/* deferred work */

	/* Client connect path. */
	struct ws_url		 url;
	struct ws_url		 proxy_url;
	int			 use_proxy;
	int			 started;	/* ws_client_start ran */
	char			*proxy;
	struct ws_header	*headers;	/* owned copies */
	size_t			 nheaders;
	struct evdns_base	*dns;
	struct evdns_getaddrinfo_request *dnsreq;
	struct sockaddr_storage	 addrs[WS_MAX_ADDRS];
	socklen_t		 addrlens[WS_MAX_ADDRS];
	size_t			 naddrs;
	size_t			 nextaddr;
	int			 fd;		/* while connecting */
	struct event		*connev;
	char			*connerr;	/* last address's error */
	SSL			*ssl;		/* until a bev owns it */
	char			 key[WS_HTTP_KEY_LEN + 1];
	size_t			 head_scan;	/* search from here */
	int			 http_status;	/* upgrade answer */
	char			 http_reason[64];
	size_t			 body_want;	/* refusal body */
	int			 peer_eof;

	/* Server. */
	struct ws_http_msg	 req;

	/* Framing. */
	wslay_event_context_ptr	 wslay;
	struct evbuffer		*msgbuf;	/* joining fragments */
	uint8_t			 msg_opcode;
	uint64_t		 msg_len;
	uint64_t		 frame_len;
	int			 frame_fin;
	int			 in_ctrl;
	int			 too_big;
	uint64_t		 too_big_len;
	const uint8_t		*direct;	/* a message in one chunk */
	size_t			 direct_len;
	uint8_t			 mask[WS_MASK_POOL];
	size_t			 mask_off;
	int			 mute;		/* a test's ws_set_mute */
	int			 paused;
	int			 rd_lazy;	/* resumed; read events still off */
	int			 in_recv;
	SSL			*rd_ssl;	/* TLS records read by us */
	size_t			 rd_turn;	/* bytes, this turn */
	int			 rd_end;	/* SSL_get_error() that ended */
	int			 rd_errno;
	unsigned long		 rd_err;	/* OpenSSL's reason, or 0 */
	int			 above_low;
	size_t			 out_room;	/* in the last chain */

	/* Keep-alive. */
	uint64_t		 rx_frames;
	uint64_t		 ping_rx_frames; /* at the ping */
	int			 pong_armed;

	/* Close. */
	int			 close_received;
	uint16_t		 peer_code;
	char			 peer_reason[124];

	/* The outcome reported once WS_ENDING has written its bytes. */
	int			 end_is_error;
	enum ws_error		 end_err;
	char			*end_cause;
	uint16_t		 end_code;
	int			 end_clean;

	struct ws_stats		 stats;
};

/* ws.c */
struct ws	*ws_new(struct event_base *, const struct ws_ops *,
		    const struct ws_options *, const struct ws_cb *, void *);
void		 ws_set_state(struct ws *, enum ws_state);
void		 ws_drop_transport(struct ws *);
void		 ws_enter(struct ws *);
void		 ws_leave(struct ws *);
void		 ws_timer_start(struct ws *, uint32_t ms);
void		 ws_attach(struct ws *, struct bufferevent *);
void		 ws_fail(struct ws *, enum ws_error, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		 ws_end_error(struct ws *, enum ws_error, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
int		 ws_read_head(struct ws *, struct ws_http_msg *,
		    int (*)(const char *, size_t, struct ws_http_msg *,
		    char **), char **);
void		 ws_end_close(struct ws *);
void		 ws_kick(struct ws *);
void		 ws_transport_lost(struct ws *, short);
const char	*ws_step_name(enum ws_state);

/* io.c */
void		 ws_io_open(struct ws *);
void		 ws_io_read(struct ws *);
void		 ws_io_flush(struct ws *);
void		 ws_io_note_queued(struct ws *);
void		 ws_io_ping_cb(evutil_socket_t, short, void *);
void		 ws_io_pong_cb(evutil_socket_t, short, void *);
uint8_t		*ws_io_begin(struct ws *, enum ws_type, size_t,
		    uint8_t *, struct evbuffer_iovec *, size_t *);
void		 ws_io_end(struct ws *, struct evbuffer_iovec *,
		    size_t);

#endif /* WS_INT_H */
