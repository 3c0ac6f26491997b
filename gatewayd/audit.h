/*
 * audit.h: the audit records (audit.c, docs/audit.md). One JSON object
 * per connection accepted, refused and closed, from the bus, to the sink
 * [gateway]'s audit key names: a file, syslog or the journal.
 *
 * Writing never blocks the loop and never holds up a connection: records
 * wait in a bounded queue for the sink to take them, and when it does not
 * (a FIFO nobody reads, a full disk) the newest are dropped and counted.
 */
#ifndef AUDIT_H
#define AUDIT_H

#include <stdint.h>

struct gw_config;

/*
 * Apply [gateway]'s audit keys, at start (before any connection) and at
 * every reload: a sink that changed is closed, after one last try to
 * write what it holds, and the new one opened.
 */
void	 audit_configure(const struct gw_config *);
/* Open the file again at its path (SIGUSR1, after logrotate moved it). */
void	 audit_reopen(void);
/* At exit, after the last connection: one last try, then close. */
void	 audit_stop(void);

/* Records the sink took, and records dropped, since start. */
uint64_t audit_written(void);
uint64_t audit_dropped(void);

#endif /* AUDIT_H */
