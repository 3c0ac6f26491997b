/*
 * fwd_socks: a SOCKS5 listener (RFC 1928 CONNECT; no authentication, or
 * RFC 1929 username and password). Each client names its destination;
 * the forward's routes (socks_route.h) say which target reaches it, and
 * the conn is handed to the on-demand ssm forward of that target, port,
 * remote host and region (ondemand.h), whose warm sessions later
 * requests share.
 *
 * This forwarder only negotiates: it reads the client before any far
 * side exists (conn_negotiate), answers with conn_write_data, and either
 * refuses with the reply code that fits or hands the conn over
 * (conn_hand_to) with a greeter that sends the success or failure reply
 * once the far side's fate is known. Bytes after the request stay in the
 * conn's input for the far side. Every negotiation ends within
 * FWD_SOCKS_NEGOTIATE_MS; the parser holds one message at most.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/crypto.h>

#include "config.h"
#include "conn.h"
#include "forward.h"
#include "forwarder.h"
#include "log.h"
#include "ondemand.h"
#include "socks_proto.h"
#include "socks_route.h"
#include "util.h"
#include "xmalloc.h"

/* From accept to a complete request. */
#define FWD_SOCKS_NEGOTIATE_MS	10000
/* The users file: lines and size. */
#define FWD_SOCKS_USERS_MAX	(1024 * 1024)

struct fwd_socks_user {
	char			*name;
	char			*password;
};

/* One forward's: copies of what its conns need from its config. */
struct fwd_socks {
	struct socks_routes	 routes;
	char			*region;	/* NULL: [gateway]'s */
	char			*profile;
	int			 auth;		/* enum config_socks_auth */
	char			*users_path;
	struct fwd_socks_user	*users;
	size_t			 nusers;
	struct stat		 users_sb;	/* as last read */
};

/* One conn's, while it negotiates. */
struct fwd_socks_conn {
	struct conn		*c;
	struct event		*timer;
	struct socks_parser	 p;
};

/* Route lines, checked one by one as the config is read. */
static int
fwd_socks_check_route(const char *value, char **cause)
{
	struct socks_route	r;

	if (socks_route_parse(value, &r, cause) != 0)
		return (-1);
	socks_route_clear(&r);
	return (0);
}

static int
fwd_socks_check(const struct fwd_config *fc, char **cause)
{
	if (fc->routes.n == 0) {
		xasprintf(cause, "route: a socks forward needs one at least "
		    "(i-*, *.internal via TARGET, 10.0.0.0/8 via TARGET)");
		return (-1);
	}
	if (fc->socks_auth == CONFIG_SOCKS_AUTH_PASSWORD &&
	    fc->socks_users == NULL) {
		xasprintf(cause, "socks_users: socks_auth password needs a "
		    "file of user:password lines");
		return (-1);
	}
	if (fc->socks_auth != CONFIG_SOCKS_AUTH_PASSWORD &&
	    fc->socks_users != NULL) {
		xasprintf(cause, "socks_users: only read with socks_auth "
		    "password");
		return (-1);
	}
	return (0);
}

static void
fwd_socks_users_free(struct fwd_socks_user *users, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(users[i].name);
		freezero_str(users[i].password);
	}
	free(users);
}

/* Parse user:password lines ('#' comments, blank lines); -1 and *cause. */
static int
fwd_socks_users_parse(char *buf, const char *path,
    struct fwd_socks_user **out, size_t *nout, char **cause)
{
	struct fwd_socks_user	*users = NULL;
	size_t			 n = 0;
	unsigned		 line = 0;
	char			*next, *colon;

	for (; buf != NULL; buf = next) {
		line++;
		if ((next = strchr(buf, '\n')) != NULL)
			*next++ = '\0';
		buf[strcspn(buf, "\r")] = '\0';
		if (*buf == '\0' || *buf == '#')
			continue;
		colon = strchr(buf, ':');
		if (colon == NULL || colon == buf || colon[1] == '\0' ||
		    colon - buf > 255 || strlen(colon + 1) > 255) {
			xasprintf(cause, "socks_users: %s:%u: not user:password "
			    "(each 1-255 bytes)", path, line);
			fwd_socks_users_free(users, n);
			return (-1);
		}
		users = xreallocarray(users, n + 1, sizeof *users);
		users[n].name = xstrndup(buf, colon - buf);
		users[n++].password = xstrdup(colon + 1);
	}
	*out = users;
	*nout = n;
	return (0);
}

/*
 * Read the users file, which only gatewayd's user may read (it holds
 * passwords). Replace fs's list on success; -1 and *cause if not.
 */
static int
fwd_socks_users_load(struct fwd_socks *fs, char **cause)
{
	struct fwd_socks_user	*users;
	struct stat		 sb;
	size_t			 n;
	ssize_t			 got;
	char			*buf;
	int			 fd, rv;

	if ((fd = open(fs->users_path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		xasprintf(cause, "socks_users: %s: %s", fs->users_path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	if ((sb.st_mode & 007) != 0 || sb.st_size > FWD_SOCKS_USERS_MAX) {
		xasprintf(cause, "socks_users: %s: %s", fs->users_path,
		    (sb.st_mode & 007) != 0 ? "others may read it (chmod "
		    "o-rwx)" : "larger than 1 MiB");
		close(fd);
		return (-1);
	}
	buf = xmalloc(sb.st_size + 1);
	got = read(fd, buf, sb.st_size);
	close(fd);
	if (got < 0) {
		xasprintf(cause, "socks_users: %s: %s", fs->users_path,
		    strerror(errno));
		free(buf);
		return (-1);
	}
	buf[got] = '\0';
	rv = fwd_socks_users_parse(buf, fs->users_path, &users, &n, cause);
	freezero(buf, sb.st_size + 1);
	if (rv != 0)
		return (-1);
	fwd_socks_users_free(fs->users, fs->nusers);
	fs->users = users;
	fs->nusers = n;
	fs->users_sb = sb;
	return (0);
}

static void	fwd_socks_stop(struct forward *);

static int
fwd_socks_start(struct forward *fw, char **cause)
{
	const struct fwd_config	*fc = fw->conf;
	struct fwd_socks	*fs;

	fs = xcalloc(1, sizeof *fs);
	if (socks_routes_parse(fc->routes.v, fc->routes.n, &fs->routes,
	    cause) != 0) {
		free(fs);
		return (-1);
	}
	fs->region = fc->region != NULL ? xstrdup(fc->region) : NULL;
	fs->profile = fc->profile != NULL ? xstrdup(fc->profile) : NULL;
	fs->auth = fc->socks_auth;
	fw->fwd_data = fs;
	if (fs->auth == CONFIG_SOCKS_AUTH_PASSWORD) {
		fs->users_path = xstrdup(fc->socks_users);
		if (fwd_socks_users_load(fs, cause) != 0) {
			fwd_socks_stop(fw);
			return (-1);
		}
	}
	return (0);
}

static void
fwd_socks_stop(struct forward *fw)
{
	struct fwd_socks	*fs = fw->fwd_data;

	if (fs == NULL)
		return;
	socks_routes_free(&fs->routes);
	free(fs->region);
	free(fs->profile);
	free(fs->users_path);
	fwd_socks_users_free(fs->users, fs->nusers);
	free(fs);
	fw->fwd_data = NULL;
}

/* Release what a negotiation holds: at its end, or before a hand-over. */
static void
fwd_socks_release(struct conn *c)
{
	struct fwd_socks_conn	*sc = c->fwd_data;

	if (sc == NULL)
		return;
	if (sc->timer != NULL)
		event_free(sc->timer);
	socks_proto_clear(&sc->p);
	free(sc);
	c->fwd_data = NULL;
}

/*
 * A greeter told of a refusal has what was written flushed before a FIN
 * (conn.h), so a refusal's reply reaches the client; this one only asks
 * for that.
 */
static const struct conn_greeter fwd_socks_flush = { NULL, NULL, NULL };

/* Refuse with reply (len bytes; none if 0) and close, saying why. */
static void __attribute__((format(printf, 4, 5)))
fwd_socks_refuse(struct conn *c, const uint8_t *reply, size_t len,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*why;

	va_start(ap, fmt);
	xvasprintf(&why, fmt, ap);
	va_end(ap);
	if (len != 0) {
		conn_write_data(c, reply, len);
		conn_set_greeter(c, &fwd_socks_flush, NULL);
	}
	conn_close(c, CONN_END_REFUSED, "socks: %s", why);
	free(why);
}

/* Refuse a request with the reply code rep. */
static void __attribute__((format(printf, 3, 4)))
fwd_socks_refuse_request(struct conn *c, uint8_t rep, const char *fmt, ...)
{
	uint8_t	 reply[SOCKS_REPLY_LEN];
	va_list	 ap;
	char	*why;

	va_start(ap, fmt);
	xvasprintf(&why, fmt, ap);
	va_end(ap);
	fwd_socks_refuse(c, reply, socks_proto_reply(reply, rep), "%s (%s)",
	    why, socks_proto_rep_name(rep));
	free(why);
}

static void
fwd_socks_timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	struct fwd_socks_conn	*sc = arg;

	conn_close(sc->c, CONN_END_CLIENT_ERROR, "socks: no request after "
	    "%us", FWD_SOCKS_NEGOTIATE_MS / 1000);
}

static void
fwd_socks_open(struct conn *c)
{
	struct fwd_socks_conn	*sc;
	struct timeval		 tv = util_ms_tv(FWD_SOCKS_NEGOTIATE_MS);

	sc = xcalloc(1, sizeof *sc);
	sc->c = c;
	socks_proto_init(&sc->p);
	if ((sc->timer = evtimer_new(gw_base, fwd_socks_timeout_cb, sc)) ==
	    NULL)
		fatalx("conn %" PRIu64 ": cannot make a timer", c->id);
	evtimer_add(sc->timer, &tv);
	c->fwd_data = sc;
	conn_negotiate(c);
}

/* The far side answered: the request succeeded. */
static void
fwd_socks_reached(struct conn *c, void *arg)
{
	uint8_t	reply[SOCKS_REPLY_LEN];

	conn_write_data(c, reply, socks_proto_reply(reply, SOCKS_REP_OK));
}

/* The far side could not be had: say why as SOCKS can. */
static void
fwd_socks_refused(struct conn *c, void *arg)
{
	uint8_t	reply[SOCKS_REPLY_LEN];
	uint8_t	rep = SOCKS_REP_FAILURE;

	/*
	 * The agent refused the dial: ConnectToPortError on a mux session,
	 * its text as a basic one ends. Any other refusal is a target not
	 * reached (no session).
	 */
	if (c->reason != NULL && (strstr(c->reason, "refused the "
	    "connection") != NULL || strstr(c->reason, "connection refused") !=
	    NULL))
		rep = SOCKS_REP_REFUSED;
	else if (c->end == CONN_END_REFUSED)
		rep = SOCKS_REP_HOST_UNREACH;
	conn_write_data(c, reply, socks_proto_reply(reply, rep));
}

static const struct conn_greeter fwd_socks_greeter = {
	fwd_socks_reached, fwd_socks_refused, NULL
};

/* The greeting: pick the method the forward requires, if offered. */
static void
fwd_socks_greeting(struct conn *c, struct fwd_socks_conn *sc,
    const struct fwd_socks *fs)
{
	uint8_t	reply[SOCKS_METHOD_REPLY_LEN];
	uint8_t	method = fs->auth == CONFIG_SOCKS_AUTH_PASSWORD ?
	    SOCKS_METHOD_PASSWORD : SOCKS_METHOD_NONE;

	if (!socks_proto_offers(&sc->p, method)) {
		fwd_socks_refuse(c, reply, socks_proto_method_reply(reply,
		    SOCKS_METHOD_REFUSE), "the client does not offer %s",
		    method == SOCKS_METHOD_NONE ? "no authentication" :
		    "username/password");
		return;
	}
	conn_write_data(c, reply, socks_proto_method_reply(reply, method));
	socks_proto_expect(&sc->p, method);
}

/* The users file changed since it was read: read it again. */
static void
fwd_socks_users_refresh(struct forward *fw, struct fwd_socks *fs)
{
	struct stat	 sb;
	char		*cause;

	if (stat(fs->users_path, &sb) == 0 &&
	    sb.st_ino == fs->users_sb.st_ino &&
	    sb.st_dev == fs->users_sb.st_dev &&
	    sb.st_size == fs->users_sb.st_size &&
	    sb.st_mtim.tv_sec == fs->users_sb.st_mtim.tv_sec &&
	    sb.st_mtim.tv_nsec == fs->users_sb.st_mtim.tv_nsec)
		return;
	if (fwd_socks_users_load(fs, &cause) != 0) {
		log_warnx("forward %s: %s; the users read before stay",
		    fw->name, cause);
		free(cause);
	}
}

/* The username and password: 0 if they are a user's. */
static int
fwd_socks_auth(struct conn *c, struct fwd_socks_conn *sc,
    struct fwd_socks *fs)
{
	const struct fwd_socks_user	*u = NULL;
	uint8_t				 reply[SOCKS_AUTH_REPLY_LEN];
	size_t				 i, len = strlen(sc->p.password);

	fwd_socks_users_refresh(c->fw, fs);
	for (i = 0; i < fs->nusers; i++) {
		if (strcmp(fs->users[i].name, sc->p.user) == 0) {
			u = &fs->users[i];
			break;
		}
	}
	if (u == NULL || strlen(u->password) != len ||
	    CRYPTO_memcmp(u->password, sc->p.password, len) != 0) {
		fwd_socks_refuse(c, reply, socks_proto_auth_reply(reply, 0),
		    "user \"%s\": %s", sc->p.user, u == NULL ?
		    "no such user" : "wrong password");
		return (-1);
	}
	explicit_bzero(sc->p.password, sizeof sc->p.password);
	conn_write_data(c, reply, socks_proto_auth_reply(reply, 1));
	return (0);
}

/*
 * The key of the on-demand forward for m: the region, profile and
 * endpoint are the destination's or this forward's, left NULL where they
 * are [gateway]'s so that gatewayctl connect's conns to the same key
 * share its forward.
 */
static void
fwd_socks_key(const struct fwd_socks *fs, const struct socks_match *m,
    const char *endpoint, struct ondemand_key *k)
{
	const char	*gw_region = gw_conf != NULL ? gw_conf->region : NULL;
	const char	*gw_profile = gw_conf != NULL ? gw_conf->profile : NULL;
	const char	*gw_endpoint = gw_conf != NULL ?
			    gw_conf->endpoint_url : NULL;

	memset(k, 0, sizeof *k);
	k->target = m->target;
	k->port = m->port;
	k->remote_host = m->remote_host;
	k->region = m->region;
	if (k->region == NULL && fs->region != NULL &&
	    (gw_region == NULL || strcmp(fs->region, gw_region) != 0))
		k->region = fs->region;
	if (fs->profile != NULL &&
	    (gw_profile == NULL || strcmp(fs->profile, gw_profile) != 0))
		k->profile = fs->profile;
	if (endpoint != NULL && (gw_endpoint == NULL ||
	    strcmp(endpoint, gw_endpoint) != 0))
		k->endpoint = endpoint;
}

/* A complete request: refuse it, or hand the conn to its target. */
static void
fwd_socks_request(struct conn *c, struct fwd_socks_conn *sc,
    struct fwd_socks *fs)
{
	struct socks_match	 m;
	struct ondemand_key	 k;
	struct forward		*to;
	char			 dest[SOCKS_DEST_STR_MAX], *cause;

	socks_proto_dest_str(&sc->p.dest, dest, sizeof dest);
	free(c->target_str);
	c->target_str = xstrdup(dest);
	if (sc->p.cmd != SOCKS_CMD_CONNECT) {
		fwd_socks_refuse_request(c, SOCKS_REP_COMMAND, "%s: command "
		    "%u (%s), only CONNECT is", dest, sc->p.cmd,
		    sc->p.cmd == SOCKS_CMD_BIND ? "BIND" :
		    sc->p.cmd == SOCKS_CMD_UDP ? "UDP ASSOCIATE" : "unknown");
		return;
	}
	switch (socks_route_find(&fs->routes, &sc->p.dest, fs->region, &m)) {
	case SOCKS_ROUTE_BAD_NAME:
		fwd_socks_refuse_request(c, SOCKS_REP_HOST_UNREACH, "%s: not "
		    "a host name", dest);
		return;
	case SOCKS_ROUTE_UNMATCHED:
		fwd_socks_refuse_request(c, SOCKS_REP_NOT_ALLOWED, "%s: no "
		    "route", dest);
		return;
	case SOCKS_ROUTE_MATCHED:
		break;
	}
	if (m.port == 0) {
		fwd_socks_refuse_request(c, SOCKS_REP_HOST_UNREACH, "%s: port "
		    "0", dest);
		return;
	}
	fwd_socks_key(fs, &m, c->fw->conf->endpoint_url, &k);
	if ((to = ondemand_forward(&k, &cause)) == NULL) {
		fwd_socks_refuse_request(c, SOCKS_REP_FAILURE, "%s: route %zu "
		    "(%s): %s", dest, m.index + 1, fs->routes.v[m.index].text,
		    cause);
		free(cause);
		return;
	}
	log_debug("conn %" PRIu64 ": socks %s by route %zu (%s) to %s", c->id,
	    dest, m.index + 1, fs->routes.v[m.index].text, to->name);
	fwd_socks_release(c);
	conn_set_greeter(c, &fwd_socks_greeter, NULL);
	conn_hand_to(c, to);
}

/* Malformed input: the reply the parser says fits, then close. */
static void
fwd_socks_bad(struct conn *c, struct fwd_socks_conn *sc,
    enum socks_phase phase)
{
	uint8_t		 reply[SOCKS_REPLY_LEN];
	size_t		 len = 0;
	const char	*what = "request";

	if (phase == SOCKS_PHASE_GREETING)
		what = "greeting";
	else if (phase == SOCKS_PHASE_AUTH)
		what = "username/password";
	if (sc->p.reply != -1) {
		if (phase == SOCKS_PHASE_GREETING)
			len = socks_proto_method_reply(reply, sc->p.reply);
		else if (phase == SOCKS_PHASE_AUTH)
			len = socks_proto_auth_reply(reply, 0);
		else
			len = socks_proto_reply(reply, sc->p.reply);
	}
	if (phase == SOCKS_PHASE_REQUEST && sc->p.reply != -1)
		fwd_socks_refuse(c, reply, len, "bad request: %s (%s)",
		    sc->p.why, socks_proto_rep_name(sc->p.reply));
	else
		fwd_socks_refuse(c, reply, len, "bad %s: %s", what, sc->p.why);
}

/* The client's bytes while negotiating: one message after another. */
static void
fwd_socks_send(struct conn *c, struct evbuffer *in)
{
	struct fwd_socks_conn	*sc = c->fwd_data;
	struct fwd_socks	*fs = c->fw->fwd_data;
	struct evbuffer_iovec	 v;
	enum socks_phase	 phase;
	size_t			 used;

	while (c->state == CONN_OPENING && c->fwd_data == sc &&
	    evbuffer_peek(in, -1, NULL, &v, 1) >= 1) {
		phase = sc->p.phase;
		switch (socks_proto_parse(&sc->p, v.iov_base, v.iov_len,
		    &used)) {
		case SOCKS_MORE:
			evbuffer_drain(in, used);
			break;
		case SOCKS_GREETING:
			evbuffer_drain(in, used);
			fwd_socks_greeting(c, sc, fs);
			break;
		case SOCKS_AUTH:
			evbuffer_drain(in, used);
			if (fwd_socks_auth(c, sc, fs) != 0)
				return;
			break;
		case SOCKS_REQUEST:
			evbuffer_drain(in, used);
			fwd_socks_request(c, sc, fs);
			return;
		case SOCKS_BAD:
			fwd_socks_bad(c, sc, phase);
			return;
		}
	}
}

/* The client closed its side before its request was complete. */
static void
fwd_socks_eof(struct conn *c)
{
	conn_close(c, CONN_END_CLIENT, "socks: the client closed before "
	    "its request was complete");
}

static void
fwd_socks_close(struct conn *c)
{
	fwd_socks_release(c);
}

/* The keys config leaves to us (config.h: forwarder_key_*). */
static const struct forwarder_key fwd_socks_keys[] = {
	{ "route", NULL, fwd_socks_check_route },
	{ NULL, NULL, NULL },
};

const struct forwarder fwd_socks = {
	.name = "socks",
	.no_target = 1,
	.keys = fwd_socks_keys,
	.check = fwd_socks_check,
	.start = fwd_socks_start,
	.stop = fwd_socks_stop,
	.open = fwd_socks_open,
	.send = fwd_socks_send,
	.eof = fwd_socks_eof,
	.drain = NULL,
	.close = fwd_socks_close,
	.status = NULL,
};
