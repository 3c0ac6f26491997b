/*
 * Unit tests for pool.c, the session pool's policy: tables of session
 * loads, settings and times in, decisions out. What they show: a new
 * conn goes to the least loaded session (draining ones last), saturation
 * opens another session up to max_sessions and no further, one start is
 * in flight at a time, the per-target cap holds, make before break opens
 * the replacement before the predictable end (a simulated clock runs six
 * maximum durations), release ends an unused session after its delay and
 * not before, and the ceiling follows what sessions show.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ssm_pool.h"

#define OPEN		SSM_POOL_OPEN
#define STARTING	SSM_POOL_STARTING
#define DRAINING	SSM_POOL_DRAINING
#define CLOSING		SSM_POOL_CLOSING
#define MB		1024000		/* awsemu's paced ceiling, bytes/s */

/* A mux session: state, streams, rate. */
#define MUX(st, n, r)	{ .state = (st), .mux = 1, .streams = (n), \
			  .rate = (r) }
#define BASIC(st, n)	{ .state = (st), .mux = 0, .streams = (n) }

static void
test_ssm_pool_choose_least_loaded(void **state)
{
	static const struct {
		const char		*what;
		struct ssm_pool_load	 l[4];
		size_t			 n;
		int			 use_draining;
		int			 want;
	} cases[] = {
		{ "nothing open", { MUX(STARTING, 0, 0) }, 1, 1, -1 },
		{ "the only one", { MUX(OPEN, 9, 0) }, 1, 0, 0 },
		{ "fewest streams", { MUX(OPEN, 3, 0), MUX(OPEN, 1, 0),
		    MUX(OPEN, 2, 0) }, 3, 0, 1 },
		{ "not saturated beats fewer streams",
		    { MUX(OPEN, 1, MB), MUX(OPEN, 5, 1000) }, 2, 0, 1 },
		{ "same streams: the lower rate",
		    { MUX(OPEN, 2, 500000), MUX(OPEN, 2, 100000) }, 2, 0, 1 },
		{ "no streams: its last rate is not saturation",
		    { MUX(OPEN, 2, 1000), MUX(OPEN, 0, MB) }, 2, 0, 1 },
		{ "all saturated: fewest streams",
		    { MUX(OPEN, 2, MB), MUX(OPEN, 1, MB) }, 2, 0, 1 },
		{ "draining skipped", { MUX(DRAINING, 0, 0),
		    MUX(OPEN, 7, 0) }, 2, 1, 1 },
		{ "draining not allowed", { MUX(DRAINING, 0, 0),
		    MUX(STARTING, 0, 0) }, 2, 0, -1 },
		{ "draining as a last resort", { MUX(DRAINING, 3, 0),
		    MUX(CLOSING, 0, 0) }, 2, 1, 0 },
		{ "closing never", { MUX(CLOSING, 0, 0) }, 1, 1, -1 },
		{ "basic with a conn is taken", { BASIC(OPEN, 1),
		    BASIC(OPEN, 0) }, 2, 0, 1 },
		{ "basic all taken", { BASIC(OPEN, 1) }, 1, 0, -1 },
	};
	size_t	i;
	int	got;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		got = ssm_pool_choose(cases[i].l, cases[i].n, MB,
		    cases[i].use_draining);
		if (got != cases[i].want)
			fail_msg("%s: chose %d, want %d", cases[i].what, got,
			    cases[i].want);
	}
}

static void
test_ssm_pool_saturation_opens_up_to_max(void **state)
{
	static const struct {
		const char		*what;
		struct ssm_pool_load	 l[4];
		size_t			 n;
		unsigned		 max;
		enum ssm_pool_start	 want;
	} cases[] = {
		{ "one saturated, max 1", { MUX(OPEN, 1, MB) }, 1, 1,
		    SSM_POOL_START_NONE },
		{ "one saturated, max 4", { MUX(OPEN, 1, MB) }, 1, 4,
		    SSM_POOL_START_SATURATED },
		{ "at 80%", { MUX(OPEN, 1, MB * 8 / 10) }, 1, 4,
		    SSM_POOL_START_SATURATED },
		{ "below 80%", { MUX(OPEN, 1, MB * 7 / 10) }, 1, 4,
		    SSM_POOL_START_NONE },
		{ "one of two saturated", { MUX(OPEN, 1, MB),
		    MUX(OPEN, 0, 0) }, 2, 4, SSM_POOL_START_NONE },
		{ "three of three", { MUX(OPEN, 1, MB), MUX(OPEN, 1, MB),
		    MUX(OPEN, 1, MB) }, 3, 4, SSM_POOL_START_SATURATED },
		{ "four of four, max 4", { MUX(OPEN, 1, MB),
		    MUX(OPEN, 1, MB), MUX(OPEN, 1, MB), MUX(OPEN, 1, MB) },
		    4, 4, SSM_POOL_START_NONE },
		{ "draining ones do not count", { MUX(DRAINING, 1, MB),
		    MUX(OPEN, 1, MB) }, 2, 2, SSM_POOL_START_SATURATED },
		{ "a trickle under the floor", { MUX(OPEN, 1, 100000) }, 1,
		    4, SSM_POOL_START_NONE },
	};
	struct ssm_pool_policy	 p = { 0 };
	struct ssm_pool_view	 v = { 0 };
	const char		*why_not;
	enum ssm_pool_start	 got;
	size_t			 i;

	v.target_sessions = -1;
	v.ceiling = MB;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		p.max_sessions = cases[i].max;
		v.loads = cases[i].l;
		v.n = cases[i].n;
		got = ssm_pool_want_start(&p, &v, &why_not);
		if (got != cases[i].want)
			fail_msg("%s: %s, want %s", cases[i].what,
			    ssm_pool_start_name(got),
			    ssm_pool_start_name(cases[i].want));
	}

	/* The window full three ticks in a row is saturation too. */
	{
		struct ssm_pool_load	l = MUX(OPEN, 1, 0);

		l.backlog = SSM_POOL_BACKLOG_TICKS - 1;
		assert_false(ssm_pool_is_saturated(&l, MB));
		l.backlog++;
		assert_true(ssm_pool_is_saturated(&l, MB));
	}
}

static void
test_ssm_pool_one_start_in_flight(void **state)
{
	static const struct {
		const char		*what;
		struct ssm_pool_load	 l[4];
		size_t			 n;
		size_t			 waiting;
		int			 basic, warm_due;
		enum ssm_pool_start	 want;
		int			 why_not;
	} cases[] = {
		{ "waiting, nothing open", { MUX(CLOSING, 0, 0) }, 1, 1, 0,
		    0, SSM_POOL_START_WAITING, 0 },
		{ "waiting, one starting", { MUX(STARTING, 0, 0) }, 1, 5, 0,
		    0, SSM_POOL_START_NONE, 1 },
		{ "basic: 3 waiting, one starting", { BASIC(STARTING, 0) },
		    1, 3, 1, 0, SSM_POOL_START_NONE, 1 },
		{ "basic: 3 waiting", { BASIC(OPEN, 1) }, 1, 3, 1, 0,
		    SSM_POOL_START_WAITING, 0 },
		{ "basic warm: a spare", { BASIC(OPEN, 1) }, 1, 0, 1, 1,
		    SSM_POOL_START_WARM, 0 },
		{ "basic warm: spare there", { BASIC(OPEN, 0) }, 1, 0, 1, 1,
		    SSM_POOL_START_NONE, 0 },
		{ "warm due", { MUX(CLOSING, 0, 0) }, 1, 0, 0, 1,
		    SSM_POOL_START_WARM, 0 },
		{ "warm, starting", { MUX(STARTING, 0, 0) }, 1, 0, 0, 1,
		    SSM_POOL_START_NONE, 1 },
		{ "warm, open", { MUX(OPEN, 0, 0) }, 1, 0, 0, 1,
		    SSM_POOL_START_NONE, 0 },
		{ "replace: draining with streams", { MUX(DRAINING, 2, 0) },
		    1, 0, 0, 0, SSM_POOL_START_REPLACE, 0 },
		{ "replace: starting already", { MUX(DRAINING, 2, 0),
		    MUX(STARTING, 0, 0) }, 2, 0, 0, 0, SSM_POOL_START_NONE,
		    1 },
		{ "drained, not warm: none", { MUX(DRAINING, 0, 0) }, 1, 0,
		    0, 0, SSM_POOL_START_NONE, 0 },
		{ "replaced already", { MUX(DRAINING, 2, 0),
		    MUX(OPEN, 0, 0) }, 2, 0, 0, 0, SSM_POOL_START_NONE, 0 },
	};
	struct ssm_pool_policy	 p = { .max_sessions = 4 };
	struct ssm_pool_view	 v = { 0 };
	const char		*why_not;
	enum ssm_pool_start	 got;
	size_t			 i;

	v.target_sessions = -1;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		v.loads = cases[i].l;
		v.n = cases[i].n;
		v.waiting = cases[i].waiting;
		v.basic = cases[i].basic;
		v.warm_due = cases[i].warm_due;
		got = ssm_pool_want_start(&p, &v, &why_not);
		if (got != cases[i].want)
			fail_msg("%s: %s, want %s", cases[i].what,
			    ssm_pool_start_name(got),
			    ssm_pool_start_name(cases[i].want));
		if ((why_not != NULL) != cases[i].why_not)
			fail_msg("%s: why_not %s", cases[i].what,
			    why_not != NULL ? why_not : "NULL");
	}
}

/*
 * Conns arriving together: whether one waits to spread to a session still
 * to open, what the pool starts for those waiting, and how many a session
 * that opens takes.
 */
static void
test_ssm_pool_spread_simultaneous_arrivals(void **state)
{
	static const struct {
		const char		*what;
		unsigned		 max, per_target;
		struct ssm_pool_load	 l[4];
		size_t			 n, spreading;
		int			 target_sessions, may_start;
		int			 spread;
		enum ssm_pool_start	 start;
	} cases[] = {
		{ "an idle session takes it", 4, 0, { MUX(OPEN, 0, 0) }, 1, 0,
		    1, 1, 0, SSM_POOL_START_NONE },
		{ "max_sessions 1: never", 1, 0, { MUX(OPEN, 3, 0) }, 1, 0, 1,
		    1, 0, SSM_POOL_START_NONE },
		{ "the second of four", 4, 0, { MUX(OPEN, 1, 0) }, 1, 0, 1, 1,
		    1, SSM_POOL_START_NONE },
		{ "third: two wait, one more start", 4, 0, { MUX(OPEN, 1, 0),
		    MUX(STARTING, 0, 0) }, 2, 1, 2, 1, 1,
		    SSM_POOL_START_NONE },
		{ "one waits: its start", 4, 0, { MUX(OPEN, 1, 0) }, 1, 1, 1,
		    1, 1, SSM_POOL_START_SPREAD },
		{ "two wait, one starting: another", 4, 0, { MUX(OPEN, 1, 0),
		    MUX(STARTING, 0, 0) }, 2, 2, 2, 1, 1,
		    SSM_POOL_START_SPREAD },
		{ "as many starting as waiting", 4, 0, { MUX(OPEN, 1, 0),
		    MUX(STARTING, 0, 0), MUX(STARTING, 0, 0) }, 3, 2, 3, 1, 1,
		    SSM_POOL_START_NONE },
		{ "max 2, the fourth of five spreads", 2, 0,
		    { MUX(OPEN, 2, 0) }, 1, 1, 1, 1, 1,
		    SSM_POOL_START_SPREAD },
		{ "max 2, the fifth takes the open one", 2, 0,
		    { MUX(OPEN, 2, 0), MUX(STARTING, 0, 0) }, 2, 2, 2, 1, 0,
		    SSM_POOL_START_NONE },
		{ "max reached", 2, 0, { MUX(OPEN, 1, 0), MUX(OPEN, 1, 0) },
		    2, 0, 2, 1, 0, SSM_POOL_START_NONE },
		{ "per-target cap reached", 4, 2, { MUX(OPEN, 1, 0),
		    MUX(OPEN, 1, 0) }, 2, 0, 2, 1, 0, SSM_POOL_START_NONE },
		{ "per-target cap: one more", 4, 2, { MUX(OPEN, 1, 0) }, 1, 0,
		    1, 1, 1, SSM_POOL_START_NONE },
		{ "backing off after failures", 4, 0, { MUX(OPEN, 1, 0) }, 1,
		    0, 1, 0, 0, SSM_POOL_START_NONE },
		{ "nothing open: waits as any conn", 4, 0,
		    { MUX(STARTING, 0, 0) }, 1, 0, 1, 1, 0,
		    SSM_POOL_START_NONE },
		{ "basic: never", 4, 0, { BASIC(OPEN, 1) }, 1, 0, 1, 1, 0,
		    SSM_POOL_START_NONE },
	};
	static const struct {
		const char		*what;
		unsigned		 max;
		struct ssm_pool_load	 l[4];
		size_t			 n, spreading, share;
	} shares[] = {
		{ "one of three to come", 4, { MUX(OPEN, 1, 0),
		    MUX(OPEN, 0, 0) }, 2, 3, 1 },
		{ "the last that may open: all", 2, { MUX(OPEN, 3, 0),
		    MUX(OPEN, 0, 0) }, 2, 2, 2 },
		{ "99 over 7 to come: 15", 8, { MUX(OPEN, 1, 0),
		    MUX(OPEN, 0, 0) }, 2, 99, 15 },
		{ "none waiting", 4, { MUX(OPEN, 1, 0) }, 1, 0, 0 },
	};
	struct ssm_pool_policy	 p = { 0 };
	struct ssm_pool_view	 v = { 0 };
	const char		*why_not;
	enum ssm_pool_start	 got;
	size_t			 i, share;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		p.max_sessions = cases[i].max;
		p.max_per_target = cases[i].per_target;
		v.loads = cases[i].l;
		v.n = cases[i].n;
		v.basic = !cases[i].l[0].mux;
		v.spreading = cases[i].spreading;
		v.target_sessions = cases[i].target_sessions;
		v.may_start = cases[i].may_start;
		if (ssm_pool_spread(&p, &v) != cases[i].spread)
			fail_msg("%s: spread %d", cases[i].what,
			    !cases[i].spread);
		got = ssm_pool_want_start(&p, &v, &why_not);
		if (got != cases[i].start)
			fail_msg("%s: %s, want %s", cases[i].what,
			    ssm_pool_start_name(got),
			    ssm_pool_start_name(cases[i].start));
	}
	p.max_per_target = 0;
	v.target_sessions = -1;
	v.may_start = 1;
	v.basic = 0;
	for (i = 0; i < sizeof shares / sizeof shares[0]; i++) {
		p.max_sessions = shares[i].max;
		v.loads = shares[i].l;
		v.n = shares[i].n;
		v.spreading = shares[i].spreading;
		share = ssm_pool_spread_share(&p, &v);
		if (share != shares[i].share)
			fail_msg("%s: %zu, want %zu", shares[i].what, share,
			    shares[i].share);
	}
}

static void
test_ssm_pool_per_target_cap(void **state)
{
	static const struct ssm_pool_load	 l[] = { MUX(CLOSING, 0, 0) };
	struct ssm_pool_policy			 p = { .max_sessions = 1 };
	struct ssm_pool_view			 v = { 0 };
	const char				*why_not;
	static const struct {
		unsigned		 cap;
		int			 on_target;
		enum ssm_pool_start	 want;
	} cases[] = {
		{ 0, 1000, SSM_POOL_START_WAITING },	/* no cap */
		{ 2, 1, SSM_POOL_START_WAITING },
		{ 2, 2, SSM_POOL_START_NONE },
		{ 2, 3, SSM_POOL_START_NONE },
		{ 2, -1, SSM_POOL_START_WAITING },	/* tag: not known yet */
	};
	size_t					 i;

	v.loads = l;
	v.n = 1;
	v.waiting = 1;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		p.max_per_target = cases[i].cap;
		v.target_sessions = cases[i].on_target;
		assert_int_equal(ssm_pool_want_start(&p, &v, &why_not),
		    cases[i].want);
		assert_int_equal(why_not != NULL,
		    cases[i].want == SSM_POOL_START_NONE);
	}

	/* The counts behind it, gateway-wide. */
	assert_int_equal(ssm_pool_target_count("i-0123456789abcdef0"), 0);
	assert_int_equal(ssm_pool_target_count(NULL), -1);
	ssm_pool_target_hold("i-0123456789abcdef0");
	ssm_pool_target_hold("i-0123456789abcdef0");
	ssm_pool_target_hold("i-00000000000000001");
	assert_int_equal(ssm_pool_target_count("i-0123456789abcdef0"), 2);
	assert_int_equal(ssm_pool_target_count("i-00000000000000001"), 1);
	ssm_pool_target_release("i-0123456789abcdef0");
	ssm_pool_target_release("i-00000000000000001");
	ssm_pool_target_release("i-unknown");
	assert_int_equal(ssm_pool_target_count("i-0123456789abcdef0"), 1);
	assert_int_equal(ssm_pool_target_count("i-00000000000000001"), 0);
	ssm_pool_target_release("i-0123456789abcdef0");
	assert_int_equal(ssm_pool_target_count("i-0123456789abcdef0"), 0);
}

static void
test_ssm_pool_make_before_break_timing(void **state)
{
	static const struct {
		uint64_t	duration, age, started, want;
	} cases[] = {
		{ 0, 0, 5000, 0 },			/* nothing to renew */
		{ 3000, 0, 1000, 1000 + 2700 },		/* a tenth early */
		{ 1200000, 0, 0, 1200000 - 60000 },	/* 20m: 1m early */
		{ 86400000, 0, 7, 86400000 - 60000 + 7 }, /* lead capped */
		{ 0, 600000, 100, 600100 },		/* age alone */
		{ 1200000, 600000, 0, 600000 },		/* age first */
		{ 600000, 1200000, 0, 540000 },		/* duration first */
	};
	struct ssm_pool_policy	 p = { .warm = 1, .max_sessions = 1 };
	struct ssm_pool_load	 l[2];
	struct ssm_pool_view	 v = { 0 };
	const char		*why_not;
	uint64_t		 now, started[2], end = 6 * 3000, latency = 40;
	uint64_t		 hard_end;
	unsigned		 replacements = 0, i;
	int			 old, cur;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		p.max_duration = cases[i].duration;
		p.max_age = cases[i].age;
		assert_int_equal(ssm_pool_renew_at(&p, cases[i].started),
		    cases[i].want);
	}

	/*
	 * A clock in 10 ms steps over six maximum durations of 3 s: the
	 * pool replaces its session when renew_at comes, the replacement
	 * opens after latency, and the drained one ends. At every step a
	 * conn finds an open session, and no session reaches its hard end.
	 */
	p.max_duration = 3000;
	p.max_age = 0;
	v.target_sessions = -1;
	memset(l, 0, sizeof l);
	l[0].state = OPEN;
	l[0].mux = 1;
	l[1].state = CLOSING;
	started[0] = 0;
	cur = 0;
	old = -1;
	for (now = 0; now <= end; now += 10) {
		hard_end = started[cur] + p.max_duration;
		assert_true(now < hard_end);
		if (l[cur].state == OPEN &&
		    now >= ssm_pool_renew_at(&p, started[cur])) {
			l[cur].state = DRAINING;
			replacements++;
			v.loads = l;
			v.n = 2;
			v.warm_due = 1;
			assert_int_equal(ssm_pool_want_start(&p, &v,
			    &why_not), SSM_POOL_START_REPLACE);
			old = cur;
			cur = !cur;
			memset(&l[cur], 0, sizeof l[cur]);
			l[cur].state = STARTING;
			l[cur].mux = 1;
			started[cur] = now;
		}
		if (l[cur].state == STARTING && now >= started[cur] + latency)
			l[cur].state = OPEN;
		/* A conn now: the draining one only while nothing opens. */
		assert_int_not_equal(ssm_pool_choose(l, 2, MB, 1), -1);
		if (old != -1 && l[cur].state == OPEN) {
			assert_int_equal(ssm_pool_want_end(&p, &l[old], now,
			    1), SSM_POOL_END_DRAINED);
			l[old].state = CLOSING;
			old = -1;
		}
	}
	/* Every 2.7 s after the previous start: 18 s / 2.7 s. */
	assert_int_equal(replacements, 6);
}

static void
test_ssm_pool_release_after_delay(void **state)
{
	static const struct {
		const char		*what;
		int			 release;
		struct ssm_pool_load	 l;
		uint64_t		 idle_since, now;
		int			 replaced, warm;
		enum ssm_pool_end	 want;
	} cases[] = {
		{ "hold keeps it", 0, MUX(OPEN, 0, 0), 1000, 999999, 0, 0,
		    SSM_POOL_END_NONE },
		{ "release: too soon", 1, MUX(OPEN, 0, 0), 1000, 60999, 0,
		    0, SSM_POOL_END_NONE },
		{ "release: at the delay", 1, MUX(OPEN, 0, 0), 1000, 61000,
		    0, 0, SSM_POOL_END_RELEASE },
		{ "release: has a stream", 1, MUX(OPEN, 1, 0), 0, 999999, 0,
		    0, SSM_POOL_END_NONE },
		{ "release: starting", 1, MUX(STARTING, 0, 0), 1000, 999999,
		    0, 0, SSM_POOL_END_NONE },
		{ "drained", 0, MUX(DRAINING, 0, 0), 0, 5, 0, 0,
		    SSM_POOL_END_DRAINED },
		{ "drained, warm, replaced", 0, MUX(DRAINING, 0, 0), 0, 5, 1,
		    1, SSM_POOL_END_DRAINED },
		{ "drained, warm, no replacement yet", 0, MUX(DRAINING, 0, 0),
		    0, 5, 0, 1, SSM_POOL_END_NONE },
		{ "draining, a stream left", 0, MUX(DRAINING, 1, 0), 0, 5, 1,
		    0, SSM_POOL_END_NONE },
	};
	struct ssm_pool_policy	 p = { .release_delay = 60000 };
	struct ssm_pool_load	 l;
	enum ssm_pool_end	 got;
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		p.release = cases[i].release;
		p.warm = cases[i].warm;
		l = cases[i].l;
		l.idle_since = cases[i].idle_since;
		got = ssm_pool_want_end(&p, &l, cases[i].now,
		    cases[i].replaced);
		if (got != cases[i].want)
			fail_msg("%s: %d, want %d", cases[i].what, got,
			    cases[i].want);
	}
}

static void
test_ssm_pool_ceiling_follows_sessions(void **state)
{
	uint64_t	c = 0;
	int		i;

	c = ssm_pool_ceiling(c, 1300000);		/* a burst */
	assert_int_equal(c, 1300000);
	c = ssm_pool_ceiling(c, 1000);			/* a trickle: kept */
	assert_int_equal(c, 1300000);
	for (i = 0; i < 10; i++)			/* steady at 1 MB/s */
		c = ssm_pool_ceiling(c, MB);
	assert_int_equal(c, MB);
	{
		struct ssm_pool_load	l = MUX(OPEN, 1, MB);

		assert_true(ssm_pool_is_saturated(&l, c));
	}
}

/*
 * A session held up by a client that does not read (stalled: smux v1
 * makes every stream wait) takes a new conn only when nothing else can,
 * and when every session is held up another opens, within max_sessions.
 */
static void
test_ssm_pool_stalled_session_is_avoided(void **state)
{
	struct ssm_pool_load	 l[2] = {
		MUX(OPEN, 1, 0), MUX(OPEN, 3, 0)
	};
	struct ssm_pool_policy	 p = { 0 };
	struct ssm_pool_view	 v = { 0 };
	const char		*why_not;

	assert_int_equal(ssm_pool_choose(l, 2, MB, 0), 0);
	l[0].stalled = 1;
	assert_true(ssm_pool_is_saturated(&l[0], MB));
	assert_int_equal(ssm_pool_choose(l, 2, MB, 0), 1);
	/* The only one left: it still takes the conn (bounded wait). */
	assert_int_equal(ssm_pool_choose(l, 1, MB, 0), 0);

	v.target_sessions = -1;
	v.ceiling = MB;
	v.may_start = 1;
	v.loads = l;
	v.n = 1;
	p.max_sessions = 2;
	assert_int_equal(ssm_pool_want_start(&p, &v, &why_not),
	    SSM_POOL_START_STALLED);
	p.max_sessions = 1;
	assert_int_equal(ssm_pool_want_start(&p, &v, &why_not),
	    SSM_POOL_START_NONE);
	/* Without streams it holds nobody up. */
	l[0].streams = 0;
	assert_false(ssm_pool_is_saturated(&l[0], MB));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssm_pool_choose_least_loaded),
		cmocka_unit_test(test_ssm_pool_saturation_opens_up_to_max),
		cmocka_unit_test(test_ssm_pool_one_start_in_flight),
		cmocka_unit_test(test_ssm_pool_per_target_cap),
		cmocka_unit_test(test_ssm_pool_spread_simultaneous_arrivals),
		cmocka_unit_test(test_ssm_pool_make_before_break_timing),
		cmocka_unit_test(test_ssm_pool_release_after_delay),
		cmocka_unit_test(test_ssm_pool_ceiling_follows_sessions),
		cmocka_unit_test(test_ssm_pool_stalled_session_is_avoided),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
