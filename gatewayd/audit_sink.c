/*
 * The audit sink (audit_int.h): a bounded queue of records and the one
 * descriptor they go to, written only when it can take them.
 *
 * A FIFO or a socket is watched for writability; a regular file (or a
 * device) cannot be watched, is written at once and, when a write fails
 * (a full disk), tried again on a timer. Nothing here waits: a sink that
 * does not take its records costs records, dropped at the queue's door
 * and counted, never a connection or the loop's time.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "audit.h"
#include "audit_int.h"
#include "gatewayd.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* Records handed to one writev. */
#define AUDIT_IOV	64

struct audit_rec {
	TAILQ_ENTRY(audit_rec)	 entry;
	size_t			 len;
	size_t			 off;		/* written so far */
	char			 data[];
};
TAILQ_HEAD(audit_recs, audit_rec);

struct audit_sink {
	enum audit_kind		 kind;
	char			*spec;		/* as configured */
	char			*path;		/* the file or the socket */
	int			 fd;		/* -1: not open */
	int			 watch;		/* a FIFO or socket: wev */
	struct event		*wev;		/* fd is writable */
	struct event		*tev;		/* flush now, or retry */
	uint64_t		 opened_ms;	/* the last try to open */
	int			 failing;	/* said why it fails */

	struct audit_recs	 recs;
	size_t			 nrecs;
	uint64_t		 bytes;
	uint64_t		 max;

	uint64_t		 unreported;	/* drops not logged yet */
	uint64_t		 reported_ms;	/* when last logged */
	const char		*drop_why;
	struct event		*dev;		/* the next drop line */
};

static uint64_t	audit_nwritten;
static uint64_t	audit_ndropped;

static void	audit_sink_cb(evutil_socket_t, short, void *);

uint64_t
audit_written(void)
{
	return (audit_nwritten);
}

uint64_t
audit_dropped(void)
{
	return (audit_ndropped);
}

/* Say how many records went since the last line, and why. */
static void
audit_sink_report(struct audit_sink *s)
{
	if (s->unreported == 0)
		return;
	log_warnx("audit: %" PRIu64 " record%s dropped: %s (%s)",
	    s->unreported, s->unreported == 1 ? "" : "s", s->drop_why,
	    s->spec);
	s->unreported = 0;
	s->reported_ms = clock_now_ms();
}

static void
audit_sink_report_cb(evutil_socket_t fd, short events, void *arg)
{
	audit_sink_report(arg);
}

/* Count a dropped record; say so now, or once the quiet time is over. */
static void
audit_sink_drop(struct audit_sink *s, const char *why)
{
	uint64_t	now = clock_now_ms(), next;
	struct timeval	tv;

	audit_ndropped++;
	s->unreported++;
	s->drop_why = why;
	next = s->reported_ms + AUDIT_DROP_LOG_MS;
	if (s->reported_ms == 0 || now >= next)
		audit_sink_report(s);
	else if (!evtimer_pending(s->dev, NULL)) {
		tv = util_ms_tv(next - now);
		evtimer_add(s->dev, &tv);
	}
}

/* Say once why the sink fails, until it works again. */
static void
audit_sink_fail(struct audit_sink *s, const char *what, int error)
{
	if (s->failing)
		return;
	s->failing = 1;
	log_warnx("audit %s: %s: %s; records wait, and are dropped when "
	    "%" PRIu64 " bytes or %d records wait", s->path, what,
	    strerror(error), s->max, AUDIT_QUEUE_RECORDS);
}

static void
audit_sink_close(struct audit_sink *s)
{
	if (s->wev != NULL) {
		event_free(s->wev);
		s->wev = NULL;
	}
	if (s->fd != -1) {
		close(s->fd);
		s->fd = -1;
	}
}

/* The file at s->path, made 0640 if it is not there. */
static int
audit_sink_open_file(struct audit_sink *s)
{
	int	flags = O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
	int	fd;

	fd = open(s->path, flags);
	if (fd == -1 && errno == ENOENT) {
		/* The umask (the unit's 0077) would take the group's read. */
		fd = open(s->path, flags | O_CREAT | O_EXCL, 0640);
		if (fd != -1)
			(void)fchmod(fd, 0640);
		else if (errno == EEXIST)
			fd = open(s->path, flags);
	}
	return (fd);
}

/* A datagram socket connected to the socket at s->path. */
static int
audit_sink_open_socket(struct audit_sink *s)
{
	struct sockaddr_un	sun;
	int			fd, error;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, s->path, sizeof sun.sun_path) >=
	    sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		error = errno;
		close(fd);
		errno = error;
		return (-1);
	}
	return (fd);
}

/* Open the sink's descriptor; -1 (and said why) if it cannot be now. */
static int
audit_sink_open(struct audit_sink *s)
{
	struct stat	sb;

	s->opened_ms = clock_now_ms();
	if (s->kind == AUDIT_FILE)
		s->fd = audit_sink_open_file(s);
	else
		s->fd = audit_sink_open_socket(s);
	if (s->fd == -1) {
		audit_sink_fail(s, "cannot open", errno);
		return (-1);
	}
	s->watch = s->kind != AUDIT_FILE || (fstat(s->fd, &sb) == 0 &&
	    (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode)));
	if (s->watch && (s->wev = event_new(gw_base, s->fd, EV_WRITE,
	    audit_sink_cb, s)) == NULL)
		fatalx("audit: cannot make an event");
	if (s->failing)
		log_info("audit %s: open again", s->path);
	s->failing = 0;
	return (0);
}

/* Try again in AUDIT_RETRY_MS (a failed write, a sink not open). */
static void
audit_sink_retry(struct audit_sink *s)
{
	struct timeval	tv = util_ms_tv(AUDIT_RETRY_MS);

	evtimer_add(s->tev, &tv);
}

/* Wait for s->fd to take more. */
static void
audit_sink_wait(struct audit_sink *s)
{
	if (s->watch)
		event_add(s->wev, NULL);
	else
		audit_sink_retry(s);
}

static void
audit_sink_free_rec(struct audit_sink *s, struct audit_rec *r)
{
	TAILQ_REMOVE(&s->recs, r, entry);
	s->nrecs--;
	s->bytes -= r->len;
	free(r);
}

/* Write what fits of the queue to a stream; 0, or -1 when it is full. */
static int
audit_sink_write_stream(struct audit_sink *s)
{
	struct iovec		 iov[AUDIT_IOV];
	struct audit_rec	*r;
	ssize_t			 n;
	size_t			 left;
	int			 i = 0;

	TAILQ_FOREACH(r, &s->recs, entry) {
		if (i == AUDIT_IOV)
			break;
		iov[i].iov_base = r->data + r->off;
		iov[i].iov_len = r->len - r->off;
		i++;
	}
	if ((n = writev(s->fd, iov, i)) == -1) {
		if (errno == EINTR)
			return (0);
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return (-1);
		audit_sink_fail(s, "write", errno);
		/* A FIFO without a reader comes back with the next one. */
		if (errno == EPIPE)
			audit_sink_close(s);
		return (-1);
	}
	while ((r = TAILQ_FIRST(&s->recs)) != NULL && n > 0) {
		left = r->len - r->off;
		if ((size_t)n < left) {
			r->off += n;
			break;
		}
		n -= left;
		audit_nwritten++;
		audit_sink_free_rec(s, r);
	}
	return (0);
}

/* Send the queue's first record as one datagram; 0, or -1 to wait. */
static int
audit_sink_write_dgram(struct audit_sink *s)
{
	struct audit_rec	*r = TAILQ_FIRST(&s->recs);

	if (send(s->fd, r->data, r->len, MSG_DONTWAIT | MSG_NOSIGNAL) != -1) {
		audit_nwritten++;
		audit_sink_free_rec(s, r);
		return (0);
	}
	switch (errno) {
	case EINTR:
		return (0);
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
	case ENOBUFS:
		return (-1);
	case EMSGSIZE:
		audit_sink_drop(s, "a record too large for a datagram");
		audit_sink_free_rec(s, r);
		return (0);
	default:
		/* The daemon went or restarts: connect again later. */
		audit_sink_fail(s, "send", errno);
		audit_sink_close(s);
		return (-1);
	}
}

/* Write what the sink takes now; arrange to go on when it takes more. */
static void
audit_sink_flush(struct audit_sink *s)
{
	int	rc = 0;

	if (s->fd == -1) {
		if (TAILQ_EMPTY(&s->recs))
			return;
		if (clock_now_ms() - s->opened_ms < AUDIT_RETRY_MS ||
		    audit_sink_open(s) == -1) {
			audit_sink_retry(s);
			return;
		}
	}
	while (!TAILQ_EMPTY(&s->recs) && rc == 0) {
		if (s->kind == AUDIT_FILE)
			rc = audit_sink_write_stream(s);
		else
			rc = audit_sink_write_dgram(s);
	}
	if (rc == 0) {
		if (s->failing)
			log_info("audit %s: writing again", s->path);
		s->failing = 0;
	} else if (s->fd == -1)
		audit_sink_retry(s);
	else
		audit_sink_wait(s);
}

static void
audit_sink_cb(evutil_socket_t fd, short events, void *arg)
{
	audit_sink_flush(arg);
}

struct audit_sink *
audit_sink_new(const char *spec, uint64_t max_bytes)
{
	struct audit_sink	*s;
	const char		*env;

	s = xcalloc(1, sizeof *s);
	s->spec = xstrdup(spec);
	s->fd = -1;
	s->max = max_bytes;
	TAILQ_INIT(&s->recs);
	if (strcmp(spec, "syslog") == 0) {
		s->kind = AUDIT_SYSLOG;
		env = getenv("GATEWAYD_AUDIT_SYSLOG_SOCKET");
		s->path = xstrdup(env != NULL && *env != '\0' ? env :
		    AUDIT_SYSLOG_SOCKET);
	} else if (strcmp(spec, "journal") == 0) {
		s->kind = AUDIT_JOURNAL;
		env = getenv("GATEWAYD_AUDIT_JOURNAL_SOCKET");
		s->path = xstrdup(env != NULL && *env != '\0' ? env :
		    AUDIT_JOURNAL_SOCKET);
	} else {
		s->kind = AUDIT_FILE;
		s->path = xstrdup(spec);
	}
	s->tev = evtimer_new(gw_base, audit_sink_cb, s);
	s->dev = evtimer_new(gw_base, audit_sink_report_cb, s);
	if (s->tev == NULL || s->dev == NULL)
		fatalx("audit: cannot make a timer");
	if (audit_sink_open(s) == 0)
		log_info("audit: records to %s", s->path);
	return (s);
}

void
audit_sink_free(struct audit_sink *s)
{
	struct audit_rec	*r;

	if (s == NULL)
		return;
	event_free(s->tev);
	s->tev = NULL;
	if (s->fd != -1) {
		/* One last try; what does not fit now is lost. */
		while (!TAILQ_EMPTY(&s->recs) && (s->kind == AUDIT_FILE ?
		    audit_sink_write_stream(s) : audit_sink_write_dgram(s)) == 0)
			;
	}
	while ((r = TAILQ_FIRST(&s->recs)) != NULL) {
		audit_ndropped++;
		s->unreported++;
		s->drop_why = "the sink was closed before it took them";
		audit_sink_free_rec(s, r);
	}
	audit_sink_report(s);
	event_free(s->dev);
	audit_sink_close(s);
	free(s->spec);
	free(s->path);
	free(s);
}

int
audit_sink_is(const struct audit_sink *s, const char *spec)
{
	return (strcmp(s->spec, spec) == 0);
}

enum audit_kind
audit_sink_kind(const struct audit_sink *s)
{
	return (s->kind);
}

void
audit_sink_set_max(struct audit_sink *s, uint64_t max_bytes)
{
	s->max = max_bytes;
}

void
audit_sink_put(struct audit_sink *s, const void *data, size_t len)
{
	struct audit_rec	*r;

	if (s->nrecs >= AUDIT_QUEUE_RECORDS || s->bytes + len > s->max) {
		audit_sink_drop(s, "sink not reading");
		return;
	}
	r = xmalloc(sizeof *r + len);
	r->len = len;
	r->off = 0;
	memcpy(r->data, data, len);
	TAILQ_INSERT_TAIL(&s->recs, r, entry);
	s->nrecs++;
	s->bytes += len;
	/* Written from the loop, so that a burst goes in one writev. */
	if (!evtimer_pending(s->tev, NULL) &&
	    (s->wev == NULL || !event_pending(s->wev, EV_WRITE, NULL)))
		event_active(s->tev, EV_TIMEOUT, 0);
}

void
audit_sink_reopen(struct audit_sink *s)
{
	struct audit_rec	*r;

	if (s->kind != AUDIT_FILE)
		return;
	/* A record begun in the old file ends there, or not at all. */
	if (s->fd != -1 && (r = TAILQ_FIRST(&s->recs)) != NULL &&
	    r->off != 0) {
		(void)audit_sink_write_stream(s);
		if ((r = TAILQ_FIRST(&s->recs)) != NULL && r->off != 0) {
			audit_sink_drop(s, "cut short by the reopen");
			audit_sink_free_rec(s, r);
		}
	}
	audit_sink_close(s);
	evtimer_del(s->tev);
	s->failing = 0;
	if (audit_sink_open(s) == 0) {
		log_info("audit: reopened %s", s->path);
		event_active(s->tev, EV_TIMEOUT, 0);
	} else
		audit_sink_retry(s);
}
