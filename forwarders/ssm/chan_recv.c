/*
 * What the data channel receives (ssm-data-channel.md §4.7, §5, §6.3,
 * §6.6, §7.5): one agent message per WebSocket binary message, decoded,
 * then acks matched to the outgoing buffer, stream messages acked and put
 * in order (the handshake, Output for the user, flags), publication
 * control and channel_closed. Delivery and the expected counter never
 * depend on whether an ack could be written.
 *
 * What is received is bounded in bytes: the consumer's refusal stops the
 * reading of the WebSocket (below), the store ahead of expected holds at
 * most max_out_of_order_bytes, and what it cannot hold is not
 * acknowledged (§6.3: the agent resends it).
 */

#include <sys/types.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>

#include "log.h"
#include "ssm_chan_int.h"
#include "ssm_handshake.h"
#include "ssm_version.h"
#include "xmalloc.h"

/* What processing a stream message came to. */
#define CHAN_TAKEN	1
#define CHAN_NOT_READY	0
#define CHAN_GONE	-1	/* freed or closed: touch nothing more */

static int
chan_gone(struct ssm_chan *c)
{
	return (c->freed || c->state == SSM_CHAN_CLOSED);
}

static void
chan_write_ack(struct ssm_chan *c, int64_t seq, const uint8_t id[UUID_LEN])
{
	uint8_t	buf[SSM_CHAN_ACK_MAX], ack_id[UUID_LEN];
	size_t	len;

	util_uuid_v4(ack_id);
	len = ssm_chan_ack_build(seq, id, ack_id, clock_wall_ms(), buf);
	if (ssm_chan_ws_send(c, WS_BINARY, buf, len) == 0)
		c->acks_out++;
}

void
ssm_chan_flush_acks(struct ssm_chan *c)
{
	size_t	i, n = c->nacks_held;

	c->nacks_held = 0;
	c->acks_due = 0;
	for (i = 0; i < n && c->ws_up; i++)
		chan_write_ack(c, c->acks_held[i].seq, c->acks_held[i].id);
}

/*
 * The ack about to go: what the agent will measure for it (§6.5), as far
 * as we know. Read at once, nearly nothing; read after a hold, the
 * messages are taken to have come evenly during it, oldest first.
 */
static void
chan_agent_sample(struct ssm_chan *c)
{
	double	sample = 0;

	if (c->hold_took != 0 && c->batch_k < c->batch_n) {
		sample = (double)c->hold_took * (double)(c->batch_n -
		    c->batch_k) / (double)c->batch_n;
		if (++c->batch_k == c->batch_n)
			c->hold_took = 0;
	}
	ssm_chan_rtt_sample(&c->agent_rtt, sample);
}

/*
 * How long the next hold may last: a margin short of the agent's resend
 * timeout for our acks, never less than SSM_CHAN_HOLD (below the least
 * timeout there is) nor more than SSM_CHAN_HOLD_MAX.
 */
static uint64_t
chan_hold_len(struct ssm_chan *c)
{
	double	rto = c->agent_rtt.rto, margin = rto / 8;

	if (margin < SSM_CHAN_HOLD_MARGIN)
		margin = SSM_CHAN_HOLD_MARGIN;
	if (rto - margin >= SSM_CHAN_HOLD_MAX)
		return (SSM_CHAN_HOLD_MAX);
	if (rto - margin <= SSM_CHAN_HOLD)
		return (SSM_CHAN_HOLD);
	return ((uint64_t)(rto - margin));
}

/*
 * Acknowledge output_stream_data seq (id): ours to send, never queued.
 * While reading what came during a hold, the acks wait to go out
 * together (a few at most, SSM_CHAN_ACKS_WAIT ms at most).
 */
static void
chan_send_ack(struct ssm_chan *c, int64_t seq, const uint8_t id[UUID_LEN])
{
	if (!c->ws_up)
		return;
	chan_agent_sample(c);
	if (c->hold_skip == 0) {
		ssm_chan_flush_acks(c);
		chan_write_ack(c, seq, id);
		return;
	}
	if (c->nacks_held == SSM_CHAN_ACKS_HELD)
		ssm_chan_flush_acks(c);
	c->acks_held[c->nacks_held].seq = seq;
	memcpy(c->acks_held[c->nacks_held].id, id, UUID_LEN);
	if (c->nacks_held++ == 0)
		c->acks_due = clock_now_ms() + SSM_CHAN_ACKS_WAIT;
}

void
ssm_chan_pause(struct ssm_chan *c)
{
	if (c->paused)
		return;
	log_info("chan %s: paused by the service", c->name);
	c->paused = 1;
	c->pause_start = clock_now_ms();
	ssm_chan_event(c, SSM_CHAN_EV_PAUSED, NULL);
}

void
ssm_chan_unpause(struct ssm_chan *c)
{
	uint64_t	now = clock_now_ms();

	if (!c->paused)
		return;
	log_info("chan %s: unpaused", c->name);
	c->paused = 0;
	c->paused_total += now - c->pause_start;
	c->unpaused_at = now;
	if (ssm_chan_event(c, SSM_CHAN_EV_UNPAUSED, NULL) != 0)
		return;
	ssm_chan_flush(c);
	ssm_chan_wake_writer(c);
}

/*
 * Receive batching. Paced, the agent sends one message a millisecond,
 * and each one woke us on its own: a wake-up, a TLS record, an ack and a
 * write to the client per KiB, whatever the rate. A bulk flow (full
 * messages in a row) needs no such promptness: once it has read what had
 * arrived, the chan stops reading for a hold (chan_hold_len), then reads,
 * acks and delivers all that came meanwhile in one go. Only a full
 * message starts a hold: one short of full (interactive traffic, a
 * transfer's last bytes) is read at once and the next one too. It does
 * not end the streak, as a target's writes end in one mid-transfer (a
 * source writing 64 KiB at a time makes every 65th message short); a
 * pause in the flow (SSM_CHAN_HOLD_GAP) does, and so does a flow faster
 * than the agent's pacing (SSM_CHAN_HOLD_SPAN, SSM_CHAN_HOLD_RATE).
 */
static void
chan_hold_start(struct ssm_chan *c)
{
	if (c->hold_streak < SSM_CHAN_HOLD_STREAK || c->hold_skip != 0 ||
	    c->hold_short || c->refused ||
	    c->hold_last - c->hold_since < SSM_CHAN_HOLD_SPAN ||
	    c->hold_until != 0 || c->ops->ws_pause == NULL ||
	    c->state != SSM_CHAN_OPEN || !c->ws_up)
		return;
	ssm_chan_flush_acks(c);
	c->hold_start = clock_now_ms();
	c->hold_until = c->hold_start + chan_hold_len(c);
	c->holds++;
	c->ops->ws_pause(c->ws);
}

/*
 * A fast flow is not held (the agent's pace is not in it), but one
 * wake-up per read of a few messages is what it costs most: gatewayd
 * keeps up with the sender and wakes for every few KiB (0.12 wake-ups
 * and 1 system call a message, unpaced, 8.7 us of CPU a message). So a
 * read that brought SSM_CHAN_COALESCE_MIN messages or more is followed
 * by a pause of a few milliseconds (SSM_CHAN_COALESCE, less the timer's
 * slack), and the next read takes what came meanwhile in one go; its
 * acks wait that long at most, far below the least resend timeout (10
 * ms). A read of fewer (interactive traffic, a transfer's end, a socket
 * buffer too small to hold more) is never followed by one.
 */
static void
chan_coalesce_start(struct ssm_chan *c)
{
	if (c->turn_msgs < SSM_CHAN_COALESCE_MIN || c->hold_until != 0 ||
	    (c->ops->ws_read_cut != NULL && c->ops->ws_read_cut(c->ws)) ||
	    c->refused || c->ops->ws_pause == NULL ||
	    c->state != SSM_CHAN_OPEN || !c->ws_up)
		return;
	c->hold_start = clock_now_ms();
	c->hold_until = c->hold_start + SSM_CHAN_COALESCE;
	c->coalesces++;
	c->ops->ws_pause(c->ws);
}

/*
 * The consumer refused the message at expected (its clients are full):
 * stop reading the WebSocket until ssm_chan_ready() delivers it, as the
 * official client does by blocking its message handler (ssm-port-mux.md
 * 8). Not acknowledging alone does not slow the agent: it has no window,
 * it sends on at its pace and resends only its oldest unacked message a
 * tick (§6.4), so what we could neither store nor acknowledge meanwhile
 * would come back one message per 100 ms once the consumer takes data
 * again. Unread, the bytes wait in the kernel's and the service's
 * buffers, and through them the agent's sender waits too (awsemu's
 * stops at 256 KiB queued). Acks of our own messages wait as well: the
 * refusal lasts until a client reads or stall_timeout resets it.
 */
static void
chan_refuse_pause(struct ssm_chan *c)
{
	c->refused = 1;
	if (c->ops->ws_pause != NULL && c->ws != NULL && c->ws_up)
		c->ops->ws_pause(c->ws);
}

void
ssm_chan_refuse_end(struct ssm_chan *c)
{
	if (!c->refused)
		return;
	c->refused = 0;
	c->last_rx = clock_now_ms();	/* we were not listening */
	if (c->hold_until == 0 && c->ws != NULL && c->ops->ws_resume != NULL)
		c->ops->ws_resume(c->ws);
}

/* An in-order Output of len bytes was delivered. */
static void
chan_hold(struct ssm_chan *c, size_t len)
{
	uint64_t	now = clock_now_ms();

	if ((c->hold_short = len < SSM_MSG_CHUNK))
		return;
	if (now - c->hold_last > SSM_CHAN_HOLD_GAP)
		c->hold_streak = 0;
	/*
	 * A full streak that came too fast measures nothing more: start the
	 * next one. (Kept, its start would go on aging, and a flow of any
	 * speed would pass for a paced one once it had lasted SPAN ms: an
	 * unpaced download held every 30 ms or so.)
	 */
	if (c->hold_streak == SSM_CHAN_HOLD_STREAK &&
	    c->hold_last - c->hold_since < SSM_CHAN_HOLD_SPAN)
		c->hold_streak = 0;
	if (c->hold_streak == 0)
		c->hold_since = now;
	c->hold_last = now;
	if (c->hold_streak < SSM_CHAN_HOLD_STREAK)
		c->hold_streak++;
	if (!c->reads_reported)
		chan_hold_start(c);
}

void
ssm_chan_hold_end(struct ssm_chan *c)
{
	uint64_t	took;
	size_t		pending = 0;

	if (c->hold_until == 0)
		return;
	c->hold_until = 0;
	if (c->ws == NULL)
		return;
	/* Read without holding again until what came meanwhile is read. */
	if (c->ops->ws_pending != NULL)
		pending = c->ops->ws_pending(c->ws);
	c->hold_skip = pending / SSM_CHAN_BLOCK;
	took = clock_now_ms() - c->hold_start;
	c->hold_took = c->hold_last_took = took != 0 ? took : 1;
	c->batch_n = c->hold_skip != 0 ? c->hold_skip : 1;
	c->batch_k = 0;
	/* More came than a paced flow sends: not one to hold. */
	if (c->hold_skip > SSM_CHAN_HOLD_RATE * c->hold_took)
		c->hold_streak = 0;
	if (!c->refused)	/* else ssm_chan_refuse_end reads again */
		c->ops->ws_resume(c->ws);
}

/* An acknowledge: the outgoing entry it names is done (§6.2, §6.4). */
static void
chan_input_ack(struct ssm_chan *c, const struct ssm_msg *m)
{
	int64_t	 seq;
	double	 sample;
	char	*cause;

	if (ssm_chan_ack_seq(m->payload, m->payload_len, &seq, &cause) != 0) {
		log_debug("chan %s: %s", c->name, cause);
		free(cause);
		return;
	}
	if (ssm_chan_outq_ack(&c->out, seq, clock_now_ms(), &sample) == 0) {
		log_debug("chan %s: ack for %" PRId64 " not held", c->name,
		    seq);
		return;
	}
	if (sample >= 0) {
		ssm_chan_rtt_sample(&c->rtt, sample);
		ssm_chan_metrics_rtt(sample);
	}
	if (c->out.count == 0)
		c->tick_at = 0;
	if (c->state == SSM_CHAN_CLOSING) {
		if (seq == c->flag_seq)
			c->flag_done = 1;
		ssm_chan_defer(c);
	}
	ssm_chan_wake_writer(c);
}

/* A HandshakeRequest (§5.2, §5.5): answer it; fail if we refused. */
static int
chan_handshake_request(struct ssm_chan *c, const uint8_t *p, size_t len)
{
	struct ssm_handshake_request		 req;
	struct ssm_handshake_response		 resp;
	const struct ssm_handshake_action	*act;
	struct evbuffer				*b;
	char					*cause, *reason;
	size_t					 i, nfail;
	int					 pf;

	if (c->hs_answered) {
		log_debug("chan %s: another HandshakeRequest ignored", c->name);
		return (CHAN_TAKEN);
	}
	if (ssm_handshake_request_parse(p, len, &req, &cause) != 0) {
		ssm_chan_fail(c, cause, NULL, 1);	/* "handshake request: " */
		free(cause);
		return (CHAN_GONE);
	}
	c->hs_answered = 1;
	nfail = ssm_handshake_answer(&req, c->p.client_version, &resp);
	if ((b = evbuffer_new()) == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	ssm_handshake_response_write(&resp, b);
	ssm_chan_push(c, SSM_PAYLOAD_HANDSHAKE_RESPONSE,
	    evbuffer_pullup(b, -1), evbuffer_get_length(b));
	evbuffer_free(b);
	ssm_chan_flush(c);

	c->agent_version = xstrdup(req.agent_version);
	pf = ssm_handshake_is_port_forwarding(&req);
	if (ssm_version_use_mux(req.agent_version, pf))
		c->mode = SSM_CHAN_MODE_MUX;
	else
		c->mode = pf ? SSM_CHAN_MODE_BASIC : SSM_CHAN_MODE_STREAM;
	c->keepalive = c->mode == SSM_CHAN_MODE_MUX &&
	    ssm_version_client_keepalive(req.agent_version,
	    c->p.client_version);
	c->terminate_flag = ssm_version_has_terminate_flag(req.agent_version);
	c->properties = cJSON_CreateObject();
	if ((act = ssm_handshake_session_type(&req)) != NULL) {
		for (i = 0; i < act->nprops; i++)
			cJSON_AddStringToObject(c->properties,
			    act->props[i].key, act->props[i].value);
	}
	log_debug("chan %s: agent %s, %zu actions, %zu refused", c->name,
	    c->agent_version, req.nactions, nfail);
	ssm_handshake_request_clear(&req);

	reason = NULL;
	for (i = 0; nfail != 0 && i < resp.nresults; i++) {
		if (resp.results[i].status != SSM_HANDSHAKE_SUCCESS) {
			xasprintf(&reason, "handshake: %s",
			    resp.results[i].error);
			break;
		}
	}
	ssm_handshake_response_clear(&resp);
	if (reason == NULL)
		return (CHAN_TAKEN);
	ssm_chan_fail(c, reason, NULL, 1);
	free(reason);
	return (CHAN_GONE);
}

/* HandshakeComplete (§5.4): the session is open. */
static int
chan_handshake_complete(struct ssm_chan *c, const uint8_t *p, size_t len)
{
	struct ssm_handshake_complete	 hc;
	struct ssm_chan_info		 info;
	char				*cause;

	if (!c->hs_answered) {
		ssm_chan_fail(c, "handshake: HandshakeComplete before any "
		    "HandshakeRequest", NULL, 1);
		return (CHAN_GONE);
	}
	if (c->hs_done)
		return (CHAN_TAKEN);
	if (ssm_handshake_complete_parse(p, len, &hc, &cause) != 0) {
		log_warnx("chan %s: HandshakeComplete: %s", c->name, cause);
		free(cause);
	} else {
		c->customer_message = xstrdup(hc.customer_message);
		ssm_handshake_complete_clear(&hc);
		if (*c->customer_message != '\0')
			log_info("chan %s: %s", c->name, c->customer_message);
	}
	c->hs_done = 1;
	c->hs_deadline = 0;
	if (c->state == SSM_CHAN_CLOSING)
		return (CHAN_TAKEN);
	ssm_chan_set_state(c, SSM_CHAN_OPEN);
	log_info("chan %s: open, agent %s, %s mode", c->name,
	    c->agent_version, c->mode == SSM_CHAN_MODE_MUX ? "mux" :
	    c->mode == SSM_CHAN_MODE_BASIC ? "basic" : "stream");
	memset(&info, 0, sizeof info);
	info.session_id = c->session_id;
	info.agent_version = c->agent_version;
	info.mode = c->mode;
	info.keepalive = c->keepalive;
	info.terminate_flag = c->terminate_flag;
	info.properties = c->properties;
	info.customer_message = c->customer_message != NULL ?
	    c->customer_message : "";
	if (c->cb.open != NULL)
		c->cb.open(c, &info, c->arg);
	if (chan_gone(c))
		return (CHAN_GONE);
	ssm_chan_wake_writer(c);
	return (CHAN_TAKEN);
}

static int
chan_input_flag(struct ssm_chan *c, const uint8_t *p, size_t len)
{
	uint32_t	 flag;
	char		*cause;

	if (ssm_msg_flag_parse(p, len, &flag, &cause) != 0) {
		log_warnx("chan %s: flag: %s", c->name, cause);
		free(cause);
		return (CHAN_TAKEN);
	}
	log_info("chan %s: agent flag %s", c->name, ssm_msg_flag_name(flag));
	if (ssm_chan_event(c, SSM_CHAN_EV_FLAG, ssm_msg_flag_name(flag)) != 0)
		return (CHAN_GONE);
	return (CHAN_TAKEN);
}

/* Act on the in-order stream message seq. */
static int
chan_process(struct ssm_chan *c, uint32_t type, const uint8_t *p,
    size_t len)
{
	switch (type) {
	case SSM_PAYLOAD_HANDSHAKE_REQUEST:
		return (chan_handshake_request(c, p, len));
	case SSM_PAYLOAD_HANDSHAKE_COMPLETE:
		return (chan_handshake_complete(c, p, len));
	case SSM_PAYLOAD_ENC_CHALLENGE_REQUEST:
		ssm_chan_fail(c, "handshake: EncChallengeRequest, but KMS "
		    "encryption was refused", NULL, 1);
		return (CHAN_GONE);
	case SSM_PAYLOAD_FLAG:
		return (chan_input_flag(c, p, len));
	case SSM_PAYLOAD_OUTPUT:
		break;
	default:
		log_debug("chan %s: %s payload ignored", c->name,
		    ssm_msg_payload_type_name(type));
		return (CHAN_TAKEN);
	}
	if (!c->hs_done) {
		log_warnx("chan %s: Output before HandshakeComplete dropped",
		    c->name);
		return (CHAN_TAKEN);
	}
	if (c->cb.data(c, p, len, c->arg) != 0)
		return (chan_gone(c) ? CHAN_GONE : CHAN_NOT_READY);
	if (chan_gone(c))
		return (CHAN_GONE);
	c->bytes_in += len;
	return (CHAN_TAKEN);
}

static int
chan_is_handshake(uint32_t type)
{
	return (type == SSM_PAYLOAD_HANDSHAKE_REQUEST ||
	    type == SSM_PAYLOAD_HANDSHAKE_COMPLETE ||
	    type == SSM_PAYLOAD_ENC_CHALLENGE_REQUEST);
}

void
ssm_chan_deliver(struct ssm_chan *c)
{
	struct ssm_chan_in	*e;
	uint8_t			 id[UUID_LEN];
	int64_t			 seq;
	int			 acked, rv;

	while ((e = ssm_chan_inq_get(&c->in, c->in.expected)) != NULL) {
		seq = c->in.expected;
		memcpy(id, e->id, UUID_LEN);
		if (!(acked = e->acked) && chan_is_handshake(e->payload_type)) {
			chan_send_ack(c, seq, id);
			e->acked = acked = 1;
		}
		rv = chan_process(c, e->payload_type, e->payload, e->len);
		if (rv == CHAN_NOT_READY)
			chan_refuse_pause(c);
		if (rv != CHAN_TAKEN)
			return;
		if (!acked)
			chan_send_ack(c, seq, id);
		ssm_chan_inq_drop(&c->in, seq);
		c->in.expected++;
	}
	ssm_chan_refuse_end(c);
}

/* A stream message (§6.3, gatewayd's column). */
static void
chan_input_stream(struct ssm_chan *c, const struct ssm_msg *m)
{
	int	hs = chan_is_handshake(m->payload_type), rv;

	c->msgs_in++;
	if (m->seq < c->in.expected) {
		chan_send_ack(c, m->seq, m->id);	/* a duplicate */
		return;
	}
	if (m->seq > c->in.expected) {
		if (ssm_chan_inq_put(&c->in, m, 1) >= 0)
			chan_send_ack(c, m->seq, m->id);
		else {
			c->dropped++;
			ssm_chan_ooo_drops_total++;
			log_debug("chan %s: no room for %" PRId64 " (expecting "
			    "%" PRId64 ")", c->name, m->seq, c->in.expected);
		}
		return;
	}
	if (hs)
		chan_send_ack(c, m->seq, m->id);
	rv = chan_process(c, m->payload_type, m->payload, m->payload_len);
	if (rv == CHAN_GONE)
		return;
	if (rv == CHAN_NOT_READY) {
		/* Keep it for ssm_chan_ready(); unacked, the agent resends. */
		ssm_chan_inq_put(&c->in, m, hs);
		chan_refuse_pause(c);
		return;
	}
	if (!hs)
		chan_send_ack(c, m->seq, m->id);
	ssm_chan_inq_drop(&c->in, m->seq);
	c->in.expected++;
	ssm_chan_deliver(c);
	if (!chan_gone(c) && m->payload_type == SSM_PAYLOAD_OUTPUT) {
		c->turn_msgs++;
		chan_hold(c, m->payload_len);
	}
}

/* channel_closed (§7.5): the session is over; no ack, no resume. */
static void
chan_input_closed(struct ssm_chan *c, const struct ssm_msg *m)
{
	struct ssm_channel_closed	 cc;
	char				*cause, *reason;

	if (ssm_msg_channel_closed_parse(m->payload, m->payload_len, &cc,
	    &cause) != 0) {
		log_warnx("chan %s: %s", c->name, cause);
		free(cause);
		reason = xstrdup("channel_closed");
	} else {
		if (*cc.output != '\0')
			xasprintf(&reason, "channel_closed: %s%s", cc.output,
			    ssm_chan_closed_hint(cc.output));
		else
			reason = xstrdup("channel_closed");
		ssm_msg_channel_closed_clear(&cc);
	}
	if (c->state == SSM_CHAN_CLOSING) {
		log_info("chan %s: %s", c->name, reason);
		c->flag_done = 1;
		ssm_chan_defer(c);
	} else {
		log_info("chan %s: %s", c->name, reason);
		ssm_chan_closed(c, reason, NULL);
	}
	free(reason);
}

/* One decoded message. */
static void
chan_input_msg(struct ssm_chan *c, const struct ssm_msg *m)
{
	switch (m->type) {
	case SSM_MSG_ACKNOWLEDGE:
		ssm_chan_unpause(c);
		if (!chan_gone(c))
			chan_input_ack(c, m);
		break;
	case SSM_MSG_OUTPUT_STREAM_DATA:
		ssm_chan_unpause(c);
		if (!chan_gone(c))
			chan_input_stream(c, m);
		break;
	case SSM_MSG_CHANNEL_CLOSED:
		chan_input_closed(c, m);
		break;
	case SSM_MSG_START_PUBLICATION:
		ssm_chan_unpause(c);
		break;
	case SSM_MSG_PAUSE_PUBLICATION:
		ssm_chan_pause(c);
		break;
	default:
		log_debug("chan %s: %s message ignored", c->name, m->type_name);
		break;
	}
}

void
ssm_chan_input(struct ssm_chan *c, const uint8_t *buf, size_t len)
{
	struct ssm_msg	 m;
	char		*cause;
	int		 skipped;

	if (ssm_msg_decode(buf, len, &m, &cause) != 0) {
		c->dropped++;
		log_warnx("chan %s: message dropped: %s", c->name, cause);
		free(cause);
		return;
	}
	c->last_rx = clock_now_ms();
	c->ws_heard = 1;
	if ((skipped = c->hold_skip != 0))
		c->hold_skip--;
	chan_input_msg(c, &m);
	if (c->hold_skip != 0 || chan_gone(c))
		return;
	/* What came during the hold is read: acks out, and hold again. */
	ssm_chan_flush_acks(c);
	if (skipped && !c->reads_reported)
		chan_hold_start(c);
}

/*
 * The WebSocket has read all that had come (ws.h, read_done): whatever
 * the count at the hold's end said, what came meanwhile is read now, in
 * this one turn. Its acks leave together, in the same TLS write, and the
 * next hold starts; one turn later or a timer later would only cost
 * another wake-up (§6.5: a turn is far below any retransmission timer).
 */
void
ssm_chan_read_done(struct ssm_chan *c)
{
	if (chan_gone(c))
		return;
	/*
	 * From now on holds start here only: paused in the middle of a
	 * read, the WebSocket would leave the records OpenSSL read ahead
	 * for a whole hold more, past the agent's timeout.
	 */
	c->reads_reported = 1;
	c->hold_skip = 0;
	ssm_chan_flush_acks(c);
	chan_hold_start(c);
	chan_coalesce_start(c);
	c->turn_msgs = 0;
}
