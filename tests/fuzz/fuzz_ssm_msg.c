/*
 * Fuzz the agent message codec: decode arbitrary bytes; whatever decodes
 * is encoded again and must decode to the same message. The payload codecs
 * a decoded message leads to (acknowledge, channel_closed, flag) run too.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "fuzz.h"
#include "ssm_msg.h"

static void
fuzz_payloads(const struct ssm_msg *msg)
{
	struct ssm_ack			 ack;
	struct ssm_channel_closed	 cc;
	uint32_t			 flag;
	char				*cause = NULL;

	if (msg->type == SSM_MSG_ACKNOWLEDGE &&
	    ssm_msg_ack_parse(msg->payload, msg->payload_len, &ack,
	    &cause) == 0 && ack.seq < 0)
		abort();
	free(cause);
	cause = NULL;
	if (msg->type == SSM_MSG_CHANNEL_CLOSED &&
	    ssm_msg_channel_closed_parse(msg->payload, msg->payload_len, &cc,
	    &cause) == 0)
		ssm_msg_channel_closed_clear(&cc);
	free(cause);
	cause = NULL;
	if (msg->payload_type == SSM_PAYLOAD_FLAG &&
	    ssm_msg_flag_parse(msg->payload, msg->payload_len, &flag,
	    &cause) == 0 && msg->payload_len != 4)
		abort();
	free(cause);
}

/* The fields that survive an encode and decode unchanged. */
static int
fuzz_same(const struct ssm_msg *a, const struct ssm_msg *b, int digest)
{
	return (a->type == b->type &&
	    strcmp(a->type_name, b->type_name) == 0 &&
	    a->schema_version == b->schema_version &&
	    a->created_date == b->created_date && a->seq == b->seq &&
	    a->flags == b->flags && memcmp(a->id, b->id, sizeof a->id) == 0 &&
	    (!digest || memcmp(a->digest, b->digest, sizeof a->digest) == 0) &&
	    a->payload_type == b->payload_type &&
	    a->payload_len == b->payload_len &&
	    (a->payload_len == 0 ||
	    memcmp(a->payload, b->payload, a->payload_len) == 0));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ssm_msg	 msg, again;
	struct evbuffer	*out;
	char		*cause = NULL;
	int		 publication, rv;

	if (ssm_msg_decode(data, size, &msg, &cause) != 0) {
		if (cause == NULL || *cause == '\0')
			abort();	/* every refusal says why */
		free(cause);
		return (0);
	}
	if (msg.payload_len > size || (msg.payload_len > 0 &&
	    (msg.payload < data || msg.payload + msg.payload_len >
	    data + size)))
		abort();	/* the payload must lie inside the input */
	fuzz_payloads(&msg);

	out = evbuffer_new();
	rv = ssm_msg_encode(&msg, out, &cause);
	if (rv != 0) {
		/* Only an empty stream payload decodes but cannot be sent. */
		if (!ssm_msg_is_sequenced(msg.type) || msg.payload_len != 0)
			abort();
		free(cause);
		evbuffer_free(out);
		return (0);
	}
	if (ssm_msg_decode(evbuffer_pullup(out, -1), evbuffer_get_length(out),
	    &again, &cause) != 0)
		abort();
	/* Publication digests are never checked, so may differ. */
	publication = msg.type == SSM_MSG_START_PUBLICATION ||
	    msg.type == SSM_MSG_PAUSE_PUBLICATION;
	if (!fuzz_same(&msg, &again, !publication && msg.payload_len > 0))
		abort();
	evbuffer_free(out);
	return (0);
}
