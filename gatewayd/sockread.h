/*
 * sockread.h: large reads for a socket bufferevent.
 *
 * libevent 2.1's socket bufferevent reads at most 4 KiB per read callback
 * and asks FIONREAD first: three system calls per 4 KiB on a busy socket.
 * A sockread reads the bufferevent's socket itself, up to a bound per
 * read(2) that grows while reads fill it, straight into the bufferevent's
 * input (no copy), and runs the bufferevent's callbacks as the bufferevent
 * would: the read callback after bytes came, the event callback with
 * BEV_EVENT_READING|BEV_EVENT_EOF or BEV_EVENT_READING|BEV_EVENT_ERROR
 * (errno as read(2) left it). The bufferevent's own reading must stay
 * disabled; its read watermarks are not used: the sockread stops reading
 * at its own high mark and starts again once the input fell to half of it.
 */
#ifndef SOCKREAD_H
#define SOCKREAD_H

#include <stddef.h>

struct bufferevent;
struct sockread;

/*
 * A reader for bev's socket, disabled; never NULL. max bounds one read(2),
 * high the bytes in bev's input (high >= max is sensible). Free it before
 * bev.
 */
struct sockread	*sockread_new(struct bufferevent *bev, size_t max,
		    size_t high);
/*
 * The same for a client of two descriptors (a pipe pair): read fd into
 * bev's input while bev writes its own descriptor. fd stays the caller's.
 */
struct sockread	*sockread_new_fd(struct bufferevent *bev, int fd, size_t max,
		    size_t high);
void		 sockread_free(struct sockread *);
/* Start (on != 0) or stop reading. Stopped after EOF or an error. */
void		 sockread_enable(struct sockread *, int on);
int		 sockread_is_enabled(struct sockread *);

#endif /* SOCKREAD_H */
