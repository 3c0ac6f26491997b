/*
 * sigv4_verify.c: the server side of SigV4, for awsemu and the tests
 * (the daemon only signs). Parses the Authorization header or the
 * presigned query of a received request, finds the credentials through
 * the caller's lookup, checks the token, the expiry and the date,
 * recomputes the signature from the signed headers with the blocks of
 * sigv4_canon.c and compares it in constant time. Failures come back as
 * the AWS error code and message that the service in the credential
 * scope would send.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "aws_sigv4.h"
#include "sigv4_int.h"
#include "sigv4_verify.h"
#include "util.h"
#include "xmalloc.h"

/* The auth parameters of one request, wherever they came from. */
struct verify_auth {
	char		*credential;	/* AKID/DATE/REGION/... */
	char		*signed_headers;
	char		*signature;
	char		*amz_date;
	char		*token;		/* NULL when none was sent */
	int		 token_signed;
	unsigned	 expires;	/* presigned only */
};

/* Codes and HTTP statuses per fault, for the JSON services and for STS. */
static const struct {
	const char	*json;
	const char	*sts;
	int		 json_status;
	int		 sts_status;
	const char	*message;	/* NULL: built by the check */
} verify_codes[] = {
	[AWS_SIGV4_OK] = { NULL, NULL, 200, 200, NULL },
	[AWS_SIGV4_MISSING] = { "MissingAuthenticationToken",
	    "MissingAuthenticationToken", 403, 403,
	    "Request is missing Authentication Token" },
	[AWS_SIGV4_INCOMPLETE] = { "IncompleteSignature",
	    "IncompleteSignature", 400, 400, NULL },
	[AWS_SIGV4_UNKNOWN_KEY] = { "UnrecognizedClientException",
	    "InvalidClientTokenId", 400, 403,
	    "The security token included in the request is invalid." },
	[AWS_SIGV4_BAD_TOKEN] = { "UnrecognizedClientException",
	    "InvalidClientTokenId", 400, 403,
	    "The security token included in the request is invalid." },
	[AWS_SIGV4_EXPIRED_TOKEN] = { "ExpiredTokenException",
	    "ExpiredToken", 400, 400,
	    "The security token included in the request is expired" },
	[AWS_SIGV4_SKEWED] = { "InvalidSignatureException",
	    "SignatureDoesNotMatch", 400, 403, NULL },
	[AWS_SIGV4_EXPIRED_URL] = { "InvalidSignatureException",
	    "SignatureDoesNotMatch", 400, 403, NULL },
	[AWS_SIGV4_MISMATCH] = { "SignatureDoesNotMatch",
	    "SignatureDoesNotMatch", 403, 403,
	    "The request signature we calculated does not match the "
	    "signature you provided. Check your AWS Secret Access Key and "
	    "signing method. Consult the service documentation for "
	    "details." },
};

/* The presigned query parameters, in the order AWS names them. */
static const char *verify_query_required[] = {
	"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature",
	"X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires",
};

/* Set the verdict to a fault; message NULL takes the fixed one. */
static int
verify_fail(struct aws_sigv4_verdict *v, enum aws_sigv4_fault fault,
    char *message)
{
	int	sts;

	sts = v->service != NULL && strcmp(v->service, "sts") == 0;
	v->fault = fault;
	v->code = sts ? verify_codes[fault].sts : verify_codes[fault].json;
	v->status = sts ? verify_codes[fault].sts_status :
	    verify_codes[fault].json_status;
	free(v->message);
	if (message != NULL)
		v->message = message;
	else
		v->message = xstrdup(verify_codes[fault].message);
	return (-1);
}

static int
verify_incomplete(struct aws_sigv4_verdict *v, const char *message)
{
	return (verify_fail(v, AWS_SIGV4_INCOMPLETE, xstrdup(message)));
}

static void
verify_auth_free(struct verify_auth *a)
{
	free(a->credential);
	free(a->signed_headers);
	free(a->signature);
	free(a->amz_date);
	freezero_str(a->token);
}

/* Find the one header called name; -1 if it is there more than once. */
static int
verify_header(const struct aws_header *h, size_t n, const char *name,
    const char **value)
{
	size_t	i;
	int	found = 0;

	*value = NULL;
	for (i = 0; i < n; i++) {
		if (h[i].name == NULL || strcasecmp(h[i].name, name) != 0)
			continue;
		if (found++ > 0)
			return (-1);
		*value = h[i].value != NULL ? h[i].value : "";
	}
	return (0);
}

/* Take one "Name=value" of the Authorization header into *slot. */
static int
verify_auth_param(const char *p, size_t len, struct verify_auth *a,
    struct aws_sigv4_verdict *v)
{
	static const char	*names[] = {
		"Credential", "SignedHeaders", "Signature",
	};
	char			**slots[] = {
		&a->credential, &a->signed_headers, &a->signature,
	};
	const char		*eq;
	size_t			 i, nlen;
	char			*m;

	if ((eq = memchr(p, '=', len)) == NULL) {
		return (verify_incomplete(v, "Authorization header has a "
		    "parameter that is not a key=value pair"));
	}
	nlen = eq - p;
	for (i = 0; i < nitems(names); i++) {
		if (strlen(names[i]) != nlen || strncmp(p, names[i], nlen) != 0)
			continue;
		if (*slots[i] != NULL) {
			xasprintf(&m, "Authorization header has '%s' more "
			    "than once", names[i]);
			return (verify_fail(v, AWS_SIGV4_INCOMPLETE, m));
		}
		*slots[i] = xstrndup(eq + 1, len - nlen - 1);
		return (0);
	}
	return (0);	/* unknown parameters are ignored */
}

/* Parse "AWS4-HMAC-SHA256 Credential=.., SignedHeaders=.., Signature=..". */
static int
verify_parse_header(const char *authz, struct verify_auth *a,
    struct aws_sigv4_verdict *v)
{
	const char	*p, *end;
	size_t		 alen = strlen(SIGV4_ALGORITHM);
	char		*m = NULL, *tmp;

	if (strncmp(authz, SIGV4_ALGORITHM, alen) != 0 ||
	    (authz[alen] != ' ' && authz[alen] != '\t')) {
		return (verify_incomplete(v, "Authorization header requires "
		    "the 'AWS4-HMAC-SHA256' algorithm"));
	}
	for (p = authz + alen; *p != '\0'; p = end) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		end = p + strcspn(p, ",");
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (verify_auth_param(p, end - p, a, v) != 0)
			return (-1);
		end += strcspn(end, ",");
	}
	if (a->credential == NULL)
		m = xstrdup("Authorization header requires 'Credential' "
		    "parameter.");
	if (a->signature == NULL) {
		xasprintf(&tmp, "%s%sAuthorization header requires "
		    "'Signature' parameter.", m != NULL ? m : "",
		    m != NULL ? " " : "");
		free(m);
		m = tmp;
	}
	if (a->signed_headers == NULL) {
		xasprintf(&tmp, "%s%sAuthorization header requires "
		    "'SignedHeaders' parameter.", m != NULL ? m : "",
		    m != NULL ? " " : "");
		free(m);
		m = tmp;
	}
	if (m != NULL)
		return (verify_fail(v, AWS_SIGV4_INCOMPLETE, m));
	return (0);
}

/* Is name among the ';'-separated signed headers? */
static int
verify_is_signed(const char *list, const char *name)
{
	size_t	len = strlen(name), n;

	while (*list != '\0') {
		n = strcspn(list, ";");
		if (n == len && strncasecmp(list, name, n) == 0)
			return (1);
		list += n;
		if (*list == ';')
			list++;
	}
	return (0);
}

/* The header form: Authorization, X-Amz-Date and the token header. */
static int
verify_from_headers(const char *authz, const struct aws_header *h,
    size_t n, struct verify_auth *a, struct aws_sigv4_verdict *v)
{
	const char	*date, *token;

	if (verify_parse_header(authz, a, v) != 0)
		return (-1);
	if (verify_header(h, n, "X-Amz-Date", &date) != 0 ||
	    verify_header(h, n, "X-Amz-Security-Token", &token) != 0) {
		return (verify_incomplete(v, "X-Amz-Date or "
		    "X-Amz-Security-Token is sent more than once"));
	}
	if (date == NULL) {
		return (verify_incomplete(v, "Authorization header requires "
		    "existence of either a 'X-Amz-Date' or a 'Date' header."));
	}
	a->amz_date = xstrdup(date);
	if (token != NULL) {
		a->token = xstrdup(token);
		a->token_signed = verify_is_signed(a->signed_headers,
		    "x-amz-security-token");
	}
	return (0);
}

/* The query form: every X-Amz-* parameter exactly once. */
static int
verify_from_query(const char *q, size_t len, struct verify_auth *a,
    struct aws_sigv4_verdict *v)
{
	char		*vals[nitems(verify_query_required)];
	char		*alg, *end, *m;
	size_t		 i;
	unsigned long	 exp;
	int		 rv = -1;

	memset(vals, 0, sizeof vals);
	for (i = 0; i < nitems(verify_query_required); i++) {
		if (aws_sigv4_query_get(q, len, verify_query_required[i],
		    &vals[i]) != 1) {
			xasprintf(&m, "AWS query-string parameters must "
			    "include each of 'X-Amz-Algorithm', "
			    "'X-Amz-Credential', 'X-Amz-Signature', "
			    "'X-Amz-Date', 'X-Amz-SignedHeaders', "
			    "'X-Amz-Expires' once: %s is not",
			    verify_query_required[i]);
			verify_fail(v, AWS_SIGV4_INCOMPLETE, m);
			goto out;
		}
	}
	alg = vals[0];
	if (strcmp(alg, SIGV4_ALGORITHM) != 0) {
		verify_incomplete(v, "X-Amz-Algorithm only supports "
		    "'AWS4-HMAC-SHA256'");
		goto out;
	}
	exp = strtoul(vals[5], &end, 10);
	if (vals[5][0] < '0' || vals[5][0] > '9' || *end != '\0' ||
	    exp < 1 || exp > AWS_SIGV4_MAX_EXPIRES) {
		verify_incomplete(v, "X-Amz-Expires must be a number of "
		    "seconds from 1 to 604800 (a week)");
		goto out;
	}
	if (aws_sigv4_query_get(q, len, "X-Amz-Security-Token",
	    &a->token) < 0) {
		verify_incomplete(v, "X-Amz-Security-Token is malformed");
		goto out;
	}
	a->token_signed = 1;
	a->expires = exp;
	a->credential = vals[1];
	a->signature = vals[2];
	a->amz_date = vals[3];
	a->signed_headers = vals[4];
	vals[1] = vals[2] = vals[3] = vals[4] = NULL;
	rv = 0;
out:
	for (i = 0; i < nitems(vals); i++)
		free(vals[i]);
	return (rv);
}

/* Split AKID/DATE/REGION/SERVICE/aws4_request into the verdict. */
static int
verify_scope(const char *cred, struct aws_sigv4_verdict *v, char *date)
{
	const char	*part[5], *p = cred;
	size_t		 len[5], i;
	char		*m;

	for (i = 0; i < 5; i++) {
		part[i] = p;
		len[i] = strcspn(p, "/");
		p += len[i];
		if (*p == '/' && i < 4)
			p++;
		else if (i < 4 || *p != '\0')
			break;
	}
	if (i != 5 || len[0] == 0 || len[2] == 0 || len[3] == 0) {
		return (verify_incomplete(v, "Credential must have the form "
		    "<key id>/<date>/<region>/<service>/aws4_request"));
	}
	v->access_key_id = xstrndup(part[0], len[0]);
	v->region = xstrndup(part[2], len[2]);
	v->service = xstrndup(part[3], len[3]);
	if (len[4] != 12 || strncmp(part[4], "aws4_request", 12) != 0) {
		xasprintf(&m, "Credential should be scoped with a valid "
		    "terminator: 'aws4_request', not '%.*s'.",
		    (int)(len[4] > 32 ? 32 : len[4]), part[4]);
		return (verify_fail(v, AWS_SIGV4_INCOMPLETE, m));
	}
	if (len[1] != 8) {
		return (verify_incomplete(v, "Credential should be scoped to "
		    "a date in the form yyyyMMdd"));
	}
	memcpy(date, part[1], 8);
	date[8] = '\0';
	return (0);
}

/* Compare the request's token with the key's, in constant time. */
static int
verify_token(const struct aws_creds *creds, const struct verify_auth *a)
{
	size_t	len;

	if (creds->session_token == NULL || a->token == NULL)
		return (creds->session_token == NULL && a->token == NULL);
	len = strlen(creds->session_token);
	if (strlen(a->token) != len)
		return (0);
	return (CRYPTO_memcmp(creds->session_token, a->token, len) == 0);
}

/* Check the request time against now: skew, or a presigned URL's life. */
static int
verify_time(time_t t, time_t now, const struct verify_auth *a,
    struct aws_sigv4_verdict *v, int presigned)
{
	char	d1[17], d2[17], *m;
	time_t	limit;

	if (t > now + AWS_SIGV4_MAX_SKEW) {
		aws_sigv4_amz_date(now + AWS_SIGV4_MAX_SKEW, d1);
		aws_sigv4_amz_date(now, d2);
		xasprintf(&m, "Signature not yet current: %s is still later "
		    "than %s (%s + %d min.)", a->amz_date, d1, d2,
		    AWS_SIGV4_MAX_SKEW / 60);
		return (verify_fail(v, AWS_SIGV4_SKEWED, m));
	}
	limit = presigned ? (time_t)a->expires : AWS_SIGV4_MAX_SKEW;
	if (t < now - limit) {
		aws_sigv4_amz_date(now - limit, d1);
		aws_sigv4_amz_date(now, d2);
		if (presigned) {
			xasprintf(&m, "Signature expired: %s is now earlier "
			    "than %s (%s - %lld sec.)", a->amz_date, d1, d2,
			    (long long)limit);
			return (verify_fail(v, AWS_SIGV4_EXPIRED_URL, m));
		}
		xasprintf(&m, "Signature expired: %s is now earlier than %s "
		    "(%s - %d min.)", a->amz_date, d1, d2,
		    AWS_SIGV4_MAX_SKEW / 60);
		return (verify_fail(v, AWS_SIGV4_SKEWED, m));
	}
	return (0);
}

/* Recompute the signature over the signed headers and compare. */
static int
verify_signature(const char *method, const char *path, size_t pathlen,
    const char *query, size_t querylen, const struct aws_header *h, size_t n,
    const void *body, size_t body_len, const struct aws_creds *creds,
    const struct verify_auth *a, int flags, struct aws_sigv4_verdict *v)
{
	struct aws_header	*sel;
	size_t			 i, nsel = 0;
	char			 payload[2 * SHA256_LEN + 1], sig[65];
	char			*creq, *list, *sts, *cause;
	int			 ok;

	sel = xreallocarray(NULL, n + 1, sizeof *sel);
	for (i = 0; i < n; i++) {
		if (h[i].name != NULL &&
		    verify_is_signed(a->signed_headers, h[i].name))
			sel[nsel++] = h[i];
	}
	util_sha256_hex(body != NULL ? body : "", body_len, payload);
	if (aws_sigv4_canonical_request(method, path, pathlen, query,
	    querylen, "X-Amz-Signature", sel, nsel, payload, flags, &creq, &list,
	    &cause) != 0) {
		free(sel);
		return (verify_fail(v, AWS_SIGV4_INCOMPLETE, cause));
	}
	free(sel);
	sts = aws_sigv4_string_to_sign(a->amz_date, v->region, v->service,
	    creq);
	aws_sigv4_signature(creds->secret_access_key, a->amz_date, v->region,
	    v->service, sts, sig);
	ok = strlen(a->signature) == 64 &&
	    CRYPTO_memcmp(sig, a->signature, 64) == 0;
	freezero_str(creq);
	free(list);
	free(sts);
	explicit_bzero(sig, sizeof sig);
	if (!ok)
		return (verify_fail(v, AWS_SIGV4_MISMATCH, NULL));
	return (0);
}

/* Find the auth parameters in the headers or the query. */
static int
verify_parse(const struct aws_header *h, size_t n, const char *query,
    size_t querylen, struct verify_auth *a, struct aws_sigv4_verdict *v)
{
	const char	*authz;
	int		 inquery;

	if (verify_header(h, n, "Authorization", &authz) != 0)
		return (verify_incomplete(v, "Authorization is sent twice"));
	inquery = aws_sigv4_query_get(query, querylen, "X-Amz-Algorithm",
	    NULL) != 0 || aws_sigv4_query_get(query, querylen,
	    "X-Amz-Credential", NULL) != 0 || aws_sigv4_query_get(query,
	    querylen, "X-Amz-Signature", NULL) != 0;
	if (authz != NULL && inquery) {
		return (verify_incomplete(v, "Only one auth mechanism "
		    "allowed; only the X-Amz-Algorithm query parameter or "
		    "the Authorization header should be specified"));
	}
	if (authz == NULL && !inquery)
		return (verify_fail(v, AWS_SIGV4_MISSING, NULL));
	v->presigned = inquery;
	if (inquery)
		return (verify_from_query(query, querylen, a, v));
	return (verify_from_headers(authz, h, n, a, v));
}

/* Check the parsed parameters before any key is looked up. */
static int
verify_parsed(const struct verify_auth *a, struct aws_sigv4_verdict *v,
    time_t *t)
{
	char	date[9], *m;

	if (verify_scope(a->credential, v, date) != 0)
		return (-1);
	v->amz_date = xstrdup(a->amz_date);
	if (aws_sigv4_parse_amz_date(a->amz_date, t) != 0) {
		return (verify_incomplete(v, "X-Amz-Date must be in the "
		    "ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""));
	}
	if (!verify_is_signed(a->signed_headers, "host")) {
		return (verify_incomplete(v, "'Host' or ':authority' must be "
		    "a 'SignedHeader' in the AWS Authorization."));
	}
	if (a->token != NULL && !a->token_signed) {
		return (verify_incomplete(v, "'X-Amz-Security-Token' must be "
		    "a 'SignedHeader' in the AWS Authorization."));
	}
	if (strncmp(date, a->amz_date, 8) != 0) {
		xasprintf(&m, "Date in Credential scope does not match "
		    "YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != "
		    "'%.8s', from '%s'.", date, a->amz_date, a->amz_date);
		return (verify_fail(v, AWS_SIGV4_MISMATCH, m));
	}
	return (0);
}

/* Split a request target into path and query; absolute form allowed. */
static int
verify_target(const char *target, const char **path, size_t *pathlen,
    const char **query, size_t *querylen)
{
	const char	*p;

	if (strlen(target) > AWS_SIGV4_MAX_URL)
		return (-1);
	if (*target != '/') {
		if ((p = strstr(target, "://")) == NULL)
			return (-1);
		p += 3;
		target = p + strcspn(p, "/?");
	}
	*path = target;
	*pathlen = strcspn(target, "?");
	*query = NULL;
	*querylen = 0;
	if (target[*pathlen] == '?') {
		*query = target + *pathlen + 1;
		*querylen = strlen(*query);
	}
	return (0);
}

int
aws_sigv4_check(const char *method, const char *target,
    const struct aws_header *headers, size_t nheaders, const void *body,
    size_t body_len, const char *scheme, aws_sigv4_lookup_cb lookup,
    void *arg, time_t now, int flags, struct aws_sigv4_verdict *v)
{
	struct verify_auth	 a;
	const struct aws_creds	*creds;
	const char		*path, *query;
	size_t			 pathlen, querylen;
	time_t			 t;
	int			 rv = -1;

	memset(v, 0, sizeof *v);
	memset(&a, 0, sizeof a);
	v->status = 200;
	if (method == NULL || target == NULL || lookup == NULL ||
	    (nheaders > 0 && headers == NULL) ||
	    nheaders > AWS_SIGV4_MAX_HEADERS ||
	    verify_target(target, &path, &pathlen, &query, &querylen) != 0)
		return (verify_incomplete(v, "request is malformed"));
	if (verify_parse(headers, nheaders, query, querylen, &a, v) != 0 ||
	    verify_parsed(&a, v, &t) != 0)
		goto out;
	if ((creds = lookup(v->access_key_id, arg)) == NULL ||
	    creds->secret_access_key == NULL) {
		verify_fail(v, AWS_SIGV4_UNKNOWN_KEY, NULL);
		goto out;
	}
	if (!verify_token(creds, &a)) {
		verify_fail(v, AWS_SIGV4_BAD_TOKEN, NULL);
		goto out;
	}
	if (creds->expiration != 0 && now >= creds->expiration) {
		verify_fail(v, AWS_SIGV4_EXPIRED_TOKEN, NULL);
		goto out;
	}
	if (verify_time(t, now, &a, v, v->presigned) != 0 ||
	    verify_signature(method, path, pathlen, query, querylen, headers,
	    nheaders, body, body_len, creds, &a, flags, v) != 0)
		goto out;
	rv = 0;
out:
	verify_auth_free(&a);
	return (rv);
}

int
aws_sigv4_verify(const char *method, const char *target,
    const struct aws_header *headers, size_t nheaders, const void *body,
    size_t body_len, const char *scheme, aws_sigv4_lookup_cb lookup,
    void *arg, time_t now, const char **code, char **cause)
{
	struct aws_sigv4_verdict	v;
	int				rv;

	rv = aws_sigv4_check(method, target, headers, nheaders, body,
	    body_len, scheme, lookup, arg, now, 0, &v);
	if (rv != 0) {
		*code = v.code;
		*cause = v.message;
		v.message = NULL;
	}
	aws_sigv4_verdict_free(&v);
	return (rv);
}

void
aws_sigv4_verdict_free(struct aws_sigv4_verdict *v)
{
	if (v == NULL)
		return;
	free(v->message);
	free(v->access_key_id);
	free(v->region);
	free(v->service);
	free(v->amz_date);
	memset(v, 0, sizeof *v);
}
