/*
 * Retries and the API budget. The classification, the quota and the
 * backoff are pure arithmetic over the constants in aws_retry.h; the
 * budget is a token bucket with a FIFO of waiters and one timer.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "aws_error.h"
#include "aws_retry.h"
#include "util.h"
#include "xmalloc.h"

enum aws_retry_class
aws_retry_classify(enum aws_retry_transport t, long status, const char *code)
{
	switch (t) {
	case AWS_RETRY_T_CONNECT:
		return (AWS_RETRY_TRANSIENT);
	case AWS_RETRY_T_TIMEOUT:
		return (AWS_RETRY_TIMEOUT);
	case AWS_RETRY_T_FINAL:
		return (AWS_RETRY_NONE);
	case AWS_RETRY_T_NONE:
		break;
	}
	if (status == 429 || aws_error_is_throttling(code))
		return (AWS_RETRY_THROTTLE);
	if (status == 500 || status == 502 || status == 503 || status == 504 ||
	    aws_error_is_transient(code))
		return (AWS_RETRY_TRANSIENT);
	return (AWS_RETRY_NONE);
}

void
aws_retry_quota_init(struct aws_retry_quota *q)
{
	q->level = AWS_RETRY_QUOTA;
}

unsigned
aws_retry_quota_acquire(struct aws_retry_quota *q, int timeout)
{
	unsigned	cost = timeout ? AWS_RETRY_TIMEOUT_COST : AWS_RETRY_COST;

	if (q->level < cost)
		return (0);
	q->level -= cost;
	return (cost);
}

void
aws_retry_quota_release(struct aws_retry_quota *q, unsigned last_cost)
{
	q->level += last_cost != 0 ? last_cost : AWS_RETRY_NO_RETRY_REFUND;
	if (q->level > AWS_RETRY_QUOTA)
		q->level = AWS_RETRY_QUOTA;
}

uint64_t
aws_retry_backoff(unsigned i, double r, unsigned base_ms)
{
	uint64_t	mult = AWS_RETRY_CAP;

	if (i == 0)
		i = 1;
	if (i - 1 < 5 && (1u << (i - 1)) < AWS_RETRY_CAP)
		mult = 1u << (i - 1);
	if (r < 0)
		r = 0;
	if (r >= 1)
		r = 0.999999;
	return ((uint64_t)(r * (double)(mult * base_ms)));
}

uint64_t
aws_retry_backoff_random(unsigned i, unsigned base_ms)
{
	double	r = (double)util_random_range(0, 1000000) / 1000000.0;

	return (aws_retry_backoff(i, r, base_ms));
}

struct aws_budget {
	struct event_base		*base;
	struct event			*timer;
	double				 rate;		/* tokens a second */
	double				 burst;
	double				 tokens;
	uint64_t			 last_ms;
	unsigned			 nqueued;
	TAILQ_HEAD(, aws_budget_wait)	 queue;
};

static void
aws_budget_refill(struct aws_budget *b)
{
	uint64_t	now = clock_now_ms();

	if (now > b->last_ms) {
		b->tokens += (double)(now - b->last_ms) * b->rate / 1000.0;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
	}
	b->last_ms = now;
}

/* Arm the timer for when the next token will be there. */
static void
aws_budget_arm(struct aws_budget *b)
{
	struct timeval	tv;
	double		ms;

	if (TAILQ_EMPTY(&b->queue)) {
		evtimer_del(b->timer);
		return;
	}
	ms = (1.0 - b->tokens) * 1000.0 / b->rate;
	if (ms < 1)
		ms = 1;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms - tv.tv_sec * 1000.0) * 1000.0) + 1;
	if (tv.tv_usec >= 1000000) {
		tv.tv_sec++;
		tv.tv_usec -= 1000000;
	}
	evtimer_add(b->timer, &tv);
}

static void
aws_budget_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct aws_budget	*b = arg;
	struct aws_budget_wait	*w;

	aws_budget_refill(b);
	while (b->tokens >= 1.0 && (w = TAILQ_FIRST(&b->queue)) != NULL) {
		TAILQ_REMOVE(&b->queue, w, entry);
		b->nqueued--;
		w->queued = 0;
		b->tokens -= 1.0;
		w->cb(w->arg);	/* may queue or cancel others */
	}
	aws_budget_arm(b);
}

struct aws_budget *
aws_budget_new(struct event_base *base, unsigned rate, unsigned burst)
{
	struct aws_budget	*b;

	b = xcalloc(1, sizeof *b);
	b->base = base;
	b->timer = evtimer_new(base, aws_budget_timer_cb, b);
	TAILQ_INIT(&b->queue);
	aws_budget_set(b, rate, burst);
	b->tokens = b->burst;
	b->last_ms = clock_now_ms();
	return (b);
}

void
aws_budget_set(struct aws_budget *b, unsigned rate, unsigned burst)
{
	b->rate = rate != 0 ? rate : AWS_BUDGET_RATE;
	b->burst = burst != 0 ? burst : AWS_BUDGET_BURST;
	if (b->tokens > b->burst)
		b->tokens = b->burst;
}

void
aws_budget_free(struct aws_budget *b)
{
	struct aws_budget_wait	*w;

	if (b == NULL)
		return;
	while ((w = TAILQ_FIRST(&b->queue)) != NULL)
		aws_budget_cancel(w);
	event_free(b->timer);
	free(b);
}

int
aws_budget_take(struct aws_budget *b, struct aws_budget_wait *w,
    aws_budget_cb cb, void *arg)
{
	aws_budget_refill(b);
	w->budget = b;
	w->cb = cb;
	w->arg = arg;
	if (TAILQ_EMPTY(&b->queue) && b->tokens >= 1.0) {
		b->tokens -= 1.0;
		w->queued = 0;
		return (1);
	}
	TAILQ_INSERT_TAIL(&b->queue, w, entry);
	w->queued = 1;
	b->nqueued++;
	if (!evtimer_pending(b->timer, NULL))
		aws_budget_arm(b);
	return (0);
}

void
aws_budget_cancel(struct aws_budget_wait *w)
{
	struct aws_budget	*b = w->budget;

	if (b == NULL || !w->queued)
		return;
	TAILQ_REMOVE(&b->queue, w, entry);
	b->nqueued--;
	w->queued = 0;
	aws_budget_arm(b);
}

unsigned
aws_budget_queued(struct aws_budget *b)
{
	return (b->nqueued);
}
