/*
 * log.h: logging to stderr (human lines or JSON lines) or syslog.
 *
 * Messages start with the object they concern, are lower case and have no
 * full stop: "session i-0abc:22: handshake timed out after 15s". Identical
 * messages repeated in a burst are rate-limited (see log.c). Never pass
 * credentials, tokens, signatures or presigned URLs to these functions.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>
#include <stdint.h>

enum log_level {
	LOG_LEVEL_WARN = 0,
	LOG_LEVEL_INFO = 1,
	LOG_LEVEL_DEBUG = 2,
};

enum log_target {
	LOG_TARGET_STDERR = 0,
	LOG_TARGET_SYSLOG = 1,
};

/* Start logging as ident (the program name) at the given level. */
void	log_init(const char *ident, enum log_level level);
void	log_set_level(enum log_level);
void	log_set_target(enum log_target, int facility);
/* Write stderr lines as JSON objects ({"time","level","msg"}) when set. */
void	log_set_json(int);
/* Identical messages allowed per window before suppression; 0 turns off. */
void	log_set_ratelimit(unsigned burst, unsigned window_ms);
/*
 * Log the "repeated N more times" summaries of the windows that have
 * ended (of all windows, at exit, with all). Logging anything does this
 * too; a timer calls it so that they come out when nothing else is
 * logged.
 */
void	log_flush(int all);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_vlog(enum log_level, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));

/*
 * A line with fields, for log_format = json: the message stays a
 * readable sentence (it is all the text format and syslog show), and
 * each field becomes a member of the JSON object beside "time", "level"
 * and "msg", a string or a number. A string field whose value is NULL is
 * left out, so that optional facts (a session id not yet known) need no
 * test at the call. Keys are the program's own names, never "time",
 * "level" or "msg"; values never hold credentials. Build them with
 * LOG_STR and LOG_NUM:
 *
 *	struct log_field f[] = {
 *		LOG_STR("forward", fw->name), LOG_NUM("conn", c->id),
 *	};
 *	log_fields(LOG_LEVEL_INFO, f, LOG_NFIELDS(f), "conn %llu: ...", ..);
 */
enum log_field_type {
	LOG_FIELD_STR,
	LOG_FIELD_NUM,
};

struct log_field {
	const char		*key;
	enum log_field_type	 type;
	const char		*str;
	int64_t			 num;
};
#define LOG_STR(k, v)	{ (k), LOG_FIELD_STR, (v), 0 }
#define LOG_NUM(k, v)	{ (k), LOG_FIELD_NUM, NULL, (int64_t)(v) }
#define LOG_NFIELDS(f)	(sizeof (f) / sizeof (f)[0])

void	log_fields(enum log_level, const struct log_field *, size_t,
	    const char *, ...) __attribute__((format(printf, 4, 5)));

/* Log, then exit(1). fatal() appends strerror(errno). */
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif /* LOG_H */
