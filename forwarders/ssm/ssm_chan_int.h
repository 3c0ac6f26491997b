/*
 * ssm_chan_int.h: the inside of the data channel, shared by chan.c (the
 * driver: calls, WebSocket, states, timers), chan_recv.c (what arrives),
 * chan_rel.c (the pure reliability core) and the unit tests.
 *
 * The seam: every WebSocket and AWS call goes through a struct
 * ssm_chan_ops with the same shapes as ws.h and aws.h, so that tests put
 * in-memory fakes in their place. Time is read only through clock_now_ms()
 * and clock_wall_ms(); ssm_chan_run() does whatever is due, so a test with
 * a fake clock drives every timer itself.
 */
#ifndef SSM_CHAN_INT_H
#define SSM_CHAN_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "aws.h"
#include "aws_creds.h"
#include "aws_sigv4.h"
#include "ssm_chan.h"
#include "ssm_msg.h"
#include "util.h"
#include "ws.h"

/* Constants of ssm-data-channel.md §6 and §8 (milliseconds). */
#define SSM_CHAN_TICK		100	/* resend scheduler */
#define SSM_CHAN_SRTT0		100.0
#define SSM_CHAN_RTO0		200.0
#define SSM_CHAN_RTO_MAX	1000.0
#define SSM_CHAN_CLOCK_G	10.0
#define SSM_CHAN_BACKOFF0	100	/* first delay in [100, 200) */
#define SSM_CHAN_BACKOFF_MAX	5000
#define SSM_CHAN_FIRST_RETRIES	2	/* same URL and token, no Resume */
/*
 * A reopened WebSocket that closes before it delivered a message or within
 * this long (a refused token or client version: close 1008 right after the
 * upgrade) has not ended the outage: the back-off and the budget go on.
 */
#define SSM_CHAN_PROVEN		5000
#define SSM_CHAN_DRAIN		2000	/* terminate: drain, flag ack */
#define SSM_CHAN_API_WAIT	5000	/* terminate: the API's answer */
/* Resend nothing while this much is still queued in the WebSocket. */
#define SSM_CHAN_RESEND_QUEUED	(256 * 1024)
/*
 * Ring slots only the chan itself fills: the HandshakeResponse and the
 * TerminateSession flag of the close path. Output data and the consumer's
 * flags (ssm_chan_send_flag) stop this many slots short of a full ring.
 */
#define SSM_CHAN_RESERVE	8
/* Spare message buffers a chan keeps once nothing is in flight. */
#define SSM_CHAN_POOL_IDLE	64
/* Largest message built from one Output chunk. */
#define SSM_CHAN_BLOCK		(SSM_MSG_HEADER_LEN + SSM_MSG_CHUNK)
/*
 * Receive batching (chan_recv.c): after SSM_CHAN_HOLD_STREAK full Output
 * messages in a row, none more than SSM_CHAN_HOLD_GAP apart, stop reading
 * for a hold once caught up, then read what came in one go. A hold lasts
 * SSM_CHAN_HOLD ms at first, below the agent's least resend timeout
 * (SRTT + 10 ms, §6.5), and grows up to SSM_CHAN_HOLD_MAX as the agent's
 * own estimate of our ack delay grows: we keep that estimate, fed with
 * the delays our holds give our acks, and end each hold an eighth of its
 * timeout (at least SSM_CHAN_HOLD_MARGIN ms) before the oldest message it
 * kept would be resent. Acks delayed evenly up to T ms make a timeout of
 * about 1.5 T (SRTT T/2, RTTVAR T/4), so each hold may be longer than the
 * last until SSM_CHAN_HOLD_MAX.
 */
#define SSM_CHAN_HOLD		10
#define SSM_CHAN_HOLD_MAX	40
#define SSM_CHAN_HOLD_MARGIN	2
#define SSM_CHAN_HOLD_STREAK	32
#define SSM_CHAN_HOLD_GAP	50
/*
 * Only a slow flow is held: its streak took at least SSM_CHAN_HOLD_SPAN
 * ms (no more than 2 messages a millisecond: the agent paces 1), and a
 * hold during which more than SSM_CHAN_HOLD_RATE messages a millisecond
 * came ends the streak. A fast sender that waits for acks (a window)
 * would otherwise be held to a window per hold (unpaced basic: 22 MiB/s,
 * not 42).
 */
#define SSM_CHAN_HOLD_SPAN	(SSM_CHAN_HOLD_STREAK / 2)
#define SSM_CHAN_HOLD_RATE	2
/* A fast flow's pause after a read of this many messages (ms; chan_recv.c). */
#define SSM_CHAN_COALESCE	5
#define SSM_CHAN_COALESCE_MIN	4
/*
 * A hold this close to its end is over: clock_now_ms() cuts to the
 * millisecond, and a timer set for the rest may fire just before it.
 */
#define SSM_CHAN_HOLD_SLACK	4
/* Acks of what came during a hold, sent together: at most, wait (ms). */
#define SSM_CHAN_ACKS_HELD	16
#define SSM_CHAN_ACKS_WAIT	2

/* Defaults of struct ssm_chan_params. */
#define SSM_CHAN_MAX_UNACKED		1000
#define SSM_CHAN_MAX_OUT_OF_ORDER	10000
/*
 * What the messages stored ahead may weigh. Whatever we store we
 * acknowledge, and the agent does not send it again, so the store is
 * memory the agent's pace no longer bounds: 10000 agent messages of
 * 1 KiB are 10 MiB, but of 128 KiB 1.2 GiB. In bytes, as much as 10000
 * of the agent's own 1 KiB messages: a loss ahead of expected lets the
 * agent run that far (what we store we ack, so its own unacked count
 * stays low), and a message we neither store nor ack comes back only
 * when it is the agent's oldest, one a tick (§6.4): a smaller store
 * turns 1% loss into minutes of stall. Beyond it a message is neither
 * stored nor acknowledged (§6.3).
 */
#define SSM_CHAN_MAX_OUT_OF_ORDER_BYTES	\
	(SSM_CHAN_MAX_OUT_OF_ORDER * SSM_MSG_CHUNK)
#define SSM_CHAN_RESEND_PER_TICK	64
#define SSM_CHAN_HANDSHAKE_TIMEOUT	30000
#define SSM_CHAN_GIVE_UP		300000
#define SSM_CHAN_RESUME_BUDGET		120000
#define SSM_CHAN_ACK_TIMEOUT		20000

/*
 * The seam. The default ops call ws_* and aws_call_json/aws_creds_get;
 * the callbacks come back through the same function pointer types.
 */
struct ssm_chan_ops {
	struct event_base *(*base)(struct aws_ctx *);
	struct aws_call	*(*call_json)(struct aws_ctx *, const char *service,
			    const char *prefix, const char *operation,
			    char *body, int flags, void *owned, aws_call_cb,
			    void *arg);
	void		 (*call_cancel)(struct aws_call *);
	struct aws_creds_wait *(*creds_get)(struct aws_ctx *, aws_creds_cb,
			    void *arg);
	void		 (*creds_cancel)(struct aws_creds_wait *);
	struct ws	*(*ws_open)(struct event_base *, const char *url,
			    const struct ws_options *, const struct ws_cb *,
			    void *arg, char **cause);
	int		 (*ws_send)(struct ws *, enum ws_type, const void *,
			    size_t);
	size_t		 (*ws_queued)(struct ws *);
	void		 (*ws_close)(struct ws *, uint16_t code,
			    const char *reason);
	void		 (*ws_free)(struct ws *);
	/* Receive batching; without ws_pause a chan never holds. */
	void		 (*ws_pause)(struct ws *);
	void		 (*ws_resume)(struct ws *);
	size_t		 (*ws_pending)(struct ws *);
	int		 (*ws_read_cut)(struct ws *);	/* may be NULL */
};

/* Chans started after this use ops (NULL: the real ones). Tests only. */
void	 ssm_chan_set_ops(const struct ssm_chan_ops *);
/* Do everything due at clock_now_ms() and everything deferred. */
void	 ssm_chan_run(struct ssm_chan *);

/*
 * RTT estimator (§6.5), in milliseconds: Jacobson/Karels with the
 * constants above, RTTVAR updated from the old SRTT.
 */
struct ssm_chan_rtt {
	double	srtt;
	double	rttvar;
	double	rto;
};

void	 ssm_chan_rtt_init(struct ssm_chan_rtt *);
void	 ssm_chan_rtt_sample(struct ssm_chan_rtt *, double sample_ms);

/*
 * Buffers for messages, in blocks of SSM_CHAN_BLOCK (larger ones are
 * allocated to size); freed blocks are kept for reuse, up to max.
 */
struct ssm_chan_pool {
	uint8_t		**v;
	size_t		  n;
	size_t		  max;
};

uint8_t	*ssm_chan_pool_get(struct ssm_chan_pool *, size_t len);
void	 ssm_chan_pool_put(struct ssm_chan_pool *, uint8_t *, size_t len);
/* Keep at most keep spare blocks. */
void	 ssm_chan_pool_trim(struct ssm_chan_pool *, size_t keep);

/*
 * The outgoing buffer (§6.4): every stream message we sent, by sequence
 * number, until its ack. A ring of size slots (a power of two) holds
 * [head, next); acked entries leave holes until head passes them. The
 * ring starts at SSM_CHAN_OUTQ_MIN slots and doubles when full, up to max
 * (an idle session holds a few hundred bytes, not a window's worth).
 */
#define SSM_CHAN_OUTQ_MIN	32
struct ssm_chan_out {
	uint8_t		*msg;		/* header and payload; NULL: free */
	uint32_t	 len;
	uint32_t	 resends;
	uint64_t	 first_sent;	/* ms; 0: not sent yet */
	uint64_t	 last_sent;
	uint64_t	 paused;	/* the chan's paused total at send */
	int		 data;		/* Output: counts toward the window */
};

struct ssm_chan_outq {
	struct ssm_chan_out	*v;	/* grown as needed, up to max */
	size_t			 size;
	size_t			 max;
	int64_t			 head;	/* oldest held, or next */
	int64_t			 next;	/* the next sequence number */
	int64_t			 unsent; /* first entry never sent */
	size_t			 count;
	size_t			 ndata;
	struct ssm_chan_pool	 pool;
};

/* A buffer for at least max_size messages. */
void	 ssm_chan_outq_init(struct ssm_chan_outq *, size_t max_size);
void	 ssm_chan_outq_clear(struct ssm_chan_outq *);
/* Free slots: how many more messages push can take. */
size_t	 ssm_chan_outq_space(const struct ssm_chan_outq *);
/*
 * Hold msg (from the pool) as sequence number next; return it. The ring
 * never holds more than max messages: the caller checks space first, and
 * a push into a full ring is a bug (fatal).
 */
int64_t	 ssm_chan_outq_push(struct ssm_chan_outq *, uint8_t *msg,
	    size_t len, int data);
struct ssm_chan_out *ssm_chan_outq_get(struct ssm_chan_outq *, int64_t seq);
/*
 * An ack for seq: drop the entry and return 1 with *sample_ms set to the
 * RTT if it was never resent (Karn), else -1; return 0 if seq is not held.
 */
int	 ssm_chan_outq_ack(struct ssm_chan_outq *, int64_t seq, uint64_t now,
	    double *sample_ms);
/* The oldest entry that was sent, or NULL. */
struct ssm_chan_out *ssm_chan_outq_oldest(struct ssm_chan_outq *);

/*
 * The incoming store (§6.3): messages ahead of expected, and the one at
 * expected that the consumer refused. A ring indexed by sequence number
 * holds [expected, expected + size); at most max are stored, of at most
 * max_bytes of payload, plus the refused one.
 */
struct ssm_chan_in {
	uint8_t		*payload;
	uint32_t	 len;
	uint32_t	 payload_type;
	uint8_t		 id[UUID_LEN];
	uint8_t		 used;
	uint8_t		 acked;
};

struct ssm_chan_inq {
	struct ssm_chan_in	*v;	/* allocated on first use */
	size_t			 size;
	size_t			 max;
	size_t			 count;
	size_t			 max_bytes;
	size_t			 bytes;	/* the payloads stored */
	int64_t			 expected;
	struct ssm_chan_pool	 pool;
};

void	 ssm_chan_inq_init(struct ssm_chan_inq *, size_t max,
	    size_t max_bytes);
void	 ssm_chan_inq_clear(struct ssm_chan_inq *);
/*
 * Store a copy of msg's payload as its sequence number. Return 1 if
 * stored, 0 if already there, -1 if there is no room (too far ahead, or
 * the store is full by count or bytes): then it must not be
 * acknowledged.
 */
int	 ssm_chan_inq_put(struct ssm_chan_inq *, const struct ssm_msg *,
	    int acked);
struct ssm_chan_in *ssm_chan_inq_get(struct ssm_chan_inq *, int64_t seq);
void	 ssm_chan_inq_drop(struct ssm_chan_inq *, int64_t seq);

/*
 * Acks. ssm_chan_ack_build writes a whole acknowledge message for the
 * output_stream_data message (seq, id) into out (SSM_CHAN_ACK_MAX bytes),
 * byte for byte as ssm_msg_ack_encode would, without allocating; returns
 * its length. ssm_chan_ack_seq reads the acknowledged sequence number
 * through ssm_msg_ack_parse, the fuzzed codec; 0 or -1 and *cause.
 */
#define SSM_CHAN_ACK_MAX	(SSM_MSG_HEADER_LEN + 256) /* 194 at most */
size_t	 ssm_chan_ack_build(int64_t seq, const uint8_t id[UUID_LEN],
	    const uint8_t ack_id[UUID_LEN], uint64_t created_date,
	    uint8_t out[SSM_CHAN_ACK_MAX]);
int	 ssm_chan_ack_seq(const uint8_t *payload, size_t len, int64_t *seq,
	    char **cause);

/* The next reconnect delay (ms) after attempt n (0, 1, ...). */
uint64_t ssm_chan_backoff(unsigned n);
/*
 * 1 if host may carry a data channel: an ssmmessages host of an AWS
 * partition (plain, FIPS, dual-stack or a VPC endpoint), or with
 * allow_loopback 127.0.0.1, ::1 or localhost. A configured endpoint's
 * host is the caller's to accept (ssm_chan_params endpoint_hosts).
 */
int	 ssm_chan_host_ok(const char *host, int allow_loopback);
/*
 * What to add to a channel_closed text so that the user knows what to do
 * (" (...)"), or "" when the text says enough.
 */
const char *ssm_chan_closed_hint(const char *output);
/* 1 if the URL's query is presigned (any X-Amz-* auth parameter). */
int	 ssm_chan_url_presigned(const char *url);
/*
 * Sign the upgrade GET of url at time when exactly as the official client
 * does (§3.2): service ssmmessages, the empty payload, the query read as
 * a form ('+' signed as %20), Host as the URL writes it. The headers to
 * add are in res->add; the URL itself goes on the request line verbatim.
 */
int	 ssm_chan_sign_upgrade(const char *url, const char *region,
	    const struct aws_creds *, time_t when, struct aws_sigv4_result *res,
	    char **cause);

/*
 * The driver's state, shared by chan.c and chan_recv.c.
 */

/* Steps of ending a session (§7.4). */
enum ssm_chan_close {
	SSM_CHAN_CLOSE_DRAIN,	/* wait for our data to be acked */
	SSM_CHAN_CLOSE_FLAG,	/* TerminateSession flag sent: its ack */
	SSM_CHAN_CLOSE_API,	/* call TerminateSession */
	SSM_CHAN_CLOSE_API_WAIT, /* its answer */
	SSM_CHAN_CLOSE_DONE,
};

/* An API call in flight; it may outlive its chan (chan is then NULL). */
struct ssm_chan_call {
	struct ssm_chan			*chan;
	int				 kind;
	struct aws_ctx			*aws;
	const struct ssm_chan_ops	*ops;
	struct aws_call			*call;
};

struct ssm_chan {
	char			*name;		/* for logs */
	enum ssm_chan_state	 state;
	struct ssm_chan_cb	 cb;
	void			*arg;
	const struct ssm_chan_ops *ops;
	struct event_base	*base;
	struct event		*timer;		/* the next deadline */
	struct event		*defer;		/* work for the next turn */
	int			 depth;		/* in a way in from the loop */
	int			 freed;

	struct ssm_chan_params	 p;		/* strings and params owned */
	uint64_t		 started_at;

	/* The session. */
	char			*session_id;
	char			*token;		/* secret */
	char			*url;		/* never logged whole */
	uint8_t			 client_id[UUID_LEN];

	/* The handshake. */
	int			 hs_answered;
	int			 hs_done;
	uint64_t		 hs_deadline;
	char			*agent_version;
	enum ssm_chan_mode	 mode;
	int			 keepalive;
	int			 terminate_flag;
	struct cJSON		*properties;
	char			*customer_message;

	/* The WebSocket and getting it back. */
	struct ws		*ws;
	int			 ws_up;		/* open, OpenDataChannel sent */
	int			 ever_open;
	uint64_t		 ws_up_at;
	uint64_t		 last_rx;
	int			 ws_heard;	/* a message since it opened */
	struct aws_creds_wait	*creds_wait;
	struct ssm_chan_call	*start_call;
	struct ssm_chan_call	*resume_call;
	struct ssm_chan_call	*term_call;
	unsigned		 first_failures;
	unsigned		 attempt;
	uint64_t		 resume_started;
	uint64_t		 outage_started;	/* of the last resume */
	uint64_t		 retry_at;
	int			 retry_resume;
	int			 new_url;
	char			*lost_why;	/* deferred loss */
	char			*last_error;

	/* Reliability. */
	struct ssm_chan_outq	 out;
	struct ssm_chan_inq	 in;
	struct ssm_chan_rtt	 rtt;
	uint64_t		 tick_at;
	uint64_t		 pace_next;	/* microseconds */
	int			 paused;
	uint64_t		 pause_start;
	uint64_t		 paused_total;
	uint64_t		 unpaused_at;
	int			 want_writable;
	int			 writable_pending;
	int			 ready_pending;

	/* The consumer refused: the WebSocket is not read (chan_recv.c). */
	int			 refused;

	/* Receive batching. */
	uint64_t		 hold_until;	/* ms; 0: reading */
	uint64_t		 hold_last;	/* the last full Output */
	uint64_t		 hold_since;	/* the streak's first */
	unsigned		 hold_streak;	/* full Outputs in a row */
	int			 hold_short;	/* the last Output was not full */
	int			 reads_reported;	/* the ws says read_done */
	size_t			 hold_skip;	/* of them, read before holding */
	uint64_t		 hold_start;	/* ms, the hold's start */
	uint64_t		 holds;
	uint64_t		 coalesces;	/* a fast flow's pauses */
	size_t			 turn_msgs;	/* delivered since read_done */
	/*
	 * The agent's RTT estimate of our acks (§6.5), as our holds make it:
	 * the messages read after a hold of hold_took ms are taken to have
	 * come evenly during it, the first hold_took ms before its ack.
	 */
	struct ssm_chan_rtt	 agent_rtt;
	uint64_t		 hold_took;	/* ms; 0: no batch being read */
	uint64_t		 hold_last_took;	/* ms, the last hold's */
	size_t			 batch_n;	/* messages that came during it */
	size_t			 batch_k;	/* of them, acked */
	struct {
		int64_t		 seq;
		uint8_t		 id[UUID_LEN];
	}			 acks_held[SSM_CHAN_ACKS_HELD];
	size_t			 nacks_held;
	uint64_t		 acks_due;	/* ms; 0: none held */

	/* Ending. */
	enum ssm_chan_close	 close;
	uint64_t		 close_deadline;
	int64_t			 flag_seq;
	int			 flag_done;
	int			 api_sent;
	int			 api_done;
	char			*close_reason;
	char			*close_code;
	int			 closed_pending;

	/* Counters. */
	uint64_t		 bytes_in;
	uint64_t		 bytes_out;
	uint64_t		 msgs_in;
	uint64_t		 msgs_out;
	uint64_t		 resends;
	uint64_t		 resumes;
	uint64_t		 acks_out;
	uint64_t		 dropped;
};

/* Kinds of struct ssm_chan_call. */
#define SSM_CHAN_CALL_START	1
#define SSM_CHAN_CALL_RESUME	2
#define SSM_CHAN_CALL_TERMINATE	3

/* chan.c: the object and its loop. */
void	 ssm_chan_defer(struct ssm_chan *);
/* Around every way in from the loop: the chan is freed, or its timer
 * rearmed, on the way out. */
void	 ssm_chan_enter(struct ssm_chan *);
void	 ssm_chan_leave(struct ssm_chan *);
void	 ssm_chan_rearm(struct ssm_chan *);
/* When the timer fires next (clock_now_ms() time), 0 if never. */
uint64_t ssm_chan_next_deadline(struct ssm_chan *);
/* Send a whole message; on failure the loss is handled from the loop. */
int	 ssm_chan_ws_send(struct ssm_chan *, enum ws_type, const void *,
	    size_t);
/* Queue a stream message of payload_type and send it if we may. The
 * caller has checked that the ring has space (ssm_chan_outq_push). */
int64_t	 ssm_chan_push(struct ssm_chan *, uint32_t payload_type,
	    const uint8_t *payload, size_t len);
void	 ssm_chan_flush(struct ssm_chan *);
/* The session failed: TerminateSession if api, then closed. */
void	 ssm_chan_fail(struct ssm_chan *, const char *reason,
	    const char *code, int api);
/* The session is over (no API call): closed callback from the loop. */
void	 ssm_chan_closed(struct ssm_chan *, const char *reason,
	    const char *code);
void	 ssm_chan_set_state(struct ssm_chan *, enum ssm_chan_state);
/* Tell the user; return -1 if the chan was freed or closed meanwhile. */
int	 ssm_chan_event(struct ssm_chan *, enum ssm_chan_event,
	    const char *detail);

/* chan_conn.c: calls, the WebSocket, reconnecting. */
struct ssm_chan_call *ssm_chan_call(struct ssm_chan *, int kind,
	    const char *op, char *body, int flags);
/* TerminateSession, waited for (wait) or fire and forget; once. */
void	 ssm_chan_terminate_api(struct ssm_chan *, int wait);
void	 ssm_chan_ws_drop(struct ssm_chan *, int graceful);
/* The WebSocket was lost (why): reconnect, unless ending. */
void	 ssm_chan_lost(struct ssm_chan *, const char *why);
/* The back-off is over: the next attempt. */
void	 ssm_chan_retry(struct ssm_chan *);

/* chan_send.c. */
void	 ssm_chan_wake_writer(struct ssm_chan *);
void	 ssm_chan_resend_all(struct ssm_chan *);
/* The 100 ms tick: give-up, dead peer, overdue resends. */
void	 ssm_chan_tick(struct ssm_chan *, uint64_t now);
/* The paused time so far, the current pause included. */
uint64_t ssm_chan_paused_now(struct ssm_chan *, uint64_t now);

/* chan_recv.c. */
void	 ssm_chan_input(struct ssm_chan *, const uint8_t *, size_t);
void	 ssm_chan_read_done(struct ssm_chan *);
/* Deliver what is stored from expected on (after ssm_chan_ready). */
void	 ssm_chan_deliver(struct ssm_chan *);
void	 ssm_chan_pause(struct ssm_chan *);
void	 ssm_chan_unpause(struct ssm_chan *);
/* Read again after a hold (when due, or before the WebSocket goes). */
void	 ssm_chan_hold_end(struct ssm_chan *);
/* Read the WebSocket again after a refusal (a new or closing one). */
void	 ssm_chan_refuse_end(struct ssm_chan *);
/* Send the acks held while reading what came during a hold. */
void	 ssm_chan_flush_acks(struct ssm_chan *);

/* What tests look at. */
struct ssm_chan_stats {
	int64_t		 next_seq;
	int64_t		 expected;
	size_t		 unacked;
	size_t		 stored;
	uint64_t	 resends;
	uint64_t	 resumes;
	uint64_t	 acks_out;
	uint64_t	 dropped;
	uint64_t	 holds;
	uint64_t	 coalesces;
	int		 holding;
	int		 paused;
	uint64_t	 paused_ms;	/* total, the current pause included */
	struct ssm_chan_rtt rtt;
};

void	 ssm_chan_get_stats(struct ssm_chan *, struct ssm_chan_stats *);

/*
 * Process-wide counters of every chan, for the metrics endpoint (chan.c
 * registers them when the first chan is made): messages sent again, and
 * ones that came too far ahead to be held (unacked: the agent resends
 * them). ssm_chan_metrics_rtt() adds an RTT sample (ms) to a histogram.
 */
extern uint64_t	 ssm_chan_resends_total;
extern uint64_t	 ssm_chan_ooo_drops_total;
void	 ssm_chan_metrics_rtt(double ms);

#endif /* SSM_CHAN_INT_H */
