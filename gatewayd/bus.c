/*
 * The event bus (bus.h has the contract): a list of subscribers, each
 * with a mask of event types, called in turn for every event published.
 *
 * A subscriber may go while an event is being delivered (the control
 * socket drops a follower that fell behind from inside its callback):
 * it is only marked dead then, skipped from that point, and freed once
 * the delivery is over, so the walk never steps on freed memory. One
 * that comes during a delivery starts with the next event.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>

#include "bus.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

struct bus_sub {
	uint32_t		 mask;
	void			(*cb)(const struct bus_event *, void *);
	void			*arg;
	uint64_t		 first;		/* the first seq it gets */
	int			 dead;
	TAILQ_ENTRY(bus_sub)	 entry;
};
TAILQ_HEAD(bus_subs, bus_sub);

static struct bus_subs	bus_subs = TAILQ_HEAD_INITIALIZER(bus_subs);
static uint64_t		bus_seq;
static int		bus_delivering;

struct bus_sub *
bus_subscribe(uint32_t mask, void (*cb)(const struct bus_event *, void *),
    void *arg)
{
	struct bus_sub	*sub;

	sub = xcalloc(1, sizeof *sub);
	sub->mask = mask;
	sub->cb = cb;
	sub->arg = arg;
	sub->first = bus_seq + 1;
	TAILQ_INSERT_TAIL(&bus_subs, sub, entry);
	return (sub);
}

void
bus_unsubscribe(struct bus_sub *sub)
{
	if (sub == NULL || sub->dead)
		return;
	if (bus_delivering) {
		sub->dead = 1;
		return;
	}
	TAILQ_REMOVE(&bus_subs, sub, entry);
	free(sub);
}

/* Free the subscribers that went during a delivery. */
static void
bus_reap(void)
{
	struct bus_sub	*sub, *sub1;

	TAILQ_FOREACH_SAFE(sub, &bus_subs, entry, sub1) {
		if (sub->dead) {
			TAILQ_REMOVE(&bus_subs, sub, entry);
			free(sub);
		}
	}
}

void
bus_publish(struct bus_event *ev)
{
	struct bus_sub	*sub;

	if (bus_delivering)
		fatalx("bus: event %d published from a subscriber",
		    (int)ev->type);
	ev->seq = ++bus_seq;
	ev->time_ms = clock_wall_ms();
	bus_delivering = 1;
	TAILQ_FOREACH(sub, &bus_subs, entry) {
		if (sub->dead || sub->first > ev->seq ||
		    (sub->mask & BUS_MASK(ev->type)) == 0)
			continue;
		sub->cb(ev, sub->arg);
	}
	bus_delivering = 0;
	bus_reap();
}
