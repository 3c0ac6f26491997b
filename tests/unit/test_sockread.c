/*
 * Unit tests for sockread.c: large reads into a socket bufferevent, its
 * high mark and the half-way restart, EOF and errors as bufferevent events.
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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "gatewayd.h"
#include "sockread.h"
#include "testloop.h"

struct peer {
	int			 fd;		/* the writing end */
	struct bufferevent	*bev;		/* the reading end */
	struct sockread		*rd;
	size_t			 got;		/* bytes taken out */
	int			 reads;		/* read callbacks */
	int			 keep;		/* leave input alone */
	short			 events;	/* event callback's what */
	int			 error;		/* errno it saw */
	uint8_t			 sum;		/* xor of bytes taken */
};

static void
peer_read_cb(struct bufferevent *bev, void *arg)
{
	struct peer	*p = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	uint8_t		 b[4096];
	size_t		 n, i;

	p->reads++;
	if (p->keep)
		return;
	while ((n = evbuffer_remove(in, b, sizeof b)) > 0 && n != (size_t)-1) {
		for (i = 0; i < n; i++)
			p->sum ^= b[i];
		p->got += n;
	}
}

static void
peer_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct peer	*p = arg;

	p->events = what;
	p->error = errno;
}

static void
peer_open(struct peer *p, size_t max, size_t high)
{
	int	sv[2];

	memset(p, 0, sizeof *p);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(evutil_make_socket_nonblocking(sv[1]), 0);
	/* The tests' blocking 64 KiB writes fit, whatever wmem_default. */
	testloop_sockbuf(sv[0], TESTLOOP_SOCKBUF);
	p->fd = sv[0];
	p->bev = bufferevent_socket_new(gw_base, sv[1], BEV_OPT_CLOSE_ON_FREE);
	assert_non_null(p->bev);
	bufferevent_setcb(p->bev, peer_read_cb, NULL, peer_event_cb, p);
	bufferevent_disable(p->bev, EV_READ);
	p->rd = sockread_new(p->bev, max, high);
	sockread_enable(p->rd, 1);
}

static void
peer_close(struct peer *p)
{
	sockread_free(p->rd);
	bufferevent_free(p->bev);
	if (p->fd != -1)
		close(p->fd);
}

static int
peer_has(void *arg)
{
	struct peer	*p = arg;

	return (p->got + evbuffer_get_length(bufferevent_get_input(p->bev)) >=
	    64 * 1024);
}

static int
peer_has_event(void *arg)
{
	return (((struct peer *)arg)->events != 0);
}

/* The input holds the high mark (32 KiB), after more reads than *reads. */
static int	 mark_reads;

static int
peer_at_mark(void *arg)
{
	struct peer	*p = arg;

	return (p->reads > mark_reads &&
	    evbuffer_get_length(bufferevent_get_input(p->bev)) == 32 * 1024);
}

/*
 * 64 KiB already waiting in the socket arrive in a handful of read
 * callbacks (one per read(2), the reservation doubling from 16 KiB), not
 * sixteen of libevent's 4 KiB reads; every byte arrives.
 */
static void
test_sockread_large_reads_take_all_waiting(void **state)
{
	struct peer	p;
	uint8_t		buf[64 * 1024], sum = 0;
	size_t		i;

	peer_open(&p, 256 * 1024, 512 * 1024);
	for (i = 0; i < sizeof buf; i++) {
		buf[i] = (uint8_t)(i * 7 + 3);
		sum ^= buf[i];
	}
	assert_int_equal(write(p.fd, buf, sizeof buf), (ssize_t)sizeof buf);
	assert_true(testloop_run_until(peer_has, &p, 5000));
	assert_int_equal(p.got, sizeof buf);
	assert_int_equal(p.sum, sum);
	/* 16 + 32 KiB, then the 16 KiB left: 3 reads. */
	assert_true(p.reads >= 1 && p.reads <= 3);
	peer_close(&p);
}

/*
 * A reader whose input is left alone stops at the high mark; taking the
 * input down to half of it starts the reads again, and the rest arrives.
 */
static void
test_sockread_high_mark_stops_and_half_restarts(void **state)
{
	struct peer	 p;
	struct evbuffer	*in;
	uint8_t		 buf[64 * 1024];
	int		 reads;

	peer_open(&p, 16 * 1024, 32 * 1024);
	p.keep = 1;
	memset(buf, 'x', sizeof buf);
	assert_int_equal(write(p.fd, buf, sizeof buf), (ssize_t)sizeof buf);
	mark_reads = 0;
	assert_true(testloop_run_until(peer_at_mark, &p, 5000));
	/* And stays there. */
	testloop_run_for(100);
	in = bufferevent_get_input(p.bev);
	assert_int_equal(evbuffer_get_length(in), 32 * 1024);
	reads = p.reads;

	/* A little taken out is not enough. */
	evbuffer_drain(in, 1024);
	testloop_run_for(100);
	assert_int_equal(p.reads, reads);
	assert_int_equal(evbuffer_get_length(in), 31 * 1024);

	/* Down to half: reading again, up to the mark. */
	evbuffer_drain(in, 15 * 1024);
	mark_reads = reads;
	assert_true(testloop_run_until(peer_at_mark, &p, 5000));
	assert_true(p.reads > reads);
	assert_int_equal(evbuffer_get_length(in), 32 * 1024);

	p.keep = 0;
	p.got = 16 * 1024;	/* drained above */
	peer_read_cb(p.bev, &p);
	assert_true(testloop_run_until(peer_has, &p, 5000));
	assert_int_equal(p.got, sizeof buf);
	peer_close(&p);
}

/* Disabled, nothing is read; enabled again, what waited arrives. */
static void
test_sockread_disabled_reads_nothing(void **state)
{
	struct peer	p;
	uint8_t		buf[64 * 1024];

	peer_open(&p, 256 * 1024, 512 * 1024);
	sockread_enable(p.rd, 0);
	assert_false(sockread_is_enabled(p.rd));
	memset(buf, 'y', sizeof buf);
	assert_int_equal(write(p.fd, buf, sizeof buf), (ssize_t)sizeof buf);
	testloop_run_for(100);
	assert_int_equal(p.reads, 0);
	sockread_enable(p.rd, 1);
	assert_true(testloop_run_until(peer_has, &p, 5000));
	assert_int_equal(p.got, sizeof buf);
	peer_close(&p);
}

/* A TCP pair on 127.0.0.1: *a connected to *b, both blocking. */
static void
tcp_pair(int *a, int *b)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			l;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((l = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(l, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sin, &len), 0);
	assert_true((*a = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(connect(*a, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_true((*b = accept(l, NULL, NULL)) != -1);
	close(l);
}

/*
 * EOF and a reset reach the event callback as the bufferevent's own would,
 * after the bytes that came before them, with errno for the error.
 */
static void
test_sockread_eof_and_error_are_events(void **state)
{
	static const struct {
		int	reset;
		short	want;
		int	error;
	} cases[] = {
		{ 0, BEV_EVENT_READING | BEV_EVENT_EOF, 0 },
		{ 1, BEV_EVENT_READING | BEV_EVENT_ERROR, ECONNRESET },
	};
	struct linger	lg = { 1, 0 };
	struct peer	p;
	size_t		i;
	int		a, b;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&p, 0, sizeof p);
		tcp_pair(&a, &b);
		assert_int_equal(evutil_make_socket_nonblocking(b), 0);
		p.fd = -1;
		p.bev = bufferevent_socket_new(gw_base, b,
		    BEV_OPT_CLOSE_ON_FREE);
		assert_non_null(p.bev);
		bufferevent_setcb(p.bev, peer_read_cb, NULL, peer_event_cb,
		    &p);
		bufferevent_disable(p.bev, EV_READ);
		p.rd = sockread_new(p.bev, 256 * 1024, 512 * 1024);
		if (cases[i].reset) {
			/* Unread bytes at close, linger 0: a reset. */
			assert_int_equal(setsockopt(a, SOL_SOCKET, SO_LINGER,
			    &lg, sizeof lg), 0);
			close(a);
		} else {
			assert_int_equal(write(a, "abc", 3), 3);
			close(a);
		}
		sockread_enable(p.rd, 1);
		assert_true(testloop_run_until(peer_has_event, &p, 5000));
		assert_int_equal(p.events, cases[i].want);
		if (cases[i].error != 0)
			assert_int_equal(p.error, cases[i].error);
		else
			assert_int_equal(p.got, 3);
		peer_close(&p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockread_large_reads_take_all_waiting),
		cmocka_unit_test(test_sockread_high_mark_stops_and_half_restarts),
		cmocka_unit_test(test_sockread_disabled_reads_nothing),
		cmocka_unit_test(test_sockread_eof_and_error_are_events),
	};

	return (cmocka_run_group_tests(tests, testloop_setup,
	    testloop_teardown));
}
