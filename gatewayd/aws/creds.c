/*
 * Credentials: the providers the chain (chain.c) picks, fetched on the
 * event loop (creds_fetch.c, creds_remote.c), cached per profile and
 * refreshed in the background before they expire. Callers get one frozen
 * snapshot at a time; secrets are wiped when replaced and never logged.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "aws.h"
#include "aws_chain.h"
#include "aws_creds.h"
#include "aws_profile.h"
#include "aws_time.h"
#include "creds_int.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define AWS_CREDS_RETRY_MIN		60		/* s, after a failed */
#define AWS_CREDS_RETRY_MAX		300		/* refresh */

struct aws_creds_cache {
	TAILQ_HEAD(, aws_creds_provider)	list;
};

struct aws_creds_wait {
	struct aws_creds_provider	*p;
	aws_creds_cb			 cb;
	void				*arg;
	struct event			*ev;	/* cached: deliver from the loop */
	int				 queued;
	TAILQ_ENTRY(aws_creds_wait)	 entry;
};

struct aws_creds_provider {
	struct aws_client		*client;
	char				*profile;
	int				 is_explicit;
	char				*region;
	struct aws_chain_source		*src;
	char				*tried;
	struct aws_ctx			*ctx;	/* for STS and SSO calls */

	struct aws_creds		 cur;
	int				 have;
	int64_t				 fetched;
	struct aws_creds_fetch		*fetch;
	struct event			*timer;	/* background refresh */
	unsigned			 nfetches;

	TAILQ_HEAD(, aws_creds_wait)	 waiters;
	TAILQ_ENTRY(aws_creds_provider)	 entry;
};

struct aws_creds_cache *aws_client_creds_cache(struct aws_client *);

void
aws_creds_copy(struct aws_creds *dst, const struct aws_creds *src)
{
	memset(dst, 0, sizeof *dst);
	if (src->access_key_id != NULL)
		dst->access_key_id = xstrdup(src->access_key_id);
	if (src->secret_access_key != NULL)
		dst->secret_access_key = xstrdup(src->secret_access_key);
	if (src->session_token != NULL)
		dst->session_token = xstrdup(src->session_token);
	dst->expiration = src->expiration;
	if (src->account_id != NULL)
		dst->account_id = xstrdup(src->account_id);
	if (src->provider != NULL)
		dst->provider = xstrdup(src->provider);
}

void
aws_creds_clear(struct aws_creds *c)
{
	free(c->access_key_id);
	freezero_str(c->secret_access_key);
	freezero_str(c->session_token);
	free(c->account_id);
	free(c->provider);
	memset(c, 0, sizeof *c);
}

int64_t
aws_creds_refresh_at(int64_t fetched, int64_t expiration)
{
	int64_t	window, life = expiration - fetched;

	if (life <= 0)
		return (fetched);
	window = life / 2;
	if (window > AWS_CREDS_REFRESH_WINDOW)
		window = AWS_CREDS_REFRESH_WINDOW;
	return (expiration - window);
}

const char *
aws_creds_region(const struct aws_profiles *set, const char *profile,
    const char *explicit_region, const char **source)
{
	const char	*v;

	if (explicit_region != NULL && *explicit_region != '\0') {
		*source = "gatewayd.conf";
		return (explicit_region);
	}
	if ((v = getenv("AWS_REGION")) != NULL && *v != '\0') {
		*source = "AWS_REGION";
		return (v);
	}
	if ((v = getenv("AWS_DEFAULT_REGION")) != NULL && *v != '\0') {
		*source = "AWS_DEFAULT_REGION";
		return (v);
	}
	if ((v = aws_profile_get(set, profile, "region")) != NULL &&
	    *v != '\0') {
		*source = "profile";
		return (v);
	}
	*source = NULL;
	return (NULL);
}

int64_t
aws_creds_now(void)
{
	return ((int64_t)(clock_wall_ms() / 1000));
}

/*
 * Still fine to sign with? Not within AWS_CREDS_MIN_LIFE of expiry, or a
 * quarter of the lifetime for credentials that live less than that.
 */
static int
aws_creds_usable(const struct aws_creds *c, int64_t fetched, int64_t now)
{
	int64_t	margin = AWS_CREDS_MIN_LIFE;

	if (c->expiration == 0)
		return (1);
	if ((c->expiration - fetched) / 4 < margin)
		margin = (c->expiration - fetched) / 4;
	return (c->expiration - now > margin);
}

int
aws_creds_fixed_ok(const struct aws_creds *c, int64_t now)
{
	return (c->expiration == 0 || c->expiration - now > AWS_CREDS_MIN_LIFE);
}

/* What the provider holds is fine to hand out at now. */
static int
aws_creds_good(struct aws_creds_provider *p, int64_t now)
{
	if (!p->have)
		return (0);
	if (p->src->kind == AWS_CHAIN_FIXED)
		return (aws_creds_fixed_ok(&p->cur, now));
	return (aws_creds_usable(&p->cur, p->fetched, now));
}

struct aws_creds_cache *
aws_creds_cache_new(void)
{
	struct aws_creds_cache	*cache;

	cache = xcalloc(1, sizeof *cache);
	TAILQ_INIT(&cache->list);
	return (cache);
}

static void
aws_creds_wait_free(struct aws_creds_wait *w)
{
	if (w->queued)
		TAILQ_REMOVE(&w->p->waiters, w, entry);
	if (w->ev != NULL)
		event_free(w->ev);
	free(w);
}

void
aws_creds_provider_free(struct aws_creds_provider *p)
{
	struct aws_creds_wait	*w;

	if (p == NULL)
		return;
	while ((w = TAILQ_FIRST(&p->waiters)) != NULL)
		aws_creds_wait_free(w);
	aws_creds_fetch_cancel(p->fetch);
	event_free(p->timer);
	aws_ctx_free(p->ctx);
	aws_creds_clear(&p->cur);
	aws_chain_free(p->src);
	free(p->tried);
	free(p->profile);
	free(p->region);
	free(p);
}

void
aws_creds_cache_free(struct aws_creds_cache *cache)
{
	struct aws_creds_provider	*p;

	if (cache == NULL)
		return;
	while ((p = TAILQ_FIRST(&cache->list)) != NULL) {
		TAILQ_REMOVE(&cache->list, p, entry);
		aws_creds_provider_free(p);
	}
	free(cache);
}

static void	aws_creds_refresh(struct aws_creds_provider *);

static void
aws_creds_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct aws_creds_provider	*p = arg;

	log_debug("profile %s: refreshing %s credentials ahead of expiry",
	    p->profile, p->src->name);
	aws_creds_refresh(p);
}

static void
aws_creds_schedule(struct aws_creds_provider *p, int64_t in_s)
{
	struct timeval	tv;

	if (in_s < 1)
		in_s = 1;
	tv.tv_sec = (time_t)in_s;
	tv.tv_usec = 0;
	evtimer_add(p->timer, &tv);
}

/* Hand the current credentials (or error) to everyone waiting. */
static void
aws_creds_deliver(struct aws_creds_provider *p, const char *error)
{
	struct aws_creds_wait	*w;
	struct aws_creds	 snap;

	/* A copy: a callback may start a refresh that replaces p->cur. */
	aws_creds_copy(&snap, &p->cur);
	while ((w = TAILQ_FIRST(&p->waiters)) != NULL) {
		TAILQ_REMOVE(&p->waiters, w, entry);
		w->queued = 0;
		w->cb(error == NULL ? &snap : NULL, error, w->arg);
		aws_creds_wait_free(w);
	}
	aws_creds_clear(&snap);
}

static void
aws_creds_fetched_cb(void *arg, const struct aws_creds *c, const char *error)
{
	struct aws_creds_provider	*p = arg;
	int64_t				 now = aws_creds_now(), next;
	char				 when[32];

	p->fetch = NULL;
	if (p->src->kind == AWS_CHAIN_FIXED) {
		/* Nothing to refresh from: the keys, or that they expired. */
		aws_creds_deliver(p, error);
		return;
	}
	if (c != NULL) {
		aws_creds_clear(&p->cur);
		aws_creds_copy(&p->cur, c);
		if (p->cur.provider == NULL)
			p->cur.provider = xstrdup(p->src->name);
		p->have = 1;
		p->fetched = now;
		p->nfetches++;
		evtimer_del(p->timer);
		if (c->expiration != 0)
			aws_creds_schedule(p, aws_creds_refresh_at(now,
			    c->expiration) - now);
		log_debug("profile %s: %s credentials fetched", p->profile,
		    p->src->name);
		aws_creds_deliver(p, NULL);
		return;
	}
	if (aws_creds_good(p, now)) {
		/* Static stability: keep what works, try again later. */
		aws_time_format(p->cur.expiration, when, sizeof when);
		next = (int64_t)util_random_range(AWS_CREDS_RETRY_MIN,
		    AWS_CREDS_RETRY_MAX + 1);
		if (p->cur.expiration != 0 &&
		    next > (p->cur.expiration - now) / 2)
			next = (p->cur.expiration - now) / 2;
		log_warnx("profile %s: credential refresh failed: %s; keeping "
		    "the current credentials (valid until %s), next try in "
		    "%llds", p->profile, error, when, (long long)next);
		aws_creds_schedule(p, next);
		aws_creds_deliver(p, NULL);
		return;
	}
	log_debug("profile %s: credentials: %s", p->profile, error);
	if (p->src->kind == AWS_CHAIN_IMDS && !p->have) {
		/* IMDS was the last resort: say what came before it. */
		char	*line;

		xasprintf(&line, "unable to locate credentials: %s; %s",
		    p->tried, error);
		aws_creds_deliver(p, line);
		free(line);
		return;
	}
	aws_creds_deliver(p, error);
}

static void
aws_creds_refresh(struct aws_creds_provider *p)
{
	if (p->fetch != NULL)
		return;		/* one at a time: the waiters join it */
	p->fetch = aws_creds_fetch_start(p->client, p->ctx, p->src,
	    aws_creds_fetched_cb, p);
}

static void
aws_creds_cached_cb(evutil_socket_t fd, short what, void *arg)
{
	struct aws_creds_wait		*w = arg;
	struct aws_creds_provider	*p = w->p;
	struct aws_creds		 snap;

	if (!aws_creds_good(p, aws_creds_now())) {
		/* Went stale meanwhile: wait for a fetch like the rest. */
		event_free(w->ev);
		w->ev = NULL;
		TAILQ_INSERT_TAIL(&p->waiters, w, entry);
		w->queued = 1;
		aws_creds_refresh(p);
		return;
	}
	aws_creds_copy(&snap, &p->cur);
	w->cb(&snap, NULL, w->arg);
	aws_creds_clear(&snap);
	aws_creds_wait_free(w);
}

struct aws_creds_wait *
aws_creds_get(struct aws_creds_provider *p, int force, aws_creds_cb cb,
    void *arg)
{
	struct aws_creds_wait	*w;
	struct timeval		 tv = { 0, 0 };

	w = xcalloc(1, sizeof *w);
	w->p = p;
	w->cb = cb;
	w->arg = arg;
	if (!force && aws_creds_good(p, aws_creds_now())) {
		w->ev = evtimer_new(aws_client_base(p->client),
		    aws_creds_cached_cb, w);
		evtimer_add(w->ev, &tv);
		return (w);
	}
	TAILQ_INSERT_TAIL(&p->waiters, w, entry);
	w->queued = 1;
	aws_creds_refresh(p);
	return (w);
}

void
aws_creds_cancel(struct aws_creds_wait *w)
{
	if (w != NULL)
		aws_creds_wait_free(w);
}

int64_t
aws_creds_expiration(struct aws_creds_provider *p)
{
	return (p->have ? p->cur.expiration : 0);
}

unsigned
aws_creds_fetches(struct aws_creds_provider *p)
{
	return (p->nfetches);
}

const char *
aws_creds_provider_source(struct aws_creds_provider *p)
{
	return (p->src->name);
}

static int
aws_creds_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

/* A provider for src, in no list yet. */
static struct aws_creds_provider *
aws_creds_provider_make(struct aws_client *c, const char *profile,
    int is_explicit, const char *region, struct aws_chain_source *src)
{
	struct aws_creds_provider	*p;

	p = xcalloc(1, sizeof *p);
	p->client = c;
	p->profile = xstrdup(profile);
	p->is_explicit = is_explicit;
	if (region != NULL)
		p->region = xstrdup(region);
	p->src = src;
	/* Without a region STS means its global endpoint. */
	p->ctx = aws_ctx_new_bare(c, profile, region != NULL ? region :
	    "aws-global");
	p->timer = evtimer_new(aws_client_base(c), aws_creds_timer_cb, p);
	TAILQ_INIT(&p->waiters);
	return (p);
}

struct aws_creds_provider *
aws_creds_provider_get(struct aws_client *c, const char *profile,
    int is_explicit, const char *region, char **cause)
{
	struct aws_creds_cache		*cache = aws_client_creds_cache(c);
	struct aws_creds_provider	*p;
	struct aws_chain_source		*src;
	char				*tried;

	TAILQ_FOREACH(p, &cache->list, entry) {
		if (strcmp(p->profile, profile) == 0 &&
		    p->is_explicit == is_explicit &&
		    aws_creds_same(p->region, region))
			return (p);
	}
	src = aws_chain_resolve(aws_client_profiles(c), profile, is_explicit,
	    &tried, cause);
	if (src == NULL) {
		free(tried);
		return (NULL);
	}
	p = aws_creds_provider_make(c, profile, is_explicit, region, src);
	p->tried = tried;
	TAILQ_INSERT_TAIL(&cache->list, p, entry);
	log_debug("profile %s: credentials from %s", profile, src->name);
	return (p);
}

/* A fixed provider holds its keys from the start, and anew on each set. */
static void
aws_creds_fixed_load(struct aws_creds_provider *p)
{
	aws_creds_clear(&p->cur);
	aws_creds_copy(&p->cur, &p->src->keys);
	p->cur.provider = xstrdup(p->src->name);
	p->have = 1;
	p->fetched = aws_creds_now();
	p->nfetches++;
}

struct aws_creds_provider *
aws_creds_provider_new(struct aws_client *c, const char *profile,
    int is_explicit, const char *region, struct aws_chain_source *src)
{
	struct aws_creds_provider	*p;

	p = aws_creds_provider_make(c, profile, is_explicit, region, src);
	p->tried = xstrdup("");
	if (src->kind == AWS_CHAIN_FIXED)
		aws_creds_fixed_load(p);
	return (p);
}

void
aws_creds_provider_set(struct aws_creds_provider *p,
    const struct aws_creds *c)
{
	if (p->src->kind != AWS_CHAIN_FIXED)
		fatalx("%s: not a provider of fixed keys", __func__);
	aws_creds_clear(&p->src->keys);
	aws_creds_copy(&p->src->keys, c);
	free(p->src->keys.provider);
	p->src->keys.provider = NULL;
	aws_creds_fixed_load(p);
	/* A check of the old keys in flight: redo it with the new. */
	if (p->fetch != NULL) {
		aws_creds_fetch_cancel(p->fetch);
		p->fetch = NULL;
		aws_creds_refresh(p);
	}
}
