/*
 * Unit tests for log.c's rate limiter: every suppressed line is
 * accounted for by a "repeated N more times" summary, whether the same
 * message comes again, another message comes, nothing comes (log_flush
 * from a timer), or another message takes the same slot. stderr goes to
 * a file that each test reads back. Lines with fields: members of the
 * JSON object beside the message, absent from the text format, and
 * rate-limited as distinct lines when only their fields differ.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

#define WINDOW	100	/* ms */

static char	 log_path[] = "/tmp/test_log.XXXXXX";
static FILE	*log_file;
static int	 real_stderr = -1;	/* for what cmocka would print */

static void
sleep_ms(unsigned ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1)
		;
}

static int
setup(void **state)
{
	int	fd;

	strcpy(log_path, "/tmp/test_log.XXXXXX");
	if ((fd = mkstemp(log_path)) == -1)
		return (-1);
	close(fd);
	if (real_stderr == -1)
		real_stderr = dup(STDERR_FILENO);
	if ((log_file = freopen(log_path, "w+", stderr)) == NULL)
		return (-1);
	log_init("test_log", LOG_LEVEL_INFO);
	log_set_json(0);
	log_set_ratelimit(2, WINDOW);
	return (0);
}

static int
teardown(void **state)
{
	unlink(log_path);
	return (0);
}

/* What has been logged: the messages only (no time, no level). */
static char *
logged(void)
{
	static char	 buf[8192];
	char		 line[1024], *p;
	size_t		 n = 0;

	fflush(stderr);
	rewind(log_file);
	buf[0] = '\0';
	while (fgets(line, sizeof line, log_file) != NULL) {
		if ((p = strstr(line, ": ")) == NULL)
			continue;
		p += 2;
		n += snprintf(buf + n, sizeof buf - n, "%s", p);
	}
	/* Start afresh for the next look. */
	fflush(log_file);
	if (ftruncate(fileno(log_file), 0) == -1)
		fail_msg("ftruncate");
	rewind(log_file);
	return (buf);
}

/* What has been logged, whole lines; the time is the caller's to skip. */
static char *
logged_raw(void)
{
	static char	 buf[8192];
	size_t		 n;

	fflush(stderr);
	rewind(log_file);
	n = fread(buf, 1, sizeof buf - 1, log_file);
	buf[n] = '\0';
	fflush(log_file);
	if (ftruncate(fileno(log_file), 0) == -1)
		fail_msg("ftruncate");
	rewind(log_file);
	return (buf);
}

/* What was logged is want, or the test fails saying both on the tty. */
#define expect(want) expect_at(__FILE__, __LINE__, (want))
static void
expect_at(const char *file, int line, const char *want)
{
	const char	*got = logged();

	if (strcmp(got, want) == 0)
		return;
	dprintf(real_stderr, "%s:%d: logged:\n%s-- wanted:\n%s--\n", file,
	    line, got, want);
	fail();
}

static void
burst(const char *msg, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		log_warnx("%s", msg);
}

/* The same message after the window: the summary, then the message. */
static void
test_log_summary_when_it_comes_again(void **state)
{
	burst("disk full", 5);
	expect("disk full\ndisk full\n");
	sleep_ms(WINDOW + 20);
	log_warnx("disk full");
	expect("last message repeated 3 more times: disk full\ndisk full\n");
}

/* Another message after the window: the summary comes first. */
static void
test_log_summary_before_another_message(void **state)
{
	burst("peer reset", 4);
	expect("peer reset\npeer reset\n");
	sleep_ms(WINDOW + 20);
	log_info("something else");
	expect("last message repeated 2 more times: peer reset\n"
	    "something else\n");
	/* Said once: nothing more later. */
	sleep_ms(WINDOW + 20);
	log_info("and more");
	expect("and more\n");
}

/* Within the window, other messages do not bring the summary yet. */
static void
test_log_no_summary_inside_the_window(void **state)
{
	burst("slow", 3);
	log_info("fast");
	expect("slow\nslow\nfast\n");
	sleep_ms(WINDOW + 20);
	log_info("later");
	expect("last message repeated 1 more times: slow\nlater\n");
}

/* Nothing follows: log_flush (a timer in gatewayd) brings it out. */
static void
test_log_summary_by_flush(void **state)
{
	burst("quiet", 6);
	expect("quiet\nquiet\n");
	log_flush(0);
	expect("");	/* the window is still open */
	sleep_ms(WINDOW + 20);
	log_flush(0);
	expect("last message repeated 4 more times: quiet\n");
	log_flush(0);
	expect("");
	/* At exit, whatever the window. */
	burst("at exit", 3);
	log_flush(1);
	expect("at exit\nat exit\n"
	    "last message repeated 1 more times: at exit\n");
}

/* FNV-1a, as log.c hashes: to find two messages in one slot. */
static uint64_t
hash(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (h);
}

/* Another message that takes the slot does not lose the count. */
static void
test_log_summary_when_the_slot_is_taken(void **state)
{
	char	other[64], want[256];
	int	i;

	for (i = 0; i < 100000; i++) {
		snprintf(other, sizeof other, "other %d", i);
		if (hash(other) % 64 == hash("first") % 64)
			break;
	}
	assert_true(i < 100000);
	burst("first", 5);
	log_warnx("%s", other);
	snprintf(want, sizeof want, "first\nfirst\n"
	    "last message repeated 3 more times: first\n%s\n", other);
	expect(want);
}

/* The close line's kind of fields, one of them unknown (NULL). */
static void
log_close_line(uint64_t conn, const char *peer)
{
	struct log_field	f[] = {
		LOG_STR("forward", "db"),
		LOG_NUM("conn", conn),
		LOG_STR("peer", peer),
		LOG_STR("session", NULL),
		LOG_NUM("bytes_in", 0),
		LOG_NUM("bytes_out", 123456789012LL),
	};

	log_fields(LOG_LEVEL_INFO, f, LOG_NFIELDS(f), "conn %llu (db %s): "
	    "closed", (unsigned long long)conn, peer);
}

/* JSON: each field a member, numbers as numbers, NULL left out. */
static void
test_log_json_fields(void **state)
{
	const char	*got, *want = "\"level\":\"info\",\"msg\":\"conn 5 "
	    "(db a\\\"b): closed\",\"forward\":\"db\",\"conn\":5,"
	    "\"peer\":\"a\\\"b\",\"bytes_in\":0,\"bytes_out\":123456789012}\n";

	log_set_json(1);
	log_close_line(5, "a\"b");
	got = logged_raw();
	if (strncmp(got, "{\"time\":\"", 9) != 0 ||
	    strstr(got, want) == NULL) {
		dprintf(real_stderr, "logged:\n%s-- wanted the end:\n%s--\n",
		    got, want);
		fail();
	}
	/* No field: the object it always was. */
	log_info("plain");
	got = logged_raw();
	assert_non_null(strstr(got, "\"level\":\"info\",\"msg\":\"plain\"}\n"));
}

/* Text: the sentence alone, whatever the fields. */
static void
test_log_text_ignores_fields(void **state)
{
	log_close_line(5, "peer");
	expect("conn 5 (db peer): closed\n");
}

/* JSON lines whose sentence and fields repeat are limited as ever. */
static void
test_log_json_fields_ratelimited(void **state)
{
	const char	*got;
	int		 i, n = 0;

	log_set_json(1);
	for (i = 0; i < 5; i++)
		log_close_line(7, "peer");
	got = logged_raw();
	for (; (got = strstr(got, "\"conn\":7")) != NULL; got++)
		n++;
	assert_int_equal(n, 2);
	sleep_ms(WINDOW + 20);
	log_flush(0);
	got = logged_raw();
	assert_non_null(strstr(got, "last message repeated 3 more times: "
	    "conn 7 (db peer): closed"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_log_summary_when_it_comes_again),
		T(test_log_summary_before_another_message),
		T(test_log_no_summary_inside_the_window),
		T(test_log_summary_by_flush),
		T(test_log_summary_when_the_slot_is_taken),
		T(test_log_json_fields),
		T(test_log_text_ignores_fields),
		T(test_log_json_fields_ratelimited),
#undef T
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
