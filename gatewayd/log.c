/*
 * Logging. One line per message to stderr (plain or JSON) or to syslog.
 *
 * A message whose exact text repeats more than a burst within a window is
 * suppressed for the rest of that window. Once the window has ended, a
 * summary says how many were dropped: before the next line logged,
 * whatever it is, or from log_flush() (a timer in gatewayd) if nothing
 * is; also when another message takes the slot, and at exit. So every
 * suppressed line is accounted for. Keying on the rendered text (not the
 * call site) keeps legitimately distinct lines, such as one per closed
 * connection, untouched; a line's JSON fields are part of its text.
 *
 * A line may carry fields (log_fields): in JSON they are members of the
 * object, so that a collector reads the conn, the session or the bytes
 * without parsing the sentence; the text format and syslog show the
 * sentence alone, which says the same for a person.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_RL_SLOTS	64

struct log_rl_slot {
	uint64_t	hash;
	uint64_t	window_start;
	unsigned	count;
	unsigned	dropped;
	enum log_level	level;		/* of the message dropped */
	char		*msg;		/* its text while dropped */
};

static const char	*log_ident = "gatewayd";
static enum log_level	 log_level = LOG_LEVEL_INFO;
static enum log_target	 log_target = LOG_TARGET_STDERR;
static int		 log_json;
static unsigned		 log_rl_burst = 5;
static unsigned		 log_rl_window = 10000;
static struct log_rl_slot log_rl[LOG_RL_SLOTS];
static unsigned		 log_rl_pending;	/* slots with drops */

static void	log_rl_clear(void);
static void	log_msg(enum log_level, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	log_verrno(enum log_level, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

static const char *log_level_names[] = { "warn", "info", "debug" };

void
log_init(const char *ident, enum log_level level)
{
	log_ident = ident;
	log_level = level;
	log_target = LOG_TARGET_STDERR;
	log_rl_clear();
	tzset();
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

void
log_set_target(enum log_target target, int facility)
{
	if (target == LOG_TARGET_SYSLOG && log_target != LOG_TARGET_SYSLOG)
		openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
	else if (target != LOG_TARGET_SYSLOG && log_target == LOG_TARGET_SYSLOG)
		closelog();
	log_target = target;
}

void
log_set_json(int on)
{
	log_json = on;
}

void
log_set_ratelimit(unsigned burst, unsigned window_ms)
{
	log_rl_burst = burst;
	log_rl_window = window_ms;
	log_rl_clear();
}

static uint64_t
log_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* FNV-1a over the rendered message, from h (a first part's hash). */
static uint64_t
log_hash(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (h);
}

/* Append s to a JSON string being built in out, escaping as needed. */
static void
log_json_escape(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char	c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
}

/*
 * The members a line's fields add to its JSON object (",\"conn\":5"...),
 * or NULL if there are none to add: not JSON, or no field with a value.
 */
static char *
log_render_fields(const struct log_field *f, size_t n)
{
	FILE	*out;
	char	*frag = NULL;
	size_t	 len, i;
	int	 any = 0;

	if (!log_json || log_target == LOG_TARGET_SYSLOG || n == 0)
		return (NULL);
	if ((out = open_memstream(&frag, &len)) == NULL)
		return (NULL);
	for (i = 0; i < n; i++) {
		if (f[i].type == LOG_FIELD_STR && f[i].str == NULL)
			continue;
		any = 1;
		fputs(",\"", out);
		log_json_escape(out, f[i].key);
		fputs("\":", out);
		if (f[i].type == LOG_FIELD_NUM)
			fprintf(out, "%" PRId64, f[i].num);
		else {
			fputc('"', out);
			log_json_escape(out, f[i].str);
			fputc('"', out);
		}
	}
	if (fclose(out) != 0 || !any) {
		free(frag);
		return (NULL);
	}
	return (frag);
}

static void
log_emit(enum log_level level, const char *msg, const char *frag)
{
	static const int prio[] = { LOG_WARNING, LOG_INFO, LOG_DEBUG };
	struct timespec	 ts;
	struct tm	 tm;
	char		 when[64];

	if (log_target == LOG_TARGET_SYSLOG) {
		syslog(prio[level], "%s", msg);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	if (log_json) {
		fprintf(stderr, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\","
		    "\"msg\":\"", when, ts.tv_nsec / 1000000,
		    log_level_names[level]);
		log_json_escape(stderr, msg);
		fprintf(stderr, "\"%s}\n", frag != NULL ? frag : "");
	} else {
		fprintf(stderr, "%s.%03ldZ %s: %s\n", when,
		    ts.tv_nsec / 1000000, log_level_names[level], msg);
	}
	fflush(stderr);
}

/* Say how many times the slot's message was dropped, and forget it. */
static void
log_rl_summary(struct log_rl_slot *slot)
{
	char		*note, *msg = slot->msg;
	unsigned	 dropped = slot->dropped;

	if (dropped == 0)
		return;
	slot->msg = NULL;
	slot->dropped = 0;
	log_rl_pending--;
	if (asprintf(&note, "last message repeated %u more times: %s",
	    dropped, msg) != -1) {
		log_emit(slot->level, note, NULL);
		free(note);
	}
	free(msg);
}

/* The summaries of the windows that have ended (all of them if all). */
static void
log_rl_sweep(uint64_t now, int all)
{
	size_t	i;

	for (i = 0; i < LOG_RL_SLOTS && log_rl_pending != 0; i++) {
		if (log_rl[i].dropped != 0 && (all ||
		    now - log_rl[i].window_start >= log_rl_window))
			log_rl_summary(&log_rl[i]);
	}
}

static void
log_rl_clear(void)
{
	size_t	i;

	for (i = 0; i < LOG_RL_SLOTS; i++)
		free(log_rl[i].msg);
	memset(log_rl, 0, sizeof log_rl);
	log_rl_pending = 0;
}

void
log_flush(int all)
{
	if (log_rl_pending != 0)
		log_rl_sweep(log_now_ms(), all);
}

/*
 * Return 1 if msg may be written now (after reporting any drops). Lines
 * whose text is the same but whose fields differ are distinct lines.
 */
static int
log_ratelimit_pass(enum log_level level, const char *msg, const char *frag)
{
	struct log_rl_slot	*slot;
	uint64_t		 h, now;

	if (log_rl_burst == 0)
		return (1);
	h = log_hash(1469598103934665603ULL, msg);
	if (frag != NULL)
		h = log_hash(h, frag);
	now = log_now_ms();
	if (log_rl_pending != 0)
		log_rl_sweep(now, 0);
	slot = &log_rl[h % LOG_RL_SLOTS];
	if (slot->hash != h || now - slot->window_start >= log_rl_window) {
		/* Another message may take the slot: say its drops. */
		log_rl_summary(slot);
		slot->hash = h;
		slot->window_start = now;
		slot->count = 0;
	}
	if (++slot->count > log_rl_burst) {
		if (slot->dropped++ == 0) {
			slot->level = level;
			if ((slot->msg = strdup(msg)) == NULL) {
				slot->dropped = 0;	/* said, then */
				return (1);
			}
			log_rl_pending++;
		}
		return (0);
	}
	return (1);
}

/* Format and write one line with its fields, if its level is on. */
static void __attribute__((format(printf, 4, 0)))
log_vlog_fields(enum log_level level, const struct log_field *f, size_t n,
    const char *fmt, va_list ap)
{
	char	*msg, *frag;
	int	 saved = errno;

	if (level > log_level)
		return;
	if (vasprintf(&msg, fmt, ap) == -1) {
		errno = saved;
		return;
	}
	frag = log_render_fields(f, n);
	if (log_ratelimit_pass(level, msg, frag))
		log_emit(level, msg, frag);
	free(frag);
	free(msg);
	errno = saved;
}

void
log_vlog(enum log_level level, const char *fmt, va_list ap)
{
	log_vlog_fields(level, NULL, 0, fmt, ap);
}

void
log_fields(enum log_level level, const struct log_field *f, size_t n,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog_fields(level, f, n, fmt, ap);
	va_end(ap);
}

/* log_vlog with a variable argument list, for internal use. */
static void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(level, fmt, ap);
	va_end(ap);
}

/* Log fmt with ": strerror(errno)" appended. */
static void
log_verrno(enum log_level level, const char *fmt, va_list ap)
{
	char	*msg;
	int	 saved = errno;

	if (level > log_level)
		return;
	if (vasprintf(&msg, fmt, ap) == -1)
		return;
	log_msg(level, "%s: %s", msg, strerror(saved));
	free(msg);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_verrno(LOG_LEVEL_WARN, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_WARN, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	log_flush(1);
	log_rl_burst = 0;
	va_start(ap, fmt);
	log_verrno(LOG_LEVEL_WARN, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	log_flush(1);
	log_rl_burst = 0;
	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_WARN, fmt, ap);
	va_end(ap);
	exit(1);
}
