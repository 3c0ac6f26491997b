/*
 * Unit tests for gateway.c: forwarder checks and their messages, reload by
 * difference (untouched forwards and their conns undisturbed, changed ones
 * taking over their listening socket, removed ones living until their last
 * conn, a bad config refused), down surviving reload, and the drain at
 * shutdown. Configs come from the config module, as in the daemon.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

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
#include <event2/event.h>
#include <event2/listener.h>

#include "config.h"
#include "gateway.h"
#include "gatewayd.h"
#include "testloop.h"
#include "xmalloc.h"

static struct evconnlistener	*echo;
static unsigned			 echo_port;
static unsigned			 port[3];
static int			 done_called;
static struct bufferevent	*echo_bevs[64];
static size_t			 echo_nbevs;

/* The far side: echo, ending its side after the client's EOF. */
static void
echo_read_cb(struct bufferevent *bev, void *arg)
{
	bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

static void
echo_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & BEV_EVENT_EOF)
		shutdown(bufferevent_getfd(bev), SHUT_WR);
}

static void
echo_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int len, void *arg)
{
	struct bufferevent	*bev;

	bev = bufferevent_socket_new(gw_base, fd, BEV_OPT_CLOSE_ON_FREE);
	assert_true(echo_nbevs < sizeof echo_bevs / sizeof echo_bevs[0]);
	echo_bevs[echo_nbevs++] = bev;
	bufferevent_setcb(bev, echo_read_cb, NULL, echo_event_cb, NULL);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static int
setup(void **state)
{
	struct sockaddr_in	sin;
	size_t			i;

	testloop_init();
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	echo_port = testloop_free_port(AF_INET);
	sin.sin_port = htons(echo_port);
	echo = evconnlistener_new_bind(gw_base, echo_accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
	    (struct sockaddr *)&sin, sizeof sin);
	assert_non_null(echo);
	for (i = 0; i < 3; i++)
		port[i] = testloop_free_port(AF_INET);
	done_called = 0;
	return (0);
}

static int
teardown(void **state)
{
	evconnlistener_free(echo);
	while (echo_nbevs > 0)
		bufferevent_free(echo_bevs[--echo_nbevs]);
	testloop_done();
	return (0);
}

/*
 * A config: each forward "NAME PORTINDEX [KEY=VALUE]" on 127.0.0.1 to the
 * echo server.
 */
static struct gw_config *
conf(const char *drain, const char *const *fws)
{
	struct config_errors	 errs = { NULL, 0 };
	struct gw_config	*c;
	char			 text[4096], name[32], extra[128];
	size_t			 off, i;
	int			 idx;

	off = snprintf(text, sizeof text, "[gateway]\ncontrol = %s\n"
	    "drain_timeout = %s\n", "/nonexistent/control.sock", drain);
	for (i = 0; fws[i] != NULL; i++) {
		extra[0] = '\0';
		if (sscanf(fws[i], "%31s %d %127s", name, &idx, extra) < 2)
			fail_msg("bad forward spec %s", fws[i]);
		off += snprintf(text + off, sizeof text - off,
		    "[forward \"%s\"]\nlisten = 127.0.0.1:%u\n%s"
		    "target = 127.0.0.1\nremote_port = %u\n", name, port[idx],
		    strncmp(extra, "forwarder=", 10) == 0 ? "" :
		    "forwarder = tcp\n", echo_port);
		if (extra[0] != '\0') {
			*strchr(extra, '=') = ' ';
			off += snprintf(text + off, sizeof text - off, "%.*s = "
			    "%s\n", (int)strcspn(extra, " "), extra,
			    strchr(extra, ' ') + 1);
		}
	}
	c = config_load_buffer("test.conf", text, off, &errs);
	for (i = 0; i < errs.n; i++)
		print_error("%s\n", errs.v[i]);
	config_errors_clear(&errs);
	assert_non_null(c);
	return (c);
}

static void
start(struct gw_config *c)
{
	char	*cause = NULL;

	if (gateway_start(c, &cause) == -1)
		fail_msg("gateway_start: %s", cause);
}

static char *
addr_of(int idx)
{
	static char	addr[64];

	snprintf(addr, sizeof addr, "127.0.0.1:%u", port[idx]);
	return (addr);
}

/* Connect to forward port idx and show the echo comes back. */
static int
client(int idx)
{
	char	buf[4];
	int	fd;

	fd = testloop_connect(addr_of(idx), NULL);
	assert_int_equal(testloop_write(fd, "ping", 4, 5000), 0);
	assert_int_equal(testloop_read(fd, buf, 4, 5000), 4);
	assert_memory_equal(buf, "ping", 4);
	return (fd);
}

/* Another round trip on a conn made by client(). */
static void
again(int fd)
{
	char	buf[4];

	assert_int_equal(testloop_write(fd, "more", 4, 5000), 0);
	assert_int_equal(testloop_read(fd, buf, 4, 5000), 4);
	assert_memory_equal(buf, "more", 4);
}

static void
test_gateway_check_reports_each_forward(void **state)
{
	struct gw_config	 c;
	struct fwd_config	 a, b, ok;
	struct config_errors	 errs = { NULL, 0 };

	memset(&c, 0, sizeof c);
	TAILQ_INIT(&c.forwards);
	memset(&a, 0, sizeof a);
	a.name = "web";
	a.file = "gw.conf";
	a.line = 7;
	a.forwarder = "eic";
	a.target = "i-0abc";
	a.remote_port = 443;
	b = a;
	b.name = "db";
	b.line = 12;
	b.forwarder = "tcp";
	b.target = "bad host";
	ok = b;
	ok.name = "fine";
	ok.target = "db.internal";
	TAILQ_INSERT_TAIL(&c.forwards, &a, entry);
	TAILQ_INSERT_TAIL(&c.forwards, &ok, entry);
	TAILQ_INSERT_TAIL(&c.forwards, &b, entry);
	assert_int_equal(gateway_check(&c, &errs), 2);
	assert_int_equal(errs.n, 2);
	assert_string_equal(errs.v[0], "gw.conf:7: forward \"web\": "
	    "forwarder \"eic\" is not available in this build");
	assert_string_equal(errs.v[1], "gw.conf:12: forward \"db\": "
	    "target: \"bad host\" is not a host name or address");
	config_errors_clear(&errs);
}

static void
test_gateway_reload_changes_only_what_changed(void **state)
{
	static const char *const before[] = { "a 0", "b 1", NULL };
	static const char *const after[] = { "a 0", "b 1 max_conns=7",
	    NULL };
	struct forward	*a, *b, *b2;
	struct listener	*bl;
	struct conn	*ca;
	int		 fa, fb;

	start(conf("30", before));
	a = gateway_find("a");
	b = gateway_find("b");
	bl = b->listener;
	fa = client(0);
	fb = client(1);
	ca = TAILQ_FIRST(&a->conns);

	assert_int_equal(gateway_reload(conf("30", after)), 0);
	assert_true(testloop_log_has("reload: 0 added, 0 removed, 1 changed, "
	    "1 unchanged\n"));
	/* a and its conn are untouched. */
	assert_ptr_equal(gateway_find("a"), a);
	assert_ptr_equal(TAILQ_FIRST(&a->conns), ca);
	again(fa);
	/* b is new, on the socket the old b listened on; its conn lives on
	 * with the retired one. */
	b2 = gateway_find("b");
	assert_ptr_not_equal(b2, b);
	assert_ptr_equal(b2->listener, bl);
	assert_int_equal(b->state, FORWARD_RETIRED);
	assert_int_equal(b2->conf->max_conns, 7);
	again(fb);
	close(fb);
	close(client(1));
	assert_int_equal(b2->total_conns, 1);
	close(fa);
}

static void
test_gateway_reload_swaps_ports(void **state)
{
	static const char *const before[] = { "a 0", "b 1", NULL };
	static const char *const after[] = { "a 1", "b 0", NULL };
	struct listener	*l0, *l1;

	start(conf("30", before));
	l0 = gateway_find("a")->listener;
	l1 = gateway_find("b")->listener;
	assert_int_equal(gateway_reload(conf("30", after)), 0);
	assert_ptr_equal(gateway_find("a")->listener, l1);
	assert_ptr_equal(gateway_find("b")->listener, l0);
	close(client(0));
	close(client(1));
	assert_int_equal(gateway_find("a")->total_conns, 1);
	assert_int_equal(gateway_find("b")->total_conns, 1);
}

static int
forward_gone(void *arg)
{
	struct forward	*fw;

	TAILQ_FOREACH(fw, &gw_forwards, entry) {
		if (fw == arg)
			return (0);
	}
	return (1);
}

static void
test_gateway_removed_forward_lives_until_its_last_conn(void **state)
{
	static const char *const before[] = { "a 0", "b 1", NULL };
	static const char *const after[] = { "a 0", "c 2", NULL };
	struct forward	*b;
	int		 fd, refused;

	start(conf("30", before));
	b = gateway_find("b");
	fd = client(1);
	assert_int_equal(gateway_reload(conf("30", after)), 0);
	assert_true(testloop_log_has("reload: 1 added, 1 removed, 0 changed, "
	    "1 unchanged\n"));
	assert_null(gateway_find("b"));
	assert_int_equal(b->state, FORWARD_RETIRED);
	again(fd);
	refused = testloop_connect(addr_of(1), NULL);
	assert_int_equal(testloop_wait_eof(refused, 5000), -1);
	close(refused);
	close(client(2));
	close(fd);
	assert_true(testloop_run_until(forward_gone, b, 5000));
}

static void
test_gateway_reload_refuses_what_a_forwarder_rejects(void **state)
{
	static const char *const before[] = { "a 0", NULL };
	static const char *const after[] = { "a 0",
	    "b 1 remote_host=db.internal", NULL };
	struct forward	*a;

	start(conf("30", before));
	a = gateway_find("a");
	assert_int_equal(gateway_reload(conf("30", after)), -1);
	assert_true(testloop_log_has("test.conf:"));
	assert_true(testloop_log_has(": forward \"b\": remote_host: the tcp "
	    "forwarder connects to target itself; remote_host is for AWS "
	    "targets\n"));
	assert_true(testloop_log_has("reload: 1 error, keeping the running "
	    "config\n"));
	assert_ptr_equal(gateway_find("a"), a);
	assert_null(gateway_find("b"));
	close(client(0));
}

static void
test_gateway_down_stays_down_across_reload(void **state)
{
	static const char *const both[] = { "a 0", "b 1", NULL };
	int	fd;

	start(conf("30", both));
	gateway_forward_down(gateway_find("a"));
	assert_int_equal(gateway_reload(conf("30", both)), 0);
	assert_int_equal(gateway_find("a")->state, FORWARD_DOWN);
	fd = testloop_connect(addr_of(0), NULL);
	assert_int_equal(testloop_wait_eof(fd, 5000), -1);
	close(fd);
	close(client(1));
}

static void
done_cb(void)
{
	done_called++;
}

static int
is_done(void *arg)
{
	return (done_called != 0);
}

static void
test_gateway_shutdown_waits_for_conns(void **state)
{
	static const char *const one[] = { "a 0", NULL };
	int	fd, late;

	start(conf("10", one));
	fd = client(0);
	gateway_shutdown(done_cb);
	/* No new clients, but the live one carries on. */
	late = testloop_connect(addr_of(0), NULL);
	assert_int_equal(testloop_wait_eof(late, 5000), -1);
	close(late);
	again(fd);
	assert_int_equal(done_called, 0);
	shutdown(fd, SHUT_WR);
	assert_int_equal(testloop_wait_eof(fd, 5000), 0);
	assert_true(testloop_run_until(is_done, NULL, 5000));
	assert_int_equal(done_called, 1);
	close(fd);
}

static void
test_gateway_shutdown_closes_what_outlives_the_drain(void **state)
{
	static const char *const one[] = { "a 0", NULL };
	int	fd;

	start(conf("1", one));
	fd = client(0);
	gateway_shutdown(done_cb);
	assert_true(testloop_run_until(is_done, NULL, 5000));
	/* Cut, not finished: the client sees a reset, not an EOF. */
	assert_int_equal(testloop_wait_eof(fd, 5000), -1);
	assert_true(testloop_log_has(": shutdown: drain timeout (1s)\n"));
	close(fd);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_gateway_check_reports_each_forward),
		T(test_gateway_reload_changes_only_what_changed),
		T(test_gateway_reload_swaps_ports),
		T(test_gateway_removed_forward_lives_until_its_last_conn),
		T(test_gateway_reload_refuses_what_a_forwarder_rejects),
		T(test_gateway_down_stays_down_across_reload),
		T(test_gateway_shutdown_waits_for_conns),
		T(test_gateway_shutdown_closes_what_outlives_the_drain),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
