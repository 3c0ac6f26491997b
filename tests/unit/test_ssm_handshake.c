/*
 * Unit tests for handshake.c: HandshakeRequest, HandshakeResponse and
 * HandshakeComplete payloads and the OpenDataChannel frame, from
 * testdata/ssm/handshake.json. gatewayd's answers match the official
 * client's bytes except where ssm-data-channel.md §5.2/§5.5 says gatewayd
 * answers differently; those rows say why.
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

#include "ssm_handshake.h"
#include "ssm_json.h"
#include "ssm_msg.h"
#include "ssm_version.h"
#include "testvec.h"
#include "util.h"
#include "xmalloc.h"

/* The plugin release the vectors of ssm/handshake.json were taken from. */
#define VEC_CLIENT	"1.2.677.0"

/* Compare everything in b with the text want, then empty b. */
static void
assert_buffer_text(struct evbuffer *b, const char *want)
{
	size_t	len = evbuffer_get_length(b);
	char	*got;

	got = xstrndup((char *)evbuffer_pullup(b, -1), len);
	assert_string_equal(got, want);
	free(got);
	evbuffer_drain(b, len);
}

/*
 * What gatewayd answers to each HandshakeRequest of handshake.json. NULL:
 * the official client's bytes (handshake_response_json), exactly.
 */
static const struct {
	const char	*name;
	const char	*response;
	int		 failures;
	int		 port_forwarding;
} answers[] = {
	{ "port_remote_host", NULL, 0, 1 },
	{ "port_local", NULL, 0, 1 },
	/* The plugin accepts a shell; gatewayd fails anything but Port. */
	{ "shell", "{\"ClientVersion\":\"1.2.677.0\",\"ProcessedClientActions\":"
	    "[{\"ActionType\":\"SessionType\",\"ActionStatus\":2,"
	    "\"ActionResult\":null,\"Error\":\"unsupported session type "
	    "Standard_Stream\"}],\"Errors\":[\"unsupported session type "
	    "Standard_Stream\"]}", 1, 0 },
	/* Same status as the plugin; the Error text is §5.5's. */
	{ "unknown_session_type", "{\"ClientVersion\":\"1.2.677.0\","
	    "\"ProcessedClientActions\":[{\"ActionType\":\"SessionType\","
	    "\"ActionStatus\":2,\"ActionResult\":null,\"Error\":\"unsupported "
	    "session type Foo\"}],\"Errors\":[\"unsupported session type "
	    "Foo\"]}", 1, 0 },
	/*
	 * The plugin sends ActionStatus 0 and ActionResult 3 (a quirk);
	 * gatewayd sends ActionStatus 3, Unsupported (§5.3).
	 */
	{ "unknown_action", "{\"ClientVersion\":\"1.2.677.0\","
	    "\"ProcessedClientActions\":[{\"ActionType\":\"SessionType\","
	    "\"ActionStatus\":1,\"ActionResult\":null,\"Error\":\"\"},"
	    "{\"ActionType\":\"SomeNewAction\",\"ActionStatus\":3,"
	    "\"ActionResult\":null,\"Error\":\"unsupported action "
	    "SomeNewAction\"}],\"Errors\":[\"unsupported action "
	    "SomeNewAction\"]}", 1, 1 },
	/* No KMS module yet: Failed with our text (§5.2). */
	{ "kms_refused", "{\"ClientVersion\":\"1.2.677.0\","
	    "\"ProcessedClientActions\":[{\"ActionType\":\"SessionType\","
	    "\"ActionStatus\":2,\"ActionResult\":null,\"Error\":\"unsupported "
	    "session type Standard_Stream\"},{\"ActionType\":\"KMSEncryption\","
	    "\"ActionStatus\":2,\"ActionResult\":null,\"Error\":\"KMS "
	    "encryption is not supported\"}],\"Errors\":[\"unsupported session "
	    "type Standard_Stream\",\"KMS encryption is not supported\"]}",
	    2, 0 },
	{ "no_actions", NULL, 0, 0 },
};

/* The handshake messages gatewayd sends, with the pinned id and date. */
static void
check_sent_messages(const cJSON *c, const char *response, int exact)
{
	const cJSON	*sent, *ackm, *respm;
	struct ssm_msg	 msg;
	struct ssm_ack	 ack;
	struct evbuffer	*out = evbuffer_new();
	const char	*text;
	uint8_t		 id[UUID_LEN] = { 0 };
	char		*hex, *cause;

	sent = testvec_get(c, "messages_sent_in_order");
	assert_int_equal(cJSON_GetArraySize(sent), 2);

	/* First the acknowledge of the request (seq 0). */
	ackm = testvec_get(cJSON_GetArrayItem(sent, 0), "message");
	text = testvec_str(ackm, "payload_text");
	assert_int_equal(ssm_msg_ack_parse((const uint8_t *)text, strlen(text),
	    &ack, &cause), 0);
	ssm_msg_init(&msg, SSM_MSG_OUTPUT_STREAM_DATA, ack.seq,
	    SSM_PAYLOAD_HANDSHAKE_REQUEST, id, 1);
	assert_int_equal(util_uuid_parse(ack.id, msg.id), 0);
	assert_int_equal(util_uuid_parse(testvec_str(ackm, "pinned_MessageId"),
	    id), 0);
	ssm_msg_ack_encode(&msg, id,
	    (uint64_t)testvec_num(ackm, "pinned_CreatedDate"), out);
	hex = testvec_hex(out);
	assert_string_equal(hex, testvec_str(ackm, "hex"));
	free(hex);
	evbuffer_drain(out, evbuffer_get_length(out));

	/* Then the response, input_stream_data seq 0, PayloadType 6. */
	respm = testvec_get(cJSON_GetArrayItem(sent, 1), "message");
	assert_int_equal(util_uuid_parse(testvec_str(respm,
	    "pinned_MessageId"), id), 0);
	ssm_msg_init(&msg, SSM_MSG_INPUT_STREAM_DATA, 0,
	    SSM_PAYLOAD_HANDSHAKE_RESPONSE, id,
	    (uint64_t)testvec_num(respm, "pinned_CreatedDate"));
	msg.payload = (const uint8_t *)response;
	msg.payload_len = strlen(response);
	assert_int_equal(ssm_msg_encode(&msg, out, &cause), 0);
	hex = testvec_hex(out);
	if (exact)
		assert_string_equal(hex, testvec_str(respm, "hex"));
	else
		assert_string_not_equal(hex, testvec_str(respm, "hex"));
	free(hex);
	evbuffer_free(out);
}

static void
test_ssm_handshake_answers(void **state)
{
	struct ssm_handshake_request	 req;
	struct ssm_handshake_response	 resp;
	cJSON				*root, *c;
	struct evbuffer			*out = evbuffer_new();
	const char			*text, *want, *name;
	char				*cause, *got;
	size_t				 i, seen = 0;

	root = testvec_load("ssm/handshake.json");
	cJSON_ArrayForEach(c, testvec_get(root, "cases")) {
		name = testvec_str(c, "name");
		for (i = 0; i < sizeof answers / sizeof answers[0]; i++) {
			if (strcmp(answers[i].name, name) == 0)
				break;
		}
		if (i == sizeof answers / sizeof answers[0])
			fail_msg("no answer for case %s", name);
		text = testvec_str(c, "handshake_request_json");
		if (ssm_handshake_request_parse((const uint8_t *)text,
		    strlen(text), &req, &cause) != 0)
			fail_msg("%s: %s", name, cause);
		assert_string_equal(req.agent_version,
		    testvec_str(c, "agent_version_recorded"));
		assert_int_equal(ssm_handshake_is_port_forwarding(&req),
		    answers[i].port_forwarding);
		/* The vectors were recorded with plugin 1.2.677.0. */
		assert_int_equal(ssm_handshake_answer(&req, VEC_CLIENT,
		    &resp), answers[i].failures);
		assert_int_equal(ssm_handshake_response_ok(&resp),
		    answers[i].failures == 0);
		ssm_handshake_response_write(&resp, out);
		want = answers[i].response != NULL ? answers[i].response :
		    testvec_str(c, "handshake_response_json");
		got = xstrndup((char *)evbuffer_pullup(out, -1),
		    evbuffer_get_length(out));
		assert_string_equal(got, want);
		check_sent_messages(c, got, answers[i].response == NULL);
		free(got);
		evbuffer_drain(out, evbuffer_get_length(out));
		ssm_handshake_response_clear(&resp);
		ssm_handshake_request_clear(&req);
		seen++;
	}
	assert_int_equal(seen, sizeof answers / sizeof answers[0]);
	evbuffer_free(out);
	cJSON_Delete(root);
}

/* The agent's side: requests written as the agent writes them. */
static void
test_ssm_handshake_request_roundtrip(void **state)
{
	struct ssm_handshake_request		 req;
	const struct ssm_handshake_action	*act;
	cJSON					*root, *c;
	struct evbuffer				*out = evbuffer_new();
	const char				*text;
	char					*cause;

	root = testvec_load("ssm/handshake.json");
	cJSON_ArrayForEach(c, testvec_get(root, "cases")) {
		text = testvec_str(c, "handshake_request_json");
		assert_int_equal(ssm_handshake_request_parse(
		    (const uint8_t *)text, strlen(text), &req, &cause), 0);
		ssm_handshake_request_write(&req, out);
		assert_buffer_text(out, text);
		act = ssm_handshake_session_type(&req);
		if (*testvec_str(c, "session_type_recorded") != '\0')
			assert_string_equal(act->session_type,
			    testvec_str(c, "session_type_recorded"));
		ssm_handshake_request_clear(&req);
	}

	/* Properties in any order come out sorted, like the agent's map. */
	text = "{\"AgentVersion\":\"3.3.987.0\",\"RequestedClientActions\":"
	    "[{\"ActionType\":\"SessionType\",\"ActionParameters\":"
	    "{\"SessionType\":\"Port\",\"Properties\":{\"type\":"
	    "\"LocalPortForwarding\",\"portNumber\":\"5432\",\"host\":"
	    "\"db\",\"n\":7}}}]}";
	assert_int_equal(ssm_handshake_request_parse((const uint8_t *)text,
	    strlen(text), &req, &cause), 0);
	act = ssm_handshake_session_type(&req);
	assert_string_equal(ssm_handshake_property(act, "host"), "db");
	assert_null(ssm_handshake_property(act, "n"));	/* not a string */
	ssm_handshake_request_write(&req, out);
	assert_buffer_text(out, "{\"AgentVersion\":\"3.3.987.0\","
	    "\"RequestedClientActions\":[{\"ActionType\":\"SessionType\","
	    "\"ActionParameters\":{\"SessionType\":\"Port\",\"Properties\":"
	    "{\"host\":\"db\",\"portNumber\":\"5432\",\"type\":"
	    "\"LocalPortForwarding\"}}}]}");
	ssm_handshake_request_clear(&req);
	evbuffer_free(out);
	cJSON_Delete(root);
}

/* The agent reads the official client's responses, quirk included. */
static void
test_ssm_handshake_response_parse(void **state)
{
	struct ssm_handshake_response	 resp;
	cJSON				*root, *c, *kms;
	struct evbuffer			*out = evbuffer_new();
	const char			*text;
	char				*cause;

	root = testvec_load("ssm/handshake.json");
	cJSON_ArrayForEach(c, testvec_get(root, "cases")) {
		text = testvec_str(c, "handshake_response_json");
		assert_int_equal(ssm_handshake_response_parse(
		    (const uint8_t *)text, strlen(text), &resp, &cause), 0);
		assert_string_equal(resp.client_version, "1.2.677.0");
		ssm_handshake_response_write(&resp, out);
		assert_buffer_text(out, text);
		if (strcmp(testvec_str(c, "name"), "unknown_action") == 0) {
			/* ActionStatus 0: the agent cancels the session. */
			assert_int_equal(resp.results[1].status, 0);
			assert_string_equal(resp.results[1].result_json, "3");
			assert_int_equal(ssm_handshake_response_ok(&resp), 0);
		}
		ssm_handshake_response_clear(&resp);
	}

	kms = testvec_get(root, "kms_success_shape");
	text = testvec_str(kms, "json");
	assert_int_equal(ssm_handshake_response_parse((const uint8_t *)text,
	    strlen(text), &resp, &cause), 0);
	assert_int_equal(ssm_handshake_response_ok(&resp), 1);
	assert_null(resp.errors);
	assert_string_equal(resp.results[1].result_json,
	    "{\"KMSCipherTextKey\":\"ZXhhbXBsZS1jaXBoZXJ0ZXh0LWJsb2ItYnl0ZXM=\","
	    "\"KMSCipherTextHash\":null}");
	ssm_handshake_response_write(&resp, out);
	assert_buffer_text(out, text);
	ssm_handshake_response_clear(&resp);
	evbuffer_free(out);
	cJSON_Delete(root);
}

/* A KMS module replaces the default Failed with its result. */
static void
test_ssm_handshake_set_result(void **state)
{
	static const char *request = "{\"AgentVersion\":\"3.3.987.0\","
	    "\"RequestedClientActions\":[{\"ActionType\":\"SessionType\","
	    "\"ActionParameters\":{\"SessionType\":\"Port\",\"Properties\":{}}},"
	    "{\"ActionType\":\"KMSEncryption\",\"ActionParameters\":"
	    "{\"KMSKeyId\":\"k\",\"Challenge\":\"q83v\"}}]}";
	struct ssm_handshake_request	 req;
	struct ssm_handshake_response	 resp;
	struct evbuffer			*out = evbuffer_new();
	char				*cause;

	assert_int_equal(ssm_handshake_request_parse((const uint8_t *)request,
	    strlen(request), &req, &cause), 0);
	assert_int_equal(req.actions[1].kind, SSM_HANDSHAKE_KMS_ENCRYPTION);
	assert_string_equal(req.actions[1].kms_key_id, "k");
	assert_string_equal(req.actions[1].challenge, "q83v");
	assert_int_equal(ssm_handshake_answer(&req, "1.2.677.0", &resp), 1);
	ssm_handshake_set_result(&resp, 1, SSM_HANDSHAKE_SUCCESS,
	    "{\"KMSCipherTextKey\":\"eA==\",\"KMSCipherTextHash\":null}", "");
	assert_int_equal(ssm_handshake_response_ok(&resp), 1);
	ssm_handshake_response_write(&resp, out);
	assert_buffer_text(out, "{\"ClientVersion\":\"1.2.677.0\","
	    "\"ProcessedClientActions\":[{\"ActionType\":\"SessionType\","
	    "\"ActionStatus\":1,\"ActionResult\":null,\"Error\":\"\"},"
	    "{\"ActionType\":\"KMSEncryption\",\"ActionStatus\":1,"
	    "\"ActionResult\":{\"KMSCipherTextKey\":\"eA==\","
	    "\"KMSCipherTextHash\":null},\"Error\":\"\"}],\"Errors\":null}");
	ssm_handshake_request_write(&req, out);
	assert_buffer_text(out, request);
	ssm_handshake_response_clear(&resp);
	ssm_handshake_request_clear(&req);
	evbuffer_free(out);
}

/* Parse text as each payload type, and free what was made. */
static int
parse_request(const char *text, char **cause)
{
	struct ssm_handshake_request	req;

	if (ssm_handshake_request_parse((const uint8_t *)text, strlen(text),
	    &req, cause) != 0)
		return (-1);
	ssm_handshake_request_clear(&req);
	return (0);
}

static int
parse_response(const char *text, char **cause)
{
	struct ssm_handshake_response	resp;

	if (ssm_handshake_response_parse((const uint8_t *)text, strlen(text),
	    &resp, cause) != 0)
		return (-1);
	ssm_handshake_response_clear(&resp);
	return (0);
}

static int
parse_open(const char *text, char **cause)
{
	struct ssm_open_data_channel	odc;

	if (ssm_handshake_open_parse((const uint8_t *)text, strlen(text),
	    &odc, cause) != 0)
		return (-1);
	ssm_handshake_open_clear(&odc);
	return (0);
}

static void
test_ssm_handshake_request_malformed(void **state)
{
	static const char *const cases[][2] = {
		{ "{\"RequestedClientActions\":[]}",
		    "handshake request: AgentVersion is missing" },
		{ "{\"AgentVersion\":3,\"RequestedClientActions\":[]}",
		    "handshake request: AgentVersion is not a string" },
		{ "{\"AgentVersion\":\"3\"}",
		    "handshake request: RequestedClientActions is missing" },
		{ "{\"AgentVersion\":\"3\",\"RequestedClientActions\":{}}",
		    "handshake request: RequestedClientActions is not an "
		    "array" },
		{ "{\"AgentVersion\":\"3\",\"RequestedClientActions\":[5]}",
		    "handshake request: action is not an object" },
		{ "{\"AgentVersion\":\"3\",\"RequestedClientActions\":[{}]}",
		    "handshake request: ActionType is missing" },
		{ "{\"AgentVersion\":\"3\",\"RequestedClientActions\":"
		    "[{\"ActionType\":\"SessionType\"}]}",
		    "handshake request: SessionType: no ActionParameters" },
		{ "{\"AgentVersion\":\"3\",\"RequestedClientActions\":"
		    "[{\"ActionType\":\"SessionType\",\"ActionParameters\":"
		    "{\"SessionType\":\"Port\",\"Properties\":[]}}]}",
		    "handshake request: Properties is not an object" },
		{ "{\"AgentVersion\":\"3\",\"RequestedClientActions\":"
		    "[{\"ActionType\":\"X\",\"ActionParameters\":7}]}",
		    "handshake request: X: ActionParameters is not an object" },
		{ "{\"AgentVersion\":\"3\",\"RequestedClientActions\":"
		    "[{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}]}",
		    "handshake request: RequestedClientActions has 17 entries "
		    "(at most 16)" },
		{ "{\"AgentVersion\":\"3\"", "handshake request: not JSON "
		    "(error near byte 18)" },
	};
	testvec_refused(parse_request, cases, sizeof cases / sizeof cases[0]);
}

static void
test_ssm_handshake_response_malformed(void **state)
{
	static const char *const cases[][2] = {
		{ "{\"ProcessedClientActions\":[]}",
		    "handshake response: ClientVersion is missing" },
		{ "{\"ClientVersion\":\"1\"}",
		    "handshake response: ProcessedClientActions is missing" },
		{ "{\"ClientVersion\":\"1\",\"ProcessedClientActions\":"
		    "[{\"ActionType\":\"SessionType\"}]}",
		    "handshake response: ActionStatus is missing" },
		{ "{\"ClientVersion\":\"1\",\"ProcessedClientActions\":"
		    "[{\"ActionType\":\"SessionType\",\"ActionStatus\":\"1\"}]}",
		    "handshake response: ActionStatus is not a number" },
		{ "{\"ClientVersion\":\"1\",\"ProcessedClientActions\":[],"
		    "\"Errors\":[1]}",
		    "handshake response: Errors entry is not a string" },
	};
	testvec_refused(parse_response, cases, sizeof cases / sizeof cases[0]);
}

static void
test_ssm_handshake_complete(void **state)
{
	struct ssm_handshake_complete	 hc;
	cJSON				*root, *c;
	struct evbuffer			*out = evbuffer_new();
	const char			*text;
	char				*cause;

	root = testvec_load("ssm/handshake.json");
	cJSON_ArrayForEach(c, testvec_get(root, "handshake_complete_parsing")) {
		text = testvec_str(c, "payload");
		assert_int_equal(ssm_handshake_complete_parse(
		    (const uint8_t *)text, strlen(text), &hc, &cause), 0);
		assert_true((double)hc.time_to_complete_ns ==
		    testvec_num(c, "HandshakeTimeToComplete_ns"));
		assert_string_equal(hc.customer_message,
		    testvec_str(c, "CustomerMessage"));
		ssm_handshake_complete_clear(&hc);
	}
	hc.time_to_complete_ns = 31502000;
	hc.customer_message = NULL;
	ssm_handshake_complete_write(&hc, out);
	assert_buffer_text(out, testvec_str(root,
	    "handshake_complete_marshal"));

	/* Integers above 2^53 are read exactly. */
	text = "{\"HandshakeTimeToComplete\":9007199254740993}";
	assert_int_equal(ssm_handshake_complete_parse((const uint8_t *)text,
	    strlen(text), &hc, &cause), 0);
	assert_true(hc.time_to_complete_ns == 9007199254740993LL);
	ssm_handshake_complete_clear(&hc);
	text = "{\"CustomerMessage\":false}";
	assert_int_equal(ssm_handshake_complete_parse((const uint8_t *)text,
	    strlen(text), &hc, &cause), -1);
	assert_string_equal(cause,
	    "handshake complete: CustomerMessage is not a string");
	free(cause);
	evbuffer_free(out);
	cJSON_Delete(root);
}

static void
test_ssm_handshake_open_data_channel(void **state)
{
	static const char *const bad[][2] = {
		{ "{\"MessageSchemaVersion\":\"2.0\",\"TokenValue\":\"SECRET\"}",
		    "open data channel: MessageSchemaVersion is not 1.0" },
		{ "{\"MessageSchemaVersion\":\"1.0\"}",
		    "open data channel: TokenValue is missing" },
		{ "{\"MessageSchemaVersion\":\"1.0\",\"TokenValue\":\"\"}",
		    "open data channel: TokenValue is empty" },
		{ "{\"MessageSchemaVersion\":\"1.0\",\"TokenValue\":\"SECRET\","
		    "\"ClientId\":7}",
		    "open data channel: ClientId is not a string" },
		{ "SECRET", "open data channel: not JSON (error near byte 0)" },
	};
	struct ssm_open_data_channel	 odc, back;
	cJSON				*root, *o;
	struct evbuffer			*out = evbuffer_new();
	char				*cause, *json;
	size_t				 i;

	root = testvec_load("ssm/handshake.json");
	o = testvec_get(root, "open_data_channel");
	memset(&odc, 0, sizeof odc);
	odc.request_id = xstrdup("0b6d3f5e-8c1a-4f7e-9d2b-6a4c8e0f1b3d");
	odc.token = xstrdup("AAEAAfk0-example-token-Zg==");
	odc.client_id = xstrdup("5e2f8a7c-1d3b-4c6e-8f0a-9b7d5c3e1a2f");
	odc.client_version = xstrdup(VEC_CLIENT);
	ssm_handshake_open_write(&odc, out);
	json = xstrndup((char *)evbuffer_pullup(out, -1),
	    evbuffer_get_length(out));
	assert_string_equal(json, testvec_str(o, "json"));
	assert_int_equal(ssm_handshake_open_parse((const uint8_t *)json,
	    strlen(json), &back, &cause), 0);
	assert_string_equal(back.token, odc.token);
	assert_string_equal(back.client_id, odc.client_id);
	assert_string_equal(back.request_id, odc.request_id);
	assert_string_equal(back.client_version, "1.2.677.0");
	ssm_handshake_open_clear(&back);
	ssm_handshake_open_clear(&odc);
	free(json);

	/* The token never shows in a cause: no case's cause names it. */
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_null(strstr(bad[i][1], "SECRET"));
	testvec_refused(parse_open, bad, sizeof bad / sizeof bad[0]);
	evbuffer_free(out);
	cJSON_Delete(root);
}

/* Strings are escaped as Go's encoding/json escapes them. */
static void
test_ssm_handshake_json_escaping(void **state)
{
	static const char *cases[][2] = {
		{ "plain", "\"plain\"" },
		{ "q\"b\\", "\"q\\\"b\\\\\"" },
		{ "a\nb\rc\td", "\"a\\nb\\rc\\td\"" },
		{ "\x01\x1f", "\"\\u0001\\u001f\"" },
		{ "<a&b>", "\"\\u003ca\\u0026b\\u003e\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		{ "\xe2\x80\xa8\xe2\x80\xa9", "\"\\u2028\\u2029\"" },
		{ "bad\xff\xc3", "\"bad\\ufffd\\ufffd\"" },
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
	};
	struct evbuffer	*out = evbuffer_new();
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ssm_json_string(out, cases[i][0]);
		assert_buffer_text(out, cases[i][1]);
	}
	evbuffer_free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssm_handshake_answers),
		cmocka_unit_test(test_ssm_handshake_request_roundtrip),
		cmocka_unit_test(test_ssm_handshake_response_parse),
		cmocka_unit_test(test_ssm_handshake_set_result),
		cmocka_unit_test(test_ssm_handshake_request_malformed),
		cmocka_unit_test(test_ssm_handshake_response_malformed),
		cmocka_unit_test(test_ssm_handshake_complete),
		cmocka_unit_test(test_ssm_handshake_open_data_channel),
		cmocka_unit_test(test_ssm_handshake_json_escaping),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
