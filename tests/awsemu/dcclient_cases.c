/*
 * dcclient's scenarios: each one sets the world and the knobs it needs,
 * starts sessions, drives the agent and checks what it does against
 * ssm-data-channel.md and ssm-port-mux.md. Every wait has a deadline;
 * nothing here measures time for a verdict.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <cjson/cJSON.h>

#include "aws_creds.h"
#include "dcclient.h"
#include "emu.h"
#include "ssm_smux.h"
#include "ssm_version.h"
#include "util.h"
#include "ws.h"
#include "xmalloc.h"

#define INST		"i-0000000000000000a"
#define MUX_AGENT	"3.3.987.0"
#define BASIC_AGENT	"3.0.196.0"
#define PF_DOC		"AWS-StartPortForwardingSession"
#define RH_DOC		"AWS-StartPortForwardingSessionToRemoteHost"

static struct dcc_target	*echo;
static int			 dead;

/* The data-channel knobs at their defaults, pacing off (tests go fast). */
static void
reset_knobs(void)
{
	dcc_knobs("{\"pacing\": false, \"pace_us\": 1000, \"chunk\": 1024, "
	    "\"window\": 0, \"resend\": \"front\", "
	    "\"handshake_timeout_ms\": 15000, \"handshake\": \"normal\", "
	    "\"malformed\": \"none\", \"seed\": 1, \"faults\": [], "
	    "\"drop_after\": 0, \"drop_count\": -1, \"drop_mode\": \"reset\", "
	    "\"rotate_ms\": 0, \"mute_after_ms\": 0, \"pause_at_ms\": -1, "
	    "\"pause_ms\": 1000, \"refuse\": 0, \"dial_delay_ms\": 0, "
	    "\"not_ready\": 0, \"idle_timeout_ms\": 0, \"max_session_ms\": 0, "
	    "\"keepalive_ms\": 10000, \"keepalive_timeout_ms\": 30000, "
	    "\"resume\": \"new_url\", \"upgrade_auth\": \"required\", "
	    "\"min_client_version\": \"" EMU_MIN_CLIENT_VERSION "\"}");
}

/* A key of another account: a signer who may not use alice's sessions. */
#define OTHER_AKID	"AKIAEMUOTHERACCT0001"
#define OTHER_SECRET	"other/account+secret/00000000000000000000"
#define OTHER_ACCOUNT	"210987654321"

/*
 * One instance with agent version v: port 80 is the echo target, 81 a
 * port nothing listens on; remote hosts db.internal:5432 (echo) and the
 * metadata address; meta.internal resolves to it. A custom document
 * without "type". Besides the default key, one of another account.
 */
static void
world(const char *v)
{
	dcc_world("{\"keys\": [{\"access_key_id\": \"" OTHER_AKID "\", "
	    "\"secret_access_key\": \"" OTHER_SECRET "\", \"user\": "
	    "\"mallory\", \"account\": \"" OTHER_ACCOUNT "\"}], "
	    "\"instances\": [{\"id\": \"%s\", \"agent_version\": "
	    "\"%s\", \"ports\": {\"80\": \"127.0.0.1:%d\", \"81\": "
	    "\"127.0.0.1:%d\"}, \"remote_hosts\": {\"db.internal:5432\": "
	    "\"127.0.0.1:%d\", \"169.254.169.254:80\": \"127.0.0.1:%d\", "
	    "\"meta.internal:80\": \"127.0.0.1:%d\"}, \"agent\": "
	    "{\"resolve\": {\"meta.internal\": [\"10.0.0.7\", "
	    "\"169.254.169.254\"]}}}], \"documents\": [\"Custom-Port\"]}",
	    INST, v, echo->port, dead, echo->port, echo->port, echo->port);
	reset_knobs();
}

/* A port-80 session, connected, before the handshake. */
static struct dcc *
connect_session(void)
{
	struct dcc	*c = dcc_start(INST, PF_DOC, "portNumber=80");

	if (dcc_connect(c, NULL) != 0)
		dcc_fail("connect: %s", c->close_reason);
	return (c);
}

static struct dcc *
open_session(const char *doc, const char *params, const char *cv)
{
	struct dcc	*c = dcc_start(INST, doc, params);

	c->client_version = cv;
	if (dcc_connect(c, NULL) != 0)
		dcc_fail("connect: %s", c->close_reason);
	dcc_handshake(c, cv);
	return (c);
}

static struct dcc *
open_mux(void)
{
	struct dcc	*c;

	c = open_session(PF_DOC, "portNumber=80", DCC_CLIENT_VERSION);
	dcc_mux_start(c);
	return (c);
}

/* A mux session on target, a strict client or one that expects bad
 * messages, with WebSocket pings every ping_ms (0: none). */
static struct dcc *
open_mux_on(const char *target, int expect_bad, u_int ping_ms)
{
	struct dcc	*c = dcc_start(target, PF_DOC, "portNumber=80");

	c->expect_bad = expect_bad;
	c->ping_ms = ping_ms;
	DCC_CHECK(dcc_connect(c, NULL) == 0, "connect to %s", target);
	dcc_handshake(c, DCC_CLIENT_VERSION);
	dcc_mux_start(c);
	return (c);
}

/* End with the TerminateSession flag: ack, channel_closed "", close; free. */
static void
end_by_flag(struct dcc *c)
{
	int64_t	seq = dcc_send_flag(c, SSM_FLAG_TERMINATE_SESSION);

	DCC_CHECK(dcc_wait_acked(c, seq, 1, DCC_WAIT), "flag not acked");
	DCC_CHECK(dcc_wait_cc(c, DCC_WAIT), "no channel_closed after the flag");
	DCC_CHECK(strcmp(c->cc.output, "") == 0, "channel_closed output %s",
	    c->cc.output);
	DCC_CHECK(dcc_wait_closed(c, DCC_WAIT) == 1000, "close code %u",
	    c->close_code);
	DCC_CHECK(strcmp(dcc_session_state(c->sid), "terminated") == 0,
	    "session not terminated");
	DCC_CHECK(strcmp(dcc_agent_str(c->sid, "state"), "ended") == 0,
	    "agent %s", dcc_agent_str(c->sid, "state"));
	dcc_free(c);
}

static void	expect_closed(struct dcc *, const char *, int, u_int);

/* End with the TerminateSession API: channel_closed "", close; free. */
static void
end_by_api(struct dcc *c)
{
	dcc_terminate_api(c);
	expect_closed(c, "", 0, DCC_WAIT);
	dcc_free(c);
}

/* channel_closed with exactly (or starting with) text, then close 1000. */
static void
expect_closed(struct dcc *c, const char *text, int prefix, u_int ms)
{
	DCC_CHECK(dcc_wait_cc(c, ms), "no channel_closed (want \"%s\")", text);
	if (prefix)
		DCC_CHECK(strncmp(c->cc.output, text, strlen(text)) == 0,
		    "channel_closed \"%s\", want \"%s...\"", c->cc.output, text);
	else
		DCC_CHECK(strcmp(c->cc.output, text) == 0,
		    "channel_closed \"%s\", want \"%s\"", c->cc.output, text);
	DCC_CHECK(dcc_wait_closed(c, DCC_WAIT) == 1000, "close code %u",
	    c->close_code);
}

static uint8_t *
random_bytes(size_t n)
{
	uint8_t	*buf = xmalloc(n);

	util_random(buf, n);
	return (buf);
}

struct echo_wait {
	struct dcc	*c;
	uint32_t	 sid;
	size_t		 n;
};

static int
echo_done_or_closed(void *arg)
{
	struct echo_wait	*w = arg;

	return (w->c->wstate != DCC_WS_OPEN || evbuffer_get_length(
	    dcc_mux_stream(w->c, w->sid)->in) >= w->n);
}

/*
 * Write n random bytes on sid, wait for them to come back (resuming after
 * every drop), compare.
 */
static void
mux_echo(struct dcc *c, uint32_t sid, size_t n, u_int ms)
{
	struct dcc_stream	*st = dcc_mux_stream(c, sid);
	struct echo_wait	 w = { c, sid, 0 };
	uint8_t			*buf = random_bytes(n);
	uint64_t		 end = clock_now_ms() + ms;
	size_t			 off;

	evbuffer_drain(st->in, evbuffer_get_length(st->in));
	w.n = n;
	for (off = 0; off < n; off += 16384)
		dcc_mux_write(c, sid, buf + off, n - off < 16384 ? n - off :
		    16384);
	while (clock_now_ms() < end) {
		dcc_wait(echo_done_or_closed, &w, end - clock_now_ms());
		if (c->wstate == DCC_WS_OPEN)
			break;
		dcc_recover(c);
	}
	DCC_CHECK(evbuffer_get_length(st->in) == n, "stream %u: %zu of %zu "
	    "bytes back", sid, evbuffer_get_length(st->in), n);
	DCC_CHECK(memcmp(evbuffer_pullup(st->in, n), buf, n) == 0,
	    "stream %u: the echo differs", sid);
	free(buf);
}

/* ------------------------------------------------------------- handshake */

static int
hreq_resent(void *arg)
{
	struct dcc	*c = arg;

	return (c->nseen > 0 && c->seen[0].copies >= 2);
}

/* handshake VERSION: the request's bytes, resent until acked, complete. */
static void
case_handshake(int argc, char **argv)
{
	const char	*v = argc > 0 ? argv[0] : MUX_AGENT;
	struct dcc	*c;
	char		*want;
	u_int		 copies;
	int64_t		 seq;

	world(v);
	c = dcc_start(INST, PF_DOC, "portNumber=80");
	c->auto_ack = 0;
	DCC_CHECK(dcc_connect(c, NULL) == 0, "connect: %s", c->close_reason);
	DCC_CHECK(dcc_wait(hreq_resent, c, 3000), "HandshakeRequest not resent "
	    "while unacknowledged");
	xasprintf(&want, "{\"AgentVersion\":\"%s\",\"RequestedClientActions\":"
	    "[{\"ActionType\":\"SessionType\",\"ActionParameters\":"
	    "{\"SessionType\":\"Port\",\"Properties\":{\"localPortNumber\":"
	    "\"0\",\"portNumber\":\"80\",\"type\":\"LocalPortForwarding\"}}}]}",
	    v);
	DCC_CHECK(strcmp(c->hreq_json, want) == 0, "HandshakeRequest %s",
	    c->hreq_json);
	free(want);
	DCC_CHECK(c->seen[0].payload_type == SSM_PAYLOAD_HANDSHAKE_REQUEST,
	    "seq 0 has payload type %u", c->seen[0].payload_type);
	dcc_ok("HandshakeRequest as seq 0, Flags 1, resent unchanged");

	dcc_ack_seq(c, 0);
	c->auto_ack = 1;
	dcc_sleep(700);
	copies = c->seen[0].copies;
	dcc_sleep(700);
	DCC_CHECK(c->seen[0].copies == copies, "resent after its ack");
	seq = dcc_answer(c, DCC_CLIENT_VERSION);
	DCC_CHECK(seq == 0, "our response is seq %lld", (long long)seq);
	DCC_CHECK(dcc_wait_acked(c, 0, 1, DCC_WAIT), "response not acked");
	DCC_CHECK(dcc_wait_hc(c, DCC_WAIT), "no HandshakeComplete");
	DCC_CHECK(c->seen[1].payload_type == SSM_PAYLOAD_HANDSHAKE_COMPLETE,
	    "HandshakeComplete is not seq 1");
	DCC_CHECK(c->hc.time_to_complete_ns > 0 &&
	    strcmp(c->hc.customer_message, "") == 0,
	    "HandshakeComplete %lld \"%s\"", (long long)c->hc.time_to_complete_ns,
	    c->hc.customer_message);
	DCC_CHECK(strcmp(dcc_agent_str(c->sid, "client_version"),
	    DCC_CLIENT_VERSION) == 0 && strcmp(dcc_agent_str(c->sid,
	    "open_client_version"), DCC_CLIENT_VERSION) == 0 &&
	    strcmp(dcc_agent_str(c->sid, "client_id"), c->client_id) == 0,
	    "state: client version or id not recorded");
	DCC_CHECK(strcmp(dcc_agent_str(c->sid, "mode"),
	    ssm_version_gt(v, "3.0.196.0") ? "mux" : "basic") == 0, "mode %s",
	    dcc_agent_str(c->sid, "mode"));
	dcc_ok("HandshakeComplete as seq 1 (%lld ns), %s mode",
	    (long long)c->hc.time_to_complete_ns, dcc_agent_str(c->sid, "mode"));
	end_by_flag(c);
	dcc_ok("TerminateSession flag: acked, channel_closed, close 1000");
}

/* The first frame: anything but a good OpenDataChannel is 1008. */
static void
expect_refused(struct dcc *c, const char *what, int text, const char *frame)
{
	int	code;

	DCC_CHECK(dcc_connect_raw(c, text, frame, strlen(frame)) == 0,
	    "%s: upgrade failed", what);
	code = dcc_wait_closed(c, DCC_WAIT);
	DCC_CHECK(code == 1008 && strcmp(c->close_reason, "invalid token") == 0,
	    "%s: closed %d \"%s\", want 1008 \"invalid token\"", what, code,
	    c->close_reason);
	DCC_CHECK(c->nlog == 0 && c->rx_msgs == 0, "%s: got messages", what);
}

/* token: bad first frames, stale token after resume, a second client. */
static void
case_token(int argc, char **argv)
{
	struct dcc	*c, *c2;
	char		*old, *frame;
	int		 code;

	world(MUX_AGENT);
	c = dcc_start(INST, PF_DOC, "portNumber=80");
	DCC_CHECK(dcc_connect(c, "AAAAnot+the/token==") == 0, "upgrade");
	code = dcc_wait_closed(c, DCC_WAIT);
	DCC_CHECK(code == 1008 && c->nlog == 0 && c->rx_msgs == 0,
	    "wrong token: closed %d, %u messages", code, c->nlog);
	expect_refused(c, "binary first frame", 0, "{}");
	expect_refused(c, "not JSON", 1, "hello");
	xasprintf(&frame, "{\"MessageSchemaVersion\":\"2.0\",\"RequestId\":"
	    "\"x\",\"TokenValue\":\"%s\",\"ClientId\":\"%s\"}", c->token,
	    c->client_id);
	expect_refused(c, "schema 2.0", 1, frame);
	free(frame);
	dcc_ok("wrong token, binary, non-JSON, schema 2.0: 1008, nothing sent");

	old = xstrdup(c->token);
	dcc_resume(c);
	DCC_CHECK(dcc_connect(c, old) == 0, "upgrade");
	code = dcc_wait_closed(c, DCC_WAIT);
	DCC_CHECK(code == 1008 && c->nlog == 0, "stale token: closed %d", code);
	freezero_str(old);
	dcc_ok("stale token after ResumeSession: 1008");

	DCC_CHECK(dcc_connect(c, NULL) == 0, "connect with the new token");
	dcc_handshake(c, DCC_CLIENT_VERSION);
	c2 = dcc_clone(c);
	DCC_CHECK(dcc_connect(c2, NULL) == 0, "second connection");
	dcc_wait_closed(c, DCC_WAIT);
	dcc_sleep(500);
	DCC_CHECK(!c2->got_hreq && c2->rx_msgs == 0, "the second connection "
	    "got a handshake");
	DCC_CHECK(dcc_agent_num(c->sid, "attaches") == 2 &&
	    dcc_agent_num(c->sid, "drops") == 1, "attaches %g drops %g",
	    dcc_agent_num(c->sid, "attaches"), dcc_agent_num(c->sid, "drops"));
	dcc_ok("a second connection replaces the first, no new handshake");
	dcc_terminate_api(c2);
	expect_closed(c2, "", 0, DCC_WAIT);
	dcc_ok("TerminateSession API: channel_closed, close 1000");
	dcc_free(c);
	dcc_free(c2);
}

/* ------------------------------------------------------------------ acks */

/* A raw smux PSH frame for sid. */
static size_t
psh(uint8_t *buf, uint32_t sid, const char *data)
{
	size_t	n = strlen(data);

	buf[0] = SMUX_VERSION;
	buf[1] = SMUX_CMD_PSH;
	buf[2] = n & 0xff;
	buf[3] = n >> 8;
	buf[4] = sid & 0xff;
	buf[5] = (sid >> 8) & 0xff;
	buf[6] = (sid >> 16) & 0xff;
	buf[7] = sid >> 24;
	memcpy(buf + 8, data, n);
	return (8 + n);
}

static int
copies_at_least(void *arg)
{
	struct dcc	*c = arg;
	size_t		 i;

	for (i = 0; i < c->nseen; i++) {
		if (c->seen[i].copies >= 2 &&
		    c->seen[i].payload_type == SSM_PAYLOAD_OUTPUT)
			return (1);
	}
	return (0);
}

/* acks: duplicates acked again, ahead stored and acked, resends. */
static void
case_acks(int argc, char **argv)
{
	struct dcc		*c;
	struct dcc_stream	*st;
	uint8_t			 f[64];
	uint32_t		 sid;
	int64_t			 a, b, seq;
	size_t			 i;

	world(MUX_AGENT);
	c = open_mux();
	sid = dcc_mux_open(c);
	dcc_mux_write(c, sid, "hello", 5);
	DCC_CHECK(dcc_mux_wait(c, sid, 5, DCC_WAIT), "no echo");
	seq = c->next_seq - 1;
	DCC_CHECK(dcc_wait_acked(c, seq, 1, DCC_WAIT), "not acked");
	dcc_xmit(c, seq);
	DCC_CHECK(dcc_wait_acked(c, seq, 2, DCC_WAIT), "duplicate not acked "
	    "again");
	DCC_CHECK(dcc_agent_num(c->sid, "dups_in") >= 1, "dups_in");
	dcc_ok("a duplicate is acknowledged again");

	a = dcc_build(c, SSM_PAYLOAD_OUTPUT, f, psh(f, sid, "aaa"));
	b = dcc_build(c, SSM_PAYLOAD_OUTPUT, f, psh(f, sid, "bbb"));
	c->out[a].no_resend = 1;
	dcc_xmit(c, b);
	DCC_CHECK(dcc_wait_acked(c, b, 1, DCC_WAIT), "ahead not acked");
	dcc_sleep(300);
	st = dcc_mux_stream(c, sid);
	DCC_CHECK(evbuffer_get_length(st->in) == 5, "data ahead was used");
	DCC_CHECK(dcc_agent_num(c->sid, "stored") == 1, "stored %g",
	    dcc_agent_num(c->sid, "stored"));
	dcc_xmit(c, a);
	DCC_CHECK(dcc_mux_wait(c, sid, 11, DCC_WAIT), "no echo after the gap");
	DCC_CHECK(memcmp(evbuffer_pullup(st->in, 11), "helloaaabbb", 11) == 0,
	    "echo out of order");
	DCC_CHECK(c->out[a].acks == 1 && c->out[b].acks == 1, "acks %u %u",
	    c->out[a].acks, c->out[b].acks);
	dcc_ok("ahead: acknowledged on arrival, stored, used in order");

	c->auto_ack = 0;
	dcc_mux_write(c, sid, "x", 1);
	DCC_CHECK(dcc_wait(copies_at_least, c, 3000), "no resend of unacked "
	    "output");
	for (i = 0; i < c->nseen; i++) {
		if (c->seen[i].copies > 0)
			dcc_ack_seq(c, (int64_t)i);
	}
	c->auto_ack = 1;
	DCC_CHECK(dcc_agent_num(c->sid, "resends") >= 1, "resends");
	dcc_ok("unacknowledged output is resent unchanged (%g resends)",
	    dcc_agent_num(c->sid, "resends"));
	end_by_flag(c);
}

/* ------------------------------------------------------------------- mux */

static int
target_open_is(void *arg)
{
	return (echo->open == 0);
}

/* mux: streams at once, FIN both ways, dial order, refused streams. */
static void
case_mux(int argc, char **argv)
{
	struct dcc		*c;
	struct dcc_stream	*st;
	struct dcc_tconn	*tc;
	uint32_t		 sid[5];
	u_int			 base, i;
	char			 tag[16];

	world(MUX_AGENT);
	c = open_mux();
	for (i = 0; i < 5; i++)
		sid[i] = dcc_mux_open(c);
	for (i = 0; i < 5; i++)
		mux_echo(c, sid[i], 100000 + i * 1000, DCC_WAIT);
	for (i = 0; i < 5; i++)
		dcc_mux_close(c, sid[i]);
	DCC_CHECK(dcc_wait(target_open_is, NULL, DCC_WAIT), "%u target "
	    "connections still open", echo->open);
	DCC_CHECK(dcc_agent_num(c->sid, "streams_opened") == 5 &&
	    dcc_agent_num(c->sid, "streams_open") == 0, "streams opened %g, "
	    "open %g", dcc_agent_num(c->sid, "streams_opened"),
	    dcc_agent_num(c->sid, "streams_open"));
	dcc_ok("5 streams echoed, closed by FIN, their targets closed");

	sid[0] = dcc_mux_open(c);
	mux_echo(c, sid[0], 10, DCC_WAIT);
	dcc_target_close_all(echo);
	DCC_CHECK(dcc_mux_wait_fin(c, sid[0], DCC_WAIT), "no FIN when the "
	    "target closed");
	dcc_ok("target close: FIN");

	dcc_knobs("{\"dial_delay_ms\": 50}");
	base = echo->accepts;
	for (i = 0; i < 4; i++) {
		sid[i] = dcc_mux_open(c);
		snprintf(tag, sizeof tag, "%08u", sid[i]);
		dcc_mux_write(c, sid[i], tag, 8);
	}
	for (i = 0; i < 4; i++)
		DCC_CHECK(dcc_mux_wait(c, sid[i], 8, DCC_WAIT), "no echo");
	for (i = 0; i < 4; i++) {
		tc = dcc_target_conn(echo, base + 1 + i);
		snprintf(tag, sizeof tag, "%08u", sid[i]);
		DCC_CHECK(tc != NULL && memcmp(evbuffer_pullup(tc->got, 8), tag,
		    8) == 0, "dial %u is not stream %u's", i, sid[i]);
	}
	dcc_knobs("{\"dial_delay_ms\": 0}");
	dcc_ok("dials in the order of the SYNs");

	dcc_knobs("{\"refuse\": 1}");
	sid[0] = dcc_mux_open(c);
	dcc_mux_write(c, sid[0], "lost", 4);
	sid[1] = dcc_mux_open(c);
	DCC_CHECK(dcc_mux_wait_fin(c, sid[0], DCC_WAIT), "no FIN for the "
	    "refused stream");
	st = dcc_mux_stream(c, sid[0]);
	DCC_CHECK(c->nflags == 1 && c->flag_seq[0] < st->fin_seq,
	    "ConnectToPortError (%u flags, seq %lld) not before the FIN "
	    "(seq %lld)", c->nflags, (long long)c->flag_seq[0],
	    (long long)st->fin_seq);
	mux_echo(c, sid[1], 1000, DCC_WAIT);
	DCC_CHECK(dcc_agent_num(c->sid, "streams_refused") == 1, "refused");
	dcc_ok("refused dial: ConnectToPortError (seq %lld), then FIN (seq "
	    "%lld); the session goes on", (long long)c->flag_seq[0],
	    (long long)st->fin_seq);
	end_by_flag(c);

	c = open_session(PF_DOC, "portNumber=81", DCC_CLIENT_VERSION);
	dcc_mux_start(c);
	sid[0] = dcc_mux_open(c);
	DCC_CHECK(dcc_mux_wait_fin(c, sid[0], DCC_WAIT), "no FIN");
	DCC_CHECK(c->nflags == 1, "no ConnectToPortError");
	dcc_ok("port nothing listens on: ConnectToPortError, FIN");
	end_by_api(c);
}

/* ----------------------------------------------------------------- basic */

static int
accepts_is(void *arg)
{
	return (echo->accepts >= *(u_int *)arg);
}

static void
basic_echo(struct dcc *c, const char *text, u_int conns)
{
	size_t	n = strlen(text), have = evbuffer_get_length(c->stream);

	dcc_send(c, SSM_PAYLOAD_OUTPUT, text, n);
	DCC_CHECK(dcc_wait(accepts_is, &conns, DCC_WAIT), "%u dials, want %u",
	    echo->accepts, conns);
	DCC_CHECK(dcc_wait_bytes(c, have + n, DCC_WAIT), "no echo of %s", text);
	DCC_CHECK(memcmp(evbuffer_pullup(c->stream, -1) + have, text, n) == 0,
	    "echo of %s differs", text);
}

/* basic VERSION: dial after the handshake, lazy re-dials, the flag. */
static void
case_basic(int argc, char **argv)
{
	const char	*v = argc > 0 ? argv[0] : BASIC_AGENT;
	struct dcc	*c;
	u_int		 base, want;
	int64_t		 seq;

	world(v);
	dcc_knobs("{\"dial_delay_ms\": 300}");
	base = echo->accepts;
	c = open_session(PF_DOC, "portNumber=80", DCC_CLIENT_VERSION);
	DCC_CHECK(strcmp(dcc_agent_str(c->sid, "mode"), "basic") == 0,
	    "mode %s", dcc_agent_str(c->sid, "mode"));
	seq = dcc_send(c, SSM_PAYLOAD_OUTPUT, "early", 5);
	dcc_sleep(100);
	DCC_CHECK(c->out[seq].acks == 0 && echo->accepts == base,
	    "data acked before the dial was done");
	want = base + 1;
	DCC_CHECK(dcc_wait(accepts_is, &want, DCC_WAIT), "no dial");
	DCC_CHECK(dcc_wait_acked(c, seq, 1, DCC_WAIT), "never acked");
	DCC_CHECK(dcc_wait_bytes(c, 5, DCC_WAIT), "no echo");
	DCC_CHECK(dcc_agent_num(c->sid, "not_ready") >= 1, "not_ready");
	dcc_ok("dial after the handshake; data unacked until it is done");
	dcc_knobs("{\"dial_delay_ms\": 0}");

	dcc_send_flag(c, SSM_FLAG_DISCONNECT_TO_PORT);
	basic_echo(c, "again", base + 2);
	DCC_CHECK(dcc_target_conn(echo, base + 1)->closed, "first target "
	    "connection not closed");
	dcc_ok("DisconnectToPort closes the target; the next data re-dials");
	dcc_target_close_all(echo);
	dcc_sleep(100);
	DCC_CHECK(!c->got_cc && c->wstate == DCC_WS_OPEN, "the client was "
	    "told of the target's close");
	basic_echo(c, "third", base + 3);
	dcc_ok("target close: nothing said; the next data re-dials");
	end_by_flag(c);
}

/* basic_refused: the first dial fails: channel_closed with its error. */
static void
case_basic_refused(int argc, char **argv)
{
	struct dcc	*c;
	char		*want;

	world(BASIC_AGENT);
	c = open_session(PF_DOC, "portNumber=81", DCC_CLIENT_VERSION);
	xasprintf(&want, "Unable to connect to specified port: dial tcp "
	    "127.0.0.1:81: connect: connection refused");
	expect_closed(c, want, 0, DCC_WAIT);
	free(want);
	DCC_CHECK(strcmp(dcc_session_state(c->sid), "terminated") == 0,
	    "session still active");
	dcc_ok("%s", c->cc.output);
	dcc_free(c);

	c = open_session(PF_DOC, "portNumber=22", DCC_CLIENT_VERSION);
	expect_closed(c, "Unable to connect to specified port: dial tcp "
	    "127.0.0.1:22: connect: connection refused", 0, DCC_WAIT);
	dcc_ok("unmapped port: %s", c->cc.output);
	dcc_free(c);
}

/* stream: a document without "type": basic, ends with the target. */
static void
case_stream(int argc, char **argv)
{
	struct dcc	*c;

	world(MUX_AGENT);
	c = open_session("AWS-StartSSHSession", "portNumber=80",
	    DCC_CLIENT_VERSION);
	DCC_CHECK(strcmp(dcc_agent_str(c->sid, "mode"), "stream") == 0,
	    "mode %s", dcc_agent_str(c->sid, "mode"));
	basic_echo(c, "ping", echo->accepts);
	dcc_target_close_all(echo);
	expect_closed(c, "", 0, DCC_WAIT);
	dcc_ok("stream mode: echo, the target's close ends the session");
	dcc_free(c);

	c = open_session("Custom-Port", NULL, DCC_CLIENT_VERSION);
	expect_closed(c, "Port number is empty", 0, DCC_WAIT);
	dcc_ok("custom document without portNumber: %s", c->cc.output);
	dcc_free(c);
}

/* predata: data before HandshakeComplete is acked and discarded. */
static void
case_predata(int argc, char **argv)
{
	struct dcc	*c;
	int64_t		 early;

	world(BASIC_AGENT);
	c = connect_session();
	early = dcc_send(c, SSM_PAYLOAD_OUTPUT, "early", 5);
	DCC_CHECK(dcc_wait_acked(c, early, 1, DCC_WAIT), "early data not "
	    "acked");
	dcc_handshake(c, DCC_CLIENT_VERSION);
	basic_echo(c, "late", echo->accepts);
	dcc_sleep(200);
	DCC_CHECK(evbuffer_get_length(c->stream) == 4, "the early data went "
	    "through");
	DCC_CHECK(dcc_agent_num(c->sid, "discarded_in") == 1, "discarded_in");
	dcc_ok("data before the handshake: acked, discarded");
	end_by_flag(c);
}

/* old_terminate: agent 2.3.700.0 ignores the flag; the API ends it. */
static void
case_old_terminate(int argc, char **argv)
{
	struct dcc	*c;
	int64_t		 seq;
	u_int		 base = echo->accepts;

	world("2.3.700.0");
	c = open_session(PF_DOC, "portNumber=80", DCC_CLIENT_VERSION);
	basic_echo(c, "old", base + 1);
	seq = dcc_send_flag(c, SSM_FLAG_TERMINATE_SESSION);
	DCC_CHECK(dcc_wait_acked(c, seq, 1, DCC_WAIT), "flag not acked");
	DCC_CHECK(!dcc_wait_cc(c, 500), "agent 2.3.700.0 acted on the flag");
	dcc_terminate_api(c);
	expect_closed(c, "", 0, DCC_WAIT);
	dcc_ok("2.3.700.0: the flag is ignored, the API call ends it");
	dcc_free(c);
}

/* ------------------------------------------------------------- keepalive */

/* keepalive AGENT CLIENT on|off: smux NOPs and the 30 s check, scaled. */
static void
case_keepalive(int argc, char **argv)
{
	struct dcc	*c;
	int		 on;
	u_int		 i;

	if (argc != 3)
		dcc_fail("keepalive AGENT CLIENT on|off");
	on = strcmp(argv[2], "on") == 0;
	world(argv[0]);
	dcc_knobs("{\"keepalive_ms\": 100, \"keepalive_timeout_ms\": 400}");
	/* An old client on purpose: the service's minimum off. */
	if (ssm_version_gt(EMU_MIN_CLIENT_VERSION, argv[1]))
		dcc_knobs("{\"min_client_version\": \"\"}");
	c = open_session(PF_DOC, "portNumber=80", argv[1]);
	DCC_CHECK(strcmp(dcc_agent_str(c->sid, "mode"), "mux") == 0, "mode");
	dcc_mux_start(c);
	for (i = 0; i < 12; i++) {
		dcc_mux_nop(c);
		dcc_sleep(100);
	}
	DCC_CHECK(!c->got_cc, "ended while we sent NOPs: %s", c->cc.output);
	if (on) {
		DCC_CHECK(c->rx_nops >= 5, "%llu NOPs in 1.2 s",
		    (unsigned long long)c->rx_nops);
		expect_closed(c, "smux keep-alive", 1, 3000);
		dcc_ok("agent %s, client %s: NOPs (%llu), closed after silence",
		    argv[0], argv[1], (unsigned long long)c->rx_nops);
		dcc_free(c);
	} else {
		dcc_sleep(1200);
		DCC_CHECK(c->rx_nops == 0, "%llu NOPs",
		    (unsigned long long)c->rx_nops);
		DCC_CHECK(!c->got_cc, "ended: %s", c->cc.output);
		dcc_ok("agent %s, client %s: no NOPs, silence is fine", argv[0],
		    argv[1]);
		end_by_flag(c);
	}
}

/* ---------------------------------------------------------------- resume */

/* resume: drops (reset, bye) mid-transfer; resumed without handshake. */
static void
case_resume(int argc, char **argv)
{
	struct dcc	*c, *stale;
	uint32_t	 sid;
	char		*old;

	world(MUX_AGENT);
	c = open_mux();
	sid = dcc_mux_open(c);
	mux_echo(c, sid, 100000, DCC_WAIT);
	dcc_admin_session(c->sid, "reset");
	dcc_wait_closed(c, DCC_WAIT);
	dcc_mux_write(c, sid, "while away", 10);
	old = xstrdup(c->token);
	dcc_recover(c);
	stale = dcc_clone(c);
	free(stale->token);
	stale->token = old;
	DCC_CHECK(dcc_connect(stale, NULL) == 0, "upgrade");
	DCC_CHECK(dcc_wait_closed(stale, DCC_WAIT) == 1008, "stale token");
	dcc_free(stale);
	DCC_CHECK(dcc_mux_wait(c, sid, 100010, DCC_WAIT), "data written "
	    "while away lost");
	mux_echo(c, sid, 200000, DCC_WAIT);
	dcc_ok("reset: resumed without a handshake, nothing lost");
	dcc_admin_session(c->sid, "bye");
	DCC_CHECK(dcc_wait_closed(c, DCC_WAIT) == 1000 &&
	    strcmp(c->close_reason, "Bye") == 0, "bye: %u %s", c->close_code,
	    c->close_reason);
	dcc_recover(c);
	mux_echo(c, sid, 200000, DCC_WAIT);
	DCC_CHECK(dcc_agent_num(c->sid, "attaches") == 3 &&
	    dcc_agent_num(c->sid, "drops") == 2, "attaches %g drops %g",
	    dcc_agent_num(c->sid, "attaches"), dcc_agent_num(c->sid, "drops"));
	dcc_ok("close 1000 \"Bye\": resumed, nothing lost");
	end_by_flag(c);
}

/* ------------------------------------------------------------------ ends */

static void
case_ends(int argc, char **argv)
{
	struct dcc	*c;
	char		*err;
	u_int		 i;

	world(MUX_AGENT);
	dcc_knobs("{\"idle_timeout_ms\": 300}");
	c = open_mux();
	expect_closed(c, "Your session timed out due to inactivity and has "
	    "been terminated.", 0, 3000);
	dcc_ok("idle timeout: %s", c->cc.output);
	dcc_free(c);

	dcc_knobs("{\"idle_timeout_ms\": 0, \"max_session_ms\": 600}");
	c = open_mux();
	dcc_mux_open(c);
	for (i = 0; i < 30 && !c->got_cc; i++) {
		dcc_mux_nop(c);
		dcc_sleep(100);
	}
	expect_closed(c, "Your session has reached the maximum session "
	    "duration", 1, 3000);
	dcc_ok("maximum duration: %s", c->cc.output);
	dcc_free(c);

	dcc_knobs("{\"max_session_ms\": 0}");
	c = open_session(RH_DOC, "host=169.254.169.254,portNumber=80",
	    DCC_CLIENT_VERSION);
	expect_closed(c, "Forwarding to IP address 169.254.169.254 is "
	    "forbidden.", 0, DCC_WAIT);
	dcc_free(c);
	c = open_session(RH_DOC, "host=meta.internal,portNumber=80",
	    DCC_CLIENT_VERSION);
	expect_closed(c, "Forwarding to IP address meta.internal is "
	    "forbidden.", 0, DCC_WAIT);
	dcc_free(c);
	c = open_session(RH_DOC, "host=db.internal,portNumber=5432",
	    DCC_CLIENT_VERSION);
	dcc_mux_start(c);
	mux_echo(c, dcc_mux_open(c), 5000, DCC_WAIT);
	end_by_flag(c);
	dcc_ok("remote host: denied addresses refused, others forwarded");

	dcc_knobs("{\"handshake_timeout_ms\": 300}");
	c = connect_session();
	expect_closed(c, "handshake timed out", 1, 3000);
	dcc_ok("no HandshakeResponse: %s", c->cc.output);
	dcc_free(c);

	dcc_knobs("{\"handshake_timeout_ms\": 15000}");
	c = open_mux();
	dcc_admin_session(c->sid, "end");
	expect_closed(c, "", 0, DCC_WAIT);
	dcc_free(c);
	c = open_mux();
	dcc_target_ping(INST, "ConnectionLost");
	expect_closed(c, "The agent on target " INST " is no longer "
	    "connected.", 0, DCC_WAIT);
	err = dcc_start_error(INST, PF_DOC, "portNumber=80");
	DCC_CHECK(strstr(err, "TargetNotConnected") != NULL, "%s", err);
	free(err);
	dcc_ok("target offline: sessions end, StartSession: TargetNotConnected");
	dcc_free(c);
}

/* handshake_variants: the client must refuse; the agent then ends. */
static void
case_handshake_variants(int argc, char **argv)
{
	static const struct {
		const char	*knob;
		const char	*text;
	} v[] = {
		{ "session_type", "handshake failed: action SessionType: "
		    "status 2: unsupported session type Standard_Stream" },
		{ "unknown_action", "handshake failed: action ShutdownOnIdle: "
		    "status 3: unsupported action ShutdownOnIdle" },
		{ "kms", "handshake failed: action KMSEncryption: status 2" },
	};
	struct dcc	*c;
	size_t		 i;

	world(MUX_AGENT);
	for (i = 0; i < nitems(v); i++) {
		dcc_knobs("{\"handshake\": \"%s\"}", v[i].knob);
		c = dcc_start(INST, PF_DOC, "portNumber=80");
		DCC_CHECK(dcc_connect(c, NULL) == 0, "connect");
		dcc_answer(c, DCC_CLIENT_VERSION);
		expect_closed(c, v[i].text, 1, DCC_WAIT);
		DCC_CHECK(!c->got_hc, "HandshakeComplete after a failure");
		dcc_ok("%s: %s", v[i].knob, c->cc.output);
		dcc_free(c);
	}
	dcc_knobs("{\"handshake\": \"no_complete\"}");
	c = connect_session();
	DCC_CHECK(dcc_wait_acked(c, dcc_answer(c, DCC_CLIENT_VERSION), 1,
	    DCC_WAIT), "response not acked");
	dcc_sleep(500);
	DCC_CHECK(!c->got_hc && !c->got_cc, "no_complete completed or ended");
	dcc_ok("no_complete: the response is acked, nothing follows");
	end_by_api(c);
	dcc_knobs("{\"handshake\": \"no_request\"}");
	c = connect_session();
	dcc_sleep(500);
	DCC_CHECK(c->rx_msgs == 0, "no_request: got a message");
	dcc_ok("no_request: nothing is sent");
	end_by_api(c);
}

/* ---------------------------------------------------------------- faults */

/* faults [front|all]: loss, dup, reorder, delay and corrupt, both ways. */
static void
case_faults(int argc, char **argv)
{
	const char	*resend = argc > 0 ? argv[0] : "all";
	struct dcc	*c;
	uint32_t	 sid[2];
	size_t		 n = strcmp(resend, "front") == 0 ? 100000 : 300000;
	const char	*k[] = { "in_lost", "out_lost", "in_duplicated",
			    "out_duplicated", "in_reordered", "out_reordered",
			    "in_delayed", "out_delayed", "out_corrupted" };
	size_t		 i;

	world(MUX_AGENT);
	c = open_mux();
	c->expect_bad = 1;
	dcc_knobs("{\"resend\": \"%s\", \"seed\": 7, \"faults\": [{\"dir\": "
	    "\"both\", \"what\": \"all\", \"loss\": 0.03, \"dup\": 0.03, "
	    "\"reorder\": 0.03, \"delay\": 0.03, \"delay_ms\": 30}, "
	    "{\"dir\": \"out\", \"what\": \"data\", \"corrupt\": 0.02}]}",
	    resend);
	sid[0] = dcc_mux_open(c);
	sid[1] = dcc_mux_open(c);
	mux_echo(c, sid[0], n, 60000);
	mux_echo(c, sid[1], n / 2, 60000);
	for (i = 0; i < nitems(k); i++)
		DCC_CHECK(dcc_agent_num(c->sid, k[i]) > 0, "no %s", k[i]);
	DCC_CHECK(c->rx_bad > 0, "no corrupted message seen");
	dcc_knobs("{\"faults\": []}");
	dcc_ok("resend %s: %zu bytes echoed exactly through loss (%g/%g), "
	    "dup, reorder, delay, corrupt (%llu dropped); agent resends %g",
	    resend, n + n / 2, dcc_agent_num(c->sid, "in_lost"),
	    dcc_agent_num(c->sid, "out_lost"),
	    (unsigned long long)c->rx_bad, dcc_agent_num(c->sid, "resends"));
	end_by_flag(c);
}

/* malformed: every malformed kind once; the session carries on. */
static void
case_malformed(int argc, char **argv)
{
	struct dcc	*c;
	uint32_t	 sid;

	world(MUX_AGENT);
	dcc_knobs("{\"malformed\": \"all\"}");
	c = open_mux_on(INST, 1, 0);
	sid = dcc_mux_open(c);
	mux_echo(c, sid, 5000, DCC_WAIT);
	DCC_CHECK(c->rx_bad == 3 && c->rx_unknown == 1 && c->rx_text == 1,
	    "bad %llu unknown %llu text %llu", (unsigned long long)c->rx_bad,
	    (unsigned long long)c->rx_unknown, (unsigned long long)c->rx_text);
	dcc_ok("bad length, short, bad digest, unknown type, text: the data "
	    "is intact");
	end_by_flag(c);
}

/* pause: publication paused at attach, then started; never started. */
static void
case_pause(int argc, char **argv)
{
	struct dcc	*c;
	uint32_t	 sid;

	world(MUX_AGENT);
	dcc_knobs("{\"pause_at_ms\": 0, \"pause_ms\": 300}");
	c = connect_session();
	dcc_sleep(150);
	DCC_CHECK(c->pauses == 1 && c->starts == 0 && !c->got_hreq,
	    "pauses %u starts %u", c->pauses, c->starts);
	dcc_handshake(c, DCC_CLIENT_VERSION);
	DCC_CHECK(c->starts == 1, "no start_publication");
	dcc_ok("pause_publication, then start_publication, then handshake");
	dcc_free(c);

	dcc_knobs("{\"pause_at_ms\": 300, \"pause_ms\": -1}");
	c = open_mux();
	sid = dcc_mux_open(c);
	dcc_sleep(400);
	DCC_CHECK(c->pauses == 1, "no pause");
	dcc_mux_write(c, sid, "held", 4);
	DCC_CHECK(!dcc_mux_wait(c, sid, 4, 500), "data flowed while paused");
	dcc_admin_session(c->sid, "start");
	DCC_CHECK(dcc_mux_wait(c, sid, 4, DCC_WAIT), "no data after start");
	dcc_ok("pause without start: nothing flows until started");
	dcc_knobs("{\"pause_at_ms\": -1}");
	end_by_flag(c);
}

/* not_ready: the first N data messages are not acked; resends are. */
static void
case_not_ready(int argc, char **argv)
{
	struct dcc	*c;

	world(MUX_AGENT);
	dcc_knobs("{\"not_ready\": 3}");
	c = open_mux();
	mux_echo(c, dcc_mux_open(c), 3000, DCC_WAIT);
	DCC_CHECK(dcc_agent_num(c->sid, "not_ready") == 3, "not_ready %g",
	    dcc_agent_num(c->sid, "not_ready"));
	dcc_ok("3 messages left unacked, resent, delivered once");
	end_by_flag(c);
}

/* drops: drop_after, rotation and a silent peer, through transfers. */
static void
case_drops(int argc, char **argv)
{
	struct dcc		*c;
	struct dcc_stream	*st;
	uint32_t		 sid;
	int64_t			 seq;

	world(MUX_AGENT);
	dcc_knobs("{\"drop_after\": 150, \"drop_count\": 3, \"resend\": "
	    "\"all\"}");
	c = open_mux();
	sid = dcc_mux_open(c);
	mux_echo(c, sid, 300000, 30000);
	DCC_CHECK(dcc_agent_num(c->sid, "drops") == 3, "drops %g",
	    dcc_agent_num(c->sid, "drops"));
	dcc_ok("3 drops after 150 messages each: resumed, echo exact");
	end_by_flag(c);

	dcc_knobs("{\"drop_after\": 0, \"rotate_ms\": 300}");
	c = open_mux();
	sid = dcc_mux_open(c);
	mux_echo(c, sid, 100000, 30000);
	dcc_sleep(700);
	DCC_CHECK(c->wstate == DCC_WS_CLOSED && c->close_code == 1000 &&
	    strcmp(c->close_reason, "Bye") == 0, "not rotated: %u %s",
	    c->close_code, c->close_reason);
	dcc_recover(c);
	mux_echo(c, sid, 100000, 30000);
	dcc_ok("rotation: close 1000 \"Bye\" %g times, resumed",
	    dcc_agent_num(c->sid, "drops"));
	dcc_knobs("{\"rotate_ms\": 0, \"mute_after_ms\": 200}");
	dcc_drop(c);
	dcc_recover(c);
	dcc_sleep(300);
	st = dcc_mux_stream(c, sid);
	evbuffer_drain(st->in, evbuffer_get_length(st->in));
	dcc_mux_write(c, sid, "quiet", 5);
	seq = c->next_seq - 1;
	dcc_sleep(800);
	DCC_CHECK(c->out[seq].acks == 0 && evbuffer_get_length(st->in) == 0,
	    "a muted peer answered");
	dcc_drop(c);
	dcc_knobs("{\"mute_after_ms\": 0}");
	dcc_recover(c);
	DCC_CHECK(dcc_mux_wait(c, sid, 5, DCC_WAIT), "data lost after mute");
	mux_echo(c, sid, 10000, 30000);
	dcc_ok("silent peer: nothing acked, resumed elsewhere, nothing lost");
	end_by_flag(c);
}

/* ------------------------------------------------------------------ idle */

static uint64_t
idle_rx(struct dcc *c, int mux, uint32_t sid)
{
	return (mux ? evbuffer_get_length(dcc_mux_stream(c, sid)->in) :
	    evbuffer_get_length(c->stream));
}

/* awsemu's EMU_DC_HIGH: a WebSocket queue this long takes no more. */
#define IDLE_WS_MARK	(256 * 1024)

/*
 * The agent cannot send: window messages unacknowledged, or with no
 * window its WebSocket's queue at the mark. A pause in its output alone
 * may be a loaded machine's, not a block.
 */
static int
idle_blocked(struct dcc *c, u_int window)
{
	if (window != 0)
		return (dcc_agent_num(c->sid, "unacked") >= window);
	return (dcc_agent_num(c->sid, "ws_queued") >= IDLE_WS_MARK);
}

/*
 * Wait until the agent is blocked and its output stops growing (the same
 * count three times 100 ms apart), then check that it stays blocked
 * without polling: its callbacks over a second are the resend ticks and
 * little else.
 */
static void
idle_check(struct dcc *c, const char *what, u_int window)
{
	double	out, w0, w1;
	u_int	i, same;

	out = -1;
	for (i = same = 0; i < 200 && (same < 3 || !idle_blocked(c, window));
	    i++) {
		dcc_sleep(100);
		if (dcc_agent_num(c->sid, "msgs_out") == out)
			same++;
		else
			same = 0;
		out = dcc_agent_num(c->sid, "msgs_out");
	}
	DCC_CHECK(same >= 3 && idle_blocked(c, window), "%s: the agent never "
	    "stopped sending", what);
	w0 = dcc_agent_num(c->sid, "wakeups");
	dcc_sleep(1000);
	w1 = dcc_agent_num(c->sid, "wakeups");
	DCC_CHECK(dcc_agent_num(c->sid, "msgs_out") == out, "%s: the agent "
	    "sent more while blocked", what);
	DCC_CHECK(w1 - w0 <= 40, "%s: %g wake-ups in a second while blocked",
	    what, w1 - w0);
	dcc_ok("%s: blocked after %g messages, %g wake-ups in a second", what,
	    out, w1 - w0);
}

/*
 * idle: an agent held back by its window (no acks: basic, then mux) or by
 * a client that reads nothing (mux, no window) waits for acks or room; it
 * never polls, and flows again once acked or read.
 */
static void
case_idle(int argc, char **argv)
{
	static const char	*what[] = { "basic, window 1000",
				    "mux, window 1000",
				    "mux, the client reads nothing",
				    "mux, the client reads nothing, resend all" };
	struct dcc_target	*src = dcc_target_new(DCC_SOURCE);
	struct dcc		*c;
	uint32_t		 sid = 0;
	uint64_t		 got;
	double			 q0, q1;
	size_t			 i;
	u_int			 k;
	int			 mux;

	src->keep = 0;
	src->source_bytes = (uint64_t)1 << 40;
	for (k = 0; k < nitems(what); k++) {
		mux = k > 0;
		dcc_world("{\"instances\": [{\"id\": \"%s\", "
		    "\"agent_version\": \"%s\", \"ports\": {\"80\": "
		    "\"127.0.0.1:%d\"}}]}", INST, mux ? MUX_AGENT :
		    BASIC_AGENT, src->port);
		reset_knobs();
		if (k < 2)
			dcc_knobs("{\"window\": 1000, \"resend\": \"front\"}");
		else if (k == 3)
			dcc_knobs("{\"resend\": \"all\"}");
		c = open_session(PF_DOC, "portNumber=80", DCC_CLIENT_VERSION);
		c->quiet = 1;
		if (k < 2)
			c->auto_ack = 0;
		else
			ws_pause(c->ws);
		if (mux) {
			dcc_mux_start(c);
			sid = dcc_mux_open(c);
		} else
			dcc_send(c, SSM_PAYLOAD_OUTPUT, "go", 2);
		idle_check(c, what[k], k < 2 ? 1000 : 0);
		if (k >= 2) {
			/*
			 * Resends wait for room as new data does: the
			 * oldest alone goes at each tick (about 1 KiB).
			 * Queued regardless, "all" piled every unacked
			 * message up again each tick, and the client's
			 * acks behind them went unread (a livelock).
			 */
			q0 = dcc_agent_num(c->sid, "ws_queued");
			dcc_sleep(1000);
			q1 = dcc_agent_num(c->sid, "ws_queued");
			DCC_CHECK(q1 - q0 < 64 * 1024, "%s: the queue grew "
			    "from %g to %g bytes in a second", what[k], q0,
			    q1);
		}
		if (k < 2) {
			DCC_CHECK(dcc_agent_num(c->sid, "unacked") == 1000,
			    "unacked %g", dcc_agent_num(c->sid, "unacked"));
			c->auto_ack = 1;
			for (i = 0; i < c->nseen; i++) {
				if (c->seen[i].copies > 0)
					dcc_ack_seq(c, (int64_t)i);
			}
		} else
			ws_resume(c->ws);
		got = idle_rx(c, mux, sid);
		for (i = 0; i < 100 && idle_rx(c, mux, sid) < got + 2000000;
		    i++)
			dcc_sleep(50);
		DCC_CHECK(idle_rx(c, mux, sid) >= got + 2000000, "%s: no flow "
		    "once unblocked", what[k]);
		dcc_terminate_api(c);
		dcc_free(c);
	}
	dcc_target_free(src);
}

/* ----------------------------------------------------------- inbox_drop */

/* awsemu's EMU_DC_INBOX_HIGH: over it, the agent stops reading. */
#define INBOX_MARK	(1024 * 1024)

struct inbox_bytes {
	struct dcc_target	*t;
	struct dcc_tconn	*tc;
	uint64_t		 want;
};

static int
inbox_dialed(void *arg)
{
	struct inbox_bytes	*w = arg;

	return (w->t->accepts >= w->want);
}

static int
inbox_bytes_at_least(void *arg)
{
	struct inbox_bytes	*w = arg;

	return (w->tc->bytes_in >= w->want);
}

/*
 * inbox_drop: a basic-mode target stops reading, the agent blocks, its
 * inbox passes the mark and it stops reading the client; the WebSocket
 * is dropped; the target reads again before the client is back (the
 * unblock runs with nobody attached) or after; then every byte arrives.
 */
static void
case_inbox_drop(int argc, char **argv)
{
	static const char	*what[] = { "target reads before the resume",
				    "target reads after the resume" };
	static uint8_t		 chunk[4096];
	struct dcc_target	*sink = dcc_target_new(DCC_SINK);
	struct inbox_bytes	 w;
	struct dcc		*c;
	uint64_t		 sent;
	u_int			 k, i, j;

	sink->keep = 0;
	memset(chunk, 'i', sizeof chunk);
	for (k = 0; k < nitems(what); k++) {
		dcc_world("{\"instances\": [{\"id\": \"%s\", "
		    "\"agent_version\": \"%s\", \"ports\": {\"80\": "
		    "\"127.0.0.1:%d\"}}]}", INST, BASIC_AGENT, sink->port);
		reset_knobs();
		dcc_knobs("{\"resend\": \"all\"}");
		c = open_session(PF_DOC, "portNumber=80", DCC_CLIENT_VERSION);
		c->quiet = 1;
		/* Resends only from dcc_recover: none before the open frame. */
		c->auto_resend = 0;
		w.t = sink;
		w.want = k + 1;
		dcc_send(c, SSM_PAYLOAD_OUTPUT, "i", 1);
		DCC_CHECK(dcc_wait(inbox_dialed, &w, DCC_WAIT) &&
		    (w.tc = dcc_target_conn(sink, k + 1)) != NULL &&
		    (w.want = 1) && dcc_wait(inbox_bytes_at_least, &w,
		    DCC_WAIT),
		    "%s: no dial", what[k]);
		bufferevent_disable(w.tc->bev, EV_READ);
		/* Up to 64 MiB, until the inbox is over the mark. */
		sent = 1;
		for (i = 0; i < 256 && dcc_agent_num(c->sid, "inbox") <=
		    INBOX_MARK; i++) {
			for (j = 0; j < 64; j++)
				dcc_send(c, SSM_PAYLOAD_OUTPUT, chunk,
				    sizeof chunk);
			sent += 64 * sizeof chunk;
			dcc_sleep(20);
		}
		DCC_CHECK(dcc_agent_num(c->sid, "inbox") > INBOX_MARK,
		    "%s: inbox %g after %llu bytes", what[k],
		    dcc_agent_num(c->sid, "inbox"), (unsigned long long)sent);
		dcc_drop(c);
		w.want = w.tc->bytes_in + 1;
		if (k == 0) {
			bufferevent_enable(w.tc->bev, EV_READ);
			DCC_CHECK(dcc_wait(inbox_bytes_at_least, &w, DCC_WAIT),
			    "%s: the target got nothing more", what[k]);
			dcc_sleep(100);
		}
		dcc_recover(c);
		if (k == 1)
			bufferevent_enable(w.tc->bev, EV_READ);
		w.want = sent;
		DCC_CHECK(dcc_wait(inbox_bytes_at_least, &w, 30000),
		    "%s: %llu of %llu bytes to the target (inbox %g)",
		    what[k], (unsigned long long)w.tc->bytes_in,
		    (unsigned long long)sent, dcc_agent_num(c->sid, "inbox"));
		dcc_ok("%s: %llu bytes, all arrived", what[k],
		    (unsigned long long)sent);
		dcc_terminate_api(c);
		dcc_free(c);
	}
	dcc_target_free(sink);
}

/* ------------------------------------------------------------- lifecycle */

#define INST2		"i-0000000000000000c"

/* Check an operation's call count, and that its times are that many. */
static void
expect_calls(const char *op, u_int calls, u_int max_per_sec)
{
	const cJSON	*o = dcc_op_state(op), *t;
	double		 n, prev = 0;

	n = cJSON_GetNumberValue(cJSON_GetObjectItem(o, "calls"));
	DCC_CHECK(n == calls, "%s: %g calls, want %u", op, n, calls);
	n = cJSON_GetNumberValue(cJSON_GetObjectItem(o, "max_per_sec"));
	DCC_CHECK(n >= 1 && n <= max_per_sec, "%s: %g calls in one second, "
	    "want 1 to %u", op, n, max_per_sec);
	t = cJSON_GetObjectItem(o, "times_ms");
	DCC_CHECK((u_int)cJSON_GetArraySize(t) == calls, "%s: %d times",
	    op, cJSON_GetArraySize(t));
	cJSON_ArrayForEach(o, t) {
		DCC_CHECK(o->valuedouble >= prev, "%s: times out of order", op);
		prev = o->valuedouble;
	}
}

/*
 * life: what gatewayd's session lifecycle is tested against (issue 5),
 * each asserted by its effect: every WebSocket rotated T ms after it
 * attached (close 1000 "Bye", resumed with ResumeSession, nothing lost),
 * the API budget counters, a muted peer (no acks, no pongs, no data),
 * and an instance replaced under the same tag (the old one's sessions
 * end, StartSession and ResumeSession answer TargetNotConnected, the new
 * one takes sessions).
 */
static void
case_life(int argc, char **argv)
{
	struct dcc		*c;
	struct dcc_stream	*st;
	struct ws_stats		 ws0, ws1;
	uint32_t		 sid;
	int64_t			 seq;
	char			*err;
	u_int			 i;

	dcc_world("{\"instances\": [{\"id\": \"%s\", \"agent_version\": "
	    "\"%s\", \"tags\": {\"Name\": \"bastion\"}, \"ports\": {\"80\": "
	    "\"127.0.0.1:%d\"}}]}", INST, MUX_AGENT, echo->port);
	reset_knobs();
	dcc_state_reset();

	dcc_knobs("{\"rotate_ms\": 300}");
	c = open_mux();
	sid = dcc_mux_open(c);
	for (i = 0; i < 3; i++) {
		DCC_CHECK(dcc_wait_closed(c, DCC_WAIT) == 1000 &&
		    strcmp(c->close_reason, "Bye") == 0, "rotation %u: %u %s",
		    i + 1, c->close_code, c->close_reason);
		st = dcc_mux_stream(c, sid);
		evbuffer_drain(st->in, evbuffer_get_length(st->in));
		dcc_mux_write(c, sid, "while away", 10);
		dcc_recover(c);
		DCC_CHECK(dcc_mux_wait(c, sid, 10, DCC_WAIT), "rotation %u: "
		    "data written while away lost", i + 1);
		mux_echo(c, sid, 30000, DCC_WAIT);
	}
	DCC_CHECK(dcc_agent_num(c->sid, "resumes") >= 3 &&
	    dcc_agent_num(c->sid, "drops") >= 3, "resumes %g drops %g",
	    dcc_agent_num(c->sid, "resumes"), dcc_agent_num(c->sid, "drops"));
	expect_calls("ssm:StartSession", 1, 1);
	expect_calls("ssm:ResumeSession", 3, 3);
	dcc_ok("rotation every 300 ms: close 1000 \"Bye\" 3 times, resumed, "
	    "echo exact; 1 StartSession, 3 ResumeSession, their times in "
	    "/_emu/state");
	dcc_knobs("{\"rotate_ms\": 0}");
	dcc_drop(c);
	dcc_free(c);

	c = open_mux_on(INST, 0, 100);
	sid = dcc_mux_open(c);
	mux_echo(c, sid, 1000, DCC_WAIT);
	dcc_sleep(300);
	ws_get_stats(c->ws, &ws0);
	DCC_CHECK(ws0.pongs_received > 0, "no pongs before the mute");
	dcc_admin_session(c->sid, "mute");
	dcc_sleep(200);
	ws_get_stats(c->ws, &ws0);
	st = dcc_mux_stream(c, sid);
	evbuffer_drain(st->in, evbuffer_get_length(st->in));
	dcc_mux_write(c, sid, "quiet", 5);
	seq = c->next_seq - 1;
	dcc_sleep(800);
	ws_get_stats(c->ws, &ws1);
	DCC_CHECK(ws1.pings_sent > ws0.pings_sent, "no pings sent");
	DCC_CHECK(ws1.pongs_received == ws0.pongs_received, "%llu pongs from "
	    "a muted peer", (unsigned long long)(ws1.pongs_received -
	    ws0.pongs_received));
	DCC_CHECK(c->out[seq].acks == 0 && evbuffer_get_length(st->in) == 0,
	    "a muted peer acked or echoed");
	DCC_CHECK(c->wstate == DCC_WS_OPEN, "the muted WebSocket closed");
	dcc_drop(c);
	dcc_recover(c);
	DCC_CHECK(dcc_mux_wait(c, sid, 5, DCC_WAIT), "data lost after mute");
	dcc_ok("muted peer: %llu pings unanswered, nothing acked or echoed; "
	    "resumed, nothing lost", (unsigned long long)(ws1.pings_sent -
	    ws0.pings_sent));
	dcc_target_add("{\"id\": \"%s\", \"agent_version\": \"%s\", \"tags\": "
	    "{\"Name\": \"bastion\"}, \"ports\": {\"80\": \"127.0.0.1:%d\"}}",
	    INST2, MUX_AGENT, echo->port);
	dcc_target_ping(INST, "ConnectionLost");
	expect_closed(c, "The agent on target " INST " is no longer "
	    "connected.", 0, DCC_WAIT);
	err = dcc_resume_error(c);
	DCC_CHECK(strstr(err, "TargetNotConnected") != NULL, "resume: %s",
	    err);
	free(err);
	err = dcc_start_error(INST, PF_DOC, "portNumber=80");
	DCC_CHECK(strstr(err, "TargetNotConnected") != NULL, "start: %s", err);
	free(err);
	dcc_free(c);
	c = open_mux_on(INST2, 0, 0);
	mux_echo(c, dcc_mux_open(c), 5000, DCC_WAIT);
	dcc_ok("instance replaced under the tag: the old one's session ended, "
	    "StartSession and ResumeSession: TargetNotConnected; the new one "
	    "echoes");
	end_by_flag(c);
}

/* ------------------------------------------------- the service of 2026 */

/* The default identity's IAM user: the SessionId's prefix. */
#define CALLER		"alice@example.com"

static double
upgrade_refusals(const char *why)
{
	char	path[96];

	snprintf(path, sizeof path, "data_channel.upgrades.refused_by.%s",
	    why);
	return (dcc_state_at(path));
}

/* The upgrade is refused: HTTP 403, text in the body, counted as why. */
static void
expect_upgrade_refused(struct dcc *c, const char *why, const char *text)
{
	double	before = upgrade_refusals(why);

	DCC_CHECK(dcc_connect(c, NULL) != 0, "%s: upgrade accepted", why);
	DCC_CHECK(c->http_status == 403 && strstr(c->close_reason, text) !=
	    NULL, "%s: HTTP %d (%s), want 403 and \"%s\"", why,
	    c->http_status, c->close_reason, text);
	DCC_CHECK(upgrade_refusals(why) == before + 1, "%s: %g refusals "
	    "counted, want %g", why, upgrade_refusals(why), before + 1);
	DCC_CHECK(c->nlog == 0 && c->rx_msgs == 0, "%s: got messages", why);
}

/* The upgrade is accepted and counted as kind (signed, unchecked...). */
static void
expect_upgrade_ok(struct dcc *c, const char *kind)
{
	char	path[64];
	double	before;

	snprintf(path, sizeof path, "data_channel.upgrades.%s", kind);
	before = dcc_state_at(path);
	DCC_CHECK(dcc_connect(c, NULL) == 0, "%s upgrade refused: HTTP %d "
	    "(%s)", kind, c->http_status, c->close_reason);
	DCC_CHECK(dcc_state_at(path) == before + 1, "%s: not counted", kind);
}

/*
 * upgrade: the WebSocket upgrade must be SigV4-signed as the official
 * client signs it (ssm-data-channel.md 3.2): unsigned, signed with the
 * query read as API calls read it ('+' as %2B), for another region, with
 * a wrong secret, an unknown key or by another account: 403 before the
 * WebSocket opens, each counted. Signed right, or presigned: accepted. A
 * SessionId with '@' works through the path, the signature and
 * /_emu/state. Knobs upgrade_auth optional and off bring back the older
 * service.
 */
static void
case_upgrade(int argc, char **argv)
{
	struct aws_creds	 own, bad;
	struct dcc		*c, *c2;
	const char		*id;
	char			*path;

	world(MUX_AGENT);
	c = dcc_start(INST, PF_DOC, "portNumber=80");
	id = c->sid + strlen(CALLER "-");
	DCC_CHECK(strncmp(c->sid, CALLER "-", strlen(CALLER "-")) == 0 &&
	    strlen(id) == 17 && strspn(id, "0123456789abcdef") == 17,
	    "SessionId %s is not " CALLER "-<17 hex>", c->sid);
	xasprintf(&path, "/v1/data-channel/%s?", c->sid);
	DCC_CHECK(strstr(c->url, path) != NULL, "StreamUrl without the "
	    "SessionId as it is");
	free(path);
	DCC_CHECK(strchr(strchr(c->url, '?'), '+') != NULL, "no '+' in the "
	    "StreamUrl's query");
	dcc_ok("SessionId %s, in the StreamUrl's path as it is", c->sid);

	c->sign = DCC_SIGN_NONE;
	expect_upgrade_refused(c, "unsigned", "upgrade is not signed");
	c->sign = DCC_SIGN_PLUS;
	expect_upgrade_refused(c, "signature", "SignatureDoesNotMatch");
	c->sign = DCC_SIGN;
	c->sign_region = "eu-west-1";
	expect_upgrade_refused(c, "signature", "scoped to a valid region");
	c->sign_region = NULL;
	dcc_env_creds(&own);
	memset(&bad, 0, sizeof bad);
	bad.access_key_id = own.access_key_id;
	bad.secret_access_key = (char *)"not/the+secret";
	c->sign_creds = &bad;
	expect_upgrade_refused(c, "signature", "SignatureDoesNotMatch");
	bad.access_key_id = (char *)"AKIAEMUNOSUCHKEY0001";
	expect_upgrade_refused(c, "signature", "security token included in "
	    "the request is invalid");
	bad.access_key_id = (char *)OTHER_AKID;
	bad.secret_access_key = (char *)OTHER_SECRET;
	expect_upgrade_refused(c, "identity", "arn:aws:iam::" OTHER_ACCOUNT
	    ":user/mallory is not authorized to perform: "
	    "ssmmessages:OpenDataChannel");
	dcc_ok("unsigned, '+' signed as %%2B, another region, wrong secret, "
	    "unknown key, another account: 403 before the WebSocket, "
	    "counted");

	c->sign_creds = NULL;
	expect_upgrade_ok(c, "signed");
	dcc_handshake(c, DCC_CLIENT_VERSION);
	dcc_mux_start(c);
	mux_echo(c, dcc_mux_open(c), 5000, DCC_WAIT);
	DCC_CHECK(strcmp(dcc_session_state(c->sid), "active") == 0 &&
	    dcc_agent_num(c->sid, "attaches") == 1, "state of %s", c->sid);
	dcc_ok("signed as the official client: accepted; %s in /_emu/state",
	    c->sid);

	c2 = dcc_clone(c);
	c2->sign = DCC_SIGN_NONE;
	free(c2->url);
	xasprintf(&c2->url, "%s&X-Amz-Date=20261130T123456Z&"
	    "X-Amz-Signature=0123", c->url);
	expect_upgrade_ok(c2, "presigned");
	dcc_wait_closed(c, DCC_WAIT);
	dcc_ok("presigned URL (X-Amz-* in the query): taken unsigned");
	end_by_api(c2);
	dcc_free(c);

	dcc_knobs("{\"upgrade_auth\": \"optional\"}");
	c = dcc_start(INST, PF_DOC, "portNumber=80");
	c->sign = DCC_SIGN_PLUS;
	expect_upgrade_refused(c, "signature", "SignatureDoesNotMatch");
	c->sign = DCC_SIGN_NONE;
	expect_upgrade_ok(c, "unchecked");
	dcc_handshake(c, DCC_CLIENT_VERSION);
	dcc_ok("upgrade_auth optional: a bad signature refused, none taken");
	end_by_api(c);
	dcc_knobs("{\"upgrade_auth\": \"off\"}");
	c = dcc_start(INST, PF_DOC, "portNumber=80");
	c->sign = DCC_SIGN_PLUS;
	expect_upgrade_ok(c, "unchecked");
	dcc_handshake(c, DCC_CLIENT_VERSION);
	dcc_ok("upgrade_auth off: not looked at (before plugin 1.2.764.0)");
	end_by_api(c);
	aws_creds_clear(&own);
}

/* The query of a StreamUrl but its cell-number. */
static int
same_but_cell(const char *a, const char *b)
{
	const char	*ca = strstr(a, "&cell-number="), *cb;

	cb = strstr(b, "&cell-number=");
	return (ca != NULL && cb != NULL && ca - a == cb - b &&
	    strncmp(a, b, ca - a) == 0 && strcmp(ca, cb) != 0);
}

/*
 * cells: every ResumeSession hands out a new cell-number (resume
 * new_url); an upgrade to an older StreamUrl is refused with 403, the
 * older token on the newest URL with 1008, and the newest URL with the
 * newest token resumes the session, nothing lost. resume ok keeps the
 * URL (the older service).
 */
static void
case_cells(int argc, char **argv)
{
	struct dcc	*c, *stale;
	char		*old_url, *mid_url, *old_token;
	uint32_t	 sid;
	u_int		 i;

	world(MUX_AGENT);
	c = open_mux();
	sid = dcc_mux_open(c);
	mux_echo(c, sid, 5000, DCC_WAIT);
	old_url = xstrdup(c->url);
	old_token = xstrdup(c->token);
	dcc_drop(c);
	dcc_mux_write(c, sid, "while away", 10);
	dcc_resume(c);
	DCC_CHECK(same_but_cell(old_url, c->url), "ResumeSession's StreamUrl "
	    "is not the old one with a new cell-number");
	mid_url = xstrdup(c->url);
	dcc_resume(c);
	DCC_CHECK(same_but_cell(mid_url, c->url), "the second ResumeSession "
	    "kept the cell-number");
	stale = dcc_clone(c);
	for (i = 0; i < 2; i++) {
		free(stale->url);
		stale->url = xstrdup(i == 0 ? old_url : mid_url);
		expect_upgrade_refused(stale, "old_cell", "cell-number is not "
		    "the session's current one");
	}
	dcc_ok("a new cell-number per ResumeSession; the older StreamUrls: "
	    "403");

	free(stale->url);
	stale->url = xstrdup(c->url);
	freezero_str(stale->token);
	stale->token = old_token;
	DCC_CHECK(dcc_connect(stale, NULL) == 0, "upgrade to the newest URL");
	DCC_CHECK(dcc_wait_closed(stale, DCC_WAIT) == 1008 &&
	    strcmp(stale->close_reason, "invalid token") == 0 &&
	    stale->nlog == 0, "an older token: closed %u \"%s\"",
	    stale->close_code, stale->close_reason);
	dcc_free(stale);
	dcc_ok("the newest StreamUrl with an older token: 1008 \"invalid "
	    "token\"");

	DCC_CHECK(dcc_connect(c, NULL) == 0, "resume: %s", c->close_reason);
	dcc_resend_all(c);
	DCC_CHECK(dcc_mux_wait(c, sid, 5010, DCC_WAIT), "data written while "
	    "away lost");
	mux_echo(c, sid, 5000, DCC_WAIT);
	dcc_ok("the newest StreamUrl and token: resumed, nothing lost");

	dcc_knobs("{\"resume\": \"ok\"}");
	free(mid_url);
	mid_url = xstrdup(c->url);
	dcc_drop(c);
	dcc_resume(c);
	DCC_CHECK(strcmp(mid_url, c->url) == 0, "resume ok: a new StreamUrl");
	DCC_CHECK(dcc_connect(c, NULL) == 0, "resume ok: %s",
	    c->close_reason);
	dcc_resend_all(c);
	mux_echo(c, sid, 5000, DCC_WAIT);
	dcc_ok("resume ok: the same StreamUrl, still good");
	end_by_flag(c);
	free(old_url);
	free(mid_url);
}

/*
 * client_version: OpenDataChannel's ClientVersion, compared by numeric
 * parts, must be at least min_client_version (1.2.764.0); below, missing
 * or not a version: close 1008 naming the minimum, nothing sent. The
 * knob moves the minimum or, "", turns the check off.
 */
static void
case_client_version(int argc, char **argv)
{
	static const struct {
		const char	*min;		/* NULL: the default */
		const char	*version;	/* NULL: no ClientVersion */
		int		 ok;
	} t[] = {
		{ NULL, "1.2.677.0", 0 },
		{ NULL, "1.2.763.999", 0 },
		{ NULL, NULL, 0 },
		{ NULL, "v1.2.764.0", 0 },
		{ NULL, "1.2.764.0", 1 },
		{ NULL, "1.2.764", 1 },		/* padded with zeros */
		{ NULL, "1.2.1000.0", 1 },	/* numbers, not bytes */
		{ NULL, "1.10.0.0", 1 },
		{ "1.2.800.0", "1.2.764.0", 0 },
		{ "", "1.2.677.0", 1 },
		{ "", NULL, 1 },
	};
	struct dcc	*c;
	const char	*min;
	double		 before;
	size_t		 i;

	world(MUX_AGENT);
	for (i = 0; i < nitems(t); i++) {
		min = t[i].min != NULL ? t[i].min : EMU_MIN_CLIENT_VERSION;
		dcc_knobs("{\"min_client_version\": \"%s\"}", min);
		c = dcc_start(INST, PF_DOC, "portNumber=80");
		c->client_version = t[i].version;
		before = dcc_state_at("data_channel.refused_client_version");
		DCC_CHECK(dcc_connect(c, NULL) == 0, "upgrade: %s",
		    c->close_reason);
		if (t[i].ok) {
			dcc_handshake(c, DCC_CLIENT_VERSION);
			end_by_api(c);
			continue;
		}
		DCC_CHECK(dcc_wait_closed(c, DCC_WAIT) == 1008 &&
		    strstr(c->close_reason, min) != NULL && (t[i].version ==
		    NULL || strstr(c->close_reason, t[i].version) != NULL),
		    "ClientVersion %s, minimum %s: closed %u \"%s\"",
		    t[i].version != NULL ? t[i].version : "(none)", min,
		    c->close_code, c->close_reason);
		DCC_CHECK(c->nlog == 0 && c->rx_msgs == 0, "ClientVersion %s: "
		    "got messages", t[i].version);
		DCC_CHECK(dcc_state_at("data_channel.refused_client_version") ==
		    before + 1, "refusal not counted");
		dcc_ok("ClientVersion %s, minimum %s: 1008 \"%s\"",
		    t[i].version != NULL ? t[i].version : "(none)", min,
		    c->close_reason);
		dcc_terminate_api(c);
		dcc_free(c);
	}
	dcc_ok("at or above the minimum, by numeric parts, or minimum \"\": "
	    "accepted");
}

struct refused_wait {
	struct dcc	*c;
	u_int		 tries;
};

/* Connect again (no resume) until an upgrade is refused. */
static int
upgrade_refused(void *arg)
{
	struct refused_wait	*w = arg;

	if (w->tries++ > 0)
		dcc_sleep(200);
	if (dcc_connect(w->c, NULL) != 0)
		return (1);
	dcc_drop(w->c);
	return (0);
}

/*
 * temp_creds ROLE_SESSION: run with short-lived role credentials in the
 * environment (AWS_SESSION_TOKEN; t_agent_upgrade.sh makes them). The
 * SessionId is the role session's, the upgrade signs the token
 * (x-amz-security-token) and is accepted; once the credentials expire,
 * the same upgrade is refused with 403 ExpiredTokenException.
 */
static void
case_temp_creds(int argc, char **argv)
{
	struct aws_creds	 own;
	struct refused_wait	 w;
	struct dcc		*c;
	size_t			 len;

	if (argc != 1)
		dcc_fail("temp_creds ROLE_SESSION");
	len = strlen(argv[0]);
	dcc_env_creds(&own);
	DCC_CHECK(own.session_token != NULL, "no session token in the "
	    "environment");
	aws_creds_clear(&own);
	world(MUX_AGENT);
	c = dcc_start(INST, PF_DOC, "portNumber=80");
	DCC_CHECK(strncmp(c->sid, argv[0], len) == 0 && c->sid[len] == '-',
	    "SessionId %s is not %s-...", c->sid, argv[0]);
	expect_upgrade_ok(c, "signed");
	dcc_handshake(c, DCC_CLIENT_VERSION);
	dcc_ok("temporary credentials: the token signed, the upgrade "
	    "accepted (%s)", c->sid);
	dcc_drop(c);
	w.c = c;
	w.tries = 0;
	DCC_CHECK(dcc_wait(upgrade_refused, &w, 60000), "still accepted "
	    "after 60 s");
	DCC_CHECK(c->http_status == 403 && strstr(c->close_reason,
	    "ExpiredTokenException") != NULL, "expired: HTTP %d (%s)",
	    c->http_status, c->close_reason);
	dcc_ok("once they expire: 403 ExpiredTokenException (after %u "
	    "upgrades)", w.tries);
	dcc_free(c);
}

/* ----------------------------------------------------------------- table */

static const struct {
	const char	*name;
	void		(*fn)(int, char **);
} dcc_cases[] = {
	{ "handshake", case_handshake },
	{ "token", case_token },
	{ "acks", case_acks },
	{ "mux", case_mux },
	{ "basic", case_basic },
	{ "basic_refused", case_basic_refused },
	{ "stream", case_stream },
	{ "predata", case_predata },
	{ "old_terminate", case_old_terminate },
	{ "keepalive", case_keepalive },
	{ "resume", case_resume },
	{ "ends", case_ends },
	{ "handshake_variants", case_handshake_variants },
	{ "faults", case_faults },
	{ "malformed", case_malformed },
	{ "pause", case_pause },
	{ "not_ready", case_not_ready },
	{ "drops", case_drops },
	{ "idle", case_idle },
	{ "inbox_drop", case_inbox_drop },
	{ "life", case_life },
	{ "upgrade", case_upgrade },
	{ "cells", case_cells },
	{ "client_version", case_client_version },
	{ "temp_creds", case_temp_creds },
	{ "bench", dcc_bench },
};

int
dcc_run_case(const char *name, int argc, char **argv)
{
	size_t	i;

	echo = dcc_target_new(DCC_ECHO);
	dead = dcc_dead_port();
	for (i = 0; i < nitems(dcc_cases); i++) {
		if (strcmp(dcc_cases[i].name, name) == 0) {
			dcc_cases[i].fn(argc, argv);
			return (0);
		}
	}
	dcc_fail("no case %s", name);
}
