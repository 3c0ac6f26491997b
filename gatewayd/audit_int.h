/*
 * audit_int.h: the audit sink (audit_sink.c), which audit.c feeds with
 * records it has rendered for the sink's kind.
 *
 * A sink holds records in a queue bounded in records and in bytes and
 * writes them when its descriptor can take them, never waiting: a file
 * (or FIFO, or terminal) is written as a stream, a record possibly in
 * pieces; syslog and the journal get one datagram per record. A record
 * that does not fit in the queue is dropped and counted; the drops are
 * logged, at most one line every AUDIT_DROP_LOG_MS.
 */
#ifndef AUDIT_INT_H
#define AUDIT_INT_H

#include <stddef.h>
#include <stdint.h>

/* Records a queue holds at most, whatever their size. */
#define AUDIT_QUEUE_RECORDS	10000
/* At most one line about drops in this long. */
#define AUDIT_DROP_LOG_MS	10000
/* How soon a sink that failed (gone, full disk) is tried again. */
#define AUDIT_RETRY_MS		1000

/* The syslog ident and facility (LOG_AUTHPRIV), and the journal's too. */
#define AUDIT_IDENT		"gatewayd-audit"
#define AUDIT_FACILITY		10

/*
 * Where the sockets are; the environment may move them (tests):
 * GATEWAYD_AUDIT_SYSLOG_SOCKET, GATEWAYD_AUDIT_JOURNAL_SOCKET.
 */
#define AUDIT_SYSLOG_SOCKET	"/dev/log"
#define AUDIT_JOURNAL_SOCKET	"/run/systemd/journal/socket"

enum audit_kind {
	AUDIT_FILE,
	AUDIT_SYSLOG,
	AUDIT_JOURNAL,
};

struct audit_sink;

/*
 * A sink for spec (a path, "syslog" or "journal") holding max_bytes at
 * most. It opens now; if it cannot, it says so and tries again as
 * records come, every AUDIT_RETRY_MS at most.
 */
struct audit_sink *audit_sink_new(const char *spec, uint64_t max_bytes);
/* Try once more to write what is queued, without waiting; then free. */
void	 audit_sink_free(struct audit_sink *);
/* 1 if s is the sink spec names. */
int	 audit_sink_is(const struct audit_sink *, const char *spec);
enum audit_kind audit_sink_kind(const struct audit_sink *);
void	 audit_sink_set_max(struct audit_sink *, uint64_t max_bytes);
/* Queue a record of len bytes (copied), or drop and count it. */
void	 audit_sink_put(struct audit_sink *, const void *, size_t);
/* A file's sink opens its path again; others do nothing. */
void	 audit_sink_reopen(struct audit_sink *);

#endif /* AUDIT_INT_H */
