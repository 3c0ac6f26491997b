/*
 * bench_server: the far side of the benchmarks, as cheap as a server can
 * be so that what is measured is the thing between it and the client. No
 * hashing (loadserver hashes every byte); plain read() and write() on a
 * shared buffer, one libevent loop, any number of connections.
 *
 *	bench_server -l ADDR -m echo|sink|source|hello [-P PORTFILE]
 *
 *   echo    send back what arrives; close after the client's EOF
 *   sink    read "BYTES\n", then BYTES bytes, and reply "BYTES\n" once
 *           they are all in, so the client knows every byte arrived; no
 *           half-close (smux in Session Manager has none): a byte after
 *           the reply ends the connection, as a client's close does
 *   source  read "BYTES\n", send BYTES bytes of a fixed pattern as fast
 *           as the client takes them, then wait for the client to close:
 *           the client has read everything when it closes, so the
 *           connection ends cleanly (no reset, no bytes in flight that
 *           nobody reads)
 *   hello   send one byte on accept and close, as a server that speaks
 *           first (sshd's banner): the client times its first byte
 *
 * -P writes the bound TCP port once listening. Runs until SIGTERM, then
 * prints "connections N bytes_in N bytes_out N" and exits 0.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "tool.h"

int	main(int, char **);

#define BS_BUFSIZE	(256 * 1024)


struct bs_conn {
	int		 fd;
	struct event	*rev;
	struct event	*wev;
	uint8_t		*pend;		/* echo: what write() did not take */
	size_t		 pend_off;
	size_t		 pend_len;
	uint64_t	 bytes_in;
	char		 hdr[24];	/* sink, source: "BYTES\n" */
	size_t		 hdrlen;
	int		 have_want;
	uint64_t	 want;		/* bytes announced (sink) or asked for */
	uint64_t	 got;		/* sink: bytes after the header */
	uint64_t	 sent;		/* source: bytes sent */
	LIST_ENTRY(bs_conn) entry;
};
LIST_HEAD(bs_conns, bs_conn);

static struct event_base	*base;
static enum tool_mode		 mode = TOOL_ECHO;
static int			 hello;
static uint8_t			 buf[BS_BUFSIZE];
static uint64_t			 total_in, total_out, nconns;
static struct bs_conns		 conns = LIST_HEAD_INITIALIZER(conns);

static void	bs_read_cb(int, short, void *);
static void	bs_write_cb(int, short, void *);

static void
bs_free(struct bs_conn *bc)
{
	LIST_REMOVE(bc, entry);
	event_free(bc->rev);
	event_free(bc->wev);
	close(bc->fd);
	free(bc->pend);
	free(bc);
}

/* Write what is pending; return 1 when all of it has gone, -1 on error. */
static int
bs_flush(struct bs_conn *bc)
{
	ssize_t	n;

	while (bc->pend_off < bc->pend_len) {
		n = write(bc->fd, bc->pend + bc->pend_off,
		    bc->pend_len - bc->pend_off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return (0);
		if (n == -1)
			return (-1);
		bc->pend_off += n;
		total_out += n;
	}
	free(bc->pend);
	bc->pend = NULL;
	bc->pend_off = bc->pend_len = 0;
	return (1);
}

/* Queue len bytes of buf for the client, keeping what write() refuses. */
static int
bs_send(struct bs_conn *bc, const uint8_t *data, size_t len)
{
	bc->pend = malloc(len);
	if (bc->pend == NULL)
		tool_fatal("bench_server: out of memory");
	memcpy(bc->pend, data, len);
	bc->pend_len = len;
	bc->pend_off = 0;
	return (bs_flush(bc));
}

/*
 * Take what of the "BYTES\n" header is in data; return how many bytes of
 * data it used, or -1 if the header is bad.
 */
static ssize_t
bs_header(struct bs_conn *bc, const uint8_t *data, size_t len)
{
	size_t	used;
	char	*end;

	for (used = 0; !bc->have_want && used < len; used++) {
		if (data[used] == '\n' && bc->hdrlen > 0) {
			bc->hdr[bc->hdrlen] = '\0';
			bc->want = strtoull(bc->hdr, &end, 10);
			bc->have_want = 1;
		} else if (data[used] >= '0' && data[used] <= '9' &&
		    bc->hdrlen < sizeof bc->hdr - 1)
			bc->hdr[bc->hdrlen++] = data[used];
		else {
			fprintf(stderr, "bench_server: bad header\n");
			return (-1);
		}
	}
	return (used);
}

/*
 * Sink: take the header, count the bytes, answer once all are in. Return
 * as bs_send does: 1 (go on), 0 (the answer is pending), -1 (close).
 */
static int
bs_sink(struct bs_conn *bc, const uint8_t *data, size_t len)
{
	char	reply[32];
	ssize_t	used;

	/* Reading resumes only once the reply has gone. */
	if (bc->have_want && bc->want > 0 && bc->got == bc->want)
		return (-1);
	if ((used = bs_header(bc, data, len)) == -1)
		return (-1);
	data += used;
	len -= used;
	if (!bc->have_want)
		return (1);
	bc->got += len;
	if (bc->got > bc->want) {
		fprintf(stderr, "bench_server: sink: %" PRIu64 " bytes, %"
		    PRIu64 " announced\n", bc->got, bc->want);
		return (-1);
	}
	if (bc->got < bc->want || len == 0)
		return (1);
	snprintf(reply, sizeof reply, "%" PRIu64 "\n", bc->got);
	return (bs_send(bc, (uint8_t *)reply, strlen(reply)));
}

/*
 * Source: the client's header starts the sending; anything after it, or
 * the client's close, ends the connection. Return 1 to go on, -1 to
 * close.
 */
static int
bs_source(struct bs_conn *bc, const uint8_t *data, size_t len)
{
	ssize_t	used;

	if (bc->have_want || (used = bs_header(bc, data, len)) == -1)
		return (-1);
	if ((size_t)used != len)
		return (-1);
	if (bc->have_want)
		event_add(bc->wev, NULL);
	return (1);
}

/* The client sent bytes or closed. */
static void
bs_input(struct bs_conn *bc)
{
	ssize_t	n;
	int	rc;

	for (;;) {
		n = read(bc->fd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		bc->bytes_in += n;
		total_in += n;
		if (mode == TOOL_ECHO)
			rc = bs_send(bc, buf, n);
		else if (mode == TOOL_SINK)
			rc = bs_sink(bc, buf, n);
		else
			rc = bs_source(bc, buf, n);
		if (rc == -1)
			break;
		if (rc == 0) {
			/* Stop reading until what we owe is out. */
			event_del(bc->rev);
			event_add(bc->wev, NULL);
			return;
		}
	}
	bs_free(bc);
}

/* Source: fill the socket until the bytes asked for are out. */
static void
bs_output(struct bs_conn *bc)
{
	ssize_t	n;
	size_t	len;
	int	i;

	for (i = 0; i < 64 && bc->sent < bc->want; i++) {
		len = sizeof buf;
		if (bc->want - bc->sent < len)
			len = bc->want - bc->sent;
		n = write(bc->fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n == -1) {
			bs_free(bc);
			return;
		}
		bc->sent += n;
		total_out += n;
	}
	if (bc->sent == bc->want)
		event_del(bc->wev);
}

static void
bs_read_cb(int fd, short what, void *arg)
{
	bs_input(arg);
}

static void
bs_write_cb(int fd, short what, void *arg)
{
	struct bs_conn	*bc = arg;
	int		 rc;

	if (mode == TOOL_SOURCE) {
		bs_output(bc);
		return;
	}
	rc = bs_flush(bc);
	if (rc == 0)
		return;
	if (rc == -1) {
		bs_free(bc);
		return;
	}
	event_del(bc->wev);
	event_add(bc->rev, NULL);
}

static void
bs_accept_cb(int lfd, short what, void *arg)
{
	struct bs_conn	*bc;
	int		 fd, one = 1;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				fprintf(stderr, "bench_server: accept: %s\n",
				    strerror(errno));
			return;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		nconns++;
		if (hello) {
			/* A fresh socket's buffer takes one byte. */
			if (write(fd, "H", 1) == 1)
				total_out++;
			close(fd);
			continue;
		}
		bc = calloc(1, sizeof *bc);
		if (bc == NULL)
			tool_fatal("bench_server: out of memory");
		bc->fd = fd;
		bc->rev = event_new(base, fd, EV_READ | EV_PERSIST, bs_read_cb,
		    bc);
		bc->wev = event_new(base, fd, EV_WRITE | EV_PERSIST,
		    bs_write_cb, bc);
		if (bc->rev == NULL || bc->wev == NULL)
			tool_fatal("bench_server: event_new failed");
		LIST_INSERT_HEAD(&conns, bc, entry);
		event_add(bc->rev, NULL);
	}
}

static void
bs_signal_cb(int sig, short what, void *arg)
{
	event_base_loopbreak(base);
}

static void
bs_usage(void)
{
	fprintf(stderr, "usage: bench_server -l addr "
	    "-m echo|sink|source|hello [-P portfile]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct tool_addr	 addr;
	struct event		*lev, *sig;
	const char		*listen_at = NULL, *portfile = NULL;
	char			 text[32];
	size_t			 i;
	int			 ch, fd;

	signal(SIGPIPE, SIG_IGN);
	tool_raise_nofile();
	while ((ch = getopt(argc, argv, "l:m:P:")) != -1) {
		switch (ch) {
		case 'l':
			listen_at = optarg;
			break;
		case 'm':
			/* hello is this tool's alone (tool.c has the rest). */
			hello = strcmp(optarg, "hello") == 0;
			if (!hello)
				mode = tool_parse_mode("bench_server", optarg);
			break;
		case 'P':
			portfile = optarg;
			break;
		default:
			bs_usage();
		}
	}
	if (listen_at == NULL || optind != argc)
		bs_usage();
	if (tool_parse_addr(listen_at, &addr) == -1)
		tool_fatal("bench_server: bad address %s", listen_at);
	for (i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 131 + (i >> 8));

	base = event_base_new();
	if (base == NULL)
		tool_fatal("bench_server: event_base_new failed");
	fd = tool_listen(&addr);
	lev = event_new(base, fd, EV_READ | EV_PERSIST, bs_accept_cb, NULL);
	sig = evsignal_new(base, SIGTERM, bs_signal_cb, NULL);
	if (lev == NULL || sig == NULL)
		tool_fatal("bench_server: event_new failed");
	event_add(lev, NULL);
	event_add(sig, NULL);
	if (portfile != NULL) {
		snprintf(text, sizeof text, "%u\n", tool_local_port(fd));
		tool_write_file(portfile, text);
	}
	event_base_dispatch(base);
	printf("connections %" PRIu64 " bytes_in %" PRIu64 " bytes_out %"
	    PRIu64 "\n", nconns, total_in, total_out);
	while (!LIST_EMPTY(&conns))
		bs_free(LIST_FIRST(&conns));
	event_free(lev);
	event_free(sig);
	close(fd);
	event_base_free(base);
	return (0);
}
