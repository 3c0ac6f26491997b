/*
 * fuzz_sigv4: arbitrary requests through the signer and the verifier.
 *
 * Input: one flags byte, then text: the method on the first line, the URL
 * on the second, "Name:value" header lines up to an empty line, and the
 * body after it. Flags: 0x01 presign, 0x02 sign_body, 0x04 omit_token,
 * 0x08 session token, 0x10 no_normalize, 0x20 unsigned_payload.
 *
 * Each input is (1) signed, and whatever the signer accepts must verify
 * (abort otherwise), unless a flag asks for what the verifier does not
 * check (S3 rules, an unsigned token); and (2) verified as a received
 * request as it stands, which must only return.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_sigv4.h"
#include "fuzz.h"
#include "sigv4_verify.h"
#include "xmalloc.h"

#define FUZZ_MAX_HEADERS	300
#define FUZZ_WHEN		1440938160	/* 20150830T123600Z */

struct fuzz_req {
	char			*method;
	char			*url;
	struct aws_header	 h[FUZZ_MAX_HEADERS + 8];
	size_t			 nh;
	char			*body;
	size_t			 body_len;
};

static const struct aws_creds	*fuzz_creds;

static const struct aws_creds *
fuzz_lookup(const char *akid, void *arg)
{
	if (strcmp(akid, fuzz_creds->access_key_id) != 0)
		return (NULL);
	return (fuzz_creds);
}

/* Split the text into method, URL, headers and body, in place. */
static void
fuzz_parse(char *text, size_t len, struct fuzz_req *r)
{
	char	*line, *next, *colon, *end = text + len;

	memset(r, 0, sizeof *r);
	r->method = text;
	r->url = "";
	r->body = end;
	if ((next = memchr(text, '\n', end - text)) == NULL)
		return;
	*next++ = '\0';
	r->url = next;
	if ((next = memchr(next, '\n', end - next)) == NULL)
		return;
	*next++ = '\0';
	while ((line = next) < end) {
		if ((next = memchr(line, '\n', end - line)) != NULL)
			*next++ = '\0';
		else
			next = end;
		if (*line == '\0')
			break;
		if (r->nh == FUZZ_MAX_HEADERS)
			continue;
		if ((colon = strchr(line, ':')) != NULL)
			*colon++ = '\0';
		r->h[r->nh].name = line;
		r->h[r->nh++].value = colon != NULL ? colon : "";
	}
	r->body = next;
	r->body_len = end - next;
}

/* The path?query part of a URL, as a request target. */
static char *
fuzz_target(const char *url)
{
	const char	*p;
	char		*t;

	if ((p = strstr(url, "://")) == NULL)
		return (xstrdup("/"));
	p += 3;
	p += strcspn(p, "/?");
	if (*p == '/')
		return (xstrdup(p));
	xasprintf(&t, "/%s", p);
	return (t);
}

/* Sign, put it on the wire as a client would, and verify. */
static void
fuzz_roundtrip(struct fuzz_req *r, uint8_t flags)
{
	struct aws_sigv4_request	 req;
	struct aws_sigv4_result		 res;
	struct aws_header		 wire[FUZZ_MAX_HEADERS + 8];
	const char			*code;
	char				*cause, *target;
	size_t				 i, n = 0;
	int				 has_host = 0, expect_ok;

	memset(&req, 0, sizeof req);
	req.method = r->method;
	req.url = r->url;
	req.headers = r->h;
	req.nheaders = r->nh;
	req.body = r->body;
	req.body_len = r->body_len;
	req.region = "us-east-1";
	req.service = "ssm";
	req.when = FUZZ_WHEN;
	req.sign_body = (flags & 0x02) != 0;
	req.omit_token = (flags & 0x04) != 0;
	req.no_normalize = (flags & 0x10) != 0;
	req.unsigned_payload = (flags & 0x20) != 0;
	req.expires = 300;
	cause = NULL;
	if (((flags & 0x01) ? aws_sigv4_presign(&req, fuzz_creds, &res,
	    &cause) : aws_sigv4_sign(&req, fuzz_creds, &res, &cause)) != 0) {
		if (cause == NULL)
			abort();	/* a refusal always says why */
		free(cause);
		return;
	}
	for (i = 0; i < r->nh; i++) {
		wire[n++] = r->h[i];
		if (strcasecmp(r->h[i].name, "host") == 0)
			has_host = 1;
	}
	if (!has_host) {
		wire[n].name = "Host";
		wire[n++].value = res.host;
	}
	for (i = 0; i < res.nadd; i++)
		wire[n++] = res.add[i];
	target = fuzz_target(res.presigned_url != NULL ? res.presigned_url :
	    r->url);
	cause = NULL;
	if (aws_sigv4_verify(r->method, target, wire, n, r->body,
	    r->body_len, "https", fuzz_lookup, NULL, FUZZ_WHEN, &code,
	    &cause) != 0) {
		/* The verifier applies no S3 rules and wants the token
		 * signed; everything else the signer makes must pass. */
		expect_ok = (flags & 0x30) == 0 && ((flags & 0x04) == 0 ||
		    fuzz_creds->session_token == NULL);
		if (expect_ok)
			abort();
		free(cause);
	}
	free(target);
	aws_sigv4_result_free(&res);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_creds	 creds = {
		"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		NULL, 0, NULL, NULL
	};
	struct fuzz_req		 r;
	const char		*code;
	char			*text, *cause, *target;
	uint8_t			 flags;

	if (size < 1)
		return (0);
	flags = data[0];
	if (flags & 0x08)
		creds.session_token = "FQoGZXIvYXdzEXAMPLE+/token==";
	fuzz_creds = &creds;

	text = xmalloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	fuzz_parse(text, size - 1, &r);
	fuzz_roundtrip(&r, flags);

	target = fuzz_target(r.url);
	cause = NULL;
	if (aws_sigv4_verify(r.method, target, r.h, r.nh, r.body, r.body_len,
	    "https", fuzz_lookup, NULL, FUZZ_WHEN, &code, &cause) != 0) {
		if (code == NULL || cause == NULL)
			abort();
		free(cause);
	}
	free(target);
	free(text);
	return (0);
}
