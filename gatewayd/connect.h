/*
 * connect.h: gatewayctl connect, the daemon's side (connect.c): the
 * control socket's connect command, by [gateway]'s connect_* policy.
 */
#ifndef CONNECT_H
#define CONNECT_H

/* Register the command with the control socket. */
void	connect_init(void);
/* At exit, after the conns: drop every gatewayctl still attached. */
void	connect_stop(void);

#endif /* CONNECT_H */
