/*
 * Unit tests for retry.c: what is retried, the quota arithmetic, the
 * backoff bounds, and the API budget's promise that no more than
 * burst + rate x t calls have started by time t.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "aws_retry.h"
#include "fakesrv.h"
#include "util.h"

static void
test_retry_classify(void **state)
{
	static const struct {
		enum aws_retry_transport	 t;
		long				 status;
		const char			*code;
		enum aws_retry_class		 want;
	} cases[] = {
		{ AWS_RETRY_T_NONE, 400, "ThrottlingException", AWS_RETRY_THROTTLE },
		{ AWS_RETRY_T_NONE, 400, "Throttling", AWS_RETRY_THROTTLE },
		{ AWS_RETRY_T_NONE, 429, "Whatever", AWS_RETRY_THROTTLE },
		{ AWS_RETRY_T_NONE, 429, NULL, AWS_RETRY_THROTTLE },
		{ AWS_RETRY_T_NONE, 500, "InternalServerError", AWS_RETRY_TRANSIENT },
		{ AWS_RETRY_T_NONE, 502, "502", AWS_RETRY_TRANSIENT },
		{ AWS_RETRY_T_NONE, 503, NULL, AWS_RETRY_TRANSIENT },
		{ AWS_RETRY_T_NONE, 504, NULL, AWS_RETRY_TRANSIENT },
		{ AWS_RETRY_T_NONE, 400, "RequestTimeout", AWS_RETRY_TRANSIENT },
		{ AWS_RETRY_T_NONE, 400, "IDPCommunicationError",
		    AWS_RETRY_TRANSIENT },
		{ AWS_RETRY_T_NONE, 501, "NotImplemented", AWS_RETRY_NONE },
		{ AWS_RETRY_T_NONE, 400, "AccessDeniedException", AWS_RETRY_NONE },
		{ AWS_RETRY_T_NONE, 400, "ValidationException", AWS_RETRY_NONE },
		{ AWS_RETRY_T_NONE, 403, "403", AWS_RETRY_NONE },
		{ AWS_RETRY_T_CONNECT, 0, NULL, AWS_RETRY_TRANSIENT },
		{ AWS_RETRY_T_TIMEOUT, 0, NULL, AWS_RETRY_TIMEOUT },
		{ AWS_RETRY_T_FINAL, 0, NULL, AWS_RETRY_NONE },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(aws_retry_classify(cases[i].t,
		    cases[i].status, cases[i].code), cases[i].want);
}

static void
test_retry_quota_drains_and_refills(void **state)
{
	struct aws_retry_quota	q;
	unsigned		i, n = 0;

	aws_retry_quota_init(&q);
	assert_int_equal(q.level, 500);
	/* success on the first try never overfills */
	aws_retry_quota_release(&q, 0);
	assert_int_equal(q.level, 500);
	assert_int_equal(aws_retry_quota_acquire(&q, 1), 10);
	assert_int_equal(q.level, 490);
	while (aws_retry_quota_acquire(&q, 0) != 0)
		n++;
	assert_int_equal(n, 98);
	assert_int_equal(q.level, 0);
	/* empty: no retry at all */
	assert_int_equal(aws_retry_quota_acquire(&q, 0), 0);
	/* a success after retries gives back its last retry's cost */
	aws_retry_quota_release(&q, 10);
	assert_int_equal(q.level, 10);
	assert_int_equal(aws_retry_quota_acquire(&q, 1), 10);
	assert_int_equal(aws_retry_quota_acquire(&q, 0), 0);
	for (i = 0; i < 4; i++)
		aws_retry_quota_release(&q, 0);
	assert_int_equal(q.level, 4);
	assert_int_equal(aws_retry_quota_acquire(&q, 0), 0);
	aws_retry_quota_release(&q, 0);
	assert_int_equal(aws_retry_quota_acquire(&q, 0), 5);
}

static void
test_retry_backoff_bounds(void **state)
{
	static const struct {
		unsigned	i;
		double		r;
		uint64_t	want;
	} cases[] = {
		{ 1, 0.0, 0 }, { 1, 0.5, 500 }, { 1, 0.999, 999 },
		{ 2, 0.5, 1000 }, { 3, 0.5, 2000 }, { 5, 0.5, 8000 },
		{ 6, 0.5, 10000 }, { 6, 0.999, 19980 }, { 20, 0.5, 10000 },
		{ 1, 2.0, 999 }, { 1, -1.0, 0 },
	};
	uint64_t	bound, ms;
	size_t		i;
	unsigned	k, j;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(aws_retry_backoff(cases[i].i, cases[i].r,
		    1000), cases[i].want);
	/* random draws: always within [0, min(2^(i-1), 20) s) */
	for (k = 1; k <= 8; k++) {
		bound = (k <= 5 ? (1u << (k - 1)) : 20) * 1000;
		if (bound > 20000)
			bound = 20000;
		for (j = 0; j < 200; j++) {
			ms = aws_retry_backoff_random(k, 1000);
			assert_true(ms < bound);
		}
	}
}

struct budget_run {
	struct aws_budget	*b;
	struct aws_budget_wait	 w[40];
	uint64_t		 granted[40];
	unsigned		 ngranted;
	uint64_t		 t0;
};

static void
budget_grant(struct budget_run *run)
{
	run->granted[run->ngranted++] = clock_now_ms() - run->t0;
}

static void
budget_cb(void *arg)
{
	budget_grant(arg);
}

static int
budget_all(void *arg)
{
	return (((struct budget_run *)arg)->ngranted == 39);
}

static void
test_retry_budget_never_exceeds_rate(void **state)
{
	struct event_base	*base = event_base_new();
	struct budget_run	 run;
	unsigned		 i, now = 0;
	const unsigned		 rate = 25, burst = 5;

	memset(&run, 0, sizeof run);
	run.b = aws_budget_new(base, rate, burst);
	run.t0 = clock_now_ms();
	for (i = 0; i < 40; i++) {
		if (aws_budget_take(run.b, &run.w[i], budget_cb, &run)) {
			budget_grant(&run);
			now++;
		}
	}
	assert_int_equal(now, burst);		/* the burst, at once */
	assert_int_equal(aws_budget_queued(run.b), 40 - burst);
	/* cancel one in the middle: it must never be granted */
	aws_budget_cancel(&run.w[20]);
	assert_int_equal(aws_budget_queued(run.b), 40 - burst - 1);
	assert_int_equal(run_until(base, budget_all, &run, 20000), 0);
	/* the k-th grant (1-based) came no earlier than the bucket allows */
	for (i = 0; i < 39; i++)
		assert_true((double)(i + 1) <= burst +
		    (double)rate * (double)run.granted[i] / 1000.0 + 0.5);
	/* and the queue kept its order */
	for (i = 1; i < 39; i++)
		assert_true(run.granted[i] >= run.granted[i - 1]);
	assert_int_equal(aws_budget_queued(run.b), 0);
	run_for(base, 200);
	assert_int_equal(run.ngranted, 39);	/* the cancelled one never */
	aws_budget_free(run.b);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_classify),
		cmocka_unit_test(test_retry_quota_drains_and_refills),
		cmocka_unit_test(test_retry_backoff_bounds),
		cmocka_unit_test(test_retry_budget_never_exceeds_rate),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
