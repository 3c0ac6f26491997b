/*
 * fwd_ssm: Session Manager port forwarding as a gatewayd forwarder.
 *
 * This file knows targets and configuration: it checks ssm forwards at
 * config time (i-..., mi-..., tag:KEY=VALUE, ecs:CLUSTER_TASK_RUNTIME,
 * remote_host, the document, the reason), gives each forward its AWS
 * context and the StartSession parameters of its document, and resolves
 * tag: targets with DescribeInstanceInformation each time a session
 * starts, so that a replaced instance is found by the next session. The
 * sessions themselves, and how connections ride on them, are session.c's.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "aws.h"
#include "aws_daemon.h"
#include "aws_ssm.h"
#include "config.h"
#include "conn.h"
#include "forward.h"
#include "forwarder.h"
#include "fwd_ssm_int.h"
#include "log.h"
#include "ssm_chan.h"
#include "ssm_session.h"
#include "ssm_version.h"
#include "util.h"
#include "xmalloc.h"

/* StartSession's limits (ssm-data-channel.md 2.5) and tag sizes. */
#define FWD_SSM_MAX_TARGET	400
#define FWD_SSM_MAX_TAG_KEY	128
#define FWD_SSM_MAX_TAG_VALUE	256
/* DescribeInstanceInformation page size. */
#define FWD_SSM_PAGE		50

/* One DescribeInstanceInformation for a session's start. */
struct fwd_ssm_lookup {
	struct fwd_ssm			*fs;
	struct ssm_session		*s;
	struct aws_ssm_describe		*d;
};

/* i- and 8 or 17 lower-case hex digits; mi- and 17. */
int
fwd_ssm_is_instance(const char *s)
{
	size_t	n;

	if (strncmp(s, "i-", 2) == 0) {
		n = strspn(s + 2, "0123456789abcdef");
		return (s[2 + n] == '\0' && (n == 8 || n == 17));
	}
	if (strncmp(s, "mi-", 3) == 0) {
		n = strspn(s + 3, "0123456789abcdef");
		return (s[3 + n] == '\0' && n == 17);
	}
	return (0);
}

/* tag:KEY=VALUE with a key and a value. */
static int
fwd_ssm_check_tag(const char *target, char **cause)
{
	const char	*key = target + 4, *eq = strchr(key, '=');

	if (eq == NULL || eq == key || eq[1] == '\0') {
		xasprintf(cause, "target: \"%s\" is not tag:KEY=VALUE",
		    target);
		return (-1);
	}
	if (eq - key > FWD_SSM_MAX_TAG_KEY ||
	    strlen(eq + 1) > FWD_SSM_MAX_TAG_VALUE) {
		xasprintf(cause, "target: \"%s\": a tag key is at most %d "
		    "characters, a value %d", target, FWD_SSM_MAX_TAG_KEY,
		    FWD_SSM_MAX_TAG_VALUE);
		return (-1);
	}
	return (0);
}

/* n characters from s are all in set. */
static int
fwd_ssm_all_in(const char *s, size_t n, const char *set)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && strchr(set, s[i]) == NULL)
			return (0);
	}
	return (n != 0);
}

/*
 * ecs:CLUSTER_TASK_RUNTIME (ssm-data-channel.md 2.3). A cluster name may
 * hold '_' itself, so the task id and runtime id are taken from the end.
 */
static int
fwd_ssm_check_ecs(const char *target, char **cause)
{
	const char	*cluster = target + 4, *task, *runtime;

	runtime = strrchr(cluster, '_');
	task = NULL;
	if (runtime != NULL) {
		for (task = runtime - 1; task > cluster && *task != '_';
		    task--)
			;
	}
	if (runtime == NULL || task == NULL || task <= cluster ||
	    !fwd_ssm_all_in(cluster, task - cluster, "-_") ||
	    !fwd_ssm_all_in(task + 1, runtime - task - 1, "-") ||
	    !fwd_ssm_all_in(runtime + 1, strlen(runtime + 1), "-")) {
		xasprintf(cause, "target: \"%s\" is not "
		    "ecs:CLUSTER_TASK_RUNTIME (cluster name, task id and "
		    "container runtime id)", target);
		return (-1);
	}
	return (0);
}

int
fwd_ssm_check_target(const char *target, char **cause)
{
	if (target == NULL || *target == '\0') {
		xasprintf(cause, "target: an instance id, tag:KEY=VALUE or "
		    "ecs:CLUSTER_TASK_RUNTIME is needed");
		return (-1);
	}
	if (strlen(target) > FWD_SSM_MAX_TARGET) {
		xasprintf(cause, "target: longer than %d characters",
		    FWD_SSM_MAX_TARGET);
		return (-1);
	}
	if (strncmp(target, "tag:", 4) == 0)
		return (fwd_ssm_check_tag(target, cause));
	if (strncmp(target, "ecs:", 4) == 0)
		return (fwd_ssm_check_ecs(target, cause));
	if (fwd_ssm_is_instance(target))
		return (0);
	if (strncmp(target, "i-", 2) == 0 || strncmp(target, "mi-", 3) == 0)
		xasprintf(cause, "target: \"%s\" is not an instance id (i- "
		    "and 8 or 17 hex digits, mi- and 17)", target);
	else
		xasprintf(cause, "target: \"%s\" is not an instance id (i-, "
		    "mi-), tag:KEY=VALUE or ecs:CLUSTER_TASK_RUNTIME", target);
	return (-1);
}

/* A host the agent may resolve: the document's pattern (2.4). */
static int
fwd_ssm_check_host(const char *host, char **cause)
{
	const char	*bad = ",$^&()!;'\"<>`{}[]|#=";
	const char	*p;

	if (strlen(host) < 3) {
		xasprintf(cause, "remote_host: \"%s\" is shorter than 3 "
		    "characters", host);
		return (-1);
	}
	for (p = host; *p != '\0'; p++) {
		if (strchr(bad, *p) != NULL || isspace((unsigned char)*p) ||
		    iscntrl((unsigned char)*p)) {
			xasprintf(cause, "remote_host: \"%s\" has a character "
			    "the document does not allow ('%c')", host, *p);
			return (-1);
		}
	}
	return (0);
}

/* Config time: what StartSession and the agent would refuse. */
static int
fwd_ssm_check(const struct fwd_config *fc, char **cause)
{
	if (fwd_ssm_check_target(fc->target, cause) != 0)
		return (-1);
	if (fc->remote_port == 0 || fc->remote_port > 65535) {
		xasprintf(cause, "remote_port: %u is out of range (1-65535)",
		    fc->remote_port);
		return (-1);
	}
	if (fc->remote_host != NULL &&
	    fwd_ssm_check_host(fc->remote_host, cause) != 0)
		return (-1);
	if (fc->remote_host != NULL && fc->document != NULL &&
	    !util_host_is_loopback(fc->remote_host) &&
	    strcmp(fc->document, "AWS-StartPortForwardingSession") == 0) {
		xasprintf(cause, "remote_host: AWS-StartPortForwardingSession "
		    "reaches the target itself; use "
		    "AWS-StartPortForwardingSessionToRemoteHost");
		return (-1);
	}
	if (fc->remote_host != NULL && fc->document != NULL &&
	    util_host_is_loopback(fc->remote_host) && strcmp(fc->document,
	    "AWS-StartPortForwardingSessionToRemoteHost") == 0) {
		xasprintf(cause, "remote_host: %s is the target's own "
		    "loopback, which current agents refuse through "
		    "AWS-StartPortForwardingSessionToRemoteHost (their deny "
		    "list); leave document unset, or use "
		    "AWS-StartPortForwardingSession", fc->remote_host);
		return (-1);
	}
	if (fc->warm && fc->idle_policy == CONFIG_IDLE_RELEASE) {
		xasprintf(cause, "idle_policy: release ends the sessions that "
		    "warm keeps open; use one or the other");
		return (-1);
	}
	if (fc->max_session_duration != 0 && fc->max_session_duration < 2000) {
		xasprintf(cause, "max_session_duration: %ums is too short to "
		    "open a replacement in (2s at least, or 0)",
		    fc->max_session_duration);
		return (-1);
	}
	if (fc->reason != NULL && (*fc->reason == '\0' ||
	    strlen(fc->reason) > SSM_SESSION_MAX_REASON)) {
		xasprintf(cause, "reason: 1 to %d characters",
		    SSM_SESSION_MAX_REASON);
		return (-1);
	}
	return (0);
}

/*
 * Tag targets.
 */

/* "i-a, i-b, i-c" for messages, with their ping status if asked. */
static char *
fwd_ssm_list(const struct aws_ssm_instances *l, int online, int status)
{
	char	*out = xstrdup(""), *tmp;
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < l->n; i++) {
		if (online != (strcmp(l->v[i].ping_status, "Online") == 0))
			continue;
		if (n++ == 10) {
			xasprintf(&tmp, "%s, ...", out);
			free(out);
			return (tmp);
		}
		xasprintf(&tmp, "%s%s%s%s%s", out, n == 1 ? "" : ", ",
		    l->v[i].instance_id, status ? " " : "",
		    status ? l->v[i].ping_status : "");
		free(out);
		out = tmp;
	}
	return (out);
}

/* Pick one of the Online instances, as target_pick says; NULL: error. */
static const struct aws_ssm_instance *
fwd_ssm_pick(const struct fwd_config *fc, const struct aws_ssm_instances *l,
    size_t online)
{
	const struct aws_ssm_instance	*best = NULL, *v;
	size_t				 i, k = 0, want = 0;

	if (online > 1 && fc->target_pick == CONFIG_PICK_ERROR)
		return (NULL);
	if (fc->target_pick == CONFIG_PICK_RANDOM)
		want = util_random_range(0, online);
	for (i = 0; i < l->n; i++) {
		v = &l->v[i];
		if (strcmp(v->ping_status, "Online") != 0)
			continue;
		if (fc->target_pick == CONFIG_PICK_RANDOM) {
			if (k++ == want)
				return (v);
			continue;
		}
		if (best == NULL ||
		    (fc->target_pick == CONFIG_PICK_NEWEST ?
		    v->last_ping > best->last_ping :
		    strcmp(v->instance_id, best->instance_id) < 0))
			best = v;
	}
	return (best);
}

/* The instances the tag matched: one Online, or an error that says why. */
static void
fwd_ssm_described(const struct aws_ssm_instances *l, const char *error,
    const char *code, void *arg)
{
	struct fwd_ssm_lookup		*lk = arg;
	struct fwd_ssm			*fs = lk->fs;
	const struct fwd_config		*fc = fs->fw->conf;
	const struct aws_ssm_instance	*v;
	const char			*region = aws_ctx_region(fs->aws);
	char				*msg = NULL, *list;
	size_t				 i, online = 0;

	if (region == NULL)
		region = "?";
	if (l == NULL) {
		xasprintf(&msg, "%s: %s", fc->target, error);
		goto out;
	}
	for (i = 0; i < l->n; i++)
		online += strcmp(l->v[i].ping_status, "Online") == 0;
	if (online == 0 && l->n == 0)
		xasprintf(&msg, "%s matched no Online instance in %s",
		    fc->target, region);
	else if (online == 0) {
		list = fwd_ssm_list(l, 0, 1);
		xasprintf(&msg, "%s matched no Online instance in %s (%s)",
		    fc->target, region, list);
		free(list);
	} else if ((v = fwd_ssm_pick(fc, l, online)) == NULL) {
		list = fwd_ssm_list(l, 1, 0);
		xasprintf(&msg, "%s matched %zu Online instances in %s (%s); "
		    "target_pick says which to use", fc->target, online,
		    region, list);
		free(list);
	} else {
		log_info("session %s: %s is %s (agent %s)",
		    ssm_session_get_name(lk->s), fc->target, v->instance_id,
		    v->agent_version != NULL ? v->agent_version : "?");
		ssm_session_resolved(lk->s, v->instance_id, NULL);
	}
out:
	if (msg != NULL)
		ssm_session_resolved(lk->s, NULL, msg);
	free(msg);
	free(lk);
}

/* Begin DescribeInstanceInformation with the tag filter for s. */
static void *
fwd_ssm_lookup_start(struct ssm_session *s, void *arg)
{
	struct fwd_ssm		*fs = arg;
	struct fwd_ssm_lookup	*lk;
	struct aws_ssm_filter	 f;
	const char		*values[1];

	lk = xcalloc(1, sizeof *lk);
	lk->fs = fs;
	lk->s = s;
	values[0] = fs->tag_value;
	f.key = fs->tag_key;
	f.values = values;
	f.nvalues = 1;
	/* A user's session finds its instance with their credentials. */
	lk->d = aws_ssm_describe_instances(ssm_session_get_aws(s), &f, 1,
	    FWD_SSM_PAGE,
	    fwd_ssm_described, lk);
	return (lk);
}

static void
fwd_ssm_lookup_cancel(void *handle)
{
	struct fwd_ssm_lookup	*lk = handle;

	aws_ssm_describe_cancel(lk->d);
	free(lk);
}

/*
 * Start and stop.
 */

/* portNumber, localPortNumber (the real one) and host for StartSession. */
static void
fwd_ssm_params(struct fwd_ssm *fs, const struct fwd_config *fc,
    struct ssm_session_params *sp)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	unsigned			 local = 0;

	sin = (const struct sockaddr_in *)&fc->listen.ss;
	sin6 = (const struct sockaddr_in6 *)&fc->listen.ss;
	if (fc->listen.kind == LISTEN_TCP && fc->listen.ss.ss_family == AF_INET)
		local = ntohs(sin->sin_port);
	else if (fc->listen.kind == LISTEN_TCP)
		local = ntohs(sin6->sin6_port);
	snprintf(fs->port, sizeof fs->port, "%u", fc->remote_port);
	snprintf(fs->local_port, sizeof fs->local_port, "%u", local);
	fs->port_v[0] = fs->port;
	fs->local_v[0] = fs->local_port;
	fs->params[0].key = "portNumber";
	fs->params[0].values = fs->port_v;
	fs->params[0].nvalues = 1;
	fs->params[1].key = "localPortNumber";
	fs->params[1].values = fs->local_v;
	fs->params[1].nvalues = 1;
	sp->chan.nparams = 2;
	/* A loopback remote_host is the target itself (9.2); the document
	 * for that takes no host. */
	if (fc->remote_host != NULL &&
	    strcmp(fc->document, "AWS-StartPortForwardingSession") != 0) {
		fs->remote_host = xstrdup(fc->remote_host);
		fs->host_v[0] = fs->remote_host;
		fs->params[2].key = "host";
		fs->params[2].values = fs->host_v;
		fs->params[2].nvalues = 1;
		sp->chan.nparams = 3;
	}
	sp->chan.params = fs->params;
}

/* The tag filter of a tag:KEY=VALUE target. */
static void
fwd_ssm_set_tag(struct fwd_ssm *fs, const char *target)
{
	const char	*eq = strchr(target + 4, '=');

	fs->tag_key = xstrndup(target, eq - target);
	fs->tag_value = xstrdup(eq + 1);
	fs->resolver.start = fwd_ssm_lookup_start;
	fs->resolver.cancel = fwd_ssm_lookup_cancel;
	fs->resolver.arg = fs;
}

/* A context whose sessions have had time to say goodbye. */
static void
fwd_ssm_linger_cb(evutil_socket_t fd, short events, void *arg)
{
	aws_daemon_ctx_release(arg);
}

/*
 * One timer each, a millisecond apart so that they go in order; nothing
 * allocated, so nothing is left if the daemon exits first (the AWS
 * client frees its contexts then).
 */
void
fwd_ssm_release(struct aws_ctx **ctxs, size_t n, int linger)
{
	struct timeval	tv;
	size_t		i;

	for (i = 0; i < n; i++) {
		if (ctxs[i] == NULL)
			continue;
		tv = util_ms_tv(FWD_SSM_LINGER + i);
		if (!linger || event_base_once(gw_base, -1, EV_TIMEOUT,
		    fwd_ssm_linger_cb, ctxs[i], &tv) == -1)
			aws_daemon_ctx_release(ctxs[i]);
	}
}

static void
fwd_ssm_free(struct fwd_ssm *fs)
{
	size_t	n = 0, i;

	fwd_ssm_users_free(fs);
	if (fs->pool != NULL)
		n = ssm_session_pool_count(fs->pool);
	ssm_session_pool_free(fs->pool);
	/*
	 * Freeing the pool sent TerminateSession for each session; releasing
	 * the context now would cancel those calls, so it waits a little.
	 * The users' contexts were made from it: it goes after them.
	 */
	if (fs->aws != NULL)
		fwd_ssm_release(&fs->aws, 1, n != 0 || fs->nusers != 0);
	free(fs->target);
	free(fs->document);
	free(fs->client_version);
	free(fs->remote_host);
	free(fs->proxy);
	for (i = 0; i < SSM_CHAN_NENDPOINTS; i++)
		free(fs->endpoints[i]);
	free(fs->reason);
	free(fs->tag_key);
	free(fs->tag_value);
	free(fs);
}

/*
 * The configured ssm and ssmmessages endpoints' hosts, whose StreamUrls
 * the channel accepts besides AWS's own hosts; 1 if one is on loopback:
 * a local emulator, whose StreamUrls then point at loopback too.
 */
static int
fwd_ssm_endpoint_hosts(struct fwd_ssm *fs, struct ssm_session_params *sp)
{
	static const char	*services[SSM_CHAN_NENDPOINTS] = {
		"ssm", "ssmmessages"
	};
	size_t			 i;
	int			 loopback = 0;

	for (i = 0; i < SSM_CHAN_NENDPOINTS; i++) {
		fs->endpoints[i] = aws_ctx_endpoint_host(fs->aws,
		    services[i]);
		sp->chan.endpoint_hosts[i] = fs->endpoints[i];
		if (fs->endpoints[i] != NULL &&
		    util_host_is_loopback(fs->endpoints[i]))
			loopback = 1;
	}
	return (loopback);
}

/* The forward starts: its AWS context, its parameters, its pool. */
static int
fwd_ssm_start(struct forward *fw, char **cause)
{
	const struct fwd_config		*fc = fw->conf;
	struct fwd_ssm			*fs;
	struct ssm_session_params	 sp;
	const char			*proxy;
	char				*url;

	fs = xcalloc(1, sizeof *fs);
	fs->fw = fw;
	memset(&sp, 0, sizeof sp);
	if ((fs->aws = aws_daemon_ctx(fc->profile, fc->region,
	    fc->endpoint_url, cause)) == NULL ||
	    (sp.chan.tls = aws_daemon_tls(cause)) == NULL) {
		fwd_ssm_free(fs);
		return (-1);
	}
	sp.chan.aws = fs->aws;
	fs->target = xstrdup(fc->target);
	sp.chan.target = fs->target;
	if (fc->document != NULL)
		fs->document = xstrdup(fc->document);
	sp.chan.document = fs->document;
	if (fc->reason != NULL)
		fs->reason = xstrdup(fc->reason);
	else
		xasprintf(&fs->reason, "gatewayd %s", fw->name);
	sp.chan.reason = fs->reason;
	if (fc->client_version != NULL)
		fs->client_version = xstrdup(fc->client_version);
	sp.chan.client_version = fs->client_version;
	sp.chan.dns = gateway_get_dns();
	xasprintf(&url, "wss://ssmmessages.%s.amazonaws.com/",
	    aws_ctx_region(fs->aws) != NULL ? aws_ctx_region(fs->aws) :
	    "us-east-1");
	/* The proxy settings are freed when SIGHUP reads them again. */
	if ((proxy = aws_daemon_proxy(url)) != NULL)
		fs->proxy = xstrdup(proxy);
	sp.chan.proxy = fs->proxy;
	free(url);
	sp.chan.allow_plain_ws = gw_conf != NULL && gw_conf->allow_plain_ws;
	sp.chan.allow_loopback = fwd_ssm_endpoint_hosts(fs, &sp);
	sp.chan.sign_upgrade = fc->sign_websocket;
	sp.chan.handshake_timeout = fc->handshake_timeout;
	fwd_ssm_params(fs, fc, &sp);
	if (strncmp(fs->target, "tag:", 4) == 0) {
		fwd_ssm_set_tag(fs, fs->target);
		sp.resolver = &fs->resolver;
	}
	sp.warm = fc->warm;
	sp.policy.warm = fc->warm;
	sp.policy.max_sessions = fc->max_sessions;
	sp.policy.max_per_target = gw_conf != NULL ?
	    gw_conf->max_sessions_per_target : 0;
	sp.policy.max_duration = fc->max_session_duration;
	sp.policy.max_age = fc->session_max_age;
	sp.policy.release = fc->idle_policy == CONFIG_IDLE_RELEASE;
	sp.policy.release_delay = fc->release_delay;
	sp.wait_timeout = fc->handshake_timeout;
	sp.stall_timeout = fc->stall_timeout;
	sp.half_close = fc->half_close_timeout;
	fw->fwd_data = fs;
	fs->sp = sp;
	if (fc->identity_per_user)
		fwd_ssm_users_start(fs);
	else
		fs->pool = ssm_session_pool_new(fw, &sp);
	return (0);
}

static void
fwd_ssm_stop(struct forward *fw)
{
	struct fwd_ssm	*fs = fw->fwd_data;

	if (fs == NULL)
		return;
	fw->fwd_data = NULL;
	fwd_ssm_free(fs);
}

/*
 * Connections: session.c maps them onto sessions.
 */

/*
 * Who the credentials carrying c are, for its records: as far as known
 * when it opens (the first conns of a context ask STS, without waiting)
 * and again when it closes, by which time the answer is in.
 */
void
fwd_ssm_identity(struct conn *c, struct aws_ctx *ctx)
{
	const char	*account, *principal;

	aws_daemon_identity(ctx, &account, &principal);
	if (principal != NULL)
		conn_set_identity(c, account, principal);
}

static void
fwd_ssm_open(struct conn *c)
{
	struct fwd_ssm	*fs = c->fw->fwd_data;

	if (fs->pool == NULL) {
		fwd_ssm_user_open(fs, c);
		return;
	}
	fwd_ssm_identity(c, fs->aws);
	ssm_session_attach(fs->pool, c);
}

/* Set obj's key to value if it is null and value is known. */
static void
fwd_ssm_status_fill(cJSON *obj, const char *key, const char *value)
{
	if (value != NULL && cJSON_IsNull(cJSON_GetObjectItem(obj, key)))
		cJSON_ReplaceItemInObject(obj, key, cJSON_CreateString(value));
}

static void
fwd_ssm_close(struct conn *c)
{
	struct fwd_ssm	*fs = c->fw->fwd_data;
	struct aws_ctx	*ctx;

	/* A user's conn: their pool's context. */
	if ((ctx = ssm_session_conn_aws(c)) == NULL && fs != NULL)
		ctx = fs->aws;
	if (ctx != NULL)
		fwd_ssm_identity(c, ctx);
	ssm_session_detach(c);
}

static void
fwd_ssm_status(struct forward *fw, struct cJSON *obj)
{
	struct fwd_ssm	*fs = fw->fwd_data;

	if (fs == NULL)
		return;
	if (fs->pool != NULL)
		ssm_session_pool_status(fs->pool, obj);
	else
		fwd_ssm_users_status(fs, obj);
	/* The region and profile in use where the config names none. */
	fwd_ssm_status_fill(obj, "region", aws_ctx_region(fs->aws));
	fwd_ssm_status_fill(obj, "profile", aws_ctx_profile(fs->aws));
}

static enum forwarder_health
fwd_ssm_health(struct forward *fw)
{
	struct fwd_ssm	*fs = fw->fwd_data;

	if (fs == NULL)
		return (FORWARDER_HEALTH_UP);
	if (fs->pool == NULL)
		return (fwd_ssm_users_health(fs));
	return (ssm_session_pool_health(fs->pool));
}

/*
 * A ClientVersion the agent reads as numbers (ssm-port-mux.md 2.4): four
 * numeric parts, and at least 1.1.70, below which agents run basic mode
 * while gatewayd, deciding from the agent's version, would run mux.
 */
static int
fwd_ssm_check_client_version(const char *s, char **cause)
{
	const char	*p;
	int		 cmp, dots = 0;

	for (p = s; *p != '\0'; p++)
		dots += *p == '.';
	if (dots != 3 || ssm_version_cmp(s, s, &cmp) != 0) {
		xasprintf(cause, "\"%s\" is not four numbers with dots "
		    "(%s)", s, SSM_VERSION_CLIENT_DEFAULT);
		return (-1);
	}
	if (ssm_version_agent_cmp(s, SSM_VERSION_CLIENT_MUX) < 0) {
		xasprintf(cause, "%s is below %s: agents would not run mux "
		    "mode", s, SSM_VERSION_CLIENT_MUX);
		return (-1);
	}
	return (0);
}

/* The keys config leaves to us (config.h: forwarder_key_*). */
static const struct forwarder_key fwd_ssm_keys[] = {
	{ "client_version", SSM_VERSION_CLIENT_DEFAULT,
	    fwd_ssm_check_client_version },
	{ NULL, NULL, NULL }
};

const struct forwarder fwd_ssm = {
	.name = "ssm",
	.keys = fwd_ssm_keys,
	.check = fwd_ssm_check,
	.start = fwd_ssm_start,
	.stop = fwd_ssm_stop,
	.open = fwd_ssm_open,
	.send = ssm_session_send,
	.eof = ssm_session_eof,
	.drain = ssm_session_drain,
	.close = fwd_ssm_close,
	.status = fwd_ssm_status,
	.health = fwd_ssm_health,
};
