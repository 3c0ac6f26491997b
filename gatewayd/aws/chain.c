/*
 * The credential chain as a decision: environment, assume role, web
 * identity, SSO, credentials file, credential_process, config file,
 * container, IMDS (aws-conventions.md 2.1), the first configured one
 * deciding. Each step says why it was skipped, so "unable to locate
 * credentials" can list them without a secret.
 */

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "aws_chain.h"
#include "aws_creds.h"
#include "aws_http.h"
#include "aws_profile.h"
#include "log.h"
#include "xmalloc.h"

#define AWS_CHAIN_MAX_DEPTH	16	/* role chains longer than this: no */
#define AWS_CONTAINER_HOST	"http://169.254.170.2"

/* The resolution in progress. */
struct aws_chain {
	const struct aws_profiles	*set;
	char				*tried;
	char				*cause;
	const char			*visited[AWS_CHAIN_MAX_DEPTH];
	unsigned			 depth;
};

static int	aws_chain_profile(struct aws_chain *, const char *, int,
		    struct aws_chain_source **);
static void	aws_chain_skip(struct aws_chain *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	aws_chain_fail(struct aws_chain *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
aws_chain_skip(struct aws_chain *ch, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *next;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(&next, "%s%s%s", ch->tried != NULL ? ch->tried : "",
	    ch->tried != NULL ? "; " : "", msg);
	free(ch->tried);
	free(msg);
	ch->tried = next;
}

static int
aws_chain_fail(struct aws_chain *ch, const char *fmt, ...)
{
	va_list	ap;

	if (ch->cause == NULL) {
		va_start(ap, fmt);
		xvasprintf(&ch->cause, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

static struct aws_chain_source *
aws_chain_new(enum aws_chain_kind kind, const char *name, const char *profile)
{
	struct aws_chain_source	*s;

	s = xcalloc(1, sizeof *s);
	s->kind = kind;
	s->name = name;
	s->profile = xstrdup(profile != NULL ? profile : "");
	return (s);
}

void
aws_chain_free(struct aws_chain_source *s)
{
	if (s == NULL)
		return;
	free(s->keys.access_key_id);
	freezero_str(s->keys.secret_access_key);
	freezero_str(s->keys.session_token);
	free(s->keys.account_id);
	free(s->profile);
	free(s->role_arn);
	free(s->session_name);
	free(s->external_id);
	aws_chain_free(s->inner);
	free(s->token_file);
	aws_sso_config_clear(&s->sso);
	free(s->command);
	free(s->url);
	freezero_str(s->auth_token);
	free(s->auth_file);
	aws_imds_config_clear(&s->imds);
	free(s->label);
	free(s);
}

static const char *
aws_chain_env(const char *name)
{
	const char	*v = getenv(name);

	return ((v != NULL && *v != '\0') ? v : NULL);
}

int
aws_chain_session_name_ok(const char *s)
{
	size_t	n = strlen(s), i;

	if (n < 2 || n > 64)
		return (0);
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("_+=,.@-", s[i]) == NULL)
			return (0);
	}
	return (1);
}

int
aws_chain_role_arn_ok(const char *s)
{
	const char	*p;
	size_t		 n;

	/* arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME */
	if (strncmp(s, "arn:", 4) != 0)
		return (0);
	p = s + 4;
	if ((n = strspn(p, "abcdefghijklmnopqrstuvwxyz-")) == 0 || p[n] != ':')
		return (0);
	p += n + 1;
	if (strncmp(p, "iam::", 5) != 0)
		return (0);
	p += 5;
	if (strspn(p, "0123456789") != 12 || strncmp(p + 12, ":role/", 6) != 0)
		return (0);
	p += 18;
	n = strlen(p);
	if (n == 0 || p[n - 1] == '/' || *p == '/' || strstr(p, "//") != NULL)
		return (0);
	for (; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) &&
		    strchr("_+=,.@-/", *p) == NULL)
			return (0);
	}
	/* The name after the path: at most 64. */
	return (strlen(strrchr(s, '/') + 1) <= 64);
}

struct aws_chain_source *
aws_chain_fixed(const struct aws_creds *keys, const char *label)
{
	struct aws_chain_source	*s;

	s = aws_chain_new(AWS_CHAIN_FIXED, "fixed", NULL);
	aws_creds_copy(&s->keys, keys);
	free(s->keys.provider);		/* the provider's is its name */
	s->keys.provider = NULL;
	s->label = xstrdup(label);
	return (s);
}

struct aws_chain_source *
aws_chain_role(const char *profile, const char *role_arn,
    const char *session_name, struct aws_creds_provider *via)
{
	struct aws_chain_source	*s;

	s = aws_chain_new(AWS_CHAIN_ASSUME_ROLE, "assume-role", profile);
	s->role_arn = xstrdup(role_arn);
	s->session_name = xstrdup(session_name);
	s->inner = aws_chain_new(AWS_CHAIN_PROVIDER, "provider", profile);
	s->inner->via = via;
	return (s);
}

/* 1: environment keys are there; 0: not set; -1: partial. */
static int
aws_chain_env_keys(struct aws_chain *ch, const char *profile,
    struct aws_chain_source **out)
{
	if (aws_chain_env("AWS_ACCESS_KEY_ID") == NULL)
		return (0);
	if (aws_chain_env("AWS_SECRET_ACCESS_KEY") == NULL)
		return (aws_chain_fail(ch, "partial credentials in the "
		    "environment: AWS_ACCESS_KEY_ID is set but "
		    "AWS_SECRET_ACCESS_KEY is not"));
	*out = aws_chain_new(AWS_CHAIN_ENV, "environment", profile);
	return (1);
}

/* Static keys of profile in one file. */
static int
aws_chain_static(struct aws_chain *ch, const char *profile, int which,
    struct aws_chain_source **out)
{
	const struct aws_profiles	*set = ch->set;
	const char			*akid, *secret, *token, *file;

	file = which == AWS_PROFILE_CREDENTIALS ? set->credentials_path :
	    set->config_path;
	akid = aws_profile_get_in(set, which, profile, "aws_access_key_id");
	if (akid == NULL || *akid == '\0')
		return (0);
	secret = aws_profile_get_in(set, which, profile,
	    "aws_secret_access_key");
	if (secret == NULL || *secret == '\0')
		return (aws_chain_fail(ch, "profile %s: aws_access_key_id "
		    "without aws_secret_access_key in %s", profile, file));
	if ((token = aws_profile_get_in(set, which, profile,
	    "aws_session_token")) == NULL)
		token = aws_profile_get_in(set, which, profile,
		    "aws_security_token");
	*out = aws_chain_new(AWS_CHAIN_STATIC, which ==
	    AWS_PROFILE_CREDENTIALS ? "shared-credentials-file" :
	    "shared-config-file", profile);
	(*out)->keys.access_key_id = xstrdup(akid);
	(*out)->keys.secret_access_key = xstrdup(secret);
	if (token != NULL && *token != '\0')
		(*out)->keys.session_token = xstrdup(token);
	if ((akid = aws_profile_get_in(set, which, profile,
	    "aws_account_id")) != NULL)
		(*out)->keys.account_id = xstrdup(akid);
	(*out)->keys.provider = (char *)(*out)->name;
	return (1);
}

static int
aws_chain_any_static(struct aws_chain *ch, const char *profile,
    struct aws_chain_source **out)
{
	int	rv;

	if ((rv = aws_chain_static(ch, profile, AWS_PROFILE_CREDENTIALS,
	    out)) != 0)
		return (rv);
	return (aws_chain_static(ch, profile, AWS_PROFILE_CONFIG, out));
}

int
aws_chain_container_url(char **url, char **cause)
{
	static const char	*allowed[] = { "169.254.170.2", "169.254.170.23",
	    "[fd00:ec2::23]", NULL };
	const char		*rel, *full, **a;
	char			*scheme = NULL, *host = NULL;
	CURLU			*u;
	int			 ok = 0;

	*url = NULL;
	if ((rel = aws_chain_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) !=
	    NULL) {
		xasprintf(url, "%s%s%s", AWS_CONTAINER_HOST,
		    *rel == '/' ? "" : "/", rel);
		return (1);
	}
	if ((full = aws_chain_env("AWS_CONTAINER_CREDENTIALS_FULL_URI")) ==
	    NULL)
		return (0);
	if ((u = curl_url()) == NULL)
		fatalx("curl_url failed");
	if (curl_url_set(u, CURLUPART_URL, full, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (strcmp(scheme, "https") == 0)
			ok = 1;
		else if (strcmp(scheme, "http") == 0) {
			if (strcmp(host, "localhost") == 0 ||
			    strcmp(host, "[::1]") == 0 ||
			    (strncmp(host, "127.", 4) == 0 &&
			    strspn(host, "0123456789.") == strlen(host)))
				ok = 1;
			for (a = allowed; *a != NULL; a++) {
				if (strcasecmp(host, *a) == 0)
					ok = 1;
			}
		}
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	if (!ok) {
		xasprintf(cause, "AWS_CONTAINER_CREDENTIALS_FULL_URI: %s is not "
		    "allowed (https, a loopback address, 169.254.170.2, "
		    "169.254.170.23 or fd00:ec2::23 only)", full);
		return (-1);
	}
	*url = xstrdup(full);
	return (1);
}

static int
aws_chain_container(struct aws_chain *ch, const char *profile,
    struct aws_chain_source **out)
{
	const char	*tok;
	char		*url, *cause = NULL;
	int		 rv;

	if ((rv = aws_chain_container_url(&url, &cause)) <= 0) {
		if (rv == -1) {
			aws_chain_fail(ch, "%s", cause);
			free(cause);
		}
		return (rv);
	}
	tok = aws_chain_env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	if (tok != NULL && strpbrk(tok, "\r\n") != NULL) {
		free(url);
		return (aws_chain_fail(ch, "AWS_CONTAINER_AUTHORIZATION_TOKEN "
		    "contains a line break"));
	}
	*out = aws_chain_new(AWS_CHAIN_CONTAINER, "container", profile);
	(*out)->url = url;
	if (aws_chain_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") != NULL)
		(*out)->auth_file = xstrdup(aws_chain_env(
		    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
	else if (tok != NULL)
		(*out)->auth_token = xstrdup(tok);
	return (1);
}

static int
aws_chain_imds(struct aws_chain *ch, const char *profile,
    struct aws_chain_source **out)
{
	struct aws_imds_config	cfg;

	aws_imds_config_load(&cfg, ch->set, profile);
	if (cfg.disabled) {
		aws_imds_config_clear(&cfg);
		return (0);
	}
	*out = aws_chain_new(AWS_CHAIN_IMDS, "instance-metadata", profile);
	(*out)->imds = cfg;
	return (1);
}

/* role_session_name, external_id, duration_seconds of a role profile. */
static int
aws_chain_role_params(struct aws_chain *ch, const char *profile,
    struct aws_chain_source *s)
{
	const struct aws_profiles	*set = ch->set;
	const char			*v;
	char				*end;
	unsigned long			 n;

	if ((v = aws_profile_get(set, profile, "role_session_name")) != NULL) {
		if (!aws_chain_session_name_ok(v))
			return (aws_chain_fail(ch, "profile %s: "
			    "role_session_name \"%s\" is not 2 to 64 of "
			    "[A-Za-z0-9_+=,.@-]", profile, v));
		s->session_name = xstrdup(v);
	}
	if ((v = aws_profile_get(set, profile, "external_id")) != NULL) {
		if (strlen(v) < 2 || strlen(v) > 1224)
			return (aws_chain_fail(ch, "profile %s: external_id "
			    "must be 2 to 1224 characters", profile));
		s->external_id = xstrdup(v);
	}
	if ((v = aws_profile_get(set, profile, "duration_seconds")) != NULL) {
		n = strtoul(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n < 900 || n > 43200)
			return (aws_chain_fail(ch, "profile %s: "
			    "duration_seconds \"%s\" is not 900 to 43200",
			    profile, v));
		s->duration = (unsigned)n;
	}
	return (0);
}

/* credential_source = Environment | Ec2InstanceMetadata | EcsContainer. */
static int
aws_chain_credential_source(struct aws_chain *ch, const char *profile,
    const char *what, struct aws_chain_source **out)
{
	int	rv;

	if (strcmp(what, "Environment") == 0) {
		if ((rv = aws_chain_env_keys(ch, profile, out)) == 0)
			return (aws_chain_fail(ch, "profile %s: "
			    "credential_source Environment, but "
			    "AWS_ACCESS_KEY_ID is not set", profile));
		return (rv);
	}
	if (strcmp(what, "Ec2InstanceMetadata") == 0) {
		if ((rv = aws_chain_imds(ch, profile, out)) == 0)
			return (aws_chain_fail(ch, "profile %s: "
			    "credential_source Ec2InstanceMetadata, but "
			    "instance metadata is disabled", profile));
		return (rv);
	}
	if (strcmp(what, "EcsContainer") == 0) {
		if ((rv = aws_chain_container(ch, profile, out)) == 0)
			return (aws_chain_fail(ch, "profile %s: "
			    "credential_source EcsContainer, but neither "
			    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor "
			    "_FULL_URI is set", profile));
		return (rv);
	}
	return (aws_chain_fail(ch, "profile %s: credential_source \"%s\" is "
	    "not Environment, Ec2InstanceMetadata or EcsContainer", profile,
	    what));
}

static int	aws_chain_assume_role(struct aws_chain *, const char *,
		    struct aws_chain_source **);

/*
 * The credentials of a source_profile: its static keys end the chain even
 * if it has a role_arn; else its own role; else steps 3 to 8 without the
 * environment.
 */
static int
aws_chain_source_profile(struct aws_chain *ch, const char *profile,
    const char *src, struct aws_chain_source **out)
{
	int	rv;

	if (!aws_profile_exists(ch->set, src))
		return (aws_chain_fail(ch, "profile %s: source_profile %s does "
		    "not exist", profile, src));
	if ((rv = aws_chain_any_static(ch, src, out)) != 0)
		return (rv);
	if (aws_profile_get(ch->set, src, "role_arn") != NULL &&
	    aws_profile_get(ch->set, src, "web_identity_token_file") == NULL)
		return (aws_chain_assume_role(ch, src, out));
	if ((rv = aws_chain_profile(ch, src, 0, out)) == 0)
		return (aws_chain_fail(ch, "profile %s: source_profile %s has "
		    "no credentials", profile, src));
	return (rv);
}

static int
aws_chain_assume_role(struct aws_chain *ch, const char *profile,
    struct aws_chain_source **out)
{
	const struct aws_profiles	*set = ch->set;
	struct aws_chain_source		*s, *inner = NULL;
	const char			*src, *cs;
	unsigned			 i;
	int				 rv;

	for (i = 0; i < ch->depth; i++) {
		if (strcmp(ch->visited[i], profile) == 0)
			return (aws_chain_fail(ch, "profile %s: source_profile "
			    "chain loops back to it", profile));
	}
	if (ch->depth == AWS_CHAIN_MAX_DEPTH)
		return (aws_chain_fail(ch, "profile %s: role chain longer than "
		    "%d", profile, AWS_CHAIN_MAX_DEPTH));
	ch->visited[ch->depth++] = profile;
	if (aws_profile_get(set, profile, "mfa_serial") != NULL)
		return (aws_chain_fail(ch, "profile %s: mfa_serial needs an MFA "
		    "code that gatewayd cannot prompt for; use "
		    "credential_process or pre-obtained session credentials",
		    profile));
	src = aws_profile_get(set, profile, "source_profile");
	cs = aws_profile_get(set, profile, "credential_source");
	if (src != NULL && cs != NULL)
		return (aws_chain_fail(ch, "profile %s: both source_profile and "
		    "credential_source are set", profile));
	if (src == NULL && cs == NULL)
		return (aws_chain_fail(ch, "profile %s: role_arn needs "
		    "source_profile or credential_source", profile));
	if (cs != NULL)
		rv = aws_chain_credential_source(ch, profile, cs, &inner);
	else if (strcmp(src, profile) == 0) {
		/* Itself: only through its own static keys. */
		if ((rv = aws_chain_any_static(ch, profile, &inner)) == 0)
			rv = aws_chain_fail(ch, "profile %s: source_profile "
			    "names itself but it has no static keys", profile);
	} else
		rv = aws_chain_source_profile(ch, profile, src, &inner);
	if (rv != 1)
		return (-1);
	s = aws_chain_new(AWS_CHAIN_ASSUME_ROLE, "assume-role", profile);
	s->role_arn = xstrdup(aws_profile_get(set, profile, "role_arn"));
	s->inner = inner;
	if (aws_chain_role_params(ch, profile, s) != 0) {
		aws_chain_free(s);
		return (-1);
	}
	*out = s;
	return (1);
}

static int
aws_chain_web_identity(struct aws_chain *ch, const char *profile, int top,
    struct aws_chain_source **out)
{
	const char	*file = NULL, *arn = NULL, *name = NULL;

	if (top && (file = aws_chain_env("AWS_WEB_IDENTITY_TOKEN_FILE")) !=
	    NULL) {
		arn = aws_chain_env("AWS_ROLE_ARN");
		name = aws_chain_env("AWS_ROLE_SESSION_NAME");
	} else if ((file = aws_profile_get(ch->set, profile,
	    "web_identity_token_file")) != NULL) {
		arn = aws_profile_get(ch->set, profile, "role_arn");
		name = aws_profile_get(ch->set, profile, "role_session_name");
	}
	if (file == NULL || *file == '\0')
		return (0);
	if (arn == NULL || *arn == '\0')
		return (aws_chain_fail(ch, "profile %s: a web identity token file "
		    "without a role ARN", profile));
	if (name != NULL && !aws_chain_session_name_ok(name))
		return (aws_chain_fail(ch, "profile %s: role session name \"%s\" "
		    "is not 2 to 64 of [A-Za-z0-9_+=,.@-]", profile, name));
	*out = aws_chain_new(AWS_CHAIN_WEB_IDENTITY, "web-identity", profile);
	(*out)->token_file = xstrdup(file);
	(*out)->role_arn = xstrdup(arn);
	if (name != NULL)
		(*out)->session_name = xstrdup(name);
	return (1);
}

/* A key of the SSO settings: profile and session must agree. */
static int
aws_chain_sso_key(struct aws_chain *ch, const char *profile,
    const char *session, const char *key, char **out, char **missing)
{
	const char	*p, *s = NULL, *v;
	char		*next;

	p = aws_profile_get(ch->set, profile, key);
	if (session != NULL)
		s = aws_profile_sso_session_get(ch->set, session, key);
	if (p != NULL && s != NULL && strcmp(p, s) != 0)
		return (aws_chain_fail(ch, "profile %s: %s differs between the "
		    "profile and sso-session %s", profile, key, session));
	v = p != NULL ? p : s;
	if (v == NULL || *v == '\0') {
		xasprintf(&next, "%s%s%s", *missing != NULL ? *missing : "",
		    *missing != NULL ? ", " : "", key);
		free(*missing);
		*missing = next;
		return (0);
	}
	*out = xstrdup(v);
	return (0);
}

static int
aws_chain_sso(struct aws_chain *ch, const char *profile,
    struct aws_chain_source **out)
{
	const struct aws_profiles	*set = ch->set;
	struct aws_chain_source		*s;
	const char			*session;
	char				*missing = NULL;
	int				 rv = 0;

	if (aws_profile_get(set, profile, "sso_account_id") == NULL &&
	    aws_profile_get(set, profile, "sso_role_name") == NULL)
		return (0);
	session = aws_profile_get(set, profile, "sso_session");
	if (session != NULL && aws_profile_sso_session_get(set, session,
	    "sso_region") == NULL && aws_profile_sso_session_get(set, session,
	    "sso_start_url") == NULL)
		return (aws_chain_fail(ch, "profile %s: sso-session %s is "
		    "missing or empty", profile, session));
	s = aws_chain_new(AWS_CHAIN_SSO, "sso", profile);
	s->sso.profile = xstrdup(profile);
	if (session != NULL)
		s->sso.session = xstrdup(session);
	if (aws_chain_sso_key(ch, profile, session, "sso_start_url",
	    &s->sso.start_url, &missing) != 0 ||
	    aws_chain_sso_key(ch, profile, session, "sso_region",
	    &s->sso.region, &missing) != 0 ||
	    aws_chain_sso_key(ch, profile, NULL, "sso_account_id",
	    &s->sso.account_id, &missing) != 0 ||
	    aws_chain_sso_key(ch, profile, NULL, "sso_role_name",
	    &s->sso.role_name, &missing) != 0)
		rv = -1;
	else if (missing != NULL)
		rv = aws_chain_fail(ch, "profile %s: SSO settings missing: %s",
		    profile, missing);
	free(missing);
	if (rv != 0) {
		aws_chain_free(s);
		return (-1);
	}
	*out = s;
	return (1);
}

static int
aws_chain_process(struct aws_chain *ch, const char *profile,
    struct aws_chain_source **out)
{
	const char	*cmd;

	cmd = aws_profile_get(ch->set, profile, "credential_process");
	if (cmd == NULL || *cmd == '\0')
		return (0);
	*out = aws_chain_new(AWS_CHAIN_PROCESS, "process", profile);
	(*out)->command = xstrdup(cmd);
	return (1);
}

/* Warn when a profile holds more than one way to get credentials. */
static void
aws_chain_warn_mixed(struct aws_chain *ch, const char *profile)
{
	static const char	*keys[] = { "role_arn", "web_identity_token_file",
	    "sso_account_id", "aws_access_key_id", "credential_process", NULL };
	const char		**k;
	char			 found[256] = "";
	int			 n = 0;

	for (k = keys; *k != NULL; k++) {
		if (aws_profile_get(ch->set, profile, *k) == NULL)
			continue;
		if (strcmp(*k, "role_arn") == 0 && aws_profile_get(ch->set,
		    profile, "web_identity_token_file") != NULL)
			continue;	/* one source: web identity */
		if (n++ > 0)
			strlcat(found, ", ", sizeof found);
		strlcat(found, *k, sizeof found);
	}
	if (n > 1)
		log_warnx("profile %s: more than one credential source (%s); "
		    "using the first in the CLI's order", profile, found);
}

/* Steps 2 to 8 for one profile. */
static int
aws_chain_profile(struct aws_chain *ch, const char *profile, int top,
    struct aws_chain_source **out)
{
	const struct aws_profiles	*set = ch->set;
	int				 rv;

	if (aws_profile_get(set, profile, "role_arn") != NULL &&
	    aws_profile_get(set, profile, "web_identity_token_file") == NULL)
		return (aws_chain_assume_role(ch, profile, out));
	if ((rv = aws_chain_web_identity(ch, profile, top, out)) != 0)
		return (rv);
	if ((rv = aws_chain_sso(ch, profile, out)) != 0)
		return (rv);
	if ((rv = aws_chain_static(ch, profile, AWS_PROFILE_CREDENTIALS,
	    out)) != 0)
		return (rv);
	if ((rv = aws_chain_process(ch, profile, out)) != 0)
		return (rv);
	return (aws_chain_static(ch, profile, AWS_PROFILE_CONFIG, out));
}

struct aws_chain_source *
aws_chain_resolve(const struct aws_profiles *set, const char *profile,
    int is_explicit, char **tried, char **cause)
{
	struct aws_chain		 ch;
	struct aws_chain_source		*s = NULL;
	int				 rv = 0;

	memset(&ch, 0, sizeof ch);
	ch.set = set;
	if (is_explicit)
		aws_chain_skip(&ch, "environment: skipped, profile %s named "
		    "explicitly", profile);
	else if ((rv = aws_chain_env_keys(&ch, profile, &s)) == 0)
		aws_chain_skip(&ch, "environment: AWS_ACCESS_KEY_ID not set");
	if (rv == 0) {
		aws_chain_warn_mixed(&ch, profile);
		if ((rv = aws_chain_profile(&ch, profile, 1, &s)) == 0)
			aws_chain_skip(&ch, "profile %s: no credentials in %s "
			    "or %s", profile, set->config_path,
			    set->credentials_path);
	}
	if (rv == 0 && (rv = aws_chain_container(&ch, profile, &s)) == 0)
		aws_chain_skip(&ch, "container: AWS_CONTAINER_CREDENTIALS_"
		    "RELATIVE_URI and _FULL_URI not set");
	if (rv == 0 && (rv = aws_chain_imds(&ch, profile, &s)) == 0)
		aws_chain_skip(&ch, "instance metadata: disabled by "
		    "AWS_EC2_METADATA_DISABLED");
	if (rv == 0)
		aws_chain_fail(&ch, "unable to locate credentials: %s",
		    ch.tried);
	*tried = ch.tried != NULL ? ch.tried : xstrdup("");
	if (rv != 1) {
		*cause = ch.cause;
		return (NULL);
	}
	free(ch.cause);
	return (s);
}
