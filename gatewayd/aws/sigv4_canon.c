/*
 * sigv4_canon.c: the blocks SigV4 is built from (aws-conventions.md
 * section 8): UriEncode, the canonical URI (normalised and encoded once
 * more, or S3's as-is), the canonical query (decoded, re-encoded, sorted),
 * the canonical headers (lower-cased, trimmed, squeezed, repeated names
 * joined), the string to sign, the HMAC chain and the X-Amz-Date form.
 * Pure functions on strings; the signer (sigv4.c) and the tests' verifier
 * (tests/lib/sigv4_verify.c) share them so that they cannot disagree.
 */

#include <sys/types.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "aws_sigv4.h"
#include "log.h"
#include "sigv4_int.h"
#include "util.h"
#include "xmalloc.h"

/*
 * One query parameter, both halves in canonical encoding; in the form
 * style also its decoded key and its place, which is how it sorts.
 */
struct sigv4_param {
	char	*key;
	char	*value;
	char	*raw_key;
	size_t	 raw_keylen;
	size_t	 idx;
};

/* One header to sign: lower-case name, trimmed value, position given. */
struct sigv4_hent {
	char	*name;
	char	*value;
	size_t	 idx;
};

void
sigv4_buf_add(struct sigv4_buf *b, const void *data, size_t len)
{
	char	*p;
	size_t	 size;

	if (b->size - b->len <= len) {
		size = b->size != 0 ? b->size : 128;
		while (size - b->len <= len) {
			if (size > SIZE_MAX / 2)
				fatalx("sigv4: string too long");
			size *= 2;
		}
		p = xmalloc(size);
		if (b->p != NULL) {
			memcpy(p, b->p, b->len);
			explicit_bzero(b->p, b->size);
			free(b->p);
		}
		b->p = p;
		b->size = size;
	}
	if (len > 0)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void
sigv4_buf_str(struct sigv4_buf *b, const char *s)
{
	sigv4_buf_add(b, s, strlen(s));
}

void
sigv4_buf_char(struct sigv4_buf *b, char c)
{
	sigv4_buf_add(b, &c, 1);
}

/* Hand the string over to the caller; an empty buffer gives "". */
char *
sigv4_buf_take(struct sigv4_buf *b)
{
	char	*s;

	s = b->p != NULL ? b->p : xstrdup("");
	memset(b, 0, sizeof *b);
	return (s);
}

void
sigv4_buf_wipe(struct sigv4_buf *b)
{
	if (b->p != NULL) {
		explicit_bzero(b->p, b->size);
		free(b->p);
	}
	memset(b, 0, sizeof *b);
}

int
sigv4_is_unreserved(u_char c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~');
}

/* A tchar of RFC 9110: what an HTTP method or header name is made of. */
static int
sigv4_is_tchar(u_char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return (0);
	return (strchr("\"(),/:;<=>?@[\\]{}", c) == NULL);
}

static int
sigv4_is_token(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s != '\0'; s++) {
		if (!sigv4_is_tchar(*s))
			return (0);
	}
	return (1);
}

/* If s[i] starts a valid %XX escape, return the byte it stands for. */
static int
sigv4_escape_at(const char *s, size_t len, size_t i)
{
	char	hex[3];
	uint8_t	c;

	if (s[i] != '%' || len - i < 3)
		return (-1);
	hex[0] = s[i + 1];
	hex[1] = s[i + 2];
	hex[2] = '\0';
	if (util_unhex(hex, &c, 1) != 1)
		return (-1);
	return (c);
}

static void
sigv4_buf_encode_byte(struct sigv4_buf *b, u_char c, int encode_slash)
{
	static const char	hex[] = "0123456789ABCDEF";
	char			esc[3];

	if (sigv4_is_unreserved(c) || (c == '/' && !encode_slash)) {
		sigv4_buf_char(b, c);
		return;
	}
	esc[0] = '%';
	esc[1] = hex[c >> 4];
	esc[2] = hex[c & 0xf];
	sigv4_buf_add(b, esc, 3);
}

void
sigv4_buf_encode(struct sigv4_buf *b, const char *s, size_t len,
    int encode_slash)
{
	size_t	i;

	for (i = 0; i < len; i++)
		sigv4_buf_encode_byte(b, s[i], encode_slash);
}

char *
aws_sigv4_uri_encode(const char *s, size_t len, int encode_slash)
{
	struct sigv4_buf	b = { NULL, 0, 0 };

	sigv4_buf_encode(&b, s, len, encode_slash);
	return (sigv4_buf_take(&b));
}

/*
 * Decode the %XX escapes of a query key or value and encode the result
 * again, in one pass. A '%' that starts no valid escape and a '+' are
 * taken literally.
 */
static char *
sigv4_reencode(const char *s, size_t len)
{
	struct sigv4_buf	b = { NULL, 0, 0 };
	size_t			i;
	int			c;

	for (i = 0; i < len; i++) {
		if ((c = sigv4_escape_at(s, len, i)) != -1)
			i += 2;
		else
			c = (u_char)s[i];
		sigv4_buf_encode_byte(&b, c, 1);
	}
	return (sigv4_buf_take(&b));
}

/*
 * The canonical URI of every service but S3: drop empty, "." and ".."
 * segments, keep a leading and (if anything is left) a trailing '/', then
 * encode what was sent once more, so "%2F" becomes "%252F".
 */
static void
sigv4_path_normalized(struct sigv4_buf *b, const char *path, size_t len)
{
	const char	**seg;
	size_t		 *seglen, nseg = 0, i, start, n;

	if (len == 0) {
		sigv4_buf_char(b, '/');
		return;
	}
	seg = xreallocarray(NULL, len + 1, sizeof *seg);
	seglen = xreallocarray(NULL, len + 1, sizeof *seglen);
	for (start = 0; start <= len; start = i + 1) {
		for (i = start; i < len && path[i] != '/'; i++)
			/* nothing */;
		n = i - start;
		if (n == 0 || (n == 1 && path[start] == '.'))
			continue;
		if (n == 2 && path[start] == '.' && path[start + 1] == '.') {
			if (nseg > 0)
				nseg--;
			continue;
		}
		seg[nseg] = path + start;
		seglen[nseg++] = n;
	}
	if (path[0] == '/')
		sigv4_buf_char(b, '/');
	for (i = 0; i < nseg; i++) {
		if (i > 0)
			sigv4_buf_char(b, '/');
		sigv4_buf_encode(b, seg[i], seglen[i], 1);
	}
	if (nseg > 0 && path[len - 1] == '/')
		sigv4_buf_char(b, '/');
	free(seg);
	free(seglen);
}

/* S3's canonical URI: the path as sent, escapes kept, the rest encoded. */
static void
sigv4_path_as_is(struct sigv4_buf *b, const char *path, size_t len)
{
	size_t	i;

	if (len == 0) {
		sigv4_buf_char(b, '/');
		return;
	}
	for (i = 0; i < len; i++) {
		if (sigv4_escape_at(path, len, i) != -1) {
			sigv4_buf_add(b, path + i, 3);
			i += 2;
		} else
			sigv4_buf_encode_byte(b, path[i], 0);
	}
}

static int
sigv4_param_cmp(const void *a, const void *b)
{
	const struct sigv4_param	*pa = a, *pb = b;
	int				 r;

	if ((r = strcmp(pa->key, pb->key)) != 0)
		return (r);
	return (strcmp(pa->value, pb->value));
}

/* Go's url.Values.Encode(): by decoded key, each key's values as given. */
static int
sigv4_param_form_cmp(const void *a, const void *b)
{
	const struct sigv4_param	*pa = a, *pb = b;
	size_t				 n;
	int				 r;

	n = pa->raw_keylen < pb->raw_keylen ? pa->raw_keylen : pb->raw_keylen;
	if ((r = memcmp(pa->raw_key, pb->raw_key, n)) != 0)
		return (r);
	if (pa->raw_keylen != pb->raw_keylen)
		return (pa->raw_keylen < pb->raw_keylen ? -1 : 1);
	return (pa->idx < pb->idx ? -1 : pa->idx > pb->idx);
}

/*
 * Decode one key or value the way a form is decoded (Go's
 * url.QueryUnescape): %XX escapes and '+' as a space. -1 for a '%' that
 * starts no valid escape (Go drops such a parameter).
 */
static int
sigv4_form_decode(struct sigv4_buf *b, const char *s, size_t len)
{
	size_t	i;
	int	c;

	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			if ((c = sigv4_escape_at(s, len, i)) == -1)
				return (-1);
			i += 2;
		} else
			c = s[i] == '+' ? ' ' : (u_char)s[i];
		sigv4_buf_char(b, c);
	}
	return (0);
}

/*
 * One '&'-separated parameter of a form-style query into p: 0, or -1 if
 * Go's url.ParseQuery would drop it (a ';' in it, a bad escape).
 */
static int
sigv4_param_form(struct sigv4_param *p, const char *s, size_t n)
{
	struct sigv4_buf	 k = { NULL, 0, 0 }, v = { NULL, 0, 0 };
	const char		*eq = memchr(s, '=', n);
	size_t			 klen = eq != NULL ? (size_t)(eq - s) : n;
	struct sigv4_buf	 enc = { NULL, 0, 0 };

	if (memchr(s, ';', n) != NULL || sigv4_form_decode(&k, s, klen) != 0 ||
	    (eq != NULL && sigv4_form_decode(&v, eq + 1, n - klen - 1) != 0)) {
		sigv4_buf_wipe(&k);
		sigv4_buf_wipe(&v);
		return (-1);
	}
	p->raw_keylen = k.len;
	p->raw_key = sigv4_buf_take(&k);
	sigv4_buf_encode(&enc, p->raw_key, p->raw_keylen, 1);
	p->key = sigv4_buf_take(&enc);
	sigv4_buf_encode(&enc, v.p != NULL ? v.p : "", v.len, 1);
	p->value = sigv4_buf_take(&enc);
	sigv4_buf_wipe(&v);
	return (0);
}

/* One '&'-separated parameter, SigV4 style: escapes decoded, '+' kept. */
static void
sigv4_param_plain(struct sigv4_param *p, const char *s, size_t n)
{
	const char	*eq = memchr(s, '=', n);

	if (eq == NULL) {
		p->key = sigv4_reencode(s, n);
		p->value = xstrdup("");
	} else {
		p->key = sigv4_reencode(s, eq - s);
		p->value = sigv4_reencode(eq + 1, n - (eq - s) - 1);
	}
}

/*
 * The canonical query string: every non-empty '&'-separated parameter,
 * re-encoded, sorted by key then value. A parameter without '=' gets an
 * empty value. skip (if not NULL) names one to leave out. With
 * SIGV4_FORM_QUERY the query is read as Go's url.Query() reads it, as the
 * official Session Manager client signs its upgrade (ssm-data-channel.md
 * 3.2): '+' is a space, parameters it cannot parse are left out, and
 * each key's values keep their order.
 */
static void
sigv4_query_canonical(struct sigv4_buf *b, const char *q, size_t len,
    const char *skip, int flags)
{
	struct sigv4_param	*p = NULL;
	size_t			 np = 0, cap = 0, i, start, n;
	int			 form = (flags & SIGV4_FORM_QUERY) != 0;

	for (start = 0; start < len; start = i + 1) {
		for (i = start; i < len && q[i] != '&'; i++)
			/* nothing */;
		if ((n = i - start) == 0)
			continue;
		if (np == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			p = xreallocarray(p, cap, sizeof *p);
		}
		memset(&p[np], 0, sizeof p[np]);
		p[np].idx = np;
		if (!form)
			sigv4_param_plain(&p[np], q + start, n);
		else if (sigv4_param_form(&p[np], q + start, n) != 0)
			continue;
		if (skip != NULL && strcmp(p[np].key, skip) == 0) {
			free(p[np].key);
			free(p[np].raw_key);
			freezero_str(p[np].value);
			continue;
		}
		np++;
	}
	if (np > 1)
		qsort(p, np, sizeof *p, form ? sigv4_param_form_cmp :
		    sigv4_param_cmp);
	for (i = 0; i < np; i++) {
		if (i > 0)
			sigv4_buf_char(b, '&');
		sigv4_buf_str(b, p[i].key);
		sigv4_buf_char(b, '=');
		sigv4_buf_str(b, p[i].value);
		free(p[i].key);
		free(p[i].raw_key);
		freezero_str(p[i].value);
	}
	free(p);
}

/* Trim a header value and squeeze runs of spaces and tabs to one space. */
char *
sigv4_header_value(const char *v)
{
	struct sigv4_buf	b = { NULL, 0, 0 };
	int			space = 0;

	for (; *v != '\0'; v++) {
		if (*v == ' ' || *v == '\t') {
			space = 1;
			continue;
		}
		if (space && b.len > 0)
			sigv4_buf_char(&b, ' ');
		space = 0;
		sigv4_buf_char(&b, *v);
	}
	return (sigv4_buf_take(&b));
}

static int
sigv4_hent_cmp(const void *a, const void *b)
{
	const struct sigv4_hent	*ha = a, *hb = b;
	int			 r;

	if ((r = strcmp(ha->name, hb->name)) != 0)
		return (r);
	return (ha->idx < hb->idx ? -1 : ha->idx > hb->idx);
}

/* Check one header: the name a token, the value free of controls. */
static int
sigv4_header_check(const struct aws_header *h, size_t idx, char **cause)
{
	const u_char	*v;

	if (h->name == NULL || !sigv4_is_token(h->name)) {
		xasprintf(cause, "header %zu: name is not an HTTP token",
		    idx + 1);
		return (-1);
	}
	if (h->value == NULL) {
		xasprintf(cause, "header %s: no value", h->name);
		return (-1);
	}
	for (v = (const u_char *)h->value; *v != '\0'; v++) {
		if ((*v < 0x20 && *v != '\t') || *v == 0x7f) {
			xasprintf(cause, "header %s: value has a control "
			    "character", h->name);
			return (-1);
		}
	}
	return (0);
}

/*
 * Canonical headers ("name:value\n" each, sorted by name, repeated names
 * joined with ',' in the order given) into block and the signed header
 * list into list. Either may be NULL.
 */
int
sigv4_headers_canonical(const struct aws_header *h, size_t n,
    struct sigv4_buf *block, struct sigv4_buf *list, char **cause)
{
	struct sigv4_hent	*e;
	size_t			 i, j;

	if (n > AWS_SIGV4_MAX_HEADERS) {
		xasprintf(cause, "%zu headers is more than %d", n,
		    AWS_SIGV4_MAX_HEADERS);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (sigv4_header_check(&h[i], i, cause) != 0)
			return (-1);
	}
	e = xreallocarray(NULL, n + 1, sizeof *e);
	for (i = 0; i < n; i++) {
		e[i].name = xstrdup(h[i].name);
		for (j = 0; e[i].name[j] != '\0'; j++) {
			if (e[i].name[j] >= 'A' && e[i].name[j] <= 'Z')
				e[i].name[j] += 'a' - 'A';
		}
		e[i].value = sigv4_header_value(h[i].value);
		e[i].idx = i;
	}
	if (n > 1)
		qsort(e, n, sizeof *e, sigv4_hent_cmp);
	for (i = 0; i < n; i++) {
		if (i == 0 || strcmp(e[i].name, e[i - 1].name) != 0) {
			if (i > 0 && block != NULL)
				sigv4_buf_char(block, '\n');
			if (block != NULL) {
				sigv4_buf_str(block, e[i].name);
				sigv4_buf_char(block, ':');
			}
			if (list != NULL) {
				if (i > 0)
					sigv4_buf_char(list, ';');
				sigv4_buf_str(list, e[i].name);
			}
		} else if (block != NULL)
			sigv4_buf_char(block, ',');
		if (block != NULL)
			sigv4_buf_str(block, e[i].value);
	}
	if (n > 0 && block != NULL)
		sigv4_buf_char(block, '\n');
	for (i = 0; i < n; i++) {
		free(e[i].name);
		freezero_str(e[i].value);
	}
	free(e);
	return (0);
}

int
aws_sigv4_canonical_request(const char *method, const char *path,
    size_t pathlen, const char *query, size_t querylen,
    const char *skip_param, const struct aws_header *headers,
    size_t nheaders, const char *payload_hash, int flags,
    char **creq, char **signed_headers, char **cause)
{
	struct sigv4_buf	b = { NULL, 0, 0 }, list = { NULL, 0, 0 };
	const char		*m;

	if (method == NULL || !sigv4_is_token(method)) {
		*cause = xstrdup("method is not an HTTP token");
		return (-1);
	}
	for (m = method; *m != '\0'; m++) {
		sigv4_buf_char(&b, (*m >= 'a' && *m <= 'z') ?
		    *m - ('a' - 'A') : *m);
	}
	sigv4_buf_char(&b, '\n');
	if (flags & SIGV4_PATH_AS_IS)
		sigv4_path_as_is(&b, path, pathlen);
	else
		sigv4_path_normalized(&b, path, pathlen);
	sigv4_buf_char(&b, '\n');
	if (query != NULL)
		sigv4_query_canonical(&b, query, querylen, skip_param, flags);
	sigv4_buf_char(&b, '\n');
	if (sigv4_headers_canonical(headers, nheaders, &b, &list,
	    cause) != 0) {
		sigv4_buf_wipe(&b);
		sigv4_buf_wipe(&list);
		return (-1);
	}
	sigv4_buf_char(&b, '\n');
	sigv4_buf_add(&b, list.p != NULL ? list.p : "", list.len);
	sigv4_buf_char(&b, '\n');
	sigv4_buf_str(&b, payload_hash);
	*creq = sigv4_buf_take(&b);
	*signed_headers = sigv4_buf_take(&list);
	return (0);
}

char *
aws_sigv4_string_to_sign(const char *amz_date, const char *region,
    const char *service, const char *creq)
{
	char	hash[2 * SHA256_LEN + 1], *sts;

	util_sha256_hex(creq, strlen(creq), hash);
	xasprintf(&sts, "%s\n%s\n%.8s/%s/%s/aws4_request\n%s",
	    SIGV4_ALGORITHM, amz_date, amz_date, region, service, hash);
	return (sts);
}

static void
sigv4_hmac(const void *key, size_t keylen, const char *msg,
    uint8_t out[SHA256_LEN])
{
	unsigned int	len = SHA256_LEN;

	if (keylen > INT_MAX || HMAC(EVP_sha256(), key, (int)keylen,
	    (const u_char *)msg, strlen(msg), out, &len) == NULL ||
	    len != SHA256_LEN)
		fatalx("sigv4: HMAC-SHA256 failed");
}

void
aws_sigv4_signing_key(const char *secret, const char *date,
    const char *region, const char *service, uint8_t key[32])
{
	uint8_t	k[SHA256_LEN];
	char	*first;

	xasprintf(&first, "AWS4%s", secret);
	sigv4_hmac(first, strlen(first), date, k);
	freezero_str(first);
	sigv4_hmac(k, sizeof k, region, key);
	sigv4_hmac(key, SHA256_LEN, service, k);
	sigv4_hmac(k, sizeof k, "aws4_request", key);
	explicit_bzero(k, sizeof k);
}

void
aws_sigv4_signature(const char *secret, const char *amz_date,
    const char *region, const char *service, const char *sts, char out[65])
{
	uint8_t	key[SHA256_LEN], sig[SHA256_LEN];
	char	date[9];

	strlcpy(date, amz_date, sizeof date);
	aws_sigv4_signing_key(secret, date, region, service, key);
	sigv4_hmac(key, sizeof key, sts, sig);
	util_hex(sig, sizeof sig, out);
	explicit_bzero(key, sizeof key);
}

void
aws_sigv4_amz_date(time_t t, char out[17])
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
		strlcpy(out, "19700101T000000Z", 17);
}

int
aws_sigv4_parse_amz_date(const char *s, time_t *t)
{
	struct tm	tm;
	char		back[17];
	int		i;

	if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
		return (-1);
	for (i = 0; i < 15; i++) {
		if (i != 8 && (s[i] < '0' || s[i] > '9'))
			return (-1);
	}
	memset(&tm, 0, sizeof tm);
	tm.tm_year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 +
	    (s[2] - '0') * 10 + (s[3] - '0') - 1900;
	tm.tm_mon = (s[4] - '0') * 10 + (s[5] - '0') - 1;
	tm.tm_mday = (s[6] - '0') * 10 + (s[7] - '0');
	tm.tm_hour = (s[9] - '0') * 10 + (s[10] - '0');
	tm.tm_min = (s[11] - '0') * 10 + (s[12] - '0');
	tm.tm_sec = (s[13] - '0') * 10 + (s[14] - '0');
	if (tm.tm_year < 70)
		return (-1);
	*t = timegm(&tm);
	/* timegm() folds 31 February into March: refuse what moved. */
	aws_sigv4_amz_date(*t, back);
	return (strcmp(back, s) == 0 ? 0 : -1);
}

/* Decode the %XX escapes of s into b; '+' stays '+'. */
static void
sigv4_buf_decode(struct sigv4_buf *b, const char *s, size_t len)
{
	size_t	i;
	int	c;

	sigv4_buf_add(b, "", 0);
	for (i = 0; i < len; i++) {
		if ((c = sigv4_escape_at(s, len, i)) != -1)
			i += 2;
		else
			c = (u_char)s[i];
		sigv4_buf_char(b, c);
	}
}

int
aws_sigv4_query_get(const char *q, size_t len, const char *key,
    char **value)
{
	struct sigv4_buf	 k = { NULL, 0, 0 }, v = { NULL, 0, 0 };
	size_t			 i, start, n, klen, keylen = strlen(key);
	const char		*eq;
	int			 count = 0;

	if (value != NULL)
		*value = NULL;
	for (start = 0; q != NULL && start < len; start = i + 1) {
		for (i = start; i < len && q[i] != '&'; i++)
			/* nothing */;
		if ((n = i - start) == 0)
			continue;
		eq = memchr(q + start, '=', n);
		klen = eq != NULL ? (size_t)(eq - (q + start)) : n;
		k.len = 0;
		sigv4_buf_decode(&k, q + start, klen);
		if (k.len != keylen || memcmp(k.p, key, keylen) != 0)
			continue;
		if (++count > 1 || value == NULL)
			continue;
		if (eq != NULL)
			sigv4_buf_decode(&v, eq + 1, q + i - (eq + 1));
		else
			sigv4_buf_decode(&v, "", 0);
		if (memchr(v.p, '\0', v.len) != NULL) {
			count = -1;
			break;
		}
		*value = sigv4_buf_take(&v);
	}
	sigv4_buf_wipe(&k);
	sigv4_buf_wipe(&v);
	return (count);
}
