/*
 * Print agent messages made by gatewayd's encoder, one JSON object a
 * line, for the independent decoder check (check-ssm-session.js): every
 * type and payload type we send or the emulator sends, sequence numbers
 * from 0 to 2^62, ids with every byte pattern that would show a wrong
 * half-swap, and payloads from 1 byte to 64 KiB. Ids and dates are fixed,
 * so the output is the same on every run.
 */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "ssm_msg.h"
#include "util.h"
#include "xmalloc.h"

int	main(void);

struct sample {
	enum ssm_msg_type	 type;
	uint32_t		 payload_type;
	int64_t			 seq;
	const char		*id;
	size_t			 len;		/* 0: use text */
	const char		*text;
};

static const struct sample samples[] = {
	{ SSM_MSG_INPUT_STREAM_DATA, SSM_PAYLOAD_OUTPUT, 1,
	    "dd01e56b-ff48-483e-a508-b5f073f31b16", 0, "hello" },
	{ SSM_MSG_INPUT_STREAM_DATA, SSM_PAYLOAD_OUTPUT, 0,
	    "00112233-4455-6677-8899-aabbccddeeff", 1, NULL },
	{ SSM_MSG_INPUT_STREAM_DATA, SSM_PAYLOAD_OUTPUT, 2,
	    "ffeeddcc-bbaa-9988-7766-554433221100", 1023, NULL },
	{ SSM_MSG_INPUT_STREAM_DATA, SSM_PAYLOAD_OUTPUT, 3,
	    "01020304-0506-0708-090a-0b0c0d0e0f10", 1024, NULL },
	{ SSM_MSG_OUTPUT_STREAM_DATA, SSM_PAYLOAD_OUTPUT, 4,
	    "10000000-0000-4000-8000-000000000001", 1025, NULL },
	{ SSM_MSG_OUTPUT_STREAM_DATA, SSM_PAYLOAD_OUTPUT, 5,
	    "20000000-0000-4000-8000-000000000002", 4096, NULL },
	{ SSM_MSG_OUTPUT_STREAM_DATA, SSM_PAYLOAD_OUTPUT, 6,
	    "30000000-0000-4000-8000-000000000003", 65536, NULL },
	{ SSM_MSG_INPUT_STREAM_DATA, SSM_PAYLOAD_HANDSHAKE_RESPONSE, 0,
	    "0b7a1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", 0,
	    "{\"ClientVersion\":\"1.2.677.0\",\"ProcessedClientActions\":"
	    "[{\"ActionType\":\"SessionType\",\"ActionStatus\":1,"
	    "\"ActionResult\":null,\"Error\":\"\"}],\"Errors\":null}" },
	{ SSM_MSG_OUTPUT_STREAM_DATA, SSM_PAYLOAD_HANDSHAKE_REQUEST, 0,
	    "c0ffee00-1234-4abc-9def-0123456789ab", 0,
	    "{\"AgentVersion\":\"3.3.987.0\",\"RequestedClientActions\":"
	    "[{\"ActionType\":\"SessionType\",\"ActionParameters\":"
	    "{\"SessionType\":\"Port\",\"Properties\":{\"portNumber\":\"22\","
	    "\"type\":\"LocalPortForwarding\"}}}]}" },
	{ SSM_MSG_OUTPUT_STREAM_DATA, SSM_PAYLOAD_HANDSHAKE_COMPLETE, 1,
	    "c0ffee01-1234-4abc-9def-0123456789ab", 0,
	    "{\"HandshakeTimeToComplete\":31502000,\"CustomerMessage\":\"\"}" },
	{ SSM_MSG_INPUT_STREAM_DATA, SSM_PAYLOAD_FLAG, 7,
	    "6f1c2b3a-4d5e-4f60-8172-93a4b5c6d7e8", 4, "flag" },
	{ SSM_MSG_OUTPUT_STREAM_DATA, SSM_PAYLOAD_FLAG, 12,
	    "00000000-0000-0000-0000-000000000000", 4, "flag" },
	{ SSM_MSG_INPUT_STREAM_DATA, SSM_PAYLOAD_OUTPUT, 4294967296LL,
	    "ffffffff-ffff-ffff-ffff-ffffffffffff", 300, NULL },
	{ SSM_MSG_INPUT_STREAM_DATA, SSM_PAYLOAD_OUTPUT, 9007199254740991LL,
	    "12345678-9abc-4def-8123-456789abcdef", 17, NULL },
	/* Above 2^53: a JavaScript number cannot hold these exactly. */
	{ SSM_MSG_INPUT_STREAM_DATA, SSM_PAYLOAD_OUTPUT, 9007199254740993LL,
	    "87654321-9abc-4def-8123-456789abcdef", 17, NULL },
	{ SSM_MSG_OUTPUT_STREAM_DATA, SSM_PAYLOAD_OUTPUT, 4611686018427387904LL,
	    "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", 2, NULL },
	{ SSM_MSG_ACKNOWLEDGE, SSM_PAYLOAD_NONE, 0,
	    "3b9e4a2c-5f1d-4c8e-9a7b-0e6f2d1c4b5a", 0,
	    "{\"AcknowledgedMessageType\":\"input_stream_data\","
	    "\"AcknowledgedMessageId\":\"dd01e56b-ff48-483e-a508-b5f073f31b16\","
	    "\"AcknowledgedMessageSequenceNumber\":1,"
	    "\"IsSequentialMessage\":true}" },
	{ SSM_MSG_CHANNEL_CLOSED, SSM_PAYLOAD_NONE, 0,
	    "a1c4e7f0-2b5d-4a8e-9c1f-3d6b9e2a5c8f", 0,
	    "{\"MessageId\":\"a1c4e7f0-2b5d-4a8e-9c1f-3d6b9e2a5c8f\","
	    "\"CreatedDate\":\"2023-11-14T22:13:20.000Z\",\"DestinationId\":"
	    "\"i-0123456789abcdef0\",\"SessionId\":\"alice-07f3c2a91d4be5680\","
	    "\"MessageType\":\"channel_closed\",\"SchemaVersion\":1,"
	    "\"Output\":\"\"}" },
	{ SSM_MSG_START_PUBLICATION, SSM_PAYLOAD_NONE, 0,
	    "f0e1d2c3-b4a5-4697-8877-665544332211", 0, "{}" },
	{ SSM_MSG_PAUSE_PUBLICATION, SSM_PAYLOAD_NONE, 0,
	    "f0e1d2c3-b4a5-4697-8877-665544332212", 0, "{}" },
};

/* The payload of sample sp: its text, a flag, or a byte pattern. */
static uint8_t *
samples_payload(const struct sample *sp, size_t *len)
{
	uint8_t	*p;
	size_t	 i;

	if (sp->text != NULL && strcmp(sp->text, "flag") == 0) {
		p = xmalloc(4);
		ssm_msg_flag_payload(sp->seq == 7 ?
		    SSM_FLAG_TERMINATE_SESSION : SSM_FLAG_CONNECT_TO_PORT_ERROR,
		    p);
		*len = 4;
	} else if (sp->text != NULL) {
		*len = strlen(sp->text);
		p = xmemdup(sp->text, *len);
	} else {
		*len = sp->len;
		p = xmalloc(*len);
		for (i = 0; i < *len; i++)
			p[i] = (uint8_t)(i * 151 + sp->len);
	}
	return (p);
}

static void
samples_hex(const void *buf, size_t len)
{
	char	*hex;

	hex = xmalloc(2 * len + 1);
	util_hex(buf, len, hex);
	fputs(hex, stdout);
	free(hex);
}

int
main(void)
{
	const struct sample	*sp;
	struct ssm_msg		 msg;
	struct evbuffer		*out;
	uint8_t			 id[UUID_LEN], digest[SHA256_LEN], *payload;
	size_t			 i, len;
	char			*cause;

	for (i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		sp = &samples[i];
		if (util_uuid_parse(sp->id, id) != 0)
			return (1);
		payload = samples_payload(sp, &len);
		ssm_msg_init(&msg, sp->type, sp->seq, sp->payload_type, id,
		    1700000000000ULL + i);
		msg.payload = payload;
		msg.payload_len = len;
		out = evbuffer_new();
		if (ssm_msg_encode(&msg, out, &cause) != 0) {
			fprintf(stderr, "sample %zu: %s\n", i, cause);
			return (1);
		}
		util_sha256(payload, len, digest);
		printf("{\"type\":\"%s\",\"seq\":\"%" PRId64 "\",\"id\":\"%s\","
		    "\"created\":%" PRIu64 ",\"flags\":%" PRIu64 ","
		    "\"payload_type\":%" PRIu32 ",\"digest\":\"",
		    ssm_msg_type_name(sp->type), sp->seq, sp->id,
		    msg.created_date, msg.flags, msg.payload_type);
		samples_hex(digest, sizeof digest);
		printf("\",\"payload\":\"");
		samples_hex(payload, len);
		printf("\",\"hex\":\"");
		samples_hex(evbuffer_pullup(out, -1), evbuffer_get_length(out));
		printf("\"}\n");
		evbuffer_free(out);
		free(payload);
	}
	return (0);
}
