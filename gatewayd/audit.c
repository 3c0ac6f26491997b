/*
 * The audit records (audit.h, docs/audit.md): a bus subscriber that turns
 * every connection accepted, refused and closed, and every local user's
 * login, logout and expiry (identity.h), into one JSON object, and
 * renders it for the sink [gateway]'s audit key names: a line in a file,
 * a syslog message (the same line after the syslog header), or a journal
 * entry whose fields are the record's members (GATEWAYD_FORWARD=, ...)
 * with the line as its MESSAGE=. The sink (audit_sink.c) queues and
 * writes them without ever waiting.
 *
 * Members that are not known, or do not apply, are left out rather than
 * null: a record says only what gatewayd knew.
 */

#include "autoconf.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>

#include "audit.h"
#include "audit_int.h"
#include "bus.h"
#include "config.h"
#include "log.h"
#include "xmalloc.h"

/* The journal's MESSAGE_ID of every audit record, for journalctl. */
#define AUDIT_MESSAGE_ID	"1014252460fe48e0a177ca19825403e5"
/* LOG_INFO, and the syslog PRI of the records (LOG_AUTHPRIV). */
#define AUDIT_PRIORITY		6
#define AUDIT_PRI		(AUDIT_FACILITY * 8 + AUDIT_PRIORITY)

static struct audit_sink	*audit_sink;
static struct bus_sub		*audit_sub;

static const char *const audit_event_names[] = {
	[BUS_CONN_OPENED] = "accepted",
	[BUS_CONN_REFUSED] = "refused",
	[BUS_CONN_CLOSED] = "closed",
	[BUS_IDENTITY_LOGIN] = "login",
	[BUS_IDENTITY_LOGOUT] = "logout",
	[BUS_IDENTITY_EXPIRED] = "expired",
};

/* Add a string member unless it is NULL or empty. */
static void
audit_add_string(cJSON *o, const char *name, const char *value)
{
	if (value != NULL && *value != '\0')
		cJSON_AddStringToObject(o, name, value);
}

/* "2026-12-07T12:47:28.123Z" */
static void
audit_time(uint64_t ms, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);
	char		s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03uZ", s, (unsigned)(ms % 1000));
}

/* Who the client is: a unix or gatewayctl peer, or a TCP one. */
static void
audit_client(cJSON *o, const struct bus_conn *c)
{
	cJSON	*cl;

	if (c->uid == -1 && c->addr == NULL)
		return;
	cl = cJSON_AddObjectToObject(o, "client");
	if (c->addr != NULL) {
		cJSON_AddStringToObject(cl, "address", c->addr);
		if (c->port != 0)
			cJSON_AddNumberToObject(cl, "port", c->port);
		return;
	}
	cJSON_AddNumberToObject(cl, "uid", (double)c->uid);
	audit_add_string(cl, "user", c->user);
	if (c->gid != -1)
		cJSON_AddNumberToObject(cl, "gid", (double)c->gid);
	if (c->pid > 0)
		cJSON_AddNumberToObject(cl, "pid", (double)c->pid);
}

/*
 * A login, logout or expiry: whose credentials, whom AWS knows them as,
 * until when; never the keys.
 */
static void
audit_identity(cJSON *o, const struct bus_identity *id)
{
	cJSON	*cl;
	char	 when[40];

	cl = cJSON_AddObjectToObject(o, "client");
	cJSON_AddNumberToObject(cl, "uid", (double)id->uid);
	audit_add_string(cl, "user", id->user);
	audit_add_string(o, "account", id->account);
	audit_add_string(o, "principal", id->principal);
	if (id->expires > 0) {
		audit_time((uint64_t)id->expires * 1000, when, sizeof when);
		cJSON_AddStringToObject(o, "expires", when);
	}
	audit_add_string(o, "reason", id->reason);
}

/* The record of ev. */
static cJSON *
audit_record(const struct bus_event *ev)
{
	const struct bus_conn	*c = &ev->conn;
	cJSON			*o = cJSON_CreateObject();
	char			 when[40];

	cJSON_AddStringToObject(o, "event", audit_event_names[ev->type]);
	audit_time(ev->time_ms, when, sizeof when);
	cJSON_AddStringToObject(o, "time", when);
	if (BUS_MASK(ev->type) & BUS_IDENTITY) {
		audit_identity(o, &ev->identity);
		return (o);
	}
	if (c->id != 0)
		cJSON_AddNumberToObject(o, "conn", (double)c->id);
	audit_add_string(o, "forward", c->forward);
	cJSON_AddBoolToObject(o, "on_demand", c->on_demand);
	audit_client(o, c);
	if (c->target != NULL && strcmp(c->target, "?") != 0)
		audit_add_string(o, "target", c->target);
	audit_add_string(o, "remote_host", c->remote_host);
	if (c->remote_port != 0)
		cJSON_AddNumberToObject(o, "remote_port", c->remote_port);
	audit_add_string(o, "instance", c->instance);
	audit_add_string(o, "region", c->region);
	audit_add_string(o, "profile", c->profile);
	audit_add_string(o, "account", c->account);
	audit_add_string(o, "principal", c->principal);
	audit_add_string(o, "session_id", c->session_id);
	if (c->stream_id != 0)
		cJSON_AddNumberToObject(o, "stream_id", c->stream_id);
	audit_add_string(o, "mode", c->mode);
	if (ev->type == BUS_CONN_CLOSED) {
		cJSON_AddNumberToObject(o, "bytes_in", (double)c->bytes_in);
		cJSON_AddNumberToObject(o, "bytes_out", (double)c->bytes_out);
		cJSON_AddNumberToObject(o, "duration_ms",
		    (double)c->duration_ms);
		audit_add_string(o, "end", c->end);
		cJSON_AddBoolToObject(o, "reset", c->reset);
	}
	audit_add_string(o, "reason", c->reason);
	return (o);
}

/* One journal field: KEY=value, or the binary form if value has a LF. */
static void
audit_journal_field(struct evbuffer *b, const char *key, const char *value)
{
	uint64_t	len = strlen(value);
	uint8_t		le[8];
	int		i;

	if (strchr(value, '\n') == NULL) {
		evbuffer_add_printf(b, "%s=%s\n", key, value);
		return;
	}
	for (i = 0; i < 8; i++)
		le[i] = (uint8_t)(len >> (8 * i));
	evbuffer_add_printf(b, "%s\n", key);
	evbuffer_add(b, le, sizeof le);
	evbuffer_add(b, value, len);
	evbuffer_add(b, "\n", 1);
}

/*
 * The members of o as journal fields: GATEWAYD_ and the name in upper
 * case, an object's members under its name (GATEWAYD_CLIENT_UID).
 */
static void
audit_journal_fields(struct evbuffer *b, const cJSON *o, const char *prefix)
{
	const cJSON	*m;
	char		 key[128], num[32];
	size_t		 i;

	cJSON_ArrayForEach(m, o) {
		snprintf(key, sizeof key, "%s_%s", prefix, m->string);
		for (i = 0; key[i] != '\0'; i++)
			key[i] = toupper((unsigned char)key[i]);
		if (cJSON_IsObject(m))
			audit_journal_fields(b, m, key);
		else if (cJSON_IsString(m))
			audit_journal_field(b, key, m->valuestring);
		else if (cJSON_IsBool(m))
			audit_journal_field(b, key, cJSON_IsTrue(m) ? "true" :
			    "false");
		else if (cJSON_IsNumber(m)) {
			snprintf(num, sizeof num, "%.0f", m->valuedouble);
			audit_journal_field(b, key, num);
		}
	}
}

/* Queue the record o, rendered for the sink's kind. */
static void
audit_put(const cJSON *o)
{
	struct evbuffer	*b;
	struct tm	 tm;
	time_t		 t;
	char		*line, when[32];

	if ((line = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("audit: cannot print JSON");
	if ((b = evbuffer_new()) == NULL)
		fatalx("audit: cannot make a buffer");
	switch (audit_sink_kind(audit_sink)) {
	case AUDIT_FILE:
		evbuffer_add_printf(b, "%s\n", line);
		break;
	case AUDIT_SYSLOG:
		/* As syslog(3) writes it: local time, ident, pid. */
		t = time(NULL);
		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%h %e %T", &tm);
		evbuffer_add_printf(b, "<%d>%s %s[%ld]: %s", AUDIT_PRI, when,
		    AUDIT_IDENT, (long)getpid(), line);
		break;
	case AUDIT_JOURNAL:
		audit_journal_field(b, "MESSAGE", line);
		audit_journal_field(b, "MESSAGE_ID", AUDIT_MESSAGE_ID);
		evbuffer_add_printf(b, "PRIORITY=%d\nSYSLOG_FACILITY=%d\n"
		    "SYSLOG_IDENTIFIER=%s\n", AUDIT_PRIORITY, AUDIT_FACILITY,
		    AUDIT_IDENT);
		audit_journal_fields(b, o, "GATEWAYD");
		break;
	}
	audit_sink_put(audit_sink, evbuffer_pullup(b, -1),
	    evbuffer_get_length(b));
	evbuffer_free(b);
	free(line);
}

static void
audit_event_cb(const struct bus_event *ev, void *arg)
{
	cJSON	*o;

	if (audit_sink == NULL)
		return;
	o = audit_record(ev);
	audit_put(o);
	cJSON_Delete(o);
}

void
audit_configure(const struct gw_config *conf)
{
	if (audit_sink != NULL && (conf->audit == NULL ||
	    !audit_sink_is(audit_sink, conf->audit))) {
		audit_sink_free(audit_sink);
		audit_sink = NULL;
		if (conf->audit == NULL)
			log_info("audit: off");
	}
	if (conf->audit == NULL) {
		bus_unsubscribe(audit_sub);
		audit_sub = NULL;
		return;
	}
	if (audit_sink == NULL)
		audit_sink = audit_sink_new(conf->audit, conf->audit_queue);
	else
		audit_sink_set_max(audit_sink, conf->audit_queue);
	if (audit_sub == NULL)
		audit_sub = bus_subscribe(BUS_CONN | BUS_IDENTITY,
		    audit_event_cb, NULL);
}

void
audit_reopen(void)
{
	if (audit_sink != NULL)
		audit_sink_reopen(audit_sink);
}

void
audit_stop(void)
{
	bus_unsubscribe(audit_sub);
	audit_sub = NULL;
	audit_sink_free(audit_sink);
	audit_sink = NULL;
}
