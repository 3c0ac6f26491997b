/*
 * Large reads for a socket bufferevent: see sockread.h for why.
 *
 * One persistent read event on the bufferevent's socket. Each time it
 * fires, one readv(2) into space reserved at the end of the bufferevent's
 * input. The size reserved starts small (an idle connection that gets a
 * few bytes should not hold a large buffer) and doubles while reads fill
 * it, up to the bound. The event is removed while reading is off, after
 * EOF or an error, and while the input holds the high mark or more; a
 * callback on the input adds it again once the input fell to half.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "log.h"
#include "sockread.h"
#include "xmalloc.h"

/* The first reservation, and the least it shrinks to. */
#define SOCKREAD_MIN	(16 * 1024)

struct sockread {
	struct bufferevent	*bev;
	struct event		*ev;
	size_t			 max;		/* per read(2) */
	size_t			 high;		/* stop at this much input */
	size_t			 chunk;		/* next reservation */
	int			 enabled;	/* asked to read */
	int			 full;		/* input reached high */
	int			 done;		/* EOF or error seen */
	int			 armed;		/* ev is added */
};

/* Add or remove the event to match what is asked and possible. */
static void
sockread_update(struct sockread *sr)
{
	int	want = sr->enabled && !sr->full && !sr->done;

	if (want == sr->armed)
		return;
	if (want) {
		if (event_add(sr->ev, NULL) == -1)
			fatalx("sockread: cannot add read event");
	} else
		event_del(sr->ev);
	sr->armed = want;
}

/* The input changed: read again once it fell to half the high mark. */
static void
sockread_input_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct sockread	*sr = arg;

	if (sr->full && info->n_deleted != 0 &&
	    evbuffer_get_length(buf) <= sr->high / 2) {
		sr->full = 0;
		sockread_update(sr);
	}
}

/* Next reservation: double after a full read, halve after a small one. */
static void
sockread_adapt(struct sockread *sr, size_t asked, size_t got)
{
	if (got == asked && sr->chunk < sr->max) {
		sr->chunk *= 2;
		if (sr->chunk > sr->max)
			sr->chunk = sr->max;
	} else if (got < sr->chunk / 4 && sr->chunk > SOCKREAD_MIN)
		sr->chunk /= 2;
}

static void
sockread_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sockread		*sr = arg;
	struct bufferevent	*bev = sr->bev;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_iovec	 v[2];
	struct iovec		 iov[2];
	size_t			 len, want, left;
	ssize_t			 n;
	int			 nv, i, error;

	len = evbuffer_get_length(in);
	if (len >= sr->high) {
		sr->full = 1;
		sockread_update(sr);
		return;
	}
	want = sr->high - len;
	if (want > sr->chunk)
		want = sr->chunk;

	/* A socket bufferevent keeps its input's end frozen but to read. */
	evbuffer_unfreeze(in, 0);
	if ((nv = evbuffer_reserve_space(in, want, v, 2)) < 1)
		fatalx("sockread: out of memory");
	/* The space reserved may be more than asked for: read no more. */
	for (i = 0, left = want; i < nv; i++) {
		iov[i].iov_base = v[i].iov_base;
		iov[i].iov_len = v[i].iov_len < left ? v[i].iov_len : left;
		left -= iov[i].iov_len;
	}
	n = readv(fd, iov, nv);
	error = errno;
	left = n > 0 ? (size_t)n : 0;
	for (i = 0; i < nv; i++) {
		if (v[i].iov_len > left)
			v[i].iov_len = left;
		left -= v[i].iov_len;
	}
	evbuffer_commit_space(in, v, nv);
	evbuffer_freeze(in, 0);

	if (n > 0) {
		sockread_adapt(sr, want, (size_t)n);
		if (evbuffer_get_length(in) >= sr->high) {
			sr->full = 1;
			sockread_update(sr);
		}
		/* Last: the callback may free sr and bev. */
		bufferevent_trigger(bev, EV_READ, 0);
		return;
	}
	if (n == -1 && (error == EAGAIN || error == EWOULDBLOCK ||
	    error == EINTR))
		return;
	sr->done = 1;
	sockread_update(sr);
	errno = error;
	bufferevent_trigger_event(bev, BEV_EVENT_READING |
	    (n == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR), 0);
}

struct sockread *
sockread_new(struct bufferevent *bev, size_t max, size_t high)
{
	return (sockread_new_fd(bev, bufferevent_getfd(bev), max, high));
}

struct sockread *
sockread_new_fd(struct bufferevent *bev, int fd, size_t max, size_t high)
{
	struct sockread	*sr;

	sr = xcalloc(1, sizeof *sr);
	sr->bev = bev;
	sr->max = max;
	sr->high = high;
	sr->chunk = max < SOCKREAD_MIN ? max : SOCKREAD_MIN;
	sr->ev = event_new(bufferevent_get_base(bev), fd, EV_READ | EV_PERSIST,
	    sockread_cb, sr);
	if (sr->ev == NULL)
		fatalx("sockread: cannot make read event");
	if (evbuffer_add_cb(bufferevent_get_input(bev), sockread_input_cb,
	    sr) == NULL)
		fatalx("sockread: cannot add input callback");
	return (sr);
}

void
sockread_free(struct sockread *sr)
{
	if (sr == NULL)
		return;
	evbuffer_remove_cb(bufferevent_get_input(sr->bev), sockread_input_cb,
	    sr);
	event_free(sr->ev);
	free(sr);
}

void
sockread_enable(struct sockread *sr, int on)
{
	sr->enabled = on != 0;
	sockread_update(sr);
}

int
sockread_is_enabled(struct sockread *sr)
{
	return (sr->enabled);
}
