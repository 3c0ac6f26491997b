/*
 * Unit tests for sigv4.c and sigv4_verify.c: every case of both SigV4
 * suites in shared/testdata/sigv4 (walked from the directories), the
 * extra and documentation vectors, the encoders, bad input, and the
 * verifier against everything the signer produces, with each kind of
 * tampering rejected under the right code.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "aws_sigv4.h"
#include "sigv4_verify.h"
#include "testdata.h"
#include "util.h"
#include "xmalloc.h"

#define T_MAX_HEADERS	32
#define T_MAX_CASES	128

static const char t_akid[] = "AKIDEXAMPLE";
static const char t_secret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/* A request read from a suite's .req or request.txt. */
struct t_req {
	char			*text;	/* owns the strings below */
	char			*method;
	char			*target;
	struct aws_header	 h[T_MAX_HEADERS];
	/* Values joined from folded lines. */
	char			*folded[T_MAX_HEADERS];
	size_t			 nfolded;
	size_t			 nh;
	char			*body;
	size_t			 body_len;
};

/* What was put on the wire for a signed request, for the verifier. */
struct t_wire {
	char			 method[16];
	char			*target;
	struct aws_header	 h[T_MAX_HEADERS];
	size_t			 nh;
	char			*body;
	size_t			 body_len;
};

/* One case of a suite: its directory and, for the new suite, the form. */
struct t_case {
	char	*dir;
	char	*name;
	int	 query;
};

static unsigned	t_old_pass, t_old_total, t_new_pass, t_new_total;
static unsigned	t_extra_pass, t_extra_total, t_docs_pass, t_docs_total;
static unsigned	t_verified;

static char *
t_read_in(const char *dir, const char *name)
{
	char	*path, *s;

	xasprintf(&path, "%s/%s", dir, name);
	s = testdata_read(path, NULL);
	free(path);
	return (s);
}

/*
 * Parse a suite request: the target is everything between the first and
 * the last space of the request line; a header line that starts with
 * white space continues the one before (folded with a space).
 */
static void
t_req_parse(char *text, struct t_req *r)
{
	char	*line, *next, *colon, *last, *joined;

	memset(r, 0, sizeof *r);
	r->text = text;
	next = strchr(text, '\n');
	if (next != NULL)
		*next++ = '\0';
	r->method = text;
	r->target = strchr(text, ' ');
	assert_non_null(r->target);
	*r->target++ = '\0';
	last = strrchr(r->target, ' ');
	assert_non_null(last);
	*last = '\0';
	while ((line = next) != NULL) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0') {
			r->body = next;
			r->body_len = next != NULL ? strlen(next) : 0;
			break;
		}
		if ((*line == ' ' || *line == '\t') && r->nh > 0) {
			xasprintf(&joined, "%s %s", r->h[r->nh - 1].value,
			    line);
			assert_true(r->nfolded < T_MAX_HEADERS);
			r->folded[r->nfolded++] = joined;
			r->h[r->nh - 1].value = joined;
			continue;
		}
		assert_true(r->nh < T_MAX_HEADERS);
		colon = strchr(line, ':');
		assert_non_null(colon);
		*colon = '\0';
		r->h[r->nh].name = line;
		r->h[r->nh++].value = colon + 1;
	}
}

static void
t_req_free(struct t_req *r)
{
	size_t	i;

	for (i = 0; i < r->nfolded; i++)
		free(r->folded[i]);
	free(r->text);
}

/* Remove header name from r; return its value or NULL. */
static const char *
t_req_take(struct t_req *r, const char *name)
{
	const char	*v;
	size_t		 i;

	for (i = 0; i < r->nh; i++) {
		if (strcasecmp(r->h[i].name, name) != 0)
			continue;
		v = r->h[i].value;
		memmove(&r->h[i], &r->h[i + 1],
		    (r->nh - i - 1) * sizeof r->h[0]);
		r->nh--;
		return (v);
	}
	return (NULL);
}

/* Point the signer's request at a suite request; return its URL. */
static char *
t_req_request(const struct t_req *q, struct aws_sigv4_request *r)
{
	char	*url;

	xasprintf(&url, "https://example.amazonaws.com%s", q->target);
	r->method = q->method;
	r->url = url;
	r->headers = q->h;
	r->nheaders = q->nh;
	r->body = q->body;
	r->body_len = q->body_len;
	return (url);
}

/* Strip trailing new lines (signature files end in one). */
static void
t_chomp(char *s)
{
	size_t	len = strlen(s);

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';
}

static void
t_expect_file(const char *dir, const char *file, const char *got)
{
	char	*want;

	want = t_read_in(dir, file);
	assert_non_null(want);
	if (strstr(file, "signature") != NULL)
		t_chomp(want);
	if (strcmp(want, got) != 0)
		print_error("%s/%s:\nwant: %s\ngot:  %s\n", dir, file, want,
		    got);
	assert_string_equal(want, got);
	free(want);
}

/* Lookup for the verifier: arg is the one key it knows. */
static const struct aws_creds *
t_lookup(const char *akid, void *arg)
{
	const struct aws_creds	*c = arg;

	if (c == NULL || strcmp(akid, c->access_key_id) != 0)
		return (NULL);
	return (c);
}

/* The request as it goes on the wire after signing. */
static void
t_wire_build(struct t_wire *w, const char *method, const struct aws_header *h,
    size_t nh, const void *body, size_t body_len,
    const struct aws_sigv4_result *res, const char *url)
{
	const char	*p;
	size_t		 i;
	int		 has_host = 0;

	memset(w, 0, sizeof *w);
	strlcpy(w->method, method, sizeof w->method);
	p = res->presigned_url != NULL ? res->presigned_url : url;
	p = strstr(p, "://") + 3;
	w->target = xstrdup(p + strcspn(p, "/?"));
	if (w->target[0] == '?' || w->target[0] == '\0') {
		free(w->target);
		xasprintf(&w->target, "/%s", p + strcspn(p, "/?"));
	}
	for (i = 0; i < nh; i++) {
		w->h[w->nh++] = h[i];
		if (strcasecmp(h[i].name, "host") == 0)
			has_host = 1;
	}
	if (!has_host) {
		w->h[w->nh].name = "Host";
		w->h[w->nh++].value = res->host;
	}
	for (i = 0; i < res->nadd; i++)
		w->h[w->nh++] = res->add[i];
	w->body = xmalloc(body_len + 1);
	memcpy(w->body, body != NULL ? body : "", body_len);
	w->body_len = body_len;
}

static void
t_wire_free(struct t_wire *w)
{
	free(w->target);
	free(w->body);
}

static int
t_wire_check(const struct t_wire *w, const struct aws_creds *c, time_t now,
    struct aws_sigv4_verdict *v)
{
	return (aws_sigv4_check(w->method, w->target, w->h, w->nh, w->body,
	    w->body_len, "https", t_lookup, (void *)c, now, 0, v));
}

/* Everything the signer produces, the verifier must accept. */
static void
t_roundtrip(const char *method, const struct aws_header *h, size_t nh,
    const void *body, size_t body_len, const struct aws_sigv4_result *res,
    const char *url, const struct aws_creds *c, time_t when)
{
	struct t_wire			w;
	struct aws_sigv4_verdict	v;
	int				rv;

	t_wire_build(&w, method, h, nh, body, body_len, res, url);
	rv = t_wire_check(&w, c, when, &v);
	if (rv != 0)
		print_error("verify %s %s: %s: %s\n", method, w.target, v.code,
		    v.message);
	assert_int_equal(rv, 0);
	assert_int_equal(v.fault, AWS_SIGV4_OK);
	assert_int_equal(v.presigned, res->presigned_url != NULL);
	aws_sigv4_verdict_free(&v);
	t_wire_free(&w);
	t_verified++;
}

/* ---- table tests of the building blocks ---- */

static void
test_sigv4_uri_encode_table(void **state)
{
	static const struct {
		const char	*in;
		int		 slash;
		const char	*out;
	} t[] = {
		{ "", 1, "" },
		{ "AZaz09-_.~", 1, "AZaz09-_.~" },
		{ "a b+c", 1, "a%20b%2Bc" },
		{ "/a/b", 1, "%2Fa%2Fb" },
		{ "/a/b", 0, "/a/b" },
		{ "%2F", 0, "%252F" },
		{ "\xe1\x88\xb4", 1, "%E1%88%B4" },
		{ "=&?#*", 1, "%3D%26%3F%23%2A" },
	};
	size_t	 i;
	char	*s;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		s = aws_sigv4_uri_encode(t[i].in, strlen(t[i].in), t[i].slash);
		assert_string_equal(s, t[i].out);
		free(s);
	}
}

static void
test_sigv4_amz_date_roundtrip(void **state)
{
	static const struct {
		const char	*s;
		int		 ok;
	} t[] = {
		{ "20150830T123600Z", 1 }, { "20240229T235959Z", 1 },
		{ "19700101T000000Z", 1 }, { "99991231T235959Z", 1 },
		{ "20230229T000000Z", 0 }, { "20150830T246000Z", 0 },
		{ "20151330T000000Z", 0 }, { "20150830 123600Z", 0 },
		{ "20150830T123600", 0 }, { "2015083OT123600Z", 0 },
		{ "19691231T235959Z", 0 }, { "", 0 },
	};
	size_t	 i;
	time_t	 when;
	char	 out[17];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		assert_int_equal(aws_sigv4_parse_amz_date(t[i].s, &when),
		    t[i].ok ? 0 : -1);
		if (!t[i].ok)
			continue;
		aws_sigv4_amz_date(when, out);
		assert_string_equal(out, t[i].s);
	}
	aws_sigv4_amz_date(1440938160, out);
	assert_string_equal(out, "20150830T123600Z");
}

/* Path, query and header canonicalisation, one line each. */
static void
test_sigv4_canonical_parts_table(void **state)
{
	static const struct {
		const char	*path;
		const char	*query;		/* NULL: none */
		int		 s3;
		const char	*hname, *hvalue;
		const char	*want;		/* lines 2 to 4 */
	} t[] = {
		{ "", NULL, 0, "Host", "h", "/\n\nhost:h\n" },
		{ "/a/./b/../c//d/", NULL, 0, "Host", "h",
		    "/a/c/d/\n\nhost:h\n" },
		{ "/a/b/..", NULL, 0, "Host", "h", "/a\n\nhost:h\n" },
		{ "/../..", NULL, 0, "Host", "h", "/\n\nhost:h\n" },
		{ "/a%2Fb c", NULL, 0, "Host", "h",
		    "/a%252Fb%20c\n\nhost:h\n" },
		{ "//a/./%2F b", NULL, 1, "Host", "h",
		    "//a/./%2F%20b\n\nhost:h\n" },
		{ "/", "", 0, "Host", "h", "/\n\nhost:h\n" },
		{ "/", "b=2&a=1&a=&c", 0, "Host", "h",
		    "/\na=&a=1&b=2&c=\nhost:h\n" },
		{ "/", "a=%2f&a=%2F%41&&x+y=%zz", 0, "Host", "h",
		    "/\na=%2F&a=%2FA&x%2By=%25zz\nhost:h\n" },
		{ "/", "Z=1&a=1&_=1", 0, "Host", "h",
		    "/\nZ=1&_=1&a=1\nhost:h\n" },
		{ "/", NULL, 0, "My-Header", "  a \t  b  c  ",
		    "/\n\nmy-header:a b c\n" },
		{ "/", NULL, 0, "X", "", "/\n\nx:\n" },
	};
	struct aws_header	 h[1];
	size_t			 i;
	char			*creq, *list, *cause, *want;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		h[0].name = t[i].hname;
		h[0].value = t[i].hvalue;
		assert_int_equal(aws_sigv4_canonical_request("get", t[i].path,
		    strlen(t[i].path), t[i].query, t[i].query != NULL ?
		    strlen(t[i].query) : 0, NULL, h, 1, "P", t[i].s3 ? SIGV4_PATH_AS_IS : 0, &creq,
		    &list, &cause), 0);
		xasprintf(&want, "GET\n%s\n%s\nP", t[i].want, list);
		assert_string_equal(creq, want);
		free(want);
		free(creq);
		free(list);
	}
}

/* Repeated headers join with ',' in the order given, sorted by name. */
static void
test_sigv4_headers_join_in_order(void **state)
{
	struct aws_header	 h[] = {
		{ "b", "2" }, { "A", "z" }, { "B", " 1 " }, { "a", "y" },
	};
	char			*creq, *list, *cause;

	assert_int_equal(aws_sigv4_canonical_request("GET", "/", 1, NULL, 0,
	    NULL, h, 4, "P", 0, &creq, &list, &cause), 0);
	assert_string_equal(creq, "GET\n/\n\na:z,y\nb:2,1\n\na;b\nP");
	assert_string_equal(list, "a;b");
	free(creq);
	free(list);
}

/* The Host header the signer derives from the URL. */
static void
test_sigv4_host_from_url_table(void **state)
{
	static const struct {
		const char	*url;
		const char	*host;
	} t[] = {
		{ "https://Example.COM/", "example.com" },
		{ "https://example.com:443/x", "example.com" },
		{ "http://example.com:80", "example.com" },
		{ "http://example.com:443/", "example.com:443" },
		{ "https://127.0.0.1:4566/", "127.0.0.1:4566" },
		{ "wss://h:443/v1?x=1", "h" },
		{ "ws://h:8080/", "h:8080" },
		{ "http://[::1]:8080/", "[::1]:8080" },
		{ "https://[FD00:EC2::254]/", "[fd00:ec2::254]" },
		{ "https://h?x", "h" },
		{ "https://h:08443/", "h:8443" },
		{ "https://h:0443/", "h" },
	};
	struct aws_creds		c = { (char *)t_akid, (char *)t_secret,
					    NULL, 0, NULL, NULL };
	struct aws_sigv4_request	r;
	struct aws_sigv4_result		res;
	size_t				i;
	char				*cause;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(&r, 0, sizeof r);
		r.method = "GET";
		r.url = t[i].url;
		r.region = "us-east-1";
		r.service = "ssm";
		r.when = 1440938160;
		assert_int_equal(aws_sigv4_sign(&r, &c, &res, &cause), 0);
		assert_string_equal(res.host, t[i].host);
		aws_sigv4_result_free(&res);
	}
}

/* Bad input is refused with a cause that names what is wrong. */
static void
test_sigv4_sign_rejects_table(void **state)
{
	static const struct aws_header	dated[] = {
		{ "X-Amz-Date", "x" } };
	static const struct aws_header	token[] = {
		{ "x-amz-security-token", "x" } };
	static const struct aws_header	crlf[] = { { "X", "a\r\nB: c" } };
	static const struct aws_header	badname[] = { { "a b", "c" } };
	static const struct aws_header	sha[] = {
		{ "X-Amz-Content-Sha256", "x" } };
	static const struct {
		const char		*url;
		const char		*method;
		const char		*region;
		const struct aws_header	*h;
		int			 presign;
		unsigned		 expires;
		int			 sign_body;
		const char		*akid;
		const char		*cause;
	} t[] = {
		{ "example.com/", "GET", "r", NULL, 0, 0, 0, NULL, "scheme" },
		{ "https://u:p@h/", "GET", "r", NULL, 0, 0, 0, NULL,
		    "user information" },
		{ "https://h/#frag", "GET", "r", NULL, 0, 0, 0, NULL,
		    "fragment" },
		{ "https://h/\n", "GET", "r", NULL, 0, 0, 0, NULL, "control" },
		{ "https://h:0/", "GET", "r", NULL, 0, 0, 0, NULL, "port" },
		{ "https://h:99999/", "GET", "r", NULL, 0, 0, 0, NULL, "port" },
		{ "https://h:/", "GET", "r", NULL, 0, 0, 0, NULL, "port" },
		{ "https://h h/", "GET", "r", NULL, 0, 0, 0, NULL, "bad host" },
		{ "https:///x", "GET", "r", NULL, 0, 0, 0, NULL, "bad host" },
		{ "https://[::1/", "GET", "r", NULL, 0, 0, 0, NULL,
		    "bad host" },
		{ "https://h/", "G T", "r", NULL, 0, 0, 0, NULL, "method" },
		{ "https://h/", "", "r", NULL, 0, 0, 0, NULL, "method" },
		{ "https://h/", "GET", "", NULL, 0, 0, 0, NULL, "region" },
		{ "https://h/", "GET", "us east", NULL, 0, 0, 0, NULL,
		    "region" },
		{ "https://h/", "GET", "r", dated, 0, 0, 0, NULL,
		    "X-Amz-Date" },
		{ "https://h/", "GET", "r", token, 0, 0, 0, NULL,
		    "X-Amz-Security-Token" },
		{ "https://h/", "GET", "r", crlf, 0, 0, 0, NULL, "control" },
		{ "https://h/", "GET", "r", badname, 0, 0, 0, NULL, "token" },
		{ "https://h/", "GET", "r", sha, 0, 0, 1, NULL, "sign_body" },
		{ "https://h/", "GET", "r", NULL, 1, 0, 0, NULL, "expires 0" },
		{ "https://h/", "GET", "r", NULL, 1, 604801, 0, NULL,
		    "out of range" },
		{ "https://h/?a=1&X-Amz-Signature=x", "GET", "r", NULL, 1, 60,
		    0, NULL, "already has X-Amz-Signature" },
		{ "https://h/?X-Amz-%43redential=x", "GET", "r", NULL, 1, 60,
		    0, NULL, "already has X-Amz-Credential" },
		{ "https://h/?X-Amz-Signature=x", "GET", "r", NULL, 0, 0, 0,
		    NULL, "already has X-Amz-Signature" },
		{ "https://h/", "GET", "r", NULL, 0, 0, 0, "AKID/X",
		    "access key id" },
		{ "https://h/", "GET", "r", NULL, 0, 0, 0, "",
		    "access key id" },
	};
	struct aws_creds		c;
	struct aws_sigv4_request	r;
	struct aws_sigv4_result		res;
	size_t				i;
	char				*cause;
	int				rv;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(&c, 0, sizeof c);
		c.access_key_id = (char *)(t[i].akid != NULL ? t[i].akid :
		    t_akid);
		c.secret_access_key = (char *)t_secret;
		memset(&r, 0, sizeof r);
		r.method = t[i].method;
		r.url = t[i].url;
		r.headers = t[i].h;
		r.nheaders = t[i].h != NULL ? 1 : 0;
		r.region = t[i].region;
		r.service = "ssm";
		r.when = 1440938160;
		r.expires = t[i].expires;
		r.sign_body = t[i].sign_body;
		cause = NULL;
		if (t[i].presign)
			rv = aws_sigv4_presign(&r, &c, &res, &cause);
		else
			rv = aws_sigv4_sign(&r, &c, &res, &cause);
		if (rv != -1 || cause == NULL ||
		    strstr(cause, t[i].cause) == NULL)
			print_error("case %zu (%s): rv %d cause \"%s\"\n", i,
			    t[i].url, rv, cause != NULL ? cause : "");
		assert_int_equal(rv, -1);
		assert_non_null(cause);
		assert_non_null(strstr(cause, t[i].cause));
		assert_null(res.signature);
		free(cause);
	}
}

/* The signing time must fit the YYYY of the scope. */
static void
test_sigv4_sign_rejects_time(void **state)
{
	struct aws_creds		c = { (char *)t_akid, (char *)t_secret,
					    NULL, 0, NULL, NULL };
	struct aws_sigv4_request	r;
	struct aws_sigv4_result		res;
	char				*cause;

	memset(&r, 0, sizeof r);
	r.method = "GET";
	r.url = "https://h/";
	r.region = "us-east-1";
	r.service = "ssm";
	r.when = -1;
	assert_int_equal(aws_sigv4_sign(&r, &c, &res, &cause), -1);
	assert_non_null(strstr(cause, "1970 to 9999"));
	free(cause);
	r.when = (time_t)253402300800LL;	/* 10000-01-01 */
	assert_int_equal(aws_sigv4_sign(&r, &c, &res, &cause), -1);
	free(cause);
}

/* A long query comes out sorted by key (one sort, not pairwise). */
static void
test_sigv4_long_query_sorted(void **state)
{
	struct aws_header	 h = { "host", "h" };
	char			*q, *creq, *list, *cause, *p;
	char			 prev[32], key[32];
	size_t			 i, n = 20000, len = 0, klen;

	q = xmalloc(n * 16);
	for (i = 0; i < n; i++)
		len += snprintf(q + len, 16, "%sk%zu=%zu", i ? "&" : "",
		    (i * 7919) % n, i);
	assert_int_equal(aws_sigv4_canonical_request("GET", "/", 1, q, len,
	    NULL, &h, 1, "P", 0, &creq, &list, &cause), 0);
	p = strchr(creq, '\n') + 3;
	prev[0] = '\0';
	for (i = 0; i < n; i++) {
		klen = strcspn(p, "=");
		assert_true(klen < sizeof key);
		memcpy(key, p, klen);
		key[klen] = '\0';
		assert_true(strcmp(prev, key) < 0);
		strlcpy(prev, key, sizeof prev);
		p += strcspn(p, "&\n");
		assert_int_equal(*p, i + 1 < n ? '&' : '\n');
		p++;
	}
	free(q);
	free(creq);
	free(list);
}

static void
test_sigv4_query_get_decodes(void **state)
{
	const char	*q = "a=1&X-Amz-%43redential=A%2FB&a=2&z&n=%00";
	char		*v;

	assert_int_equal(aws_sigv4_query_get(q, strlen(q), "a", &v), 2);
	assert_string_equal(v, "1");
	free(v);
	assert_int_equal(aws_sigv4_query_get(q, strlen(q), "X-Amz-Credential",
	    &v), 1);
	assert_string_equal(v, "A/B");
	free(v);
	assert_int_equal(aws_sigv4_query_get(q, strlen(q), "z", &v), 1);
	assert_string_equal(v, "");
	free(v);
	assert_int_equal(aws_sigv4_query_get(q, strlen(q), "n", &v), -1);
	assert_null(v);
	assert_int_equal(aws_sigv4_query_get(q, strlen(q), "b", NULL), 0);
	assert_int_equal(aws_sigv4_query_get(NULL, 0, "b", &v), 0);
}

/* ---- the old suite (aws4_testsuite): .creq, .sts, .authz ---- */

static void
test_sigv4_old_suite_case(void **state)
{
	const struct t_case		*tc = *state;
	struct aws_creds		 c = { (char *)t_akid,
					    (char *)t_secret, NULL, 0, NULL,
					    NULL };
	struct aws_sigv4_request	 r;
	struct aws_sigv4_result		 res;
	struct t_req			 q;
	const char			*date, *token;
	char				*file, *text, *creq, *url, *cause;
	char				*p;

	xasprintf(&file, "%s.req", tc->name);
	text = t_read_in(tc->dir, file);
	free(file);
	assert_non_null(text);
	t_req_parse(text, &q);
	date = t_req_take(&q, "X-Amz-Date");
	token = t_req_take(&q, "X-Amz-Security-Token");
	xasprintf(&file, "%s.creq", tc->name);
	creq = t_read_in(tc->dir, file);
	free(file);
	assert_non_null(creq);

	memset(&r, 0, sizeof r);
	/* The token of a case is the one its canonical request signs; one
	 * sent but not signed is the "after" form. */
	if ((p = strstr(creq, "\nx-amz-security-token:")) != NULL) {
		p += strlen("\nx-amz-security-token:");
		c.session_token = xstrndup(p, strcspn(p, "\n"));
	} else if (token != NULL) {
		c.session_token = xstrdup(token);
		r.omit_token = 1;
	}
	assert_non_null(date);
	assert_int_equal(aws_sigv4_parse_amz_date(date, &r.when), 0);
	url = t_req_request(&q, &r);
	r.region = "us-east-1";
	r.service = "service";
	if (aws_sigv4_sign(&r, &c, &res, &cause) != 0)
		fail_msg("%s: %s", tc->name, cause);

	xasprintf(&file, "%s.creq", tc->name);
	t_expect_file(tc->dir, file, res.canonical_request);
	free(file);
	xasprintf(&file, "%s.sts", tc->name);
	t_expect_file(tc->dir, file, res.string_to_sign);
	free(file);
	xasprintf(&file, "%s.authz", tc->name);
	t_expect_file(tc->dir, file, res.authorization);
	free(file);
	if (!r.omit_token)
		t_roundtrip(r.method, r.headers, r.nheaders, r.body,
		    r.body_len, &res, url, &c, r.when);

	aws_sigv4_result_free(&res);
	free(c.session_token);
	free(url);
	free(creq);
	t_req_free(&q);
	t_old_pass++;
}

/* ---- the new suite (aws-signing-test-suite/v4): header and query ---- */

static void
t_param_sort(char **v, size_t n)
{
	size_t	i, j;
	char	*tmp;

	for (i = 1; i < n; i++) {
		for (j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			tmp = v[j];
			v[j] = v[j - 1];
			v[j - 1] = tmp;
		}
	}
}

/* Compare the query parameters of two URLs as sets (order differs). */
static void
t_same_params(const char *want, const char *got)
{
	char	*a[64], *b[64], *wa, *ga, *s;
	size_t	 na = 0, nb = 0, i;

	wa = xstrdup(strchr(want, '?') + 1);
	ga = xstrdup(strchr(got, '?') + 1);
	for (s = strtok(wa, "&"); s != NULL && na < 64; s = strtok(NULL, "&"))
		a[na++] = s;
	for (s = strtok(ga, "&"); s != NULL && nb < 64; s = strtok(NULL, "&"))
		b[nb++] = s;
	t_param_sort(a, na);
	t_param_sort(b, nb);
	assert_int_equal(na, nb);
	for (i = 0; i < na; i++)
		assert_string_equal(a[i], b[i]);
	free(wa);
	free(ga);
}

static void
test_sigv4_new_suite_case(void **state)
{
	const struct t_case		*tc = *state;
	struct aws_creds		 c;
	struct aws_sigv4_request	 r;
	struct aws_sigv4_result		 res;
	struct t_req			 q;
	cJSON				*ctx, *cred, *item;
	char				*text, *url, *cause, *signedreq, *p;
	char				 date[17];
	const char			*ts;
	size_t				 i, j;
	int				 rv;

	text = t_read_in(tc->dir, "context.json");
	assert_non_null(text);
	ctx = cJSON_Parse(text);
	free(text);
	assert_non_null(ctx);
	cred = cJSON_GetObjectItem(ctx, "credentials");
	memset(&c, 0, sizeof c);
	c.access_key_id = cJSON_GetStringValue(cJSON_GetObjectItem(cred,
	    "access_key_id"));
	c.secret_access_key = cJSON_GetStringValue(cJSON_GetObjectItem(cred,
	    "secret_access_key"));
	c.session_token = cJSON_GetStringValue(cJSON_GetObjectItem(cred,
	    "token"));

	memset(&r, 0, sizeof r);
	ts = cJSON_GetStringValue(cJSON_GetObjectItem(ctx, "timestamp"));
	for (i = j = 0; ts[i] != '\0' && j < 16; i++) {
		if (ts[i] != '-' && ts[i] != ':')
			date[j++] = ts[i];
	}
	date[j] = '\0';
	assert_int_equal(aws_sigv4_parse_amz_date(date, &r.when), 0);
	r.region = cJSON_GetStringValue(cJSON_GetObjectItem(ctx, "region"));
	r.service = cJSON_GetStringValue(cJSON_GetObjectItem(ctx, "service"));
	r.no_normalize = !cJSON_IsTrue(cJSON_GetObjectItem(ctx, "normalize"));
	r.sign_body = cJSON_IsTrue(cJSON_GetObjectItem(ctx, "sign_body"));
	r.omit_token = cJSON_IsTrue(cJSON_GetObjectItem(ctx,
	    "omit_session_token"));
	item = cJSON_GetObjectItem(ctx, "expiration_in_seconds");
	r.expires = cJSON_IsNumber(item) ? (unsigned)item->valuedouble : 0;

	text = t_read_in(tc->dir, "request.txt");
	assert_non_null(text);
	t_req_parse(text, &q);
	url = t_req_request(&q, &r);

	if (tc->query)
		rv = aws_sigv4_presign(&r, &c, &res, &cause);
	else
		rv = aws_sigv4_sign(&r, &c, &res, &cause);
	if (rv != 0)
		fail_msg("%s: %s", tc->name, cause);
	t_expect_file(tc->dir, tc->query ? "query-canonical-request.txt" :
	    "header-canonical-request.txt", res.canonical_request);
	t_expect_file(tc->dir, tc->query ? "query-string-to-sign.txt" :
	    "header-string-to-sign.txt", res.string_to_sign);
	t_expect_file(tc->dir, tc->query ? "query-signature.txt" :
	    "header-signature.txt", res.signature);

	signedreq = t_read_in(tc->dir, tc->query ?
	    "query-signed-request.txt" : "header-signed-request.txt");
	assert_non_null(signedreq);
	if (tc->query) {
		*strchr(signedreq, '\n') = '\0';
		*strrchr(signedreq, ' ') = '\0';
		t_same_params(signedreq, res.presigned_url);
	} else {
		p = strstr(signedreq, "\nAuthorization:");
		assert_non_null(p);
		p += strlen("\nAuthorization:");
		p[strcspn(p, "\n")] = '\0';
		assert_string_equal(p, res.authorization);
	}
	if (!r.omit_token && !r.no_normalize)
		t_roundtrip(r.method, r.headers, r.nheaders, r.body,
		    r.body_len, &res, url, &c, r.when);
	free(signedreq);
	aws_sigv4_result_free(&res);
	free(url);
	t_req_free(&q);
	cJSON_Delete(ctx);
	t_new_pass++;
}

/* ---- extra-vectors.json and docs-examples.json ---- */

static cJSON *
t_load_json(const char *file)
{
	char	*rel;
	cJSON	*j;

	xasprintf(&rel, "sigv4/%s", file);
	if ((j = testdata_json(rel)) == NULL)
		fail_msg("cannot load %s", rel);
	free(rel);
	return (j);
}

static const char *
t_str(const cJSON *o, const char *key)
{
	return (cJSON_GetStringValue(cJSON_GetObjectItem(o, key)));
}

/* Build the signer's inputs from a vector's "input". */
static void
t_vec_request(const cJSON *in, struct aws_sigv4_request *r,
    struct aws_creds *c, struct aws_header *h)
{
	const cJSON	*req, *cred, *pair;
	size_t		 n = 0;

	req = cJSON_GetObjectItem(in, "request");
	cred = cJSON_GetObjectItem(in, "credentials");
	memset(c, 0, sizeof *c);
	c->access_key_id = (char *)t_str(cred, "access_key_id");
	c->secret_access_key = (char *)t_str(cred, "secret_access_key");
	c->session_token = (char *)t_str(cred, "session_token");
	memset(r, 0, sizeof *r);
	if (req == NULL)
		req = in;
	r->method = t_str(req, "method");
	r->url = t_str(req, "url");
	cJSON_ArrayForEach(pair, cJSON_GetObjectItem(req, "headers")) {
		assert_true(n < T_MAX_HEADERS);
		h[n].name = cJSON_GetStringValue(cJSON_GetArrayItem(pair, 0));
		h[n++].value = cJSON_GetStringValue(
		    cJSON_GetArrayItem(pair, 1));
	}
	r->headers = h;
	r->nheaders = n;
	r->body = t_str(req, "body");
	r->body_len = r->body != NULL ? strlen(r->body) : 0;
	r->region = t_str(in, "region");
	r->service = t_str(in, "service");
	assert_int_equal(aws_sigv4_parse_amz_date(t_str(in, "timestamp"),
	    &r->when), 0);
	if (cJSON_IsNumber(cJSON_GetObjectItem(in, "expires")))
		r->expires = cJSON_GetObjectItem(in, "expires")->valueint;
}

static void
t_expect_key(const struct aws_sigv4_request *r, const struct aws_creds *c,
    const char *want)
{
	uint8_t	key[32];
	char	date[9], hex[65];

	aws_sigv4_amz_date(r->when, hex);
	memcpy(date, hex, 8);
	date[8] = '\0';
	aws_sigv4_signing_key(c->secret_access_key, date, r->region,
	    r->service, key);
	util_hex(key, sizeof key, hex);
	assert_string_equal(hex, want);
}

static void
test_sigv4_extra_vector(void **state)
{
	const cJSON			*vec = *state, *exp, *in, *pair;
	struct aws_sigv4_request	 r;
	struct aws_sigv4_result		 res;
	struct aws_creds		 c;
	struct aws_header		 h[T_MAX_HEADERS];
	char				*cause;
	size_t				 i = 0;
	int				 query;

	in = cJSON_GetObjectItem(vec, "input");
	exp = cJSON_GetObjectItem(vec, "expected");
	query = strcmp(t_str(vec, "kind"), "query") == 0;
	t_vec_request(in, &r, &c, h);
	if ((query ? aws_sigv4_presign(&r, &c, &res, &cause) :
	    aws_sigv4_sign(&r, &c, &res, &cause)) != 0)
		fail_msg("%s: %s", t_str(vec, "id"), cause);
	assert_string_equal(res.payload_hash, t_str(exp, "payload_sha256"));
	assert_string_equal(res.canonical_request,
	    t_str(exp, "canonical_request"));
	assert_string_equal(res.string_to_sign, t_str(exp, "string_to_sign"));
	assert_string_equal(res.signed_headers, t_str(exp, "signed_headers"));
	assert_string_equal(res.signature, t_str(exp, "signature"));
	t_expect_key(&r, &c, t_str(exp, "signing_key_hex"));
	if (query) {
		assert_string_equal(res.presigned_url,
		    t_str(exp, "presigned_url"));
		assert_int_equal(res.nadd, 0);
		assert_null(res.authorization);
	} else {
		assert_string_equal(res.authorization,
		    t_str(exp, "authorization"));
		assert_null(res.presigned_url);
		cJSON_ArrayForEach(pair, cJSON_GetObjectItem(exp,
		    "headers_added")) {
			assert_true(i < res.nadd);
			assert_string_equal(res.add[i].name,
			    cJSON_GetStringValue(cJSON_GetArrayItem(pair, 0)));
			assert_string_equal(res.add[i].value,
			    cJSON_GetStringValue(cJSON_GetArrayItem(pair, 1)));
			i++;
		}
		assert_int_equal(i, res.nadd);
	}
	t_roundtrip(r.method, r.headers, r.nheaders, r.body, r.body_len, &res,
	    r.url, &c, r.when);
	aws_sigv4_result_free(&res);
	t_extra_pass++;
}

/* A documented example: the S3 presigned GET (no normalisation and
 * UNSIGNED-PAYLOAD) or a header-signed request. */
static void
t_docs_sign(const cJSON *ex, int s3)
{
	const cJSON			*in, *exp;
	struct aws_sigv4_request	 r;
	struct aws_sigv4_result		 res;
	struct aws_creds		 c;
	struct aws_header		 h[T_MAX_HEADERS];
	char				*cause;

	in = cJSON_GetObjectItem(ex, "input");
	exp = cJSON_GetObjectItem(ex, "expected");
	t_vec_request(in, &r, &c, h);
	if (s3) {
		assert_string_equal(t_str(in, "payload_hash"),
		    "UNSIGNED-PAYLOAD");
		r.no_normalize = 1;
		r.unsigned_payload = 1;
	}
	if ((s3 ? aws_sigv4_presign(&r, &c, &res, &cause) :
	    aws_sigv4_sign(&r, &c, &res, &cause)) != 0)
		fail_msg("%s", cause);
	assert_string_equal(res.canonical_request,
	    t_str(exp, "canonical_request"));
	assert_string_equal(res.string_to_sign, t_str(exp, "string_to_sign"));
	assert_string_equal(res.signature, t_str(exp, "signature"));
	if (s3)
		assert_string_equal(res.presigned_url,
		    t_str(exp, "presigned_url"));
	else {
		assert_string_equal(res.authorization,
		    t_str(exp, "authorization"));
		t_expect_key(&r, &c, t_str(exp, "signing_key_hex"));
		t_roundtrip(r.method, r.headers, r.nheaders, r.body,
		    r.body_len, &res, r.url, &c, r.when);
	}
	aws_sigv4_result_free(&res);
}

static void
t_docs_key(const cJSON *ex)
{
	const cJSON	*in, *exp;
	uint8_t		 key[32];
	char		 hex[65];

	in = cJSON_GetObjectItem(ex, "input");
	exp = cJSON_GetObjectItem(ex, "expected");
	aws_sigv4_signing_key(t_str(in, "secret_access_key"),
	    t_str(in, "date"), t_str(in, "region"), t_str(in, "service"), key);
	util_hex(key, sizeof key, hex);
	assert_string_equal(hex, t_str(exp, "kSigning_hex"));
}

static void
test_sigv4_docs_example(void **state)
{
	const cJSON	*ex = *state;
	const char	*id = t_str(ex, "id");

	if (strcmp(id, "signing-key-derivation") == 0)
		t_docs_key(ex);
	else
		t_docs_sign(ex, strcmp(id, "s3-presigned-get-object") == 0);
	t_docs_pass++;
}

/* ---- the verifier: what it rejects, and with which code ---- */

enum t_tamper {
	T_NONE, T_SIG, T_BODY, T_HEADER, T_DATE, T_LATE, T_EARLY, T_KEY,
	T_TOKEN, T_NOTOKEN, T_EXPIRED, T_NOAUTH, T_GARBLED, T_TERMINATOR,
	T_QUERY, T_URL_EXPIRED, T_UNSIGNED_TOKEN, T_SCOPE_DATE,
};

struct t_reject {
	const char	*vector;
	enum t_tamper	 tamper;
	const char	*code;
	int		 status;
};

/* Find a wire header by name. */
static struct aws_header *
t_wire_header(struct t_wire *w, const char *name)
{
	size_t	i;

	for (i = 0; i < w->nh; i++) {
		if (strcasecmp(w->h[i].name, name) == 0)
			return (&w->h[i]);
	}
	return (NULL);
}

/* Replace a header's value with a copy changed by one byte at offset. */
static char *
t_flip(struct aws_header *h, size_t off)
{
	char	*s;

	s = xstrdup(h->value);
	assert_true(off < strlen(s));
	s[off] = s[off] == 'a' ? 'b' : 'a';
	h->value = s;
	return (s);
}

static void
t_tamper(struct t_wire *w, enum t_tamper t, struct aws_creds *c,
    time_t *now, char **keep)
{
	struct aws_header	*h;
	char			*p;

	switch (t) {
	case T_NONE:
		break;
	case T_SIG:
		if ((p = strstr(w->target, "X-Amz-Signature=")) != NULL)
			p[20] = p[20] == 'a' ? 'b' : 'a';
		else {
			h = t_wire_header(w, "Authorization");
			*keep = t_flip(h, strlen(h->value) - 5);
		}
		break;
	case T_BODY:
		assert_true(w->body_len > 0);
		w->body[w->body_len / 2] ^= 0x01;
		break;
	case T_HEADER:
		if ((h = t_wire_header(w, "X-Amz-Target")) == NULL)
			h = t_wire_header(w, "Host");
		*keep = t_flip(h, 1);
		break;
	case T_DATE:
		h = t_wire_header(w, "X-Amz-Date");
		*keep = xstrdup(h->value);
		(*keep)[14] = (*keep)[14] == '9' ? '8' : (*keep)[14] + 1;
		h->value = *keep;
		break;
	case T_LATE:
		*now += AWS_SIGV4_MAX_SKEW + 1;
		break;
	case T_EARLY:
		*now -= AWS_SIGV4_MAX_SKEW + 1;
		break;
	case T_KEY:
		c->access_key_id = "AKIDOTHER";
		break;
	case T_TOKEN:
		c->session_token = "some-other-token";
		break;
	case T_NOTOKEN:
		c->session_token = NULL;
		break;
	case T_EXPIRED:
		c->expiration = *now;
		break;
	case T_NOAUTH:
		h = t_wire_header(w, "Authorization");
		h->name = "X-Not-Authorization";
		break;
	case T_GARBLED:
		h = t_wire_header(w, "Authorization");
		h->value = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830";
		break;
	case T_TERMINATOR:
		h = t_wire_header(w, "Authorization");
		*keep = xstrdup(h->value);
		p = strstr(*keep, "aws4_request");
		p[0] = 'x';
		h->value = *keep;
		break;
	case T_QUERY:
		p = strstr(w->target, "role=");
		p[5] ^= 0x20;
		break;
	case T_URL_EXPIRED:
		*now += 301;	/* the vectors expire in 60 and 300 s */
		break;
	case T_UNSIGNED_TOKEN:
		h = t_wire_header(w, "Authorization");
		*keep = xstrdup(h->value);
		p = strstr(*keep, ";x-amz-security-token");
		memmove(p, p + strlen(";x-amz-security-token"),
		    strlen(p + strlen(";x-amz-security-token")) + 1);
		h->value = *keep;
		break;
	case T_SCOPE_DATE:
		h = t_wire_header(w, "Authorization");
		*keep = xstrdup(h->value);
		p = strstr(*keep, "/2015");
		p[8] = p[8] == '1' ? '2' : '1';
		h->value = *keep;
		break;
	}
}

static void
test_sigv4_verify_rejects_table(void **state)
{
	static const struct t_reject	t[] = {
		{ "ssm-start-session-with-token", T_NONE, NULL, 200 },
		{ "ssm-start-session-with-token", T_SIG,
		    "SignatureDoesNotMatch", 403 },
		{ "ssm-start-session-with-token", T_BODY,
		    "SignatureDoesNotMatch", 403 },
		{ "ssm-start-session-with-token", T_HEADER,
		    "SignatureDoesNotMatch", 403 },
		{ "ssm-start-session-with-token", T_DATE,
		    "SignatureDoesNotMatch", 403 },
		{ "ssm-start-session-with-token", T_LATE,
		    "InvalidSignatureException", 400 },
		{ "ssm-start-session-with-token", T_EARLY,
		    "InvalidSignatureException", 400 },
		{ "ssm-start-session-with-token", T_KEY,
		    "UnrecognizedClientException", 400 },
		{ "ssm-start-session-with-token", T_TOKEN,
		    "UnrecognizedClientException", 400 },
		{ "ssm-start-session-with-token", T_NOTOKEN,
		    "UnrecognizedClientException", 400 },
		{ "ssm-start-session-with-token", T_EXPIRED,
		    "ExpiredTokenException", 400 },
		{ "ssm-start-session-with-token", T_NOAUTH,
		    "MissingAuthenticationToken", 403 },
		{ "ssm-start-session-with-token", T_GARBLED,
		    "IncompleteSignature", 400 },
		{ "ssm-start-session-with-token", T_TERMINATOR,
		    "IncompleteSignature", 400 },
		{ "ssm-start-session-with-token", T_UNSIGNED_TOKEN,
		    "IncompleteSignature", 400 },
		{ "ssm-start-session-with-token", T_SCOPE_DATE,
		    "SignatureDoesNotMatch", 403 },
		{ "kms-generate-data-key", T_SIG, "SignatureDoesNotMatch",
		    403 },
		{ "kms-generate-data-key", T_TOKEN,
		    "UnrecognizedClientException", 400 },
		{ "sts-assume-role-query-protocol", T_NONE, NULL, 200 },
		{ "sts-assume-role-query-protocol", T_BODY,
		    "SignatureDoesNotMatch", 403 },
		{ "sts-assume-role-query-protocol", T_KEY,
		    "InvalidClientTokenId", 403 },
		{ "sts-assume-role-query-protocol", T_LATE,
		    "SignatureDoesNotMatch", 403 },
		{ "sts-assume-role-query-protocol", T_EXPIRED,
		    "ExpiredToken", 400 },
		{ "ssm-endpoint-override-loopback", T_HEADER,
		    "SignatureDoesNotMatch", 403 },
		{ "ssmmessages-websocket-presigned-with-token", T_NONE, NULL,
		    200 },
		{ "ssmmessages-websocket-presigned-with-token", T_SIG,
		    "SignatureDoesNotMatch", 403 },
		{ "ssmmessages-websocket-presigned-with-token", T_QUERY,
		    "SignatureDoesNotMatch", 403 },
		{ "ssmmessages-websocket-presigned-with-token", T_HEADER,
		    "SignatureDoesNotMatch", 403 },
		{ "ssmmessages-websocket-presigned-with-token", T_TOKEN,
		    "UnrecognizedClientException", 400 },
		{ "ssmmessages-websocket-presigned-with-token", T_KEY,
		    "UnrecognizedClientException", 400 },
		{ "ssmmessages-websocket-presigned-with-token", T_URL_EXPIRED,
		    "InvalidSignatureException", 400 },
		{ "ssmmessages-websocket-presigned-with-token", T_EARLY,
		    "InvalidSignatureException", 400 },
		{ "ssmmessages-websocket-presigned", T_URL_EXPIRED,
		    "InvalidSignatureException", 400 },
		{ "ssmmessages-websocket-header-signed", T_HEADER,
		    "SignatureDoesNotMatch", 403 },
	};
	const cJSON			*vectors = *state, *vec;
	struct aws_sigv4_request	 r;
	struct aws_sigv4_result		 res;
	struct aws_sigv4_verdict	 v;
	struct aws_creds		 c;
	struct aws_header		 h[T_MAX_HEADERS];
	struct t_wire			 w;
	char				*cause, *keep;
	size_t				 i;
	time_t				 now;
	int				 rv;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		vec = NULL;
		cJSON_ArrayForEach(vec, vectors) {
			if (strcmp(t_str(vec, "id"), t[i].vector) == 0)
				break;
		}
		assert_non_null(vec);
		t_vec_request(cJSON_GetObjectItem(vec, "input"), &r, &c, h);
		if ((strcmp(t_str(vec, "kind"), "query") == 0 ?
		    aws_sigv4_presign(&r, &c, &res, &cause) :
		    aws_sigv4_sign(&r, &c, &res, &cause)) != 0)
			fail_msg("%s: %s", t[i].vector, cause);
		t_wire_build(&w, r.method, r.headers, r.nheaders, r.body,
		    r.body_len, &res, r.url);
		now = r.when;
		keep = NULL;
		t_tamper(&w, t[i].tamper, &c, &now, &keep);
		rv = t_wire_check(&w, &c, now, &v);
		if ((t[i].code == NULL) != (rv == 0) || (t[i].code != NULL &&
		    strcmp(v.code, t[i].code) != 0))
			print_error("case %zu (%s, tamper %d): got %s: %s\n", i,
			    t[i].vector, t[i].tamper, v.code ? v.code : "ok",
			    v.message ? v.message : "");
		if (t[i].code == NULL)
			assert_int_equal(rv, 0);
		else {
			assert_int_equal(rv, -1);
			assert_string_equal(v.code, t[i].code);
			assert_non_null(v.message);
		}
		assert_int_equal(v.status, t[i].status);
		aws_sigv4_verdict_free(&v);
		free(keep);
		t_wire_free(&w);
		aws_sigv4_result_free(&res);
	}
}

/*
 * What a full botocore client put on the wire (client_capture) verifies:
 * the unsigned headers it adds (User-Agent, amz-sdk-*, Content-Length)
 * are not looked at.
 */
static void
test_sigv4_verify_accepts_client_capture(void **state)
{
	const cJSON			*cap = *state, *req, *pair;
	struct aws_creds		 c = { (char *)t_akid, (char *)t_secret,
					    NULL, 0, NULL, NULL };
	struct aws_header		 h[T_MAX_HEADERS];
	struct aws_sigv4_verdict	 v;
	const char			*body;
	size_t				 n = 0;
	time_t				 now;

	req = cJSON_GetObjectItem(cap, "request");
	assert_non_null(req);
	h[n].name = "Host";
	h[n++].value = "ssm.us-east-1.amazonaws.com";
	cJSON_ArrayForEach(pair, cJSON_GetObjectItem(req, "headers")) {
		assert_true(n < T_MAX_HEADERS);
		h[n].name = cJSON_GetStringValue(cJSON_GetArrayItem(pair, 0));
		h[n++].value = cJSON_GetStringValue(
		    cJSON_GetArrayItem(pair, 1));
	}
	body = t_str(req, "body");
	assert_int_equal(aws_sigv4_parse_amz_date("20150830T123600Z", &now), 0);
	assert_int_equal(aws_sigv4_check(t_str(req, "method"), "/", h, n, body,
	    strlen(body), "https", t_lookup, &c, now + 60, 0, &v), 0);
	assert_string_equal(v.service, "ssm");
	assert_string_equal(v.region, "us-east-1");
	assert_string_equal(v.access_key_id, t_akid);
	aws_sigv4_verdict_free(&v);
}

/* Malformed auth of every kind is refused, never crashes. */
static void
test_sigv4_verify_rejects_garbage(void **state)
{
	static const struct {
		const char	*target;
		const char	*authz;
		const char	*code;
	} t[] = {
		{ "/", NULL, "MissingAuthenticationToken" },
		{ "/", "", "IncompleteSignature" },
		{ "/", "AWS4-HMAC-SHA256", "IncompleteSignature" },
		{ "/", "AWS4-HMAC-SHA256 ", "IncompleteSignature" },
		{ "/", "AWS4-HMAC-SHA1 Credential=a", "IncompleteSignature" },
		{ "/", "AWS4-HMAC-SHA256 Credential", "IncompleteSignature" },
		{ "/", "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, "
		    "SignedHeaders=host, Signature=00", "IncompleteSignature" },
		{ "/", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/r/s/"
		    "aws4_request, SignedHeaders=x-amz-date, Signature=00",
		    "IncompleteSignature" },
		{ "/", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/r/s/"
		    "aws4_request/x, SignedHeaders=host, Signature=00",
		    "IncompleteSignature" },
		{ "/", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/r/s/"
		    "aws4_request, Credential=x, SignedHeaders=host, "
		    "Signature=00", "IncompleteSignature" },
		{ "/", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/r/s/"
		    "aws4_request, SignedHeaders=host, Signature=00",
		    "SignatureDoesNotMatch" },
		{ "/?X-Amz-Algorithm=AWS4-HMAC-SHA256", NULL,
		    "IncompleteSignature" },
		{ "/?X-Amz-Signature=00&X-Amz-Algorithm=AWS4-HMAC-SHA256&"
		    "X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fr%2Fs%2F"
		    "aws4_request&X-Amz-Date=20150830T123600Z&"
		    "X-Amz-SignedHeaders=host&X-Amz-Expires=0", NULL,
		    "IncompleteSignature" },
		{ "/?X-Amz-Signature=00&X-Amz-Algorithm=AWS4-HMAC-SHA256&"
		    "X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fr%2Fs%2F"
		    "aws4_request&X-Amz-Date=20150830T123600Z&"
		    "X-Amz-SignedHeaders=host&X-Amz-Expires=60", NULL,
		    "SignatureDoesNotMatch" },
		{ "/?X-Amz-Signature=00&X-Amz-Algorithm=AWS4-HMAC-SHA256&"
		    "X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fr%2Fs%2F"
		    "aws4_request&X-Amz-Date=20150830T123600Z&"
		    "X-Amz-SignedHeaders=host&X-Amz-Expires=60",
		    "AWS4-HMAC-SHA256 Credential=x", "IncompleteSignature" },
		{ "/?X-Amz-Signature=00&X-Amz-Algorithm=AWS4-HMAC-SHA256&"
		    "X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fr%2Fs%2F"
		    "aws4_request&X-Amz-Date=20150830T123600Z&"
		    "X-Amz-SignedHeaders=host&X-Amz-Expires=60&"
		    "X-Amz-Security-Token=%00", NULL, "IncompleteSignature" },
		{ "*", "AWS4-HMAC-SHA256 Credential=x", "IncompleteSignature" },
	};
	struct aws_creds		c = { (char *)t_akid, (char *)t_secret,
					    NULL, 0, NULL, NULL };
	struct aws_header		h[3];
	const char			*code;
	char				*cause;
	size_t				i, n;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		n = 0;
		h[n].name = "Host";
		h[n++].value = "example.amazonaws.com";
		h[n].name = "X-Amz-Date";
		h[n++].value = "20150830T123600Z";
		if (t[i].authz != NULL) {
			h[n].name = "Authorization";
			h[n++].value = t[i].authz;
		}
		code = NULL;
		cause = NULL;
		assert_int_equal(aws_sigv4_verify("GET", t[i].target, h, n,
		    "", 0, "https", t_lookup, &c, 1440938160, &code,
		    &cause), -1);
		if (strcmp(code, t[i].code) != 0)
			print_error("case %zu: %s: %s\n", i, code, cause);
		assert_string_equal(code, t[i].code);
		assert_non_null(cause);
		free(cause);
	}
}

/* ---- walking the suites ---- */

static int
t_is_dir(const char *path)
{
	struct stat	sb;

	return (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode));
}

/* Collect the old suite's cases: directories holding <name>.req. */
static void
t_walk_old(const char *dir, struct t_case *cases, size_t *n)
{
	DIR		*d;
	struct dirent	*de;
	char		*sub, *req;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		xasprintf(&sub, "%s/%s", dir, de->d_name);
		if (!t_is_dir(sub)) {
			free(sub);
			continue;
		}
		xasprintf(&req, "%s/%s.req", sub, de->d_name);
		if (access(req, R_OK) == 0 && *n < T_MAX_CASES) {
			cases[*n].dir = sub;
			cases[(*n)++].name = xstrdup(de->d_name);
		} else {
			t_walk_old(sub, cases, n);
			free(sub);
		}
		free(req);
	}
	closedir(d);
}

/* Collect the new suite's cases: directories holding context.json. */
static void
t_walk_new(const char *dir, struct t_case *cases, size_t *n)
{
	DIR		*d;
	struct dirent	*de;
	char		*sub, *ctx;
	int		 q;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		xasprintf(&sub, "%s/%s", dir, de->d_name);
		xasprintf(&ctx, "%s/context.json", sub);
		for (q = 0; q < 2 && access(ctx, R_OK) == 0 &&
		    *n < T_MAX_CASES; q++) {
			cases[*n].dir = xstrdup(sub);
			xasprintf(&cases[*n].name, "%s (%s)", de->d_name,
			    q ? "query" : "header");
			cases[(*n)++].query = q;
		}
		free(ctx);
		free(sub);
	}
	closedir(d);
}

/* Run one cmocka test per case; return the number that failed. */
static int
t_run_cases(const char *group, struct t_case *cases, size_t n,
    CMUnitTestFunction fn)
{
	struct CMUnitTest	*tests;
	size_t			 i;
	int			 failed;

	tests = xcalloc(n + 1, sizeof *tests);
	for (i = 0; i < n; i++) {
		xasprintf((char **)&tests[i].name, "test_sigv4_%s: %s", group,
		    cases[i].name);
		tests[i].test_func = fn;
		tests[i].initial_state = &cases[i];
	}
	failed = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	for (i = 0; i < n; i++)
		free((char *)tests[i].name);
	free(tests);
	return (failed);
}

/* Run one cmocka test per element of a JSON array. */
static int
t_run_json(const char *group, cJSON *array, CMUnitTestFunction fn)
{
	struct CMUnitTest	*tests;
	cJSON			*item;
	size_t			 i = 0, n;
	int			 failed;

	n = cJSON_GetArraySize(array);
	tests = xcalloc(n + 1, sizeof *tests);
	cJSON_ArrayForEach(item, array) {
		xasprintf((char **)&tests[i].name, "test_sigv4_%s: %s", group,
		    t_str(item, "id"));
		tests[i].test_func = fn;
		tests[i++].initial_state = item;
	}
	failed = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	for (i = 0; i < n; i++)
		free((char *)tests[i].name);
	free(tests);
	return (failed);
}

int
main(void)
{
	const struct CMUnitTest	 unit[] = {
		cmocka_unit_test(test_sigv4_uri_encode_table),
		cmocka_unit_test(test_sigv4_amz_date_roundtrip),
		cmocka_unit_test(test_sigv4_canonical_parts_table),
		cmocka_unit_test(test_sigv4_headers_join_in_order),
		cmocka_unit_test(test_sigv4_host_from_url_table),
		cmocka_unit_test(test_sigv4_sign_rejects_table),
		cmocka_unit_test(test_sigv4_sign_rejects_time),
		cmocka_unit_test(test_sigv4_long_query_sorted),
		cmocka_unit_test(test_sigv4_query_get_decodes),
		cmocka_unit_test(test_sigv4_verify_rejects_garbage),
	};
	struct CMUnitTest	 vt[] = {
		cmocka_unit_test(test_sigv4_verify_rejects_table),
		cmocka_unit_test(test_sigv4_verify_accepts_client_capture),
	};
	static struct t_case	 old[T_MAX_CASES], new[T_MAX_CASES];
	size_t			 nold = 0, nnew = 0;
	cJSON			*extra, *docs;
	char			*dir;
	int			 failed = 0;

	failed += cmocka_run_group_tests_name("sigv4", unit, NULL, NULL);

	xasprintf(&dir, "%s/testdata/sigv4/aws4_testsuite", testdata_dir());
	t_walk_old(dir, old, &nold);
	free(dir);
	t_old_total = nold;
	failed += t_run_cases("old_suite", old, nold,
	    test_sigv4_old_suite_case);

	xasprintf(&dir, "%s/testdata/sigv4/aws-signing-test-suite/v4",
	    testdata_dir());
	t_walk_new(dir, new, &nnew);
	free(dir);
	t_new_total = nnew;
	failed += t_run_cases("new_suite", new, nnew,
	    test_sigv4_new_suite_case);

	extra = t_load_json("extra-vectors.json");
	t_extra_total = cJSON_GetArraySize(cJSON_GetObjectItem(extra,
	    "vectors"));
	failed += t_run_json("extra", cJSON_GetObjectItem(extra, "vectors"),
	    test_sigv4_extra_vector);
	vt[0].initial_state = cJSON_GetObjectItem(extra, "vectors");
	vt[1].initial_state = cJSON_GetObjectItem(extra, "client_capture");
	failed += cmocka_run_group_tests_name("sigv4_verify", vt, NULL, NULL);

	docs = t_load_json("docs-examples.json");
	t_docs_total = cJSON_GetArraySize(cJSON_GetObjectItem(docs,
	    "examples"));
	failed += t_run_json("docs", cJSON_GetObjectItem(docs, "examples"),
	    test_sigv4_docs_example);

	printf("sigv4: %u/%u old suite, %u/%u new suite, %u/%u extra, "
	    "%u/%u docs; %u signed requests verified\n", t_old_pass,
	    t_old_total, t_new_pass, t_new_total, t_extra_pass, t_extra_total,
	    t_docs_pass, t_docs_total, t_verified);
	/* The suites must have been found: an empty walk is a failure. */
	if (t_old_total < 34 || t_new_total < 76 || t_extra_total < 11 ||
	    t_docs_total < 3) {
		printf("sigv4: test data missing under %s\n", testdata_dir());
		failed++;
	}
	cJSON_Delete(extra);
	cJSON_Delete(docs);
	return (failed != 0);
}
