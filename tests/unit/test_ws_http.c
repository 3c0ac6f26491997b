/*
 * Unit tests for ws/http.c: URL splitting (bytes kept verbatim), the
 * RFC 6455 accept key, head parsing and the checks on both sides of the
 * upgrade. Table-driven; no sockets.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <event2/buffer.h>

#include "ws_http.h"

static void
test_ws_http_url_parse_keeps_bytes(void **state)
{
	static const struct {
		const char	*url;
		int		 proxy;
		int		 tls;
		const char	*host;
		unsigned	 port;
		const char	*authority;
		const char	*target;	/* NULL: must fail */
	} t[] = {
		{ "wss://ssmmessages.eu-west-1.amazonaws.com/v1/data-channel/"
		  "s-0abc?role=publish_subscribe&cell-number=AAEAAQ+/x=%2B==",
		  0, 1, "ssmmessages.eu-west-1.amazonaws.com", 443,
		  "ssmmessages.eu-west-1.amazonaws.com",
		  "/v1/data-channel/s-0abc?role=publish_subscribe&"
		  "cell-number=AAEAAQ+/x=%2B==" },
		{ "ws://127.0.0.1:8080", 0, 0, "127.0.0.1", 8080,
		  "127.0.0.1:8080", "/" },
		{ "ws://[::1]:9000/a?b", 0, 0, "::1", 9000, "[::1]:9000",
		  "/a?b" },
		{ "wss://h?x=1", 0, 1, "h", 443, "h", "/?x=1" },
		/* Host as written, a default port too (as Go sends it). */
		{ "WSS://Host.Example:443/p", 0, 1, "Host.Example", 443,
		  "Host.Example:443", "/p" },
		{ "ws://h:80//double//slash/../x", 0, 0, "h", 80, "h:80",
		  "//double//slash/../x" },
		{ "http://h/", 0, 0, NULL, 0, NULL, NULL },
		{ "ws://", 0, 0, NULL, 0, NULL, NULL },
		{ "ws://h:0/", 0, 0, NULL, 0, NULL, NULL },
		{ "ws://h:65536/", 0, 0, NULL, 0, NULL, NULL },
		{ "ws://h:/", 0, 0, NULL, 0, NULL, NULL },
		{ "ws://h:+80/", 0, 0, NULL, 0, NULL, NULL },
		{ "ws://u@h/", 0, 0, NULL, 0, NULL, NULL },
		{ "ws://h/a b", 0, 0, NULL, 0, NULL, NULL },
		{ "ws://h/#frag", 0, 0, NULL, 0, NULL, NULL },
		{ "ws://h/\x01", 0, 0, NULL, 0, NULL, NULL },
		{ "ws://h/\xc3\xa9", 0, 0, NULL, 0, NULL, NULL },
		{ "ws://[::1/", 0, 0, NULL, 0, NULL, NULL },
		{ "ws://[::1]x/", 0, 0, NULL, 0, NULL, NULL },
		{ "ws://h%41/", 0, 0, NULL, 0, NULL, NULL },
		{ "http://proxy.local:3128", 1, 0, "proxy.local", 3128,
		  "proxy.local:3128", "" },
		{ "http://proxy", 1, 0, "proxy", 80, "proxy", "" },
		{ "https://proxy", 1, 0, NULL, 0, NULL, NULL },
		{ "wss://proxy", 1, 0, NULL, 0, NULL, NULL },
		{ "http://u:%zz@p", 1, 0, NULL, 0, NULL, NULL },
	};
	struct ws_url	 u;
	char		*cause;
	size_t		 i;
	int		 r;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		cause = NULL;
		r = ws_http_url_parse(t[i].url, t[i].proxy, &u, &cause);
		if (t[i].target == NULL) {
			assert_int_equal(r, -1);
			assert_non_null(cause);
			/* A cause never repeats the query. */
			assert_null(strstr(cause, "x=1"));
			free(cause);
			continue;
		}
		if (r != 0)
			fail_msg("%s: %s", t[i].url, cause);
		assert_int_equal(u.tls, t[i].tls);
		assert_string_equal(u.host, t[i].host);
		assert_int_equal(u.port, t[i].port);
		assert_string_equal(u.authority, t[i].authority);
		if (t[i].proxy)
			assert_null(u.target);
		else
			assert_string_equal(u.target, t[i].target);
		ws_http_url_clear(&u);
	}
}

static void
test_ws_http_url_proxy_userinfo_decoded(void **state)
{
	struct ws_url	 u;
	char		*cause = NULL;

	assert_int_equal(ws_http_url_parse("http://us%3Aer:p%40ss@p:8",
	    1, &u, &cause), 0);
	assert_string_equal(u.user, "us:er");
	assert_string_equal(u.pass, "p@ss");
	assert_string_equal(u.host, "p");
	assert_int_equal(u.port, 8);
	ws_http_url_clear(&u);
	assert_int_equal(ws_http_url_parse("http://solo@p", 1, &u, &cause),
	    0);
	assert_string_equal(u.user, "solo");
	assert_null(u.pass);
	ws_http_url_clear(&u);
}

static void
test_ws_http_accept_rfc6455_example(void **state)
{
	char	out[WS_HTTP_ACCEPT_LEN + 1];
	char	key[WS_HTTP_KEY_LEN + 1], key2[WS_HTTP_KEY_LEN + 1];

	/* RFC 6455 section 1.3. */
	ws_http_accept("dGhlIHNhbXBsZSBub25jZQ==", out);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	ws_http_make_key(key);
	ws_http_make_key(key2);
	assert_int_equal(strlen(key), WS_HTTP_KEY_LEN);
	assert_string_not_equal(key, key2);
}

static void
test_ws_http_parse_response_table(void **state)
{
	static const struct {
		const char	*head;
		int		 status;	/* 0: must fail */
		const char	*reason;
		size_t		 nheaders;
	} t[] = {
		{ "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		  "Connection:   Upgrade  \r\n\r\n", 101, "Switching Protocols",
		  2 },
		{ "HTTP/1.1 403 Forbidden\r\n\r\n", 403, "Forbidden", 0 },
		{ "HTTP/1.0 200\r\n\r\n", 200, "", 0 },
		{ "HTTP/1.1 500 \r\nX: \r\n\r\n", 500, "", 1 },
		{ "HTTP/1.1 101 OK\nUpgrade: websocket\r\n\r\n", 0, NULL, 0 },
		{ "HTTP/1.1 101 OK\r\nUp\rgrade: websocket\r\n\r\n", 0, NULL,
		  0 },
		{ "HTTP/1.1 101 OK\r\n folded\r\n\r\n", 0, NULL, 0 },
		{ "HTTP/1.1 101 OK\r\nno colon\r\n\r\n", 0, NULL, 0 },
		{ "HTTP/1.1 101 OK\r\nbad name: x\r\n\r\n", 0, NULL, 0 },
		{ "HTTP/1.1 101 OK\r\n: x\r\n\r\n", 0, NULL, 0 },
		{ "HTTP/1.1 1x1 OK\r\n\r\n", 0, NULL, 0 },
		{ "HTTP/1.1 099 OK\r\n\r\n", 0, NULL, 0 },
		{ "HTTP/1.1 1011 OK\r\n\r\n", 0, NULL, 0 },
		{ "HTTP/2 101 OK\r\n\r\n", 0, NULL, 0 },
		{ "HTTP/1.1 101 OK\r\n", 0, NULL, 0 },
		{ "\r\n\r\n", 0, NULL, 0 },
	};
	struct ws_http_msg	 m;
	char			*cause;
	size_t			 i;
	int			 r;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		cause = NULL;
		r = ws_http_parse_response(t[i].head, strlen(t[i].head), &m,
		    &cause);
		if (t[i].status == 0) {
			if (r != -1)
				fail_msg("case %zu parsed", i);
			assert_non_null(cause);
			free(cause);
			assert_null(m.buf);
			continue;
		}
		if (r != 0)
			fail_msg("case %zu: %s", i, cause);
		assert_int_equal(m.status, t[i].status);
		assert_string_equal(m.reason, t[i].reason);
		assert_int_equal(m.nheaders, t[i].nheaders);
		ws_http_msg_clear(&m);
	}
}

static void
test_ws_http_parse_rejects_nul_and_too_many_headers(void **state)
{
	struct ws_http_msg	 m;
	char			*cause = NULL, buf[8192];
	size_t			 len, i;

	memcpy(buf, "HTTP/1.1 101 OK\r\nA: b\0c\r\n\r\n", 27);
	assert_int_equal(ws_http_parse_response(buf, 27, &m, &cause), -1);
	assert_non_null(strstr(cause, "NUL"));
	free(cause);

	len = strlcpy(buf, "HTTP/1.1 101 OK\r\n", sizeof buf);
	for (i = 0; i <= WS_HTTP_MAX_HEADERS; i++)
		len += snprintf(buf + len, sizeof buf - len, "H%zu: v\r\n", i);
	len += strlcpy(buf + len, "\r\n", sizeof buf - len);
	assert_int_equal(ws_http_parse_response(buf, len, &m, &cause), -1);
	assert_non_null(strstr(cause, "headers"));
	free(cause);
}

/* Parse a 101 head and check it against key. */
static int
check_response(const char *head, const char *key, char **cause)
{
	struct ws_http_msg	m;
	int			r;

	if (ws_http_parse_response(head, strlen(head), &m, cause) != 0)
		return (-2);
	r = ws_http_check_response(&m, key, cause);
	ws_http_msg_clear(&m);
	return (r);
}

static void
test_ws_http_check_response_table(void **state)
{
	static const struct {
		const char	*head;
		const char	*why;	/* NULL: must pass */
	} t[] = {
		{ "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		  "Connection: Upgrade\r\nSec-WebSocket-Accept: "
		  "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", NULL },
		{ "HTTP/1.1 101 x\r\nupgrade: WebSocket\r\nconnection: "
		  "keep-alive, UPGRADE\r\nsec-websocket-accept:"
		  "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", NULL },
		{ "HTTP/1.1 200 OK\r\n\r\n", "not HTTP/1.1 101" },
		{ "HTTP/1.0 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade"
		  "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
		  "\r\n", "not HTTP/1.1 101" },
		{ "HTTP/1.1 101 x\r\nConnection: Upgrade\r\nSec-WebSocket-"
		  "Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", "Upgrade" },
		{ "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: close"
		  "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
		  "\r\n", "Connection" },
		{ "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade"
		  "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo\r\n"
		  "\r\n", "wrong Sec-WebSocket-Accept" },
		{ "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade"
		  "\r\n\r\n", "Sec-WebSocket-Accept" },
		{ "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade"
		  "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
		  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
		  "single" },
		{ "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade"
		  "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
		  "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
		  "extension" },
		{ "HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade"
		  "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
		  "Sec-WebSocket-Protocol: chat\r\n\r\n", "subprotocol" },
	};
	char	*cause;
	size_t	 i;
	int	 r;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		cause = NULL;
		r = check_response(t[i].head, "dGhlIHNhbXBsZSBub25jZQ==",
		    &cause);
		if (t[i].why == NULL) {
			if (r != 0)
				fail_msg("case %zu: %s", i, cause);
			continue;
		}
		if (r != -1)
			fail_msg("case %zu passed", i);
		if (strstr(cause, t[i].why) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, cause,
			    t[i].why);
		free(cause);
	}
}

static void
test_ws_http_check_request_table(void **state)
{
	static const struct {
		const char	*head;
		int		 status;	/* 0: must pass */
	} t[] = {
		{ "GET /v1/x?a=+/= HTTP/1.1\r\nHost: h\r\nUpgrade: websocket"
		  "\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBs"
		  "ZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 0 },
		{ "POST / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
		  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub"
		  "25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 405 },
		{ "GET / HTTP/1.0\r\nHost: h\r\nUpgrade: websocket\r\n"
		  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub"
		  "25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400 },
		{ "GET * HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
		  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub"
		  "25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nUpgrade: websocket\r\n"
		  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub"
		  "25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
		  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub"
		  "25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n", 426 },
		{ "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
		  "Connection: Upgrade\r\nSec-WebSocket-Key: c2hvcnQ=\r\n"
		  "Sec-WebSocket-Version: 13\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\n"
		  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub"
		  "25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400 },
	};
	struct ws_http_msg	 m;
	char			*cause;
	size_t			 i;
	int			 r, status;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		cause = NULL;
		if (ws_http_parse_request(t[i].head, strlen(t[i].head), &m,
		    &cause) != 0)
			fail_msg("case %zu: %s", i, cause);
		r = ws_http_check_request(&m, &status, &cause);
		if (t[i].status == 0) {
			if (r != 0)
				fail_msg("case %zu: %s", i, cause);
			assert_string_equal(m.target, "/v1/x?a=+/=");
		} else {
			assert_int_equal(r, -1);
			assert_int_equal(status, t[i].status);
			free(cause);
		}
		ws_http_msg_clear(&m);
	}
}

static void
test_ws_http_check_header_blocks_injection(void **state)
{
	static const struct {
		struct ws_header	h;
		int			ok;
	} t[] = {
		{ { "Authorization", "AWS4-HMAC-SHA256 Credential=x" }, 1 },
		{ { "X-Amz-Security-Token", "a+b/c==" }, 1 },
		{ { "Host", "other.example" }, 1 },
		{ { "X-Evil", "a\r\nInjected: yes" }, 0 },
		{ { "X-Evil", "a\nb" }, 0 },
		{ { "Bad Name", "x" }, 0 },
		{ { "", "x" }, 0 },
		{ { "Sec-WebSocket-Key", "x" }, 0 },
		{ { "connection", "close" }, 0 },
		{ { "Sec-WebSocket-Extensions", "permessage-deflate" }, 0 },
	};
	char	*cause;
	size_t	 i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		cause = NULL;
		assert_int_equal(ws_http_check_header(&t[i].h, &cause),
		    t[i].ok ? 0 : -1);
		free(cause);
	}
}

static void
test_ws_http_write_request_exact(void **state)
{
	static const struct ws_header	h[] = {
		{ "Authorization", "AWS4-HMAC-SHA256 x" },
		{ "X-Amz-Date", "20240101T000000Z" },
	};
	static const char		want[] =
	    "GET /p?cell-number=a+b/c== HTTP/1.1\r\n"
	    "Authorization: AWS4-HMAC-SHA256 x\r\n"
	    "X-Amz-Date: 20240101T000000Z\r\n"
	    "Host: example.com:8443\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n";
	struct evbuffer			*out = evbuffer_new();
	size_t				 len;

	ws_http_write_request(out, "/p?cell-number=a+b/c==",
	    "example.com:8443", "dGhlIHNhbXBsZSBub25jZQ==", h, 2);
	len = evbuffer_get_length(out);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(evbuffer_pullup(out, -1), want, len);
	evbuffer_free(out);
}

static void
test_ws_http_write_connect_with_credentials(void **state)
{
	static const char	 want[] =
	    "CONNECT h.example:443 HTTP/1.1\r\nHost: h.example:443\r\n"
	    "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n";
	struct evbuffer		*out = evbuffer_new();

	ws_http_write_connect(out, "h.example:443", "user", "pass");
	assert_int_equal(evbuffer_get_length(out), strlen(want));
	assert_memory_equal(evbuffer_pullup(out, -1), want, strlen(want));
	evbuffer_free(out);
}

static void
test_ws_http_has_token_lists(void **state)
{
	assert_true(ws_http_has_token("Upgrade", "upgrade"));
	assert_true(ws_http_has_token("keep-alive,  Upgrade ", "upgrade"));
	assert_true(ws_http_has_token(" , upgrade,", "upgrade"));
	assert_false(ws_http_has_token("upgraded", "upgrade"));
	assert_false(ws_http_has_token("", "upgrade"));
	assert_false(ws_http_has_token(NULL, "upgrade"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ws_http_url_parse_keeps_bytes),
		cmocka_unit_test(test_ws_http_url_proxy_userinfo_decoded),
		cmocka_unit_test(test_ws_http_accept_rfc6455_example),
		cmocka_unit_test(test_ws_http_parse_response_table),
		cmocka_unit_test(
		    test_ws_http_parse_rejects_nul_and_too_many_headers),
		cmocka_unit_test(test_ws_http_check_response_table),
		cmocka_unit_test(test_ws_http_check_request_table),
		cmocka_unit_test(test_ws_http_check_header_blocks_injection),
		cmocka_unit_test(test_ws_http_write_request_exact),
		cmocka_unit_test(test_ws_http_write_connect_with_credentials),
		cmocka_unit_test(test_ws_http_has_token_lists),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
