/*
 * aws_retry.h: the numbers and rules of AWS "standard" retries
 * (aws-conventions.md 7): which failures are retried, the full-jitter
 * backoff, the retry quota; and the gateway-wide API budget, a token
 * bucket every call queues on, so that many forwards starting at once
 * cannot stampede the API. The constants live here and nowhere else.
 */
#ifndef AWS_RETRY_H
#define AWS_RETRY_H

#include <sys/queue.h>

#include <stdint.h>

struct event_base;

#define AWS_RETRY_ATTEMPTS	3	/* default max_attempts, first included */
#define AWS_RETRY_MAX_ATTEMPTS	10	/* upper bound we accept */
#define AWS_RETRY_BASE_MS	1000	/* backoff: random(0,1) x min(2^(i-1), */
#define AWS_RETRY_CAP		20	/* 20) x base */
#define AWS_RETRY_QUOTA		500	/* quota capacity and initial level */
#define AWS_RETRY_COST		5	/* a retry */
#define AWS_RETRY_TIMEOUT_COST	10	/* a retry after a timeout */
#define AWS_RETRY_NO_RETRY_REFUND 1	/* success on the first attempt */
#define AWS_RETRY_SKEW_MS	(4 * 60 * 1000)	/* clock skew worth fixing */

/* Default gateway-wide API budget: calls a second and burst. */
#define AWS_BUDGET_RATE		10
#define AWS_BUDGET_BURST	20

enum aws_retry_class {
	AWS_RETRY_NONE,		/* final */
	AWS_RETRY_TRANSIENT,	/* 5xx, transient codes, connection errors */
	AWS_RETRY_THROTTLE,	/* throttling codes, 429 */
	AWS_RETRY_TIMEOUT,	/* a transport timeout: costs more */
};

/* The transport's part of a failure, as aws_retry_classify() needs it. */
enum aws_retry_transport {
	AWS_RETRY_T_NONE,	/* an HTTP response came back */
	AWS_RETRY_T_CONNECT,	/* refused, reset, DNS, TLS handshake */
	AWS_RETRY_T_TIMEOUT,
	AWS_RETRY_T_FINAL,	/* certificate refused, body too big, ... */
};

/* Classify one failed attempt (status 0 when nothing came back). */
enum aws_retry_class aws_retry_classify(enum aws_retry_transport,
	    long status, const char *code);

/* The per-endpoint retry quota. */
struct aws_retry_quota {
	unsigned	level;
};
void	 aws_retry_quota_init(struct aws_retry_quota *);
/* Take the cost of a retry: the cost taken, or 0 (do not retry). */
unsigned aws_retry_quota_acquire(struct aws_retry_quota *, int timeout);
/* A request succeeded; last_cost is what its last retry took, 0 if none. */
void	 aws_retry_quota_release(struct aws_retry_quota *, unsigned last_cost);

/*
 * The wait before retry i (1-based): r x min(2^(i-1), 20) x base_ms,
 * with r uniform in [0, 1). aws_retry_backoff_random() draws r.
 */
uint64_t aws_retry_backoff(unsigned i, double r, unsigned base_ms);
uint64_t aws_retry_backoff_random(unsigned i, unsigned base_ms);

/* The API budget. */
struct aws_budget;
typedef void (*aws_budget_cb)(void *arg);

/* One place in the queue; embed it in the waiting object. */
struct aws_budget_wait {
	struct aws_budget		*budget;
	aws_budget_cb			 cb;
	void				*arg;
	int				 queued;
	TAILQ_ENTRY(aws_budget_wait)	 entry;
};

struct aws_budget *aws_budget_new(struct event_base *, unsigned rate,
	    unsigned burst);
void	 aws_budget_free(struct aws_budget *);
void	 aws_budget_set(struct aws_budget *, unsigned rate, unsigned burst);
/*
 * Take one call's token. Return 1 if it was free now (cb is not called);
 * else 0: w is queued and cb(arg) runs from the loop when its turn comes.
 */
int	 aws_budget_take(struct aws_budget *, struct aws_budget_wait *w,
	    aws_budget_cb cb, void *arg);
/* Leave the queue (no-op if w is not queued). */
void	 aws_budget_cancel(struct aws_budget_wait *);
unsigned aws_budget_queued(struct aws_budget *);

#endif /* AWS_RETRY_H */
