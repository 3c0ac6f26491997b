/*
 * The unsigned admin endpoint tests use (loopback only, like everything
 * else here): read counters and sessions, change knobs at run time, swap
 * the world, change one target's ping status.
 *
 *   GET  /_emu/health		"ok"
 *   GET  /_emu/state		counters per operation, sessions, totals
 *   POST /_emu/state/reset	zero the counters, forget the calls
 *   GET  /_emu/calls		who signed the last calls (emu_calls.c)
 *   GET  /_emu/knobs		every knob
 *   POST /_emu/knobs		set knobs from a JSON object (all or none)
 *   POST /_emu/world		replace the world (same JSON as --world)
 *   POST /_emu/target		{"id": ..., "ping": ...} or {"add": {...}}
 *   POST /_emu/session		{"id": ..., "action": ...} (emu_dc.c)
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "log.h"
#include "xmalloc.h"

static void
emu_admin_health(struct emu_req *r)
{
	emu_reply_text(r, 200, "text/plain", "ok\n");
}

static void
emu_admin_state(struct emu_req *r)
{
	cJSON	*obj = cJSON_CreateObject(), *ops;
	cJSON	*item;
	double	 throttled = 0, injected = 0;

	ops = emu_counter_to_json();
	cJSON_ArrayForEach(item, ops) {
		throttled += cJSON_GetObjectItem(item, "throttled")->valuedouble;
		injected += cJSON_GetObjectItem(item, "injected")->valuedouble;
	}
	cJSON_AddNumberToObject(obj, "requests", emu.requests);
	cJSON_AddNumberToObject(obj, "throttled", throttled);
	cJSON_AddNumberToObject(obj, "injected", injected);
	cJSON_AddNumberToObject(obj, "credentials_issued",
	    emu_auth_issued_count());
	cJSON_AddItemToObject(obj, "ops", ops);
	cJSON_AddItemToObject(obj, "sessions", emu_session_to_json());
	cJSON_AddItemToObject(obj, "data_channel", emu_dc_state_json());
	emu_reply_json(r, 200, obj);
}

static void
emu_admin_reset(struct emu_req *r)
{
	emu_counter_reset();
	emu_calls_reset();
	emu.requests = 0;
	emu_reply_text(r, 200, "text/plain", "ok\n");
}

static void
emu_admin_calls(struct emu_req *r)
{
	emu_reply_json(r, 200, emu_calls_to_json());
}

static void
emu_admin_get_knobs(struct emu_req *r)
{
	emu_reply_json(r, 200, emu_knobs_to_json(&emu.knobs));
}

static void
emu_admin_set_knobs(struct emu_req *r)
{
	cJSON	*obj;
	char	*cause = NULL;

	obj = cJSON_ParseWithLength(r->body, r->body_len);
	if (obj == NULL) {
		emu_reply_error(r, "BadRequest", 400, "knobs: not valid JSON\n");
		return;
	}
	if (emu_knobs_set_json(&emu.knobs, obj, &cause) != 0) {
		cJSON_Delete(obj);
		emu_reply_error(r, "BadRequest", 400, "%s\n", cause);
		free(cause);
		return;
	}
	cJSON_Delete(obj);
	log_info("knobs: changed by request %u", r->id);
	emu_reply_json(r, 200, emu_knobs_to_json(&emu.knobs));
}

static void
emu_admin_world(struct emu_req *r)
{
	struct emu_registry	*reg;
	char			*cause = NULL;

	reg = emu_registry_parse(r->body, r->body_len, "world", &cause);
	if (reg == NULL) {
		emu_reply_error(r, "BadRequest", 400, "%s\n", cause);
		free(cause);
		return;
	}
	emu_registry_free(emu.registry);
	emu.registry = reg;
	emu_auth_load(reg);
	log_info("world: replaced by request %u (%zu targets)", r->id,
	    reg->ntargets);
	emu_reply_text(r, 200, "text/plain", "ok\n");
}

/* {"add": {an "instances" entry}, "ecs": false}: one more target. */
static void
emu_admin_target_add(struct emu_req *r, const cJSON *obj)
{
	const cJSON	*ecs = cJSON_GetObjectItemCaseSensitive(obj, "ecs");
	char		*cause = NULL;

	if (emu_registry_add_target(emu.registry,
	    cJSON_GetObjectItemCaseSensitive(obj, "add"), cJSON_IsTrue(ecs),
	    &cause) != 0) {
		emu_reply_error(r, "BadRequest", 400, "%s\n", cause);
		free(cause);
		return;
	}
	log_info("target %s: added by request %u",
	    emu.registry->targets[emu.registry->ntargets - 1].id, r->id);
	emu_reply_text(r, 200, "text/plain", "ok\n");
}

static void
emu_admin_target(struct emu_req *r)
{
	static const char *const pings[] = { "Online", "ConnectionLost",
	    "Inactive", NULL };
	struct emu_target	*t = NULL;
	const char		*id, *ping;
	cJSON			*obj;
	size_t			 i;

	obj = cJSON_ParseWithLength(r->body, r->body_len);
	if (cJSON_GetObjectItemCaseSensitive(obj, "add") != NULL) {
		emu_admin_target_add(r, obj);
		cJSON_Delete(obj);
		return;
	}
	id = emu_json_string(obj, "id");
	ping = emu_json_string(obj, "ping");
	if (id != NULL)
		t = emu_registry_find_target(emu.registry, id);
	for (i = 0; ping != NULL && pings[i] != NULL; i++) {
		if (strcmp(ping, pings[i]) == 0)
			break;
	}
	if (t == NULL || ping == NULL || pings[i] == NULL) {
		cJSON_Delete(obj);
		emu_reply_error(r, "BadRequest", 400, "target: want {\"id\": "
		    "a known target, \"ping\": Online, ConnectionLost or "
		    "Inactive}\n");
		return;
	}
	free(t->ping);
	t->ping = xstrdup(ping);
	log_info("target %s: ping status %s", t->id, t->ping);
	emu_session_target_changed(t);
	cJSON_Delete(obj);
	emu_reply_text(r, 200, "text/plain", "ok\n");
}

const struct emu_op emu_admin_ops[] = {
	{ "_emu:GET /_emu/health", EMU_PROTO_PLAIN, 0, emu_admin_health },
	{ "_emu:GET /_emu/state", EMU_PROTO_PLAIN, 0, emu_admin_state },
	{ "_emu:POST /_emu/state/reset", EMU_PROTO_PLAIN, 0, emu_admin_reset },
	{ "_emu:GET /_emu/calls", EMU_PROTO_PLAIN, 0, emu_admin_calls },
	{ "_emu:GET /_emu/knobs", EMU_PROTO_PLAIN, 0, emu_admin_get_knobs },
	{ "_emu:POST /_emu/knobs", EMU_PROTO_PLAIN, 0, emu_admin_set_knobs },
	{ "_emu:POST /_emu/world", EMU_PROTO_PLAIN, 0, emu_admin_world },
	{ "_emu:POST /_emu/target", EMU_PROTO_PLAIN, 0, emu_admin_target },
	{ "_emu:POST /_emu/session", EMU_PROTO_PLAIN, 0, emu_dc_admin },
	{ NULL, 0, 0, NULL }
};

int
emu_admin_match(const char *method, const char *path,
    const struct emu_op **op)
{
	const struct emu_op	*o;
	size_t			 mlen = strlen(method);

	for (o = emu_admin_ops; o->name != NULL; o++) {
		if (strncmp(o->name + 5, method, mlen) == 0 &&
		    o->name[5 + mlen] == ' ' &&
		    strcmp(o->name + 6 + mlen, path) == 0) {
			*op = o;
			return (0);
		}
	}
	return (-1);
}
