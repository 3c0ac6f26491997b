/*
 * ssm_session.h: the Session Manager sessions behind one ssm forward, and
 * how client connections map onto them (ssm-data-channel.md 7.6,
 * ssm-port-mux.md).
 *
 * A forward owns one pool. The pool holds a list of sessions, each with a
 * state, its streams (its load) and its age, and the connections waiting
 * for a session to open. The mode is known only after the handshake:
 *  - mux (every agent since 2020): one session carries every connection
 *    as an smux stream; a new connection opens a stream at once, no API
 *    call;
 *  - basic (old agents, or documents without LocalPortForwarding): one
 *    session per connection, bound to it, ended with it.
 * Connections that arrive while a session starts wait, reads off, bounded
 * by wait_timeout; when the start fails they are closed with its reason.
 * When a session ends, its connections are closed with the reason and the
 * next connection starts a fresh session.
 *
 * Back-pressure both ways: a stream with more than stream_high bytes
 * queued towards the agent pauses its client; a client whose output is
 * full stops being fed, its bytes are held, and once the session holds
 * more than session_high undelivered bytes the data channel is told "not
 * ready", so the agent slows down by resending (ssm-port-mux.md 8).
 * Nothing acknowledged is ever dropped. smux v1 cannot stop one stream,
 * so while a session refuses, all its streams wait: a client that reads
 * nothing for stall_timeout while its session refuses is reset (the one
 * holding most first), with a logged reason, and new conns go to a
 * session that is not held up (ssm_pool.h).
 *
 * Ownership: the pool belongs to the forward (fw->fwd_data, made by the
 * forwarder's start, freed by its stop); a conn's attachment lives in
 * c->fwd_data from ssm_session_attach() until ssm_session_detach().
 * Everything the params point to must outlive the pool: the pool and
 * each session keep those pointers, so they are the forwarder's own
 * copies, never pointers into fw->conf, which a reload frees while the
 * pool lives on (forwarder.h).
 */
#ifndef SSM_SESSION_H
#define SSM_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "ssm_chan.h"
#include "ssm_pool.h"

#include "conn.h"
#include "forwarder.h"

struct cJSON;
struct conn;
struct evbuffer;
struct forward;
struct ssm_session;
struct ssm_session_pool;

/* Defaults of the tunables (params fields left 0). */
#define SSM_SESSION_WAIT_TIMEOUT	30000		/* ms */
/*
 * A client that takes nothing while its session refuses the agent (it
 * holds session_high) is reset after this: every other stream of the
 * session waits that long (smux v1 has no per-stream window). Seconds,
 * so that they resume before their own clients time out; long enough
 * for a client's pause (a GC, a full disk flushing).
 */
#define SSM_SESSION_STALL_TIMEOUT	10000		/* ms */
#define SSM_SESSION_KEEPALIVE		10000		/* ms between NOPs */
#define SSM_SESSION_STREAM_HIGH		(256 * 1024)	/* queued per stream */
#define SSM_SESSION_HIGH		(4 * 1024 * 1024) /* held, session */
#define SSM_SESSION_TICK		1000		/* ms, timer period */
/* StartSession's Reason, at most (ssm-data-channel.md 2.5). */
#define SSM_SESSION_MAX_REASON		256
/* Warm sessions that fail start again after 1 s, doubling to this. */
#define SSM_SESSION_WARM_BACKOFF_MAX	60000		/* ms */

/*
 * A session's states only move forward; it may skip some. From OPEN to
 * CLOSING its bytes flow; only OPEN takes new conns (and DRAINING when
 * nothing else can).
 */
enum ssm_session_state {
	SSM_SESSION_RESOLVING,	/* finding the instance (tag: targets) */
	SSM_SESSION_STARTING,	/* StartSession, WebSocket, handshake */
	SSM_SESSION_OPEN,	/* the handshake is done: streams flow */
	SSM_SESSION_DRAINING,	/* replaced: keeps its streams */
	SSM_SESSION_FINISHING,	/* basic: its conn is gone; sending the rest */
	SSM_SESSION_CLOSING,	/* we ended it; waiting for the channel */
	SSM_SESSION_DEAD,	/* over; freed at once */
};

/*
 * How a pool finds the instance for a new session (tag: targets). start
 * begins and returns a handle for cancel, or NULL if it has already called
 * ssm_session_resolved(). cancel is called if the session goes first.
 */
struct ssm_session_resolver {
	void	*(*start)(struct ssm_session *, void *arg);
	void	 (*cancel)(void *handle);
	void	*arg;
};

struct ssm_session_params {
	/*
	 * The channel's parameters, copied for every session: name and
	 * target are set per session (target is the resolver's answer, or
	 * chan.target as it is when there is no resolver).
	 */
	struct ssm_chan_params	 chan;
	const struct ssm_session_resolver *resolver;	/* NULL: none */
	int			 warm;		/* keep one session open */
	/* Striping, make before break, release, the per-target cap. */
	struct ssm_pool_policy	 policy;

	/* Zero means the default above. */
	unsigned		 wait_timeout;	/* ms a conn waits to open */
	unsigned		 stall_timeout;	/* ms a client may not read */
	unsigned		 keepalive;	/* ms between smux NOPs */
	size_t			 stream_high;	/* pause a client above */
	size_t			 session_high;	/* refuse the agent above */
	/* ms a mux stream's FIN waits after the client's EOF for the
	 * target's; 0: none, the conn ends with the client's EOF. */
	unsigned		 half_close;
	/*
	 * A pool of one local user's sessions (identity = user, a role per
	 * user): its sessions are named "<name>/<n>" and their status says
	 * whose they are. NULL: the forward's pool, named by the forward,
	 * shared; its sessions' Reason then names the local user of the
	 * conn that starts one, when known ("gatewayd db for alice").
	 */
	const char		*name;
	const char		*user;
};

/*
 * Make the pool of fw (fw->name names its sessions: "db/1"). With warm,
 * the first session starts now. params is copied, not what it points to.
 */
struct ssm_session_pool *ssm_session_pool_new(struct forward *fw,
		    const struct ssm_session_params *params);
/*
 * Free the pool: every session's channel is freed (which still ends the
 * session with AWS). The forward's conns must be gone already.
 */
void		 ssm_session_pool_free(struct ssm_session_pool *);
/*
 * The same, closing the conns still on it (why, reason): a user's pool
 * when they log out or their credentials expire.
 */
void		 ssm_session_pool_end(struct ssm_session_pool *,
		    enum conn_end why, const char *reason);

/*
 * The forwarder's calls for conn c (forwarder.h): map a new conn onto a
 * session (conn_ready now, later, or conn_close with the reason), and
 * pass on its bytes, its EOF, its drained output and its end.
 */
void		 ssm_session_attach(struct ssm_session_pool *, struct conn *c);
void		 ssm_session_send(struct conn *c, struct evbuffer *in);
void		 ssm_session_eof(struct conn *c);
void		 ssm_session_drain(struct conn *c);
void		 ssm_session_detach(struct conn *c);

/*
 * The resolver's answer for s: the target to start (an instance id), or
 * NULL and error ("tag:Name=x matched no Online instance in eu-west-1"),
 * which fails s and the conns waiting for it.
 */
void		 ssm_session_resolved(struct ssm_session *s, const char *target,
		    const char *error);
/* "db/1", for the resolver's logs. */
const char	*ssm_session_get_name(struct ssm_session *s);
/* The AWS context s starts with (its pool's): the resolver's calls use
 * the same credentials. */
struct aws_ctx	*ssm_session_get_aws(struct ssm_session *s);
/* The same for a conn attached to a pool; NULL if it is not. */
struct aws_ctx	*ssm_session_conn_aws(struct conn *c);

/*
 * Run the pool's timers now: waits that ran out, keep-alive NOPs, stalled
 * clients, warm restarts. A timer calls it every SSM_SESSION_TICK ms;
 * tests call it after moving the fake clock.
 */
void		 ssm_session_tick(struct ssm_session_pool *);

/*
 * Add the pool to fw's status object: "sessions" (one object each: name,
 * state, instance, session id, agent version, mode, age, streams, bytes,
 * held (for clients that are full) and refusing (the agent's data, held
 * up by them), refused streams, resends, resumes, rate, draining, last
 * error and
 * the channel's own status), "waiting", "sessions_started",
 * "sessions_failed", "starts_failed_in_a_row", "replacements", "released", "max_sessions" and
 * "ceiling" (the highest rate a session showed, bytes/s).
 */
void		 ssm_session_pool_status(struct ssm_session_pool *,
		    struct cJSON *obj);

/*
 * How the pool's session starts fare (forwarder.h): failed when the
 * last start failed and no session is open, so that a conn can only wait
 * and be refused; degraded when a start failed within
 * SSM_SESSION_HEALTH_WINDOW but conns get through (a session is open,
 * or a later start opened one); up otherwise, and before any start.
 */
#define SSM_SESSION_HEALTH_WINDOW	(5 * 60 * 1000)	/* ms */
enum forwarder_health ssm_session_pool_health(struct ssm_session_pool *);

/* The number of sessions in the pool, and of conns waiting (tests). */
size_t		 ssm_session_pool_count(struct ssm_session_pool *);
size_t		 ssm_session_pool_waiting(struct ssm_session_pool *);

#endif /* SSM_SESSION_H */
