/*
 * gatewayctl connect, the daemon's side (docs/connect.md).
 *
 * 1. A control client asks {"cmd":"connect","target":T,"port":P} (with
 *    "remote_host", "region", "profile" if it likes).
 * 2. The policy of [gateway] decides: connect_allow must name the peer's
 *    user or one of its groups (the socket's credentials), the target
 *    must match connect_targets (a configured forward's name matches as
 *    itself), the port connect_ports. A refusal is a one-line error reply
 *    and a BUS_CONN_REFUSED event (the audit record), and the control
 *    client carries on.
 * 3. Accepted, the socket leaves the control protocol (control_req_take):
 *    we answer {"ok":true,"fds":2} and wait, CONNECT_FDS_MS at most, for
 *    one byte carrying two descriptors (SCM_RIGHTS): the client's
 *    standard input and output. They become a conn (conn_new_pair) on
 *    the configured forward or the key's on-demand forward (ondemand.c),
 *    and gatewayd moves the bytes itself, no relay in between, as
 *    OpenSSH's ControlMaster does with a mux client's descriptors.
 * 4. The socket then says how it went, one JSON line each:
 *    {"event":"reached",...} once the far side was reached,
 *    {"event":"refused","error":...} if it never was, and
 *    {"event":"closed",...} at the end; then we close it. gatewayctl
 *    exits by these. If it goes first (killed), the conn goes on: it
 *    ends with the descriptors' other ends.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bus.h"
#include "config.h"
#include "conn.h"
#include "connect.h"
#include "control.h"
#include "forward.h"
#include "gateway.h"
#include "gatewayd.h"
#include "listener.h"
#include "log.h"
#include "ondemand.h"
#include "util.h"
#include "xmalloc.h"

/* How long gatewayctl has to send its descriptors. */
#define CONNECT_FDS_MS		10000

/* One gatewayctl connect, from its accepted request to its end. */
struct connect_client {
	int			 fd;		/* the control socket */
	struct event		*ev;		/* waiting for the fds */
	struct bufferevent	*bev;		/* then: our lines */
	struct forward		*fw;
	struct conn		*c;		/* referenced */
	char			*what;		/* "i-0abc:22", for logs */
	char			 peer[96];	/* "ctl uid 1000 (alice)" */
	struct ucred		 cred;		/* gatewayctl's */
	int			 finished;	/* said its last line */
	TAILQ_ENTRY(connect_client) entry;
};
TAILQ_HEAD(connect_clients, connect_client);

static struct connect_clients	connect_clients =
    TAILQ_HEAD_INITIALIZER(connect_clients);

static void	connect_client_free(struct connect_client *);
static void	connect_fail(struct connect_client *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* Who the peer is, for logs and refusals: "uid 1000 (alice)". */
static void
connect_name_user(uid_t uid, char *buf, size_t len)
{
	struct passwd	*pw;

	if ((pw = getpwuid(uid)) != NULL)
		snprintf(buf, len, "uid %u (%s)", (unsigned)uid, pw->pw_name);
	else
		snprintf(buf, len, "uid %u", (unsigned)uid);
}

/* 1 if s matches one of the space-separated patterns (none: all do). */
static int
connect_match(const char *patterns, const char *s)
{
	char	*copy, *p, *word;
	int	 found = 0;

	if (patterns == NULL)
		return (1);
	p = copy = xstrdup(patterns);
	while (!found && (word = strsep(&p, " \t")) != NULL) {
		if (*word != '\0' && fnmatch(word, s, 0) == 0)
			found = 1;
	}
	free(copy);
	return (found);
}

/* 1 if port is in connect_ports (unset: any), by number (022 is 22). */
static int
connect_port_allowed(const char *ports, unsigned port)
{
	const char	*p;
	char		*end;

	if (ports == NULL)
		return (1);
	for (p = ports; *p != '\0'; p = end) {
		p += strspn(p, " \t");
		if (*p == '\0' || strtoul(p, &end, 10) == port)
			return (*p != '\0');
		if (end == p)
			break;
	}
	return (0);
}

/* An AWS target as StartSession takes it; else a forward's name or junk. */
static int
connect_is_aws_target(const char *s)
{
	return (strncmp(s, "i-", 2) == 0 || strncmp(s, "mi-", 3) == 0 ||
	    strncmp(s, "tag:", 4) == 0 || strncmp(s, "ecs:", 4) == 0);
}

/* A member's string, NULL if absent; -1 if there but not a string. */
static int
connect_opt(const cJSON *req, const char *name, const char **out)
{
	const cJSON	*v = cJSON_GetObjectItem(req, name);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return (0);
	if (!cJSON_IsString(v) || *v->valuestring == '\0')
		return (-1);
	*out = v->valuestring;
	return (0);
}

/* One line to gatewayctl; takes o. */
static void
connect_say(struct connect_client *cc, cJSON *o)
{
	char	*text;

	if (cc->bev == NULL) {
		cJSON_Delete(o);
		return;
	}
	if ((text = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("connect: cannot print JSON");
	cJSON_Delete(o);
	evbuffer_add_printf(bufferevent_get_output(cc->bev), "%s\n", text);
	free(text);
}

/* The last line went: close once it is written. */
static void
connect_finish(struct connect_client *cc)
{
	cc->finished = 1;
	if (cc->c != NULL) {
		conn_set_greeter(cc->c, NULL, NULL);
		conn_unref(cc->c);
		cc->c = NULL;
	}
	if (cc->bev == NULL ||
	    evbuffer_get_length(bufferevent_get_output(cc->bev)) == 0)
		connect_client_free(cc);
}

static void
connect_reached(struct conn *c, void *arg)
{
	struct connect_client	*cc = arg;
	cJSON			*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "event", "reached");
	cJSON_AddNumberToObject(o, "conn", (double)c->id);
	cJSON_AddStringToObject(o, "forward", c->fw->name);
	log_info("conn %" PRIu64 ": %s reached %s", c->id, cc->peer,
	    cc->what);
	connect_say(cc, o);
}

static void
connect_refused(struct conn *c, void *arg)
{
	struct connect_client	*cc = arg;
	cJSON			*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "event", "refused");
	cJSON_AddStringToObject(o, "end", conn_end_name(c->end));
	cJSON_AddStringToObject(o, "error", c->reason != NULL ? c->reason :
	    "refused");
	connect_say(cc, o);
	connect_finish(cc);
}

static void
connect_closed(struct conn *c, void *arg)
{
	struct connect_client	*cc = arg;
	cJSON			*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "event", "closed");
	cJSON_AddStringToObject(o, "end", conn_end_name(c->end));
	cJSON_AddBoolToObject(o, "clean", conn_end_is_clean(c->end));
	if (c->reason != NULL)
		cJSON_AddStringToObject(o, "reason", c->reason);
	cJSON_AddNumberToObject(o, "bytes_in", (double)c->bytes_in);
	cJSON_AddNumberToObject(o, "bytes_out", (double)c->bytes_out);
	connect_say(cc, o);
	connect_finish(cc);
}

static const struct conn_greeter connect_greeter = {
	connect_reached, connect_refused, connect_closed
};

static void
connect_client_free(struct connect_client *cc)
{
	TAILQ_REMOVE(&connect_clients, cc, entry);
	if (cc->c != NULL) {
		conn_set_greeter(cc->c, NULL, NULL);
		conn_unref(cc->c);
	}
	if (cc->ev != NULL)
		event_free(cc->ev);
	if (cc->bev != NULL)
		bufferevent_free(cc->bev);	/* closes fd */
	else if (cc->fd != -1)
		close(cc->fd);
	if (cc->fw != NULL)
		forward_unref(cc->fw);
	free(cc->what);
	free(cc);
}

/* Our last line is written. */
static void
connect_write_cb(struct bufferevent *bev, void *arg)
{
	struct connect_client	*cc = arg;

	if (cc->finished)
		connect_client_free(cc);
}

/* gatewayctl sent more, or went: the conn goes on without it. */
static void
connect_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);

	evbuffer_drain(in, evbuffer_get_length(in));
}

static void
connect_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct connect_client	*cc = arg;

	if (cc->c != NULL)
		log_debug("conn %" PRIu64 ": gatewayctl went; the connection "
		    "goes on", cc->c->id);
	connect_client_free(cc);
}

/* Tell gatewayctl it failed before there was a conn, and close. */
static void
connect_fail(struct connect_client *cc, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;
	cJSON	*o;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	log_warnx("connect: %s: %s", cc->peer, msg);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", "refused");
	cJSON_AddStringToObject(o, "error", msg);
	free(msg);
	connect_say(cc, o);
	connect_finish(cc);
}

/* The byte with the descriptors came (or the time ran out). */
static void
connect_fds_cb(evutil_socket_t fd, short events, void *arg)
{
	struct connect_client	*cc = arg;
	struct conn		*c;
	int			 fds[2] = { -1, -1 }, nfds = 2;
	ssize_t			 n;

	event_free(cc->ev);
	cc->ev = NULL;
	if ((cc->bev = bufferevent_socket_new(gw_base, cc->fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("connect: cannot make a bufferevent");
	bufferevent_setcb(cc->bev, connect_read_cb, connect_write_cb,
	    connect_event_cb, cc);
	if (events & EV_TIMEOUT) {
		connect_fail(cc, "no descriptors within %ds",
		    CONNECT_FDS_MS / 1000);
		return;
	}
	n = util_recv_fds(cc->fd, fds, &nfds);
	if (n <= 0 || nfds != 2) {
		if (nfds >= 1)
			close(fds[0]);
		if (n == 0 || (n == -1 && errno == ECONNRESET)) {
			log_debug("connect: %s went before its descriptors",
			    cc->peer);
			connect_client_free(cc);
		} else
			connect_fail(cc, "expected one byte with two "
			    "descriptors (SCM_RIGHTS), got %d", nfds);
		return;
	}
	/* A regular file or /dev/null cannot be watched (gatewayctl relays). */
	if (!util_fd_pollable(fds[0]) || !util_fd_pollable(fds[1])) {
		close(fds[0]);
		close(fds[1]);
		connect_fail(cc, "standard input and output must be pipes, "
		    "sockets or a terminal");
		return;
	}
	bufferevent_enable(cc->bev, EV_READ | EV_WRITE);
	c = conn_new_pair(cc->fw, fds[0], fds[1], cc->peer, &cc->cred,
	    &connect_greeter, cc);
	/* A refusal at once has finished cc: its line is still queued. */
	if (!cc->finished) {
		cc->c = c;
		conn_ref(c);
	}
}

/* The target, port and options of req: the forward that will carry it. */
static struct forward *
connect_forward(const cJSON *req, char **what, char **cause)
{
	const struct gw_config	*gc = gw_conf;
	struct ondemand_key	 k;
	const cJSON		*port;
	struct forward		*fw;

	memset(&k, 0, sizeof k);
	if (connect_opt(req, "target", &k.target) == -1 || k.target == NULL) {
		*cause = xstrdup("no target");
		return (NULL);
	}
	if (connect_opt(req, "remote_host", &k.remote_host) == -1 ||
	    connect_opt(req, "region", &k.region) == -1 ||
	    connect_opt(req, "profile", &k.profile) == -1) {
		*cause = xstrdup("remote_host, region and profile are "
		    "non-empty strings");
		return (NULL);
	}
	port = cJSON_GetObjectItem(req, "port");
	if (port != NULL && !cJSON_IsNull(port)) {
		if (!cJSON_IsNumber(port) || port->valuedouble < 1 ||
		    port->valuedouble > 65535 ||
		    port->valuedouble != (double)(int)port->valuedouble) {
			*cause = xstrdup("port: not a number 1-65535");
			return (NULL);
		}
		k.port = port->valueint;
	}
	fw = gateway_find(k.target);
	if (fw != NULL && fw->on_demand)
		fw = NULL;
	if (fw == NULL && !connect_is_aws_target(k.target)) {
		xasprintf(cause, "unknown target \"%.64s\": not i-..., mi-..., "
		    "tag:KEY=VALUE, ecs:... or a forward's name", k.target);
		return (NULL);
	}
	if (!connect_match(gc->connect_targets, k.target)) {
		xasprintf(cause, "target %s is not in connect_targets",
		    k.target);
		return (NULL);
	}
	/* A configured forward, as it is configured. */
	if (fw != NULL) {
		if ((k.port != 0 && k.port != fw->conf->remote_port) ||
		    k.remote_host != NULL || k.region != NULL ||
		    k.profile != NULL) {
			xasprintf(cause, "forward %s goes to %s:%u as "
			    "configured; give no port or options", fw->name,
			    fw->conf->target, fw->conf->remote_port);
			return (NULL);
		}
		if (fw->state != FORWARD_UP) {
			xasprintf(cause, "forward %s is %s", fw->name,
			    gateway_state_name(fw->state));
			return (NULL);
		}
		xasprintf(what, "%s (%s:%u)", fw->name, fw->conf->target,
		    fw->conf->remote_port);
		return (fw);
	}
	if (k.port == 0) {
		xasprintf(cause, "%s: no port", k.target);
		return (NULL);
	}
	if (!connect_port_allowed(gc->connect_ports, k.port)) {
		xasprintf(cause, "port %u is not in connect_ports", k.port);
		return (NULL);
	}
	/* Another profile may be another role: only those named. */
	if (k.profile != NULL && (gc->connect_profiles == NULL ||
	    !connect_match(gc->connect_profiles, k.profile))) {
		xasprintf(cause, "profile %s is not in connect_profiles",
		    k.profile);
		return (NULL);
	}
	if ((fw = ondemand_forward(&k, cause)) == NULL)
		return (NULL);
	xasprintf(what, "%s%s%s:%u", k.target, k.remote_host != NULL ?
	    " via " : "", k.remote_host != NULL ? k.remote_host : "", k.port);
	return (fw);
}

/*
 * Say on the bus that cred's request json was refused, why: the audit
 * records have it. The forward is fw (one that was full), else the
 * configured one the target names; an on-demand one is not made for a
 * refusal, so then there is none.
 */
static void
connect_refused_event(const struct ucred *cred, const char *peer,
    const cJSON *json, struct forward *fw, const char *why)
{
	const struct fwd_config	*fc = NULL;
	const cJSON		*port = cJSON_GetObjectItem(json, "port");
	struct bus_event	 ev;
	const char		*target;
	char			 user[64], what[300];

	memset(&ev, 0, sizeof ev);
	ev.type = BUS_CONN_REFUSED;
	ev.conn.peer = peer;
	ev.conn.reason = why;
	ev.conn.uid = cred->uid;
	ev.conn.gid = cred->gid;
	ev.conn.pid = cred->pid;
	util_user_name(cred->uid, user, sizeof user);
	ev.conn.user = user[0] != '\0' ? user : NULL;
	target = cJSON_GetStringValue(cJSON_GetObjectItem(json, "target"));
	if (fw == NULL && target != NULL && (fw = gateway_find(target)) !=
	    NULL && fw->on_demand)
		fw = NULL;
	if (fw != NULL) {
		fc = fw->conf;
		ev.conn.forward = fw->name;
		ev.conn.on_demand = fw->on_demand;
		ev.conn.region = fc->region;
		ev.conn.profile = fc->profile;
		ev.conn.remote_host = fc->remote_host;
		ev.conn.remote_port = fc->remote_port;
		if (fc->target != NULL) {
			snprintf(what, sizeof what, "%s:%u", fc->target,
			    fc->remote_port);
			ev.conn.target = what;
		}
	} else if (target != NULL) {
		ev.conn.on_demand = 1;
		ev.conn.region = cJSON_GetStringValue(cJSON_GetObjectItem(json,
		    "region"));
		ev.conn.profile = cJSON_GetStringValue(
		    cJSON_GetObjectItem(json, "profile"));
		ev.conn.remote_host = cJSON_GetStringValue(
		    cJSON_GetObjectItem(json, "remote_host"));
		if (cJSON_IsNumber(port) && port->valuedouble >= 1 &&
		    port->valuedouble <= 65535)
			ev.conn.remote_port = (unsigned)port->valuedouble;
		if (ev.conn.remote_port != 0)
			snprintf(what, sizeof what, "%.256s:%u", target,
			    ev.conn.remote_port);
		else
			snprintf(what, sizeof what, "%.256s", target);
		ev.conn.target = what;
	}
	bus_publish(&ev);
}

static void
connect_cmd(struct control_req *req, const cJSON *json)
{
	struct connect_client	*cc;
	struct ucred		 cred;
	struct forward		*fw;
	struct timeval		 tv;
	gid_t			 groups[LISTENER_MAX_GROUPS];
	int			 ngroups, fd;
	char			 user[64], peer[96], *cause = NULL;
	char			*what = NULL;
	static const char	 ok[] = "{\"ok\":true,\"fds\":2}\n";

	if (gw_conf->connect_allow.n == 0) {
		control_reply_error(req, "connect: off (no connect_allow in "
		    "[gateway])");
		return;
	}
	if (control_req_cred(req, &cred, groups, LISTENER_MAX_GROUPS,
	    &ngroups) == -1) {
		control_reply_error(req, "connect: no peer credentials");
		return;
	}
	connect_name_user(cred.uid, user, sizeof user);
	snprintf(peer, sizeof peer, "ctl %s pid %d", user, (int)cred.pid);
	if (!listener_allow_cred(&gw_conf->connect_allow, cred.uid, cred.gid,
	    groups, ngroups)) {
		log_warnx("connect: %s refused: not in connect_allow", user);
		connect_refused_event(&cred, peer, json, NULL,
		    "user and groups not in connect_allow");
		control_reply_error(req, "connect: %s may not connect "
		    "(connect_allow)", user);
		return;
	}
	if ((fw = connect_forward(json, &what, &cause)) == NULL ||
	    !conn_has_room(fw)) {
		if (cause == NULL)
			xasprintf(&cause, "forward %s: max_conns (%u) reached",
			    fw->name, fw->conf->max_conns);
		log_warnx("connect: %s refused: %s", user, cause);
		connect_refused_event(&cred, peer, json, fw, cause);
		control_reply_error(req, "connect: %s", cause);
		free(cause);
		free(what);
		return;
	}
	if ((fd = control_req_take(req)) == -1) {
		free(what);
		control_reply_error(req, "connect: nothing may follow the "
		    "request before the answer");
		return;
	}
	cc = xcalloc(1, sizeof *cc);
	TAILQ_INSERT_TAIL(&connect_clients, cc, entry);
	cc->fd = fd;
	cc->fw = fw;
	forward_ref(fw);
	cc->what = what;
	cc->cred = cred;
	strlcpy(cc->peer, peer, sizeof cc->peer);
	log_debug("connect: %s to %s", cc->peer, what);
	/* The socket is new to this protocol and empty: the line fits. */
	(void)send(fd, ok, sizeof ok - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	cc->ev = event_new(gw_base, fd, EV_READ, connect_fds_cb, cc);
	if (cc->ev == NULL)
		fatalx("connect: cannot make an event");
	tv = util_ms_tv(CONNECT_FDS_MS);
	event_add(cc->ev, &tv);
}

void
connect_init(void)
{
	control_register_user("connect", connect_cmd);
}

void
connect_stop(void)
{
	struct connect_client	*cc;

	while ((cc = TAILQ_FIRST(&connect_clients)) != NULL)
		connect_client_free(cc);
}
