/*
 * Forwards made at run time for connections that name their own target.
 *
 * A key's forward is an ordinary ssm forward (forwarders/ssm) made from a
 * section config_fwd_make() fills as the config file would, with no
 * listener: gatewayctl connect, gatewayd -W and the SOCKS forwarder hand
 * it their conns. Its session pool is the ssm forwarder's, so the first
 * connection starts a session and the next ones with the same key ride
 * it (a mux session carries many) for as long as the forward lives. A
 * sweep once a second ends a forward that has carried no connection for
 * connect_idle, and its sessions with it.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "forward.h"
#include "forwarder.h"
#include "gateway.h"
#include "log.h"
#include "ondemand.h"
#include "util.h"
#include "xmalloc.h"

/* How often unused forwards are looked for (ms). */
#define ONDEMAND_SWEEP_MS	1000
/* A target, a remote host: StartSession's bound for a target. */
#define ONDEMAND_MAX_NAME	400

struct ondemand {
	char			*key;		/* every part, resolved */
	struct forward		*fw;
	uint64_t		 busy_ms;	/* last seen carrying conns */
	TAILQ_ENTRY(ondemand)	 entry;
};
TAILQ_HEAD(ondemands, ondemand);

static struct ondemands	 ondemands = TAILQ_HEAD_INITIALIZER(ondemands);
static unsigned		 ondemand_n;
static struct event	*ondemand_ev;

static void
ondemand_drop(struct ondemand *od)
{
	TAILQ_REMOVE(&ondemands, od, entry);
	ondemand_n--;
	free(od->key);
	free(od);
	if (ondemand_n == 0 && ondemand_ev != NULL) {
		event_free(ondemand_ev);
		ondemand_ev = NULL;
	}
}

/* End the forwards that have carried nothing for connect_idle. */
static void
ondemand_sweep_cb(evutil_socket_t fd, short events, void *arg)
{
	struct ondemand	*od, *od1;
	struct timeval	 tv;
	uint64_t	 now = clock_now_ms();
	char		 idle[32];

	TAILQ_FOREACH_SAFE(od, &ondemands, entry, od1) {
		/* Retired: gone once its last conn is freed. */
		if (od->fw->state == FORWARD_RETIRED)
			continue;
		if (od->fw->nconns != 0) {
			od->busy_ms = now;
			continue;
		}
		if (gw_conf == NULL || now - od->busy_ms < gw_conf->connect_idle)
			continue;
		util_fmt_duration(now - od->busy_ms, idle, sizeof idle);
		log_info("forward %s: unused for %s (connect_idle), ended",
		    od->fw->name, idle);
		gateway_remove(od->fw);	/* frees it: ondemand_forget */
	}
	if (ondemand_ev == NULL)
		return;
	tv = util_ms_tv(ONDEMAND_SWEEP_MS);
	evtimer_add(ondemand_ev, &tv);
}

void
ondemand_forget(struct forward *fw)
{
	struct ondemand	*od;

	TAILQ_FOREACH(od, &ondemands, entry) {
		if (od->fw == fw) {
			ondemand_drop(od);
			return;
		}
	}
}

unsigned
ondemand_count(void)
{
	return (ondemand_n);
}

/* A name part: 1-400 printable bytes, no space. */
static int
ondemand_check_word(const char *what, const char *s, char **cause)
{
	const char	*p;

	if (*s == '\0') {
		xasprintf(cause, "%s: empty", what);
		return (-1);
	}
	if (strlen(s) > ONDEMAND_MAX_NAME) {
		xasprintf(cause, "%s: longer than %d bytes", what,
		    ONDEMAND_MAX_NAME);
		return (-1);
	}
	for (p = s; *p != '\0'; p++) {
		if (!isgraph((unsigned char)*p)) {
			xasprintf(cause, "%s: \"%.40s\" has a space or a "
			    "control character", what, s);
			return (-1);
		}
	}
	return (0);
}

/* A new forward for k, named name; NULL and *cause. */
static struct forward *
ondemand_make(const struct ondemand_key *k, const char *name,
    const char *region, const char *profile, char **cause)
{
	const struct forwarder	*fwd = forwarder_find("ssm");
	struct fwd_config	*fc;
	char			 port[8];
	const char		*kv[] = {
		"forwarder", "ssm",
		"target", k->target,
		"remote_port", port,
		"remote_host", k->remote_host,
		"region", region,
		"profile", profile,
		"endpoint_url", k->endpoint,
		NULL, NULL
	};

	snprintf(port, sizeof port, "%u", k->port);
	if (fwd == NULL) {
		*cause = xstrdup("this gatewayd has no ssm forwarder");
		return (NULL);
	}
	if ((fc = config_fwd_make(gw_conf, name, kv, cause)) == NULL)
		return (NULL);
	if (fwd->check != NULL && fwd->check(fc, cause) == -1) {
		config_fwd_free(fc);
		return (NULL);
	}
	return (gateway_add_ondemand(fc, cause));
}

struct forward *
ondemand_forward(const struct ondemand_key *k, char **cause)
{
	struct ondemand	*od;
	struct forward	*fw;
	struct timeval	 tv;
	const char	*region, *profile;
	char		*key, *name;

	if (gw_conf == NULL) {
		*cause = xstrdup("not running");
		return (NULL);
	}
	if (ondemand_check_word("target", k->target, cause) == -1 ||
	    (k->remote_host != NULL &&
	    ondemand_check_word("remote host", k->remote_host, cause) == -1) ||
	    (k->region != NULL &&
	    ondemand_check_word("region", k->region, cause) == -1) ||
	    (k->profile != NULL &&
	    ondemand_check_word("profile", k->profile, cause) == -1) ||
	    (k->endpoint != NULL &&
	    ondemand_check_word("endpoint", k->endpoint, cause) == -1))
		return (NULL);
	if (k->port < 1 || k->port > 65535) {
		xasprintf(cause, "port: %u is not 1-65535", k->port);
		return (NULL);
	}
	region = k->region != NULL ? k->region : gw_conf->region;
	profile = k->profile != NULL ? k->profile : gw_conf->profile;
	xasprintf(&key, "%s %u %s %s %s %s", k->target, k->port,
	    k->remote_host != NULL ? k->remote_host : "-",
	    region != NULL ? region : "-", profile != NULL ? profile : "-",
	    k->endpoint != NULL ? k->endpoint : "-");
	TAILQ_FOREACH(od, &ondemands, entry) {
		if (strcmp(od->key, key) == 0 &&
		    od->fw->state != FORWARD_RETIRED) {
			free(key);
			od->busy_ms = clock_now_ms();
			return (od->fw);
		}
	}
	if (ondemand_n >= ONDEMAND_MAX) {
		free(key);
		xasprintf(cause, "%d on-demand forwards already (wait for "
		    "connect_idle to end one)", ONDEMAND_MAX);
		return (NULL);
	}
	/* "~i-0abc:22", "~tag:Name=bastion>db.internal:5432@eu-west-1". */
	xasprintf(&name, "~%s%s%s:%u%s%s%s%s", k->target,
	    k->remote_host != NULL ? ">" : "",
	    k->remote_host != NULL ? k->remote_host : "", k->port,
	    k->region != NULL ? "@" : "", k->region != NULL ? k->region : "",
	    k->profile != NULL ? "/" : "",
	    k->profile != NULL ? k->profile : "");
	fw = ondemand_make(k, name, region, profile, cause);
	free(name);
	if (fw == NULL) {
		free(key);
		return (NULL);
	}
	od = xcalloc(1, sizeof *od);
	od->key = key;
	od->fw = fw;
	od->busy_ms = clock_now_ms();
	TAILQ_INSERT_TAIL(&ondemands, od, entry);
	ondemand_n++;
	if (ondemand_ev == NULL) {
		if ((ondemand_ev = evtimer_new(gw_base, ondemand_sweep_cb,
		    NULL)) == NULL)
			fatalx("ondemand: cannot make a timer");
		tv = util_ms_tv(ONDEMAND_SWEEP_MS);
		evtimer_add(ondemand_ev, &tv);
	}
	return (fw);
}
