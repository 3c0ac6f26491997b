/*
 * The table of forwards: start them from a config, apply a reloaded config
 * by difference, take one down or up, and drain everything at shutdown.
 *
 * Reload: forwards whose config is equal keep running untouched; removed
 * and changed ones retire (they stop accepting but keep their live
 * connections until those end); new and changed ones start. A retiring
 * forward whose exact listen address a new forward wants hands its socket
 * over, so accepting never pauses and the port is never free for another
 * process to take. A config stays allocated while any forward, live or
 * retired, still points into it.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "config.h"
#include "gateway.h"
#include "gatewayd.h"
#include "listener.h"
#include "log.h"
#include "ondemand.h"
#include "util.h"
#include "xmalloc.h"

/* A loaded config and how many forwards point into it. */
struct gateway_gen {
	struct gw_config	*conf;
	int			 refs;
};

/* struct forward with what only this file needs; fw is first. */
struct gateway_forward {
	struct forward		 fw;
	struct gateway_gen	*gen;
	int			 started;	/* fwd->start ran */
	int			 downed;	/* by gatewayctl down */
	struct event		*retry_ev;	/* a failed forward's next try */
	unsigned		 retry_ms;	/* 0, then 1s doubling to 1m */
};

#define GATEWAY_RETRY_MIN_MS	1000
#define GATEWAY_RETRY_MAX_MS	60000

/* Listeners of retiring forwards, waiting for a new owner. */
struct gateway_pool {
	struct listener		**v;
	size_t			  n;
};

struct event_base	*gw_base;
struct forwards		 gw_forwards =
    TAILQ_HEAD_INITIALIZER(gw_forwards);
struct gw_config	*gw_conf;

static struct gateway_gen	*gateway_current;
static int			 gateway_stopping;
static void			(*gateway_done)(void);
static struct event		*gateway_drain_ev;

static void	gateway_finish(void);

static const char *gateway_state_names[] = {
	"up", "down", "failed", "retired"
};

const char *
gateway_state_name(enum forward_state state)
{
	return (gateway_state_names[state]);
}

static struct gateway_forward *
gateway_forward_of(struct forward *fw)
{
	return ((struct gateway_forward *)fw);
}

static struct gateway_gen *
gateway_gen_new(struct gw_config *conf)
{
	struct gateway_gen	*gen;

	gen = xcalloc(1, sizeof *gen);
	gen->conf = conf;
	return (gen);
}

static void
gateway_gen_unref(struct gateway_gen *gen)
{
	if (gen == NULL || --gen->refs > 0)
		return;
	config_free(gen->conf);
	free(gen);
}

/* Point fw at fc, a section of gen. */
static void
gateway_set_conf(struct forward *fw, struct fwd_config *fc,
    struct gateway_gen *gen)
{
	struct gateway_forward	*gf = gateway_forward_of(fw);

	if (gen != NULL)
		gen->refs++;
	gateway_gen_unref(gf->gen);
	gf->gen = gen;
	fw->conf = fc;
}

/*
 * Check every forward of conf against the forwarders this build has. Add
 * one error per failure to errs, "FILE:LINE: forward "NAME": CAUSE", and
 * return how many there were.
 */
size_t
gateway_check(const struct gw_config *conf, struct config_errors *errs)
{
	const struct fwd_config	*fc;
	const struct forwarder	*fwd;
	char			*cause, *msg;
	size_t			 n = 0;

	TAILQ_FOREACH(fc, &conf->forwards, entry) {
		cause = NULL;
		if ((fwd = forwarder_find(fc->forwarder)) == NULL) {
			xasprintf(&cause, "forwarder \"%s\" is not available "
			    "in this build", fc->forwarder);
		} else if (fwd->check != NULL && fwd->check(fc, &cause) == 0)
			continue;
		else if (fwd->check == NULL)
			continue;
		xasprintf(&msg, "%s:%u: forward \"%s\": %s", fc->file,
		    fc->line, fc->name, cause);
		free(cause);
		errs->v = xreallocarray(errs->v, errs->n + 1, sizeof *errs->v);
		errs->v[errs->n++] = msg;
		n++;
	}
	return (n);
}

/* Append a warning to warns. */
static void __attribute__((format(printf, 2, 3)))
gateway_warn(struct config_errors *warns, const char *fmt, ...)
{
	va_list	ap;

	warns->v = xreallocarray(warns->v, warns->n + 1, sizeof *warns->v);
	va_start(ap, fmt);
	xvasprintf(&warns->v[warns->n++], fmt, ap);
	va_end(ap);
}

/* 1 if url is http:// (not https://) to a host that is not loopback. */
static int
gateway_url_in_clear(const char *url)
{
	const char	*host;
	char		*h;
	size_t		 len;
	int		 rv;

	if (url == NULL || strncasecmp(url, "http://", 7) != 0)
		return (0);
	host = url + 7;
	if (*host == '[')
		len = strcspn(host, "]") + 1;
	else
		len = strcspn(host, ":/?#");
	h = xstrndup(host, len);
	rv = !util_host_is_loopback(h);
	free(h);
	return (rv);
}

size_t
gateway_warnings(const struct gw_config *conf, struct config_errors *warns)
{
	const struct fwd_config	*fc;
	const char		*file;
	size_t			 n = warns->n;

	file = conf->file != NULL ? conf->file : "-L";

	if (conf->allow_plain_ws)
		gateway_warn(warns, "%s: [gateway]: allow_plain_websocket = "
		    "yes: Session Manager data channels may run unencrypted "
		    "(ws://), session token and data in clear; for tests "
		    "against an emulator only", file);
	/* Others may use connect alone there (control.c), by connect_allow. */
	if (conf->control != NULL && *conf->control != '\0' &&
	    (conf->control_mode & S_IWOTH) && conf->connect_allow.n == 0)
		gateway_warn(warns, "%s: [gateway]: control_mode %04o lets "
		    "every local user reach the control socket, where only "
		    "root, gatewayd's user and the socket's group may control "
		    "it and connect_allow is not set; use 0600, or 0660 and a "
		    "group", file, (unsigned)conf->control_mode);
	if (conf->control_group != (gid_t)-1 &&
	    (conf->control_mode & S_IWGRP) == 0)
		gateway_warn(warns, "%s: [gateway]: control_group is set but "
		    "control_mode %04o gives its members no access; use 0660",
		    file, (unsigned)conf->control_mode);
	TAILQ_FOREACH(fc, &conf->forwards, entry) {
		file = fc->file != NULL ? fc->file : "-L";
		if (strcmp(fc->forwarder, "tcp") != 0 &&
		    gateway_url_in_clear(fc->endpoint_url))
			gateway_warn(warns, "%s:%u: forward \"%s\": "
			    "endpoint_url %s is plain http to a host that is "
			    "not loopback: signed requests and session tokens "
			    "would travel in clear; use https://", file,
			    fc->line, fc->name, fc->endpoint_url);
		if (fc->listen.kind == LISTEN_UNIX &&
		    (fc->listen.mode & S_IWOTH) && fc->allow.n == 0)
			gateway_warn(warns, "%s:%u: forward \"%s\": "
			    "socket_mode %04o lets every local user connect to "
			    "%s, and there is no allow list; use 0600 or 0660, "
			    "or add allow", file, fc->line, fc->name,
			    (unsigned)fc->listen.mode, fc->listen.text);
	}
	return (warns->n - n);
}

/* Make a forward for fc (not yet listening) and put it in the table. */
static struct forward *
forward_new(struct fwd_config *fc, struct gateway_gen *gen)
{
	struct gateway_forward	*gf;
	struct forward		*fw;

	gf = xcalloc(1, sizeof *gf);
	fw = &gf->fw;
	fw->name = xstrdup(fc->name);
	fw->fwd = forwarder_find(fc->forwarder);
	if (fw->fwd == NULL)
		fatalx("forward %s: no forwarder %s", fc->name, fc->forwarder);
	fw->state = FORWARD_DOWN;
	fw->refs = 1;		/* the table's */
	TAILQ_INIT(&fw->conns);
	gateway_set_conf(fw, fc, gen);
	TAILQ_INSERT_TAIL(&gw_forwards, fw, entry);
	return (fw);
}

/* The last reference went: stop the forwarder and free fw. */
static void
forward_free(struct forward *fw)
{
	struct gateway_forward	*gf = gateway_forward_of(fw);

	log_debug("forward %s: freed", fw->name);
	if (gf->retry_ev != NULL)
		event_free(gf->retry_ev);
	if (gf->started && fw->fwd->stop != NULL)
		fw->fwd->stop(fw);
	listener_free(fw->listener);
	TAILQ_REMOVE(&gw_forwards, fw, entry);
	gateway_gen_unref(gf->gen);
	if (fw->on_demand) {
		ondemand_forget(fw);
		config_fwd_free(fw->conf);
	}
	free(fw->last_error);
	free(fw->name);
	free(gf);
}

void
forward_ref(struct forward *fw)
{
	fw->refs++;
}

/* Drop a reference; at shutdown, the last connection ends the drain. */
void
forward_unref(struct forward *fw)
{
	if (fw->refs <= 0)
		fatalx("forward %s: reference count underflow", fw->name);
	if (--fw->refs == 0)
		forward_free(fw);
	if (gateway_stopping && gateway_done != NULL && !gateway_is_busy())
		gateway_finish();
}

/*
 * 1 while any connection is live or not yet freed: each holds a reference
 * on its forward beyond the table's.
 */
int
gateway_is_busy(void)
{
	struct forward	*fw;

	TAILQ_FOREACH(fw, &gw_forwards, entry) {
		if (fw->refs > (fw->state == FORWARD_RETIRED ? 0 : 1))
			return (1);
	}
	return (0);
}

void
forward_set_error(struct forward *fw, const char *fmt, ...)
{
	va_list			ap;
	struct log_field	f[] = { LOG_STR("forward", fw->name),
	    LOG_STR("error", NULL) };

	free(fw->last_error);
	va_start(ap, fmt);
	xvasprintf(&fw->last_error, fmt, ap);
	va_end(ap);
	f[1].str = fw->last_error;
	log_fields(LOG_LEVEL_WARN, f, LOG_NFIELDS(f), "forward %s: %s",
	    fw->name, fw->last_error);
}

void
forward_keep_error(struct forward *fw, const char *error)
{
	free(fw->last_error);
	fw->last_error = xstrdup(error);
}

/* Live connections over every forward, retired ones included. */
unsigned
gateway_live_conns(void)
{
	struct forward	*fw;
	unsigned	 n = 0;

	TAILQ_FOREACH(fw, &gw_forwards, entry)
		n += fw->nconns;
	return (n);
}

static int	forward_start(struct forward *, struct listener *, char **);

/* A failed forward's time has come: try it again. */
static void
forward_retry_cb(evutil_socket_t fd, short events, void *arg)
{
	struct forward	*fw = arg;
	char		*cause;

	if (fw->state != FORWARD_FAILED || gateway_stopping)
		return;
	log_debug("forward %s: trying again", fw->name);
	if (forward_start(fw, NULL, &cause) == -1)
		free(cause);
}

/*
 * Try fw again later, backing off: a port someone else holds or a file
 * not there yet may come right without a reload, and no other forward
 * should wait for it.
 */
static void
forward_retry_later(struct forward *fw)
{
	struct gateway_forward	*gf = gateway_forward_of(fw);
	struct timeval		 tv;

	if (gw_base == NULL || gateway_stopping)
		return;
	if (gf->retry_ev == NULL)
		gf->retry_ev = evtimer_new(gw_base, forward_retry_cb, fw);
	if (gf->retry_ev == NULL)
		fatalx("forward %s: cannot make a timer", fw->name);
	if (gf->retry_ms == 0)
		gf->retry_ms = GATEWAY_RETRY_MIN_MS;
	else if ((gf->retry_ms *= 2) > GATEWAY_RETRY_MAX_MS)
		gf->retry_ms = GATEWAY_RETRY_MAX_MS;
	tv = util_ms_tv(gf->retry_ms);
	evtimer_add(gf->retry_ev, &tv);
}

static void
forward_retry_cancel(struct forward *fw)
{
	struct gateway_forward	*gf = gateway_forward_of(fw);

	if (gf->retry_ev != NULL)
		evtimer_del(gf->retry_ev);
	gf->retry_ms = 0;
}

/*
 * Start fw accepting, on l if given (a listener handed over) else on a
 * fresh socket. On failure the forward is FAILED with its last error,
 * logged when it is a new one, and tried again later.
 */
static int
forward_start(struct forward *fw, struct listener *l, char **cause)
{
	struct gateway_forward	*gf = gateway_forward_of(fw);

	if (l == NULL && (l = listener_new(fw, cause)) == NULL)
		goto fail;
	listener_set_forward(l, fw);
	listener_enable(l);
	fw->listener = l;
	if (!gf->started && fw->fwd->start != NULL &&
	    fw->fwd->start(fw, cause) == -1)
		goto fail;
	gf->started = 1;
	fw->state = FORWARD_UP;
	forward_retry_cancel(fw);
	free(fw->last_error);
	fw->last_error = NULL;
	if (fw->conf->target == NULL)	/* socks: each client says where */
		log_info("forward %s: listening on %s (%s)", fw->name,
		    fw->conf->listen.text, fw->fwd->name);
	else
		log_info("forward %s: listening on %s (%s to %s:%u)", fw->name,
		    fw->conf->listen.text, fw->fwd->name, fw->conf->target,
		    fw->conf->remote_port);
	return (0);

fail:
	listener_free(fw->listener);
	fw->listener = NULL;
	fw->state = FORWARD_FAILED;
	if (fw->last_error == NULL || strcmp(fw->last_error, *cause) != 0)
		forward_set_error(fw, "%s", *cause);
	forward_retry_later(fw);
	return (-1);
}

/* Close every live connection of fw with a reason. */
static void
forward_close_conns(struct forward *fw, const char *reason)
{
	struct conn	*c, *c1;

	TAILQ_FOREACH_SAFE(c, &fw->conns, entry, c1)
		conn_close(c, CONN_END_STOPPED, "%s", reason);
}

/* Stop serving fw: closed by down, or retired by reload. */
static void
forward_stop(struct forward *fw, enum forward_state state)
{
	struct gateway_forward	*gf = gateway_forward_of(fw);

	listener_free(fw->listener);
	fw->listener = NULL;
	fw->state = state;
	forward_retry_cancel(fw);
	if (state == FORWARD_RETIRED) {
		log_info("forward %s: retired%s", fw->name, fw->nconns != 0 ?
		    ", live connections continue" : "");
		forward_unref(fw);
		return;
	}
	gf->downed = 1;
	forward_close_conns(fw, "forward down");
	if (gf->started && fw->fwd->stop != NULL)
		fw->fwd->stop(fw);
	gf->started = 0;
}

/*
 * Start every forward of conf. One that fails is marked so and retried
 * while the others serve, as at reload; with exit_on_forward_failure the
 * first failure ends the start.
 */
int
gateway_start(struct gw_config *conf, char **cause)
{
	struct fwd_config	*fc;
	struct forward		*fw;
	char			*why;
	int			 failed = 0;

	gateway_current = gateway_gen_new(conf);
	gateway_current->refs++;
	gw_conf = conf;
	TAILQ_FOREACH(fc, &conf->forwards, entry) {
		fw = forward_new(fc, gateway_current);
		if (forward_start(fw, NULL, &why) == 0)
			continue;
		if (failed++ == 0)
			xasprintf(cause, "forward %s: %s", fw->name, why);
		free(why);
		if (conf->exit_on_fwd_failure) {
			forward_retry_cancel(fw);
			return (-1);
		}
	}
	return (failed);
}

/*
 * Add and start a forward for fc, which the caller keeps alive and frees
 * after the forward has gone (tests; forwards made at run time).
 */
struct forward *
gateway_add(struct fwd_config *fc, char **cause)
{
	struct forward	*fw;

	fw = forward_new(fc, NULL);
	if (forward_start(fw, NULL, cause) == -1) {
		forward_stop(fw, FORWARD_RETIRED);
		return (NULL);
	}
	return (fw);
}

struct forward *
gateway_add_ondemand(struct fwd_config *fc, char **cause)
{
	struct gateway_forward	*gf;
	struct forward		*fw;

	if (gateway_stopping) {
		config_fwd_free(fc);
		*cause = xstrdup("shutting down");
		return (NULL);
	}
	fw = forward_new(fc, NULL);
	fw->on_demand = 1;
	gf = gateway_forward_of(fw);
	if (fw->fwd->start != NULL && fw->fwd->start(fw, cause) == -1) {
		forward_stop(fw, FORWARD_RETIRED);
		return (NULL);
	}
	gf->started = 1;
	fw->state = FORWARD_UP;
	log_info("forward %s: on demand (%s to %s:%u%s%s)", fw->name,
	    fw->fwd->name, fc->target, fc->remote_port,
	    fc->remote_host != NULL ? " via " : "",
	    fc->remote_host != NULL ? fc->remote_host : "");
	return (fw);
}

/* Retire fw: it stops accepting and goes once its connections have. */
void
gateway_remove(struct forward *fw)
{
	if (fw->state != FORWARD_RETIRED)
		forward_stop(fw, FORWARD_RETIRED);
}

struct forward *
gateway_find(const char *name)
{
	struct forward	*fw;

	TAILQ_FOREACH(fw, &gw_forwards, entry) {
		if (fw->state != FORWARD_RETIRED && strcmp(fw->name, name) == 0)
			return (fw);
	}
	return (NULL);
}

static struct fwd_config *
gateway_find_conf(struct gw_config *conf, const char *name)
{
	struct fwd_config	*fc;

	TAILQ_FOREACH(fc, &conf->forwards, entry) {
		if (strcmp(fc->name, name) == 0)
			return (fc);
	}
	return (NULL);
}

/* Take a pooled listener bound exactly as ls asks, if there is one. */
static struct listener *
gateway_pool_take(struct gateway_pool *pool, const struct listen_spec *ls)
{
	struct listener	*l;
	size_t		 i;

	for (i = 0; i < pool->n; i++) {
		if ((l = pool->v[i]) != NULL && listener_matches(l, ls)) {
			pool->v[i] = NULL;
			return (l);
		}
	}
	return (NULL);
}

/* Retire fw; keep its listener in the pool for a successor. */
static void
gateway_retire(struct forward *fw, struct gateway_pool *pool)
{
	if (fw->listener != NULL) {
		listener_disable(fw->listener);
		pool->v = xreallocarray(pool->v, pool->n + 1, sizeof *pool->v);
		pool->v[pool->n++] = fw->listener;
		fw->listener = NULL;
	}
	forward_stop(fw, FORWARD_RETIRED);
}

/* Counts for the reload summary. */
struct gateway_diff {
	unsigned	added, removed, changed, kept;
};

/*
 * 1 if the [gateway] keys that fc's forwarder reads when a forward starts
 * are the same in old and conf. fwd_ssm takes allow_plain_websocket and
 * max_sessions_per_target into its sessions' parameters at start (the
 * keys forwards inherit, region and the like, are in fc itself): an ssm
 * forward whose section is unchanged must still start again when they
 * change, or it would keep the old values until gatewayd restarts.
 */
static int
gateway_gw_equal(const struct gw_config *old, const struct gw_config *conf,
    const struct fwd_config *fc)
{
	if (old == NULL || strcmp(fc->forwarder, "ssm") != 0)
		return (1);
	return (old->allow_plain_ws == conf->allow_plain_ws &&
	    old->max_sessions_per_target == conf->max_sessions_per_target);
}

/* Keep or retire each running forward against the new config. */
static void
gateway_diff_old(struct gw_config *conf, struct gateway_gen *gen,
    struct gateway_pool *pool, struct gateway_diff *d)
{
	struct forward		*fw, *fw1;
	struct fwd_config	*fc;

	TAILQ_FOREACH_SAFE(fw, &gw_forwards, entry, fw1) {
		/* On-demand forwards are no config's; they stay. */
		if (fw->state == FORWARD_RETIRED || fw->on_demand)
			continue;
		fc = gateway_find_conf(conf, fw->name);
		if (fc != NULL && config_fwd_equal(fw->conf, fc) &&
		    gateway_gw_equal(gw_conf, conf, fc)) {
			gateway_set_conf(fw, fc, gen);
			d->kept++;
			continue;
		}
		if (fc == NULL)
			d->removed++;
		else
			d->changed++;
		gateway_retire(fw, pool);
	}
}

/* Start the new and changed forwards, then retry any that failed before. */
static void
gateway_diff_new(struct gw_config *conf, struct gateway_gen *gen,
    struct gateway_pool *pool, struct gateway_diff *d)
{
	struct fwd_config	*fc;
	struct forward		*fw;
	struct listener		*l;
	char			*cause;
	size_t			 i;

	/* First those that take over a socket, so the rest find it free. */
	TAILQ_FOREACH(fc, &conf->forwards, entry) {
		if (gateway_find(fc->name) != NULL)
			continue;
		fw = forward_new(fc, gen);
		if ((l = gateway_pool_take(pool, &fc->listen)) != NULL) {
			log_debug("forward %s: takes over %s", fw->name,
			    listener_address(l));
			if (forward_start(fw, l, &cause) == -1)
				free(cause);
		}
	}
	for (i = 0; i < pool->n; i++)
		listener_free(pool->v[i]);
	/* Then the rest; a forward taken down by hand stays down. */
	TAILQ_FOREACH(fw, &gw_forwards, entry) {
		if (fw->state == FORWARD_RETIRED || fw->listener != NULL ||
		    gateway_forward_of(fw)->downed || fw->on_demand)
			continue;
		if (forward_start(fw, NULL, &cause) == -1)
			free(cause);
	}
	TAILQ_FOREACH(fc, &conf->forwards, entry)
		d->added++;
	d->added -= d->kept + d->changed;
}

/*
 * Apply conf (already loaded and clean) in place of the running config.
 * If a forwarder rejects a forward of it, log why, free conf and return -1:
 * the running config stays.
 */
int
gateway_reload(struct gw_config *conf)
{
	struct config_errors	 errs = { NULL, 0 };
	struct gateway_pool	 pool = { NULL, 0 };
	struct gateway_diff	 d = { 0, 0, 0, 0 };
	struct gateway_gen	*gen;
	size_t			 i;

	if (gateway_stopping) {
		log_warnx("reload: shutting down, ignored");
		config_free(conf);
		return (-1);
	}
	if (gateway_check(conf, &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			log_warnx("%s", errs.v[i]);
		log_warnx("reload: %zu error%s, keeping the running config",
		    errs.n, errs.n == 1 ? "" : "s");
		config_errors_clear(&errs);
		config_free(conf);
		return (-1);
	}
	gen = gateway_gen_new(conf);
	gen->refs++;		/* as the current config */
	gateway_diff_old(conf, gen, &pool, &d);
	gateway_diff_new(conf, gen, &pool, &d);
	free(pool.v);
	gateway_gen_unref(gateway_current);
	gateway_current = gen;
	gw_conf = conf;
	log_info("reload: %u added, %u removed, %u changed, %u unchanged",
	    d.added, d.removed, d.changed, d.kept);
	return (0);
}

int
gateway_forward_up(struct forward *fw, char **cause)
{
	if (fw->state == FORWARD_UP)
		return (0);
	if (fw->state == FORWARD_RETIRED || gateway_stopping ||
	    fw->on_demand) {
		xasprintf(cause, "forward %s: %s", fw->name, gateway_stopping ?
		    "shutting down" : fw->on_demand ? "on demand: it is made "
		    "by the next connection" : "retired");
		return (-1);
	}
	gateway_forward_of(fw)->downed = 0;
	log_info("forward %s: up", fw->name);
	return (forward_start(fw, NULL, cause));
}

void
gateway_forward_down(struct forward *fw)
{
	if (fw->state == FORWARD_RETIRED || fw->state == FORWARD_DOWN)
		return;
	log_info("forward %s: down", fw->name);
	if (fw->on_demand) {
		/* Its sessions end; the next connection makes it anew. */
		forward_close_conns(fw, "forward down");
		forward_stop(fw, FORWARD_RETIRED);
		return;
	}
	forward_stop(fw, FORWARD_DOWN);
}

/* Everything has drained: tell the caller, once. */
static void
gateway_finish(void)
{
	void	(*done)(void) = gateway_done;

	gateway_done = NULL;
	if (gateway_drain_ev != NULL) {
		event_free(gateway_drain_ev);
		gateway_drain_ev = NULL;
	}
	if (done != NULL)
		done();
}

/* The drain timeout passed: close what is left. */
static void
gateway_drain_cb(evutil_socket_t fd, short events, void *arg)
{
	struct forward	*fw, *fw1;
	char		 dur[32], *reason;

	util_fmt_duration(gw_conf->drain_timeout, dur, sizeof dur);
	log_info("shutdown: %u connections still open after %s, closing",
	    gateway_live_conns(), dur);
	xasprintf(&reason, "shutdown: drain timeout (%s)", dur);
	TAILQ_FOREACH_SAFE(fw, &gw_forwards, entry, fw1) {
		forward_ref(fw);
		forward_close_conns(fw, reason);
		forward_unref(fw);
	}
	free(reason);
}

/*
 * Stop accepting everywhere, let live connections finish for up to the
 * drain timeout, close the rest, then call done. A second call closes
 * what is left at once.
 */
void
gateway_shutdown(void (*done)(void))
{
	struct forward	*fw;
	struct timeval	 tv;
	unsigned	 ms = gw_conf != NULL ? gw_conf->drain_timeout : 0;

	if (gateway_stopping) {
		if (gateway_drain_ev != NULL)
			event_active(gateway_drain_ev, EV_TIMEOUT, 1);
		return;
	}
	gateway_stopping = 1;
	gateway_done = done;
	TAILQ_FOREACH(fw, &gw_forwards, entry) {
		listener_free(fw->listener);
		fw->listener = NULL;
		forward_retry_cancel(fw);
	}
	if (!gateway_is_busy()) {
		gateway_finish();
		return;
	}
	log_info("shutdown: waiting for %u connections", gateway_live_conns());
	gateway_drain_ev = evtimer_new(gw_base, gateway_drain_cb, NULL);
	tv = util_ms_tv(ms);
	evtimer_add(gateway_drain_ev, &tv);
}

/*
 * Drop the table's hold on every forward and config (at exit, after the
 * drain). Connections still open are closed; their frees, and so those of
 * their forwards, run on the next turn of the loop.
 */
void
gateway_free(void)
{
	struct forward	*fw, *fw1;

	gateway_done = NULL;
	if (gateway_drain_ev != NULL) {
		event_free(gateway_drain_ev);
		gateway_drain_ev = NULL;
	}
	TAILQ_FOREACH_SAFE(fw, &gw_forwards, entry, fw1) {
		forward_ref(fw);
		forward_close_conns(fw, "exiting");
		if (fw->state != FORWARD_RETIRED) {
			fw->state = FORWARD_RETIRED;
			forward_unref(fw);
		}
		forward_unref(fw);
	}
	gateway_gen_unref(gateway_current);
	gateway_current = NULL;
	gw_conf = NULL;
	gateway_stopping = 0;
}

static struct evdns_base	*gateway_dns;

/* The resolver, made on first use (it reads resolv.conf and hosts). */
struct evdns_base *
gateway_get_dns(void)
{
	if (gateway_dns == NULL) {
		gateway_dns = evdns_base_new(gw_base,
		    EVDNS_BASE_INITIALIZE_NAMESERVERS);
		if (gateway_dns == NULL)
			fatalx("cannot make a resolver");
	}
	return (gateway_dns);
}

void
gateway_free_dns(void)
{
	if (gateway_dns != NULL) {
		evdns_base_free(gateway_dns, 1);
		gateway_dns = NULL;
	}
}
