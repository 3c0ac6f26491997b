/*
 * The data channel's send path (ssm-data-channel.md §6.4-§6.7): Output
 * bytes cut into messages of at most 1024 bytes, sequenced and kept until
 * acked, a window of messages in flight with a writable callback when
 * room comes back, optional pacing, the 100 ms resend tick with its RTO,
 * the give-up and ack-timeout checks, and resending everything after a
 * reconnect.
 */

#include <sys/types.h>

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "log.h"
#include "ssm_chan_int.h"
#include "xmalloc.h"

size_t
ssm_chan_room(struct ssm_chan *c)
{
	size_t	space, room;

	if (c->state != SSM_CHAN_OPEN || c->paused || !c->ws_up) {
		if (c->state != SSM_CHAN_CLOSED && c->state != SSM_CHAN_CLOSING)
			c->want_writable = 1;
		return (0);
	}
	space = ssm_chan_outq_space(&c->out);
	space = space > SSM_CHAN_RESERVE ? space - SSM_CHAN_RESERVE : 0;
	room = c->p.max_unacked > c->out.ndata ?
	    c->p.max_unacked - c->out.ndata : 0;
	if (room > space)
		room = space;
	if (room == 0)
		c->want_writable = 1;
	return (room * SSM_MSG_CHUNK);
}

/* Room came back: tell the writer from the loop. */
void
ssm_chan_wake_writer(struct ssm_chan *c)
{
	if (!c->want_writable || c->writable_pending ||
	    c->state != SSM_CHAN_OPEN || c->paused || !c->ws_up)
		return;
	if (c->out.ndata >= c->p.max_unacked ||
	    ssm_chan_outq_space(&c->out) <= SSM_CHAN_RESERVE)
		return;
	c->writable_pending = 1;
	ssm_chan_defer(c);
}

/* Hold a message whose payload is already at buf + 120; return its seq. */
static int64_t
chan_seal(struct ssm_chan *c, uint32_t payload_type, uint8_t *buf,
    size_t len)
{
	struct ssm_msg	 m;
	uint8_t		 id[UUID_LEN], digest[SHA256_LEN];

	util_sha256(buf + SSM_MSG_HEADER_LEN, len, digest);
	util_uuid_v4(id);
	ssm_msg_init(&m, SSM_MSG_INPUT_STREAM_DATA, c->out.next, payload_type,
	    id, clock_wall_ms());
	ssm_msg_encode_header(&m, digest, len, buf);
	return (ssm_chan_outq_push(&c->out, buf, SSM_MSG_HEADER_LEN + len,
	    payload_type == SSM_PAYLOAD_OUTPUT));
}

int64_t
ssm_chan_push(struct ssm_chan *c, uint32_t payload_type,
    const uint8_t *payload, size_t len)
{
	uint8_t	*buf;

	buf = ssm_chan_pool_get(&c->out.pool, SSM_MSG_HEADER_LEN + len);
	memcpy(buf + SSM_MSG_HEADER_LEN, payload, len);
	return (chan_seal(c, payload_type, buf, len));
}

/* Send what was never sent, in order, as pacing allows. */
void
ssm_chan_flush(struct ssm_chan *c)
{
	struct ssm_chan_out	*e;
	uint64_t		 now = clock_now_ms(), now_us = now * 1000;

	while (c->out.unsent < c->out.next && c->ws_up && !c->paused) {
		if (c->p.pacing_us != 0) {
			if (now_us < c->pace_next)
				return;
			/* At most a millisecond's worth of credit. */
			if (c->pace_next + 1000 < now_us)
				c->pace_next = now_us - 1000;
			c->pace_next += c->p.pacing_us;
		}
		e = ssm_chan_outq_get(&c->out, c->out.unsent);
		if (ssm_chan_ws_send(c, WS_BINARY, e->msg, e->len) != 0)
			return;
		e->first_sent = e->last_sent = now;
		e->paused = c->paused_total;
		c->out.unsent++;
		c->msgs_out++;
		if (e->data)
			c->bytes_out += e->len - SSM_MSG_HEADER_LEN;
		if (c->tick_at == 0)
			c->tick_at = now + SSM_CHAN_TICK;
	}
}

size_t
ssm_chan_send(struct ssm_chan *c, struct evbuffer *buf)
{
	uint8_t	*msg;
	size_t	 room = ssm_chan_room(c), left, n, taken = 0;

	left = evbuffer_get_length(buf);
	if (left > room)
		left = room;
	while (taken < left) {
		n = left - taken;
		if (n > SSM_MSG_CHUNK)
			n = SSM_MSG_CHUNK;
		msg = ssm_chan_pool_get(&c->out.pool, SSM_CHAN_BLOCK);
		evbuffer_remove(buf, msg + SSM_MSG_HEADER_LEN, n);
		chan_seal(c, SSM_PAYLOAD_OUTPUT, msg, n);
		taken += n;
	}
	if (evbuffer_get_length(buf) != 0)
		c->want_writable = 1;
	ssm_chan_flush(c);
	if (c->depth == 0)
		ssm_chan_rearm(c);
	return (taken);
}

int
ssm_chan_send_flag(struct ssm_chan *c, uint32_t flag)
{
	uint8_t	payload[4];

	/* The last slots are the close path's (SSM_CHAN_RESERVE). */
	if (c->state != SSM_CHAN_OPEN ||
	    ssm_chan_outq_space(&c->out) <= SSM_CHAN_RESERVE)
		return (-1);
	ssm_msg_flag_payload(flag, payload);
	ssm_chan_push(c, SSM_PAYLOAD_FLAG, payload, sizeof payload);
	ssm_chan_flush(c);
	if (c->depth == 0)
		ssm_chan_rearm(c);
	return (0);
}

/* The paused time so far, the current pause included. */
uint64_t
ssm_chan_paused_now(struct ssm_chan *c, uint64_t now)
{
	return (c->paused_total + (c->paused ? now - c->pause_start : 0));
}

/* Give up on an ack (§6.4), or call the peer dead (ack timeout). */
static int
chan_check_acks(struct ssm_chan *c, uint64_t now)
{
	struct ssm_chan_out	*e;
	uint64_t		 age, since, quiet;
	char			*reason, took[16];

	if ((e = ssm_chan_outq_oldest(&c->out)) == NULL)
		return (0);
	age = now - e->first_sent - (ssm_chan_paused_now(c, now) - e->paused);
	if (age > c->p.give_up) {
		util_fmt_duration(age, took, sizeof took);
		xasprintf(&reason, "no ack for message %" PRId64 " in %s",
		    c->out.head, took);
		ssm_chan_fail(c, reason, NULL, 1);
		free(reason);
		return (-1);
	}
	/* Not reading (a refusal, chan_recv.c) is not the peer's silence. */
	if (!c->ws_up || c->paused || c->refused)
		return (0);
	since = e->first_sent;
	if (since < c->ws_up_at)
		since = c->ws_up_at;
	if (since < c->unpaused_at)
		since = c->unpaused_at;
	quiet = c->last_rx > c->unpaused_at ? c->last_rx : c->unpaused_at;
	if (quiet < c->ws_up_at)
		quiet = c->ws_up_at;
	if (now - since > c->p.ack_timeout && now - quiet > c->p.ack_timeout) {
		util_fmt_duration(now - since, took, sizeof took);
		xasprintf(&reason, "dead peer: no ack and nothing heard in %s",
		    took);
		ssm_chan_lost(c, reason);
		free(reason);
		return (-1);
	}
	return (0);
}

/*
 * Send the entries of [head, unsent) again, oldest first: those sent
 * more than rto ms ago (all if rto < 0), at most max. Return how many.
 */
static unsigned
chan_resend(struct ssm_chan *c, uint64_t now, double rto, unsigned max)
{
	struct ssm_chan_out	*e;
	int64_t			 seq;
	unsigned		 n = 0;

	for (seq = c->out.head; seq < c->out.unsent && n < max; seq++) {
		if ((e = ssm_chan_outq_get(&c->out, seq)) == NULL ||
		    (rto >= 0 && (double)(now - e->last_sent) <= rto))
			continue;
		if (ssm_chan_ws_send(c, WS_BINARY, e->msg, e->len) != 0)
			break;
		e->last_sent = now;
		e->resends++;
		c->resends++;
		ssm_chan_resends_total++;
		n++;
	}
	return (n);
}

/* The resend scheduler (§6.4): every overdue entry, capped per tick. */
void
ssm_chan_tick(struct ssm_chan *c, uint64_t now)
{
	unsigned	n;

	c->tick_at = c->out.count != 0 ? now + SSM_CHAN_TICK : 0;
	if (chan_check_acks(c, now) != 0 || !c->ws_up || c->paused)
		return;
	if (c->ops->ws_queued(c->ws) > SSM_CHAN_RESEND_QUEUED)
		return;
	n = chan_resend(c, now, c->rtt.rto, c->p.resend_per_tick);
	if (n != 0)
		log_debug("chan %s: resent %u (rto %.1f ms)", c->name, n,
		    c->rtt.rto);
}

/* After a reconnect: everything unacked, in order (§8.2). */
void
ssm_chan_resend_all(struct ssm_chan *c)
{
	uint64_t	now = clock_now_ms();

	chan_resend(c, now, -1, UINT_MAX);
	if (c->out.count != 0)
		c->tick_at = now + SSM_CHAN_TICK;
}
