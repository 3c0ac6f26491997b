/*
 * Faults on the relay between a client WebSocket and the agent: every
 * message, in either direction, is drawn against the "faults" knob's
 * rules and then delivered, lost, duplicated, corrupted (a payload byte
 * changed, so that its digest no longer matches), held back behind the
 * next message, or delayed. The draws come from a per-direction
 * generator seeded from the "seed" knob, so a run is reproducible as far
 * as the order of events is.
 *
 * Held messages are bounded; what a direction still holds when its
 * connection goes is lost, as on a real network.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "emu.h"
#include "emu_agent.h"
#include "util.h"
#include "xmalloc.h"

#define EMU_FAULT_MAX_HELD	4096
#define EMU_FAULT_BEHIND_MS	20	/* a reordered message waits at most */

/* splitmix64: small, fast and good enough for fault draws. */
uint64_t
emu_fault_random(uint64_t *state)
{
	uint64_t	z;

	z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static int
emu_fault_draw(struct emu_fault *f, double rate)
{
	if (rate <= 0)
		return (0);
	return ((double)(emu_fault_random(&f->rng) >> 11) * 0x1.0p-53 < rate);
}

/* EMU_FAULT_DATA, _ACK or _OTHER, from the MessageType field. */
int
emu_fault_kind(const uint8_t *buf, size_t len)
{
	static const char	ack[] = "acknowledge ";
	static const char	in[] = "input_stream_data ";
	static const char	out[] = "output_stream_data ";

	if (len < SSM_MSG_HEADER_LEN)
		return (EMU_FAULT_OTHER);
	if (memcmp(buf + 4, ack, sizeof ack - 1) == 0)
		return (EMU_FAULT_ACK);
	if (memcmp(buf + 4, in, sizeof in - 1) == 0 ||
	    memcmp(buf + 4, out, sizeof out - 1) == 0)
		return (EMU_FAULT_DATA);
	return (EMU_FAULT_OTHER);
}

uint8_t *
emu_fault_corrupt(const uint8_t *buf, size_t len)
{
	uint8_t	*copy = xmalloc(len);

	memcpy(copy, buf, len);
	if (len > SSM_MSG_HEADER_LEN)
		copy[SSM_MSG_HEADER_LEN] ^= 0x5a;
	return (copy);
}

static struct emu_fault_held *
emu_fault_hold(const uint8_t *buf, size_t len, uint64_t due_ms)
{
	struct emu_fault_held	*h;

	h = xcalloc(1, sizeof *h);
	h->buf = xmalloc(len);
	memcpy(h->buf, buf, len);
	h->len = len;
	h->due_ms = due_ms;
	return (h);
}

static void
emu_fault_free_held(struct emu_fault_held *h)
{
	if (h != NULL) {
		free(h->buf);
		free(h);
	}
}

static void
emu_fault_arm(struct emu_fault *f)
{
	struct emu_fault_held	*h = TAILQ_FIRST(&f->held);
	uint64_t		 now = clock_now_ms(), due;

	if (h == NULL && f->behind == NULL) {
		evtimer_del(f->timer);
		return;
	}
	due = h != NULL ? h->due_ms : UINT64_MAX;
	if (f->behind != NULL && f->behind->due_ms < due)
		due = f->behind->due_ms;
	emu_timer_add_ms(f->timer, due > now ? due - now : 0);
}

/* Deliver, then whatever was held back behind this message. */
static void
emu_fault_deliver(struct emu_fault *f, const uint8_t *buf, size_t len)
{
	struct emu_fault_held	*h = f->behind;

	f->deliver(f->arg, buf, len);
	if (h != NULL && f->behind == h) {
		f->behind = NULL;
		f->deliver(f->arg, h->buf, h->len);
		emu_fault_free_held(h);
		emu_fault_arm(f);
	}
}

static void
emu_fault_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct emu_fault	*f = arg;
	struct emu_fault_held	*h;
	uint64_t		 now = clock_now_ms();

	if ((h = f->behind) != NULL && h->due_ms <= now) {
		f->behind = NULL;
		f->deliver(f->arg, h->buf, h->len);
		emu_fault_free_held(h);
	}
	while ((h = TAILQ_FIRST(&f->held)) != NULL && h->due_ms <= now) {
		TAILQ_REMOVE(&f->held, h, entry);
		f->nheld--;
		f->deliver(f->arg, h->buf, h->len);
		emu_fault_free_held(h);
	}
	emu_fault_arm(f);
}

void
emu_fault_init(struct emu_fault *f, int dir, uint64_t seed,
    void (*deliver)(void *, const uint8_t *, size_t), void *arg)
{
	memset(f, 0, sizeof *f);
	f->dir = dir;
	f->rng = seed;
	TAILQ_INIT(&f->held);
	f->deliver = deliver;
	f->arg = arg;
	f->c = &f->own;
	f->timer = evtimer_new(emu.base, emu_fault_timer_cb, f);
}

void
emu_fault_clear(struct emu_fault *f)
{
	struct emu_fault_held	*h;

	while ((h = TAILQ_FIRST(&f->held)) != NULL) {
		TAILQ_REMOVE(&f->held, h, entry);
		emu_fault_free_held(h);
	}
	f->nheld = 0;
	emu_fault_free_held(f->behind);
	f->behind = NULL;
	if (f->timer != NULL) {
		event_free(f->timer);
		f->timer = NULL;
	}
}

/* Keep a delayed message, in due order. */
static void
emu_fault_delay(struct emu_fault *f, const uint8_t *buf, size_t len,
    u_int ms)
{
	struct emu_fault_held	*h, *at;

	h = emu_fault_hold(buf, len, clock_now_ms() + ms);
	TAILQ_FOREACH_REVERSE(at, &f->held, emu_fault_heldq, entry) {
		if (at->due_ms <= h->due_ms)
			break;
	}
	if (at == NULL)
		TAILQ_INSERT_HEAD(&f->held, h, entry);
	else
		TAILQ_INSERT_AFTER(&f->held, at, h, entry);
	f->nheld++;
	emu_fault_arm(f);
}

void
emu_fault_pass(struct emu_fault *f, const uint8_t *buf, size_t len)
{
	const struct emu_fault_rule	*r;
	uint8_t				*copy;
	size_t				 i;
	int				 kind = emu_fault_kind(buf, len);

	for (i = 0; i < emu.knobs.nfaults; i++) {
		r = &emu.knobs.faults[i];
		if (!(r->dir & f->dir) || !(r->what & kind))
			continue;
		if (emu_fault_draw(f, r->loss)) {
			f->c->lost++;
			return;
		}
		if (f->dir == EMU_FAULT_OUT && len > SSM_MSG_HEADER_LEN &&
		    emu_fault_draw(f, r->corrupt)) {
			f->c->corrupted++;
			copy = emu_fault_corrupt(buf, len);
			emu_fault_deliver(f, copy, len);
			free(copy);
			return;
		}
		if (f->nheld < EMU_FAULT_MAX_HELD &&
		    emu_fault_draw(f, r->delay)) {
			f->c->delayed++;
			emu_fault_delay(f, buf, len, r->delay_ms);
			return;
		}
		if (f->behind == NULL && emu_fault_draw(f, r->reorder)) {
			f->c->reordered++;
			f->behind = emu_fault_hold(buf, len,
			    clock_now_ms() + EMU_FAULT_BEHIND_MS);
			emu_fault_arm(f);
			return;
		}
		if (emu_fault_draw(f, r->dup)) {
			f->c->duplicated++;
			f->deliver(f->arg, buf, len);
		}
	}
	emu_fault_deliver(f, buf, len);
}

void
emu_fault_to_json(const struct emu_fault_counts *f, const char *prefix,
    cJSON *obj)
{
	static const char *const names[] = { "lost", "duplicated",
	    "reordered", "delayed", "corrupted" };
	uint64_t	v[5];
	char		name[64];
	size_t		i;

	v[0] = f->lost;
	v[1] = f->duplicated;
	v[2] = f->reordered;
	v[3] = f->delayed;
	v[4] = f->corrupted;
	for (i = 0; i < nitems(names); i++) {
		snprintf(name, sizeof name, "%s_%s", prefix, names[i]);
		cJSON_AddNumberToObject(obj, name, (double)v[i]);
	}
}
