/*
 * One accepted client connection: its bufferevent, its counters, its state
 * (opening, open, draining, dead) and the calls a forwarder makes back.
 *
 * The forwarder owns the far side. This module moves bytes between the
 * client socket and the forwarder, applies back-pressure by watermarks in
 * both directions, runs the half-close (each side's EOF is passed on once
 * what came before it has been delivered) and writes the one log line per
 * closed connection. Every end goes through conn_close() with its reason
 * (enum conn_end): whether the client gets a FIN or a reset is a property
 * of the reason, never a caller's choice. A conn is freed from a
 * zero-timeout event after its last reference goes, never inside a
 * callback that may still be running.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "bus.h"
#include "config.h"
#include "gatewayd.h"
#include "log.h"
#include "sockread.h"
#include "util.h"
#include "xmalloc.h"

/* c->local_eof and c->remote_eof: seen, then passed on to the other side. */
#define CONN_EOF_SEEN	1
#define CONN_EOF_DONE	2

/* Bytes read from or written to the client socket in one system call. */
#define CONN_IO_MAX	(256 * 1024)

static uint64_t	conn_next_id;

static const char *conn_state_names[] = {
	"opening", "open", "draining", "dead"
};

const char *
conn_state_name(enum conn_state s)
{
	return (conn_state_names[s]);
}

/* Each end's name (for events) and whether it is clean (a FIN). */
static const struct {
	const char	*name;
	int		 clean;
} conn_ends[] = {
	[CONN_END_DONE] =		{ "done", 1 },
	[CONN_END_CLIENT] =		{ "client", 1 },
	[CONN_END_EVICTED] =		{ "evicted", 0 },
	[CONN_END_CLIENT_ERROR] =	{ "client_error", 0 },
	[CONN_END_REFUSED] =		{ "refused", 0 },
	[CONN_END_RESET] =		{ "reset", 0 },
	[CONN_END_LOST] =		{ "lost", 0 },
	[CONN_END_STALLED] =		{ "stalled", 0 },
	[CONN_END_STOPPED] =		{ "stopped", 0 },
};

int
conn_end_is_clean(enum conn_end end)
{
	return (conn_ends[end].clean);
}

const char *
conn_end_name(enum conn_end end)
{
	return (conn_ends[end].name);
}

static void	conn_read_cb(struct bufferevent *, void *);
static void	conn_write_cb(struct bufferevent *, void *);
static void	conn_event_cb(struct bufferevent *, short, void *);

/* Count bytes as they arrive from the client. */
static void
conn_input_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct conn	*c = arg;

	c->bytes_in += info->n_added;
	c->fw->bytes_in += info->n_added;
}

/* Count bytes as they leave for the client. */
static void
conn_output_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct conn	*c = arg;

	c->bytes_out += info->n_deleted;
	c->fw->bytes_out += info->n_deleted;
}

/* Describe the peer for logs: "127.0.0.1:51234", "unix:uid 1000 pid 42". */
/* The client is the process with cred. */
static void
conn_set_cred(struct conn *c, const struct ucred *cred)
{
	c->client.uid = cred->uid;
	c->client.gid = cred->gid;
	c->client.pid = cred->pid;
	util_user_name(cred->uid, c->client.user, sizeof c->client.user);
}

static void
conn_format_peer(struct conn *c, int fd)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&c->peer;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&c->peer;
	struct ucred		 cred;
	socklen_t		 len = sizeof cred;
	char			 host[INET6_ADDRSTRLEN];

	switch (c->peer.ss_family) {
	case AF_INET:
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
		snprintf(c->peer_str, sizeof c->peer_str, "%s:%u", host,
		    ntohs(sin->sin_port));
		strlcpy(c->client.addr, host, sizeof c->client.addr);
		c->client.port = ntohs(sin->sin_port);
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
		snprintf(c->peer_str, sizeof c->peer_str, "[%s]:%u", host,
		    ntohs(sin6->sin6_port));
		strlcpy(c->client.addr, host, sizeof c->client.addr);
		c->client.port = ntohs(sin6->sin6_port);
		break;
	case AF_UNIX:
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
			snprintf(c->peer_str, sizeof c->peer_str,
			    "unix:uid %u pid %d", (unsigned)cred.uid,
			    (int)cred.pid);
			conn_set_cred(c, &cred);
		} else
			strlcpy(c->peer_str, "unix", sizeof c->peer_str);
		break;
	default:
		strlcpy(c->peer_str, "unknown", sizeof c->peer_str);
		break;
	}
}

/* The far side for logs: what the forwarder said, else the config's. */
static const char *
conn_target(struct conn *c, char *buf, size_t len)
{
	const struct fwd_config	*fc = c->fw->conf;

	if (c->target_str != NULL)
		return (c->target_str);
	if (fc == NULL || fc->target == NULL)
		return ("?");
	snprintf(buf, len, "%s:%u", fc->target, fc->remote_port);
	return (buf);
}

/* Say on the bus that c opened or closed. */
static void
conn_publish(struct conn *c, enum bus_type type)
{
	const struct fwd_config	*fc = c->fw->conf;
	struct bus_event	 ev;
	char			 target[300];

	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.conn.id = c->id;
	ev.conn.forward = c->fw->name;
	ev.conn.peer = c->peer_str;
	ev.conn.target = conn_target(c, target, sizeof target);
	if (type == BUS_CONN_CLOSED) {
		ev.conn.reason = c->reason;
		ev.conn.end = conn_end_name(c->end);
		ev.conn.reset = !conn_end_is_clean(c->end);
		ev.conn.bytes_in = c->bytes_in;
		ev.conn.bytes_out = c->bytes_out;
		ev.conn.duration_ms = clock_now_ms() - c->started_ms;
	}
	ev.conn.uid = c->client.uid;
	ev.conn.gid = c->client.gid;
	ev.conn.pid = c->client.pid;
	ev.conn.user = c->client.user[0] != '\0' ? c->client.user : NULL;
	ev.conn.addr = c->client.addr[0] != '\0' ? c->client.addr : NULL;
	ev.conn.port = c->client.port;
	ev.conn.on_demand = c->fw->on_demand;
	if (fc != NULL) {
		ev.conn.region = fc->region;
		ev.conn.profile = fc->profile;
		ev.conn.remote_host = fc->remote_host;
		ev.conn.remote_port = fc->remote_port;
	}
	ev.conn.instance = c->far.instance;
	ev.conn.session_id = c->far.session_id;
	ev.conn.stream_id = c->far.stream_id;
	ev.conn.mode = c->far.mode;
	ev.conn.account = c->far.account;
	ev.conn.principal = c->far.principal;
	bus_publish(&ev);
}

/* A conn on fd (written, and read unless fd_in is given) for fw. */
static struct conn *
conn_make(struct forward *fw, int fd, int fd_in)
{
	struct conn	*c;

	c = xcalloc(1, sizeof *c);
	c->id = ++conn_next_id;
	c->state = CONN_OPENING;
	c->refs = 1;
	c->fw = fw;
	c->fwd = fw->fwd;
	c->fd_in = fd_in;
	c->client.uid = c->client.gid = c->client.pid = -1;
	forward_ref(fw);
	c->started_ms = clock_now_ms();

	c->bev = bufferevent_socket_new(gw_base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		fatalx("conn %" PRIu64 ": cannot make a bufferevent", c->id);
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    c);
	bufferevent_setwatermark(c->bev, EV_WRITE, CONN_LOW_WATERMARK, 0);
	bufferevent_set_max_single_write(c->bev, CONN_IO_MAX);
	/* We read the socket, in large pieces: see sockread.h. */
	bufferevent_disable(c->bev, EV_READ);
	c->rd = sockread_new_fd(c->bev, fd_in != -1 ? fd_in : fd,
	    CONN_IO_MAX, CONN_HIGH_WATERMARK);
	bufferevent_enable(c->bev, EV_WRITE);
	evbuffer_add_cb(bufferevent_get_input(c->bev), conn_input_cb, c);
	evbuffer_add_cb(bufferevent_get_output(c->bev), conn_output_cb, c);
	return (c);
}

/* Count c in and ask the forwarder to open the far side. */
static void
conn_start(struct conn *c)
{
	struct forward		*fw = c->fw;
	struct log_field	 f[] = {
		LOG_STR("forward", fw->name),
		LOG_NUM("conn", c->id),
		LOG_STR("peer", c->peer_str),
	};

	TAILQ_INSERT_TAIL(&fw->conns, c, entry);
	fw->nconns++;
	fw->total_conns++;
	log_fields(LOG_LEVEL_DEBUG, f, LOG_NFIELDS(f), "conn %" PRIu64
	    " (%s %s): accepted", c->id, fw->name, c->peer_str);
	conn_publish(c, BUS_CONN_OPENED);

	c->fwd->open(c);
}

/*
 * Make a conn for a socket the listener accepted and ask the forwarder to
 * open the far side. The conn may already be closed when this returns.
 */
struct conn *
conn_new(struct forward *fw, int fd, const struct sockaddr *sa,
    socklen_t salen, const struct conn_client *cl)
{
	struct conn	*c;

	c = conn_make(fw, fd, -1);
	if (salen > sizeof c->peer)
		salen = sizeof c->peer;
	memcpy(&c->peer, sa, salen);
	c->peerlen = salen;
	conn_format_peer(c, fd);
	if (cl != NULL && cl->uid != -1 && c->client.uid == -1) {
		c->client.uid = cl->uid;
		strlcpy(c->client.user, cl->user, sizeof c->client.user);
	}
	conn_start(c);
	return (c);
}

struct conn *
conn_new_pair(struct forward *fw, int fd_in, int fd_out, const char *peer,
    const struct ucred *cred, const struct conn_greeter *g, void *arg)
{
	struct conn	*c;

	evutil_make_socket_nonblocking(fd_in);
	evutil_make_socket_nonblocking(fd_out);
	c = conn_make(fw, fd_out, fd_in == fd_out ? -1 : fd_in);
	c->peer.ss_family = AF_UNSPEC;
	strlcpy(c->peer_str, peer, sizeof c->peer_str);
	if (cred != NULL)
		conn_set_cred(c, cred);
	conn_set_greeter(c, g, arg);
	conn_start(c);
	return (c);
}

static void
conn_far_clear(struct conn_far *far)
{
	free(far->instance);
	free(far->session_id);
	free(far->account);
	free(far->principal);
	memset(far, 0, sizeof *far);
}

static char *
conn_strdup(const char *s)
{
	return (s != NULL ? xstrdup(s) : NULL);
}

void
conn_set_far(struct conn *c, const char *instance, const char *session_id,
    uint32_t stream_id, const char *mode)
{
	free(c->far.instance);
	free(c->far.session_id);
	c->far.instance = conn_strdup(instance);
	c->far.session_id = conn_strdup(session_id);
	c->far.stream_id = stream_id;
	c->far.mode = mode;
}

void
conn_set_identity(struct conn *c, const char *account, const char *principal)
{
	free(c->far.account);
	free(c->far.principal);
	c->far.account = conn_strdup(account);
	c->far.principal = conn_strdup(principal);
}

/* Move c to state s; states only move forward. */
void
conn_set_state(struct conn *c, enum conn_state s)
{
	if (s == c->state)
		return;
	if (s < c->state) {
		fatalx("conn %" PRIu64 ": bad state change %s -> %s", c->id,
		    conn_state_names[c->state], conn_state_names[s]);
	}
	log_debug("conn %" PRIu64 ": %s -> %s", c->id,
	    conn_state_names[c->state], conn_state_names[s]);
	c->state = s;
}

/* The first EOF of either side moves an open conn to draining. */
static void
conn_start_draining(struct conn *c, const char *who)
{
	if (c->state != CONN_OPEN)
		return;
	conn_set_state(c, CONN_DRAINING);
	free(c->reason);
	xasprintf(&c->reason, "%s closed", who);
}

/* Close c once both directions have finished: the far side's clean end. */
static void
conn_check_done(struct conn *c)
{
	if (c->local_eof == CONN_EOF_DONE && c->remote_eof == CONN_EOF_DONE)
		conn_close(c, CONN_END_DONE, "%s", c->reason);
}

/* c lingers, or no longer does (conn_is_lingering). */
static void
conn_set_lingering(struct conn *c, int on)
{
	if (c->lingering == on)
		return;
	c->lingering = on;
	if (on) {
		c->eof_ms = clock_now_ms();
		c->fw->nlingering++;
	} else
		c->fw->nlingering--;
}

/* The client will send nothing more and all it sent has been passed on. */
static void
conn_deliver_eof(struct conn *c)
{
	c->local_eof = CONN_EOF_DONE;
	c->fwd->eof(c);
	if (c->state == CONN_DEAD)
		return;
	if (c->remote_eof == 0)
		conn_set_lingering(c, 1);
	conn_check_done(c);
}

/* Offer the client's buffered bytes to the forwarder, then any EOF. */
static void
conn_offer(struct conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);

	if (evbuffer_get_length(in) != 0) {
		c->fwd->send(c, in);
		if (c->state == CONN_DEAD)
			return;
	}
	if (c->local_eof == CONN_EOF_SEEN && !c->paused &&
	    evbuffer_get_length(in) == 0)
		conn_deliver_eof(c);
}

/* The client socket has bytes (or conn_resume asked to re-offer them). */
static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;

	if (c->state != CONN_OPEN && c->state != CONN_DRAINING &&
	    !c->negotiating)
		return;
	if (c->paused)
		return;
	conn_offer(c);
}

/*
 * Close fd's file but keep its number (open on /dev/null): the end of a
 * pipe's write side, while the bufferevent still holds the number.
 */
static int
conn_close_keep(int fd)
{
	int	null, rc;

	if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1)
		return (-1);
	rc = dup3(null, fd, O_CLOEXEC);
	close(null);
	return (rc == -1 ? -1 : 0);
}

/* Shut the client's read side (our write side) once its output is empty. */
static void
conn_shutdown_client(struct conn *c)
{
	int	fd = bufferevent_getfd(c->bev), rc;

	rc = shutdown(fd, SHUT_WR);
	/* A pipe or terminal (a pair's output) ends when it is closed. */
	if (rc == -1 && errno == ENOTSOCK)
		rc = conn_close_keep(fd);
	if (rc == -1 && errno != ENOTCONN) {
		conn_close(c, CONN_END_CLIENT_ERROR, "client shutdown: %s",
		    strerror(errno));
		return;
	}
	c->remote_eof = CONN_EOF_DONE;
	conn_check_done(c);
}

/* The client's output fell to the low watermark (or emptied). */
static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	struct evbuffer	*out = bufferevent_get_output(bev);

	if (c->state == CONN_DEAD)
		return;
	if (c->output_full && evbuffer_get_length(out) <= CONN_LOW_WATERMARK) {
		c->output_full = 0;
		if (c->fwd->drain != NULL)
			c->fwd->drain(c);
		if (c->state == CONN_DEAD)
			return;
	}
	/*
	 * Measured now, not before the drain: a drain may queue the last
	 * bytes the forwarder held and the far side's end with them, and the
	 * FIN must not overtake those bytes (shutting down before them made
	 * their write fail with EPIPE and the client lose the tail).
	 */
	if (evbuffer_get_length(out) == 0 && c->remote_eof == CONN_EOF_SEEN)
		conn_shutdown_client(c);
}

/* The client half-closed: pass it on once its bytes have gone. */
static void
conn_client_eof(struct conn *c)
{
	if (c->local_eof != 0)
		return;
	c->local_eof = CONN_EOF_SEEN;
	conn_start_draining(c, "client");
	if (!c->paused &&
	    evbuffer_get_length(bufferevent_get_input(c->bev)) == 0)
		conn_deliver_eof(c);
}

/* EOF or an error on the client socket. */
static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;
	int		 error = EVUTIL_SOCKET_ERROR();

	if (c->state == CONN_DEAD)
		return;
	if (what & BEV_EVENT_ERROR) {
		conn_close(c, CONN_END_CLIENT_ERROR, "client %s error: %s",
		    (what & BEV_EVENT_WRITING) ? "write" : "read",
		    evutil_socket_error_to_string(error));
		return;
	}
	if (what & BEV_EVENT_EOF)
		conn_client_eof(c);
}

/* Nothing came back and nothing failed: the far side counts as reached. */
static void
conn_confirm_cb(evutil_socket_t fd, short events, void *arg)
{
	conn_reached(arg);
}

/* The far side is open: let bytes flow. */
void
conn_ready(struct conn *c)
{
	struct timeval	tv;

	if (c->state != CONN_OPENING)
		return;
	conn_set_state(c, CONN_OPEN);
	if (c->greeter != NULL && !c->reached) {
		if (c->confirm == NULL)
			c->confirm = evtimer_new(gw_base, conn_confirm_cb, c);
		if (c->confirm == NULL)
			fatalx("conn %" PRIu64 ": cannot make a timer", c->id);
		tv = util_ms_tv(CONN_CONFIRM_MS);
		evtimer_add(c->confirm, &tv);
	}
	if (c->paused)
		return;
	sockread_enable(c->rd, 1);
	/* Bytes read while negotiating, before a hand-over. */
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) != 0)
		bufferevent_trigger(c->bev, EV_READ,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

void
conn_negotiate(struct conn *c)
{
	if (c->state != CONN_OPENING)
		return;
	c->negotiating = 1;
	sockread_enable(c->rd, 1);
}

void
conn_hand_to(struct conn *c, struct forward *fw)
{
	struct forward	*old = c->fw;

	if (c->state != CONN_OPENING)
		fatalx("conn %" PRIu64 ": handed over while %s", c->id,
		    conn_state_names[c->state]);
	c->negotiating = 0;
	sockread_enable(c->rd, 0);
	log_debug("conn %" PRIu64 ": from %s to %s", c->id, old->name,
	    fw->name);
	TAILQ_REMOVE(&old->conns, c, entry);
	old->nconns--;
	forward_ref(fw);
	c->fw = fw;
	c->fwd = fw->fwd;
	c->fwd_data = NULL;
	TAILQ_INSERT_TAIL(&fw->conns, c, entry);
	fw->nconns++;
	fw->total_conns++;
	forward_unref(old);
	c->fwd->open(c);
}

void
conn_set_greeter(struct conn *c, const struct conn_greeter *g, void *arg)
{
	c->greeter = g;
	c->greeter_arg = arg;
}

void
conn_reached(struct conn *c)
{
	if (c->reached || c->state == CONN_DEAD)
		return;
	c->reached = 1;
	if (c->confirm != NULL)
		evtimer_del(c->confirm);
	if (c->greeter != NULL && c->greeter->reached != NULL)
		c->greeter->reached(c, c->greeter_arg);
}

/* Note whether the client's output has passed the high watermark. */
static void
conn_check_output(struct conn *c)
{
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) >=
	    CONN_HIGH_WATERMARK)
		c->output_full = 1;
}

/* Queue all of buf for the client. */
void
conn_write(struct conn *c, struct evbuffer *buf)
{
	if (c->state == CONN_DEAD || c->remote_eof != 0) {
		log_debug("conn %" PRIu64 ": %zu bytes after close dropped",
		    c->id, evbuffer_get_length(buf));
		evbuffer_drain(buf, evbuffer_get_length(buf));
		return;
	}
	if (c->greeter != NULL && !c->reached)
		conn_reached(c);
	evbuffer_add_buffer(bufferevent_get_output(c->bev), buf);
	conn_check_output(c);
}

/* Queue len bytes for the client. */
void
conn_write_data(struct conn *c, const void *data, size_t len)
{
	if (c->state == CONN_DEAD || c->remote_eof != 0) {
		log_debug("conn %" PRIu64 ": %zu bytes after close dropped",
		    c->id, len);
		return;
	}
	if (c->greeter != NULL && !c->reached && !c->negotiating)
		conn_reached(c);
	evbuffer_add(bufferevent_get_output(c->bev), data, len);
	conn_check_output(c);
}

int
conn_is_output_full(struct conn *c)
{
	return (c->output_full);
}

size_t
conn_output_len(struct conn *c)
{
	if (c->state == CONN_DEAD)
		return (0);
	return (evbuffer_get_length(bufferevent_get_output(c->bev)));
}

/* The far side finished sending: shut the client's side once flushed. */
void
conn_eof(struct conn *c)
{
	if (c->state == CONN_DEAD || c->remote_eof != 0)
		return;
	c->remote_eof = CONN_EOF_SEEN;
	conn_set_lingering(c, 0);
	conn_start_draining(c, "remote");
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_shutdown_client(c);
}

/* Stop reading the client: the far side cannot take more. */
void
conn_pause(struct conn *c)
{
	c->paused = 1;
	if (c->state != CONN_DEAD)
		sockread_enable(c->rd, 0);
}

/*
 * Read the client again. What is already buffered (and a pending EOF) is
 * offered to the forwarder from a deferred callback, never from here, so a
 * forwarder may call this from inside its own send.
 */
void
conn_resume(struct conn *c)
{
	struct evbuffer	*in;

	c->paused = 0;
	if (c->state != CONN_OPEN && c->state != CONN_DRAINING)
		return;
	if (c->local_eof == 0)
		sockread_enable(c->rd, 1);
	in = bufferevent_get_input(c->bev);
	if (evbuffer_get_length(in) != 0 || c->local_eof == CONN_EOF_SEEN) {
		bufferevent_trigger(c->bev, EV_READ,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	}
}

int
conn_is_open(struct conn *c)
{
	return (c->state == CONN_OPEN || c->state == CONN_DRAINING);
}

int
conn_is_lingering(struct conn *c)
{
	return (c->lingering);
}

/*
 * A new client needs a slot: the conn that has waited longest after its
 * client's EOF gives up its wait. Its client has said it is done; at
 * most a late reply is cut, which it learns by a reset (the wait was cut
 * short of its bound). A scan, and only while some conn lingers:
 * max_conns is at most 65535.
 */
int
conn_make_room(struct forward *fw)
{
	struct conn	*c, *oldest = NULL;

	if (fw->nlingering == 0)
		return (0);
	TAILQ_FOREACH(c, &fw->conns, entry) {
		if (c->lingering && (oldest == NULL ||
		    c->eof_ms < oldest->eof_ms))
			oldest = c;
	}
	if (oldest == NULL)
		return (0);
	conn_close(oldest, CONN_END_EVICTED, "client closed; its wait for "
	    "the far side's end gave its slot to a new client (max_conns)");
	return (1);
}

int
conn_has_room(struct forward *fw)
{
	unsigned	max = fw->conf->max_conns;

	return (max == 0 || fw->nconns < max || conn_make_room(fw));
}

/*
 * Write the one line every closed connection gets: who, where its bytes
 * went (the Session Manager session and stream, when it rode one), how
 * much, how long, why. In JSON each of these is a field too.
 */
static void
conn_log_close(struct conn *c)
{
	char		 in[32], out[32], dur[32], target[300], far[160];
	const char	*to = conn_target(c, target, sizeof target);
	uint64_t	 ms = clock_now_ms() - c->started_ms;
	struct log_field f[] = {
		LOG_STR("forward", c->fw->name),
		LOG_NUM("conn", c->id),
		LOG_STR("peer", c->peer_str),
		LOG_STR("target", to),
		LOG_STR("session", c->far.session_id),
		LOG_NUM("bytes_in", c->bytes_in),
		LOG_NUM("bytes_out", c->bytes_out),
		LOG_NUM("duration_ms", ms),
		LOG_STR("end", conn_end_name(c->end)),
		LOG_STR("reason", c->reason),
		LOG_NUM("stream", c->far.stream_id),	/* last: may go */
	};
	size_t		 n = LOG_NFIELDS(f);

	far[0] = '\0';
	if (c->far.session_id != NULL && c->far.stream_id != 0)
		snprintf(far, sizeof far, " session %s stream %" PRIu32,
		    c->far.session_id, c->far.stream_id);
	else if (c->far.session_id != NULL)
		snprintf(far, sizeof far, " session %s", c->far.session_id);
	if (c->far.stream_id == 0)
		n--;		/* basic mode, or no session: no stream */
	util_fmt_bytes(c->bytes_in, in, sizeof in);
	util_fmt_bytes(c->bytes_out, out, sizeof out);
	util_fmt_duration(ms, dur, sizeof dur);
	log_fields(LOG_LEVEL_INFO, f, n, "conn %" PRIu64 " (%s %s -> %s%s): "
	    "%s in, %s out, %s: %s", c->id, c->fw->name, c->peer_str, to, far,
	    in, out, dur, c->reason);
}

/* Make the close of fd send a reset (RST) rather than a FIN. */
static void
conn_set_reset(int fd)
{
	struct linger	lg = { 1, 0 };

	if (fd != -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

/*
 * c ends: tell its greeter. Return 1 if it was told of a refusal, whose
 * reply then goes out before a FIN, whatever the end.
 */
static int
conn_tell_end(struct conn *c)
{
	const struct conn_greeter	*g = c->greeter;

	if (g == NULL)
		return (0);
	if (c->reached == 1) {
		if (g->closed != NULL)
			g->closed(c, c->greeter_arg);
		return (0);
	}
	c->reached = 2;		/* refused: not to be reached now */
	if (g->refused != NULL)
		g->refused(c, c->greeter_arg);
	return (1);
}

/*
 * Close c now, with why (which decides between the client's FIN and a
 * reset, gatewayd.h) and a reason: unlink it, stop its events, let the
 * forwarder release the far side (it reads c->end), log it and close the
 * client socket. The struct itself goes after the last reference. A
 * second call does nothing.
 */
void
conn_close(struct conn *c, enum conn_end end, const char *fmt, ...)
{
	struct forward	*fw = c->fw;
	va_list		 ap;
	char		*reason;
	int		 told;

	if (c->state == CONN_DEAD)
		return;
	va_start(ap, fmt);
	xvasprintf(&reason, fmt, ap);
	va_end(ap);
	free(c->reason);
	c->reason = reason;
	c->end = end;
	conn_set_lingering(c, 0);
	told = conn_tell_end(c);
	/* The far side could not be opened: that is the forward's news. */
	if (c->state == CONN_OPENING) {
		free(fw->last_error);
		fw->last_error = xstrdup(reason);
	}

	conn_set_state(c, CONN_DEAD);
	TAILQ_REMOVE(&fw->conns, c, entry);
	fw->nconns--;
	sockread_free(c->rd);
	c->rd = NULL;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
	evbuffer_remove_cb(bufferevent_get_input(c->bev), conn_input_cb, c);
	evbuffer_remove_cb(bufferevent_get_output(c->bev), conn_output_cb, c);

	c->fwd->close(c);
	conn_log_close(c);
	conn_publish(c, BUS_CONN_CLOSED);

	if (c->confirm != NULL) {
		event_free(c->confirm);
		c->confirm = NULL;
	}
	if (told) {
		/*
		 * The reply is small and the socket fresh: one try. A socket
		 * bufferevent keeps its output's start frozen but to write.
		 */
		evbuffer_unfreeze(bufferevent_get_output(c->bev), 1);
		(void)evbuffer_write(bufferevent_get_output(c->bev),
		    bufferevent_getfd(c->bev));
	} else if (!conn_end_is_clean(end)) {
		log_debug("conn %" PRIu64 ": resetting the client (%s)", c->id,
		    conn_end_name(end));
		conn_set_reset(bufferevent_getfd(c->bev));
	}
	bufferevent_free(c->bev);
	c->bev = NULL;
	if (c->fd_in != -1) {
		close(c->fd_in);
		c->fd_in = -1;
	}
	conn_unref(c);
}

void
conn_ref(struct conn *c)
{
	c->refs++;
}

/* The last reference is gone: free c once the current callback returns. */
static void
conn_free_cb(evutil_socket_t fd, short events, void *arg)
{
	struct conn	*c = arg;
	struct forward	*fw = c->fw;

	free(c->reason);
	free(c->target_str);
	conn_far_clear(&c->far);
	free(c);
	forward_unref(fw);
}

void
conn_unref(struct conn *c)
{
	struct timeval	tv = { 0, 0 };

	if (c->refs <= 0)
		fatalx("conn %" PRIu64 ": reference count underflow", c->id);
	if (--c->refs != 0)
		return;
	if (c->state != CONN_DEAD)
		fatalx("conn %" PRIu64 ": last reference while %s", c->id,
		    conn_state_names[c->state]);
	if (event_base_once(gw_base, -1, EV_TIMEOUT, conn_free_cb, c,
	    &tv) == -1)
		fatalx("conn %" PRIu64 ": cannot schedule free", c->id);
}
