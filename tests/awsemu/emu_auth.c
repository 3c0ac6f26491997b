/*
 * Who may call: the long-term keys of the world file and every temporary
 * credential the emulator issued (STS, SSO, IMDS, container), each with its
 * session token and expiry. emu_auth_check() decides, in AWS's order: is
 * there a signature at all, is the key known, does the token match, has it
 * expired, and only then does aws_sigv4_verify() check the signature.
 *
 * Issued credentials are kept up to a bound; the oldest go first.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define EMU_AUTH_MAX_ISSUED	8192

RB_HEAD(emu_cred_tree, emu_cred);
TAILQ_HEAD(emu_cred_list, emu_cred);

static struct emu_cred_tree	emu_creds = RB_INITIALIZER(&emu_creds);
static struct emu_cred_list	emu_issued = TAILQ_HEAD_INITIALIZER(emu_issued);
static u_int			emu_nissued;
static u_int			emu_total_issued;

static int
emu_cred_cmp(struct emu_cred *a, struct emu_cred *b)
{
	return (strcmp(a->creds.access_key_id, b->creds.access_key_id));
}
RB_PROTOTYPE(emu_cred_tree, emu_cred, entry, emu_cred_cmp);
RB_GENERATE(emu_cred_tree, emu_cred, entry, emu_cred_cmp);

static void
emu_cred_free(struct emu_cred *c)
{
	free(c->creds.access_key_id);
	freezero_str(c->creds.secret_access_key);
	freezero_str(c->creds.session_token);
	free(c->creds.account_id);
	free(c->creds.provider);
	free(c->arn);
	free(c->user_id);
	free(c->caller_name);
	cJSON_Delete(c->policy);
	free(c);
}

void
emu_auth_init(void)
{
	RB_INIT(&emu_creds);
	TAILQ_INIT(&emu_issued);
}

void
emu_auth_free(void)
{
	struct emu_cred	*c, *next;

	RB_FOREACH_SAFE(c, emu_cred_tree, &emu_creds, next) {
		RB_REMOVE(emu_cred_tree, &emu_creds, c);
		emu_cred_free(c);
	}
	TAILQ_INIT(&emu_issued);
	emu_nissued = 0;
}

/* Forget every static key, then add the world's. Issued ones stay. */
void
emu_auth_load(struct emu_registry *reg)
{
	struct emu_cred	*c, *next;
	struct emu_key	*k;
	size_t		 i;

	RB_FOREACH_SAFE(c, emu_cred_tree, &emu_creds, next) {
		if (c->kind != EMU_CRED_STATIC)
			continue;
		RB_REMOVE(emu_cred_tree, &emu_creds, c);
		emu_cred_free(c);
	}
	for (i = 0; i < reg->nkeys; i++) {
		k = &reg->keys[i];
		c = xcalloc(1, sizeof *c);
		c->kind = EMU_CRED_STATIC;
		c->creds.access_key_id = xstrdup(k->access_key_id);
		c->creds.secret_access_key = xstrdup(k->secret_access_key);
		c->creds.account_id = xstrdup(k->account);
		c->creds.provider = xstrdup("static");
		xasprintf(&c->arn, "arn:aws:iam::%s:user/%s", k->account,
		    k->user);
		xasprintf(&c->user_id, "AIDA%.16s", k->access_key_id + 4);
		c->caller_name = xstrdup(k->user);
		if (k->policy != NULL)
			c->policy = cJSON_Duplicate(k->policy, 1);
		if (RB_INSERT(emu_cred_tree, &emu_creds, c) != NULL) {
			log_warnx("world: key %s is listed twice",
			    k->access_key_id);
			emu_cred_free(c);
		}
	}
}

struct emu_cred *
emu_auth_find(const char *akid)
{
	struct emu_cred	find;

	find.creds.access_key_id = (char *)akid;
	return (RB_FIND(emu_cred_tree, &emu_creds, &find));
}

/* Random text from an alphabet. */
static char *
emu_auth_random(const char *alphabet, size_t len)
{
	size_t	 n = strlen(alphabet), i;
	char	*s;

	s = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		s[i] = alphabet[util_random_range(0, n)];
	s[len] = '\0';
	return (s);
}

/*
 * A long opaque base64 token with + / and = in it, like AWS's: clients
 * that mangle those characters fail at once, not one time in ten.
 */
char *
emu_auth_token(void)
{
	uint8_t	buf[320];

	util_random(buf, sizeof buf);
	/* These three bytes encode as "+/+/"; 319 bytes end in "=". */
	buf[0] = 0xfb;
	buf[1] = 0xff;
	buf[2] = 0xbf;
	return (util_base64_encode(buf, sizeof buf - 1));
}

struct emu_cred *
emu_auth_issue(enum emu_cred_kind kind, const char *account, const char *arn,
    const char *user_id, const char *caller_name, int64_t lifetime)
{
	static const char *providers[] = { "static", "sts", "sso", "imds",
	    "container" };
	struct emu_cred	*c, *old;
	char		*suffix;

	c = xcalloc(1, sizeof *c);
	c->kind = kind;
	do {
		suffix = emu_auth_random("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
		free(c->creds.access_key_id);
		xasprintf(&c->creds.access_key_id, "ASIA%s", suffix);
		free(suffix);
	} while (emu_auth_find(c->creds.access_key_id) != NULL);
	c->creds.secret_access_key = emu_auth_random(
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
	    40);
	c->creds.session_token = emu_auth_token();
	c->creds.expiration = (int64_t)(clock_wall_ms() / 1000) + lifetime;
	c->creds.account_id = xstrdup(account);
	c->creds.provider = xstrdup(providers[kind]);
	c->arn = xstrdup(arn);
	c->user_id = xstrdup(user_id);
	c->caller_name = xstrdup(caller_name);
	RB_INSERT(emu_cred_tree, &emu_creds, c);
	TAILQ_INSERT_TAIL(&emu_issued, c, issued);
	emu_total_issued++;
	if (++emu_nissued > EMU_AUTH_MAX_ISSUED) {
		old = TAILQ_FIRST(&emu_issued);
		TAILQ_REMOVE(&emu_issued, old, issued);
		RB_REMOVE(emu_cred_tree, &emu_creds, old);
		emu_cred_free(old);
		emu_nissued--;
	}
	return (c);
}

u_int
emu_auth_issued_count(void)
{
	return (emu_total_issued);
}

/* ISO 8601 UTC, as STS, IMDS and the container endpoint write it. */
char *
emu_auth_time_iso8601(int64_t t)
{
	struct tm	tm;
	time_t		tt = (time_t)t;
	char		buf[32];

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return (xstrdup(buf));
}

static const struct aws_creds *
emu_auth_lookup_cb(const char *akid, void *arg)
{
	struct emu_cred	*c = emu_auth_find(akid);

	return (c != NULL ? &c->creds : NULL);
}

/*
 * Check a request's SigV4 authentication with the shared verifier: the
 * key must be one we know, with its own session token, not expired, and
 * the signature right. flags go to aws_sigv4_check() (SIGV4_FORM_QUERY
 * for a data-channel upgrade). Return 0 with a->caller set, or -1 with
 * a->fault saying why and a->cause the message for the client; the
 * credential scope's region and service, and the access key signed with,
 * are in a either way once the auth parameters parse. emu_auth_clear()
 * frees. Never logs anything secret.
 */
int
emu_auth_check(const char *method, const char *uri,
    const struct aws_header *h, size_t nh, const void *body, size_t len,
    const char *scheme, int flags, struct emu_auth *a)
{
	struct aws_sigv4_verdict	v;
	time_t				now;
	int				rv = -1;

	memset(a, 0, sizeof *a);
	now = (time_t)(clock_wall_ms() / 1000);
	if (aws_sigv4_check(method, uri, h, nh, body, len, scheme,
	    emu_auth_lookup_cb, NULL, now, flags, &v) == 0 &&
	    (a->caller = emu_auth_find(v.access_key_id)) != NULL)
		rv = 0;
	else {
		a->fault = v.fault != AWS_SIGV4_OK ? v.fault :
		    AWS_SIGV4_UNKNOWN_KEY;
		a->code = v.code != NULL ? v.code :
		    "UnrecognizedClientException";
		a->cause = xstrdup(v.message != NULL ? v.message : "The "
		    "security token included in the request is invalid.");
	}
	a->presigned = v.presigned;
	if (v.region != NULL)
		a->region = xstrdup(v.region);
	if (v.service != NULL)
		a->service = xstrdup(v.service);
	if (v.access_key_id != NULL)
		a->access_key_id = xstrdup(v.access_key_id);
	aws_sigv4_verdict_free(&v);
	return (rv);
}

void
emu_auth_clear(struct emu_auth *a)
{
	free(a->cause);
	free(a->region);
	free(a->service);
	free(a->access_key_id);
	memset(a, 0, sizeof *a);
}
