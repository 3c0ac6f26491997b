/*
 * Unit tests for conn.c on loopback sockets, with a scripted forwarder in
 * place of a real one: states, half-close both ways, pause and resume,
 * output watermarks, counting, closing (a FIN for the clean end, a reset
 * for every other), lingering conns giving up their max_conns slot; a
 * pair of pipes as the client, the greeter's reached / refused / closed,
 * negotiating and handing over.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
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

#include "config.h"
#include "gateway.h"
#include "gatewayd.h"
#include "testloop.h"

/* What the scripted forwarder does and saw. */
static struct fake {
	int		 ready_now;	/* conn_ready from open */
	int		 echo;		/* send: write it all back */
	int		 eof_echo;	/* eof: conn_eof back */
	int		 resume_inside;	/* send: conn_resume now */
	struct evbuffer	*drain_hold;	/* drain: write it all, then conn_eof */
	size_t		 take_max;	/* send: take this, pause */
	int		 opened, sends, eofs, drains, closes;
	int		 depth, max_depth;
	struct evbuffer	*got;
	struct conn	*c;
} fake;

/*
 * What the client still has to send while pump runs: the kernel may hold
 * less than all of it (4 KiB each way on some machines) until the conn,
 * paused and resumed, takes some.
 */
static struct {
	int		 fd;
	const uint8_t	*buf;
	size_t		 len;
} feed;

static void
fake_open(struct conn *c)
{
	fake.opened++;
	fake.c = c;
	if (fake.ready_now)
		conn_ready(c);
}

static void
fake_send(struct conn *c, struct evbuffer *in)
{
	fake.sends++;
	if (++fake.depth > fake.max_depth)
		fake.max_depth = fake.depth;
	if (fake.echo)
		conn_write(c, in);
	else if (fake.take_max != 0) {
		evbuffer_remove_buffer(in, fake.got, fake.take_max);
		if (evbuffer_get_length(in) != 0) {
			conn_pause(c);
			if (fake.resume_inside)
				conn_resume(c);
		}
	} else
		evbuffer_add_buffer(fake.got, in);
	fake.depth--;
}

static void
fake_eof(struct conn *c)
{
	fake.eofs++;
	if (fake.eof_echo)
		conn_eof(c);
}

static void
fake_drain(struct conn *c)
{
	fake.drains++;
	if (fake.drain_hold != NULL) {
		conn_write(c, fake.drain_hold);
		conn_eof(c);
	}
}

static void
fake_close(struct conn *c)
{
	fake.closes++;
	fake.c = NULL;
}

static const struct forwarder fake_fwd = {
	.name = "fake",
	.open = fake_open,
	.send = fake_send,
	.eof = fake_eof,
	.drain = fake_drain,
	.close = fake_close,
};

struct env {
	struct fwd_config	*fc;
	struct forward		*fw;
	char			 addr[64];
	int			 fd;
};

static struct env	*env;

/* Each test: a forward on a free port, served by the fake. */
static int
setup(void **state)
{
	char	*cause = NULL;

	testloop_init();
	memset(&fake, 0, sizeof fake);
	memset(&feed, 0, sizeof feed);
	fake.got = evbuffer_new();
	fake.ready_now = 1;
	env = calloc(1, sizeof *env);
	env->fd = -1;
	snprintf(env->addr, sizeof env->addr, "127.0.0.1:%u",
	    testloop_free_port(AF_INET));
	env->fc = testloop_fwd_config("fake", env->addr, "far", 9);
	env->fw = gateway_add(env->fc, &cause);
	assert_non_null(env->fw);
	env->fw->fwd = &fake_fwd;
	return (0);
}

static int
teardown(void **state)
{
	if (env->fd != -1)
		close(env->fd);
	testloop_done();
	testloop_fwd_config_free(env->fc);
	evbuffer_free(fake.got);
	free(env);
	env = NULL;
	return (0);
}

static int
opened(void *arg)
{
	return (fake.c != NULL);
}

static int
no_conns(void *arg)
{
	struct env	*e = arg;

	return (e->fw->nconns == 0);
}

static int
got_at_least(void *arg)
{
	return (evbuffer_get_length(fake.got) >= *(size_t *)arg);
}

static int
got_eof(void *arg)
{
	return (fake.eofs != 0);
}

static void
env_connect(struct env *e, int ready_now)
{
	fake.ready_now = ready_now;
	e->fd = testloop_connect(e->addr, NULL);
	assert_true(testloop_run_until(opened, NULL, 5000));
}

static void
test_conn_echo_counts_bytes(void **state)
{
	struct env	*e = env;
	char		 buf[32];

	fake.echo = fake.eof_echo = 1;
	env_connect(e, 1);
	assert_int_equal(fake.c->state, CONN_OPEN);
	assert_int_equal(testloop_write(e->fd, "hello world", 11, 5000), 0);
	assert_int_equal(testloop_read(e->fd, buf, 11, 5000), 11);
	assert_memory_equal(buf, "hello world", 11);
	shutdown(e->fd, SHUT_WR);
	assert_int_equal(testloop_wait_eof(e->fd, 5000), 0);
	assert_true(testloop_run_until(no_conns, e, 5000));
	assert_int_equal(e->fw->bytes_in, 11);
	assert_int_equal(e->fw->bytes_out, 11);
	assert_int_equal(e->fw->total_conns, 1);
	assert_int_equal(fake.closes, 1);
	assert_int_equal(fake.eofs, 1);
	assert_true(testloop_log_has("(fake 127.0.0.1:"));
	assert_true(testloop_log_has("-> far:9): 11 B in, 11 B out, "));
	assert_true(testloop_log_has(": client closed\n"));
}

static void
test_conn_opening_holds_reads(void **state)
{
	struct env	*e = env;
	size_t		 want = 3;

	env_connect(e, 0);
	assert_int_equal(testloop_write(e->fd, "abc", 3, 5000), 0);
	testloop_run_for(100);
	assert_int_equal(fake.sends, 0);
	assert_int_equal(fake.c->state, CONN_OPENING);
	conn_ready(fake.c);
	assert_int_equal(fake.c->state, CONN_OPEN);
	assert_true(testloop_run_until(got_at_least, &want, 5000));
	assert_int_equal(evbuffer_get_length(fake.got), 3);
}

static void
test_conn_half_close_client_first(void **state)
{
	struct env	*e = env;
	char		 buf[16];
	size_t		 want = 3;

	env_connect(e, 1);
	assert_int_equal(testloop_write(e->fd, "req", 3, 5000), 0);
	shutdown(e->fd, SHUT_WR);
	assert_true(testloop_run_until(got_at_least, &want, 5000));
	assert_true(testloop_run_until(got_eof, NULL, 5000));
	assert_int_equal(fake.eofs, 1);
	assert_int_equal(fake.c->state, CONN_DRAINING);
	/* The reply still reaches the half-closed client, then its EOF. */
	conn_write_data(fake.c, "reply", 5);
	conn_eof(fake.c);
	assert_int_equal(testloop_read(e->fd, buf, 5, 5000), 5);
	assert_memory_equal(buf, "reply", 5);
	assert_int_equal(testloop_wait_eof(e->fd, 5000), 0);
	assert_true(testloop_run_until(no_conns, e, 5000));
	assert_true(testloop_log_has("3 B in, 5 B out, "));
	assert_true(testloop_log_has(": client closed\n"));
}

static void
test_conn_half_close_remote_first(void **state)
{
	struct env	*e = env;
	char		 buf[16];
	size_t		 want = 4;

	env_connect(e, 1);
	conn_write_data(fake.c, "bye", 3);
	conn_eof(fake.c);
	assert_int_equal(testloop_read(e->fd, buf, 3, 5000), 3);
	assert_int_equal(testloop_wait_eof(e->fd, 5000), 0);
	assert_int_equal(fake.c->state, CONN_DRAINING);
	/* The client may still send after the far side finished. */
	assert_int_equal(testloop_write(e->fd, "more", 4, 5000), 0);
	assert_true(testloop_run_until(got_at_least, &want, 5000));
	/* A late write from the forwarder is dropped, not sent. */
	conn_write_data(fake.c, "late", 4);
	close(e->fd);
	e->fd = -1;
	assert_true(testloop_run_until(no_conns, e, 5000));
	assert_true(testloop_log_has("4 B in, 3 B out, "));
	assert_true(testloop_log_has(": remote closed\n"));
}

/* Fill buf with a pattern that shows order. */
static void
pattern(uint8_t *buf, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + i / 251);
}

static void
feed_more(void)
{
	ssize_t	n;

	while (feed.len != 0 && (n = send(feed.fd, feed.buf, feed.len,
	    MSG_DONTWAIT | MSG_NOSIGNAL)) > 0) {
		feed.buf += n;
		feed.len -= n;
	}
}

static int
paused_or_full(void *arg)
{
	size_t	*want = arg;

	feed_more();
	return ((fake.c != NULL && fake.c->paused) ||
	    evbuffer_get_length(fake.got) >= *want);
}

/* Run pause/resume rounds, feeding, until want bytes have been taken. */
static void
pump(size_t want)
{
	int	rounds = 0;

	while (evbuffer_get_length(fake.got) < want) {
		assert_true(testloop_run_until(paused_or_full, &want, 5000));
		if (fake.c->paused)
			conn_resume(fake.c);
		assert_true(++rounds < 100000);
	}
	assert_int_equal(feed.len, 0);
}

static void
test_conn_pause_resume_offers_the_rest(void **state)
{
	static const struct {
		size_t	take;
		int	inside;
	} cases[] = {
		{ 1000, 0 },		/* resume from outside */
		{ 4096, 1 },		/* resume from inside send */
	};
	enum { LEN = 100000 };
	uint8_t		*sent, *got;
	struct env	*e;
	size_t		 i;

	sent = malloc(LEN);
	got = malloc(LEN);
	pattern(sent, LEN);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (i != 0) {
			teardown(state);
			setup(state);
		}
		e = env;
		fake.take_max = cases[i].take;
		fake.resume_inside = cases[i].inside;
		env_connect(e, 1);
		feed.fd = e->fd;
		feed.buf = sent;
		feed.len = LEN;
		pump(LEN);
		assert_int_equal(evbuffer_remove(fake.got, got, LEN), LEN);
		assert_memory_equal(sent, got, LEN);
		/* send was never called from inside itself */
		assert_int_equal(fake.max_depth, 1);
		assert_int_equal(e->fw->bytes_in, LEN);
		}
	free(sent);
	free(got);
}

static void
test_conn_eof_waits_for_paused_input(void **state)
{
	struct env	*e = env;
	uint8_t		 buf[100];

	pattern(buf, sizeof buf);
	fake.take_max = 10;
	env_connect(e, 1);
	assert_int_equal(testloop_write(e->fd, buf, sizeof buf, 5000), 0);
	shutdown(e->fd, SHUT_WR);
	testloop_run_for(50);
	assert_int_equal(fake.eofs, 0);
	pump(sizeof buf);
	assert_true(testloop_run_until(got_eof, NULL, 5000));
	assert_int_equal(fake.eofs, 1);
}

static int
drained(void *arg)
{
	return (fake.drains != 0);
}

static void
test_conn_output_watermark_calls_drain(void **state)
{
	struct env	*e = env;
	uint8_t		 chunk[65536], *buf;
	size_t		 total = 0;

	e->fd = testloop_connect(e->addr, NULL);
	assert_true(testloop_run_until(opened, NULL, 5000));
	/* What the kernel takes between gatewayd and the client, fixed. */
	testloop_sockbuf(e->fd, TESTLOOP_SOCKBUF);
	testloop_sockbuf(bufferevent_getfd(fake.c->bev), TESTLOOP_SOCKBUF);
	pattern(chunk, sizeof chunk);
	/*
	 * The client reads nothing: the output grows to the high mark once
	 * the kernel is full. The mark is checked as it is passed, before
	 * the loop gives the kernel another chance to take some.
	 */
	for (;;) {
		conn_write_data(fake.c, chunk, sizeof chunk);
		total += sizeof chunk;
		if (conn_is_output_full(fake.c))
			break;
		testloop_run_for(1);
		assert_true(total < 64 * 1024 * 1024);
	}
	assert_true(conn_output_len(fake.c) >= CONN_HIGH_WATERMARK);
	assert_true(conn_output_len(fake.c) < CONN_HIGH_WATERMARK +
	    sizeof chunk);
	assert_int_equal(fake.drains, 0);
	/* Reading lets it fall under the low mark: drain is called. */
	buf = malloc(total);
	assert_int_equal(testloop_read(e->fd, buf, total, 10000), total);
	assert_true(testloop_run_until(drained, NULL, 5000));
	assert_int_equal(fake.drains, 1);
	assert_false(conn_is_output_full(fake.c));
	assert_int_equal(fake.c->bytes_out, total);
	free(buf);
}

/*
 * A forwarder's drain gives the client the last of what it held and the
 * far side's end (ssm_session_drain does): the bytes go first, then the
 * FIN. The output has to be empty when the drain runs; whether the kernel
 * takes the last write whole is its business, so the test puts the conn
 * in that state (output was full, is now empty) and wakes the write side.
 */
static void
test_conn_drain_then_eof_sends_the_bytes_first(void **state)
{
	struct env	*e = env;
	enum { LEN = 200000 };
	uint8_t		*sent, *got;

	sent = malloc(LEN);
	got = malloc(LEN);
	pattern(sent, LEN);
	fake.drain_hold = evbuffer_new();
	evbuffer_add(fake.drain_hold, sent, LEN);
	env_connect(e, 1);
	assert_int_equal(conn_output_len(fake.c), 0);
	fake.c->output_full = 1;
	bufferevent_trigger(fake.c->bev, EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS);
	assert_int_equal(testloop_read(e->fd, got, LEN, 10000), LEN);
	assert_memory_equal(sent, got, LEN);
	assert_int_equal(testloop_wait_eof(e->fd, 5000), 0);
	assert_int_equal(fake.drains, 1);
	assert_int_equal(fake.closes, 0);
	/* The client ends its side: a clean end, not an error. */
	shutdown(e->fd, SHUT_WR);
	assert_true(testloop_run_until(no_conns, e, 5000));
	assert_false(testloop_log_has("client write error"));
	assert_false(testloop_log_has("client shutdown"));
	evbuffer_free(fake.drain_hold);
	fake.drain_hold = NULL;
	free(sent);
	free(got);
}

static void
test_conn_close_once_free_later(void **state)
{
	struct env	*e = env;
	struct conn	*c;

	env_connect(e, 1);
	c = fake.c;
	conn_ref(c);
	conn_close(c, CONN_END_DONE, "first %d", 1);
	conn_close(c, CONN_END_RESET, "second");
	assert_int_equal(fake.closes, 1);
	assert_int_equal(c->state, CONN_DEAD);
	assert_int_equal(e->fw->nconns, 0);
	assert_false(conn_is_open(c));
	assert_int_equal(testloop_wait_eof(e->fd, 5000), 0);
	/* Our reference keeps it alive through turns of the loop. */
	testloop_run_for(20);
	assert_int_equal(c->state, CONN_DEAD);
	assert_string_equal(c->reason, "first 1");
	conn_unref(c);
	assert_true(testloop_log_has(": first 1\n"));
	assert_false(testloop_log_has("second"));
}

static void
test_conn_client_reset_closes(void **state)
{
	struct env	*e = env;
	struct linger	 lg = { 1, 0 };

	env_connect(e, 1);
	setsockopt(e->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(e->fd);
	e->fd = -1;
	assert_true(testloop_run_until(no_conns, e, 5000));
	assert_int_equal(fake.closes, 1);
	assert_true(testloop_log_has("client read error: "));
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

static int
client_end(int fd)
{
	struct end	e = { fd, -2 };

	testloop_run_until(client_ended, &e, 5000);
	return (e.how);
}

/*
 * Every end but the clean ones (the far side's, the client's own) resets
 * the client, whatever it was sent before: a tunnel that failed must
 * never look like one that finished.
 */
static void
test_conn_abnormal_ends_reset_the_client(void **state)
{
	struct env	*e = env;
	enum conn_end	 end;

	for (end = CONN_END_DONE; end <= CONN_END_LAST; end++) {
		env_connect(e, 1);
		conn_write_data(fake.c, "partial", 7);
		testloop_run_for(20);
		conn_close(fake.c, end, "end %s", conn_end_name(end));
		assert_int_equal(client_end(e->fd),
		    conn_end_is_clean(end) ? 0 : ECONNRESET);
		close(e->fd);
		e->fd = -1;
	}
	assert_true(conn_end_is_clean(CONN_END_DONE));
	assert_true(conn_end_is_clean(CONN_END_CLIENT));
	assert_false(conn_end_is_clean(CONN_END_EVICTED));
	assert_false(conn_end_is_clean(CONN_END_LOST));
	assert_int_equal(fake.closes, CONN_END_LAST + 1);
}

static int
lingering(void *arg)
{
	return (conn_is_lingering(arg));
}

/*
 * A conn whose client's EOF was passed on, waiting for the far side's
 * end, lingers: conn_make_room ends the one that has lingered longest
 * (for a new client's max_conns slot), and none that is live.
 */
static void
test_conn_make_room_ends_the_oldest_lingering(void **state)
{
	struct env	*e = env;
	struct conn	*live, *first;
	int		 fd1, fd2;

	env_connect(e, 1);
	live = fake.c;
	fd1 = e->fd;
	assert_int_equal(conn_make_room(e->fw), 0);	/* nobody lingers */
	fake.c = NULL;
	env_connect(e, 1);
	first = fake.c;
	fd2 = e->fd;
	shutdown(fd2, SHUT_WR);
	assert_true(testloop_run_until(lingering, first, 5000));
	assert_false(conn_is_lingering(live));
	assert_int_equal(e->fw->nlingering, 1);
	assert_int_equal(conn_make_room(e->fw), 1);
	assert_int_equal(e->fw->nconns, 1);
	assert_int_equal(e->fw->nlingering, 0);
	assert_int_equal(TAILQ_FIRST(&e->fw->conns), live);
	assert_true(testloop_log_has("gave its slot to a new client "
	    "(max_conns)\n"));
	assert_int_equal(conn_make_room(e->fw), 0);
	/* The far side's end stops a conn lingering. */
	e->fd = fd1;
	shutdown(fd1, SHUT_WR);
	assert_true(testloop_run_until(lingering, live, 5000));
	conn_eof(live);
	assert_false(conn_is_lingering(live));
	assert_int_equal(e->fw->nlingering, 0);
	close(fd2);
}

/* What the greeter heard, and what it answers. */
static struct {
	int	reached, refused, closed;
	enum conn_end end;
} heard;

static void
greet_reached(struct conn *c, void *arg)
{
	heard.reached++;
	conn_write_data(c, "OK:", 3);
}

static void
greet_refused(struct conn *c, void *arg)
{
	heard.refused++;
	heard.end = c->end;
	conn_write_data(c, "NO", 2);
}

static void
greet_closed(struct conn *c, void *arg)
{
	heard.closed++;
}

static const struct conn_greeter greeter = {
	greet_reached, greet_refused, greet_closed
};

static int
was_reached(void *arg)
{
	return (heard.reached != 0);
}

/* A pipe's reader: what came, and whether it ended. */
struct pipe_in {
	int	 fd;
	char	 buf[64];
	size_t	 len;
	int	 eof;
};

static int
pipe_ready(void *arg)
{
	struct pipe_in	*p = arg;
	ssize_t		 n;

	while ((n = read(p->fd, p->buf + p->len,
	    sizeof p->buf - p->len)) > 0)
		p->len += n;
	if (n == 0)
		p->eof = 1;
	return (p->eof);
}

/*
 * A pair (gatewayctl connect's stdin and stdout): read from one pipe,
 * written to another; the far side's end closes the output pipe, which
 * its reader sees as EOF.
 */
static void
test_conn_pair_pipes_both_ways(void **state)
{
	struct env	*e = env;
	struct pipe_in	 p;
	int		 in[2], out[2];

	fake.echo = fake.eof_echo = 1;
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe2(out, O_NONBLOCK), 0);
	memset(&heard, 0, sizeof heard);
	memset(&p, 0, sizeof p);
	p.fd = out[0];
	conn_new_pair(e->fw, in[0], out[1], "pipes", NULL, &greeter, NULL);
	assert_non_null(fake.c);
	assert_int_equal(write(in[1], "hello", 5), 5);
	close(in[1]);
	/*
	 * The echo is the far side's first bytes: reached comes first;
	 * the far side's end closes the output pipe.
	 */
	assert_true(testloop_run_until(pipe_ready, &p, 5000));
	assert_int_equal(p.len, 8);
	assert_memory_equal(p.buf, "OK:hello", 8);
	assert_int_equal(heard.reached, 1);
	assert_true(testloop_run_until(no_conns, e, 5000));
	assert_int_equal(heard.closed, 1);
	assert_int_equal(heard.refused, 0);
	assert_true(testloop_log_has("(fake pipes -> far:9): 5 B in, 8 B "
	    "out"));
	close(out[0]);
}

/* Nothing comes back and nothing fails: reached after CONN_CONFIRM_MS. */
static void
test_conn_greeter_reached_when_nothing_fails(void **state)
{
	struct env	*e = env;
	char		 buf[3];

	memset(&heard, 0, sizeof heard);
	env_connect(e, 0);
	conn_set_greeter(fake.c, &greeter, NULL);
	conn_ready(fake.c);
	testloop_run_for(CONN_CONFIRM_MS / 5);
	assert_int_equal(heard.reached, 0);
	assert_true(testloop_run_until(was_reached, NULL, 5000));
	assert_int_equal(testloop_read(e->fd, buf, 3, 5000), 3);
	assert_memory_equal(buf, "OK:", 3);
	conn_close(fake.c, CONN_END_DONE, "done");
	assert_int_equal(heard.closed, 1);
}

/* A refusal's reply reaches the client, then a FIN, not a reset. */
static void
test_conn_greeter_refused_reply_then_fin(void **state)
{
	struct env	*e = env;
	char		 buf[2];

	memset(&heard, 0, sizeof heard);
	env_connect(e, 0);
	conn_set_greeter(fake.c, &greeter, NULL);
	conn_close(fake.c, CONN_END_REFUSED, "no such port");
	assert_int_equal(heard.refused, 1);
	assert_int_equal(heard.end, CONN_END_REFUSED);
	assert_int_equal(heard.reached + heard.closed, 0);
	assert_int_equal(testloop_read(e->fd, buf, 2, 5000), 2);
	assert_memory_equal(buf, "NO", 2);
	assert_int_equal(testloop_wait_eof(e->fd, 5000), 0);
}

/* A second forwarder that a negotiated conn is handed to. */
static struct {
	int		 opened;
	struct evbuffer	*got;
} fake2;

static void
fake2_open(struct conn *c)
{
	fake2.opened++;
	conn_ready(c);
}

static void
fake2_send(struct conn *c, struct evbuffer *in)
{
	evbuffer_add_buffer(fake2.got, in);
}

static const struct forwarder fake2_fwd = {
	.name = "fake2",
	.open = fake2_open,
	.send = fake2_send,
	.eof = fake_eof,
	.close = fake_close,
};

static struct forward	*hand_to;

/* Negotiate: the first line says where to; hand the conn over. */
static void
nego_open(struct conn *c)
{
	fake.opened++;
	fake.c = c;
	conn_negotiate(c);
}

static void
nego_send(struct conn *c, struct evbuffer *in)
{
	char	*line;
	size_t	 len;

	if ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) == NULL)
		return;
	conn_write_data(c, "GO\n", 3);
	free(line);
	conn_hand_to(c, hand_to);
}

static const struct forwarder nego_fwd = {
	.name = "nego",
	.open = nego_open,
	.send = nego_send,
	.eof = fake_eof,
	.close = fake_close,
};

static int
fake2_got(void *arg)
{
	return (evbuffer_get_length(fake2.got) >= *(size_t *)arg);
}

/*
 * A SOCKS-like conn: read before any far side, then handed to another
 * forward with the bytes that followed the request.
 */
static void
test_conn_negotiate_then_hand_to(void **state)
{
	struct env		*e = env;
	struct fwd_config	*fc2;
	char			 addr[64], *cause = NULL, buf[3];
	size_t			 want = 4;

	snprintf(addr, sizeof addr, "127.0.0.1:%u",
	    testloop_free_port(AF_INET));
	fc2 = testloop_fwd_config("fake2", addr, "far2", 10);
	assert_non_null(hand_to = gateway_add(fc2, &cause));
	hand_to->fwd = &fake2_fwd;
	fake2.got = evbuffer_new();
	e->fw->fwd = &nego_fwd;
	env_connect(e, 0);
	assert_int_equal(testloop_write(e->fd, "where\nrest", 10, 5000), 0);
	assert_true(testloop_run_until(fake2_got, &want, 5000));
	assert_int_equal(fake2.opened, 1);
	assert_int_equal(evbuffer_get_length(fake2.got), 4);
	assert_int_equal(e->fw->nconns, 0);
	assert_int_equal(hand_to->nconns, 1);
	assert_int_equal(testloop_read(e->fd, buf, 3, 5000), 3);
	assert_memory_equal(buf, "GO\n", 3);
	conn_close(TAILQ_FIRST(&hand_to->conns), CONN_END_DONE, "done");
	gateway_remove(hand_to);
	testloop_run_for(10);
	testloop_fwd_config_free(fc2);
	evbuffer_free(fake2.got);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_conn_echo_counts_bytes),
		T(test_conn_opening_holds_reads),
		T(test_conn_half_close_client_first),
		T(test_conn_half_close_remote_first),
		T(test_conn_pause_resume_offers_the_rest),
		T(test_conn_eof_waits_for_paused_input),
		T(test_conn_output_watermark_calls_drain),
		T(test_conn_drain_then_eof_sends_the_bytes_first),
		T(test_conn_close_once_free_later),
		T(test_conn_client_reset_closes),
		T(test_conn_abnormal_ends_reset_the_client),
		T(test_conn_make_room_ends_the_oldest_lingering),
		T(test_conn_pair_pipes_both_ways),
		T(test_conn_greeter_reached_when_nothing_fails),
		T(test_conn_greeter_refused_reply_then_fin),
		T(test_conn_negotiate_then_hand_to),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
