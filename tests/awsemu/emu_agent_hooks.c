/*
 * How the data-channel side plugs into the API side's sessions
 * (emu_session.c hooks): StartSession makes an agent, TerminateSession
 * ends it (the agent drains, the client gets channel_closed), a target
 * going offline ends its sessions, and GET /_emu/state shows each
 * agent's counters. An agent lives as long as its session record.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "emu_agent.h"
#include "log.h"
#include "xmalloc.h"

static int
emu_agent_start_hook(struct emu_session *s, const struct emu_target *t,
    const char **code, char **cause)
{
	emu_agent_new(s, t);
	return (0);
}

static void
emu_agent_terminate_hook(struct emu_session *s)
{
	if (s->agent != NULL)
		emu_agent_end(s->agent, "", 1);
}

static void
emu_agent_free_hook(struct emu_session *s)
{
	if (s->agent != NULL)
		emu_agent_free(s->agent);
}

static cJSON *
emu_agent_state_hook(const struct emu_session *s)
{
	return (s->agent != NULL ? emu_agent_to_json(s->agent) : NULL);
}

/* A target went offline: its sessions end (the agent is gone). */
static void
emu_agent_target_hook(const struct emu_target *t)
{
	struct emu_agent	*a, *next;
	char			*text;

	if (strcmp(t->ping, "Online") == 0)
		return;
	xasprintf(&text, "The agent on target %s is no longer connected.",
	    t->id);
	TAILQ_FOREACH_SAFE(a, &emu_agents, entry, next) {
		if (a->state < EMU_AGENT_DRAINING &&
		    strcmp(a->target, t->id) == 0)
			emu_agent_end(a, text, 0);
	}
	free(text);
}

static void
emu_agent_resume_hook(struct emu_session *s)
{
	if (s->agent != NULL)
		log_debug("session %s: resumed by the API", s->id);
}

void
emu_agent_init(void)
{
	static const struct emu_session_hooks hooks = {
		.start = emu_agent_start_hook,
		.resume = emu_agent_resume_hook,
		.terminate = emu_agent_terminate_hook,
		.free = emu_agent_free_hook,
		.state = emu_agent_state_hook,
		.target = emu_agent_target_hook,
	};

	emu_session_set_hooks(&hooks);
}

void
emu_agent_free_all(void)
{
	struct emu_agent	*a;

	while ((a = TAILQ_FIRST(&emu_agents)) != NULL)
		emu_agent_free(a);
}

/* --------------------------------------------------------------- state */

static void
emu_agent_stats_json(const struct emu_agent *a, cJSON *o)
{
	const struct emu_agent_stats	*st = &a->st;

	cJSON_AddNumberToObject(o, "msgs_in", (double)st->msgs_in);
	cJSON_AddNumberToObject(o, "msgs_out", (double)st->msgs_out);
	cJSON_AddNumberToObject(o, "bytes_in", (double)st->bytes_in);
	cJSON_AddNumberToObject(o, "bytes_out", (double)st->bytes_out);
	cJSON_AddNumberToObject(o, "acks_in", (double)st->acks_in);
	cJSON_AddNumberToObject(o, "acks_out", (double)st->acks_out);
	cJSON_AddNumberToObject(o, "resends", (double)st->resends);
	cJSON_AddNumberToObject(o, "dups_in", (double)st->dups_in);
	cJSON_AddNumberToObject(o, "ahead_in", (double)st->ahead_in);
	cJSON_AddNumberToObject(o, "discarded_in", (double)st->discarded_in);
	cJSON_AddNumberToObject(o, "not_ready", (double)st->not_ready);
	cJSON_AddNumberToObject(o, "bad_in", (double)st->bad_in);
	cJSON_AddNumberToObject(o, "unbuffered", (double)st->unbuffered);
	cJSON_AddNumberToObject(o, "flags_in", (double)st->flags_in);
	cJSON_AddNumberToObject(o, "streams_opened",
	    (double)st->streams_opened);
	cJSON_AddNumberToObject(o, "streams_refused",
	    (double)st->streams_refused);
	cJSON_AddNumberToObject(o, "dials", (double)st->dials);
	cJSON_AddNumberToObject(o, "dial_failures", (double)st->dial_failures);
	cJSON_AddNumberToObject(o, "nops_in", (double)st->nops_in);
	cJSON_AddNumberToObject(o, "nops_out", (double)st->nops_out);
	cJSON_AddNumberToObject(o, "wakeups", (double)st->wakeups);
	emu_fault_to_json(&a->faults_in, "in", o);
	emu_fault_to_json(&a->faults_out, "out", o);
}

cJSON *
emu_agent_to_json(const struct emu_agent *a)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "state", emu_agent_states[a->state]);
	cJSON_AddStringToObject(o, "mode", emu_agent_modes[a->mode]);
	cJSON_AddStringToObject(o, "agent_version", a->agent_version);
	cJSON_AddStringToObject(o, "session_type", a->plan.session_type);
	if (a->client_version != NULL)
		cJSON_AddStringToObject(o, "client_version", a->client_version);
	if (a->odc_client_version != NULL)
		cJSON_AddStringToObject(o, "open_client_version",
		    a->odc_client_version);
	if (a->client_id != NULL)
		cJSON_AddStringToObject(o, "client_id", a->client_id);
	cJSON_AddBoolToObject(o, "keepalive", a->keepalive);
	cJSON_AddBoolToObject(o, "attached", a->dc != NULL);
	cJSON_AddBoolToObject(o, "paused", a->paused);
	cJSON_AddNumberToObject(o, "attaches", a->attaches);
	cJSON_AddNumberToObject(o, "resumes", a->attaches > 0 ?
	    a->attaches - 1 : 0);
	cJSON_AddNumberToObject(o, "drops", a->drops);
	cJSON_AddNumberToObject(o, "out_seq", (double)a->out_seq);
	cJSON_AddNumberToObject(o, "in_expected", (double)a->in_expected);
	cJSON_AddNumberToObject(o, "unacked", (double)a->nout);
	cJSON_AddNumberToObject(o, "stored", (double)a->nin);
	cJSON_AddNumberToObject(o, "inbox",
	    (double)evbuffer_get_length(a->inbox));
	cJSON_AddBoolToObject(o, "held", a->held != NULL);
	cJSON_AddNumberToObject(o, "rto_ms", a->rto);
	cJSON_AddNumberToObject(o, "age_ms", (double)((a->ended_ms != 0 ?
	    a->ended_ms : clock_now_ms()) - a->started_ms));
	if (a->end_reason != NULL)
		cJSON_AddStringToObject(o, "end_reason", a->end_reason);
	emu_agent_stats_json(a, o);
	if (a->dc != NULL)
		emu_dc_to_json(a->dc, o);
	emu_port_to_json(a, o);
	return (o);
}
