/*
 * aws_daemon.h: the AWS pieces one gatewayd shares between its forwards.
 *
 * One aws_client (HTTP engine, API budget, retry quotas, credential cache)
 * made on first use from the [gateway] keys, so a daemon with only tcp
 * forwards never reads ~/.aws; contexts shared by the forwards that name
 * the same profile, region and endpoint; the TLS client context the
 * Session Manager WebSockets use (the same CA bundle as the API calls);
 * the proxy for a WebSocket URL; and the control socket's whoami command.
 */
#ifndef AWS_DAEMON_H
#define AWS_DAEMON_H

struct aws_client;
struct aws_creds;
struct aws_ctx;
struct gw_config;
struct tls_client;

/*
 * Take the [gateway] keys of conf (at start and on every reload) and
 * register the whoami command. Options that only a new client could
 * apply (api_rate, timeouts, ca_bundle) are logged as taking effect at
 * the next start when they change while a client exists.
 */
void	 aws_daemon_configure(const struct gw_config *);
/* Re-read the shared AWS files and proxy variables (SIGHUP). */
void	 aws_daemon_reload(void);
/* Cancel everything in flight and free the client (at exit). */
void	 aws_daemon_stop(void);

/* The client, made on first use. NULL and *cause if the shared files
 * exist but do not parse. */
struct aws_client *aws_daemon_client(char **cause);

/*
 * The context for a forward: profile and region NULL mean the chain's
 * choice (AWS_PROFILE..., AWS_REGION...); endpoint_url NULL means the
 * AWS rules. Forwards with the same three share one context; release
 * each one taken. NULL and *cause on a configuration error.
 */
struct aws_ctx *aws_daemon_ctx(const char *profile, const char *region,
	    const char *endpoint_url, char **cause);
void	 aws_daemon_ctx_release(struct aws_ctx *);
/*
 * The same as aws_ctx_new_fixed() and aws_ctx_new_role() (aws.h),
 * registered with the daemon so that aws_daemon_identity() works for
 * them; never shared: release each with aws_daemon_ctx_release().
 */
struct aws_ctx *aws_daemon_ctx_fixed(struct aws_ctx *base,
	    const struct aws_creds *, const char *label);
struct aws_ctx *aws_daemon_ctx_role(struct aws_ctx *base, struct aws_ctx *via,
	    const char *role_arn, const char *session_name, char **cause);

/*
 * Who ctx's credentials are, for the audit records: the account and the
 * principal's ARN from STS GetCallerIdentity, as last learned (NULL while
 * not known), valid until the next call into this module. The first call
 * for a context, and the first after its credentials were fetched anew,
 * ask STS in the background: nothing waits for the answer.
 */
void	 aws_daemon_identity(struct aws_ctx *, const char **account,
	    const char **principal);

/* The TLS context for wss:// (the client's CA bundle). NULL and *cause
 * if the bundle cannot be read. */
struct tls_client *aws_daemon_tls(char **cause);

/* The HTTPS proxy a WebSocket to url goes through, or NULL. */
const char *aws_daemon_proxy(const char *url);

#endif /* AWS_DAEMON_H */
