/*
 * ssm_session_int.h: the inside of a forward's pool of sessions, shared by
 * pool_drv.c (the pool driver: which session a conn goes to, what to start
 * and end, the tick), session.c (one session and its data channel) and
 * stream.c (one conn's attachment and its bytes). ssm_session.h is the
 * contract with the forwarder; nothing outside these three files includes
 * this one.
 */
#ifndef SSM_SESSION_INT_H
#define SSM_SESSION_INT_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "forward.h"
#include "ssm_chan.h"
#include "ssm_pool.h"
#include "ssm_session.h"

struct cJSON;
struct event;
struct evbuffer;
struct smux;

#define SSM_STREAM_WAITING	0x01	/* on pool->waiting */
#define SSM_STREAM_GOT_DATA	0x02	/* the agent sent it bytes */
#define SSM_STREAM_REMOTE_FIN	0x04	/* the agent closed it */
#define SSM_STREAM_PAUSED	0x08	/* we paused its client */
#define SSM_STREAM_RESET	0x10	/* drop what it queued */
#define SSM_STREAM_LOCAL_EOF	0x20	/* the client shut its side */
#define SSM_STREAM_SPREAD	0x40	/* on pool->spread */

/* One conn's attachment: waiting, a stream of a mux session, or the one
 * conn of a basic session (sid 0). */
struct ssm_stream {
	struct conn			*c;
	struct ssm_session_pool		*pool;
	struct ssm_session		*s;	/* NULL while waiting */
	uint32_t			 sid;
	int				 flags;
	struct evbuffer			*hold;	/* for c, not yet taken */
	uint64_t			 since;	/* waiting since, or since the
						   hold last moved */
	uint64_t			 eof_at; /* the client's EOF */
	uint64_t			 seen_out; /* c->bytes_out at the
						   last tick */
	RB_ENTRY(ssm_stream)		 entry;	/* in s->streams */
	TAILQ_ENTRY(ssm_stream)		 wentry; /* in pool->waiting */
};
RB_HEAD(ssm_session_streams, ssm_stream);
TAILQ_HEAD(ssm_waiting, ssm_stream);

struct ssm_session {
	struct ssm_session_pool		*pool;
	char				*name;	/* "db/3" */
	enum ssm_session_state		 state;
	struct ssm_chan			*chan;
	void				*resolving;	/* resolver handle */
	char				*target;	/* the instance: set as
							   it starts, and held
							   in the per-target
							   count from then */
	/* What the handshake said. */
	char				*session_id;
	char				*agent_version;
	enum ssm_chan_mode		 mode;
	int				 keepalive;	/* send smux NOPs */
	/*
	 * Back-pressure, on and off at any state from OPEN: the agent's
	 * data waits (data said -1) until the clients take what is held.
	 */
	int				 refusing;

	struct smux			*smux;		/* mux */
	struct evbuffer			*wire;		/* mux: frames not
							   yet taken */
	struct evbuffer			*out;		/* basic: to send */
	struct ssm_session_streams	 streams;
	size_t				 nstreams;
	size_t				 npaused;
	size_t				 held;		/* in every hold */
	unsigned			 refusals;	/* flags awaiting FIN */

	uint64_t			 started;
	uint64_t			 opened;
	uint64_t			 replaced;	/* 0: never */
	uint64_t			 last_nop;
	uint64_t			 to_agent;
	uint64_t			 from_agent;
	uint64_t			 total_streams;
	uint64_t			 refused;
	char				*last_error;

	/* What the pool's policy reads (ssm_pool.h). */
	uint64_t			 renew_at;	/* make before break */
	struct event			*renew_ev;	/* fires at renew_at */
	uint64_t			 idle_since;	/* no stream since */
	uint64_t			 rate;		/* bytes/s */
	unsigned			 backlog;	/* ticks in a row */
	uint64_t			 rate_at;	/* last measured */
	uint64_t			 rate_to;	/* to_agent then */
	uint64_t			 rate_from;	/* from_agent then */
	TAILQ_ENTRY(ssm_session)	 entry;
};
TAILQ_HEAD(ssm_sessions, ssm_session);

enum ssm_session_hint {
	SSM_HINT_UNKNOWN,
	SSM_HINT_MUX,
	SSM_HINT_BASIC,
};

struct ssm_session_pool {
	struct forward			*fw;
	struct ssm_session_params	 p;
	struct ssm_sessions		 sessions;
	struct ssm_waiting		 waiting;
	size_t				 nwaiting;
	struct ssm_waiting		 spread;	/* waiting to spread */
	size_t				 nspread;
	enum ssm_session_hint		 hint;
	struct event			*tick;
	struct evbuffer			*scratch;
	uint64_t			 next_id;
	uint64_t			 warm_at;	/* no start but for
							   waiting conns before */
	unsigned			 warm_delay;
	uint64_t			 started;
	uint64_t			 failed;
	unsigned			 fails_in_a_row; /* starts, since
							   one opened */
	uint64_t			 failed_at;	/* the last, ms */
	uint64_t			 replacements;
	uint64_t			 released;
	uint64_t			 ceiling;	/* bytes/s, most seen */
	struct ssm_pool_load		*loads;		/* scratch, by session */
	struct ssm_session		**lsess;
	size_t				 nloads;
	char				*last_instance;	/* for tag: targets */
};

/* libbsd's RB_GENERATE_STATIC needs a __unused it does not define. */
RB_PROTOTYPE(ssm_session_streams, ssm_stream, entry, ssm_stream_cmp);

/* session.c: one session and its data channel. */
struct evbuffer	*ssm_session_evbuffer(void);
int		 ssm_session_is_starting(struct ssm_session *);
int		 ssm_session_is_open(struct ssm_session *);
int		 ssm_session_takes(struct ssm_session *);
void		 ssm_session_set_error(struct ssm_session *, const char *);
const char	*ssm_session_doing(struct ssm_session *);
void		 ssm_session_check_held(struct ssm_session *);
void		 ssm_session_pump(struct ssm_session *);
void		 ssm_session_new(struct ssm_session_pool *,
		    enum ssm_pool_start);
void		 ssm_session_finish(struct ssm_session *);
void		 ssm_session_drop(struct ssm_session *, enum conn_end,
		    const char *);
void		 ssm_session_terminate(struct ssm_session *, const char *);
void		 ssm_session_end(struct ssm_session *, const char *);
void		 ssm_session_renew(struct ssm_session *, uint64_t);
void		 ssm_session_measure(struct ssm_session *, uint64_t);
struct cJSON	*ssm_session_status(struct ssm_session *);

/* stream.c: one conn's attachment. */
size_t		 ssm_stream_pending(struct ssm_stream *);
void		 ssm_stream_set_target(struct ssm_stream *, const char *);
/*
 * Put st at the tail of the pool's queue that flag (SSM_STREAM_WAITING or
 * SSM_STREAM_SPREAD) names, off any other; take it off the one it is on.
 * Its flags say which, and the pool's counts follow.
 */
void		 ssm_stream_enqueue(struct ssm_stream *, int flag);
void		 ssm_stream_dequeue(struct ssm_stream *);
/* "basic", "mux", "stream": by enum ssm_chan_mode, for logs and records. */
extern const char *const ssm_session_mode_names[];
void		 ssm_stream_attach(struct ssm_session *, struct ssm_stream *);
void		 ssm_stream_unlink(struct ssm_stream *);
void		 ssm_stream_deliver(struct ssm_stream *, const uint8_t *,
		    size_t);
void		 ssm_stream_remote_fin(struct ssm_stream *);
void		 ssm_session_tick_stalled(struct ssm_session *, uint64_t);
void		 ssm_session_tick_half_closed(struct ssm_session *, uint64_t);

/* pool_drv.c: the pool driver. */
int		 ssm_session_capped(struct ssm_session_pool *, const char *,
		    char **);
void		 ssm_session_fail_waiting(struct ssm_session_pool *,
		    const char *);
size_t		 ssm_session_loads(struct ssm_session_pool *);
void		 ssm_session_view(struct ssm_session_pool *,
		    struct ssm_pool_view *);
void		 ssm_session_start_needed(struct ssm_session_pool *);
void		 ssm_session_reap(struct ssm_session_pool *);
size_t		 ssm_session_spares(struct ssm_session_pool *);

#endif /* SSM_SESSION_INT_H */
