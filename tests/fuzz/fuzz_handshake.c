/*
 * Fuzz the JSON payload parsers of the data channel: the first byte picks
 * one (acknowledge, HandshakeRequest, HandshakeResponse, HandshakeComplete,
 * channel_closed, OpenDataChannel), the rest is its input. What parses is
 * written again; that text must parse, and writing it once more must give
 * the same bytes (the writers are stable once the input is normalised).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "fuzz.h"
#include "ssm_handshake.h"
#include "ssm_msg.h"
#include "util.h"

/* Parse buf as kind; on success write it into out and return 0. */
static int
fuzz_roundtrip(int kind, const uint8_t *buf, size_t len, struct evbuffer *out)
{
	struct ssm_ack			 ack;
	struct ssm_msg			 msg;
	struct ssm_handshake_request	 req;
	struct ssm_handshake_response	 resp;
	struct ssm_handshake_complete	 hc;
	struct ssm_channel_closed	 cc;
	struct ssm_open_data_channel	 odc;
	char				*cause = NULL;
	int				 rv = -1;

	switch (kind) {
	case 0:
		if ((rv = ssm_msg_ack_parse(buf, len, &ack, &cause)) != 0)
			break;
		memset(&msg, 0, sizeof msg);
		msg.type = ssm_msg_type_from_name(ack.type_name);
		memcpy(msg.type_name, ack.type_name, sizeof msg.type_name);
		if (ack.id[0] != '\0' && util_uuid_parse(ack.id, msg.id) != 0)
			abort();
		msg.seq = ack.seq;
		ssm_msg_ack_payload(&msg, out);
		break;
	case 1:
		if ((rv = ssm_handshake_request_parse(buf, len, &req,
		    &cause)) != 0)
			break;
		ssm_handshake_is_port_forwarding(&req);
		ssm_handshake_answer(&req, "1.2.677.0", &resp);
		ssm_handshake_response_clear(&resp);
		ssm_handshake_request_write(&req, out);
		ssm_handshake_request_clear(&req);
		break;
	case 2:
		if ((rv = ssm_handshake_response_parse(buf, len, &resp,
		    &cause)) != 0)
			break;
		ssm_handshake_response_ok(&resp);
		ssm_handshake_response_write(&resp, out);
		ssm_handshake_response_clear(&resp);
		break;
	case 3:
		if ((rv = ssm_handshake_complete_parse(buf, len, &hc,
		    &cause)) != 0)
			break;
		ssm_handshake_complete_write(&hc, out);
		ssm_handshake_complete_clear(&hc);
		break;
	case 4:
		if ((rv = ssm_msg_channel_closed_parse(buf, len, &cc,
		    &cause)) != 0)
			break;
		ssm_msg_channel_closed_payload(&cc, out);
		ssm_msg_channel_closed_clear(&cc);
		break;
	default:
		if ((rv = ssm_handshake_open_parse(buf, len, &odc,
		    &cause)) != 0)
			break;
		ssm_handshake_open_write(&odc, out);
		ssm_handshake_open_clear(&odc);
		break;
	}
	if (rv != 0 && (cause == NULL || *cause == '\0'))
		abort();	/* every refusal says why */
	free(cause);
	return (rv);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer	*first, *second, *third;
	int		 kind;

	if (size < 1)
		return (0);
	kind = data[0] % 6;
	first = evbuffer_new();
	second = evbuffer_new();
	third = evbuffer_new();
	if (fuzz_roundtrip(kind, data + 1, size - 1, first) == 0) {
		if (fuzz_roundtrip(kind, evbuffer_pullup(first, -1),
		    evbuffer_get_length(first), second) != 0 ||
		    fuzz_roundtrip(kind, evbuffer_pullup(second, -1),
		    evbuffer_get_length(second), third) != 0)
			abort();	/* our own output must parse */
		if (evbuffer_get_length(second) != evbuffer_get_length(third) ||
		    memcmp(evbuffer_pullup(second, -1),
		    evbuffer_pullup(third, -1),
		    evbuffer_get_length(second)) != 0)
			abort();
	}
	evbuffer_free(first);
	evbuffer_free(second);
	evbuffer_free(third);
	return (0);
}
