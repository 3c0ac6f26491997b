/*
 * gatewayd -W TARGET:PORT: standard input and output become one
 * connection, as OpenSSH's ssh -W does, for a ProxyCommand on a machine
 * with no daemon running. The connection is a conn of the key's
 * on-demand forward (ondemand.c) like gatewayctl connect's, made from
 * descriptors 0 and 1 (conn_new_pair): the same session pool, credential
 * chain and data path as the daemon. Its end shuts gatewayd down, and
 * the exit status says whether the far side was reached.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "conn.h"
#include "forward.h"
#include "gateway.h"
#include "log.h"
#include "ondemand.h"
#include "util.h"
#include "stdio_conn.h"
#include "xmalloc.h"

static int	  stdio_rc = 1;
static char	 *stdio_dest;
static void	(*stdio_done)(void);
/*
 * A terminal's flags, shared with its shell (the conn makes it
 * non-blocking): a copy of it and its flags, given back at exit.
 */
static int	  stdio_tty[2] = { -1, -1 };
static int	  stdio_flags[2];

static void
stdio_reached(struct conn *c, void *arg)
{
	stdio_rc = 0;
	log_debug("-W %s: reached", stdio_dest);
}

static void
stdio_end(struct conn *c, void *arg)
{
	if (c->reached != 1)
		log_warnx("-W %s: %s", stdio_dest, c->reason != NULL ?
		    c->reason : "refused");
	else if (!conn_end_is_clean(c->end))
		log_warnx("-W %s: %s", stdio_dest, c->reason);
	gateway_shutdown(stdio_done);
}

static const struct conn_greeter stdio_greeter = {
	stdio_reached, stdio_end, stdio_end
};

int
stdio_start(const char *dest, void (*done)(void), char **cause)
{
	struct ondemand_key	 k;
	struct forward		*fw;
	struct ucred		 cred;
	char			*target, *host;
	unsigned		 port;
	int			 i;

	if (config_parse_dest(dest, &target, &host, &port, cause) == -1)
		return (-1);
	/* epoll cannot watch a regular file or /dev/null. */
	if (!util_fd_pollable(STDIN_FILENO) ||
	    !util_fd_pollable(STDOUT_FILENO)) {
		*cause = xstrdup("standard input and output must be pipes, "
		    "sockets or a terminal (a ProxyCommand's are)");
		free(target);
		free(host);
		return (-1);
	}
	memset(&k, 0, sizeof k);
	k.target = target;
	k.remote_host = host;
	k.port = port;
	fw = ondemand_forward(&k, cause);
	free(target);
	free(host);
	if (fw == NULL)
		return (-1);
	stdio_dest = xstrdup(dest);
	stdio_done = done;
	for (i = 0; i < 2; i++) {
		if (isatty(i) && (stdio_flags[i] = fcntl(i, F_GETFL)) != -1)
			stdio_tty[i] = fcntl(i, F_DUPFD_CLOEXEC, 3);
	}
	cred.pid = getpid();
	cred.uid = getuid();
	cred.gid = getgid();
	conn_new_pair(fw, STDIN_FILENO, STDOUT_FILENO, "stdio", &cred,
	    &stdio_greeter, NULL);
	return (0);
}

int
stdio_status(void)
{
	return (stdio_rc);
}

void
stdio_restore(void)
{
	int	i;

	for (i = 0; i < 2; i++) {
		if (stdio_tty[i] == -1)
			continue;
		(void)fcntl(stdio_tty[i], F_SETFL, stdio_flags[i]);
		close(stdio_tty[i]);
		stdio_tty[i] = -1;
	}
	free(stdio_dest);
	stdio_dest = NULL;
}
