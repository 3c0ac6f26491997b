/*
 * The metrics endpoint: a small HTTP/1.x server on the event loop that
 * answers GET /metrics and nothing else (404 for another path, 405 for
 * another method, 400 for what is not HTTP/1.x, 431 for a request longer
 * than METRICS_MAX_REQUEST). One request per connection, answered with
 * Connection: close. Every connection has a timer from its accept: a
 * client that never finishes its request, or never reads the answer, is
 * closed when it fires. At most METRICS_MAX_CLIENTS at once; more are
 * closed at accept.
 *
 * Who may scrape: metrics_allow, checked as a forward's allow list is
 * (listener.c), addresses for TCP and users or groups for a unix socket.
 * The socket is bound by listener_bind(); a unix one is mode 0666 (every
 * local user may reach a loopback port too), narrowed by metrics_allow.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "config.h"
#include "forward.h"
#include "listener.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

/* The longest request line and headers we read. */
#define METRICS_MAX_REQUEST	8192
/* Scrapes at once. */
#define METRICS_MAX_CLIENTS	16
/* How long a connection may take, request and answer. */
#define METRICS_TIMEOUT_SEC	10
/* How long accepting pauses after EMFILE and friends. */
#define METRICS_PAUSE_SEC	1

struct metrics_client {
	struct bufferevent		*bev;
	struct event			*timer;
	TAILQ_ENTRY(metrics_client)	 entry;
};
TAILQ_HEAD(metrics_clients, metrics_client);

static struct {
	int			 fd;
	struct event		*ev;
	struct event		*pause_ev;
	char			*address;
	char			*path;		/* our unix socket */
	struct stat		 sb;
	struct allow_rule	*rules;		/* metrics_allow's */
	size_t			 nrules;
	struct metrics_clients	 clients;
	unsigned		 nclients;
} mh = { .fd = -1, .clients = TAILQ_HEAD_INITIALIZER(mh.clients) };

static void
metrics_client_free(struct metrics_client *mc)
{
	TAILQ_REMOVE(&mh.clients, mc, entry);
	mh.nclients--;
	bufferevent_free(mc->bev);
	event_free(mc->timer);
	free(mc);
}

static void
metrics_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct metrics_client	*mc = arg;

	log_debug("metrics: client took more than %ds, closing",
	    METRICS_TIMEOUT_SEC);
	metrics_client_free(mc);
}

/* The answer is out: close. */
static void
metrics_write_cb(struct bufferevent *bev, void *arg)
{
	metrics_client_free(arg);
}

static void
metrics_event_cb(struct bufferevent *bev, short what, void *arg)
{
	metrics_client_free(arg);
}

/* Send status and body (text/plain unless ctype says) and close after. */
static void
metrics_reply(struct metrics_client *mc, const char *status,
    const char *ctype, struct evbuffer *body, const char *extra)
{
	struct evbuffer	*out = bufferevent_get_output(mc->bev);

	bufferevent_disable(mc->bev, EV_READ);
	evbuffer_add_printf(out, "HTTP/1.1 %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n%s\r\n", status,
	    ctype != NULL ? ctype : "text/plain; charset=utf-8",
	    evbuffer_get_length(body), extra != NULL ? extra : "");
	evbuffer_add_buffer(out, body);
	bufferevent_setcb(mc->bev, NULL, metrics_write_cb, metrics_event_cb,
	    mc);
	bufferevent_enable(mc->bev, EV_WRITE);
}

static void
metrics_reply_error(struct metrics_client *mc, const char *status,
    const char *extra)
{
	struct evbuffer	*body;

	if ((body = evbuffer_new()) == NULL)
		fatalx("metrics: cannot make a buffer");
	evbuffer_add_printf(body, "%s\n", status);
	metrics_reply(mc, status, NULL, body, extra);
	evbuffer_free(body);
}

/*
 * 1 if a header line says Accept: application/openmetrics-text; headers
 * are the lines after the request line, through the blank one.
 */
static int
metrics_wants_openmetrics(const char *headers)
{
	const char	*line, *eol;

	for (line = headers; line != NULL; line = eol + 2) {
		if ((eol = strstr(line, "\r\n")) == NULL || eol == line)
			break;
		if (strncasecmp(line, "accept:", 7) != 0)
			continue;
		if (memmem(line, eol - line, "application/openmetrics-text",
		    28) != NULL)
			return (1);
	}
	return (0);
}

/* A whole request is in req (NUL-terminated, through the blank line). */
static void
metrics_handle(struct metrics_client *mc, char *req)
{
	struct metrics_out	 out;
	char			*method, *target, *version, *eol, *q;
	int			 openmetrics;

	eol = strstr(req, "\r\n");
	*eol = '\0';
	openmetrics = metrics_wants_openmetrics(eol + 2);
	method = req;
	if ((target = strchr(method, ' ')) == NULL ||
	    (version = strchr(target + 1, ' ')) == NULL) {
		metrics_reply_error(mc, "400 Bad Request", NULL);
		return;
	}
	*target++ = '\0';
	*version++ = '\0';
	if (strcmp(version, "HTTP/1.1") != 0 &&
	    strcmp(version, "HTTP/1.0") != 0) {
		metrics_reply_error(mc, "400 Bad Request", NULL);
		return;
	}
	if (strcmp(method, "GET") != 0) {
		metrics_reply_error(mc, "405 Method Not Allowed",
		    "Allow: GET\r\n");
		return;
	}
	if ((q = strchr(target, '?')) != NULL)
		*q = '\0';
	if (strcmp(target, "/metrics") != 0) {
		metrics_reply_error(mc, "404 Not Found", NULL);
		return;
	}
	memset(&out, 0, sizeof out);
	out.openmetrics = openmetrics;
	if ((out.buf = evbuffer_new()) == NULL)
		fatalx("metrics: cannot make a buffer");
	metrics_write(&out);
	metrics_reply(mc, "200 OK", out.openmetrics ? METRICS_CT_OPENMETRICS :
	    METRICS_CT_TEXT, out.buf, NULL);
	evbuffer_free(out.buf);
}

static void
metrics_read_cb(struct bufferevent *bev, void *arg)
{
	struct metrics_client	*mc = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_ptr	 end;
	size_t			 len;
	char			*req;

	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos == -1) {
		if (evbuffer_get_length(in) >= METRICS_MAX_REQUEST)
			metrics_reply_error(mc, "431 Request Header Fields "
			    "Too Large", NULL);
		return;
	}
	len = end.pos + 4;
	req = xmalloc(len + 1);
	evbuffer_remove(in, req, len);
	req[len] = '\0';
	/* A NUL inside is no HTTP; strstr would stop short of it. */
	if (strlen(req) != len)
		metrics_reply_error(mc, "400 Bad Request", NULL);
	else
		metrics_handle(mc, req);
	free(req);
}

/* 1 if the client on fd (address sa) may scrape. */
static int
metrics_allowed(int fd, const struct sockaddr *sa, socklen_t salen)
{
	struct allow_list	al;
	struct ucred		cred;
	gid_t			groups[LISTENER_MAX_GROUPS];
	int			ngroups;

	memset(&al, 0, sizeof al);
	al.rules = mh.rules;
	al.n = mh.nrules;
	if (sa->sa_family != AF_UNIX)
		return (listener_allow_addr(&al, sa, salen));
	if (al.n == 0)
		return (1);
	if (listener_peer_cred(fd, &cred, groups, LISTENER_MAX_GROUPS,
	    &ngroups) == -1)
		return (0);
	return (listener_allow_cred(&al, cred.uid, cred.gid, groups,
	    ngroups));
}

static void
metrics_client_new(int fd)
{
	struct metrics_client	*mc;
	struct timeval		 tv = { METRICS_TIMEOUT_SEC, 0 };

	mc = xcalloc(1, sizeof *mc);
	mc->bev = bufferevent_socket_new(gw_base, fd, BEV_OPT_CLOSE_ON_FREE);
	mc->timer = evtimer_new(gw_base, metrics_timer_cb, mc);
	if (mc->bev == NULL || mc->timer == NULL)
		fatalx("metrics: cannot make a client");
	TAILQ_INSERT_TAIL(&mh.clients, mc, entry);
	mh.nclients++;
	/* Read no more than a request may be. */
	bufferevent_setwatermark(mc->bev, EV_READ, 0, METRICS_MAX_REQUEST);
	bufferevent_setcb(mc->bev, metrics_read_cb, NULL, metrics_event_cb,
	    mc);
	bufferevent_enable(mc->bev, EV_READ);
	evtimer_add(mc->timer, &tv);
}

static void
metrics_pause_cb(evutil_socket_t fd, short events, void *arg)
{
	if (mh.ev != NULL)
		event_add(mh.ev, NULL);
}

static void
metrics_accept_cb(evutil_socket_t lfd, short events, void *arg)
{
	struct sockaddr_storage	 ss;
	struct timeval		 tv = { METRICS_PAUSE_SEC, 0 };
	socklen_t		 sslen;
	int			 fd, i;

	for (i = 0; i < METRICS_MAX_CLIENTS; i++) {
		sslen = sizeof ss;
		fd = accept4(lfd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				log_warn("metrics %s: accept; pausing",
				    mh.address);
				event_del(mh.ev);
				evtimer_add(mh.pause_ev, &tv);
			}
			return;
		}
		if (!metrics_allowed(fd, (struct sockaddr *)&ss, sslen)) {
			log_warnx("metrics %s: refused a client not in "
			    "metrics_allow", mh.address);
			close(fd);
		} else if (mh.nclients >= METRICS_MAX_CLIENTS) {
			log_warnx("metrics %s: %d scrapes at once, closing "
			    "another", mh.address, METRICS_MAX_CLIENTS);
			close(fd);
		} else
			metrics_client_new(fd);
	}
}

/* Stop listening (clients being answered finish). */
static void
metrics_http_close(void)
{
	if (mh.ev != NULL)
		event_free(mh.ev);
	if (mh.pause_ev != NULL)
		event_free(mh.pause_ev);
	mh.ev = mh.pause_ev = NULL;
	if (mh.fd != -1)
		close(mh.fd);
	mh.fd = -1;
	if (mh.path != NULL)
		listener_unix_unlink(mh.path, &mh.sb);
	free(mh.path);
	free(mh.address);
	mh.path = mh.address = NULL;
}

static void
metrics_http_set_allow(const struct allow_list *al)
{
	free(mh.rules);
	mh.rules = NULL;
	mh.nrules = al->n;
	if (al->n != 0) {
		mh.rules = xreallocarray(NULL, al->n, sizeof *al->rules);
		memcpy(mh.rules, al->rules, al->n * sizeof *al->rules);
	}
}

int
metrics_http_start(const struct gw_config *conf, char **cause)
{
	const struct listen_spec	*ls = &conf->metrics;
	struct stat			 sb;
	int				 fd;

	if (ls->text == NULL) {
		if (mh.address != NULL)
			log_info("metrics %s: off", mh.address);
		metrics_http_close();
		metrics_http_set_allow(&conf->metrics_allow);
		return (0);
	}
	if (mh.address != NULL && strcmp(mh.address, ls->text) == 0) {
		metrics_http_set_allow(&conf->metrics_allow);
		return (0);
	}
	if ((fd = listener_bind(ls, 0666, &sb, cause)) == -1)
		return (-1);
	metrics_http_close();
	metrics_http_set_allow(&conf->metrics_allow);
	mh.fd = fd;
	mh.address = xstrdup(ls->text);
	if (ls->kind == LISTEN_UNIX) {
		mh.path = xstrdup(ls->path);
		mh.sb = sb;
	}
	mh.ev = event_new(gw_base, fd, EV_READ | EV_PERSIST,
	    metrics_accept_cb, NULL);
	mh.pause_ev = evtimer_new(gw_base, metrics_pause_cb, NULL);
	if (mh.ev == NULL || mh.pause_ev == NULL ||
	    event_add(mh.ev, NULL) == -1)
		fatalx("metrics: cannot make events");
	log_info("metrics %s: serving /metrics", mh.address);
	return (0);
}

void
metrics_http_stop(void)
{
	metrics_http_close();
	while (!TAILQ_EMPTY(&mh.clients))
		metrics_client_free(TAILQ_FIRST(&mh.clients));
	free(mh.rules);
	mh.rules = NULL;
	mh.nrules = 0;
}

const char *
metrics_http_address(void)
{
	return (mh.address);
}
