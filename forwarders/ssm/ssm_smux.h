/*
 * ssm_smux.h: smux protocol version 1 as Session Manager port sessions
 * carry it (ssm-port-mux.md): the frame codec and the stream table of one
 * smux session, usable by the client (gatewayd) and by the server (the
 * emulator's agent). No I/O, no timers: the peer's bytes go in through
 * smux_input() and come out as events; our frames are pulled with
 * smux_output() whenever the data channel has room.
 *
 * Frames: 8-byte little-endian header (version 1, cmd, length, stream id)
 * inside the big-endian agent messages. SYN, FIN and NOP are sent with
 * length 0 and their length is ignored on receipt; PSH carries up to 65535
 * bytes on receipt and at most SMUX_MAX_FRAME when sending. UPD and
 * version 2 are protocol errors on this path. Frames may be split anywhere
 * between inputs and between outputs: the byte stream is what counts.
 *
 * Keep-alive is the caller's decision (ssm_version_client_keepalive());
 * smux_nop() queues one NOP.
 */
#ifndef SSM_SMUX_H
#define SSM_SMUX_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct smux;

#define SMUX_VERSION		1
#define SMUX_HEADER_LEN		8
#define SMUX_CMD_SYN		0
#define SMUX_CMD_FIN		1
#define SMUX_CMD_PSH		2
#define SMUX_CMD_NOP		3
#define SMUX_CMD_UPD		4	/* version 2 only: an error here */

#define SMUX_MAX_FRAME		32768	/* largest PSH data we send */
/*
 * PSH data per frame by default: one frame fills one 1024-byte agent
 * message, and a bulk stream yields to the others after every frame.
 */
#define SMUX_QUANTUM		1016
#define SMUX_MAX_STREAMS	65536	/* open streams per session */
#define SMUX_MAX_CONTROL	65536	/* bytes of queued SYN/FIN frames */

enum smux_role {
	SMUX_CLIENT,	/* opens odd ids 3, 5, 7...; refuses the peer's SYN */
	SMUX_SERVER,	/* accepts the peer's SYN; would open 2, 4, 6... */
};

enum smux_event_type {
	SMUX_EV_OPEN,		/* the peer opened sid (server role) */
	SMUX_EV_DATA,		/* data for sid, in order */
	SMUX_EV_FIN,		/* the peer closed sid: no more data */
	SMUX_EV_NOP,		/* a keep-alive frame arrived */
	SMUX_EV_REFUSED,	/* the peer tried to open sid; FIN queued */
};

struct smux_event {
	enum smux_event_type	 type;
	uint32_t		 sid;
	const uint8_t		*data;	/* SMUX_EV_DATA; valid in the call */
	size_t			 len;
};

struct smux_stats {
	uint64_t	frames_in;	/* every complete header read */
	uint64_t	bytes_in;
	uint64_t	frames_out;	/* frames started */
	uint64_t	bytes_out;
	uint64_t	dropped_in;	/* PSH bytes for unknown/closed streams */
	uint64_t	refused;	/* peer SYNs refused */
};

/*
 * Make a session. cb is called from smux_input() for each event, with arg;
 * it may call smux_open, write, close, abort and nop, but must not call
 * smux_input or smux_free.
 */
struct smux	*smux_new(enum smux_role role,
		    void (*cb)(struct smux *, const struct smux_event *, void *),
		    void *arg);
/* Free s and every stream; accepts NULL. */
void		 smux_free(struct smux *s);

/*
 * Open a stream: return its id (SYN queued), or 0 if the session failed,
 * the id space is used up or SMUX_MAX_STREAMS streams are open.
 */
uint32_t	 smux_open(struct smux *s);
/*
 * Queue len bytes for stream sid (copied); smux_write_buffer moves len
 * bytes out of in instead. Return 0, or -1 if sid is not open or already
 * closed by us. A zero-length write sends nothing.
 */
int		 smux_write(struct smux *s, uint32_t sid, const void *buf,
		    size_t len);
int		 smux_write_buffer(struct smux *s, uint32_t sid,
		    struct evbuffer *in, size_t len);
/*
 * Close sid: its FIN follows the data already queued, and the stream is
 * forgotten (later frames for it are dropped). smux_abort discards the
 * queued data first. Return 0, or -1 if sid is not open.
 */
int		 smux_close(struct smux *s, uint32_t sid);
int		 smux_abort(struct smux *s, uint32_t sid);
/* Queue one NOP (one at most waits at a time). */
void		 smux_nop(struct smux *s);

/*
 * Feed len bytes of the peer's smux byte stream (Output payloads in
 * sequence order). Events are reported through the callback as frames
 * are read; PSH data is passed on as it arrives, so nothing but a partial
 * header is kept between calls. Return 0, or -1 and set *cause on a
 * protocol error (bad version, unknown command, UPD): the session is then
 * failed, and the caller should end the SSM session (ssm-port-mux.md §3.2).
 */
int		 smux_input(struct smux *s, const uint8_t *buf, size_t len,
		    char **cause);

/*
 * Append at most max bytes of our frames to out and return how many.
 * Order: the rest of a frame cut by the previous call, a NOP, SYN and FIN
 * frames (never starved), then PSH frames round-robin between streams
 * with data queued, each at most SMUX_QUANTUM (smux_set_quantum) and
 * fitted into max where possible. A stream's SYN precedes its data and
 * its FIN follows it.
 */
size_t		 smux_output(struct smux *s, struct evbuffer *out, size_t max);

/*
 * Bytes waiting to be pulled by smux_output, all streams included: their
 * data and the frames already built (headers of frames still to be cut
 * from the data are not counted). 0 means smux_output has nothing to say.
 */
size_t		 smux_pending(struct smux *s);
/* Bytes queued on stream sid and not yet framed (0 if not open). */
size_t		 smux_stream_pending(struct smux *s, uint32_t sid);
int		 smux_has_stream(struct smux *s, uint32_t sid);
size_t		 smux_stream_count(struct smux *s);
/* The protocol error that failed the session, or NULL. */
const char	*smux_get_failure(struct smux *s);
const struct smux_stats *smux_get_stats(struct smux *s);
/* PSH data per frame when sending, 1 to SMUX_MAX_FRAME. */
void		 smux_set_quantum(struct smux *s, size_t quantum);

#endif /* SSM_SMUX_H */
