/*
 * dcclient's surroundings (see dcclient.h): the event loop run until a
 * condition holds, the emulator's admin endpoint (world, knobs, session
 * actions, state), loopback targets in this process, and the SSM API calls
 * through gatewayd's AWS client.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>

#include <netinet/in.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include <cjson/cJSON.h>

#include "aws.h"
#include "aws_creds.h"
#include "aws_ssm.h"
#include "dcclient.h"
#include "log.h"
#include "tls.h"
#include "util.h"
#include "xmalloc.h"

struct dcc_env	dcc_env;

struct dcc_call {
	const char		*op;
	int			 session;	/* the answer is one */
	int			 resume;
	int			 done;
	char			*error;
	struct aws_ssm_session	 s;
};

/* ----------------------------------------------------------------- loop */

static void
dcc_tick_cb(evutil_socket_t fd, short events, void *arg)
{
}

int
dcc_wait(int (*cond)(void *), void *arg, u_int ms)
{
	struct event	*tick;
	struct timeval	 tv = { 0, 10000 };
	uint64_t	 end = clock_now_ms() + ms;
	int		 done;

	tick = event_new(dcc_env.base, -1, EV_PERSIST, dcc_tick_cb, NULL);
	evtimer_add(tick, &tv);
	while (!(done = cond(arg)) && clock_now_ms() < end)
		event_base_loop(dcc_env.base, EVLOOP_ONCE);
	event_free(tick);
	return (done);
}

static int
dcc_never(void *arg)
{
	return (0);
}

void
dcc_sleep(u_int ms)
{
	dcc_wait(dcc_never, NULL, ms);
}

/* ---------------------------------------------------------------- admin */

struct dcc_http {
	int		 done;
	int		 status;
	char		*body;
};

static void
dcc_http_cb(struct evhttp_request *req, void *arg)
{
	struct dcc_http	*h = arg;
	struct evbuffer	*b;
	size_t		 len;

	h->done = 1;
	if (req == NULL)
		return;
	h->status = evhttp_request_get_response_code(req);
	b = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(b);
	h->body = xmalloc(len + 1);
	evbuffer_remove(b, h->body, len);
	h->body[len] = '\0';
}

static int
dcc_http_done(void *arg)
{
	return (((struct dcc_http *)arg)->done);
}

/* Call the admin endpoint; return the body (caller frees) of a 200. */
static char *
dcc_admin(enum evhttp_cmd_type cmd, const char *path, const char *body)
{
	struct evhttp_connection	*conn;
	struct evhttp_request		*req;
	struct dcc_http			 h;
	char				 uri[256];

	memset(&h, 0, sizeof h);
	conn = evhttp_connection_base_new(dcc_env.base, NULL,
	    dcc_env.admin_host, dcc_env.admin_port);
	req = evhttp_request_new(dcc_http_cb, &h);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	    dcc_env.admin_host);
	if (body != NULL)
		evbuffer_add(evhttp_request_get_output_buffer(req), body,
		    strlen(body));
	snprintf(uri, sizeof uri, "/_emu%s", path);
	if (evhttp_make_request(conn, req, cmd, uri) != 0)
		dcc_fail("admin %s: cannot send", path);
	if (!dcc_wait(dcc_http_done, &h, DCC_WAIT))
		dcc_fail("admin %s: no answer", path);
	evhttp_connection_free(conn);
	if (h.status != 200)
		dcc_fail("admin %s: status %d: %s", path, h.status,
		    h.body != NULL ? h.body : "");
	return (h.body);
}

static void
dcc_admin_post(const char *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
dcc_admin_post(const char *path, const char *fmt, va_list ap)
{
	char	*body;

	xvasprintf(&body, fmt, ap);
	free(dcc_admin(EVHTTP_REQ_POST, path, body));
	free(body);
}

void
dcc_world(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	dcc_admin_post("/world", fmt, ap);
	va_end(ap);
}

void
dcc_knobs(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	dcc_admin_post("/knobs", fmt, ap);
	va_end(ap);
}

void
dcc_admin_session(const char *sid, const char *action)
{
	char	*body;

	xasprintf(&body, "{\"id\": \"%s\", \"action\": \"%s\"}", sid, action);
	free(dcc_admin(EVHTTP_REQ_POST, "/session", body));
	free(body);
}

void
dcc_target_ping(const char *id, const char *ping)
{
	char	*body;

	xasprintf(&body, "{\"id\": \"%s\", \"ping\": \"%s\"}", id, ping);
	free(dcc_admin(EVHTTP_REQ_POST, "/target", body));
	free(body);
}

void
dcc_target_add(const char *fmt, ...)
{
	va_list	 ap;
	char	*entry, *body;

	va_start(ap, fmt);
	xvasprintf(&entry, fmt, ap);
	va_end(ap);
	xasprintf(&body, "{\"add\": %s}", entry);
	free(dcc_admin(EVHTTP_REQ_POST, "/target", body));
	free(body);
	free(entry);
}

void
dcc_state_reset(void)
{
	free(dcc_admin(EVHTTP_REQ_POST, "/state/reset", ""));
}

/* GET /_emu/state afresh; dcc_env keeps it until the next call. */
static const cJSON *
dcc_state_fetch(void)
{
	char	*body;

	cJSON_Delete(dcc_env.state);
	body = dcc_admin(EVHTTP_REQ_GET, "/state", NULL);
	if ((dcc_env.state = cJSON_Parse(body)) == NULL)
		dcc_fail("state: not JSON");
	free(body);
	return (dcc_env.state);
}

static const cJSON *
dcc_session_obj(const char *sid)
{
	const cJSON	*list, *s;

	list = cJSON_GetObjectItem(cJSON_GetObjectItem(dcc_state_fetch(),
	    "sessions"), "list");
	cJSON_ArrayForEach(s, list) {
		if (strcmp(cJSON_GetObjectItem(s, "id")->valuestring, sid) == 0)
			return (s);
	}
	dcc_fail("state: no session %s", sid);
}

const cJSON *
dcc_agent_state(const char *sid)
{
	const cJSON	*a;

	a = cJSON_GetObjectItem(dcc_session_obj(sid), "agent");
	if (a == NULL)
		dcc_fail("state: session %s has no agent", sid);
	return (a);
}

double
dcc_agent_num(const char *sid, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItem(dcc_agent_state(sid), key);

	if (!cJSON_IsNumber(v))
		dcc_fail("state: session %s: no number %s", sid, key);
	return (v->valuedouble);
}

const char *
dcc_agent_str(const char *sid, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItem(dcc_agent_state(sid), key);

	return (cJSON_IsString(v) ? v->valuestring : "");
}

const char *
dcc_session_state(const char *sid)
{
	return (cJSON_GetObjectItem(dcc_session_obj(sid), "state")->
	    valuestring);
}

/* The pacing ceiling GET /_emu/state reports, bytes/s (0: off). */
double
dcc_pacing_ceiling(void)
{
	const cJSON	*v;

	v = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    dcc_state_fetch(), "data_channel"), "pacing"),
	    "ceiling_bytes_per_sec");
	if (!cJSON_IsNumber(v))
		dcc_fail("state: no data_channel.pacing.ceiling_bytes_per_sec");
	return (v->valuedouble);
}

/* A number at state.path1.path2 (path2 may be NULL). */
const cJSON *
dcc_op_state(const char *op)
{
	const cJSON	*v;

	v = cJSON_GetObjectItem(dcc_state_fetch(), "ops");
	if ((v = cJSON_GetObjectItem(v, op)) == NULL)
		dcc_fail("state: no counters for %s", op);
	return (v);
}

double
dcc_state_num(const char *path1, const char *path2)
{
	const cJSON	*v;

	v = cJSON_GetObjectItem(dcc_state_fetch(), path1);
	if (path2 != NULL)
		v = cJSON_GetObjectItem(v, path2);
	if (!cJSON_IsNumber(v))
		dcc_fail("state: no number %s.%s", path1, path2 ? path2 : "");
	return (v->valuedouble);
}

/* The number at a dotted path of GET /_emu/state ("a.b.c"). */
double
dcc_state_at(const char *path)
{
	const cJSON	*v = dcc_state_fetch();
	char		*copy = xstrdup(path), *p = copy, *name;

	while (v != NULL && (name = strsep(&p, ".")) != NULL)
		v = cJSON_GetObjectItem(v, name);
	free(copy);
	if (!cJSON_IsNumber(v))
		dcc_fail("state: no number at %s", path);
	return (v->valuedouble);
}

/* -------------------------------------------------------------- targets */

static void	dcc_tconn_event_cb(struct bufferevent *, short, void *);

static void
dcc_tconn_read_cb(struct bufferevent *bev, void *arg)
{
	struct dcc_tconn	*tc = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);

	tc->bytes_in += evbuffer_get_length(in);
	if (tc->t->mode == DCC_ECHO) {
		tc->bytes_out += evbuffer_get_length(in);
		if (!tc->t->keep) {
			evbuffer_add_buffer(bufferevent_get_output(bev), in);
			return;
		}
		evbuffer_add(bufferevent_get_output(bev),
		    evbuffer_pullup(in, -1), evbuffer_get_length(in));
	}
	if (tc->t->keep)
		evbuffer_add_buffer(tc->got, in);
	else
		evbuffer_drain(in, evbuffer_get_length(in));
}

/* A source: the pattern, 256 KiB queued at a time, then close. */
static void
dcc_tconn_write_cb(struct bufferevent *bev, void *arg)
{
	struct dcc_tconn	*tc = arg;
	struct evbuffer		*out = bufferevent_get_output(bev);
	uint64_t		 left = tc->t->source_bytes - tc->bytes_out;
	size_t			 n = 256 * 1024;

	if (tc->t->mode != DCC_SOURCE || evbuffer_get_length(out) > 0)
		return;
	if (left == 0) {
		dcc_tconn_event_cb(bev, BEV_EVENT_EOF, tc);
		return;
	}
	if (n > left)
		n = left;
	dcc_pattern_add(out, tc->bytes_out, n);
	tc->bytes_out += n;
}

static void
dcc_tconn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct dcc_tconn	*tc = arg;

	if (tc->bev == NULL)
		return;
	bufferevent_free(tc->bev);
	tc->bev = NULL;
	tc->closed = 1;
	tc->t->open--;
}

static void
dcc_target_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct dcc_target	*t = arg;
	struct dcc_tconn	*tc;

	tc = xcalloc(1, sizeof *tc);
	tc->t = t;
	tc->n = ++t->accepts;
	tc->got = evbuffer_new();
	tc->bev = bufferevent_socket_new(dcc_env.base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(tc->bev, dcc_tconn_read_cb, dcc_tconn_write_cb,
	    dcc_tconn_event_cb, tc);
	bufferevent_setwatermark(tc->bev, EV_READ, 0, 1024 * 1024);
	bufferevent_enable(tc->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&t->conns, tc, entry);
	t->open++;
	dcc_tconn_write_cb(tc->bev, tc);
}

struct dcc_target *
dcc_target_new(enum dcc_tmode mode)
{
	struct dcc_target	*t;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;

	t = xcalloc(1, sizeof *t);
	t->mode = mode;
	t->keep = 1;
	TAILQ_INIT(&t->conns);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t->lev = evconnlistener_new_bind(dcc_env.base, dcc_target_accept_cb,
	    t, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 64,
	    (struct sockaddr *)&sin, sizeof sin);
	if (t->lev == NULL)
		dcc_fail("target: cannot listen");
	getsockname(evconnlistener_get_fd(t->lev), (struct sockaddr *)&sin,
	    &len);
	t->port = ntohs(sin.sin_port);
	return (t);
}

void
dcc_target_close_all(struct dcc_target *t)
{
	struct dcc_tconn	*tc;

	TAILQ_FOREACH(tc, &t->conns, entry) {
		if (tc->bev != NULL)
			dcc_tconn_event_cb(tc->bev, BEV_EVENT_EOF, tc);
	}
}

void
dcc_target_free(struct dcc_target *t)
{
	struct dcc_tconn	*tc;

	while ((tc = TAILQ_FIRST(&t->conns)) != NULL) {
		TAILQ_REMOVE(&t->conns, tc, entry);
		if (tc->bev != NULL)
			bufferevent_free(tc->bev);
		evbuffer_free(tc->got);
		free(tc);
	}
	evconnlistener_free(t->lev);
	free(t);
}

struct dcc_tconn *
dcc_target_conn(struct dcc_target *t, u_int n)
{
	struct dcc_tconn	*tc;

	TAILQ_FOREACH(tc, &t->conns, entry) {
		if (tc->n == n)
			return (tc);
	}
	return (NULL);
}

int
dcc_dead_port(void)
{
	struct dcc_target	*t = dcc_target_new(DCC_SINK);
	int			 port = t->port;

	evconnlistener_free(t->lev);
	free(t);
	return (port);
}

/* ------------------------------------------------------------------ API */

/* A session call's answer, read with gatewayd's codec, as chan.c does. */
static void
dcc_ssm_cb(const struct aws_response *resp, void *arg)
{
	struct dcc_call	*c = arg;
	char		*cause = NULL;

	c->done = 1;
	if (!resp->ok) {
		c->error = xstrdup(resp->error != NULL ? resp->error :
		    "failed");
		return;
	}
	if (c->session && aws_ssm_decode_session(resp->body, resp->body_len,
	    c->resume, &c->s, &cause) != 0) {
		xasprintf(&c->error, "%s: %s", c->op, cause);
		free(cause);
	}
}

/* Send op (body, flags) through gatewayd's AWS client; answer in call. */
static void
dcc_ssm_call(struct dcc_call *call, const char *op, char *body, int flags)
{
	call->op = op;
	call->session = strcmp(op, "TerminateSession") != 0;
	call->resume = strcmp(op, "ResumeSession") == 0;
	aws_call_json(dcc_env.ctx, "ssm", "AmazonSSM", op, body, flags, NULL,
	    dcc_ssm_cb, call);
}

static int
dcc_call_done(void *arg)
{
	return (((struct dcc_call *)arg)->done);
}

/* StartSession; the answer in call. params: "key=value,key=value". */
static void
dcc_start_call(const char *target, const char *doc, const char *params,
    struct dcc_call *call)
{
	struct aws_ssm_start	 st;
	struct aws_ssm_param	 p[8];
	const char		*vals[8];
	char			*copy, *item, *eq, *next;
	size_t			 n = 0;

	memset(&st, 0, sizeof st);
	memset(call, 0, sizeof *call);
	copy = xstrdup(params != NULL ? params : "");
	for (item = copy; item != NULL && *item != '\0' && n < 8; item = next) {
		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		if ((eq = strchr(item, '=')) == NULL)
			dcc_fail("params: %s is not key=value", item);
		*eq = '\0';
		vals[n] = eq + 1;
		p[n].key = item;
		p[n].values = &vals[n];
		p[n].nvalues = 1;
		n++;
	}
	st.target = target;
	st.document = doc;
	st.params = p;
	st.nparams = n;
	dcc_ssm_call(call, "StartSession", aws_ssm_encode_start_session(&st),
	    AWS_CALL_NOT_IDEMPOTENT);
	if (!dcc_wait(dcc_call_done, call, DCC_WAIT))
		dcc_fail("StartSession: no answer");
	free(copy);
}

/* StartSession: 0 and the session in s, or -1 and *error. */
int
dcc_api_start(const char *target, const char *doc, const char *params,
    struct aws_ssm_session *s, char **error)
{
	struct dcc_call	call;

	dcc_start_call(target, doc, params, &call);
	*s = call.s;
	*error = call.error;
	return (call.error == NULL ? 0 : -1);
}

char *
dcc_start_error(const char *target, const char *doc, const char *params)
{
	struct dcc_call	call;

	dcc_start_call(target, doc, params, &call);
	if (call.error == NULL)
		dcc_fail("StartSession %s: succeeded, want an error", target);
	return (call.error);
}

char *
dcc_resume_error(struct dcc *c)
{
	struct dcc_call	call;

	memset(&call, 0, sizeof call);
	dcc_ssm_call(&call, "ResumeSession", aws_ssm_encode_session_id(c->sid),
	    0);
	if (!dcc_wait(dcc_call_done, &call, DCC_WAIT))
		dcc_fail("ResumeSession: no answer");
	if (call.error == NULL)
		dcc_fail("ResumeSession %s: succeeded, want an error", c->sid);
	free(call.s.token_value);
	free(call.s.stream_url);
	free(call.s.session_id);
	return (call.error);
}

void
dcc_resume(struct dcc *c)
{
	struct dcc_call	call;

	memset(&call, 0, sizeof call);
	dcc_ssm_call(&call, "ResumeSession", aws_ssm_encode_session_id(c->sid),
	    0);
	if (!dcc_wait(dcc_call_done, &call, DCC_WAIT) || call.error != NULL)
		dcc_fail("ResumeSession: %s", call.error != NULL ? call.error :
		    "no answer");
	free(c->token);
	c->token = call.s.token_value;
	if (call.s.stream_url != NULL && *call.s.stream_url != '\0') {
		free(c->url);
		c->url = call.s.stream_url;
	} else
		free(call.s.stream_url);
	free(call.s.session_id);
}

void
dcc_terminate_api(struct dcc *c)
{
	struct dcc_call	call;

	memset(&call, 0, sizeof call);
	dcc_ssm_call(&call, "TerminateSession",
	    aws_ssm_encode_session_id(c->sid), 0);
	if (!dcc_wait(dcc_call_done, &call, DCC_WAIT) || call.error != NULL)
		dcc_fail("TerminateSession: %s", call.error != NULL ?
		    call.error : "no answer");
}

/* ------------------------------------------------------------ the env */

struct dcc_creds_call {
	int			 done;
	char			*error;
	struct aws_creds	*out;
};

static void
dcc_creds_cb(const struct aws_creds *creds, const char *error, void *arg)
{
	struct dcc_creds_call	*w = arg;

	w->done = 1;
	if (creds != NULL)
		aws_creds_copy(w->out, creds);
	else
		w->error = xstrdup(error != NULL ? error : "none");
}

static int
dcc_creds_done(void *arg)
{
	return (((struct dcc_creds_call *)arg)->done);
}

void
dcc_env_creds(struct aws_creds *out)
{
	struct dcc_creds_call	w;

	memset(&w, 0, sizeof w);
	memset(out, 0, sizeof *out);
	w.out = out;
	if (aws_ctx_creds(dcc_env.ctx) == NULL ||
	    aws_creds_get(aws_ctx_creds(dcc_env.ctx), 0, dcc_creds_cb,
	    &w) == NULL)
		dcc_fail("credentials: no provider");
	if (!dcc_wait(dcc_creds_done, &w, DCC_WAIT) || w.error != NULL)
		dcc_fail("credentials: %s", w.error != NULL ? w.error :
		    "no answer");
}

const char *
dcc_env_region(void)
{
	return (aws_ctx_region(dcc_env.ctx));
}

void
dcc_env_init(const char *endpoint, const char *admin)
{
	struct aws_options	 o;
	const char		*p;
	char			*cause = NULL;

	dcc_env.base = event_base_new();
	memset(&o, 0, sizeof o);
	if ((dcc_env.aws = aws_client_new(dcc_env.base, &o, &cause)) == NULL ||
	    (dcc_env.ctx = aws_ctx_new(dcc_env.aws, NULL, "us-east-1",
	    endpoint, &cause)) == NULL)
		dcc_fail("aws: %s", cause);
	if ((dcc_env.tls = tls_client_new(getenv("AWS_CA_BUNDLE"), 0,
	    &cause)) == NULL)
		dcc_fail("tls: %s", cause);
	if (strncmp(admin, "http://", 7) != 0 ||
	    (p = strrchr(admin + 7, ':')) == NULL)
		dcc_fail("admin %s: want http://HOST:PORT/_emu", admin);
	dcc_env.admin_host = xstrndup(admin + 7, p - admin - 7);
	dcc_env.admin_port = atoi(p + 1);
}

void
dcc_env_free(void)
{
	cJSON_Delete(dcc_env.state);
	tls_client_free(dcc_env.tls);
	aws_client_free(dcc_env.aws);
	free(dcc_env.admin_host);
	event_base_free(dcc_env.base);
}

/* ----------------------------------------------------------- the pattern */

uint8_t	dcc_pattern[DCC_PATTERN];

void
dcc_pattern_init(void)
{
	util_random(dcc_pattern, sizeof dcc_pattern);
}

int
dcc_pattern_check(const uint8_t *buf, size_t len, uint64_t off)
{
	size_t	at = off % DCC_PATTERN, n;

	while (len > 0) {
		n = DCC_PATTERN - at < len ? DCC_PATTERN - at : len;
		if (memcmp(buf, dcc_pattern + at, n) != 0)
			return (0);
		buf += n;
		len -= n;
		at = 0;
	}
	return (1);
}

void
dcc_pattern_add(struct evbuffer *b, uint64_t off, size_t len)
{
	size_t	at = off % DCC_PATTERN, n;

	while (len > 0) {
		n = DCC_PATTERN - at < len ? DCC_PATTERN - at : len;
		evbuffer_add(b, dcc_pattern + at, n);
		len -= n;
		at = 0;
	}
}
