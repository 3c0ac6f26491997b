/*
 * aws.h: the AWS request layer every service call goes through.
 *
 * One struct aws_client per daemon holds what is shared: the HTTP engine,
 * the API budget, the retry quotas, the clock skew, the shared config
 * files and the credential providers. One struct aws_ctx per (profile,
 * region, endpoint override) is what a forward uses to make calls. A call
 * waits for the budget, takes one frozen credential snapshot, is signed
 * afresh each attempt, and is retried in AWS standard mode; its error
 * comes back as one line: "StartSession: AccessDeniedException: ...".
 */
#ifndef AWS_H
#define AWS_H

#include <stddef.h>
#include <stdint.h>

#include "aws_sigv4.h"

struct event_base;
struct aws_client;
struct aws_ctx;
struct aws_call;
struct aws_http;
struct aws_profiles;

/*
 * What gatewayd.conf can set ([gateway] keys; see the report for names,
 * defaults and help). Zero / NULL means "the default".
 */
struct aws_options {
	unsigned	 api_rate;		/* calls a second, gateway-wide */
	unsigned	 api_burst;		/* calls at once after a pause */
	unsigned	 max_attempts;		/* else AWS_MAX_ATTEMPTS, profile
						   max_attempts, 3 */
	unsigned	 connect_timeout;	/* ms, one attempt */
	unsigned	 call_timeout;		/* ms, one attempt */
	unsigned	 credential_process_timeout;	/* ms; 60 s */
	const char	*ca_bundle;		/* else AWS_CA_BUNDLE, profile
						   ca_bundle, system store */
	int		 interactive;		/* one-shot mode with a terminal */
	const char	*config_file;		/* else AWS_CONFIG_FILE, ~/.aws */
	const char	*credentials_file;
	unsigned	 backoff_base;		/* ms; tests only; 1000 */
};

#define AWS_CALL_TIMEOUT		30000
#define AWS_PROCESS_TIMEOUT		60000

/*
 * Make the client. Reads the shared files once; returns NULL and *cause if
 * one of them exists but does not parse.
 */
struct aws_client *aws_client_new(struct event_base *,
	    const struct aws_options *, char **cause);
/* Cancel every call (no callbacks) and free everything. */
void	 aws_client_free(struct aws_client *);
/*
 * Re-read the shared files and the proxy variables (SIGHUP). Providers
 * already made keep the source they resolved (and their cached
 * credentials); contexts and providers made afterwards see the new files.
 */
int	 aws_client_reload(struct aws_client *, char **cause);
struct event_base *aws_client_base(struct aws_client *);
struct aws_http *aws_client_http(struct aws_client *);
struct aws_profiles *aws_client_profiles(struct aws_client *);
const struct aws_options *aws_client_options(struct aws_client *);
/* The CA bundle in force (explicit, AWS_CA_BUNDLE, profile), or NULL
 * for the system store: WebSockets to Session Manager use it too. */
const char *aws_client_ca_bundle(struct aws_client *);
/* The clock offset (ms) applied when signing, learnt from skew errors. */
int64_t	 aws_client_skew(struct aws_client *);
/* Retry quota level of an endpoint URL (tests, status). */
unsigned aws_client_quota(struct aws_client *, const char *url);
/* Calls in flight, including those queued on the budget. */
unsigned aws_client_calls(struct aws_client *);

/*
 * A context: which profile (explicit, or AWS_PROFILE...), which region
 * (explicit, AWS_REGION, AWS_DEFAULT_REGION, profile, IMDS) and an
 * explicit endpoint URL (gatewayd.conf endpoint_url: used for ssm, kms
 * and ec2, the forward's own calls). Return NULL and *cause for a
 * configuration error (unknown profile, broken credential config, no
 * region anywhere).
 */
struct aws_ctx *aws_ctx_new(struct aws_client *, const char *profile,
	    const char *region, const char *endpoint_url, char **cause);
/*
 * An unsigned-or-fixed-credentials context for the credential providers'
 * own calls (STS, SSO): no provider of its own, no explicit endpoint.
 */
struct aws_ctx *aws_ctx_new_bare(struct aws_client *, const char *profile,
	    const char *region);
/*
 * A context with base's profile, region and endpoint settings whose
 * credentials are creds, handed in from outside (gatewayctl login):
 * nothing refreshes them; aws_ctx_set_creds() replaces them. Calls made
 * once they are within AWS_CREDS_MIN_LIFE of creds->expiration (0: never
 * expire) fail without being sent: "credentials of <label> expired".
 * label names them in messages ("user alice"). Freed with aws_ctx_free.
 */
struct aws_ctx *aws_ctx_new_fixed(struct aws_ctx *base,
	    const struct aws_creds *creds, const char *label);
void	 aws_ctx_set_creds(struct aws_ctx *fixed, const struct aws_creds *);
/*
 * A context with base's profile, region and endpoint settings whose
 * credentials come from sts:AssumeRole of role_arn as session_name,
 * signed with via's credentials (base itself, or a fixed context),
 * refreshed ahead of expiry like any assumed role. via must outlive it.
 * NULL and *cause if role_arn is not a role ARN or session_name is not
 * a RoleSessionName (aws_chain_session_name_ok).
 */
struct aws_ctx *aws_ctx_new_role(struct aws_ctx *base, struct aws_ctx *via,
	    const char *role_arn, const char *session_name, char **cause);
void	 aws_ctx_free(struct aws_ctx *);
/* NULL until known (it may come from IMDS on the first call). */
const char *aws_ctx_region(struct aws_ctx *);
const char *aws_ctx_profile(struct aws_ctx *);
struct aws_client *aws_ctx_client(struct aws_ctx *);
/*
 * The host of service's endpoint ("ssm", "ssmmessages") when an override
 * names it (endpoint_url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL,
 * the profile's), without brackets or port; NULL when the AWS rules
 * choose it or it cannot be resolved. Caller frees.
 */
char	*aws_ctx_endpoint_host(struct aws_ctx *, const char *service);
struct aws_creds_provider *aws_ctx_creds(struct aws_ctx *);
/* Call cb for every context of every client but those of fixed
 * credentials or a role (the metrics' expiries of the profiles). */
void	 aws_foreach_ctx(void (*cb)(struct aws_ctx *, void *), void *arg);

enum aws_protocol {
	AWS_PROTO_JSON,		/* JSON 1.1: POST /, X-Amz-Target */
	AWS_PROTO_QUERY,	/* STS: POST / form body, XML answers */
	AWS_PROTO_REST,		/* REST-JSON: method and path given */
};

#define AWS_CALL_UNSIGNED	0x1	/* no SigV4 (web identity, SSO) */
#define AWS_CALL_NOT_IDEMPOTENT	0x2	/* StartSession: aws-conventions 7.4 */

struct aws_request {
	const char		*service;	/* endpoint key: "ssm", "sts" */
	const char		*operation;	/* "StartSession", for messages */
	enum aws_protocol	 proto;
	const char		*target;	/* JSON: "AmazonSSM.StartSession" */
	const char		*method;	/* REST: "GET", "POST" */
	const char		*path;		/* REST: "/federation/credentials?..." */
	const char		*body;		/* copied */
	size_t			 body_len;
	const struct aws_header	*headers;	/* extra, copied, all sent and
						   signed; never logged */
	size_t			 nheaders;
	int			 flags;
	const struct aws_creds	*creds;		/* sign with these (copied);
						   NULL: the ctx's provider */
	const char		*region;	/* NULL: the ctx's region */
	void			*owned;		/* free()d with the call, even
						   when cancelled (service
						   layers keep their state
						   here) */
};

/* What came back. Valid during the callback only. */
struct aws_response {
	int		 ok;		/* 2xx */
	long		 status;	/* 0 if nothing came back */
	const char	*body;		/* NUL-terminated */
	size_t		 body_len;
	const char	*request_id;
	const char	*code;		/* NULL when ok */
	const char	*message;
	const char	*error;		/* "StartSession: Code: message" */
	int		 transport;	/* no AWS answer (or not parseable) */
	unsigned	 attempts;
};

typedef void (*aws_call_cb)(const struct aws_response *, void *arg);

/*
 * Start a call. The callback runs exactly once, from the loop, unless
 * aws_call_cancel() comes first; the call is freed after it returns.
 */
struct aws_call	*aws_call_start(struct aws_ctx *, const struct aws_request *,
		    aws_call_cb, void *arg);
void		 aws_call_cancel(struct aws_call *);
/*
 * A JSON 1.1 call: X-Amz-Target is prefix.operation. Takes body (freed,
 * wiped) and owned (see struct aws_request).
 */
struct aws_call	*aws_call_json(struct aws_ctx *, const char *service,
		    const char *prefix, const char *operation, char *body,
		    int flags, void *owned, aws_call_cb, void *arg);

#endif /* AWS_H */
