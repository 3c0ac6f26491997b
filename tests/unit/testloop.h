/*
 * testloop.h: what the core's unit tests share: the event loop run until a
 * condition holds or a deadline passes, loopback sockets, hand-built
 * forward configs, and a capture of the log to check its lines.
 */
#ifndef TESTLOOP_H
#define TESTLOOP_H

#include <sys/types.h>

#include <stddef.h>

struct forwarder;
struct fwd_config;

/* Make gw_base, log at debug level into the capture. */
void	 testloop_init(void);
/* Drop every forward, let pending frees run, free gw_base. */
void	 testloop_done(void);

/* A scratch directory, made on first use, removed by testloop_done. */
const char *testloop_dir(void);

/* Run the loop until cond(arg) holds (return 1) or ms pass (return 0). */
int	 testloop_run_until(int (*cond)(void *), void *arg, unsigned ms);
/* Run the loop for ms. */
void	 testloop_run_for(unsigned ms);

/* A TCP port free on 127.0.0.1 (family AF_INET) or ::1 (AF_INET6). */
unsigned testloop_free_port(int family);

/*
 * A forward config as the config module would make it: listen is
 * "127.0.0.1:PORT", "[::1]:PORT" or "unix:/path" (mode 0600). Free with
 * testloop_fwd_config_free once the forward has gone.
 */
struct fwd_config *testloop_fwd_config(const char *name, const char *listen,
	    const char *target, unsigned remote_port);
void	 testloop_fwd_config_free(struct fwd_config *);

/*
 * A non-blocking client socket connecting (maybe still in progress) to
 * "HOST:PORT", "[V6]:PORT" or "unix:/path", bound to from first unless
 * NULL. Aborts the test on failure.
 */
int	 testloop_connect(const char *to, const char *from);

/*
 * What the kernel holds for a socket, fixed: autotuning grows a loopback
 * TCP socket's buffers as far as tcp_rmem and tcp_wmem allow (4 KiB on one
 * machine, 32 MiB on another), so a test that counts on a socket filling
 * up sets both of them, on its own sockets and on the daemon's.
 */
#define TESTLOOP_SOCKBUF	(64 * 1024)

/* SO_RCVBUF and SO_SNDBUF of fd to bytes each (the kernel doubles it). */
void	 testloop_sockbuf(int fd, int bytes);
/*
 * The other end of the loopback TCP connection fd, when this process holds
 * it (a socket of the daemon under test), else -1.
 */
int	 testloop_peer_fd(int fd);

/* Write all of buf to fd, running the loop while the socket is full. */
int	 testloop_write(int fd, const void *buf, size_t len, unsigned ms);
/*
 * Read exactly len bytes, running the loop meanwhile. Return len, fewer at
 * EOF, or -1 on error or timeout.
 */
ssize_t	 testloop_read(int fd, void *buf, size_t len, unsigned ms);
/* Wait for EOF (return 0), data (1), an error such as a reset (-1), or
 * the deadline (-2). */
int	 testloop_wait_eof(int fd, unsigned ms);

/* The log since the last reset: does it hold s? */
int	 testloop_log_has(const char *s);
void	 testloop_log_reset(void);

/*
 * A forwarder that opens at once, swallows what the client sends, ends its
 * side when the client does, and keeps nothing: for tests of the listener
 * and the control socket. Set fw->fwd to it after gateway_add.
 */
extern const struct forwarder testloop_hold_fwd;

/* cmocka setup and teardown that run testloop_init and testloop_done. */
int	 testloop_setup(void **);
int	 testloop_teardown(void **);

#endif /* TESTLOOP_H */
