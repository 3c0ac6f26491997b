/*
 * metrics.h: the metrics endpoint ([gateway] metrics = ADDR:PORT or
 * unix:/path): Prometheus text or OpenMetrics at GET /metrics.
 *
 * Three layers:
 *   - the exposition (metrics_expo.c): families, samples, label escaping,
 *     histograms, in either format; and the registry other modules add
 *     their process-wide counters and histograms to. It needs nothing of
 *     the daemon, so a forwarder or a unit test may use it.
 *   - the daemon's metrics (metrics.c): what the bus says of conns,
 *     sessions and AWS calls, per forward, and what the forwards hold at
 *     scrape time.
 *   - the HTTP server (metrics_http.c) on the event loop.
 *
 * Labels come only from the config and from fixed sets (forward, mode,
 * profile, reason, result, service, operation): never a peer, a conn or
 * a session id, so the number of series is bounded by the config.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct gw_config;

/* The exposition formats. */
#define METRICS_CT_TEXT	"text/plain; version=0.0.4; charset=utf-8"
#define METRICS_CT_OPENMETRICS \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"

enum metrics_type {
	METRICS_COUNTER,	/* samples NAME_total */
	METRICS_GAUGE,
	METRICS_HISTOGRAM,	/* NAME_bucket, NAME_sum, NAME_count */
	METRICS_INFO,		/* NAME_info 1 (text format: a gauge) */
};

/* Where a scrape is written, and in which format. */
struct metrics_out {
	struct evbuffer		*buf;
	int			 openmetrics;
	/* The family being written. */
	const char		*name;
	enum metrics_type	 type;
};

/*
 * Begin a family: name without _total or _info (with the unit as its last
 * word: _seconds, _bytes), its type and one line of help. unit ("seconds",
 * "bytes") or NULL.
 */
void	 metrics_family(struct metrics_out *, const char *name,
	    enum metrics_type, const char *unit, const char *help);
/*
 * One sample of the current family (not a histogram): labels is NULL or
 * name, value, name, value, ..., NULL.
 */
void	 metrics_sample(struct metrics_out *, const char *const *labels,
	    uint64_t value);
void	 metrics_sample_d(struct metrics_out *, const char *const *labels,
	    double value);
/* The end of a scrape: "# EOF" in OpenMetrics, nothing in text. */
void	 metrics_end(struct metrics_out *);

/* A histogram with fixed bucket bounds (ascending, +Inf implied). */
struct metrics_hist {
	const double	*bounds;
	size_t		 nbounds;
	uint64_t	*counts;	/* per bucket (not summed); +Inf */
	double		 sum;
	uint64_t	 count;
};
void	 metrics_hist_init(struct metrics_hist *, const double *bounds,
	    size_t nbounds);
void	 metrics_hist_clear(struct metrics_hist *);
void	 metrics_hist_observe(struct metrics_hist *, double value);
/* The samples of h in the current family (a histogram). */
void	 metrics_hist_write(struct metrics_out *, const char *const *labels,
	    const struct metrics_hist *h);

/* Bucket bounds in seconds for latencies from 1 ms to a minute. */
extern const double	metrics_latency_bounds[];
extern const size_t	metrics_nlatency_bounds;

/*
 * The registry: process-wide counters and histograms of other modules
 * (the audit log's written and dropped records, the data channel's
 * resends), written after the daemon's own at every scrape. Names as
 * metrics_family's; a name is registered once (a second registration
 * of the same name is ignored), and stays until metrics_registry_clear.
 */
void	 metrics_register_counter(const char *name, const char *help,
	    uint64_t (*fn)(void));
/*
 * The forward label of every on-demand forward (gatewayctl connect):
 * they are named after what users ask for, so they count as one.
 */
#define METRICS_ONDEMAND	"~connect"
struct forward;
const char *metrics_forward_label(const struct forward *);
/*
 * A histogram with one label, label (NULL: none): metrics_observe's
 * value picks the series (at most METRICS_MAX_SERIES; more go to the
 * series "other"). Return the handle for metrics_observe.
 */
#define METRICS_MAX_SERIES	256
struct metrics_hist_family;
struct metrics_hist_family *metrics_register_histogram(const char *name,
	    const char *unit, const char *help, const char *label,
	    const double *bounds, size_t nbounds);
void	 metrics_observe(struct metrics_hist_family *, const char *value,
	    double v);
/* Write every registered family. */
void	 metrics_write_registered(struct metrics_out *);
void	 metrics_registry_clear(void);

/*
 * The daemon's side (metrics.c). metrics_configure() at start and at every
 * reload: start, move (the address changed) or stop the endpoint, and
 * take the allow list; -1 and *cause if a new address cannot be bound
 * (the old one, if any, stays). metrics_stop() at exit.
 */
int	 metrics_configure(const struct gw_config *, char **cause);
void	 metrics_stop(void);
/* The whole scrape, in out's format. */
void	 metrics_write(struct metrics_out *);

/* metrics_http.c */
int	 metrics_http_start(const struct gw_config *, char **cause);
void	 metrics_http_stop(void);
/* The address served ("127.0.0.1:9473", "unix:/run/m.sock") or NULL. */
const char *metrics_http_address(void);

#endif /* METRICS_H */
