/*
 * The SSM Agent's end of a data channel (ssm-data-channel.md 6, 9): its
 * acknowledgement rules (process, then acknowledge; acknowledge what is
 * ahead on arrival and store it, up to 100000; acknowledge duplicates
 * again; nothing while the consumer is not ready, and nothing read while
 * its handler is blocked), its outgoing buffer with the RTT-based
 * retransmission timeout (front-only resends by default), publication
 * pauses, attaching and resuming clients, and how a session ends: the
 * port plugin stops, unacknowledged output gets up to 2 s, then the
 * client gets channel_closed and the WebSocket is closed.
 *
 * The handshake is emu_agent_hs.c; the gateway (emu_dc.c) attaches
 * client connections and relays their messages; the port plugin
 * (emu_port.c) gets the in-order Output and Flag payloads and produces
 * the Output stream.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "emu_agent.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

struct emu_agent_list	 emu_agents = TAILQ_HEAD_INITIALIZER(emu_agents);
static u_int		 emu_agent_count;
static uint64_t		 emu_agent_id_state;

static void	emu_agent_dispatch(struct emu_agent *, const uint8_t *,
		    size_t);

static int
emu_out_cmp(struct emu_out *a, struct emu_out *b)
{
	return (a->seq < b->seq ? -1 : a->seq > b->seq);
}
RB_PROTOTYPE(emu_out_tree, emu_out, entry, emu_out_cmp);
RB_GENERATE(emu_out_tree, emu_out, entry, emu_out_cmp);

static int
emu_in_cmp(struct emu_in *a, struct emu_in *b)
{
	return (a->seq < b->seq ? -1 : a->seq > b->seq);
}
RB_PROTOTYPE(emu_in_tree, emu_in, entry, emu_in_cmp);
RB_GENERATE(emu_in_tree, emu_in, entry, emu_in_cmp);

const char *const emu_agent_states[] = {
	"waiting", "handshake", "open", "draining", "ended"
};
const char *const emu_agent_modes[] = {
	"none", "basic", "mux", "stream"
};

uint64_t
emu_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

/* A version 4 UUID for a message id; cheaper than the CSPRNG per id. */
void
emu_agent_uuid(uint8_t id[UUID_LEN])
{
	uint64_t	x, y;

	if (emu_agent_id_state == 0)
		util_random(&emu_agent_id_state, sizeof emu_agent_id_state);
	x = emu_fault_random(&emu_agent_id_state);
	y = emu_fault_random(&emu_agent_id_state);

	memcpy(id, &x, 8);
	memcpy(id + 8, &y, 8);
	id[6] = (id[6] & 0x0f) | 0x40;
	id[8] = (id[8] & 0x3f) | 0x80;
}

void
emu_timer_add_ms(struct event *ev, uint64_t ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

struct emu_agent *
emu_agent_of(const struct emu_session *s)
{
	return (s->agent);
}

int
emu_agent_may_transmit(struct emu_agent *a)
{
	return (a->dc != NULL && !a->paused);
}

static void
emu_agent_transmit(struct emu_agent *a, struct emu_out *e)
{
	uint64_t	now = emu_now_us();

	emu_dc_send(a->dc, e->buf, e->len);
	if (!e->sent)
		e->first_us = now;
	e->last_us = now;
	e->sent = 1;
}

/* Send what was held while nobody could receive it, in order. */
static void
emu_agent_transmit_pending(struct emu_agent *a)
{
	struct emu_out	 find, *e;

	find.seq = a->out_unsent;
	for (e = RB_NFIND(emu_out_tree, &a->outs, &find); e != NULL;
	    e = RB_NEXT(emu_out_tree, &a->outs, e)) {
		if (!emu_agent_may_transmit(a))
			return;
		if (!e->sent)
			emu_agent_transmit(a, e);
		a->out_unsent = e->seq + 1;
	}
	a->out_unsent = a->out_seq;
}

/*
 * Make the wire form of the next output_stream_data message, its payload
 * copied from data or moved out of src (one copy, no pullup).
 */
static struct emu_out *
emu_agent_build(struct emu_agent *a, uint32_t payload_type,
    const uint8_t *data, struct evbuffer *src, size_t len)
{
	struct emu_out	*e;
	struct ssm_msg	 m;
	uint8_t		 id[UUID_LEN], digest[SHA256_LEN];

	e = xcalloc(1, sizeof *e);
	e->seq = a->out_seq++;
	emu_agent_uuid(id);
	ssm_msg_init(&m, SSM_MSG_OUTPUT_STREAM_DATA, e->seq, payload_type, id,
	    clock_wall_ms());
	e->len = SSM_MSG_HEADER_LEN + len;
	e->buf = xmalloc(e->len);
	if (src != NULL)
		evbuffer_remove(src, e->buf + SSM_MSG_HEADER_LEN, len);
	else
		memcpy(e->buf + SSM_MSG_HEADER_LEN, data, len);
	util_sha256(e->buf + SSM_MSG_HEADER_LEN, len, digest);
	ssm_msg_encode_header(&m, digest, len, e->buf);
	return (e);
}

/* The malformed knob's bad_digest: a corrupted copy goes first. */
static void
emu_agent_bad_copy(struct emu_agent *a, const struct emu_out *e)
{
	uint8_t	*copy;

	if (e->len <= SSM_MSG_HEADER_LEN || !emu_agent_may_transmit(a))
		return;
	copy = emu_fault_corrupt(e->buf, e->len);
	emu_dc_send(a->dc, copy, e->len);
	free(copy);
}

/*
 * Send one stream message: the next sequence number, kept for resending
 * unless the buffer is full (the agent then sends it once), transmitted
 * now unless nobody can receive it yet.
 */
static int
emu_agent_send(struct emu_agent *a, uint32_t payload_type,
    const uint8_t *data, struct evbuffer *src, size_t len)
{
	struct emu_out	*e;
	int		 stored = 0;

	if (len == 0 || a->state >= EMU_AGENT_ENDED)
		return (-1);
	e = emu_agent_build(a, payload_type, data, src, len);
	a->st.msgs_out++;
	if (payload_type == SSM_PAYLOAD_OUTPUT) {
		a->st.bytes_out += len;
		emu_agent_note_data(a);
		if (a->malformed_pending) {
			a->malformed_pending = 0;
			emu_agent_bad_copy(a, e);
		}
	}
	if (a->nout < EMU_AGENT_BUFFER) {
		RB_INSERT(emu_out_tree, &a->outs, e);
		a->nout++;
		stored = 1;
	} else
		a->st.unbuffered++;
	if (a->out_unsent == e->seq) {
		if (emu_agent_may_transmit(a)) {
			emu_agent_transmit(a, e);
			a->out_unsent++;
		} else if (!stored)
			a->out_unsent++;
	}
	if (!stored) {
		free(e->buf);
		free(e);
	}
	return (0);
}

int
emu_agent_send_stream(struct emu_agent *a, uint32_t payload_type,
    const uint8_t *data, size_t len)
{
	return (emu_agent_send(a, payload_type, data, NULL, len));
}

/* As emu_agent_send_stream, the payload moved out of the front of src. */
int
emu_agent_send_buffer(struct emu_agent *a, uint32_t payload_type,
    struct evbuffer *src, size_t len)
{
	return (emu_agent_send(a, payload_type, NULL, src, len));
}

void
emu_agent_send_flag(struct emu_agent *a, uint32_t flag)
{
	uint8_t	payload[4];

	ssm_msg_flag_payload(flag, payload);
	emu_agent_send_stream(a, SSM_PAYLOAD_FLAG, payload, sizeof payload);
}

static int	emu_agent_in_stalled(struct emu_agent *);

/* The pump may produce another Output message now. */
int
emu_agent_can_send(struct emu_agent *a)
{
	return (a->state == EMU_AGENT_OPEN && emu_agent_may_transmit(a) &&
	    a->out_unsent == a->out_seq && emu_dc_has_room(a->dc) &&
	    (!a->resend_owed || emu_agent_in_stalled(a)) &&
	    (emu.knobs.window == 0 || a->nout < (size_t)emu.knobs.window));
}

void
emu_agent_note_data(struct emu_agent *a)
{
	a->last_data_ms = clock_now_ms();
}

/* Acknowledge a client stream message, as received. */
static void
emu_agent_ack(struct emu_agent *a, const struct ssm_msg *m)
{
	uint8_t	 id[UUID_LEN];
	size_t	 len;

	emu_agent_uuid(id);
	ssm_msg_ack_encode(m, id, clock_wall_ms(), a->scratch);
	len = evbuffer_get_length(a->scratch);
	emu_dc_send(a->dc, evbuffer_pullup(a->scratch, len), len);
	evbuffer_drain(a->scratch, len);
	a->st.acks_out++;
}

/* An RTT sample, Jacobson/Karels as both peers do it (6.5). */
static void
emu_agent_rtt(struct emu_agent *a, double r)
{
	a->rttvar = 0.75 * a->rttvar + 0.25 * fabs(a->srtt - r);
	a->srtt = 0.875 * a->srtt + 0.125 * r;
	a->rto = a->srtt + fmax(10.0, 4 * a->rttvar);
	if (a->rto > EMU_AGENT_RTO_MAX)
		a->rto = EMU_AGENT_RTO_MAX;
}

static void
emu_agent_ack_in(struct emu_agent *a, const struct ssm_msg *m)
{
	struct ssm_ack	 ack;
	struct emu_out	 find, *e;
	char		*cause = NULL;

	if (ssm_msg_ack_parse(m->payload, m->payload_len, &ack, &cause) != 0) {
		log_debug("session %s: bad acknowledge: %s", a->id, cause);
		free(cause);
		a->st.bad_in++;
		return;
	}
	a->st.acks_in++;
	find.seq = ack.seq;
	if ((e = RB_FIND(emu_out_tree, &a->outs, &find)) == NULL)
		return;
	if (e->sent)
		emu_agent_rtt(a, (double)(emu_now_us() - e->last_us) / 1000);
	RB_REMOVE(emu_out_tree, &a->outs, e);
	a->nout--;
	free(e->buf);
	free(e);
	if (a->state == EMU_AGENT_DRAINING && a->nout == 0)
		emu_agent_finish(a);
	else
		emu_port_kick(a);
}

/*
 * The handler cannot take the client's messages (a full target, a dial):
 * they wait in the inbox, and past EMU_DC_INBOX_HIGH the WebSocket is
 * not read, acks included.
 */
static int
emu_agent_in_stalled(struct emu_agent *a)
{
	return (a->blocked || a->held != NULL ||
	    evbuffer_get_length(a->inbox) > 0);
}

/*
 * One resend pass: the oldest overdue entry (with all: every entry), then
 * (resend "all") the next overdue ones while the WebSocket has room. The
 * agent's writes block on a full socket, so it never queues much more
 * than that. A pass that stops for room is owed, and goes before new data
 * on the next drain (emu_agent_drained, emu_agent_can_send): a drop loses
 * what the sockets held, thousands of messages with large buffers, and
 * new data taking the room would keep the client waiting on them until
 * its store overflows.
 *
 * Unless the handler is stalled: then the target's data is what may
 * unblock it (an echo target writes before it reads), and its acks are
 * not read until then, so only the oldest is resent, as the agent's own
 * scheduler does. Resending all meanwhile kept the WebSocket full of
 * copies the client had already acknowledged, and nothing else ever went
 * through: a livelock with small socket buffers.
 */
static void
emu_agent_resend(struct emu_agent *a, int all)
{
	struct emu_out	*e;
	uint64_t	 now = emu_now_us();
	u_int		 n = 0;
	int		 front;

	a->resend_owed = 0;
	if (!emu_agent_may_transmit(a))
		return;
	front = emu.knobs.resend == EMU_RESEND_FRONT ||
	    emu_agent_in_stalled(a);
	RB_FOREACH(e, emu_out_tree, &a->outs) {
		if (!e->sent)
			break;
		if (all || (double)(now - e->last_us) / 1000 > a->rto) {
			if (n != 0 && !emu_dc_has_room(a->dc)) {
				a->resend_owed = 1;
				break;
			}
			emu_agent_transmit(a, e);
			e->resends++;
			a->st.resends++;
			n++;
		}
		if (front || n >= 1024)
			break;
	}
}

/* The resend scheduler: every 100 ms. */
static void
emu_agent_tick_cb(evutil_socket_t fd, short events, void *arg)
{
	struct emu_agent	*a = arg;

	a->st.wakeups++;
	emu_agent_resend(a, 0);
	emu_port_kick(a);
}

/* The WebSocket's queue fell low: what is owed goes before new data. */
void
emu_agent_drained(struct emu_agent *a)
{
	if (a->resend_owed && !emu_agent_in_stalled(a))
		emu_agent_resend(a, 0);
	emu_port_kick(a);
}

/* ---------------------------------------------------------------- input */

/* Process an in-order client stream message. */
static enum emu_in_result
emu_agent_process(struct emu_agent *a, const struct ssm_msg *m)
{
	int	data = m->payload_type == SSM_PAYLOAD_OUTPUT ||
		    m->payload_type == SSM_PAYLOAD_FLAG;

	if (data)
		emu_agent_note_data(a);
	switch (a->state) {
	case EMU_AGENT_HANDSHAKE:
		if (!a->hs_done &&
		    m->payload_type == SSM_PAYLOAD_HANDSHAKE_RESPONSE) {
			emu_agent_handshake_response(a, m);
			return (EMU_IN_DONE);
		}
		/* Acknowledged and discarded (5.6): the client's bug. */
		a->st.discarded_in++;
		return (EMU_IN_DONE);
	case EMU_AGENT_OPEN:
		if (!data)
			return (EMU_IN_DONE);
		if (m->payload_type == SSM_PAYLOAD_FLAG)
			a->st.flags_in++;
		return (emu_port_input(a, m));
	default:
		return (EMU_IN_NOT_READY);
	}
}

static struct emu_in *
emu_agent_find_in(struct emu_agent *a, int64_t seq)
{
	struct emu_in	find;

	find.seq = seq;
	return (RB_FIND(emu_in_tree, &a->ins, &find));
}

static void
emu_agent_hold(struct emu_agent *a, const uint8_t *buf, size_t len)
{
	a->held = xmalloc(len);
	memcpy(a->held, buf, len);
	a->held_len = len;
	a->blocked = 1;
}

/* Process what was stored ahead, now that its turn has come. */
static void
emu_agent_drain_store(struct emu_agent *a)
{
	struct emu_in		*e;
	struct ssm_msg		 m;
	enum emu_in_result	 r;

	while (!a->blocked && a->state < EMU_AGENT_ENDED &&
	    (e = emu_agent_find_in(a, a->in_expected)) != NULL) {
		if (ssm_msg_decode(e->buf, e->len, &m, NULL) != 0)
			r = EMU_IN_DONE;	/* cannot happen: checked */
		else
			r = emu_agent_process(a, &m);
		if (r == EMU_IN_NOT_READY)
			return;
		RB_REMOVE(emu_in_tree, &a->ins, e);
		a->nin--;
		if (r == EMU_IN_BLOCKED)
			emu_agent_hold(a, e->buf, e->len);
		else
			a->in_expected++;
		free(e->buf);
		free(e);
	}
}

static void
emu_agent_stream_in(struct emu_agent *a, const struct ssm_msg *m,
    const uint8_t *buf, size_t len)
{
	struct emu_in		*e;
	enum emu_in_result	 r;

	a->st.msgs_in++;
	if (m->seq < a->in_expected) {
		a->st.dups_in++;
		emu_agent_ack(a, m);
		return;
	}
	if (m->seq > a->in_expected) {
		if (emu_agent_find_in(a, m->seq) != NULL)
			a->st.dups_in++;
		else if (a->nin >= EMU_AGENT_BUFFER)
			return;		/* the agent drops it silently */
		else {
			e = xcalloc(1, sizeof *e);
			e->seq = m->seq;
			e->buf = xmalloc(len);
			memcpy(e->buf, buf, len);
			e->len = len;
			RB_INSERT(emu_in_tree, &a->ins, e);
			a->nin++;
			a->st.ahead_in++;
		}
		emu_agent_ack(a, m);
		return;
	}
	if (a->not_ready_left > 0 && a->state == EMU_AGENT_OPEN &&
	    (m->payload_type == SSM_PAYLOAD_OUTPUT ||
	    m->payload_type == SSM_PAYLOAD_FLAG)) {
		a->not_ready_left--;
		a->st.not_ready++;
		return;
	}
	r = emu_agent_process(a, m);
	if (r == EMU_IN_NOT_READY) {
		a->st.not_ready++;
		return;
	}
	if (r == EMU_IN_BLOCKED) {
		emu_agent_hold(a, buf, len);
		return;
	}
	emu_agent_ack(a, m);
	a->in_expected++;
	emu_agent_drain_store(a);
}

/* Any client stream message or acknowledge ends the agent's pause. */
static void
emu_agent_heard(struct emu_agent *a)
{
	if (a->paused)
		emu_agent_set_paused(a, 0);
}

static void
emu_agent_dispatch(struct emu_agent *a, const uint8_t *buf, size_t len)
{
	struct ssm_msg	 m;
	char		*cause = NULL;

	if (ssm_msg_decode(buf, len, &m, &cause) != 0) {
		log_debug("session %s: client message dropped: %s", a->id,
		    cause);
		free(cause);
		a->st.bad_in++;
		return;
	}
	switch (m.type) {
	case SSM_MSG_ACKNOWLEDGE:
		emu_agent_heard(a);
		emu_agent_ack_in(a, &m);
		break;
	case SSM_MSG_INPUT_STREAM_DATA:
		emu_agent_heard(a);
		emu_agent_stream_in(a, &m, buf, len);
		break;
	default:
		log_debug("session %s: %s from the client ignored", a->id,
		    m.type_name);
		break;
	}
}

/* Keep a message that came while the agent's handler was blocked. */
static void
emu_agent_queue(struct emu_agent *a, const uint8_t *buf, size_t len)
{
	uint32_t	n = (uint32_t)len;

	evbuffer_add(a->inbox, &n, sizeof n);
	evbuffer_add(a->inbox, buf, len);
	if (evbuffer_get_length(a->inbox) > EMU_DC_INBOX_HIGH && a->dc != NULL)
		emu_dc_set_reading(a->dc, 0);
}

void
emu_agent_input(struct emu_agent *a, const uint8_t *buf, size_t len)
{
	if (a->state >= EMU_AGENT_ENDED)
		return;
	if (a->blocked || a->held != NULL || evbuffer_get_length(a->inbox) > 0)
		emu_agent_queue(a, buf, len);
	else
		emu_agent_dispatch(a, buf, len);
}

/* The handler runs again: the held message, the store, the inbox. */
static void
emu_agent_unblock(struct emu_agent *a)
{
	struct ssm_msg		 m;
	enum emu_in_result	 r;
	uint8_t			*buf;
	uint32_t		 n;

	if (a->in_unblock)
		return;
	a->in_unblock = 1;
	if (a->held != NULL) {
		buf = a->held;
		a->held = NULL;
		if (ssm_msg_decode(buf, a->held_len, &m, NULL) == 0 &&
		    (r = emu_agent_process(a, &m)) != EMU_IN_NOT_READY) {
			if (r == EMU_IN_BLOCKED) {
				emu_agent_hold(a, buf, a->held_len);
				free(buf);
				a->in_unblock = 0;
				return;
			}
			emu_agent_ack(a, &m);
			a->in_expected++;
		}
		free(buf);
	}
	emu_agent_drain_store(a);
	while (!a->blocked && a->state < EMU_AGENT_ENDED &&
	    evbuffer_copyout(a->inbox, &n, sizeof n) == sizeof n) {
		buf = xmalloc(n);
		evbuffer_drain(a->inbox, sizeof n);
		evbuffer_remove(a->inbox, buf, n);
		emu_agent_dispatch(a, buf, n);
		free(buf);
	}
	if (a->dc != NULL && evbuffer_get_length(a->inbox) <
	    EMU_DC_INBOX_HIGH / 2)
		emu_dc_set_reading(a->dc, 1);
	a->in_unblock = 0;
}

static void
emu_agent_unblock_cb(evutil_socket_t fd, short events, void *arg)
{
	struct emu_agent	*a = arg;

	a->st.wakeups++;
	emu_agent_unblock(a);
}

/*
 * The port plugin's handler is blocked (a dial, a full target) or runs
 * again. Running again happens from the loop, never inside the caller,
 * which may be deep in a target's callback.
 */
void
emu_agent_set_blocked(struct emu_agent *a, int on)
{
	if (on)
		a->blocked = 1;
	else if (a->state < EMU_AGENT_ENDED) {
		a->blocked = 0;
		event_active(a->unblock, EV_TIMEOUT, 1);
	}
}

/* --------------------------------------------------- attach, pause, end */

void
emu_agent_attach(struct emu_agent *a, struct emu_dc *dc,
    const struct ssm_open_data_channel *odc)
{
	struct emu_dc	*old = a->dc;

	if (old != NULL && old != dc) {
		a->dc = NULL;
		a->drops++;
		log_info("session %s: a new connection replaces the old one",
		    a->id);
		emu_dc_drop(old);
	}
	a->dc = dc;
	a->attaches++;
	if (a->client_id == NULL && odc->client_id != NULL)
		a->client_id = xstrdup(odc->client_id);
	else if (a->client_id != NULL && (odc->client_id == NULL ||
	    strcmp(a->client_id, odc->client_id) != 0))
		log_warnx("session %s: attached by another client id (%s); "
		    "no handshake follows", a->id, odc->client_id != NULL ?
		    odc->client_id : "none");
	free(a->odc_client_version);
	a->odc_client_version = odc->client_version != NULL ?
	    xstrdup(odc->client_version) : NULL;
	if (evbuffer_get_length(a->inbox) > EMU_DC_INBOX_HIGH)
		emu_dc_set_reading(dc, 0);
	/*
	 * What the inbox holds is read by the unblock that ends a block; a
	 * new connection must not wait on one that has run already.
	 */
	if (!a->blocked && a->held == NULL &&
	    evbuffer_get_length(a->inbox) > 0)
		event_active(a->unblock, EV_TIMEOUT, 1);
	if (a->state == EMU_AGENT_WAITING) {
		emu_agent_handshake(a);
		return;
	}
	emu_agent_transmit_pending(a);
	if (emu.knobs.resend == EMU_RESEND_ALL)
		emu_agent_resend(a, 1);
	emu_port_kick(a);
}

void
emu_agent_detach(struct emu_agent *a, struct emu_dc *dc)
{
	if (a->dc != dc)
		return;
	a->dc = NULL;
	if (a->state < EMU_AGENT_DRAINING)
		a->drops++;
}

void
emu_agent_set_paused(struct emu_agent *a, int on)
{
	if (a->paused == on)
		return;
	a->paused = on;
	if (!on) {
		emu_agent_transmit_pending(a);
		emu_port_kick(a);
	}
}

/* Free what an ended session no longer needs; keep the counters. */
void
emu_agent_release(struct emu_agent *a)
{
	struct emu_out	*e;
	struct emu_in	*i;

	emu_port_stop(a);
	while ((e = RB_ROOT(&a->outs)) != NULL) {
		RB_REMOVE(emu_out_tree, &a->outs, e);
		free(e->buf);
		free(e);
	}
	a->nout = 0;
	while ((i = RB_ROOT(&a->ins)) != NULL) {
		RB_REMOVE(emu_in_tree, &a->ins, i);
		free(i->buf);
		free(i);
	}
	a->nin = 0;
	free(a->held);
	a->held = NULL;
	evbuffer_drain(a->inbox, evbuffer_get_length(a->inbox));
	evtimer_del(a->tick);
	evtimer_del(a->hs_timer);
	evtimer_del(a->end_timer);
	evtimer_del(a->max_timer);
	evtimer_del(a->idle_timer);
	event_del(a->unblock);
}

/* The drain is over: channel_closed, close, let go. */
void
emu_agent_finish(struct emu_agent *a)
{
	struct emu_dc	*dc = a->dc;

	if (a->state >= EMU_AGENT_ENDED)
		return;
	a->state = EMU_AGENT_ENDED;
	a->ended_ms = clock_now_ms();
	a->dc = NULL;
	if (dc != NULL)
		emu_dc_send_closed(dc, a, a->end_reason);
	emu_agent_release(a);
}

static void
emu_agent_end_cb(evutil_socket_t fd, short events, void *arg)
{
	struct emu_agent	*a = arg;

	if (a->nout > 0)
		log_info("session %s: %zu messages still unacknowledged after "
		    "the drain", a->id, a->nout);
	emu_agent_finish(a);
}

/*
 * End the session with output for channel_closed ("" for a normal end).
 * The port plugin stops now; with drain, unacknowledged output gets up
 * to 2 s first. The API record is marked terminated.
 */
void
emu_agent_end(struct emu_agent *a, const char *output, int drain)
{
	if (a->state >= EMU_AGENT_DRAINING)
		return;
	log_info("session %s: ending: %s", a->id, *output != '\0' ? output :
	    "normal end");
	a->end_reason = xstrdup(output);
	a->state = EMU_AGENT_DRAINING;
	emu_port_stop(a);
	evtimer_del(a->hs_timer);
	evtimer_del(a->max_timer);
	evtimer_del(a->idle_timer);
	if (a->s != NULL && a->s->state == EMU_SESSION_ACTIVE)
		emu_session_terminate(a->s);
	/* Never at once: the message that ended it is acknowledged first. */
	emu_timer_add_ms(a->end_timer, drain && a->nout > 0 && a->dc != NULL ?
	    EMU_AGENT_DRAIN_MS : 0);
}

static void
emu_agent_max_cb(evutil_socket_t fd, short events, void *arg)
{
	emu_agent_end(arg, "Your session has reached the maximum session "
	    "duration and has been terminated.", 0);
}

static void
emu_agent_idle_cb(evutil_socket_t fd, short events, void *arg)
{
	struct emu_agent	*a = arg;
	uint64_t		 idle = clock_now_ms() - a->last_data_ms;
	uint64_t		 limit = (uint64_t)emu.knobs.idle_timeout_ms;

	if (limit == 0)
		return;
	if (idle < limit) {
		emu_timer_add_ms(a->idle_timer, limit - idle);
		return;
	}
	emu_agent_end(a, "Your session timed out due to inactivity and has "
	    "been terminated.", 0);
}

/* A session started: its agent, waiting for the first client. */
struct emu_agent *
emu_agent_new(struct emu_session *s, const struct emu_target *t)
{
	struct emu_agent	*a;
	struct timeval		 tick = { 0, EMU_AGENT_TICK_MS * 1000 };

	a = xcalloc(1, sizeof *a);
	a->n = ++emu_agent_count;
	a->s = s;
	a->id = xstrdup(s->id);
	a->target = xstrdup(t->id);
	a->agent_version = xstrdup(t->agent_version);
	emu_plan_make(s, t, &a->plan);
	RB_INIT(&a->outs);
	RB_INIT(&a->ins);
	a->srtt = 100;
	a->rto = 200;
	a->scratch = evbuffer_new();
	a->inbox = evbuffer_new();
	a->not_ready_left = (u_int)emu.knobs.not_ready;
	a->started_ms = a->last_data_ms = clock_now_ms();
	a->tick = event_new(emu.base, -1, EV_PERSIST, emu_agent_tick_cb, a);
	evtimer_add(a->tick, &tick);
	a->hs_timer = evtimer_new(emu.base, emu_agent_hs_timeout_cb, a);
	emu_timer_add_ms(a->hs_timer, emu.knobs.handshake_timeout_ms);
	a->end_timer = evtimer_new(emu.base, emu_agent_end_cb, a);
	a->max_timer = evtimer_new(emu.base, emu_agent_max_cb, a);
	a->idle_timer = evtimer_new(emu.base, emu_agent_idle_cb, a);
	a->unblock = evtimer_new(emu.base, emu_agent_unblock_cb, a);
	if (emu.knobs.max_session_ms > 0)
		emu_timer_add_ms(a->max_timer, emu.knobs.max_session_ms);
	if (emu.knobs.idle_timeout_ms > 0)
		emu_timer_add_ms(a->idle_timer, emu.knobs.idle_timeout_ms);
	s->agent = a;
	TAILQ_INSERT_TAIL(&emu_agents, a, entry);
	log_info("session %s: agent %s on %s, %s session%s%s", a->id,
	    a->agent_version, a->target, a->plan.session_type,
	    a->plan.dial != NULL ? " to " : "",
	    a->plan.dial != NULL ? a->plan.dial : "");
	return (a);
}

/* The session's record goes: let go of everything now. */
void
emu_agent_free(struct emu_agent *a)
{
	struct emu_dc		*dc;

	if (a->s != NULL)
		a->s->agent = NULL;
	a->s = NULL;
	a->state = EMU_AGENT_ENDED;
	if ((dc = a->dc) != NULL) {
		a->dc = NULL;
		emu_dc_drop(dc);
	}
	emu_agent_release(a);
	event_free(a->tick);
	event_free(a->hs_timer);
	event_free(a->end_timer);
	event_free(a->max_timer);
	event_free(a->idle_timer);
	event_free(a->unblock);
	evbuffer_free(a->scratch);
	evbuffer_free(a->inbox);
	emu_plan_clear(&a->plan);
	TAILQ_REMOVE(&emu_agents, a, entry);
	free(a->id);
	free(a->target);
	free(a->agent_version);
	free(a->client_id);
	free(a->client_version);
	free(a->odc_client_version);
	free(a->end_reason);
	free(a);
}
