/*
 * The pool driver: the sessions behind one ssm forward and the conns
 * waiting for one (ssm-data-channel.md 7.6, ssm-port-mux.md 7-9).
 *
 * A pool holds a list of sessions (each with a state, streams and an age)
 * and the conns waiting for one to open. Mux sessions carry every conn as
 * an smux stream; basic sessions carry one conn each, as raw bytes. The
 * mode comes from the handshake; the pool remembers it (its hint) so that
 * once a target has shown itself basic, each new conn starts its own
 * session at once.
 *
 * This file gathers the sessions' loads for the pool's policy (pool.c,
 * pure) and carries its decisions out: which session a new conn goes to,
 * when to start another, which to end; the tick runs every timer of the
 * pool. The sessions are session.c's, the conns' attachments stream.c's.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "config.h"
#include "conn.h"
#include "forward.h"
#include "log.h"
#include "ssm_chan.h"
#include "ssm_pool.h"
#include "ssm_session.h"
#include "ssm_session_int.h"
#include "ssm_smux.h"
#include "util.h"
#include "xmalloc.h"

/* 1 and *msg if target has as many sessions as the cap allows. */
int
ssm_session_capped(struct ssm_session_pool *pool, const char *target,
    char **msg)
{
	unsigned	cap = pool->p.policy.max_per_target;
	int		n = ssm_pool_target_count(target);

	if (cap == 0 || n < 0 || (unsigned)n < cap)
		return (0);
	xasprintf(msg, "%s has %d sessions open, the most "
	    "max_sessions_per_target allows", target, n);
	return (1);
}
/* Close the waiting conns that no starting session can serve now. */
void
ssm_session_fail_waiting(struct ssm_session_pool *pool, const char *reason)
{
	struct ssm_session	*s;
	size_t			 starting = 0;

	struct ssm_stream	*st;

	TAILQ_FOREACH(s, &pool->sessions, entry) {
		if (ssm_session_is_starting(s))
			starting++;
	}
	/* A replaced mux session still open takes them rather. */
	TAILQ_FOREACH(s, &pool->sessions, entry) {
		if (starting != 0 || s->state != SSM_SESSION_DRAINING ||
		    s->mode != SSM_CHAN_MODE_MUX)
			continue;
		while ((st = TAILQ_FIRST(&pool->waiting)) != NULL)
			ssm_stream_attach(s, st);
		return;
	}
	/* A mux (or unknown) start serves every waiting conn. */
	if (pool->hint != SSM_HINT_BASIC && starting != 0)
		return;
	while (pool->nwaiting > starting)
		conn_close(TAILQ_FIRST(&pool->waiting)->c, CONN_END_REFUSED,
		    "%s", reason);
}
/*
 * The pool's policy (pool.c) reads the sessions' loads.
 */

static enum ssm_pool_state
ssm_session_pool_state(struct ssm_session *s)
{
	switch (s->state) {
	case SSM_SESSION_RESOLVING:
	case SSM_SESSION_STARTING:
		return (SSM_POOL_STARTING);
	case SSM_SESSION_OPEN:
		return (SSM_POOL_OPEN);
	case SSM_SESSION_DRAINING:
		return (SSM_POOL_DRAINING);
	default:
		return (SSM_POOL_CLOSING);
	}
}

/* Fill pool->loads (and pool->lsess) for every session; return n. */
size_t
ssm_session_loads(struct ssm_session_pool *pool)
{
	struct ssm_session	*s;
	struct ssm_pool_load	*l;
	size_t			 n = 0;

	TAILQ_FOREACH(s, &pool->sessions, entry)
		n++;
	if (n > pool->nloads) {
		pool->loads = xreallocarray(pool->loads, n,
		    sizeof *pool->loads);
		pool->lsess = xreallocarray(pool->lsess, n,
		    sizeof *pool->lsess);
		pool->nloads = n;
	}
	n = 0;
	TAILQ_FOREACH(s, &pool->sessions, entry) {
		l = &pool->loads[n];
		memset(l, 0, sizeof *l);
		l->state = ssm_session_pool_state(s);
		l->mux = s->mode == SSM_CHAN_MODE_MUX;
		l->streams = s->nstreams;
		l->rate = s->rate;
		l->backlog = s->backlog;
		/* Refusing the agent for clients that do not read. */
		l->stalled = s->mode == SSM_CHAN_MODE_MUX && s->refusing &&
		    s->nstreams != 0;
		l->idle_since = s->nstreams == 0 ? s->idle_since : 0;
		pool->lsess[n++] = s;
	}
	return (n);
}

/* The pool as the policy sees it (loads in pool->loads). */
void
ssm_session_view(struct ssm_session_pool *pool, struct ssm_pool_view *v)
{
	const char	*target;

	target = pool->p.resolver == NULL ? pool->p.chan.target :
	    pool->last_instance;
	memset(v, 0, sizeof *v);
	v->n = ssm_session_loads(pool);
	v->loads = pool->loads;
	v->waiting = pool->nwaiting;
	v->basic = pool->hint == SSM_HINT_BASIC;
	v->warm_due = pool->p.warm && clock_now_ms() >= pool->warm_at;
	v->ceiling = pool->ceiling;
	v->target_sessions = ssm_pool_target_count(target);
	v->spreading = pool->nspread;
	v->may_start = clock_now_ms() >= pool->warm_at;
}

/*
 * Put conns waiting to spread on the least loaded open session: those
 * that waited SSM_POOL_SPREAD_WAIT, or all when no session is on its way
 * for them. One that no session takes waits as any other.
 */
static void
ssm_session_place_spread(struct ssm_session_pool *pool, int all)
{
	struct ssm_stream	*st, *st1;
	struct ssm_session	*s;
	uint64_t		 now = clock_now_ms();
	size_t			 n;
	int			 k;

	TAILQ_FOREACH_SAFE(st, &pool->spread, wentry, st1) {
		if (!all && now - st->since < SSM_POOL_SPREAD_WAIT)
			continue;
		n = ssm_session_loads(pool);
		if ((k = ssm_pool_choose(pool->loads, n, pool->ceiling,
		    0)) != -1) {
			s = pool->lsess[k];
			log_debug("forward %s: conn %" PRIu64 " takes session "
			    "%s, no other opened for it", pool->fw->name,
			    st->c->id, s->name);
			ssm_stream_attach(s, st);
			continue;
		}
		ssm_stream_enqueue(st, SSM_STREAM_WAITING);
	}
}

/*
 * Start what the pool lacks, as the policy says. A start may fail at once
 * (the resolver answers in the call), which closes waiting conns or
 * pushes the next start back, so the policy is asked again each time.
 */
void
ssm_session_start_needed(struct ssm_session_pool *pool)
{
	struct ssm_pool_view	 v;
	enum ssm_pool_start	 why;
	const char		*why_not, *target;
	uint64_t		 now = clock_now_ms();
	char			*msg;
	size_t			 i, starting;

	target = pool->p.resolver == NULL ? pool->p.chan.target :
	    pool->last_instance;
	for (i = 0; i < 4 + pool->nspread; i++) {
		ssm_session_view(pool, &v);
		why = ssm_pool_want_start(&pool->p.policy, &v, &why_not);
		if (why == SSM_POOL_START_NONE) {
			if (why_not == NULL || pool->nwaiting == 0 ||
			    !ssm_session_capped(pool, target, &msg))
				break;
			ssm_session_fail_waiting(pool, msg);
			free(msg);
			break;
		}
		if (why != SSM_POOL_START_WAITING && now < pool->warm_at)
			break;
		ssm_session_new(pool, why);
	}
	/* Conns waiting to spread with no session on its way: place them. */
	if (pool->nspread != 0) {
		ssm_session_view(pool, &v);
		for (i = 0, starting = 0; i < v.n; i++)
			starting += v.loads[i].state == SSM_POOL_STARTING;
		if (starting == 0)
			ssm_session_place_spread(pool, 1);
	}
}
/* End the sessions the policy no longer wants. */
void
ssm_session_reap(struct ssm_session_pool *pool)
{
	struct ssm_session	*s;
	size_t			 i, n = ssm_session_loads(pool);
	uint64_t		 now = clock_now_ms();
	int			 replaced = 0;
	char			 dur[32], *why;

	for (i = 0; i < n; i++) {
		if (pool->loads[i].state == SSM_POOL_OPEN &&
		    pool->loads[i].mux)
			replaced = 1;
	}
	for (i = 0; i < n; i++) {
		s = pool->lsess[i];
		switch (ssm_pool_want_end(&pool->p.policy, &pool->loads[i],
		    now, replaced)) {
		case SSM_POOL_END_NONE:
			break;
		case SSM_POOL_END_DRAINED:
			ssm_session_terminate(s, "replaced, and its last "
			    "stream ended");
			break;
		case SSM_POOL_END_RELEASE:
			pool->released++;
			util_fmt_duration(now - s->idle_since, dur,
			    sizeof dur);
			xasprintf(&why, "released: no client for %s", dur);
			log_info("session %s: %s", s->name, why);
			ssm_session_terminate(s, why);
			free(why);
			break;
		}
	}
}

/* Open basic sessions without a conn. */
size_t
ssm_session_spares(struct ssm_session_pool *pool)
{
	struct ssm_session	*s;
	size_t			 n = 0;

	TAILQ_FOREACH(s, &pool->sessions, entry) {
		if (s->mode != SSM_CHAN_MODE_MUX && ssm_session_takes(s))
			n++;
	}
	return (n);
}

/*
 * The pool.
 */

static void
ssm_session_tick_cb(evutil_socket_t fd, short events, void *arg)
{
	ssm_session_tick(arg);
}

struct ssm_session_pool *
ssm_session_pool_new(struct forward *fw,
    const struct ssm_session_params *params)
{
	struct ssm_session_pool	*pool;
	struct timeval		 tv;

	pool = xcalloc(1, sizeof *pool);
	pool->fw = fw;
	pool->p = *params;
	if (pool->p.wait_timeout == 0)
		pool->p.wait_timeout = SSM_SESSION_WAIT_TIMEOUT;
	if (pool->p.stall_timeout == 0)
		pool->p.stall_timeout = SSM_SESSION_STALL_TIMEOUT;
	if (pool->p.keepalive == 0)
		pool->p.keepalive = SSM_SESSION_KEEPALIVE;
	if (pool->p.stream_high == 0)
		pool->p.stream_high = SSM_SESSION_STREAM_HIGH;
	if (pool->p.session_high == 0)
		pool->p.session_high = SSM_SESSION_HIGH;
	TAILQ_INIT(&pool->sessions);
	TAILQ_INIT(&pool->waiting);
	TAILQ_INIT(&pool->spread);
	pool->scratch = ssm_session_evbuffer();
	pool->tick = event_new(gw_base, -1, EV_PERSIST, ssm_session_tick_cb,
	    pool);
	if (pool->tick == NULL)
		fatalx("forward %s: cannot make a timer", fw->name);
	tv = util_ms_tv(SSM_SESSION_TICK);
	evtimer_add(pool->tick, &tv);
	ssm_session_start_needed(pool);
	return (pool);
}

void
ssm_session_pool_free(struct ssm_session_pool *pool)
{
	ssm_session_pool_end(pool, CONN_END_STOPPED, "forward stopped");
}

void
ssm_session_pool_end(struct ssm_session_pool *pool, enum conn_end why,
    const char *reason)
{
	struct ssm_session	*s;
	struct ssm_stream	*st;

	if (pool == NULL)
		return;
	while ((st = TAILQ_FIRST(&pool->waiting)) != NULL)
		conn_close(st->c, why, "%s", reason);
	while ((st = TAILQ_FIRST(&pool->spread)) != NULL)
		conn_close(st->c, why, "%s", reason);
	while ((s = TAILQ_FIRST(&pool->sessions)) != NULL)
		ssm_session_drop(s, why, reason);
	event_free(pool->tick);
	evbuffer_free(pool->scratch);
	free(pool->loads);
	free(pool->lsess);
	free(pool->last_instance);
	free(pool);
}

/* Close waiting conns whose wait ran out. */
static void
ssm_session_tick_waiting(struct ssm_session_pool *pool, uint64_t now)
{
	struct ssm_stream	*st, *st1;
	struct ssm_session	*s;
	const char		*doing = "no session is starting";
	char			 dur[32];

	TAILQ_FOREACH(s, &pool->sessions, entry) {
		if (ssm_session_is_starting(s)) {
			doing = ssm_session_doing(s);
			break;
		}
	}
	util_fmt_duration(pool->p.wait_timeout, dur, sizeof dur);
	TAILQ_FOREACH_SAFE(st, &pool->waiting, wentry, st1) {
		if (now - st->since >= pool->p.wait_timeout)
			conn_close(st->c, CONN_END_REFUSED, "no session after "
			    "%s (%s)", dur, doing);
	}
}
void
ssm_session_tick(struct ssm_session_pool *pool)
{
	struct ssm_session	*s, *s1;
	uint64_t		 now = clock_now_ms();

	ssm_session_tick_waiting(pool, now);
	ssm_session_place_spread(pool, 0);
	TAILQ_FOREACH_SAFE(s, &pool->sessions, entry, s1) {
		if (!ssm_session_is_open(s))
			continue;
		ssm_session_tick_stalled(s, now);
		if (pool->p.half_close != 0)
			ssm_session_tick_half_closed(s, now);
		ssm_session_measure(s, now);
		if (s->state == SSM_SESSION_OPEN && s->renew_at != 0 &&
		    now >= s->renew_at)
			ssm_session_renew(s, now);
		/* A tick early rather than late: at least every 10 s. */
		if (s->mode == SSM_CHAN_MODE_MUX && s->keepalive &&
		    now - s->last_nop + SSM_SESSION_TICK > pool->p.keepalive) {
			s->last_nop = now;
			smux_nop(s->smux);
			ssm_session_pump(s);
		}
	}
	ssm_session_reap(pool);
	ssm_session_start_needed(pool);
}

/*
 * The forwarder's calls.
 */

void
ssm_session_attach(struct ssm_session_pool *pool, struct conn *c)
{
	struct ssm_stream	*st;
	struct ssm_session	*best = NULL;
	struct ssm_pool_view	 v;
	size_t			 i, n;
	int			 starting = 0, k;

	st = xcalloc(1, sizeof *st);
	st->c = c;
	st->pool = pool;
	st->hold = ssm_session_evbuffer();
	c->fwd_data = st;
	ssm_stream_set_target(st, pool->p.chan.target);

	/* Arrived with others: wait for a session of its own? */
	if (pool->hint == SSM_HINT_MUX) {
		ssm_session_view(pool, &v);
		if (ssm_pool_spread(&pool->p.policy, &v)) {
			st->since = clock_now_ms();
			ssm_stream_enqueue(st, SSM_STREAM_SPREAD);
			log_debug("forward %s: conn %" PRIu64 " waits for a "
			    "session to spread to", pool->fw->name, c->id);
			ssm_session_start_needed(pool);
			return;
		}
	}

	/* The least loaded; a replaced one only if nothing starts. */
	n = ssm_session_loads(pool);
	for (i = 0; i < n; i++)
		starting |= pool->loads[i].state == SSM_POOL_STARTING;
	if ((k = ssm_pool_choose(pool->loads, n, pool->ceiling,
	    !starting)) != -1)
		best = pool->lsess[k];
	if (best != NULL) {
		ssm_stream_attach(best, st);
		if (best->mode != SSM_CHAN_MODE_MUX)
			ssm_session_start_needed(pool);	/* a new spare */
		return;
	}
	st->since = clock_now_ms();
	ssm_stream_enqueue(st, SSM_STREAM_WAITING);
	log_debug("forward %s: conn %" PRIu64 " waits for a session",
	    pool->fw->name, c->id);
	ssm_session_start_needed(pool);
}
void
ssm_session_pool_status(struct ssm_session_pool *pool, cJSON *obj)
{
	struct ssm_session	*s;
	cJSON			*arr;

	arr = cJSON_AddArrayToObject(obj, "sessions");
	TAILQ_FOREACH(s, &pool->sessions, entry)
		cJSON_AddItemToArray(arr, ssm_session_status(s));
	cJSON_AddNumberToObject(obj, "waiting", (double)pool->nwaiting);
	cJSON_AddNumberToObject(obj, "spreading", (double)pool->nspread);
	cJSON_AddNumberToObject(obj, "sessions_started",
	    (double)pool->started);
	cJSON_AddNumberToObject(obj, "sessions_failed", (double)pool->failed);
	cJSON_AddNumberToObject(obj, "starts_failed_in_a_row",
	    (double)pool->fails_in_a_row);
	cJSON_AddNumberToObject(obj, "replacements",
	    (double)pool->replacements);
	cJSON_AddNumberToObject(obj, "released", (double)pool->released);
	cJSON_AddNumberToObject(obj, "max_sessions",
	    (double)(pool->p.policy.max_sessions != 0 ?
	    pool->p.policy.max_sessions : 1));
	cJSON_AddNumberToObject(obj, "ceiling", (double)pool->ceiling);
}

enum forwarder_health
ssm_session_pool_health(struct ssm_session_pool *pool)
{
	struct ssm_session	*s;
	int			 open = 0;

	TAILQ_FOREACH(s, &pool->sessions, entry)
		open |= ssm_session_is_open(s);
	if (pool->fails_in_a_row != 0 && !open)
		return (FORWARDER_HEALTH_FAILED);
	if (pool->failed_at != 0 &&
	    clock_now_ms() - pool->failed_at < SSM_SESSION_HEALTH_WINDOW)
		return (FORWARDER_HEALTH_DEGRADED);
	return (FORWARDER_HEALTH_UP);
}

size_t
ssm_session_pool_count(struct ssm_session_pool *pool)
{
	struct ssm_session	*s;
	size_t			 n = 0;

	TAILQ_FOREACH(s, &pool->sessions, entry)
		n++;
	return (n);
}

size_t
ssm_session_pool_waiting(struct ssm_session_pool *pool)
{
	return (pool->nwaiting);
}
