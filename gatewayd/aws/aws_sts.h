/*
 * aws_sts.h: STS, query protocol in, XML out (aws-conventions.md 6).
 *
 * The codec (sts_xml.c) is pure: the form-encoded request body and the
 * XML reader, which finds elements by local name with libxml2 and ignores
 * what it does not know. The calls (sts.c) go through the request layer.
 */
#ifndef AWS_STS_H
#define AWS_STS_H

#include <stddef.h>
#include <stdint.h>

struct aws_error;

/* What AssumeRole*, GetCallerIdentity return. All strings allocated. */
struct aws_sts_result {
	char	*access_key_id;		/* AssumeRole* */
	char	*secret_access_key;
	char	*session_token;
	int64_t	 expiration;		/* Unix seconds */
	char	*arn;			/* AssumedRoleUser/Arn, or Arn */
	char	*account;		/* Account, or taken from the ARN */
	char	*user_id;		/* UserId, or AssumedRoleId */
	char	*request_id;		/* ResponseMetadata/RequestId */
};

/*
 * Parse the success body of op ("AssumeRole", "AssumeRoleWithWebIdentity",
 * "GetCallerIdentity"). Return 0, or -1 and *cause ("not XML", "no
 * Credentials/SecretAccessKey in the response").
 */
int	 aws_sts_xml_parse(const char *op, const char *body, size_t len,
	    struct aws_sts_result *, char **cause);
/*
 * Parse an ErrorResponse: Error/Code and Error/Message. Always fills err;
 * a body that is not an ErrorResponse sets err->unparsed and keeps its
 * text as the message. Return 0 if it was an ErrorResponse, else -1.
 */
int	 aws_sts_xml_error(long status, const char *body, size_t len,
	    struct aws_error *err);
/* Wipe and free. */
void	 aws_sts_result_clear(struct aws_sts_result *);

/* Append "&key=value" (or "key=value" to an empty body), encoded. */
void	 aws_sts_query_add(char **body, const char *key, const char *value);
/* The account id of an ARN (its fifth field), or NULL. Caller frees. */
char	*aws_sts_arn_account(const char *arn);

/* The calls (sts.c). */
struct aws_call;
struct aws_ctx;
struct aws_creds;

struct aws_sts_assume_role {
	const char	*role_arn;
	const char	*session_name;
	const char	*external_id;	/* NULL: none */
	unsigned	 duration;	/* seconds; 0: the service's default */
};

/* r is NULL on failure, with error ("AssumeRole: AccessDenied: ..."). */
typedef void (*aws_sts_cb)(const struct aws_sts_result *r,
	    const char *error, void *arg);

/* AssumeRole signed with source (not the ctx's provider). */
struct aws_call	*aws_sts_assume_role(struct aws_ctx *,
		    const struct aws_sts_assume_role *,
		    const struct aws_creds *source, aws_sts_cb, void *arg);
/* AssumeRoleWithWebIdentity, unsigned. */
struct aws_call	*aws_sts_assume_role_web_identity(struct aws_ctx *,
		    const char *role_arn, const char *session_name,
		    const char *token, aws_sts_cb, void *arg);
/* GetCallerIdentity with the ctx's credentials. */
struct aws_call	*aws_sts_get_caller_identity(struct aws_ctx *, aws_sts_cb,
		    void *arg);
/* The same signed with creds (gatewayctl login: credentials the daemon
 * was handed, checked before it keeps them); NULL: the ctx's. */
struct aws_call	*aws_sts_get_caller_identity_with(struct aws_ctx *,
		    const struct aws_creds *creds, aws_sts_cb, void *arg);

/*
 * whoami: for a context, resolve its credentials and call
 * GetCallerIdentity. What `gatewayctl whoami [--profile P]` shows.
 */
struct aws_sts_whoami {
	const char	*profile;
	const char	*account;
	const char	*arn;
	const char	*user_id;
	const char	*source;	/* "assume-role", "sso", ... */
	int64_t		 expiration;	/* Unix seconds; 0: never */
};
struct aws_sts_whoami_req;
typedef void (*aws_sts_whoami_cb)(const struct aws_sts_whoami *,
	    const char *error, void *arg);
struct aws_sts_whoami_req *aws_sts_whoami(struct aws_ctx *,
		    aws_sts_whoami_cb, void *arg);
void		 aws_sts_whoami_cancel(struct aws_sts_whoami_req *);

#endif /* AWS_STS_H */
