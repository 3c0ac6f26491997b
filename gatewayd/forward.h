/*
 * forward.h: a forward at run time (one [forward "NAME"] section, its
 * listener and its conns), and what the core lends every forwarder: the
 * event loop, the resolver and the config in force. gateway.c owns the
 * forwards (gateway.h, gatewayd.h); a forwarder sees only this.
 */
#ifndef FORWARD_H
#define FORWARD_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>

#include "conn.h"

struct event_base;
struct evdns_base;
struct forwarder;
struct fwd_config;
struct gw_config;
struct listener;

/* The one event loop. */
extern struct event_base	*gw_base;
/* The config in force (fw->conf is a section of it; forwarder.h). */
extern struct gw_config		*gw_conf;
/* The one resolver (resolv.conf and /etc/hosts), made on first use. */
struct evdns_base *gateway_get_dns(void);

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
	int			 on_demand;	/* made at run time, no listener
						   (ondemand.c) */

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

/* Record the last error of a forward for gatewayctl status (and log it). */
void	 forward_set_error(struct forward *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Record it without the log line: the caller logs it with its fields. */
void	 forward_keep_error(struct forward *, const char *);
void	 forward_ref(struct forward *);
void	 forward_unref(struct forward *);

#endif /* FORWARD_H */
