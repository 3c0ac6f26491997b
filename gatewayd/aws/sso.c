/*
 * IAM Identity Center: the token cache, its refresh, and the role
 * credentials. The cache is JSON that the CLI owns; we rewrite it only to
 * store a refreshed token, through a temporary file and a rename so the
 * CLI never reads half of it.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <openssl/evp.h>

#include "aws.h"
#include "aws_creds.h"
#include "aws_profile.h"
#include "aws_sso.h"
#include "aws_sts.h"
#include "aws_time.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

struct aws_sso_fetch {
	struct aws_ctx		*ctx;
	struct aws_sso_config	 cfg;
	aws_sso_cb		 cb;
	void			*arg;
	char			*path;		/* the cache file */
	cJSON			*cache;
	char			*token;		/* the access token in use */
	int64_t			 token_exp;
	struct aws_call		*call;
	struct event		*ev;		/* deferred failure */
	char			*error;
};

static void	aws_sso_get_role(struct aws_sso_fetch *);

void
aws_sso_config_clear(struct aws_sso_config *cfg)
{
	free(cfg->profile);
	free(cfg->session);
	free(cfg->start_url);
	free(cfg->region);
	free(cfg->account_id);
	free(cfg->role_name);
	memset(cfg, 0, sizeof *cfg);
}

char *
aws_sso_cache_path(const char *key)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	char		 hex[2 * EVP_MAX_MD_SIZE + 1], *home, *path;

	if ((home = aws_profile_home()) == NULL)
		return (NULL);
	if (EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha1(), NULL) != 1)
		fatalx("EVP_Digest sha1 failed");
	util_hex(md, mdlen, hex);
	xasprintf(&path, "%s/.aws/sso/cache/%s.json", home, hex);
	free(home);
	return (path);
}

static void
aws_sso_free(struct aws_sso_fetch *f)
{
	aws_call_cancel(f->call);
	if (f->ev != NULL)
		event_free(f->ev);
	aws_sso_config_clear(&f->cfg);
	cJSON_Delete(f->cache);	/* holds tokens; cJSON cannot wipe */
	freezero_str(f->token);
	free(f->path);
	free(f->error);
	free(f);
}

void
aws_sso_cancel(struct aws_sso_fetch *f)
{
	if (f != NULL)
		aws_sso_free(f);
}

static void
aws_sso_finish(struct aws_sso_fetch *f, const struct aws_creds *creds,
    const char *error)
{
	f->cb(creds, error, f->arg);
	aws_sso_free(f);
}

static void
aws_sso_fail_cb(evutil_socket_t fd, short what, void *arg)
{
	struct aws_sso_fetch	*f = arg;

	aws_sso_finish(f, NULL, f->error);
}

/* Fail with the one thing the user can do about it. */
static void
aws_sso_login(struct aws_sso_fetch *f, const char *why)
{
	free(f->error);
	xasprintf(&f->error, "profile %s: %s: run `aws sso login --profile "
	    "%s`", f->cfg.profile, why, f->cfg.profile);
}

static const char *
aws_sso_str(const cJSON *obj, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return (cJSON_IsString(v) && *v->valuestring != '\0' ?
	    v->valuestring : NULL);
}

cJSON *
aws_sso_parse_cache(const char *buf, size_t len, char **token,
    int64_t *expires)
{
	cJSON		*cache;
	const char	*tok, *exp;

	cache = cJSON_ParseWithLength(buf, len);
	if (!cJSON_IsObject(cache) ||
	    (tok = aws_sso_str(cache, "accessToken")) == NULL ||
	    (exp = aws_sso_str(cache, "expiresAt")) == NULL ||
	    aws_time_parse(exp, expires) != 0) {
		cJSON_Delete(cache);
		return (NULL);
	}
	*token = xstrdup(tok);
	return (cache);
}

/* Read and check the cache file. Return 0, or -1 with f->error set. */
static int
aws_sso_read_cache(struct aws_sso_fetch *f)
{
	char		*buf;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(f->path, O_RDONLY | O_CLOEXEC)) == -1) {
		aws_sso_login(f, "no cached SSO token");
		return (-1);
	}
	buf = xmalloc(AWS_SSO_MAX_CACHE + 1);
	n = read(fd, buf, AWS_SSO_MAX_CACHE + 1);
	close(fd);
	if (n >= 0 && n <= AWS_SSO_MAX_CACHE)
		f->cache = aws_sso_parse_cache(buf, (size_t)n, &f->token,
		    &f->token_exp);
	explicit_bzero(buf, AWS_SSO_MAX_CACHE + 1);
	free(buf);
	if (f->cache == NULL) {
		aws_sso_login(f, "the cached SSO token is unreadable");
		return (-1);
	}
	return (0);
}

/* Can the token be refreshed (current shape, registration valid)? */
static int
aws_sso_can_refresh(struct aws_sso_fetch *f, int64_t now)
{
	const char	*reg;
	int64_t		 t;

	if (f->cfg.session == NULL ||
	    aws_sso_str(f->cache, "refreshToken") == NULL ||
	    aws_sso_str(f->cache, "clientId") == NULL ||
	    aws_sso_str(f->cache, "clientSecret") == NULL ||
	    (reg = aws_sso_str(f->cache, "registrationExpiresAt")) == NULL)
		return (0);
	return (aws_time_parse(reg, &t) == 0 && t > now);
}

/* Write the cache back: a temporary file beside it, then rename. */
static int
aws_sso_write_cache(struct aws_sso_fetch *f)
{
	char	*text, *tmp;
	size_t	 len, off = 0;
	ssize_t	 n;
	int	 fd, rv = -1;

	if ((text = cJSON_PrintUnformatted(f->cache)) == NULL)
		return (-1);
	len = strlen(text);
	xasprintf(&tmp, "%s.gatewayd.%ld", f->path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd != -1) {
		while (off < len && (n = write(fd, text + off, len - off)) > 0)
			off += n;
		if (off == len && fsync(fd) == 0 && close(fd) == 0) {
			fd = -1;
			rv = rename(tmp, f->path);
		}
		if (fd != -1)
			close(fd);
		if (rv != 0)
			unlink(tmp);
	}
	if (rv != 0)
		log_warn("profile %s: cannot rewrite %s", f->cfg.profile,
		    f->path);
	explicit_bzero(text, len);
	free(text);
	free(tmp);
	return (rv);
}

static void
aws_sso_set(cJSON *obj, const char *name, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
	cJSON_AddStringToObject(obj, name, value);
}

int
aws_sso_parse_token(const char *body, size_t len, char **token,
    char **refresh, int64_t *expires_in)
{
	cJSON		*json;
	const cJSON	*expires;
	const char	*tok, *ref;
	int		 rv = -1;

	*token = *refresh = NULL;
	json = cJSON_ParseWithLength(body, len);
	tok = aws_sso_str(json, "accessToken");
	expires = cJSON_GetObjectItemCaseSensitive(json, "expiresIn");
	/* Bounded before the conversion: a double past int64_t is UB. */
	if (tok != NULL && cJSON_IsNumber(expires) &&
	    expires->valuedouble >= 1 &&
	    expires->valuedouble <= AWS_SSO_MAX_EXPIRES_IN) {
		*token = xstrdup(tok);
		if ((ref = aws_sso_str(json, "refreshToken")) != NULL)
			*refresh = xstrdup(ref);
		*expires_in = (int64_t)expires->valuedouble;
		rv = 0;
	}
	cJSON_Delete(json);	/* holds tokens; cJSON cannot wipe them */
	return (rv);
}

static void
aws_sso_token_done(const struct aws_response *resp, void *arg)
{
	struct aws_sso_fetch	*f = arg;
	char			*tok, *refresh, when[32];
	int64_t			 expires_in;
	int64_t			 now = (int64_t)(clock_wall_ms() / 1000);

	f->call = NULL;
	if (!resp->ok || aws_sso_parse_token(resp->body, resp->body_len, &tok,
	    &refresh, &expires_in) != 0) {
		log_warnx("profile %s: SSO token refresh failed: %s",
		    f->cfg.profile, resp->ok ? "CreateToken: malformed answer" :
		    resp->error);
		if (f->token_exp > now + AWS_CREDS_MIN_LIFE) {
			aws_sso_get_role(f);	/* the old one still works */
			return;
		}
		aws_sso_login(f, "the SSO token expired and could not be "
		    "refreshed");
		aws_sso_finish(f, NULL, f->error);
		return;
	}
	freezero_str(f->token);
	f->token = tok;
	f->token_exp = now + expires_in;
	aws_time_format(f->token_exp, when, sizeof when);
	aws_sso_set(f->cache, "accessToken", tok);
	aws_sso_set(f->cache, "expiresAt", when);
	if (refresh != NULL)
		aws_sso_set(f->cache, "refreshToken", refresh);
	freezero_str(refresh);
	aws_sso_write_cache(f);
	aws_sso_get_role(f);
}

static void
aws_sso_refresh(struct aws_sso_fetch *f)
{
	struct aws_request	 req;
	cJSON			*body;
	char			*text;

	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "clientId",
	    aws_sso_str(f->cache, "clientId"));
	cJSON_AddStringToObject(body, "clientSecret",
	    aws_sso_str(f->cache, "clientSecret"));
	cJSON_AddStringToObject(body, "grantType", "refresh_token");
	cJSON_AddStringToObject(body, "refreshToken",
	    aws_sso_str(f->cache, "refreshToken"));
	text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	memset(&req, 0, sizeof req);
	req.service = "sso-oidc";
	req.operation = "CreateToken";
	req.proto = AWS_PROTO_REST;
	req.method = "POST";
	req.path = "/token";
	req.body = text;
	req.body_len = strlen(text);
	req.flags = AWS_CALL_UNSIGNED;
	req.region = f->cfg.region;
	f->call = aws_call_start(f->ctx, &req, aws_sso_token_done, f);
	freezero_str(text);
}

int
aws_sso_parse_role(const char *body, size_t len, struct aws_creds *out)
{
	cJSON		*json;
	const cJSON	*rc, *exp;
	const char	*akid, *secret, *token;
	int		 rv = -1;

	memset(out, 0, sizeof *out);
	json = cJSON_ParseWithLength(body, len);
	rc = cJSON_GetObjectItemCaseSensitive(json, "roleCredentials");
	akid = aws_sso_str(rc, "accessKeyId");
	secret = aws_sso_str(rc, "secretAccessKey");
	token = aws_sso_str(rc, "sessionToken");
	exp = cJSON_GetObjectItemCaseSensitive(rc, "expiration");
	/* Milliseconds, up to 9999-12-31: bounded before the conversion. */
	if (akid != NULL && secret != NULL && token != NULL &&
	    cJSON_IsNumber(exp) && isfinite(exp->valuedouble) &&
	    exp->valuedouble >= 0 && exp->valuedouble < 253402300800000.0) {
		out->access_key_id = xstrdup(akid);
		out->secret_access_key = xstrdup(secret);
		out->session_token = xstrdup(token);
		out->expiration = (int64_t)(exp->valuedouble / 1000);
		out->provider = xstrdup("sso");
		rv = 0;
	}
	cJSON_Delete(json);	/* holds secrets; cJSON cannot wipe them */
	return (rv);
}

static void
aws_sso_role_done(const struct aws_response *resp, void *arg)
{
	struct aws_sso_fetch	*f = arg;
	struct aws_creds	 c;

	f->call = NULL;
	if (!resp->ok) {
		if (resp->status == 401)
			aws_sso_login(f, "the SSO token is no longer accepted");
		else
			xasprintf(&f->error, "profile %s: %s", f->cfg.profile,
			    resp->error);
		aws_sso_finish(f, NULL, f->error);
		return;
	}
	if (aws_sso_parse_role(resp->body, resp->body_len, &c) != 0) {
		xasprintf(&f->error, "profile %s: GetRoleCredentials: "
		    "malformed answer", f->cfg.profile);
		aws_sso_finish(f, NULL, f->error);
		return;
	}
	c.account_id = xstrdup(f->cfg.account_id);
	f->cb(&c, NULL, f->arg);
	aws_creds_clear(&c);
	aws_sso_free(f);
}

static void
aws_sso_get_role(struct aws_sso_fetch *f)
{
	struct aws_request	 req;
	struct aws_header	 h;
	char			*query = NULL, *path;

	aws_sts_query_add(&query, "role_name", f->cfg.role_name);
	aws_sts_query_add(&query, "account_id", f->cfg.account_id);
	xasprintf(&path, "/federation/credentials?%s", query);
	free(query);
	h.name = "x-amz-sso_bearer_token";
	h.value = f->token;
	memset(&req, 0, sizeof req);
	req.service = "sso";
	req.operation = "GetRoleCredentials";
	req.proto = AWS_PROTO_REST;
	req.method = "GET";
	req.path = path;
	req.headers = &h;
	req.nheaders = 1;
	req.flags = AWS_CALL_UNSIGNED;
	req.region = f->cfg.region;
	f->call = aws_call_start(f->ctx, &req, aws_sso_role_done, f);
	free(path);
}

struct aws_sso_fetch *
aws_sso_fetch(struct aws_ctx *ctx, const struct aws_sso_config *cfg,
    aws_sso_cb cb, void *arg)
{
	struct aws_sso_fetch	*f;
	struct timeval		 tv = { 0, 0 };
	int64_t			 now = (int64_t)(clock_wall_ms() / 1000);

	f = xcalloc(1, sizeof *f);
	f->ctx = ctx;
	f->cb = cb;
	f->arg = arg;
	f->cfg.profile = xstrdup(cfg->profile);
	f->cfg.session = cfg->session ? xstrdup(cfg->session) : NULL;
	f->cfg.start_url = xstrdup(cfg->start_url);
	f->cfg.region = xstrdup(cfg->region);
	f->cfg.account_id = xstrdup(cfg->account_id);
	f->cfg.role_name = xstrdup(cfg->role_name);
	f->path = aws_sso_cache_path(cfg->session != NULL ? cfg->session :
	    cfg->start_url);
	if (f->path == NULL)
		aws_sso_login(f, "no home directory for the SSO token cache");
	else if (aws_sso_read_cache(f) == 0) {
		if (f->token_exp - now < AWS_SSO_REFRESH_WINDOW &&
		    aws_sso_can_refresh(f, now)) {
			aws_sso_refresh(f);
			return (f);
		}
		if (f->token_exp > now + AWS_CREDS_MIN_LIFE) {
			aws_sso_get_role(f);
			return (f);
		}
		aws_sso_login(f, "the cached SSO token has expired");
	}
	f->ev = evtimer_new(aws_client_base(aws_ctx_client(ctx)),
	    aws_sso_fail_cb, f);
	evtimer_add(f->ev, &tv);
	return (f);
}
