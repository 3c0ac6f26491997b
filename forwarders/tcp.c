/*
 * fwd_tcp: plain TCP to target:remote_port, the reference forwarder.
 *
 * The far side is a second bufferevent. Names resolve asynchronously
 * through evdns (which also reads /etc/hosts), and each address is tried
 * in turn, all under connect_timeout. Bytes move between the two sides by
 * evbuffer moves, never copies, with back-pressure both ways: a far side
 * that cannot keep up pauses the client (conn_pause), a client that cannot
 * keep up stops reads from the far side until conn.c calls drain. EOF is
 * passed on in both directions once what came before it has been written.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "config.h"
#include "conn.h"
#include "forward.h"
#include "forwarder.h"
#include "log.h"
#include "sockread.h"
#include "util.h"
#include "xmalloc.h"

/* Bytes read from or written to the far side in one system call. */
#define FWD_TCP_IO_MAX	(256 * 1024)
/* Used when the config gives no connect_timeout. */
#define FWD_TCP_CONNECT_TIMEOUT	10000

struct fwd_tcp_conn {
	struct conn			*c;
	struct bufferevent		*bev;
	struct sockread			*rd;	/* reads bev's socket */
	struct event			*timer;	/* connect timeout */
	struct evdns_getaddrinfo_request *req;	/* resolving */
	struct evutil_addrinfo		*addrs;	/* resolved */
	struct evutil_addrinfo		*next;	/* to try next */
	int				 error;	/* of the last try */
	int				 connected;
	int				 eof_pending;	/* then shut */
	int				 remote_eof;	/* it ended */
};


static void	fwd_tcp_read_cb(struct bufferevent *, void *);
static void	fwd_tcp_write_cb(struct bufferevent *, void *);
static void	fwd_tcp_event_cb(struct bufferevent *, short, void *);

/* A target is a host name or a numeric address, nothing else. */
static int
fwd_tcp_check(const struct fwd_config *fc, char **cause)
{
	const char	*p;

	if (fc->target == NULL || *fc->target == '\0') {
		xasprintf(cause, "target: a host name or address is needed");
		return (-1);
	}
	for (p = fc->target; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr(".-_:", *p) == NULL) {
			xasprintf(cause, "target: \"%s\" is not a host name "
			    "or address", fc->target);
			return (-1);
		}
	}
	if (fc->remote_host != NULL) {
		xasprintf(cause, "remote_host: the tcp forwarder connects to "
		    "target itself; remote_host is for AWS targets");
		return (-1);
	}
	if (fc->remote_port == 0 || fc->remote_port > 65535) {
		xasprintf(cause, "remote_port: %u is out of range (1-65535)",
		    fc->remote_port);
		return (-1);
	}
	return (0);
}

/* The connect (resolution included) took too long. */
static void
fwd_tcp_timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	struct fwd_tcp_conn	*tc = arg;
	char			 dur[32];

	util_fmt_duration(tc->c->fw->conf->connect_timeout != 0 ?
	    tc->c->fw->conf->connect_timeout : FWD_TCP_CONNECT_TIMEOUT, dur,
	    sizeof dur);
	conn_close(tc->c, CONN_END_REFUSED, "connect to %s timed out after %s",
	    tc->c->target_str, dur);
}

/*
 * Start a non-blocking connect to one address; return the socket, or -1
 * with tc->error set when it failed at once.
 */
static int
fwd_tcp_connect(struct fwd_tcp_conn *tc, const struct evutil_addrinfo *ai)
{
	int	fd;

	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		tc->error = errno;
		return (-1);
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
	    errno != EINPROGRESS) {
		tc->error = errno;
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Connect to the next resolved address, or give up with the last error. */
static void
fwd_tcp_try_next(struct fwd_tcp_conn *tc)
{
	struct conn		*c = tc->c;
	struct evutil_addrinfo	*ai;
	int			 fd = -1;

	if (tc->bev != NULL) {
		sockread_free(tc->rd);
		tc->rd = NULL;
		bufferevent_free(tc->bev);
		tc->bev = NULL;
	}
	while (fd == -1 && (ai = tc->next) != NULL) {
		tc->next = ai->ai_next;
		fd = fwd_tcp_connect(tc, ai);
	}
	if (fd == -1) {
		conn_close(c, CONN_END_REFUSED, "connect to %s: %s",
		    c->target_str, strerror(tc->error));
		return;
	}
	tc->bev = bufferevent_socket_new(gw_base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (tc->bev == NULL)
		fatalx("conn %" PRIu64 ": cannot make a bufferevent", c->id);
	bufferevent_setcb(tc->bev, fwd_tcp_read_cb, fwd_tcp_write_cb,
	    fwd_tcp_event_cb, tc);
	bufferevent_setwatermark(tc->bev, EV_WRITE, CONN_LOW_WATERMARK, 0);
	bufferevent_set_max_single_write(tc->bev, FWD_TCP_IO_MAX);
	/* We read the socket, in large pieces: see sockread.h. */
	bufferevent_disable(tc->bev, EV_READ);
	tc->rd = sockread_new(tc->bev, FWD_TCP_IO_MAX, CONN_HIGH_WATERMARK);
	/* No address: wait for the connect under way to finish. */
	if (bufferevent_socket_connect(tc->bev, NULL, 0) == -1)
		fatalx("conn %" PRIu64 ": cannot wait for a connect", c->id);
}

/* The target resolved (or not): try its addresses in turn. */
static void
fwd_tcp_resolved_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct fwd_tcp_conn	*tc = arg;

	if (result == EVUTIL_EAI_CANCEL)
		return;		/* fwd_tcp_close is freeing tc */
	tc->req = NULL;
	if (result != 0) {
		conn_close(tc->c, CONN_END_REFUSED, "resolve %s: %s",
		    tc->c->fw->conf->target, evutil_gai_strerror(result));
		return;
	}
	tc->addrs = tc->next = res;
	tc->error = ECONNREFUSED;
	fwd_tcp_try_next(tc);
}

/* Begin resolving and connecting to the target. */
static void
fwd_tcp_open(struct conn *c)
{
	const struct fwd_config		*fc = c->fw->conf;
	struct fwd_tcp_conn		*tc;
	struct evutil_addrinfo		 hints;
	struct evdns_getaddrinfo_request *req;
	unsigned			 ms = fc->connect_timeout;
	struct timeval			 tv;
	char				 port[16];

	if (ms == 0)
		ms = FWD_TCP_CONNECT_TIMEOUT;
	tc = xcalloc(1, sizeof *tc);
	tc->c = c;
	c->fwd_data = tc;
	xasprintf(&c->target_str, "%s:%u", fc->target, fc->remote_port);
	if ((tc->timer = evtimer_new(gw_base, fwd_tcp_timeout_cb, tc)) == NULL)
		fatalx("conn %" PRIu64 ": cannot make a timer", c->id);
	tv = util_ms_tv(ms);
	evtimer_add(tc->timer, &tv);

	log_debug("conn %" PRIu64 ": connecting to %s", c->id,
	    c->target_str);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	snprintf(port, sizeof port, "%u", fc->remote_port);
	/* NULL: answered already (numeric, hosts file), maybe closing c. */
	req = evdns_getaddrinfo(gateway_get_dns(), fc->target, port, &hints,
	    fwd_tcp_resolved_cb, tc);
	if (req != NULL)
		tc->req = req;
}

/* The far side sent EOF or failed. */
static void
fwd_tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct fwd_tcp_conn	*tc = arg;
	struct conn		*c = tc->c;
	int			 error = EVUTIL_SOCKET_ERROR();

	if (what & BEV_EVENT_CONNECTED) {
		tc->connected = 1;
		evtimer_del(tc->timer);
		log_debug("conn %" PRIu64 ": connected to %s", c->id,
		    c->target_str);
		bufferevent_enable(tc->bev, EV_WRITE);
		sockread_enable(tc->rd, 1);
		conn_ready(c);
		/* A TCP connect is the far side's own answer. */
		conn_reached(c);
		return;
	}
	if (!tc->connected) {
		tc->error = error;
		fwd_tcp_try_next(tc);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		conn_close(c, CONN_END_RESET, "remote %s error: %s",
		    (what & BEV_EVENT_WRITING) ? "write" : "read",
		    evutil_socket_error_to_string(error));
		return;
	}
	if (what & BEV_EVENT_EOF) {
		tc->remote_eof = 1;
		conn_eof(c);
	}
}

/* The far side has bytes: move them to the client, stop if it is full. */
static void
fwd_tcp_read_cb(struct bufferevent *bev, void *arg)
{
	struct fwd_tcp_conn	*tc = arg;

	conn_write(tc->c, bufferevent_get_input(bev));
	if (conn_is_output_full(tc->c))
		sockread_enable(tc->rd, 0);
}

/* The client drained: read the far side again. */
static void
fwd_tcp_drain(struct conn *c)
{
	struct fwd_tcp_conn	*tc = c->fwd_data;

	if (!tc->remote_eof)
		sockread_enable(tc->rd, 1);
}

/* Client bytes: queue them all; pause the client past the watermark. */
static void
fwd_tcp_send(struct conn *c, struct evbuffer *in)
{
	struct fwd_tcp_conn	*tc = c->fwd_data;
	struct evbuffer		*out = bufferevent_get_output(tc->bev);

	evbuffer_add_buffer(out, in);
	if (evbuffer_get_length(out) >= CONN_HIGH_WATERMARK)
		conn_pause(c);
}

/* Shut the far side's write direction; the client sent EOF. */
static void
fwd_tcp_shutdown(struct fwd_tcp_conn *tc)
{
	tc->eof_pending = 0;
	if (shutdown(bufferevent_getfd(tc->bev), SHUT_WR) == -1 &&
	    errno != ENOTCONN)
		conn_close(tc->c, CONN_END_RESET, "remote shutdown: %s",
		    strerror(errno));
}

/* The far side's output fell to the low watermark (or emptied). */
static void
fwd_tcp_write_cb(struct bufferevent *bev, void *arg)
{
	struct fwd_tcp_conn	*tc = arg;
	size_t			 len;

	len = evbuffer_get_length(bufferevent_get_output(bev));
	if (tc->c->paused && len <= CONN_LOW_WATERMARK)
		conn_resume(tc->c);
	if (len == 0 && tc->eof_pending)
		fwd_tcp_shutdown(tc);
}

/* The client half-closed: pass it on after its bytes. */
static void
fwd_tcp_eof(struct conn *c)
{
	struct fwd_tcp_conn	*tc = c->fwd_data;

	if (evbuffer_get_length(bufferevent_get_output(tc->bev)) == 0)
		fwd_tcp_shutdown(tc);
	else
		tc->eof_pending = 1;
}

/*
 * Release the far side. An abnormal end (the client's reset, a forward
 * stopped) resets the target too, as conn.c resets the client: a target
 * must not take a cut upload for a whole one either.
 */
static void
fwd_tcp_close(struct conn *c)
{
	struct fwd_tcp_conn	*tc = c->fwd_data;
	struct linger		 lg = { 1, 0 };

	if (tc == NULL)
		return;
	if (tc->connected && !conn_end_is_clean(c->end))
		(void)setsockopt(bufferevent_getfd(tc->bev), SOL_SOCKET,
		    SO_LINGER, &lg, sizeof lg);
	if (tc->req != NULL)
		evdns_getaddrinfo_cancel(tc->req);
	if (tc->addrs != NULL)
		evutil_freeaddrinfo(tc->addrs);
	if (tc->timer != NULL)
		event_free(tc->timer);
	sockread_free(tc->rd);
	if (tc->bev != NULL)
		bufferevent_free(tc->bev);
	free(tc);
	c->fwd_data = NULL;
}

const struct forwarder fwd_tcp = {
	.name = "tcp",
	.check = fwd_tcp_check,
	.start = NULL,
	.stop = NULL,
	.open = fwd_tcp_open,
	.send = fwd_tcp_send,
	.eof = fwd_tcp_eof,
	.drain = fwd_tcp_drain,
	.close = fwd_tcp_close,
	.status = NULL,
};
