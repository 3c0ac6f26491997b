/*
 * The exposition of metrics, in the Prometheus text format (0.0.4) or in
 * OpenMetrics 1.0, and the registry other modules put their process-wide
 * counters and histograms in.
 *
 * The two formats differ in little: a counter's family is NAME in
 * OpenMetrics (samples NAME_total) but NAME_total in the text format, an
 * info family is NAME (sample NAME_info) against a gauge NAME_info,
 * OpenMetrics has # UNIT and ends with # EOF. Everything else (label
 * escaping, histogram buckets, numbers) is written the same, in the
 * forms both parsers accept.
 */

#include "autoconf.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "metrics.h"
#include "xmalloc.h"

#ifndef nitems
#define nitems(a)	(sizeof (a) / sizeof (a)[0])
#endif

const double metrics_latency_bounds[] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
	10, 30, 60,
};
const size_t metrics_nlatency_bounds = nitems(metrics_latency_bounds);

/* The shortest text that reads back as v; "+Inf", "-Inf", "NaN". */
static void
metrics_fmt_double(double v, char *buf, size_t len)
{
	int	prec;

	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, "%sInf", v > 0 ? "+" : "-");
		return;
	}
	/* Whole numbers as such: "10", never "1e+01". */
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, len, "%.17g", v);
}

/* Text with \, " (quoted only: label values) and newlines escaped. */
static void
metrics_add_escaped(struct evbuffer *b, const char *s, int quote)
{
	const char	*p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '\\')
			evbuffer_add(b, "\\\\", 2);
		else if (*p == '\n')
			evbuffer_add(b, "\\n", 2);
		else if (*p == '"' && quote)
			evbuffer_add(b, "\\\"", 2);
		else
			evbuffer_add(b, p, 1);
	}
}

/* The name of a family's # lines in out's format. */
static void
metrics_add_family_name(struct metrics_out *out)
{
	evbuffer_add_printf(out->buf, "%s", out->name);
	if (out->openmetrics)
		return;
	if (out->type == METRICS_COUNTER)
		evbuffer_add_printf(out->buf, "_total");
	else if (out->type == METRICS_INFO)
		evbuffer_add_printf(out->buf, "_info");
}

void
metrics_family(struct metrics_out *out, const char *name,
    enum metrics_type type, const char *unit, const char *help)
{
	static const char *const om[] = {
		[METRICS_COUNTER] = "counter", [METRICS_GAUGE] = "gauge",
		[METRICS_HISTOGRAM] = "histogram", [METRICS_INFO] = "info",
	};
	static const char *const text[] = {
		[METRICS_COUNTER] = "counter", [METRICS_GAUGE] = "gauge",
		[METRICS_HISTOGRAM] = "histogram", [METRICS_INFO] = "gauge",
	};

	out->name = name;
	out->type = type;
	evbuffer_add_printf(out->buf, "# HELP ");
	metrics_add_family_name(out);
	evbuffer_add(out->buf, " ", 1);
	metrics_add_escaped(out->buf, help, out->openmetrics);
	evbuffer_add_printf(out->buf, "\n# TYPE ");
	metrics_add_family_name(out);
	evbuffer_add_printf(out->buf, " %s\n", out->openmetrics ? om[type] :
	    text[type]);
	if (out->openmetrics && unit != NULL) {
		evbuffer_add_printf(out->buf, "# UNIT ");
		metrics_add_family_name(out);
		evbuffer_add_printf(out->buf, " %s\n", unit);
	}
}

/* NAME+suffix{labels[,le="..."]} */
static void
metrics_add_series(struct metrics_out *out, const char *suffix,
    const char *const *labels, const char *le)
{
	size_t	i;
	int	any = 0;

	evbuffer_add_printf(out->buf, "%s%s", out->name, suffix);
	for (i = 0; labels != NULL && labels[i] != NULL &&
	    labels[i + 1] != NULL; i += 2) {
		evbuffer_add_printf(out->buf, "%s%s=\"", any ? "," : "{",
		    labels[i]);
		metrics_add_escaped(out->buf, labels[i + 1], 1);
		evbuffer_add(out->buf, "\"", 1);
		any = 1;
	}
	if (le != NULL) {
		evbuffer_add_printf(out->buf, "%sle=\"%s\"", any ? "," : "{",
		    le);
		any = 1;
	}
	if (any)
		evbuffer_add(out->buf, "}", 1);
	evbuffer_add(out->buf, " ", 1);
}

static const char *
metrics_suffix(const struct metrics_out *out)
{
	if (out->type == METRICS_COUNTER)
		return ("_total");
	if (out->type == METRICS_INFO)
		return ("_info");
	return ("");
}

void
metrics_sample(struct metrics_out *out, const char *const *labels,
    uint64_t value)
{
	metrics_add_series(out, metrics_suffix(out), labels, NULL);
	evbuffer_add_printf(out->buf, "%" PRIu64 "\n", value);
}

void
metrics_sample_d(struct metrics_out *out, const char *const *labels,
    double value)
{
	char	num[64];

	metrics_fmt_double(value, num, sizeof num);
	metrics_add_series(out, metrics_suffix(out), labels, NULL);
	evbuffer_add_printf(out->buf, "%s\n", num);
}

void
metrics_end(struct metrics_out *out)
{
	if (out->openmetrics)
		evbuffer_add_printf(out->buf, "# EOF\n");
}

void
metrics_hist_init(struct metrics_hist *h, const double *bounds,
    size_t nbounds)
{
	memset(h, 0, sizeof *h);
	h->bounds = bounds;
	h->nbounds = nbounds;
	h->counts = xcalloc(nbounds + 1, sizeof *h->counts);
}

void
metrics_hist_clear(struct metrics_hist *h)
{
	free(h->counts);
	h->counts = NULL;
}

void
metrics_hist_observe(struct metrics_hist *h, double value)
{
	size_t	i;

	if (isnan(value))
		return;
	for (i = 0; i < h->nbounds && value > h->bounds[i]; i++)
		;
	h->counts[i]++;
	h->sum += value;
	h->count++;
}

void
metrics_hist_write(struct metrics_out *out, const char *const *labels,
    const struct metrics_hist *h)
{
	uint64_t	cum = 0;
	size_t		i;
	char		le[64], num[64];

	for (i = 0; i <= h->nbounds; i++) {
		cum += h->counts[i];
		if (i == h->nbounds)
			snprintf(le, sizeof le, "+Inf");
		else {
			metrics_fmt_double(h->bounds[i], le, sizeof le);
			/* OpenMetrics' canonical form of a whole bound. */
			if (strpbrk(le, ".eIN") == NULL)
				strlcat(le, ".0", sizeof le);
		}
		metrics_add_series(out, "_bucket", labels, le);
		evbuffer_add_printf(out->buf, "%" PRIu64 "\n", cum);
	}
	metrics_fmt_double(h->sum, num, sizeof num);
	metrics_add_series(out, "_sum", labels, NULL);
	evbuffer_add_printf(out->buf, "%s\n", num);
	metrics_add_series(out, "_count", labels, NULL);
	evbuffer_add_printf(out->buf, "%" PRIu64 "\n", h->count);
}

/* The registry. A process registers a handful: a small array will do. */
#define METRICS_MAX_REGISTERED	64

struct metrics_counter_reg {
	char		*name;
	char		*help;
	uint64_t	(*fn)(void);
};

struct metrics_series {
	char			*value;
	struct metrics_hist	 h;
};

struct metrics_hist_family {
	char			*name;
	char			*unit;
	char			*help;
	char			*label;
	const double		*bounds;
	size_t			 nbounds;
	struct metrics_series	*series;
	size_t			 nseries;
};

static struct metrics_counter_reg metrics_counters[METRICS_MAX_REGISTERED];
static size_t			 metrics_ncounters;
static struct metrics_hist_family *metrics_hists[METRICS_MAX_REGISTERED];
static size_t			 metrics_nhists;

/* 1 if name is registered already, as a counter or a histogram. */
static int
metrics_registered(const char *name)
{
	size_t	i;

	for (i = 0; i < metrics_ncounters; i++) {
		if (strcmp(metrics_counters[i].name, name) == 0)
			return (1);
	}
	for (i = 0; i < metrics_nhists; i++) {
		if (strcmp(metrics_hists[i]->name, name) == 0)
			return (1);
	}
	return (0);
}

void
metrics_register_counter(const char *name, const char *help,
    uint64_t (*fn)(void))
{
	struct metrics_counter_reg	*r;

	if (metrics_registered(name) ||
	    metrics_ncounters == METRICS_MAX_REGISTERED)
		return;
	r = &metrics_counters[metrics_ncounters++];
	r->name = xstrdup(name);
	r->help = xstrdup(help);
	r->fn = fn;
}

/* The series of f for value, made on first use. */
static struct metrics_hist *
metrics_series_get(struct metrics_hist_family *f, const char *value)
{
	struct metrics_series	*s;
	size_t			 i;

	for (i = 0; i < f->nseries; i++) {
		if (strcmp(f->series[i].value, value) == 0)
			return (&f->series[i].h);
	}
	/* The config bounds the values; a bug must not grow it forever. */
	if (f->nseries >= METRICS_MAX_SERIES && strcmp(value, "other") != 0)
		return (metrics_series_get(f, "other"));
	f->series = xreallocarray(f->series, f->nseries + 1,
	    sizeof *f->series);
	s = &f->series[f->nseries++];
	s->value = xstrdup(value);
	metrics_hist_init(&s->h, f->bounds, f->nbounds);
	return (&s->h);
}

struct metrics_hist_family *
metrics_register_histogram(const char *name, const char *unit,
    const char *help, const char *label, const double *bounds,
    size_t nbounds)
{
	struct metrics_hist_family	*f;
	size_t				 i;

	for (i = 0; i < metrics_nhists; i++) {
		if (strcmp(metrics_hists[i]->name, name) == 0)
			return (metrics_hists[i]);
	}
	f = xcalloc(1, sizeof *f);
	f->name = xstrdup(name);
	f->unit = unit != NULL ? xstrdup(unit) : NULL;
	f->help = xstrdup(help);
	f->label = label != NULL ? xstrdup(label) : NULL;
	f->bounds = bounds;
	f->nbounds = nbounds;
	/* Without a label the one series is there from the start. */
	if (label == NULL)
		metrics_series_get(f, "");
	/* A full registry still hands out a family: it is never written. */
	if (metrics_registered(name) ||
	    metrics_nhists == METRICS_MAX_REGISTERED)
		return (f);
	metrics_hists[metrics_nhists++] = f;
	return (f);
}

void
metrics_observe(struct metrics_hist_family *f, const char *value, double v)
{
	if (f->label == NULL || value == NULL)
		value = "";
	metrics_hist_observe(metrics_series_get(f, value), v);
}

void
metrics_write_registered(struct metrics_out *out)
{
	struct metrics_hist_family	*f;
	const char			*labels[3] = { NULL, NULL, NULL };
	size_t				 i, j;

	for (i = 0; i < metrics_ncounters; i++) {
		metrics_family(out, metrics_counters[i].name, METRICS_COUNTER,
		    NULL, metrics_counters[i].help);
		metrics_sample(out, NULL, metrics_counters[i].fn());
	}
	for (i = 0; i < metrics_nhists; i++) {
		f = metrics_hists[i];
		metrics_family(out, f->name, METRICS_HISTOGRAM, f->unit,
		    f->help);
		labels[0] = f->label;
		for (j = 0; j < f->nseries; j++) {
			labels[1] = f->series[j].value;
			metrics_hist_write(out, f->label != NULL ? labels :
			    NULL, &f->series[j].h);
		}
	}
}

static void
metrics_hist_family_free(struct metrics_hist_family *f)
{
	size_t	i;

	for (i = 0; i < f->nseries; i++) {
		free(f->series[i].value);
		metrics_hist_clear(&f->series[i].h);
	}
	free(f->series);
	free(f->name);
	free(f->unit);
	free(f->help);
	free(f->label);
	free(f);
}

void
metrics_registry_clear(void)
{
	size_t	i;

	for (i = 0; i < metrics_ncounters; i++) {
		free(metrics_counters[i].name);
		free(metrics_counters[i].help);
	}
	metrics_ncounters = 0;
	for (i = 0; i < metrics_nhists; i++)
		metrics_hist_family_free(metrics_hists[i]);
	metrics_nhists = 0;
}
