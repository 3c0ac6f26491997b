/*
 * ssm_msg.h: Session Manager agent messages (ssm-data-channel.md §4, §6.2,
 * §7.5) and the small payloads that ride in them: acknowledges, flags and
 * channel_closed. No I/O: bytes in, struct out; the caller passes every id
 * and date, so the output is exact.
 *
 * Used by both ends: gatewayd's data channel (forwarders/ssm/chan.c) and
 * the emulator's agent. The handshake payloads are in ssm_handshake.h.
 */
#ifndef SSM_MSG_H
#define SSM_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct evbuffer;

#define SSM_MSG_HEADER_LEN	120	/* the fixed header, PayloadLength too */
#define SSM_MSG_HEADER_LENGTH	116	/* the value of HeaderLength */
#define SSM_MSG_TYPE_LEN	32	/* MessageType field, space padded */
#define SSM_MSG_SCHEMA_VERSION	1
#define SSM_MSG_CHUNK		1024	/* largest Output payload we send */

/* Flags field values (nobody acts on them; §4.6). */
#define SSM_MSG_FLAG_SYN	1
#define SSM_MSG_FLAG_FIN	2

enum ssm_msg_type {
	SSM_MSG_UNKNOWN = 0,		/* any other name: log and ignore */
	SSM_MSG_INPUT_STREAM_DATA,	/* client -> agent, sequenced */
	SSM_MSG_OUTPUT_STREAM_DATA,	/* agent -> client, sequenced */
	SSM_MSG_ACKNOWLEDGE,
	SSM_MSG_CHANNEL_CLOSED,
	SSM_MSG_START_PUBLICATION,
	SSM_MSG_PAUSE_PUBLICATION,
	SSM_MSG_AGENT_SESSION_STATE,
};

enum ssm_payload_type {
	SSM_PAYLOAD_NONE = 0,		/* acknowledge and control messages */
	SSM_PAYLOAD_OUTPUT = 1,		/* stream bytes, both directions */
	SSM_PAYLOAD_ERROR = 2,
	SSM_PAYLOAD_SIZE = 3,
	SSM_PAYLOAD_PARAMETER = 4,
	SSM_PAYLOAD_HANDSHAKE_REQUEST = 5,
	SSM_PAYLOAD_HANDSHAKE_RESPONSE = 6,
	SSM_PAYLOAD_HANDSHAKE_COMPLETE = 7,
	SSM_PAYLOAD_ENC_CHALLENGE_REQUEST = 8,
	SSM_PAYLOAD_ENC_CHALLENGE_RESPONSE = 9,
	SSM_PAYLOAD_FLAG = 10,
	SSM_PAYLOAD_STDERR = 11,
	SSM_PAYLOAD_EXIT_CODE = 12,
};

/* PayloadType 10 values (§4.5). */
enum ssm_flag {
	SSM_FLAG_DISCONNECT_TO_PORT = 1,	/* client, basic mode */
	SSM_FLAG_TERMINATE_SESSION = 2,		/* client */
	SSM_FLAG_CONNECT_TO_PORT_ERROR = 3,	/* agent, mux mode */
};

struct ssm_msg {
	enum ssm_msg_type	 type;
	/*
	 * The MessageType text: on decode, the received name with NUL and
	 * white space stripped from both ends and any byte outside printable
	 * ASCII shown as '?' (safe to log). On encode it is used only for
	 * SSM_MSG_UNKNOWN, to send an arbitrary name (tests, the emulator).
	 */
	char			 type_name[SSM_MSG_TYPE_LEN + 1];
	uint32_t		 header_length;	/* decode only; 116 on encode */
	uint32_t		 schema_version;
	uint64_t		 created_date;	/* ms since the epoch */
	int64_t			 seq;
	uint64_t		 flags;
	uint8_t			 id[UUID_LEN];	/* canonical (text) order */
	uint8_t			 digest[SHA256_LEN]; /* decode: as received */
	uint32_t		 payload_type;
	const uint8_t		*payload;	/* not owned */
	size_t			 payload_len;
};

/*
 * Fill msg for sending: SchemaVersion 1 and the Flags of §4.6 (3 for
 * acknowledge and agent_session_state, 1 for output_stream_data seq 0,
 * else 0); no payload. id and created_date are the caller's (a fresh v4
 * UUID and clock_wall_ms() in real use).
 */
void	ssm_msg_init(struct ssm_msg *msg, enum ssm_msg_type type,
	    int64_t seq, uint32_t payload_type, const uint8_t id[UUID_LEN],
	    uint64_t created_date);

/*
 * Decode one message from a complete WebSocket binary message. Return 0
 * and fill msg, or -1 and set *cause (caller frees) naming the problem,
 * e.g. "frame of 117 bytes is shorter than the 120-byte header" or
 * "payload digest mismatch". Never reads outside buf[0..len).
 * msg->payload points into buf and is valid as long as buf is.
 *
 * gatewayd's rules (§4.7), stricter than the official client: at least
 * 120 bytes; start_publication and pause_publication are accepted whatever
 * the other fields say (payload: every byte after the header); otherwise
 * MessageType non-empty, HeaderLength 116, PayloadLength equal to the
 * bytes after the header, CreatedDate non-zero, a non-negative
 * SequenceNumber on stream data, and the digest checked whenever there is
 * a payload. SchemaVersion is not checked. An unknown MessageType decodes
 * as SSM_MSG_UNKNOWN: the caller logs and ignores it.
 */
int	ssm_msg_decode(const uint8_t *buf, size_t len, struct ssm_msg *msg,
	    char **cause);

/*
 * Append the wire form of msg (header, then msg->payload) to out; the
 * SHA-256 digest is computed here, once. Return 0, or -1 and set *cause
 * if msg cannot be sent: stream data with an empty payload (§4.7 rule 7),
 * a negative sequence number, an unknown type without a name.
 */
int	ssm_msg_encode(const struct ssm_msg *msg, struct evbuffer *out,
	    char **cause);

/*
 * As ssm_msg_encode, but the payload is all of payload, which is drained
 * into out without copying (msg->payload is ignored).
 */
int	ssm_msg_encode_buffer(const struct ssm_msg *msg,
	    struct evbuffer *payload, struct evbuffer *out, char **cause);

/*
 * Write the 120-byte header of msg into hdr, given the payload's digest
 * and length (for callers that keep the payload elsewhere).
 */
void	ssm_msg_encode_header(const struct ssm_msg *msg,
	    const uint8_t digest[SHA256_LEN], size_t payload_len,
	    uint8_t hdr[SSM_MSG_HEADER_LEN]);

/* The wire name of a type ("input_stream_data"), or NULL for unknown. */
const char	*ssm_msg_type_name(enum ssm_msg_type);
/* The type a (stripped) wire name stands for; SSM_MSG_UNKNOWN if none. */
enum ssm_msg_type ssm_msg_type_from_name(const char *);
/* Stream data types carry sequence numbers and are acknowledged. */
int		 ssm_msg_is_sequenced(enum ssm_msg_type);
/* "Output", "HandshakeRequest", ... or "unknown". */
const char	*ssm_msg_payload_type_name(uint32_t);

/*
 * Flag payloads (PayloadType 10): exactly 4 bytes, a big-endian uint32.
 */
void		 ssm_msg_flag_payload(uint32_t flag, uint8_t out[4]);
/* Return 0 and set *flag (any value), or -1 if len is not 4. */
int		 ssm_msg_flag_parse(const uint8_t *payload, size_t len,
		    uint32_t *flag, char **cause);
/* "TerminateSession", ... or "unknown". */
const char	*ssm_msg_flag_name(uint32_t);

/*
 * Acknowledges (§6.2).
 */
struct ssm_ack {
	/* Informational: empty when absent (or not a valid type/UUID). */
	char		 type_name[SSM_MSG_TYPE_LEN + 1];
	char		 id[UUID_STR_LEN];
	int64_t		 seq;		/* what an ack is matched by */
	int		 sequential;	/* IsSequentialMessage */
};

/*
 * Append the acknowledge payload for msg (as received: its type, id and
 * sequence number), byte for byte as the official client writes it:
 * {"AcknowledgedMessageType":"...","AcknowledgedMessageId":"...",
 *  "AcknowledgedMessageSequenceNumber":N,"IsSequentialMessage":true}
 */
void	ssm_msg_ack_payload(const struct ssm_msg *acked, struct evbuffer *out);
/* Append a whole acknowledge message for acked (seq 0, Flags 3). */
void	ssm_msg_ack_encode(const struct ssm_msg *acked,
	    const uint8_t id[UUID_LEN], uint64_t created_date,
	    struct evbuffer *out);
/*
 * Parse an acknowledge payload. AcknowledgedMessageSequenceNumber must be
 * present and an integer >= 0 (read exactly, even above 2^53); the other
 * members are optional. Member names are case-sensitive (the official
 * client's Go decoder is not). Return 0 or -1 with *cause.
 */
int	ssm_msg_ack_parse(const uint8_t *payload, size_t len,
	    struct ssm_ack *ack, char **cause);

/*
 * channel_closed payload (§7.5). Every member is text except
 * SchemaVersion; CreatedDate is opaque text, never parsed.
 */
struct ssm_channel_closed {
	char		*message_id;
	char		*created_date;
	char		*destination_id;
	char		*session_id;
	char		*message_type;
	int64_t		 schema_version;
	char		*output;	/* the reason to log; "" for a clean end */
};

/* Append the payload, members in the order the service writes them. */
void	ssm_msg_channel_closed_payload(const struct ssm_channel_closed *cc,
	    struct evbuffer *out);
/*
 * Parse a channel_closed payload; absent text members read as "". Return
 * 0 (cc filled, free it with ssm_msg_channel_closed_clear) or -1 with
 * *cause. A malformed payload still ends the session (the caller's job).
 */
int	ssm_msg_channel_closed_parse(const uint8_t *payload, size_t len,
	    struct ssm_channel_closed *cc, char **cause);
void	ssm_msg_channel_closed_clear(struct ssm_channel_closed *cc);

#endif /* SSM_MSG_H */
