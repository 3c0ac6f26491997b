/*
 * Unit tests for metrics_expo.c: the two exposition formats (family
 * lines, counter and info suffixes, # UNIT, # EOF), label and help
 * escaping, numbers, histogram buckets with _sum and _count, and the
 * registry of other modules' counters and histograms.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "metrics.h"

/* Run write on a fresh output of the format; return the text (free it). */
static char *
render(int openmetrics, void (*write)(struct metrics_out *))
{
	struct metrics_out	 out;
	size_t			 len;
	char			*s;

	memset(&out, 0, sizeof out);
	out.openmetrics = openmetrics;
	out.buf = evbuffer_new();
	assert_non_null(out.buf);
	write(&out);
	metrics_end(&out);
	len = evbuffer_get_length(out.buf);
	s = calloc(1, len + 1);
	assert_non_null(s);
	evbuffer_remove(out.buf, s, len);
	evbuffer_free(out.buf);
	return (s);
}

static void
write_counter(struct metrics_out *out)
{
	const char	*labels[] = { "forward", "a\"b\\c\nd", "reason",
			    "done", NULL };

	metrics_family(out, "x_conns", METRICS_COUNTER, NULL,
	    "help with \\ and \"quotes\"\nand a newline");
	metrics_sample(out, labels, 42);
	metrics_family(out, "x_build", METRICS_INFO, NULL, "build");
	metrics_sample(out, NULL, 1);
	metrics_family(out, "x_bytes", METRICS_GAUGE, "bytes", "size");
	metrics_sample_d(out, NULL, 10);
	metrics_sample_d(out, NULL, 0.1);
	metrics_sample_d(out, NULL, INFINITY);
}

static void
test_metrics_text_format(void **state)
{
	char	*s = render(0, write_counter);

	assert_string_equal(s,
	    "# HELP x_conns_total help with \\\\ and \"quotes\"\\nand a "
	    "newline\n"
	    "# TYPE x_conns_total counter\n"
	    "x_conns_total{forward=\"a\\\"b\\\\c\\nd\",reason=\"done\"} 42\n"
	    "# HELP x_build_info build\n"
	    "# TYPE x_build_info gauge\n"
	    "x_build_info 1\n"
	    "# HELP x_bytes size\n"
	    "# TYPE x_bytes gauge\n"
	    "x_bytes 10\n"
	    "x_bytes 0.1\n"
	    "x_bytes +Inf\n");
	free(s);
}

static void
test_metrics_openmetrics_format(void **state)
{
	char	*s = render(1, write_counter);

	assert_string_equal(s,
	    "# HELP x_conns help with \\\\ and \\\"quotes\\\"\\nand a "
	    "newline\n"
	    "# TYPE x_conns counter\n"
	    "x_conns_total{forward=\"a\\\"b\\\\c\\nd\",reason=\"done\"} 42\n"
	    "# HELP x_build build\n"
	    "# TYPE x_build info\n"
	    "x_build_info 1\n"
	    "# HELP x_bytes size\n"
	    "# TYPE x_bytes gauge\n"
	    "# UNIT x_bytes bytes\n"
	    "x_bytes 10\n"
	    "x_bytes 0.1\n"
	    "x_bytes +Inf\n"
	    "# EOF\n");
	free(s);
}

static const double bounds[] = { 0.5, 1, 10 };

static void
write_hist(struct metrics_out *out)
{
	struct metrics_hist	 h;
	const char		*labels[] = { "forward", "db", NULL };

	metrics_hist_init(&h, bounds, 3);
	metrics_hist_observe(&h, 0.25);
	metrics_hist_observe(&h, 0.5);		/* le is inclusive */
	metrics_hist_observe(&h, 2);
	metrics_hist_observe(&h, 100);
	metrics_family(out, "x_seconds", METRICS_HISTOGRAM, "seconds", "t");
	metrics_hist_write(out, labels, &h);
	metrics_hist_clear(&h);
}

static void
test_metrics_histogram(void **state)
{
	char	*s = render(1, write_hist);

	assert_string_equal(s,
	    "# HELP x_seconds t\n"
	    "# TYPE x_seconds histogram\n"
	    "# UNIT x_seconds seconds\n"
	    "x_seconds_bucket{forward=\"db\",le=\"0.5\"} 2\n"
	    "x_seconds_bucket{forward=\"db\",le=\"1.0\"} 2\n"
	    "x_seconds_bucket{forward=\"db\",le=\"10.0\"} 3\n"
	    "x_seconds_bucket{forward=\"db\",le=\"+Inf\"} 4\n"
	    "x_seconds_sum{forward=\"db\"} 102.75\n"
	    "x_seconds_count{forward=\"db\"} 4\n"
	    "# EOF\n");
	free(s);
}

static uint64_t
seven(void)
{
	return (7);
}

static void
test_metrics_registry(void **state)
{
	struct metrics_hist_family	*f;
	char				*s;

	metrics_register_counter("y_drops", "dropped", seven);
	metrics_register_counter("y_drops", "again: ignored", seven);
	f = metrics_register_histogram("y_rtt_seconds", "seconds", "rtt",
	    NULL, bounds, 1);
	assert_ptr_equal(f, metrics_register_histogram("y_rtt_seconds",
	    "seconds", "rtt", NULL, bounds, 1));
	metrics_observe(f, NULL, 0.75);
	s = render(0, metrics_write_registered);
	assert_string_equal(s,
	    "# HELP y_drops_total dropped\n"
	    "# TYPE y_drops_total counter\n"
	    "y_drops_total 7\n"
	    "# HELP y_rtt_seconds rtt\n"
	    "# TYPE y_rtt_seconds histogram\n"
	    "y_rtt_seconds_bucket{le=\"0.5\"} 0\n"
	    "y_rtt_seconds_bucket{le=\"+Inf\"} 1\n"
	    "y_rtt_seconds_sum 0.75\n"
	    "y_rtt_seconds_count 1\n");
	free(s);
	metrics_registry_clear();
	s = render(0, metrics_write_registered);
	assert_string_equal(s, "");
	free(s);
}

/* A labelled histogram keeps at most METRICS_MAX_SERIES, then "other". */
static void
test_metrics_series_bound(void **state)
{
	struct metrics_hist_family	*f;
	char				 name[32], *s;
	int				 i;

	f = metrics_register_histogram("z_seconds", NULL, "z", "forward",
	    bounds, 1);
	for (i = 0; i < METRICS_MAX_SERIES + 10; i++) {
		snprintf(name, sizeof name, "f%d", i);
		metrics_observe(f, name, 1);
	}
	s = render(0, metrics_write_registered);
	assert_non_null(strstr(s, "z_seconds_count{forward=\"other\"} 10\n"));
	assert_null(strstr(s, "forward=\"f256\""));
	free(s);
	metrics_registry_clear();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_text_format),
		cmocka_unit_test(test_metrics_openmetrics_format),
		cmocka_unit_test(test_metrics_histogram),
		cmocka_unit_test(test_metrics_registry),
		cmocka_unit_test(test_metrics_series_bound),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
