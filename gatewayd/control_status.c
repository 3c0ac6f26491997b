/*
 * The reply to the control socket's status command: the daemon, and each
 * forward with its state, its AWS region and profile, its counters, its
 * conns and what its forwarder adds (an ssm forward's sessions).
 *
 * A forward's state tells the truth about its far side, not only about
 * its listener: one that listens but whose forwarder says no attempt
 * gets through is "failed", and one whose recent attempts partly fail is
 * "degraded" (forwarder.h, forwarder_health). gatewayctl status exits
 * non-zero unless every forward is "up" (man/gatewayctl.8).
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "control.h"
#include "forwarder.h"
#include "gateway.h"
#include "gatewayd.h"
#include "identity.h"
#include "util.h"

/* Connections listed per forward in status. */
#define CONTROL_MAX_CONNS	1000

static uint64_t	control_started_ms;

void
control_status_started(void)
{
	if (control_started_ms == 0)
		control_started_ms = clock_now_ms();
}

/* Add a string member, or null when it is NULL. */
static void
control_status_string(cJSON *o, const char *name, const char *value)
{
	if (value != NULL)
		cJSON_AddStringToObject(o, name, value);
	else
		cJSON_AddNullToObject(o, name);
}

const char *
control_forward_state(struct forward *fw)
{
	if (fw->state != FORWARD_UP || fw->fwd->health == NULL)
		return (gateway_state_name(fw->state));
	switch (fw->fwd->health(fw)) {
	case FORWARDER_HEALTH_DEGRADED:
		return ("degraded");
	case FORWARDER_HEALTH_FAILED:
		return ("failed");
	default:
		return (gateway_state_name(fw->state));
	}
}

/* One connection in status. */
static cJSON *
control_status_conn(struct conn *c)
{
	cJSON	*o;

	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)c->id);
	cJSON_AddStringToObject(o, "peer", c->peer_str);
	if (c->target_str != NULL)
		cJSON_AddStringToObject(o, "target", c->target_str);
	cJSON_AddStringToObject(o, "state", conn_state_name(c->state));
	if (c->far.session_id != NULL)
		cJSON_AddStringToObject(o, "session_id", c->far.session_id);
	if (c->far.stream_id != 0)
		cJSON_AddNumberToObject(o, "stream", c->far.stream_id);
	cJSON_AddNumberToObject(o, "bytes_in", (double)c->bytes_in);
	cJSON_AddNumberToObject(o, "bytes_out", (double)c->bytes_out);
	cJSON_AddNumberToObject(o, "age_ms",
	    (double)(clock_now_ms() - c->started_ms));
	return (o);
}

/* One forward in status. */
static cJSON *
control_status_forward(struct forward *fw)
{
	const struct fwd_config	*fc = fw->conf;
	struct conn		*c;
	cJSON			*o, *conns;
	unsigned		 n = 0;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", fw->name);
	if (fw->on_demand)
		cJSON_AddTrueToObject(o, "on_demand");
	else
		cJSON_AddStringToObject(o, "listen", fc->listen.text);
	cJSON_AddStringToObject(o, "forwarder", fw->fwd->name);
	cJSON_AddStringToObject(o, "target", fc->target != NULL ?
	    fc->target : "");
	if (fc->remote_host != NULL)
		cJSON_AddStringToObject(o, "remote_host", fc->remote_host);
	cJSON_AddNumberToObject(o, "remote_port", fc->remote_port);
	/* The forwarder may say which it uses when the config is silent. */
	control_status_string(o, "region", fc->region);
	control_status_string(o, "profile", fc->profile);
	cJSON_AddStringToObject(o, "state", control_forward_state(fw));
	cJSON_AddNumberToObject(o, "live", fw->nconns);
	cJSON_AddNumberToObject(o, "total", (double)fw->total_conns);
	cJSON_AddNumberToObject(o, "bytes_in", (double)fw->bytes_in);
	cJSON_AddNumberToObject(o, "bytes_out", (double)fw->bytes_out);
	control_status_string(o, "last_error", fw->last_error);
	conns = cJSON_AddArrayToObject(o, "conns");
	TAILQ_FOREACH(c, &fw->conns, entry) {
		if (n++ == CONTROL_MAX_CONNS) {
			cJSON_AddTrueToObject(o, "conns_truncated");
			break;
		}
		cJSON_AddItemToArray(conns, control_status_conn(c));
	}
	if (fw->fwd->status != NULL)
		fw->fwd->status(fw, o);
	return (o);
}

cJSON *
control_status(void)
{
	struct forward	*fw;
	cJSON		*o, *arr;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "version", GATEWAYD_VERSION);
	cJSON_AddNumberToObject(o, "pid", (double)getpid());
	cJSON_AddNumberToObject(o, "uptime_ms", control_started_ms == 0 ? 0 :
	    (double)(clock_now_ms() - control_started_ms));
	if (gw_conf != NULL && gw_conf->file != NULL)
		cJSON_AddStringToObject(o, "config", gw_conf->file);
	arr = cJSON_AddArrayToObject(o, "forwards");
	TAILQ_FOREACH(fw, &gw_forwards, entry)
		cJSON_AddItemToArray(arr, control_status_forward(fw));
	/* Who lent the daemon credentials, until when; never the keys. */
	cJSON_AddItemToObject(o, "users", identity_status());
	return (o);
}
