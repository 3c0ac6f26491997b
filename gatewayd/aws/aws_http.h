/*
 * aws_http.h: asynchronous HTTP(S) requests on the event loop, for the
 * AWS API calls and the metadata endpoints. libcurl's multi-socket API,
 * driven by libevent: no call here ever blocks the loop.
 *
 * TLS is always verified (the CA bundle replaces the system store when
 * given). Proxies come from HTTPS_PROXY/https_proxy (https URLs),
 * HTTP_PROXY/http_proxy (http URLs) and NO_PROXY/no_proxy, read by us,
 * not by libcurl; loopback and the metadata addresses never go through a
 * proxy. Connections are reused across requests.
 */
#ifndef AWS_HTTP_H
#define AWS_HTTP_H

#include <stddef.h>

#include "aws_sigv4.h"		/* struct aws_header */

struct event_base;
struct aws_http;
struct aws_http_req;

#define AWS_HTTP_CONNECT_TIMEOUT	5000	/* ms, default */
#define AWS_HTTP_TIMEOUT		30000	/* ms, default, whole request */
#define AWS_HTTP_MAX_BODY		(1024 * 1024)	/* default bound */

/* Never use a proxy for this request (metadata endpoints). */
#define AWS_HTTP_NO_PROXY		0x1

struct aws_http_request {
	const char		*method;	/* "GET", "POST", "PUT" */
	const char		*url;
	const struct aws_header	*headers;	/* sent as given */
	size_t			 nheaders;
	const void		*body;		/* copied; NULL for none */
	size_t			 body_len;
	unsigned		 connect_timeout;	/* ms; 0: default */
	unsigned		 timeout;	/* ms, total; 0: default */
	size_t			 max_body;	/* 0: AWS_HTTP_MAX_BODY */
	int			 flags;
};

enum aws_http_error {
	AWS_HTTP_OK,		/* a response came back (any status) */
	AWS_HTTP_ERR_CONNECT,	/* DNS, connect or TLS handshake failed */
	AWS_HTTP_ERR_TIMEOUT,	/* connect or total timeout */
	AWS_HTTP_ERR_IO,	/* reset, closed early, empty reply */
	AWS_HTTP_ERR_TLS_VERIFY, /* the peer's certificate was refused */
	AWS_HTTP_ERR_TOO_BIG,	/* the body passed max_body */
	AWS_HTTP_ERR_OTHER,	/* bad URL, proxy failure, ... */
};

/* Valid only during the callback. */
struct aws_http_response {
	enum aws_http_error	 error;
	const char		*error_text;	/* set when error != OK */
	int			 sent;		/* the request left (maybe in
						   part): a retry may repeat it */
	long			 status;
	const char		*request_id;	/* x-amzn-RequestId (or NULL) */
	const char		*error_type;	/* x-amzn-ErrorType */
	const char		*date;		/* Date */
	const char		*content_type;
	const char		*body;		/* NUL-terminated */
	size_t			 body_len;
};

typedef void (*aws_http_cb)(const struct aws_http_response *, void *arg);

/* ca_bundle: a PEM file replacing the system store, or NULL. */
struct aws_http	*aws_http_new(struct event_base *, const char *ca_bundle);
/* Cancel what is in flight (no callbacks) and free. */
void		 aws_http_free(struct aws_http *);
/* Read the proxy variables again (they are read once by aws_http_new). */
void		 aws_http_read_proxy_env(struct aws_http *);

/*
 * Start a request. The callback runs exactly once, from the event loop
 * (never from inside this call), unless the request is cancelled first;
 * the request is freed when the callback returns.
 */
struct aws_http_req *aws_http_start(struct aws_http *,
		    const struct aws_http_request *, aws_http_cb, void *arg);
void		 aws_http_cancel(struct aws_http_req *);
/* Requests in flight. */
unsigned	 aws_http_pending(struct aws_http *);

/*
 * The proxy a connection to host over scheme (http, https, ws, wss) goes
 * through: HTTPS_PROXY for https and wss, HTTP_PROXY for http and ws,
 * none for loopback and metadata hosts or a host on NO_PROXY. NULL: go
 * direct. Valid until aws_http_read_proxy_env or aws_http_free.
 */
const char	*aws_http_proxy_for(struct aws_http *, const char *scheme,
		    const char *host);

/* 1 if host (as in a URL, IPv6 in brackets) is loopback or metadata. */
int		 aws_http_is_local_host(const char *host);

#endif /* AWS_HTTP_H */
