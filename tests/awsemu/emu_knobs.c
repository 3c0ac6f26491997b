/*
 * Knobs: how the emulator misbehaves. One table lists every knob with its
 * type and bounds; the command line (--knob NAME=VALUE), the knob file and
 * POST /_emu/knobs all go through it, and GET /_emu/knobs prints it back.
 * A JSON update is checked whole before any of it applies.
 *
 * Also the per-operation counters that GET /_emu/state reports.
 */

#include <sys/types.h>
#include <sys/tree.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "ssm_version.h"
#include "util.h"
#include "xmalloc.h"

enum emu_knob_type {
	EMU_KNOB_INT,
	EMU_KNOB_BOOL,
	EMU_KNOB_ENUM,
	EMU_KNOB_STRING,
	EMU_KNOB_LIST,
};

struct emu_knob {
	const char		*name;
	enum emu_knob_type	 type;
	size_t			 off;		/* int or char[max] field */
	int			 min, max;
	const char *const	*values;	/* enum names, by value */
	int			(*check)(const char *);	/* string: 1 if ok */
	int			(*set)(struct emu_knobs *, const cJSON *,
				    char **);
	cJSON			*(*get)(const struct emu_knobs *);
	const char		*help;
};

static const char *const emu_resume_names[] = {
	"ok", "new_url", "no_token", "not_found", NULL
};

static const char *const emu_resend_names[] = { "front", "all", NULL };
static const char *const emu_handshake_names[] = {
	"normal", "unknown_action", "session_type", "kms", "no_request",
	"no_complete", NULL
};
static const char *const emu_malformed_names[] = {
	"none", "bad_digest", "bad_length", "short", "unknown_type", "text",
	"all", NULL
};
static const char *const emu_drop_names[] = { "reset", "bye", NULL };
static const char *const emu_upgrade_auth_names[] = { "required",
	"optional", "off", NULL };

static int	 emu_knobs_version_ok(const char *);

static int	 emu_knobs_set_faults(struct emu_knobs *, const cJSON *,
		     char **);
static cJSON	*emu_knobs_get_faults(const struct emu_knobs *);
static int	 emu_knobs_set_throttle(struct emu_knobs *, const cJSON *,
		     char **);
static cJSON	*emu_knobs_get_throttle(const struct emu_knobs *);
static int	 emu_knobs_set_fail(struct emu_knobs *, const cJSON *, char **);
static cJSON	*emu_knobs_get_fail(const struct emu_knobs *);
static int	 emu_knobs_set_deny(struct emu_knobs *, const cJSON *, char **);
static cJSON	*emu_knobs_get_deny(const struct emu_knobs *);
static int	 emu_knobs_set_delay(struct emu_knobs *, const cJSON *,
		     char **);
static cJSON	*emu_knobs_get_delay(const struct emu_knobs *);

#define KNOB_INT(n, f, lo, hi, h) \
	{ n, EMU_KNOB_INT, offsetof(struct emu_knobs, f), lo, hi, NULL, \
	    NULL, NULL, NULL, h }
#define KNOB_BOOL(n, f, h) \
	{ n, EMU_KNOB_BOOL, offsetof(struct emu_knobs, f), 0, 1, NULL, \
	    NULL, NULL, NULL, h }
#define KNOB_ENUM(n, f, v, h) \
	{ n, EMU_KNOB_ENUM, offsetof(struct emu_knobs, f), 0, 0, v, \
	    NULL, NULL, NULL, h }
/* A string up to the size of its char array, checked by c. */
#define KNOB_STRING(n, f, c, h) \
	{ n, EMU_KNOB_STRING, offsetof(struct emu_knobs, f), 0, \
	    sizeof ((struct emu_knobs *)0)->f, NULL, c, NULL, NULL, h }
#define KNOB_LIST(n, s, g, h) \
	{ n, EMU_KNOB_LIST, 0, 0, 0, NULL, NULL, s, g, h }

static const struct emu_knob emu_knob_table[] = {
	KNOB_INT("delay_ms", delay_ms, 0, 600000,
	    "delay every API response by this many milliseconds"),
	KNOB_INT("creds_ttl", creds_ttl, 0, 129600,
	    "lifetime in seconds of every credential the emulator issues "
	    "(0: what STS was asked, else 3600)"),
	KNOB_BOOL("imds_v2", imds_v2,
	    "IMDSv2 tokens; false answers PUT /latest/api/token with 403"),
	KNOB_BOOL("imds_v1", imds_v1,
	    "IMDSv1; false answers metadata GETs without a token with 401"),
	KNOB_ENUM("resume", resume, emu_resume_names,
	    "ResumeSession of a live session: new_url (a new cell-number; "
	    "upgrades to the older StreamUrl are refused), ok (the same "
	    "StreamUrl), no_token, not_found"),
	KNOB_ENUM("resume_ended", resume_ended, emu_resume_names,
	    "ResumeSession of a terminated session: no_token or not_found"),
	KNOB_LIST("throttle", emu_knobs_set_throttle, emu_knobs_get_throttle,
	    "[{op, rate, burst}]: ThrottlingException above rate per second "
	    "(op \"*\" is global)"),
	KNOB_LIST("fail", emu_knobs_set_fail, emu_knobs_get_fail,
	    "[{op, count, code, status, message}]: fail the next count calls"),
	KNOB_LIST("deny", emu_knobs_set_deny, emu_knobs_get_deny,
	    "[{key, action}]: AccessDeniedException for that key and action"),
	KNOB_LIST("delay", emu_knobs_set_delay, emu_knobs_get_delay,
	    "[{op, ms}]: delay the responses of one operation"),

	/* The data channel: gateway and agent (emu_dc.c, emu_agent*.c). */
	KNOB_ENUM("upgrade_auth", upgrade_auth, emu_upgrade_auth_names,
	    "the WebSocket upgrade's SigV4 signature: required (403 without "
	    "one), optional (checked if present), off"),
	KNOB_STRING("min_client_version", min_client_version,
	    emu_knobs_version_ok,
	    "OpenDataChannel's ClientVersion must be at least this (else "
	    "close 1008); \"\": any, or none"),
	KNOB_BOOL("pacing", pacing,
	    "agent output paced like the real agent: one message of at most "
	    "chunk bytes per pace_us; false: as fast as the WebSocket drains"),
	KNOB_INT("pace_us", pace_us, 1, 1000000,
	    "pacing interval in microseconds (ceiling: chunk bytes per "
	    "interval per session)"),
	KNOB_INT("chunk", chunk, 1, 524288,
	    "largest Output payload the agent sends (the agent's 1024; "
	    "gatewayd takes messages of up to 1 MiB)"),
	KNOB_INT("window", window, 0, 100000,
	    "unacknowledged agent messages at which it stops reading its "
	    "targets; 0: no limit (the agent's way)"),
	KNOB_ENUM("resend", resend, emu_resend_names,
	    "agent resends: front (oldest overdue only, the agent's way) or "
	    "all (every overdue one, and everything on reattach)"),
	KNOB_INT("handshake_timeout_ms", handshake_timeout_ms, 1, 600000,
	    "the agent's wait for the HandshakeResponse (15000)"),
	KNOB_ENUM("handshake", handshake, emu_handshake_names,
	    "handshake variant: normal, unknown_action, session_type, kms, "
	    "no_request, no_complete"),
	KNOB_ENUM("malformed", malformed, emu_malformed_names,
	    "malformed frames after HandshakeComplete: none, bad_digest, "
	    "bad_length, short, unknown_type, text, all"),
	KNOB_INT("seed", seed, 0, 2147483647,
	    "seed of the fault draws (0: random)"),
	KNOB_LIST("faults", emu_knobs_set_faults, emu_knobs_get_faults,
	    "[{dir: in|out|both, what: data|ack|all, loss, dup, reorder, "
	    "delay, delay_ms, corrupt}]: rates per message"),
	KNOB_INT("drop_after", drop_after, 0, 1000000000,
	    "drop a client WebSocket after this many messages (0: never)"),
	KNOB_INT("drop_count", drop_count, -1, 1000000000,
	    "drops left for drop_after (-1: no limit)"),
	KNOB_ENUM("drop_mode", drop_mode, emu_drop_names,
	    "how drop_after drops: reset (TCP reset) or bye (close 1000)"),
	KNOB_INT("rotate_ms", rotate_ms, 0, 86400000,
	    "close every client WebSocket this long after it attached "
	    "(1000 \"Bye\"; 0: never)"),
	KNOB_INT("mute_after_ms", mute_after_ms, 0, 86400000,
	    "a client WebSocket goes silent this long after it attached: no "
	    "data, acks or pongs (0: never)"),
	KNOB_INT("pause_at_ms", pause_at_ms, -1, 86400000,
	    "send pause_publication this long after a client attached "
	    "(-1: never)"),
	KNOB_INT("pause_ms", pause_ms, -1, 86400000,
	    "how long the pause lasts before start_publication (-1: "
	    "forever)"),
	KNOB_INT("refuse", refuse, -1, 1000000000,
	    "target dials to fail with connection refused (-1: all)"),
	KNOB_INT("dial_delay_ms", dial_delay_ms, 0, 600000,
	    "delay every target dial"),
	KNOB_INT("not_ready", not_ready, 0, 1000000000,
	    "client data messages each session leaves unacknowledged after "
	    "the handshake (the agent's consumer not ready)"),
	KNOB_INT("idle_timeout_ms", idle_timeout_ms, 0, 86400000,
	    "end a session with no stream data for this long (0: never)"),
	KNOB_INT("max_session_ms", max_session_ms, 0, 86400000,
	    "end a session this long after it started (0: never)"),
	KNOB_INT("keepalive_ms", keepalive_ms, 1, 600000,
	    "smux NOP interval where the agent keeps alive (10000)"),
	KNOB_INT("keepalive_timeout_ms", keepalive_timeout_ms, 1, 600000,
	    "smux keep-alive check interval (30000)"),
	{ NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL }
};

void
emu_knobs_init(struct emu_knobs *k)
{
	memset(k, 0, sizeof *k);
	k->imds_v2 = 1;
	k->imds_v1 = 1;
	k->resume = EMU_RESUME_NEW_URL;
	k->upgrade_auth = EMU_UPGRADE_REQUIRED;
	strlcpy(k->min_client_version, EMU_MIN_CLIENT_VERSION,
	    sizeof k->min_client_version);
	k->resume_ended = EMU_RESUME_NOT_FOUND;
	k->pacing = 1;
	k->pace_us = 1000;
	k->chunk = 1024;
	k->handshake_timeout_ms = 15000;
	k->drop_count = -1;
	k->pause_at_ms = -1;
	k->pause_ms = 1000;
	k->keepalive_ms = 10000;
	k->keepalive_timeout_ms = 30000;
}

static void
emu_knobs_clear_throttle(struct emu_knobs *k)
{
	size_t	i;

	for (i = 0; i < k->nthrottle; i++)
		free(k->throttle[i].op);
	free(k->throttle);
	k->throttle = NULL;
	k->nthrottle = 0;
}

static void
emu_knobs_clear_fail(struct emu_knobs *k)
{
	size_t	i;

	for (i = 0; i < k->nfail; i++) {
		free(k->fail[i].op);
		free(k->fail[i].code);
		free(k->fail[i].message);
	}
	free(k->fail);
	k->fail = NULL;
	k->nfail = 0;
}

static void
emu_knobs_clear_deny(struct emu_knobs *k)
{
	size_t	i;

	for (i = 0; i < k->ndeny; i++) {
		free(k->deny[i].access_key_id);
		free(k->deny[i].action);
	}
	free(k->deny);
	k->deny = NULL;
	k->ndeny = 0;
}

static void
emu_knobs_clear_delay(struct emu_knobs *k)
{
	size_t	i;

	for (i = 0; i < k->ndelay; i++)
		free(k->delay[i].op);
	free(k->delay);
	k->delay = NULL;
	k->ndelay = 0;
}

static void
emu_knobs_clear_faults(struct emu_knobs *k)
{
	free(k->faults);
	k->faults = NULL;
	k->nfaults = 0;
}

void
emu_knobs_clear(struct emu_knobs *k)
{
	emu_knobs_clear_faults(k);
	emu_knobs_clear_throttle(k);
	emu_knobs_clear_fail(k);
	emu_knobs_clear_deny(k);
	emu_knobs_clear_delay(k);
}

/* Member name of list entry i: a string (default def), or -1. */
static int
emu_knobs_entry_string(const char *knob, size_t i, const cJSON *obj,
    const char *name, const char *def, char **out, char **cause)
{
	const cJSON	*item = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (item == NULL && def != NULL) {
		*out = xstrdup(def);
		return (0);
	}
	if (!cJSON_IsString(item) || item->valuestring[0] == '\0' ||
	    strlen(item->valuestring) > 1024) {
		xasprintf(cause, "knob %s[%zu].%s: %s", knob, i, name,
		    item == NULL ? "missing" : "not a non-empty string");
		return (-1);
	}
	*out = xstrdup(item->valuestring);
	return (0);
}

/* Member name of list entry i: a number within [lo, hi] (default def). */
static int
emu_knobs_entry_number(const char *knob, size_t i, const cJSON *obj,
    const char *name, double lo, double hi, double def, double *out,
    char **cause)
{
	const cJSON	*item = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (item == NULL) {
		*out = def;
		return (0);
	}
	if (!cJSON_IsNumber(item) || item->valuedouble < lo ||
	    item->valuedouble > hi) {
		xasprintf(cause, "knob %s[%zu].%s: not a number from %g to %g",
		    knob, i, name, lo, hi);
		return (-1);
	}
	*out = item->valuedouble;
	return (0);
}

/* Check that v is an array of objects; return its size or -1. */
static int
emu_knobs_list(const char *knob, const cJSON *v, char **cause)
{
	const cJSON	*item;
	int		 n = 0;

	if (!cJSON_IsArray(v)) {
		xasprintf(cause, "knob %s: not an array", knob);
		return (-1);
	}
	cJSON_ArrayForEach(item, v) {
		if (!cJSON_IsObject(item)) {
			xasprintf(cause, "knob %s[%d]: not an object", knob, n);
			return (-1);
		}
		if (++n > 256) {
			xasprintf(cause, "knob %s: more than 256 entries", knob);
			return (-1);
		}
	}
	return (n);
}

static int
emu_knobs_set_throttle(struct emu_knobs *k, const cJSON *v, char **cause)
{
	const cJSON		*item;
	struct emu_throttle	*t;
	int			 n;

	if ((n = emu_knobs_list("throttle", v, cause)) < 0)
		return (-1);
	emu_knobs_clear_throttle(k);
	k->throttle = xcalloc(n + 1, sizeof *k->throttle);
	cJSON_ArrayForEach(item, v) {
		t = &k->throttle[k->nthrottle];
		if (emu_knobs_entry_string("throttle", k->nthrottle, item, "op",
		    "*", &t->op, cause) != 0)
			return (-1);
		k->nthrottle++;
		if (emu_knobs_entry_number("throttle", k->nthrottle - 1, item,
		    "rate", 0, 1e6, 1, &t->rate, cause) != 0 ||
		    emu_knobs_entry_number("throttle", k->nthrottle - 1, item,
		    "burst", 0, 1e6, t->rate, &t->burst, cause) != 0)
			return (-1);
		t->level = t->burst;
		t->last_ms = 0;
	}
	return (0);
}

static int
emu_knobs_set_fail(struct emu_knobs *k, const cJSON *v, char **cause)
{
	const cJSON	*item;
	struct emu_fail	*f;
	double		 count, status;
	int		 n;

	if ((n = emu_knobs_list("fail", v, cause)) < 0)
		return (-1);
	emu_knobs_clear_fail(k);
	k->fail = xcalloc(n + 1, sizeof *k->fail);
	cJSON_ArrayForEach(item, v) {
		f = &k->fail[k->nfail++];
		if (emu_knobs_entry_string("fail", k->nfail - 1, item, "op",
		    "*", &f->op, cause) != 0 ||
		    emu_knobs_entry_string("fail", k->nfail - 1, item, "code",
		    "InternalServerError", &f->code, cause) != 0 ||
		    emu_knobs_entry_string("fail", k->nfail - 1, item,
		    "message", "An internal error occurred.", &f->message,
		    cause) != 0 ||
		    emu_knobs_entry_number("fail", k->nfail - 1, item, "count",
		    0, 1e6, 1, &count, cause) != 0 ||
		    emu_knobs_entry_number("fail", k->nfail - 1, item, "status",
		    400, 599, 500, &status, cause) != 0)
			return (-1);
		f->count = (u_int)count;
		f->status = (int)status;
	}
	return (0);
}

static int
emu_knobs_set_deny(struct emu_knobs *k, const cJSON *v, char **cause)
{
	const cJSON	*item;
	struct emu_deny	*d;
	int		 n;

	if ((n = emu_knobs_list("deny", v, cause)) < 0)
		return (-1);
	emu_knobs_clear_deny(k);
	k->deny = xcalloc(n + 1, sizeof *k->deny);
	cJSON_ArrayForEach(item, v) {
		d = &k->deny[k->ndeny++];
		if (emu_knobs_entry_string("deny", k->ndeny - 1, item, "key",
		    "*", &d->access_key_id, cause) != 0 ||
		    emu_knobs_entry_string("deny", k->ndeny - 1, item, "action",
		    "*", &d->action, cause) != 0)
			return (-1);
	}
	return (0);
}

static int
emu_knobs_set_delay(struct emu_knobs *k, const cJSON *v, char **cause)
{
	const cJSON		*item;
	struct emu_delay	*d;
	double			 ms;
	int			 n;

	if ((n = emu_knobs_list("delay", v, cause)) < 0)
		return (-1);
	emu_knobs_clear_delay(k);
	k->delay = xcalloc(n + 1, sizeof *k->delay);
	cJSON_ArrayForEach(item, v) {
		d = &k->delay[k->ndelay++];
		if (emu_knobs_entry_string("delay", k->ndelay - 1, item, "op",
		    "*", &d->op, cause) != 0 ||
		    emu_knobs_entry_number("delay", k->ndelay - 1, item, "ms",
		    0, 600000, 0, &ms, cause) != 0)
			return (-1);
		d->ms = (u_int)ms;
	}
	return (0);
}

/* dir: "in", "out" or "both"; what: "data", "ack" or "all". */
static int
emu_knobs_fault_names(size_t i, const cJSON *item, struct emu_fault_rule *f,
    char **cause)
{
	char	*dir, *what;
	int	 rv = 0;

	if (emu_knobs_entry_string("faults", i, item, "dir", "both", &dir,
	    cause) != 0)
		return (-1);
	if (emu_knobs_entry_string("faults", i, item, "what", "all", &what,
	    cause) != 0) {
		free(dir);
		return (-1);
	}
	if (strcmp(dir, "in") == 0)
		f->dir = EMU_FAULT_IN;
	else if (strcmp(dir, "out") == 0)
		f->dir = EMU_FAULT_OUT;
	else if (strcmp(dir, "both") == 0)
		f->dir = EMU_FAULT_IN | EMU_FAULT_OUT;
	else
		rv = -1;
	if (strcmp(what, "data") == 0)
		f->what = EMU_FAULT_DATA;
	else if (strcmp(what, "ack") == 0)
		f->what = EMU_FAULT_ACK;
	else if (strcmp(what, "all") == 0)
		f->what = EMU_FAULT_DATA | EMU_FAULT_ACK | EMU_FAULT_OTHER;
	else
		rv = -1;
	if (rv != 0)
		xasprintf(cause, "knob faults[%zu]: dir is in, out or both and "
		    "what is data, ack or all", i);
	free(dir);
	free(what);
	return (rv);
}

static int
emu_knobs_set_faults(struct emu_knobs *k, const cJSON *v, char **cause)
{
	static const char *const rates[] = { "loss", "dup", "reorder",
	    "delay", "corrupt", NULL };
	const cJSON		*item;
	struct emu_fault_rule	*f;
	double			*field[5], ms;
	size_t			 i, j;
	int			 n;

	if ((n = emu_knobs_list("faults", v, cause)) < 0)
		return (-1);
	emu_knobs_clear_faults(k);
	k->faults = xcalloc(n + 1, sizeof *k->faults);
	i = 0;
	cJSON_ArrayForEach(item, v) {
		f = &k->faults[i];
		field[0] = &f->loss;
		field[1] = &f->dup;
		field[2] = &f->reorder;
		field[3] = &f->delay;
		field[4] = &f->corrupt;
		if (emu_knobs_fault_names(i, item, f, cause) != 0)
			return (-1);
		for (j = 0; rates[j] != NULL; j++) {
			if (emu_knobs_entry_number("faults", i, item, rates[j],
			    0, 1, 0, field[j], cause) != 0)
				return (-1);
		}
		if (emu_knobs_entry_number("faults", i, item, "delay_ms", 0,
		    60000, 50, &ms, cause) != 0)
			return (-1);
		f->delay_ms = (u_int)ms;
		k->nfaults = ++i;
	}
	return (0);
}

static cJSON *
emu_knobs_get_faults(const struct emu_knobs *k)
{
	static const char *const dirs[] = { "", "in", "out", "both" };
	const struct emu_fault_rule	*f;
	cJSON				*a = cJSON_CreateArray(), *o;
	size_t				 i;

	for (i = 0; i < k->nfaults; i++) {
		f = &k->faults[i];
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "dir", dirs[f->dir & 3]);
		cJSON_AddStringToObject(o, "what",
		    f->what == EMU_FAULT_DATA ? "data" :
		    f->what == EMU_FAULT_ACK ? "ack" : "all");
		cJSON_AddNumberToObject(o, "loss", f->loss);
		cJSON_AddNumberToObject(o, "dup", f->dup);
		cJSON_AddNumberToObject(o, "reorder", f->reorder);
		cJSON_AddNumberToObject(o, "delay", f->delay);
		cJSON_AddNumberToObject(o, "delay_ms", f->delay_ms);
		cJSON_AddNumberToObject(o, "corrupt", f->corrupt);
		cJSON_AddItemToArray(a, o);
	}
	return (a);
}

static cJSON *
emu_knobs_get_throttle(const struct emu_knobs *k)
{
	cJSON	*a = cJSON_CreateArray(), *o;
	size_t	 i;

	for (i = 0; i < k->nthrottle; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "op", k->throttle[i].op);
		cJSON_AddNumberToObject(o, "rate", k->throttle[i].rate);
		cJSON_AddNumberToObject(o, "burst", k->throttle[i].burst);
		cJSON_AddItemToArray(a, o);
	}
	return (a);
}

static cJSON *
emu_knobs_get_fail(const struct emu_knobs *k)
{
	cJSON	*a = cJSON_CreateArray(), *o;
	size_t	 i;

	for (i = 0; i < k->nfail; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "op", k->fail[i].op);
		cJSON_AddNumberToObject(o, "count", k->fail[i].count);
		cJSON_AddStringToObject(o, "code", k->fail[i].code);
		cJSON_AddNumberToObject(o, "status", k->fail[i].status);
		cJSON_AddStringToObject(o, "message", k->fail[i].message);
		cJSON_AddItemToArray(a, o);
	}
	return (a);
}

static cJSON *
emu_knobs_get_deny(const struct emu_knobs *k)
{
	cJSON	*a = cJSON_CreateArray(), *o;
	size_t	 i;

	for (i = 0; i < k->ndeny; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "key", k->deny[i].access_key_id);
		cJSON_AddStringToObject(o, "action", k->deny[i].action);
		cJSON_AddItemToArray(a, o);
	}
	return (a);
}

static cJSON *
emu_knobs_get_delay(const struct emu_knobs *k)
{
	cJSON	*a = cJSON_CreateArray(), *o;
	size_t	 i;

	for (i = 0; i < k->ndelay; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "op", k->delay[i].op);
		cJSON_AddNumberToObject(o, "ms", k->delay[i].ms);
		cJSON_AddItemToArray(a, o);
	}
	return (a);
}

/* A version knob: "" or numeric parts (ssm_version_cmp()'s rule). */
static int
emu_knobs_version_ok(const char *v)
{
	int	cmp;

	return (*v == '\0' || ssm_version_cmp(v, v, &cmp) == 0);
}

static const struct emu_knob *
emu_knobs_find(const char *name)
{
	const struct emu_knob	*kn;

	for (kn = emu_knob_table; kn->name != NULL; kn++) {
		if (strcmp(kn->name, name) == 0)
			return (kn);
	}
	return (NULL);
}

/* Set one knob from a JSON value. */
static int
emu_knobs_set_one(struct emu_knobs *k, const struct emu_knob *kn,
    const cJSON *v, char **cause)
{
	int	*field = (int *)((char *)k + kn->off);
	size_t	 i;

	switch (kn->type) {
	case EMU_KNOB_INT:
		if (!cJSON_IsNumber(v) || v->valuedouble < kn->min ||
		    v->valuedouble > kn->max ||
		    v->valuedouble != (double)(int)v->valuedouble)
			break;
		*field = (int)v->valuedouble;
		return (0);
	case EMU_KNOB_BOOL:
		if (!cJSON_IsBool(v))
			break;
		*field = cJSON_IsTrue(v);
		return (0);
	case EMU_KNOB_ENUM:
		for (i = 0; cJSON_IsString(v) && kn->values[i] != NULL; i++) {
			if (strcmp(v->valuestring, kn->values[i]) == 0) {
				*field = (int)i;
				return (0);
			}
		}
		break;
	case EMU_KNOB_STRING:
		if (!cJSON_IsString(v) ||
		    strlen(v->valuestring) >= (size_t)kn->max ||
		    !kn->check(v->valuestring))
			break;
		strlcpy((char *)k + kn->off, v->valuestring, kn->max);
		return (0);
	case EMU_KNOB_LIST:
		return (kn->set(k, v, cause));
	}
	if (kn->type == EMU_KNOB_INT)
		xasprintf(cause, "knob %s: not an integer from %d to %d",
		    kn->name, kn->min, kn->max);
	else
		xasprintf(cause, "knob %s: bad value (%s)", kn->name, kn->help);
	return (-1);
}

static int
emu_knobs_apply(struct emu_knobs *k, const cJSON *obj, char **cause)
{
	const struct emu_knob	*kn;
	const cJSON		*item;

	cJSON_ArrayForEach(item, obj) {
		if ((kn = emu_knobs_find(item->string)) == NULL) {
			xasprintf(cause, "knob %s: unknown", item->string);
			return (-1);
		}
		if (emu_knobs_set_one(k, kn, item, cause) != 0)
			return (-1);
	}
	return (0);
}

/* Apply a JSON object of knobs: all of it or, on error, none of it. */
int
emu_knobs_set_json(struct emu_knobs *k, const cJSON *obj, char **cause)
{
	struct emu_knobs	scratch;
	int			rv;

	*cause = NULL;
	if (!cJSON_IsObject(obj)) {
		xasprintf(cause, "knobs: not a JSON object");
		return (-1);
	}
	emu_knobs_init(&scratch);
	rv = emu_knobs_apply(&scratch, obj, cause);
	emu_knobs_clear(&scratch);
	if (rv != 0)
		return (-1);
	return (emu_knobs_apply(k, obj, cause));
}

/* --knob NAME=VALUE: VALUE is JSON, or else taken as a string. */
int
emu_knobs_set_arg(struct emu_knobs *k, const char *arg, char **cause)
{
	cJSON	*obj, *v;
	char	*name;
	int	 rv;

	if (strchr(arg, '=') == NULL) {
		xasprintf(cause, "knob %s: expected NAME=VALUE", arg);
		return (-1);
	}
	name = xstrndup(arg, strcspn(arg, "="));
	if ((v = cJSON_Parse(strchr(arg, '=') + 1)) == NULL)
		v = cJSON_CreateString(strchr(arg, '=') + 1);
	obj = cJSON_CreateObject();
	cJSON_AddItemToObject(obj, name, v);
	rv = emu_knobs_set_json(k, obj, cause);
	cJSON_Delete(obj);
	free(name);
	return (rv);
}

int
emu_knobs_load(struct emu_knobs *k, const char *path, char **cause)
{
	FILE	*f;
	char	 buf[65536], *sub;
	size_t	 len;
	cJSON	*obj;
	int	 rv;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	if (len == sizeof buf) {
		xasprintf(cause, "%s: larger than 64 KiB", path);
		return (-1);
	}
	if ((obj = cJSON_ParseWithLength(buf, len)) == NULL) {
		xasprintf(cause, "%s: not valid JSON", path);
		return (-1);
	}
	rv = emu_knobs_set_json(k, obj, cause);
	cJSON_Delete(obj);
	if (rv != 0) {
		xasprintf(&sub, "%s: %s", path, *cause);
		free(*cause);
		*cause = sub;
	}
	return (rv);
}

cJSON *
emu_knobs_to_json(const struct emu_knobs *k)
{
	const struct emu_knob	*kn;
	cJSON			*obj = cJSON_CreateObject();
	const char		*field;
	int			 v;

	for (kn = emu_knob_table; kn->name != NULL; kn++) {
		field = (const char *)k + kn->off;
		switch (kn->type) {
		case EMU_KNOB_INT:
			memcpy(&v, field, sizeof v);
			cJSON_AddNumberToObject(obj, kn->name, v);
			break;
		case EMU_KNOB_BOOL:
			memcpy(&v, field, sizeof v);
			cJSON_AddBoolToObject(obj, kn->name, v);
			break;
		case EMU_KNOB_ENUM:
			memcpy(&v, field, sizeof v);
			cJSON_AddStringToObject(obj, kn->name, kn->values[v]);
			break;
		case EMU_KNOB_STRING:
			cJSON_AddStringToObject(obj, kn->name, field);
			break;
		case EMU_KNOB_LIST:
			cJSON_AddItemToObject(obj, kn->name, kn->get(k));
			break;
		}
	}
	return (obj);
}

void
emu_knobs_usage(void)
{
	const struct emu_knob	*kn;

	for (kn = emu_knob_table; kn->name != NULL; kn++)
		fprintf(stderr, "  %-21s %s\n", kn->name, kn->help);
}

static int
emu_knobs_match(const char *pattern, const char *op)
{
	size_t	len;

	if (strcmp(pattern, "*") == 0 || strcmp(pattern, op) == 0)
		return (1);
	/* "ssm:*" matches every SSM operation. */
	len = strlen(pattern);
	return (len >= 2 && pattern[len - 1] == '*' &&
	    strncmp(pattern, op, len - 1) == 0);
}

/* Token buckets: return 1 if op is over its rate now. */
int
emu_knobs_throttled(struct emu_knobs *k, const char *op, uint64_t now)
{
	struct emu_throttle	*t;
	size_t			 i;
	int			 over = 0;

	for (i = 0; i < k->nthrottle; i++) {
		t = &k->throttle[i];
		if (!emu_knobs_match(t->op, op))
			continue;
		if (t->last_ms != 0 && now > t->last_ms) {
			t->level += t->rate * (double)(now - t->last_ms) / 1000;
			if (t->level > t->burst)
				t->level = t->burst;
		}
		t->last_ms = now;
		if (t->level < 1)
			over = 1;
		else
			t->level -= 1;
	}
	return (over);
}

struct emu_fail *
emu_knobs_take_fail(struct emu_knobs *k, const char *op)
{
	size_t	i;

	for (i = 0; i < k->nfail; i++) {
		if (k->fail[i].count == 0 || !emu_knobs_match(k->fail[i].op, op))
			continue;
		k->fail[i].count--;
		return (&k->fail[i]);
	}
	return (NULL);
}

int
emu_knobs_denied(const struct emu_knobs *k, const char *akid, const char *op)
{
	size_t	i;

	for (i = 0; i < k->ndeny; i++) {
		if ((strcmp(k->deny[i].access_key_id, "*") == 0 ||
		    strcmp(k->deny[i].access_key_id, akid) == 0) &&
		    emu_knobs_match(k->deny[i].action, op))
			return (1);
	}
	return (0);
}

u_int
emu_knobs_delay(const struct emu_knobs *k, const char *op)
{
	u_int	ms = (u_int)k->delay_ms;
	size_t	i;

	for (i = 0; i < k->ndelay; i++) {
		if (emu_knobs_match(k->delay[i].op, op) && k->delay[i].ms > ms)
			ms = k->delay[i].ms;
	}
	return (ms);
}

/* ------------------------------------------------------------- counters */

RB_HEAD(emu_counter_tree, emu_counter);
static struct emu_counter_tree emu_counters = RB_INITIALIZER(&emu_counters);

static int
emu_counter_cmp(struct emu_counter *a, struct emu_counter *b)
{
	return (strcmp(a->op, b->op));
}
RB_PROTOTYPE(emu_counter_tree, emu_counter, entry, emu_counter_cmp);
RB_GENERATE(emu_counter_tree, emu_counter, entry, emu_counter_cmp);

struct emu_counter *
emu_counter_get(const char *op)
{
	struct emu_counter	find, *c;

	find.op = (char *)op;
	if ((c = RB_FIND(emu_counter_tree, &emu_counters, &find)) != NULL)
		return (c);
	c = xcalloc(1, sizeof *c);
	c->op = xstrdup(op);
	RB_INSERT(emu_counter_tree, &emu_counters, c);
	return (c);
}

void
emu_counter_call(const char *op)
{
	struct emu_counter	*c = emu_counter_get(op);
	uint64_t		 now = clock_wall_ms();

	c->calls++;
	if (now / 1000 != c->sec) {
		c->sec = now / 1000;
		c->in_sec = 0;
	}
	if (++c->in_sec > c->max_per_sec)
		c->max_per_sec = c->in_sec;
	c->times[c->ntimes++ % EMU_COUNTER_TIMES] = now;
}

/* The recorded call times, oldest first. */
static cJSON *
emu_counter_times_json(const struct emu_counter *c)
{
	cJSON	*a = cJSON_CreateArray();
	u_int	 i, n = c->ntimes < EMU_COUNTER_TIMES ? c->ntimes :
		    EMU_COUNTER_TIMES;

	for (i = c->ntimes - n; i < c->ntimes; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(
		    (double)c->times[i % EMU_COUNTER_TIMES]));
	return (a);
}

cJSON *
emu_counter_to_json(void)
{
	struct emu_counter	*c;
	cJSON			*obj = cJSON_CreateObject(), *o;

	RB_FOREACH(c, emu_counter_tree, &emu_counters) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "calls", c->calls);
		cJSON_AddNumberToObject(o, "ok", c->ok);
		cJSON_AddNumberToObject(o, "errors", c->errors);
		cJSON_AddNumberToObject(o, "throttled", c->throttled);
		cJSON_AddNumberToObject(o, "injected", c->injected);
		cJSON_AddNumberToObject(o, "max_per_sec", c->max_per_sec);
		cJSON_AddItemToObject(o, "times_ms", emu_counter_times_json(c));
		cJSON_AddItemToObject(obj, c->op, o);
	}
	return (obj);
}

void
emu_counter_reset(void)
{
	struct emu_counter	*c;

	RB_FOREACH(c, emu_counter_tree, &emu_counters) {
		c->calls = c->ok = c->errors = c->throttled = c->injected = 0;
		c->sec = c->in_sec = c->max_per_sec = c->ntimes = 0;
	}
}

void
emu_counter_free_all(void)
{
	struct emu_counter	*c, *next;

	RB_FOREACH_SAFE(c, emu_counter_tree, &emu_counters, next) {
		RB_REMOVE(emu_counter_tree, &emu_counters, c);
		free(c->op);
		free(c);
	}
}
