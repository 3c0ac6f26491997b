/*
 * aws_process.h: run a command (credential_process) as a child watched by
 * the event loop: /bin/sh -c, no stdin, stdout captured with a bound,
 * stderr passed to the log line by line, a timeout that kills the child's
 * whole process group. Nothing here blocks the loop.
 *
 * The child is reaped with waitpid() on its pid only; a SIGCHLD handler
 * elsewhere must not reap children it did not start.
 */
#ifndef AWS_PROCESS_H
#define AWS_PROCESS_H

#include <stddef.h>

struct event_base;
struct aws_process;

#define AWS_PROCESS_MAX_OUT	(64 * 1024)

/*
 * Called once: out (NUL-terminated) and len when the command exited 0;
 * else out NULL and error ("timed out after 60s", "exited with status 2:
 * <end of stderr>", "output larger than 65536 bytes").
 */
typedef void (*aws_process_cb)(const char *out, size_t len,
	    const char *error, void *arg);

/*
 * Start command; name prefixes its stderr lines in the log ("profile dev:
 * process"). Return it, or NULL and *cause (caller frees; "cannot make a
 * pipe: Too many open files") when it cannot be started here, and the
 * callback is never called. A shell that cannot be spawned is reported
 * through the callback.
 */
struct aws_process *aws_process_run(struct event_base *, const char *command,
	    unsigned timeout_ms, const char *name, aws_process_cb, void *arg,
	    char **cause);
/* Kill the child (reaped later, quietly) and forget the callback. */
void	 aws_process_cancel(struct aws_process *);

#endif /* AWS_PROCESS_H */
