/*
 * Unit tests for bus.c: masks, publish order, subscribing and
 * unsubscribing, also from inside a callback.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bus.h"
#include "util.h"

/* What one subscriber saw, and what it does on its next event. */
struct seen {
	uint64_t	 seq[16];
	enum bus_type	 type[16];
	uint64_t	 id[16];
	size_t		 n;
	struct bus_sub	*self;
	struct bus_sub	*drop;		/* unsubscribe this on an event */
	struct bus_sub	**add;		/* subscribe here on an event */
	struct seen	*add_seen;
};

static void
seen_cb(const struct bus_event *ev, void *arg)
{
	struct seen	*s = arg;

	assert_true(s->n < 16);
	s->seq[s->n] = ev->seq;
	s->type[s->n] = ev->type;
	s->id[s->n] = ev->type <= BUS_CONN_CLOSED ? ev->conn.id : 0;
	s->n++;
	if (s->drop != NULL) {
		bus_unsubscribe(s->drop);
		s->drop = NULL;
	}
	if (s->add != NULL) {
		*s->add = bus_subscribe(BUS_ALL, seen_cb, s->add_seen);
		s->add = NULL;
	}
}

static void
publish_conn(enum bus_type type, uint64_t id)
{
	struct bus_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.conn.id = id;
	ev.conn.forward = "db";
	ev.conn.peer = "127.0.0.1:1";
	bus_publish(&ev);
}

static void
publish(enum bus_type type)
{
	publish_conn(type, 0);
}

static void
test_bus_masks_pick_types(void **state)
{
	struct seen	 conn, session, all;
	struct bus_sub	*a, *b, *c;

	memset(&conn, 0, sizeof conn);
	memset(&session, 0, sizeof session);
	memset(&all, 0, sizeof all);
	a = bus_subscribe(BUS_CONN, seen_cb, &conn);
	b = bus_subscribe(BUS_MASK(BUS_SESSION_ENDED), seen_cb, &session);
	c = bus_subscribe(BUS_ALL, seen_cb, &all);
	publish(BUS_CONN_OPENED);
	publish(BUS_SESSION_STARTING);
	publish(BUS_SESSION_ENDED);
	publish(BUS_API_FAILED);
	publish(BUS_CONN_CLOSED);
	assert_int_equal(conn.n, 2);
	assert_int_equal(conn.type[0], BUS_CONN_OPENED);
	assert_int_equal(conn.type[1], BUS_CONN_CLOSED);
	assert_int_equal(session.n, 1);
	assert_int_equal(session.type[0], BUS_SESSION_ENDED);
	assert_int_equal(all.n, 5);
	assert_int_equal(all.type[3], BUS_API_FAILED);
	bus_unsubscribe(a);
	bus_unsubscribe(b);
	bus_unsubscribe(c);
}

static void
test_bus_delivers_in_publish_order(void **state)
{
	struct seen	 s1, s2;
	struct bus_sub	*a, *b;
	size_t		 i;

	memset(&s1, 0, sizeof s1);
	memset(&s2, 0, sizeof s2);
	a = bus_subscribe(BUS_CONN, seen_cb, &s1);
	b = bus_subscribe(BUS_CONN, seen_cb, &s2);
	for (i = 1; i <= 10; i++)
		publish_conn(i % 2 ? BUS_CONN_OPENED : BUS_CONN_CLOSED, i);
	assert_int_equal(s1.n, 10);
	assert_int_equal(s2.n, 10);
	for (i = 0; i < 10; i++) {
		assert_int_equal(s1.id[i], i + 1);
		assert_int_equal(s2.id[i], i + 1);
		assert_int_equal(s1.seq[i], s2.seq[i]);
		if (i > 0)
			assert_int_equal(s1.seq[i], s1.seq[i - 1] + 1);
	}
	bus_unsubscribe(a);
	bus_unsubscribe(b);
}

static void
test_bus_stamps_time(void **state)
{
	struct bus_event	ev;

	clock_set_fake(1000, 1700000000000ULL);
	memset(&ev, 0, sizeof ev);
	ev.type = BUS_API_MADE;
	bus_publish(&ev);
	assert_int_equal(ev.time_ms, 1700000000000ULL);
	assert_true(ev.seq > 0);
	clock_set_fake(0, 0);
}

static void
test_bus_unsubscribe_stops_delivery(void **state)
{
	struct seen	 s;
	struct bus_sub	*a;

	memset(&s, 0, sizeof s);
	a = bus_subscribe(BUS_ALL, seen_cb, &s);
	publish(BUS_CONN_OPENED);
	bus_unsubscribe(a);
	publish(BUS_CONN_CLOSED);
	assert_int_equal(s.n, 1);
	bus_unsubscribe(NULL);
	publish(BUS_CONN_CLOSED);	/* nobody listens: nothing happens */
}

/* A subscriber that drops itself gets no second call. */
static void
test_bus_unsubscribe_self_in_callback(void **state)
{
	struct seen	 s, other;
	struct bus_sub	*a, *b;

	memset(&s, 0, sizeof s);
	memset(&other, 0, sizeof other);
	a = bus_subscribe(BUS_ALL, seen_cb, &s);
	b = bus_subscribe(BUS_ALL, seen_cb, &other);
	s.drop = a;
	publish(BUS_CONN_OPENED);
	publish(BUS_CONN_CLOSED);
	assert_int_equal(s.n, 1);
	assert_int_equal(other.n, 2);
	bus_unsubscribe(b);
}

/* One dropped by an earlier subscriber misses the event being delivered. */
static void
test_bus_unsubscribe_later_in_callback(void **state)
{
	struct seen	 first, second, third;
	struct bus_sub	*a, *b, *c;

	memset(&first, 0, sizeof first);
	memset(&second, 0, sizeof second);
	memset(&third, 0, sizeof third);
	a = bus_subscribe(BUS_ALL, seen_cb, &first);
	b = bus_subscribe(BUS_ALL, seen_cb, &second);
	c = bus_subscribe(BUS_ALL, seen_cb, &third);
	first.drop = b;
	publish(BUS_CONN_OPENED);
	assert_int_equal(first.n, 1);
	assert_int_equal(second.n, 0);
	assert_int_equal(third.n, 1);
	/* Dropping an earlier one spares the rest of the walk too. */
	third.drop = a;
	publish(BUS_CONN_CLOSED);
	assert_int_equal(first.n, 2);
	assert_int_equal(third.n, 2);
	publish(BUS_CONN_CLOSED);
	assert_int_equal(first.n, 2);
	assert_int_equal(third.n, 3);
	bus_unsubscribe(c);
}

/* One subscribed from a callback starts with the next event. */
static void
test_bus_subscribe_in_callback(void **state)
{
	struct seen	 s, late;
	struct bus_sub	*a, *b = NULL;

	memset(&s, 0, sizeof s);
	memset(&late, 0, sizeof late);
	a = bus_subscribe(BUS_ALL, seen_cb, &s);
	s.add = &b;
	s.add_seen = &late;
	publish(BUS_CONN_OPENED);
	assert_non_null(b);
	assert_int_equal(late.n, 0);
	publish(BUS_CONN_CLOSED);
	assert_int_equal(late.n, 1);
	assert_int_equal(late.type[0], BUS_CONN_CLOSED);
	assert_int_equal(s.n, 2);
	bus_unsubscribe(a);
	bus_unsubscribe(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bus_masks_pick_types),
		cmocka_unit_test(test_bus_delivers_in_publish_order),
		cmocka_unit_test(test_bus_stamps_time),
		cmocka_unit_test(test_bus_unsubscribe_stops_delivery),
		cmocka_unit_test(test_bus_unsubscribe_self_in_callback),
		cmocka_unit_test(test_bus_unsubscribe_later_in_callback),
		cmocka_unit_test(test_bus_subscribe_in_callback),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
