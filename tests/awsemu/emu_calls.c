/*
 * Who signed each call: the last EMU_CALLS_MAX API calls and data-channel
 * upgrades, oldest first, for GET /_emu/calls. A test of per-person
 * identity asks "was every StartSession of alice's sessions signed with
 * alice's key?", which counters cannot answer. Only the access key id
 * and the principal are kept, never a secret or a session token.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "xmalloc.h"

struct emu_call {
	uint64_t	 seq;
	char		*op;
	char		*access_key_id;
	char		*caller;
	int		 status;
	char		*session_id;
	char		*role_session_name;
	char		*reason;
};

static struct emu_call	emu_calls[EMU_CALLS_MAX];
static uint64_t		emu_calls_seq;		/* calls recorded so far */

static char *
emu_calls_dup(const char *s)
{
	return (s != NULL ? xstrdup(s) : NULL);
}

static void
emu_calls_clear(struct emu_call *c)
{
	free(c->op);
	free(c->access_key_id);
	free(c->caller);
	free(c->session_id);
	free(c->role_session_name);
	free(c->reason);
	memset(c, 0, sizeof *c);
}

void
emu_calls_add(const char *op, const char *access_key_id, const char *caller,
    int status, const char *session_id, const char *role_session_name,
    const char *reason)
{
	struct emu_call	*c = &emu_calls[emu_calls_seq % EMU_CALLS_MAX];

	emu_calls_clear(c);
	c->seq = ++emu_calls_seq;
	c->op = xstrdup(op);
	c->access_key_id = emu_calls_dup(access_key_id);
	c->caller = emu_calls_dup(caller);
	c->status = status;
	c->session_id = emu_calls_dup(session_id);
	c->role_session_name = emu_calls_dup(role_session_name);
	c->reason = emu_calls_dup(reason);
}

static void
emu_calls_add_string(cJSON *obj, const char *name, const char *value)
{
	if (value != NULL)
		cJSON_AddStringToObject(obj, name, value);
	else
		cJSON_AddNullToObject(obj, name);
}

/* Every field in every record, null when not known: simple to query. */
cJSON *
emu_calls_to_json(void)
{
	cJSON		*arr = cJSON_CreateArray(), *obj;
	struct emu_call	*c;
	uint64_t	 seq;

	seq = emu_calls_seq > EMU_CALLS_MAX ? emu_calls_seq - EMU_CALLS_MAX :
	    0;
	for (; seq < emu_calls_seq; seq++) {
		c = &emu_calls[seq % EMU_CALLS_MAX];
		obj = cJSON_CreateObject();
		cJSON_AddNumberToObject(obj, "seq", (double)c->seq);
		cJSON_AddStringToObject(obj, "op", c->op);
		emu_calls_add_string(obj, "access_key_id", c->access_key_id);
		emu_calls_add_string(obj, "caller", c->caller);
		cJSON_AddNumberToObject(obj, "status", c->status);
		emu_calls_add_string(obj, "session_id", c->session_id);
		emu_calls_add_string(obj, "role_session_name",
		    c->role_session_name);
		emu_calls_add_string(obj, "reason", c->reason);
		cJSON_AddItemToArray(arr, obj);
	}
	return (arr);
}

/* Forget every record; seq starts again at 1. */
void
emu_calls_reset(void)
{
	size_t	i;

	for (i = 0; i < EMU_CALLS_MAX; i++)
		emu_calls_clear(&emu_calls[i]);
	emu_calls_seq = 0;
}
