/*
 * Shared helpers of the core's unit tests: run gw_base until a condition
 * holds or a deadline passes (never a bare sleep), loopback sockets,
 * hand-built forward configs, and the log captured to a file so a test
 * can check the lines it promises.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "config.h"
#include "control.h"
#include "gateway.h"
#include "gatewayd.h"
#include "log.h"
#include "testloop.h"
#include "util.h"
#include "xmalloc.h"

static FILE	*testloop_log;
static char	 testloop_scratch[64];

static char	*testloop_log_text(size_t *);
static int	 testloop_stderr = -1;

static void
testloop_wake_cb(evutil_socket_t fd, short events, void *arg)
{
}

void
testloop_init(void)
{
	signal(SIGPIPE, SIG_IGN);
	if (testloop_log == NULL &&
	    (testloop_log = tmpfile()) == NULL)
		fail_msg("tmpfile: %s", strerror(errno));
	/* Capture the log until testloop_done; cmocka's reports stay out. */
	fflush(stderr);
	if (testloop_stderr == -1)
		testloop_stderr = dup(STDERR_FILENO);
	dup2(fileno(testloop_log), STDERR_FILENO);
	/* Log lines go to the end whatever the capture reads. */
	fcntl(STDERR_FILENO, F_SETFL, O_APPEND);
	testloop_log_reset();
	log_init("test", LOG_LEVEL_DEBUG);
	log_set_ratelimit(0, 0);
	gw_base = event_base_new();
	assert_non_null(gw_base);
}

/* Put the real stderr back and copy what the test logged to it. */
static void
testloop_log_flush(void)
{
	char	*text;
	size_t	 len;

	text = testloop_log_text(&len);
	dup2(testloop_stderr, STDERR_FILENO);
	fwrite(text, 1, len, stderr);
	fflush(stderr);
	free(text);
}

const char *
testloop_dir(void)
{
	if (testloop_scratch[0] == '\0') {
		strlcpy(testloop_scratch, "/tmp/testloop.XXXXXX",
		    sizeof testloop_scratch);
		if (mkdtemp(testloop_scratch) == NULL)
			fail_msg("mkdtemp: %s", strerror(errno));
	}
	return (testloop_scratch);
}

void
testloop_done(void)
{
	char	cmd[128];
	int	i;

	control_stop();
	gateway_free();
	for (i = 0; i < 10; i++)
		event_base_loop(gw_base, EVLOOP_NONBLOCK);
	gateway_free_dns();
	event_base_free(gw_base);
	gw_base = NULL;
	if (testloop_scratch[0] != '\0') {
		snprintf(cmd, sizeof cmd, "rm -rf %s", testloop_scratch);
		if (system(cmd) != 0)
			fail_msg("cannot remove %s", testloop_scratch);
		testloop_scratch[0] = '\0';
	}
	testloop_log_flush();
}

/*
 * Real time for deadlines, never clock_now_ms(): a test that fakes the
 * clock must still end when its condition does not come.
 */
static uint64_t
testloop_real_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

int
testloop_run_until(int (*cond)(void *), void *arg, unsigned ms)
{
	struct event	*wake;
	struct timeval	 tv = { 0, 5000 };
	uint64_t	 deadline = testloop_real_ms() + ms;
	int		 ok;

	wake = evtimer_new(gw_base, testloop_wake_cb, NULL);
	while (!(ok = cond(arg)) && testloop_real_ms() < deadline) {
		evtimer_add(wake, &tv);
		event_base_loop(gw_base, EVLOOP_ONCE);
	}
	event_free(wake);
	return (ok);
}

static int
testloop_never(void *arg)
{
	return (0);
}

void
testloop_run_for(unsigned ms)
{
	testloop_run_until(testloop_never, NULL, ms);
}

unsigned
testloop_free_port(int family)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	unsigned		 port;
	int			 fd;

	memset(&ss, 0, sizeof ss);
	if (family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof *sin6;
	} else {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *sin;
	}
	assert_true((fd = socket(family, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	port = ntohs(family == AF_INET6 ? sin6->sin6_port : sin->sin_port);
	close(fd);
	return (port);
}

/* Parse "HOST:PORT", "[V6]:PORT" or "unix:/path" into ss. */
static socklen_t
testloop_addr(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_un	*sun = (struct sockaddr_un *)ss;
	char			 host[128];
	const char		*p;

	memset(ss, 0, sizeof *ss);
	if (strncmp(s, "unix:", 5) == 0) {
		sun->sun_family = AF_UNIX;
		strlcpy(sun->sun_path, s + 5, sizeof sun->sun_path);
		return (sizeof *sun);
	}
	if (*s == '[') {
		p = strchr(s, ']');
		assert_non_null(p);
		snprintf(host, sizeof host, "%.*s", (int)(p - s - 1), s + 1);
		sin6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, host, &sin6->sin6_addr),
		    1);
		sin6->sin6_port = htons(p[1] == ':' ? atoi(p + 2) : 0);
		return (sizeof *sin6);
	}
	p = strrchr(s, ':');
	snprintf(host, sizeof host, "%.*s", p != NULL ? (int)(p - s) :
	    (int)strlen(s), s);
	sin->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, host, &sin->sin_addr), 1);
	sin->sin_port = htons(p != NULL ? atoi(p + 1) : 0);
	return (sizeof *sin);
}

struct fwd_config *
testloop_fwd_config(const char *name, const char *listen, const char *target,
    unsigned remote_port)
{
	struct fwd_config	*fc;

	fc = xcalloc(1, sizeof *fc);
	fc->name = xstrdup(name);
	fc->file = xstrdup("test.conf");
	fc->line = 1;
	fc->listen.text = xstrdup(listen);
	fc->listen.mode = 0600;
	fc->listen.owner = (uid_t)-1;
	fc->listen.group = (gid_t)-1;
	if (strncmp(listen, "unix:", 5) == 0) {
		fc->listen.kind = LISTEN_UNIX;
		fc->listen.path = xstrdup(listen + 5);
	} else {
		fc->listen.kind = LISTEN_TCP;
		fc->listen.sslen = testloop_addr(listen, &fc->listen.ss);
	}
	fc->forwarder = xstrdup("tcp");
	fc->target = xstrdup(target);
	fc->remote_port = remote_port;
	fc->connect_timeout = 5000;
	return (fc);
}

void
testloop_fwd_config_free(struct fwd_config *fc)
{
	if (fc == NULL)
		return;
	free(fc->name);
	free(fc->file);
	free(fc->listen.text);
	free(fc->listen.path);
	free(fc->forwarder);
	free(fc->target);
	free(fc->allow.rules);
	free(fc->allow.text);
	free(fc);
}

int
testloop_connect(const char *to, const char *from)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	int			fd;

	len = testloop_addr(to, &ss);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	assert_true(fd != -1);
	if (from != NULL) {
		struct sockaddr_storage	bs;
		socklen_t		blen = testloop_addr(from, &bs);

		assert_int_equal(bind(fd, (struct sockaddr *)&bs, blen), 0);
	}
	if (connect(fd, (struct sockaddr *)&ss, len) == -1 &&
	    errno != EINPROGRESS)
		fail_msg("connect %s: %s", to, strerror(errno));
	return (fd);
}

void
testloop_sockbuf(int fd, int bytes)
{
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes,
	    sizeof bytes), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes,
	    sizeof bytes), 0);
}

/* The addresses of a connected TCP socket: 0, or -1 if it is not one. */
static int
testloop_ends(int fd, struct sockaddr_storage *me,
    struct sockaddr_storage *him)
{
	socklen_t	len;
	int		type;

	len = sizeof type;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    type != SOCK_STREAM)
		return (-1);
	memset(me, 0, sizeof *me);
	memset(him, 0, sizeof *him);
	len = sizeof *me;
	if (getsockname(fd, (struct sockaddr *)me, &len) == -1)
		return (-1);
	len = sizeof *him;
	if (getpeername(fd, (struct sockaddr *)him, &len) == -1)
		return (-1);
	if (me->ss_family != AF_INET && me->ss_family != AF_INET6)
		return (-1);
	return (0);
}

int
testloop_peer_fd(int fd)
{
	struct sockaddr_storage	 me, him, cme, chim;
	struct dirent		*de;
	DIR			*dir;
	int			 cand, found = -1;

	if (testloop_ends(fd, &me, &him) == -1)
		return (-1);
	assert_non_null(dir = opendir("/proc/self/fd"));
	while (found == -1 && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' || (cand = atoi(de->d_name)) == fd ||
		    cand == dirfd(dir))
			continue;
		if (testloop_ends(cand, &cme, &chim) == 0 &&
		    memcmp(&cme, &him, sizeof him) == 0 &&
		    memcmp(&chim, &me, sizeof me) == 0)
			found = cand;
	}
	closedir(dir);
	return (found);
}

struct testloop_io {
	int		 fd;
	uint8_t		*buf;
	size_t		 len;
	size_t		 done;
	int		 eof;
	int		 error;
};

/* Move what the socket allows; 1 when done, at EOF or on an error. */
static int
testloop_io_more(struct testloop_io *io, int writing)
{
	ssize_t	n;

	while (io->done < io->len) {
		if (writing)
			n = send(io->fd, io->buf + io->done, io->len - io->done,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			n = recv(io->fd, io->buf + io->done, io->len - io->done,
			    MSG_DONTWAIT);
		if (n == 0 && !writing) {
			io->eof = 1;
			return (1);
		}
		if (n == -1) {
			if (errno == EAGAIN || errno == ENOTCONN)
				return (0);
			io->error = errno;
			return (1);
		}
		io->done += n;
	}
	return (1);
}

static int
testloop_write_more(void *arg)
{
	return (testloop_io_more(arg, 1));
}

static int
testloop_read_more(void *arg)
{
	return (testloop_io_more(arg, 0));
}

int
testloop_write(int fd, const void *buf, size_t len, unsigned ms)
{
	struct testloop_io	io = { fd, (uint8_t *)buf, len, 0, 0, 0 };

	if (!testloop_run_until(testloop_write_more, &io, ms) || io.error)
		return (-1);
	return (0);
}

ssize_t
testloop_read(int fd, void *buf, size_t len, unsigned ms)
{
	struct testloop_io	io = { fd, buf, len, 0, 0, 0 };

	if (!testloop_run_until(testloop_read_more, &io, ms) || io.error)
		return (-1);
	return ((ssize_t)io.done);
}

int
testloop_wait_eof(int fd, unsigned ms)
{
	uint8_t			byte;
	struct testloop_io	io = { fd, &byte, 1, 0, 0, 0 };

	if (!testloop_run_until(testloop_read_more, &io, ms))
		return (-2);
	if (io.error)
		return (-1);
	return (io.eof ? 0 : 1);
}

/* What the capture holds now, NUL-terminated; caller frees. */
static char *
testloop_log_text(size_t *lenp)
{
	struct stat	 sb;
	char		*text;
	ssize_t		 n;

	fflush(stderr);
	if (fstat(fileno(testloop_log), &sb) == -1)
		fail_msg("fstat: %s", strerror(errno));
	text = xcalloc(1, sb.st_size + 1);
	n = pread(fileno(testloop_log), text, sb.st_size, 0);
	*lenp = n > 0 ? (size_t)n : 0;
	text[*lenp] = '\0';
	return (text);
}

int
testloop_log_has(const char *s)
{
	char	*text;
	size_t	 len;
	int	 found;

	text = testloop_log_text(&len);
	found = strstr(text, s) != NULL;
	free(text);
	return (found);
}

void
testloop_log_reset(void)
{
	fflush(stderr);
	if (ftruncate(fileno(testloop_log), 0) == -1)
		fail_msg("ftruncate: %s", strerror(errno));
}

static void
testloop_hold_open(struct conn *c)
{
	conn_ready(c);
}

static void
testloop_hold_send(struct conn *c, struct evbuffer *in)
{
	evbuffer_drain(in, evbuffer_get_length(in));
}

static void
testloop_hold_eof(struct conn *c)
{
	conn_eof(c);
}

static void
testloop_hold_close(struct conn *c)
{
}

const struct forwarder testloop_hold_fwd = {
	.name = "hold",
	.open = testloop_hold_open,
	.send = testloop_hold_send,
	.eof = testloop_hold_eof,
	.close = testloop_hold_close,
};

int
testloop_setup(void **state)
{
	testloop_init();
	return (0);
}

int
testloop_teardown(void **state)
{
	testloop_done();
	return (0);
}
