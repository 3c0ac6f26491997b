/*
 * loadserver: the far side for integration tests, many connections at
 * once on one libevent loop.
 *
 * loadserver -l ADDR -m echo|sink|source [-n BYTES] [-s SEED] [-B BYTES]
 *     [-P PORTFILE] [-S STATSFILE]
 *
 *   echo    send back what arrives; after the client's EOF, finish the
 *           echo and close
 *   sink    read and hash; after the client's EOF reply "BYTES SHA256\n"
 *           and close (so a reply proves the EOF came through)
 *   source  send BYTES of the stream SEED as fast as the client takes them
 *
 * Each closed connection prints one line: "MODE conn N: BYTES SHA256"
 * (what it received, or for source what it sent). -P writes the bound TCP
 * port once listening; -S rewrites totals every 200 ms. -B fixes the send
 * and receive buffers of each connection's socket (SO_SNDBUF, SO_RCVBUF),
 * so that what the kernel holds does not depend on the machine. Runs until
 * SIGTERM.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/evp.h>

#include "tool.h"

int	main(int, char **);

#define SRV_CHUNK	(64 * 1024)
#define SRV_HIGH	(1024 * 1024)
#define SRV_LOW		(256 * 1024)


struct srv_conn {
	uint64_t		 id;
	struct bufferevent	*bev;
	struct tool_hash	 hash;
	struct tool_stream	 stream;
	uint64_t		 queued;	/* source: bytes made so far */
	int			 closing;	/* free once flushed */
};

static struct event_base	*base;
static enum tool_mode		 mode;
static uint64_t			 nbytes;
static uint64_t			 seed = 1;
static int			 sockbuf;	/* -B: 0 leaves the kernel's */
static uint64_t			 next_id;
static uint64_t			 total_in, total_out, nconns;
static const char		*statsfile;

static struct srv_conn	*srv_conns[65536];

static void
srv_free(struct srv_conn *sc)
{
	static const char	*names[] = { "echo", "sink", "source" };
	char			 hex[65];

	tool_hash_final(&sc->hash, hex);
	printf("%s conn %" PRIu64 ": %" PRIu64 " %s\n", names[mode], sc->id,
	    sc->hash.bytes, hex);
	fflush(stdout);
	bufferevent_free(sc->bev);
	srv_conns[sc->id % 65536] = NULL;
	free(sc);
	nconns--;
}

/* Close once what is queued has gone. */
static void
srv_finish(struct srv_conn *sc)
{
	sc->closing = 1;
	bufferevent_disable(sc->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(sc->bev)) == 0)
		srv_free(sc);
}

/* source: queue more of the stream while the output is short. */
static void
srv_refill(struct srv_conn *sc)
{
	struct evbuffer	*out = bufferevent_get_output(sc->bev);
	uint8_t		 buf[SRV_CHUNK];
	size_t		 n;

	while (sc->queued < nbytes && evbuffer_get_length(out) < SRV_HIGH) {
		n = sizeof buf;
		if (nbytes - sc->queued < n)
			n = nbytes - sc->queued;
		tool_stream_fill(&sc->stream, buf, n);
		tool_hash_update(&sc->hash, buf, n);
		evbuffer_add(out, buf, n);
		sc->queued += n;
	}
}

static void
srv_read_cb(struct bufferevent *bev, void *arg)
{
	struct srv_conn	*sc = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct evbuffer	*out = bufferevent_get_output(bev);
	uint8_t		 buf[SRV_CHUNK];
	int		 n;

	while ((n = evbuffer_remove(in, buf, sizeof buf)) > 0) {
		total_in += n;
		if (mode == TOOL_SOURCE)
			continue;
		tool_hash_update(&sc->hash, buf, n);
		if (mode == TOOL_ECHO)
			evbuffer_add(out, buf, n);
	}
	if (mode == TOOL_ECHO && evbuffer_get_length(out) >= SRV_HIGH)
		bufferevent_disable(bev, EV_READ);
}

static void
srv_write_cb(struct bufferevent *bev, void *arg)
{
	struct srv_conn	*sc = arg;
	struct evbuffer	*out = bufferevent_get_output(bev);
	size_t		 len = evbuffer_get_length(out);

	if (sc->closing) {
		if (len == 0)
			srv_free(sc);
		return;
	}
	if (mode == TOOL_SOURCE) {
		srv_refill(sc);
		if (sc->queued == nbytes)
			srv_finish(sc);
	} else if (mode == TOOL_ECHO && len <= SRV_LOW)
		bufferevent_enable(bev, EV_READ);
}

/* Count what left, for the stats file. */
static void
srv_output_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	total_out += info->n_deleted;
}

static void
srv_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct srv_conn	*sc = arg;
	char		 hex[65], line[128];
	struct tool_hash h;

	if (what & BEV_EVENT_ERROR) {
		fprintf(stderr, "loadserver: conn %" PRIu64 ": %s\n", sc->id,
		    strerror(errno));
		srv_free(sc);
		return;
	}
	if (!(what & BEV_EVENT_EOF))
		return;
	if (mode == TOOL_SINK) {
		/* Reply with a copy of the running hash. */
		h.ctx = EVP_MD_CTX_new();
		EVP_MD_CTX_copy_ex(h.ctx, sc->hash.ctx);
		h.bytes = sc->hash.bytes;
		tool_hash_final(&h, hex);
		snprintf(line, sizeof line, "%" PRIu64 " %s\n", h.bytes, hex);
		bufferevent_write(bev, line, strlen(line));
	}
	if (mode == TOOL_SOURCE && sc->queued < nbytes)
		return;		/* the client only shut its side */
	srv_finish(sc);
}

static void
srv_accept_cb(evutil_socket_t lfd, short events, void *arg)
{
	struct srv_conn	*sc;
	int		 fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) !=
	    -1) {
		sc = calloc(1, sizeof *sc);
		if (sc == NULL)
			tool_fatal("out of memory");
		sc->id = ++next_id;
		if (srv_conns[sc->id % 65536] != NULL)
			tool_fatal("loadserver: more than 65536 live conns");
		srv_conns[sc->id % 65536] = sc;
		nconns++;
		if (sockbuf != 0)
			tool_sockbuf(fd, sockbuf);
		tool_hash_init(&sc->hash);
		tool_stream_init(&sc->stream, seed);
		sc->bev = bufferevent_socket_new(base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
		bufferevent_setcb(sc->bev, srv_read_cb, srv_write_cb,
		    srv_event_cb, sc);
		bufferevent_setwatermark(sc->bev, EV_WRITE, SRV_LOW, 0);
		evbuffer_add_cb(bufferevent_get_output(sc->bev), srv_output_cb,
		    NULL);
		bufferevent_enable(sc->bev, EV_READ | EV_WRITE);
		if (mode == TOOL_SOURCE)
			srv_refill(sc);
	}
	if (errno != EAGAIN && errno != EINTR)
		fprintf(stderr, "loadserver: accept: %s\n", strerror(errno));
}

static void
srv_stats_cb(evutil_socket_t fd, short events, void *arg)
{
	char	text[256];

	snprintf(text, sizeof text, "conns %" PRIu64 "\nreceived %" PRIu64
	    "\nsent %" PRIu64 "\n", nconns, total_in, total_out);
	tool_write_file(statsfile, text);
}

static void
srv_signal_cb(evutil_socket_t sig, short events, void *arg)
{
	event_base_loopexit(base, NULL);
}

int
main(int argc, char **argv)
{
	struct tool_addr	 addr;
	struct event		*ev, *sig, *stats = NULL;
	struct timeval		 tv = { 0, 200000 };
	const char		*listen_at = NULL, *portfile = NULL;
	char			 text[32];
	int			 ch, fd, i;

	signal(SIGPIPE, SIG_IGN);
	tool_raise_nofile();
	mode = TOOL_ECHO;
	while ((ch = getopt(argc, argv, "B:l:m:n:s:P:S:")) != -1) {
		switch (ch) {
		case 'B':
			sockbuf = atoi(optarg);
			break;
		case 'l':
			listen_at = optarg;
			break;
		case 'm':
			mode = tool_parse_mode("loadserver", optarg);
			break;
		case 'n':
			nbytes = strtoull(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'P':
			portfile = optarg;
			break;
		case 'S':
			statsfile = optarg;
			break;
		default:
			tool_fatal("usage: loadserver -l addr -m "
			    "echo|sink|source [-n bytes] [-s seed] "
			    "[-B bytes] [-P portfile] [-S statsfile]");
		}
	}
	if (listen_at == NULL || tool_parse_addr(listen_at, &addr) == -1)
		tool_fatal("loadserver: need -l host:port, [v6]:port or "
		    "unix:path");
	base = event_base_new();
	fd = tool_listen(&addr);
	ev = event_new(base, fd, EV_READ | EV_PERSIST, srv_accept_cb, NULL);
	event_add(ev, NULL);
	sig = evsignal_new(base, SIGTERM, srv_signal_cb, NULL);
	evsignal_add(sig, NULL);
	if (statsfile != NULL) {
		stats = event_new(base, -1, EV_PERSIST, srv_stats_cb, NULL);
		event_add(stats, &tv);
	}
	if (portfile != NULL) {
		snprintf(text, sizeof text, "%u\n", tool_local_port(fd));
		tool_write_file(portfile, text);
	}
	event_base_dispatch(base);
	for (i = 0; i < 65536; i++) {
		if (srv_conns[i] != NULL)
			srv_free(srv_conns[i]);
	}
	event_free(ev);
	event_free(sig);
	if (statsfile != NULL)
		event_free(stats);
	close(fd);
	event_base_free(base);
	return (0);
}
