/*
 * ssm_pool.h: the policy of a forward's pool of Session Manager sessions
 * (docs/data-path.md, "The pool and the sessions"). Pure decisions: the
 * loads of the sessions, the clock and the forward's settings in, what to
 * do out. session.c gathers the loads and carries the decisions out.
 *
 *  - choose: a new conn goes to the least loaded open session (not
 *    saturated first, then the fewest streams, then the lowest rate);
 *    a draining session only when nothing else can take it;
 *  - saturation: a session with streams moving at SSM_POOL_SATURATED_PCT
 *    of the highest rate any session of the forward has shown (its
 *    ceiling, at least SSM_POOL_CEILING_FLOOR), or whose output was left
 *    waiting for the window SSM_POOL_BACKLOG_TICKS ticks in a row, or
 *    that is stalled (it refuses the agent's data for clients that do
 *    not read: smux v1 cannot stop one stream, so all of its streams
 *    wait, ssm-port-mux.md 8); one without streams never (its last rate
 *    was of streams now gone). New conns thus go to a session that is
 *    not held up, and another opens when every one is (within
 *    max_sessions);
 *  - admission: at most one start in flight per forward; another mux
 *    session when all are saturated, up to max_sessions; never more than
 *    max_per_target sessions on one instance, gateway-wide;
 *  - spreading: streams cannot move between sessions, so conns arriving
 *    together (four bulk downloads at once) would all land on the one
 *    warm session before any of them shows saturation. With max_sessions
 *    > 1, a conn that finds every open session carrying streams waits
 *    (SSM_POOL_SPREAD_WAIT at most, then the least loaded) for a session
 *    the pool may still open, when that leaves it with fewer streams than
 *    the least loaded open one; those starts go in parallel, one per
 *    waiting conn (each is for a conn that waits now), within
 *    max_sessions and max_per_target; each session that opens takes its
 *    share of the waiting conns;
 *  - make before break: a session is replaced (its replacement opens, new
 *    conns go there, it drains) at renew_at, before a predictable end:
 *    max_duration less a lead (a tenth of it, at most
 *    SSM_POOL_LEAD_MAX), or max_age;
 *  - release: with idle_policy release, a session without streams for
 *    release_delay is ended; a drained session is ended at once.
 */
#ifndef SSM_POOL_H
#define SSM_POOL_H

#include <stddef.h>
#include <stdint.h>

/* Saturated at this share of the ceiling. */
#define SSM_POOL_SATURATED_PCT	80
/* The ceiling is at least this (bytes/s), so that a trickle is not
 * taken for a saturated session before any session has run flat out. */
#define SSM_POOL_CEILING_FLOOR	(256 * 1024)
/* Ticks in a row with output waiting for the window. */
#define SSM_POOL_BACKLOG_TICKS	3
/* A conn waits this long for a session to spread to (ms). */
#define SSM_POOL_SPREAD_WAIT	2000
/* Replace this long before max_duration at most (ms). */
#define SSM_POOL_LEAD_MAX	60000

enum ssm_pool_state {
	SSM_POOL_STARTING,	/* resolving, StartSession, handshake */
	SSM_POOL_OPEN,		/* takes streams */
	SSM_POOL_DRAINING,	/* replaced: keeps its streams, takes none */
	SSM_POOL_CLOSING,	/* ending; counts for nothing */
};

/* One session as the policy sees it. */
struct ssm_pool_load {
	enum ssm_pool_state	 state;
	int			 mux;		/* takes many streams */
	size_t			 streams;
	uint64_t		 rate;		/* bytes/s, busier direction */
	unsigned		 backlog;	/* ticks in a row */
	int			 stalled;	/* refuses the agent */
	uint64_t		 idle_since;	/* ms; 0 while it has streams */
};

/* A forward's settings (0: the default, or none, as each says). */
struct ssm_pool_policy {
	unsigned		 max_sessions;	/* mux sessions at once [1] */
	unsigned		 max_per_target; /* gateway-wide; 0: no cap */
	uint64_t		 max_duration;	/* ms, the account's; 0: none */
	uint64_t		 max_age;	/* ms, our own limit; 0: none */
	int			 release;	/* idle_policy release */
	uint64_t		 release_delay;	/* ms */
	int			 warm;		/* keep one session open */
};

/* What the pool looks like when it asks whether to start a session. */
struct ssm_pool_view {
	const struct ssm_pool_load *loads;
	size_t			 n;
	size_t			 waiting;	/* conns waiting for one */
	int			 basic;		/* the target showed basic mode */
	int			 warm_due;	/* warm and its back-off passed */
	uint64_t		 ceiling;	/* bytes/s seen at most */
	int			 target_sessions; /* on the instance; -1: not
						    known yet (tag:) */
	size_t			 spreading;	/* conns waiting to spread */
	int			 may_start;	/* no back-off after failures */
};

enum ssm_pool_start {
	SSM_POOL_START_NONE,
	SSM_POOL_START_WAITING,		/* conns wait, nothing takes them */
	SSM_POOL_START_REPLACE,		/* make before break */
	SSM_POOL_START_WARM,		/* warm: keep one open */
	SSM_POOL_START_SATURATED,	/* striping */
	SSM_POOL_START_SPREAD,		/* conns arrived together */
	SSM_POOL_START_STALLED,		/* every session is held up */
};

enum ssm_pool_end {
	SSM_POOL_END_NONE,
	SSM_POOL_END_DRAINED,		/* replaced and its streams are gone */
	SSM_POOL_END_RELEASE,		/* idle_policy release */
};

/*
 * The ceiling after a session showed rate: the highest rate seen, coming
 * down slowly (a sixteenth a measure) while sessions run busy below it,
 * so that one burst does not hide saturation for good; trickles below
 * SSM_POOL_CEILING_FLOOR leave it as it is.
 */
uint64_t	 ssm_pool_ceiling(uint64_t ceiling, uint64_t rate);
/* 1 if a session with this load is saturated under ceiling. */
int		 ssm_pool_is_saturated(const struct ssm_pool_load *,
		    uint64_t ceiling);
/*
 * The session a new conn goes to: an index into loads, or -1 if none
 * takes it now. Draining sessions are chosen only with use_draining.
 */
int		 ssm_pool_choose(const struct ssm_pool_load *, size_t n,
		    uint64_t ceiling, int use_draining);
/*
 * Whether to start a session now, and why. When the answer is NONE
 * although the pool needs one, *why_not says so ("a start is in flight",
 * "i-0abc has 4 sessions, the most per target"); else it is NULL.
 */
enum ssm_pool_start ssm_pool_want_start(const struct ssm_pool_policy *,
		    const struct ssm_pool_view *, const char **why_not);
/*
 * Whether a conn arriving now should wait to spread to a session still to
 * open (1) rather than take the least loaded open one (0).
 */
int		 ssm_pool_spread(const struct ssm_pool_policy *,
		    const struct ssm_pool_view *);
/*
 * How many of the conns waiting to spread a session that just opened
 * takes (the view counts it open).
 */
size_t		 ssm_pool_spread_share(const struct ssm_pool_policy *,
		    const struct ssm_pool_view *);
/* When a session started at started (ms) is to be replaced; 0: never. */
uint64_t	 ssm_pool_renew_at(const struct ssm_pool_policy *,
		    uint64_t started);
/*
 * Whether to end a session with this load now. replaced: another session
 * of the pool is open and takes conns (a drained session waits for its
 * replacement when the pool is warm, so that a conn never waits).
 */
enum ssm_pool_end ssm_pool_want_end(const struct ssm_pool_policy *,
		    const struct ssm_pool_load *, uint64_t now, int replaced);
const char	*ssm_pool_start_name(enum ssm_pool_start);

/*
 * Sessions per instance, gateway-wide (the per-target cap): a session
 * holds its instance from StartSession to its end.
 */
void		 ssm_pool_target_hold(const char *instance);
void		 ssm_pool_target_release(const char *instance);
int		 ssm_pool_target_count(const char *instance);

#endif /* SSM_POOL_H */
