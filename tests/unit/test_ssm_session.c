/*
 * Unit tests for session.c: client connections on loopback, a fake data
 * channel (fake_chan.c) that the test drives as the agent, an smux server
 * that reads what gatewayd sends, and a fake clock for the timers (the
 * pool's tick is called by hand). What they show: mux streams share one
 * session, basic mode gives each conn its own, waiting conns are bounded
 * and closed with the start's reason, FIN and ConnectToPortError close
 * conns with the right reason, smux errors end the session, keep-alive
 * NOPs follow the agent version, back-pressure holds both ways, stalled
 * clients are reset, and a session's end closes its conns.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "config.h"
#include "fake_chan.h"
#include "gateway.h"
#include "gatewayd.h"
#include "ssm_session.h"
#include "ssm_smux.h"
#include "testloop.h"
#include "util.h"
#include "xmalloc.h"

#define TARGET		"i-0123456789abcdef0"
#define MAX_SIDS	64
#define WAIT		5000		/* ms: generous deadlines */

/* The agent's side of one channel: an smux server and what it got. */
struct agent {
	struct ssm_chan		*ch;
	struct smux		*smux;
	struct evbuffer		*got[MAX_SIDS];	/* by (sid - 3) / 2 */
	int			 opened[MAX_SIDS];
	int			 fin[MAX_SIDS];
	unsigned		 nops;
};

static struct fwd_config		*fc;
static struct forward			*fw;
static struct ssm_session_pool		*pool;
static struct ssm_session_params	 sp;
static char				 addr[64];
static struct agent			 ag;
static struct ssm_session		*resolving;

static void
tf_open(struct conn *c)
{
	ssm_session_attach(pool, c);
}

static const struct forwarder test_fwd = {
	.name = "ssm-test",
	.open = tf_open,
	.send = ssm_session_send,
	.eof = ssm_session_eof,
	.drain = ssm_session_drain,
	.close = ssm_session_detach,
};

/* A resolver that answers when the test says. */
static void *
tr_start(struct ssm_session *s, void *arg)
{
	resolving = s;
	return (&resolving);
}

static void
tr_cancel(void *handle)
{
	resolving = NULL;
}

static const struct ssm_session_resolver test_resolver = {
	tr_start, tr_cancel, NULL
};

static int
setup(void **state)
{
	char	*cause = NULL;

	testloop_init();
	clock_set_fake(1000000, 1700000000000ULL);
	fake_chan_reset();
	snprintf(addr, sizeof addr, "127.0.0.1:%u",
	    testloop_free_port(AF_INET));
	fc = testloop_fwd_config("db", addr, TARGET, 5432);
	fw = gateway_add(fc, &cause);
	assert_non_null(fw);
	fw->fwd = &test_fwd;
	memset(&sp, 0, sizeof sp);
	sp.chan.target = TARGET;
	sp.chan.document = "AWS-StartPortForwardingSession";
	memset(&ag, 0, sizeof ag);
	resolving = NULL;
	pool = NULL;
	return (0);
}

static int
teardown(void **state)
{
	size_t	i;

	ssm_session_pool_free(pool);
	pool = NULL;
	smux_free(ag.smux);
	for (i = 0; i < MAX_SIDS; i++) {
		if (ag.got[i] != NULL)
			evbuffer_free(ag.got[i]);
	}
	testloop_done();
	testloop_fwd_config_free(fc);
	fc = NULL;
	fake_chan_reset();
	clock_set_fake(0, 0);
	return (0);
}

static void
make_pool(void)
{
	pool = ssm_session_pool_new(fw, &sp);
	fw->fwd_data = pool;
}

/*
 * The fake agent.
 */

static size_t
sid_index(uint32_t sid)
{
	assert_true(sid >= 3 && (sid & 1) && (sid - 3) / 2 < MAX_SIDS);
	return ((sid - 3) / 2);
}

static void
agent_cb(struct smux *smux, const struct smux_event *ev, void *arg)
{
	size_t	i;

	switch (ev->type) {
	case SMUX_EV_OPEN:
		i = sid_index(ev->sid);
		ag.opened[i] = 1;
		ag.got[i] = evbuffer_new();
		break;
	case SMUX_EV_DATA:
		evbuffer_add(ag.got[sid_index(ev->sid)], ev->data, ev->len);
		break;
	case SMUX_EV_FIN:
		ag.fin[sid_index(ev->sid)] = 1;
		break;
	case SMUX_EV_NOP:
		ag.nops++;
		break;
	case SMUX_EV_REFUSED:
		fail_msg("gatewayd opened a stream the agent refused");
	}
}

/* Play the agent on channel n: it opens in mode with keepalive. */
static void
agent_open(size_t n, const char *version, enum ssm_chan_mode mode,
    int keepalive)
{
	ag.ch = fake_chan_nth(n);
	assert_non_null(ag.ch);
	if (mode == SSM_CHAN_MODE_MUX && ag.smux == NULL)
		ag.smux = smux_new(SMUX_SERVER, agent_cb, NULL);
	fake_chan_open(ag.ch, version, mode, keepalive);
}

/* Read what gatewayd sent on the agent's channel into the smux server. */
static void
agent_pull(void)
{
	struct evbuffer	*sent = fake_chan_sent(ag.ch);
	size_t		 len = evbuffer_get_length(sent);
	char		*cause = NULL;

	if (len == 0)
		return;
	if (smux_input(ag.smux, evbuffer_pullup(sent, len), len,
	    &cause) != 0)
		fail_msg("gatewayd sent bad smux: %s", cause);
	evbuffer_drain(sent, len);
}

/* What the agent has on stream sid. */
static size_t
agent_got(uint32_t sid)
{
	agent_pull();
	if (ag.got[sid_index(sid)] == NULL)
		return (0);
	return (evbuffer_get_length(ag.got[sid_index(sid)]));
}

/* The agent's frames, 1024 bytes a message; the last answer. */
static int
agent_flush(void)
{
	struct evbuffer	*out = evbuffer_new();
	uint8_t		 buf[1024];
	size_t		 n;
	int		 rc = 0;

	while (smux_output(ag.smux, out, sizeof buf) != 0) {
		n = evbuffer_remove(out, buf, sizeof buf);
		if ((rc = fake_chan_deliver(ag.ch, buf, n)) != 0)
			break;
	}
	evbuffer_free(out);
	return (rc);
}

static void
agent_send(uint32_t sid, const void *data, size_t len)
{
	assert_int_equal(smux_write(ag.smux, sid, data, len), 0);
	assert_int_equal(agent_flush(), 0);
}

static void
agent_fin(uint32_t sid)
{
	assert_int_equal(smux_close(ag.smux, sid), 0);
	assert_int_equal(agent_flush(), 0);
}

/*
 * Clients.
 */

static uint64_t	want_conns;

static int
conns_accepted(void *arg)
{
	return (fw->total_conns >= want_conns);
}

/* Connect a client and wait until the forward has its conn. */
static int
client(void)
{
	int	fd;

	fd = testloop_connect(addr, NULL);
	want_conns = fw->total_conns + 1;
	assert_true(testloop_run_until(conns_accepted, NULL, WAIT));
	return (fd);
}

/* The conn of the forward accepted nth (0 first), still open. */
static struct conn *
conn_nth(unsigned n)
{
	struct conn	*c;

	TAILQ_FOREACH(c, &fw->conns, entry) {
		if (n-- == 0)
			return (c);
	}
	return (NULL);
}

static void
client_expect(int fd, const char *want)
{
	char	buf[256];
	size_t	len = strlen(want);

	assert_true(len < sizeof buf);
	assert_int_equal(testloop_read(fd, buf, len, WAIT), (ssize_t)len);
	assert_memory_equal(buf, want, len);
}

static uint32_t	pending_sid;
static size_t	pending_len;

static int
agent_has(void *arg)
{
	return (agent_got(pending_sid) >= pending_len);
}

/* Wait until the agent has len bytes on sid. */
static void
wait_agent(uint32_t sid, size_t len)
{
	pending_sid = sid;
	pending_len = len;
	assert_true(testloop_run_until(agent_has, NULL, WAIT));
}

static int
agent_has_fin(void *arg)
{
	agent_pull();
	return (ag.fin[sid_index(pending_sid)]);
}

static int
no_conns(void *arg)
{
	return (fw->nconns == 0);
}

static int
has_bytes(void *arg)
{
	return (evbuffer_get_length(arg) != 0);
}

static int
chan_freed(void *arg)
{
	return (fake_chan_freed() != 0);
}

static void
assert_got(uint32_t sid, const char *want)
{
	struct evbuffer	*b = ag.got[sid_index(sid)];
	size_t		 len = strlen(want);

	assert_non_null(b);
	assert_int_equal(evbuffer_get_length(b), len);
	assert_memory_equal(evbuffer_pullup(b, len), want, len);
}

/*
 * Tests.
 */

/* Many conns, one session, one StartSession: each a stream of its own. */
static void
test_ssm_session_mux_streams_share_one_session(void **state)
{
	int	fd1, fd2, fd3;

	make_pool();
	fd1 = client();
	fd2 = client();
	assert_int_equal(ssm_session_pool_waiting(pool), 2);
	assert_int_equal(fake_chan_count(), 1);
	assert_string_equal(fake_chan_target(fake_chan_nth(0)), TARGET);

	agent_open(0, "3.3.987.0", SSM_CHAN_MODE_MUX, 0);
	assert_int_equal(ssm_session_pool_waiting(pool), 0);
	assert_int_equal(testloop_write(fd1, "hello one", 9, WAIT), 0);
	assert_int_equal(testloop_write(fd2, "hello two", 9, WAIT), 0);
	wait_agent(3, 9);
	wait_agent(5, 9);
	assert_true(ag.opened[0] && ag.opened[1]);
	assert_got(3, "hello one");
	assert_got(5, "hello two");

	agent_send(5, "to two", 6);
	agent_send(3, "to one", 6);
	client_expect(fd1, "to one");
	client_expect(fd2, "to two");
	assert_string_equal(conn_nth(0)->target_str, TARGET ":5432");

	/* A third conn opens a stream at once: no second StartSession. */
	fd3 = client();
	assert_int_equal(ssm_session_pool_waiting(pool), 0);
	assert_int_equal(testloop_write(fd3, "three", 5, WAIT), 0);
	wait_agent(7, 5);
	assert_got(7, "three");
	assert_int_equal(fake_chan_count(), 1);
	close(fd1);
	close(fd2);
	close(fd3);
}

/* Basic mode: one session per conn, raw bytes, ended with its conn. */
static void
test_ssm_session_basic_one_session_per_conn(void **state)
{
	struct evbuffer	*sent;
	int		 fd1, fd2;

	make_pool();
	fd1 = client();
	agent_open(0, "3.0.196.0", SSM_CHAN_MODE_BASIC, 0);
	assert_int_equal(testloop_write(fd1, "raw bytes", 9, WAIT), 0);
	sent = fake_chan_sent(fake_chan_nth(0));
	assert_true(testloop_run_until(has_bytes, sent, WAIT));
	testloop_run_for(50);
	assert_int_equal(evbuffer_get_length(sent), 9);
	assert_memory_equal(evbuffer_pullup(sent, 9), "raw bytes", 9);
	assert_int_equal(fake_chan_deliver(fake_chan_nth(0), "reply", 5), 0);
	client_expect(fd1, "reply");

	/* The target is basic now: the next conn starts its own session. */
	fd2 = client();
	assert_int_equal(fake_chan_count(), 2);
	agent_open(1, "3.0.196.0", SSM_CHAN_MODE_BASIC, 0);
	assert_int_equal(testloop_write(fd2, "second", 6, WAIT), 0);
	sent = fake_chan_sent(fake_chan_nth(1));
	assert_true(testloop_run_until(has_bytes, sent, WAIT));
	assert_int_equal(evbuffer_get_length(fake_chan_sent(
	    fake_chan_nth(0))), 9);

	/* The first conn's end ends its session, not the other. */
	close(fd1);
	assert_true(testloop_run_until(chan_freed, NULL, WAIT));
	assert_null(fake_chan_nth(0));
	assert_non_null(fake_chan_nth(1));
	assert_true(testloop_log_has("session db/1: ended: its connection "
	    "closed"));
	assert_int_equal(fake_chan_deliver(fake_chan_nth(1), "still", 5), 0);
	client_expect(fd2, "still");
	close(fd2);
}

/* A conn waits for the handshake, then gives up with a reason. */
static void
test_ssm_session_wait_bounded_by_handshake_timeout(void **state)
{
	int	fd;

	sp.wait_timeout = 30000;
	make_pool();
	fd = client();
	clock_advance_fake(29000);
	ssm_session_tick(pool);
	assert_int_equal(ssm_session_pool_waiting(pool), 1);
	clock_advance_fake(2000);
	ssm_session_tick(pool);
	assert_int_equal(ssm_session_pool_waiting(pool), 0);
	assert_int_equal(testloop_wait_eof(fd, WAIT), -1);
	assert_true(testloop_log_has("no session after 30s (StartSession in "
	    "flight)"));
	/* The session still starts, for the next conn. */
	assert_int_equal(ssm_session_pool_count(pool), 1);
	close(fd);
}

/* A failed start closes every waiting conn with its reason. */
static void
test_ssm_session_start_failure_closes_waiting(void **state)
{
	const char	*why = "StartSession: TargetNotConnected: "
			    TARGET " is not connected.";
	cJSON		*o;
	int		 fd1, fd2, fd3;

	make_pool();
	fd1 = client();
	fd2 = client();
	fake_chan_close(fake_chan_nth(0), why, "TargetNotConnected");
	assert_int_equal(testloop_wait_eof(fd1, WAIT), -1);
	assert_int_equal(testloop_wait_eof(fd2, WAIT), -1);
	assert_true(testloop_run_until(no_conns, NULL, WAIT));
	assert_true(testloop_log_has(why));
	assert_non_null(fw->last_error);
	assert_non_null(strstr(fw->last_error, why));
	o = cJSON_CreateObject();
	ssm_session_pool_status(pool, o);
	assert_int_equal(cJSON_GetObjectItem(o, "sessions_failed")->valueint,
	    1);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o,
	    "sessions")), 0);
	cJSON_Delete(o);

	/* The next conn tries again. */
	fd3 = client();
	assert_int_equal(fake_chan_count(), 2);
	close(fd1);
	close(fd2);
	close(fd3);
}

/* The agent's FIN: what came before it is delivered, then EOF. */
static void
test_ssm_session_fin_flushes_then_closes(void **state)
{
	uint8_t	*big, *got;
	size_t	 n = 300 * 1024, i;
	int	 fd;

	big = xmalloc(n);
	got = xmalloc(n);
	for (i = 0; i < n; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 10));
	make_pool();
	fd = client();
	agent_open(0, "3.3.987.0", SSM_CHAN_MODE_MUX, 0);
	assert_int_equal(testloop_write(fd, "x", 1, WAIT), 0);
	wait_agent(3, 1);
	/* More than the conn takes at once: some of it is held. */
	agent_send(3, big, n);
	agent_fin(3);
	assert_int_equal(testloop_read(fd, got, n, WAIT), (ssize_t)n);
	assert_memory_equal(got, big, n);
	assert_int_equal(testloop_wait_eof(fd, WAIT), 0);
	close(fd);
	assert_true(testloop_run_until(no_conns, NULL, WAIT));
	assert_true(testloop_log_has("remote closed"));
	free(big);
	free(got);
}

/* The client's EOF: its bytes go out, then FIN, and the conn ends. */
static void
test_ssm_session_client_eof_sends_fin(void **state)
{
	int	fd;

	make_pool();
	fd = client();
	agent_open(0, "3.3.987.0", SSM_CHAN_MODE_MUX, 0);
	assert_int_equal(testloop_write(fd, "last words", 10, WAIT), 0);
	shutdown(fd, SHUT_WR);
	pending_sid = 3;
	assert_true(testloop_run_until(agent_has_fin, NULL, WAIT));
	assert_got(3, "last words");
	/* The client ended it: a clean end. */
	assert_int_equal(testloop_wait_eof(fd, WAIT), 0);
	assert_true(testloop_run_until(no_conns, NULL, WAIT));
	assert_true(testloop_log_has("client closed"));
	/* The session lives on for the next conn. */
	assert_int_equal(ssm_session_pool_count(pool), 1);
	close(fd);
}

/* ConnectToPortError, then the stream's FIN: "target refused". */
static void
test_ssm_session_connect_to_port_error(void **state)
{
	cJSON		*o, *s;
	int		 fd1, fd2;

	make_pool();
	fd1 = client();
	fd2 = client();
	agent_open(0, "3.3.987.0", SSM_CHAN_MODE_MUX, 0);
	assert_int_equal(testloop_write(fd1, "a", 1, WAIT), 0);
	assert_int_equal(testloop_write(fd2, "b", 1, WAIT), 0);
	wait_agent(3, 1);
	wait_agent(5, 1);

	/* Stream 5 got an answer and ends normally; 3 was refused. */
	agent_send(5, "ok", 2);
	fake_chan_event(ag.ch, SSM_CHAN_EV_FLAG, "ConnectToPortError");
	agent_fin(5);
	agent_fin(3);
	assert_int_equal(testloop_wait_eof(fd1, WAIT), -1);
	client_expect(fd2, "ok");
	assert_int_equal(testloop_wait_eof(fd2, WAIT), 0);
	close(fd2);
	assert_true(testloop_run_until(no_conns, NULL, WAIT));
	assert_true(testloop_log_has(": target refused the connection "
	    "(ConnectToPortError)"));
	assert_true(testloop_log_has(": remote closed"));
	assert_non_null(strstr(fw->last_error, "target refused the "
	    "connection (ConnectToPortError)"));

	o = cJSON_CreateObject();
	ssm_session_pool_status(pool, o);
	s = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "sessions"), 0);
	assert_int_equal(cJSON_GetObjectItem(s, "refused")->valueint, 1);
	assert_string_equal(cJSON_GetObjectItem(s, "last_error")->valuestring,
	    "target refused the connection (ConnectToPortError)");
	cJSON_Delete(o);
	close(fd1);
}

/* Bad smux from the agent ends the session and its conns. */
static void
test_ssm_session_smux_error_ends_session(void **state)
{
	static const uint8_t	bad[] = { 2, 0, 0, 0, 3, 0, 0, 0 };
	int			fd1, fd2, fd3;

	make_pool();
	fd1 = client();
	fd2 = client();
	agent_open(0, "3.3.987.0", SSM_CHAN_MODE_MUX, 0);
	assert_int_equal(fake_chan_deliver(ag.ch, bad, sizeof bad), 0);
	assert_non_null(fake_chan_terminated(ag.ch));
	assert_non_null(strstr(fake_chan_terminated(ag.ch), "smux: "));
	assert_int_equal(testloop_wait_eof(fd1, WAIT), -1);
	assert_int_equal(testloop_wait_eof(fd2, WAIT), -1);
	assert_true(testloop_log_has("smux: smux frame at byte 0: version 2 "
	    "is not 1"));
	assert_true(testloop_run_until(chan_freed, NULL, WAIT));

	/* The next conn gets a fresh session. */
	fd3 = client();
	assert_int_equal(fake_chan_count(), 2);
	close(fd1);
	close(fd2);
	close(fd3);
}

/* NOPs every 10 s when the handshake says keep-alive, never otherwise. */
static void
test_ssm_session_keepalive_nops_by_version(void **state)
{
	static const struct {
		const char	*version;
		int		 keepalive;
		unsigned	 nops;
	} cases[] = {
		{ "3.1.1511.0", 1, 3 },
		{ "3.3.987.0", 0, 0 },
	};
	size_t	i;
	int	fd, t;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (i != 0) {
			teardown(state);
			setup(state);
		}
		make_pool();
		fd = client();
		agent_open(0, cases[i].version, SSM_CHAN_MODE_MUX,
		    cases[i].keepalive);
		for (t = 0; t < 30; t++) {
			clock_advance_fake(1000);
			ssm_session_tick(pool);
		}
		agent_pull();
		assert_int_equal(ag.nops, cases[i].nops);
		close(fd);
	}
}

static struct bufferevent	*writer;

static int
conn_paused(void *arg)
{
	struct conn	*c = conn_nth(0);

	return (c != NULL && c->paused);
}

/* A channel with no room pauses the client; room lets it all through. */
static void
test_ssm_session_backpressure_to_agent(void **state)
{
	size_t	 n = 4 * 1024 * 1024, i;
	uint8_t	*big;
	int	 fd;

	big = xmalloc(n);
	for (i = 0; i < n; i++)
		big[i] = (uint8_t)(i * 13 + (i >> 12));
	make_pool();
	fd = client();
	agent_open(0, "3.3.987.0", SSM_CHAN_MODE_MUX, 0);
	agent_pull();
	assert_true(ag.opened[0]);
	fake_chan_set_room(ag.ch, 0);
	writer = bufferevent_socket_new(gw_base, fd, 0);
	bufferevent_write(writer, big, n);
	bufferevent_enable(writer, EV_WRITE);
	assert_true(testloop_run_until(conn_paused, NULL, WAIT));
	/* What gatewayd holds for the stream is bounded. */
	testloop_run_for(100);
	assert_true(conn_nth(0)->paused);
	assert_int_equal(evbuffer_get_length(fake_chan_sent(ag.ch)), 0);
	assert_true(conn_nth(0)->bytes_in < n);

	fake_chan_set_room(ag.ch, FAKE_CHAN_UNLIMITED);
	wait_agent(3, n);
	assert_int_equal(agent_got(3), n);
	assert_memory_equal(evbuffer_pullup(ag.got[0], n), big, n);
	assert_false(conn_nth(0)->paused);
	bufferevent_free(writer);
	close(fd);
	free(big);
}

/* The bytes the first session holds for clients that are full. */
static double
held(void)
{
	cJSON	*o, *s;
	double	 n;

	o = cJSON_CreateObject();
	ssm_session_pool_status(pool, o);
	s = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "sessions"), 0);
	n = cJSON_GetObjectItem(s, "held")->valuedouble;
	cJSON_Delete(o);
	return (n);
}

static int
held_is(void *arg)
{
	return (held() == *(double *)arg);
}

/* A client that does not read: held bytes, then "not ready" to the
 * agent; reading lets the agent in again and loses nothing. */
static void
test_ssm_session_backpressure_from_agent(void **state)
{
	struct evbuffer	*frames;
	uint8_t		 chunk[1024], *got;
	size_t		 total = 0, n, i, at;
	double		 zero = 0;
	int		 fd, refused = 0;

	sp.session_high = 512 * 1024;
	make_pool();
	fd = client();
	agent_open(0, "3.3.987.0", SSM_CHAN_MODE_MUX, 0);
	assert_int_equal(testloop_write(fd, "go", 2, WAIT), 0);
	wait_agent(3, 2);

	/*
	 * PSH frames of 1016 bytes, one agent message each, with the loop
	 * not running: the conn's output fills, then the stream's hold.
	 */
	frames = evbuffer_new();
	for (i = 0; i < 8000 && !refused; i++) {
		memset(chunk, (int)(i & 0xff), sizeof chunk);
		smux_write(ag.smux, 3, chunk, 1016);
		smux_output(ag.smux, frames, 1024);
		n = evbuffer_copyout(frames, chunk, sizeof chunk);
		if (fake_chan_deliver(ag.ch, chunk, n) != 0) {
			refused = 1;
			break;
		}
		evbuffer_drain(frames, n);
		total += 1016;
	}
	assert_true(refused);
	at = i;
	assert_int_equal(fake_chan_ready_calls(ag.ch), 0);
	/* Held: at least the mark, at most one message over it. */
	assert_true(held() >= sp.session_high);
	assert_true(held() < sp.session_high + 1024);
	assert_true(total < sp.session_high + 2 * CONN_HIGH_WATERMARK);

	/* The client reads: ready is called, the refused message goes in. */
	got = xmalloc(total);
	assert_int_equal(testloop_read(fd, got, total, WAIT), (ssize_t)total);
	for (i = 0; i < total; i++) {
		if (got[i] != (uint8_t)((i / 1016) & 0xff))
			fail_msg("byte %zu of %zu: %u", i, total, got[i]);
	}
	assert_true(fake_chan_ready_calls(ag.ch) >= 1);
	assert_true(testloop_run_until(held_is, &zero, WAIT));
	assert_int_equal(fake_chan_deliver(ag.ch, chunk, n), 0);
	assert_int_equal(testloop_read(fd, got, 1016, WAIT), 1016);
	assert_int_equal(got[0], (uint8_t)(at & 0xff));
	evbuffer_free(frames);
	free(got);
	close(fd);
}

/* The session's end closes its conns with the reason; the next conn
 * starts a fresh one. */
static void
test_ssm_session_end_closes_conns_with_reason(void **state)
{
	int	fd1, fd2, fd3;

	make_pool();
	fd1 = client();
	fd2 = client();
	agent_open(0, "3.3.987.0", SSM_CHAN_MODE_MUX, 0);
	fake_chan_close(ag.ch, "channel_closed: idle timeout", NULL);
	assert_int_equal(testloop_wait_eof(fd1, WAIT), -1);
	assert_int_equal(testloop_wait_eof(fd2, WAIT), -1);
	assert_true(testloop_log_has(": channel_closed: idle timeout"));
	assert_non_null(strstr(fw->last_error,
	    "session db/1: channel_closed: idle timeout"));
	assert_int_equal(ssm_session_pool_count(pool), 0);
	fd3 = client();
	assert_int_equal(fake_chan_count(), 2);
	assert_int_equal(ssm_session_pool_waiting(pool), 1);
	close(fd1);
	close(fd2);
	close(fd3);
}

/* Feed stream sid 1016-byte PSH frames until the session refuses. */
static void
agent_fill(uint32_t sid)
{
	struct evbuffer	*frames = evbuffer_new();
	uint8_t		 chunk[1024];
	size_t		 n, i;

	memset(chunk, 'z', sizeof chunk);
	for (i = 0; i < 8000; i++) {
		smux_write(ag.smux, sid, chunk, 1016);
		smux_output(ag.smux, frames, 1024);
		n = evbuffer_copyout(frames, chunk, sizeof chunk);
		if (fake_chan_deliver(ag.ch, chunk, n) != 0)
			break;
		evbuffer_drain(frames, n);
	}
	assert_true(i < 8000);
	evbuffer_free(frames);
}

/*
 * A client that reads nothing while its session refuses the agent for
 * it holds up every stream of the session (smux v1 has no per-stream
 * window): it is reset after stall_timeout, and the session takes the
 * agent's data again. Another stream of the session is left alone.
 */
static void
test_ssm_session_stalled_client_is_reset(void **state)
{
	int	fd, fd2;

	sp.stall_timeout = 10000;
	sp.session_high = 256 * 1024;
	make_pool();
	fd = client();
	fd2 = client();
	agent_open(0, "3.3.987.0", SSM_CHAN_MODE_MUX, 0);
	assert_int_equal(testloop_write(fd, "x", 1, WAIT), 0);
	assert_int_equal(testloop_write(fd2, "y", 1, WAIT), 0);
	wait_agent(3, 1);
	wait_agent(5, 1);
	agent_send(5, "ok", 2);
	/* The loop does not run: the conn's output fills, then its hold. */
	agent_fill(3);
	assert_int_equal(fake_chan_ready_calls(ag.ch), 0);
	clock_advance_fake(9000);
	ssm_session_tick(pool);
	assert_non_null(conn_nth(1));
	clock_advance_fake(2000);
	ssm_session_tick(pool);
	assert_true(testloop_log_has("read nothing for 10s with"));
	assert_true(testloop_log_has("client read nothing for 10s while it "
	    "held up the session (stall_timeout); stream reset"));
	assert_int_equal(testloop_wait_eof(fd, WAIT), -1);
	/* The agent may send again; the other stream lives on. */
	assert_true(fake_chan_ready_calls(ag.ch) >= 1);
	assert_true(held() < sp.session_high);
	client_expect(fd2, "ok");
	assert_non_null(conn_nth(0));
	pending_sid = 3;
	assert_true(testloop_run_until(agent_has_fin, NULL, WAIT));
	close(fd);
	close(fd2);
}

/*
 * A client that stops reading without filling its session holds nobody
 * up: TCP would not reset it, neither do we, however long it waits.
 */
static void
test_ssm_session_stalled_alone_is_kept(void **state)
{
	uint8_t	buf[16384];
	int	fd, i;

	sp.stall_timeout = 10000;
	make_pool();
	fd = client();
	agent_open(0, "3.3.987.0", SSM_CHAN_MODE_MUX, 0);
	assert_int_equal(testloop_write(fd, "x", 1, WAIT), 0);
	wait_agent(3, 1);
	memset(buf, 'z', sizeof buf);
	for (i = 0; i < 40; i++)
		agent_send(3, buf, sizeof buf);
	assert_true(held() > 0);
	clock_advance_fake(3600 * 1000);
	ssm_session_tick(pool);
	assert_non_null(conn_nth(0));
	assert_false(testloop_log_has("read nothing"));
	close(fd);
}

/* A tag that matches nothing fails the waiting conns with that; a tag
 * that does starts the instance it names. */
static void
test_ssm_session_resolver_failure_and_answer(void **state)
{
	const char	*why = "tag:Name=x matched no Online instance in "
			    "eu-west-1";
	int		 fd1, fd2;

	sp.resolver = &test_resolver;
	sp.chan.target = "tag:Name=x";
	make_pool();
	fd1 = client();
	assert_non_null(resolving);
	assert_int_equal(fake_chan_count(), 0);
	assert_string_equal(conn_nth(0)->target_str, "tag:Name=x:5432");
	ssm_session_resolved(resolving, NULL, why);
	assert_int_equal(testloop_wait_eof(fd1, WAIT), -1);
	assert_true(testloop_run_until(no_conns, NULL, WAIT));
	assert_true(testloop_log_has(why));

	resolving = NULL;
	fd2 = client();
	assert_non_null(resolving);
	ssm_session_resolved(resolving, "i-00000000000000abc", NULL);
	assert_int_equal(fake_chan_count(), 1);
	assert_string_equal(fake_chan_target(fake_chan_nth(0)),
	    "i-00000000000000abc");
	agent_open(0, "3.3.987.0", SSM_CHAN_MODE_MUX, 0);
	assert_string_equal(conn_nth(0)->target_str,
	    "i-00000000000000abc:5432");
	close(fd1);
	close(fd2);
}

/* Status: each session with its instance, mode, streams and counters. */
static void
test_ssm_session_status_lists_sessions(void **state)
{
	cJSON	*o, *s;
	int	 fd1, fd2;

	make_pool();
	fd1 = client();
	fd2 = client();
	agent_open(0, "3.3.987.0", SSM_CHAN_MODE_MUX, 0);
	o = cJSON_CreateObject();
	ssm_session_pool_status(pool, o);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o,
	    "sessions")), 1);
	s = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "sessions"), 0);
	assert_string_equal(cJSON_GetObjectItem(s, "name")->valuestring,
	    "db/1");
	assert_string_equal(cJSON_GetObjectItem(s, "state")->valuestring,
	    "open");
	assert_string_equal(cJSON_GetObjectItem(s, "instance")->valuestring,
	    TARGET);
	assert_string_equal(cJSON_GetObjectItem(s, "mode")->valuestring,
	    "mux");
	assert_string_equal(cJSON_GetObjectItem(s,
	    "agent_version")->valuestring, "3.3.987.0");
	assert_int_equal(cJSON_GetObjectItem(s, "streams")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(s, "resends")->valueint, 7);
	assert_int_equal(cJSON_GetObjectItem(s, "resumes")->valueint, 2);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(s, "last_error")));
	assert_non_null(cJSON_GetObjectItem(s, "session_id"));
	assert_int_equal(cJSON_GetObjectItem(o, "sessions_started")->valueint,
	    1);
	cJSON_Delete(o);
	close(fd1);
	close(fd2);
}

/* warm: a session from the start, started again after a failure. */
static void
test_ssm_session_warm_starts_and_restarts(void **state)
{
	sp.warm = 1;
	make_pool();
	assert_int_equal(fake_chan_count(), 1);
	fake_chan_close(fake_chan_nth(0), "StartSession: ThrottlingException: "
	    "Rate exceeded", "ThrottlingException");
	assert_int_equal(fake_chan_count(), 1);
	ssm_session_tick(pool);
	assert_int_equal(fake_chan_count(), 1);
	clock_advance_fake(1000);
	ssm_session_tick(pool);
	assert_int_equal(fake_chan_count(), 2);
	agent_open(1, "3.3.987.0", SSM_CHAN_MODE_MUX, 0);
	clock_advance_fake(60000);
	ssm_session_tick(pool);
	assert_int_equal(fake_chan_count(), 2);
}

/*
 * The pool's health for gatewayctl status: up before any start; failed
 * while the last start failed and nothing is open, a retry in flight
 * included; degraded once a session opens within the window of the
 * failure; up again after the window.
 */
static void
test_ssm_session_health_from_starts(void **state)
{
	cJSON	*o;

	sp.warm = 1;
	make_pool();
	assert_int_equal(ssm_session_pool_health(pool), FORWARDER_HEALTH_UP);
	fake_chan_close(fake_chan_nth(0), "StartSession: AccessDeniedException: "
	    "no", "AccessDeniedException");
	assert_int_equal(ssm_session_pool_health(pool),
	    FORWARDER_HEALTH_FAILED);
	clock_advance_fake(1000);
	ssm_session_tick(pool);
	assert_int_equal(fake_chan_count(), 2);
	assert_int_equal(ssm_session_pool_health(pool),
	    FORWARDER_HEALTH_FAILED);
	agent_open(1, "3.3.987.0", SSM_CHAN_MODE_MUX, 0);
	assert_int_equal(ssm_session_pool_health(pool),
	    FORWARDER_HEALTH_DEGRADED);
	o = cJSON_CreateObject();
	ssm_session_pool_status(pool, o);
	assert_int_equal(cJSON_GetObjectItem(o,
	    "starts_failed_in_a_row")->valueint, 0);
	assert_int_equal(cJSON_GetObjectItem(o, "sessions_failed")->valueint,
	    1);
	cJSON_Delete(o);
	clock_advance_fake(SSM_SESSION_HEALTH_WINDOW);
	assert_int_equal(ssm_session_pool_health(pool), FORWARDER_HEALTH_UP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_mux_streams_share_one_session, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_health_from_starts, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_basic_one_session_per_conn, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_wait_bounded_by_handshake_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_start_failure_closes_waiting, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_fin_flushes_then_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_client_eof_sends_fin, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_connect_to_port_error, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_smux_error_ends_session, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_keepalive_nops_by_version, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_backpressure_to_agent, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_backpressure_from_agent, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_end_closes_conns_with_reason, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_stalled_client_is_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_stalled_alone_is_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_resolver_failure_and_answer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_status_lists_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ssm_session_warm_starts_and_restarts, setup,
		    teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
