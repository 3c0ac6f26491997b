/*
 * sigv4.c: AWS Signature Version 4 signing, in headers and as presigned
 * URLs (aws-conventions.md section 8). Checks what the caller passes,
 * takes the URL apart and derives the Host header, adds the headers or
 * query parameters SigV4 wants and signs with the blocks of
 * sigv4_canon.c. No clock, no I/O and no state: the caller passes the time
 * and the credentials and sends what comes back. Verification of received
 * requests, for the emulator and the tests, is in tests/lib/sigv4_verify.c.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_sigv4.h"
#include "sigv4_int.h"
#include "util.h"
#include "xmalloc.h"

#define SIGV4_UNSIGNED		"UNSIGNED-PAYLOAD"
#define SIGV4_MAX_SECRET	4096

/* The parts of a URL the signer needs. */
struct sigv4_url {
	char		*host;		/* Host header value */
	const char	*path;		/* raw, as on the wire */
	size_t		 pathlen;
	const char	*query;		/* without '?'; NULL if none */
	size_t		 querylen;
};

/* The auth parameters a presigned URL adds, in the order it adds them. */
static const char *sigv4_query_auth[] = {
	"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	"X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature",
};

/* A region, service or access key id: unreserved characters only, so that
 * it needs no encoding in a credential scope. */
static int
sigv4_scope_part_ok(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 128)
		return (0);
	for (; *s != '\0'; s++) {
		if (!sigv4_is_unreserved(*s))
			return (0);
	}
	return (1);
}

static int
sigv4_port_default(const char *scheme, size_t len, unsigned long port)
{
	if ((len == 4 && strncasecmp(scheme, "http", 4) == 0) ||
	    (len == 2 && strncasecmp(scheme, "ws", 2) == 0))
		return (port == 80);
	if ((len == 5 && strncasecmp(scheme, "https", 5) == 0) ||
	    (len == 3 && strncasecmp(scheme, "wss", 3) == 0))
		return (port == 443);
	return (0);
}

/* Parse the port after ':'; return it, or 0 if it is not 1 to 65535. */
static unsigned long
sigv4_port_parse(const char *p, size_t len)
{
	unsigned long	port = 0;
	size_t		i;

	if (len == 0 || len > 5)
		return (0);
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return (0);
		port = port * 10 + (p[i] - '0');
	}
	return (port <= 65535 ? port : 0);
}

/* Lower-case host (brackets kept) into b; return -1 if it is not one. */
static int
sigv4_host_add(struct sigv4_buf *b, const char *h, size_t len)
{
	const char	*ok;
	size_t		 i;
	int		 v6;

	if (len == 0)
		return (-1);
	if ((v6 = (h[0] == '['))) {
		if (len < 3 || h[len - 1] != ']')
			return (-1);
		ok = "0123456789abcdefABCDEF:.";
		h++;
		len -= 2;
		sigv4_buf_char(b, '[');
	} else
		ok = "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._";
	for (i = 0; i < len; i++) {
		if (strchr(ok, h[i]) == NULL)
			return (-1);
		sigv4_buf_char(b, (h[i] >= 'A' && h[i] <= 'Z') ?
		    h[i] + ('a' - 'A') : h[i]);
	}
	if (v6)
		sigv4_buf_char(b, ']');
	return (0);
}

/* Split a URL into what the signer needs and derive its Host header. */
static int
sigv4_url_parse(const char *url, struct sigv4_url *u, char **cause)
{
	struct sigv4_buf	 host = { NULL, 0, 0 };
	const char		*s, *auth, *end, *colon;
	size_t			 len, schemelen;
	unsigned long		 port = 0;
	char			 portstr[8];

	memset(u, 0, sizeof *u);
	if (url == NULL || (len = strlen(url)) > AWS_SIGV4_MAX_URL) {
		*cause = xstrdup(url == NULL ? "no url" : "url is too long");
		return (-1);
	}
	for (s = url; *s != '\0'; s++) {
		if ((u_char)*s < 0x20 || *s == 0x7f || *s == '#') {
			*cause = xstrdup(*s == '#' ? "url has a fragment" :
			    "url has a control character");
			return (-1);
		}
	}
	schemelen = strspn(url, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
	if (schemelen == 0 || strncmp(url + schemelen, "://", 3) != 0) {
		*cause = xstrdup("url has no scheme://");
		return (-1);
	}
	auth = url + schemelen + 3;
	end = auth + strcspn(auth, "/?");
	if (memchr(auth, '@', end - auth) != NULL) {
		*cause = xstrdup("url has user information");
		return (-1);
	}
	colon = NULL;
	for (s = end; s > auth; s--) {
		if (s[-1] == ']')
			break;
		if (s[-1] == ':') {
			colon = s - 1;
			break;
		}
	}
	if (colon != NULL &&
	    (port = sigv4_port_parse(colon + 1, end - colon - 1)) == 0) {
		*cause = xstrdup("url has a bad port");
		return (-1);
	}
	if (sigv4_host_add(&host, auth, (colon != NULL ? colon : end) -
	    auth) != 0) {
		sigv4_buf_wipe(&host);
		*cause = xstrdup("url has a bad host");
		return (-1);
	}
	if (colon != NULL && !sigv4_port_default(url, schemelen, port)) {
		snprintf(portstr, sizeof portstr, ":%lu", port);
		sigv4_buf_str(&host, portstr);
	}
	u->host = sigv4_buf_take(&host);
	u->path = end;
	u->pathlen = strcspn(end, "?");
	if (end[u->pathlen] == '?') {
		u->query = end + u->pathlen + 1;
		u->querylen = strlen(u->query);
	}
	return (0);
}

/* The value of the first header called name (case-insensitive), or NULL. */
static const char *
sigv4_header_find(const struct aws_sigv4_request *req, const char *name)
{
	size_t	i;

	for (i = 0; i < req->nheaders; i++) {
		if (req->headers[i].name != NULL &&
		    strcasecmp(req->headers[i].name, name) == 0)
			return (req->headers[i].value);
	}
	return (NULL);
}

/* Is a header called name there? (A NULL value is refused later.) */
static int
sigv4_has_header(const struct aws_sigv4_request *req, const char *name)
{
	size_t	i;

	for (i = 0; i < req->nheaders; i++) {
		if (req->headers[i].name != NULL &&
		    strcasecmp(req->headers[i].name, name) == 0)
			return (1);
	}
	return (0);
}

/* Check what the caller gave before signing anything. */
static int
sigv4_check_request(const struct aws_sigv4_request *req,
    const struct aws_creds *creds, int presign, char **cause)
{
	static const char	*reserved[] = {
		"Authorization", "X-Amz-Date", "X-Amz-Security-Token",
	};
	struct tm		 tm;
	size_t			 i;

	if (creds == NULL || !sigv4_scope_part_ok(creds->access_key_id) ||
	    creds->secret_access_key == NULL ||
	    strlen(creds->secret_access_key) > SIGV4_MAX_SECRET) {
		*cause = xstrdup("credentials are incomplete or the access "
		    "key id has a character other than A-Z a-z 0-9 - _ . ~");
		return (-1);
	}
	if (!sigv4_scope_part_ok(req->region) ||
	    !sigv4_scope_part_ok(req->service)) {
		*cause = xstrdup("signing region or service is empty or has a "
		    "character other than A-Z a-z 0-9 - _ . ~");
		return (-1);
	}
	if (gmtime_r(&req->when, &tm) == NULL || tm.tm_year < 70 ||
	    tm.tm_year > 9999 - 1900) {
		*cause = xstrdup("signing time is not within 1970 to 9999");
		return (-1);
	}
	if (req->nheaders > 0 && req->headers == NULL) {
		*cause = xstrdup("headers missing");
		return (-1);
	}
	for (i = 0; i < nitems(reserved); i++) {
		if (sigv4_has_header(req, reserved[i])) {
			xasprintf(cause, "header %s is the signer's to add",
			    reserved[i]);
			return (-1);
		}
	}
	if (req->sign_body && !presign &&
	    sigv4_has_header(req, "x-amz-content-sha256")) {
		*cause = xstrdup("header x-amz-content-sha256 is the signer's "
		    "to add (sign_body)");
		return (-1);
	}
	if (presign && (req->expires < 1 ||
	    req->expires > AWS_SIGV4_MAX_EXPIRES)) {
		xasprintf(cause, "expires %u is out of range (1-%d)",
		    req->expires, AWS_SIGV4_MAX_EXPIRES);
		return (-1);
	}
	if (req->body_len > 0 && req->body == NULL) {
		*cause = xstrdup("body missing");
		return (-1);
	}
	return (0);
}

/* The headers to sign: the caller's, Host unless given, and ours. */
static struct aws_header *
sigv4_sign_headers(const struct aws_sigv4_request *req,
    const struct aws_creds *creds, const struct sigv4_url *u,
    const char *amz_date, const char *payload, int presign, size_t *n)
{
	struct aws_header	*h;

	h = xreallocarray(NULL, req->nheaders + 4, sizeof *h);
	if (req->nheaders > 0)
		memcpy(h, req->headers, req->nheaders * sizeof *h);
	*n = req->nheaders;
	if (!sigv4_has_header(req, "host")) {
		h[*n].name = "host";
		h[(*n)++].value = u->host;
	}
	if (presign)
		return (h);
	h[*n].name = "x-amz-date";
	h[(*n)++].value = amz_date;
	if (creds->session_token != NULL && !req->omit_token) {
		h[*n].name = "x-amz-security-token";
		h[(*n)++].value = creds->session_token;
	}
	if (req->sign_body) {
		h[*n].name = "x-amz-content-sha256";
		h[(*n)++].value = payload;
	}
	return (h);
}

/* Append "&name=value" (value UriEncoded) to a query being built. */
static void
sigv4_query_param(struct sigv4_buf *b, const char *name, const char *value)
{
	if (b->len > 0)
		sigv4_buf_char(b, '&');
	sigv4_buf_str(b, name);
	sigv4_buf_char(b, '=');
	sigv4_buf_encode(b, value, strlen(value), 1);
}

/*
 * The X-Amz-* parameters of a presigned URL, the token among them unless
 * it is omitted from the signature. Into *auth; with the URL's own query
 * in front into *full, which is what gets signed.
 */
static int
sigv4_presign_query(const struct aws_sigv4_request *req,
    const struct aws_creds *creds, const struct sigv4_url *u,
    const struct aws_header *h, size_t nh, const char *amz_date,
    struct sigv4_buf *auth, struct sigv4_buf *full, char **cause)
{
	struct sigv4_buf	 list = { NULL, 0, 0 };
	char			*scope, expires[16];

	if (sigv4_headers_canonical(h, nh, NULL, &list, cause) != 0)
		return (-1);
	xasprintf(&scope, "%s/%.8s/%s/%s/aws4_request", creds->access_key_id,
	    amz_date, req->region, req->service);
	snprintf(expires, sizeof expires, "%u", req->expires);
	sigv4_query_param(auth, "X-Amz-Algorithm", SIGV4_ALGORITHM);
	sigv4_query_param(auth, "X-Amz-Credential", scope);
	sigv4_query_param(auth, "X-Amz-Date", amz_date);
	sigv4_query_param(auth, "X-Amz-Expires", expires);
	sigv4_query_param(auth, "X-Amz-SignedHeaders", list.p);
	if (creds->session_token != NULL && !req->omit_token) {
		sigv4_query_param(auth, "X-Amz-Security-Token",
		    creds->session_token);
	}
	free(scope);
	sigv4_buf_wipe(&list);

	if (u->querylen > 0) {
		sigv4_buf_add(full, u->query, u->querylen);
		sigv4_buf_char(full, '&');
	}
	sigv4_buf_add(full, auth->p, auth->len);
	return (0);
}

/* Fill in the header form: Authorization and the headers to add. */
static void
sigv4_finish_headers(const struct aws_sigv4_request *req,
    const struct aws_creds *creds, struct aws_sigv4_result *res)
{
	size_t	n = 0;

	xasprintf(&res->authorization, "%s Credential=%s/%.8s/%s/%s/"
	    "aws4_request, SignedHeaders=%s, Signature=%s", SIGV4_ALGORITHM,
	    creds->access_key_id, res->amz_date, req->region, req->service,
	    res->signed_headers, res->signature);
	res->add = xreallocarray(NULL, 4, sizeof *res->add);
	res->add[n].name = "X-Amz-Date";
	res->add[n++].value = xstrdup(res->amz_date);
	if (creds->session_token != NULL) {
		res->add[n].name = "X-Amz-Security-Token";
		res->add[n++].value = xstrdup(creds->session_token);
	}
	if (req->sign_body) {
		res->add[n].name = "x-amz-content-sha256";
		res->add[n++].value = xstrdup(res->payload_hash);
	}
	res->add[n].name = "Authorization";
	res->add[n++].value = xstrdup(res->authorization);
	res->nadd = n;
}

/* The URL with the presign parameters and the signature appended. */
static void
sigv4_finish_presign(const struct aws_sigv4_request *req,
    const struct aws_creds *creds, const struct sigv4_url *u,
    struct sigv4_buf *auth, struct aws_sigv4_result *res)
{
	struct sigv4_buf	b = { NULL, 0, 0 };

	sigv4_buf_str(&b, req->url);
	if (u->query == NULL)
		sigv4_buf_char(&b, '?');
	else if (u->querylen > 0)
		sigv4_buf_char(&b, '&');
	sigv4_buf_add(&b, auth->p, auth->len);
	if (creds->session_token != NULL && req->omit_token)
		sigv4_query_param(&b, "X-Amz-Security-Token",
		    creds->session_token);
	sigv4_query_param(&b, "X-Amz-Signature", res->signature);
	res->presigned_url = sigv4_buf_take(&b);
}

static int
sigv4_run(const struct aws_sigv4_request *req, const struct aws_creds *creds,
    struct aws_sigv4_result *res, int presign, char **cause)
{
	struct sigv4_url	 u;
	struct sigv4_buf	 auth = { NULL, 0, 0 }, full = { NULL, 0, 0 };
	struct aws_header	*h = NULL;
	size_t			 nh;
	char			 amz_date[17], sig[65];
	const char		*host;
	size_t			 i;
	int			 rv = -1;

	memset(res, 0, sizeof *res);
	if (req == NULL || sigv4_check_request(req, creds, presign,
	    cause) != 0)
		return (-1);
	if (sigv4_url_parse(req->url, &u, cause) != 0)
		return (-1);
	/* A URL with auth parameters is presigned: sending it signed
	 * again would give the server two signatures to choose from. */
	for (i = 0; i < nitems(sigv4_query_auth); i++) {
		if (aws_sigv4_query_get(u.query, u.querylen,
		    sigv4_query_auth[i], NULL) != 0) {
			xasprintf(cause, "url already has %s",
			    sigv4_query_auth[i]);
			goto out;
		}
	}
	aws_sigv4_amz_date(req->when, amz_date);
	res->amz_date = xstrdup(amz_date);
	if (req->unsigned_payload)
		res->payload_hash = xstrdup(SIGV4_UNSIGNED);
	else {
		res->payload_hash = xmalloc(2 * SHA256_LEN + 1);
		util_sha256_hex(req->body != NULL ? req->body : "",
		    req->body_len, res->payload_hash);
	}
	h = sigv4_sign_headers(req, creds, &u, amz_date, res->payload_hash,
	    presign, &nh);
	if (presign) {
		if (sigv4_presign_query(req, creds, &u, h, nh, amz_date, &auth,
		    &full, cause) != 0)
			goto out;
	} else if (u.query != NULL)
		sigv4_buf_add(&full, u.query, u.querylen);
	if (aws_sigv4_canonical_request(req->method, u.path, u.pathlen,
	    full.p, full.len, NULL, h, nh, res->payload_hash,
	    (req->no_normalize ? SIGV4_PATH_AS_IS : 0) |
	    (req->form_query ? SIGV4_FORM_QUERY : 0), &res->canonical_request, &res->signed_headers, cause) != 0)
		goto out;
	res->string_to_sign = aws_sigv4_string_to_sign(amz_date, req->region,
	    req->service, res->canonical_request);
	aws_sigv4_signature(creds->secret_access_key, amz_date, req->region,
	    req->service, res->string_to_sign, sig);
	res->signature = xstrdup(sig);
	host = sigv4_header_find(req, "host");
	res->host = host != NULL ? sigv4_header_value(host) : xstrdup(u.host);
	if (presign)
		sigv4_finish_presign(req, creds, &u, &auth, res);
	else
		sigv4_finish_headers(req, creds, res);
	rv = 0;
out:
	if (rv != 0)
		aws_sigv4_result_free(res);
	free(h);
	free(u.host);
	sigv4_buf_wipe(&auth);
	sigv4_buf_wipe(&full);
	explicit_bzero(sig, sizeof sig);
	return (rv);
}

int
aws_sigv4_sign(const struct aws_sigv4_request *req,
    const struct aws_creds *creds, struct aws_sigv4_result *res, char **cause)
{
	return (sigv4_run(req, creds, res, 0, cause));
}

int
aws_sigv4_presign(const struct aws_sigv4_request *req,
    const struct aws_creds *creds, struct aws_sigv4_result *res, char **cause)
{
	return (sigv4_run(req, creds, res, 1, cause));
}

void
aws_sigv4_result_free(struct aws_sigv4_result *res)
{
	size_t	i;

	if (res == NULL)
		return;
	freezero_str(res->canonical_request);
	freezero_str(res->string_to_sign);
	freezero_str(res->signature);
	free(res->signed_headers);
	freezero_str(res->authorization);
	free(res->amz_date);
	freezero_str(res->presigned_url);
	free(res->payload_hash);
	free(res->host);
	for (i = 0; i < res->nadd; i++)
		freezero_str((char *)res->add[i].value);
	free(res->add);
	memset(res, 0, sizeof *res);
}
