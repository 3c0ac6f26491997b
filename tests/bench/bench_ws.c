/*
 * bench_ws: how fast one WebSocket carries messages one way over loopback.
 * The server runs in a forked process. The receiver counts what arrives
 * and says "done" when it has it all; the sender keeps at most 1 MiB
 * queued (the drained callback refills). Timed from the open to "done" on
 * the client. Plain and TLS (with a throwaway CA). Prints one line per
 * run; a benchmark, not a test.
 *
 *	bench_ws [-MT] [-s message-size] [-m MiB]
 *
 * -M keeps freed memory in the process (mallopt) instead of returning it
 * to the kernel after every burst; -T uses TLS; -R has the server send
 * and the client receive (the direction gatewayd receives in).
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>

#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "testca.h"
#include "tls.h"
#include "tls_server.h"
#include "util.h"
#include "ws.h"
#include "ws_server.h"
#include "xmalloc.h"

#define BENCH_QUEUE	(1024 * 1024)

int	main(int, char **);

static struct event_base	*base;
static uint8_t			*msg;
static size_t			 msg_size;
static uint64_t			 total, sent, received;
static uint64_t			 start_ms, end_ms;
static int			 failed;
static int			 reverse;	/* the server sends */

static void
bench_fail_cb(struct ws *ws, enum ws_error err, const char *cause, void *arg)
{
	fprintf(stderr, "bench_ws: %s\n", cause);
	failed = 1;
	event_base_loopbreak(base);
}

static void
bench_close_cb(struct ws *ws, uint16_t code, const char *reason, int clean,
    void *arg)
{
	event_base_loopbreak(base);
}

/* Keep the queue topped up. */
static void
bench_fill(struct ws *ws)
{
	size_t	n;

	while (sent < total && ws_get_queued(ws) < BENCH_QUEUE) {
		n = total - sent < msg_size ? total - sent : msg_size;
		ws_send_binary(ws, msg, n);
		sent += n;
	}
}

static void
bench_drained_cb(struct ws *ws, void *arg)
{
	bench_fill(ws);
}

/*
 * The receiving side counts bytes and says "done" when all are in; the
 * sending side takes "done" as the end of the run. "go" starts a run
 * that the server sends.
 */
static void
bench_msg_cb(struct ws *ws, enum ws_type type, const uint8_t *data,
    size_t len, void *arg)
{
	if (type == WS_TEXT && len == 2 && memcmp(data, "go", 2) == 0) {
		bench_fill(ws);
		return;
	}
	if (type == WS_TEXT && len == 4 && memcmp(data, "done", 4) == 0) {
		end_ms = clock_now_ms();
		ws_close(ws, 1000, "done");
		return;
	}
	received += len;
	if (received == total) {
		end_ms = clock_now_ms();
		ws_send_text(ws, "done", 4);
		if (arg != NULL)
			ws_close(ws, 1000, "done");
	}
}

static void
bench_open_cb(struct ws *ws, void *arg)
{
	start_ms = clock_now_ms();
	if (reverse)
		ws_send_text(ws, "go", 2);
	else
		bench_fill(ws);
}

static const struct ws_cb bench_server_cb = {
	NULL, bench_msg_cb, bench_close_cb, bench_fail_cb, bench_drained_cb,
	NULL, NULL
};
static const struct ws_cb bench_client_cb = {
	bench_open_cb, bench_msg_cb, bench_close_cb, bench_fail_cb,
	bench_drained_cb, NULL, NULL
};

/* Child: serve one WebSocket on the listening socket, then exit. */
static void
bench_serve(int lfd, struct tls_server *ts)
{
	struct ws_options	 o;
	struct ws		*ws;
	char			*cause;
	int			 fd;

	if ((fd = accept(lfd, NULL, NULL)) == -1)
		_exit(1);
	memset(&o, 0, sizeof o);
	o.flags = WS_NO_PING;
	o.max_message = msg_size > WS_MAX_MESSAGE ? msg_size : 0;
	base = event_base_new();
	ws = ws_server_new(base, fd, ts, &o, &bench_server_cb, NULL, &cause);
	if (ws == NULL)
		_exit(1);
	event_base_dispatch(base);
	ws_free(ws);
	event_base_free(base);
	_exit(failed);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	struct testca		*ca = NULL;
	struct tls_server	*ts = NULL;
	struct tls_client	*tc = NULL;
	struct ws_options	 o;
	struct ws		*ws;
	const char		*crt, *key;
	char			 dir[] = "/tmp/bench_ws.XXXXXX";
	char			*cause, *url;
	int			 ch, use_tls = 0, lfd, status;
	pid_t			 pid;
	double			 secs, ccpu, scpu;
	struct rusage		 cru, sru;

	msg_size = 1024;
	total = 256;
	while ((ch = getopt(argc, argv, "MTRm:s:")) != -1) {
		switch (ch) {
		case 'R':
			reverse = 1;
			break;
		case 'M':
			/* What a daemon's main() may do: keep freed memory. */
			mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
			mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
			break;
		case 'T':
			use_tls = 1;
			break;
		case 'm':
			total = strtoull(optarg, NULL, 10);
			break;
		case 's':
			msg_size = strtoull(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: bench_ws [-MRT] [-s size] "
			    "[-m MiB]\n");
			return (1);
		}
	}
	total *= 1024 * 1024;
	log_init("bench_ws", LOG_LEVEL_WARN);
	msg = xcalloc(1, msg_size);
	util_random(msg, msg_size);
	if (use_tls) {
		cause = NULL;
		if (mkdtemp(dir) == NULL ||
		    (ca = testca_new(dir, "ca", &cause)) == NULL ||
		    testca_issue(ca, "srv", "IP:127.0.0.1", -60, 3600, &crt,
		    &key, &cause) != 0 ||
		    (ts = tls_server_new(crt, key, &cause)) == NULL ||
		    (tc = tls_client_new(testca_path(ca), 0, &cause)) == NULL)
			fatalx("bench_ws: %s", cause != NULL ? cause : dir);
	}
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(lfd, 1) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) != 0)
		fatal("bench_ws: listen");
	if ((pid = fork()) == -1)
		fatal("bench_ws: fork");
	if (pid == 0)
		bench_serve(lfd, ts);
	close(lfd);

	memset(&o, 0, sizeof o);
	o.flags = WS_ALLOW_PLAIN | WS_NO_PING;
	o.tls = tc;
	o.low_watermark = BENCH_QUEUE / 2;
	base = event_base_new();
	xasprintf(&url, "%s://127.0.0.1:%u/bench", use_tls ? "wss" : "ws",
	    ntohs(sin.sin_port));
	if ((ws = ws_client_new(base, url, &o, &bench_client_cb, &o,
	    &cause)) == NULL)
		fatalx("bench_ws: %s", cause);
	event_base_dispatch(base);
	wait4(pid, &status, 0, &sru);
	getrusage(RUSAGE_SELF, &cru);
	if (failed || end_ms == 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_ws: run failed\n");
		return (1);
	}
	secs = (end_ms - start_ms) / 1000.0;
	/* CPU time says more than wall time on a shared machine. */
	ccpu = cru.ru_utime.tv_sec + cru.ru_stime.tv_sec +
	    (cru.ru_utime.tv_usec + cru.ru_stime.tv_usec) / 1e6;
	scpu = sru.ru_utime.tv_sec + sru.ru_stime.tv_sec +
	    (sru.ru_utime.tv_usec + sru.ru_stime.tv_usec) / 1e6;
	printf("%s %s, %zu-byte messages: %llu MiB in %.2f s = %.0f MiB/s, "
	    "%.0f messages/s; CPU s per GiB: client %.2f, server %.2f\n",
	    use_tls ? "tls" : "plain", reverse ? "server->client" :
	    "client->server", msg_size,
	    (unsigned long long)(total >> 20), secs, (total >> 20) / secs,
	    (double)total / msg_size / secs, ccpu * 1024 / (total >> 20),
	    scpu * 1024 / (total >> 20));
	ws_free(ws);
	event_base_free(base);
	free(url);
	free(msg);
	tls_client_free(tc);
	tls_server_free(ts);
	testca_free(ca);
	if (use_tls)
		rmdir(dir);
	return (0);
}
