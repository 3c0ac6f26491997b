/*
 * Session Manager agent messages: the 120-byte big-endian header, the
 * space-padded MessageType, the half-swapped MessageId and the SHA-256
 * payload digest (ssm-data-channel.md §4), plus the payloads that are not
 * part of the handshake: acknowledges (§6.2), flags (§4.5) and
 * channel_closed (§7.5). Pure codec: sequence numbers, acks, resends and
 * what a message means are chan.c's business (and the emulator's).
 */

#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <openssl/evp.h>

#include "log.h"
#include "ssm_json.h"
#include "ssm_msg.h"
#include "util.h"
#include "xmalloc.h"

/* Header field offsets (§4.1). */
#define OFF_HEADER_LENGTH	0
#define OFF_MESSAGE_TYPE	4
#define OFF_SCHEMA_VERSION	36
#define OFF_CREATED_DATE	40
#define OFF_SEQUENCE_NUMBER	48
#define OFF_FLAGS		56
#define OFF_MESSAGE_ID		64
#define OFF_PAYLOAD_DIGEST	80
#define OFF_PAYLOAD_TYPE	112
#define OFF_PAYLOAD_LENGTH	116

static const char *msg_type_names[] = {
	[SSM_MSG_INPUT_STREAM_DATA] = "input_stream_data",
	[SSM_MSG_OUTPUT_STREAM_DATA] = "output_stream_data",
	[SSM_MSG_ACKNOWLEDGE] = "acknowledge",
	[SSM_MSG_CHANNEL_CLOSED] = "channel_closed",
	[SSM_MSG_START_PUBLICATION] = "start_publication",
	[SSM_MSG_PAUSE_PUBLICATION] = "pause_publication",
	[SSM_MSG_AGENT_SESSION_STATE] = "agent_session_state",
};
#define MSG_NTYPES (sizeof msg_type_names / sizeof msg_type_names[0])

static const char *msg_payload_type_names[] = {
	"None", "Output", "Error", "Size", "Parameter", "HandshakeRequest",
	"HandshakeResponse", "HandshakeComplete", "EncChallengeRequest",
	"EncChallengeResponse", "Flag", "StdErr", "ExitCode",
};

static const char *msg_flag_names[] = {
	NULL, "DisconnectToPort", "TerminateSession", "ConnectToPortError",
};

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, (uint32_t)v);
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static uint64_t
get64(const uint8_t *p)
{
	return ((uint64_t)get32(p) << 32 | get32(p + 4));
}

const char *
ssm_msg_type_name(enum ssm_msg_type type)
{
	if ((size_t)type >= MSG_NTYPES)
		return (NULL);
	return (msg_type_names[type]);
}

enum ssm_msg_type
ssm_msg_type_from_name(const char *name)
{
	size_t	i;

	for (i = 1; i < MSG_NTYPES; i++) {
		if (strcmp(name, msg_type_names[i]) == 0)
			return ((enum ssm_msg_type)i);
	}
	return (SSM_MSG_UNKNOWN);
}

int
ssm_msg_is_sequenced(enum ssm_msg_type type)
{
	return (type == SSM_MSG_INPUT_STREAM_DATA ||
	    type == SSM_MSG_OUTPUT_STREAM_DATA);
}

const char *
ssm_msg_payload_type_name(uint32_t payload_type)
{
	if (payload_type >= sizeof msg_payload_type_names /
	    sizeof msg_payload_type_names[0])
		return ("unknown");
	return (msg_payload_type_names[payload_type]);
}

void
ssm_msg_init(struct ssm_msg *msg, enum ssm_msg_type type, int64_t seq,
    uint32_t payload_type, const uint8_t id[UUID_LEN], uint64_t created_date)
{
	memset(msg, 0, sizeof *msg);
	msg->type = type;
	msg->header_length = SSM_MSG_HEADER_LENGTH;
	msg->schema_version = SSM_MSG_SCHEMA_VERSION;
	msg->created_date = created_date;
	msg->seq = seq;
	msg->payload_type = payload_type;
	memcpy(msg->id, id, UUID_LEN);
	if (type == SSM_MSG_ACKNOWLEDGE || type == SSM_MSG_AGENT_SESSION_STATE)
		msg->flags = SSM_MSG_FLAG_SYN | SSM_MSG_FLAG_FIN;
	else if (type == SSM_MSG_OUTPUT_STREAM_DATA && seq == 0)
		msg->flags = SSM_MSG_FLAG_SYN;
}

/*
 * Copy the MessageType field into name: NUL and white space stripped from
 * both ends, bytes outside printable ASCII replaced so the name is safe to
 * log.
 */
static void
msg_read_type(const uint8_t *field, char name[SSM_MSG_TYPE_LEN + 1])
{
	size_t	start = 0, end = SSM_MSG_TYPE_LEN, i;

	while (start < end && (field[start] == '\0' || isspace(field[start])))
		start++;
	while (end > start && (field[end - 1] == '\0' ||
	    isspace(field[end - 1])))
		end--;
	for (i = start; i < end; i++)
		name[i - start] = isprint(field[i]) ? (char)field[i] : '?';
	name[end - start] = '\0';
}

/* Read every header field; the payload is what follows the header. */
static void
msg_read_header(const uint8_t *buf, size_t len, struct ssm_msg *msg)
{
	memset(msg, 0, sizeof *msg);
	msg->header_length = get32(buf + OFF_HEADER_LENGTH);
	msg_read_type(buf + OFF_MESSAGE_TYPE, msg->type_name);
	msg->type = ssm_msg_type_from_name(msg->type_name);
	msg->schema_version = get32(buf + OFF_SCHEMA_VERSION);
	msg->created_date = get64(buf + OFF_CREATED_DATE);
	msg->seq = (int64_t)get64(buf + OFF_SEQUENCE_NUMBER);
	msg->flags = get64(buf + OFF_FLAGS);
	/* The id travels as its second half, then its first (§4.2). */
	memcpy(msg->id, buf + OFF_MESSAGE_ID + 8, 8);
	memcpy(msg->id + 8, buf + OFF_MESSAGE_ID, 8);
	memcpy(msg->digest, buf + OFF_PAYLOAD_DIGEST, SHA256_LEN);
	msg->payload_type = get32(buf + OFF_PAYLOAD_TYPE);
	msg->payload = buf + SSM_MSG_HEADER_LEN;
	msg->payload_len = len - SSM_MSG_HEADER_LEN;
}

int
ssm_msg_decode(const uint8_t *buf, size_t len, struct ssm_msg *msg,
    char **cause)
{
	uint8_t		digest[SHA256_LEN];
	uint32_t	payload_length;

	if (len < SSM_MSG_HEADER_LEN) {
		xasprintf(cause, "frame of %zu bytes is shorter than the "
		    "%d-byte header", len, SSM_MSG_HEADER_LEN);
		return (-1);
	}
	msg_read_header(buf, len, msg);
	/* Publication messages are accepted whatever they hold (§4.7). */
	if (msg->type == SSM_MSG_START_PUBLICATION ||
	    msg->type == SSM_MSG_PAUSE_PUBLICATION)
		return (0);

	payload_length = get32(buf + OFF_PAYLOAD_LENGTH);
	if (msg->type_name[0] == '\0') {
		xasprintf(cause, "message type is empty");
		return (-1);
	}
	if (msg->header_length != SSM_MSG_HEADER_LENGTH) {
		xasprintf(cause, "%s: header length %" PRIu32 " is not %d",
		    msg->type_name, msg->header_length,
		    SSM_MSG_HEADER_LENGTH);
		return (-1);
	}
	if (payload_length != msg->payload_len) {
		xasprintf(cause, "%s: payload length %" PRIu32 " does not "
		    "match the %zu bytes after the header", msg->type_name,
		    payload_length, msg->payload_len);
		return (-1);
	}
	if (msg->created_date == 0) {
		xasprintf(cause, "%s: created date is zero", msg->type_name);
		return (-1);
	}
	if (ssm_msg_is_sequenced(msg->type) && msg->seq < 0) {
		xasprintf(cause, "%s: sequence number %" PRId64 " is negative",
		    msg->type_name, msg->seq);
		return (-1);
	}
	if (msg->payload_len > 0) {
		util_sha256(msg->payload, msg->payload_len, digest);
		if (memcmp(digest, msg->digest, SHA256_LEN) != 0) {
			xasprintf(cause, "%s %" PRId64 ": payload digest "
			    "mismatch", msg->type_name, msg->seq);
			return (-1);
		}
	}
	return (0);
}

void
ssm_msg_encode_header(const struct ssm_msg *msg,
    const uint8_t digest[SHA256_LEN], size_t payload_len,
    uint8_t hdr[SSM_MSG_HEADER_LEN])
{
	const char	*name;
	size_t		 n;

	name = ssm_msg_type_name(msg->type);
	if (name == NULL)
		name = msg->type_name;
	n = strnlen(name, SSM_MSG_TYPE_LEN);

	put32(hdr + OFF_HEADER_LENGTH, SSM_MSG_HEADER_LENGTH);
	memset(hdr + OFF_MESSAGE_TYPE, ' ', SSM_MSG_TYPE_LEN);
	memcpy(hdr + OFF_MESSAGE_TYPE, name, n);
	put32(hdr + OFF_SCHEMA_VERSION, msg->schema_version);
	put64(hdr + OFF_CREATED_DATE, msg->created_date);
	put64(hdr + OFF_SEQUENCE_NUMBER, (uint64_t)msg->seq);
	put64(hdr + OFF_FLAGS, msg->flags);
	memcpy(hdr + OFF_MESSAGE_ID, msg->id + 8, 8);
	memcpy(hdr + OFF_MESSAGE_ID + 8, msg->id, 8);
	memcpy(hdr + OFF_PAYLOAD_DIGEST, digest, SHA256_LEN);
	put32(hdr + OFF_PAYLOAD_TYPE, msg->payload_type);
	put32(hdr + OFF_PAYLOAD_LENGTH, (uint32_t)payload_len);
}

/* Check that msg may be sent with a payload of payload_len bytes. */
static int
msg_check_encode(const struct ssm_msg *msg, size_t payload_len, char **cause)
{
	const char	*name = ssm_msg_type_name(msg->type);

	if (name == NULL && (msg->type_name[0] == '\0' ||
	    strnlen(msg->type_name, sizeof msg->type_name) > SSM_MSG_TYPE_LEN)) {
		xasprintf(cause, "message type has no name");
		return (-1);
	}
	if (payload_len > UINT32_MAX) {
		xasprintf(cause, "payload of %zu bytes is too large",
		    payload_len);
		return (-1);
	}
	if (ssm_msg_is_sequenced(msg->type) && payload_len == 0) {
		xasprintf(cause, "%s %" PRId64 ": empty payload", name,
		    msg->seq);
		return (-1);
	}
	if (ssm_msg_is_sequenced(msg->type) && msg->seq < 0) {
		xasprintf(cause, "%s: sequence number %" PRId64 " is negative",
		    name, msg->seq);
		return (-1);
	}
	return (0);
}

int
ssm_msg_encode(const struct ssm_msg *msg, struct evbuffer *out, char **cause)
{
	uint8_t	hdr[SSM_MSG_HEADER_LEN], digest[SHA256_LEN];

	if (msg_check_encode(msg, msg->payload_len, cause) != 0)
		return (-1);
	util_sha256(msg->payload, msg->payload_len, digest);
	ssm_msg_encode_header(msg, digest, msg->payload_len, hdr);
	evbuffer_expand(out, sizeof hdr + msg->payload_len);
	evbuffer_add(out, hdr, sizeof hdr);
	if (msg->payload_len > 0)
		evbuffer_add(out, msg->payload, msg->payload_len);
	return (0);
}

/* SHA-256 of everything in buf, chain by chain. */
static void
msg_digest_evbuffer(struct evbuffer *buf, uint8_t digest[SHA256_LEN])
{
	struct evbuffer_iovec	*v;
	EVP_MD_CTX		*ctx;
	int			 i, n;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		fatalx("%s: EVP_MD_CTX_new failed", __func__);
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		fatalx("%s: EVP_DigestInit_ex failed", __func__);
	n = evbuffer_peek(buf, -1, NULL, NULL, 0);
	v = xreallocarray(NULL, n > 0 ? n : 1, sizeof *v);
	n = evbuffer_peek(buf, -1, NULL, v, n);
	for (i = 0; i < n; i++) {
		if (EVP_DigestUpdate(ctx, v[i].iov_base, v[i].iov_len) != 1)
			fatalx("%s: EVP_DigestUpdate failed", __func__);
	}
	if (EVP_DigestFinal_ex(ctx, digest, NULL) != 1)
		fatalx("%s: EVP_DigestFinal_ex failed", __func__);
	EVP_MD_CTX_free(ctx);
	free(v);
}

int
ssm_msg_encode_buffer(const struct ssm_msg *msg, struct evbuffer *payload,
    struct evbuffer *out, char **cause)
{
	uint8_t	hdr[SSM_MSG_HEADER_LEN], digest[SHA256_LEN];
	size_t	len = evbuffer_get_length(payload);

	if (msg_check_encode(msg, len, cause) != 0)
		return (-1);
	msg_digest_evbuffer(payload, digest);
	ssm_msg_encode_header(msg, digest, len, hdr);
	evbuffer_add(out, hdr, sizeof hdr);
	evbuffer_add_buffer(out, payload);
	return (0);
}

/*
 * Flags.
 */

void
ssm_msg_flag_payload(uint32_t flag, uint8_t out[4])
{
	put32(out, flag);
}

int
ssm_msg_flag_parse(const uint8_t *payload, size_t len, uint32_t *flag,
    char **cause)
{
	if (len != 4) {
		xasprintf(cause, "flag payload of %zu bytes is not 4 bytes",
		    len);
		return (-1);
	}
	*flag = get32(payload);
	return (0);
}

const char *
ssm_msg_flag_name(uint32_t flag)
{
	if (flag == 0 || flag >= sizeof msg_flag_names /
	    sizeof msg_flag_names[0])
		return ("unknown");
	return (msg_flag_names[flag]);
}

/*
 * Acknowledges.
 */

void
ssm_msg_ack_payload(const struct ssm_msg *acked, struct evbuffer *out)
{
	const char	*name = ssm_msg_type_name(acked->type);
	char		 id[UUID_STR_LEN];
	int		 first = 1;

	if (name == NULL)
		name = acked->type_name;
	util_uuid_format(acked->id, id);
	evbuffer_add(out, "{", 1);
	ssm_json_key(out, &first, "AcknowledgedMessageType");
	ssm_json_string(out, name);
	ssm_json_key(out, &first, "AcknowledgedMessageId");
	ssm_json_string(out, id);
	ssm_json_key(out, &first, "AcknowledgedMessageSequenceNumber");
	evbuffer_add_printf(out, "%" PRId64, acked->seq);
	ssm_json_key(out, &first, "IsSequentialMessage");
	evbuffer_add_printf(out, "true}");
}

void
ssm_msg_ack_encode(const struct ssm_msg *acked, const uint8_t id[UUID_LEN],
    uint64_t created_date, struct evbuffer *out)
{
	struct ssm_msg	 ack;
	struct evbuffer	*payload;
	char		*cause;

	ssm_msg_init(&ack, SSM_MSG_ACKNOWLEDGE, 0, SSM_PAYLOAD_NONE, id,
	    created_date);
	if ((payload = evbuffer_new()) == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	ssm_msg_ack_payload(acked, payload);
	if (ssm_msg_encode_buffer(&ack, payload, out, &cause) != 0)
		fatalx("%s: %s", __func__, cause);	/* cannot happen */
	evbuffer_free(payload);
}

/* Skip the literal k at *p, if it is there. */
static int
msg_eat(const uint8_t **p, const uint8_t *end, const char *k, size_t len)
{
	if ((size_t)(end - *p) < len || memcmp(*p, k, len) != 0)
		return (-1);
	*p += len;
	return (0);
}

#define MSG_EAT(p, end, k)	msg_eat(p, end, k, sizeof k - 1)

/*
 * The acknowledge as every agent writes it (its struct in Go's encoding,
 * §6.2): the four members in this order, no space, a type of lower-case
 * letters and underscores, a UUID, 1 to 18 digits without a leading zero,
 * true or false. Matched byte for byte it is read without a JSON tree (a
 * sixth of an upload's CPU went to parsing acks); anything else, valid
 * or not, is left to the general parser, which gives the same result for
 * what this takes.
 */
static int
msg_ack_fast(const uint8_t *p, size_t len, struct ssm_ack *ack)
{
	const uint8_t	*end = p + len, *s;
	uint8_t		 uuid[UUID_LEN];
	char		 text[UUID_STR_LEN];
	int64_t		 seq = 0;
	size_t		 n, tlen;

	if (MSG_EAT(&p, end, "{\"AcknowledgedMessageType\":\"") != 0)
		return (-1);
	for (s = p; p < end && ((*p >= 'a' && *p <= 'z') || *p == '_'); p++)
		;
	if ((tlen = p - s) == 0 || tlen > SSM_MSG_TYPE_LEN ||
	    MSG_EAT(&p, end, "\",\"AcknowledgedMessageId\":\"") != 0 ||
	    end - p < UUID_STR_LEN - 1)
		return (-1);
	memcpy(text, p, UUID_STR_LEN - 1);
	text[UUID_STR_LEN - 1] = '\0';
	if (util_uuid_parse(text, uuid) != 0)
		return (-1);
	p += UUID_STR_LEN - 1;
	if (MSG_EAT(&p, end, "\",\"AcknowledgedMessageSequenceNumber\":") != 0)
		return (-1);
	if (p < end && *p == '0' && end - p > 1 && p[1] >= '0' && p[1] <= '9')
		return (-1);
	for (n = 0; p < end && *p >= '0' && *p <= '9'; p++) {
		if (++n > 18)
			return (-1);
		seq = seq * 10 + (*p - '0');
	}
	if (n == 0 || MSG_EAT(&p, end, ",\"IsSequentialMessage\":") != 0)
		return (-1);
	if (MSG_EAT(&p, end, "true}") == 0)
		ack->sequential = 1;
	else if (MSG_EAT(&p, end, "false}") == 0)
		ack->sequential = 0;
	else
		return (-1);
	if (p != end)
		return (-1);
	memcpy(ack->type_name, s, tlen);
	ack->type_name[tlen] = '\0';
	util_uuid_format(uuid, ack->id);
	ack->seq = seq;
	return (0);
}

int
ssm_msg_ack_parse(const uint8_t *payload, size_t len, struct ssm_ack *ack,
    char **cause)
{
	cJSON		*root;
	const char	*type = NULL, *id = NULL;
	uint8_t		 uuid[UUID_LEN];
	char		*why = NULL;

	memset(ack, 0, sizeof *ack);
	if (msg_ack_fast(payload, len, ack) == 0)
		return (0);
	memset(ack, 0, sizeof *ack);
	if ((root = ssm_json_parse(payload, len, &why)) == NULL)
		goto fail;
	if (ssm_json_get_int64(root, "AcknowledgedMessageSequenceNumber",
	    payload, len, 1, 0, &ack->seq, &why) != 0 ||
	    ssm_json_get_string(root, "AcknowledgedMessageType", 0, &type,
	    &why) != 0 ||
	    ssm_json_get_string(root, "AcknowledgedMessageId", 0, &id,
	    &why) != 0 ||
	    ssm_json_get_bool(root, "IsSequentialMessage", 0,
	    &ack->sequential, &why) != 0)
		goto fail;
	/* Type and id are informational: keep them only if they make sense. */
	if (type != NULL && strlen(type) <= SSM_MSG_TYPE_LEN)
		strlcpy(ack->type_name, type, sizeof ack->type_name);
	if (id != NULL && util_uuid_parse(id, uuid) == 0)
		util_uuid_format(uuid, ack->id);
	cJSON_Delete(root);
	return (0);

fail:
	return (ssm_json_fail(cause, "acknowledge", why, root));
}

/*
 * channel_closed.
 */

static const char *
msg_str(const char *s)
{
	return (s != NULL ? s : "");
}

void
ssm_msg_channel_closed_payload(const struct ssm_channel_closed *cc,
    struct evbuffer *out)
{
	int	first = 1;

	evbuffer_add(out, "{", 1);
	ssm_json_key(out, &first, "MessageId");
	ssm_json_string(out, msg_str(cc->message_id));
	ssm_json_key(out, &first, "CreatedDate");
	ssm_json_string(out, msg_str(cc->created_date));
	ssm_json_key(out, &first, "DestinationId");
	ssm_json_string(out, msg_str(cc->destination_id));
	ssm_json_key(out, &first, "SessionId");
	ssm_json_string(out, msg_str(cc->session_id));
	ssm_json_key(out, &first, "MessageType");
	ssm_json_string(out, msg_str(cc->message_type));
	ssm_json_key(out, &first, "SchemaVersion");
	evbuffer_add_printf(out, "%" PRId64, cc->schema_version);
	ssm_json_key(out, &first, "Output");
	ssm_json_string(out, msg_str(cc->output));
	evbuffer_add(out, "}", 1);
}

/* Copy text member name of obj into *out ("" if absent). */
static int
msg_get_text(const cJSON *obj, const char *name, char **out, char **cause)
{
	const char	*s = "";

	if (ssm_json_get_string(obj, name, 0, &s, cause) != 0)
		return (-1);
	*out = xstrdup(s);
	return (0);
}

int
ssm_msg_channel_closed_parse(const uint8_t *payload, size_t len,
    struct ssm_channel_closed *cc, char **cause)
{
	cJSON	*root;
	char	*why = NULL;

	memset(cc, 0, sizeof *cc);
	if ((root = ssm_json_parse(payload, len, &why)) == NULL)
		goto fail;
	if (msg_get_text(root, "MessageId", &cc->message_id, &why) != 0 ||
	    msg_get_text(root, "CreatedDate", &cc->created_date, &why) != 0 ||
	    msg_get_text(root, "DestinationId", &cc->destination_id,
	    &why) != 0 ||
	    msg_get_text(root, "SessionId", &cc->session_id, &why) != 0 ||
	    msg_get_text(root, "MessageType", &cc->message_type, &why) != 0 ||
	    msg_get_text(root, "Output", &cc->output, &why) != 0 ||
	    ssm_json_get_int64(root, "SchemaVersion", payload, len, 0,
	    INT64_MIN, &cc->schema_version, &why) != 0)
		goto fail;
	cJSON_Delete(root);
	return (0);

fail:
	ssm_msg_channel_closed_clear(cc);
	return (ssm_json_fail(cause, "channel_closed", why, root));
}

void
ssm_msg_channel_closed_clear(struct ssm_channel_closed *cc)
{
	free(cc->message_id);
	free(cc->created_date);
	free(cc->destination_id);
	free(cc->session_id);
	free(cc->message_type);
	free(cc->output);
	memset(cc, 0, sizeof *cc);
}
