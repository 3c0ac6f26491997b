/*
 * ws_http.h: the HTTP/1.1 half of a WebSocket (RFC 6455 section 4): URLs,
 * the upgrade request and its answer, and proxy CONNECT. A pure codec:
 * text in, struct out; text out into an evbuffer. No sockets, no timers.
 */
#ifndef WS_HTTP_H
#define WS_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

#define WS_HTTP_KEY_LEN		24	/* base64 of 16 random bytes */
#define WS_HTTP_ACCEPT_LEN	28	/* base64 of a SHA-1 */
#define WS_HTTP_MAX_HEADERS	100

/* One header line. In a parsed message both point into its buffer. */
struct ws_header {
	const char	*name;
	const char	*value;
};

/* A parsed request or response head. */
struct ws_http_msg {
	char			*buf;		/* owns the strings below */
	const char		*method;	/* request: "GET" */
	const char		*target;	/* request: path?query */
	int			 status;	/* response: 101, 403... */
	const char		*reason;	/* response: "Forbidden" */
	int			 minor;		/* HTTP/1.minor */
	struct ws_header	*headers;
	size_t			 nheaders;
};

/* A ws://, wss:// (or, for proxies, http://) URL, split. */
struct ws_url {
	int		 tls;		/* wss:// or https:// */
	char		*host;		/* no brackets: "::1" */
	uint16_t	 port;
	char		*authority;	/* for Host, as written: "[::1]:8080" */
	char		*target;	/* path?query as given, or "/" */
	char		*user;		/* proxy URLs, %-decoded */
	char		*pass;
};

/*
 * Split url. With proxy 0 it must be ws:// or wss:// with no userinfo and
 * no fragment; the path and query are kept byte for byte (never decoded):
 * they go on the request line as they are. With proxy 1 it must be
 * http:// (optionally with user:password@; any path is ignored). Return 0,
 * or -1 and set *cause (which never repeats the query, where presigned
 * URLs keep their signature).
 */
int	 ws_http_url_parse(const char *url, int proxy, struct ws_url *,
	    char **cause);
void	 ws_http_url_clear(struct ws_url *);

/*
 * Parse a response (status line and headers) or a request (request line
 * and headers). buf holds the whole head including the blank line that
 * ends it, and nothing after. Return 0, or -1 and set *cause.
 */
int	 ws_http_parse_response(const char *buf, size_t len,
	    struct ws_http_msg *, char **cause);
int	 ws_http_parse_request(const char *buf, size_t len,
	    struct ws_http_msg *, char **cause);
void	 ws_http_msg_clear(struct ws_http_msg *);

/* The value of the first header called name (any case), or NULL. */
const char *ws_http_get(const struct ws_http_msg *, const char *name);
/* Whether a comma-separated header value lists token (any case). */
int	 ws_http_has_token(const char *value, const char *token);

/* A fresh random Sec-WebSocket-Key. */
void	 ws_http_make_key(char key[WS_HTTP_KEY_LEN + 1]);
/* The Sec-WebSocket-Accept a server must answer key with. */
void	 ws_http_accept(const char *key, char out[WS_HTTP_ACCEPT_LEN + 1]);

/*
 * Check a 101 answer to a request made with key: the Upgrade and
 * Connection headers, Sec-WebSocket-Accept, and no extension or
 * subprotocol (we offer none). Return 0, or -1 and set *cause.
 */
int	 ws_http_check_response(const struct ws_http_msg *, const char *key,
	    char **cause);
/*
 * Check an upgrade request. Return 0, or -1, set *status to the HTTP
 * status to refuse it with, and set *cause.
 */
int	 ws_http_check_request(const struct ws_http_msg *, int *status,
	    char **cause);
/*
 * Check a header a caller wants to send: a token for a name, no control
 * characters in the value, and not one of the headers the upgrade itself
 * owns (Upgrade, Connection, Sec-WebSocket-*, Content-Length). Return 0,
 * or -1 and set *cause.
 */
int	 ws_http_check_header(const struct ws_header *, char **cause);

/*
 * Write the upgrade request. authority goes in Host unless headers holds
 * a Host of its own.
 */
void	 ws_http_write_request(struct evbuffer *, const char *target,
	    const char *authority, const char *key, const struct ws_header *,
	    size_t nheaders);
/* Write a proxy CONNECT request for authority (host:port). */
void	 ws_http_write_connect(struct evbuffer *, const char *authority,
	    const char *user, const char *pass);
/*
 * Write a response head: the status line, headers and, if body is not
 * NULL, Content-Type text/plain, Content-Length and the body.
 */
void	 ws_http_write_response(struct evbuffer *, int status,
	    const struct ws_header *, size_t nheaders, const char *body);
/* The standard reason phrase for status ("Forbidden"), or "Unknown". */
const char *ws_http_reason(int status);

#endif /* WS_HTTP_H */
