/*
 * dcclient: a minimal, strict data-channel client that drives awsemu's
 * agent side and checks what it does (see dcclient.h; the scenarios are
 * in dcclient_cases.c).
 *
 * dcclient -e ENDPOINT -a ADMIN [-v] CASE [ARGS...]
 *
 *   ENDPOINT	the API URL (https://127.0.0.1:PORT); AWS_CA_BUNDLE and the
 *		usual AWS_* variables as for gatewayd
 *   ADMIN	the admin endpoint (http://127.0.0.1:PORT/_emu)
 *
 * Prints "ok: ..." lines and exits 0, or prints "FAIL: ..." and exits 1.
 * Every agent message is checked as it arrives: it decodes by the rules
 * of ssm-data-channel.md 4.7, sequenced messages carry Flags 1 exactly on
 * sequence 0, a resend carries the same id, date and digest as the first
 * copy, acknowledges name a message we sent by its type, id and number,
 * channel_closed names the session and the target.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <cjson/cJSON.h>

#include "aws.h"
#include "aws_creds.h"
#include "aws_sigv4.h"
#include "aws_ssm.h"
#include "dcclient.h"
#include "log.h"
#include "ssm_chan_int.h"
#include "ssm_smux.h"
#include "tls.h"
#include "util.h"
#include "ws.h"
#include "ws_fault.h"
#include "xmalloc.h"

int	main(int, char **);

void
dcc_fail(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stdout, "FAIL: %s: ", dcc_env.casename != NULL ?
	    dcc_env.casename : "dcclient");
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fprintf(stdout, "\n");
	fflush(stdout);
	exit(1);
}

void
dcc_ok(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stdout, "ok: %s: ", dcc_env.casename);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fprintf(stdout, "\n");
	fflush(stdout);
}

/* ------------------------------------------------------ client objects */

static void	dcc_resend_cb(evutil_socket_t, short, void *);

/* A client object for a session (not connected). */
static struct dcc *
dcc_new(const char *sid, const char *token, const char *url,
    const char *target)
{
	struct dcc	*c;
	struct timeval	 tv = { 0, 100000 };
	uint8_t		 id[UUID_LEN];

	c = xcalloc(1, sizeof *c);
	c->sid = xstrdup(sid);
	c->token = xstrdup(token);
	c->url = xstrdup(url);
	c->target = xstrdup(target);
	util_uuid_v4(id);
	util_uuid_format(id, c->client_id);
	c->client_version = DCC_CLIENT_VERSION;
	c->auto_ack = 1;
	c->auto_resend = 1;
	TAILQ_INIT(&c->log);
	c->stream = evbuffer_new();
	c->resend = event_new(dcc_env.base, -1, EV_PERSIST, dcc_resend_cb, c);
	evtimer_add(c->resend, &tv);
	return (c);
}

struct dcc *
dcc_start(const char *target, const char *doc, const char *params)
{
	struct aws_ssm_session	 s;
	struct dcc		*c;
	char			*error;

	if (dcc_api_start(target, doc, params, &s, &error) != 0)
		dcc_fail("StartSession %s: %s", target, error);
	c = dcc_new(s.session_id, s.token_value, s.stream_url, target);
	aws_ssm_session_clear(&s);
	return (c);
}

/* Another client object on the same session (same id, token, ClientId). */
struct dcc *
dcc_clone(struct dcc *c)
{
	struct dcc	*n = dcc_new(c->sid, c->token, c->url, c->target);

	memcpy(n->client_id, c->client_id, sizeof n->client_id);
	n->client_version = c->client_version;
	n->sign = c->sign;
	n->sign_creds = c->sign_creds;
	n->sign_region = c->sign_region;
	return (n);
}

/* Send again every message of ours not yet acknowledged (after a resume). */
void
dcc_resend_all(struct dcc *c)
{
	size_t	i;

	for (i = 0; i < c->nout; i++) {
		if (c->out[i].acks == 0 && !c->out[i].no_resend)
			dcc_xmit(c, (int64_t)i);
	}
}

/* After the WebSocket went: ResumeSession, reconnect, resend. */
void
dcc_recover(struct dcc *c)
{
	dcc_resume(c);
	if (dcc_connect(c, NULL) != 0)
		dcc_fail("reconnect after resume: %s", c->close_reason);
	dcc_resend_all(c);
}

void
dcc_free(struct dcc *c)
{
	struct dcc_rx	*rx;
	size_t		 i;

	ws_free(c->ws);
	event_free(c->resend);
	while ((rx = TAILQ_FIRST(&c->log)) != NULL) {
		TAILQ_REMOVE(&c->log, rx, entry);
		free(rx->buf);
		free(rx);
	}
	for (i = 0; i < c->nseen; i++) {
		if (c->seen[i].ahead != NULL) {
			free(c->seen[i].ahead->buf);
			free(c->seen[i].ahead);
		}
	}
	free(c->seen);
	for (i = 0; i < c->nout; i++)
		free(c->out[i].buf);
	free(c->out);
	for (i = 0; i < DCC_MAX_STREAMS; i++) {
		if (c->streams[i].in != NULL)
			evbuffer_free(c->streams[i].in);
	}
	smux_free(c->smux);
	evbuffer_free(c->stream);
	if (c->got_hreq)
		ssm_handshake_request_clear(&c->hreq);
	if (c->got_hc)
		ssm_handshake_complete_clear(&c->hc);
	if (c->got_cc)
		ssm_msg_channel_closed_clear(&c->cc);
	free(c->hreq_json);
	free(c->sid);
	freezero_str(c->token);
	free(c->url);
	free(c->target);
	free(c);
}

struct dcc_seen *
dcc_seen(struct dcc *c, int64_t seq)
{
	if ((size_t)seq >= c->nseen) {
		c->seen = xreallocarray(c->seen, seq + 1024, sizeof *c->seen);
		memset(c->seen + c->nseen, 0, (seq + 1024 - c->nseen) *
		    sizeof *c->seen);
		c->nseen = seq + 1024;
	}
	return (&c->seen[seq]);
}

/* --------------------------------------------------------- what we send */

static void
dcc_resend_cb(evutil_socket_t fd, short events, void *arg)
{
	struct dcc	*c = arg;
	uint64_t	 now = clock_now_ms();
	size_t		 i;
	u_int		 n = 0;

	if (!c->auto_resend || c->wstate != DCC_WS_OPEN)
		return;
	for (i = c->out_low; i < c->nout && n < 64; i++) {
		if (c->out[i].acks > 0 || c->out[i].sent_ms == 0 ||
		    c->out[i].no_resend || now - c->out[i].sent_ms < 300)
			continue;
		dcc_xmit(c, (int64_t)i);
		n++;
	}
}

int64_t
dcc_build(struct dcc *c, uint32_t payload_type, const void *data, size_t len)
{
	struct ssm_msg	 m;
	struct evbuffer	*b = evbuffer_new();
	struct dcc_out	*o;
	char		*cause = NULL;
	int64_t		 seq = c->next_seq++;

	c->out = xreallocarray(c->out, c->nout + 1, sizeof *c->out);
	o = &c->out[c->nout++];
	memset(o, 0, sizeof *o);
	util_uuid_v4(o->id);
	ssm_msg_init(&m, SSM_MSG_INPUT_STREAM_DATA, seq, payload_type, o->id,
	    clock_wall_ms());
	m.payload = data;
	m.payload_len = len;
	if (ssm_msg_encode(&m, b, &cause) != 0)
		dcc_fail("encode: %s", cause);
	o->len = evbuffer_get_length(b);
	o->buf = xmalloc(o->len);
	evbuffer_remove(b, o->buf, o->len);
	evbuffer_free(b);
	return (seq);
}

void
dcc_xmit(struct dcc *c, int64_t seq)
{
	struct dcc_out	*o = &c->out[seq];

	if (c->wstate != DCC_WS_OPEN || o->buf == NULL)
		return;
	if (ws_send_binary(c->ws, o->buf, o->len) != 0 && c->wstate ==
	    DCC_WS_OPEN)
		dcc_fail("send: WebSocket refused message %lld",
		    (long long)seq);
	o->sent_ms = clock_now_ms();
}

int64_t
dcc_send(struct dcc *c, uint32_t payload_type, const void *data, size_t len)
{
	int64_t	seq = dcc_build(c, payload_type, data, len);

	dcc_xmit(c, seq);
	return (seq);
}

int64_t
dcc_send_flag(struct dcc *c, uint32_t flag)
{
	uint8_t	payload[4];

	ssm_msg_flag_payload(flag, payload);
	return (dcc_send(c, SSM_PAYLOAD_FLAG, payload, sizeof payload));
}

void
dcc_ack(struct dcc *c, const struct ssm_msg *m)
{
	struct evbuffer	*b = evbuffer_new();
	uint8_t		 id[UUID_LEN];

	util_uuid_v4(id);
	ssm_msg_ack_encode(m, id, clock_wall_ms(), b);
	ws_send_buffer(c->ws, WS_BINARY, b);
	evbuffer_free(b);
}

/* Acknowledge the agent's message seq from what we saw of it. */
void
dcc_ack_seq(struct dcc *c, int64_t seq)
{
	struct dcc_seen	*s = dcc_seen(c, seq);
	struct ssm_msg	 m;

	if (s->copies == 0)
		dcc_fail("ack of %lld, which never came", (long long)seq);
	ssm_msg_init(&m, SSM_MSG_OUTPUT_STREAM_DATA, seq, s->payload_type,
	    s->id, s->created);
	dcc_ack(c, &m);
}

struct dcc_acked {
	struct dcc	*c;
	int64_t		 seq;
	u_int		 n;
};

static int
dcc_acked(void *arg)
{
	struct dcc_acked	*w = arg;

	return (w->c->out[w->seq].acks >= w->n);
}

int
dcc_wait_acked(struct dcc *c, int64_t seq, u_int n, u_int ms)
{
	struct dcc_acked	w = { c, seq, n };

	return (dcc_wait(dcc_acked, &w, ms));
}

/* ------------------------------------------------------ what we receive */

static void
dcc_smux_cb(struct smux *s, const struct smux_event *ev, void *arg)
{
	struct dcc		*c = arg;
	struct dcc_stream	*st;

	if (ev->type == SMUX_EV_NOP) {
		c->rx_nops++;
		return;
	}
	if ((st = dcc_mux_stream(c, ev->sid)) == NULL)
		dcc_fail("smux: event for unknown stream %u", ev->sid);
	if (ev->type == SMUX_EV_DATA)
		evbuffer_add(st->in, ev->data, ev->len);
	else if (ev->type == SMUX_EV_FIN) {
		st->fin = 1;
		st->fin_seq = c->cur_seq;
	} else if (ev->type == SMUX_EV_REFUSED)
		dcc_fail("smux: the agent opened stream %u", ev->sid);
}

/* An agent stream message whose turn has come. */
static void
dcc_deliver(struct dcc *c, const struct ssm_msg *m)
{
	char		*cause = NULL;
	uint32_t	 flag;

	switch (m->payload_type) {
	case SSM_PAYLOAD_HANDSHAKE_REQUEST:
		if (c->got_hreq)
			dcc_fail("a second HandshakeRequest (seq %lld)",
			    (long long)m->seq);
		if (ssm_handshake_request_parse(m->payload, m->payload_len,
		    &c->hreq, &cause) != 0)
			dcc_fail("HandshakeRequest: %s", cause);
		c->hreq_json = xstrndup((const char *)m->payload,
		    m->payload_len);
		c->got_hreq = 1;
		break;
	case SSM_PAYLOAD_HANDSHAKE_COMPLETE:
		if (ssm_handshake_complete_parse(m->payload, m->payload_len,
		    &c->hc, &cause) != 0)
			dcc_fail("HandshakeComplete: %s", cause);
		c->got_hc = 1;
		break;
	case SSM_PAYLOAD_FLAG:
		if (ssm_msg_flag_parse(m->payload, m->payload_len, &flag,
		    &cause) != 0)
			dcc_fail("flag: %s", cause);
		if (flag != SSM_FLAG_CONNECT_TO_PORT_ERROR)
			dcc_fail("agent sent flag %u", flag);
		if (c->nflags < nitems(c->flag_seq))
			c->flag_seq[c->nflags++] = m->seq;
		break;
	case SSM_PAYLOAD_OUTPUT:
		if (!c->got_hc)
			dcc_fail("Output (seq %lld) before HandshakeComplete",
			    (long long)m->seq);
		if (c->mux) {
			c->cur_seq = m->seq;
			if (smux_input(c->smux, m->payload, m->payload_len,
			    &cause) != 0)
				dcc_fail("smux from the agent: %s", cause);
		} else
			evbuffer_add(c->stream, m->payload, m->payload_len);
		break;
	default:
		dcc_fail("agent sent payload type %u", m->payload_type);
	}
}

/* output_stream_data: check, ack, then deliver in order. */
static void
dcc_rx_stream(struct dcc *c, struct dcc_rx *rx)
{
	const struct ssm_msg	*m = &rx->m;
	struct dcc_seen		*s;
	struct dcc_rx		*next;
	struct ssm_msg		 nm;

	if (m->flags != (m->seq == 0 ? SSM_MSG_FLAG_SYN : 0))
		dcc_fail("seq %lld: Flags %llu", (long long)m->seq,
		    (unsigned long long)m->flags);
	if (m->schema_version != 1 || m->created_date + 600000 <
	    clock_wall_ms() || m->created_date > clock_wall_ms() + 600000)
		dcc_fail("seq %lld: schema %u or date %llu", (long long)m->seq,
		    m->schema_version, (unsigned long long)m->created_date);
	s = dcc_seen(c, m->seq);
	if (s->copies++ == 0) {
		memcpy(s->id, m->id, UUID_LEN);
		memcpy(s->digest, m->digest, SHA256_LEN);
		s->created = m->created_date;
		s->payload_type = m->payload_type;
	} else {
		c->rx_dups++;
		if (memcmp(s->id, m->id, UUID_LEN) != 0 ||
		    memcmp(s->digest, m->digest, SHA256_LEN) != 0 ||
		    s->created != m->created_date)
			dcc_fail("seq %lld resent with another id, digest or "
			    "date", (long long)m->seq);
	}
	if (c->auto_ack)
		dcc_ack(c, m);
	if (m->seq < c->expected || s->ahead != NULL)
		goto free;
	if (m->seq > c->expected) {
		s->ahead = rx;
		return;
	}
	dcc_deliver(c, m);
	c->expected++;
	while ((size_t)c->expected < c->nseen &&
	    (next = c->seen[c->expected].ahead) != NULL) {
		c->seen[c->expected].ahead = NULL;
		ssm_msg_decode(next->buf, next->len, &nm, NULL);
		dcc_deliver(c, &nm);
		c->expected++;
		free(next->buf);
		free(next);
	}
free:
	free(rx->buf);
	free(rx);
}

static void
dcc_rx_ack(struct dcc *c, const struct ssm_msg *m)
{
	struct ssm_ack	 ack;
	char		*cause = NULL, idtext[UUID_STR_LEN];

	if (m->seq != 0 || m->flags != 3 || m->payload_type != 0)
		dcc_fail("acknowledge: seq %lld, Flags %llu, type %u",
		    (long long)m->seq, (unsigned long long)m->flags,
		    m->payload_type);
	if (ssm_msg_ack_parse(m->payload, m->payload_len, &ack, &cause) != 0)
		dcc_fail("acknowledge: %s", cause);
	if (ack.seq < 0 || (size_t)ack.seq >= c->nout ||
	    c->out[ack.seq].sent_ms == 0)
		dcc_fail("acknowledge of %lld, which we never sent",
		    (long long)ack.seq);
	util_uuid_format(c->out[ack.seq].id, idtext);
	if (strcmp(ack.type_name, "input_stream_data") != 0 ||
	    strcmp(ack.id, idtext) != 0 || !ack.sequential)
		dcc_fail("acknowledge of %lld: type %s, id %s, sequential %d",
		    (long long)ack.seq, ack.type_name, ack.id, ack.sequential);
	if (c->out[ack.seq].acks++ == 0)
		c->rx_acked++;
	c->rx_acks++;
	while (c->out_low < c->nout && c->out[c->out_low].acks > 0)
		c->out_low++;
	if (c->quiet) {
		free(c->out[ack.seq].buf);
		c->out[ack.seq].buf = NULL;
	}
}

static void
dcc_rx_closed(struct dcc *c, const struct ssm_msg *m)
{
	char	*cause = NULL;

	if (c->got_cc)
		dcc_fail("a second channel_closed");
	if (ssm_msg_channel_closed_parse(m->payload, m->payload_len, &c->cc,
	    &cause) != 0)
		dcc_fail("channel_closed: %s", cause);
	c->got_cc = 1;
	if (strcmp(c->cc.session_id, c->sid) != 0 ||
	    strcmp(c->cc.destination_id, c->target) != 0 ||
	    strcmp(c->cc.message_type, "channel_closed") != 0 ||
	    c->cc.schema_version != 1)
		dcc_fail("channel_closed: session %s, destination %s, type %s, "
		    "schema %lld", c->cc.session_id, c->cc.destination_id,
		    c->cc.message_type, (long long)c->cc.schema_version);
}

/* Publication messages: every header field zero but the type. */
static void
dcc_rx_publication(struct dcc *c, const struct ssm_msg *m)
{
	static const uint8_t	zero[UUID_LEN];

	if (m->created_date != 0 || memcmp(m->id, zero, UUID_LEN) != 0 ||
	    m->seq != 0)
		dcc_fail("%s with fields that are not zero", m->type_name);
	if (m->type == SSM_MSG_PAUSE_PUBLICATION)
		c->pauses++;
	else
		c->starts++;
}

static void
dcc_message_cb(struct ws *ws, enum ws_type type, const uint8_t *data,
    size_t len, void *arg)
{
	struct dcc	*c = arg;
	struct dcc_rx	*rx;
	char		*cause = NULL;

	rx = xcalloc(1, sizeof *rx);
	rx->text = type == WS_TEXT;
	rx->buf = xmalloc(len + 1);
	memcpy(rx->buf, data, len);
	rx->len = len;
	if (rx->text) {
		c->rx_text++;
		if (!c->expect_bad)
			dcc_fail("text frame from the agent");
	} else if (ssm_msg_decode(rx->buf, len, &rx->m, &cause) != 0) {
		rx->bad = 1;
		c->rx_bad++;
		if (!c->expect_bad)
			dcc_fail("bad frame: %s", cause);
		free(cause);
	} else if (rx->m.type == SSM_MSG_OUTPUT_STREAM_DATA) {
		c->rx_msgs++;
		dcc_rx_stream(c, rx);
		return;
	} else if (rx->m.type == SSM_MSG_ACKNOWLEDGE) {
		dcc_rx_ack(c, &rx->m);
		if (c->quiet) {
			free(rx->buf);
			free(rx);
			return;
		}
	} else if (rx->m.type == SSM_MSG_CHANNEL_CLOSED)
		dcc_rx_closed(c, &rx->m);
	else if (rx->m.type == SSM_MSG_START_PUBLICATION ||
	    rx->m.type == SSM_MSG_PAUSE_PUBLICATION)
		dcc_rx_publication(c, &rx->m);
	else {
		c->rx_unknown++;
		if (!c->expect_bad)
			dcc_fail("message of type %s", rx->m.type_name);
	}
	TAILQ_INSERT_TAIL(&c->log, rx, entry);
	c->nlog++;
}

/* ------------------------------------------------------------ WebSocket */

static void
dcc_ws_open_cb(struct ws *ws, void *arg)
{
	((struct dcc *)arg)->wstate = DCC_WS_OPEN;
}

static void
dcc_ws_close_cb(struct ws *ws, uint16_t code, const char *reason, int clean,
    void *arg)
{
	struct dcc	*c = arg;

	c->wstate = DCC_WS_CLOSED;
	c->close_code = code;
	strlcpy(c->close_reason, reason, sizeof c->close_reason);
}

static void
dcc_ws_error_cb(struct ws *ws, enum ws_error err, const char *cause,
    void *arg)
{
	struct dcc	*c = arg;

	if (dcc_env.verbose)
		fprintf(stderr, "dcclient: ws: %s\n", cause);
	c->wstate = DCC_WS_CLOSED;
	c->close_code = 0;
	if (err == WS_ERR_HTTP)
		c->http_status = ws_get_http_status(ws);
	strlcpy(c->close_reason, cause, sizeof c->close_reason);
}

static const struct ws_cb dcc_ws_cb = {
	.open = dcc_ws_open_cb,
	.message = dcc_message_cb,
	.close = dcc_ws_close_cb,
	.error = dcc_ws_error_cb,
};

static int
dcc_ws_settled(void *arg)
{
	return (((struct dcc *)arg)->wstate != DCC_WS_OPENING);
}

static int
dcc_ws_closed(void *arg)
{
	return (((struct dcc *)arg)->wstate == DCC_WS_CLOSED);
}

/*
 * Sign the upgrade of c->url as c->sign says, with c->sign_creds or the
 * API calls' credentials now, for c->sign_region or the API calls'
 * region: the headers to add are in res. DCC_SIGN_PLUS
 * signs the URL with every raw '+' written %2B, a client that reads the
 * query as API calls do and not as a form: the service computes %20.
 */
static void
dcc_sign(struct dcc *c, struct aws_sigv4_result *res)
{
	struct aws_creds	 own;
	const struct aws_creds	*creds = c->sign_creds;
	struct evbuffer		*b;
	char			*url, *cause = NULL;
	const char		*p, *q = strchr(c->url, '?');

	memset(res, 0, sizeof *res);
	if (c->sign == DCC_SIGN_NONE)
		return;
	if (creds == NULL) {
		dcc_env_creds(&own);
		creds = &own;
	}
	b = evbuffer_new();
	for (p = c->url; c->sign == DCC_SIGN_PLUS && *p != '\0'; p++) {
		if (*p == '+' && q != NULL && p > q)
			evbuffer_add(b, "%2B", 3);
		else
			evbuffer_add(b, p, 1);
	}
	evbuffer_add(b, "", 1);
	url = c->sign == DCC_SIGN_PLUS ? (char *)evbuffer_pullup(b, -1) :
	    c->url;
	if (ssm_chan_sign_upgrade(url, c->sign_region != NULL ?
	    c->sign_region : dcc_env_region(), creds,
	    (time_t)(clock_wall_ms() / 1000), res, &cause) != 0)
		dcc_fail("signing the upgrade: %s", cause);
	evbuffer_free(b);
	if (creds == &own)
		aws_creds_clear(&own);
}

/* Open a WebSocket to the StreamUrl; 0 once open. */
static int
dcc_ws_open(struct dcc *c)
{
	struct ws_options	 opts;
	struct aws_sigv4_result	 res;
	char			*cause = NULL;

	if (c->ws != NULL)
		ws_free(c->ws);
	memset(&opts, 0, sizeof opts);
	dcc_sign(c, &res);
	opts.headers = (const struct ws_header *)res.add;
	opts.nheaders = res.nadd;
	opts.flags = WS_ALLOW_PLAIN | WS_NO_PING;
	if (c->ping_ms != 0) {
		/* Pings to count pongs; no dead-peer verdict of our own. */
		opts.flags &= ~WS_NO_PING;
		opts.ping_interval_ms = c->ping_ms;
		opts.pong_timeout_ms = 600000;
	}
	opts.tls = dcc_env.tls;
	c->wstate = DCC_WS_OPENING;
	c->close_code = 0;
	c->close_reason[0] = '\0';
	c->http_status = 0;
	c->ws = ws_client_new(dcc_env.base, c->url, &opts, &dcc_ws_cb, c,
	    &cause);
	aws_sigv4_result_free(&res);
	if (c->ws == NULL)
		dcc_fail("ws: %s", cause);
	c->connects++;
	if (!dcc_wait(dcc_ws_settled, c, DCC_WAIT))
		dcc_fail("ws: not open after %d ms", DCC_WAIT);
	return (c->wstate == DCC_WS_OPEN ? 0 : -1);
}

int
dcc_connect_raw(struct dcc *c, int text, const void *first, size_t len)
{
	if (dcc_ws_open(c) != 0)
		return (-1);
	if ((text ? ws_send_text(c->ws, first, len) :
	    ws_send_binary(c->ws, first, len)) != 0)
		dcc_fail("ws: cannot send the first frame");
	return (0);
}

int
dcc_connect(struct dcc *c, const char *token)
{
	struct ssm_open_data_channel	 odc;
	struct evbuffer			*b = evbuffer_new();
	uint8_t				 id[UUID_LEN];
	char				 rid[UUID_STR_LEN];
	int				 rv;

	util_uuid_v4(id);
	util_uuid_format(id, rid);
	memset(&odc, 0, sizeof odc);
	odc.schema_version = (char *)"1.0";
	odc.request_id = rid;
	odc.token = (char *)(token != NULL ? token : c->token);
	odc.client_id = c->client_id;
	odc.client_version = (char *)c->client_version;
	ssm_handshake_open_write(&odc, b);
	rv = dcc_connect_raw(c, 1, evbuffer_pullup(b, -1),
	    evbuffer_get_length(b));
	evbuffer_free(b);
	return (rv);
}

int
dcc_wait_closed(struct dcc *c, u_int ms)
{
	if (!dcc_wait(dcc_ws_closed, c, ms))
		dcc_fail("WebSocket still open after %u ms", ms);
	return (c->close_code);
}

void
dcc_drop(struct dcc *c)
{
	ws_abort(c->ws);
	ws_free(c->ws);
	c->ws = NULL;
	c->wstate = DCC_WS_CLOSED;
}

/* -------------------------------------------------------------- waiting */

struct dcc_next {
	struct dcc	*c;
	struct dcc_rx	*after;
	int		 type;
	struct dcc_rx	*found;
};

static int
dcc_next_found(void *arg)
{
	struct dcc_next	*w = arg;
	struct dcc_rx	*rx;

	rx = w->after == NULL ? TAILQ_FIRST(&w->c->log) :
	    TAILQ_NEXT(w->after, entry);
	for (; rx != NULL; rx = TAILQ_NEXT(rx, entry)) {
		if (w->type < 0 || (!rx->bad && !rx->text &&
		    (int)rx->m.type == w->type)) {
			w->found = rx;
			return (1);
		}
	}
	return (0);
}

struct dcc_rx *
dcc_next(struct dcc *c, struct dcc_rx *after, int type, u_int ms)
{
	struct dcc_next	w = { c, after, type, NULL };

	dcc_wait(dcc_next_found, &w, ms);
	return (w.found);
}

static int
dcc_got_hreq(void *arg)
{
	return (((struct dcc *)arg)->got_hreq);
}

static int
dcc_got_hc(void *arg)
{
	return (((struct dcc *)arg)->got_hc);
}

int64_t
dcc_answer(struct dcc *c, const char *client_version)
{
	struct ssm_handshake_response	 resp;
	struct evbuffer			*b = evbuffer_new();
	int64_t				 seq;

	if (!dcc_wait(dcc_got_hreq, c, DCC_WAIT))
		dcc_fail("no HandshakeRequest");
	ssm_handshake_answer(&c->hreq, client_version, &resp);
	ssm_handshake_response_write(&resp, b);
	ssm_handshake_response_clear(&resp);
	seq = dcc_send(c, SSM_PAYLOAD_HANDSHAKE_RESPONSE,
	    evbuffer_pullup(b, -1), evbuffer_get_length(b));
	evbuffer_free(b);
	return (seq);
}

void
dcc_handshake(struct dcc *c, const char *client_version)
{
	dcc_answer(c, client_version);
	if (!dcc_wait(dcc_got_hc, c, DCC_WAIT))
		dcc_fail("no HandshakeComplete");
}

struct dcc_bytes {
	struct evbuffer	*b;
	size_t		 n;
};

static int
dcc_has_bytes(void *arg)
{
	struct dcc_bytes	*w = arg;

	return (evbuffer_get_length(w->b) >= w->n);
}

int
dcc_wait_bytes(struct dcc *c, size_t n, u_int ms)
{
	struct dcc_bytes	w = { c->stream, n };

	return (dcc_wait(dcc_has_bytes, &w, ms));
}

static int
dcc_got_cc(void *arg)
{
	return (((struct dcc *)arg)->got_cc);
}

int
dcc_wait_hc(struct dcc *c, u_int ms)
{
	return (dcc_wait(dcc_got_hc, c, ms));
}

int
dcc_wait_cc(struct dcc *c, u_int ms)
{
	return (dcc_wait(dcc_got_cc, c, ms));
}

/* ------------------------------------------------------------------ mux */

void
dcc_mux_start(struct dcc *c)
{
	c->mux = 1;
	c->smux = smux_new(SMUX_CLIENT, dcc_smux_cb, c);
}

/* Send whatever smux has queued, 1024 bytes a message. */
static void
dcc_mux_flush(struct dcc *c)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 n;

	while ((n = smux_output(c->smux, b, SSM_MSG_CHUNK)) > 0) {
		dcc_send(c, SSM_PAYLOAD_OUTPUT, evbuffer_pullup(b, n), n);
		evbuffer_drain(b, n);
	}
	evbuffer_free(b);
}

uint32_t
dcc_mux_open(struct dcc *c)
{
	uint32_t	sid = smux_open(c->smux);
	size_t		i;

	for (i = 0; i < DCC_MAX_STREAMS; i++) {
		if (c->streams[i].in == NULL) {
			c->streams[i].sid = sid;
			c->streams[i].in = evbuffer_new();
			break;
		}
	}
	if (sid == 0 || i == DCC_MAX_STREAMS)
		dcc_fail("smux: cannot open a stream");
	dcc_mux_flush(c);
	return (sid);
}

void
dcc_mux_write(struct dcc *c, uint32_t sid, const void *buf, size_t len)
{
	if (smux_write(c->smux, sid, buf, len) != 0)
		dcc_fail("smux: stream %u is not open", sid);
	dcc_mux_flush(c);
}

void
dcc_mux_close(struct dcc *c, uint32_t sid)
{
	smux_close(c->smux, sid);
	dcc_mux_flush(c);
}

void
dcc_mux_nop(struct dcc *c)
{
	smux_nop(c->smux);
	dcc_mux_flush(c);
}

struct dcc_stream *
dcc_mux_stream(struct dcc *c, uint32_t sid)
{
	size_t	i;

	for (i = 0; i < DCC_MAX_STREAMS; i++) {
		if (c->streams[i].in != NULL && c->streams[i].sid == sid)
			return (&c->streams[i]);
	}
	return (NULL);
}

int
dcc_mux_wait(struct dcc *c, uint32_t sid, size_t n, u_int ms)
{
	struct dcc_bytes	w = { dcc_mux_stream(c, sid)->in, n };

	return (dcc_wait(dcc_has_bytes, &w, ms));
}

static int
dcc_stream_fin(void *arg)
{
	return (((struct dcc_stream *)arg)->fin);
}

int
dcc_mux_wait_fin(struct dcc *c, uint32_t sid, u_int ms)
{
	return (dcc_wait(dcc_stream_fin, dcc_mux_stream(c, sid), ms));
}

/* ----------------------------------------------------------------- main */

static void __attribute__((noreturn))
dcc_usage(void)
{
	fprintf(stderr, "usage: dcclient -e endpoint -a admin [-v] case "
	    "[args...]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char	*endpoint = NULL, *admin = NULL;
	int		 ch, rv;

	while ((ch = getopt(argc, argv, "a:e:v")) != -1) {
		switch (ch) {
		case 'a':
			admin = optarg;
			break;
		case 'e':
			endpoint = optarg;
			break;
		case 'v':
			dcc_env.verbose = 1;
			break;
		default:
			dcc_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || endpoint == NULL || admin == NULL)
		dcc_usage();
	log_init("dcclient", dcc_env.verbose ? LOG_LEVEL_DEBUG :
	    LOG_LEVEL_WARN);
	signal(SIGPIPE, SIG_IGN);
	dcc_env_init(endpoint, admin);
	dcc_pattern_init();
	dcc_env.casename = argv[0];
	rv = dcc_run_case(argv[0], argc - 1, argv + 1);
	dcc_env_free();
	return (rv);
}
