/*
 * Unit tests for the tcp forwarder on loopback: bytes both ways, connect
 * failures with their reasons, name resolution trying each address,
 * back-pressure in both directions, half-close both ways, how each end
 * reaches the other side (a clean end as EOF, a failure as a reset),
 * config checks. The far side is a small server on the same loop.
 */

#include "autoconf.h"

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

#include "config.h"
#include "gateway.h"
#include "gatewayd.h"
#include "testloop.h"
#include "xmalloc.h"

#define BIG	(8 * 1024 * 1024)

enum far_mode { FAR_ECHO, FAR_COLLECT, FAR_PUSH };

/* The far side: one accepted connection on the test's loop. */
struct far {
	int			 lfd;
	unsigned		 port;
	struct event		*ev;
	struct bufferevent	*bev;
	enum far_mode		 mode;
	int			 reading;	/* 0: leave bytes unread */
	struct evbuffer		*got;
	int			 eof;
	int			 error;
	size_t			 push_left;
};

static struct far	 far;
static struct fwd_config *fc;
static struct forward	*fw;
static char		 addr[160];
static int		 cfd = -1;
static uint8_t		*pat;

static void
far_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);

	if (far.mode == FAR_ECHO)
		bufferevent_write_buffer(bev, in);
	else
		evbuffer_add_buffer(far.got, in);
}

/* FAR_PUSH: keep the output topped up from the pattern. */
static void
far_write_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*out = bufferevent_get_output(bev);
	size_t		 off, n;

	while (far.push_left != 0 && evbuffer_get_length(out) < 1024 * 1024) {
		off = BIG - far.push_left;
		n = far.push_left < 65536 ? far.push_left : 65536;
		evbuffer_add(out, pat + off, n);
		far.push_left -= n;
	}
}

static void
far_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & BEV_EVENT_EOF) {
		far.eof = 1;
		/* An echo ends its side once the client has. */
		if (far.mode == FAR_ECHO)
			shutdown(bufferevent_getfd(bev), SHUT_WR);
	}
	else if (what & BEV_EVENT_ERROR)
		far.error = 1;
}

static void
far_accept_cb(evutil_socket_t lfd, short events, void *arg)
{
	int	fd, gw;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) == -1)
		return;
	/*
	 * What the kernel holds between gatewayd and the far side, fixed
	 * before a byte moves, at both ends: whatever the machine's
	 * autotuning, a side that stops reading stops the other.
	 */
	testloop_sockbuf(fd, TESTLOOP_SOCKBUF);
	assert_true((gw = testloop_peer_fd(fd)) != -1);
	testloop_sockbuf(gw, TESTLOOP_SOCKBUF);
	far.bev = bufferevent_socket_new(gw_base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(far.bev, far_read_cb, far_write_cb, far_event_cb,
	    NULL);
	bufferevent_enable(far.bev, (far.reading ? EV_READ : 0) | EV_WRITE);
	if (far.mode == FAR_PUSH)
		far_write_cb(far.bev, NULL);
}

/* Listen on 127.0.0.1, backlog as given. */
static void
far_listen(int backlog)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	far.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(bind(far.lfd, (struct sockaddr *)&sin, sizeof sin),
	    0);
	assert_int_equal(listen(far.lfd, backlog), 0);
	getsockname(far.lfd, (struct sockaddr *)&sin, &len);
	far.port = ntohs(sin.sin_port);
}

static void
far_start(enum far_mode mode)
{
	far.mode = mode;
	far.reading = 1;
	far_listen(16);
	far.ev = event_new(gw_base, far.lfd, EV_READ | EV_PERSIST,
	    far_accept_cb, NULL);
	event_add(far.ev, NULL);
}

/* A tcp forward to target:port, on a free local port. */
static void
forward_to(const char *target, unsigned port, unsigned timeout_ms)
{
	char	*cause = NULL;

	snprintf(addr, sizeof addr, "127.0.0.1:%u",
	    testloop_free_port(AF_INET));
	fc = testloop_fwd_config("t", addr, target, port);
	fc->connect_timeout = timeout_ms;
	fw = gateway_add(fc, &cause);
	assert_non_null(fw);
}

static int
setup(void **state)
{
	size_t	i;

	testloop_init();
	memset(&far, 0, sizeof far);
	far.lfd = -1;
	far.got = evbuffer_new();
	pat = xmalloc(BIG);
	for (i = 0; i < BIG; i++)
		pat[i] = (uint8_t)(i * 31 + (i >> 13));
	return (0);
}

static int
teardown(void **state)
{
	if (cfd != -1)
		close(cfd);
	cfd = -1;
	if (far.bev != NULL)
		bufferevent_free(far.bev);
	if (far.ev != NULL)
		event_free(far.ev);
	if (far.lfd != -1)
		close(far.lfd);
	evbuffer_free(far.got);
	testloop_done();
	testloop_fwd_config_free(fc);
	fc = NULL;
	free(pat);
	return (0);
}

static int
no_conns(void *arg)
{
	return (fw->nconns == 0 && fw->total_conns != 0);
}

static int
far_has(void *arg)
{
	return (evbuffer_get_length(far.got) >= *(size_t *)arg);
}

static int
far_has_eof(void *arg)
{
	return (far.eof);
}

/* How the client's read side ended: 0 EOF, an errno, -2 not yet. */
struct end {
	int	fd;
	int	how;
};

static int
client_ended(void *arg)
{
	struct end	*e = arg;
	char		 buf[4096];
	ssize_t		 n;

	while ((n = recv(e->fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
		;
	if (n == 0)
		e->how = 0;
	else if (errno != EAGAIN && errno != ENOTCONN)
		e->how = errno;
	return (e->how != -2);
}

/* Read and discard until the client's end; return how it ended. */
static int
client_end(int fd, unsigned ms)
{
	struct end	e = { fd, -2 };

	testloop_run_until(client_ended, &e, ms);
	return (e.how);
}

static struct conn *
the_conn(void)
{
	return (TAILQ_FIRST(&fw->conns));
}

static int
conn_is_up(void *arg)
{
	return (the_conn() != NULL && the_conn()->state == CONN_OPEN);
}

static int
output_full(void *arg)
{
	return (conn_is_output_full(the_conn()));
}

/*
 * A client whose connection is up, with what the kernel holds between it
 * and gatewayd fixed at both ends (see far_accept_cb).
 */
static void
client_up(void)
{
	cfd = testloop_connect(addr, NULL);
	testloop_sockbuf(cfd, TESTLOOP_SOCKBUF);
	assert_true(testloop_run_until(conn_is_up, NULL, 5000));
	testloop_sockbuf(bufferevent_getfd(the_conn()->bev), TESTLOOP_SOCKBUF);
}

static void
test_tcp_forwards_both_ways(void **state)
{
	uint8_t	*back = xmalloc(1024 * 1024);

	far_start(FAR_ECHO);
	forward_to("127.0.0.1", far.port, 5000);
	cfd = testloop_connect(addr, NULL);
	assert_int_equal(testloop_write(cfd, pat, 1024 * 1024, 10000), 0);
	assert_int_equal(testloop_read(cfd, back, 1024 * 1024, 10000),
	    1024 * 1024);
	assert_memory_equal(back, pat, 1024 * 1024);
	close(cfd);
	cfd = -1;
	assert_true(testloop_run_until(no_conns, NULL, 5000));
	assert_int_equal(fw->bytes_in, 1024 * 1024);
	assert_int_equal(fw->bytes_out, 1024 * 1024);
	free(back);
}

static void
test_tcp_connect_refused_closes_with_reason(void **state)
{
	char	want[128];
	unsigned port = testloop_free_port(AF_INET);

	forward_to("127.0.0.1", port, 5000);
	cfd = testloop_connect(addr, NULL);
	/* Nothing was ever forwarded: still a reset, never a clean end. */
	assert_int_equal(client_end(cfd, 5000), ECONNRESET);
	assert_true(testloop_run_until(no_conns, NULL, 5000));
	snprintf(want, sizeof want, "-> 127.0.0.1:%u): 0 B in, 0 B out, ",
	    port);
	assert_true(testloop_log_has(want));
	snprintf(want, sizeof want, "connect to 127.0.0.1:%u: Connection "
	    "refused\n", port);
	assert_true(testloop_log_has(want));
	/* gatewayctl status shows it as the forward's last error. */
	want[strlen(want) - 1] = '\0';
	assert_string_equal(fw->last_error, want);
}

static void
test_tcp_connect_timeout_closes_with_reason(void **state)
{
	int	fill[4], i;

	/* A listener nobody accepts from: once its queue is full, SYNs go
	 * unanswered and a connect hangs. */
	far_listen(0);
	for (i = 0; i < 4; i++) {
		char	to[64];

		snprintf(to, sizeof to, "127.0.0.1:%u", far.port);
		fill[i] = testloop_connect(to, NULL);
	}
	testloop_run_for(50);
	forward_to("127.0.0.1", far.port, 300);
	cfd = testloop_connect(addr, NULL);
	assert_int_equal(client_end(cfd, 5000), ECONNRESET);
	assert_true(testloop_log_has("timed out after 0.3s\n"));
	for (i = 0; i < 4; i++)
		close(fill[i]);
}

static void
test_tcp_name_tries_each_address(void **state)
{
	char	 path[] = "/tmp/test_tcp_hosts.XXXXXX", text[128];
	char	 buf[5];
	int	 fd;

	far_start(FAR_ECHO);
	/* 127.0.0.2 refuses (the far side is on 127.0.0.1 only). */
	assert_true((fd = mkstemp(path)) != -1);
	snprintf(text, sizeof text, "127.0.0.2 multi.test\n"
	    "127.0.0.1 multi.test\n");
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(evdns_base_load_hosts(gateway_get_dns(), path), 0);
	unlink(path);
	forward_to("multi.test", far.port, 5000);
	cfd = testloop_connect(addr, NULL);
	assert_int_equal(testloop_write(cfd, "hello", 5, 5000), 0);
	assert_int_equal(testloop_read(cfd, buf, 5, 5000), 5);
	assert_memory_equal(buf, "hello", 5);
}

/* A name server on loopback that knows no names. */
static void
dns_nxdomain_cb(struct evdns_server_request *req, void *arg)
{
	evdns_server_request_respond(req, DNS_ERR_NOTEXIST);
}

static void
test_tcp_unknown_name_closes_with_reason(void **state)
{
	struct evdns_server_port	*port;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof sin;
	char				 ns[64];
	int				 fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	port = evdns_add_server_port_with_base(gw_base, fd, 0,
	    dns_nxdomain_cb, NULL);
	snprintf(ns, sizeof ns, "127.0.0.1:%u", ntohs(sin.sin_port));
	evdns_base_clear_nameservers_and_suspend(gateway_get_dns());
	assert_int_equal(evdns_base_nameserver_ip_add(gateway_get_dns(), ns),
	    0);
	evdns_base_resume(gateway_get_dns());
	evdns_base_search_clear(gateway_get_dns());

	forward_to("no-such-host.invalid", 80, 5000);
	cfd = testloop_connect(addr, NULL);
	assert_int_equal(client_end(cfd, 5000), ECONNRESET);
	assert_true(testloop_run_until(no_conns, NULL, 5000));
	assert_true(testloop_log_has("-> no-such-host.invalid:80): 0 B in, "
	    "0 B out, "));
	assert_true(testloop_log_has(": resolve no-such-host.invalid: "));
	evdns_close_server_port(port);
	close(fd);
}

static void
test_tcp_slow_client_stops_the_far_side(void **state)
{
	uint8_t	*back = xmalloc(BIG);

	far_start(FAR_PUSH);
	far.push_left = BIG;
	forward_to("127.0.0.1", far.port, 5000);
	client_up();
	/* The client reads nothing: gatewayd's output fills, then stops. */
	assert_true(testloop_run_until(output_full, NULL, 10000));
	testloop_run_for(200);
	/* Past the mark by one read of the far side at most. */
	assert_true(conn_output_len(the_conn()) <= CONN_HIGH_WATERMARK +
	    256 * 1024);
	/*
	 * What gatewayd did not take stayed with the far side: the kernel
	 * holds a few TESTLOOP_SOCKBUF between each pair of ends, gatewayd
	 * its watermark, far.bev a MiB; BIG is more than all of that.
	 */
	assert_true(far.push_left + evbuffer_get_length(
	    bufferevent_get_output(far.bev)) > 0);
	assert_int_equal(testloop_read(cfd, back, BIG, 20000), BIG);
	assert_memory_equal(back, pat, BIG);
	free(back);
}

/*
 * The client pushes the pattern as fast as its socket takes it, while the
 * loop runs, until all of it is sent or gatewayd pauses the conn.
 */
static size_t	sent;

static int
pushed_until_paused(void *arg)
{
	ssize_t	n;

	while (sent < BIG && !the_conn()->paused) {
		n = send(cfd, pat + sent, BIG - sent > 65536 ? 65536 :
		    BIG - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1) {
			assert_int_equal(errno, EAGAIN);
			return (0);
		}
		sent += n;
	}
	return (1);
}

static void
test_tcp_slow_far_side_pauses_the_client(void **state)
{
	size_t	want = BIG;

	far_start(FAR_COLLECT);
	far.reading = 0;
	forward_to("127.0.0.1", far.port, 5000);
	client_up();
	/*
	 * The kernel holds a few TESTLOOP_SOCKBUF between each pair of ends
	 * (fixed), gatewayd its watermark: far less than BIG.
	 */
	sent = 0;
	assert_true(testloop_run_until(pushed_until_paused, NULL, 20000));
	assert_true(sent < BIG);
	assert_true(the_conn()->paused);
	/* The far side reads at last: everything arrives, in order. */
	bufferevent_enable(far.bev, EV_READ);
	assert_int_equal(testloop_write(cfd, pat + sent, BIG - sent, 20000),
	    0);
	assert_true(testloop_run_until(far_has, &want, 20000));
	assert_int_equal(evbuffer_get_length(far.got), BIG);
	assert_memory_equal(evbuffer_pullup(far.got, -1), pat, BIG);
}

static void
test_tcp_half_close_client_first(void **state)
{
	size_t	want = 4;
	char	buf[8];

	far_start(FAR_COLLECT);
	forward_to("127.0.0.1", far.port, 5000);
	cfd = testloop_connect(addr, NULL);
	assert_int_equal(testloop_write(cfd, "ping", 4, 5000), 0);
	shutdown(cfd, SHUT_WR);
	assert_true(testloop_run_until(far_has_eof, NULL, 5000));
	assert_true(far_has(&want));
	/* The far side answers after the client's EOF, then ends. */
	bufferevent_write(far.bev, "pong", 4);
	assert_int_equal(testloop_read(cfd, buf, 4, 5000), 4);
	assert_memory_equal(buf, "pong", 4);
	shutdown(bufferevent_getfd(far.bev), SHUT_WR);
	assert_int_equal(testloop_wait_eof(cfd, 5000), 0);
	assert_true(testloop_run_until(no_conns, NULL, 5000));
	assert_true(testloop_log_has("4 B in, 4 B out, "));
	assert_true(testloop_log_has(": client closed\n"));
}

static void
test_tcp_half_close_far_side_first(void **state)
{
	size_t	want = 5;
	char	buf[8];

	far_start(FAR_COLLECT);
	forward_to("127.0.0.1", far.port, 5000);
	cfd = testloop_connect(addr, NULL);
	assert_true(testloop_run_until(conn_is_up, NULL, 5000));
	bufferevent_write(far.bev, "hello", 5);
	assert_int_equal(testloop_read(cfd, buf, 5, 5000), 5);
	shutdown(bufferevent_getfd(far.bev), SHUT_WR);
	assert_int_equal(testloop_wait_eof(cfd, 5000), 0);
	/* The client still talks to a far side that stopped talking. */
	assert_int_equal(testloop_write(cfd, "after", 5, 5000), 0);
	assert_true(testloop_run_until(far_has, &want, 5000));
	close(cfd);
	cfd = -1;
	assert_true(testloop_run_until(far_has_eof, NULL, 5000));
	assert_true(testloop_run_until(no_conns, NULL, 5000));
	assert_true(testloop_log_has(": remote closed\n"));
}

/*
 * The target resets mid-download: the client must see the reset too, not
 * an EOF that a protocol ending at EOF would take for the whole stream.
 */
static void
test_tcp_far_side_reset_resets_the_client(void **state)
{
	struct linger	lg = { 1, 0 };
	char		buf[5];

	far_start(FAR_COLLECT);
	forward_to("127.0.0.1", far.port, 5000);
	cfd = testloop_connect(addr, NULL);
	assert_true(testloop_run_until(conn_is_up, NULL, 5000));
	bufferevent_write(far.bev, "hello", 5);
	assert_int_equal(testloop_read(cfd, buf, 5, 5000), 5);
	setsockopt(bufferevent_getfd(far.bev), SOL_SOCKET, SO_LINGER, &lg,
	    sizeof lg);
	bufferevent_free(far.bev);
	far.bev = NULL;
	assert_int_equal(client_end(cfd, 5000), ECONNRESET);
	assert_true(testloop_run_until(no_conns, NULL, 5000));
	assert_true(testloop_log_has("remote read error: "));
}

/* The far side's own clean end (its FIN) is the client's EOF. */
static void
test_tcp_far_side_fin_is_a_clean_end(void **state)
{
	char	buf[5];

	far_start(FAR_COLLECT);
	forward_to("127.0.0.1", far.port, 5000);
	cfd = testloop_connect(addr, NULL);
	assert_true(testloop_run_until(conn_is_up, NULL, 5000));
	bufferevent_write(far.bev, "hello", 5);
	assert_int_equal(testloop_read(cfd, buf, 5, 5000), 5);
	shutdown(bufferevent_getfd(far.bev), SHUT_WR);
	assert_int_equal(client_end(cfd, 5000), 0);
	close(cfd);
	cfd = -1;
	assert_true(testloop_run_until(no_conns, NULL, 5000));
	assert_true(testloop_log_has(": remote closed\n"));
}

static int
far_has_error(void *arg)
{
	return (far.error);
}

/* The client resets mid-upload: so is the target, which must not take
 * the truncated upload for a whole one. */
static void
test_tcp_client_reset_resets_the_far_side(void **state)
{
	struct linger	lg = { 1, 0 };
	size_t		want = 5;

	far_start(FAR_COLLECT);
	forward_to("127.0.0.1", far.port, 5000);
	cfd = testloop_connect(addr, NULL);
	assert_int_equal(testloop_write(cfd, "hello", 5, 5000), 0);
	assert_true(testloop_run_until(far_has, &want, 5000));
	setsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(cfd);
	cfd = -1;
	assert_true(testloop_run_until(no_conns, NULL, 5000));
	assert_true(testloop_run_until(far_has_error, NULL, 5000));
	assert_false(far.eof);
}

static void
test_tcp_check_table(void **state)
{
	static const struct {
		const char	*target;
		unsigned	 port;
		const char	*cause;		/* NULL: accepted */
	} cases[] = {
		{ "db.internal", 5432, NULL },
		{ "10.0.0.1", 22, NULL },
		{ "::1", 80, NULL },
		{ "a-b_c.example.com", 65535, NULL },
		{ "", 80, "target: a host name or address is needed" },
		{ NULL, 80, "target: a host name or address is needed" },
		{ "bad host", 80, "target: \"bad host\" is not a host name "
		    "or address" },
		{ "x;rm", 80, "target: \"x;rm\" is not a host name or "
		    "address" },
		{ "db", 0, "remote_port: 0 is out of range (1-65535)" },
		{ "db", 70000, "remote_port: 70000 is out of range "
		    "(1-65535)" },
	};
	struct fwd_config	c;
	char			*cause;
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&c, 0, sizeof c);
		c.target = (char *)cases[i].target;
		c.remote_port = cases[i].port;
		cause = NULL;
		if (cases[i].cause == NULL) {
			assert_int_equal(fwd_tcp.check(&c, &cause), 0);
			assert_null(cause);
		} else {
			assert_int_equal(fwd_tcp.check(&c, &cause), -1);
			assert_string_equal(cause, cases[i].cause);
			free(cause);
		}
	}
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tcp_forwards_both_ways),
		T(test_tcp_connect_refused_closes_with_reason),
		T(test_tcp_connect_timeout_closes_with_reason),
		T(test_tcp_name_tries_each_address),
		T(test_tcp_unknown_name_closes_with_reason),
		T(test_tcp_slow_client_stops_the_far_side),
		T(test_tcp_slow_far_side_pauses_the_client),
		T(test_tcp_half_close_client_first),
		T(test_tcp_half_close_far_side_first),
		T(test_tcp_far_side_reset_resets_the_client),
		T(test_tcp_far_side_fin_is_a_clean_end),
		T(test_tcp_client_reset_resets_the_far_side),
		T(test_tcp_check_table),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
