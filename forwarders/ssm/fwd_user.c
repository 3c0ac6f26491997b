/*
 * fwd_user: an ssm forward whose sessions belong to local users
 * (docs/identity.md). With identity = user each user's conns ride
 * sessions started with the credentials that user lent the daemon
 * (gatewayctl login, identity.c), never anyone else's; with role_arn
 * and a role_session_name naming the user, the daemon assumes the role
 * in each user's name. Either way a user has a pool of their own, made
 * on their first conn: sessions are never shared between users, and
 * CloudTrail and the session ids name the person.
 *
 * When a user logs out or their credentials expire, their pools end on
 * every forward, their conns with them (their access is gone: no make
 * before break); a new login hands the new credentials to the contexts
 * their sessions use, so a resume signs with them.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws.h"
#include "aws_daemon.h"
#include "config.h"
#include "conn.h"
#include "forward.h"
#include "forwarder.h"
#include "fwd_ssm_int.h"
#include "identity.h"
#include "log.h"
#include "ssm_session.h"
#include "util.h"
#include "xmalloc.h"

/* Users with a pool on one forward, at most (each is a local account). */
#define FWD_USER_MAX	4096

struct fwd_ssm_user {
	struct fwd_ssm			*fs;
	long				 uid;
	char				*user;
	char				*name;		/* "db/alice" */
	char				*reason;	/* StartSession's */
	struct aws_ctx			*login;		/* identity = user */
	struct aws_ctx			*role;		/* role_arn */
	struct aws_ctx			*aws;		/* what signs */
	struct ssm_session_pool		*pool;
	TAILQ_ENTRY(fwd_ssm_user)	 entry;
};

/* The forwards with users, for the identity watcher. */
static TAILQ_HEAD(, fwd_ssm)	fwd_user_forwards =
    TAILQ_HEAD_INITIALIZER(fwd_user_forwards);
static int			fwd_user_watching;

static void	fwd_user_changed(long, const char *, enum identity_change,
		    void *);

void
fwd_ssm_users_start(struct fwd_ssm *fs)
{
	TAILQ_INIT(&fs->users);
	TAILQ_INSERT_TAIL(&fwd_user_forwards, fs, entry);
	fs->per_user = 1;
	if (!fwd_user_watching) {
		identity_watch(fwd_user_changed, NULL);
		fwd_user_watching = 1;
	}
}

/* End u's pool (why, reason) and free u; its contexts linger a little. */
static void
fwd_user_free(struct fwd_ssm_user *u, enum conn_end why, const char *reason)
{
	struct fwd_ssm	*fs = u->fs;
	struct aws_ctx	*ctxs[2];
	size_t		 n;

	TAILQ_REMOVE(&fs->users, u, entry);
	fs->nusers--;
	n = ssm_session_pool_count(u->pool);
	ssm_session_pool_end(u->pool, why, reason);
	/* The role's context signs with the login's: it goes first. */
	ctxs[0] = u->role;
	ctxs[1] = u->login;
	fwd_ssm_release(ctxs, 2, n != 0);
	free(u->user);
	free(u->name);
	free(u->reason);
	free(u);
}

void
fwd_ssm_users_free(struct fwd_ssm *fs)
{
	struct fwd_ssm_user	*u;

	/* Not started (a start that failed), or a forward of one pool. */
	if (!fs->per_user)
		return;
	while ((u = TAILQ_FIRST(&fs->users)) != NULL)
		fwd_user_free(u, CONN_END_STOPPED, "forward stopped");
	TAILQ_REMOVE(&fwd_user_forwards, fs, entry);
	fs->per_user = 0;
}

static struct fwd_ssm_user *
fwd_user_find(struct fwd_ssm *fs, long uid)
{
	struct fwd_ssm_user	*u;

	TAILQ_FOREACH(u, &fs->users, entry) {
		if (u->uid == uid)
			return (u);
	}
	return (NULL);
}

/* The contexts u's sessions sign with; -1 and *cause if there are none. */
static int
fwd_user_ctx(struct fwd_ssm_user *u, const struct fwd_config *fc,
    char **cause)
{
	const struct aws_creds	*creds;
	char			*label, *name;

	if (fc->identity == CONFIG_IDENTITY_USER) {
		if ((creds = identity_get(u->uid)) == NULL) {
			xasprintf(cause, "no AWS credentials for %s (identity "
			    "= user): run gatewayctl login", u->user);
			return (-1);
		}
		xasprintf(&label, "user %s", u->user);
		u->login = aws_daemon_ctx_fixed(u->fs->aws, creds, label);
		free(label);
		u->aws = u->login;
	}
	if (fc->role_arn != NULL) {
		if ((name = config_role_session_name(fc->role_session_name,
		    u->user, cause)) == NULL)
			return (-1);
		u->role = aws_daemon_ctx_role(u->fs->aws, u->login != NULL ?
		    u->login : u->fs->aws, fc->role_arn, name, cause);
		free(name);
		if (u->role == NULL)
			return (-1);
		u->aws = u->role;
	}
	return (0);
}

/* u's pool: the forward's parameters with u's context, name and Reason. */
static struct fwd_ssm_user *
fwd_user_make(struct fwd_ssm *fs, const struct conn *c, char **cause)
{
	const struct fwd_config		*fc = fs->fw->conf;
	struct fwd_ssm_user		*u;
	struct ssm_session_params	 sp = fs->sp;
	struct aws_ctx			*ctxs[2];

	if (fs->nusers >= FWD_USER_MAX) {
		xasprintf(cause, "%d users have sessions on this forward "
		    "already", FWD_USER_MAX);
		return (NULL);
	}
	u = xcalloc(1, sizeof *u);
	u->fs = fs;
	u->uid = c->client.uid;
	if (c->client.user[0] != '\0')
		u->user = xstrdup(c->client.user);
	else
		xasprintf(&u->user, "uid%ld", c->client.uid);
	if (fwd_user_ctx(u, fc, cause) == -1) {
		ctxs[0] = u->role;
		ctxs[1] = u->login;
		fwd_ssm_release(ctxs, 2, 0);
		free(u->user);
		free(u);
		return (NULL);
	}
	xasprintf(&u->name, "%s/%s", fs->fw->name, u->user);
	xasprintf(&u->reason, "%.*s for %s", SSM_SESSION_MAX_REASON - 5 -
	    (int)strlen(u->user), fs->reason, u->user);
	sp.chan.aws = u->aws;
	sp.chan.reason = u->reason;
	sp.name = u->name;
	sp.user = u->user;
	TAILQ_INSERT_TAIL(&fs->users, u, entry);
	fs->nusers++;
	u->pool = ssm_session_pool_new(fs->fw, &sp);
	log_info("forward %s: sessions of %s (uid %ld) with %s", fs->fw->name,
	    u->user, u->uid, u->role != NULL ? fc->role_arn :
	    "the credentials they logged in with");
	return (u);
}

void
fwd_ssm_user_open(struct fwd_ssm *fs, struct conn *c)
{
	struct fwd_ssm_user	*u;
	char			*cause = NULL;

	if (c->client.uid < 0) {
		conn_close(c, CONN_END_REFUSED, "identity = user needs a "
		    "local client (a unix socket, gatewayctl connect, or "
		    "loopback TCP), whose user is known");
		return;
	}
	if ((u = fwd_user_find(fs, c->client.uid)) == NULL &&
	    (u = fwd_user_make(fs, c, &cause)) == NULL) {
		log_warnx("forward %s: conn %" PRIu64 " of %s refused: %s",
		    fs->fw->name, c->id, c->client.user[0] != '\0' ?
		    c->client.user : "?", cause);
		conn_close(c, CONN_END_REFUSED, "%s", cause);
		free(cause);
		return;
	}
	fwd_ssm_identity(c, u->aws);
	ssm_session_attach(u->pool, c);
}

/*
 * A user logged in again (new credentials for their sessions), logged
 * out or saw their credentials expire (their pools end everywhere).
 */
static void
fwd_user_changed(long uid, const char *user, enum identity_change what,
    void *arg)
{
	struct fwd_ssm		*fs, *fs1;
	struct fwd_ssm_user	*u;
	const struct aws_creds	*creds;
	char			*reason;

	if (what == IDENTITY_LOGIN) {
		if ((creds = identity_get(uid)) == NULL)
			return;
		TAILQ_FOREACH(fs, &fwd_user_forwards, entry) {
			if ((u = fwd_user_find(fs, uid)) != NULL &&
			    u->login != NULL)
				aws_ctx_set_creds(u->login, creds);
		}
		return;
	}
	xasprintf(&reason, what == IDENTITY_LOGOUT ? "%s logged out" :
	    "the AWS credentials of %s expired", user);
	TAILQ_FOREACH_SAFE(fs, &fwd_user_forwards, entry, fs1) {
		/* A role assumed with the box's credentials stays. */
		if ((u = fwd_user_find(fs, uid)) == NULL || u->login == NULL)
			continue;
		log_info("forward %s: ending the sessions of %s: %s",
		    fs->fw->name, u->user, reason);
		fwd_user_free(u, CONN_END_STOPPED, reason);
	}
	free(reason);
}

/* Every user's sessions in obj's "sessions" (each says whose), and the
 * pools' counters added up. */
void
fwd_ssm_users_status(struct fwd_ssm *fs, cJSON *obj)
{
#define FWD_USER_NSUM	6
	static const char	*sum[FWD_USER_NSUM] = {
		"waiting", "spreading", "sessions_started", "sessions_failed",
		"replacements", "released"
	};
	struct fwd_ssm_user	*u;
	cJSON			*arr, *users, *one, *tmp, *v;
	double			 total[FWD_USER_NSUM], ceiling = 0;
	size_t			 i;

	memset(total, 0, sizeof total);
	arr = cJSON_AddArrayToObject(obj, "sessions");
	users = cJSON_AddArrayToObject(obj, "users");
	TAILQ_FOREACH(u, &fs->users, entry) {
		tmp = cJSON_CreateObject();
		ssm_session_pool_status(u->pool, tmp);
		v = cJSON_DetachItemFromObject(tmp, "sessions");
		while (v != NULL && cJSON_GetArraySize(v) > 0)
			cJSON_AddItemToArray(arr, cJSON_DetachItemFromArray(v,
			    0));
		cJSON_Delete(v);
		for (i = 0; i < FWD_USER_NSUM; i++)
			total[i] += cJSON_GetNumberValue(
			    cJSON_GetObjectItem(tmp, sum[i]));
		if (cJSON_GetNumberValue(cJSON_GetObjectItem(tmp,
		    "ceiling")) > ceiling)
			ceiling = cJSON_GetNumberValue(
			    cJSON_GetObjectItem(tmp, "ceiling"));
		one = cJSON_CreateObject();
		cJSON_AddStringToObject(one, "user", u->user);
		cJSON_AddNumberToObject(one, "uid", (double)u->uid);
		cJSON_AddStringToObject(one, "credentials", u->role != NULL ?
		    "role" : "login");
		cJSON_AddNumberToObject(one, "sessions",
		    (double)ssm_session_pool_count(u->pool));
		cJSON_AddItemToArray(users, one);
		cJSON_Delete(tmp);
	}
	for (i = 0; i < FWD_USER_NSUM; i++)
		cJSON_AddNumberToObject(obj, sum[i], total[i]);
	cJSON_AddNumberToObject(obj, "max_sessions",
	    (double)(fs->sp.policy.max_sessions != 0 ?
	    fs->sp.policy.max_sessions : 1));
	cJSON_AddNumberToObject(obj, "ceiling", ceiling);
}

/*
 * One user whose starts fail (their own permissions) does not fail the
 * forward for the others: failed only when every user's pool has failed,
 * degraded when one has or is.
 */
enum forwarder_health
fwd_ssm_users_health(struct fwd_ssm *fs)
{
	struct fwd_ssm_user	*u;
	enum forwarder_health	 h;
	int			 failed = 0, n = 0, degraded = 0;

	TAILQ_FOREACH(u, &fs->users, entry) {
		h = ssm_session_pool_health(u->pool);
		n++;
		failed += h == FORWARDER_HEALTH_FAILED;
		degraded |= h != FORWARDER_HEALTH_UP;
	}
	if (n != 0 && failed == n)
		return (FORWARDER_HEALTH_FAILED);
	return (degraded ? FORWARDER_HEALTH_DEGRADED : FORWARDER_HEALTH_UP);
}
