/*
 * The credentials local users lend the daemon (identity.h): gatewayctl
 * login sends the caller's own, resolved in the caller's context; the
 * daemon checks them with STS GetCallerIdentity, signed with them, and
 * keeps them for that uid alone until they expire or the user logs out.
 *
 * Secrets live in memory only, and are wiped when replaced or dropped.
 * No key, secret or token is ever logged, shown or echoed in an error,
 * not even the access key id: a login that fails says why in words, with
 * any trace of the keys taken out of what STS answered.
 *
 * Watchers (the forwards' per-user sessions) hear of changes from the
 * loop, after the bus event: they may close conns, which publishes.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "aws.h"
#include "aws_creds.h"
#include "aws_daemon.h"
#include "aws_profile.h"
#include "aws_sts.h"
#include "aws_time.h"
#include "bus.h"
#include "config.h"
#include "control.h"
#include "forward.h"
#include "gatewayd.h"
#include "identity.h"
#include "listener.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* The region STS is asked in when no forward names one. */
#define IDENTITY_REGION		"us-east-1"

struct identity_user {
	long				 uid;
	char				*user;
	char				*principal;
	char				*account;
	struct aws_creds		 creds;
	int64_t				 since;		/* Unix seconds */
	int64_t				 expires;
	struct event			*timer;		/* at expires */
	TAILQ_ENTRY(identity_user)	 entry;
};
TAILQ_HEAD(identity_users, identity_user);

/* A login waiting for STS. */
struct identity_login {
	struct control_req		*req;
	long				 uid;
	char				*user;
	struct aws_creds		 creds;
	int64_t				 expires;
	struct aws_ctx			*ctx;
	struct aws_call			*call;
	TAILQ_ENTRY(identity_login)	 entry;
};
TAILQ_HEAD(identity_logins, identity_login);

/* A change the watchers are still to hear of. */
struct identity_note {
	long				 uid;
	char				*user;
	enum identity_change		 change;
	TAILQ_ENTRY(identity_note)	 entry;
};
TAILQ_HEAD(identity_notes, identity_note);

/* A context whose call is over, freed from the loop (not in its call). */
struct identity_dead {
	struct aws_ctx			*ctx;
	TAILQ_ENTRY(identity_dead)	 entry;
};
TAILQ_HEAD(identity_deads, identity_dead);

struct identity_watcher {
	void	(*cb)(long, const char *, enum identity_change, void *);
	void	 *arg;
};

static struct identity_users	 identity_users =
    TAILQ_HEAD_INITIALIZER(identity_users);
static unsigned			 identity_nusers;
static struct identity_logins	 identity_logins =
    TAILQ_HEAD_INITIALIZER(identity_logins);
static struct identity_notes	 identity_notes =
    TAILQ_HEAD_INITIALIZER(identity_notes);
static struct identity_deads	 identity_deads =
    TAILQ_HEAD_INITIALIZER(identity_deads);
static struct identity_watcher	*identity_watchers;
static size_t			 identity_nwatchers;
static struct event		*identity_later_ev;

static void	identity_cmd_login(struct control_req *, const cJSON *);
static void	identity_cmd_logout(struct control_req *, const cJSON *);

static int64_t
identity_now(void)
{
	return ((int64_t)(clock_wall_ms() / 1000));
}

/* Wipe every secret of c, the key id too, and free its strings. */
static void
identity_wipe(struct aws_creds *c)
{
	freezero_str(c->access_key_id);
	c->access_key_id = NULL;
	aws_creds_clear(c);
}

/* ---- the login request ---- */

/*
 * The string member name of req into *out (NULL if absent or null and
 * optional): at most max bytes, each one of the set allowed says. Return
 * 0, or -1 and *cause, which never quotes the value.
 */
static int
identity_member(const cJSON *req, const char *name, int required,
    size_t max, int alnum, const char **out, char **cause)
{
	const cJSON	*v = cJSON_GetObjectItem(req, name);
	const char	*s;
	size_t		 len;

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v)) {
		if (!required)
			return (0);
		xasprintf(cause, "login: \"%s\" is missing (a string)", name);
		return (-1);
	}
	if (!cJSON_IsString(v)) {
		xasprintf(cause, "login: \"%s\" is not a string", name);
		return (-1);
	}
	s = v->valuestring;
	if ((len = strlen(s)) == 0) {
		xasprintf(cause, "login: \"%s\" is empty", name);
		return (-1);
	}
	if (len > max) {
		xasprintf(cause, "login: \"%s\" is longer than %zu bytes", name,
		    max);
		return (-1);
	}
	for (; *s != '\0'; s++) {
		if (alnum ? !((*s >= 'A' && *s <= 'Z') ||
		    (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')) :
		    (*s < 0x21 || *s > 0x7e)) {
			xasprintf(cause, "login: \"%s\" has a character other "
			    "than %s", name, alnum ? "A-Z, a-z and 0-9" :
			    "printable ASCII");
			return (-1);
		}
	}
	*out = v->valuestring;
	return (0);
}

/* The expiration member: Unix seconds or ISO 8601; 0 if there is none. */
static int
identity_expiration(const cJSON *req, int64_t now, int64_t *exp,
    char **cause)
{
	const cJSON	*v = cJSON_GetObjectItem(req, "expiration");
	double		 d;

	*exp = 0;
	if (v == NULL || cJSON_IsNull(v))
		return (0);
	if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
		/* Whole seconds up to 9999-12-31T23:59:59Z. */
		if (!isfinite(d) || d != floor(d) || d < 0 ||
		    d > 253402300799.0) {
			xasprintf(cause, "login: \"expiration\" is not a time "
			    "(whole Unix seconds, or ISO 8601)");
			return (-1);
		}
		*exp = (int64_t)d;
	} else if (!cJSON_IsString(v) || strlen(v->valuestring) > 64 ||
	    aws_time_parse(v->valuestring, exp) == -1) {
		xasprintf(cause, "login: \"expiration\" is not a time (Unix "
		    "seconds, or ISO 8601 such as 2026-12-07T17:00:00Z)");
		return (-1);
	}
	if (*exp <= now) {
		xasprintf(cause, "login: the credentials expired already "
		    "(\"expiration\" is in the past)");
		return (-1);
	}
	return (0);
}

int
identity_parse_login(const cJSON *req, int64_t now, struct aws_creds *c,
    int64_t *exp, char **cause)
{
	const char	*akid, *secret, *token;

	memset(c, 0, sizeof *c);
	if (identity_member(req, "access_key_id", 1, IDENTITY_MAX_KEY_ID, 1,
	    &akid, cause) == -1 ||
	    identity_member(req, "secret_access_key", 1, IDENTITY_MAX_SECRET,
	    0, &secret, cause) == -1 ||
	    identity_member(req, "session_token", 0, IDENTITY_MAX_TOKEN, 0,
	    &token, cause) == -1 ||
	    identity_expiration(req, now, exp, cause) == -1)
		return (-1);
	c->access_key_id = xstrdup(akid);
	c->secret_access_key = xstrdup(secret);
	if (token != NULL)
		c->session_token = xstrdup(token);
	c->expiration = *exp;
	c->provider = xstrdup("gatewayctl login");
	if (*exp == 0)
		*exp = now + IDENTITY_MAX_LIFE;
	return (0);
}

/* ---- the store ---- */

static struct identity_user *
identity_find(long uid)
{
	struct identity_user	*u;

	TAILQ_FOREACH(u, &identity_users, entry) {
		if (u->uid == uid)
			return (u);
	}
	return (NULL);
}

static void
identity_later(void)
{
	const struct timeval	zero = { 0, 0 };

	if (identity_later_ev != NULL)
		evtimer_add(identity_later_ev, &zero);
}

/* Publish what happened to u, and queue it for the watchers. */
static void
identity_publish(const struct identity_user *u, enum bus_type type,
    enum identity_change change, const char *reason)
{
	struct bus_event	 ev;
	struct identity_note	*n;

	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.identity.uid = u->uid;
	ev.identity.user = u->user;
	ev.identity.principal = u->principal;
	ev.identity.account = u->account;
	ev.identity.expires = u->expires;
	ev.identity.reason = reason;
	bus_publish(&ev);
	if (identity_nwatchers == 0)
		return;
	n = xcalloc(1, sizeof *n);
	n->uid = u->uid;
	n->user = xstrdup(u->user);
	n->change = change;
	TAILQ_INSERT_TAIL(&identity_notes, n, entry);
	identity_later();
}

static void
identity_user_free(struct identity_user *u)
{
	TAILQ_REMOVE(&identity_users, u, entry);
	identity_nusers--;
	if (u->timer != NULL)
		event_free(u->timer);
	identity_wipe(&u->creds);
	free(u->user);
	free(u->principal);
	free(u->account);
	free(u);
}

static void
identity_expire_cb(evutil_socket_t fd, short events, void *arg)
{
	struct identity_user	*u = arg;

	log_info("identity: credentials of %s (uid %ld) expired", u->user,
	    u->uid);
	identity_publish(u, BUS_IDENTITY_EXPIRED, IDENTITY_EXPIRED,
	    "credentials expired");
	identity_user_free(u);
}

/* (Re)arm u's timer for its expiry. */
static void
identity_arm(struct identity_user *u)
{
	struct timeval	tv;
	int64_t		ms = u->expires * 1000 - (int64_t)clock_wall_ms();

	if (ms < 0)
		ms = 0;
	tv = util_ms_tv((uint64_t)ms);
	if (u->timer == NULL &&
	    (u->timer = evtimer_new(gw_base, identity_expire_cb, u)) == NULL)
		fatalx("identity: cannot make a timer");
	evtimer_add(u->timer, &tv);
}

const struct aws_creds *
identity_get(long uid)
{
	struct identity_user	*u = identity_find(uid);

	if (u == NULL || u->expires <= identity_now())
		return (NULL);
	return (&u->creds);
}

int
identity_expiry(long uid, int64_t *exp)
{
	struct identity_user	*u = identity_find(uid);

	if (u == NULL)
		return (-1);
	*exp = u->expires;
	return (0);
}

unsigned
identity_count(void)
{
	return (identity_nusers);
}

/* Who u is, as status and login's reply say it: never a key. */
static cJSON *
identity_user_json(const struct identity_user *u)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "user", u->user);
	cJSON_AddNumberToObject(o, "uid", (double)u->uid);
	cJSON_AddStringToObject(o, "principal", u->principal);
	cJSON_AddStringToObject(o, "account", u->account);
	cJSON_AddNumberToObject(o, "expires", (double)u->expires);
	return (o);
}

cJSON *
identity_status(void)
{
	struct identity_user	*u;
	cJSON			*arr, *o;

	arr = cJSON_CreateArray();
	TAILQ_FOREACH(u, &identity_users, entry) {
		o = identity_user_json(u);
		cJSON_AddNumberToObject(o, "since", (double)u->since);
		cJSON_AddItemToArray(arr, o);
	}
	return (arr);
}

void
identity_watch(void (*cb)(long, const char *, enum identity_change, void *),
    void *arg)
{
	size_t	i;

	for (i = 0; i < identity_nwatchers; i++) {
		if (identity_watchers[i].cb == NULL)
			break;
	}
	if (i == identity_nwatchers) {
		identity_watchers = xreallocarray(identity_watchers,
		    identity_nwatchers + 1, sizeof *identity_watchers);
		identity_nwatchers++;
	}
	identity_watchers[i].cb = cb;
	identity_watchers[i].arg = arg;
}

void
identity_unwatch(void (*cb)(long, const char *, enum identity_change, void *),
    void *arg)
{
	size_t	i;

	for (i = 0; i < identity_nwatchers; i++) {
		if (identity_watchers[i].cb == cb &&
		    identity_watchers[i].arg == arg) {
			identity_watchers[i].cb = NULL;
			identity_watchers[i].arg = NULL;
		}
	}
}

/* From the loop: tell the watchers, free the contexts of calls done. */
static void
identity_later_cb(evutil_socket_t fd, short events, void *arg)
{
	struct identity_note	*n;
	struct identity_dead	*d;
	size_t			 i;

	while ((d = TAILQ_FIRST(&identity_deads)) != NULL) {
		TAILQ_REMOVE(&identity_deads, d, entry);
		aws_ctx_free(d->ctx);
		free(d);
	}
	while ((n = TAILQ_FIRST(&identity_notes)) != NULL) {
		TAILQ_REMOVE(&identity_notes, n, entry);
		/* A watcher may unwatch, or watch: by index, to the end. */
		for (i = 0; i < identity_nwatchers; i++) {
			if (identity_watchers[i].cb != NULL)
				identity_watchers[i].cb(n->uid, n->user,
				    n->change, identity_watchers[i].arg);
		}
		free(n->user);
		free(n);
	}
}

/* ---- login and logout ---- */

/* The uid of req's client, or -1 after an error reply. */
static long
identity_req_uid(struct control_req *req, const char *cmd)
{
	struct ucred	cred;
	gid_t		groups[LISTENER_MAX_GROUPS];
	int		ngroups;

	if (control_req_cred(req, &cred, groups, LISTENER_MAX_GROUPS,
	    &ngroups) == -1) {
		control_reply_error(req, "%s: who the client is is not known "
		    "(no peer credentials)", cmd);
		return (-1);
	}
	return ((long)cred.uid);
}

/* uid's name, or "uid N" if it has none. Caller frees. */
static char *
identity_user_name(long uid)
{
	char	 name[256], *s;

	util_user_name((uid_t)uid, name, sizeof name);
	if (name[0] == '\0')
		xasprintf(&s, "uid %ld", uid);
	else
		s = xstrdup(name);
	return (s);
}

/*
 * Blank out of msg any copy of c's key id, secret or token: what STS (or
 * anything in the way) says must not carry them to the client.
 */
static void
identity_scrub(char *msg, const struct aws_creds *c)
{
	const char	*keys[3];
	char		*p;
	size_t		 i, len;

	keys[0] = c->access_key_id;
	keys[1] = c->secret_access_key;
	keys[2] = c->session_token;
	for (i = 0; i < 3; i++) {
		if (keys[i] == NULL || (len = strlen(keys[i])) < 4)
			continue;
		while ((p = strstr(msg, keys[i])) != NULL)
			memset(p, '*', len);
	}
}

/* The region STS is asked in: the first forward's that has one. */
static const char *
identity_region(void)
{
	struct fwd_config	*fc;

	if (gw_conf == NULL)
		return (IDENTITY_REGION);
	TAILQ_FOREACH(fc, &gw_conf->forwards, entry) {
		if (fc->region != NULL)
			return (fc->region);
	}
	if (gw_conf->region != NULL)
		return (gw_conf->region);
	return (IDENTITY_REGION);
}

static void
identity_login_free(struct identity_login *l)
{
	struct identity_dead	*d;

	TAILQ_REMOVE(&identity_logins, l, entry);
	if (l->ctx != NULL) {
		d = xcalloc(1, sizeof *d);
		d->ctx = l->ctx;
		TAILQ_INSERT_TAIL(&identity_deads, d, entry);
		identity_later();
	}
	identity_wipe(&l->creds);
	free(l->user);
	free(l);
}

/* Keep l's credentials as its user's, replacing what was there. */
static struct identity_user *
identity_store(struct identity_login *l, const struct aws_sts_result *r)
{
	struct identity_user	*u;

	if ((u = identity_find(l->uid)) == NULL) {
		u = xcalloc(1, sizeof *u);
		u->uid = l->uid;
		u->user = xstrdup(l->user);
		TAILQ_INSERT_TAIL(&identity_users, u, entry);
		identity_nusers++;
	}
	identity_wipe(&u->creds);
	u->creds = l->creds;
	memset(&l->creds, 0, sizeof l->creds);
	free(u->principal);
	free(u->account);
	u->principal = xstrdup(r->arn != NULL ? r->arn : "?");
	u->account = xstrdup(r->account != NULL ? r->account : "?");
	u->since = identity_now();
	u->expires = l->expires;
	identity_arm(u);
	return (u);
}

/* STS answered a login. */
static void
identity_login_cb(const struct aws_sts_result *r, const char *error,
    void *arg)
{
	struct identity_login	*l = arg;
	struct identity_user	*u;
	struct tm		 tm;
	time_t			 t;
	char			*msg, when[32];

	l->call = NULL;
	if (r == NULL) {
		msg = xstrdup(error != NULL ? error : "no answer");
		identity_scrub(msg, &l->creds);
		log_info("identity: login of %s (uid %ld) refused: %s",
		    l->user, l->uid, msg);
		control_reply_error(l->req, "login: STS did not accept the "
		    "credentials: %s", msg);
		free(msg);
		identity_login_free(l);
		return;
	}
	if (identity_find(l->uid) == NULL &&
	    identity_nusers >= IDENTITY_MAX_USERS) {
		control_reply_error(l->req, "login: %d users are logged in "
		    "already, the most there may be", IDENTITY_MAX_USERS);
		identity_login_free(l);
		return;
	}
	u = identity_store(l, r);
	t = (time_t)u->expires;
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	log_info("identity: %s (uid %ld) logged in as %s until %s", u->user,
	    u->uid, u->principal, when);
	identity_publish(u, BUS_IDENTITY_LOGIN, IDENTITY_LOGIN, NULL);
	control_reply(l->req, identity_user_json(u));
	identity_login_free(l);
}

static void
identity_cmd_login(struct control_req *req, const cJSON *json)
{
	struct identity_login	*l;
	struct aws_client	*cl;
	char			*cause = NULL;
	long			 uid;
	int			 explicit;

	if ((uid = identity_req_uid(req, "login")) == -1)
		return;
	l = xcalloc(1, sizeof *l);
	if (identity_parse_login(json, identity_now(), &l->creds, &l->expires,
	    &cause) == -1) {
		control_reply_error(req, "%s", cause);
		free(cause);
		identity_wipe(&l->creds);
		free(l);
		return;
	}
	if (identity_find(uid) == NULL &&
	    identity_nusers >= IDENTITY_MAX_USERS) {
		control_reply_error(req, "login: %d users are logged in "
		    "already, the most there may be", IDENTITY_MAX_USERS);
		identity_wipe(&l->creds);
		free(l);
		return;
	}
	if ((cl = aws_daemon_client(&cause)) == NULL) {
		control_reply_error(req, "login: %s", cause);
		free(cause);
		identity_wipe(&l->creds);
		free(l);
		return;
	}
	l->req = req;
	l->uid = uid;
	l->user = identity_user_name(uid);
	/* The daemon's own profile, for its endpoint settings alone. */
	l->ctx = aws_ctx_new_bare(cl, aws_profile_select(NULL, &explicit),
	    identity_region());
	TAILQ_INSERT_TAIL(&identity_logins, l, entry);
	l->call = aws_sts_get_caller_identity_with(l->ctx, &l->creds,
	    identity_login_cb, l);
}

static void
identity_cmd_logout(struct control_req *req, const cJSON *json)
{
	struct identity_user	*u;
	cJSON			*reply;
	char			*user;
	long			 uid;

	if ((uid = identity_req_uid(req, "logout")) == -1)
		return;
	reply = cJSON_CreateObject();
	if ((u = identity_find(uid)) != NULL) {
		log_info("identity: %s (uid %ld) logged out", u->user, uid);
		identity_publish(u, BUS_IDENTITY_LOGOUT, IDENTITY_LOGOUT,
		    "gatewayctl logout");
		cJSON_AddStringToObject(reply, "user", u->user);
		identity_user_free(u);
		cJSON_AddTrueToObject(reply, "had");
	} else {
		user = identity_user_name(uid);
		cJSON_AddStringToObject(reply, "user", user);
		free(user);
		cJSON_AddFalseToObject(reply, "had");
	}
	control_reply(req, reply);
}

void
identity_init(void)
{
	if (identity_later_ev == NULL &&
	    (identity_later_ev = evtimer_new(gw_base, identity_later_cb,
	    NULL)) == NULL)
		fatalx("identity: cannot make an event");
	control_register_user("login", identity_cmd_login);
	control_register_user("logout", identity_cmd_logout);
}

void
identity_stop(void)
{
	struct identity_login	*l;
	struct identity_note	*n;

	while ((l = TAILQ_FIRST(&identity_logins)) != NULL) {
		aws_call_cancel(l->call);
		l->call = NULL;
		control_reply_error(l->req, "gatewayd is stopping");
		identity_login_free(l);
	}
	while (!TAILQ_EMPTY(&identity_users))
		identity_user_free(TAILQ_FIRST(&identity_users));
	while ((n = TAILQ_FIRST(&identity_notes)) != NULL) {
		TAILQ_REMOVE(&identity_notes, n, entry);
		free(n->user);
		free(n);
	}
	/* No watcher is called: the contexts go now, outside any call. */
	if (identity_later_ev != NULL) {
		event_free(identity_later_ev);
		identity_later_ev = NULL;
	}
	identity_nwatchers = 0;
	identity_later_cb(-1, 0, NULL);
	free(identity_watchers);
	identity_watchers = NULL;
}
