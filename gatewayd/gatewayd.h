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

#include "autoconf.h"
#define GATEWAYD_VERSION	PACKAGE_VERSION

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
	char			*reason;	/* why it closed */

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
 * Start every forward of the config; -1 at the first that fails, whose
 * error is logged already (forward_set_error) and also in *cause, for a
 * caller that does not log.
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
void	 conn_close(struct conn *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 conn_is_open(struct conn *);
void	 conn_ref(struct conn *);
void	 conn_unref(struct conn *);

/* control.c: publish an event to gatewayctl events followers; takes ev. */
void	 control_event(struct cJSON *ev);

#endif /* GATEWAYD_H */
