/*
 * bus.h: the daemon's event bus. A module says what happened (a client
 * connected, was refused or went; a session started, resumed, was
 * replaced or ended; an AWS API call was made, throttled or failed; a
 * local user logged in or out, or their credentials expired)
 * without knowing who listens; whoever cares subscribes. The control
 * socket's events followers do, and the audit log and the metrics will.
 * Events are typed structs, not text: each subscriber renders what it
 * needs.
 *
 * Delivery is synchronous. bus_publish() calls every subscriber whose mask
 * has the event's type, in the order they subscribed, and returns when
 * all have returned; so each subscriber sees events in the order they were
 * published, and sees each one once.
 *
 * Lifetime: the event and every string it points to belong to the
 * publisher and live only until the callback returns. A subscriber that
 * keeps anything copies it.
 *
 * From its callback a subscriber may:
 *   - unsubscribe itself or another subscriber: one that is unsubscribed
 *     gets no further call, not even for the event being delivered;
 *   - subscribe: the new subscriber gets the events published after.
 * It may not:
 *   - publish: a nested event would reach the subscribers after it before
 *     the event being delivered, out of order (it is fatal);
 *   - end, free or change the object the event is about (no conn_close()
 *     on the conn of a close event, no freeing of the session): the
 *     publisher is in the middle of it and goes on after the call.
 * A callback is short and never blocks: it runs inside the publisher's
 * own call, on the event loop.
 */
#ifndef BUS_H
#define BUS_H

#include <stdint.h>

enum bus_type {
	/* bus_conn */
	BUS_CONN_OPENED,	/* accepted; the far side is opening */
	BUS_CONN_REFUSED,	/* turned away before any conn was made */
	BUS_CONN_CLOSED,	/* conn_close() ran: reason and counters */
	/* bus_session */
	BUS_SESSION_STRIPING,	/* made because every session runs near
				   its ceiling (then starting as any) */
	BUS_SESSION_STARTING,	/* StartSession on its way */
	BUS_SESSION_OPENED,	/* the handshake is done: conns may ride */
	BUS_SESSION_RESUMING,	/* the WebSocket broke: reconnecting */
	BUS_SESSION_RESUMED,	/* reconnected, nothing lost */
	BUS_SESSION_REPLACING,	/* too old: a new one takes the new conns */
	BUS_SESSION_ENDED,	/* over, with why */
	/* bus_api */
	BUS_API_MADE,		/* a call is over and succeeded */
	BUS_API_THROTTLED,	/* an attempt was throttled (429 or a
				   throttling code); retried if the attempts
				   and the retry quota allow */
	BUS_API_FAILED,		/* a call is over without success: an error
				   answer, or none (credentials, budget,
				   network); a cancelled call has no end */
	/* bus_identity (identity.h) */
	BUS_IDENTITY_LOGIN,	/* a local user lent credentials (first
				   time, or new ones) */
	BUS_IDENTITY_LOGOUT,	/* took them back (gatewayctl logout) */
	BUS_IDENTITY_EXPIRED,	/* they expired and were dropped */
};
#define BUS_TYPE_LAST	BUS_IDENTITY_EXPIRED

/* Masks of types for bus_subscribe(). */
#define BUS_MASK(type)	(1U << (type))
#define BUS_CONN	(BUS_MASK(BUS_CONN_OPENED) | \
	BUS_MASK(BUS_CONN_REFUSED) | BUS_MASK(BUS_CONN_CLOSED))
#define BUS_SESSION	(BUS_MASK(BUS_SESSION_STRIPING) | \
	BUS_MASK(BUS_SESSION_STARTING) | \
	BUS_MASK(BUS_SESSION_OPENED) | BUS_MASK(BUS_SESSION_RESUMING) | \
	BUS_MASK(BUS_SESSION_RESUMED) | BUS_MASK(BUS_SESSION_REPLACING) | \
	BUS_MASK(BUS_SESSION_ENDED))
#define BUS_API		(BUS_MASK(BUS_API_MADE) | \
	BUS_MASK(BUS_API_THROTTLED) | BUS_MASK(BUS_API_FAILED))
#define BUS_IDENTITY	(BUS_MASK(BUS_IDENTITY_LOGIN) | \
	BUS_MASK(BUS_IDENTITY_LOGOUT) | BUS_MASK(BUS_IDENTITY_EXPIRED))
#define BUS_ALL		(BUS_CONN | BUS_SESSION | BUS_API | BUS_IDENTITY)

/* A client connection, or a client turned away (BUS_CONN_REFUSED). */
struct bus_conn {
	uint64_t	 id;		/* "conn 42"; 0 when refused */
	const char	*forward;	/* the [forward] it came in on; NULL
					   for a gatewayctl connect refused
					   before it had one */
	const char	*peer;		/* "127.0.0.1:51234", "unix:uid 1000
					   pid 42"; refused: "127.0.0.1" */
	const char	*target;	/* "i-0abc:5432"; refused: what it
					   asked for, or NULL */
	const char	*reason;	/* closed and refused: why */
	/* Closed only. */
	const char	*end;		/* conn_end_name(): "done", "reset" */
	int		 reset;		/* the client got a reset, not a FIN */
	uint64_t	 bytes_in;	/* read from the client */
	uint64_t	 bytes_out;	/* written to the client */
	uint64_t	 duration_ms;	/* since accept */
	/*
	 * Who and where, for the audit records (NULL, 0 or -1 when not
	 * known or not so). Opened and closed; refused has the client's
	 * and what the forward (or gatewayctl connect) would have used.
	 */
	long		 uid;		/* a unix or pair client's, or -1 */
	long		 gid;
	long		 pid;
	const char	*user;		/* uid's login name */
	const char	*addr;		/* a TCP client's address */
	unsigned	 port;		/* and port */
	int		 on_demand;	/* the forward was made for connect */
	const char	*region;	/* the forward's (AWS forwards) */
	const char	*profile;
	const char	*remote_host;	/* to-remote-host: the host */
	unsigned	 remote_port;	/* the port asked of the target */
	const char	*instance;	/* the instance that carried it */
	const char	*session_id;	/* Session Manager's */
	uint32_t	 stream_id;	/* the smux stream; 0: none */
	const char	*mode;		/* "mux", "basic" */
	const char	*account;	/* of the credentials used */
	const char	*principal;	/* their ARN */
};

/* A Session Manager session of a forward's pool. */
struct bus_session {
	const char	*forward;
	const char	*name;		/* "db/3" in logs */
	const char	*instance;	/* i-0abc..., or NULL before known */
	const char	*session_id;	/* AWS's, or NULL before known */
	const char	*mode;		/* "mux" or "basic" while open */
	const char	*agent_version;	/* while open ("" if not told) */
	const char	*detail;	/* resuming, resumed: what happened */
	const char	*reason;	/* ended: why */
	uint64_t	 age_ms;	/* since the session was made */
};

/* One AWS API call: each ends in one MADE or FAILED. */
struct bus_api {
	const char	*service;	/* "ssm", "sts" */
	const char	*operation;	/* "StartSession" */
	const char	*region;	/* NULL if not known yet */
	int		 status;	/* HTTP status; 0 if no answer */
	unsigned	 attempt;	/* attempts so far: 1 for the first */
	const char	*error;		/* throttled, failed: why */
	uint64_t	 duration_ms;	/* since the call was made */
};

/* A local user's credentials (gatewayctl login): never the keys. */
struct bus_identity {
	long		 uid;
	const char	*user;		/* uid's login name */
	const char	*principal;	/* their ARN (GetCallerIdentity) */
	const char	*account;
	int64_t		 expires;	/* Unix seconds they are dropped */
	const char	*reason;	/* logout, expired: why */
};

struct bus_event {
	enum bus_type	 type;
	uint64_t	 seq;		/* 1, 2, ... in publish order */
	uint64_t	 time_ms;	/* clock_wall_ms() when published */
	union {
		struct bus_conn		conn;
		struct bus_session	session;
		struct bus_api		api;
		struct bus_identity	identity;
	};
};

struct bus_sub;

/*
 * Call cb(ev, arg) for every event whose type is in mask from now on.
 * Return the subscription, for bus_unsubscribe().
 */
struct bus_sub *bus_subscribe(uint32_t mask,
	    void (*cb)(const struct bus_event *, void *), void *arg);
/* End a subscription, once; NULL does nothing. The handle is gone after. */
void	 bus_unsubscribe(struct bus_sub *);

/*
 * Deliver ev, which the caller zeroed and filled (type and the part of
 * the union it names); this sets seq and time_ms. Fatal from inside a
 * subscriber's callback.
 */
void	 bus_publish(struct bus_event *ev);

#endif /* BUS_H */
