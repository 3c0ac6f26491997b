/*
 * aws_sigv4.h: AWS Signature Version 4, header signing and presigned URLs.
 * A pure codec: strings in, strings out; no I/O, no clock (the caller
 * passes the time), no globals. awsemu verifies signatures with the same
 * blocks (tests/lib/sigv4_verify.h), so the two can only disagree where
 * the test vectors catch it.
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

/*
 * Limits on what the signer and the verifier accept: bytes in a URL or
 * request target, headers in a request, X-Amz-Expires (7 days).
 */
#define AWS_SIGV4_MAX_URL	65536
#define AWS_SIGV4_MAX_HEADERS	256
#define AWS_SIGV4_MAX_EXPIRES	604800

struct aws_sigv4_request {
	const char		*method;	/* "GET", "POST" */
	/*
	 * The URL as sent: scheme://host[:port]/path[?query]. No user info,
	 * no fragment, no control characters. The path and query are
	 * signed as they appear here (the signer normalises and encodes
	 * them, see aws-conventions.md 8.2), so pass them as they go on the
	 * wire. The query must not carry X-Amz-* auth parameters already
	 * (a presigned URL is sent as it is). The Host header is derived
	 * from the URL (lower case, the port only when it is not the
	 * default of http, https, ws or wss, brackets around IPv6) unless
	 * headers already carry one.
	 */
	const char		*url;
	/*
	 * Headers to sign, before signing. Every header passed here is
	 * signed, so pass exactly those the server must see unchanged
	 * (Content-Type, X-Amz-Target, ...) and send them with these
	 * values. Do not pass headers that the HTTP client or a proxy may
	 * add or rewrite: User-Agent, Expect, Accept-Encoding, Connection,
	 * Transfer-Encoding, Content-Length. X-Amz-Date, Authorization,
	 * X-Amz-Security-Token (and x-amz-content-sha256 with sign_body)
	 * are the signer's to add: passing them is an error. Names are
	 * HTTP tokens; values must not hold CR, LF or other controls but
	 * tab. Repeated names are joined with ',' in the order given.
	 */
	const struct aws_header	*headers;
	size_t			 nheaders;
	const void		*body;
	size_t			 body_len;

	const char		*region;	/* signing region */
	const char		*service;	/* signing name: "ssm", "sts" */
	time_t			 when;		/* signing time (UTC seconds) */

	int			 no_normalize;	/* S3 style: keep the path as is */
	/*
	 * Read the query as a form (Go's url.Query()): a '+' is a space,
	 * signed as %20. Only the Session Manager data channel's upgrade
	 * is signed so (ssm-data-channel.md 3.2); API calls never are.
	 */
	int			 form_query;
	/* Header form only: add and sign x-amz-content-sha256. */
	int			 sign_body;
	int			 omit_token;	/* add the token after signing */
	/* Presign: X-Amz-Expires seconds, 1 to AWS_SIGV4_MAX_EXPIRES. */
	unsigned		 expires;
	/* S3 presign: the payload line is "UNSIGNED-PAYLOAD". */
	int			 unsigned_payload;
};

/*
 * Everything a signature is made of, for tests and for the emulator's
 * error messages; host is the Host value the signature covers (send
 * exactly that) and payload_hash the last line of the canonical request.
 * All strings are allocated; aws_sigv4_result_free()
 * wipes and frees them. canonical_request and presigned_url may hold the
 * session token and presigned_url is a credential in itself: never log
 * them, nor signature or authorization.
 */
struct aws_sigv4_result {
	char		*canonical_request;
	char		*string_to_sign;
	char		*signature;		/* lower-case hex */
	char		*signed_headers;	/* "content-type;host;x-amz-date" */
	char		*authorization;		/* header form only */
	char		*amz_date;		/* YYYYMMDDTHHMMSSZ */
	char		*presigned_url;		/* query form only */
	char		*host;
	char		*payload_hash;		/* its last line */
	/*
	 * Headers the caller must add to the request (header form):
	 * X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256,
	 * Authorization, in that order. Names are static strings, values
	 * belong to the result. Host is not among them: it is the HTTP
	 * client's to send, with the value the URL gives. Empty in the
	 * query form.
	 */
	struct aws_header *add;
	size_t		 nadd;
};

/*
 * Sign in headers. Return 0, or -1 and *cause (caller frees) for an
 * unusable request: a URL, header, method, region, service, time or key
 * the signer cannot put into a signature. On -1 the result holds nothing
 * to free, though aws_sigv4_result_free() is harmless.
 */
int	aws_sigv4_sign(const struct aws_sigv4_request *,
	    const struct aws_creds *, struct aws_sigv4_result *, char **cause);
/*
 * Presign: the auth goes into the query (X-Amz-Expires = req->expires).
 * The URL keeps its own query first, as given, then the X-Amz-*
 * parameters, X-Amz-Signature last.
 */
int	aws_sigv4_presign(const struct aws_sigv4_request *,
	    const struct aws_creds *, struct aws_sigv4_result *, char **cause);
void	aws_sigv4_result_free(struct aws_sigv4_result *);

/* The signing key for (secret, date YYYYMMDD, region, service). */
void	aws_sigv4_signing_key(const char *secret, const char *date,
	    const char *region, const char *service, uint8_t key[32]);

/* UriEncode as SigV4 defines it; encode_slash 0 keeps '/'. Caller frees. */
char	*aws_sigv4_uri_encode(const char *, size_t, int encode_slash);

/*
 * Format t as YYYYMMDDTHHMMSSZ into out (17 bytes). t must fall in the
 * years 1970 to 9999; aws_sigv4_sign() checks that, this does not.
 */
void	aws_sigv4_amz_date(time_t t, char out[17]);
/* Parse YYYYMMDDTHHMMSSZ strictly; return 0 and set *t, or -1. */
int	aws_sigv4_parse_amz_date(const char *, time_t *t);

/*
 * Building blocks shared by the signer and the verifier, for tests.
 * The canonical request of method, a raw path (as on the wire), a raw
 * query (without '?', may be NULL; the parameter named skip_param, if
 * not NULL, is left out) and the headers to sign, ending in
 * payload_hash. Return 0 and set *creq and *signed_headers (caller
 * frees), or -1 and *cause.
 */
#define SIGV4_PATH_AS_IS	0x1	/* S3: the path as sent, not normalised */
#define SIGV4_FORM_QUERY	0x2	/* the query read as a form (form_query) */
int	aws_sigv4_canonical_request(const char *method, const char *path,
	    size_t pathlen, const char *query, size_t querylen,
	    const char *skip_param, const struct aws_header *headers,
	    size_t nheaders, const char *payload_hash, int flags,
	    char **creq, char **signed_headers, char **cause);
/*
 * Look key up in a raw query (keys and values are compared and returned
 * %XX-decoded; '+' is a plus). Return how many times it occurs and, if
 * value is not NULL and it occurs, its first value in *value (caller
 * frees); or -1 if that value decodes to a NUL byte.
 */
int	aws_sigv4_query_get(const char *query, size_t len, const char *key,
	    char **value);
/* The string to sign for a canonical request. Caller frees. */
char	*aws_sigv4_string_to_sign(const char *amz_date, const char *region,
	    const char *service, const char *creq);
/* Hex HMAC of the string to sign with the derived key, into out. */
void	aws_sigv4_signature(const char *secret, const char *amz_date,
	    const char *region, const char *service, const char *sts,
	    char out[65]);

#endif /* AWS_SIGV4_H */
