/*
 * gatewayctl login and logout: lend gatewayd the caller's own AWS
 * credentials (identity.h), or take them back.
 *
 * login resolves the credentials here, in the caller's context, with the
 * usual chain (environment, profiles, SSO cache, credential_process, an
 * assumed role...), so that the daemon never reads the user's files; it
 * sends them over the control socket, where the daemon learns the uid
 * from the socket, not from us. Nothing here prints or logs a key.
 */

#include "autoconf.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "aws.h"
#include "aws_creds.h"
#include "gatewayctl.h"
#include "xmalloc.h"

/* Where STS-based sources (assume-role, web identity) go without one. */
#define CTL_LOGIN_REGION	"us-east-1"

struct ctl_login {
	struct event_base	*base;
	cJSON			*req;
	char			*error;
	int			 done;
};

static void
ctl_login_creds_cb(const struct aws_creds *c, const char *error, void *arg)
{
	struct ctl_login	*l = arg;

	l->done = 1;
	if (c == NULL) {
		l->error = xstrdup(error != NULL ? error : "no credentials");
		return;
	}
	cJSON_AddStringToObject(l->req, "access_key_id", c->access_key_id);
	cJSON_AddStringToObject(l->req, "secret_access_key",
	    c->secret_access_key);
	if (c->session_token != NULL)
		cJSON_AddStringToObject(l->req, "session_token",
		    c->session_token);
	if (c->expiration != 0)
		cJSON_AddNumberToObject(l->req, "expiration",
		    (double)c->expiration);
}

/* Resolve the credentials of profile (NULL: the chain's) into req. */
static int
ctl_login_resolve(cJSON *req, const char *profile, char **cause)
{
	struct aws_options	 o;
	struct aws_client	*cl = NULL;
	struct aws_ctx		*ctx = NULL;
	struct aws_creds_wait	*cw;
	struct ctl_login	 l;
	const char		*region, *src;
	int			 rc = -1;

	memset(&l, 0, sizeof l);
	l.req = req;
	if ((l.base = event_base_new()) == NULL) {
		*cause = xstrdup("cannot make an event base");
		return (-1);
	}
	memset(&o, 0, sizeof o);
	/* A terminal may answer an MFA prompt. */
	o.interactive = isatty(STDIN_FILENO);
	if ((cl = aws_client_new(l.base, &o, cause)) == NULL)
		goto out;
	region = aws_creds_region(aws_client_profiles(cl), profile, NULL,
	    &src);
	if ((ctx = aws_ctx_new(cl, profile, region != NULL ? region :
	    CTL_LOGIN_REGION, NULL, cause)) == NULL)
		goto out;
	cw = aws_creds_get(aws_ctx_creds(ctx), 0, ctl_login_creds_cb, &l);
	while (!l.done && event_base_loop(l.base, EVLOOP_ONCE) == 0)
		;
	if (!l.done) {
		aws_creds_cancel(cw);
		*cause = xstrdup("the credentials were not resolved");
	} else if (l.error != NULL) {
		*cause = l.error;
		l.error = NULL;
	} else
		rc = 0;
out:
	aws_ctx_free(ctx);
	if (cl != NULL)
		aws_client_free(cl);
	event_base_free(l.base);
	return (rc);
}

int
ctl_login_args(cJSON *req, int argc, char **argv)
{
	const char	*profile = NULL;
	char		*cause;
	int		 i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc)
			profile = argv[++i];
		else
			return (-1);
	}
	if (ctl_login_resolve(req, profile, &cause) == -1) {
		fprintf(stderr, "gatewayctl: login: %s\n", cause);
		free(cause);
		exit(1);
	}
	return (0);
}

void
ctl_login_print(const cJSON *reply)
{
	struct tm	 tm;
	time_t		 t = (time_t)ctl_num(reply, "expires");
	double		 left = ctl_num(reply, "expires") - (double)time(NULL);
	char		 when[64];

	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", &tm);
	printf("logged in as %s until %s (%.0f min)\n",
	    ctl_str(reply, "principal"), when, left > 0 ? left / 60 : 0);
}

void
ctl_logout_print(const cJSON *reply)
{
	if (cJSON_IsTrue(cJSON_GetObjectItem(reply, "had")))
		printf("logged out (%s)\n", ctl_str(reply, "user"));
	else
		printf("not logged in\n");
}
