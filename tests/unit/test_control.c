/*
 * Unit tests for control.c: the socket's permissions, status, bad
 * requests of every kind, replies in order behind a handler that answers
 * later, events for followers, dropping a follower that does not read,
 * and up/down.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "bus.h"
#include "config.h"
#include "control.h"
#include "gateway.h"
#include "gatewayd.h"
#include "testloop.h"
#include "xmalloc.h"

static char			 dir[64];
static char			 sock[128];
static struct fwd_config	*fc;
static struct forward		*fw;
static char			 fwaddr[64];

/* A control client: a socket and what it has read so far. */
struct client {
	int		 fd;
	struct evbuffer	*in;
	int		 eof;
};

static int
setup(void **state)
{
	char	*cause = NULL;

	testloop_init();
	strlcpy(dir, testloop_dir(), sizeof dir);
	snprintf(sock, sizeof sock, "%s/run/control.sock", dir);
	if (control_start(sock, 0600, &cause) == -1)
		fail_msg("control_start: %s", cause);
	snprintf(fwaddr, sizeof fwaddr, "127.0.0.1:%u",
	    testloop_free_port(AF_INET));
	fc = testloop_fwd_config("db", fwaddr, "db.internal", 5432);
	fw = gateway_add(fc, &cause);
	assert_non_null(fw);
	fw->fwd = &testloop_hold_fwd;
	return (0);
}

static int
teardown(void **state)
{
	testloop_done();
	testloop_fwd_config_free(fc);
	fc = NULL;
	return (0);
}

/*
 * A client socket connected to the control socket. A full listen queue
 * (the daemon has not accepted the last ones yet) is tried again while
 * the loop runs.
 */
static int
control_connect(void)
{
	struct sockaddr_un	sun;
	int			fd, i;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, sock, sizeof sun.sun_path);
	for (i = 0; i < 500; i++) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
		assert_true(fd != -1);
		if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0)
			return (fd);
		if (errno != EAGAIN)
			fail_msg("connect %s: %s", sock, strerror(errno));
		close(fd);
		testloop_run_for(10);
	}
	fail_msg("connect %s: the queue stayed full for 5 s", sock);
	return (-1);
}

static struct client *
client_new(void)
{
	struct client	*cl;

	cl = xcalloc(1, sizeof *cl);
	cl->in = evbuffer_new();
	cl->fd = control_connect();
	return (cl);
}

static void
client_free(struct client *cl)
{
	close(cl->fd);
	evbuffer_free(cl->in);
	free(cl);
}

static void
client_send(struct client *cl, const char *text)
{
	assert_int_equal(testloop_write(cl->fd, text, strlen(text), 5000), 0);
}

static int
client_has_line(void *arg)
{
	struct client	*cl = arg;
	char		 buf[65536];
	ssize_t		 n;

	while ((n = recv(cl->fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
		evbuffer_add(cl->in, buf, n);
	if (n == 0 || (n == -1 && errno != EAGAIN))
		cl->eof = 1;
	return (evbuffer_search_eol(cl->in, NULL, NULL, EVBUFFER_EOL_LF).pos
	    != -1 || cl->eof);
}

/* The next line from the server, parsed; NULL at EOF. */
static cJSON *
client_recv(struct client *cl)
{
	cJSON	*json;
	char	*line;
	size_t	 len;

	assert_true(testloop_run_until(client_has_line, cl, 5000));
	if ((line = evbuffer_readln(cl->in, &len, EVBUFFER_EOL_LF)) == NULL)
		return (NULL);
	json = cJSON_Parse(line);
	if (json == NULL)
		fail_msg("not JSON: %s", line);
	free(line);
	return (json);
}

/* Send one request and return its reply. */
static cJSON *
client_ask(struct client *cl, const char *request)
{
	client_send(cl, request);
	return (client_recv(cl));
}

static int
is_ok(const cJSON *reply)
{
	return (cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok")));
}

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItem(o, key);

	return (cJSON_IsString(v) ? v->valuestring : NULL);
}

static double
num(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItem(o, key);

	assert_true(cJSON_IsNumber(v));
	return (v->valuedouble);
}

static void
test_control_socket_is_owner_only(void **state)
{
	struct stat	 sb;
	char		 bad[160], *cause = NULL;

	assert_int_equal(stat(sock, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(bad, sizeof bad, "%s/run", dir);
	assert_int_equal(stat(bad, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* A parent others may write to is refused. */
	snprintf(bad, sizeof bad, "%s/open", dir);
	assert_int_equal(mkdir(bad, 0700), 0);
	assert_int_equal(chmod(bad, 0777), 0);
	strlcat(bad, "/control.sock", sizeof bad);
	assert_int_equal(control_start(bad, 0600, &cause), -1);
	assert_non_null(strstr(cause, "may be written by others"));
	free(cause);
}

static int
one_conn(void *arg)
{
	return (fw->nconns == 1);
}

static int
conn_read(void *arg)
{
	struct conn	*c = TAILQ_FIRST(&fw->conns);

	return (c != NULL && c->bytes_in == *(uint64_t *)arg);
}

static void
test_control_status_shows_forwards_and_conns(void **state)
{
	struct client	*cl = client_new();
	cJSON		*reply, *f, *c;
	uint64_t	 five = 5;
	int		 fd;

	fd = testloop_connect(fwaddr, NULL);
	assert_true(testloop_run_until(one_conn, NULL, 5000));
	assert_int_equal(testloop_write(fd, "12345", 5, 5000), 0);
	assert_true(testloop_run_until(conn_read, &five, 5000));
	reply = client_ask(cl, "{\"cmd\":\"status\"}\n");
	assert_true(is_ok(reply));
	assert_int_equal(num(reply, "pid"), getpid());
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(reply, "forwards"), 0);
	assert_non_null(f);
	assert_string_equal(str(f, "name"), "db");
	assert_string_equal(str(f, "listen"), fwaddr);
	assert_string_equal(str(f, "forwarder"), "hold");
	assert_string_equal(str(f, "target"), "db.internal");
	assert_int_equal(num(f, "remote_port"), 5432);
	assert_string_equal(str(f, "state"), "up");
	assert_int_equal(num(f, "live"), 1);
	assert_int_equal(num(f, "total"), 1);
	assert_int_equal(num(f, "bytes_in"), 5);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(f, "last_error")));
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(f, "conns"), 0);
	assert_non_null(c);
	assert_string_equal(str(c, "state"), "open");
	assert_int_equal(num(c, "bytes_in"), 5);
	assert_non_null(strstr(str(c, "peer"), "127.0.0.1:"));
	cJSON_Delete(reply);
	close(fd);
	client_free(cl);
}

static void
test_control_bad_requests_get_errors(void **state)
{
	static const struct {
		const char	*request;
		const char	*error;
	} cases[] = {
		{ "hello\n", "request is not a JSON object" },
		{ "[1,2]\n", "request is not a JSON object" },
		{ "\n", "request is not a JSON object" },
		{ "{\"cmd\":1}\n", "request has no \"cmd\" string" },
		{ "{}\n", "request has no \"cmd\" string" },
		{ "{\"cmd\":\"nope\"}\n",
		    "unknown command \"nope\" (try help)" },
		{ "{\"cmd\":\"down\"}\n", "request has no \"name\" string" },
		{ "{\"cmd\":\"up\",\"name\":[]}\n",
		    "request has no \"name\" string" },
		{ "{\"cmd\":\"down\",\"name\":\"zzz\"}\n",
		    "no forward \"zzz\"" },
		{ "{\"cmd\":\"status\"\n", "request is not a JSON object" },
		{ "{\"cmd\":\"st\\u0000atus\"}\n", "unknown command \"st\" "
		    "(try help)" },
	};
	struct client	*cl = client_new();
	cJSON		*reply;
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		reply = client_ask(cl, cases[i].request);
		assert_non_null(reply);
		assert_false(is_ok(reply));
		if (str(reply, "error") == NULL ||
		    strcmp(str(reply, "error"), cases[i].error) != 0)
			fail_msg("case %zu: got \"%s\"", i,
			    str(reply, "error"));
		cJSON_Delete(reply);
	}
	/* After all that, the same connection still works. */
	reply = client_ask(cl, "{\"cmd\":\"help\"}\n");
	assert_true(is_ok(reply));
	cJSON_Delete(reply);
	client_free(cl);
}

static void
test_control_long_line_is_refused(void **state)
{
	struct client	*cl = client_new();
	char		*big;
	cJSON		*reply;

	big = xmalloc(CONTROL_MAX_LINE * 2);
	memset(big, 'x', CONTROL_MAX_LINE * 2);
	assert_int_equal(testloop_write(cl->fd, big, CONTROL_MAX_LINE * 2,
	    5000), 0);
	reply = client_recv(cl);
	assert_non_null(reply);
	assert_false(is_ok(reply));
	assert_non_null(strstr(str(reply, "error"), "request longer than"));
	cJSON_Delete(reply);
	assert_null(client_recv(cl));		/* then closed */
	assert_true(cl->eof);
	free(big);
	client_free(cl);
}

/* A command that answers 30 ms later. */
static void
later_cb(evutil_socket_t fd, short events, void *arg)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "said", "later");
	control_reply(arg, o);
}

static void
cmd_later(struct control_req *req, const cJSON *json)
{
	struct timeval	tv = { 0, 30000 };

	event_base_once(gw_base, -1, EV_TIMEOUT, later_cb, req, &tv);
}

static void
test_control_replies_in_order_behind_a_late_handler(void **state)
{
	struct client	*cl = client_new();
	cJSON		*reply;
	int		 i;

	control_register("later", cmd_later);
	client_send(cl, "{\"cmd\":\"later\",\"id\":1}\n"
	    "{\"cmd\":\"status\",\"id\":2}\n"
	    "{\"cmd\":\"later\",\"id\":\"three\"}\n");
	for (i = 1; i <= 3; i++) {
		reply = client_recv(cl);
		assert_true(is_ok(reply));
		if (i == 3)
			assert_string_equal(str(reply, "id"), "three");
		else
			assert_int_equal(num(reply, "id"), i);
		if (i != 2)
			assert_string_equal(str(reply, "said"), "later");
		cJSON_Delete(reply);
	}
	client_free(cl);
}

static void
test_control_events_follow_conns(void **state)
{
	struct client	*cl = client_new();
	cJSON		*reply, *ev;
	int		 fd;

	reply = client_ask(cl, "{\"cmd\":\"events\"}\n");
	assert_true(is_ok(reply));
	cJSON_Delete(reply);
	fd = testloop_connect(fwaddr, NULL);
	ev = client_recv(cl);
	assert_string_equal(str(ev, "event"), "open");
	assert_string_equal(str(ev, "forward"), "db");
	assert_non_null(strstr(str(ev, "peer"), "127.0.0.1:"));
	cJSON_Delete(ev);
	close(fd);
	ev = client_recv(cl);
	assert_string_equal(str(ev, "event"), "close");
	assert_string_equal(str(ev, "reason"), "client closed");
	assert_int_equal(num(ev, "bytes_in"), 0);
	cJSON_Delete(ev);
	client_free(cl);
}

static void
test_control_slow_follower_is_dropped(void **state)
{
	struct client		*cl = client_new();
	struct bus_event	 bev;
	cJSON			*reply, *ev;
	char			*pad;
	int			 i;

	reply = client_ask(cl, "{\"cmd\":\"events\"}\n");
	cJSON_Delete(reply);
	pad = xmalloc(4097);
	memset(pad, 'p', 4096);
	pad[4096] = '\0';
	/* 16 MB of events to a client that reads none of them. */
	for (i = 0; i < 4096; i++) {
		memset(&bev, 0, sizeof bev);
		bev.type = BUS_CONN_REFUSED;
		bev.conn.forward = "test";
		bev.conn.peer = "127.0.0.1";
		bev.conn.reason = pad;
		bus_publish(&bev);
	}
	assert_true(testloop_log_has(": dropped: more than 1048576 bytes of "
	    "events unread\n"));
	/* What was queued before the drop arrives, then the end. */
	while ((ev = client_recv(cl)) != NULL)
		cJSON_Delete(ev);
	assert_true(cl->eof);
	free(pad);
	client_free(cl);
}

static void
test_control_down_and_up(void **state)
{
	struct client	*cl = client_new();
	cJSON		*reply;
	int		 fd;

	fd = testloop_connect(fwaddr, NULL);
	assert_true(testloop_run_until(one_conn, NULL, 5000));
	reply = client_ask(cl, "{\"cmd\":\"down\",\"name\":\"db\"}\n");
	assert_true(is_ok(reply));
	cJSON_Delete(reply);
	assert_int_equal(fw->state, FORWARD_DOWN);
	assert_int_equal(fw->nconns, 0);
	/* Cut by the operator, not finished: a reset, not an EOF. */
	assert_int_equal(testloop_wait_eof(fd, 5000), -1);
	assert_true(testloop_log_has(": forward down\n"));
	close(fd);
	/* Nobody listens now. */
	fd = testloop_connect(fwaddr, NULL);
	assert_int_equal(testloop_wait_eof(fd, 5000), -1);
	close(fd);
	reply = client_ask(cl, "{\"cmd\":\"up\",\"name\":\"db\"}\n");
	assert_true(is_ok(reply));
	cJSON_Delete(reply);
	assert_int_equal(fw->state, FORWARD_UP);
	fd = testloop_connect(fwaddr, NULL);
	assert_true(testloop_run_until(one_conn, NULL, 5000));
	close(fd);
	client_free(cl);
}

/*
 * More idle clients than the socket takes, all of this uid: the owner
 * still gets an answer (issue 10, finding 4).
 */
#define ALL_SLOTS	(CONTROL_MAX_CLIENTS + CONTROL_OWNER_CLIENTS)

static void
test_control_idle_clients_leave_room_for_the_owner(void **state)
{
	int		 fds[ALL_SLOTS + 16];
	struct client	*cl;
	cJSON		*reply;
	size_t		 i;

	for (i = 0; i < sizeof fds / sizeof fds[0]; i++)
		fds[i] = control_connect();
	cl = client_new();
	reply = client_ask(cl, "{\"cmd\":\"status\"}\n");
	assert_non_null(reply);
	assert_true(is_ok(reply));
	cJSON_Delete(reply);
	assert_true(testloop_log_has(": closed: idle, room for the owner\n"));
	client_free(cl);
	for (i = 0; i < sizeof fds / sizeof fds[0]; i++)
		close(fds[i]);
}

/* With every slot taken by followers, a newcomer is told why it is shut. */
static void
test_control_full_socket_says_so(void **state)
{
	struct client	*cl[ALL_SLOTS + 1];
	cJSON		*reply = NULL;
	char		 want[64];
	size_t		 n;

	for (n = 0; n < sizeof cl / sizeof cl[0]; n++) {
		cl[n] = client_new();
		reply = client_ask(cl[n], "{\"cmd\":\"events\"}\n");
		if (reply == NULL)
			fail_msg("client %zu: closed without a word", n);
		if (!is_ok(reply))
			break;
		cJSON_Delete(reply);
		reply = NULL;
	}
	assert_int_equal(n, ALL_SLOTS);
	assert_non_null(reply);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(reply, "refused")));
	snprintf(want, sizeof want, "too many clients (%d)", ALL_SLOTS);
	assert_string_equal(str(reply, "error"), want);
	cJSON_Delete(reply);
	assert_null(client_recv(cl[n]));	/* then closed */
	for (; n + 1 > 0; n--)
		client_free(cl[n]);
}

/*
 * A client that sends more requests than the output bound holds answers
 * to, then ends its side, still gets every answer (fuzz_control).
 */
static void
test_control_pipelined_past_output_bound(void **state)
{
	struct client	*cl = client_new();
	cJSON		*reply;
	char		*reqs;
	size_t		 n, want;

	/* Each answer is {"ok":false,"error":"..."}: 30000 are 1.5 MB. */
	want = 30000;
	reqs = xmalloc(want);
	memset(reqs, '\n', want);
	assert_int_equal(testloop_write(cl->fd, reqs, want, 5000), 0);
	assert_int_equal(shutdown(cl->fd, SHUT_WR), 0);
	for (n = 0; (reply = client_recv(cl)) != NULL; n++) {
		assert_false(is_ok(reply));
		cJSON_Delete(reply);
	}
	assert_int_equal(n, want);
	assert_true(cl->eof);
	free(reqs);
	client_free(cl);
}

static struct control_req	*held;

/* A command that answers when the test says. */
static void
cmd_hold(struct control_req *req, const cJSON *json)
{
	held = req;
}

/*
 * Clients that sent no complete request for CONTROL_IDLE_MS are closed;
 * followers, clients awaiting an answer and clients reading are not.
 */
static void
test_control_idle_clients_are_closed(void **state)
{
	struct client	*silent, *partial, *done, *follower, *waiting;
	cJSON		*reply;

	control_register("hold", cmd_hold);
	silent = client_new();
	partial = client_new();
	client_send(partial, "{\"cmd\":");
	done = client_new();
	reply = client_ask(done, "{\"cmd\":\"status\"}\n");
	assert_true(is_ok(reply));
	cJSON_Delete(reply);
	follower = client_new();
	reply = client_ask(follower, "{\"cmd\":\"events\"}\n");
	assert_true(is_ok(reply));
	cJSON_Delete(reply);
	waiting = client_new();
	client_send(waiting, "{\"cmd\":\"hold\"}\n");

	/* Deadlines with room for a loaded machine: EOF ends each wait. */
	assert_int_equal(testloop_wait_eof(silent->fd, CONTROL_IDLE_MS + 5000),
	    0);
	assert_int_equal(testloop_wait_eof(partial->fd, 5000), 0);
	assert_int_equal(testloop_wait_eof(done->fd, 5000), 0);
	assert_true(testloop_log_has(": closed: no request within 5s\n"));
	/* The follower and the client awaiting its answer are still here. */
	reply = client_ask(follower, "{\"cmd\":\"help\"}\n");
	assert_true(is_ok(reply));
	cJSON_Delete(reply);
	assert_non_null(held);
	control_reply(held, cJSON_CreateObject());
	held = NULL;
	reply = client_recv(waiting);
	assert_non_null(reply);
	assert_true(is_ok(reply));
	cJSON_Delete(reply);
	client_free(silent);
	client_free(partial);
	client_free(done);
	client_free(follower);
	client_free(waiting);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_control_socket_is_owner_only),
		T(test_control_status_shows_forwards_and_conns),
		T(test_control_bad_requests_get_errors),
		T(test_control_long_line_is_refused),
		T(test_control_replies_in_order_behind_a_late_handler),
		T(test_control_events_follow_conns),
		T(test_control_slow_follower_is_dropped),
		T(test_control_down_and_up),
		T(test_control_idle_clients_leave_room_for_the_owner),
		T(test_control_full_socket_says_so),
		T(test_control_idle_clients_are_closed),
		T(test_control_pipelined_past_output_bound),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
