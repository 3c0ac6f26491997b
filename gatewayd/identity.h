/*
 * identity.h: the AWS credentials local users lend the daemon
 * (gatewayctl login): per uid, in memory only, until they expire or
 * the user logs out; never written, logged or shown.
 *
 * Control commands (any local user who can reach the control socket;
 * the uid is the socket's peer's, never the request's):
 *	{"cmd": "login", "access_key_id": "...", "secret_access_key": "...",
 *	    "session_token": "..." (optional), "expiration": Unix seconds
 *	    or ISO 8601 (optional)}
 *	-> {"ok": true, "user", "uid", "principal", "account", "expires"}
 *	once STS GetCallerIdentity accepted them;
 *	{"cmd": "logout"} -> {"ok": true, "user", "had": true|false}.
 * Every change is published on the bus (BUS_IDENTITY_*) before the
 * watchers hear of it.
 */
#ifndef IDENTITY_H
#define IDENTITY_H

#include <stdint.h>

struct aws_creds;
struct cJSON;

#define IDENTITY_MAX_USERS	1024
/* Creds without an expiration are kept this long (s). */
#define IDENTITY_MAX_LIFE	(12 * 3600)

enum identity_change {
	IDENTITY_LOGIN,		/* first login of uid, or new credentials */
	IDENTITY_LOGOUT,	/* gatewayctl logout (or the daemon stops) */
	IDENTITY_EXPIRED,	/* their expiration came */
};

void	 identity_init(void);	/* registers login, logout */
void	 identity_stop(void);	/* wipes everything, no watchers called */
/* uid's credentials while valid, else NULL; valid until the next
 * return to the event loop. */
const struct aws_creds *identity_get(long uid);
/* *exp: Unix seconds the creds expire (or are dropped). 0, or -1 if uid
 * has none. */
int	 identity_expiry(long uid, int64_t *exp);
/* Users with credentials now (the metrics' gauge). */
unsigned identity_count(void);
/*
 * Watch logins, logouts and expiries: cb runs from the event loop,
 * never inside a bus callback, after the bus event was published, so
 * it may close conns. user is uid's name.
 */
void	 identity_watch(void (*cb)(long uid, const char *user,
	    enum identity_change, void *), void *arg);
void	 identity_unwatch(void (*cb)(long, const char *,
	    enum identity_change, void *), void *arg);
/* For control_status: [{"user","uid","principal","account",
 * "since","expires"}] (Unix seconds), never any key. */
struct cJSON *identity_status(void);

/* Longest access key id, secret and session token a login may carry. */
#define IDENTITY_MAX_KEY_ID	128
#define IDENTITY_MAX_SECRET	128
#define IDENTITY_MAX_TOKEN	8192
/*
 * A login request's credentials into c (aws_creds_clear when done) and
 * the Unix second they are to be dropped into *exp, given the time now:
 * their expiration, else now + IDENTITY_MAX_LIFE. Return 0, or -1 and
 * *cause (caller frees), which names the member and never its value.
 */
int	 identity_parse_login(const struct cJSON *req, int64_t now,
	    struct aws_creds *c, int64_t *exp, char **cause);

#endif /* IDENTITY_H */
