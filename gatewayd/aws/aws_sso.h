/*
 * aws_sso.h: IAM Identity Center credentials (aws-conventions.md 2.6):
 * the token cache that `aws sso login` writes, its refresh through SSO
 * OIDC CreateToken (rewritten atomically), and GetRoleCredentials.
 * gatewayd never runs the interactive device flow itself.
 */
#ifndef AWS_SSO_H
#define AWS_SSO_H

#include <stdint.h>

struct aws_creds;
struct aws_ctx;
struct aws_sso_fetch;

#define AWS_SSO_REFRESH_WINDOW	(15 * 60)	/* seconds */
#define AWS_SSO_MAX_CACHE	(64 * 1024)

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

#endif /* AWS_SSO_H */
