/*
 * aws_creds.h: the credential provider chain (aws-conventions.md 2) and
 * the cache that refreshes credentials ahead of expiry.
 *
 * A provider is made once per (profile, explicit or not, region) and kept
 * by the client; configuration errors (partial environment keys, both or
 * neither of source_profile and credential_source, role cycles, an MFA
 * profile in daemon mode, incomplete SSO settings, a container URL that is
 * not allowed) come back when it is made. Fetching is asynchronous: the
 * first aws_creds_get() fetches, later ones get the cached snapshot until
 * a background refresh replaces it at min(15 min, lifetime / 2) before
 * expiry. One refresh runs at a time; a failed refresh keeps the old
 * credentials while they are valid (static stability) and tries again.
 */
#ifndef AWS_CREDS_H
#define AWS_CREDS_H

#include <stdint.h>

#include "aws_sigv4.h"

struct aws_chain_source;
struct aws_client;
struct aws_profiles;
struct aws_creds_cache;
struct aws_creds_provider;
struct aws_creds_wait;

/* Refresh when this much (or half the lifetime, if less) is left. */
#define AWS_CREDS_REFRESH_WINDOW	(15 * 60)	/* seconds */
/* Never hand out credentials with less than this left. */
#define AWS_CREDS_MIN_LIFE		30		/* seconds */

/*
 * Called once with a snapshot (copy what you keep: aws_creds_copy) or
 * with NULL and an error line ("unable to locate credentials: ...").
 */
typedef void (*aws_creds_cb)(const struct aws_creds *, const char *error,
	    void *arg);

struct aws_creds_cache *aws_creds_cache_new(void);
void	 aws_creds_cache_free(struct aws_creds_cache *);

/*
 * The provider for profile (already selected; is_explicit when it was
 * named in gatewayd.conf or on the command line) and region (for STS
 * calls; may be NULL). Return it, or NULL and *cause.
 */
struct aws_creds_provider *aws_creds_provider_get(struct aws_client *,
	    const char *profile, int is_explicit, const char *region,
	    char **cause);
/*
 * A provider of one's own for src (taken; aws_chain_fixed, aws_chain_role),
 * outside the client's cache: freed with aws_creds_provider_free. profile,
 * is_explicit and region are for its STS calls, as above.
 */
struct aws_creds_provider *aws_creds_provider_new(struct aws_client *,
	    const char *profile, int is_explicit, const char *region,
	    struct aws_chain_source *src);
void	 aws_creds_provider_free(struct aws_creds_provider *);
/*
 * Replace the keys of a provider made for aws_chain_fixed (the old ones
 * wiped): they count as a fetch (aws_creds_fetches).
 */
void	 aws_creds_provider_set(struct aws_creds_provider *,
	    const struct aws_creds *);
/* Which source the chain chose: "environment", "assume-role", ... */
const char *aws_creds_provider_source(struct aws_creds_provider *);

/*
 * Get credentials: cached if still good, else after a fetch. force asks
 * for a refresh even if the cache looks good (ExpiredToken). The callback
 * always runs from the loop, never inside this call.
 */
struct aws_creds_wait *aws_creds_get(struct aws_creds_provider *, int force,
	    aws_creds_cb, void *arg);
void	 aws_creds_cancel(struct aws_creds_wait *);
/* When the cached credentials expire (0: never or none yet). */
int64_t	 aws_creds_expiration(struct aws_creds_provider *);
/* Number of completed fetches (tests, status). */
unsigned aws_creds_fetches(struct aws_creds_provider *);

void	 aws_creds_copy(struct aws_creds *dst, const struct aws_creds *src);
/* Wipe the secrets and free every string. */
void	 aws_creds_clear(struct aws_creds *);

/*
 * The region without IMDS: explicit, AWS_REGION, AWS_DEFAULT_REGION, the
 * profile's region. NULL if none; *source says which ("AWS_REGION").
 */
const char *aws_creds_region(const struct aws_profiles *, const char *profile,
	    const char *explicit_region, const char **source);

/*
 * The when-to-refresh rule: given when the credentials were fetched and
 * when they expire (Unix seconds), the time to start a refresh.
 */
int64_t	 aws_creds_refresh_at(int64_t fetched, int64_t expiration);

/* The JSON credential documents read from outside gatewayd. */
enum aws_creds_doc {
	AWS_CREDS_DOC_PROCESS,		/* credential_process output */
	AWS_CREDS_DOC_CONTAINER,	/* the container endpoint's answer */
	AWS_CREDS_DOC_IMDS,		/* instance metadata's */
};

/*
 * Read a document of that kind into out, with provider as its source, and
 * return 0 (aws_creds_clear frees it); or return -1 and set *cause
 * ("container credentials: ..."; caller frees).
 */
int	 aws_creds_parse_doc(enum aws_creds_doc, const char *body,
	    size_t len, const char *provider, struct aws_creds *out,
	    char **cause);

#endif /* AWS_CREDS_H */
