/*
 * credential_process children on the event loop. posix_spawn() starts
 * /bin/sh -c in its own process group with stdin on /dev/null; pipes
 * carry stdout (kept, bounded) and stderr (logged); a timer bounds the
 * whole run. Exit is noticed when both pipes close, then the pid is
 * polled with WNOHANG so the loop never waits.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "aws_process.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define AWS_PROCESS_POLL_MS	10
#define AWS_PROCESS_LINE	512	/* stderr: longest line logged */
#define AWS_PROCESS_TAIL	1024	/* stderr kept for the error */

extern char **environ;

struct aws_process {
	struct event_base	*base;
	char			*name;
	pid_t			 pid;
	aws_process_cb		 cb;
	void			*arg;

	struct event		*out_ev;
	struct event		*err_ev;
	struct event		*timer;		/* timeout, then reap polling */
	struct event		*poll;
	int			 out_fd;
	int			 err_fd;

	char			*out;
	size_t			 out_len;
	char			 line[AWS_PROCESS_LINE + 1];
	size_t			 line_len;
	char			 tail[AWS_PROCESS_TAIL + 1];
	size_t			 tail_len;
	char			*error;		/* why we killed it */
	unsigned		 timeout_ms;
	int			 orphan;	/* cancelled: just reap */
};

static void	aws_process_check(struct aws_process *);

static void
aws_process_close_fd(struct event **ev, int *fd)
{
	if (*ev != NULL) {
		event_free(*ev);
		*ev = NULL;
	}
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

static void
aws_process_free(struct aws_process *p)
{
	aws_process_close_fd(&p->out_ev, &p->out_fd);
	aws_process_close_fd(&p->err_ev, &p->err_fd);
	if (p->timer != NULL)
		event_free(p->timer);
	if (p->poll != NULL)
		event_free(p->poll);
	if (p->out != NULL) {
		explicit_bzero(p->out, p->out_len);
		free(p->out);
	}
	free(p->error);
	free(p->name);
	free(p);
}

static void
aws_process_kill(struct aws_process *p, const char *why)
{
	if (p->error == NULL && why != NULL)
		p->error = xstrdup(why);
	kill(-p->pid, SIGKILL);
	kill(p->pid, SIGKILL);
	aws_process_close_fd(&p->out_ev, &p->out_fd);
	aws_process_close_fd(&p->err_ev, &p->err_fd);
	aws_process_check(p);
}

static void
aws_process_out_cb(evutil_socket_t fd, short what, void *arg)
{
	struct aws_process	*p = arg;
	char			 buf[4096];
	ssize_t			 n;

	n = read(fd, buf, sizeof buf);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		aws_process_close_fd(&p->out_ev, &p->out_fd);
		aws_process_check(p);
		return;
	}
	if (p->out_len + n > AWS_PROCESS_MAX_OUT) {
		char	*why;

		xasprintf(&why, "output larger than %d bytes",
		    AWS_PROCESS_MAX_OUT);
		aws_process_kill(p, why);
		free(why);
		return;
	}
	p->out = xrealloc(p->out, p->out_len + n + 1);
	memcpy(p->out + p->out_len, buf, n);
	p->out_len += n;
	p->out[p->out_len] = '\0';
	explicit_bzero(buf, sizeof buf);
}

/* One byte of stderr: build lines, log them, keep a tail. */
static void
aws_process_err_byte(struct aws_process *p, char c)
{
	if (p->tail_len == AWS_PROCESS_TAIL) {
		memmove(p->tail, p->tail + 1, AWS_PROCESS_TAIL - 1);
		p->tail_len--;
	}
	p->tail[p->tail_len++] = (c == '\n' || c == '\r') ? ' ' : c;
	p->tail[p->tail_len] = '\0';
	if (c != '\n' && p->line_len < AWS_PROCESS_LINE) {
		if (c != '\r')
			p->line[p->line_len++] = c;
		return;
	}
	if (c != '\n')
		return;		/* an over-long line: the rest is dropped */
	p->line[p->line_len] = '\0';
	if (p->line_len > 0)
		log_warnx("%s: %s", p->name, p->line);
	p->line_len = 0;
}

static void
aws_process_err_cb(evutil_socket_t fd, short what, void *arg)
{
	struct aws_process	*p = arg;
	char			 buf[1024];
	ssize_t			 n, i;

	n = read(fd, buf, sizeof buf);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (p->line_len > 0)
			aws_process_err_byte(p, '\n');
		aws_process_close_fd(&p->err_ev, &p->err_fd);
		aws_process_check(p);
		return;
	}
	for (i = 0; i < n; i++)
		aws_process_err_byte(p, buf[i]);
}

static void
aws_process_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct aws_process	*p = arg;
	char			*why;

	xasprintf(&why, "timed out after %us", (p->timeout_ms + 999) / 1000);
	aws_process_kill(p, why);
	free(why);
}

static void
aws_process_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	aws_process_check(arg);
}

/* Report, once the pipes are closed and the child is reaped. */
static void
aws_process_report(struct aws_process *p, int status)
{
	char	*why = NULL;

	if (p->error != NULL)
		why = xstrdup(p->error);
	else if (status == -1)
		why = NULL;	/* reaped elsewhere: judge by the output */
	else if (WIFSIGNALED(status))
		xasprintf(&why, "killed by signal %d", WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		xasprintf(&why, "exited with status %d%s%s",
		    WEXITSTATUS(status), p->tail_len > 0 ? ": " : "", p->tail);
	if (why != NULL)
		p->cb(NULL, 0, why, p->arg);
	else
		p->cb(p->out != NULL ? p->out : "", p->out_len, NULL, p->arg);
	free(why);
}

static void
aws_process_check(struct aws_process *p)
{
	struct timeval	tv = { 0, AWS_PROCESS_POLL_MS * 1000 };
	pid_t		r;
	int		status = 0;

	if (p->out_fd != -1 || p->err_fd != -1)
		return;
	if (p->pid <= 0) {
		r = -1;		/* never started: nothing to reap */
		errno = ECHILD;
	} else
		r = waitpid(p->pid, &status, WNOHANG);
	if (r == 0) {
		evtimer_add(p->poll, &tv);
		return;
	}
	if (r == -1 && errno == EINTR) {
		evtimer_add(p->poll, &tv);
		return;
	}
	if (r == -1)
		status = -1;
	if (!p->orphan)
		aws_process_report(p, status);
	aws_process_free(p);
}

static int
aws_process_spawn(struct aws_process *p, const char *command, int out_w,
    int err_w)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 none, dfl;
	char				*argv[4];
	int				 rv;

	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)command;
	argv[3] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_w, 1);
	posix_spawn_file_actions_adddup2(&fa, err_w, 2);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGCHLD);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rv = posix_spawn(&p->pid, "/bin/sh", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return (rv);
}

/*
 * Make p's pipes (read ends kept in p, write ends in *out_w and *err_w for
 * the child) and its events: 0, or -1 and *cause, with no write end left
 * open (aws_process_free closes the rest).
 */
static int
aws_process_prepare(struct aws_process *p, int *out_w, int *err_w,
    char **cause)
{
	int	out[2], err[2];

	p->timer = evtimer_new(p->base, aws_process_timeout_cb, p);
	p->poll = evtimer_new(p->base, aws_process_poll_cb, p);
	if (p->timer == NULL || p->poll == NULL) {
		xasprintf(cause, "cannot make a timer");
		return (-1);
	}
	if (pipe2(out, O_CLOEXEC) == -1) {
		xasprintf(cause, "cannot make a pipe: %s", strerror(errno));
		return (-1);
	}
	p->out_fd = out[0];
	*out_w = out[1];
	if (pipe2(err, O_CLOEXEC) == -1) {
		xasprintf(cause, "cannot make a pipe: %s", strerror(errno));
		close(*out_w);
		return (-1);
	}
	p->err_fd = err[0];
	*err_w = err[1];
	p->out_ev = event_new(p->base, p->out_fd, EV_READ | EV_PERSIST,
	    aws_process_out_cb, p);
	p->err_ev = event_new(p->base, p->err_fd, EV_READ | EV_PERSIST,
	    aws_process_err_cb, p);
	if (p->out_ev == NULL || p->err_ev == NULL) {
		xasprintf(cause, "cannot watch its output");
		close(*out_w);
		close(*err_w);
		return (-1);
	}
	evutil_make_socket_nonblocking(p->out_fd);
	evutil_make_socket_nonblocking(p->err_fd);
	return (0);
}

struct aws_process *
aws_process_run(struct event_base *base, const char *command,
    unsigned timeout_ms, const char *name, aws_process_cb cb, void *arg,
    char **cause)
{
	struct aws_process	*p;
	struct timeval		 tv;
	int			 out_w, err_w, rv;

	p = xcalloc(1, sizeof *p);
	p->base = base;
	p->name = xstrdup(name);
	p->cb = cb;
	p->arg = arg;
	p->timeout_ms = timeout_ms;
	p->out_fd = p->err_fd = -1;
	if (aws_process_prepare(p, &out_w, &err_w, cause) != 0) {
		aws_process_free(p);
		return (NULL);
	}
	rv = aws_process_spawn(p, command, out_w, err_w);
	close(out_w);
	close(err_w);
	if (rv != 0) {
		/* The pipes are at EOF already: report from the loop. */
		p->pid = -1;
		xasprintf(&p->error, "cannot run /bin/sh: %s", strerror(rv));
	}
	event_add(p->out_ev, NULL);
	event_add(p->err_ev, NULL);
	tv = util_ms_tv(timeout_ms);
	evtimer_add(p->timer, &tv);
	return (p);
}

void
aws_process_cancel(struct aws_process *p)
{
	if (p == NULL)
		return;
	p->orphan = 1;
	evtimer_del(p->timer);
	if (p->pid > 0)
		aws_process_kill(p, NULL);
	else
		aws_process_free(p);
}
