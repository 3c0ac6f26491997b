/*
 * The policy of a forward's session pool (ssm_pool.h): which session a
 * new conn goes to, when to start another, when to replace one before its
 * predictable end and when to end one. Nothing here touches a socket, a
 * timer or the clock: session.c passes the loads and the time in.
 *
 * The per-target counts are the one piece of state: a small list of the
 * instances that have sessions, shared by every forward of the gateway.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "ssm_pool.h"
#include "xmalloc.h"

static const char *ssm_pool_start_names[] = {
	"none", "waiting", "replace", "warm", "saturated", "spread", "stalled"
};

const char *
ssm_pool_start_name(enum ssm_pool_start why)
{
	return (ssm_pool_start_names[why]);
}

uint64_t
ssm_pool_ceiling(uint64_t ceiling, uint64_t rate)
{
	if (rate >= ceiling)
		return (rate);
	if (rate < SSM_POOL_CEILING_FLOOR)
		return (ceiling);
	ceiling -= ceiling / 16;
	return (ceiling > rate ? ceiling : rate);
}

int
ssm_pool_is_saturated(const struct ssm_pool_load *l, uint64_t ceiling)
{
	if (l->streams == 0)
		return (0);	/* its rate is the last tick's, of gone streams */
	if (l->stalled)
		return (1);	/* every stream waits: take no more */
	if (ceiling < SSM_POOL_CEILING_FLOOR)
		ceiling = SSM_POOL_CEILING_FLOOR;
	if (l->backlog >= SSM_POOL_BACKLOG_TICKS)
		return (1);
	return (l->rate * 100 >= ceiling * SSM_POOL_SATURATED_PCT);
}

/* 1 if a is less loaded than b. */
static int
ssm_pool_lighter(const struct ssm_pool_load *a, const struct ssm_pool_load *b,
    uint64_t ceiling)
{
	int	sa = ssm_pool_is_saturated(a, ceiling);
	int	sb = ssm_pool_is_saturated(b, ceiling);

	if (sa != sb)
		return (sb);
	if (a->streams != b->streams)
		return (a->streams < b->streams);
	return (a->rate < b->rate);
}

/* A session that can take one more conn now. */
static int
ssm_pool_takes(const struct ssm_pool_load *l, int use_draining)
{
	if (l->state != SSM_POOL_OPEN &&
	    !(use_draining && l->state == SSM_POOL_DRAINING))
		return (0);
	return (l->mux || l->streams == 0);
}

int
ssm_pool_choose(const struct ssm_pool_load *loads, size_t n,
    uint64_t ceiling, int use_draining)
{
	size_t	i;
	int	best = -1, pass;

	/* Open sessions first; draining ones only if none takes it. */
	for (pass = 0; pass < 2 && best == -1; pass++) {
		if (pass == 1 && !use_draining)
			break;
		for (i = 0; i < n; i++) {
			if (!ssm_pool_takes(&loads[i], pass))
				continue;
			if (pass == 0 && loads[i].state != SSM_POOL_OPEN)
				continue;
			if (best == -1 || ssm_pool_lighter(&loads[i],
			    &loads[best], ceiling))
				best = (int)i;
		}
	}
	return (best);
}

/* What spreading reads of the pool. */
struct ssm_pool_spread_view {
	size_t		open;		/* open mux sessions taking conns */
	size_t		starting;
	size_t		least;		/* fewest streams of the open ones */
	size_t		future;		/* sessions that may still open */
};

static int
ssm_pool_spread_view(const struct ssm_pool_policy *p,
    const struct ssm_pool_view *v, struct ssm_pool_spread_view *sv)
{
	const struct ssm_pool_load	*l;
	size_t				 i, room;
	unsigned			 max = p->max_sessions;

	memset(sv, 0, sizeof *sv);
	if (v->basic || max <= 1)
		return (-1);
	sv->least = SIZE_MAX;
	for (i = 0; i < v->n; i++) {
		l = &v->loads[i];
		if (l->state == SSM_POOL_STARTING)
			sv->starting++;
		else if (l->state == SSM_POOL_OPEN && l->mux) {
			sv->open++;
			if (l->streams < sv->least)
				sv->least = l->streams;
		}
	}
	if (sv->open == 0 || sv->open >= max)
		return (-1);
	/* Those starting, and the starts admission still allows. */
	room = max - sv->open;
	if (!v->may_start)
		room = sv->starting;
	if (p->max_per_target != 0 && v->target_sessions >= 0) {
		if ((unsigned)v->target_sessions >= p->max_per_target)
			room = sv->starting;
		else if (sv->starting + p->max_per_target -
		    (unsigned)v->target_sessions < room)
			room = sv->starting + p->max_per_target -
			    (unsigned)v->target_sessions;
	}
	sv->future = room < sv->starting ? sv->starting : room;
	return (sv->future == 0 ? -1 : 0);
}

int
ssm_pool_spread(const struct ssm_pool_policy *p,
    const struct ssm_pool_view *v)
{
	struct ssm_pool_spread_view	sv;

	if (ssm_pool_spread_view(p, v, &sv) != 0 || sv.least == 0)
		return (0);
	/* Shared evenly, the sessions to come would have fewer streams. */
	return (v->spreading / sv.future < sv.least);
}

size_t
ssm_pool_spread_share(const struct ssm_pool_policy *p,
    const struct ssm_pool_view *v)
{
	struct ssm_pool_spread_view	sv;

	if (v->spreading == 0)
		return (0);
	if (ssm_pool_spread_view(p, v, &sv) != 0)
		return (v->spreading);	/* the last that may open: all */
	return ((v->spreading + sv.future) / (sv.future + 1));
}

enum ssm_pool_start
ssm_pool_want_start(const struct ssm_pool_policy *p,
    const struct ssm_pool_view *v, const char **why_not)
{
	const struct ssm_pool_load	*l;
	size_t				 i, starting = 0, active = 0;
	size_t				 taking = 0, saturated = 0, spares = 0;
	size_t				 draining = 0, drain_streams = 0;
	size_t				 stalled = 0;
	unsigned			 max = p->max_sessions;
	enum ssm_pool_start		 want = SSM_POOL_START_NONE;

	*why_not = NULL;
	if (max == 0)
		max = 1;
	for (i = 0; i < v->n; i++) {
		l = &v->loads[i];
		switch (l->state) {
		case SSM_POOL_STARTING:
			starting++;
			break;
		case SSM_POOL_OPEN:
			active++;
			if (ssm_pool_takes(l, 0)) {
				taking++;
				if (!l->mux)
					spares++;
			}
			if (l->mux && ssm_pool_is_saturated(l, v->ceiling))
				saturated++;
			if (l->mux && l->stalled)
				stalled++;
			break;
		case SSM_POOL_DRAINING:
			draining++;
			drain_streams += l->streams;
			break;
		case SSM_POOL_CLOSING:
			break;
		}
	}

	if (v->basic) {
		/* One conn per session: each waiting conn needs its own. */
		if (v->waiting > taking)
			want = SSM_POOL_START_WAITING;
		else if (v->warm_due && spares == 0)
			want = SSM_POOL_START_WARM;
	} else if (v->waiting != 0 && taking == 0)
		want = SSM_POOL_START_WAITING;
	else if (taking == 0 && draining != 0 &&
	    (drain_streams != 0 || p->warm))
		want = SSM_POOL_START_REPLACE;
	else if (taking == 0 && v->warm_due)
		want = SSM_POOL_START_WARM;
	else if (v->spreading > starting && active < max &&
	    active + starting < max && v->may_start)
		want = SSM_POOL_START_SPREAD;	/* one start per waiting conn */
	else if (active != 0 && saturated == active && active < max)
		want = stalled != 0 ? SSM_POOL_START_STALLED :
		    SSM_POOL_START_SATURATED;
	if (want == SSM_POOL_START_NONE)
		return (want);

	if (starting != 0 && want != SSM_POOL_START_SPREAD) {
		*why_not = "a start is in flight";
		return (SSM_POOL_START_NONE);
	}
	if (p->max_per_target != 0 && v->target_sessions >= 0 &&
	    (unsigned)v->target_sessions >= p->max_per_target) {
		*why_not = "the target has max_sessions_per_target sessions";
		return (SSM_POOL_START_NONE);
	}
	return (want);
}

uint64_t
ssm_pool_renew_at(const struct ssm_pool_policy *p, uint64_t started)
{
	uint64_t	at = 0, lead;

	if (p->max_duration != 0) {
		lead = p->max_duration / 10;
		if (lead > SSM_POOL_LEAD_MAX)
			lead = SSM_POOL_LEAD_MAX;
		at = started + p->max_duration - lead;
	}
	if (p->max_age != 0 && (at == 0 || started + p->max_age < at))
		at = started + p->max_age;
	return (at);
}

enum ssm_pool_end
ssm_pool_want_end(const struct ssm_pool_policy *p,
    const struct ssm_pool_load *l, uint64_t now, int replaced)
{
	if (l->streams != 0)
		return (SSM_POOL_END_NONE);
	if (l->state == SSM_POOL_DRAINING && (replaced || !p->warm))
		return (SSM_POOL_END_DRAINED);
	if (l->state == SSM_POOL_OPEN && p->release && l->idle_since != 0 &&
	    now - l->idle_since >= p->release_delay)
		return (SSM_POOL_END_RELEASE);
	return (SSM_POOL_END_NONE);
}

/*
 * Sessions per instance.
 */

struct ssm_pool_target {
	char				*instance;
	int				 n;
	LIST_ENTRY(ssm_pool_target)	 entry;
};
static LIST_HEAD(, ssm_pool_target) ssm_pool_targets =
    LIST_HEAD_INITIALIZER(ssm_pool_targets);

static struct ssm_pool_target *
ssm_pool_target_find(const char *instance)
{
	struct ssm_pool_target	*t;

	LIST_FOREACH(t, &ssm_pool_targets, entry) {
		if (strcmp(t->instance, instance) == 0)
			return (t);
	}
	return (NULL);
}

void
ssm_pool_target_hold(const char *instance)
{
	struct ssm_pool_target	*t;

	if ((t = ssm_pool_target_find(instance)) == NULL) {
		t = xcalloc(1, sizeof *t);
		t->instance = xstrdup(instance);
		LIST_INSERT_HEAD(&ssm_pool_targets, t, entry);
	}
	t->n++;
}

void
ssm_pool_target_release(const char *instance)
{
	struct ssm_pool_target	*t;

	if ((t = ssm_pool_target_find(instance)) == NULL)
		return;
	if (--t->n > 0)
		return;
	LIST_REMOVE(t, entry);
	free(t->instance);
	free(t);
}

int
ssm_pool_target_count(const char *instance)
{
	struct ssm_pool_target	*t;

	if (instance == NULL)
		return (-1);
	t = ssm_pool_target_find(instance);
	return (t != NULL ? t->n : 0);
}
