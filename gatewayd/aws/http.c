/*
 * Asynchronous HTTP(S) on libcurl's multi-socket API, driven by the
 * libevent loop: curl tells us which sockets to watch and when its timer
 * is due; we tell it when they fire. Requests are small structs; their
 * callbacks run from the loop, never from inside a curl callback.
 *
 * What this module leaves to others: signing, retries and error parsing
 * (call.c). It only moves bytes and reports what came back.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "aws_http.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

struct aws_http {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	char			*ca_bundle;
	char			*https_proxy;
	char			*http_proxy;
	char			*no_proxy;
	unsigned		 pending;
	TAILQ_HEAD(, aws_http_req) reqs;
};

struct aws_http_req {
	struct aws_http		*http;
	CURL			*easy;
	struct curl_slist	*headers;
	char			*body;		/* what we send */
	char			*url;
	aws_http_cb		 cb;
	void			*arg;

	char			*data;		/* what came back */
	size_t			 len;
	size_t			 max_body;
	int			 too_big;
	char			*request_id;
	char			*error_type;
	char			*date;
	char			*content_type;
	char			 errbuf[CURL_ERROR_SIZE];

	struct event		*fail_ev;	/* deferred local failure */
	char			*fail_text;

	TAILQ_ENTRY(aws_http_req) entry;
};

/* One watched socket. */
struct aws_http_sock {
	struct aws_http		*http;
	struct event		*ev;
};

static void	aws_http_check_done(struct aws_http *);

static char *
aws_http_env(const char *lower, const char *upper)
{
	const char	*v;

	/* botocore reads both and prefers the lower-case one. */
	if ((v = getenv(lower)) == NULL || *v == '\0')
		v = getenv(upper);
	if (v == NULL || *v == '\0')
		return (NULL);
	return (xstrdup(v));
}

void
aws_http_read_proxy_env(struct aws_http *http)
{
	free(http->https_proxy);
	free(http->http_proxy);
	free(http->no_proxy);
	http->https_proxy = aws_http_env("https_proxy", "HTTPS_PROXY");
	http->http_proxy = aws_http_env("http_proxy", "HTTP_PROXY");
	http->no_proxy = aws_http_env("no_proxy", "NO_PROXY");
}

int
aws_http_is_local_host(const char *host)
{
	static const char *metadata[] = {
		"169.254.169.254", "169.254.170.2", "169.254.170.23",
		"[fd00:ec2::254]", "[fd00:ec2::23]", "fd00:ec2::254",
		"fd00:ec2::23", "[::1]", "::1", NULL
	};
	const char	**m;
	size_t		  len;

	if (strcasecmp(host, "localhost") == 0)
		return (1);
	len = strlen(host);
	if (len > 10 && strcasecmp(host + len - 10, ".localhost") == 0)
		return (1);
	if (strncmp(host, "127.", 4) == 0 &&
	    strspn(host, "0123456789.") == len)
		return (1);
	for (m = metadata; *m != NULL; m++) {
		if (strcasecmp(host, *m) == 0)
			return (1);
	}
	return (0);
}

/*
 * 1 if host is on a NO_PROXY list: "*", or an entry equal to the host or
 * to one of its parent domains (a leading dot is optional), compared
 * without regard to case. Addresses match only exactly (CIDRs are not
 * read, as in the CLI's botocore of Debian 12).
 */
static int
aws_http_no_proxy_match(const char *list, const char *host)
{
	const char	*p = list, *end;
	size_t		 hlen, elen;

	hlen = strlen(host);
	while (*p != '\0') {
		p += strspn(p, ", \t");
		end = p + strcspn(p, ", \t");
		elen = end - p;
		if (elen > 0 && *p == '.') {
			p++;
			elen--;
		}
		if (elen == 1 && *p == '*')
			return (1);
		if (elen != 0 && elen <= hlen &&
		    strncasecmp(host + hlen - elen, p, elen) == 0 &&
		    (elen == hlen || host[hlen - elen - 1] == '.'))
			return (1);
		p = end;
	}
	return (0);
}

const char *
aws_http_proxy_for(struct aws_http *http, const char *scheme,
    const char *host)
{
	const char	*proxy;

	if (aws_http_is_local_host(host))
		return (NULL);
	if (strcasecmp(scheme, "https") == 0 || strcasecmp(scheme, "wss") == 0)
		proxy = http->https_proxy;
	else
		proxy = http->http_proxy;
	if (proxy != NULL && http->no_proxy != NULL &&
	    aws_http_no_proxy_match(http->no_proxy, host))
		return (NULL);
	return (proxy);
}

/* Called by curl: watch, re-watch or forget one socket. */
static void
aws_http_sock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct aws_http_sock	*s = arg;
	struct aws_http		*http = s->http;
	int			 flags = 0, running;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(http->multi, fd, flags, &running);
	aws_http_check_done(http);
}

static int
aws_http_socket_fn(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	struct aws_http		*http = userp;
	struct aws_http_sock	*s = socketp;
	short			 events = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			event_free(s->ev);
			free(s);
		}
		curl_multi_assign(http->multi, fd, NULL);
		return (0);
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		s->http = http;
		curl_multi_assign(http->multi, fd, s);
	} else
		event_free(s->ev);
	s->ev = event_new(http->base, fd, events, aws_http_sock_cb, s);
	event_add(s->ev, NULL);
	return (0);
}

static void
aws_http_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct aws_http	*http = arg;
	int		 running;

	curl_multi_socket_action(http->multi, CURL_SOCKET_TIMEOUT, 0,
	    &running);
	aws_http_check_done(http);
}

static int
aws_http_timer_fn(CURLM *multi, long timeout_ms, void *userp)
{
	struct aws_http	*http = userp;
	struct timeval	 tv;

	if (timeout_ms < 0) {
		evtimer_del(http->timer);
		return (0);
	}
	tv = util_ms_tv(timeout_ms);
	evtimer_add(http->timer, &tv);
	return (0);
}

struct aws_http *
aws_http_new(struct event_base *base, const char *ca_bundle)
{
	struct aws_http	*http;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
	http = xcalloc(1, sizeof *http);
	http->base = base;
	TAILQ_INIT(&http->reqs);
	if (ca_bundle != NULL && *ca_bundle != '\0')
		http->ca_bundle = xstrdup(ca_bundle);
	if ((http->multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init failed");
	http->timer = evtimer_new(base, aws_http_timer_cb, http);
	curl_multi_setopt(http->multi, CURLMOPT_SOCKETFUNCTION,
	    aws_http_socket_fn);
	curl_multi_setopt(http->multi, CURLMOPT_SOCKETDATA, http);
	curl_multi_setopt(http->multi, CURLMOPT_TIMERFUNCTION,
	    aws_http_timer_fn);
	curl_multi_setopt(http->multi, CURLMOPT_TIMERDATA, http);
	aws_http_read_proxy_env(http);
	return (http);
}

static void
aws_http_req_free(struct aws_http_req *req)
{
	struct aws_http	*http = req->http;

	TAILQ_REMOVE(&http->reqs, req, entry);
	http->pending--;
	if (req->easy != NULL) {
		curl_multi_remove_handle(http->multi, req->easy);
		curl_easy_cleanup(req->easy);
	}
	if (req->fail_ev != NULL)
		event_free(req->fail_ev);
	curl_slist_free_all(req->headers);
	if (req->body != NULL)
		freezero_str(req->body);
	free(req->url);
	free(req->data);
	free(req->request_id);
	free(req->error_type);
	free(req->date);
	free(req->content_type);
	free(req->fail_text);
	free(req);
}

void
aws_http_free(struct aws_http *http)
{
	struct aws_http_req	*req;

	if (http == NULL)
		return;
	while ((req = TAILQ_FIRST(&http->reqs)) != NULL)
		aws_http_req_free(req);
	curl_multi_cleanup(http->multi);
	event_free(http->timer);
	free(http->ca_bundle);
	free(http->https_proxy);
	free(http->http_proxy);
	free(http->no_proxy);
	free(http);
}

unsigned
aws_http_pending(struct aws_http *http)
{
	return (http->pending);
}

void
aws_http_cancel(struct aws_http_req *req)
{
	if (req != NULL)
		aws_http_req_free(req);
}

static size_t
aws_http_write_fn(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct aws_http_req	*req = userdata;
	size_t			 n = size * nmemb;

	if (req->len + n > req->max_body) {
		req->too_big = 1;
		return (0);	/* curl stops with CURLE_WRITE_ERROR */
	}
	req->data = xrealloc(req->data, req->len + n + 1);
	memcpy(req->data + req->len, ptr, n);
	req->len += n;
	req->data[req->len] = '\0';
	return (n);
}

/* Keep the value of a header we care about. */
static void
aws_http_keep(char **slot, const char *v, size_t len)
{
	while (len > 0 && isspace((unsigned char)*v)) {
		v++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)v[len - 1]))
		len--;
	free(*slot);
	*slot = xstrndup(v, len);
}

static size_t
aws_http_header_fn(char *buf, size_t size, size_t nmemb, void *userdata)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} keep[] = {
		{ "x-amzn-requestid", offsetof(struct aws_http_req, request_id) },
		{ "x-amz-request-id", offsetof(struct aws_http_req, request_id) },
		{ "x-amzn-errortype", offsetof(struct aws_http_req, error_type) },
		{ "date", offsetof(struct aws_http_req, date) },
		{ "content-type", offsetof(struct aws_http_req, content_type) },
	};
	struct aws_http_req	*req = userdata;
	size_t			 n = size * nmemb, i, nl;
	const char		*colon;

	/* A new status line (after 100 or a proxy's CONNECT): start over. */
	if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		for (i = 0; i < sizeof keep / sizeof keep[0]; i++) {
			char	**slot = (char **)((char *)req + keep[i].off);

			free(*slot);
			*slot = NULL;
		}
		return (n);
	}
	if ((colon = memchr(buf, ':', n)) == NULL)
		return (n);
	nl = colon - buf;
	for (i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		if (strlen(keep[i].name) == nl &&
		    strncasecmp(buf, keep[i].name, nl) == 0) {
			aws_http_keep((char **)((char *)req + keep[i].off),
			    colon + 1, n - nl - 1);
		}
	}
	return (n);
}

/* Set the proxy for this URL: ours, or none at all. */
static void
aws_http_set_proxy(struct aws_http *http, struct aws_http_req *req,
    const char *scheme, const char *host, int flags)
{
	const char	*proxy = NULL;

	if (!(flags & AWS_HTTP_NO_PROXY))
		proxy = aws_http_proxy_for(http, scheme, host);
	/* An empty string stops libcurl reading the environment itself. */
	curl_easy_setopt(req->easy, CURLOPT_PROXY, proxy != NULL ? proxy : "");
}

/* Check the URL and find its scheme and host. */
static int
aws_http_parse_url(const char *url, char **scheme, char **host)
{
	CURLU	*u;
	int	 rv = -1;

	*scheme = *host = NULL;
	if ((u = curl_url()) == NULL)
		fatalx("curl_url failed");
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, host, 0) == CURLUE_OK &&
	    (strcasecmp(*scheme, "https") == 0 ||
	    strcasecmp(*scheme, "http") == 0))
		rv = 0;
	curl_url_cleanup(u);
	return (rv);
}

static void
aws_http_fail_cb(evutil_socket_t fd, short what, void *arg)
{
	struct aws_http_req		*req = arg;
	struct aws_http_response	 resp;

	memset(&resp, 0, sizeof resp);
	resp.error = AWS_HTTP_ERR_OTHER;
	resp.error_text = req->fail_text;
	resp.body = "";
	req->cb(&resp, req->arg);
	aws_http_req_free(req);
}

static void
aws_http_setup(struct aws_http *http, struct aws_http_req *req,
    const struct aws_http_request *r)
{
	CURL	*e = req->easy;
	char	*line;
	size_t	 i;

	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, req);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (http->ca_bundle != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, http->ca_bundle);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "gatewayd/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, req->errbuf);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(r->connect_timeout
	    != 0 ? r->connect_timeout : AWS_HTTP_CONNECT_TIMEOUT));
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(r->timeout != 0 ?
	    r->timeout : AWS_HTTP_TIMEOUT));
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, aws_http_write_fn);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, aws_http_header_fn);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, req);

	for (i = 0; i < r->nheaders; i++) {
		xasprintf(&line, "%s: %s", r->headers[i].name,
		    r->headers[i].value);
		req->headers = curl_slist_append(req->headers, line);
		freezero_str(line);
	}
	/* No Expect: 100-continue: one round trip, nothing unsigned added. */
	req->headers = curl_slist_append(req->headers, "Expect:");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, req->headers);

	if (strcmp(r->method, "GET") == 0)
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	else {
		req->body = xmalloc(r->body_len + 1);
		if (r->body_len > 0)
			memcpy(req->body, r->body, r->body_len);
		req->body[r->body_len] = '\0';
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)r->body_len);
		if (strcmp(r->method, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	}
}

struct aws_http_req *
aws_http_start(struct aws_http *http, const struct aws_http_request *r,
    aws_http_cb cb, void *arg)
{
	struct aws_http_req	*req;
	char			*scheme, *host;
	struct timeval		 tv = { 0, 0 };

	req = xcalloc(1, sizeof *req);
	req->http = http;
	req->cb = cb;
	req->arg = arg;
	req->url = xstrdup(r->url);
	req->max_body = r->max_body != 0 ? r->max_body : AWS_HTTP_MAX_BODY;
	TAILQ_INSERT_TAIL(&http->reqs, req, entry);
	http->pending++;

	if (aws_http_parse_url(r->url, &scheme, &host) != 0) {
		curl_free(scheme);
		curl_free(host);
		xasprintf(&req->fail_text, "not an http or https URL");
		req->fail_ev = evtimer_new(http->base, aws_http_fail_cb, req);
		evtimer_add(req->fail_ev, &tv);
		return (req);
	}
	if ((req->easy = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	aws_http_setup(http, req, r);
	aws_http_set_proxy(http, req, scheme, host, r->flags);
	curl_free(scheme);
	curl_free(host);
	if (curl_multi_add_handle(http->multi, req->easy) != CURLM_OK)
		fatalx("curl_multi_add_handle failed");
	return (req);
}

static enum aws_http_error
aws_http_classify(CURLcode rc, int too_big)
{
	if (too_big)
		return (AWS_HTTP_ERR_TOO_BIG);
	switch (rc) {
	case CURLE_OK:
		return (AWS_HTTP_OK);
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
		return (AWS_HTTP_ERR_CONNECT);
	case CURLE_OPERATION_TIMEDOUT:
		return (AWS_HTTP_ERR_TIMEOUT);
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return (AWS_HTTP_ERR_IO);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return (AWS_HTTP_ERR_TLS_VERIFY);
	default:
		return (AWS_HTTP_ERR_OTHER);
	}
}

/* Hand every finished transfer to its callback. */
static void
aws_http_check_done(struct aws_http *http)
{
	struct aws_http_response	 resp;
	struct aws_http_req		*req;
	CURLMsg				*msg;
	int				 left;
	long				 reqsize = 0;
	char				 text[CURL_ERROR_SIZE + 64];

	while ((msg = curl_multi_info_read(http->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&req);
		memset(&resp, 0, sizeof resp);
		resp.error = aws_http_classify(msg->data.result, req->too_big);
		if (resp.error == AWS_HTTP_ERR_TOO_BIG) {
			snprintf(text, sizeof text, "response body larger "
			    "than %zu bytes", req->max_body);
			resp.error_text = text;
		} else if (resp.error != AWS_HTTP_OK) {
			snprintf(text, sizeof text, "%s", req->errbuf[0] != '\0'
			    ? req->errbuf : curl_easy_strerror(
			    msg->data.result));
			resp.error_text = text;
		}
		curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE,
		    &resp.status);
		curl_easy_getinfo(req->easy, CURLINFO_REQUEST_SIZE, &reqsize);
		resp.sent = reqsize > 0;
		resp.request_id = req->request_id;
		resp.error_type = req->error_type;
		resp.date = req->date;
		resp.content_type = req->content_type;
		resp.body = req->data != NULL ? req->data : "";
		resp.body_len = req->len;
		req->cb(&resp, req->arg);
		aws_http_req_free(req);
	}
}
