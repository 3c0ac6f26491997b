/*
 * Unit tests for msg.c: agent messages, acknowledges, flags and
 * channel_closed, from the shared vectors (testdata/ssm/agent-messages.json,
 * acks.json) and the hex examples of ssm-data-channel.md §4.8 and
 * ssm-port-mux.md §7.5. Where gatewayd's verdict differs from the official
 * client's, the table says so and why.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <event2/buffer.h>

#include "ssm_msg.h"
#include "testvec.h"
#include "util.h"
#include "xmalloc.h"

#define CREATED	1700000000000ULL

/* Build a message from a vector's "fields" and payload. */
static void
msg_from_fields(const cJSON *fields, const uint8_t *payload, size_t len,
    struct ssm_msg *msg)
{
	uint8_t		 id[UUID_LEN];
	const char	*type = testvec_str(fields, "MessageType");

	assert_int_equal(util_uuid_parse(testvec_str(fields, "MessageId"),
	    id), 0);
	ssm_msg_init(msg, ssm_msg_type_from_name(type),
	    (int64_t)testvec_num(fields, "SequenceNumber"),
	    (uint32_t)testvec_num(fields, "PayloadType"), id,
	    (uint64_t)testvec_num(fields, "CreatedDate"));
	if (msg->type == SSM_MSG_UNKNOWN)
		strlcpy(msg->type_name, type, sizeof msg->type_name);
	msg->schema_version = (uint32_t)testvec_num(fields, "SchemaVersion");
	msg->flags = (uint64_t)testvec_num(fields, "Flags");
	msg->payload = payload;
	msg->payload_len = len;
}

/* Check that a decoded message has every field of the vector. */
static void
msg_check_fields(const struct ssm_msg *msg, const cJSON *fields)
{
	char	id[UUID_STR_LEN], *digest;

	assert_string_equal(msg->type_name, testvec_str(fields,
	    "MessageType"));
	assert_int_equal(msg->header_length, testvec_num(fields,
	    "HeaderLength"));
	assert_int_equal(msg->schema_version, testvec_num(fields,
	    "SchemaVersion"));
	assert_true((double)msg->created_date == testvec_num(fields,
	    "CreatedDate"));
	assert_true((double)msg->seq == testvec_num(fields,
	    "SequenceNumber"));
	assert_true((double)msg->flags == testvec_num(fields, "Flags"));
	util_uuid_format(msg->id, id);
	assert_string_equal(id, testvec_str(fields, "MessageId"));
	digest = testvec_hex_bytes(msg->digest, SHA256_LEN);
	assert_string_equal(digest, testvec_str(fields, "PayloadDigest"));
	free(digest);
	assert_int_equal(msg->payload_type, testvec_num(fields,
	    "PayloadType"));
	assert_int_equal(msg->payload_len, testvec_num(fields,
	    "PayloadLength"));
}

/* Every message the official serializer built: same bytes, same fields. */
static void
test_ssm_msg_vectors_encode_and_decode(void **state)
{
	cJSON		*root, *m, *fields;
	struct ssm_msg	 msg, back;
	struct evbuffer	*out;
	uint8_t		*payload, *wire, id[UUID_LEN];
	size_t		 plen, wlen;
	char		*hex, *cause;
	int		 n = 0;

	root = testvec_load("ssm/agent-messages.json");
	cJSON_ArrayForEach(m, testvec_get(root, "messages")) {
		payload = testvec_unhex(testvec_str(m, "payload_hex"), &plen);
		out = evbuffer_new();
		if (!cJSON_IsTrue(testvec_get(m, "plugin_serializer_ok"))) {
			/* Empty stream payload: refused by both (§4.7 r. 7). */
			memset(id, 0, sizeof id);
			ssm_msg_init(&msg, SSM_MSG_INPUT_STREAM_DATA, 9,
			    SSM_PAYLOAD_OUTPUT, id, CREATED);
			assert_int_equal(ssm_msg_encode(&msg, out, &cause), -1);
			assert_string_equal(cause,
			    "input_stream_data 9: empty payload");
			free(cause);
			evbuffer_free(out);
			free(payload);
			continue;
		}
		fields = testvec_get(m, "fields");
		msg_from_fields(fields, payload, plen, &msg);
		assert_int_equal(ssm_msg_encode(&msg, out, &cause), 0);
		hex = testvec_hex(out);
		assert_string_equal(hex, testvec_str(m, "hex"));
		free(hex);

		wire = testvec_unhex(testvec_str(m, "hex"), &wlen);
		assert_int_equal(ssm_msg_decode(wire, wlen, &back, &cause), 0);
		msg_check_fields(&back, fields);
		assert_int_equal(back.type, msg.type);
		assert_memory_equal(back.payload, payload, plen);
		assert_ptr_equal(back.payload, wire + SSM_MSG_HEADER_LEN);
		free(wire);
		evbuffer_free(out);
		free(payload);
		n++;
	}
	assert_int_equal(n, 15);
	cJSON_Delete(root);
}

/*
 * Frames the official serializer cannot build. gatewayd accepts them all:
 * an empty stream payload is a sender's error but not a reason to drop
 * (§4.7 rule 7 binds senders; rule 6 checks the digest only when there is
 * a payload), and publication messages are accepted whatever they hold.
 */
static void
test_ssm_msg_hand_built_accepted(void **state)
{
	static const struct {
		const char		*name;
		enum ssm_msg_type	 type;
	} cases[] = {
		{ "empty_payload_handbuilt", SSM_MSG_INPUT_STREAM_DATA },
		{ "empty_payload_zero_digest", SSM_MSG_INPUT_STREAM_DATA },
		{ "start_publication_zeroed", SSM_MSG_START_PUBLICATION },
		/*
		 * The plugin reads 116 payload bytes here (it starts the
		 * payload at HeaderLength + 4 = 4); gatewayd's payload starts
		 * at byte 120, so there is none.
		 */
		{ "pause_publication_all_zero", SSM_MSG_PAUSE_PUBLICATION },
	};
	cJSON		*root, *m;
	struct ssm_msg	 msg;
	uint8_t		*wire;
	size_t		 wlen, i, seen = 0;
	char		*cause = NULL;

	root = testvec_load("ssm/agent-messages.json");
	cJSON_ArrayForEach(m, testvec_get(root, "hand_built")) {
		for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			if (strcmp(cases[i].name, testvec_str(m, "name")) == 0)
				break;
		}
		assert_true(i < sizeof cases / sizeof cases[0]);
		wire = testvec_unhex(testvec_str(m, "hex"), &wlen);
		if (ssm_msg_decode(wire, wlen, &msg, &cause) != 0)
			fail_msg("%s: %s", cases[i].name, cause);
		assert_int_equal(msg.type, cases[i].type);
		assert_int_equal(msg.payload_len, 0);
		free(wire);
		seen++;
	}
	assert_int_equal(seen, sizeof cases / sizeof cases[0]);
	cJSON_Delete(root);
}

/*
 * gatewayd's verdict on every damaged frame (§4.7). Rows marked "plugin:"
 * are where the official client decides otherwise, and why ours differs.
 */
static const struct {
	const char	*name;
	const char	*cause;		/* NULL: accepted */
	const char	*type_name;	/* when accepted */
} malformed[] = {
	{ "empty_frame",
	    "frame of 0 bytes is shorter than the 120-byte header", NULL },
	{ "truncated_20",
	    "frame of 20 bytes is shorter than the 120-byte header", NULL },
	{ "truncated_100",
	    "frame of 100 bytes is shorter than the 120-byte header", NULL },
	/* plugin: panics (ends its read loop); rule 1 drops the frame. */
	{ "truncated_116",
	    "frame of 116 bytes is shorter than the 120-byte header", NULL },
	{ "truncated_119",
	    "frame of 119 bytes is shorter than the 120-byte header", NULL },
	/* plugin: rejects on the digest; we see the length first (rule 4). */
	{ "header_only_120", "input_stream_data: payload length 5 does not "
	    "match the 0 bytes after the header", NULL },
	{ "wrong_digest", "input_stream_data 1: payload digest mismatch",
	    NULL },
	{ "payload_corrupted", "input_stream_data 1: payload digest mismatch",
	    NULL },
	/* plugin: accepts (it never compares PayloadLength); rule 4. */
	{ "payload_length_too_large", "input_stream_data: payload length "
	    "65535 does not match the 5 bytes after the header", NULL },
	{ "payload_length_too_small", "input_stream_data: payload length 2 "
	    "does not match the 5 bytes after the header", NULL },
	/* plugin: accepts and skips the digest because PayloadLength is 0. */
	{ "payload_length_zero_bad_digest", "input_stream_data: payload "
	    "length 0 does not match the 5 bytes after the header", NULL },
	/* plugin: rejects on the digest of all 11 bytes; rule 4 first. */
	{ "trailing_bytes", "input_stream_data: payload length 5 does not "
	    "match the 11 bytes after the header", NULL },
	{ "header_length_zero",
	    "input_stream_data: header length 0 is not 116", NULL },
	/* plugin: rejects on the digest (payload taken from byte 104). */
	{ "header_length_too_small",
	    "input_stream_data: header length 100 is not 116", NULL },
	/* plugin: accepts a 9-byte payload from byte 116; rule 3. */
	{ "header_length_too_small_len0",
	    "input_stream_data: header length 112 is not 116", NULL },
	/* plugin: panics; rule 3. */
	{ "header_length_too_large",
	    "input_stream_data: header length 200 is not 116", NULL },
	{ "message_type_blank", "message type is empty", NULL },
	{ "message_type_nul_padded", NULL, "input_stream_data" },
	{ "created_date_zero", "input_stream_data: created date is zero",
	    NULL },
	{ "schema_version_2", NULL, "input_stream_data" },
	{ "unknown_message_type", NULL, "bogus_message_type" },
};

static void
test_ssm_msg_malformed_verdicts(void **state)
{
	cJSON		*root, *m;
	struct ssm_msg	 msg;
	uint8_t		*wire;
	size_t		 wlen, i, seen = 0;
	char		*cause;
	int		 rv;

	root = testvec_load("ssm/agent-messages.json");
	cJSON_ArrayForEach(m, testvec_get(root, "malformed")) {
		for (i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
			if (strcmp(malformed[i].name,
			    testvec_str(m, "name")) == 0)
				break;
		}
		if (i == sizeof malformed / sizeof malformed[0])
			fail_msg("no verdict for vector %s",
			    testvec_str(m, "name"));
		wire = testvec_unhex(testvec_str(m, "hex"), &wlen);
		cause = NULL;
		rv = ssm_msg_decode(wire, wlen, &msg, &cause);
		if (malformed[i].cause != NULL) {
			assert_int_equal(rv, -1);
			assert_string_equal(cause, malformed[i].cause);
		} else {
			if (rv != 0)
				fail_msg("%s: %s", malformed[i].name, cause);
			assert_string_equal(msg.type_name,
			    malformed[i].type_name);
			assert_int_equal(msg.payload_len, 5);
		}
		free(cause);
		free(wire);
		seen++;
	}
	assert_int_equal(seen, sizeof malformed / sizeof malformed[0]);
	cJSON_Delete(root);
}

static void
test_ssm_msg_unknown_type_is_returned(void **state)
{
	static const uint8_t	 junk[] = { 'x', 0x01, 'y', 0xff };
	uint8_t			 id[UUID_LEN] = { 0 }, *wire;
	struct ssm_msg		 msg, back;
	struct evbuffer		*out = evbuffer_new();
	char			*cause;

	ssm_msg_init(&msg, SSM_MSG_UNKNOWN, 0, 0, id, CREATED);
	assert_int_equal(ssm_msg_encode(&msg, out, &cause), -1);
	assert_string_equal(cause, "message type has no name");
	free(cause);

	/* Names are cleaned for logging: control bytes show as '?'. */
	strlcpy(msg.type_name, "  new_type", sizeof msg.type_name);
	msg.payload = junk;
	msg.payload_len = sizeof junk;
	assert_int_equal(ssm_msg_encode(&msg, out, &cause), 0);
	wire = evbuffer_pullup(out, -1);
	wire[4 + 5] = 0x07;
	assert_int_equal(ssm_msg_decode(wire, evbuffer_get_length(out), &back,
	    &cause), 0);
	assert_int_equal(back.type, SSM_MSG_UNKNOWN);
	assert_string_equal(back.type_name, "new?type");
	evbuffer_free(out);
}

/*
 * The worked examples of the specs, typed from the documents: (a), (b) and
 * (c) of ssm-data-channel.md §4.8 and the SYN+PSH message of
 * ssm-port-mux.md §7.5.
 */
static void
test_ssm_msg_spec_examples(void **state)
{
	static const char *ack_payload = "{\"AcknowledgedMessageType\":"
	    "\"input_stream_data\",\"AcknowledgedMessageId\":"
	    "\"dd01e56b-ff48-483e-a508-b5f073f31b16\","
	    "\"AcknowledgedMessageSequenceNumber\":1,"
	    "\"IsSequentialMessage\":true}";
	static const char *example_a =
	    "00 00 00 74 69 6e 70 75 74 5f 73 74 72 65 61 6d"
	    "5f 64 61 74 61 20 20 20 20 20 20 20 20 20 20 20"
	    "20 20 20 20 00 00 00 01 00 00 01 8b cf e5 68 00"
	    "00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00"
	    "a5 08 b5 f0 73 f3 1b 16 dd 01 e5 6b ff 48 48 3e"
	    "2c f2 4d ba 5f b0 a3 0e 26 e8 3b 2a c5 b9 e2 9e"
	    "1b 16 1e 5c 1f a7 42 5e 73 04 33 62 93 8b 98 24"
	    "00 00 00 01 00 00 00 05 68 65 6c 6c 6f";
	static const char *example_b_header =
	    "00 00 00 74 61 63 6b 6e 6f 77 6c 65 64 67 65 20"
	    "20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20"
	    "20 20 20 20 00 00 00 01 00 00 01 8b cf e5 68 00"
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 03"
	    "9a 7b 0e 6f 2d 1c 4b 5a 3b 9e 4a 2c 5f 1d 4c 8e"
	    "6a fd 58 7c 84 53 06 13 33 04 69 52 8a e9 38 c0"
	    "15 08 c3 cd f4 0c 01 ca db ed 6e 02 2c e1 9a 90"
	    "00 00 00 00 00 00 00 af";
	static const char *example_c =
	    "00 00 00 74 69 6e 70 75 74 5f 73 74 72 65 61 6d"
	    "5f 64 61 74 61 20 20 20 20 20 20 20 20 20 20 20"
	    "20 20 20 20 00 00 00 01 00 00 01 8b cf e5 68 00"
	    "00 00 00 00 00 00 00 07 00 00 00 00 00 00 00 00"
	    "81 72 93 a4 b5 c6 d7 e8 6f 1c 2b 3a 4d 5e 4f 60"
	    "43 3e bf 5b c0 3d ff a3 85 36 67 32 07 a2 12 81"
	    "61 2c ef 5f aa 9b c7 a4 d5 b9 be 2f db 12 cf 1a"
	    "00 00 00 0a 00 00 00 04 00 00 00 02";
	static const char *example_mux =
	    "00 00 00 74 69 6e 70 75 74 5f 73 74 72 65 61 6d"
	    "5f 64 61 74 61 20 20 20 20 20 20 20 20 20 20 20"
	    "20 20 20 20 00 00 00 01 00 00 01 8b cf e5 68 00"
	    "00 00 00 00 00 00 00 05 00 00 00 00 00 00 00 00"
	    "99 aa bb cc dd ee ff 00 11 22 33 44 55 66 77 88"
	    "32 d5 42 c6 45 ef 19 34 c1 16 94 2c 2c 52 cd 14"
	    "74 5b d6 eb bc f2 93 a1 21 16 de 2e 64 04 6b 35"
	    "00 00 00 01 00 00 00 15 01 00 00 00 03 00 00 00"
	    "01 02 05 00 03 00 00 00 47 45 54 20 2f";
	static const uint8_t	 smux_bytes[] = {
		0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
		0x01, 0x02, 0x05, 0x00, 0x03, 0x00, 0x00, 0x00,
		'G', 'E', 'T', ' ', '/',
	};
	struct ssm_msg	 msg, acked;
	struct evbuffer	*out = evbuffer_new();
	uint8_t		 id[UUID_LEN], flag[4], *want, *hdr;
	size_t		 wlen, hlen;
	char		*cause;

	/* (a) */
	assert_int_equal(util_uuid_parse(
	    "dd01e56b-ff48-483e-a508-b5f073f31b16", id), 0);
	ssm_msg_init(&msg, SSM_MSG_INPUT_STREAM_DATA, 1, SSM_PAYLOAD_OUTPUT,
	    id, CREATED);
	msg.payload = (const uint8_t *)"hello";
	msg.payload_len = 5;
	assert_int_equal(ssm_msg_encode(&msg, out, &cause), 0);
	want = testvec_unhex(example_a, &wlen);
	assert_int_equal(evbuffer_get_length(out), 125);
	assert_memory_equal(evbuffer_pullup(out, -1), want, wlen);
	assert_int_equal(ssm_msg_decode(want, wlen, &acked, &cause), 0);
	free(want);
	evbuffer_drain(out, evbuffer_get_length(out));

	/* (b): the agent's acknowledge of (a). */
	assert_int_equal(util_uuid_parse(
	    "3b9e4a2c-5f1d-4c8e-9a7b-0e6f2d1c4b5a", id), 0);
	ssm_msg_ack_encode(&acked, id, CREATED, out);
	hdr = testvec_unhex(example_b_header, &hlen);
	assert_int_equal(evbuffer_get_length(out), 295);
	assert_memory_equal(evbuffer_pullup(out, -1), hdr, hlen);
	assert_memory_equal(evbuffer_pullup(out, -1) + hlen, ack_payload,
	    strlen(ack_payload));
	free(hdr);
	evbuffer_drain(out, evbuffer_get_length(out));

	/* (c): TerminateSession flag. */
	assert_int_equal(util_uuid_parse(
	    "6f1c2b3a-4d5e-4f60-8172-93a4b5c6d7e8", id), 0);
	ssm_msg_init(&msg, SSM_MSG_INPUT_STREAM_DATA, 7, SSM_PAYLOAD_FLAG, id,
	    CREATED);
	ssm_msg_flag_payload(SSM_FLAG_TERMINATE_SESSION, flag);
	msg.payload = flag;
	msg.payload_len = sizeof flag;
	assert_int_equal(ssm_msg_encode(&msg, out, &cause), 0);
	want = testvec_unhex(example_c, &wlen);
	assert_int_equal(wlen, 124);
	assert_int_equal(evbuffer_get_length(out), wlen);
	assert_memory_equal(evbuffer_pullup(out, -1), want, wlen);
	free(want);
	evbuffer_drain(out, evbuffer_get_length(out));

	/* ssm-port-mux.md §7.5: SYN 3 and PSH 3 "GET /" in one message. */
	assert_int_equal(util_uuid_parse(
	    "11223344-5566-7788-99aa-bbccddeeff00", id), 0);
	ssm_msg_init(&msg, SSM_MSG_INPUT_STREAM_DATA, 5, SSM_PAYLOAD_OUTPUT,
	    id, CREATED);
	msg.payload = smux_bytes;
	msg.payload_len = sizeof smux_bytes;
	assert_int_equal(ssm_msg_encode(&msg, out, &cause), 0);
	want = testvec_unhex(example_mux, &wlen);
	assert_int_equal(evbuffer_get_length(out), wlen);
	assert_memory_equal(evbuffer_pullup(out, -1), want, wlen);
	free(want);
	evbuffer_free(out);
}

/*
 * The official client turns a lone 0x0a payload into 0x0d on its send
 * path; gatewayd sends the byte it was given (ssm-data-channel.md §6.7).
 */
static void
test_ssm_msg_lone_newline_unchanged(void **state)
{
	cJSON		*root, *m;
	struct ssm_msg	 msg;
	struct evbuffer	*out = evbuffer_new();
	const uint8_t	 lf = 0x0a;
	char		*hex, *cause;

	root = testvec_load("ssm/agent-messages.json");
	m = cJSON_GetArrayItem(testvec_get(root, "plugin_send_path"), 0);
	msg_from_fields(testvec_get(m, "fields"), &lf, 1, &msg);
	assert_int_equal(ssm_msg_encode(&msg, out, &cause), 0);
	hex = testvec_hex(out);
	assert_string_not_equal(hex, testvec_str(m, "hex"));
	assert_int_equal(strcmp(hex + strlen(hex) - 2, "0a"), 0);
	cJSON_ArrayForEach(m, testvec_get(root, "messages")) {
		if (strcmp(testvec_str(m, "name"), "input_lone_lf_correct") == 0)
			assert_string_equal(hex, testvec_str(m, "hex"));
	}
	free(hex);
	evbuffer_free(out);
	cJSON_Delete(root);
}

/* Every strict prefix of a valid message is refused, without overreads. */
static void
test_ssm_msg_prefixes_refused(void **state)
{
	cJSON		*root, *m;
	struct ssm_msg	 msg;
	uint8_t		*wire, *copy;
	size_t		 wlen, n;
	char		*cause;

	root = testvec_load("ssm/agent-messages.json");
	cJSON_ArrayForEach(m, testvec_get(root, "messages")) {
		if (!cJSON_IsTrue(testvec_get(m, "plugin_serializer_ok")))
			continue;
		wire = testvec_unhex(testvec_str(m, "hex"), &wlen);
		for (n = 0; n < wlen; n++) {
			/* Publication messages accept anything of 120+. */
			if (n >= SSM_MSG_HEADER_LEN && strstr(testvec_str(m,
			    "name"), "publication") != NULL)
				continue;
			copy = xmemdup(wire, n > 0 ? n : 1);
			assert_int_equal(ssm_msg_decode(copy, n, &msg, &cause),
			    -1);
			free(cause);
			free(copy);
		}
		free(wire);
	}
	cJSON_Delete(root);
}

/* Moving the payload from an evbuffer gives the same bytes. */
static void
test_ssm_msg_encode_buffer_same_bytes(void **state)
{
	struct evbuffer	*a = evbuffer_new(), *b = evbuffer_new();
	struct evbuffer	*payload = evbuffer_new();
	struct ssm_msg	 msg;
	uint8_t		 id[UUID_LEN], data[5000];
	size_t		 i;
	char		*cause;

	for (i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7);
	util_uuid_v4(id);
	ssm_msg_init(&msg, SSM_MSG_OUTPUT_STREAM_DATA, 0, SSM_PAYLOAD_OUTPUT,
	    id, CREATED);
	assert_int_equal(msg.flags, SSM_MSG_FLAG_SYN);
	msg.payload = data;
	msg.payload_len = sizeof data;
	assert_int_equal(ssm_msg_encode(&msg, a, &cause), 0);
	/* Several chains: the digest must cover them all, in order. */
	for (i = 0; i < sizeof data; i += 700)
		evbuffer_add(payload, data + i,
		    sizeof data - i < 700 ? sizeof data - i : 700);
	assert_int_equal(ssm_msg_encode_buffer(&msg, payload, b, &cause), 0);
	assert_int_equal(evbuffer_get_length(payload), 0);
	assert_int_equal(evbuffer_get_length(a), evbuffer_get_length(b));
	assert_memory_equal(evbuffer_pullup(a, -1), evbuffer_pullup(b, -1),
	    evbuffer_get_length(a));

	/* An empty evbuffer is an empty payload: refused for stream data. */
	assert_int_equal(ssm_msg_encode_buffer(&msg, payload, b, &cause), -1);
	free(cause);
	msg.seq = -1;
	assert_int_equal(ssm_msg_encode(&msg, b, &cause), -1);
	assert_string_equal(cause,
	    "output_stream_data: sequence number -1 is negative");
	free(cause);
	evbuffer_free(a);
	evbuffer_free(b);
	evbuffer_free(payload);
}

static void
test_ssm_msg_negative_sequence_refused(void **state)
{
	struct evbuffer	*out = evbuffer_new();
	struct ssm_msg	 msg;
	uint8_t		 id[UUID_LEN] = { 1 }, *wire;
	char		*cause;

	ssm_msg_init(&msg, SSM_MSG_OUTPUT_STREAM_DATA, 3, SSM_PAYLOAD_OUTPUT,
	    id, CREATED);
	msg.payload = (const uint8_t *)"x";
	msg.payload_len = 1;
	assert_int_equal(ssm_msg_encode(&msg, out, &cause), 0);
	wire = evbuffer_pullup(out, -1);
	memset(wire + 48, 0xff, 8);	/* SequenceNumber -1 */
	assert_int_equal(ssm_msg_decode(wire, evbuffer_get_length(out), &msg,
	    &cause), -1);
	assert_string_equal(cause,
	    "output_stream_data: sequence number -1 is negative");
	free(cause);
	evbuffer_free(out);
}

static void
test_ssm_msg_init_flags_and_names(void **state)
{
	static const struct {
		enum ssm_msg_type	 type;
		int64_t			 seq;
		uint64_t		 flags;
		const char		*name;
	} cases[] = {
		{ SSM_MSG_INPUT_STREAM_DATA, 0, 0, "input_stream_data" },
		{ SSM_MSG_OUTPUT_STREAM_DATA, 0, 1, "output_stream_data" },
		{ SSM_MSG_OUTPUT_STREAM_DATA, 1, 0, "output_stream_data" },
		{ SSM_MSG_ACKNOWLEDGE, 0, 3, "acknowledge" },
		{ SSM_MSG_AGENT_SESSION_STATE, 0, 3, "agent_session_state" },
		{ SSM_MSG_CHANNEL_CLOSED, 0, 0, "channel_closed" },
		{ SSM_MSG_START_PUBLICATION, 0, 0, "start_publication" },
		{ SSM_MSG_PAUSE_PUBLICATION, 0, 0, "pause_publication" },
	};
	struct ssm_msg	msg;
	uint8_t		id[UUID_LEN] = { 0 };
	size_t		i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ssm_msg_init(&msg, cases[i].type, cases[i].seq, 0, id, CREATED);
		assert_int_equal(msg.flags, cases[i].flags);
		assert_int_equal(msg.schema_version, 1);
		assert_string_equal(ssm_msg_type_name(cases[i].type),
		    cases[i].name);
		assert_int_equal(ssm_msg_type_from_name(cases[i].name),
		    cases[i].type);
	}
	assert_null(ssm_msg_type_name(SSM_MSG_UNKNOWN));
	assert_int_equal(ssm_msg_type_from_name("interactive_shell"),
	    SSM_MSG_UNKNOWN);
	assert_string_equal(ssm_msg_payload_type_name(7), "HandshakeComplete");
	assert_string_equal(ssm_msg_payload_type_name(99), "unknown");
}

/* Acknowledges byte for byte as the official client builds them. */
static void
test_ssm_msg_acks_exact(void **state)
{
	cJSON		*root, *a, *ackm, *fields;
	struct ssm_msg	 acked;
	struct ssm_ack	 ack;
	struct evbuffer	*out;
	uint8_t		*wire, id[UUID_LEN];
	size_t		 wlen;
	char		*hex, *cause;
	const char	*want;
	int		 n = 0;

	root = testvec_load("ssm/acks.json");
	cJSON_ArrayForEach(a, testvec_get(root, "acks")) {
		wire = testvec_unhex(testvec_str(testvec_get(a,
		    "acknowledged_message"), "hex"), &wlen);
		if (ssm_msg_decode(wire, wlen, &acked, &cause) != 0)
			fail_msg("acknowledged message: %s", cause);

		out = evbuffer_new();
		ssm_msg_ack_payload(&acked, out);
		want = testvec_str(a, "ack_payload_json");
		assert_int_equal(evbuffer_get_length(out), strlen(want));
		assert_memory_equal(evbuffer_pullup(out, -1), want,
		    strlen(want));

		/* Parse it back: the sequence number is exact, even 2^53+1. */
		assert_int_equal(ssm_msg_ack_parse(evbuffer_pullup(out, -1),
		    evbuffer_get_length(out), &ack, &cause), 0);
		assert_true(ack.seq == acked.seq);
		assert_int_equal(ack.sequential, 1);
		assert_string_equal(ack.type_name, acked.type_name);
		evbuffer_drain(out, evbuffer_get_length(out));

		ackm = testvec_get(a, "ack_message");
		fields = testvec_get(ackm, "fields");
		assert_int_equal(util_uuid_parse(testvec_str(ackm,
		    "pinned_MessageId"), id), 0);
		ssm_msg_ack_encode(&acked, id,
		    (uint64_t)testvec_num(ackm, "pinned_CreatedDate"), out);
		hex = testvec_hex(out);
		assert_string_equal(hex, testvec_str(ackm, "hex"));
		assert_int_equal(evbuffer_get_length(out),
		    testvec_num(ackm, "length"));
		assert_int_equal(ssm_msg_decode(evbuffer_pullup(out, -1),
		    evbuffer_get_length(out), &acked, &cause), 0);
		msg_check_fields(&acked, fields);
		free(hex);
		free(wire);
		evbuffer_free(out);
		n++;
	}
	assert_int_equal(n, 6);
	cJSON_Delete(root);
}

/*
 * How gatewayd reads ack payloads, against the official client's reading
 * of the same (acks.json ack_payload_parsing) plus edges of our own.
 */
static void
test_ssm_msg_ack_parse_cases(void **state)
{
	static const struct {
		const char	*payload;
		int64_t		 seq;		/* when accepted */
		const char	*cause;		/* NULL: accepted */
	} cases[] = {
		{ "{\"AcknowledgedMessageType\":\"input_stream_data\","
		    "\"AcknowledgedMessageId\":"
		    "\"dd01e56b-ff48-483e-a508-b5f073f31b16\","
		    "\"AcknowledgedMessageSequenceNumber\":1,"
		    "\"IsSequentialMessage\":true}", 1, NULL },
		/* Only the sequence number matters (§6.2). */
		{ "{\"AcknowledgedMessageSequenceNumber\":7}", 7, NULL },
		{ "{\"AcknowledgedMessageType\":\"input_stream_data\","
		    "\"AcknowledgedMessageId\":\"x\","
		    "\"AcknowledgedMessageSequenceNumber\":\"7\","
		    "\"IsSequentialMessage\":true}", 0, "acknowledge: "
		    "AcknowledgedMessageSequenceNumber is not a number" },
		/*
		 * The official client matches member names case-insensitively
		 * (Go's encoding/json) and reads 7 here; names are
		 * case-sensitive (ssm-data-channel.md §0.2), so for gatewayd
		 * the sequence number is missing.
		 */
		{ "{\"acknowledgedmessagesequencenumber\":7}", 0,
		    "acknowledge: AcknowledgedMessageSequenceNumber is "
		    "missing" },
		{ "not json", 0, "acknowledge: not JSON (error near byte 0)" },
		{ "{\"AcknowledgedMessageSequenceNumber\":-1}", 0,
		    "acknowledge: AcknowledgedMessageSequenceNumber is out "
		    "of range" },
		{ "{\"AcknowledgedMessageSequenceNumber\":1.5}", 0,
		    "acknowledge: AcknowledgedMessageSequenceNumber is not a "
		    "64-bit integer" },
		{ "{\"AcknowledgedMessageSequenceNumber\":9223372036854775808}",
		    0, "acknowledge: AcknowledgedMessageSequenceNumber is not "
		    "a 64-bit integer" },
		{ "{\"AcknowledgedMessageSequenceNumber\":9223372036854775807}",
		    INT64_MAX, NULL },
		{ "{\"AcknowledgedMessageSequenceNumber\":null}", 0,
		    "acknowledge: AcknowledgedMessageSequenceNumber is "
		    "missing" },
		{ "{\"AcknowledgedMessageSequenceNumber\":3} x", 0,
		    "acknowledge: trailing bytes after JSON at byte 40" },
		{ "[3]", 0, "acknowledge: JSON is not an object" },
		{ "", 0, "acknowledge: empty payload is not JSON" },
		/* A nested member of the same name is not the one read. */
		{ "{\"x\":{\"AcknowledgedMessageSequenceNumber\":"
		    "9007199254740993},"
		    "\"AcknowledgedMessageSequenceNumber\":9007199254740995}",
		    9007199254740995LL, NULL },
		{ "{\"IsSequentialMessage\":1,"
		    "\"AcknowledgedMessageSequenceNumber\":3}", 0,
		    "acknowledge: IsSequentialMessage is not a boolean" },
	};
	struct ssm_ack	 ack;
	size_t		 i;
	char		*cause;
	int		 rv;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = NULL;
		rv = ssm_msg_ack_parse((const uint8_t *)cases[i].payload,
		    strlen(cases[i].payload), &ack, &cause);
		if (cases[i].cause == NULL) {
			if (rv != 0)
				fail_msg("case %zu: %s", i, cause);
			assert_true(ack.seq == cases[i].seq);
		} else {
			assert_int_equal(rv, -1);
			assert_string_equal(cause, cases[i].cause);
			free(cause);
		}
	}
	/* The informational members are kept only when they make sense. */
	assert_int_equal(ssm_msg_ack_parse((const uint8_t *)cases[0].payload,
	    strlen(cases[0].payload), &ack, &cause), 0);
	assert_string_equal(ack.id, "dd01e56b-ff48-483e-a508-b5f073f31b16");
	assert_string_equal(ack.type_name, "input_stream_data");
}

/*
 * An agent's ack in its one layout is read without a JSON tree; the same
 * ack with a space after its opening brace goes through the general
 * parser. Both readings must agree, member for member, for every
 * payload, and so must their refusals.
 */
static void
test_ssm_msg_ack_fast_path_agrees(void **state)
{
	static const char *ids[] = {
		"dd01e56b-ff48-483e-a508-b5f073f31b16",
		"DD01E56B-FF48-483E-A508-B5F073F31B16",	/* read as lower */
		"dd01e56b-ff48-483e-a508-b5f073f31b1",	/* short */
		"dd01e56bxff48-483e-a508-b5f073f31b16",	/* no dash */
		"x",
	};
	static const char *types[] = {
		"input_stream_data", "output_stream_data", "",
		"a_type_name_thirty_two_letters_x",	/* 32: kept */
		"a_type_name_thirty_two_letters_xy",	/* 33: dropped */
		"Input_Stream_Data",
	};
	static const char *seqs[] = {
		"0", "1", "7", "01", "123456789012345678",
		"1234567890123456789", "9223372036854775807",
		"9223372036854775808", "-1", "1.5", "1e3", "\"7\"", "",
	};
	static const char *tails[] = {
		"true}", "false}", "true} ", "true}x", "1}", "true",
		"true,\"X\":1}",
	};
	struct ssm_ack	 a, b;
	char		 buf[512], spaced[513], *ca, *cb;
	size_t		 i, j, k, l, n = 0;
	int		 ra, rb;

	for (i = 0; i < sizeof ids / sizeof ids[0]; i++)
	for (j = 0; j < sizeof types / sizeof types[0]; j++)
	for (k = 0; k < sizeof seqs / sizeof seqs[0]; k++)
	for (l = 0; l < sizeof tails / sizeof tails[0]; l++) {
		snprintf(buf, sizeof buf, "{\"AcknowledgedMessageType\":\"%s\","
		    "\"AcknowledgedMessageId\":\"%s\","
		    "\"AcknowledgedMessageSequenceNumber\":%s,"
		    "\"IsSequentialMessage\":%s", types[j], ids[i], seqs[k],
		    tails[l]);
		snprintf(spaced, sizeof spaced, "{ %s", buf + 1);
		ca = cb = NULL;
		memset(&a, 0xa5, sizeof a);
		memset(&b, 0x5a, sizeof b);
		ra = ssm_msg_ack_parse((const uint8_t *)buf, strlen(buf), &a,
		    &ca);
		rb = ssm_msg_ack_parse((const uint8_t *)spaced,
		    strlen(spaced), &b, &cb);
		if (ra != rb)
			fail_msg("%s: %d, spaced %d", buf, ra, rb);
		if (ra == 0) {
			n++;
			assert_true(a.seq == b.seq);
			assert_int_equal(a.sequential, b.sequential);
			assert_string_equal(a.type_name, b.type_name);
			assert_string_equal(a.id, b.id);
		} else {
			/* The spaced one's error names a byte one later. */
			assert_non_null(ca);
			assert_non_null(cb);
		}
		free(ca);
		free(cb);
	}
	assert_true(n > 100);
}

static void
test_ssm_msg_flags(void **state)
{
	static const struct {
		const char	*name;
		uint32_t	 value;
	} cases[] = {
		{ "DisconnectToPort", SSM_FLAG_DISCONNECT_TO_PORT },
		{ "TerminateSession", SSM_FLAG_TERMINATE_SESSION },
		{ "ConnectToPortError", SSM_FLAG_CONNECT_TO_PORT_ERROR },
	};
	cJSON		*root, *flags;
	uint8_t		 buf[4], *want;
	uint32_t	 flag;
	size_t		 i, wlen;
	char		*cause;

	root = testvec_load("ssm/handshake.json");
	flags = testvec_get(root, "flag_payloads");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		want = testvec_unhex(testvec_str(flags, cases[i].name), &wlen);
		ssm_msg_flag_payload(cases[i].value, buf);
		assert_int_equal(wlen, 4);
		assert_memory_equal(buf, want, 4);
		assert_int_equal(ssm_msg_flag_parse(want, wlen, &flag, &cause),
		    0);
		assert_int_equal(flag, cases[i].value);
		assert_string_equal(ssm_msg_flag_name(flag), cases[i].name);
		free(want);
	}
	assert_int_equal(ssm_msg_flag_parse(buf, 3, &flag, &cause), -1);
	assert_string_equal(cause, "flag payload of 3 bytes is not 4 bytes");
	free(cause);
	assert_string_equal(ssm_msg_flag_name(0), "unknown");
	assert_string_equal(ssm_msg_flag_name(4), "unknown");
	cJSON_Delete(root);
}

static int
parse_channel_closed(const char *text, char **cause)
{
	struct ssm_channel_closed	cc;

	if (ssm_msg_channel_closed_parse((const uint8_t *)text, strlen(text),
	    &cc, cause) != 0)
		return (-1);
	ssm_msg_channel_closed_clear(&cc);
	return (0);
}

static void
test_ssm_msg_channel_closed(void **state)
{
	static const char *const bad[][2] = {
		{ "{\"Output\":5}", "channel_closed: Output is not a string" },
		{ "{\"SchemaVersion\":\"1\"}",
		    "channel_closed: SchemaVersion is not a number" },
		{ "closed", "channel_closed: not JSON (error near byte 0)" },
	};
	struct ssm_channel_closed	 cc;
	cJSON				*root, *m;
	struct evbuffer			*out = evbuffer_new();
	const char			*text = NULL;
	char				*cause;

	root = testvec_load("ssm/agent-messages.json");
	cJSON_ArrayForEach(m, testvec_get(root, "messages")) {
		if (strcmp(testvec_str(m, "name"), "channel_closed") == 0)
			text = testvec_str(m, "payload_text");
	}
	assert_non_null(text);
	assert_int_equal(ssm_msg_channel_closed_parse((const uint8_t *)text,
	    strlen(text), &cc, &cause), 0);
	assert_string_equal(cc.message_id,
	    "a1c4e7f0-2b5d-4a8e-9c1f-3d6b9e2a5c8f");
	assert_string_equal(cc.created_date, "2023-11-14T22:13:20.000Z");
	assert_string_equal(cc.destination_id, "i-0123456789abcdef0");
	assert_string_equal(cc.session_id, "alice-07f3c2a91d4be5680");
	assert_string_equal(cc.message_type, "channel_closed");
	assert_int_equal(cc.schema_version, 1);
	assert_string_equal(cc.output, "");
	ssm_msg_channel_closed_payload(&cc, out);
	assert_int_equal(evbuffer_get_length(out), strlen(text));
	assert_memory_equal(evbuffer_pullup(out, -1), text, strlen(text));
	ssm_msg_channel_closed_clear(&cc);

	/* Absent members read as empty; a reason is kept for the log. */
	text = "{\"Output\":\"Unable to connect to specified port: refused\"}";
	assert_int_equal(ssm_msg_channel_closed_parse((const uint8_t *)text,
	    strlen(text), &cc, &cause), 0);
	assert_string_equal(cc.output,
	    "Unable to connect to specified port: refused");
	assert_string_equal(cc.session_id, "");
	ssm_msg_channel_closed_clear(&cc);

	testvec_refused(parse_channel_closed, bad, sizeof bad / sizeof bad[0]);
	evbuffer_free(out);
	cJSON_Delete(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssm_msg_vectors_encode_and_decode),
		cmocka_unit_test(test_ssm_msg_hand_built_accepted),
		cmocka_unit_test(test_ssm_msg_malformed_verdicts),
		cmocka_unit_test(test_ssm_msg_unknown_type_is_returned),
		cmocka_unit_test(test_ssm_msg_spec_examples),
		cmocka_unit_test(test_ssm_msg_lone_newline_unchanged),
		cmocka_unit_test(test_ssm_msg_prefixes_refused),
		cmocka_unit_test(test_ssm_msg_encode_buffer_same_bytes),
		cmocka_unit_test(test_ssm_msg_negative_sequence_refused),
		cmocka_unit_test(test_ssm_msg_init_flags_and_names),
		cmocka_unit_test(test_ssm_msg_acks_exact),
		cmocka_unit_test(test_ssm_msg_ack_parse_cases),
		cmocka_unit_test(test_ssm_msg_ack_fast_path_agrees),
		cmocka_unit_test(test_ssm_msg_flags),
		cmocka_unit_test(test_ssm_msg_channel_closed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
