/*
 * The session table: one record per StartSession, found by SessionId (and
 * by token, for the data channel). The API side creates, resumes and ends
 * records; the data-channel side registers hooks to be told, and may
 * refuse a start. Ended sessions are kept (ResumeSession and
 * TerminateSession still find them) up to a bound, oldest dropped first.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define EMU_SESSION_MAX		16384

RB_HEAD(emu_session_tree, emu_session);
TAILQ_HEAD(emu_session_list, emu_session);

static struct emu_session_tree	emu_sessions = RB_INITIALIZER(&emu_sessions);
static struct emu_session_list	emu_session_order =
    TAILQ_HEAD_INITIALIZER(emu_session_order);
static u_int			emu_nsessions;
static u_int			emu_total_sessions;
static struct emu_session_hooks	emu_hooks;

static int
emu_session_cmp(struct emu_session *a, struct emu_session *b)
{
	return (strcmp(a->id, b->id));
}
RB_PROTOTYPE(emu_session_tree, emu_session, entry, emu_session_cmp);
RB_GENERATE(emu_session_tree, emu_session, entry, emu_session_cmp);

void
emu_session_set_hooks(const struct emu_session_hooks *hooks)
{
	emu_hooks = *hooks;
}

static void
emu_session_free(struct emu_session *s)
{
	if (emu_hooks.free != NULL)
		emu_hooks.free(s);
	RB_REMOVE(emu_session_tree, &emu_sessions, s);
	TAILQ_REMOVE(&emu_session_order, s, order);
	emu_nsessions--;
	free(s->id);
	free(s->target);
	free(s->document);
	cJSON_Delete(s->parameters);
	free(s->reason);
	free(s->access_key_id);
	free(s->account);
	free(s->region);
	freezero_str(s->token);
	free(s->stream_url);
	free(s);
}

/* Drop the oldest ended session to make room; 0 if there is none. */
static int
emu_session_prune(void)
{
	struct emu_session	*s;

	TAILQ_FOREACH(s, &emu_session_order, order) {
		if (s->state == EMU_SESSION_TERMINATED) {
			emu_session_free(s);
			return (1);
		}
	}
	return (0);
}

/* ws(s)://ADDR:PORT/v1/data-channel/ID?role=...&cell-number=BASE64 */
static char *
emu_session_url(const char *id)
{
	uint8_t	 cell[46];
	char	*b64, *url;
	int	 tls = emu_ws_port(1) > 0;
	int	 v6 = strchr(emu.address, ':') != NULL;

	util_random(cell, sizeof cell);
	cell[0] = 0xfb;		/* "+/" in the text; 46 bytes end in "=" */
	cell[1] = 0xff;
	cell[2] = 0xbf;
	b64 = util_base64_encode(cell, sizeof cell);
	xasprintf(&url, "%s://%s%s%s:%d/v1/data-channel/%s?"
	    "role=publish_subscribe&cell-number=%s", tls ? "wss" : "ws",
	    v6 ? "[" : "", emu.address, v6 ? "]" : "", emu_ws_port(tls), id,
	    b64);
	free(b64);
	return (url);
}

/*
 * Make a record for a new session (not yet started). NULL if the table is
 * full of live sessions.
 */
struct emu_session *
emu_session_new(const struct emu_cred *caller, const char *region,
    const char *target, const char *document, const cJSON *parameters,
    const char *reason)
{
	struct emu_session	*s;
	uint8_t			 rnd[9];
	char			 hex[19];

	if (emu_nsessions >= EMU_SESSION_MAX && !emu_session_prune())
		return (NULL);
	s = xcalloc(1, sizeof *s);
	do {
		util_random(rnd, sizeof rnd);
		util_hex(rnd, sizeof rnd, hex);
		free(s->id);
		/* 17 hex digits, like the ids AWS hands out. */
		xasprintf(&s->id, "%.78s-%.17s", caller->caller_name, hex);
	} while (emu_session_find(s->id) != NULL);
	s->target = xstrdup(target);
	s->document = xstrdup(document);
	s->parameters = parameters != NULL ?
	    cJSON_Duplicate(parameters, 1) : cJSON_CreateObject();
	s->reason = reason != NULL ? xstrdup(reason) : NULL;
	s->access_key_id = xstrdup(caller->creds.access_key_id);
	s->account = xstrdup(caller->creds.account_id != NULL ?
	    caller->creds.account_id : emu.registry->account);
	s->region = xstrdup(region != NULL ? region : emu.registry->region);
	s->token = emu_auth_token();
	s->stream_url = emu_session_url(s->id);
	s->state = EMU_SESSION_ACTIVE;
	s->created = (int64_t)(clock_wall_ms() / 1000);
	RB_INSERT(emu_session_tree, &emu_sessions, s);
	TAILQ_INSERT_TAIL(&emu_session_order, s, order);
	emu_nsessions++;
	emu_total_sessions++;
	return (s);
}

/*
 * Let the data-channel side accept or refuse the session. On refusal the
 * record is dropped and *code, *cause say why.
 */
int
emu_session_start(struct emu_session *s, const struct emu_target *t,
    const char **code, char **cause)
{
	if (emu_hooks.start != NULL &&
	    emu_hooks.start(s, t, code, cause) != 0) {
		emu_session_free(s);
		return (-1);
	}
	log_info("session %s: started to %s (%s)", s->id, s->target,
	    s->document);
	return (0);
}

struct emu_session *
emu_session_find(const char *id)
{
	struct emu_session	find;

	find.id = (char *)id;
	return (RB_FIND(emu_session_tree, &emu_sessions, &find));
}

/* The live session whose current token this is (data-channel side). */
struct emu_session *
emu_session_find_token(const char *token)
{
	struct emu_session	*s;

	TAILQ_FOREACH(s, &emu_session_order, order) {
		if (s->state == EMU_SESSION_ACTIVE &&
		    strcmp(s->token, token) == 0)
			return (s);
	}
	return (NULL);
}

/* A fresh token (the old one stops working), maybe a new URL. */
void
emu_session_resume(struct emu_session *s, int new_url)
{
	freezero_str(s->token);
	s->token = emu_auth_token();
	if (new_url) {
		free(s->stream_url);
		s->stream_url = emu_session_url(s->id);
	}
	s->resumes++;
	log_info("session %s: resumed (%u)%s", s->id, s->resumes,
	    new_url ? " with a new stream url" : "");
	if (emu_hooks.resume != NULL)
		emu_hooks.resume(s);
}

void
emu_session_terminate(struct emu_session *s)
{
	if (s->state == EMU_SESSION_TERMINATED)
		return;
	s->state = EMU_SESSION_TERMINATED;
	log_info("session %s: terminated", s->id);
	if (emu_hooks.terminate != NULL)
		emu_hooks.terminate(s);
}

/* Tell the data-channel side that a target's ping status changed. */
void
emu_session_target_changed(const struct emu_target *t)
{
	if (emu_hooks.target != NULL)
		emu_hooks.target(t);
}

void
emu_session_free_all(void)
{
	struct emu_session	*s;

	while ((s = TAILQ_FIRST(&emu_session_order)) != NULL) {
		if (s->state == EMU_SESSION_ACTIVE && emu_hooks.terminate)
			emu_hooks.terminate(s);
		emu_session_free(s);
	}
}

/* For GET /_emu/state: counts and the records, never the tokens. */
cJSON *
emu_session_to_json(void)
{
	struct emu_session	*s;
	cJSON			*obj, *list, *o, *dc;
	u_int			 active = 0;

	obj = cJSON_CreateObject();
	list = cJSON_CreateArray();
	TAILQ_FOREACH(s, &emu_session_order, order) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", s->id);
		cJSON_AddStringToObject(o, "target", s->target);
		cJSON_AddStringToObject(o, "document", s->document);
		cJSON_AddStringToObject(o, "state",
		    s->state == EMU_SESSION_ACTIVE ? "active" : "terminated");
		cJSON_AddNumberToObject(o, "resumes", s->resumes);
		cJSON_AddItemToObject(o, "parameters",
		    cJSON_Duplicate(s->parameters, 1));
		if (s->reason != NULL)
			cJSON_AddStringToObject(o, "reason", s->reason);
		if (emu_hooks.state != NULL && (dc = emu_hooks.state(s)) != NULL)
			cJSON_AddItemToObject(o, "agent", dc);
		cJSON_AddItemToArray(list, o);
		if (s->state == EMU_SESSION_ACTIVE)
			active++;
	}
	cJSON_AddNumberToObject(obj, "active", active);
	cJSON_AddNumberToObject(obj, "started", emu_total_sessions);
	cJSON_AddItemToObject(obj, "list", list);
	return (obj);
}
