/*
 * bench_hold: many client connections at once, mostly idle, on one
 * libevent loop; for the scale and memory scenarios. Against echo
 * servers (bench_server -m echo), directly or through gatewayd.
 *
 *	bench_hold -c ADDR [-c ADDR]... -C CONNS [-p PARALLEL] [-t SECS]
 *
 * Opens CONNS connections spread over the addresses in turn, at most
 * PARALLEL (default 200) being set up at a time; each sends one byte and
 * is up once the byte came back. Then it prints
 *
 *	up n=CONNS ok=N failed=N secs=S
 *
 * and reads commands on stdin, one a line, answering each with a line:
 *
 *	active K BYTES	the first K connections each send BYTES and read
 *			the echo, all at once:
 *			"active k=K bytes=B ok=N failed=N secs=S lost=N"
 *	quit (or EOF)	close everything and exit: "closed lost=N"
 *
 * lost counts idle connections the far side closed. Every phase gives up
 * after -t seconds (default 300): what is unfinished counts as failed.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "tool.h"

int	main(int, char **);

#define BH_MAXADDRS	1024
#define BH_BUFSIZE	(64 * 1024)

enum bh_state { BH_NEW, BH_CONNECTING, BH_FIRST, BH_IDLE, BH_ACTIVE,
    BH_DEAD };

struct bh_conn {
	unsigned	 i;
	int		 fd;
	enum bh_state	 state;
	struct event	*rev;
	struct event	*wev;
	uint64_t	 to_send;
	uint64_t	 to_recv;
};

static struct event_base	*base;
static struct tool_addr		 addrs[BH_MAXADDRS];
static unsigned			 naddrs;
static struct bh_conn		*conns;
static unsigned			 nconns, parallel = 200, timeout = 300;
static unsigned			 next_conn, inflight, nup, nfailed, nlost;
static unsigned			 active_k, active_left, active_failed;
static uint64_t			 active_bytes;
static int			 in_active;	/* the phase */
static double			 phase_start;
static struct event		*deadline, *input;
static uint8_t			 buf[BH_BUFSIZE];
static char			 line[256];
static size_t			 linelen;

static void	bh_start_next(void);

static double
bh_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
bh_arm_deadline(void)
{
	struct timeval	tv = { timeout, 0 };

	phase_start = bh_now();
	evtimer_add(deadline, &tv);
}

static void
bh_close(struct bh_conn *bc)
{
	if (bc->state == BH_DEAD || bc->state == BH_NEW)
		return;
	event_del(bc->rev);
	event_del(bc->wev);
	close(bc->fd);
	bc->fd = -1;
	bc->state = BH_DEAD;
}

/* The set-up phase is over: say so and listen for commands. */
static void
bh_up_done(void)
{
	evtimer_del(deadline);
	printf("up n=%u ok=%u failed=%u secs=%.3f\n", nconns, nup, nfailed,
	    bh_now() - phase_start);
	fflush(stdout);
	event_add(input, NULL);
}

static void
bh_active_done(void)
{
	evtimer_del(deadline);
	printf("active k=%u bytes=%" PRIu64 " ok=%u failed=%u secs=%.3f "
	    "lost=%u\n", active_k, active_bytes, active_k - active_failed,
	    active_failed, bh_now() - phase_start, nlost);
	fflush(stdout);
	event_add(input, NULL);
}

/* A connection failed in the phase it is in. */
static void
bh_fail(struct bh_conn *bc, const char *what)
{
	enum bh_state	state = bc->state;

	if (nfailed + active_failed < 10)
		fprintf(stderr, "bench_hold: conn %u: %s\n", bc->i, what);
	bh_close(bc);
	switch (state) {
	case BH_CONNECTING:
	case BH_FIRST:
		nfailed++;
		inflight--;
		bh_start_next();
		break;
	case BH_ACTIVE:
		active_failed++;
		if (--active_left == 0)
			bh_active_done();
		break;
	case BH_IDLE:
		nlost++;
		break;
	default:
		break;
	}
}

/* Send what the phase asks for; keep the write event while some is left. */
static void
bh_write(struct bh_conn *bc)
{
	ssize_t	n;
	size_t	len;

	while (bc->to_send > 0) {
		len = bc->to_send < sizeof buf ? bc->to_send : sizeof buf;
		n = write(bc->fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			event_add(bc->wev, NULL);
			return;
		}
		if (n == -1) {
			bh_fail(bc, strerror(errno));
			return;
		}
		bc->to_send -= n;
	}
	event_del(bc->wev);
}

static void
bh_write_cb(int fd, short what, void *arg)
{
	struct bh_conn	*bc = arg;
	socklen_t	 len = sizeof(int);
	int		 err = 0;

	if (bc->state == BH_CONNECTING) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0) {
			bh_fail(bc, strerror(err));
			return;
		}
		bc->state = BH_FIRST;
		bc->to_send = bc->to_recv = 1;
		event_add(bc->rev, NULL);
	}
	bh_write(bc);
}

static void
bh_read_cb(int fd, short what, void *arg)
{
	struct bh_conn	*bc = arg;
	ssize_t		 n;

	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			bh_fail(bc, n == 0 ? "closed by the far side" :
			    strerror(errno));
			return;
		}
		if ((uint64_t)n > bc->to_recv) {
			bh_fail(bc, "more bytes than were sent");
			return;
		}
		bc->to_recv -= n;
		if (bc->to_recv > 0 || bc->to_send > 0)
			continue;
		if (bc->state == BH_FIRST) {
			bc->state = BH_IDLE;
			nup++;
			inflight--;
			bh_start_next();
		} else if (bc->state == BH_ACTIVE) {
			bc->state = BH_IDLE;
			if (--active_left == 0)
				bh_active_done();
		}
		return;
	}
}

/* Begin connections until PARALLEL are being set up or all are begun. */
static void
bh_start_next(void)
{
	struct bh_conn		*bc;
	const struct tool_addr	*a;
	int			 one = 1;

	while (inflight < parallel && next_conn < nconns) {
		bc = &conns[next_conn++];
		a = &addrs[bc->i % naddrs];
		bc->fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (bc->fd == -1) {
			if (nfailed++ < 10)
				fprintf(stderr, "bench_hold: socket: %s\n",
				    strerror(errno));
			continue;
		}
		if (a->ss.ss_family != AF_UNIX)
			setsockopt(bc->fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof one);
		bc->rev = event_new(base, bc->fd, EV_READ | EV_PERSIST,
		    bh_read_cb, bc);
		bc->wev = event_new(base, bc->fd, EV_WRITE | EV_PERSIST,
		    bh_write_cb, bc);
		if (bc->rev == NULL || bc->wev == NULL)
			tool_fatal("bench_hold: event_new failed");
		bc->state = BH_CONNECTING;
		inflight++;
		if (connect(bc->fd, (const struct sockaddr *)&a->ss,
		    a->len) == -1 && errno != EINPROGRESS) {
			bh_fail(bc, strerror(errno));
			continue;
		}
		event_add(bc->wev, NULL);
	}
	if (inflight == 0 && next_conn == nconns)
		bh_up_done();
}

static void
bh_quit(void)
{
	unsigned	i;

	for (i = 0; i < nconns; i++) {
		bh_close(&conns[i]);
		if (conns[i].rev != NULL)
			event_free(conns[i].rev);
		if (conns[i].wev != NULL)
			event_free(conns[i].wev);
	}
	printf("closed lost=%u\n", nlost);
	fflush(stdout);
	event_base_loopbreak(base);
}

/* "active K BYTES": K idle connections echo BYTES each, at once. */
static void
bh_active(unsigned k, uint64_t bytes)
{
	struct bh_conn	*bc;
	unsigned	 i;

	in_active = 1;
	active_k = active_left = active_failed = 0;
	active_bytes = bytes;
	bh_arm_deadline();
	for (i = 0; i < nconns && active_k < k; i++) {
		bc = &conns[i];
		if (bc->state != BH_IDLE)
			continue;
		bc->state = BH_ACTIVE;
		bc->to_send = bc->to_recv = bytes;
		active_k++;
		active_left++;
	}
	if (active_left == 0) {
		bh_active_done();
		return;
	}
	for (i = 0; i < nconns; i++) {
		if (conns[i].state == BH_ACTIVE)
			bh_write(&conns[i]);
	}
}

static void
bh_command(const char *cmd)
{
	unsigned long long	k, bytes;

	if (sscanf(cmd, "active %llu %llu", &k, &bytes) == 2 && k > 0 &&
	    bytes > 0 && k <= nconns) {
		event_del(input);
		bh_active(k, bytes);
	} else if (strcmp(cmd, "quit") == 0)
		bh_quit();
	else {
		printf("error unknown command\n");
		fflush(stdout);
	}
}

static void
bh_input_cb(int fd, short what, void *arg)
{
	ssize_t	n;
	char	c;

	for (;;) {
		n = read(fd, &c, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			bh_quit();
			return;
		}
		if (c != '\n') {
			if (linelen < sizeof line - 1)
				line[linelen++] = c;
			continue;
		}
		line[linelen] = '\0';
		linelen = 0;
		bh_command(line);
		return;
	}
}

/* The phase took too long: what is unfinished failed. */
static void
bh_deadline_cb(int fd, short what, void *arg)
{
	unsigned	i;

	if (!in_active) {
		/* Begin no more; the last one to fail ends the phase. */
		nfailed += nconns - next_conn;
		next_conn = nconns;
	}
	for (i = 0; i < nconns; i++) {
		switch (conns[i].state) {
		case BH_CONNECTING:
		case BH_FIRST:
		case BH_ACTIVE:
			bh_fail(&conns[i], "timed out");
			break;
		default:
			break;
		}
	}
}

static void
bh_usage(void)
{
	fprintf(stderr, "usage: bench_hold -c addr [-c addr]... -C conns "
	    "[-p parallel] [-t secs]\n");
	exit(2);
}

static unsigned
bh_number(const char *s, unsigned max)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > max || *s == '-')
		bh_usage();
	return (v);
}

int
main(int argc, char **argv)
{
	unsigned	i;
	int		ch;

	signal(SIGPIPE, SIG_IGN);
	tool_raise_nofile();
	while ((ch = getopt(argc, argv, "c:C:p:t:")) != -1) {
		switch (ch) {
		case 'c':
			if (naddrs == BH_MAXADDRS)
				tool_fatal("bench_hold: more than %u addresses",
				    BH_MAXADDRS);
			if (tool_parse_addr(optarg, &addrs[naddrs++]) == -1)
				tool_fatal("bench_hold: bad address %s",
				    optarg);
			break;
		case 'C':
			nconns = bh_number(optarg, 1000000);
			break;
		case 'p':
			parallel = bh_number(optarg, 100000);
			break;
		case 't':
			timeout = bh_number(optarg, 86400);
			break;
		default:
			bh_usage();
		}
	}
	if (naddrs == 0 || nconns == 0 || optind != argc)
		bh_usage();
	for (i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 13);
	conns = calloc(nconns, sizeof *conns);
	if (conns == NULL)
		tool_fatal("bench_hold: out of memory");
	for (i = 0; i < nconns; i++) {
		conns[i].i = i;
		conns[i].fd = -1;
	}
	base = event_base_new();
	if (base == NULL)
		tool_fatal("bench_hold: event_base_new failed");
	deadline = evtimer_new(base, bh_deadline_cb, NULL);
	input = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST,
	    bh_input_cb, NULL);
	if (deadline == NULL || input == NULL)
		tool_fatal("bench_hold: event_new failed");
	if (fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) |
	    O_NONBLOCK) == -1)
		tool_fatal("bench_hold: stdin: %s", strerror(errno));
	bh_arm_deadline();
	bh_start_next();
	event_base_dispatch(base);
	event_free(deadline);
	event_free(input);
	free(conns);
	event_base_free(base);
	return (0);
}
