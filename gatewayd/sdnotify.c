/*
 * The notify protocol of sd_notify(3) without libsystemd: a datagram of
 * NAME=VALUE lines to $NOTIFY_SOCKET (a path, or @name in the abstract
 * namespace), and WATCHDOG=1 at half of $WATCHDOG_USEC from a timer on the
 * event loop, so a loop that stops turning is what the watchdog sees.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "sdnotify.h"

static int			 sdnotify_fd = -1;
static struct sockaddr_un	 sdnotify_sun;
static socklen_t		 sdnotify_sunlen;
static unsigned long long	 sdnotify_wd_usec;
static struct event		*sdnotify_wd_ev;

/* Where $NOTIFY_SOCKET points; -1 if nowhere we can send to. */
static int
sdnotify_parse_socket(const char *s)
{
	size_t	len = strlen(s);

	memset(&sdnotify_sun, 0, sizeof sdnotify_sun);
	sdnotify_sun.sun_family = AF_UNIX;
	if ((s[0] != '/' && s[0] != '@') || len < 2 ||
	    len >= sizeof sdnotify_sun.sun_path)
		return (-1);
	memcpy(sdnotify_sun.sun_path, s, len);
	if (s[0] == '@') {
		/* Abstract: a leading NUL and no trailing one. */
		sdnotify_sun.sun_path[0] = '\0';
		sdnotify_sunlen = offsetof(struct sockaddr_un, sun_path) + len;
	} else
		sdnotify_sunlen = offsetof(struct sockaddr_un, sun_path) +
		    len + 1;
	return (0);
}

/* The watchdog interval if it is meant for this process, else 0. */
static unsigned long long
sdnotify_parse_watchdog(const char *usec, const char *pid)
{
	unsigned long long	 v;
	char			*end;

	if (usec == NULL || *usec == '\0')
		return (0);
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0)
		return (0);
	if (pid != NULL && *pid != '\0') {
		errno = 0;
		if ((pid_t)strtol(pid, &end, 10) != getpid() || *end != '\0' ||
		    errno != 0)
			return (0);
	}
	return (v);
}

static void
sdnotify_watchdog_cb(evutil_socket_t fd, short events, void *arg)
{
	sdnotify_send("WATCHDOG=1");
}

void
sdnotify_start(struct event_base *base)
{
	const char	*sock = getenv("NOTIFY_SOCKET");
	struct timeval	 tv;

	sdnotify_wd_usec = sdnotify_parse_watchdog(getenv("WATCHDOG_USEC"),
	    getenv("WATCHDOG_PID"));
	if (sock != NULL && *sock != '\0') {
		if (sdnotify_parse_socket(sock) == -1)
			log_warnx("NOTIFY_SOCKET=%s: not a unix socket path; "
			    "not notifying the service manager", sock);
		else if ((sdnotify_fd = socket(AF_UNIX,
		    SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1)
			log_warn("notify socket");
	}
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	if (sdnotify_fd == -1) {
		sdnotify_wd_usec = 0;
		return;
	}
	if (sdnotify_wd_usec == 0)
		return;
	/* Half the interval, as sd_watchdog_enabled(3) advises. */
	tv.tv_sec = sdnotify_wd_usec / 2 / 1000000;
	tv.tv_usec = sdnotify_wd_usec / 2 % 1000000;
	sdnotify_wd_ev = event_new(base, -1, EV_PERSIST, sdnotify_watchdog_cb,
	    NULL);
	if (sdnotify_wd_ev == NULL || event_add(sdnotify_wd_ev, &tv) == -1)
		fatalx("cannot start the watchdog timer");
	log_debug("watchdog: every %llu ms", sdnotify_wd_usec / 2 / 1000);
}

void
sdnotify_stop(void)
{
	if (sdnotify_wd_ev != NULL) {
		event_free(sdnotify_wd_ev);
		sdnotify_wd_ev = NULL;
	}
	if (sdnotify_fd != -1) {
		close(sdnotify_fd);
		sdnotify_fd = -1;
	}
}

int
sdnotify_send(const char *state)
{
	ssize_t	n;

	if (sdnotify_fd == -1)
		return (0);
	/* A datagram goes whole or not at all; never wait for it. */
	n = sendto(sdnotify_fd, state, strlen(state),
	    MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&sdnotify_sun,
	    sdnotify_sunlen);
	if (n == -1) {
		log_debug("notify %s: %s", state, strerror(errno));
		return (-1);
	}
	return (0);
}

int
sdnotify_sendf(const char *fmt, ...)
{
	va_list	 ap;
	char	*state;
	int	 rc;

	if (sdnotify_fd == -1)
		return (0);
	va_start(ap, fmt);
	if (vasprintf(&state, fmt, ap) == -1)
		fatalx("out of memory");
	va_end(ap);
	rc = sdnotify_send(state);
	free(state);
	return (rc);
}

int
sdnotify_reloading(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (sdnotify_sendf("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000 +
	    (unsigned long long)ts.tv_nsec / 1000));
}

unsigned long long
sdnotify_watchdog_usec(void)
{
	return (sdnotify_wd_usec);
}
