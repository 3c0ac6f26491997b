/*
 * In-process fake HTTP servers for the AWS client's unit tests: evhttp on
 * 127.0.0.1 with an ephemeral port, a record of every request, and
 * replies that can come late or never.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <ftw.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "aws_sigv4.h"
#include "fakesrv.h"
#include "sigv4_verify.h"
#include "util.h"

struct fakesrv_later {
	struct fakesrv			*srv;
	struct evhttp_request		*req;
	struct evhttp_connection	*evcon;
	struct event			*ev;
	int				 status;
	char				*body;
	TAILQ_ENTRY(fakesrv_later)	 entry;
};

struct fakesrv {
	struct event_base		*base;
	struct evhttp			*http;
	unsigned			 port;
	char				 url[64];
	fakesrv_cb			 cb;
	void				*arg;
	struct fakesrv_seen		*seen;
	size_t				 nseen;
	SSL_CTX				*ssl;
	TAILQ_HEAD(, fakesrv_later)	 later;
};

static char *
fakesrv_header(struct evhttp_request *req, const char *name)
{
	const char	*v;

	v = evhttp_find_header(evhttp_request_get_input_headers(req), name);
	return (v != NULL ? strdup(v) : NULL);
}

static void
fakesrv_later_free(struct fakesrv_later *l)
{
	TAILQ_REMOVE(&l->srv->later, l, entry);
	event_free(l->ev);
	free(l->body);
	free(l);
}

/* The client went away: forget what we meant to send it. */
static void
fakesrv_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct fakesrv		*srv = arg;
	struct fakesrv_later	*l, *next;

	for (l = TAILQ_FIRST(&srv->later); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		if (l->evcon == evcon)
			fakesrv_later_free(l);
	}
}

static void
fakesrv_gen_cb(struct evhttp_request *req, void *arg)
{
	struct fakesrv		*srv = arg;
	struct fakesrv_seen	*s;
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	size_t			 len = evbuffer_get_length(in);
	static const char	*methods[] = { "GET", "POST", "HEAD", "PUT",
	    "DELETE", "OPTIONS", "TRACE", "CONNECT", "PATCH" };
	int			 cmd = evhttp_request_get_command(req), i;

	srv->seen = realloc(srv->seen, (srv->nseen + 1) * sizeof *srv->seen);
	s = &srv->seen[srv->nseen++];
	memset(s, 0, sizeof *s);
	for (i = 0; i < 9; i++) {
		if (cmd == (1 << i))
			s->method = strdup(methods[i]);
	}
	s->uri = strdup(evhttp_request_get_uri(req));
	s->target = fakesrv_header(req, "X-Amz-Target");
	s->auth = fakesrv_header(req, "Authorization");
	s->amz_date = fakesrv_header(req, "X-Amz-Date");
	s->token = fakesrv_header(req, "X-Amz-Security-Token");
	s->body = malloc(len + 1);
	evbuffer_copyout(in, s->body, len);
	s->body[len] = '\0';
	s->at_ms = clock_now_ms();
	s->conn = evhttp_request_get_connection(req);
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    fakesrv_close_cb, srv);
	srv->cb(srv, req, s, srv->arg);
}

struct fakesrv *
fakesrv_new(struct event_base *base, fakesrv_cb cb, void *arg)
{
	struct fakesrv			*srv;
	struct evhttp_bound_socket	*bs;
	struct sockaddr_in		 sin;
	socklen_t			 slen = sizeof sin;

	srv = calloc(1, sizeof *srv);
	srv->base = base;
	srv->cb = cb;
	srv->arg = arg;
	TAILQ_INIT(&srv->later);
	srv->http = evhttp_new(base);
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT);
	evhttp_set_gencb(srv->http, fakesrv_gen_cb, srv);
	bs = evhttp_bind_socket_with_handle(srv->http, "127.0.0.1", 0);
	if (bs == NULL) {
		fprintf(stderr, "fakesrv: cannot bind 127.0.0.1\n");
		abort();
	}
	getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&sin,
	    &slen);
	srv->port = ntohs(sin.sin_port);
	snprintf(srv->url, sizeof srv->url, "http://127.0.0.1:%u", srv->port);
	return (srv);
}

void
fakesrv_free(struct fakesrv *srv)
{
	size_t	i;

	if (srv == NULL)
		return;
	while (!TAILQ_EMPTY(&srv->later))
		fakesrv_later_free(TAILQ_FIRST(&srv->later));
	evhttp_free(srv->http);
	if (srv->ssl != NULL)
		SSL_CTX_free(srv->ssl);
	for (i = 0; i < srv->nseen; i++) {
		free(srv->seen[i].method);
		free(srv->seen[i].uri);
		free(srv->seen[i].target);
		free(srv->seen[i].auth);
		free(srv->seen[i].amz_date);
		free(srv->seen[i].token);
		free(srv->seen[i].body);
	}
	free(srv->seen);
	free(srv);
}

const char *
fakesrv_url(struct fakesrv *srv)
{
	return (srv->url);
}

unsigned
fakesrv_port(struct fakesrv *srv)
{
	return (srv->port);
}

size_t
fakesrv_count(struct fakesrv *srv)
{
	return (srv->nseen);
}

const struct fakesrv_seen *
fakesrv_get(struct fakesrv *srv, size_t i)
{
	return (i < srv->nseen ? &srv->seen[i] : NULL);
}

size_t
fakesrv_count_match(struct fakesrv *srv, const char *prefix,
    const char *target)
{
	size_t	i, n = 0;

	for (i = 0; i < srv->nseen; i++) {
		if (strncmp(srv->seen[i].uri, prefix, strlen(prefix)) != 0)
			continue;
		if (target != NULL && (srv->seen[i].target == NULL ||
		    strcmp(srv->seen[i].target, target) != 0))
			continue;
		n++;
	}
	return (n);
}

void
fakesrv_reply(struct evhttp_request *req, int status, const char *body, ...)
{
	struct evbuffer		*out = evbuffer_new();
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	const char		*line, *colon;
	char			 name[128];
	va_list			 ap;

	va_start(ap, body);
	while ((line = va_arg(ap, const char *)) != NULL) {
		colon = strchr(line, ':');
		snprintf(name, sizeof name, "%.*s", (int)(colon - line), line);
		evhttp_add_header(h, name, colon + 2);
	}
	va_end(ap);
	if (body != NULL)
		evbuffer_add(out, body, strlen(body));
	evhttp_send_reply(req, status, status < 300 ? "OK" : "Error", out);
	evbuffer_free(out);
}

void
fakesrv_reply_sts_creds(struct evhttp_request *req, const char *op,
    unsigned n)
{
	char	body[2048], exp[32];
	time_t	t = (time_t)(clock_wall_ms() / 1000) + 3600;

	strftime(exp, sizeof exp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	snprintf(body, sizeof body, "<%sResponse xmlns=\"https://sts."
	    "amazonaws.com/doc/2011-06-15/\"><%sResult><AssumedRoleUser><Arn>"
	    "arn:aws:sts::210987654321:assumed-role/demo/s</Arn>"
	    "<AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>"
	    "<Credentials><AccessKeyId>ASIAROLE%u</AccessKeyId>"
	    "<SecretAccessKey>rs</SecretAccessKey><SessionToken>rt"
	    "</SessionToken><Expiration>%s</Expiration></Credentials>"
	    "</%sResult></%sResponse>", op, op, n, exp, op, op);
	fakesrv_reply(req, 200, body, NULL);
}

static void
fakesrv_later_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fakesrv_later	*l = arg;

	fakesrv_reply(l->req, l->status, l->body, NULL);
	fakesrv_later_free(l);
}

void
fakesrv_reply_later(struct fakesrv *srv, struct evhttp_request *req,
    unsigned delay_ms, int status, const char *body)
{
	struct fakesrv_later	*l;
	struct timeval		 tv;

	l = calloc(1, sizeof *l);
	l->srv = srv;
	l->req = req;
	l->evcon = evhttp_request_get_connection(req);
	l->status = status;
	l->body = body != NULL ? strdup(body) : NULL;
	l->ev = evtimer_new(srv->base, fakesrv_later_cb, l);
	TAILQ_INSERT_TAIL(&srv->later, l, entry);
	tv.tv_sec = delay_ms / 1000;
	tv.tv_usec = (delay_ms % 1000) * 1000;
	evtimer_add(l->ev, &tv);
}

void
fakesrv_hang(struct fakesrv *srv, struct evhttp_request *req)
{
	/* Nothing: the request stays open until the client gives up. */
}

static void
run_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

int
run_until(struct event_base *base, int (*cond)(void *), void *arg,
    unsigned deadline_ms)
{
	struct event	*ev;
	struct timeval	 tv;
	int		 expired = 0;

	ev = evtimer_new(base, run_deadline_cb, &expired);
	tv.tv_sec = deadline_ms / 1000;
	tv.tv_usec = (deadline_ms % 1000) * 1000;
	evtimer_add(ev, &tv);
	while (!cond(arg) && !expired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(ev);
	return (cond(arg) ? 0 : -1);
}

static int
run_never(void *arg)
{
	return (0);
}

void
run_for(struct event_base *base, unsigned ms)
{
	run_until(base, run_never, NULL, ms);
}

const char *
test_aws_env_reset(void)
{
	static char	 home[64];
	extern char	**environ;
	char		**e, name[256];
	size_t		 n;
	int		 again = 1;

	while (again) {
		again = 0;
		for (e = environ; *e != NULL; e++) {
			n = strcspn(*e, "=");
			if (n >= sizeof name)
				continue;
			memcpy(name, *e, n);
			name[n] = '\0';
			if (strncmp(name, "AWS_", 4) == 0 ||
			    strcasecmp(name, "https_proxy") == 0 ||
			    strcasecmp(name, "http_proxy") == 0 ||
			    strcasecmp(name, "no_proxy") == 0 ||
			    strcasecmp(name, "all_proxy") == 0) {
				unsetenv(name);
				again = 1;
				break;
			}
		}
	}
	snprintf(home, sizeof home, "/tmp/gw-test-home.XXXXXX");
	if (mkdtemp(home) == NULL)
		abort();
	setenv("HOME", home, 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	return (home);
}

const char *
test_write_file(const char *dir, const char *name, const char *text)
{
	static char	 path[4096];
	FILE		*f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
	return (path);
}

static struct rlimit	test_fds_saved;

void
test_fds_exhaust(void)
{
	struct rlimit	low;
	int		fd;

	/* The lowest free descriptor becomes the limit: none is left. */
	if ((fd = dup(0)) == -1)
		abort();
	close(fd);
	if (getrlimit(RLIMIT_NOFILE, &test_fds_saved) == -1)
		abort();
	low = test_fds_saved;
	low.rlim_cur = fd;
	if (setrlimit(RLIMIT_NOFILE, &low) == -1)
		abort();
}

void
test_fds_restore(void)
{
	if (setrlimit(RLIMIT_NOFILE, &test_fds_saved) == -1)
		abort();
}

static int
test_rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return (remove(path));
}

void
test_aws_env_cleanup(void)
{
	const char	*home = getenv("HOME");

	if (home != NULL && strncmp(home, "/tmp/gw-test-home.", 18) == 0)
		nftw(home, test_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static struct aws_creds	 fakesrv_creds;

static const struct aws_creds *
fakesrv_lookup(const char *akid, void *arg)
{
	if (fakesrv_creds.access_key_id == NULL ||
	    strcmp(akid, fakesrv_creds.access_key_id) != 0)
		return (NULL);
	return (&fakesrv_creds);
}

const char *
fakesrv_verify(struct evhttp_request *req, const struct fakesrv_seen *seen,
    const char *akid, const char *secret)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evkeyval		*kv;
	struct aws_header	 h[64];
	size_t			 n = 0;
	const char		*code = NULL;
	char			*cause = NULL;

	TAILQ_FOREACH(kv, in, next) {
		if (n < 64) {
			h[n].name = kv->key;
			h[n++].value = kv->value;
		}
	}
	fakesrv_creds.access_key_id = (char *)akid;
	fakesrv_creds.secret_access_key = (char *)secret;
	if (aws_sigv4_verify(seen->method, seen->uri, h, n, seen->body,
	    strlen(seen->body), "http", fakesrv_lookup, NULL,
	    (time_t)(clock_wall_ms() / 1000), &code, &cause) == 0)
		code = NULL;
	free(cause);
	return (code);
}

/* A self-signed certificate for 127.0.0.1, written to ca_path. */
static SSL_CTX *
fakesrv_tls_ctx(const char *ca_path)
{
	EVP_PKEY	*key;
	X509		*x;
	X509_NAME	*name;
	X509_EXTENSION	*ext;
	X509V3_CTX	 v3;
	SSL_CTX		*ctx;
	FILE		*f;

	if ((key = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL)
		abort();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)getpid());
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"127.0.0.1", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
	    "IP:127.0.0.1");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	    "critical,CA:TRUE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (X509_sign(x, key, EVP_sha256()) == 0)
		abort();
	if ((f = fopen(ca_path, "w")) == NULL)
		abort();
	PEM_write_X509(f, x);
	fclose(f);
	ctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX_use_certificate(ctx, x);
	SSL_CTX_use_PrivateKey(ctx, key);
	X509_free(x);
	EVP_PKEY_free(key);
	return (ctx);
}

static struct bufferevent *
fakesrv_bevcb(struct event_base *base, void *arg)
{
	return (bufferevent_openssl_socket_new(base, -1, SSL_new(arg),
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE));
}

struct fakesrv *
fakesrv_new_tls(struct event_base *base, fakesrv_cb cb, void *arg,
    const char *ca_path)
{
	struct fakesrv	*srv;

	srv = fakesrv_new(base, cb, arg);
	srv->ssl = fakesrv_tls_ctx(ca_path);
	evhttp_set_bevcb(srv->http, fakesrv_bevcb, srv->ssl);
	snprintf(srv->url, sizeof srv->url, "https://127.0.0.1:%u",
	    srv->port);
	return (srv);
}
