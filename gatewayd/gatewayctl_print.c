/*
 * gatewayctl's output for people: the tables of status and whoami, the
 * lines of events; and the exit statuses those replies mean, so that a
 * script or a health check can act on them without parsing (gatewayctl.h).
 */

#include "autoconf.h"

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "gatewayctl.h"
#include "util.h"
#include "xmalloc.h"

const char *
ctl_str(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItem(o, key);

	return (cJSON_IsString(v) ? v->valuestring : "-");
}

double
ctl_num(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItem(o, key);

	return (cJSON_IsNumber(v) ? v->valuedouble : 0);
}

#define CTL_COLS	12

/* One table row of a forward, as strings. */
static void
ctl_row(const cJSON *fw, char cells[CTL_COLS][256])
{
	const char	*host = ctl_str(fw, "remote_host");

	snprintf(cells[0], 256, "%s", ctl_str(fw, "name"));
	snprintf(cells[1], 256, "%s", cJSON_IsTrue(cJSON_GetObjectItem(fw,
	    "on_demand")) ? "(on demand)" : ctl_str(fw, "listen"));
	snprintf(cells[2], 256, "%s", ctl_str(fw, "forwarder"));
	/* A SOCKS forward's targets are its clients' to name. */
	if (ctl_num(fw, "remote_port") == 0)
		snprintf(cells[3], 256, "-");
	else if (strcmp(host, "-") != 0)
		snprintf(cells[3], 256, "%s/%s:%.0f", ctl_str(fw, "target"),
		    host, ctl_num(fw, "remote_port"));
	else
		snprintf(cells[3], 256, "%s:%.0f", ctl_str(fw, "target"),
		    ctl_num(fw, "remote_port"));
	snprintf(cells[4], 256, "%s", ctl_str(fw, "region"));
	snprintf(cells[5], 256, "%s", ctl_str(fw, "profile"));
	snprintf(cells[6], 256, "%s", ctl_str(fw, "state"));
	snprintf(cells[7], 256, "%.0f", ctl_num(fw, "live"));
	snprintf(cells[8], 256, "%.0f", ctl_num(fw, "total"));
	util_fmt_bytes((uint64_t)ctl_num(fw, "bytes_in"), cells[9], 256);
	util_fmt_bytes((uint64_t)ctl_num(fw, "bytes_out"), cells[10], 256);
	snprintf(cells[11], 256, "%s", ctl_str(fw, "last_error"));
}

/*
 * Print rows of ncols cells (row 0 holds the headings) with each column
 * as wide as its widest cell.
 */
static void
ctl_print_table(char (*rows)[CTL_COLS][256], size_t nrows, size_t ncols)
{
	size_t	w[CTL_COLS], i, j;

	for (j = 0; j < ncols; j++) {
		w[j] = 0;
		for (i = 0; i < nrows; i++) {
			if (strlen(rows[i][j]) > w[j])
				w[j] = strlen(rows[i][j]);
		}
	}
	for (i = 0; i < nrows; i++) {
		for (j = 0; j < ncols - 1; j++)
			printf("%-*s  ", (int)w[j], rows[i][j]);
		printf("%s\n", rows[i][ncols - 1]);
	}
}

/* Headings, then one row per element of the array key of reply. */
static void
ctl_print_list(const cJSON *reply, const char *key,
    const char *const *heads, size_t ncols,
    void (*row)(const cJSON *, char [CTL_COLS][256]))
{
	const cJSON	*list, *el;
	char		(*rows)[CTL_COLS][256];
	size_t		 n, i, j;

	list = cJSON_GetObjectItem(reply, key);
	n = cJSON_GetArraySize(list);
	rows = xcalloc(n + 1, sizeof *rows);
	for (j = 0; j < ncols; j++)
		snprintf(rows[0][j], 256, "%s", heads[j]);
	i = 1;
	cJSON_ArrayForEach(el, list)
		row(el, rows[i++]);
	ctl_print_table(rows, n + 1, ncols);
	free(rows);
}

/* One Session Manager session of a forward (status "sessions"). */
static void
ctl_session_row(const cJSON *s, char cells[CTL_COLS][256])
{
	char	age[32];

	snprintf(cells[0], 256, "%s", ctl_str(s, "name"));
	snprintf(cells[1], 256, "%s", ctl_str(s, "instance"));
	snprintf(cells[2], 256, "%s", ctl_str(s, "mode"));
	snprintf(cells[3], 256, "%s", ctl_str(s, "agent_version"));
	snprintf(cells[4], 256, "%s", ctl_str(s, "state"));
	util_fmt_duration((uint64_t)ctl_num(s, "age_ms"), age, sizeof age);
	snprintf(cells[5], 256, "%s", age);
	snprintf(cells[6], 256, "%.0f", ctl_num(s, "streams"));
	util_fmt_bytes((uint64_t)ctl_num(s, "bytes_to_agent"), cells[7], 256);
	util_fmt_bytes((uint64_t)ctl_num(s, "bytes_from_agent"), cells[8],
	    256);
	snprintf(cells[9], 256, "%.0f", ctl_num(s, "resumes"));
	snprintf(cells[10], 256, "%s", ctl_str(s, "last_error"));
}

/* When t (Unix seconds) is, in local time, and how far off: "in 42 min". */
static void
ctl_fmt_expiry(double t, char *buf, size_t len)
{
	struct tm	tm;
	time_t		tt = (time_t)t;
	double		left = t - (double)time(NULL);
	char		when[64];

	localtime_r(&tt, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", &tm);
	if (left > 0)
		snprintf(buf, len, "%s (in %.0f min)", when, left / 60);
	else
		snprintf(buf, len, "%s (now)", when);
}

/* One local user who lent the daemon credentials (status "users"). */
static void
ctl_user_row(const cJSON *u, char cells[CTL_COLS][256])
{
	snprintf(cells[0], 256, "%s", ctl_str(u, "user"));
	snprintf(cells[1], 256, "%s", ctl_str(u, "principal"));
	ctl_fmt_expiry(ctl_num(u, "expires"), cells[2], 256);
}

void
ctl_print_status(const cJSON *reply)
{
	static const char *const heads[] = { "FORWARD", "LISTEN", "FORWARDER",
	    "TARGET", "REGION", "PROFILE", "STATE", "LIVE", "TOTAL", "IN",
	    "OUT", "LAST ERROR" };
	static const char *const sheads[] = { "SESSION", "INSTANCE", "MODE",
	    "AGENT", "STATE", "AGE", "STREAMS", "IN", "OUT", "RESUMES",
	    "LAST ERROR" };
	static const char *const uheads[] = { "USER", "PRINCIPAL",
	    "EXPIRES" };
	const cJSON	*fw, *s;
	cJSON		*all, *list;

	ctl_print_list(reply, "forwards", heads, 12, ctl_row);

	/* Forwarders with sessions (ssm): one more table, if any. */
	all = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(all, "sessions");
	cJSON_ArrayForEach(fw, cJSON_GetObjectItem(reply, "forwards")) {
		cJSON_ArrayForEach(s, cJSON_GetObjectItem(fw, "sessions"))
			cJSON_AddItemReferenceToArray(list, (cJSON *)s);
	}
	if (cJSON_GetArraySize(list) != 0) {
		printf("\n");
		ctl_print_list(all, "sessions", sheads, 11, ctl_session_row);
	}
	cJSON_Delete(all);

	/* Users who lent their credentials (gatewayctl login), if any. */
	if (cJSON_GetArraySize(cJSON_GetObjectItem(reply, "users")) != 0) {
		printf("\n");
		ctl_print_list(reply, "users", uheads, 3, ctl_user_row);
	}
}

/* One identity of whoami: who, from where, until when, for which forwards. */
static void
ctl_whoami_row(const cJSON *id, char cells[CTL_COLS][256])
{
	const cJSON	*fw;
	double		 left = ctl_num(id, "expires_in");
	size_t		 off = 0;
	char		 dur[32];

	snprintf(cells[0], 256, "%s", ctl_str(id, "profile"));
	snprintf(cells[1], 256, "%s", ctl_str(id, "region"));
	snprintf(cells[2], 256, "%s", ctl_str(id, "account"));
	if (cJSON_IsString(cJSON_GetObjectItem(id, "error")))
		snprintf(cells[3], 256, "error: %s", ctl_str(id, "error"));
	else
		snprintf(cells[3], 256, "%s", ctl_str(id, "arn"));
	snprintf(cells[4], 256, "%s", ctl_str(id, "source"));
	if (cJSON_IsString(cJSON_GetObjectItem(id, "expiration"))) {
		util_fmt_duration(left > 0 ? (uint64_t)left * 1000 : 0, dur,
		    sizeof dur);
		snprintf(cells[5], 256, "%s (in %s)",
		    ctl_str(id, "expiration"), dur);
	} else
		snprintf(cells[5], 256, "%s", cJSON_IsNull(
		    cJSON_GetObjectItem(id, "expiration")) ? "never" : "-");
	cells[6][0] = '\0';
	cJSON_ArrayForEach(fw, cJSON_GetObjectItem(id, "forwards")) {
		if (cJSON_IsString(fw) && off < 250)
			off += snprintf(cells[6] + off, 256 - off, "%s%s",
			    off == 0 ? "" : ",", fw->valuestring);
	}
	if (off == 0)
		snprintf(cells[6], 256, "-");
}

void
ctl_print_whoami(const cJSON *reply)
{
	static const char *const heads[] = { "PROFILE", "REGION", "ACCOUNT",
	    "ARN", "SOURCE", "EXPIRES", "FORWARDS" };

	ctl_print_list(reply, "identities", heads, 7, ctl_whoami_row);
}

/* " session ID stream N" of a conn's event, as in the close line. */
static void
ctl_event_far(const cJSON *ev, char *buf, size_t len)
{
	buf[0] = '\0';
	if (strcmp(ctl_str(ev, "session_id"), "-") == 0)
		return;
	if (ctl_num(ev, "stream") != 0)
		snprintf(buf, len, " session %s stream %.0f",
		    ctl_str(ev, "session_id"), ctl_num(ev, "stream"));
	else
		snprintf(buf, len, " session %s", ctl_str(ev, "session_id"));
}

/* One event for humans. */
void
ctl_print_event(const cJSON *ev)
{
	time_t		 t = (time_t)(ctl_num(ev, "time") / 1000);
	struct tm	 tm;
	const char	*what = ctl_str(ev, "event");
	char		 when[32], in[32], out[32], dur[32], far[160];

	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (strcmp(what, "close") == 0) {
		util_fmt_bytes((uint64_t)ctl_num(ev, "bytes_in"), in,
		    sizeof in);
		util_fmt_bytes((uint64_t)ctl_num(ev, "bytes_out"), out,
		    sizeof out);
		util_fmt_duration((uint64_t)ctl_num(ev, "duration_ms"), dur,
		    sizeof dur);
		ctl_event_far(ev, far, sizeof far);
		printf("%s close conn %.0f (%s %s -> %s%s): %s in, %s out, %s: "
		    "%s\n", when, ctl_num(ev, "conn"), ctl_str(ev, "forward"),
		    ctl_str(ev, "peer"), ctl_str(ev, "target"), far, in, out,
		    dur, ctl_str(ev, "reason"));
	} else if (strcmp(what, "open") == 0) {
		printf("%s open conn %.0f (%s %s)\n", when, ctl_num(ev, "conn"),
		    ctl_str(ev, "forward"), ctl_str(ev, "peer"));
	} else if (strcmp(what, "refuse") == 0) {
		printf("%s refuse (%s %s): %s\n", when, ctl_str(ev, "forward"),
		    ctl_str(ev, "peer"), ctl_str(ev, "reason"));
	} else if (strcmp(what, "login") == 0) {
		ctl_fmt_expiry(ctl_num(ev, "expires"), far, sizeof far);
		printf("%s login %s (uid %.0f) as %s until %s\n", when,
		    ctl_str(ev, "user"), ctl_num(ev, "uid"),
		    ctl_str(ev, "principal"), far);
	} else if (strcmp(what, "logout") == 0 ||
	    strcmp(what, "expired") == 0) {
		printf("%s %s %s (uid %.0f, %s): %s\n", when, what,
		    ctl_str(ev, "user"), ctl_num(ev, "uid"),
		    ctl_str(ev, "principal"), ctl_str(ev, "reason"));
	} else {
		char	*text = cJSON_PrintUnformatted(ev);

		printf("%s %s %s\n", when, what, text);
		free(text);
	}
	fflush(stdout);
}

int
ctl_status_exit(const cJSON *reply)
{
	const cJSON	*fw;
	const char	*state;

	cJSON_ArrayForEach(fw, cJSON_GetObjectItem(reply, "forwards")) {
		state = ctl_str(fw, "state");
		/*
		 * Removed by a reload, waiting for its conns: not ours. An
		 * on-demand forward is what one user asked for (a typo in
		 * gatewayctl connect fails its sessions): the config's
		 * forwards are what a health check watches.
		 */
		if (cJSON_IsTrue(cJSON_GetObjectItem(fw, "on_demand")))
			continue;
		if (strcmp(state, "up") != 0 && strcmp(state, "retired") != 0)
			return (CTL_EXIT_NOT_UP);
	}
	return (CTL_EXIT_OK);
}

int
ctl_whoami_exit(const cJSON *reply)
{
	const cJSON	*id;

	cJSON_ArrayForEach(id, cJSON_GetObjectItem(reply, "identities")) {
		if (cJSON_IsString(cJSON_GetObjectItem(id, "error")))
			return (CTL_EXIT_NOT_UP);
	}
	return (CTL_EXIT_OK);
}
