/*
 * aws_sso.h: IAM Identity Center credentials (aws-conventions.md 2.6):
 * the token cache that `aws sso login` writes, its refresh through SSO
 * OIDC CreateToken (rewritten atomically), and GetRoleCredentials.
 * gatewayd never runs the interactive device flow itself.
 */
#ifndef AWS_SSO_H
#define AWS_SSO_H

#include <stddef.h>
#include <stdint.h>

struct aws_creds;
struct aws_ctx;
struct aws_sso_fetch;
struct cJSON;

#define AWS_SSO_REFRESH_WINDOW	(15 * 60)	/* seconds */
#define AWS_SSO_MAX_CACHE	(64 * 1024)
/* Longest token lifetime CreateToken may give (seconds). */
#define AWS_SSO_MAX_EXPIRES_IN	(366 * 86400)

struct aws_sso_config {
	char	*profile;
	char	*session;	/* sso_session name; NULL: legacy shape */
	char	*start_url;
	char	*region;
	char	*account_id;
	char	*role_name;
};

void	 aws_sso_config_clear(struct aws_sso_config *);

/* ~/.aws/sso/cache/<sha1 of key>.json; NULL without a home. Caller frees. */
char	*aws_sso_cache_path(const char *key);

typedef void (*aws_sso_cb)(const struct aws_creds *, const char *error,
	    void *arg);

/*
 * Read the cached token (refresh it if it is near its end and can be
 * refreshed), then GetRoleCredentials. ctx makes the calls (its region
 * is not used: SSO calls go to sso_region). Callback from the loop.
 */
struct aws_sso_fetch *aws_sso_fetch(struct aws_ctx *,
	    const struct aws_sso_config *, aws_sso_cb, void *arg);
void	 aws_sso_cancel(struct aws_sso_fetch *);

/*
 * The three documents, all from outside gatewayd. The token cache file as
 * `aws sso login` writes it: return the whole object (kept to rewrite it;
 * cJSON_Delete) with its accessToken in *token (caller frees) and its
 * expiresAt in *expires (Unix seconds), or NULL if it is not usable.
 */
struct cJSON *aws_sso_parse_cache(const char *, size_t, char **token,
	    int64_t *expires);
/*
 * SSO OIDC CreateToken's answer: 0 with *token, *refresh (NULL if none;
 * caller frees both) and *expires_in (1 to AWS_SSO_MAX_EXPIRES_IN
 * seconds), or -1.
 */
int	 aws_sso_parse_token(const char *, size_t, char **token,
	    char **refresh, int64_t *expires_in);
/*
 * GetRoleCredentials' answer: 0 with out filled in (provider "sso", no
 * account_id; aws_creds_clear frees it; an expiration by 9999), or -1.
 */
int	 aws_sso_parse_role(const char *, size_t, struct aws_creds *out);

#endif /* AWS_SSO_H */
