/*
 * The daemon's metrics. Counters come from the bus (bus.h), kept per
 * forward name so that a reload, which makes new forwards, never sets
 * them back; gauges (live conns, their bytes so far, streams) are read
 * from the forwards at scrape time. A conn's bytes count while it lives:
 * the forward's live conns at scrape time, plus what closed conns carried
 * (their close event), so a counter never goes back and never counts a
 * byte twice.
 *
 * Every label value comes from the config (forward, profile) or from a
 * fixed set (close and refusal reasons, session modes, call results, the
 * services and operations gatewayd calls).
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "aws.h"
#include "aws_creds.h"
#include "bus.h"
#include "config.h"
#include "gatewayd.h"
#include "identity.h"
#include "log.h"
#include "metrics.h"
#include "util.h"
#include "xmalloc.h"

#ifndef nitems
#define nitems(a)	(sizeof (a) / sizeof (a)[0])
#endif

/*
 * Why a client was turned away, as a fixed set: the reason texts of the
 * listener and of gatewayctl connect mapped by what they say.
 */
static const struct {
	const char	*label;
	const char	*match;		/* in the reason; NULL: any */
} metrics_refusals[] = {
	{ "allow", "allow" },
	{ "max_conns", "max_conns" },
	{ "credentials", "credentials" },
	{ "target", "target" },
	{ "other", NULL },
};
#define METRICS_NREFUSALS	nitems(metrics_refusals)

#define METRICS_NENDS		(CONN_END_LAST + 1)


/* Session modes, as the ssm forwarder names them. */
static const char *const metrics_modes[] = { "mux", "basic" };
#define METRICS_NMODES		nitems(metrics_modes)

/* The counters of one forward name, over every reload. */
struct metrics_fwd {
	char			*name;
	int			 sessions;	/* an ssm forward's */
	uint64_t		 accepted;
	uint64_t		 refused[METRICS_NREFUSALS];
	uint64_t		 closed[METRICS_NENDS];
	uint64_t		 closed_in;	/* bytes of closed conns */
	uint64_t		 closed_out;
	uint64_t		 starts;
	uint64_t		 resumes;
	uint64_t		 replacements;
	uint64_t		 failures;
	/* At scrape time only: now, and the bytes with the live conns'. */
	uint64_t		 live, streams, bytes_in, bytes_out;
	unsigned		 active[METRICS_NMODES];
	TAILQ_ENTRY(metrics_fwd) entry;
};
TAILQ_HEAD(metrics_fwds, metrics_fwd);

/* A session of the pool, from its start to its end. */
struct metrics_session {
	char			*forward;
	char			*name;		/* "db/3", unique */
	int			 opened;
	int			 mode;		/* metrics_modes[]; -1 */
	TAILQ_ENTRY(metrics_session) entry;
};
TAILQ_HEAD(metrics_sessions, metrics_session);

/* The calls of one service and operation. */
struct metrics_api {
	char			*service;
	char			*operation;
	uint64_t		 made;
	uint64_t		 failed;
	uint64_t		 throttles;
	uint64_t		 retries;
	TAILQ_ENTRY(metrics_api) entry;
};
TAILQ_HEAD(metrics_apis, metrics_api);

/* Operations are gatewayd's own few; this only bounds a bug. */
#define METRICS_MAX_APIS	64

static struct bus_sub		*metrics_sub;
static struct metrics_fwds	 metrics_fwds =
    TAILQ_HEAD_INITIALIZER(metrics_fwds);
static struct metrics_sessions	 metrics_sessions =
    TAILQ_HEAD_INITIALIZER(metrics_sessions);
static struct metrics_apis	 metrics_apis =
    TAILQ_HEAD_INITIALIZER(metrics_apis);
static size_t			 metrics_napis;
static uint64_t			 metrics_started;	/* wall ms */

static struct metrics_fwd *
metrics_fwd_get(const char *name)
{
	struct metrics_fwd	*mf;

	/*
	 * On-demand forwards are named after what users asked for
	 * ("~i-0abc:22@eu-west-1"), and a refused connect names none: all
	 * of them count as one, so the labels stay the config's.
	 */
	if (name == NULL || *name == '\0' || *name == '~')
		name = METRICS_ONDEMAND;
	TAILQ_FOREACH(mf, &metrics_fwds, entry) {
		if (strcmp(mf->name, name) == 0)
			return (mf);
	}
	mf = xcalloc(1, sizeof *mf);
	mf->name = xstrdup(name);
	TAILQ_INSERT_TAIL(&metrics_fwds, mf, entry);
	return (mf);
}

const char *
metrics_forward_label(const struct forward *fw)
{
	return (fw->on_demand ? METRICS_ONDEMAND : fw->name);
}

static size_t
metrics_refusal(const char *why)
{
	size_t	i;

	for (i = 0; i < METRICS_NREFUSALS - 1; i++) {
		if (why != NULL && strstr(why, metrics_refusals[i].match) !=
		    NULL)
			return (i);
	}
	return (METRICS_NREFUSALS - 1);
}

static void
metrics_on_conn(const struct bus_event *ev)
{
	const struct bus_conn	*bc = &ev->conn;
	struct metrics_fwd	*mf = metrics_fwd_get(bc->forward);
	size_t			 i;

	switch (ev->type) {
	case BUS_CONN_OPENED:
		mf->accepted++;
		break;
	case BUS_CONN_REFUSED:
		mf->refused[metrics_refusal(bc->reason)]++;
		break;
	case BUS_CONN_CLOSED:
		for (i = 0; i < METRICS_NENDS; i++) {
			if (bc->end != NULL &&
			    strcmp(bc->end, conn_end_name(i)) == 0)
				break;
		}
		if (i < METRICS_NENDS)
			mf->closed[i]++;
		mf->closed_in += bc->bytes_in;
		mf->closed_out += bc->bytes_out;
		break;
	default:
		break;
	}
}

static struct metrics_session *
metrics_session_find(const struct bus_session *bs)
{
	struct metrics_session	*ms;

	TAILQ_FOREACH(ms, &metrics_sessions, entry) {
		if (strcmp(ms->name, bs->name) == 0 &&
		    strcmp(ms->forward, bs->forward) == 0)
			return (ms);
	}
	return (NULL);
}

static int
metrics_mode(const char *mode)
{
	size_t	i;

	for (i = 0; mode != NULL && i < METRICS_NMODES; i++) {
		if (strcmp(mode, metrics_modes[i]) == 0)
			return ((int)i);
	}
	return (-1);
}

static void
metrics_on_session(const struct bus_event *ev)
{
	const struct bus_session	*bs = &ev->session;
	struct metrics_fwd		*mf = metrics_fwd_get(bs->forward);
	struct metrics_session		*ms;

	if (bs->name == NULL)
		return;
	mf->sessions = 1;
	ms = metrics_session_find(bs);
	switch (ev->type) {
	case BUS_SESSION_STARTING:
		mf->starts++;
		if (ms != NULL)
			break;
		ms = xcalloc(1, sizeof *ms);
		ms->forward = xstrdup(bs->forward);	/* as the bus names it */
		ms->name = xstrdup(bs->name);
		ms->mode = -1;
		TAILQ_INSERT_TAIL(&metrics_sessions, ms, entry);
		break;
	case BUS_SESSION_OPENED:
		if (ms != NULL) {
			ms->opened = 1;
			ms->mode = metrics_mode(bs->mode);
		}
		break;
	case BUS_SESSION_RESUMED:
		mf->resumes++;
		break;
	case BUS_SESSION_REPLACING:
		mf->replacements++;
		break;
	case BUS_SESSION_ENDED:
		if (ms == NULL)
			break;
		/* A session that never opened failed to start. */
		if (!ms->opened)
			mf->failures++;
		TAILQ_REMOVE(&metrics_sessions, ms, entry);
		free(ms->forward);
		free(ms->name);
		free(ms);
		break;
	default:
		break;
	}
}

static void
metrics_on_api(const struct bus_event *ev)
{
	const struct bus_api	*ba = &ev->api;
	struct metrics_api	*ma;

	if (ba->service == NULL || ba->operation == NULL)
		return;
	TAILQ_FOREACH(ma, &metrics_apis, entry) {
		if (strcmp(ma->service, ba->service) == 0 &&
		    strcmp(ma->operation, ba->operation) == 0)
			break;
	}
	if (ma == NULL) {
		if (metrics_napis >= METRICS_MAX_APIS)
			return;
		ma = xcalloc(1, sizeof *ma);
		ma->service = xstrdup(ba->service);
		ma->operation = xstrdup(ba->operation);
		TAILQ_INSERT_TAIL(&metrics_apis, ma, entry);
		metrics_napis++;
	}
	switch (ev->type) {
	case BUS_API_MADE:
	case BUS_API_FAILED:
		if (ev->type == BUS_API_MADE)
			ma->made++;
		else
			ma->failed++;
		if (ba->attempt > 1)
			ma->retries += ba->attempt - 1;
		break;
	case BUS_API_THROTTLED:
		ma->throttles++;
		break;
	default:
		break;
	}
}

static void
metrics_bus_cb(const struct bus_event *ev, void *arg)
{
	if (BUS_MASK(ev->type) & BUS_CONN)
		metrics_on_conn(ev);
	else if (BUS_MASK(ev->type) & BUS_SESSION)
		metrics_on_session(ev);
	else if (BUS_MASK(ev->type) & BUS_API)
		metrics_on_api(ev);
}

/* What the forwards hold now: live conns, their bytes, their streams. */
static void
metrics_gather(void)
{
	struct metrics_fwd	*mf;
	struct metrics_session	*ms;
	struct forward		*fw;
	struct conn		*c;

	TAILQ_FOREACH(mf, &metrics_fwds, entry) {
		mf->live = mf->streams = 0;
		mf->bytes_in = mf->closed_in;
		mf->bytes_out = mf->closed_out;
		memset(mf->active, 0, sizeof mf->active);
	}
	TAILQ_FOREACH(fw, &gw_forwards, entry) {
		mf = metrics_fwd_get(fw->name);
		if (fw->conf != NULL && fw->conf->forwarder != NULL &&
		    strcmp(fw->conf->forwarder, "ssm") == 0)
			mf->sessions = 1;
		mf->live += fw->nconns;
		TAILQ_FOREACH(c, &fw->conns, entry) {
			mf->bytes_in += c->bytes_in;
			mf->bytes_out += c->bytes_out;
			if (c->far.session_id != NULL)
				mf->streams++;
		}
	}
	TAILQ_FOREACH(ms, &metrics_sessions, entry) {
		if (ms->mode != -1)
			metrics_fwd_get(ms->forward)->active[ms->mode]++;
	}
}

/* One family, a sample per forward: the field at off of each. */
#define METRICS_FIELD(f)	offsetof(struct metrics_fwd, f)
static void
metrics_write_fwd(struct metrics_out *out, const char *name,
    enum metrics_type type, const char *unit, const char *help,
    int sessions, size_t off)
{
	struct metrics_fwd	*mf;
	const char		*labels[] = { "forward", NULL, NULL };

	metrics_family(out, name, type, unit, help);
	TAILQ_FOREACH(mf, &metrics_fwds, entry) {
		if (sessions && !mf->sessions)
			continue;
		labels[1] = mf->name;
		metrics_sample(out, labels,
		    *(const uint64_t *)((const char *)mf + off));
	}
}

/* Build info, the start time and what each forward is. */
static void
metrics_write_info(struct metrics_out *out)
{
	struct forward	*fw;
	const char	*labels[] = { "version", GATEWAYD_VERSION, NULL,
			    NULL, NULL, NULL, NULL, NULL, NULL };

	metrics_family(out, "gatewayd_build", METRICS_INFO, NULL,
	    "gatewayd's version");
	metrics_sample(out, labels, 1);
	metrics_family(out, "gatewayd_start_time_seconds", METRICS_GAUGE,
	    "seconds", "when gatewayd started, in seconds since the epoch");
	metrics_sample_d(out, NULL, metrics_started / 1000.0);
	metrics_family(out, "gatewayd_forward", METRICS_INFO, NULL,
	    "each configured forward: its forwarder, target and region");
	TAILQ_FOREACH(fw, &gw_forwards, entry) {
		if (fw->state == FORWARD_RETIRED || fw->conf == NULL ||
		    fw->on_demand)
			continue;
		labels[0] = "forward";
		labels[1] = fw->name;
		labels[2] = "forwarder";
		labels[3] = fw->conf->forwarder != NULL ?
		    fw->conf->forwarder : "";
		labels[4] = "target";
		labels[5] = fw->conf->target != NULL ? fw->conf->target : "";
		labels[6] = "region";
		labels[7] = fw->conf->region != NULL ? fw->conf->region : "";
		metrics_sample(out, labels, 1);
	}
}

static void
metrics_write_conns(struct metrics_out *out)
{
	struct metrics_fwd	*mf;
	const char		*labels[] = { "forward", NULL, "reason", NULL,
				    NULL };
	size_t			 i;

	metrics_write_fwd(out, "gatewayd_connections_accepted",
	    METRICS_COUNTER, NULL, "client connections accepted", 0,
	    METRICS_FIELD(accepted));
	metrics_family(out, "gatewayd_connections_refused", METRICS_COUNTER,
	    NULL, "clients turned away, by reason (allow, max_conns, "
	    "credentials, target, other)");
	TAILQ_FOREACH(mf, &metrics_fwds, entry) {
		labels[1] = mf->name;
		for (i = 0; i < METRICS_NREFUSALS; i++) {
			labels[3] = metrics_refusals[i].label;
			metrics_sample(out, labels, mf->refused[i]);
		}
	}
	metrics_family(out, "gatewayd_connections_closed", METRICS_COUNTER,
	    NULL, "client connections ended, by reason (as in the close "
	    "log line)");
	TAILQ_FOREACH(mf, &metrics_fwds, entry) {
		labels[1] = mf->name;
		for (i = 0; i < METRICS_NENDS; i++) {
			labels[3] = conn_end_name(i);
			metrics_sample(out, labels, mf->closed[i]);
		}
	}
	metrics_write_fwd(out, "gatewayd_connections_active", METRICS_GAUGE,
	    NULL, "client connections open now", 0, METRICS_FIELD(live));
	metrics_write_fwd(out, "gatewayd_client_received_bytes",
	    METRICS_COUNTER, "bytes", "bytes read from clients", 0,
	    METRICS_FIELD(bytes_in));
	metrics_write_fwd(out, "gatewayd_client_sent_bytes",
	    METRICS_COUNTER, "bytes", "bytes written to clients", 0,
	    METRICS_FIELD(bytes_out));
}

static void
metrics_write_sessions(struct metrics_out *out)
{
	struct metrics_fwd	*mf;
	const char		*labels[] = { "forward", NULL, "mode", NULL,
				    NULL };
	size_t			 i;

	metrics_family(out, "gatewayd_sessions_active", METRICS_GAUGE, NULL,
	    "Session Manager sessions open now, by mode (mux, basic)");
	TAILQ_FOREACH(mf, &metrics_fwds, entry) {
		if (!mf->sessions)
			continue;
		labels[1] = mf->name;
		for (i = 0; i < METRICS_NMODES; i++) {
			labels[3] = metrics_modes[i];
			metrics_sample(out, labels, mf->active[i]);
		}
	}
	metrics_write_fwd(out, "gatewayd_session_starts", METRICS_COUNTER,
	    NULL, "Session Manager sessions started (StartSession)", 1,
	    METRICS_FIELD(starts));
	metrics_write_fwd(out, "gatewayd_session_resumes", METRICS_COUNTER,
	    NULL, "sessions whose data channel broke and was resumed with "
	    "nothing lost", 1, METRICS_FIELD(resumes));
	metrics_write_fwd(out, "gatewayd_session_replacements",
	    METRICS_COUNTER, NULL, "sessions replaced by a new one for "
	    "their age", 1, METRICS_FIELD(replacements));
	metrics_write_fwd(out, "gatewayd_session_failures", METRICS_COUNTER,
	    NULL, "sessions that ended before they opened", 1,
	    METRICS_FIELD(failures));
	metrics_write_fwd(out, "gatewayd_streams_open", METRICS_GAUGE, NULL,
	    "client connections riding a session now (smux streams, or "
	    "the one conn of a basic session)", 1, METRICS_FIELD(streams));
}

/* One family of the calls, the field at off of each. */
static void
metrics_write_api_field(struct metrics_out *out, const char *name,
    const char *help, size_t off)
{
	struct metrics_api	*ma;
	const char		*labels[] = { "service", NULL, "operation",
				    NULL, NULL };

	metrics_family(out, name, METRICS_COUNTER, NULL, help);
	TAILQ_FOREACH(ma, &metrics_apis, entry) {
		labels[1] = ma->service;
		labels[3] = ma->operation;
		metrics_sample(out, labels,
		    *(const uint64_t *)((const char *)ma + off));
	}
}

static void
metrics_write_api(struct metrics_out *out)
{
	struct metrics_api	*ma;
	const char		*labels[] = { "service", NULL, "operation",
				    NULL, "result", NULL, NULL };

	metrics_family(out, "gatewayd_aws_api_calls", METRICS_COUNTER, NULL,
	    "AWS API calls ended, by result (success, error)");
	TAILQ_FOREACH(ma, &metrics_apis, entry) {
		labels[1] = ma->service;
		labels[3] = ma->operation;
		labels[5] = "success";
		metrics_sample(out, labels, ma->made);
		labels[5] = "error";
		metrics_sample(out, labels, ma->failed);
	}
	metrics_write_api_field(out, "gatewayd_aws_api_throttles",
	    "AWS API attempts throttled",
	    offsetof(struct metrics_api, throttles));
	metrics_write_api_field(out, "gatewayd_aws_api_retries",
	    "AWS API attempts after the first, of calls ended",
	    offsetof(struct metrics_api, retries));
}

/* The soonest expiry of each profile's cached credentials. */
struct metrics_expiry {
	const char	*profile[METRICS_MAX_APIS];
	int64_t		 at[METRICS_MAX_APIS];
	size_t		 n;
};

static void
metrics_expiry_cb(struct aws_ctx *ctx, void *arg)
{
	struct metrics_expiry	*me = arg;
	struct aws_creds_provider *p = aws_ctx_creds(ctx);
	const char		*profile = aws_ctx_profile(ctx);
	int64_t			 at;
	size_t			 i;

	if (p == NULL || (at = aws_creds_expiration(p)) == 0)
		return;
	if (profile == NULL)
		profile = "default";
	for (i = 0; i < me->n; i++) {
		if (strcmp(me->profile[i], profile) == 0) {
			if (at < me->at[i])
				me->at[i] = at;
			return;
		}
	}
	if (me->n == nitems(me->profile))
		return;
	me->profile[me->n] = profile;
	me->at[me->n++] = at;
}

static void
metrics_write_creds(struct metrics_out *out)
{
	struct metrics_expiry	 me;
	const char		*labels[] = { "profile", NULL, NULL };
	int64_t			 now = (int64_t)(clock_wall_ms() / 1000);
	size_t			 i;

	memset(&me, 0, sizeof me);
	aws_foreach_ctx(metrics_expiry_cb, &me);
	metrics_family(out, "gatewayd_aws_credentials_expiry_seconds",
	    METRICS_GAUGE, "seconds", "seconds until the cached credentials "
	    "of a profile expire (none: they do not, or none yet)");
	for (i = 0; i < me.n; i++) {
		labels[1] = me.profile[i];
		metrics_sample_d(out, labels, (double)(me.at[i] - now));
	}
}

/* Local users whose credentials the daemon holds (gatewayctl login). */
static void
metrics_write_identity(struct metrics_out *out)
{
	metrics_family(out, "gatewayd_identity_users", METRICS_GAUGE, NULL,
	    "local users whose AWS credentials gatewayd holds "
	    "(gatewayctl login)");
	metrics_sample(out, NULL, identity_count());
}

void
metrics_write(struct metrics_out *out)
{
	metrics_gather();
	metrics_write_info(out);
	metrics_write_conns(out);
	metrics_write_sessions(out);
	metrics_write_api(out);
	metrics_write_creds(out);
	metrics_write_identity(out);
	/* Other modules' process-wide counters and histograms. */
	metrics_write_registered(out);
	metrics_end(out);
}

int
metrics_configure(const struct gw_config *conf, char **cause)
{
	if (metrics_sub == NULL) {
		metrics_started = clock_wall_ms();
		metrics_sub = bus_subscribe(BUS_ALL, metrics_bus_cb, NULL);
	}
	return (metrics_http_start(conf, cause));
}

void
metrics_stop(void)
{
	struct metrics_fwd	*mf;
	struct metrics_session	*ms;
	struct metrics_api	*ma;

	metrics_http_stop();
	bus_unsubscribe(metrics_sub);
	metrics_sub = NULL;
	while ((mf = TAILQ_FIRST(&metrics_fwds)) != NULL) {
		TAILQ_REMOVE(&metrics_fwds, mf, entry);
		free(mf->name);
		free(mf);
	}
	while ((ms = TAILQ_FIRST(&metrics_sessions)) != NULL) {
		TAILQ_REMOVE(&metrics_sessions, ms, entry);
		free(ms->forward);
		free(ms->name);
		free(ms);
	}
	while ((ma = TAILQ_FIRST(&metrics_apis)) != NULL) {
		TAILQ_REMOVE(&metrics_apis, ma, entry);
		free(ma->service);
		free(ma->operation);
		free(ma);
	}
	metrics_napis = 0;
	metrics_registry_clear();
}
