/*
 * sigv4_gen: random requests signed by gatewayd's signer, one JSON object
 * per line, for an independent implementation (botocore, see
 * tests/integration/t_sigv4_botocore.sh) to sign again and compare.
 *
 *	sigv4_gen [-n count] [-s seed]
 *
 * The same seed gives the same requests. Every request is also checked
 * with aws_sigv4_verify(); the exit status is 1 if any fails.
 *
 * The requests stay within what botocore's SigV4Auth and SigV4QueryAuth
 * and AWS define alike; the exclusions, each a botocore quirk:
 *  - header-form queries are written already canonical (unreserved
 *    characters and upper-case %XX escapes of other bytes only, no empty
 *    '&&' pieces): botocore signs the raw query split on '&' and does not
 *    decode and re-encode it, so "%41", "%2f", "+" or a stray '%' would
 *    be signed differently by the two (AWS decodes and re-encodes);
 *  - query-form (presigned) requests have unique keys, no body and no
 *    '+': SigV4QueryAuth rebuilds the query with parse_qs, which keeps
 *    only the first of repeated keys, reads '+' as a space and moves a
 *    body into the query as JSON;
 *  - no ws:// or wss:// URL with an explicit port: botocore knows the
 *    default ports of http and https only;
 *  - no Date, X-Amz-Content-SHA256 (but see sign_body), User-Agent,
 *    Expect or X-Amzn-Trace-Id headers (botocore treats them specially),
 *    and no Content-Type of exactly
 *    "application/x-www-form-urlencoded; charset=utf-8" in the query
 *    form (SigV4QueryAuth drops it);
 *  - header values are printable ASCII with spaces and tabs (Python's
 *    split() also splits on Unicode spaces); paths and queries carry no
 *    control characters (urlsplit strips some), no '#', and only valid
 *    UTF-8 (the requests travel as JSON text);
 *  - the session token is never omitted from the signature (botocore
 *    has no such mode).
 */

#include <err.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aws_sigv4.h"
#include "sigv4_verify.h"
#include "util.h"
#include "xmalloc.h"

#define GEN_MAX_HEADERS	12
#define GEN_MAX_LEN	512

int	main(int, char **);

struct gen {
	uint64_t	 state;
	char		 buf[GEN_MAX_LEN * 4];
	size_t		 len;
};

static uint64_t
gen_next(struct gen *g)
{
	uint64_t	z;

	/* splitmix64: small, seedable, good enough to pick test inputs. */
	z = (g->state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

/* Uniform in [0, n). */
static size_t
gen_below(struct gen *g, size_t n)
{
	return ((size_t)(gen_next(g) % n));
}

static int
gen_chance(struct gen *g, unsigned percent)
{
	return (gen_below(g, 100) < percent);
}

static const char *
gen_pick(struct gen *g, const char *const *list, size_t n)
{
	return (list[gen_below(g, n)]);
}

#define GEN_PICK(g, list) gen_pick(g, list, sizeof (list) / sizeof (list)[0])

static void
gen_reset(struct gen *g)
{
	g->len = 0;
	g->buf[0] = '\0';
}

static void
gen_add(struct gen *g, const char *s)
{
	size_t	n = strlen(s);

	if (g->len + n >= sizeof g->buf)
		return;
	memcpy(g->buf + g->len, s, n + 1);
	g->len += n;
}

static void
gen_addc(struct gen *g, char c)
{
	char	s[2] = { c, '\0' };

	gen_add(g, s);
}

/* A run of characters from set, min to max long. */
static void
gen_chars(struct gen *g, const char *set, size_t min, size_t max)
{
	size_t	n, i, len = strlen(set);

	n = min + gen_below(g, max - min + 1);
	for (i = 0; i < n; i++)
		gen_addc(g, set[gen_below(g, len)]);
}

static const char gen_unreserved[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";

/* One path segment: odd characters, escapes, UTF-8, dot segments. */
static void
gen_segment(struct gen *g)
{
	static const char *const	 odd[] = {
		" ", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=",
		":", "@", "%2F", "%20", "%41", "%zz", "%", "\\", "\xc3\xa9",
		"\xe1\x88\xb4", "\xf0\x9f\x98\x80", "[", "]", "{", "}", "|",
		"^", "`", "\"", "<", ">",
	};
	static const char *const	 dots[] = { ".", "..", "" };
	size_t				 i, n;

	if (gen_chance(g, 15)) {
		gen_add(g, GEN_PICK(g, dots));
		return;
	}
	n = 1 + gen_below(g, 4);
	for (i = 0; i < n; i++) {
		if (gen_chance(g, 30))
			gen_add(g, GEN_PICK(g, odd));
		else
			gen_chars(g, gen_unreserved, 1, 6);
	}
}

static void
gen_path(struct gen *g)
{
	size_t	i, n;

	if (gen_chance(g, 5))
		return;			/* no path at all */
	n = gen_below(g, 6);
	for (i = 0; i < n; i++) {
		gen_addc(g, '/');
		gen_segment(g);
	}
	if (n == 0 || gen_chance(g, 20))
		gen_addc(g, '/');
}

/* A canonical query key or value: unreserved or escapes of the rest. */
static void
gen_query_part(struct gen *g, size_t min)
{
	static const char *const	esc[] = {
		"%2F", "%20", "%2B", "%3D", "%26", "%25", "%3F", "%23",
		"%E1%88%B4", "%C3%A9", "%2C", "%3A", "%40", "%21", "%2A",
	};
	size_t				i, n;

	n = min + gen_below(g, 4);
	for (i = 0; i < n; i++) {
		if (gen_chance(g, 25))
			gen_add(g, GEN_PICK(g, esc));
		else
			gen_chars(g, gen_unreserved, 1, 5);
	}
}

/* Query parameters; unique keys when presigning (see above). */
static void
gen_query(struct gen *g, int presign)
{
	size_t	i, n, start;
	char	keys[8][64];

	n = 1 + gen_below(g, 6);
	for (i = 0; i < n; i++) {
		if (i > 0)
			gen_addc(g, '&');
		start = g->len;
		if (!presign && i > 0 && gen_chance(g, 25))
			gen_add(g, keys[gen_below(g, i)]);	/* repeat */
		else if (presign) {
			gen_add(g, "k");
			gen_chars(g, "0123456789", 2, 2);
			gen_addc(g, (char)('a' + i));	/* unique */
			gen_query_part(g, 0);
		} else
			gen_query_part(g, !gen_chance(g, 5) ? 1 : 0);
		snprintf(keys[i], sizeof keys[i], "%.*s",
		    (int)(g->len - start), g->buf + start);
		/* No '=' sometimes, but never an empty piece ("&&"). */
		if (g->len > start && gen_chance(g, 10))
			continue;
		gen_addc(g, '=');
		if (!gen_chance(g, 15))
			gen_query_part(g, 1);		/* else empty */
	}
}

static char *
gen_url(struct gen *g, int presign)
{
	static const char *const	hosts[] = {
		"ssm.us-east-1.amazonaws.com", "Example.AmazonAWS.com",
		"kms.eu-central-1.amazonaws.com", "127.0.0.1", "localhost",
		"[::1]", "[FD00:EC2::254]", "sts.cn-north-1.amazonaws.com.cn",
	};
	static const char *const	ports[] = {
		"", "", "", ":443", ":80", ":4566", ":8443", ":1",
	};
	const char			*scheme;

	gen_reset(g);
	scheme = gen_chance(g, 60) ? "https" : gen_chance(g, 50) ? "http" :
	    gen_chance(g, 50) ? "wss" : "ws";
	gen_add(g, scheme);
	gen_add(g, "://");
	gen_add(g, GEN_PICK(g, hosts));
	if (scheme[0] == 'h')
		gen_add(g, GEN_PICK(g, ports));
	gen_path(g);
	if (gen_chance(g, 70)) {
		gen_addc(g, '?');
		gen_query(g, presign);
	}
	return (xstrdup(g->buf));
}

/* A header value: printable ASCII with runs of spaces and tabs. */
static char *
gen_value(struct gen *g)
{
	static const char	printable[] =
	    "abcXYZ019 \t\"(),/:;<=>?@[\\]{}!#$%&'*+-.^_`|~";
	static const char *const fixed[] = {
		"application/x-amz-json-1.1", "AmazonSSM.StartSession", "",
		"  leading", "trailing \t", "a   b\t\tc",
	};

	gen_reset(g);
	if (gen_chance(g, 30))
		gen_add(g, GEN_PICK(g, fixed));
	else
		gen_chars(g, printable, 0, 24);
	return (xstrdup(g->buf));
}

/* Header names in any case, some repeated. */
static size_t
gen_headers(struct gen *g, struct aws_header *h, int presign)
{
	static const char *const	names[] = {
		"X-Amz-Target", "Content-Type", "My-Header", "x-amz-meta-a",
		"X-Custom", "Accept", "content-length", "X-Amz-Foo", "Host",
	};
	size_t				n, i, j;
	char				*name;

	n = gen_below(g, GEN_MAX_HEADERS);
	for (i = 0; i < n; i++) {
		name = xstrdup(GEN_PICK(g, names));
		if (strcmp(name, "Host") == 0 && !gen_chance(g, 30)) {
			free(name);
			name = xstrdup("X-Other");
		}
		for (j = 0; name[j] != '\0'; j++) {
			if (!gen_chance(g, 20))
				continue;
			if (name[j] >= 'a' && name[j] <= 'z')
				name[j] -= 'a' - 'A';
			else if (name[j] >= 'A' && name[j] <= 'Z')
				name[j] += 'a' - 'A';
		}
		h[i].name = name;
		if (presign && strcasecmp(name, "content-type") == 0)
			h[i].value = xstrdup("text/x");
		else
			h[i].value = gen_value(g);
	}
	return (n);
}

static char *
gen_secret(struct gen *g, const char *set, size_t len)
{
	gen_reset(g);
	gen_chars(g, set, len, len);
	return (xstrdup(g->buf));
}

static void
gen_creds(struct gen *g, struct aws_creds *c)
{
	memset(c, 0, sizeof *c);
	c->access_key_id = gen_secret(g, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
	    20);
	c->secret_access_key = gen_secret(g, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/", 40);
	if (gen_chance(g, 50)) {
		c->session_token = gen_secret(g, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789+/=", 16 +
		    gen_below(g, 300));
	}
}

static const char *const gen_regions[] = {
	"us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2",
	"cn-north-1", "us-gov-west-1", "us-iso-east-1", "aws-global",
	"local", "eusc-de-east-1",
};
static const char *const gen_services[] = {
	"ssm", "kms", "sts", "ec2", "ssmmessages", "execute-api",
	"awsssoportal", "service", "s3",
};
static const char *const gen_methods[] = {
	"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "post",
};

static const struct aws_creds *
gen_lookup(const char *akid, void *arg)
{
	const struct aws_creds	*c = arg;

	return (strcmp(akid, c->access_key_id) == 0 ? c : NULL);
}

/* Verify our own signature as awsemu would; 0 if it passes. */
static int
gen_verify(const struct aws_sigv4_request *r, const struct aws_creds *c,
    const struct aws_sigv4_result *res)
{
	struct aws_header	 h[GEN_MAX_HEADERS + 8];
	const char		*p, *code;
	char			*target, *cause;
	size_t			 i, n = 0;
	int			 rv, has_host = 0;

	for (i = 0; i < r->nheaders; i++) {
		h[n++] = r->headers[i];
		has_host |= strcasecmp(r->headers[i].name, "host") == 0;
	}
	if (!has_host) {
		h[n].name = "Host";
		h[n++].value = res->host;
	}
	for (i = 0; i < res->nadd; i++)
		h[n++] = res->add[i];
	p = strstr(res->presigned_url ? res->presigned_url : r->url, "://");
	p += 3 + strcspn(p + 3, "/?");
	xasprintf(&target, "%s%s", *p == '/' ? "" : "/", p);
	rv = aws_sigv4_verify(r->method, target, h, n, r->body, r->body_len,
	    "https", gen_lookup, (void *)c, r->when, &code, &cause);
	if (rv != 0) {
		fprintf(stderr, "sigv4_gen: verify %s: %s: %s\n", target, code,
		    cause);
		free(cause);
	}
	free(target);
	return (rv);
}

/* The request and our results as one JSON object. */
static void
gen_print(const struct aws_sigv4_request *r, const struct aws_creds *c,
    const struct aws_sigv4_result *res, int presign, unsigned long n)
{
	cJSON	*o, *hs, *pair;
	char	*b64, *line;
	size_t	 i;

	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "n", n);
	cJSON_AddStringToObject(o, "kind", presign ? "query" : "header");
	cJSON_AddStringToObject(o, "method", r->method);
	cJSON_AddStringToObject(o, "url", r->url);
	hs = cJSON_AddArrayToObject(o, "headers");
	for (i = 0; i < r->nheaders; i++) {
		pair = cJSON_CreateArray();
		cJSON_AddItemToArray(pair,
		    cJSON_CreateString(r->headers[i].name));
		cJSON_AddItemToArray(pair,
		    cJSON_CreateString(r->headers[i].value));
		cJSON_AddItemToArray(hs, pair);
	}
	b64 = util_base64_encode(r->body, r->body_len);
	cJSON_AddStringToObject(o, "body_b64", b64);
	free(b64);
	cJSON_AddStringToObject(o, "region", r->region);
	cJSON_AddStringToObject(o, "service", r->service);
	cJSON_AddStringToObject(o, "amz_date", res->amz_date);
	cJSON_AddBoolToObject(o, "sign_body", r->sign_body);
	cJSON_AddNumberToObject(o, "expires", r->expires);
	cJSON_AddStringToObject(o, "access_key_id", c->access_key_id);
	cJSON_AddStringToObject(o, "secret_access_key", c->secret_access_key);
	if (c->session_token != NULL)
		cJSON_AddStringToObject(o, "session_token", c->session_token);
	else
		cJSON_AddNullToObject(o, "session_token");
	cJSON_AddStringToObject(o, "canonical_request",
	    res->canonical_request);
	cJSON_AddStringToObject(o, "signature", res->signature);
	if (presign)
		cJSON_AddStringToObject(o, "presigned_url", res->presigned_url);
	else
		cJSON_AddStringToObject(o, "authorization", res->authorization);
	line = cJSON_PrintUnformatted(o);
	puts(line);
	free(line);
	cJSON_Delete(o);
}

/* Make, sign, verify and print request number n; -1 if it went wrong. */
static int
gen_one(struct gen *g, unsigned long n)
{
	struct aws_sigv4_request	 r;
	struct aws_sigv4_result		 res;
	struct aws_creds		 c;
	struct aws_header		 h[GEN_MAX_HEADERS];
	char				*cause, *body = NULL;
	size_t				 i;
	int				 presign, rv = 0;

	memset(&r, 0, sizeof r);
	presign = n % 2;
	r.method = GEN_PICK(g, gen_methods);
	r.url = gen_url(g, presign);
	r.nheaders = gen_headers(g, h, presign);
	r.headers = h;
	if (!presign && gen_chance(g, 70)) {
		r.body_len = gen_below(g, 300);
		body = xmalloc(r.body_len + 1);
		for (i = 0; i < r.body_len; i++)
			body[i] = (char)gen_below(g, 256);
		r.body = body;
	}
	r.region = GEN_PICK(g, gen_regions);
	r.service = GEN_PICK(g, gen_services);
	r.when = (time_t)(946684800 + gen_below(g, 3155760000ULL));
	r.sign_body = !presign && gen_chance(g, 20);
	r.expires = presign ? 1 + gen_below(g, AWS_SIGV4_MAX_EXPIRES) : 0;
	gen_creds(g, &c);

	if ((presign ? aws_sigv4_presign(&r, &c, &res, &cause) :
	    aws_sigv4_sign(&r, &c, &res, &cause)) != 0) {
		fprintf(stderr, "sigv4_gen: request %lu (%s): %s\n", n, r.url,
		    cause);
		free(cause);
		rv = -1;
	} else {
		if (gen_verify(&r, &c, &res) != 0)
			rv = -1;
		gen_print(&r, &c, &res, presign, n);
		aws_sigv4_result_free(&res);
	}
	for (i = 0; i < r.nheaders; i++) {
		free((char *)h[i].name);
		free((char *)h[i].value);
	}
	free((char *)r.url);
	free(body);
	free(c.access_key_id);
	free(c.secret_access_key);
	free(c.session_token);
	return (rv);
}

int
main(int argc, char **argv)
{
	struct gen	 g;
	unsigned long	 count = 1000, i, failed = 0;
	uint64_t	 seed = 1;
	const char	*errstr;
	int		 ch;

	while ((ch = getopt(argc, argv, "n:s:")) != -1) {
		switch (ch) {
		case 'n':
			count = strtonum(optarg, 1, 1000000, &errstr);
			if (errstr != NULL)
				errx(1, "count %s: %s", optarg, errstr);
			break;
		case 's':
			seed = strtonum(optarg, 0, LLONG_MAX, &errstr);
			if (errstr != NULL)
				errx(1, "seed %s: %s", optarg, errstr);
			break;
		default:
			fprintf(stderr, "usage: sigv4_gen [-n count] "
			    "[-s seed]\n");
			return (1);
		}
	}
	memset(&g, 0, sizeof g);
	g.state = seed;
	for (i = 0; i < count; i++) {
		if (gen_one(&g, i) != 0)
			failed++;
	}
	fprintf(stderr, "sigv4_gen: seed %llu: %lu requests signed, %lu "
	    "verified by aws_sigv4_verify\n", (unsigned long long)seed, count,
	    count - failed);
	return (failed != 0);
}
