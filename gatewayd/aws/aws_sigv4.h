/*
 * aws_sigv4.h: AWS Signature Version 4, header signing and presigned URLs.
 * A pure codec: strings in, strings out; no I/O, no clock (the caller
 * passes the time), no globals. awsemu verifies signatures with the same
 * code, so the two can only disagree where the test vectors catch it.
 */
#ifndef AWS_SIGV4_H
#define AWS_SIGV4_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * One consistent snapshot of credentials ("frozen"): never sign with a mix
 * of old and new. Strings are owned by whoever made the struct; the creds
 * module wipes them when it replaces them.
 */
struct aws_creds {
	char		*access_key_id;
	char		*secret_access_key;
	char		*session_token;		/* NULL for long-term keys */
	int64_t		 expiration;		/* Unix seconds; 0 = never */
	char		*account_id;		/* informational; may be NULL */
	char		*provider;		/* "environment", "assume-role", ... */
};

struct aws_header {
	const char	*name;
	const char	*value;
};

struct aws_sigv4_request {
	const char		*method;	/* "GET", "POST" */
	/*
	 * The URL as sent: scheme://host[:port]/path[?query]. The Host
	 * header is derived from it (lower case, port only when not the
	 * default for the scheme) unless headers already carry one.
	 */
	const char		*url;
	const struct aws_header	*headers;	/* before signing */
	size_t			 nheaders;
	const void		*body;
	size_t			 body_len;

	const char		*region;	/* signing region */
	const char		*service;	/* signing name: "ssm", "sts" */
	time_t			 when;		/* signing time (UTC seconds) */

	int			 no_normalize;	/* S3 style: keep the path as is */
	int			 sign_body;	/* add and sign x-amz-content-sha256 */
	int			 omit_token;	/* add the token after signing */
	unsigned		 expires;	/* presign: X-Amz-Expires seconds */
};

/*
 * Everything a signature is made of, for tests and for the emulator's
 * error messages. All strings are allocated; aws_sigv4_result_free().
 */
struct aws_sigv4_result {
	char		*canonical_request;
	char		*string_to_sign;
	char		*signature;		/* lower-case hex */
	char		*signed_headers;	/* "content-type;host;x-amz-date" */
	char		*authorization;		/* header form only */
	char		*amz_date;		/* YYYYMMDDTHHMMSSZ */
	char		*presigned_url;		/* query form only */
	/* Headers the caller must add to the request (header form):
	 * X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256,
	 * Authorization, in that order. */
	struct aws_header *add;
	size_t		 nadd;
};

/* Sign in headers. Return 0, or -1 and *cause for an unusable request. */
int	aws_sigv4_sign(const struct aws_sigv4_request *,
	    const struct aws_creds *, struct aws_sigv4_result *, char **cause);
/* Presign: the auth goes into the query (X-Amz-Expires = req->expires). */
int	aws_sigv4_presign(const struct aws_sigv4_request *,
	    const struct aws_creds *, struct aws_sigv4_result *, char **cause);
void	aws_sigv4_result_free(struct aws_sigv4_result *);

/* The signing key for (secret, date YYYYMMDD, region, service). */
void	aws_sigv4_signing_key(const char *secret, const char *date,
	    const char *region, const char *service, uint8_t key[32]);

/* UriEncode as SigV4 defines it; encode_slash 0 keeps '/'. Caller frees. */
char	*aws_sigv4_uri_encode(const char *, size_t, int encode_slash);

/* Format t as YYYYMMDDTHHMMSSZ into out (17 bytes). */
void	aws_sigv4_amz_date(time_t t, char out[17]);

/*
 * Server side (awsemu): given a received request (method, path?query as
 * on the wire, headers as received, body) and a function that finds the
 * secret for an access key id, check its Authorization header or its
 * presigned query. Return 0 if valid; else -1 with *code set to the AWS
 * error code ("SignatureDoesNotMatch", "IncompleteSignature",
 * "UnrecognizedClientException", ...) and *cause to a message.
 */
typedef const struct aws_creds *(*aws_sigv4_lookup_cb)(const char *akid,
	    void *arg);
int	aws_sigv4_verify(const char *method, const char *target,
	    const struct aws_header *headers, size_t nheaders,
	    const void *body, size_t body_len, const char *scheme,
	    aws_sigv4_lookup_cb lookup, void *arg, time_t now,
	    const char **code, char **cause);

#endif /* AWS_SIGV4_H */
