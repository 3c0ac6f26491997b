/*
 * emu_agent.h: awsemu's data-channel side, what its files share. Not for
 * the API side, which sees only the emu_dc_* calls in emu.h.
 *
 *   emu_dc.c	the message gateway: client WebSockets, OpenDataChannel,
 *		attach and resume, the relay with its faults, drops,
 *		rotation, publication pauses, channel_closed, POST
 *		/_emu/session
 *   emu_fault.c	per-direction fault draws and held messages
 *   emu_agent.c	the agent's data channel (ssm-data-channel.md 6, 9):
 *		sequencing, acks, the outgoing buffer and resends, how a
 *		session ends
 *   emu_agent_hs.c	its handshake (5)
 *   emu_agent_hooks.c	its place in the API side's sessions; state JSON
 *   emu_plan.c	what a session is: the document's session type and
 *		properties, the target address, the deny list (9.2)
 *   emu_port.c	the port plugin (7, 9.3): basic, stream and mux modes,
 *		target dials, the paced pump, smux keep-alive
 *
 * One event loop; nothing here blocks. A session's agent lives as long as
 * its API record (emu_session.c), so that its counters outlive it; once
 * ended it holds nothing but counters.
 */
#ifndef EMU_AGENT_H
#define EMU_AGENT_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <event2/util.h>

#include "ssm_handshake.h"
#include "ssm_msg.h"

struct emu_agent;
struct emu_dc;
struct emu_port;
struct emu_session;
struct emu_target;
struct bufferevent;
struct event;
struct evbuffer;

#define EMU_AGENT_BUFFER	100000	/* the agent's buffers, each way */
#define EMU_AGENT_TICK_MS	100	/* resend scheduler */
#define EMU_AGENT_DRAIN_MS	2000	/* unacked output at the end */
#define EMU_AGENT_RTO_MAX	1000.0
#define EMU_DC_HIGH		(256 * 1024)	/* WebSocket queue: full */
#define EMU_DC_INBOX_HIGH	(1024 * 1024)	/* stop reading the client */

/* ------------------------------------------------------------ emu_plan.c */

/* What the agent makes of a session before anyone connects. */
struct emu_plan {
	char				*session_type;	/* "Port", ... */
	struct ssm_handshake_property	*props;	/* sorted by the codec */
	size_t				 nprops;
	int				 port_forwarding; /* LocalPortForwarding */
	char				*dial;		/* loopback; NULL: none */
	char				*dial_name;	/* as the agent says */
	char				*fail;		/* plugin fails at start */
};

void	emu_plan_make(const struct emu_session *, const struct emu_target *,
	    struct emu_plan *);
void	emu_plan_clear(struct emu_plan *);
const char *emu_plan_property(const struct emu_plan *, const char *);

/* ----------------------------------------------------------- emu_fault.c */

struct emu_fault_held {
	uint8_t				*buf;
	size_t				 len;
	uint64_t			 due_ms;
	TAILQ_ENTRY(emu_fault_held)	 entry;
};
TAILQ_HEAD(emu_fault_heldq, emu_fault_held);

struct emu_fault_counts {
	uint64_t	lost;
	uint64_t	duplicated;
	uint64_t	reordered;
	uint64_t	delayed;
	uint64_t	corrupted;
};

/* One direction of one client connection. */
struct emu_fault {
	int			 dir;		/* EMU_FAULT_IN or _OUT */
	uint64_t		 rng;
	struct emu_fault_heldq	 held;		/* delayed, by due time */
	size_t			 nheld;
	struct emu_fault_held	*behind;	/* reordered */
	struct event		*timer;
	void			(*deliver)(void *, const uint8_t *, size_t);
	void			*arg;
	struct emu_fault_counts	*c;		/* the session's, or own */
	struct emu_fault_counts	 own;
};

void	emu_fault_init(struct emu_fault *, int dir, uint64_t seed,
	    void (*)(void *, const uint8_t *, size_t), void *);
/* Pass one message through the rules: deliver it now, later, twice or
 * never. */
void	emu_fault_pass(struct emu_fault *, const uint8_t *, size_t);
/* Drop everything held (the connection is gone). */
void	emu_fault_clear(struct emu_fault *);
int	emu_fault_kind(const uint8_t *, size_t);
/* A copy of a message with its first payload byte changed (free it). */
uint8_t	*emu_fault_corrupt(const uint8_t *, size_t);
uint64_t emu_fault_random(uint64_t *);
void	emu_fault_to_json(const struct emu_fault_counts *,
	    const char *prefix, cJSON *);

/* -------------------------------------------------------------- emu_dc.c */

/* Relay one agent message to the client; -1 if it went nowhere. */
int	emu_dc_send(struct emu_dc *, const uint8_t *, size_t);
/* A text frame to the client (the malformed knob). */
void	emu_dc_send_text(struct emu_dc *, const void *, size_t);
/* The client connection can take more (its queue is below the mark). */
int	emu_dc_has_room(struct emu_dc *);
/* channel_closed with output, then close 1000; the dc is let go of. */
void	emu_dc_send_closed(struct emu_dc *, const struct emu_agent *,
	    const char *output);
/* Drop a connection the agent no longer wants (a newer one attached). */
void	emu_dc_drop(struct emu_dc *);
/* Stop or start reading the client (the agent's handler is blocked). */
void	emu_dc_set_reading(struct emu_dc *, int);
void	emu_dc_to_json(const struct emu_dc *, cJSON *);

/* ----------------------------------------------------------- emu_agent.c */

enum emu_agent_state {
	EMU_AGENT_WAITING,	/* started, no client yet */
	EMU_AGENT_HANDSHAKE,	/* HandshakeRequest sent */
	EMU_AGENT_OPEN,		/* handshake done; the port plugin runs */
	EMU_AGENT_DRAINING,	/* ending: up to 2 s for the last acks */
	EMU_AGENT_ENDED,	/* channel_closed sent; counters only */
};

enum emu_agent_mode {
	EMU_MODE_NONE,		/* not decided, or not a Port session */
	EMU_MODE_BASIC,
	EMU_MODE_MUX,
	EMU_MODE_STREAM,	/* no "type": basic, ends with the target */
};

/* What processing an in-order client message came to. */
enum emu_in_result {
	EMU_IN_DONE,		/* processed: acknowledge it */
	EMU_IN_NOT_READY,	/* not processed, not acknowledged */
	EMU_IN_BLOCKED,		/* processing waits; hold it, read nothing */
};

/* A message in the agent's outgoing buffer. */
struct emu_out {
	int64_t			 seq;
	uint8_t			*buf;
	size_t			 len;
	uint64_t		 first_us;
	uint64_t		 last_us;
	u_int			 resends;
	int			 sent;		/* transmitted at least once */
	RB_ENTRY(emu_out)	 entry;
};
RB_HEAD(emu_out_tree, emu_out);

/* A client message that arrived ahead of its turn. */
struct emu_in {
	int64_t			 seq;
	uint8_t			*buf;
	size_t			 len;
	RB_ENTRY(emu_in)	 entry;
};
RB_HEAD(emu_in_tree, emu_in);

struct emu_agent_stats {
	uint64_t	msgs_in;	/* client stream messages, all */
	uint64_t	msgs_out;	/* stream messages sent (not resends) */
	uint64_t	bytes_in;	/* client Output payload bytes used */
	uint64_t	bytes_out;	/* Output payload bytes sent */
	uint64_t	acks_in;
	uint64_t	acks_out;
	uint64_t	resends;
	uint64_t	dups_in;	/* client messages seen again */
	uint64_t	ahead_in;	/* stored out of order */
	uint64_t	discarded_in;	/* acked and discarded (handshake) */
	uint64_t	not_ready;	/* left unacknowledged */
	uint64_t	bad_in;		/* failed to decode */
	uint64_t	unbuffered;	/* sent once: buffer full */
	uint64_t	streams_opened;
	uint64_t	streams_refused;
	uint64_t	dials;
	uint64_t	dial_failures;
	uint64_t	nops_in;
	uint64_t	nops_out;
	uint64_t	flags_in;
	uint64_t	wakeups;	/* callbacks run for it: bounded
					   while it waits (no polling) */
};

struct emu_agent {
	u_int			 n;		/* ordinal, seeds and logs */
	struct emu_session	*s;		/* the API record */
	char			*id;		/* session id */
	char			*target;
	char			*agent_version;
	char			*client_id;
	char			*client_version;	/* handshake */
	char			*odc_client_version;	/* OpenDataChannel */
	struct emu_plan		 plan;
	enum emu_agent_state	 state;
	enum emu_agent_mode	 mode;
	int			 keepalive;
	int			 terminate_flag;
	int			 hs_done;	/* response processed */
	struct emu_dc		*dc;		/* the attached client */
	int			 paused;	/* pause_publication */
	u_int			 attaches;
	u_int			 drops;
	char			*end_reason;
	uint64_t		 started_ms;
	uint64_t		 ended_ms;

	/* Outgoing. */
	int64_t			 out_seq;
	int64_t			 out_unsent;	/* first never transmitted */
	struct emu_out_tree	 outs;
	size_t			 nout;
	double			 srtt, rttvar, rto;
	int			 resend_owed;	/* a pass stopped: no room */
	struct event		*tick;
	struct evbuffer		*scratch;

	/* Incoming. */
	int64_t			 in_expected;
	struct emu_in_tree	 ins;
	size_t			 nin;
	struct evbuffer		*inbox;		/* while blocked */
	int			 blocked;
	uint8_t			*held;		/* the message it blocked on */
	size_t			 held_len;
	u_int			 not_ready_left;
	int			 in_unblock;
	struct event		*unblock;	/* deferred: run again */

	/* Timers. */
	struct event		*hs_timer;
	uint64_t		 hs_sent_us;
	struct event		*end_timer;	/* drain */
	struct event		*max_timer;
	struct event		*idle_timer;
	uint64_t		 last_data_ms;
	int			 malformed_pending;

	struct emu_port		*port;
	struct emu_agent_stats	 st;
	struct emu_fault_counts	 faults_in;
	struct emu_fault_counts	 faults_out;
	TAILQ_ENTRY(emu_agent)	 entry;
};
TAILQ_HEAD(emu_agent_list, emu_agent);
extern struct emu_agent_list emu_agents;

extern const char *const emu_agent_states[];
extern const char *const emu_agent_modes[];

uint64_t emu_now_us(void);
/* Arm a timer ms milliseconds from now. */
void	emu_timer_add_ms(struct event *, uint64_t ms);
void	emu_agent_init(void);
void	emu_agent_free_all(void);
struct emu_agent *emu_agent_new(struct emu_session *,
	    const struct emu_target *);
void	emu_agent_free(struct emu_agent *);
struct emu_agent *emu_agent_of(const struct emu_session *);
void	emu_agent_uuid(uint8_t [UUID_LEN]);
int	emu_agent_may_transmit(struct emu_agent *);
void	emu_agent_finish(struct emu_agent *);
void	emu_agent_release(struct emu_agent *);
/* emu_agent_hs.c */
void	emu_agent_handshake(struct emu_agent *);
void	emu_agent_handshake_response(struct emu_agent *,
	    const struct ssm_msg *);
void	emu_agent_hs_timeout_cb(evutil_socket_t, short, void *);
/* The gateway's side. */
void	emu_agent_attach(struct emu_agent *, struct emu_dc *,
	    const struct ssm_open_data_channel *);
void	emu_agent_detach(struct emu_agent *, struct emu_dc *);
void	emu_agent_input(struct emu_agent *, const uint8_t *, size_t);
void	emu_agent_set_paused(struct emu_agent *, int);
void	emu_agent_end(struct emu_agent *, const char *output, int drain);
/* The port plugin's side. */
int	emu_agent_send_stream(struct emu_agent *, uint32_t payload_type,
	    const uint8_t *, size_t);
int	emu_agent_send_buffer(struct emu_agent *, uint32_t payload_type,
	    struct evbuffer *, size_t);
void	emu_agent_send_flag(struct emu_agent *, uint32_t flag);
int	emu_agent_can_send(struct emu_agent *);
void	emu_agent_drained(struct emu_agent *);
void	emu_agent_set_blocked(struct emu_agent *, int);
void	emu_agent_note_data(struct emu_agent *);
cJSON	*emu_agent_to_json(const struct emu_agent *);

/* ------------------------------------------------------------ emu_port.c */

void	emu_port_start(struct emu_agent *);
/* An in-order Output or Flag message, after the handshake. */
enum emu_in_result emu_port_input(struct emu_agent *, const struct ssm_msg *);
/* Whatever held the pump back may have changed: try to send. */
void	emu_port_kick(struct emu_agent *);
void	emu_port_stop(struct emu_agent *);
void	emu_port_io_max(struct bufferevent *);
void	emu_port_to_json(const struct emu_agent *, cJSON *);
/* The pacing ceiling in payload bytes per second (0: pacing off). */
double	emu_port_ceiling(void);
uint64_t emu_port_late(void);

#endif /* EMU_AGENT_H */
