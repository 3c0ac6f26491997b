/*
 * loadclient: the client side of integration tests, many connections at
 * once on one libevent loop, every byte hashed and compared.
 *
 * loadclient -c ADDR -m MODE [-Wx] [-C CONNS] [-n BYTES] [-s SEED]
 *     [-b BIND] [-r RATE] [-d SECONDS] [-t TIMEOUT] [-R READYFILE]
 *     [-G GOFILE] [-w WINDOW]
 *
 *   echo     each conn sends BYTES of stream SEED+i while reading the echo,
 *            then shuts its write side; the echo must equal what was sent
 *            and end with EOF (against loadserver -m echo); with -W it
 *            shuts only once the whole echo is back, for tunnels that
 *            cannot half-close (Session Manager); with -w at most WINDOW
 *            bytes sent are not yet echoed back; with -G each conn stops
 *            half-way (sends and reads nothing more, bytes in flight),
 *            writes READYFILE when all have, and goes on once GOFILE
 *            exists
 *   send     send BYTES, shut the write side, and check the reply
 *            "BYTES SHA256" of loadserver -m sink: the EOF went through
 *            and the reply came back on the half-closed conn
 *   recv     read the stream SEED (loadserver -m source) until EOF, -d
 *            seconds or (with -G) until GOFILE exists, -r bytes a second
 *            at most; every byte must match
 *   hold     each conn echoes BYTES (default 16), writes READYFILE when
 *            all have, holds for -d seconds (with -G until GOFILE
 *            exists), echoes again and closes; a
 *            conn the far side closes is a failure, or with -x the
 *            expected outcome (a drain timeout) and finishing is one
 *   refused  connect, send a byte, and expect to be closed with nothing
 *            received (allow lists)
 *
 * Prints one summary line, ending with the time from the first byte
 * received to the last ("span N ms"); exits 0 when every conn did what
 * its mode says, 1 otherwise (or after -t seconds, default 120).
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
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/evp.h>

#include "tool.h"

int	main(int, char **);

#define CLI_CHUNK	(64 * 1024)
#define CLI_HIGH	(512 * 1024)

enum cli_mode { CLI_ECHO, CLI_SEND, CLI_RECV, CLI_HOLD, CLI_REFUSED };

enum cli_phase { CLI_CONNECTING, CLI_RUNNING, CLI_HOLDING, CLI_AGAIN,
    CLI_DONE };

struct cli_conn {
	unsigned		 i;
	int			 fd;
	struct bufferevent	*bev;
	enum cli_phase		 phase;
	struct tool_stream	 out_stream;	/* what we send */
	struct tool_stream	 in_stream;	/* what we expect back */
	struct tool_hash	 out_hash;
	struct tool_hash	 in_hash;
	uint64_t		 sent;
	uint64_t		 received;
	uint64_t		 target;	/* bytes to send this round */
	int			 shut;	/* our write side is shut */
	int			 failed;
	int			 halted;	/* echo -G: half-way, waiting */
	struct event		*slow;	/* recv -r: paced reads */
};

static struct event_base	*base;
static enum cli_mode		 mode = CLI_ECHO;
static struct tool_addr		 addr, bind_addr;
static int			 have_bind, expect_close, wait_echo;
static uint64_t			 first_ms, last_ms;
static unsigned			 nconns = 1, ndone, nfailed, nready;
static uint64_t			 nbytes, seed = 1, rate, window;
static unsigned			 duration, timeout = 120;
static const char		*readyfile, *gofile;
static struct cli_conn		*conns;

static void	cli_read_cb(struct bufferevent *, void *);
static void	cli_write_cb(struct bufferevent *, void *);
static void	cli_event_cb(struct bufferevent *, short, void *);

static void
cli_fail(struct cli_conn *cc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One conn is finished, well or not; stop when all are. */
static void
cli_done(struct cli_conn *cc)
{
	if (cc->phase == CLI_DONE)
		return;
	cc->phase = CLI_DONE;
	if (cc->bev != NULL) {
		bufferevent_free(cc->bev);
		cc->bev = NULL;
	}
	if (cc->slow != NULL)
		event_del(cc->slow);
	if (cc->failed)
		nfailed++;
	if (++ndone == nconns)
		event_base_loopexit(base, NULL);
}

static void
cli_fail(struct cli_conn *cc, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "loadclient: conn %u: ", cc->i);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cc->failed = 1;
	cli_done(cc);
}

/* Queue more of our stream, up to the round's target. */
static void	cli_halt(struct cli_conn *);

static void
cli_refill(struct cli_conn *cc)
{
	struct evbuffer	*out = bufferevent_get_output(cc->bev);
	uint8_t		 buf[CLI_CHUNK];
	size_t		 n;

	if (cc->halted)
		return;
	while (cc->sent < cc->target && evbuffer_get_length(out) < CLI_HIGH &&
	    (window == 0 || cc->sent - cc->received < window)) {
		n = sizeof buf;
		if (cc->target - cc->sent < n)
			n = cc->target - cc->sent;
		if (window != 0 && window - (cc->sent - cc->received) < n)
			n = window - (cc->sent - cc->received);
		tool_stream_fill(&cc->out_stream, buf, n);
		tool_hash_update(&cc->out_hash, buf, n);
		evbuffer_add(out, buf, n);
		cc->sent += n;
	}
	if (mode == CLI_ECHO && cc->sent == cc->target &&
	    cc->target < nbytes) {
		cli_halt(cc);
		return;
	}
	if (cc->sent == cc->target && !cc->shut &&
	    evbuffer_get_length(out) == 0 &&
	    (mode == CLI_ECHO || mode == CLI_SEND) &&
	    !(mode == CLI_ECHO && wait_echo && cc->received < cc->target)) {
		shutdown(bufferevent_getfd(cc->bev), SHUT_WR);
		cc->shut = 1;
	}
}

static uint64_t
cli_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Check received bytes against the stream they must equal. */
static int
cli_check(struct cli_conn *cc, const uint8_t *buf, size_t n)
{
	uint8_t	want[CLI_CHUNK];

	tool_stream_fill(&cc->in_stream, want, n);
	tool_hash_update(&cc->in_hash, buf, n);
	cc->received += n;
	last_ms = cli_now_ms();
	if (first_ms == 0)
		first_ms = last_ms;
	if (memcmp(want, buf, n) != 0) {
		cli_fail(cc, "byte mismatch near offset %" PRIu64,
		    cc->received - n);
		return (-1);
	}
	return (0);
}

/* hold: every conn has echoed its first round. */
static void
cli_ready(void)
{
	char	text[64];

	snprintf(text, sizeof text, "%u\n", nconns);
	if (readyfile != NULL)
		tool_write_file(readyfile, text);
}

/* -G: wait (polling every 100 ms) until GOFILE exists; 1 once it does. */
static int
cli_wait_go(event_callback_fn cb)
{
	struct timeval	tv = { 0, 100000 };

	if (gofile == NULL || access(gofile, F_OK) == 0)
		return (1);
	event_base_once(base, -1, EV_TIMEOUT, cb, NULL, &tv);
	return (0);
}

/* echo -G: every conn halted half-way; go on once GOFILE exists. */
static void
cli_go_cb(evutil_socket_t fd, short events, void *arg)
{
	struct cli_conn	*cc;
	unsigned	 i;

	if (!cli_wait_go(cli_go_cb))
		return;
	for (i = 0; i < nconns; i++) {
		cc = &conns[i];
		if (!cc->halted)
			continue;
		cc->halted = 0;
		cc->target = nbytes;
		bufferevent_enable(cc->bev, EV_READ);
		cli_refill(cc);
	}
}

/* echo -G: this conn has sent its first half; stop reading as well. */
static void
cli_halt(struct cli_conn *cc)
{
	cc->halted = 1;
	bufferevent_disable(cc->bev, EV_READ);
	if (++nready == nconns) {
		cli_ready();
		cli_go_cb(-1, 0, NULL);
	}
}

/* hold: send the second round (with -G, once GOFILE exists). */
static void
cli_again_cb(evutil_socket_t fd, short events, void *arg)
{
	unsigned	i;

	if (!cli_wait_go(cli_again_cb))
		return;
	for (i = 0; i < nconns; i++) {
		if (conns[i].phase != CLI_HOLDING)
			continue;
		conns[i].phase = CLI_AGAIN;
		conns[i].target += nbytes;
		cli_refill(&conns[i]);
	}
}

/* A round of echo came back whole. */
static void
cli_round_done(struct cli_conn *cc)
{
	struct timeval	tv = { duration, 0 };

	if (mode != CLI_HOLD || cc->phase == CLI_AGAIN) {
		if (mode == CLI_HOLD && expect_close)
			cli_fail(cc, "held to the end: never closed");
		else if (mode == CLI_HOLD)
			cli_done(cc);
		return;
	}
	cc->phase = CLI_HOLDING;
	if (++nready == nconns) {
		cli_ready();
		event_base_once(base, -1, EV_TIMEOUT, cli_again_cb, NULL, &tv);
	}
}

/* send: the sink's reply must match what we sent. */
static void
cli_check_reply(struct cli_conn *cc, struct evbuffer *in)
{
	char		*line, hex[65], want[128];
	size_t		 len;

	if ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) == NULL)
		return;
	tool_hash_final(&cc->out_hash, hex);
	snprintf(want, sizeof want, "%" PRIu64 " %s", cc->sent, hex);
	if (strcmp(line, want) != 0)
		cli_fail(cc, "sink replied \"%s\", want \"%s\"", line, want);
	else
		cc->received = 1;
	free(line);
}

static void
cli_read_cb(struct bufferevent *bev, void *arg)
{
	struct cli_conn	*cc = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	uint8_t		 buf[CLI_CHUNK];
	int		 n;

	if (mode == CLI_SEND) {
		cli_check_reply(cc, in);
		return;
	}
	if (mode == CLI_REFUSED) {
		cli_fail(cc, "got %zu bytes: not refused",
		    evbuffer_get_length(in));
		return;
	}
	while ((n = evbuffer_remove(in, buf, sizeof buf)) > 0) {
		if (cli_check(cc, buf, n) == -1)
			return;
	}
	if (mode == CLI_HOLD && cc->received == cc->target)
		cli_round_done(cc);
	if (mode == CLI_ECHO && ((wait_echo && cc->received == cc->target) ||
	    window != 0))
		cli_refill(cc);	/* the whole echo is back, or room in -w */
}

/* recv -r: read a tenth of the rate every 100 ms, by hand. */
static void
cli_slow_cb(evutil_socket_t fd, short events, void *arg)
{
	struct cli_conn	*cc = arg;
	uint8_t		 buf[CLI_CHUNK];
	size_t		 want = rate / 10;
	ssize_t		 n;

	if (want > sizeof buf)
		want = sizeof buf;
	if (want == 0)
		want = 1;
	n = recv(cc->fd, buf, want, 0);
	if (n > 0) {
		cli_check(cc, buf, n);
		return;
	}
	if (n == 0)
		cli_done(cc);
	else if (errno != EAGAIN && errno != EINTR)
		cli_fail(cc, "recv: %s", strerror(errno));
}

static void
cli_write_cb(struct bufferevent *bev, void *arg)
{
	struct cli_conn	*cc = arg;

	if (cc->phase == CLI_RUNNING || cc->phase == CLI_AGAIN)
		cli_refill(cc);
}

/* The far side closed on us: whether that is right depends on the mode. */
static void
cli_eof(struct cli_conn *cc)
{
	switch (mode) {
	case CLI_ECHO:
		if (cc->received != nbytes)
			cli_fail(cc, "EOF after %" PRIu64 " of %" PRIu64
			    " bytes", cc->received, nbytes);
		else
			cli_done(cc);
		break;
	case CLI_SEND:
		if (cc->received == 0 && !cc->failed)
			cli_fail(cc, "EOF without the sink's reply");
		else
			cli_done(cc);
		break;
	case CLI_RECV:
		if (nbytes != 0 && cc->received != nbytes)
			cli_fail(cc, "EOF after %" PRIu64 " of %" PRIu64
			    " bytes", cc->received, nbytes);
		else
			cli_done(cc);
		break;
	case CLI_HOLD:
		if (cc->phase == CLI_RUNNING)
			cli_fail(cc, "closed before the first echo");
		else if (!expect_close)
			cli_fail(cc, "closed by the far side while holding");
		else
			cli_done(cc);
		break;
	case CLI_REFUSED:
		cli_done(cc);
		break;
	}
}

static void
cli_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct cli_conn	*cc = arg;
	struct timeval	 tv = { 0, 100000 };

	if (what & BEV_EVENT_CONNECTED) {
		cc->phase = CLI_RUNNING;
		if (mode == CLI_RECV && rate != 0) {
			bufferevent_disable(bev, EV_READ);
			cc->slow = event_new(base, -1, EV_PERSIST, cli_slow_cb,
			    cc);
			event_add(cc->slow, &tv);
		}
		if (mode == CLI_REFUSED)
			bufferevent_write(bev, "x", 1);
		else
			cli_refill(cc);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		cli_eof(cc);
		return;
	}
	if (mode == CLI_REFUSED || (mode == CLI_HOLD &&
	    cc->phase != CLI_CONNECTING)) {
		/* A reset is how a refusal may look after our byte. */
		cli_eof(cc);
		return;
	}
	cli_fail(cc, "%s", strerror(EVUTIL_SOCKET_ERROR()));
}

static void
cli_start(struct cli_conn *cc)
{
	cc->fd = socket(addr.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (cc->fd == -1)
		tool_fatal("socket: %s", strerror(errno));
	if (have_bind && bind(cc->fd, (struct sockaddr *)&bind_addr.ss,
	    bind_addr.len) == -1)
		tool_fatal("bind: %s", strerror(errno));
	if (mode == CLI_RECV && rate != 0)
		tool_sockbuf(cc->fd, 4096);	/* the rate is what moves */
	tool_stream_init(&cc->out_stream, seed + cc->i);
	tool_stream_init(&cc->in_stream, mode == CLI_RECV ? seed :
	    seed + cc->i);
	tool_hash_init(&cc->out_hash);
	tool_hash_init(&cc->in_hash);
	cc->target = (mode == CLI_RECV || mode == CLI_REFUSED) ? 0 : nbytes;
	if (mode == CLI_ECHO && gofile != NULL)
		cc->target = nbytes / 2;	/* then halt: cli_halt */
	cc->bev = bufferevent_socket_new(base, cc->fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(cc->bev, cli_read_cb, cli_write_cb, cli_event_cb,
	    cc);
	bufferevent_setwatermark(cc->bev, EV_WRITE, CLI_HIGH / 4, 0);
	bufferevent_enable(cc->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(cc->bev, (struct sockaddr *)&addr.ss,
	    addr.len) == -1 && cc->phase != CLI_DONE)
		cli_fail(cc, "connect failed");
}

/* recv: reading for a while was the point; stop cleanly. */
static void
cli_recv_stop(void)
{
	unsigned	i;

	for (i = 0; i < nconns; i++)
		cli_done(&conns[i]);
}

/* recv -G: stop once GOFILE exists. */
static void
cli_recv_go_cb(evutil_socket_t fd, short events, void *arg)
{
	if (ndone != nconns && cli_wait_go(cli_recv_go_cb))
		cli_recv_stop();
}

static void
cli_deadline_cb(evutil_socket_t fd, short events, void *arg)
{
	unsigned	i;

	if (mode == CLI_RECV && duration != 0) {
		cli_recv_stop();
		return;
	}
	for (i = 0; i < nconns; i++) {
		if (conns[i].phase != CLI_DONE)
			cli_fail(&conns[i], "timed out: sent %" PRIu64
			    ", received %" PRIu64, conns[i].sent,
			    conns[i].received);
	}
}

static void
cli_summary(void)
{
	static const char	*names[] = { "echo", "send", "recv", "hold",
				    "refused" };
	uint64_t		 sent = 0, received = 0;
	unsigned		 i;
	char			 hex[65];

	for (i = 0; i < nconns; i++) {
		sent += conns[i].sent;
		received += conns[i].received;
	}
	printf("%s: %u conns, %u ok, %u failed, sent %" PRIu64 ", received %"
	    PRIu64, names[mode], nconns, nconns - nfailed, nfailed, sent,
	    received);
	if (nconns == 1 && mode != CLI_SEND) {
		tool_hash_final(&conns[0].in_hash, hex);
		printf(", sha256 in %s", hex);
		tool_hash_final(&conns[0].out_hash, hex);
		printf(", out %s", hex);
	}
	printf(", span %" PRIu64 " ms\n", last_ms - first_ms);
}

/* Free everything, so that a sanitizer build reports only real leaks. */
static void
cli_free(void)
{
	struct cli_conn	*cc;
	unsigned	 i;

	for (i = 0; i < nconns; i++) {
		cc = &conns[i];
		if (cc->bev != NULL)
			bufferevent_free(cc->bev);
		if (cc->slow != NULL)
			event_free(cc->slow);
		if (cc->out_hash.ctx != NULL)
			EVP_MD_CTX_free(cc->out_hash.ctx);
		if (cc->in_hash.ctx != NULL)
			EVP_MD_CTX_free(cc->in_hash.ctx);
	}
	free(conns);
	event_base_free(base);
}

static enum cli_mode
cli_parse_mode(const char *s)
{
	static const char	*names[] = { "echo", "send", "recv", "hold",
				    "refused" };
	unsigned		 i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(s, names[i]) == 0)
			return ((enum cli_mode)i);
	}
	tool_fatal("loadclient: bad mode %s", s);
}

int
main(int argc, char **argv)
{
	struct timeval	 tv;
	const char	*target = NULL;
	unsigned	 i;
	int		 ch;

	signal(SIGPIPE, SIG_IGN);
	tool_raise_nofile();
	while ((ch = getopt(argc, argv, "b:c:C:d:G:m:n:r:R:s:t:w:Wx")) != -1) {
		switch (ch) {
		case 'b':
			if (tool_parse_addr(optarg, &bind_addr) == -1)
				tool_fatal("loadclient: bad -b %s", optarg);
			have_bind = 1;
			break;
		case 'c':
			target = optarg;
			break;
		case 'C':
			nconns = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			duration = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'G':
			gofile = optarg;
			break;
		case 'm':
			mode = cli_parse_mode(optarg);
			break;
		case 'n':
			nbytes = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			rate = strtoull(optarg, NULL, 10);
			break;
		case 'R':
			readyfile = optarg;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 't':
			timeout = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'w':
			window = strtoull(optarg, NULL, 10);
			break;
		case 'W':
			wait_echo = 1;
			break;
		case 'x':
			expect_close = 1;
			break;
		default:
			tool_fatal("usage: loadclient -c addr -m "
			    "echo|send|recv|hold|refused [-C conns] [-n bytes] "
			    "[-s seed] [-b bind] [-r rate] [-d secs] "
			    "[-t timeout] [-R readyfile] [-G gofile] [-w window] "
			    "[-W] [-x]");
		}
	}
	if (target == NULL || tool_parse_addr(target, &addr) == -1)
		tool_fatal("loadclient: need -c host:port, [v6]:port or "
		    "unix:path");
	if (nconns == 0)
		tool_fatal("loadclient: -C must be at least 1");
	if (mode == CLI_HOLD && nbytes == 0)
		nbytes = 16;
	base = event_base_new();
	conns = calloc(nconns, sizeof *conns);
	if (conns == NULL)
		tool_fatal("out of memory");
	tv.tv_sec = (mode == CLI_RECV && duration != 0) ? duration : timeout;
	tv.tv_usec = 0;
	event_base_once(base, -1, EV_TIMEOUT, cli_deadline_cb, NULL, &tv);
	for (i = 0; i < nconns; i++) {
		conns[i].i = i;
		cli_start(&conns[i]);
	}
	if (mode == CLI_RECV && gofile != NULL)
		cli_recv_go_cb(-1, 0, NULL);
	if (ndone != nconns)
		event_base_dispatch(base);
	cli_summary();
	cli_free();
	return (nfailed == 0 ? 0 : 1);
}
