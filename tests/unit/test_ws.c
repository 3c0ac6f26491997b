/*
 * Unit tests for the WebSocket client and server (gatewayd/ws/,
 * tests/lib/ws_server.c) over real loopback sockets: our client against
 * our server, plain and TLS with a CA made at run time; scripted servers
 * for what our own never sends (fragments, bad answers, protocol
 * errors); a tiny CONNECT proxy; listeners that never answer. Tests wait on conditions
 * with generous deadlines; nothing here measures time.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/evp.h>
#include <wslay/wslay.h>

#include "log.h"
#include "testca.h"
#include "tls.h"
#include "tls_server.h"
#include "util.h"
#include "ws.h"
#include "ws_fault.h"
#include "ws_frame.h"
#include "ws_http.h"
#include "ws_server.h"
#include "xmalloc.h"

#define DEADLINE_MS	30000		/* generous: sanitizers are slow */

static struct event_base	*base;
static struct evdns_base	*dns;
static char			 tmpdir[] = "/tmp/test_ws.XXXXXX";
static struct testca		*ca, *ca_other;
static struct tls_client	*tls_good, *tls_wrong;
static struct tls_server	*srv_good, *srv_wronghost, *srv_expired;
static struct tls_server	*srv_backend;

/* What one end of a WebSocket saw, and what it should do. */
#define PEER_LOG	16
struct peer {
	struct ws	*ws;
	int		 opened;
	int		 closed;
	int		 failed;
	int		 drained;
	int		 requests;
	uint16_t	 code;
	char		 reason[128];
	int		 clean;
	enum ws_error	 err;
	char		 cause[1024];
	int		 msgs;
	int		 text_msgs;
	uint64_t	 bytes;
	EVP_MD_CTX	*sha;			/* of every message received */
	struct evbuffer	*log[PEER_LOG];		/* the first messages */
	enum ws_type	 logtype[PEER_LOG];

	/* Behaviour. */
	int		 echo;
	int		 reject;		/* server: refuse so */
	int		 after_accept;		/* server: do at once */
#define AFTER_NONE	0
#define AFTER_MUTE	1
#define AFTER_CLOSE	2
#define AFTER_ABORT	3
#define AFTER_SEND_BIG	4
	int		 free_on;		/* free in this callback */
#define FREE_ON_OPEN	1
#define FREE_ON_MESSAGE	2
#define FREE_ON_ERROR	3
#define FREE_ON_REQUEST	4
	size_t		 big;			/* AFTER_SEND_BIG */
	struct ws_options opts;			/* server side */
	struct tls_server *tls;

	/* The request the server saw. */
	char		*target;
	char		*hdr[8];
};
static const char *peer_hdrs[8] = {
	"Host", "Authorization", "X-Amz-Date", "X-Amz-Security-Token",
	"User-Agent", NULL
};

static void
peer_init(struct peer *p)
{
	memset(p, 0, sizeof *p);
	p->sha = EVP_MD_CTX_new();
	EVP_DigestInit_ex(p->sha, EVP_sha256(), NULL);
}

static void
peer_clear(struct peer *p)
{
	int	i;

	ws_free(p->ws);
	EVP_MD_CTX_free(p->sha);
	for (i = 0; i < PEER_LOG; i++) {
		if (p->log[i] != NULL)
			evbuffer_free(p->log[i]);
	}
	free(p->target);
	for (i = 0; i < 8; i++)
		free(p->hdr[i]);
	memset(p, 0, sizeof *p);
}

static void
peer_digest(struct peer *p, uint8_t out[32])
{
	unsigned int	len;

	EVP_DigestFinal_ex(p->sha, out, &len);
}

static void
peer_open_cb(struct ws *ws, void *arg)
{
	struct peer	*p = arg;

	p->opened++;
	if (p->free_on == FREE_ON_OPEN) {
		ws_free(ws);
		p->ws = NULL;
	}
}

/* Send data with ws_send_buffer from a buffer of several chains. */
static int
send_in_pieces(struct ws *ws, enum ws_type type, const uint8_t *data,
    size_t len)
{
	struct evbuffer	*buf = evbuffer_new();
	size_t		 cut1 = len / 3, cut2 = 2 * len / 3;
	int		 r;

	evbuffer_add_reference(buf, data, cut1, NULL, NULL);
	evbuffer_add(buf, data + cut1, cut2 - cut1);
	evbuffer_add_reference(buf, data + cut2, len - cut2, NULL, NULL);
	r = ws_send_buffer(ws, type, buf);
	assert_int_equal(evbuffer_get_length(buf), r == 0 ? 0 : len);
	evbuffer_free(buf);
	return (r);
}

static void
peer_message_cb(struct ws *ws, enum ws_type type, const uint8_t *data,
    size_t len, void *arg)
{
	struct peer	*p = arg;

	assert_non_null(data);
	if (p->msgs < PEER_LOG) {
		p->log[p->msgs] = evbuffer_new();
		evbuffer_add(p->log[p->msgs], data, len);
		p->logtype[p->msgs] = type;
	}
	p->msgs++;
	if (type == WS_TEXT)
		p->text_msgs++;
	p->bytes += len;
	EVP_DigestUpdate(p->sha, data, len);
	if (p->echo) {
		if (len % 2 == 1)
			assert_int_equal(send_in_pieces(ws, type, data,
			    len), 0);
		else if (type == WS_TEXT)
			assert_int_equal(ws_send_text(ws, data, len), 0);
		else
			assert_int_equal(ws_send_binary(ws, data, len), 0);
	}
	if (p->free_on == FREE_ON_MESSAGE) {
		ws_free(ws);
		p->ws = NULL;
	}
}

static void
peer_close_cb(struct ws *ws, uint16_t code, const char *reason, int clean,
    void *arg)
{
	struct peer	*p = arg;

	p->closed++;
	p->code = code;
	p->clean = clean;
	strlcpy(p->reason, reason, sizeof p->reason);
}

static void
peer_error_cb(struct ws *ws, enum ws_error err, const char *cause,
    void *arg)
{
	struct peer	*p = arg;

	p->failed++;
	p->err = err;
	strlcpy(p->cause, cause, sizeof p->cause);
	if (p->free_on == FREE_ON_ERROR) {
		ws_free(ws);
		p->ws = NULL;
	}
}

static void
peer_drained_cb(struct ws *ws, void *arg)
{
	struct peer	*p = arg;

	p->drained++;
}

/* Server: what to do right after accepting. */
static void
peer_after_accept(struct peer *p, struct ws *ws)
{
	uint8_t	*big;

	switch (p->after_accept) {
	case AFTER_MUTE:
		ws_set_mute(ws, 1);
		break;
	case AFTER_CLOSE:
		ws_close(ws, 4001, "custom reason");
		break;
	case AFTER_ABORT:
		ws_abort(ws);
		break;
	case AFTER_SEND_BIG:
		big = xcalloc(1, p->big);
		assert_int_equal(ws_send_binary(ws, big, p->big), 0);
		free(big);
		break;
	}
}

static void
peer_request_cb(struct ws *ws, const struct ws_http_msg *req, void *arg)
{
	struct peer	*p = arg;
	const char	*v;
	int		 i;

	p->requests++;
	p->target = xstrdup(req->target);
	for (i = 0; peer_hdrs[i] != NULL; i++) {
		if ((v = ws_http_get(req, peer_hdrs[i])) != NULL)
			p->hdr[i] = xstrdup(v);
	}
	if (p->free_on == FREE_ON_REQUEST) {
		ws_free(ws);
		p->ws = NULL;
		return;
	}
	if (p->reject != 0) {
		assert_int_equal(ws_server_reject(ws, p->reject, "go away\n"),
		    0);
		return;
	}
	assert_int_equal(ws_server_accept(ws, NULL, 0), 0);
	assert_int_equal(ws_server_accept(ws, NULL, 0), -1);
	p->opened++;
	peer_after_accept(p, ws);
}

static const struct ws_cb peer_cb = {
	peer_open_cb, peer_message_cb, peer_close_cb, peer_error_cb,
	peer_drained_cb, peer_request_cb, NULL
};

/* Run the loop until cond holds or the deadline passes; say which. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
}

static int
wait_until(int (*cond)(void *), void *arg)
{
	struct event	*tick;
	struct timeval	 tv = { 0, 10000 };
	uint64_t	 deadline = clock_now_ms() + DEADLINE_MS;
	int		 met;

	tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	event_add(tick, &tv);
	while (!(met = cond(arg)) && clock_now_ms() < deadline)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(tick);
	return (met);
}

/* Run the loop for a while whatever happens (to see nothing does). */
static void
spin(unsigned ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static int
ended(void *arg)
{
	struct peer	*p = arg;

	return (p->closed + p->failed > 0);
}

struct count {
	int	*p;
	int	 n;
};

static int
reached(void *arg)
{
	struct count	*c = arg;

	return (*c->p >= c->n);
}

static int
wait_count(int *p, int n)
{
	struct count	c = { p, n };

	return (wait_until(reached, &c));
}

/* A listening socket on 127.0.0.1 and an ephemeral port. */
static int
listen_any(int backlog, int *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(fd != -1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(fd, backlog), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return (fd);
}

/* Our server: every accepted socket becomes a ws for the peer. */
struct server {
	struct evconnlistener	*lis;
	int			 port;
	struct peer		*peer;
};

static void
server_accept_cb(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct server	*s = arg;
	struct peer	*p = s->peer;
	char		*cause = NULL;

	assert_null(p->ws);
	p->ws = ws_server_new(base, fd, p->tls, &p->opts, &peer_cb, p,
	    &cause);
	assert_non_null(p->ws);
}

static void
server_start(struct server *s, struct peer *p)
{
	int	fd;

	s->peer = p;
	fd = listen_any(16, &s->port);
	s->lis = evconnlistener_new(base, server_accept_cb, s,
	    LEV_OPT_CLOSE_ON_FREE, -1, fd);
	assert_non_null(s->lis);
}

static void
server_stop(struct server *s)
{
	evconnlistener_free(s->lis);
}

/* Connect our client to url with opts. */
static void
client_start(struct peer *c, const char *url, const struct ws_options *o)
{
	char	*cause = NULL;

	c->ws = ws_client_new(base, url, o, &peer_cb, c, &cause);
	if (c->ws == NULL)
		fail_msg("ws_client_new: %s", cause);
}

static char *
url_for(const char *scheme, const char *host, int port, const char *path)
{
	char	*url;

	xasprintf(&url, "%s://%s:%d%s", scheme, host, port, path);
	return (url);
}

/* A client joined to our server, for one case. */
struct pair {
	struct peer	 c;
	struct peer	 s;
	struct server	 srv;
	char		*url;
};

static void
pair_init(struct pair *p)
{
	peer_init(&p->c);
	peer_init(&p->s);
	p->url = NULL;
}

/* Start the server as p->s says, then connect the client to it. */
static void
pair_connect(struct pair *p, const char *scheme, const char *host,
    const char *path, const struct ws_options *o)
{
	server_start(&p->srv, &p->s);
	p->url = url_for(scheme, host, p->srv.port, path);
	client_start(&p->c, p->url, o);
}

static void
pair_end(struct pair *p)
{
	free(p->url);
	peer_clear(&p->c);
	peer_clear(&p->s);
	server_stop(&p->srv);
}

/* Fill buf with message i's bytes (printable if text). */
static void
message_bytes(uint8_t *buf, size_t len, unsigned i, int text)
{
	uint32_t	x = 2166136261u ^ i;
	size_t		j;

	for (j = 0; j < len; j++) {
		x = x * 1103515245u + 12345u;
		buf[j] = text ? 'a' + (x >> 16) % 26 : (uint8_t)(x >> 16);
	}
}

/* The size of message i: the edges first, then spread over 0..70 KiB. */
static size_t
message_size(unsigned i)
{
	static const size_t	edges[] = {
		0, 1, 125, 126, 127, 65535, 65536, 70 * 1024, 4095, 4096, 4097
	};

	if (i < sizeof edges / sizeof edges[0])
		return (edges[i]);
	return ((i * 2654435761u) % (70 * 1024 + 1));
}

/*
 * Send n messages of sizes 0..70 KiB through an echo server, never more
 * than 256 KiB queued, and check that the same bytes, in the same order
 * and of the same types, came back.
 */
static void
echo_run(struct peer *c, struct peer *s, unsigned n)
{
	EVP_MD_CTX	*sent = EVP_MD_CTX_new();
	uint8_t		*buf = xmalloc(70 * 1024 + 1);
	uint8_t		 a[32], b[32], e[32];
	unsigned	 i, ntext = 0, len;
	size_t		 size;
	int		 text, before;

	EVP_DigestInit_ex(sent, EVP_sha256(), NULL);
	for (i = 0; i < n; i++) {
		while (ws_get_queued(c->ws) > 256 * 1024) {
			before = c->drained;
			assert_true(wait_count(&c->drained, before + 1));
		}
		size = message_size(i);
		text = (i % 5) == 3;
		ntext += text;
		message_bytes(buf, size, i, text);
		EVP_DigestUpdate(sent, buf, size);
		if (i % 7 == 2)
			assert_int_equal(send_in_pieces(c->ws, text ? WS_TEXT :
			    WS_BINARY, buf, size), 0);
		else if (text)
			assert_int_equal(ws_send_text(c->ws, buf, size), 0);
		else
			assert_int_equal(ws_send_binary(c->ws, buf, size), 0);
	}
	assert_true(wait_count(&c->msgs, (int)n));
	assert_int_equal(c->msgs, n);
	assert_int_equal(s->msgs, n);
	assert_int_equal(c->text_msgs, ntext);
	EVP_DigestFinal_ex(sent, e, &len);
	peer_digest(c, a);
	peer_digest(s, b);
	assert_memory_equal(a, e, 32);
	assert_memory_equal(b, e, 32);
	assert_true(c->drained > 0);
	assert_int_equal(c->failed + s->failed, 0);
	EVP_MD_CTX_free(sent);
	free(buf);
}

/* Close from the client and check both ends saw a clean close. */
static void
close_both(struct peer *c, struct peer *s)
{
	ws_close(c->ws, 1000, "bye");
	ws_close(c->ws, 1001, "again");		/* does nothing */
	assert_int_equal(ws_send_binary(c->ws, "x", 1), -1);
	assert_true(wait_until(ended, c));
	assert_true(wait_until(ended, s));
	assert_int_equal(c->closed, 1);
	assert_int_equal(c->code, 1000);
	assert_string_equal(c->reason, "bye");
	assert_true(c->clean);
	assert_int_equal(s->closed, 1);
	assert_int_equal(s->code, 1000);
	assert_string_equal(s->reason, "bye");
	assert_true(s->clean);
}

static void
test_ws_plain_echo_sha256_equal(void **state)
{
	struct pair		 p;
	struct ws_options	 o = { .flags = WS_ALLOW_PLAIN };

	pair_init(&p);
	p.s.echo = 1;
	pair_connect(&p, "ws", "127.0.0.1", "/echo", &o);
	assert_true(wait_count(&p.c.opened, 1));
	assert_true(ws_is_open(p.c.ws));
	assert_int_equal(ws_get_http_status(p.c.ws), 101);
	echo_run(&p.c, &p.s, 400);
	close_both(&p.c, &p.s);
	pair_end(&p);
}

static void
test_ws_tls_echo_by_name_and_by_address(void **state)
{
	static const char	*hosts[] = { "localhost", "127.0.0.1" };
	struct pair		 p;
	struct ws_options	 o = { .tls = tls_good, .dns = dns };
	size_t			 i;

	for (i = 0; i < 2; i++) {
		pair_init(&p);
		p.s.echo = 1;
		p.s.tls = srv_good;
		pair_connect(&p, "wss", hosts[i], "/tls", &o);
		if (!wait_count(&p.c.opened, 1))
			fail_msg("%s: %s", hosts[i], p.c.cause);
		echo_run(&p.c, &p.s, 120);
		close_both(&p.c, &p.s);
		pair_end(&p);
	}
}

static void
test_ws_tls_verify_failures(void **state)
{
	const struct {
		struct tls_server	**srv;
		struct tls_client	**cli;
		const char		 *why;
	} t[] = {
		{ &srv_good, &tls_wrong, "self-signed certificate in "
		  "certificate chain" },
		{ &srv_wronghost, &tls_good, "hostname mismatch" },
		{ &srv_expired, &tls_good, "certificate has expired" },
	};
	struct pair		 p;
	struct ws_options	 o = { .dns = dns };
	size_t			 i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		pair_init(&p);
		p.s.tls = *t[i].srv;
		o.tls = *t[i].cli;
		pair_connect(&p, "wss", "localhost", "/", &o);
		assert_true(wait_until(ended, &p.c));
		assert_int_equal(p.c.failed, 1);
		assert_int_equal(p.c.opened, 0);
		assert_int_equal(p.c.err, WS_ERR_TLS);
		if (strstr(p.c.cause, t[i].why) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, p.c.cause,
			    t[i].why);
		assert_true(wait_until(ended, &p.s));
		assert_int_equal(p.s.requests, 0);
		pair_end(&p);
	}
}

/* A server that writes scripted bytes once the request is in. */
struct raw {
	struct evconnlistener	*lis;
	int			 port;
	struct bufferevent	*bev;
	int			 silent;	/* accept, never answer */
	int			 fds[8];
	int			 nfds;
	void			(*script)(struct raw *, const char *key,
				    struct evbuffer *out);
	int			 got_request;
	char			*target;
	struct evbuffer		*rx;		/* after the request */
	int			 eof;
	int			 shut;		/* FIN after the script */
};

/* A server frame (unmasked). */
static void
frame(struct evbuffer *out, int fin, int opcode, const void *data,
    size_t len)
{
	uint8_t	h[10];
	size_t	hl = 2, i;

	h[0] = (fin ? 0x80 : 0) | opcode;
	if (len < 126)
		h[1] = (uint8_t)len;
	else if (len < 65536) {
		h[1] = 126;
		h[2] = (uint8_t)(len >> 8);
		h[3] = (uint8_t)len;
		hl = 4;
	} else {
		h[1] = 127;
		for (i = 0; i < 8; i++)
			h[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
		hl = 10;
	}
	evbuffer_add(out, h, hl);
	evbuffer_add(out, data, len);
}

/* A good 101 for key. */
static void
raw_101(struct evbuffer *out, const char *key)
{
	char	accept[WS_HTTP_ACCEPT_LEN + 1];

	ws_http_accept(key, accept);
	evbuffer_add_printf(out, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
}

/*
 * Decode the next client frame in r->rx (masked, as clients must): return
 * 1 with its opcode and unmasked payload, or 0 if there is none yet.
 */
static int
raw_next_frame(struct raw *r, int *opcode, uint8_t *payload, size_t *len)
{
	size_t		 have = evbuffer_get_length(r->rx), hl = 2, n, i;
	const uint8_t	*p;

	if (have < 2)
		return (0);
	p = evbuffer_pullup(r->rx, -1);
	assert_true(p[1] & 0x80);		/* masked */
	n = p[1] & 0x7f;
	if (n == 126) {
		if (have < 4)
			return (0);
		n = (size_t)p[2] << 8 | p[3];
		hl = 4;
	}
	assert_true(n < 127 || hl == 4);
	if (have < hl + 4 + n)
		return (0);
	*opcode = p[0] & 0x0f;
	for (i = 0; i < n; i++)
		payload[i] = p[hl + 4 + i] ^ p[hl + i % 4];
	*len = n;
	evbuffer_drain(r->rx, hl + 4 + n);
	return (1);
}

static void
raw_read_cb(struct bufferevent *bev, void *arg)
{
	struct raw		*r = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_ptr	 end;
	struct ws_http_msg	 m;
	char			*cause = NULL;
	size_t			 hlen;

	if (r->got_request) {
		evbuffer_add_buffer(r->rx, in);
		return;
	}
	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos == -1)
		return;
	hlen = end.pos + 4;
	if (ws_http_parse_request((char *)evbuffer_pullup(in, hlen), hlen,
	    &m, &cause) != 0)
		fail_msg("raw server: %s", cause);
	evbuffer_drain(in, hlen);
	r->got_request = 1;
	r->target = xstrdup(m.target);
	r->script(r, ws_http_get(&m, "Sec-WebSocket-Key"),
	    bufferevent_get_output(bev));
	ws_http_msg_clear(&m);
	evbuffer_add_buffer(r->rx, in);
}

/* The script is out: half-close if asked to. */
static void
raw_write_cb(struct bufferevent *bev, void *arg)
{
	struct raw	*r = arg;

	if (r->shut && r->got_request)
		shutdown(bufferevent_getfd(bev), SHUT_WR);
}

static void
raw_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct raw	*r = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		r->eof = 1;
}

static void
raw_accept_cb(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct raw	*r = arg;

	if (r->silent) {
		assert_true(r->nfds < 8);
		r->fds[r->nfds++] = fd;
		return;
	}
	assert_null(r->bev);
	r->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(r->bev, raw_read_cb, raw_write_cb, raw_event_cb, r);
	bufferevent_enable(r->bev, EV_READ | EV_WRITE);
}

static void
raw_start(struct raw *r, void (*script)(struct raw *, const char *,
    struct evbuffer *))
{
	int	fd;

	memset(r, 0, sizeof *r);
	r->script = script;
	r->silent = script == NULL;
	r->rx = evbuffer_new();
	fd = listen_any(16, &r->port);
	r->lis = evconnlistener_new(base, raw_accept_cb, r,
	    LEV_OPT_CLOSE_ON_FREE, -1, fd);
	assert_non_null(r->lis);
}

static void
raw_stop(struct raw *r)
{
	int	i;

	evconnlistener_free(r->lis);
	if (r->bev != NULL)
		bufferevent_free(r->bev);
	for (i = 0; i < r->nfds; i++)
		close(r->fds[i]);
	evbuffer_free(r->rx);
	free(r->target);
}

/* Run our client against a scripted server until it ends or opens. */
static void
raw_client(struct raw *r, struct peer *c, const struct ws_options *o,
    void (*script)(struct raw *, const char *, struct evbuffer *))
{
	struct ws_options	 opts = *o;
	char			*url;

	raw_start(r, script);
	opts.flags |= WS_ALLOW_PLAIN;
	peer_init(c);
	url = url_for("ws", "127.0.0.1", r->port, "/raw");
	client_start(c, url, &opts);
	free(url);
}

static void
script_fragments(struct raw *r, const char *key, struct evbuffer *out)
{
	uint8_t	*big = xmalloc(120000);

	raw_101(out, key);
	frame(out, 0, WSLAY_TEXT_FRAME, "Hel", 3);
	frame(out, 1, WSLAY_PING, "abc", 3);
	frame(out, 1, WSLAY_CONTINUATION_FRAME, "lo", 2);
	message_bytes(big, 120000, 7, 0);
	frame(out, 0, WSLAY_BINARY_FRAME, big, 40000);
	frame(out, 0, WSLAY_CONTINUATION_FRAME, big + 40000, 40000);
	frame(out, 1, WSLAY_CONTINUATION_FRAME, big + 80000, 40000);
	frame(out, 0, WSLAY_BINARY_FRAME, "", 0);
	frame(out, 1, WSLAY_CONTINUATION_FRAME, "", 0);
	frame(out, 1, WSLAY_TEXT_FRAME, "tail", 4);
	free(big);
}

/* Wait for the client's pong to the scripted ping. */
static int
raw_got_pong(void *arg)
{
	struct raw	*r = arg;
	uint8_t		 payload[256];
	size_t		 len;
	int		 opcode;

	while (raw_next_frame(r, &opcode, payload, &len)) {
		if (opcode == WSLAY_PONG && len == 3 &&
		    memcmp(payload, "abc", 3) == 0)
			return (1);
	}
	return (0);
}

static void
test_ws_fragments_joined_and_ping_answered(void **state)
{
	struct peer		 c;
	struct raw		 r;
	struct ws_options	 o = { 0 };
	uint8_t			*big = xmalloc(120000);

	raw_client(&r, &c, &o, script_fragments);
	assert_true(wait_count(&c.msgs, 4));
	assert_int_equal(c.logtype[0], WS_TEXT);
	assert_int_equal(evbuffer_get_length(c.log[0]), 5);
	assert_memory_equal(evbuffer_pullup(c.log[0], -1), "Hello", 5);
	message_bytes(big, 120000, 7, 0);
	assert_int_equal(c.logtype[1], WS_BINARY);
	assert_int_equal(evbuffer_get_length(c.log[1]), 120000);
	assert_memory_equal(evbuffer_pullup(c.log[1], -1), big, 120000);
	assert_int_equal(c.logtype[2], WS_BINARY);
	assert_int_equal(evbuffer_get_length(c.log[2]), 0);
	assert_int_equal(c.logtype[3], WS_TEXT);
	assert_memory_equal(evbuffer_pullup(c.log[3], -1), "tail", 4);
	assert_true(wait_until(raw_got_pong, &r));
	assert_int_equal(c.failed + c.closed, 0);
	free(big);
	peer_clear(&c);
	raw_stop(&r);
}

static void
script_too_big_in_fragments(struct raw *r, const char *key,
    struct evbuffer *out)
{
	uint8_t	buf[600];

	memset(buf, 'x', sizeof buf);
	raw_101(out, key);
	frame(out, 1, WSLAY_BINARY_FRAME, buf, 500);	/* fits */
	frame(out, 0, WSLAY_BINARY_FRAME, buf, 600);
	frame(out, 1, WSLAY_CONTINUATION_FRAME, buf, 600);
}

/* Wait for the client's close frame and return its code, or 0. */
struct closewait {
	struct raw	*r;
	unsigned	 code;
};

static int
raw_close_seen(void *arg)
{
	struct closewait	*cw = arg;
	uint8_t			 payload[256];
	size_t			 len;
	int			 opcode;

	while (raw_next_frame(cw->r, &opcode, payload, &len)) {
		if (opcode == WSLAY_CONNECTION_CLOSE && len >= 2) {
			cw->code = (unsigned)payload[0] << 8 | payload[1];
			return (1);
		}
	}
	return (0);
}

static unsigned
raw_got_close(struct raw *r)
{
	struct closewait	cw = { r, 0 };

	wait_until(raw_close_seen, &cw);
	return (cw.code);
}

static void
test_ws_size_bound_enforced(void **state)
{
	struct pair		 p;
	struct raw		 r;
	struct ws_options	 o = { .max_message = 1000,
				    .flags = WS_ALLOW_PLAIN };

	/* One frame one byte over the bound, from our own server. */
	pair_init(&p);
	p.s.after_accept = AFTER_SEND_BIG;
	p.s.big = 1001;
	pair_connect(&p, "ws", "127.0.0.1", "/", &o);
	assert_true(wait_until(ended, &p.c));
	assert_int_equal(p.c.failed, 1);
	assert_int_equal(p.c.err, WS_ERR_TOO_BIG);
	assert_int_equal(p.c.msgs, 0);
	assert_true(wait_until(ended, &p.s));
	assert_int_equal(p.s.closed, 1);
	assert_int_equal(p.s.code, 1009);
	pair_end(&p);

	/* Two fragments, each under the bound, together over it. */
	raw_client(&r, &p.c, &o, script_too_big_in_fragments);
	assert_true(wait_until(ended, &p.c));
	assert_int_equal(p.c.err, WS_ERR_TOO_BIG);
	assert_int_equal(p.c.msgs, 1);
	assert_int_equal(raw_got_close(&r), 1009);
	peer_clear(&p.c);
	raw_stop(&r);
}

static void
script_bad_accept(struct raw *r, const char *key, struct evbuffer *out)
{
	evbuffer_add_printf(out, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
}

static void
script_403(struct raw *r, const char *key, struct evbuffer *out)
{
	evbuffer_add_printf(out, "HTTP/1.1 403 Forbidden\r\n"
	    "Content-Length: 26\r\n\r\nAccess denied\x1b[31m (token)");
}

static void
script_huge_head(struct raw *r, const char *key, struct evbuffer *out)
{
	size_t	i;

	evbuffer_add_printf(out, "HTTP/1.1 101 Switching Protocols\r\n");
	for (i = 0; i < 2000; i++)
		evbuffer_add_printf(out, "X-Filler-%zu: aaaaaaaa\r\n", i);
}

static void
script_bad_opcode(struct raw *r, const char *key, struct evbuffer *out)
{
	raw_101(out, key);
	frame(out, 1, 3, "x", 1);	/* a reserved opcode */
}

static void
script_masked(struct raw *r, const char *key, struct evbuffer *out)
{
	static const uint8_t	f[] = { 0x82, 0x81, 1, 2, 3, 4, 'x' ^ 1 };

	raw_101(out, key);
	evbuffer_add(out, f, sizeof f);	/* servers must not mask */
}

static void
script_bad_utf8(struct raw *r, const char *key, struct evbuffer *out)
{
	raw_101(out, key);
	frame(out, 1, WSLAY_TEXT_FRAME, "\xc3\x28", 2);
}

static void
script_close_then_eof(struct raw *r, const char *key, struct evbuffer *out)
{
	static const uint8_t	payload[] = { 0x03, 0xe8, 'B', 'y', 'e' };

	raw_101(out, key);
	frame(out, 1, WSLAY_BINARY_FRAME, "last", 4);
	frame(out, 1, WSLAY_CONNECTION_CLOSE, payload, sizeof payload);
	r->shut = 1;
}

static void
test_ws_bad_answers_reported(void **state)
{
	const struct {
		void		(*script)(struct raw *, const char *,
				    struct evbuffer *);
		enum ws_error	 err;
		const char	*why;
		int		 status;
	} t[] = {
		{ script_bad_accept, WS_ERR_HANDSHAKE,
		  "wrong Sec-WebSocket-Accept", 101 },
		{ script_403, WS_ERR_HTTP,
		  "HTTP 403 Forbidden: Access denied?[31m (token)", 403 },
		{ script_huge_head, WS_ERR_HANDSHAKE, "longer than", 0 },
		{ script_bad_opcode, WS_ERR_PROTOCOL, "closed with 1002", 101 },
		{ script_masked, WS_ERR_PROTOCOL, "closed with 1002", 101 },
		{ script_bad_utf8, WS_ERR_PROTOCOL, "closed with 1007", 101 },
	};
	struct peer		 c;
	struct raw		 r;
	struct ws_options	 o = { 0 };
	size_t			 i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		raw_client(&r, &c, &o, t[i].script);
		assert_true(wait_until(ended, &c));
		assert_int_equal(c.failed, 1);
		assert_int_equal(c.err, t[i].err);
		if (strstr(c.cause, t[i].why) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, c.cause,
			    t[i].why);
		assert_int_equal(ws_get_http_status(c.ws), t[i].status);
		peer_clear(&c);
		raw_stop(&r);
	}
}

static void
test_ws_server_close_frame_then_eof_is_clean(void **state)
{
	struct peer		 c;
	struct raw		 r;
	struct ws_options	 o = { 0 };

	raw_client(&r, &c, &o, script_close_then_eof);
	assert_true(wait_until(ended, &c));
	assert_int_equal(c.msgs, 1);
	assert_int_equal(c.closed, 1);
	assert_int_equal(c.code, 1000);
	assert_string_equal(c.reason, "Bye");
	assert_true(c.clean);
	assert_int_equal(raw_got_close(&r), 1000);	/* the echo */
	peer_clear(&c);
	raw_stop(&r);
}

static void
test_ws_rejected_by_server_with_status(void **state)
{
	struct pair		 p;
	struct ws_options	 o = { .flags = WS_ALLOW_PLAIN };

	pair_init(&p);
	p.s.reject = 403;
	pair_connect(&p, "ws", "127.0.0.1", "/", &o);
	assert_true(wait_until(ended, &p.c));
	assert_int_equal(p.c.err, WS_ERR_HTTP);
	assert_int_equal(ws_get_http_status(p.c.ws), 403);
	assert_non_null(strstr(p.c.cause, "go away"));
	assert_true(wait_until(ended, &p.s));
	assert_int_equal(p.s.err, WS_ERR_HTTP);
	pair_end(&p);
}

static void
test_ws_timeouts_per_step(void **state)
{
	struct peer		 c;
	struct raw		 r;
	struct ws_options	 o = {
		.flags = WS_ALLOW_PLAIN, .connect_timeout_ms = 300,
		.tls_timeout_ms = 300, .upgrade_timeout_ms = 300,
		.tls = NULL, .dns = NULL
	};
	char			*url;
	int			 lfd, port, fds[8], i, n = 0;

	/* Upgrade: the listener accepts but never answers. */
	raw_client(&r, &c, &o, NULL);
	assert_true(wait_until(ended, &c));
	assert_int_equal(c.err, WS_ERR_TIMEOUT);
	assert_non_null(strstr(c.cause, "upgrade timed out after 300ms"));
	peer_clear(&c);

	/* TLS: the same listener, wss://. */
	peer_init(&c);
	o.tls = tls_good;
	url = url_for("wss", "127.0.0.1", r.port, "/");
	client_start(&c, url, &o);
	free(url);
	assert_true(wait_until(ended, &c));
	assert_int_equal(c.err, WS_ERR_TIMEOUT);
	assert_non_null(strstr(c.cause, "TLS handshake timed out"));
	peer_clear(&c);
	raw_stop(&r);

	/*
	 * Connect: a listener with a full accept queue drops SYNs, so
	 * connect never completes.
	 */
	lfd = listen_any(0, &port);
	for (i = 0; i < 8; i++) {
		struct sockaddr_in	sin;

		fds[n] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		connect(fds[n], (struct sockaddr *)&sin, sizeof sin);
		n++;
	}
	peer_init(&c);
	url = url_for("ws", "127.0.0.1", port, "/");
	client_start(&c, url, &o);
	free(url);
	assert_true(wait_until(ended, &c));
	assert_int_equal(c.err, WS_ERR_TIMEOUT);
	assert_non_null(strstr(c.cause, "connect timed out after 300ms"));
	peer_clear(&c);
	for (i = 0; i < n; i++)
		close(fds[i]);
	close(lfd);
}

/* The loopback name server's answer to everything. */
static void
nxdomain_cb(struct evdns_server_request *req, void *arg)
{
	evdns_server_request_respond(req, DNS_ERR_NOTEXIST);
}

static void
test_ws_connect_refused_and_unresolvable(void **state)
{
	struct peer			 c;
	struct ws_options		 o = { .flags = WS_ALLOW_PLAIN,
					    .dns = dns };
	struct evdns_server_port	*ns;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof sin;
	char				*url, addr[32];
	int				 lfd, port, fd;

	lfd = listen_any(1, &port);
	close(lfd);		/* nothing listens there now */
	peer_init(&c);
	url = url_for("ws", "127.0.0.1", port, "/");
	client_start(&c, url, &o);
	free(url);
	assert_true(wait_until(ended, &c));
	assert_int_equal(c.err, WS_ERR_CONNECT);
	assert_non_null(strstr(c.cause, "refused"));
	peer_clear(&c);

	/* A name server on loopback that knows no names. */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	ns = evdns_add_server_port_with_base(base, fd, 0, nxdomain_cb, NULL);
	assert_non_null(ns);
	snprintf(addr, sizeof addr, "127.0.0.1:%d", ntohs(sin.sin_port));
	assert_int_equal(evdns_base_nameserver_ip_add(dns, addr), 0);
	peer_init(&c);
	client_start(&c, "ws://no-such-host.invalid/", &o);
	assert_true(wait_until(ended, &c));
	assert_int_equal(c.err, WS_ERR_DNS);
	assert_non_null(strstr(c.cause, "no-such-host.invalid"));
	peer_clear(&c);
	evdns_close_server_port(ns);
	close(fd);
}

static void
test_ws_client_new_refuses_bad_setups(void **state)
{
	static const struct {
		const char	*url;
		int		 flags;
		const char	*why;
	} t[] = {
		{ "ws://127.0.0.1/", 0, "tests only" },
		{ "wss://127.0.0.1/", 0, "TLS context" },
		{ "ws://name.example/", WS_ALLOW_PLAIN, "no resolver" },
		{ "ws://h/a b", WS_ALLOW_PLAIN, "WebSocket URL" },
	};
	static const struct ws_header	evil = { "X-A", "b\r\nX-B: c" };
	struct ws_options		o = { 0 };
	char				*cause;
	size_t				 i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		cause = NULL;
		o.flags = t[i].flags;
		assert_null(ws_client_new(base, t[i].url, &o, &peer_cb, NULL,
		    &cause));
		if (strstr(cause, t[i].why) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, cause,
			    t[i].why);
		free(cause);
	}
	o.flags = WS_ALLOW_PLAIN;
	o.headers = &evil;
	o.nheaders = 1;
	cause = NULL;
	assert_null(ws_client_new(base, "ws://127.0.0.1/", &o, &peer_cb, NULL,
	    &cause));
	assert_non_null(strstr(cause, "control character"));
	free(cause);
}

static void
test_ws_url_and_headers_arrive_verbatim(void **state)
{
	static const char		path[] =
	    "/v1/data-channel/s-0abc?role=publish_subscribe&"
	    "cell-number=AAEAAQ+/x+y=%2B==";
	static const struct ws_header	h[] = {
		{ "Authorization", "AWS4-HMAC-SHA256 Credential=AKID/x, "
		  "SignedHeaders=host;x-amz-date, Signature=abc" },
		{ "X-Amz-Date", "20240101T000000Z" },
		{ "X-Amz-Security-Token", "IQoJb3+/token==" },
		{ "User-Agent", "gatewayd-test" },
	};
	struct pair			 p;
	struct ws_options		 o = { .flags = WS_ALLOW_PLAIN,
					    .headers = h, .nheaders = 4 };
	char				 host[32];

	pair_init(&p);
	pair_connect(&p, "ws", "127.0.0.1", path, &o);
	assert_true(wait_count(&p.c.opened, 1));
	assert_string_equal(p.s.target, path);
	snprintf(host, sizeof host, "127.0.0.1:%d", p.srv.port);
	assert_string_equal(p.s.hdr[0], host);
	assert_string_equal(p.s.hdr[1], h[0].value);
	assert_string_equal(p.s.hdr[2], h[1].value);
	assert_string_equal(p.s.hdr[3], h[2].value);
	assert_string_equal(p.s.hdr[4], h[3].value);
	pair_end(&p);
}

static int
five_pongs(void *arg)
{
	struct ws_stats	st;

	ws_get_stats(arg, &st);
	return (st.pongs_received >= 5);
}

static void
test_ws_ping_pong_and_dead_peer(void **state)
{
	struct pair		 p;
	struct ws_options	 o = { .flags = WS_ALLOW_PLAIN,
				    .ping_interval_ms = 50,
				    .pong_timeout_ms = 1000 };
	struct ws_stats		 cs, ss;
	int			 i;

	for (i = 0; i < 2; i++) {
		pair_init(&p);
		p.s.opts.flags = WS_NO_PING;
		p.s.after_accept = i == 0 ? AFTER_NONE : AFTER_MUTE;
		pair_connect(&p, "ws", "127.0.0.1", "/", &o);
		assert_true(wait_count(&p.c.opened, 1));
		if (i == 0) {
			/* Pongs come back; nobody is declared dead. */
			assert_true(wait_until(five_pongs, p.c.ws));
			ws_get_stats(p.s.ws, &ss);
			assert_true(ss.pings_received >= 5);
			assert_int_equal(ss.pings_sent, 0);
			/*
			 * Longer than the pong timeout, which is long enough
			 * for a loaded machine to turn the loop around.
			 */
			spin(1500);
			assert_int_equal(p.c.failed + p.c.closed, 0);
		} else {
			/* The server says nothing: the client notices. */
			assert_true(wait_until(ended, &p.c));
			assert_int_equal(p.c.failed, 1);
			assert_int_equal(p.c.err, WS_ERR_DEAD);
			assert_non_null(strstr(p.c.cause, "within 1000ms"));
			ws_get_stats(p.c.ws, &cs);
			assert_int_equal(cs.pongs_received, 0);
			assert_true(cs.pings_sent >= 1);
			/* And the server sees the connection go. */
			assert_true(wait_until(ended, &p.s));
			assert_int_equal(p.s.failed, 1);
		}
		pair_end(&p);
	}
}

static void
test_ws_close_from_server_and_close_timeout(void **state)
{
	struct pair		 p;
	struct ws_options	 o = { .flags = WS_ALLOW_PLAIN,
				    .close_timeout_ms = 1000 };

	pair_init(&p);
	p.s.after_accept = AFTER_CLOSE;
	pair_connect(&p, "ws", "127.0.0.1", "/", &o);
	assert_true(wait_until(ended, &p.c));
	assert_int_equal(p.c.closed, 1);
	assert_int_equal(p.c.code, 4001);
	assert_string_equal(p.c.reason, "custom reason");
	assert_true(p.c.clean);
	assert_true(wait_until(ended, &p.s));
	assert_int_equal(p.s.closed, 1);
	assert_int_equal(p.s.code, 4001);
	assert_true(p.s.clean);
	pair_end(&p);

	/* A muted server never answers our close: we give up, unclean. */
	pair_init(&p);
	p.s.after_accept = AFTER_MUTE;
	pair_connect(&p, "ws", "127.0.0.1", "/", &o);
	assert_true(wait_count(&p.c.opened, 1));
	ws_close(p.c.ws, 1000, "bye");
	assert_true(wait_until(ended, &p.c));
	assert_int_equal(p.c.closed, 1);
	assert_int_equal(p.c.code, 1006);
	assert_false(p.c.clean);
	assert_string_equal(p.c.reason, "");
	pair_end(&p);
}

static void
test_ws_abrupt_drop_detected(void **state)
{
	struct pair		 p;
	struct ws_options	 o = { .flags = WS_ALLOW_PLAIN, .dns = dns,
				    .tls = tls_good };
	int			 i;

	for (i = 0; i < 2; i++) {
		pair_init(&p);
		p.s.after_accept = AFTER_ABORT;
		p.s.tls = i == 0 ? NULL : srv_good;
		pair_connect(&p, i == 0 ? "ws" : "wss", "localhost", "/", &o);
		assert_true(wait_until(ended, &p.c));
		assert_int_equal(p.c.failed, 1);
		assert_int_equal(p.c.closed, 0);
		if (p.c.err != WS_ERR_IO && p.c.err != WS_ERR_EOF)
			fail_msg("drop reported as %d: %s", p.c.err, p.c.cause);
		/* The server reported nothing: it dropped the line itself. */
		spin(50);
		assert_int_equal(p.s.failed + p.s.closed, 0);
		pair_end(&p);
	}
}

static void
test_ws_free_inside_callbacks(void **state)
{
	static const int	 client_frees[] = {
		FREE_ON_OPEN, FREE_ON_MESSAGE, FREE_ON_ERROR
	};
	struct pair		 p;
	struct ws_options	 o = { .flags = WS_ALLOW_PLAIN };
	size_t			 i;

	for (i = 0; i < 3; i++) {
		pair_init(&p);
		p.c.free_on = client_frees[i];
		p.s.echo = 1;
		if (p.c.free_on == FREE_ON_ERROR)
			p.s.after_accept = AFTER_ABORT;
		pair_connect(&p, "ws", "127.0.0.1", "/", &o);
		if (p.c.free_on == FREE_ON_MESSAGE) {
			assert_true(wait_count(&p.c.opened, 1));
			/* Two messages in one read: the second is dropped. */
			assert_int_equal(ws_send_binary(p.c.ws, "1", 1), 0);
			assert_int_equal(ws_send_binary(p.c.ws, "2", 1), 0);
			assert_true(wait_count(&p.c.msgs, 1));
		} else if (p.c.free_on == FREE_ON_OPEN)
			assert_true(wait_count(&p.c.opened, 1));
		else
			assert_true(wait_count(&p.c.failed, 1));
		assert_null(p.c.ws);
		spin(50);
		assert_int_equal(p.c.msgs, p.c.free_on == FREE_ON_MESSAGE);
		pair_end(&p);
	}

	/* A server that frees itself while looking at the request. */
	pair_init(&p);
	p.s.free_on = FREE_ON_REQUEST;
	pair_connect(&p, "ws", "127.0.0.1", "/", &o);
	assert_true(wait_until(ended, &p.c));
	assert_int_equal(p.c.err, WS_ERR_EOF);
	assert_null(p.s.ws);
	pair_end(&p);
}

/* A raw client for our server: send a request, keep the answer. */
struct rawcli {
	struct bufferevent	*bev;
	struct evbuffer		*rx;
	int			 eof;
};

static void
rawcli_read_cb(struct bufferevent *bev, void *arg)
{
	struct rawcli	*rc = arg;

	evbuffer_add_buffer(rc->rx, bufferevent_get_input(bev));
}

static void
rawcli_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct rawcli	*rc = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		rc->eof = 1;
}

static void
test_ws_server_refuses_bad_requests(void **state)
{
	static const struct {
		const char	*req;
		const char	*status;
		const char	*extra;
	} t[] = {
		{ "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
		  "Connection: Upgrade\r\nSec-WebSocket-Version: 8\r\n"
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
		  "HTTP/1.1 426 ", "Sec-WebSocket-Version: 13\r\n" },
		{ "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
		  "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
		  "HTTP/1.1 400 ", "Sec-WebSocket-Key" },
		{ "DELETE / HTTP/1.1\r\nHost: h\r\n\r\n", "HTTP/1.1 405 ",
		  "GET" },
		{ "GET / HTTP/1.1\r\nHost: h\n\n\r\n\r\n", "HTTP/1.1 400 ",
		  "bare" },
	};
	struct pair		 p;
	struct rawcli		 rc;
	struct sockaddr_in	 sin;
	size_t			 i;
	char			*text;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		peer_init(&p.s);
		server_start(&p.srv, &p.s);
		memset(&rc, 0, sizeof rc);
		rc.rx = evbuffer_new();
		rc.bev = bufferevent_socket_new(base, -1,
		    BEV_OPT_CLOSE_ON_FREE);
		bufferevent_setcb(rc.bev, rawcli_read_cb, NULL,
		    rawcli_event_cb, &rc);
		bufferevent_enable(rc.bev, EV_READ | EV_WRITE);
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_port = htons(p.srv.port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(bufferevent_socket_connect(rc.bev,
		    (struct sockaddr *)&sin, sizeof sin), 0);
		evbuffer_add(bufferevent_get_output(rc.bev), t[i].req,
		    strlen(t[i].req));
		assert_true(wait_count(&rc.eof, 1));
		evbuffer_add(rc.rx, "", 1);
		text = (char *)evbuffer_pullup(rc.rx, -1);
		if (strncmp(text, t[i].status, strlen(t[i].status)) != 0 ||
		    strstr(text, t[i].extra) == NULL)
			fail_msg("case %zu: got \"%s\"", i, text);
		assert_true(wait_until(ended, &p.s));
		assert_int_equal(p.s.err, WS_ERR_HANDSHAKE);
		assert_int_equal(p.s.requests, 0);
		bufferevent_free(rc.bev);
		evbuffer_free(rc.rx);
		peer_clear(&p.s);
		server_stop(&p.srv);
	}
}

/*
 * A tiny HTTP CONNECT proxy: it notes the request, then joins the client
 * to 127.0.0.1:backend whatever host was asked for.
 */
struct proxy {
	struct evconnlistener	*lis;
	int			 port;
	int			 backend;
	int			 refuse;
	struct bufferevent	*down;		/* the client */
	struct bufferevent	*up;		/* the backend */
	char			*target;
	char			*auth;
};

static void
proxy_relay_cb(struct bufferevent *bev, void *arg)
{
	struct proxy	*px = arg;

	evbuffer_add_buffer(bufferevent_get_output(bev == px->down ? px->up :
	    px->down), bufferevent_get_input(bev));
}

static void
proxy_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct proxy	*px = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		bufferevent_disable(px->up, EV_READ);
		bufferevent_disable(px->down, EV_READ);
	}
}

static void
proxy_request_cb(struct bufferevent *bev, void *arg)
{
	struct proxy		*px = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_ptr	 end;
	struct ws_http_msg	 m;
	struct sockaddr_in	 sin;
	char			*cause = NULL;
	const char		*v;

	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos == -1)
		return;
	if (ws_http_parse_request((char *)evbuffer_pullup(in, end.pos + 4),
	    end.pos + 4, &m, &cause) != 0)
		fail_msg("proxy: %s", cause);
	evbuffer_drain(in, end.pos + 4);
	assert_string_equal(m.method, "CONNECT");
	px->target = xstrdup(m.target);
	if ((v = ws_http_get(&m, "Proxy-Authorization")) != NULL)
		px->auth = xstrdup(v);
	ws_http_msg_clear(&m);
	if (px->refuse) {
		evbuffer_add_printf(bufferevent_get_output(bev), "HTTP/1.1 407 "
		    "Proxy Authentication Required\r\n"
		    "Content-Length: 0\r\n\r\n");
		return;
	}
	px->up = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(px->up, proxy_relay_cb, NULL, proxy_event_cb, px);
	bufferevent_enable(px->up, EV_READ | EV_WRITE);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(px->backend);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bufferevent_socket_connect(px->up,
	    (struct sockaddr *)&sin, sizeof sin), 0);
	evbuffer_add_printf(bufferevent_get_output(bev),
	    "HTTP/1.1 200 Connection established\r\n\r\n");
	bufferevent_setcb(bev, proxy_relay_cb, NULL, proxy_event_cb, px);
}

static void
proxy_accept_cb(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct proxy	*px = arg;

	assert_null(px->down);
	px->down = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(px->down, proxy_request_cb, NULL, proxy_event_cb,
	    px);
	bufferevent_enable(px->down, EV_READ | EV_WRITE);
}

static void
test_ws_through_connect_proxy(void **state)
{
	struct pair		 p;
	struct proxy		 px;
	struct ws_options	 o = { .tls = tls_good, .dns = dns };
	char			*proxy, want[64];
	int			 fd, i;

	for (i = 0; i < 2; i++) {
		pair_init(&p);
		p.s.echo = 1;
		p.s.tls = srv_backend;
		server_start(&p.srv, &p.s);
		memset(&px, 0, sizeof px);
		px.backend = p.srv.port;
		px.refuse = i == 1;
		fd = listen_any(16, &px.port);
		px.lis = evconnlistener_new(base, proxy_accept_cb, &px,
		    LEV_OPT_CLOSE_ON_FREE, -1, fd);
		xasprintf(&proxy, "http://user:pass@127.0.0.1:%d", px.port);
		o.proxy = proxy;
		/* The name only the proxy "resolves"; TLS checks it. */
		p.url = url_for("wss", "backend.test", 8443, "/via?x=+/=");
		client_start(&p.c, p.url, &o);
		snprintf(want, sizeof want, "backend.test:8443");
		if (i == 0) {
			if (!wait_count(&p.c.opened, 1))
				fail_msg("%s", p.c.cause);
			assert_string_equal(px.target, want);
			assert_string_equal(px.auth, "Basic dXNlcjpwYXNz");
			assert_string_equal(p.s.target, "/via?x=+/=");
			assert_string_equal(p.s.hdr[0], "backend.test:8443");
			echo_run(&p.c, &p.s, 40);
			close_both(&p.c, &p.s);
		} else {
			assert_true(wait_until(ended, &p.c));
			assert_int_equal(p.c.err, WS_ERR_PROXY);
			assert_non_null(strstr(p.c.cause, "407"));
			assert_null(strstr(p.c.cause, "pass"));
		}
		free(proxy);
		pair_end(&p);
		evconnlistener_free(px.lis);
		if (px.down != NULL)
			bufferevent_free(px.down);
		if (px.up != NULL)
			bufferevent_free(px.up);
		free(px.target);
		free(px.auth);
	}
}

static void
test_ws_pause_holds_messages_back(void **state)
{
	struct pair		 p;
	struct ws_options	 o = { .flags = WS_ALLOW_PLAIN };
	int			 i, seen;

	pair_init(&p);
	p.s.echo = 1;
	pair_connect(&p, "ws", "127.0.0.1", "/", &o);
	assert_true(wait_count(&p.c.opened, 1));
	ws_pause(p.c.ws);
	for (i = 0; i < 50; i++)
		assert_int_equal(ws_send_binary(p.c.ws, "0123456789", 10), 0);
	assert_true(wait_count(&p.s.msgs, 50));
	spin(100);
	seen = p.c.msgs;
	assert_true(seen < 50);
	ws_resume(p.c.ws);
	assert_true(wait_count(&p.c.msgs, 50));
	pair_end(&p);
}

static void
test_ws_close_or_abort_before_open(void **state)
{
	struct peer		 c;
	struct raw		 r;
	struct ws_options	 o = { 0 };

	/* Closing while the upgrade is pending ends it at once. */
	raw_client(&r, &c, &o, NULL);
	assert_true(wait_count(&r.nfds, 1));
	assert_false(ws_is_open(c.ws));
	assert_int_equal(ws_send_text(c.ws, "x", 1), -1);
	ws_close(c.ws, 1000, "never mind");
	assert_int_equal(c.failed, 0);		/* not from inside the call */
	assert_true(wait_until(ended, &c));
	assert_int_equal(c.err, WS_ERR_EOF);
	assert_non_null(strstr(c.cause, "before the upgrade"));
	peer_clear(&c);
	raw_stop(&r);

	/* Aborting reports nothing at all. */
	raw_client(&r, &c, &o, NULL);
	assert_true(wait_count(&r.nfds, 1));
	ws_abort(c.ws);
	spin(100);
	assert_int_equal(c.failed + c.closed + c.opened, 0);
	peer_clear(&c);
	raw_stop(&r);
}

static void
test_ws_send_refused_past_max_queue(void **state)
{
	struct pair		 p;
	struct ws_options	 o = { .flags = WS_ALLOW_PLAIN,
				    .max_queue = 256 * 1024 };
	uint8_t			 buf[1024];
	int			 n = 0;

	pair_init(&p);
	pair_connect(&p, "ws", "127.0.0.1", "/", &o);
	assert_true(wait_count(&p.c.opened, 1));
	memset(buf, 'q', sizeof buf);
	/* Nothing is written until the loop runs: the queue fills. */
	while (ws_send_binary(p.c.ws, buf, sizeof buf) == 0)
		n++;
	assert_true(ws_get_queued(p.c.ws) <= o.max_queue);
	assert_true(ws_get_queued(p.c.ws) > o.max_queue - 2 * sizeof buf);
	assert_true(wait_count(&p.c.drained, 1));
	assert_int_equal(ws_send_binary(p.c.ws, buf, sizeof buf), 0);
	assert_true(wait_count(&p.s.msgs, n + 1));
	pair_end(&p);
}

static void
test_ws_frame_head_and_mask(void **state)
{
	static const struct {
		uint64_t	 len;
		int		 masked;
		size_t		 hl;
		const char	*head;		/* hex */
	} t[] = {
		{ 0, 0, 2, "8200" },
		{ 125, 0, 2, "827d" },
		{ 126, 0, 4, "827e007e" },
		{ 65535, 0, 4, "827effff" },
		{ 65536, 0, 10, "827f0000000000010000" },
		{ 5, 1, 6, "828501020304" },
		{ 70000, 1, 14, "82ff000000000001117001020304" },
	};
	static const uint8_t	key[4] = { 1, 2, 3, 4 };
	uint8_t			head[WS_FRAME_MAX_HEAD];
	uint8_t			src[300], dst[300];
	char			hex[2 * WS_FRAME_MAX_HEAD + 1];
	size_t			i, len, off, j;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		assert_int_equal(ws_frame_head(head, WSLAY_BINARY_FRAME,
		    t[i].len, t[i].masked ? key : NULL), t[i].hl);
		util_hex(head, t[i].hl, hex);
		assert_string_equal(hex, t[i].head);
	}
	/* Word-wise masking equals the byte-wise definition. */
	message_bytes(src, sizeof src, 1, 0);
	for (len = 0; len < 40; len++) {
		for (off = 0; off < 9; off++) {
			ws_frame_mask(dst, src, len, key, off);
			for (j = 0; j < len; j++)
				assert_int_equal(dst[j],
				    src[j] ^ key[(off + j) % 4]);
			ws_frame_mask(dst, dst, len, key, off);
			assert_memory_equal(dst, src, len);
		}
	}
}

/* Make the CA, the certificates and the contexts every test shares. */
static int
group_setup(void **state)
{
	char	*cause = NULL;

	log_init("test_ws", getenv("TEST_DEBUG") != NULL ? LOG_LEVEL_DEBUG :
	    LOG_LEVEL_WARN);
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	if ((ca = testca_new(tmpdir, "ca", &cause)) == NULL ||
	    (ca_other = testca_new(tmpdir, "other-ca", &cause)) == NULL ||
	    (tls_good = tls_client_new(testca_path(ca), 0, &cause)) == NULL ||
	    (tls_wrong = tls_client_new(testca_path(ca_other), 0,
	    &cause)) == NULL ||
	    (srv_good = testca_tls_server(ca, "good",
	    "DNS:localhost,IP:127.0.0.1", -60, 3600, &cause)) == NULL ||
	    (srv_wronghost = testca_tls_server(ca, "wronghost",
	    "DNS:other.test", -60, 3600, &cause)) == NULL ||
	    (srv_expired = testca_tls_server(ca, "expired",
	    "DNS:localhost,IP:127.0.0.1", -7200, -3600, &cause)) == NULL ||
	    (srv_backend = testca_tls_server(ca, "backend",
	    "DNS:backend.test", -60, 3600, &cause)) == NULL) {
		fprintf(stderr, "setup: %s\n", cause);
		free(cause);
		return (-1);
	}
	return (0);
}

static int
group_teardown(void **state)
{
	tls_client_free(tls_good);
	tls_client_free(tls_wrong);
	tls_server_free(srv_good);
	tls_server_free(srv_wronghost);
	tls_server_free(srv_expired);
	tls_server_free(srv_backend);
	testca_free(ca);
	testca_free(ca_other);
	rmdir(tmpdir);
	return (0);
}

/* Each test gets a fresh loop and resolver (hosts file only). */
static int
setup(void **state)
{
	base = event_base_new();
	dns = evdns_base_new(base, 0);
	if (base == NULL || dns == NULL)
		return (-1);
	evdns_base_load_hosts(dns, NULL);
	return (0);
}

static int
teardown(void **state)
{
	evdns_base_free(dns, 1);
	spin(0);		/* let cancelled lookups report */
	event_base_free(base);
	return (0);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ws_plain_echo_sha256_equal),
		T(test_ws_tls_echo_by_name_and_by_address),
		T(test_ws_tls_verify_failures),
		T(test_ws_fragments_joined_and_ping_answered),
		T(test_ws_size_bound_enforced),
		T(test_ws_bad_answers_reported),
		T(test_ws_server_close_frame_then_eof_is_clean),
		T(test_ws_rejected_by_server_with_status),
		T(test_ws_timeouts_per_step),
		T(test_ws_connect_refused_and_unresolvable),
		T(test_ws_client_new_refuses_bad_setups),
		T(test_ws_url_and_headers_arrive_verbatim),
		T(test_ws_ping_pong_and_dead_peer),
		T(test_ws_close_from_server_and_close_timeout),
		T(test_ws_abrupt_drop_detected),
		T(test_ws_free_inside_callbacks),
		T(test_ws_server_refuses_bad_requests),
		T(test_ws_through_connect_proxy),
		T(test_ws_pause_holds_messages_back),
		T(test_ws_close_or_abort_before_open),
		T(test_ws_send_refused_past_max_queue),
		cmocka_unit_test(test_ws_frame_head_and_mask),
	};

	return (cmocka_run_group_tests(tests, group_setup, group_teardown));
}
