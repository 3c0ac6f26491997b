/*
 * sigv4_verify.h: the server side of SigV4, for awsemu, the fake servers
 * of the unit tests and the fuzzers; the daemon only signs (aws_sigv4.h)
 * and does not link this.
 */
#ifndef SIGV4_VERIFY_H
#define SIGV4_VERIFY_H

#include <stddef.h>
#include <time.h>

#include "aws_sigv4.h"

/* How many seconds a signing date may be off the verifier's clock. */
#define AWS_SIGV4_MAX_SKEW	300

/*
 * Given a received request (method, path?query as on the wire, headers
 * as received, body) and a function that finds the credentials for an
 * access key id, check its Authorization header or its presigned query. Return 0 if valid; else -1 with *code set to the
 * AWS error code ("SignatureDoesNotMatch", "IncompleteSignature",
 * "UnrecognizedClientException", ...) and *cause to the AWS-style
 * message (caller frees). aws_sigv4_check() below says more.
 */
typedef const struct aws_creds *(*aws_sigv4_lookup_cb)(const char *akid,
	    void *arg);
int	aws_sigv4_verify(const char *method, const char *target,
	    const struct aws_header *headers, size_t nheaders,
	    const void *body, size_t body_len, const char *scheme,
	    aws_sigv4_lookup_cb lookup, void *arg, time_t now,
	    const char **code, char **cause);

/* Why a request failed verification, independent of the service. */
enum aws_sigv4_fault {
	AWS_SIGV4_OK = 0,
	AWS_SIGV4_MISSING,	/* no Authorization, no X-Amz-* query */
	AWS_SIGV4_INCOMPLETE,	/* garbled or incomplete auth parameters */
	AWS_SIGV4_UNKNOWN_KEY,	/* lookup found no such access key */
	AWS_SIGV4_BAD_TOKEN,	/* session token missing, extra or wrong */
	AWS_SIGV4_EXPIRED_TOKEN, /* the credentials have expired */
	AWS_SIGV4_SKEWED,	/* date more than AWS_SIGV4_MAX_SKEW off */
	AWS_SIGV4_EXPIRED_URL,	/* presigned URL past X-Amz-Expires */
	AWS_SIGV4_MISMATCH,	/* signature does not match */
};

/*
 * The verdict on one request. code and status follow what the service in
 * the credential scope answers: STS's query-protocol names for sts
 * (InvalidClientTokenId, ExpiredToken, SignatureDoesNotMatch also for a
 * stale date), the JSON services' names otherwise
 * (UnrecognizedClientException, ExpiredTokenException,
 * InvalidSignatureException for a stale date or an expired presigned
 * URL); SignatureDoesNotMatch, IncompleteSignature and
 * MissingAuthenticationToken everywhere. An emulator that wants other
 * names (EC2's AuthFailure, say) can switch on fault. Strings are
 * allocated; aws_sigv4_verdict_free().
 */
struct aws_sigv4_verdict {
	enum aws_sigv4_fault	 fault;
	const char		*code;		/* NULL when valid */
	int			 status;	/* HTTP; 200 when valid */
	char			*message;	/* NULL when valid */
	int			 presigned;	/* auth in the query */
	/* The credential scope, once parsed (else NULL): */
	char			*access_key_id;
	char			*region;
	char			*service;
	char			*amz_date;
};

/*
 * Check a received request as aws_sigv4_verify() does and fill v. Return
 * 0 if valid, else -1. The order of the checks: the auth parameters are
 * parsed (MISSING, INCOMPLETE; host must be signed, a session token
 * must be signed; a credential scope whose date is not that of X-Amz-Date
 * is a MISMATCH), the key is looked up (UNKNOWN_KEY), its token
 * compared (BAD_TOKEN) and its expiry (EXPIRED_TOKEN), the date checked
 * against now (SKEWED; EXPIRED_URL for a presigned URL, which may be used
 * until X-Amz-Expires has passed), then the signature is recomputed from
 * the signed headers only and compared in constant time (MISMATCH). The
 * body is always hashed (no S3 rules: the path is normalised, and
 * UNSIGNED-PAYLOAD is not accepted). scheme is "http" or "https" and may
 * be NULL; it is not part of the signature. flags: 0, or SIGV4_FORM_QUERY
 * (aws_sigv4.h) to verify a data-channel upgrade as the official client
 * signs it.
 */
int	aws_sigv4_check(const char *method, const char *target,
	    const struct aws_header *headers, size_t nheaders,
	    const void *body, size_t body_len, const char *scheme,
	    aws_sigv4_lookup_cb lookup, void *arg, time_t now, int flags,
	    struct aws_sigv4_verdict *v);
void	aws_sigv4_verdict_free(struct aws_sigv4_verdict *);

#endif /* SIGV4_VERIFY_H */
