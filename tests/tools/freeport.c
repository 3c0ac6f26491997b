/*
 * freeport: print N TCP ports free on 127.0.0.1 (or ::1 with -6), one a
 * line. They are bound together, so they differ, then released; a test
 * uses them at once. Ports come from the kernel's ephemeral range.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

int	main(int, char **);

int
main(int argc, char **argv)
{
	struct tool_addr	 addr;
	int			*fds, n = 1, i, v6 = 0;

	if (argc > 1 && strcmp(argv[1], "-6") == 0) {
		v6 = 1;
		argc--;
		argv++;
	}
	if (argc > 1)
		n = atoi(argv[1]);
	if (n < 1 || n > 100)
		tool_fatal("usage: freeport [-6] [count]");
	tool_parse_addr(v6 ? "[::1]:0" : "127.0.0.1:0", &addr);
	if ((fds = calloc(n, sizeof *fds)) == NULL)
		tool_fatal("out of memory");
	for (i = 0; i < n; i++) {
		fds[i] = tool_listen(&addr);
		printf("%u\n", tool_local_port(fds[i]));
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return (0);
}
