/*
 * ssm_chan.h: one Session Manager session and its data channel
 * (ssm-data-channel.md §2-§8), from StartSession to TerminateSession.
 *
 * A chan owns: the StartSession / ResumeSession / TerminateSession calls,
 * the WebSocket to StreamUrl (used verbatim), the OpenDataChannel frame,
 * the handshake, both sequence counters, acknowledgements (ack duplicates
 * again, never ack acks), in-order delivery with a bounded out-of-order
 * store, the outgoing buffer of unacknowledged messages with RTT-based
 * resends (every overdue entry, capped per tick), a bounded window with
 * back-pressure (never dropping the oldest), Flags both ways,
 * pause/start_publication, channel_closed, and reconnecting with
 * ResumeSession after the WebSocket drops (nothing lost or repeated).
 *
 * It knows nothing of smux or of local connections: its user (session.c)
 * pushes Output bytes in with ssm_chan_send() while ssm_chan_room() says
 * there is room, and receives the agent's Output bytes, in order, through
 * the data callback. Callbacks are only ever called from the event loop,
 * never from inside an ssm_chan_* call.
 */
#ifndef SSM_CHAN_H
#define SSM_CHAN_H

#include <stddef.h>
#include <stdint.h>

struct aws_ctx;
struct aws_ssm_param;
struct cJSON;
struct evbuffer;
struct evdns_base;
struct ssm_chan;
struct tls_client;

enum ssm_chan_state {
	SSM_CHAN_STARTING,	/* StartSession in flight */
	SSM_CHAN_CONNECTING,	/* WebSocket and OpenDataChannel */
	SSM_CHAN_HANDSHAKING,	/* waiting for HandshakeComplete */
	SSM_CHAN_OPEN,		/* data flows */
	SSM_CHAN_RESUMING,	/* WebSocket lost: ResumeSession, reconnect */
	SSM_CHAN_CLOSING,	/* terminating (flag, API, close frame) */
	SSM_CHAN_CLOSED,	/* ended; the closed callback has run */
};

/* What the handshake decided (ssm-data-channel.md §5.7, §5.8). */
enum ssm_chan_mode {
	SSM_CHAN_MODE_BASIC,	/* raw TCP bytes, one local connection */
	SSM_CHAN_MODE_MUX,	/* an smux byte stream */
	SSM_CHAN_MODE_STREAM,	/* no "type": basic, ends with the target */
};

/* Valid until the chan is freed. */
struct ssm_chan_info {
	const char		*session_id;
	const char		*agent_version;
	enum ssm_chan_mode	 mode;
	int			 keepalive;	/* send smux NOPs every 10 s */
	int			 terminate_flag; /* agent knows the flag */
	const struct cJSON	*properties;	/* the SessionType Properties */
	const char		*customer_message;
};

/* Events for logs, gatewayctl events and status. */
enum ssm_chan_event {
	SSM_CHAN_EV_RESUMING,	/* detail: why the WebSocket was lost */
	SSM_CHAN_EV_RESUMED,	/* detail: "after 1.2s, new url" */
	SSM_CHAN_EV_PAUSED,	/* pause_publication */
	SSM_CHAN_EV_UNPAUSED,
	SSM_CHAN_EV_FLAG,	/* detail: the agent's flag, e.g.
				   "ConnectToPortError" */
};

/* The ssm and the ssmmessages endpoints: ssm_chan_params endpoint_hosts. */
#define SSM_CHAN_NENDPOINTS	2

struct ssm_chan_params {
	const char		*name;		/* for logs: "db/1" */
	struct aws_ctx		*aws;		/* calls, region, credentials */
	const char		*target;	/* i-..., mi-..., ecs:... */
	const char		*document;
	const struct aws_ssm_param *params;
	size_t			 nparams;
	const char		*reason;	/* NULL: none */
	const char		*client_version; /* NULL: the default */

	struct tls_client	*tls;		/* for wss:// */
	struct evdns_base	*dns;
	const char		*proxy;		/* HTTPS proxy URL or NULL */
	int			 allow_plain_ws; /* accept ws:// (tests); also
						   a loopback host */
	int			 allow_loopback; /* accept a 127.0.0.1, ::1 or
						   localhost StreamUrl (tests
						   with wss://); otherwise its
						   host is an AWS ssmmessages
						   host (ssm_chan_host_ok) or
						   one of endpoint_hosts */
	/*
	 * The hosts of the ssm and the ssmmessages endpoints when they are
	 * configured (endpoint_url, AWS_ENDPOINT_URL_SSM, ...; NULL where
	 * the AWS rules decide): a StreamUrl on one of them is accepted too
	 * (emulators, VPC endpoints under a name of one's own).
	 */
	const char		*endpoint_hosts[SSM_CHAN_NENDPOINTS];
	int			 sign_upgrade;	/* SigV4-sign the upgrade GET */

	/* Zero means the default given in brackets. */
	unsigned		 max_unacked;	/* messages in flight [1000] */
	unsigned		 max_out_of_order; /* stored ahead [10000] */
	size_t			 max_out_of_order_bytes; /* their payloads,
						   bytes [10000 KiB] */
	unsigned		 resend_per_tick; /* [64] */
	unsigned		 handshake_timeout; /* ms from open [30000] */
	unsigned		 give_up;	/* ms unacked [300000] */
	unsigned		 resume_budget;	/* ms reconnecting [120000] */
	unsigned		 ping_interval;	/* ms [54000] */
	unsigned		 pong_timeout;	/* ms [60000] */
	unsigned		 pacing_us;	/* delay between Output messages
						   [0: none] */
	unsigned		 ack_timeout;	/* ms: a dead peer when the
						   oldest unacked message and
						   the last thing heard are
						   both older [20000] */
};

struct ssm_chan_cb {
	/* The handshake completed: data may flow now. */
	void	(*open)(struct ssm_chan *, const struct ssm_chan_info *,
		    void *arg);
	/*
	 * The agent's Output bytes, in sequence order. Return 0 if they were
	 * taken, -1 if the consumer is not ready (they are then neither
	 * acknowledged nor counted, but kept: call ssm_chan_ready() when it
	 * is, and they come again without waiting for the agent's resend).
	 * Required.
	 */
	int	(*data)(struct ssm_chan *, const uint8_t *, size_t, void *arg);
	/* There is room again after ssm_chan_room() said 0 or
	 * ssm_chan_send() left bytes behind. */
	void	(*writable)(struct ssm_chan *, void *arg);
	/* Something worth telling (optional). */
	void	(*event)(struct ssm_chan *, enum ssm_chan_event,
		    const char *detail, void *arg);
	/*
	 * The session is over: reason for the log ("channel_closed: ...",
	 * "StartSession: TargetNotConnected: ...", "handshake timed out
	 * after 30s", "no data channel within 2m0s: ...", or the reason given
	 * to ssm_chan_terminate(), "terminated" if none). code is the
	 * AWS error code when an API call ended it, else NULL. Nothing is
	 * called after this; the user frees the chan (now or later).
	 */
	void	(*closed)(struct ssm_chan *, const char *reason,
		    const char *code, void *arg);
};

/*
 * Start a session: StartSession now, the rest follows. params are copied
 * (target and document are required); params->aws must outlive the chan.
 */
struct ssm_chan	*ssm_chan_start(const struct ssm_chan_params *,
		    const struct ssm_chan_cb *, void *arg);

/* Bytes ssm_chan_send() would take now (a multiple of 1024): 0 unless
 * open, connected, unpaused and below the window. */
size_t		 ssm_chan_room(struct ssm_chan *);
/* Send Output bytes from buf, at most 1024 per message, as many as room
 * allows; they are drained from buf. Return how many were taken. */
size_t		 ssm_chan_send(struct ssm_chan *, struct evbuffer *buf);
/* Send a Flag (DisconnectToPort, TerminateSession). 0, or -1 if not open
 * or if the outgoing ring is down to the slots the chan keeps for itself
 * (until acks free some). */
int		 ssm_chan_send_flag(struct ssm_chan *, uint32_t flag);
/* The consumer that refused data (data callback -1) is ready again. */
void		 ssm_chan_ready(struct ssm_chan *);
/*
 * End the session (ssm-data-channel.md §7.4 shutdown procedure: drain,
 * TerminateSession flag if the agent knows it, the API call, close frame).
 * The closed callback follows, with reason (NULL: "terminated"). Safe in
 * any state; a second call does nothing.
 */
void		 ssm_chan_terminate(struct ssm_chan *, const char *reason);
/* Free at once: no callbacks, TerminateSession is still sent (fire and
 * forget) if the session was started. NULL is fine. */
void		 ssm_chan_free(struct ssm_chan *);

enum ssm_chan_state ssm_chan_get_state(struct ssm_chan *);
const char	*ssm_chan_get_session_id(struct ssm_chan *);	/* or NULL */
/* Fill obj with id, target, state, agent version, mode, age, bytes and
 * messages each way, resends, resumes, RTT, last error. */
void		 ssm_chan_status(struct ssm_chan *, struct cJSON *obj);

#endif /* SSM_CHAN_H */
