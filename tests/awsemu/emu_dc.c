/*
 * The message gateway's side of the data channel (ssm-data-channel.md 3,
 * 8): the WebSocket at /v1/data-channel/<SessionId>, its upgrade (SigV4
 * signed by a caller of the session's account, to the session's current
 * cell; else HTTP 403, as upgrade_auth and resume say), the
 * OpenDataChannel frame that must come first (text, MessageSchemaVersion
 * "1.0", the session's current token; else close 1008 "invalid token";
 * a ClientVersion below min_client_version is closed 1008 too, and
 * nothing is sent), attaching the connection to the session's agent (a
 * resumed connection takes over from the old one, which is dropped; the agent
 * keeps its sequence state and does not repeat the handshake), and the
 * relay between the two, where the fault knobs act: drops after N
 * messages, rotation, a silent peer, publication pauses, and the rules
 * of emu_fault.c.
 *
 * The agent itself is emu_agent.c; this file never looks inside its
 * messages beyond their type.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "emu_agent.h"
#include "emu_iam.h"
#include "log.h"
#include "ssm_chan_int.h"
#include "ssm_version.h"
#include "util.h"
#include "ws.h"
#include "ws_fault.h"
#include "ws_server.h"
#include "xmalloc.h"

#define EMU_DC_OPEN_MS		10000	/* for the OpenDataChannel frame */
#define EMU_DC_PATH		"/v1/data-channel/"

enum emu_dc_state {
	EMU_DC_UPGRADE,		/* waiting for the upgrade request */
	EMU_DC_OPENING,		/* upgraded; waiting for OpenDataChannel */
	EMU_DC_ATTACHED,	/* relaying to and from the agent */
	EMU_DC_CLOSING,		/* closed by us; waiting for the end */
};

struct emu_dc {
	u_int			 id;
	struct ws		*ws;
	struct emu_agent	*agent;
	char			*session_id;	/* from the path */
	enum emu_dc_state	 state;
	struct event		*timer;		/* OpenDataChannel wait */
	struct event		*rotate;
	struct event		*mute;
	struct event		*pause;
	struct event		*drop;		/* drop_after, deferred */
	uint64_t		 relayed;
	int			 muted;
	int			 paused;
	int			 dropping;
	struct emu_fault	 in;
	struct emu_fault	 out;
	TAILQ_ENTRY(emu_dc)	 entry;
};

/* Why an upgrade was refused with 403 (GET /_emu/state counts each). */
enum emu_dc_refusal {
	EMU_DC_UNSIGNED,	/* no signature, upgrade_auth required */
	EMU_DC_SIGNATURE,	/* the verifier's verdict, or the scope */
	EMU_DC_IDENTITY,	/* a signer of another account */
	EMU_DC_OLD_CELL,	/* not the session's current StreamUrl */
	EMU_DC_NREFUSALS
};

static const char *const emu_dc_refusal_names[EMU_DC_NREFUSALS] = {
	"unsigned", "signature", "identity", "old_cell"
};

/* How an upgrade that was let through was authenticated. */
enum emu_dc_admission {
	EMU_DC_SIGNED,		/* a signature, verified */
	EMU_DC_PRESIGNED,	/* a presigned URL, taken as it is */
	EMU_DC_UNCHECKED,	/* upgrade_auth optional (unsigned) or off */
	EMU_DC_NADMISSIONS
};

static const char *const emu_dc_admission_names[EMU_DC_NADMISSIONS] = {
	"signed", "presigned", "unchecked"
};

static TAILQ_HEAD(, emu_dc)	emu_dcs = TAILQ_HEAD_INITIALIZER(emu_dcs);
static u_int			emu_dc_next_id;
static u_int			emu_dc_nopen, emu_dc_total, emu_dc_refused;
static u_int			emu_dc_dropped, emu_dc_refused_version;
static u_int			emu_dc_upgrade_ok[EMU_DC_NADMISSIONS];
static u_int			emu_dc_upgrade_refused[EMU_DC_NREFUSALS];

static void	emu_dc_free(struct emu_dc *);

/* Forget the agent (it keeps its state) and stop relaying. */
static void
emu_dc_unlink(struct emu_dc *dc)
{
	struct emu_agent	*a = dc->agent;

	if (a == NULL)
		return;
	dc->agent = NULL;
	dc->in.c = &dc->in.own;
	dc->out.c = &dc->out.own;
	emu_agent_detach(a, dc);
}

/* The WebSocket is gone (closed, failed or aborted by us). */
static void
emu_dc_gone(struct emu_dc *dc, const char *why)
{
	if (dc->agent != NULL)
		log_info("dc %u: session %s: client gone: %s", dc->id,
		    dc->session_id, why);
	else
		log_debug("dc %u: %s", dc->id, why);
	emu_dc_unlink(dc);
	emu_dc_free(dc);
}

/* Close with code and reason; the close callback frees it later. */
static void
emu_dc_close(struct emu_dc *dc, uint16_t code, const char *reason)
{
	emu_dc_unlink(dc);
	dc->state = EMU_DC_CLOSING;
	ws_close(dc->ws, code, reason);
}

static void
emu_dc_free(struct emu_dc *dc)
{
	TAILQ_REMOVE(&emu_dcs, dc, entry);
	emu_dc_nopen--;
	emu_fault_clear(&dc->in);
	emu_fault_clear(&dc->out);
	if (dc->timer != NULL)
		event_free(dc->timer);
	if (dc->rotate != NULL)
		event_free(dc->rotate);
	if (dc->mute != NULL)
		event_free(dc->mute);
	if (dc->pause != NULL)
		event_free(dc->pause);
	if (dc->drop != NULL)
		event_free(dc->drop);
	ws_free(dc->ws);
	free(dc->session_id);
	free(dc);
}

void
emu_dc_drop(struct emu_dc *dc)
{
	emu_dc_dropped++;
	ws_abort(dc->ws);
	emu_dc_gone(dc, "dropped");
}

static void
emu_dc_drop_cb(evutil_socket_t fd, short events, void *arg)
{
	struct emu_dc	*dc = arg;

	if (dc->state != EMU_DC_ATTACHED)
		return;
	log_info("dc %u: session %s: dropped after %llu messages (%s)",
	    dc->id, dc->session_id, (unsigned long long)dc->relayed,
	    emu.knobs.drop_mode == EMU_DROP_RESET ? "reset" : "bye");
	if (emu.knobs.drop_mode == EMU_DROP_BYE) {
		emu_dc_dropped++;
		emu_dc_close(dc, 1000, "Bye");
	} else
		emu_dc_drop(dc);
}

/* Count one relayed message; schedule the drop_after drop. */
static void
emu_dc_count(struct emu_dc *dc)
{
	struct timeval	tv = { 0, 0 };

	dc->relayed++;
	if (emu.knobs.drop_after == 0 || dc->dropping ||
	    dc->relayed < (uint64_t)emu.knobs.drop_after ||
	    emu.knobs.drop_count == 0)
		return;
	if (emu.knobs.drop_count > 0)
		emu.knobs.drop_count--;
	dc->dropping = 1;
	dc->drop = evtimer_new(emu.base, emu_dc_drop_cb, dc);
	evtimer_add(dc->drop, &tv);
}

/* The fault layer lets an agent message through to the client. */
static void
emu_dc_deliver_out(void *arg, const uint8_t *buf, size_t len)
{
	struct emu_dc	*dc = arg;

	if (dc->state != EMU_DC_ATTACHED)
		return;
	if (ws_send_binary(dc->ws, buf, len) != 0) {
		dc->out.c->lost++;
		return;
	}
	emu_dc_count(dc);
}

/* The fault layer lets a client message through to the agent. */
static void
emu_dc_deliver_in(void *arg, const uint8_t *buf, size_t len)
{
	struct emu_dc	*dc = arg;

	if (dc->agent != NULL)
		emu_agent_input(dc->agent, buf, len);
}

int
emu_dc_send(struct emu_dc *dc, const uint8_t *buf, size_t len)
{
	if (dc == NULL || dc->state != EMU_DC_ATTACHED || dc->muted ||
	    dc->paused)
		return (-1);
	emu_fault_pass(&dc->out, buf, len);
	return (0);
}

void
emu_dc_send_text(struct emu_dc *dc, const void *buf, size_t len)
{
	if (dc->state == EMU_DC_ATTACHED && !dc->muted)
		ws_send_text(dc->ws, buf, len);
}

int
emu_dc_has_room(struct emu_dc *dc)
{
	return (dc != NULL && dc->state == EMU_DC_ATTACHED &&
	    ws_get_queued(dc->ws) < EMU_DC_HIGH);
}

void
emu_dc_set_reading(struct emu_dc *dc, int on)
{
	if (on)
		ws_resume(dc->ws);
	else
		ws_pause(dc->ws);
}

/* A publication message: every header field zero but the type. */
static void
emu_dc_publication(struct emu_dc *dc, enum ssm_msg_type type)
{
	static const uint8_t	 zero[UUID_LEN];
	struct ssm_msg		 m;
	struct evbuffer		*b = evbuffer_new();
	char			*cause = NULL;

	ssm_msg_init(&m, type, 0, 0, zero, 0);
	m.schema_version = 0;
	if (ssm_msg_encode(&m, b, &cause) == 0)
		ws_send_buffer(dc->ws, WS_BINARY, b);
	free(cause);
	evbuffer_free(b);
}

void
emu_dc_send_closed(struct emu_dc *dc, const struct emu_agent *a,
    const char *output)
{
	struct ssm_channel_closed	 cc;
	struct ssm_msg			 m;
	struct evbuffer			*payload, *b;
	uint8_t				 id[UUID_LEN];
	char				 idtext[UUID_STR_LEN], date[64];
	char				*cause = NULL;
	time_t				 t = (time_t)(clock_wall_ms() / 1000);
	struct tm			 tm;

	util_uuid_v4(id);
	util_uuid_format(id, idtext);
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	memset(&cc, 0, sizeof cc);
	cc.message_id = idtext;
	cc.created_date = date;
	cc.destination_id = a->target;
	cc.session_id = a->id;
	cc.message_type = "channel_closed";
	cc.schema_version = 1;
	cc.output = (char *)output;
	payload = evbuffer_new();
	b = evbuffer_new();
	ssm_msg_channel_closed_payload(&cc, payload);
	util_uuid_v4(id);
	ssm_msg_init(&m, SSM_MSG_CHANNEL_CLOSED, 0, 0, id, clock_wall_ms());
	if (ssm_msg_encode_buffer(&m, payload, b, &cause) == 0)
		ws_send_buffer(dc->ws, WS_BINARY, b);
	free(cause);
	evbuffer_free(payload);
	evbuffer_free(b);
	log_info("dc %u: session %s: channel_closed%s%s", dc->id,
	    dc->session_id, *output != '\0' ? ": " : "", output);
	emu_dc_close(dc, 1000, "");
}

static void
emu_dc_rotate_cb(evutil_socket_t fd, short events, void *arg)
{
	struct emu_dc	*dc = arg;

	log_info("dc %u: session %s: rotated after %d ms", dc->id,
	    dc->session_id, emu.knobs.rotate_ms);
	emu_dc_close(dc, 1000, "Bye");
}

static void
emu_dc_mute_cb(evutil_socket_t fd, short events, void *arg)
{
	struct emu_dc	*dc = arg;

	log_info("dc %u: session %s: muted", dc->id, dc->session_id);
	dc->muted = 1;
	ws_set_mute(dc->ws, 1);
}

/* Start or end a publication pause of this connection. */
static void
emu_dc_set_paused(struct emu_dc *dc, int on)
{
	if (dc->paused == on || dc->state != EMU_DC_ATTACHED)
		return;
	if (!on) {
		dc->paused = 0;
		emu_dc_publication(dc, SSM_MSG_START_PUBLICATION);
	} else {
		emu_dc_publication(dc, SSM_MSG_PAUSE_PUBLICATION);
		dc->paused = 1;
	}
	log_info("dc %u: session %s: publication %s", dc->id,
	    dc->session_id, on ? "paused" : "started");
	if (dc->agent != NULL)
		emu_agent_set_paused(dc->agent, on);
}

static void
emu_dc_pause_cb(evutil_socket_t fd, short events, void *arg)
{
	struct emu_dc	*dc = arg;

	if (!dc->paused) {
		emu_dc_set_paused(dc, 1);
		if (emu.knobs.pause_ms >= 0)
			emu_timer_add_ms(dc->pause, emu.knobs.pause_ms);
	} else
		emu_dc_set_paused(dc, 0);
}

static struct event *
emu_dc_timer(struct emu_dc *dc, int ms, event_callback_fn fn)
{
	struct event	*ev;

	if (ms <= 0)
		return (NULL);
	ev = evtimer_new(emu.base, fn, dc);
	emu_timer_add_ms(ev, (uint64_t)ms);
	return (ev);
}

/*
 * The minimum client version (min_client_version), compared as the
 * service compares versions: numeric parts, the shorter padded with
 * zeros. Return 0 if v (NULL: the member was missing) passes, else -1
 * with the close reason, which names the minimum, in reason.
 */
static int
emu_dc_client_version(const char *v, char *reason, size_t size)
{
	const char	*min = emu.knobs.min_client_version;
	char		 shown[33];
	size_t		 i;
	int		 cmp, rv;

	if (*min == '\0' || (v != NULL && (rv = ssm_version_cmp(v, min,
	    &cmp)) == 0 && cmp >= 0))
		return (0);
	if (v == NULL) {
		snprintf(reason, size, "no ClientVersion: the minimum "
		    "supported is %s", min);
		return (-1);
	}
	for (i = 0; v[i] != '\0' && i < sizeof shown - 1; i++)
		shown[i] = v[i] < 0x20 || v[i] > 0x7e ? '?' : v[i];
	shown[i] = '\0';
	snprintf(reason, size, "ClientVersion %s is %s the minimum "
	    "supported %s", shown, rv == 0 ? "below" : "not a version like",
	    min);
	return (-1);
}

/* Check the OpenDataChannel frame; attach or refuse with 1008. */
static void
emu_dc_open(struct emu_dc *dc, enum ws_type type, const uint8_t *data,
    size_t len)
{
	struct ssm_open_data_channel	 odc;
	struct emu_session		*s = NULL;
	struct emu_agent		*a = NULL;
	char				*cause = NULL, reason[124];
	uint64_t			 seed;

	memset(&odc, 0, sizeof odc);
	if (type != WS_TEXT)
		cause = xstrdup("first frame is not text");
	else if (ssm_handshake_open_parse(data, len, &odc, &cause) != 0)
		;
	else if ((s = emu_session_find_token(odc.token)) == NULL ||
	    strcmp(s->id, dc->session_id) != 0)
		xasprintf(&cause, "token is not the current one of session "
		    "%.96s", dc->session_id);
	else if ((a = emu_agent_of(s)) == NULL ||
	    a->state >= EMU_AGENT_DRAINING)
		cause = xstrdup("session is ending");
	if (cause != NULL) {
		log_info("dc %u: refused: %s", dc->id, cause);
		free(cause);
		ssm_handshake_open_clear(&odc);
		emu_dc_refused++;
		dc->state = EMU_DC_CLOSING;
		ws_close(dc->ws, 1008, "invalid token");
		return;
	}
	if (emu_dc_client_version(odc.client_version, reason,
	    sizeof reason) != 0) {
		log_info("dc %u: session %s: refused: %s", dc->id, s->id,
		    reason);
		ssm_handshake_open_clear(&odc);
		emu_dc_refused++;
		emu_dc_refused_version++;
		dc->state = EMU_DC_CLOSING;
		ws_close(dc->ws, 1008, reason);
		return;
	}
	evtimer_del(dc->timer);
	dc->state = EMU_DC_ATTACHED;
	dc->agent = a;
	seed = emu.knobs.seed != 0 ? (uint64_t)emu.knobs.seed * 1000003 +
	    a->n * 65537 + a->attaches : util_random_range(1, UINT64_MAX);
	dc->in.rng = seed * 2;
	dc->out.rng = seed * 2 + 1;
	dc->in.c = &a->faults_in;
	dc->out.c = &a->faults_out;
	log_info("dc %u: session %s: attached (client %s, version %s)",
	    dc->id, s->id, odc.client_id != NULL ? odc.client_id : "-",
	    odc.client_version != NULL ? odc.client_version : "-");
	/* Paused from the start: before the agent says anything. */
	if (emu.knobs.pause_at_ms == 0)
		emu_dc_set_paused(dc, 1);
	emu_agent_attach(a, dc, &odc);
	ssm_handshake_open_clear(&odc);
	if (dc->state != EMU_DC_ATTACHED)
		return;
	dc->rotate = emu_dc_timer(dc, emu.knobs.rotate_ms, emu_dc_rotate_cb);
	dc->mute = emu_dc_timer(dc, emu.knobs.mute_after_ms, emu_dc_mute_cb);
	dc->pause = evtimer_new(emu.base, emu_dc_pause_cb, dc);
	if (dc->paused && emu.knobs.pause_ms >= 0)
		emu_timer_add_ms(dc->pause, emu.knobs.pause_ms);
	else if (!dc->paused && emu.knobs.pause_at_ms > 0)
		emu_timer_add_ms(dc->pause, emu.knobs.pause_at_ms);
}

static void
emu_dc_message_cb(struct ws *ws, enum ws_type type, const uint8_t *data,
    size_t len, void *arg)
{
	struct emu_dc	*dc = arg;

	switch (dc->state) {
	case EMU_DC_OPENING:
		emu_dc_open(dc, type, data, len);
		break;
	case EMU_DC_ATTACHED:
		if (type == WS_TEXT) {
			log_debug("dc %u: text frame of %zu bytes ignored",
			    dc->id, len);
			break;
		}
		if (dc->muted || dc->paused)
			break;
		emu_dc_count(dc);
		emu_fault_pass(&dc->in, data, len);
		break;
	default:
		break;
	}
}

static void
emu_dc_close_cb(struct ws *ws, uint16_t code, const char *reason,
    int clean, void *arg)
{
	char	why[160];

	snprintf(why, sizeof why, "closed %u \"%s\"%s", code, reason,
	    clean ? "" : " (not clean)");
	emu_dc_gone(arg, why);
}

static void
emu_dc_error_cb(struct ws *ws, enum ws_error err, const char *cause,
    void *arg)
{
	emu_dc_gone(arg, cause);
}

static void
emu_dc_drained_cb(struct ws *ws, void *arg)
{
	struct emu_dc	*dc = arg;

	if (dc->agent != NULL) {
		dc->agent->st.wakeups++;
		emu_agent_drained(dc->agent);
	}
}

/* The raw value of key in the query of url (a URL or path?query). */
static const char *
emu_dc_query_raw(const char *url, const char *key, size_t *len)
{
	const char	*p = strchr(url, '?');
	size_t		 klen = strlen(key);

	for (p = p != NULL ? p + 1 : NULL; p != NULL && *p != '\0';
	    p += strcspn(p, "&"), p += *p == '&') {
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			*len = strcspn(p + klen + 1, "&");
			return (p + klen + 1);
		}
	}
	return (NULL);
}

/*
 * The upgrade went to the session's current StreamUrl: the same
 * cell-number byte for byte (a client must send the URL verbatim). After
 * a ResumeSession that handed out a new cell (resume new_url), the older
 * URLs are refused (ssm-data-channel.md 2.6).
 */
static int
emu_dc_cell_current(const struct emu_session *s, const char *target)
{
	const char	*want, *got;
	size_t		 wlen, glen;

	if ((want = emu_dc_query_raw(s->stream_url, "cell-number",
	    &wlen)) == NULL)
		return (1);
	got = emu_dc_query_raw(target, "cell-number", &glen);
	return (got != NULL && glen == wlen && memcmp(got, want, wlen) == 0);
}

/*
 * The upgrade's SigV4 signature (ssm-data-channel.md 3.2), as
 * upgrade_auth says. A signature is checked by awsemu's auth path (the
 * key known, its token, not expired, then the signature) with the query
 * read as a form, the way the official client signs; its scope must be
 * ssmmessages in the region StartSession was signed for, and the signer
 * must belong to the account that started the session (the emulator's
 * stand-in for ssmmessages:OpenDataChannel on the session: any caller of
 * that account, so credentials refreshed mid-session still resume). A
 * presigned URL (X-Amz-* in the query) is taken as it is: the client
 * does not sign then, and the emulator issues none to check it against.
 * Return 0 with *how, or -1 with the 403 body in *why (caller frees)
 * and *kind. *akid and *arn (caller frees) are the key it was signed
 * with and, when the signature is good, its principal, for GET
 * /_emu/calls.
 */
static int
emu_dc_upgrade_auth(const struct ws_http_msg *req,
    const struct emu_session *s, enum emu_dc_admission *how,
    enum emu_dc_refusal *kind, char **why, char **akid, char **arn)
{
	struct aws_header	 h[WS_HTTP_MAX_HEADERS];
	struct emu_auth		 a;
	const char		*auth = ws_http_get(req, "Authorization");
	size_t			 i;
	int			 rv = -1;

	if (auth == NULL && ssm_chan_url_presigned(req->target)) {
		*how = EMU_DC_PRESIGNED;
		return (0);
	}
	if (emu.knobs.upgrade_auth == EMU_UPGRADE_OFF || (auth == NULL &&
	    emu.knobs.upgrade_auth == EMU_UPGRADE_OPTIONAL)) {
		*how = EMU_DC_UNCHECKED;
		return (0);
	}
	if (auth == NULL) {
		*kind = EMU_DC_UNSIGNED;
		*why = xstrdup("MissingAuthenticationToken: upgrade is not "
		    "signed (SigV4, service ssmmessages, as Session Manager "
		    "plugin 1.2.764.0 and later sign it)");
		return (-1);
	}
	for (i = 0; i < req->nheaders && i < nitems(h); i++) {
		h[i].name = req->headers[i].name;
		h[i].value = req->headers[i].value;
	}
	*kind = EMU_DC_SIGNATURE;
	if (emu_auth_check("GET", req->target, h, i, "", 0, NULL,
	    SIGV4_FORM_QUERY, &a) != 0)
		xasprintf(why, "%s: %s", a.code, a.cause);
	else if (strcmp(a.service, "ssmmessages") != 0)
		xasprintf(why, "SignatureDoesNotMatch: Credential should be "
		    "scoped to correct service: 'ssmmessages'.");
	else if (s != NULL && strcmp(a.region, s->region) != 0)
		xasprintf(why, "SignatureDoesNotMatch: Credential should be "
		    "scoped to a valid region, not '%.32s'.", a.region);
	else if (s != NULL && strcmp(a.caller->creds.account_id,
	    s->account) != 0) {
		*kind = EMU_DC_IDENTITY;
		xasprintf(why, "AccessDeniedException: User: %s is not "
		    "authorized to perform: ssmmessages:OpenDataChannel on "
		    "resource: arn:aws:ssm:%s:%s:session/%s", a.caller->arn,
		    s->region, s->account, s->id);
	} else if (s != NULL && emu_iam_check_channel(a.caller, s, why) != 0) {
		*kind = EMU_DC_IDENTITY;
	} else {
		*how = EMU_DC_SIGNED;
		rv = 0;
	}
	*akid = a.access_key_id;
	a.access_key_id = NULL;
	if (a.caller != NULL)
		*arn = xstrdup(a.caller->arn);
	emu_auth_clear(&a);
	return (rv);
}

/*
 * The upgrade request: the data-channel path, role publish_subscribe, its
 * signature, the session's current cell. A session the emulator does not
 * know (or no longer) is upgraded all the same and refused by its token.
 */
static void
emu_dc_request_cb(struct ws *ws, const struct ws_http_msg *req, void *arg)
{
	struct emu_dc		*dc = arg;
	struct emu_session	*s;
	enum emu_dc_admission	 how;
	enum emu_dc_refusal	 kind;
	const char		*path = req->target, *q;
	char			*why = NULL, *akid = NULL, *arn = NULL;

	if (strncmp(path, EMU_DC_PATH, sizeof EMU_DC_PATH - 1) != 0) {
		ws_server_reject(ws, 404, "not a data channel");
		return;
	}
	path += sizeof EMU_DC_PATH - 1;
	q = strchr(path, '?');
	if (q == NULL || q == path || (size_t)(q - path) > 96 ||
	    strstr(q, "role=publish_subscribe") == NULL) {
		ws_server_reject(ws, 400, "want /v1/data-channel/SESSION?"
		    "role=publish_subscribe");
		return;
	}
	dc->session_id = xstrndup(path, q - path);
	s = emu_session_find(dc->session_id);
	if (emu_dc_upgrade_auth(req, s, &how, &kind, &why, &akid,
	    &arn) == 0 && s != NULL && !emu_dc_cell_current(s, req->target)) {
		kind = EMU_DC_OLD_CELL;
		why = xstrdup("StreamUrl expired: its cell-number is not the "
		    "session's current one (ResumeSession handed out a new "
		    "StreamUrl; use the newest)");
	}
	emu_calls_add("ssmmessages:OpenDataChannel", akid, arn,
	    why != NULL ? 403 : 101, dc->session_id, NULL, NULL);
	free(akid);
	free(arn);
	if (why != NULL) {
		emu_dc_upgrade_refused[kind]++;
		log_info("dc %u: session %s: upgrade refused: %s", dc->id,
		    dc->session_id, why);
		ws_server_reject(ws, 403, why);
		free(why);
		return;
	}
	emu_dc_upgrade_ok[how]++;
	if (ws_server_accept(ws, NULL, 0) != 0)
		return;
	dc->state = EMU_DC_OPENING;
	emu_timer_add_ms(dc->timer, EMU_DC_OPEN_MS);
}

static void
emu_dc_open_timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	struct emu_dc	*dc = arg;

	log_info("dc %u: no OpenDataChannel frame in %d s", dc->id,
	    EMU_DC_OPEN_MS / 1000);
	dc->state = EMU_DC_CLOSING;
	ws_close(dc->ws, 1008, "invalid token");
}

static const struct ws_cb emu_dc_cb = {
	.message = emu_dc_message_cb,
	.close = emu_dc_close_cb,
	.error = emu_dc_error_cb,
	.drained = emu_dc_drained_cb,
	.request = emu_dc_request_cb,
};

/* A connection on the ws or wss port. */
static void
emu_dc_accept_cb(struct bufferevent *bev, int tls, void *arg)
{
	struct ws_options	 opts;
	struct emu_dc		*dc;
	int			 one = 1, fd = bufferevent_getfd(bev);

	/* Acks are small and must not wait for Nagle. */
	if (fd != -1)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	memset(&opts, 0, sizeof opts);
	opts.flags = WS_NO_PING;
	dc = xcalloc(1, sizeof *dc);
	dc->id = ++emu_dc_next_id;
	dc->state = EMU_DC_UPGRADE;
	dc->timer = evtimer_new(emu.base, emu_dc_open_timeout_cb, dc);
	emu_fault_init(&dc->in, EMU_FAULT_IN, 0, emu_dc_deliver_in, dc);
	emu_fault_init(&dc->out, EMU_FAULT_OUT, 0, emu_dc_deliver_out, dc);
	TAILQ_INSERT_TAIL(&emu_dcs, dc, entry);
	emu_dc_nopen++;
	emu_dc_total++;
	emu_port_io_max(bev);
	dc->ws = ws_server_new_bev(emu.base, bev, &opts, &emu_dc_cb, dc);
	log_debug("dc %u: %s connection", dc->id, tls ? "wss" : "ws");
}

void
emu_dc_init(void)
{
	emu_agent_init();
	emu_ws_set_accept(emu_dc_accept_cb, NULL);
}

void
emu_dc_free_all(void)
{
	struct emu_dc	*dc;

	while ((dc = TAILQ_FIRST(&emu_dcs)) != NULL) {
		emu_dc_unlink(dc);
		emu_dc_free(dc);
	}
	emu_agent_free_all();
}

void
emu_dc_to_json(const struct emu_dc *dc, cJSON *obj)
{
	cJSON_AddNumberToObject(obj, "connection", dc->id);
	cJSON_AddNumberToObject(obj, "relayed", (double)dc->relayed);
	cJSON_AddBoolToObject(obj, "muted", dc->muted);
	cJSON_AddBoolToObject(obj, "publication_paused", dc->paused);
	cJSON_AddNumberToObject(obj, "ws_queued",
	    (double)ws_get_queued(dc->ws));
}

/* Upgrades accepted by kind and refused (403) by reason. */
static cJSON *
emu_dc_upgrades_json(void)
{
	cJSON	*obj = cJSON_CreateObject(), *r;
	u_int	 i, n = 0;

	for (i = 0; i < EMU_DC_NADMISSIONS; i++)
		cJSON_AddNumberToObject(obj, emu_dc_admission_names[i],
		    emu_dc_upgrade_ok[i]);
	r = cJSON_AddObjectToObject(obj, "refused_by");
	for (i = 0; i < EMU_DC_NREFUSALS; i++) {
		cJSON_AddNumberToObject(r, emu_dc_refusal_names[i],
		    emu_dc_upgrade_refused[i]);
		n += emu_dc_upgrade_refused[i];
	}
	cJSON_AddNumberToObject(obj, "refused", n);
	return (obj);
}

cJSON *
emu_dc_state_json(void)
{
	cJSON	*obj = cJSON_CreateObject(), *p;

	p = cJSON_AddObjectToObject(obj, "pacing");
	cJSON_AddBoolToObject(p, "enabled", emu.knobs.pacing);
	cJSON_AddNumberToObject(p, "chunk", emu.knobs.chunk);
	cJSON_AddNumberToObject(p, "interval_us", emu.knobs.pace_us);
	cJSON_AddNumberToObject(p, "ceiling_bytes_per_sec",
	    emu_port_ceiling());
	cJSON_AddNumberToObject(p, "late_us", (double)emu_port_late());
	cJSON_AddNumberToObject(obj, "connections", emu_dc_nopen);
	cJSON_AddNumberToObject(obj, "connections_total", emu_dc_total);
	cJSON_AddNumberToObject(obj, "refused", emu_dc_refused);
	cJSON_AddNumberToObject(obj, "refused_client_version",
	    emu_dc_refused_version);
	cJSON_AddNumberToObject(obj, "dropped", emu_dc_dropped);
	cJSON_AddItemToObject(obj, "upgrades", emu_dc_upgrades_json());
	return (obj);
}

/* One POST /_emu/session action on one session's agent. */
static int
emu_dc_admin_one(struct emu_agent *a, const char *action, const char *text)
{
	struct emu_dc	*dc = a->dc;

	if (strcmp(action, "end") == 0) {
		emu_agent_end(a, text != NULL ? text : "", 0);
		return (0);
	}
	if (strcmp(action, "terminate") == 0) {
		emu_agent_end(a, "", 1);
		return (0);
	}
	if (dc == NULL)
		return (strcmp(action, "reset") == 0 ||
		    strcmp(action, "bye") == 0 || strcmp(action, "mute") == 0 ||
		    strcmp(action, "unmute") == 0 ||
		    strcmp(action, "pause") == 0 ||
		    strcmp(action, "start") == 0 ? 0 : -1);
	if (strcmp(action, "reset") == 0)
		emu_dc_drop(dc);
	else if (strcmp(action, "bye") == 0) {
		emu_dc_dropped++;
		emu_dc_close(dc, 1000, "Bye");
	} else if (strcmp(action, "mute") == 0 || strcmp(action, "unmute") == 0) {
		dc->muted = action[0] == 'm';
		ws_set_mute(dc->ws, dc->muted);
	} else if (strcmp(action, "pause") == 0)
		emu_dc_set_paused(dc, 1);
	else if (strcmp(action, "start") == 0)
		emu_dc_set_paused(dc, 0);
	else
		return (-1);
	return (0);
}

/*
 * POST /_emu/session {"id": SESSION or "*", "action": reset | bye | mute |
 * unmute | pause | start | end | terminate, "output": TEXT}: act on live
 * sessions now. reset and bye drop the client connection, mute silences
 * it, pause and start send publication messages, end sends
 * channel_closed with output, terminate ends as the TerminateSession API
 * does.
 */
void
emu_dc_admin(struct emu_req *r)
{
	struct emu_agent	*a, *next;
	const char		*id, *action, *text;
	cJSON			*obj, *reply;
	int			 n = 0;

	obj = cJSON_ParseWithLength(r->body, r->body_len);
	id = emu_json_string(obj, "id");
	action = emu_json_string(obj, "action");
	text = emu_json_string(obj, "output");
	if (id == NULL || action == NULL) {
		cJSON_Delete(obj);
		emu_reply_error(r, "BadRequest", 400, "session: want {\"id\": "
		    "a session or \"*\", \"action\": ...}\n");
		return;
	}
	TAILQ_FOREACH_SAFE(a, &emu_agents, entry, next) {
		if (a->state >= EMU_AGENT_DRAINING ||
		    (strcmp(id, "*") != 0 && strcmp(id, a->id) != 0))
			continue;
		if (emu_dc_admin_one(a, action, text) != 0) {
			cJSON_Delete(obj);
			emu_reply_error(r, "BadRequest", 400, "session: unknown "
			    "action %.64s\n", action);
			return;
		}
		n++;
	}
	log_info("session %s: %s by request %u (%d sessions)", id, action,
	    r->id, n);
	cJSON_Delete(obj);
	reply = cJSON_CreateObject();
	cJSON_AddNumberToObject(reply, "sessions", n);
	emu_reply_json(r, 200, reply);
}
