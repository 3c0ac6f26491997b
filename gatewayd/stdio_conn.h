/*
 * stdio_conn.h: gatewayd -W, the one-shot ProxyCommand (stdio_conn.c).
 */
#ifndef STDIO_CONN_H
#define STDIO_CONN_H

/*
 * Make standard input and output one connection to dest (a -W spec)
 * through a session started in this process; its end shuts gatewayd
 * down by done. 0, or -1 and *cause.
 */
int	 stdio_start(const char *dest, void (*done)(void), char **cause);
/* The exit status: 0 once the far side was reached, else 1. */
int	 stdio_status(void);
/* At exit: give a terminal its blocking mode back. */
void	 stdio_restore(void);

#endif /* STDIO_CONN_H */
