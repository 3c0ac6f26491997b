/*
 * Unit tests for the data channel (chan.c, chan_recv.c, chan_rel.c)
 * against a fake transport and a fake clock: the WebSocket and the AWS
 * calls are in-memory fakes behind struct ssm_chan_ops, the test plays
 * the agent and the service by hand, and time moves only when a test
 * moves it (then ssm_chan_run() does what is due). No sockets, no sleeps.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "aws_sigv4.h"
#include "aws_ssm.h"
#include "log.h"
#include "ssm_chan.h"
#include "ssm_chan_int.h"
#include "ssm_handshake.h"
#include "ssm_msg.h"
#include "ssm_version.h"
#include "testvec.h"
#include "util.h"
#include "xmalloc.h"

#define T0		1000000		/* the fake monotonic clock */
#define WALL0		1700000000000ULL
#define SESSION_ID	"alice-07f3c2a91d4be5680"
#define STREAM_URL	"wss://ssmmessages.eu-west-1.amazonaws.com/v1/" \
			"data-channel/" SESSION_ID "?role=publish_subscribe" \
			"&cell-number=AAEAAcX8m2+/Q=="
#define STREAM_URL2	"wss://ssmmessages.eu-west-1.amazonaws.com/v1/" \
			"data-channel/" SESSION_ID "?role=publish_subscribe" \
			"&cell-number=BBBB"
#define TOKEN		"AAEAAfk0+token/one=="
#define AGENT_NEW	"3.3.987.0"
#define AGENT_OLD	"2.3.700.0"
#define PROPS_LPF	"{\"localPortNumber\":\"0\",\"portNumber\":\"22\"," \
			"\"type\":\"LocalPortForwarding\"}"

/*
 * The fake transport.
 */

#define MAX_CALLS	64
#define MAX_SENT	8192
#define MAX_WS		64

struct fake_call {
	char		*op;
	char		*body;
	void		*owned;
	aws_call_cb	 cb;
	void		*arg;
	uint64_t	 at;
	int		 live;
};

struct fake_sent {
	enum ws_type	 type;
	uint8_t		*buf;
	size_t		 len;
};

struct fake_ws {
	char			*url;
	struct ws_cb		 cb;
	void			*arg;
	int			 freed;
	int			 closed;
	uint16_t		 close_code;
	int			 nheaders;
	int			 signed_upgrade;
	int			 paused;
	int			 resumes;
};

static struct {
	struct event_base	*base;
	struct fake_call	 calls[MAX_CALLS];
	int			 ncalls;
	struct fake_sent	 sent[MAX_SENT];
	int			 nsent;
	struct fake_ws		*ws[MAX_WS];
	int			 nws;
	int			 fail_send;
	size_t			 queued;
	size_t			 pending;
	int			 read_cut;	/* ws_read_cut */
	int			 creds_pending;
	aws_creds_cb		 creds_cb;
	void			*creds_arg;
} fk;

static struct event_base *
fake_base(struct aws_ctx *aws)
{
	return (fk.base);
}

static struct aws_call *
fake_call_json(struct aws_ctx *aws, const char *service, const char *prefix,
    const char *op, char *body, int flags, void *owned, aws_call_cb cb,
    void *arg)
{
	struct fake_call	*call = &fk.calls[fk.ncalls++];

	assert_true(fk.ncalls < MAX_CALLS);
	assert_string_equal(service, "ssm");
	assert_string_equal(prefix, "AmazonSSM");
	call->op = xstrdup(op);
	call->body = body;
	call->owned = owned;
	call->cb = cb;
	call->arg = arg;
	call->at = clock_now_ms();
	call->live = 1;
	return ((struct aws_call *)call);
}

static void
fake_call_end(struct fake_call *call)
{
	call->live = 0;
	free(call->owned);
	call->owned = NULL;
}

static void
fake_call_cancel(struct aws_call *ac)
{
	fake_call_end((struct fake_call *)ac);
}

static struct aws_creds_wait *
fake_creds_get(struct aws_ctx *aws, aws_creds_cb cb, void *arg)
{
	fk.creds_pending = 1;
	fk.creds_cb = cb;
	fk.creds_arg = arg;
	return ((struct aws_creds_wait *)&fk.creds_pending);
}

static void
fake_creds_cancel(struct aws_creds_wait *w)
{
	fk.creds_pending = 0;
}

static struct ws *
fake_ws_open(struct event_base *base, const char *url,
    const struct ws_options *opts, const struct ws_cb *cb, void *arg,
    char **cause)
{
	struct fake_ws	*w = xcalloc(1, sizeof *w);
	size_t		 i;

	assert_true(fk.nws < MAX_WS);
	w->url = xstrdup(url);
	w->cb = *cb;
	w->arg = arg;
	w->nheaders = opts->nheaders;
	for (i = 0; i < opts->nheaders; i++) {
		if (strcmp(opts->headers[i].name, "Authorization") == 0)
			w->signed_upgrade = 1;
	}
	fk.ws[fk.nws++] = w;
	return ((struct ws *)w);
}

static int
fake_ws_send(struct ws *ws, enum ws_type type, const void *buf, size_t len)
{
	struct fake_sent	*s;

	assert_false(((struct fake_ws *)ws)->freed);
	if (fk.fail_send)
		return (-1);
	assert_true(fk.nsent < MAX_SENT);
	s = &fk.sent[fk.nsent++];
	s->type = type;
	s->buf = xmemdup(buf, len);
	s->len = len;
	return (0);
}

static size_t
fake_ws_queued(struct ws *ws)
{
	return (fk.queued);
}

static void
fake_ws_close(struct ws *ws, uint16_t code, const char *reason)
{
	struct fake_ws	*w = (struct fake_ws *)ws;

	w->closed = 1;
	w->close_code = code;
}

static void
fake_ws_free(struct ws *ws)
{
	((struct fake_ws *)ws)->freed = 1;
}

static void
fake_ws_pause(struct ws *ws)
{
	((struct fake_ws *)ws)->paused = 1;
}

static void
fake_ws_resume(struct ws *ws)
{
	struct fake_ws	*w = (struct fake_ws *)ws;

	if (w->paused)
		w->resumes++;
	w->paused = 0;
}

static size_t
fake_ws_pending(struct ws *ws)
{
	return (fk.pending);
}

static int
fake_ws_read_cut(struct ws *ws)
{
	return (fk.read_cut);
}

static const struct ssm_chan_ops fake_ops = {
	.base = fake_base,
	.call_json = fake_call_json,
	.call_cancel = fake_call_cancel,
	.creds_get = fake_creds_get,
	.creds_cancel = fake_creds_cancel,
	.ws_open = fake_ws_open,
	.ws_send = fake_ws_send,
	.ws_queued = fake_ws_queued,
	.ws_close = fake_ws_close,
	.ws_free = fake_ws_free,
	.ws_pause = fake_ws_pause,
	.ws_resume = fake_ws_resume,
	.ws_pending = fake_ws_pending,
	.ws_read_cut = fake_ws_read_cut,
};

static struct ssm_chan	*chan;		/* the one under test */

/*
 * Run what the loop would: deferred work, then what is due now. Each turn
 * is bounded (EVLOOP_ONCE): a timer that rearms itself in the past makes
 * the test fail, not spin.
 */
static void
pump(void)
{
	int	i;

	for (i = 0; i < 8; i++)
		event_base_loop(fk.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

/*
 * Move the clock; the chan (if not freed) does what is due. After that,
 * nothing may be due any more: a deadline in the past would have the
 * timer fire again at once, forever.
 */
static void
advance(uint64_t ms)
{
	uint64_t	next;

	clock_advance_fake(ms);
	if (chan == NULL)
		return;
	ssm_chan_run(chan);
	pump();
	if (chan != NULL && (next = ssm_chan_next_deadline(chan)) != 0 &&
	    next <= clock_now_ms())
		fail_msg("a deadline %llu ms in the past is still armed",
		    (unsigned long long)(clock_now_ms() - next));
}

/* Move time forward in steps of step ms. */
static void
advance_by(uint64_t ms, uint64_t step)
{
	uint64_t	done;

	for (done = 0; done < ms; done += step)
		advance(step);
}

/* The last live call named op, or NULL. */
static struct fake_call *
find_call(const char *op)
{
	int	i;

	for (i = fk.ncalls - 1; i >= 0; i--) {
		if (fk.calls[i].live && strcmp(fk.calls[i].op, op) == 0)
			return (&fk.calls[i]);
	}
	return (NULL);
}

static int
count_calls(const char *op)
{
	int	i, n = 0;

	for (i = 0; i < fk.ncalls; i++)
		n += (strcmp(fk.calls[i].op, op) == 0);
	return (n);
}

/* Answer op: body on success, else an error with code. */
static void
answer(const char *op, const char *body, const char *code)
{
	struct fake_call	*call = find_call(op);
	struct aws_response	 resp;
	char			*error = NULL;

	assert_non_null(call);
	memset(&resp, 0, sizeof resp);
	resp.ok = (code == NULL);
	resp.status = code == NULL ? 200 : 400;
	resp.body = body != NULL ? body : "";
	resp.body_len = strlen(resp.body);
	if (code != NULL) {
		xasprintf(&error, "%s: %s: it said no", op, code);
		resp.code = code;
		resp.error = error;
	}
	call->cb(&resp, call->arg);
	fake_call_end(call);
	free(error);
	pump();
}

static struct fake_ws *
last_ws(void)
{
	assert_true(fk.nws > 0);
	return (fk.ws[fk.nws - 1]);
}

static void
ws_opened(void)
{
	struct fake_ws	*w = last_ws();

	w->cb.open((struct ws *)w, w->arg);
	pump();
}

static void
ws_failed(const char *cause)
{
	struct fake_ws	*w = last_ws();

	assert_false(w->freed);
	w->cb.error((struct ws *)w, WS_ERR_EOF, cause, w->arg);
	pump();
}

static void
ws_deliver(const uint8_t *buf, size_t len)
{
	struct fake_ws	*w = last_ws();

	assert_false(w->freed);
	w->cb.message((struct ws *)w, WS_BINARY, buf, len, w->arg);
	pump();
}

/* The agent (or the service) sends a message. */
static void
agent_msg(enum ssm_msg_type type, int64_t seq, uint32_t ptype,
    const void *payload, size_t len, int corrupt)
{
	struct ssm_msg	 m;
	struct evbuffer	*b = evbuffer_new();
	uint8_t		 id[UUID_LEN], *p;
	char		*cause = NULL;

	util_uuid_v4(id);
	ssm_msg_init(&m, type, seq, ptype, id, clock_wall_ms());
	if (type == SSM_MSG_UNKNOWN)
		strlcpy(m.type_name, "interactive_shell", sizeof m.type_name);
	m.payload = payload;
	m.payload_len = len;
	assert_int_equal(ssm_msg_encode(&m, b, &cause), 0);
	p = evbuffer_pullup(b, -1);
	if (corrupt)
		p[evbuffer_get_length(b) - 1] ^= 0x55;
	ws_deliver(p, evbuffer_get_length(b));
	evbuffer_free(b);
}

static void
agent_data(int64_t seq, const char *text)
{
	agent_msg(SSM_MSG_OUTPUT_STREAM_DATA, seq, SSM_PAYLOAD_OUTPUT, text,
	    strlen(text), 0);
}

static void
agent_ack(int64_t seq)
{
	char	buf[256];

	snprintf(buf, sizeof buf, "{\"AcknowledgedMessageType\":"
	    "\"input_stream_data\",\"AcknowledgedMessageId\":"
	    "\"dd01e56b-ff48-483e-a508-b5f073f31b16\","
	    "\"AcknowledgedMessageSequenceNumber\":%lld,"
	    "\"IsSequentialMessage\":true}", (long long)seq);
	agent_msg(SSM_MSG_ACKNOWLEDGE, 0, 0, buf, strlen(buf), 0);
}

static void
agent_flag(int64_t seq, uint32_t flag)
{
	uint8_t	p[4];

	ssm_msg_flag_payload(flag, p);
	agent_msg(SSM_MSG_OUTPUT_STREAM_DATA, seq, SSM_PAYLOAD_FLAG, p, 4, 0);
}

static void
agent_control(enum ssm_msg_type type)
{
	agent_msg(type, 0, 0, "x", 1, 0);
}

static void
agent_hs_request(int64_t seq, const char *version, const char *actions)
{
	char	*json;

	xasprintf(&json, "{\"AgentVersion\":\"%s\",\"RequestedClientActions\":"
	    "%s}", version, actions);
	agent_msg(SSM_MSG_OUTPUT_STREAM_DATA, seq,
	    SSM_PAYLOAD_HANDSHAKE_REQUEST, json, strlen(json), 0);
	free(json);
}

static const char *
port_action(const char *session_type, const char *props)
{
	static char	buf[512];

	snprintf(buf, sizeof buf, "[{\"ActionType\":\"SessionType\","
	    "\"ActionParameters\":{\"SessionType\":\"%s\",\"Properties\":%s}}]",
	    session_type, props);
	return (buf);
}

static void
agent_hs_complete(int64_t seq)
{
	const char	*json = "{\"HandshakeTimeToComplete\":31502000,"
	    "\"CustomerMessage\":\"\"}";

	agent_msg(SSM_MSG_OUTPUT_STREAM_DATA, seq,
	    SSM_PAYLOAD_HANDSHAKE_COMPLETE, json, strlen(json), 0);
}

/*
 * What the chan sent.
 */

static void
sent_decode(int i, struct ssm_msg *m)
{
	char	*cause = NULL;

	assert_true(i < fk.nsent);
	assert_int_equal(fk.sent[i].type, WS_BINARY);
	if (ssm_msg_decode(fk.sent[i].buf, fk.sent[i].len, m, &cause) != 0)
		fail_msg("sent message %d: %s", i, cause);
}

/* Sequence numbers acked in sent[from..]; -1 ends the list. */
static int
sent_acks(int from, int64_t *acks, int max)
{
	struct ssm_msg	m;
	int64_t		seq;
	int		i, n = 0;
	char		*cause = NULL;

	for (i = from; i < fk.nsent && n < max; i++) {
		if (fk.sent[i].type != WS_BINARY)
			continue;
		sent_decode(i, &m);
		if (m.type != SSM_MSG_ACKNOWLEDGE)
			continue;
		assert_int_equal(ssm_chan_ack_seq(m.payload, m.payload_len,
		    &seq, &cause), 0);
		acks[n++] = seq;
	}
	return (n);
}

/* Count stream messages in sent[from..] (payload type ptype, or any). */
static int
sent_stream(int from, int ptype, int64_t *seqs, int max)
{
	struct ssm_msg	m;
	int		i, n = 0;

	for (i = from; i < fk.nsent; i++) {
		if (fk.sent[i].type != WS_BINARY)
			continue;
		sent_decode(i, &m);
		if (m.type != SSM_MSG_INPUT_STREAM_DATA)
			continue;
		if (ptype >= 0 && m.payload_type != (uint32_t)ptype)
			continue;
		if (seqs != NULL && n < max)
			seqs[n] = m.seq;
		n++;
	}
	return (n);
}

/*
 * The user.
 */

#define MAX_EVENTS	32

struct user {
	int			 opened;
	char			 agent_version[32];
	enum ssm_chan_mode	 mode;
	int			 keepalive;
	int			 terminate_flag;
	char			 port[16];
	struct evbuffer		*data;
	int			 ndata;
	int			 refuse;
	int			 writable;
	enum ssm_chan_event	 events[MAX_EVENTS];
	char			*details[MAX_EVENTS];
	int			 nevents;
	int			 closed;
	char			*reason;
	char			*code;
	int			 free_on_close;
	int			 free_on_data;
	int			 free_on_event;
	int			 in_api;	/* inside an ssm_chan_* call */
};

static struct user	 u;

static void
user_open(struct ssm_chan *c, const struct ssm_chan_info *info, void *arg)
{
	const cJSON	*port;

	assert_false(u.in_api);
	u.opened++;
	strlcpy(u.agent_version, info->agent_version, sizeof u.agent_version);
	u.mode = info->mode;
	u.keepalive = info->keepalive;
	u.terminate_flag = info->terminate_flag;
	assert_string_equal(info->session_id, SESSION_ID);
	port = cJSON_GetObjectItem(info->properties, "portNumber");
	if (cJSON_IsString(port))
		strlcpy(u.port, port->valuestring, sizeof u.port);
}

static int
user_data(struct ssm_chan *c, const uint8_t *buf, size_t len, void *arg)
{
	assert_false(u.in_api);
	if (u.refuse)
		return (-1);
	evbuffer_add(u.data, buf, len);
	u.ndata++;
	if (u.free_on_data) {
		ssm_chan_free(c);
		chan = NULL;
	}
	return (0);
}

static void
user_writable(struct ssm_chan *c, void *arg)
{
	assert_false(u.in_api);
	u.writable++;
}

static void
user_event(struct ssm_chan *c, enum ssm_chan_event ev, const char *detail,
    void *arg)
{
	assert_false(u.in_api);
	assert_true(u.nevents < MAX_EVENTS);
	u.events[u.nevents] = ev;
	u.details[u.nevents++] = detail != NULL ? xstrdup(detail) : NULL;
	if (u.free_on_event) {
		ssm_chan_free(c);
		chan = NULL;
	}
}

static void
user_closed(struct ssm_chan *c, const char *reason, const char *code,
    void *arg)
{
	assert_false(u.in_api);
	assert_int_equal(u.closed, 0);
	u.closed++;
	u.reason = xstrdup(reason);
	u.code = code != NULL ? xstrdup(code) : NULL;
	if (u.free_on_close) {
		ssm_chan_free(c);
		chan = NULL;
	}
}

static const struct ssm_chan_cb user_cb = {
	.open = user_open,
	.data = user_data,
	.writable = user_writable,
	.event = user_event,
	.closed = user_closed,
};

static int
user_has_event(enum ssm_chan_event ev, const char *detail)
{
	int	i;

	for (i = 0; i < u.nevents; i++) {
		if (u.events[i] != ev)
			continue;
		if (detail == NULL || (u.details[i] != NULL &&
		    strstr(u.details[i], detail) != NULL))
			return (1);
	}
	return (0);
}

static int
setup(void **state)
{
	memset(&fk, 0, sizeof fk);
	memset(&u, 0, sizeof u);
	fk.base = event_base_new();
	u.data = evbuffer_new();
	clock_set_fake(T0, WALL0);
	ssm_chan_set_ops(&fake_ops);
	chan = NULL;
	return (0);
}

static int
teardown(void **state)
{
	int	i;

	ssm_chan_free(chan);
	chan = NULL;
	for (i = 0; i < fk.ncalls; i++) {
		if (fk.calls[i].live)
			fake_call_end(&fk.calls[i]);
		free(fk.calls[i].op);
		free(fk.calls[i].body);
	}
	for (i = 0; i < fk.nsent; i++)
		free(fk.sent[i].buf);
	for (i = 0; i < fk.nws; i++) {
		free(fk.ws[i]->url);
		free(fk.ws[i]);
	}
	for (i = 0; i < u.nevents; i++)
		free(u.details[i]);
	free(u.reason);
	free(u.code);
	evbuffer_free(u.data);
	event_base_free(fk.base);
	ssm_chan_set_ops(NULL);
	clock_set_fake(0, 0);
	return (0);
}

static void
default_params(struct ssm_chan_params *p)
{
	static const char		*port[] = { "22" };
	static const struct aws_ssm_param params[] = {
		{ "portNumber", port, 1 },
	};

	memset(p, 0, sizeof *p);
	p->name = "db/1";
	p->target = "i-0123456789abcdef0";
	p->document = "AWS-StartPortForwardingSession";
	p->params = params;
	p->nparams = 1;
	p->reason = "gatewayd db";
}

static void
start_with(const struct ssm_chan_params *p, const char *url)
{
	char	*body;

	chan = ssm_chan_start(p, &user_cb, NULL);
	assert_non_null(chan);
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_STARTING);
	xasprintf(&body, "{\"SessionId\":\"%s\",\"StreamUrl\":\"%s\","
	    "\"TokenValue\":\"%s\"}", SESSION_ID, url, TOKEN);
	answer("StartSession", body, NULL);
	free(body);
}

/* Started, connected, handshaken with an agent of version, open. */
static void
open_with(const struct ssm_chan_params *p, const char *version,
    const char *props)
{
	start_with(p, STREAM_URL);
	ws_opened();
	agent_hs_request(0, version, port_action("Port", props));
	agent_ack(0);
	agent_hs_complete(1);
	assert_int_equal(u.opened, 1);
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_OPEN);
}

static void
open_default(void)
{
	struct ssm_chan_params	p;

	default_params(&p);
	open_with(&p, AGENT_NEW, PROPS_LPF);
}

/* Queue n bytes of pattern through ssm_chan_send; return how many went. */
static size_t
user_send(size_t n, int pattern)
{
	struct evbuffer	*b = evbuffer_new();
	uint8_t		 buf[4096];
	size_t		 taken, chunk;

	while (n > 0) {
		chunk = n > sizeof buf ? sizeof buf : n;
		memset(buf, pattern, chunk);
		evbuffer_add(b, buf, chunk);
		n -= chunk;
	}
	u.in_api = 1;
	taken = ssm_chan_send(chan, b);
	u.in_api = 0;
	evbuffer_free(b);
	return (taken);
}

/*
 * The handshake.
 */

/* Happy path, for agents that choose each mode (§5.7, §5.8). */
static void
test_ssm_chan_handshake_happy_path(void **state)
{
	static const struct {
		const char		*version;
		const char		*props;
		enum ssm_chan_mode	 mode;
		int			 keepalive, flag;
	} cases[] = {
		{ AGENT_NEW, PROPS_LPF, SSM_CHAN_MODE_MUX, 0, 1 },
		{ "3.1.1511.0", PROPS_LPF, SSM_CHAN_MODE_MUX, 1, 1 },
		{ "3.0.196.0", PROPS_LPF, SSM_CHAN_MODE_BASIC, 0, 1 },
		{ AGENT_OLD, PROPS_LPF, SSM_CHAN_MODE_BASIC, 0, 0 },
		{ AGENT_NEW, "{\"portNumber\":\"22\"}", SSM_CHAN_MODE_STREAM,
		    0, 1 },
	};
	struct ssm_chan_params	 p;
	struct ssm_open_data_channel odc;
	struct ssm_handshake_response resp;
	struct ssm_msg		 m;
	struct fake_call	*call;
	cJSON			*body;
	char			*cause = NULL;
	int64_t			 acks[8];
	size_t			 i;
	int			 mark;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		teardown(state);
		setup(state);
		default_params(&p);
		chan = ssm_chan_start(&p, &user_cb, NULL);
		call = find_call("StartSession");
		assert_non_null(call);
		body = cJSON_Parse(call->body);
		assert_string_equal(cJSON_GetObjectItem(body,
		    "Target")->valuestring, "i-0123456789abcdef0");
		assert_string_equal(cJSON_GetObjectItem(body,
		    "DocumentName")->valuestring,
		    "AWS-StartPortForwardingSession");
		assert_string_equal(cJSON_GetObjectItem(body,
		    "Reason")->valuestring, "gatewayd db");
		assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(body,
		    "Parameters"), "portNumber"));
		cJSON_Delete(body);

		/* The WebSocket opens at once, to the URL as returned. */
		answer("StartSession", "{\"SessionId\":\"" SESSION_ID "\","
		    "\"StreamUrl\":\"" STREAM_URL "\",\"TokenValue\":\""
		    TOKEN "\"}", NULL);
		assert_int_equal(fk.nws, 1);
		assert_string_equal(last_ws()->url, STREAM_URL);
		assert_int_equal(last_ws()->signed_upgrade, 0);
		assert_int_equal(ssm_chan_get_state(chan),
		    SSM_CHAN_CONNECTING);
		ws_opened();
		assert_int_equal(ssm_chan_get_state(chan),
		    SSM_CHAN_HANDSHAKING);

		/* First frame: OpenDataChannel, text. */
		assert_int_equal(fk.nsent, 1);
		assert_int_equal(fk.sent[0].type, WS_TEXT);
		assert_int_equal(ssm_handshake_open_parse(fk.sent[0].buf,
		    fk.sent[0].len, &odc, &cause), 0);
		assert_string_equal(odc.schema_version, "1.0");
		assert_string_equal(odc.token, TOKEN);
		assert_string_equal(odc.client_version,
		    SSM_VERSION_CLIENT_DEFAULT);
		assert_int_equal(strlen(odc.request_id), 36);
		assert_int_equal(strlen(odc.client_id), 36);
		ssm_handshake_open_clear(&odc);

		/* Ack first, then the response as seq 0. */
		mark = fk.nsent;
		agent_hs_request(0, cases[i].version,
		    port_action("Port", cases[i].props));
		assert_int_equal(fk.nsent, mark + 2);
		assert_int_equal(sent_acks(mark, acks, 8), 1);
		assert_int_equal(acks[0], 0);
		sent_decode(mark, &m);
		assert_int_equal(m.type, SSM_MSG_ACKNOWLEDGE);
		sent_decode(mark + 1, &m);
		assert_int_equal(m.type, SSM_MSG_INPUT_STREAM_DATA);
		assert_int_equal(m.seq, 0);
		assert_int_equal(m.payload_type,
		    SSM_PAYLOAD_HANDSHAKE_RESPONSE);
		assert_int_equal(ssm_handshake_response_parse(m.payload,
		    m.payload_len, &resp, &cause), 0);
		assert_string_equal(resp.client_version,
		    SSM_VERSION_CLIENT_DEFAULT);
		assert_int_equal(resp.nresults, 1);
		assert_int_equal(resp.results[0].status,
		    SSM_HANDSHAKE_SUCCESS);
		ssm_handshake_response_clear(&resp);
		assert_int_equal(u.opened, 0);

		/* HandshakeComplete: acked, then open. */
		agent_ack(0);
		mark = fk.nsent;
		agent_hs_complete(1);
		assert_int_equal(sent_acks(mark, acks, 8), 1);
		assert_int_equal(acks[0], 1);
		assert_int_equal(u.opened, 1);
		assert_string_equal(u.agent_version, cases[i].version);
		assert_int_equal(u.mode, cases[i].mode);
		assert_int_equal(u.keepalive, cases[i].keepalive);
		assert_int_equal(u.terminate_flag, cases[i].flag);
		assert_string_equal(u.port, "22");
		assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_OPEN);
		assert_string_equal(ssm_chan_get_session_id(chan), SESSION_ID);
		assert_int_equal(u.closed, 0);
	}
}

/* Every way a handshake fails ends the session and terminates it. */
static void
test_ssm_chan_handshake_failures(void **state)
{
	static const struct {
		const char	*name;
		const char	*actions;	/* NULL: never sent */
		int		 status;	/* of the first result */
		const char	*reason;
	} cases[] = {
		{ "timeout", NULL, 0, "handshake timed out after 30s" },
		{ "session type", "[{\"ActionType\":\"SessionType\","
		    "\"ActionParameters\":{\"SessionType\":"
		    "\"Standard_Stream\"}}]",
		    SSM_HANDSHAKE_FAILED, "unsupported session type" },
		{ "kms", "[{\"ActionType\":\"KMSEncryption\","
		    "\"ActionParameters\":{\"KMSKeyId\":\"alias/k\","
		    "\"Challenge\":\"YWJj\"}}]", SSM_HANDSHAKE_FAILED,
		    "KMS encryption is not supported" },
		{ "unknown action", "[{\"ActionType\":\"Teleport\","
		    "\"ActionParameters\":{}}]", SSM_HANDSHAKE_UNSUPPORTED,
		    "unsupported action Teleport" },
		{ "malformed", "42", 0, "handshake request: " },
	};
	struct ssm_chan_params	 p;
	struct ssm_handshake_response resp;
	struct ssm_msg		 m;
	char			*cause = NULL;
	int64_t			 seqs[4];
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		teardown(state);
		setup(state);
		default_params(&p);
		start_with(&p, STREAM_URL);
		ws_opened();
		if (cases[i].actions == NULL) {
			advance_by(29900, 100);
			assert_int_equal(u.closed, 0);
			advance_by(200, 100);
		} else {
			agent_hs_request(0, AGENT_NEW, cases[i].actions);
			if (cases[i].status != 0) {
				assert_int_equal(sent_stream(0,
				    SSM_PAYLOAD_HANDSHAKE_RESPONSE, seqs, 4),
				    1);
				sent_decode(fk.nsent - 1, &m);
				assert_int_equal(ssm_handshake_response_parse(
				    m.payload, m.payload_len, &resp, &cause),
				    0);
				assert_int_equal(resp.results[0].status,
				    cases[i].status);
				ssm_handshake_response_clear(&resp);
			}
		}
		assert_int_equal(u.closed, 1);
		assert_int_equal(u.opened, 0);
		if (strstr(u.reason, cases[i].reason) == NULL)
			fail_msg("%s: reason \"%s\"", cases[i].name, u.reason);
		assert_int_equal(count_calls("TerminateSession"), 1);
		assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_CLOSED);
		assert_true(last_ws()->closed || last_ws()->freed);
		/* Nothing but the handshake ever went out. */
		assert_int_equal(sent_stream(0, SSM_PAYLOAD_OUTPUT, NULL, 0),
		    0);
		assert_int_equal(sent_stream(0, SSM_PAYLOAD_FLAG, NULL, 0), 0);
	}
}

/* No Output and no flag before HandshakeComplete (§5.6). */
static void
test_ssm_chan_no_data_before_handshake_complete(void **state)
{
	struct ssm_chan_params	p;

	default_params(&p);
	chan = ssm_chan_start(&p, &user_cb, NULL);
	assert_int_equal(ssm_chan_room(chan), 0);
	assert_int_equal(user_send(100, 'a'), 0);
	answer("StartSession", "{\"SessionId\":\"" SESSION_ID "\","
	    "\"StreamUrl\":\"" STREAM_URL "\",\"TokenValue\":\"t\"}", NULL);
	assert_int_equal(ssm_chan_room(chan), 0);
	ws_opened();
	assert_int_equal(ssm_chan_room(chan), 0);
	assert_int_equal(user_send(100, 'a'), 0);
	assert_int_equal(ssm_chan_send_flag(chan,
	    SSM_FLAG_DISCONNECT_TO_PORT), -1);
	agent_hs_request(0, AGENT_NEW, port_action("Port", PROPS_LPF));
	agent_ack(0);
	assert_int_equal(ssm_chan_room(chan), 0);
	assert_int_equal(user_send(100, 'a'), 0);
	assert_int_equal(sent_stream(0, SSM_PAYLOAD_OUTPUT, NULL, 0), 0);
	agent_hs_complete(1);
	assert_int_equal(ssm_chan_room(chan), 1000 * SSM_MSG_CHUNK);
	assert_int_equal(user_send(100, 'a'), 100);
	assert_int_equal(sent_stream(0, SSM_PAYLOAD_OUTPUT, NULL, 0), 1);
}

/*
 * Receiving.
 */

/*
 * The plugin's receive decisions from the shared vectors, replayed: ours
 * are the same except that a duplicate is acked again (§6.3).
 */
static void
test_ssm_chan_receive_in_order_ahead_duplicate(void **state)
{
	struct ssm_chan_stats st;
	cJSON		*root, *steps, *step, *v;
	int64_t		 acks[8], base_seq = 2;
	int		 mark, n, nacks, i;
	size_t		 delivered;
	char		 payload[8];

	open_default();
	root = testvec_load("ssm/acks.json");
	steps = testvec_get(testvec_get(root, "plugin_receive_decisions"),
	    "steps");
	cJSON_ArrayForEach(step, steps) {
		int64_t seq = (int64_t)testvec_num(step, "received_seq");
		const char *note = testvec_str(step, "note");

		u.refuse = !cJSON_IsTrue(testvec_get(step, "handler_ready"));
		mark = fk.nsent;
		delivered = evbuffer_get_length(u.data);
		snprintf(payload, sizeof payload, "p%lld", (long long)seq);
		/* The handshake took 0 and 1: shift by two. */
		agent_data(base_seq + seq, payload);
		nacks = sent_acks(mark, acks, 8);
		v = testvec_get(step, "acks_sent_for_seq");
		n = cJSON_GetArraySize(v);
		if (strstr(note, "duplicate") != NULL) {
			assert_int_equal(n, 0);		/* the plugin's bug */
			assert_int_equal(nacks, 1);
			assert_int_equal(acks[0], base_seq + seq);
		} else {
			assert_int_equal(nacks, n);
			for (i = 0; i < n; i++)
				assert_int_equal(acks[i], base_seq +
				    (int64_t)cJSON_GetArrayItem(v,
				    i)->valuedouble);
		}
		v = testvec_get(step, "payloads_delivered");
		assert_int_equal(evbuffer_get_length(u.data) - delivered,
		    2 * (size_t)cJSON_GetArraySize(v));
		ssm_chan_get_stats(chan, &st);
		assert_int_equal(st.expected, base_seq +
		    (int64_t)testvec_num(step, "expected_after"));
	}
	cJSON_Delete(root);
	u.refuse = 0;
	assert_int_equal(evbuffer_get_length(u.data), 10);
	assert_memory_equal(evbuffer_pullup(u.data, -1), "p0p1p2p3p4", 10);
}

/* A bad digest is dropped without an ack; the resend is taken (§4.7). */
static void
test_ssm_chan_receive_bad_digest(void **state)
{
	struct ssm_chan_stats	st;
	int64_t			acks[4];
	int			mark;

	open_default();
	mark = fk.nsent;
	agent_msg(SSM_MSG_OUTPUT_STREAM_DATA, 2, SSM_PAYLOAD_OUTPUT, "abc", 3,
	    1);
	assert_int_equal(fk.nsent, mark);
	assert_int_equal(evbuffer_get_length(u.data), 0);
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.expected, 2);
	assert_int_equal(st.dropped, 1);
	/* Unknown types and text frames: ignored, not fatal. */
	agent_msg(SSM_MSG_UNKNOWN, 0, 0, "x", 1, 0);
	agent_msg(SSM_MSG_AGENT_SESSION_STATE, 0, 0, "x", 1, 0);
	last_ws()->cb.message((struct ws *)last_ws(), WS_TEXT,
	    (const uint8_t *)"hi", 2, last_ws()->arg);
	assert_int_equal(fk.nsent, mark);
	agent_data(2, "abc");
	assert_int_equal(sent_acks(mark, acks, 4), 1);
	assert_int_equal(acks[0], 2);
	assert_int_equal(evbuffer_get_length(u.data), 3);
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_OPEN);
}

/* The out-of-order store holds max messages; beyond, nothing is acked. */
static void
test_ssm_chan_out_of_order_bound(void **state)
{
	struct ssm_chan_params	p;
	struct ssm_chan_stats	st;
	int64_t			acks[16];
	char			text[8];
	int			mark, i;

	default_params(&p);
	p.max_out_of_order = 4;
	open_with(&p, AGENT_NEW, PROPS_LPF);
	mark = fk.nsent;
	for (i = 3; i <= 8; i++) {
		snprintf(text, sizeof text, "%d", i);
		agent_data(i, text);
	}
	/* 3..6 stored and acked; 7 and 8 dropped unacked. */
	assert_int_equal(sent_acks(mark, acks, 16), 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(acks[i], 3 + i);
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.stored, 4);
	assert_int_equal(st.dropped, 2);
	/* Far ahead of the ring: no ack either. */
	mark = fk.nsent;
	agent_data(100000, "x");
	assert_int_equal(sent_acks(mark, acks, 16), 0);
	/* Filling the gap delivers 2..6 in order; 7 comes again. */
	mark = fk.nsent;
	agent_data(2, "2");
	assert_int_equal(sent_acks(mark, acks, 16), 1);
	assert_int_equal(acks[0], 2);
	agent_data(7, "7");
	agent_data(8, "8");
	assert_int_equal(evbuffer_get_length(u.data), 7);
	assert_memory_equal(evbuffer_pullup(u.data, -1), "2345678", 7);
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.stored, 0);
	assert_int_equal(st.expected, 9);
}

/*
 * The store is bounded in bytes too, and what it cannot keep it does not
 * acknowledge. A consumer refusing seq 2 while the agent sends 128 KiB
 * messages ahead (a client that never reads), 1 MiB allowed: with the
 * refused one they make 1 MiB at the 7th, the 8th and later are neither
 * stored nor acked,
 * so the agent resends them
 * rather than taking them for delivered; that used to be 10000 messages,
 * 1.2 GiB, all acknowledged (issue 10).
 */
static void
test_ssm_chan_out_of_order_bytes(void **state)
{
	struct ssm_chan_params	 p;
	struct ssm_chan_stats	 st;
	int64_t			 acks[32];
	uint8_t			*big;
	size_t			 len = 128 * 1024;
	int			 mark, i;

	big = calloc(1, len);
	assert_non_null(big);
	default_params(&p);
	p.max_out_of_order_bytes = 1024 * 1024;
	open_with(&p, AGENT_NEW, PROPS_LPF);
	u.refuse = 1;
	mark = fk.nsent;
	agent_msg(SSM_MSG_OUTPUT_STREAM_DATA, 2, SSM_PAYLOAD_OUTPUT, big, len,
	    0);
	for (i = 3; i < 3 + 16; i++)
		agent_msg(SSM_MSG_OUTPUT_STREAM_DATA, i, SSM_PAYLOAD_OUTPUT,
		    big, len, 0);
	assert_int_equal(sent_acks(mark, acks, 32), 7);
	for (i = 0; i < 7; i++)
		assert_int_equal(acks[i], 3 + i);
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.stored, 8);	/* 2, refused, and 3..9 */
	assert_int_equal(st.dropped, 9);
	/* Once the consumer takes 2..9, what comes ahead is stored again. */
	u.refuse = 0;
	ssm_chan_ready(chan);
	pump();
	assert_int_equal(evbuffer_get_length(u.data), 8 * len);
	mark = fk.nsent;
	agent_msg(SSM_MSG_OUTPUT_STREAM_DATA, 12, SSM_PAYLOAD_OUTPUT, big, len,
	    0);
	assert_int_equal(sent_acks(mark, acks, 32), 1);
	assert_int_equal(acks[0], 12);
	free(big);
}

/* Not ready: no ack, no progress; ssm_chan_ready delivers it (§6.3). */
static void
test_ssm_chan_consumer_not_ready(void **state)
{
	struct ssm_chan_stats	st;
	int64_t			acks[8];
	int			mark;

	open_default();
	u.refuse = 1;
	mark = fk.nsent;
	agent_data(2, "two");
	agent_data(3, "three");		/* ahead: stored and acked */
	assert_int_equal(sent_acks(mark, acks, 8), 1);
	assert_int_equal(acks[0], 3);
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.expected, 2);
	assert_int_equal(evbuffer_get_length(u.data), 0);
	/* Refused: the WebSocket is not read until the consumer is ready. */
	assert_true(last_ws()->paused);

	/* Ready: nothing happens inside the call, all of it from the loop. */
	u.refuse = 0;
	mark = fk.nsent;
	u.in_api = 1;
	ssm_chan_ready(chan);
	u.in_api = 0;
	assert_int_equal(u.ndata, 0);
	assert_true(last_ws()->paused);
	pump();
	assert_false(last_ws()->paused);
	assert_int_equal(u.ndata, 2);
	assert_memory_equal(evbuffer_pullup(u.data, -1), "twothree", 8);
	/* Only 2 is acked now: 3 was acked when it was stored. */
	assert_int_equal(sent_acks(mark, acks, 8), 1);
	assert_int_equal(acks[0], 2);
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.expected, 4);
	/* The agent's resend of 2 is now a duplicate: acked again. */
	mark = fk.nsent;
	agent_data(2, "two");
	assert_int_equal(sent_acks(mark, acks, 8), 1);
	assert_int_equal(u.ndata, 2);
}

/* A refused message is taken from the agent's resend too. */
static void
test_ssm_chan_consumer_not_ready_resend(void **state)
{
	int64_t	acks[8];
	int	mark;

	open_default();
	u.refuse = 1;
	agent_data(2, "two");
	u.refuse = 0;
	mark = fk.nsent;
	agent_data(2, "two");
	assert_int_equal(sent_acks(mark, acks, 8), 1);
	assert_int_equal(u.ndata, 1);
	/* ssm_chan_ready later has nothing left to deliver. */
	ssm_chan_ready(chan);
	pump();
	assert_int_equal(u.ndata, 1);
}

/* Delivery never waits for the ack to be written (§6.3). */
static void
test_ssm_chan_delivery_without_ack(void **state)
{
	struct ssm_chan_stats	st;

	open_default();
	fk.fail_send = 1;
	agent_data(2, "two");
	assert_int_equal(u.ndata, 1);
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.expected, 3);
	/* And the failed write is a lost WebSocket. */
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_RESUMING);
	assert_true(user_has_event(SSM_CHAN_EV_RESUMING, NULL));
}

/*
 * Sending.
 */

/* Chunks of at most 1024, never empty; the window caps them (§6.6). */
static void
test_ssm_chan_window_and_writable(void **state)
{
	struct ssm_chan_params	p;
	struct ssm_msg		m;
	int64_t			seqs[16];
	int			mark, i;

	default_params(&p);
	p.max_unacked = 4;
	open_with(&p, AGENT_NEW, PROPS_LPF);
	assert_int_equal(ssm_chan_room(chan), 4 * 1024);
	assert_int_equal(user_send(0, 'x'), 0);
	mark = fk.nsent;
	assert_int_equal(user_send(10000, 'x'), 4096);
	assert_int_equal(sent_stream(mark, SSM_PAYLOAD_OUTPUT, seqs, 16), 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(seqs[i], 1 + i);
		sent_decode(mark + i, &m);
		assert_int_equal(m.payload_len, 1024);
		assert_int_equal(m.payload[0], 'x');
	}
	assert_int_equal(ssm_chan_room(chan), 0);
	assert_int_equal(user_send(10, 'y'), 0);
	assert_int_equal(u.writable, 0);
	agent_ack(1);
	assert_int_equal(u.writable, 1);
	assert_int_equal(ssm_chan_room(chan), 1024);
	/* A small write is one small message. */
	mark = fk.nsent;
	assert_int_equal(user_send(10, 'y'), 10);
	sent_decode(mark, &m);
	assert_int_equal(m.payload_len, 10);
	assert_int_equal(m.seq, 5);
	/* Acks for unknown numbers are ignored. */
	agent_ack(77);
	agent_ack(1);
	assert_int_equal(ssm_chan_room(chan), 0);
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_OPEN);
}

/* The §6.5 worked example and the plugin's rows, from the vectors. */
static void
test_ssm_chan_rto_arithmetic(void **state)
{
	struct ssm_chan_rtt	 r;
	cJSON			*root, *rows, *row, *sample;

	root = testvec_load("ssm/acks.json");
	rows = testvec_get(testvec_get(root, "plugin_rto"), "rows");
	ssm_chan_rtt_init(&r);
	cJSON_ArrayForEach(row, rows) {
		sample = testvec_get(row, "sample_ms");
		if (!cJSON_IsNull(sample))
			ssm_chan_rtt_sample(&r, sample->valuedouble);
		assert_float_equal(r.srtt, testvec_num(row, "srtt_ms"), 1e-6);
		assert_float_equal(r.rttvar, testvec_num(row, "rttvar_ms"),
		    1e-6);
		assert_float_equal(r.rto, testvec_num(row, "rto_ms"), 1e-6);
	}
	cJSON_Delete(root);
	/* The worked example, spelled out. */
	ssm_chan_rtt_init(&r);
	ssm_chan_rtt_sample(&r, 40);
	assert_float_equal(r.rto, 152.5, 1e-9);
	ssm_chan_rtt_sample(&r, 40);
	assert_float_equal(r.rto, 183.4375, 1e-9);
	ssm_chan_rtt_sample(&r, 300);
	assert_float_equal(r.rto, 399.8828125, 1e-9);
}

/* Resends: after the RTO, on the 100 ms tick, Karn, the cap (§6.4). */
static void
test_ssm_chan_resend_timing(void **state)
{
	struct ssm_chan_params	p;
	struct ssm_chan_stats	st;
	struct ssm_chan_rtt	r;
	int64_t			seqs[128];
	int			mark;

	default_params(&p);
	p.resend_per_tick = 8;
	open_with(&p, AGENT_NEW, PROPS_LPF);
	/* The handshake's ack gave a first sample. */
	ssm_chan_get_stats(chan, &st);
	r = st.rtt;
	assert_float_equal(r.rto, 187.5, 1e-9);
	mark = fk.nsent;
	assert_int_equal(user_send(1, 'a'), 1);	/* seq 1 at T */
	advance(100);			/* 100: not above the RTO */
	assert_int_equal(sent_stream(mark, -1, NULL, 0), 1);
	advance(100);			/* 200: resent */
	assert_int_equal(sent_stream(mark, -1, seqs, 8), 2);
	assert_int_equal(seqs[1], 1);
	advance(100);			/* 100 after the resend */
	assert_int_equal(sent_stream(mark, -1, NULL, 0), 2);
	advance(100);
	assert_int_equal(sent_stream(mark, -1, NULL, 0), 3);
	/* Karn: the ack of a resent message is no sample. */
	agent_ack(1);
	ssm_chan_get_stats(chan, &st);
	assert_float_equal(st.rtt.srtt, r.srtt, 1e-9);
	assert_float_equal(st.rtt.rto, r.rto, 1e-9);
	assert_int_equal(st.unacked, 0);
	/* A clean one is, measured from its send. */
	user_send(1, 'b');
	advance(40);
	agent_ack(2);
	ssm_chan_rtt_sample(&r, 40);
	ssm_chan_get_stats(chan, &st);
	assert_float_equal(st.rtt.srtt, r.srtt, 1e-9);
	assert_float_equal(st.rtt.rto, r.rto, 1e-9);

	/* Twenty overdue: eight per tick, oldest first. */
	mark = fk.nsent;
	user_send(20 * 1024, 'c');		/* seqs 3..22 */
	advance(300);			/* one tick, all overdue */
	assert_int_equal(sent_stream(mark, -1, seqs, 128), 28);
	assert_int_equal(seqs[20], 3);
	assert_int_equal(seqs[27], 10);
	advance(100);
	assert_int_equal(sent_stream(mark, -1, seqs, 128), 36);
	assert_int_equal(seqs[28], 11);
	/* Nothing is resent while the WebSocket's queue is still full. */
	fk.queued = 10 * 1024 * 1024;
	advance_by(1000, 100);
	assert_int_equal(sent_stream(mark, -1, NULL, 0), 36);
	fk.queued = 0;
	advance(100);
	assert_true(sent_stream(mark, -1, NULL, 0) > 36);
}

/* Pacing: one message per pacing_us, a millisecond of credit at most. */
static void
test_ssm_chan_pacing(void **state)
{
	struct ssm_chan_params	p;
	int			mark, k;

	default_params(&p);
	p.pacing_us = 1000;
	open_with(&p, AGENT_NEW, PROPS_LPF);
	advance(1000);		/* the handshake used the credit */
	mark = fk.nsent;
	assert_int_equal(user_send(10 * 1024, 'p'), 10 * 1024);
	assert_int_equal(sent_stream(mark, SSM_PAYLOAD_OUTPUT, NULL, 0), 2);
	assert_int_equal(ssm_chan_room(chan), 990 * 1024);
	for (k = 1; k <= 8; k++) {
		advance(1);
		assert_int_equal(sent_stream(mark, SSM_PAYLOAD_OUTPUT, NULL,
		    0), 2 + k);
	}
	advance(5);
	assert_int_equal(sent_stream(mark, SSM_PAYLOAD_OUTPUT, NULL, 0), 10);
	/* After a pause in sending, no burst beyond the credit. */
	advance(1000);
	mark = fk.nsent;
	user_send(5 * 1024, 'q');
	assert_int_equal(sent_stream(mark, SSM_PAYLOAD_OUTPUT, NULL, 0), 2);
}

/* What gatewayctl status shows. */
static void
test_ssm_chan_status(void **state)
{
	cJSON	*obj = cJSON_CreateObject();

	open_default();
	user_send(3000, 's');
	agent_data(2, "hello");
	advance(1500);
	ssm_chan_status(chan, obj);
	assert_string_equal(cJSON_GetObjectItem(obj, "session_id")->valuestring,
	    SESSION_ID);
	assert_string_equal(cJSON_GetObjectItem(obj, "state")->valuestring,
	    "open");
	assert_string_equal(cJSON_GetObjectItem(obj, "mode")->valuestring,
	    "mux");
	assert_string_equal(cJSON_GetObjectItem(obj,
	    "agent_version")->valuestring, AGENT_NEW);
	assert_int_equal(cJSON_GetObjectItem(obj, "bytes_out")->valuedouble,
	    3000);
	assert_int_equal(cJSON_GetObjectItem(obj, "bytes_in")->valuedouble, 5);
	assert_int_equal(cJSON_GetObjectItem(obj, "unacked")->valuedouble, 3);
	assert_true(cJSON_GetObjectItem(obj, "resends")->valuedouble >= 3);
	assert_int_equal(cJSON_GetObjectItem(obj, "age_ms")->valuedouble,
	    1500);
	assert_null(cJSON_GetObjectItem(obj, "last_error"));
	cJSON_Delete(obj);
}

/* The oldest unacked for give_up ms: the session is dead (§6.4). */
static void
test_ssm_chan_give_up(void **state)
{
	struct ssm_chan_params	p;

	default_params(&p);
	p.give_up = 60000;
	p.ack_timeout = 1000000;
	open_with(&p, AGENT_NEW, PROPS_LPF);
	user_send(1, 'a');
	advance_by(59900, 100);
	assert_int_equal(u.closed, 0);
	advance_by(200, 100);
	assert_int_equal(u.closed, 1);
	assert_non_null(strstr(u.reason, "no ack for message 1"));
	assert_int_equal(count_calls("TerminateSession"), 1);
	assert_int_equal(ssm_chan_room(chan), 0);
}

/* pause_publication: nothing sent or resent, the time not counted. */
static void
test_ssm_chan_pause_publication(void **state)
{
	struct ssm_chan_params	p;
	struct ssm_chan_stats	st;
	int			mark;

	default_params(&p);
	p.give_up = 60000;
	p.ack_timeout = 1000000;
	open_with(&p, AGENT_NEW, PROPS_LPF);
	mark = fk.nsent;
	user_send(1, 'a');
	advance_by(30000, 100);		/* 30 s of resends */
	agent_control(SSM_MSG_PAUSE_PUBLICATION);
	assert_true(user_has_event(SSM_CHAN_EV_PAUSED, NULL));
	assert_int_equal(ssm_chan_room(chan), 0);
	assert_int_equal(user_send(10, 'b'), 0);
	mark = fk.nsent;
	advance_by(100000, 100);		/* paused: 100 s */
	assert_int_equal(fk.nsent, mark);
	assert_int_equal(u.closed, 0);
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.paused, 1);
	assert_int_equal(st.paused_ms, 100000);
	agent_control(SSM_MSG_START_PUBLICATION);
	assert_true(user_has_event(SSM_CHAN_EV_UNPAUSED, NULL));
	assert_int_equal(ssm_chan_room(chan), 999 * 1024);
	advance_by(29000, 100);		/* 59 s unpaused */
	assert_true(fk.nsent > mark);
	assert_int_equal(u.closed, 0);
	advance_by(2000, 100);
	assert_int_equal(u.closed, 1);

	/* Any ack or stream message ends a pause too. */
	teardown(state);
	setup(state);
	open_default();
	agent_control(SSM_MSG_PAUSE_PUBLICATION);
	assert_int_equal(ssm_chan_room(chan), 0);
	agent_data(2, "x");
	assert_int_equal(ssm_chan_room(chan), 1000 * 1024);
	agent_control(SSM_MSG_PAUSE_PUBLICATION);
	agent_ack(99);
	assert_int_equal(ssm_chan_room(chan), 1000 * 1024);
}

/* A full Output message: SSM_MSG_CHUNK bytes of c. */
static void
agent_full(int64_t seq, int c)
{
	uint8_t	buf[SSM_MSG_CHUNK];

	memset(buf, c, sizeof buf);
	agent_msg(SSM_MSG_OUTPUT_STREAM_DATA, seq, SSM_PAYLOAD_OUTPUT, buf,
	    sizeof buf, 0);
}

/*
 * Open a chan and send it one full message a millisecond, each acked at
 * once, until the streak makes it hold; *seq is the next to send.
 */
static struct fake_ws *
open_paced_until_held(int64_t *seq)
{
	struct fake_ws	*w;
	int64_t		 acks[4];
	int		 i, mark;

	open_default();
	w = last_ws();
	for (i = 0; i < SSM_CHAN_HOLD_STREAK; i++) {
		assert_false(w->paused);
		mark = fk.nsent;
		agent_full(*seq, 'a');
		assert_int_equal(sent_acks(mark, acks, 4), 1);
		assert_int_equal(acks[0], *seq);
		(*seq)++;
		advance(1);
	}
	assert_true(w->paused);
	return (w);
}

/* Let a hold run out, a millisecond at a time; how long it took. */
static uint64_t
hold_out(struct fake_ws *w)
{
	uint64_t	took = 0;

	while (w->paused) {
		advance(1);
		assert_true(++took <= SSM_CHAN_HOLD_MAX);
	}
	return (took);
}

/*
 * Receive batching: a paced bulk flow is read, acked and delivered a hold
 * at a time; anything else at once; nothing is lost or left unacked.
 */
static void
test_ssm_chan_hold_batches_paced_bulk(void **state)
{
	struct ssm_chan_stats	 st;
	struct fake_ws		*w;
	int64_t			 acks[64], seq = 2;
	int			 i, mark;

	w = open_paced_until_held(&seq);
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.holds, 1);
	assert_int_equal(st.holding, 1);
	assert_int_equal(evbuffer_get_length(u.data),
	    SSM_CHAN_HOLD_STREAK * SSM_MSG_CHUNK);

	/* The hold ends; three messages came meanwhile. */
	fk.pending = 3 * (SSM_CHAN_BLOCK + 30);
	advance_by(SSM_CHAN_HOLD, 1);
	assert_false(w->paused);
	assert_int_equal(w->resumes, 1);
	fk.pending = 0;
	mark = fk.nsent;
	agent_full(seq++, 'b');
	agent_full(seq++, 'b');
	assert_int_equal(sent_acks(mark, acks, 64), 0);	/* together */
	assert_false(w->paused);
	agent_full(seq++, 'b');
	assert_int_equal(sent_acks(mark, acks, 64), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(acks[i], seq - 3 + i);
	assert_true(w->paused);		/* caught up: the next hold */
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.holds, 2);
	assert_int_equal(st.expected, seq);

	/* Fewer came than it seemed: the held ack goes after a moment. */
	fk.pending = 2 * SSM_CHAN_BLOCK;
	hold_out(w);
	fk.pending = 0;
	mark = fk.nsent;
	agent_full(seq++, 'c');
	assert_int_equal(sent_acks(mark, acks, 64), 0);
	advance_by(SSM_CHAN_ACKS_WAIT, 1);
	assert_int_equal(sent_acks(mark, acks, 64), 1);
	assert_int_equal(acks[0], seq - 1);

	/*
	 * A short message (a target's write ended) is read and acked at
	 * once and starts no hold; the flow goes on, and so does the streak.
	 */
	advance(1);
	mark = fk.nsent;
	agent_data(seq++, "end");
	assert_int_equal(sent_acks(mark, acks, 64), 1);
	assert_false(w->paused);
	agent_full(seq++, 'd');
	assert_true(w->paused);
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.holds, 3);
	hold_out(w);

	/* A pause in the flow ends the streak: no hold until it is back. */
	advance(SSM_CHAN_HOLD_GAP + 1);
	for (i = 0; i < 4; i++) {
		agent_full(seq++, 'd');
		advance(1);
	}
	assert_false(w->paused);
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.holds, 3);
	assert_int_equal(st.expected, seq);
	assert_int_equal(evbuffer_get_length(u.data),
	    (SSM_CHAN_HOLD_STREAK + 9) * SSM_MSG_CHUNK + 3);

	/* A hold ends with its WebSocket; the next one starts afresh. */
	for (i = 0; i < SSM_CHAN_HOLD_STREAK; i++) {
		agent_full(seq++, 'e');
		advance(1);
	}
	assert_true(w->paused);
	ws_failed("connection reset");
	assert_false(w->paused);
	assert_int_equal(w->resumes, 4);
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.holding, 0);
}

/*
 * The WebSocket says when a read's messages are all delivered: what came
 * during the hold is read then, whatever the count said, so the held acks
 * go out together at once and the next hold starts (no timer's wait).
 */
static void
test_ssm_chan_hold_ends_with_the_read(void **state)
{
	struct ssm_chan_stats	 st;
	struct fake_ws		*w;
	int64_t			 acks[64], seq = 2;
	int			 i, mark;

	w = open_paced_until_held(&seq);

	/* It seemed five came; the read that follows has two. */
	fk.pending = 5 * SSM_CHAN_BLOCK;
	advance_by(SSM_CHAN_HOLD, 1);
	assert_false(w->paused);
	fk.pending = 0;
	mark = fk.nsent;
	agent_full(seq++, 'b');
	agent_full(seq++, 'b');
	assert_int_equal(sent_acks(mark, acks, 64), 0);
	w->cb.read_done((struct ws *)w, w->arg);
	assert_int_equal(sent_acks(mark, acks, 64), 2);
	assert_int_equal(acks[0], seq - 2);
	assert_int_equal(acks[1], seq - 1);
	assert_true(w->paused);		/* the next hold */
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.holds, 2);
	assert_int_equal(st.expected, seq);

	/*
	 * More came than the count said (OpenSSL read ahead of it): the
	 * hold does not start in the middle of the read, which would leave
	 * the rest a whole hold more; the read's end starts it.
	 */
	fk.pending = 2 * SSM_CHAN_BLOCK;
	hold_out(w);
	fk.pending = 0;
	mark = fk.nsent;
	for (i = 0; i < 4; i++) {
		agent_full(seq++, 'c');
		assert_false(w->paused);
	}
	w->cb.read_done((struct ws *)w, w->arg);
	assert_int_equal(sent_acks(mark, acks, 64), 4);
	assert_true(w->paused);
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.holds, 3);
	assert_int_equal(st.expected, seq);

	/* Nothing held, not holding: the end of a read changes nothing. */
	hold_out(w);
	mark = fk.nsent;
	agent_data(seq++, "end");
	assert_int_equal(sent_acks(mark, acks, 64), 1);
	w->cb.read_done((struct ws *)w, w->arg);
	assert_int_equal(sent_acks(mark, acks, 64), 1);
	assert_false(w->paused);
}

/*
 * Only a flow as slow as the agent's pacing is held: full messages that
 * come faster are read at once (a sender waiting for acks would be held
 * to a window per hold), and a hold during which more came than a paced
 * flow sends ends the streak.
 */
static void
test_ssm_chan_hold_leaves_fast_flows_alone(void **state)
{
	struct ssm_chan_stats	 st;
	struct fake_ws		*w;
	int64_t			 acks[64], seq = 2;
	int			 i, mark;

	open_default();
	w = last_ws();

	/* Twice the streak within a millisecond: every one acked at once. */
	for (i = 0; i < 2 * SSM_CHAN_HOLD_STREAK; i++) {
		mark = fk.nsent;
		agent_full(seq++, 'a');
		w->cb.read_done((struct ws *)w, w->arg);
		assert_int_equal(sent_acks(mark, acks, 64), 1);
		assert_false(w->paused);
	}
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.holds, 0);

	/*
	 * Four a millisecond for ten times the span, each read ending
	 * there: however long it lasts, a fast flow is never held.
	 */
	for (i = 0; i < 40 * SSM_CHAN_HOLD_SPAN; i++) {
		agent_full(seq++, 'a');
		w->cb.read_done((struct ws *)w, w->arg);
		assert_false(w->paused);
		if (i % 4 == 3)
			advance(1);
	}
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.holds, 0);

	/* Paced after a gap: held once the streak spans enough time. */
	advance(SSM_CHAN_HOLD_GAP + 1);
	for (i = 0; i < SSM_CHAN_HOLD_STREAK; i++) {
		agent_full(seq++, 'b');
		w->cb.read_done((struct ws *)w, w->arg);
		advance(1);
	}
	assert_true(w->paused);

	/* Far more came during the hold than pacing sends: not held again. */
	fk.pending = (SSM_CHAN_HOLD_RATE * SSM_CHAN_HOLD + 10) * SSM_CHAN_BLOCK;
	hold_out(w);
	fk.pending = 0;
	for (i = 0; i < SSM_CHAN_HOLD_RATE * SSM_CHAN_HOLD + 10; i++)
		agent_full(seq++, 'c');
	assert_false(w->paused);
	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.holds, 1);
	assert_int_equal(st.expected, seq);
	assert_int_equal(evbuffer_get_length(u.data),
	    (3 * SSM_CHAN_HOLD_STREAK + 40 * SSM_CHAN_HOLD_SPAN +
	    SSM_CHAN_HOLD_RATE * SSM_CHAN_HOLD + 10) * SSM_MSG_CHUNK);
}

/*
 * A fast flow is read in batches: a read of SSM_CHAN_COALESCE_MIN
 * messages or more is followed by a pause of at most SSM_CHAN_COALESCE
 * ms, its acks already sent; a read of fewer, or one cut at its bound
 * (more was waiting), is not. None of it is a hold.
 */
static void
test_ssm_chan_fast_flow_reads_in_batches(void **state)
{
	struct ssm_chan_stats	 st;
	struct fake_ws		*w;
	int64_t			 acks[64], seq = 2;
	uint64_t		 took;
	int			 i, mark;

	open_default();
	w = last_ws();

	mark = fk.nsent;
	for (i = 0; i < SSM_CHAN_COALESCE_MIN - 1; i++)
		agent_full(seq++, 'a');
	w->cb.read_done((struct ws *)w, w->arg);
	assert_false(w->paused);
	assert_int_equal(sent_acks(mark, acks, 64), SSM_CHAN_COALESCE_MIN - 1);

	mark = fk.nsent;
	for (i = 0; i < SSM_CHAN_COALESCE_MIN; i++)
		agent_full(seq++, 'b');
	w->cb.read_done((struct ws *)w, w->arg);
	assert_true(w->paused);
	assert_int_equal(sent_acks(mark, acks, 64), SSM_CHAN_COALESCE_MIN);
	for (took = 0; w->paused; took++) {
		advance(1);
		assert_true(took < SSM_CHAN_COALESCE);
	}

	/* Cut at its bound: the rest is read at once. */
	fk.read_cut = 1;
	for (i = 0; i < 2 * SSM_CHAN_COALESCE_MIN; i++)
		agent_full(seq++, 'c');
	w->cb.read_done((struct ws *)w, w->arg);
	assert_false(w->paused);
	fk.read_cut = 0;

	ssm_chan_get_stats(chan, &st);
	assert_int_equal(st.coalesces, 1);
	assert_int_equal(st.holds, 0);
	assert_int_equal(st.expected, seq);
	assert_int_equal(evbuffer_get_length(u.data),
	    (4 * SSM_CHAN_COALESCE_MIN - 1) * SSM_MSG_CHUNK);
}

/*
 * The agent's side of §6.5, kept here on its own: it measures each ack
 * from its message's send, and resends a message once it has waited
 * longer than its RTO.
 */
struct agent_rto {
	double	srtt, rttvar, rto;
};

static void
agent_rto_sample(struct agent_rto *a, double r)
{
	double	diff = a->srtt > r ? a->srtt - r : r - a->srtt;

	a->rttvar = 0.75 * a->rttvar + 0.25 * diff;
	a->srtt = 0.875 * a->srtt + 0.125 * r;
	a->rto = a->srtt + (4 * a->rttvar > 10 ? 4 * a->rttvar : 10);
	if (a->rto > 1000)
		a->rto = 1000;
}

/*
 * Let ms pass as an event loop would: the chan runs only when its
 * deadline comes (advance() runs it every call, which ends a hold up to
 * SSM_CHAN_HOLD_SLACK early, the worst a coarse timer does).
 */
static void
advance_on_deadline(uint64_t ms)
{
	uint64_t	next;

	clock_advance_fake(ms);
	if (chan != NULL && (next = ssm_chan_next_deadline(chan)) != 0 &&
	    next <= clock_now_ms()) {
		ssm_chan_run(chan);
		pump();
	}
}

/*
 * A paced flow for two seconds, as the agent sends it (a message a
 * millisecond; what comes during a hold waits in the WebSocket): holds
 * grow past SSM_CHAN_HOLD as the agent's estimate of our ack delay grows,
 * up to SSM_CHAN_HOLD_MAX, and no message waits for its ack as long as
 * the agent's timeout then: the agent never resends.
 */
static void
test_ssm_chan_hold_grows_below_the_agents_timeout(void **state)
{
	enum { MSGS = 2000 };
	struct agent_rto	 a = { 100, 0, 200 };
	struct fake_ws		*w;
	struct ssm_chan_stats	 st;
	uint64_t		*sent_at, t0, hold, longest = 0;
	int64_t			 acks[64], seq = 2, first = 2, next_ack = 2;
	int			 i, k, n, queued = 0, mark, was_paused = 0;
	double			 waited, worst = 0;

	open_default();
	w = last_ws();
	sent_at = calloc(MSGS + 4, sizeof *sent_at);
	t0 = clock_now_ms();
	for (i = 0; i < MSGS; i++) {
		sent_at[i] = clock_now_ms();
		queued++;
		if (was_paused && !w->paused && clock_now_ms() - hold > longest)
			longest = clock_now_ms() - hold;
		was_paused = w->paused;
		if (!w->paused) {
			mark = fk.nsent;
			fk.pending = 0;
			for (k = 0; k < queued; k++)
				agent_full(seq++, 'p');
			queued = 0;
			w->cb.read_done((struct ws *)w, w->arg);
			n = sent_acks(mark, acks, 64);
			for (k = 0; k < n; k++) {
				assert_int_equal(acks[k], next_ack);
				next_ack++;
				waited = (double)(clock_now_ms() -
				    sent_at[acks[k] - first]);
				assert_true(waited < a.rto);
				if (waited > worst)
					worst = waited;
				agent_rto_sample(&a, waited);
			}
		}
		if (w->paused && !was_paused)
			hold = clock_now_ms();
		was_paused = w->paused;
		fk.pending = (size_t)queued * SSM_CHAN_BLOCK;
		advance_on_deadline(1);
	}
	ssm_chan_get_stats(chan, &st);
	assert_true(st.holds > 10);
	assert_true(longest > SSM_CHAN_HOLD);
	assert_true(longest <= SSM_CHAN_HOLD_MAX);
	assert_true(worst > SSM_CHAN_HOLD);
	assert_true(next_ack >= first + MSGS - SSM_CHAN_HOLD_MAX - 1);
	assert_true(clock_now_ms() - t0 == MSGS);
	free(sent_at);
}

/* Flags both ways (§4.5, §7.3). */
static void
test_ssm_chan_flags(void **state)
{
	struct ssm_msg	m;
	int64_t		acks[4];
	uint32_t	flag;
	char		*cause = NULL;
	int		mark;

	open_default();
	mark = fk.nsent;
	assert_int_equal(ssm_chan_send_flag(chan,
	    SSM_FLAG_DISCONNECT_TO_PORT), 0);
	sent_decode(mark, &m);
	assert_int_equal(m.type, SSM_MSG_INPUT_STREAM_DATA);
	assert_int_equal(m.seq, 1);
	assert_int_equal(m.payload_type, SSM_PAYLOAD_FLAG);
	assert_int_equal(ssm_msg_flag_parse(m.payload, m.payload_len, &flag,
	    &cause), 0);
	assert_int_equal(flag, SSM_FLAG_DISCONNECT_TO_PORT);
	/* The agent's ConnectToPortError: an event, then acked. */
	mark = fk.nsent;
	agent_flag(2, SSM_FLAG_CONNECT_TO_PORT_ERROR);
	assert_true(user_has_event(SSM_CHAN_EV_FLAG, "ConnectToPortError"));
	assert_int_equal(sent_acks(mark, acks, 4), 1);
	assert_int_equal(acks[0], 2);
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_OPEN);
	agent_data(3, "after");
	assert_int_equal(u.ndata, 1);
}

/* channel_closed: no ack, no resume, its Output in the reason (§7.5). */
static void
test_ssm_chan_channel_closed(void **state)
{
	struct ssm_channel_closed	 cc;
	struct evbuffer			*b = evbuffer_new();
	int				 mark;

	open_default();
	memset(&cc, 0, sizeof cc);
	cc.message_id = "a1c4e7f0-2b5d-4a8e-9c1f-3d6b9e2a5c8f";
	cc.created_date = "x";
	cc.destination_id = "i-0123456789abcdef0";
	cc.session_id = SESSION_ID;
	cc.message_type = "channel_closed";
	cc.schema_version = 1;
	cc.output = "Session timed out";
	ssm_msg_channel_closed_payload(&cc, b);
	mark = fk.nsent;
	agent_msg(SSM_MSG_CHANNEL_CLOSED, 0, 0, evbuffer_pullup(b, -1),
	    evbuffer_get_length(b), 0);
	evbuffer_free(b);
	assert_int_equal(fk.nsent, mark);
	assert_int_equal(u.closed, 1);
	assert_string_equal(u.reason, "channel_closed: Session timed out");
	assert_int_equal(count_calls("ResumeSession"), 0);
	assert_int_equal(count_calls("TerminateSession"), 0);
	assert_true(last_ws()->closed);
	assert_int_equal(last_ws()->close_code, 1000);
	/* The WebSocket's end afterwards changes nothing. */
	last_ws()->cb.close((struct ws *)last_ws(), 1000, "", 1,
	    last_ws()->arg);
	pump();
	advance_by(10000, 100);
	assert_int_equal(count_calls("ResumeSession"), 0);
	assert_int_equal(u.closed, 1);

	/* A malformed one still ends the session. */
	teardown(state);
	setup(state);
	open_default();
	agent_msg(SSM_MSG_CHANNEL_CLOSED, 0, 0, "nope", 4, 0);
	assert_int_equal(u.closed, 1);
	assert_string_equal(u.reason, "channel_closed");
}

/*
 * Ending (§7.4).
 */

/* A new agent: drain, the flag and its ack, the API, close 1000. */
static void
test_ssm_chan_terminate_new_agent(void **state)
{
	int64_t	seqs[8];
	int	mark;

	open_default();
	user_send(10, 'a');			/* seq 1 */
	mark = fk.nsent;
	u.in_api = 1;
	ssm_chan_terminate(chan, "client went away");
	ssm_chan_terminate(chan, "again");	/* nothing */
	u.in_api = 0;
	pump();
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_CLOSING);
	assert_int_equal(ssm_chan_room(chan), 0);
	assert_int_equal(user_send(10, 'b'), 0);
	/* Still draining: no flag yet; data keeps arriving. */
	assert_int_equal(sent_stream(mark, SSM_PAYLOAD_FLAG, NULL, 0), 0);
	agent_data(2, "late");
	assert_int_equal(u.ndata, 1);
	agent_ack(1);
	assert_int_equal(sent_stream(mark, SSM_PAYLOAD_FLAG, seqs, 8), 1);
	assert_int_equal(seqs[0], 2);
	assert_int_equal(count_calls("TerminateSession"), 0);
	agent_ack(2);
	assert_int_equal(count_calls("TerminateSession"), 1);
	assert_int_equal(u.closed, 0);
	assert_string_equal(find_call("TerminateSession")->body,
	    "{\"SessionId\":\"" SESSION_ID "\"}");
	answer("TerminateSession", "{\"SessionId\":\"" SESSION_ID "\"}", NULL);
	assert_int_equal(u.closed, 1);
	assert_string_equal(u.reason, "client went away");
	assert_true(last_ws()->closed);
	assert_int_equal(last_ws()->close_code, 1000);
	assert_int_equal(count_calls("ResumeSession"), 0);
}

/* An old agent: no flag, the API only; every wait is bounded. */
static void
test_ssm_chan_terminate_old_agent(void **state)
{
	struct ssm_chan_params	p;

	default_params(&p);
	open_with(&p, AGENT_OLD, PROPS_LPF);
	ssm_chan_terminate(chan, NULL);
	pump();
	assert_int_equal(sent_stream(0, SSM_PAYLOAD_FLAG, NULL, 0), 0);
	assert_int_equal(count_calls("TerminateSession"), 1);
	/* The API's failure is not fatal. */
	answer("TerminateSession", NULL, "InternalServerError");
	assert_int_equal(u.closed, 1);
	assert_string_equal(u.reason, "terminated");

	/* New agent, nothing acked ever: 2 s drain, 2 s flag, 5 s API. */
	teardown(state);
	setup(state);
	open_default();
	user_send(10, 'a');
	ssm_chan_terminate(chan, "bye");
	pump();
	advance_by(1900, 100);
	assert_int_equal(sent_stream(0, SSM_PAYLOAD_FLAG, NULL, 0), 0);
	advance_by(200, 100);
	assert_int_equal(sent_stream(0, SSM_PAYLOAD_FLAG, NULL, 0), 1);
	advance_by(2100, 100);
	assert_int_equal(count_calls("TerminateSession"), 1);
	assert_int_equal(u.closed, 0);
	advance_by(5100, 100);
	assert_int_equal(u.closed, 1);
	assert_string_equal(u.reason, "bye");

	/* channel_closed ends the wait for the flag's ack. */
	teardown(state);
	setup(state);
	open_default();
	ssm_chan_terminate(chan, "bye");
	pump();
	assert_int_equal(sent_stream(0, SSM_PAYLOAD_FLAG, NULL, 0), 1);
	agent_msg(SSM_MSG_CHANNEL_CLOSED, 0, 0, "{}", 2, 0);
	assert_int_equal(count_calls("TerminateSession"), 1);
}

/*
 * Flags the consumer sends cannot take the ring's last slots: ending the
 * session still has room for its TerminateSession flag (issue 10, 5).
 */
static void
test_ssm_chan_flags_leave_room_to_close(void **state)
{
	struct ssm_chan_params	p;
	struct ssm_msg		m;
	uint32_t		flag;
	char			*cause = NULL;
	int			i, n, mark;

	default_params(&p);
	p.max_unacked = 8;			/* a ring of 32 */
	open_with(&p, AGENT_NEW, PROPS_LPF);
	for (n = 0; n < 100; n++) {
		if (ssm_chan_send_flag(chan, SSM_FLAG_DISCONNECT_TO_PORT) != 0)
			break;
	}
	mark = fk.nsent;
	ssm_chan_terminate(chan, "full");
	pump();
	assert_int_equal(sent_stream(mark, SSM_PAYLOAD_FLAG, NULL, 0), 1);
	for (i = mark; i < fk.nsent; i++) {
		sent_decode(i, &m);
		if (m.type == SSM_MSG_INPUT_STREAM_DATA)
			break;
	}
	assert_int_equal(ssm_msg_flag_parse(m.payload, m.payload_len, &flag,
	    &cause), 0);
	assert_int_equal(flag, SSM_FLAG_TERMINATE_SESSION);
	advance_by(2100, 100);
	assert_int_equal(count_calls("TerminateSession"), 1);
	answer("TerminateSession", "{\"SessionId\":\"" SESSION_ID "\"}", NULL);
	assert_int_equal(u.closed, 1);
	assert_string_equal(u.reason, "full");
	/* The flags stopped short of the reserve. */
	assert_true(n > 0 && n <= 32 - SSM_CHAN_RESERVE);
}

/* Terminate before the session exists, and free at any point. */
static void
test_ssm_chan_terminate_early_and_free(void **state)
{
	struct ssm_chan_params	p;

	/* Terminated while StartSession is in flight. */
	default_params(&p);
	chan = ssm_chan_start(&p, &user_cb, NULL);
	ssm_chan_terminate(chan, "changed my mind");
	pump();
	assert_int_equal(u.closed, 0);
	answer("StartSession", "{\"SessionId\":\"" SESSION_ID "\","
	    "\"StreamUrl\":\"" STREAM_URL "\",\"TokenValue\":\"t\"}", NULL);
	assert_int_equal(fk.nws, 0);
	assert_int_equal(count_calls("TerminateSession"), 1);
	answer("TerminateSession", "{}", NULL);
	assert_int_equal(u.closed, 1);

	/* Freed while StartSession is in flight: the session still ends. */
	teardown(state);
	setup(state);
	default_params(&p);
	chan = ssm_chan_start(&p, &user_cb, NULL);
	ssm_chan_free(chan);
	chan = NULL;
	answer("StartSession", "{\"SessionId\":\"" SESSION_ID "\","
	    "\"StreamUrl\":\"" STREAM_URL "\",\"TokenValue\":\"t\"}", NULL);
	assert_int_equal(count_calls("TerminateSession"), 1);
	assert_int_equal(u.closed, 0);

	/* Freed when open: TerminateSession, fire and forget; no calls. */
	teardown(state);
	setup(state);
	open_default();
	ssm_chan_free(chan);
	chan = NULL;
	assert_int_equal(count_calls("TerminateSession"), 1);
	assert_true(last_ws()->freed);
	answer("TerminateSession", "{}", NULL);
	assert_int_equal(u.closed, 0);

	/* Freed from its own callbacks. */
	teardown(state);
	setup(state);
	open_default();
	u.free_on_data = 1;
	agent_data(2, "x");
	assert_null(chan);
	teardown(state);
	setup(state);
	open_default();
	u.free_on_close = 1;
	agent_msg(SSM_MSG_CHANNEL_CLOSED, 0, 0, "{}", 2, 0);
	assert_null(chan);
	assert_int_equal(u.closed, 1);

	/* Freed while told of a loss: no resume, no closed callback. */
	teardown(state);
	setup(state);
	open_default();
	user_send(10, 'a');
	u.free_on_event = 1;
	advance_by(25000, 100);	/* the ack timeout: a dead peer */
	assert_null(chan);
	assert_true(user_has_event(SSM_CHAN_EV_RESUMING, "dead peer"));
	assert_int_equal(u.closed, 0);
	assert_int_equal(count_calls("ResumeSession"), 0);
	assert_int_equal(count_calls("TerminateSession"), 1);

	/* Terminated while connecting: from the loop, the API, closed. */
	teardown(state);
	setup(state);
	default_params(&p);
	start_with(&p, STREAM_URL);
	u.in_api = 1;
	ssm_chan_terminate(chan, "not now");
	u.in_api = 0;
	assert_int_equal(count_calls("TerminateSession"), 0);
	pump();
	assert_int_equal(count_calls("TerminateSession"), 1);
	ws_opened();			/* too late: closed at once */
	assert_true(last_ws()->closed);
	answer("TerminateSession", "{}", NULL);
	assert_int_equal(u.closed, 1);
	assert_string_equal(u.reason, "not now");

	/* Terminated in the handshake: its deadline passes while ending. */
	teardown(state);
	setup(state);
	default_params(&p);
	start_with(&p, STREAM_URL);
	ws_opened();
	advance(29000);
	ssm_chan_terminate(chan, "late");
	pump();
	assert_int_equal(count_calls("TerminateSession"), 1);
	advance_by(2000, 100);		/* past the handshake's 30 s */
	assert_int_equal(u.closed, 0);
	advance_by(3100, 100);		/* the API's answer never came */
	assert_int_equal(u.closed, 1);
	assert_string_equal(u.reason, "late");

	/* StartSession refused: closed with the error and its code. */
	teardown(state);
	setup(state);
	default_params(&p);
	chan = ssm_chan_start(&p, &user_cb, NULL);
	answer("StartSession", NULL, "TargetNotConnected");
	assert_int_equal(u.closed, 1);
	assert_string_equal(u.code, "TargetNotConnected");
	assert_non_null(strstr(u.reason, "StartSession"));
	assert_int_equal(count_calls("TerminateSession"), 0);
}

/* StreamUrl must be wss:// to an ssmmessages host (§3.1). */
static void
test_ssm_chan_stream_url_checks(void **state)
{
	static const struct {
		const char	*url;
		int		 plain, loopback, ok;
	} cases[] = {
		{ STREAM_URL, 0, 0, 1 },
		{ "wss://ssmmessages-fips.us-east-1.amazonaws.com/v1/x", 0, 0,
		    1 },
		{ "wss://vpce-1.ssmmessages.us-east-1.vpce.amazonaws.com/v1/x",
		    0, 0, 1 },
		{ "ws://ssmmessages.eu-west-1.amazonaws.com/v1/x", 0, 0, 0 },
		{ "ws://ssmmessages.eu-west-1.amazonaws.com/v1/x", 1, 0, 1 },
		{ "wss://evil.example.com/v1/x", 0, 0, 0 },
		{ "wss://ssmmessages/v1/x", 0, 0, 0 },
		{ "wss://ssmmessages.evil.com.example/v1/x", 0, 0, 0 },
		{ "wss://127.0.0.1:4443/v1/x", 0, 0, 0 },
		{ "wss://127.0.0.1:4443/v1/x", 0, 1, 1 },
		{ "ws://127.0.0.1:8080/v1/x", 1, 0, 1 },
		{ "ws://localhost:8080/v1/x", 1, 0, 1 },
		{ "https://ssmmessages.eu-west-1.amazonaws.com/", 0, 0, 0 },
	};
	struct ssm_chan_params	p;
	size_t			i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		teardown(state);
		setup(state);
		default_params(&p);
		p.allow_plain_ws = cases[i].plain;
		p.allow_loopback = cases[i].loopback;
		start_with(&p, cases[i].url);
		if (cases[i].ok) {
			assert_int_equal(fk.nws, 1);
			assert_string_equal(last_ws()->url, cases[i].url);
			assert_int_equal(u.closed, 0);
		} else {
			assert_int_equal(fk.nws, 0);
			assert_int_equal(u.closed, 1);
			assert_int_equal(count_calls("TerminateSession"), 1);
		}
	}
}

/*
 * The StreamUrl host: an ssmmessages host under an AWS partition's DNS
 * suffix (aws-conventions.md 4.1, 4.2), not any host with an ssmmessages
 * label, which anyone can register.
 */
static void
test_ssm_chan_host_partitions(void **state)
{
	static const struct {
		const char	*host;
		int		 loopback, ok;
	} cases[] = {
		{ "ssmmessages.eu-west-1.amazonaws.com", 0, 1 },
		{ "SSMMESSAGES.EU-WEST-1.AMAZONAWS.COM", 0, 1 },
		{ "ssmmessages.eu-west-1.amazonaws.com.", 0, 1 },
		{ "ssmmessages-fips.us-east-1.amazonaws.com", 0, 1 },
		{ "ssmmessages.us-east-1.api.aws", 0, 1 },
		{ "ssmmessages-fips.us-east-1.api.aws", 0, 1 },
		{ "ssmmessages.us-gov-west-1.amazonaws.com", 0, 1 },
		{ "ssmmessages.cn-north-1.amazonaws.com.cn", 0, 1 },
		{ "ssmmessages.cn-north-1.api.amazonwebservices.com.cn", 0, 1 },
		{ "ssmmessages.us-iso-east-1.c2s.ic.gov", 0, 1 },
		{ "ssmmessages.us-isob-east-1.sc2s.sgov.gov", 0, 1 },
		{ "ssmmessages.eu-isoe-west-1.cloud.adc-e.uk", 0, 1 },
		{ "ssmmessages.us-isof-south-1.csp.hci.ic.gov", 0, 1 },
		{ "ssmmessages.eusc-de-east-1.amazonaws.eu", 0, 1 },
		{ "vpce-0123456789abcdef0-abcdefgh.ssmmessages.us-east-1."
		    "vpce.amazonaws.com", 0, 1 },
		{ "vpce-0123456789abcdef0-abcdefgh-us-east-1a.ssmmessages."
		    "us-east-1.vpce.amazonaws.com", 0, 1 },
		{ "127.0.0.1", 1, 1 },
		{ "::1", 1, 1 },
		{ "localhost", 1, 1 },
		/* Not AWS's. */
		{ "ssmmessages.attacker.example", 0, 0 },
		{ "ssmmessages.eu-west-1.amazonaws.com.attacker.example", 0,
		    0 },
		{ "ssmmessages.eu-west-1.amazonaws.co", 0, 0 },
		{ "ssmmessages.eu-west-1.notamazonaws.com", 0, 0 },
		{ "x.ssmmessages.eu-west-1.amazonaws.com", 0, 0 },
		{ "ssmmessages.amazonaws.com", 0, 0 },
		{ "ssmmessages..amazonaws.com", 0, 0 },
		{ "ssmmessages.eu_west-1.amazonaws.com", 0, 0 },
		{ "ssmmessages-fips2.us-east-1.amazonaws.com", 0, 0 },
		{ "ssm.eu-west-1.amazonaws.com", 0, 0 },
		{ "vpce-.ssmmessages.us-east-1.vpce.amazonaws.com", 0, 0 },
		{ "vpce-1.ssmmessages.us-east-1.amazonaws.com", 0, 0 },
		{ "vpce-1.ssmmessages.us-east-1.vpce.attacker.example", 0, 0 },
		{ "vpce-1.ssmmessages-fips.us-east-1.vpce.amazonaws.com", 0,
		    0 },
		{ "ssmmessages.eu-west-1.amazonaws.com", 0, 1 },
		{ "amazonaws.com", 0, 0 },
		{ "ssmmessages", 0, 0 },
		{ "", 0, 0 },
		{ "127.0.0.1", 0, 0 },
		{ "localhost", 0, 0 },
	};
	struct ssm_chan_params	p;
	size_t			i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (ssm_chan_host_ok(cases[i].host, cases[i].loopback) !=
		    cases[i].ok)
			fail_msg("%s (loopback %d): want %d", cases[i].host,
			    cases[i].loopback, cases[i].ok);
	}

	/* A configured endpoint's host is accepted (emulator, VPC). */
	default_params(&p);
	p.endpoint_hosts[0] = "ssm.internal.example";
	start_with(&p, "wss://ssm.internal.example:8443/v1/x");
	assert_int_equal(fk.nws, 1);
	assert_int_equal(u.closed, 0);
	teardown(state);
	setup(state);
	default_params(&p);
	p.endpoint_hosts[1] = "messages.internal.example";
	start_with(&p, "wss://MESSAGES.internal.example/v1/x");
	assert_int_equal(fk.nws, 1);
	assert_int_equal(u.closed, 0);
	/* Another host is not. */
	teardown(state);
	setup(state);
	default_params(&p);
	p.endpoint_hosts[0] = "ssm.internal.example";
	start_with(&p, "wss://ssmmessages.attacker.example/v1/x");
	assert_int_equal(fk.nws, 0);
	assert_int_equal(u.closed, 1);
	assert_non_null(strstr(u.reason, "ssmmessages.attacker.example is "
	    "not an ssmmessages endpoint"));
}

/*
 * Resume (§8).
 */

/* The WebSocket drops with data in flight: resume, resend all in order. */
static void
test_ssm_chan_resume_resends_all(void **state)
{
	struct ssm_open_data_channel	 odc1, odc2;
	struct fake_call		*call;
	int64_t				 seqs[16];
	char				*cause = NULL;
	int				 mark, i;

	open_default();
	assert_int_equal(ssm_handshake_open_parse(fk.sent[0].buf,
	    fk.sent[0].len, &odc1, &cause), 0);
	user_send(5 * 1024, 'a');		/* seqs 1..5 */
	agent_ack(2);
	ws_failed("connection reset by peer");
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_RESUMING);
	assert_true(user_has_event(SSM_CHAN_EV_RESUMING, "reset by peer"));
	assert_int_equal(ssm_chan_room(chan), 0);
	assert_int_equal(count_calls("ResumeSession"), 0);
	advance(199);			/* the first delay is < 200 */
	call = find_call("ResumeSession");
	assert_non_null(call);
	assert_string_equal(call->body, "{\"SessionId\":\"" SESSION_ID "\"}");
	answer("ResumeSession", "{\"SessionId\":\"" SESSION_ID "\","
	    "\"TokenValue\":\"new-token\",\"StreamUrl\":\"\"}", NULL);
	assert_int_equal(fk.nws, 2);
	assert_string_equal(last_ws()->url, STREAM_URL);
	mark = fk.nsent;
	ws_opened();
	/* A new OpenDataChannel: new token and request, same client. */
	assert_int_equal(fk.sent[mark].type, WS_TEXT);
	assert_int_equal(ssm_handshake_open_parse(fk.sent[mark].buf,
	    fk.sent[mark].len, &odc2, &cause), 0);
	assert_string_equal(odc2.token, "new-token");
	assert_string_equal(odc2.client_id, odc1.client_id);
	assert_string_not_equal(odc2.request_id, odc1.request_id);
	ssm_handshake_open_clear(&odc1);
	ssm_handshake_open_clear(&odc2);
	/* Everything unacked, in order, at once; no new handshake. */
	assert_int_equal(sent_stream(mark, -1, seqs, 16), 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(seqs[i], i == 0 ? 1 : i + 2);
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_OPEN);
	assert_true(user_has_event(SSM_CHAN_EV_RESUMED, "after"));
	assert_int_equal(ssm_chan_room(chan), 996 * 1024);
	/* The agent's side continues where it was. */
	agent_data(2, "more");
	assert_int_equal(u.ndata, 1);
	assert_int_equal(u.opened, 1);
	assert_int_equal(u.closed, 0);
}

/* ResumeSession's answers: new URL, session ended, gone (§2.6, §8.2). */
static void
test_ssm_chan_resume_answers(void **state)
{
	static const struct {
		const char	*body;
		const char	*code;
		const char	*reason;	/* NULL: resumes */
		const char	*url;
	} cases[] = {
		{ "{\"SessionId\":\"" SESSION_ID "\",\"TokenValue\":\"t2\","
		    "\"StreamUrl\":\"" STREAM_URL2 "\"}", NULL, NULL,
		    STREAM_URL2 },
		{ "{\"SessionId\":\"" SESSION_ID "\",\"TokenValue\":\"t2\"}",
		    NULL, NULL, STREAM_URL },
		{ "{\"SessionId\":\"" SESSION_ID "\",\"TokenValue\":\"\"}",
		    NULL, "ResumeSession: session ended", NULL },
		{ "{\"SessionId\":\"" SESSION_ID "\"}", NULL,
		    "ResumeSession: session ended", NULL },
		{ NULL, "DoesNotExistException", "DoesNotExistException",
		    NULL },
		{ "{\"SessionId\":\"" SESSION_ID "\",\"TokenValue\":\"t2\","
		    "\"StreamUrl\":\"wss://evil.example.com/\"}", NULL,
		    "not an ssmmessages endpoint", NULL },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		teardown(state);
		setup(state);
		open_default();
		ws_failed("gone");
		advance(200);
		answer("ResumeSession", cases[i].body, cases[i].code);
		if (cases[i].reason == NULL) {
			assert_int_equal(fk.nws, 2);
			assert_string_equal(last_ws()->url, cases[i].url);
			ws_opened();
			assert_int_equal(ssm_chan_get_state(chan),
			    SSM_CHAN_OPEN);
			assert_true(user_has_event(SSM_CHAN_EV_RESUMED,
			    strcmp(cases[i].url, STREAM_URL2) == 0 ? "new url" :
			    "after"));
			continue;
		}
		assert_int_equal(u.closed, 1);
		assert_non_null(strstr(u.reason, cases[i].reason));
		assert_int_equal(fk.nws, 1);
		if (cases[i].code != NULL)
			assert_string_equal(u.code, cases[i].code);
	}
}

/*
 * The service of 2026 (§2.6): every ResumeSession hands out a new cell and
 * token and refuses the old ones. An upgrade refused after a resume is not
 * retried with what was refused: a fresh ResumeSession, its URL and only
 * its token; the refusal is the chan's last error meanwhile.
 */
static void
test_ssm_chan_resume_refused_upgrade(void **state)
{
	struct ssm_open_data_channel	 odc;
	cJSON				*st;
	const cJSON			*err;
	char				*cause = NULL;
	int				 mark;

	open_default();
	ws_failed("gone");
	advance(200);
	answer("ResumeSession", "{\"SessionId\":\"" SESSION_ID "\","
	    "\"TokenValue\":\"t2\",\"StreamUrl\":\"" STREAM_URL2 "\"}", NULL);
	assert_int_equal(fk.nws, 2);
	assert_string_equal(last_ws()->url, STREAM_URL2);
	ws_failed("HTTP 403 Forbidden: this cell has expired");
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_RESUMING);
	st = cJSON_CreateObject();
	ssm_chan_status(chan, st);
	err = cJSON_GetObjectItemCaseSensitive(st, "last_error");
	assert_true(cJSON_IsString(err));
	assert_non_null(strstr(err->valuestring, "cell has expired"));
	cJSON_Delete(st);
	/* Not the refused URL again: a second ResumeSession first. */
	advance(400);
	assert_int_equal(fk.nws, 2);
	assert_int_equal(count_calls("ResumeSession"), 2);
	answer("ResumeSession", "{\"SessionId\":\"" SESSION_ID "\","
	    "\"TokenValue\":\"t3\",\"StreamUrl\":\"" STREAM_URL "&r=3\"}",
	    NULL);
	assert_int_equal(fk.nws, 3);
	assert_string_equal(last_ws()->url, STREAM_URL "&r=3");
	mark = fk.nsent;
	ws_opened();
	assert_int_equal(ssm_handshake_open_parse(fk.sent[mark].buf,
	    fk.sent[mark].len, &odc, &cause), 0);
	assert_string_equal(odc.token, "t3");
	ssm_handshake_open_clear(&odc);
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_OPEN);
}

/*
 * A WebSocket that the service closes right after the upgrade (1008 for a
 * ClientVersion below its minimum, a stale token) has not ended the
 * outage: each ResumeSession waits longer than the last, and the session
 * ends when the budget is spent, naming why the channel was lost.
 */
static void
test_ssm_chan_resume_refused_after_upgrade(void **state)
{
	struct ssm_chan_params	 p;
	struct fake_call	*call;
	uint64_t		 last, delay, floor = 100;
	int			 resumes = 0, i;

	default_params(&p);
	p.resume_budget = 20000;
	open_with(&p, AGENT_NEW, PROPS_LPF);
	ws_failed("gone");
	last = clock_now_ms();
	for (i = 0; i < 5000 && u.closed == 0; i++) {
		advance(10);
		if ((call = find_call("ResumeSession")) == NULL)
			continue;
		delay = call->at - last;
		if (delay < floor)
			fail_msg("resume %d after %llu ms, not %llu or more",
			    resumes, (unsigned long long)delay,
			    (unsigned long long)floor);
		floor = floor * 2 > 2500 ? 2500 : floor * 2;
		resumes++;
		answer("ResumeSession", "{\"SessionId\":\"" SESSION_ID "\","
		    "\"TokenValue\":\"t\"}", NULL);
		ws_opened();
		last_ws()->cb.close((struct ws *)last_ws(), 1008,
		    "ClientVersion 1.2.677.0 is below the minimum", 1,
		    last_ws()->arg);
		pump();
		last = clock_now_ms();
	}
	assert_int_equal(u.closed, 1);
	assert_true(resumes >= 4 && resumes <= 12);
	assert_non_null(strstr(u.reason, "no data channel within 20s"));
	assert_non_null(strstr(u.reason, "1008"));
}

/* ResumeSession ends the session: the reason says why it was lost. */
static void
test_ssm_chan_resume_ended_says_why(void **state)
{
	open_default();
	ws_failed("HTTP 403 Forbidden: upgrade is not signed");
	advance(200);
	answer("ResumeSession", NULL, "DoesNotExistException");
	assert_int_equal(u.closed, 1);
	assert_non_null(strstr(u.reason, "DoesNotExistException"));
	assert_non_null(strstr(u.reason, "upgrade is not signed"));
}

/* Retries back off from [100,200) ms to 5 s, within the budget (§8.4). */
static void
test_ssm_chan_resume_backoff_budget(void **state)
{
	struct ssm_chan_params	 p;
	struct fake_call	*call;
	uint64_t		 last, delay, lo = 100;
	int			 attempts = 0, i;

	default_params(&p);
	p.resume_budget = 30000;
	open_with(&p, AGENT_NEW, PROPS_LPF);
	ws_failed("gone");
	last = clock_now_ms();
	for (i = 0; i < 1000 && u.closed == 0; i++) {
		advance(10);
		if ((call = find_call("ResumeSession")) == NULL)
			continue;
		delay = call->at - last;
		if (delay < lo || delay > (lo >= 2500 ? 5000 : 2 * lo) + 10)
			fail_msg("attempt %d after %llu ms (floor %llu)",
			    attempts, (unsigned long long)delay,
			    (unsigned long long)lo);
		lo = lo * 2 > 2500 ? 2500 : lo * 2;
		attempts++;
		/* Half fail in the API, half in the WebSocket. */
		if (attempts % 2)
			answer("ResumeSession", NULL, "ThrottlingException");
		else {
			answer("ResumeSession", "{\"SessionId\":\"x\","
			    "\"TokenValue\":\"t\"}", NULL);
			ws_failed("refused");
		}
		last = clock_now_ms();
		i = 0;
	}
	assert_int_equal(u.closed, 1);
	assert_non_null(strstr(u.reason, "no data channel within 30s"));
	assert_true(attempts >= 8);
	assert_true(clock_now_ms() - T0 <= 30000 + 5000);
	assert_int_equal(count_calls("TerminateSession"), 1);
}

/* The first open: two retries with the same URL and token (§8.2). */
static void
test_ssm_chan_first_connect_retries(void **state)
{
	struct ssm_chan_params	p;

	default_params(&p);
	start_with(&p, STREAM_URL);
	ws_failed("refused");
	advance(200);
	assert_int_equal(fk.nws, 2);
	assert_int_equal(count_calls("ResumeSession"), 0);
	assert_int_equal(u.nevents, 0);
	ws_failed("refused");
	advance(400);
	assert_int_equal(fk.nws, 3);
	assert_int_equal(count_calls("ResumeSession"), 0);
	ws_failed("refused");
	assert_true(user_has_event(SSM_CHAN_EV_RESUMING, "refused"));
	advance(800);
	assert_int_equal(count_calls("ResumeSession"), 1);
	answer("ResumeSession", "{\"SessionId\":\"x\",\"TokenValue\":\"t\"}",
	    NULL);
	assert_int_equal(fk.nws, 4);
	ws_opened();
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_HANDSHAKING);
	/* The handshake's clock started at this first open. */
	agent_hs_request(0, AGENT_NEW, port_action("Port", PROPS_LPF));
	agent_hs_complete(1);
	assert_int_equal(u.opened, 1);
}

/* A silent peer: no ack and nothing heard for ack_timeout: resume. */
static void
test_ssm_chan_ack_timeout_dead_peer(void **state)
{
	struct ssm_chan_params	p;
	int			i;

	default_params(&p);
	p.ack_timeout = 20000;
	open_with(&p, AGENT_NEW, PROPS_LPF);
	user_send(1, 'a');
	/* Data from the agent means it is alive, acks or not. */
	for (i = 0; i < 30; i++) {
		advance_by(1000, 100);
		agent_data(2 + i, "x");
	}
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_OPEN);
	advance_by(19900, 100);
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_OPEN);
	advance_by(200, 100);
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_RESUMING);
	assert_true(user_has_event(SSM_CHAN_EV_RESUMING, "dead peer"));
	assert_true(last_ws()->freed);
	/* Idle with nothing in flight is not dead. */
	teardown(state);
	setup(state);
	open_default();
	advance_by(60000, 1000);
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_OPEN);
	/* The WebSocket's own dead-peer deadline resumes as well. */
	last_ws()->cb.error((struct ws *)last_ws(), WS_ERR_DEAD,
	    "no pong in 60s", last_ws()->arg);
	pump();
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_RESUMING);
}

/*
 * The pure parts.
 */

/* Our acks are byte for byte what ssm_msg_ack_encode writes. */
static void
test_ssm_chan_ack_format(void **state)
{
	static const int64_t	 seqs[] = { 0, 1, 12, 4294967296LL,
	    9007199254740993LL, INT64_MAX };
	struct ssm_msg		 acked;
	struct evbuffer		*b;
	uint8_t			 buf[SSM_CHAN_ACK_MAX], id[UUID_LEN];
	uint8_t			 ack_id[UUID_LEN];
	int64_t			 seq;
	size_t			 i, len;
	char			*cause = NULL;

	for (i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
		util_uuid_v4(id);
		util_uuid_v4(ack_id);
		ssm_msg_init(&acked, SSM_MSG_OUTPUT_STREAM_DATA, seqs[i],
		    SSM_PAYLOAD_OUTPUT, id, WALL0);
		b = evbuffer_new();
		ssm_msg_ack_encode(&acked, ack_id, WALL0, b);
		len = ssm_chan_ack_build(seqs[i], id, ack_id, WALL0, buf);
		assert_int_equal(len, evbuffer_get_length(b));
		assert_memory_equal(buf, evbuffer_pullup(b, -1), len);
		evbuffer_free(b);
		assert_int_equal(ssm_chan_ack_seq(buf + SSM_MSG_HEADER_LEN,
		    len - SSM_MSG_HEADER_LEN, &seq, &cause), 0);
		assert_int_equal(seq, seqs[i]);
	}
}

/* Reading acks: the canonical form and everything else cJSON takes. */
static void
test_ssm_chan_ack_parse(void **state)
{
	static const struct {
		const char	*payload;
		int64_t		 seq;		/* -1: refused */
	} cases[] = {
		{ "{\"AcknowledgedMessageType\":\"input_stream_data\","
		    "\"AcknowledgedMessageId\":\"dd01e56b-ff48-483e-a508-"
		    "b5f073f31b16\",\"AcknowledgedMessageSequenceNumber\":1,"
		    "\"IsSequentialMessage\":true}", 1 },
		{ "{\"AcknowledgedMessageSequenceNumber\":7}", 7 },
		{ "{ \"AcknowledgedMessageType\" : \"input_stream_data\", "
		    "\"AcknowledgedMessageSequenceNumber\": 42 }", 42 },
		{ "{\"AcknowledgedMessageType\":\"input_stream_data\","
		    "\"AcknowledgedMessageId\":\"dd01e56b-ff48-483e-a508-"
		    "b5f073f31b16\",\"AcknowledgedMessageSequenceNumber\":"
		    "9007199254740993,\"IsSequentialMessage\":true}",
		    9007199254740993LL },
		{ "{\"AcknowledgedMessageType\":\"input_stream_data\","
		    "\"AcknowledgedMessageId\":\"dd01e56b-ff48-483e-a508-"
		    "b5f073f31b16\",\"AcknowledgedMessageSequenceNumber\":01,"
		    "\"IsSequentialMessage\":true}", 1 },	/* cJSON: 1 */
		{ "{\"AcknowledgedMessageSequenceNumber\":\"3\"}", -1 },
		{ "{\"acknowledgedmessagesequencenumber\":3}", -1 },
		{ "{\"AcknowledgedMessageSequenceNumber\":-3}", -1 },
		{ "not json", -1 },
		{ "", -1 },
	};
	int64_t	 seq;
	size_t	 i;
	char	*cause;
	int	 rv;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = NULL;
		rv = ssm_chan_ack_seq((const uint8_t *)cases[i].payload,
		    strlen(cases[i].payload), &seq, &cause);
		if (cases[i].seq < 0) {
			assert_int_equal(rv, -1);
			assert_non_null(cause);
			free(cause);
		} else {
			assert_int_equal(rv, 0);
			assert_int_equal(seq, cases[i].seq);
		}
	}
}

/* The rings: holes, wrap-around, the store's bound, the pool. */
static void
test_ssm_chan_rings(void **state)
{
	struct ssm_chan_outq	 q;
	struct ssm_chan_inq	 in;
	struct ssm_msg		 m;
	uint8_t			*buf;
	double			 sample;
	int64_t			 seq;
	int			 i;

	/* Slots come as needed: none at first, then doubling up to max. */
	ssm_chan_outq_init(&q, 1000);
	assert_int_equal(q.size, 0);
	assert_int_equal(ssm_chan_outq_space(&q), 1024);
	for (i = 0; i < 1024; i++) {
		buf = ssm_chan_pool_get(&q.pool, 100);
		buf[0] = (uint8_t)i;
		assert_int_equal(ssm_chan_outq_push(&q, buf, 100, 1), i);
		q.unsent = q.next;
		if (i % 3 == 1)		/* holes across the growths */
			assert_int_equal(ssm_chan_outq_ack(&q, i, 0, &sample),
			    1);
	}
	assert_int_equal(q.size, 1024);
	assert_int_equal(ssm_chan_outq_space(&q), 0);
	for (i = 0; i < 1024; i++) {
		if (i % 3 == 1)
			assert_null(ssm_chan_outq_get(&q, i));
		else
			assert_int_equal(ssm_chan_outq_get(&q, i)->msg[0],
			    (uint8_t)i);
	}
	ssm_chan_outq_clear(&q);

	ssm_chan_outq_init(&q, 8);
	assert_int_equal(q.max, 16);
	/* 0..3 stay unacked while 4..15 come and go out of order. */
	for (i = 0; i < 16; i++) {
		buf = ssm_chan_pool_get(&q.pool, 200);
		seq = ssm_chan_outq_push(&q, buf, 200, 1);
		assert_int_equal(seq, i);
		q.unsent = q.next;
	}
	assert_int_equal(ssm_chan_outq_space(&q), 0);
	for (i = 15; i >= 4; i--) {
		assert_int_equal(ssm_chan_outq_ack(&q, i, 0, &sample), 1);
		assert_int_equal(ssm_chan_outq_ack(&q, i, 0, &sample), 0);
	}
	assert_int_equal(q.count, 4);
	assert_int_equal(q.head, 0);
	assert_int_equal(ssm_chan_outq_space(&q), 0);
	assert_int_equal(ssm_chan_outq_oldest(&q)->len, 200);
	for (i = 3; i >= 1; i--)
		assert_int_equal(ssm_chan_outq_ack(&q, i, 0, &sample), 1);
	assert_int_equal(q.head, 0);
	assert_int_equal(ssm_chan_outq_ack(&q, 0, 0, &sample), 1);
	assert_int_equal(q.head, 16);
	assert_int_equal(ssm_chan_outq_space(&q), 16);
	assert_null(ssm_chan_outq_oldest(&q));
	/* Around the ring many times; an unsent entry takes no ack. */
	for (i = 0; i < 100; i++) {
		buf = ssm_chan_pool_get(&q.pool, 5000);
		seq = ssm_chan_outq_push(&q, buf, 5000, 0);
		assert_int_equal(ssm_chan_outq_ack(&q, seq, 0, &sample), 0);
		q.unsent = q.next;
		assert_int_equal(ssm_chan_outq_ack(&q, seq, 10, &sample), 1);
		assert_float_equal(sample, 10, 1e-9);
	}
	assert_int_equal(q.head, 116);
	ssm_chan_outq_clear(&q);

	ssm_chan_inq_init(&in, 3, 1024 * 1024);
	memset(&m, 0, sizeof m);
	m.payload = (const uint8_t *)"abc";
	m.payload_len = 3;
	for (i = 1; i <= 3; i++) {
		m.seq = i;
		assert_int_equal(ssm_chan_inq_put(&in, &m, 1), 1);
	}
	assert_int_equal(ssm_chan_inq_put(&in, &m, 1), 0);
	m.seq = 4;
	assert_int_equal(ssm_chan_inq_put(&in, &m, 1), -1);	/* full */
	m.seq = 0;
	assert_int_equal(ssm_chan_inq_put(&in, &m, 0), 1);	/* expected */
	m.seq = -1;
	assert_int_equal(ssm_chan_inq_put(&in, &m, 0), -1);
	assert_int_equal(in.count, 4);
	for (i = 0; i <= 3; i++) {
		assert_non_null(ssm_chan_inq_get(&in, i));
		ssm_chan_inq_drop(&in, i);
		in.expected++;
	}
	assert_int_equal(in.count, 0);
	ssm_chan_inq_clear(&in);
}

/* Backoff; URLs; signing. */
static void
test_ssm_chan_helpers(void **state)
{
	static const struct {
		const char	*url;
		int		 presigned;
	} urls[] = {
		{ STREAM_URL, 0 },
		{ "wss://h/p?X-Amz-Algorithm=AWS4-HMAC-SHA256&x=1", 1 },
		{ "wss://h/p?a=1&x-amz-signature=ab", 1 },
		{ "wss://h/p?a=1&X-Amz-Security-Token", 1 },
		{ "wss://h/p?X-Amz-Dates=1", 0 },
		{ "wss://h/p", 0 },
	};
	struct aws_creds	 creds;
	struct aws_sigv4_result	 res;
	uint64_t		 d;
	size_t			 i, j;
	char			*cause = NULL;
	int			 has_auth = 0, has_date = 0;

	for (i = 0; i < 200; i++) {
		d = ssm_chan_backoff(0);
		assert_true(d >= 100 && d < 200);
		d = ssm_chan_backoff(3);
		assert_true(d >= 800 && d < 1600);
		d = ssm_chan_backoff(40);
		assert_true(d >= 2500 && d < 5000);
	}
	for (i = 0; i < sizeof urls / sizeof urls[0]; i++)
		assert_int_equal(ssm_chan_url_presigned(urls[i].url),
		    urls[i].presigned);

	memset(&creds, 0, sizeof creds);
	creds.access_key_id = "AKIDEXAMPLE";
	creds.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	creds.session_token = "tok";
	assert_int_equal(ssm_chan_sign_upgrade(STREAM_URL, NULL, &creds,
	    1700000000, &res, &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(ssm_chan_sign_upgrade(STREAM_URL, "eu-west-1",
	    &creds, 1700000000, &res, &cause), 0);
	for (j = 0; j < res.nadd; j++) {
		if (strcmp(res.add[j].name, "Authorization") == 0) {
			has_auth = 1;
			assert_non_null(strstr(res.add[j].value,
			    "/eu-west-1/ssmmessages/aws4_request"));
		}
		has_date |= strcmp(res.add[j].name, "X-Amz-Date") == 0;
	}
	assert_true(has_auth && has_date);
	aws_sigv4_result_free(&res);
}

/* sign_upgrade: the upgrade carries SigV4 headers unless presigned. */
static void
test_ssm_chan_signed_upgrade(void **state)
{
	struct ssm_chan_params	p;

	default_params(&p);
	p.sign_upgrade = 1;
	chan = ssm_chan_start(&p, &user_cb, NULL);
	answer("StartSession", "{\"SessionId\":\"" SESSION_ID "\","
	    "\"StreamUrl\":\"" STREAM_URL "&X-Amz-Signature=x\","
	    "\"TokenValue\":\"t\"}", NULL);
	assert_int_equal(fk.creds_pending, 0);
	assert_int_equal(fk.nws, 1);
	assert_int_equal(last_ws()->signed_upgrade, 0);
	ssm_chan_free(chan);
	chan = NULL;

	/* Credentials that fail: a failed open, retried like any other. */
	chan = ssm_chan_start(&p, &user_cb, NULL);
	answer("StartSession", "{\"SessionId\":\"" SESSION_ID "\","
	    "\"StreamUrl\":\"" STREAM_URL "\",\"TokenValue\":\"t\"}", NULL);
	assert_int_equal(fk.creds_pending, 1);
	assert_int_equal(fk.nws, 1);
	fk.creds_pending = 0;
	fk.creds_cb(NULL, "unable to locate credentials", fk.creds_arg);
	pump();
	assert_int_equal(ssm_chan_get_state(chan), SSM_CHAN_CONNECTING);
	advance(200);
	assert_int_equal(fk.creds_pending, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_ssm_chan_handshake_happy_path),
		T(test_ssm_chan_handshake_failures),
		T(test_ssm_chan_no_data_before_handshake_complete),
		T(test_ssm_chan_receive_in_order_ahead_duplicate),
		T(test_ssm_chan_receive_bad_digest),
		T(test_ssm_chan_out_of_order_bound),
		T(test_ssm_chan_out_of_order_bytes),
		T(test_ssm_chan_consumer_not_ready),
		T(test_ssm_chan_consumer_not_ready_resend),
		T(test_ssm_chan_delivery_without_ack),
		T(test_ssm_chan_window_and_writable),
		T(test_ssm_chan_rto_arithmetic),
		T(test_ssm_chan_resend_timing),
		T(test_ssm_chan_pacing),
		T(test_ssm_chan_status),
		T(test_ssm_chan_give_up),
		T(test_ssm_chan_pause_publication),
		T(test_ssm_chan_hold_batches_paced_bulk),
		T(test_ssm_chan_hold_ends_with_the_read),
		T(test_ssm_chan_hold_leaves_fast_flows_alone),
		T(test_ssm_chan_hold_grows_below_the_agents_timeout),
		T(test_ssm_chan_fast_flow_reads_in_batches),
		T(test_ssm_chan_flags),
		T(test_ssm_chan_channel_closed),
		T(test_ssm_chan_terminate_new_agent),
		T(test_ssm_chan_terminate_old_agent),
		T(test_ssm_chan_flags_leave_room_to_close),
		T(test_ssm_chan_terminate_early_and_free),
		T(test_ssm_chan_stream_url_checks),
		T(test_ssm_chan_resume_resends_all),
		T(test_ssm_chan_resume_answers),
		T(test_ssm_chan_resume_refused_upgrade),
		T(test_ssm_chan_resume_refused_after_upgrade),
		T(test_ssm_chan_resume_ended_says_why),
		T(test_ssm_chan_resume_backoff_budget),
		T(test_ssm_chan_first_connect_retries),
		T(test_ssm_chan_ack_timeout_dead_peer),
		T(test_ssm_chan_ack_format),
		T(test_ssm_chan_ack_parse),
		T(test_ssm_chan_rings),
		T(test_ssm_chan_helpers),
		T(test_ssm_chan_signed_upgrade),
		T(test_ssm_chan_host_partitions),
#undef T
	};

	log_init("test_ssm_chan", LOG_LEVEL_WARN);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
