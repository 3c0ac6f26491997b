/*
 * The control socket: one JSON object per line each way (control.h has the
 * protocol). Requests from one client are answered in order, one at a
 * time; a handler may answer later, and the client's next line waits.
 * Every buffer is bounded: a request line by CONTROL_MAX_LINE, queued
 * replies by CONTROL_MAX_OUTPUT (reading pauses), and an events follower
 * that falls that far behind is dropped. Bad requests get an error reply.
 *
 * Slots are bounded too, and cannot be held by doing nothing: a client
 * that is neither awaiting an answer nor following events is closed
 * after CONTROL_IDLE_MS without a complete request. The daemon's uid and
 * root have CONTROL_OWNER_CLIENTS slots beyond CONTROL_MAX_CLIENTS, and
 * when even those are taken, the client idle the longest makes room for
 * them: an operator always gets in. Anyone refused is told why.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bus.h"
#include "config.h"
#include "control.h"
#include "gateway.h"
#include "gatewayd.h"
#include "listener.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* What events followers get, and each one's name in their lines. */
#define CONTROL_EVENTS	(BUS_CONN | BUS_SESSION | BUS_IDENTITY)
static const char *control_event_names[] = {
	[BUS_CONN_OPENED] = "open",
	[BUS_CONN_REFUSED] = "refuse",
	[BUS_CONN_CLOSED] = "close",
	[BUS_SESSION_STRIPING] = "session_striping",
	[BUS_SESSION_STARTING] = "session_starting",
	[BUS_SESSION_OPENED] = "session_open",
	[BUS_SESSION_RESUMING] = "session_resuming",
	[BUS_SESSION_RESUMED] = "session_resumed",
	[BUS_SESSION_REPLACING] = "session_replacing",
	[BUS_SESSION_ENDED] = "session_ended",
	[BUS_IDENTITY_LOGIN] = "login",
	[BUS_IDENTITY_LOGOUT] = "logout",
	[BUS_IDENTITY_EXPIRED] = "expired",
};

struct control_client {
	uint64_t			 id;
	struct bufferevent		*bev;
	struct event			*idle_ev;	/* its deadline */
	uint64_t			 idle_since;	/* ms */
	int				 refs;
	int				 busy;	/* awaits a reply */
	struct bus_sub			*sub;	/* follows events */
	int				 eof;	/* sent all it will */
	int				 dead;
	int				 admin;	/* every command (control.h) */
	uid_t				 uid;
	TAILQ_ENTRY(control_client)	 entry;
};
TAILQ_HEAD(control_clients, control_client);

struct control_req {
	struct control_client	*cl;
	cJSON			*id;	/* echoed in the reply */
};

struct control_cmd {
	char	*name;
	void	(*handler)(struct control_req *, const cJSON *);
	int	 user;		/* any local user may run it */
};

static int			 control_fd = -1;
static char			*control_sock_path;
static struct stat		 control_sb;
static struct event		*control_ev;
static struct control_clients	 control_clients =
    TAILQ_HEAD_INITIALIZER(control_clients);
static unsigned			 control_nclients;
static uint64_t			 control_next_id;
static struct control_cmd	*control_cmds;
static size_t			 control_ncmds;
static int			 control_have_builtins;
static int			 control_quiet;	/* control_quiesce() */
static char			*control_ev_text;	/* the last event's line */
static uint64_t			 control_ev_seq;	/* and its seq */

static void	control_builtins(void);
static void	control_client_free(struct control_client *);
static void	control_idle(struct control_client *, int);
static void	control_process(struct control_client *);

static void
control_add_cmd(const char *name,
    void (*handler)(struct control_req *, const cJSON *), int user)
{
	size_t	i;

	if (!control_have_builtins)
		control_builtins();
	for (i = 0; i < control_ncmds; i++) {
		if (strcmp(control_cmds[i].name, name) == 0)
			break;
	}
	if (i == control_ncmds) {
		control_cmds = xreallocarray(control_cmds, control_ncmds + 1,
		    sizeof *control_cmds);
		control_cmds[control_ncmds++].name = xstrdup(name);
	}
	control_cmds[i].handler = handler;
	control_cmds[i].user = user;
}

void
control_register(const char *name,
    void (*handler)(struct control_req *, const cJSON *))
{
	control_add_cmd(name, handler, 0);
}

void
control_register_user(const char *name,
    void (*handler)(struct control_req *, const cJSON *))
{
	control_add_cmd(name, handler, 1);
}

static const struct control_cmd *
control_find_cmd(const char *name)
{
	size_t	i;

	if (!control_have_builtins)
		control_builtins();
	for (i = 0; i < control_ncmds; i++) {
		if (strcmp(control_cmds[i].name, name) == 0)
			return (&control_cmds[i]);
	}
	return (NULL);
}

/* Queue one JSON line for cl; takes obj. */
static void
control_send(struct control_client *cl, cJSON *obj)
{
	char	*text;

	text = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	if (text == NULL)
		fatalx("control: cannot print JSON");
	if (!cl->dead) {
		evbuffer_add(bufferevent_get_output(cl->bev), text,
		    strlen(text));
		evbuffer_add(bufferevent_get_output(cl->bev), "\n", 1);
	}
	free(text);
}

static void
control_client_unref(struct control_client *cl)
{
	if (--cl->refs == 0)
		free(cl);
}

void
control_reply(struct control_req *req, cJSON *reply)
{
	struct control_client	*cl = req->cl;

	if (!cJSON_HasObjectItem(reply, "ok"))
		cJSON_AddTrueToObject(reply, "ok");
	if (req->id != NULL)
		cJSON_AddItemToObject(reply, "id", req->id);
	free(req);
	cl->busy = 0;
	control_idle(cl, 1);
	control_send(cl, reply);
	/* Lines that waited behind this request: from the loop, not here. */
	if (!cl->dead)
		bufferevent_trigger(cl->bev, EV_READ,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	control_client_unref(cl);
}

void
control_reply_error(struct control_req *req, const char *fmt, ...)
{
	cJSON	*reply;
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	reply = cJSON_CreateObject();
	cJSON_AddFalseToObject(reply, "ok");
	cJSON_AddStringToObject(reply, "error", msg);
	free(msg);
	control_reply(req, reply);
}

/* Add a string member unless it is NULL. */
static void
control_add_string(cJSON *o, const char *name, const char *value)
{
	if (value != NULL)
		cJSON_AddStringToObject(o, name, value);
}

/* A conn opened, closed or was refused, as followers see it. */
static void
control_event_conn(cJSON *o, const struct bus_event *ev)
{
	const struct bus_conn	*c = &ev->conn;

	if (ev->type != BUS_CONN_REFUSED)
		cJSON_AddNumberToObject(o, "conn", (double)c->id);
	cJSON_AddStringToObject(o, "forward", c->forward);
	cJSON_AddStringToObject(o, "peer", c->peer);
	if (ev->type == BUS_CONN_REFUSED) {
		control_add_string(o, "reason", c->reason);
		return;
	}
	control_add_string(o, "target", c->target);
	/* The Session Manager session and stream, once the conn has one. */
	control_add_string(o, "instance", c->instance);
	control_add_string(o, "session_id", c->session_id);
	if (c->stream_id != 0)
		cJSON_AddNumberToObject(o, "stream", c->stream_id);
	control_add_string(o, "mode", c->mode);
	if (ev->type != BUS_CONN_CLOSED)
		return;
	cJSON_AddNumberToObject(o, "bytes_in", (double)c->bytes_in);
	cJSON_AddNumberToObject(o, "bytes_out", (double)c->bytes_out);
	cJSON_AddNumberToObject(o, "duration_ms", (double)c->duration_ms);
	control_add_string(o, "reason", c->reason);
	control_add_string(o, "end", c->end);
	cJSON_AddBoolToObject(o, "reset", c->reset);
}

/* A session's step, as followers see it. */
static void
control_event_session(cJSON *o, const struct bus_event *ev)
{
	const struct bus_session	*s = &ev->session;
	char				 age[32];

	cJSON_AddStringToObject(o, "forward", s->forward);
	cJSON_AddStringToObject(o, "session", s->name);
	control_add_string(o, "instance", s->instance);
	control_add_string(o, "session_id", s->session_id);
	if (s->mode != NULL) {
		cJSON_AddStringToObject(o, "mode", s->mode);
		cJSON_AddStringToObject(o, "agent_version",
		    s->agent_version != NULL ? s->agent_version : "");
	}
	switch (ev->type) {
	case BUS_SESSION_RESUMING:
	case BUS_SESSION_RESUMED:
		control_add_string(o, "detail", s->detail);
		break;
	case BUS_SESSION_REPLACING:
		util_fmt_duration(s->age_ms, age, sizeof age);
		cJSON_AddStringToObject(o, "age", age);
		break;
	case BUS_SESSION_ENDED:
		control_add_string(o, "reason", s->reason);
		break;
	default:
		break;
	}
}

/* A local user's login, logout or expiry: who, never the keys. */
static void
control_event_identity(cJSON *o, const struct bus_event *ev)
{
	const struct bus_identity	*id = &ev->identity;

	cJSON_AddNumberToObject(o, "uid", (double)id->uid);
	control_add_string(o, "user", id->user);
	control_add_string(o, "principal", id->principal);
	control_add_string(o, "account", id->account);
	cJSON_AddNumberToObject(o, "expires", (double)id->expires);
	control_add_string(o, "reason", id->reason);
}

/*
 * The line followers get for ev, made once however many follow: the
 * callbacks for one event run one after the other (bus.h).
 */
static const char *
control_event_text(const struct bus_event *ev)
{
	cJSON	*o;

	if (control_ev_text != NULL && control_ev_seq == ev->seq)
		return (control_ev_text);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", control_event_names[ev->type]);
	if (BUS_MASK(ev->type) & BUS_CONN)
		control_event_conn(o, ev);
	else if (BUS_MASK(ev->type) & BUS_IDENTITY)
		control_event_identity(o, ev);
	else
		control_event_session(o, ev);
	cJSON_AddNumberToObject(o, "time", (double)ev->time_ms);
	free(control_ev_text);
	if ((control_ev_text = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("control: cannot print JSON");
	cJSON_Delete(o);
	control_ev_seq = ev->seq;
	return (control_ev_text);
}

/* An event for cl, an events follower; drop it if too slow to keep up. */
static void
control_bus_cb(const struct bus_event *ev, void *arg)
{
	struct control_client	*cl = arg;
	struct evbuffer		*out = bufferevent_get_output(cl->bev);
	const char		*text = control_event_text(ev);

	if (evbuffer_get_length(out) > CONTROL_MAX_OUTPUT) {
		log_warnx("control client %" PRIu64 ": dropped: more than %d "
		    "bytes of events unread", cl->id, CONTROL_MAX_OUTPUT);
		control_client_free(cl);
		return;
	}
	evbuffer_add_printf(out, "%s\n", text);
}

/* The commands anyone may use, for the refusal: "connect, help". */
static const char *
control_user_cmds(void)
{
	static char	buf[256];
	size_t		i;

	buf[0] = '\0';
	for (i = 0; i < control_ncmds; i++) {
		if (!control_cmds[i].user)
			continue;
		if (buf[0] != '\0')
			strlcat(buf, ", ", sizeof buf);
		strlcat(buf, control_cmds[i].name, sizeof buf);
	}
	return (buf);
}

/* Parse and dispatch one request line. */
static void
control_handle(struct control_client *cl, const char *line, size_t len)
{
	const struct control_cmd	*cmd;
	struct control_req		*req;
	cJSON				*json, *c, *id;

	req = xcalloc(1, sizeof *req);
	req->cl = cl;
	cl->refs++;
	cl->busy = 1;
	control_idle(cl, 0);
	json = cJSON_ParseWithLength(line, len);
	if (json != NULL && (id = cJSON_GetObjectItem(json, "id")) != NULL)
		req->id = cJSON_Duplicate(id, 1);
	if (json == NULL || !cJSON_IsObject(json)) {
		control_reply_error(req, "request is not a JSON object");
		goto out;
	}
	c = cJSON_GetObjectItem(json, "cmd");
	if (!cJSON_IsString(c)) {
		control_reply_error(req, "request has no \"cmd\" string");
		goto out;
	}
	if ((cmd = control_find_cmd(c->valuestring)) == NULL) {
		control_reply_error(req, "unknown command \"%.64s\" (try help)",
		    c->valuestring);
		goto out;
	}
	if (!cl->admin && !cmd->user) {
		control_reply_error(req, "uid %d may only use %s (every other "
		    "command is for root, the daemon's user and the control "
		    "socket's group)", (int)cl->uid, control_user_cmds());
		goto out;
	}
	log_debug("control client %" PRIu64 ": %s", cl->id, cmd->name);
	cmd->handler(req, json);
out:
	cJSON_Delete(json);
}

/* cl sent a line over CONTROL_MAX_LINE: say so and close after the reply. */
static void
control_too_long(struct control_client *cl)
{
	struct evbuffer	*in = bufferevent_get_input(cl->bev);

	log_debug("control client %" PRIu64 ": request too long", cl->id);
	evbuffer_add_printf(bufferevent_get_output(cl->bev),
	    "{\"ok\":false,\"error\":\"request longer than %d bytes\"}\n",
	    CONTROL_MAX_LINE);
	evbuffer_drain(in, evbuffer_get_length(in));
	bufferevent_disable(cl->bev, EV_READ);
	cl->eof = 1;
}

/*
 * Handle the lines cl has sent, one request at a time, while its replies
 * are not piling up. A handler may drop cl (an events follower that fell
 * behind), so hold a reference throughout.
 */
static void
control_process(struct control_client *cl)
{
	struct evbuffer	*in = bufferevent_get_input(cl->bev);
	struct evbuffer	*out = bufferevent_get_output(cl->bev);
	char		*line;
	size_t		 len;

	cl->refs++;
	while (!control_quiet && !cl->dead && !cl->busy &&
	    evbuffer_get_length(out) < CONTROL_MAX_OUTPUT) {
		line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
		if (line == NULL) {
			if (evbuffer_get_length(in) > CONTROL_MAX_LINE)
				control_too_long(cl);
			break;
		}
		if (len > CONTROL_MAX_LINE) {
			free(line);
			control_too_long(cl);
			break;
		}
		control_handle(cl, line, len);
		free(line);
	}
	if (!cl->dead && cl->eof && !cl->busy &&
	    evbuffer_get_length(out) == 0)
		control_client_free(cl);
	control_client_unref(cl);
}

static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	control_process(arg);
}

/*
 * Output drained: go on with waiting requests, then finish a closing
 * client (control_process does both: lines that waited for room come
 * before the close). A client that has read all its answers has the whole
 * deadline for its next request.
 */
static void
control_write_cb(struct bufferevent *bev, void *arg)
{
	struct control_client	*cl = arg;

	control_idle(cl, 1);
	control_process(cl);
}

static void
control_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct control_client	*cl = arg;

	if (what & BEV_EVENT_EOF) {
		/* It may still wait for replies to what it sent. */
		cl->eof = 1;
		control_process(cl);
		return;
	}
	control_client_free(cl);
}

static void
control_client_free(struct control_client *cl)
{
	if (cl->dead)
		return;
	cl->dead = 1;
	log_debug("control client %" PRIu64 ": closed", cl->id);
	TAILQ_REMOVE(&control_clients, cl, entry);
	control_nclients--;
	bus_unsubscribe(cl->sub);
	cl->sub = NULL;
	event_free(cl->idle_ev);
	cl->idle_ev = NULL;
	bufferevent_free(cl->bev);
	cl->bev = NULL;
	control_client_unref(cl);
}

static void
control_idle_cb(evutil_socket_t fd, short events, void *arg)
{
	struct control_client	*cl = arg;

	log_debug("control client %" PRIu64 ": closed: no request within "
	    "%ds", cl->id, CONTROL_IDLE_MS / 1000);
	control_client_free(cl);
}

/*
 * Start cl's idle deadline anew (on), or stop it. Only a client that waits
 * for nothing from us has one: none while its request is being answered,
 * none once it follows events.
 */
static void
control_idle(struct control_client *cl, int on)
{
	struct timeval	tv = util_ms_tv(CONTROL_IDLE_MS);

	if (cl->dead)
		return;
	if (!on || cl->busy || cl->sub != NULL) {
		evtimer_del(cl->idle_ev);
		return;
	}
	cl->idle_since = clock_now_ms();
	evtimer_add(cl->idle_ev, &tv);
}

/* Close the client idle the longest to make room; 0 if none is idle. */
static int
control_evict_idle(void)
{
	struct control_client	*cl, *oldest = NULL;

	TAILQ_FOREACH(cl, &control_clients, entry) {
		if (!evtimer_pending(cl->idle_ev, NULL))
			continue;
		if (oldest == NULL || cl->idle_since < oldest->idle_since)
			oldest = cl;
	}
	if (oldest == NULL)
		return (0);
	log_debug("control client %" PRIu64 ": closed: idle, room for the "
	    "owner", oldest->id);
	control_client_free(oldest);
	return (1);
}

/* The uid at the other end of fd, or (uid_t)-1 if unknown. */
static uid_t
control_peer_uid(int fd)
{
	struct ucred	cred;
	socklen_t	len = sizeof cred;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return ((uid_t)-1);
	return (cred.uid);
}

/*
 * Whether fd's peer is in the control socket's group (control_group, else
 * ours): with control_mode 0660 those are who the socket is for. Others
 * reach it only through a mode that lets anyone in (0666, for gatewayctl
 * connect) and may use connect alone.
 */
static int
control_peer_in_group(int fd)
{
	struct ucred	cred;
	gid_t		groups[LISTENER_MAX_GROUPS], gid = getegid();
	int		i, n;

	if (gw_conf != NULL && gw_conf->control_group != (gid_t)-1)
		gid = gw_conf->control_group;
	if (listener_peer_cred(fd, &cred, groups, LISTENER_MAX_GROUPS,
	    &n) == -1)
		return (0);
	if (cred.gid == gid)
		return (1);
	for (i = 0; i < n; i++) {
		if (groups[i] == gid)
			return (1);
	}
	return (0);
}

int
control_req_cred(struct control_req *req, struct ucred *cred, gid_t *groups,
    int max, int *ngroups)
{
	return (listener_peer_cred(bufferevent_getfd(req->cl->bev), cred,
	    groups, max, ngroups));
}

int
control_req_take(struct control_req *req)
{
	struct control_client	*cl = req->cl;
	int			 fd;

	if (evbuffer_get_length(bufferevent_get_input(cl->bev)) != 0)
		return (-1);
	fd = fcntl(bufferevent_getfd(cl->bev), F_DUPFD_CLOEXEC, 0);
	if (fd == -1)
		return (-1);
	log_debug("control client %" PRIu64 ": taken over", cl->id);
	cJSON_Delete(req->id);
	free(req);
	cl->busy = 0;
	control_client_free(cl);
	control_client_unref(cl);
	return (fd);
}

/*
 * Tell fd why it is not served, in a reply line a client can show, and
 * close it. The socket is new and empty: the line fits.
 */
static void
control_refuse(int fd, uid_t uid)
{
	char	line[128];
	int	n;

	log_warnx("control: refused a client (uid %d): %u already connected",
	    (int)uid, control_nclients);
	n = snprintf(line, sizeof line, "{\"ok\":false,\"refused\":true,"
	    "\"error\":\"too many clients (%u)\"}\n", control_nclients);
	(void)send(fd, line, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
}

static void
control_accept_cb(evutil_socket_t lfd, short events, void *arg)
{
	struct control_client	*cl;
	uid_t			 uid;
	int			 fd, owner;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("control: accept");
		return;
	}
	uid = control_peer_uid(fd);
	owner = uid == geteuid() || uid == 0;
	if (control_nclients >= CONTROL_MAX_CLIENTS + (owner ?
	    CONTROL_OWNER_CLIENTS : 0) && (!owner || !control_evict_idle())) {
		control_refuse(fd, uid);
		return;
	}
	cl = xcalloc(1, sizeof *cl);
	cl->id = ++control_next_id;
	cl->refs = 1;
	cl->uid = uid;
	cl->admin = owner || control_peer_in_group(fd);
	cl->bev = bufferevent_socket_new(gw_base, fd, BEV_OPT_CLOSE_ON_FREE);
	cl->idle_ev = evtimer_new(gw_base, control_idle_cb, cl);
	if (cl->bev == NULL || cl->idle_ev == NULL)
		fatalx("control: cannot make a bufferevent");
	bufferevent_setcb(cl->bev, control_read_cb, control_write_cb,
	    control_event_cb, cl);
	bufferevent_setwatermark(cl->bev, EV_READ, 0, CONTROL_MAX_LINE + 2);
	bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&control_clients, cl, entry);
	control_nclients++;
	control_idle(cl, 1);
	log_debug("control client %" PRIu64 ": connected (uid %d%s)", cl->id,
	    (int)uid, owner ? ", the owner" : "");
}

static uid_t	control_dir_owner = (uid_t)-1;

void
control_set_dir_owner(uid_t uid)
{
	control_dir_owner = uid;
}

/* Make dir if missing; refuse one that others could write to. */
static int
control_check_dir(const char *path, char **cause)
{
	struct stat	 sb;
	char		*copy, *dir;
	int		 rc = -1;

	copy = xstrdup(path);
	dir = dirname(copy);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		xasprintf(cause, "control %s: mkdir %s: %s", path, dir,
		    strerror(errno));
		goto out;
	}
	if (lstat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		xasprintf(cause, "control %s: %s is not a directory", path,
		    dir);
		goto out;
	}
	if ((sb.st_uid != geteuid() && sb.st_uid != 0 &&
	    sb.st_uid != control_dir_owner) ||
	    ((sb.st_mode & 022) != 0 && (sb.st_mode & S_ISVTX) == 0)) {
		xasprintf(cause, "control %s: %s may be written by others",
		    path, dir);
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return (rc);
}

int
control_start(const char *path, mode_t mode, char **cause)
{
	if (control_fd != -1)
		control_stop();
	if (control_check_dir(path, cause) == -1)
		return (-1);
	control_fd = listener_unix_bind(path, mode, (uid_t)-1, (gid_t)-1,
	    &control_sb, cause);
	if (control_fd == -1)
		return (-1);
	if (listen(control_fd, 16) == -1) {
		xasprintf(cause, "control %s: listen: %s", path,
		    strerror(errno));
		close(control_fd);
		control_fd = -1;
		return (-1);
	}
	control_sock_path = xstrdup(path);
	control_ev = event_new(gw_base, control_fd, EV_READ | EV_PERSIST,
	    control_accept_cb, NULL);
	if (control_ev == NULL)
		fatalx("control: cannot make an event");
	event_add(control_ev, NULL);
	control_status_started();
	log_debug("control: listening on %s", path);
	return (0);
}

void
control_quiesce(void)
{
	struct control_client	*cl;

	control_quiet = 1;
	if (control_ev != NULL) {
		event_free(control_ev);
		control_ev = NULL;
	}
	TAILQ_FOREACH(cl, &control_clients, entry)
		bufferevent_disable(cl->bev, EV_READ);
}

/*
 * Write what is queued for cl until deadline (clock_now_ms()), or until
 * its socket fails: the loop is over, so wait here.
 */
static void
control_flush_client(struct control_client *cl, uint64_t deadline)
{
	struct evbuffer	*out = bufferevent_get_output(cl->bev);
	struct pollfd	 pfd;
	uint64_t	 now;

	pfd.fd = bufferevent_getfd(cl->bev);
	pfd.events = POLLOUT;
	/* A socket bufferevent keeps its output's start frozen but to write. */
	evbuffer_unfreeze(out, 1);
	while (evbuffer_get_length(out) != 0 &&
	    (now = clock_now_ms()) < deadline) {
		if (poll(&pfd, 1, (int)(deadline - now)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!(pfd.revents & POLLOUT) || (evbuffer_write(out, pfd.fd) ==
		    -1 && errno != EAGAIN && errno != EINTR))
			break;
	}
	evbuffer_freeze(out, 1);
}

void
control_flush(void)
{
	struct control_client	*cl;
	uint64_t		 deadline = clock_now_ms() + CONTROL_FLUSH_MS;

	TAILQ_FOREACH(cl, &control_clients, entry)
		control_flush_client(cl, deadline);
}

void
control_stop(void)
{
	struct control_client	*cl;

	while ((cl = TAILQ_FIRST(&control_clients)) != NULL)
		control_client_free(cl);
	if (control_ev != NULL) {
		event_free(control_ev);
		control_ev = NULL;
	}
	if (control_fd != -1) {
		close(control_fd);
		control_fd = -1;
		listener_unix_unlink(control_sock_path, &control_sb);
	}
	free(control_sock_path);
	control_sock_path = NULL;
	free(control_ev_text);
	control_ev_text = NULL;
	control_quiet = 0;
}

static void
control_cmd_status(struct control_req *req, const cJSON *json)
{
	control_reply(req, control_status());
}

/* The forward a request names in "name", or NULL after an error reply. */
static struct forward *
control_req_forward(struct control_req *req, const cJSON *json)
{
	const cJSON	*name = cJSON_GetObjectItem(json, "name");
	struct forward	*fw;

	if (!cJSON_IsString(name)) {
		control_reply_error(req, "request has no \"name\" string");
		return (NULL);
	}
	if ((fw = gateway_find(name->valuestring)) == NULL) {
		control_reply_error(req, "no forward \"%.64s\"",
		    name->valuestring);
		return (NULL);
	}
	return (fw);
}

static void
control_cmd_up(struct control_req *req, const cJSON *json)
{
	struct forward	*fw;
	char		*cause;

	if ((fw = control_req_forward(req, json)) == NULL)
		return;
	if (gateway_forward_up(fw, &cause) == -1) {
		control_reply_error(req, "%s", cause);
		free(cause);
		return;
	}
	control_reply(req, cJSON_CreateObject());
}

static void
control_cmd_down(struct control_req *req, const cJSON *json)
{
	struct forward	*fw;

	if ((fw = control_req_forward(req, json)) == NULL)
		return;
	gateway_forward_down(fw);
	control_reply(req, cJSON_CreateObject());
}

static void
control_cmd_events(struct control_req *req, const cJSON *json)
{
	if (req->cl->sub == NULL)
		req->cl->sub = bus_subscribe(CONTROL_EVENTS, control_bus_cb,
		    req->cl);
	control_reply(req, cJSON_CreateObject());
}

static void
control_cmd_help(struct control_req *req, const cJSON *json)
{
	cJSON	*o, *arr;
	size_t	 i;

	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "commands");
	for (i = 0; i < control_ncmds; i++)
		cJSON_AddItemToArray(arr,
		    cJSON_CreateString(control_cmds[i].name));
	control_reply(req, o);
}

static void
control_builtins(void)
{
	control_have_builtins = 1;
	control_register("status", control_cmd_status);
	control_register("up", control_cmd_up);
	control_register("down", control_cmd_down);
	control_register("events", control_cmd_events);
	control_register_user("help", control_cmd_help);
}
