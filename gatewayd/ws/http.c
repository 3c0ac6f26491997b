/*
 * The HTTP/1.1 part of a WebSocket: split URLs without touching the bytes
 * of the path and query, write the upgrade (and proxy CONNECT) request,
 * parse the head of the answer or of a request, and check what RFC 6455
 * asks of each. Pure functions: client.c and the tests' ws_server.c own
 * sockets, buffers and timers.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <openssl/evp.h>

#include "log.h"
#include "util.h"
#include "ws_http.h"
#include "xmalloc.h"

/* RFC 6455 section 1.3: appended to the key before hashing. */
#define WS_HTTP_GUID	"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

static const struct {
	int		 status;
	const char	*reason;
} ws_http_reasons[] = {
	{ 101, "Switching Protocols" },
	{ 200, "OK" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 407, "Proxy Authentication Required" },
	{ 408, "Request Timeout" },
	{ 426, "Upgrade Required" },
	{ 429, "Too Many Requests" },
	{ 500, "Internal Server Error" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
};

/* Headers the upgrade writes itself; callers may not add them. */
static const char *ws_http_reserved[] = {
	"Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
	"Sec-WebSocket-Accept", "Sec-WebSocket-Extensions",
	"Sec-WebSocket-Protocol", "Content-Length", "Transfer-Encoding",
};

const char *
ws_http_reason(int status)
{
	size_t	i;

	for (i = 0; i < sizeof ws_http_reasons / sizeof ws_http_reasons[0];
	    i++) {
		if (ws_http_reasons[i].status == status)
			return (ws_http_reasons[i].reason);
	}
	return ("Unknown");
}

/* RFC 7230 tchar. */
static int
ws_http_is_tchar(int c)
{
	return (c > 0x20 && c < 0x7f && strchr("\"(),/:;<=>?@[\\]{}", c) ==
	    NULL);
}

/* Decode %XX escapes in [s, s + len); return NULL if one is malformed. */
static char *
ws_http_unescape(const char *s, size_t len)
{
	char	*out, *p, hex[3];
	uint8_t	 b;
	size_t	 i;

	p = out = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (s[i] != '%') {
			*p++ = s[i];
			continue;
		}
		if (i + 2 >= len) {
			free(out);
			return (NULL);
		}
		memcpy(hex, s + i + 1, 2);
		hex[2] = '\0';
		if (util_unhex(hex, &b, 1) != 1 || b == '\0') {
			free(out);
			return (NULL);
		}
		*p++ = (char)b;
		i += 2;
	}
	*p = '\0';
	return (out);
}

/* Split "user[:pass]" userinfo of a proxy URL. */
static int
ws_http_url_userinfo(const char *s, size_t len, struct ws_url *u,
    char **cause)
{
	const char	*colon;

	colon = memchr(s, ':', len);
	u->user = ws_http_unescape(s, colon != NULL ? (size_t)(colon - s) :
	    len);
	if (colon != NULL)
		u->pass = ws_http_unescape(colon + 1, len - (colon + 1 - s));
	if (u->user == NULL || (colon != NULL && u->pass == NULL)) {
		xasprintf(cause, "bad escape in proxy user name or password");
		return (-1);
	}
	return (0);
}

/* Split host[:port] (host may be a bracketed IPv6 literal). */
static int
ws_http_url_hostport(const char *s, size_t len, struct ws_url *u,
    char **cause)
{
	const char	*end = s + len, *hend, *p;
	unsigned long	 port;
	char		*ep, digits[8];
	size_t		 i;

	if (len > 0 && *s == '[') {
		if ((hend = memchr(s, ']', len)) == NULL) {
			xasprintf(cause, "unterminated [ in host");
			return (-1);
		}
		u->host = xstrndup(s + 1, hend - s - 1);
		p = hend + 1;
		for (i = 0; u->host[i] != '\0'; i++) {
			if (!isxdigit((u_char)u->host[i]) &&
			    strchr(":.", u->host[i]) == NULL) {
				xasprintf(cause, "bad IPv6 literal");
				return (-1);
			}
		}
	} else {
		hend = memchr(s, ':', len);
		if (hend == NULL)
			hend = end;
		u->host = xstrndup(s, hend - s);
		p = hend;
		for (i = 0; u->host[i] != '\0'; i++) {
			if (!isalnum((u_char)u->host[i]) &&
			    strchr("-._", u->host[i]) == NULL) {
				xasprintf(cause, "bad character in host");
				return (-1);
			}
		}
	}
	if (*u->host == '\0') {
		xasprintf(cause, "no host");
		return (-1);
	}
	if (p == end)
		return (0);
	if (*p != ':' || end - p - 1 < 1 || end - p - 1 > 5) {
		xasprintf(cause, "bad port");
		return (-1);
	}
	memcpy(digits, p + 1, end - p - 1);
	digits[end - p - 1] = '\0';
	port = strtoul(digits, &ep, 10);
	if (*ep != '\0' || !isdigit((u_char)digits[0]) || port < 1 ||
	    port > 65535) {
		xasprintf(cause, "bad port");
		return (-1);
	}
	u->port = (uint16_t)port;
	return (0);
}

/* Read the scheme: set u->tls and return the length of "scheme://". */
static size_t
ws_http_url_scheme(const char *url, int proxy, struct ws_url *u)
{
	if (!proxy && strncasecmp(url, "ws://", 5) == 0)
		return (5);
	if (!proxy && strncasecmp(url, "wss://", 6) == 0) {
		u->tls = 1;
		return (6);
	}
	if (proxy && strncasecmp(url, "http://", 7) == 0)
		return (7);
	return (0);
}

/* Fill u->target from what follows the authority, byte for byte. */
static int
ws_http_url_target(const char *rest, int proxy, struct ws_url *u,
    char **cause)
{
	const char	*p;

	if (proxy)
		return (0);
	for (p = rest; *p != '\0'; p++) {
		if (*p == '#') {
			xasprintf(cause, "a WebSocket URL has no fragment");
			return (-1);
		}
		if ((u_char)*p <= 0x20 || (u_char)*p >= 0x7f) {
			xasprintf(cause, "space, control or non-ASCII byte "
			    "at offset %zu of the path", (size_t)(p - rest));
			return (-1);
		}
	}
	if (*rest == '/')
		u->target = xstrdup(rest);
	else
		xasprintf(&u->target, "/%s", rest);
	return (0);
}

int
ws_http_url_parse(const char *url, int proxy, struct ws_url *u,
    char **cause)
{
	const char	*auth, *aend, *at;
	size_t		 n;
	char		*why = NULL;

	memset(u, 0, sizeof *u);
	if ((n = ws_http_url_scheme(url, proxy, u)) == 0) {
		xasprintf(cause, "URL must start with %s", proxy ? "http://" :
		    "ws:// or wss://");
		return (-1);
	}
	auth = url + n;
	aend = auth + strcspn(auth, "/?#");
	at = memchr(auth, '@', aend - auth);
	if (at != NULL && !proxy) {
		xasprintf(cause, "URL must not hold a user name");
		return (-1);
	}
	if (at != NULL && ws_http_url_userinfo(auth, at - auth, u, &why) != 0)
		goto fail;
	if (at != NULL)
		auth = at + 1;
	u->port = u->tls ? 443 : 80;
	if (ws_http_url_hostport(auth, aend - auth, u, &why) != 0)
		goto fail;
	if (ws_http_url_target(aend, proxy, u, &why) != 0)
		goto fail;
	/* As written, port and all, as Go's client sends it: the signed
	 * upgrade signs this Host (ssm-data-channel.md 3.2). */
	u->authority = xstrndup(auth, aend - auth);
	return (0);

fail:
	xasprintf(cause, "%s URL: %s", proxy ? "proxy" : "WebSocket", why);
	free(why);
	ws_http_url_clear(u);
	return (-1);
}

void
ws_http_url_clear(struct ws_url *u)
{
	free(u->host);
	free(u->authority);
	free(u->target);
	free(u->user);
	freezero_str(u->pass);
	memset(u, 0, sizeof *u);
}

/* Trim spaces and tabs from both ends of s, in place. */
static char *
ws_http_trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return (s);
}

/* Parse "HTTP/1.x" at s; return the minor version or -1. */
static int
ws_http_version(const char *s)
{
	if (strncmp(s, "HTTP/1.", 7) != 0 || !isdigit((u_char)s[7]) ||
	    s[8] != '\0')
		return (-1);
	return (s[7] - '0');
}

/* Parse one header line in place and append it to m. */
static int
ws_http_header(struct ws_http_msg *m, char *line, char **cause)
{
	char	*colon, *p;

	if (*line == ' ' || *line == '\t') {
		xasprintf(cause, "folded header line");
		return (-1);
	}
	if ((colon = strchr(line, ':')) == NULL || colon == line) {
		xasprintf(cause, "header line without a name");
		return (-1);
	}
	*colon = '\0';
	for (p = line; *p != '\0'; p++) {
		if (!ws_http_is_tchar((u_char)*p)) {
			xasprintf(cause, "bad character in header name");
			return (-1);
		}
	}
	if (m->nheaders == WS_HTTP_MAX_HEADERS) {
		xasprintf(cause, "more than %d headers", WS_HTTP_MAX_HEADERS);
		return (-1);
	}
	m->headers = xreallocarray(m->headers, m->nheaders + 1,
	    sizeof *m->headers);
	m->headers[m->nheaders].name = line;
	m->headers[m->nheaders].value = ws_http_trim(colon + 1);
	m->nheaders++;
	return (0);
}

/*
 * Copy the head into m->buf, split it into NUL-terminated lines and parse
 * the headers; return the first line, or NULL and set *cause.
 */
static char *
ws_http_split(const char *buf, size_t len, struct ws_http_msg *m,
    char **cause)
{
	char	*line, *next, *first;
	size_t	 i;

	memset(m, 0, sizeof *m);
	if (len < 4 || memcmp(buf + len - 4, "\r\n\r\n", 4) != 0) {
		xasprintf(cause, "head does not end with a blank line");
		return (NULL);
	}
	for (i = 0; i < len; i++) {
		if (buf[i] == '\0' || (buf[i] == '\r' && buf[i + 1] != '\n') ||
		    (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))) {
			xasprintf(cause, "NUL, bare CR or bare LF at offset "
			    "%zu", i);
			return (NULL);
		}
	}
	m->buf = xmalloc(len + 1);
	memcpy(m->buf, buf, len);
	m->buf[len - 2] = '\0';	/* the loop needs one CRLF less */
	first = NULL;
	for (line = m->buf; *line != '\0'; line = next) {
		next = strstr(line, "\r\n");
		*next = '\0';
		next += 2;
		if (first == NULL)
			first = line;
		else if (ws_http_header(m, line, cause) != 0)
			return (NULL);
	}
	if (first == NULL)
		xasprintf(cause, "empty head");
	return (first);
}

int
ws_http_parse_response(const char *buf, size_t len, struct ws_http_msg *m,
    char **cause)
{
	char	*line, *sp, *why = NULL;

	if ((line = ws_http_split(buf, len, m, &why)) == NULL)
		goto fail;
	if ((sp = strchr(line, ' ')) != NULL)
		*sp++ = '\0';
	if ((m->minor = ws_http_version(line)) < 0) {
		xasprintf(&why, "not an HTTP/1.x status line");
		goto fail;
	}
	if (sp == NULL || !isdigit((u_char)sp[0]) || !isdigit((u_char)sp[1]) ||
	    !isdigit((u_char)sp[2]) || (sp[3] != ' ' && sp[3] != '\0') ||
	    sp[0] == '0') {
		xasprintf(&why, "bad status code");
		goto fail;
	}
	m->status = (sp[0] - '0') * 100 + (sp[1] - '0') * 10 + (sp[2] - '0');
	m->reason = sp[3] == ' ' ? sp + 4 : sp + 3;
	return (0);

fail:
	xasprintf(cause, "bad HTTP response: %s", why);
	free(why);
	ws_http_msg_clear(m);
	return (-1);
}

int
ws_http_parse_request(const char *buf, size_t len, struct ws_http_msg *m,
    char **cause)
{
	char	*line, *target, *version, *p, *why = NULL;

	if ((line = ws_http_split(buf, len, m, &why)) == NULL)
		goto fail;
	if ((target = strchr(line, ' ')) == NULL ||
	    (version = strchr(target + 1, ' ')) == NULL) {
		xasprintf(&why, "bad request line");
		goto fail;
	}
	*target++ = '\0';
	*version++ = '\0';
	for (p = line; *p != '\0'; p++) {
		if (!ws_http_is_tchar((u_char)*p))
			break;
	}
	if (*line == '\0' || *p != '\0' || *target == '\0') {
		xasprintf(&why, "bad request line");
		goto fail;
	}
	for (p = target; *p != '\0'; p++) {
		if ((u_char)*p <= 0x20 || (u_char)*p >= 0x7f) {
			xasprintf(&why, "bad byte in request target");
			goto fail;
		}
	}
	if ((m->minor = ws_http_version(version)) < 0) {
		xasprintf(&why, "not an HTTP/1.x request");
		goto fail;
	}
	m->method = line;
	m->target = target;
	return (0);

fail:
	xasprintf(cause, "bad HTTP request: %s", why);
	free(why);
	ws_http_msg_clear(m);
	return (-1);
}

void
ws_http_msg_clear(struct ws_http_msg *m)
{
	free(m->buf);
	free(m->headers);
	memset(m, 0, sizeof *m);
}

const char *
ws_http_get(const struct ws_http_msg *m, const char *name)
{
	size_t	i;

	for (i = 0; i < m->nheaders; i++) {
		if (strcasecmp(m->headers[i].name, name) == 0)
			return (m->headers[i].value);
	}
	return (NULL);
}

/* How many headers called name m holds. */
static size_t
ws_http_count(const struct ws_http_msg *m, const char *name)
{
	size_t	i, n = 0;

	for (i = 0; i < m->nheaders; i++) {
		if (strcasecmp(m->headers[i].name, name) == 0)
			n++;
	}
	return (n);
}

int
ws_http_has_token(const char *value, const char *token)
{
	size_t		 tlen = strlen(token), n;
	const char	*p = value;

	if (value == NULL)
		return (0);
	while (*p != '\0') {
		p += strspn(p, " \t,");
		n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == tlen && strncasecmp(p, token, tlen) == 0)
			return (1);
		p += strcspn(p, ",");
	}
	return (0);
}

void
ws_http_make_key(char key[WS_HTTP_KEY_LEN + 1])
{
	uint8_t	 raw[16];
	char	*b64;

	util_random(raw, sizeof raw);
	b64 = util_base64_encode(raw, sizeof raw);
	strlcpy(key, b64, WS_HTTP_KEY_LEN + 1);
	free(b64);
}

void
ws_http_accept(const char *key, char out[WS_HTTP_ACCEPT_LEN + 1])
{
	uint8_t	 md[EVP_MAX_MD_SIZE];
	char	*text, *b64;
	u_int	 mdlen;

	xasprintf(&text, "%s%s", key, WS_HTTP_GUID);
	if (EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha1(), NULL) != 1)
		fatalx("ws: SHA-1 failed");
	free(text);
	b64 = util_base64_encode(md, mdlen);
	strlcpy(out, b64, WS_HTTP_ACCEPT_LEN + 1);
	free(b64);
}

/* The Upgrade: websocket and Connection: upgrade pair both sides need. */
static int
ws_http_check_upgrade(const struct ws_http_msg *m, char **cause)
{
	if (!ws_http_has_token(ws_http_get(m, "Upgrade"), "websocket")) {
		xasprintf(cause, "no Upgrade: websocket header");
		return (-1);
	}
	if (!ws_http_has_token(ws_http_get(m, "Connection"), "upgrade")) {
		xasprintf(cause, "no Connection: upgrade header");
		return (-1);
	}
	return (0);
}

int
ws_http_check_response(const struct ws_http_msg *m, const char *key,
    char **cause)
{
	char		 want[WS_HTTP_ACCEPT_LEN + 1];
	const char	*got;

	if (m->status != 101 || m->minor != 1) {
		xasprintf(cause, "answer is HTTP/1.%d %d, not HTTP/1.1 101",
		    m->minor, m->status);
		return (-1);
	}
	if (ws_http_check_upgrade(m, cause) != 0)
		return (-1);
	ws_http_accept(key, want);
	if ((got = ws_http_get(m, "Sec-WebSocket-Accept")) == NULL ||
	    ws_http_count(m, "Sec-WebSocket-Accept") != 1) {
		xasprintf(cause, "no single Sec-WebSocket-Accept header");
		return (-1);
	}
	if (strcmp(got, want) != 0) {
		xasprintf(cause, "wrong Sec-WebSocket-Accept");
		return (-1);
	}
	if (ws_http_get(m, "Sec-WebSocket-Extensions") != NULL) {
		xasprintf(cause, "server chose an extension we did not offer");
		return (-1);
	}
	if (ws_http_get(m, "Sec-WebSocket-Protocol") != NULL) {
		xasprintf(cause, "server chose a subprotocol we did not offer");
		return (-1);
	}
	return (0);
}

int
ws_http_check_request(const struct ws_http_msg *m, int *status,
    char **cause)
{
	const char	*key, *v;
	uint8_t		*raw;
	size_t		 rawlen;
	int		 ok;

	*status = 400;
	if (strcmp(m->method, "GET") != 0) {
		*status = 405;
		xasprintf(cause, "method %s is not GET", m->method);
		return (-1);
	}
	if (m->minor != 1 || m->target[0] != '/') {
		xasprintf(cause, "not an HTTP/1.1 request for a path");
		return (-1);
	}
	if (ws_http_count(m, "Host") != 1) {
		xasprintf(cause, "no single Host header");
		return (-1);
	}
	if (ws_http_check_upgrade(m, cause) != 0)
		return (-1);
	if ((v = ws_http_get(m, "Sec-WebSocket-Version")) == NULL ||
	    strcmp(v, "13") != 0) {
		*status = 426;
		xasprintf(cause, "Sec-WebSocket-Version is not 13");
		return (-1);
	}
	key = ws_http_get(m, "Sec-WebSocket-Key");
	ok = key != NULL && ws_http_count(m, "Sec-WebSocket-Key") == 1 &&
	    strlen(key) == WS_HTTP_KEY_LEN &&
	    util_base64_decode(key, &raw, &rawlen) == 0;
	if (ok) {
		ok = rawlen == 16;
		free(raw);
	}
	if (!ok) {
		xasprintf(cause, "bad Sec-WebSocket-Key");
		return (-1);
	}
	return (0);
}

int
ws_http_check_header(const struct ws_header *h, char **cause)
{
	const char	*p;
	size_t		 i;

	if (h->name == NULL || *h->name == '\0' || h->value == NULL) {
		xasprintf(cause, "empty header");
		return (-1);
	}
	for (p = h->name; *p != '\0'; p++) {
		if (!ws_http_is_tchar((u_char)*p)) {
			xasprintf(cause, "bad character in header name");
			return (-1);
		}
	}
	for (p = h->value; *p != '\0'; p++) {
		if (((u_char)*p < 0x20 && *p != '\t') || *p == 0x7f) {
			xasprintf(cause, "header %s: control character in "
			    "value", h->name);
			return (-1);
		}
	}
	for (i = 0; i < sizeof ws_http_reserved / sizeof ws_http_reserved[0];
	    i++) {
		if (strcasecmp(h->name, ws_http_reserved[i]) == 0) {
			xasprintf(cause, "header %s is the upgrade's own",
			    h->name);
			return (-1);
		}
	}
	return (0);
}

/* Write the caller's headers; say whether one of them was Host. */
static int
ws_http_write_headers(struct evbuffer *out, const struct ws_header *h,
    size_t n)
{
	size_t	i;
	int	host = 0;

	for (i = 0; i < n; i++) {
		evbuffer_add_printf(out, "%s: %s\r\n", h[i].name, h[i].value);
		if (strcasecmp(h[i].name, "Host") == 0)
			host = 1;
	}
	return (host);
}

void
ws_http_write_request(struct evbuffer *out, const char *target,
    const char *authority, const char *key, const struct ws_header *h,
    size_t n)
{
	evbuffer_add_printf(out, "GET %s HTTP/1.1\r\n", target);
	if (!ws_http_write_headers(out, h, n))
		evbuffer_add_printf(out, "Host: %s\r\n", authority);
	evbuffer_add_printf(out, "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n", key);
}

void
ws_http_write_connect(struct evbuffer *out, const char *authority,
    const char *user, const char *pass)
{
	char	*plain, *b64;

	evbuffer_add_printf(out, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n",
	    authority, authority);
	if (user != NULL) {
		xasprintf(&plain, "%s:%s", user, pass != NULL ? pass : "");
		b64 = util_base64_encode(plain, strlen(plain));
		evbuffer_add_printf(out, "Proxy-Authorization: Basic %s\r\n",
		    b64);
		freezero_str(plain);
		freezero_str(b64);
	}
	evbuffer_add(out, "\r\n", 2);
}

void
ws_http_write_response(struct evbuffer *out, int status,
    const struct ws_header *h, size_t n, const char *body)
{
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n", status,
	    ws_http_reason(status));
	ws_http_write_headers(out, h, n);
	if (body != NULL) {
		evbuffer_add_printf(out, "Content-Type: text/plain\r\n"
		    "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	} else
		evbuffer_add(out, "\r\n", 2);
}
