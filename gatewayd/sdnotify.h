/*
 * sdnotify.h: the service manager's notify protocol (sd_notify(3)),
 * spoken directly: one datagram of NAME=VALUE lines to the unix socket
 * $NOTIFY_SOCKET names. No libsystemd, so every build can run as
 * Type=notify; outside systemd (no $NOTIFY_SOCKET) every call does
 * nothing.
 */
#ifndef SDNOTIFY_H
#define SDNOTIFY_H

struct event_base;

/*
 * Read and unset $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID (so the
 * processes gatewayd starts, such as a credential_process, do not report
 * for it). With a watchdog meant for this process, ping it from base at
 * half its interval until sdnotify_stop(). Call once, before the loop.
 */
void	 sdnotify_start(struct event_base *);
/* Close the socket and stop the watchdog timer. */
void	 sdnotify_stop(void);

/* Send state ("READY=1", "STOPPING=1", "STATUS=..."); 0, or -1. */
int	 sdnotify_send(const char *state);
int	 sdnotify_sendf(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* "RELOADING=1" with MONOTONIC_USEC, as systemd 253's notify-reload
 * wants; older managers read RELOADING=1 alone. */
int	 sdnotify_reloading(void);
/* The watchdog interval in microseconds, 0 when there is none. */
unsigned long long sdnotify_watchdog_usec(void);

#endif /* SDNOTIFY_H */
