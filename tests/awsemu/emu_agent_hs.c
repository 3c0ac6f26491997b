/*
 * The agent's side of the handshake (ssm-data-channel.md 5): the
 * HandshakeRequest with the AgentVersion and the SessionType action
 * carrying the document's properties (or one of the handshake knob's
 * variants), the client's HandshakeResponse (its ClientVersion decides
 * mux or basic mode and smux keep-alive by the agent's own comparison; a
 * failed action ends the session), HandshakeComplete with the time it
 * took, the malformed knob's frames, and the 15 s timeout.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "emu_agent.h"
#include "log.h"
#include "ssm_version.h"
#include "util.h"
#include "xmalloc.h"

void
emu_agent_handshake(struct emu_agent *a)
{
	struct ssm_handshake_request	 req;
	struct ssm_handshake_action	 act[2];
	uint8_t				 rnd[48], id[UUID_LEN];
	char				 idtext[UUID_STR_LEN], *key = NULL;
	char				*challenge = NULL;
	size_t				 len;

	a->state = EMU_AGENT_HANDSHAKE;
	a->hs_sent_us = emu_now_us();
	if (emu.knobs.handshake == EMU_HS_NO_REQUEST) {
		log_info("session %s: no handshake request (knob)", a->id);
		return;
	}
	memset(&req, 0, sizeof req);
	memset(act, 0, sizeof act);
	req.agent_version = a->agent_version;
	req.actions = act;
	req.nactions = 1;
	act[0].kind = SSM_HANDSHAKE_SESSION_TYPE;
	act[0].type = (char *)"SessionType";
	act[0].session_type = emu.knobs.handshake == EMU_HS_SESSION_TYPE ?
	    (char *)"Standard_Stream" : a->plan.session_type;
	act[0].props = a->plan.props;
	act[0].nprops = a->plan.nprops;
	if (emu.knobs.handshake == EMU_HS_UNKNOWN_ACTION) {
		act[1].kind = SSM_HANDSHAKE_OTHER;
		act[1].type = (char *)"ShutdownOnIdle";
		act[1].params_json = (char *)"{\"IdleSeconds\":60}";
		req.nactions = 2;
	} else if (emu.knobs.handshake == EMU_HS_KMS) {
		util_uuid_v4(id);
		util_uuid_format(id, idtext);
		xasprintf(&key, "arn:aws:kms:%s:%s:key/%s", emu.registry->region,
		    emu.registry->account, idtext);
		util_random(rnd, sizeof rnd);
		challenge = util_base64_encode(rnd, sizeof rnd);
		act[1].kind = SSM_HANDSHAKE_KMS_ENCRYPTION;
		act[1].type = (char *)"KMSEncryption";
		act[1].kms_key_id = key;
		act[1].challenge = challenge;
		req.nactions = 2;
	}
	ssm_handshake_request_write(&req, a->scratch);
	free(key);
	free(challenge);
	len = evbuffer_get_length(a->scratch);
	emu_agent_send_stream(a, SSM_PAYLOAD_HANDSHAKE_REQUEST,
	    evbuffer_pullup(a->scratch, len), len);
	evbuffer_drain(a->scratch, len);
}

/* How the agent decides, from its version and the client's (5.7). */
static void
emu_agent_decide(struct emu_agent *a)
{
	const char	*cv = a->client_version;

	a->terminate_flag = ssm_version_agent_cmp(a->agent_version,
	    SSM_VERSION_AGENT_TERMINATE) > 0;
	if (strcmp(a->plan.session_type, "Port") != 0)
		a->mode = EMU_MODE_NONE;
	else if (ssm_version_agent_mux(a->agent_version,
	    a->plan.port_forwarding, cv)) {
		a->mode = EMU_MODE_MUX;
		a->keepalive = ssm_version_agent_keepalive(a->agent_version,
		    cv);
	} else if (a->plan.port_forwarding)
		a->mode = EMU_MODE_BASIC;
	else
		a->mode = EMU_MODE_STREAM;
}

/* Frames the malformed knob asks for, right after HandshakeComplete. */
static void
emu_agent_malformed(struct emu_agent *a)
{
	static const uint8_t	 text[] = "{\"MessageType\":\"bogus\"}";
	enum emu_malformed	 k = emu.knobs.malformed;
	struct ssm_msg		 m;
	struct evbuffer		*b;
	uint8_t			 id[UUID_LEN], junk[100], *p;
	char			*cause = NULL;
	size_t			 len;

	if (k == EMU_MAL_NONE || a->dc == NULL)
		return;
	if (k == EMU_MAL_BAD_DIGEST || k == EMU_MAL_ALL)
		a->malformed_pending = 1;
	b = evbuffer_new();
	emu_agent_uuid(id);
	if (k == EMU_MAL_BAD_LENGTH || k == EMU_MAL_ALL) {
		ssm_msg_init(&m, SSM_MSG_ACKNOWLEDGE, 0, 0, id, clock_wall_ms());
		m.payload = text;
		m.payload_len = sizeof text - 1;
		ssm_msg_encode(&m, b, &cause);
		len = evbuffer_get_length(b);
		p = evbuffer_pullup(b, len);
		p[SSM_MSG_HEADER_LEN - 1]++;
		emu_dc_send(a->dc, p, len);
		evbuffer_drain(b, len);
	}
	if (k == EMU_MAL_SHORT || k == EMU_MAL_ALL) {
		util_random(junk, sizeof junk);
		emu_dc_send(a->dc, junk, sizeof junk);
	}
	if (k == EMU_MAL_UNKNOWN_TYPE || k == EMU_MAL_ALL) {
		ssm_msg_init(&m, SSM_MSG_UNKNOWN, 0, 0, id, clock_wall_ms());
		strlcpy(m.type_name, "interactive_shell_x", sizeof m.type_name);
		m.payload = text;
		m.payload_len = sizeof text - 1;
		ssm_msg_encode(&m, b, &cause);
		len = evbuffer_get_length(b);
		emu_dc_send(a->dc, evbuffer_pullup(b, len), len);
		evbuffer_drain(b, len);
	}
	if (k == EMU_MAL_TEXT || k == EMU_MAL_ALL)
		emu_dc_send_text(a->dc, text, sizeof text - 1);
	evbuffer_free(b);
	free(cause);
}

static void
emu_agent_complete(struct emu_agent *a)
{
	struct ssm_handshake_complete	hc;
	size_t				len;

	hc.time_to_complete_ns = (int64_t)(emu_now_us() - a->hs_sent_us) *
	    1000;
	hc.customer_message = (char *)"";
	ssm_handshake_complete_write(&hc, a->scratch);
	len = evbuffer_get_length(a->scratch);
	emu_agent_send_stream(a, SSM_PAYLOAD_HANDSHAKE_COMPLETE,
	    evbuffer_pullup(a->scratch, len), len);
	evbuffer_drain(a->scratch, len);
}

/* The client's HandshakeResponse: decide, complete, start the plugin. */
void
emu_agent_handshake_response(struct emu_agent *a, const struct ssm_msg *m)
{
	struct ssm_handshake_response	 resp;
	char				*cause = NULL, *text;
	size_t				 i;

	a->hs_done = 1;
	evtimer_del(a->hs_timer);
	if (ssm_handshake_response_parse(m->payload, m->payload_len, &resp,
	    &cause) != 0) {
		xasprintf(&text, "handshake failed: %s", cause);
		emu_agent_end(a, text, 1);
		free(text);
		free(cause);
		return;
	}
	free(a->client_version);
	a->client_version = xstrdup(resp.client_version);
	if (!ssm_handshake_response_ok(&resp)) {
		for (i = 0; i < resp.nresults; i++) {
			if (resp.results[i].status != SSM_HANDSHAKE_SUCCESS)
				break;
		}
		xasprintf(&text, "handshake failed: action %s: status %lld%s%s",
		    i < resp.nresults ? resp.results[i].type : "?",
		    i < resp.nresults ? (long long)resp.results[i].status : 0,
		    i < resp.nresults && *resp.results[i].error != '\0' ?
		    ": " : "", i < resp.nresults ? resp.results[i].error : "");
		ssm_handshake_response_clear(&resp);
		emu_agent_end(a, text, 1);
		free(text);
		return;
	}
	ssm_handshake_response_clear(&resp);
	if (emu.knobs.handshake == EMU_HS_NO_COMPLETE) {
		log_info("session %s: no handshake complete (knob)", a->id);
		return;
	}
	emu_agent_decide(a);
	log_info("session %s: handshake done: %s mode, client %s%s", a->id,
	    emu_agent_modes[a->mode], a->client_version,
	    a->keepalive ? ", smux keep-alive" : "");
	emu_agent_complete(a);
	a->state = EMU_AGENT_OPEN;
	emu_agent_malformed(a);
	if (a->mode == EMU_MODE_NONE) {
		xasprintf(&text, "session type %s is not emulated",
		    a->plan.session_type);
		emu_agent_end(a, text, 1);
		free(text);
		return;
	}
	emu_port_start(a);
}

void
emu_agent_hs_timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	struct emu_agent	*a = arg;
	char			*text;

	if (a->hs_done || a->state >= EMU_AGENT_DRAINING)
		return;
	xasprintf(&text, "handshake timed out: no HandshakeResponse in %d ms",
	    emu.knobs.handshake_timeout_ms);
	emu_agent_end(a, text, 1);
	free(text);
}
