/*
 * Unit tests for process.c: output, exit status with stderr, a hang that
 * the timeout ends while the loop keeps running, bounded output, no
 * descriptor left for the pipes.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "aws_process.h"
#include "fakesrv.h"
#include "util.h"

struct outcome {
	int	 done;
	char	*out;
	char	*error;
};

static void
outcome_cb(const char *out, size_t len, const char *error, void *arg)
{
	struct outcome	*o = arg;

	o->done++;
	o->out = out != NULL ? strdup(out) : NULL;
	o->error = error != NULL ? strdup(error) : NULL;
}

static int
outcome_done(void *arg)
{
	return (((struct outcome *)arg)->done != 0);
}

static void
outcome_clear(struct outcome *o)
{
	free(o->out);
	free(o->error);
	memset(o, 0, sizeof *o);
}

static void
test_process_outcomes(void **state)
{
	static const struct {
		const char	*command;
		const char	*out;		/* NULL: an error */
		const char	*error;		/* a substring of it */
	} cases[] = {
		{ "printf '{\"Version\": 1}'", "{\"Version\": 1}", NULL },
		{ "echo to stderr >&2; echo out", "out\n", NULL },
		{ "read x; echo \"stdin:$x.\"", "stdin:.\n", NULL },
		{ "echo denied >&2; exit 3", NULL,
		    "exited with status 3: denied" },
		{ "kill -TERM $$", NULL, "killed by signal 15" },
		{ "head -c 100000 /dev/zero", NULL,
		    "output larger than 65536 bytes" },
		{ "exec /nonexistent/binary", NULL, "exited with status 127" },
	};
	struct event_base	*base = event_base_new();
	struct outcome		 o;
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&o, 0, sizeof o);
		aws_process_run(base, cases[i].command, 10000, "test",
		    outcome_cb, &o, NULL);
		assert_int_equal(o.done, 0);
		assert_int_equal(run_until(base, outcome_done, &o, 15000), 0);
		if (cases[i].out != NULL) {
			assert_null(o.error);
			assert_string_equal(o.out, cases[i].out);
		} else {
			assert_null(o.out);
			assert_non_null(o.error);
			if (strstr(o.error, cases[i].error) == NULL)
				fail_msg("case %zu: \"%s\"", i, o.error);
		}
		outcome_clear(&o);
	}
	event_base_free(base);
}

struct ticker {
	struct event	*ev;
	unsigned	 ticks;
};

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	((struct ticker *)arg)->ticks++;
}

static void
test_process_hang_times_out_without_stalling(void **state)
{
	struct event_base	*base = event_base_new();
	struct outcome		 o = { 0 };
	struct ticker		 t = { 0 };
	struct timeval		 tv = { 0, 50000 };

	/* a timer keeps ticking while the child hangs */
	t.ev = event_new(base, -1, EV_PERSIST, tick_cb, &t);
	event_add(t.ev, &tv);
	aws_process_run(base, "sleep 30", 700, "test", outcome_cb, &o, NULL);
	assert_int_equal(run_until(base, outcome_done, &o, 10000), 0);
	assert_non_null(o.error);
	assert_string_equal(o.error, "timed out after 1s");
	assert_true(t.ticks >= 5);
	outcome_clear(&o);
	event_free(t.ev);
	event_base_free(base);
}

static void
test_process_no_pipe_fails_that_run(void **state)
{
	struct event_base	*base = event_base_new();
	struct outcome		 o = { 0 };
	struct aws_process	*p;
	char			*cause = NULL;

	/* No descriptor left: this run fails at once, with the reason. */
	test_fds_exhaust();
	p = aws_process_run(base, "echo out", 10000, "test", outcome_cb, &o,
	    &cause);
	test_fds_restore();
	assert_null(p);
	assert_string_equal(cause, "cannot make a pipe: Too many open files");
	free(cause);
	run_for(base, 100);
	assert_int_equal(o.done, 0);
	/* The process goes on, and so does the next run. */
	cause = NULL;
	p = aws_process_run(base, "echo out", 10000, "test", outcome_cb, &o,
	    &cause);
	assert_non_null(p);
	assert_int_equal(run_until(base, outcome_done, &o, 15000), 0);
	assert_string_equal(o.out, "out\n");
	outcome_clear(&o);
	event_base_free(base);
}

static void
test_process_cancel_is_quiet(void **state)
{
	struct event_base	*base = event_base_new();
	struct outcome		 o = { 0 };
	struct aws_process	*p;

	p = aws_process_run(base, "sleep 30", 10000, "test", outcome_cb, &o,
	    NULL);
	run_for(base, 100);
	aws_process_cancel(p);
	run_for(base, 300);
	assert_int_equal(o.done, 0);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process_outcomes),
		cmocka_unit_test(test_process_hang_times_out_without_stalling),
		cmocka_unit_test(test_process_no_pipe_fails_that_run),
		cmocka_unit_test(test_process_cancel_is_quiet),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
