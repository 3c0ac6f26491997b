/*
 * gatewayd.h: what every layer shares: the event base, forwards, listeners
 * and client connections, and the functions forwarders call back.
 *
 * Ownership: gateway.c owns the table of forwards; a forward owns its
 * listener and its conns; a conn owns its bufferevent and whatever its
 * forwarder keeps in c->fwd_data (released by fwd->close).
 */
#ifndef GATEWAYD_H
#define GATEWAYD_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <stdarg.h>
#include <stdint.h>

#include "forwarder.h"

struct bufferevent;
struct cJSON;
struct event;
struct event_base;
struct evbuffer;
struct evdns_base;
struct fwd_config;
struct gw_config;
struct listener;
struct sockread;

/*
 * The version: configure's, with git describe's in a checkout (version.c,
 * made at build time).
 */
extern const char	 gatewayd_version[];
#define GATEWAYD_VERSION	gatewayd_version

/* The one event loop. */
extern struct event_base	*gw_base;

/*
 * Watermarks for the bytes gatewayd holds for one connection in each
 * direction. Above the high mark we stop reading the side that produces;
 * below the low mark we start again. They bound gatewayd's memory per
 * connection whatever the speed of either side.
 */
#define CONN_HIGH_WATERMARK	(256 * 1024)
#define CONN_LOW_WATERMARK	(64 * 1024)

/*
 * One accepted client connection. Its state only moves forward; every
 * change goes through conn_set_state().
 */
enum conn_state {
	CONN_OPENING,	/* accepted; local reads off while the far side opens */
	CONN_OPEN,	/* conn_ready() was called; bytes flow both ways */
	CONN_DRAINING,	/* one side sent EOF; flushing what is left */
	CONN_DEAD,	/* conn_close() ran; unlinked, events off, freed later */
};

/*
 * Why a conn ended (conn_close), and so how its client learns of it. A
 * clean end closes the client's socket with a FIN, read as EOF: the far
 * side's own end passed on whole after every byte before it, or the
 * client's own end (its EOF where the far side cannot carry a half-close,
 * and the bounded wait for the far side after it, half_close_timeout).
 * Every other end is abnormal and resets the client (SO_LINGER {1, 0},
 * then close), so that no client, nc or HTTP/1.0 or any protocol that
 * ends at EOF, takes a stream the tunnel broke for a whole one; the tcp
 * forwarder resets its target the same way. A reset discards at once what was
 * still queued for the client, gatewayd's and the kernel's: the bytes of
 * a broken stream are of no use to a client that cannot tell where they
 * stop, and flushing them first would only keep a dead tunnel's conn
 * alive on a timer. A unix socket has no reset: there the client sees
 * EOF whatever the reason.
 */
enum conn_end {
	CONN_END_DONE,		/* both sides finished: clean */
	CONN_END_CLIENT,	/* the client ended it where the far side
				   cannot half-close, or the wait after its
				   EOF ran out (half_close_timeout): clean */
	CONN_END_EVICTED,	/* the wait after the client's EOF was cut
				   short for a new client (max_conns) */
	CONN_END_CLIENT_ERROR,	/* the client's socket failed */
	CONN_END_REFUSED,	/* the far side could not be opened */
	CONN_END_RESET,		/* the far side reset or failed */
	CONN_END_LOST,		/* the tunnel (a session) was lost */
	CONN_END_STALLED,	/* the client took nothing for too long */
	CONN_END_STOPPED,	/* the forward or gatewayd stopped */
};
#define CONN_END_LAST	CONN_END_STOPPED

struct conn {
	uint64_t		 id;		/* "conn 42" in logs */
	enum conn_state		 state;
	int			 refs;

	struct forward		*fw;		/* the forward it came in on */
	const struct forwarder	*fwd;		/* fw->fwd, for short calls */
	void			*fwd_data;	/* the forwarder's per-conn state */

	struct bufferevent	*bev;		/* the local client socket */
	struct sockread		*rd;		/* reads it (sockread.h) */
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	char			 peer_str[128];	/* "127.0.0.1:51234", "unix:uid 1000" */
	char			*target_str;	/* "i-0abc:5432"; set by forwarder */

	uint64_t		 bytes_in;	/* read from the client */
	uint64_t		 bytes_out;	/* written to the client */
	uint64_t		 started_ms;	/* clock_now_ms() at accept */

	int			 local_eof;	/* client shut its write side */
	int			 remote_eof;	/* far side finished (conn_eof) */
	int			 paused;	/* conn_pause() in force */
	int			 output_full;	/* over the high watermark */
	int			 lingering;	/* conn_is_lingering() */
	uint64_t		 eof_ms;	/* the client's EOF passed on */
	enum conn_end		 end;		/* why it closed */
	char			*reason;	/* why, for logs */

	TAILQ_ENTRY(conn)	 entry;		/* in fw->conns */
};
TAILQ_HEAD(conns, conn);

enum forward_state {
	FORWARD_UP,		/* listening */
	FORWARD_DOWN,		/* stopped by gatewayctl down */
	FORWARD_FAILED,		/* could not bind or start; see last_error */
	FORWARD_RETIRED,	/* removed by reload; lives while conns drain */
};

/* One [forward "NAME"] section at run time. */
struct forward {
	char			*name;
	struct fwd_config	*conf;		/* owned */
	const struct forwarder	*fwd;
	struct listener		*listener;
	void			*fwd_data;	/* the forwarder's per-forward state */
	enum forward_state	 state;
	int			 refs;

	struct conns		 conns;
	unsigned		 nconns;	/* live */
	unsigned		 nlingering;	/* conn_is_lingering() */
	uint64_t		 total_conns;
	uint64_t		 bytes_in;	/* of closed and live conns */
	uint64_t		 bytes_out;
	char			*last_error;

	TAILQ_ENTRY(forward)	 entry;
};
TAILQ_HEAD(forwards, forward);

/* gateway.c */
extern struct forwards	 gw_forwards;
/* The one resolver (resolv.conf and /etc/hosts), made on first use. */
struct evdns_base *gateway_get_dns(void);
void	 gateway_free_dns(void);	/* at exit, before gw_base goes */
extern struct gw_config	*gw_conf;
/*
 * Start every forward of the config: the number that failed (each marked
 * so, its error logged, and retried with back-off), or -1 at the first
 * with exit_on_forward_failure. *cause says the first failure, for a
 * caller that does not log; free it when the result is not 0.
 */
int	 gateway_start(struct gw_config *, char **cause);
int	 gateway_reload(struct gw_config *);
void	 gateway_shutdown(void (*done)(void));
struct forward *gateway_find(const char *name);
int	 gateway_forward_up(struct forward *, char **cause);
void	 gateway_forward_down(struct forward *);
/* Record the last error of a forward for gatewayctl status (and log it). */
void	 forward_set_error(struct forward *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 forward_ref(struct forward *);
void	 forward_unref(struct forward *);

/* conn.c: called by listener.c */
struct conn *conn_new(struct forward *, int fd, const struct sockaddr *,
	    socklen_t);
void	 conn_set_state(struct conn *, enum conn_state);
/* conn.c: called by forwarders */
void	 conn_ready(struct conn *);
void	 conn_write(struct conn *, struct evbuffer *);	/* moves all of it */
void	 conn_write_data(struct conn *, const void *, size_t);
int	 conn_is_output_full(struct conn *);
size_t	 conn_output_len(struct conn *);
void	 conn_eof(struct conn *);
void	 conn_pause(struct conn *);
void	 conn_resume(struct conn *);
/* Close c now: why it ended (the client's FIN or reset) and a reason. */
void	 conn_close(struct conn *, enum conn_end, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* 1 if an end for that reason reaches the client as EOF, 0 as a reset. */
int	 conn_end_is_clean(enum conn_end);
const char *conn_end_name(enum conn_end);
int	 conn_is_open(struct conn *);
/*
 * max_conns counts what the user can see. A conn whose client's EOF was
 * passed on and whose far side has not ended yet (a mux stream waiting
 * for the target's FIN, half_close_timeout) is lingering: it holds its
 * slot only until a new client needs it. conn_make_room ends the one of
 * fw that has lingered longest (CONN_END_EVICTED) and returns 1, or
 * returns 0 if none lingers.
 */
int	 conn_is_lingering(struct conn *);
int	 conn_make_room(struct forward *);
void	 conn_ref(struct conn *);
void	 conn_unref(struct conn *);

/* control.c: publish an event to gatewayctl events followers; takes ev. */
void	 control_event(struct cJSON *ev);

#endif /* GATEWAYD_H */
