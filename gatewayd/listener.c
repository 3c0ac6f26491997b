/*
 * Listening sockets. Bind (IPv4, IPv6 only-v6, unix sockets with their mode
 * and owner), accept without blocking, turn away clients the allow list or
 * max_conns refuses (one log line each, through the log's rate limiter:
 * a burst of refusals is summed up, not logged line by line), and hand
 * the rest to conn_new(). max_conns counts the conns a user can see: one
 * that only waits after its client's EOF gives its slot to a new client
 * (conn_make_room).
 *
 * When accept fails for lack of descriptors or memory, the listener stops
 * for a second rather than spinning on a socket that stays readable.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "bus.h"
#include "config.h"
#include "gatewayd.h"
#include "listener.h"
#include "log.h"
#include "peeruid.h"
#include "util.h"
#include "xmalloc.h"

/* Clients accepted per readable event, so one busy port cannot starve. */
#define LISTENER_ACCEPT_BATCH	64
/* How long accepting pauses after EMFILE and friends. */
#define LISTENER_PAUSE_MS	1000
#define LISTENER_BACKLOG	511

struct listener {
	struct forward		*fw;
	int			 fd;
	char			*address;
	struct event		*ev;
	struct event		*pause_ev;
	int			 enabled;

	/* unix sockets: what we made, so that we unlink only our own */
	char			*path;
	struct stat		 sb;
	mode_t			 mode;
	uid_t			 owner;
	gid_t			 group;
};

static void	listener_accept_cb(evutil_socket_t, short, void *);
static void	listener_pause_cb(evutil_socket_t, short, void *);

/* Make a non-blocking, close-on-exec socket. */
static int
listener_socket(int family, char **cause)
{
	int	fd;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		xasprintf(cause, "socket: %s", strerror(errno));
	return (fd);
}

/* Bind a TCP socket to ls->ss. */
static int
listener_bind_tcp(struct listener *l, const struct listen_spec *ls,
    char **cause)
{
	int	fd, one = 1;

	if ((fd = listener_socket(ls->ss.ss_family, cause)) == -1)
		return (-1);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1)
		goto fail;
	if (ls->ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof one) == -1)
		goto fail;
	if (bind(fd, (const struct sockaddr *)&ls->ss, ls->sslen) == -1)
		goto fail;
	l->fd = fd;
	return (0);

fail:
	xasprintf(cause, "%s: %s", ls->text, strerror(errno));
	close(fd);
	return (-1);
}

/*
 * Remove a socket left at path by a process that is gone. Anything else
 * at the path (a file, a live socket) stays, and binding will fail.
 */
static int
listener_remove_stale(const char *path, char **cause)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	int			 fd, live;

	if (lstat(path, &sb) == -1)
		return (0);
	if (!S_ISSOCK(sb.st_mode)) {
		xasprintf(cause, "unix:%s: exists and is not a socket", path);
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (-1);
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof sun.sun_path);
	live = (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0 ||
	    errno != ECONNREFUSED);
	close(fd);
	if (live) {
		xasprintf(cause, "unix:%s: in use by another process", path);
		return (-1);
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		xasprintf(cause, "unix:%s: unlink: %s", path, strerror(errno));
		return (-1);
	}
	log_debug("listener unix:%s: removed stale socket", path);
	return (0);
}

/*
 * Bind a unix socket at path and give it its mode and owner (-1: leave
 * them). Return the socket, or -1 and set *cause. *sb identifies what was
 * made, for listener_unix_unlink.
 */
int
listener_unix_bind(const char *path, mode_t mode, uid_t owner, gid_t group,
    struct stat *sb, char **cause)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof sun.sun_path) >=
	    sizeof sun.sun_path) {
		xasprintf(cause, "unix:%s: path too long", path);
		return (-1);
	}
	if (listener_remove_stale(path, cause) == -1)
		return (-1);
	if ((fd = listener_socket(AF_UNIX, cause)) == -1)
		return (-1);
	/* Nobody may connect between bind and chmod. */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		umask(old);
		xasprintf(cause, "unix:%s: %s", path, strerror(errno));
		close(fd);
		return (-1);
	}
	umask(old);
	if (stat(path, sb) == -1 || chmod(path, mode) == -1 ||
	    ((owner != (uid_t)-1 || group != (gid_t)-1) &&
	    chown(path, owner, group) == -1)) {
		xasprintf(cause, "unix:%s: %s", path, strerror(errno));
		unlink(path);
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Unlink path if it is still the socket sb describes, not a newer one. */
void
listener_unix_unlink(const char *path, const struct stat *sb)
{
	struct stat	now;

	if (lstat(path, &now) == 0 && now.st_dev == sb->st_dev &&
	    now.st_ino == sb->st_ino)
		unlink(path);
}

/* Bind the unix socket fw's listen names. */
static int
listener_bind_unix(struct listener *l, const struct listen_spec *ls,
    char **cause)
{
	l->fd = listener_unix_bind(ls->path, ls->mode, ls->owner, ls->group,
	    &l->sb, cause);
	if (l->fd == -1)
		return (-1);
	l->path = xstrdup(ls->path);
	return (0);
}

/* Bind and listen for fw. */
struct listener *
listener_new(struct forward *fw, char **cause)
{
	const struct listen_spec	*ls = &fw->conf->listen;
	struct listener			*l;
	int				 rc;

	l = xcalloc(1, sizeof *l);
	l->fw = fw;
	l->fd = -1;
	l->address = xstrdup(ls->text);
	l->mode = ls->mode;
	l->owner = ls->owner;
	l->group = ls->group;
	if (ls->kind == LISTEN_UNIX)
		rc = listener_bind_unix(l, ls, cause);
	else
		rc = listener_bind_tcp(l, ls, cause);
	if (rc == 0 && listen(l->fd, LISTENER_BACKLOG) == -1) {
		xasprintf(cause, "%s: listen: %s", ls->text, strerror(errno));
		rc = -1;
	}
	if (rc == -1) {
		listener_free(l);
		return (NULL);
	}
	l->ev = event_new(gw_base, l->fd, EV_READ | EV_PERSIST,
	    listener_accept_cb, l);
	l->pause_ev = evtimer_new(gw_base, listener_pause_cb, l);
	if (l->ev == NULL || l->pause_ev == NULL)
		fatalx("listener %s: cannot make events", l->address);
	listener_enable(l);
	log_debug("listener %s: listening for forward %s", l->address,
	    fw->name);
	return (l);
}

int
listener_bind(const struct listen_spec *ls, mode_t mode, struct stat *sb,
    char **cause)
{
	struct listener	l;

	memset(&l, 0, sizeof l);
	l.fd = -1;
	if (ls->kind == LISTEN_UNIX)
		l.fd = listener_unix_bind(ls->path, mode, (uid_t)-1,
		    (gid_t)-1, sb, cause);
	else if (listener_bind_tcp(&l, ls, cause) == -1)
		return (-1);
	if (l.fd == -1)
		return (-1);
	if (listen(l.fd, LISTENER_BACKLOG) == -1) {
		xasprintf(cause, "%s: listen: %s", ls->text, strerror(errno));
		if (ls->kind == LISTEN_UNIX)
			listener_unix_unlink(ls->path, sb);
		close(l.fd);
		return (-1);
	}
	return (l.fd);
}

void
listener_free(struct listener *l)
{
	if (l == NULL)
		return;
	if (l->ev != NULL)
		event_free(l->ev);
	if (l->pause_ev != NULL)
		event_free(l->pause_ev);
	if (l->fd != -1)
		close(l->fd);
	if (l->path != NULL)
		listener_unix_unlink(l->path, &l->sb);
	free(l->path);
	free(l->address);
	free(l);
}

void
listener_set_forward(struct listener *l, struct forward *fw)
{
	l->fw = fw;
}

void
listener_disable(struct listener *l)
{
	l->enabled = 0;
	event_del(l->ev);
	event_del(l->pause_ev);
}

void
listener_enable(struct listener *l)
{
	l->enabled = 1;
	if (!evtimer_pending(l->pause_ev, NULL))
		event_add(l->ev, NULL);
}

int
listener_is_paused(struct listener *l)
{
	return (evtimer_pending(l->pause_ev, NULL) &&
	    !event_pending(l->ev, EV_READ, NULL));
}

int
listener_matches(struct listener *l, const struct listen_spec *ls)
{
	if (strcmp(l->address, ls->text) != 0)
		return (0);
	if (ls->kind == LISTEN_UNIX && (l->path == NULL ||
	    l->mode != ls->mode || l->owner != ls->owner ||
	    l->group != ls->group))
		return (0);
	return (1);
}

const char *
listener_address(struct listener *l)
{
	return (l->address);
}

/* 1 if the first prefix bits of a and b agree. */
static int
listener_prefix_match(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	unsigned	bytes = prefix / 8, bits = prefix % 8;
	uint8_t		mask;

	if (memcmp(a, b, bytes) != 0)
		return (0);
	if (bits == 0)
		return (1);
	mask = (uint8_t)(0xff << (8 - bits));
	return ((a[bytes] & mask) == (b[bytes] & mask));
}

/* Match a TCP peer against the CIDR rules; v4-mapped v6 counts as v4. */
int
listener_allow_addr(const struct allow_list *al, const struct sockaddr *sa,
    socklen_t salen)
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;
	const struct allow_rule		*r;
	const uint8_t			*addr;
	int				 family = sa->sa_family;
	size_t				 i;

	if (al->n == 0)
		return (1);
	if (family == AF_INET)
		addr = (const uint8_t *)&sin->sin_addr;
	else if (family == AF_INET6) {
		addr = sin6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			family = AF_INET;
			addr += 12;
		}
	} else
		return (0);
	for (i = 0; i < al->n; i++) {
		r = &al->rules[i];
		if (r->kind == ALLOW_CIDR && r->family == family &&
		    listener_prefix_match(addr, r->addr, r->prefix))
			return (1);
	}
	return (0);
}

/* Match a unix peer's uid, gid and supplementary groups. */
int
listener_allow_cred(const struct allow_list *al, uid_t uid, gid_t gid,
    const gid_t *groups, int ngroups)
{
	const struct allow_rule	*r;
	size_t			 i;
	int			 j;

	if (al->n == 0)
		return (1);
	for (i = 0; i < al->n; i++) {
		r = &al->rules[i];
		if (r->kind == ALLOW_USER && r->uid == uid)
			return (1);
		if (r->kind != ALLOW_GROUP)
			continue;
		if (r->gid == gid)
			return (1);
		for (j = 0; j < ngroups; j++) {
			if (groups[j] == r->gid)
				return (1);
		}
	}
	return (0);
}

/*
 * The supplementary groups of a unix peer: SO_PEERGROUPS gives those of
 * the process as it connected; older kernels fall back to the group file.
 */
static int
listener_peer_groups(int fd, uid_t uid, gid_t gid, gid_t *groups, int max)
{
	socklen_t	 len = max * sizeof *groups;
	struct passwd	*pw;
	int		 n = max;

#ifdef SO_PEERGROUPS
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0)
		return (len / sizeof *groups);
	if (errno != ENOPROTOOPT)
		return (0);
#endif
	if ((pw = getpwuid(uid)) == NULL)
		return (0);
	if (getgrouplist(pw->pw_name, gid, groups, &n) == -1)
		return (max);
	return (n);
}

int
listener_peer_cred(int fd, struct ucred *cred, gid_t *groups, int max,
    int *ngroups)
{
	socklen_t	len = sizeof *cred;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) == -1)
		return (-1);
	*ngroups = listener_peer_groups(fd, cred->uid, cred->gid, groups, max);
	return (0);
}

/*
 * Return NULL if the client may connect, else why not; peer and cl say
 * who it is, for the refusal's line and event.
 */
static const char *
listener_check_client(struct listener *l, int fd, struct sockaddr *sa,
    socklen_t salen, char *peer, size_t peerlen, struct conn_client *cl)
{
	const struct fwd_config	*fc = l->fw->conf;
	struct ucred		 cred;
	gid_t			 groups[LISTENER_MAX_GROUPS];
	int			 ngroups;

	memset(cl, 0, sizeof *cl);
	cl->uid = cl->gid = cl->pid = -1;
	if (sa->sa_family == AF_UNIX) {
		snprintf(peer, peerlen, "unix");
		if (listener_peer_cred(fd, &cred, groups, LISTENER_MAX_GROUPS,
		    &ngroups) == -1)
			return ("no peer credentials");
		snprintf(peer, peerlen, "unix:uid %u gid %u pid %d",
		    (unsigned)cred.uid, (unsigned)cred.gid, (int)cred.pid);
		cl->uid = cred.uid;
		cl->gid = cred.gid;
		cl->pid = cred.pid;
		if (!listener_allow_cred(&fc->allow, cred.uid, cred.gid,
		    groups, ngroups))
			return ("user and groups not in allow list");
	} else {
		if (sa->sa_family == AF_INET) {
			inet_ntop(AF_INET,
			    &((struct sockaddr_in *)sa)->sin_addr, cl->addr,
			    sizeof cl->addr);
			cl->port = ntohs(((struct sockaddr_in *)sa)->sin_port);
		} else {
			inet_ntop(AF_INET6,
			    &((struct sockaddr_in6 *)sa)->sin6_addr, cl->addr,
			    sizeof cl->addr);
			cl->port =
			    ntohs(((struct sockaddr_in6 *)sa)->sin6_port);
		}
		snprintf(peer, peerlen, "%s", cl->addr);
		if (!listener_allow_addr(&fc->allow, sa, salen))
			return ("address not in allow list");
		/* Sessions per local user: whose loopback client this is. */
		if (fc->identity_per_user &&
		    (cl->uid = peeruid_tcp(fd)) != -1)
			util_user_name(cl->uid, cl->user, sizeof cl->user);
		else if (fc->identity_per_user && errno != EADDRNOTAVAIL)
			log_warn("listener %s: who owns client %s", l->address,
			    peer);
	}
	/* A conn that only waits after its client's EOF gives way. */
	if (!conn_has_room(l->fw))
		return ("max_conns reached");
	return (NULL);
}

/* Turn a client away with one log line and an event. */
static void
listener_refuse(struct listener *l, int fd, const char *peer,
    struct conn_client *cl, const char *why)
{
	const struct fwd_config	*fc = l->fw->conf;
	struct bus_event	 ev;
	char			 target[300];
	struct log_field	 f[] = { LOG_STR("forward", l->fw->name),
	    LOG_STR("peer", peer), LOG_STR("reason", why) };

	close(fd);
	log_fields(LOG_LEVEL_WARN, f, LOG_NFIELDS(f), "forward %s: refused "
	    "%s: %s", l->fw->name, peer, why);
	memset(&ev, 0, sizeof ev);
	ev.type = BUS_CONN_REFUSED;
	ev.conn.forward = l->fw->name;
	ev.conn.peer = peer;
	ev.conn.reason = why;
	if (fc->target != NULL) {
		snprintf(target, sizeof target, "%s:%u", fc->target,
		    fc->remote_port);
		ev.conn.target = target;
	}
	/* The name only now: most clients are let in, and conn_new asks. */
	if (cl->uid != -1)
		util_user_name(cl->uid, cl->user, sizeof cl->user);
	ev.conn.uid = cl->uid;
	ev.conn.gid = cl->gid;
	ev.conn.pid = cl->pid;
	ev.conn.user = cl->user[0] != '\0' ? cl->user : NULL;
	ev.conn.addr = cl->addr[0] != '\0' ? cl->addr : NULL;
	ev.conn.port = cl->port;
	ev.conn.on_demand = l->fw->on_demand;
	ev.conn.region = fc->region;
	ev.conn.profile = fc->profile;
	ev.conn.remote_host = fc->remote_host;
	ev.conn.remote_port = fc->remote_port;
	bus_publish(&ev);
}

/* Stop accepting for a while: the process is out of descriptors. */
static void
listener_pause(struct listener *l, int error)
{
	struct timeval	tv = { LISTENER_PAUSE_MS / 1000, 0 };

	log_warnx("listener %s: accept: %s; pausing for %ds", l->address,
	    strerror(error), LISTENER_PAUSE_MS / 1000);
	event_del(l->ev);
	evtimer_add(l->pause_ev, &tv);
}

static void
listener_pause_cb(evutil_socket_t fd, short events, void *arg)
{
	struct listener	*l = arg;

	if (l->enabled)
		event_add(l->ev, NULL);
}

/* The listening socket is readable: accept a batch of clients. */
static void
listener_accept_cb(evutil_socket_t lfd, short events, void *arg)
{
	struct listener		*l = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	struct conn_client	 cl;
	const char		*why;
	char			 peer[128];
	int			 fd, i;

	for (i = 0; i < LISTENER_ACCEPT_BATCH && l->enabled; i++) {
		sslen = sizeof ss;
		fd = accept4(lfd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				listener_pause(l, errno);
			else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_warn("listener %s: accept", l->address);
			return;
		}
		why = listener_check_client(l, fd, (struct sockaddr *)&ss,
		    sslen, peer, sizeof peer, &cl);
		if (why != NULL) {
			listener_refuse(l, fd, peer, &cl, why);
			continue;
		}
		conn_new(l->fw, fd, (struct sockaddr *)&ss, sslen, &cl);
	}
}
