/*
 * gatewayctl: talk to gatewayd's control socket.
 *
 * gatewayctl [-hV] [-s socket] [-t seconds] status [--json | --names] |
 *     reload | up NAME | down NAME | events [--json] |
 *     whoami [--profile P] [--json] | login [--profile P] | logout |
 *     connect [--region R] [--profile P] [--remote-host H] TARGET [PORT]
 *
 * One JSON request, one JSON reply; events then prints one line per event
 * until gatewayd closes the socket or the user stops it; connect hands
 * gatewayd its standard input and output and waits for the end. Every wait but
 * that one has a deadline: connecting, sending and the answer each get
 * -t seconds (whoami's answer longer), and each failure says which step
 * it was and which socket.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "control.h"
#include "gatewayctl.h"
#include "gatewayd.h"
#include "policy.h"
#include "util.h"
#include "xmalloc.h"

int		 main(int, char **);

/* Connecting, sending, and most answers (status, up, down, reload). */
#define CTL_TIMEOUT_MS	10000
/* whoami may wait for a credential_process (60 s by default) and STS;
 * login for STS. */
#define CTL_WHOAMI_TIMEOUT_MS	150000
/* A socket whose queue is full: try again this often. */
#define CTL_RETRY_MS	50

struct ctl_conn {
	int		 fd;
	const char	*path;
	char		*buf;
	size_t		 len;
	size_t		 size;
};

/* The help: to stdout and exit 0 when asked for, else stderr and 2. */
static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
"usage: gatewayctl [-hV] [-s socket] [-t seconds] command\n"
"  -h, --help        print this help and exit\n"
"  -s socket         the control socket\n"
"  -t seconds        bound connecting and waiting for the answer\n"
"                    (default 10, whoami and login 150)\n"
"  -V, --version     print the version and exit\n"
"commands:\n"
"  status [--json]   every forward: state, connections, bytes, last error\n"
"  status --names    the forward names, one a line\n"
"  reload            read the config file again and apply what changed\n"
"  up NAME           start a forward taken down\n"
"  down NAME         stop a forward (closes its connections)\n"
"  events [--json]   follow connections opening and closing\n"
"  whoami [--profile P] [--json]\n"
"                    the AWS identity and credential expiry of each\n"
"                    profile in use (or of P)\n"
"  connect [--region R] [--profile P] [--remote-host H] TARGET [PORT]\n"
"                    standard input and output become a connection to\n"
"                    PORT of TARGET (i-..., mi-..., tag:K=V, ecs:...,\n"
"                    or a forward's name) through gatewayd: for ssh's\n"
"                    ProxyCommand; exits 0 once the far side was reached\n"
"  policy [--json] [--account ID] [NAME...]\n"
"                    the least-privilege IAM policy of the config\n"
"  login [--profile P]\n"
"                    lend gatewayd your AWS credentials (the usual\n"
"                    chain, or profile P) for forwards with\n"
"                    identity = user, until they expire\n"
"  logout            take them back\n"
"The socket is -s, else $GATEWAYD_CONTROL, else %s if it exists,\n"
"else the one-shot (-L) socket of this user.\n", CONFIG_DEFAULT_CONTROL);
	exit(status);
}

/*
 * What an error exits with: 1, or CTL_EXIT_ERROR for status, whoami,
 * login and logout.
 */
static int	ctl_fatal_status = 1;

static void __attribute__((noreturn, format(printf, 1, 2)))
ctl_fatal(const char *fmt, ...)
{
	va_list	ap;

	fputs("gatewayctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(ctl_fatal_status);
}

/* -s, $GATEWAYD_CONTROL, the system socket if there, else the user one. */
static char *
ctl_socket_path(const char *given)
{
	struct stat	 sb;
	const char	*env = getenv("GATEWAYD_CONTROL");

	if (given != NULL)
		return (xstrdup(given));
	if (env != NULL && *env != '\0')
		return (xstrdup(env));
	if (stat(CONFIG_DEFAULT_CONTROL, &sb) == 0)
		return (xstrdup(CONFIG_DEFAULT_CONTROL));
	return (control_user_path());
}

/* Milliseconds left until deadline (clock_now_ms() time), at least 0. */
static int
ctl_left(uint64_t deadline)
{
	uint64_t	now = clock_now_ms();

	return (now >= deadline ? 0 : (int)(deadline - now));
}

/*
 * connect(2) said EACCES: gatewayd runs, but we may not use its socket,
 * or may not search a directory on the way. Say which, with its mode and
 * owner, rather than suggest gatewayd is not running.
 */
static void __attribute__((noreturn))
ctl_denied(const char *path)
{
	struct stat	 sb;
	struct passwd	*pw;
	struct group	*gr;
	char		*at, *slash, user[32], group[32];

	at = xstrdup(path);
	for (slash = strchr(at + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (access(at, X_OK) == -1 && errno == EACCES)
			break;
		*slash = '/';
	}
	if (stat(at, &sb) == -1)
		ctl_fatal("permission denied on %s", at);
	if ((pw = getpwuid(sb.st_uid)) != NULL)
		snprintf(user, sizeof user, "%s", pw->pw_name);
	else
		snprintf(user, sizeof user, "%u", (unsigned)sb.st_uid);
	if ((gr = getgrgid(sb.st_gid)) != NULL)
		snprintf(group, sizeof group, "%s", gr->gr_name);
	else
		snprintf(group, sizeof group, "%u", (unsigned)sb.st_gid);
	ctl_fatal("permission denied on %s (mode %04o, owner %s:%s)", at,
	    (unsigned)(sb.st_mode & 07777), user, group);
}

/*
 * Connect within timeout_ms. A listener whose queue is full (gatewayd not
 * accepting) is tried again until the deadline.
 */
static void
ctl_connect(struct ctl_conn *cc, const char *path, int timeout_ms)
{
	struct sockaddr_un	 sun;
	struct pollfd		 pfd;
	uint64_t		 deadline = clock_now_ms() + timeout_ms;
	socklen_t		 len;
	int			 error, n;

	cc->path = path;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof sun.sun_path) >=
	    sizeof sun.sun_path)
		ctl_fatal("%s: path too long", path);
	for (;;) {
		cc->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (cc->fd == -1)
			ctl_fatal("socket: %s", strerror(errno));
		if (connect(cc->fd, (struct sockaddr *)&sun, sizeof sun) == 0)
			return;
		if (errno == EINPROGRESS)
			break;
		if (errno == EACCES)
			ctl_denied(path);
		if (errno != EAGAIN && errno != EINTR)
			ctl_fatal("cannot connect to gatewayd at %s: %s (is "
			    "gatewayd running?)", path, strerror(errno));
		close(cc->fd);
		if (ctl_left(deadline) == 0)
			ctl_fatal("gatewayd at %s did not accept the "
			    "connection within %ds", path, timeout_ms / 1000);
		poll(NULL, 0, CTL_RETRY_MS);
	}
	pfd.fd = cc->fd;
	pfd.events = POLLOUT;
	while ((n = poll(&pfd, 1, ctl_left(deadline))) == -1 && errno == EINTR)
		;
	if (n == -1)
		ctl_fatal("poll: %s", strerror(errno));
	if (n == 0)
		ctl_fatal("gatewayd at %s did not accept the connection "
		    "within %ds", path, timeout_ms / 1000);
	len = sizeof error;
	if (getsockopt(cc->fd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
		error = errno;
	if (error != 0)
		ctl_fatal("cannot connect to gatewayd at %s: %s", path,
		    strerror(error));
}

/*
 * Send req within timeout_ms. Return 0, or -1 if gatewayd hung up first
 * (it may have said why: read on).
 */
static int
ctl_send(struct ctl_conn *cc, cJSON *req, int timeout_ms)
{
	struct pollfd	 pfd = { cc->fd, POLLOUT, 0 };
	uint64_t	 deadline = clock_now_ms() + timeout_ms;
	char		*text;
	size_t		 off = 0, len;
	ssize_t		 n;
	int		 rv = 0;

	if ((text = cJSON_PrintUnformatted(req)) == NULL)
		ctl_fatal("cannot print the request");
	len = strlen(text);
	text[len++] = '\n';		/* replaces the NUL; len counts it */
	while (off < len) {
		n = send(cc->fd, text + off, len - off, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			if (poll(&pfd, 1, ctl_left(deadline)) == 0)
				ctl_fatal("gatewayd at %s took no request "
				    "within %ds", cc->path, timeout_ms / 1000);
			continue;
		}
		if (n == -1 && (errno == EPIPE || errno == ECONNRESET)) {
			rv = -1;
			break;
		}
		if (n == -1)
			ctl_fatal("write to %s: %s", cc->path, strerror(errno));
		off += n;
	}
	/* login's carries a secret (and its NUL is now the newline). */
	explicit_bzero(text, len);
	free(text);
	cJSON_Delete(req);
	return (rv);
}

/* A whole line already read, parsed; NULL if there is none yet. */
static cJSON *
ctl_line(struct ctl_conn *cc)
{
	cJSON	*json;
	char	*nl;
	size_t	 used;

	if (cc->len == 0 || (nl = memchr(cc->buf, '\n', cc->len)) == NULL)
		return (NULL);
	used = nl - cc->buf + 1;
	json = cJSON_ParseWithLength(cc->buf, used - 1);
	memmove(cc->buf, cc->buf + used, cc->len - used);
	cc->len -= used;
	if (json == NULL)
		ctl_fatal("gatewayd sent a line that is not JSON");
	return (json);
}

/* Read what the socket has: 1, 0 at its end, -1 if nothing yet. */
static int
ctl_read_some(struct ctl_conn *cc)
{
	ssize_t	n;

	if (cc->size - cc->len < 65536) {
		cc->size = cc->size * 2 + 65536;
		cc->buf = xrealloc(cc->buf, cc->size);
	}
	n = read(cc->fd, cc->buf + cc->len, cc->size - cc->len);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return (-1);
	if (n == -1 && errno == ECONNRESET)
		return (0);
	if (n == -1)
		ctl_fatal("read from %s: %s", cc->path, strerror(errno));
	cc->len += n;
	return (n != 0);
}

/*
 * Read one JSON line; NULL at end of file. timeout_ms -1 waits for ever
 * (events); otherwise a silent gatewayd is an error.
 */
static cJSON *
ctl_recv(struct ctl_conn *cc, int timeout_ms)
{
	struct pollfd	 pfd = { cc->fd, POLLIN, 0 };
	uint64_t	 deadline = clock_now_ms() + timeout_ms;
	cJSON		*json;
	int		 n;

	for (;;) {
		if ((json = ctl_line(cc)) != NULL)
			return (json);
		n = poll(&pfd, 1, timeout_ms < 0 ? -1 : ctl_left(deadline));
		if (n == 0)
			ctl_fatal("no answer from gatewayd at %s within %ds",
			    cc->path, timeout_ms / 1000);
		if (n == -1 && errno == EINTR)
			continue;
		if (ctl_read_some(cc) == 0)
			return (NULL);
	}
}

/* Follow events until gatewayd goes away. */
static int
ctl_events(struct ctl_conn *cc, int json)
{
	cJSON	*ev;
	char	*text;

	while ((ev = ctl_recv(cc, -1)) != NULL) {
		if (json) {
			text = cJSON_PrintUnformatted(ev);
			printf("%s\n", text);
			fflush(stdout);
			free(text);
		} else
			ctl_print_event(ev);
		cJSON_Delete(ev);
	}
	return (0);
}

/*
 * connect: gatewayd moves the bytes of our standard input and output
 * itself. Descriptors it cannot watch (a regular file, /dev/null) go
 * through a socket pair we relay, CTL_RELAY bytes at a time each way.
 */
#define CTL_RELAY	65536

struct ctl_pump {
	int	 from, to;
	char	 buf[CTL_RELAY];
	size_t	 off, len;
	int	 eof;		/* from is done */
	int	 shut;		/* to was told */
};

/* Move what can move from p->from to p->to without blocking. */
static void
ctl_pump_run(struct ctl_pump *p, short revents_from, short revents_to)
{
	ssize_t	n;

	if (p->len == 0 && !p->eof && (revents_from & (POLLIN | POLLHUP))) {
		n = read(p->from, p->buf, sizeof p->buf);
		if (n > 0) {
			p->off = 0;
			p->len = n;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			p->eof = 1;
	}
	if (p->len != 0 && (revents_to & (POLLOUT | POLLERR | POLLHUP))) {
		n = write(p->to, p->buf + p->off, p->len);
		if (n > 0) {
			p->off += n;
			p->len -= n;
		} else if (n == -1 && errno != EAGAIN && errno != EINTR) {
			p->len = 0;
			p->eof = 1;
		}
	}
	if (p->eof && p->len == 0 && !p->shut) {
		p->shut = 1;
		if (shutdown(p->to, SHUT_WR) == -1 && p->to == STDOUT_FILENO)
			close(p->to);
	}
}

/*
 * Wait for how it went, relaying meanwhile if there is a pair (sp >= 0).
 * Return the exit status: 0 if the far side was reached.
 */
static int
ctl_connect_wait(struct ctl_conn *cc, const char *what, int sp)
{
	static struct ctl_pump	 up, down;
	struct pollfd		 pfd[5];
	const char		*ev;
	cJSON			*line;
	int			 reached = 0, n, rc = -1, done = 0;

	up.from = STDIN_FILENO;
	up.to = sp;
	down.from = sp;
	down.to = STDOUT_FILENO;
	for (;;) {
		while (rc == -1 && (line = ctl_line(cc)) != NULL) {
			ev = ctl_str(line, "event");
			if (strcmp(ev, "reached") == 0)
				reached = 1;
			else if (strcmp(ev, "refused") == 0) {
				fprintf(stderr, "gatewayctl: connect %s: %s\n",
				    what, ctl_str(line, "error"));
				rc = 1;
			} else if (strcmp(ev, "closed") == 0) {
				if (!cJSON_IsTrue(cJSON_GetObjectItem(line,
				    "clean")))
					fprintf(stderr, "gatewayctl: connect "
					    "%s: %s\n", what,
					    ctl_str(line, "reason"));
				rc = reached ? 0 : 1;
			}
			cJSON_Delete(line);
		}
		/* What gatewayd wrote before the end is still to relay. */
		if ((rc != -1 || done) && (sp == -1 ||
		    (down.eof && down.len == 0)))
			break;
		memset(pfd, 0, sizeof pfd);
		pfd[0].fd = rc == -1 && !done ? cc->fd : -1;
		pfd[0].events = POLLIN;
		pfd[1].fd = pfd[2].fd = pfd[3].fd = pfd[4].fd = -1;
		if (sp != -1) {
			if (up.len == 0 && !up.eof)
				pfd[1] = (struct pollfd){ up.from, POLLIN, 0 };
			if (up.len != 0)
				pfd[2] = (struct pollfd){ up.to, POLLOUT, 0 };
			if (down.len == 0 && !down.eof)
				pfd[3] = (struct pollfd){ down.from, POLLIN, 0 };
			if (down.len != 0)
				pfd[4] = (struct pollfd){ down.to, POLLOUT, 0 };
		}
		if ((n = poll(pfd, 5, -1)) == -1 && errno != EINTR)
			ctl_fatal("poll: %s", strerror(errno));
		if (n <= 0)
			continue;
		if (sp != -1) {
			ctl_pump_run(&up, pfd[1].revents, pfd[2].revents);
			ctl_pump_run(&down, pfd[3].revents, pfd[4].revents);
		}
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    ctl_read_some(cc) == 0)
			done = 1;
	}
	if (rc == -1) {
		if (!reached)
			fprintf(stderr, "gatewayctl: connect %s: gatewayd at %s "
			    "closed the connection\n", what, cc->path);
		rc = reached ? 0 : 1;
	}
	return (rc);
}

/*
 * gatewayctl connect: ask, pass our standard input and output (or a
 * socket pair we relay), and wait for the end.
 */
static int
ctl_connect_cmd(struct ctl_conn *cc, const char *what, int timeout)
{
	cJSON		*reply;
	int		 sp[2] = { -1, -1 }, in = STDIN_FILENO;
	int		 out = STDOUT_FILENO, flags[2], fds[2], rc, null;

	reply = ctl_recv(cc, timeout);
	if (reply == NULL)
		ctl_fatal("connect %s: gatewayd at %s closed the connection "
		    "without an answer", what, cc->path);
	if (!cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok"))) {
		fprintf(stderr, "gatewayctl: connect %s: %s\n", what,
		    ctl_str(reply, "error"));
		cJSON_Delete(reply);
		return (1);
	}
	cJSON_Delete(reply);
	if (!util_fd_pollable(STDIN_FILENO) ||
	    !util_fd_pollable(STDOUT_FILENO)) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    sp) == -1)
			ctl_fatal("socketpair: %s", strerror(errno));
		in = out = sp[1];
		fcntl(sp[0], F_SETFL, fcntl(sp[0], F_GETFL) | O_NONBLOCK);
	}
	/* gatewayd makes them non-blocking: a terminal's is shared. */
	flags[0] = fcntl(STDIN_FILENO, F_GETFL);
	flags[1] = fcntl(STDOUT_FILENO, F_GETFL);
	fds[0] = in;
	fds[1] = out;
	while (util_send_fds(cc->fd, fds, 2) == -1) {
		if (errno != EAGAIN)
			ctl_fatal("connect: cannot pass descriptors to %s: %s",
			    cc->path, strerror(errno));
		poll(NULL, 0, CTL_RETRY_MS);
	}
	if (sp[1] != -1)
		close(sp[1]);
	else if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1) {
		/*
		 * Our copies of pipes would keep them open after gatewayd
		 * closes its own: the other end would never see the end.
		 */
		if (!isatty(STDIN_FILENO))
			dup2(null, STDIN_FILENO);
		if (!isatty(STDOUT_FILENO))
			dup2(null, STDOUT_FILENO);
		close(null);
	}
	rc = ctl_connect_wait(cc, what, sp[0]);
	if (isatty(STDIN_FILENO) && flags[0] != -1)
		fcntl(STDIN_FILENO, F_SETFL, flags[0]);
	if (isatty(STDOUT_FILENO) && flags[1] != -1)
		fcntl(STDOUT_FILENO, F_SETFL, flags[1]);
	return (rc);
}

/*
 * connect's arguments into req: [--region R] [--profile P]
 * [--remote-host H] TARGET [PORT]. Return "TARGET:PORT" for messages.
 */
static char *
ctl_connect_args(cJSON *req, int argc, char **argv)
{
	const char	*errstr, *opt, *host = NULL;
	char		*what;
	long long	 port = 0;
	int		 i;

	for (i = 0; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		opt = argv[i] + 2;
		if (i + 1 >= argc || (strcmp(opt, "region") != 0 &&
		    strcmp(opt, "profile") != 0 &&
		    strcmp(opt, "remote-host") != 0))
			usage(2);
		if (strcmp(opt, "remote-host") == 0) {
			host = argv[i + 1];
			opt = "remote_host";
		}
		cJSON_AddStringToObject(req, opt, argv[i + 1]);
	}
	if (argc - i < 1 || argc - i > 2)
		usage(2);
	cJSON_AddStringToObject(req, "target", argv[i]);
	if (argc - i == 2) {
		port = strtonum(argv[i + 1], 1, 65535, &errstr);
		if (errstr != NULL)
			ctl_fatal("connect: port %s: %s (1 to 65535)",
			    argv[i + 1], errstr);
		cJSON_AddNumberToObject(req, "port", (double)port);
	}
	if (port != 0)
		xasprintf(&what, "%s%s%s:%lld", argv[i], host != NULL ?
		    " via " : "", host != NULL ? host : "", port);
	else
		what = xstrdup(argv[i]);
	return (what);
}

/* Report a failed reply and its list of errors, if any. */
static int
ctl_failed(const cJSON *reply)
{
	const cJSON	*e;

	fprintf(stderr, "gatewayctl: %s\n", ctl_str(reply, "error"));
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(reply, "errors")) {
		if (cJSON_IsString(e))
			fprintf(stderr, "%s\n", e->valuestring);
	}
	return (ctl_fatal_status);
}

int
main(int argc, char **argv)
{
	struct ctl_conn	 cc = { -1, NULL, NULL, 0, 0 };
	const char	*sock = NULL, *cmd, *errstr;
	const cJSON	*fw;
	cJSON		*req, *reply;
	char		*path, *text, *what = NULL;
	static const struct option longopts[] = {
		{ "help",	no_argument,	NULL,	'h' },
		{ "version",	no_argument,	NULL,	'V' },
		{ NULL,		0,		NULL,	0 }
	};
	int		 ch, i, json = 0, names = 0, rc, timeout = 0, sent;
	int		 login;

	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt_long(argc, argv, "+hs:t:V", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(0);
		case 's':
			sock = optarg;
			break;
		case 'V':
			printf("gatewayctl %s\n", GATEWAYD_VERSION);
			return (0);
		case 't':
			timeout = strtonum(optarg, 1, 3600, &errstr) * 1000;
			if (errstr != NULL)
				ctl_fatal("-t %s: %s (1 to 3600 seconds)",
				    optarg, errstr);
			break;
		default:
			usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage(2);
	cmd = argv[0];
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", cmd);
	if (strcmp(cmd, "up") == 0 || strcmp(cmd, "down") == 0) {
		if (argc != 2)
			usage(2);
		cJSON_AddStringToObject(req, "name", argv[1]);
	} else if (strcmp(cmd, "status") == 0 || strcmp(cmd, "events") == 0 ||
	    strcmp(cmd, "whoami") == 0) {
		for (i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--json") == 0)
				json = 1;
			else if (strcmp(cmd, "status") == 0 &&
			    strcmp(argv[i], "--names") == 0)
				names = 1;
			else if (strcmp(cmd, "whoami") == 0 &&
			    strcmp(argv[i], "--profile") == 0 && i + 1 < argc)
				cJSON_AddStringToObject(req, "profile",
				    argv[++i]);
			else
				usage(2);
		}
	} else if (strcmp(cmd, "connect") == 0) {
		what = ctl_connect_args(req, argc - 1, argv + 1);
	} else if (strcmp(cmd, "policy") == 0) {
		if (ctl_policy_args(req, argc - 1, argv + 1, &json) == -1)
			usage(2);
	} else if (strcmp(cmd, "login") == 0) {
		if (ctl_login_args(req, argc - 1, argv + 1) == -1)
			usage(2);
	} else if (strcmp(cmd, "logout") == 0) {
		if (argc != 1)
			usage(2);
	} else if (strcmp(cmd, "reload") != 0 || argc != 1)
		usage(2);
	if (json && names)
		usage(2);
	/* login and logout: 1 is the daemon's no, 2 no answer at all. */
	login = strcmp(cmd, "login") == 0 || strcmp(cmd, "logout") == 0;
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "whoami") == 0 || login)
		ctl_fatal_status = CTL_EXIT_ERROR;

	path = ctl_socket_path(sock);
	ctl_connect(&cc, path, timeout != 0 ? timeout : CTL_TIMEOUT_MS);
	sent = ctl_send(&cc, req, timeout != 0 ? timeout : CTL_TIMEOUT_MS);
	/* Even if it hung up on us, gatewayd may have said why. */
	if (timeout == 0)
		timeout = strcmp(cmd, "whoami") == 0 ||
		    strcmp(cmd, "login") == 0 ? CTL_WHOAMI_TIMEOUT_MS :
		    CTL_TIMEOUT_MS;
	if (what != NULL && sent == 0) {
		rc = ctl_connect_cmd(&cc, what, timeout);
		free(what);
		free(cc.buf);
		free(path);
		close(cc.fd);
		return (rc);
	}
	reply = ctl_recv(&cc, timeout);
	if (reply == NULL && sent == -1)
		ctl_fatal("gatewayd at %s hung up before the request was "
		    "sent", path);
	if (reply == NULL)
		ctl_fatal("gatewayd at %s closed the connection without an "
		    "answer", path);
	if (cJSON_IsTrue(cJSON_GetObjectItem(reply, "refused")))
		ctl_fatal("gatewayd at %s refused the connection: %s", path,
		    ctl_str(reply, "error"));
	if (!cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok"))) {
		rc = ctl_failed(reply);
		if (login)
			rc = 1;
	}
	else if (strcmp(cmd, "events") == 0)
		rc = ctl_events(&cc, json);
	else {
		if (json) {
			cJSON_DeleteItemFromObject(reply, "ok");
			text = cJSON_Print(reply);
			printf("%s\n", text);
			free(text);
		} else if (names) {
			cJSON_ArrayForEach(fw, cJSON_GetObjectItem(reply,
			    "forwards"))
				printf("%s\n", ctl_str(fw, "name"));
		} else if (strcmp(cmd, "status") == 0)
			ctl_print_status(reply);
		else if (strcmp(cmd, "whoami") == 0)
			ctl_print_whoami(reply);
		else if (strcmp(cmd, "policy") == 0)
			ctl_policy_print(reply);
		else if (strcmp(cmd, "login") == 0)
			ctl_login_print(reply);
		else if (strcmp(cmd, "logout") == 0)
			ctl_logout_print(reply);
		/* The same answer for scripts, whatever the output. */
		if (strcmp(cmd, "status") == 0)
			rc = ctl_status_exit(reply);
		else if (strcmp(cmd, "whoami") == 0)
			rc = ctl_whoami_exit(reply);
		else
			rc = 0;
	}
	cJSON_Delete(reply);
	free(cc.buf);
	free(path);
	close(cc.fd);
	return (rc);
}
