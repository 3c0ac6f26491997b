/*
 * notifysock PATH: play the service manager's end of sd_notify(3). Bind a
 * unix datagram socket at PATH (@NAME: in the abstract namespace) and
 * print each datagram on one line, its NAME=VALUE lines joined by tabs,
 * until killed; t_notify.sh reads them.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int	main(int, char **);

int
main(int argc, char **argv)
{
	struct sockaddr_un	 sun;
	socklen_t		 len;
	char			 buf[4096];
	ssize_t			 n, i;
	int			 fd;

	if (argc != 2) {
		fputs("usage: notifysock path\n", stderr);
		return (2);
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof sun.sun_path) {
		fprintf(stderr, "notifysock: %s: path too long\n", argv[1]);
		return (1);
	}
	strcpy(sun.sun_path, argv[1]);
	len = sizeof sun;
	if (argv[1][0] == '@') {
		sun.sun_path[0] = '\0';
		len = offsetof(struct sockaddr_un, sun_path) + strlen(argv[1]);
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, len) == -1) {
		fprintf(stderr, "notifysock: %s: %s\n", argv[1],
		    strerror(errno));
		return (1);
	}
	for (;;) {
		if ((n = recv(fd, buf, sizeof buf, 0)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "notifysock: recv: %s\n",
			    strerror(errno));
			return (1);
		}
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n')
				buf[i] = '\t';
		}
		printf("%.*s\n", (int)n, buf);
		fflush(stdout);
	}
}
