/*
 * The API listeners (HTTP, and HTTPS through bufferevent_openssl) and the
 * pipeline every request goes through: route by path, X-Amz-Target or
 * Action= to an operation; count it; check its signature, the deny list,
 * the throttle and injected failures; run it; answer in the protocol's own
 * error shape, after the configured delay; log one line.
 *
 * Services never touch evhttp: they read emu_req and call emu_reply_*.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>

#include <netinet/in.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/ssl.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "emu_iam.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

struct emu_listener {
	struct evhttp			*http;
	struct evhttp_bound_socket	*bound;
	SSL_CTX				*ctx;
	int				 tls;
	int				 port;
};

static struct emu_listener	*emu_listeners[2];	/* http, https */
static u_int			 emu_next_req;

static const char *
emu_http_reason(int status)
{
	switch (status) {
	case 200: return ("OK");
	case 400: return ("Bad Request");
	case 401: return ("Unauthorized");
	case 403: return ("Forbidden");
	case 404: return ("Not Found");
	case 405: return ("Method Not Allowed");
	case 413: return ("Payload Too Large");
	case 429: return ("Too Many Requests");
	case 500: return ("Internal Server Error");
	case 501: return ("Not Implemented");
	case 503: return ("Service Unavailable");
	}
	return (status < 500 ? "Client Error" : "Server Error");
}

const char *
emu_json_string(const cJSON *obj, const char *name)
{
	const cJSON	*item = cJSON_GetObjectItemCaseSensitive(obj, name);

	return (cJSON_IsString(item) ? item->valuestring : NULL);
}

const char *
emu_req_header(struct emu_req *r, const char *name)
{
	return (evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    name));
}

const char *
emu_req_param(struct emu_req *r, const char *name)
{
	return (emu_json_string(r->params, name));
}

static void
emu_req_free(struct emu_req *r)
{
	if (r->delay_ev != NULL)
		event_free(r->delay_ev);
	free(r->uri);
	free(r->signer);
	free(r->region);
	free(r->session_id);
	free(r->body);
	cJSON_Delete(r->json);
	cJSON_Delete(r->params);
	if (r->pending != NULL)
		evbuffer_free(r->pending);
	free(r);
}

static const char *
emu_http_method(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET: return ("GET");
	case EVHTTP_REQ_POST: return ("POST");
	case EVHTTP_REQ_PUT: return ("PUT");
	case EVHTTP_REQ_DELETE: return ("DELETE");
	case EVHTTP_REQ_HEAD: return ("HEAD");
	default: return ("OTHER");
	}
}

/* Query string parameters, then form body ones, into r->params. */
static void
emu_req_params(struct emu_req *r)
{
	const char	*q, *ctype;

	r->params = cJSON_CreateObject();
	if ((q = strchr(r->uri, '?')) != NULL)
		emu_sts_parse_form(q + 1, strlen(q + 1), r->params);
	ctype = emu_req_header(r, "Content-Type");
	if (ctype != NULL && strncasecmp(ctype,
	    "application/x-www-form-urlencoded", 33) == 0)
		emu_sts_parse_form(r->body, r->body_len, r->params);
}

static struct emu_req *
emu_req_new(struct evhttp_request *req, struct emu_listener *l)
{
	struct emu_req		*r;
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	uint8_t			 uuid[UUID_LEN];
	const char		*path;
	struct evhttp_uri	*uri;
	char			*decoded;

	r = xcalloc(1, sizeof *r);
	r->id = ++emu_next_req;
	r->req = req;
	r->listener = l;
	r->evcon = evhttp_request_get_connection(req);
	r->method = emu_http_method(evhttp_request_get_command(req));
	r->uri = xstrdup(evhttp_request_get_uri(req));
	util_uuid_v4(uuid);
	util_uuid_format(uuid, r->request_id);
	r->body_len = evbuffer_get_length(in);
	r->body = xmalloc(r->body_len + 1);
	evbuffer_copyout(in, r->body, r->body_len);
	r->body[r->body_len] = '\0';
	r->path = "/";
	uri = evhttp_uri_parse_with_flags(r->uri, 0);
	if (uri != NULL && (path = evhttp_uri_get_path(uri)) != NULL &&
	    *path != '\0') {
		decoded = evhttp_uridecode(path, 0, NULL);
		if (decoded != NULL) {
			strlcpy(r->pathbuf, decoded, sizeof r->pathbuf);
			r->path = r->pathbuf;
			free(decoded);
		}
	}
	if (uri != NULL)
		evhttp_uri_free(uri);
	emu_req_params(r);
	return (r);
}

static void
emu_http_log(struct emu_req *r)
{
	if (r->code != NULL)
		log_info("request %u: %s %d %s", r->id,
		    r->op != NULL ? r->op->name : r->method, r->status,
		    r->code);
	else
		log_info("request %u: %s %d", r->id,
		    r->op != NULL ? r->op->name : r->method, r->status);
}

static void
emu_http_send(struct emu_req *r)
{
	evhttp_connection_set_closecb(r->evcon, NULL, NULL);
	evhttp_send_reply(r->req, r->status, emu_http_reason(r->status),
	    r->pending);
	emu_req_free(r);
}

static void
emu_http_delay_cb(evutil_socket_t fd, short events, void *arg)
{
	emu_http_send(arg);
}

/* The client went away while its answer was being delayed. */
static void
emu_http_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct emu_req	*r = arg;

	log_debug("request %u: client closed before the answer", r->id);
	emu_req_free(r);
}

static int
emu_req_is_admin(struct emu_req *r)
{
	return (r->op != NULL && strncmp(r->op->name, "_emu:", 5) == 0);
}

/*
 * Who signed the call, for GET /_emu/calls. The session is the one
 * StartSession made, or the one ResumeSession and TerminateSession name.
 */
static void
emu_req_record(struct emu_req *r)
{
	const char	*sid = r->session_id;

	if (sid == NULL)
		sid = emu_json_string(r->json, "SessionId");
	emu_calls_add(r->op->name, r->signer, r->caller != NULL ?
	    r->caller->arn : NULL, r->status, sid,
	    emu_req_param(r, "RoleSessionName"),
	    emu_json_string(r->json, "Reason"));
}

/* Send the answer (after the delay knob); body is consumed. */
void
emu_reply(struct emu_req *r, int status, const char *ctype,
    struct evbuffer *body)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(r->req);
	struct emu_counter	*c;
	u_int			 ms = 0;
	struct timeval		 tv;

	r->status = status;
	evhttp_add_header(out, "Content-Type", ctype);
	if (r->op == NULL || r->op->proto != EMU_PROTO_PLAIN)
		evhttp_add_header(out, "x-amzn-RequestId", r->request_id);
	if (r->op != NULL && !emu_req_is_admin(r)) {
		c = emu_counter_get(r->op->name);
		if (status < 300)
			c->ok++;
		else
			c->errors++;
		ms = emu_knobs_delay(&emu.knobs, r->op->name);
		emu_req_record(r);
	}
	emu_http_log(r);
	r->pending = body;
	if (ms == 0) {
		emu_http_send(r);
		return;
	}
	r->delay_ev = evtimer_new(emu.base, emu_http_delay_cb, r);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(r->delay_ev, &tv);
	evhttp_connection_set_closecb(r->evcon, emu_http_close_cb, r);
}

void
emu_reply_text(struct emu_req *r, int status, const char *ctype,
    const char *text)
{
	struct evbuffer	*body = evbuffer_new();

	evbuffer_add(body, text, strlen(text));
	emu_reply(r, status, ctype, body);
}

void
emu_reply_json(struct emu_req *r, int status, cJSON *obj)
{
	char		*text = cJSON_PrintUnformatted(obj);
	const char	*ctype;

	if (r->op != NULL && r->op->proto == EMU_PROTO_JSON)
		ctype = "application/x-amz-json-1.1";
	else
		ctype = "application/json";
	emu_reply_text(r, status, ctype, text);
	cJSON_free(text);
	cJSON_Delete(obj);
}

/* "InvalidGrantException" -> "invalid_grant", as SSO OIDC writes it. */
static char *
emu_http_snake(const char *code)
{
	size_t	 len = strlen(code), i, j = 0;
	char	*out;

	if (len > 9 && strcmp(code + len - 9, "Exception") == 0)
		len -= 9;
	out = xmalloc(2 * len + 1);
	for (i = 0; i < len; i++) {
		if (isupper((u_char)code[i]) && i != 0)
			out[j++] = '_';
		out[j++] = tolower((u_char)code[i]);
	}
	out[j] = '\0';
	return (out);
}

static void
emu_reply_error_xml(struct emu_req *r, const char *code, int status,
    const char *msg)
{
	struct evbuffer	*body = evbuffer_new();
	char		*ecode = emu_xml_escape(code);
	char		*emsg = emu_xml_escape(msg);

	evbuffer_add_printf(body, "<ErrorResponse xmlns=\""
	    "https://sts.amazonaws.com/doc/2011-06-15/\">\n"
	    "  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n"
	    "    <Message>%s</Message>\n  </Error>\n"
	    "  <RequestId>%s</RequestId>\n</ErrorResponse>\n",
	    status >= 500 ? "Receiver" : "Sender", ecode, emsg,
	    r->request_id);
	free(ecode);
	free(emsg);
	emu_reply(r, status, "text/xml", body);
}

/* Answer with an error, shaped the way the operation's protocol does. */
void
emu_reply_error(struct emu_req *r, const char *code, int status,
    const char *fmt, ...)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(r->req);
	enum emu_proto		 proto;
	va_list			 ap;
	char			*msg, *snake;
	cJSON			*obj;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	r->code = code;
	proto = r->op != NULL ? r->op->proto : EMU_PROTO_PLAIN;
	obj = cJSON_CreateObject();
	switch (proto) {
	case EMU_PROTO_JSON:
	case EMU_PROTO_REST:
		evhttp_add_header(out, "x-amzn-ErrorType", code);
		cJSON_AddStringToObject(obj, proto == EMU_PROTO_JSON ?
		    "__type" : "code", code);
		cJSON_AddStringToObject(obj, "message", msg);
		emu_reply_json(r, status, obj);
		break;
	case EMU_PROTO_QUERY:
		cJSON_Delete(obj);
		emu_reply_error_xml(r, code, status, msg);
		break;
	case EMU_PROTO_OIDC:
		evhttp_add_header(out, "x-amzn-ErrorType", code);
		snake = emu_http_snake(code);
		cJSON_AddStringToObject(obj, "error", snake);
		cJSON_AddStringToObject(obj, "error_description", msg);
		free(snake);
		emu_reply_json(r, status, obj);
		break;
	case EMU_PROTO_PLAIN:
		cJSON_Delete(obj);
		emu_reply_text(r, status, "text/plain", msg);
		break;
	}
	free(msg);
}

/* A model validation failure, worded as the services word it. */
void
emu_reply_invalid(struct emu_req *r, const char *code, const char *member,
    const char *value, const char *constraint)
{
	if (value == NULL)
		emu_reply_error(r, code, 400, "1 validation error detected: "
		    "Value null at '%s' failed to satisfy constraint: Member "
		    "must not be null", member);
	else
		emu_reply_error(r, code, 400, "1 validation error detected: "
		    "Value '%.256s' at '%s' failed to satisfy constraint: %s",
		    value, member, constraint);
}

/*
 * The authentication errors, as JSON 1.1 services and as STS (query)
 * write them on the wire. A wrong signature is InvalidSignatureException
 * (400) from SSM and KMS but SignatureDoesNotMatch (403) from STS.
 */
static const struct {
	const char	*json;
	int		 json_status;
	const char	*query;
	int		 query_status;
} emu_http_auth_errors[] = {
	[AWS_SIGV4_OK] = { "InternalFailure", 500, "InternalFailure", 500 },
	[AWS_SIGV4_MISSING] = { "MissingAuthenticationTokenException", 400,
	    "MissingAuthenticationToken", 403 },
	[AWS_SIGV4_INCOMPLETE] = { "IncompleteSignatureException", 400,
	    "IncompleteSignature", 400 },
	[AWS_SIGV4_UNKNOWN_KEY] = { "UnrecognizedClientException", 400,
	    "InvalidClientTokenId", 403 },
	[AWS_SIGV4_BAD_TOKEN] = { "UnrecognizedClientException", 400,
	    "InvalidClientTokenId", 403 },
	[AWS_SIGV4_EXPIRED_TOKEN] = { "ExpiredTokenException", 400,
	    "ExpiredToken", 403 },
	[AWS_SIGV4_SKEWED] = { "InvalidSignatureException", 400,
	    "SignatureDoesNotMatch", 403 },
	[AWS_SIGV4_EXPIRED_URL] = { "InvalidSignatureException", 400,
	    "SignatureDoesNotMatch", 403 },
	[AWS_SIGV4_MISMATCH] = { "InvalidSignatureException", 400,
	    "SignatureDoesNotMatch", 403 },
};

static int
emu_http_auth(struct emu_req *r)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(r->req);
	struct evkeyval		*kv;
	struct aws_header	*h = NULL;
	size_t			 nh = 0;
	struct emu_auth		 a;
	enum aws_sigv4_fault	 fault;

	TAILQ_FOREACH(kv, in, next) {
		if (nh == AWS_SIGV4_MAX_HEADERS)
			break;
		h = xreallocarray(h, nh + 1, sizeof *h);
		h[nh].name = kv->key;
		h[nh].value = kv->value;
		nh++;
	}
	if (emu_auth_check(r->method, r->uri, h, nh, r->body, r->body_len,
	    r->listener->tls ? "https" : "http", 0, &a) == 0) {
		free(h);
		r->signer = a.access_key_id;
		a.access_key_id = NULL;
		r->caller = a.caller;
		r->region = a.region;
		a.region = NULL;
		emu_auth_clear(&a);
		return (0);
	}
	free(h);
	r->signer = a.access_key_id;
	a.access_key_id = NULL;
	fault = a.fault;
	if ((size_t)fault >= nitems(emu_http_auth_errors))
		fault = AWS_SIGV4_OK;
	if (r->op->proto == EMU_PROTO_QUERY)
		emu_reply_error(r, emu_http_auth_errors[fault].query,
		    emu_http_auth_errors[fault].query_status, "%s", a.cause);
	else
		emu_reply_error(r, emu_http_auth_errors[fault].json,
		    emu_http_auth_errors[fault].json_status, "%s", a.cause);
	emu_auth_clear(&a);
	return (-1);
}
static void
emu_http_denied(struct emu_req *r)
{
	const char	*action = r->op->name;

	if (r->op->proto == EMU_PROTO_QUERY)
		emu_reply_error(r, "AccessDenied", 403, "User: %s is not "
		    "authorized to perform: %s because no identity-based "
		    "policy allows the %s action", r->caller->arn, action,
		    action);
	else
		emu_reply_error(r, "AccessDeniedException", 400, "User: %s is "
		    "not authorized to perform: %s because no identity-based "
		    "policy allows the %s action", r->caller->arn, action,
		    action);
}

static void
emu_http_throttled(struct emu_req *r)
{
	emu_counter_get(r->op->name)->throttled++;
	switch (r->op->proto) {
	case EMU_PROTO_QUERY:
		emu_reply_error(r, "Throttling", 400, "Rate exceeded");
		break;
	case EMU_PROTO_REST:
	case EMU_PROTO_OIDC:
		emu_reply_error(r, "TooManyRequestsException", 429,
		    "Rate exceeded");
		break;
	case EMU_PROTO_PLAIN:
		emu_reply_error(r, "Throttled", 429, "Too Many Requests");
		break;
	default:
		emu_reply_error(r, "ThrottlingException", 400, "Rate exceeded");
		break;
	}
}

/* Parse the body of a JSON operation; it must be an object. */
static int
emu_http_json_body(struct emu_req *r)
{
	if (r->body_len == 0) {
		emu_reply_error(r, "SerializationException", 400,
		    "the request body is empty; send {} for no members");
		return (-1);
	}
	r->json = cJSON_ParseWithLength(r->body, r->body_len);
	if (r->json == NULL || !cJSON_IsObject(r->json)) {
		emu_reply_error(r, "SerializationException", 400,
		    "the request body is not a JSON object");
		return (-1);
	}
	return (0);
}

/* The common pipeline, then the operation. */
static void
emu_http_run(struct emu_req *r)
{
	struct emu_fail	*f;

	if (emu_req_is_admin(r)) {
		r->op->fn(r);
		return;
	}
	emu_counter_call(r->op->name);
	emu.requests++;
	if (r->op->signed_ && emu_http_auth(r) != 0)
		return;
	if (r->caller != NULL && emu_knobs_denied(&emu.knobs,
	    r->caller->creds.access_key_id, r->op->name)) {
		emu_http_denied(r);
		return;
	}
	if (emu_knobs_throttled(&emu.knobs, r->op->name, clock_now_ms())) {
		emu_http_throttled(r);
		return;
	}
	if ((f = emu_knobs_take_fail(&emu.knobs, r->op->name)) != NULL) {
		emu_counter_get(r->op->name)->injected++;
		emu_reply_error(r, f->code, f->status, "%s", f->message);
		return;
	}
	if (r->op->proto == EMU_PROTO_JSON && emu_http_json_body(r) != 0)
		return;
	if (emu_iam_check_req(r) != 0)
		return;
	r->op->fn(r);
}

static const struct emu_op *
emu_http_find_op(const struct emu_op *table, const char *name)
{
	for (; table->name != NULL; table++) {
		if (strcmp(table->name, name) == 0)
			return (table);
	}
	return (NULL);
}

/* The stand-in op for errors before an operation is known. */
static const struct emu_op emu_http_unknown_json = {
	"unknown", EMU_PROTO_JSON, 0, NULL
};
static const struct emu_op emu_http_unknown_query = {
	"sts:unknown", EMU_PROTO_QUERY, 0, NULL
};

/* JSON 1.1: X-Amz-Target is Prefix.Operation. */
static int
emu_http_route_target(struct emu_req *r, const char *target)
{
	static const struct {
		const char		*prefix;
		const char		*service;
		const struct emu_op	*ops;
	} services[] = {
		{ "AmazonSSM.", "ssm:", emu_ssm_ops },
		{ "TrentService.", "kms:", emu_kms_ops },
	};
	char	*name;
	size_t	 i, len;

	for (i = 0; i < nitems(services); i++) {
		len = strlen(services[i].prefix);
		if (strncmp(target, services[i].prefix, len) != 0)
			continue;
		xasprintf(&name, "%s%.64s", services[i].service, target + len);
		r->op = emu_http_find_op(services[i].ops, name);
		free(name);
		if (r->op != NULL)
			return (0);
		break;
	}
	r->op = &emu_http_unknown_json;
	emu_reply_error(r, "UnknownOperationException", 400,
	    "Operation %.64s is not known", target);
	return (-1);
}

/* STS query protocol: Action= in the query or the form body. */
static int
emu_http_route_action(struct emu_req *r, const char *action)
{
	char	*name;

	xasprintf(&name, "sts:%.64s", action);
	r->op = emu_http_find_op(emu_sts_ops, name);
	free(name);
	if (r->op != NULL)
		return (0);
	r->op = &emu_http_unknown_query;
	emu_reply_error(r, "InvalidAction", 400, "Could not find operation "
	    "%.64s for version 2011-06-15", action);
	return (-1);
}

/* Find the operation; on failure an error has been sent. */
static int
emu_http_route(struct emu_req *r)
{
	const char	*target, *action;

	if (strncmp(r->path, "/_emu/", 6) == 0) {
		if (emu_admin_match(r->method, r->path, &r->op) == 0)
			return (0);
		emu_reply_error(r, "NotFound", 404, "no admin endpoint %s %s",
		    r->method, r->path);
		return (-1);
	}
	if (emu_vend_match(r->method, r->path, &r->op) == 0)
		return (0);
	if ((target = emu_req_header(r, "X-Amz-Target")) != NULL)
		return (emu_http_route_target(r, target));
	if ((action = emu_req_param(r, "Action")) != NULL &&
	    strcmp(r->path, "/") == 0)
		return (emu_http_route_action(r, action));
	if (strcmp(r->path, "/") == 0 && strcmp(r->method, "POST") == 0) {
		r->op = &emu_http_unknown_json;
		emu_reply_error(r, "MissingAction", 400, "the request has "
		    "neither an X-Amz-Target header nor an Action parameter");
		return (-1);
	}
	emu_reply_error(r, "NotFound", 404, "nothing at %s %s", r->method,
	    r->path);
	return (-1);
}

static void
emu_http_request_cb(struct evhttp_request *req, void *arg)
{
	struct emu_req	*r;

	r = emu_req_new(req, arg);
	if (emu_http_route(r) != 0)
		return;
	emu_http_run(r);
}

static struct bufferevent *
emu_http_bev_cb(struct event_base *base, void *arg)
{
	struct emu_listener	*l = arg;
	SSL			*ssl;

	if ((ssl = SSL_new(l->ctx)) == NULL)
		fatalx("https: SSL_new failed");
	return (bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE));
}

/* The port the kernel gave a socket. */
int
emu_socket_port(int fd)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return (-1);
	if (ss.ss_family == AF_INET)
		return (ntohs(((struct sockaddr_in *)&ss)->sin_port));
	return (ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
}

/* Listen for the API on addr:port (0 picks), with TLS if ctx is set. */
int
emu_http_listen(struct event_base *base, const char *addr, int port,
    SSL_CTX *ctx, char **cause)
{
	struct emu_listener	*l;

	l = xcalloc(1, sizeof *l);
	l->ctx = ctx;
	l->tls = ctx != NULL;
	l->http = evhttp_new(base);
	evhttp_set_max_body_size(l->http, EMU_MAX_BODY);
	evhttp_set_max_headers_size(l->http, EMU_MAX_HEADERS);
	evhttp_set_timeout(l->http, 30);
	evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(l->http, emu_http_request_cb, l);
	if (ctx != NULL)
		evhttp_set_bevcb(l->http, emu_http_bev_cb, l);
	l->bound = evhttp_bind_socket_with_handle(l->http, addr, port);
	if (l->bound == NULL) {
		xasprintf(cause, "%s %s:%d: cannot listen", l->tls ? "https" :
		    "http", addr, port);
		evhttp_free(l->http);
		free(l);
		return (-1);
	}
	l->port = emu_socket_port(evhttp_bound_socket_get_fd(l->bound));
	emu_listeners[l->tls] = l;
	log_info("listener %s: %s port %d", l->tls ? "https" : "http", addr,
	    l->port);
	return (0);
}

int
emu_http_port(int tls)
{
	return (emu_listeners[tls] != NULL ? emu_listeners[tls]->port : 0);
}

void
emu_http_free(void)
{
	size_t	i;

	for (i = 0; i < nitems(emu_listeners); i++) {
		if (emu_listeners[i] == NULL)
			continue;
		evhttp_free(emu_listeners[i]->http);
		free(emu_listeners[i]);
		emu_listeners[i] = NULL;
	}
}
